//! The functions templates may call: Go's builtins that Podman users rely on, plus Podman's
//! additions (`json`, `lower`, `pad`, `upper`, `title`, `join`, `split`, `truncate`).

use serde_json::Value;

use super::exec::{go_print, truthy};
use super::Fault;

/// Calls the function `name` with already evaluated arguments (a piped value comes last).
pub fn call(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let text = |i: usize| args.get(i).map(go_print).unwrap_or_default();
    let need = |n: usize| {
        if args.len() < n {
            Err(Fault::new(format!("wrong number of args for {name}: want {n} got {}", args.len())))
        } else {
            Ok(())
        }
    };
    Ok(match name {
        "json" => {
            need(1)?;
            Value::String(serde_json::to_string(&args[0]).map_err(|e| Fault::new(e.to_string()))?)
        }
        "lower" => Value::String(text(0).to_lowercase()),
        "upper" => Value::String(text(0).to_uppercase()),
        "title" => Value::String(title_case(&text(0))),
        "join" => {
            need(2)?;
            let items = match &args[0] {
                Value::Array(items) => items.iter().map(go_print).collect::<Vec<_>>(),
                other => vec![go_print(other)],
            };
            Value::String(items.join(&text(1)))
        }
        "split" => {
            need(2)?;
            Value::Array(text(0).split(text(1).as_str()).map(|s| Value::String(s.into())).collect())
        }
        "pad" => {
            // Podman's `pad SOURCE PREFIX SUFFIX`: spaces around a non-empty string only.
            need(3)?;
            let source = text(0);
            if source.is_empty() {
                Value::String(source)
            } else {
                let spaces = |i: usize| " ".repeat(args[i].as_f64().unwrap_or(0.0).max(0.0) as usize);
                Value::String(format!("{}{source}{}", spaces(1), spaces(2)))
            }
        }
        "truncate" => {
            need(2)?;
            let limit = args[1].as_f64().unwrap_or(0.0) as usize;
            Value::String(text(0).chars().take(limit).collect())
        }
        "len" => {
            need(1)?;
            Value::from(match &args[0] {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                Value::String(s) => s.len(),
                _ => return Err(Fault::new("len of a value without length".into())),
            })
        }
        "index" => {
            need(1)?;
            let mut current = args[0].clone();
            for key in &args[1..] {
                current = match (&current, key) {
                    (Value::Array(a), Value::Number(n)) => {
                        a.get(n.as_f64().unwrap_or(-1.0) as usize).cloned().unwrap_or(Value::Null)
                    }
                    (Value::Object(o), k) => o.get(&go_print(k)).cloned().unwrap_or(Value::Null),
                    _ => return Err(Fault::new("can't index item".into())),
                };
            }
            current
        }
        "printf" => {
            need(1)?;
            Value::String(sprintf(&text(0), &args[1..]))
        }
        "eq" => {
            need(2)?;
            Value::Bool(args[1..].iter().any(|a| loosely_equal(&args[0], a)))
        }
        "ne" => {
            need(2)?;
            Value::Bool(!loosely_equal(&args[0], &args[1]))
        }
        "not" => {
            need(1)?;
            Value::Bool(!truthy(&args[0]))
        }
        "and" => {
            need(1)?;
            args.iter().find(|a| !truthy(a)).unwrap_or(&args[args.len() - 1]).clone()
        }
        "or" => {
            need(1)?;
            args.iter().find(|a| truthy(a)).unwrap_or(&args[args.len() - 1]).clone()
        }
        _ => return Err(Fault::new(format!("function {name:?} not defined"))),
    })
}

fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = c.is_whitespace();
    }
    out
}

/// The subset of Go's `fmt.Sprintf` verbs templates use: `%s %v %d %q %%`.
fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('q') => out.push_str(&format!("{:?}", args.next().map(go_print).unwrap_or_default())),
            Some(verb @ ('s' | 'v' | 'd')) => match args.next() {
                Some(arg) => out.push_str(&go_print(arg)),
                None => out.push_str(&format!("%!{verb}(MISSING)")),
            },
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

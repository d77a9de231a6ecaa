//! Runs a parsed template over JSON data, printing values the way Go's text/template does.

use serde_json::Value;

use super::funcs;
use super::parse::{Node, Operand, Pipeline};
use super::TemplateError;

/// Renders `nodes` with `data` as both `.` and `$`.
pub fn execute(nodes: &[Node], data: &Value) -> Result<String, TemplateError> {
    let mut state = State { out: String::new(), vars: vec![("".to_string(), data.clone())] };
    state.walk(nodes, data)?;
    Ok(state.out)
}

struct State {
    out: String,
    /// Variables in scope, innermost last; `$` (empty name) is the root data.
    vars: Vec<(String, Value)>,
}

impl State {
    fn walk(&mut self, nodes: &[Node], dot: &Value) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Print(pipe) => {
                    let value = self.pipeline(pipe, dot)?;
                    if pipe.declared.is_empty() {
                        self.out.push_str(&go_print(&value));
                    } else {
                        self.declare(&pipe.declared, value);
                    }
                }
                Node::If { pipe, then, otherwise } => {
                    let branch = if truthy(&self.pipeline(pipe, dot)?) { then } else { otherwise };
                    self.scoped(|s| s.walk(branch, dot))?;
                }
                Node::With { pipe, body, otherwise } => {
                    let value = self.pipeline(pipe, dot)?;
                    if truthy(&value) {
                        self.scoped(|s| s.walk(body, &value))?;
                    } else {
                        self.scoped(|s| s.walk(otherwise, dot))?;
                    }
                }
                Node::Range { pipe, body, otherwise } => self.range(pipe, body, otherwise, dot)?,
            }
        }
        Ok(())
    }

    fn range(&mut self, pipe: &Pipeline, body: &[Node], otherwise: &[Node], dot: &Value) -> Result<(), TemplateError> {
        let items: Vec<(Value, Value)> = match self.pipeline(pipe, dot)? {
            Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect(),
            Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
            }
            Value::Null => Vec::new(),
            other => return Err(TemplateError::Exec(format!("range can't iterate over {}", go_print(&other)))),
        };
        if items.is_empty() {
            return self.scoped(|s| s.walk(otherwise, dot));
        }
        for (key, item) in items {
            self.scoped(|s| {
                match pipe.declared.as_slice() {
                    [one] => s.vars.push((one.clone(), item.clone())),
                    [k, v] => {
                        s.vars.push((k.clone(), key));
                        s.vars.push((v.clone(), item.clone()));
                    }
                    _ => {}
                }
                s.walk(body, &item)
            })?;
        }
        Ok(())
    }

    fn scoped(&mut self, f: impl FnOnce(&mut Self) -> Result<(), TemplateError>) -> Result<(), TemplateError> {
        let depth = self.vars.len();
        let result = f(self);
        self.vars.truncate(depth);
        result
    }

    fn declare(&mut self, names: &[String], value: Value) {
        if let Some(name) = names.first() {
            self.vars.push((name.clone(), value));
        }
    }

    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value, TemplateError> {
        let mut piped: Option<Value> = None;
        for command in &pipe.commands {
            piped = Some(self.command(command, dot, piped)?);
        }
        Ok(piped.unwrap_or(Value::Null))
    }

    fn command(&mut self, operands: &[Operand], dot: &Value, piped: Option<Value>) -> Result<Value, TemplateError> {
        if let Some(Operand::Func(name)) = operands.first() {
            let mut args = operands[1..].iter().map(|o| self.operand(o, dot)).collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return funcs::call(name, &args);
        }
        match (operands, piped) {
            ([single], None) => self.operand(single, dot),
            (_, Some(_)) => Err(TemplateError::Exec("can't give argument to non-function".into())),
            _ => Err(TemplateError::Exec("can't give argument to non-function".into())),
        }
    }

    fn operand(&mut self, operand: &Operand, dot: &Value) -> Result<Value, TemplateError> {
        Ok(match operand {
            Operand::Field(fields) => fields_of(dot, fields),
            Operand::Variable(name, fields) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| TemplateError::Exec(format!("undefined variable: ${name}")))?;
                fields_of(&value, fields)
            }
            Operand::Str(text) => Value::String(text.clone()),
            Operand::Number(n) => serde_json::Number::from_f64(*n).map(Value::Number).unwrap_or(Value::Null),
            Operand::Bool(b) => Value::Bool(*b),
            Operand::Nil => Value::Null,
            Operand::Func(name) => funcs::call(name, &[])?,
            Operand::Sub(pipe, fields) => {
                let value = self.pipeline(pipe, dot)?;
                fields_of(&value, fields)
            }
        })
    }
}

fn fields_of(value: &Value, fields: &[String]) -> Value {
    let mut current = value;
    for field in fields {
        match current.get(field) {
            Some(next) => current = next,
            None => return Value::String("<no value>".into()),
        }
    }
    current.clone()
}

/// Go's truth: false, 0, "", nil and empty collections are false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Prints a value as Go's `fmt.Print` does: slices as `[a b]`, maps as `map[k:v]` with sorted
/// keys, nil as `<nil>`.
pub fn go_print(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(go_print).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            let entries: Vec<String> = keys.iter().map(|k| format!("{k}:{}", go_print(&map[k.as_str()]))).collect();
            format!("map[{}]", entries.join(" "))
        }
    }
}

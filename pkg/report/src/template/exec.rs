//! Runs a parsed template over JSON data, printing values the way Go's text/template does.

use serde_json::Value;

use super::funcs;
use super::parse::{Node, Operand, Pipeline};
use super::schema::{Schema, Start};
use super::Fault;

/// Renders `nodes` with `data` as both `.` and `$`; `data` is what `start` says in `schema`.
pub fn execute(nodes: &[Node], data: &Value, schema: &Schema, start: Start) -> Result<String, Fault> {
    let mut state = State { out: String::new(), vars: vec![("".to_string(), data.clone())], schema };
    let path = match start {
        Start::Items => Path::Items,
        Start::Item => Path::Item(Vec::new()),
        Start::Unknown => Path::Unknown,
    };
    state.walk(nodes, data, &path)?;
    Ok(state.out)
}

/// Where the dot is in the schema: the item list, an object at a field path below an item, or
/// somewhere the schema does not describe (its objects are then maps).
#[derive(Debug, Clone, PartialEq)]
enum Path {
    Items,
    Item(Vec<String>),
    Unknown,
}

impl Path {
    /// The path of the value `pipe` yields from a dot at `self`: known only for a bare field chain.
    fn of(&self, pipe: &Pipeline) -> Path {
        match (self, pipe.commands.as_slice()) {
            (Path::Item(base), [command]) => match command.as_slice() {
                [Operand::Field(fields, _)] => Path::Item(base.iter().chain(fields).cloned().collect()),
                _ => Path::Unknown,
            },
            _ => Path::Unknown,
        }
    }

    /// The path of the elements `range` over `pipe` visits: items when ranging over the list.
    fn elements(&self, pipe: &Pipeline) -> Path {
        match (self, pipe.commands.as_slice()) {
            (Path::Items, [command]) if matches!(command.as_slice(), [Operand::Field(fields, _)] if fields.is_empty()) => {
                Path::Item(Vec::new())
            }
            _ => Path::Unknown,
        }
    }
}

struct State<'s> {
    out: String,
    /// Variables in scope, innermost last; `$` (empty name) is the root data.
    vars: Vec<(String, Value)>,
    schema: &'s Schema,
}

impl State<'_> {
    fn walk(&mut self, nodes: &[Node], dot: &Value, path: &Path) -> Result<(), Fault> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Print(pipe) => {
                    let value = self.pipeline(pipe, dot, path)?;
                    if pipe.declared.is_empty() {
                        self.out.push_str(&go_print(&value));
                    } else {
                        self.declare(&pipe.declared, value);
                    }
                }
                Node::If { pipe, then, otherwise } => {
                    let branch = if truthy(&self.pipeline(pipe, dot, path)?) { then } else { otherwise };
                    self.scoped(|s| s.walk(branch, dot, path))?;
                }
                Node::With { pipe, body, otherwise } => {
                    let value = self.pipeline(pipe, dot, path)?;
                    if truthy(&value) {
                        self.scoped(|s| s.walk(body, &value, &path.of(pipe)))?;
                    } else {
                        self.scoped(|s| s.walk(otherwise, dot, path))?;
                    }
                }
                Node::Range { pipe, body, otherwise } => self.range(pipe, body, otherwise, dot, path)?,
            }
        }
        Ok(())
    }

    fn range(
        &mut self,
        pipe: &Pipeline,
        body: &[Node],
        otherwise: &[Node],
        dot: &Value,
        path: &Path,
    ) -> Result<(), Fault> {
        let element_path = path.elements(pipe);
        let items: Vec<(Value, Value)> = match self.pipeline(pipe, dot, path)? {
            Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect(),
            Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
            }
            Value::Null => Vec::new(),
            other => return Err(Fault::new(format!("range can't iterate over {}", go_print(&other)))),
        };
        if items.is_empty() {
            return self.scoped(|s| s.walk(otherwise, dot, path));
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
                s.walk(body, &item, &element_path)
            })?;
        }
        Ok(())
    }

    fn scoped(&mut self, f: impl FnOnce(&mut Self) -> Result<(), Fault>) -> Result<(), Fault> {
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

    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value, path: &Path) -> Result<Value, Fault> {
        let mut piped: Option<Value> = None;
        for command in &pipe.commands {
            piped = Some(self.command(command, dot, path, piped)?);
        }
        Ok(piped.unwrap_or(Value::Null))
    }

    fn command(
        &mut self,
        operands: &[Operand],
        dot: &Value,
        path: &Path,
        piped: Option<Value>,
    ) -> Result<Value, Fault> {
        if let Some(Operand::Func(name)) = operands.first() {
            let mut args = operands[1..].iter().map(|o| self.operand(o, dot, path)).collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return funcs::call(name, &args);
        }
        match (operands, piped) {
            ([single], None) => self.operand(single, dot, path),
            (_, Some(_)) => Err(Fault::new("can't give argument to non-function".into())),
            _ => Err(Fault::new("can't give argument to non-function".into())),
        }
    }

    fn operand(&mut self, operand: &Operand, dot: &Value, path: &Path) -> Result<Value, Fault> {
        Ok(match operand {
            Operand::Field(fields, at) => self.field(dot, path, fields, *at)?,
            Operand::Variable(name, fields) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| Fault::new(format!("undefined variable: ${name}")))?;
                fields_of(&value, fields)
            }
            Operand::Str(text) => Value::String(text.clone()),
            Operand::Number(n) => serde_json::Number::from_f64(*n).map(Value::Number).unwrap_or(Value::Null),
            Operand::Bool(b) => Value::Bool(*b),
            Operand::Nil => Value::Null,
            Operand::Func(name) => funcs::call(name, &[])?,
            Operand::Sub(pipe, fields) => {
                let value = self.pipeline(pipe, dot, path)?;
                fields_of(&value, fields)
            }
        })
    }

    /// `.A.B` from the dot at `path`: a field missing from an object the schema calls a struct
    /// is Go's `can't evaluate field`; from any other object (a map), `<no value>`.
    fn field(&self, dot: &Value, path: &Path, fields: &[String], at: usize) -> Result<Value, Fault> {
        let mut current = dot;
        for (depth, field) in fields.iter().enumerate() {
            match current.get(field) {
                Some(next) => current = next,
                None => {
                    let struct_type = match path {
                        Path::Item(base) if current.is_object() => {
                            let parent: Vec<String> = base.iter().chain(&fields[..depth]).cloned().collect();
                            self.schema.struct_at(&parent)
                        }
                        _ => None,
                    };
                    return match struct_type {
                        Some(go_type) => Err(Fault::new(format!("can't evaluate field {field} in type {go_type}"))
                            .at(at, format!(".{}", fields.join(".")))),
                        None => Ok(Value::String("<no value>".into())),
                    };
                }
            }
        }
        Ok(current.clone())
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

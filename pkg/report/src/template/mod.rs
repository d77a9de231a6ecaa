//! A Go text/template engine over JSON data: the subset Podman users write in `--format`
//! (fields, variables, pipelines, `if`/`range`/`with`/`else`, trim markers, comments and the
//! functions in [`funcs`]). Values print as Go prints them (`[a b]`, `map[k:v]`), which is why
//! rpod carries its own engine instead of one that prints Rust's debug forms.

mod exec;
mod funcs;
mod lex;
mod parse;
mod schema;

use serde_json::Value;

pub use exec::go_print;
pub use schema::{Schema, Start};

/// A template that failed to parse or to run, worded and located as Go's text/template does
/// (`template: ps:1:13: executing "ps" at <.Nope>: can't evaluate field Nope in type …`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("template: {name}:{line}: {message}")]
    Parse { name: String, line: usize, message: String },
    #[error("template: {name}:{location}: executing \"{name}\"{at}: {message}")]
    Exec {
        name: String,
        /// `line:column` of the failing node, or the line alone when it is not known.
        location: String,
        /// ` at <.Node>`, or empty.
        at: String,
        message: String,
    },
}

/// What went wrong inside the engine, before the template's name and text locate it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    message: String,
    /// The line of the action that failed to parse.
    line: Option<usize>,
    /// The byte offset and text of the node that failed to run.
    node: Option<(usize, String)>,
}

impl Fault {
    pub(crate) fn new(message: String) -> Fault {
        Fault { message, line: None, node: None }
    }

    pub(crate) fn on_line(self, line: usize) -> Fault {
        Fault { line: Some(line), ..self }
    }

    pub(crate) fn at(self, offset: usize, node: String) -> Fault {
        Fault { node: Some((offset, node)), ..self }
    }
}

/// A parsed template, ready to run over many values.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<parse::Node>,
    name: String,
    text: String,
}

impl Template {
    /// Parses Go template text (an unnamed template, as Go names it in errors).
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        Template::parse_named("", text)
    }

    /// Parses Go template text under `name`, which errors cite as Podman's do (`ps`, `images`).
    pub fn parse_named(name: &str, text: &str) -> Result<Template, TemplateError> {
        let parsed = lex::segments(text).and_then(parse::parse);
        let nodes = parsed.map_err(|fault| TemplateError::Parse {
            name: name.to_string(),
            line: fault.line.unwrap_or(1),
            message: fault.message,
        })?;
        Ok(Template { nodes, name: name.to_string(), text: text.to_string() })
    }

    /// Runs the template with `data` as `.` and `$`; fields are looked up as in maps.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        self.execute_typed(data, &Schema::MAPS, Start::Unknown)
    }

    /// Runs the template with `data` as `.` and `$`, `data` being what `start` says it is in
    /// `schema`: a field a Go struct of the schema lacks is Go's `can't evaluate field`.
    pub fn execute_typed(&self, data: &Value, schema: &Schema, start: Start) -> Result<String, TemplateError> {
        exec::execute(&self.nodes, data, schema, start).map_err(|fault| self.locate(fault))
    }

    /// The error Go prints for `fault`: the node's line and column in this template's text.
    fn locate(&self, fault: Fault) -> TemplateError {
        let (location, at) = match fault.node {
            Some((offset, node)) => {
                let before = &self.text[..offset.min(self.text.len())];
                let line = 1 + before.matches('\n').count();
                let column = offset - before.rfind('\n').map_or(0, |newline| newline + 1);
                (format!("{line}:{column}"), format!(" at <{node}>"))
            }
            None => ("1".to_string(), String::new()),
        };
        TemplateError::Exec { name: self.name.clone(), location, at, message: fault.message }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(text: &str, data: Value) -> String {
        Template::parse(text).unwrap().execute(&data).unwrap()
    }

    #[test]
    fn prints_like_go() {
        let data = json!({"Config": {"CreateCommand": ["rpod", "create", "x"], "Labels": {"b": "2", "a": "1"}, "Nil": null}, "N": 3});
        assert_eq!(run("{{.Config.CreateCommand}}", data.clone()), "[rpod create x]");
        assert_eq!(run("{{.Config.Labels}}", data.clone()), "map[a:1 b:2]");
        assert_eq!(run("{{.N}} {{.Missing}}", data.clone()), "3 <no value>");
        assert_eq!(run("{{.Config.Nil}}", data), "<nil>");
    }

    #[test]
    fn control_flow_and_variables() {
        let data = json!([{"Name": "a", "On": true}, {"Name": "b", "On": false}]);
        assert_eq!(run("{{range .}}{{.Name}}{{if .On}}+{{else}}-{{end}} {{end}}", data.clone()), "a+ b- ");
        assert_eq!(run("{{range $i, $c := .}}{{$i}}={{$c.Name}};{{end}}", data.clone()), "0=a;1=b;");
        assert_eq!(run("{{range .}}{{else}}none{{end}}", json!([])), "none");
        assert_eq!(run("{{with .X}}{{.}}{{else}}no{{end}}", json!({"X": ""})), "no");
        assert_eq!(run("{{if eq .A 1}}one{{else if eq .A 2}}two{{else}}many{{end}}", json!({"A": 2})), "two");
        assert_eq!(run("{{$x := .A}}{{$x}}", json!({"A": "v"})), "v");
    }

    #[test]
    fn functions_and_pipes() {
        let data = json!({"L": {"k": "v"}, "S": "Hello", "E": "", "A": ["x", "y"]});
        assert_eq!(run("{{json .L}}", data.clone()), r#"{"k":"v"}"#);
        assert_eq!(run("{{.S | lower}} {{upper .S}}", data.clone()), "hello HELLO");
        assert_eq!(run("{{join .A \",\"}} {{len .A}} {{index .A 1}} {{index .L \"k\"}}", data.clone()), "x,y 2 y v");
        assert_eq!(run("{{printf \"%s-%d%%\" .S 5}}", data.clone()), "Hello-5%");
        assert_eq!(run("{{(index .A 0) | upper}}", data.clone()), "X");
        assert_eq!(run("[{{pad .S 2 1}}][{{pad .E 2 1}}]", data), "[  Hello ][]", "only a non-empty string is padded");
    }

    #[test]
    fn a_field_a_struct_lacks_is_located_as_go_does() {
        const SCHEMA: Schema = Schema { item: "containers.psReporter", structs: &[("Config", "*define.Config")] };
        let run = |text: &str| {
            let template = Template::parse_named("ps", text).unwrap();
            template.execute_typed(&json!([{"A": 1, "Config": {"B": 2}, "Labels": {}}]), &SCHEMA, Start::Items)
        };
        assert_eq!(
            run("{{range .}}{{.Nope}}\n{{end -}}").unwrap_err().to_string(),
            "template: ps:1:13: executing \"ps\" at <.Nope>: can't evaluate field Nope in type containers.psReporter"
        );
        assert_eq!(
            run("{{range .}}{{.Config.Nope}}{{end}}").unwrap_err().to_string(),
            "template: ps:1:20: executing \"ps\" at <.Config.Nope>: can't evaluate field Nope in type *define.Config"
        );
        assert_eq!(run("{{range .}}{{.Labels.nope}} {{.A}}{{end}}").unwrap(), "<no value> 1", "maps have no fields");
        assert_eq!(run("{{range .}}{{with .Config}}{{.B}}{{end}}{{end}}").unwrap(), "2");
        assert!(run("{{range .}}{{with .Config}}{{.C}}{{end}}{{end}}").is_err(), "with keeps the type");
    }

    #[test]
    fn parse_errors_read_like_gos() {
        let error = |text: &str| Template::parse_named("ps", text).unwrap_err().to_string();
        assert_eq!(error("{{range .}}{{.Names{{end -}}"), "template: ps:1: bad character U+007B '{'");
        assert_eq!(error("{{.Names}}{{{{end}}"), "template: ps:1: unexpected \"{\" in command");
        assert_eq!(error("a\n{{.Names"), "template: ps:2: unclosed action");
        assert_eq!(error("{{.A}}{{end}}"), "template: ps:1: unexpected {{end}}");
    }

    #[test]
    fn errors_are_reported() {
        assert!(Template::parse("{{if .X}}").is_err());
        assert!(Template::parse("{{end}}").is_err());
        assert!(Template::parse("{{.X").is_err());
        assert!(Template::parse("{{nofunc .X}}").unwrap().execute(&json!({})).is_err());
    }
}

//! A Go text/template engine over JSON data: the subset Podman users write in `--format`
//! (fields, variables, pipelines, `if`/`range`/`with`/`else`, trim markers, comments and the
//! functions in [`funcs`]). Values print as Go prints them (`[a b]`, `map[k:v]`), which is why
//! rpod carries its own engine instead of one that prints Rust's debug forms.

mod exec;
mod funcs;
mod lex;
mod parse;

use serde_json::Value;

pub use exec::go_print;

/// A template that failed to parse or to run; the text says where, like Go's `template: …`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("template: {0}")]
    Parse(String),
    #[error("template: executing: {0}")]
    Exec(String),
}

/// A parsed template, ready to run over many values.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<parse::Node>,
}

impl Template {
    /// Parses Go template text.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        Ok(Template { nodes: parse::parse(lex::segments(text)?)? })
    }

    /// Runs the template with `data` as `.` and `$`.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        exec::execute(&self.nodes, data)
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
    fn errors_are_reported() {
        assert!(Template::parse("{{if .X}}").is_err());
        assert!(Template::parse("{{end}}").is_err());
        assert!(Template::parse("{{.X").is_err());
        assert!(Template::parse("{{nofunc .X}}").unwrap().execute(&json!({})).is_err());
    }
}

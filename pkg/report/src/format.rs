//! Podman's `--format` rules (containers/common `report.Formatter`): a user template runs once
//! per item unless it ranges itself, `\t` and `\n` are unescaped, every row ends in a newline,
//! and a `table ` prefix adds a header row and aligns columns like Go's tabwriter.

use serde_json::Value;

use crate::tabwriter::align_columns;
use crate::template::{Schema, Start, Template, TemplateError};

/// Whose output a format renders: the template name Podman's errors cite (the command) and
/// the Go types of the items, so an unknown field fails as in Podman.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub name: &'static str,
    pub schema: Schema,
}

/// Renders a user's `--format` over `items`; `headers` maps each field name to its column
/// header (used only for `table` formats). The text is used as given, untrimmed, as Podman does.
pub fn render_user_format(
    output: &Output,
    format: &str,
    items: &[Value],
    headers: &Value,
) -> Result<String, TemplateError> {
    if let Some(row) = format.strip_prefix(TABLE_PREFIX) {
        let template =
            parse_normalized(output.name, &over_items(&normalize_table(format)), &over_items(&ensure_newline(row)))?;
        return render_rows(&template, &output.schema, items, headers);
    }
    let normalized = normalize(format);
    let template = if ranges_over_items(&normalized) {
        parse_normalized(output.name, &normalized, format)?
    } else {
        parse_normalized(output.name, &over_items(&normalized), &over_items(format))?
    };
    template.execute_typed(&Value::Array(items.to_vec()), &output.schema, Start::Items)
}

/// Renders one row template per item under a header row, aligned into columns.
pub fn render_table(row: &str, items: &[Value], headers: &Value) -> Result<String, TemplateError> {
    render_rows(&Template::parse(&over_items(row))?, &Schema::MAPS, items, headers)
}

/// Runs `template` (which ranges over its data, as Podman's table templates do, so errors
/// point at the same column) over the header row, then over the items.
fn render_rows(
    template: &Template,
    schema: &Schema,
    items: &[Value],
    headers: &Value,
) -> Result<String, TemplateError> {
    let mut raw = template.execute(&Value::Array(vec![headers.clone()]))?;
    raw.push_str(&template.execute_typed(&Value::Array(items.to_vec()), schema, Start::Items)?);
    Ok(align_columns(&raw))
}

/// The prefix that makes a format a table with headers.
const TABLE_PREFIX: &str = "table ";

/// Whether `format` is a table (Podman's `report.HasTable`): it starts with `table `, exactly.
pub fn is_table_format(format: &str) -> bool {
    format.starts_with(TABLE_PREFIX)
}

/// Parses the normalized text; where that fails, the text as given, whose error is reported
/// (Podman does the same, so `{{printf "\n"}}` still works).
fn parse_normalized(name: &str, normalized: &str, original: &str) -> Result<Template, TemplateError> {
    Template::parse_named(name, normalized).or_else(|_| Template::parse_named(name, original))
}

/// Podman's normalization of a `table` format: the keyword goes, `\t` and `\n` are unescaped,
/// and every space becomes a tab, so fields separated by spaces become columns.
fn normalize_table(format: &str) -> String {
    ensure_newline(&format.replace(TABLE_PREFIX, "").replace("\\t", "\t").replace(' ', "\t").replace("\\n", "\n"))
}

/// Unescapes `\t` and `\n` and makes sure the template ends with a newline.
fn normalize(format: &str) -> String {
    ensure_newline(&format.replace("\\t", "\t").replace("\\n", "\n"))
}

fn ensure_newline(text: &str) -> String {
    let mut text = text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Wraps a template so it runs once per item, as Podman's `EnforceRange` does.
fn over_items(text: &str) -> String {
    format!("{{{{range .}}}}{text}{{{{end -}}}}")
}

/// Whether the template already iterates over the item list itself (`{{range .}}…{{end}}`).
fn ranges_over_items(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("{{range.}}") || compact.contains("{{-range.}}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const UNITS: Output = Output { name: "auto-update", schema: Schema::MAPS };

    fn render_user_format(format: &str, items: &[Value], headers: &Value) -> Result<String, TemplateError> {
        super::render_user_format(&UNITS, format, items, headers)
    }

    fn items() -> Vec<Value> {
        vec![
            json!({"Unit": "container-foo.service", "Updated": "false"}),
            json!({"Unit": "b.service", "Updated": "true"}),
        ]
    }

    #[test]
    fn user_format_runs_per_item() {
        let out = render_user_format("{{.Unit}},{{.Updated}}", &items(), &json!({})).unwrap();
        assert_eq!(out, "container-foo.service,false\nb.service,true\n");
        let out = render_user_format(r"{{.Unit}}\t{{.Updated}}", &items()[..1], &json!({})).unwrap();
        assert_eq!(out, "container-foo.service\tfalse\n");
    }

    #[test]
    fn explicit_range_is_kept() {
        let out = render_user_format("{{range .}}{{.Unit}} {{end}}", &items(), &json!({})).unwrap();
        assert_eq!(out, "container-foo.service b.service \n");
    }

    #[test]
    fn table_prefix_adds_headers_and_aligns() {
        let headers = json!({"Unit": "UNIT", "Updated": "UPDATED"});
        let out = render_user_format("table {{.Unit}}\t{{.Updated}}", &items(), &headers).unwrap();
        assert_eq!(out, "UNIT                   UPDATED\ncontainer-foo.service  false\nb.service              true\n");
    }

    #[test]
    fn spaces_in_a_table_format_separate_columns() {
        let headers = json!({"Unit": "UNIT", "Updated": "UPDATED"});
        let out = render_user_format("table {{.Unit}} {{.Updated}}", &items(), &headers).unwrap();
        assert_eq!(out, "UNIT                   UPDATED\ncontainer-foo.service  false\nb.service              true\n");
    }

    #[test]
    fn formats_are_used_untrimmed() {
        let out = render_user_format("  {{.Unit}}  ", &items()[..1], &json!({})).unwrap();
        assert_eq!(out, "  container-foo.service  \n");
        assert!(!is_table_format(" table {{.Unit}}"), "Podman's table keyword starts the format");
        let out = render_user_format(" table {{.Unit}}", &items()[..1], &json!({})).unwrap();
        assert_eq!(out, " table container-foo.service\n");
    }

    #[test]
    fn text_that_only_parses_unnormalized_is_kept() {
        // Unescaping `\n` inside the string literal would break it; Podman then parses as given.
        let out = render_user_format(r#"{{printf "a\nb"}}"#, &items()[..1], &json!({})).unwrap();
        assert_eq!(out, "a\nb", "a Go string literal's own escape, and no newline added");
        assert!(
            render_user_format("{{printf \"a\nb\"}}", &items()[..1], &json!({})).is_err(),
            "a raw newline ends a Go string"
        );
    }
}

//! Podman's `--format` rules (containers/common `report.Formatter`): a user template runs once
//! per item unless it ranges itself, `\t` and `\n` are unescaped, every row ends in a newline,
//! and a `table ` prefix adds a header row and aligns columns like Go's tabwriter.

use serde_json::Value;

use crate::tabwriter::align_columns;
use crate::template::{Template, TemplateError};

/// Renders a user's `--format` over `items`; `headers` maps each field name to its column
/// header (used only for `table` formats).
pub fn render_user_format(format: &str, items: &[Value], headers: &Value) -> Result<String, TemplateError> {
    let trimmed = format.trim();
    if let Some(row) = trimmed.strip_prefix("table ") {
        return render_table(&normalize(row), items, headers);
    }
    let mut text = normalize(trimmed);
    if !ranges_over_items(&text) {
        text = format!("{{{{range .}}}}{text}{{{{end -}}}}");
    }
    Template::parse(&text)?.execute(&Value::Array(items.to_vec()))
}

/// Renders one row template per item under a header row, aligned into columns.
pub fn render_table(row: &str, items: &[Value], headers: &Value) -> Result<String, TemplateError> {
    let template = Template::parse(row)?;
    let mut raw = template.execute(headers)?;
    for item in items {
        raw.push_str(&template.execute(item)?);
    }
    Ok(align_columns(&raw))
}

/// Unescapes `\t` and `\n` and makes sure the template ends with a newline.
fn normalize(format: &str) -> String {
    let mut text = format.trim().replace("\\t", "\t").replace("\\n", "\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
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

    fn items() -> Vec<Value> {
        vec![json!({"Unit": "container-foo.service", "Updated": "false"}), json!({"Unit": "b.service", "Updated": "true"})]
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
}

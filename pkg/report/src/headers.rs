//! Table column headers as Podman's `report.Headers` makes them from a Go struct's fields.

use serde_json::{Map, Value};

/// The header row for `fields`: each name split into its camel-case words and upper-cased
/// (`CreatedAt` → `CREATED AT`, `ImageID` → `IMAGE ID`, `CIDFile` → `CID FILE`), except where
/// `overrides` names the header (upper-cased too, as Podman does).
pub fn headers(fields: &[&str], overrides: &[(&str, &str)]) -> Value {
    let mut row = Map::new();
    for field in fields {
        let header = match overrides.iter().find(|(name, _)| name == field) {
            Some((_, header)) => header.to_uppercase(),
            None => camel_words(field).join(" ").to_uppercase(),
        };
        row.insert(field.to_string(), Value::String(header));
    }
    Value::Object(row)
}

/// The words of a Go identifier, split as fatih/camelcase splits them: a new word starts at an
/// upper-case letter after a lower-case one, and at the last capital of a run of capitals that a
/// lower-case letter follows.
fn camel_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let starts_word = c.is_uppercase()
            && (previous.is_some_and(char::is_lowercase)
                || (previous.is_some_and(char::is_uppercase) && next.is_some_and(|n| n.is_lowercase())));
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn headers_split_camel_case_like_podman() {
        let fields = ["CreatedAt", "ImageID", "CIDFile", "AutoRemove", "ID", "PodName", "Names"];
        assert_eq!(
            headers(&fields, &[("ID", "container id"), ("PodName", "podname")]),
            json!({"CreatedAt": "CREATED AT", "ImageID": "IMAGE ID", "CIDFile": "CID FILE", "AutoRemove": "AUTO REMOVE",
                   "ID": "CONTAINER ID", "PodName": "PODNAME", "Names": "NAMES"})
        );
    }
}

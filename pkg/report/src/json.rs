//! JSON output as Podman prints it: `json.MarshalIndent(v, "", "    ")`.

use serde::Serialize;

/// Pretty JSON with Podman's four-space indent (no trailing newline).
pub fn to_json_pretty<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn four_space_indent() {
        let text = super::to_json_pretty(&serde_json::json!([{"a": 1}])).unwrap();
        assert_eq!(text, "[\n    {\n        \"a\": 1\n    }\n]");
    }
}

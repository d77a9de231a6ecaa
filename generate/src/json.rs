//! `generate systemd --format json`: Go's `json.MarshalIndent(units, "", " ")`, byte for byte.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};

/// The JSON object of service name → unit text (or written file path), keys sorted like Go's
/// maps, one-space indent, and Go's HTML-safe escaping of `<`, `>`, `&`, U+2028 and U+2029
/// (so a unit holding `&&` prints as Podman prints it).
pub fn units_json(units: &BTreeMap<String, String>) -> String {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, GoFormatter(PrettyFormatter::with_indent(b" ")));
    // Serializing a map of strings into a Vec cannot fail, and serde_json writes UTF-8.
    if units.serialize(&mut serializer).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's pretty printer with Go's extra string escapes.
struct GoFormatter(PrettyFormatter<'static>);

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        self.0.write_char_escape(writer, escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_go_marshal_indent() {
        let mut units = BTreeMap::new();
        assert_eq!(units_json(&units), "{}");
        units.insert("container-web".to_string(), "ExecStart=sh -c \"a && b <c>\"\n\tx".to_string());
        units.insert("a".to_string(), "/tmp/a.service".to_string());
        assert_eq!(
            units_json(&units),
            "{\n \"a\": \"/tmp/a.service\",\n \"container-web\": \"ExecStart=sh -c \\\"a \\u0026\\u0026 b \\u003cc\\u003e\\\"\\n\\tx\"\n}"
        );
    }
}

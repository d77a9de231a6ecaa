//! One record of comma-separated values, read and written as Go's `encoding/csv` does: the
//! syntax of `--mount` values, which Quadlet rewrites (`source=web.volume` → its volume name).

/// A field list that is not valid CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse error on line 1, column {column}: {what}")]
pub struct CsvError {
    pub column: usize,
    pub what: &'static str,
}

/// The fields of the one record in `line`, separated by `sep`; `""` inside a quoted field is a
/// quote, and a quote inside an unquoted field is an error (as Go's reader without LazyQuotes).
pub fn read_record(line: &str, sep: char) -> Result<Vec<String>, CsvError> {
    let chars: Vec<char> = line.trim_end_matches(['\n', '\r']).chars().collect();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let mut field = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(CsvError { column: i + 1, what: "extraneous or missing \" in quoted-field" }),
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        field.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            match chars.get(i) {
                None => {}
                Some(&c) if c == sep => {}
                Some(_) => return Err(CsvError { column: i + 1, what: "extraneous or missing \" in quoted-field" }),
            }
        } else {
            while let Some(&c) = chars.get(i) {
                if c == sep {
                    break;
                }
                if c == '"' {
                    return Err(CsvError { column: i + 1, what: "bare \" in non-quoted-field" });
                }
                field.push(c);
                i += 1;
            }
        }
        fields.push(field);
        if i >= chars.len() {
            return Ok(fields);
        }
        i += 1;
    }
}

/// `fields` as one comma-separated record, quoting the fields that need it.
pub fn write_record<S: AsRef<str>>(fields: &[S]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            let f = f.as_ref();
            let needs =
                f == r"\." || f.contains([',', '"', '\r', '\n']) || f.chars().next().is_some_and(char::is_whitespace);
            if needs {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_string()
            }
        })
        .collect();
    quoted.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_as_go_reads_and_writes_them() {
        assert_eq!(
            read_record(r#"type=bind,src=/tmp,"dst=/path,1""#, ',').unwrap(),
            ["type=bind", "src=/tmp", "dst=/path,1"]
        );
        assert_eq!(read_record("a,,b", ',').unwrap(), ["a", "", "b"]);
        assert_eq!(read_record(r#""a""b""#, ',').unwrap(), [r#"a"b"#]);
        assert!(read_record(r#"a"b"#, ',').is_err());
        assert_eq!(write_record(&["type=bind", "dst=/path,1", "q\"x"]), r#"type=bind,"dst=/path,1","q""x""#);
    }
}

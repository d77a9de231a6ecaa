//! Splits a Go template into text and actions, and an action into tokens.

use super::Fault;

/// One piece of a template: literal text or the inside of a `{{ }}` action.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String),
    Action(Vec<Token>),
}

/// A token inside an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// `.` alone or a field chain `.A.B` (the names, empty for `.`), and where Go locates it
    /// in errors: the byte offset in the template of its second `.`, or of its only one.
    Field(Vec<String>, usize),
    /// `$` or `$name`, optionally followed by a field chain.
    Variable(String, Vec<String>),
    Ident(String),
    Str(String),
    Number(f64),
    Pipe,
    Open,
    /// `)`, optionally followed by a field chain.
    Close(Vec<String>),
    Declare,
    Comma,
}

/// Splits `text` into segments, applying the `{{-` and `-}}` whitespace trim markers and
/// dropping `{{/* comments */}}`.
pub fn segments(text: &str) -> Result<Vec<Segment>, Fault> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let action_start = text.len() - rest.len() + start;
        let line = 1 + text[..action_start].matches('\n').count();
        let mut literal = &rest[..start];
        if trim_next {
            literal = literal.trim_start();
        }
        let after = &rest[start + 2..];
        let trim_before = after.starts_with("- ") || after.starts_with("-\t") || after.starts_with("-\n");
        if trim_before {
            literal = literal.trim_end();
        }
        push_text(&mut out, literal);
        let body_start = if trim_before { 2 } else { 0 };
        let end = find_action_end(after).ok_or_else(|| Fault::new("unclosed action".into()).on_line(line))?;
        let mut body = &after[body_start..end];
        trim_next = body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-");
        if trim_next {
            body = &body[..body.len() - 1];
        }
        let offset = action_start + 2 + body_start + (body.len() - body.trim_start().len());
        let body = body.trim();
        if !(body.starts_with("/*") && body.ends_with("*/")) {
            out.push(Segment::Action(tokens(body, offset).map_err(|fault| fault.on_line(line))?));
        }
        rest = &after[end + 2..];
    }
    push_text(&mut out, if trim_next { rest.trim_start() } else { rest });
    Ok(out)
}

fn push_text(out: &mut Vec<Segment>, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Segment::Text(previous)) => previous.push_str(text),
        _ => out.push(Segment::Text(text.to_string())),
    }
}

/// Index of the `}}` that closes an action, skipping string literals.
fn find_action_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_quoted(bytes, i, b'"')?,
            b'`' => i = skip_quoted(bytes, i, b'`')?,
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The tokens of an action's `body`, which starts `offset` bytes into the template.
fn tokens(body: &str, offset: usize) -> Result<Vec<Token>, Fault> {
    let chars: Vec<char> = body.chars().collect();
    let byte_at: Vec<usize> = body.char_indices().map(|(at, _)| offset + at).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '|' => {
                out.push(Token::Pipe);
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                i += 1;
                let (fields, next) = field_chain(&chars, i)?;
                out.push(Token::Close(fields));
                i = next;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                out.push(Token::Declare);
                i += 2;
            }
            '=' => {
                out.push(Token::Declare);
                i += 1;
            }
            '.' => {
                let (fields, next) = field_chain(&chars, i)?;
                let second_dot = (i + 1..next).find(|&j| chars[j] == '.').unwrap_or(i);
                out.push(Token::Field(fields, byte_at[second_dot]));
                i = next.max(i + 1);
            }
            '$' => {
                let end = word_end(&chars, i + 1);
                let name: String = chars[i + 1..end].iter().collect();
                let (fields, next) = field_chain(&chars, end)?;
                out.push(Token::Variable(name, fields));
                i = next;
            }
            '"' | '`' => {
                let (text, next) = string_literal(&chars, i)?;
                out.push(Token::Str(text));
                i = next;
            }
            _ if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let end = (i + 1..chars.len())
                    .find(|&j| !(chars[j].is_ascii_digit() || chars[j] == '.'))
                    .unwrap_or(chars.len());
                let text: String = chars[i..end].iter().collect();
                let number = text.parse().map_err(|_| Fault::new(format!("bad number {text:?}")))?;
                out.push(Token::Number(number));
                i = end;
            }
            _ if c.is_alphabetic() || c == '_' => {
                let end = word_end(&chars, i);
                out.push(Token::Ident(chars[i..end].iter().collect()));
                i = end;
            }
            // Go's lexer passes other characters to the parser, which rejects them.
            _ => return Err(Fault::new(format!("unexpected {:?} in command", c.to_string()))),
        }
    }
    Ok(out)
}

fn word_end(chars: &[char], from: usize) -> usize {
    (from..chars.len()).find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_')).unwrap_or(chars.len())
}

/// Reads `.A.B…` starting at `from` (which may not be a dot: then the chain is empty). As in
/// Go, a name must end at a space, a delimiter or one of `.,|:()`: `{{.A{` is a bad character.
fn field_chain(chars: &[char], mut from: usize) -> Result<(Vec<String>, usize), Fault> {
    let mut fields = Vec::new();
    while chars.get(from) == Some(&'.') {
        let end = word_end(chars, from + 1);
        if end == from + 1 {
            return Ok((fields, from + 1));
        }
        fields.push(chars[from + 1..end].iter().collect());
        from = end;
        match chars.get(from) {
            None => {}
            Some(c) if c.is_whitespace() || ".,|:()".contains(*c) => {}
            Some(c) => return Err(Fault::new(format!("bad character U+{:04X} '{c}'", u32::from(*c)))),
        }
    }
    Ok((fields, from))
}

fn string_literal(chars: &[char], open: usize) -> Result<(String, usize), Fault> {
    let quote = chars[open];
    let mut text = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == quote {
            return Ok((text, i + 1));
        }
        if c == '\n' && quote == '"' {
            // Go's interpreted strings end at the line: a raw newline is an unterminated string.
            break;
        }
        if c == '\\' && quote == '"' {
            let escaped = chars.get(i + 1).copied().unwrap_or('\\');
            text.push(match escaped {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                other => other,
            });
            i += 2;
            continue;
        }
        text.push(c);
        i += 1;
    }
    Err(Fault::new("unterminated quoted string".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_actions_with_trim_markers() {
        let segs = segments("a {{- .X -}} b{{/* note */}}c").unwrap();
        assert_eq!(
            segs,
            vec![
                Segment::Text("a".into()),
                Segment::Action(vec![Token::Field(vec!["X".into()], 6)]),
                Segment::Text("bc".into())
            ]
        );
    }

    #[test]
    fn tokens_of_an_action() {
        let segs = segments(r#"{{range $i, $e := .A.B | json}}{{index . "x}}"}}"#).unwrap();
        let Segment::Action(first) = &segs[0] else { panic!() };
        assert_eq!(first[0], Token::Ident("range".into()));
        assert_eq!(first[1], Token::Variable("i".into(), vec![]));
        assert_eq!(first[5], Token::Field(vec!["A".into(), "B".into()], 20), "located at its second dot");
        let Segment::Action(second) = &segs[1] else { panic!() };
        assert_eq!(second[2], Token::Str("x}}".into()));
    }
}

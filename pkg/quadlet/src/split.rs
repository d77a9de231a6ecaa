//! Words of a unit-file value, split and unescaped as systemd splits `ExecStart=` (for
//! `Exec=`, `PodmanArgs=`, `Environment=`…) or `WantedBy=` (quotes only), and the escaping
//! that writes an argument vector back as one `ExecStart=` value. Podman's quadlet ports
//! systemd's `extract_first_word()`; rpod follows that port, including its one quirk: an empty
//! word (`""`) ends the list.

use thiserror::Error;

/// Why a value could not be split; Podman's quadlet logs these as warnings and drops the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SplitError {
    #[error("unbalanced escape")]
    UnbalancedEscape,
    #[error("unsupported escape char")]
    UnsupportedEscape,
    #[error("unbalanced quotes")]
    UnbalancedQuotes,
}

/// How words are split: the two ways quadlet uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// Exec-like (`Exec=`, `PodmanArgs=`, `Environment=`): quotes removed, C escapes applied,
    /// an unbalanced quote or trailing backslash tolerated.
    Args,
    /// List-like (`WantedBy=`, `AddCapability=`): quotes removed, backslashes kept as they are.
    Strv,
}

const SEPARATORS: &[u8] = b" \t\n\r";

/// Splits `value` into words as `mode` says.
pub fn split_words(value: &str, mode: SplitMode) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut rest = value.as_bytes();
    while let Some((word, after)) = first_word(rest, mode)? {
        words.push(word);
        rest = after;
    }
    Ok(words)
}

/// The first word of `input` and what follows it, or `None` when no (non-empty) word is left.
fn first_word(input: &[u8], mode: SplitMode) -> Result<Option<(String, &[u8])>, SplitError> {
    let relax = mode == SplitMode::Args;
    let unescape = mode == SplitMode::Args;
    let retain_escape = mode == SplitMode::Strv;
    let mut p = 0;
    while p < input.len() && SEPARATORS.contains(&input[p]) {
        p += 1;
    }
    let mut word: Vec<u8> = Vec::new();
    let mut quote: Option<u8> = None;
    loop {
        let Some(&c) = input.get(p) else {
            if quote.is_some() && !relax {
                return Err(SplitError::UnbalancedQuotes);
            }
            return Ok(finish(word, &input[input.len()..]));
        };
        if c == b'\\' && !retain_escape {
            p += 1;
            let Some(&escaped) = input.get(p) else {
                if relax {
                    return Ok(finish(word, &input[input.len()..]));
                }
                return Err(SplitError::UnbalancedEscape);
            };
            if unescape {
                let (len, ch) = c_unescape_one(&input[p..]).ok_or(SplitError::UnsupportedEscape)?;
                let mut buf = [0u8; 4];
                word.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                p += len;
            } else {
                word.push(escaped);
                p += 1;
            }
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if SEPARATORS.contains(&c) => {
                while p < input.len() && SEPARATORS.contains(&input[p]) {
                    p += 1;
                }
                return Ok(finish(word, &input[p..]));
            }
            None => word.push(c),
        }
        p += 1;
    }
}

fn finish(word: Vec<u8>, rest: &[u8]) -> Option<(String, &[u8])> {
    if word.is_empty() {
        return None;
    }
    Some((String::from_utf8_lossy(&word).into_owned(), rest))
}

fn hex(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

fn oct(c: u8) -> Option<u32> {
    (c as char).to_digit(8)
}

/// One C escape after a backslash (`n`, `x41`, `101`, `u00e9`, `s`…): its length and the
/// character, or `None` for an unknown escape or a NUL.
fn c_unescape_one(p: &[u8]) -> Option<(usize, char)> {
    let simple = |c: char| Some((1, c));
    match *p.first()? {
        b'a' => simple('\x07'),
        b'b' => simple('\x08'),
        b'f' => simple('\x0c'),
        b'n' => simple('\n'),
        b'r' => simple('\r'),
        b't' => simple('\t'),
        b'v' => simple('\x0b'),
        b'\\' => simple('\\'),
        b'"' => simple('"'),
        b'\'' => simple('\''),
        b's' => simple(' '),
        b'x' => {
            let v = (hex(*p.get(1)?)? << 4) | hex(*p.get(2)?)?;
            if v == 0 {
                return None;
            }
            Some((3, char::from_u32(v)?))
        }
        b'u' | b'U' => {
            let len = if p[0] == b'u' { 4 } else { 8 };
            let digits = p.get(1..=len)?;
            let v = digits.iter().try_fold(0u32, |acc, &d| Some((acc << 4) | hex(d)?))?;
            if v == 0 {
                return None;
            }
            Some((len + 1, char::from_u32(v)?))
        }
        b'0'..=b'7' => {
            let v = (oct(p[0])? << 6) | (oct(*p.get(1)?)? << 3) | oct(*p.get(2)?)?;
            if v == 0 || v > 255 {
                return None;
            }
            Some((3, char::from_u32(v)?))
        }
        _ => None,
    }
}

fn needs_escape(c: char) -> bool {
    (c as u32) <= 128 && (c.is_whitespace() || c.is_control() || c == '"' || c == '\'' || c == '\\')
}

/// Whether `word` must be quoted to survive systemd's splitting.
pub fn word_needs_escape(word: &str) -> bool {
    word.chars().any(needs_escape)
}

/// `word` in double quotes with quadlet's escapes (a space becomes `\x20`).
pub fn escape_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\\' => out.push_str("\\\\"),
            ' ' => out.push_str("\\x20"),
            '"' => out.push_str("\\\""),
            '\'' => out.push('\''),
            other => out.push_str(&format!("\\x{:02x}", other as u32)),
        }
    }
    out.push('"');
    out
}

/// An argument vector as one `ExecStart=` value: words that need it quoted and escaped.
pub fn escape_words<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| {
            let w = w.as_ref();
            if word_needs_escape(w) {
                escape_word(w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        split_words(s, SplitMode::Args).unwrap()
    }

    #[test]
    fn exec_words_follow_systemd() {
        assert_eq!(
            args(r#"/some/path "an arg" "a;b\nc\td'e" a;b\nc\td 'a"b' '\110ello \127orld'"#),
            ["/some/path", "an arg", "a;b\nc\td'e", "a;b\nc\td", "a\"b", "Hello World"]
        );
        assert_eq!(args("  a\\sb   c "), ["a b", "c"]);
        assert_eq!(args("a \"\" b"), ["a"], "Podman's port stops at an empty word");
        assert_eq!(args("'unbalanced"), ["unbalanced"]);
        assert_eq!(args("x\\u00e9"), ["xé"]);
        assert_eq!(split_words("a\\q", SplitMode::Args), Err(SplitError::UnsupportedEscape));
        assert_eq!(split_words("a\\x00", SplitMode::Args), Err(SplitError::UnsupportedEscape));
    }

    #[test]
    fn list_words_keep_backslashes() {
        assert_eq!(split_words(r#"a "b c" d\e"#, SplitMode::Strv).unwrap(), ["a", "b c", "d\\e"]);
        assert_eq!(split_words("'x", SplitMode::Strv), Err(SplitError::UnbalancedQuotes));
    }

    #[test]
    fn escaping_round_trips() {
        let words = ["run", "a b", "q\"t", "x\\y", "tab\there", "it's"];
        let line = escape_words(&words);
        assert_eq!(line, r#"run "a\x20b" "q\"t" "x\\y" "tab\there" "it's""#);
        assert_eq!(args(&line), words);
    }
}

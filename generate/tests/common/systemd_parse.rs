//! A small model of how systemd 252 reads a unit file back, for round-trip tests: line
//! continuation (conf-parser.c), specifier expansion, word splitting with quotes and C escapes
//! (`extract_first_word` with `EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE`), the `;` command separator and
//! `$` expansion of command lines. It panics on anything systemd would reject or treat
//! specially, so a test fails loudly instead of comparing garbage.

/// Specifier values used when expanding (`%t`, `%n`, `%i`, `%I`); anything else is refused.
const SPECIFIERS: [(char, &str); 4] = [('t', "/run"), ('n', "UNIT.service"), ('i', "INSTANCE"), ('I', "INSTANCE")];

/// The `key=value` settings of the file in order, continuation lines joined.
pub fn settings(text: &str) -> Vec<(String, String)> {
    let mut settings = Vec::new();
    let mut pending = String::new();
    for raw in text.split('\n') {
        let line = raw.trim_matches([' ', '\t', '\r']);
        if pending.is_empty() && (line.is_empty() || line.starts_with(['#', ';', '['])) {
            continue;
        }
        pending.push_str(line);
        if ends_with_unescaped_backslash(&pending) {
            pending.pop();
            pending.push(' ');
            continue;
        }
        let (key, value) = pending.split_once('=').unwrap_or_else(|| panic!("not a setting: {pending:?}"));
        let strip = |text: &str| text.trim_matches([' ', '\t', '\n', '\r']).to_string();
        settings.push((strip(key), strip(value)));
        pending.clear();
    }
    assert!(pending.is_empty(), "file ends inside a continuation: {pending:?}");
    settings
}

/// All values of `key`.
pub fn values(text: &str, key: &str) -> Vec<String> {
    settings(text).into_iter().filter(|(k, _)| k == key).map(|(_, v)| v).collect()
}

fn ends_with_unescaped_backslash(line: &str) -> bool {
    let mut escaped = false;
    for c in line.chars() {
        escaped = !escaped && c == '\\';
    }
    escaped
}

/// The argv systemd runs for an `ExecStart=`-style value: specifiers first (on the whole line),
/// then words, then `$` expansion of the arguments (only `$$` may appear); the first word is the
/// path systemd executes, which gets no `$` expansion.
pub fn exec_argv(value: &str) -> Vec<String> {
    let line = expand_specifiers(value);
    let mut rest = line.as_str();
    let mut argv = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if rest.is_empty() {
            break;
        }
        let word_end = |at: usize| rest.len() == at || rest[at..].starts_with([' ', '\t', '\n', '\r']);
        assert!(!(rest.starts_with(';') && word_end(1)), "unquoted ';' would start a second command: {value:?}");
        if rest.starts_with("\\;") && word_end(2) {
            argv.push(";".to_string());
            rest = &rest[2..];
            continue;
        }
        let (word, after) = extract_word(rest);
        argv.push(if argv.is_empty() { word } else { expand_dollars(&word) });
        rest = after;
    }
    argv
}

/// The `NAME=value` words of an `Environment=` value: words first, then specifiers per word.
pub fn env_words(value: &str) -> Vec<String> {
    let mut rest = value;
    let mut words = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if rest.is_empty() {
            break;
        }
        let (word, after) = extract_word(rest);
        words.push(expand_specifiers(&word));
        rest = after;
    }
    words
}

fn expand_specifiers(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(s) => match SPECIFIERS.iter().find(|(k, _)| *k == s) {
                Some((_, value)) => out.push_str(value),
                None => panic!("unexpected specifier %{s} in {text:?}"),
            },
            None => panic!("lone % at the end of {text:?}"),
        }
    }
    out
}

fn expand_dollars(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '$' {
            assert_eq!(chars.next(), Some('$'), "systemd would expand a variable in {word:?}");
        }
        out.push(c);
    }
    out
}

/// One word: quotes (`"` or `'`) may start anywhere in it, backslash escapes decode inside and
/// outside quotes. Returns the word and the rest of the line.
fn extract_word(text: &str) -> (String, &str) {
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                let (decoded, consumed) = unescape(&text[index + 1..]);
                word.push_str(&decoded);
                for _ in 0..consumed {
                    chars.next();
                }
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, ' ' | '\t' | '\n' | '\r') => return (word, &text[index..]),
            (None, c) => word.push(c),
        }
    }
    assert!(quote.is_none(), "unbalanced quoting in {text:?}");
    (word, "")
}

/// systemd's `cunescape_one`: the decoded text and how many characters after the backslash it used.
fn unescape(after: &str) -> (String, usize) {
    let mut chars = after.chars();
    let first = chars.next().unwrap_or_else(|| panic!("backslash at the end of a word"));
    let simple = match first {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' | '"' | '\'' => Some(first),
        's' => Some(' '),
        _ => None,
    };
    if let Some(c) = simple {
        return (c.to_string(), 1);
    }
    let (digits, radix) = match first {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (3, 8),
        other => panic!("systemd rejects the escape \\{other}"),
    };
    let start = usize::from(first.is_ascii_alphabetic());
    let code_text: String = after.chars().skip(start).take(digits).collect();
    let code = u32::from_str_radix(&code_text, radix).unwrap_or_else(|_| panic!("bad escape \\{first}{code_text}"));
    assert_ne!(code, 0, "systemd refuses \\0");
    if first == 'x' || radix == 8 {
        // A raw byte; the generator only writes these for ASCII control characters.
        assert!(code < 0x80, "byte escape above ASCII: {code:#x}");
    }
    let decoded = char::from_u32(code).unwrap_or_else(|| panic!("escape is not a character: {code:#x}"));
    (decoded.to_string(), start + digits)
}

//! Escaping of values written into a unit file, and Podman's line breaking of long command lines.
//!
//! Podman 5.x (`escapeSystemdArg`) doubles `$` and `%`, Go-quotes an argument holding a space, a
//! TAB or `"`, and otherwise doubles backslashes. That is kept byte for byte. rpod goes further so
//! that systemd always reads back the exact argument: an argument holding a control character
//! (newline, carriage return, escape, ...) or a single quote is quoted too (inside double quotes
//! systemd decodes `\n`, `\t`, `\xNN`, `\uNNNN` like C), an empty argument becomes `""`, and a lone
//! `;` (systemd's command separator) is quoted. A NUL byte cannot be passed by systemd at all and
//! is refused by [`check_no_nul`].

use crate::error::Error;

/// Escapes one `ExecStart=`-style command line argument (Podman's `escapeSystemdArg`, made
/// injection-safe). `$` is doubled because systemd expands `$NAME` in command lines.
pub fn escape_arg(arg: &str) -> String {
    if arg.is_empty() || arg == ";" {
        return go_quote(arg);
    }
    escape_word(&arg.replace('$', "$$"))
}

/// Escapes one `NAME=value` of an `Environment=` line. Unlike Podman, `$` is *not* doubled: systemd
/// gives `$` no meaning in `Environment=`, so Podman's `$$` would reach the process as two dollars.
pub fn escape_env_assignment(assignment: &str) -> String {
    escape_word(assignment)
}

/// Escapes the program path, the first word of a command line. systemd executes that path as
/// written, without `$` expansion (only the arguments get it), so `$` stays single here.
pub fn escape_executable(path: &str) -> String {
    escape_word(path)
}

/// `%` → `%%` (systemd specifiers), then quoting or backslash doubling.
fn escape_word(word: &str) -> String {
    let word = word.replace('%', "%%");
    if word.chars().any(needs_quotes) {
        go_quote(&word)
    } else if word.contains('\\') {
        word.replace('\\', "\\\\")
    } else {
        word
    }
}

/// Characters that make a word quoted: Podman's space, TAB and `"`, plus what systemd would
/// otherwise mangle (its own quote character `'` and every control character).
fn needs_quotes(c: char) -> bool {
    matches!(c, ' ' | '\t' | '"' | '\'') || c.is_control()
}

/// Go's `strconv.Quote`: the text in double quotes, `"` and `\` escaped, non-printable characters
/// written as `\a`…`\v`, `\xNN`, `\uNNNN` or `\UNNNNNNNN`. Podman's error and warning texts use
/// it (`%q`) as well as its unit escaping, and systemd decodes every one of these escapes.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint` for the characters that matter here: controls, format characters and
/// separators other than the ASCII space are not printable. (Unassigned code points, which Go
/// also escapes, pass through literally; systemd reads them back either way.)
fn is_go_printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || code == 0xad
        || code == 0xa0
        || code == 0x1680
        || (0x2000..=0x200f).contains(&code)
        || (0x2028..=0x202f).contains(&code)
        || (0x205f..=0x206f).contains(&code)
        || code == 0x3000
        || code == 0xfeff
        || (0xfff9..=0xfffb).contains(&code)
        || (0xe000..=0xf8ff).contains(&code)
        || code >= 0xf0000)
}

/// Podman's `formatOptions`: joins already escaped words with a space, but starts every word that
/// begins with `-` on a new TAB-indented line (` \` + newline + TAB), so long commands stay
/// readable. An escaped word never contains a raw newline, so the continuation lines only ever
/// start with a TAB and a `-`.
pub fn format_options(words: &[String]) -> String {
    let mut formatted = String::new();
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            formatted.push_str(if word.starts_with('-') { " \\\n\t" } else { " " });
        }
        formatted.push_str(word);
    }
    formatted
}

/// systemd cannot carry a NUL byte in any setting; such a value is refused rather than cut short.
pub fn check_no_nul(what: &str, value: &str) -> Result<(), Error> {
    if value.contains('\0') {
        return Err(Error::NulByte { what: what.to_string(), value: value.replace('\0', "\\x00") });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Podman's `TestEscapeSystemdArguments` (common_test.go), every case.
    #[test]
    fn podman_escape_cases() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["foo", "bar=\"arg\""], &["foo", "\"bar=\\\"arg\\\"\""]),
            (&["foo", "bar=\"arg with space\""], &["foo", "\"bar=\\\"arg with space\\\"\""]),
            (&["foo", "bar=\"arg with\ttab\""], &["foo", "\"bar=\\\"arg with\\ttab\\\"\""]),
            (&["$"], &["$$"]),
            (&["foo", "command with dollar sign $"], &["foo", "\"command with dollar sign $$\""]),
            (&["foo", "command with two dollar signs $$"], &["foo", "\"command with two dollar signs $$$$\""]),
            (&["%"], &["%%"]),
            (&["foo", "command with percent sign %"], &["foo", "\"command with percent sign %%\""]),
            (&["foo", "command with two percent signs %%"], &["foo", "\"command with two percent signs %%%%\""]),
            (&["\\"], &["\\\\"]),
            (&["foo", "command with backslash \\"], &["foo", "\"command with backslash \\\\\""]),
            (&["foo", "command with two backslashes \\\\"], &["foo", "\"command with two backslashes \\\\\\\\\""]),
            (&["podman", "create", "--entrypoint", "foo"], &["podman", "create", "--entrypoint", "foo"]),
            (&["podman", "create", "--entrypoint=foo"], &["podman", "create", "--entrypoint=foo"]),
            (
                &["podman", "create", "--entrypoint", "[\"foo\"]"],
                &["podman", "create", "--entrypoint", "\"[\\\"foo\\\"]\""],
            ),
            (
                &["podman", "create", "--entrypoint", "[\"sh\", \"-c\", \"date '+%s'\"]"],
                &["podman", "create", "--entrypoint", "\"[\\\"sh\\\", \\\"-c\\\", \\\"date '+%%s'\\\"]\""],
            ),
        ];
        for (input, want) in cases {
            let got: Vec<String> = input.iter().map(|arg| escape_arg(arg)).collect();
            assert_eq!(got, *want, "input {input:?}");
        }
    }

    /// rpod's additions: nothing an argument holds can end the line or start a new setting.
    #[test]
    fn control_characters_quotes_and_separators() {
        let cases = [
            ("a\nExecStartPre=/bin/evil", "\"a\\nExecStartPre=/bin/evil\""),
            ("cr\rhere", "\"cr\\rhere\""),
            ("esc\u{1b}[0m", "\"esc\\x1b[0m\""),
            ("del\u{7f}", "\"del\\x7f\""),
            ("c1\u{85}", "\"c1\\u0085\""),
            ("it's", "\"it's\""),
            ("k=''", "\"k=''\""),
            ("", "\"\""),
            (";", "\";\""),
            ("a;b", "a;b"),
            ("nl\\n%$", "nl\\\\n%%$$"),
            ("tab\tand\nnewline", "\"tab\\tand\\nnewline\""),
            ("ünïcödé", "ünïcödé"),
            ("with space ünï", "\"with space ünï\""),
        ];
        for (input, want) in cases {
            assert_eq!(escape_arg(input), want, "input {input:?}");
        }
    }

    #[test]
    fn environment_assignments_keep_dollars() {
        let cases = [
            ("FOO=abc", "FOO=abc"),
            ("BAR=my test", "\"BAR=my test\""),
            ("USER=%a", "USER=%%a"),
            ("PRICE=$5", "PRICE=$5"),
            ("MULTI=a\nb", "\"MULTI=a\\nb\""),
            ("BS=a\\b", "BS=a\\\\b"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_env_assignment(input), want, "input {input:?}");
        }
    }

    #[test]
    fn executable_paths() {
        assert_eq!(escape_executable("/usr/bin/rpod"), "/usr/bin/rpod");
        assert_eq!(escape_executable("/opt/my tools/$x%/rpod"), "\"/opt/my tools/$x%%/rpod\"");
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        let cases = [
            ("plain", "\"plain\""),
            ("\u{7}\u{8}\u{c}\u{b}", "\"\\a\\b\\f\\v\""),
            ("\u{0}\u{1}", "\"\\x00\\x01\""),
            ("nbsp\u{a0}", "\"nbsp\\u00a0\""),
            ("line\u{2028}sep", "\"line\\u2028sep\""),
            ("bom\u{feff}", "\"bom\\ufeff\""),
            ("emoji 😀", "\"emoji 😀\""),
            ("private\u{f0000}", "\"private\\U000f0000\""),
        ];
        for (input, want) in cases {
            assert_eq!(go_quote(input), want, "input {input:?}");
        }
    }

    #[test]
    fn format_options_breaks_before_dashed_words() {
        let words: Vec<String> =
            ["/usr/bin/rpod", "stop", "", "-t", "10", "web"].iter().map(|w| w.to_string()).collect();
        assert_eq!(format_options(&words), "/usr/bin/rpod stop  \\\n\t-t 10 web");
        let words: Vec<String> = ["a", "-b", "c", "--d=e"].iter().map(|w| w.to_string()).collect();
        assert_eq!(format_options(&words), "a \\\n\t-b c \\\n\t--d=e");
        assert_eq!(format_options(&[]), "");
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert!(check_no_nul("argument", "fine").is_ok());
        let err = check_no_nul("argument", "a\0b").unwrap_err();
        assert_eq!(err.to_string(), "argument \"a\\x00b\" contains a NUL byte, which systemd cannot pass on");
    }
}

//! A unit file in systemd's syntax, kept line by line so it is written back as it was read
//! (comments, group and key order), except that repeated groups are merged. This is what
//! Quadlet reads (`.container` files and their drop-ins) and what it writes (the service).
//!
//! Syntax, as Podman's quadlet reads it: `#`/`;` comments, `[Group]` headers, `Key=Value`
//! (spaces around `=` dropped), a trailing `\` continues the line (comment lines inside a
//! continuation are skipped), an empty value resets the list of a repeated key.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::split::{escape_word, escape_words, split_words, word_needs_escape, SplitError, SplitMode};

/// Why a unit file's text is not a unit file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("file contains line {line}: “{text}” which is not a key-value pair, group, or comment")]
    BadLine { line: usize, text: String },
    #[error("invalid group name: {0}")]
    BadGroup(String),
    #[error("invalid key name: {0}")]
    BadKey(String),
    #[error("key file does not start with a group")]
    NoGroup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Comment(String),
    Entry { key: String, value: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Group {
    name: String,
    /// Comments before the `[name]` header.
    comments: Vec<Line>,
    lines: Vec<Line>,
}

impl Group {
    fn entries(&self, key: &str) -> impl DoubleEndedIterator<Item = &String> + '_ {
        let key = key.to_string();
        self.lines.iter().filter_map(move |l| match l {
            Line::Entry { key: k, value } if *k == key => Some(value),
            _ => None,
        })
    }
}

/// A parsed unit file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    groups: Vec<Group>,
    /// The file's name (`web.container`), which names the generated service.
    pub filename: String,
    /// Where it was read from (empty for text built in memory); relative paths resolve against it.
    pub path: String,
}

fn is_comment(line: &str) -> bool {
    line.is_empty() || line.starts_with('#') || line.starts_with(';')
}

fn is_group(line: &str) -> bool {
    line.starts_with('[') && line.find(']').is_some_and(|end| line[end + 1..].chars().all(|c| c == ' ' || c == '\t'))
}

impl UnitFile {
    /// Parses `data`, read from `path` (its last component becomes the file name).
    pub fn parse(data: &str, path: &str) -> Result<UnitFile, ParseError> {
        let mut file = UnitFile {
            filename: path.rsplit('/').next().unwrap_or(path).to_string(),
            path: path.to_string(),
            ..UnitFile::default()
        };
        let mut current: Option<usize> = None;
        let mut pending: Vec<Line> = Vec::new();
        let lines: Vec<&str> = data.strip_suffix('\n').unwrap_or(data).split('\n').collect();
        let mut remaining = String::new();
        for (index, raw) in lines.iter().enumerate() {
            let mut line = raw.trim().to_string();
            if is_comment(&line) {
                if !remaining.is_empty() {
                    continue;
                }
            } else {
                if let Some(stripped) = line.strip_suffix('\\') {
                    if index != lines.len() - 1 {
                        remaining.push_str(stripped);
                        continue;
                    }
                    line = stripped.to_string();
                }
                if !remaining.is_empty() {
                    line = std::mem::take(&mut remaining) + &line;
                }
            }
            if is_comment(&line) {
                pending.push(Line::Comment(line));
            } else if is_group(&line) {
                let name = &line[1..line.find(']').unwrap_or(1)];
                if name.is_empty() || name.chars().any(|c| c == '[' || c == ']' || c.is_control()) {
                    return Err(ParseError::BadGroup(name.to_string()));
                }
                let g = file.ensure_group(name);
                current = Some(g);
                if matches!(pending.first(), Some(Line::Comment(c)) if c.is_empty()) {
                    pending.remove(0);
                }
                file.groups[g].comments.append(&mut pending);
            } else if let Some(eq) = line.find('=').filter(|&eq| eq > 0) {
                let g = current.ok_or(ParseError::NoGroup)?;
                let key = line[..eq].trim_end();
                if key.is_empty() || key.starts_with(' ') {
                    return Err(ParseError::BadKey(key.to_string()));
                }
                let value = line[eq + 1..].trim_start();
                let group = &mut file.groups[g];
                group.lines.append(&mut pending);
                group.lines.push(Line::Entry { key: key.to_string(), value: value.to_string() });
            } else {
                return Err(ParseError::BadLine { line: index + 1, text: line });
            }
        }
        let g = match current {
            Some(g) => g,
            None => file.ensure_group(""),
        };
        file.groups[g].lines.append(&mut pending);
        Ok(file)
    }

    fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    fn ensure_group(&mut self, name: &str) -> usize {
        if let Some(i) = self.groups.iter().position(|g| g.name == name) {
            return i;
        }
        self.groups.push(Group { name: name.to_string(), ..Group::default() });
        self.groups.len() - 1
    }

    /// Appends every group of `other` (a drop-in) to this file's groups of the same name.
    pub fn merge(&mut self, other: &UnitFile) {
        for src in &other.groups {
            let g = self.ensure_group(&src.name);
            self.groups[g].comments.extend(src.comments.iter().cloned());
            self.groups[g].lines.extend(src.lines.iter().cloned());
        }
    }

    /// Whether the file has a `[name]` group.
    pub fn has_group(&self, name: &str) -> bool {
        self.group(name).is_some()
    }

    /// The group names in file order.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|g| g.name.as_str())
    }

    /// Removes the group `name`.
    pub fn remove_group(&mut self, name: &str) {
        self.groups.retain(|g| g.name != name);
    }

    /// Renames `from` to `to`, merging into `to` if it exists.
    pub fn rename_group(&mut self, from: &str, to: &str) {
        let Some(i) = self.groups.iter().position(|g| g.name == from) else { return };
        if let Some(j) = self.groups.iter().position(|g| g.name == to) {
            if i != j {
                let old = self.groups.remove(i);
                let j = self.groups.iter().position(|g| g.name == to).unwrap_or(j);
                self.groups[j].comments.extend(old.comments);
                self.groups[j].lines.extend(old.lines);
            }
        } else {
            self.groups[i].name = to.to_string();
        }
    }

    /// The keys set in `group`, each once, in order of first appearance.
    pub fn keys(&self, group: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for line in self.group(group).map(|g| g.lines.as_slice()).unwrap_or_default() {
            if let Line::Entry { key, .. } = line {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
        keys
    }

    /// The last value of `key`, as written (trailing spaces kept).
    pub fn lookup_last(&self, group: &str, key: &str) -> Option<String> {
        self.group(group)?.entries(key).next_back().map(|v| v.replace("\\\n", ""))
    }

    /// Whether `key` is set in `group` (even to an empty value).
    pub fn has_key(&self, group: &str, key: &str) -> bool {
        self.lookup_last(group, key).is_some()
    }

    /// The last value of `key`, trailing spaces trimmed and one pair of enclosing double
    /// quotes removed.
    pub fn lookup(&self, group: &str, key: &str) -> Option<String> {
        let v = self.lookup_last(group, key)?;
        let v = v.trim_end();
        if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            return Some(v[1..v.len() - 1].to_string());
        }
        Some(v.to_string())
    }

    /// The last value of `key`, if set and not empty.
    pub fn lookup_nonempty(&self, group: &str, key: &str) -> Option<String> {
        self.lookup(group, key).filter(|v| !v.is_empty())
    }

    /// `key` as systemd's boolean (`1`, `yes`, `true`, `on` are true; anything else false).
    pub fn lookup_bool(&self, group: &str, key: &str) -> Option<bool> {
        let v = self.lookup(group, key)?;
        Some(["1", "yes", "true", "on"].iter().any(|t| v.eq_ignore_ascii_case(t)))
    }

    /// `key` as an integer the way systemd reads one (`0x` hex, leading-`0` octal), or `default`.
    pub fn lookup_int(&self, group: &str, key: &str, default: i64) -> i64 {
        self.lookup(group, key).and_then(|v| parse_c_integer(&v)).unwrap_or(default)
    }

    /// Every value of `key` in order; an empty value drops the ones before it.
    pub fn lookup_all(&self, group: &str, key: &str) -> Vec<String> {
        let mut values = Vec::new();
        for v in self.group(group).into_iter().flat_map(|g| g.entries(key)) {
            if v.is_empty() {
                values.clear();
            } else {
                values.push(v.replace("\\\n", ""));
            }
        }
        values
    }

    /// Every value of `key`, each split into words as systemd splits lists (`WantedBy=`).
    pub fn lookup_all_strv(&self, group: &str, key: &str) -> Vec<String> {
        self.lookup_all(group, key).iter().flat_map(|v| split_words(v, SplitMode::Strv).unwrap_or_default()).collect()
    }

    /// Every value of `key`, each split into words as systemd splits command lines; values that
    /// do not split are dropped.
    pub fn lookup_all_args(&self, group: &str, key: &str) -> Vec<String> {
        self.lookup_all(group, key).iter().flat_map(|v| split_words(v, SplitMode::Args).unwrap_or_default()).collect()
    }

    /// The last value of `key` split as a command line.
    pub fn lookup_last_args(&self, group: &str, key: &str) -> Result<Option<Vec<String>>, SplitError> {
        self.lookup_last(group, key).map(|v| split_words(&v, SplitMode::Args)).transpose()
    }

    /// `Environment=`-style assignments of every value of `key` (`K=V`, or a bare `K`), by key;
    /// values that do not split are skipped and returned as warnings.
    pub fn lookup_all_key_val(&self, group: &str, key: &str) -> (BTreeMap<String, Option<String>>, Vec<SplitError>) {
        let mut map = BTreeMap::new();
        let mut warnings = Vec::new();
        for v in self.lookup_all(group, key) {
            match split_words(&v, SplitMode::Args) {
                Ok(words) => {
                    for word in words {
                        match word.split_once('=') {
                            Some((k, v)) => map.insert(k.to_string(), Some(v.to_string())),
                            None => map.insert(word, None),
                        };
                    }
                }
                Err(e) => warnings.push(e),
            }
        }
        (map, warnings)
    }

    /// Sets the last `key` in `group` to `value`, or adds it.
    pub fn set(&mut self, group: &str, key: &str, value: &str) {
        let g = self.ensure_group(group);
        let last = self.groups[g].lines.iter_mut().rev().find_map(|l| match l {
            Line::Entry { key: k, value } if k == key => Some(value),
            _ => None,
        });
        match last {
            Some(v) => *v = value.to_string(),
            None => self.add(group, key, value),
        }
    }

    /// Adds `key=value` at the end of `group`.
    pub fn add(&mut self, group: &str, key: &str, value: &str) {
        let g = self.ensure_group(group);
        self.groups[g].lines.push(Line::Entry { key: key.to_string(), value: value.to_string() });
    }

    /// Adds `key=value`, quoting the value if systemd would otherwise split or unescape it.
    pub fn add_escaped(&mut self, group: &str, key: &str, value: &str) {
        let v = if word_needs_escape(value) { escape_word(value) } else { value.to_string() };
        self.add(group, key, &v);
    }

    /// Adds a command line (`ExecStart=`) from its words.
    pub fn add_cmdline<S: AsRef<str>>(&mut self, group: &str, key: &str, args: &[S]) {
        self.add(group, key, &escape_words(args));
    }

    /// Removes every `key` from `group`.
    pub fn unset(&mut self, group: &str, key: &str) {
        if let Some(g) = self.groups.iter_mut().find(|g| g.name == group) {
            g.lines.retain(|l| !matches!(l, Line::Entry { key: k, .. } if k == key));
        }
    }

    /// Puts `key=value` first in `group`.
    pub fn prepend(&mut self, group: &str, key: &str, value: &str) {
        let g = self.ensure_group(group);
        self.groups[g].lines.insert(0, Line::Entry { key: key.to_string(), value: value.to_string() });
    }

    /// Puts `# comment` lines before everything else.
    pub fn prepend_comments(&mut self, comments: &[&str]) {
        if self.groups.is_empty() {
            self.ensure_group("");
        }
        let lines = comments.iter().map(|c| Line::Comment(format!("# {c}")));
        let first = &mut self.groups[0].comments;
        let rest = std::mem::take(first);
        first.extend(lines);
        first.extend(rest);
    }

    /// The file's name without extension, split at the first `@`: `(name, instance, is_template)`.
    pub fn template_parts(&self) -> (String, String, bool) {
        let base = match self.filename.rfind('.') {
            Some(dot) => &self.filename[..dot],
            None => &self.filename,
        };
        match base.split_once('@') {
            Some((name, instance)) => (name.to_string(), instance.to_string(), true),
            None => (base.to_string(), String::new(), false),
        }
    }

    /// The drop-in directory names that apply to this file, most specific first:
    /// `web-api.container.d`, `web-.container.d`, …, `container.d` (and `NAME@.container.d` for
    /// instances of a template), as systemd's own drop-in search does.
    pub fn dropin_dirs(&self) -> Vec<String> {
        let (name, instance, is_template) = self.template_parts();
        let ext = self.filename.rfind('.').map(|d| &self.filename[d..]).unwrap_or("");
        let dropin_ext = format!("{ext}.d");
        let mut dirs = vec![dropin_ext.trim_start_matches('.').to_string()];
        let parts: Vec<&str> = name.split('-').collect();
        for i in 0..parts.len().saturating_sub(1) {
            let truncated = parts[..=i].join("-") + "-";
            dirs.push(format!("{truncated}{dropin_ext}"));
            if is_template {
                dirs.push(format!("{truncated}@{dropin_ext}"));
            }
        }
        if !instance.is_empty() {
            dirs.push(format!("{name}@{dropin_ext}"));
        }
        dirs.push(format!("{}.d", self.filename));
        dirs.reverse();
        dirs
    }

    /// The file as text, groups separated by one empty line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, g) in self.groups.iter().enumerate() {
            if i != 0 {
                out.push('\n');
            }
            for c in &g.comments {
                write_line(&mut out, c);
            }
            if g.name.is_empty() {
                continue;
            }
            out.push_str(&format!("[{}]\n", g.name));
            for l in &g.lines {
                write_line(&mut out, l);
            }
        }
        out
    }
}

fn write_line(out: &mut String, line: &Line) {
    match line {
        Line::Comment(c) => out.push_str(c),
        Line::Entry { key, value } => {
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
    }
    out.push('\n');
}

/// An integer as C's `strtol` with base 0 reads it (what systemd uses).
fn parse_c_integer(v: &str) -> Option<i64> {
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if v.len() > 1 && v.starts_with('0') {
        i64::from_str_radix(v, 8).ok()?
    } else {
        v.parse().ok()?
    };
    Some(sign * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> UnitFile {
        UnitFile::parse(s, "/q/web.container").unwrap()
    }

    #[test]
    fn continuations_comments_and_quotes() {
        let f = parse("# top\n[Container]\nImage=\"quay.io/a\"  \nExec=a \\\n # skipped\n  b\\\n  c\n;x\nLabel=a\nLabel=\nLabel=b\n");
        assert_eq!(f.lookup("Container", "Image").unwrap(), "quay.io/a");
        assert_eq!(f.lookup("Container", "Exec").unwrap(), "a bc");
        assert_eq!(f.lookup_all("Container", "Label"), ["b"]);
        assert_eq!(f.to_text(), "# top\n[Container]\nImage=\"quay.io/a\"\nExec=a bc\n;x\nLabel=a\nLabel=\nLabel=b\n");
    }

    #[test]
    fn malformed_lines_name_the_line() {
        assert_eq!(
            UnitFile::parse("[Container]\nImage=x\nbogus\n", "f").unwrap_err().to_string(),
            "file contains line 3: “bogus” which is not a key-value pair, group, or comment"
        );
        assert_eq!(UnitFile::parse("Image=x\n", "f").unwrap_err(), ParseError::NoGroup);
        assert_eq!(UnitFile::parse("[]\n", "f").unwrap_err(), ParseError::BadGroup(String::new()));
    }

    #[test]
    fn groups_merge_and_rename() {
        let mut f = parse("[Unit]\nA=1\n[Container]\nImage=x\n[Unit]\nB=2\n");
        assert_eq!(f.keys("Unit"), ["A", "B"]);
        f.merge(&parse("[Service]\nRestart=always\n"));
        f.rename_group("Container", "X-Container");
        assert_eq!(f.groups().collect::<Vec<_>>(), ["Unit", "X-Container", "Service"]);
        f.set("Service", "Restart", "no");
        f.prepend("Unit", "Wants", "n.target");
        assert_eq!(
            f.to_text(),
            "[Unit]\nWants=n.target\nA=1\nB=2\n\n[X-Container]\nImage=x\n\n[Service]\nRestart=no\n"
        );
    }

    #[test]
    fn dropin_dirs_most_specific_first() {
        let f = UnitFile::parse("", "/q/foo-bar@baz.container").unwrap();
        assert_eq!(
            f.dropin_dirs(),
            ["foo-bar@baz.container.d", "foo-bar@.container.d", "foo-@.container.d", "foo-.container.d", "container.d"]
        );
    }

    #[test]
    fn integers_as_strtol() {
        assert_eq!(parse_c_integer("0x10"), Some(16));
        assert_eq!(parse_c_integer("010"), Some(8));
        assert_eq!(parse_c_integer("-5"), Some(-5));
        assert_eq!(parse_c_integer("x"), None);
    }
}

//! Runs Quadlet cases the way Podman's test/e2e/quadlet_test.go runs them: the case file (and
//! the files it depends on, and its drop-in directories) in a `quadlet/` directory, the real
//! `rpod-quadlet --no-kmsg-log GENERATED` with `QUADLET_UNIT_DIRS` pointing there, the exit
//! code and stderr compared, then every `## assert-…` line of the case evaluated against the
//! generated service as Podman's test evaluates it.
//!
//! One deliberate translation: Podman's regexes expect `…/podman rm …` where rpod's units
//! run rpod, so `/podman ` in an expected value stands for `/rpod `. The temporary
//! directories are named like Podman's (`podman-e2e-*/subtest-*/quadlet`) because some
//! expected paths are regexes over them.

use std::path::{Path, PathBuf};
use std::process::Command;

use quadlet::csv::read_record;
use quadlet::unitfile::UnitFile;
use regex::Regex;

/// One case: the file, and what Podman's table demands of its run.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: String,
    pub exit: i32,
    /// A substring of stderr (compared with whitespace collapsed).
    pub stderr: String,
    /// The service's name when the file sets ServiceName=.
    pub service: Option<String>,
    /// Other files (or drop-in directories) copied beside it.
    pub deps: Vec<String>,
}

/// The cases of `DIR/cases.json`: `file`, `exit`, `stderr`, optional `service` and `deps`.
pub fn load_cases(dir: &Path) -> Vec<Case> {
    let path = dir.join("cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("cases.json is JSON");
    let text_of = |v: &serde_json::Value, k: &str| v[k].as_str().map(str::to_string);
    json.as_array()
        .expect("a list of cases")
        .iter()
        .map(|c| Case {
            file: text_of(c, "file").expect("file"),
            exit: c["exit"].as_i64().expect("exit") as i32,
            stderr: text_of(c, "stderr").unwrap_or_default(),
            service: text_of(c, "service"),
            deps: c["deps"]
                .as_array()
                .map(|d| d.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// The generator binary beside the rpod the tests use.
pub fn generator() -> PathBuf {
    rpod_e2e::rpod_binary().with_file_name("rpod-quadlet")
}

/// Runs `case` from the files in `source`; `Err` says which expectation failed.
pub fn run_case(source: &Path, case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let base = tmp.path().join("podman-e2e-rpod").join("subtest-case");
    let quadlet_dir = base.join("quadlet");
    let generated = base.join("generated");
    std::fs::create_dir_all(&quadlet_dir).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&generated).map_err(|e| e.to_string())?;
    let data = std::fs::read_to_string(source.join(&case.file)).map_err(|e| format!("{}: {e}", case.file))?;
    std::fs::write(quadlet_dir.join(&case.file), &data).map_err(|e| e.to_string())?;
    for dep in &case.deps {
        let from = source.join(dep);
        let copied = if from.is_dir() {
            copy_dir(&from, &quadlet_dir.join(dep))
        } else {
            std::fs::copy(&from, quadlet_dir.join(dep)).map(drop)
        };
        copied.map_err(|e| format!("{dep}: {e}"))?;
    }
    for dropins in dropin_dirs(&case.file) {
        let from = source.join(&dropins);
        if from.is_dir() {
            copy_dir(&from, &quadlet_dir.join(&dropins)).map_err(|e| e.to_string())?;
        }
    }
    let out = Command::new(generator())
        .arg("--no-kmsg-log")
        .arg(&generated)
        .env("QUADLET_UNIT_DIRS", &quadlet_dir)
        .env_remove("RPOD")
        .output()
        .map_err(|e| format!("running rpod-quadlet: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(case.exit) {
        return Err(format!("exit {:?}, expected {}; stderr: {stderr}", out.status.code(), case.exit));
    }
    if !collapse(&stderr).contains(&collapse(&case.stderr)) {
        return Err(format!("stderr lacks {:?}: {stderr}", case.stderr));
    }
    let service = format!("{}.service", case.service.clone().unwrap_or_else(|| service_name(&case.file)));
    let checks = checks(&data)?;
    let expect_fail = checks.iter().any(|c| c[0] == "assert-failed");
    let unit_path = generated.join(&service);
    let unit = if expect_fail {
        if unit_path.exists() {
            return Err(format!("{service} was generated though the case asserts failure"));
        }
        None
    } else {
        let text = std::fs::read_to_string(&unit_path)
            .map_err(|e| format!("{service} not generated ({e}); stderr: {stderr}"))?;
        Some(UnitFile::parse(&text, &unit_path.to_string_lossy()).map_err(|e| e.to_string())?)
    };
    let ctx = Context { unit: unit.as_ref(), stderr: &stderr, dir: &generated };
    for check in &checks {
        if !ctx.holds(check)? {
            let text = unit.as_ref().map(UnitFile::to_text).unwrap_or_default();
            return Err(format!("failed: {}\n{text}", check.join(" ")));
        }
    }
    Ok(())
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Podman's calcServiceName.
fn service_name(file: &str) -> String {
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let suffix = match ext {
        "volume" | "network" | "image" | "build" | "artifact" | "pod" => format!("-{ext}"),
        _ => String::new(),
    };
    format!("{stem}{suffix}")
}

/// `FILE.d`, and for `NAME@INSTANCE.EXT` also `NAME@.EXT.d`.
fn dropin_dirs(file: &str) -> Vec<String> {
    let mut dirs = vec![format!("{file}.d")];
    if let Some((stem, ext)) = file.rsplit_once('.') {
        if let Some((name, instance)) = stem.split_once('@') {
            if !instance.is_empty() {
                dirs.push(format!("{name}@.{ext}.d"));
            }
        }
    }
    dirs
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// The `## …` lines of a case, each split as go-shellwords splits it.
fn checks(data: &str) -> Result<Vec<Vec<String>>, String> {
    data.split('\n')
        .filter_map(|l| l.strip_prefix("##"))
        .map(|l| {
            shellwords(l).map(|mut w| {
                for a in w.iter_mut().skip(1) {
                    *a = a.replace("\\n", "\n").replace("\\t", "\t").replace("/podman ", "/rpod ");
                }
                w
            })
        })
        .filter(|w| !matches!(w, Ok(w) if w.is_empty()))
        .collect()
}

/// go-shellwords' `Parse` without environment or backtick expansion: whitespace separates,
/// quotes group, a backslash outside single quotes takes the next character literally.
pub fn shellwords(line: &str) -> Result<Vec<String>, String> {
    let (mut words, mut buf, mut got) = (Vec::new(), String::new(), false);
    let (mut escaped, mut single, mut double) = (false, false, false);
    for c in line.chars() {
        if escaped {
            buf.push(c);
            escaped = false;
            got = true;
            continue;
        }
        match c {
            '\\' if single => buf.push(c),
            '\\' => escaped = true,
            c if c.is_whitespace() => {
                if single || double {
                    buf.push(c);
                } else if got {
                    words.push(std::mem::take(&mut buf));
                    got = false;
                }
            }
            '"' if !single => {
                double = !double;
                got = true;
            }
            '\'' if !double => {
                single = !single;
                got = true;
            }
            ';' | '&' | '|' | '<' | '>' if !(single || double) => break,
            c => {
                buf.push(c);
                got = true;
            }
        }
    }
    if escaped || single || double {
        return Err(format!("invalid command line string: {line}"));
    }
    if got {
        words.push(buf);
    }
    Ok(words)
}

struct Context<'a> {
    unit: Option<&'a UnitFile>,
    stderr: &'a str,
    dir: &'a Path,
}

fn matches(pattern: &str, value: &str) -> bool {
    Regex::new(pattern).is_ok_and(|r| r.is_match(value))
}

fn sublist_at(full: &[String], pos: usize, sub: &[String], regex: bool) -> bool {
    sub.len() <= full.len().saturating_sub(pos)
        && sub.iter().zip(&full[pos..]).all(|(want, have)| if regex { matches(want, have) } else { want == have })
}

fn find_sublist(full: &[String], sub: &[String], regex: bool) -> Option<usize> {
    if sub.is_empty() || sub.len() > full.len() {
        return None;
    }
    (0..=full.len() - sub.len()).find(|&i| sublist_at(full, i, sub, regex))
}

fn key_vals(s: &str, sep: &str) -> Option<std::collections::BTreeMap<String, String>> {
    let fields = read_record(s, sep.chars().next()?).ok()?;
    Some(
        fields
            .into_iter()
            .map(|f| match f.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (f, String::new()),
            })
            .collect(),
    )
}

impl Context<'_> {
    fn unit(&self) -> Result<&UnitFile, String> {
        self.unit.ok_or_else(|| "an assertion on a unit that was not generated".to_string())
    }

    fn args_of(&self, key: &str) -> Result<Vec<String>, String> {
        Ok(self.unit()?.lookup_last_args("Service", key).ok().flatten().unwrap_or_default())
    }

    /// Whether one `## assert-…` line holds (a leading `!` inverts it).
    fn holds(&self, check: &[String]) -> Result<bool, String> {
        let (invert, op) = match check[0].strip_prefix('!') {
            Some(op) => (true, op),
            None => (false, check[0].as_str()),
        };
        let args = &check[1..];
        let need = |n: usize| if args.len() < n { Err(format!("{op}: too few arguments")) } else { Ok(()) };
        let ok = match op {
            "assert-failed" => true,
            "assert-stderr-contains" => {
                need(1)?;
                self.stderr.contains(&args[0])
            }
            "assert-symlink" => {
                need(2)?;
                std::fs::read_link(self.dir.join(&args[0])).is_ok_and(|t| t == Path::new(&args[1]))
            }
            _ if op.starts_with("assert-podman-") => self.podman_args(op, args)?,
            _ => {
                need(2)?;
                let unit = self.unit()?;
                let values = unit.lookup_all(&args[0], &args[1]);
                let want = &args[2..];
                let first = want.first().cloned().unwrap_or_default();
                match op {
                    "assert-key-is" => values == want,
                    "assert-key-is-regex" => {
                        values.len() == want.len() && want.iter().zip(&values).all(|(w, v)| matches(w, v))
                    }
                    "assert-has-key" => values.contains(&first),
                    "assert-key-is-empty" => values.is_empty(),
                    "assert-key-contains" => values.iter().any(|v| v.contains(&first)),
                    "assert-key-not-contains" => !values.iter().any(|v| v.contains(&first)),
                    "assert-last-key-contains" | "assert-last-key-not-contains" | "assert-last-key-is-regex" => {
                        let last = unit.lookup_last(&args[0], &args[1]);
                        match op {
                            "assert-last-key-contains" => last.is_some_and(|v| v.contains(&first)),
                            "assert-last-key-not-contains" => !last.is_some_and(|v| v.contains(&first)),
                            _ => last.is_some_and(|v| matches(&first, &v)),
                        }
                    }
                    _ => return Err(format!("Unsupported assertion {op}")),
                }
            }
        };
        Ok(ok != invert)
    }

    /// `assert-podman[-pre|-stop|-stop-post|-reload]-{args,global-args,final-args}[-key-val][-regex]`.
    fn podman_args(&self, op: &str, args: &[String]) -> Result<bool, String> {
        let rest = op.strip_prefix("assert-podman-").unwrap_or(op);
        let (key, rest) = [
            ("pre-", "ExecStartPre"),
            ("stop-post-", "ExecStopPost"),
            ("stop-", "ExecStop"),
            ("reload-", "ExecReload"),
        ]
        .iter()
        .find_map(|(p, k)| rest.strip_prefix(p).map(|r| (*k, r)))
        .unwrap_or(("ExecStart", rest));
        let (rest, regex) = match rest.strip_suffix("-regex") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let mut full = self.args_of(key)?;
        let mut want = args.to_vec();
        let (rest, global) = match rest.strip_prefix("global-") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if global {
            let Some(cmd) = want.first().and_then(|c| find_sublist(&full, std::slice::from_ref(c), false)) else {
                return Ok(false);
            };
            full.truncate(cmd);
            want.remove(0);
        }
        Ok(match rest {
            "args" => find_sublist(&full, &want, regex).is_some(),
            "final-args" => full.len() >= want.len() && sublist_at(&full, full.len() - want.len(), &want, regex),
            "args-key-val" => {
                if want.len() < 3 {
                    return Err(format!("{op}: too few arguments"));
                }
                let Some(expected) = key_vals(&want[2], &want[1]) else { return Ok(false) };
                full.windows(2).filter(|w| w[0] == want[0]).any(|w| match key_vals(&w[1], &want[1]) {
                    Some(actual) if regex => {
                        actual.len() == expected.len()
                            && expected.iter().all(|(k, v)| actual.get(k).is_some_and(|a| matches(v, a)))
                    }
                    Some(actual) => actual == expected,
                    None => false,
                })
            }
            _ => return Err(format!("Unsupported assertion {op}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellwords_as_go() {
        assert_eq!(
            shellwords(r#" assert-x "a b" 'c\d' e\ f "g\"h""#).unwrap(),
            ["assert-x", "a b", "c\\d", "e f", "g\"h"]
        );
        assert!(shellwords("'open").is_err());
    }
}

//! `--template`: one unit file for many instances (`container-web@1.service`, `@2`, ...), each
//! running its own container named after the instance (Podman 4.0+).

use std::ops::Range;

/// Podman's `setContainerNameForTemplate` on the escaped words of `ExecStart=`: an existing
/// `--name x`/`--name=x` among the user's flags gets `-%i` appended, else `--name=<service>-%i`
/// goes right after `run`. The `%i` is a systemd specifier and must stay unescaped, which is why
/// this runs after escaping. Only the flag part is searched, so a `--name` in the container's
/// own command is left alone.
pub fn set_container_name(words: &mut Vec<String>, run_index: usize, user_flags: Range<usize>, service_name: &str) {
    let existing = words[user_flags.clone()].iter().enumerate().find_map(|(offset, word)| {
        let index = user_flags.start + offset;
        if word == "--name" {
            Some(index + 1)
        } else {
            word.starts_with("--name=").then_some(index)
        }
    });
    match existing {
        Some(index) if index < words.len() => words[index].push_str("-%i"),
        _ => words.insert(run_index + 1, format!("--name={service_name}-%i")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    /// Podman's `TestSetContainerNameForTemplate` cases (its `"run" is missing` case cannot
    /// happen here: the rewrite always writes `run`), plus a `--name` in the container command.
    #[test]
    fn injects_or_extends_the_name() {
        let cases: [(&[&str], Range<usize>, &[&str]); 4] = [
            (
                &["/usr/bin/rpod", "run", "busybox", "top"],
                2..2,
                &["/usr/bin/rpod", "run", "--name=container-122-%i", "busybox", "top"],
            ),
            (
                &["/usr/bin/rpod", "run", "--name=lovely_james", "busybox", "top"],
                2..3,
                &["/usr/bin/rpod", "run", "--name=lovely_james-%i", "busybox", "top"],
            ),
            (
                &["/usr/bin/rpod", "run", "--name", "lovely_james", "busybox", "top"],
                2..4,
                &["/usr/bin/rpod", "run", "--name", "lovely_james-%i", "busybox", "top"],
            ),
            (
                &["/usr/bin/rpod", "run", "busybox", "prog", "--name", "x"],
                2..2,
                &["/usr/bin/rpod", "run", "--name=container-122-%i", "busybox", "prog", "--name", "x"],
            ),
        ];
        for (input, flags, want) in cases {
            let mut got = words(input);
            set_container_name(&mut got, 1, flags, "container-122");
            assert_eq!(got, words(want), "{input:?}");
        }
    }
}

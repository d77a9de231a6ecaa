//! The `--restart` policy: whether the monitor starts a container again after it exited.

/// Whether the `--restart` policy (`retries` = the N of `on-failure:N`) starts the container
/// again after it exited with `exit_code`, `restarts` times so far. A container stopped with
/// `rpod stop` (or `rm -f`) stays stopped, as in Podman; `unless-stopped` therefore behaves as
/// `always`. An empty or unknown policy is `no`.
pub fn should_restart(
    policy: &str,
    retries: Option<u32>,
    exit_code: i32,
    restarts: u32,
    stopped_by_user: bool,
) -> bool {
    if stopped_by_user {
        return false;
    }
    match policy {
        "always" | "unless-stopped" => true,
        "on-failure" => exit_code != 0 && retries.is_none_or(|n| restarts < n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Policy, retries, exit code, restarts so far, stopped by the user, and whether it restarts.
    type Case = (&'static str, Option<u32>, i32, u32, bool, bool);

    #[test]
    fn restart_policies_decide_like_podman() {
        let cases: &[Case] = &[
            ("", None, 1, 0, false, false),
            ("no", None, 1, 0, false, false),
            ("no", None, 0, 0, false, false),
            ("always", None, 0, 7, false, true),
            ("always", None, 1, 0, false, true),
            ("always", None, 137, 0, true, false),
            ("unless-stopped", None, 0, 0, false, true),
            ("unless-stopped", None, 143, 0, true, false),
            ("on-failure", None, 0, 0, false, false),
            ("on-failure", None, 1, 50, false, true),
            ("on-failure", Some(2), 1, 1, false, true),
            ("on-failure", Some(2), 1, 2, false, false),
            ("on-failure", Some(2), 1, 0, true, false),
            ("on-failure", Some(0), 1, 0, false, false),
            ("sometimes", None, 1, 0, false, false),
        ];
        for &(policy, retries, code, restarts, stopped, expected) in cases {
            assert_eq!(
                should_restart(policy, retries, code, restarts, stopped),
                expected,
                "{policy} {retries:?} {code} {restarts} {stopped}"
            );
        }
    }
}

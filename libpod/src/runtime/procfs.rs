//! What `/proc` says about a process.

/// The parent PID of process `pid`, from `/proc/<pid>/stat` (the field after the command
/// name's closing parenthesis and the state).
pub(crate) fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

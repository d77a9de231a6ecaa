//! Signals as `kill -s` and `--stop-signal` take them, parsed once at the command line's edge.

use std::fmt;

/// A signal number Linux can deliver to a container (1 through 64). Parsed as Podman 5's
/// `kill` does: a number, or a name in any case with or without `SIG` (`term`, `SIGHUP`,
/// `RTMIN+3`), a leading `-` ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(u8);

/// Why a signal was refused, in Podman's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// Neither a known name nor a number (or the number 0).
    #[error("invalid signal: {0}")]
    Invalid(String),
    /// A number Linux has no signal for.
    #[error("valid signals are 1 through 64")]
    OutOfRange,
}

/// The first real-time signal as glibc reserves it, and the last.
const RTMIN: u8 = 34;
const RTMAX: u8 = 64;

/// Linux's classic signal names (without `SIG`) and their numbers on x86 and arm.
const NAMES: [(&str, u8); 34] = [
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

impl Signal {
    /// SIGTERM, what `stop` sends first.
    pub const TERM: Signal = Signal(15);
    /// SIGKILL, what `stop` sends when the timeout passed.
    pub const KILL: Signal = Signal(9);

    /// Parses a signal as typed after `kill -s`.
    pub fn parse(raw: &str) -> Result<Signal, SignalError> {
        let base = raw.strip_prefix('-').unwrap_or(raw);
        let invalid = || SignalError::Invalid(base.to_string());
        if let Some(number) = go_atoi(base) {
            return match u8::try_from(number) {
                Ok(0) => Err(invalid()),
                Ok(n) if n <= RTMAX => Ok(Signal(n)),
                _ => Err(SignalError::OutOfRange),
            };
        }
        let upper = base.to_ascii_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper);
        by_name(name).map(Signal).ok_or_else(invalid)
    }

    /// The signal's number.
    pub fn number(self) -> u8 {
        self.0
    }
}

/// The number a name (upper case, without `SIG`) stands for: Podman's table, whose real-time
/// names are `RTMIN`, `RTMIN+1`…`RTMIN+15`, `RTMAX-14`…`RTMAX-1` and `RTMAX`.
fn by_name(name: &str) -> Option<u8> {
    if let Some((_, number)) = NAMES.iter().find(|(known, _)| *known == name) {
        return Some(*number);
    }
    let offset = |rest: &str, most: u8| -> Option<u8> {
        match rest {
            "" => Some(0),
            _ => rest.parse::<u8>().ok().filter(|n| (1..=most).contains(n) && !rest.starts_with('0')),
        }
    };
    if let Some(rest) = name.strip_prefix("RTMIN") {
        let rest = if rest.is_empty() { rest } else { rest.strip_prefix('+')? };
        return offset(rest, 15).map(|n| RTMIN + n);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        let rest = if rest.is_empty() { rest } else { rest.strip_prefix('-')? };
        return offset(rest, 14).map(|n| RTMAX - n);
    }
    None
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits; out of range is no number.
fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

impl fmt::Display for Signal {
    /// The number, as OCI runtimes take it on their command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_parse_like_podman() {
        let cases: &[(&str, Result<u8, SignalError>)] = &[
            ("KILL", Ok(9)),
            ("kill", Ok(9)),
            ("SIGTERM", Ok(15)),
            ("sigHup", Ok(1)),
            ("-9", Ok(9)),
            ("-SIGUSR1", Ok(10)),
            ("9", Ok(9)),
            ("+2", Ok(2)),
            ("64", Ok(64)),
            ("RTMIN", Ok(34)),
            ("rtmin+3", Ok(37)),
            ("SIGRTMAX-1", Ok(63)),
            ("RTMAX", Ok(64)),
            ("BOGUS", Err(SignalError::Invalid("BOGUS".into()))),
            ("0", Err(SignalError::Invalid("0".into()))),
            ("65", Err(SignalError::OutOfRange)),
            ("--5", Err(SignalError::OutOfRange)),
            ("99999999999999999999", Err(SignalError::Invalid("99999999999999999999".into()))),
            ("RTMIN+16", Err(SignalError::Invalid("RTMIN+16".into()))),
            ("RTMAX-15", Err(SignalError::Invalid("RTMAX-15".into()))),
            ("RTMIN3", Err(SignalError::Invalid("RTMIN3".into()))),
            ("", Err(SignalError::Invalid("".into()))),
        ];
        for (raw, want) in cases {
            assert_eq!(Signal::parse(raw).map(Signal::number), *want, "{raw:?}");
        }
        assert_eq!(SignalError::Invalid("BOGUS".into()).to_string(), "invalid signal: BOGUS");
        assert_eq!(Signal::TERM.to_string(), "15");
    }
}

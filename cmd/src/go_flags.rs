//! Podman's flag values are parsed by Go's pflag; these give rpod the same accepted spellings
//! and the same error texts (`invalid argument "-1" for "-t, --time" flag: ...`).

/// clap value parser for a Go boolean flag given as `--flag=value` (`1`, `t`, `true`, `FALSE`, ...).
pub fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing \"{value}\": invalid syntax")),
    }
}

/// A Go `uint` flag value (`strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` and leading-`0` octal
/// prefixes, `_` between digits), limited to `u32`. `flag` is pflag's spelling, e.g. `-t, --time`.
pub fn parse_uint(flag: &str, value: &str) -> anyhow::Result<u32> {
    go_magnitude(value).and_then(|n| u32::try_from(n).map_err(|_| OUT_OF_RANGE)).map_err(|reason| {
        anyhow::anyhow!(
            "invalid argument \"{value}\" for \"{flag}\" flag: strconv.ParseUint: parsing \"{value}\": {reason}"
        )
    })
}

/// clap value parser for a Go `int` flag (`strconv.ParseInt(s, 0, 64)`): `-1` is a value, as
/// Podman 5's `stop -t -1`.
pub fn parse_int(value: &str) -> Result<i64, String> {
    let (negative, unsigned) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    let magnitude = if unsigned.starts_with(['+', '-']) { Err(INVALID_SYNTAX) } else { go_magnitude(unsigned) };
    let signed = magnitude.and_then(|n| {
        let n = i64::try_from(n).map_err(|_| OUT_OF_RANGE)?;
        Ok(if negative { -n } else { n })
    });
    signed.map_err(|reason| format!("strconv.ParseInt: parsing \"{value}\": {reason}"))
}

const INVALID_SYNTAX: &str = "invalid syntax";
const OUT_OF_RANGE: &str = "value out of range";

/// The unsigned number Go's `strconv.ParseUint(s, 0, 64)` reads from `value`, or why none.
fn go_magnitude(value: &str) -> Result<u64, &'static str> {
    let lower = value.to_ascii_lowercase();
    let (digits, radix) = match lower.get(..2) {
        Some("0x") => (&lower[2..], 16),
        Some("0o") => (&lower[2..], 8),
        Some("0b") => (&lower[2..], 2),
        _ if lower.len() > 1 && lower.starts_with('0') => (&lower[1..], 8),
        _ => (lower.as_str(), 10),
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) || value.starts_with('_') || value.ends_with('_')
    {
        return Err(INVALID_SYNTAX);
    }
    u64::from_str_radix(&digits, radix).map_err(|_| OUT_OF_RANGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uints_like_go() {
        let cases = [
            ("10", Some(10)),
            ("0", Some(0)),
            ("0x10", Some(16)),
            ("010", Some(8)),
            ("1_000", Some(1000)),
            ("-1", None),
            ("+1", None),
            ("", None),
            ("1.5", None),
            ("_1", None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_uint("--x", value).ok(), want, "{value:?}");
        }
        assert_eq!(
            parse_uint("-t, --time", "-1").unwrap_err().to_string(),
            "invalid argument \"-1\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax"
        );
        assert_eq!(
            parse_uint("--stop-timeout", "99999999999").unwrap_err().to_string(),
            "invalid argument \"99999999999\" for \"--stop-timeout\" flag: strconv.ParseUint: parsing \"99999999999\": value out of range"
        );
    }

    #[test]
    fn bools_like_go() {
        for (value, want) in [
            ("true", Some(true)),
            ("T", Some(true)),
            ("1", Some(true)),
            ("false", Some(false)),
            ("F", Some(false)),
            ("yes", None),
        ] {
            assert_eq!(parse_bool(value).ok(), want, "{value:?}");
        }
    }

    #[test]
    fn ints_like_go() {
        for (value, want) in [
            ("-1", Some(-1)),
            ("10", Some(10)),
            ("+3", Some(3)),
            ("0x10", Some(16)),
            ("abc", None),
            ("--1", None),
            ("", None),
        ] {
            assert_eq!(parse_int(value).ok(), want, "{value:?}");
        }
        assert_eq!(parse_int("abc").unwrap_err(), "strconv.ParseInt: parsing \"abc\": invalid syntax");
    }
}

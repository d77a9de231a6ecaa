//! Sizes as Podman prints them (`docker/go-units` `HumanSizeWithPrecision(size, 3)`):
//! decimal units and three significant digits, e.g. `1.23 MB`.

const UNITS: &[&str] = &["B", "kB", "MB", "GB", "TB", "PB"];

/// `1.23 MB`, `512 B`, `12 kB`.
pub fn human_size(bytes: u64) -> String {
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{} {}", three_significant_digits(size), UNITS[unit])
}

/// Go's `%.3g` for values below 1000: at most three significant digits, no trailing zeros.
fn three_significant_digits(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let integer_digits = (value.abs().log10().floor() as i32 + 1).max(1);
    let decimals = (3 - integer_digits).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_go_units() {
        for (bytes, text) in [(0, "0 B"), (512, "512 B"), (1000, "1 kB"), (1_229_000, "1.23 MB"), (12_000, "12 kB")] {
            assert_eq!(human_size(bytes), text, "{bytes}");
        }
        // Go's %g prints "1e+03 kB" here; rpod prints the plain rounded number instead.
        assert_eq!(human_size(999_999), "1000 kB");
    }
}

//! `--label`, `--label-file`/`--env-file` and `--entrypoint` parsing on any text: no panic, and
//! each result keeps what the user wrote (a label splits on its first `=` only, file entries are
//! single trimmed lines, a JSON entrypoint survives re-encoding).

#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod::flag_values::{check_env_entries, key_value_lines, parse_entrypoint, split_label};

fuzz_target!(|text: &str| {
    let (key, value) = split_label(text);
    if text.contains('=') {
        assert_eq!(format!("{key}={value}"), text);
        assert!(!key.contains('='), "label {text:?} split after its first '='");
    } else {
        assert_eq!((key.as_str(), value.as_str()), (text, ""));
    }

    let lines = key_value_lines(text);
    for line in &lines {
        assert!(!line.is_empty() && !line.starts_with('#'), "{line:?} from {text:?}");
        assert_eq!(line.trim(), line, "untrimmed entry from {text:?}");
        assert!(!line.contains(['\n']), "entry {line:?} spans lines");
        assert!(text.contains(line.as_str()));
    }
    if check_env_entries(&lines).is_ok() {
        assert!(lines.iter().all(|line| !line.starts_with('=')));
    }

    match parse_entrypoint(text) {
        Ok(words) if text.trim_start().starts_with('[') => {
            let encoded = serde_json::to_string(&words).expect("strings always encode");
            assert_eq!(parse_entrypoint(&encoded).ok(), Some(words), "{text:?}");
        }
        Ok(words) if text.is_empty() => assert!(words.is_empty()),
        Ok(words) => assert_eq!(words, [text]),
        Err(_) => assert!(text.trim_start().starts_with('['), "only the JSON form can fail: {text:?}"),
    }
});

//! What `--filter` means in Podman's listing commands (`ps`, `volume ls`, `volume prune`):
//! several values of one key are OR-ed, different keys AND-ed, and `label=`-style values name a
//! key with an optional value.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// `KEY` or `KEY=VALUE`, as `label=` and `opt=` filters take their value (split on the first `=`).
pub(crate) fn key_and_value(text: &str) -> (String, Option<String>) {
    match text.split_once('=') {
        Some((key, value)) => (key.to_string(), Some(value.to_string())),
        None => (text.to_string(), None),
    }
}

/// Whether `map` holds `key`, with `value` when one is asked for.
pub(crate) fn has_entry(map: &BTreeMap<String, String>, key: &str, value: Option<&str>) -> bool {
    map.get(key).is_some_and(|found| value.is_none_or(|wanted| wanted == found))
}

/// Podman's rule for several filters: every key given must match, and any value of a key will do.
pub(crate) fn match_all<F>(filters: &[F], key: impl Fn(&F) -> &'static str, matches: impl Fn(&F) -> bool) -> bool {
    filters.iter().all(|f| filters.iter().filter(|g| key(g) == key(f)).any(&matches))
}

/// A time as Podman's `until` takes it: RFC 3339, Unix seconds, or a Go duration before `now`.
pub(crate) fn parse_until(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0);
    }
    let ago = crate::flag_values::parse_go_duration(text).ok()?;
    Some(now - chrono::Duration::from_std(ago).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_their_combination() {
        assert_eq!(key_and_value("a=b=c"), ("a".to_string(), Some("b=c".to_string())));
        assert_eq!(key_and_value("a"), ("a".to_string(), None));
        let map = BTreeMap::from([("a".to_string(), "1".to_string())]);
        assert!(has_entry(&map, "a", None) && has_entry(&map, "a", Some("1")));
        assert!(!has_entry(&map, "a", Some("2")) && !has_entry(&map, "b", None));
        let filters = [("k", true), ("k", false), ("j", true)];
        assert!(match_all(&filters, |f| f.0, |f| f.1), "one value of k matching is enough");
        assert!(!match_all(&[("k", true), ("j", false)], |f| f.0, |f| f.1), "every key must match");
        assert!(match_all::<(&str, bool)>(&[], |f| f.0, |f| f.1));
    }
}

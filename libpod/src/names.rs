//! Container IDs and names: random IDs, Podman's naming rule, generated `adjective_noun` names.

use rand::seq::IndexedRandom;
use rand::RngCore;

use crate::error::{Error, Result};

/// How many hex digits a full container ID has.
pub const FULL_ID_LEN: usize = 64;

/// A new container ID: 32 random bytes from the thread's CSPRNG as 64 lowercase hex characters.
pub fn new_id() -> String {
    let mut bytes = [0u8; FULL_ID_LEN / 2];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks Podman's rule for user-given names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn validate_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_string()))
    }
}

const ADJECTIVES: &[&str] = &[
    "admiring",
    "bold",
    "brave",
    "calm",
    "clever",
    "eager",
    "elegant",
    "epic",
    "focused",
    "gallant",
    "happy",
    "hopeful",
    "jolly",
    "keen",
    "kind",
    "lucid",
    "modest",
    "nifty",
    "optimistic",
    "quirky",
    "relaxed",
    "serene",
    "sharp",
    "stoic",
    "tender",
    "trusting",
    "vibrant",
    "wizardly",
    "youthful",
    "zealous",
];
const NOUNS: &[&str] = &[
    "albattani",
    "babbage",
    "bohr",
    "curie",
    "darwin",
    "einstein",
    "euler",
    "fermi",
    "galileo",
    "gauss",
    "hopper",
    "hypatia",
    "kepler",
    "lamarr",
    "lovelace",
    "meitner",
    "newton",
    "noether",
    "pascal",
    "ritchie",
    "shannon",
    "tesla",
    "thompson",
    "torvalds",
    "turing",
    "volta",
    "wozniak",
    "yalow",
    "zhukovsky",
    "knuth",
];

/// A generated name like Podman's (`adjective_noun`); the store retries on a clash.
pub fn generate_name() -> String {
    let mut rng = rand::rng();
    let adjective = ADJECTIVES.choose(&mut rng).copied().unwrap_or("quirky");
    let noun = NOUNS.choose(&mut rng).copied().unwrap_or("turing");
    format!("{adjective}_{noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_lowercase_hex_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn name_rule() {
        for ok in ["a", "web", "web-1", "A.b_c", "0x"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-web", "_x", ".x", "we b", "a/b", "a\nb", "ü"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_names_follow_the_rule() {
        for _ in 0..50 {
            validate_name(&generate_name()).unwrap();
        }
    }
}

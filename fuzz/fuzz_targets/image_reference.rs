//! The image reference parser on any text: it never panics, and what it accepts it normalizes
//! to a form that parses again to the same normalized form (names are stored and compared in
//! that form, so a second normalization must not change them), naming its registry.

#![no_main]

use image::reference::{is_short_name, transport_of, ImageReference};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = transport_of(text);
    let short = is_short_name(text);
    let Ok(reference) = ImageReference::parse(text) else { return };
    assert!(!reference.domain.is_empty(), "{text:?} parsed without a domain: {reference:?}");
    assert!(!reference.path.is_empty(), "{text:?} parsed without a path: {reference:?}");
    let normalized = reference.to_string();
    let again = ImageReference::parse(&normalized)
        .unwrap_or_else(|err| panic!("{text:?} normalizes to {normalized:?}, which does not parse: {err}"));
    assert_eq!(again.to_string(), normalized, "normalizing {text:?} twice changes it");
    assert_eq!(again.repository(), reference.repository(), "{text:?}");
    // Like containers/image, a first component with an uppercase letter is a registry host for
    // normalization ("C/x" stays "C/x") but not for the short-name check, which wants a `.`, a
    // `:` or `localhost`; every other normalized name names its registry.
    let names_registry = reference.domain.contains(['.', ':']) || reference.domain == "localhost";
    assert_eq!(is_short_name(&normalized), !names_registry, "short-name check of {normalized:?} from {text:?}");
    if !short {
        assert!(
            normalized.starts_with(&format!("{}/", reference.domain)),
            "{text:?} names a registry, but {normalized:?} does not start with it"
        );
    }
});

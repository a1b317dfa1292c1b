#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties of normalisation that must hold for any input.

use std::sync::LazyLock;

use probity_content::{Scanner, normalise};
use proptest::prelude::*;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| Scanner::with_defaults().unwrap());

proptest! {
    #[test]
    fn normalised_text_is_padded_ascii_and_maps_inside_the_original(text in "\\PC{0,200}") {
        let n = normalise(&text);
        let bytes = n.bytes();
        prop_assert!(bytes.is_ascii());
        prop_assert_eq!(bytes.first(), Some(&b' '));
        prop_assert_eq!(bytes.last(), Some(&b' '));
        prop_assert!(!n.as_str().contains("  "));
        for (start, &byte) in bytes.iter().enumerate() {
            // The lexicon relies on this: a term without doubled letters asks nothing of runs.
            prop_assert!(n.run(start) >= 1);
            if byte == b' ' {
                continue;
            }
            let (from, to) = n.original_range(start, start + 1).unwrap();
            prop_assert!(from <= to && to <= text.len());
            prop_assert!(text.is_char_boundary(from) && text.is_char_boundary(to));
        }
    }

    #[test]
    fn scanning_anything_never_panics_and_spans_are_real(text in "\\PC{0,300}") {
        for finding in SCANNER.scan("email.body", &text) {
            for span in finding.spans {
                prop_assert_eq!(text.get(span.start..span.end), Some(span.text.as_str()));
            }
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The sealing cues' word filter runs inside the abuse scanner's pass over normalised text
//! (`Scanner::watching`). Normalisation changes text (case, squeezed letters, l33t, separators), so
//! these tests check that the watch never misses a cue word the filter over the original text
//! would have found, and that sealing decides exactly as it did with its own filter.

use aho_corasick::AhoCorasick;
use probity_content::Scanner;
use probity_privacy::sealing::SealCues;
use proptest::prelude::*;
use std::sync::LazyLock;

/// Built once: the scanner is the costly part of every case.
static SCANNER: LazyLock<Scanner> = LazyLock::new(|| {
    Scanner::with_defaults()
        .unwrap()
        .watching(SealCues::filter_words())
        .unwrap()
});
static CUES: LazyLock<SealCues> = LazyLock::new(|| SealCues::new().unwrap());
/// The filter as it reads the original text: the words anywhere, ignoring ASCII case.
static ORIGINAL_FILTER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(SealCues::filter_words())
        .unwrap()
});

/// Pieces of text: cue words and phrases, ordinary words, separators, l33t, repeats and non-ASCII
/// letters, joined with or without spaces so words run into each other.
fn piece() -> impl Strategy<Value = String> {
    let cue = proptest::sample::select(SealCues::filter_words().to_vec()).prop_map(str::to_owned);
    let phrase = proptest::sample::select(vec![
        "legally privileged",
        "subject to legal privilege",
        "without prejudice",
        "solicitors",
        "diagnosed with",
        "fit note",
        "5 mg",
        "20mg",
        "GP",
        "counselling",
        "occupational health report",
        "may contain privileged",
        "prescribed",
        // A phrase's words apart by other white space than one space.
        "diagnosed\nwith",
        "fit\r\nnote",
        "legally  privileged",
        "without\u{a0}prejudice",
        "OH\treport",
        "mental\u{2003}health",
        "sick\u{3000}note",
        "may\ncontain privileged",
    ])
    .prop_map(str::to_owned);
    let word = "[a-z]{1,8}";
    let odd = proptest::sample::select(vec![
        " ", "  ", "\t", "\n", ".", ",", "'", "’", "-", "*", "/", "@", "$", "1", "0", "3", "é",
        "ſ", "\u{212a}", "с", "\u{200b}", "🙂", "ss", "gg", "mm", "oo", "a b c",
    ])
    .prop_map(str::to_owned);
    prop_oneof![3 => cue, 2 => phrase, 3 => word, 3 => odd]
}

fn text() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(piece(), 0..14),
        proptest::collection::vec(any::<bool>(), 64),
    )
        .prop_map(|(pieces, upper)| {
            // Random ASCII case, letter by letter.
            pieces
                .concat()
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_watch_finds_every_cue_word_the_original_filter_finds(text in text()) {
        let prepared = SCANNER.prepare(&text);
        prop_assert_eq!(prepared.unscanned_bytes(), 0);
        if ORIGINAL_FILTER.is_match(&text) {
            prop_assert!(prepared.watched(), "missed a cue word in {:?}", text);
        }
    }

    #[test]
    fn sealing_decides_as_with_its_own_filter(text in text()) {
        let prepared = SCANNER.prepare(&text);
        let own = CUES.detect(&text);
        let shared = CUES.detect_prefiltered(&text, prepared.watched());
        prop_assert_eq!(own.map(|d| d.reason), shared.map(|d| d.reason), "{:?}", text);
    }
}

#[test]
fn every_cue_word_is_watched_in_any_case_and_inside_words() {
    let scanner = &*SCANNER;
    for word in SealCues::filter_words() {
        for text in [
            word.to_string(),
            word.to_uppercase(),
            format!("x{word}y"),
            format!("The {}.", word.to_uppercase()),
        ] {
            assert!(scanner.prepare(&text).watched(), "{text:?}");
        }
    }
    assert!(!scanner.prepare("Rota for next week attached").watched());
}

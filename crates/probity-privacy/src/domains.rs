//! Look-up tables for lists of addresses, names and domain patterns, shared by the exclusion list
//! and the recipient classes: one hashed look-up per key (and per label of a domain) whatever the
//! length of the lists, instead of a comparison with every entry.

use std::collections::HashMap;

use crate::text;

/// Keys and the first value recorded for each, with the keys' byte lengths and end bytes noted so
/// that most keys looked up (whose length and ends no key has) are turned away without hashing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys {
    /// Hashed with foldhash, seeded per process: the keys are the policy's own, and the
    /// look-ups (addresses and names from messages) run several times for every message.
    values: HashMap<String, usize, foldhash::fast::RandomState>,
    /// `ends[n]`: for the keys `n` bytes long, [`ends_mask`] of each, together; 0 where no key
    /// is `n` bytes long.
    ends: Vec<u64>,
    /// The lengths some key has, in ascending order.
    lengths: Vec<usize>,
}

/// A bit for a key's first byte (its low five bits) and one for its last, so that a key looked
/// up is compared with the keys of its length by its two ends before it is hashed. Never 0.
#[inline]
fn ends_mask(first: u8, last: u8) -> u64 {
    (1u64 << (first & 31)) | (1u64 << (32 + u32::from(last & 31)))
}

/// [`ends_mask`] of `key`, or 1 for the empty key.
#[inline]
fn key_mask(key: &[u8]) -> u64 {
    match (key.first(), key.last()) {
        (Some(&first), Some(&last)) => ends_mask(first, last),
        _ => 1,
    }
}

impl Keys {
    /// Records `key` with `value` unless the key already has one.
    pub(crate) fn insert_first(&mut self, key: String, value: usize) {
        let length = key.len();
        if self.ends.len() <= length {
            self.ends.resize(length + 1, 0);
        }
        if let Some(ends) = self.ends.get_mut(length) {
            *ends |= key_mask(key.as_bytes());
        }
        if let Err(at) = self.lengths.binary_search(&length) {
            self.lengths.insert(at, length);
        }
        self.values.entry(key).or_insert(value);
    }

    /// Whether some key could be `key` by its length and end bytes (false: none is).
    #[inline]
    fn may_hold(&self, key: &[u8]) -> bool {
        let wanted = key_mask(key);
        self.ends
            .get(key.len())
            .is_some_and(|&ends| ends & wanted == wanted)
    }

    /// The value recorded for `key`. Inlined where it is looked up: most keys are turned away
    /// by their length and ends in a few instructions, fewer than a call's own cost.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<usize> {
        if !self.may_hold(key.as_bytes()) {
            return None;
        }
        self.hashed(key)
    }

    /// The value recorded for `key`, by hashing it (kept out of line: see [`Keys::get`]).
    #[inline(never)]
    fn hashed(&self, key: &str) -> Option<usize> {
        self.values.get(key).copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Why a list's domain entry cannot be used, or `None` where it can: a domain (`example.org`) or
/// a domain and its subdomains (`*.example.org`). An empty entry or a bare `*` matches no
/// correspondent at all, so a list holding one would protect, or class, less than it appears to;
/// an address is no domain.
pub(crate) fn domain_entry_problem(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let domain = entry.strip_prefix("*.").unwrap_or(entry);
    if entry.is_empty() {
        return Some("an empty domain entry matches nothing; remove it".to_owned());
    }
    if domain.is_empty() || domain.contains('*') {
        return Some(format!(
            "domain entry {entry:?} matches nothing: a wildcard covers one domain and its \
             subdomains, written `*.example.org`; list each domain meant"
        ));
    }
    if domain.contains('@') {
        return Some(format!(
            "domain entry {entry:?} is an address, not a domain; list it with the addresses"
        ));
    }
    if domain.starts_with('.') || domain.chars().any(char::is_whitespace) {
        return Some(format!(
            "domain entry {entry:?} is not a domain (write `example.org`, or `*.example.org` \
             for its subdomains too)"
        ));
    }
    None
}

/// Domain patterns with a value each: `example.org` names that domain, `*.example.org` that
/// domain and every subdomain of it, in any case and either form of an internationalised name
/// (as [`text::domain_matches`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainIndex {
    /// Exact domains, lower case.
    exact: Keys,
    /// `*.suffix` patterns, by suffix (lower case).
    suffixes: Keys,
}

impl DomainIndex {
    /// Records `pattern` with `value` (a domain already recorded keeps its first value).
    pub(crate) fn insert_first(&mut self, pattern: &str, value: usize) {
        let pattern = pattern.trim();
        match pattern.strip_prefix("*.") {
            Some(suffix) => self
                .suffixes
                .insert_first(text::domain_key(suffix).into_owned(), value),
            None => self
                .exact
                .insert_first(text::domain_key(pattern).into_owned(), value),
        }
    }

    /// The smallest value of the patterns that cover `domain` (in the form
    /// [`text::domain_key`] gives it).
    pub(crate) fn smallest(&self, domain: &str) -> Option<usize> {
        let mut first = self.exact.get(domain);
        // The suffixes a pattern can cover are the domain and what follows each of its dots;
        // only those as long as some recorded suffix are looked up, found from the end rather
        // than by reading the domain a label at a time.
        let bytes = domain.as_bytes();
        for &length in &self.suffixes.lengths {
            let Some(start) = bytes.len().checked_sub(length) else {
                break;
            };
            // The dot is ASCII, so the byte after it starts a character.
            if (start == 0 || bytes.get(start - 1) == Some(&b'.'))
                && let Some(rest) = domain.get(start..)
            {
                first = smaller(first, self.suffixes.get(rest));
            }
        }
        first
    }
}

/// The smaller of two optional values (either where the other is `None`).
pub(crate) fn smaller(first: Option<usize>, other: Option<usize>) -> Option<usize> {
    match (first, other) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domain_entries_that_match_nothing_are_problems() {
        for entry in [
            "polfed.org",
            "*.polfed.org",
            " Unison.co.uk ",
            "xn--cole-9oa.example",
        ] {
            assert_eq!(domain_entry_problem(entry), None, "{entry}");
        }
        for entry in [
            "",
            "  ",
            "*",
            "*.",
            "*.*.org",
            "polfed.*",
            "a@polfed.org",
            ".polfed.org",
            "pol fed.org",
        ] {
            assert!(domain_entry_problem(entry).is_some(), "{entry:?}");
        }
    }

    /// [`DomainIndex::smallest`] as it was: the domain and then what follows each dot, in turn,
    /// each looked up.
    fn smallest_by_labels(index: &DomainIndex, domain: &str) -> Option<usize> {
        let mut first = index.exact.get(domain);
        let mut rest = domain;
        loop {
            first = smaller(first, index.suffixes.get(rest));
            match rest.find('.') {
                Some(dot) => rest = &rest[dot + 1..],
                None => return first,
            }
        }
    }

    proptest! {
        /// The suffixes looked up from the end find what the walk a label at a time found, for
        /// domains with empty labels, leading and trailing dots and non-ASCII letters.
        #[test]
        fn suffixes_from_the_end_as_by_labels(
            suffixes in proptest::collection::vec("[ab.é]{0,6}", 0..8),
            exact in proptest::collection::vec("[ab.é]{0,6}", 0..3),
            domain in "[ab.é]{0,10}",
        ) {
            let mut index = DomainIndex::default();
            for (at, suffix) in suffixes.iter().enumerate() {
                index.suffixes.insert_first(suffix.clone(), at);
            }
            for (at, key) in exact.iter().enumerate() {
                index.exact.insert_first(key.clone(), at + suffixes.len());
            }
            prop_assert_eq!(index.smallest(&domain), smallest_by_labels(&index, &domain));
        }
    }

    proptest! {
        /// A look-up finds a key exactly where the keys hold it, whatever their lengths and ends.
        #[test]
        fn keys_find_what_was_recorded(
            keys in proptest::collection::vec("[a-c0-9.@ ]{0,4}|\\PC{0,3}", 0..8),
            looked_up in "[a-cA-C0-9.@ ]{0,4}|\\PC{0,3}",
        ) {
            let mut index = Keys::default();
            for (at, key) in keys.iter().enumerate() {
                index.insert_first(key.clone(), at);
            }
            let expected = keys.iter().position(|k| *k == looked_up);
            prop_assert_eq!(index.get(&looked_up), expected);
            if looked_up.is_ascii() {
                let lowered = looked_up.to_ascii_lowercase();
                let held = keys.iter().position(|k| *k == lowered);
                prop_assert_eq!(index.get(&lowered), held);
            }
        }

        /// The index gives the first pattern (in list order) that `text::domain_matches` says
        /// covers a domain, for any patterns and domains built from a few labels in any case.
        #[test]
        fn the_index_agrees_with_matching_each_pattern(
            patterns in proptest::collection::vec(
                ("(\\*\\.)?", proptest::collection::vec("(a|B|ab|École|école|XN--cole-9oa|x-y|)", 1..4)),
                0..8,
            ),
            domain in proptest::collection::vec("(a|b|AB|ÉCOLE|école|xn--COLE-9oa|x-y|)", 1..5),
        ) {
            let patterns: Vec<String> = patterns
                .iter()
                .map(|(star, labels)| format!(" {star}{} ", labels.join(".")))
                .collect();
            let domain = text::domain_key(&domain.join(".")).into_owned();
            let mut index = DomainIndex::default();
            for (at, pattern) in patterns.iter().enumerate() {
                index.insert_first(pattern, at);
            }
            let expected = patterns.iter().position(|p| text::domain_matches(&domain, p));
            prop_assert_eq!(index.smallest(&domain), expected, "{:?} {:?}", patterns, domain);
            prop_assert_eq!(index.smallest(&domain), smallest_by_labels(&index, &domain));
        }
    }
}

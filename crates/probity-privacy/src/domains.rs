//! Look-up tables for lists of addresses, names and domain patterns, shared by the exclusion list
//! and the recipient classes: one hashed look-up per key (and per label of a domain) whatever the
//! length of the lists, instead of a comparison with every entry.

use std::collections::HashMap;

use crate::text;

/// Keys and the first value recorded for each, with the keys' byte lengths noted so that most
/// keys looked up (whose length no key has) are turned away without hashing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys {
    /// Hashed with foldhash, seeded per process: the keys are the policy's own, and the
    /// look-ups (addresses and names from messages) run several times for every message.
    values: HashMap<String, usize, foldhash::fast::RandomState>,
    /// `lengths[n]`: some key is `n` bytes long.
    lengths: Vec<bool>,
}

impl Keys {
    /// Records `key` with `value` unless the key already has one.
    pub(crate) fn insert_first(&mut self, key: String, value: usize) {
        let length = key.len();
        if self.lengths.len() <= length {
            self.lengths.resize(length + 1, false);
        }
        if let Some(seen) = self.lengths.get_mut(length) {
            *seen = true;
        }
        self.values.entry(key).or_insert(value);
    }

    /// Whether some key is `length` bytes long.
    pub(crate) fn has_length(&self, length: usize) -> bool {
        self.lengths.get(length).copied().unwrap_or(false)
    }

    /// The value recorded for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<usize> {
        if !self.has_length(key.len()) {
            return None;
        }
        self.values.get(key).copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
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
        let mut rest = domain;
        loop {
            first = smaller(first, self.suffixes.get(rest));
            // Labels are short: a plain scan costs less than setting up a general search.
            match rest.bytes().position(|b| b == b'.') {
                // The dot is ASCII, so the byte after it starts a character.
                Some(dot) => rest = rest.get(dot + 1..).unwrap_or_default(),
                None => return first,
            }
        }
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

    proptest! {
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
        }
    }
}

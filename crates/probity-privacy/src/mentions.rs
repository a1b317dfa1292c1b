//! Whether a text mentions a protected party. For input that could not be decoded, whose parties
//! cannot be read from its fields (a dead letter of a JSON line, a syslog frame, a CSV row), this
//! is what can be said of it: it holds one of a party's listed addresses (a `+tag` after the
//! local part, or the local part quoted, included), one of its domains (a subdomain of it too),
//! or one of its display names or subject keywords as whole words, in any case and whatever
//! separates or splits the words (`Occupational  Health`, `Occupational-Health`,
//! `whistle-blowing`).
//!
//! It errs towards finding a mention: a domain written as part of a longer one
//! (`mail.unison.co.uk` for `unison.co.uk`) counts, and so does a keyword anywhere in the text,
//! not only in a subject. What it is for is deciding not to keep a text, so a false mention costs
//! only the text kept for finding why the input failed.
//!
//! The cost is two passes over the text whatever the length of the list: one automaton finds the
//! addresses and domains in the text as written, another the names and keywords in its letters.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::exclusions::ProtectedParty;
use crate::{Error, Result, text};

/// A protected party a text mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The party's class (`occupational_health`…).
    pub class: String,
    /// The list's entry found, e.g. `display name occupational health` (the list's own words,
    /// never the text's).
    pub matched: String,
}

/// What an automaton's pattern stands for.
#[derive(Debug, Clone)]
struct Entry {
    /// The party, by its place in the list.
    party: usize,
    /// How the entry is named in a [`Mention`] (`address a@b`, `domain b`…).
    shown: String,
    /// For an address, whose pattern is its local part: the domain forms (`xn--` and Unicode)
    /// that must follow its `@`. Empty for the other entries.
    domains: Vec<String>,
}

/// Finds mentions of a list's protected parties in a text. Build once (with the list) and share.
#[derive(Debug, Clone, Default)]
pub struct PartyMentions {
    classes: Vec<String>,
    /// Addresses (by their local part) and domains, lower case, over the text in lower case.
    marked: Option<(AhoCorasick, Vec<Entry>)>,
    /// Display names and subject keywords by their letters and digits alone, lower case, over
    /// the text's letters and digits.
    words: Option<(AhoCorasick, Vec<Entry>)>,
}

impl PartyMentions {
    /// The mentions of `parties` (an exclusion list's, in its order).
    pub fn new<'p>(parties: impl IntoIterator<Item = &'p ProtectedParty>) -> Result<Self> {
        let mut classes = Vec::new();
        let mut marked: Vec<(String, Entry)> = Vec::new();
        let mut words: Vec<(String, Entry)> = Vec::new();
        for (at, party) in parties.into_iter().enumerate() {
            classes.push(party.class.clone());
            for address in &party.addresses {
                let key = text::address_key(text::bare_address_in(address.trim()));
                let Some((local, domain)) = key.rsplit_once('@') else {
                    continue;
                };
                if local.is_empty() || domain.is_empty() {
                    continue;
                }
                let entry = Entry {
                    party: at,
                    shown: format!("address {}", text::shown(&key)),
                    domains: domain_forms(domain),
                };
                marked.push((local.to_owned(), entry));
            }
            for pattern in &party.domains {
                let pattern = pattern.trim();
                let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
                let domain = text::domain_key(domain.trim_end_matches('.'));
                if domain.is_empty() {
                    continue;
                }
                for form in domain_forms(&domain) {
                    let entry = Entry {
                        party: at,
                        shown: format!("domain {}", text::shown(&domain)),
                        domains: Vec::new(),
                    };
                    marked.push((form, entry));
                }
            }
            let listed = party
                .display_names
                .iter()
                .map(|name| ("display name", name))
                .chain(
                    party
                        .subject_keywords
                        .iter()
                        .map(|k| ("subject keyword", k)),
                );
            for (kind, listed) in listed {
                let letters = letters_of(&listed.to_lowercase());
                if letters.is_empty() {
                    continue;
                }
                let entry = Entry {
                    party: at,
                    shown: format!("{kind} {}", listed.trim().to_lowercase()),
                    domains: Vec::new(),
                };
                words.push((letters, entry));
            }
        }
        Ok(Self {
            classes,
            marked: automaton(marked)?,
            words: automaton(words)?,
        })
    }

    /// Whether the list names no address, domain, display name or keyword (nothing can be found).
    pub fn is_empty(&self) -> bool {
        self.marked.is_none() && self.words.is_none()
    }

    /// The protected party `text` mentions (the first in the list's order where it mentions
    /// several), or `None`.
    pub fn find(&self, text: &str) -> Option<Mention> {
        if self.is_empty() {
            return None;
        }
        // The patterns are lower case and matched without ASCII case: only text with letters
        // outside ASCII needs lowering first.
        let lowered: Cow<'_, str> = if text.is_ascii() {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(text.to_lowercase())
        };
        // The first party in the list's order is named, as the exclusions decide.
        let mut best: Option<&Entry> = None;
        if let Some((automaton, entries)) = &self.marked {
            for found in automaton.find_overlapping_iter(lowered.as_ref()) {
                let Some(entry) = entries.get(found.pattern().as_usize()) else {
                    continue;
                };
                if best.is_some_and(|b| b.party <= entry.party) {
                    continue;
                }
                let hit = if entry.domains.is_empty() {
                    is_domain_at(&lowered, found.start(), found.end())
                } else {
                    is_address_at(&lowered, found.start(), found.end(), &entry.domains)
                };
                if hit {
                    best = Some(entry);
                }
            }
        }
        if let Some((automaton, entries)) = &self.words {
            let letters = Letters::of(&lowered);
            for found in automaton.find_overlapping_iter(&letters.text) {
                let Some(entry) = entries.get(found.pattern().as_usize()) else {
                    continue;
                };
                if best.is_none_or(|b| entry.party < b.party)
                    && letters.is_word_start(found.start())
                    && letters.is_word_end(found.end())
                {
                    best = Some(entry);
                }
            }
        }
        let entry = best?;
        Some(Mention {
            class: self.classes.get(entry.party).cloned().unwrap_or_default(),
            matched: entry.shown.clone(),
        })
    }
}

/// An automaton over the patterns (lower case), matched without ASCII case; `None` for none.
fn automaton(patterns: Vec<(String, Entry)>) -> Result<Option<(AhoCorasick, Vec<Entry>)>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let (keys, entries): (Vec<String>, Vec<Entry>) = patterns.into_iter().unzip();
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .build(&keys)
        .map_err(|e| Error::Invalid {
            what: "the exclusion list".to_owned(),
            reason: format!("cannot look for its entries in text: {e}"),
        })?;
    Ok(Some((automaton, entries)))
}

/// A domain (as [`text::domain_key`] gives it) in both the forms a text may write it in: `xn--`
/// and, where that differs, the script it stands for.
fn domain_forms(domain: &str) -> Vec<String> {
    let mut forms = vec![domain.to_owned()];
    let shown = text::shown(domain);
    if shown != domain {
        forms.push(shown.to_lowercase());
    }
    forms
}

/// The character before byte `at` of `text`, if any.
fn before(text: &str, at: usize) -> Option<char> {
    text.get(..at).and_then(|head| head.chars().next_back())
}

/// The character at byte `at` of `text`, if any.
fn at_char(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|tail| tail.chars().next())
}

/// Whether `c` may be part of a domain name's label.
fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// Whether the domain found at `start..end` of `text` stands alone: not the end of a longer label
/// (`notunison.co.uk`) nor followed by more of a name (`unison.co.uk.example`). A dot before it
/// is allowed: a subdomain mentions its domain.
fn is_domain_at(text: &str, start: usize, end: usize) -> bool {
    if before(text, start).is_some_and(is_label_char) {
        return false;
    }
    domain_ends_at(text, end)
}

/// Whether a domain's text ends at byte `end` of `text`.
fn domain_ends_at(text: &str, end: usize) -> bool {
    match at_char(text, end) {
        None => true,
        Some('.') => !at_char(text, end + 1).is_some_and(is_label_char),
        Some(c) => !is_label_char(c),
    }
}

/// Whether the address local part found at `start..end` of `text` is a listed address's: not
/// the end of a longer local part, then an optional `+tag` and closing quote, `@` and one of the
/// address's domain forms.
fn is_address_at(text: &str, start: usize, end: usize, domains: &[String]) -> bool {
    let local_char = |c: char| c.is_alphanumeric() || "._%+-'!#$&*/=?^`{|}~".contains(c);
    if before(text, start).is_some_and(local_char) {
        return false;
    }
    let bytes = text.as_bytes();
    let mut at = end;
    if bytes.get(at) == Some(&b'+') {
        // A sub-address: as far as the `@`, within the longest a local part may be.
        let limit = (at + 64).min(bytes.len());
        match bytes[at..limit].iter().position(|&b| b == b'@') {
            Some(offset)
                if !bytes[at..at + offset]
                    .iter()
                    .any(|b| b.is_ascii_whitespace() || b"\"<>,;".contains(b)) =>
            {
                at += offset;
            }
            _ => return false,
        }
    } else if bytes.get(at) == Some(&b'"') {
        at += 1;
    }
    if bytes.get(at) != Some(&b'@') {
        return false;
    }
    let rest = at + 1;
    domains.iter().any(|domain| {
        text.get(rest..rest + domain.len())
            .is_some_and(|written| written.eq_ignore_ascii_case(domain))
            && domain_ends_at(text, rest + domain.len())
    })
}

/// The letters and digits of a text in lower case with nothing between them, and where each of
/// its words starts and ends.
struct Letters {
    text: String,
    /// Bit `i`: a word starts at byte `i` of `text`.
    starts: Vec<u64>,
    /// Bit `i`: a word ends at byte `i` of `text` (just after its last letter).
    ends: Vec<u64>,
}

impl Letters {
    /// The letters of `lowered` (a text in lower case, or ASCII in any case).
    fn of(lowered: &str) -> Self {
        let mut letters = Letters {
            text: String::with_capacity(lowered.len()),
            starts: Vec::new(),
            ends: Vec::new(),
        };
        let mut in_word = false;
        for c in lowered.chars() {
            if c.is_alphanumeric() {
                if !in_word {
                    set(&mut letters.starts, letters.text.len());
                    in_word = true;
                }
                letters.text.push(c.to_ascii_lowercase());
            } else if in_word {
                set(&mut letters.ends, letters.text.len());
                in_word = false;
            }
        }
        if in_word {
            set(&mut letters.ends, letters.text.len());
        }
        letters
    }

    fn is_word_start(&self, at: usize) -> bool {
        get(&self.starts, at)
    }

    fn is_word_end(&self, at: usize) -> bool {
        get(&self.ends, at)
    }
}

fn set(bits: &mut Vec<u64>, at: usize) {
    let word = at / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    if let Some(slot) = bits.get_mut(word) {
        *slot |= 1 << (at % 64);
    }
}

fn get(bits: &[u64], at: usize) -> bool {
    bits.get(at / 64)
        .is_some_and(|slot| slot & (1 << (at % 64)) != 0)
}

/// A listed name's or keyword's letters and digits (lower case already), as [`Letters`] holds a
/// text's.
fn letters_of(listed: &str) -> String {
    listed
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exclusions::{DEFAULT_EXCLUSIONS_YAML, ExclusionList};

    fn shipped() -> PartyMentions {
        let list: ExclusionList = serde_yaml_ng::from_str(DEFAULT_EXCLUSIONS_YAML).unwrap();
        PartyMentions::new(&list.parties).unwrap()
    }

    fn class_of(text: &str) -> Option<String> {
        shipped().find(text).map(|m| m.class)
    }

    #[test]
    fn an_address_is_found_in_broken_json() {
        let line =
            r#"{"email":{"to":{"address":["Occupational.Health@force.police.uk"]},"body":"I have"#;
        let found = shipped().find(line).unwrap();
        assert_eq!(found.class, "occupational_health");
        assert_eq!(found.matched, "address occupational.health@force.police.uk");
    }

    #[test]
    fn sub_addresses_and_quoted_local_parts_are_the_address() {
        for text in [
            "to occupational.health+referral@force.police.uk today",
            r#"to "occupational.health"@force.police.uk"#,
            "<occupational.health@force.police.uk.>",
        ] {
            assert_eq!(
                class_of(text).as_deref(),
                Some("occupational_health"),
                "{text}"
            );
        }
        for text in [
            "to notwelfare@force.police.uk",
            "to welfare@force.police.uk.example.com",
            "welfare@ is not an address",
        ] {
            assert_eq!(class_of(text), None, "{text}");
        }
    }

    #[test]
    fn domains_stand_alone_or_as_subdomains() {
        assert_eq!(
            class_of("rep@branch.polfed.org wrote").as_deref(),
            Some("staff_association")
        );
        assert_eq!(
            class_of("see PCS.ORG.UK.").as_deref(),
            Some("staff_association")
        );
        assert_eq!(class_of("see notpcs.org.uk"), None);
        assert_eq!(class_of("see pcs.org.uk.example"), None);
    }

    #[test]
    fn names_and_keywords_match_whole_words_whatever_separates_them() {
        for text in [
            "Dear Occupational  Health,",
            "{\"name\":\"occupational-health\"}",
            "a whistle-blowing report",
            "OCCUPATIONAL\u{a0}HEALTH",
        ] {
            assert!(class_of(text).is_some(), "{text}");
        }
        for text in [
            "Occupational Healthcare",
            "preoccupational health",
            "a blowing whistle",
        ] {
            assert_eq!(class_of(text), None, "{text}");
        }
    }

    #[test]
    fn the_first_party_in_the_list_is_named() {
        // Integrity Line (whistleblowing) is listed after legal services.
        let found = shipped()
            .find("integrity.line@force.police.uk and legal.services@force.police.uk")
            .unwrap();
        assert_eq!(found.class, "legal_adviser");
    }

    #[test]
    fn ordinary_text_and_an_empty_list_find_nothing() {
        assert_eq!(class_of("2026-05-06 sshd[42]: invalid user admin"), None);
        let none = PartyMentions::new(&[]).unwrap();
        assert!(none.is_empty());
        assert_eq!(none.find("occupational.health@force.police.uk"), None);
    }
}

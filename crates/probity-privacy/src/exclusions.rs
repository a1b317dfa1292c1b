//! Protected parties: legal advisers, occupational health, staff associations, welfare and
//! whistleblowing lines. A message to or from one keeps its metadata only: [`strip_content`] removes
//! the body, attachment text and (where the class demands) the subject before anything inspects or
//! stores them, and records in the event that it did and why.
//!
//! The parties are YAML ([`ExclusionList`]); an example list ships in the crate
//! (`policy/exclusions.yaml`, [`DEFAULT_EXCLUSIONS_YAML`]).

use std::collections::HashSet;

use aho_corasick::automaton::Automaton;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, MatchKind, dfa};
use probity_model::{Email, Event, Identity};
use serde::{Deserialize, Serialize};

use crate::correspondents::Correspondents;
use crate::domains::{DomainIndex, Keys, smaller as earliest};
use crate::{Error, Result, text};

/// The example list shipped with Probity.
pub const DEFAULT_EXCLUSIONS_YAML: &str = include_str!("../policy/exclusions.yaml");

/// The tag an excluded event carries.
pub const EXCLUDED_TAG: &str = "content-excluded";
/// The label naming the protected class.
pub const EXCLUDED_LABEL: &str = "privacy.excluded";
/// The label giving the reason.
pub const EXCLUDED_REASON_LABEL: &str = "privacy.excluded_reason";

/// `Event::original` keys (compared without case) that hold message content rather than metadata.
const CONTENT_KEYS: [&str; 9] = [
    "body",
    "bodypreview",
    "text",
    "content",
    "html",
    "preview",
    "snippet",
    "attachmenttext",
    "message",
];

/// The list as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionList {
    /// The file format version (1).
    pub version: u32,
    /// The protected parties, checked in order.
    pub parties: Vec<ProtectedParty>,
}

/// One protected class of correspondent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedParty {
    /// `legal_adviser`, `occupational_health`, `staff_association`, `welfare`, `whistleblowing`…
    pub class: String,
    /// Why content is excluded, in plain words (recorded on the event).
    pub reason: String,
    /// Exact addresses (any case).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Domains; `*.example.org` covers subdomains.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Display names, matched whole (any case) against `Name <address>` forms and the sender's name.
    #[serde(default)]
    pub display_names: Vec<String>,
    /// Words in the subject (any case) that mark the message as this class.
    #[serde(default)]
    pub subject_keywords: Vec<String>,
    /// Whether the subject is content too (removed with the body).
    #[serde(default)]
    pub strip_subject: bool,
}

/// Why a message is excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The protected class (`legal_adviser`…).
    pub class: String,
    /// Why content is excluded, in plain words.
    pub reason: String,
    /// What matched, e.g. `recipient domain polfed.org` (an address of the party, never content).
    pub matched: String,
    /// Whether the subject goes with the body.
    pub strip_subject: bool,
}

#[derive(Debug, Clone)]
struct CompiledParty {
    party: ProtectedParty,
    addresses: HashSet<String>,
    display_names: Vec<String>,
    subject_keywords: Vec<String>,
}

/// Matches messages against protected parties. Build once and share.
#[derive(Debug, Clone)]
pub struct Exclusions {
    parties: Vec<CompiledParty>,
    index: Index,
}

/// Every party's addresses, domains, display names and subject keywords in one lookup each, so a
/// message costs one pass whatever the length of the list. Each value is the first party (in list
/// order) that names it; the party that decides is the first one with any match, as if the
/// parties were tried one by one.
#[derive(Debug, Clone, Default)]
struct Index {
    addresses: Keys,
    domains: DomainIndex,
    display_names: Keys,
    /// Subject keywords (lower case, matched without ASCII case) and the party of each pattern.
    keywords: Option<(AhoCorasick, Vec<usize>)>,
    /// For the question asked of every subject, is any keyword in it at all: the keywords'
    /// pairs of bytes ([`KeywordSkip`]), reading a few bytes of the subject rather than all.
    keyword_skip: Option<KeywordSkip>,
    /// The same question for a list with a keyword of one byte, which [`KeywordSkip`] cannot
    /// take: the keywords as a DFA walked a byte at a time ([`any_keyword`]).
    keyword_filter: Option<dfa::DFA>,
}

impl Index {
    fn build(parties: &[CompiledParty]) -> Result<Self> {
        let mut index = Index::default();
        let mut keywords = Vec::new();
        let mut keyword_party = Vec::new();
        for (at, compiled) in parties.iter().enumerate() {
            for address in &compiled.addresses {
                index.addresses.insert_first(address.clone(), at);
            }
            for pattern in &compiled.party.domains {
                index.domains.insert_first(pattern, at);
            }
            for name in &compiled.display_names {
                index.display_names.insert_first(name.clone(), at);
            }
            for keyword in &compiled.subject_keywords {
                keywords.push(keyword.clone());
                keyword_party.push(at);
            }
        }
        if !keywords.is_empty() {
            // The keywords are lower case (so hold no ASCII capital): matched without ASCII case,
            // they match an ASCII subject as written exactly where they match it lower-cased.
            let invalid = |e: aho_corasick::BuildError| Error::Invalid {
                what: "the exclusion list".to_owned(),
                reason: format!("subject keywords: {e}"),
            };
            let automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .build(&keywords)
                .map_err(invalid)?;
            index.keywords = Some((automaton, keyword_party));
            index.keyword_skip = KeywordSkip::new(&keywords);
            if index.keyword_skip.is_none() {
                let filter = dfa::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .prefilter(false)
                    .build(&keywords)
                    .map_err(invalid)?;
                index.keyword_filter = Some(filter);
            }
        }
        Ok(index)
    }

    /// The first party any of the subject's keywords belongs to (compared in lower case).
    fn subject_party(&self, subject: &str) -> Option<usize> {
        let (automaton, parties) = self.keywords.as_ref()?;
        // The automaton ignores ASCII case, so only a non-ASCII subject needs lowering first
        // (`to_lowercase` never yields an ASCII capital, so the automaton then matches exactly).
        let lowered;
        let subject = if subject.is_ascii() {
            subject
        } else {
            lowered = subject.to_lowercase();
            &lowered
        };
        // Nearly no subject holds a keyword: the pairs of bytes say so from a few of its bytes,
        // or a walk of the DFA in a few instructions a byte, where the general search costs
        // several times that.
        if let Some(skip) = &self.keyword_skip {
            if !skip.any_in(subject.as_bytes()) {
                return None;
            }
        } else if let Some(filter) = &self.keyword_filter
            && !any_keyword(filter, subject.as_bytes())
        {
            return None;
        }
        automaton
            .find_overlapping_iter(subject)
            .filter_map(|m| parties.get(m.pattern().as_usize()).copied())
            .min()
    }
}

impl Exclusions {
    /// The example list shipped with Probity.
    pub fn defaults() -> Result<Self> {
        Self::from_yaml("the default exclusion list", DEFAULT_EXCLUSIONS_YAML)
    }

    /// Reads and checks a list; `what` names it in errors (a file path).
    pub fn from_yaml(what: &str, yaml: &str) -> Result<Self> {
        let list: ExclusionList = serde_yaml_ng::from_str(yaml).map_err(|source| Error::Yaml {
            what: what.to_owned(),
            source,
        })?;
        Self::new(what, list)
    }

    /// Checks a list already read.
    pub fn new(what: &str, list: ExclusionList) -> Result<Self> {
        let invalid = |reason: String| Error::Invalid {
            what: what.to_owned(),
            reason,
        };
        if list.version != 1 {
            return Err(invalid(format!(
                "version {} is not supported (this Probity reads version 1)",
                list.version
            )));
        }
        let mut parties = Vec::new();
        for (index, party) in list.parties.into_iter().enumerate() {
            if party.class.trim().is_empty() || party.reason.trim().is_empty() {
                return Err(invalid(format!(
                    "party {} needs a class and a reason",
                    index + 1
                )));
            }
            let matchers = party.addresses.len()
                + party.domains.len()
                + party.display_names.len()
                + party.subject_keywords.len();
            if matchers == 0 {
                return Err(invalid(format!(
                    "party {} ({}) has no addresses, domains, display names or subject keywords",
                    index + 1,
                    party.class
                )));
            }
            parties.push(CompiledParty {
                addresses: party
                    .addresses
                    .iter()
                    .map(|a| text::bare_address(a))
                    .collect(),
                display_names: party
                    .display_names
                    .iter()
                    .map(|n| n.trim().to_lowercase())
                    .collect(),
                subject_keywords: party
                    .subject_keywords
                    .iter()
                    .map(|k| k.trim().to_lowercase())
                    .filter(|k| !k.is_empty())
                    .collect(),
                party,
            });
        }
        let index = Index::build(&parties)?;
        Ok(Self { parties, index })
    }

    /// The first protected party the message is to or from, if any.
    pub fn matches(&self, email: &Email) -> Option<Exclusion> {
        self.matches_with_names(email, &[])
    }

    /// Like [`Exclusions::matches`], also checking an event's display names: the sender's full
    /// name (`user.full_name`) and the names the decoder read beside the correspondents'
    /// addresses (`email.display_names`).
    pub fn matches_event(&self, event: &Event) -> Option<Exclusion> {
        let email = event.email.as_ref()?;
        self.matches_event_read(event, &mut Correspondents::of(email))
    }

    /// [`Exclusions::matches_event`] with the correspondents of the event's message already
    /// read (`correspondents` must be those of `event.email`).
    pub fn matches_event_read<'e>(
        &self,
        event: &'e Event,
        correspondents: &mut Correspondents<'e>,
    ) -> Option<Exclusion> {
        let email = correspondents.email();
        let full_name = event
            .user
            .as_ref()
            .and_then(|u| u.full_name.as_ref())
            .map(Identity::as_str);
        let named = full_name
            .into_iter()
            .chain(email.display_names.iter().map(Identity::as_str));
        let party = self.first_party(correspondents, named.clone())?;
        let names: Vec<String> = named.map(str::to_owned).collect();
        self.exclusion(party, email, &names)
    }

    fn matches_with_names(&self, email: &Email, extra_names: &[String]) -> Option<Exclusion> {
        let party = self.first_party(
            &mut Correspondents::of(email),
            extra_names.iter().map(String::as_str),
        )?;
        self.exclusion(party, email, extra_names)
    }

    /// The first party (in list order) the message is with, by one lookup per correspondent,
    /// display name and subject.
    fn first_party<'a>(
        &self,
        read: &mut Correspondents<'a>,
        extra_names: impl Iterator<Item = &'a str>,
    ) -> Option<usize> {
        let email = read.email();
        // Lower-cased copies go in one buffer, and only for text with capitals: this runs for
        // every message, and most addresses are written in lower case already.
        let mut buffer = String::new();
        let mut first: Option<usize> = None;
        // Most of a message's correspondents share a domain: the last one looked up, as written,
        // and the party it named.
        let mut last_domain: Option<(&str, Option<usize>)> = None;
        // Whether a correspondent is written other than plainly, and so may hold a display name.
        let mut named_headers = false;
        read.each(|value, plain| {
            // As `text::bare_address` and `text::domain_of`, without their copies; most values
            // are a plain address, read in one pass (`text::plain_address`).
            let (written, address) = match plain {
                Some(plain) => (plain.domain(value), plain.key_in(value, &mut buffer)),
                None => {
                    named_headers = true;
                    let bare = text::bare_address_in(value);
                    (
                        text::domain_in(bare),
                        text::address_key_in(bare, &mut buffer),
                    )
                }
            };
            first = earliest(first, self.index.addresses.get(address));
            let by_domain = match (written, last_domain) {
                (Some(domain), Some((last, party))) if domain == last => party,
                _ => {
                    // Lowering ASCII moves no byte, so a plain value's `@` is where it was.
                    let domain = match plain {
                        Some(plain) => plain.domain(address),
                        None => text::domain_in(address),
                    };
                    let party = domain.and_then(|d| self.index.domains.smallest(d));
                    last_domain = written.map(|domain| (domain, party));
                    party
                }
            };
            first = earliest(first, by_domain);
        });
        if !self.index.display_names.is_empty() {
            // A plain address has no `<`, so no display name: only headers written otherwise
            // are read for names.
            if named_headers {
                let names = correspondents(email)
                    .flat_map(|value| text::commas(value).filter_map(display_name));
                for name in names {
                    first = earliest(first, self.display_name_party(name, &mut buffer));
                }
            }
            for name in extra_names {
                first = earliest(first, self.display_name_party(name, &mut buffer));
            }
        }
        if let Some(subject) = email.subject.as_deref() {
            first = earliest(first, self.index.subject_party(subject));
        }
        first
    }

    /// The first party a display name names (compared trimmed and in lower case).
    fn display_name_party(&self, name: &str, buffer: &mut String) -> Option<usize> {
        let name = text::trim(name);
        if name.is_ascii() {
            // Lowering ASCII keeps the length: a name no listed one can be by its length and
            // its first and last letters needs no lowering.
            if !self.index.display_names.may_hold_lowered(name.as_bytes()) {
                return None;
            }
            return self.index.display_names.get(text::lower_in(name, buffer));
        }
        self.index.display_names.get(&name.to_lowercase())
    }

    /// The exclusion for `party`, naming what matched (the first party to match, so no earlier
    /// one does).
    fn exclusion(&self, party: usize, email: &Email, extra_names: &[String]) -> Option<Exclusion> {
        let compiled = self.parties.get(party)?;
        let subject = email.subject.as_deref().map(str::to_lowercase);
        let mut names: Vec<String> = correspondents(email)
            .flat_map(header_display_names)
            .collect();
        names.extend(extra_names.iter().cloned());
        let names: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).collect();
        let addresses: Vec<(String, Option<String>)> = correspondents(email)
            .map(|value| {
                let address = text::bare_address(value);
                let domain = text::domain_of(&address);
                (address, domain)
            })
            .collect();
        let matched = compiled.find(&addresses, subject.as_deref(), &names)?;
        Some(Exclusion {
            class: compiled.party.class.clone(),
            reason: compiled.party.reason.clone(),
            matched,
            strip_subject: compiled.party.strip_subject,
        })
    }
}

impl CompiledParty {
    /// `addresses`: each correspondent's bare address and its domain.
    fn find(
        &self,
        addresses: &[(String, Option<String>)],
        subject: Option<&str>,
        names: &[String],
    ) -> Option<String> {
        for (address, domain) in addresses {
            if self.addresses.contains(address) {
                return Some(format!("address {}", text::shown(address)));
            }
            if let Some(domain) = domain
                && self
                    .party
                    .domains
                    .iter()
                    .any(|p| text::domain_matches(domain, p))
            {
                return Some(format!("domain {}", text::shown(domain)));
            }
        }
        if let Some(name) = names.iter().find(|n| self.display_names.contains(n)) {
            return Some(format!("display name {name}"));
        }
        let subject = subject?;
        let keyword = self
            .subject_keywords
            .iter()
            .find(|k| subject.contains(k.as_str()))?;
        Some(format!("subject keyword {keyword:?}"))
    }
}

/// Whether any of a DFA's patterns is in `text`, walking it a byte at a time until the first
/// match. True where the DFA cannot say (it then only costs the full search).
fn any_keyword(filter: &dfa::DFA, text: &[u8]) -> bool {
    let Ok(mut state) = filter.start_state(Anchored::No) else {
        return true;
    };
    for &byte in text {
        state = filter.next_state(Anchored::No, state, byte);
        if filter.is_special(state) {
            if filter.is_match(state) {
                return true;
            }
            if filter.is_dead(state) {
                return false;
            }
        }
    }
    false
}

/// Entries in [`KeywordSkip`]'s table of byte pairs (a power of two).
const SKIP_PAIRS: usize = 4096;

/// Whether any of a list of keywords is in a text, matched without ASCII case as the subject
/// automaton matches them, found by reading a few of the text's bytes rather than all of them
/// (Wu and Manber's search, over pairs of bytes).
///
/// A window as long as the shortest keyword (`width`) moves along the text. The pair of bytes
/// that ends it says how far it may move without passing over the start of any keyword: no
/// further than would put that pair where it stands in some keyword's first `width` bytes, and
/// `width - 1` where it stands in none. Only where it may not move at all is each keyword
/// compared with the text at the window's start. Pairs are looked up case-folded (bit 5 set)
/// and hashed into [`SKIP_PAIRS`] entries: two pairs that share an entry take the smaller move,
/// so nothing is passed over, only compared more often. The answer is exact: true where some
/// keyword is in the text.
///
/// A subject is some 40 bytes and the default list's shortest keyword 10, so most subjects are
/// decided from about eight of their bytes, where a walk of the DFA reads every one.
#[derive(Debug, Clone)]
struct KeywordSkip {
    /// The window's length: the shortest keyword's (at least 2, at most 256).
    width: usize,
    /// How far a window ending in each pair (see [`skip_pair`]) may move.
    moves: Box<[u8]>,
    /// The keywords (lower case).
    keywords: Vec<Box<[u8]>>,
}

/// The entry of [`KeywordSkip::moves`] for the pair of bytes `a`, `b`: both case-folded the same
/// way, so that a pair equal to another but for ASCII case has the same entry.
fn skip_pair(a: u8, b: u8) -> usize {
    ((usize::from(a | 0x20) << 5) ^ usize::from(b | 0x20)) & (SKIP_PAIRS - 1)
}

impl KeywordSkip {
    /// The filter for `keywords`, or `None` when one is a single byte (no pair to read).
    fn new(keywords: &[String]) -> Option<KeywordSkip> {
        let width = keywords.iter().map(String::len).min()?.min(256);
        if width < 2 {
            return None;
        }
        let most = u8::try_from(width - 1).ok()?;
        let mut moves = vec![most; SKIP_PAIRS].into_boxed_slice();
        for keyword in keywords {
            let first = keyword.as_bytes().get(..width)?;
            // A pair ending at byte `end` of the keyword ends `width - 1 - end` bytes before
            // the window that holds the keyword's first `width` bytes.
            for (end, pair) in first.windows(2).enumerate().map(|(i, p)| (i + 1, p)) {
                let entry = moves.get_mut(skip_pair(pair[0], pair[1]))?;
                let distance = u8::try_from(width - 1 - end).ok()?;
                *entry = (*entry).min(distance);
            }
        }
        Some(KeywordSkip {
            width,
            moves,
            keywords: keywords
                .iter()
                .map(|k| k.as_bytes().to_vec().into_boxed_slice())
                .collect(),
        })
    }

    /// Whether any keyword is in `text` (without ASCII case).
    fn any_in(&self, text: &[u8]) -> bool {
        // The index of the window's last byte; its pair is the byte before and that one.
        let mut end = self.width - 1;
        while let (Some(&a), Some(&b)) = (text.get(end - 1), text.get(end)) {
            let distance = self.moves.get(skip_pair(a, b)).copied().unwrap_or(0);
            if distance > 0 {
                end += usize::from(distance);
                continue;
            }
            let rest = text.get(end + 1 - self.width..).unwrap_or_default();
            if self.keywords.iter().any(|keyword| {
                rest.get(..keyword.len())
                    .is_some_and(|written| written.eq_ignore_ascii_case(keyword))
            }) {
                return true;
            }
            end += 1;
        }
        false
    }
}

/// Every sender and recipient of a message, as written.
fn correspondents(email: &Email) -> impl Iterator<Item = &str> + Clone {
    email
        .from
        .iter()
        .chain(&email.to)
        .chain(&email.cc)
        .chain(&email.bcc)
        .map(|identity| identity.as_str())
}

/// Display names in header text such as `"Legal Services" <legal@x>, Pat <pat@y>`.
fn header_display_names(value: &str) -> Vec<String> {
    text::commas(value)
        .filter_map(display_name)
        .map(str::to_owned)
        .collect()
}

/// The display name of one `Name <address>` entry.
fn display_name(entry: &str) -> Option<&str> {
    let open = memchr::memchr(b'<', entry.as_bytes())?;
    let name = text::trim(trim_quotes(text::trim(entry.get(..open)?)));
    (!name.is_empty()).then_some(name)
}

/// `text` without leading and trailing double quotes (as `trim_matches('"')`, byte by byte: a
/// quote byte is always a whole character in UTF-8).
fn trim_quotes(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|&b| b != b'"').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b'"')
        .map_or(start, |last| last + 1);
    text.get(start..end).unwrap_or_default()
}

/// Removes an excluded message's content from `event`, keeping its metadata: the body and every
/// attachment's text go (the attachment's name, type, size and hash stay), the subject goes when
/// the class demands, and content-bearing `original` fields go. The event is tagged
/// [`EXCLUDED_TAG`] and labelled with the class and reason.
pub fn strip_content(event: &mut Event, exclusion: &Exclusion) {
    if let Some(email) = event.email.as_mut() {
        email.body = None;
        for attachment in &mut email.attachments {
            attachment.text = None;
            attachment.extraction = Some(format!("content excluded: {}", exclusion.class));
        }
        if exclusion.strip_subject {
            email.subject = None;
        }
    }
    if exclusion.strip_subject {
        event.message = None;
    }
    event.original.retain(|key, _| {
        let lower = key.to_ascii_lowercase();
        let is_content = CONTENT_KEYS.contains(&lower.as_str());
        let is_subject = lower == "subject" || lower == "thread-topic";
        !(is_content || (exclusion.strip_subject && is_subject))
    });
    event
        .labels
        .insert(EXCLUDED_LABEL.to_owned(), exclusion.class.clone());
    event
        .labels
        .insert(EXCLUDED_REASON_LABEL.to_owned(), exclusion.reason.clone());
    if !event.tags.iter().any(|t| t == EXCLUDED_TAG) {
        event.tags.push(EXCLUDED_TAG.to_owned());
    }
}

/// Checks an email event and, if it is with a protected party, strips it; returns the exclusion.
pub fn apply(exclusions: &Exclusions, event: &mut Event) -> Option<Exclusion> {
    let exclusion = exclusions.matches_event(event)?;
    strip_content(event, &exclusion);
    Some(exclusion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn email(from: &str, to: &str, subject: &str) -> Email {
        Email {
            from: vec![from.into()],
            to: vec![to.into()],
            subject: Some(subject.to_owned()),
            body: Some("content".to_owned()),
            ..Email::default()
        }
    }

    #[test]
    fn shipped_list_loads_and_matches_by_domain_address_and_subject() {
        let exclusions = Exclusions::defaults().unwrap();
        let by_domain = exclusions
            .matches(&email(
                "pc@force.police.uk",
                "rep@branch.polfed.org",
                "hello",
            ))
            .unwrap();
        assert_eq!(by_domain.class, "staff_association");
        assert_eq!(by_domain.matched, "domain branch.polfed.org");
        assert!(!by_domain.strip_subject);

        let by_address = exclusions
            .matches(&email(
                "Occupational.Health@force.police.uk",
                "pc@force.police.uk",
                "x",
            ))
            .unwrap();
        assert_eq!(by_address.class, "occupational_health");

        let by_subject = exclusions
            .matches(&email(
                "pc@force.police.uk",
                "sgt@force.police.uk",
                "RE: Protected Disclosure",
            ))
            .unwrap();
        assert_eq!(by_subject.class, "whistleblowing");

        assert!(
            exclusions
                .matches(&email("pc@force.police.uk", "sgt@force.police.uk", "rota"))
                .is_none()
        );
    }

    #[test]
    fn display_names_in_addresses() {
        let exclusions = Exclusions::defaults().unwrap();
        let found = exclusions
            .matches(&email(
                "pc@force.police.uk",
                "\"Police Care UK\" <help@example.org>",
                "hi",
            ))
            .unwrap();
        assert_eq!(found.class, "welfare");
    }

    /// The first party in the list that matches in any way decides, as if each were tried in
    /// turn, however the match was made (address, domain, wildcard domain, name or subject).
    #[test]
    fn the_first_listed_party_decides() {
        let yaml = "version: 1\nparties:\n  - class: first\n    reason: r\n    subject_keywords: [grievance]\n  - class: second\n    reason: r\n    addresses: [Rep@Union.example]\n    domains: [\"*.union.example\"]\n    display_names: [Union Rep]\n";
        let list = Exclusions::from_yaml("test", yaml).unwrap();
        let both = list
            .matches(&email(
                "pc@force.example",
                "rep@union.example",
                "My GRIEVANCE",
            ))
            .unwrap();
        assert_eq!(
            (both.class.as_str(), both.matched.as_str()),
            ("first", "subject keyword \"grievance\"")
        );
        let by_address = list
            .matches(&email("pc@force.example", "REP@union.example", "hello"))
            .unwrap();
        assert_eq!(
            (by_address.class.as_str(), by_address.matched.as_str()),
            ("second", "address rep@union.example")
        );
        let by_wildcard = list
            .matches(&email("pc@force.example", "x@North.Union.Example", "hello"))
            .unwrap();
        assert_eq!(by_wildcard.matched, "domain north.union.example");
        let by_name = list
            .matches(&email(
                "pc@force.example",
                "\"UNION rep\" <x@elsewhere.example>",
                "hello",
            ))
            .unwrap();
        assert_eq!(by_name.matched, "display name union rep");
        assert!(
            list.matches(&email("pc@force.example", "x@notunion.example", "hello"))
                .is_none()
        );
    }

    /// The party lookups as they were before they avoided copies: every address, domain, name
    /// and subject lower-cased into a new string and looked up directly.
    fn first_party_reference(list: &Exclusions, email: &Email, extra: &[&str]) -> Option<usize> {
        let index = &list.index;
        let mut first = None;
        for value in correspondents(email) {
            let address = text::bare_address(value);
            first = earliest(first, index.addresses.get(&address));
            if let Some(domain) = text::domain_of(&address) {
                // Every party's patterns, tried in list order.
                let by_pattern = list.parties.iter().position(|p| {
                    p.party
                        .domains
                        .iter()
                        .any(|pattern| text::domain_matches(&domain, pattern))
                });
                first = earliest(first, by_pattern);
            }
        }
        let names = correspondents(email)
            .flat_map(|value| {
                text::commas(value).filter_map(|entry| {
                    let name = entry[..entry.find('<')?].trim().trim_matches('"').trim();
                    (!name.is_empty()).then_some(name)
                })
            })
            .chain(extra.iter().copied());
        for name in names {
            let key = name.trim().to_lowercase();
            first = earliest(first, index.display_names.get(&key));
        }
        if let (Some(subject), Some((automaton, parties))) =
            (email.subject.as_deref(), index.keywords.as_ref())
        {
            let subject = subject.to_lowercase();
            let cased = AhoCorasick::new(
                list.parties
                    .iter()
                    .flat_map(|p| p.subject_keywords.iter().cloned()),
            )
            .unwrap();
            assert_eq!(cased.patterns_len(), automaton.patterns_len());
            let found = cased
                .find_overlapping_iter(&subject)
                .filter_map(|m| parties.get(m.pattern().as_usize()).copied())
                .min();
            first = earliest(first, found);
        }
        first
    }

    const UNICODE_LIST: &str = "version: 1\nparties:\n  - class: first\n    reason: r\n    subject_keywords: [\"  Ärztliche Bescheinigung \", grievance, \"ſick\"]\n    display_names: [\"Zoë Ørsted\", \"  \\\"Quoted\\\" Name \"]\n  - class: second\n    reason: r\n    addresses: [\"Rep <Rep@Union.Example>\", \"zoë@exämple.org\"]\n    domains: [\"*.Union.example\", \"Exact.Example\", \"ÉCOLE.example\"]\n    display_names: [Union Rep, \"ΣΟΦΙΑ\"]\n    subject_keywords: [\"UNION REP\"]\n";

    /// Mixed case, quotes, Unicode names and subjects: the copy-free lookups find the same first
    /// party as lower-casing everything first did.
    #[test]
    fn lookups_agree_with_lowering_everything() {
        let list = Exclusions::from_yaml("test", UNICODE_LIST).unwrap();
        let values = [
            "pc@force.example",
            "REP@UNION.EXAMPLE",
            "x@North.UNION.example.",
            "\"Zoë Ørsted\" <z@elsewhere.example>",
            "ZOË ØRSTED <z@elsewhere.example>",
            "\"\"Quoted\" Name\" <q@x.example>",
            "σοφια <s@x.example>",
            "ΣΟΦΙΑ <s@x.example>",
            "Union Rep <u@x.example>, Other <o@x.example>",
            "ZOË@EXÄMPLE.ORG",
            "zoë@exämple.org",
            "a@école.example",
            "a@ÉCOLE.EXAMPLE",
            "a@exact.example",
            " <A@Exact.Example> ",
            "nobody",
            "",
        ];
        let subjects = [
            None,
            Some("hello"),
            Some("My GRIEVANCE"),
            Some("ÄRZTLICHE BESCHEINIGUNG anbei"),
            Some("ärztliche bescheinigung"),
            Some("the \u{17f}ick note"),
            Some("SICK"),
            Some("Union rep meeting"),
            Some("Zoë: union rep"),
        ];
        for from in values {
            for to in values {
                for subject in subjects {
                    let email = Email {
                        from: vec![from.into()],
                        to: vec![to.into()],
                        subject: subject.map(str::to_owned),
                        ..Email::default()
                    };
                    for extra in [&[][..], &["  zoë ørsted "][..], &["UNION REP"][..]] {
                        let names: Vec<String> = extra.iter().map(|n| (*n).to_owned()).collect();
                        assert_eq!(
                            list.first_party(
                                &mut Correspondents::of(&email),
                                names.iter().map(String::as_str)
                            ),
                            first_party_reference(&list, &email, extra),
                            "{from:?} {to:?} {subject:?} {extra:?}"
                        );
                    }
                }
            }
        }
        let by_unicode_name = list
            .matches(&email("pc@force.example", "ΣΟΦΙΑ <s@x.example>", "hi"))
            .unwrap();
        assert_eq!(by_unicode_name.class, "second");
        let by_unicode_subject = list
            .matches(&email(
                "pc@force.example",
                "a@b.example",
                "ÄRZTLICHE Bescheinigung",
            ))
            .unwrap();
        assert_eq!(by_unicode_subject.class, "first");
        let by_mixed_case_domain = list
            .matches(&email(
                "pc@force.example",
                "Pat <Pat@Mail.Union.EXAMPLE>",
                "hi",
            ))
            .unwrap();
        assert_eq!(by_mixed_case_domain.matched, "domain mail.union.example");
        // Capitals outside ASCII are lowered on both sides, as in display names.
        let by_unicode_address = list
            .matches(&email("pc@force.example", "Zoë <ZOË@EXÄMPLE.ORG>", "hi"))
            .unwrap();
        assert_eq!(by_unicode_address.matched, "address zoë@exämple.org");
        let by_ascii_form = list
            .matches(&email("pc@force.example", "zoë@xn--exmple-cua.org", "hi"))
            .unwrap();
        assert_eq!(by_ascii_form.matched, "address zoë@exämple.org");
        // An internationalised domain matches in either form, and is named as registered.
        for to in [
            "a@école.example",
            "a@École.EXAMPLE",
            "a@xn--cole-9oa.example",
            "A@XN--COLE-9OA.EXAMPLE",
        ] {
            let by_unicode_domain = list.matches(&email("pc@force.example", to, "hi"));
            assert_eq!(
                by_unicode_domain.map(|e| e.matched).as_deref(),
                Some("domain école.example"),
                "{to}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn lookups_agree_on_any_correspondents(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("Rep@Union.Example".to_owned()),
                    proptest::strategy::Just("union.example".to_owned()),
                    proptest::strategy::Just("Union Rep".to_owned()),
                    proptest::strategy::Just("ΣΟΦΙΑ".to_owned()),
                    proptest::strategy::Just("grievance".to_owned()),
                    proptest::strategy::Just("exact.example".to_owned()),
                    proptest::strategy::Just("<".to_owned()),
                    proptest::strategy::Just(">".to_owned()),
                    proptest::strategy::Just("@".to_owned()),
                    proptest::strategy::Just(".".to_owned()),
                    proptest::strategy::Just(",".to_owned()),
                    proptest::strategy::Just("\"".to_owned()),
                    proptest::strategy::Just(" ".to_owned()),
                    "[A-Za-z]{1,3}",
                    "\\PC{0,2}",
                ],
                0..10,
            ),
            split in 0usize..10,
        ) {
            let list = Exclusions::from_yaml("test", UNICODE_LIST).unwrap();
            let split = split.min(pieces.len());
            let (left, right) = pieces.split_at(split);
            let (left, right) = (left.concat(), right.concat());
            let email = Email {
                from: vec![left.as_str().into()],
                to: vec![right.as_str().into()],
                subject: Some(format!("{left} {right}")),
                ..Email::default()
            };
            let extra = [right.as_str()];
            proptest::prop_assert_eq!(
                list.first_party(&mut Correspondents::of(&email), extra.iter().copied()),
                first_party_reference(&list, &email, &extra)
            );
        }
    }

    /// The answer of the subject automaton (matching without ASCII case) to whether any keyword
    /// is in `text`.
    fn automaton_finds_any(keywords: &[String], text: &str) -> bool {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(keywords)
            .unwrap()
            .is_match(text)
    }

    proptest::proptest! {
        /// The pairs-of-bytes filter says a keyword is in a text exactly where the subject
        /// automaton finds one, whatever the keywords (of two bytes or more; of one byte, it is
        /// not built) and wherever they fall, in any ASCII case.
        #[test]
        fn the_keyword_skip_agrees_with_the_automaton(
            keywords in proptest::collection::vec("[a-c ſé]{1,7}", 1..5),
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    (0usize..5, proptest::num::u8::ANY).prop_map(|(i, case)| (Some(i), case)),
                    proptest::strategy::Just((None, 0u8)),
                ],
                0..8,
            ),
            fillers in proptest::collection::vec("[a-cA-C ſéÉ.]{0,5}", 8),
        ) {
            let keywords: Vec<String> = keywords.iter().map(|k| k.to_lowercase()).collect();
            let mut text = String::new();
            for (n, (piece, case)) in pieces.iter().enumerate() {
                match piece {
                    Some(i) => {
                        let keyword = &keywords[i % keywords.len()];
                        // Each ASCII letter upper-cased where `case` has the bit for it.
                        text.extend(keyword.chars().enumerate().map(|(j, c)| {
                            if case >> (j % 8) & 1 == 1 { c.to_ascii_uppercase() } else { c }
                        }));
                    }
                    None => text.push_str(&fillers[n % fillers.len()]),
                }
            }
            let expected = automaton_finds_any(&keywords, &text);
            match KeywordSkip::new(&keywords) {
                Some(skip) => proptest::prop_assert_eq!(
                    skip.any_in(text.as_bytes()),
                    expected,
                    "{:?} in {:?}",
                    keywords,
                    text
                ),
                None => proptest::prop_assert!(keywords.iter().any(|k| k.len() < 2)),
            }
        }
    }

    #[test]
    fn the_keyword_skip_takes_keywords_longer_than_its_window() {
        let long = format!("{}grievance", "a".repeat(300));
        let keywords = vec![long.clone(), "x".repeat(280)];
        let skip = KeywordSkip::new(&keywords).unwrap();
        assert_eq!(skip.width, 256);
        for text in [
            long.to_uppercase(),
            format!("re: {long} and more"),
            format!("{}grievanc", "a".repeat(300)),
            "x".repeat(279),
            format!("{}X", "x".repeat(279)),
        ] {
            assert_eq!(
                skip.any_in(text.as_bytes()),
                automaton_finds_any(&keywords, &text),
                "{text}"
            );
        }
        // One keyword of one byte: no pairs to read, and the DFA filter is used instead.
        assert!(KeywordSkip::new(&["a".to_owned(), "grievance".to_owned()]).is_none());
        let list = "version: 1\nparties:\n  - class: x\n    reason: r\n    subject_keywords: [q, grievance]\n";
        let list = Exclusions::from_yaml("test", list).unwrap();
        assert!(list.index.keyword_skip.is_none() && list.index.keyword_filter.is_some());
        assert_eq!(list.index.subject_party("A Grievance"), Some(0));
        assert_eq!(list.index.subject_party("Quarterly"), Some(0));
        assert_eq!(list.index.subject_party("none here"), None);
        let defaults = Exclusions::defaults().unwrap();
        assert!(defaults.index.keyword_skip.is_some() && defaults.index.keyword_filter.is_none());
    }

    #[test]
    fn invalid_lists_are_refused() {
        let error = Exclusions::from_yaml(
            "ex.yaml",
            "version: 1\nparties:\n  - class: x\n    reason: y\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("ex.yaml") && error.contains("no addresses"),
            "{error}"
        );
        assert!(Exclusions::from_yaml("ex.yaml", "version: 2\nparties: []\n").is_err());
        assert!(Exclusions::from_yaml("ex.yaml", "version: 1\nparties: []\nextra: 1\n").is_err());
    }
}

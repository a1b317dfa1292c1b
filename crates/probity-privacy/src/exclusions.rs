//! Protected parties: legal advisers, occupational health, staff associations, welfare and
//! whistleblowing lines. A message to or from one keeps its metadata only: [`strip_content`] removes
//! the body, attachment text and (where the class demands) the subject before anything inspects or
//! stores them, and records in the event that it did and why.
//!
//! The parties are YAML ([`ExclusionList`]); an example list ships in the crate
//! (`policy/exclusions.yaml`, [`DEFAULT_EXCLUSIONS_YAML`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use probity_model::{Email, Event};
use serde::{Deserialize, Serialize};

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

/// `Event::original` keys holding address headers whose display names are matched.
const ADDRESS_HEADERS: [&str; 6] = ["From", "To", "Cc", "Bcc", "Sender", "Reply-To"];

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
    addresses: HashMap<String, usize>,
    /// Exact domains (lower case).
    domains: HashMap<String, usize>,
    /// `*.suffix` patterns, by suffix (lower case).
    suffixes: HashMap<String, usize>,
    display_names: HashMap<String, usize>,
    /// Subject keywords (lower case) and the party of each pattern.
    keywords: Option<(AhoCorasick, Vec<usize>)>,
}

impl Index {
    fn build(parties: &[CompiledParty]) -> Result<Self> {
        let mut index = Index::default();
        let mut keywords = Vec::new();
        let mut keyword_party = Vec::new();
        for (at, compiled) in parties.iter().enumerate() {
            for address in &compiled.addresses {
                index.addresses.entry(address.clone()).or_insert(at);
            }
            for pattern in &compiled.party.domains {
                let pattern = pattern.trim().to_ascii_lowercase();
                match pattern.strip_prefix("*.") {
                    Some(suffix) => index.suffixes.entry(suffix.to_owned()).or_insert(at),
                    None => index.domains.entry(pattern).or_insert(at),
                };
            }
            for name in &compiled.display_names {
                index.display_names.entry(name.clone()).or_insert(at);
            }
            for keyword in &compiled.subject_keywords {
                keywords.push(keyword.clone());
                keyword_party.push(at);
            }
        }
        if !keywords.is_empty() {
            let automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&keywords)
                .map_err(|e| Error::Invalid {
                    what: "the exclusion list".to_owned(),
                    reason: format!("subject keywords: {e}"),
                })?;
            index.keywords = Some((automaton, keyword_party));
        }
        Ok(index)
    }

    /// The first party a correspondent's bare address or domain names.
    fn address_party(&self, address: &str, domain: Option<&str>) -> Option<usize> {
        let mut first = self.addresses.get(address).copied();
        if let Some(domain) = domain {
            first = earliest(first, self.domains.get(domain).copied());
            // `*.suffix` covers the suffix itself and every subdomain of it.
            let mut rest = domain;
            loop {
                first = earliest(first, self.suffixes.get(rest).copied());
                match rest.split_once('.') {
                    Some((_, tail)) => rest = tail,
                    None => break,
                }
            }
        }
        first
    }

    /// The first party any of the subject's keywords belongs to (`subject` in lower case).
    fn subject_party(&self, subject: &str) -> Option<usize> {
        let (automaton, parties) = self.keywords.as_ref()?;
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

    /// Like [`Exclusions::matches`], also checking an event's display names (the sender's full name
    /// and the `From`, `To`, `Cc` header text kept in `Event::original`).
    pub fn matches_event(&self, event: &Event) -> Option<Exclusion> {
        let email = event.email.as_ref()?;
        let full_name = event
            .user
            .as_ref()
            .and_then(|u| u.full_name.as_ref())
            .map(|n| n.as_str());
        // One walk over the fields rather than six hashed look-ups: this runs for every message.
        let headers = event
            .original
            .iter()
            .filter(|(key, _)| ADDRESS_HEADERS.contains(&key.as_str()))
            .filter_map(|(_, value)| value.as_str());
        let extra = full_name.into_iter().chain(
            headers
                .clone()
                .flat_map(|value| value.split(',').filter_map(display_name)),
        );
        let party = self.first_party(email, extra)?;
        let mut names: Vec<String> = full_name.map(str::to_owned).into_iter().collect();
        for value in headers {
            names.extend(header_display_names(value));
        }
        self.exclusion(party, email, &names)
    }

    fn matches_with_names(&self, email: &Email, extra_names: &[String]) -> Option<Exclusion> {
        let party = self.first_party(email, extra_names.iter().map(String::as_str))?;
        self.exclusion(party, email, extra_names)
    }

    /// The first party (in list order) the message is with, by one lookup per correspondent,
    /// display name and subject.
    fn first_party<'a>(
        &self,
        email: &'a Email,
        extra_names: impl Iterator<Item = &'a str>,
    ) -> Option<usize> {
        let mut first: Option<usize> = None;
        for value in correspondents(email) {
            let address = text::bare_address(value);
            let domain = text::domain_of(&address);
            first = earliest(first, self.index.address_party(&address, domain.as_deref()));
        }
        if !self.index.display_names.is_empty() {
            let names = correspondents(email)
                .flat_map(|value| value.split(',').filter_map(display_name))
                .chain(extra_names);
            for name in names {
                let found = self.index.display_names.get(lower(name.trim()).as_ref());
                first = earliest(first, found.copied());
            }
        }
        if let Some(subject) = email.subject.as_deref() {
            first = earliest(first, self.index.subject_party(&lower(subject)));
        }
        first
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
                return Some(format!("address {address}"));
            }
            if let Some(domain) = domain
                && self
                    .party
                    .domains
                    .iter()
                    .any(|p| text::domain_matches(domain, p))
            {
                return Some(format!("domain {domain}"));
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

/// `text` in lower case, copied only when it has a capital or a non-ASCII character.
fn lower(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The earlier of two parties (by list position), either possibly absent.
fn earliest(first: Option<usize>, other: Option<usize>) -> Option<usize> {
    match (first, other) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Display names in header text such as `"Legal Services" <legal@x>, Pat <pat@y>`.
fn header_display_names(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter_map(display_name)
        .map(str::to_owned)
        .collect()
}

/// The display name of one `Name <address>` entry.
fn display_name(entry: &str) -> Option<&str> {
    let open = entry.find('<')?;
    let name = entry[..open].trim().trim_matches('"').trim();
    (!name.is_empty()).then_some(name)
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

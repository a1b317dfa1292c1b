//! Protected parties: legal advisers, occupational health, staff associations, welfare and
//! whistleblowing lines. A message to or from one keeps its metadata only: [`strip_content`] removes
//! the body, attachment text and (where the class demands) the subject before anything inspects or
//! stores them, and records in the event that it did and why.
//!
//! The parties are YAML ([`ExclusionList`]); an example list ships in the crate
//! (`policy/exclusions.yaml`, [`DEFAULT_EXCLUSIONS_YAML`]). A message's parties are its sender
//! and recipients and those of the `Sender`, `Reply-To`, resent and delivery headers
//! ([`PARTY_HEADERS`]).
//!
//! Matching is meant not to be bypassed by the ways a sender can vary what is written without
//! changing what a reader sees:
//!
//! - an address matches a listed one with its local part quoted, all of it or some
//!   (`"legal.services"@…`, `legal."services"@…`), with a dot after its domain (`…police.uk.`)
//!   and with a sub-address (`occupational.health+referral@…` matches `occupational.health@…`);
//!   a listed address may have its local part quoted too (`"occ health"@example.org`);
//! - a display name matches where a listed name's words stand in it, in order and whole, in any
//!   case, whatever separates them (`Occupational  Health`, a no-break space, `Occupational-Health`,
//!   `Occupational Health Team`, `Occupational Health (OH)`), but not inside another word
//!   (`Legal Servicesman` is not `Legal Services`), and in directory order, "Surname, Forename"
//!   (`Health, Occupational` and `Health, Occupational (OH)` are `Occupational Health`);
//! - a subject keyword matches in any subject the message carries (a second `Subject` header
//!   included), in any case, whatever whitespace, hyphens, dashes, underscores or invisible
//!   characters stand between or inside its words (`Protected<TAB>disclosure`, `whistle-blowing`
//!   for `whistleblowing`).

use std::collections::HashSet;

use aho_corasick::automaton::Automaton;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, MatchKind, dfa};
use probity_model::{Email, Event, Identity};
use serde::{Deserialize, Serialize};

use crate::correspondents::Correspondents;
use crate::domains::{DomainIndex, Keys, smaller as earliest};
use crate::forwarded::ForwardBlocks;
use crate::screen::{Read, Screen};
use crate::{Error, Result, text};

/// The example list shipped with Probity.
pub const DEFAULT_EXCLUSIONS_YAML: &str = include_str!("../policy/exclusions.yaml");

/// The tag an excluded event carries.
pub const EXCLUDED_TAG: &str = "content-excluded";
/// The label naming the protected class.
pub const EXCLUDED_LABEL: &str = "privacy.excluded";
/// The label giving the reason.
pub const EXCLUDED_REASON_LABEL: &str = "privacy.excluded_reason";

/// The headers, beside `From`, `To`, `Cc` and `Bcc`, whose addresses are parties to a message,
/// as the mail decoder keeps them in `Event::original` (spelled so, one header a string, a
/// repeated one an array). A message sent on behalf of a protected party, asking for replies to
/// go to one, resent to one or delivered to one is excluded as one from or to it is:
///
/// - `Sender` (RFC 5322 section 3.6.2) names the mailbox that sent the message for its author, and
///   `Reply-To` the one replies go to: a letter signed by a clinician and sent from the
///   occupational health mailbox, or one asking for replies to go to the party, is with the
///   party;
/// - the resent fields (RFC 5322 section 3.6.6) are the `From`, `Sender`, `To`, `Cc` and `Bcc`
///   of a message resent as it was: who resent it and to whom;
/// - `Delivered-To` (Postfix, qmail, Dovecot, Gmail), `X-Delivered-To` (Fastmail, and Postfix
///   set up to write it), `X-Original-To` (Postfix: the recipient as the sender addressed it,
///   before aliases were expanded) and `Envelope-To` (Exim) are written by the server that
///   delivered the copy and name the mailbox it was delivered to: a real recipient, a Bcc or
///   list member that the `To` and `Cc` do not show among them.
pub const PARTY_HEADERS: [&str; 11] = [
    "Sender",
    "Reply-To",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "Resent-Bcc",
    "Delivered-To",
    "X-Delivered-To",
    "X-Original-To",
    "Envelope-To",
];

/// The headers whose addresses are the parties of a message held inside another
/// ([`Exclusions::matches_headers`]): its sender and recipients and its [`PARTY_HEADERS`].
pub const HELD_PARTY_HEADERS: [&str; 15] = [
    "From",
    "To",
    "Cc",
    "Bcc",
    PARTY_HEADERS[0],
    PARTY_HEADERS[1],
    PARTY_HEADERS[2],
    PARTY_HEADERS[3],
    PARTY_HEADERS[4],
    PARTY_HEADERS[5],
    PARTY_HEADERS[6],
    PARTY_HEADERS[7],
    PARTY_HEADERS[8],
    PARTY_HEADERS[9],
    PARTY_HEADERS[10],
];

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
    /// The domains the force's mail system sends its Exchange journal reports from (Exchange
    /// Online: the tenant's default domain, often `*.onmicrosoft.com`), as [`ProtectedParty`]'s
    /// domains are written. Where any is listed, a report sent from anywhere else is taken as a
    /// person's: the recipients only its envelope names are taken back out of the message
    /// ([`Exclusions::journal_sender_trusted`]), so that a report written by hand cannot add a
    /// protected party to a message and have it excluded unread. None listed (the default): the
    /// decoder's check of the report's own address alone decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal_sender_domains: Vec<String>,
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
    /// Domains; `*.example.org` covers subdomains. An entry that would match nothing (empty, a
    /// bare `*`, a `*` elsewhere than in a leading `*.`) or is an address is refused.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Display names, matched (any case, on whole words, whatever separates them) against
    /// `Name <address>` forms and the sender's name: a display name holding a listed one's words
    /// in order (`Occupational Health Team`) matches it, as does one in directory order
    /// (`Health, Occupational`).
    #[serde(default)]
    pub display_names: Vec<String>,
    /// Words in the subject (any case, whatever whitespace, hyphens or dashes are written between
    /// or inside them) that mark the message as this class.
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
    /// The listed addresses, as [`listed_address`] gives them.
    addresses: HashSet<String>,
    /// Each listed display name as shown (trimmed, lower case) and as compared ([`name_words_in`]).
    display_names: Vec<(String, String)>,
    /// Each subject keyword as shown (trimmed, lower case) and as compared ([`letters_in`]).
    subject_keywords: Vec<(String, String)>,
}

/// Matches messages against protected parties. Build once and share.
#[derive(Debug, Clone)]
pub struct Exclusions {
    parties: Vec<CompiledParty>,
    index: Index,
    /// [`ExclusionList::journal_sender_domains`]; `None` where none is listed.
    journal_senders: Option<DomainIndex>,
    /// Finds the header blocks of messages forwarded inline in a text.
    forward_blocks: ForwardBlocks,
}

/// Every party's addresses, domains, display names and subject keywords in one lookup each, so a
/// message costs one pass whatever the length of the list. Each value is the first party (in list
/// order) that names it; the party that decides is the first one with any match, as if the
/// parties were tried one by one.
#[derive(Debug, Clone, Default)]
struct Index {
    addresses: Keys,
    domains: DomainIndex,
    /// The listed display names' words ([`name_words_in`]).
    display_names: Keys,
    /// The most words any listed display name has: the longest run of a display name's words
    /// looked up.
    display_name_words: usize,
    /// The first words of the listed display names, each with a space either side, as a
    /// [`Screen`] reading a display name as written, as [`name_words_in`] would read it
    /// ([`name_byte`]), with a space before and after it. A name that holds a listed one's words
    /// holds its first word as one of its own (whatever order its parts are read in), so an ASCII
    /// name the screen finds none in names no listed party and is passed over without being
    /// split into words and looked up (nearly every name is a person's, and this runs for every
    /// one).
    display_name_screen: Option<Screen>,
    /// Subject keywords (their letters, [`letters_in`]) and the party of each pattern.
    keywords: Option<(AhoCorasick, Vec<usize>)>,
    /// For the question asked of every subject, is any keyword in it at all: the keywords'
    /// letters as a [`Screen`] reading the subject as written, as [`letters_in`] would read it
    /// ([`keyword_byte`]), without the copy.
    keyword_screen: Option<Screen>,
    /// The same question for the subjects the screen leaves to the search (outside ASCII, or
    /// with a keyword in them), once their letters are written: the keywords' pairs of bytes
    /// ([`KeywordSkip`]), reading a few bytes of the subject rather than all.
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
            for (_, words) in &compiled.display_names {
                index.display_names.insert_first(words.clone(), at);
                let count = words.split(' ').count();
                index.display_name_words = index.display_name_words.max(count);
            }
            for (_, letters) in &compiled.subject_keywords {
                keywords.push(letters.clone());
                keyword_party.push(at);
            }
        }
        let first_words: Vec<Vec<u8>> = parties
            .iter()
            .flat_map(|compiled| &compiled.display_names)
            .filter_map(|(_, words)| words.split(' ').next())
            .map(|first| format!(" {first} ").into_bytes())
            .collect();
        index.display_name_screen = Screen::new(&first_words, name_byte);
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
            // Lowered for the screen as the automaton matches them, without ASCII case.
            let letters: Vec<Vec<u8>> = keywords
                .iter()
                .map(|k| k.as_bytes().to_ascii_lowercase())
                .collect();
            index.keyword_screen = Screen::new(&letters, keyword_byte);
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

    /// The first party any of the subject's keywords belongs to (compared by their letters in
    /// lower case, [`letters_in`]; `buffer` holds the subject's).
    fn subject_party(&self, subject: &str, buffer: &mut String) -> Option<usize> {
        let (automaton, parties) = self.keywords.as_ref()?;
        // Nearly no subject holds a keyword: an ASCII one is read once as written, with no
        // copy, and one with a keyword in it (or outside ASCII) goes on to be searched.
        if let Some(screen) = &self.keyword_screen
            && !screen.may_hold(subject.as_bytes())
        {
            return None;
        }
        let subject = letters_in(subject, buffer);
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
        crate::error::check_policy_yaml(what, yaml)?;
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
            if let Some(problem) = party
                .domains
                .iter()
                .find_map(|domain| crate::domains::domain_entry_problem(domain))
            {
                return Err(invalid(format!(
                    "party {} ({}): {problem}",
                    index + 1,
                    party.class
                )));
            }
            let mut buffer = String::new();
            parties.push(CompiledParty {
                addresses: party.addresses.iter().map(|a| listed_address(a)).collect(),
                display_names: party
                    .display_names
                    .iter()
                    .map(|n| {
                        let words = name_words_in(n, &mut buffer).to_owned();
                        (n.trim().to_lowercase(), words)
                    })
                    .filter(|(_, words)| !words.is_empty())
                    .collect(),
                subject_keywords: party
                    .subject_keywords
                    .iter()
                    .map(|k| {
                        let letters = letters_in(k, &mut buffer).to_owned();
                        (k.trim().to_lowercase(), letters)
                    })
                    .filter(|(_, letters)| !letters.is_empty())
                    .collect(),
                party,
            });
        }
        let index = Index::build(&parties)?;
        let mut journal_senders = None;
        for domain in &list.journal_sender_domains {
            if let Some(problem) = crate::domains::domain_entry_problem(domain) {
                return Err(invalid(format!("journal_sender_domains: {problem}")));
            }
            journal_senders
                .get_or_insert_with(DomainIndex::default)
                .insert_first(domain, 0);
        }
        Ok(Self {
            parties,
            index,
            journal_senders,
            forward_blocks: ForwardBlocks::new()?,
        })
    }

    /// Whether a journal report sent from `address` (its `From` or `Sender`) may add the
    /// recipients its envelope names to the message it journals: where the list names
    /// [`ExclusionList::journal_sender_domains`], only one at a listed domain may; where it names
    /// none, any may (the decoder has already checked that the address is a mail system's own).
    pub fn journal_sender_trusted(&self, address: &str) -> bool {
        let Some(domains) = &self.journal_senders else {
            return true;
        };
        text::domain_of(address).is_some_and(|domain| domains.smallest(&domain).is_some())
    }

    /// Whether the list names the domains journal reports are sent from.
    pub fn checks_journal_senders(&self) -> bool {
        self.journal_senders.is_some()
    }

    /// The protected parties as listed, in the list's order.
    pub fn parties(&self) -> impl ExactSizeIterator<Item = &ProtectedParty> {
        self.parties.iter().map(|compiled| &compiled.party)
    }

    /// The first protected party the message is to or from, if any.
    pub fn matches(&self, email: &Email) -> Option<Exclusion> {
        self.matches_with_names(email, &[])
    }

    /// Like [`Exclusions::matches`], also checking an event's display names: the sender's full
    /// name (`user.full_name`) and the names the decoder read beside the correspondents'
    /// addresses (`email.display_names`); every subject the message was sent with: the
    /// decoder keeps each `Subject` header in `original`, where a second one that
    /// `email.subject` does not hold is read too; and the addresses and names in the
    /// [`PARTY_HEADERS`] the decoder kept in `original` (a message resent or delivered to a
    /// protected party).
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
        let kept = KeptHeaders::of(event);
        let subjects = subjects_of(&kept, email);
        let party = self.first_party(
            correspondents,
            &kept.parties,
            named.clone(),
            subjects.clone(),
        )?;
        let names: Vec<String> = named.map(str::to_owned).collect();
        let subjects: Vec<&str> = subjects.collect();
        self.exclusion(party, email, &kept.parties, &names, &subjects)
    }

    /// The first protected party named by the headers of a message held inside another (an
    /// attached message, or one forwarded inline in a text), as the list matches a message's own:
    /// `headers` are (name, value) pairs as written, in any case. The values of `From`, `To`,
    /// `Cc`, `Bcc` and the [`PARTY_HEADERS`] are read as address lists (an entry with no `@`
    /// and no `<`, such as `Occupational Health`, as a display name: a forwarded header block
    /// often shows names alone; a value with neither is one name, commas and all, as
    /// `Health, Occupational`), and each `Subject` for keywords; other headers are passed over.
    /// `matched` names the header (`address occupational.health@… in From`).
    pub fn matches_headers<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    ) -> Option<Exclusion> {
        let mut parties: Vec<(&str, &str)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let mut subjects: Vec<&str> = Vec::new();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("Subject") {
                subjects.push(value);
                continue;
            }
            let Some(header) = HELD_PARTY_HEADERS
                .iter()
                .find(|header| header.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            let is_name = |entry: &str| memchr::memchr2(b'@', b'<', entry.as_bytes()).is_none();
            if is_name(value) {
                let name = text::trim(value);
                if !name.is_empty() {
                    names.push(name);
                }
                continue;
            }
            parties.push((header, value));
            names.extend(
                text::address_entries(value)
                    .map(text::trim)
                    .filter(|entry| !entry.is_empty() && is_name(entry)),
            );
        }
        let email = Email::default();
        let party = self.first_party(
            &mut Correspondents::of(&email),
            &parties,
            names.iter().copied(),
            subjects.iter().copied(),
        )?;
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        self.exclusion(party, &email, &parties, &names, &subjects)
    }

    /// Where a message with a protected party is forwarded inline in `text`, and the party: the
    /// first forwarded header block ([`crate::forwarded`]) whose `From`, `To`, `Cc`, `Bcc`,
    /// `Sender`, `Reply-To` or `Subject` lines name one ([`Exclusions::matches_headers`]). The
    /// offset is the start of the block's first line: what is below it, to the end of the text,
    /// is that message and the history it quotes. Text without a forwarding line or an Outlook
    /// header block costs one search for a few words.
    pub fn forwarded_exclusion(&self, text: &str) -> Option<(usize, Exclusion)> {
        self.forward_blocks.blocks(text).find_map(|block| {
            let headers = block
                .headers
                .iter()
                .map(|(name, value)| (*name, value.as_str()));
            self.matches_headers(headers)
                .map(|exclusion| (block.start, exclusion))
        })
    }

    fn matches_with_names(&self, email: &Email, extra_names: &[String]) -> Option<Exclusion> {
        let subjects = email.subject.as_deref();
        let party = self.first_party(
            &mut Correspondents::of(email),
            &[],
            extra_names.iter().map(String::as_str),
            subjects.into_iter(),
        )?;
        self.exclusion(party, email, &[], extra_names, &Vec::from_iter(subjects))
    }

    /// The first party (in list order) the message is with, by one lookup per correspondent
    /// (two for one written otherwise than listed addresses are, [`plain_form`]), a few per
    /// display name (one per run of its words as long as a listed name's) and one per subject.
    /// `headers`: the values of the [`PARTY_HEADERS`] the message has, by name, whose entries
    /// count as correspondents.
    fn first_party<'a>(
        &self,
        read: &mut Correspondents<'a>,
        headers: &[(&'a str, &'a str)],
        extra_names: impl Iterator<Item = &'a str>,
        subjects: impl Iterator<Item = &'a str>,
    ) -> Option<usize> {
        let email = read.email();
        // Lower-cased copies go in one buffer, and only for text with capitals: this runs for
        // every message, and most addresses are written in lower case already.
        let mut buffer = String::new();
        let mut found = Found::default();
        read.each(|value, plain| self.correspondent_party(value, plain, &mut buffer, &mut found));
        // Rare (a message resent, or kept as delivered): each entry of such a header is looked
        // up as a correspondent is.
        let entries = headers
            .iter()
            .flat_map(|(_, value)| text::address_entries(value))
            .map(text::trim)
            .filter(|entry| !entry.is_empty());
        for entry in entries.clone() {
            let plain = text::plain_address(entry);
            self.correspondent_party(entry, plain, &mut buffer, &mut found);
        }
        let Found {
            mut first,
            named_headers,
            ..
        } = found;
        if !self.index.display_names.is_empty() {
            // A plain address has no `<`, so no display name: only headers written otherwise
            // are read for names.
            if named_headers {
                let names = correspondents(email)
                    .flat_map(|value| text::address_entries(value).filter_map(display_name));
                for name in names {
                    first = earliest(first, self.display_name_party(name, &mut buffer));
                }
            }
            for name in entries.filter_map(display_name).chain(extra_names) {
                first = earliest(first, self.display_name_party(name, &mut buffer));
            }
        }
        for subject in subjects {
            first = earliest(first, self.index.subject_party(subject, &mut buffer));
        }
        first
    }

    /// Looks up one correspondent as written (`value`, [`text::plain_address`] of it in
    /// `plain`) by its address and its domain, into `found`. Inlined where it is called: once for
    /// every correspondent of every message, and once for each entry of a party header.
    #[inline(always)]
    fn correspondent_party<'a>(
        &self,
        value: &'a str,
        plain: Option<text::PlainAddress>,
        buffer: &mut String,
        found: &mut Found<'a>,
    ) {
        // As `text::bare_address` and `text::domain_of`, without their copies; most values
        // are a plain address, read in one pass (`text::plain_address`).
        let (written, address) = match plain {
            Some(plain) => (plain.domain(value), plain.key_in(value, buffer)),
            None => {
                found.named_headers = true;
                let bare = text::bare_address_in(value);
                (text::domain_in(bare), text::address_key_in(bare, buffer))
            }
        };
        let mut by_address = self.index.addresses.get(address);
        if by_address.is_none()
            && let Some(plain) = plain_form(address)
        {
            by_address = self.index.addresses.get(&plain);
        }
        found.first = earliest(found.first, by_address);
        let by_domain = match (written, found.last_domain) {
            (Some(domain), Some((last, party))) if domain == last => party,
            _ => {
                // Lowering ASCII moves no byte, so a plain value's `@` is where it was.
                let domain = match plain {
                    Some(plain) => plain.domain(address),
                    None => text::domain_in(address),
                };
                let party = domain.and_then(|d| self.index.domains.smallest(d));
                found.last_domain = written.map(|domain| (domain, party));
                party
            }
        };
        found.first = earliest(found.first, by_domain);
    }

    /// The first party a display name names: the first party of any run of the name's words
    /// ([`name_words_in`]) that is a listed name's words, or of a run that reads as one with the
    /// parts either side of a comma swapped ([`swapped_runs`]: `Health, Occupational` for
    /// `Occupational Health`). Inlined where it is called, so that the filter below passes over
    /// most names without a call.
    #[inline(always)]
    fn display_name_party(&self, name: &str, buffer: &mut String) -> Option<usize> {
        if let Some(screen) = &self.index.display_name_screen
            && !screen.may_hold_spaced(name.as_bytes())
        {
            return None;
        }
        self.words_of_name_party(name, buffer)
    }

    /// [`Exclusions::display_name_party`] for a name the filter let through.
    #[inline(never)]
    fn words_of_name_party(&self, name: &str, buffer: &mut String) -> Option<usize> {
        let first = self.words_party(name_words_in(name, buffer));
        // Nearly no name that gets here has a comma: one look at its bytes.
        if memchr::memchr(b',', name.as_bytes()).is_some() {
            return earliest(first, self.swapped_party(name));
        }
        first
    }

    /// The first party of a run of a display name's words with the parts either side of a
    /// comma swapped ([`swapped_runs`]). Out of line: few names have a comma.
    #[cold]
    #[inline(never)]
    fn swapped_party(&self, name: &str) -> Option<usize> {
        swapped_runs(name, self.index.display_name_words)
            .iter()
            .fold(None, |first, run| earliest(first, self.words_party(run)))
    }

    /// The first party of any run of `words` (as [`name_words_in`] writes them) that is a
    /// listed name's words. Inlined where it is called, as the loop it was before the swapped
    /// runs (rare) needed it too.
    #[inline(always)]
    fn words_party(&self, words: &str) -> Option<usize> {
        if words.is_empty() {
            return None;
        }
        let bytes = words.as_bytes();
        let mut first = None;
        let mut start = 0;
        loop {
            // The runs of one, two… words from `start`, up to the longest listed name's.
            let mut end = start;
            for _ in 0..self.index.display_name_words {
                end = memchr::memchr(b' ', &bytes[end..]).map_or(bytes.len(), |space| end + space);
                if let Some(run) = words.get(start..end) {
                    first = earliest(first, self.index.display_names.get(run));
                }
                if end == bytes.len() {
                    break;
                }
                end += 1;
            }
            match memchr::memchr(b' ', &bytes[start..]) {
                Some(space) => start += space + 1,
                None => break,
            }
        }
        first
    }

    /// The exclusion for `party`, naming what matched (the first party to match, so no earlier
    /// one does).
    fn exclusion(
        &self,
        party: usize,
        email: &Email,
        headers: &[(&str, &str)],
        extra_names: &[String],
        subjects: &[&str],
    ) -> Option<Exclusion> {
        let compiled = self.parties.get(party)?;
        let mut buffer = String::new();
        let subjects: Vec<String> = subjects
            .iter()
            .map(|subject| letters_in(subject, &mut buffer).to_owned())
            .collect();
        // Each name and address with the header it came from, where that is one of the
        // [`PARTY_HEADERS`] (`""` for the correspondents and the names read beside them).
        let mut names: Vec<(String, &str)> = correspondents(email)
            .flat_map(header_display_names)
            .map(|name| (name, ""))
            .collect();
        names.extend(extra_names.iter().map(|name| (name.clone(), "")));
        let mut values: Vec<(&str, &str)> = correspondents(email).map(|v| (v, "")).collect();
        for (header, value) in headers {
            for entry in text::address_entries(value).map(text::trim) {
                if !entry.is_empty() {
                    values.push((entry, header));
                }
            }
            names.extend(
                header_display_names(value)
                    .into_iter()
                    .map(|n| (n, *header)),
            );
        }
        let most_words = self.index.display_name_words;
        let names: Vec<(String, &str)> = names
            .iter()
            .flat_map(|(name, header)| {
                let words = name_words_in(name, &mut buffer).to_owned();
                std::iter::once(words)
                    .chain(swapped_runs(name, most_words))
                    .map(move |words| (words, *header))
            })
            .collect();
        let addresses: Vec<(String, Option<String>, &str)> = values
            .into_iter()
            .map(|(value, header)| {
                let address = text::bare_address(value);
                let domain = text::domain_of(&address);
                (address, domain, header)
            })
            .collect();
        let matched = compiled.find(&addresses, &subjects, &names)?;
        Some(Exclusion {
            class: compiled.party.class.clone(),
            reason: compiled.party.reason.clone(),
            matched,
            strip_subject: compiled.party.strip_subject,
        })
    }
}

impl CompiledParty {
    /// What of the message matched the party, in words naming the party's own entry (its
    /// address, domain, display name or keyword, never the message's text) and, where it was in
    /// one of the [`PARTY_HEADERS`], that header. `addresses`: each correspondent's bare address,
    /// its domain and its header; `subjects`: each subject's letters ([`letters_in`]); `names`:
    /// each display name's words ([`name_words_in`]) and its header.
    fn find(
        &self,
        addresses: &[(String, Option<String>, &str)],
        subjects: &[String],
        names: &[(String, &str)],
    ) -> Option<String> {
        let within = |header: &str| {
            if header.is_empty() {
                String::new()
            } else {
                format!(" in {header}")
            }
        };
        for (address, domain, header) in addresses {
            let listed = std::iter::once(address.clone())
                .chain(plain_form(address))
                .find(|form| self.addresses.contains(form));
            if let Some(listed) = listed {
                return Some(format!(
                    "address {}{}",
                    text::shown(&listed),
                    within(header)
                ));
            }
            if let Some(domain) = domain
                && self
                    .party
                    .domains
                    .iter()
                    .any(|p| text::domain_matches(domain, p))
            {
                return Some(format!("domain {}{}", text::shown(domain), within(header)));
            }
        }
        for (name, header) in names {
            let padded = format!(" {name} ");
            let listed = self
                .display_names
                .iter()
                .find(|(_, words)| padded.contains(&format!(" {words} ")));
            if let Some((shown, _)) = listed {
                return Some(format!("display name {shown}{}", within(header)));
            }
        }
        let (keyword, _) = self.subject_keywords.iter().find(|(_, letters)| {
            subjects
                .iter()
                .any(|subject| subject.contains(letters.as_str()))
        })?;
        Some(format!("subject keyword {keyword:?}"))
    }
}

/// What the look-ups of a message's correspondents found so far
/// ([`Exclusions::correspondent_party`]).
#[derive(Default)]
struct Found<'a> {
    /// The first party any of them named.
    first: Option<usize>,
    /// Most of a message's correspondents share a domain: the last one looked up, as written,
    /// and the party it named.
    last_domain: Option<(&'a str, Option<usize>)>,
    /// Whether a correspondent is written other than plainly, and so may hold a display name.
    named_headers: bool,
}

/// What the exclusions read of an event's `original` beyond its typed fields, found in one pass
/// over its keys (every message comes here, and `original` holds a dozen headers or so): the
/// `Subject` headers, and the values of the [`PARTY_HEADERS`] with their names.
struct KeptHeaders<'e> {
    /// Each `Subject` header the decoder kept.
    subjects: &'e [serde_json::Value],
    /// Each value of a [`PARTY_HEADERS`] header, with the header's name.
    parties: Vec<(&'e str, &'e str)>,
}

impl<'e> KeptHeaders<'e> {
    fn of(event: &'e Event) -> Self {
        let mut kept = KeptHeaders {
            subjects: &[],
            parties: Vec::new(),
        };
        for (key, value) in &event.original {
            let key = key.as_str();
            if key == "Subject" {
                kept.subjects = values_of(value);
            } else if may_be_a_party_header(key)
                && let Some(header) = PARTY_HEADERS.iter().find(|header| **header == key)
            {
                let values = values_of(value)
                    .iter()
                    .filter_map(serde_json::Value::as_str);
                kept.parties.extend(values.map(|value| (*header, value)));
            }
        }
        kept
    }
}

/// Whether `key` may be one of the [`PARTY_HEADERS`]: of their lengths, and starting with one of
/// their first letters. Of the headers nearly every message has, only `Return-Path`,
/// `References`, `Received` and `X-Mailer` pass (`Subject` is taken before), so the list is
/// compared with a few keys of a message rather than all.
fn may_be_a_party_header(key: &str) -> bool {
    (6..=14).contains(&key.len())
        && matches!(
            key.as_bytes().first(),
            Some(b'S' | b'R' | b'D' | b'X' | b'E')
        )
}

/// A header's values as the decoder keeps them: a string for one, an array for several.
fn values_of(value: &serde_json::Value) -> &[serde_json::Value] {
    match value {
        serde_json::Value::Array(values) => values,
        value @ serde_json::Value::String(_) => std::slice::from_ref(value),
        _ => &[],
    }
}

/// Every subject `email` was sent with: `email.subject`, then each `Subject` header the decoder
/// kept in `original` (`kept`) that is not the same text. A message with two `Subject` headers
/// has one of them in `email.subject` and both in `original`.
fn subjects_of<'e>(
    kept: &KeptHeaders<'e>,
    email: &'e Email,
) -> impl Iterator<Item = &'e str> + Clone {
    let kept_subject = email.subject.as_deref();
    kept_subject.into_iter().chain(
        kept.subjects
            .iter()
            .filter_map(serde_json::Value::as_str)
            .filter(move |subject| Some(*subject) != kept_subject),
    )
}

/// Whether `c` is written between or inside the words of a subject keyword without changing
/// what a reader takes them for: whitespace of any kind (a no-break space included), a control
/// character, a hyphen or dash, an underscore, or an invisible format character (a soft hyphen,
/// a zero-width space or joiner, a byte order mark).
fn is_keyword_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '-' | '_'
                | '\u{00AD}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2010}'..='\u{2015}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FEFF}'
                | '\u{FF0D}'
        )
}

/// [`is_keyword_separator`] for an ASCII byte: space and the control characters, `-` and `_`.
fn is_ascii_keyword_separator(byte: u8) -> bool {
    byte <= b' ' || byte == 0x7f || byte == b'-' || byte == b'_'
}

/// How the keyword [`Screen`] reads a subject's byte: as [`letters_in`] reads an ASCII subject
/// (separators dropped, capitals lowered); a byte outside ASCII it leaves to [`letters_in`].
fn keyword_byte(byte: u8) -> Read {
    if !byte.is_ascii() {
        Read::Unread
    } else if is_ascii_keyword_separator(byte) {
        Read::Skipped
    } else {
        Read::As(byte.to_ascii_lowercase())
    }
}

/// How the display-name [`Screen`] reads a name's byte: as [`name_words_in`] reads an ASCII name
/// (a letter or digit lowered, any other byte a separator between words); a byte outside ASCII it
/// leaves to [`name_words_in`].
fn name_byte(byte: u8) -> Read {
    if !byte.is_ascii() {
        Read::Unread
    } else if byte.is_ascii_alphanumeric() {
        Read::As(byte.to_ascii_lowercase())
    } else {
        Read::Space
    }
}

/// `text` as subject keywords are compared, in `buffer`: lower case, without any
/// [`is_keyword_separator`], so that `Protected<TAB>disclosure`, `PROTECTED  DISCLOSURE` and
/// `protected-disclosure` are one, and `whistle-blowing` is `whistleblowing`.
fn letters_in<'a>(text: &str, buffer: &'a mut String) -> &'a str {
    buffer.clear();
    if text.is_ascii() {
        // Written as bytes.
        let mut bytes = std::mem::take(buffer).into_bytes();
        bytes.reserve(text.len());
        for &b in text.as_bytes() {
            if !is_ascii_keyword_separator(b) {
                bytes.push(b.to_ascii_lowercase());
            }
        }
        // ASCII bytes are UTF-8: the conversion cannot fail.
        *buffer = String::from_utf8(bytes).unwrap_or_default();
    } else {
        for c in text.chars().filter(|&c| !is_keyword_separator(c)) {
            buffer.extend(c.to_lowercase());
        }
    }
    buffer
}

/// `name` as display names are compared, in `buffer`: its words (runs of letters and digits) in
/// lower case, one space between, whatever separated them (spaces of any kind, hyphens, quotes,
/// brackets, commas, dots), so that `"Occupational  Health"`, `Occupational-Health` and
/// `OCCUPATIONAL HEALTH (OH)` are written alike.
fn name_words_in<'a>(name: &str, buffer: &'a mut String) -> &'a str {
    buffer.clear();
    let mut between = false;
    let mut push = |c: char, buffer: &mut String| {
        if c.is_alphanumeric() {
            if between && !buffer.is_empty() {
                buffer.push(' ');
            }
            between = false;
            buffer.extend(c.to_lowercase());
        } else {
            between = true;
        }
    };
    if name.is_ascii() {
        for b in name.bytes() {
            push(char::from(b), buffer);
        }
    } else {
        for c in name.chars() {
            push(c, buffer);
        }
    }
    buffer
}

/// The runs of words a display name with commas reads as with the parts either side of a comma
/// swapped, the usual directory form ("Surname, Forename") applied to a team's name: for each
/// comma, the words of the part after it (up to the next comma) cut after each of its words,
/// followed by the words of the part before it (from the comma before), each as
/// [`name_words_in`] writes them. `Health, Occupational (OH)` reads as `occupational health`
/// and `occupational oh health`; `Federation, Police` as `police federation`.
///
/// Only runs across the swapped join are new (the rest are runs of the name as written), so each
/// keeps at most `most_words - 1` words either side of it: the list's longest name has
/// `most_words`, and a long name costs no more than its length.
fn swapped_runs(name: &str, most_words: usize) -> Vec<String> {
    let keep = most_words.saturating_sub(1);
    let mut buffer = String::new();
    let parts: Vec<Vec<String>> = name
        .split(',')
        .map(|part| {
            name_words_in(part, &mut buffer)
                .split(' ')
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let mut runs = Vec::new();
    for pair in parts.windows(2) {
        let [before, after] = pair else { continue };
        if before.is_empty() || after.is_empty() || keep == 0 {
            continue;
        }
        let head = &before[..keep.min(before.len())];
        for end in 1..=after.len() {
            let tail = &after[end.saturating_sub(keep)..end];
            runs.push(
                tail.iter()
                    .chain(head)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    runs
}

/// A listed address in the form correspondents' addresses are compared with: as
/// [`text::bare_address`] gives it, with a quoted local part unquoted and a dot after the domain
/// dropped (a sub-address written in the list is kept: it names that mailbox alone).
fn listed_address(address: &str) -> String {
    let bare = text::bare_address(address);
    unquoted_undotted(&bare).unwrap_or(bare)
}

/// A correspondent's address (as [`text::address_key`] gives it) as a listed address would be
/// written, where it is written otherwise: a quoted local part unquoted, a dot after the domain
/// dropped, and a sub-address (`occupational.health+referral@…`) dropped. `None` where it is
/// written as a listed one would be.
fn plain_form(address: &str) -> Option<String> {
    // Most addresses hold none of these: one look at their bytes.
    let bytes = address.as_bytes();
    if memchr::memchr2(b'+', b'"', bytes).is_none() && bytes.last() != Some(&b'.') {
        return None;
    }
    let undotted = unquoted_undotted(address);
    let form = undotted.as_deref().unwrap_or(address);
    let at = memchr::memrchr(b'@', form.as_bytes())?;
    let (local, domain) = (&form[..at], &form[at..]);
    match local.find('+') {
        Some(plus) if plus > 0 => Some(format!("{}{domain}", &local[..plus])),
        _ => undotted,
    }
}

/// `address` with the quoting taken out of its local part and dots after its domain dropped;
/// `None` where it has neither. A local part is one mailbox however much of it is quoted
/// (RFC 5321 4.1.2): `"legal.services"@x`, `legal."services"@x` and `"legal\.services"@x` are
/// all `legal.services@x`, and `"occ health"@x` is `occ health@x`.
fn unquoted_undotted(address: &str) -> Option<String> {
    let undotted = address.trim_end_matches('.');
    let at = memchr::memrchr(b'@', undotted.as_bytes());
    let unquoted = at.and_then(|at| {
        let (local, domain) = undotted.split_at(at);
        memchr::memchr(b'"', local.as_bytes())?;
        Some(format!("{}{domain}", unquoted_local_part(local)))
    });
    match unquoted {
        Some(unquoted) => Some(unquoted),
        None if undotted.len() < address.len() => Some(undotted.to_owned()),
        None => None,
    }
}

/// A local part without its quotes: each quoted string's text (a backslash escaping the
/// character after it) and the rest as written.
fn unquoted_local_part(local: &str) -> String {
    let mut unquoted = String::with_capacity(local.len());
    let mut quoted = false;
    let mut chars = local.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => unquoted.extend(chars.next()),
            _ => unquoted.push(c),
        }
    }
    unquoted
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
    text::address_entries(value)
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

    /// The headers of a message held in another are read as a message's own: addresses,
    /// domains, display names (alone too, as a forwarded header block shows them) and subject
    /// keywords, in any header of the parties, whatever case its name is written in.
    #[test]
    fn held_message_headers_match_as_a_messages_own() {
        let exclusions = Exclusions::defaults().unwrap();
        let class = |headers: &[(&str, &str)]| {
            exclusions
                .matches_headers(headers.iter().copied())
                .map(|e| (e.class, e.matched))
        };
        let officer = ("To", "alan.smith@force.police.uk");
        for (headers, matched) in [
            (
                vec![
                    (
                        "From",
                        "Occupational Health <occupational.health@force.police.uk>",
                    ),
                    officer,
                ],
                "address occupational.health@force.police.uk in From",
            ),
            (
                vec![officer, ("reply-to", "occupational.health@force.police.uk")],
                "address occupational.health@force.police.uk in Reply-To",
            ),
            (
                vec![officer, ("Sender", "Occupational Health")],
                "display name occupational health",
            ),
            (
                vec![officer, ("From", "Health, Occupational")],
                "display name occupational health",
            ),
            (
                vec![officer, ("Subject", "Occupational Health Referral")],
                "subject keyword \"occupational health referral\"",
            ),
        ] {
            assert_eq!(
                class(&headers),
                Some(("occupational_health".to_owned(), matched.to_owned())),
                "{headers:?}"
            );
        }
        assert_eq!(
            class(&[officer, ("Cc", "Pat <rep@branch.polfed.org>")]).map(|(c, _)| c),
            Some("staff_association".to_owned())
        );
        // Officers only, and headers that name no party (a Date, a Received).
        assert_eq!(
            class(&[
                officer,
                ("From", "Sam Lane <sam.lane@force.police.uk>"),
                ("Date", "occupational.health@force.police.uk"),
                ("Subject", "rota"),
            ]),
            None
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

    /// The ways of writing a listed address, display name or keyword that change nothing a
    /// reader sees (or what mailbox the mail reaches) do not take the message out of the list;
    /// ordinary names and subjects that merely share a word with a listed one are not taken in.
    #[test]
    fn variations_in_how_parties_are_written_still_match() {
        let exclusions = Exclusions::defaults().unwrap();
        let pc = "pc@force.police.uk";
        let to = |to: &str| exclusions.matches(&email(pc, to, "hello"));
        let about = |subject: &str| exclusions.matches(&email(pc, "sgt@force.police.uk", subject));
        for name in [
            "\"Occupational  Health\" <x@y.com>",
            "\"Occupational\u{a0}Health\" <x@y.com>",
            "\"Occupational\tHealth\" <x@y.com>",
            "\"Occupational\u{2003}\u{a0} Health\" <x@y.com>",
            "\"OCCUPATIONAL HEALTH\" <x@y.com>",
            "\"Occupational-Health\" <x@y.com>",
            "\"Occupational Health (OH)\" <x@y.com>",
            "Occupational Health Team <ohteam@force.police.uk>",
            "\"Northshire Occupational Health\" <x@y.com>",
        ] {
            let found = to(name).unwrap_or_else(|| panic!("not excluded: {name}"));
            assert_eq!(found.class, "occupational_health", "{name}");
            // What matched is the list's own entry, not the message's name.
            assert_eq!(found.matched, "display name occupational health", "{name}");
        }
        for (to_address, listed) in [
            (
                "occupational.health+referral@force.police.uk",
                "occupational.health@force.police.uk",
            ),
            (
                "Occupational.Health+Referral@Force.Police.UK",
                "occupational.health@force.police.uk",
            ),
            (
                "<legal.services@force.police.uk.>",
                "legal.services@force.police.uk",
            ),
            (
                "\"legal.services\"@force.police.uk",
                "legal.services@force.police.uk",
            ),
            (
                "Pat <\"Legal.Services\"@force.police.uk.>",
                "legal.services@force.police.uk",
            ),
            // Part of the local part quoted, or a character in it escaped.
            (
                "legal.\"services\"@force.police.uk",
                "legal.services@force.police.uk",
            ),
            (
                "\"legal\\.services\"@force.police.uk",
                "legal.services@force.police.uk",
            ),
            (
                "\"Legal\".\"Services\"@Force.Police.UK.",
                "legal.services@force.police.uk",
            ),
        ] {
            let found = to(to_address).unwrap_or_else(|| panic!("not excluded: {to_address}"));
            assert_eq!(found.matched, format!("address {listed}"), "{to_address}");
        }
        for subject in [
            "Protected  disclosure about my sergeant",
            "Protected\tdisclosure about my sergeant",
            "Protected\u{a0}disclosure about my sergeant",
            "Protected\u{200b} disclosure",
            "PROTECTED-DISCLOSURE",
            "whistle-blowing concern",
            "Whistle blowing concern",
            "WHISTLE\u{2013}BLOWING",
            "whistle\u{ad}blowing",
        ] {
            let found = about(subject).unwrap_or_else(|| panic!("not excluded: {subject:?}"));
            assert_eq!(found.class, "whistleblowing", "{subject:?}");
        }
        // A listed name's words inside another word, or only some of them, are not the name.
        for name in [
            "\"Occupational Healthcare Ltd\" <x@y.com>",
            "\"Health\" <x@y.com>",
            "\"Occupational Therapy\" <x@y.com>",
            "\"Legal Servicesman\" <x@y.com>",
            "\"Federation Police\" <x@y.com>",
            "\"Jo Unisonic\" <x@y.com>",
            "Sam Lane <occupational.healthy@force.police.uk>",
            "welfare.office@force.police.uk",
            "+welfare@force.police.uk",
        ] {
            assert_eq!(to(name), None, "{name}");
        }
        for subject in ["Protected area disclosure", "whistle", "a blowing whistle"] {
            assert_eq!(about(subject), None, "{subject}");
        }
    }

    /// A list may write an address with a quoted local part (`"occ health"@example.org`, a
    /// mailbox with a space in its name) or plainly (`oh.team@force.example`): a message's
    /// address matches it however much of its local part is quoted, but not another mailbox.
    #[test]
    fn a_quoted_local_part_matches_the_listed_address() {
        let yaml = "version: 1\nparties:\n  - class: occupational_health\n    reason: r\n    addresses: ['\"occ health\"@example.org', oh.team@force.example]\n";
        let list = Exclusions::from_yaml("test", yaml).unwrap();
        let to = |to: &str| list.matches(&email("pc@force.example", to, "hello"));
        for (to_address, listed) in [
            (
                "\"occ health\"@example.org",
                "address occ health@example.org",
            ),
            (
                "\"OCC HEALTH\"@Example.Org.",
                "address occ health@example.org",
            ),
            (
                "Pat <\"occ health\"@example.org>",
                "address occ health@example.org",
            ),
            (
                "\"occ\\ health\"@example.org",
                "address occ health@example.org",
            ),
            ("\"oh.team\"@force.example", "address oh.team@force.example"),
            ("oh.\"team\"@force.example", "address oh.team@force.example"),
            ("\"oh\".team@force.example", "address oh.team@force.example"),
            (
                "\"oh\\.team\"@force.example",
                "address oh.team@force.example",
            ),
            (
                "\"oh.team+x\"@force.example",
                "address oh.team@force.example",
            ),
        ] {
            let found = to(to_address).unwrap_or_else(|| panic!("not excluded: {to_address}"));
            assert_eq!(found.matched, listed, "{to_address}");
        }
        for to_address in [
            "occhealth@example.org",
            "\"occ  health\"@example.org",
            "\"occ health.\"@example.org",
            "@example.org",
            "@force.example",
            "\"oh team\"@force.example",
        ] {
            assert_eq!(to(to_address), None, "{to_address}");
        }
    }

    /// A listed name written in directory order, "Surname, Forename" (`"Health, Occupational"`,
    /// `"Federation, Police"`, as a force's address book lists its teams), names the party, in an
    /// address header, a decoder's display names or the sender's name; the parts of a name on
    /// either side of a comma are swapped, not its words in any order, and not across entries.
    #[test]
    fn a_listed_name_in_directory_order_matches() {
        let exclusions = Exclusions::defaults().unwrap();
        let pc = "pc@force.police.uk";
        let to = |to: &str| exclusions.matches(&email(pc, to, "hello"));
        for (name, listed) in [
            (
                "\"Health, Occupational\" <oh.team@example.org>",
                "occupational health",
            ),
            ("\"HEALTH,OCCUPATIONAL\" <x@y.com>", "occupational health"),
            (
                "\"Health, Occupational (OH)\" <x@y.com>",
                "occupational health",
            ),
            (
                "\"Health Team, Occupational\" <x@y.com>",
                "occupational health",
            ),
            (
                "Pat <p@y.com>, \"Health,  Occupational\" <x@y.com>",
                "occupational health",
            ),
            (
                "\"Federation, Police\" <rep@example.org>",
                "police federation",
            ),
            (
                "\"Association, Superintendents'\" <x@y.com>",
                "superintendents' association",
            ),
            (
                "\"Programme, Employee Assistance\" <x@y.com>",
                "employee assistance programme",
            ),
        ] {
            let found = to(name).unwrap_or_else(|| panic!("not excluded: {name}"));
            assert_eq!(found.matched, format!("display name {listed}"), "{name}");
        }
        for name in [
            "\"Health, Pat\" <x@y.com>",
            "\"Federation, Sam\" <x@y.com>",
            "\"Health Occupational\" <x@y.com>",
            "\"Health; Occupational\" <x@y.com>",
            "\"Health\" <a@y.com>, \"Occupational\" <b@y.com>",
        ] {
            assert_eq!(to(name), None, "{name}");
        }
        // The sender's name and the names a decoder read beside the addresses.
        let mut event = Event::new(
            probity_model::from_micros(1_700_000_000_000_000),
            probity_model::Provenance {
                id: probity_model::EventId::derive(probity_model::Format::Eml, b"x", 0),
                source: "file:test.eml".into(),
                format: probity_model::Format::Eml,
                ingested: probity_model::from_micros(1_700_000_000_000_000),
                location: None,
            },
        );
        event.email = Some(email(pc, "x@y.com", "hello"));
        event.user = Some(probity_model::User {
            full_name: Some("Federation, Police".into()),
            ..probity_model::User::default()
        });
        let found = exclusions.matches_event(&event).unwrap();
        assert_eq!(found.matched, "display name police federation");
        event.user = None;
        if let Some(email) = event.email.as_mut() {
            email.display_names = vec!["Sam Lane".into(), "Health, Occupational".into()];
        }
        let found = exclusions.matches_event(&event).unwrap();
        assert_eq!(found.matched, "display name occupational health");
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

    /// The party lookups written plainly: every address, domain, name and subject lower-cased
    /// into a new string and compared with every party's entries in turn.
    /// `headers`: the values of party headers, whose entries are correspondents too.
    fn first_party_reference(
        list: &Exclusions,
        email: &Email,
        extra: &[&str],
        headers: &[&str],
    ) -> Option<usize> {
        let index = &list.index;
        let mut first = None;
        let header_entries: Vec<&str> = headers
            .iter()
            .flat_map(|value| entries_reference(value))
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect();
        for value in correspondents(email).chain(header_entries.iter().copied()) {
            let address = text::bare_address(value);
            let by_address = list.parties.iter().position(|p| {
                p.addresses.contains(&address)
                    || plain_form(&address).is_some_and(|plain| p.addresses.contains(&plain))
            });
            first = earliest(first, by_address);
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
            .chain(header_entries.iter().copied())
            .flat_map(|value| {
                entries_reference(value).into_iter().filter_map(|entry| {
                    let name = entry[..entry.find('<')?].trim().trim_matches('"').trim();
                    (!name.is_empty()).then_some(name)
                })
            })
            .chain(extra.iter().copied());
        // Words: runs of letters and digits, lowered.
        let words_of = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        for name in names {
            // The name's words, and for each comma, the words after it (up to the next comma)
            // cut after each of them, then the words before it (from the comma before).
            let mut forms = vec![words_of(name)];
            let parts: Vec<Vec<String>> = name.split(',').map(words_of).collect();
            for pair in parts.windows(2) {
                for end in 1..=pair[1].len() {
                    forms.push([&pair[1][..end], &pair[0][..]].concat());
                }
            }
            let by_name = list.parties.iter().position(|p| {
                p.party.display_names.iter().any(|listed| {
                    let listed = words_of(listed);
                    !listed.is_empty()
                        && forms.iter().any(|words| {
                            let padded = format!(" {} ", words.join(" "));
                            padded.contains(&format!(" {} ", listed.join(" ")))
                        })
                })
            });
            first = earliest(first, by_name);
        }
        if let Some(subject) = email.subject.as_deref() {
            // Letters: everything but separators, lowered.
            let letters = |text: &str| -> String {
                text.chars()
                    .filter(|&c| !is_keyword_separator(c))
                    .flat_map(char::to_lowercase)
                    .collect()
            };
            let subject = letters(subject);
            let by_keyword = list.parties.iter().position(|p| {
                p.party.subject_keywords.iter().any(|keyword| {
                    let keyword = letters(keyword);
                    !keyword.is_empty() && subject.contains(&keyword)
                })
            });
            assert!(index.keywords.is_some() || by_keyword.is_none());
            first = earliest(first, by_keyword);
        }
        first
    }

    /// The entries of an address header written plainly: split at each comma outside quotes.
    fn entries_reference(value: &str) -> Vec<&str> {
        crate::text::address_entries_reference(value)
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
            "\"Union  Rep\" <u@x.example>",
            "Union\u{a0}Rep-Team <u@x.example>",
            "\"Zoë\tØrsted (home)\" <z@x.example>",
            "\"Rep, Union\" <u@x.example>",
            "\"REP,union (x)\" <u@x.example>, \"Ørsted, Zoë\" <z@x.example>",
            "\"Ørsted, a\" <z@x.example>",
            "\"Rep\"@Union.Example",
            "rep+x@union.example.",
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
            Some("union\u{a0}\u{a0}REP"),
            Some("un-ion_rep"),
            Some("GRIEV\u{ad}ANCE"),
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
                                &[],
                                names.iter().map(String::as_str),
                                email.subject.as_deref().into_iter(),
                            ),
                            first_party_reference(&list, &email, extra, &[]),
                            "{from:?} {to:?} {subject:?} {extra:?}"
                        );
                    }
                    // The recipient in a party header instead, beside the sender.
                    let only_from = Email {
                        to: Vec::new(),
                        ..email.clone()
                    };
                    assert_eq!(
                        list.first_party(
                            &mut Correspondents::of(&only_from),
                            &[("Resent-To", to)],
                            std::iter::empty(),
                            only_from.subject.as_deref().into_iter(),
                        ),
                        first_party_reference(&list, &only_from, &[], &[to]),
                        "{from:?} resent to {to:?} {subject:?}"
                    );
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
                    proptest::strategy::Just("\u{a0}".to_owned()),
                    proptest::strategy::Just("\t".to_owned()),
                    proptest::strategy::Just("-".to_owned()),
                    proptest::strategy::Just("+".to_owned()),
                    proptest::strategy::Just("Union".to_owned()),
                    proptest::strategy::Just("Rep".to_owned()),
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
                list.first_party(
                    &mut Correspondents::of(&email),
                    &[],
                    extra.iter().copied(),
                    email.subject.as_deref().into_iter(),
                ),
                first_party_reference(&list, &email, &extra, &[])
            );
            // The same pieces as the values of party headers, with no correspondents.
            let headers = [("Resent-To", left.as_str()), ("Delivered-To", right.as_str())];
            let nobody = Email::default();
            proptest::prop_assert_eq!(
                list.first_party(
                    &mut Correspondents::of(&nobody),
                    &headers,
                    std::iter::empty(),
                    std::iter::empty(),
                ),
                first_party_reference(&list, &nobody, &[], &[&left, &right])
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
        assert_eq!(
            list.index.subject_party("A Grievance", &mut String::new()),
            Some(0)
        );
        assert_eq!(
            list.index.subject_party("Quarterly", &mut String::new()),
            Some(0)
        );
        assert_eq!(
            list.index.subject_party("none here", &mut String::new()),
            None
        );
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

    #[test]
    fn journal_senders_are_trusted_only_at_a_listed_domain_where_any_is_listed() {
        let unlisted = Exclusions::defaults().unwrap();
        assert!(!unlisted.checks_journal_senders());
        assert!(unlisted.journal_sender_trusted("MicrosoftExchange329e@anywhere.example"));

        let yaml = "version: 1\nparties: []\njournal_sender_domains:\n  - force.onmicrosoft.com\n  - \"*.force.police.uk\"\n";
        let list = Exclusions::from_yaml("ex.yaml", yaml).unwrap();
        assert!(list.checks_journal_senders());
        for trusted in [
            "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.onmicrosoft.com",
            "MicrosoftExchange329e@FORCE.onmicrosoft.com.",
            "postmaster@mail.force.police.uk",
            "<postmaster@force.police.uk>",
        ] {
            assert!(list.journal_sender_trusted(trusted), "{trusted}");
        }
        for untrusted in [
            "MicrosoftExchange329e@other.onmicrosoft.com",
            "MicrosoftExchange329e@evilforce.onmicrosoft.com",
            "postmaster@force.police.uk.example",
            "postmaster",
            "",
        ] {
            assert!(!list.journal_sender_trusted(untrusted), "{untrusted}");
        }

        for bad in ["\"*\"", "a@force.police.uk", "\"\""] {
            let yaml = format!("version: 1\nparties: []\njournal_sender_domains: [{bad}]\n");
            let error = Exclusions::from_yaml("ex.yaml", &yaml)
                .unwrap_err()
                .to_string();
            assert!(error.contains("journal_sender_domains"), "{bad}: {error}");
        }
    }

    /// A list of two parties with `names` and `keywords` (the first half of each the first
    /// party's, the rest the second's), for the screens' property tests.
    fn list_of(names: &[String], keywords: &[String]) -> Exclusions {
        let party = |class: &str, first: bool| {
            let half = |items: &[String]| {
                let (before, after) = items.split_at(items.len() / 2);
                if first { before } else { after }.to_vec()
            };
            ProtectedParty {
                class: class.to_owned(),
                reason: "r".to_owned(),
                addresses: vec!["x@y.example".to_owned()],
                domains: Vec::new(),
                display_names: half(names),
                subject_keywords: half(keywords),
                strip_subject: false,
            }
        };
        let list = ExclusionList {
            version: 1,
            parties: vec![party("first", true), party("second", false)],
            journal_sender_domains: Vec::new(),
        };
        Exclusions::new("test", list).unwrap()
    }

    /// Listed names and keywords: words of a few letters (one perhaps outside ASCII) with
    /// spaces, tabs, no-break spaces, hyphens, underscores, soft hyphens, commas, dots or
    /// apostrophes between them.
    fn listed_items() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(
            "[a-cA-C]{1,3}([ \t,.'_\\-\u{a0}\u{ad}]{1,2}[a-cA-Cé]{1,3}){0,2}",
            1..5,
        )
    }

    /// Texts to look in, with the listed `items`: fillers and items (each perhaps with its
    /// ASCII letters in capitals) run together.
    fn texts_holding(items: Vec<String>) -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
        // `Ok`: a filler; `Err`: an item by its index, and whether in capitals.
        let piece = proptest::prop_oneof![
            "[a-cA-C \t,.'_\\-é\u{a0}\u{ad}]{0,6}".prop_map(Ok),
            (0usize..8, proptest::bool::ANY).prop_map(Err),
        ];
        let texts = proptest::collection::vec(proptest::collection::vec(piece, 0..5), 1..6);
        (proptest::strategy::Just(items), texts).prop_map(|(items, texts)| {
            let texts = texts
                .into_iter()
                .map(|pieces| {
                    let mut text = String::new();
                    for piece in pieces {
                        match piece {
                            Ok(filler) => text.push_str(&filler),
                            Err((i, capitals)) => {
                                let item = &items[i % items.len()];
                                if capitals {
                                    text.push_str(&item.to_ascii_uppercase());
                                } else {
                                    text.push_str(item);
                                }
                            }
                        }
                    }
                    text
                })
                .collect();
            (items, texts)
        })
    }

    proptest::proptest! {
        /// The screens in front of the display-name and subject look-ups change no answer:
        /// whatever the listed names and keywords and whatever the text (the listed ones in
        /// it or not, in capitals, with other separators, outside ASCII), the first party found
        /// with them is the one found without them.
        #[test]
        fn the_screens_change_no_answer(
            (names, name_texts) in listed_items().prop_flat_map(texts_holding),
            (keywords, subjects) in listed_items().prop_flat_map(texts_holding),
        ) {
            let screened = list_of(&names, &keywords);
            let mut plain = screened.clone();
            plain.index.display_name_screen = None;
            plain.index.keyword_screen = None;
            let mut buffer = String::new();
            for name in name_texts.iter().chain(&subjects) {
                proptest::prop_assert_eq!(
                    screened.display_name_party(name, &mut buffer),
                    plain.display_name_party(name, &mut buffer),
                    "display name {:?}",
                    name
                );
            }
            for subject in subjects.iter().chain(&name_texts) {
                proptest::prop_assert_eq!(
                    screened.index.subject_party(subject, &mut buffer),
                    plain.index.subject_party(subject, &mut buffer),
                    "subject {:?}",
                    subject
                );
            }
        }

        /// The keyword screen reads a subject as [`letters_in`] writes it: of an ASCII subject
        /// it says a keyword may be in it exactly where the subject's letters hold a keyword's
        /// letters; of any other, that one may be.
        #[test]
        fn the_keyword_screen_reads_as_letters_in(
            (keywords, subjects) in listed_items().prop_flat_map(texts_holding),
        ) {
            let list = list_of(&[], &keywords);
            let mut buffer = String::new();
            let letters: Vec<String> = keywords
                .iter()
                .map(|k| letters_in(k, &mut buffer).to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            let screen = list.index.keyword_screen.as_ref();
            proptest::prop_assert_eq!(screen.is_some(), !letters.is_empty());
            let Some(screen) = screen else { return Ok(()) };
            for subject in &subjects {
                let written = letters_in(subject, &mut buffer);
                let holds = letters.iter().any(|l| written.contains(l.as_str()));
                let expected = holds || !subject.is_ascii();
                proptest::prop_assert_eq!(screen.may_hold(subject.as_bytes()), expected, "{:?}", subject);
            }
        }

        /// The display-name screen reads a name as [`name_words_in`] writes it: of an ASCII
        /// name it says a listed name may be in it exactly where the name's words hold a listed
        /// name's first word; of any other, that one may be.
        #[test]
        fn the_name_screen_reads_as_name_words_in(
            (names, texts) in listed_items().prop_flat_map(texts_holding),
        ) {
            let list = list_of(&names, &[]);
            let mut buffer = String::new();
            let firsts: Vec<String> = names
                .iter()
                .filter_map(|n| {
                    let words = name_words_in(n, &mut buffer);
                    words.split(' ').next().filter(|w| !w.is_empty()).map(str::to_owned)
                })
                .collect();
            let screen = list.index.display_name_screen.as_ref();
            proptest::prop_assert_eq!(screen.is_some(), !firsts.is_empty());
            let Some(screen) = screen else { return Ok(()) };
            for name in &texts {
                let padded = format!(" {} ", name_words_in(name, &mut buffer));
                let holds = firsts.iter().any(|f| padded.contains(&format!(" {f} ")));
                let expected = holds || !name.is_ascii();
                proptest::prop_assert_eq!(screen.may_hold_spaced(name.as_bytes()), expected, "{:?}", name);
            }
        }
    }
}

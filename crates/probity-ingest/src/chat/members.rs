//! The members of each chat, gathered before its messages are decoded.
//!
//! A chat message names its sender and, at most, the people it @-mentions; the others in the
//! chat received it too. A member of staff's reply in a chat with occupational health names only
//! the member of staff, so without the chat's members it would be read and stored as if it were
//! to nobody. The decoders therefore read their input twice: first to gather, per conversation,
//! every person it shows in it (senders, recipients, mentions, members added or listed), then to
//! decode each message with the others of its conversation added to its recipients
//! (`email.to`, `email.display_names`), labelled `email.to_source` so that it is plain they come
//! from the chat, not from the message.
//!
//! A chat split over several files (a Teams export written one file per page or per month) is
//! joined when a caller gathers every file's members into one [`ChatMembers`] first
//! ([`crate::files::gather_chat_members`], as `probity ingest` does) and decodes each file with
//! it. A decoder given no index, or one that did not gather its input, gathers its input's own.
//!
//! Memory is bounded: at most [`MAX_CHAT_MEMBERS`] people are kept per conversation and
//! [`MAX_TRACKED_MEMBERS`] in all (for all the files gathered together). A message of a
//! conversation past either bound is labelled [`MEMBERS_INCOMPLETE_LABEL`] saying so.

use std::collections::{HashMap, HashSet};

use probity_model::{Identity, Timestamp};

use super::{ChatMessage, Person};

/// Most people kept as members of one conversation. Teams group chats hold at most 250 people
/// and a WhatsApp group 1,024, so a chat past this is a large channel or a broken export; its
/// first members (in the order the inputs show them) are kept and its messages labelled
/// [`MEMBERS_INCOMPLETE_LABEL`].
pub const MAX_CHAT_MEMBERS: usize = 1_000;

/// Most members kept for all the conversations of one index together (the one file read, or all
/// the files of a run gathered together: many small chats), so that a large export cannot
/// exhaust memory. The conversations first seen after it is reached get no members from the
/// chat, and their messages are labelled [`MEMBERS_INCOMPLETE_LABEL`].
pub const MAX_TRACKED_MEMBERS: usize = 200_000;

/// The label on a message whose conversation had more members than are kept: its recipients
/// from the chat may be incomplete.
pub const MEMBERS_INCOMPLETE_LABEL: &str = "chat.members_incomplete";

/// The `email.to_source` part for recipients added from the chat's members.
pub const CHAT_MEMBERS_SOURCE: &str = "chat-members";

/// What one mention of a person in a conversation says of when they were a member.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Evidence {
    /// Nothing of when: a member for the whole conversation (a sender or recipient of a source
    /// without system messages, a listed member, a member who left or was removed).
    Always,
    /// A member at this time (a Teams sender or mention): before it, a member only if never
    /// said to have been added later.
    At(Timestamp),
    /// Added then, by a system message (or shown the history from then).
    Added(Timestamp),
}

/// When a person was a member, as far as the inputs say.
#[derive(Debug, Clone, Copy, Default)]
struct Joined {
    /// The earliest time a system message says they were added.
    added: Option<Timestamp>,
    /// The earliest time they were seen as a member otherwise.
    seen: Option<Timestamp>,
    /// Seen as a member with no time.
    always: bool,
}

impl Joined {
    fn note(&mut self, evidence: Evidence) {
        let earliest = |kept: Option<Timestamp>, time: Timestamp| {
            Some(kept.map_or(time, |kept| kept.min(time)))
        };
        match evidence {
            Evidence::Always => self.always = true,
            Evidence::At(time) => self.seen = earliest(self.seen, time),
            Evidence::Added(time) => self.added = earliest(self.added, time),
        }
    }

    /// From when the person is a member: `None` for the whole conversation. Only a person a
    /// system message says was added has a start (the earlier of that and any message of theirs
    /// before it); anyone else may have been a member from the start, and counts so.
    fn start(&self) -> Option<Timestamp> {
        let added = self.added?;
        if self.always {
            return None;
        }
        Some(self.seen.map_or(added, |seen| seen.min(added)))
    }
}

/// The people of one conversation.
#[derive(Debug, Default)]
struct Chat {
    people: Vec<Person>,
    /// What the inputs say of when each person joined.
    joined: Vec<Joined>,
    /// Index into `people` by id, address and name (each in lower case, with a kind prefix).
    index: HashMap<String, usize>,
    /// Whether people were left out for a bound.
    incomplete: bool,
}

/// The members of each conversation of one input, or of all the inputs of a run gathered
/// together, by conversation: gathered by the chat decoders' first pass (`gather_*`), and given
/// to their second (`decode_*_with`) so that a message has the members of its chat as recipients
/// even where they appear only in another file.
///
/// Conversations are told apart by source as well as id (a Teams `chatId`, a chat NDJSON
/// `platform` and `conversation_id`, a device export's thread), so that files of different
/// kinds never share a chat. The index remembers which inputs (by their [`Context::source`])
/// were gathered into it; a decoder given an index that did not gather its input gathers its
/// own instead, so that no file is read without its own chats' members.
///
/// [`Context::source`]: crate::Context::source
#[derive(Debug, Default)]
pub struct ChatMembers {
    chats: HashMap<String, Chat>,
    /// Members kept, all conversations together.
    kept: usize,
    /// Whether the inputs had more members than [`MAX_TRACKED_MEMBERS`]: conversations not seen
    /// before it was reached are unknown, not empty.
    full: bool,
    /// The address of each account id seen with one anywhere in the inputs (by source kind and
    /// id in lower case): a member known in one chat by id alone (a Teams system message names
    /// members by id and name) is the same account as one that writes, with its address, in
    /// another.
    addresses: HashMap<String, String>,
    /// The inputs whose members were gathered in full (their `Context::source`).
    read: HashSet<String>,
}

fn key(kind: char, text: &str) -> String {
    let mut key = String::with_capacity(text.len() + 1);
    key.push(kind);
    key.push_str(&text.trim().to_lowercase());
    key
}

/// The index keys of a person: id, address, and (for a person known by no id or address) name.
fn keys(person: &Person) -> Vec<String> {
    let mut keys = Vec::with_capacity(3);
    if let Some(id) = &person.id {
        keys.push(key('i', id));
    }
    if let Some(address) = &person.address {
        keys.push(key('a', address));
    }
    if let Some(name) = &person.name {
        keys.push(key('n', name));
    }
    keys
}

/// Whether two people are the same: the same id or address, or the same name where one of them
/// is known by name only.
fn same(a: &Person, b: &Person) -> bool {
    let equal = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        _ => false,
    };
    if equal(&a.id, &b.id) || equal(&a.address, &b.address) {
        return true;
    }
    let name_only = |p: &Person| p.id.is_none() && p.address.is_none();
    (name_only(a) || name_only(b)) && equal(&a.name, &b.name)
}

impl Chat {
    /// The person already kept that `person` is, if any.
    fn find(&self, person: &Person) -> Option<usize> {
        keys(person)
            .iter()
            .filter_map(|key| self.index.get(key).copied())
            .find(|&at| self.people.get(at).is_some_and(|kept| same(kept, person)))
    }

    /// Adds a person, or fills in what was missing of one already kept (and notes what this
    /// mention says of when they joined); false when the person is new and the chat is full.
    fn add(&mut self, person: Person, evidence: Evidence, room: bool) -> Added {
        if let Some(at) = self.find(&person) {
            if let Some(joined) = self.joined.get_mut(at) {
                joined.note(evidence);
            }
            if let Some(kept) = self.people.get_mut(at) {
                kept.address = kept.address.take().or(person.address);
                kept.id = kept.id.take().or(person.id);
                kept.name = kept.name.take().or(person.name);
                for key in keys(kept) {
                    self.index.entry(key).or_insert(at);
                }
            }
            return Added::Known;
        }
        if !room || self.people.len() >= MAX_CHAT_MEMBERS {
            self.incomplete = true;
            return Added::Full;
        }
        let at = self.people.len();
        for key in keys(&person) {
            self.index.entry(key).or_insert(at);
        }
        self.people.push(person);
        let mut joined = Joined::default();
        joined.note(evidence);
        self.joined.push(joined);
        Added::New
    }
}

enum Added {
    New,
    Known,
    Full,
}

/// The kind of source a conversation key belongs to: the part before its first separator.
fn kind_of(conversation: &str) -> &str {
    conversation
        .split_once(KEY_SEPARATOR)
        .map_or(conversation, |(kind, _)| kind)
}

/// The separator between the parts of a conversation key.
pub(crate) const KEY_SEPARATOR: char = '\u{1f}';

/// The key of an account id: the kind of source it was seen in, and the id in lower case.
fn id_key(conversation: &str, id: &str) -> String {
    format!(
        "{}{KEY_SEPARATOR}{}",
        kind_of(conversation),
        id.trim().to_lowercase()
    )
}

impl ChatMembers {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the members of the input `source` (a [`crate::Context::source`]) were gathered
    /// into this index in full.
    pub fn has_read(&self, source: &str) -> bool {
        self.read.contains(source)
    }

    /// The index to decode the input `source` with: `given` where it gathered `source`
    /// ([`ChatMembers::has_read`]); else `own`, filled by `gather` with the input's own members
    /// (a decoder given no index, or one that did not gather its input).
    pub(crate) fn for_input<'a>(
        given: Option<&'a ChatMembers>,
        source: &str,
        own: &'a mut ChatMembers,
        gather: impl FnOnce(&mut ChatMembers) -> crate::Result<()>,
    ) -> crate::Result<&'a ChatMembers> {
        if let Some(given) = given.filter(|given| given.has_read(source)) {
            return Ok(given);
        }
        gather(own)?;
        Ok(own)
    }

    /// Notes that the members of the input `source` have all been gathered.
    pub(crate) fn mark_read(&mut self, source: &str) {
        self.read.insert(source.to_owned());
    }

    /// How many conversations have members kept.
    pub fn conversations(&self) -> usize {
        self.chats.len()
    }

    /// How many members are kept, all conversations together.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Notes that `person` is in `conversation`, for all its messages.
    pub(super) fn add(&mut self, conversation: &str, person: Person) {
        self.add_seen(conversation, person, Evidence::Always);
    }

    /// Notes that `person` is in `conversation`, with what this says of when they joined.
    pub(super) fn add_seen(&mut self, conversation: &str, person: Person, evidence: Evidence) {
        if person.identity().is_none() {
            return;
        }
        let room = self.kept < MAX_TRACKED_MEMBERS;
        if let (Some(id), Some(address)) = (&person.id, &person.address)
            && self.addresses.len() < MAX_TRACKED_MEMBERS
        {
            self.addresses
                .entry(id_key(conversation, id))
                .or_insert_with(|| address.clone());
        }
        let chat = match self.chats.get_mut(conversation) {
            Some(chat) => chat,
            None if room => self.chats.entry(conversation.to_owned()).or_default(),
            None => {
                self.full = true;
                return;
            }
        };
        match chat.add(person, evidence, room) {
            Added::New => self.kept += 1,
            Added::Known => {}
            Added::Full => self.full |= !room,
        }
    }

    /// A member known by id alone with the address the inputs give that id elsewhere (in a
    /// conversation of the same kind of source).
    fn resolve<'a>(&self, conversation: &str, member: &'a Person) -> std::borrow::Cow<'a, Person> {
        let found = match (&member.address, &member.id) {
            (None, Some(id)) => self.addresses.get(&id_key(conversation, id)),
            _ => None,
        };
        match found {
            Some(address) => std::borrow::Cow::Owned(Person {
                address: Some(address.clone()),
                ..member.clone()
            }),
            None => std::borrow::Cow::Borrowed(member),
        }
    }

    /// Adds the other members of `conversation` to the message's recipients (after its own), each
    /// once, with their names in `email.display_names`, and labels where they came from:
    /// `email.to_source` is [`CHAT_MEMBERS_SOURCE`] after the source of the message's own
    /// recipients (`mentions+chat-members`, `message+chat-members`), or alone.
    pub(super) fn add_to(&self, conversation: Option<&str>, message: &mut ChatMessage) {
        let Some(conversation) = conversation else {
            return;
        };
        let Some(chat) = self.chats.get(conversation) else {
            if self.full {
                message.label(
                    MEMBERS_INCOMPLETE_LABEL,
                    format!(
                        "the input has more chat members than are gathered ({MAX_TRACKED_MEMBERS}); \
                         this chat's members are not added as recipients"
                    ),
                );
            }
            return;
        };
        let own = message.to.len();
        // Sets, so that a chat of many members costs each message a pass, not a pass per member.
        let mut to: HashSet<String> = message.to.iter().map(|i| i.as_str().to_owned()).collect();
        let mut names: HashSet<String> = message
            .display_names
            .iter()
            .map(|i| i.as_str().to_owned())
            .collect();
        for (member, joined) in chat.people.iter().zip(&chat.joined) {
            // A member added after the message was sent did not receive it (a message without a
            // time is taken to have).
            let later = joined
                .start()
                .zip(message.timestamp)
                .is_some_and(|(start, sent)| sent < start);
            if later {
                continue;
            }
            let member = &self.resolve(conversation, member);
            if message.sender.as_ref().is_some_and(|s| same(s, member)) {
                continue;
            }
            let Some(identity) = member.identity() else {
                continue;
            };
            if to.insert(identity.as_str().to_owned()) {
                message.to.push(identity);
            }
            if let Some(name) = member.name.as_deref().and_then(super::non_empty)
                && names.insert(name.clone())
            {
                message.display_names.push(Identity::from(name));
            }
        }
        if chat.incomplete {
            message.label(
                MEMBERS_INCOMPLETE_LABEL,
                format!(
                    "the chat has more members than are gathered ({MAX_CHAT_MEMBERS} per chat, \
                     {MAX_TRACKED_MEMBERS} in all); the first are added as recipients"
                ),
            );
        }
        if message.to.len() == own {
            return;
        }
        let source = match (message.labels.get(TO_SOURCE_LABEL), own) {
            (Some(source), _) => format!("{source}+{CHAT_MEMBERS_SOURCE}"),
            (None, 0) => CHAT_MEMBERS_SOURCE.to_owned(),
            (None, _) => format!("message+{CHAT_MEMBERS_SOURCE}"),
        };
        message.label(TO_SOURCE_LABEL, source);
    }
}

/// The label saying where a chat message's recipients came from.
pub const TO_SOURCE_LABEL: &str = "email.to_source";

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(message: &ChatMessage) -> Vec<&str> {
        message.to.iter().map(Identity::as_str).collect()
    }

    fn person(address: Option<&str>, id: Option<&str>, name: Option<&str>) -> Person {
        Person {
            address: address.map(str::to_owned),
            id: id.map(str::to_owned),
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn a_member_seen_by_id_and_later_by_address_is_one_person() {
        let mut members = ChatMembers::default();
        members.add("c", person(None, Some("u-oh"), Some("Occupational Health")));
        members.add(
            "c",
            person(
                Some("occupational.health@force.police.uk"),
                Some("u-oh"),
                Some("Occupational Health"),
            ),
        );
        members.add("c", person(Some("alan@force.police.uk"), Some("u-a"), None));
        let mut message = ChatMessage {
            sender: Some(person(Some("ALAN@force.police.uk"), None, None)),
            ..ChatMessage::default()
        };
        members.add_to(Some("c"), &mut message);
        assert_eq!(ids(&message), ["occupational.health@force.police.uk"]);
        assert_eq!(message.labels[TO_SOURCE_LABEL], CHAT_MEMBERS_SOURCE);
        assert_eq!(message.display_names[0].as_str(), "Occupational Health");
        // Another chat, or none, gets nothing.
        let mut other = ChatMessage::default();
        members.add_to(Some("d"), &mut other);
        members.add_to(None, &mut other);
        assert!(other.to.is_empty() && other.labels.is_empty());
    }

    #[test]
    fn an_id_seen_with_an_address_in_another_chat_has_it() {
        let mut members = ChatMembers::default();
        members.add(
            "teams\u{1f}a",
            person(Some("oh@force.police.uk"), Some("U-OH"), Some("OH")),
        );
        members.add("teams\u{1f}b", person(None, Some("u-oh"), Some("OH")));
        members.add("chat\u{1f}b", person(None, Some("u-oh"), Some("OH")));
        let mut message = ChatMessage::default();
        members.add_to(Some("teams\u{1f}b"), &mut message);
        assert_eq!(ids(&message), ["oh@force.police.uk"]);
        // An id of another kind of source is another account.
        let mut message = ChatMessage::default();
        members.add_to(Some("chat\u{1f}b"), &mut message);
        assert_eq!(ids(&message), ["u-oh"]);
    }

    #[test]
    fn a_member_added_later_did_not_receive_the_earlier_messages() {
        let at = |minute: u32| {
            chrono::DateTime::parse_from_rfc3339(&format!("2024-05-06T10:{minute:02}:00Z"))
                .unwrap()
                .to_utc()
        };
        let mut members = ChatMembers::default();
        let oh = || person(Some("oh@x.uk"), None, None);
        let kim = || person(Some("kim@x.uk"), None, None);
        let jo = || person(Some("jo@x.uk"), None, None);
        members.add_seen("c", oh(), Evidence::Added(at(10)));
        // Writing after being added says nothing more; writing before it, that they were a
        // member then.
        members.add_seen("c", oh(), Evidence::At(at(12)));
        members.add_seen("c", jo(), Evidence::Added(at(10)));
        members.add_seen("c", jo(), Evidence::At(at(8)));
        // Listed with no time: a member for all of it.
        members.add_seen("c", kim(), Evidence::Added(at(10)));
        members.add("c", kim());
        let mut early = ChatMessage {
            timestamp: Some(at(1)),
            ..ChatMessage::default()
        };
        members.add_to(Some("c"), &mut early);
        assert_eq!(ids(&early), ["kim@x.uk"]);
        let mut before = ChatMessage {
            timestamp: Some(at(9)),
            ..ChatMessage::default()
        };
        members.add_to(Some("c"), &mut before);
        assert_eq!(ids(&before), ["jo@x.uk", "kim@x.uk"]);
        for time in [Some(at(10)), Some(at(11)), None] {
            let mut after = ChatMessage {
                timestamp: time,
                ..ChatMessage::default()
            };
            members.add_to(Some("c"), &mut after);
            assert_eq!(ids(&after), ["oh@x.uk", "jo@x.uk", "kim@x.uk"]);
        }
    }

    #[test]
    fn a_chat_past_the_bound_keeps_its_first_members_and_says_so() {
        let mut members = ChatMembers::default();
        for n in 0..MAX_CHAT_MEMBERS + 50 {
            members.add("big", person(Some(&format!("p{n}@x.uk")), None, None));
        }
        members.add("small", person(Some("a@x.uk"), None, None));
        let mut message = ChatMessage::default();
        members.add_to(Some("big"), &mut message);
        assert_eq!(message.to.len(), MAX_CHAT_MEMBERS);
        assert!(message.labels.contains_key(MEMBERS_INCOMPLETE_LABEL));
        let mut message = ChatMessage::default();
        members.add_to(Some("small"), &mut message);
        assert_eq!(ids(&message), ["a@x.uk"]);
        assert!(!message.labels.contains_key(MEMBERS_INCOMPLETE_LABEL));
    }

    #[test]
    fn the_file_wide_bound_stops_new_chats_and_labels_them() {
        let mut members = ChatMembers::default();
        for chat in 0..=MAX_TRACKED_MEMBERS / MAX_CHAT_MEMBERS {
            for n in 0..MAX_CHAT_MEMBERS {
                members.add(
                    &format!("c{chat}"),
                    person(Some(&format!("p{n}@x")), None, None),
                );
            }
        }
        assert_eq!(members.kept, MAX_TRACKED_MEMBERS);
        let mut message = ChatMessage::default();
        members.add_to(Some("c0"), &mut message);
        assert_eq!(message.to.len(), MAX_CHAT_MEMBERS);
        assert!(!message.labels.contains_key(MEMBERS_INCOMPLETE_LABEL));
        let mut message = ChatMessage::default();
        members.add_to(Some("never-kept"), &mut message);
        assert!(message.to.is_empty());
        assert!(message.labels.contains_key(MEMBERS_INCOMPLETE_LABEL));
    }

    #[test]
    fn recipients_of_the_message_come_first_and_the_source_says_both() {
        let mut members = ChatMembers::default();
        members.add("c", person(Some("kim@x.uk"), None, Some("Kim")));
        members.add("c", person(Some("oh@x.uk"), None, Some("OH")));
        let mut message = ChatMessage::default();
        message.to.push(Identity::from("kim@x.uk"));
        message.label(TO_SOURCE_LABEL, "mentions");
        members.add_to(Some("c"), &mut message);
        assert_eq!(ids(&message), ["kim@x.uk", "oh@x.uk"]);
        assert_eq!(message.labels[TO_SOURCE_LABEL], "mentions+chat-members");
        let mut message = ChatMessage::default();
        message.to.push(Identity::from("kim@x.uk"));
        members.add_to(Some("c"), &mut message);
        assert_eq!(message.labels[TO_SOURCE_LABEL], "message+chat-members");
    }
}

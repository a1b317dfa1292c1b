//! WhatsApp's own chat export ("Export chat"): one chat as text, a message per line (docs/messages.md).
//!
//! Each message begins a line with its date and time, then its sender and text:
//!
//! ```text
//! [06/05/2024, 10:00:03] Alan Smith: text          (iPhone)
//! 06/05/2024, 10:00 - Alan Smith: text             (Android)
//! 5/6/24, 10:00 AM - Alan Smith: text              (12-hour clock, month first)
//! ```
//!
//! A line that does not begin so continues the message above (a message of several lines). A
//! line without a sender (`06/05/2024, 10:00 - Messages and calls are end-to-end encrypted…`, or
//! on an iPhone such a notice under the chat's name) is WhatsApp's own, kept as an event labelled
//! `chat.message_type=system`. Files the export left out (`<Media omitted>`, `image omitted`) or
//! names (`<attached: 00000012-PHOTO-….jpg>`, `IMG-….jpg (file attached)`) are attachments
//! without content.
//!
//! The export is of one chat, so every other person who posts in it received each message: they
//! are its recipients, with the chat's name where the file's name gives it (`WhatsApp Chat with
//! NAME.txt`), which is the other party of a chat between two (or a group's name). Times are the
//! phone's wall-clock time, read in the force's zone, and the order of day and month is decided
//! for the whole file ([`super::localtime`]).

use std::path::Path;

use probity_model::{Attachment, File, Format, Identity};
use serde_json::{Map, Value};

use super::localtime::{
    DATE_ORDER_ASSUMED_LABEL, DATE_ORDER_LABEL, FORCE_ZONE_NAME, LocalTime, OrderVotes,
    TIME_ZONE_LABEL, is_space, parse_clock, parse_date,
};
use super::members::{MAX_CHAT_MEMBERS, MEMBERS_INCOMPLETE_LABEL};
use super::{ChatMessage, Person, Shape, is_phone_like, non_empty};
use crate::{Context, Result, Sink};

const SHAPE: Shape = Shape {
    format: Format::Sms,
    dataset: "whatsapp",
    category: "message",
};

/// `chat.application` of every message read here.
const APPLICATION: &str = "WhatsApp";

/// Longest sender name read before `: ` (a longer run is text of a line without a sender).
const MAX_NAME_BYTES: usize = 120;

/// Invisible marks WhatsApp writes before some lines and texts (left-to-right and right-to-left
/// marks), and a byte order mark.
const MARKS: [char; 3] = ['\u{200e}', '\u{200f}', '\u{feff}'];

/// What an iPhone export writes, under the chat's name, for a notice of WhatsApp's own: the text
/// starts with a left-to-right mark and says one of these.
const NOTICES: [&str; 14] = [
    "end-to-end encrypted",
    "end-to-end encryption",
    "security code",
    "created group",
    "created this group",
    " added ",
    " removed ",
    " left",
    "changed the subject",
    "changed this group",
    "changed the group",
    "joined using",
    "changed their phone number",
    "disappearing messages",
];

/// Whether the first line of `head` that is not blank begins a WhatsApp message.
pub(crate) fn looks_like_whatsapp(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .map(|line| line.trim_start_matches(MARKS))
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| header(line).is_some())
}

/// Whether a file is named as WhatsApp names its exports: `WhatsApp Chat with NAME.txt`,
/// `WhatsApp Chat - NAME.txt`, or `_chat.txt` (inside an iPhone's export).
pub(crate) fn is_whatsapp_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower == "_chat.txt" || (lower.starts_with("whatsapp chat") && lower.ends_with(".txt"))
}

/// The chat a file's name names (`WhatsApp Chat with Karen Whitfield.txt`, `WhatsApp Chat -
/// Late turn.txt`), if it is named so.
pub fn chat_name_of(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let lower = stem.to_ascii_lowercase();
    let prefix = ["whatsapp chat with ", "whatsapp chat - "]
        .into_iter()
        .find(|prefix| lower.starts_with(prefix))?;
    let name = stem.get(prefix.len()..)?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The start of a message line: when, as written and read, and what follows.
struct Header<'a> {
    local: LocalTime,
    date: &'a str,
    time: &'a str,
    rest: &'a str,
}

/// Reads the date and time that begin a message line: `[DATE, TIME] ` (iPhone) or
/// `DATE, TIME - ` (Android), the comma optional.
fn header(line: &str) -> Option<Header<'_>> {
    let line = line.trim_start_matches(MARKS);
    let (inner, bracketed) = match line.strip_prefix('[') {
        Some(inner) => (inner, true),
        None => (line, false),
    };
    let (date, at) = parse_date(inner)?;
    let date_text = &inner[..at];
    let after = &inner[at..];
    let after = after.strip_prefix(',').unwrap_or(after);
    let spaced = after.trim_start_matches(is_space);
    if spaced.len() == after.len() {
        return None;
    }
    let (time, at) = parse_clock(spaced)?;
    let time_text = &spaced[..at];
    let after = spaced[at..].trim_start_matches(is_space);
    let rest = if bracketed {
        after.strip_prefix(']')?
    } else {
        after
            .strip_prefix('-')
            .or_else(|| after.strip_prefix('\u{2013}'))?
    };
    // A space must follow (`] ` or ` - `), unless the line ends there.
    let rest = match rest.chars().next() {
        None => rest,
        Some(c) if is_space(c) => rest.trim_start_matches(is_space),
        Some(_) => return None,
    };
    Some(Header {
        local: LocalTime::new(date, time),
        date: date_text,
        time: time_text,
        rest,
    })
}

/// The sender and text of what follows a message line's time, or `None` for a line of
/// WhatsApp's own (no sender before `: `).
fn sender_and_text(rest: &str) -> Option<(&str, &str)> {
    let (name, text) = match rest.find(": ") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest.strip_suffix(':')?, ""),
    };
    let name = name
        .trim_start_matches(MARKS)
        .trim_start_matches('~')
        .trim_matches(is_space)
        .trim_matches(MARKS);
    let plausible = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && !name.contains(['"', '\u{201c}', '\u{201d}']);
    plausible.then_some((name, text))
}

/// One message as read from its lines.
struct Entry {
    first_line: usize,
    last_line: usize,
    /// The message's bytes in the file.
    start: usize,
    end: usize,
    local: LocalTime,
    date: String,
    time: String,
    sender: Option<String>,
    text: String,
    bad_utf8: bool,
}

impl Entry {
    fn location(&self) -> String {
        if self.first_line == self.last_line {
            format!("line {}", self.first_line)
        } else {
            format!("lines {}-{}", self.first_line, self.last_line)
        }
    }
}

/// Lines before the first message.
struct Preamble {
    first_line: usize,
    last_line: usize,
    end: usize,
}

/// Decodes a WhatsApp chat export held in memory; `chat` is the chat's name where the file's
/// name gives it ([`chat_name_of`]). One event per message; one dead letter for any lines before
/// the first message (the whole file, if no line begins a message), and one per message whose
/// date cannot be read or that is over the event size limit.
pub fn decode_whatsapp(
    bytes: &[u8],
    chat: Option<&str>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let (entries, preamble) = read_entries(bytes);
    if let Some(preamble) = preamble {
        let reason = if entries.is_empty() {
            "not a WhatsApp chat export: no line begins with a date and time as WhatsApp writes them (\"[06/05/2024, 10:00:00] Name: text\" or \"06/05/2024, 10:00 - Name: text\")".to_owned()
        } else {
            format!(
                "{} line(s) before the first message of the WhatsApp export are not part of a message",
                preamble.last_line - preamble.first_line + 1
            )
        };
        let location = Some(format!(
            "lines {}-{}",
            preamble.first_line, preamble.last_line
        ));
        let raw = &bytes[..preamble.end];
        sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw))?;
    }
    let mut votes = OrderVotes::default();
    for entry in &entries {
        votes.add(&entry.local.date);
    }
    let (order, assumed) = votes.decide();
    // Everyone who posts, in the order they first do, up to the bound on a chat's members (a
    // file past it is no real chat; its messages say so).
    let mut posters: Vec<&str> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut too_many = false;
    for entry in &entries {
        if let Some(sender) = entry.sender.as_deref()
            && seen.insert(sender)
        {
            if posters.len() < MAX_CHAT_MEMBERS {
                posters.push(sender);
            } else {
                too_many = true;
                seen.remove(sender);
            }
        }
    }
    let limit = ctx.limits.max_event_bytes;
    for entry in &entries {
        let raw = &bytes[entry.start..entry.end];
        let location = Some(entry.location());
        if raw.len() > limit {
            let reason = format!(
                "message of {} bytes is longer than the {limit} byte event limit",
                raw.len()
            );
            sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw))?;
            continue;
        }
        let resolved = match entry.local.resolve(order) {
            Ok(resolved) => resolved,
            Err(why) => {
                let reason = format!("date and time \"{}, {}\" {why}", entry.date, entry.time);
                sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw))?;
                continue;
            }
        };
        let mut message = message(entry, chat, &posters);
        if too_many {
            message.label(
                MEMBERS_INCOMPLETE_LABEL,
                format!(
                    "the chat has more members than are gathered ({MAX_CHAT_MEMBERS}); the first \
                     are added as recipients"
                ),
            );
        }
        message.timestamp = Some(resolved.instant);
        if entry.local.date.is_ambiguous_form() {
            message.label(DATE_ORDER_LABEL, order.name());
            if let Some(why) = assumed {
                message.label(DATE_ORDER_ASSUMED_LABEL, why);
            }
        }
        if resolved.in_force_zone {
            message.label(TIME_ZONE_LABEL, FORCE_ZONE_NAME);
        }
        sink.event(message.into_event(SHAPE, raw, ctx, location))?;
    }
    Ok(())
}

/// The messages of an export, and the lines before the first one, if any are not blank.
fn read_entries(bytes: &[u8]) -> (Vec<Entry>, Option<Preamble>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut preamble: Option<Preamble> = None;
    let mut offset = 0;
    let mut number = 0;
    for piece in bytes.split_inclusive(|b| *b == b'\n') {
        number += 1;
        let start = offset;
        offset += piece.len();
        let line_bytes = piece.strip_suffix(b"\n").unwrap_or(piece);
        let line_bytes = line_bytes.strip_suffix(b"\r").unwrap_or(line_bytes);
        let bad_utf8 = std::str::from_utf8(line_bytes).is_err();
        let line = String::from_utf8_lossy(line_bytes);
        let blank = line.trim_matches(MARKS).trim().is_empty();
        if let Some(found) = header(&line) {
            let (sender, text) = match sender_and_text(found.rest) {
                Some((sender, text)) if !is_notice(text) => (Some(sender.to_owned()), text),
                _ => (None, found.rest),
            };
            entries.push(Entry {
                first_line: number,
                last_line: number,
                start,
                end: start + line_bytes.len(),
                local: found.local,
                date: found.date.to_owned(),
                time: found.time.to_owned(),
                sender,
                text: text.to_owned(),
                bad_utf8,
            });
            continue;
        }
        match entries.last_mut() {
            Some(entry) => {
                entry.text.push('\n');
                entry.text.push_str(&line);
                entry.bad_utf8 |= bad_utf8;
                if !blank {
                    entry.last_line = number;
                    entry.end = start + line_bytes.len();
                }
            }
            None if blank && preamble.is_none() => {}
            None => {
                let part = preamble.get_or_insert(Preamble {
                    first_line: number,
                    last_line: number,
                    end: offset,
                });
                part.last_line = number;
                part.end = offset;
            }
        }
    }
    (entries, preamble)
}

/// Whether an iPhone line's text is a notice of WhatsApp's own, written under the chat's name.
fn is_notice(text: &str) -> bool {
    let Some(notice) = text.strip_prefix(MARKS) else {
        return false;
    };
    let lower = notice.to_lowercase();
    NOTICES.iter().any(|phrase| lower.contains(phrase))
}

/// One entry as a message: its sender, the chat's other parties as recipients, its text and
/// the files it names. The time is set by the caller.
fn message(entry: &Entry, chat: Option<&str>, posters: &[&str]) -> ChatMessage {
    let text = entry.text.replace(MARKS, "");
    let text = text.trim_end();
    let mut message = ChatMessage {
        sender: entry.sender.as_deref().map(person),
        subject: chat.map(str::to_owned),
        text: (!text.trim().is_empty()).then(|| text.to_owned()),
        attachments: attachments(text),
        ..ChatMessage::default()
    };
    message.label("chat.application", APPLICATION);
    if let Some(chat) = chat {
        message.label("chat.conversation_id", chat);
    }
    match entry.sender.as_deref() {
        None => message.label("chat.message_type", "system"),
        Some(sender) => {
            let parties = posters
                .iter()
                .copied()
                .chain(chat)
                .filter(|party| *party != sender);
            // A set, so that a chat of many members costs each message one pass over them.
            let mut added = std::collections::HashSet::new();
            for party in parties {
                if !added.insert(party) {
                    continue;
                }
                let identity = person(party)
                    .identity()
                    .unwrap_or_else(|| Identity::from(party));
                message.to.push(identity);
                if !is_phone_like(party) && non_empty(party).is_some() {
                    message.display_names.push(Identity::from(party.trim()));
                }
            }
            if !message.to.is_empty() {
                message.label("email.to_source", "chat-members");
            }
        }
    }
    let trimmed = text.trim();
    if trimmed == "This message was deleted" || trimmed == "You deleted this message" {
        message.label("chat.deleted", "true");
    }
    if trimmed.ends_with("<This message was edited>") {
        message.label("chat.edited", "true");
    }
    if entry.bad_utf8 {
        message.label("chat.encoding_problem", "true");
    }
    message.original = original(entry, chat, text);
    message
}

/// A name as WhatsApp shows it: a phone number for someone not in the phone's contacts, else a
/// name.
fn person(name: &str) -> Person {
    if is_phone_like(name) {
        Person {
            address: Some(name.to_owned()),
            ..Person::default()
        }
    } else {
        Person {
            name: Some(name.to_owned()),
            ..Person::default()
        }
    }
}

/// The files a message's lines name or say were left out of the export.
fn attachments(text: &str) -> Vec<Attachment> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let named = line
            .strip_prefix("<attached: ")
            .and_then(|rest| rest.strip_suffix('>'))
            .or_else(|| line.strip_suffix(" (file attached)"))
            .map(str::trim)
            .filter(|name| !name.is_empty());
        if let Some(name) = named {
            found.push(Attachment {
                file: File {
                    extension: name
                        .rsplit_once('.')
                        .map(|(_, ext)| ext.to_ascii_lowercase()),
                    name: Some(name.to_owned()),
                    ..File::default()
                },
                text: None,
                extraction: Some(
                    "the export names the file; its content is not in the chat's text".into(),
                ),
            });
            continue;
        }
        let omitted = line == "<Media omitted>"
            || (line.ends_with(" omitted") && line.split_whitespace().count() <= 3);
        if omitted {
            found.push(Attachment {
                file: File::default(),
                text: None,
                extraction: Some(format!(
                    "the export left the file out (\"{line}\"): only that there was one is known"
                )),
            });
        }
    }
    found
}

/// The message as read, under names the communications stage knows: `text` is removed with the
/// rest of the content where the message is excluded or sealed, `conversation_name` with the
/// subject where a protected party's subject is removed too.
fn original(entry: &Entry, chat: Option<&str>, text: &str) -> Map<String, Value> {
    let mut original = Map::new();
    original.insert("date".into(), Value::String(entry.date.clone()));
    original.insert("time".into(), Value::String(entry.time.clone()));
    if let Some(sender) = &entry.sender {
        original.insert("sender".into(), Value::String(sender.clone()));
    }
    original.insert("text".into(), Value::String(text.to_owned()));
    if let Some(chat) = chat {
        original.insert("conversation_name".into(), Value::String(chat.to_owned()));
    }
    original
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lines_in_their_common_forms() {
        for line in [
            "[06/05/2024, 10:02:03] Alan Smith: hi",
            "06/05/2024, 10:00 - Alan Smith: hi",
            "6/5/24, 10:00\u{202f}am - Alan Smith: hi",
            "5/6/24, 10:00 PM - Alan Smith: hi",
            "\u{200e}[06/05/2024, 10:02:03 AM] Alan Smith: hi",
            "06.05.24, 10:00 - Alan Smith: hi",
            "2024-05-06, 10:00 - Alan Smith: hi",
        ] {
            let found = header(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(sender_and_text(found.rest), Some(("Alan Smith", "hi")));
        }
        for line in [
            "06/05/2024 10:00 host sshd[1]: x",
            "<34>Oct 11 22:14:15 host su: x",
            "[06/05/2024 10:02:03 Alan",
            "06/05/2024, 10:00 Alan Smith: hi",
            "06/05/2024,10:00 - Alan: hi",
            "Timestamp,From,To,Body",
        ] {
            assert!(header(line).is_none(), "{line}");
        }
        let system = header(
            "06/05/2024, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
        )
        .unwrap();
        assert_eq!(sender_and_text(system.rest), None);
        let renamed =
            header("06/05/2024, 10:00 - Alan changed the subject to \"Rota: May\"").unwrap();
        assert_eq!(sender_and_text(renamed.rest), None);
        assert!(is_notice(
            "\u{200e}Messages and calls are end-to-end encrypted."
        ));
        assert!(!is_notice("\u{200e}image omitted"));
    }

    proptest::proptest! {
        /// Whatever the lines, every one that begins a message becomes an event or a dead letter,
        /// and any lines before the first one a dead letter: nothing is lost, nothing panics.
        #[test]
        fn every_message_line_is_an_event_or_a_dead_letter(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}, [0-9]{1,2}:[0-9]{2}( [ap]m)? - [A-Za-z ]{0,12}: [ -~]{0,30}").unwrap(),
                    proptest::string::string_regex("\\[[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}, [0-9]{1,2}:[0-9]{2}:[0-9]{2}\\] [A-Za-z]{1,8}: [ -~]{0,20}").unwrap(),
                    proptest::string::string_regex("[ -~\u{200e}\u{202f}]{0,40}").unwrap(),
                ],
                0..25,
            )
        ) {
            let text = lines.join("\n");
            let starts = text.lines().filter(|line| header(line).is_some()).count();
            let before_first = text
                .lines()
                .take_while(|line| header(line).is_none())
                .any(|line| !line.trim_matches(MARKS).trim().is_empty());
            let mut ctx = Context::new("file:whatsapp", crate::Limits::default());
            let mut batch = crate::Batch::new();
            decode_whatsapp(text.as_bytes(), Some("Chat"), &mut ctx, &mut batch).unwrap();
            proptest::prop_assert_eq!(
                batch.events.len() + batch.rejected.len(),
                starts + usize::from(before_first)
            );
        }
    }

    #[test]
    fn the_file_name_names_the_chat() {
        let name = |text: &str| chat_name_of(Path::new(text));
        assert_eq!(
            name("/x/WhatsApp Chat with Karen Whitfield.txt").as_deref(),
            Some("Karen Whitfield")
        );
        assert_eq!(
            name("WhatsApp Chat - Late turn.txt").as_deref(),
            Some("Late turn")
        );
        assert_eq!(name("_chat.txt"), None);
        assert!(is_whatsapp_name(Path::new("a/WhatsApp Chat with X.txt")));
        assert!(is_whatsapp_name(Path::new("_chat.txt")));
        assert!(!is_whatsapp_name(Path::new("chat.txt")));
    }
}

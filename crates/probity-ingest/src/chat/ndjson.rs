//! Probity's own chat schema: one message per line as a JSON object (docs/messages.md).
//!
//! Required: `timestamp` (RFC 3339 or epoch), `platform`, `conversation_id`, `sender` (an address
//! string, or `{"id", "name", "address"}`). Optional: `recipients` (strings or sender-shaped
//! objects), `text`, `conversation_name`, `message_id`, `direction`, `attachments` (`name`,
//! `mime_type`, `size`, `sha256`, `text`), `deleted`, `edited`. Every field, known or not, is
//! kept in `original`.
//!
//! Values of another type are read where that is unambiguous (one recipient or attachment given
//! alone rather than in a list, a number as text, an attachment given by its name); a value that
//! cannot be read is named in the label `chat.unread_fields`, never dropped without a word.
//!
//! The input is read twice ([`super::members`]): first to gather the people of each
//! conversation (`platform` and `conversation_id`: senders and recipients), then to decode each
//! message with the conversation's other members added to its recipients (`email.to_source`
//! `message+chat-members`, or `chat-members` for a message that names none). A conversation
//! split over several files is joined when every file is gathered ([`gather_chat`]) into one
//! index before any is decoded with it ([`decode_chat_with`]).

use std::io::BufRead;

use probity_model::{Attachment, File, FileHash, Format};
use serde_json::{Map, Value};

use super::members::{ChatMembers, KEY_SEPARATOR};
use super::{
    ChatMessage, Person, Shape, Unread, is_nothing, list_or_one, message_text, non_empty,
    scalar_text, text_of,
};
use crate::lines::{Line, LineReader, is_blank};
use crate::timeparse::parse_time_value;
use crate::{Context, Error, Result, Sink};

const SHAPE: Shape = Shape {
    format: Format::Chat,
    dataset: "chat",
    category: "chat",
};

/// The fields every message must have.
pub const REQUIRED_FIELDS: [&str; 4] = ["timestamp", "platform", "conversation_id", "sender"];

/// Decodes chat NDJSON held in memory: one event per message line, one dead letter per line
/// that is not a readable message. Blank lines are skipped.
pub fn decode_chat(bytes: &[u8], ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    decode_chat_from(|| Ok(bytes), ctx, sink)
}

/// Decodes chat NDJSON from a stream that `open` opens from its start, twice: once to gather each
/// conversation's members, once to decode (a file is opened again; a stream that cannot be read
/// twice is read into memory and given to [`decode_chat`]).
pub fn decode_chat_from<R: BufRead>(
    open: impl FnMut() -> std::io::Result<R>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    decode_chat_with(open, None, ctx, sink)
}

/// [`decode_chat_from`] with each conversation's members taken from `members` (gathered from
/// this input and others, so that a conversation split over several files is joined) where it
/// gathered this input ([`ChatMembers::has_read`] of `ctx.source`): then the input is opened
/// once. Else the members are gathered from this input alone, and it is opened twice.
pub fn decode_chat_with<R: BufRead>(
    mut open: impl FnMut() -> std::io::Result<R>,
    members: Option<&ChatMembers>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let origin = ctx.source.clone();
    let mut own = ChatMembers::default();
    let members = ChatMembers::for_input(members, &origin, &mut own, |own| {
        gather_members(open().map_err(|e| Error::io(&origin, e))?, ctx, own)
    })?;
    let reader = open().map_err(|e| Error::io(&origin, e))?;
    let mut lines = LineReader::new(reader, ctx.limits.max_event_bytes);
    while let Some(line) = lines.next_line().map_err(|e| Error::io(&origin, e))? {
        let location = Some(format!("line {}", lines.number()));
        match line {
            Line::TooLong { prefix, len } => {
                let reason = format!(
                    "line of {len} bytes is longer than the {} byte event limit",
                    ctx.limits.max_event_bytes
                );
                let mut letter = ctx.dead_letter(Some(SHAPE.format), reason, location, &prefix);
                letter.raw_len = len as u64;
                sink.reject(letter)?;
            }
            Line::Complete(bytes) if is_blank(&bytes) => {}
            Line::Complete(bytes) => match read_line(&bytes, members, ctx) {
                Ok(message) => sink.event(message.into_event(SHAPE, &bytes, ctx, location))?,
                Err(reason) => {
                    sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, &bytes))?
                }
            },
        }
    }
    Ok(())
}

/// The first pass: adds the members of each conversation in chat NDJSON read from `reader` to
/// `members`, and notes the input (`ctx.source`) as gathered once it has all been read, for
/// [`decode_chat_with`].
pub fn gather_chat(reader: impl BufRead, ctx: &Context, members: &mut ChatMembers) -> Result<()> {
    gather_members(reader, ctx, members)?;
    members.mark_read(&ctx.source);
    Ok(())
}

/// The sender and recipients of every line that is a JSON object with a conversation, by
/// conversation. Lines that are not are passed over (the second pass makes them dead letters).
fn gather_members(reader: impl BufRead, ctx: &Context, members: &mut ChatMembers) -> Result<()> {
    let mut lines = LineReader::new(reader, ctx.limits.max_event_bytes);
    while let Some(line) = lines.next_line().map_err(|e| Error::io(&ctx.source, e))? {
        let Line::Complete(bytes) = line else {
            continue;
        };
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let mut ignored = Unread::default();
        let Some(conversation) = conversation_key(&object, &mut ignored) else {
            continue;
        };
        let sender = person(object.get("sender"), "sender", &mut ignored);
        for person in sender
            .into_iter()
            .chain(recipients(object.get("recipients"), &mut ignored))
        {
            members.add(&conversation, person);
        }
    }
    Ok(())
}

/// The conversation a message is in: its `platform` and `conversation_id` (the same id on two
/// platforms is two conversations), as a chat NDJSON conversation's.
fn conversation_key(object: &Map<String, Value>, unread: &mut Unread) -> Option<String> {
    let id = scalar_text(object, "conversation_id", "conversation_id", unread)?;
    let platform = scalar_text(object, "platform", "platform", unread).unwrap_or_default();
    Some(format!("chat{KEY_SEPARATOR}{platform}{KEY_SEPARATOR}{id}"))
}

fn read_line(bytes: &[u8], members: &ChatMembers, ctx: &Context) -> Result<ChatMessage, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| format!("invalid JSON: {error}"))?;
    ctx.limits.check_json(&value)?;
    let Value::Object(object) = value else {
        return Err("expected a JSON object (one chat message per line)".into());
    };
    message(object, members)
}

fn message(object: Map<String, Value>, members: &ChatMembers) -> Result<ChatMessage, String> {
    let missing: Vec<&str> = REQUIRED_FIELDS
        .into_iter()
        .filter(|key| object.get(*key).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "chat message lacks required field(s): {}",
            missing.join(", ")
        ));
    }
    let timestamp = object
        .get("timestamp")
        .and_then(parse_time_value)
        .ok_or_else(|| {
            format!(
                "timestamp {} is not a time (RFC 3339 or epoch seconds expected)",
                object.get("timestamp").unwrap_or(&Value::Null)
            )
        })?;
    let mut unread = Unread::default();
    let sender = person(object.get("sender"), "sender", &mut unread)
        .ok_or("sender has no address, id or name")?;
    let mut message = ChatMessage {
        timestamp: Some(timestamp),
        sender: Some(sender),
        to: Vec::new(),
        subject: scalar_text(
            &object,
            "conversation_name",
            "conversation_name",
            &mut unread,
        ),
        message_id: scalar_text(&object, "message_id", "message_id", &mut unread),
        text: message_text(object.get("text"), "text", &mut unread),
        attachments: attachments(object.get("attachments"), &mut unread),
        ..ChatMessage::default()
    };
    for recipient in recipients(object.get("recipients"), &mut unread) {
        if let Some(identity) = recipient.identity() {
            message.to.push(identity);
        }
        message.add_display_name(recipient.name);
    }
    for (key, label) in [
        ("platform", "chat.platform"),
        ("conversation_id", "chat.conversation_id"),
        ("direction", "chat.direction"),
    ] {
        if let Some(value) = scalar_text(&object, key, key, &mut unread) {
            message.label(label, value);
        }
    }
    for flag in ["deleted", "edited"] {
        if flag_value(object.get(flag), flag, &mut unread) {
            message.label(&format!("chat.{flag}"), "true");
        }
    }
    let mut ignored = Unread::default();
    members.add_to(
        conversation_key(&object, &mut ignored).as_deref(),
        &mut message,
    );
    message.note_unread(unread);
    message.original = object;
    Ok(message)
}

/// `deleted` or `edited`: `true`, or the unambiguous spellings `"true"` and `1`; `false`, `"false"`
/// and `0` are no; anything else is noted as unread.
fn flag_value(value: Option<&Value>, key: &str, unread: &mut Unread) -> bool {
    let Some(value) = value else {
        return false;
    };
    match value {
        Value::Bool(flag) => *flag,
        Value::Null => false,
        Value::String(text) if text.trim().eq_ignore_ascii_case("true") => true,
        Value::String(text) if text.trim().eq_ignore_ascii_case("false") => false,
        Value::Number(number) if number.as_u64() == Some(1) => true,
        Value::Number(number) if number.as_u64() == Some(0) => false,
        other => {
            unread.add(key, other);
            false
        }
    }
}

/// A sender or recipient: an address string (or a number, a phone number written as one), or
/// `{"id", "name", "address"}`. What cannot be read is noted under `path`.
fn person(value: Option<&Value>, path: &str, unread: &mut Unread) -> Option<Person> {
    let value = value?;
    let person = match value {
        Value::Object(object) => Person {
            address: scalar_text(object, "address", &format!("{path}.address"), unread),
            id: scalar_text(object, "id", &format!("{path}.id"), unread),
            name: scalar_text(object, "name", &format!("{path}.name"), unread),
        },
        Value::String(_) | Value::Number(_) => Person {
            address: text_of(Some(value)),
            ..Person::default()
        },
        Value::Null => return None,
        other => {
            unread.add(path, other);
            return None;
        }
    };
    person.identity().map(|_| person)
}

/// The recipients: a list of people, or one person given alone (`"recipients": "a@b"`), which can
/// only mean a list of one.
fn recipients(value: Option<&Value>, unread: &mut Unread) -> Vec<Person> {
    list_or_one(value, "recipients", unread, |item, path, unread| {
        person(Some(item), path, unread)
    })
}

/// The attachments: a list, or one given alone; each an object, or a file name alone (as device
/// exports list them). Anything else is noted as unread.
fn attachments(value: Option<&Value>, unread: &mut Unread) -> Vec<Attachment> {
    list_or_one(value, "attachments", unread, attachment)
}

fn attachment(item: &Value, path: &str, unread: &mut Unread) -> Option<Attachment> {
    let empty = Map::new();
    let (object, name) = match item {
        Value::Object(object) => (
            object,
            scalar_text(object, "name", &format!("{path}.name"), unread),
        ),
        Value::String(name) => (&empty, Some(non_empty(name)?)),
        Value::Null => return None,
        other => {
            unread.add(path, other);
            return None;
        }
    };
    let text = message_text(object.get("text"), &format!("{path}.text"), unread);
    let extraction = text
        .is_none()
        .then(|| "the export holds no text for this attachment".to_owned());
    Some(Attachment {
        file: File {
            extension: name
                .as_deref()
                .and_then(|name| name.rsplit_once('.'))
                .map(|(_, ext)| ext.to_ascii_lowercase()),
            name,
            path: scalar_text(object, "path", &format!("{path}.path"), unread),
            size: size(object.get("size"), &format!("{path}.size"), unread),
            mime_type: scalar_text(object, "mime_type", &format!("{path}.mime_type"), unread),
            hash: FileHash {
                sha256: scalar_text(object, "sha256", &format!("{path}.sha256"), unread),
            },
        },
        text,
        extraction,
    })
}

/// A size in bytes: a whole number, or one written as a string; anything else is noted.
fn size(value: Option<&Value>, path: &str, unread: &mut Unread) -> Option<u64> {
    let value = value?;
    let size = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        Value::Null => return None,
        _ => None,
    };
    if size.is_none() && !is_nothing(Some(value)) {
        unread.add(path, value);
    }
    size
}

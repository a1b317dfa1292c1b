//! Probity's own chat schema: one message per line as a JSON object (docs/messages.md).
//!
//! Required: `timestamp` (RFC 3339 or epoch), `platform`, `conversation_id`, `sender` (an address
//! string, or `{"id", "name", "address"}`). Optional: `recipients` (strings or sender-shaped
//! objects), `text`, `conversation_name`, `message_id`, `direction`, `attachments` (`name`,
//! `mime_type`, `size`, `sha256`, `text`), `deleted`, `edited`. Every field, known or not, is
//! kept in `original`.

use std::io::BufRead;

use probity_model::{Attachment, File, FileHash, Format};
use serde_json::{Map, Value};

use super::{ChatMessage, Person, Shape, non_empty, text_of};
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

/// Decodes chat NDJSON from a stream: one event per message line, one dead letter per line that
/// is not a readable message. Blank lines are skipped.
pub fn decode_chat(reader: impl BufRead, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let mut lines = LineReader::new(reader, ctx.limits.max_event_bytes);
    let origin = ctx.source.clone();
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
            Line::Complete(bytes) => match read_line(&bytes, ctx) {
                Ok(message) => sink.event(message.into_event(SHAPE, &bytes, ctx, location))?,
                Err(reason) => {
                    sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, &bytes))?
                }
            },
        }
    }
    Ok(())
}

fn read_line(bytes: &[u8], ctx: &Context) -> Result<ChatMessage, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| format!("invalid JSON: {error}"))?;
    ctx.limits.check_json(&value)?;
    let Value::Object(object) = value else {
        return Err("expected a JSON object (one chat message per line)".into());
    };
    message(object)
}

fn message(object: Map<String, Value>) -> Result<ChatMessage, String> {
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
    let sender = person(object.get("sender")).ok_or("sender has no address, id or name")?;
    let mut message = ChatMessage {
        timestamp: Some(timestamp),
        sender: Some(sender),
        to: Vec::new(),
        subject: text_of(object.get("conversation_name")),
        message_id: text_of(object.get("message_id")),
        text: object
            .get("text")
            .and_then(Value::as_str)
            .and_then(non_empty),
        attachments: attachments(object.get("attachments")),
        ..ChatMessage::default()
    };
    for recipient in recipients(object.get("recipients")) {
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
        if let Some(value) = text_of(object.get(key)) {
            message.label(label, value);
        }
    }
    for flag in ["deleted", "edited"] {
        if object.get(flag).and_then(Value::as_bool) == Some(true) {
            message.label(&format!("chat.{flag}"), "true");
        }
    }
    message.original = object;
    Ok(message)
}

/// A sender or recipient: an address string, or `{"id", "name", "address"}`.
fn person(value: Option<&Value>) -> Option<Person> {
    let person = match value? {
        Value::Object(object) => Person {
            address: text_of(object.get("address")),
            id: text_of(object.get("id")),
            name: text_of(object.get("name")),
        },
        other => Person {
            address: text_of(Some(other)),
            ..Person::default()
        },
    };
    person.identity().map(|_| person)
}

fn recipients(value: Option<&Value>) -> Vec<Person> {
    let list = value.and_then(Value::as_array).into_iter().flatten();
    list.filter_map(|item| person(Some(item))).collect()
}

fn attachments(value: Option<&Value>) -> Vec<Attachment> {
    let list = value.and_then(Value::as_array).into_iter().flatten();
    list.filter_map(Value::as_object)
        .map(|item| {
            let name = text_of(item.get("name"));
            let text = item.get("text").and_then(Value::as_str).and_then(non_empty);
            let extraction = text
                .is_none()
                .then(|| "the export holds no text for this attachment".to_owned());
            Attachment {
                file: File {
                    extension: name
                        .as_deref()
                        .and_then(|name| name.rsplit_once('.'))
                        .map(|(_, ext)| ext.to_ascii_lowercase()),
                    name,
                    path: text_of(item.get("path")),
                    size: item.get("size").and_then(Value::as_u64),
                    mime_type: text_of(item.get("mime_type")),
                    hash: FileHash {
                        sha256: text_of(item.get("sha256")),
                    },
                },
                text,
                extraction,
            }
        })
        .collect()
}

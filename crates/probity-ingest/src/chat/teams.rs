//! Microsoft Teams exports: Graph `chatMessage` objects.
//!
//! An export is a JSON array of messages, or a Graph page `{"value": [...]}` (as written by
//! `GET /chats/{id}/messages` and most export tools). The items are read one at a time, so a
//! file cut short or broken part-way keeps every message before the damage, and the rest is one
//! dead letter saying where and why.

use probity_model::{Attachment, File, Format};
use serde_json::{Map, Value};

use super::{ChatMessage, Person, Shape, non_empty, text_of};
use crate::timeparse::parse_time_value;
use crate::{Context, Result, Sink};

const SHAPE: Shape = Shape {
    format: Format::Teams,
    dataset: "teams",
    category: "chat",
};

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Decodes a Teams export held in memory: one event per message, one dead letter per entry that
/// is not a readable message, and one for any unreadable rest of the file.
pub fn decode_teams(bytes: &[u8], ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let Some(start) = items_start(bytes) else {
        return decode_single(bytes, ctx, sink);
    };
    let mut items = Items::new(bytes, start);
    let mut number = 0usize;
    loop {
        number += 1;
        match items.next_item() {
            Item::End => return trailing(bytes, items.pos + 1, start, ctx, sink),
            Item::Value { value, at, raw } => {
                let location = Some(format!("message {number} (byte {at})"));
                decode_item(value, raw, location, ctx, sink)?;
            }
            Item::Broken { at, reason } => {
                let location = Some(format!("message {number} (byte {at}) to the end"));
                let rest = bytes.get(at..).unwrap_or_default();
                let reason = format!("{reason}; the rest of the export is not read");
                return sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, rest));
            }
        }
    }
}

/// Anything after a top-level array's `]` is kept as a dead letter (after a Graph page's array
/// come its own keys, such as `@odata.nextLink`, which are not messages).
fn trailing(
    bytes: &[u8],
    after: usize,
    start: usize,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let is_bare_array = bytes.get(start.saturating_sub(1)) == Some(&b'[')
        && bytes[..start - 1].iter().all(u8::is_ascii_whitespace);
    let rest = bytes.get(after..).unwrap_or_default();
    if !is_bare_array || rest.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let reason = format!(
        "{} bytes after the end of the list of messages are not part of it",
        rest.len()
    );
    let location = Some(format!("byte {after} to the end"));
    sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, rest))
}

/// A file of message objects one after another (one, or one per line) rather than a list.
fn decode_single(bytes: &[u8], ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut number = 0usize;
    loop {
        let at = stream.byte_offset();
        let Some(next) = stream.next() else {
            return Ok(());
        };
        number += 1;
        let end = stream.byte_offset();
        match next {
            Ok(value) => {
                let raw = bytes.get(at..end).unwrap_or_default().trim_ascii();
                let location = Some(format!("message {number} (byte {at})"));
                decode_item(value, raw, location, ctx, sink)?;
            }
            Err(error) => {
                let location = Some(format!("message {number} (byte {at}) to the end"));
                let reason = format!("invalid JSON ({error}); the rest of the export is not read");
                let rest = bytes.get(at..).unwrap_or_default();
                return sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, rest));
            }
        }
    }
}

fn decode_item(
    value: Value,
    raw: &[u8],
    location: Option<String>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    if let Err(reason) = ctx.limits.check_json(&value) {
        return sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw));
    }
    let Value::Object(object) = value else {
        let reason = "expected a chatMessage object".to_owned();
        return sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw));
    };
    match message(object) {
        Ok(message) => sink.event(message.into_event(SHAPE, raw, ctx, location)),
        Err(reason) => sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw)),
    }
}

/// One chatMessage onto the shared message form; `Err` says why it cannot be.
fn message(object: Map<String, Value>) -> Result<ChatMessage, String> {
    let created = object.get("createdDateTime");
    let Some(timestamp) = created.and_then(parse_time_value) else {
        return Err(match created {
            None | Some(Value::Null) => "chatMessage has no createdDateTime".to_owned(),
            Some(other) => format!("chatMessage createdDateTime {other} is not a time"),
        });
    };
    let mut message = ChatMessage {
        timestamp: Some(timestamp),
        sender: sender(object.get("from")),
        message_id: text_of(object.get("id")),
        subject: ["subject", "topic", "chatTopic"]
            .into_iter()
            .find_map(|key| text_of(object.get(key))),
        text: body_text(object.get("body")),
        ..ChatMessage::default()
    };
    let from_application = object
        .get("from")
        .and_then(|from| from.get("application"))
        .is_some_and(|app| !app.is_null());
    if from_application {
        message.label("chat.sender_kind", "application");
    }
    let message_type = text_of(object.get("messageType")).unwrap_or_else(|| "message".into());
    if message_type != "message" {
        message.label("chat.message_type", message_type);
    }
    if let Some(conversation) = conversation(&object) {
        message.label("chat.conversation_id", conversation);
    }
    if !is_null(object.get("deletedDateTime")) {
        message.label("chat.deleted", "true");
    }
    if !is_null(object.get("lastEditedDateTime")) {
        message.label("chat.edited", "true");
    }
    for person in mentioned(object.get("mentions")) {
        if let Some(identity) = person.identity()
            && !message.to.contains(&identity)
        {
            message.to.push(identity);
        }
        message.add_display_name(person.name);
    }
    if !message.to.is_empty() {
        message.label("email.to_source", "mentions");
    }
    message.attachments = attachments(object.get("attachments"));
    message.original = object;
    Ok(message)
}

fn is_null(value: Option<&Value>) -> bool {
    value.is_none_or(Value::is_null)
}

/// `from.user` (displayName, id, userPrincipalName) or `from.application` (a bot).
fn sender(from: Option<&Value>) -> Option<Person> {
    let from = from?;
    let who = ["user", "application", "device"]
        .into_iter()
        .filter_map(|key| from.get(key))
        .find(|who| who.is_object())?;
    let person = Person {
        address: text_of(who.get("userPrincipalName")).or_else(|| text_of(who.get("email"))),
        id: text_of(who.get("id")),
        name: text_of(who.get("displayName")),
    };
    person.identity().map(|_| person)
}

/// `body.content`, HTML reduced to text when `body.contentType` is `html`.
fn body_text(body: Option<&Value>) -> Option<String> {
    let body = body?;
    let content = body.get("content").and_then(Value::as_str)?;
    let is_html = body
        .get("contentType")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.eq_ignore_ascii_case("html"));
    if is_html {
        return non_empty(&crate::html::to_text(content));
    }
    non_empty(content)
}

/// `chatId`, or `teamId/channelId` from `channelIdentity`.
fn conversation(object: &Map<String, Value>) -> Option<String> {
    if let Some(chat) = text_of(object.get("chatId")) {
        return Some(chat);
    }
    let channel = object.get("channelIdentity")?;
    let team = text_of(channel.get("teamId")).unwrap_or_default();
    let id = text_of(channel.get("channelId"))?;
    Some(format!("{team}/{id}"))
}

/// The users @-mentioned in the message, in order.
fn mentioned(mentions: Option<&Value>) -> Vec<Person> {
    mentions
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|mention| sender(mention.get("mentioned")))
        .collect()
}

/// Teams attachments are links (files in SharePoint or OneDrive) or cards; the export does not
/// hold file contents, so each is described and its `extraction` says so.
fn attachments(list: Option<&Value>) -> Vec<Attachment> {
    let mut out = Vec::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        let name = text_of(item.get("name"));
        let content_type = text_of(item.get("contentType"));
        let url = text_of(item.get("contentUrl"));
        let extension = name
            .as_deref()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, ext)| ext.to_ascii_lowercase());
        let inline = item
            .get("content")
            .and_then(Value::as_str)
            .and_then(non_empty);
        let extraction = if inline.is_some() {
            None
        } else {
            Some(match &url {
                Some(_) => {
                    "the export links the file (contentUrl); its content is not in the export"
                        .to_owned()
                }
                None => "the export holds no content for this attachment".to_owned(),
            })
        };
        out.push(Attachment {
            file: File {
                path: url,
                name,
                extension,
                mime_type: content_type.filter(|kind| kind.contains('/')),
                ..File::default()
            },
            text: inline,
            extraction,
        });
    }
    out
}

/// Where the list of messages starts: just inside a top-level array, or inside the `value` array
/// of a top-level object; none for a single message object.
fn items_start(bytes: &[u8]) -> Option<usize> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    match bytes[first] {
        b'[' => Some(first + 1),
        b'{' => value_array_start(bytes, first),
        _ => None,
    }
}

/// Inside `{"value": [`: the top-level object's keys are scanned without reading the values
/// before `value` in full (they are small: `@odata.context`, `@odata.count`).
fn value_array_start(bytes: &[u8], open: usize) -> Option<usize> {
    let key = memchr::memmem::find(bytes.get(open..)?, b"\"value\"")? + open;
    // In a page, the messages (and their times) come after the key; in a lone message, a
    // `"value"` further in belongs to the message.
    let first_time = memchr::memmem::find(bytes, b"\"createdDateTime\"").unwrap_or(usize::MAX);
    if key > first_time {
        return None;
    }
    let after_key = key + b"\"value\"".len();
    let rest = bytes.get(after_key..)?;
    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let rest_after = rest.get(colon + 1..)?;
    let bracket = rest_after.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest_after[bracket] != b'[' {
        return None;
    }
    Some(after_key + colon + 1 + bracket + 1)
}

/// One step through a JSON array.
enum Item<'a> {
    Value {
        value: Value,
        at: usize,
        raw: &'a [u8],
    },
    Broken {
        at: usize,
        reason: String,
    },
    End,
}

/// Reads the items of a JSON array one at a time, from just after its `[`.
struct Items<'a> {
    bytes: &'a [u8],
    pos: usize,
    first: bool,
}

impl<'a> Items<'a> {
    fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self {
            bytes,
            pos,
            first: true,
        }
    }

    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn next_item(&mut self) -> Item<'a> {
        self.skip_space();
        match self.bytes.get(self.pos) {
            None => {
                return Item::Broken {
                    at: self.pos,
                    reason: "the export ends before its list of messages is closed (cut short?)"
                        .into(),
                };
            }
            Some(b']') => return Item::End,
            Some(b',') if !self.first => {
                self.pos += 1;
                self.skip_space();
            }
            Some(_) if self.first => {}
            Some(other) => {
                return Item::Broken {
                    at: self.pos,
                    reason: format!(
                        "invalid JSON at byte {}: expected ',' or ']', found {:?}",
                        self.pos,
                        char::from(*other)
                    ),
                };
            }
        }
        self.first = false;
        let at = self.pos;
        let rest = self.bytes.get(at..).unwrap_or_default();
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let end = at + stream.byte_offset();
                self.pos = end;
                Item::Value {
                    value,
                    at,
                    raw: self.bytes.get(at..end).unwrap_or_default(),
                }
            }
            Some(Err(error)) => Item::Broken {
                at,
                reason: format!("invalid JSON in the message starting at byte {at}: {error}"),
            },
            None => Item::Broken {
                at,
                reason: "the export ends before its list of messages is closed (cut short?)".into(),
            },
        }
    }
}

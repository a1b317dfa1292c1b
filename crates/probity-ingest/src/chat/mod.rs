//! Chat and device messages: Microsoft Teams exports, Probity's own NDJSON chat schema, CSV
//! device exports (SMS, WhatsApp and the like) and WhatsApp's own text export of a chat, each
//! message onto the email fields of the model.
//!
//! Every message is mapped the same way whatever its source (docs/messages.md): the sender is
//! `email.from` and `user.*`, the people it was addressed to `email.to`, the text `email.body`, a
//! chat or channel topic `email.subject`, its id `email.message_id`, files `email.attachments`;
//! `event.action` is `message-sent`, `event.dataset` names the source (`teams`, `chat`, `sms`,
//! `whatsapp`),
//! and the record as read is kept in `original`. A message that cannot be read (no time, broken
//! JSON, a row of the wrong shape) is a dead letter with the reason; the messages around it are
//! still decoded.

mod localtime;
mod members;
mod ndjson;
mod sms;
mod teams;
mod whatsapp;

use std::collections::BTreeMap;

use probity_model::{Attachment, Email, Event, EventMeta, Format, Identity, Timestamp, User};
use serde_json::{Map, Value};

use crate::Context;

pub use localtime::{DATE_ORDER_ASSUMED_LABEL, DATE_ORDER_LABEL, FORCE_ZONE_NAME, TIME_ZONE_LABEL};
pub use members::{
    CHAT_MEMBERS_SOURCE, ChatMembers, MAX_CHAT_MEMBERS, MAX_TRACKED_MEMBERS,
    MEMBERS_INCOMPLETE_LABEL, TO_SOURCE_LABEL,
};
pub use ndjson::{REQUIRED_FIELDS, decode_chat, decode_chat_from, decode_chat_with, gather_chat};
pub use sms::{SMS_COLUMNS, decode_sms, decode_sms_from, decode_sms_with, gather_sms};
pub(crate) use sms::{is_device_header, is_title_line};
pub use teams::{decode_teams, decode_teams_with, gather_teams};
pub use whatsapp::{chat_name_of, decode_whatsapp};
pub(crate) use whatsapp::{is_whatsapp_name, looks_like_whatsapp};

/// `event.action` of every message.
pub const MESSAGE_SENT: &str = "message-sent";

/// Who sent a message, as far as the source says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Person {
    /// An address: a user principal name, an email address, a phone number, a handle.
    address: Option<String>,
    /// An opaque id (an Entra object id).
    id: Option<String>,
    /// A display name.
    name: Option<String>,
}

impl Person {
    /// The identity that stands for the person in `email.from`/`email.to`: address, else id, else
    /// name.
    fn identity(&self) -> Option<Identity> {
        self.address
            .as_ref()
            .or(self.id.as_ref())
            .or(self.name.as_ref())
            .map(|text| Identity::from(text.clone()))
    }

    fn user(&self) -> Option<User> {
        let name = self.identity()?;
        let email = self
            .address
            .as_ref()
            .filter(|address| address.contains('@'))
            .map(|address| Identity::from(address.clone()));
        Some(User {
            name: Some(name),
            id: self.id.clone().map(Identity::from),
            email,
            full_name: self.name.clone().map(Identity::from),
            ..User::default()
        })
    }
}

/// One message read from any chat source, before it becomes an event.
#[derive(Debug, Default)]
struct ChatMessage {
    timestamp: Option<Timestamp>,
    sender: Option<Person>,
    to: Vec<Identity>,
    /// The recipients as read (address, id and name together), where the decoder has them, for
    /// gathering a conversation's members ([`members`]); not part of the event.
    recipients: Vec<Person>,
    /// The display names written beside the recipients (`email.display_names`), so that the
    /// communications stage's exclusions by display name see them.
    display_names: Vec<Identity>,
    subject: Option<String>,
    message_id: Option<String>,
    text: Option<String>,
    attachments: Vec<Attachment>,
    labels: BTreeMap<String, String>,
    original: Map<String, Value>,
}

/// What differs between the sources in how a message becomes an event.
#[derive(Debug, Clone, Copy)]
struct Shape {
    format: Format,
    dataset: &'static str,
    category: &'static str,
}

impl ChatMessage {
    /// Adds a recipient's display name to `email.display_names`, once.
    fn add_display_name(&mut self, name: Option<String>) {
        if let Some(name) = name.as_deref().and_then(non_empty) {
            let name = Identity::from(name);
            if !self.display_names.contains(&name) {
                self.display_names.push(name);
            }
        }
    }

    fn label(&mut self, name: &str, value: impl Into<String>) {
        self.labels.insert(name.to_owned(), value.into());
    }

    /// Names the fields that could not be read in the label [`UNREAD_LABEL`], if there are any.
    fn note_unread(&mut self, unread: Unread) {
        if !unread.0.is_empty() {
            self.label(UNREAD_LABEL, unread.0.join("; "));
        }
    }

    /// The event; `raw` (the record as read) gives its id.
    fn into_event(
        mut self,
        shape: Shape,
        raw: &[u8],
        ctx: &mut Context,
        location: Option<String>,
    ) -> Event {
        let timestamp = self.timestamp.unwrap_or(ctx.received);
        let body = self.text.take().map(|text| {
            let limit = ctx.limits.max_email_body_bytes;
            if text.len() <= limit {
                return text;
            }
            self.label("email.body_truncated", "true");
            let cut = text.floor_char_boundary(limit);
            text[..cut].to_owned()
        });
        let mut event = Event::new(timestamp, ctx.provenance(shape.format, raw, location));
        event.message = self.subject.clone();
        event.event = EventMeta {
            kind: Some("event".into()),
            category: vec![shape.category.into()],
            kind_type: vec!["info".into()],
            action: Some(MESSAGE_SENT.into()),
            dataset: Some(shape.dataset.into()),
            ..EventMeta::default()
        };
        event.user = self.sender.as_ref().and_then(Person::user);
        let from = self.sender.as_ref().and_then(Person::identity);
        event.email = Some(Email {
            from: from.into_iter().collect(),
            to: self.to,
            display_names: self.display_names,
            subject: self.subject,
            message_id: self.message_id,
            origination_timestamp: self.timestamp,
            body,
            attachments: self.attachments,
            ..Email::default()
        });
        event.labels = self.labels;
        event.original = self.original;
        event
    }
}

/// A JSON value as trimmed, non-empty text (strings as they are, numbers written out).
fn text_of(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A phone number as a device export writes one: digits with `+`, spaces, dashes, dots or
/// brackets, seven digits at least.
fn is_phone_like(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    digits >= 7
        && text.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')') || localtime::is_space(c)
        })
}

/// Text with surrounding space removed, or none when nothing is left.
fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The label that names the fields of a message whose values were of a type the schema does not
/// allow and could not be read (the record as read is still in `original`).
pub const UNREAD_LABEL: &str = "chat.unread_fields";

/// Fields whose values could not be read, each as `path (kind of value)`.
#[derive(Debug, Default)]
struct Unread(Vec<String>);

impl Unread {
    fn add(&mut self, path: &str, value: &Value) {
        self.0
            .push(format!("{path} ({})", crate::json::kind_of(value)));
    }
}

/// Whether a value holds nothing: absent, null, or a blank string. Nothing is lost by skipping it.
fn is_nothing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(_) => false,
    }
}

/// A field that should be text: a string, or a number or boolean written out; an array or object
/// is noted as unread.
fn scalar_text(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    unread: &mut Unread,
) -> Option<String> {
    let value = object.get(key);
    let text = text_of(value);
    if text.is_none()
        && !is_nothing(value)
        && let Some(value) = value
    {
        unread.add(path, value);
    }
    text
}

/// The items of a list field (`name`), or the one item given alone, each read by `read` with its
/// path for problems (`name[2]`, or `name` for an item alone).
fn list_or_one<T>(
    value: Option<&Value>,
    name: &str,
    unread: &mut Unread,
    mut read: impl FnMut(&Value, &str, &mut Unread) -> Option<T>,
) -> Vec<T> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| read(item, &format!("{name}[{index}]"), unread))
            .collect(),
        Some(single) => read(single, name, unread).into_iter().collect(),
    }
}

/// The message text: a string, or a number written out (an export that typed a numeric message
/// as a number); anything else is noted as unread.
fn message_text(value: Option<&Value>, path: &str, unread: &mut Unread) -> Option<String> {
    match value? {
        Value::String(text) => non_empty(text),
        Value::Number(number) => Some(number.to_string()),
        Value::Null => None,
        other => {
            unread.add(path, other);
            None
        }
    }
}

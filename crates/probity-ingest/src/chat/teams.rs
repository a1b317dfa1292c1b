//! Microsoft Teams exports: Graph `chatMessage` objects.
//!
//! An export is a JSON array of messages, or a Graph page `{"value": [...]}` (as written by
//! `GET /chats/{id}/messages` and most export tools); a page's keys before `value` that are not
//! valid JSON are a dead letter. The items are read one at a time, so a
//! file cut short or broken part-way keeps every message before the damage, and the rest is one
//! dead letter saying where and why.
//!
//! Values of another type than Graph writes are read where that is unambiguous (a number as the
//! text or the time, the sender as a string, one attachment or mention given alone rather than in
//! a list, a card given as an object); a value that cannot be read is named in the label
//! `chat.unread_fields`, as for chat NDJSON, never dropped without a word.
//!
//! A reply's quote of the message it answers (a `messageReference` attachment) is another
//! person's words: it is written as quoted lines at the start of the body, not left as text of
//! the reply's own.
//!
//! A chat's members received each of its messages, but a message names only its sender and the
//! people it @-mentions. The export is therefore read twice ([`super::members`]): first to gather,
//! per `chatId`, the people it shows in the chat (senders, mentions, members added, removed or
//! listed in system messages' `eventDetail`, and any `members` list an export tool adds), then to
//! decode each message with the chat's other members added as recipients (`email.to_source`
//! `chat-members`). A member a system message says was added counts from then (or from the start
//! of the history they were shown), anyone else for the whole chat. A chat split over several
//! files is joined when every file is gathered ([`gather_teams`]) into one index before any is
//! decoded with it ([`decode_teams_with`]). Channel messages (`channelIdentity`) are posts to a
//! team's channel, whose members the export does not list; they keep their own recipients.

use probity_model::{Attachment, File, Format, Timestamp};
use serde_json::{Map, Value};

use super::members::{ChatMembers, Evidence, KEY_SEPARATOR};
use super::{
    ChatMessage, Person, Shape, Unread, list_or_one, message_text, non_empty, scalar_text, text_of,
};
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
    decode_teams_with(bytes, None, ctx, sink)
}

/// [`decode_teams`] with the members of each chat taken from `members` (gathered from this
/// export and others, so that a chat split over several files is joined) where it gathered this
/// export ([`ChatMembers::has_read`] of `ctx.source`); else from this export alone.
pub fn decode_teams_with(
    bytes: &[u8],
    members: Option<&ChatMembers>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let start = items_start(bytes);
    let mut own = ChatMembers::default();
    let members = ChatMembers::for_input(members, &ctx.source, &mut own, |own| {
        gather_members(bytes, start, own);
        Ok(())
    })?;
    let Some(start) = start else {
        return decode_single(bytes, members, ctx, sink);
    };
    page_head(bytes, start, ctx, sink)?;
    let mut items = Items::new(bytes, start);
    let mut number = 0usize;
    loop {
        number += 1;
        match items.next_item() {
            Item::End => return trailing(bytes, items.pos + 1, start, ctx, sink),
            Item::Value { value, at, raw } => {
                let location = Some(format!("message {number} (byte {at})"));
                decode_item(value, raw, location, members, ctx, sink)?;
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

/// A Graph page's keys before its list of messages (`{"@odata.context": "…", "value": [`) are
/// passed over unread; where they are not valid JSON (text written among them), they are kept as
/// a dead letter, since no message holds them. Read only for a page, once.
fn page_head(bytes: &[u8], start: usize, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if bytes.get(first) != Some(&b'{') {
        return Ok(());
    }
    let head = bytes.get(first..start).unwrap_or_default();
    let mut closed = head.to_vec();
    closed.extend_from_slice(b"]}");
    let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&closed) else {
        return Ok(());
    };
    let reason = format!(
        "the page's keys before its list of messages are not valid JSON ({error}); they are not read"
    );
    let location = Some(format!("byte {first} to {start}"));
    sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, head))
}

/// Anything after a top-level array's `]` is kept as a dead letter. After a Graph page's array
/// come its own keys, such as `@odata.nextLink`, which are not messages; anything after the
/// page's closing `}` is kept as a dead letter too.
fn trailing(
    bytes: &[u8],
    after: usize,
    start: usize,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let is_bare_array = bytes.get(start.saturating_sub(1)) == Some(&b'[')
        && bytes[..start - 1].iter().all(u8::is_ascii_whitespace);
    let after = if is_bare_array {
        after
    } else {
        // A page whose keys never close is cut short after its messages: nothing more to keep.
        match object_end(bytes, after) {
            Some(end) => end,
            None => return Ok(()),
        }
    };
    let rest = bytes.get(after..).unwrap_or_default();
    if rest.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let reason = if is_bare_array {
        format!(
            "{} bytes after the end of the list of messages are not part of it",
            rest.len()
        )
    } else {
        format!(
            "{} bytes after the end of the page of messages are not part of it",
            rest.len()
        )
    };
    let location = Some(format!("byte {after} to the end"));
    sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, rest))
}

/// Where the object that holds `bytes[from..]` ends: just after the `}` that closes it, found
/// past strings and nested values. None where it is never closed.
fn object_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &byte) in bytes.get(from..)?.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + offset + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first pass: adds the members of each chat in a Teams export held in memory to `members`
/// and notes the export (`ctx.source`) as gathered, for [`decode_teams_with`].
pub fn gather_teams(bytes: &[u8], ctx: &Context, members: &mut ChatMembers) {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    gather_members(bytes, items_start(bytes), members);
    members.mark_read(&ctx.source);
}

/// The members of each chat, from every message object the export holds (up to any damage,
/// where the second pass stops too).
fn gather_members(bytes: &[u8], start: Option<usize>, members: &mut ChatMembers) {
    match start {
        Some(start) => {
            let mut items = Items::new(bytes, start);
            while let Item::Value { value, .. } = items.next_item() {
                chat_members(&value, members);
            }
        }
        None => {
            let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
            for value in stream.map_while(std::result::Result::ok) {
                chat_members(&value, members);
            }
        }
    }
}

/// The people one message shows in its chat: its sender, the people it mentions, the members a
/// system message's `eventDetail` names (`members`, `initiator`, `callParticipants`), and a
/// `members` list of the message or of its `chat` (as some export tools add). Values of other
/// types are passed over here; the second pass names them.
fn chat_members(value: &Value, members: &mut ChatMembers) {
    let Value::Object(object) = value else {
        return;
    };
    let mut ignored = Unread::default();
    let Some(chat) = chat_key(object, &mut ignored) else {
        return;
    };
    // A sender, a mention, an initiator or a call's participant was a member when the message
    // was sent; a member a system message adds, from then; a member listed with no time, or
    // removed or leaving (a member before), for the whole chat.
    let sent = object.get("createdDateTime").and_then(parse_time_value);
    let at = sent.map_or(Evidence::Always, Evidence::At);
    let mut people: Vec<(Person, Evidence)> = Vec::new();
    let mut seen = |found: Vec<Person>, evidence: Evidence| {
        people.extend(found.into_iter().map(|person| (person, evidence)));
    };
    seen(
        sender(object.get("from"), "from", &mut ignored)
            .into_iter()
            .collect(),
        at,
    );
    seen(
        list_or_one(object.get("mentions"), "mentions", &mut ignored, mentioned),
        at,
    );
    if let Some(Value::Object(detail)) = object.get("eventDetail") {
        let listed = list_or_one(detail.get("members"), "members", &mut ignored, member);
        let evidence = added_since(object, detail).map_or(Evidence::Always, Evidence::Added);
        seen(listed, evidence);
        seen(
            sender(detail.get("initiator"), "initiator", &mut ignored)
                .into_iter()
                .collect(),
            at,
        );
        seen(
            list_or_one(
                detail.get("callParticipants"),
                "callParticipants",
                &mut ignored,
                |item, path, unread| sender(item.get("participant"), path, unread),
            ),
            at,
        );
    }
    let chat_object = object.get("chat").and_then(Value::as_object);
    for list in [
        object.get("members"),
        chat_object.and_then(|c| c.get("members")),
    ] {
        seen(
            list_or_one(list, "members", &mut ignored, member),
            Evidence::Always,
        );
    }
    for (person, evidence) in people {
        members.add_seen(&chat, person, evidence);
    }
}

/// When the members a `membersAddedEventMessageDetail` names became members: the start of the
/// history they were shown (`visibleHistoryStartDateTime`; Graph writes `0001-01-01` for all of
/// it), else the system message's time. `None` for any other event (members removed or leaving
/// were members before), or where the time cannot be read: then they count for the whole chat.
fn added_since(object: &Map<String, Value>, detail: &Map<String, Value>) -> Option<Timestamp> {
    let kind = detail.get("@odata.type").and_then(Value::as_str)?;
    if !kind.to_ascii_lowercase().contains("membersadded") {
        return None;
    }
    let added = object.get("createdDateTime").and_then(parse_time_value)?;
    match detail
        .get("visibleHistoryStartDateTime")
        .and_then(parse_time_value)
    {
        Some(shown) => Some(shown.min(added)),
        None if is_null(detail.get("visibleHistoryStartDateTime")) => Some(added),
        // A value that is not a time: the history shown is unknown, so all of it.
        None => None,
    }
}

/// A member as Graph lists one: an identity set (`{"user": {...}}`), a `teamworkUserIdentity`
/// (`id`, `displayName`), a `conversationMember` (`userId`, `email`, `displayName`), or a string
/// (an address with an `@`, else a name).
fn member(item: &Value, path: &str, unread: &mut Unread) -> Option<Person> {
    let who = match item {
        Value::Object(who) => who,
        Value::String(text) => return person_of_text(text),
        _ => return None,
    };
    if ["user", "application", "device"]
        .iter()
        .any(|key| who.get(*key).is_some_and(|v| !v.is_null()))
    {
        return sender(Some(item), path, unread);
    }
    let mut address = None;
    for key in ["userPrincipalName", "email", "mail"] {
        address = address.or_else(|| scalar_text(who, key, key, unread));
    }
    let person = Person {
        address,
        id: scalar_text(who, "userId", "userId", unread)
            .or_else(|| scalar_text(who, "id", "id", unread)),
        name: scalar_text(who, "displayName", "displayName", unread),
    };
    person.identity().map(|_| person)
}

/// A file of message objects one after another (one, or one per line) rather than a list.
fn decode_single(
    bytes: &[u8],
    members: &ChatMembers,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
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
                decode_item(value, raw, location, members, ctx, sink)?;
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
    members: &ChatMembers,
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
    match message(object, members) {
        Ok(message) => sink.event(message.into_event(SHAPE, raw, ctx, location)),
        Err(reason) => sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, raw)),
    }
}

/// One chatMessage onto the shared message form, the other members of its chat among its
/// recipients; `Err` says why it cannot be.
fn message(object: Map<String, Value>, members: &ChatMembers) -> Result<ChatMessage, String> {
    let created = object.get("createdDateTime");
    let Some(timestamp) = created.and_then(parse_time_value) else {
        return Err(match created {
            None | Some(Value::Null) => "chatMessage has no createdDateTime".to_owned(),
            Some(other) => format!("chatMessage createdDateTime {other} is not a time"),
        });
    };
    let mut unread = Unread::default();
    // Every key is looked at, so that a wrong type in a later one is named even when an earlier
    // one gives the subject.
    let mut subject = None;
    for key in ["subject", "topic", "chatTopic"] {
        let text = scalar_text(&object, key, key, &mut unread);
        subject = subject.or(text);
    }
    let mut message = ChatMessage {
        timestamp: Some(timestamp),
        sender: sender(object.get("from"), "from", &mut unread),
        message_id: scalar_text(&object, "id", "id", &mut unread),
        subject,
        text: body_text(object.get("body"), &mut unread),
        ..ChatMessage::default()
    };
    let from_application = object
        .get("from")
        .and_then(|from| from.get("application"))
        .is_some_and(|app| !app.is_null());
    if from_application {
        message.label("chat.sender_kind", "application");
    }
    let message_type = scalar_text(&object, "messageType", "messageType", &mut unread)
        .unwrap_or_else(|| "message".into());
    if message_type != "message" {
        message.label("chat.message_type", message_type);
    }
    if let Some(conversation) = conversation(&object, &mut unread) {
        message.label("chat.conversation_id", conversation);
    }
    if !is_null(object.get("deletedDateTime")) {
        message.label("chat.deleted", "true");
    }
    if !is_null(object.get("lastEditedDateTime")) {
        message.label("chat.edited", "true");
    }
    for person in list_or_one(object.get("mentions"), "mentions", &mut unread, mentioned) {
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
    let mut ignored = Unread::default();
    members.add_to(chat_key(&object, &mut ignored).as_deref(), &mut message);
    let attachments = list_or_one(
        object.get("attachments"),
        "attachments",
        &mut unread,
        attachment,
    );
    quote_references(&mut message, attachments);
    message.note_unread(unread);
    message.original = object;
    Ok(message)
}

fn is_null(value: Option<&Value>) -> bool {
    value.is_none_or(Value::is_null)
}

/// `from.user` (displayName, id, userPrincipalName), or `from.application` (a bot) or
/// `from.device`; a plain string, for `from` or for one of these, is read as the sender's address
/// (with an `@`) or name. A value of another type is named under `path`.
fn sender(from: Option<&Value>, path: &str, unread: &mut Unread) -> Option<Person> {
    let from = match from? {
        Value::Object(from) => from,
        Value::String(text) => return person_of_text(text),
        Value::Null => return None,
        other => {
            unread.add(path, other);
            return None;
        }
    };
    for key in ["user", "application", "device"] {
        let path = format!("{path}.{key}");
        let person = match from.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(who)) => {
                let upn = scalar_text(
                    who,
                    "userPrincipalName",
                    &format!("{path}.userPrincipalName"),
                    unread,
                );
                let email = scalar_text(who, "email", &format!("{path}.email"), unread);
                let person = Person {
                    address: upn.or(email),
                    id: scalar_text(who, "id", &format!("{path}.id"), unread),
                    name: scalar_text(who, "displayName", &format!("{path}.displayName"), unread),
                };
                person.identity().map(|_| person)
            }
            Some(Value::String(text)) => person_of_text(text),
            Some(other) => {
                unread.add(&path, other);
                None
            }
        };
        if person.is_some() {
            return person;
        }
    }
    None
}

/// A person given as one string: an address if it has an `@`, else a name.
fn person_of_text(text: &str) -> Option<Person> {
    let text = non_empty(text)?;
    Some(if text.contains('@') {
        Person {
            address: Some(text),
            ..Person::default()
        }
    } else {
        Person {
            name: Some(text),
            ..Person::default()
        }
    })
}

/// `body.content`, HTML reduced to text when `body.contentType` is `html`. A number is read as
/// its digits, and a body given as a string alone as the text; other types are named.
fn body_text(body: Option<&Value>, unread: &mut Unread) -> Option<String> {
    let body = match body? {
        Value::Object(body) => body,
        Value::String(text) => return non_empty(text),
        Value::Number(number) => return Some(number.to_string()),
        Value::Null => return None,
        other => {
            unread.add("body", other);
            return None;
        }
    };
    let content = message_text(body.get("content"), "body.content", unread)?;
    // `text` or `html`; any other value, of any type, leaves the content as it is, but one that is
    // not a word at all is named, since the content may then be HTML read as text.
    let is_html = match body.get("contentType") {
        Some(Value::String(kind)) => kind.trim().eq_ignore_ascii_case("html"),
        None | Some(Value::Null) => false,
        Some(other) => {
            unread.add("body.contentType", other);
            false
        }
    };
    if is_html {
        return non_empty(&crate::html::to_text(&content));
    }
    Some(content)
}

/// The key among chats' members of the chat whose members received the message: its `chatId`
/// (a channel's members are not listed), as a Teams chat's.
fn chat_key(object: &Map<String, Value>, unread: &mut Unread) -> Option<String> {
    let id = scalar_text(object, "chatId", "chatId", unread)?;
    Some(format!("teams{KEY_SEPARATOR}{id}"))
}

/// `chatId`, or `teamId/channelId` from `channelIdentity`.
fn conversation(object: &Map<String, Value>, unread: &mut Unread) -> Option<String> {
    if let Some(chat) = scalar_text(object, "chatId", "chatId", unread) {
        return Some(chat);
    }
    let channel = match object.get("channelIdentity")? {
        Value::Object(channel) => channel,
        Value::Null => return None,
        other => {
            unread.add("channelIdentity", other);
            return None;
        }
    };
    let team = scalar_text(channel, "teamId", "channelIdentity.teamId", unread).unwrap_or_default();
    let id = scalar_text(channel, "channelId", "channelIdentity.channelId", unread)?;
    Some(format!("{team}/{id}"))
}

/// The user an entry of `mentions` names (`mentioned.user`). A mention of a channel or team
/// (`mentioned.conversation`, `mentioned.tag`) names no one and is passed over.
fn mentioned(item: &Value, path: &str, unread: &mut Unread) -> Option<Person> {
    match item {
        Value::Object(mention) => sender(
            mention.get("mentioned"),
            &format!("{path}.mentioned"),
            unread,
        ),
        Value::Null => None,
        other => {
            unread.add(path, other);
            None
        }
    }
}

/// Teams attachments are links (files in SharePoint or OneDrive) or cards; the export does not
/// hold file contents, so each is described and its `extraction` says so. An entry given as a
/// string is a file name; a card's `content` given as a JSON object rather than as its JSON text
/// is read as that text. The flag is set for a reply's quote of another message (type
/// [`MESSAGE_REFERENCE`]).
fn attachment(item: &Value, path: &str, unread: &mut Unread) -> Option<(Attachment, bool)> {
    let empty = Map::new();
    let (item, name) = match item {
        Value::Object(item) => (
            item,
            scalar_text(item, "name", &format!("{path}.name"), unread),
        ),
        Value::String(name) => (&empty, Some(non_empty(name)?)),
        Value::Null => return None,
        other => {
            unread.add(path, other);
            return None;
        }
    };
    let content_type = scalar_text(item, "contentType", &format!("{path}.contentType"), unread);
    let url = scalar_text(item, "contentUrl", &format!("{path}.contentUrl"), unread);
    let extension = name
        .as_deref()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let inline = match item.get("content") {
        Some(card @ (Value::Object(_) | Value::Array(_))) => Some(card.to_string()),
        content => message_text(content, &format!("{path}.content"), unread),
    };
    let extraction = if inline.is_some() {
        None
    } else {
        Some(match &url {
            Some(_) => "the export links the file (contentUrl); its content is not in the export"
                .to_owned(),
            None => "the export holds no content for this attachment".to_owned(),
        })
    };
    let is_reference = content_type
        .as_deref()
        .is_some_and(|kind| kind.eq_ignore_ascii_case(MESSAGE_REFERENCE));
    let attachment = Attachment {
        file: File {
            path: url,
            name,
            extension,
            mime_type: content_type.filter(|kind| kind.contains('/')),
            ..File::default()
        },
        text: inline,
        extraction,
    };
    Some((attachment, is_reference))
}

/// The `contentType` of the attachment a Teams reply carries for the message it quotes.
const MESSAGE_REFERENCE: &str = "messageReference";

/// A reply's quote of another message (an attachment of type `messageReference`, whose content
/// holds the quoted message's id, its sender and a preview of its text) is another person's
/// words: left as the attachment's text, they were read as the replier's own. Each is moved to
/// the start of the body as quoted lines, `> ` before each, the quoted sender's name first, as a
/// quote in a `<blockquote>` is written ([`crate::html`]); the text below is the reply. The
/// scanners read quoted lines as quoted history, and the disclosure checks and sealing cues still
/// read them. The attachment stays, described, without the text.
fn quote_references(message: &mut ChatMessage, attachments: Vec<(Attachment, bool)>) {
    let mut quotes = String::new();
    for (mut attachment, is_reference) in attachments {
        if is_reference && let Some(content) = attachment.text.take() {
            let reference = read_reference(&content);
            let sender = reference.sender.as_deref();
            let said = sender.into_iter().flat_map(str::lines);
            for line in said.chain(reference.preview.lines()) {
                quotes.push_str("> ");
                quotes.push_str(line.trim_end());
                quotes.push('\n');
            }
            let of = match (&reference.id, sender) {
                (Some(id), Some(sender)) => format!("message {id} by {sender}"),
                (Some(id), None) => format!("message {id}"),
                (None, Some(sender)) => format!("a message by {sender}"),
                (None, None) => "another message".to_owned(),
            };
            attachment.extraction = Some(format!(
                "a quote of {of}: its text is read as quoted lines at the start of the body"
            ));
        }
        message.attachments.push(attachment);
    }
    if quotes.is_empty() {
        return;
    }
    if let Some(reply) = message.text.take() {
        quotes.push_str(&reply);
    }
    message.text = Some(quotes);
}

/// What a `messageReference` attachment says of the message it quotes.
struct Reference {
    id: Option<String>,
    sender: Option<String>,
    preview: String,
}

/// Reads a `messageReference` attachment's content: JSON with `messageId`, `messagePreview` and
/// `messageSender` (shaped as a message's `from`). Content that is not such JSON is all quoted
/// text: the attachment's type says it is a quote.
fn read_reference(content: &str) -> Reference {
    let Ok(Value::Object(reference)) = serde_json::from_str::<Value>(content) else {
        return Reference {
            id: None,
            sender: None,
            preview: content.to_owned(),
        };
    };
    // Wrong types here are not named: the whole content stays in `original`.
    let mut ignored = Unread::default();
    let sender = sender(
        reference.get("messageSender"),
        "messageSender",
        &mut ignored,
    )
    .and_then(|person| person.name.or(person.address).or(person.id));
    let preview = match reference.get("messagePreview") {
        Some(Value::String(text)) => text.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    };
    Reference {
        id: text_of(reference.get("messageId")),
        sender,
        preview,
    }
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

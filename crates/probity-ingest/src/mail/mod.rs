//! EML and MBOX: one MIME message, or a Unix mailbox of them, as email events.
//!
//! Parsing is mail-parser's; this module maps a parsed message onto [`Event`]
//! (`email.*`, the sender as `user.*`, the headers an investigator needs in `original`) and cuts
//! mailboxes into messages. Attachments carry their extracted text ([`crate::attach`]), and an
//! Exchange journal report is unwrapped to the message it journals. Every message becomes an
//! event or a dead letter: one too large for
//! [`Limits::max_message_bytes`](crate::Limits::max_message_bytes) keeps its first bytes and its
//! size, and bytes with no header field at all say so. Anything else is decoded as far as it goes.

mod alternative;
mod boundary;
mod content_types;
mod empty_parts;
mod eol;
mod header_delimiters;
mod header_limit;
mod header_lines;
mod journal;
mod mbox;
mod message;
mod outside;
pub(crate) mod transfer;
mod unclosed;
mod unfound;
mod untyped;

use std::io::{BufReader, Read};

use mail_parser::MessageParser;
use probity_model::{DeadLetter, Event, Format};

use crate::{Context, Error, Limits, Result, Sink};

/// Whether `attached`, a message attached in a message whose bytes are `raw`, was read in place
/// (its part not transfer-encoded), so that its parts' offsets are into `raw` too. In a message
/// the parser decoded from a transfer encoding (a message attached in base64), one read in place
/// holds a copy of those bytes, not the bytes themselves: it was taken for one decoded, and its
/// epilogue was looked for only up to where the parser ended its multipart, and lost. The copy
/// is compared only where the bytes are not the same (the parser made it, as long).
fn read_in_place(attached: &mail_parser::Message<'_>, raw: &[u8]) -> bool {
    let bytes: &[u8] = attached.raw_message.as_ref();
    std::ptr::eq(bytes, raw) || bytes == raw
}

pub use journal::ENVELOPE_ONLY_KEY;
pub use message::{ATTACHED_MESSAGES_KEY, message_to_event, message_to_events};

use mbox::{MboxMessage, SplitError, Splitter};
use message::{message_to_events_with, oversize_reason};

/// How much of a message over the size limit is kept in its dead letter: enough for its headers.
pub const OVERSIZE_KEEP_BYTES: usize = 64 * 1024;

/// Read buffer for mailboxes.
const MBOX_BUFFER_BYTES: usize = 64 * 1024;

/// Decodes one EML message (`bytes` is the whole file or body) into one event or one dead letter.
///
/// `location` is the caller's (a file path, an archive member) and goes into the provenance.
/// Errors only when the sink refuses what it is given.
pub fn decode_eml(
    bytes: &[u8],
    ctx: &mut Context,
    location: Option<String>,
    sink: &mut dyn Sink,
) -> Result<()> {
    let max_message_bytes = ctx.limits.max_message_bytes;
    if bytes.len() > max_message_bytes {
        let size = bytes.len() as u64;
        let kept = kept_bytes(bytes, size, max_message_bytes);
        return oversize(
            &MessageParser::new(),
            Format::Eml,
            kept,
            size,
            location,
            ctx,
            sink,
        );
    }
    match message_to_events(bytes, Format::Eml, ctx, location.clone()) {
        Ok(events) => send_message(events, Format::Eml, bytes, location, ctx, sink),
        Err(reason) => {
            let size = bytes.len() as u64;
            let kept = kept_bytes(bytes, size, max_message_bytes);
            sink.reject(dead_letter(ctx, Format::Eml, reason, location, kept, size))
        }
    }
}

/// A message over the size limit: what its first bytes (`kept`) hold is read as a message, so
/// that its sender, recipients, subject and as much of its body and attachments as they reach are
/// checked like any other's (labelled `email.oversize` with the whole size, `email.read_bytes`
/// with what was read); the raw input goes to dead-letter as well, with the reason.
fn oversize(
    parser: &MessageParser,
    format: Format,
    kept: &[u8],
    size: u64,
    location: Option<String>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let max_message_bytes = ctx.limits.max_message_bytes;
    let mut reason = oversize_reason(size, max_message_bytes);
    let readable = kept.get(..max_message_bytes).unwrap_or(kept);
    if let Ok(events) = message_to_events_with(parser, readable, format, ctx, location.clone()) {
        reason.push_str(&format!(
            "; its first {} bytes were read as a message (an event labelled email.oversize)",
            readable.len()
        ));
        for mut event in events {
            event
                .labels
                .insert("email.oversize".into(), size.to_string());
            event
                .labels
                .insert("email.read_bytes".into(), readable.len().to_string());
            event
                .labels
                .insert("email.body_truncated".into(), "true".into());
            sink.event(event)?;
        }
    }
    sink.reject(dead_letter(ctx, format, reason, location, kept, size))
}

/// Decodes a Unix mailbox (separated by `From ` envelope lines with a sender and a date, `>From `
/// quoting; an unquoted body line starting `From ` stays in its message) read from `reader`, one
/// event or dead letter per message, located as `message N (byte offset X)`.
///
/// Memory stays bounded by the message size limit, whatever the mailbox's size. Input that is
/// empty or does not start with a `From ` line is not a mailbox: that is an [`Error::Invalid`],
/// and nothing is pushed (the caller keeps the whole input as a dead letter). A read failure
/// part-way keeps the message being read as a dead letter and then returns the error.
pub fn decode_mbox(reader: impl Read, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let max_message_bytes = ctx.limits.max_message_bytes;
    let mut splitter = Splitter::new(
        BufReader::with_capacity(MBOX_BUFFER_BYTES, reader),
        max_message_bytes,
        OVERSIZE_KEEP_BYTES,
    );
    let parser = MessageParser::new();
    loop {
        match splitter.next_message() {
            Ok(Some(message)) => decode_mbox_message(&parser, message, ctx, sink)?,
            Ok(None) => return Ok(()),
            Err(SplitError::NotMbox { first_line }) => return Err(not_mbox(&first_line)),
            Err(SplitError::Io {
                offset,
                source,
                partial,
            }) => {
                let reason = format!("reading the mailbox failed at byte {offset}: {source}");
                if let Some(message) = partial {
                    let location = mbox_location(&message);
                    let kept = kept_bytes(&message.content, message.size, max_message_bytes);
                    sink.reject(dead_letter(
                        ctx,
                        Format::Mbox,
                        format!("{reason}; this message may be incomplete"),
                        Some(location),
                        kept,
                        message.size,
                    ))?;
                }
                return Err(Error::Invalid(reason));
            }
        }
    }
}

fn decode_mbox_message(
    parser: &MessageParser,
    message: MboxMessage,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let location = mbox_location(&message);
    let max_message_bytes = ctx.limits.max_message_bytes;
    if message.is_over(max_message_bytes) {
        return oversize(
            parser,
            Format::Mbox,
            &message.content,
            message.size,
            Some(location),
            ctx,
            sink,
        );
    }
    match message_to_events_with(
        parser,
        &message.content,
        Format::Mbox,
        ctx,
        Some(location.clone()),
    ) {
        Ok(events) => send_message(
            events,
            Format::Mbox,
            &message.content,
            Some(location),
            ctx,
            sink,
        ),
        Err(reason) => sink.reject(dead_letter(
            ctx,
            Format::Mbox,
            reason,
            Some(location),
            &message.content,
            message.size,
        )),
    }
}

/// Sends a decoded message's events on. A message that its events do not hold in full (a body
/// cut at `max_email_body_bytes`, labelled `email.body_truncated`; attachments past
/// `max_attachments`, labelled `email.attachments_omitted`; parts that may be misread; journal
/// reports nested too deep; attached messages nested too deep to be read; a preamble or epilogue
/// past the part of it read) goes to dead-letter whole as well, once, with the reasons, so that the
/// rest is kept rather than lost: the events hold what was read.
fn send_message(
    events: Vec<Event>,
    format: Format,
    raw: &[u8],
    location: Option<String>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let mut reasons: Vec<String> = Vec::new();
    for event in events {
        for reason in not_held_in_full(&event, &ctx.limits) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        sink.event(event)?;
    }
    if !reasons.is_empty() {
        let reason = format!("{}: the whole message is kept here", reasons.join("; "));
        sink.reject(dead_letter(
            ctx,
            format,
            reason,
            location,
            raw,
            raw.len() as u64,
        ))?;
    }
    Ok(())
}

/// What of a message its event does not hold, by the labels the decoder set.
fn not_held_in_full(event: &Event, limits: &Limits) -> Vec<String> {
    let mut reasons = Vec::new();
    if event.labels.contains_key("email.body_truncated") {
        reasons.push(format!(
            "the message's body is longer than the {} bytes its event keeps (labelled email.body_truncated)",
            limits.max_email_body_bytes
        ));
    }
    if let Some(depth) = event.labels.get("email.journal_too_deep") {
        reasons.push(format!(
            "journal reports are nested more than {depth} deep: the deepest report read is the event (labelled email.journal_too_deep), so the envelopes inside it were not applied"
        ));
    }
    if let Some(why) = event.labels.get("email.parts_misread") {
        reasons.push(format!("{why} (labelled email.parts_misread)"));
    }
    if let Some(count) = event.labels.get("email.outside_parts_not_read") {
        reasons.push(format!(
            "the text outside the parts of {count} multiparts was not read: those past the first {} of one message, its own or an attached message's (labelled email.outside_parts_not_read)",
            outside::MAX_MULTIPARTS_READ
        ));
    }
    if let Some(count) = event.labels.get(unclosed::NOT_CHECKED_LABEL) {
        reasons.push(format!(
            "the structure of {count} multiparts, past the first {} of the message and the messages attached to it, was not checked for multiparts never closed or with no part, which hide the parts after them from the parser (labelled {})",
            unclosed::MAX_MULTIPARTS,
            unclosed::NOT_CHECKED_LABEL
        ));
    }
    if let Some(why) = event.labels.get("email.nested_messages_cut") {
        reasons.push(format!("{why} (labelled email.nested_messages_cut)"));
    }
    if let Some(why) = event.labels.get(outside::CUT_LABEL) {
        reasons.push(format!("{why} (labelled {})", outside::CUT_LABEL));
    }
    if let Some(why) = event.labels.get(message::UNFINISHED_LABEL) {
        reasons.push(format!("{why} (labelled {})", message::UNFINISHED_LABEL));
    }
    if let Some(why) = event.labels.get(message::TOO_DEEP_LABEL) {
        reasons.push(format!("{why} (labelled {})", message::TOO_DEEP_LABEL));
    }
    if let Some(why) = event.labels.get(message::ARCHIVE_NOT_READ_LABEL) {
        reasons.push(format!(
            "{why} (labelled {})",
            message::ARCHIVE_NOT_READ_LABEL
        ));
    }
    if let Some(why) = event.labels.get("email.headers_cut") {
        reasons.push(format!("{why} (labelled email.headers_cut)"));
    }
    if let Some(why) = event.labels.get("email.part_headers_cut") {
        reasons.push(format!("{why} (labelled email.part_headers_cut)"));
    }
    if let Some(omitted) = event.labels.get("email.attachments_omitted") {
        reasons.push(format!(
            "the message has {omitted} attachments more than the {} its event describes (labelled email.attachments_omitted)",
            limits.max_attachments
        ));
    }
    reasons
}

fn mbox_location(message: &MboxMessage) -> String {
    format!("message {} (byte offset {})", message.index, message.offset)
}

fn not_mbox(first_line: &[u8]) -> Error {
    if first_line.is_empty() {
        return Error::Invalid("not an mbox: the input is empty".into());
    }
    let shown: String = String::from_utf8_lossy(first_line)
        .trim_end()
        .chars()
        .take(60)
        .collect();
    Error::Invalid(format!(
        "not an mbox: the input does not start with a \"From \" line (it starts {shown:?})"
    ))
}

/// The bytes a dead letter keeps: all of a message within the limit, the first
/// [`OVERSIZE_KEEP_BYTES`] of one over it.
fn kept_bytes(bytes: &[u8], size: u64, max_message_bytes: usize) -> &[u8] {
    if size <= max_message_bytes as u64 {
        return bytes;
    }
    bytes.get(..OVERSIZE_KEEP_BYTES).unwrap_or(bytes)
}

fn dead_letter(
    ctx: &Context,
    format: Format,
    reason: String,
    location: Option<String>,
    kept: &[u8],
    size: u64,
) -> DeadLetter {
    let mut letter = ctx.dead_letter(Some(format), reason, location, kept);
    letter.raw_len = letter.raw_len.max(size);
    letter
}

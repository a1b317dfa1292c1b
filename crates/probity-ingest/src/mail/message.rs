//! One parsed MIME message onto an [`Event`].

use std::borrow::Cow;
use std::cell::OnceCell;
use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Address, ContentType, Encoding, Header, HeaderName, HeaderValue, Message, MessageParser,
    MessagePart, MimeHeaders, PartType,
};
use probity_model::{
    Attachment, Email, Event, EventMeta, File, FileHash, Format, Identity, Timestamp, User,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    alternative, boundary, content_types, empty_parts, eol, header_delimiters, header_limit,
    header_lines, journal, outside, transfer, unclosed, unfound, untyped,
};
use crate::{Context, Limits, attach, charset};

/// Headers kept in [`Event::original`] as text (RFC 2047 encoded words decoded, folding undone),
/// spelled as written here whatever case the message used. `Received` is kept separately, as an
/// array in order. `Sender`, `Reply-To`, the resent fields and the delivery headers name parties
/// to the message that `From`, `To`, `Cc` and `Bcc` do not (who sent it for its author; where
/// replies go; who resent it and to whom; the mailbox a server delivered it to): the
/// protected-party exclusions read them here, by these names
/// (`probity_privacy::exclusions::PARTY_HEADERS`).
const ORIGINAL_HEADERS: [&str; 24] = [
    "Message-ID",
    "Date",
    "From",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Return-Path",
    "Reply-To",
    "Sender",
    "In-Reply-To",
    "References",
    "X-Originating-IP",
    "X-Mailer",
    "User-Agent",
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

/// The root part's `Content-Type`, kept in [`Event::original`] with the headers above.
const CONTENT_TYPE: &str = "Content-Type";

/// The [`Event::original`] key listing the messages held in the event's attachments (an
/// attached message, one inside it…) whose headers name anybody, so that the communications
/// stage can tell one with a protected party and withhold its text alone
/// (`probity_comms::ATTACHED_MESSAGES_KEY`, which reads it and takes it out before the event is
/// stored). Each entry: `attachment` (the index in `email.attachments`), `start` and `end` (the
/// byte range, in that attachment's text, that holds the message's subject, body and
/// attachments), `depth` (1 for a message attached to the event's own) and `headers`, an array
/// of `[name, value]` pairs of the headers the exclusions read of a message (`From`, `Sender`,
/// `Reply-To`, `To`, `Cc`, `Bcc`, `Subject`, the resent and delivery headers) as written (RFC 2047
/// words decoded).
pub const ATTACHED_MESSAGES_KEY: &str = "probity.attached_messages";

/// The headers of an attached message listed under [`ATTACHED_MESSAGES_KEY`]: those the
/// protected-party exclusions read of a message of its own (its parties,
/// `probity_privacy::exclusions::HELD_PARTY_HEADERS`, and its subject).
const HELD_HEADERS: [&str; 16] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Subject",
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

/// Most header values listed for one attached message (a header repeated past this is noise).
const MAX_HELD_HEADERS: usize = 64;

/// Turns one message's raw bytes into an email event, or says why it cannot: the first of
/// [`message_to_events`], which is the only one but for a journal report that is not shaped as
/// Exchange writes them (see there).
pub fn message_to_event(
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    location: Option<String>,
) -> Result<Event, String> {
    let mut events = message_to_events(bytes, format, ctx, location)?;
    if events.is_empty() {
        return Err("the message gave no event".into());
    }
    Ok(events.swap_remove(0))
}

/// Turns one message's raw bytes into email events (one, but for the journal reports below), or
/// says why it cannot.
///
/// `format` is [`Format::Eml`] for a message on its own and [`Format::Mbox`] for one cut from a
/// mailbox; the raw bytes are the content the event ids are derived from. A message larger than
/// `ctx.limits.max_message_bytes`, and bytes that are not a message at all (mail-parser finds no
/// header field, or none of them is a standard one), give `Err` with the reason; anything else
/// (bad charsets, broken base64, missing boundaries) is decoded as far as it goes. An id is only
/// consumed for a message that becomes an event.
///
/// Each attachment gets its text, or the reason it has none ([`crate::attach`]). An Exchange
/// journal report becomes the event of the message it journals, with the envelope's extra
/// recipients in `email.bcc` and the report in `original.journal`. A message that carries the
/// journal report header but holds more than the envelope and the message journalled is an event
/// of its own as well, read as any other message is, so that the header cannot hide what it
/// holds (`email.journal_mismatch` says why).
pub fn message_to_events(
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    location: Option<String>,
) -> Result<Vec<Event>, String> {
    message_to_events_with(&MessageParser::new(), bytes, format, ctx, location)
}

/// [`message_to_events`] with a parser made once per mailbox.
pub(super) fn message_to_events_with(
    parser: &MessageParser,
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    location: Option<String>,
) -> Result<Vec<Event>, String> {
    let limit = ctx.limits.max_message_bytes;
    if bytes.len() > limit {
        return Err(oversize_reason(bytes.len() as u64, limit));
    }
    // Messages nested thousands deep are cut before they are parsed (below).
    let nesting = nesting_cut(bytes);
    let parsed = nesting.map_or(bytes, |(cut, _)| &bytes[..cut]);
    // A CR alone is read as the line end it stands for (mail-parser ends lines only at LF).
    let line_ends = eol::line_ends_mended(parser, parsed);
    let input = line_ends
        .as_ref()
        .map_or(parsed, |(rewritten, _)| rewritten);
    // Header blocks past their limits are parsed without the fields past them.
    let headers_cut = header_limit::cut(input);
    let input = headers_cut.as_ref().map_or(input, |cut| &cut.bytes);
    // Raw 8-bit header lines that are not UTF-8 are read as windows-1252 (mail-parser would replace
    // their letters with U+FFFD); the event id still comes from the bytes as read.
    let transcoded = charset::header_block_as_utf8(input);
    let first = transcoded.as_deref().unwrap_or(input);
    // Many multiparts whose boundary occurs nowhere after them took a scan of the rest of the
    // message each: they are read without one.
    let renamed = unfound::rename(first);
    let first = renamed.as_ref().map_or(first, |renamed| &renamed.bytes);
    #[cfg(test)]
    unfound::note_parsed(first);
    let Some(message) = parser.parse(first) else {
        return Err(format!(
            "not a MIME message: no header field found in {} bytes",
            bytes.len()
        ));
    };
    // A part whose Content-Type fields are all multipart types, the last's boundary found nowhere
    // and an earlier one's found, is read by the latest such one: the message is read again with
    // the fields after it renamed.
    let retyped = content_types::retype(parser, &message);
    let (message, first) = match retyped.as_ref() {
        Some(retyped) => {
            drop(message);
            read_again(parser, &retyped.bytes, first)?
        }
        None => (message, first),
    };
    // So are those of the parts' header blocks (an attachment's name, its description), which only
    // a parse finds: the message is read again with them rewritten. The bodies are untouched.
    let mut ranges = Vec::new();
    part_header_ranges(&message, first, 0, &mut ranges);
    let parts_transcoded = charset::lines_as_utf8(first, &ranges);
    let (message, read) = match parts_transcoded.as_deref() {
        Some(again) => {
            // The first reading is let go before the second is made: two at once doubled the
            // memory a message takes to parse (its decoded attachments, its header fields).
            drop(message);
            read_again(parser, again, first)?
        }
        None => (message, first),
    };
    // A multipart boundary within a line, or before other text, does not end a part (RFC 2046),
    // though mail-parser splits there: the message is read again with only its delimiter lines
    // able to split it.
    let (anchored, unchanged) = boundary::anchor(parser, message, read, boundary::Mend::All);
    let message = match (unchanged, anchored.bytes.as_deref()) {
        (Some(message), _) => message,
        (None, Some(again)) => read_again(parser, again, read)?.0,
        (None, None) => parser
            .parse(read)
            .ok_or("the message could not be read again")?,
    };
    // A delimiter line within a part's header block ends the part, though the parser reads the
    // next part's header fields into it; a multipart inside another that was never closed makes
    // the parser stop at it, and the parts after it are lost. The message is read again with the
    // blocks ended and the close delimiter lines put in.
    let mended = mend_rounds(parser, &message);
    let (message, mended_read) = match mended.as_ref() {
        Some(mended) => {
            drop(message);
            let (message, read) = read_again(
                parser,
                &mended.bytes,
                anchored.bytes.as_deref().unwrap_or(read),
            )?;
            (message, Some(read))
        }
        None => (message, None),
    };
    // The mending ends multiparts where the parser had not (at a delimiter line of one further
    // out), so that the delimiter lines of a longer boundary that were within them (`--N29--`
    // where a boundary is `N2`) can now be text, where the parser splits the shorter one's part:
    // the boundaries are checked again (where the first check could mend them: one that could
    // not is labelled already). Only such lines are mended so: a check that finds a boundary
    // within a line is let go, the message read as mended (the mending moves no boundary into a
    // line, so that one is in a shape the first check left as it was on purpose).
    let (reanchored, unchanged) = match mended_read.filter(|_| anchored.unmended.is_none()) {
        Some(read) => {
            let (reanchored, unchanged) =
                boundary::anchor(parser, message, read, boundary::Mend::LongerOnly);
            if reanchored.misplaced > 0 || reanchored.unmended.is_some() {
                let message = match unchanged {
                    Some(message) => message,
                    None => parser
                        .parse(read)
                        .ok_or("the message could not be read again")?,
                };
                (None, Some(message))
            } else {
                (Some(reanchored), unchanged)
            }
        }
        None => (None, Some(message)),
    };
    let message = match (
        unchanged,
        reanchored.as_ref().and_then(|again| again.bytes.as_deref()),
        mended_read,
    ) {
        (Some(message), _, _) => message,
        (None, Some(again), Some(read)) => read_again(parser, again, read)?.0,
        (None, _, Some(read)) => parser
            .parse(read)
            .ok_or("the message could not be read again")?,
        // The message is handed back wherever it was not read again.
        (None, _, None) => return Err("the message could not be read again".to_owned()),
    };
    // Text read from the message with boundaries lengthened, as written: a lengthened boundary
    // is only a delimiter, but a close delimiter line the mending found to be text holds one.
    let boundaries_as_written = |text: &str| -> Option<String> {
        let later = reanchored.as_ref().and_then(|again| again.as_written(text));
        anchored
            .as_written(later.as_deref().unwrap_or(text))
            .or(later)
    };
    let lengthened = anchored.bytes.is_some()
        || reanchored
            .as_ref()
            .is_some_and(|again| again.bytes.is_some());
    if let Some(reason) = not_a_message(&message, bytes.len()) {
        return Err(reason);
    }
    let not_checked = unclosed::not_checked(&message);
    let max_originals = ctx.limits.max_attachments;
    let mut events = journal::events(&message, max_originals, &mut |message, end, journalled| {
        event_from_message(
            message,
            end,
            journalled,
            renamed.as_ref(),
            retyped.as_ref(),
            bytes,
            format,
            ctx,
            location.clone(),
        )
    });
    for event in &mut events {
        if lengthened {
            text_as_written(event, &boundaries_as_written);
        }
        if let Some(renamed) = &renamed {
            text_as_written(event, &|text| renamed.as_written(text));
        }
        if let Some(retyped) = &retyped {
            text_as_written(event, &|text| retyped.as_written(text));
            event
                .labels
                .insert(content_types::LABEL.into(), "true".into());
        }
        label_reading(
            event,
            transcoded.is_some() || parts_transcoded.is_some(),
            [Some(&anchored), reanchored.as_ref()],
            line_ends.as_ref().map(|(_, count)| *count),
        );
        if let Some(cut) = headers_cut.as_ref().filter(|cut| cut.fields > 0) {
            event.labels.insert(
                "email.headers_cut".into(),
                format!(
                    "{} header fields ({} bytes) past the first {} bytes of the message's header block were not read",
                    cut.fields,
                    cut.field_bytes,
                    header_limit::MAX_HEADER_BLOCK_BYTES
                ),
            );
        }
        // Those of attached messages held in a transfer encoding are counted with the parts'.
        let (part_fields, part_field_bytes) = headers_cut
            .as_ref()
            .map_or((0, 0), |cut| (cut.part_fields, cut.part_field_bytes));
        let (encoded_fields, encoded_bytes) = renamed
            .as_ref()
            .map_or((0, 0), |renamed| renamed.headers_cut);
        if part_fields + encoded_fields > 0 {
            event.labels.insert(
                "email.part_headers_cut".into(),
                format!(
                    "{} header fields ({} bytes) past the first {} bytes of the header blocks of the message's parts were not read",
                    part_fields + encoded_fields,
                    part_field_bytes + encoded_bytes,
                    header_limit::MAX_PART_HEADER_BYTES
                ),
            );
        }
        if let Some(mended) = mended.as_ref().filter(|mended| mended.closed > 0) {
            event
                .labels
                .insert(unclosed::LABEL.into(), mended.closed.to_string());
        }
        if let Some(mended) = mended.as_ref().filter(|mended| mended.ended > 0) {
            event
                .labels
                .insert(header_delimiters::LABEL.into(), mended.ended.to_string());
        }
        if let Some(mended) = mended.as_ref().filter(|mended| mended.emptied > 0) {
            event
                .labels
                .insert(empty_parts::LABEL.into(), mended.emptied.to_string());
        }
        if let Some(why) = mended
            .as_ref()
            .and_then(|mended| mended.unfinished.as_ref())
        {
            event.labels.insert(UNFINISHED_LABEL.into(), why.clone());
        }
        if not_checked > 0 {
            event
                .labels
                .insert(unclosed::NOT_CHECKED_LABEL.into(), not_checked.to_string());
        }
        if let Some((cut, count)) = nesting {
            event.labels.insert(
                "email.nested_messages_cut".into(),
                format!(
                    "the message names a message or digest type {count} times or more, over the {MAX_NESTED_TYPES} read: it was read up to byte {cut} only"
                ),
            );
        }
    }
    Ok(events)
}

/// Fewest rounds [`mend_rounds`] may take, each a reading of the message, whatever its size.
const MIN_MEND_ROUNDS: usize = 6;

/// Most rounds of [`mend_rounds`], however small the message.
const MAX_MEND_ROUNDS: usize = 64;

/// The bytes [`mend_rounds`] may read in all: a message of a sixth of this or more gets its
/// [`MIN_MEND_ROUNDS`], a smaller one as many rounds as fit, up to [`MAX_MEND_ROUNDS`] (one of
/// 16 KiB gets 64), no more bytes read than six rounds of a message of 175 KB. A reading of a message nested hundreds deep costs more
/// than its bytes say: at 4 MiB in all, a 146 KB mailbox of such messages took 0.8 s of CPU to
/// read, against 0.08 s with six rounds and 0.23 s with this (comms fuzzer s55 ec53620672e68eec).
/// A round mends what the last reading showed, and a multipart never closed hides the next one opened after it: sibling
/// parts each opening a multipart of one boundary, none closed, are closed one a round (comms
/// fuzzer s51 60d245462dc39f50, where the seventh was left open and the part after it lost).
const MEND_BYTES: usize = 1024 * 1024;

/// How many rounds [`mend_rounds`] takes on a message of `len` bytes.
fn mend_rounds_for(len: usize) -> usize {
    (MEND_BYTES / len.max(1)).clamp(MIN_MEND_ROUNDS, MAX_MEND_ROUNDS)
}

/// The message written again by [`mend_rounds`], with how many header blocks it ended
/// ([`header_delimiters`]), how many empty parts it put in ([`empty_parts`]) and how many close
/// delimiter lines ([`unclosed`]).
struct Mended {
    bytes: Vec<u8>,
    ended: usize,
    emptied: usize,
    closed: usize,
    /// Why the mending stopped with a mending still to make, where it did: the parts after it
    /// may not have been read ([`UNFINISHED_LABEL`]).
    unfinished: Option<String>,
}

/// The label on a message whose mending by [`mend_rounds`] stopped with a mending still to make,
/// saying why: the rounds its size allows ran out (past the first [`MIN_MEND_ROUNDS`], where
/// only multiparts were closed, header blocks to end and empty parts to put in were left with no
/// label), or the message written again could not be read. The parts after what was
/// left unmended may have been lost to the parser (sibling multiparts, none closed, past the
/// count of rounds: comms fuzzer s51 60d245462dc39f50). The message goes to dead-letter whole. A
/// header block to end or empty part to put in that only repeats the last round's, the same lines
/// put in at the same place (mail-parser's malformed/005.eml, boundaries `a--` and `a----`, has
/// an empty part put in every round), never comes to an end and changes nothing more: past the
/// first rounds the mending stops there, and it is not counted as one still to make.
pub(super) const UNFINISHED_LABEL: &str = "email.mending_unfinished";

/// `message` written again with its parts' header blocks ended at delimiter lines, the empty
/// parts the parser needs put in, and the close delimiter lines of multiparts never closed. Each
/// brings the others' cases to light (a block ended at an outer delimiter line leaves an inner
/// multipart unclosed, or with no part; a multipart closed leaves the next part's header block to
/// be read), so they are done in turns, the message read again after each, as often as
/// [`mend_rounds_for`] its size allows. None where none is needed.
fn mend_rounds(parser: &MessageParser, message: &Message<'_>) -> Option<Mended> {
    let mut current: Option<Vec<u8>> = None;
    let mut ended = 0;
    let mut emptied = 0;
    let mut closed = 0;
    let mut unfinished = None;
    // The lines the last round put in, and how many bytes of the message follow them.
    let mut last_insertion: Option<(Vec<u8>, usize)> = None;
    let rounds = mend_rounds_for(message.raw_message.len());
    // One reading more than the rounds allow, to tell whether a mending was still to make.
    for round in 0..=rounds {
        let next = {
            let parsed;
            let reading = match current.as_deref() {
                None => message,
                Some(bytes) => match parser.parse(bytes) {
                    Some(again) => {
                        parsed = again;
                        &parsed
                    }
                    None => {
                        unfinished = Some(format!(
                            "the message written again in round {round} of the mending of its structure could not be read: it was read as the parser first read it, and its parts may not have been read as sent"
                        ));
                        break;
                    }
                },
            };
            if let Some((bytes, count)) = header_delimiters::rewritten(reading) {
                Some((bytes, &mut ended, count, Mending::HeaderBlock))
            } else if let Some((bytes, count)) = empty_parts::put_in(parser, reading) {
                Some((bytes, &mut emptied, count, Mending::EmptyPart))
            } else if let Some(close) = unclosed::close(reading, &reading.raw_message) {
                Some((close.bytes, &mut closed, close.count, Mending::Close))
            } else {
                None
            }
        };
        let Some((bytes, counted, count, mending)) = next else {
            break;
        };
        let before: &[u8] = current.as_deref().unwrap_or(&message.raw_message);
        let insertion = single_insertion(before, &bytes);
        // A header block to end or an empty part to put in that repeats the last round's, the
        // same lines at the same place, changed nothing the mendings look at, and never comes to
        // an end (mail-parser's malformed/005.eml has an empty part put in every round): past
        // the first rounds, the mending stops there, finished as far as it can be.
        let repeats =
            mending != Mending::Close && insertion.is_some() && insertion == last_insertion;
        if repeats && round >= MIN_MEND_ROUNDS {
            break;
        }
        if round == rounds {
            unfinished = Some(format!(
                "the parts after {} when the {rounds} rounds of mending of the message's structure its size allows ran out may not have been read",
                mending.what()
            ));
            break;
        }
        *counted += count;
        last_insertion = insertion;
        current = Some(bytes);
    }
    current.map(|bytes| Mended {
        bytes,
        ended,
        emptied,
        closed,
        unfinished,
    })
}

/// The kinds of mending [`mend_rounds`] makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mending {
    /// A part's header block ended at a delimiter line ([`header_delimiters`]).
    HeaderBlock,
    /// Empty parts put in ([`empty_parts`]).
    EmptyPart,
    /// Close delimiter lines put in ([`unclosed`]).
    Close,
}

impl Mending {
    /// What is left to mend, said in [`UNFINISHED_LABEL`].
    fn what(self) -> &'static str {
        match self {
            Self::HeaderBlock => "a part's header block still to end at a delimiter line",
            Self::EmptyPart => "an empty part still to put in",
            Self::Close => "multiparts still open",
        }
    }
}

/// Where `after` is `before` with bytes put in at one place: those bytes, and how many bytes of
/// `before` follow them (the first place they can be said to go, where the bytes around repeat
/// them). None where it is not.
fn single_insertion(before: &[u8], after: &[u8]) -> Option<(Vec<u8>, usize)> {
    if after.len() <= before.len() {
        return None;
    }
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let rest_before = before.get(prefix..)?;
    let rest_after = after.get(prefix..)?;
    if !rest_after.ends_with(rest_before) {
        return None;
    }
    let put_in = rest_after.get(..rest_after.len() - rest_before.len())?;
    Some((put_in.to_vec(), rest_before.len()))
}

/// The header values kept in `value` (a string, or arrays and objects of them) as the message
/// wrote them, where it was written again to read it (`as_written` gives a text back as written,
/// or none where it is): its `Content-Type` shows the boundary its sender wrote.
fn headers_as_written(value: &mut Value, as_written: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(written) = as_written(text) {
                *text = written;
            }
        }
        Value::Array(values) => {
            for value in values {
                headers_as_written(value, as_written);
            }
        }
        Value::Object(map) => {
            for value in map.values_mut() {
                headers_as_written(value, as_written);
            }
        }
        _ => {}
    }
}

/// `again`, a rewriting of the message `first`, read, and the bytes read; `first` read again
/// where the parser finds no message in `again`.
fn read_again<'a>(
    parser: &MessageParser,
    again: &'a [u8],
    first: &'a [u8],
) -> Result<(Message<'a>, &'a [u8]), String> {
    match parser.parse(again) {
        Some(message) => Ok((message, again)),
        None => parser
            .parse(first)
            .map(|message| (message, first))
            .ok_or_else(|| "the message could not be read again".to_owned()),
    }
}

/// The texts of an event read from a message rewritten in place to be read (its multiparts'
/// `boundary` parameters renamed, [`unfound`], or `Content-Type` fields, [`content_types`]) as the
/// message wrote them (`as_written` gives a text back so, none where it is as written): its
/// header values, subject, body and attachments' text (a renamed field can be a line of text,
/// where mail-parser reads it as one).
fn text_as_written(event: &mut Event, as_written: &dyn Fn(&str) -> Option<String>) {
    for value in event.original.values_mut() {
        headers_as_written(value, as_written);
    }
    let restore = |text: &mut Option<String>| {
        if let Some(written) = text.as_deref().and_then(as_written) {
            *text = Some(written);
        }
    };
    restore(&mut event.message);
    let Some(email) = event.email.as_mut() else {
        return;
    };
    restore(&mut email.subject);
    restore(&mut email.body);
    for (index, attachment) in email.attachments.iter_mut().enumerate() {
        let Some(text) = attachment.text.as_deref() else {
            continue;
        };
        let Some(written) = as_written(text) else {
            continue;
        };
        // Bytes taken out (a boundary's suffix): the messages held in the text move with it.
        if written.len() != text.len()
            && let Some(Value::Array(held)) = event.original.get_mut(ATTACHED_MESSAGES_KEY)
        {
            for entry in held
                .iter_mut()
                .filter(|entry| entry["attachment"].as_u64() == Some(index as u64))
            {
                for key in ["start", "end"] {
                    if let Some(at) = entry[key].as_u64() {
                        let moved = offset_in_shortened(text, &written, at as usize);
                        entry[key] = Value::from(moved);
                    }
                }
            }
        }
        attachment.text = Some(written);
    }
}

/// Where byte `at` of `before` is in `after`, which is `before` with some bytes taken out and
/// none put in (the suffixes of lengthened boundaries, `_probity_N`, which the text after them
/// does not repeat): the bytes of `after` matched in order before it.
fn offset_in_shortened(before: &str, after: &str, at: usize) -> usize {
    let after = after.as_bytes();
    let mut matched = 0;
    for &byte in before.as_bytes().iter().take(at) {
        if after.get(matched) == Some(&byte) {
            matched += 1;
        }
    }
    matched
}

/// How many times a message may name a message type (`message/rfc822`, `message/global`) or a
/// digest (`multipart/digest`, whose parts are messages) before the rest of it is not parsed.
/// mail-parser holds an attached message inside the part that attaches it, and freeing 25,000
/// of them nested one in another overflows the stack and ends the process (found by the
/// fuzzer: 750 KB of `Content-Type: message/rfc822` lines); 20,000 did not.
pub(super) const MAX_NESTED_TYPES: usize = 1_000;

/// Where to cut `bytes` so that the part parsed names a message or digest type at most
/// [`MAX_NESTED_TYPES`] times (the start of the line of the next), and how many it names up to
/// there; none where it names fewer.
fn nesting_cut(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut count = 0;
    for slash in memchr::memchr_iter(b'/', bytes) {
        let before = bytes
            .get(slash.saturating_sub(7)..slash)
            .unwrap_or_default();
        let after = bytes.get(slash + 1..slash + 7).unwrap_or_default();
        if !before.eq_ignore_ascii_case(b"message") && !after.eq_ignore_ascii_case(b"digest") {
            continue;
        }
        count += 1;
        if count > MAX_NESTED_TYPES {
            let cut = memchr::memrchr(b'\n', &bytes[..slash]).map_or(0, |newline| newline + 1);
            return Some((cut, count));
        }
    }
    None
}

/// Labels what was done to a message's bytes before it could be read: header lines read as
/// windows-1252 (`guessed_charset`), boundaries passed over or not (`anchorings`: before the
/// mending of its structure, and after it where it was mended), bare CRs read as line ends.
fn label_reading(
    event: &mut Event,
    guessed_charset: bool,
    anchorings: [Option<&boundary::Anchored>; 2],
    bare_crs: Option<usize>,
) {
    if guessed_charset {
        // A guess at the charset, as for a body that declares none.
        event
            .labels
            .insert("email.encoding_problem".into(), "true".into());
    }
    let anchorings = anchorings.into_iter().flatten();
    let misplaced: usize = anchorings.clone().map(|anchored| anchored.misplaced).sum();
    if misplaced > 0 {
        event
            .labels
            .insert("email.misplaced_boundaries".into(), misplaced.to_string());
    }
    if let Some(reason) = anchorings
        .filter_map(|anchored| anchored.unmended.as_ref())
        .next()
    {
        event
            .labels
            .insert("email.encoding_problem".into(), "true".into());
        event
            .labels
            .insert("email.parts_misread".into(), reason.clone());
    }
    if let Some(count) = bare_crs {
        event
            .labels
            .insert("email.bare_cr_line_ends".into(), count.to_string());
    }
}

/// How deep [`part_header_ranges`] follows attached messages into attached messages, as
/// mail-parser does.
const MAX_PART_HEADER_DEPTH: usize = 10;

/// The byte ranges, in `raw`, of the header blocks of `message`'s parts (its own first), and of
/// the parts of messages attached to it without a transfer encoding, which mail-parser reads in
/// place, so that their offsets are into `raw` too. An attached message in base64 or
/// quoted-printable is read from its decoded bytes, which are not in `raw`.
fn part_header_ranges(
    message: &Message<'_>,
    raw: &[u8],
    depth: usize,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    for part in &message.parts {
        out.push(part.offset_header as usize..part.offset_body as usize);
        if let PartType::Message(attached) = &part.body
            && depth < MAX_PART_HEADER_DEPTH
            && super::read_in_place(attached, raw)
        {
            part_header_ranges(attached, raw, depth + 1, out);
        }
    }
}

/// The event of one parsed message; `bytes` (what was read, perhaps a journal report around it)
/// give its id. The attached messages in `journalled` are events of their own (the messages a
/// journal report journals): they are described, not read. `end` is where the message ends in its
/// raw bytes when it is one a report journals, read in place there ([`body_text`]). `renamed` is
/// how the message was written again to be read, where it was ([`unfound`]): its attachments are
/// hashed and read as written. `retyped` is how its `Content-Type` fields were renamed, where
/// they were ([`content_types::retype`]): those renamed are kept under `Content-Type`.
#[allow(clippy::too_many_arguments)]
fn event_from_message(
    message: &Message<'_>,
    end: Option<outside::End>,
    journalled: &[&Message<'_>],
    renamed: Option<&unfound::Renamed>,
    retyped: Option<&content_types::Retyped>,
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    location: Option<String>,
) -> Event {
    let mut labels = Labels::default();
    let date = message_date(message, &mut labels);
    let mut held = Vec::new();
    let email = email_fields(
        message,
        end,
        journalled,
        renamed,
        ctx,
        date,
        &mut labels,
        &mut held,
    );

    let mut event = Event::new(
        date.unwrap_or(ctx.received),
        ctx.provenance(format, bytes, location),
    );
    event.message = email.subject.clone();
    event.event = EventMeta {
        kind: Some("event".into()),
        category: vec!["email".into()],
        kind_type: vec!["info".into()],
        action: Some("email-message".into()),
        dataset: Some("email".into()),
        ..EventMeta::default()
    };
    event.user = sender_user(message, &email);
    event.original = original_headers(message, retyped, ctx.limits.max_fields, &mut labels);
    if !held.is_empty() {
        event
            .original
            .insert(ATTACHED_MESSAGES_KEY.to_owned(), held_record(&held));
    }
    event.labels = labels.0;
    event.email = Some(email);
    event
}

/// Why bytes that mail-parser accepted are still not an email: no header field at all (a blank
/// line first), or none that is a standard one (random text whose first line looks like
/// `name: value`). Such input would otherwise become an empty event and its bytes would be lost.
fn not_a_message(message: &Message<'_>, len: usize) -> Option<String> {
    let headers = message.headers();
    if headers.is_empty() {
        return Some(format!(
            "not a MIME message: no header field found in {len} bytes"
        ));
    }
    if headers.iter().all(|header| header.name.is_other()) {
        return Some(format!(
            "not a MIME message: none of its {} header fields is a standard one (From, To, Subject, Date, Content-Type...)",
            headers.len()
        ));
    }
    None
}

/// The dead-letter reason for a message over the size limit.
pub(super) fn oversize_reason(size: u64, limit: usize) -> String {
    format!("message of {size} bytes is larger than the limit of {limit} bytes")
}

/// `event.labels` under construction.
#[derive(Default)]
struct Labels(std::collections::BTreeMap<String, String>);

impl Labels {
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), value.into());
    }

    /// Adds `count` to the number the label `name` holds (none where it is not set).
    fn add_count(&mut self, name: &str, count: usize) {
        let held = self
            .0
            .get(name)
            .and_then(|value| value.parse::<usize>().ok())
            .unwrap_or(0);
        self.set(name, held.saturating_add(count).to_string());
    }
}

#[allow(clippy::too_many_arguments)]
fn email_fields(
    message: &Message<'_>,
    end: Option<outside::End>,
    journalled: &[&Message<'_>],
    renamed: Option<&unfound::Renamed>,
    ctx: &Context,
    date: Option<Timestamp>,
    labels: &mut Labels,
    held: &mut Vec<(usize, Held)>,
) -> Email {
    let mut from = addresses(message, HeaderName::From);
    if from.is_empty() {
        from = addresses(message, HeaderName::Sender);
        if !from.is_empty() {
            labels.set("email.from_source", "sender");
        }
    }
    let Body {
        text: body,
        truncated: body_truncated,
        encoding_problem: body_problem,
        alternative_lines,
        outside_parts,
        outside_cut,
        outside_not_read,
        header_lines,
    } = body_text(message, end, ctx.limits.max_email_body_bytes);
    if body_truncated {
        labels.set("email.body_truncated", "true");
    }
    if outside_parts {
        labels.set("email.text_outside_parts", "true");
    }
    if outside_not_read > 0 {
        labels.add_count(outside::NOT_READ_LABEL, outside_not_read);
    }
    if outside_cut {
        labels.set(outside::CUT_LABEL, outside::CUT_REASON);
    }
    if header_lines {
        labels.set("email.text_in_headers", "true");
    }
    if alternative_lines > 0 {
        labels.set(
            "email.html_alternative_lines",
            alternative_lines.to_string(),
        );
    }
    let mut attachments = attachments(message, journalled, renamed, &ctx.limits, labels, held);
    let body = body.map(|body| uuencoded_in_body(body, &mut attachments, &ctx.limits, labels));
    if body_problem || has_encoding_problem(message) {
        labels.set("email.encoding_problem", "true");
    }
    if message.parts.iter().any(|part| {
        transfer::misread_reading(part, &message.raw_message).is_some()
            || transfer::misread_file(part, &message.raw_message).is_some()
    }) {
        labels.set(transfer::MISREAD_READING_LABEL, "true");
    }
    Email {
        from,
        to: addresses(message, HeaderName::To),
        cc: addresses(message, HeaderName::Cc),
        bcc: addresses(message, HeaderName::Bcc),
        display_names: display_names(message),
        subject: message.subject().map(str::to_owned),
        message_id: message.message_id().map(str::to_owned),
        origination_timestamp: date,
        body,
        attachments,
    }
}

/// `body` with the files uuencoded in it taken out as attachments, as a mail program shows them
/// ([`transfer::inline_uuencoded`]): each block's place in the body keeps a line naming its file,
/// and its text is read as an attachment's would be, noted as found in the body. Left in, a
/// CSV of people sent so was letters at random to every policy. The attachments stay within
/// `limits.max_attachments` (a label counts any left in the body).
fn uuencoded_in_body(
    body: String,
    attachments: &mut Vec<Attachment>,
    limits: &Limits,
    labels: &mut Labels,
) -> String {
    let room = limits.max_attachments.saturating_sub(attachments.len());
    let Some((out, files, left)) = take_uuencoded(&body, room, limits) else {
        return body;
    };
    if left > 0 {
        labels.set("email.uuencoded_files_not_read", left.to_string());
    }
    labels.set("email.uuencoded_in_body", files.len().to_string());
    for (file, extracted) in files {
        let extension = file_extension(&file.name);
        attachments.push(Attachment {
            file: File {
                path: None,
                size: Some(file.bytes.len() as u64),
                mime_type: None,
                hash: FileHash {
                    sha256: Some(hex::encode(Sha256::digest(&file.bytes))),
                },
                name: Some(file.name),
                extension,
            },
            text: extracted.text,
            extraction: extracted.note,
        });
    }
    out
}

/// A body with its uuencoded files taken out ([`take_uuencoded`]): the body, the files with their
/// text, and how many were left in it.
type Uuencoded = (
    String,
    Vec<(transfer::InlineFile, attach::Extracted)>,
    usize,
);

/// The files uuencoded in `body` ([`transfer::inline_uuencoded`]), at most `room` of them, each
/// with its text read as an attachment's is, and the body with a line `[file NAME uuencoded
/// here]` in each one's place, and how many were left in it past `room`; none where it has
/// none.
fn take_uuencoded(body: &str, room: usize, limits: &Limits) -> Option<Uuencoded> {
    memchr::memmem::find(body.as_bytes(), b"begin ")?;
    let files = transfer::inline_uuencoded(body);
    if files.is_empty() {
        return None;
    }
    let left = files.len().saturating_sub(room);
    let mut out = String::with_capacity(body.len());
    let mut taken = Vec::new();
    let mut at = 0;
    for file in files.into_iter().take(room) {
        out.push_str(body.get(at..file.start).unwrap_or_default());
        out.push_str(&format!("[file {} uuencoded here]\n", file.name));
        at = file.end;
        let extracted = attach::extract_text(
            &attach::Input {
                bytes: &file.bytes,
                mime_type: None,
                name: Some(&file.name),
                charset: None,
            },
            limits,
        );
        taken.push((file, noted(extracted, UUENCODED_NOTE)));
    }
    out.push_str(body.get(at..).unwrap_or_default());
    Some((out, taken, left))
}

/// The note on a file found uuencoded in a message's body.
const UUENCODED_NOTE: &str = "uuencoded in the message's body (begin … end), taken out of it";

/// Every address in every header called `name` (groups flattened), in order. Entries with no
/// address (a bare display name, an empty group) are left out; the header text is kept in
/// [`Event::original`].
fn addresses(message: &Message<'_>, name: HeaderName<'static>) -> Vec<Identity> {
    named_addresses(message, name)
        .into_iter()
        .map(|(address, _)| Identity::from(address))
        .collect()
}

/// [`addresses`], each with the display name the parser read beside it. An address whose local
/// part holds a quoted string and is written without angle brackets (`"oh.team"@force.example`,
/// `"occ health"@example.org`) is read by mail-parser as a display name (`oh.team`) and the rest
/// (`@force.example`): such an address is read again from the header as written
/// ([`quoted_local_part`]), and its name is kept as the parser read it.
fn named_addresses<'m>(
    message: &'m Message<'_>,
    name: HeaderName<'static>,
) -> Vec<(String, Option<&'m str>)> {
    let raw = message.raw_message.as_ref();
    let mut out = Vec::new();
    for header in message.headers() {
        if header.name != name {
            continue;
        }
        let HeaderValue::Address(address) = &header.value else {
            continue;
        };
        let written = raw
            .get(header.offset_start as usize..header.offset_end as usize)
            .unwrap_or_default();
        // Where in the header the next address cut short by the parser is looked for.
        let mut from = 0;
        for addr in address.iter() {
            let Some(kept) = addr.address.as_deref().map(str::trim) else {
                continue;
            };
            if kept.is_empty() {
                continue;
            }
            let whole = if kept.starts_with(['@', '.']) {
                quoted_local_part(kept, written, &mut from)
            } else {
                None
            };
            out.push((
                whole.unwrap_or_else(|| kept.to_owned()),
                addr.name.as_deref(),
            ));
        }
    }
    out
}

/// The whole address of which mail-parser kept only `kept`, the part after a quoted string
/// (`@force.example` of `"oh.team"@force.example`, `.team@x.org` of `"oh".team@x.org`), read
/// from the header as `written`, from byte `from` on (moved past it, so that the next address
/// cut short is looked for after it): `kept` where a quoted string stands just before it (white
/// space between allowed), with the rest of the local part before that (dots, atoms, other
/// quoted strings), folding undone. `None` where no such text is found (`Pat <@example.org>`).
fn quoted_local_part(kept: &str, written: &[u8], from: &mut usize) -> Option<String> {
    let finder = memchr::memmem::Finder::new(kept.as_bytes());
    let mut at = *from;
    for tried in 0..MAX_KEPT_TRIED {
        let found = at + finder.find(written.get(at..)?)?;
        at = found + 1;
        if tried == 0 {
            // Where none of the next few is quoted, the address is this one as written (`@x`
            // with no local part), and the next is looked for after it: searching the whole rest
            // of the header again for each of 10,000 such addresses took seconds.
            *from = found + kept.len();
        }
        // Back over white space to a closing quote.
        let mut end = found;
        while end > 0 && written.get(end - 1).is_some_and(u8::is_ascii_whitespace) {
            end -= 1;
        }
        if end == 0 || written.get(end - 1) != Some(&b'"') {
            continue;
        }
        let Some(start) = local_part_start(written, end) else {
            continue;
        };
        let local = written.get(start..end)?;
        *from = found + kept.len();
        let unfolded: Vec<u8> = local
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect();
        return Some(format!("{}{kept}", String::from_utf8_lossy(&unfolded)));
    }
    None
}

/// How many places `kept` is written in a header [`quoted_local_part`] looks at for the quoted
/// string before it: its own, and those in display names and comments before it.
const MAX_KEPT_TRIED: usize = 8;

/// Where the local part that ends at byte `end` of `written` (just after a closing quote) starts:
/// back over quoted strings (a backslash escaping the byte after it) and the atoms and dots
/// between them, to white space, a bracket, a comma, a colon or the start. `None` where a
/// quoted string has no opening quote.
fn local_part_start(written: &[u8], end: usize) -> Option<usize> {
    let mut start = end;
    while let Some(&byte) = start.checked_sub(1).and_then(|at| written.get(at)) {
        if byte == b'"' {
            // The opening quote: the first quote before this one not escaped by a backslash
            // (after an even number of them).
            let mut at = start - 1;
            loop {
                at = memchr::memrchr(b'"', written.get(..at)?)?;
                let backslashes = written
                    .get(..at)?
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                if backslashes % 2 == 0 {
                    break;
                }
            }
            start = at;
        } else if byte.is_ascii_alphanumeric()
            || !byte.is_ascii()
            || b".!#$%&'*+-/=?^_`{|}~".contains(&byte)
        {
            start -= 1;
        } else {
            break;
        }
    }
    Some(start)
}

/// The headers whose display names go in `email.display_names`.
const NAMED_HEADERS: [HeaderName<'static>; 6] = [
    HeaderName::From,
    HeaderName::Sender,
    HeaderName::ReplyTo,
    HeaderName::To,
    HeaderName::Cc,
    HeaderName::Bcc,
];

/// Past this many names, the names seen are kept in a hash set rather than searched in order.
const NAMES_SEARCHED_IN_ORDER: usize = 16;

/// Every display name and group name in the address headers of [`NAMED_HEADERS`] (every
/// occurrence of each), trimmed, each once, in header order. Parsed by the MIME parser, so a
/// quoted name with a comma in it (`"Smith, Jane" <jane@example.org>`) stays one name and encoded
/// words are decoded.
fn display_names(message: &Message<'_>) -> Vec<Identity> {
    let mut names = DistinctNames::default();
    for header in message.headers() {
        if !NAMED_HEADERS.contains(&header.name) {
            continue;
        }
        match &header.value {
            HeaderValue::Address(Address::List(list)) => {
                for addr in list {
                    names.add(addr.name.as_deref());
                }
            }
            HeaderValue::Address(Address::Group(groups)) => {
                for group in groups {
                    names.add(group.name.as_deref());
                    for addr in &group.addresses {
                        names.add(addr.name.as_deref());
                    }
                }
            }
            _ => {}
        }
    }
    names.names
}

/// Names kept once each, in the order first seen.
#[derive(Default)]
struct DistinctNames {
    names: Vec<Identity>,
    /// Every name in `names`, once there are more than [`NAMES_SEARCHED_IN_ORDER`].
    seen: Option<std::collections::HashSet<String>>,
}

impl DistinctNames {
    fn add(&mut self, name: Option<&str>) {
        let Some(name) = name.map(str::trim).filter(|name| !name.is_empty()) else {
            return;
        };
        let known = match &mut self.seen {
            Some(seen) => !seen.insert(name.to_owned()),
            None => self.names.iter().any(|seen| seen.as_str() == name),
        };
        if known {
            return;
        }
        self.names.push(Identity::from(name));
        if self.seen.is_none() && self.names.len() > NAMES_SEARCHED_IN_ORDER {
            self.seen = Some(self.names.iter().map(|n| n.as_str().to_owned()).collect());
        }
    }
}

/// `user.*` for the sender: the first `From` address (or `Sender`, where `From` is missing), with
/// its display name.
fn sender_user(message: &Message<'_>, email: &Email) -> Option<User> {
    let address = email.from.first()?;
    let full_name = [HeaderName::From, HeaderName::Sender]
        .into_iter()
        .flat_map(|name| named_addresses(message, name))
        .find(|(written, _)| written == address.as_str())
        .and_then(|(_, name)| name)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(Identity::from);
    Some(User {
        name: Some(address.clone()),
        email: Some(address.clone()),
        full_name,
        ..User::default()
    })
}

/// The `Date` header as UTC, if present and a real date; a label says when it was unreadable.
fn message_date(message: &Message<'_>, labels: &mut Labels) -> Option<Timestamp> {
    let has_date = message
        .headers()
        .iter()
        .any(|header| header.name == HeaderName::Date);
    if !has_date {
        return None;
    }
    let date = message.date().and_then(to_utc);
    if date.is_none() {
        labels.set("email.date_unreadable", "true");
    }
    date
}

fn to_utc(date: &mail_parser::DateTime) -> Option<Timestamp> {
    if !date.is_valid() {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )?
    .and_hms_opt(
        u32::from(date.hour),
        u32::from(date.minute),
        u32::from(date.second),
    )?;
    let offset = Duration::seconds(i64::from(date.tz_hour) * 3600 + i64::from(date.tz_minute) * 60);
    // A zone before GMT (-0500) is behind UTC: add the offset to get UTC.
    let utc = if date.tz_before_gmt {
        local.checked_add_signed(offset)?
    } else {
        local.checked_sub_signed(offset)?
    };
    Some(Utc.from_utc_datetime(&utc))
}

/// The text body: the text/plain parts mail-parser chose (HTML reduced to text where a message
/// has no plain alternative), then the content of any multipart part without a usable boundary
/// (read as text, as far as it goes), then the lines of an HTML alternative that hold words the
/// rest does not (under [`alternative::MARKER`]), then the text of a multipart's preamble or
/// epilogue that says more than mailers put there (under [`outside::MARKER`]; `end`, for an
/// attached message, is where the message ends in its raw bytes: see [`outside::text_ending`]),
/// then the lines of its header blocks that are not header fields (under
/// [`header_lines::MARKER`]), joined, cut at `limit` bytes on a character boundary. Also whether a part's text could not be decoded
/// as declared ([`part_text`]).
fn body_text(message: &Message<'_>, end: Option<outside::End>, limit: usize) -> Body {
    let mut body = String::new();
    let mut problem = false;
    // Which parts are in the text body, by index: looked up for each part, and for each HTML
    // part (a search of the list for each took time growing with the square of their number).
    let mut in_text_body = vec![false; message.parts.len()];
    for &id in &message.text_body {
        if let Some(slot) = in_text_body.get_mut(id as usize) {
            *slot = true;
        }
    }
    let unbounded = message
        .parts
        .iter()
        .enumerate()
        .filter(|&(id, part)| is_unbounded_multipart(part) && !in_text_body[id])
        .map(|(id, _)| id as u32);
    let ids: Vec<u32> = message.text_body.iter().copied().chain(unbounded).collect();
    for part_id in ids {
        let Some(part) = message.parts.get(part_id as usize) else {
            continue;
        };
        let Some((text, lossy)) = part_text(part, &message.raw_message) else {
            continue;
        };
        problem |= lossy || is_unbounded_multipart(part);
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&text);
        if body.len() > limit {
            break;
        }
    }
    let mut alternative_lines = 0;
    if body.len() <= limit {
        let (added, lossy) = html_alternatives_text(message, &in_text_body, &body);
        if let Some((added, lines)) = added {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(alternative::MARKER);
            body.push('\n');
            body.push_str(&added);
            alternative_lines = lines;
        }
        problem |= lossy;
    }
    let mut outside_parts = false;
    let mut outside_cut = false;
    let outside_not_read = outside::multiparts_not_read(message);
    if body.len() <= limit
        && let Some(outside) = outside::text_ending(message, end, limit)
    {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(outside::MARKER);
        body.push('\n');
        body.push_str(&outside.text);
        outside_parts = true;
        outside_cut = outside.cut;
    }
    let mut header_lines = false;
    if body.len() <= limit
        && let Some(lines) = header_lines::text(message)
    {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(header_lines::MARKER);
        body.push('\n');
        body.push_str(&lines);
        header_lines = true;
    }
    let truncated = body.len() > limit;
    if truncated {
        let cut = body.floor_char_boundary(limit);
        body.truncate(cut);
    }
    Body {
        text: (!body.is_empty()).then_some(body),
        truncated,
        encoding_problem: problem,
        alternative_lines,
        outside_parts,
        outside_cut,
        outside_not_read,
        header_lines,
    }
}

/// The lines of the message's HTML alternatives (HTML parts mail-parser chose for an HTML body
/// but not for the text body, which took a plain alternative; `in_text_body` says which parts
/// it took, by index) that hold words `body` does not, with how many; and whether reading them
/// lost characters.
fn html_alternatives_text(
    message: &Message<'_>,
    in_text_body: &[bool],
    body: &str,
) -> (Option<(String, usize)>, bool) {
    let mut alternatives = message
        .html_body
        .iter()
        .filter(|&&id| !in_text_body.get(id as usize).copied().unwrap_or(false))
        .filter_map(|&id| message.parts.get(id as usize))
        .filter(|part| matches!(part.body, PartType::Html(_)))
        .peekable();
    if alternatives.peek().is_none() {
        return (None, false);
    }
    let mut known = alternative::Words::of(body);
    let mut added = String::new();
    let mut lines = 0;
    let mut problem = false;
    for part in alternatives {
        let Some((text, lossy)) = part_text(part, &message.raw_message) else {
            continue;
        };
        problem |= lossy;
        let (more, count) = alternative::lines_adding(&text, &mut known);
        if count > 0 {
            if !added.is_empty() {
                added.push('\n');
            }
            added.push_str(&more);
            lines += count;
        }
    }
    ((lines > 0).then_some((added, lines)), problem)
}

/// A message's body as [`body_text`] reads it.
struct Body {
    text: Option<String>,
    truncated: bool,
    /// Some part's text could not be decoded as declared, or a multipart part had no usable
    /// boundary.
    encoding_problem: bool,
    /// Lines of an HTML alternative added to the body (its words are not in the plain one).
    alternative_lines: usize,
    /// Text of a multipart's preamble or epilogue was added to the body.
    outside_parts: bool,
    /// A preamble or epilogue was cut at its limit ([`outside::CUT_LABEL`]).
    outside_cut: bool,
    /// Multiparts whose preamble and epilogue were not read (past
    /// [`outside::MAX_MULTIPARTS_READ`]).
    outside_not_read: usize,
    /// Lines of a header block that are not header fields were added to the body.
    header_lines: bool,
}

/// Bytes as text: UTF-8 where they are, else windows-1252.
pub(super) fn bytes_as_text(bytes: &[u8]) -> Cow<'static, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Owned(text.to_owned()),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decoder) => Cow::Owned(decoder(bytes)),
            None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
        },
    }
}

/// A multipart part whose boundary is missing or never found: mail-parser keeps its content as
/// text of no known type, which would otherwise become a nameless attachment with no text.
fn is_unbounded_multipart(part: &MessagePart<'_>) -> bool {
    matches!(
        part.body,
        PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_)
    ) && part
        .content_type()
        .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
}

/// A body part's text (HTML reduced to text), and whether decoding it lost or garbled
/// characters: a charset mail-parser does not know (read as UTF-8), bytes invalid in the charset
/// used (replacement characters the part did not hold), or a legacy charset declared over text
/// that is UTF-8. UTF-16 declared without a byte order is read as its byte-order mark says, else
/// big-endian (RFC 2781), and labelled where that is in doubt. A part with no charset whose bytes
/// are not UTF-8 is read as windows-1252 (of which Latin-1 is a part), as mail clients do, and
/// one whose bytes are ISO-2022-JP as that; each is still labelled, since that is a guess.
fn part_text<'a>(part: &'a MessagePart<'_>, raw_message: &[u8]) -> Option<(Cow<'a, str>, bool)> {
    let is_html = match &part.body {
        PartType::Text(_) => false,
        PartType::Html(_) => true,
        // A multipart part without a boundary, kept as bytes: read below as mail-parser reads
        // one whose boundary it does not find (text of no known type).
        PartType::Binary(_) | PartType::InlineBinary(_) if is_unbounded_multipart(part) => false,
        _ => return None,
    };
    let charset = part
        .content_type()
        .and_then(|content_type| content_type.attribute("charset"))
        .map(str::trim)
        .filter(|c| !c.is_empty());
    // A transfer encoding mail-parser left undone (`base64 (encoded)`): the decoded bytes in the
    // declared charset, else UTF-8, else windows-1252.
    let undone = transfer::decoded_body(part, raw_message).map(|bytes| {
        match charset.and_then(|c| charset_decoder(c.as_bytes())) {
            Some(decoder) => Cow::Owned(decoder(&bytes)),
            None => bytes_as_text(&bytes),
        }
    });
    let unbounded = match &part.body {
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => Some(
            match part
                .content_type()
                .and_then(|content_type| content_type.attribute("charset"))
                .and_then(|c| charset_decoder(c.as_bytes()))
            {
                Some(decoder) => Cow::Owned(decoder(bytes)),
                None => String::from_utf8_lossy(bytes),
            },
        ),
        _ => None,
    };
    let decoded: &str = match (&undone, &part.body, &unbounded) {
        (Some(text), _, _) => text.as_ref(),
        (None, PartType::Text(text) | PartType::Html(text), _) => text.as_ref(),
        (None, _, Some(text)) => text.as_ref(),
        _ => return None,
    };
    let is_utf8_name = |name: &str| {
        let lower = name.to_ascii_lowercase();
        lower.contains("utf-8") || lower.contains("utf8")
    };
    let unknown_charset =
        charset.is_some_and(|c| !is_utf8_name(c) && charset_decoder(c.as_bytes()).is_none());
    let mut problem = unknown_charset;
    let mut recovered: Option<String> = None;
    let lossy = decoded.contains('\u{FFFD}');
    // Only text that came out with letters outside ASCII can have been garbled by a legacy charset
    // (and most mail in one is ASCII): the part's bytes are read again only then.
    let legacy_declared =
        charset.is_some_and(|c| !is_utf8_name(c)) && !unknown_charset && !decoded.is_ascii();
    let utf8_under_wide = charset
        .filter(|c| charset::is_wide(c))
        .and_then(|_| charset::utf8_misdeclared_wide(&attachment_bytes(part, raw_message)));
    if let Some(text) = utf8_under_wide {
        // UTF-16 or UTF-32 declared over bytes with almost no NUL (or none but in a few lines)
        // that are UTF-8 (but for a stray byte or two): every such text of letters, spaces or
        // line ends has NULs throughout, so the charset is wrong. Read as UTF-8, labelled.
        problem = true;
        recovered = Some(text);
    } else if charset.is_some_and(charset::is_utf16_without_order) {
        // mail-parser reads UTF-16 without a byte-order mark as little-endian; RFC 2781 says
        // big-endian. The part's bytes are read again, and a doubtful result labelled.
        let utf16 = charset::decode_utf16_without_order(&attachment_bytes(part, raw_message));
        problem |= utf16.doubtful;
        recovered = Some(utf16.text);
    } else if charset.is_none()
        && memchr::memchr(0x1b, decoded.as_bytes()).is_some()
        && crate::attach::is_iso_2022_jp(decoded.as_bytes())
        && let Some(decoder) = charset_decoder(b"iso-2022-jp")
    {
        // Japanese mail's encoding with no charset declared: its escapes and kanji would be read
        // as ASCII control bytes and punctuation. Read as ISO-2022-JP, and labelled as a guess.
        problem = true;
        recovered = Some(decoder(decoded.as_bytes()));
    } else if lossy || legacy_declared {
        let bytes = attachment_bytes(part, raw_message);
        let as_utf8 = std::str::from_utf8(&bytes).ok();
        if lossy && as_utf8.is_none_or(|text| !text.contains('\u{FFFD}')) {
            // The replacement characters came from decoding, not from the part.
            problem = true;
            if charset.is_none()
                && as_utf8.is_none()
                && let Some(decoder) = charset_decoder(b"windows-1252")
            {
                recovered = Some(decoder(&bytes));
            }
        }
        if legacy_declared && as_utf8.is_some_and(|text| !text.is_ascii()) {
            // Text in a single-byte or legacy charset is almost never valid UTF-8 with letters
            // outside ASCII: the charset is most likely mislabelled, and the text garbled.
            problem = true;
        }
    }
    let text = match (recovered, is_html) {
        (Some(text), true) => Cow::Owned(crate::html::to_text(&text)),
        (Some(text), false) => Cow::Owned(text),
        (None, true) => Cow::Owned(crate::html::to_text(decoded)),
        (None, false) => match &part.body {
            PartType::Text(text) if undone.is_none() => Cow::Borrowed(text.as_ref()),
            _ => Cow::Owned(decoded.to_owned()),
        },
    };
    // Read as written, and as a line that is no field names its transfer encoding as well.
    if let Some(other) = transfer::misread_reading(part, raw_message) {
        let other = if is_html {
            crate::html::to_text(&other)
        } else {
            other
        };
        let line = transfer::MISREAD_READING_LINE;
        let text = text.trim_end();
        return Some((Cow::Owned(format!("{text}\n\n{line}\n{other}")), problem));
    }
    Some((text, problem))
}

/// One [`Attachment`] per attachment, at most `limits.max_attachments`, each with its text where
/// it can be extracted (but for the messages in `journalled`, events of their own); a label
/// counts the ones left out. The messages held in their texts go in `held`, each with the index
/// of its attachment.
fn attachments(
    message: &Message<'_>,
    journalled: &[&Message<'_>],
    renamed: Option<&unfound::Renamed>,
    limits: &Limits,
    labels: &mut Labels,
    held: &mut Vec<(usize, Held)>,
) -> Vec<Attachment> {
    let max = limits.max_attachments;
    // A multipart part without a usable boundary is read as the body (`body_text`).
    let parts: Vec<(usize, &MessagePart<'_>)> = indexed_attachments(message)
        .filter(|(_, part)| !is_unbounded_multipart(part))
        .collect();
    let total = parts.len();
    if total > max {
        labels.set("email.attachments_omitted", (total - max).to_string());
    }
    let started = Instant::now();
    let layout = OnceCell::new();
    let mut out = Vec::new();
    for (index, (part_index, part)) in parts.into_iter().take(max).enumerate() {
        let is_journalled = part
            .message()
            .is_some_and(|attached| journalled.iter().any(|j| std::ptr::eq(*j, attached)));
        if is_journalled {
            let bytes = written_attachment_bytes(part, &message.raw_message, renamed);
            out.push(Attachment {
                file: attachment_file(part, &bytes),
                text: None,
                extraction: Some(JOURNALLED_NOTE.to_owned()),
            });
            continue;
        }
        let out_of_time = index > 0 && started.elapsed() > limits.max_message_extraction_time;
        let (attachment, inside, found) = attachment(
            (part_index, part),
            message,
            &layout,
            renamed,
            limits,
            out_of_time,
        );
        label_found(found, labels);
        held.extend(inside.into_iter().map(|message| (out.len(), message)));
        out.push(attachment);
    }
    out
}

/// The labels on a message that what was found reading one of its attachments sets, as the
/// readers found it (never from the text of the attachment's note, where a file's name can say
/// anything).
fn label_found(found: attach::Found, labels: &mut Labels) {
    // Multiparts of attached messages whose preamble and epilogue were not read: counted with
    // the message's own.
    if found.multiparts_not_read > 0 {
        labels.add_count(outside::NOT_READ_LABEL, found.multiparts_not_read);
    }
    // Text an attached message holds that was not read: the whole message is kept.
    if found.messages_too_deep {
        labels.set(TOO_DEEP_LABEL, TOO_DEEP_NOTE.replace("are not", "were not"));
    }
    if found.outside_cut {
        labels.set(outside::CUT_LABEL, outside::CUT_REASON);
    }
    // Read by the content where the type said nothing valid: an analyst should know.
    if found.invalid_type {
        labels.set(INVALID_TYPE_LABEL, "true");
    }
    if found.contested_types {
        labels.set(content_types::LABEL, "true");
    }
    if found.not_a_message {
        labels.set(NOT_A_MESSAGE_LABEL, "true");
    }
    // An archive none of whose files was read: the whole message is kept.
    if found.archive_not_read {
        labels.set(ARCHIVE_NOT_READ_LABEL, ARCHIVE_NOT_READ_REASON);
    }
    // A message in it whose mending was cut short: the whole message is kept (the message's own
    // mending, cut short too, says its own reason over this one).
    if found.mending_unfinished {
        labels.set(UNFINISHED_LABEL, ATTACHED_UNFINISHED_REASON);
    }
}

/// What [`UNFINISHED_LABEL`] says of a message with a message attached in it whose mending was
/// cut short.
const ATTACHED_UNFINISHED_REASON: &str = "the parts of a message attached to it whose structure still needed mending when the rounds of mending its size allows ran out may not have been read";

/// The label on a message with an attachment, or a file in one at any depth, that is an archive
/// whose files are not read (RAR): the message goes to dead-letter whole as well
/// (`send_message`), so that they are kept. Its value is [`ARCHIVE_NOT_READ_REASON`].
pub(super) const ARCHIVE_NOT_READ_LABEL: &str = "email.archive_not_read";

/// What [`ARCHIVE_NOT_READ_LABEL`] says.
const ARCHIVE_NOT_READ_REASON: &str = "an attachment holds a RAR archive, whose files are not read";

/// The attachments of `message`, as [`Message::attachments`] gives them, each with its index
/// among the message's parts.
pub(super) fn indexed_attachments<'m, 'x>(
    message: &'m Message<'x>,
) -> impl Iterator<Item = (usize, &'m MessagePart<'x>)> {
    message.attachments.iter().map_while(|&id| {
        let index = id as usize;
        Some((index, message.parts.get(index)?))
    })
}

// A message held in an attachment's text: where its text is and the `HELD_HEADERS` that say
// whom it is with (`ATTACHED_MESSAGES_KEY`).
use crate::attach::Held;

/// The [`HELD_HEADERS`] of `message` as written, in order; none when it has none of them.
fn held_headers(message: &Message<'_>) -> Vec<(&'static str, String)> {
    let raw = message.raw_message.as_ref();
    message
        .headers()
        .iter()
        .filter_map(|header| {
            let written = header.name.as_str();
            let name = HELD_HEADERS
                .into_iter()
                .find(|name| name.eq_ignore_ascii_case(written))?;
            Some((name, header_text(raw, header)))
        })
        .take(MAX_HELD_HEADERS)
        .collect()
}

/// The [`ATTACHED_MESSAGES_KEY`] record of the messages held in an event's attachments.
fn held_record(held: &[(usize, Held)]) -> Value {
    let entries = held
        .iter()
        .map(|(attachment, message)| {
            let headers = message
                .headers
                .iter()
                .map(|(name, value)| {
                    Value::from(vec![Value::from(*name), Value::from(value.as_str())])
                })
                .collect::<Vec<Value>>();
            serde_json::json!({
                "attachment": attachment,
                "start": message.start,
                "end": message.end,
                "depth": message.depth,
                "headers": headers,
            })
        })
        .collect::<Vec<Value>>();
    Value::Array(entries)
}

/// The message in an attachment that is a file whose name or type says it is a message (a
/// `.eml` sent as `application/octet-stream`, a `message/rfc822` part the parser did not open),
/// if its bytes read as one: read as an attached message is, so that its headers are known and
/// its own attachments read.
fn file_message<'b>(bytes: &'b [u8], file: &File, limits: &Limits) -> Option<FileMessage<'b>> {
    let named = file
        .extension
        .as_deref()
        .is_some_and(|extension| extension == "eml");
    let typed = file
        .mime_type
        .as_deref()
        .is_some_and(|mime| mime == "message/rfc822" || mime == "message/global");
    // One nested thousands deep is not parsed (see `MAX_NESTED_TYPES`), nor one whose header
    // blocks are past their limits (`header_limit`); it stays an attachment, read as a file.
    if !(named || typed)
        || bytes.len() > limits.max_attachment_bytes
        || nesting_cut(bytes).is_some()
        || header_limit::is_over(bytes)
    {
        return None;
    }
    let (message, renamed) = parse_renamed(bytes)?;
    not_a_message(&message, bytes.len())
        .is_none()
        .then_some(FileMessage { message, renamed })
}

/// A message read from an attachment's bytes ([`file_message`], an S/MIME signature's content).
struct FileMessage<'b> {
    message: Message<'b>,
    /// How it was written again to be read, where it was ([`unfound`]).
    renamed: Option<unfound::Renamed>,
}

impl FileMessage<'_> {
    /// Its text and the messages held in it, read as an attached message `depth` deep is, with
    /// the text as the message wrote it.
    fn text(&self, limits: &Limits, depth: usize) -> (attach::Extracted, Vec<Held>) {
        let (mut extracted, held) = attached_message_text(&self.message, None, limits, depth);
        let Some(renamed) = &self.renamed else {
            return (extracted, held);
        };
        if let Some(written) = extracted
            .text
            .as_deref()
            .and_then(|text| renamed.as_written(text))
        {
            extracted.text = Some(written);
        }
        let (fields, bytes) = renamed.headers_cut;
        if fields > 0 {
            let cut = format!(
                "{fields} header fields ({bytes} bytes) of the messages attached to it past the first {} bytes of their header blocks were not read",
                header_limit::MAX_PART_HEADER_BYTES
            );
            extracted.note = Some(match extracted.note.take() {
                Some(note) => format!("{note}; {cut}"),
                None => cut,
            });
        }
        (extracted, held)
    }
}

/// `bytes` parsed as a message, rewritten first where many multiparts' boundaries are found
/// nowhere after them ([`unfound`]: each would cost mail-parser a scan of the rest of it).
fn parse_renamed(bytes: &[u8]) -> Option<(Message<'_>, Option<unfound::Renamed>)> {
    match unfound::rename(bytes) {
        Some(renamed) => {
            #[cfg(test)]
            unfound::note_parsed(&renamed.bytes);
            let message = MessageParser::default().parse(&renamed.bytes)?.into_owned();
            Some((message, Some(renamed)))
        }
        None => {
            #[cfg(test)]
            unfound::note_parsed(bytes);
            Some((MessageParser::default().parse(bytes)?, None))
        }
    }
}

/// An attachment that is an Outlook message (`.msg`, [`attach::msg`]) read as an attached
/// message at `depth`: written as MIME and read as any attached message, so that its parties are
/// listed with its text ([`ATTACHED_MESSAGES_KEY`]) and the exclusions see them; none where the
/// bytes are not one.
fn outlook_message(
    bytes: &[u8],
    limits: &Limits,
    depth: usize,
) -> Option<(attach::Extracted, Vec<Held>)> {
    let outlook = match attach::msg::read(bytes, limits)? {
        Ok(outlook) => outlook,
        Err(reason) => {
            let note = format!("an Outlook message (.msg) that could not be read: {reason}");
            return Some((
                attach::Extracted {
                    text: None,
                    note: Some(note),
                    found: attach::Found::default(),
                    decompressed: 0,
                },
                Vec::new(),
            ));
        }
    };
    let mime = attach::msg::to_mime(&outlook);
    let Some(parsed) = MessageParser::default().parse(&mime) else {
        let note = "an Outlook message (.msg) whose content could not be read".to_owned();
        return Some((
            attach::Extracted {
                text: None,
                note: Some(note),
                found: attach::Found::default(),
                decompressed: 0,
            },
            Vec::new(),
        ));
    };
    let (extracted, held) = attached_message_text(&parsed, None, limits, depth);
    let mut extracted = noted(extracted, attach::OUTLOOK_NOTE);
    // What the Outlook reader could not read, of it and of the messages attached inside it (not
    // in the MIME message), named by the attachments it is in as the notes of an attached
    // message's attachments are.
    let nested = attach::msg::nested_notes(&outlook);
    if let Some(note) = extracted.note.as_mut() {
        for more in outlook.notes.iter().chain(&nested) {
            note.push_str("; ");
            note.push_str(more);
        }
    }
    Some((extracted, held))
}

/// Reads the messages among the files of an attachment (an `.eml` or `.msg` in a zip, tar or
/// gzip archive) as attached messages `depth` deep, so that their parties are listed as an
/// attached message's are; deeper than [`MAX_ATTACHED_MESSAGE_DEPTH`], they are read as files.
/// Each is read within what the attachment it is found in has left of its limits (its
/// decompression budget, its text and its time), not the decoder's limits anew.
struct FileMessages {
    depth: usize,
}

impl attach::MessageReader for FileMessages {
    fn read_message(
        &self,
        bytes: &[u8],
        name: &str,
        limits: &Limits,
    ) -> Option<(attach::Extracted, Vec<Held>)> {
        if self.depth > MAX_ATTACHED_MESSAGE_DEPTH {
            return None;
        }
        if let Some(read) = outlook_message(bytes, limits, self.depth) {
            return Some(read);
        }
        let file = File {
            extension: file_extension(name),
            ..File::default()
        };
        let nested = file_message(bytes, &file, limits)?;
        let (extracted, held) = nested.text(limits, self.depth);
        Some((noted(extracted, FILE_MESSAGE_NOTE), held))
    }
}

/// The note on an attachment read as a message by [`file_message`].
const FILE_MESSAGE_NOTE: &str =
    "read as an attached message: its name or type says it is one, and it reads as one";

/// The note on a message attached with a transfer encoding it is not in, read as written
/// ([`file_message_as_sent`]).
const WRITTEN_MESSAGE_NOTE: &str = "decoded as its transfer encoding says it is no message, as written it is one: read as written; read as an attached message: its type says it is one";

/// [`file_message`] of an attachment's `bytes`, or, where they were decoded from a transfer
/// encoding and are no message, of its bytes as written (in the message whose bytes are
/// `raw_message`) where those are one: a message sent as it is under
/// `Content-Transfer-Encoding: base64`, which RFC 2046 (section 5.2.1) forbids for
/// message/rfc822 but senders write, the parser could not read as a message, and decoded as
/// base64 its words were bytes at random (read as written they were text, but not the message
/// they are, whose parties go unlisted). With the note to put on its text.
fn file_message_as_sent<'b>(
    part: &'b MessagePart<'_>,
    raw_message: &'b [u8],
    bytes: &'b [u8],
    file: &File,
    limits: &Limits,
) -> Option<(FileMessage<'b>, &'static str)> {
    if let Some(message) = file_message(bytes, file, limits) {
        return Some((message, FILE_MESSAGE_NOTE));
    }
    if !transfer::is_undone(part) {
        return None;
    }
    let written = written_text(part, raw_message).unwrap_or(part.contents());
    if written == bytes {
        return None;
    }
    file_message(written, file, limits).map(|message| (message, WRITTEN_MESSAGE_NOTE))
}

/// `extracted` with `note` before its own note.
fn noted(extracted: attach::Extracted, note: &str) -> attach::Extracted {
    attach::Extracted {
        note: Some(match extracted.note {
            Some(more) => format!("{note}; {more}"),
            None => note.to_owned(),
        }),
        ..extracted
    }
}

/// The note on a message attached to a journal report, which is an event of its own.
const JOURNALLED_NOTE: &str = "a message the journal report journals: read as an event of its own (label email.journal_event)";

/// One attachment described (the part and its index among the parts of `message`, whose layout
/// is found in `layout` where it is needed), with its text unless the message is `out_of_time`,
/// the messages held in its text, and what reading it found that labels `message`
/// ([`attach::Extracted::found`]).
fn attachment<'m, 'x>(
    (index, part): (usize, &MessagePart<'_>),
    message: &'m Message<'x>,
    layout: &OnceCell<outside::Layout<'m, 'x>>,
    renamed: Option<&unfound::Renamed>,
    limits: &Limits,
    out_of_time: bool,
) -> (Attachment, Vec<Held>, attach::Found) {
    let bytes = written_attachment_bytes(part, &message.raw_message, renamed);
    let file = attachment_file(part, &bytes);
    if out_of_time {
        let reason = format!(
            "text not extracted: the message's extraction time limit of {} ms was reached",
            limits.max_message_extraction_time.as_millis()
        );
        let attachment = Attachment {
            file,
            text: None,
            extraction: Some(reason),
        };
        return (attachment, Vec::new(), attach::Found::default());
    }
    let (extracted, held) = match part.message() {
        Some(nested) => {
            let end = attached_end(layout, message, None, index, nested);
            attached_message_text(nested, end, limits, 1)
        }
        None => match outlook_message(&bytes, limits, 1) {
            Some(read) => read,
            None => match file_message_as_sent(part, &message.raw_message, &bytes, &file, limits) {
                Some((nested, note)) => {
                    let (extracted, held) = nested.text(limits, 1);
                    (noted(extracted, note), held)
                }
                None => match attach::cms::open(&bytes, limits.max_attachment_bytes) {
                    Some(opened) => opened_text(opened, limits),
                    None => {
                        let untyped = untyped::read_as_text(message, index);
                        let extracted = file_text(part, &bytes, &file, limits, 1, untyped);
                        // A part of a message type that is not one is noted so (one of a
                        // digest with no type is noted as read as text/plain already).
                        match untyped {
                            None if part_not_a_message(message, index) => {
                                let mut not_message = noted(extracted.0, NOT_A_MESSAGE_NOTE);
                                not_message.found.not_a_message = true;
                                (not_message, extracted.1)
                            }
                            _ => extracted,
                        }
                    }
                },
            },
        },
    };
    let found = extracted.found;
    let mut extraction = extracted.note;
    if part.is_encoding_problem && !part_not_a_message(message, index) {
        let problem = if transfer::decoded_body(part, &message.raw_message).is_some() {
            "the attachment's transfer encoding is broken; decoded passing over what it does not allow, as RFC 2045 has it"
        } else {
            "the attachment's transfer encoding is broken; read from its raw text"
        };
        extraction = Some(match extraction {
            Some(note) => format!("{problem}; {note}"),
            None => problem.to_owned(),
        });
    }
    let mut text = extracted.text;
    // Read as written, and as a line that is no field names its transfer encoding as well.
    if let Some(mut other) = transfer::misread_reading(part, &message.raw_message) {
        let line = transfer::MISREAD_READING_LINE;
        // Within the attachment's text limit, with what was read as written.
        let used = text.as_ref().map_or(0, String::len) + line.len() + 2;
        let room = limits.max_attachment_text_bytes.saturating_sub(used);
        other.truncate(other.floor_char_boundary(room));
        text = Some(match text {
            Some(written) => format!("{}\n\n{line}\n{other}", written.trim_end()),
            None => format!("{line}\n{other}"),
        });
        let note = "read as written, and as decoded by a line that is no field names its transfer encoding (RFC 5322 has none)";
        extraction = Some(match extraction {
            Some(more) => format!("{note}; {more}"),
            None => note.to_owned(),
        });
    } else if let Some(decoded) = transfer::misread_file(part, &message.raw_message) {
        // Decoded so, a file (a zip, a PDF): read by the attachment readers as well.
        let input = attach::Input {
            bytes: &decoded,
            mime_type: file.mime_type.as_deref(),
            name: file.name.as_deref(),
            charset: None,
        };
        let as_file = attach::extract_text(&input, limits);
        let line = transfer::MISREAD_READING_LINE;
        let used = text.as_ref().map_or(0, String::len) + line.len() + 2;
        let room = limits.max_attachment_text_bytes.saturating_sub(used);
        if let Some(mut other) = as_file.text.filter(|other| !other.trim().is_empty()) {
            other.truncate(other.floor_char_boundary(room));
            text = Some(match text {
                Some(written) => format!("{}\n\n{line}\n{other}", written.trim_end()),
                None => format!("{line}\n{other}"),
            });
        }
        let mut note = String::from(
            "read as written, and as decoded by a line that is no field names its transfer encoding (RFC 5322 has none), a file",
        );
        if let Some(how) = as_file.note {
            note.push_str(&format!(" ({how})"));
        }
        extraction = Some(match extraction {
            Some(more) => format!("{note}; {more}"),
            None => note,
        });
    }
    let attachment = Attachment {
        file,
        text,
        extraction,
    };
    (attachment, held, found)
}

/// The text of signed or encrypted mail: an opaque-signed S/MIME message's content read as an
/// attached message (the signature is not checked), encrypted content named; and the messages
/// held in it.
fn opened_text(opened: attach::cms::Opened, limits: &Limits) -> (attach::Extracted, Vec<Held>) {
    match opened {
        attach::cms::Opened::Signed(content) => {
            let note =
                "read from inside its S/MIME signature (signed data; the signature is not checked)";
            // Header blocks past their limits are parsed without the fields past them.
            let headers_cut = header_limit::cut(&content);
            let content = headers_cut.as_ref().map_or(&content[..], |cut| &cut.bytes);
            let parsed = nesting_cut(content)
                .is_none()
                .then(|| parse_renamed(content))
                .flatten();
            let Some((message, renamed)) = parsed else {
                let extracted = attach::Extracted {
                    text: None,
                    note: Some(
                        "an S/MIME signature whose content is not a MIME entity; text not extracted"
                            .to_owned(),
                    ),
                    found: attach::Found::default(),
                    decompressed: 0,
                };
                return (extracted, Vec::new());
            };
            let (extracted, held) = FileMessage { message, renamed }.text(limits, 1);
            let mut note = note.to_owned();
            if let Some(cut) = &headers_cut {
                if cut.fields > 0 {
                    note.push_str(&format!(
                        "; {} header fields past the first {} bytes of its header block were not read",
                        cut.fields,
                        header_limit::MAX_HEADER_BLOCK_BYTES
                    ));
                }
                if cut.part_fields > 0 {
                    note.push_str(&format!(
                        "; {} header fields past the first {} bytes of the header blocks of its parts were not read",
                        cut.part_fields,
                        header_limit::MAX_PART_HEADER_BYTES
                    ));
                }
            }
            (noted(extracted, &note), held)
        }
        attach::cms::Opened::Encrypted(what) => {
            let extracted = attach::Extracted {
                text: None,
                note: Some(format!(
                    "encrypted ({what}): its text cannot be read without the recipient's key"
                )),
                found: attach::Found::default(),
                decompressed: 0,
            };
            (extracted, Vec::new())
        }
    }
}

/// The text of an attachment that is a file (not a message): `bytes` read as `file` says, in the
/// charset its part declares, or as text/plain where the part has no type and MIME gives it
/// that one, or it is a part of a digest that is not a message (`untyped`, [`untyped`]); and the messages held in it (the `.eml` and `.msg` files
/// of an archive, read as messages `depth` deep: [`FileMessages`]).
fn file_text(
    part: &MessagePart<'_>,
    bytes: &[u8],
    file: &File,
    limits: &Limits,
    depth: usize,
    untyped: Option<attach::Untyped>,
) -> (attach::Extracted, Vec<Held>) {
    let charset = part
        .content_type()
        .and_then(|content_type| content_type.attribute("charset"));
    let input = attach::Input {
        bytes,
        mime_type: file.mime_type.as_deref(),
        name: file.name.as_deref(),
        charset,
    };
    let messages = FileMessages { depth };
    let (extracted, held) = match content_types::contested(part) {
        Some(contested) => contested_text(&contested, &input, limits, &messages),
        None => match untyped {
            Some(why) => attach::extract_untyped_part_text(&input, limits, &messages, why),
            None => attach::extract_text_with(&input, limits, &messages),
        },
    };
    // Bytes decoded from a transfer encoding mail-parser left undone that give no text (a text
    // labelled base64 that is not base64): the part is read as written, as it was before.
    if extracted.text.is_none() && transfer::is_undone(part) {
        let written = attach::Input {
            bytes: part.contents(),
            ..input
        };
        let written = match untyped {
            Some(why) => attach::extract_untyped_part_text(&written, limits, &messages, why).0,
            None => attach::extract_text(&written, limits),
        };
        if written.text.is_some() {
            let written = noted(
                written,
                "decoded as its transfer encoding says it gives no text: read as written",
            );
            return (written, Vec::new());
        }
    }
    (extracted, held)
}

/// The text of an attachment whose `Content-Type` fields disagree (`input` as the last says):
/// read by the type [`content_types::contested`] chooses, then, where that gives no text, by a
/// text type another field declares; a text type in doubt reads only the lines that are text of
/// bytes that are not text as a whole. Noted with the types declared.
fn contested_text(
    contested: &content_types::Contested<'_>,
    input: &attach::Input<'_>,
    limits: &Limits,
    messages: &FileMessages,
) -> (attach::Extracted, Vec<Held>) {
    let read = |(mime, field): &(String, &ContentType<'_>)| {
        let input = attach::Input {
            mime_type: Some(mime),
            charset: field.attribute("charset"),
            ..*input
        };
        if mime.starts_with("text/") {
            attach::extract_contested_text(&input, limits, messages)
        } else {
            attach::extract_text_with(&input, limits, messages)
        }
    };
    let (extracted, held) = read(&contested.read_by);
    if extracted.text.is_none()
        && let Some(text) = &contested.text
    {
        let (as_text, held_as_text) = read(text);
        if as_text.text.is_some() {
            let note = contested.note(&format!(
                "{} where {} gave no text",
                text.0, contested.read_by.0
            ));
            return (contested_found(noted(as_text, &note)), held_as_text);
        }
    }
    (
        contested_found(noted(extracted, &contested.note(&contested.read_by.0))),
        held,
    )
}

/// `extracted`, of a part whose `Content-Type` fields disagree, found so.
fn contested_found(mut extracted: attach::Extracted) -> attach::Extracted {
    extracted.found.contested_types = true;
    extracted
}

/// How deep attached messages inside attached messages are read (a forward of a forward of a
/// forward…); deeper ones are noted, not read.
pub(super) const MAX_ATTACHED_MESSAGE_DEPTH: usize = 8;

/// The text of an attached message (message/rfc822) at `depth` (1 for one attached to the
/// message itself): its subject and body, then the text of its own attachments (an attached
/// message's attachments, a forward inside a forward…), each under a line naming it, all within
/// the attachment text limit. Notes on what could not be read name the attachment. With it, the
/// messages held in that text: this one (the whole text), where it has any of the
/// [`HELD_HEADERS`], and those attached to it, at any depth. `end` is where the message ends in
/// its raw bytes, for one read in place in the message it is attached to ([`attached_end`]).
///
/// One read from bytes of its own (decoded from base64 or quoted-printable, or a file:
/// [`content_types::read_from_own_bytes`]) whose parts' `Content-Type` fields are all multipart
/// types, the last's boundary found nowhere, is read again as the message's own are
/// ([`content_types::retype`]; those of one read in place were, with the message holding it),
/// noted so that its message is labelled.
fn attached_message_text(
    nested: &Message<'_>,
    end: Option<outside::End>,
    limits: &Limits,
    depth: usize,
) -> (attach::Extracted, Vec<Held>) {
    if content_types::read_from_own_bytes(nested) {
        let parser = MessageParser::default();
        if let Some(retyped) = content_types::retype(&parser, nested)
            && let Some(again) = parser.parse(&retyped.bytes)
        {
            let (mut extracted, held) =
                attached_message_text_as_parsed(&again, None, limits, depth);
            if let Some(written) = extracted
                .text
                .as_deref()
                .and_then(|text| retyped.as_written(text))
            {
                extracted.text = Some(written);
            }
            return (
                contested_found(noted(
                    extracted,
                    &content_types::retyped_note(retyped.parts),
                )),
                held,
            );
        }
    }
    // One read from bytes of its own (held in base64 or quoted-printable, or from a file) is
    // mended as the message's own structure is (the mending reached only the message and those
    // attached in place: a multipart never closed there hid the parts after it, with no word).
    if content_types::read_from_own_bytes(nested) {
        let parser = MessageParser::default();
        if let Some(mended) = mend_rounds(&parser, nested)
            && let Some(again) = parser.parse(&mended.bytes)
        {
            let (mut extracted, held) =
                attached_message_text_as_parsed(&again, None, limits, depth);
            extracted.found.mending_unfinished |= mended.unfinished.is_some();
            let mut note = format!(
                "its structure mended as the message's is: {} close delimiter lines and {} empty parts put in, {} header blocks ended at a delimiter line",
                mended.closed, mended.emptied, mended.ended
            );
            if let Some(why) = mended.unfinished.as_deref() {
                note.push_str(&format!("; {why}"));
            }
            return (noted(extracted, &note), held);
        }
    }
    attached_message_text_as_parsed(nested, end, limits, depth)
}

/// [`attached_message_text`] of `nested` as the parser read it.
fn attached_message_text_as_parsed(
    nested: &Message<'_>,
    end: Option<outside::End>,
    limits: &Limits,
    depth: usize,
) -> (attach::Extracted, Vec<Held>) {
    let max = limits.max_attachment_text_bytes;
    let Body {
        text: body,
        truncated,
        outside_cut,
        outside_not_read,
        ..
    } = body_text(nested, end, max);
    let mut text = String::new();
    if let Some(subject) = nested.subject() {
        text.push_str(subject);
        text.push_str("\n\n");
    }
    let mut notes = Vec::new();
    // Its own multiparts whose outside text was not read and its own preamble or epilogue cut,
    // and what was found in its files and the messages in it.
    let mut found = attach::Found {
        multiparts_not_read: outside_not_read,
        outside_cut,
        ..attach::Found::default()
    };
    // What reading its files and attachments decompressed.
    let mut decompressed = 0u64;
    // Files uuencoded in its body are read as its files are, after it.
    let body = body.unwrap_or_default();
    match take_uuencoded(&body, limits.max_attachments, limits) {
        Some((out, files, left)) => {
            text.push_str(&out);
            for (file, extracted) in files {
                found.add(extracted.found);
                decompressed = decompressed.saturating_add(extracted.decompressed);
                if let Some(note) = extracted.note {
                    notes.push(format!("{}: {note}", file.name));
                }
                if let Some(read) = extracted.text {
                    text.push_str("\n\n[file ");
                    text.push_str(&file.name);
                    text.push_str("]\n");
                    text.push_str(&read);
                }
            }
            if left > 0 {
                notes.push(format!(
                    "{left} more files uuencoded in its body not read; they stay in it as written"
                ));
            }
        }
        None => text.push_str(&body),
    }
    let mut over = truncated;
    let mut held = Vec::new();
    let started = Instant::now();
    // Its attachments share one decompression budget, less what its uuencoded files took, and
    // its time: it is one attachment, or a file in one (`FileMessages`), whose limits those are.
    let mut budget = (limits.max_decompressed_bytes as u64).saturating_sub(decompressed);
    let parts: Vec<(usize, &MessagePart<'_>)> = indexed_attachments(nested)
        .filter(|(_, part)| !is_unbounded_multipart(part))
        .collect();
    let layout = OnceCell::new();
    for (index, &(part_index, part)) in parts.iter().enumerate() {
        let name = part
            .attachment_name()
            .map_or_else(|| format!("part {}", index + 1), str::to_owned);
        if index >= limits.max_attachments {
            notes.push(format!(
                "{} more attachments of the attached message not read",
                parts.len() - index
            ));
            break;
        }
        if text.len() >= max {
            over = true;
            break;
        }
        if started.elapsed() > limits.max_message_extraction_time {
            notes.push(format!(
                "{name} and later attachments of the attached message not read: the extraction time limit was reached"
            ));
            break;
        }
        let time_left = limits
            .max_message_extraction_time
            .saturating_sub(started.elapsed());
        let limits = &Limits {
            max_decompressed_bytes: usize::try_from(budget).unwrap_or(usize::MAX),
            max_attachment_time: limits.max_attachment_time.min(time_left),
            max_message_extraction_time: time_left,
            ..limits.clone()
        };
        let (extracted, inside) = match part.message() {
            Some(_) if depth >= MAX_ATTACHED_MESSAGE_DEPTH => (too_deep(), Vec::new()),
            Some(inner) => attached_message_text(
                inner,
                attached_end(&layout, nested, end, part_index, inner),
                limits,
                depth + 1,
            ),
            None => {
                let bytes = attachment_bytes(part, &nested.raw_message);
                let file = attachment_file(part, &bytes);
                let outlook = (depth < MAX_ATTACHED_MESSAGE_DEPTH)
                    .then(|| outlook_message(&bytes, limits, depth + 1))
                    .flatten();
                match outlook {
                    Some(read) => read,
                    None => {
                        match file_message_as_sent(part, &nested.raw_message, &bytes, &file, limits)
                        {
                            Some(_) if depth >= MAX_ATTACHED_MESSAGE_DEPTH => {
                                (too_deep(), Vec::new())
                            }
                            Some((inner, note)) => {
                                let (extracted, inside) = inner.text(limits, depth + 1);
                                (noted(extracted, note), inside)
                            }
                            None => {
                                let untyped = untyped::read_as_text(nested, part_index);
                                file_text(part, &bytes, &file, limits, depth + 1, untyped)
                            }
                        }
                    }
                }
            }
        };
        found.add(extracted.found);
        budget = budget.saturating_sub(extracted.decompressed);
        decompressed = decompressed.saturating_add(extracted.decompressed);
        if let Some(note) = extracted.note {
            notes.push(format!("{name}: {note}"));
        }
        if let Some(read) = extracted.text.as_deref() {
            let inner = read.trim();
            if !inner.is_empty() {
                text.push_str("\n\n[attachment ");
                text.push_str(&name);
                text.push_str("]\n");
                let at = text.len();
                let lead = read.len() - read.trim_start().len();
                text.push_str(inner);
                held.extend(
                    inside
                        .into_iter()
                        .filter_map(|message| message.within(at, lead, inner.len())),
                );
            }
        }
    }
    let cut = text.floor_char_boundary(max);
    over |= cut < text.len();
    text.truncate(cut);
    let lead = text.len() - text.trim_start().len();
    let text = text.trim();
    let own = held_headers(nested);
    let held: Vec<Held> = (!own.is_empty() && !text.is_empty())
        .then_some(Held {
            start: 0,
            end: text.len(),
            depth,
            headers: own,
        })
        .into_iter()
        .chain(
            held.into_iter()
                .filter_map(|message| message.within(0, lead, text.len())),
        )
        .collect();
    if text.is_empty() {
        notes.insert(
            0,
            "the attached message has no subject or text body".to_owned(),
        );
    } else if over {
        notes.insert(0, format!("text cut at the {max} byte limit"));
    }
    if outside_not_read > 0 {
        notes.push(outside::not_read_note(outside_not_read));
    }
    if outside_cut {
        notes.push(outside::CUT_REASON.to_owned());
    }
    let extracted = attach::Extracted {
        text: (!text.is_empty()).then(|| text.to_owned()),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        found,
        decompressed,
    };
    (extracted, held)
}

/// Where the message attached as part `index` of `message` (read up to `end`) ends in
/// `message`'s raw bytes, for one mail-parser read in place there (sent without a transfer
/// encoding): see [`outside::Layout::attached_end`], whose layout of `message` is found once in
/// `layout`. None for one read from its decoded bytes, which are the whole message.
fn attached_end<'m, 'x>(
    layout: &OnceCell<outside::Layout<'m, 'x>>,
    message: &'m Message<'x>,
    end: Option<outside::End>,
    index: usize,
    attached: &Message<'_>,
) -> Option<outside::End> {
    super::read_in_place(attached, message.raw_message.as_ref()).then(|| {
        layout
            .get_or_init(|| outside::Layout::of(message))
            .attached_end(end, index)
    })
}

/// The note on an attached message too deep to be read ([`too_deep`], which finds it so: its
/// message is labelled [`TOO_DEEP_LABEL`]).
const TOO_DEEP_NOTE: &str = "attached messages nested deeper than 8 levels are not read";
const _: () = assert!(
    MAX_ATTACHED_MESSAGE_DEPTH == 8,
    "TOO_DEEP_NOTE names the depth"
);

/// The label on a message with a part, at any depth, whose type is not valid (no subtype:
/// `Content-Type: p`), read as text/plain as RFC 2045 says.
const INVALID_TYPE_LABEL: &str = "email.invalid_content_type";

/// The label on a message with attached messages too deep to be read: the message goes to
/// dead-letter whole as well (`send_message`), so that their text is kept.
pub(super) const TOO_DEEP_LABEL: &str = "email.attached_messages_too_deep";

/// The note on an attached message too deep to be read.
fn too_deep() -> attach::Extracted {
    attach::Extracted {
        text: None,
        note: Some(TOO_DEEP_NOTE.to_owned()),
        found: attach::Found {
            messages_too_deep: true,
            ..attach::Found::default()
        },
        decompressed: 0,
    }
}

fn attachment_file(part: &MessagePart<'_>, bytes: &[u8]) -> File {
    let name = part.attachment_name().map(str::to_owned);
    let extension = name.as_deref().and_then(file_extension);
    File {
        path: None,
        name,
        extension,
        size: Some(bytes.len() as u64),
        mime_type: mime_type(part),
        hash: FileHash {
            sha256: Some(hex::encode(Sha256::digest(bytes))),
        },
    }
}

/// The attachment as the sender attached it: its bytes with the transfer encoding removed.
///
/// mail-parser converts text parts to UTF-8; for those the bytes are decoded again from the raw
/// message so that size and hash match the file itself (a Latin-1 CSV stays Latin-1). Where that
/// fails, and for a part mail-parser could not decode as declared (it keeps the raw text then, and
/// its offsets may reach past the part), the converted text is used, unless the raw bytes the
/// offsets give are that text as mail-parser converted it ([`written_text`]).
fn attachment_bytes<'a>(part: &'a MessagePart<'_>, raw_message: &'a [u8]) -> Cow<'a, [u8]> {
    if let Some(decoded) = transfer::decoded_body(part, raw_message) {
        return Cow::Owned(decoded);
    }
    let is_text = matches!(part.body, PartType::Text(_) | PartType::Html(_));
    if !is_text {
        return Cow::Borrowed(part.contents());
    }
    if part.is_encoding_problem {
        return Cow::Borrowed(written_text(part, raw_message).unwrap_or(part.contents()));
    }
    let raw = raw_message.get(part.offset_body as usize..part.offset_end as usize);
    let decoded = raw.and_then(|raw| match part.encoding {
        Encoding::None => Some(Cow::Borrowed(raw)),
        Encoding::Base64 => base64_decode(raw).map(Cow::Owned),
        Encoding::QuotedPrintable => quoted_printable_decode(raw).map(Cow::Owned),
    });
    decoded.unwrap_or(Cow::Borrowed(part.contents()))
}

/// The raw bytes of a text part mail-parser could not decode as declared (a part never ended
/// by its multipart's delimiter: it reads the rest of the message, as UTF-8 with invalid bytes
/// replaced where no charset is declared, else from the charset declared), where its offsets give
/// bytes that convert so to the text it kept. Read from the converted text, each byte that is not
/// UTF-8 would count three (its replacement character), and the text lines among binary ones were
/// judged binary; and UTF-8 declared UTF-16 was read as the CJK characters the conversion made of
/// it, where its bytes as written are seen to be UTF-8 (comms fuzzer s57 e41352691137bee3).
fn written_text<'a>(part: &MessagePart<'_>, raw_message: &'a [u8]) -> Option<&'a [u8]> {
    let (PartType::Text(text) | PartType::Html(text)) = &part.body else {
        return None;
    };
    if part.encoding != Encoding::None {
        return None;
    }
    let raw = raw_message.get(part.offset_body as usize..part.offset_end as usize)?;
    if String::from_utf8_lossy(raw) == text.as_ref() {
        return Some(raw);
    }
    let decoder = part
        .content_type()
        .and_then(|content_type| content_type.attribute("charset"))
        .and_then(|charset| charset_decoder(charset.trim().as_bytes()))?;
    (decoder(raw) == text.as_ref()).then_some(raw)
}

/// [`attachment_bytes`] as the message wrote them, where its multiparts' `boundary` parameters
/// were renamed to read it (`renamed`, [`unfound`]): an attachment held as written in the message
/// (an attached message, a file in no transfer encoding) is hashed and read as its sender wrote
/// it. Of the bytes decoded from a transfer encoding, only an attached message's can hold a
/// renamed parameter (one held in base64 is written again, [`unfound::rename`]).
fn written_attachment_bytes<'a>(
    part: &'a MessagePart<'_>,
    raw_message: &'a [u8],
    renamed: Option<&unfound::Renamed>,
) -> Cow<'a, [u8]> {
    let bytes = attachment_bytes(part, raw_message);
    match (renamed, &bytes) {
        (Some(renamed), Cow::Borrowed(written))
            if part.encoding == Encoding::None || matches!(part.body, PartType::Message(_)) =>
        {
            renamed.bytes_as_written(written).map_or(bytes, Cow::Owned)
        }
        _ => bytes,
    }
}

fn mime_type(part: &MessagePart<'_>) -> Option<String> {
    let content_type = part.content_type()?;
    let mime = match content_type.subtype() {
        Some(subtype) => format!("{}/{}", content_type.ctype(), subtype),
        None => content_type.ctype().to_owned(),
    };
    Some(mime.to_ascii_lowercase())
}

/// `report.final.PDF` → `pdf`; none for a name without one or a dot file (`.profile`).
fn file_extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, extension) = base.rsplit_once('.')?;
    if stem.is_empty() || extension.is_empty() {
        return None;
    }
    Some(extension.trim().to_lowercase())
}

/// Whether some part could not be decoded as declared (mail-parser then keeps its raw text).
/// A part of a message type that is no message is not one ([`part_not_a_message`]).
fn has_encoding_problem(message: &Message<'_>) -> bool {
    message.parts.iter().enumerate().any(|(index, part)| {
        part.is_encoding_problem
            && !part.contents().is_empty()
            && !part_not_a_message(message, index)
    })
}

/// The note on a part whose type says it is a message (message/rfc822, message/global) and whose
/// body is no message; an attachment read so, or as [`attach::UNTYPED_DIGEST_PART_NOTE`] says,
/// is found so ([`attach::Found::not_a_message`]) and labels its message [`NOT_A_MESSAGE_LABEL`].
const NOT_A_MESSAGE_NOTE: &str = "its type says it is a message, but it is not one";

/// The label on a message with a part whose type says it is a message, or that is a part of a
/// `multipart/digest` with no type (a message by RFC 2046's default), whose body is no message.
const NOT_A_MESSAGE_LABEL: &str = "email.part_not_a_message";

/// Whether part `index` of `message` is of a message type (message/rfc822 or message/global, or
/// no type in a `multipart/digest`: RFC 2046, section 5.1.5) and its body, as its transfer
/// encoding gives it, is no message. mail-parser marks such a part as one whose transfer
/// encoding is broken, which it is not: it was noted "the attachment's transfer encoding is
/// broken" and labelled `email.encoding_problem`, untrue. A part whose transfer encoding the
/// parser could not undo ([`transfer::is_undone`]) has a broken one, and one the parser did not
/// read as a message but that reads as one (an encoded message nested deeper than the parser
/// follows) is a message.
fn part_not_a_message(message: &Message<'_>, index: usize) -> bool {
    let Some(part) = message.parts.get(index) else {
        return false;
    };
    if !part.is_encoding_problem || transfer::is_undone(part) {
        return false;
    }
    let typed_as_message = match part.content_type() {
        Some(content_type) => {
            content_type.ctype().eq_ignore_ascii_case("message")
                && content_type.subtype().is_some_and(|subtype| {
                    subtype.eq_ignore_ascii_case("rfc822") || subtype.eq_ignore_ascii_case("global")
                })
        }
        None => untyped::read_as_text(message, index) == Some(attach::Untyped::DigestNotMessage),
    };
    if !typed_as_message {
        return false;
    }
    match &part.body {
        // Attached as it is: the parser found no header field in it.
        PartType::Text(_) => part.encoding == Encoding::None,
        // Decoded: the parser found no message in the bytes.
        PartType::Binary(bytes) => MessageParser::new().parse(bytes.as_ref()).is_none(),
        _ => false,
    }
}

/// The headers an investigator needs, as text. A header that occurs once is a string; one that
/// occurs more than once is an array in order. `Received` is always an array, of at most
/// `max_received` entries (a label counts the rest).
fn original_headers(
    message: &Message<'_>,
    retyped: Option<&content_types::Retyped>,
    max_received: usize,
    labels: &mut Labels,
) -> Map<String, Value> {
    let raw = message.raw_message.as_ref();
    let mut original = Map::new();
    let mut received = Vec::new();
    let mut received_omitted = 0usize;
    for header in message.headers() {
        let written = header.name.as_str();
        let written = if retyped.is_some_and(|retyped| retyped.is_renamed(written)) {
            CONTENT_TYPE
        } else {
            written
        };
        if written.eq_ignore_ascii_case("Received") {
            if received.len() < max_received {
                received.push(Value::String(header_text(raw, header)));
            } else {
                received_omitted += 1;
            }
            continue;
        }
        let key = ORIGINAL_HEADERS
            .into_iter()
            .chain([CONTENT_TYPE])
            .find(|key| key.eq_ignore_ascii_case(written));
        if let Some(key) = key {
            add_header_value(&mut original, key, header_text(raw, header));
        }
    }
    if !received.is_empty() {
        original.insert("Received".into(), Value::Array(received));
    }
    if received_omitted > 0 {
        labels.set("email.received_omitted", received_omitted.to_string());
    }
    original
}

fn add_header_value(original: &mut Map<String, Value>, key: &str, text: String) {
    match original.get_mut(key) {
        None => {
            original.insert(key.to_owned(), Value::String(text));
        }
        Some(Value::Array(values)) => values.push(Value::String(text)),
        Some(first) => {
            let first = first.take();
            original.insert(
                key.to_owned(),
                Value::Array(vec![first, Value::String(text)]),
            );
        }
    }
}

/// A header's value as written, unfolded, with RFC 2047 encoded words decoded.
fn header_text(raw: &[u8], header: &Header<'_>) -> String {
    let Some(bytes) = raw.get(header.offset_start as usize..header.offset_end as usize) else {
        return String::new();
    };
    match MessageStream::new(bytes).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insertion_at_one_place_is_found_where_the_bytes_around_repeat_it() {
        assert_eq!(
            single_insertion(b"abXcd", b"abXXcd"),
            Some((b"X".to_vec(), 2))
        );
        assert_eq!(
            single_insertion(b"ab--M\n\ncd", b"ab--M\n\n--M\n\ncd"),
            Some((b"--M\n\n".to_vec(), 2))
        );
        // The same lines put in again next to them are the same insertion.
        let once = single_insertion(b"head\n--a--\ntail", b"head\n--a--\n--a--\ntail");
        let twice = single_insertion(
            b"head\n--a--\n--a--\ntail",
            b"head\n--a--\n--a--\n--a--\ntail",
        );
        assert_eq!(once, twice);
        assert_eq!(single_insertion(b"abcd", b"aXbcYd"), None);
        assert_eq!(single_insertion(b"abcd", b"abc"), None);
    }

    fn decode(raw: &str) -> Event {
        let mut ctx = Context::new("test", Limits::default());
        message_to_event(raw.as_bytes(), Format::Eml, &mut ctx, None).unwrap()
    }

    fn decode_bytes(raw: &[u8]) -> Event {
        let mut ctx = Context::new("test", Limits::default());
        message_to_event(raw, Format::Eml, &mut ctx, None).unwrap()
    }

    const HEAD: &str = "From: a@force.police.uk\nTo: b@gmail.com\nSubject: x\nMIME-Version: 1.0\n";

    #[test]
    fn a_multipart_without_a_boundary_is_read_as_the_body_and_labelled() {
        for content_type in ["multipart/mixed", "multipart/mixed; boundary=never-seen"] {
            let event = decode(&format!(
                "{HEAD}Content-Type: {content_type}\n\nsecret text OFFICIAL-SENSITIVE\n"
            ));
            let email = event.email.as_ref().unwrap();
            assert!(
                email
                    .body
                    .as_deref()
                    .is_some_and(|b| b.contains("OFFICIAL-SENSITIVE")),
                "{content_type}: {email:?}"
            );
            assert!(email.attachments.is_empty(), "{content_type}: {email:?}");
            assert_eq!(event.labels["email.encoding_problem"], "true");
        }
    }

    #[test]
    fn a_multipart_without_a_boundary_is_read_as_one_whose_boundary_is_not_found() {
        // In its declared charset, as mail-parser reads the text of one whose boundary it does
        // not find.
        let body = |content_type: &str| {
            let head = format!("{HEAD}Content-Type: {content_type}\n\n");
            let raw = [head.as_bytes(), b"\xf0\xd2\xc9\xd7\xc5\xd4 koi8\n"].concat();
            decode_bytes(&raw).email.unwrap().body.unwrap()
        };
        let searched = body("multipart/mixed; boundary=never-seen; charset=koi8-r");
        assert_eq!(
            searched.trim_end(),
            "\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442} koi8"
        );
        assert_eq!(body("multipart/mixed; charset=koi8-r"), searched);
    }

    #[test]
    fn body_decoding_problems_are_labelled() {
        let cases: [(&str, &[u8]); 3] = [
            ("charset=utf-8", b"you \xc3\x28 there \xe2\x82 ok"),
            ("charset=x-klingon", b"you there \xff\xfe"),
            (
                "charset=koi8-r",
                "\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442} f\u{fc}r".as_bytes(),
            ),
        ];
        for (charset, body) in cases {
            let mut raw = format!("{HEAD}Content-Type: text/plain; {charset}\n\n").into_bytes();
            raw.extend_from_slice(body);
            raw.push(b'\n');
            let event = decode_bytes(&raw);
            assert_eq!(
                event
                    .labels
                    .get("email.encoding_problem")
                    .map(String::as_str),
                Some("true"),
                "{charset}"
            );
        }
    }

    #[test]
    fn undeclared_text_that_is_not_utf8_is_read_as_windows_1252_and_labelled() {
        let mut raw = HEAD.as_bytes().to_vec();
        raw.extend_from_slice(b"\np\xe2ki caf\xe9 \x93quoted\x94\n");
        let event = decode_bytes(&raw);
        let body = event.email.unwrap().body.unwrap();
        assert_eq!(body.trim(), "p\u{e2}ki caf\u{e9} \u{201c}quoted\u{201d}");
        assert_eq!(event.labels["email.encoding_problem"], "true");
    }

    #[test]
    fn well_decoded_bodies_are_not_labelled() {
        let cases: [(&str, &[u8]); 4] = [
            (
                "charset=utf-8",
                "caf\u{e9} \u{fffd} kept as written".as_bytes(),
            ),
            ("charset=iso-8859-1", b"caf\xe9"),
            ("charset=koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4"),
            ("charset=us-ascii", b"plain"),
        ];
        for (charset, body) in cases {
            let mut raw = format!("{HEAD}Content-Type: text/plain; {charset}\n\n").into_bytes();
            raw.extend_from_slice(body);
            raw.push(b'\n');
            let event = decode_bytes(&raw);
            assert!(
                !event.labels.contains_key("email.encoding_problem"),
                "{charset}: {:?}",
                event.email
            );
        }
    }

    /// A UTF-16 body in base64 under `charset`, as `bytes` (text in the given byte order).
    fn utf16_message(charset: &str, bytes: &[u8]) -> Event {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        decode(&format!(
            "{HEAD}Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: base64\n\n{encoded}\n"
        ))
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_big_endian() {
        let text = "I was diagnosed with asthma\n";
        let big_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        // With a mark, or declared little-endian, the order is as said.
        let little_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let marked = [&[0xff, 0xfe][..], &little_endian].concat();
        for (charset, bytes) in [
            ("utf-16", &big_endian),
            ("UTF-16", &big_endian),
            ("ucs-2", &big_endian),
            ("utf-16be", &big_endian),
            ("utf-16", &marked),
            ("utf-16le", &little_endian),
        ] {
            let event = utf16_message(charset, bytes);
            assert_eq!(
                event.email.as_ref().unwrap().body.as_deref(),
                Some(text),
                "{charset}"
            );
            assert!(
                !event.labels.contains_key("email.encoding_problem"),
                "{charset}"
            );
        }
    }

    #[test]
    fn a_body_declared_utf16_that_is_ascii_with_a_stretch_of_utf16_is_read_as_utf8() {
        // A top-level body declared UTF-16, written in ASCII, quoting a part that is UTF-16
        // little-endian with a mark: read whole as UTF-16 it was CJK characters, unlabelled.
        let text = "Subject: inner\nthe report is attached\nzqxcanaryword\n".repeat(8);
        let quoted: Vec<u8> = "Content-Type: text/plain; charset=shift_jis\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut raw = format!("{HEAD}Content-Type: text/plain; charset=utf-16\n\n").into_bytes();
        raw.extend_from_slice(text.as_bytes());
        raw.extend_from_slice(&[0xff, 0xfe]);
        raw.extend_from_slice(&quoted);
        raw.extend_from_slice(b"\nend\n");
        let event = decode_bytes(&raw);
        let body = event.email.as_ref().unwrap().body.as_deref().unwrap();
        assert!(body.starts_with(&text), "{body}");
        assert!(
            body.contains("Content-Type: text/plain; charset=shift_jis\n"),
            "{body}"
        );
        assert_eq!(event.labels["email.encoding_problem"], "true");
    }

    #[test]
    fn utf16_in_doubt_is_labelled() {
        let little_endian: Vec<u8> = "meet me at the station"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        // Little-endian without a mark is read as such (plainly ASCII letters), but labelled.
        let event = utf16_message("utf-16", &little_endian);
        assert_eq!(
            event.email.as_ref().unwrap().body.as_deref(),
            Some("meet me at the station")
        );
        assert_eq!(event.labels["email.encoding_problem"], "true");
        // Unpaired surrogates.
        let event = utf16_message("utf-16", &[0xd8, 0x00, 0x00, 0x41, 0xdc, 0x00, 0x00, 0x42]);
        assert_eq!(event.labels["email.encoding_problem"], "true");
    }

    #[test]
    fn little_endian_utf16_without_a_mark_in_any_script_is_read_and_labelled() {
        for text in [
            "Я поставил тебе диагноз: астма.\n",
            "Ο φάκελος είναι απόρρητος.\n",
            "هذا الملف سري للغاية\n",
            "这份文件是机密的，不要外传。\n",
        ] {
            let little_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let event = utf16_message("utf-16", &little_endian);
            assert_eq!(event.email.as_ref().unwrap().body.as_deref(), Some(text));
            assert_eq!(event.labels["email.encoding_problem"], "true", "{text}");
            // The same text big-endian is read as RFC 2781 says, with no label.
            let big_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            let event = utf16_message("utf-16", &big_endian);
            assert_eq!(event.email.as_ref().unwrap().body.as_deref(), Some(text));
            assert!(
                !event.labels.contains_key("email.encoding_problem"),
                "{text}"
            );
        }
    }

    #[test]
    fn raw_8bit_headers_are_read_as_windows_1252_and_labelled() {
        let raw = b"From: Jos\xe9 Garc\xeda <a@force.police.uk>\nTo: b@gmail.com\nSubject: caf\xe9 latin1 header\nContent-Type: text/plain; charset=windows-1252\n\ncaf\xe9 NI AB123456C\n";
        let event = decode_bytes(raw);
        let email = event.email.as_ref().unwrap();
        assert_eq!(email.subject.as_deref(), Some("caf\u{e9} latin1 header"));
        assert_eq!(event.original["Subject"], "caf\u{e9} latin1 header");
        assert_eq!(email.display_names[0].as_str(), "Jos\u{e9} Garc\u{ed}a");
        assert_eq!(
            email.body.as_deref().map(str::trim),
            Some("caf\u{e9} NI AB123456C")
        );
        assert_eq!(event.labels["email.encoding_problem"], "true");
        // The id is the raw message's, as for any other.
        let mut ctx = Context::new("test", Limits::default());
        assert_eq!(event.provenance.id, Context::peek_id(Format::Eml, raw));
        let again = message_to_event(raw, Format::Eml, &mut ctx, None).unwrap();
        assert_eq!(again.provenance.id, event.provenance.id);
    }

    /// A message with one attachment whose part headers carry `name` and `description` as raw
    /// bytes, and a Latin-1 body (left to its declared charset).
    fn raw_part_headers(name: &[u8], description: &[u8]) -> Vec<u8> {
        [
            b"From: a@force.police.uk\r\nTo: b@gmail.com\r\nSubject: part headers\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 body\r\n--BB\r\nContent-Type: text/plain; charset=iso-8859-1; name=\"".as_slice(),
            name,
            b"\"\r\nContent-Disposition: attachment; filename=\"",
            name,
            b"\"\r\nContent-Description: ",
            description,
            b"\r\n\r\nNI AB123456C caf\xe9\r\n--BB--\r\n",
        ]
        .concat()
    }

    #[test]
    fn raw_8bit_part_headers_are_read_as_utf8_or_windows_1252() {
        let cases: [(&[u8], &str, bool); 3] = [
            // Latin-1 and windows-1252 bytes: read as windows-1252, and labelled as a guess.
            (
                b"Gehalts\xfcbersicht_M\xfcller.txt",
                "Gehalts\u{fc}bersicht_M\u{fc}ller.txt",
                true,
            ),
            (
                b"\x93M\xfcller\x94 r\xe9sum\xe9.txt",
                "\u{201c}M\u{fc}ller\u{201d} r\u{e9}sum\u{e9}.txt",
                true,
            ),
            // UTF-8 bytes (RFC 6532): read as they are, no guess and no label.
            (
                "\u{41e}\u{442}\u{447}\u{451}\u{442} M\u{fc}ller.txt".as_bytes(),
                "\u{41e}\u{442}\u{447}\u{451}\u{442} M\u{fc}ller.txt",
                false,
            ),
        ];
        for (raw_name, name, guessed) in cases {
            // The description in the same bytes as the name: Latin-1, or UTF-8.
            let description: &[u8] = if guessed {
                b"Caf\xe9 list"
            } else {
                "Caf\u{e9} list".as_bytes()
            };
            let raw = raw_part_headers(raw_name, description);
            let event = decode_bytes(&raw);
            let email = event.email.as_ref().unwrap();
            assert_eq!(email.attachments.len(), 1, "{email:?}");
            let attachment = &email.attachments[0];
            assert_eq!(attachment.file.name.as_deref(), Some(name));
            assert_eq!(attachment.file.extension.as_deref(), Some("txt"));
            // The part bodies are as sent: the body and the attachment in their declared charset,
            // the attachment's size and hash those of its bytes.
            assert_eq!(email.body.as_deref().map(str::trim), Some("caf\u{e9} body"));
            assert_eq!(
                attachment.text.as_deref().map(str::trim),
                Some("NI AB123456C caf\u{e9}")
            );
            let sent = b"NI AB123456C caf\xe9";
            assert_eq!(attachment.file.size, Some(sent.len() as u64));
            assert_eq!(
                attachment.file.hash.sha256.as_deref(),
                Some(hex::encode(Sha256::digest(sent)).as_str())
            );
            assert_eq!(
                event
                    .labels
                    .get("email.encoding_problem")
                    .map(String::as_str),
                guessed.then_some("true"),
                "{name}"
            );
            assert_eq!(event.provenance.id, Context::peek_id(Format::Eml, &raw));
        }
    }

    #[test]
    fn raw_8bit_headers_of_an_attached_message_and_its_parts_are_read_as_windows_1252() {
        let raw = b"From: a@force.police.uk\nTo: b@gmail.com\nSubject: fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: text/plain\n\nsee below\n--outer\nContent-Type: message/rfc822\n\nFrom: c@x.org\nSubject: r\xe9union\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=inner\n\n--inner\nContent-Type: text/plain\n\ninner body\n--inner\nContent-Type: text/plain; name=\"d\xe9tails.txt\"\nContent-Disposition: attachment; filename=\"d\xe9tails.txt\"\n\nNI AB123456C\n--inner--\n--outer--\n";
        let event = decode_bytes(raw);
        let email = event.email.as_ref().unwrap();
        let text = email.attachments[0].text.as_deref().unwrap();
        assert!(text.contains("r\u{e9}union"), "{text:?}");
        assert!(text.contains("[attachment d\u{e9}tails.txt]"), "{text:?}");
        assert!(text.contains("NI AB123456C"), "{text:?}");
        assert_eq!(event.labels["email.encoding_problem"], "true");
    }

    /// The messages held in attachments are listed with their headers and where their text is
    /// in the attachment's text: a message attached, one attached to that, and an `.eml` file
    /// sent as `application/octet-stream` (read as a message, not as text).
    #[test]
    fn attached_messages_are_listed_with_their_headers_and_text() {
        let raw = "From: a@force.police.uk\nTo: b@force.police.uk\nSubject: fwd\nMIME-Version: 1.0\n\
            Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: text/plain\n\n\
            see below\n--outer\nContent-Type: message/rfc822\n\nFrom: Carol <c@force.police.uk>\n\
            Reply-To: r@x.org\nSubject: middle\nMIME-Version: 1.0\n\
            Content-Type: multipart/mixed; boundary=inner\n\n--inner\nContent-Type: text/plain\n\n\
            middle body\n--inner\nContent-Type: message/rfc822\n\nFrom: OH <oh@x.org>\n\
            Subject: innermost\n\ninnermost body\n--inner--\n--outer\n\
            Content-Type: application/octet-stream; name=\"f.eml\"\n\
            Content-Disposition: attachment; filename=\"f.eml\"\n\n\
            From: d@y.org\nTo: e@y.org\nSubject: as a file\n\nfile body\n--outer--\n";
        let event = decode(raw);
        let email = event.email.as_ref().unwrap();
        let record = event.original[ATTACHED_MESSAGES_KEY].as_array().unwrap();
        type Listed<'a> = (u64, &'a str, u64, Vec<(&'a str, &'a str)>);
        let read: Vec<Listed<'_>> = record
            .iter()
            .map(|entry| {
                let attachment = entry["attachment"].as_u64().unwrap();
                let text = email.attachments[attachment as usize]
                    .text
                    .as_deref()
                    .unwrap();
                let start = entry["start"].as_u64().unwrap() as usize;
                let end = entry["end"].as_u64().unwrap() as usize;
                let headers = entry["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
                    .collect();
                (
                    attachment,
                    &text[start..end],
                    entry["depth"].as_u64().unwrap(),
                    headers,
                )
            })
            .collect();
        assert_eq!(read.len(), 3, "{read:?}");
        assert_eq!(read[0].0, 0);
        assert!(
            read[0].1.starts_with("middle\n\nmiddle body"),
            "{:?}",
            read[0].1
        );
        assert!(read[0].1.ends_with("innermost body"), "{:?}", read[0].1);
        assert_eq!(
            read[0].3,
            [
                ("From", "Carol <c@force.police.uk>"),
                ("Reply-To", "r@x.org"),
                ("Subject", "middle")
            ]
        );
        assert_eq!(read[1].0, 0);
        assert_eq!(read[1].1, "innermost\n\ninnermost body");
        assert_eq!(read[1].2, 2);
        assert_eq!(
            read[1].3,
            [("From", "OH <oh@x.org>"), ("Subject", "innermost")]
        );
        assert_eq!(read[2].0, 1);
        assert_eq!(read[2].1, "as a file\n\nfile body");
        assert_eq!(read[2].2, 1);
        assert!(
            email.attachments[1]
                .extraction
                .as_deref()
                .is_some_and(|note| note.contains("read as an attached message")),
            "{:?}",
            email.attachments[1]
        );
    }

    #[test]
    fn dates_convert_with_their_zone() {
        let event = decode("Date: Fri, 07 Oct 1994 16:15:05 -0700\nSubject: x\n\nbody\n");
        assert_eq!(event.timestamp.to_rfc3339(), "1994-10-07T23:15:05+00:00");
        let event = decode("Date: Fri, 07 Oct 1994 16:15:05 +0130\nSubject: x\n\nbody\n");
        assert_eq!(event.timestamp.to_rfc3339(), "1994-10-07T14:45:05+00:00");
    }

    #[test]
    fn unreadable_date_falls_back_to_receive_time() {
        let mut ctx = Context::new("test", Limits::default());
        let event = message_to_event(
            b"Date: the day after tomorrow\nSubject: x\n\nbody\n",
            Format::Eml,
            &mut ctx,
            None,
        )
        .unwrap();
        assert_eq!(event.timestamp, ctx.received);
        assert_eq!(event.labels["email.date_unreadable"], "true");
        assert!(event.email.unwrap().origination_timestamp.is_none());
    }

    #[test]
    fn sender_stands_in_for_a_missing_from() {
        let event = decode("Sender: Pat Jones <pat@example.org>\nTo: a@b.c\n\nbody\n");
        let email = event.email.unwrap();
        assert_eq!(email.from, vec![Identity::from("pat@example.org")]);
        assert_eq!(event.labels["email.from_source"], "sender");
        let user = event.user.unwrap();
        assert_eq!(user.email, Some("pat@example.org".into()));
        assert_eq!(user.full_name, Some("Pat Jones".into()));
    }

    #[test]
    fn display_names_come_from_every_address_header_each_once() {
        let event = decode(
            "From: \"Lane, Sam\" <sam@x.org>\nTo: Team: b@x.org, C <c@x.org>;, d@x.org\n\
             To: \"Lane, Sam\" <sam@x.org>\nCc: undisclosed-recipients:;, =?utf-8?q?Ren=C3=A9e?= <r@x.org>\n\
             Reply-To:   Help Desk   <h@x.org>\nBcc: \"\" <e@x.org>\n\nhi\n",
        );
        let email = event.email.unwrap();
        let names: Vec<&str> = email.display_names.iter().map(Identity::as_str).collect();
        assert_eq!(
            names,
            [
                "Lane, Sam",
                "Team",
                "C",
                "undisclosed-recipients",
                "Renée",
                "Help Desk"
            ]
        );
        let none = decode("From: a@x.org\nTo: b@x.org\n\nhi\n");
        assert!(none.email.unwrap().display_names.is_empty());
    }

    #[test]
    fn many_display_names_are_kept_once_each() {
        let to: Vec<String> = (0..40)
            .map(|i| format!("\"Name {}\" <n{i}@x.org>", i % 25))
            .collect();
        let event = decode(&format!("From: a@x.org\nTo: {}\n\nhi\n", to.join(", ")));
        let email = event.email.unwrap();
        let names: Vec<&str> = email.display_names.iter().map(Identity::as_str).collect();
        let expected: Vec<String> = (0..25).map(|i| format!("Name {i}")).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn groups_and_repeated_headers_are_flattened() {
        let event = decode(
            "From: a@x.org\nTo: Team: b@x.org, C <c@x.org>;, d@x.org\nTo: e@x.org\nCc: undisclosed-recipients:;\n\nhi\n",
        );
        let email = event.email.unwrap();
        let to: Vec<&str> = email.to.iter().map(Identity::as_str).collect();
        assert_eq!(to, ["b@x.org", "c@x.org", "d@x.org", "e@x.org"]);
        assert!(email.cc.is_empty());
        assert_eq!(
            event.original["To"],
            serde_json::json!(["Team: b@x.org, C <c@x.org>;, d@x.org", "e@x.org"])
        );
        assert_eq!(event.original["Cc"], "undisclosed-recipients:;");
    }

    #[test]
    fn html_only_body_is_reduced_to_text() {
        let event = decode(
            "From: a@x.org\nContent-Type: text/html\n\n<html><body><p>Meet at <b>noon</b></p></body></html>\n",
        );
        let body = event.email.unwrap().body.unwrap();
        assert!(body.contains("Meet at noon"), "{body:?}");
        assert!(!body.contains('<'), "{body:?}");
    }

    #[test]
    fn body_is_cut_on_a_character_boundary() {
        let mut ctx = Context::new(
            "test",
            Limits {
                max_email_body_bytes: 5,
                ..Limits::default()
            },
        );
        let raw =
            "From: a@x.org\nContent-Type: text/plain; charset=utf-8\n\nab\u{e9}\u{e9}\u{e9}\n";
        let event = message_to_event(raw.as_bytes(), Format::Eml, &mut ctx, None).unwrap();
        assert_eq!(event.email.unwrap().body.unwrap(), "ab\u{e9}");
        assert_eq!(event.labels["email.body_truncated"], "true");
    }

    /// The resent fields and the delivery headers name parties to the message (the exclusions
    /// read them): each is kept, spelled as listed whatever case the message used, a repeated
    /// one as an array; they add no one to `email.to` or `email.cc`, which hold what the
    /// `To` and `Cc` headers say.
    #[test]
    fn resent_and_delivery_headers_are_kept() {
        let event = decode(
            "Delivered-To: welfare@force.police.uk\nX-Original-To: oh@force.police.uk\n\
             Delivered-To: list@force.police.uk\nENVELOPE-TO: e@force.police.uk\n\
             X-Delivered-to: xd@force.police.uk\n\
             From: a@x.org\nTo: b@x.org\nresent-from: Pat <pat@x.org>\n\
             Resent-Sender: s@x.org\nResent-To: \"Health, Occupational\" <oh@x.org>\n\
             Resent-Cc: c@x.org\nResent-Bcc: d@x.org\nSubject: hi\n\nhi\n",
        );
        let original = &event.original;
        assert_eq!(
            original["Delivered-To"],
            serde_json::json!(["welfare@force.police.uk", "list@force.police.uk"])
        );
        assert_eq!(original["X-Original-To"], "oh@force.police.uk");
        assert_eq!(original["Envelope-To"], "e@force.police.uk");
        assert_eq!(original["X-Delivered-To"], "xd@force.police.uk");
        assert_eq!(original["Resent-From"], "Pat <pat@x.org>");
        assert_eq!(original["Resent-Sender"], "s@x.org");
        assert_eq!(original["Resent-To"], "\"Health, Occupational\" <oh@x.org>");
        assert_eq!(original["Resent-Cc"], "c@x.org");
        assert_eq!(original["Resent-Bcc"], "d@x.org");
        let email = event.email.unwrap();
        let to: Vec<&str> = email.to.iter().map(Identity::as_str).collect();
        assert_eq!(to, ["b@x.org"]);
        assert!(email.cc.is_empty() && email.bcc.is_empty());
    }

    /// An address whose local part holds a quoted string, written without angle brackets, is
    /// kept whole as written (mail-parser reads the quoted string as a display name and keeps
    /// only `@domain`); one the parser reads whole, and an address really empty before its `@`,
    /// are as the parser gives them.
    /// An address written with nothing before its `@`, where no quoted string is found, moves the
    /// search for the next one past it: before, each of 10,000 such addresses in one header
    /// searched the whole rest of it again (1.4 s for 120 KB; found by the fuzzer).
    #[test]
    fn an_address_with_no_quoted_local_part_moves_the_search_on() {
        let written = b"@y.example, @y.example";
        let mut from = 0;
        assert_eq!(quoted_local_part("@y.example", written, &mut from), None);
        assert_eq!(from, 10);
        assert_eq!(quoted_local_part("@y.example", written, &mut from), None);
        assert_eq!(from, written.len());
        // Many such addresses, then a quoted one: it is still found.
        let mut to = "@y.example, ".repeat(10_000);
        to.push_str("\"oh.team\"@force.example");
        let event = decode(&format!("From: a@x.org\nTo: {to}\nSubject: s\n\nhi\n"));
        let email = event.email.unwrap();
        assert_eq!(
            email.to.last().map(Identity::as_str),
            Some("\"oh.team\"@force.example")
        );
    }

    #[test]
    fn a_quoted_local_part_is_kept_with_its_address() {
        for (to, expected) in [
            (
                "\"oh.team\"@force.example",
                &["\"oh.team\"@force.example"][..],
            ),
            (
                "\"occ health\"@example.org, b@x.org",
                &["\"occ health\"@example.org", "b@x.org"],
            ),
            // The same domain written plainly first: the quoted one is found after it.
            (
                "b@x.org, \"a\"@x.org, \"c d\"@x.org",
                &["b@x.org", "\"a\"@x.org", "\"c d\"@x.org"],
            ),
            ("oh.\"team\"@x.org", &["oh.\"team\"@x.org"]),
            ("\"oh\".team@x.org", &["\"oh\".team@x.org"]),
            ("\"oh.team\" @x.org", &["\"oh.team\"@x.org"]),
            ("\"oh.team\"@x.org (OH)", &["\"oh.team\"@x.org"]),
            ("(OH) \"oh.team\"@x.org", &["\"oh.team\"@x.org"]),
            ("\"a\\\"b,c\"@x.org", &["\"a\\\"b,c\"@x.org"]),
            ("\"occ\n health\"@x.org", &["\"occ health\"@x.org"]),
            ("Team: \"oh.team\"@x.org;", &["\"oh.team\"@x.org"]),
            ("Pat <\"oh.team\"@x.org>", &["\"oh.team\"@x.org"]),
            ("Pat <@x.org>", &["@x.org"]),
        ] {
            let event = decode(&format!("From: a@x.org\nTo: {to}\nSubject: s\n\nhi\n"));
            let email = event.email.unwrap();
            let found: Vec<&str> = email.to.iter().map(Identity::as_str).collect();
            assert_eq!(found, expected, "{to}");
        }
        // The sender too, with the name the parser read beside it.
        let event = decode("From: \"oh.team\"@force.example\nTo: b@x.org\n\nhi\n");
        let user = event.user.unwrap();
        assert_eq!(
            user.email.as_ref().map(Identity::as_str),
            Some("\"oh.team\"@force.example")
        );
        assert_eq!(
            user.full_name.as_ref().map(Identity::as_str),
            Some("oh.team")
        );
    }

    #[test]
    fn received_headers_are_kept_in_order() {
        let event = decode(
            "Received: from a by b;\n Mon, 1 Jan 2024 10:00:00 +0000\nReceived: from c by d; Mon, 1 Jan 2024 09:59:00 +0000\nFrom: x@y.z\n\nhi\n",
        );
        assert_eq!(
            event.original["Received"],
            serde_json::json!([
                "from a by b; Mon, 1 Jan 2024 10:00:00 +0000",
                "from c by d; Mon, 1 Jan 2024 09:59:00 +0000"
            ])
        );
    }

    #[test]
    fn extensions() {
        assert_eq!(file_extension("Report.Final.PDF"), Some("pdf".into()));
        assert_eq!(file_extension("..\\..\\evil.exe"), Some("exe".into()));
        assert_eq!(file_extension(".profile"), None);
        assert_eq!(file_extension("README"), None);
        assert_eq!(file_extension("trailing."), None);
    }

    #[test]
    fn utf8_text_attachment_bytes_match_mail_parser() {
        let raw = "From: a@x.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\nline one\nline two\n--b\nContent-Type: text/csv; name=q.csv\nContent-Disposition: attachment; filename=q.csv\nContent-Transfer-Encoding: quoted-printable\n\na,b=\n,c\n--b--\n";
        let message = MessageParser::new().parse(raw.as_bytes()).unwrap();
        let parts: Vec<&MessagePart<'_>> = message.attachments().collect();
        assert_eq!(parts.len(), 2);
        for part in parts {
            let ours = attachment_bytes(part, &message.raw_message);
            assert_eq!(ours.as_ref(), part.contents());
        }
    }
}

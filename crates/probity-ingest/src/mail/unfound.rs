//! Multiparts whose boundary never occurs after them, read without a search for it.
//!
//! For each multipart header it reads, mail-parser looks for `--` and the boundary from the start
//! of the part's body to the end of the message; where it finds none, it goes back and reads the
//! part as text of no known type. Each such multipart costs a scan of the rest of the message,
//! so a message of thousands of them nested one in another (or side by side) took time growing
//! with the square of its size (found by the fuzzer: 260 KB of multipart headers whose quoted
//! boundary was cut short took 1.75 s to read).
//!
//! So before a message is parsed, its `Content-Type` fields are read as mail-parser reads them,
//! and the boundaries of its multiparts looked for all at once. Where at least [`MIN_RENAMED`]
//! multiparts have a boundary that occurs nowhere after their header, the `boundary` parameter of each of
//! them is renamed in place (its last letter changed to a character found after `boundar` nowhere
//! in the message): mail-parser then sees a multipart without a boundary, which it reads as the
//! same bytes without searching, and the decoder reads those as text as it reads one whose
//! boundary is not found. Nothing moves (the name keeps its length), and the text an event keeps
//! is given back as written ([`Renamed::as_written`]). A message with only a few such multiparts
//! is left as it is.
//!
//! mail-parser also decodes an attached message held in base64 or quoted-printable
//! (`message/rfc822` in such a part) and parses it as it reads the message holding it, with the
//! same search: 1.4 MB of multiparts in base64 took 6 s, 1 MB in quoted-printable (soft line
//! breaks hiding the fields from a look at the message holding it) 17 s. So such a message is
//! decoded first, as mail-parser decodes it, its multiparts renamed the same way, and written
//! again in the same encoding in place of the original (three levels deep, as mail-parser goes);
//! its bytes and text are given back as written. Such a message's header blocks are bounded
//! there too, as the message's own are ([`super::header_limit`]): mail-parser took 785 MB for a
//! 5 MB `To:` of `a;` in one; the fields left out are counted in the label of the parts' (so a
//! message whose attached message was rewritten for that alone is rewritten, its hash that of
//! the message as cut). A
//! message read from a file (an `.eml` attached as a file, in an archive, an S/MIME signature's
//! content) is rewritten before it is parsed, as a message is.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, HeaderValue};

/// Fewest multiparts with a boundary found nowhere after them for the message to be rewritten:
/// a few cost a few scans of the message, no more than reading it does.
pub(super) const MIN_RENAMED: usize = 8;

/// Longest boundary the search's automaton holds whole (RFC 2046 allows 70 characters): a longer
/// one is looked for by its first bytes, each place they are found compared whole (one of 2 MB
/// in the automaton made it take hundreds of megabytes: a comms fuzzer finding).
const MAX_SEARCHED_BOUNDARY: usize = 256;

#[cfg(test)]
thread_local! {
    /// How many multiparts of the last message handed to mail-parser on this thread it would
    /// search for a boundary found nowhere after them ([`note_parsed`]).
    pub(super) static SEARCHED_IN_VAIN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Notes in [`SEARCHED_IN_VAIN`] how many multiparts of `bytes`, about to be parsed, have a
/// boundary found nowhere after them: each costs mail-parser a scan of the rest of the message.
#[cfg(test)]
pub(super) fn note_parsed(bytes: &[u8]) {
    let multiparts = fields(bytes).multiparts;
    let count = unfound_flags(bytes, &multiparts).map_or(multiparts.len(), |flags| {
        flags.iter().filter(|&&flag| flag).count()
    });
    SEARCHED_IN_VAIN.with(|cell| cell.set(count));
}

/// The name of the parameter renamed.
const BOUNDARY: &[u8] = b"boundary";

/// What [`rename`] did.
#[derive(Debug)]
pub(super) struct Renamed {
    /// The message with the parameters renamed.
    pub bytes: Vec<u8>,
    /// The character written for a lower-case `y`, and the one for an upper-case `Y`.
    marks: [u8; 2],
    /// Header fields of attached messages held in a transfer encoding that were left out, past
    /// [`super::header_limit`]'s bounds, and their bytes.
    pub headers_cut: (usize, usize),
}

impl Renamed {
    /// `text` (read from the message as rewritten) with the parameters' names as the message
    /// wrote them; none where there is nothing to give back. `boundar` followed by a mark occurs
    /// nowhere in the message as written, so each one found is one [`rename`] wrote.
    pub(super) fn as_written(&self, text: &str) -> Option<String> {
        // Only ASCII bytes are swapped for ASCII bytes: the text is still UTF-8.
        self.bytes_as_written(text.as_bytes())
            .and_then(|bytes| String::from_utf8(bytes).ok())
    }

    /// [`Renamed::as_written`] for bytes held as written in the message rewritten (a part's).
    pub(super) fn bytes_as_written(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let stem = &BOUNDARY[..BOUNDARY.len() - 1];
        let mut restored: Option<Vec<u8>> = None;
        let mut at = 0;
        while let Some(found) = find_ignoring_case(bytes, stem, at) {
            let mark = found + stem.len();
            let letter = match bytes.get(mark) {
                Some(&byte) if byte == self.marks[0] => Some(b'y'),
                Some(&byte) if byte == self.marks[1] => Some(b'Y'),
                _ => None,
            };
            if let Some(letter) = letter
                && let Some(slot) = restored.get_or_insert_with(|| bytes.to_vec()).get_mut(mark)
            {
                *slot = letter;
            }
            at = found + 1;
        }
        restored
    }
}

/// A multipart `Content-Type` field of the message.
struct Multipart {
    /// Where its value starts (after the colon) and ends (the end of its last line).
    value: std::ops::Range<usize>,
    /// Its boundary, as mail-parser reads it.
    boundary: String,
    /// Where its value is not UTF-8, its boundary as mail-parser reads it once the field's lines
    /// are read as windows-1252 (as a part's header lines are, after a first reading:
    /// [`crate::charset::lines_as_utf8`]), where that reads another.
    transcoded: Option<String>,
    /// Its content type as mail-parser reads it.
    content_type: ContentType<'static>,
}

/// The message with the `boundary` parameter of each multipart whose boundary occurs nowhere
/// after it renamed, where there are at least [`MIN_RENAMED`] of them, in the message or in an
/// attached message it holds in base64 (then written again in base64); none otherwise.
pub(super) fn rename(bytes: &[u8]) -> Option<Renamed> {
    let plan = plan(bytes, MAX_ENCODED_DEPTH)?;
    let mut used = [false; 256];
    plan.mark_used(bytes, &mut used);
    let marks = free_marks(&used)?;
    let rewritten = plan.apply(bytes, marks)?;
    Some(Renamed {
        bytes: rewritten,
        marks,
        headers_cut: plan.headers_cut(),
    })
}

/// How deep attached messages held in base64 are looked into: mail-parser opens three levels.
const MAX_ENCODED_DEPTH: usize = 3;

/// What [`rename`] is to rewrite in one message.
struct Plan {
    /// The multiparts whose `boundary` is renamed.
    unfound: Vec<Multipart>,
    /// The attached messages held in base64 with something to rewrite in them.
    nested: Vec<Nested>,
}

/// An attached message held in a transfer encoding ([`encoded_message`]).
struct Nested {
    /// Where its encoded text is in the message holding it.
    body: std::ops::Range<usize>,
    /// The message, decoded as mail-parser decodes it, its header blocks cut to their bounds.
    decoded: Vec<u8>,
    /// What to rewrite in it, if anything.
    plan: Option<Plan>,
    /// Its transfer encoding.
    encoding: Transfer,
    /// The header fields left out of it and their bytes, where its header blocks were past
    /// their bounds ([`super::header_limit::cut`]).
    headers_cut: Option<(usize, usize)>,
}

/// The transfer encodings mail-parser decodes an attached message from.
#[derive(Clone, Copy)]
enum Transfer {
    /// Base64, in lines ended by CR LF (`true`) or LF.
    Base64 {
        crlf: bool,
    },
    QuotedPrintable,
}

/// What to rewrite in `bytes`, looking `depth` levels into the attached messages it holds in
/// base64 (mail-parser decodes and parses those as it reads the message, searching for their
/// boundaries as for the message's own); none where there is nothing.
fn plan(bytes: &[u8], depth: usize) -> Option<Plan> {
    let Fields {
        multiparts,
        messages,
    } = fields(bytes);
    let mut unfound = Vec::new();
    if multiparts.len() >= MIN_RENAMED
        && let Some(flags) = unfound_flags(bytes, &multiparts)
        && flags.iter().filter(|&&flag| flag).count() >= MIN_RENAMED
    {
        unfound = multiparts
            .into_iter()
            .zip(flags)
            .filter_map(|(multipart, flag)| flag.then_some(multipart))
            .collect();
    }
    let mut nested = Vec::new();
    if depth > 0 {
        let mut block_end = 0;
        for field in messages {
            // One look at each header block, however many message types it names.
            if field < block_end {
                continue;
            }
            let body = match body_start(bytes, field) {
                Ok(body) => body,
                Err(looked) => {
                    block_end = looked;
                    continue;
                }
            };
            block_end = body;
            let Some(encoded) = encoded_message(bytes, field, body) else {
                continue;
            };
            // Its header blocks are bounded as the message's own are: mail-parser would parse
            // them whole.
            let (decoded, headers_cut) = match super::header_limit::cut(&encoded.decoded) {
                Some(cut) => (
                    cut.bytes,
                    Some((
                        cut.fields + cut.part_fields,
                        cut.field_bytes + cut.part_field_bytes,
                    )),
                ),
                None => (encoded.decoded, None),
            };
            let inner = plan(&decoded, depth - 1);
            if inner.is_some() || headers_cut.is_some() {
                nested.push(Nested {
                    body: encoded.body,
                    decoded,
                    plan: inner,
                    encoding: encoded.encoding,
                    headers_cut,
                });
            }
        }
    }
    (!unfound.is_empty() || !nested.is_empty()).then_some(Plan { unfound, nested })
}

impl Plan {
    /// Notes in `used` each character that follows `boundar` in `bytes` and in the attached
    /// messages to be rewritten: a mark must be none of them anywhere the text read can come
    /// from.
    fn mark_used(&self, bytes: &[u8], used: &mut [bool; 256]) {
        note_used(bytes, used);
        for nested in &self.nested {
            match &nested.plan {
                Some(plan) => plan.mark_used(&nested.decoded, used),
                None => note_used(&nested.decoded, used),
            }
        }
    }

    /// The header fields left out of the attached messages, at every depth, and their bytes.
    fn headers_cut(&self) -> (usize, usize) {
        self.nested.iter().fold((0, 0), |(fields, bytes), nested| {
            let (own_fields, own_bytes) = nested.headers_cut.unwrap_or_default();
            let (inner_fields, inner_bytes) = nested
                .plan
                .as_ref()
                .map_or((0, 0), |plan| plan.headers_cut());
            (
                fields + own_fields + inner_fields,
                bytes + own_bytes + inner_bytes,
            )
        })
    }

    /// `bytes` rewritten: the multiparts renamed in place, and each attached message held in
    /// base64 rewritten and encoded again; none where nothing changed.
    fn apply(&self, bytes: &[u8], marks: [u8; 2]) -> Option<Vec<u8>> {
        let mut rewritten = bytes.to_vec();
        let mut changed = false;
        for multipart in &self.unfound {
            changed |= rename_in(&mut rewritten, multipart, marks);
        }
        // From the last, so that the ranges before stay where they were.
        for nested in self.nested.iter().rev() {
            let rewritten_inner = nested
                .plan
                .as_ref()
                .and_then(|plan| plan.apply(&nested.decoded, marks));
            let inner = match rewritten_inner {
                Some(inner) => inner,
                None if nested.headers_cut.is_some() => nested.decoded.clone(),
                None => continue,
            };
            if rewritten.get(nested.body.clone()).is_none() {
                continue;
            }
            let encoded = match nested.encoding {
                Transfer::Base64 { crlf } => base64_lines(&inner, crlf),
                Transfer::QuotedPrintable => quoted_printable(&inner),
            };
            rewritten.splice(nested.body.clone(), encoded);
            changed = true;
        }
        changed.then_some(rewritten)
    }
}

/// `bytes` in base64, in lines of 76 characters ended as the message ends them, without an end
/// after the last (the line end before the next delimiter is kept from the message).
fn base64_lines(bytes: &[u8], crlf: bool) -> Vec<u8> {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut lines = super::transfer::base64_lines(bytes, end).into_bytes();
    lines.truncate(lines.len().saturating_sub(end.len()));
    lines
}

/// `bytes` in quoted-printable, as mail-parser decodes it back to them: `=`, every `-` (two
/// would start a delimiter anywhere on a line), a CR not before an LF, control characters, and
/// white space before a line end are written as `=XX`; line ends are kept. mail-parser ends
/// every line it decodes in CR LF once it has seen a CR, so after the first CR LF an LF alone is
/// written as `=0A`.
fn quoted_printable(bytes: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    let mut seen_cr = false;
    for (at, &byte) in bytes.iter().enumerate() {
        let next = bytes.get(at + 1).copied();
        let previous = at
            .checked_sub(1)
            .and_then(|before| bytes.get(before))
            .copied();
        let plain = match byte {
            b'\n' => !seen_cr || previous == Some(b'\r'),
            b'\r' => {
                let line_end = next == Some(b'\n');
                seen_cr |= line_end;
                line_end
            }
            b' ' | b'\t' => !matches!(next, None | Some(b'\r' | b'\n')),
            b'=' | b'-' => false,
            _ => !byte.is_ascii_control(),
        };
        if plain {
            encoded.push(byte);
        } else {
            encoded.extend_from_slice(&[
                b'=',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0x0f)],
            ]);
        }
    }
    encoded
}

/// An attached message held in a transfer encoding whose `Content-Type` field value starts at
/// `field`.
struct Encoded {
    body: std::ops::Range<usize>,
    decoded: Vec<u8>,
    encoding: Transfer,
}

/// Longest header block looked through around a message type's field, each way.
const MAX_BLOCK_LOOK: usize = 64 * 1024;

/// Where the body after the header block holding `field` starts (after the first empty line
/// after it, looked for no further than [`MAX_BLOCK_LOOK`]); otherwise how far was looked, so
/// that no byte is looked through twice for the fields after it.
fn body_start(bytes: &[u8], field: usize) -> Result<usize, usize> {
    let mut at = field;
    loop {
        let Some(newline) = bytes.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) else {
            return Err(bytes.len());
        };
        let next = at + newline + 1;
        match bytes.get(next..) {
            Some([b'\n', ..]) => return Ok(next + 1),
            Some([b'\r', b'\n', ..]) => return Ok(next + 2),
            _ => {}
        }
        if next - field > MAX_BLOCK_LOOK {
            return Err(next);
        }
        at = next;
    }
}

/// The attached message whose header block holds the `Content-Type` field value starting at
/// `field` and whose body starts at `body_start`, where that block also names the base64 or
/// quoted-printable transfer encoding and its body decodes as mail-parser decodes it (up to the
/// delimiter line before which the block starts); none otherwise.
fn encoded_message(bytes: &[u8], field: usize, body_start: usize) -> Option<Encoded> {
    let crlf = bytes.get(..body_start)?.ends_with(b"\r\n\r\n");
    // Its start: after the delimiter line above it (whose boundary ends the body), or the start
    // of the message; an empty line above it first means the field is in a body.
    let mut line_end = memchr::memrchr(b'\n', bytes.get(..field)?).map_or(0, |newline| newline + 1);
    let (block_start, boundary) = loop {
        if line_end == 0 {
            break (0, &b""[..]);
        }
        let above_end = line_end - 1;
        let above_start =
            memchr::memrchr(b'\n', bytes.get(..above_end)?).map_or(0, |newline| newline + 1);
        let line = bytes.get(above_start..above_end)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        if let Some(boundary) = line.strip_prefix(b"--") {
            break (line_end, boundary.trim_ascii_end());
        }
        if field - above_start > MAX_BLOCK_LOOK {
            return None;
        }
        line_end = above_start;
    };
    let encoding = match transfer_encoding(bytes.get(block_start..body_start)?)? {
        Named::Base64 => Transfer::Base64 { crlf },
        Named::QuotedPrintable => Transfer::QuotedPrintable,
    };
    let mut stream = MessageStream::new(bytes.get(body_start..)?);
    let (end, decoded) = match encoding {
        Transfer::Base64 { .. } => stream.decode_base64_mime(boundary),
        Transfer::QuotedPrintable => stream.decode_quoted_printable_mime(boundary),
    };
    if end == usize::MAX {
        return None;
    }
    Some(Encoded {
        body: body_start..body_start + end.min(bytes.len() - body_start),
        decoded: decoded.into_owned(),
        encoding,
    })
}

/// A transfer encoding named in a header block.
enum Named {
    Base64,
    QuotedPrintable,
}

/// The transfer encoding the first `Content-Transfer-Encoding` field of a header block names, of
/// those mail-parser decodes an attached message from.
fn transfer_encoding(block: &[u8]) -> Option<Named> {
    const NAME: &[u8] = b"content-transfer-encoding";
    let value = block.split(|&byte| byte == b'\n').find_map(|line| {
        line.get(..NAME.len())
            .filter(|name| name.eq_ignore_ascii_case(NAME))
            .and_then(|_| line.get(NAME.len()..))
            .and_then(|rest| rest.trim_ascii_start().strip_prefix(b":"))
    })?;
    let value = value.trim_ascii();
    if value.eq_ignore_ascii_case(b"base64") {
        Some(Named::Base64)
    } else if value.eq_ignore_ascii_case(b"quoted-printable") {
        Some(Named::QuotedPrintable)
    } else {
        None
    }
}

/// For each multipart, whether its boundary, after `--`, occurs nowhere after its field; none
/// where the boundaries cannot be searched for.
fn unfound_flags(bytes: &[u8], multiparts: &[Multipart]) -> Option<Vec<bool>> {
    let last = last_delimiters(bytes, multiparts)?;
    let flags = multiparts
        .iter()
        .map(|multipart| {
            let unfound = |boundary: &str| {
                last.get(boundary)
                    .is_none_or(|&start| start < multipart.value.end)
            };
            unfound(&multipart.boundary) && multipart.transcoded.as_deref().is_none_or(unfound)
        })
        .collect();
    Some(flags)
}

/// The `Content-Type` fields of a message that [`rename`] looks at.
struct Fields {
    multiparts: Vec<Multipart>,
    /// Where each value naming a message type starts.
    messages: Vec<usize>,
}

/// Every field named `Content-Type` whose value mail-parser reads as a multipart with a boundary
/// (one whose value is not UTF-8 with both the boundaries it may be read with: a part's header
/// lines are read as windows-1252 after a first reading), and where each naming an attached message's type (`message/rfc822`,
/// `message/global`) starts. A field is looked for at the start of a line and straight after a delimiter
/// line's boundary, where mail-parser reads a part's header block from.
fn fields(bytes: &[u8]) -> Fields {
    const NAME: &[u8] = b"content-type";
    let mut found = Vec::new();
    let mut messages = Vec::new();
    let mut at = 0;
    let mut line_start = 0;
    let mut seen = 0;
    while let Some(start) = find_ignoring_case(bytes, NAME, at) {
        at = start + NAME.len();
        if let Some(newline) = memchr::memrchr(b'\n', &bytes[seen..start]) {
            line_start = seen + newline + 1;
        }
        seen = start;
        if !where_a_field_starts(&bytes[line_start..start]) {
            continue;
        }
        let mut colon = start + NAME.len();
        while matches!(bytes.get(colon), Some(b' ' | b'\t')) {
            colon += 1;
        }
        if bytes.get(colon) != Some(&b':') {
            continue;
        }
        let value_start = colon + 1;
        let (content_type, end) = content_type_at(bytes, value_start);
        // A name within the value is not a field's (and each value is read once).
        at = at.max(end);
        let Some(content_type) = content_type else {
            continue;
        };
        if content_type.ctype() == "message"
            && matches!(content_type.subtype(), Some("rfc822" | "global"))
        {
            messages.push(value_start);
            continue;
        }
        if content_type.ctype() != "multipart" {
            continue;
        }
        let Some(boundary) = content_type.attribute("boundary") else {
            continue;
        };
        if boundary.is_empty() {
            continue;
        }
        let boundary = boundary.to_owned();
        let transcoded = transcoded_boundary(bytes.get(value_start..end).unwrap_or_default())
            .filter(|transcoded| *transcoded != boundary);
        found.push(Multipart {
            value: value_start..end,
            boundary,
            transcoded,
            content_type,
        });
    }
    Fields {
        multiparts: found,
        messages,
    }
}

/// The boundary mail-parser reads in a `Content-Type` field's `value` that is not UTF-8 once its
/// lines are read as windows-1252; none where the value is UTF-8 (it is read as it is) or then
/// names no boundary. Multiparts with a boundary of other characters than ASCII were left out,
/// and each cost mail-parser a scan of the rest of the message where the boundary is not found:
/// 5,700 sibling multiparts whose boundary was garbled took seconds to read, again in each
/// round of the mending of the message's structure (comms fuzzer).
fn transcoded_boundary(value: &[u8]) -> Option<String> {
    if std::str::from_utf8(value).is_ok() {
        return None;
    }
    let decoder = mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252")?;
    let transcoded = decoder(value);
    let (content_type, _) = content_type_at(transcoded.as_bytes(), 0);
    content_type?
        .attribute("boundary")
        .filter(|boundary| !boundary.is_empty())
        .map(str::to_owned)
}

/// Whether a field can start after `before` on its line: at the start of a line (white space
/// aside), or straight after a delimiter (`--` and a boundary), where mail-parser starts a part's
/// header block.
fn where_a_field_starts(before: &[u8]) -> bool {
    before.iter().all(|&byte| byte == b' ' || byte == b'\t')
        || (before.starts_with(b"--") && !before.iter().any(u8::is_ascii_whitespace))
}

/// The content type mail-parser reads from the field value starting at `start` (none if it reads
/// none), and where the value ends.
fn content_type_at(bytes: &[u8], start: usize) -> (Option<ContentType<'static>>, usize) {
    let Some(rest) = bytes.get(start..) else {
        return (None, start);
    };
    let mut stream = MessageStream::new(rest);
    let end = |stream: &MessageStream<'_>| start + stream.offset();
    match stream.parse_content_type().into_owned() {
        HeaderValue::ContentType(content_type) => (Some(content_type), end(&stream)),
        _ => (None, end(&stream)),
    }
}

/// Where `--` and each boundary last start in the message, by boundary: all looked for in one
/// pass. None where the boundaries cannot be searched for (the automaton cannot be built).
fn last_delimiters<'m>(
    bytes: &[u8],
    multiparts: &'m [Multipart],
) -> Option<HashMap<&'m str, usize>> {
    let mut boundaries: Vec<&str> = multiparts
        .iter()
        .flat_map(|multipart| {
            std::iter::once(multipart.boundary.as_str()).chain(multipart.transcoded.as_deref())
        })
        .collect();
    boundaries.sort_unstable();
    boundaries.dedup();
    // A longer boundary is looked for by its first bytes, each place found then compared whole:
    // the search's automaton stays small (a fuzzed message's 2 MB boundary made it take hundreds
    // of megabytes), and a multipart with a boundary longer than those, left as written, cost a
    // scan of the rest of the message as any other does (a thousand fit in 300 KB).
    let mut patterns: Vec<&[u8]> = boundaries
        .iter()
        .map(|boundary| {
            let bytes = boundary.as_bytes();
            bytes.get(..MAX_SEARCHED_BOUNDARY).unwrap_or(bytes)
        })
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut sharing: Vec<Vec<&str>> = vec![Vec::new(); patterns.len()];
    for &boundary in &boundaries {
        let bytes = boundary.as_bytes();
        let prefix = bytes.get(..MAX_SEARCHED_BOUNDARY).unwrap_or(bytes);
        if let Ok(index) = patterns.binary_search(&prefix) {
            sharing[index].push(boundary);
        }
    }
    let needles: Vec<Vec<u8>> = patterns
        .iter()
        .map(|prefix| [b"--", *prefix].concat())
        .collect();
    // An automaton of its own for each pattern byte, not a table of 256 entries for each: the
    // memory stays a small multiple of the patterns' bytes.
    let searcher = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&needles)
        .ok()?;
    // The bytes compared whole past the first ones, at most a few times the message's: past
    // that a longer boundary whose first bytes are found is taken to be found (left to the
    // parser's search), and the others are still looked for.
    let mut compared_budget = bytes.len().saturating_mul(COMPARED_PER_BYTE);
    let mut last = HashMap::new();
    for found in searcher.find_overlapping_iter(bytes) {
        let Some(boundaries) = sharing.get(found.pattern().as_usize()) else {
            continue;
        };
        let rest = bytes.get(found.start() + 2..).unwrap_or_default();
        for &boundary in boundaries {
            if boundary.len() > MAX_SEARCHED_BOUNDARY
                && let Some(left) = compared_budget.checked_sub(boundary.len())
            {
                compared_budget = left;
                if !rest.starts_with(boundary.as_bytes()) {
                    continue;
                }
            }
            last.insert(boundary, found.start());
        }
    }
    Some(last)
}

/// How many bytes, for each byte of a message, [`last_delimiters`] may compare of boundaries
/// longer than [`MAX_SEARCHED_BOUNDARY`] where their first bytes are found.
const COMPARED_PER_BYTE: usize = 8;

/// Notes in `used` each character that follows `boundar`, in any case, in `bytes`.
fn note_used(bytes: &[u8], used: &mut [bool; 256]) {
    let stem = &BOUNDARY[..BOUNDARY.len() - 1];
    let mut at = 0;
    while let Some(found) = find_ignoring_case(bytes, stem, at) {
        if let Some(&next) = bytes.get(found + stem.len()) {
            used[usize::from(next)] = true;
        }
        at = found + 1;
    }
}

/// The characters to write for the last letter of `boundary` (lower case, then upper case): two
/// that follow `boundar`, in any case, nowhere `used` notes; none if every one does.
fn free_marks(used: &[bool; 256]) -> Option<[u8; 2]> {
    // Characters a parameter name may hold that mail-parser keeps as they are.
    let mut free = (b'0'..=b'9')
        .chain(b'a'..=b'x')
        .chain(b"_+!#$&^`|~".iter().copied())
        .filter(|&mark| !used[usize::from(mark)] && !used[usize::from(mark.to_ascii_uppercase())]);
    Some([free.next()?, free.next()?])
}

/// Renames the `boundary` parameter of `multipart` in `bytes`, where the field then reads as the
/// same content type without a boundary; says whether it did.
fn rename_in(bytes: &mut [u8], multipart: &Multipart, marks: [u8; 2]) -> bool {
    let Some(value) = bytes.get(multipart.value.clone()) else {
        return false;
    };
    let mut field = value.to_vec();
    let mut at = 0;
    let mut changed = false;
    while let Some(found) = find_ignoring_case(&field, BOUNDARY, at) {
        let last = found + BOUNDARY.len() - 1;
        if let Some(letter) = field.get_mut(last) {
            *letter = if letter.is_ascii_uppercase() {
                marks[1]
            } else {
                marks[0]
            };
            changed = true;
        }
        at = found + 1;
    }
    if !changed || !reads_without_boundary(&field, &multipart.content_type, marks) {
        return false;
    }
    let Some(target) = bytes.get_mut(multipart.value.clone()) else {
        return false;
    };
    target.copy_from_slice(&field);
    true
}

/// Whether `field` (a value rewritten) reads as `before` without its boundary: the same type and
/// subtype, the same parameters in the same order but for those named `boundary`, and none of
/// that name.
fn reads_without_boundary(field: &[u8], before: &ContentType<'_>, marks: [u8; 2]) -> bool {
    let mut stream = MessageStream::new(field);
    let HeaderValue::ContentType(after) = stream.parse_content_type() else {
        return false;
    };
    if after.ctype() != before.ctype() || after.subtype() != before.subtype() {
        return false;
    }
    if after.attribute("boundary").is_some() {
        return false;
    }
    let renamed: Vec<String> = marks
        .iter()
        .map(|&mark| {
            let mut name = BOUNDARY.to_vec();
            if let Some(last) = name.last_mut() {
                *last = mark.to_ascii_lowercase();
            }
            String::from_utf8_lossy(&name).into_owned()
        })
        .collect();
    let kept = |content_type: &ContentType<'_>| -> Vec<(String, String)> {
        content_type
            .attributes()
            .unwrap_or_default()
            .iter()
            .filter(|attribute| {
                attribute.name != "boundary" && !renamed.iter().any(|name| attribute.name == *name)
            })
            .map(|attribute| (attribute.name.to_string(), attribute.value.to_string()))
            .collect()
    };
    kept(before) == kept(&after)
}

/// Where `needle` (lower case) next occurs in `haystack` from `from`, in any case.
fn find_ignoring_case(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let rest = haystack.get(from..)?;
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), rest)
        .map(|at| from + at)
        .find(|&at| {
            haystack
                .get(at..at + needle.len())
                .is_some_and(|candidate| candidate.eq_ignore_ascii_case(needle))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::message_to_event;
    use crate::{Context, Limits};
    use probity_model::{Event, Format};
    use sha2::{Digest, Sha256};

    fn decode(raw: &[u8]) -> Event {
        let mut ctx = Context::new("test", Limits::default());
        message_to_event(raw, Format::Eml, &mut ctx, None).unwrap()
    }

    fn body(event: &Event) -> &str {
        event
            .email
            .as_ref()
            .and_then(|email| email.body.as_deref())
            .unwrap_or_default()
    }

    const HEAD: &str = "From: a@force.example\nTo: b@force.example\nSubject: nest\n";

    /// The fuzzer's shape: `count` parts of a multipart, each a multipart whose quoted boundary
    /// was cut short (mail-parser reads it as `undary=`, found nowhere), each with a line of text.
    fn cut_boundaries(count: usize) -> Vec<u8> {
        let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"N0\"\n\n");
        for part in 0..count {
            raw.push_str(&format!(
                "--N0\nContent-Type: multipart/mixed; boundary=\"undary=\"N0\"\n\nline {part} of the text\n"
            ));
        }
        raw.push_str("--N0--\n");
        raw.into_bytes()
    }

    #[test]
    fn mail_parser_searches_for_no_boundary_that_is_not_there() {
        // Each multipart whose boundary occurs nowhere after it cost mail-parser a scan of the
        // rest of the message: 2,000 of them took seconds. The message is parsed with none left
        // to search for, and every part's text is read.
        let count = 2_000;
        let raw = cut_boundaries(count);
        SEARCHED_IN_VAIN.with(|cell| cell.set(usize::MAX));
        let event = decode(&raw);
        assert_eq!(SEARCHED_IN_VAIN.with(std::cell::Cell::get), 0);
        let body = body(&event);
        for part in 0..count {
            assert!(body.contains(&format!("line {part} of the text")), "{part}");
        }
        assert_eq!(event.labels["email.encoding_problem"], "true");
        assert_eq!(
            event.original["Content-Type"],
            "multipart/mixed; boundary=\"N0\""
        );
    }

    /// A boundary longer than the automaton holds is looked for by its first bytes and compared
    /// whole where they are found: one found nowhere after its field is renamed as the rest are
    /// (it was left as written, and a thousand such multiparts, which fit in 300 KB, each cost
    /// mail-parser a scan of the rest of the message); one found whole is left as written, and
    /// one whose first bytes only are found is renamed.
    #[test]
    fn a_boundary_longer_than_the_automaton_holds_is_compared_whole() {
        let long = "L".repeat(MAX_SEARCHED_BOUNDARY + 1);
        let with = |after: &str| {
            let mut raw = cut_boundaries(20);
            let field = format!(
                "--N0\nContent-Type: multipart/mixed; boundary=\"{long}\"\n\n{after}last\n"
            );
            let at = raw.len() - "--N0--\n".len();
            raw.splice(at..at, field.bytes());
            raw
        };
        let renamed_long = |raw: &[u8]| {
            let renamed = rename(raw).unwrap();
            let rewritten = String::from_utf8_lossy(&renamed.bytes).into_owned();
            assert_eq!(rewritten.matches("boundary=\"undary=").count(), 0);
            !rewritten.contains(&format!("boundary=\"{long}\""))
        };
        let raw = with("");
        assert_eq!(fields(&raw).multiparts.len(), 22);
        assert!(renamed_long(&raw));
        assert!(!renamed_long(&with(&format!("--{long}\n\n"))));
        let cut = &long[..MAX_SEARCHED_BOUNDARY];
        assert!(renamed_long(&with(&format!("--{cut}X\n\n"))));
    }

    /// Where the whole comparisons of longer boundaries pass their bound (many sharing their
    /// first bytes, found many times), those left are taken to be found, and the other
    /// boundaries are still looked for: the multiparts of those found nowhere are renamed.
    #[test]
    fn longer_boundaries_past_the_comparisons_allowed_leave_the_others_looked_for() {
        let mut raw = cut_boundaries(20);
        let prefix = "P".repeat(MAX_SEARCHED_BOUNDARY);
        let mut fields = String::new();
        for n in 0..9 {
            fields.push_str(&format!(
                "--N0\nContent-Type: multipart/mixed; boundary=\"{prefix}{n:044}\"\n\nx\n"
            ));
        }
        fields.push_str(&format!("--{prefix}\n").repeat(100));
        let at = raw.len() - "--N0--\n".len();
        raw.splice(at..at, fields.bytes());
        let renamed = rename(&raw).unwrap();
        let rewritten = String::from_utf8_lossy(&renamed.bytes);
        assert_eq!(rewritten.matches("boundary=\"undary=").count(), 0);
        assert_eq!(
            rewritten.matches(&format!("boundary=\"{prefix}")).count(),
            9
        );
    }

    /// `count` sibling parts of a multipart, each a multipart of boundary `boundary` (written as
    /// these bytes) opened with a delimiter line `--B` and a line of text.
    fn garbled_boundaries(boundary: &[u8], count: usize) -> Vec<u8> {
        let mut raw =
            format!("{HEAD}Content-Type: multipart/mixed; boundary=\"A\"\n\n").into_bytes();
        for part in 0..count {
            raw.extend_from_slice(b"--A\nContent-Type: multipart/mixed; boundary=\"");
            raw.extend_from_slice(boundary);
            raw.extend_from_slice(format!("\"\n\n--B\n\nline {part} of the text\n").as_bytes());
        }
        raw.extend_from_slice(b"--A--\n");
        raw
    }

    /// A boundary of other characters than ASCII found nowhere after its field costs mail-parser
    /// a scan of the rest of the message as any does: such multiparts were left as written, and
    /// thousands of siblings took seconds to read, in each round of the mending too (comms
    /// fuzzer). One in UTF-8, and one not (read as mail-parser reads it, and as windows-1252).
    #[test]
    fn boundaries_not_in_ascii_found_nowhere_are_not_searched_for() {
        for boundary in ["B\u{e9}".as_bytes(), b"B\xe9"] {
            let count = 300;
            let raw = garbled_boundaries(boundary, count);
            let renamed = rename(&raw).unwrap();
            assert_eq!(renamed.bytes.len(), raw.len());
            SEARCHED_IN_VAIN.with(|cell| cell.set(usize::MAX));
            let event = decode(&raw);
            assert_eq!(SEARCHED_IN_VAIN.with(std::cell::Cell::get), 0);
            let body = body(&event);
            for part in 0..count {
                assert!(body.contains(&format!("line {part} of the text")), "{part}");
            }
        }
    }

    /// A boundary not in UTF-8 whose delimiter lines are found once its field is read as
    /// windows-1252 (as a part's header lines are) is left as written: the multipart is read.
    #[test]
    fn a_boundary_found_once_read_as_windows_1252_is_left_as_written() {
        let mut raw = garbled_boundaries(b"B\xe9", MIN_RENAMED * 2);
        let close = raw.len() - "--A--\n".len();
        raw.splice(close..close, "--B\u{e9}--\n".bytes());
        let plan = plan(&raw, 0);
        assert!(plan.is_none_or(|plan| plan.unfound.len() < MIN_RENAMED));
    }

    #[test]
    fn a_few_multiparts_without_their_boundary_are_left_as_written() {
        let raw = cut_boundaries(MIN_RENAMED - 1);
        assert!(rename(&raw).is_none());
        SEARCHED_IN_VAIN.with(|cell| cell.set(0));
        decode(&raw);
        assert_eq!(SEARCHED_IN_VAIN.with(std::cell::Cell::get), MIN_RENAMED - 1);
        let renamed = rename(&cut_boundaries(MIN_RENAMED)).unwrap();
        assert_eq!(renamed.bytes.len(), cut_boundaries(MIN_RENAMED).len());
    }

    #[test]
    fn multiparts_read_without_a_search_read_as_those_searched_for() {
        // The same parts, read with their boundaries searched for (fewer than MIN_RENAMED) and
        // without (one more): the text of each is the same, whatever its charset.
        let parts: [(&str, &[u8]); 5] = [
            ("", b"plain words"),
            ("", b"caf\xe9 undeclared"),
            ("; charset=iso-8859-1", b"caf\xe9 latin"),
            ("; charset=\"koi8-r\"", b"\xf0\xd2\xc9\xd7\xc5\xd4"),
            ("; charset=utf-8", "caf\u{e9} utf".as_bytes()),
        ];
        let message = |copies: usize| {
            let mut raw =
                format!("{HEAD}Content-Type: multipart/mixed; boundary=N0\n\n").into_bytes();
            for copy in 0..copies {
                for (parameters, text) in parts {
                    raw.extend_from_slice(
                        format!(
                            "--N0\nContent-Type: multipart/mixed; boundary=gone{parameters}\n\n"
                        )
                        .as_bytes(),
                    );
                    raw.extend_from_slice(text);
                    raw.extend_from_slice(format!(" {copy}\n").as_bytes());
                }
            }
            raw.extend_from_slice(b"--N0--\n");
            raw
        };
        let searched = message(1);
        assert!(rename(&searched).is_none());
        let renamed = message(2);
        assert!(rename(&renamed).is_some());
        let searched = body(&decode(&searched)).to_owned();
        let renamed = body(&decode(&renamed)).to_owned();
        let first: Vec<&str> = renamed
            .lines()
            .filter(|line| line.ends_with(" 0"))
            .collect();
        assert_eq!(first, searched.lines().collect::<Vec<_>>());
        assert!(renamed.contains("caf\u{e9} latin 1"), "{renamed}");
        assert!(
            renamed.contains("\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442} 1"),
            "{renamed}"
        );
    }

    #[test]
    fn renamed_fields_read_as_text_are_given_back_as_written() {
        // Lines of a text part that look like multipart fields are renamed as the fields are; the
        // body shows them as written, in either case, and the header values too.
        let mut raw = format!("{HEAD}X-Note: see below\nContent-Type: text/plain\n\n");
        for line in 0..MIN_RENAMED {
            let name = if line % 2 == 0 {
                "boundary"
            } else {
                "BOUNDARY"
            };
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; {name}=\"gone{line}\"\n"
            ));
        }
        let raw = raw.into_bytes();
        let renamed = rename(&raw).unwrap();
        assert_ne!(renamed.bytes, raw);
        let event = decode(&raw);
        let written = String::from_utf8_lossy(&raw);
        let text = written.split_once("\n\n").unwrap().1;
        assert_eq!(body(&event).trim_end(), text.trim_end());
    }

    #[test]
    fn an_attached_message_read_without_a_search_is_hashed_as_written() {
        let mut attached = format!("{HEAD}Content-Type: multipart/mixed; boundary=IN\n\n");
        for part in 0..MIN_RENAMED {
            attached.push_str(&format!(
                "--IN\nContent-Type: multipart/mixed; boundary=gone\n\nattached {part}\n"
            ));
        }
        attached.push_str("--IN--");
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: text/plain\n\nhello\n--OUT\nContent-Type: message/rfc822\n\n{attached}\n--OUT--\n"
        );
        assert!(rename(raw.as_bytes()).is_some());
        let event = decode(raw.as_bytes());
        let email = event.email.as_ref().unwrap();
        let file = &email.attachments[0].file;
        assert_eq!(file.size, Some(attached.len() as u64));
        let written = hex::encode(Sha256::digest(attached.as_bytes()));
        assert_eq!(file.hash.sha256.as_deref(), Some(written.as_str()));
        let text = email.attachments[0].text.as_deref().unwrap_or_default();
        assert!(text.contains("attached 7"), "{text}");
    }

    /// `raw` in base64 lines of 76 characters, ended by LF.
    fn base64_body(raw: &[u8]) -> String {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        encoded
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A message of cut boundaries with, in a text part, lines that look like multipart fields
    /// (renamed as the fields are, and to be given back as written).
    fn attached_with_cut_boundaries() -> Vec<u8> {
        let mut raw = cut_boundaries(2_000);
        let at = raw.len() - "--N0--\n".len();
        let mut text = String::from("--N0\nContent-Type: text/plain\n\n");
        for line in 0..MIN_RENAMED {
            text.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"gone{line}\"\n"
            ));
        }
        raw.splice(at..at, text.bytes());
        raw
    }

    fn wrapped(part_header: &str, attached: &[u8]) -> Vec<u8> {
        format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: text/plain\n\nhello\n--OUT\n{part_header}Content-Transfer-Encoding: base64\n\n{}\n--OUT--\n",
            base64_body(attached)
        )
        .into_bytes()
    }

    fn assert_read_as_written(text: &str) {
        for part in [0, 999, 1_999] {
            assert!(text.contains(&format!("line {part} of the text")), "{part}");
        }
        for line in 0..MIN_RENAMED {
            assert!(
                text.contains(&format!("multipart/mixed; boundary=\"gone{line}\"")),
                "{line}"
            );
        }
        assert!(!text.contains("boundar0") && !text.contains("boundar1"));
    }

    /// The event's first attachment is `attached`: read as written and hashed as written.
    fn assert_attached_as_written(event: &Event, attached: &[u8]) {
        let attachment = &event.email.as_ref().unwrap().attachments[0];
        assert_read_as_written(attachment.text.as_deref().unwrap_or_default());
        let written = hex::encode(Sha256::digest(attached));
        assert_eq!(
            attachment.file.hash.sha256.as_deref(),
            Some(written.as_str())
        );
    }

    /// An attached message held in base64 is decoded and parsed by mail-parser as it reads the
    /// message holding it, searching for its boundaries as for the message's own: 1.4 MB of them
    /// took 6 s. It is written again with its multiparts renamed, and read as it was written.
    #[test]
    fn an_attached_message_in_base64_is_read_without_a_search() {
        let attached = attached_with_cut_boundaries();
        let raw = wrapped("Content-Type: message/rfc822\n", &attached);
        let renamed = rename(&raw).expect("the attached message is rewritten");
        // The attached message in the message rewritten has no multipart left to search for.
        let rewritten = String::from_utf8_lossy(&renamed.bytes);
        let body = rewritten
            .split("Content-Transfer-Encoding: base64\n\n")
            .nth(1)
            .and_then(|rest| rest.split("\n--OUT--").next())
            .unwrap();
        let mut stream = MessageStream::new(body.as_bytes());
        let (_, decoded) = stream.decode_base64_mime(b"");
        assert_eq!(decoded.len(), attached.len());
        assert!(fields(&decoded).multiparts.len() < MIN_RENAMED);
        assert!(renamed.bytes_as_written(&decoded).unwrap() == attached);

        assert_attached_as_written(&decode(&raw), &attached);
    }

    /// The same message sent as a file (`.eml` in base64) is read by the attachment reader, with
    /// the same rewriting.
    #[test]
    fn a_message_sent_as_a_file_is_read_without_a_search() {
        let attached = attached_with_cut_boundaries();
        let raw = wrapped(
            "Content-Type: application/octet-stream; name=\"x.eml\"\nContent-Disposition: attachment; filename=\"x.eml\"\n",
            &attached,
        );
        // The message holding it has nothing to rename: the file is read on its own.
        assert!(rename(&raw).is_none());
        assert!(rename(&attached).is_some());
        SEARCHED_IN_VAIN.with(|cell| cell.set(usize::MAX));
        let event = decode(&raw);
        // The file, parsed last, was handed to mail-parser with nothing to search for in vain.
        assert_eq!(SEARCHED_IN_VAIN.with(std::cell::Cell::get), 0);
        let email = event.email.as_ref().unwrap();
        let attachment = &email.attachments[0];
        assert_read_as_written(attachment.text.as_deref().unwrap_or_default());
    }

    /// A message type's field in a part's body, or a block naming no base64, is not looked into.
    #[test]
    fn only_a_base64_part_of_a_message_type_is_decoded() {
        let attached = attached_with_cut_boundaries();
        let encoded = base64_body(&attached);
        let in_body = format!(
            "{HEAD}Content-Type: text/plain\n\nhello\n\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{encoded}\n"
        );
        assert!(rename(in_body.as_bytes()).is_none());
        let not_base64 = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: message/rfc822\nContent-Transfer-Encoding: 7bit\n\n{encoded}\n--OUT--\n"
        );
        assert!(rename(not_base64.as_bytes()).is_none());
        // Two levels in: a base64 message holding one in base64.
        let inner = wrapped("Content-Type: message/rfc822\n", &attached);
        let outer = wrapped("Content-Type: message/rfc822\n", &inner);
        assert!(rename(&outer).is_some());
        let event = decode(&outer);
        let text = event.email.as_ref().unwrap().attachments[0]
            .text
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        assert_read_as_written(&text);
    }

    /// The cut boundaries in quoted-printable with a soft line break in each `boundary`: the
    /// message holding it shows no multipart field, and mail-parser decodes and parses it (1 MB
    /// took 17 s).
    #[test]
    fn an_attached_message_in_quoted_printable_is_read_without_a_search() {
        let attached = attached_with_cut_boundaries();
        let text = String::from_utf8(attached.clone()).unwrap();
        let encoded = text.replace('=', "=3D").replace("boundary", "bou=\nndary");
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n{encoded}\n--OUT--\n"
        );
        assert_eq!(fields(raw.as_bytes()).multiparts.len(), 1);
        assert!(rename(raw.as_bytes()).is_some());
        assert_attached_as_written(&decode(raw.as_bytes()), &attached);
    }

    /// An attached message held in base64 whose header block is past its bound is cut as the
    /// message's own would be (mail-parser took 785 MB for a 5 MB `To:` of `a;` inside a 7 MB
    /// message), labelled, and its body still read.
    #[test]
    fn the_header_block_of_an_attached_message_in_base64_is_bounded() {
        let to = "a;".repeat(super::super::header_limit::MAX_HEADER_BLOCK_BYTES);
        let attached = format!(
            "From: a@force.example\nTo: {to}\nSubject: big\n\nthe body of the attached message\n"
        );
        let raw = wrapped("Content-Type: message/rfc822\n", attached.as_bytes());
        let renamed = rename(&raw).expect("the attached message is rewritten");
        assert_eq!(renamed.headers_cut, (1, "To: ".len() + to.len() + 1));
        // The attached message as rewritten has no field past the bound.
        assert!(renamed.bytes.len() < raw.len() / 2);
        let event = decode(&raw);
        let label = &event.labels["email.part_headers_cut"];
        assert!(label.starts_with("1 header fields"), "{label}");
        let text = event.email.as_ref().unwrap().attachments[0]
            .text
            .as_deref()
            .unwrap_or_default();
        assert!(text.contains("the body of the attached message"), "{text}");
        assert!(text.contains("big"), "{text}");
    }

    #[test]
    fn quoted_printable_written_again_decodes_to_the_same_bytes() {
        let samples: [&[u8]; 7] = [
            b"plain words\nand = signs -- and --OUT\n",
            b"trailing space \nand tab\t\nend space ",
            b"crlf\r\nthen lf=0A alone\nlone cr\rhere\r\n",
            b"\x00\x01\x7f\xff\xc3\xa9 bytes\n\n\n",
            b"  \n \t \r\n",
            b"-",
            b"",
        ];
        for sample in samples {
            // What mail-parser decodes from some encoding of the sample, then that written again.
            let mut stream = MessageStream::new(sample);
            let (_, decoded) = stream.decode_quoted_printable_mime(b"");
            let decoded = decoded.into_owned();
            let again = quoted_printable(&decoded);
            let mut stream = MessageStream::new(&again);
            let (end, back) = stream.decode_quoted_printable_mime(b"");
            assert_eq!(end, again.len());
            assert_eq!(
                back.as_ref(),
                &decoded[..],
                "{:?}",
                String::from_utf8_lossy(sample)
            );
            // Before a delimiter, as a part's body.
            let mut bounded = again.clone();
            bounded.extend_from_slice(b"\n--OUT--\n");
            let mut stream = MessageStream::new(&bounded);
            let (end, back) = stream.decode_quoted_printable_mime(b"OUT");
            assert_eq!(end, again.len());
            assert_eq!(back.as_ref(), &decoded[..]);
        }
    }

    #[test]
    fn as_written_gives_back_only_what_was_renamed() {
        let renamed = Renamed {
            bytes: Vec::new(),
            marks: *b"01",
            headers_cut: (0, 0),
        };
        assert_eq!(
            renamed
                .as_written("a; boundar0=x; BOUNDAR1=y; boundar2=z")
                .as_deref(),
            Some("a; boundary=x; BOUNDARY=y; boundar2=z")
        );
        assert_eq!(renamed.as_written("no names here"), None);
    }

    #[test]
    fn the_marks_are_found_nowhere_after_boundar() {
        let marks = |bytes: &[u8]| {
            let mut used = [false; 256];
            note_used(bytes, &mut used);
            free_marks(&used)
        };
        assert_eq!(marks(b"x boundar0 Boundar1 BOUNDAR2"), Some(*b"34"));
        assert_eq!(marks(b"boundary"), Some(*b"01"));
    }
}

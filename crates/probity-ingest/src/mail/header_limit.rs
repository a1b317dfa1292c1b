//! A bound on a message's own header block, applied before the message is parsed.
//!
//! mail-parser keeps each header field as structures many times the size of its text, an address
//! list most of all: `a;` repeated (a group each) takes about 130 bytes of memory for every byte
//! of it, `X:` lines about 40 (found by the fuzzer: a 1.9 MB `From: ; a=b; a=b…` took 90 MB).
//! Within the 64 MiB a message may be, that is gigabytes. A header block longer than
//! [`MAX_HEADER_BLOCK_BYTES`] is parsed with only the fields that fit within it, in order: a field
//! that would take it past the limit is left out whole, with its continuation lines, and later
//! fields that still fit are kept (a `Content-Type` after one huge `To:`). The event is labelled
//! and the whole message kept in dead-letter. Mail servers take far smaller header blocks
//! (Postfix keeps 100 KB of one and drops the rest; Exchange's receive connectors refuse more than
//! 256 KB by default), so no message they deliver loses a field.
//!
//! The header blocks of the message's parts (those mail-parser reads in the same pass) are bounded
//! the same way, all together: past [`MAX_PART_HEADER_BYTES`] of them, a field that would take
//! them past it is left out whole (found by the fuzzer: the same `From: ; a=b; a=b…` in a part's
//! header block took 100 MB for 1.9 MB). Finding them exactly is the parse itself, so they are
//! found by their lines: the lines after a delimiter line (`--` and a boundary declared in the
//! message, not a close delimiter) up to the next empty line are a part's header block, and the
//! paragraph (lines between empty lines) after a header block that names a message type
//! (`message/rfc822`, `message/global`, in no transfer encoding), or after an empty one in a
//! message that names a digest, is an attached message's, where it starts with a header field.
//! The lines of a message whose body is within the limit are not looked at; in a longer one the
//! count is first made of the lines after every line starting `--`, which is cheap, and only a
//! message where those come to more than the limit has its boundaries read and its blocks told
//! apart (so that the lines after `-----Original Message-----` in a long thread are never taken
//! for a part's header block). Boundaries written in RFC 2231 form (`boundary*0=`, `boundary*=`)
//! are read as mail-parser reads them. Parts the parser splits at a boundary within a line are
//! not found this way. The header blocks of attached messages held in base64 or
//! quoted-printable, which the parser reads from their decoded bytes, are bounded where those
//! messages are decoded and written again before the parse ([`super::unfound`]), and counted
//! with the parts'.
//!
//! The same bounds hold for a message parsed on its own from an attachment's bytes (S/MIME signed
//! content; an attached `.eml` over them is read as a file instead).

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

/// The most bytes of a message's own header block that are parsed.
pub(super) const MAX_HEADER_BLOCK_BYTES: usize = 512 * 1024;

/// The most bytes of the header blocks of a message's parts, all together, that are parsed.
pub(super) const MAX_PART_HEADER_BYTES: usize = 512 * 1024;

/// Most distinct boundaries read from a message whose part header blocks are told apart; past
/// it, every paragraph starting `--` is taken for a delimiter line.
const MAX_BOUNDARIES: usize = 10_000;

/// Longest boundary read (RFC 2046 allows 70 characters).
const MAX_BOUNDARY_BYTES: usize = 256;

/// Longest a boundary of [`MAX_BOUNDARY_BYTES`] is read written in a parameter: every byte
/// `%XX`-encoded, after a charset and language of up to 64 bytes (RFC 2231).
const MAX_WRITTEN_BOUNDARY_BYTES: usize = 3 * MAX_BOUNDARY_BYTES + 64;

/// A message whose header blocks were cut.
#[derive(Debug, Default)]
pub(super) struct Cut {
    /// The message with the fields left out.
    pub(super) bytes: Vec<u8>,
    /// How many fields of its own header block were left out.
    pub(super) fields: usize,
    /// Their bytes.
    pub(super) field_bytes: usize,
    /// How many fields of its parts' header blocks were left out.
    pub(super) part_fields: usize,
    /// Their bytes.
    pub(super) part_field_bytes: usize,
}

/// `bytes` with the header fields past [`MAX_HEADER_BLOCK_BYTES`] in its own header block, and
/// past [`MAX_PART_HEADER_BYTES`] in its parts', left out (see the module docs); none where they
/// are within them.
pub(super) fn cut(bytes: &[u8]) -> Option<Cut> {
    let end = block_end(bytes);
    let parts = part_header_blocks(bytes, end);
    if end <= MAX_HEADER_BLOCK_BYTES && parts.is_empty() {
        return None;
    }
    let mut cut = Cut {
        bytes: Vec::with_capacity(
            bytes
                .len()
                .min(MAX_HEADER_BLOCK_BYTES + (bytes.len() - end)),
        ),
        ..Cut::default()
    };
    let mut kept = 0;
    let (mut fields, mut field_bytes) = (0, 0);
    keep_fields(
        bytes,
        0..end,
        MAX_HEADER_BLOCK_BYTES,
        &mut kept,
        &mut cut.bytes,
        &mut fields,
        &mut field_bytes,
    );
    cut.fields = fields;
    cut.field_bytes = field_bytes;
    let mut kept = 0;
    let (mut fields, mut field_bytes) = (0, 0);
    let mut copied = end;
    for block in parts {
        cut.bytes.extend_from_slice(&bytes[copied..block.start]);
        keep_fields(
            bytes,
            block.clone(),
            MAX_PART_HEADER_BYTES,
            &mut kept,
            &mut cut.bytes,
            &mut fields,
            &mut field_bytes,
        );
        copied = block.end;
    }
    cut.bytes.extend_from_slice(&bytes[copied..]);
    cut.part_fields = fields;
    cut.part_field_bytes = field_bytes;
    Some(cut)
}

/// Copies the fields of `block` to `out` while `kept` stays within `limit`; a field that would
/// take it past is left out whole and counted.
fn keep_fields(
    bytes: &[u8],
    block: Range<usize>,
    limit: usize,
    kept: &mut usize,
    out: &mut Vec<u8>,
    fields: &mut usize,
    field_bytes: &mut usize,
) {
    let mut at = block.start;
    while at < block.end {
        let field_end = field_end(bytes, at, block.end);
        let field = &bytes[at..field_end];
        if *kept + field.len() <= limit {
            out.extend_from_slice(field);
            *kept += field.len();
        } else {
            *fields += 1;
            *field_bytes += field.len();
        }
        at = field_end;
    }
}

/// Whether the header block of `bytes`, or its parts' together, are past their limits.
pub(super) fn is_over(bytes: &[u8]) -> bool {
    let end = block_end(bytes);
    end > MAX_HEADER_BLOCK_BYTES || !part_header_blocks(bytes, end).is_empty()
}

/// The header blocks of the parts of the message in `bytes` (its own ends at `end`), in order,
/// where they come to more than [`MAX_PART_HEADER_BYTES`]; none where they do not.
fn part_header_blocks(bytes: &[u8], end: usize) -> Vec<Range<usize>> {
    // Most messages are too short for it: their lines are not looked at.
    if bytes.len().saturating_sub(end) <= MAX_PART_HEADER_BYTES {
        return Vec::new();
    }
    let mut total = 0usize;
    header_blocks(bytes, end, |_| true, |block| total += block.len());
    if total <= MAX_PART_HEADER_BYTES {
        return Vec::new();
    }
    // Past the cheap count: the boundaries the message declares tell delimiter lines apart.
    let mut boundaries: HashSet<Cow<'_, [u8]>> = HashSet::new();
    let mut too_many = false;
    let mut declared = |block: Range<usize>| {
        for boundary in declared_boundaries(&bytes[block]) {
            if boundaries.len() >= MAX_BOUNDARIES {
                too_many = true;
                return;
            }
            boundaries.insert(boundary);
        }
    };
    declared(0..end);
    header_blocks(bytes, end, |_| true, &mut declared);
    // A line's prefixes are hashed as it is read, so that each line costs its length (at most a
    // boundary's), however many boundaries of however many lengths there are.
    let hashes: HashSet<u64> = boundaries
        .iter()
        .map(|boundary| prefix_hash(boundary))
        .collect();
    let is_delimiter = |line: &[u8]| {
        let Some(rest) = line.strip_prefix(b"--") else {
            return false;
        };
        if too_many {
            return true;
        }
        let mut hash = PREFIX_HASH_START;
        for (at, &byte) in rest.iter().take(MAX_BOUNDARY_BYTES).enumerate() {
            hash = prefix_hash_step(hash, byte);
            let length = at + 1;
            if hashes.contains(&hash)
                && boundaries.contains(&rest[..length])
                && !rest[length..].starts_with(b"--")
            {
                return true;
            }
        }
        false
    };
    let mut blocks = Vec::new();
    let mut total = 0usize;
    header_blocks(bytes, end, is_delimiter, |block| {
        if !block.is_empty() {
            total += block.len();
            blocks.push(block);
        }
    });
    if total <= MAX_PART_HEADER_BYTES {
        blocks.clear();
    }
    blocks
}

/// Calls `found` with each header block after the message's own (which ends at `end`), in order:
/// the lines after a line starting `--` that `is_delimiter` takes for a delimiter line, up to the
/// next empty line (`\r` alone counts as empty); and the paragraph after a header block that
/// names a message type, or after an empty one once a digest has been named (whose parts are
/// messages), where it starts with a header field (an attached message's).
fn header_blocks(
    bytes: &[u8],
    end: usize,
    is_delimiter: impl Fn(&[u8]) -> bool,
    mut found: impl FnMut(Range<usize>),
) {
    let mut names_message = names_message_type(&bytes[..end]);
    let mut digest = names_digest(&bytes[..end]);
    let mut paragraph_start = true;
    let mut block: Option<usize> = None;
    let mut at = end;
    while at < bytes.len() {
        let next = line_end(bytes, at, bytes.len());
        let line = &bytes[at..next];
        if line == b"\n" || line == b"\r\n" {
            if let Some(start) = block.take() {
                let header = &bytes[start..at];
                digest = digest || names_digest(header);
                names_message = names_message_type(header) || (header.is_empty() && digest);
                found(start..at);
            }
            paragraph_start = true;
        } else {
            if paragraph_start {
                paragraph_start = false;
                if names_message && starts_with_field(line) {
                    block = Some(at);
                }
                names_message = false;
            }
            if block.is_none() && line.starts_with(b"--") && is_delimiter(line) {
                block = Some(next);
            }
        }
        at = next;
    }
    if let Some(start) = block {
        found(start..bytes.len());
    }
}

/// Where [`prefix_hash`] starts.
const PREFIX_HASH_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, one byte further.
fn prefix_hash_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// The hash [`prefix_hash_step`] comes to over `bytes`.
fn prefix_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(PREFIX_HASH_START, |hash, &byte| {
        prefix_hash_step(hash, byte)
    })
}

/// Whether a header block names a message type (`message/rfc822`, `message/global`…) and no
/// transfer encoding that would hide the message's header block from a reading of its lines.
fn names_message_type(block: &[u8]) -> bool {
    let names = memchr::memchr_iter(b'/', block).any(|slash| {
        block
            .get(slash.saturating_sub(7)..slash)
            .is_some_and(|before| before.eq_ignore_ascii_case(b"message"))
    });
    names
        && !block.windows(6).any(|word| {
            word.eq_ignore_ascii_case(b"base64") || word.eq_ignore_ascii_case(b"quoted")
        })
}

/// Whether a header block names a digest (`multipart/digest`).
fn names_digest(block: &[u8]) -> bool {
    memchr::memchr_iter(b'/', block).any(|slash| {
        block
            .get(slash + 1..slash + 7)
            .is_some_and(|after| after.eq_ignore_ascii_case(b"digest"))
    })
}

/// Whether `text` starts with a header field's name and its colon.
fn starts_with_field(text: &[u8]) -> bool {
    let name_end = text
        .iter()
        .position(|&byte| !(byte.is_ascii_graphic() && byte != b':'))
        .unwrap_or(text.len());
    name_end > 0 && text.get(name_end) == Some(&b':')
}

/// Most pieces of one boundary written in RFC 2231 continuations (`boundary*0=`, `boundary*1=`)
/// read: more could not make a boundary of [`MAX_BOUNDARY_BYTES`] or fewer but for empty ones.
const MAX_BOUNDARY_PIECES: usize = 64;

/// The values of the `boundary=` parameters written in `block` (quoted or not), and the one
/// written in RFC 2231 form, as mail-parser reads it: an extended value (`boundary*=us-ascii''
/// B%43`, its charset and language left out, `%XX` decoded), or continuations (`boundary*0="B";
/// boundary*1*=%43`) joined in the order of their numbers.
fn declared_boundaries(block: &[u8]) -> Vec<Cow<'_, [u8]>> {
    let mut found: Vec<Cow<'_, [u8]>> = Vec::new();
    let mut pieces: Vec<(u32, Cow<'_, [u8]>)> = Vec::new();
    for equals in memchr::memchr_iter(b'=', block) {
        let Some(parameter) = boundary_parameter(block[..equals].trim_ascii_end()) else {
            continue;
        };
        let value = block[equals + 1..].trim_ascii_start();
        // A value is looked for no further than the longest a boundary can be written in (its
        // bytes `%XX`-encoded): one without an end there is too long to be one. Searching to the
        // end each time cost a pass over the rest of the block for every `boundary=` in it (a
        // 4 MB line of them took minutes).
        let window = &value[..value.len().min(MAX_WRITTEN_BOUNDARY_BYTES + 2)];
        let value = match window.strip_prefix(b"\"") {
            Some(quoted) => match memchr::memchr(b'"', quoted) {
                Some(end) => &quoted[..end],
                None => continue,
            },
            None => {
                let token_end = window
                    .iter()
                    .position(|&byte| matches!(byte, b';' | b' ' | b'\t' | b'\r' | b'\n'))
                    .unwrap_or(value.len());
                match value.get(..token_end) {
                    Some(token) if token.len() <= MAX_WRITTEN_BOUNDARY_BYTES => token,
                    _ => continue,
                }
            }
        };
        let value: Cow<'_, [u8]> = if parameter.encoded {
            // The first piece, or a value of one, starts with its charset and language.
            let value = if parameter.piece.is_none_or(|piece| piece == 0) {
                without_charset(value)
            } else {
                value
            };
            percent_decoded(value)
        } else {
            Cow::Borrowed(value)
        };
        match parameter.piece {
            None => {
                if !value.is_empty() && value.len() <= MAX_BOUNDARY_BYTES {
                    found.push(value);
                }
            }
            Some(piece) if pieces.len() < MAX_BOUNDARY_PIECES => pieces.push((piece, value)),
            Some(_) => {}
        }
    }
    if !pieces.is_empty() {
        pieces.sort_by_key(|(piece, _)| *piece);
        let joined: Vec<u8> = pieces
            .iter()
            .flat_map(|(_, value)| value.iter().copied())
            .take(MAX_BOUNDARY_BYTES + 1)
            .collect();
        if !joined.is_empty() && joined.len() <= MAX_BOUNDARY_BYTES {
            found.push(Cow::Owned(joined));
        }
    }
    found
}

/// How a `boundary` parameter's name is written: plain (`boundary`), as an RFC 2231 piece of a
/// value written in several (`boundary*0`), and with its value encoded (`boundary*`,
/// `boundary*1*`).
struct BoundaryParameter {
    piece: Option<u32>,
    encoded: bool,
}

/// The `boundary` parameter whose name ends `name` (the bytes before its `=`), if it is one.
fn boundary_parameter(name: &[u8]) -> Option<BoundaryParameter> {
    let (name, encoded) = match name.strip_suffix(b"*") {
        Some(name) => (name, true),
        None => (name, false),
    };
    let digits = name
        .iter()
        .rev()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    let (name, piece) = if digits > 0 {
        let (name, number) = name.split_at(name.len() - digits);
        let number = std::str::from_utf8(number).ok()?.parse().ok()?;
        (name.strip_suffix(b"*")?, Some(number))
    } else {
        (name, None)
    };
    let name = name.get(name.len().checked_sub(8)?..)?;
    name.eq_ignore_ascii_case(b"boundary")
        .then_some(BoundaryParameter { piece, encoded })
}

/// An RFC 2231 extended value without its charset and language (`us-ascii'en'`), where it has
/// them.
fn without_charset(value: &[u8]) -> &[u8] {
    let mut quotes = memchr::memchr_iter(b'\'', value);
    match (quotes.next(), quotes.next()) {
        (Some(_), Some(second)) => &value[second + 1..],
        _ => value,
    }
}

/// `value` with its `%XX` escapes decoded (a `%` not followed by two hex digits kept).
fn percent_decoded(value: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr(b'%', value).is_none() {
        return Cow::Borrowed(value);
    }
    let hex = |byte: u8| char::from(byte).to_digit(16);
    let mut out = Vec::with_capacity(value.len());
    let mut at = 0;
    while at < value.len() {
        let byte = value[at];
        if byte == b'%'
            && let (Some(high), Some(low)) = (
                value.get(at + 1).and_then(|&b| hex(b)),
                value.get(at + 2).and_then(|&b| hex(b)),
            )
        {
            // Two hex digits make at most 255.
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
            at += 3;
            continue;
        }
        out.push(byte);
        at += 1;
    }
    Cow::Owned(out)
}

/// Where the header block ends: the start of its first empty line (`\r` alone counts as empty),
/// or the end of the message.
fn block_end(bytes: &[u8]) -> usize {
    let mut line_start = 0;
    while line_start < bytes.len() {
        let rest = &bytes[line_start..];
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            return line_start;
        }
        match memchr::memchr(b'\n', rest) {
            Some(newline) => line_start += newline + 1,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

/// Where the field whose first line starts at `start` ends (within the block ending at `end`):
/// after its last continuation line (one starting with a space or a tab).
fn field_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut at = line_end(bytes, start, end);
    while at < end && matches!(bytes[at], b' ' | b'\t') {
        at = line_end(bytes, at, end);
    }
    at
}

/// The start of the line after the one starting at `start` (or `end`).
fn line_end(bytes: &[u8], start: usize, end: usize) -> usize {
    memchr::memchr(b'\n', &bytes[start..end]).map_or(end, |newline| start + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_block_within_the_limit_is_left_alone() {
        assert!(cut(b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n").is_none());
        assert!(cut(b"").is_none());
        assert!(cut(b"Subject: no body").is_none());
    }

    #[test]
    fn a_field_past_the_limit_is_left_out_whole_and_later_ones_kept() {
        let huge = format!(
            "From: ;\n{}",
            " a=b;\n".repeat(MAX_HEADER_BLOCK_BYTES / 6 + 1)
        );
        let message = format!(
            "Subject: kept\n{huge}Content-Type: text/plain\n\nthe body\nFrom: not a field\n"
        );
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(got.bytes).unwrap(),
            "Subject: kept\nContent-Type: text/plain\n\nthe body\nFrom: not a field\n"
        );
        assert_eq!(got.fields, 1);
        assert_eq!(got.field_bytes, huge.len());
    }

    #[test]
    fn many_small_fields_are_kept_up_to_the_limit() {
        let line = "X-Field: value\r\n";
        let count = MAX_HEADER_BLOCK_BYTES / line.len() + 10;
        let message = format!("{}\r\nbody", line.repeat(count));
        let got = cut(message.as_bytes()).unwrap();
        let kept = MAX_HEADER_BLOCK_BYTES / line.len();
        assert_eq!(got.fields, count - kept);
        assert_eq!(got.bytes.len(), kept * line.len() + "\r\nbody".len());
        assert!(got.bytes.ends_with(b"X-Field: value\r\n\r\nbody"));
    }

    /// `From: ;` and as many ` a=b;` continuation lines as take it past `bytes`.
    fn huge_field(bytes: usize) -> String {
        format!("From: ;\n{}", " a=b;\n".repeat(bytes / 6 + 1))
    }

    #[test]
    fn a_part_header_field_past_the_limit_is_left_out_and_the_rest_kept() {
        let huge = huge_field(MAX_PART_HEADER_BYTES);
        let message = format!(
            "Subject: s\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n{huge}Content-Type: text/plain\n\nfirst\n--B\nContent-Type: text/plain\n\nsecond\n--B--\n"
        );
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(got.bytes).unwrap(),
            "Subject: s\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nfirst\n--B\nContent-Type: text/plain\n\nsecond\n--B--\n"
        );
        assert_eq!((got.fields, got.field_bytes), (0, 0));
        assert_eq!((got.part_fields, got.part_field_bytes), (1, huge.len()));
        assert!(is_over(message.as_bytes()));
    }

    /// The limit holds for the parts' header blocks together: many under it each, over it
    /// together, keep their fields up to it and lose the later ones.
    #[test]
    fn the_part_limit_holds_for_all_parts_together() {
        let field = format!("X-Pad: {}\n", "p".repeat(1000));
        let parts = MAX_PART_HEADER_BYTES / field.len() + 5;
        let mut message = "Content-Type: multipart/mixed; boundary=B\n\n".to_owned();
        for _ in 0..parts {
            message.push_str(&format!("--B\n{field}\nbody\n"));
        }
        message.push_str("--B--\n");
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(got.part_fields, parts - MAX_PART_HEADER_BYTES / field.len());
        let text = String::from_utf8(got.bytes).unwrap();
        assert_eq!(text.matches("\nbody\n").count(), parts);
        assert_eq!(text.matches("--B\n").count(), parts);
    }

    /// An attached message's header block is the paragraph after the part header naming its type;
    /// one in base64 is the attached message's encoded bytes, not read here.
    #[test]
    fn an_attached_message_header_block_is_bounded_but_not_an_encoded_one() {
        let huge = huge_field(MAX_PART_HEADER_BYTES);
        let message = format!(
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\n{huge}Subject: inner\n\ninner body\n--B--\n"
        );
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(got.part_fields, 1);
        assert!(
            String::from_utf8(got.bytes)
                .unwrap()
                .ends_with("message/rfc822\n\nSubject: inner\n\ninner body\n--B--\n")
        );
        // Top-level too: the message is itself a message/rfc822 wrapper.
        let wrapped = format!("Content-Type: message/rfc822\n\n{huge}Subject: inner\n\nbody\n");
        assert_eq!(cut(wrapped.as_bytes()).unwrap().part_fields, 1);
        let encoded_lines =
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n".repeat(MAX_PART_HEADER_BYTES / 30);
        let encoded = format!(
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{encoded_lines}--B--\n"
        );
        assert!(cut(encoded.as_bytes()).is_none());
        // A digest's parts are messages without saying so.
        let digest = format!(
            "Content-Type: multipart/digest; boundary=B\n\n--B\n\n{huge}Subject: inner\n\nbody\n--B--\n"
        );
        assert_eq!(cut(digest.as_bytes()).unwrap().part_fields, 1);
        // A part with no header block in another multipart is text.
        let headerless = format!(
            "Content-Type: multipart/mixed; boundary=B\n\n--B\n\n{huge}Subject: inner\n\nbody\n--B--\n"
        );
        assert!(cut(headerless.as_bytes()).is_none());
    }

    /// Paragraphs starting `--` that are not delimiter lines of a declared boundary (a reply's
    /// `-----Original Message-----` block, text after a close delimiter) are text, however many.
    #[test]
    fn text_that_only_looks_like_a_part_header_block_is_left_alone() {
        let quoted = "-----Original Message-----\nFrom: a@x.example\nSent: Monday\nTo: b@x.example\nSubject: re\n\nthanks\n\n";
        let thread = quoted.repeat(MAX_PART_HEADER_BYTES / quoted.len() * 2);
        let plain = format!("Subject: s\n\n{thread}");
        assert!(cut(plain.as_bytes()).is_none());
        let multipart = format!(
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n{thread}--B--\n{}",
            "X-Epilogue: text\n".repeat(MAX_PART_HEADER_BYTES / 10)
        );
        assert!(cut(multipart.as_bytes()).is_none());
    }

    #[test]
    fn boundaries_are_read_quoted_or_not() {
        let block = b"Content-Type: multipart/mixed;\n boundary=\"a b\"\nX: BOUNDARY = plain;x\nY: boundary=\n";
        let found = declared_boundaries(block);
        assert_eq!(found, [b"a b".as_slice(), b"plain"]);
    }

    /// A boundary is read up to its longest, quoted or not, and `%XX`-encoded up to three times
    /// that; a longer value is none. A line of nothing but `boundary=` gives only the values
    /// short enough (the fuzzer's 4 MB one took minutes when each value was searched to the
    /// line's end; its replay figures are in the change's note).
    #[test]
    fn values_too_long_for_a_boundary_are_none() {
        let longest = "b".repeat(MAX_BOUNDARY_BYTES);
        let long = format!("{longest}b");
        for (value, found) in [
            (longest.clone(), true),
            (long.clone(), false),
            (format!("\"{longest}\""), true),
            (format!("\"{long}\""), false),
            (
                format!("\"{}\"", "b".repeat(10 * MAX_WRITTEN_BOUNDARY_BYTES)),
                false,
            ),
        ] {
            let block = format!("Content-Type: multipart/mixed; boundary={value}\n");
            let got = declared_boundaries(block.as_bytes());
            assert_eq!(got.len(), usize::from(found), "{}", value.len());
        }
        let encoded = format!("boundary*=''{}", "%41".repeat(MAX_BOUNDARY_BYTES));
        assert_eq!(
            declared_boundaries(encoded.as_bytes()),
            ["A".repeat(MAX_BOUNDARY_BYTES).as_bytes()]
        );
        // Only the values that end near the line's end are short enough: `boundary=` once to
        // 28 times (252 bytes).
        let line = format!("--{}\n", "boundary=".repeat(30_000));
        let found = declared_boundaries(line.as_bytes());
        assert_eq!(found.len(), 28);
        assert!(found.iter().all(|value| value.len() <= MAX_BOUNDARY_BYTES));
    }

    /// Boundaries written in RFC 2231 form are read as mail-parser reads them (and splits the
    /// message at them): continuations joined in the order of their numbers, an extended value
    /// without its charset and language, `%XX` decoded.
    #[test]
    fn boundaries_in_rfc_2231_form_are_read() {
        for (block, expected) in [
            (
                "Content-Type: multipart/mixed; boundary*1=\"C\"; boundary*0=\"B\"\n",
                "BC",
            ),
            (
                "Content-Type: multipart/mixed;\n boundary*=us-ascii'en'B%43\n",
                "BC",
            ),
            (
                "Content-Type: multipart/mixed; boundary*0*=us-ascii''B; boundary*1*=%43%4\n",
                "BC%4",
            ),
        ] {
            let found = declared_boundaries(block.as_bytes());
            assert_eq!(found, [expected.as_bytes()], "{block}");
            let message = format!(
                "{block}\n--{expected}\nContent-Type: text/plain\n\nfirst\n--{expected}--\n"
            );
            let parsed = mail_parser::MessageParser::default()
                .parse(message.as_bytes())
                .unwrap();
            assert_eq!(parsed.parts.len(), 2, "mail-parser splits at it: {block}");
        }
        // Not a boundary's name, or a piece without its number's star.
        for block in [
            "X: notboundary*0x=a\n",
            "X: boundary0=a\n",
            "X: boundary*=\n",
        ] {
            assert!(declared_boundaries(block.as_bytes()).is_empty(), "{block}");
        }
    }

    /// A part's huge header field is left out where the message's boundary is written in RFC
    /// 2231 continuations, as where it is written plain.
    #[test]
    fn a_part_header_field_is_bounded_under_a_continued_boundary() {
        let huge = huge_field(MAX_PART_HEADER_BYTES);
        let head =
            "Subject: s\nContent-Type: multipart/mixed; boundary*0=\"B\"; boundary*1=\"C\"\n\n";
        let message = format!("{head}--BC\n{huge}Content-Type: text/plain\n\nfirst\n--BC--\n");
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(got.bytes).unwrap(),
            format!("{head}--BC\nContent-Type: text/plain\n\nfirst\n--BC--\n")
        );
        assert_eq!((got.part_fields, got.part_field_bytes), (1, huge.len()));
    }
}

//! Transfer encodings mail-parser leaves undone that mail programs undo.
//!
//! mail-parser decodes a part only when its `Content-Transfer-Encoding` is exactly `base64` or
//! `quoted-printable`; any other value leaves the part as written. Mail programs read the field's
//! first word: `base64 (encoded)` (RFC 2045 allows the comment), `base64;` or `"base64"` is
//! base64 to them, and Thunderbird decodes `x-uuencode` (or `uuencode`, `x-uue`, `uue`) too. Left
//! encoded, a text sent so reached the policies as letters in base64 or `=6B=69` codes while its
//! reader saw the words. A field whose first word names none of these (`base-64`, `x-unknown`)
//! is left as mail-parser reads it: RFC 2045 §6.4 has such a part read as opaque bytes, and they
//! are its raw text, which is sniffed like any other attachment's.
//!
//! mail-parser also gives up on base64 with a character outside its alphabet (one `!` in it) and
//! keeps the part as written; RFC 2045 §6.8 has decoders pass over such characters, and mail
//! programs do, so one stray character kept a text or a document from every policy while its
//! reader saw it. Such a part is decoded so here (and quoted-printable keeps an `=` it cannot
//! read, as RFC 2045 §6.7 suggests). Words labelled base64 that are not base64 (`... image data
//! goes here ...`) decode to bytes at random: a text part so decoded stays as written (so does a
//! multipart whose boundary is never found, read as text: RFC 2045 §6.4 allows a multipart no
//! transfer encoding but 7bit, 8bit or binary), and an attachment whose decoded bytes give no
//! text is read as written by the caller, as before.
//!
//! mail-parser takes a line whose name has white space inside it (`C ontent-Transfer-Encoding:
//! base64`) for the field named by the name's other bytes; RFC 5322 allows no white space there
//! (before the colon it is the obsolete syntax, and a field). Such a part is read by the last
//! field truly so named, or as written where there is none: decoded as base64, a text part's words
//! were bytes at random.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Encoding, Header, HeaderName, MessagePart, MimeHeaders, PartType};

/// A transfer encoding mail-parser does not undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Base64,
    QuotedPrintable,
    Uuencode,
}

/// The encoding the field's first word names (case aside): what comes before white space, a
/// semicolon, a comma or a comment, quotes taken off.
fn first_word_names(field: &str) -> Option<Named> {
    let field = field.trim_start().trim_start_matches('"');
    let end = field
        .find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '(' | '"'))
        .unwrap_or(field.len());
    let word = &field[..end];
    let is = |name: &str| word.eq_ignore_ascii_case(name);
    if is("base64") {
        Some(Named::Base64)
    } else if is("quoted-printable") {
        Some(Named::QuotedPrintable)
    } else if ["x-uuencode", "uuencode", "x-uue", "uue"]
        .iter()
        .any(|name| is(name))
    {
        Some(Named::Uuencode)
    } else {
        None
    }
}

/// Whether mail-parser left `part` (a leaf part: text or a file) as written though its
/// `Content-Transfer-Encoding` field names, by its first word, an encoding this module decodes:
/// one written with more after the name, or one mail-parser could not decode.
pub(super) fn is_undone(part: &MessagePart<'_>) -> bool {
    named_and_undone(part).is_some()
}

fn named_and_undone(part: &MessagePart<'_>) -> Option<Named> {
    if !is_leaf(part) || part.encoding != Encoding::None {
        return None;
    }
    first_word_names(part.content_transfer_encoding()?)
}

/// Whether `part` is a leaf part: text or a file.
fn is_leaf(part: &MessagePart<'_>) -> bool {
    matches!(
        part.body,
        PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_)
    )
}

/// Where the line mail-parser took for `part`'s `Content-Transfer-Encoding` field (the last it
/// named so) is no field: white space inside its name (`C ontent-Transfer-Encoding: base64`),
/// which RFC 5322 does not allow, mail-parser keeping the name's other bytes. White space before
/// the colon is RFC 5322's obsolete syntax, and a field. Then the value of the last field truly
/// so named, or none where there is none (the part has no transfer encoding: 7bit, RFC 2045).
/// `raw_message` is the message whose bytes the part's offsets index.
fn misread_field<'p>(part: &'p MessagePart<'_>, raw_message: &[u8]) -> Option<Option<&'p str>> {
    let is_field = |header: &&Header<'_>| {
        raw_message
            .get(header.offset_field as usize..header.offset_start as usize)
            .is_none_or(|written| {
                let name = written.strip_suffix(b":").unwrap_or(written).trim_ascii();
                !name.iter().any(u8::is_ascii_whitespace)
            })
    };
    let mut fields = part
        .headers
        .iter()
        .rev()
        .filter(|header| header.name == HeaderName::ContentTransferEncoding);
    let taken = fields.next()?;
    if is_field(&taken) {
        return None;
    }
    Some(
        fields
            .find(is_field)
            .and_then(|header| header.value.as_text()),
    )
}

/// The body of `part` decoded as its `Content-Transfer-Encoding` field names it by its first
/// word, where mail-parser left it as written ([`is_undone`]); none otherwise, where a uuencoded
/// body has no `begin` line, or where a part whose type says text (or that has none, or is a
/// multipart whose boundary was never found, read as text) does not read as text decoded (in its
/// charset): a text labelled base64 that is not base64, which stays as written. A part of another
/// type is decoded whatever it gives (a document), and the caller reads it as written where the
/// decoded bytes give no text. `raw_message` is the message whose bytes the part's offsets index.
///
/// A leaf part whose transfer encoding mail-parser took from a line that is no field
/// ([`misread_field`]) is decoded as the field truly so named says, or given as written where
/// there is none and mail-parser decoded it.
///
/// A message attached as `base64 (encoded)` is one mail-parser read as a message in its base64
/// letters, found empty and kept as raw text with an encoding problem: that text is decoded here
/// too.
pub(super) fn decoded_body(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<Vec<u8>> {
    // The part as written; mail-parser's offsets of one it could not read may reach past it,
    // and its text is the part then.
    let written = || {
        if part.is_encoding_problem {
            Some(part.contents())
        } else {
            raw_message.get(part.offset_body as usize..part.offset_end as usize)
        }
    };
    let named = match misread_field(part, raw_message) {
        // A line that is no field named the encoding mail-parser decoded by (or left undone):
        // the field truly so named says, and without one the part is as written.
        Some(field) if is_leaf(part) => match field.and_then(first_word_names) {
            Some(named) => named,
            None if part.encoding != Encoding::None => return written().map(<[u8]>::to_vec),
            None => return None,
        },
        _ => named_and_undone(part)?,
    };
    let body = written()?;
    let decoded = match named {
        Named::Base64 => base64_passing_over(body),
        Named::QuotedPrintable => quoted_printable_passing_over(body),
        Named::Uuencode => uudecode(body)?,
    };
    let content_type = part.content_type();
    // A multipart part that is a leaf is one whose boundary was never found, read as text (RFC
    // 2045 §6.4 allows a multipart no transfer encoding but 7bit, 8bit or binary, so text under
    // `base64` there is most likely what it looks like).
    let says_text = content_type.is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text") || ct.ctype().eq_ignore_ascii_case("multipart")
    });
    if says_text {
        let charset = content_type.and_then(|ct| ct.attribute("charset"));
        let text = match charset.and_then(|c| charset_decoder(c.trim().as_bytes())) {
            Some(decoder) => decoder(&decoded),
            None => super::message::bytes_as_text(&decoded).into_owned(),
        };
        if !reads_as_text(&text) {
            return None;
        }
    }
    Some(decoded)
}

/// The text of `part` decoded as a line that is no field names its transfer encoding
/// (`C ontent-Transfer-Encoding: base64`, [`misread_field`]), where the part is read as written
/// (no field truly so named gives it one) and its body so decoded reads as text: a second
/// reading, as the MIME parser and mail programs as lenient read it. RFC 5322 has the line no
/// field, and the part as written is its reading; but a sender who writes base64 under such a
/// line hides its words from a reader that keeps to the RFC and not from one that does not, so
/// those words are read too. None otherwise.
pub(super) fn misread_reading(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<String> {
    let (decoded, written) = misread_decoded_and_written(part, raw_message)?;
    let charset = part
        .content_type()
        .and_then(|content_type| content_type.attribute("charset"));
    let text = match charset.and_then(|c| charset_decoder(c.trim().as_bytes())) {
        Some(decoder) => decoder(&decoded),
        None => super::message::bytes_as_text(&decoded).into_owned(),
    };
    let as_written = String::from_utf8_lossy(written);
    let says_something = text.chars().any(char::is_alphanumeric);
    (says_something && reads_as_text(&text) && text.trim() != as_written.trim()).then_some(text)
}

/// The bytes of `part` decoded as a line that is no field names its transfer encoding, where
/// [`misread_reading`] gives no text of them: a file (a zip, a PDF) sent in base64 under such a
/// line, for the attachment readers. Its words were read by no policy: the part was read as its
/// base64 letters, and the decoded bytes only where they were text. None otherwise.
pub(super) fn misread_file(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<Vec<u8>> {
    if misread_reading(part, raw_message).is_some() {
        return None;
    }
    let (decoded, _) = misread_decoded_and_written(part, raw_message)?;
    is_file(&decoded).then_some(decoded)
}

/// Whether `bytes` begin as a file the attachment readers read (a PDF, a zip, an Office compound
/// file, gzip, 7-Zip, RTF): bytes decoded from words that are not base64 are bytes at random,
/// and are not read so.
fn is_file(bytes: &[u8]) -> bool {
    const STARTS: [&[u8]; 6] = [
        b"%PDF-",
        b"PK\x03\x04",
        &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
        &[0x1f, 0x8b],
        &[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c],
        b"{\\rtf",
    ];
    STARTS.iter().any(|start| bytes.starts_with(start))
}

/// `part`'s body decoded as a line that is no field names its transfer encoding, where no field
/// truly so named gives it one, and its body as written.
fn misread_decoded_and_written<'r>(
    part: &'r MessagePart<'_>,
    raw_message: &'r [u8],
) -> Option<(Vec<u8>, &'r [u8])> {
    if !is_leaf(part) {
        return None;
    }
    let truly = misread_field(part, raw_message)?;
    if truly.and_then(first_word_names).is_some() {
        return None;
    }
    let taken = part
        .headers
        .iter()
        .rev()
        .find(|header| header.name == HeaderName::ContentTransferEncoding)?
        .value
        .as_text()?;
    let named = first_word_names(taken)?;
    let written = if part.is_encoding_problem {
        part.contents()
    } else {
        raw_message.get(part.offset_body as usize..part.offset_end as usize)?
    };
    let decoded = match named {
        Named::Base64 => base64_passing_over(written),
        Named::QuotedPrintable => quoted_printable_passing_over(written),
        Named::Uuencode => uudecode(written)?,
    };
    Some((decoded, written))
}

/// The line before the text of a part read by [`misread_reading`].
pub(super) const MISREAD_READING_LINE: &str =
    "[read too as decoded by a line that is no field names its transfer encoding]";

/// The label on a message with a part read so as well.
pub(super) const MISREAD_READING_LABEL: &str = "email.misread_transfer_encoding";

/// Whether text decoded by [`decoded_body`] (and then from its charset) reads as text: at most
/// one character in a hundred a control character (tab and line breaks aside) or a replacement
/// character. Text that was not base64, decoded as base64, is bytes at random: one in eight a
/// control character in an 8-bit charset, mostly replacement characters in UTF-8.
fn reads_as_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        chars += 1;
        if c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) {
            bad += 1;
        }
    }
    bad.saturating_mul(100) <= chars
}

/// `bytes` in base64, in lines of 76 characters, each ended by `line_end` (the last too), as
/// a MIME part's body is written.
pub(crate) fn base64_lines(bytes: &[u8], line_end: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * line_end.len() + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str(line_end);
    }
    out
}

/// Base64 as RFC 2045 §6.8 has it decoded: characters outside the alphabet (line breaks, a stray
/// `!`) are passed over, and `=` ends a group (what is left of it gives its whole bytes).
fn base64_passing_over(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    let mut group = 0u32;
    let mut count = 0u8;
    for &byte in body {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                flush_base64(&mut out, group, count);
                group = 0;
                count = 0;
                continue;
            }
            _ => continue,
        };
        group = group << 6 | u32::from(value);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&group.to_be_bytes()[1..]);
            group = 0;
            count = 0;
        }
    }
    flush_base64(&mut out, group, count);
    out
}

/// The whole bytes of a base64 group cut short after `count` characters.
fn flush_base64(out: &mut Vec<u8>, group: u32, count: u8) {
    match count {
        2 => out.push((group >> 4) as u8),
        3 => out.extend_from_slice(&[(group >> 10) as u8, (group >> 2) as u8]),
        _ => {}
    }
}

/// Quoted-printable as RFC 2045 §6.7 has it decoded robustly: `=` and two hex digits is a byte,
/// `=` at a line's end (white space after it allowed) joins the lines, and any other `=` stays
/// as it is.
fn quoted_printable_passing_over(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    while at < body.len() {
        let byte = body[at];
        at += 1;
        if byte != b'=' {
            out.push(byte);
            continue;
        }
        let hex = |b: u8| char::from(b).to_digit(16);
        if let (Some(high), Some(low)) = (
            body.get(at).copied().and_then(hex),
            body.get(at + 1).copied().and_then(hex),
        ) {
            out.push((high << 4 | low) as u8);
            at += 2;
            continue;
        }
        let rest = &body[at..];
        let blank = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
        match rest.get(blank) {
            Some(b'\n') => at += blank + 1,
            None => at += blank,
            Some(_) => out.push(b'='),
        }
    }
    out
}

/// The file a uuencoded body holds: the lines between `begin MODE NAME` and `end` (or the first
/// empty line of data), each a length character and then four characters for every three bytes.
/// None without a `begin` line or with a line that is not uuencoded.
fn uudecode(body: &[u8]) -> Option<Vec<u8>> {
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    lines.find(|line| line.starts_with(b"begin "))?;
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    for line in lines {
        if line == b"end" {
            break;
        }
        match uudecode_line(line, &mut out)? {
            UuLine::Data | UuLine::Empty => {}
            UuLine::Last => break,
        }
    }
    Some(out)
}

/// What a line of uuencoded data was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UuLine {
    /// Bytes of the file.
    Data,
    /// A line of length zero (`` ` `` or a space): the data ends.
    Last,
    /// An empty line.
    Empty,
}

/// Decodes one line of uuencoded data onto `out`; none where the line is not uuencoded.
fn uudecode_line(line: &[u8], out: &mut Vec<u8>) -> Option<UuLine> {
    let Some((&first, data)) = line.split_first() else {
        return Some(UuLine::Empty);
    };
    let length = usize::from(first.wrapping_sub(b' ') & 0x3f);
    if length == 0 {
        return Some(UuLine::Last);
    }
    if data.iter().any(|&b| !(b' '..=b'`').contains(&b)) {
        return None;
    }
    let start = out.len();
    for group in data.chunks(4) {
        let mut sextets = [0u8; 4];
        for (slot, &b) in sextets.iter_mut().zip(group) {
            *slot = b.wrapping_sub(b' ') & 0x3f;
        }
        let [a, b, c, d] = sextets;
        out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d]);
    }
    // A line holds its length in bytes; the last group pads to three.
    out.truncate(start + length.min(out.len() - start));
    Some(UuLine::Data)
}

/// A file uuencoded in a text body (`begin 644 nominals.csv` … `end`), as mail programs before
/// MIME wrote an attachment, and some scripts and old clients still do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InlineFile {
    /// Byte range of the block in the body, from its `begin` line to the end of its `end` line.
    pub start: usize,
    pub end: usize,
    /// The name on the `begin` line.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// At most this many uuencoded files are taken out of one body.
pub(super) const MAX_INLINE_FILES: usize = 16;

/// The files uuencoded in `body`, at most [`MAX_INLINE_FILES`]: each a line `begin MODE NAME`
/// (MODE three or four octal digits) at the start of a line, then only lines of uuencoded data
/// whose length characters agree with them, then `end`. A block that breaks off, or has a line
/// that is not uuencoded, is left in the body as written.
pub(super) fn inline_uuencoded(body: &str) -> Vec<InlineFile> {
    let mut found = Vec::new();
    let bytes = body.as_bytes();
    for at in memchr::memmem::find_iter(bytes, b"begin ") {
        if found.len() >= MAX_INLINE_FILES {
            break;
        }
        if at > 0 && bytes[at - 1] != b'\n' {
            continue;
        }
        if found.last().is_some_and(|last: &InlineFile| at < last.end) {
            continue;
        }
        if let Some(file) = inline_file_at(body, at) {
            found.push(file);
        }
    }
    found
}

/// The uuencoded block whose `begin` line starts at byte `at` of `body`, if it is one.
fn inline_file_at(body: &str, at: usize) -> Option<InlineFile> {
    let rest = body.get(at..)?;
    let mut lines = rest.split_inclusive('\n');
    let begin = lines.next()?;
    let mut words = begin.trim_end().splitn(3, ' ');
    let (_, mode, name) = (words.next()?, words.next()?, words.next()?);
    let name = name.trim();
    if !(3..=4).contains(&mode.len())
        || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
        || name.is_empty()
    {
        return None;
    }
    let mut end = at + begin.len();
    let mut out = Vec::new();
    let mut ended = false;
    for line in lines {
        end += line.len();
        let written = line.trim_end_matches(['\r', '\n']);
        if written == "end" {
            return ended.then(|| InlineFile {
                start: at,
                end,
                name: name.to_owned(),
                bytes: out,
            });
        }
        if ended {
            return None;
        }
        let before = out.len();
        match uudecode_line(written.as_bytes(), &mut out)? {
            UuLine::Data => {
                // The length character agrees with the characters after it: four for every
                // three bytes, the last group padded (some encoders write one more).
                let declared = written
                    .bytes()
                    .next()
                    .map_or(0, |first| usize::from(first.wrapping_sub(b' ') & 0x3f));
                let groups = written.len().saturating_sub(1).div_ceil(4);
                if out.len() - before != declared
                    || (groups != declared.div_ceil(3) && groups != declared.div_ceil(3) + 1)
                {
                    return None;
                }
            }
            UuLine::Last => ended = true,
            UuLine::Empty => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn body_of(message: &[u8]) -> Option<Vec<u8>> {
        let parsed = MessageParser::default().parse(message).unwrap();
        let part = parsed.parts.last().unwrap();
        decoded_body(part, &parsed.raw_message)
    }

    #[test]
    fn the_first_word_of_the_field_names_the_encoding() {
        for field in [
            "base64 (encoded)",
            "BASE64;",
            "\"base64\"",
            " base64,7bit",
            "Base64\t(x)",
        ] {
            assert_eq!(first_word_names(field), Some(Named::Base64), "{field}");
        }
        assert_eq!(
            first_word_names("quoted-printable (it is)"),
            Some(Named::QuotedPrintable)
        );
        assert_eq!(first_word_names("x-uuencode"), Some(Named::Uuencode));
        for field in ["base-64", "x-unknown", "7bit", "", "base64x", "bas e64"] {
            assert_eq!(first_word_names(field), None, "{field}");
        }
    }

    #[test]
    fn a_part_mail_parser_left_encoded_is_decoded() {
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64 (encoded)\n\nSSBrbm93IHdoZXJlIHlvdSBsaXZl\n";
        assert_eq!(
            body_of(message).as_deref(),
            Some(&b"I know where you live"[..])
        );
        let message = b"Subject: t\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: quoted-printable;\n\n=6B=69=6C=6C\n";
        assert_eq!(body_of(message).as_deref(), Some(&b"kill\n"[..]));
    }

    #[test]
    fn a_part_mail_parser_decoded_is_left_to_it() {
        let message =
            b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGk=\n";
        assert_eq!(body_of(message), None);
        // No encoding named, or one not known: the raw text stands.
        let message =
            b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base-64\n\naGk=\n";
        assert_eq!(body_of(message), None);
    }

    #[test]
    fn base64_mail_parser_gave_up_on_is_decoded_passing_over_stray_characters() {
        let message = b"Subject: t\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nSSBrbm93I!HdoZXJlIHlvdSBsaXZl\n";
        assert_eq!(
            body_of(message).as_deref(),
            Some(&b"I know where you live"[..])
        );
        assert_eq!(base64_passing_over(b"aGk=aGk"), b"hihi");
        assert_eq!(base64_passing_over(b"a\r\nG*k"), b"hi");
        // Text that is not base64 gives bytes at random, which do not read as text.
        let garbage = base64_passing_over(b"Hello, I know where you live.");
        assert!(!reads_as_text(&String::from_utf8_lossy(&garbage)));
        assert!(reads_as_text("I know where you live.\r\n\tTab"));
    }

    #[test]
    fn a_text_labelled_base64_that_is_not_stays_as_written() {
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nHello, I know where you live.\n";
        assert_eq!(body_of(message), None);
        // So does a multipart's whose boundary is never found, read as text.
        let message = b"Subject: t\nContent-Type: multipart/mixed; boundary=B\nContent-Transfer-Encoding: base64\n\nHello, I know where you live.\n";
        assert_eq!(body_of(message), None);
        // A file of another type is decoded whatever it gives; the caller falls back.
        let message = b"Subject: t\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nHello, I know where you live.\n";
        assert!(body_of(message).is_some());
    }

    #[test]
    fn quoted_printable_keeps_an_equals_sign_it_cannot_read() {
        assert_eq!(
            quoted_printable_passing_over(b"=6B=69ll =ZZ 2=3D2 a=\r\nb c= \nd e="),
            b"kill =ZZ 2=2 ab cd e"
        );
    }

    #[test]
    fn uuencoded_bodies_are_decoded() {
        // `uuencode` of "I know where you live\n".
        let body = b"begin 644 a.txt\n622!K;F]W('=H97)E('EO=2!L:79E\"@``\n`\nend\n";
        assert_eq!(
            uudecode(body).as_deref(),
            Some(&b"I know where you live\n"[..])
        );
        assert_eq!(uudecode(b"no begin line\n"), None);
        assert_eq!(uudecode(b"begin 644 a\n\x7fbad\nend\n"), None);
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n622!K;F]W('=H97)E('EO=2!L:79E\"@``\n`\nend\n";
        assert_eq!(
            body_of(message).as_deref(),
            Some(&b"I know where you live\n"[..])
        );
    }
}

//! Lines in a header block that are not header fields: text written where headers should be.
//!
//! mail-parser passes over a line of a header block that is not a field (no colon, or a name that
//! is not a field name) and keeps nothing of it; a part's or an attached message's text written
//! with no blank line above it (`Content-Type: message/rfc822` over a message that is only text)
//! was then in no text at all. Some mail servers end the header block at such a line, and mail
//! clients show what follows as the body. So each such line of the message's own header blocks
//! (its own and its parts', not those of the messages attached to it, which are read with their
//! own text) is read, and added to the body under [`MARKER`].
//!
//! mail-parser keeps a part's header block only in the part it makes once the block ends, at a
//! blank line. A part whose header block reaches the end of the message without one (its text
//! written right under its delimiter line or its header fields, `--B` then `I will hurt you` then
//! `--B--`) is made no part at all, and its lines are in no header block either: they were in no
//! text. So the block the parser began after the message's last part and never ended is found
//! (where the last part's delimiter line, and the close delimiters after it, leave the parser),
//! and its lines are read as those of any other header block, up to the close delimiter line of
//! its multipart (after which is its epilogue, read as such), but for delimiter lines.

use std::ops::Range;

use mail_parser::{Message, PartType};
use memchr::memmem;

/// The line before the text found in header blocks.
pub(super) const MARKER: &str = "[text in the header block that is not header fields]";

/// The most bytes of such lines read from one message; the body's own limit applies after.
const MAX_HEADER_TEXT_BYTES: usize = 64 * 1024;

/// The last line of such text cut at [`MAX_HEADER_TEXT_BYTES`].
const CUT_LINE: &str = "[more lines not read: the 64 KiB limit of text in header blocks]";

/// The lines of `message`'s own header blocks (with the one the parser began and never ended:
/// [`unended_block`]) that are neither header fields nor delimiter lines of its multiparts, in
/// order, one a line; none when there are none.
pub(super) fn text(message: &Message<'_>) -> Option<String> {
    let raw = message.raw_message.as_ref();
    let mut text = String::new();
    // Found at the first line that is not a field: most messages have none.
    let mut boundaries: Option<Vec<&[u8]>> = None;
    let blocks = message
        .parts
        .iter()
        .map(|part| part.offset_header as usize..part.offset_body as usize)
        .chain(unended_block(message));
    for (index, range) in blocks.enumerate() {
        let Some(block) = raw.get(range) else {
            continue;
        };
        for (number, line) in block.split(|byte| *byte == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // A mailbox's envelope line above a message's own headers is not text.
            let envelope = index == 0 && number == 0 && line.starts_with(b"From ");
            if envelope || !is_text_line(line) {
                continue;
            }
            let boundaries = boundaries.get_or_insert_with(|| {
                message
                    .parts
                    .iter()
                    .filter(|part| matches!(part.body, PartType::Multipart(_)))
                    .filter_map(|part| super::outside::boundary(part))
                    .map(str::as_bytes)
                    .collect()
            });
            if is_delimiter_line(line, boundaries) {
                continue;
            }
            if text.len() + line.len() > MAX_HEADER_TEXT_BYTES {
                // Said in the text, so that a reader knows there was more.
                text.push_str(CUT_LINE);
                return Some(text);
            }
            text.push_str(&super::message::bytes_as_text(line));
            text.push('\n');
        }
    }
    let text = text.trim_end();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The header block that mail-parser began after the last of `message`'s parts and never ended
/// (no blank line before the end of the message), which it kept in no part; up to the close
/// delimiter line of the multipart it is a part of, where there is one. None where the parser
/// began no such block.
///
/// The parser adds parts in the order it reads them, so the last part is the last it read.
/// Where that is a multipart (with no part: its first would have followed it), the parser went
/// on past its first delimiter line to read its first part's header block. Where it is any other
/// part, the parser stopped at the next delimiter line of the multipart holding it: at a close
/// delimiter, it went on to the next delimiter line of the multipart holding that one (none: the
/// rest is an epilogue), and so on; at any other, it read the next part's header block. That
/// block is the one: had it ended, a part would have followed the last one.
fn unended_block(message: &Message<'_>) -> Option<Range<usize>> {
    let raw: &[u8] = message.raw_message.as_ref();
    let last_index = message.parts.len().checked_sub(1)?;
    let last = message.parts.get(last_index)?;
    let mut parents = None;
    let (mut holder, mut from, mut first) = if matches!(last.body, PartType::Multipart(_)) {
        (last_index, last.offset_body as usize, true)
    } else {
        let parents = parents.get_or_insert_with(|| super::outside::parents(message));
        (
            parents.get(last_index).copied().flatten()?,
            last.offset_end as usize,
            false,
        )
    };
    // Each round goes to a multipart holding the last: the walk ends even were the parts a loop.
    for _ in 0..message.parts.len() {
        let boundary = super::outside::boundary(message.parts.get(holder)?)?.as_bytes();
        // The parser looks for `--` and the boundary anywhere, whatever follows them.
        let needle = [b"--".as_slice(), boundary].concat();
        let at = from + memmem::find(raw.get(from..)?, &needle)?;
        let after = at + needle.len();
        if first || !raw.get(after..).is_some_and(|rest| rest.starts_with(b"--")) {
            let start = line_end(raw, after);
            let block = raw.get(start..)?;
            // A check of the reading above: a blank line would have ended the block.
            let lines = raw.get(start.saturating_sub(1)..)?;
            if memmem::find(lines, b"\n\n").is_some() || memmem::find(lines, b"\n\r\n").is_some() {
                return None;
            }
            let close = [needle.as_slice(), b"--"].concat();
            let end = memmem::find_iter(block, &close)
                .find(|&at| at == 0 || block.get(at - 1) == Some(&b'\n'))
                .map_or(raw.len(), |at| start + at);
            return Some(start..end);
        }
        // A close delimiter: on to the next delimiter line of the multipart holding this one.
        let parents = parents.get_or_insert_with(|| super::outside::parents(message));
        holder = parents.get(holder).copied().flatten()?;
        from = after + 2;
        first = false;
    }
    None
}

/// Where the parser goes on after a delimiter ending at `at`: past white space and one line end.
fn line_end(raw: &[u8], mut at: usize) -> usize {
    while matches!(raw.get(at), Some(b' ' | b'\t' | b'\r')) {
        at += 1;
    }
    if raw.get(at) == Some(&b'\n') {
        at += 1;
    }
    at
}

/// Whether `line` is a delimiter line of one of `boundaries`: `--`, the boundary, then `--` or
/// nothing, and white space.
fn is_delimiter_line(line: &[u8], boundaries: &[&[u8]]) -> bool {
    let Some(rest) = line.strip_prefix(b"--") else {
        return false;
    };
    boundaries.iter().any(|boundary| {
        rest.strip_prefix(*boundary).is_some_and(|after| {
            let after = after.strip_prefix(b"--").unwrap_or(after);
            after.iter().all(|byte| matches!(byte, b' ' | b'\t'))
        })
    })
}

/// Whether a line of a header block is neither a field (`Name: value`, the name printable ASCII
/// without a colon, white space allowed before the colon), nor a continuation of one (starting
/// with white space), nor blank.
fn is_text_line(line: &[u8]) -> bool {
    if line.trim_ascii().is_empty() || line[0] == b' ' || line[0] == b'\t' {
        return false;
    }
    let Some(colon) = memchr::memchr(b':', line) else {
        return true;
    };
    let name = line[..colon].trim_ascii_end();
    name.is_empty() || !name.iter().all(|byte| (33..=126).contains(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_past_the_limit_is_cut_and_said() {
        let mut raw = b"From: a@b.c\n".to_vec();
        for _ in 0..MAX_HEADER_TEXT_BYTES / 16 {
            raw.extend_from_slice(b"not a field at all\n");
        }
        raw.extend_from_slice(b"\nbody\n");
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let text = text(&message).unwrap();
        assert!(text.len() <= MAX_HEADER_TEXT_BYTES + CUT_LINE.len());
        assert!(text.ends_with(CUT_LINE), "{}", &text[text.len() - 100..]);
    }

    #[test]
    fn fields_and_continuations_are_not_text() {
        for line in [
            &b"Subject: x"[..],
            b"X-Odd-Name_1 : y",
            b"\tcontinued",
            b" continued",
            b"",
            b"   ",
            b"To:",
        ] {
            assert!(!is_text_line(line), "{line:?}");
        }
        for line in [
            &b"Meet me at the bridge"[..],
            b"Meet me at: noon",
            b": no name",
            b"To",
        ] {
            assert!(is_text_line(line), "{line:?}");
        }
    }
}

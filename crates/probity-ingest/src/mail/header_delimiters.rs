//! Delimiter lines within a part's header block.
//!
//! A part's header block ends at its first blank line. A part written without one (its text or
//! its encoded bytes right under its header fields) has no body, and the next delimiter line of
//! a multipart holding it ends it all the same (RFC 2046: a boundary may not occur within the
//! parts it delimits). mail-parser reads a header block on to the next blank line whatever lines
//! come first, so the next part's delimiter line and header fields were read as the first part's
//! (its `Content-Type` over the first's) and the next part's text was decoded with the first
//! part's transfer encoding: a text part after a base64 attachment written so was read as base64,
//! and its words were in no text. So where a part's header block holds a delimiter line of a
//! multipart holding the part, the message is written again with a line end put in before that
//! line, which ends the block there. The rest of the block is then the next part's header block,
//! held by other multiparts (a close delimiter line in it may close the one the first part was
//! in), so the message is read again and checked again, a few rounds at most, in turn with the
//! closing of multiparts never closed ([`super::unclosed`]). The parts' content
//! is left byte for byte, the lines of a block that are not header fields are read as any such
//! lines are (`email.text_in_headers`), and the message is labelled ([`LABEL`]). A message
//! attached in a part (read in place) is ended the same way, its own header block too: mailers
//! that keep only an attached message's header fields may write no blank line under them.

use mail_parser::{Message, MessagePart, PartType};
use memchr::memmem;

/// The label on a message read with its parts' header blocks ended at delimiter lines; its value
/// is how many.
pub(super) const LABEL: &str = "email.delimiters_in_part_headers";

/// `message`'s raw bytes with a line end put in before the first delimiter line (of a multipart
/// holding the part) within each part's header block, and how many were put in; none where no
/// header block holds one. Only the first: once it ends the part, the rest of the block is the
/// next part's, held by other multiparts (a close delimiter after it may close the one the part
/// was in), which a reading of the bytes written again finds.
pub(super) fn rewritten(message: &Message<'_>) -> Option<(Vec<u8>, usize)> {
    let raw: &[u8] = message.raw_message.as_ref();
    let mut insertions = Vec::new();
    gather(message, raw, &[], 0, &mut insertions);
    if insertions.is_empty() {
        return None;
    }
    // A part inside another holds its header block within the other's range: each line once.
    insertions.sort_unstable();
    insertions.dedup();
    let mut bytes = Vec::with_capacity(raw.len() + insertions.len() * 2);
    let mut copied = 0;
    for &at in &insertions {
        bytes.extend_from_slice(raw.get(copied..at)?);
        copied = at;
        let line_end = super::eol::line_end_before(raw, at);
        bytes.extend_from_slice(line_end);
    }
    bytes.extend_from_slice(raw.get(copied..)?);
    Some((bytes, insertions.len()))
}

/// How deep attached messages (read in place) are followed, as the parser follows them.
const MAX_DEPTH: usize = 10;

/// Most multiparts holding a part whose delimiter lines are looked for (the nearest ones).
const MAX_HOLDERS: usize = 16;

/// Gathers where a line end is to be put in the header blocks of `message`'s parts, and of the
/// messages attached to it in place (whose offsets are into `raw` too). A message attached in a
/// multipart (`outer`: the boundaries of the multiparts holding it, nearest first) has its own
/// header block checked too: a delimiter line of those ends the attached message, header block
/// and all (mailers that keep only an attached message's header fields write no blank line
/// under them).
fn gather<'m>(
    message: &'m Message<'_>,
    raw: &[u8],
    outer: &[&'m [u8]],
    depth: usize,
    insertions: &mut Vec<usize>,
) {
    let mut parents = None;
    let mut holders_of = |index: usize| {
        let parents = parents.get_or_insert_with(|| super::outside::parents(message));
        holding(message, parents, index, outer)
    };
    for (index, part) in message.parts.iter().enumerate() {
        // The message's own header block, where nothing holds it, ends at a blank line only.
        if index > 0 || !outer.is_empty() {
            insertions.extend(first_delimiter_line(raw, part, || holders_of(index)));
        }
        if let PartType::Message(attached) = &part.body
            && depth < MAX_DEPTH
            && super::read_in_place(attached, raw)
        {
            gather(attached, raw, &holders_of(index), depth + 1, insertions);
        }
    }
}

/// The boundaries of the multiparts holding part `index` of `message`, within it and then
/// around it (`outer`), nearest first, at most [`MAX_HOLDERS`].
fn holding<'m>(
    message: &'m Message<'_>,
    parents: &[Option<usize>],
    index: usize,
    outer: &[&'m [u8]],
) -> Vec<&'m [u8]> {
    let mut holders = super::outside::holding_boundaries(message, parents, index);
    holders.extend_from_slice(outer);
    holders.truncate(MAX_HOLDERS);
    holders
}

/// Where the first delimiter line of a multipart holding `part` (`holders`, found only where
/// the block has a line starting `--`) within its header block starts, if one does.
fn first_delimiter_line<'m>(
    raw: &[u8],
    part: &MessagePart<'_>,
    holders: impl FnOnce() -> Vec<&'m [u8]>,
) -> Option<usize> {
    let start = part.offset_header as usize;
    let block = raw.get(start..part.offset_body as usize)?;
    // A block whose first line is `--` alone follows a close delimiter that the parser took
    // for a delimiter line (a multipart with no part): its lines are what follows the
    // multipart, and are read as the parser reads them.
    let first = block
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    if first.trim_ascii() == b"--" {
        return None;
    }
    // Almost every header block has no line starting `--` (its first line among them).
    let first_line = block.starts_with(b"--").then_some(start);
    let mut lines = first_line
        .into_iter()
        .chain(memmem::find_iter(block, b"\n--").map(|at| start + at + 1))
        .peekable();
    lines.peek()?;
    let holders = holders();
    lines.find(|&line| {
        let rest = raw.get(line + 2..).unwrap_or_default();
        holders.iter().any(|boundary| {
            rest.strip_prefix(*boundary)
                .is_some_and(super::boundary::ends_delimiter)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn ended(raw: &str) -> Option<String> {
        let message = MessageParser::new().parse(raw.as_bytes()).unwrap();
        rewritten(&message).map(|(bytes, _)| String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn a_delimiter_line_in_a_header_block_is_put_after_a_line_end() {
        let raw = "Content-Type: multipart/mixed; boundary=sep\r\n\r\n--sep\r\n\
                   Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\nUEsDBBQ=\r\n\
                   --sep\r\nContent-Type: text/plain\r\n\r\nhello\r\n--sep--\r\n";
        assert_eq!(
            ended(raw).unwrap(),
            raw.replace("UEsDBBQ=\r\n--sep", "UEsDBBQ=\r\n\r\n--sep")
        );
    }

    #[test]
    fn the_rest_of_a_block_ended_is_checked_as_the_next_parts() {
        // The inner multipart's part ends at the outer delimiter line, which ends the inner
        // multipart too: its close delimiter after that is a line of the next part's header block,
        // not a delimiter line of a multipart holding that part.
        let raw = "Content-Type: multipart/mixed; boundary=N3\n\n--N3\n\
                   Content-Type: multipart/mixed; boundary=N12\n\n--N12\n--N3\n--N12--\n\
                   Content-Type: text/plain\n\nhello\n";
        assert_eq!(
            ended(raw).unwrap(),
            raw.replace("--N12\n--N3\n", "--N12\n\n--N3\n")
        );
    }

    #[test]
    fn an_attached_messages_own_header_block_is_ended_at_a_delimiter_line() {
        let raw = "Content-Type: multipart/mixed; boundary=sep\n\n--sep\n\
                   Content-Type: message/rfc822\n\nSubject: first\n--sep\n\
                   Content-Type: text/plain\n\nhello\n--sep--\n";
        assert_eq!(
            ended(raw).unwrap(),
            raw.replace("first\n--sep\n", "first\n\n--sep\n")
        );
        // The message's own header block is ended by a blank line only.
        let raw = "Subject: s\n--sep\nContent-Type: text/plain\n\nhello\n";
        assert_eq!(ended(raw), None);
    }

    #[test]
    fn header_blocks_without_a_delimiter_line_are_left_alone() {
        let raw = "Content-Type: multipart/mixed; boundary=sep\n\n--sep\nContent-Type: text/plain\n\
                   \n--sep\n\nhello\n--not-sep\n--sep--\n";
        assert_eq!(ended(raw), None);
        // A line that starts with another boundary, or with this one and goes on, is not one.
        let raw = "Content-Type: multipart/mixed; boundary=sep\n\n--sep\nContent-Type: text/plain\n\
                   --sepx\n--other\n\nhello\n--sep--\n";
        assert_eq!(ended(raw), None);
    }
}

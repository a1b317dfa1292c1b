//! Empty parts put in where the parser misreads the structure around a multipart.
//!
//! Two shapes mail-parser reads otherwise than RFC 2046 has them, losing the parts after them:
//!
//! - A multipart inside another with no part (RFC 2046 asks for one at least, but a mailer may
//!   write none, and other mendings can leave one so; a message's own multipart is left as the
//!   parser reads it, with nothing after it to lose): its first delimiter line is its close
//!   delimiter (or one written at the end of a line of text, `text--boundary--`, which the
//!   parser splits at too), or it has none before the next delimiter line of a multipart holding
//!   it, where it ends. The parser takes a close delimiter that comes first for a delimiter line,
//!   and reads the lines after it (the epilogue) as a part's header block; where the multipart has
//!   none before its holder's line, it looks for the first further on, past that line. Either way
//!   the parts after it are read as the wrong multipart's, and once that one is closed the parser
//!   finds no delimiter of the multipart it was in and stops reading: the text of the parts after
//!   it was lost.
//! - Attached messages nested directly in one another (a `message/rfc822` part whose message is
//!   itself `message/rfc822`, read in place): the delimiter line after the innermost ends them
//!   all, but the parser ends only the innermost there, so the next part is read into the message
//!   around it, and after a close delimiter the parser stops reading: the parts of the multipart
//!   holding that one were lost. Where the part after them is an attached message too, the
//!   parser loses the message's own multipart as well, and what it recovers of the misreading
//!   shows none of this: the message up to that part is read again to find them.
//!
//! So the message is written again with an empty part (a delimiter line, then a blank line) put in
//! where the parser needs one to read the structure as sent: before a close delimiter that is a
//! multipart's first delimiter line; an empty part and a close delimiter line before the holder's
//! delimiter line that ends a multipart with none; and before the delimiter line that ends
//! attached messages nested directly, one for each message around the innermost. The parts'
//! content is left byte for byte, and the message is labelled ([`LABEL`]) with how many were put
//! in. The epilogue of a multipart with no part is read as any epilogue is ([`super::outside`]).

use std::collections::HashSet;

use mail_parser::{Message, MessageParser, MessagePart, PartType};

use super::unclosed::next_delimiter_line;

/// The label on a message read with empty parts put in; its value is how many.
pub(super) const LABEL: &str = "email.empty_parts_put_in";

/// Most multiparts of one message checked, as for [`super::unclosed`]: each is looked for through
/// the message up to a delimiter line.
const MAX_MULTIPARTS: usize = 256;

/// How many multiparts holding one are taken as its holders: the nearest.
const MAX_HOLDERS: usize = 16;

/// How deep attached messages (read in place) are followed, as the parser follows them.
const MAX_DEPTH: usize = 10;

/// What to put in at one place of the message.
struct Insertion<'m> {
    at: usize,
    boundary: &'m [u8],
    /// How many empty parts.
    parts: usize,
    /// Whether a close delimiter line follows them.
    close: bool,
}

/// The raw bytes of `message` (in which its attached messages read in place are too) with the
/// empty parts it lacks put in (see the module doc), and how many; none where it lacks none.
pub(super) fn put_in(parser: &MessageParser, message: &Message<'_>) -> Option<(Vec<u8>, usize)> {
    let raw: &[u8] = message.raw_message.as_ref();
    let mut insertions = Vec::new();
    let mut holders = Vec::new();
    let mut checked = 0;
    walk(
        message,
        raw,
        0,
        0,
        &mut holders,
        &mut checked,
        &mut insertions,
    );
    // Where the parser lost the message's own root part, its parts are what it recovered of a
    // misreading (messages attached directly in one another, then a part that is a message too,
    // which the parser reads into the one around them): the misread part's header block starts
    // after the root's body. The message up to there is read again, once, and what it lacks is
    // put in the whole message (the bytes are the same up to there).
    let prefix;
    let mut reread = None;
    if insertions.is_empty()
        && let Some(root) = message.parts.first()
        && root.offset_header > 0
        && let Some(end) = message
            .parts
            .iter()
            .map(|part| part.offset_header as usize)
            .filter(|&start| start > root.offset_body as usize)
            .min()
        && let Some(again) = raw.get(..end).and_then(|bytes| parser.parse(bytes))
    {
        prefix = again;
        reread = Some(&prefix);
    }
    if let Some(again) = reread {
        walk(
            again,
            again.raw_message.as_ref(),
            0,
            0,
            &mut holders,
            &mut checked,
            &mut insertions,
        );
    }
    if insertions.is_empty() {
        return None;
    }
    // One mending at a place: where two were found there, the other is found again on the next
    // reading, if still needed.
    insertions.sort_unstable_by(|a, b| a.at.cmp(&b.at).then(b.parts.cmp(&a.parts)));
    insertions.dedup_by(|later, earlier| later.at == earlier.at);
    let count = insertions.iter().map(|insertion| insertion.parts).sum();
    let mut bytes = Vec::with_capacity(raw.len() + insertions.len() * 80);
    let mut copied = 0;
    for insertion in &insertions {
        bytes.extend_from_slice(raw.get(copied..insertion.at)?);
        copied = insertion.at;
        let line_end = super::eol::line_end_before(raw, insertion.at);
        for _ in 0..insertion.parts {
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(insertion.boundary);
            bytes.extend_from_slice(line_end);
            bytes.extend_from_slice(line_end);
        }
        if insertion.close {
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(insertion.boundary);
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(line_end);
        }
    }
    bytes.extend_from_slice(raw.get(copied..)?);
    Some((bytes, count))
}

/// Looks at the multiparts of `message` (and of the messages attached to it in place, whose
/// offsets are into `raw` too) from part `id` down, at most [`MAX_MULTIPARTS`], each with the
/// boundaries of those holding it (`holders`, nearest last), and gathers what to put in.
fn walk<'m>(
    message: &'m Message<'_>,
    raw: &[u8],
    id: usize,
    depth: usize,
    holders: &mut Vec<&'m [u8]>,
    checked: &mut usize,
    out: &mut Vec<Insertion<'m>>,
) {
    let Some(part) = message.parts.get(id) else {
        return;
    };
    match &part.body {
        PartType::Multipart(children) => {
            let Some(boundary) = super::outside::boundary(part).map(str::as_bytes) else {
                return;
            };
            if *checked == MAX_MULTIPARTS {
                return;
            }
            *checked += 1;
            // A part is never its own child, nor an earlier part's.
            let children: Vec<usize> = children
                .iter()
                .map(|&child| child as usize)
                .filter(|&child| child > id)
                .collect();
            if let Some(first) = children.first().and_then(|&child| message.parts.get(child)) {
                out.extend(no_part(raw, part, first, boundary, holders));
            }
            for &child in &children {
                if let Some(PartType::Message(attached)) =
                    message.parts.get(child).map(|child| &child.body)
                    && *checked < MAX_MULTIPARTS
                    && let Some(insertion) = nested_messages(raw, attached, boundary)
                {
                    // Each looks through the message up to a delimiter line, as a multipart does.
                    *checked += 1;
                    out.push(insertion);
                }
            }
            holders.push(boundary);
            for &child in &children {
                walk(message, raw, child, depth, holders, checked, out);
            }
            holders.pop();
        }
        PartType::Message(attached) if depth < MAX_DEPTH && super::read_in_place(attached, raw) => {
            walk(attached, raw, 0, depth + 1, holders, checked, out);
        }
        _ => {}
    }
}

/// What to put in for `multipart` (split by `boundary`, held by multiparts of `holders`) whose
/// first part as the parser read it is `first`, where it has no part: an empty part and a close
/// delimiter line before the first delimiter line of a holder, where the parser found its first
/// delimiter past that line; an empty part before its close delimiter line, where the parser took
/// that line for its first delimiter line.
fn no_part<'m>(
    raw: &[u8],
    multipart: &MessagePart<'_>,
    first: &MessagePart<'_>,
    boundary: &'m [u8],
    holders: &[&[u8]],
) -> Option<Insertion<'m>> {
    // A message's own multipart is left as the parser reads it: nothing follows it to lose (its
    // epilogue is read as a part, and as its epilogue too).
    if holders.is_empty() {
        return None;
    }
    let body_start = multipart.offset_body as usize;
    let first_start = first.offset_header as usize;
    let window = raw.get(..first_start)?;
    let holder_line = holders
        .iter()
        .rev()
        .filter(|holder| **holder != boundary)
        .take(MAX_HOLDERS)
        .filter_map(|holder| {
            // The window may cut a longer line short: what follows the boundary is looked at in
            // the whole message.
            next_delimiter_line(window, body_start, holder).filter(|&at| {
                raw.get(at + 2 + holder.len()..)
                    .is_some_and(super::boundary::ends_delimiter)
            })
        })
        .min();
    if let Some(at) =
        holder_line.or_else(|| far_holder_line(raw, body_start, first_start, boundary, holders))
    {
        return Some(Insertion {
            at,
            boundary,
            parts: 1,
            close: true,
        });
    }
    // The parser reads a part's header block from just after the boundary of the line it took
    // for a delimiter line: after a close delimiter, from its closing `--`. That may be one
    // written at the end of a line of text (`text--boundary--`), which the parser splits at as
    // at a line of its own ([`super::boundary`] leaves only such a one within a line).
    let line = first_start.checked_sub(boundary.len() + 2)?;
    let is_close_line = raw.get(line..first_start)
        == Some([b"--".as_slice(), boundary].concat().as_slice())
        && raw
            .get(first_start..)
            .is_some_and(|rest| rest.starts_with(b"--"));
    is_close_line.then_some(Insertion {
        at: line,
        boundary,
        parts: 1,
        close: false,
    })
}

/// Where the first delimiter line in `raw[from..to]` of a holder further out than the nearest
/// [`MAX_HOLDERS`] (other than one of `boundary`) starts, for a multipart nested deeper than
/// that: its delimiter line ends the multipart too, and a close delimiter found past it is not
/// this multipart's first (an empty part put in before that one was put in the text of a part
/// of the far holder, a line the sender never wrote). Looked for only where there are such
/// holders, once through the lines that start with `--`, each compared with the far boundaries.
fn far_holder_line(
    raw: &[u8],
    from: usize,
    to: usize,
    boundary: &[u8],
    holders: &[&[u8]],
) -> Option<usize> {
    let far: HashSet<&[u8]> = holders
        .iter()
        .rev()
        .filter(|holder| **holder != boundary)
        .skip(MAX_HOLDERS)
        .copied()
        .collect();
    if far.is_empty() {
        return None;
    }
    let mut at = from;
    if at > 0 && raw.get(at - 1) != Some(&b'\n') {
        at += memchr::memchr(b'\n', raw.get(at..to)?)? + 1;
    }
    while at < to {
        let rest = raw.get(at..)?;
        let end = memchr::memchr(b'\n', rest);
        if let Some(line) = rest
            .get(..end.unwrap_or(rest.len()))
            .and_then(|line| line.strip_prefix(b"--"))
        {
            // The line is looked at whole, though the window may cut it short.
            let padding = line
                .iter()
                .rposition(|byte| !matches!(byte, b' ' | b'\t' | b'\r'))
                .map_or(0, |last| last + 1);
            let line = line.get(..padding).unwrap_or_default();
            if far.contains(line)
                || line
                    .strip_suffix(b"--")
                    .is_some_and(|bare| far.contains(bare))
            {
                return Some(at);
            }
        }
        at += end? + 1;
    }
    None
}

/// What to put in for `attached`, a message attached in place in a multipart split by
/// `boundary`, where messages are attached in place directly in it (its root part a message, and
/// perhaps that one's): an empty part for each message around the innermost, before the
/// delimiter line that ends them, less those there already.
fn nested_messages<'m>(
    raw: &[u8],
    attached: &Message<'_>,
    boundary: &'m [u8],
) -> Option<Insertion<'m>> {
    if !super::read_in_place(attached, raw) {
        return None;
    }
    let mut around = 0;
    let mut current = attached;
    while around < MAX_DEPTH {
        let Some(PartType::Message(inner)) = current.parts.first().map(|root| &root.body) else {
            break;
        };
        if !super::read_in_place(inner, raw) {
            break;
        }
        around += 1;
        current = inner;
    }
    if around == 0 {
        return None;
    }
    // The parser ends the innermost message's root part at the line end before that delimiter
    // line, so it is looked for there only (a look on through the message for each such part
    // would take time growing with their number times the message's length).
    let end = current.parts.first()?.offset_end as usize;
    let window = raw.get(..raw.len().min(end + boundary.len() + 6))?;
    let at = next_delimiter_line(window, end, boundary)?;
    if !raw
        .get(at + 2 + boundary.len()..)
        .is_some_and(super::boundary::ends_delimiter)
    {
        return None;
    }
    let there = empty_parts_at(raw, at, boundary, around);
    (there < around).then_some(Insertion {
        at,
        boundary,
        parts: around - there,
        close: false,
    })
}

/// How many empty parts (a delimiter line of `boundary`, then a blank line), at most `most`, are
/// written one after another from `at`, each followed by another delimiter line.
fn empty_parts_at(raw: &[u8], mut at: usize, boundary: &[u8], most: usize) -> usize {
    let mut found = 0;
    while found < most {
        let Some(after) = empty_part(raw, at, boundary) else {
            break;
        };
        let next_is_delimiter = raw
            .get(after..)
            .and_then(|rest| rest.strip_prefix(b"--"))
            .and_then(|rest| rest.strip_prefix(boundary))
            .is_some_and(super::boundary::ends_delimiter);
        if !next_is_delimiter {
            break;
        }
        found += 1;
        at = after;
    }
    found
}

/// Where the empty part at `at` (a delimiter line of `boundary`, then a blank line) ends, if one
/// is there.
fn empty_part(raw: &[u8], at: usize, boundary: &[u8]) -> Option<usize> {
    let rest = raw.get(at..)?.strip_prefix(b"--")?.strip_prefix(boundary)?;
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    Some(raw.len() - rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn mended(raw: &str) -> Option<String> {
        let message = MessageParser::new().parse(raw.as_bytes()).unwrap();
        put_in(&MessageParser::new(), &message).map(|(bytes, _)| String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn a_close_delimiter_that_is_the_first_delimiter_line_follows_an_empty_part() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\
                   Content-Type: multipart/alternative; boundary=B\n\n--B--\nepilogue\n\
                   --A\nContent-Type: text/plain\n\nlost\n--A--\n";
        let got = mended(raw).unwrap();
        assert_eq!(got, raw.replace("=B\n\n--B--\n", "=B\n\n--B\n\n--B--\n"));
        // Read again, it needs nothing more.
        assert_eq!(mended(&got), None);
    }

    /// A close delimiter written at the end of a line of text, first: the parser splits there
    /// as at a line of its own.
    #[test]
    fn a_close_delimiter_first_at_the_end_of_a_line_of_text_follows_an_empty_part() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\
                   Content-Type: multipart/alternative; boundary=B\n\nsee you--B--\n\
                   --A\nContent-Type: text/plain\n\nlost\n--A--\n";
        let got = mended(raw).unwrap();
        assert_eq!(got, raw.replace("see you--B--\n", "see you--B\n\n--B--\n"));
        assert_eq!(mended(&got), None);
    }

    #[test]
    fn a_multipart_with_no_delimiter_line_before_its_holders_is_closed_with_an_empty_part() {
        let raw = "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\n\
                   Content-Type: multipart/mixed; boundary=B\r\n\r\n--A\r\n\
                   Content-Type: text/plain\r\n\r\nlost\r\n--B\r\n\r\nx\r\n--A--\r\n";
        let got = mended(raw).unwrap();
        assert_eq!(
            got,
            raw.replace("=B\r\n\r\n--A\r\n", "=B\r\n\r\n--B\r\n\r\n--B--\r\n--A\r\n")
        );
        assert_eq!(mended(&got), None);
    }

    #[test]
    fn messages_attached_directly_in_one_another_end_after_an_empty_part_each() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\
                   Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\
                   Content-Type: message/rfc822\n\nSubject: x\n\ninner\n--A--\nepilogue\n";
        // Misread, the three messages show as two: one part at a time, a reading each.
        let once = mended(raw).unwrap();
        assert_eq!(once, raw.replace("inner\n--A--\n", "inner\n--A\n\n--A--\n"));
        let twice = mended(&once).unwrap();
        assert_eq!(
            twice,
            raw.replace("inner\n--A--\n", "inner\n--A\n\n--A\n\n--A--\n")
        );
        assert_eq!(mended(&twice), None);
    }

    #[test]
    fn multiparts_with_parts_and_messages_attached_once_are_left_alone() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\
                   Content-Type: multipart/alternative; boundary=B\n\n--B\n\nx\n--B--\n\
                   --A\nContent-Type: message/rfc822\n\nSubject: x\n\ninner\n--A--\n";
        assert_eq!(mended(raw), None);
        // A message's own multipart whose first delimiter line is its close: the parser reads
        // the epilogue as a part, and nothing follows it to lose.
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A--\nepilogue\n";
        assert_eq!(mended(raw), None);
    }
}

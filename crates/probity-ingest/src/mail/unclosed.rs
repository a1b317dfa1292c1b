//! Multiparts never closed, inside multiparts that go on.
//!
//! A multipart's body ends at its close delimiter line (`--boundary--`). One nested in another
//! ends, at the latest, at the next delimiter line of a multipart holding it: RFC 2046 forbids a
//! boundary within the parts it delimits, so that line is not the inner multipart's text. The
//! parser does not read it so. Reaching the close delimiter of a multipart inside one never
//! closed, it looks for the next delimiter of the unclosed one; where there is none it stops
//! reading, and the parts that follow (of the multiparts holding it) are lost. Where there is one
//! further on, it skips to it, and what lies between is lost instead.
//!
//! So where a multipart has fewer close delimiter lines before the next delimiter line of one
//! holding it than multiparts with its boundary begin there (itself among them, though that line
//! comes straight after its header block and its body is empty), the message is written again with
//! the close delimiter lines missing put in, at the start of that next delimiter line. A close
//! delimiter of a holder that a careless mailer wrote at the end of a line of text
//! (`text--boundary--`) ends what it holds as one on a line of its own does: the line is ended
//! before it and the lines missing put in there (the parser, in the multipart it holds, read past
//! it as text). A multipart ends, at the latest, where the one holding it ends: a delimiter line
//! of a multipart many levels out closes every one between, though only the nearest holders of
//! each are looked for. The parts' content is left byte for byte, and the message is labelled
//! ([`LABEL`]).
//!
//! The outermost multipart, held by none, ends at the end of the message: where it (or one
//! inside it that no holder's delimiter line ends) is never closed, its close delimiter lines are
//! put in there. The parser reads the last part of a multipart never closed as one whose
//! transfer encoding is broken: a text part was made an attachment noted so and labelled
//! `email.encoding_problem`, and a base64 one was not decoded; closed, each is read as the part
//! it is.

use mail_parser::{Message, PartType};
use memchr::memmem;

/// The label on a message read with close delimiter lines put in; its value is how many.
pub(super) const LABEL: &str = "email.unclosed_multiparts";

/// Most multiparts of one message checked. Each is looked for through the message up to the
/// next delimiter of those holding it; a message with thousands nested would take time growing
/// with the square of their number. Those past it are read as the parser reads them.
pub(super) const MAX_MULTIPARTS: usize = 256;

/// The label on a message with more multiparts than [`MAX_MULTIPARTS`] (its own and those of the
/// messages attached to it in place, all together), those past it unchecked by the mending of
/// its structure (here and in [`super::empty_parts`], which checks as many): a multipart among
/// them never closed, or with no part, may hide the parts after it from the parser. Its value is
/// how many; the message goes to dead-letter whole as well. They went unlabelled before, and
/// only a message's own multiparts past 256 kept it in dead-letter, for their text outside the
/// parts ([`super::outside::NOT_READ_LABEL`]).
pub(super) const NOT_CHECKED_LABEL: &str = "email.multiparts_not_checked";

/// How many multiparts of `message` (and of the messages attached to it in place, as deep as
/// [`close`] follows them) past the first [`MAX_MULTIPARTS`] the mending leaves unchecked.
pub(super) fn not_checked(message: &Message<'_>) -> usize {
    let raw: &[u8] = message.raw_message.as_ref();
    count(message, raw, 0).saturating_sub(MAX_MULTIPARTS)
}

/// How many multiparts with a boundary `message` and the messages attached to it in place hold.
fn count(message: &Message<'_>, raw: &[u8], depth: usize) -> usize {
    message
        .parts
        .iter()
        .map(|part| match &part.body {
            PartType::Multipart(_) if super::outside::boundary(part).is_some() => 1,
            PartType::Message(attached)
                if depth < MAX_DEPTH && super::read_in_place(attached, raw) =>
            {
                count(attached, raw, depth + 1)
            }
            _ => 0,
        })
        .sum()
}

/// How many multiparts holding one are taken as its holders: the nearest.
const MAX_HOLDERS: usize = 16;

/// How deep attached messages (read in place) are followed, as the parser follows them.
const MAX_DEPTH: usize = 10;

/// The message written again with the close delimiter lines it lacked, and how many were put in.
pub(super) struct Closed {
    pub bytes: Vec<u8>,
    pub count: usize,
}

/// One multipart of the message: its boundary, where its body starts, how deep it is nested, the
/// boundaries of the multiparts holding it (the nearest), other than its own, and the one holding
/// it directly (its index among those gathered).
struct Multipart<'m> {
    boundary: &'m [u8],
    body_start: usize,
    depth: usize,
    holders: Vec<&'m [u8]>,
    parent: Option<usize>,
}

/// `raw` (the bytes `message` was parsed from) with the close delimiter lines of its multiparts
/// that were never closed put in (see the module doc); none when every one was closed in time.
pub(super) fn close(message: &Message<'_>, raw: &[u8]) -> Option<Closed> {
    let mut multiparts = Vec::new();
    let mut holders = Vec::new();
    walk(message, raw, 0, 0, &mut holders, &mut multiparts);
    // Where each multipart must end: the next delimiter line of its nearest holders (or close
    // delimiter written at the end of a line of text), or where the one holding it must end, if
    // that comes first (a delimiter line of a holder further out); the outermost, held by none,
    // at the end of the message. A holder is gathered before what it holds.
    let mut stops: Vec<Option<usize>> = Vec::with_capacity(multiparts.len());
    for multipart in &multiparts {
        if multipart.parent.is_none() {
            stops.push(Some(raw.len()));
            continue;
        }
        let nearest = multipart
            .holders
            .iter()
            .filter_map(|holder| holder_end(raw, multipart.body_start, holder))
            .min();
        let held = multipart
            .parent
            .and_then(|parent| stops.get(parent).copied().flatten())
            .filter(|stop| *stop >= multipart.body_start);
        stops.push(nearest.into_iter().chain(held).min());
    }
    // (where, depth, boundary, how many close lines to put in)
    let mut insertions: Vec<(usize, usize, &[u8], usize)> = Vec::new();
    for (multipart, stop) in multiparts.iter().zip(stops) {
        let Some(stop) = stop else {
            continue;
        };
        // The multipart itself, and those of its boundary that begin inside it. One whose body is
        // empty (a holder's delimiter line right under its header block) begins where it ends:
        // it is counted all the same.
        let opened = 1 + multiparts
            .iter()
            .filter(|other| {
                other.boundary == multipart.boundary
                    && other.body_start > multipart.body_start
                    && other.body_start < stop
            })
            .count();
        let closed = close_lines(raw, multipart.body_start, stop, multipart.boundary);
        let missing = opened.saturating_sub(closed);
        if missing == 0 {
            continue;
        }
        // Two multiparts of one boundary before the same line need the same lines, once.
        match insertions
            .iter_mut()
            .find(|(at, _, boundary, _)| *at == stop && *boundary == multipart.boundary)
        {
            Some(insertion) => {
                insertion.1 = insertion.1.max(multipart.depth);
                insertion.3 = insertion.3.max(missing);
            }
            None => insertions.push((stop, multipart.depth, multipart.boundary, missing)),
        }
    }
    if insertions.is_empty() {
        return None;
    }
    // The innermost multipart is closed first.
    insertions.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let count = insertions.iter().map(|insertion| insertion.3).sum();
    let mut bytes = Vec::with_capacity(raw.len() + insertions.len() * 80);
    let mut copied = 0;
    for (at, _, boundary, missing) in insertions {
        bytes.extend_from_slice(raw.get(copied..at)?);
        copied = at;
        let line_end = line_end_at(raw, at);
        // Before a close delimiter written at the end of a line of text, the line is ended first
        // (the line end before a delimiter is the delimiter's, so the text is read as written):
        // the parser takes none for a delimiter within a part's header block.
        if at > 0 && raw.get(at - 1) != Some(&b'\n') {
            bytes.extend_from_slice(line_end);
        }
        for _ in 0..missing {
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(boundary);
            bytes.extend_from_slice(b"--");
            bytes.extend_from_slice(line_end);
        }
    }
    bytes.extend_from_slice(raw.get(copied..)?);
    Some(Closed { bytes, count })
}

/// Gathers the multiparts of `message` (and of the messages attached to it in place, whose
/// offsets are into `raw` too) from part `id` down, at most [`MAX_MULTIPARTS`], each with the
/// boundaries of those holding it (`holders`: each boundary and its index in `out`, nearest
/// last).
fn walk<'m>(
    message: &'m Message<'_>,
    raw: &[u8],
    id: usize,
    depth: usize,
    holders: &mut Vec<(&'m [u8], usize)>,
    out: &mut Vec<Multipart<'m>>,
) {
    let Some(part) = message.parts.get(id) else {
        return;
    };
    match &part.body {
        PartType::Multipart(children) => {
            let Some(boundary) = super::outside::boundary(part).map(str::as_bytes) else {
                return;
            };
            if out.len() == MAX_MULTIPARTS {
                return;
            }
            let nearest: Vec<&[u8]> = holders
                .iter()
                .rev()
                .map(|(holder, _)| *holder)
                .filter(|holder| *holder != boundary)
                .take(MAX_HOLDERS)
                .collect();
            out.push(Multipart {
                boundary,
                body_start: part.offset_body as usize,
                depth: holders.len(),
                holders: nearest,
                parent: holders.last().map(|(_, index)| *index),
            });
            holders.push((boundary, out.len() - 1));
            for &child in children {
                // A part is never its own child, nor an earlier part's.
                if child as usize > id {
                    walk(message, raw, child as usize, depth, holders, out);
                }
            }
            holders.pop();
        }
        PartType::Message(attached) if depth < MAX_DEPTH && super::read_in_place(attached, raw) => {
            walk(attached, raw, 0, depth + 1, holders, out);
        }
        _ => {}
    }
}

/// Where the first delimiter line of `boundary` at or after `from` starts: `--`, the boundary at
/// the start of a line, then `--`, white space or the line's end.
pub(super) fn next_delimiter_line(raw: &[u8], from: usize, boundary: &[u8]) -> Option<usize> {
    let needle = [b"--".as_slice(), boundary].concat();
    let window = raw.get(from..)?;
    memmem::find_iter(window, &needle)
        .map(|at| from + at)
        .find(|&at| {
            let at_line_start = at == 0 || raw.get(at - 1) == Some(&b'\n');
            at_line_start
                && super::boundary::ends_delimiter(raw.get(at + needle.len()..).unwrap_or_default())
        })
}

/// Where the first place at or after `from` that ends a multipart held by the one of `boundary`
/// starts: a delimiter line of `boundary` ([`next_delimiter_line`]), or its close delimiter
/// written at the end of a line of text (`text--boundary--`), which the parser takes for one
/// where it is looking for that boundary ([`close_lines`] counts it) and which ends what it holds
/// as one on a line of its own does. One look through the bytes, as for the delimiter line alone.
fn holder_end(raw: &[u8], from: usize, boundary: &[u8]) -> Option<usize> {
    let needle = [b"--".as_slice(), boundary].concat();
    let window = raw.get(from..)?;
    memmem::find_iter(window, &needle)
        .map(|at| from + at)
        .find(|&at| {
            let rest = raw.get(at + needle.len()..).unwrap_or_default();
            let at_line_start = at == 0 || raw.get(at - 1) == Some(&b'\n');
            if at_line_start {
                super::boundary::ends_delimiter(rest)
            } else {
                rest.strip_prefix(b"--").is_some_and(ends_line)
            }
        })
}

/// The line end to write at `at` in `raw`: where `at` starts a line, that of the line before;
/// within a line of text (before a close delimiter written at its end), that of the line; at the
/// end of a message whose last line has none, that of the line before.
fn line_end_at(raw: &[u8], at: usize) -> &'static [u8] {
    if at == 0 || raw.get(at - 1) == Some(&b'\n') {
        return super::eol::line_end_before(raw, at);
    }
    if at >= raw.len() {
        let last = memchr::memrchr(b'\n', raw).map_or(0, |newline| newline + 1);
        return super::eol::line_end_before(raw, last);
    }
    let rest = raw.get(at..).unwrap_or_default();
    match memchr::memchr(b'\n', rest) {
        Some(end) if end > 0 && rest.get(end - 1) == Some(&b'\r') => b"\r\n",
        _ => b"\n",
    }
}

/// Whether `rest` is white space to the end of its line (or of the message).
fn ends_line(rest: &[u8]) -> bool {
    rest.iter()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\r'))
        .is_none_or(|byte| *byte == b'\n')
}

/// How many close delimiter lines of `boundary` (`--boundary--` at the start of a line, or at the
/// end of a line of text, where a careless mailer wrote it and the parser ends the multipart too:
/// [`super::boundary`]) are in `raw[from..to]`.
fn close_lines(raw: &[u8], from: usize, to: usize, boundary: &[u8]) -> usize {
    let needle = [b"--".as_slice(), boundary, b"--"].concat();
    let Some(window) = raw.get(from..to) else {
        return 0;
    };
    memmem::find_iter(window, &needle)
        .filter(|&at| {
            let line_start = at == 0 || window.get(at - 1) == Some(&b'\n');
            line_start || ends_line(window.get(at + needle.len()..).unwrap_or_default())
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn closed(raw: &str) -> Option<String> {
        let message = MessageParser::new().parse(raw.as_bytes()).unwrap();
        close(&message, raw.as_bytes()).map(|c| String::from_utf8(c.bytes).unwrap())
    }

    #[test]
    fn a_multipart_left_open_is_closed_before_the_next_delimiter_of_its_holder() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\n\nx\n--C--\n--A\nContent-Type: text/plain\n\nlost\n--A--\n";
        let got = closed(raw).unwrap();
        assert_eq!(got, raw.replace("--C--\n--A\n", "--C--\n--B--\n--A\n"));
    }

    #[test]
    fn a_close_delimiter_at_the_end_of_a_line_of_text_closes() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/alternative; boundary=B\n\n--B\n\nx--B--\nepilogue\n--A\nContent-Type: text/plain\n\ny\n--A--\n";
        assert_eq!(closed(raw), None);
    }

    #[test]
    fn a_close_delimiter_of_a_holder_at_the_end_of_a_line_of_text_closes_what_it_holds_first() {
        // B's close delimiter written at the end of a line of C's part: the line is ended and C
        // closed there, as before one on a line of its own (the parser, in C, read past it).
        let raw = "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: multipart/mixed; boundary=C\r\n\r\n--C\r\n\r\ntext--B--\r\n--A\r\nContent-Type: text/plain\r\n\r\nlost\r\n--A--\r\n";
        let got = closed(raw).unwrap();
        assert_eq!(
            got,
            raw.replace("text--B--\r\n", "text\r\n--C--\r\n--B--\r\n")
        );
    }

    #[test]
    fn closed_multiparts_are_left_alone() {
        let raw = "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\n\r\nx\r\n--B--\r\n--A\r\nContent-Type: text/plain\r\n\r\ny\r\n--A--\r\n";
        assert_eq!(closed(raw), None);
        let flat = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\nx\n--A--\n";
        assert_eq!(closed(flat), None);
    }

    #[test]
    fn the_outermost_multipart_never_closed_is_closed_at_the_end_of_the_message() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\n\nx\n";
        assert_eq!(closed(raw).unwrap(), format!("{raw}--A--\n"));
        // With no line end after the last line, one is put in before the close delimiter line
        // (the line end before a delimiter is the delimiter's, so the text is read as written).
        let raw = "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\n\r\nx";
        assert_eq!(closed(raw).unwrap(), format!("{raw}\r\n--A--\r\n"));
        // One inside it that no delimiter line of its holder ends is closed there first.
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nx\n";
        assert_eq!(closed(raw).unwrap(), format!("{raw}--B--\n--A--\n"));
    }

    #[test]
    fn a_delimiter_line_of_a_holder_past_the_nearest_closes_every_multipart_between() {
        // Twenty multiparts nested, then a delimiter line of the outermost: only the 16 nearest
        // holders of each are looked for, but each ends where the one holding it ends.
        let mut raw = String::from("Content-Type: multipart/mixed; boundary=A0\n\n");
        for level in 1..20 {
            raw.push_str(&format!(
                "--A{}\nContent-Type: multipart/mixed; boundary=A{level}\n\n",
                level - 1
            ));
        }
        raw.push_str("--A19\n\nx\n--A0\nContent-Type: text/plain\n\nlost\n--A0--\n");
        let closes: String = (1..20)
            .rev()
            .map(|level| format!("--A{level}--\n"))
            .collect();
        let got = closed(&raw).unwrap();
        assert_eq!(got, raw.replace("x\n--A0\n", &format!("x\n{closes}--A0\n")));
    }

    #[test]
    fn a_multipart_with_an_empty_body_is_closed_before_the_delimiter_line_that_ends_it() {
        // B's body is empty: the parser looked for its first delimiter line past A's, and took
        // the text part's last line for B's close delimiter.
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/mixed; boundary=B\n\n--A\nContent-Type: text/plain\n\ny\n--B--\n--A--\n";
        let got = closed(raw).unwrap();
        assert_eq!(
            got,
            raw.replace("boundary=B\n\n--A\n", "boundary=B\n\n--B--\n--A\n")
        );
    }

    #[test]
    fn a_boundary_reused_inside_its_own_multipart_is_closed_as_often_as_it_was_opened() {
        let raw = "Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n--B--\n--A\nContent-Type: text/plain\n\nlost\n--A--\n";
        let got = closed(raw).unwrap();
        assert_eq!(got, raw.replace("--B--\n--A\n", "--B--\n--B--\n--A\n"));
    }
}

//! Multipart boundaries where RFC 2046 puts them: at the start of a line.
//!
//! A multipart body is split at delimiter lines: `--` and the boundary at the start of a line,
//! then only white space to the line's end (or `--` for the last). mail-parser splits wherever
//! `--` and the boundary occur, within a line too, and whatever follows them: a body line
//! `x--_000_ABC_y` ends a part whose boundary is `_000_ABC_` (the rest of the text is lost), and
//! `-----BEGIN LIST-----` ends one whose boundary is `B`. So after a parse, the boundaries of its
//! multiparts are looked for in the message, and where one occurs other than as a delimiter line,
//! the message is written again with every true delimiter line's boundary (and the `boundary=`
//! parameter declaring it) lengthened by a suffix found nowhere in the message. mail-parser then
//! finds only the true delimiters; the parts' content is left byte for byte, and the header values
//! an event keeps are given back as written ([`Anchored::as_written`]). A multipart found only
//! once the first split is mended is checked the same way, a few rounds at most.
//!
//! mail-parser also takes the delimiter line of a longer boundary that begins with a multipart's
//! own (`--N10` for a multipart whose boundary is `N1`) for one of that multipart's. Within a
//! multipart split by the longer boundary the line is that one's delimiter, and is left alone;
//! anywhere else it is text (a line of a part, of a preamble, after a close delimiter), where the
//! parser ended the text and read the rest as a part's header block (or, with no blank line
//! after it, not at all). There the shorter boundary is lengthened the same way: it is then the
//! start of no other. Only the boundaries that need it are lengthened, so that lines of text
//! that look like another's delimiter lines are left as written.

use std::collections::HashMap;
use std::ops::Range;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use memchr::memmem;

/// Rounds of mending: each can bring to light multiparts that a wrong split had hidden.
const MAX_ROUNDS: usize = 4;

/// How deep attached messages are followed for their multiparts, as mail-parser follows them.
const MAX_DEPTH: usize = 10;

/// Most distinct boundaries checked and mended in one message; a message with more is neither
/// (each boundary is looked for through the whole message, and each place one is found is
/// compared with every other boundary: a message of thousands of nested multiparts took time
/// growing with the square of their number).
const MAX_BOUNDARIES: usize = 256;

/// What [`anchor`] did.
#[derive(Debug, Default)]
pub(super) struct Anchored {
    /// The message written again so that only delimiter lines split it; none when no boundary
    /// occurs out of place (or none could be mended).
    pub bytes: Option<Vec<u8>>,
    /// How many times a boundary occurred where it is not a delimiter (the delimiter lines of a
    /// longer boundary that begins with it aside).
    pub misplaced: usize,
    /// Why the parts could not be split at their delimiter lines only, where they could not.
    pub unmended: Option<String>,
    /// The boundaries lengthened in each round, and the suffix each was lengthened by.
    lengthened: Vec<(Vec<Vec<u8>>, Vec<u8>)>,
}

impl Anchored {
    /// `text` (a header's value read from the message written again) as the message wrote it:
    /// with the suffixes its boundaries were lengthened by taken off. A lengthened boundary occurs
    /// nowhere in the bytes it was made for, so each one found is one this module wrote. None
    /// where there is nothing to take off.
    pub(super) fn as_written(&self, text: &str) -> Option<String> {
        let mut restored: Option<String> = None;
        for (boundaries, suffix) in self.lengthened.iter().rev() {
            let Ok(suffix) = std::str::from_utf8(suffix) else {
                continue;
            };
            // Most values hold no boundary at all.
            if !restored.as_deref().unwrap_or(text).contains(suffix) {
                continue;
            }
            for boundary in boundaries {
                let Ok(boundary) = std::str::from_utf8(boundary) else {
                    continue;
                };
                let current = restored.as_deref().unwrap_or(text);
                let lengthened = format!("{boundary}{suffix}");
                if current.contains(&lengthened) {
                    restored = Some(current.replace(&lengthened, boundary));
                }
            }
        }
        restored
    }
}

/// One multipart of a parsed message: its boundary, the range of its header block in the
/// message, and where its body starts and ends.
struct Multipart {
    boundary: Vec<u8>,
    header: Range<usize>,
    body: Range<usize>,
}

/// What [`anchor`] mends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mend {
    /// Every boundary that occurs other than as a delimiter line.
    All,
    /// Only the start of a longer boundary's delimiter line: a check that finds a boundary
    /// within a line or before other text stops there, counting it ([`Anchored::misplaced`]),
    /// with nothing written again or read. For a message already mended, whose caller then reads
    /// it as it is (a reading of the message written again is work thrown away, and a message
    /// of thousands of multiparts took seconds to read so: comms fuzzer s56).
    LongerOnly,
}

/// Checks that `message`, parsed from `raw`, was split only at delimiter lines, and where it was
/// not, writes `raw` again so that it will be (see the module doc), as far as `mend` says. The
/// message is handed back where `raw` was not written again; where it was, it is let go before
/// the new bytes are parsed (two readings at once doubled the memory a message takes to parse).
pub(super) fn anchor<'m>(
    parser: &MessageParser,
    message: Message<'m>,
    raw: &[u8],
    mend: Mend,
) -> (Anchored, Option<Message<'m>>) {
    let mut multiparts = Vec::new();
    collect(&message, raw, 0, &mut multiparts);
    let mut message = Some(message);
    let found = mend_rounds(parser, &mut message, multiparts, raw, mend);
    if found.bytes.is_some() {
        message = None;
    }
    (found, message)
}

/// The rounds of [`anchor`]: `message` is let go before the first parse of bytes written again.
fn mend_rounds(
    parser: &MessageParser,
    message: &mut Option<Message<'_>>,
    mut multiparts: Vec<Multipart>,
    raw: &[u8],
    mend_only: Mend,
) -> Anchored {
    let mut found = Anchored::default();
    let mut current: Option<Vec<u8>> = None;
    for round in 0..MAX_ROUNDS {
        let bytes = current.as_deref().unwrap_or(raw);
        let count = distinct(&multiparts).len();
        if count > MAX_BOUNDARIES {
            found.bytes = current;
            found.unmended = Some(format!(
                "the message has {count} multipart boundaries, over the {MAX_BOUNDARIES} checked: where one occurs within a line, the parts may be split in the wrong places"
            ));
            return found;
        }
        let Counted {
            misplaced,
            longer,
            to_mend,
        } = occurrences(bytes, &multiparts);
        if to_mend.is_empty() {
            found.bytes = current;
            return found;
        }
        // Occurrences passed over in the first round are the message's; later rounds find those
        // of multiparts the first split hid.
        found.misplaced += misplaced;
        if mend_only == Mend::LongerOnly && misplaced > 0 {
            found.bytes = current;
            return found;
        }
        if round + 1 == MAX_ROUNDS {
            break;
        }
        let Some((rewritten, suffix)) = mend(bytes, &multiparts, &to_mend) else {
            found.unmended = Some(if misplaced > 0 {
                format!(
                    "a multipart boundary occurs within a line or before other text ({misplaced} times), where it does not end a part, and its declaration could not be rewritten to leave those out: the parts may be split in the wrong places"
                )
            } else {
                format!(
                    "a multipart boundary begins the delimiter lines of a longer one ({longer} times), and its declaration could not be rewritten to tell them apart: the parts may be split in the wrong places"
                )
            });
            return found;
        };
        found.lengthened.push((to_mend, suffix));
        multiparts.clear();
        *message = None;
        if let Some(again) = parser.parse(&rewritten) {
            collect(&again, &rewritten, 0, &mut multiparts);
        }
        current = Some(rewritten);
    }
    found.unmended = Some(format!(
        "multipart boundaries still occur within lines after {MAX_ROUNDS} rounds of mending: the parts may be split in the wrong places"
    ));
    found
}

/// The multiparts of `message` and of the messages attached to it in place (without a transfer
/// encoding, so that their offsets are into `raw` too), whose boundary is declared.
fn collect(message: &Message<'_>, raw: &[u8], depth: usize, out: &mut Vec<Multipart>) {
    for part in &message.parts {
        if let Some(boundary) = part
            .content_type()
            .filter(|content_type| content_type.ctype().eq_ignore_ascii_case("multipart"))
            .and_then(|content_type| content_type.attribute("boundary"))
            .filter(|boundary| !boundary.is_empty())
        {
            out.push(Multipart {
                boundary: boundary.as_bytes().to_vec(),
                header: part.offset_header as usize..part.offset_body as usize,
                body: part.offset_body as usize..part.offset_end as usize,
            });
        }
        if let PartType::Message(attached) = &part.body
            && depth < MAX_DEPTH
            && super::read_in_place(attached, raw)
        {
            collect(attached, raw, depth + 1, out);
        }
    }
}

/// The boundaries of `multiparts`, each once (in the order first met), with the earliest start
/// of a body it splits.
fn distinct(multiparts: &[Multipart]) -> Vec<(&[u8], usize)> {
    let mut boundaries: Vec<(&[u8], usize)> = Vec::new();
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    for multipart in multiparts {
        let boundary = multipart.boundary.as_slice();
        match index.get(boundary) {
            Some(&at) => {
                if let Some((_, start)) = boundaries.get_mut(at) {
                    *start = (*start).min(multipart.body.start);
                }
            }
            None => {
                index.insert(boundary, boundaries.len());
                boundaries.push((boundary, multipart.body.start));
            }
        }
    }
    boundaries
}

/// How a `--boundary` found in a body stands.
#[derive(Debug, PartialEq, Eq)]
enum Occurrence {
    /// A delimiter line: the start of a line, then white space to its end, or `--`. Or one that
    /// a careless mailer wrote at the end of a line of text (`text--boundary--` at the end of the
    /// body, or `text--boundary` before the next part's headers), which mail-parser also takes
    /// as a delimiter, and which hides nothing: no text is left between it and a part.
    Delimiter,
    /// The start of a delimiter line of a longer boundary that begins with this one: not
    /// misplaced, but mail-parser splits there as at one of this boundary's own (see
    /// [`occurrences`]).
    Longer,
    /// Anywhere else: mail-parser would split there, RFC 2046 does not, and the text after it
    /// would be read as part headers or not at all.
    Misplaced,
}

fn occurrence(bytes: &[u8], at: usize, boundary: &[u8], others: &[(&[u8], usize)]) -> Occurrence {
    let at_line_start = at == 0 || bytes.get(at - 1) == Some(&b'\n');
    let after = at + 2 + boundary.len();
    let rest = bytes.get(after..).unwrap_or_default();
    if ends_delimiter(rest) {
        if at_line_start
            || careless_delimiter(rest, boundary)
            || after_binary(bytes.get(..at).unwrap_or_default())
        {
            return Occurrence::Delimiter;
        }
        return Occurrence::Misplaced;
    }
    let longer = at_line_start
        && others.iter().any(|(other, _)| {
            other.len() > boundary.len()
                && other.starts_with(boundary)
                && bytes
                    .get(at + 2..)
                    .is_some_and(|rest| rest.starts_with(other))
                && ends_delimiter(bytes.get(at + 2 + other.len()..).unwrap_or_default())
        });
    if longer {
        Occurrence::Longer
    } else {
        Occurrence::Misplaced
    }
}

/// Whether a `--boundary` within a line, followed by `rest` (which ends it as a delimiter would),
/// is a delimiter a careless mailer wrote without its line break: the last (`--` after it) with
/// no other `--boundary` after it, or one followed by a blank line or a header field (the next
/// part's headers). Anything else after it would be lost in the headers of a part that is not
/// there, so it is not taken as one.
fn careless_delimiter(rest: &[u8], boundary: &[u8]) -> bool {
    if let Some(after_close) = rest.strip_prefix(b"--") {
        let needle = [b"--".as_slice(), boundary].concat();
        return memmem::find(after_close, &needle).is_none();
    }
    let next_line = match memchr::memchr(b'\n', rest) {
        Some(end) => &rest[end + 1..],
        None => return true,
    };
    let name_len = next_line
        .iter()
        .position(|&byte| !(byte.is_ascii_graphic() && byte != b':'))
        .unwrap_or(next_line.len());
    matches!(next_line, [] | [b'\n', ..] | [b'\r', b'\n', ..])
        || (name_len > 0 && next_line.get(name_len) == Some(&b':'))
}

/// Whether the bytes before a `--boundary` within a line (`before`, all that precedes it), from
/// the start of that line, are binary: a control byte other than white space and the escape of
/// ISO-2022-JP (a NUL among them), or bytes that are not UTF-8. Such a line is no line of text
/// quoting a boundary but the end of a binary part's bytes, which run on to the delimiter with
/// no line break: mail-parser, and lenient mail programs, end the part there, and so does this
/// module, whatever follows on the next line (read as the next part's header block, where lines
/// that are no field are read as text). Taken for text, the boundary was lengthened past it,
/// the parts after it read into the binary part, whose stray text is not read: a text part's
/// words after a part declared `Content-Type: base64` reached no event and no dead letter
/// (comms fuzzer, multipart `N4`).
fn after_binary(before: &[u8]) -> bool {
    // The bytes just before it tell (a long line, with the boundary many times in it, is not
    // looked through again for each): a character cut at the window's start is passed over.
    let window = before
        .get(before.len().saturating_sub(BINARY_WINDOW)..)
        .unwrap_or_default();
    let line_start = memchr::memrchr(b'\n', window).map_or(0, |newline| newline + 1);
    let mut line = window.get(line_start..).unwrap_or_default();
    if line_start == 0 && window.len() < before.len() {
        let continuation = line
            .iter()
            .take(3)
            .take_while(|&&byte| byte & 0xc0 == 0x80)
            .count();
        line = line.get(continuation..).unwrap_or_default();
    }
    let control = line
        .iter()
        .any(|&byte| (byte < 0x20 && !matches!(byte, b'\t' | b'\r' | 0x0c | 0x1b)) || byte == 0x7f);
    control || std::str::from_utf8(line).is_err()
}

/// How many bytes before a boundary within a line [`after_binary`] looks at.
const BINARY_WINDOW: usize = 128;

/// Whether what follows `--boundary` makes it a delimiter: `--` (the last delimiter; what follows
/// it is the epilogue), or white space to the line's end or the message's.
pub(super) fn ends_delimiter(rest: &[u8]) -> bool {
    if rest.starts_with(b"--") {
        return true;
    }
    let padding = rest
        .iter()
        .position(|&byte| byte != b' ' && byte != b'\t')
        .unwrap_or(rest.len());
    matches!(
        rest.get(padding..).unwrap_or_default(),
        [] | [b'\n', ..] | [b'\r', b'\n', ..] | [b'\r']
    )
}

/// How many times the boundaries of some multiparts occur other than as their own delimiter
/// lines, where mail-parser would split there.
#[derive(Debug, Default)]
struct Counted {
    /// Anywhere but a delimiter line ([`Occurrence::Misplaced`]).
    misplaced: usize,
    /// At the start of a longer boundary's delimiter line ([`Occurrence::Longer`]) outside every
    /// multipart split by that longer boundary, where it is only text.
    longer: usize,
    /// The boundaries that occur so: those to lengthen.
    to_mend: Vec<Vec<u8>>,
}

/// How many times the boundaries of `multiparts` occur in `bytes`, after the start of the first
/// body they split, other than as their own delimiter lines, where mail-parser would split there.
///
/// A line that is the delimiter line of a longer boundary beginning with one of them is taken
/// for that one's by mail-parser. Within a multipart split by the longer boundary, the line is
/// that multipart's delimiter, and the parser reads it right (the nearest it can come to it where
/// a multipart inside that one was not closed: it ends the inner part there). Anywhere else it
/// is text (a line quoted in a part, in a preamble, after a close delimiter), and the parser
/// would split there.
fn occurrences(bytes: &[u8], multiparts: &[Multipart]) -> Counted {
    let mut counted = Counted::default();
    let boundaries = distinct(multiparts);
    let mut needs_mending = vec![false; boundaries.len()];
    // Made only where a longer boundary's delimiter line is met: most messages have none.
    let mut bodies: Option<Bodies<'_>> = None;
    for (index, &(boundary, start)) in boundaries.iter().enumerate() {
        let needle = [b"--".as_slice(), boundary].concat();
        let Some(body) = bytes.get(start..) else {
            continue;
        };
        for at in memmem::find_iter(body, &needle) {
            let at = start + at;
            match occurrence(bytes, at, boundary, &boundaries) {
                Occurrence::Delimiter => {}
                Occurrence::Misplaced => {
                    counted.misplaced += 1;
                    needs_mending[index] = true;
                }
                Occurrence::Longer => {
                    let bodies = bodies.get_or_insert_with(|| Bodies::of(multiparts));
                    if !within_longer(bytes, at, boundary, &boundaries, bodies) {
                        counted.longer += 1;
                        needs_mending[index] = true;
                    }
                }
            }
        }
    }
    counted.to_mend = boundaries
        .iter()
        .zip(needs_mending)
        .filter(|(_, needs)| *needs)
        .map(|(&(boundary, _), _)| boundary.to_vec())
        .collect();
    counted
}

/// The bodies of the multiparts split by each boundary: sorted ranges, none overlapping another.
struct Bodies<'m>(HashMap<&'m [u8], Vec<Range<usize>>>);

impl<'m> Bodies<'m> {
    fn of(multiparts: &'m [Multipart]) -> Self {
        let mut bodies: HashMap<&[u8], Vec<Range<usize>>> = HashMap::new();
        for multipart in multiparts {
            bodies
                .entry(multipart.boundary.as_slice())
                .or_default()
                .push(multipart.body.clone());
        }
        for ranges in bodies.values_mut() {
            ranges.sort_unstable_by_key(|range| range.start);
            let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
            for range in ranges.drain(..) {
                match merged.last_mut() {
                    Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                    _ => merged.push(range),
                }
            }
            *ranges = merged;
        }
        Bodies(bodies)
    }

    /// Whether `at` is within the body of a multipart split by `boundary`.
    fn within(&self, boundary: &[u8], at: usize) -> bool {
        self.0.get(boundary).is_some_and(|ranges| {
            let after = ranges.partition_point(|range| range.start <= at);
            after > 0 && ranges[after - 1].contains(&at)
        })
    }
}

/// Whether the line at `at`, which begins with `--` and `boundary`, is the delimiter line of a
/// longer boundary within the body of a multipart split by that longer boundary.
fn within_longer(
    bytes: &[u8],
    at: usize,
    boundary: &[u8],
    boundaries: &[(&[u8], usize)],
    bodies: &Bodies<'_>,
) -> bool {
    let line = bytes.get(at + 2..).unwrap_or_default();
    boundaries.iter().any(|&(other, _)| {
        other.len() > boundary.len()
            && line.starts_with(other)
            && ends_delimiter(&line[other.len()..])
            && bodies.within(other, at)
    })
}

/// `bytes` with each boundary of `to_mend` lengthened by a suffix that occurs nowhere in them, in
/// the `boundary=` parameter of each multipart split by it and on its delimiter lines; none when
/// a parameter cannot be found as written (an RFC 2231 encoded one, or one with quoted-pair
/// escapes) or there are too many boundaries. The other boundaries are left as they are, and so
/// are the lines of text that look like their delimiter lines.
fn mend(bytes: &[u8], multiparts: &[Multipart], to_mend: &[Vec<u8>]) -> Option<(Vec<u8>, Vec<u8>)> {
    let boundaries = distinct(multiparts);
    if boundaries.len() > MAX_BOUNDARIES {
        return None;
    }
    let suffix = unused_suffix(bytes, &boundaries)?;
    let mut insertions = Vec::new();
    for multipart in multiparts {
        if !to_mend.contains(&multipart.boundary) {
            continue;
        }
        let declared = parameter_ends(bytes, multipart.header.clone(), &multipart.boundary);
        if declared.is_empty() {
            return None;
        }
        insertions.extend(declared);
    }
    for &(boundary, start) in &boundaries {
        if !to_mend.iter().any(|mended| mended == boundary) {
            continue;
        }
        let needle = [b"--".as_slice(), boundary].concat();
        let body = bytes.get(start..)?;
        for at in memmem::find_iter(body, &needle) {
            if occurrence(bytes, start + at, boundary, &boundaries) == Occurrence::Delimiter {
                insertions.push(start + at + needle.len());
            }
        }
    }
    insertions.sort_unstable();
    insertions.dedup();
    let mut out = Vec::with_capacity(bytes.len() + insertions.len() * suffix.len());
    let mut copied = 0;
    for at in insertions {
        out.extend_from_slice(bytes.get(copied..at)?);
        out.extend_from_slice(&suffix);
        copied = at;
    }
    out.extend_from_slice(bytes.get(copied..)?);
    Some((out, suffix))
}

/// A suffix that, after any of the boundaries, makes a string found nowhere in `bytes`, so that the
/// lengthened boundaries are found only where they are written.
fn unused_suffix(bytes: &[u8], boundaries: &[(&[u8], usize)]) -> Option<Vec<u8>> {
    (0..64u32)
        .map(|n| format!("_probity_{n}").into_bytes())
        .find(|suffix| {
            boundaries.iter().all(|(boundary, _)| {
                let lengthened = [*boundary, suffix].concat();
                memmem::find(bytes, &lengthened).is_none()
            })
        })
}

/// Where, in `bytes`, the values of the `boundary=` parameters within `header` that read
/// `boundary` end (quoted or not): every one, since a header block may hold more than one
/// `Content-Type`, and the parser reads one of them.
fn parameter_ends(bytes: &[u8], header: Range<usize>, boundary: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let Some(block) = bytes.get(header.clone()) else {
        return ends;
    };
    let lower: Vec<u8> = block.to_ascii_lowercase();
    let skip_space = |at: &mut usize| {
        while block
            .get(*at)
            .is_some_and(|byte| byte.is_ascii_whitespace())
        {
            *at += 1;
        }
    };
    for name in memmem::find_iter(&lower, b"boundary") {
        let mut at = name + b"boundary".len();
        skip_space(&mut at);
        if block.get(at) != Some(&b'=') {
            continue;
        }
        at += 1;
        skip_space(&mut at);
        if block.get(at) == Some(&b'"') {
            at += 1;
        }
        if block
            .get(at..)
            .is_some_and(|rest| rest.starts_with(boundary))
        {
            ends.push(header.start + at + boundary.len());
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchored(raw: &[u8]) -> Anchored {
        let parser = MessageParser::new();
        let message = parser.parse(raw).unwrap();
        anchor(&parser, message, raw, Mend::All).0
    }

    /// Suffixes taken off in the reverse order of the rounds that added them; text the rounds
    /// did not write is left as it is.
    #[test]
    fn header_values_are_given_back_as_written() {
        let anchored = Anchored {
            lengthened: vec![
                (vec![b"N1".to_vec()], b"_probity_0".to_vec()),
                (vec![b"N1_probity_0".to_vec()], b"_probity_1".to_vec()),
            ],
            ..Anchored::default()
        };
        assert_eq!(
            anchored
                .as_written("multipart/mixed; boundary=\"N1_probity_0_probity_1\"")
                .as_deref(),
            Some("multipart/mixed; boundary=\"N1\"")
        );
        assert_eq!(
            anchored.as_written("a; boundary=N1_probity_0").as_deref(),
            Some("a; boundary=N1")
        );
        assert_eq!(anchored.as_written("text/plain; name=N1_probity_2"), None);
    }

    #[test]
    fn delimiter_lines_are_told_from_boundaries_within_text() {
        let others: [(&[u8], usize); 2] = [(b"B", 0), (b"B2", 0)];
        let at = |text: &[u8], index| occurrence(text, index, b"B", &others);
        assert_eq!(at(b"--B\nx", 0), Occurrence::Delimiter);
        assert_eq!(at(b"x\n--B  \r\nx", 2), Occurrence::Delimiter);
        assert_eq!(at(b"x\n--B--", 2), Occurrence::Delimiter);
        assert_eq!(at(b"x\n--B", 2), Occurrence::Delimiter);
        assert_eq!(at(b"x\n--B2\n", 2), Occurrence::Longer);
        assert_eq!(at(b"x\n--BEGIN\n", 2), Occurrence::Misplaced);
        assert_eq!(at(b"-----BEGIN\n", 3), Occurrence::Misplaced);
        assert_eq!(at(b"text --B y\n", 5), Occurrence::Misplaced);
        assert_eq!(
            at(b"text --B\nOFFICIAL-SENSITIVE\n", 5),
            Occurrence::Misplaced
        );
        // As careless mailers write them: a delimiter at the end of a line of text.
        assert_eq!(at(b"text--B\nContent-Type: x\n", 4), Occurrence::Delimiter);
        assert_eq!(at(b"text--B\n\nbody", 4), Occurrence::Delimiter);
        assert_eq!(at(b"text--B--\n", 4), Occurrence::Delimiter);
        // ... but not a last delimiter that more parts follow.
        assert_eq!(at(b"text--B--\nhidden\n--B\n", 4), Occurrence::Misplaced);
    }

    /// Binary bytes run on to a delimiter with no line break: the part ends there, whatever the
    /// next line holds. A line of text before it does not (`x--B` above), in any script.
    #[test]
    fn a_delimiter_after_binary_bytes_on_its_line_ends_the_part() {
        let others: [(&[u8], usize); 1] = [(b"B", 0)];
        let at = |text: &[u8], index| occurrence(text, index, b"B", &others);
        assert_eq!(at(b"\x00\x9c\x01--B\nno field\n", 3), Occurrence::Delimiter);
        assert_eq!(
            at(b"x\n\xff\xfe(--B  \r\nno field\n", 5),
            Occurrence::Delimiter
        );
        assert_eq!(at(b"\x01\x02--B--\nmore\n--B\n", 2), Occurrence::Delimiter);
        // Only where it ends as a delimiter does.
        assert_eq!(at(b"\x00\x01--B y\n", 2), Occurrence::Misplaced);
        // Binary bytes on an earlier line are not this line's.
        assert_eq!(
            at(b"\x00\x01\ntext --B\nno field\n", 8),
            Occurrence::Misplaced
        );
        let accented = "caf\u{e9} \u{65e5}\u{672c}--B\nno field\n".as_bytes();
        let index = accented.len() - "--B\nno field\n".len();
        assert_eq!(at(accented, index), Occurrence::Misplaced);
        // A long line is judged by its last bytes, a character cut at their start passed over.
        let mut long = "\u{e9}".repeat(200).into_bytes();
        long.extend_from_slice(b"--B\nno field\n");
        assert_eq!(at(&long, 400), Occurrence::Misplaced);
        let mut long = vec![0u8; 10];
        long.extend("\u{e9}".repeat(200).into_bytes());
        long.extend_from_slice(b"--B\nno field\n");
        assert_eq!(at(&long, 410), Occurrence::Misplaced);
    }

    #[test]
    fn a_message_split_only_at_delimiter_lines_is_left_as_it_is() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: multipart/alternative; boundary=b1x\n\n--b1x\n\ntext\n--b1x--\n--b1--\n";
        let found = anchored(raw);
        assert!(found.bytes.is_none());
        assert_eq!(found.misplaced, 0);
        assert!(found.unmended.is_none());
    }

    /// A longer boundary's delimiter lines within its own multipart are left alone; one outside
    /// it, in a part of the shorter boundary's multipart, is text, and only the shorter boundary
    /// is lengthened (the line is left as written).
    #[test]
    fn a_longer_boundarys_lines_are_mended_only_outside_its_multiparts() {
        let nested = "Content-Type: multipart/mixed; boundary=N1\n\n--N1\nContent-Type: multipart/alternative; boundary=N10\n\n--N10\n\ninner\n--N10--\n--N1\n\nouter\n";
        let found = anchored(format!("{nested}--N1--\n").as_bytes());
        assert!(found.bytes.is_none());
        let quoted = format!("{nested}--N10\nquoted\n--N1--\n");
        let found = anchored(quoted.as_bytes());
        assert_eq!(found.misplaced, 0);
        assert!(found.unmended.is_none());
        let bytes = String::from_utf8(found.bytes.unwrap()).unwrap();
        assert_eq!(bytes.matches("N1_probity_0").count(), 4, "{bytes}");
        assert!(bytes.contains("boundary=N10\n\n--N10\n\ninner\n--N10--\n"));
        assert!(bytes.contains("outer\n--N10\nquoted\n--N1_probity_0--\n"));
    }

    #[test]
    fn boundaries_within_lines_are_passed_over() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"=_\"\n\n--=_\nContent-Type: text/plain\n\nCheers --=_= ok\nNI AB123456C\n--=_--\n";
        let found = anchored(raw);
        assert_eq!(found.misplaced, 1);
        assert!(found.unmended.is_none());
        let bytes = found.bytes.unwrap();
        let message = MessageParser::new().parse(&bytes).unwrap();
        assert_eq!(
            message.body_text(0).unwrap().trim_end(),
            "Cheers --=_= ok\nNI AB123456C"
        );
    }

    /// A check of a message already mended stops at a boundary within a line, counting it, with
    /// nothing written again and the message handed back: its caller reads the message as it is,
    /// so a reading of it written again is work thrown away (seconds, for a message of thousands
    /// of multiparts: comms fuzzer s56).
    #[test]
    fn a_check_for_longer_boundaries_only_stops_at_a_boundary_within_a_line() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"=_\"\n\n--=_\nContent-Type: text/plain\n\nCheers --=_= ok\n--=_--\n";
        let parser = MessageParser::new();
        let message = parser.parse(&raw[..]).unwrap();
        let (found, unchanged) = anchor(&parser, message, raw, Mend::LongerOnly);
        assert_eq!(found.misplaced, 1);
        assert!(found.bytes.is_none());
        assert!(found.lengthened.is_empty());
        assert!(unchanged.is_some());
    }

    #[test]
    fn a_declaration_that_cannot_be_found_is_reported() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"a\\b\"\n\n--ab\nContent-Type: text/plain\n\nx --ab y\n--ab--\n";
        let found = anchored(raw);
        assert!(found.bytes.is_none());
        assert!(found.unmended.is_some());
    }
}

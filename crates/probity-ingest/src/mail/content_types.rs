//! A part whose header block declares its type more than once (`Content-Type: text/plain`, then
//! a garbled `Content-Type: applicauioo/msword`): which type it is read by.
//!
//! mail-parser takes the last field. Where the last is not a valid type of a registered
//! top-level type (`applicauioo/msword`, `p`) and an earlier one is, the part is read by the
//! latest earlier one that is: a garbled repeat says nothing of the content, and taking it let a
//! second field keep a text from being read. Where the type read by gives no text and another
//! field declares a text type, the part is read as text by that type too. Text read by a type
//! in doubt is read whole only where the bytes are text as a whole; otherwise line by line,
//! binary lines left out ([`attach::extract_contested_text`]), so that a second field cannot
//! have binary bytes read as text. Either way the attachment is noted with the types declared.
//!
//! A part whose fields are all multipart types is read by the parser as a multipart only where
//! the last field's boundary is found: where it is found nowhere (or the last has none), the
//! parser reads the part, parts and all, as one text, and a part inside it held in base64 reaches
//! the reader as base64 letters. Where an earlier field's boundary begins a delimiter line in the
//! part's body, the message is read again with the part read by the latest such field
//! ([`retype`]): the name of each `Content-Type` field after it has its last letter changed to a
//! mark (`Content-Typ0`), so that the parser passes it over as a field of no known name. Nothing
//! moves; the fields renamed are kept under `Content-Type` still ([`Retyped::is_renamed`]) and
//! text read with one in it is given back as written ([`Retyped::as_written`]). Only parts with
//! two `Content-Type` fields or more are looked at: the message's, and those of the messages
//! attached to it that the parser reads in place (sent as they are), as deep as attached messages
//! are read. One read from bytes of its own (decoded from base64 or quoted-printable, a file) is
//! read so when its text is read.

use mail_parser::{ContentType, Header, HeaderName, Message, MessageParser, MessagePart, PartType};

use crate::attach;

/// The types a part's `Content-Type` fields declare, where they disagree.
#[derive(Debug)]
pub(super) struct Contested<'p> {
    /// The type to read the part by, lower case, and the field declaring it.
    pub(super) read_by: (String, &'p ContentType<'p>),
    /// A text type another field declares (the latest such), to read the part by where the
    /// type read by gives no text.
    pub(super) text: Option<(String, &'p ContentType<'p>)>,
    /// The types declared, in order, for the note.
    declared: Vec<String>,
}

impl Contested<'_> {
    /// The note on an attachment read so (`by`: the type its text came from).
    pub(super) fn note(&self, by: &str) -> String {
        format!(
            "{NOTE} ({}; the mail parser takes the last): read as {by}",
            self.declared.join(", ")
        )
    }
}

/// The start of the note on a part read so ([`Contested::note`]).
pub(super) const NOTE: &str = "its Content-Type fields disagree";

/// The note on an attached message read from bytes of its own (decoded, or a file) with `parts`
/// parts read by an earlier multipart `Content-Type` field ([`retype`]).
pub(super) fn retyped_note(parts: usize) -> String {
    format!(
        "{NOTE} on a multipart's boundary: {parts} of its parts read by the latest field whose boundary is found (the mail parser takes the last)"
    )
}

/// The label on a message with such a part, at any depth.
pub(super) const LABEL: &str = "email.content_types_disagree";

/// How many `Content-Type` fields of one part are looked at: past this, the last ones are.
const MAX_FIELDS: usize = 32;

/// The types `part` declares where its `Content-Type` fields name more than one type; none
/// where they agree, or there is one or none.
pub(super) fn contested<'p>(part: &'p MessagePart<'_>) -> Option<Contested<'p>> {
    let fields: Vec<&ContentType<'_>> = part
        .headers
        .iter()
        .rev()
        .filter(|header| header.name == HeaderName::ContentType)
        .filter_map(|header| header.value.as_content_type())
        .take(MAX_FIELDS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let types: Vec<String> = fields.iter().map(|field| media_type(field)).collect();
    let (last, earlier) = types.split_last()?;
    if earlier.iter().all(|mime| mime == last) {
        return None;
    }
    let last_index = types.len() - 1;
    let read_by_index = if is_known(last) {
        last_index
    } else {
        // The latest earlier field of a known type, else the last as the parser has it.
        earlier
            .iter()
            .rposition(|mime| is_known(mime))
            .unwrap_or(last_index)
    };
    let text_index = types
        .iter()
        .enumerate()
        .rev()
        .find(|(index, mime)| *index != read_by_index && is_text(mime))
        .map(|(index, _)| index);
    let field = |index: usize| -> Option<(String, &'p ContentType<'p>)> {
        Some((types.get(index)?.clone(), *fields.get(index)?))
    };
    Some(Contested {
        read_by: field(read_by_index)?,
        text: text_index.and_then(field),
        declared: types,
    })
}

/// A message read again with parts of multipart types read by an earlier `Content-Type` field
/// whose boundary is found, where the last's is not ([`retype`]).
#[derive(Debug)]
pub(super) struct Retyped {
    /// The message with the fields after the one read by renamed.
    pub(super) bytes: Vec<u8>,
    /// The character written for a lower-case `e`, and the one for an upper-case `E`.
    marks: [u8; 2],
    /// How many parts are read by an earlier field.
    pub(super) parts: usize,
}

/// The name renamed, without its last letter.
const STEM: &[u8] = b"content-typ";

/// Most readings of the message [`retype`] makes: a part read so can hold another whose fields
/// disagree so, which only the next reading finds.
const MAX_ROUNDS: usize = 4;

impl Retyped {
    /// Whether `name` (a header field's name as read from the message rewritten) is that of a
    /// `Content-Type` field [`retype`] renamed. `content-typ` followed by a mark occurs nowhere in
    /// the message as written.
    pub(super) fn is_renamed(&self, name: &str) -> bool {
        let name: Vec<u8> = name
            .bytes()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect();
        name.len() == STEM.len() + 1
            && name[..STEM.len()].eq_ignore_ascii_case(STEM)
            && self.marks.contains(&name[STEM.len()])
    }

    /// `text` (read from the message rewritten) with the renamed fields' names as the message
    /// wrote them; none where there is nothing to give back.
    pub(super) fn as_written(&self, text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut restored: Option<Vec<u8>> = None;
        for start in stems(bytes) {
            let mark = start + STEM.len();
            let letter = match bytes.get(mark) {
                Some(&byte) if byte == self.marks[0] => b'e',
                Some(&byte) if byte == self.marks[1] => b'E',
                _ => continue,
            };
            if let Some(slot) = restored.get_or_insert_with(|| bytes.to_vec()).get_mut(mark) {
                *slot = letter;
            }
        }
        // Only ASCII bytes are swapped for ASCII bytes: the text is still UTF-8.
        restored.and_then(|bytes| String::from_utf8(bytes).ok())
    }
}

/// Where `content-typ` starts in `bytes`, in any case.
fn stems(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'c', b'C', bytes).filter(move |&at| {
        bytes
            .get(at..at + STEM.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(STEM))
    })
}

/// Two characters found after `content-typ` nowhere in `bytes` (in either case), to write for a
/// lower-case and an upper-case `e`.
fn free_marks(bytes: &[u8]) -> Option<[u8; 2]> {
    let mut used = [false; 256];
    for start in stems(bytes) {
        if let Some(&next) = bytes.get(start + STEM.len()) {
            used[usize::from(next.to_ascii_lowercase())] = true;
        }
    }
    // Characters a header field's name may hold that mail-parser keeps as they are.
    let mut free = (b'0'..=b'9')
        .chain(b'a'..=b'd')
        .chain(b'f'..=b'z')
        .filter(|&mark| !used[usize::from(mark)]);
    Some([free.next()?, free.next()?])
}

/// `message` (parsed from its raw bytes) read again where a part's `Content-Type` fields are all
/// multipart types, the parser did not read it as a multipart (the last's boundary is found
/// nowhere, or it has none) and an earlier field's boundary begins a delimiter line in the
/// part's body: the `Content-Type` fields after the latest such field are renamed, so that the
/// parser reads the part by that one. Again for the parts that brings to light, at most
/// [`MAX_ROUNDS`] readings in all. None where no part is so.
pub(super) fn retype(parser: &MessageParser, message: &Message<'_>) -> Option<Retyped> {
    let mut current: Option<Retyped> = None;
    for _ in 0..MAX_ROUNDS {
        let (parts, letters, first) = {
            let parsed;
            let reading = match current.as_ref() {
                None => message,
                Some(retyped) => match parser.parse(&retyped.bytes) {
                    Some(again) => {
                        parsed = again;
                        &parsed
                    }
                    None => break,
                },
            };
            let raw = reading.raw_message.as_ref();
            let mut parts = 0;
            let mut letters = Vec::new();
            collect_letters(reading, raw, 0, &mut parts, &mut letters);
            if letters.is_empty() {
                break;
            }
            // The first time, the message as parsed, and the marks it leaves free.
            let first = match current {
                Some(_) => None,
                None => Some(Retyped {
                    bytes: raw.to_vec(),
                    marks: free_marks(raw)?,
                    parts: 0,
                }),
            };
            (parts, letters, first)
        };
        let Some(mut next) = current.take().or(first) else {
            break;
        };
        for letter in letters {
            if let Some(byte) = next.bytes.get_mut(letter) {
                *byte = if byte.is_ascii_uppercase() {
                    next.marks[1]
                } else {
                    next.marks[0]
                };
            }
        }
        next.parts += parts;
        current = Some(next);
    }
    current
}

/// How deep [`collect_letters`] follows attached messages into attached messages: as deep as
/// the decoder reads them ([`super::message::MAX_ATTACHED_MESSAGE_DEPTH`]).
const MAX_DEPTH: usize = super::message::MAX_ATTACHED_MESSAGE_DEPTH;

/// Whether `message` was read from bytes of its own (an attached message decoded from base64 or
/// quoted-printable, a file, a message on its own), its first header field at their start; not
/// in place in the bytes of a message holding it (sent without a transfer encoding), where its
/// parts' offsets are into those bytes. mail-parser gives a message read in place inside a
/// decoded one a copy of the decoded bytes, so the pointer to them does not tell.
pub(super) fn read_from_own_bytes(message: &Message<'_>) -> bool {
    message
        .parts
        .first()
        .is_some_and(|root| root.offset_header == 0)
}

/// Adds to `letters` the letters [`letters_to_rename`] finds in the parts of `message` (`depth`
/// attached messages deep), and in those of the messages attached to it that mail-parser reads in
/// place, whose offsets are into `raw` too; counts in `parts` the parts they are in. An attached
/// message read from bytes of its own ([`read_from_own_bytes`]) is not in `raw`: it is read so
/// where its text is read ([`super::message`]'s `attached_message_text`).
fn collect_letters(
    message: &Message<'_>,
    raw: &[u8],
    depth: usize,
    parts: &mut usize,
    letters: &mut Vec<usize>,
) {
    for part in &message.parts {
        if let Some(found) = letters_to_rename(part, raw) {
            *parts += 1;
            letters.extend(found);
        }
        if let PartType::Message(attached) = &part.body
            && depth < MAX_DEPTH
            && !read_from_own_bytes(attached)
        {
            collect_letters(attached, raw, depth + 1, parts, letters);
        }
    }
}

/// Where `part` is read by the parser as no multipart though its `Content-Type` fields (the last
/// [`MAX_FIELDS`]) are all multipart types, and an earlier one's boundary begins a delimiter line
/// in its body: the last letter of the name of each field after the latest such one, in `raw`.
fn letters_to_rename(part: &MessagePart<'_>, raw: &[u8]) -> Option<Vec<usize>> {
    if matches!(part.body, PartType::Multipart(_) | PartType::Message(_)) {
        return None;
    }
    let mut fields: Vec<(&Header<'_>, &ContentType<'_>)> = part
        .headers
        .iter()
        .rev()
        .filter(|header| header.name == HeaderName::ContentType)
        .take(MAX_FIELDS)
        .map(|header| Some((header, header.value.as_content_type()?)))
        .collect::<Option<_>>()?;
    if fields.len() < 2
        || !fields
            .iter()
            .all(|(_, field)| field.ctype().eq_ignore_ascii_case("multipart"))
    {
        return None;
    }
    fields.reverse();
    let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
    let (_, earlier) = fields.split_last()?;
    let read_by = earlier.iter().rposition(|(_, field)| {
        field
            .attribute("boundary")
            .is_some_and(|boundary| !boundary.is_empty() && has_delimiter_line(body, boundary))
    })?;
    fields
        .get(read_by + 1..)?
        .iter()
        .map(|(header, _)| name_end(raw, header))
        .collect()
}

/// Whether a line of `body` is a delimiter line of `boundary` (`--` and the boundary, then `--`
/// or not, then nothing but white space).
fn has_delimiter_line(body: &[u8], boundary: &str) -> bool {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary.as_bytes());
    memchr::memmem::find_iter(body, &delimiter).any(|at| {
        let line_start = at == 0 || body.get(at - 1) == Some(&b'\n');
        let rest = body.get(at + delimiter.len()..).unwrap_or_default();
        let rest = rest.strip_prefix(b"--").unwrap_or(rest);
        line_start
            && rest
                .iter()
                .find(|byte| !matches!(byte, b' ' | b'\t'))
                .is_none_or(|&byte| byte == b'\r' || byte == b'\n')
    })
}

/// Where the last letter of `header`'s name is in `raw` (the `e` of `Content-Type`, white space
/// aside); none where it is not there.
fn name_end(raw: &[u8], header: &Header<'_>) -> Option<usize> {
    let field = header.offset_field as usize;
    let colon = (header.offset_start as usize).checked_sub(1)?;
    if raw.get(colon) != Some(&b':') {
        return None;
    }
    let at = field
        + raw
            .get(field..colon)?
            .iter()
            .rposition(|byte| !byte.is_ascii_whitespace())?;
    raw.get(at)
        .is_some_and(|letter| letter.eq_ignore_ascii_case(&b'e'))
        .then_some(at)
}

/// `text/plain`, lower case; the top-level type alone where there is no subtype.
fn media_type(field: &ContentType<'_>) -> String {
    match field.subtype() {
        Some(subtype) => format!("{}/{}", field.ctype(), subtype),
        None => field.ctype().to_owned(),
    }
    .to_ascii_lowercase()
}

/// A type with a subtype under a registered top-level type.
fn is_known(mime: &str) -> bool {
    match mime.split_once('/') {
        Some((top, subtype)) => !subtype.trim().is_empty() && attach::is_registered_top_level(top),
        None => false,
    }
}

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use mail_parser::MessageParser;

    use super::*;

    fn contested_of(raw: &str) -> Option<(String, Option<String>)> {
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        let part = message.parts.first().unwrap();
        contested(part).map(|c| (c.read_by.0, c.text.map(|(mime, _)| mime)))
    }

    #[test]
    fn a_garbled_last_type_gives_way_to_an_earlier_valid_one() {
        assert_eq!(
            contested_of(
                "Content-Type: text/plain\r\nContent-Type: applicauioo/msword\r\n\r\nbody\r\n"
            ),
            Some(("text/plain".to_owned(), None))
        );
        assert_eq!(
            contested_of("Content-Type: image/png\r\nContent-Type: p\r\n\r\nbody\r\n"),
            Some(("image/png".to_owned(), None))
        );
    }

    #[test]
    fn a_valid_last_type_is_read_by_with_an_earlier_text_type_kept() {
        assert_eq!(
            contested_of(
                "Content-Type: text/plain\r\nContent-Type: application/octet-stream\r\n\r\nbody\r\n"
            ),
            Some((
                "application/octet-stream".to_owned(),
                Some("text/plain".to_owned())
            ))
        );
    }

    #[test]
    fn only_a_delimiter_line_of_an_earlier_boundary_retypes_a_part() {
        assert!(has_delimiter_line(b"--jb\r\ntext\r\n", "jb"));
        assert!(has_delimiter_line(b"text\n--jb-- \n", "jb"));
        assert!(!has_delimiter_line(b"text --jb\n", "jb"));
        assert!(!has_delimiter_line(b"--jbx\n--jb-x\n", "jb"));
        let retyped = |raw: &str| {
            let parser = MessageParser::default();
            let message = parser.parse(raw.as_bytes()).unwrap();
            retype(&parser, &message).map(|retyped| {
                let text = String::from_utf8(retyped.bytes.clone()).unwrap();
                (retyped.as_written(&text).unwrap() == raw, retyped.parts)
            })
        };
        let head = "Content-Type: multipart/mixed; boundary=jb\r\nContent-type : multipart/mixed; boundary=Q\r\n\r\n";
        assert_eq!(
            retyped(&format!("{head}--jb\r\n\r\ntext\r\n--jb--\r\n")),
            Some((true, 1))
        );
        assert_eq!(retyped(&format!("{head}text --jb\r\n")), None);
        assert_eq!(
            retyped(
                "Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--jb\r\n"
            ),
            None
        );
    }

    #[test]
    fn agreeing_or_single_fields_are_not_contested() {
        assert_eq!(
            contested_of("Content-Type: text/plain\r\nContent-Type: TEXT/plain\r\n\r\nbody\r\n"),
            None
        );
        assert_eq!(
            contested_of("Content-Type: applicauioo/msword\r\n\r\nbody\r\n"),
            None
        );
    }
}

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

use mail_parser::{ContentType, HeaderName, MessagePart};

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

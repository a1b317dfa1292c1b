//! Communications with a protected party held inside another message: a letter from
//! occupational health that an officer forwards as an attached message, or inline below a
//! forwarding header block in the body or an attachment's text
//! ([`Exclusions::forwarded_exclusion`]: from the block to the end of that text). The message
//! around it is
//! not with the party, so it is scanned as any other; the protected message's own text (its
//! subject, body and attachments, everything below its headers) is sealed with the data
//! directory's seal key (reason `forwarded_protected_party`) and replaced by a placeholder before
//! anything reads the message, and the event is labelled [`FORWARDED_LABEL`] with the party's
//! class and reason, as the exclusion list gives them.
//!
//! It is sealed rather than dropped as an excluded message's content is: whoever forwarded it
//! wrote its headers too, and a header naming occupational health must not be a way to put abuse
//! out of reach for good. Sealed content is withheld from analysts until an authorised case
//! unseals it.
//!
//! The mail decoder lists the messages held in an event's attachments, with their headers and
//! where their text is, under [`ATTACHED_MESSAGES_KEY`] in `Event::original`; the stage takes that
//! record out before anything else reads the event, so it is never stored.

use probity_model::Event;
use probity_privacy::exclusions::{Exclusion, Exclusions};
use probity_privacy::sealing::{self, SEALED_KEY, SEALED_TAG, SealKey, SealReason, Sealed};
use serde_json::{Map, Value};

/// The `Event::original` key under which the mail decoder lists the messages held in the
/// event's attachments (`probity_ingest::mail::ATTACHED_MESSAGES_KEY`): each entry names the
/// attachment (`attachment`, its index), the byte range of the held message's text in that
/// attachment's text (`start`, `end`), how deep it was attached (`depth`) and its headers
/// (`headers`, `[name, value]` pairs as written).
pub const ATTACHED_MESSAGES_KEY: &str = "probity.attached_messages";

/// The label naming each text of a message that held a communication with a protected party,
/// how it was held (attached or forwarded inline), the party's class and reason and what of the
/// list matched; never the content.
pub const FORWARDED_LABEL: &str = "privacy.forwarded_protected";

/// Why held messages' texts are sealed.
const REASON: SealReason = SealReason::ForwardedProtectedParty;

/// A message held in an attachment's text, as the decoder listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    attachment: usize,
    /// The byte range of its text; none when the record did not give a usable one (the whole
    /// attachment's text is then taken for it).
    range: Option<(usize, usize)>,
    headers: Vec<(String, String)>,
}

/// Takes the decoder's record of held messages ([`ATTACHED_MESSAGES_KEY`]) out of `original`.
/// An entry that names an attachment but not a usable range stands for the whole attachment's
/// text; one that names no attachment is passed over (there is no text to withhold).
pub(crate) fn take_held(original: &mut Map<String, Value>) -> Vec<Held> {
    let Some(Value::Array(entries)) = original.remove(ATTACHED_MESSAGES_KEY) else {
        return Vec::new();
    };
    let index = |entry: &Value, key: &str| {
        entry
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    entries
        .iter()
        .filter_map(|entry| {
            let attachment = index(entry, "attachment")?;
            let range = index(entry, "start").zip(index(entry, "end"));
            let headers = entry
                .get("headers")
                .and_then(Value::as_array)
                .map(|pairs| {
                    pairs
                        .iter()
                        .filter_map(|pair| {
                            let name = pair.get(0)?.as_str()?;
                            let value = pair.get(1)?.as_str()?;
                            Some((name.to_owned(), value.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Held {
                attachment,
                range,
                headers,
            })
        })
        .collect()
}

/// Where a text of a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// `email.body`.
    Body,
    /// The text of `email.attachments[n]`.
    Attachment(usize),
}

/// How a protected communication was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// As an attached message.
    Attached,
    /// Below a forwarding header block in a text.
    Inline,
}

impl How {
    fn words(self) -> &'static str {
        match self {
            How::Attached => "an attached message",
            How::Inline => "a message forwarded in the text",
        }
    }
}

/// A part of a text that holds a communication with a protected party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Protected {
    place: Place,
    start: usize,
    end: usize,
    how: How,
    exclusion: Exclusion,
}

/// The parts of the event's texts that hold a communication with a protected party: the held
/// messages whose headers name one ([`Exclusions::matches_headers`]), and in the body and each
/// attachment's text, a message forwarded inline below a header block that names one, to the end
/// of the text ([`Exclusions::forwarded_exclusion`]); in text order, one part for a message
/// inside another that is itself protected (the outer one's covers it).
pub(crate) fn protected_parts(
    exclusions: &Exclusions,
    event: &Event,
    held: &[Held],
) -> Vec<Protected> {
    let Some(email) = event.email.as_ref() else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    for message in held {
        let Some(text) = email
            .attachments
            .get(message.attachment)
            .and_then(|attachment| attachment.text.as_deref())
        else {
            continue;
        };
        let headers = message
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let Some(exclusion) = exclusions.matches_headers(headers) else {
            continue;
        };
        // A range that is not one of the text's (a record not written by the decoder) stands
        // for the whole text: withholding too much is the safe side.
        let (start, end) = message
            .range
            .filter(|&(start, end)| start < end && text.get(start..end).is_some())
            .unwrap_or((0, text.len()));
        parts.push(Protected {
            place: Place::Attachment(message.attachment),
            start,
            end,
            how: How::Attached,
            exclusion,
        });
    }
    let texts = std::iter::once((Place::Body, email.body.as_deref())).chain(
        email
            .attachments
            .iter()
            .enumerate()
            .map(|(index, attachment)| (Place::Attachment(index), attachment.text.as_deref())),
    );
    for (place, text) in texts {
        let Some(text) = text else {
            continue;
        };
        if let Some((start, exclusion)) = exclusions.forwarded_exclusion(text) {
            parts.push(Protected {
                place,
                start,
                end: text.len(),
                how: How::Inline,
                exclusion,
            });
        }
    }
    merged(parts)
}

/// `parts` in text order, those that overlap one before them taken into it.
fn merged(mut parts: Vec<Protected>) -> Vec<Protected> {
    parts.sort_by_key(|part| (part.place, part.start));
    let mut out: Vec<Protected> = Vec::with_capacity(parts.len());
    for part in parts {
        match out.last_mut() {
            Some(last) if last.place == part.place && part.start < last.end => {
                last.end = last.end.max(part.end);
            }
            _ => out.push(part),
        }
    }
    out
}

/// Seals each protected part of the event's texts, leaving the placeholder in its place; the
/// ciphertexts join the event's sealed items, and the event is tagged `content-sealed`, its
/// `privacy.sealed` label gains `forwarded_protected_party`, and [`FORWARDED_LABEL`] says what
/// was withheld and why. On an error nothing is changed.
pub(crate) fn seal_parts(
    event: &mut Event,
    key: &SealKey,
    parts: &[Protected],
) -> probity_privacy::Result<()> {
    let placeholder = REASON.placeholder();
    let Some(email) = event.email.as_ref() else {
        return Ok(());
    };
    // Everything is sealed before anything changes, so that an error leaves the event whole.
    let mut sealed: Vec<(Sealed, String)> = Vec::with_capacity(parts.len());
    let mut counts: Vec<(Place, usize)> = Vec::new();
    for part in parts {
        let (text, field) = match part.place {
            Place::Body => (email.body.as_deref(), "email.body".to_owned()),
            Place::Attachment(index) => {
                let attachment = email.attachments.get(index);
                (
                    attachment.and_then(|a| a.text.as_deref()),
                    crate::attachment_field(attachment.and_then(|a| a.file.name.as_deref())),
                )
            }
        };
        let Some(held) = text.and_then(|text| text.get(part.start..part.end)) else {
            continue;
        };
        let number = match counts.iter_mut().find(|(place, _)| *place == part.place) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                counts.push((part.place, 1));
                1
            }
        };
        let item = format!("{field} (forwarded part {number})");
        let exclusion = &part.exclusion;
        // The list's class and reason only: what matched may be a name the message wrote.
        let note = format!(
            "{item}: {} with a protected party, {} ({}), sealed",
            part.how.words(),
            exclusion.class,
            exclusion.reason,
        );
        sealed.push((sealing::seal(key, REASON, &item, held)?, note));
    }
    if sealed.is_empty() {
        return Ok(());
    }
    let mut items = sealing::sealed_items(event);
    items.extend(sealed.iter().map(|(item, _)| item.clone()));
    let recorded = serde_json::to_value(&items)
        .map_err(|e| probity_privacy::Error::Seal(format!("cannot record: {e}")))?;
    let Some(email) = event.email.as_mut() else {
        return Ok(());
    };
    // From the end of each text back, so that the ranges still to be replaced stay where they
    // were.
    for part in parts.iter().rev() {
        let text = match part.place {
            Place::Body => email.body.as_mut(),
            Place::Attachment(index) => email
                .attachments
                .get_mut(index)
                .and_then(|attachment| attachment.text.as_mut()),
        };
        if let Some(text) = text
            && text.get(part.start..part.end).is_some()
        {
            text.replace_range(part.start..part.end, placeholder);
        }
    }
    event.original.insert(SEALED_KEY.to_owned(), recorded);
    crate::add_sealed_reason(event, REASON);
    crate::add_tag(event, SEALED_TAG);
    let notes: Vec<&str> = sealed.iter().map(|(_, note)| note.as_str()).collect();
    event
        .labels
        .insert(FORWARDED_LABEL.to_owned(), notes.join("; "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusion(class: &str) -> Exclusion {
        Exclusion {
            class: class.to_owned(),
            reason: "r".to_owned(),
            matched: "m".to_owned(),
            strip_subject: true,
        }
    }

    fn part(place: Place, start: usize, end: usize, class: &str) -> Protected {
        Protected {
            place,
            start,
            end,
            how: How::Attached,
            exclusion: exclusion(class),
        }
    }

    /// A protected message inside a protected message is one part, the outer one's; parts of
    /// different texts, or apart in one, stay apart.
    #[test]
    fn nested_parts_are_one() {
        let parts = merged(vec![
            part(Place::Attachment(1), 10, 20, "inner"),
            part(Place::Attachment(1), 5, 40, "outer"),
            part(Place::Attachment(1), 50, 60, "later"),
            part(Place::Attachment(0), 10, 20, "first attachment"),
            part(Place::Body, 0, 5, "body"),
        ]);
        let shown: Vec<(Place, usize, usize, &str)> = parts
            .iter()
            .map(|p| (p.place, p.start, p.end, p.exclusion.class.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (Place::Body, 0, 5, "body"),
                (Place::Attachment(0), 10, 20, "first attachment"),
                (Place::Attachment(1), 5, 40, "outer"),
                (Place::Attachment(1), 50, 60, "later"),
            ]
        );
    }

    /// A record not shaped as the decoder writes it gives what it can: an entry without a range
    /// stands for its whole attachment, one without an attachment is passed over, and the
    /// record is gone from `original` either way.
    #[test]
    fn the_record_is_taken_out_and_read_leniently() {
        let mut original: Map<String, Value> = serde_json::from_str(
            r#"{"From":"a@b","probity.attached_messages":[
                {"attachment":0,"start":3,"end":9,"depth":1,"headers":[["From","x@y"],["Subject","s"]]},
                {"attachment":2,"headers":[["To","z@y"],[1,2],"junk"]},
                {"start":0,"end":1,"headers":[["From","x@y"]]},
                "junk"]}"#,
        )
        .unwrap_or_default();
        let held = take_held(&mut original);
        assert!(!original.contains_key(ATTACHED_MESSAGES_KEY));
        assert!(original.contains_key("From"));
        assert_eq!(
            held,
            [
                Held {
                    attachment: 0,
                    range: Some((3, 9)),
                    headers: vec![
                        ("From".to_owned(), "x@y".to_owned()),
                        ("Subject".to_owned(), "s".to_owned())
                    ],
                },
                Held {
                    attachment: 2,
                    range: None,
                    headers: vec![("To".to_owned(), "z@y".to_owned())],
                },
            ]
        );
        let mut not_a_list: Map<String, Value> =
            serde_json::from_str(r#"{"probity.attached_messages":"x"}"#).unwrap_or_default();
        assert!(take_held(&mut not_a_list).is_empty());
        assert!(not_a_list.is_empty());
    }
}

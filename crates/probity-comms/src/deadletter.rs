//! Dead letters of messages. A message (mail, chat, device message) that could not be decoded
//! never reached the exclusions or the sealing cues, so its raw input is not kept in the clear:
//!
//! - where the parties can be read from it (mail headers, a chat record's sender and recipients,
//!   a device export row's address columns) and one is a protected party, the raw input is
//!   dropped and the dead letter keeps its metadata and reason, which says so
//!   ([`RawKept::Withheld`]);
//! - otherwise the raw input is sealed with the data directory's seal key, as medical and
//!   privileged content is ([`RawKept::Sealed`], reason [`SealReason::Undecoded`]); if sealing
//!   fails it is withheld rather than kept in the clear.
//!
//! Dead letters of other inputs (syslog, generic CSV and NDJSON, EVTX, the HTTP collectors) keep
//! their raw input as received.

use std::borrow::Cow;

use probity_model::{DeadLetter, Email, Event, EventId, Format, Identity, Provenance, RawKept};
use probity_privacy::exclusions::Exclusions;
use probity_privacy::sealing::{self, SealKey, SealReason, Sealed};
use serde_json::Value;

/// The field a dead letter's sealed raw input is bound to (the sealed item's `field`).
pub const DEAD_LETTER_FIELD: &str = "deadletter.raw";

/// Most bytes of a mail dead letter read for its header block.
const MAX_HEADER_BYTES: usize = 256 * 1024;
/// Deepest nesting of a chat record searched for its parties.
const MAX_DEPTH: usize = 16;

/// What was done with a dead letter's raw input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadLetterOutcome {
    /// Not a message, or nothing to keep: the raw input is kept as it was.
    Unchanged,
    /// With a protected party of this class: the raw input dropped.
    Excluded {
        /// The protected class.
        class: String,
    },
    /// The raw input sealed.
    Sealed,
    /// Sealing failed: the raw input dropped rather than kept in the clear.
    Withheld,
}

/// Whether dead letters of `format` may hold a message. An unknown format with raw input may be
/// one too.
pub fn may_hold_message(format: Option<Format>) -> bool {
    matches!(
        format,
        None | Some(Format::Eml | Format::Mbox | Format::Teams | Format::Chat | Format::Sms)
    )
}

/// Applies the rules in the module description to one dead letter before it is stored.
pub(crate) fn guard(
    exclusions: &Exclusions,
    key: &SealKey,
    letter: &mut DeadLetter,
) -> DeadLetterOutcome {
    if !letter.raw_kept.is_clear() || !may_hold_message(letter.format) || letter.raw.is_empty() {
        return DeadLetterOutcome::Unchanged;
    }
    if let Some(email) = parties(letter.format, &letter.raw) {
        let mut event = Event::new(
            letter.received,
            Provenance {
                id: EventId::derive(letter.format.unwrap_or(Format::Eml), b"", 0),
                source: letter.source.clone(),
                format: letter.format.unwrap_or(Format::Eml),
                ingested: letter.received,
                location: letter.location.clone(),
            },
        );
        event.email = Some(email);
        if let Some(exclusion) = exclusions.matches_event(&event) {
            withhold(
                letter,
                &format!(
                    "it is with a protected party ({}: {})",
                    exclusion.class, exclusion.matched
                ),
            );
            return DeadLetterOutcome::Excluded {
                class: exclusion.class,
            };
        }
    }
    let sealed = sealing::seal_bytes(key, SealReason::Undecoded, DEAD_LETTER_FIELD, &letter.raw)
        .and_then(|sealed| {
            serde_json::to_vec(&sealed)
                .map_err(|e| probity_privacy::Error::Seal(format!("cannot record: {e}")))
        });
    match sealed {
        Ok(bytes) => {
            letter.raw = bytes;
            letter.raw_kept = RawKept::Sealed;
            DeadLetterOutcome::Sealed
        }
        Err(error) => {
            withhold(letter, &format!("sealing it failed: {error}"));
            DeadLetterOutcome::Withheld
        }
    }
}

/// The sealed item a dead letter with [`RawKept::Sealed`] holds.
pub fn sealed_raw(letter: &DeadLetter) -> Option<Sealed> {
    if letter.raw_kept != RawKept::Sealed {
        return None;
    }
    serde_json::from_slice(&letter.raw).ok()
}

/// Drops the raw input and says why in the reason.
fn withhold(letter: &mut DeadLetter, why: &str) {
    letter.raw = Vec::new();
    letter.raw_kept = RawKept::Withheld;
    letter.reason = format!(
        "{}; the raw input is not kept: {why} (metadata and reason only)",
        letter.reason
    );
}

/// The parties (and subject) that can be read from a message's raw input, or `None`.
fn parties(format: Option<Format>, raw: &[u8]) -> Option<Email> {
    let mut email = Email::default();
    match format {
        Some(Format::Eml | Format::Mbox) => mail_parties(raw, &mut email),
        Some(Format::Sms) => row_parties(raw, &mut email),
        _ => {
            if !json_parties(raw, &mut email) {
                mail_parties(raw, &mut email);
            }
        }
    }
    let any = !email.from.is_empty()
        || !email.to.is_empty()
        || !email.display_names.is_empty()
        || email.subject.is_some();
    any.then_some(email)
}

/// The address headers and subject of a mail's header block.
fn mail_parties(raw: &[u8], email: &mut Email) {
    let head = &raw[..raw.len().min(MAX_HEADER_BYTES)];
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().peekable();
    // A mailbox's separator line.
    if lines.peek().is_some_and(|l| l.starts_with("From ")) {
        lines.next();
    }
    let mut headers: Vec<String> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
            continue;
        }
        headers.push(line.to_owned());
    }
    for header in &headers {
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        // The resent fields and the delivery headers name parties too, as they do for a
        // decoded message (`probity_privacy::exclusions::PARTY_HEADERS`).
        let target = match name.trim().to_ascii_lowercase().as_str() {
            "from" | "sender" | "resent-from" | "resent-sender" => &mut email.from,
            "to" | "reply-to" | "delivered-to" | "x-original-to" | "envelope-to" | "resent-to" => {
                &mut email.to
            }
            "cc" | "resent-cc" => &mut email.cc,
            "bcc" | "resent-bcc" => &mut email.bcc,
            "subject" => {
                email.subject = Some(value.to_owned());
                continue;
            }
            _ => continue,
        };
        target.extend(
            address_list(value)
                .into_iter()
                .map(|entry| Identity::new(entry.into_owned())),
        );
    }
}

/// The entries of an address header, split at commas outside quotes and angle brackets.
fn address_list(value: &str) -> Vec<Cow<'_, str>> {
    let mut entries = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (at, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                entries.push(&value[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    entries.push(&value[start..]);
    entries
        .into_iter()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            // A group's name (`Team: a@x, b@y;`) stands before its members.
            match entry.split_once(':') {
                Some((_, rest)) if !entry.contains('<') || entry.find(':') < entry.find('<') => {
                    Cow::Owned(rest.trim().to_owned())
                }
                _ => Cow::Borrowed(entry),
            }
        })
        .collect()
}

/// The parties of a chat record (Probity chat or a Teams message): every address-like string,
/// and every name, outside the content keys.
fn json_parties(raw: &[u8], email: &mut Email) -> bool {
    let Ok(value) = serde_json::from_slice::<Value>(raw) else {
        return false;
    };
    walk(&value, None, 0, email);
    true
}

fn walk(value: &Value, key: Option<&str>, depth: usize, email: &mut Email) {
    if depth > MAX_DEPTH {
        return;
    }
    let key_lower = key.map(str::to_ascii_lowercase);
    let key_lower = key_lower.as_deref();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let lower = k.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "text" | "body" | "content" | "html" | "message" | "preview" | "snippet"
                ) {
                    continue;
                }
                walk(v, Some(k), depth + 1, email);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, key, depth + 1, email);
            }
        }
        Value::String(text) => match key_lower {
            Some("name" | "displayname" | "sender_name" | "from_name" | "to_name") => {
                email.display_names.push(Identity::new(text.clone()));
            }
            Some("subject" | "topic" | "chattopic" | "conversation_name") => {
                email.subject = Some(text.clone());
            }
            _ if looks_like_address(text) => email.to.push(Identity::new(text.clone())),
            _ => {}
        },
        _ => {}
    }
}

/// The address-like fields of a device export row (the header row is not kept with it).
fn row_parties(raw: &[u8], email: &mut Email) {
    let text = String::from_utf8_lossy(raw);
    for field in csv_fields(&text) {
        let field = field.trim();
        if looks_like_address(field) {
            email.to.push(Identity::new(field.to_owned()));
        } else {
            // Several recipients in one column.
            for part in field.split([';', ',']) {
                let part = part.trim();
                if looks_like_address(part) {
                    email.to.push(Identity::new(part.to_owned()));
                }
            }
        }
    }
}

/// The fields of one CSV row (double quotes, `""` inside them).
fn csv_fields(row: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// An email address (no spaces, an `@` with text either side) or a phone number.
fn looks_like_address(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.len() > 320 || text.chars().any(char::is_whitespace) {
        return probity_privacy::text::is_phone_number(text);
    }
    if let Some((local, domain)) = text.rsplit_once('@') {
        return !local.is_empty() && !domain.is_empty();
    }
    probity_privacy::text::is_phone_number(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_headers_split_outside_quotes() {
        let entries = address_list("\"Health, Occupational\" <oh@x.uk>, Pat <p@y.uk>; q@z.uk");
        assert_eq!(
            entries,
            vec![
                "\"Health, Occupational\" <oh@x.uk>",
                "Pat <p@y.uk>",
                "q@z.uk"
            ]
        );
    }

    /// Every header whose addresses are a decoded message's parties is read as one in a dead
    /// letter's header block too.
    #[test]
    fn every_party_header_is_read_as_a_party() {
        for header in probity_privacy::exclusions::PARTY_HEADERS {
            let raw = format!("From: a@force.uk\r\n{header}: \"Pat\" <p@y.uk>\r\n\r\nbody");
            let email = parties(Some(Format::Eml), raw.as_bytes()).unwrap();
            let all: Vec<&str> = [&email.from, &email.to, &email.cc, &email.bcc]
                .into_iter()
                .flatten()
                .map(Identity::as_str)
                .collect();
            assert!(all.contains(&"\"Pat\" <p@y.uk>"), "{header}: {all:?}");
        }
    }

    #[test]
    fn a_row_yields_its_addresses_not_its_text() {
        let mut email = Email::default();
        row_parties(
            b"05/05/2024 10:00,Outgoing,a@force.uk,+44 7700 900123,\"diagnosed, my GP 0113 496 0000 x\"",
            &mut email,
        );
        let found: Vec<&str> = email.to.iter().map(Identity::as_str).collect();
        assert_eq!(found, vec!["a@force.uk", "+44 7700 900123"]);
    }
}

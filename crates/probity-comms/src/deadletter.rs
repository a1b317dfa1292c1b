//! Dead letters: input that could not be decoded never reached the exclusions or the sealing
//! cues, so its raw input is checked here before it is stored.
//!
//! A message (mail, chat, device message) is never kept in the clear:
//!
//! - where the parties can be read from it (mail headers, a chat record's sender and recipients,
//!   a device export row's address columns) and one is a protected party, the raw input is
//!   dropped and the dead letter keeps its metadata and reason, which says so
//!   ([`RawKept::Withheld`]);
//! - otherwise the raw input is sealed with the data directory's seal key, as medical and
//!   privileged content is ([`RawKept::Sealed`], reason [`SealReason::Undecoded`]); if sealing
//!   fails it is withheld rather than kept in the clear.
//!
//! Any other input (syslog, generic CSV and NDJSON, EVTX, the HTTP collectors) may hold a
//! message too: an email sent over HTTP as a JSON line that does not parse is as private as a
//! mail that does not. Most of it is logs, kept as received so that the sender can be told what
//! failed; its raw input is
//!
//! - dropped where it mentions a protected party (an address, domain, display name or subject
//!   keyword of the exclusion list, [`PartyMentions`]), the reason saying so;
//! - sealed where it carries medical or legal-privilege cues (the stage's [`SealCues`], with
//!   their reason), or where it is not text (a NUL byte, or gzip that did not inflate), so that
//!   neither can be read;
//! - kept as received otherwise.
//!
//! The cost for an ordinary dead letter is three passes over its raw input: the list's
//! addresses and domains, its names and keywords, and the sealing cues' word filter.

use std::borrow::Cow;

use probity_model::{DeadLetter, Email, Event, EventId, Format, Identity, Provenance, RawKept};
use probity_privacy::exclusions::Exclusions;
use probity_privacy::mentions::PartyMentions;
use probity_privacy::sealing::{self, SealCues, SealKey, SealReason, Sealed};
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

/// What a dead letter is checked with: the communications stage's policies.
pub(crate) struct Guard<'s> {
    pub(crate) exclusions: &'s Exclusions,
    pub(crate) mentions: &'s PartyMentions,
    pub(crate) cues: &'s SealCues,
    pub(crate) key: &'s SealKey,
}

/// Applies the rules in the module description to one dead letter before it is stored.
pub(crate) fn guard(policies: &Guard<'_>, letter: &mut DeadLetter) -> DeadLetterOutcome {
    if !letter.raw_kept.is_clear() || letter.raw.is_empty() {
        return DeadLetterOutcome::Unchanged;
    }
    if !may_hold_message(letter.format) {
        return screen(policies, letter);
    }
    let (exclusions, key) = (policies.exclusions, policies.key);
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
    seal(key, SealReason::Undecoded, letter)
}

/// The raw input of a dead letter that is not a message: dropped where it mentions a protected
/// party, sealed where it carries sealing cues or is not text, kept otherwise.
fn screen(policies: &Guard<'_>, letter: &mut DeadLetter) -> DeadLetterOutcome {
    if !is_text(&letter.raw) {
        let outcome = seal(policies.key, SealReason::Undecoded, letter);
        if outcome == DeadLetterOutcome::Sealed {
            note(
                letter,
                "the raw input is sealed: it is not text, so it could not be checked for \
                 protected parties or medical and privileged content",
            );
        }
        return outcome;
    }
    let text = String::from_utf8_lossy(&letter.raw);
    if let Some(mention) = policies.mentions.find(&text) {
        withhold(
            letter,
            &format!(
                "it mentions a protected party ({}: {})",
                mention.class, mention.matched
            ),
        );
        return DeadLetterOutcome::Excluded {
            class: mention.class,
        };
    }
    let Some(detection) = policies.cues.detect(&text) else {
        return DeadLetterOutcome::Unchanged;
    };
    let outcome = seal(policies.key, detection.reason, letter);
    if outcome == DeadLetterOutcome::Sealed {
        let what = match detection.reason {
            SealReason::LegalPrivilege => "legally privileged",
            SealReason::Medical | SealReason::Undecoded => "medical",
            // The cues never give this reason; named for completeness.
            SealReason::ProtectedPartyName | SealReason::ForwardedProtectedParty => {
                "a protected party's"
            }
        };
        note(
            letter,
            &format!("the raw input is sealed: it may hold {what} content"),
        );
    }
    outcome
}

/// Whether raw input can be read as text: no NUL byte (binary, or UTF-16) and not gzip.
fn is_text(raw: &[u8]) -> bool {
    !raw.starts_with(&[0x1f, 0x8b]) && !raw.contains(&0)
}

/// Seals a dead letter's raw input for `reason`; withholds it if sealing fails.
fn seal(key: &SealKey, reason: SealReason, letter: &mut DeadLetter) -> DeadLetterOutcome {
    let sealed =
        sealing::seal_bytes(key, reason, DEAD_LETTER_FIELD, &letter.raw).and_then(|sealed| {
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

/// Adds a note to a dead letter's reason.
fn note(letter: &mut DeadLetter, what: &str) {
    letter.reason = format!("{}; {what}", letter.reason);
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
            "to" | "reply-to" | "delivered-to" | "x-delivered-to" | "x-original-to"
            | "envelope-to" | "resent-to" => &mut email.to,
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

    /// The shipped exclusion list, the stage's cues and a throwaway key, and a dead letter of
    /// `format` holding `raw`.
    fn screened(format: Format, raw: &[u8]) -> (DeadLetterOutcome, DeadLetter, SealKey) {
        let exclusions = Exclusions::defaults().unwrap();
        let mentions = PartyMentions::new(exclusions.parties()).unwrap();
        let cues = SealCues::new().unwrap();
        let key = SealKey::generate().unwrap();
        let policies = Guard {
            exclusions: &exclusions,
            mentions: &mentions,
            cues: &cues,
            key: &key,
        };
        let mut letter = DeadLetter::new(
            probity_model::Timestamp::default(),
            "http:ing",
            Some(format),
            "invalid JSON: EOF while parsing an object",
            Some("line 2".into()),
            raw,
        );
        let outcome = guard(&policies, &mut letter);
        (outcome, letter, key)
    }

    #[test]
    fn a_line_sent_over_http_to_a_protected_party_is_not_kept() {
        let raw = br#"{"email":{"to":{"address":["occupational.health@force.police.uk"]},"subject":"ZQ broken","body":"ZQ I have been diagnosed with depression""#;
        for format in [
            Format::Ndjson,
            Format::HecEvent,
            Format::EsBulk,
            Format::Syslog,
        ] {
            let (outcome, letter, _) = screened(format, raw);
            assert_eq!(
                outcome,
                DeadLetterOutcome::Excluded {
                    class: "occupational_health".into()
                }
            );
            assert_eq!(letter.raw_kept, RawKept::Withheld);
            assert!(letter.raw.is_empty());
            assert_eq!(letter.raw_len, raw.len() as u64);
            assert!(
                letter.reason.starts_with("invalid JSON"),
                "{}",
                letter.reason
            );
            assert!(
                letter
                    .reason
                    .contains("mentions a protected party (occupational_health: address"),
                "{}",
                letter.reason
            );
        }
    }

    #[test]
    fn a_line_with_medical_or_privileged_cues_is_sealed_for_its_reason() {
        for (raw, reason) in [
            (
                &br#"{"email":{"to":{"address":["bob@force.police.uk"]},"body":"I was diagnosed with depression"#[..],
                SealReason::Medical,
            ),
            (
                b"<13>May  6 10:00:00 mail app: without prejudice, as our solicitor wrote",
                SealReason::LegalPrivilege,
            ),
        ] {
            let (outcome, letter, key) = screened(Format::Ndjson, raw);
            assert_eq!(outcome, DeadLetterOutcome::Sealed);
            assert_eq!(letter.raw_kept, RawKept::Sealed);
            let sealed = sealed_raw(&letter).unwrap();
            assert_eq!(sealed.reason, reason);
            assert_eq!(sealing::unseal_bytes(&key, &sealed).unwrap(), raw);
            assert!(letter.reason.contains("the raw input is sealed"), "{}", letter.reason);
        }
    }

    #[test]
    fn input_that_is_not_text_is_sealed() {
        for raw in [&b"\x1f\x8b\x08\0compressed"[..], b"E\0l\0f\0F\0i\0l\0e\0"] {
            let (outcome, letter, _) = screened(Format::Evtx, raw);
            assert_eq!(outcome, DeadLetterOutcome::Sealed);
            assert!(letter.reason.contains("not text"), "{}", letter.reason);
        }
    }

    #[test]
    fn an_ordinary_log_line_is_kept_as_received() {
        let raw =
            b"{\"@timestamp\":\"2026-05-06T10:00:00Z\",\"user\":\"jsmith\",\"action\":\"view\"";
        let (outcome, letter, _) = screened(Format::Ndjson, raw);
        assert_eq!(outcome, DeadLetterOutcome::Unchanged);
        assert_eq!(letter.raw_kept, RawKept::Clear);
        assert_eq!(letter.raw, raw);
        assert_eq!(letter.reason, "invalid JSON: EOF while parsing an object");
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

//! A message matched to a protected party by a display name alone.
//!
//! A display name is written by the sender (and a device contact's name by the device's owner),
//! so a name alone is not proof that the message is with the party: an officer could write
//! `"Occupational Health" <someone@gmail.com>` to have a leak destroyed unread. Where every
//! address written beside a matching name is outside the force and not on the exclusion list
//! (personal webmail, an unknown external domain, a phone number), the stage seals the message
//! rather than excluding it (kept encrypted, withheld from analysts until an authorised case
//! unseals it) and raises a low-severity, metadata-only alert naming the list entry and the class
//! of the address, so that the professional-standards unit can seek authority where they suspect
//! evasion and the force can add a genuine provider's address to the list. A name beside one of
//! the force's own addresses or a listed one still excludes the message.

use probity_model::{
    Alert, AlertId, AlertRule, Email, Event, EventRef, Identity, Level, MatchedField, Timestamp,
};
use probity_privacy::exclusions::{Exclusion, Exclusions, PARTY_HEADERS};
use probity_privacy::recipients::{RecipientClass, Recipients, StaffPersonalAddresses};
use probity_privacy::text;
use serde_json::Value;

/// The label a message sealed for a protected party's name carries: the class and list entry.
pub const NAMED_LABEL: &str = "privacy.protected_name";
/// The id (under the stage's rule kind) of the alert raised for one.
pub const NAMED_RULE_ID: &str = "exclusions/protected_name_unlisted_address";

/// The address headers whose entries pair a display name with an address, as the mail decoder
/// keeps them in `Event::original`.
const NAME_HEADERS: [&str; 6] = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc"];

/// A protected party's name written beside addresses outside the force and not on the list.
#[derive(Debug, Clone, PartialEq)]
pub struct NameOnly {
    /// What matched, naming the list entry (`display name occupational health`).
    pub entry: String,
    /// The protected class of the entry.
    pub class: String,
    /// The class of each address written beside the name, in plain words, each once.
    pub address_classes: Vec<String>,
}

/// Whether `exclusion` rests on a display name alone written beside addresses that are neither
/// the force's own nor listed; `None` where the message is to be excluded as before.
pub fn name_only(
    exclusions: &Exclusions,
    recipients: &Recipients,
    staff: &StaffPersonalAddresses,
    event: &Event,
    exclusion: &Exclusion,
) -> Option<NameOnly> {
    if !exclusion.matched.starts_with("display name ") {
        return None;
    }
    let email = event.email.as_ref()?;
    // Another party may match by an address, a domain or a subject keyword: the message is
    // excluded as before.
    if exclusions.matches_event(&without_names(event)).is_some() {
        return None;
    }
    let names_a_party = |name: &str| {
        let mut probe = Event::new(event.timestamp, event.provenance.clone());
        probe.email = Some(Email {
            display_names: vec![Identity::from(name)],
            ..Email::default()
        });
        exclusions.matches_event(&probe).is_some()
    };
    let mut beside: Vec<String> = Vec::new();
    let paired = named_entries(event);
    for (name, address) in &paired {
        if names_a_party(name) {
            beside.push(address.clone());
        }
    }
    // A name with no address of its own beside it (a chat sender's, a device contact's) is
    // beside the sender's address or the recipients'.
    if let Some(name) = event.user.as_ref().and_then(|u| u.full_name.as_ref())
        && !paired.iter().any(|(n, _)| n == name.as_str())
        && names_a_party(name.as_str())
    {
        beside.extend(email.from.iter().map(|a| text::bare_address(a.as_str())));
    }
    for name in &email.display_names {
        if !paired.iter().any(|(n, _)| n == name.as_str()) && names_a_party(name.as_str()) {
            let recipients = email.to.iter().chain(&email.cc).chain(&email.bcc);
            beside.extend(recipients.map(|a| text::bare_address(a.as_str())));
        }
    }
    if beside.is_empty() {
        return None;
    }
    let sender = email.from.first().map(Identity::as_str);
    let mut address_classes: Vec<String> = Vec::new();
    for address in &beside {
        let listed = exclusions
            .matches(&Email {
                to: vec![Identity::from(address.as_str())],
                ..Email::default()
            })
            .is_some();
        if listed || recipients.is_internal(address) {
            return None;
        }
        let class = address_class(recipients.classify(sender, address, staff), address);
        if !address_classes.contains(&class) {
            address_classes.push(class);
        }
    }
    Some(NameOnly {
        entry: exclusion.matched.clone(),
        class: exclusion.class.clone(),
        address_classes,
    })
}

/// The low-severity, metadata-only alert for a message sealed for a protected party's name.
pub fn alert(
    event: &Event,
    found: &NameOnly,
    kind: &str,
    user: Option<Identity>,
    now: Timestamp,
) -> Alert {
    let explanation = format!(
        "A protected party's name (exclusion list entry: {entry}, class {class}) was written beside \
         an address that is not on the list and is outside the force ({classes}). A display name \
         is chosen by the sender, so the message was sealed rather than excluded: its content is \
         withheld until an authorised case unseals it. Seek authority if evasion is suspected; add \
         the address to the exclusion list if it is the provider's own.",
        entry = found.entry,
        class = found.class,
        classes = found.address_classes.join(", "),
    );
    let matched = vec![MatchedField {
        field: "exclusions.entry".to_owned(),
        value: found.entry.clone(),
    }];
    let rule = exclusion_rule(
        kind,
        NAMED_RULE_ID,
        "Protected party's name beside an address not on the exclusion list",
    );
    metadata_alert(event, rule, explanation, matched, user, now)
}

/// The rule of one of the exclusion list's own alerts (`id` under the stage's `kind`).
pub(crate) fn exclusion_rule(kind: &str, id: &str, title: &str) -> AlertRule {
    AlertRule {
        kind: kind.to_owned(),
        id: id.to_owned(),
        title: title.to_owned(),
        tags: vec!["policy.exclusions".to_owned()],
    }
}

/// A low-severity alert on one message that rests on its metadata alone (the exclusion list's
/// alerts: nothing of the content is read for them).
pub(crate) fn metadata_alert(
    event: &Event,
    rule: AlertRule,
    explanation: String,
    matched: Vec<MatchedField>,
    user: Option<Identity>,
    now: Timestamp,
) -> Alert {
    let events = vec![EventRef {
        id: event.provenance.id,
        timestamp: event.timestamp,
    }];
    Alert {
        id: AlertId::derive(&rule, &events),
        created: now,
        rule,
        level: Level::Low,
        explanation,
        matched,
        events,
        user,
        host: None,
    }
}

/// The plain words for the class of an address outside the force.
fn address_class(class: RecipientClass, address: &str) -> String {
    if text::domain_of(address).is_none() {
        // A device export names a contact by number, or (a WhatsApp export) by its name alone;
        // a Teams chat's member may be known by an account id and a name alone.
        return if text::is_phone_number(address) {
            "a phone number"
        } else {
            "no address: a device contact's or chat member's name or account id only"
        }
        .to_owned();
    }
    class.label().to_owned()
}

/// Each `Name <address>` entry of the address headers the decoder kept, as (name, bare address).
fn named_entries(event: &Event) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (key, value) in &event.original {
        if !NAME_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(key)) {
            continue;
        }
        for value in strings(value) {
            for entry in text::address_entries(value) {
                if let Some(open) = entry.find('<') {
                    let name = entry[..open].trim().trim_matches('"').trim();
                    if !name.is_empty() {
                        pairs.push((name.to_owned(), text::bare_address(entry)));
                    }
                }
            }
        }
    }
    pairs
}

/// The event with every display name taken out: the sender's name, the names beside the
/// correspondents, and the resent and delivery headers reduced to their addresses.
fn without_names(event: &Event) -> Event {
    let mut bare = Event::new(event.timestamp, event.provenance.clone());
    bare.original = event.original.clone();
    let mut moved = Vec::new();
    bare.original.retain(|key, value| {
        let party = PARTY_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(key));
        if party {
            moved.extend(
                strings(value)
                    .flat_map(text::address_entries)
                    .map(|entry| Identity::from(text::bare_address(entry))),
            );
        }
        !party
    });
    if let Some(email) = event.email.as_ref() {
        let plain = |list: &[Identity]| -> Vec<Identity> {
            list.iter()
                .map(|a| Identity::from(text::bare_address(a.as_str())))
                .collect()
        };
        let mut bcc = plain(&email.bcc);
        bcc.extend(moved);
        bare.email = Some(Email {
            from: plain(&email.from),
            to: plain(&email.to),
            cc: plain(&email.cc),
            bcc,
            subject: email.subject.clone(),
            ..Email::default()
        });
    }
    bare
}

/// The strings of a kept header: one, or each of a repeated header's.
fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let (one, many) = match value {
        Value::String(s) => (Some(s.as_str()), None),
        Value::Array(items) => (None, Some(items.iter().filter_map(Value::as_str))),
        _ => (None, None),
    };
    one.into_iter().chain(many.into_iter().flatten())
}

//! A message excluded for a protected party that a member of staff also sent outside the force.
//!
//! Putting a protected party on a message takes its content out of sight: an officer who copies
//! occupational health, a solicitor or the staff association into a message to a personal
//! webmail account or a journalist keeps what it carries (a marked document, a list of victims'
//! details) from ever being read. The exclusion must still hold (the message may be exactly what
//! it looks like: an officer keeping their own copy of their own occupational-health letter), but
//! the fact is metadata: who sent it, the classes of its recipients, how many attachments and how
//! large. Where the sender is at one of the force's own domains and a recipient who is not a
//! protected party is a personal webmail address, the sender's own personal address, or press or
//! media, the stage raises a low-severity, metadata-only alert saying so. Nothing of the content
//! is read for it, and the message is excluded as before.

use probity_model::{Alert, Email, Event, Identity, MatchedField, Timestamp};

use crate::named;
use probity_privacy::exclusions::{Exclusion, Exclusions};
use probity_privacy::recipients::{RecipientClass, Recipients, StaffPersonalAddresses};
use probity_privacy::text;

/// The id (under the stage's rule kind) of the alert raised for one.
pub const OUTSIDE_RULE_ID: &str = "exclusions/excluded_message_sent_outside";

/// The recipient classes a copy to which is worth a look: places a disclosure goes.
const OUTSIDE_CLASSES: [RecipientClass; 3] = [
    RecipientClass::PersonalWebmail,
    RecipientClass::OwnPersonal,
    RecipientClass::Press,
];

/// An excluded message sent by a member of staff to recipients outside the force.
#[derive(Debug, Clone, PartialEq)]
pub struct SentOutside {
    /// What matched on the exclusion list (the list's own entry, never the message's text).
    pub entry: String,
    /// The protected class of the entry.
    pub class: String,
    /// How many recipients of each outside class (personal webmail, own personal, press; those
    /// with none left out).
    pub recipients: Vec<(RecipientClass, usize)>,
    /// How many attachments the message has.
    pub attachments: usize,
    /// Their declared sizes added up, in bytes.
    pub attachment_bytes: u64,
}

/// Whether the excluded `event` was sent from one of the force's addresses to recipients who
/// are not protected parties and are personal webmail, the sender's own personal address or
/// press; `None` otherwise. Reads only the event's addresses and its attachments' sizes.
pub fn sent_outside(
    exclusions: &Exclusions,
    recipients: &Recipients,
    staff: &StaffPersonalAddresses,
    event: &Event,
    exclusion: &Exclusion,
) -> Option<SentOutside> {
    let email = event.email.as_ref()?;
    let sender = email
        .from
        .first()
        .map(|from| text::bare_address(from.as_str()))?;
    if !recipients.is_internal(&sender) {
        return None;
    }
    let mut counts = [0usize; OUTSIDE_CLASSES.len()];
    let mut seen: Vec<String> = Vec::new();
    for recipient in email.to.iter().chain(&email.cc).chain(&email.bcc) {
        let address = text::bare_address(recipient.as_str());
        if address.is_empty() || seen.contains(&address) {
            continue;
        }
        let class = recipients.classify(Some(&sender), &address, staff);
        let Some(slot) = OUTSIDE_CLASSES.iter().position(|c| *c == class) else {
            seen.push(address);
            continue;
        };
        // A protected party at a webmail address (a welfare charity's gmail account) is the
        // party, not a copy sent outside.
        let listed = exclusions
            .matches(&Email {
                to: vec![Identity::from(address.as_str())],
                ..Email::default()
            })
            .is_some();
        if !listed {
            counts[slot] += 1;
        }
        seen.push(address);
    }
    if counts.iter().all(|&count| count == 0) {
        return None;
    }
    Some(SentOutside {
        entry: exclusion.matched.clone(),
        class: exclusion.class.clone(),
        recipients: OUTSIDE_CLASSES
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(class, count)| (*class, count))
            .collect(),
        attachments: email.attachments.len(),
        attachment_bytes: email
            .attachments
            .iter()
            .filter_map(|attachment| attachment.file.size)
            .fold(0u64, u64::saturating_add),
    })
}

/// The low-severity, metadata-only alert for an excluded message sent outside the force.
pub fn alert(
    event: &Event,
    found: &SentOutside,
    kind: &str,
    user: Option<Identity>,
    now: Timestamp,
) -> Alert {
    let classes: Vec<String> = found
        .recipients
        .iter()
        .map(|(class, count)| format!("{count} {}", class.label()))
        .collect();
    let attachments = match found.attachments {
        0 => "no attachments".to_owned(),
        1 => format!("1 attachment of {} bytes", found.attachment_bytes),
        n => format!("{n} attachments of {} bytes in all", found.attachment_bytes),
    };
    let explanation = format!(
        "A member of staff sent a message that has a protected party on it (exclusion list entry: \
         {entry}, class {class}) to recipients outside the force who are not on the list ({classes}); \
         it had {attachments}. Its content was excluded, neither stored nor inspected, as the \
         list requires; this alert rests on its addresses alone. A protected party copied into a \
         message sent to a personal or press address keeps its content from being read, so the \
         pattern is worth a look where it recurs or comes with other signs.",
        entry = found.entry,
        class = found.class,
        classes = classes.join(", "),
    );
    let mut matched = vec![MatchedField {
        field: "exclusions.entry".to_owned(),
        value: found.entry.clone(),
    }];
    matched.extend(found.recipients.iter().map(|(class, count)| MatchedField {
        field: format!("recipients.{}", class.name()),
        value: count.to_string(),
    }));
    let rule = named::exclusion_rule(
        kind,
        OUTSIDE_RULE_ID,
        "Message with a protected party also sent outside the force",
    );
    named::metadata_alert(event, rule, explanation, matched, user, now)
}

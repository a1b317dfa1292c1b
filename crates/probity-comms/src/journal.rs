//! Journal reports from where the force's journal reports come from, and from anywhere else.
//!
//! The mail decoder unwraps an Exchange journal report to the message it journals and adds the
//! recipients only the report's envelope names (Bcc ones, list members) to the message's
//! `email.bcc`, where the report's own `From` is a mail system's address. It lists what it
//! added, with the addresses the outermost report was sent from, under [`ENVELOPE_ONLY_KEY`] in
//! `Event::original`. Anyone can write a mail system's address into a file of their own
//! making; the domain they cannot choose is the one their force's mail system sends reports
//! from. Where the exclusion list names those domains
//! ([`ExclusionList::journal_sender_domains`](probity_privacy::exclusions::ExclusionList)), a
//! report sent from anywhere else is taken as a person's: the recipients its envelope added are
//! taken back out of the message before anything reads it, and the message is labelled
//! `email.journal_mismatch` with the reason. Otherwise, a member of staff could write a report
//! naming occupational health as a Bcc of their own message and have it excluded unread.

use probity_model::Event;
use probity_privacy::exclusions::Exclusions;
use serde_json::Value;

/// The key of `Event::original` where the mail decoder lists the recipients journal reports'
/// envelopes added (`probity_ingest::mail::ENVELOPE_ONLY_KEY`): `Report-From`, the addresses the
/// outermost report was sent from, and `Recipients`. The stage takes it out: it is not stored.
pub const ENVELOPE_ONLY_KEY: &str = "probity.journal_envelope_only";

/// The label counting the recipients a journal report's envelope added (the decoder's).
pub(crate) const ENVELOPE_ONLY_LABEL: &str = "email.envelope_only_recipients";

/// The label saying why a journal report is not as the force's mail system writes them (the
/// decoder's, added to here).
const MISMATCH_LABEL: &str = "email.journal_mismatch";

/// Takes the decoder's record of what journal reports added out of `event`, and where the
/// outermost report was not sent from one of the exclusion list's journal sender domains (when
/// it names any), takes the recipients it added back out of `email.bcc` and says why. Returns
/// whether it took any out.
pub fn check_envelope_recipients(exclusions: &Exclusions, event: &mut Event) -> bool {
    let Some(record) = event.original.remove(ENVELOPE_ONLY_KEY) else {
        return false;
    };
    if !exclusions.checks_journal_senders() {
        return false;
    }
    let strings = |key: &str| -> Vec<String> {
        match record.get(key) {
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let senders = strings("Report-From");
    if !senders.is_empty()
        && senders
            .iter()
            .all(|sender| exclusions.journal_sender_trusted(sender))
    {
        return false;
    }
    let added = strings("Recipients");
    let Some(email) = event.email.as_mut() else {
        return false;
    };
    let mut removed = 0usize;
    for recipient in &added {
        if let Some(at) = email
            .bcc
            .iter()
            .rposition(|bcc| bcc.as_str().eq_ignore_ascii_case(recipient))
        {
            email.bcc.remove(at);
            removed += 1;
        }
    }
    let left = event
        .labels
        .get(ENVELOPE_ONLY_LABEL)
        .and_then(|count| count.parse::<usize>().ok())
        .unwrap_or(0)
        .saturating_sub(removed);
    if left == 0 {
        event.labels.remove(ENVELOPE_ONLY_LABEL);
    } else {
        event
            .labels
            .insert(ENVELOPE_ONLY_LABEL.into(), left.to_string());
    }
    let from = if senders.is_empty() {
        "no address".to_owned()
    } else {
        senders.join(", ")
    };
    let added = match removed {
        1 => "the recipient only its envelope names was not added".to_owned(),
        n => format!("the {n} recipients only its envelope names were not added"),
    };
    let why = format!(
        "journal report: sent from {from}, not at one of the exclusion list's \
         journal_sender_domains: {added}"
    );
    match event.labels.get_mut(MISMATCH_LABEL) {
        Some(label) => {
            label.push_str(" | ");
            label.push_str(&why);
        }
        None => {
            event.labels.insert(MISMATCH_LABEL.into(), why);
        }
    }
    removed > 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use probity_model::{Email, EventId, Format, Identity, Provenance};

    fn listing(domains: &str) -> Exclusions {
        Exclusions::from_yaml(
            "test",
            &format!("version: 1\nparties: []\njournal_sender_domains: [{domains}]\n"),
        )
        .unwrap()
    }

    /// A journalled message with its own Bcc and the two recipients a report sent from `from`
    /// added.
    fn journalled(from: &[&str]) -> Event {
        let mut event = Event::new(
            chrono::Utc::now(),
            Provenance {
                id: EventId::from_bytes([1; 16]),
                source: "test".into(),
                format: Format::Eml,
                ingested: chrono::Utc::now(),
                location: None,
            },
        );
        event.email = Some(Email {
            bcc: [
                "own.bcc@force.police.uk",
                "oh@force.police.uk",
                "Press@News.example",
            ]
            .into_iter()
            .map(Identity::from)
            .collect(),
            ..Email::default()
        });
        event.labels.insert(ENVELOPE_ONLY_LABEL.into(), "2".into());
        event.original.insert(
            ENVELOPE_ONLY_KEY.into(),
            serde_json::json!({
                "Report-From": from,
                "Recipients": ["oh@force.police.uk", "press@news.example"],
            }),
        );
        event
    }

    fn bcc(event: &Event) -> Vec<&str> {
        event
            .email
            .as_ref()
            .unwrap()
            .bcc
            .iter()
            .map(Identity::as_str)
            .collect()
    }

    #[test]
    fn a_report_from_a_listed_domain_keeps_what_its_envelope_added() {
        let list = listing("force.onmicrosoft.com");
        let mut event = journalled(&["MicrosoftExchange329e@force.onmicrosoft.com"]);
        assert!(!check_envelope_recipients(&list, &mut event));
        assert_eq!(bcc(&event).len(), 3);
        assert_eq!(event.labels[ENVELOPE_ONLY_LABEL], "2");
        assert!(!event.labels.contains_key(MISMATCH_LABEL));
        assert!(
            !event.original.contains_key(ENVELOPE_ONLY_KEY),
            "not stored"
        );
    }

    #[test]
    fn without_listed_domains_every_report_keeps_what_its_envelope_added() {
        let list = Exclusions::defaults().unwrap();
        let mut event = journalled(&["MicrosoftExchange329e@anywhere.example"]);
        assert!(!check_envelope_recipients(&list, &mut event));
        assert_eq!(bcc(&event).len(), 3);
        assert!(
            !event.original.contains_key(ENVELOPE_ONLY_KEY),
            "not stored"
        );
    }

    #[test]
    fn a_report_from_elsewhere_has_what_its_envelope_added_taken_out() {
        let list = listing("force.onmicrosoft.com");
        for from in [
            &["MicrosoftExchange329e@elsewhere.example"][..],
            &[
                "MicrosoftExchange329e@force.onmicrosoft.com",
                "postmaster@elsewhere.example",
            ],
            &[],
        ] {
            let mut event = journalled(from);
            event
                .labels
                .insert(MISMATCH_LABEL.into(), "journal report: earlier".into());
            assert!(check_envelope_recipients(&list, &mut event), "{from:?}");
            assert_eq!(bcc(&event), ["own.bcc@force.police.uk"], "{from:?}");
            assert!(!event.labels.contains_key(ENVELOPE_ONLY_LABEL));
            let why = &event.labels[MISMATCH_LABEL];
            assert!(why.starts_with("journal report: earlier | "), "{why}");
            assert!(why.contains("journal_sender_domains"), "{why}");
            assert!(!event.original.contains_key(ENVELOPE_ONLY_KEY));
        }
    }
}

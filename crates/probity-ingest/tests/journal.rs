//! Exchange journal reports are unwrapped to the journalled message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::{decode_eml, decode_mbox};
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Event, Identity};

const REPORT: &[u8] = include_bytes!("fixtures/mail/journal-report.eml");

fn addresses(list: &[Identity]) -> Vec<&str> {
    list.iter().map(Identity::as_str).collect()
}

fn decode(bytes: &[u8]) -> Event {
    let mut ctx = Context::new("file:journal", Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1);
    batch.events.remove(0)
}

#[test]
fn journal_report_becomes_the_original_message_with_envelope_bcc() {
    let event = decode(REPORT);
    let email = event.email.as_ref().unwrap();
    assert_eq!(
        email.message_id.as_deref(),
        Some("CWLP265MB0123A@force.example")
    );
    assert_eq!(addresses(&email.from), ["d.morgan@force.example"]);
    assert_eq!(addresses(&email.to), ["k.hughes@force.example"]);
    assert_eq!(addresses(&email.cc), ["custody-team@force.example"]);
    // Only the envelope shows these two: one reached through the list, one a Bcc.
    assert_eq!(
        addresses(&email.bcc),
        ["r.evans@force.example", "press.desk@newspaper.example"]
    );
    assert_eq!(
        event.timestamp.to_rfc3339(),
        "2024-03-12T14:03:10+00:00",
        "the original's Date, not the report's"
    );
    assert!(
        email
            .body
            .as_deref()
            .unwrap()
            .contains("Handover notes for tonight")
    );
    assert_eq!(email.attachments.len(), 1);
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("Cell 4: detainee asleep, checks every 30 minutes.")
    );
    let user = event.user.as_ref().unwrap();
    assert_eq!(user.full_name, Some("Dan Morgan".into()));

    let journal = &event.original["journal"];
    assert_eq!(journal["Message-ID"], "journal-7f3a9c@EX01.force.example");
    assert_eq!(journal["Sender"], "d.morgan@force.example");
    assert_eq!(journal["Recipients"].as_array().unwrap().len(), 4);
    assert_eq!(
        event.original["From"],
        "Dan Morgan <d.morgan@force.example>"
    );
    assert_eq!(event.labels["email.journal_report"], "true");
    assert_eq!(event.labels["email.envelope_only_recipients"], "2");
}

#[test]
fn report_without_its_original_is_decoded_as_it_stands() {
    let text = String::from_utf8(REPORT.to_vec()).unwrap();
    let cut = text
        .find("--_000_journal_report_\r\nContent-Type: message/rfc822")
        .unwrap();
    let without = format!("{}--_000_journal_report_--\r\n", &text[..cut]);
    let event = decode(without.as_bytes());
    let email = event.email.unwrap();
    assert_eq!(
        email.message_id.as_deref(),
        Some("journal-7f3a9c@EX01.force.example")
    );
    assert!(
        email
            .body
            .unwrap()
            .contains("Recipient: press.desk@newspaper.example")
    );
    assert!(!event.labels.contains_key("email.journal_report"));
}

#[test]
fn journal_reports_in_a_mailbox_are_unwrapped_too() {
    let mut mbox = b"From MAILER-DAEMON Tue Mar 12 14:03:12 2024\n".to_vec();
    mbox.extend_from_slice(REPORT);
    let mut ctx = Context::new("file:journal.mbox", Limits::default());
    let mut batch = Batch::new();
    decode_mbox(&mbox[..], &mut ctx, &mut batch).unwrap();
    let email = batch.events[0].email.as_ref().unwrap();
    assert!(addresses(&email.bcc).contains(&"press.desk@newspaper.example"));
}

//! Mail whose shape misleads a MIME parser: line ends, boundaries, alternatives and attachment
//! counts. Each is read as far as it safely can be, and what could not be is labelled and kept.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Event, Identity};

fn decode_with(bytes: &[u8], limits: Limits) -> Batch {
    let mut ctx = Context::new("file:test", limits);
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, Some("test.eml".into()), &mut batch).unwrap();
    batch
}

/// The one event of a message that goes to dead-letter in no part.
fn decode(bytes: &[u8]) -> Event {
    let mut batch = decode_with(bytes, Limits::default());
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1, "{:?}", batch.events);
    batch.events.remove(0)
}

fn addresses(list: &[Identity]) -> Vec<&str> {
    list.iter().map(Identity::as_str).collect()
}

fn body(event: &Event) -> &str {
    event
        .email
        .as_ref()
        .and_then(|email| email.body.as_deref())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Line ends
// ---------------------------------------------------------------------------------------------

#[test]
fn a_message_with_cr_alone_for_line_ends_is_read_as_one_with_lf() {
    let raw = b"From: Alan Smith <alan.smith@force.police.uk>\rTo: Bob Jones <bob.jones@force.police.uk>\rDate: Mon, 06 May 2024 10:00:00 +0100\rSubject: cr only\rMessage-ID: <i21@f>\rContent-Type: text/plain\r\rline one\rOFFICIAL-SENSITIVE\ryou stupid bitch\r";
    let event = decode(raw);
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.subject.as_deref(), Some("cr only"));
    assert_eq!(addresses(&email.from), ["alan.smith@force.police.uk"]);
    assert_eq!(addresses(&email.to), ["bob.jones@force.police.uk"]);
    assert_eq!(
        addresses(&email.display_names),
        ["Alan Smith", "Bob Jones"],
        "the rest of the message is not read as display names"
    );
    assert_eq!(email.message_id.as_deref(), Some("i21@f"));
    assert_eq!(event.timestamp.to_rfc3339(), "2024-05-06T09:00:00+00:00");
    assert!(body(&event).contains("OFFICIAL-SENSITIVE\nyou stupid bitch"));
    assert_eq!(event.labels["email.bare_cr_line_ends"], "10");
}

#[test]
fn a_bare_cr_among_crlf_and_lf_line_ends_ends_its_line() {
    let raw = b"From: Alan Smith <alan.smith@force.police.uk>\r\nTo: Leak <leak@gmail.com>\nDate: Mon, 06 May 2024 10:00:00 +0100\rSubject: mixed\r\nMessage-ID: <i22@f>\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\rContent-Type: text/plain\r\n\nOFFICIAL-SENSITIVE\rNominal AB123456C\r\nyou stupid bitch\n--B--\r\n";
    let event = decode(raw);
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.subject.as_deref(), Some("mixed"));
    assert_eq!(event.original["Date"], "Mon, 06 May 2024 10:00:00 +0100");
    assert!(!event.labels.contains_key("email.date_unreadable"));
    assert!(
        body(&event).contains("OFFICIAL-SENSITIVE\nNominal AB123456C"),
        "{:?}",
        body(&event)
    );
    assert!(email.attachments.is_empty(), "{:?}", email.attachments);
    assert_eq!(event.labels["email.bare_cr_line_ends"], "3");
}

#[test]
fn crlf_mail_is_not_labelled() {
    let event = decode(
        b"From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: s\r\n\r\nline\r\r\nline\r\n",
    );
    assert!(!event.labels.contains_key("email.bare_cr_line_ends"));
}

// ---------------------------------------------------------------------------------------------
// Attachment count
// ---------------------------------------------------------------------------------------------

#[test]
fn attachments_past_the_limit_keep_the_whole_message_in_dead_letter() {
    let mut raw = String::from(
        "From: a@force.police.uk\nTo: b@gmail.com\nSubject: many\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ncover note\n",
    );
    for n in 0..6 {
        raw.push_str(&format!(
            "--b\nContent-Type: text/plain; name=f{n}.txt\nContent-Disposition: attachment; filename=f{n}.txt\n\nfile {n}\n"
        ));
    }
    raw.push_str("--b\nContent-Type: text/plain; name=last.txt\nContent-Disposition: attachment; filename=last.txt\n\nNI AB123456C\n--b--\n");
    let batch = decode_with(
        raw.as_bytes(),
        Limits {
            max_attachments: 4,
            ..Limits::default()
        },
    );
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    assert_eq!(event.email.as_ref().unwrap().attachments.len(), 4);
    assert_eq!(event.labels["email.attachments_omitted"], "3");
    // The attachments the event leaves out are kept: the whole message is a dead letter.
    assert_eq!(batch.rejected.len(), 1, "{:?}", batch.rejected);
    let letter = &batch.rejected[0];
    assert!(
        letter.reason.contains("3 attachments more than the 4")
            && letter.reason.contains("email.attachments_omitted"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.raw, raw.as_bytes());
    assert_eq!(letter.location.as_deref(), Some("test.eml"));

    // Within the limit, nothing goes to dead-letter.
    let batch = decode_with(raw.as_bytes(), Limits::default());
    assert!(batch.rejected.is_empty());
    assert!(
        !batch.events[0]
            .labels
            .contains_key("email.attachments_omitted")
    );
}

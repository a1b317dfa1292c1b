//! A message's own header block past its limit: parsed without the fields past it, so that the
//! parser's memory stays bounded, labelled, and kept whole in dead-letter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};

fn decode(bytes: &[u8]) -> Batch {
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, Some("test.eml".into()), &mut batch).unwrap();
    batch
}

/// Found by the fuzzer: 1.9 MB of `From: ; a=b; a=b…` (a group for every `a=b;`) took 90 MB of
/// memory to parse. The field is left out; the fields after it, the body and the attachment are
/// read.
#[test]
fn a_header_field_past_the_limit_is_not_parsed_and_the_rest_is_read() {
    let groups = " a=b;".repeat(400_000);
    let raw = format!(
        "From: ;{groups}\r\nTo: bob.jones@force.police.uk\r\nSubject: the address\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI know where you live.\r\n--B\r\nContent-Type: text/plain; name=note.txt\r\nContent-Disposition: attachment; filename=note.txt\r\n\r\nWatch your back.\r\n--B--\r\n"
    );
    let batch = decode(raw.as_bytes());
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    let email = event.email.as_ref().unwrap();
    assert!(email.from.is_empty(), "{:?}", email.from);
    assert_eq!(email.to[0].as_str(), "bob.jones@force.police.uk");
    assert_eq!(email.subject.as_deref(), Some("the address"));
    assert_eq!(
        email.body.as_deref().map(str::trim),
        Some("I know where you live.")
    );
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("Watch your back.")
    );
    let why = &event.labels["email.headers_cut"];
    assert!(
        why.starts_with(&format!("1 header fields ({} bytes)", groups.len() + 9)),
        "{why}"
    );
    assert_eq!(batch.rejected.len(), 1);
    assert_eq!(batch.rejected[0].raw, raw.as_bytes());
    assert!(
        batch.rejected[0]
            .reason
            .contains("labelled email.headers_cut"),
        "{}",
        batch.rejected[0].reason
    );
}

#[test]
fn a_message_with_an_ordinary_header_block_is_not_labelled() {
    let batch = decode(b"From: a@force.police.uk\r\nSubject: hi\r\n\r\nhello\r\n");
    assert!(batch.rejected.is_empty());
    assert!(!batch.events[0].labels.contains_key("email.headers_cut"));
}

/// Found by the fuzzer: the same `From: ; a=b; a=b…` in a part's header block took 100 MB of
/// memory for 1.9 MB. The field is left out; the part's other fields, its text and the other parts
/// are read, the event is labelled and the whole message kept in dead-letter.
#[test]
fn a_part_header_field_past_the_limit_is_not_parsed_and_the_rest_is_read() {
    let groups = " a=b;".repeat(400_000);
    let raw = format!(
        "From: a@force.police.uk\r\nTo: bob.jones@force.police.uk\r\nSubject: the address\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nFrom: ;{groups}\r\nContent-Type: text/plain\r\n\r\nI know where you live.\r\n--B\r\nContent-Type: text/plain; name=note.txt\r\nContent-Disposition: attachment; filename=note.txt\r\n\r\nWatch your back.\r\n--B--\r\n"
    );
    let batch = decode(raw.as_bytes());
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.from[0].as_str(), "a@force.police.uk");
    assert_eq!(
        email.body.as_deref().map(str::trim),
        Some("I know where you live.")
    );
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("Watch your back.")
    );
    assert!(!event.labels.contains_key("email.headers_cut"));
    let why = &event.labels["email.part_headers_cut"];
    assert!(
        why.starts_with(&format!("1 header fields ({} bytes)", groups.len() + 9)),
        "{why}"
    );
    assert_eq!(batch.rejected.len(), 1);
    assert_eq!(batch.rejected[0].raw, raw.as_bytes());
    assert!(
        batch.rejected[0]
            .reason
            .contains("labelled email.part_headers_cut"),
        "{}",
        batch.rejected[0].reason
    );
}

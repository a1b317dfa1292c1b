//! Files uuencoded in a plain body (`begin 644 NAME` … `end`), as mail programs before MIME wrote
//! attachments and some scripts still do: taken out of the body and read as attachments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use sha2::{Digest, Sha256};

/// A CSV of two people, uuencoded by Python's `binascii.b2a_uu` (45 bytes a line, `` ` `` for
/// zero), with its `begin` and `end` lines.
const UUENCODED_CSV: &str = "begin 644 nominals.csv\nM4W5R;F%M92Q&;W)E;F%M92Q$3T(*4%))0T4L061A+#`Q+S`R+S$Y.3`*2D].\n215,L0F]B+#`S+S`T+S$Y.#4*\n`\nend\n";
const CSV: &str = "Surname,Forename,DOB\nPRICE,Ada,01/02/1990\nJONES,Bob,03/04/1985\n";

fn decode(body: &str) -> probity_model::Event {
    let raw = format!(
        "From: a@force.example\nTo: b@gmail.com\nSubject: list\nContent-Type: text/plain\n\n{body}"
    );
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    batch.events.remove(0)
}

#[test]
fn a_file_uuencoded_in_the_body_is_read_as_an_attachment() {
    let event = decode(&format!(
        "Here is the list.\n\n{UUENCODED_CSV}\nDelete after reading.\n"
    ));
    let email = event.email.as_ref().unwrap();
    let body = email.body.as_deref().unwrap();
    assert!(body.contains("Here is the list."), "{body:?}");
    assert!(body.contains("Delete after reading."), "{body:?}");
    assert!(
        body.contains("[file nominals.csv uuencoded here]"),
        "{body:?}"
    );
    assert!(
        !body.contains("M4W5R"),
        "the encoded lines left the body: {body:?}"
    );
    assert_eq!(email.attachments.len(), 1, "{:?}", email.attachments);
    let attachment = &email.attachments[0];
    assert_eq!(attachment.file.name.as_deref(), Some("nominals.csv"));
    assert_eq!(attachment.file.extension.as_deref(), Some("csv"));
    assert_eq!(attachment.file.size, Some(CSV.len() as u64));
    assert_eq!(
        attachment.file.hash.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(CSV.as_bytes())).as_str())
    );
    assert_eq!(attachment.text.as_deref(), Some(CSV.trim_end()));
    assert!(
        attachment
            .extraction
            .as_deref()
            .is_some_and(|note| note.contains("uuencoded")),
        "{attachment:?}"
    );
    assert_eq!(
        event
            .labels
            .get("email.uuencoded_in_body")
            .map(String::as_str),
        Some("1")
    );
}

/// A block that is not all uuencoded, that breaks off before `end`, or a `begin` that does not
/// start a line, stays in the body as written.
#[test]
fn what_is_not_a_whole_uuencoded_block_stays_in_the_body() {
    let broken = UUENCODED_CSV.replace("215,L0F]B", "215,L0f]b");
    let unended = UUENCODED_CSV.replace("end\n", "");
    let wrong_length = UUENCODED_CSV.replace("M4W5R", "N4W5R");
    for body in [
        broken.as_str(),
        unended.as_str(),
        wrong_length.as_str(),
        "we begin 644 nominals.csv tomorrow\n",
        "begin the meeting at ten\nend\n",
    ] {
        let event = decode(body);
        let email = event.email.as_ref().unwrap();
        assert!(
            email.attachments.is_empty(),
            "{body:?}: {:?}",
            email.attachments
        );
        assert_eq!(email.body.as_deref(), Some(body), "{body:?}");
        assert!(!event.labels.contains_key("email.uuencoded_in_body"));
    }
}

/// Only as many files are taken out as the attachment limit leaves room for; the rest stay in
/// the body, counted by a label.
#[test]
fn files_past_the_attachment_limit_stay_in_the_body_and_are_counted() {
    let body = format!("{UUENCODED_CSV}{UUENCODED_CSV}{UUENCODED_CSV}");
    let raw = format!("From: a@force.example\nTo: b@gmail.com\nSubject: list\n\n{body}");
    let limits = Limits {
        max_attachments: 2,
        ..Limits::default()
    };
    let mut ctx = Context::new("file:test", limits);
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let event = batch.events.remove(0);
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.attachments.len(), 2);
    assert_eq!(
        email.body.as_deref().unwrap().matches("M4W5R").count(),
        1,
        "{:?}",
        email.body
    );
    assert_eq!(
        event
            .labels
            .get("email.uuencoded_files_not_read")
            .map(String::as_str),
        Some("1")
    );
}

/// A file uuencoded in the body of an attached message (a forward of an old mail) is read as that
/// message's files are: after its text, under a line naming it.
#[test]
fn a_file_uuencoded_in_an_attached_messages_body_is_read_after_it() {
    let raw = format!(
        "From: a@force.example\nTo: b@gmail.com\nSubject: fwd\nContent-Type: multipart/mixed; \
         boundary=b\n\n--b\nContent-Type: text/plain\n\nsee below\n--b\nContent-Type: \
         message/rfc822\n\nFrom: c@force.example\nSubject: the list\n\nHere it is.\n\n\
         {UUENCODED_CSV}\n--b--\n"
    );
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let event = batch.events.remove(0);
    let email = event.email.as_ref().unwrap();
    let attachment = &email.attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(text.starts_with("the list\n\nHere it is."), "{text:?}");
    assert!(
        text.contains("[file nominals.csv uuencoded here]"),
        "{text:?}"
    );
    assert!(
        text.ends_with(&format!("[file nominals.csv]\n{}", CSV.trim_end())),
        "{text:?}"
    );
    assert!(!text.contains("M4W5R"), "{text:?}");
    assert!(
        attachment
            .extraction
            .as_deref()
            .is_some_and(|note| note.contains("nominals.csv: uuencoded")),
        "{attachment:?}"
    );
}

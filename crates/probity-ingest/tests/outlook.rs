//! Outlook messages (`.msg`): one saved by Outlook (`tests/fixtures/attach/outer.msg`, from
//! msg_parser's tests, with a message attached to it) and ones built here with the compound file
//! writer of the `cfb` crate, read on their own, in a zip, and attached to an email, where their
//! parties are listed for the exclusions as an attached message's are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};
use probity_ingest::mail::ATTACHED_MESSAGES_KEY;
use probity_model::Event;

const OUTER_MSG: &[u8] = include_bytes!("fixtures/attach/outer.msg");

const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

/// A `.msg` as Outlook lays one out: string properties as UTF-16 streams, each recipient in a
/// storage of its own with its type (1 To, 2 Cc, 3 Bcc) among its fixed-length properties, and
/// a file attached by value.
fn outlook_msg(
    sender: (&str, &str),
    recipients: &[(&str, &str, u32)],
    subject: &str,
    body: &str,
    file: Option<(&str, &[u8])>,
) -> Vec<u8> {
    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
    let mut file_system = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut write = |path: &str, bytes: &[u8]| {
        let mut stream = file_system.create_stream(path).unwrap();
        stream.write_all(bytes).unwrap();
    };
    write("/__properties_version1.0", &[0u8; 32]);
    write("/__substg1.0_0037001F", &utf16(subject));
    write("/__substg1.0_1000001F", &utf16(body));
    write("/__substg1.0_0C1A001F", &utf16(sender.0));
    write("/__substg1.0_0C1F001F", &utf16(sender.1));
    for (index, (name, address, kind)) in recipients.iter().enumerate() {
        let dir = format!("/__recip_version1.0_#{index:08X}");
        file_system.create_storage(&dir).unwrap();
        let mut properties = vec![0u8; 8];
        properties.extend_from_slice(&0x0C15_0003u32.to_le_bytes());
        properties.extend_from_slice(&[0u8; 4]);
        properties.extend_from_slice(&u64::from(*kind).to_le_bytes());
        for (stream, bytes) in [
            ("__properties_version1.0", properties),
            ("__substg1.0_3001001F", utf16(name)),
            ("__substg1.0_3003001F", utf16(address)),
        ] {
            let mut out = file_system
                .create_stream(format!("{dir}/{stream}"))
                .unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    if let Some((name, data)) = file {
        let dir = "/__attach_version1.0_#00000000";
        file_system.create_storage(dir).unwrap();
        for (stream, bytes) in [
            ("__properties_version1.0", vec![0u8; 8]),
            ("__substg1.0_3707001F", utf16(name)),
            ("__substg1.0_37010102", data.to_vec()),
        ] {
            let mut out = file_system
                .create_stream(format!("{dir}/{stream}"))
                .unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    file_system.flush().unwrap();
    file_system.into_inner().into_inner()
}

fn read(bytes: &[u8], name: &str) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/vnd.ms-outlook"),
        name: Some(name),
        charset: None,
    };
    extract_text(&input, &Limits::default())
}

fn email_with(name: &str, bytes: &[u8]) -> Event {
    common::email_attaching(name, "application/vnd.ms-outlook", bytes, Limits::default())
}

#[test]
fn a_message_saved_by_outlook_is_read_with_the_message_attached_to_it() {
    let got = read(OUTER_MSG, "outer.msg");
    let text = got.text.clone().unwrap();
    assert!(
        text.starts_with("To: outer@foo.bar\nSubject: outer subject\n"),
        "{text}"
    );
    assert!(text.contains("\n\nOuter body"), "{text}");
    assert!(
        text.contains("[attachment test]\nTo: test@foobar.com\nSubject: test\n"),
        "{text}"
    );
    assert!(text.ends_with("body"), "{text}");
    assert!(
        got.note
            .as_deref()
            .unwrap()
            .starts_with("read as an Outlook message (.msg)")
    );
}

#[test]
fn an_outlook_message_attached_to_an_email_is_an_attached_message() {
    let event = email_with("outer.msg", OUTER_MSG);
    let email = event.email.as_ref().unwrap();
    let attachment = &email.attachments[0];
    let text = attachment.text.as_deref().unwrap();
    assert!(text.starts_with("outer subject\n\nOuter body"), "{text}");
    assert!(text.contains("[attachment test]\ntest\n\nbody"), "{text}");
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap()
            .starts_with("read as an Outlook message (.msg)"),
        "{attachment:?}"
    );
    // Both messages' parties are listed for the exclusions, as an attached message's are.
    let held = event.original[ATTACHED_MESSAGES_KEY].as_array().unwrap();
    let headers: Vec<String> = held
        .iter()
        .map(|entry| entry["headers"].to_string())
        .collect();
    assert_eq!(held.len(), 2, "{headers:?}");
    assert!(headers[0].contains("outer@foo.bar"), "{headers:?}");
    assert!(headers[1].contains("test@foobar.com"), "{headers:?}");
}

#[test]
fn an_outlook_messages_parties_body_and_files_are_read() {
    let msg = outlook_msg(
        ("Occupational Health", "occupational.health@force.police.uk"),
        &[
            ("Sam Lane", "sam.lane@force.police.uk", 1),
            ("Welfare, Team", "welfare@force.police.uk", 2),
            ("Hidden", "hidden@force.police.uk", 3),
        ],
        "Your referral",
        ABUSE,
        Some(("notes.txt", b"Restricted duties for six weeks.")),
    );
    let got = read(&msg, "letter.msg");
    assert_eq!(
        got.text.as_deref(),
        Some(
            format!(
                "From: Occupational Health <occupational.health@force.police.uk>\n\
                 To: Sam Lane <sam.lane@force.police.uk>\n\
                 Cc: \"Welfare, Team\" <welfare@force.police.uk>\n\
                 Bcc: Hidden <hidden@force.police.uk>\n\
                 Subject: Your referral\n\n{ABUSE}\n\n\
                 [attachment notes.txt]\nRestricted duties for six weeks."
            )
            .as_str()
        )
    );

    let event = email_with("letter.msg", &msg);
    let held = &event.original[ATTACHED_MESSAGES_KEY][0]["headers"];
    assert_eq!(
        held[0],
        serde_json::json!([
            "From",
            "Occupational Health <occupational.health@force.police.uk>"
        ])
    );
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .clone()
        .unwrap();
    assert!(text.contains(ABUSE), "{text}");
    assert!(
        text.contains("[attachment notes.txt]\nRestricted duties"),
        "{text}"
    );
}

#[test]
fn other_compound_files_are_still_named_and_damaged_messages_never_panic() {
    // A compound file that is not a message (a Publisher document, here only its container).
    let mut other = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    other
        .create_stream("/Contents")
        .unwrap()
        .write_all(b"binary")
        .unwrap();
    other.flush().unwrap();
    let other = other.into_inner().into_inner();
    let got = read(&other, "old.pub");
    assert_eq!(got.text, None);
    assert!(got.note.unwrap().contains("legacy binary Office document"));

    for step in 0..96 {
        let at = OUTER_MSG.len() * step / 96;
        let mut changed = OUTER_MSG.to_vec();
        changed[at] ^= 0xa5;
        for damaged in [&OUTER_MSG[..at], &changed[..]] {
            let got = read(damaged, "outer.msg");
            assert!(got.text.is_some() || got.note.is_some(), "at {at}");
            assert!(
                !got.note.as_deref().unwrap_or_default().contains("panicked"),
                "at {at}: {got:?}"
            );
            let event = email_with("outer.msg", damaged);
            assert_eq!(event.email.unwrap().attachments.len(), 1, "at {at}");
        }
    }
}

//! A body that declares UTF-16 or UTF-32 over bytes that are UTF-8 is read as UTF-8 and labelled,
//! and an attachment so declared as UTF-8 and noted; one that is UTF-16 is read as declared.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};

fn decode(charset: &str, body: &[u8]) -> probity_model::Event {
    let mut raw = format!(
        "From: a@force.example\r\nTo: b@gmail.com\r\nSubject: t\r\nContent-Type: text/plain; charset={charset}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(body);
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(&raw, &mut ctx, None, &mut batch).unwrap();
    batch.events.remove(0)
}

fn body(event: &probity_model::Event) -> String {
    event
        .email
        .as_ref()
        .and_then(|email| email.body.clone())
        .unwrap_or_default()
}

#[test]
fn utf8_text_declared_utf16_or_utf32_is_read_as_utf8_and_labelled() {
    let text = "I will find you, café.\r\n";
    for charset in ["utf-16le", "UTF-16BE", "utf-16", "utf-32", "ucs-2"] {
        let event = decode(charset, text.as_bytes());
        assert!(
            body(&event).contains("I will find you, café."),
            "{charset}: {:?}",
            body(&event)
        );
        assert_eq!(
            event
                .labels
                .get("email.encoding_problem")
                .map(String::as_str),
            Some("true"),
            "{charset}"
        );
    }
}

#[test]
fn utf16_text_is_read_as_declared() {
    let le: Vec<u8> = "hello world\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(body(&decode("utf-16le", &le)).contains("hello world"));
    // Chinese in UTF-16 with no space has no NUL, and is no UTF-8.
    let be: Vec<u8> = "中文测试内容"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert!(!be.contains(&0));
    assert!(body(&decode("utf-16be", &be)).contains("中文测试内容"));
}

fn decode_raw(raw: &[u8]) -> probity_model::Event {
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    batch.events.remove(0)
}

#[test]
fn utf8_attachments_declared_utf16_are_read_as_utf8_and_noted() {
    // An attached text file, and a message whose own type is garbled (its body an attachment,
    // read from its content): both were decoded as UTF-16 into CJK characters, noted nowhere.
    let attached = "From: a@force.example\r\nTo: b@gmail.com\r\nSubject: t\r\n\
        Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n\
        see the file\r\n--B\r\nContent-Type: text/plain; charset=utf-16; name=notes.txt\r\n\
        Content-Disposition: attachment; filename=notes.txt\r\n\r\nI will find you tonight\r\n--B--\r\n";
    let garbled = "From: a@force.example\r\nTo: b@gmail.com\r\nSubject: t\r\n\
        Content-Type: e; charset=utf16\r\n\r\nI will find you tonight\r\n";
    // One stray byte that is not UTF-8 (a damaged copy): it was read as UTF-16 all the same.
    let stray = [garbled.as_bytes(), b"\xfe"].concat();
    for raw in [attached.as_bytes(), garbled.as_bytes(), stray.as_slice()] {
        let event = decode_raw(raw);
        let email = event.email.unwrap();
        let file = email
            .attachments
            .iter()
            .find(|a| {
                a.text
                    .as_deref()
                    .is_some_and(|t| t.contains("I will find you tonight"))
            })
            .unwrap_or_else(|| panic!("{:?}", email.attachments));
        assert!(
            file.extraction
                .as_deref()
                .unwrap()
                .contains("read as UTF-8"),
            "{:?}",
            file.extraction
        );
    }
}

/// A text part declared UTF-16 that its multipart never ends (mail-parser reads it to the end of
/// the message, converted from UTF-16, and flags its encoding): its bytes as written are read, so
/// that UTF-8 under the wrong charset is seen for what it is. Its converted text was read, CJK
/// characters, and the note said "read as UTF-8" all the same (comms fuzzer s57 e41352691137bee3).
#[test]
fn a_part_never_ended_declared_utf16_over_utf8_is_read_as_utf8() {
    let raw = "From: a@force.example\nTo: b@gmail.com\nSubject: t\n\
        Content-Type: multipart/mixed; boundary=\"N0\"\n\n--N0\n\
        Content-Type: text/plain; charset=utf-16be\n\
        Conten;-Type: multipart/mixed; boundary=\"J\"\n\n\
        --J\nContent-Type: text/plain\n\nI will find you tonight\n";
    let event = decode_raw(raw.as_bytes());
    let email = event.email.unwrap();
    let texts: Vec<&str> = email
        .body
        .iter()
        .map(String::as_str)
        .chain(email.attachments.iter().filter_map(|a| a.text.as_deref()))
        .collect();
    assert!(
        texts
            .iter()
            .any(|text| text.contains("I will find you tonight")),
        "{texts:?} {:?}",
        email.attachments
    );
}

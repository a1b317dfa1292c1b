//! Transfer encodings written as mail programs read them but mail-parser does not: a comment or a
//! semicolon after `base64` or `quoted-printable`, uuencoding, and base64 with a character outside
//! its alphabet. Each part is decoded as its reader sees it, so that its words reach the policies
//! rather than its base64 letters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decode;
use std::io::{Cursor, Write};

use base64::Engine;
use probity_model::Event;

fn body(event: &Event) -> &str {
    event
        .email
        .as_ref()
        .and_then(|email| email.body.as_deref())
        .unwrap_or_default()
}

/// "I know where you live. Watch your back." in base64.
const BASE64: &str = "SSBrbm93IHdoZXJlIHlvdSBsaXZlLiBXYXRjaCB5b3VyIGJhY2su";
const WORDS: &str = "I know where you live. Watch your back.";

fn message(transfer_encoding: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "From: alan.smith@force.police.uk\r\nTo: bob.jones@force.police.uk\r\nSubject: note\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {transfer_encoding}\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[test]
fn a_body_whose_encoding_is_named_with_more_after_it_is_decoded() {
    for field in ["base64 (encoded)", "BASE64;", "\"base64\"", "base64 ; x=y"] {
        let event = decode(&message(field, "text/plain; charset=utf-8", BASE64));
        assert_eq!(body(&event).trim(), WORDS, "{field}");
    }
    let quoted = WORDS
        .bytes()
        .map(|b| format!("={b:02X}"))
        .collect::<String>();
    let event = decode(&message("quoted-printable (sic)", "text/plain", &quoted));
    assert_eq!(body(&event).trim(), WORDS);
    // In the declared charset.
    let event = decode(&message(
        "base64 (latin-1)",
        "text/plain; charset=iso-8859-1",
        "Y2Fm6SBhdSBsYWl0",
    ));
    assert_eq!(body(&event).trim(), "caf\u{e9} au lait");
}

#[test]
fn a_uuencoded_body_is_decoded() {
    // `uuencode` of the words and a line break.
    let uuencoded = "begin 644 note.txt\r\nH22!K;F]W('=H97)E('EO=2!L:79E+B!7871C:\"!Y;W5R(&)A8VLN\"@``\r\n`\r\nend";
    for field in ["x-uuencode", "uuencode", "X-UUE"] {
        let event = decode(&message(field, "text/plain", uuencoded));
        assert_eq!(body(&event).trim(), WORDS, "{field}");
    }
}

#[test]
fn an_attachment_whose_encoding_is_named_with_a_comment_is_decoded() {
    let raw = format!(
        "From: alan.smith@force.police.uk\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: application/octet-stream; name=note.dat\r\nContent-Disposition: attachment; filename=note.dat\r\nContent-Transfer-Encoding: base64 (binary)\r\n\r\n{BASE64}\r\n--B--\r\n"
    );
    let event = decode(raw.as_bytes());
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    assert_eq!(attachment.text.as_deref(), Some(WORDS));
    assert_eq!(attachment.file.size, Some(WORDS.len() as u64));
}

#[test]
fn an_attached_message_whose_encoding_is_named_with_a_comment_is_read_as_a_message() {
    let inner = "From: carol@example.com\r\nSubject: the address\r\n\r\nI know where you live.\r\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(inner);
    let raw = format!(
        "From: alan.smith@force.police.uk\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64 (x)\r\n\r\n{encoded}\r\n--B--\r\n"
    );
    let event = decode(raw.as_bytes());
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(text.contains("the address"), "{text:?}");
    assert!(text.contains("I know where you live."), "{text:?}");
    let note = attachment.extraction.as_deref().unwrap_or_default();
    assert!(!note.contains("raw text"), "{note}");
}

/// A name no mail program knows (RFC 2045 §6.4: the part is opaque bytes) leaves the part as
/// written: its raw text is read.
#[test]
fn an_unknown_encoding_leaves_the_raw_text() {
    let event = decode(&message("x-unknown", "text/plain", WORDS));
    assert_eq!(body(&event).trim(), WORDS);
    let event = decode(&message("base-64", "text/plain", BASE64));
    assert_eq!(body(&event).trim(), BASE64);
}

/// `text` in base64, lines of 76, with `stray` put in after the first 20 letters.
fn base64_with_stray(bytes: &[u8], stray: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let (head, tail) = encoded.split_at(20);
    let mut lines = String::new();
    let joined = format!("{head}{stray}{tail}");
    for chunk in joined.as_bytes().chunks(76) {
        lines.push_str(std::str::from_utf8(chunk).unwrap());
        lines.push_str("\r\n");
    }
    lines
}

fn with_attachment(content_type: &str, encoded: &str) -> Vec<u8> {
    format!(
        "From: alan.smith@force.police.uk\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}--B--\r\n"
    )
    .into_bytes()
}

/// One character outside the base64 alphabet made the MIME parser give up and keep the base64
/// letters, which every policy read instead of the words; RFC 2045 §6.8 has decoders pass over
/// such characters, and mail programs show the text.
#[test]
fn base64_with_a_stray_character_is_decoded_passing_over_it() {
    let encoded = base64_with_stray(WORDS.as_bytes(), "!");
    let event = decode(&message("base64", "text/plain", &encoded));
    assert_eq!(body(&event).trim(), WORDS);
    let event = decode(&with_attachment(
        "application/octet-stream; name=note.dat",
        &encoded,
    ));
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    assert_eq!(attachment.text.as_deref(), Some(WORDS));
    let note = attachment.extraction.as_deref().unwrap_or_default();
    assert!(note.contains("passing over"), "{note}");
}

/// A document so sent opens in its reader; its text is read.
#[test]
fn a_document_in_base64_with_a_stray_character_is_read() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    writer
        .write_all(format!("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>{WORDS}</w:t></w:r></w:p></w:body></w:document>").as_bytes())
        .unwrap();
    let docx = writer.finish().unwrap().into_inner();
    let event = decode(&with_attachment(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=letter.docx",
        &base64_with_stray(&docx, "*"),
    ));
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    assert_eq!(attachment.text.as_deref(), Some(WORDS));
}

/// A text labelled base64 that is not base64 gives bytes at random decoded: it is read as
/// written, as it was before.
#[test]
fn a_text_labelled_base64_that_is_not_is_read_as_written() {
    let event = decode(&message("base64", "text/plain", WORDS));
    assert_eq!(body(&event).trim(), WORDS);
    let event = decode(&with_attachment(
        "application/octet-stream; name=note.dat",
        &format!("{WORDS}\r\n"),
    ));
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    assert_eq!(attachment.text.as_deref(), Some(WORDS));
}

/// A multipart declared base64 (RFC 2045 allows a multipart none but 7bit, 8bit or binary) whose
/// boundary is never found is read as text, as far as it goes: its text, which is not base64,
/// is read as written, as a text part's is. It was decoded as base64 passing over what is not,
/// into bytes at random, the body labelled only (found by the fuzzer).
#[test]
fn a_multipart_labelled_base64_whose_boundary_is_never_found_is_read_as_written() {
    let raw = "Subject: note\nContent-Type: multipart/mixed; boundary=\"N\"\n\n--N\n\
        Content-Type: multipart/mixed; boundary=\"B\"\nContent-Transfer-Encoding: base64\n\n\
        Content-Type: multipart/mixed; boundary=\"J\"\n--J\nContent-Type: text/plain\n\n\
        I know where you live.\n";
    let event = decode(raw.as_bytes());
    assert!(
        body(&event).contains("\nI know where you live."),
        "{:?}",
        body(&event)
    );
    assert_eq!(event.labels["email.encoding_problem"], "true");
    // Where it is base64 (with a stray `!`, which the parser gives up on), it is decoded.
    let encoded = base64::engine::general_purpose::STANDARD.encode(WORDS);
    let event = decode(&message(
        "base64",
        "multipart/mixed; boundary=B",
        &format!("{encoded}!"),
    ));
    assert_eq!(body(&event).trim(), WORDS);
}

/// A line whose name has white space inside it (`C ontent-Transfer-Encoding: base64`) is no field
/// (RFC 5322): the part has no transfer encoding, and its text is as written. mail-parser keeps
/// the name's other bytes and decoded the text as base64, bytes at random; the words were lost,
/// the body labelled email.encoding_problem (comms fuzzer s48 ddbe35cbb8f6e0d8). White space
/// before the colon is RFC 5322's obsolete syntax, a field, and the part is decoded by it; so it
/// is by a field truly so named above such a line.
#[test]
fn a_transfer_encoding_whose_name_has_white_space_inside_is_no_field() {
    let head = "From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: note\r\n";
    let last_line = [BASE64, "hello", "abc"];
    for line in last_line {
        let part = format!(
            "Content-Type: text/plain\r\nC ontent-Transfer-Encoding: base64\r\n\r\n\
             zqxcanaryword\r\n{line}\r\n"
        );
        let top = format!("{head}{part}");
        let within = format!(
            "{head}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n{part}\
             --outer--\r\n"
        );
        for raw in [top, within] {
            let event = decode(raw.as_bytes());
            assert!(
                body(&event)
                    .replace("\r\n", "\n")
                    .contains(&format!("zqxcanaryword\n{line}\n")),
                "{raw}\n{:?}",
                body(&event)
            );
            assert!(
                !event.labels.contains_key("email.encoding_problem"),
                "{:?}",
                event.labels
            );
        }
    }
    for fields in [
        "Content-Transfer-Encoding : base64",
        "Content-Transfer-Encoding: base64\r\nC ontent-Transfer-Encoding: 7bit",
        "Content-Transfer-Encoding: base64\r\nC ontent-Transfer-Encoding: quoted-printable",
    ] {
        let raw = format!("{head}Content-Type: text/plain\r\n{fields}\r\n\r\n{BASE64}\r\n");
        let event = decode(raw.as_bytes());
        assert!(
            body(&event).starts_with(WORDS),
            "{fields}: {:?}",
            body(&event)
        );
    }
}

/// Text in base64 under a line that is no field (`C ontent-Transfer-Encoding: base64`): RFC
/// 5322 has the part as written, and it is read so, but the MIME parser and lenient mail programs
/// decode it, so a sender could hide words from the policies that its reader sees. It is read as
/// decoded too, after a line saying so, the message labelled; in a body and in an attachment.
/// Words that are not base64 have no second reading (their decoding is bytes at random).
#[test]
fn base64_under_a_line_that_is_no_field_is_read_as_written_and_as_decoded() {
    let head = "From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: note\r\n";
    let line = "[read too as decoded by a line that is no field names its transfer encoding]";
    let part = format!(
        "Content-Type: text/plain\r\nC ontent-Transfer-Encoding: base64\r\n\r\n{BASE64}\r\n"
    );
    let top = format!("{head}{part}");
    let within = format!(
        "{head}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n{part}--outer--\r\n"
    );
    for raw in [top, within] {
        let event = decode(raw.as_bytes());
        let body = body(&event).replace("\r\n", "\n");
        assert!(
            body.contains(&format!("{BASE64}\n\n{line}\n{WORDS}")),
            "{body:?}"
        );
        assert_eq!(event.labels["email.misread_transfer_encoding"], "true");
    }
    let raw = format!(
        "{head}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n\
         Content-Type: text/plain\r\n\r\nsee attached\r\n--outer\r\n\
         Content-Type: application/octet-stream; name=a.txt\r\n\
         Content-Disposition: attachment; filename=a.txt\r\n\
         C ontent-Transfer-Encoding: base64\r\n\r\n{BASE64}\r\n--outer--\r\n"
    );
    let event = decode(raw.as_bytes());
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(text.starts_with(BASE64), "{text:?}");
    assert!(text.ends_with(&format!("{line}\n{WORDS}")), "{text:?}");
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap_or_default()
            .contains("as decoded by a line that is no field"),
        "{attachment:?}"
    );
    assert_eq!(event.labels["email.misread_transfer_encoding"], "true");
    // Words that are not base64: as written only.
    let raw = format!(
        "{head}Content-Type: text/plain\r\nC ontent-Transfer-Encoding: base64\r\n\r\nzqxcanaryword\r\nhello\r\n"
    );
    let event = decode(raw.as_bytes());
    assert!(!body(&event).contains(line), "{:?}", body(&event));
    assert!(!event.labels.contains_key("email.misread_transfer_encoding"));
}

/// A file sent in base64 under a line that is no field naming its transfer encoding: decoded
/// so, it is a zip, whose text the attachment readers read. Only its base64 letters were read,
/// and the decoded bytes only where they were text: a zip's letter reached no policy.
#[test]
fn a_file_in_base64_under_a_line_that_is_no_field_is_read_as_that_file_too() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("letter.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(WORDS.as_bytes()).unwrap();
    let zip = writer.finish().unwrap().into_inner();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&zip);
    let raw = format!(
        "From: a@force.police.uk\r\nTo: b@gmail.com\r\nSubject: files\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n\
         Content-Type: text/plain\r\n\r\nsee attached\r\n--outer\r\n\
         Content-Type: application/zip; name=files.zip\r\n\
         Content-Disposition: attachment; filename=files.zip\r\n\
         C ontent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--outer--\r\n"
    );
    let event = decode(raw.as_bytes());
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(text.contains(WORDS), "{attachment:?}");
    assert!(
        text.contains(
            "[read too as decoded by a line that is no field names its transfer encoding]"
        ),
        "{text:?}"
    );
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap_or_default()
            .contains("as decoded by a line that is no field names its transfer encoding (RFC 5322 has none), a file"),
        "{attachment:?}"
    );
    assert_eq!(event.labels["email.misread_transfer_encoding"], "true");
}

/// A message attached as it is (7bit) with a transfer encoding that says otherwise: base64,
/// which RFC 2046 (section 5.2.1) forbids for message/rfc822 but senders write, or a line that is
/// no field (`C ontent-Transfer-Encoding: base64`, white space inside its name), which the parser
/// takes for the field. Either way it is read as the message it is, its parties listed; under
/// `base64` it was read as text, headers and all, and not as a message.
#[test]
fn a_message_attached_as_it_is_under_a_transfer_encoding_is_read_as_a_message() {
    let inner = "From: carol@example.com\r\nTo: dan@example.com\r\nSubject: the address\r\n\r\nI know where you live.\r\n";
    for field in [
        "Content-Transfer-Encoding: base64",
        "C ontent-Transfer-Encoding: base64",
    ] {
        let raw = format!(
            "From: alan.smith@force.police.uk\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: message/rfc822\r\n{field}\r\n\r\n{inner}\r\n--B--\r\n"
        );
        let event = decode(raw.as_bytes());
        let attachment = &event.email.as_ref().unwrap().attachments[0];
        let text = attachment.text.as_deref().unwrap_or_default();
        assert_eq!(text, "the address\n\nI know where you live.", "{field}");
        let held = &event.original["probity.attached_messages"][0];
        assert_eq!(held["attachment"], 0, "{field}: {held}");
        assert_eq!(held["end"].as_u64(), Some(text.len() as u64), "{held}");
        assert!(
            held["headers"].to_string().contains("carol@example.com"),
            "{field}: {held}"
        );
    }
}

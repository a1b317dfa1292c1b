//! A MIME part with no `Content-Type`, or one that is not valid, is text/plain (RFC 2045,
//! section 5.2; RFC 2046, section 5.1.1). Such a part the mail parser makes an attachment (marked
//! as an attachment; its multipart never ended, before such multiparts were closed at the end of
//! the message, `mail/unclosed.rs`) was read as a file of unknown type: with
//! binary bytes after its text, over half of them, none of its text was read ("text is not
//! extracted from attachments of unknown type"; the comms fuzzer's s47 c145d59be5a982e5). Its
//! lines of text before the binary ones are read now; a file format its bytes begin as is still
//! read as that file, and a binary part's stray text is still not read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{decode, only_attachment};
use std::io::Write;

use base64::Engine;
use probity_model::Attachment;

/// The note on a part read as text/plain for having no type.
const UNTYPED: &str =
    "it has no Content-Type field that can be read, which RFC 2045 reads as text/plain";

/// Bytes that are not UTF-8 and hold no line break, as the fuzzer's were: `ff ff 28`, over
/// and over.
fn binary() -> Vec<u8> {
    std::iter::repeat_n([0xffu8, 0xff, b'('], 64)
        .flatten()
        .collect()
}

/// A `multipart/mixed` message whose one part, never ended, is `part` (its header block, a blank
/// line, its body).
fn unended(part: &[u8]) -> Vec<u8> {
    let mut raw = b"From: a@force.police.uk\nTo: b@force.police.uk\nSubject: s\nContent-Type: multipart/mixed; boundary=\"N\"\n\n--N\n".to_vec();
    raw.extend_from_slice(part);
    raw
}

/// `text`, a line break, then [`binary`].
fn text_then_binary(text: &str) -> Vec<u8> {
    let mut body = format!("{text}\n").into_bytes();
    body.extend(binary());
    body
}

fn assert_read_as_untyped_text(attachment: &Attachment, text: &str) {
    assert_eq!(attachment.text.as_deref(), Some(text), "{attachment:?}");
    let note = attachment.extraction.as_deref().unwrap();
    assert!(note.contains(UNTYPED), "{note}");
    assert!(
        note.contains("its lines of text before the first binary one read"),
        "{note}"
    );
    assert!(!note.contains("unknown type"), "{note}");
}

/// The finding as the fuzzer made it: the part's only header line is broken (`;` for `:`), so
/// it has no Content-Type; its body a header line, a blank line, the word, and binary bytes. Its
/// multipart is never closed: it is closed at the end of the message, and the part, text/plain,
/// is the body, its text read (the parser made it an attachment, for its transfer encoding
/// broken).
#[test]
fn a_part_whose_only_header_line_is_broken_has_its_text_read() {
    let mut part = b"Content-Type; message/rfc822\n\n".to_vec();
    part.extend(text_then_binary(
        "Content-Type: text/plain\n\nzqxcanaryword",
    ));
    let event = decode(&unended(&part));
    let body = unended_body(&event);
    assert!(
        body.starts_with("Content-Type: text/plain\n\nzqxcanaryword\n"),
        "{body:?}"
    );
}

/// A part with no header block at all, its text first.
#[test]
fn a_part_with_no_header_fields_has_its_text_read_before_binary_bytes() {
    let mut part = b"\n".to_vec();
    part.extend(text_then_binary("Meet me behind the station at nine."));
    let event = decode(&unended(&part));
    let body = unended_body(&event);
    assert!(
        body.starts_with("Meet me behind the station at nine.\n"),
        "{body:?}"
    );
}

/// The body of a message made by [`unended`], which has no attachment: its multipart is closed
/// at the end of the message, and labelled so.
fn unended_body(event: &probity_model::Event) -> &str {
    let email = event.email.as_ref().unwrap();
    assert!(email.attachments.is_empty(), "{email:?}");
    assert_eq!(event.labels["email.unclosed_multiparts"], "1");
    email.body.as_deref().unwrap_or_default()
}

/// A type with no subtype (`base64`) is text/plain as much as none is: it was "not extracted
/// from base64".
#[test]
fn a_part_whose_type_is_not_valid_has_its_text_read_before_binary_bytes() {
    let mut part = b"Content-Type: base64\n\n".to_vec();
    part.extend(text_then_binary("Meet me behind the station at nine."));
    let event = decode(&unended(&part));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station at nine."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.contains(
            "its type base64 is not a valid media type (it has no subtype), which RFC 2045 reads as text/plain"
        ),
        "{note}"
    );
    assert!(!note.contains("text is not extracted"), "{note}");
    assert_eq!(event.labels["email.invalid_content_type"], "true");
}

/// A part ended as it should be, with no type, that the sender marked as an attachment: the
/// parser makes it one too.
#[test]
fn an_untyped_part_marked_as_an_attachment_has_its_text_read() {
    let mut part = b"Content-Disposition: attachment\n\n".to_vec();
    part.extend(text_then_binary("Meet me behind the station at nine."));
    part.extend_from_slice(b"\n--N--\n");
    let event = decode(&unended(&part));
    let attachment = only_attachment(&event);
    assert_read_as_untyped_text(attachment, "Meet me behind the station at nine.");
}

/// The same in a message attached to the event's own, whose attachments are read into its text.
#[test]
fn an_untyped_part_of_an_attached_message_has_its_text_read() {
    let mut inner = b"From: c@force.police.uk\nSubject: inner\nContent-Type: multipart/mixed; boundary=\"I\"\n\n--I\nContent-Type: text/plain\n\nSee attached.\n--I\nContent-Disposition: attachment\n\n".to_vec();
    inner.extend(text_then_binary("Meet me behind the station at nine."));
    inner.extend_from_slice(b"\n--I--\n");
    let mut part = b"Content-Type: message/rfc822\n\n".to_vec();
    part.extend(inner);
    part.extend_from_slice(b"\n--N--\n");
    let event = decode(&unended(&part));
    let attachment = only_attachment(&event);
    let text = attachment.text.as_deref().unwrap();
    assert!(
        text.contains("Meet me behind the station at nine."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(note.contains(UNTYPED), "{note}");
}

/// A part with no type whose bytes are a file (a DOCX: a zip, sent in base64) is still read as
/// that file.
#[test]
fn an_untyped_part_holding_a_document_is_read_as_that_document() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    writer
        .write_all(b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Quarterly figures</w:t></w:r></w:p></w:body></w:document>")
        .unwrap();
    let docx = writer.finish().unwrap().into_inner();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&docx);
    let part = format!(
        "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n{encoded}\n--N--\n"
    );
    let event = decode(&unended(part.as_bytes()));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Quarterly figures"),
        "{attachment:?}"
    );
}

/// A binary part of no type that begins binary is not read for the stray text lines among its
/// bytes: they would be noise. The note says why, and not that its type is unknown.
#[test]
fn an_untyped_binary_part_is_not_read_for_its_stray_text() {
    let mut body = Vec::new();
    for n in 0..200u8 {
        body.extend_from_slice(&[n, n ^ 0x5a, 0x01, 0x9c, b'x', n.wrapping_mul(7)]);
        if n % 10 == 0 {
            body.extend_from_slice(b"\nWord\n");
        }
    }
    let mut part = b"Content-Disposition: attachment\n\n".to_vec();
    part.extend(&body);
    part.extend_from_slice(b"\n--N--\n");
    let event = decode(&unended(&part));
    let attachment = only_attachment(&event);
    assert_eq!(attachment.text, None, "{attachment:?}");
    let note = attachment.extraction.as_deref().unwrap();
    assert!(note.contains(UNTYPED), "{note}");
    assert!(
        note.contains("it begins with a binary line, and lines that are binary are over half of its bytes, as in a binary file; text not extracted"),
        "{note}"
    );
}

/// Where binary lines do not outweigh the text, every line of text is read, after binary ones
/// too.
#[test]
fn an_untyped_part_mostly_text_has_every_line_of_text_read() {
    let mut body = b"First line of the letter.\n".to_vec();
    body.extend((0..30u8).map(|n| if n % 5 == 0 { n % 8 } else { 0x80 | (n * 4) }));
    body.extend_from_slice(b"\nLast line of the letter.\n");
    let mut part = b"Content-Disposition: attachment\n\n".to_vec();
    part.extend(&body);
    part.extend_from_slice(b"--N--\n");
    let event = decode(&unended(&part));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("First line of the letter.\nLast line of the letter."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(note.contains(UNTYPED), "{note}");
    assert!(
        note.contains("read line by line: not text as a whole; 1 lines that are not text left out"),
        "{note}"
    );
}

/// In a `multipart/digest` a part with no type is a message (RFC 2046, section 5.1.5), not
/// text/plain: it is not noted as one by RFC 2045's default.
#[test]
fn an_untyped_part_of_a_digest_is_not_read_as_text_plain() {
    let mut raw = b"From: a@force.police.uk\nTo: b@force.police.uk\nSubject: s\nContent-Type: multipart/digest; boundary=\"N\"\n\n--N\n\n".to_vec();
    raw.extend(text_then_binary("Meet me behind the station at nine."));
    let event = decode(&raw);
    for attachment in &event.email.as_ref().unwrap().attachments {
        let note = attachment.extraction.as_deref().unwrap_or_default();
        assert!(!note.contains(UNTYPED), "{note}");
    }
}

/// A part of a `multipart/digest` with no type whose body is not a message (the text starts at
/// once, binary bytes after it, never closed) has its text read as text/plain, noted so: it was
/// read as a file of unknown type, and its text lost.
#[test]
fn an_untyped_part_of_a_digest_that_is_not_a_message_has_its_text_read() {
    let mut raw = b"From: a@force.police.uk\nTo: b@force.police.uk\nSubject: s\nContent-Type: multipart/digest; boundary=\"N\"\n\n--N\n\n".to_vec();
    raw.extend(text_then_binary("Meet me behind the station at nine."));
    let event = decode(&raw);
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station at nine."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.contains("it has no Content-Type field that can be read, which in a multipart/digest is message/rfc822 (RFC 2046), but it is not a message: read as text/plain"),
        "{note}"
    );
    assert!(!note.contains("unknown type"), "{note}");
    // The parser marks it as a part whose transfer encoding is broken, which it is not: it was
    // noted and labelled so.
    assert!(!note.contains("transfer encoding"), "{note}");
    assert!(
        !event.labels.contains_key("email.encoding_problem"),
        "{:?}",
        event.labels
    );
    assert_eq!(event.labels["email.part_not_a_message"], "true");

    // One that is a message is still read as one.
    let mut raw = b"From: a@force.police.uk\nTo: b@force.police.uk\nSubject: s\nContent-Type: multipart/digest; boundary=\"N\"\n\n--N\n\nFrom: c@force.police.uk\nSubject: inner\n\n".to_vec();
    raw.extend(text_then_binary("Meet me behind the station at nine."));
    let event = decode(&raw);
    let attachment = only_attachment(&event);
    assert!(
        attachment
            .text
            .as_deref()
            .unwrap()
            .starts_with("inner\n\nMeet me behind the station at nine."),
        "{attachment:?}"
    );
    assert_eq!(attachment.extraction, None);
    assert!(!event.labels.contains_key("email.part_not_a_message"));
}

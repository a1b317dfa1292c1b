//! Mail whose parts declare their type badly: a type with no subtype (`Content-Type: p`), a
//! part never ended that has no header fields, two `Content-Type` fields that disagree. Each
//! part's text is read, and how it was read is noted and labelled (found by the fuzzer).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{decode, only_attachment};
use probity_ingest::Limits;
use probity_ingest::attach::{Input, extract_text};

fn message(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: s\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

// ---------------------------------------------------------------------------------------------
// A type with no subtype: text/plain (RFC 2045, section 5.2)
// ---------------------------------------------------------------------------------------------

/// A body whose type has no subtype, with a line of control bytes: not text as a whole, and
/// under `application` (a registered top-level type) it was named, not read.
#[test]
fn a_type_with_no_subtype_is_read_as_text_line_by_line() {
    let mut body = b"Meet me behind the station.\r\nBring the files.\r\n".to_vec();
    body.extend((0..30u8).map(|n| if n % 5 == 0 { n % 8 } else { 0x80 | (n * 4) }));
    body.extend_from_slice(b"\r\n");
    let event = decode(&message("application", &body));
    let attachment = only_attachment(&event);
    let text = attachment.text.as_deref().unwrap_or_default();
    assert_eq!(
        text, "Meet me behind the station.\nBring the files.",
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.starts_with(
            "its type application is not a valid media type (it has no subtype), which RFC 2045 reads as text/plain"
        ),
        "{note}"
    );
    assert!(note.contains("read line by line"), "{note}");
    assert_eq!(event.labels["email.invalid_content_type"], "true");
}

/// `wordprocessingml` is no DOCX type: the bytes were left to the zip reader ("corrupt zip").
#[test]
fn a_type_with_no_subtype_naming_a_format_does_not_send_text_to_its_reader() {
    let event = decode(&message(
        "wordprocessingml",
        b"Meet me behind the station.\r\n\x8f\r\n",
    ));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station."),
        "{attachment:?}"
    );
}

/// Bytes that start with a Word 97–2003 file's signature but are lines of text: the Office
/// reader finds nothing, and the lines are read as the type (`p`, text/plain) says.
#[test]
fn text_under_a_type_with_no_subtype_that_starts_as_an_office_file_is_read_line_by_line() {
    let mut body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\r\n".to_vec();
    body.extend_from_slice(b"Meet me behind the station.\r\n");
    let event = decode(&message("p", &body));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.contains("read line by line: its bytes begin as a file of another kind (Office)"),
        "{note}"
    );
}

/// A file of a format still goes to its reader whatever its type says: a DOCX under a type with
/// no subtype is read as a DOCX.
#[test]
fn a_document_under_a_type_with_no_subtype_is_read_by_its_format() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("word/document.xml", options).unwrap();
    std::io::Write::write_all(
        &mut writer,
        b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Quarterly figures</w:t></w:r></w:p></w:body></w:document>",
    )
    .unwrap();
    let docx = writer.finish().unwrap().into_inner();
    let got = extract_text(
        &Input {
            bytes: &docx,
            mime_type: Some("wordprocessingml"),
            ..Input::default()
        },
        &Limits::default(),
    );
    assert_eq!(got.text.as_deref(), Some("Quarterly figures"), "{got:?}");
}

/// A binary file under a type with no subtype is not read as text: its stray text would be
/// noise.
#[test]
fn a_binary_file_under_a_type_with_no_subtype_is_not_read_as_text() {
    let mut bytes = Vec::new();
    for n in 0..200u8 {
        bytes.extend_from_slice(&[n, n ^ 0x5a, 0x01, 0x9c, b'x', n.wrapping_mul(7)]);
        if n % 10 == 0 {
            bytes.extend_from_slice(b"\nWord\n");
        }
    }
    let got = extract_text(
        &Input {
            bytes: &bytes,
            mime_type: Some("p"),
            ..Input::default()
        },
        &Limits::default(),
    );
    assert_eq!(got.text, None, "{got:?}");
}

// ---------------------------------------------------------------------------------------------
// A part with no header fields, never ended
// ---------------------------------------------------------------------------------------------

/// A part with an empty header block (text/plain, RFC 2046) that its multipart never ends, text
/// then binary: the parser kept it as an attachment, its text with each byte that is not UTF-8
/// replaced, three bytes for one, and read so its binary lines outweighed its text. The
/// multipart is closed at the end of the message now, and the part is the body it is.
#[test]
fn an_unended_part_with_no_header_fields_has_its_text_read() {
    let mut raw = message("multipart/mixed; boundary=b", b"--b\r\n\r\n");
    raw.extend_from_slice(b"Meet me behind the station.\r\n");
    let binary: Vec<u8> = (0..30u8).map(|n| 0x80 | (n * 3)).collect();
    raw.extend_from_slice(&binary);
    raw.extend_from_slice(b"\r\n");
    let event = decode(&raw);
    let email = event.email.as_ref().unwrap();
    assert!(email.attachments.is_empty(), "{email:?}");
    let body = email.body.as_deref().unwrap_or_default();
    assert!(body.starts_with("Meet me behind the station."), "{body:?}");
    assert_eq!(event.labels["email.unclosed_multiparts"], "1");
}

// ---------------------------------------------------------------------------------------------
// Two Content-Type fields
// ---------------------------------------------------------------------------------------------

fn with_two_types(first: &str, second: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: s\r\nContent-Type: {first}\r\nContent-Type: {second}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// Text then binary bytes, the binary over half of them.
fn text_then_binary() -> Vec<u8> {
    let mut body = b"Meet me behind the station.\r\n".to_vec();
    body.extend(std::iter::repeat_n([0xffu8, 0xfe], 40).flatten());
    body.extend_from_slice(b"\r\n");
    body
}

/// mail-parser takes the last field; a garbled one (`applicauioo/msword`) said the part was of
/// no known type, and its text lines were outweighed by binary ones. The earlier text/plain is
/// read by, line by line, the binary lines left out rather than read as text.
#[test]
fn a_garbled_second_type_gives_way_to_an_earlier_text_type() {
    let event = decode(&with_two_types(
        "text/plain; charset=us-ascii",
        "applicauioo/msword",
        &text_then_binary(),
    ));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.starts_with(
            "its Content-Type fields disagree (text/plain, applicauioo/msword; the mail parser takes the last): read as text/plain"
        ),
        "{note}"
    );
    assert_eq!(event.labels["email.content_types_disagree"], "true");
}

/// A valid second type is read by, but where it gives no text, the earlier text type is read
/// by too: a second field does not hide a text.
#[test]
fn a_valid_second_type_that_gives_no_text_does_not_hide_an_earlier_text_type() {
    let event = decode(&with_two_types(
        "text/plain",
        "application/octet-stream",
        &text_then_binary(),
    ));
    let attachment = only_attachment(&event);
    assert_eq!(
        attachment.text.as_deref(),
        Some("Meet me behind the station."),
        "{attachment:?}"
    );
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.contains("read as text/plain where application/octet-stream gave no text"),
        "{note}"
    );
}

/// Binary bytes under two types, one text: only lines that are text are read, never the bytes
/// as text (replacement characters up to the text limit).
#[test]
fn binary_bytes_under_a_disputed_text_type_are_not_read_as_text() {
    let binary: Vec<u8> = (0..4000u32).map(|n| (n * 37 % 251) as u8 | 0x80).collect();
    let event = decode(&with_two_types("text/plain", "x/y", &binary));
    let attachment = only_attachment(&event);
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(!text.contains('\u{FFFD}'), "{attachment:?}");
    assert!(text.len() < 100, "{attachment:?}");
}

/// Two multipart types, the first's boundary found and the last's nowhere (the second boundary
/// that of the multipart holding the part, or a new one), under `base64`: mail-parser takes the
/// last, reads the part as text of no known type and gives up on the base64. The part's text,
/// which is not base64, was decoded passing over what is not, into bytes at random, and the
/// line in its text/plain part was lost, labelled only as an encoding problem (comms fuzzer s44
/// 9cefecc0dd9f53de, minimised). It was read as written; now the part is read by the first
/// type, whose boundary is found (below), and the line is read from its text/plain part, in the
/// body or an attachment as the parser puts it.
#[test]
fn two_multipart_types_whose_last_boundary_is_never_found_labelled_base64_keep_the_text() {
    for second_boundary in ["N", "Q"] {
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=\"N\"\n\n--N\n\
             Content-Type: multipart/mixed; boundary=jb\r\n\
             Content-Type: multipart/mixed; boundary=\"{second_boundary}\"\n\
             Content-Transfer-Encoding: base64\n\r\n--jb\nContent-Type: text/plain\n\n\
             I know where you live.\n"
        );
        let event = decode(raw.as_bytes());
        let email = event.email.as_ref().unwrap();
        let texts: Vec<&str> = email
            .body
            .iter()
            .chain(email.attachments.iter().filter_map(|a| a.text.as_ref()))
            .map(String::as_str)
            .collect();
        assert!(
            texts
                .iter()
                .any(|text| text.contains("I know where you live.")),
            "{second_boundary}: {email:?}"
        );
        assert_eq!(event.labels["email.content_types_disagree"], "true");
    }
}

/// A multipart part's two multipart types: the first's boundary `jb` begins delimiter lines in
/// its body, the last's is found nowhere. mail-parser takes the last and read the part, parts and
/// all, as one text kept as written: its text/plain part in base64 reached the policies as base64
/// letters only (comms fuzzer s44, a variant of 9cefecc0dd9f53de). The part is read by the first,
/// as it is where the two are written the other way round; with a `Content-Transfer-Encoding`
/// on the multipart or without.
#[test]
fn two_multipart_types_the_last_boundary_found_nowhere_read_by_the_one_found() {
    for (encoding, last) in [
        ("Content-Transfer-Encoding: base64\n", "Q"),
        ("", "Q"),
        ("", "N"),
    ] {
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=\"N\"\n\n--N\n\
             Content-Type: multipart/mixed; boundary=jb\n\
             Content-Type: multipart/mixed; boundary=\"{last}\"\n\
             {encoding}\n--jb\nContent-Type: text/plain\n\
             Content-Transfer-Encoding: base64\n\n\
             SSBrbm93IHdoZXJlIHlvdSBsaXZlLiBXYXRjaCB5b3VyIGJhY2su\n--jb--\n"
        );
        let event = decode(raw.as_bytes());
        let body = event.email.as_ref().and_then(|email| email.body.as_deref());
        assert_eq!(
            body,
            Some("I know where you live. Watch your back."),
            "{last} {encoding:?}"
        );
        assert_eq!(event.labels["email.content_types_disagree"], "true");
        assert!(!event.labels.contains_key("email.encoding_problem"));
    }
}

/// The same in the message's own header block, with parts after the nested multipart: each
/// part is read, and the message's `Content-Type` fields are kept as written, both of them.
#[test]
fn a_message_whose_last_multipart_type_is_never_found_is_read_by_the_earlier_one() {
    let raw = b"From: a@force.police.uk\r\nSubject: s\r\n\
        Content-Type: multipart/mixed; boundary=jb\r\n\
        CONTENT-TYPE: multipart/mixed; boundary=\"Q\"\r\n\r\n\
        --jb\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        SSBrbm93IHdoZXJlIHlvdSBsaXZlLg==\r\n\
        --jb\r\nContent-Type: text/plain\r\n\r\nsecond part words\r\n--jb--\r\n";
    let event = decode(raw);
    let body = event
        .email
        .as_ref()
        .and_then(|email| email.body.as_deref())
        .unwrap_or_default();
    assert_eq!(body, "I know where you live.\nsecond part words");
    assert_eq!(
        event.original["Content-Type"],
        serde_json::json!([
            "multipart/mixed; boundary=jb",
            "multipart/mixed; boundary=\"Q\""
        ])
    );
    assert_eq!(event.labels["email.content_types_disagree"], "true");
}

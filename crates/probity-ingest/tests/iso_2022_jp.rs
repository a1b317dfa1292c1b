//! Japanese text in ISO-2022-JP (RFC 1468), the 7-bit encoding Japanese mail is written in, sent
//! without its charset: read as Japanese, not as ASCII control bytes and punctuation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::attach::{Input, extract_text};
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};

/// `警察の記録 abc テスト` in ISO-2022-JP (as Python's `codecs` writes it).
const JAPANESE: &[u8] = b"\x1b$B7Y;!$N5-O?\x1b(B abc \x1b$B%F%9%H\x1b(B";
const JAPANESE_TEXT: &str = "警察の記録 abc テスト";

fn extract(bytes: &[u8], mime: &str, name: &str) -> probity_ingest::attach::Extracted {
    extract_text(
        &Input {
            bytes,
            mime_type: Some(mime),
            name: Some(name),
            charset: None,
        },
        &Limits::default(),
    )
}

#[test]
fn an_attachment_of_no_text_type_in_iso_2022_jp_is_read_as_japanese() {
    let got = extract(JAPANESE, "application/octet-stream", "memo.dat");
    assert_eq!(got.text.as_deref(), Some(JAPANESE_TEXT), "{got:?}");
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("ISO-2022-JP"),
        "{got:?}"
    );
}

#[test]
fn a_text_attachment_with_no_charset_in_iso_2022_jp_is_read_as_japanese() {
    let got = extract(JAPANESE, "text/plain", "memo.txt");
    assert_eq!(got.text.as_deref(), Some(JAPANESE_TEXT), "{got:?}");
}

/// Bytes with escapes that are not ISO-2022-JP's (a terminal log's colour codes), or with high
/// bytes, are not read as Japanese.
#[test]
fn other_escapes_are_not_read_as_japanese() {
    let log = b"\x1b[31mERROR\x1b[0m disk full on host one and more words here to read\n";
    let got = extract(log, "text/plain", "build.log");
    let text = got.text.unwrap_or_default();
    assert!(
        text.contains("ERROR") && text.contains("disk full"),
        "{text:?}"
    );
    assert!(
        !got.note.unwrap_or_default().contains("ISO-2022-JP"),
        "a terminal log is not Japanese"
    );
    let mut high = JAPANESE.to_vec();
    high.extend_from_slice(b" caf\xe9");
    let got = extract(&high, "text/plain", "memo.txt");
    assert!(!got.note.unwrap_or_default().contains("ISO-2022-JP"));
}

#[test]
fn a_mail_body_with_no_charset_in_iso_2022_jp_is_read_as_japanese_and_labelled() {
    let mut raw = b"From: a@force.example\r\nTo: b@example.org\r\nSubject: memo\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    raw.extend_from_slice(JAPANESE);
    raw.extend_from_slice(b"\r\n");
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(&raw, &mut ctx, None, &mut batch).unwrap();
    let event = batch.events.remove(0);
    let body = event.email.as_ref().and_then(|email| email.body.clone());
    assert!(
        body.as_deref()
            .is_some_and(|body| body.contains(JAPANESE_TEXT)),
        "{body:?}"
    );
    assert_eq!(
        event
            .labels
            .get("email.encoding_problem")
            .map(String::as_str),
        Some("true"),
        "{:?}",
        event.labels
    );
}

//! The EML and MBOX decoder against mail-parser's own test messages, our fixtures, and arbitrary
//! bytes.

// The whole file is test code; clippy only sees that inside `#[test]` functions, not in helpers.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use probity_ingest::mail::{decode_eml, decode_mbox};
use probity_ingest::{Batch, Context, Limits, Sink};
use probity_model::{Event, Format, Identity};
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mail/eml");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mail");

fn fixture(name: &str) -> Vec<u8> {
    fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

fn context(limits: Limits) -> Context {
    Context::new("file:test", limits)
}

fn eml_event(bytes: &[u8]) -> Event {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, Some("fixture.eml".into()), &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1);
    batch.events.remove(0)
}

fn addresses(list: &[Identity]) -> Vec<&str> {
    list.iter().map(Identity::as_str).collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// mail-parser's corpus
// ---------------------------------------------------------------------------------------------

fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["rfc", "malformed", "thirdparty"] {
        for entry in fs::read_dir(Path::new(CORPUS).join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "eml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// mail-parser's tests parse each message with its CRs stripped (expecting `NNN.json`) and with
/// every LF made CRLF (expecting `NNN.crlf.json`).
fn strip_cr(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|&b| b != b'\r').collect()
}

fn add_cr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    let mut last = 0u8;
    for &byte in bytes {
        if byte == b'\n' && last != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        last = byte;
    }
    out
}

/// What the expected parse says about one message.
#[derive(Debug, Default)]
struct Expected {
    subject: Option<String>,
    from: Vec<String>,
    sender: Vec<String>,
    to: Vec<String>,
    cc: Vec<String>,
    message_id: Option<String>,
    date: Option<String>,
    attachment_names: Vec<Option<String>>,
    /// Decoded attachment contents where the parse gives them (binary and text parts).
    attachment_contents: Vec<Option<AttachmentContent>>,
}

#[derive(Debug)]
enum AttachmentContent {
    Binary(Vec<u8>),
    Text(String),
}

/// A header name in mail-parser's serialisation: `"content_type"`, or `{"other": "Delivered-To"}`
/// from older versions; normalised to `content_type` / `delivered_to`.
fn header_name(name: &Value) -> String {
    let text = match name {
        Value::String(text) => text.as_str(),
        Value::Object(map) => map.get("other").and_then(Value::as_str).unwrap_or(""),
        _ => "",
    };
    text.to_ascii_lowercase().replace('-', "_")
}

fn headers_named<'a>(headers: &'a Value, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    headers
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |header| header_name(&header["name"]) == name)
        .map(|header| &header["value"])
}

fn expected_addresses(headers: &Value, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for value in headers_named(headers, name) {
        let address = &value["Address"];
        let mut entries: Vec<&Value> = Vec::new();
        if let Some(list) = address["List"].as_array() {
            entries.extend(list);
        }
        for group in address["Group"].as_array().into_iter().flatten() {
            entries.extend(group["addresses"].as_array().into_iter().flatten());
        }
        for entry in entries {
            if let Some(text) = entry["address"].as_str().map(str::trim)
                && !text.is_empty()
            {
                out.push(text.to_owned());
            }
        }
    }
    out
}

fn attribute(headers: &Value, header: &str, attribute: &str) -> Option<String> {
    let value = headers_named(headers, header).last()?;
    value["ContentType"]["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["name"] == attribute)?["value"]
        .as_str()
        .map(str::to_owned)
}

/// mail-parser's `DateTime` as RFC 3339 UTC, computed here independently of the decoder.
fn expected_date(headers: &Value) -> Option<String> {
    let date = &headers_named(headers, "date").last()?["DateTime"];
    let field = |name: &str| date[name].as_i64();
    let local = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(field("year")?).ok()?,
        u32::try_from(field("month")?).ok()?,
        u32::try_from(field("day")?).ok()?,
    )?
    .and_hms_opt(
        u32::try_from(field("hour")?).ok()?,
        u32::try_from(field("minute")?).ok()?,
        u32::try_from(field("second")?).ok()?,
    )?;
    let offset_seconds = field("tz_hour")? * 3600 + field("tz_minute")? * 60;
    let east = if date["tz_before_gmt"].as_bool()? {
        -offset_seconds
    } else {
        offset_seconds
    };
    let zone = chrono::FixedOffset::east_opt(i32::try_from(east).ok()?)?;
    let utc = local.and_local_timezone(zone).single()?.to_utc();
    Some(utc.to_rfc3339())
}

fn expected_content(part: &Value) -> Option<AttachmentContent> {
    let body = &part["body"];
    if let Some(text) = body["Text"].as_str().or_else(|| body["Html"].as_str()) {
        return Some(AttachmentContent::Text(text.to_owned()));
    }
    let bytes = body["Binary"]
        .as_array()
        .or_else(|| body["InlineBinary"].as_array())?;
    let bytes = bytes
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Some(AttachmentContent::Binary(bytes))
}

fn expected(json: &Value) -> Expected {
    let headers = &json["parts"][0]["headers"];
    let subject = headers_named(headers, "subject")
        .last()
        .and_then(|value| value["Text"].as_str())
        .map(str::to_owned);
    // A multipart part whose boundary is never found is an attachment to mail-parser; Probity
    // reads it as the body and labels the message (docs/messages.md, "Bad input").
    let attachment_ids: Vec<&Value> = json["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|id| {
            let part_headers = &json["parts"][id.as_u64().unwrap() as usize]["headers"];
            headers_named(part_headers, "content_type")
                .last()
                .and_then(|value| value["ContentType"]["c_type"].as_str())
                .is_none_or(|ctype| !ctype.eq_ignore_ascii_case("multipart"))
        })
        .collect();
    let attachment_names = attachment_ids
        .iter()
        .map(|id| {
            let part_headers = &json["parts"][id.as_u64().unwrap() as usize]["headers"];
            attribute(part_headers, "content_disposition", "filename")
                .or_else(|| attribute(part_headers, "content_type", "name"))
        })
        .collect();
    let attachment_contents = attachment_ids
        .iter()
        .map(|id| expected_content(&json["parts"][id.as_u64().unwrap() as usize]))
        .collect();
    Expected {
        subject,
        from: expected_addresses(headers, "from"),
        sender: expected_addresses(headers, "sender"),
        to: expected_addresses(headers, "to"),
        cc: expected_addresses(headers, "cc"),
        message_id: headers_named(headers, "message_id")
            .last()
            .and_then(|value| value["Text"].as_str())
            .map(str::to_owned),
        date: expected_date(headers),
        attachment_names,
        attachment_contents,
    }
}

fn compare(label: &str, event: &Event, expected: &Expected, mismatches: &mut Vec<String>) {
    let Some(email) = &event.email else {
        mismatches.push(format!("{label}: no email fields"));
        return;
    };
    if email.subject != expected.subject {
        mismatches.push(format!(
            "{label}: subject {:?}, expected {:?}",
            email.subject, expected.subject
        ));
    }
    let expected_from = if expected.from.is_empty() {
        &expected.sender
    } else {
        &expected.from
    };
    if addresses(&email.from) != *expected_from {
        mismatches.push(format!(
            "{label}: from {:?}, expected {:?}",
            addresses(&email.from),
            expected_from
        ));
    }
    if addresses(&email.to) != expected.to {
        mismatches.push(format!(
            "{label}: to {:?}, expected {:?}",
            addresses(&email.to),
            expected.to
        ));
    }
    if addresses(&email.cc) != expected.cc {
        mismatches.push(format!(
            "{label}: cc {:?}, expected {:?}",
            addresses(&email.cc),
            expected.cc
        ));
    }
    if email.message_id != expected.message_id {
        mismatches.push(format!(
            "{label}: message id {:?}, expected {:?}",
            email.message_id, expected.message_id
        ));
    }
    let date = email.origination_timestamp.map(|ts| ts.to_rfc3339());
    if date != expected.date {
        mismatches.push(format!(
            "{label}: date {date:?}, expected {:?}",
            expected.date
        ));
    }
    // The corpus's text attachments are ASCII or UTF-8, so mail-parser's decoded text is also the
    // attached bytes; the ISO-8859-1 fixture below covers the case where they differ.
    for (n, (attachment, content)) in email
        .attachments
        .iter()
        .zip(&expected.attachment_contents)
        .enumerate()
    {
        let (expected_size, expected_hash) = match content {
            Some(AttachmentContent::Binary(bytes)) => (bytes.len(), sha256(bytes)),
            Some(AttachmentContent::Text(text))
                if BASE64_PLACEHOLDERS
                    .iter()
                    .any(|name| label.starts_with(name)) =>
            {
                if attachment.text.as_deref() != Some(text.trim()) {
                    mismatches.push(format!(
                        "{label}: attachment {n} reads {:?}, expected {text:?} as written",
                        attachment.text
                    ));
                }
                continue;
            }
            Some(AttachmentContent::Text(text)) => (text.len(), sha256(text.as_bytes())),
            None => continue,
        };
        let file = &attachment.file;
        if file.size != Some(expected_size as u64)
            || file.hash.sha256.as_deref() != Some(expected_hash.as_str())
        {
            mismatches.push(format!(
                "{label}: attachment {n} ({:?}) has {:?} bytes, expected {expected_size} ({content:?})",
                file.name, file.size
            ));
        }
    }
    let names: Vec<Option<String>> = email
        .attachments
        .iter()
        .map(|a| a.file.name.clone())
        .collect();
    if names != expected.attachment_names {
        mismatches.push(format!(
            "{label}: attachments {names:?}, expected {:?}",
            expected.attachment_names
        ));
    }
    if event.message != expected.subject {
        mismatches.push(format!("{label}: message is not the subject"));
    }
}

/// Messages of the corpus with words where base64 should be (RFC 2046's example: `... base64-encoded
/// image data goes here ...` under `Content-Transfer-Encoding: base64`), which mail-parser keeps
/// as written: the decoder decodes them passing over what is not base64, as RFC 2045 has it and
/// mail programs do, so their size and hash are those of the bytes that gives; their words, which
/// those bytes are not, are read as written.
const BASE64_PLACEHOLDERS: [&str; 1] = ["rfc/000.eml"];

/// Messages of the corpus that mail-parser splits at a boundary that begins a line but goes on
/// (`--ab` where the boundary is `a`), which RFC 2046 does not count as a delimiter: the decoder
/// splits them at delimiter lines only, so their parts differ from mail-parser's.
const SPLIT_AT_DELIMITER_LINES_ONLY: [&str; 2] = ["malformed/004.eml", "malformed/007.eml"];

/// Messages of the corpus with a multipart inside another that is never closed, where
/// mail-parser reads the holder's next delimiter line and the parts after it as text of the inner
/// multipart's last part: the decoder ends the inner multipart there, as RFC 2046 has it, so that
/// those parts are parts of the holder, and their parts differ from mail-parser's. In
/// `malformed/001.eml` the inner multipart (boundary `a`) has an empty body, the holder's next
/// delimiter line (`--ab`) straight under its header block: mail-parser takes that line for the
/// inner one's first delimiter and the line `--a` of the holder's next part for its second; the
/// decoder closes the inner multipart there, and `--a` is that part's text.
const CLOSED_BEFORE_THE_HOLDERS_DELIMITER: [&str; 5] = [
    "malformed/001.eml",
    "malformed/009.eml",
    "malformed/011.eml",
    "malformed/012.eml",
    "malformed/016.eml",
];

/// Messages of the corpus whose outermost multipart is never closed, its last part text:
/// mail-parser reads that part as one whose transfer encoding is broken, and makes it an
/// attachment. The decoder closes the multipart at the end of the message, and the part is the
/// body text it is.
const CLOSED_AT_THE_END: [&str; 3] = [
    "malformed/003.eml",
    "malformed/006.eml",
    "malformed/008.eml",
];

/// Such a message is labelled, has no attachment, and its body holds the text mail-parser made
/// an attachment of.
fn closed_at_the_end(name: &str, event: &Event, expected: &Expected) {
    assert!(
        event.labels.contains_key("email.unclosed_multiparts"),
        "{name}: {:?}",
        event.labels
    );
    assert!(
        !event.labels.contains_key("email.encoding_problem"),
        "{name}"
    );
    let email = event.email.as_ref().unwrap();
    assert!(
        email.attachments.is_empty(),
        "{name}: {:?}",
        email.attachments
    );
    let body = email.body.as_deref().unwrap_or_default();
    assert_eq!(expected.attachment_contents.len(), 1, "{name}");
    for content in expected.attachment_contents.iter().flatten() {
        if let AttachmentContent::Text(text) = content {
            assert!(
                body.contains(text.trim()),
                "{name}: {text:?} not in {body:?}"
            );
        }
    }
}

/// Messages of the corpus with messages attached by their header fields alone, written with no
/// blank line under them, so that the next delimiter line of the multipart holding them is in
/// their header block: mail-parser reads the next attached message's header fields into the
/// first, which hides the rest (one attachment where three were sent). The decoder ends the
/// header block at the delimiter line, as RFC 2046 has it.
const ATTACHED_HEADER_BLOCKS_ENDED: [&str; 1] = ["thirdparty/015.eml"];

/// Such a message is labelled and has the attached messages sent, each read with its subject;
/// the rest is compared as for any message.
fn attached_header_blocks_ended(name: &str, event: &Event, expected: &mut Expected) {
    assert!(
        event
            .labels
            .contains_key("email.delimiters_in_part_headers"),
        "{name}: {:?}",
        event.labels
    );
    let email = event.email.as_ref().unwrap();
    let names: Vec<Option<String>> = email
        .attachments
        .iter()
        .map(|a| a.file.name.clone())
        .collect();
    let sent = ["training-mail.txt", "office-reply.txt", "shop-mail.txt"].map(|n| Some(n.into()));
    assert_eq!(names, sent, "{name}");
    assert_eq!(names.first(), expected.attachment_names.first(), "{name}");
    for (attachment, subject) in email.attachments.iter().zip([
        "Exciting updates for our training partnership",
        "RE: (#5290765) Proxmox Shop E-Mails",
    ]) {
        assert!(
            attachment
                .text
                .as_deref()
                .unwrap_or_default()
                .contains(subject),
            "{name}: {subject:?} not in {:?}",
            attachment.text
        );
    }
    expected.attachment_names = names;
    expected
        .attachment_contents
        .resize_with(email.attachments.len(), || None);
}

/// Such a message is labelled, and keeps every line of text mail-parser found in its parts (the
/// delimiter and header lines it took for text aside).
fn closed_before_the_holders_delimiter(name: &str, event: &Event, expected: &Expected) {
    assert!(
        event.labels.contains_key("email.unclosed_multiparts"),
        "{name}: {:?}",
        event.labels
    );
    let email = event.email.as_ref().unwrap();
    let mut read = email.body.clone().unwrap_or_default();
    for attachment in &email.attachments {
        read.push_str(attachment.text.as_deref().unwrap_or_default());
    }
    for content in expected.attachment_contents.iter().flatten() {
        if let AttachmentContent::Text(text) = content {
            for line in text.lines().map(str::trim) {
                let structure = line.starts_with("--") || line.starts_with("Content-Type:");
                assert!(
                    structure || read.contains(line),
                    "{name}: {line:?} not in {read:?}"
                );
            }
        }
    }
}

/// Such a message is labelled, and keeps the text mail-parser found in its parts.
fn split_at_delimiter_lines_only(name: &str, event: &Event, expected: &Expected) {
    assert!(
        event.labels.contains_key("email.misplaced_boundaries"),
        "{name}: {:?}",
        event.labels
    );
    let email = event.email.as_ref().unwrap();
    let mut read = email.body.clone().unwrap_or_default();
    for attachment in &email.attachments {
        read.push_str(attachment.text.as_deref().unwrap_or_default());
    }
    for content in expected.attachment_contents.iter().flatten() {
        if let AttachmentContent::Text(text) = content {
            assert!(
                read.contains(text.trim()),
                "{name}: {text:?} not in {read:?}"
            );
        }
    }
}

#[test]
fn corpus_decodes_and_matches_expected_parse() {
    let files = corpus_files();
    assert_eq!(files.len(), 53, "rfc 10 + malformed 23 + thirdparty 20");

    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for path in &files {
        let raw = fs::read(path).unwrap();
        let name = path.strip_prefix(CORPUS).unwrap().display().to_string();

        // As the file is: exactly one item, located where the caller said.
        let before = batch.events.len() + batch.rejected.len();
        decode_eml(&raw, &mut ctx, Some(name.clone()), &mut batch).unwrap();
        assert_eq!(
            batch.events.len() + batch.rejected.len(),
            before + 1,
            "{name}"
        );

        for (bytes, json_name) in [(strip_cr(&raw), "json"), (add_cr(&raw), "crlf.json")] {
            let json_path = path.with_extension(json_name);
            let json: Value = serde_json::from_slice(&fs::read(&json_path).unwrap()).unwrap();
            let mut one = Batch::new();
            decode_eml(&bytes, &mut ctx, Some(name.clone()), &mut one).unwrap();
            assert_eq!(one.events.len() + one.rejected.len(), 1, "{name}");
            let Some(event) = one.events.first() else {
                mismatches.push(format!(
                    "{name} ({json_name}): dead letter {:?}",
                    one.rejected
                ));
                continue;
            };
            let mut expected = expected(&json);
            if ATTACHED_HEADER_BLOCKS_ENDED.contains(&name.as_str()) {
                attached_header_blocks_ended(&name, event, &mut expected);
            }
            if CLOSED_BEFORE_THE_HOLDERS_DELIMITER.contains(&name.as_str()) {
                closed_before_the_holders_delimiter(&name, event, &expected);
                compared += 1;
                continue;
            }
            if CLOSED_AT_THE_END.contains(&name.as_str()) {
                closed_at_the_end(&name, event, &expected);
                compared += 1;
                continue;
            }
            if SPLIT_AT_DELIMITER_LINES_ONLY.contains(&name.as_str()) {
                split_at_delimiter_lines_only(&name, event, &expected);
                compared += 1;
                continue;
            }
            compare(
                &format!("{name} ({json_name})"),
                event,
                &expected,
                &mut mismatches,
            );
            compared += 1;
        }
    }
    assert_eq!(batch.events.len(), 53, "every corpus message is an event");
    assert!(batch.rejected.is_empty());
    assert!(batch.events.iter().all(|e| {
        e.provenance.format == Format::Eml
            && e.provenance
                .location
                .as_deref()
                .is_some_and(|l| l.ends_with(".eml"))
    }));
    assert_eq!(compared, 106);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Our fixtures
// ---------------------------------------------------------------------------------------------

/// The bytes base64-encoded into `multipart_attachments.eml`.
const PDF_BYTES: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn xlsx_bytes() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"PK\x05\x06");
    bytes.extend([0u8; 18]);
    bytes
}

#[test]
fn multipart_alternative_with_pdf_and_xlsx() {
    let raw = fixture("multipart_attachments.eml");
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "the fixture uses CRLF"
    );
    let event = eml_event(&raw);
    let email = event.email.as_ref().unwrap();

    assert_eq!(
        email.subject.as_deref(),
        Some("Quarterly figures and report")
    );
    assert_eq!(
        event.message.as_deref(),
        Some("Quarterly figures and report")
    );
    assert_eq!(addresses(&email.from), ["dc.harper@force.police.uk"]);
    assert_eq!(
        addresses(&email.to),
        ["sam.quinn@example.net", "records@example.org"]
    );
    assert_eq!(
        addresses(&email.cc),
        ["duty1@force.police.uk", "duty2@force.police.uk"],
        "group members are flattened"
    );
    assert!(email.bcc.is_empty());
    assert_eq!(
        email.message_id.as_deref(),
        Some("20260303091405.77B1C@force.police.uk")
    );
    assert_eq!(event.timestamp.to_rfc3339(), "2026-03-03T09:14:02+00:00");
    assert_eq!(email.origination_timestamp, Some(event.timestamp));

    let body = email.body.as_deref().unwrap();
    assert!(
        body.starts_with("Sam,\r\n\r\nAttached are the quarterly figures"),
        "{body:?}"
    );
    assert!(!body.contains("<b>"), "the text/plain part is preferred");

    assert_eq!(email.attachments.len(), 2);
    let pdf = &email.attachments[0].file;
    assert_eq!(pdf.name.as_deref(), Some("report.pdf"));
    assert_eq!(pdf.extension.as_deref(), Some("pdf"));
    assert_eq!(pdf.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(pdf.size, Some(PDF_BYTES.len() as u64));
    assert_eq!(pdf.hash.sha256.as_deref(), Some(sha256(PDF_BYTES).as_str()));
    let xlsx = &email.attachments[1].file;
    let xlsx_bytes = xlsx_bytes();
    assert_eq!(xlsx.name.as_deref(), Some("Q1 figures.xlsx"));
    assert_eq!(xlsx.extension.as_deref(), Some("xlsx"));
    assert_eq!(
        xlsx.mime_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(xlsx.size, Some(282));
    assert_eq!(xlsx.size, Some(xlsx_bytes.len() as u64));
    assert_eq!(
        xlsx.hash.sha256.as_deref(),
        Some(sha256(&xlsx_bytes).as_str())
    );

    let event_meta = &event.event;
    assert_eq!(event_meta.kind.as_deref(), Some("event"));
    assert_eq!(event_meta.category, ["email"]);
    assert_eq!(event_meta.action.as_deref(), Some("email-message"));
    assert_eq!(event_meta.dataset.as_deref(), Some("email"));
    let user = event.user.as_ref().unwrap();
    assert_eq!(user.email, Some("dc.harper@force.police.uk".into()));
    assert_eq!(user.name, Some("dc.harper@force.police.uk".into()));
    assert_eq!(user.full_name, Some("Harper, Dan".into()));

    let original = &event.original;
    assert_eq!(original["Return-Path"], "<dc.harper@force.police.uk>");
    assert_eq!(original["X-Mailer"], "Fixture Mailer 1.0");
    assert_eq!(original["X-Originating-IP"], "[10.9.8.7]");
    assert_eq!(
        original["Message-ID"],
        "<20260303091405.77B1C@force.police.uk>"
    );
    assert_eq!(
        original["Content-Type"],
        "multipart/mixed; boundary=\"mixed-7f3a\""
    );
    let received = original["Received"].as_array().unwrap();
    assert_eq!(received.len(), 2);
    assert!(
        received[0]
            .as_str()
            .unwrap()
            .starts_with("from mail.force.police.uk")
    );
    assert!(
        received[1]
            .as_str()
            .unwrap()
            .starts_with("from ws-0412.force.local")
    );
    assert!(event.labels.is_empty(), "{:?}", event.labels);

    assert_eq!(event.provenance.format, Format::Eml);
    assert_eq!(event.provenance.location.as_deref(), Some("fixture.eml"));
    assert_eq!(event.provenance.id, Context::peek_id(Format::Eml, &raw));
}

#[test]
fn iso_8859_1_subject_body_and_attachment() {
    let raw = fixture("iso8859_subject.eml");
    let event = eml_event(&raw);
    let email = event.email.as_ref().unwrap();
    assert_eq!(
        email.subject.as_deref(),
        Some("R\u{e9}union confidentielle \u{e0} 17h")
    );
    assert_eq!(
        event.original["Subject"],
        "R\u{e9}union confidentielle \u{e0} 17h"
    );
    assert_eq!(
        event.original["From"], "Josiane L\u{e9}ger <j.leger@example.fr>",
        "encoded words in the kept headers are decoded"
    );
    assert_eq!(
        event.user.as_ref().unwrap().full_name,
        Some("Josiane L\u{e9}ger".into())
    );
    assert_eq!(
        email.body.as_deref(),
        Some("Rendez-vous au caf\u{e9} pr\u{e8}s de la gare.")
    );
    assert_eq!(event.timestamp.to_rfc3339(), "2026-03-04T16:45:00+00:00");

    // The attachment is hashed as attached (Latin-1), not as mail-parser's UTF-8 text.
    let csv: Vec<u8> = "nom;ville\nRen\u{e9}e;Besan\u{e7}on\nJos\u{e9};Orl\u{e9}ans\n"
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert_eq!(email.attachments.len(), 1);
    let file = &email.attachments[0].file;
    assert_eq!(file.name.as_deref(), Some("liste.csv"));
    assert_eq!(file.mime_type.as_deref(), Some("text/csv"));
    assert_eq!(file.size, Some(csv.len() as u64));
    assert_eq!(file.hash.sha256.as_deref(), Some(sha256(&csv).as_str()));
}

/// Byte offsets of the `From ` separator lines in a mailbox (every `From ` line in the fixtures and
/// generated inputs here is an envelope with a date, so each one separates).
fn separator_offsets(mbox: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut line_start = 0;
    for line in mbox.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            offsets.push(line_start);
        }
        line_start += line.len();
    }
    offsets
}

#[test]
fn mbox_of_three_with_a_quoted_from_line() {
    let raw = fixture("three_messages.mbox");
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    decode_mbox(&raw[..], &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty());
    assert_eq!(batch.events.len(), 3);

    let offsets = separator_offsets(&raw);
    assert_eq!(offsets.len(), 3);
    let subjects: Vec<&str> = batch
        .events
        .iter()
        .map(|e| e.email.as_ref().unwrap().subject.as_deref().unwrap())
        .collect();
    assert_eq!(subjects, ["First", "Re: First", "Third"]);
    for (n, event) in batch.events.iter().enumerate() {
        assert_eq!(event.provenance.format, Format::Mbox);
        assert_eq!(
            event.provenance.location.as_deref(),
            Some(format!("message {} (byte offset {})", n + 1, offsets[n]).as_str())
        );
    }

    let second = &batch.events[1];
    let body = second.email.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        body.contains("\nFrom the desk of the Chief Constable\n>From an older quote\n"),
        "one level of >From quoting is removed: {body:?}"
    );
    assert_eq!(second.original["In-Reply-To"], "<m1@example.org>");
    assert_eq!(
        addresses(&batch.events[2].email.as_ref().unwrap().to),
        ["alice@example.org", "bob@example.org"]
    );

    // The id is derived from the unquoted message, as its own content.
    let start = offsets[1] + raw[offsets[1]..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let unquoted: Vec<u8> = String::from_utf8(raw[start..offsets[2]].to_vec())
        .unwrap()
        .replace("\n>From the desk", "\nFrom the desk")
        .replace("\n>>From an older", "\n>From an older")
        .into_bytes();
    assert_eq!(
        second.provenance.id,
        Context::peek_id(Format::Mbox, &unquoted)
    );
}

/// An mboxo writer leaves a body line starting `From ` unquoted: it is part of the message, and
/// what follows it (here an NI number) reaches the policies with the message's own recipients.
#[test]
fn mbox_body_line_starting_from_does_not_split() {
    let raw = b"From alan@force.police.uk Mon May  6 10:00:00 2024\n\
From: alan.smith@force.police.uk\nTo: bob@gmail.com\nSubject: one\n\n\
first message\n>From the start of a line, escaped\n\
From here on, an unescaped line that is not a separator\nNI AB123456C\n\n\
From bob@force.police.uk Mon May  6 11:00:00 2024\n\
From: bob.jones@force.police.uk\nTo: carl@gmail.com\nSubject: two\n\nsecond\n";
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    decode_mbox(&raw[..], &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 2);
    let first = batch.events[0].email.as_ref().unwrap();
    assert_eq!(addresses(&first.to), ["bob@gmail.com"]);
    let body = first.body.as_deref().unwrap();
    assert!(body.contains("From here on, an unescaped line"), "{body:?}");
    assert!(body.contains("NI AB123456C"), "{body:?}");
    assert_eq!(
        batch.events[1].email.as_ref().unwrap().subject.as_deref(),
        Some("two")
    );
}

#[test]
fn mbox_with_an_oversized_message() {
    let raw = fixture("oversize.mbox");
    let limit = 2_000;
    let mut ctx = context(Limits {
        max_message_bytes: limit,
        ..Limits::default()
    });
    let mut batch = Batch::new();
    decode_mbox(&raw[..], &mut ctx, &mut batch).unwrap();
    // The big one is read as far as the limit allows, and dead-lettered as well.
    assert_eq!(batch.events.len(), 3);
    assert_eq!(batch.rejected.len(), 1);

    let subjects: Vec<&str> = batch
        .events
        .iter()
        .map(|e| e.email.as_ref().unwrap().subject.as_deref().unwrap())
        .collect();
    assert_eq!(subjects, ["Small one", "Too big", "Small two"]);
    let big = &batch.events[1];
    assert_eq!(
        big.labels.get("email.read_bytes").map(String::as_str),
        Some(limit.to_string().as_str())
    );
    assert!(
        big.labels.contains_key("email.oversize"),
        "{:?}",
        big.labels
    );
    assert_eq!(
        big.email.as_ref().unwrap().to[0].as_str(),
        "bob@example.org"
    );

    let offsets = separator_offsets(&raw);
    let from_line_len = raw[offsets[1]..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let size = offsets[2] - offsets[1] - from_line_len;
    assert!(size > limit);

    let letter = &batch.rejected[0];
    assert_eq!(letter.format, Some(Format::Mbox));
    assert_eq!(
        letter.reason,
        format!(
            "message of {size} bytes is larger than the limit of {limit} bytes; its first {limit} bytes were read as a message (an event labelled email.oversize)"
        )
    );
    assert_eq!(
        letter.location.as_deref(),
        Some(format!("message 2 (byte offset {})", offsets[1]).as_str())
    );
    assert_eq!(letter.raw_len, size as u64);
    assert!(
        letter
            .raw
            .starts_with(b"From: mallory@example.org\nTo: bob@example.org\nSubject: Too big\n")
    );
    assert!(letter.raw.len() <= size);
    assert_eq!(
        batch.events[2].provenance.location.as_deref(),
        Some(format!("message 3 (byte offset {})", offsets[2]).as_str())
    );
}

#[test]
fn oversized_eml_keeps_its_first_bytes() {
    let mut raw = b"From: a@example.org\nSubject: big\n\n".to_vec();
    raw.extend(std::iter::repeat_n(b'x', 200_000));
    let mut ctx = context(Limits {
        max_message_bytes: 100_000,
        ..Limits::default()
    });
    let mut batch = Batch::new();
    decode_eml(&raw, &mut ctx, Some("big.eml".into()), &mut batch).unwrap();
    // Its first bytes are read as a message, so its parties and subject are checked; the raw
    // input is a dead letter as well.
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    assert_eq!(
        event.email.as_ref().unwrap().subject.as_deref(),
        Some("big")
    );
    assert_eq!(
        event.labels.get("email.oversize"),
        Some(&raw.len().to_string())
    );
    assert_eq!(
        event.labels.get("email.read_bytes"),
        Some(&probity_ingest::mail::OVERSIZE_KEEP_BYTES.to_string())
    );
    let letter = &batch.rejected[0];
    assert_eq!(
        letter.reason,
        format!(
            "message of {} bytes is larger than the limit of 100000 bytes; its first {} bytes were read as a message (an event labelled email.oversize)",
            raw.len(),
            probity_ingest::mail::OVERSIZE_KEEP_BYTES
        )
    );
    assert_eq!(letter.raw_len, raw.len() as u64);
    assert_eq!(letter.raw.len(), probity_ingest::mail::OVERSIZE_KEEP_BYTES);
    assert!(raw.starts_with(&letter.raw));
    assert_eq!(letter.location.as_deref(), Some("big.eml"));
}

#[test]
fn a_body_cut_at_its_limit_keeps_the_whole_message_in_dead_letter() {
    let mut raw = b"From: a@example.org\nTo: b@example.com\nSubject: long\n\n".to_vec();
    raw.extend(std::iter::repeat_n(b'x', 5_000));
    raw.extend(b" NI AB123456C at the end\n");
    let mut ctx = context(Limits {
        max_email_body_bytes: 1_000,
        ..Limits::default()
    });
    for mbox in [false, true] {
        let mut batch = Batch::new();
        if mbox {
            let mut boxed = b"From a@example.org Mon Mar  2 10:00:00 2026\n".to_vec();
            boxed.extend(&raw);
            decode_mbox(&boxed[..], &mut ctx, &mut batch).unwrap();
        } else {
            decode_eml(&raw, &mut ctx, Some("long.eml".into()), &mut batch).unwrap();
        }
        assert_eq!(batch.events.len(), 1);
        let event = &batch.events[0];
        assert_eq!(
            event.labels.get("email.body_truncated").map(String::as_str),
            Some("true")
        );
        let body = event.email.as_ref().unwrap().body.as_deref().unwrap();
        assert!(body.len() <= 1_000 && !body.contains("AB123456C"));
        // The rest of the body is not lost: the whole message is a dead letter, with the reason.
        assert_eq!(batch.rejected.len(), 1, "mbox: {mbox}");
        let letter = &batch.rejected[0];
        assert!(
            letter.reason.contains("email.body_truncated"),
            "{}",
            letter.reason
        );
        assert!(letter.raw.windows(9).any(|w| w == b"AB123456C"));
    }
}

#[test]
fn unparseable_bytes_are_dead_letters() {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    decode_eml(b"", &mut ctx, None, &mut batch).unwrap();
    decode_eml(b"\n\n\n", &mut ctx, None, &mut batch).unwrap();
    decode_eml(b"just some words\nand more\n", &mut ctx, None, &mut batch).unwrap();
    decode_eml(b"hello: world\n\nbody\n", &mut ctx, None, &mut batch).unwrap();
    assert!(batch.events.is_empty(), "{:?}", batch.events);
    assert_eq!(batch.rejected.len(), 4);
    for letter in &batch.rejected {
        assert!(
            letter.reason.starts_with("not a MIME message"),
            "{}",
            letter.reason
        );
        assert_eq!(letter.format, Some(Format::Eml));
    }
    assert_eq!(batch.rejected[2].raw, b"just some words\nand more\n");
    assert!(
        batch.rejected[3]
            .reason
            .contains("none of its 1 header fields is a standard one")
    );
}

/// Found by the property tests below: mail-parser reaches a `debug_assert!(false)` on this input
/// (see the profile note in the workspace Cargo.toml) and recovers past it.
#[test]
fn nested_empty_rfc822_parts_decode() {
    let raw = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\n--b--\n";
    let event = eml_event(raw);
    let email = event.email.unwrap();
    assert_eq!(email.attachments.len(), 1);
    assert_eq!(
        email.attachments[0].file.mime_type.as_deref(),
        Some("message/rfc822")
    );
}

#[test]
fn not_a_mailbox_is_an_error() {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    let error = decode_mbox(&b"Subject: hi\n\nFrom here on\n"[..], &mut ctx, &mut batch)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("does not start with a \"From \" line"),
        "{error}"
    );
    assert!(batch.is_empty());
    assert!(decode_mbox(&b""[..], &mut ctx, &mut batch).is_err());
}

#[test]
fn too_many_attachments_are_counted() {
    let mut raw =
        String::from("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n");
    for n in 0..5 {
        raw.push_str(&format!(
            "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=f{n}.bin\n\nbytes {n}\n"
        ));
    }
    raw.push_str("--b--\n");
    let mut ctx = context(Limits {
        max_attachments: 3,
        ..Limits::default()
    });
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let event = &batch.events[0];
    let names: Vec<&str> = event
        .email
        .as_ref()
        .unwrap()
        .attachments
        .iter()
        .map(|a| a.file.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["f0.bin", "f1.bin", "f2.bin"]);
    assert_eq!(event.labels["email.attachments_omitted"], "2");
    assert_eq!(
        event.email.as_ref().unwrap().attachments[1]
            .file
            .hash
            .sha256
            .as_deref(),
        Some(sha256(b"bytes 1").as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Counter {
    events: usize,
    /// Messages that became events: one, or more for a journal report not shaped as Exchange
    /// writes them (labelled `email.journal_event`, `1 of 2` and `2 of 2`).
    messages: usize,
    /// Messages whose events come with a dead letter of the same message: one over the size
    /// limit, read as far as the limit allows, or whose body was cut at its limit (both labelled
    /// `email.body_truncated`), or with attachments past the limit
    /// (`email.attachments_omitted`), or split where boundaries occur within lines
    /// (`email.parts_misread`), or with journal reports nested too deep, or whose structure still
    /// needed mending when the rounds of it ran out (`email.mending_unfinished`).
    oversized: usize,
    /// Whether an event of the message being counted has such a label.
    companion: bool,
    rejected: usize,
    body_bytes: u64,
    attachments: usize,
}

impl Sink for Counter {
    fn event(&mut self, event: Event) -> probity_ingest::Result<()> {
        self.events += 1;
        let (index, count) = event
            .labels
            .get("email.journal_event")
            .and_then(|label| label.split_once(" of "))
            .map_or((1, 1), |(index, count)| {
                (index.parse().unwrap(), count.parse().unwrap())
            });
        if index == 1 {
            self.messages += 1;
            self.companion = false;
        }
        self.companion |= [
            "email.body_truncated",
            "email.attachments_omitted",
            "email.parts_misread",
            "email.journal_too_deep",
            "email.mending_unfinished",
        ]
        .iter()
        .any(|label| event.labels.contains_key(*label));
        if index == count && self.companion {
            self.oversized += 1;
        }
        if let Some(email) = event.email {
            self.body_bytes += email.body.map_or(0, |body| body.len() as u64);
            self.attachments += email.attachments.len();
        }
        Ok(())
    }

    fn reject(&mut self, _letter: probity_model::DeadLetter) -> probity_ingest::Result<()> {
        self.rejected += 1;
        Ok(())
    }
}

/// Pieces of MIME syntax, to reach deeper into the parser than random bytes do.
fn mime_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"From: =?utf-8?B?SsOpcsO0bWU=?= <j@example.org>\n".to_vec()),
        Just(b"To: Group: a@b.c, <d@e.f>;, \"x\" <@>\n".to_vec()),
        Just(b"Subject: =?iso-8859-1?Q?caf=E9?= =?bogus?X?zz?=\n".to_vec()),
        Just(b"Date: Tue, 31 Feb 2026 25:61:61 +9999\n".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=b\n".to_vec()),
        Just(b"Content-Type: multipart/alternative; boundary=\"b\"\n".to_vec()),
        Just(b"Content-Type: message/rfc822\n".to_vec()),
        Just(b"Content-Type: multipart/digest; boundary=c\n".to_vec()),
        Just(b"Content-Type: multipart/related; boundary=b\n".to_vec()),
        Just(b"X-MS-Journal-Report:\n".to_vec()),
        Just(b"Sender: s@example.org\nTo: t@example.org\n".to_vec()),
        Just(b"Content-Disposition: inline\n".to_vec()),
        Just(b"--c\n".to_vec()),
        Just(b"Content-Type: text/html; charset=utf-7\n".to_vec()),
        Just(b"Content-Type: text/plain; charset=x-unknown\n".to_vec()),
        Just(b"Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC.pdf\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\n".to_vec()),
        Just(b"Content-Transfer-Encoding: quoted-printable\n".to_vec()),
        Just(b"--b\n".to_vec()),
        Just(b"--b--\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b" folded continuation\n".to_vec()),
        Just(b"SGVsbG8gd29ybGQ=\n".to_vec()),
        Just(b"!!not base64!!\n".to_vec()),
        Just(b"=E9=ZZ=\n".to_vec()),
        Just(b"<p>Hi <b>there</p>\n".to_vec()),
        Just(b"From someone@example.org Mon Jan 15 15:30:00 2018\n".to_vec()),
        Just(b">From quoted\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..30),
    ]
}

fn mime_like() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(mime_line(), 0..40).prop_map(|lines| lines.concat())
}

fn eml_items(bytes: &[u8]) -> Counter {
    let mut ctx = context(Limits {
        max_message_bytes: 4_000,
        max_email_body_bytes: 100,
        max_attachments: 3,
        ..Limits::default()
    });
    let mut counter = Counter::default();
    decode_eml(bytes, &mut ctx, None, &mut counter).unwrap();
    counter
}

/// `None` when `decode_mbox` refused the input as not a mailbox (the caller then dead-letters it).
fn mbox_items(bytes: &[u8]) -> Option<Counter> {
    let mut ctx = context(Limits {
        max_message_bytes: 1_000,
        max_email_body_bytes: 100,
        ..Limits::default()
    });
    let mut counter = Counter::default();
    decode_mbox(bytes, &mut ctx, &mut counter).ok()?;
    Some(counter)
}

/// 1,000 cases unless `PROPTEST_CASES` asks for another number (for a longer local run).
fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases()))]

    #[test]
    fn arbitrary_bytes_make_exactly_one_eml_item(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let counter = eml_items(&bytes);
        prop_assert_eq!(counter.messages - counter.oversized + counter.rejected, 1);
    }

    #[test]
    fn mime_like_bytes_make_exactly_one_eml_item(bytes in mime_like()) {
        let counter = eml_items(&bytes);
        prop_assert_eq!(counter.messages - counter.oversized + counter.rejected, 1);
    }

    #[test]
    fn arbitrary_bytes_into_mbox(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        match mbox_items(&bytes) {
            Some(counter) => prop_assert_eq!(
                counter.messages - counter.oversized + counter.rejected,
                separator_offsets(&bytes).len()
            ),
            None => prop_assert!(!bytes.starts_with(b"From ")),
        }
    }

    /// Input that starts like a mailbox yields one item per `From ` line, at least one.
    #[test]
    fn mailbox_like_bytes_make_one_item_per_message(body in mime_like()) {
        let mut bytes = b"From first@example.org Mon Jan 15 15:30:00 2018\n".to_vec();
        bytes.extend_from_slice(&body);
        let counter = mbox_items(&bytes).unwrap();
        let separators = separator_offsets(&bytes).len();
        prop_assert!(separators >= 1);
        prop_assert_eq!(counter.messages - counter.oversized + counter.rejected, separators);
    }
}

// ---------------------------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------------------------

/// A synthetic mailbox of `count` messages: plain, HTML alternative, and every tenth with an
/// 8 KiB base64 attachment.
fn synthetic_mbox(count: usize) -> Vec<u8> {
    let attachment: Vec<u8> = (0..8192u32).map(|n| (n * 31 % 251) as u8).collect();
    let encoded = {
        use std::fmt::Write as _;
        let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for (n, chunk) in attachment.chunks(3).enumerate() {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i > chunk.len() {
                    out.push('=');
                } else {
                    out.push(table[(v >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            if n % 19 == 18 {
                writeln!(out).unwrap();
            }
        }
        out
    };
    let mut mbox = String::new();
    for n in 0..count {
        mbox.push_str(&format!(
            "From user{u}@force.police.uk Mon Mar  2 08:{m:02}:00 2026\n\
             Received: from ws-{n}.force.local ([10.0.{a}.{b}]) by mail.force.police.uk; Mon, 2 Mar 2026 08:{m:02}:00 +0000\n\
             Message-ID: <{n}@force.police.uk>\n\
             Date: Mon, 2 Mar 2026 08:{m:02}:00 +0000\n\
             From: User {u} <user{u}@force.police.uk>\n\
             To: colleague{c}@force.police.uk, =?utf-8?Q?J=C3=A9r=C3=B4me?= <jerome@example.org>\n\
             Subject: Case update {n}\n\
             MIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=\"outer{n}\"\n\n\
             --outer{n}\n\
             Content-Type: multipart/alternative; boundary=\"alt{n}\"\n\n\
             --alt{n}\n\
             Content-Type: text/plain; charset=utf-8\n\n",
            u = n % 300,
            c = n % 57,
            m = n % 60,
            a = n % 250,
            b = n % 200,
        ));
        for line in 0..12 {
            mbox.push_str(&format!(
                "Line {line} of the update on case {n}: enquiries continue, next review Friday.\n"
            ));
        }
        mbox.push_str(&format!(
            "--alt{n}\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>Update on case {n}</p><p>Enquiries continue.</p></body></html>\n--alt{n}--\n"
        ));
        if n % 10 == 0 {
            mbox.push_str(&format!(
                "--outer{n}\nContent-Type: application/pdf; name=\"case{n}.pdf\"\nContent-Disposition: attachment; filename=\"case{n}.pdf\"\nContent-Transfer-Encoding: base64\n\n{encoded}\n"
            ));
        }
        mbox.push_str(&format!("--outer{n}--\n\n"));
    }
    mbox.into_bytes()
}

#[test]
#[ignore = "throughput figure; run with --release -- --ignored --nocapture"]
fn mbox_throughput() {
    let count = 10_000;
    let mbox = synthetic_mbox(count);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut ctx = context(Limits::default());
        let mut counter = Counter::default();
        let start = std::time::Instant::now();
        decode_mbox(&mbox[..], &mut ctx, &mut counter).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(counter.events, count);
        assert_eq!(counter.rejected, 0);
        assert_eq!(counter.attachments, count / 10);
        assert!(counter.body_bytes > (count * 12 * 70) as u64);
        best = best.min(seconds);
    }
    let megabytes = mbox.len() as f64 / (1024.0 * 1024.0);
    println!(
        "decode_mbox: {count} messages, {megabytes:.1} MiB in {best:.3} s (best of 3): {:.1} MiB/s, {:.0} messages/s",
        megabytes / best,
        count as f64 / best
    );
}

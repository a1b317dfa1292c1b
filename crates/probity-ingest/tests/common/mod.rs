//! What several test files share: a message sent with attachments, read by the mail decoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use base64::Engine;
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Attachment, Event};

/// `bytes` in base64, in lines of 76 characters each ended by CRLF.
pub fn base64_lines(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .as_bytes()
        .chunks(76)
        .map(|line| format!("{}\r\n", String::from_utf8_lossy(line)))
        .collect()
}

/// A message from a force address to a webmail one with a line of text and each of `parts`
/// (its name, its MIME type and its bytes) attached in base64.
pub fn message_attaching(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut raw = String::from(
        "From: Sam Lane <sam.lane@force.police.uk>\r\nTo: pal@gmail.com\r\nSubject: fwd\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m1@force.police.uk>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"sep\"\r\n\r\n--sep\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n",
    );
    for (name, mime, bytes) in parts {
        raw.push_str(&format!(
            "--sep\r\nContent-Type: {mime}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            base64_lines(bytes)
        ));
    }
    raw.push_str("--sep--\r\n");
    raw.into_bytes()
}

/// The one event the mail decoder makes of `raw` within `limits`; nothing rejected.
pub fn decoded(raw: &[u8], limits: Limits) -> Event {
    let mut ctx = Context::new("file:test", limits);
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1, "{:?}", batch.events);
    batch.events.remove(0)
}

/// The event the mail decoder makes, within `limits`, of a message from a force address to a
/// webmail one with a line of text and `bytes` attached as `name` of type `mime`
/// ([`message_attaching`]); nothing rejected.
pub fn email_attaching(name: &str, mime: &str, bytes: &[u8], limits: Limits) -> Event {
    decoded(&message_attaching(&[(name, mime, bytes)]), limits)
}

/// The one event of the message `raw`, read as a file `test.eml` within the default limits;
/// nothing rejected.
pub fn decode(raw: &[u8]) -> Event {
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, Some("test.eml".into()), &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1, "{:?}", batch.events);
    batch.events.remove(0)
}

/// The one attachment of `event`'s email.
pub fn only_attachment(event: &Event) -> &Attachment {
    let attachments = &event.email.as_ref().unwrap().attachments;
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    &attachments[0]
}

/// A program standing in for Tesseract in `dir`: it answers a line of its own (`NI
/// AB123456C`) where the first `within` bytes it is given hold `magic` (the image format it
/// is to be handed), and fails for anything else.
pub fn ocr_stand_in(
    dir: &std::path::Path,
    within: usize,
    magic: &str,
) -> probity_ingest::attach::Ocr {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-ocr");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nhead -c {within} | grep -aq '{magic}' || exit 9; cat >/dev/null; echo NI AB123456C\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    probity_ingest::attach::Ocr {
        program: path,
        ..probity_ingest::attach::Ocr::default()
    }
}

/// The default limits with `ocr` as the OCR program.
pub fn with_ocr(ocr: Option<probity_ingest::attach::Ocr>) -> Limits {
    Limits {
        ocr,
        ..Limits::default()
    }
}

/// One TNEF attribute ([MS-OXTNEF]): its level, id, length, data and checksum.
pub fn tnef_attribute(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
    out.push(level);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    let checksum = data
        .iter()
        .fold(0u16, |sum, &b| sum.wrapping_add(u16::from(b)));
    out.extend_from_slice(&checksum.to_le_bytes());
}

/// A compound file whose root holds `streams` (paths such as `/PowerPoint Document`).
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    for (path, bytes) in streams {
        file.create_stream(path).unwrap().write_all(bytes).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A Package's native data (`\x01Ole10Native`) for the file `name` holding `data`, as the
/// Packager writes it: its size, 2, the label and the path the file came from (each ended by a
/// NUL), the kind (3: embedded), a temporary path, the file's size and bytes, then the
/// temporary path, the label and the path again in UTF-16.
pub fn ole10_native(name: &str, data: &[u8]) -> Vec<u8> {
    let path = format!("C:\\Users\\sam\\Documents\\{name}");
    let temp = format!("C:\\Users\\sam\\AppData\\Local\\Temp\\{name}");
    let mut body = 2u16.to_le_bytes().to_vec();
    for text in [name, &path] {
        body.extend_from_slice(text.as_bytes());
        body.push(0);
    }
    body.extend_from_slice(&[0, 0, 3, 0]);
    body.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
    body.extend_from_slice(temp.as_bytes());
    body.push(0);
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    for text in [&temp, name, &path] {
        body.extend_from_slice(&(text.encode_utf16().count() as u32).to_le_bytes());
        body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    }
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// The text, within `text`, of the one message `event` holds as attached (the mail decoder's
/// `probity.attached_messages`), checking that its headers name `address`.
pub fn the_attached_message<'t>(event: &Event, text: &'t str, address: &str) -> &'t str {
    let held = event.original[probity_ingest::mail::ATTACHED_MESSAGES_KEY]
        .as_array()
        .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0]["headers"].to_string().contains(address), "{held:?}");
    let start = held[0]["start"].as_u64().unwrap() as usize;
    let end = held[0]["end"].as_u64().unwrap() as usize;
    &text[start..end]
}

/// A zip of `files`, deflated.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

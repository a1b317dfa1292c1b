//! What several test files share: a message sent with one attachment, read by the mail decoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use base64::Engine;
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use probity_model::Event;

/// `bytes` in base64, in lines of 76 characters each ended by CRLF.
pub fn base64_lines(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .as_bytes()
        .chunks(76)
        .map(|line| format!("{}\r\n", String::from_utf8_lossy(line)))
        .collect()
}

/// The event the mail decoder makes, within `limits`, of a message from a force address to a
/// webmail one with a line of text and `bytes` attached as `name` of type `mime`; nothing
/// rejected.
pub fn email_attaching(name: &str, mime: &str, bytes: &[u8], limits: Limits) -> Event {
    let raw = format!(
        "From: Sam Lane <sam.lane@force.police.uk>\r\nTo: pal@gmail.com\r\nSubject: fwd\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m1@force.police.uk>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"sep\"\r\n\r\n--sep\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--sep\r\nContent-Type: {mime}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--sep--\r\n",
        base64_lines(bytes)
    );
    let mut ctx = Context::new("file:test", limits);
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    batch.events.remove(0)
}

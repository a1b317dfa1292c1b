//! Memory a message takes to decode: the growth of the process's peak resident size while it is
//! decoded (Linux: `VmHWM`, reset through `/proc/self/clear_refs`; elsewhere not measured).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;

use base64::Engine;
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        Some(rest.split_whitespace().next()?.parse::<usize>().ok()? * 1024)
    })
}

/// One measurement at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How much the peak resident size grew while `bytes` was decoded; none where it cannot be
/// measured.
fn peak_decoding(bytes: &[u8]) -> Option<usize> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_bytes("VmRSS")?;
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, Some("test.eml".into()), &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1);
    Some(status_bytes("VmHWM")?.saturating_sub(before))
}

/// Found by the fuzzer: 1.9 MB of `From: ; a=b; a=b…` took 90 MB to parse (the parser holds a
/// group for each `a=b;`); its header block is now parsed only up to its limit.
#[test]
fn a_huge_header_field_does_not_take_memory_many_times_its_size() {
    let raw = format!(
        "From: ;{}\r\nSubject: x\r\n\r\nhello\r\n",
        " a=b;".repeat(380_000)
    );
    let Some(peak) = peak_decoding(raw.as_bytes()) else {
        return;
    };
    assert!(peak < 12 * raw.len(), "{peak} bytes for {}", raw.len());
}

/// A message whose part headers hold 8-bit bytes is parsed a second time with them read as
/// windows-1252; both parses were held at once, so its 6 MB attachment, decoded by each, took
/// twice the memory.
#[test]
fn a_message_parsed_again_is_not_held_twice() {
    let attachment: Vec<u8> = (0..6_000_000u32).map(|n| (n % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&attachment);
    let mut raw = b"From: a@force.police.uk\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: application/octet-stream; name=\"r\xe9sum\xe9.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    for line in encoded.as_bytes().chunks(76) {
        raw.extend_from_slice(line);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--B--\r\n");
    let Some(peak) = peak_decoding(&raw) else {
        return;
    };
    // The copy of the message with its header lines rewritten (8 MB) and one parse's decoded
    // attachment (6 MB) come to under 3 times the attachment; two parses at once came to 3.5.
    assert!(
        peak < 3 * attachment.len(),
        "{peak} bytes for an attachment of {}",
        attachment.len()
    );
}

/// Found by the fuzzer: the same field in a part's header block (320 multiparts deep) took 100 MB
/// for 1.9 MB; the parts' header blocks are now parsed only up to their limit.
#[test]
fn a_huge_part_header_field_does_not_take_memory_many_times_its_size() {
    let raw = format!(
        "From: a@force.police.uk\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nFrom: ;{}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n",
        " a=b;".repeat(380_000)
    );
    let Some(peak) = peak_decoding(raw.as_bytes()) else {
        return;
    };
    assert!(peak < 12 * raw.len(), "{peak} bytes for {}", raw.len());
}

/// A message whose boundaries are written again (one occurs within a line) is parsed again: the
/// first reading was held while the second was made, doubling the memory of header blocks just
/// within their limits (the message's own and its parts', each an address list 500 KB long).
#[test]
fn a_message_with_its_boundaries_rewritten_is_not_held_twice() {
    let groups = " a=b;".repeat(100_000);
    let raw = format!(
        "From: ;{groups}\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=B1\r\n\r\n--B1\r\nFrom: ;{groups}\r\nContent-Type: text/plain\r\n\r\nhello --B1 within a line\r\n--B1--\r\n"
    );
    let Some(peak) = peak_decoding(raw.as_bytes()) else {
        return;
    };
    // One reading takes about 55 times the message; two at once took 105.
    assert!(peak < 80 * raw.len(), "{peak} bytes for {}", raw.len());
}

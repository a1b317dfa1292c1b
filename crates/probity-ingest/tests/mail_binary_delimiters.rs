//! A delimiter written at the end of a binary part's bytes, with no line break before it.
//!
//! A binary part's bytes may run on to the delimiter that ends it (`...\x9c\x01--N4`): mail-parser
//! and lenient mail programs end the part there. The decoder took such a boundary for one quoted
//! in a line of text, where the next line was neither blank nor a header field, and lengthened
//! the boundary past it: the text part after it was read into the binary part, whose stray text
//! is not read, and its words reached no event and no dead letter (comms fuzzer: a
//! `multipart/mixed` of boundary `N4` whose first part was declared `Content-Type: base64`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decode;

const SENTENCE: &str = "Meet me behind the station at nine, and bring the list.";

/// Bytes that are not text and hold no line break and no `-`.
fn binary(len: usize) -> Vec<u8> {
    (0..len)
        .map(|n| {
            let byte = (n * 97 + 13) as u8 ^ 0x5a;
            if byte == b'\n' || byte == b'\r' || byte == b'-' {
                0x9c
            } else {
                byte
            }
        })
        .collect()
}

/// A message whose first part, declared `Content-Type: base64` (a type with no subtype), holds
/// binary bytes that run on to the next delimiter, `after` following that delimiter's line, then
/// a text/plain part holding [`SENTENCE`].
fn message(after: &[u8]) -> Vec<u8> {
    let mut raw = b"From: Alan Smith <alan.smith@force.police.uk>\nTo: leak@gmail.com\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"N4\"\n\n--N4\nContent-Type: base64\n\n".to_vec();
    raw.extend(binary(700));
    raw.extend_from_slice(b"--N4\n");
    raw.extend_from_slice(after);
    raw.extend_from_slice(b"Content-Type: text/plain\n\n");
    raw.extend_from_slice(SENTENCE.as_bytes());
    raw.extend_from_slice(b"\n--N4--\n");
    raw
}

fn body(raw: &[u8]) -> String {
    let event = decode(raw);
    event
        .email
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap_or_default()
}

#[test]
fn a_text_part_after_a_delimiter_at_the_end_of_binary_bytes_is_read() {
    // A line that is no header field under the delimiter (it was taken for text before it).
    let got = body(&message(b"X-Junk\n"));
    assert!(got.contains(SENTENCE), "{got:?}");
    // More binary bytes on the line under it.
    let mut after = binary(40);
    after.push(b'\n');
    let got = body(&message(&after));
    assert!(got.contains(SENTENCE), "{got:?}");
}

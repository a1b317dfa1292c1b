//! The mutations: byte-level havoc plus mutations that know the shapes the decoders read (MIME
//! headers and boundaries, transfer encodings, charsets, zip containers inside base64 parts,
//! JSON and CSV chat exports). Everything is driven by [`Rng`], so a mutant depends only on the
//! seed, the iteration number and the corpus it was drawn from.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value;

/// SplitMix64: small, fast and good enough to drive mutations; no crate needed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The generator for one iteration of a run: independent of every other iteration.
    pub fn for_iteration(seed: u64, iteration: u64) -> Self {
        let mut rng = Self::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ iteration);
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A size skewed towards small values, up to `max`.
    pub fn size(&mut self, max: usize) -> usize {
        let bits = self.below(usize::BITS as usize - max.leading_zeros() as usize + 1);
        self.below((1usize << bits).min(max).max(1)) + 1
    }
}

/// The largest mutant made (bigger inputs are cut back to this).
pub const MAX_MUTANT_BYTES: usize = 4 * 1024 * 1024;

/// Charset labels that are wrong, rare or unknown.
const CHARSETS: &[&str] = &[
    "utf-7",
    "UTF-7",
    "iso-2022-jp",
    "gb18030",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "utf-32",
    "x-unknown-charset",
    "",
    "\"\"",
    "us-ascii",
    "windows-1252",
    "koi8-r",
    "big5",
    "shift_jis",
    "euc-kr",
    "x-mac-roman",
    "iso-8859-8-i",
    "unicode-1-1-utf-7",
    "csISO2022JP",
    "ascii\x00",
];

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/html",
    "text/rtf",
    "text/enriched",
    "multipart/mixed; boundary=\"B\"",
    "multipart/alternative; boundary=B",
    "multipart/related; boundary=\"\"",
    "multipart/report; report-type=delivery-status; boundary=B",
    "multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=B",
    "multipart/encrypted; boundary=B",
    "message/rfc822",
    "message/partial; id=x; number=2; total=3",
    "message/delivery-status",
    "message/global",
    "application/ms-tnef",
    "application/pkcs7-mime; smime-type=signed-data",
    "application/pkcs7-mime; smime-type=enveloped-data",
    "application/pkcs7-signature",
    "application/pgp-encrypted",
    "application/pdf",
    "application/zip",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "text/csv",
    "image/png",
    "",
    ";;;",
    "text/plain; charset=",
];

const ENCODINGS: &[&str] = &[
    "base64",
    "quoted-printable",
    "7bit",
    "8bit",
    "binary",
    "x-uuencode",
    "uuencode",
    "BASE64",
    "base-64",
    "",
    "x-unknown",
];

/// Bytes and strings that decoders treat specially.
const TOKENS: &[&[u8]] = &[
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\n\n",
    b"\0",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"=?",
    b"?=",
    b"=?utf-8?B?",
    b"=?utf-7?Q?+AGEAYgBj-?=",
    b"=?iso-2022-jp?B?GyRCJEgbKEI=?=",
    b"\"",
    b"--",
    b"From ",
    b"\nFrom a@b Mon Jan  1 00:00:00 2024\n",
    b">From ",
    b"=\n",
    b"=ZZ",
    b"=\r\n",
    b"<",
    b">",
    b"<html>",
    b"<!--",
    b"{\\rtf1",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b";",
    b"\t",
    b" ",
    b"\xc3",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x92\xa9",
    b"Content-Type: ",
    b"Content-Transfer-Encoding: base64\n",
    b"boundary=",
    b"X-MS-Journal-Report: \n",
    b"Bcc: occupational.health@force.example\n",
    b"\n---------- Forwarded message ---------\nFrom: Occupational Health <oh@force.example>\n",
    b"\n-----Original Message-----\n",
    b"PK\x03\x04",
    b"%PDF-1.4\n",
    b"\x78\x9f\x3e\x22",
];

/// The file names a mutant may be given instead of its seed's (the name decides the format when
/// the content does not).
const NAMES: &[&str] = &[
    "m.eml",
    "m.mbox",
    "m.csv",
    "m.json",
    "m.ndjson",
    "m.txt",
    "WhatsApp Chat with Karen.txt",
    "_chat.txt",
    "m",
];

/// One mutant of `input` (named `name`), drawing on `other` for splices.
pub fn mutate(rng: &mut Rng, name: &mut String, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        apply_one(rng, name, &mut data, other);
        if data.len() > MAX_MUTANT_BYTES {
            data.truncate(MAX_MUTANT_BYTES);
        }
    }
    data
}

fn apply_one(rng: &mut Rng, name: &mut String, data: &mut Vec<u8>, other: &[u8]) {
    match rng.below(27) {
        0..=2 => flip_bytes(rng, data),
        3 => truncate(rng, data),
        4 => splice(rng, data, other),
        5 => duplicate_lines(rng, data),
        6 => delete_lines(rng, data),
        7 | 8 => insert_boundary(rng, data),
        9 => nest(rng, data),
        10 => huge_header(rng, data),
        11 | 12 => charset(rng, data),
        13 | 14 => corrupt_encoded(rng, data),
        15 => swap_headers(rng, data),
        16 | 17 => binary_part(rng, data),
        18 | 19 => json(rng, data),
        20 => insert_token(rng, data),
        21 => to_mbox(rng, data, other),
        22 => utf16(rng, data),
        23 => csv(rng, data),
        24 => *name = rng.pick(NAMES).to_string(),
        25 => repeat_chunk(rng, data),
        _ => insert_token(rng, data),
    }
}

fn flip_bytes(rng: &mut Rng, data: &mut [u8]) {
    if data.is_empty() {
        return;
    }
    for _ in 0..rng.size(16) {
        let at = rng.below(data.len());
        data[at] = match rng.below(4) {
            0 => data[at] ^ (1 << rng.below(8)),
            1 => rng.next() as u8,
            2 => *rng.pick(b"\r\n\0-=\"\\:;<>{}[],\xff\x80 "),
            _ => data[at].wrapping_add(1),
        };
    }
}

fn truncate(rng: &mut Rng, data: &mut Vec<u8>) {
    let at = rng.below(data.len() + 1);
    if rng.one_in(4) {
        data.drain(..at);
    } else {
        data.truncate(at);
    }
}

fn splice(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let keep = rng.below(data.len() + 1);
    let from = rng.below(other.len() + 1);
    data.truncate(keep);
    data.extend_from_slice(&other[from..]);
}

/// Byte offsets of the starts of lines.
fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        data.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1)
            .filter(|i| *i < data.len()),
    );
    starts
}

fn line_at(data: &[u8], starts: &[usize], index: usize) -> (usize, usize) {
    let start = starts[index];
    let end = starts.get(index + 1).copied().unwrap_or(data.len());
    (start, end)
}

fn duplicate_lines(rng: &mut Rng, data: &mut Vec<u8>) {
    let starts = line_starts(data);
    let first = rng.below(starts.len());
    let count = rng.size(8).min(starts.len() - first);
    let (start, _) = line_at(data, &starts, first);
    let (_, end) = line_at(data, &starts, first + count - 1);
    let chunk = data[start..end].to_vec();
    let times = if rng.one_in(8) { rng.size(5000) } else { 1 };
    let mut copies = Vec::with_capacity(chunk.len() * times);
    for _ in 0..times {
        copies.extend_from_slice(&chunk);
        if copies.len() > MAX_MUTANT_BYTES {
            break;
        }
    }
    data.splice(end..end, copies);
}

fn delete_lines(rng: &mut Rng, data: &mut Vec<u8>) {
    let starts = line_starts(data);
    let first = rng.below(starts.len());
    let count = rng.size(16).min(starts.len() - first);
    let (start, _) = line_at(data, &starts, first);
    let (_, end) = line_at(data, &starts, first + count - 1);
    data.drain(start..end);
}

/// The boundary parameters found in the input (else `B`).
fn boundaries(data: &[u8]) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"boundary=") {
        let value_start = from + at + b"boundary=".len();
        let rest = &data[value_start..];
        let value: Vec<u8> = if rest.first() == Some(&b'"') {
            rest[1..]
                .iter()
                .take_while(|b| **b != b'"')
                .copied()
                .collect()
        } else {
            rest.iter()
                .take_while(|b| !b";\r\n \t".contains(b))
                .copied()
                .collect()
        };
        found.push(value);
        from = value_start;
        if found.len() > 16 {
            break;
        }
    }
    if found.is_empty() {
        found.push(b"B".to_vec());
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn insert_boundary(rng: &mut Rng, data: &mut Vec<u8>) {
    let found = boundaries(data);
    let boundary = rng.pick(&found).clone();
    let mut line = b"--".to_vec();
    line.extend_from_slice(&boundary);
    match rng.below(4) {
        0 => line.extend_from_slice(b"--"),
        1 => line.extend_from_slice(b"   \t"),
        2 => line.extend_from_slice(b"\nContent-Type: text/plain\n"),
        _ => {}
    }
    line.push(b'\n');
    let starts = line_starts(data);
    let at = if rng.one_in(4) {
        rng.below(data.len() + 1) // mid-line
    } else {
        starts[rng.below(starts.len())]
    };
    let times = if rng.one_in(10) { rng.size(2000) } else { 1 };
    let insert: Vec<u8> = line.repeat(times);
    data.splice(at..at, insert);
}

/// Wraps the input (or the body of it) in many multiparts or message/rfc822 parts.
fn nest(rng: &mut Rng, data: &mut Vec<u8>) {
    let depth = rng.size(3000);
    let rfc822 = rng.one_in(2);
    let shared_boundary = rng.one_in(3);
    let mut head = Vec::new();
    let mut tail = Vec::new();
    head.extend_from_slice(b"From: a@force.example\nTo: b@force.example\nSubject: nest\n");
    for level in 0..depth {
        if rfc822 && level % 2 == 1 {
            head.extend_from_slice(b"Content-Type: message/rfc822\n\nSubject: inner\n");
            continue;
        }
        let boundary = if shared_boundary {
            "N".to_owned()
        } else {
            format!("N{level}")
        };
        head.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n--{boundary}\n")
                .as_bytes(),
        );
        tail.splice(0..0, format!("\n--{boundary}--\n").into_bytes());
        if head.len() > MAX_MUTANT_BYTES / 2 {
            break;
        }
    }
    if rng.one_in(3) {
        tail.clear(); // never closed
    }
    let mut out = head;
    out.extend_from_slice(data);
    out.extend_from_slice(&tail);
    *data = out;
}

fn huge_header(rng: &mut Rng, data: &mut Vec<u8>) {
    let size = rng.size(2 * 1024 * 1024);
    let mut line: Vec<u8> = match rng.below(6) {
        0 => b"Subject: ".to_vec(),
        1 => b"To: ".to_vec(),
        2 => b"Content-Type: multipart/mixed; boundary=".to_vec(),
        3 => b"X-Long: ".to_vec(),
        4 => b"Received: ".to_vec(),
        _ => b"From: ".to_vec(),
    };
    let unit: &[u8] = match rng.below(6) {
        0 => b"a",
        1 => b"x@y.example, ",
        2 => b"=?utf-8?B?w6k=?= ",
        3 => b"\n ",
        4 => b"\"",
        _ => b"; a=b",
    };
    while line.len() < size {
        line.extend_from_slice(unit);
    }
    line.push(b'\n');
    let at = if rng.one_in(2) {
        0
    } else {
        let starts = line_starts(data);
        starts[rng.below(starts.len())]
    };
    data.splice(at..at, line);
}

fn charset(rng: &mut Rng, data: &mut Vec<u8>) {
    let label = rng.pick(CHARSETS).as_bytes().to_vec();
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    if let Some(at) = find(&lower, b"charset=") {
        let start = at + b"charset=".len();
        let end = start
            + data[start..]
                .iter()
                .take_while(|b| !b";\r\n \t".contains(b))
                .count();
        data.splice(start..end, label);
        return;
    }
    if let Some(at) = find(&lower, b"=?") {
        let start = at + 2;
        let end = start + data[start..].iter().take_while(|b| **b != b'?').count();
        data.splice(start..end, label);
        return;
    }
    let mut header = b"Content-Type: text/plain; charset=".to_vec();
    header.extend_from_slice(&label);
    header.push(b'\n');
    data.splice(0..0, header);
}

/// Corrupts the body of a base64 or quoted-printable part.
fn corrupt_encoded(rng: &mut Rng, data: &mut Vec<u8>) {
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    let marker: &[u8] = if rng.one_in(2) {
        b"base64"
    } else {
        b"quoted-printable"
    };
    let Some(at) = find(&lower, marker) else {
        return flip_bytes(rng, data);
    };
    let Some(blank) = find(&data[at..], b"\n\n").or_else(|| find(&data[at..], b"\r\n\r\n")) else {
        return;
    };
    let body = at + blank + 2;
    if body >= data.len() {
        return;
    }
    let span = (data.len() - body).min(4096);
    for _ in 0..rng.size(12) {
        let pos = body + rng.below(span);
        if pos >= data.len() {
            break;
        }
        let token: &[u8] = rng.pick::<&[u8]>(&[
            &b"="[..],
            b"==",
            b"=\n",
            b"=Z",
            b"=0",
            b"!",
            b"*",
            b"\0",
            b"\xff",
            b"A",
            b" ",
            b"\n\n",
            b"====",
        ]);
        if rng.one_in(3) {
            data.remove(pos);
        } else {
            data.splice(pos..pos, token.iter().copied());
        }
    }
}

/// Swaps the values of Content-Type and Content-Transfer-Encoding, or sets either to another.
fn swap_headers(rng: &mut Rng, data: &mut Vec<u8>) {
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    let value_span = |name: &[u8]| -> Option<(usize, usize)> {
        let occurrences: Vec<usize> = lower
            .windows(name.len())
            .enumerate()
            .filter(|(_, w)| *w == name)
            .map(|(i, _)| i)
            .take(64)
            .collect();
        let at = *occurrences.get(rng.clone().below(occurrences.len()))?;
        let start = at + name.len();
        let end = start + data[start..].iter().take_while(|b| **b != b'\n').count();
        Some((start, end))
    };
    let ct = value_span(b"content-type:");
    let cte = value_span(b"content-transfer-encoding:");
    match rng.below(3) {
        0 => {
            if let (Some(a), Some(b)) = (ct, cte) {
                let va = data[a.0..a.1].to_vec();
                let vb = data[b.0..b.1].to_vec();
                let (first, second, v_first, v_second) = if a.0 < b.0 {
                    (a, b, vb, va)
                } else {
                    (b, a, va, vb)
                };
                data.splice(second.0..second.1, v_second);
                data.splice(first.0..first.1, v_first);
            }
        }
        1 => {
            let value = format!(" {}", rng.pick(CONTENT_TYPES)).into_bytes();
            match ct {
                Some((start, end)) => {
                    data.splice(start..end, value);
                }
                None => {
                    let mut header = b"Content-Type:".to_vec();
                    header.extend_from_slice(&value);
                    header.push(b'\n');
                    data.splice(0..0, header);
                }
            }
        }
        _ => {
            let value = format!(" {}", rng.pick(ENCODINGS)).into_bytes();
            match cte {
                Some((start, end)) => {
                    data.splice(start..end, value);
                }
                None => {
                    let mut header = b"Content-Transfer-Encoding:".to_vec();
                    header.extend_from_slice(&value);
                    header.push(b'\n');
                    data.splice(0..0, header);
                }
            }
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in text {
        let Some(v) = B64.iter().position(|c| c == b) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn b64_encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 57 + 4);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push(b'\n');
        }
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(B64[(v >> 18) as usize & 63]);
        out.push(B64[(v >> 12) as usize & 63]);
        out.push(if n > 1 {
            B64[(v >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if n > 2 { B64[v as usize & 63] } else { b'=' });
    }
    out
}

/// Finds a base64 part, decodes it, corrupts the binary inside (zip entries and headers, PDF,
/// TNEF, DER) and encodes it back.
fn binary_part(rng: &mut Rng, data: &mut Vec<u8>) {
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    let parts: Vec<usize> = lower
        .windows(6)
        .enumerate()
        .filter(|(_, w)| *w == b"base64")
        .map(|(i, _)| i)
        .take(32)
        .collect();
    if parts.is_empty() {
        return mutate_binary(rng, data);
    }
    let at = *rng.pick(&parts);
    let Some(blank) = find(&data[at..], b"\n\n").or_else(|| find(&data[at..], b"\r\n\r\n")) else {
        return;
    };
    let start = at + blank + 2;
    let len = data[start..]
        .iter()
        .position(|b| *b == b'-')
        .unwrap_or(data.len() - start);
    let end = start + len;
    let mut binary = b64_decode(&data[start..end]);
    mutate_binary(rng, &mut binary);
    let mut encoded = b64_encode(&binary);
    encoded.push(b'\n');
    data.splice(start..end, encoded);
}

fn mutate_binary(rng: &mut Rng, binary: &mut Vec<u8>) {
    if binary.is_empty() {
        return;
    }
    let headers: Vec<usize> = binary
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04" || *w == b"PK\x01\x02" || *w == b"PK\x05\x06")
        .map(|(i, _)| i)
        .take(256)
        .collect();
    if !headers.is_empty() && rng.below(3) > 0 {
        // A field of a zip record: versions, flags, method, sizes, counts, offsets, name length.
        let at = *rng.pick(&headers);
        let field = at + 4 + rng.below(42);
        let width = if rng.one_in(2) { 2 } else { 4 };
        let value: u32 = match rng.below(5) {
            0 => 0,
            1 => u32::MAX,
            2 => 0xffff,
            3 => rng.next() as u32,
            _ => 1 + rng.below(64) as u32,
        };
        for (i, byte) in value.to_le_bytes().iter().take(width).enumerate() {
            if let Some(slot) = binary.get_mut(field + i) {
                *slot = *byte;
            }
        }
        return;
    }
    match rng.below(4) {
        0 => flip_bytes(rng, binary),
        1 => truncate(rng, binary),
        2 => {
            // Repeat a chunk (zip entries listed twice, PDF objects, TNEF attributes).
            let start = rng.below(binary.len());
            let len = rng.size(256).min(binary.len() - start);
            let chunk = binary[start..start + len].to_vec();
            let times = rng.size(64);
            for _ in 0..times {
                binary.splice(start..start, chunk.iter().copied());
            }
        }
        _ => {
            // Lengths in TNEF, DER and PDF streams are where readers trust the input.
            let at = rng.below(binary.len());
            let len = 4.min(binary.len() - at);
            for byte in &mut binary[at..at + len] {
                *byte = 0xff;
            }
        }
    }
}

/// JSON structure mutations for Teams and chat exports (each NDJSON line on its own).
fn json(rng: &mut Rng, data: &mut Vec<u8>) {
    if let Ok(mut value) = serde_json::from_slice::<Value>(data) {
        mutate_value(rng, &mut value, 0);
        if let Ok(out) = if rng.one_in(2) {
            serde_json::to_vec_pretty(&value)
        } else {
            serde_json::to_vec(&value)
        } {
            *data = out;
        }
        return;
    }
    let starts = line_starts(data);
    let index = rng.below(starts.len());
    let (start, end) = line_at(data, &starts, index);
    let line = &data[start..end];
    let Ok(mut value) = serde_json::from_slice::<Value>(line) else {
        return insert_token(rng, data);
    };
    mutate_value(rng, &mut value, 0);
    if let Ok(mut out) = serde_json::to_vec(&value) {
        out.push(b'\n');
        data.splice(start..end, out);
    }
}

fn mutate_value(rng: &mut Rng, value: &mut Value, depth: usize) {
    let descend = depth < 12 && rng.below(4) > 0;
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            if rng.one_in(6) {
                map.remove(&key);
            } else if let Some(child) = map.get_mut(&key) {
                mutate_value(rng, child, depth + 1);
            }
            return;
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let index = rng.below(items.len());
            match rng.below(6) {
                0 => {
                    let copy = items[index].clone();
                    let times = rng.size(200);
                    for _ in 0..times {
                        items.push(copy.clone());
                    }
                }
                1 => {
                    items.remove(index);
                }
                _ => mutate_value(rng, &mut items[index], depth + 1),
            }
            return;
        }
        _ => {}
    }
    *value = match rng.below(12) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => serde_json::json!(-1),
        3 => serde_json::json!(1e308),
        4 => serde_json::json!(18446744073709551615u64),
        5 => Value::String(String::new()),
        6 => Value::String("x".repeat(rng.size(1 << 20))),
        7 => {
            let mut nested = Value::String("deep".into());
            for _ in 0..rng.size(200) {
                nested = Value::Array(vec![nested]);
            }
            nested
        }
        8 => serde_json::json!({"content": {"x": 1}, "contentType": "html"}),
        9 => Value::String("<html><b>you slag</b> &amp; &#x0; &#99999999; <script>".into()),
        10 => Value::String("2024-13-45T99:99:99Z".into()),
        _ => Value::Array(vec![]),
    };
}

fn insert_token(rng: &mut Rng, data: &mut Vec<u8>) {
    let token = rng.pick(TOKENS);
    let at = rng.below(data.len() + 1);
    let times = if rng.one_in(10) { rng.size(1000) } else { 1 };
    data.splice(at..at, token.repeat(times));
}

fn repeat_chunk(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let start = rng.below(data.len());
    let len = rng.size(64).min(data.len() - start);
    let chunk = data[start..start + len].to_vec();
    let times = rng.size(100_000);
    let mut insert = Vec::with_capacity(len * times);
    for _ in 0..times {
        insert.extend_from_slice(&chunk);
        if insert.len() > MAX_MUTANT_BYTES {
            break;
        }
    }
    data.splice(start..start, insert);
}

/// Joins the input and another into a mailbox.
fn to_mbox(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let mut out = Vec::with_capacity(data.len() + other.len() + 100);
    let envelope: &[u8] = rng.pick::<&[u8]>(&[
        &b"From a@b.example Mon Jan  1 00:00:00 2024\n"[..],
        b"From MAILER-DAEMON Thu Feb 29 23:59:60 2024\n",
        b"From \n",
        b"From x\n",
    ]);
    for part in [&data[..], other] {
        out.extend_from_slice(envelope);
        out.extend_from_slice(part);
        if !part.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    *data = out;
}

/// UTF-16 without a byte-order mark (little- or big-endian), or with one.
fn utf16(rng: &mut Rng, data: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(data).into_owned();
    let big = rng.one_in(3);
    let mut out = Vec::with_capacity(text.len() * 2 + 2);
    if rng.one_in(3) {
        out.extend_from_slice(if big { b"\xfe\xff" } else { b"\xff\xfe" });
    }
    for unit in text.encode_utf16() {
        let bytes = if big {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    if rng.one_in(2) {
        out.pop(); // an odd length
    }
    *data = out;
}

/// CSV shapes: unbalanced quotes, extra or missing separators, a huge field.
fn csv(rng: &mut Rng, data: &mut Vec<u8>) {
    let starts = line_starts(data);
    let index = rng.below(starts.len());
    let (start, end) = line_at(data, &starts, index);
    let line = data[start..end].to_vec();
    let separators: Vec<usize> = line
        .iter()
        .enumerate()
        .filter(|(_, b)| b",;\t".contains(b))
        .map(|(i, _)| start + i)
        .collect();
    let at = if separators.is_empty() {
        start
    } else {
        *rng.pick(&separators)
    };
    match rng.below(5) {
        0 => {
            data.insert(at, b'"');
        }
        1 => {
            let count = rng.size(2000);
            data.splice(at..at, std::iter::repeat_n(b',', count));
        }
        2 => {
            if at < data.len() && !separators.is_empty() {
                data.remove(at);
            }
        }
        3 => {
            let field = format!("\"{}\"", "y\n".repeat(rng.size(100_000)));
            data.splice(at..at, field.into_bytes());
        }
        _ => {
            data.splice(at..at, b"\"\"\"".iter().copied());
        }
    }
}

/// A word planted in a plain-text body, to be looked for in what the decoder made of it.
pub const CANARY: &[u8] = b"zqxcanaryword";

/// Plants [`CANARY`] on a line of its own at the start of the body of the message or of one of
/// its `text/plain` parts whose headers name no transfer encoding but 7bit, 8bit or
/// quoted-printable and no charset but UTF-8, ASCII, ISO-8859 or windows-125x (a planted word
/// must read the same however the part is decoded). Returns whether it found such a place.
pub fn plant_canary(rng: &mut Rng, data: &mut Vec<u8>) -> bool {
    let places = canary_places(data);
    if places.is_empty() {
        return false;
    }
    let at = *rng.pick(&places);
    let mut line = CANARY.to_vec();
    line.push(b'\n');
    data.splice(at..at, line);
    true
}

/// Whether `bytes` hold [`CANARY`] on a line of its own where [`plant_canary`] would plant it
/// (with that line taken out). A saved input is replayed with its word looked for only then: a
/// word a looser rule of an earlier build planted (in a base64 body, a header, a binary part) was
/// never text of a plain-text body.
pub fn planted_by_rule(bytes: &[u8]) -> bool {
    let mut line = CANARY.to_vec();
    line.push(b'\n');
    let mut from = 0;
    // A mutant holds a few planted words at most (those of the inputs it was made from).
    for _ in 0..64 {
        let Some(found) = find(&bytes[from..], &line) else {
            return false;
        };
        let at = from + found;
        let mut without = bytes[..at].to_vec();
        without.extend_from_slice(&bytes[at + line.len()..]);
        if canary_places(&without).contains(&at) {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Where [`plant_canary`] may plant: the offsets of the bodies it may start.
fn canary_places(data: &[u8]) -> Vec<usize> {
    let mut places = Vec::new();
    // The message's own body when its headers say plain text or nothing, then each part's.
    let lower: Vec<u8> = data.iter().map(u8::to_ascii_lowercase).collect();
    let delimiters = Delimiters::new(data, &lower);
    let mut starts: Vec<usize> = vec![0];
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"content-type: text/plain") {
        let line_start = lower[..from + at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        // A header field starts its line: the words within a line of text are not one.
        if line_start == from + at {
            starts.push(line_start);
        }
        from += at + 1;
        if starts.len() > 64 {
            break;
        }
    }
    for (index, start) in starts.into_iter().enumerate() {
        let Some(blank) = find(&data[start..], b"\n\n") else {
            continue;
        };
        let headers = &lower[start..start + blank];
        // The message's own headers: only when they say plain text or name no type. The type is
        // the field that starts a line (`Content-Type: application/Content-Type: text/plain`
        // names no text type).
        if index == 0
            && find(headers, b"content-type:").is_some()
            && find(headers, b"content-type: text/plain").is_none()
        {
            continue;
        }
        if index == 0
            && headers
                .split(|b| *b == b'\n')
                .filter_map(|line| line.strip_prefix(b"content-type:"))
                .any(|value| !value.trim_ascii_start().starts_with(b"text/plain"))
        {
            continue;
        }
        if index > 0 && find(headers, b"content-type: text/plain").is_none() {
            continue;
        }
        // The part's whole header block (its transfer encoding may come before its type), and
        // where that block follows a blank line (the body of an attached message, or text that
        // looks like a part), the header block before it too, whose encoding covers it.
        // A delimiter line before the blank line: the part had no body, and the blank line is
        // further on, in another part or outside the parts.
        if headers
            .split(|b| *b == b'\n')
            .any(|line| line.starts_with(b"--"))
        {
            continue;
        }
        let block = block_start(&lower, start);
        if !plain_encoding(&lower[block..start + blank]) {
            continue;
        }
        // A line starting `--` within a header block is a delimiter only where it names a
        // boundary; else it is a broken header line, and the block goes on above it (a transfer
        // encoding there covers the body). The lines back to a blank line are checked too.
        if !plain_encoding(&lower[paragraph_start(&lower, start)..start + blank]) {
            continue;
        }
        // Every header block from the last delimiter line (or the start) down to the part's,
        // those of attached messages among them, and the message's own: a transfer encoding of
        // the message, or of a message holding the part, covers it whatever looks like a
        // delimiter below it (a body that is not multipart has none).
        // Nor where one of those blocks gives a type that is not text, a multipart or a message
        // (`application/msword`): its body is one attachment's bytes, and text in it that looks
        // like a part is not one.
        // In a mailbox, the message that holds the part.
        let first = delimiters.message_start(start);
        let top = find(&lower[first..], b"\n\n").map_or(lower.len(), |end| first + end + 1);
        let holders = &lower[delimiters.last_before(block).unwrap_or(first)..start + blank];
        let message = &lower[first..top.min(start).max(first)];
        if !plain_encoding(message)
            || !plain_encoding(holders)
            || !holds_parts(message)
            || !holds_parts(holders)
        {
            continue;
        }
        if !plain_encoding(enclosing_headers(&lower, block, &delimiters)) {
            continue;
        }
        places.push(start + blank + 2);
    }
    places
}

/// Where the run of lines that holds the line starting at `line` starts: the lines before it
/// back to a blank line, a delimiter line (`--`...) or the start of the input.
fn block_start(lower: &[u8], line: usize) -> usize {
    // With no bound the walk back always ends at a line or the start of the input.
    block_start_within(lower, 0, line, usize::MAX).unwrap_or(0)
}

/// Whether every `Content-Type` field starting a line of `headers` gives plain text, a multipart
/// or a message, or a value with no `/` (which RFC 2045 reads as plain text). Not another text
/// type (`text/html`): its body is read as markup, where text that looks like a part is in a tag
/// or a comment as often as not.
fn holds_parts(headers: &[u8]) -> bool {
    headers
        .split(|b| *b == b'\n')
        .filter_map(|line| line.strip_prefix(b"content-type:"))
        .all(|value| {
            let value = value.trim_ascii_start();
            let kind = value
                .split(|b| *b == b';' || b.is_ascii_whitespace())
                .next()
                .unwrap_or_default();
            !kind.contains(&b'/')
                || kind == b"text/plain"
                || kind.starts_with(b"multipart/")
                || kind.starts_with(b"message/")
        })
}

/// What tells a delimiter line from text that starts `--`: the boundaries the input declares
/// (`boundary=B` or `boundary="B"`), each with where it is first declared in its message, and
/// where each message of a mailbox starts. A boundary is matched in its own case, as the decoder
/// matches it (`--B` is no delimiter of `boundary=b`).
struct Delimiters<'a> {
    lower: &'a [u8],
    /// The input as it is (`lower` is it in lower case, byte for byte), for the boundaries.
    data: &'a [u8],
    /// Each boundary, with where it is first declared in each message that declares it.
    declared: HashMap<Vec<u8>, Vec<usize>>,
    messages: Vec<usize>,
    /// Where each blank line starts.
    blanks: Vec<usize>,
    /// Where each line starting `--` starts.
    dashes: Vec<usize>,
    /// For a boundary declared at an offset: where the first line after it starts that is `--`
    /// and a boundary declared before it in the same message (the input's length when none is).
    closed_at: RefCell<HashMap<usize, usize>>,
}

impl<'a> Delimiters<'a> {
    fn new(data: &'a [u8], lower: &'a [u8]) -> Self {
        // A mailbox starts with a `From ` line; each later message at a `From ` line with the
        // shape of an envelope (a time and a year among its words), as the decoder splits it.
        let mut messages = vec![0];
        let mut from = 0;
        while data.starts_with(b"From ") && messages.len() < 4096 {
            let Some(found) = find(&data[from..], b"\nFrom ") else {
                break;
            };
            let line = from + found + 1;
            let end = memchr_newline(data, line).unwrap_or(data.len());
            let words = || data[line..end].split(u8::is_ascii_whitespace);
            let time = words().any(|word| word.len() >= 5 && word.contains(&b':'));
            let year = words().any(|word| word.len() == 4 && word.iter().all(u8::is_ascii_digit));
            if time && year {
                messages.push(line);
            }
            from = line;
        }
        let mut delimiters = Delimiters {
            lower,
            data,
            declared: HashMap::new(),
            messages,
            blanks: Vec::new(),
            dashes: Vec::new(),
            closed_at: RefCell::new(HashMap::new()),
        };
        if data.starts_with(b"--") {
            delimiters.dashes.push(0);
        }
        let mut from = 0;
        while let Some(found) = memchr_newline(lower, from) {
            let next = found + 1;
            let end = memchr_newline(lower, next).unwrap_or(lower.len());
            if lower[next..end].trim_ascii().is_empty() {
                delimiters.blanks.push(next);
            }
            if data[next..].starts_with(b"--") {
                delimiters.dashes.push(next);
            }
            from = next;
        }
        let mut from = 0;
        while let Some(found) = find(&lower[from..], b"boundary=") {
            let at = from + found;
            let value = &data[at + b"boundary=".len()..];
            let boundary: Vec<u8> = match value.strip_prefix(b"\"") {
                Some(quoted) => quoted
                    .iter()
                    .take_while(|b| !b"\"\r\n".contains(b))
                    .copied()
                    .collect(),
                None => value
                    .iter()
                    .take_while(|b| !b"; \t\r\n".contains(b))
                    .copied()
                    .collect(),
            };
            from = at + 1;
            if boundary.is_empty() {
                continue;
            }
            let message = delimiters.message_start(at);
            if !in_header_block(lower, message, at, |line| delimiters.is_delimiter(line)) {
                continue;
            }
            let places = delimiters.declared.entry(boundary).or_default();
            if places.last().is_none_or(|last| *last < message) {
                places.push(at);
            }
        }
        delimiters
    }

    /// Where the message holding `at` starts.
    fn message_start(&self, at: usize) -> usize {
        let after = self.messages.partition_point(|start| *start <= at);
        after
            .checked_sub(1)
            .and_then(|index| self.messages.get(index))
            .copied()
            .unwrap_or(0)
    }

    /// Whether the line starting at `line` is a delimiter line: `--` and a boundary declared
    /// before it in the same message, with a blank line between (a multipart's delimiters are in
    /// its body, after its header block), then `--`, white space or the line's end. A line `--`
    /// and anything else is text: a part's text, or a mutation's; so is a line `--` and a
    /// boundary declared in the lines just above it (text that looks like a multipart's header).
    /// So is a line `--X` after a line `--` and a boundary declared before X's declaration (a
    /// delimiter of a multipart holding X's, which ends X by RFC 2046, as the decoder reads it:
    /// a later `--X` is text of another part); when that line is text, not a delimiter, the
    /// line `--X` is taken for text all the same (the rule plants nowhere it is unsure of).
    fn is_delimiter(&self, line: usize) -> bool {
        let Some(rest) = self.dash_line(line) else {
            return false;
        };
        let message = self.message_start(line);
        let declared_here = |boundary: &[u8]| {
            self.declaration(boundary, message).is_some_and(|at| {
                let blank = self.blanks.partition_point(|blank| *blank <= at);
                at < line
                    && self.blanks.get(blank).is_some_and(|blank| *blank < line)
                    && self.closed_at(at, message) >= line
            })
        };
        names(rest).any(declared_here)
    }

    /// The rest of the line starting at `line` after its leading `--`, if it starts so.
    fn dash_line(&self, line: usize) -> Option<&'a [u8]> {
        let rest = self.data.get(line..)?.strip_prefix(b"--")?;
        Some(&rest[..memchr_newline(rest, 0).unwrap_or(rest.len())])
    }

    /// Where `boundary` is first declared in the message that starts at `message`.
    fn declaration(&self, boundary: &[u8], message: usize) -> Option<usize> {
        let places = self.declared.get(boundary)?;
        let after = places.partition_point(|at| *at < message);
        places.get(after).copied()
    }

    /// Where the first line after `at` (a boundary's declaration in the message that starts at
    /// `message`) starts that is `--` and a boundary declared before `at` in that message: a
    /// delimiter of a multipart holding the declared one, if any, which ends it. The input's
    /// length when there is none. Kept for each declaration, so that each is searched once (the
    /// boundaries declared before `at` are all known when it is first asked for: they are
    /// gathered in order).
    fn closed_at(&self, at: usize, message: usize) -> usize {
        if let Some(end) = self.closed_at.borrow().get(&at) {
            return *end;
        }
        let next_message = self
            .messages
            .get(self.messages.partition_point(|start| *start <= at))
            .copied()
            .unwrap_or(self.data.len());
        let first = self.dashes.partition_point(|line| *line <= at);
        let end = self.dashes[first..]
            .iter()
            .take_while(|line| **line < next_message)
            .find(|line| {
                self.dash_line(**line).is_some_and(|rest| {
                    names(rest).any(|name| {
                        self.declaration(name, message)
                            .is_some_and(|outer| outer < at)
                    })
                })
            })
            .copied()
            .unwrap_or(self.data.len());
        self.closed_at.borrow_mut().insert(at, end);
        end
    }

    /// Where the last delimiter line before `at` in the same message starts. Searched back from
    /// `at`, so that its cost is the distance to it.
    fn last_before(&self, at: usize) -> Option<usize> {
        let at = at.min(self.lower.len());
        let message = self.message_start(at);
        let before = &self.lower[message..at];
        let mut end = before.len();
        loop {
            match before[..end]
                .windows(3)
                .rposition(|window| window == b"\n--")
            {
                Some(i) if self.is_delimiter(message + i + 1) => return Some(message + i + 1),
                Some(i) => end = i,
                None => {
                    return (before.starts_with(b"--") && self.is_delimiter(message))
                        .then_some(message);
                }
            }
        }
    }
}

/// The boundaries a line `--`… may be a delimiter of (`rest` is what follows the `--`): the
/// line with its trailing white space taken off, or what comes before a `--` in it (a close
/// delimiter), 16 of those at most.
fn names(rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    let closes = rest
        .windows(2)
        .enumerate()
        .filter(|(_, window)| *window == b"--")
        .map(|(at, _)| &rest[..at])
        .take(16);
    std::iter::once(rest.trim_ascii_end()).chain(closes)
}

/// Whether the text at `at` is in a block of lines that can be a header block: the first of the
/// message that starts at `message`, one after a delimiter line (a part's: `is_delimiter`, of
/// the boundaries declared above), or one after a blank line that ends a block naming
/// `message/` and is a header block itself (an attached message's). A block after a blank
/// line below a text part's header block is that part's text, whatever it looks like.
fn in_header_block(
    lower: &[u8],
    message: usize,
    at: usize,
    is_delimiter: impl Fn(usize) -> bool,
) -> bool {
    let mut line = lower[message..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(message, |i| message + i + 1);
    // Attached messages nest: the block naming `message/` must be a header block too.
    for _ in 0..16 {
        let Some(start) = bounded_block_start(lower, message, line) else {
            return false;
        };
        if start == message {
            return true;
        }
        let previous_start = lower[message..start - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(message, |i| message + i + 1);
        if lower[previous_start..].starts_with(b"--") {
            return is_delimiter(previous_start);
        }
        // A blank line: the block above it must name an attached message.
        if previous_start == message {
            return false;
        }
        let Some(above) = bounded_block_start(lower, message, previous_start) else {
            return false;
        };
        let block = &lower[above..previous_start];
        if find(block, b"content-type: message/").is_none()
            && find(block, b"content-type:message/").is_none()
        {
            return false;
        }
        line = above;
    }
    false
}

/// [`block_start`] within the message that starts at `message`, none when the block is longer
/// than 64 KiB (a header block is not; and the walk back stays bounded).
fn bounded_block_start(lower: &[u8], message: usize, line: usize) -> Option<usize> {
    block_start_within(lower, message, line, 1 << 16)
}

/// [`block_start`] within the message that starts at `message`, none when the block reaches
/// further back than `most` bytes before `line`.
fn block_start_within(lower: &[u8], message: usize, line: usize, most: usize) -> Option<usize> {
    let floor = line.saturating_sub(most).max(message);
    let mut start = line;
    while start > message {
        let previous_end = start - 1;
        let previous_start = lower[..previous_end]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let previous = &lower[previous_start..previous_end];
        if previous.trim_ascii().is_empty() || previous.starts_with(b"--") {
            break;
        }
        if previous_start < floor {
            return None;
        }
        start = previous_start;
    }
    Some(start.max(message))
}

/// Where the run of lines that holds the line starting at `line` starts, back to a blank line or
/// the start of the input (delimiter lines included).
fn paragraph_start(lower: &[u8], line: usize) -> usize {
    let before = &lower[..line];
    let mut end = before.len();
    while end > 0 {
        let line_end = end - 1;
        let line_start = before[..line_end]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        if before[line_start..line_end].trim_ascii().is_empty() {
            return end;
        }
        end = line_start;
    }
    0
}

/// The header block of the part that holds the text at `at`, as near as lines tell it: the lines
/// after the last delimiter line before `at` (see [`Delimiters::is_delimiter`]), or from the
/// start of the input, up to the first line of white space alone.
fn enclosing_headers<'a>(lower: &'a [u8], at: usize, delimiters: &Delimiters) -> &'a [u8] {
    let delimiter = delimiters.last_before(at);
    let from = delimiter.map_or(delimiters.message_start(at), |line| {
        memchr_newline(lower, line).map_or(lower.len(), |end| end + 1)
    });
    let mut end = from;
    while end < lower.len() {
        let line_end = memchr_newline(lower, end).unwrap_or(lower.len());
        if lower[end..line_end].trim_ascii().is_empty() {
            break;
        }
        end = line_end + 1;
    }
    &lower[from.min(lower.len())..end.min(lower.len())]
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| from + i)
}

/// Headers whose transfer encoding and charset leave a planted ASCII word as it is. A field
/// name may have white space after it, before its colon (RFC 5322's obsolete syntax, which the
/// decoder reads: `Content-Transfer-Encoding : base64` is base64).
fn plain_encoding(headers: &[u8]) -> bool {
    let headers = &without_space_before_colon(headers);
    // Every such field: the decoder takes the last of two.
    let mut rest = headers.as_slice();
    while let Some(at) = find(rest, b"content-transfer-encoding:") {
        let value = &rest[at + b"content-transfer-encoding:".len()..];
        let value = value
            .split(|b| *b == b'\n')
            .next()
            .unwrap_or(value)
            .trim_ascii();
        if !matches!(value, b"7bit" | b"8bit" | b"quoted-printable") {
            return false;
        }
        rest = &rest[at + 1..];
    }
    let mut rest = headers.as_slice();
    while let Some(at) = find(rest, b"charset=") {
        let value = &rest[at + b"charset=".len()..];
        let value: Vec<u8> = value
            .iter()
            .take_while(|b| !b";\r\n \t".contains(b))
            .filter(|b| **b != b'"')
            .copied()
            .collect();
        let known = value == b"utf-8"
            || value == b"us-ascii"
            || value.starts_with(b"iso-8859-")
            || value.starts_with(b"windows-125");
        if !known {
            return false;
        }
        rest = &rest[at + 1..];
    }
    true
}

/// `headers` with the white space before the first colon of each line taken out.
fn without_space_before_colon(headers: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers.len());
    for (index, line) in headers.split(|b| *b == b'\n').enumerate() {
        if index > 0 {
            out.push(b'\n');
        }
        match line.iter().position(|b| *b == b':') {
            Some(colon) => {
                out.extend_from_slice(line[..colon].trim_ascii_end());
                out.extend_from_slice(&line[colon..]);
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canary_is_not_planted_under_an_encoding_that_would_change_it() {
        let mut rng = Rng::new(1);
        // The transfer encoding before the type, in the part's header block or in the block of
        // the part holding text that looks like one; and a type within a line of text.
        for input in [
            "Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\nContent-Type: text/plain\n\nSGk=\n--B--\n",
            "Subject: s\nContent-Type: multipart\nContent-Transfer-Encoding: base64\n\nContent-Type: text/plain\n\nSGk=\n",
            "Subject: s\nContent-Transfer-Encoding: base64\n\nJContent-Type: text/plain\n\nSGk=\n",
            "Subject: s\nContent-Transfer-Encoding: base64\n\nSGk=\n \nContent-Type: text/plain\n\nSGk=\n",
            "Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: quoted-printable\n\nPK=03=04\n--B--\n",
            // A transfer encoding above a broken `--` header line, in the message's own header
            // block and in a part's.
            "Content-Transfer-Encoding: base64\n--\nContent-Type: text/plain\n\nSGk=\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n--\nContent-Type: text/plain\n\nSGk=\n--B--\n",
            // A message in base64 with a line that looks like a delimiter, and an attached
            // message in base64 holding text that looks like a part.
            "Content-Transfer-Encoding: base64\n\n--J\nContent-Type: text/plain\n\nSGk=\n",
            "Content-Type: message/rfc822\n\nContent-Type: multipart\nContent-Transfer-Encoding: base64\n\nContent-Type: text/plain\n\nSGk=\n",
            // Text that looks like a part in a Word document, and in an attachment's bytes.
            "Content-Type: application/msword\n\nDOC\nContent-Type: text/plain\n\nhi\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: application/octet-stream\n\n%PDF-1.4\nContent-Type: text/plain\n\nhi\n--B--\n",
            // A type written into another's value: the message's type is not text.
            "Content-Type: application/Content-Type: text/plain\n\nPK\n",
            // Text that looks like a part in an HTML body (the message's, a part's): there it
            // is in a tag (`</p?` to `>`), which HTML reads as no text.
            "Content-Type: text/html\n\n<p>x</p?\nContent-Type: text/plain\n\nhi\n>\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/html\n\n<p>x</p?\nContent-Type: text/plain\n\nhi\n>\n--B--\n",
            // A line `--` and a boundary declared nowhere before it in the same message is text,
            // not a delimiter: the encoding of the part above it covers the text after it.
            "Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n\nSGk=\n--J\nContent-Type: text/plain\n\nSGk=\n--B--\n",
            "Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n\nSGk=\n--N\nContent-Type: text/plain\n\nSGk=\nContent-Type: multipart/mixed; boundary=N\n--B--\n",
            // A `From ` line in a message that is no mailbox starts no message: the message's
            // own base64 covers the text after it.
            "Content-Transfer-Encoding: base64\n\nSGk=\n\nFrom a@x Mon May  6 10:00:00 2024\nContent-Type: text/plain\n\nSGk=\n",
            // A boundary declared in text just above a line `--` and it, with no blank line
            // between: the text of a UTF-16 body and of a multipart in base64 whose own boundary
            // is found nowhere.
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=utf-16\n\nContent-Type: multipart/mixed; boundary=N\n--N\nContent-Type: text/plain\n\nhi\n--B--\n",
            "Content-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: multipart/mixed; boundary=B\nContent-Transfer-Encoding: base64\n\nContent-Type: multipart/mixed; boundary=J\n--J\nContent-Type: text/plain\n\nhi\n",
            // A transfer encoding with white space before its colon (RFC 5322's obsolete
            // syntax, read by the decoder as base64).
            "Subject: s\nContent-Type: text/plain\nContent-Transfer-Encoding : base64\n\nSGk=\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\nContent-Transfer-Encoding\t: base64\n\nSGk=\n--B--\n",
            // Two transfer encodings, the last base64.
            "Subject: s\nContent-Transfer-Encoding: quoted-printable\nContent-Transfer-Encoding: base64\n\nSGk=\n",
            // And after a line `--` and a boundary declared nowhere.
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=utf-16\n\n--X\nContent-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: text/plain\n\nhi\n--B--\n",
            // And after text naming an attached message in that body.
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=utf-16\n\nContent-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: text/plain\n\nhi\n--B--\n",
            // The same with a blank line: still the text of the UTF-16 body.
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; charset=utf-16\n\nContent-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: text/plain\n\nhi\n--B--\n",
            "From a@x Mon May  6 10:00:00 2024\nSubject: s\nContent-Type: multipart/mixed; boundary=N\n\n--N\n\nhi\n--N--\n\nFrom b@x Mon May  6 10:01:00 2024\nSubject: t\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n\nSGk=\n--N\nContent-Type: text/plain\n\nSGk=\n--B--\n",
            // A line `--B` under `boundary=b` is text, not a delimiter: a boundary is matched in
            // its own case (comms fuzzer s47 da95c354b8d62152, where the part was base64).
            "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGk=\n--B\nContent-Type: text/plain\n\nSGk=\n--b--\n",
            // A line `--XX` after a delimiter of a multipart holding XX's declaration, which
            // ended XX: text of the part that delimiter starts (an application part here), not
            // a delimiter (comms fuzzer s46 85e9ea45920e328b, where `--N0` came in XX's first
            // part's header block).
            "Content-Type: multipart/mixed; boundary=\"N0\"\n\n--N0\nContent-Type: multipart/mixed; boundary=\"N10\"\n\n--N10\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\n--N0   \t\nContent-Type: application/vnd.ms-excel; name=\"c.xls\"\n\nAAAA\n--XX\nContent-Type: text/plain\n\nhi\n",
        ] {
            let mut data = input.as_bytes().to_vec();
            assert!(!plant_canary(&mut rng, &mut data), "{input}");
        }
        // A nested multipart's second part, its delimiter before any of the outer multipart's.
        let mut data = b"Content-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: application/pdf\n\n%PDF\n--X\nContent-Type: text/plain\n\nhi\n--X--\n--N--\n".to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(find(&data, b"text/plain\n\nzqxcanaryword\nhi\n").is_some());
        assert!(planted_by_rule(&data));
        let mut data =
            b"Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: 8bit\nContent-Type: text/plain\n\nhi\n--B--\n"
                .to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(find(&data, b"\n\nzqxcanaryword\nhi\n").is_some());
        assert!(planted_by_rule(&data));
        // A part after a delimiter, its encoding unaffected by the part before it.
        let mut data = b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n\nSGk=\n\n--B\nContent-Type: text/plain\n\nhi\n--B--\n".to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(find(&data, b"text/plain\n\nzqxcanaryword\nhi\n").is_some());
        // A part of a multipart in an attached message.
        let mut data = b"Content-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=N\n\n--N\nContent-Type: text/plain\n\nhi\n--N--\n".to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(find(&data, b"text/plain\n\nzqxcanaryword\nhi\n").is_some());
        // A boundary in mixed case, matched in its own case.
        let mut data = b"Content-Type: multipart/mixed; boundary=\"Ab\"\n\n--Ab\nContent-Transfer-Encoding: base64\n\nSGk=\n--Ab\nContent-Type: text/plain\n\nhi\n--Ab--\n".to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(find(&data, b"text/plain\n\nzqxcanaryword\nhi\n").is_some());
        // A part after a delimiter of a boundary declared before it, with a `--` line of text
        // in the part before it.
        let mut data = b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n--J\n--B\nContent-Type: text/plain\n\nhi\n--B--\n".to_vec();
        assert!(plant_canary(&mut rng, &mut data));
        assert!(planted_by_rule(&data));
    }

    #[test]
    fn replay_looks_for_the_word_only_where_the_rule_plants_it() {
        // In a base64 body, in a header, in an application part: not planted by this rule.
        for input in [
            "Content-Transfer-Encoding: base64\n\nzqxcanaryword\n",
            "Content-Type: zqxcanaryword\n\nhi\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: application/zip\n\nzqxcanaryword\n--B--\n",
        ] {
            assert!(!planted_by_rule(input.as_bytes()), "{input}");
        }
        for input in [
            "Subject: s\n\nzqxcanaryword\nhi\n",
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nzqxcanaryword\n--B--\n",
        ] {
            assert!(planted_by_rule(input.as_bytes()), "{input}");
        }
    }

    #[test]
    fn base64_round_trip() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        assert_eq!(b64_decode(&b64_encode(&bytes)), bytes);
    }
}

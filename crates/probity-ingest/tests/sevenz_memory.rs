//! The memory a 7-Zip archive's header can make the reader take: a header that declares far
//! more entries than the limit is refused before room is made for them. Its own test binary of
//! one test, so that the process's peak memory (Linux's `VmHWM`, reset through `clear_refs`) is
//! the reader's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap();
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

/// The most memory the process held beyond what it held before, in bytes, while `run` ran.
fn most_held<T>(run: impl FnOnce() -> T) -> (T, usize) {
    // Writing 5 resets the peak to what is held now.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kib("VmRSS:");
    let got = run();
    let most = status_kib("VmHWM:");
    (got, most.saturating_sub(before) * 1024)
}

/// An archive made by 7-Zip of one file, `entries.bin`, packed with LZMA, the header not
/// compressed. The file is a header's worth of bytes: a header whose files info declares
/// 1,500,000 entries, then zeros to 1,599,000 bytes.
const ENTRIES_SOURCE: &[u8] = include_bytes!("fixtures/attach/entries-source.7z");

/// The most the reader may hold for these archives: the header's decoder (a dictionary of
/// 1 MiB) and buffers, far from the 100 bytes an entry sevenz-rust2 takes.
const MOST_HELD: usize = 8 * 1024 * 1024;

fn read(bytes: &[u8]) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/x-7z-compressed"),
        name: Some("entries.7z"),
        charset: None,
    };
    extract_text(&input, &Limits::default())
}

/// `header` as the header of an archive whose packed streams are `packed` (placed after the
/// signature header), the start header giving it.
fn archive(packed: &[u8], header: &[u8]) -> Vec<u8> {
    let mut bytes = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
    let mut start = Vec::new();
    start.extend_from_slice(&(packed.len() as u64).to_le_bytes());
    start.extend_from_slice(&(header.len() as u64).to_le_bytes());
    start.extend_from_slice(&crc32(header).to_le_bytes());
    bytes.extend_from_slice(&crc32(&start).to_le_bytes());
    bytes.extend_from_slice(&start);
    bytes.extend_from_slice(packed);
    bytes.extend_from_slice(header);
    bytes
}

/// CRC-32 (IEEE).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// The header of 1,599,000 bytes declaring 1,500,000 entries, as `entries.bin` holds it.
fn declaring_header() -> Vec<u8> {
    let mut header = vec![0x01, 0x05, 0xd6, 0x60, 0xe3];
    header.resize(1_599_000, 0);
    header
}

/// A header declaring 1,500,000 entries, stored as it is (1.6 MB) or compressed (a few hundred
/// bytes), is refused by the entry limit before room is made for the entries: the reader holds
/// a few megabytes at most. (sevenz-rust2 made room for them first, 96 bytes each: 144 MB.)
#[test]
fn a_header_declaring_a_million_entries_is_refused_before_room_is_made_for_them() {
    let plain = archive(&[], &declaring_header());

    // The compressed header: `entries-source.7z`'s packed stream, and its streams info (which
    // says how `entries.bin` is packed) as an encoded header's.
    let offset = u64::from_le_bytes(ENTRIES_SOURCE[12..20].try_into().unwrap()) as usize;
    let size = u64::from_le_bytes(ENTRIES_SOURCE[20..28].try_into().unwrap()) as usize;
    let source_header = &ENTRIES_SOURCE[32 + offset..32 + offset + size];
    assert_eq!(&source_header[..2], [0x01, 0x04]);
    let streams_end = source_header
        .windows(3)
        .position(|window| window == [0x00, 0x05, 0x01])
        .unwrap();
    let mut encoded = vec![0x17];
    encoded.extend_from_slice(&source_header[2..=streams_end]);
    let compressed = archive(&ENTRIES_SOURCE[32..32 + offset], &encoded);
    assert!(compressed.len() < 1024, "{}", compressed.len());

    for (what, bytes) in [("stored", plain), ("compressed", compressed)] {
        let (got, most) = most_held(|| read(&bytes));
        assert_eq!(got.text, None, "{what}");
        assert_eq!(
            got.note.as_deref(),
            Some(
                "the 7-Zip archive holds 1500000 entries, more than the limit of 10000; text not extracted"
            ),
            "{what}"
        );
        assert!(most < MOST_HELD, "{what}: {most} bytes held at most");
    }
}

//! Zips whose files are compressed with a method other than Deflate, written by 7-Zip, Info-ZIP
//! and the zstd tool (`tests/fixtures/attach/make_zip_methods.sh`): Deflate64 (what Windows
//! Explorer writes for a large zip), BZip2, LZMA, XZ, PPMd and Zstandard (what WinZip and 7-Zip
//! write on request) are read as deflated files are, and held to the same limits, as are PKZIP
//! 1's Shrink, Reduce and Implode (their streams written by the encoders below); a method not
//! read is named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};
use zip::write::SimpleFileOptions;

/// `export/summary.txt` (a marked summary with an NI number, then 30 lines of a rota) and
/// `export/nominals.csv` (41 invented people), each zip in one method.
const DEFLATE64: &[u8] = include_bytes!("fixtures/attach/method-deflate64.zip");
const BZIP2: &[u8] = include_bytes!("fixtures/attach/method-bzip2.zip");
const BZIP2_INFOZIP: &[u8] = include_bytes!("fixtures/attach/method-bzip2-infozip.zip");
const LZMA: &[u8] = include_bytes!("fixtures/attach/method-lzma.zip");
const XZ: &[u8] = include_bytes!("fixtures/attach/method-xz.zip");
const PPMD: &[u8] = include_bytes!("fixtures/attach/method-ppmd.zip");
const ZSTD: &[u8] = include_bytes!("fixtures/attach/method-zstd.zip");
/// `zeros.txt`: 30 MiB of zeros in BZip2, in 202 bytes.
const BZIP2_BOMB: &[u8] = include_bytes!("fixtures/attach/method-bzip2-bomb.zip");

const SUMMARY: &str = "OFFICIAL-SENSITIVE\r\nSummary for the file: the man arrested on Orchard Road, NI number JG103759A.";
const LAST_ROW: &str = "\"OKAFOR, Chidi\",08/02/1961,JG103760B,\"11 Station Road, Newtown\"";

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/zip"),
        name: Some("export.zip"),
        charset: None,
    };
    extract_text(&input, limits)
}

fn note(extracted: &Extracted) -> &str {
    extracted.note.as_deref().unwrap_or("")
}

/// The compression method (its number) of each entry, from the central directory.
fn methods(bytes: &[u8]) -> Vec<u16> {
    let mut at = 0;
    let mut found = Vec::new();
    while let Some(offset) = bytes[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let start = at + offset;
        found.push(u16::from_le_bytes([bytes[start + 10], bytes[start + 11]]));
        at = start + 4;
    }
    found
}

/// The offsets of the local and central headers of the entry `name`.
fn headers_of(bytes: &[u8], name: &[u8]) -> (usize, usize) {
    let mut local = None;
    let mut central = None;
    for start in 0..bytes.len().saturating_sub(46) {
        match &bytes[start..start + 4] {
            b"PK\x03\x04" if bytes[start + 30..].starts_with(name) => local = Some(start),
            b"PK\x01\x02" if bytes[start + 46..].starts_with(name) => central = Some(start),
            _ => {}
        }
    }
    (local.unwrap(), central.unwrap())
}

/// Where the data of the entry `name` begins.
fn data_of(bytes: &[u8], name: &[u8]) -> usize {
    let (local, _) = headers_of(bytes, name);
    let name_length = u16::from_le_bytes([bytes[local + 26], bytes[local + 27]]) as usize;
    let extra_length = u16::from_le_bytes([bytes[local + 28], bytes[local + 29]]) as usize;
    local + 30 + name_length + extra_length
}

/// Each method's zip is read whole, each file under its name, with no note. (Each was noted
/// "could not be inflated: compression method not supported", its files' text lost.)
#[test]
fn zips_in_every_method_winzip_7_zip_and_windows_write_are_read() {
    for (what, bytes, number) in [
        ("Deflate64", DEFLATE64, 9),
        ("BZip2 (7-Zip)", BZIP2, 12),
        ("BZip2 (Info-ZIP)", BZIP2_INFOZIP, 12),
        ("LZMA", LZMA, 14),
        ("XZ", XZ, 95),
        ("PPMd", PPMD, 98),
        ("Zstandard", ZSTD, 93),
    ] {
        assert_eq!(methods(bytes), [number, number], "{what}");
        let got = read(bytes, &Limits::default());
        assert_eq!(got.note, None, "{what}: {got:?}");
        let text = got.text.as_deref().unwrap_or_default();
        assert!(
            text.contains(&format!("[file export/summary.txt]\n{SUMMARY}")),
            "{what}: {text}"
        );
        assert!(
            text.contains("[file export/nominals.csv]\nName,Date of birth,NI number,Address\n\"HARRIS, Nicola\",01/01/1960,JG103710A"),
            "{what}: {text}"
        );
        assert!(text.contains(LAST_ROW), "{what}: {text}");
    }
}

/// A BZip2 bomb is refused by its declared size, as a deflated one is; one that declares less
/// than it holds is cut at the compression ratio limit, and the files around it are read; the
/// decompression budget holds across files in the new methods too.
#[test]
fn a_bzip2_bomb_is_held_to_the_limits() {
    let got = read(BZIP2_BOMB, &Limits::default());
    assert_eq!(
        note(&got),
        "zeros.txt would inflate 50 bytes to 31457280 (more than 200:1, a zip bomb?); not read",
        "{got:?}"
    );
    assert_eq!(got.text, None);

    // Saying it packs 1 MiB, not 50 bytes (30:1, within the ratio limit): cut at the
    // decompression budget, never unpacked whole.
    let mut lying = BZIP2_BOMB.to_vec();
    let (local, central) = headers_of(&lying, b"zeros.txt");
    let compressed = (1u32 << 20).to_le_bytes();
    lying[local + 18..local + 22].copy_from_slice(&compressed);
    lying[central + 20..central + 24].copy_from_slice(&compressed);
    let limits = Limits {
        max_decompressed_bytes: 4 << 20,
        ..Limits::default()
    };
    let got = read(&lying, &limits);
    assert!(
        note(&got).starts_with(
            "zeros.txt inflates past the decompression limit of 4194304 bytes; text read up to there"
        ),
        "{got:?}"
    );

    // The budget is the archive's, shared by files in any method.
    let limits = Limits {
        max_decompressed_bytes: 3000,
        ..Limits::default()
    };
    let got = read(BZIP2, &limits);
    assert_eq!(
        note(&got),
        "export/summary.txt inflates past the decompression limit of 419 bytes; text read up to there",
    );
    assert!(got.text.as_deref().unwrap().contains(LAST_ROW), "{got:?}");
}

/// A decoder is not made where it would take more memory than the decompression budget allows:
/// a PPMd entry whose two header bytes ask for a 256 MiB model is refused before it is read.
#[test]
fn a_decoder_asking_for_more_memory_than_the_budget_is_refused() {
    let mut big = PPMD.to_vec();
    let data = data_of(&big, b"export/summary.txt");
    // Order and restore method kept, memory 256 MiB.
    let parameters = u16::from_le_bytes([big[data], big[data + 1]]);
    let parameters = (parameters & 0xF00F) | (0xFF << 4);
    big[data..data + 2].copy_from_slice(&parameters.to_le_bytes());
    let got = read(&big, &Limits::default());
    assert!(
        note(&got).contains(
            "export/summary.txt could not be read: decoding it would take 262144 KiB of memory, more than the 66560 KiB allowed"
        ),
        "{got:?}"
    );
    assert!(got.text.as_deref().unwrap().contains(LAST_ROW), "{got:?}");

    // A budget of 64 KiB allows a decoder 1088 KiB: the 8 MiB window of a Zstandard frame (the
    // zstd tool's level 19) is refused; the dictionaries of 7-Zip's LZMA and XZ entries, cut to
    // their few KiB, are not, unless one asks for more.
    let limits = Limits {
        max_decompressed_bytes: 64 * 1024,
        ..Limits::default()
    };
    let got = read(ZSTD, &limits);
    assert_eq!(got.text, None, "{got:?}");
    assert!(
        note(&got).starts_with(
            "export/summary.txt could not be read: decoding it would take 8192 KiB of memory, more than the 1088 KiB allowed"
        ),
        "{got:?}"
    );
    for bytes in [LZMA, XZ] {
        let got = read(bytes, &limits);
        assert_eq!(got.note, None, "{got:?}");
    }
    // The XZ block's dictionary made 128 MiB (its header's checksum made again).
    let mut big = XZ.to_vec();
    let block = data_of(&big, b"export/summary.txt") + 12;
    let header_size = (usize::from(big[block]) + 1) * 4;
    let filter = big[block..block + header_size]
        .windows(2)
        .position(|w| w == [0x21, 0x01])
        .unwrap();
    big[block + filter + 2] = 30;
    let crc = crc32(&big[block..block + header_size - 4]).to_le_bytes();
    big[block + header_size - 4..block + header_size].copy_from_slice(&crc);
    let got = read(&big, &limits);
    assert!(
        note(&got).contains(
            "export/summary.txt could not be inflated: decoding it would take more than the 1088 KiB of memory allowed; text read up to there"
        ),
        "{got:?}"
    );
    assert!(got.text.as_deref().unwrap().contains(LAST_ROW), "{got:?}");
}

/// The CRC-32 of zip and XZ.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// A file whose bytes were changed is read as far as it decodes, with a note; one cut short
/// too; neither panics, in any method.
#[test]
fn damaged_files_in_the_new_methods_are_read_as_far_as_they_go() {
    // One bit of the CSV's stored checksum changed: the file is still read whole, and noted.
    let mut changed = ZSTD.to_vec();
    let (local, central) = headers_of(&changed, b"export/nominals.csv");
    changed[local + 14] ^= 1;
    changed[central + 16] ^= 1;
    let got = read(&changed, &Limits::default());
    assert!(got.text.as_deref().unwrap().contains(LAST_ROW), "{got:?}");
    assert!(
        note(&got).contains(
            "export/nominals.csv could not be inflated: a checksum does not match: the zip is damaged; text read up to there"
        ),
        "{got:?}"
    );
    for (what, bytes) in [
        ("Deflate64", DEFLATE64),
        ("BZip2", BZIP2),
        ("LZMA", LZMA),
        ("XZ", XZ),
        ("PPMd", PPMD),
        ("Zstandard", ZSTD),
    ] {
        // Every byte of the first file's data changed in turn, then the zip cut at every byte.
        let (_, central) = headers_of(bytes, b"export/summary.txt");
        let data = data_of(bytes, b"export/summary.txt");
        let compressed = u32::from_le_bytes(bytes[central + 20..central + 24].try_into().unwrap());
        for at in data..data + compressed as usize {
            let mut damaged = bytes.to_vec();
            damaged[at] ^= 0x55;
            let got = read(&damaged, &Limits::default());
            assert!(got.text.is_some() || got.note.is_some(), "{what} at {at}");
        }
        for end in 0..bytes.len() {
            let _ = read(&bytes[..end], &Limits::default());
        }
    }
}

/// A method read neither by the zip crate nor here (IBM's TERSE, of mainframe zips) is named, not
/// read as an empty file. (It was noted "could not be inflated … text read up to there" and "no
/// text found in the attachment".)
#[test]
fn a_method_not_read_is_named() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("old.txt", options).unwrap();
    writer.write_all(b"Packed by TERSE on a mainframe").unwrap();
    writer.start_file("new.txt", options).unwrap();
    writer.write_all(SUMMARY.as_bytes()).unwrap();
    let mut bytes = writer.finish().unwrap().into_inner();
    let (local, central) = headers_of(&bytes, b"old.txt");
    bytes[local + 8] = 10;
    bytes[central + 10] = 10;
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        note(&got),
        "old.txt is compressed with IBM TERSE (method 10), a method that is not read; text not extracted"
    );
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!("[file new.txt]\n{SUMMARY}"))
    );
}

/// A zip in Deflate64, sent by email, reaches the attachment's text.
#[test]
fn a_deflate64_zip_sent_by_email_is_read() {
    let event = common::email_attaching(
        "export.zip",
        "application/x-zip-compressed",
        DEFLATE64,
        Limits::default(),
    );
    let email = event.email.unwrap();
    let text = email.attachments[0].text.as_deref().unwrap();
    assert!(text.contains(LAST_ROW), "{text}");
    assert_eq!(email.attachments[0].extraction, None);
}

/// Bits written from the least significant up, as PKZIP 1's methods read them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    held: u64,
    count: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.held |= u64::from(value) << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.out.push(self.held as u8);
            self.held >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.held as u8);
        }
        self.out
    }
}

/// `data` shrunk (LZW, as PKZIP 1's Shrink): 9-bit codes, new strings numbered from 257 as the
/// decoder numbers them, none past 511 used.
fn shrunk(data: &[u8]) -> Vec<u8> {
    let mut strings = std::collections::HashMap::new();
    let mut next = 257u32;
    let mut bits = Bits::default();
    let mut current = u32::from(data[0]);
    for &byte in &data[1..] {
        if let Some(&code) = strings.get(&(current, byte)) {
            current = code;
            continue;
        }
        bits.put(current, 9);
        if next < 512 {
            strings.insert((current, byte), next);
        }
        next += 1;
        current = u32::from(byte);
    }
    bits.put(current, 9);
    bits.finish()
}

/// `data` reduced (PKZIP 1's Reduce with compression factor `factor`, 1 to 4): no follower sets
/// (every byte a literal), and each line that repeats the line before it (at most 127 bytes) a
/// back reference to it; the DLE byte (0x90) escaped.
fn reduced(data: &[u8], factor: u32) -> Vec<u8> {
    let mut bits = Bits::default();
    for _ in 0..256 {
        bits.put(0, 6);
    }
    let length_bits = 8 - factor;
    let mut previous: &[u8] = &[];
    let mut at = 0;
    while at < data.len() {
        let end = data[at..]
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(data.len(), |end| at + end + 1);
        let line = &data[at..end];
        if line == previous && line.len() >= 4 && line.len() - 3 < (1 << length_bits) - 1 {
            let distance = line.len() - 1;
            let v = ((distance >> 8) << length_bits) as u32 | (line.len() - 3) as u32;
            bits.put(0x90, 8);
            bits.put(v, 8);
            bits.put((distance & 0xFF) as u32, 8);
        } else {
            for &byte in line {
                bits.put(u32::from(byte), 8);
                if byte == 0x90 {
                    bits.put(0, 8);
                }
            }
        }
        previous = line;
        at = end;
    }
    bits.finish()
}

/// `data` imploded (PKZIP 1's Implode, a 4 KiB window, no literal tree): the length and
/// distance trees (64 codes of 6 bits each), then every byte a literal.
fn imploded(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits::default();
    for _ in 0..2 {
        // Four bytes of 16 codes of 6 bits each.
        bits.put(3, 8);
        for _ in 0..4 {
            bits.put(0xF5, 8);
        }
    }
    for &byte in data {
        bits.put(1, 1);
        bits.put(u32::from(byte), 8);
    }
    bits.finish()
}

/// A zip of `files` (name, method, packed bytes, the bytes), written as PKZIP 1 wrote one.
fn legacy_zip(files: &[(&str, u16, Vec<u8>, &[u8])]) -> Vec<u8> {
    let mut local = Vec::new();
    let mut central = Vec::new();
    for (name, method, packed, data) in files {
        let offset = local.len() as u32;
        let mut fields = Vec::new();
        fields.extend_from_slice(&10u16.to_le_bytes()); // version needed
        fields.extend_from_slice(&0u16.to_le_bytes()); // flags
        fields.extend_from_slice(&method.to_le_bytes());
        fields.extend_from_slice(&0x5000u16.to_le_bytes()); // 10:00
        fields.extend_from_slice(&0x1C62u16.to_le_bytes()); // 1994-03-02
        fields.extend_from_slice(&crc32(data).to_le_bytes());
        fields.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        fields.extend_from_slice(&(data.len() as u32).to_le_bytes());
        fields.extend_from_slice(&(name.len() as u16).to_le_bytes());
        fields.extend_from_slice(&0u16.to_le_bytes()); // extra
        local.extend_from_slice(b"PK\x03\x04");
        local.extend_from_slice(&fields);
        local.extend_from_slice(name.as_bytes());
        local.extend_from_slice(packed);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&10u16.to_le_bytes()); // made by
        central.extend_from_slice(&fields);
        central.extend_from_slice(&[0; 10]); // comment, disk, attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let mut bytes = local.clone();
    bytes.extend_from_slice(&central);
    bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    bytes.extend_from_slice(&(files.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&(files.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&(central.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(local.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes
}

/// Zips of PKZIP 1 (Shrink, Reduce at its least and most, Implode: still met in old case files)
/// are read, each file under its name, held to the budget like the rest. (Each was noted "is
/// compressed with Shrink (method 1), a method that is not read", its text lost.) Info-ZIP's zip
/// writes none of them any more, so the streams are written by the encoders above.
#[test]
fn zips_of_pkzip_1_in_shrink_reduce_and_implode_are_read() {
    let mut summary = format!("{SUMMARY}\r\n");
    for _ in 0..30 {
        summary.push_str("Rota for the week: no changes.\r\n");
    }
    let data = summary.as_bytes();
    let bytes = legacy_zip(&[
        ("SHRUNK.TXT", 1, shrunk(data), data),
        ("REDUCED1.TXT", 2, reduced(data, 1), data),
        ("REDUCED4.TXT", 5, reduced(data, 4), data),
        ("IMPLODED.TXT", 6, imploded(data), data),
    ]);
    assert_eq!(methods(&bytes), [1, 2, 5, 6]);
    // Each packs the text smaller but Implode, whose stream here has literals alone.
    assert!(shrunk(data).len() < data.len() / 2);
    assert!(reduced(data, 1).len() < data.len() / 2);
    let got = read(&bytes, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.as_deref().unwrap_or_default();
    for name in ["SHRUNK.TXT", "REDUCED1.TXT", "REDUCED4.TXT", "IMPLODED.TXT"] {
        assert!(
            text.contains(&format!("[file {name}]\n{}", summary.trim_end())),
            "{name}: {text}"
        );
    }

    // The budget holds them as it holds the others: the first file cut, the rest not read.
    let limits = Limits {
        max_decompressed_bytes: 500,
        ..Limits::default()
    };
    let got = read(&bytes, &limits);
    assert!(
        note(&got).starts_with(
            "SHRUNK.TXT inflates past the decompression limit of 500 bytes; text read up to there"
        ),
        "{got:?}"
    );

    // A damaged stream is noted, not a panic, in each method.
    for (name, method, packed) in [
        ("SHRUNK.TXT", 1, shrunk(data)),
        ("REDUCED1.TXT", 2, reduced(data, 1)),
        ("IMPLODED.TXT", 6, imploded(data)),
    ] {
        for at in 0..packed.len() {
            let mut damaged = packed.clone();
            damaged[at] ^= 0x55;
            let got = read(
                &legacy_zip(&[(name, method, damaged, data)]),
                &Limits::default(),
            );
            assert!(got.text.is_some() || got.note.is_some(), "{name} at {at}");
        }
    }
}

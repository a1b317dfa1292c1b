//! 7-Zip archives written by 7-Zip itself (`tests/fixtures/attach/make_7z.sh`): read as zip
//! archives are, each file under its name, on their own and through the mail decoder; encrypted
//! ones noted; bombs, damaged and cut copies held to the limits, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

/// LZMA2, solid (one block): `export/` with a marked summary, a CSV of invented people with NI
/// numbers, a line of abuse, the first bytes of a PNG and an `.eml`.
const EXPORT: &[u8] = include_bytes!("fixtures/attach/export.7z");
/// LZMA, one block per file: the summary, the CSV and the PNG.
const SEPARATE: &[u8] = include_bytes!("fixtures/attach/separate.7z");
/// The summary and the CSV, encrypted (AES-256), the names in the clear.
const ENCRYPTED: &[u8] = include_bytes!("fixtures/attach/encrypted.7z");
/// The same, the names encrypted too (`-mhe=on`).
const HIDDEN_NAMES: &[u8] = include_bytes!("fixtures/attach/hidden-names.7z");
/// The summary and the CSV in PPMd, and in BZip2.
const PPMD: &[u8] = include_bytes!("fixtures/attach/ppmd.7z");
const BZIP2: &[u8] = include_bytes!("fixtures/attach/bzip2.7z");
/// The summary and the CSV in Deflate, in one block; the summary in Deflate64.
const DEFLATE: &[u8] = include_bytes!("fixtures/attach/deflate.7z");
const DEFLATE64: &[u8] = include_bytes!("fixtures/attach/deflate64.7z");
/// The summary and the CSV in Zstandard, in one block (one zstd frame), as a fork of 7-Zip
/// writes them.
const ZSTD: &[u8] = include_bytes!("fixtures/attach/zstd.7z");
/// The summary and the CSV in Brotli, and in LZ4, in one block (a frame each, after a skippable
/// frame giving its size), as the fork writes them.
const BROTLI: &[u8] = include_bytes!("fixtures/attach/brotli.7z");
const LZ4: &[u8] = include_bytes!("fixtures/attach/lz4.7z");
/// 100 MiB of zeros in 15 KiB.
const BOMB: &[u8] = include_bytes!("fixtures/attach/bomb.7z");
/// The CSV and the summary in LZMA2 in one block, and the summary in PPMd, the header not
/// compressed.
const PLAIN_HEADER: &[u8] = include_bytes!("fixtures/attach/plain-header.7z");
const PLAIN_HEADER_PPMD: &[u8] = include_bytes!("fixtures/attach/plain-header-ppmd.7z");
/// The summary and the CSV stored, not compressed.
const STORED: &[u8] = include_bytes!("fixtures/attach/stored.7z");
/// One block: `rota/big.txt` (20,000 bytes of a rota), then `rota/last.txt` with an NI number.
const ROTA: &[u8] = include_bytes!("fixtures/attach/rota.7z");

const SUMMARY: &str = "OFFICIAL-SENSITIVE\r\nSummary for the file: the man arrested on Orchard Road, NI number JG103759A.";
const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/x-7z-compressed"),
        name: Some("export.7z"),
        charset: None,
    };
    extract_text(&input, limits)
}

fn note(extracted: &Extracted) -> &str {
    extracted.note.as_deref().unwrap_or("")
}

/// Each file of a solid archive is read as an attachment of its name would be, under a line
/// naming it, in the order the archive holds them (7-Zip sorts them by type); the PNG is named
/// as not read. (A 7-Zip archive was noted "text is not extracted", and the NI numbers in it
/// reached no policy.)
#[test]
fn a_7z_archives_files_are_read_each_under_its_name() {
    let got = read(EXPORT, &Limits::default());
    let text = got.text.as_deref().unwrap();
    assert!(
        text.contains(&format!("[file export/summary.txt]\n{SUMMARY}")),
        "{text}"
    );
    assert!(
        text.contains("[file export/nominals.csv]\nName,Date of birth,NI number,Address\n\"HARRIS, Nicola\",01/01/1960,JG103759A"),
        "{text}"
    );
    assert!(
        text.contains(&format!("[file export/notes/message.txt]\n{ABUSE}")),
        "{text}"
    );
    // Read alone, an `.eml` is read as text.
    assert!(
        text.contains("[file export/referral.eml]\nFrom: Occupational Health"),
        "{text}"
    );
    assert_eq!(
        note(&got),
        "export/referral.eml (in the 7-Zip archive): read as text from its content (content sniffing): it has no type and does not say text; \
         1 file in the 7-Zip archive not read, neither text nor a document that is read: export/photo.png"
    );
}

/// One block per file (LZMA), PPMd, BZip2, Deflate, Deflate64 and Zstandard are read alike.
/// (Deflate, Deflate64 and Zstandard were named as not read.)
#[test]
fn every_codec_7_zip_uses_for_text_is_read() {
    for (what, bytes) in [
        ("LZMA", SEPARATE),
        ("PPMd", PPMD),
        ("BZip2", BZIP2),
        ("Deflate", DEFLATE),
        ("Zstandard", ZSTD),
    ] {
        let got = read(bytes, &Limits::default());
        let text = got.text.as_deref().unwrap_or_default();
        assert!(
            text.contains(&format!("[file export/summary.txt]\n{SUMMARY}")),
            "{what}: {got:?}"
        );
        assert!(
            text.contains("\"OKAFOR, Chidi\",08/02/1961,JG103760B"),
            "{what}: {got:?}"
        );
    }
    for bytes in [DEFLATE, ZSTD] {
        let got = read(bytes, &Limits::default());
        assert_eq!(got.note, None, "{got:?}");
    }
    // A Zstandard window (8 MiB, the zstd tool's level 19) past the memory the budget allows a
    // decoder is refused before it is made.
    let limits = Limits {
        max_decompressed_bytes: 64 * 1024,
        ..Limits::default()
    };
    let got = read(ZSTD, &limits);
    assert_eq!(got.text, None, "{got:?}");
    assert_eq!(
        note(&got),
        "export/summary.txt, export/nominals.csv (in the 7-Zip archive) could not be read: decoding it would take 8192 KiB of memory, more than the 1088 KiB allowed"
    );
    let got = read(DEFLATE64, &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!("[file export/summary.txt]\n{SUMMARY}")),
        "{got:?}"
    );
    assert_eq!(got.note, None, "{got:?}");
    // Held to the decompression budget as the other blocks are.
    let limits = Limits {
        max_decompressed_bytes: 40,
        ..Limits::default()
    };
    let got = read(DEFLATE64, &limits);
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!("[file export/summary.txt]\n{}", &SUMMARY[..40])),
        "{got:?}"
    );
    assert!(
        note(&got).contains("export/summary.txt inflates past the decompression limit of 40 bytes"),
        "{got:?}"
    );
}

/// A Deflate block is held as the others are: a file whose checksum does not match is read and
/// noted, one cut short is read as far as it goes, the files after either are named, and the
/// decompression budget holds across the block.
#[test]
fn a_deflate_block_is_held_as_the_others_are() {
    let csv = "Name,Date of birth,NI number,Address\n\"HARRIS, Nicola\",01/01/1960,JG103759A,\"10 Mill Lane, Newtown\"\n\"OKAFOR, Chidi\",08/02/1961,JG103760B,\"11 Station Road, Newtown\"\n";
    let crc = crc32(csv.as_bytes()).to_le_bytes();
    let mut changed = DEFLATE.to_vec();
    let at = changed
        .windows(4)
        .rposition(|window| window == crc)
        .unwrap();
    changed[at] ^= 1;
    let got = read(&with_header_checksums(changed), &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!("[file export/nominals.csv]\n{}", csv.trim_end())),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/nominals.csv could not be inflated: a checksum does not match: the archive is damaged; text read up to there; \
         export/summary.txt (in the 7-Zip archive) could not be read: a checksum does not match: the archive is damaged"
    );

    // The packed stream's size in the header (202 bytes) cut to 100: the block ends in the CSV.
    let mut cut = DEFLATE.to_vec();
    let at = cut
        .windows(4)
        .position(|window| window == [0x01, 0x09, 0x80, 0xca])
        .unwrap();
    cut[at + 3] = 100;
    let got = read(&with_header_checksums(cut), &Limits::default());
    assert!(
        got.text.as_deref().unwrap().starts_with(
            "[file export/nominals.csv]\nName,Date of birth,NI number,Address\n\"HARRIS"
        ),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/nominals.csv could not be inflated: it ends early: the archive is cut short or damaged; text read up to there; \
         export/summary.txt (in the 7-Zip archive) not read: they are compressed after export/nominals.csv, which could not be read in full"
    );

    let small = Limits {
        max_decompressed_bytes: 200,
        ..Limits::default()
    };
    let got = read(DEFLATE, &small);
    assert!(
        got.text
            .as_deref()
            .unwrap()
            .ends_with("[file export/summary.txt]\nOFFICIAL-SENSITIVE\r\nSummary for the f"),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/summary.txt inflates past the decompression limit of 37 bytes; text read up to there"
    );
}

/// Files encrypted are named as encrypted, as a zip's are; an archive whose names are encrypted
/// too says so. Neither is opened: no password is held.
#[test]
fn encrypted_7z_archives_are_noted() {
    let got = read(ENCRYPTED, &Limits::default());
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "2 files in the 7-Zip archive not read, encrypted: export/nominals.csv, export/summary.txt"
    );
    let got = read(HIDDEN_NAMES, &Limits::default());
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "encrypted 7-Zip archive: its file names are encrypted too (a password to open it); text not extracted"
    );
}

/// A bomb is refused by the size its block declares before anything is unpacked; a decoder
/// asking for more memory than the decompression budget (an LZMA2 dictionary or a PPMd model of
/// 4 GiB written into a header) is refused before it is made.
#[test]
fn bombs_and_decoders_asking_for_gigabytes_are_refused() {
    let started = Instant::now();
    let got = read(BOMB, &Limits::default());
    assert!(
        note(&got).contains("zeros.txt (in the 7-Zip archive) would unpack 15"),
        "{got:?}"
    );
    assert!(note(&got).contains("to 104857600 (more than 200:1, a zip bomb?); not read"));
    assert!(started.elapsed() < Duration::from_secs(2));

    // A folder of one coder, LZMA2 (id 0x21) with one byte of properties, its dictionary: 40
    // asks for 4 GiB.
    let lzma2 = with_coder_properties(PLAIN_HEADER, b"\x0b\x01\x00\x01\x21\x21\x01", &[40]);
    // PPMd (id 03 04 01) with five bytes of properties: its order, then its model's size.
    let ppmd = with_coder_properties(
        PLAIN_HEADER_PPMD,
        b"\x23\x03\x04\x01\x05",
        &[6, 0x00, 0x00, 0xf0, 0xff],
    );
    for (what, asking, as_written) in [
        ("LZMA2", lzma2, PLAIN_HEADER),
        ("PPMd", ppmd, PLAIN_HEADER_PPMD),
    ] {
        let got = read(&asking, &Limits::default());
        assert_eq!(got.text, None, "{what}");
        assert!(
            note(&got).contains(
                "export/summary.txt (in the 7-Zip archive) could not be read: unpacking it would take"
            ) && note(&got).ends_with("KiB of memory, more than the 66560 KiB allowed"),
            "{what}: {got:?}"
        );
        // The same archive as written is read.
        let got = read(as_written, &Limits::default());
        assert!(got.text.unwrap().contains("JG103759A"), "{what}");
    }
}

/// The decompression budget is shared by the files read and those passed over to reach a later
/// one; past it, the file is read as far as it goes and the rest of its block named. The entry
/// limit, the time limit and the text limit hold as for a zip.
#[test]
fn a_7z_archive_is_held_to_the_budget_entry_time_and_text_limits() {
    let small = Limits {
        max_decompressed_bytes: 200,
        ..Limits::default()
    };
    let got = read(EXPORT, &small);
    let text = got.text.as_deref().unwrap_or_default();
    // The CSV (163 bytes) fits; the message (61) is cut at 37 bytes.
    assert!(text.contains("JG103760B"), "{got:?}");
    assert!(
        text.ends_with("[file export/notes/message.txt]\nYou stupid bitch, I know where you li"),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/notes/message.txt inflates past the decompression limit of 37 bytes; text read up to there; \
         export/photo.png, export/referral.eml, export/summary.txt (in the 7-Zip archive) not read: \
         they are compressed after export/notes/message.txt, which could not be read in full"
    );

    // A file past the attachment size limit is passed over to reach the next, within the
    // budget; past the budget, the files after it are named.
    let small_files = Limits {
        max_attachment_bytes: 1000,
        ..Limits::default()
    };
    let got = read(ROTA, &small_files);
    assert_eq!(
        got.text.as_deref(),
        Some("[file rota/last.txt]\nCall JG103759A back.")
    );
    assert_eq!(
        note(&got),
        "rota/big.txt: 20000 bytes, larger than the 1000 byte extraction limit; text not extracted"
    );
    let got = read(
        ROTA,
        &Limits {
            max_decompressed_bytes: 10_000,
            ..small_files
        },
    );
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "rota/big.txt: 20000 bytes, larger than the 1000 byte extraction limit; text not extracted; \
         rota/last.txt (in the 7-Zip archive) not read: they are compressed after rota/big.txt, \
         and passing over it would go past the decompression limit"
    );

    // The header's counts are held to the entry limit as they are read, before room is made
    // for them: the files with bytes (5) come before the entries (7, with two folders).
    for (limit, expected) in [
        (
            3,
            "the 7-Zip archive holds 5 files with bytes, more than the limit of 3; text not extracted",
        ),
        (
            6,
            "the 7-Zip archive holds 7 entries, more than the limit of 6; text not extracted",
        ),
    ] {
        let few = Limits {
            max_zip_entries: limit,
            ..Limits::default()
        };
        let got = read(EXPORT, &few);
        assert_eq!(got.text, None);
        assert_eq!(note(&got), expected, "{got:?}");
    }

    let no_time = Limits {
        max_attachment_time: Duration::ZERO,
        ..Limits::default()
    };
    let got = read(EXPORT, &no_time);
    assert_eq!(got.text, None);
    assert!(
        note(&got).contains("extraction stopped before export/nominals.csv"),
        "{got:?}"
    );

    let short = Limits {
        max_attachment_text_bytes: 40,
        ..Limits::default()
    };
    let got = read(EXPORT, &short);
    assert!(got.text.as_deref().unwrap().len() <= 40);
    assert!(
        note(&got).contains("text cut at the 40 byte limit"),
        "{got:?}"
    );
}

/// A 7-Zip archive inside a zip, or a zip archive inside a 7-Zip archive, is not opened (noted),
/// as an archive inside an archive never is.
#[test]
fn archives_inside_7z_archives_are_not_opened() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("inner.7z", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, EXPORT).unwrap();
    let zipped = zip.finish().unwrap().into_inner();
    let input = Input {
        bytes: &zipped,
        mime_type: Some("application/zip"),
        name: Some("files.zip"),
        charset: None,
    };
    let got = extract_text(&input, &Limits::default());
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "inner.7z (in the zip): a 7-Zip archive inside another file is not opened; its contents are not read"
    );
}

/// A file whose checksum does not match (a byte changed) is read all the same, noted: the
/// decoder reports the mismatch with the file's last bytes, which were lost with it (the whole
/// of a small file). A file in another block is read as before.
#[test]
fn a_file_with_a_byte_changed_is_read_and_its_checksum_noted() {
    let at = STORED
        .windows(6)
        .position(|window| window == b"HARRIS")
        .unwrap();
    let mut changed = STORED.to_vec();
    changed[at + 1] = b'4';
    let got = read(&changed, &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!(
            "[file export/nominals.csv]\nName,Date of birth,NI number,Address\n\
             \"H4RRIS, Nicola\",01/01/1960,JG103759A,\"10 Mill Lane, Newtown\"\n\
             \"OKAFOR, Chidi\",08/02/1961,JG103760B,\"11 Station Road, Newtown\"\n\n\
             [file export/summary.txt]\n{SUMMARY}"
        )),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/nominals.csv could not be inflated: a checksum does not match: the archive is damaged; text read up to there"
    );
    let got = read(STORED, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert!(got.text.unwrap().contains(SUMMARY));

    // The CSV's checksum in the header changed: the CSV, decoded whole and not the last file
    // of its block, is still read (the decoder gave its bytes with the mismatch); the summary
    // after it in the block cannot be reached.
    let csv = "Name,Date of birth,NI number,Address\n\"HARRIS, Nicola\",01/01/1960,JG103759A,\"10 Mill Lane, Newtown\"\n\"OKAFOR, Chidi\",08/02/1961,JG103760B,\"11 Station Road, Newtown\"\n";
    let crc = crc32(csv.as_bytes()).to_le_bytes();
    let mut changed = PLAIN_HEADER.to_vec();
    let at = changed
        .windows(4)
        .rposition(|window| window == crc)
        .unwrap();
    changed[at] ^= 1;
    let changed = with_header_checksums(changed);
    let got = read(&changed, &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some(&*format!("[file export/nominals.csv]\n{}", csv.trim_end())),
        "{got:?}"
    );
    assert_eq!(
        note(&got),
        "export/nominals.csv could not be inflated: a checksum does not match: the archive is damaged; text read up to there; \
         export/summary.txt (in the 7-Zip archive) could not be read: a checksum does not match: the archive is damaged"
    );
}

/// A 7-Zip archive cut short anywhere, or with any byte changed, gives text or a reason and
/// never a panic, within the time limit; one cut before its header (which 7-Zip writes at the
/// end) says so.
#[test]
fn damaged_7z_archives_never_panic() {
    let got = read(&EXPORT[..EXPORT.len() - 10], &Limits::default());
    assert!(
        note(&got).contains("the 7-Zip archive is cut short"),
        "{got:?}"
    );

    for (name, bytes) in [
        ("export.7z", EXPORT),
        ("separate.7z", SEPARATE),
        ("encrypted.7z", ENCRYPTED),
        ("hidden-names.7z", HIDDEN_NAMES),
        ("ppmd.7z", PPMD),
        ("bzip2.7z", BZIP2),
        ("plain-header.7z", PLAIN_HEADER),
        ("plain-header-ppmd.7z", PLAIN_HEADER_PPMD),
        ("rota.7z", ROTA),
        ("stored.7z", STORED),
        ("deflate.7z", DEFLATE),
        ("deflate64.7z", DEFLATE64),
        ("zstd.7z", ZSTD),
        ("brotli.7z", BROTLI),
        ("lz4.7z", LZ4),
        ("bomb.7z", &BOMB[..2048.min(BOMB.len())]),
    ] {
        for at in 0..bytes.len() {
            let started = Instant::now();
            for damaged in [
                bytes[..at].to_vec(),
                flipped(bytes, at, 0x5a),
                flipped(bytes, at, 0x01),
                flipped(bytes, at, 0xff),
            ] {
                let got = read(&damaged, &Limits::default());
                assert!(got.text.is_some() || got.note.is_some(), "{name} at {at}");
                assert!(!note(&got).contains("panicked"), "{name} at {at}: {got:?}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{name} at {at}: {:?}",
                started.elapsed()
            );
        }
    }
}

/// An archive whose start header is blank (as 7-Zip leaves one it did not finish writing) is read
/// by the header found at its end, as 7-Zip finds it: in the last 512 bytes, one place tried, so
/// a megabyte with no header is refused at once. (Such an archive was refused.)
#[test]
fn an_archive_with_a_blank_start_header_is_read_by_the_header_at_its_end() {
    for (what, bytes) in [
        ("compressed header", EXPORT),
        ("plain header", PLAIN_HEADER),
    ] {
        let mut blank = bytes.to_vec();
        blank[8..32].fill(0);
        let got = read(&blank, &Limits::default());
        let whole = read(bytes, &Limits::default());
        assert_eq!(got.text, whole.text, "{what}");
        assert!(got.text.as_deref().unwrap().contains("JG103759A"), "{what}");
        let recovered = "the 7-Zip archive's start header is blank (as 7-Zip leaves an archive it did not finish writing); read by the header found at its end";
        assert!(note(&got).starts_with(recovered), "{what}: {got:?}");
    }

    // Cut in its header: no header at the end.
    let mut blank = EXPORT.to_vec();
    blank[8..32].fill(0);
    blank.truncate(blank.len() - 10);
    let got = read(&blank, &Limits::default());
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "the 7-Zip archive has a blank start header (as 7-Zip leaves an archive it did not finish writing) and no header at its end; no file in it was read"
    );

    // A megabyte after a blank start header, a header's beginning every other byte and the end
    // of one last: one place is tried (the last), at once.
    let mut blank = EXPORT[..32].to_vec();
    blank[8..32].fill(0);
    for _ in 0..512 * 1024 {
        blank.extend_from_slice(&[0x01, 0x04]);
    }
    blank.push(0x00);
    let started = Instant::now();
    let got = read(&blank, &Limits::default());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(got.text, None);
    assert_eq!(
        note(&got),
        "the 7-Zip archive's start header is blank (as 7-Zip leaves an archive it did not finish writing); read by the header found at its end; \
         the 7-Zip archive has a header that could not be read (it ends early); no file in it was read"
    );
}

/// `bytes` with the byte at `at` XORed with `mask`.
fn flipped(bytes: &[u8], at: usize, mask: u8) -> Vec<u8> {
    let mut changed = bytes.to_vec();
    changed[at] ^= mask;
    changed
}

/// An archive whose header is not compressed (as `plain-header.7z`), the properties after
/// `coder` (the coder's description up to them) set to `properties` and its checksums made
/// right again.
fn with_coder_properties(bytes: &[u8], coder: &[u8], properties: &[u8]) -> Vec<u8> {
    let mut changed = bytes.to_vec();
    let at = changed
        .windows(coder.len())
        .position(|window| window == coder)
        .expect("the coder")
        + coder.len();
    changed[at..at + properties.len()].copy_from_slice(properties);
    with_header_checksums(changed)
}

/// An archive whose header is not compressed, its checksums made right again.
fn with_header_checksums(mut changed: Vec<u8>) -> Vec<u8> {
    let offset = u64::from_le_bytes(changed[12..20].try_into().unwrap()) as usize;
    let size = u64::from_le_bytes(changed[20..28].try_into().unwrap()) as usize;
    let header_crc = crc32(&changed[32 + offset..32 + offset + size]);
    changed[28..32].copy_from_slice(&header_crc.to_le_bytes());
    let start_crc = crc32(&changed[12..32]);
    changed[8..12].copy_from_slice(&start_crc.to_le_bytes());
    changed
}

/// CRC-32 (IEEE), as 7-Zip checks its headers with.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Sent by email (base64, as `application/x-7z-compressed`), the archive's files reach the
/// attachment's text, and its `.eml` is read as an attached message is: its subject and body
/// under its name, its parties listed for the exclusions.
#[test]
fn a_7z_archive_sent_by_email_reaches_the_attachment_text() {
    let event = common::email_attaching(
        "export.7z",
        "application/x-7z-compressed",
        EXPORT,
        Limits::default(),
    );
    let email = event.email.as_ref().unwrap();
    let attachment = &email.attachments[0];
    assert_eq!(attachment.file.name.as_deref(), Some("export.7z"));
    let text = attachment.text.as_deref().unwrap();
    assert!(text.contains("NI number JG103759A"), "{text}");
    assert!(
        text.contains("\"HARRIS, Nicola\",01/01/1960,JG103759A"),
        "{text}"
    );
    assert!(
        text.contains(
            "[file export/referral.eml]\nYour referral\n\nRestricted duties for six weeks."
        ),
        "{text}"
    );
    assert_eq!(
        common::the_attached_message(&event, text, "oh@force.example"),
        "Your referral\n\nRestricted duties for six weeks."
    );
}

/// Blocks in Brotli and LZ4, which a fork of 7-Zip writes, are read as the others are, frame
/// after frame, held to the budget and their decoders' memory to what it allows. (They were
/// named: "compressed with BROTLI, a method that is not read".)
#[test]
fn brotli_and_lz4_blocks_of_the_fork_are_read() {
    for (what, bytes) in [("Brotli", BROTLI), ("LZ4", LZ4)] {
        let got = read(bytes, &Limits::default());
        assert_eq!(got.note, None, "{what}: {got:?}");
        let text = got.text.as_deref().unwrap_or_default();
        assert!(
            text.contains(&format!("[file export/summary.txt]\n{SUMMARY}")),
            "{what}: {got:?}"
        );
        assert!(
            text.contains("[file export/nominals.csv]\nName,Date of birth,NI number,Address"),
            "{what}: {got:?}"
        );
        assert!(
            text.contains("\"OKAFOR, Chidi\",08/02/1961,JG103760B"),
            "{what}: {got:?}"
        );
    }
    // The buffers of 4 MiB LZ4 blocks (the lz4 tool's 64 KiB ones, for these small files, made
    // 4 MiB in the frame's descriptor), and a Brotli stream's 16 MiB window where its first
    // meta-block is not its last (the bit that says so cleared), past the memory a budget of
    // 64 KiB allows: refused before the decoder is made.
    let limits = Limits {
        max_decompressed_bytes: 64 * 1024,
        ..Limits::default()
    };
    // The signature header, the skippable frame, then the LZ4 frame's magic and flags.
    let descriptor = 32 + 12 + 5;
    assert_eq!(LZ4[descriptor], 0x40);
    let mut big_blocks = LZ4.to_vec();
    big_blocks[descriptor] = 0x70;
    // The signature header, the skippable frame, then the Brotli stream's first byte: a window of
    // 24 bits (16 MiB), and its first meta-block its last.
    let first = 32 + 16;
    assert_eq!(BROTLI[first], 0x1F);
    let mut not_last = BROTLI.to_vec();
    not_last[first] = 0x0F;
    for (bytes, need) in [(&big_blocks[..], 12352), (&not_last[..], 16448)] {
        let got = read(bytes, &limits);
        assert_eq!(got.text, None, "{got:?}");
        assert_eq!(
            note(&got),
            format!(
                "export/summary.txt, export/nominals.csv (in the 7-Zip archive) could not be read: decoding it would take {need} KiB of memory, more than the 1088 KiB allowed"
            )
        );
    }
    // As the brotli tool writes them, the files are each one meta-block, the stream's last: its
    // decoder makes no more than that needs of the 16 MiB window, and they are read within that
    // budget. (Their window was refused: a budget under 15 MiB refused such an archive.)
    let got = read(BROTLI, &limits);
    assert_eq!(got.note, None, "{got:?}");
    assert!(
        got.text
            .as_deref()
            .unwrap_or_default()
            .contains("\"OKAFOR, Chidi\",08/02/1961,JG103760B"),
        "{got:?}"
    );
    // Held to the decompression budget: the summary cut, the CSV not reached (a budget so small
    // that Brotli's window is refused; LZ4's 64 KiB blocks are not).
    let limits = Limits {
        max_decompressed_bytes: 40,
        ..Limits::default()
    };
    let got = read(LZ4, &limits);
    assert!(
        note(&got).starts_with(
            "export/summary.txt inflates past the decompression limit of 40 bytes; text read up to there"
        ),
        "{got:?}"
    );
    assert!(!got.text.as_deref().unwrap().contains("OKAFOR"), "{got:?}");
}

/// A Brotli or LZ4 frame after the first whose decoder would take more memory than the budget
/// allows is noted as refused for that, the files before it read; before, the refusal was
/// noted as "the archive is damaged". (The second file's Brotli stream here has its first
/// meta-block made not its last, so that its decoder would make the 16 MiB window.)
#[test]
fn a_later_frame_refused_for_memory_is_not_called_damage() {
    let limits = Limits {
        max_decompressed_bytes: 64 * 1024,
        ..Limits::default()
    };
    let word = |at: usize| u32::from_le_bytes(BROTLI[at..at + 4].try_into().unwrap()) as usize;
    // The signature header, the first skippable frame (its packed size at 8), the first frame,
    // the second skippable frame, then the second frame.
    let second = 32 + 16 + word(32 + 8) + 16;
    assert_eq!(BROTLI[second], 0x1F);
    let mut bytes = BROTLI.to_vec();
    bytes[second] = 0x0F;
    let got = read(&bytes, &limits);
    assert!(
        got.text
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("[file export/summary.txt]\n{SUMMARY}")),
        "{got:?}"
    );
    assert!(
        note(&got).starts_with(
            "export/nominals.csv could not be inflated: a later frame is not unpacked: decoding it would take 16448 KiB of memory, more than the 1088 KiB allowed"
        ),
        "{got:?}"
    );
    assert!(!note(&got).contains("damaged"), "{got:?}");
}

//! A screenshot pasted into an Outlook message (a PNC or records-system screen) is a picture in
//! its RTF body: in an Outlook message saved as `.msg` and in a TNEF (`winmail.dat`) alike, it is
//! read by OCR as an RTF document's pictures are, under a line `[image N]` after the body, and
//! so is a picture attached to either.
//!
//! The messages are built here as Outlook writes them: the `.msg` with the compound file writer
//! of the `cfb` crate, its properties as streams ([MS-OXMSG]), the TNEF as attributes
//! ([MS-OXTNEF]); the RTF body is `tests/fixtures/ocr/screen.rtf` (the screenshot
//! `screen.png` in a `{\pict\pngblip}` group, saved by LibreOffice: `make_documents.py`),
//! compressed as Outlook compresses it (`PR_RTF_COMPRESSED`, [MS-OXRTFCP]) by [`compress_rtf`].
//! Most tests run a stand-in for Tesseract; the last runs Tesseract itself where it is installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};
use std::path::Path;

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, Ocr, extract_text};
use probity_model::Attachment;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Compressed RTF ([MS-OXRTFCP])
// ---------------------------------------------------------------------------------------------

/// The dictionary's first bytes, which the compressor may refer back to before it has written
/// anything ([MS-OXRTFCP] 3.1.3.1).
const PREBUF: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// The CRC of [MS-OXRTFCP] 3.1.3.2: CRC-32's table, started at 0, not inverted at the end.
fn crc(bytes: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &byte in bytes {
        let mut entry = (crc ^ u32::from(byte)) & 0xff;
        for _ in 0..8 {
            entry = if entry & 1 == 1 {
                0xedb8_8320 ^ (entry >> 1)
            } else {
                entry >> 1
            };
        }
        crc = entry ^ (crc >> 8);
    }
    crc
}

/// `rtf` compressed as Outlook compresses it: LZ77 over a 4 KiB ring that starts with
/// [`PREBUF`], each control byte's bits (lowest first) saying whether a literal byte (0) or a
/// reference (1: 12 bits of offset into the ring, 4 of length less two, at most 17) follows,
/// ended by a reference to where the next byte would be written; after a header of its size,
/// its size uncompressed, `LZFu` and its CRC. Each reference is to bytes already in the ring
/// (none runs into the byte being written), the longest of those found by their first two
/// bytes, the first in the ring of those as long (as the specification's example has it).
fn compress_rtf(rtf: &[u8]) -> Vec<u8> {
    const RING: usize = 4096;
    let mut ring = [0u8; RING];
    ring[..PREBUF.len()].copy_from_slice(PREBUF);
    let mut write = PREBUF.len();
    // Where in the ring each pair of bytes was written, last first when looked through.
    let mut seen: std::collections::HashMap<[u8; 2], Vec<usize>> = Default::default();
    for at in 0..PREBUF.len() - 1 {
        seen.entry([PREBUF[at], PREBUF[at + 1]])
            .or_default()
            .push(at);
    }
    let mut body = Vec::new();
    let mut control_at = 0;
    let mut tokens = 8;
    let mut token = |body: &mut Vec<u8>, reference: bool, bytes: &[u8]| {
        if tokens == 8 {
            control_at = body.len();
            body.push(0);
            tokens = 0;
        }
        if reference {
            body[control_at] |= 1 << tokens;
        }
        body.extend_from_slice(bytes);
        tokens += 1;
    };
    let mut at = 0;
    while at < rtf.len() {
        let mut best: Option<(usize, usize)> = None;
        if let Some(pair) = rtf.get(at..at + 2) {
            for &offset in seen.get(pair).into_iter().flatten().rev().take(64) {
                let mut length = 0;
                while length < 17
                    && at + length < rtf.len()
                    && (offset + length) % RING != write
                    && ring[(offset + length) % RING] == rtf[at + length]
                {
                    length += 1;
                }
                let better = best.is_none_or(|(earliest, longest)| {
                    length > longest || (length == longest && offset < earliest)
                });
                if length >= 2 && better {
                    best = Some((offset, length));
                }
            }
        }
        let (offset, length) = best.unwrap_or((0, 1));
        if length >= 2 {
            let reference = ((offset as u16) << 4) | (length as u16 - 2);
            token(&mut body, true, &reference.to_be_bytes());
        } else {
            token(&mut body, false, &rtf[at..at + 1]);
        }
        for &byte in &rtf[at..at + length] {
            let previous = (write + RING - 1) % RING;
            ring[write] = byte;
            seen.entry([ring[previous], byte])
                .or_default()
                .push(previous);
            write = (write + 1) % RING;
        }
        at += length;
    }
    let end = (write as u16) << 4;
    token(&mut body, true, &end.to_be_bytes());
    let mut out = Vec::new();
    out.extend_from_slice(&(body.len() as u32 + 12).to_le_bytes());
    out.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
    out.extend_from_slice(b"LZFu");
    out.extend_from_slice(&crc(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The compressor writes the specification's example as it does, references, CRC and all, and
/// compresses the RTF body used here (it is not all literals).
#[test]
fn the_compressor_writes_the_specifications_example() {
    let rtf = fixture("screen.rtf");
    let compressed = compress_rtf(&rtf);
    assert!(compressed.len() < rtf.len() * 3 / 4, "{}", compressed.len());
    // [MS-OXRTFCP] 4.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n" compressed.
    let example = compress_rtf(b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
    assert_eq!(
        example,
        [
            0x2d, 0, 0, 0, 0x2b, 0, 0, 0, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03,
            0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3,
            0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
            0x0a, 0x80, 0x0f, 0xa0
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// An Outlook message (.msg) and a TNEF, built as Outlook writes them
// ---------------------------------------------------------------------------------------------

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// What a message built here holds: a plain body, an HTML body, the RTF body compressed, a
/// file attached.
#[derive(Default, Clone, Copy)]
struct Built<'a> {
    plain: Option<&'a str>,
    html: Option<&'a str>,
    rtf: Option<&'a [u8]>,
    file: Option<(&'a str, &'a [u8])>,
}

/// A `.msg`: string properties as UTF-16 streams, the HTML and compressed RTF bodies as binary
/// ones, and a file attached by value with its MIME type.
fn outlook_msg(built: Built<'_>) -> Vec<u8> {
    let mut file_system = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut streams: Vec<(String, Vec<u8>)> = vec![
        ("/__properties_version1.0".into(), vec![0u8; 32]),
        ("/__substg1.0_0037001F".into(), utf16("PNC check")),
        ("/__substg1.0_0C1A001F".into(), utf16("Sam Lane")),
        (
            "/__substg1.0_0C1F001F".into(),
            utf16("sam.lane@force.police.uk"),
        ),
        ("/__substg1.0_0E04001F".into(), utf16("pal@gmail.com")),
    ];
    if let Some(plain) = built.plain {
        streams.push(("/__substg1.0_1000001F".into(), utf16(plain)));
    }
    if let Some(html) = built.html {
        streams.push(("/__substg1.0_10130102".into(), html.as_bytes().to_vec()));
    }
    if let Some(rtf) = built.rtf {
        streams.push(("/__substg1.0_10090102".into(), compress_rtf(rtf)));
    }
    if let Some((name, data)) = built.file {
        let dir = "/__attach_version1.0_#00000000";
        file_system.create_storage(dir).unwrap();
        streams.push((format!("{dir}/__properties_version1.0"), vec![0u8; 8]));
        streams.push((format!("{dir}/__substg1.0_3707001F"), utf16(name)));
        streams.push((format!("{dir}/__substg1.0_370E001F"), utf16("image/png")));
        streams.push((format!("{dir}/__substg1.0_37010102"), data.to_vec()));
    }
    for (path, bytes) in streams {
        let mut stream = file_system.create_stream(&path).unwrap();
        stream.write_all(&bytes).unwrap();
    }
    file_system.flush().unwrap();
    file_system.into_inner().into_inner()
}

/// A MAPI property list of variable-width properties: `(id, type, value)`.
fn mapi_properties(properties: &[(u16, u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = (properties.len() as u32).to_le_bytes().to_vec();
    for (id, kind, value) in properties {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
        out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
    }
    out
}

/// A TNEF: the message's MAPI properties (a plain body `PR_BODY`, the compressed RTF body
/// `PR_RTF_COMPRESSED`), then a file attached, named by its title and its long file name.
fn tnef(built: Built<'_>) -> Vec<u8> {
    let mut out = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    let mut properties = Vec::new();
    if let Some(plain) = built.plain {
        let mut value = utf16(plain);
        value.extend_from_slice(&[0, 0]);
        properties.push((0x1000, 0x001f, value));
    }
    if let Some(rtf) = built.rtf {
        properties.push((0x1009, 0x0102, compress_rtf(rtf)));
    }
    common::tnef_attribute(&mut out, 1, 0x0006_9003, &mapi_properties(&properties));
    if let Some((name, data)) = built.file {
        common::tnef_attribute(&mut out, 2, 0x0006_9002, &[0; 14]);
        common::tnef_attribute(&mut out, 2, 0x0001_8010, b"SCREEN~1.PNG\0");
        common::tnef_attribute(&mut out, 2, 0x0006_800f, data);
        let mut long_name = utf16(name);
        long_name.extend_from_slice(&[0, 0]);
        common::tnef_attribute(
            &mut out,
            2,
            0x0006_9005,
            &mapi_properties(&[(0x3707, 0x001f, long_name)]),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading them
// ---------------------------------------------------------------------------------------------

fn read(bytes: &[u8], name: &str, ocr: Option<Ocr>) -> Extracted {
    extract_text(
        &Input {
            bytes,
            mime_type: None,
            name: Some(name),
            charset: None,
        },
        &common::with_ocr(ocr),
    )
}

/// `bytes` attached as `name` of type `mime` to an email read by the mail decoder: the
/// attachment as the event has it.
fn attached(bytes: &[u8], name: &str, mime: &str, ocr: Option<Ocr>) -> Attachment {
    let event = common::email_attaching(name, mime, bytes, common::with_ocr(ocr));
    event.email.unwrap().attachments.remove(0)
}

const READ: &str = "[image 1]\nNI AB123456C";
const NOTED: &str = "image 1: a PNG image of 760×200 pixels read by OCR";

/// An Outlook message whose body is RTF with a screenshot in it (with the plain body Outlook
/// keeps beside it, and without one): the screenshot's text follows the body, under `[image
/// 1]`, read on its own and attached to an email; while OCR is off, the picture is counted in a
/// note. Before, the RTF body was read only where there was no other, and for its text alone.
#[test]
fn a_screenshot_in_an_outlook_messages_rtf_body_is_read_by_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 12, "PNG");
    let rtf = fixture("screen.rtf");
    for plain in [Some("See the screen below.\r\n"), None] {
        let msg = outlook_msg(Built {
            plain,
            rtf: Some(&rtf),
            ..Built::default()
        });
        let on = read(&msg, "check.msg", Some(ocr.clone()));
        let text = on.text.as_deref().unwrap_or_default();
        assert!(
            text.ends_with(&format!("\n\nSee the screen below.\n\n{READ}")),
            "{plain:?}: {on:?}"
        );
        let note = on.note.as_deref().unwrap_or_default();
        assert!(note.contains(NOTED), "{plain:?}: {on:?}");

        let off = read(&msg, "check.msg", None);
        assert!(
            !off.text.as_deref().unwrap_or_default().contains("[image"),
            "{off:?}"
        );
        assert!(
            off.note.as_deref().unwrap_or_default().contains(
                "1 picture in the RTF body of the Outlook message: text in images is not read (OCR is off)"
            ),
            "{plain:?}: {off:?}"
        );

        let attachment = attached(
            &msg,
            "check.msg",
            "application/vnd.ms-outlook",
            Some(ocr.clone()),
        );
        let text = attachment.text.as_deref().unwrap_or_default();
        assert!(
            text.starts_with("PNC check\n\nSee the screen below.")
                && text.ends_with(&format!("\n{READ}")),
            "{plain:?}: {attachment:?}"
        );
        assert!(
            attachment
                .extraction
                .as_deref()
                .unwrap_or_default()
                .contains(NOTED),
            "{plain:?}: {attachment:?}"
        );
    }
    // Beside an HTML body, attached to an email: the pictures' text has a part of its own.
    let msg = outlook_msg(Built {
        html: Some("<p>See the screen below.</p>"),
        rtf: Some(&rtf),
        ..Built::default()
    });
    let attachment = attached(&msg, "check.msg", "application/octet-stream", Some(ocr));
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(
        text.contains("See the screen below.") && text.ends_with(READ),
        "{attachment:?}"
    );
}

/// The same in a TNEF (`winmail.dat`): read on its own and attached to an email.
#[test]
fn a_screenshot_in_a_tnefs_rtf_body_is_read_by_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 12, "PNG");
    let rtf = fixture("screen.rtf");
    for plain in [Some("See the screen below.\r\n"), None] {
        let winmail = tnef(Built {
            plain,
            rtf: Some(&rtf),
            ..Built::default()
        });
        let on = read(&winmail, "winmail.dat", Some(ocr.clone()));
        assert_eq!(
            on.text.as_deref(),
            Some(format!("See the screen below.\n\n{READ}").as_str()),
            "{plain:?}: {on:?}"
        );
        assert!(
            on.note.as_deref().unwrap_or_default().contains(NOTED),
            "{plain:?}: {on:?}"
        );

        let off = read(&winmail, "winmail.dat", None);
        assert_eq!(
            off.text.as_deref(),
            Some("See the screen below."),
            "{off:?}"
        );
        assert_eq!(
            off.note.as_deref(),
            Some("1 picture in the RTF body of the TNEF: text in images is not read (OCR is off)"),
            "{plain:?}: {off:?}"
        );

        let attachment = attached(
            &winmail,
            "winmail.dat",
            "application/ms-tnef",
            Some(ocr.clone()),
        );
        assert_eq!(
            attachment.text.as_deref(),
            Some(format!("See the screen below.\n\n{READ}").as_str()),
            "{plain:?}: {attachment:?}"
        );
    }
}

/// A screenshot attached to an Outlook message or a TNEF (as Outlook attaches the pictures of
/// an HTML message) is read by OCR as any image attachment is, under the line naming it.
#[test]
fn a_screenshot_attached_to_an_outlook_message_or_a_tnef_is_read_by_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 12, "PNG");
    let png = fixture("screen.png");
    let built = Built {
        plain: Some("See the screen attached."),
        file: Some(("screen.png", &png)),
        ..Built::default()
    };
    let attached_as = "[attachment screen.png]\nNI AB123456C";
    let noted = "a PNG image of 760×200 pixels read by OCR";
    let msg = outlook_msg(built);
    let on = read(&msg, "check.msg", Some(ocr.clone()));
    assert!(
        on.text
            .as_deref()
            .unwrap_or_default()
            .ends_with(attached_as),
        "{on:?}"
    );
    assert!(
        on.note.as_deref().unwrap_or_default().contains(noted),
        "{on:?}"
    );
    let attachment = attached(
        &msg,
        "check.msg",
        "application/vnd.ms-outlook",
        Some(ocr.clone()),
    );
    assert!(
        attachment
            .text
            .as_deref()
            .unwrap_or_default()
            .ends_with(attached_as),
        "{attachment:?}"
    );
    let winmail = tnef(built);
    let on = read(&winmail, "winmail.dat", Some(ocr));
    assert_eq!(
        on.text.as_deref(),
        Some(format!("See the screen attached.\n\n{attached_as}").as_str()),
        "{on:?}"
    );
    assert!(
        on.note.as_deref().unwrap_or_default().contains(noted),
        "{on:?}"
    );
}

/// An RTF body read for its pictures alone (there is a plain body) that is past what is left of
/// the `.msg`'s decompression budget is passed over, noted, and the budget is left to the
/// attachments: a screenshot attached is still read.
#[test]
fn an_rtf_body_past_the_budget_leaves_it_to_the_attachments() {
    let dir = tempfile::tempdir().unwrap();
    let png = fixture("screen.png");
    let rtf = fixture("screen.rtf");
    let msg = outlook_msg(Built {
        plain: Some("See the screen below."),
        rtf: Some(&rtf),
        file: Some(("screen.png", &png)),
        ..Built::default()
    });
    let budget = png.len() + 1024;
    assert!(compress_rtf(&rtf).len() > budget);
    let got = extract_text(
        &Input {
            bytes: &msg,
            mime_type: None,
            name: Some("check.msg"),
            charset: None,
        },
        &Limits {
            max_decompressed_bytes: budget,
            ..common::with_ocr(Some(common::ocr_stand_in(dir.path(), 12, "PNG")))
        },
    );
    assert!(
        got.text
            .as_deref()
            .unwrap_or_default()
            .ends_with("See the screen below.\n\n[attachment screen.png]\nNI AB123456C"),
        "{got:?}"
    );
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("the pictures of its RTF body are not read: its "),
        "{got:?}"
    );
}

/// Read by Tesseract itself: the words of the screenshot in the RTF body reach the text. Needs
/// `tesseract` with its English data (Debian: `tesseract-ocr`, `tesseract-ocr-eng`); skipped
/// without it unless `PROBITY_REQUIRE_OCR=1` (as CI sets).
#[test]
fn a_screenshot_in_an_rtf_body_is_read_by_tesseract() {
    let ocr = Ocr::default();
    if let Err(reason) = ocr.check() {
        assert_ne!(
            std::env::var("PROBITY_REQUIRE_OCR").as_deref(),
            Ok("1"),
            "PROBITY_REQUIRE_OCR=1 but Tesseract cannot run: {reason}"
        );
        eprintln!("skipped: Tesseract cannot run: {reason}");
        return;
    }
    let rtf = fixture("screen.rtf");
    let built = Built {
        plain: Some("See the screen below."),
        rtf: Some(&rtf),
        ..Built::default()
    };
    for (bytes, name) in [
        (outlook_msg(built), "check.msg"),
        (tnef(built), "winmail.dat"),
    ] {
        let on = read(&bytes, name, Some(ocr.clone()));
        let text = on.text.as_deref().unwrap_or_default();
        assert!(text.contains("[image 1]\n"), "{name}: {on:?}");
        for words in ["OFFICIAL-SENSITIVE", "HARRIS", "AB123456C"] {
            assert!(text.contains(words), "{name}: {words} not in {on:?}");
        }
    }
}

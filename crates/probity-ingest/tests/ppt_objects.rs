//! Objects embedded in PowerPoint 97–2003 presentations (`.ppt`): the `ExOleObjStg` records
//! that hold them (a file wrapped by the Packager, a Word document, another presentation),
//! compressed by zlib or not, written here record by record as PowerPoint lays them out, read as
//! attachments of their own would be; those that cannot be read (a zlib bomb, a damaged
//! stream, a storage of another program's object, one nested too deep) are noted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

const OLE_TEST_DOC: &[u8] = include_bytes!("fixtures/attach/ole-test.doc");

const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

const SLIDE: u16 = 0x03EE;
const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const EX_OLE_OBJ_STG: u16 = 0x1011;

/// A record: its version (0xF for a container) and instance, type, length and body.
fn record(container: bool, instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
    let version = if container { 0x0F } else { 0 };
    let mut out = ((instance << 4) | version).to_le_bytes().to_vec();
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// A slide whose drawing holds `text`.
fn slide(text: &str) -> Vec<u8> {
    let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let drawing = record(true, 0, 0xF00D, &record(false, 0, TEXT_CHARS_ATOM, &units));
    record(true, 0, SLIDE, &drawing)
}

/// An object's storage in an `ExOleObjStg` record, compressed by zlib (instance 1, the size
/// first) or not (instance 0).
fn object(storage: &[u8], compressed: bool) -> Vec<u8> {
    if !compressed {
        return record(false, 0, EX_OLE_OBJ_STG, storage);
    }
    let mut coder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    coder.write_all(storage).unwrap();
    let mut body = (storage.len() as u32).to_le_bytes().to_vec();
    body.extend_from_slice(&coder.finish().unwrap());
    record(false, 1, EX_OLE_OBJ_STG, &body)
}

/// A presentation whose `PowerPoint Document` stream is `records`.
fn presentation(records: &[u8]) -> Vec<u8> {
    common::compound(&[("/PowerPoint Document", records)])
}

/// A Package object's storage: the file `name` of `data` in its `\x01Ole10Native` stream.
fn package(name: &str, data: &[u8]) -> Vec<u8> {
    common::compound(&[("/\u{1}Ole10Native", &common::ole10_native(name, data))])
}

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/vnd.ms-powerpoint"),
        name: Some("briefing.ppt"),
        charset: None,
    };
    extract_text(&input, limits)
}

/// A text file wrapped by the Packager (compressed), a Word document (not compressed) and a
/// presentation holding a file of its own are read under lines naming them, after the slides.
#[test]
fn embedded_files_documents_and_presentations_are_read() {
    let inner = presentation(
        &[
            slide("Inner slide"),
            object(&package("inner.txt", b"Inner file words"), true),
        ]
        .concat(),
    );
    let outer = presentation(
        &[
            slide("Rota changes"),
            object(&package("threats.txt", ABUSE.as_bytes()), true),
            object(OLE_TEST_DOC, false),
            object(&inner, true),
        ]
        .concat(),
    );
    let got = read(&outer, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            format!(
                "[slide]\nRota changes\n\n\
                 [embedded file threats.txt]\n{ABUSE}\n\n\
                 [embedded object 2]\nTest OLE file, saved as Word 97-2003 Document.\n\n\
                 [embedded object 3]\n[slide]\nInner slide\n\n[embedded file inner.txt]\nInner file words"
            )
            .as_str()
        ),
        "{got:?}"
    );
}

/// A zlib bomb, a damaged compressed storage, another program's object, macros and a
/// presentation embedded in itself nine deep are noted, and the rest still read.
#[test]
fn objects_that_cannot_be_read_are_noted() {
    let zeros = vec![0u8; 8 << 20];
    let mut damaged = object(&package("a.txt", b"words"), true);
    let end = damaged.len();
    damaged[end - 8..].fill(0xa5);
    let outer = presentation(
        &[
            slide("Kept"),
            object(&zeros, true),
            damaged,
            object(&common::compound(&[("/CONTENTS", b"other")]), false),
            object(&common::compound(&[("/PROJECT", b"ID=\"{0}\"")]), false),
        ]
        .concat(),
    );
    let got = read(&outer, &Limits::default());
    assert_eq!(got.text.as_deref(), Some("[slide]\nKept"), "{got:?}");
    let note = got.note.unwrap_or_default();
    assert!(
        note.contains("embedded object 1 is not read: it decompresses to more than"),
        "{note}"
    );
    assert!(
        note.contains("embedded object 2 is not read: its compressed storage is damaged"),
        "{note}"
    );
    assert!(
        note.contains("embedded object 3 is not read: it holds no file"),
        "{note}"
    );
    assert!(
        note.contains("macros (a VBA project) are not read"),
        "{note}"
    );

    let mut nested = presentation(&slide("Level 9"));
    for level in (0..9).rev() {
        nested = presentation(&[slide(&format!("Level {level}")), object(&nested, true)].concat());
    }
    let got = read(&nested, &Limits::default());
    let text = got.text.unwrap_or_default();
    assert!(text.contains("Level 7"), "{text}");
    assert!(!text.contains("Level 8"), "{text}");
    assert!(
        got.note
            .unwrap_or_default()
            .contains("an object embedded more than 8 files deep is not read"),
        "{text}"
    );
}

/// A message, as an `.eml` file.
const REFERRAL_EML: &[u8] = b"From: Occupational Health <oh@force.example>\r\nTo: j.bloggs@force.example\r\nSubject: Your referral\r\nContent-Type: text/plain\r\n\r\nRestricted duties for six weeks.\r\n";

/// An `.eml` file the Packager wrapped in a presentation sent by email, or in one in a zip sent
/// so, is read as an attached message is (as one in a zip is): its subject and body, and its
/// parties listed for the exclusions with where its text lies. Before, it was read as a text file, headers and all,
/// and its parties were listed nowhere.
#[test]
fn a_message_wrapped_by_the_packager_in_a_presentation_is_read_as_an_attached_message() {
    let deck = presentation(
        &[
            slide("Rota changes"),
            object(&package("referral.eml", REFERRAL_EML), true),
        ]
        .concat(),
    );
    let event = common::email_attaching(
        "briefing.ppt",
        "application/vnd.ms-powerpoint",
        &deck,
        Limits::default(),
    );
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    let text = attachment.text.as_deref().unwrap();
    assert_eq!(
        text,
        "[slide]\nRota changes\n\n[embedded file referral.eml]\nYour referral\n\nRestricted duties for six weeks.",
        "{attachment:?}"
    );
    assert_eq!(
        common::the_attached_message(&event, text, "oh@force.example"),
        "Your referral\n\nRestricted duties for six weeks."
    );
    // So too where the presentation is in a zip sent by email.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("briefing.ppt", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(&deck).unwrap();
    let zipped = writer.finish().unwrap().into_inner();
    let event = common::email_attaching("decks.zip", "application/zip", &zipped, Limits::default());
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .clone()
        .unwrap();
    assert_eq!(
        common::the_attached_message(&event, &text, "oh@force.example"),
        "Your referral\n\nRestricted duties for six weeks.",
        "{text}"
    );
    // Read alone, it is read as the text it is.
    let got = read(&deck, &Limits::default());
    assert!(
        got.text
            .as_deref()
            .unwrap_or_default()
            .contains("[embedded file referral.eml]\nFrom: Occupational Health"),
        "{got:?}"
    );
}

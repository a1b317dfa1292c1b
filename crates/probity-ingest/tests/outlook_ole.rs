//! Objects embedded by OLE in an Outlook message (`.msg`): an attachment Outlook stored by the
//! method `ATTACH_OLE` (6) keeps its data as an OLE object's storage (`__substg1.0_3701000D`)
//! rather than as bytes. A Package (a file the Packager wrapped, in `\x01Ole10Native`) is read
//! as the file it holds, with its name; a picture an older Outlook kept as an object ("Picture
//! (Device Independent Bitmap)": a bitmap in `CONTENTS` or in the presentation stream
//! `\x02OlePres000`) is read by OCR as an image attachment is. Before, each was noted as "no
//! data (an object or a link); not read". A TNEF carries such an attachment as an OLE 1 object,
//! whose file is read the same way (before, it was read as a file of an unknown type).
//!
//! The messages are built with the compound file writer of the `cfb` crate, as the other
//! Outlook tests build theirs, the objects' streams as [MS-OLEDS] lays them out; the bitmap is
//! `tests/fixtures/ocr/screen.bmp` (the screenshot `screen.png` as a 1-bit bitmap:
//! `make_bitmap.py`). Most tests run a stand-in for Tesseract; the last runs Tesseract itself
//! where it is installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Read, Write};
use std::path::Path;

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, Ocr, extract_text};
use probity_model::Attachment;

const WORDS: &str = "Custody record: detained person said he will hurt the witness.";

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The `\x01CompObj` stream of an object whose kind a user is shown as `user_type`: a 28-byte
/// header, then the name, length-prefixed with its NUL.
fn comp_obj(user_type: &str) -> Vec<u8> {
    let mut out = vec![1, 0, 0xFE, 0xFF, 3, 10, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&(user_type.len() as u32 + 1).to_le_bytes());
    out.extend_from_slice(user_type.as_bytes());
    out.push(0);
    out
}

/// A presentation stream (`\x02OlePres000`) in the standard clipboard format `format` (8
/// `CF_DIB`, 3 `CF_METAFILEPICT`) holding `data`: no target device, content aspect, width and
/// height, the size, the data.
fn presentation(format: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in [0xFFFF_FFFFu32, format, 4, 1, 0xFFFF_FFFF, 2, 0, 760, 200] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&[0; 18]);
    out
}

/// A metafile's first bytes, as an icon's presentation would hold it.
const METAFILE: &[u8] = b"\x01\x00\x09\x00\x00\x03metafile records";

/// An attachment of a message built here: its display name, and the streams of the OLE object
/// in its `__substg1.0_3701000D` storage.
struct Object {
    name: &'static str,
    streams: Vec<(String, Vec<u8>)>,
}

/// `streams` named as [`Object`] holds them.
fn named(streams: Vec<(&str, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    streams
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), bytes))
        .collect()
}

/// A `.msg` with a plain body and each of `objects` attached by the method `ATTACH_OLE` (6,
/// among the attachment's fixed-length properties).
fn outlook_msg(objects: &[Object]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let write = |file: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str, bytes: &[u8]| {
        file.create_stream(path).unwrap().write_all(bytes).unwrap();
    };
    write(&mut file, "/__properties_version1.0", &[0; 32]);
    write(&mut file, "/__substg1.0_0037001F", &utf16("Custody note"));
    write(
        &mut file,
        "/__substg1.0_1000001F",
        &utf16("See the objects attached."),
    );
    for (index, object) in objects.iter().enumerate() {
        let dir = format!("/__attach_version1.0_#{index:08X}");
        file.create_storage(&dir).unwrap();
        let mut properties = vec![0u8; 8];
        properties.extend_from_slice(&0x3705_0003u32.to_le_bytes());
        properties.extend_from_slice(&[0; 4]);
        properties.extend_from_slice(&6u64.to_le_bytes());
        write(
            &mut file,
            &format!("{dir}/__properties_version1.0"),
            &properties,
        );
        write(
            &mut file,
            &format!("{dir}/__substg1.0_3001001F"),
            &utf16(object.name),
        );
        let storage = format!("{dir}/__substg1.0_3701000D");
        file.create_storage(&storage).unwrap();
        for (stream, bytes) in &object.streams {
            write(&mut file, &format!("{storage}/{stream}"), bytes);
        }
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

fn package(name: &'static str, file_name: &str, data: &[u8]) -> Object {
    Object {
        name,
        streams: named(vec![
            ("\u{1}CompObj", comp_obj("Package")),
            ("\u{1}Ole10Native", common::ole10_native(file_name, data)),
            ("\u{2}OlePres000", presentation(3, METAFILE)),
        ]),
    }
}

/// The screenshot's bitmap without its file header.
fn dib() -> Vec<u8> {
    fixture("screen.bmp")[14..].to_vec()
}

/// Where a picture kept as an OLE object holds its bitmap.
#[derive(Debug, Clone, Copy)]
enum Kept {
    /// The BMP file in `CONTENTS`, as a static picture ("Picture (Device Independent Bitmap)")
    /// holds it.
    Contents,
    /// Only the bitmap, in its presentation stream.
    Presentation,
    /// The BMP file as its OLE 1 native data, as Paintbrush keeps it.
    Native,
}

/// "Picture (Device Independent Bitmap)" as Outlook kept one, its bitmap `kept` as said.
fn picture(kept: Kept) -> Object {
    let mut streams = vec![("\u{1}CompObj", comp_obj("Device Independent Bitmap"))];
    match kept {
        Kept::Contents => streams.push(("CONTENTS", fixture("screen.bmp"))),
        Kept::Presentation => streams.push(("\u{2}OlePres000", presentation(8, &dib()))),
        Kept::Native => {
            let bmp = fixture("screen.bmp");
            let mut native = (bmp.len() as u32).to_le_bytes().to_vec();
            native.extend_from_slice(&bmp);
            streams.push(("\u{1}Ole10Native", native));
        }
    }
    Object {
        name: "Picture (Device Independent Bitmap)",
        streams: named(streams),
    }
}

fn read(bytes: &[u8], limits: Limits) -> Extracted {
    extract_text(
        &Input {
            bytes,
            mime_type: Some("application/vnd.ms-outlook"),
            name: Some("note.msg"),
            charset: None,
        },
        &limits,
    )
}

fn attached(bytes: &[u8], limits: Limits) -> Attachment {
    let event = common::email_attaching("note.msg", "application/vnd.ms-outlook", bytes, limits);
    event.email.unwrap().attachments.remove(0)
}

/// A file wrapped by the Packager is read as the file, under its name, read on its own and
/// attached to an email; a Word document among them is read as one.
#[test]
fn a_file_in_a_package_object_is_read_with_its_name() {
    let msg = outlook_msg(&[package(
        "custody-notes.txt",
        "custody-notes.txt",
        WORDS.as_bytes(),
    )]);
    let alone = read(&msg, common::with_ocr(None));
    let text = alone.text.as_deref().unwrap();
    assert!(
        text.ends_with(&format!("[attachment custody-notes.txt]\n{WORDS}")),
        "{alone:?}"
    );
    let note = alone.note.as_deref().unwrap();
    assert!(!note.contains("not read"), "{note}");

    let attachment = attached(&msg, common::with_ocr(None));
    let text = attachment.text.as_deref().unwrap();
    assert!(
        text.contains(&format!("[attachment custody-notes.txt]\n{WORDS}")),
        "{attachment:?}"
    );
    assert!(
        !attachment
            .extraction
            .as_deref()
            .unwrap_or_default()
            .contains("no data"),
        "{attachment:?}"
    );
}

/// The streams at the root of the compound file `fixtures/attach/NAME`, with `CompObj` naming
/// it `user_type` and a metafile picture of it shown, as an Office document embedded as an
/// object is stored.
fn document(name: &'static str, fixture: &str, user_type: &str) -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/attach")
        .join(fixture);
    let mut file = cfb::open(&path).unwrap();
    let names: Vec<String> = file
        .read_root_storage()
        .filter(|entry| entry.is_stream())
        .map(|entry| entry.name().to_owned())
        .collect();
    let mut streams = named(vec![
        ("\u{1}CompObj", comp_obj(user_type)),
        ("\u{2}OlePres000", presentation(3, METAFILE)),
    ]);
    for stream in names {
        let mut bytes = Vec::new();
        file.open_stream(format!("/{stream}"))
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        streams.push((stream, bytes));
    }
    Object { name, streams }
}

/// A Word document and an Excel workbook embedded as objects are read as the documents they
/// are, on their own and attached to an email.
#[test]
fn an_office_document_embedded_as_an_object_is_read_as_one() {
    let msg = outlook_msg(&[
        document("Document", "people-table.doc", "Microsoft Word Document"),
        document("Worksheet", "nominals.xls", "Microsoft Excel Worksheet"),
    ]);
    let alone = read(&msg, common::with_ocr(None));
    let attachment = attached(&msg, common::with_ocr(None));
    for text in [
        alone.text.as_deref().unwrap(),
        attachment.text.as_deref().unwrap(),
    ] {
        assert!(text.contains("[attachment Document]\n"), "{text}");
        assert!(text.contains("John Roe,03/04/1975"), "{text}");
        assert!(text.contains("[attachment Worksheet]\n[sheet "), "{text}");
    }
}

/// A picture kept as an OLE object, its bitmap in `CONTENTS`, in its presentation stream or as
/// its native data, is read by OCR as a BMP image attached, on its own and attached to an email; with OCR off it is
/// noted as an image attached is.
#[test]
fn a_picture_kept_as_an_ole_object_is_read_by_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 2, "BM");
    let read_as = "[attachment Picture (Device Independent Bitmap)]\nNI AB123456C";
    for kept in [Kept::Contents, Kept::Presentation, Kept::Native] {
        let msg = outlook_msg(&[picture(kept)]);
        let on = read(&msg, common::with_ocr(Some(ocr.clone())));
        assert!(
            on.text.as_deref().unwrap_or_default().ends_with(read_as),
            "{kept:?}: {on:?}"
        );
        assert!(
            on.note
                .as_deref()
                .unwrap_or_default()
                .contains("a BMP image of 760×200 pixels read by OCR"),
            "{kept:?}: {on:?}"
        );
        let attachment = attached(&msg, common::with_ocr(Some(ocr.clone())));
        assert!(
            attachment
                .text
                .as_deref()
                .unwrap_or_default()
                .ends_with(read_as),
            "{kept:?}: {attachment:?}"
        );
        let off = read(&msg, common::with_ocr(None));
        assert!(
            off.note
                .as_deref()
                .unwrap_or_default()
                .contains("a BMP image: text in images is not read (OCR is off)"),
            "{kept:?}: {off:?}"
        );
    }
}

/// Objects that are not read are noted, each naming why, and none stops the rest: another
/// program's object shown only as a metafile, a Package cut short, a link, a presentation that
/// is not one, an object past the attachment size limit. Nothing panics on bytes cut anywhere.
#[test]
fn objects_that_are_not_read_are_noted() {
    // Cut 20 bytes into the file's own bytes, and after them the names in UTF-16.
    let mut cut = common::ole10_native("cut.txt", WORDS.as_bytes());
    let wide: usize = [
        "C:\\Users\\sam\\AppData\\Local\\Temp\\cut.txt",
        "cut.txt",
        "C:\\Users\\sam\\Documents\\cut.txt",
    ]
    .iter()
    .map(|text| 4 + 2 * text.len())
    .sum();
    cut.truncate(cut.len() - wide - (WORDS.len() - 20));
    let mut link = common::ole10_native("linked.txt", b"");
    link[4 + 2 + "linked.txt\0C:\\Users\\sam\\Documents\\linked.txt\0".len() + 2] = 1;
    let objects = vec![
        Object {
            name: "Chart",
            streams: named(vec![
                ("\u{1}CompObj", comp_obj("Microsoft Graph Chart")),
                ("\u{2}OlePres000", presentation(3, METAFILE)),
            ]),
        },
        Object {
            name: "cut.txt",
            streams: named(vec![("\u{1}Ole10Native", cut)]),
        },
        Object {
            name: "linked.txt",
            streams: named(vec![("\u{1}Ole10Native", link)]),
        },
        Object {
            name: "odd",
            streams: named(vec![(
                "\u{2}OlePres000",
                b"\x05\x00\x00\x00DIB\x00\x00".to_vec(),
            )]),
        },
        Object {
            name: "empty",
            streams: vec![],
        },
        package("big.txt", "big.txt", &vec![b'a'; 5000]),
        package("kept.txt", "kept.txt", WORDS.as_bytes()),
    ];
    let msg = outlook_msg(&objects);
    let small = Limits {
        max_decompressed_bytes: 4000,
        ..Limits::default()
    };
    let expected = [
        "Chart: an object embedded by OLE (Microsoft Graph Chart) is not read: it is shown as a metafile, which OCR does not read".to_owned(),
        format!("cut.txt: an object embedded by OLE is not read: its file of {} bytes is cut short at 20 bytes", WORDS.len()),
        "linked.txt: an object embedded by OLE is not read: it links to a file (C:\\Users\\sam\\Documents\\linked.txt)".to_owned(),
        "odd: an object embedded by OLE is not read: its presentation: its picture is in a format named by a program".to_owned(),
        "empty: an object embedded by OLE is not read: it holds no file or bitmap that is read".to_owned(),
        "big.txt: an object embedded by OLE (Package) of 5".to_owned(),
        "bytes is past what is left of the decompression limit of 4000 bytes; not read".to_owned(),
    ];
    let alone = read(&msg, small.clone());
    let attachment = attached(&msg, small.clone());
    for note in [
        alone.note.as_deref().unwrap(),
        attachment.extraction.as_deref().unwrap(),
    ] {
        for expected in &expected {
            assert!(note.contains(expected.as_str()), "{expected} not in {note}");
        }
    }
    assert!(alone.text.as_deref().unwrap().ends_with(WORDS), "{alone:?}");
    assert!(
        attachment.text.as_deref().unwrap().contains(WORDS),
        "{attachment:?}"
    );
    // Cut anywhere, the message is read or noted, never a panic.
    let whole = outlook_msg(&[
        picture(Kept::Presentation),
        package("a.txt", "a.txt", b"words"),
    ]);
    for end in (0..whole.len()).step_by(97) {
        let _ = read(&whole[..end], Limits::default());
    }
}

/// Read by Tesseract itself: the words of the screenshot kept as an OLE picture reach the text.
/// Needs `tesseract` with its English data (Debian: `tesseract-ocr`, `tesseract-ocr-eng`);
/// skipped without it unless `PROBITY_REQUIRE_OCR=1` (as CI sets).
#[test]
fn a_picture_kept_as_an_ole_object_is_read_by_tesseract() {
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
    let msg = outlook_msg(&[picture(Kept::Presentation)]);
    let attachment = attached(&msg, common::with_ocr(Some(ocr)));
    let text = attachment.text.as_deref().unwrap_or_default();
    for words in ["OFFICIAL-SENSITIVE", "HARRIS", "AB123456C"] {
        assert!(text.contains(words), "{words} not in {attachment:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// A TNEF (`winmail.dat`) carries an attachment embedded by OLE as an OLE 1 object
// ---------------------------------------------------------------------------------------------

/// An OLE 1 embedded object ([MS-OLEDS] 2.2.5) of `class` holding `native`: a version, the
/// format (2, embedded), the class, topic and item names, the native data with its size.
fn ole1(class: &str, native: &[u8]) -> Vec<u8> {
    let mut out = vec![1, 5, 0, 0, 2, 0, 0, 0];
    for name in [format!("{class}\0"), String::new(), String::new()] {
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(&(native.len() as u32).to_le_bytes());
    out.extend_from_slice(native);
    out
}

/// A TNEF with a plain body and each `(title, data)` attached as an object embedded by OLE (its
/// rendering data's type 2).
fn tnef(objects: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    common::tnef_attribute(&mut out, 1, 0x0002_800c, b"See the objects attached.");
    for (title, data) in objects {
        let mut rendering = 2u16.to_le_bytes().to_vec();
        rendering.extend_from_slice(&[0xFF; 12]);
        common::tnef_attribute(&mut out, 2, 0x0006_9002, &rendering);
        common::tnef_attribute(&mut out, 2, 0x0001_8010, format!("{title}\0").as_bytes());
        common::tnef_attribute(&mut out, 2, 0x0006_800f, data);
    }
    out
}

/// In a TNEF, a Package's file is read under its name, Paintbrush's picture by OCR, a Word
/// document embedded as an object as a Word document; another program's object is noted, and
/// data that is not an OLE 1 object read as it is.
/// Before, each was read as a file of an unknown type.
#[test]
fn objects_embedded_by_ole_in_a_tnef_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 2, "BM");
    let package = &common::ole10_native("custody-notes.txt", WORDS.as_bytes())[4..];
    let word = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/attach/people-table.doc"),
    )
    .unwrap();
    let winmail = tnef(&[
        ("Package", ole1("Package", package)),
        ("Paintbrush Picture", ole1("PBrush", &fixture("screen.bmp"))),
        ("Document", ole1("Word.Document.8", &word)),
        ("Equation", ole1("Equation.3", b"equation data")),
        ("Cut", ole1("Package", package)[..40].to_vec()),
        ("Plain", b"Plain words, not an OLE 1 object.".to_vec()),
    ]);
    let input = Input {
        bytes: &winmail,
        mime_type: Some("application/ms-tnef"),
        name: Some("winmail.dat"),
        charset: None,
    };
    let got = extract_text(&input, &common::with_ocr(Some(ocr.clone())));
    let text = got.text.as_deref().unwrap();
    assert!(
        text.contains(&format!("[attachment custody-notes.txt]\n{WORDS}")),
        "{got:?}"
    );
    assert!(
        text.contains("[attachment Paintbrush Picture]\nNI AB123456C"),
        "{got:?}"
    );
    assert!(text.contains("[attachment Document]\n"), "{got:?}");
    assert!(text.contains("John Roe,03/04/1975"), "{got:?}");
    // Data that does not start as an OLE 1 object is read as it is.
    assert!(
        text.ends_with("[attachment Plain]\nPlain words, not an OLE 1 object."),
        "{got:?}"
    );
    let note = got.note.as_deref().unwrap();
    assert!(
        note.contains(
            "Equation inside the TNEF: an object embedded by OLE is not read: its class, Equation.3, is not one read"
        ),
        "{note}"
    );
    assert!(
        note.contains(
            "Cut inside the TNEF: an object embedded by OLE is not read: its native data"
        ),
        "{note}"
    );
    // Attached to an email, the same.
    let attachment = common::email_attaching(
        "winmail.dat",
        "application/ms-tnef",
        &winmail,
        common::with_ocr(Some(ocr)),
    )
    .email
    .unwrap()
    .attachments
    .remove(0);
    assert!(
        attachment
            .text
            .as_deref()
            .unwrap_or_default()
            .contains(WORDS),
        "{attachment:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// An object embedded by OLE that is a compound file of its own: a DOCX's, XLSX's or PPTX's
// `embeddings/oleObject1.bin`, or one sent alone
// ---------------------------------------------------------------------------------------------

/// A compound file whose root holds `streams`, as Office writes an object embedded by OLE in an
/// Office Open XML document (`oleObject1.bin`).
fn compound(streams: &[(String, Vec<u8>)]) -> Vec<u8> {
    let paths: Vec<String> = streams.iter().map(|(name, _)| format!("/{name}")).collect();
    let streams: Vec<(&str, &[u8])> = paths
        .iter()
        .zip(streams)
        .map(|(path, (_, bytes))| (path.as_str(), bytes.as_slice()))
        .collect();
    common::compound(&streams)
}

/// The `\x01Ole` stream of an embedded object: its version, flags and no moniker.
fn ole_stream() -> Vec<u8> {
    let mut out = 0x0200_0001u32.to_le_bytes().to_vec();
    out.extend_from_slice(&[0; 16]);
    out
}

/// A zip of `parts`, deflated, as Office lays out a document (the parts that matter for text).
fn ooxml(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A DOCX whose body is the paragraph `text`, with `parts` besides.
fn docx(text: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let body = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    );
    let mut all: Vec<(&str, &[u8])> = vec![("word/document.xml", body.as_bytes())];
    all.extend_from_slice(parts);
    ooxml(&all)
}

fn read_named(bytes: &[u8], name: &str, limits: Limits) -> Extracted {
    extract_text(
        &Input {
            bytes,
            mime_type: None,
            name: Some(name),
            charset: None,
        },
        &limits,
    )
}

/// A compound file that is itself an object embedded by OLE, sent alone or as a DOCX's
/// `oleObject1.bin`, is read as the object in an Outlook message is: a Package's file under its
/// name, an Office Open XML document in its `Package` stream, a file in its `CONTENTS`. Before,
/// each was noted as a "legacy binary Office document" and not read.
#[test]
fn an_object_that_is_a_compound_file_of_its_own_is_read() {
    let package = compound(&named(vec![
        ("\u{1}CompObj", comp_obj("Package")),
        (
            "\u{1}Ole10Native",
            common::ole10_native("custody-notes.txt", WORDS.as_bytes()),
        ),
        ("\u{2}OlePres000", presentation(3, METAFILE)),
    ]));
    let got = read_named(&package, "oleObject1.bin", common::with_ocr(None));
    assert_eq!(
        got.text.as_deref(),
        Some(format!("[attachment custody-notes.txt]\n{WORDS}").as_str()),
        "{got:?}"
    );
    assert!(
        !got.note.as_deref().unwrap_or_default().contains("legacy"),
        "{got:?}"
    );

    let inner = docx("Packaged document: the witness lives at 4 Mill Lane.", &[]);
    let packaged = compound(&named(vec![
        ("\u{1}CompObj", comp_obj("Microsoft Word Document")),
        ("\u{1}Ole", ole_stream()),
        ("Package", inner),
    ]));
    let rtf = compound(&named(vec![
        ("\u{1}Ole", ole_stream()),
        (
            "CONTENTS",
            format!("{{\\rtf1\\ansi {WORDS}\\par}}").into_bytes(),
        ),
    ]));
    for (bytes, words) in [
        (&packaged, "the witness lives at 4 Mill Lane."),
        (&rtf, WORDS),
    ] {
        let got = read_named(bytes, "oleObject2.bin", common::with_ocr(None));
        assert!(
            got.text.as_deref().unwrap_or_default().contains(words),
            "{got:?}"
        );
        assert!(
            !got.note.as_deref().unwrap_or_default().contains("legacy"),
            "{got:?}"
        );
    }

    // In a DOCX, attached to an email.
    let report = docx(
        "Covering text.",
        &[("word/embeddings/oleObject1.bin", &package)],
    );
    let event = common::email_attaching(
        "report.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &report,
        common::with_ocr(None),
    );
    let attachment = common::only_attachment(&event);
    let text = attachment.text.as_deref().unwrap();
    assert!(text.starts_with("Covering text."), "{attachment:?}");
    assert!(
        text.contains(&format!("[attachment custody-notes.txt]\n{WORDS}")),
        "{attachment:?}"
    );

    // Cut anywhere, it is read or noted, and no reader panics.
    for end in (0..package.len()).step_by(131) {
        let got = read_named(&package[..end], "oleObject1.bin", common::with_ocr(None));
        assert!(
            !got.note.as_deref().unwrap_or_default().contains("panicked"),
            "{end}: {got:?}"
        );
    }

    // Another program's object (an equation, shown as a metafile) is named with why it is not
    // read, not as a legacy Office document.
    let equation = compound(&named(vec![
        ("\u{1}CompObj", comp_obj("Microsoft Equation 3.0")),
        ("\u{1}Ole", ole_stream()),
        ("\u{2}OlePres000", presentation(3, METAFILE)),
        ("Equation Native", b"equation data".to_vec()),
    ]));
    let got = read_named(&equation, "oleObject3.bin", common::with_ocr(None));
    assert_eq!(
        got.note.as_deref(),
        Some(
            "oleObject3.bin: an object embedded by OLE (Microsoft Equation 3.0) is not read: it is shown as a metafile, which OCR does not read"
        ),
        "{got:?}"
    );

    // A compound file that holds no object is still named as a document that is not read.
    let other = compound(&named(vec![("Contents", b"publisher bytes".to_vec())]));
    let got = read_named(&other, "flyer.pub", common::with_ocr(None));
    assert!(
        got.note
            .as_deref()
            .unwrap()
            .starts_with("legacy binary Office"),
        "{got:?}"
    );
}

/// The objects embedded in a workbook (`xl/embeddings/`) and a presentation (`ppt/embeddings/`)
/// are read as a Word document's are: an Excel workbook embedded by OLE (its streams at the root
/// of `oleObject1.bin`), a DOCX. Before, nothing in them was read or named.
#[test]
fn objects_embedded_in_a_workbook_or_presentation_are_read() {
    let workbook = document("Worksheet", "nominals.xls", "Microsoft Excel Worksheet");
    let mut streams = workbook.streams;
    streams.push(("\u{1}Ole".to_owned(), ole_stream()));
    let excel_object = compound(&streams);
    let sheet = b"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>covering sheet</t></is></c></row></sheetData></worksheet>";
    let xlsx = ooxml(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/embeddings/oleObject1.bin", &excel_object),
    ]);
    let got = read_named(&xlsx, "book.xlsx", common::with_ocr(None));
    let text = got.text.as_deref().unwrap();
    assert!(text.contains("covering sheet"), "{:?}", got.note);
    assert!(
        text.contains("[sheet Nominals]\nName,Date of birth"),
        "{:?}",
        got.note
    );

    let slide = b"<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Covering slide</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
    let inner = docx("Embedded briefing: OFFICIAL-SENSITIVE", &[]);
    let pptx = ooxml(&[
        ("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>"),
        ("ppt/slides/slide1.xml", slide),
        ("ppt/embeddings/Microsoft_Word_Document.docx", &inner),
    ]);
    let got = read_named(&pptx, "brief.pptx", common::with_ocr(None));
    let text = got.text.as_deref().unwrap();
    assert!(text.contains("Covering slide"), "{got:?}");
    assert!(
        text.contains("Embedded briefing: OFFICIAL-SENSITIVE"),
        "{got:?}"
    );
}

/// The picture an OLE 1 object is shown as, after its native data ([MS-OLEDS] 2.2.2): a version,
/// the format (5), its form's class (`DIB`, `METAFILEPICT`), width, height, size and picture.
fn ole1_picture(form: &str, picture: &[u8]) -> Vec<u8> {
    let mut out = vec![1, 5, 0, 0, 5, 0, 0, 0];
    let form = format!("{form}\0");
    out.extend_from_slice(&(form.len() as u32).to_le_bytes());
    out.extend_from_slice(form.as_bytes());
    for field in [760u32, 200, picture.len() as u32] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(picture);
    out
}

/// In a TNEF, an object whose native data is not read (another program's: an equation, a
/// chart) has the picture shown for it read by OCR where it is a bitmap, and noted where it is
/// a metafile. Before, only its native data was looked at, and the picture was not named.
#[test]
fn the_picture_shown_for_an_ole1_object_in_a_tnef_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 2, "BM");
    let mut equation = ole1("Equation.3", b"equation data");
    equation.extend_from_slice(&ole1_picture("DIB", &dib()));
    let mut chart = ole1("MSGraph.Chart.8", b"chart data");
    let mut metafile = vec![0u8; 8];
    metafile.extend_from_slice(METAFILE);
    chart.extend_from_slice(&ole1_picture("METAFILEPICT", &metafile));
    let winmail = tnef(&[("Equation", equation), ("Chart", chart)]);
    let input = Input {
        bytes: &winmail,
        mime_type: Some("application/ms-tnef"),
        name: Some("winmail.dat"),
        charset: None,
    };
    let got = extract_text(&input, &common::with_ocr(Some(ocr)));
    assert!(
        got.text
            .as_deref()
            .unwrap_or_default()
            .ends_with("[attachment Equation]\nNI AB123456C"),
        "{got:?}"
    );
    let note = got.note.as_deref().unwrap();
    assert!(
        note.contains(
            "Equation inside the TNEF: an object embedded by OLE is not read: its class, Equation.3, is not one read; the picture shown for it is read instead"
        ),
        "{note}"
    );
    assert!(
        note.contains("a BMP image of 760×200 pixels read by OCR"),
        "{note}"
    );
    assert!(
        note.contains(
            "Chart inside the TNEF: an object embedded by OLE is not read: its class, MSGraph.Chart.8, is not one read; the picture shown for it is a metafile, which OCR does not read"
        ),
        "{note}"
    );
}

/// Documents Office 2007 saved with a text file embedded by the Packager (from the tests of
/// oletools, `tests/fixtures/attach/NOTICE.md`): the file in each `oleObject1.bin` is read under
/// its name, a Unicode one too. Before, the DOCX's was named as an object not read and the
/// workbook's not reached.
#[test]
fn files_embedded_by_office_in_its_documents_are_read() {
    let fixture = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/attach")
                .join(name),
        )
        .unwrap()
    };
    for (name, read_as) in [
        (
            "embedded-simple-2007.docx",
            "[attachment simple-text-file.txt]\nThis is the contents of a simple ascii text file.",
        ),
        (
            "embedded-simple-2007.xlsx",
            "[attachment simple-text-file.txt]\nThis is a simple ascii contents of this simple text file.",
        ),
        (
            "embedded-unicode-2007.docx",
            "[attachment ünicöde-수식끝이잘못되었습니다.txt]\nThis file contains unicode\r\näöüß\r\n수식 끝이 잘못되었습니다",
        ),
    ] {
        let got = read_named(&fixture(name), name, Limits::default());
        assert!(
            got.text.as_deref().unwrap_or_default().contains(read_as),
            "{name}: {got:?}"
        );
        assert_eq!(got.note, None, "{name}");
    }
}

/// A TNEF whose one attachment's data is an object's storage (`PR_ATTACH_DATA_OBJ` of type
/// `PT_OBJECT`, as Exchange writes an attachment embedded by OLE): the interface it is read by
/// (`IID_IStorage`), then the compound file. The file in it is read; before, the attachment was
/// noted as having no data. (Checked against `MAPI_OBJECT.tnef` of tnefparse's tests, a message
/// Exchange wrote whose PDF price list is so embedded: its text is read.)
#[test]
fn an_object_storage_in_a_tnef_is_read() {
    let storage = compound(&named(vec![
        ("\u{1}CompObj", comp_obj("Package")),
        (
            "\u{1}Ole10Native",
            common::ole10_native("custody-notes.txt", WORDS.as_bytes()),
        ),
    ]));
    let mut value = vec![0x0B, 0, 0, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];
    value.extend_from_slice(&storage);
    let mut properties = 1u32.to_le_bytes().to_vec();
    properties.extend_from_slice(&0x3701_000Du32.to_le_bytes());
    properties.extend_from_slice(&1u32.to_le_bytes());
    properties.extend_from_slice(&(value.len() as u32).to_le_bytes());
    properties.extend_from_slice(&value);
    properties.resize(properties.len().next_multiple_of(4), 0);
    let mut winmail = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    common::tnef_attribute(&mut winmail, 1, 0x0002_800c, b"See the object attached.");
    let mut rendering = 2u16.to_le_bytes().to_vec();
    rendering.extend_from_slice(&[0xFF; 12]);
    common::tnef_attribute(&mut winmail, 2, 0x0006_9002, &rendering);
    common::tnef_attribute(&mut winmail, 2, 0x0001_8010, b"Untitled_Attachment\0");
    common::tnef_attribute(&mut winmail, 2, 0x0006_9005, &properties);
    let got = read_named(&winmail, "winmail.dat", common::with_ocr(None));
    assert!(
        got.text.as_deref().unwrap_or_default().ends_with(&format!(
            "[attachment Untitled_Attachment]\n[attachment custody-notes.txt]\n{WORDS}"
        )),
        "{got:?}"
    );
    assert_eq!(got.note, None, "{got:?}");
}

/// A message, as an `.eml` file.
const REFERRAL_EML: &[u8] = b"From: Occupational Health <oh@force.example>\r\nTo: j.bloggs@force.example\r\nSubject: Your referral\r\nContent-Type: text/plain\r\n\r\nRestricted duties for six weeks.\r\n";

/// An `.eml` file the Packager wrapped, in a TNEF, in a DOCX's `oleObject1.bin` or sent alone as
/// one, or attached to a TNEF as it is, sent by email, is read as an attached message is (as one
/// in a zip is): its subject and body, and its parties listed for the exclusions with where its
/// text lies. Before, it was read as a text file, headers and all, and its parties were listed
/// nowhere.
#[test]
fn a_message_wrapped_by_the_packager_is_read_as_an_attached_message() {
    const READ: &str = "Your referral\n\nRestricted duties for six weeks.";
    let native = common::ole10_native("referral.eml", REFERRAL_EML);
    let object = compound(&named(vec![
        ("\u{1}CompObj", comp_obj("Package")),
        ("\u{1}Ole10Native", native.clone()),
    ]));
    let in_tnef = tnef(&[("Package", ole1("Package", &native[4..]))]);
    let attached_to_tnef = {
        let mut out = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
        common::tnef_attribute(&mut out, 1, 0x0002_800c, b"See the letter attached.");
        let mut rendering = 1u16.to_le_bytes().to_vec();
        rendering.extend_from_slice(&[0xFF; 12]);
        common::tnef_attribute(&mut out, 2, 0x0006_9002, &rendering);
        common::tnef_attribute(&mut out, 2, 0x0001_8010, b"referral.eml\0");
        common::tnef_attribute(&mut out, 2, 0x0006_800f, REFERRAL_EML);
        out
    };
    let docx = docx(
        "See the letter.",
        &[("word/embeddings/oleObject1.bin", &object)],
    );
    for (name, mime, bytes) in [
        ("winmail.dat", "application/ms-tnef", &in_tnef),
        ("winmail.dat", "application/ms-tnef", &attached_to_tnef),
        ("oleObject1.bin", "application/octet-stream", &object),
        (
            "letter.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &docx,
        ),
    ] {
        let event = common::email_attaching(name, mime, bytes, common::with_ocr(None));
        let attachment = &event.email.as_ref().unwrap().attachments[0];
        let text = attachment.text.as_deref().unwrap();
        assert!(
            text.contains(&format!("[attachment referral.eml]\n{READ}")),
            "{name}: {attachment:?}"
        );
        assert_eq!(
            common::the_attached_message(&event, text, "oh@force.example"),
            READ,
            "{name}"
        );
        // Read alone, it is read as the text it is.
        let got = read_named(bytes, name, common::with_ocr(None));
        assert!(
            got.text
                .as_deref()
                .unwrap_or_default()
                .contains("[attachment referral.eml]\nFrom: Occupational Health"),
            "{name}: {got:?}"
        );
    }
}

/// In a TNEF, an object whose file is read but gives no text (here a RAR archive, a format not
/// read) has the picture shown for it read by OCR where it is a bitmap, and noted where it
/// is a metafile; one whose file gives text has its picture left. Before, the picture was read
/// only where the object's file was not.
#[test]
fn the_picture_shown_for_an_ole1_object_whose_file_gives_no_text_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = common::ocr_stand_in(dir.path(), 2, "BM");
    let object = |name: &str, data: &[u8], picture: Vec<u8>| {
        let native = common::ole10_native(name, data);
        let mut object = ole1("Package", &native[4..]);
        object.extend_from_slice(&picture);
        object
    };
    let scan = b"Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d\x00\x00\x00";
    let mut metafile = vec![0u8; 8];
    metafile.extend_from_slice(METAFILE);
    let winmail = tnef(&[
        (
            "Scan",
            object("scan.rar", scan, ole1_picture("DIB", &dib())),
        ),
        (
            "Chart",
            object("chart.rar", scan, ole1_picture("METAFILEPICT", &metafile)),
        ),
        (
            "Notes",
            object("notes.txt", WORDS.as_bytes(), ole1_picture("DIB", &dib())),
        ),
    ]);
    let input = Input {
        bytes: &winmail,
        mime_type: Some("application/ms-tnef"),
        name: Some("winmail.dat"),
        charset: None,
    };
    let got = extract_text(&input, &common::with_ocr(Some(ocr)));
    assert_eq!(
        got.text.as_deref(),
        Some(
            format!(
                "See the objects attached.\n\n[attachment scan.rar]\nNI AB123456C\n\n[attachment notes.txt]\n{WORDS}"
            )
            .as_str()
        ),
        "{got:?}"
    );
    let note = got.note.as_deref().unwrap();
    assert!(
        note.contains(
            "scan.rar inside the TNEF: the file in the object embedded by OLE gave no text; the picture shown for it is read instead"
        ),
        "{note}"
    );
    assert!(
        note.contains(
            "chart.rar inside the TNEF: the file in the object embedded by OLE gave no text; the picture shown for it is a metafile, which OCR does not read"
        ),
        "{note}"
    );
    assert!(!note.contains("notes.txt inside"), "{note}");
}

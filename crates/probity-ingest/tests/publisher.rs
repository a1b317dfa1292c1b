//! Microsoft Publisher publications (`.pub`), written here as Publisher lays them out (a
//! compound file with a `Contents` stream and, from Publisher 2000 on, the text in the
//! `Quill/QuillSub/CONTENTS` stream's `TEXT` chunk): their text is read; one whose text is not
//! read (Publisher 98, no text chunk, a damaged list) is noted as a Publisher document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

/// A Quill stream: one list of chunk references (a `STRS` chunk, then a `TEXT` chunk of `text`
/// in UTF-16LE, where there is text), and the chunks.
fn quill(text: Option<&str>) -> Vec<u8> {
    let units: Vec<u8> = text
        .unwrap_or_default()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut chunks: Vec<(&[u8; 4], Vec<u8>)> = vec![(b"STRS", vec![0; 8])];
    if text.is_some() {
        chunks.push((b"TEXT", units));
    }
    let mut out = vec![0u8; 0x18];
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(chunks.len() as u16).to_le_bytes());
    out.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut data_at = out.len() + 24 * chunks.len();
    for (name, data) in &chunks {
        out.extend_from_slice(&0x18u16.to_le_bytes());
        out.extend_from_slice(*name);
        out.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        out.extend_from_slice(b"TEXT");
        out.extend_from_slice(&(data_at as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        data_at += data.len();
    }
    for (_, data) in chunks {
        out.extend_from_slice(&data);
    }
    out
}

/// A publication: its `Contents` stream (Publisher 2002's header, or 2000's and 98's), and its
/// Quill stream where it has one.
fn publication(version: u8, quill: Option<&[u8]>) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut contents = vec![0xE8, 0xAC, version, 0];
    contents.extend_from_slice(&[0; 60]);
    file.create_stream("/Contents")
        .unwrap()
        .write_all(&contents)
        .unwrap();
    if let Some(quill) = quill {
        file.create_storage("/Quill").unwrap();
        file.create_storage("/Quill/QuillSub").unwrap();
        file.create_stream("/Quill/QuillSub/CONTENTS")
            .unwrap()
            .write_all(quill)
            .unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

fn read(bytes: &[u8]) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/x-mspublisher"),
        name: Some("newsletter.pub"),
        charset: None,
    };
    extract_text(&input, &Limits::default())
}

/// The stories' text is read, a paragraph a line.
#[test]
fn a_publications_text_is_read() {
    let text = format!("Parish newsletter\r\rSummer fete on Saturday\r{ABUSE}\r");
    let got = read(&publication(0x2C, Some(&quill(Some(&text)))));
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(format!("Parish newsletter\nSummer fete on Saturday\n{ABUSE}").as_str())
    );
}

/// A publication whose text is not read is named as one, not as an unknown compound file.
#[test]
fn a_publication_whose_text_is_not_read_is_noted_as_one() {
    let got = read(&publication(0x22, None));
    assert_eq!(got.text, None, "{got:?}");
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .starts_with("Publisher document (Publisher 97 or 98"),
        "{got:?}"
    );

    let got = read(&publication(0x2C, Some(&quill(None))));
    assert_eq!(got.text, None, "{got:?}");
    assert_eq!(
        got.note.as_deref(),
        Some("Publisher document: no text found in its Quill stream, text not read")
    );

    // The TEXT chunk's length runs past the stream: what there is is read, and noted.
    let mut damaged = quill(Some("Kept words"));
    let length_at = 0x18 + 8 + 24 + 20;
    damaged[length_at..length_at + 4].copy_from_slice(&4096u32.to_le_bytes());
    let got = read(&publication(0x2C, Some(&damaged)));
    assert_eq!(got.text.as_deref(), Some("Kept words"), "{got:?}");
    assert!(
        got.note.as_deref().unwrap_or_default().contains("damaged"),
        "{got:?}"
    );
}

/// A Publisher 97 or 98 publication (no Quill stream) whose `Contents` stream holds `text` where
/// its block of places says: the block at 0x40, the text after it.
fn publication_97(text: &[u8]) -> Vec<u8> {
    let mut contents = vec![0xE8, 0xAC, 0x22, 0];
    contents.resize(0x40, 0);
    contents[0x12..0x16].copy_from_slice(&0x40u32.to_le_bytes());
    let mut block = vec![0u8; 0x30];
    let start = 0x40 + block.len() as u32;
    block[14..18].copy_from_slice(&start.to_le_bytes());
    block[18..22].copy_from_slice(&(start + text.len() as u32).to_le_bytes());
    contents.extend_from_slice(&block);
    contents.extend_from_slice(text);
    contents.extend_from_slice(&[0; 16]);
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/Contents")
        .unwrap()
        .write_all(&contents)
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A Publisher 97 or 98 publication's text, in its `Contents` stream, is read a paragraph a line,
/// its text boxes and line breaks as lines too, in windows-1252. Before, it was noted as a
/// publication whose text is not read, and its words reached no policy.
#[test]
fn a_publisher_97_publications_text_is_read() {
    let text =
        format!("Parish newsletter\r\n\x0cSummer f\u{ea}te\x0bon Saturday\r\n{ABUSE}\r\n\x0c");
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let got = read(&publication_97(&bytes));
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(format!("Parish newsletter\nSummer f\u{ea}te\non Saturday\n{ABUSE}").as_str())
    );
}

//! Microsoft Publisher publications (`.pub`): the text of their stories. A publication is a
//! compound file whose `Contents` stream starts `E8 AC`, then a version byte and 0 (libmspub's
//! test); from Publisher 2000 on, its text is in the `Quill/QuillSub/CONTENTS` stream, as
//! libmspub reads it: from byte 0x18, lists of chunk references (each list: 2 bytes, how many
//! references, the place of the next list or `FFFFFFFF`; then 24 bytes a reference: 2 bytes,
//! a 4-byte name, an id, 4 bytes, a second name, the chunk's place and length), and the chunk
//! named `TEXT` holding every story's text in UTF-16LE, each paragraph ended by a carriage
//! return. That text is read, paragraph by paragraph; the other chunks (styles, fonts, the
//! lengths of the stories) are not needed for it.
//!
//! A publication with no Quill stream (Publisher 97 and 98) keeps its text in its `Contents`
//! stream, as libmspub's reader of those versions finds it: the stream's 4 bytes at 0x12 place a
//! block whose 4 bytes at 14 and at 18 are where the text starts and ends in the stream, 8-bit
//! characters (windows-1252), each paragraph ended by a carriage return and a line feed, each
//! text box by a form feed, a line break within a paragraph a vertical tab. One where those
//! places are not in the stream, or whose chunks hold no text, is noted as a Publisher document
//! whose text is not read, not as an unknown compound file. The stream is held to the decompression budget,
//! the lists to [`MAX_LISTS`] and the references to [`MAX_CHUNKS`], each place and length
//! checked against the stream, and the text to the attachment text limit.

use std::collections::HashSet;

use super::TextOut;
use super::doc::{stream, u16_at, u32_at};
use super::msg::File;

/// The stream that marks a publication.
const CONTENTS: &str = "/Contents";
/// The stream of its text and text formatting.
const QUILL: &str = "/Quill/QuillSub/CONTENTS";
/// Most lists of chunk references followed.
const MAX_LISTS: usize = 1024;
/// Most chunk references read.
const MAX_CHUNKS: usize = 65_536;
/// What the notes call a publication.
const PUBLISHER: &str = "Publisher document";

/// Whether the compound file holds a Publisher publication: its `Contents` stream starts as one
/// does, or it has a Quill stream.
pub(super) fn is_publisher(file: &mut File<'_>) -> bool {
    if file.is_stream(QUILL) {
        return true;
    }
    let Ok(mut contents) = file.open_stream(CONTENTS) else {
        return false;
    };
    let mut head = [0u8; 4];
    std::io::Read::read_exact(&mut contents, &mut head).is_ok()
        && head[..2] == [0xE8, 0xAC]
        && head[3] == 0
}

/// Reads the publication in `file` into `out`; `budget` bounds the bytes read from its stream.
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) {
    if !file.is_stream(QUILL) {
        read_contents_text(file, budget, out);
        return;
    }
    let Some(quill) = stream(file, QUILL, budget, PUBLISHER, out) else {
        return;
    };
    let (texts, damaged) = text_chunks(&quill);
    if damaged {
        out.note(format!(
            "the {PUBLISHER}'s list of text chunks is damaged; text read as far as it goes"
        ));
    }
    let before = out.text.len();
    for range in texts {
        let units: Vec<u16> = quill[range]
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        let text: String = String::from_utf16_lossy(&units)
            .chars()
            .map(|c| if matches!(c, '\r' | '\u{b}') { '\n' } else { c })
            .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
            .collect();
        if push_paragraphs(&text, out) {
            return;
        }
    }
    if out.text.len() == before {
        out.note(format!(
            "{PUBLISHER}: no text found in its Quill stream, text not read"
        ));
    }
}

/// Writes the non-blank lines of `text` to `out`, trimmed, a line each; true once `out` is full.
fn push_paragraphs(text: &str, out: &mut TextOut<'_>) -> bool {
    for paragraph in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if !out.text.is_empty() {
            out.push("\n");
        }
        out.push(paragraph);
        if out.is_full() {
            return true;
        }
    }
    false
}

/// The text of a publication with no Quill stream (Publisher 97 or 98), from its `Contents`
/// stream ([`contents_text`]), a paragraph a line; noted where it is not found.
fn read_contents_text(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) {
    let Some(contents) = stream(file, CONTENTS, budget, PUBLISHER, out) else {
        return;
    };
    let Some(text) = contents_text(&contents) else {
        out.note(format!(
            "{PUBLISHER} (Publisher 97 or 98, or one with no Quill stream): its text is not where its Contents stream places it, text not read"
        ));
        return;
    };
    let before = out.text.len();
    if push_paragraphs(&text, out) {
        return;
    }
    if out.text.len() == before {
        out.note(format!(
            "{PUBLISHER} (Publisher 97 or 98): no text found in its Contents stream, text not read"
        ));
    }
}

/// The text a Publisher 97 or 98 `Contents` stream places (see the module's notes): its
/// paragraphs, text boxes and line breaks as line breaks, other control bytes left out; none
/// where the places it gives are not in the stream.
fn contents_text(contents: &[u8]) -> Option<String> {
    let block = usize::try_from(u32_at(contents, 0x12)?).ok()?;
    let start = usize::try_from(u32_at(contents, block.checked_add(14)?)?).ok()?;
    let end = usize::try_from(u32_at(contents, block.checked_add(18)?)?).ok()?;
    let bytes = contents.get(start..end)?;
    let mut kept = Vec::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'\n' | 0x0B | 0x0C => kept.push(b'\n'),
            b'\t' => kept.push(b'\t'),
            0x00..=0x1F | 0x7F => {}
            _ => kept.push(byte),
        }
    }
    Some(super::rtf::windows_1252(&kept))
}

/// The places in `quill` of its `TEXT` chunks, and whether its lists of chunk references are
/// damaged (one cut short, pointing outside the stream or back to one already read, or past the
/// limits).
fn text_chunks(quill: &[u8]) -> (Vec<std::ops::Range<usize>>, bool) {
    let mut texts = Vec::new();
    let mut seen = HashSet::new();
    let mut chunks = 0usize;
    let mut list = 0x18u32;
    while list != u32::MAX {
        let Ok(at) = usize::try_from(list) else {
            return (texts, true);
        };
        if !seen.insert(at) || seen.len() > MAX_LISTS {
            return (texts, true);
        }
        let (Some(count), Some(next)) = (u16_at(quill, at + 2), u32_at(quill, at + 4)) else {
            return (texts, true);
        };
        for index in 0..usize::from(count) {
            chunks += 1;
            if chunks > MAX_CHUNKS {
                return (texts, true);
            }
            let entry = at + 8 + index * 24;
            let Some(reference) = quill.get(entry..entry + 24) else {
                return (texts, true);
            };
            if &reference[2..6] != b"TEXT" {
                continue;
            }
            let (Some(offset), Some(length)) = (u32_at(reference, 16), u32_at(reference, 20))
            else {
                return (texts, true);
            };
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
            if end > quill.len() {
                // Read as far as the stream goes.
                if start < quill.len() {
                    texts.push(start..quill.len());
                }
                return (texts, true);
            }
            texts.push(start..end);
        }
        list = next;
    }
    (texts, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Quill stream of one list holding a `FONT` chunk and a `TEXT` chunk of `text`.
    fn quill(text: &str) -> Vec<u8> {
        let mut out = vec![0u8; 0x18];
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        let data_at = 0x18 + 8 + 2 * 24;
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for (name, offset, length) in [(b"FONT", data_at, 0), (b"TEXT", data_at, units.len())] {
            out.extend_from_slice(&0x18u16.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
            out.extend_from_slice(b"TEXT");
            out.extend_from_slice(&(offset as u32).to_le_bytes());
            out.extend_from_slice(&(length as u32).to_le_bytes());
        }
        out.extend_from_slice(&units);
        out
    }

    #[test]
    fn the_text_chunk_is_found() {
        let stream = quill("Hello\rWorld\r");
        let (texts, damaged) = text_chunks(&stream);
        assert!(!damaged);
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].len(), 24);
    }

    #[test]
    fn places_outside_the_contents_stream_give_no_text() {
        let mut contents = vec![0u8; 0x40];
        contents[0x12..0x16].copy_from_slice(&0x20u32.to_le_bytes());
        contents[0x20 + 14..0x20 + 18].copy_from_slice(&0x38u32.to_le_bytes());
        contents[0x20 + 18..0x20 + 22].copy_from_slice(&0x3Fu32.to_le_bytes());
        contents[0x38..0x3F].copy_from_slice(b"Hi\r\nYou");
        assert_eq!(contents_text(&contents).as_deref(), Some("Hi\nYou"));
        contents[0x20 + 18..0x20 + 22].copy_from_slice(&0x41u32.to_le_bytes());
        assert_eq!(contents_text(&contents), None);
        contents[0x12..0x16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(contents_text(&contents), None);
        assert_eq!(contents_text(&[]), None);
    }

    #[test]
    fn lists_that_loop_or_run_out_are_damaged() {
        let mut stream = quill("Hello");
        // The next list is the first again.
        stream[0x18 + 4..0x18 + 8].copy_from_slice(&0x18u32.to_le_bytes());
        assert!(text_chunks(&stream).1);
        assert!(text_chunks(&stream[..0x30]).1);
        assert!(text_chunks(&[]).1);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = text_chunks(&bytes);
            let _ = contents_text(&bytes);
        }
    }
}

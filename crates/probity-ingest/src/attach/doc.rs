//! Word 97–2003 documents (`.doc`, MS-DOC): the text of a Word binary file, read from its piece
//! table, as a compound file's `WordDocument` stream and its table stream (`0Table` or `1Table`)
//! hold it. Forms and templates kept from before 2007 are still in use, and a `.doc` attached
//! was read by no policy.
//!
//! The file information block at the start of `WordDocument` names the table stream and where
//! in it the piece table (`Clx`) is; each piece is a run of characters, 8-bit (windows-1252) or
//! UTF-16, somewhere in `WordDocument`. All the pieces are read, in order: the body, then the
//! footnotes, headers, comments, endnotes and text boxes that follow it. Word's marks become
//! text (a paragraph mark or a page break a line break, a table cell's end a tab), and a field's
//! instructions (`HYPERLINK "…"`) are left out for its result. An encrypted document is noted.
//! Every offset and length read from the file is checked against the stream it points into, and
//! the text read is held to the attachment text limit.

use std::io::Read;

use super::TextOut;
use super::msg::File;

/// The first bytes of a Word binary file information block.
const WORD_MAGIC: u16 = 0xA5EC;

/// Bytes of the file information block read: up to and including `fcClx`/`lcbClx`.
const FIB_BYTES: usize = 0x01AA;

/// Most pieces read (Word writes a few hundred at most).
const MAX_PIECES: usize = 1 << 16;

/// Whether the compound file holds a Word document.
pub(super) fn is_word(file: &File<'_>) -> bool {
    file.is_stream("/WordDocument")
}

/// Reads the Word document in `file` into `out`; `budget` bounds the bytes read from its
/// streams.
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) {
    let Some(document) = stream(file, "/WordDocument", budget, WORD, out) else {
        return;
    };
    let Some(fib) = document.get(..FIB_BYTES) else {
        out.note("the Word document's file information block is cut short; text not extracted");
        return;
    };
    if u16_at(fib, 0) != Some(WORD_MAGIC) {
        out.note("the WordDocument stream is not a Word 97–2003 document; text not extracted");
        return;
    }
    let flags = u16_at(fib, 0x0A).unwrap_or(0);
    if flags & 0x0100 != 0 {
        out.note("encrypted (password-protected) Word document; text not extracted");
        return;
    }
    let table_name = if flags & 0x0200 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let left = budget.saturating_sub(document.len() as u64);
    let Some(table) = stream(file, table_name, left, WORD, out) else {
        return;
    };
    let (Some(fc_clx), Some(lcb_clx)) = (u32_at(fib, 0x01A2), u32_at(fib, 0x01A6)) else {
        return;
    };
    let clx = usize::try_from(fc_clx)
        .ok()
        .zip(usize::try_from(lcb_clx).ok())
        .and_then(|(start, len)| table.get(start..start.checked_add(len)?));
    let Some(clx) = clx else {
        out.note(
            "the Word document's piece table lies outside its table stream; text not extracted",
        );
        return;
    };
    let Some(pieces) = piece_table(clx) else {
        out.note("the Word document's piece table is damaged; text not extracted");
        return;
    };
    let mut text = WordText::default();
    for piece in pieces {
        if out.is_full() {
            break;
        }
        if !read_piece(&document, &piece, &mut text, out) {
            out.note("a piece of the Word document's text lies outside it; the rest is read");
        }
    }
}

/// One run of characters: how many, where in `WordDocument`, and whether 8-bit.
struct Piece {
    chars: usize,
    offset: usize,
    compressed: bool,
}

/// The pieces of a `Clx`: its property runs (`Prc`, type 1) passed over, then the piece table
/// (`Pcdt`, type 2): n + 1 character positions and n piece descriptors of 8 bytes.
fn piece_table(clx: &[u8]) -> Option<Vec<Piece>> {
    let mut at = 0usize;
    while clx.get(at) == Some(&1) {
        let size = usize::from(u16_at(clx, at + 1)?);
        at = at.checked_add(3 + size)?;
    }
    if clx.get(at) != Some(&2) {
        return None;
    }
    let length = usize::try_from(u32_at(clx, at + 1)?).ok()?;
    let plc = clx.get(at + 5..at + 5 + length)?;
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return None;
    }
    let count = (plc.len() - 4) / 12;
    if count > MAX_PIECES {
        return None;
    }
    let positions = (count + 1) * 4;
    let mut pieces = Vec::with_capacity(count);
    for index in 0..count {
        let start = u32_at(plc, index * 4)?;
        let end = u32_at(plc, index * 4 + 4)?;
        let descriptor = positions + index * 8;
        let fc = u32_at(plc, descriptor + 2)?;
        let compressed = fc & 0x4000_0000 != 0;
        let raw = usize::try_from(fc & 0x3FFF_FFFF).ok()?;
        pieces.push(Piece {
            chars: usize::try_from(end.saturating_sub(start)).ok()?,
            offset: if compressed { raw / 2 } else { raw },
            compressed,
        });
    }
    Some(pieces)
}

/// Where a field's parts are: its instructions are left out, its result read.
#[derive(Default)]
struct WordText {
    /// For each field open, whether its separator has been passed (its result is being read).
    fields: Vec<bool>,
}

/// Reads one piece into `out`; false where it lies outside the document (nothing read).
fn read_piece(document: &[u8], piece: &Piece, text: &mut WordText, out: &mut TextOut<'_>) -> bool {
    let width = if piece.compressed { 1 } else { 2 };
    let Some(bytes) = piece
        .chars
        .checked_mul(width)
        .and_then(|len| document.get(piece.offset..piece.offset.checked_add(len)?))
    else {
        return false;
    };
    let mut line = String::new();
    let decoded: String;
    let units: Box<dyn Iterator<Item = u16> + '_> = if piece.compressed {
        // 8-bit pieces are windows-1252, as MS-DOC says.
        decoded = super::rtf::cp1252(bytes);
        Box::new(decoded.encode_utf16())
    } else {
        Box::new(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
        )
    };
    for decoded in char::decode_utf16(units) {
        let c = decoded.unwrap_or(char::REPLACEMENT_CHARACTER);
        match c {
            '\u{13}' => text.fields.push(false),
            '\u{14}' => {
                if let Some(separated) = text.fields.last_mut() {
                    *separated = true;
                }
            }
            '\u{15}' => {
                text.fields.pop();
            }
            _ if text.fields.last() == Some(&false) => {}
            '\r' | '\u{0B}' | '\u{0C}' => line.push('\n'),
            '\u{07}' => line.push('\t'),
            '\u{1E}' => line.push('-'),
            '\t' | '\n' => line.push(c),
            '\0' => {}
            c if c.is_control() || c == '\u{1F}' => {}
            c => line.push(c),
        }
        if line.len() >= 4096 {
            out.push(&line);
            line.clear();
            if out.is_full() {
                return true;
            }
        }
    }
    out.push(&line);
    true
}

/// What the notes on a Word document call it.
const WORD: &str = "Word document";

/// A stream's bytes where they fit in `budget`; none (noted, naming the `document` it is of)
/// otherwise.
pub(super) fn stream(
    file: &mut File<'_>,
    path: &str,
    budget: u64,
    document: &str,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    let name = path.trim_start_matches('/');
    let Ok(mut stream) = file.open_stream(path) else {
        out.note(format!(
            "the {document} has no {name} stream; text not extracted"
        ));
        return None;
    };
    if stream.len() > budget {
        out.note(format!(
            "the {document}'s {name} stream is past the decompression limit; text not extracted"
        ));
        return None;
    }
    let mut bytes = Vec::new();
    if let Err(error) = stream.read_to_end(&mut bytes) {
        out.note(format!("the {document} could not be read: {error}"));
        return None;
    }
    Some(bytes)
}

pub(super) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

pub(super) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let four = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([four[0], four[1], four[2], four[3]]))
}

//! Word 97–2003 documents (`.doc`, MS-DOC): the text of a Word binary file, read from its piece
//! table, as a compound file's `WordDocument` stream and its table stream (`0Table` or `1Table`)
//! hold it. Forms and templates kept from before 2007 are still in use, and a `.doc` attached
//! was read by no policy.
//!
//! The file information block at the start of `WordDocument` names the table stream and where
//! in it the piece table (`Clx`) is; each piece is a run of characters, 8-bit (windows-1252) or
//! UTF-16, somewhere in `WordDocument`. All the pieces are read, in order: the body, then the
//! footnotes, headers, comments, endnotes and text boxes that follow it. Word's marks become
//! text (a paragraph mark or a page break a line break), and a field's instructions
//! (`HYPERLINK "…"`) are left out for its result. An encrypted document is noted. Every offset
//! and length read from the file is checked against the stream it points into, and the text read
//! is held to the attachment text limit.
//!
//! A table is written as comma-separated rows, one a line, as the XLSX reader writes a sheet (a
//! cell with a comma, quote or line break quoted), so that a table of people in a Word document
//! is read as the list it is by the masking and the bulk personal data count. Word ends each cell
//! with a mark (0x07) and each row with another, in a paragraph of its own that its paragraph
//! properties say ends the row (`sprmPFTtp`); those properties are read from the paragraph
//! property pages (`PlcBtePapx`, `PapxFkp`). Two marks in a row do not tell a row's end, since an
//! empty cell writes two as well. Where the properties cannot be read, a cell's end is a tab.
//!
//! The document's pictures (a screenshot pasted into a report) are read by OCR after its text,
//! where it is on ([`super::pictures`]).

use std::io::Read;

use super::TextOut;
use super::msg::File;
use super::pictures::Pictures;

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
/// streams and kept of its pictures. What is left of it, for the objects embedded in the
/// document ([`super::msg::document_objects`]).
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) -> u64 {
    let Some(document) = stream(file, "/WordDocument", budget, WORD, out) else {
        return budget;
    };
    let left = budget.saturating_sub(document.len() as u64);
    let Some(fib) = document.get(..FIB_BYTES) else {
        out.note("the Word document's file information block is cut short; text not extracted");
        return left;
    };
    if u16_at(fib, 0) != Some(WORD_MAGIC) {
        out.note("the WordDocument stream is not a Word 97–2003 document; text not extracted");
        return left;
    }
    let flags = u16_at(fib, 0x0A).unwrap_or(0);
    if flags & 0x0100 != 0 {
        out.note("encrypted (password-protected) Word document; text not extracted");
        return left;
    }
    let table_name = if flags & 0x0200 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let Some(table) = stream(file, table_name, left, WORD, out) else {
        return left;
    };
    let left = left.saturating_sub(table.len() as u64);
    let (Some(fc_clx), Some(lcb_clx)) = (u32_at(fib, 0x01A2), u32_at(fib, 0x01A6)) else {
        return left;
    };
    let clx = usize::try_from(fc_clx)
        .ok()
        .zip(usize::try_from(lcb_clx).ok())
        .and_then(|(start, len)| table.get(start..start.checked_add(len)?));
    let Some(clx) = clx else {
        out.note(
            "the Word document's piece table lies outside its table stream; text not extracted",
        );
        return left;
    };
    let Some(pieces) = piece_table(clx) else {
        out.note("the Word document's piece table is damaged; text not extracted");
        return left;
    };
    let mut text = WordText {
        paragraphs: TableParagraphs::read(&document, &table, fib),
        ..WordText::default()
    };
    for piece in pieces {
        if out.is_full() {
            break;
        }
        if !read_piece(&document, &piece, &mut text, out) {
            out.note("a piece of the Word document's text lies outside it; the rest is read");
        }
    }
    // A row the document's end (or damage) cut short is kept as far as it was read.
    text.end_row(out);
    read_pictures(file, &document, &table, left, out)
}

/// Reads the pictures of the document by OCR ([`Pictures`]): those in its `Data` stream (each
/// inline picture's), then those in `WordDocument` and the table stream (a floating picture's,
/// where the drawing group keeps it), within `budget` bytes read and kept; what is left of it.
fn read_pictures(
    file: &mut File<'_>,
    document: &[u8],
    table: &[u8],
    budget: u64,
    out: &mut TextOut<'_>,
) -> u64 {
    let mut data = Vec::new();
    if file.is_stream("/Data") {
        match file.open_stream("/Data") {
            Ok(stream) if stream.len() > budget => out.note(
                "the Word document's Data stream, which holds its pictures, is past the decompression limit; they are not read",
            ),
            Ok(mut stream) => {
                if let Err(error) = stream.read_to_end(&mut data) {
                    out.note(format!(
                        "the Word document's Data stream, which holds its pictures, could not be read: {error}"
                    ));
                }
            }
            Err(error) => out.note(format!(
                "the Word document's Data stream, which holds its pictures, could not be read: {error}"
            )),
        }
    }
    let mut found = Pictures::new(budget.saturating_sub(data.len() as u64));
    for bytes in [&data[..], document, table] {
        found.find_blips(bytes);
    }
    let left = found.room();
    found.read(WORD, out);
    left
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

/// Where a field's parts are, and the table row being read.
#[derive(Default)]
struct WordText {
    /// For each field open, whether its separator has been passed (its result is being read).
    fields: Vec<bool>,
    /// Which paragraphs are in a table and which end a row.
    paragraphs: TableParagraphs,
    /// The cell being read, and those of its row already read.
    cell: String,
    row: Vec<String>,
}

impl WordText {
    /// Ends the cell being read; where it is the row's last, ends the row too.
    fn end_cell(&mut self) {
        self.row.push(self.cell.trim().to_owned());
        self.cell.clear();
    }

    /// Writes the row read (its cells and any text of a cell not ended) as a CSV line.
    fn end_row(&mut self, out: &mut TextOut<'_>) {
        if !self.cell.trim().is_empty() {
            self.end_cell();
        }
        self.cell.clear();
        if self.row.is_empty() {
            return;
        }
        let mut line = String::new();
        for (index, field) in self.row.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            super::xlsx::push_csv_field(&mut line, field);
        }
        line.push('\n');
        out.push(&line);
        self.row.clear();
    }
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
        // 8-bit pieces are windows-1252, as MS-DOC says; each byte one UTF-16 unit.
        decoded = super::rtf::cp1252(bytes);
        Box::new(decoded.encode_utf16())
    } else {
        Box::new(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
        )
    };
    // Where the character read is in WordDocument, as the paragraph properties place it.
    let mut at = piece.offset;
    for decoded in char::decode_utf16(units) {
        let here = at;
        at += width * decoded.as_ref().map_or(1, |c| c.len_utf16());
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
            '\u{07}' => match text.paragraphs.at(here) {
                Paragraph::RowEnd => {
                    out.push(&line);
                    line.clear();
                    text.end_row(out);
                }
                Paragraph::InTable => text.end_cell(),
                Paragraph::Other => line.push('\t'),
            },
            _ => {
                let in_table = text.paragraphs.at(here) != Paragraph::Other;
                // The text before a table's row, and a row that damage left without its end
                // before the text after it, are written in the order they stand.
                if in_table && !line.is_empty() {
                    out.push(&line);
                    line.clear();
                } else if !in_table && (!text.row.is_empty() || !text.cell.is_empty()) {
                    text.end_row(out);
                }
                let into = if in_table { &mut text.cell } else { &mut line };
                match c {
                    '\r' | '\u{0B}' | '\u{0C}' => into.push('\n'),
                    '\u{1E}' => into.push('-'),
                    '\t' | '\n' => into.push(c),
                    '\0' => {}
                    c if c.is_control() || c == '\u{1F}' => {}
                    c => into.push(c),
                }
            }
        }
        if line.len() >= 4096 {
            out.push(&line);
            line.clear();
            if out.is_full() {
                return true;
            }
        }
        if text.cell.len() > MAX_CELL_BYTES {
            // A cell past any table's: the rest of it is read as lines.
            let cell = std::mem::take(&mut text.cell);
            out.push(&cell);
            if out.is_full() {
                return true;
            }
        }
    }
    out.push(&line);
    true
}

/// The longest cell kept whole for its row, in bytes.
const MAX_CELL_BYTES: usize = 64 * 1024;

/// What a paragraph is, as its properties say: in a table (a cell's), the end of a table's row,
/// or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paragraph {
    Other,
    InTable,
    RowEnd,
}

/// The paragraphs in tables, as byte ranges of WordDocument (each paragraph's end its mark's),
/// read from the paragraph property pages; none where they cannot be read.
#[derive(Default)]
struct TableParagraphs {
    /// Start, end and kind, in order of start.
    runs: Vec<(usize, usize, Paragraph)>,
    /// The index of the run last found, where the next character most likely is.
    last: usize,
}

/// sprmPFInTable: the paragraph is in a table.
const SPRM_IN_TABLE: u16 = 0x2416;
/// sprmPFTtp: the paragraph ends a table row.
const SPRM_TTP: u16 = 0x2417;
/// sprmTDefTable, whose operand has a two-byte length.
const SPRM_DEF_TABLE: u16 = 0xD608;
/// sprmPChgTabs, whose one-byte length 255 means a longer operand.
const SPRM_CHANGE_TABS: u16 = 0xC615;
/// The size of a paragraph property page (`PapxFkp`).
const PAGE: usize = 512;

impl TableParagraphs {
    /// The paragraphs in tables of a document, from `PlcBtePapx` (named in the file information
    /// block `fib`, in `table`) and the pages of `document` it points to.
    fn read(document: &[u8], table: &[u8], fib: &[u8]) -> Self {
        let mut runs = Vec::new();
        let plc = u32_at(fib, 0x0102)
            .zip(u32_at(fib, 0x0106))
            .and_then(|(fc, lcb)| {
                let start = usize::try_from(fc).ok()?;
                table.get(start..start.checked_add(usize::try_from(lcb).ok()?)?)
            });
        let Some(plc) = plc.filter(|plc| plc.len() >= 4 && (plc.len() - 4) % 8 == 0) else {
            return Self::default();
        };
        let count = (plc.len() - 4) / 8;
        // Each page once: a table naming one page over and over would have its paragraphs
        // gathered as often.
        let mut pages: Vec<usize> = (0..count.min(MAX_PIECES))
            .filter_map(|index| u32_at(plc, (count + 1) * 4 + index * 4))
            .map(|number| usize::try_from(number & 0x003F_FFFF).unwrap_or(usize::MAX))
            .collect();
        pages.sort_unstable();
        pages.dedup();
        for number in pages {
            let page = number
                .checked_mul(PAGE)
                .and_then(|at| document.get(at..at.checked_add(PAGE)?));
            if let Some(page) = page {
                page_runs(page, &mut runs);
            }
        }
        runs.sort_unstable_by_key(|run| run.0);
        Self { runs, last: 0 }
    }

    /// What the paragraph holding the character at byte `at` of WordDocument is.
    fn at(&mut self, at: usize) -> Paragraph {
        let within = |run: &(usize, usize, Paragraph)| run.0 <= at && at < run.1;
        for guess in [self.last, self.last + 1] {
            if let Some(run) = self.runs.get(guess).filter(|run| within(run)) {
                self.last = guess;
                return run.2;
            }
        }
        let after = self.runs.partition_point(|run| run.0 <= at);
        match after.checked_sub(1) {
            Some(index) if self.runs.get(index).is_some_and(within) => {
                self.last = index;
                self.runs[index].2
            }
            _ => Paragraph::Other,
        }
    }
}

/// The paragraphs of one property page that are in a table, added to `runs`.
fn page_runs(page: &[u8], runs: &mut Vec<(usize, usize, Paragraph)>) {
    let count = usize::from(page[PAGE - 1]);
    // The paragraph ends (count + 1) and one 13-byte entry a paragraph must fit before the count.
    if (count + 1) * 4 + count * 13 >= PAGE {
        return;
    }
    for index in 0..count {
        let (Some(start), Some(end)) = (u32_at(page, index * 4), u32_at(page, index * 4 + 4))
        else {
            return;
        };
        let offset = usize::from(page[(count + 1) * 4 + index * 13]) * 2;
        if offset == 0 {
            continue;
        }
        let Some(&size) = page.get(offset) else {
            continue;
        };
        let properties = if size != 0 {
            page.get(offset + 1..offset + 2 * usize::from(size))
        } else {
            page.get(offset + 1)
                .and_then(|&size| page.get(offset + 2..offset + 2 + 2 * usize::from(size)))
        };
        // The style index (two bytes), then the property modifiers.
        let Some(sprms) = properties.and_then(|properties| properties.get(2..)) else {
            continue;
        };
        let kind = paragraph_kind(sprms);
        if kind != Paragraph::Other {
            runs.push((start as usize, end as usize, kind));
        }
    }
}

/// What a paragraph's property modifiers say it is; read up to the first that cannot be.
fn paragraph_kind(mut sprms: &[u8]) -> Paragraph {
    let mut in_table = false;
    let mut row_end = false;
    while let Some(sprm) = u16_at(sprms, 0) {
        let operand = &sprms[2..];
        let size = match sprm >> 13 {
            0 | 1 => Some(1),
            2 | 4 | 5 => Some(2),
            3 => Some(4),
            7 => Some(3),
            _ if sprm == SPRM_DEF_TABLE => u16_at(operand, 0).map(|cb| usize::from(cb) + 1),
            _ if sprm == SPRM_CHANGE_TABS && operand.first() == Some(&255) => {
                change_tabs_size(operand)
            }
            _ => operand.first().map(|&cb| usize::from(cb) + 1),
        };
        match sprm {
            SPRM_IN_TABLE => in_table = operand.first() == Some(&1),
            SPRM_TTP => row_end = operand.first() == Some(&1),
            _ => {}
        }
        let Some(rest) = size.and_then(|size| operand.get(size..)) else {
            break;
        };
        sprms = rest;
    }
    match (row_end, in_table) {
        (true, _) => Paragraph::RowEnd,
        (false, true) => Paragraph::InTable,
        (false, false) => Paragraph::Other,
    }
}

/// The size of sprmPChgTabs's long operand: its length byte (255), the tab stops taken away
/// (a count, then two two-byte values each) and those added (a count, a two-byte value and a
/// one-byte descriptor each).
fn change_tabs_size(operand: &[u8]) -> Option<usize> {
    let deleted = usize::from(*operand.get(1)?);
    let added_at = 2 + deleted * 4;
    let added = usize::from(*operand.get(added_at)?);
    Some(added_at + 1 + added * 3)
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

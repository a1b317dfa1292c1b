//! Excel 97–2003 workbooks (`.xls`): the cells of every sheet of a BIFF8 workbook, as a compound
//! file's `Workbook` stream holds it, and of an Excel 5/95 one (BIFF5, a `Book` stream). Such
//! workbooks are still sent, and a table of people in one reached no policy.
//!
//! The stream is a run of records (`[type u16][length u16][data]`): first the workbook's globals
//! (the sheets' names, the shared strings, the cell formats, whether dates count from 1904), then
//! each sheet's, from its `BOF` record to its `EOF`. The sheets are read in the order the stream
//! holds them, hidden ones too, each under a line `[sheet NAME]` and written as the XLSX reader
//! writes one ([`super::xlsx`]): comma-separated rows to the width of the widest, cells placed
//! at their column, a cell's text what Excel shows as far as text goes (its string, a formula's
//! last result, `TRUE`/`FALSE`, an error such as `#DIV/0!`, a number as stored but one in a date
//! format as the date, `dd/mm/yyyy`), so that the privacy masking and the bulk personal data
//! count read a table of people in it as they read one from an XLSX.
//!
//! A string longer than a record goes on in the `CONTINUE` records after it; where its
//! characters are cut, the next record starts with a byte saying whether the rest are 8-bit or
//! UTF-16. An encrypted workbook (a `FILEPASS` record) is noted. Every offset and length read
//! from the file is checked against the record it points into; the stream is held to the
//! attachment's decompression budget, the shared strings kept to [`MAX_SHARED_STRINGS`], the
//! cells gathered to the text limit, and the clock checked before each sheet. A sheet the
//! globals do not name is read too, named by its place (`Sheet3`); one they name that is not
//! found is noted. The text of a sheet's cell comments and text boxes (BIFF8 `TXO` records,
//! their characters in the `CONTINUE` records after them) is read after its rows, under a line
//! `[comments and text boxes of sheet NAME]`. The pictures in the workbook's drawing group (a
//! screenshot over a sheet) are read by OCR after the sheets, where it is on
//! ([`super::pictures`]).

use std::collections::{HashMap, HashSet};

use mail_parser::decoders::charsets::map::charset_decoder;

use super::TextOut;
use super::doc::{u16_at, u32_at};
use super::msg::File;
use super::pictures::Pictures;
use super::xlsx::{date_text, is_builtin_date, is_date_code, place, write_rows};

/// The record types read.
mod record {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const DATEMODE: u16 = 0x0022;
    pub const FILEPASS: u16 = 0x002F;
    pub const CONTINUE: u16 = 0x003C;
    pub const CODEPAGE: u16 = 0x0042;
    pub const BOUNDSHEET: u16 = 0x0085;
    pub const MULRK: u16 = 0x00BD;
    pub const RSTRING: u16 = 0x00D6;
    pub const XF: u16 = 0x00E0;
    pub const MSODRAWINGGROUP: u16 = 0x00EB;
    pub const SST: u16 = 0x00FC;
    pub const LABELSST: u16 = 0x00FD;
    pub const NUMBER: u16 = 0x0203;
    pub const LABEL: u16 = 0x0204;
    pub const BOOLERR: u16 = 0x0205;
    pub const STRING: u16 = 0x0207;
    pub const RK: u16 = 0x027E;
    pub const FORMAT: u16 = 0x041E;
    pub const TXO: u16 = 0x01B6;
    pub const BOF: u16 = 0x0809;
}

/// The BIFF versions a `BOF` names: Excel 97–2003, and Excel 5 and 95.
const BIFF8: u16 = 0x0600;
const BIFF5: u16 = 0x0500;

/// What a `BOF` says its substream is: a chart (one inside a sheet is read past).
const CHART: u16 = 0x0020;

/// Most shared strings kept: Excel's own limit on unique strings is far below this, and each
/// costs memory whether or not a cell uses it.
const MAX_SHARED_STRINGS: usize = 1_000_000;

/// Most sheets named (`BOUNDSHEET` records) read; sheets past them are still read, named by
/// their place.
const MAX_SHEETS: usize = 65_536;

/// Most cell formats (`XF` records) read.
const MAX_CELL_FORMATS: usize = 65_536;

/// Whether the compound file holds an Excel workbook.
pub(super) fn is_excel(file: &File<'_>) -> bool {
    file.is_stream("/Workbook") || file.is_stream("/Book")
}

/// Reads the workbook in `file` into `out`; `budget` bounds the bytes read from its stream and
/// kept of its pictures. What is left of it, for the objects embedded in the workbook
/// ([`super::msg::document_objects`]).
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) -> u64 {
    let path = if file.is_stream("/Workbook") {
        "/Workbook"
    } else {
        "/Book"
    };
    let Some(stream) = super::doc::stream(file, path, budget, "Excel workbook", out) else {
        return budget;
    };
    let left = budget.saturating_sub(stream.len() as u64);
    let Some(globals) = globals(&stream, out) else {
        return left;
    };
    sheets(&stream, &globals, out);
    let mut found = Pictures::new(left);
    found.find_blips(&drawing_group(&stream));
    let left = found.room();
    found.read("Excel workbook", out);
    left
}

/// The workbook's drawing group, where its pictures are: the data of its `MSODRAWINGGROUP`
/// records and of the `CONTINUE` records after each, joined (a record holds at most 8,224
/// bytes, and a picture goes on across them).
fn drawing_group(stream: &[u8]) -> Vec<u8> {
    let mut group = Vec::new();
    let mut in_group = false;
    let mut at = 0;
    while let Step::Record(record) = record_at(stream, at) {
        match record.kind {
            record::MSODRAWINGGROUP => {
                group.extend_from_slice(record.data);
                in_group = true;
            }
            record::CONTINUE if in_group => group.extend_from_slice(record.data),
            _ => in_group = false,
        }
        at = record.next;
    }
    group
}

/// One record: its type, its data, and where the next one starts.
struct Record<'s> {
    kind: u16,
    data: &'s [u8],
    next: usize,
}

/// What is at an offset of the stream.
enum Step<'s> {
    Record(Record<'s>),
    /// The stream ends there (fewer bytes than a record's header left).
    End,
    /// A record whose data runs past the stream's end.
    CutShort,
}

fn record_at(stream: &[u8], at: usize) -> Step<'_> {
    let (Some(kind), Some(length)) = (u16_at(stream, at), u16_at(stream, at + 2)) else {
        return Step::End;
    };
    let start = at + 4;
    let next = start + usize::from(length);
    match stream.get(start..next) {
        Some(data) => Step::Record(Record { kind, data, next }),
        None => Step::CutShort,
    }
}

/// What the workbook's globals say.
struct Globals {
    biff8: bool,
    /// How 8-bit strings are decoded (BIFF5; BIFF8 strings are Unicode).
    decode: fn(&[u8]) -> String,
    date1904: bool,
    shared: Vec<String>,
    /// For each cell format, by its index, whether it shows a number as a date.
    dates: Vec<bool>,
    /// The sheets' names in the workbook's order, with where each starts (at most
    /// [`MAX_SHEETS`]).
    sheets: Vec<(usize, String)>,
    /// Where the globals end.
    end: usize,
}

/// Reads the globals; none (noted) where the workbook is encrypted or not one read here.
fn globals(stream: &[u8], out: &mut TextOut<'_>) -> Option<Globals> {
    let first = match record_at(stream, 0) {
        Step::Record(first) if first.kind == record::BOF => Some(first),
        _ => None,
    };
    let version = first.as_ref().and_then(|first| u16_at(first.data, 0));
    let (Some(first), Some(BIFF8 | BIFF5)) = (first, version) else {
        out.note(
            "the Excel workbook's stream does not start as an Excel 5–2003 workbook does; text not \
             extracted",
        );
        return None;
    };
    let mut globals = Globals {
        biff8: version == Some(BIFF8),
        decode: decoder(1252),
        date1904: false,
        shared: Vec::new(),
        dates: Vec::new(),
        sheets: Vec::new(),
        end: stream.len(),
    };
    // The formats' numbers that show a date, and each cell format's number, matched once all
    // are read.
    let mut custom_dates = vec![false; usize::from(u16::MAX) + 1];
    let mut cell_formats: Vec<u16> = Vec::new();
    let mut at = first.next;
    loop {
        let record = match record_at(stream, at) {
            Step::Record(record) => record,
            Step::End | Step::CutShort => {
                out.note("the Excel workbook is cut short before its sheets; text not extracted");
                break;
            }
        };
        match record.kind {
            record::FILEPASS => {
                out.note("encrypted (password-protected) Excel workbook; text not extracted");
                return None;
            }
            record::EOF => {
                globals.end = record.next;
                break;
            }
            // A sheet's start with no end to the globals before it.
            record::BOF => {
                globals.end = at;
                break;
            }
            record::CODEPAGE if !globals.biff8 => {
                if let Some(codepage) = u16_at(record.data, 0) {
                    globals.decode = decoder(codepage);
                }
            }
            record::DATEMODE => globals.date1904 = u16_at(record.data, 0) == Some(1),
            record::FORMAT => {
                // BIFF8 writes the code's length in two bytes, BIFF5 in one.
                let length_bytes = if globals.biff8 { 2 } else { 1 };
                let code = record
                    .data
                    .get(2..)
                    .and_then(|rest| globals.string(stream, rest, record.next, length_bytes));
                if let (Some(number), Some(code)) = (u16_at(record.data, 0), code)
                    && is_date_code(&code)
                {
                    custom_dates[usize::from(number)] = true;
                }
            }
            record::XF if cell_formats.len() < MAX_CELL_FORMATS => {
                cell_formats.push(u16_at(record.data, 2).unwrap_or(0));
            }
            record::BOUNDSHEET if globals.sheets.len() < MAX_SHEETS => {
                let offset = u32_at(record.data, 0).and_then(|at| usize::try_from(at).ok());
                let name = record
                    .data
                    .get(6..)
                    .and_then(|rest| globals.string(stream, rest, record.next, 1));
                if let (Some(offset), Some(name)) = (offset, name) {
                    globals.sheets.push((offset, name));
                }
            }
            record::SST if globals.biff8 => {
                globals.shared = shared_strings(stream, &record, out);
            }
            _ => {}
        }
        at = record.next;
    }
    globals.dates = cell_formats
        .iter()
        .map(|&number| is_builtin_date(u32::from(number)) || custom_dates[usize::from(number)])
        .collect();
    Some(globals)
}

/// Reads every sheet after the globals, in the stream's order.
fn sheets(stream: &[u8], globals: &Globals, out: &mut TextOut<'_>) {
    // Each sheet's name by where its BOF is (the first sheet named so, where two are).
    let mut names: HashMap<usize, &str> = HashMap::new();
    for (offset, name) in &globals.sheets {
        names.entry(*offset).or_insert(name);
    }
    let mut read: HashSet<usize> = HashSet::new();
    let mut at = globals.end;
    loop {
        // The next sheet's start: what lies between sheets (padding) is passed over.
        let start = loop {
            match record_at(stream, at) {
                Step::Record(record) if record.kind == record::BOF => break Some(at),
                Step::Record(record) => at = record.next,
                Step::End | Step::CutShort => break None,
            }
        };
        let Some(start) = start else {
            break;
        };
        let name = match names.get(&start) {
            Some(name) => (*name).to_owned(),
            None => format!("Sheet{}", read.len() + 1),
        };
        if out.is_full() || out.out_of_time(&format!("before sheet {name}")) {
            return;
        }
        if !read.is_empty() {
            out.push("\n");
        }
        out.push("[sheet ");
        out.push(&name);
        out.push("]\n");
        read.insert(start);
        let (rows, texts, next) = sheet_rows(stream, start, globals, &name, out);
        write_rows(rows, out);
        if !texts.is_empty() {
            if !out.text.ends_with('\n') {
                out.push("\n");
            }
            out.push("[comments and text boxes of sheet ");
            out.push(&name);
            out.push("]\n");
            for text in texts {
                out.push(&text);
                out.push("\n");
            }
        }
        at = next;
    }
    let missing: Vec<&str> = globals
        .sheets
        .iter()
        .filter(|(offset, _)| !read.contains(offset))
        .map(|(_, name)| name.as_str())
        .take(5)
        .collect();
    if !missing.is_empty() && !out.is_full() {
        out.note(format!(
            "the Excel workbook names sheets not found in it ({}); they are not read",
            missing.join(", ")
        ));
    }
}

/// One cell read: its row, its column and its text.
struct Cell {
    row: u16,
    column: u16,
    text: String,
}

/// The rows of the sheet whose `BOF` is at `start`, the text of its comments and text boxes
/// ([`text_object`]), and where reading stopped: past its `EOF`, at the next sheet's `BOF` where
/// it has none, or at the stream's end. Cells and texts are gathered up to the text limit.
fn sheet_rows(
    stream: &[u8],
    start: usize,
    globals: &Globals,
    name: &str,
    out: &mut TextOut<'_>,
) -> (Vec<Vec<String>>, Vec<String>, usize) {
    let mut cells: Vec<Cell> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut gathered = 0usize;
    let limit = out.limits.max_attachment_text_bytes;
    // Charts inside the sheet open (and close) substreams of their own.
    let mut depth = 0usize;
    // A formula whose result, a string, is in the STRING record after it.
    let mut formula: Option<(u16, u16)> = None;
    let mut at = start;
    let next = loop {
        let record = match record_at(stream, at) {
            Step::Record(record) => record,
            Step::End | Step::CutShort => {
                out.note(format!(
                    "the Excel workbook is cut short in sheet {name}; its cells are read up to there"
                ));
                break stream.len();
            }
        };
        match record.kind {
            record::BOF if depth == 0 => depth = 1,
            record::BOF if u16_at(record.data, 2) == Some(CHART) => depth += 1,
            record::BOF => {
                out.note(format!(
                    "sheet {name} has no end record; it is read up to the next sheet's start"
                ));
                break at;
            }
            record::EOF => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break record.next;
                }
            }
            _ if depth > 1 => {}
            record::TXO if globals.biff8 => {
                if let Some(text) = text_object(stream, &record) {
                    gathered += text.len() + 1;
                    texts.push(text);
                }
            }
            record::STRING => {
                if let Some((row, column)) = formula.take() {
                    let text = globals
                        .string(stream, record.data, record.next, 2)
                        .unwrap_or_default();
                    gathered += push_cell(&mut cells, row, column, text);
                }
            }
            _ => {
                if record.kind == record::FORMULA {
                    formula = None;
                }
                if let Some((row, column, value)) = cell_value(stream, &record, globals) {
                    match value {
                        Value::Text(text) => {
                            gathered += push_cell(&mut cells, row, column, text);
                        }
                        Value::Many(texts) => {
                            for (index, text) in texts.into_iter().enumerate() {
                                let step = u16::try_from(index).unwrap_or(u16::MAX);
                                let column = column.saturating_add(step);
                                gathered += push_cell(&mut cells, row, column, text);
                            }
                        }
                        Value::StringToFollow => formula = Some((row, column)),
                    }
                }
            }
        }
        at = record.next;
        if gathered > limit {
            // The text limit is reached: nothing after is read.
            break stream.len();
        }
    };
    (rows_of(cells, limit), texts, next)
}

/// The most characters a comment or text box holds (MS-XLS `TxO`'s `cchText`).
const MAX_TEXT_OBJECT_CHARS: usize = 32_767;

/// The text of a comment or text box (`TxO`, BIFF8): its `cchText` characters in the `CONTINUE`
/// records after it, each starting with a byte that says whether its characters are 8-bit or
/// UTF-16; the formatting runs after them are not read. None where it has no text; what there
/// is where the records end before it does.
fn text_object(stream: &[u8], txo: &Record<'_>) -> Option<String> {
    let count = usize::from(u16_at(txo.data, 10)?).min(MAX_TEXT_OBJECT_CHARS);
    if count == 0 {
        return None;
    }
    let mut units: Vec<u16> = Vec::with_capacity(count);
    let mut at = txo.next;
    while units.len() < count {
        let Step::Record(record) = record_at(stream, at) else {
            break;
        };
        if record.kind != record::CONTINUE {
            break;
        }
        at = record.next;
        let Some((&flags, chars)) = record.data.split_first() else {
            continue;
        };
        let left = count - units.len();
        if flags & 1 == 1 {
            units.extend(
                chars
                    .chunks_exact(2)
                    .take(left)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
            );
        } else {
            units.extend(chars.iter().take(left).map(|&byte| u16::from(byte)));
        }
    }
    let text = String::from_utf16_lossy(&units);
    // Excel ends a comment's lines with a line feed; CR LF and CR alone are line ends too.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text: String = text
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Adds a cell that has text; returns the bytes it adds to the sheet's text.
fn push_cell(cells: &mut Vec<Cell>, row: u16, column: u16, text: String) -> usize {
    if text.is_empty() {
        return 0;
    }
    let added = text.len() + 1;
    cells.push(Cell { row, column, text });
    added
}

/// The cells as rows, in row and column order (as Excel shows them, whatever order the records
/// are in), each cell placed at its column; rows stop once their text, the empty fields a
/// cell's column puts before it counted too, passes `limit` (cells far to the right in many rows
/// would otherwise make millions of empty fields of a few bytes of text).
fn rows_of(mut cells: Vec<Cell>, limit: usize) -> Vec<Vec<String>> {
    cells.sort_by_key(|cell| (cell.row, cell.column));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut current: Option<u16> = None;
    let mut gathered = 0usize;
    for cell in cells {
        if current != Some(cell.row) {
            if gathered > limit {
                break;
            }
            rows.push(Vec::new());
            current = Some(cell.row);
        }
        if let Some(row) = rows.last_mut() {
            let before = row.len();
            gathered += cell.text.len();
            place(row, Some(usize::from(cell.column)), cell.text);
            gathered += row.len() - before;
        }
    }
    rows
}

/// What a cell record holds.
enum Value {
    Text(String),
    /// Cells in a row from the record's column on (`MULRK`).
    Many(Vec<String>),
    /// A formula whose last result is a string, in the `STRING` record after it.
    StringToFollow,
}

/// The row, column and value of a cell record; none for other records and for a cell record too
/// short to hold its value.
fn cell_value(stream: &[u8], record: &Record<'_>, globals: &Globals) -> Option<(u16, u16, Value)> {
    let data = record.data;
    let (row, column, format) = (u16_at(data, 0)?, u16_at(data, 2)?, u16_at(data, 4)?);
    let value = match record.kind {
        record::LABELSST => {
            let index = usize::try_from(u32_at(data, 6)?).ok()?;
            Value::Text(globals.shared.get(index).cloned().unwrap_or_default())
        }
        record::LABEL | record::RSTRING => {
            Value::Text(globals.string(stream, data.get(6..)?, record.next, 2)?)
        }
        record::NUMBER => {
            let bytes: [u8; 8] = data.get(6..14)?.try_into().ok()?;
            Value::Text(globals.number(f64::from_le_bytes(bytes), format))
        }
        record::RK => Value::Text(globals.number(rk_number(u32_at(data, 6)?), format)),
        record::MULRK => {
            // Each cell's format and RK number, six bytes a cell, then the last column.
            let cells = data.get(4..data.len().checked_sub(2)?)?;
            Value::Many(
                cells
                    .chunks_exact(6)
                    .map(|cell| {
                        let format = u16::from_le_bytes([cell[0], cell[1]]);
                        let rk = u32::from_le_bytes([cell[2], cell[3], cell[4], cell[5]]);
                        globals.number(rk_number(rk), format)
                    })
                    .collect(),
            )
        }
        record::BOOLERR => {
            let (value, is_error) = (*data.get(6)?, *data.get(7)?);
            Value::Text(if is_error != 0 {
                error_text(value).to_owned()
            } else if value != 0 {
                "TRUE".to_owned()
            } else {
                "FALSE".to_owned()
            })
        }
        record::FORMULA => {
            let result = data.get(6..14)?;
            if result[6..8] != [0xFF, 0xFF] {
                let bytes: [u8; 8] = result.try_into().ok()?;
                Value::Text(globals.number(f64::from_le_bytes(bytes), format))
            } else {
                match result[0] {
                    0 => Value::StringToFollow,
                    1 if result[2] != 0 => Value::Text("TRUE".to_owned()),
                    1 => Value::Text("FALSE".to_owned()),
                    2 => Value::Text(error_text(result[2]).to_owned()),
                    _ => Value::Text(String::new()),
                }
            }
        }
        _ => return None,
    };
    Some((row, column, value))
}

/// An RK number: a 30-bit integer or the top 30 bits of a double, divided by 100 where flagged.
fn rk_number(rk: u32) -> f64 {
    let number = if rk & 2 != 0 {
        f64::from((rk as i32) >> 2)
    } else {
        f64::from_bits(u64::from(rk & 0xFFFF_FFFC) << 32)
    };
    if rk & 1 != 0 { number / 100.0 } else { number }
}

/// The text Excel shows for an error value.
fn error_text(code: u8) -> &'static str {
    match code {
        0x00 => "#NULL!",
        0x07 => "#DIV/0!",
        0x0F => "#VALUE!",
        0x17 => "#REF!",
        0x1D => "#NAME?",
        0x24 => "#NUM!",
        0x2A => "#N/A",
        _ => "#ERROR!",
    }
}

/// A number as stored: as short as it reads back the same (`3.25`, `7700900123`), with an
/// exponent where it is very large or very small (`1e300`), rather than hundreds of digits.
fn general(number: f64) -> String {
    if !number.is_finite() {
        return "#NUM!".to_owned();
    }
    let magnitude = number.abs();
    if magnitude != 0.0 && !(1e-9..1e15).contains(&magnitude) {
        return format!("{number:e}");
    }
    format!("{number}")
}

impl Globals {
    /// A number cell's text: a date where its format (`format`, an `XF` index) shows one.
    fn number(&self, number: f64, format: u16) -> String {
        let is_date = self
            .dates
            .get(usize::from(format))
            .copied()
            .unwrap_or(false);
        if is_date && let Some(date) = date_text(number, self.date1904) {
            return date;
        }
        general(number)
    }

    /// The string at the start of `data` (a record's data from the string on), going on into the
    /// `CONTINUE` records from `next` where it is longer: its length in `length_bytes` bytes, then
    /// (BIFF8) its flags and characters, or (BIFF5) its bytes. None where the record is too short
    /// to hold its length; a string cut short is kept as far as it goes.
    fn string(
        &self,
        stream: &[u8],
        data: &[u8],
        next: usize,
        length_bytes: usize,
    ) -> Option<String> {
        let mut pieces = Pieces::new(stream, data, next);
        if self.biff8 {
            return pieces.unicode(length_bytes);
        }
        let length = match length_bytes {
            1 => usize::from(*data.first()?),
            _ => usize::from(u16_at(data, 0)?),
        };
        let bytes = data.get(length_bytes..)?;
        let bytes = bytes.get(..length).unwrap_or(bytes);
        Some((self.decode)(bytes))
    }
}

/// The decoder of a BIFF5 workbook's code page (windows-1252 where it is one not known).
fn decoder(codepage: u16) -> fn(&[u8]) -> String {
    let label = match codepage {
        932 => "shift_jis".to_owned(),
        936 => "gbk".to_owned(),
        949 => "euc-kr".to_owned(),
        950 => "big5".to_owned(),
        10000 | 32768 => "macintosh".to_owned(),
        other => format!("cp{other}"),
    };
    charset_decoder(label.as_bytes())
        .or_else(|| charset_decoder(b"cp1252"))
        .unwrap_or(latin1)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

/// The shared strings, in order, from an `SST` record and the `CONTINUE` records after it.
fn shared_strings(stream: &[u8], sst: &Record<'_>, out: &mut TextOut<'_>) -> Vec<String> {
    // The total and unique counts come first; the strings are read to the end of the records,
    // whatever the counts say.
    let Some(strings) = sst.data.get(8..) else {
        return Vec::new();
    };
    let mut pieces = Pieces::new(stream, strings, sst.next);
    let mut shared = Vec::new();
    while !pieces.at_end() {
        if shared.len() >= MAX_SHARED_STRINGS {
            out.note(format!(
                "the Excel workbook holds more than {MAX_SHARED_STRINGS} shared strings; cells \
                 using the rest are read as empty"
            ));
            break;
        }
        let mut cut = false;
        match pieces.unicode_or_cut(2, &mut cut) {
            Some(text) => shared.push(text),
            None => cut = true,
        }
        if cut {
            out.note(
                "the Excel workbook's shared strings are cut short; cells using the rest are \
                 read as empty",
            );
            break;
        }
    }
    shared
}

/// A record's data and the `CONTINUE` records after it, read as one run of bytes, but for the
/// flags byte that starts a `CONTINUE` record where a string's characters are cut. The
/// `CONTINUE` records are found as they are reached.
struct Pieces<'s> {
    stream: &'s [u8],
    /// The data of the record being read, and where in it; none past the last.
    piece: Option<&'s [u8]>,
    at: usize,
    /// Where the record after it starts.
    next: usize,
}

impl<'s> Pieces<'s> {
    /// `first`, then the data of the `CONTINUE` records from `next` on.
    fn new(stream: &'s [u8], first: &'s [u8], next: usize) -> Self {
        Self {
            stream,
            piece: Some(first),
            at: 0,
            next,
        }
    }

    /// Moves to the start of the next `CONTINUE` record's data (none where the next record is
    /// another).
    fn advance(&mut self) {
        self.at = 0;
        self.piece = match record_at(self.stream, self.next) {
            Step::Record(record) if record.kind == record::CONTINUE => {
                self.next = record.next;
                Some(record.data)
            }
            _ => None,
        };
    }

    /// Whether every byte has been read.
    fn at_end(&mut self) -> bool {
        self.settle();
        self.piece.is_none()
    }

    /// Moves past the end of the current piece (and empty ones) to the next's start.
    fn settle(&mut self) {
        while let Some(piece) = self.piece
            && self.at >= piece.len()
        {
            self.advance();
        }
    }

    fn byte(&mut self) -> Option<u8> {
        self.settle();
        let byte = *self.piece?.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    /// Passes over `count` bytes, across pieces; false where there are fewer.
    fn skip(&mut self, mut count: usize) -> bool {
        while count > 0 {
            self.settle();
            let Some(piece) = self.piece else {
                return false;
            };
            let step = count.min(piece.len() - self.at);
            self.at += step;
            count -= step;
        }
        true
    }

    /// A BIFF8 string (`XLUnicodeString`, or the rich and phonetic `XLUnicodeRichExtendedString`
    /// of the shared strings): its length in `length_bytes` bytes, its flags, its count of
    /// formatting runs and the size of its phonetic block where flagged, its characters (8-bit,
    /// which are Latin-1, or UTF-16), then the runs and the phonetic block, passed over. None
    /// where its header is cut; as far as it goes where its characters are.
    fn unicode(&mut self, length_bytes: usize) -> Option<String> {
        let mut cut = false;
        self.unicode_or_cut(length_bytes, &mut cut)
    }

    /// [`Pieces::unicode`], setting `cut` where the string ran past the last piece.
    fn unicode_or_cut(&mut self, length_bytes: usize, cut: &mut bool) -> Option<String> {
        let length = match length_bytes {
            1 => usize::from(self.byte()?),
            _ => usize::from(self.u16()?),
        };
        let flags = self.byte()?;
        let runs = if flags & 0x08 != 0 {
            usize::from(self.u16()?)
        } else {
            0
        };
        let phonetic = if flags & 0x04 != 0 {
            usize::try_from(self.u32()?).unwrap_or(usize::MAX)
        } else {
            0
        };
        let mut units: Vec<u16> = Vec::with_capacity(length);
        let mut wide = flags & 0x01 != 0;
        while units.len() < length {
            let Some(piece) = self.piece else {
                *cut = true;
                break;
            };
            let rest = piece.get(self.at..).unwrap_or_default();
            let wanted = length - units.len();
            if wide {
                let taken = wanted.min(rest.len() / 2);
                units.extend(
                    rest[..taken * 2]
                        .chunks_exact(2)
                        .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
                );
                self.at += taken * 2;
            } else {
                let taken = wanted.min(rest.len());
                units.extend(rest[..taken].iter().map(|&byte| u16::from(byte)));
                self.at += taken;
            }
            if units.len() < length {
                // The characters go on in the next piece, which starts with their flags byte
                // (an odd byte left where a UTF-16 character would not fit is passed over).
                self.advance();
                match self.piece.and_then(|piece| piece.first()) {
                    Some(&next_flags) => {
                        wide = next_flags & 0x01 != 0;
                        self.at = 1;
                    }
                    None => {
                        *cut = true;
                        break;
                    }
                }
            }
        }
        let text: String = char::decode_utf16(units)
            .map(|decoded| decoded.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        // The runs and the phonetic block go on across pieces with no flags byte.
        if !*cut {
            let passed = self.skip(runs.saturating_mul(4)) && self.skip(phonetic);
            *cut = !passed;
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rk_numbers_are_whole_numbers_or_doubles_and_hundredths() {
        assert_eq!(rk_number((7 << 2) | 2), 7.0);
        assert_eq!(rk_number(((-5i32 << 2) | 2) as u32), -5.0);
        assert_eq!(rk_number((1234 << 2) | 3), 12.34);
        assert_eq!(rk_number(0x405E_C000), 123.0);
        assert_eq!(rk_number(0x405E_C001), 1.23);
    }

    #[test]
    fn numbers_read_back_the_same_without_hundreds_of_digits() {
        assert_eq!(general(3.25), "3.25");
        assert_eq!(general(7_700_900_123.0), "7700900123");
        assert_eq!(general(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(general(1e300), "1e300");
        assert_eq!(general(-2.5e-12), "-2.5e-12");
        assert_eq!(general(f64::NAN), "#NUM!");
    }

    /// A cell far to the right in each of many rows: the empty fields before each count towards
    /// the limit, so that a few bytes of cells do not make millions of fields.
    #[test]
    fn rows_stop_at_the_limit_counting_the_empty_fields_before_a_cell() {
        let cells: Vec<Cell> = (0..10_000u16)
            .map(|row| Cell {
                row,
                column: 1_000,
                text: "x".to_owned(),
            })
            .collect();
        let rows = rows_of(cells, 4_000);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].len(), 1_001);
        assert_eq!(rows[0][1_000], "x");
        // Out of order, and one cell whose place is taken: placed after the row's last.
        let cell = |row, column, text: &str| Cell {
            row,
            column,
            text: text.to_owned(),
        };
        let rows = rows_of(
            vec![
                cell(2, 0, "c"),
                cell(0, 1, "b"),
                cell(0, 0, "a"),
                cell(0, 1, "d"),
            ],
            1_000,
        );
        assert_eq!(rows, [vec!["a", "b", "d"], vec!["c"]]);
    }
}

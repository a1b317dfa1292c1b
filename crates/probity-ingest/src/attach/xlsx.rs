//! XLSX: an Excel workbook, read sheet by sheet (hidden ones too: hiding a sheet hides nothing
//! from its reader) in the workbook's order, each under a line naming it (`[sheet NAME]`), then
//! its cell comments and the text of its text boxes and shapes.
//!
//! A sheet is written as comma-separated rows, as Excel saves one as CSV (a cell holding a
//! comma, a quote or a line break quoted, RFC 4180), so that a table of people reads as the
//! spreadsheet export it is: the privacy masking and the bulk personal data count read its
//! heading row and the cells under it. A cell's text is what Excel shows as far as text goes:
//! its shared or inline string, a formula's last result, `TRUE`/`FALSE`, and a number as stored,
//! but a number in a date format as the date (`14/03/1987`), since a date of birth stored as a
//! number (`31850`) would otherwise be no date to anything reading the text. Rows are written
//! to the width of the sheet's widest row (Excel leaves empty cells out), and cells are placed
//! at their column up to [`MAX_PADDED_COLUMNS`].

use chrono::{Duration, NaiveDate};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::TextOut;
use super::zip::{Archive, entity_text, markup_text, numbered_parts, read_part};

const SHARED_STRINGS: &str = "xl/sharedStrings.xml";
const STYLES: &str = "xl/styles.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";

/// Columns a cell is placed at by its reference, empty cells written before it; a cell further
/// right follows the row's last without the empty ones between (a cell in column XFD would
/// otherwise write sixteen thousand commas).
const MAX_PADDED_COLUMNS: usize = 1_024;

/// Most shared strings kept: Excel's own limit on unique strings is far below this, and each
/// costs memory whether or not a cell uses it.
const MAX_SHARED_STRINGS: usize = 1_000_000;

/// Most cell formats read from the styles.
const MAX_CELL_FORMATS: usize = 65_536;

/// The latest date serial read as a date (31/12/9999).
const MAX_DATE_SERIAL: f64 = 2_958_465.0;

/// Reads an opened workbook's text into `out`; `budget` is what may still be inflated.
pub(super) fn read(archive: &mut Archive<'_>, budget: &mut u64, out: &mut TextOut<'_>) {
    let shared = match archive.index_for_name(SHARED_STRINGS) {
        Some(_) => read_part(archive, SHARED_STRINGS, budget, out)
            .map(|xml| shared_strings(&xml, out))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let dates = match archive.index_for_name(STYLES) {
        Some(_) => read_part(archive, STYLES, budget, out)
            .map(|xml| date_formats(&xml))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let workbook = read_part(archive, super::zip::WORKBOOK_PART, budget, out)
        .map(|xml| workbook(&xml))
        .unwrap_or_default();
    let targets = match archive.index_for_name(WORKBOOK_RELS) {
        Some(_) => read_part(archive, WORKBOOK_RELS, budget, out)
            .map(|xml| relationships(&xml))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut sheets: Vec<(String, String)> = workbook
        .sheets
        .iter()
        .filter_map(|(name, id)| {
            let target = targets.iter().find(|(rel, _)| rel == id)?;
            Some((name.clone(), super::zip::part_path("xl", &target.1)))
        })
        .filter(|(_, path)| archive.index_for_name(path).is_some())
        .collect();
    if sheets.is_empty() {
        // No workbook to name them: every worksheet, in the order of their numbers.
        sheets = numbered_parts(archive, "xl/worksheets/")
            .into_iter()
            .map(|path| {
                let name = path
                    .trim_start_matches("xl/worksheets/")
                    .trim_end_matches(".xml")
                    .to_owned();
                (name, path)
            })
            .collect();
    }
    let format = Format {
        shared: &shared,
        dates: &dates,
        date1904: workbook.date1904,
    };
    for (index, (name, path)) in sheets.iter().enumerate() {
        if out.is_full() || out.out_of_time(&format!("before sheet {name}")) {
            return;
        }
        let Some(xml) = read_part(archive, path, budget, out) else {
            continue;
        };
        if index > 0 {
            out.push("\n");
        }
        out.push("[sheet ");
        out.push(name);
        out.push("]\n");
        if let Err(error) = sheet_text(&xml, &format, out) {
            out.note(format!(
                "sheet {name} is damaged ({error}); text read up to there"
            ));
        }
    }
    // Comments and the text of shapes and text boxes, after the sheets.
    let mut extra: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| {
            let comments = name.starts_with("xl/comments") && !name.contains("/_rels/");
            let drawing = name.starts_with("xl/drawings/") && !name.contains("/_rels/");
            (comments || drawing) && name.ends_with(".xml")
        })
        .map(|name| name.into_owned())
        .collect();
    extra.sort();
    for part in extra {
        if out.is_full() || out.out_of_time(&format!("before {part}")) {
            return;
        }
        let Some(xml) = read_part(archive, &part, budget, out) else {
            continue;
        };
        out.push("\n");
        if let Err(error) = markup_text(&xml, out) {
            out.note(format!(
                "{part} is damaged ({error}); text read up to there"
            ));
        }
    }
}

/// What a cell's text is read with.
struct Format<'a> {
    shared: &'a [String],
    /// Which cell formats (by their index, a cell's `s`) show a number as a date.
    dates: &'a [bool],
    /// Whether date serials count from 1904 (old Mac workbooks) rather than 1900.
    date1904: bool,
}

/// The shared strings, in order: each `si`'s text runs, its phonetic guides (`rPh`) left out.
fn shared_strings(xml: &str, out: &mut TextOut<'_>) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut strings = Vec::new();
    let mut current = String::new();
    let (mut in_text, mut in_phonetic) = (false, false);
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                out.note(format!(
                    "{SHARED_STRINGS} is damaged (XML error near byte {}: {error}); the strings \
                     before the damage are read",
                    reader.buffer_position()
                ));
                break;
            }
        };
        match event {
            Event::Start(start) => match start.local_name().as_ref() {
                "si" => current.clear(),
                "rPh" => in_phonetic = true,
                "t" => in_text = !in_phonetic,
                _ => {}
            },
            Event::Empty(empty) if empty.local_name().as_ref() == "si" => {
                strings.push(String::new());
            }
            Event::End(end) => match end.local_name().as_ref() {
                "si" => strings.push(std::mem::take(&mut current)),
                "rPh" => in_phonetic = false,
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(text) if in_text => current.push_str(&text.xml10_content()),
            Event::CData(data) if in_text => current.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) if in_text => current.push_str(&entity_text(&reference)),
            Event::Eof => break,
            _ => {}
        }
        if strings.len() >= MAX_SHARED_STRINGS {
            out.note(format!(
                "{SHARED_STRINGS} holds more than {MAX_SHARED_STRINGS} strings; cells using \
                 the rest are read as empty"
            ));
            break;
        }
    }
    strings
}

/// For each cell format (`cellXfs`), whether it shows numbers as dates: a built-in date format,
/// or a custom one whose code has a day or a year in it.
fn date_formats(xml: &str) -> Vec<bool> {
    let mut reader = Reader::from_str(xml);
    let mut custom_dates: Vec<u32> = Vec::new();
    let mut formats = Vec::new();
    let mut in_cell_formats = false;
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(element) | Event::Empty(element) => match element.local_name().as_ref() {
                "numFmt" => {
                    let id = attribute(&element, "numFmtId").and_then(|id| id.parse().ok());
                    let code = attribute(&element, "formatCode").unwrap_or_default();
                    if let Some(id) = id
                        && is_date_code(&code)
                    {
                        custom_dates.push(id);
                    }
                }
                "cellXfs" => in_cell_formats = true,
                "xf" if in_cell_formats && formats.len() < MAX_CELL_FORMATS => {
                    let id: u32 = attribute(&element, "numFmtId")
                        .and_then(|id| id.parse().ok())
                        .unwrap_or(0);
                    formats.push(is_builtin_date(id) || custom_dates.contains(&id));
                }
                _ => {}
            },
            Event::End(end) if end.local_name().as_ref() == "cellXfs" => in_cell_formats = false,
            Event::Eof => break,
            _ => {}
        }
    }
    formats
}

/// Excel's built-in number formats that show a date (ECMA-376 part 1, 18.8.30, with the East
/// Asian ones; the same numbers in Excel 97–2003 workbooks).
pub(super) fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=17 | 22 | 27..=36 | 50..=58)
}

/// Whether a format code shows a date: a day or year part outside quoted text, escapes and
/// brackets (`[$-809]dd mmmm yyyy`, `d/m/yy`), not a time or number alone.
pub(super) fn is_date_code(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for quoted in chars.by_ref() {
                    if quoted == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for bracketed in chars.by_ref() {
                    if bracketed == ']' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            'd' | 'D' | 'y' | 'Y' => return true,
            _ => {}
        }
    }
    false
}

/// What the workbook says of its sheets.
#[derive(Debug, Default)]
struct Workbook {
    /// Each sheet's name and relationship id, in the workbook's order.
    sheets: Vec<(String, String)>,
    date1904: bool,
}

fn workbook(xml: &str) -> Workbook {
    let mut reader = Reader::from_str(xml);
    let mut book = Workbook::default();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(element) | Event::Empty(element) => match element.local_name().as_ref() {
                "workbookPr" => {
                    book.date1904 = attribute(&element, "date1904")
                        .is_some_and(|value| value == "1" || value.eq_ignore_ascii_case("true"));
                }
                "sheet" => {
                    let name = attribute(&element, "name").unwrap_or_default();
                    if let Some(id) = attribute(&element, "id") {
                        book.sheets.push((name, id));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    book
}

/// Each relationship's id and target.
fn relationships(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(element) | Event::Empty(element)
                if element.local_name().as_ref() == "Relationship" =>
            {
                if let (Some(id), Some(target)) =
                    (attribute(&element, "Id"), attribute(&element, "Target"))
                {
                    found.push((id, target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    found
}

/// The value of the attribute whose local name is `name`, its references resolved.
pub(super) fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == name)
        .map(
            |attribute| match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(value) => value.into_owned(),
                Err(_) => attribute.value.clone().into_owned(),
            },
        )
}

/// One cell being read.
#[derive(Default)]
struct Cell {
    column: Option<usize>,
    kind: String,
    style: usize,
    value: String,
}

/// A sheet's rows as CSV lines. The rows are gathered first (up to the text limit), so that each
/// is written to the width of the widest.
fn sheet_text(xml: &str, format: &Format<'_>, out: &mut TextOut<'_>) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<Cell> = None;
    let (mut in_value, mut in_phonetic) = (false, false);
    let mut gathered = 0usize;
    let limit = out.limits.max_attachment_text_bytes;
    let mut result = Ok(());
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                result = Err(format!(
                    "XML error near byte {}: {error}",
                    reader.buffer_position()
                ));
                break;
            }
        };
        match event {
            Event::Start(element) => match element.local_name().as_ref() {
                "row" => row.clear(),
                "c" => cell = Some(cell_of(&element)),
                "v" => in_value = true,
                "t" => in_value = cell.is_some() && !in_phonetic,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::End(element) => match element.local_name().as_ref() {
                "v" | "t" => in_value = false,
                "rPh" => in_phonetic = false,
                "c" => {
                    if let Some(done) = cell.take() {
                        place(&mut row, done.column, cell_text(&done, format));
                    }
                }
                "row" => {
                    // A cell with nothing in it (formatted, or carrying a comment) is no field.
                    while row.last().is_some_and(String::is_empty) {
                        row.pop();
                    }
                    if !row.is_empty() {
                        gathered += row.iter().map(|field| field.len() + 1).sum::<usize>();
                        rows.push(std::mem::take(&mut row));
                    }
                    if gathered > limit {
                        break;
                    }
                }
                _ => {}
            },
            Event::Text(text) if in_value => {
                if let Some(cell) = cell.as_mut() {
                    cell.value.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) if in_value => {
                if let Some(cell) = cell.as_mut() {
                    cell.value.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) if in_value => {
                if let Some(cell) = cell.as_mut() {
                    cell.value.push_str(&entity_text(&reference));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A row the damage cut short is kept as far as it was read.
    if row.iter().any(|field| !field.is_empty()) {
        rows.push(row);
    }
    write_rows(rows, out);
    result
}

/// A table's rows as CSV lines, each to the width of the widest.
pub(super) fn write_rows(rows: Vec<Vec<String>>, out: &mut TextOut<'_>) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut line = String::new();
    for mut row in rows {
        if out.is_full() {
            return;
        }
        row.resize(width, String::new());
        line.clear();
        for (index, field) in row.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            push_csv_field(&mut line, field);
        }
        line.push('\n');
        out.push(&line);
    }
}

/// A date as it is written in the UK, `dd/mm/yyyy`.
pub(super) fn uk_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn cell_of(element: &BytesStart<'_>) -> Cell {
    // One pass over the attributes, their values as written: a reference, a type and a style
    // index hold no character references.
    let mut cell = Cell::default();
    for attribute in element.attributes().flatten() {
        match attribute.key.local_name().as_ref() {
            "r" => cell.column = column_of(&attribute.value),
            "t" => cell.kind = attribute.value.into_owned(),
            "s" => cell.style = attribute.value.parse().unwrap_or(0),
            _ => {}
        }
    }
    cell
}

/// The column (0 for A) of a cell reference such as `C12`; none where it has no letters or more
/// than three (past XFD).
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut column = 0usize;
    for letter in letters {
        column = column * 26 + usize::from(letter.to_ascii_uppercase() - b'A') + 1;
    }
    Some(column - 1)
}

/// Puts `text` in `row` at `column` (empty cells written before it), or after the row's last
/// cell where its column is unknown, already taken or past [`MAX_PADDED_COLUMNS`].
pub(super) fn place(row: &mut Vec<String>, column: Option<usize>, text: String) {
    match column {
        Some(column) if column >= row.len() && column < MAX_PADDED_COLUMNS => {
            row.resize(column, String::new());
            row.push(text);
        }
        _ => row.push(text),
    }
}

/// The text Excel shows for a cell, as far as text goes.
fn cell_text(cell: &Cell, format: &Format<'_>) -> String {
    let value = cell.value.trim();
    match cell.kind.as_str() {
        "s" => value
            .parse::<usize>()
            .ok()
            .and_then(|index| format.shared.get(index))
            .cloned()
            .unwrap_or_default(),
        "b" => match value {
            "1" => "TRUE".to_owned(),
            "0" => "FALSE".to_owned(),
            other => other.to_owned(),
        },
        "inlineStr" | "str" | "e" | "d" => cell.value.clone(),
        _ => number_text(
            value,
            format.dates.get(cell.style).copied().unwrap_or(false),
            format,
        ),
    }
}

/// A stored number as shown: a date serial in a date format as `dd/mm/yyyy`, a whole number
/// written with an exponent (`4.477009E+10`) in full, anything else as stored.
fn number_text(value: &str, is_date: bool, format: &Format<'_>) -> String {
    let Ok(number) = value.parse::<f64>() else {
        return value.to_owned();
    };
    if is_date && let Some(date) = date_text(number, format.date1904) {
        return date;
    }
    if value.contains(['e', 'E']) && number.fract() == 0.0 && number.abs() < 1e15 {
        return format!("{number:.0}");
    }
    value.to_owned()
}

/// A date serial as the day it shows, `dd/mm/yyyy`; none outside 1 to [`MAX_DATE_SERIAL`] (a
/// time of day alone, a negative number).
pub(super) fn date_text(serial: f64, date1904: bool) -> Option<String> {
    if !(1.0..=MAX_DATE_SERIAL).contains(&serial) {
        return None;
    }
    date_of(serial, date1904).map(uk_date)
}

/// The day of a date serial: days since 1 January 1904, or in the 1900 system since 30 December
/// 1899, but for the serials before 1 March 1900, which Excel counts as if 1900 were a leap year.
fn date_of(serial: f64, date1904: bool) -> Option<NaiveDate> {
    let days = serial.floor();
    let (base, days) = if date1904 {
        (NaiveDate::from_ymd_opt(1904, 1, 1)?, days)
    } else if days < 61.0 {
        (NaiveDate::from_ymd_opt(1899, 12, 31)?, days)
    } else {
        (NaiveDate::from_ymd_opt(1899, 12, 30)?, days)
    };
    // Whole and at most MAX_DATE_SERIAL, so the conversion is exact.
    base.checked_add_signed(Duration::days(days as i64))
}

/// Writes `field` as a CSV field: quoted, its quotes doubled, where it holds a comma, a quote or
/// a line break.
pub(super) fn push_csv_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_from_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("Z9"), Some(25));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("XFD1048576"), Some(16_383));
        assert_eq!(column_of("12"), None);
        assert_eq!(column_of("ABCD1"), None);
    }

    #[test]
    fn date_serials_are_the_days_excel_shows() {
        let date = |serial, date1904| date_of(serial, date1904).map(|d| d.to_string());
        assert_eq!(date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(date(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(date(31_850.0, false).as_deref(), Some("1987-03-14"));
        assert_eq!(date(31_850.75, false).as_deref(), Some("1987-03-14"));
        assert_eq!(date(30_388.0, true).as_deref(), Some("1987-03-14"));
    }

    #[test]
    fn date_format_codes_are_told_from_others() {
        for code in [
            "dd/mm/yyyy",
            "d-mmm-yy",
            "[$-809]dd mmmm yyyy",
            "yyyy-mm-dd hh:mm",
        ] {
            assert!(is_date_code(code), "{code}");
        }
        for code in [
            "0.00",
            "#,##0",
            "hh:mm:ss",
            "mm:ss",
            "\"day\" 0",
            "[Red]0.0",
            "0\\d",
        ] {
            assert!(!is_date_code(code), "{code}");
        }
        assert!(is_builtin_date(14) && is_builtin_date(22) && !is_builtin_date(2));
    }
}

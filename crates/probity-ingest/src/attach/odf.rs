//! OpenDocument (ODT, ODS, ODP, as LibreOffice and others write them): the text of
//! `content.xml`, paragraphs and headings as lines, tables as comma-separated rows.
//!
//! A spreadsheet's tables are sheets, each under a line naming it (`[sheet NAME]`) and written
//! as [`super::xlsx`] writes a sheet: CSV rows to the width of the widest, a date cell as
//! `dd/mm/yyyy`, a cell repeated (`table:number-columns-repeated`) written as often as it is
//! repeated up to [`MAX_COLUMNS`] columns. A table in a text document is written the same way,
//! without the line. Annotations (comments) and the text of frames and shapes are read where
//! they stand.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::TextOut;
use super::xlsx::{attribute, uk_date, write_rows};
use super::zip::{Archive, entity_text, read_part};

/// The part holding the document's content.
pub(super) const CONTENT_PART: &str = "content.xml";

/// The part naming the document's type.
pub(super) const MIMETYPE_PART: &str = "mimetype";

/// The type every OpenDocument file's `mimetype` part starts with.
pub(super) const MIMETYPE_PREFIX: &[u8] = b"application/vnd.oasis.opendocument";

/// Columns a row is written to: a cell repeated to the sheet's last column (LibreOffice writes
/// an empty one so) is written only up to here.
const MAX_COLUMNS: usize = 1_024;

/// Most spaces one `text:s` stands for.
const MAX_SPACES: usize = 64;

/// Reads an opened OpenDocument file's content into `out`; `budget` is what may still be
/// inflated.
pub(super) fn read(archive: &mut Archive<'_>, budget: &mut u64, out: &mut TextOut<'_>) {
    let Some(xml) = read_part(archive, CONTENT_PART, budget, out) else {
        return;
    };
    if let Err(error) = content_text(&xml, out) {
        out.note(format!(
            "{CONTENT_PART} is damaged ({error}); text read up to there"
        ));
    }
}

/// A table being read (only the outermost of tables inside tables is laid out).
#[derive(Default)]
struct TableState {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    /// The cell being read: its text, how many times it is repeated, and its date.
    cell: Option<(String, usize, Option<String>)>,
}

fn content_text(xml: &str, out: &mut TextOut<'_>) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut in_spreadsheet = false;
    let mut table: Option<TableState> = None;
    // Tables inside the table being laid out, whose text goes into its cell.
    let mut inner_tables = 0usize;
    let mut gathered = 0usize;
    let limit = out.limits.max_attachment_text_bytes;
    loop {
        if out.is_full() {
            return Ok(());
        }
        let event = reader.read_event().map_err(|error| {
            format!("XML error near byte {}: {error}", reader.buffer_position())
        })?;
        match event {
            Event::Start(element) => match element.local_name().as_ref() {
                "spreadsheet" => in_spreadsheet = true,
                "table" if table.is_some() => inner_tables += 1,
                "table" => {
                    if in_spreadsheet {
                        let name = attribute(&element, "name").unwrap_or_default();
                        out.push(&format!("[sheet {name}]\n"));
                    }
                    table = Some(TableState::default());
                }
                "table-row" if inner_tables == 0 => {
                    if let Some(table) = table.as_mut() {
                        table.row.clear();
                    }
                }
                "table-cell" | "covered-table-cell" if inner_tables == 0 => {
                    if let Some(table) = table.as_mut() {
                        table.cell = Some((String::new(), repeats(&element), date_of(&element)));
                    }
                }
                _ => {}
            },
            Event::Empty(element) => match element.local_name().as_ref() {
                "table-cell" | "covered-table-cell" if inner_tables == 0 => {
                    if let Some(table) = table.as_mut() {
                        let text = date_of(&element).unwrap_or_default();
                        place(&mut table.row, text, repeats(&element));
                    }
                }
                "s" => {
                    let count = attribute(&element, "c")
                        .and_then(|count| count.parse::<usize>().ok())
                        .unwrap_or(1)
                        .min(MAX_SPACES);
                    put(&" ".repeat(count), &mut table, out);
                }
                "tab" => put("\t", &mut table, out),
                "line-break" => put("\n", &mut table, out),
                _ => {}
            },
            Event::End(element) => match element.local_name().as_ref() {
                "p" | "h" => put("\n", &mut table, out),
                "table" if inner_tables > 0 => inner_tables -= 1,
                "table" => {
                    if let Some(done) = table.take() {
                        write_rows(done.rows, out);
                    }
                    gathered = 0;
                }
                "table-cell" | "covered-table-cell" if inner_tables == 0 => {
                    if let Some(table) = table.as_mut()
                        && let Some((text, count, date)) = table.cell.take()
                    {
                        let text = date.unwrap_or_else(|| text.trim_end_matches('\n').to_owned());
                        place(&mut table.row, text, count);
                    }
                }
                "table-row" if inner_tables == 0 => {
                    if let Some(table) = table.as_mut() {
                        while table.row.last().is_some_and(String::is_empty) {
                            table.row.pop();
                        }
                        if !table.row.is_empty() && gathered <= limit {
                            let row = std::mem::take(&mut table.row);
                            gathered += row.iter().map(|field| field.len() + 1).sum::<usize>();
                            table.rows.push(row);
                        }
                    }
                }
                "spreadsheet" => in_spreadsheet = false,
                _ => {}
            },
            Event::Text(text) => put(&text.xml10_content(), &mut table, out),
            Event::CData(data) => put(&data.xml10_content(), &mut table, out),
            Event::GeneralRef(reference) => put(&entity_text(&reference), &mut table, out),
            Event::Eof => {
                // A table the damage or the end cut short is written as far as it was read.
                if let Some(done) = table.take() {
                    write_rows(done.rows, out);
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

/// How many columns a cell stands for (at most [`MAX_COLUMNS`]).
fn repeats(element: &BytesStart<'_>) -> usize {
    attribute(element, "number-columns-repeated")
        .and_then(|count| count.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_COLUMNS)
}

/// A date cell's date (`office:date-value`, ISO 8601) as `dd/mm/yyyy`.
fn date_of(element: &BytesStart<'_>) -> Option<String> {
    let value = attribute(element, "date-value")?;
    let day = value.get(..10)?;
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(uk_date(date))
}

/// Puts `count` copies of `text` at the end of `row`, which grows to [`MAX_COLUMNS`] at most.
fn place(row: &mut Vec<String>, text: String, count: usize) {
    let room = MAX_COLUMNS.saturating_sub(row.len());
    let count = count.min(room);
    if count == 0 {
        return;
    }
    row.extend(std::iter::repeat_n(text, count));
}

/// Text for the document, or for the cell being read where a table is (text between a table's
/// cells is white space, and is dropped).
fn put(piece: &str, table: &mut Option<TableState>, out: &mut TextOut<'_>) {
    match table {
        Some(table) => {
            if let Some((text, _, _)) = table.cell.as_mut() {
                text.push_str(piece);
            }
        }
        None => out.push(piece),
    }
}

//! Excel 97–2003 workbooks (`.xls`): one written by xlwt (`tests/fixtures/attach/make_xls.py`),
//! one saved by Excel 2007 (`embedded-simple-2007.xls`, from oletools' tests), an encrypted one
//! (`encrypted.xls`, the same) and one of formulas (`formula_test_sjmachin.xls`, from xlrd's),
//! workbooks built here record by record for what those do not
//! hold (a string whose characters change width across a `CONTINUE` record, formula results,
//! Excel 5's `Book` stream), and ones cut short or changed, read as an attachment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read, Write};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

/// Written by xlwt: a sheet of 30 invented people (the same as `nominals.xlsx`), and a hidden
/// sheet with a statement and a line of Polish longer than a record, then three numbers.
const NOMINALS_XLS: &[u8] = include_bytes!("fixtures/attach/nominals.xls");
/// The same people as openpyxl writes them.
const NOMINALS_XLSX: &[u8] = include_bytes!("fixtures/attach/nominals.xlsx");
/// Saved by Excel 2007 as Excel 97-2003: two lines of text and an embedded object.
const EMBEDDED_SIMPLE_XLS: &[u8] = include_bytes!("fixtures/attach/embedded-simple-2007.xls");
/// Saved by Excel with a password to open it.
const ENCRYPTED_XLS: &[u8] = include_bytes!("fixtures/attach/encrypted.xls");
/// Saved by Excel, from xlrd's tests: formulas whose last results are a number, strings (Russian
/// among them), an empty string, a boolean and an error.
/// `nominals.xlsx` saved as Excel 97–2003 by LibreOffice (7.4): its cell comment is a note
/// object with its text in a `TXO` record and the `CONTINUE` records after it.
const COMMENTED_XLS: &[u8] = include_bytes!("fixtures/attach/commented.xls");
const FORMULA_XLS: &[u8] = include_bytes!("fixtures/attach/formula_test_sjmachin.xls");

const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/vnd.ms-excel"),
        name: Some("workbook.xls"),
        charset: None,
    };
    extract_text(&input, limits)
}

/// The part of `text` from `[sheet NAME]` to the next sheet's line (or the end).
fn sheet<'t>(text: &'t str, name: &str) -> &'t str {
    let start = text
        .find(&format!("[sheet {name}]\n"))
        .unwrap_or_else(|| panic!("no sheet {name} in {text}"));
    let rest = &text[start..];
    match rest[1..].find("\n[sheet ") {
        Some(end) => rest[..end + 1].trim_end(),
        None => rest.trim_end(),
    }
}

#[test]
fn a_table_of_people_reads_as_the_same_table_saved_as_xlsx_does() {
    let got = read(NOMINALS_XLS, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.unwrap();
    assert!(
        text.starts_with(
            "[sheet Nominals]\n\
             Name,Date of birth,Address,Postcode,Phone\n\
             \"HARRIS, Nicola\",01/01/1960,\"10 Mill Lane, Newtown\",NT1 0AB,07700 900000\n\
             \"OKAFOR, Agnieszka\",08/02/1961,\"11 Station Road, Newtown\",NT2 1AB,07700 900001\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\"MURPHY, Imran\",08/06/1989,\"39 High Street, Newtown\",NT3 9AB,07700 900029\n\n[sheet Notes]\n"),
        "{text}"
    );
    let xlsx = read(NOMINALS_XLSX, &Limits::default()).text.unwrap();
    assert_eq!(sheet(&text, "Nominals"), sheet(&xlsx, "Nominals"));
}

/// A cell comment is read after its sheet's rows, under a line naming it.
#[test]
fn cell_comments_are_read_after_their_sheet() {
    let got = read(COMMENTED_XLS, &Limits::default());
    let text = got.text.unwrap_or_default();
    let nominals = sheet(&text, "Nominals");
    assert!(
        nominals.ends_with(
            "\n[comments and text boxes of sheet Nominals]\n\
             Pulled from the custody system for my mate"
        ),
        "{nominals}"
    );
    assert!(text.contains(ABUSE), "{text}");
}

/// A text object's characters go on across `CONTINUE` records, each saying whether its own are
/// 8-bit or UTF-16; the formatting runs after them are not read; one whose records stop short
/// keeps what there is.
#[test]
fn text_objects_across_continue_records_are_read() {
    let txo = |chars: u16| {
        let mut data = vec![0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        data.extend(chars.to_le_bytes());
        data.extend([0x10, 0, 0, 0, 0, 0]);
        biff::record(0x01B6, &data)
    };
    let mut first = vec![0x00];
    first.extend(b"Call ");
    let mut second = vec![0x01];
    second.extend("Łukasz".encode_utf16().flat_map(u16::to_le_bytes));
    let runs = biff::record(0x003C, &[0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0]);
    let sheet_records = [
        txo(11),
        biff::record(0x003C, &first),
        biff::record(0x003C, &second),
        runs,
        txo(40),
        biff::record(0x003C, b"\x00Cut short"),
    ];
    let stream = biff::workbook(true, &[], &[("Sheet1", sheet_records.to_vec())]);
    let got = read(&compound("/Workbook", &stream), &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("[sheet Sheet1]\n[comments and text boxes of sheet Sheet1]\nCall Łukasz\nCut short"),
        "{got:?}"
    );
}

#[test]
fn strings_longer_than_a_record_go_on_in_its_continue_records() {
    let text = read(NOMINALS_XLS, &Limits::default()).text.unwrap();
    // As make_xls.py writes them: the statement is 8-bit across two records, the Polish UTF-16.
    let statement: String = (0..200)
        .map(|i| format!("Line {i}: I was on duty at the front counter. "))
        .collect::<String>()
        + ABUSE;
    let polish = "Zażółć gęślą jaźń. ".repeat(250);
    assert_eq!(
        sheet(&text, "Notes"),
        format!("[sheet Notes]\n\"{statement}\",,\n{polish},,\n3.25,42,TRUE")
    );
}

/// BIFF records, written as Excel writes them.
mod biff {
    pub fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    pub fn bof(biff8: bool, kind: u16) -> Vec<u8> {
        let mut data = if biff8 { 0x0600u16 } else { 0x0500 }
            .to_le_bytes()
            .to_vec();
        data.extend(kind.to_le_bytes());
        data.resize(if biff8 { 16 } else { 8 }, 0);
        record(0x0809, &data)
    }

    pub fn eof() -> Vec<u8> {
        record(0x000A, &[])
    }

    /// A BIFF8 string: its length in `length_bytes` bytes, flags, characters (8-bit where they
    /// all fit).
    pub fn unicode(text: &str, length_bytes: usize) -> Vec<u8> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut out = (units.len() as u16).to_le_bytes()[..length_bytes].to_vec();
        if units.iter().all(|&unit| unit < 0x100) {
            out.push(0);
            out.extend(units.iter().map(|&unit| unit as u8));
        } else {
            out.push(1);
            out.extend(units.iter().flat_map(|unit| unit.to_le_bytes()));
        }
        out
    }

    pub fn cell(kind: u16, row: u16, column: u16, format: u16, rest: &[u8]) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(column.to_le_bytes());
        data.extend(format.to_le_bytes());
        data.extend(rest);
        record(kind, &data)
    }

    /// A workbook stream: the globals records, the sheets' names (a BOUNDSHEET each, BIFF8 or
    /// BIFF5 as `biff8` says), then each sheet's records between a BOF and an EOF.
    pub fn workbook(biff8: bool, globals: &[Vec<u8>], sheets: &[(&str, Vec<Vec<u8>>)]) -> Vec<u8> {
        let name = |name: &str| {
            if biff8 {
                unicode(name, 1)
            } else {
                // Latin-1, which windows-1252 is for the names written here.
                let mut out = vec![name.chars().count() as u8];
                out.extend(name.chars().map(|c| c as u8));
                out
            }
        };
        let boundsheet = |offset: u32, sheet: &str| {
            let mut data = offset.to_le_bytes().to_vec();
            data.extend([0, 0]);
            data.extend(name(sheet));
            record(0x0085, &data)
        };
        let mut head = bof(biff8, 0x0005);
        for record in globals {
            head.extend(record);
        }
        let names_len: usize = sheets
            .iter()
            .map(|(sheet, _)| boundsheet(0, sheet).len())
            .sum();
        let mut offset = head.len() + names_len + eof().len();
        let mut bodies = Vec::new();
        for (sheet, records) in sheets {
            head.extend(boundsheet(offset as u32, sheet));
            let mut body = bof(biff8, 0x0010);
            for record in records {
                body.extend(record);
            }
            body.extend(eof());
            offset += body.len();
            bodies.push(body);
        }
        head.extend(eof());
        for body in bodies {
            head.extend(body);
        }
        head
    }
}

/// A compound file holding `stream` as `name`.
fn compound(name: &str, stream: &[u8]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream(name).unwrap().write_all(stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// The Workbook stream of a compound file.
fn workbook_stream(bytes: &[u8]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut stream = Vec::new();
    file.open_stream("/Workbook")
        .unwrap()
        .read_to_end(&mut stream)
        .unwrap();
    stream
}

/// A shared string table whose first string is cut across a CONTINUE record in its characters,
/// which go on UTF-16 after being 8-bit, and whose second has formatting runs and a phonetic
/// block that go on across the next CONTINUE record; then a third string.
fn shared_strings_across_records() -> Vec<Vec<u8>> {
    let mut sst = 3u32.to_le_bytes().to_vec();
    sst.extend(3u32.to_le_bytes());
    // "Name: Łukasz" — 12 characters, the first six 8-bit here.
    sst.extend(12u16.to_le_bytes());
    sst.push(0x00);
    sst.extend(b"Name: ");
    let mut first = vec![0x01];
    first.extend("Łukasz".encode_utf16().flat_map(u16::to_le_bytes));
    // "Address" with two runs and a phonetic block of 10 bytes, cut in its runs.
    first.extend(7u16.to_le_bytes());
    first.push(0x0C);
    first.extend(2u16.to_le_bytes());
    first.extend(10u32.to_le_bytes());
    first.extend(b"Address");
    first.extend([0, 0, 1, 0, 3]);
    let mut second = vec![0, 2, 0];
    second.extend([0xAA; 10]);
    second.extend(biff::unicode("Phone", 2));
    vec![
        biff::record(0x00FC, &sst),
        biff::record(0x003C, &first),
        biff::record(0x003C, &second),
    ]
}

#[test]
fn a_string_changing_width_across_a_continue_record_and_runs_across_another_are_read() {
    let labels = (0..3)
        .map(|index| biff::cell(0x00FD, 0, index, 0, &u32::from(index).to_le_bytes()))
        .collect();
    let stream = biff::workbook(
        true,
        &shared_strings_across_records(),
        &[("People", labels)],
    );
    let got = read(&compound("Workbook", &stream), &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some("[sheet People]\nName: Łukasz,Address,Phone")
    );
}

#[test]
fn numbers_dates_booleans_errors_and_formula_results_read_as_excel_shows_them() {
    let mut custom = 0x00A4u16.to_le_bytes().to_vec();
    custom.extend(biff::unicode("[$-809]dd mmmm yyyy", 2));
    // Cell formats 0 (General), 1 (built-in date 14), 2 (the custom date), 3 (a time).
    let xf = |format: u16| {
        let mut data = vec![0, 0];
        data.extend(format.to_le_bytes());
        data.resize(20, 0);
        biff::record(0x00E0, &data)
    };
    let globals = vec![
        biff::record(0x041E, &custom),
        xf(0),
        xf(14),
        xf(0x00A4),
        xf(21),
    ];
    let number = |value: f64| value.to_le_bytes();
    let rk_int = |value: i32| ((value << 2) | 2) as u32;
    // Row 1, from column 1: each cell's format and RK number, then the last column.
    let mut mulrk = [1u16.to_le_bytes(), 1u16.to_le_bytes()].concat();
    for (format, rk) in [
        (0u16, rk_int(7)),
        (0, rk_int(1234) | 1),
        (1, rk_int(31_850)),
    ] {
        mulrk.extend(format.to_le_bytes());
        mulrk.extend(rk.to_le_bytes());
    }
    mulrk.extend(3u16.to_le_bytes());
    let mut label = vec![];
    label.extend(biff::unicode("Café, notes", 2));
    let formula = |value: [u8; 8]| {
        let mut data = value.to_vec();
        data.extend([0; 6]);
        data
    };
    let cells = vec![
        biff::cell(0x0204, 0, 0, 0, &label),
        biff::cell(0x0203, 0, 1, 0, &number(3.25)),
        biff::cell(0x0203, 0, 2, 1, &number(31_850.0)),
        biff::cell(0x0203, 0, 3, 2, &number(31_850.5)),
        biff::cell(0x0203, 0, 4, 3, &number(0.5)),
        biff::cell(0x0203, 0, 5, 0, &number(7_700_900_123.0)),
        biff::record(0x00BD, &mulrk),
        biff::cell(
            0x027E,
            1,
            0,
            0,
            &((0x405E_C000u32) & 0xFFFF_FFFC).to_le_bytes(),
        ),
        biff::cell(0x0205, 2, 0, 0, &[1, 0]),
        biff::cell(0x0205, 2, 1, 0, &[0x07, 1]),
        biff::cell(0x0006, 2, 2, 0, &formula(number(2.5))),
        biff::cell(0x0006, 2, 3, 0, &formula([1, 0, 1, 0, 0, 0, 0xFF, 0xFF])),
        biff::cell(0x0006, 2, 4, 0, &formula([0, 0, 0, 0, 0, 0, 0xFF, 0xFF])),
        biff::record(0x0207, &biff::unicode("I know where you live", 2)),
        biff::cell(0x0006, 2, 5, 0, &formula([2, 0, 0x2A, 0, 0, 0, 0xFF, 0xFF])),
    ];
    let stream = biff::workbook(true, &globals, &[("Values", cells)]);
    let got = read(&compound("Workbook", &stream), &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[sheet Values]\n\
             \"Café, notes\",3.25,14/03/1987,14/03/1987,0.5,7700900123\n\
             123,7,12.34,14/03/1987,,\n\
             TRUE,#DIV/0!,2.5,TRUE,I know where you live,#N/A"
        )
    );

    // Dates counting from 1904 (DATEMODE).
    let mut globals_1904 = vec![biff::record(0x0022, &1u16.to_le_bytes())];
    globals_1904.extend([xf(0), xf(14)]);
    let cells = vec![biff::cell(0x0203, 0, 0, 1, &number(30_388.0))];
    let stream = biff::workbook(true, &globals_1904, &[("Dates", cells)]);
    let got = read(&compound("Workbook", &stream), &Limits::default());
    assert_eq!(got.text.as_deref(), Some("[sheet Dates]\n14/03/1987"));
}

#[test]
fn an_excel_95_workbook_is_read_from_its_book_stream() {
    let label = |row: u16, column: u16, text: &[u8]| {
        let mut data = (text.len() as u16).to_le_bytes().to_vec();
        data.extend(text);
        biff::cell(0x0204, row, column, 0, &data)
    };
    let globals = vec![biff::record(0x0042, &1252u16.to_le_bytes())];
    let cells = vec![
        label(0, 0, b"Name"),
        label(0, 1, b"Address"),
        label(1, 0, b"REN\xc9E, Zo\xeb"),
        label(1, 1, b"1 Mill Lane \x96 Newtown"),
    ];
    let stream = biff::workbook(false, &globals, &[("Café", cells)]);
    let got = read(&compound("Book", &stream), &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some("[sheet Café]\nName,Address\n\"RENÉE, Zoë\",1 Mill Lane – Newtown")
    );
}

/// A workbook Excel 2007 saved as Excel 97-2003 with a text file embedded in it by the Packager
/// (its storage `MBD…`): its sheets, then the file, under its name. Before, the file was neither
/// read nor named.
#[test]
fn a_workbook_saved_by_excel_is_read() {
    let got = read(EMBEDDED_SIMPLE_XLS, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[sheet Tabelle1]\nThis spreadsheet contains an embedded object\nHave fun parsing :-)\n\n\
             [sheet Tabelle2]\n\n[sheet Tabelle3]\n\n\n\
             [attachment simple-text-file.txt]\n\
             This is a simple ascii contents of this simple text file."
        )
    );
}

#[test]
fn formula_results_saved_by_excel_are_read() {
    let got = read(FORMULA_XLS, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[sheet Sheet1]\n\
             Description,Data\n\
             Non-latin1 text,МОСКВА Москва\n\
             formula number,0.14285714285714285\n\
             formula text,ABCDEF\n\
             formula zero-length text,\n\
             formula boolean,TRUE\n\
             formula error,#DIV/0!\n\
             formula non-latin1 text,МОСКВА Москва\n\n\
             [sheet Sheet2]\n\n[sheet Sheet3]"
        )
    );
}

#[test]
fn a_workbook_in_a_zip_archive_is_read() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("nominals.xls", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(NOMINALS_XLS).unwrap();
    let archive = writer.finish().unwrap().into_inner();
    let got = extract_text(
        &Input {
            bytes: &archive,
            mime_type: Some("application/zip"),
            name: Some("export.zip"),
            charset: None,
        },
        &Limits::default(),
    );
    let text = got.text.unwrap();
    assert!(
        text.starts_with(
            "[file nominals.xls]\n[sheet Nominals]\nName,Date of birth,Address,Postcode,Phone\n"
        ),
        "{text}"
    );
}

#[test]
fn an_encrypted_workbook_is_noted() {
    let got = read(ENCRYPTED_XLS, &Limits::default());
    assert_eq!(got.text, None);
    assert_eq!(
        got.note.as_deref(),
        Some("encrypted (password-protected) Excel workbook; text not extracted")
    );
}

#[test]
fn the_text_limit_holds_and_damaged_workbooks_never_panic() {
    let limits = Limits {
        max_attachment_text_bytes: 59,
        ..Limits::default()
    };
    let got = read(NOMINALS_XLS, &limits);
    assert_eq!(
        got.text.as_deref(),
        Some("[sheet Nominals]\nName,Date of birth,Address,Postcode,Phone")
    );
    assert!(got.note.unwrap().contains("text cut at the 59 byte limit"));

    // A stream over the decompression budget is not read.
    let limits = Limits {
        max_decompressed_bytes: 1024,
        ..Limits::default()
    };
    let got = read(NOMINALS_XLS, &limits);
    assert_eq!(got.text, None);
    assert!(
        got.note.unwrap().contains("past the decompression limit"),
        "{:?}",
        read(NOMINALS_XLS, &limits)
    );

    let check = |bytes: &[u8], at: usize| {
        let got = read(bytes, &Limits::default());
        assert!(got.text.is_some() || got.note.is_some(), "at {at}");
        assert!(
            !got.note.as_deref().unwrap_or_default().contains("panicked"),
            "at {at}: {got:?}"
        );
    };
    // The compound files cut and changed.
    for bytes in [NOMINALS_XLS, EMBEDDED_SIMPLE_XLS, ENCRYPTED_XLS] {
        for step in 0..128 {
            let at = bytes.len() * step / 128;
            let mut changed = bytes.to_vec();
            changed[at] ^= 0xff;
            check(&bytes[..at], at);
            check(&changed, at);
        }
    }
    // Their Workbook streams cut and changed, in a sound compound file.
    let built = biff::workbook(
        true,
        &shared_strings_across_records(),
        &[(
            "People",
            vec![biff::cell(0x00FD, 0, 0, 0, &0u32.to_le_bytes())],
        )],
    );
    for stream in [
        workbook_stream(NOMINALS_XLS),
        workbook_stream(EMBEDDED_SIMPLE_XLS),
        built,
    ] {
        let steps = stream.len().min(512);
        for step in 0..steps {
            let at = stream.len() * step / steps;
            let mut changed = stream.clone();
            changed[at] ^= 0xff;
            check(&compound("Workbook", &stream[..at]), at);
            check(&compound("Workbook", &changed), at);
        }
    }
}

#[test]
fn a_workbook_cut_short_keeps_the_cells_before_the_cut() {
    let stream = workbook_stream(NOMINALS_XLS);
    // Cut in the Nominals sheet's rows (its BOF: a worksheet's, BIFF8).
    let first_sheet = stream
        .windows(8)
        .position(|w| w == [0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x10, 0x00])
        .unwrap();
    let cut = &stream[..first_sheet + 900];
    let got = read(&compound("Workbook", cut), &Limits::default());
    let text = got.text.unwrap();
    assert!(
        text.starts_with(
            "[sheet Nominals]\nName,Date of birth,Address,Postcode,Phone\n\"HARRIS, Nicola\""
        ),
        "{text}"
    );
    assert!(
        got.note.unwrap().contains("cut short in sheet Nominals"),
        "{text}"
    );
}

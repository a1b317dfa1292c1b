//! Word 97–2003 documents (`.doc`): three saved by Word (`tests/fixtures/attach/ole-test.doc`
//! from olefile's tests, `embedded-unicode.doc` from oletools', with a field and an embedded
//! object, `table.doc` from word-extractor's, with a table), one with a table of people written
//! here, and ones cut short or changed, read as an attachment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

const OLE_TEST_DOC: &[u8] = include_bytes!("fixtures/attach/ole-test.doc");
const EMBEDDED_UNICODE_DOC: &[u8] = include_bytes!("fixtures/attach/embedded-unicode.doc");
const TABLE_DOC: &[u8] = include_bytes!("fixtures/attach/table.doc");

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/msword"),
        name: Some("document.doc"),
        charset: None,
    };
    extract_text(&input, limits)
}

#[test]
fn a_word_97_document_is_read_from_its_piece_table() {
    let got = read(OLE_TEST_DOC, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some("Test OLE file, saved as Word 97-2003 Document.")
    );
}

#[test]
fn a_fields_instructions_are_left_out_and_its_result_kept() {
    let got = read(EMBEDDED_UNICODE_DOC, &Limits::default());
    // The body is a sentence and the embedded object's field: its instructions (`EMBED
    // Package`) left out, its result (the object's anchor) holding no text; then the file the
    // object holds (in the document's `ObjectPool`), read under its name. Before, the file was
    // neither read nor named.
    assert_eq!(
        got.text.as_deref(),
        Some(
            "This file contains an embedded object which is a file with unicode in filename and contents\n \n\n\n\
             [attachment ünicöde-수식끝이잘못되었습니다.txt]\n\
             This file contains unicode\r\näöüß\r\n수식 끝이 잘못되었습니다"
        ),
        "{got:?}"
    );
    assert_eq!(got.note, None, "{got:?}");
}

#[test]
fn the_text_limit_holds_and_damaged_documents_never_panic() {
    let limits = Limits {
        max_attachment_text_bytes: 10,
        ..Limits::default()
    };
    let got = read(OLE_TEST_DOC, &limits);
    assert_eq!(got.text.as_deref(), Some("Test OLE f"));
    assert!(got.note.unwrap().contains("text cut at the 10 byte limit"));

    let people = people_doc(true);
    for bytes in [OLE_TEST_DOC, EMBEDDED_UNICODE_DOC, TABLE_DOC, &people[..]] {
        for step in 0..128 {
            let at = bytes.len() * step / 128;
            let mut changed = bytes.to_vec();
            changed[at] ^= 0xff;
            for damaged in [&bytes[..at], &changed[..]] {
                let got = read(damaged, &Limits::default());
                assert!(got.text.is_some() || got.note.is_some(), "at {at}");
                assert!(
                    !got.note.as_deref().unwrap_or_default().contains("panicked"),
                    "at {at}: {got:?}"
                );
            }
        }
    }
}

/// A table's rows are lines and its cells comma-separated, quoted as CSV: a table of people was
/// one line of tab-separated cells, which nothing reading rows saw as rows. Word's mark for a
/// row's end is told by its paragraph's properties, not by two marks running (an empty cell
/// makes two as well: row 2 here).
#[test]
fn a_word_table_is_read_as_comma_separated_rows() {
    let got = read(TABLE_DOC, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "This is a simple paragraph\n\n\
             \"Row 1, cell 1\",\"Row 1, cell 2\",\"Row 1, cell 3\"\n\
             \"Row 2, cell 1\",,\"Row 2, cell 3\"\n\n\
             And a second paragraph"
        )
    );
}

/// The people of [`people_doc`]: a name, a date of birth and an address each.
const PEOPLE: [[&str; 3]; 12] = [
    ["Name", "Date of birth", "Address"],
    ["Jane Doe", "01/02/1980", "1 High St, Leeds"],
    ["John Roe", "03/04/1975", "2 Low Rd, York"],
    ["Amy \"AJ\" Poe", "05/06/1990", "3 Mill Lane"],
    ["Ben Coe", "07/08/1985", "4 Park Ave"],
    ["Cat Loe", "09/10/1970", "5 Bridge St"],
    ["Dan Moe", "11/12/1995", "6 Church Rd"],
    ["Eve Noe", "13/01/1988", "7 Station Rd"],
    ["Fay Lowe", "15/02/1979", "8 Green Lane"],
    ["Gus Zoe", "17/03/1992", "9 Kings Rd"],
    ["Hal Voe", "19/04/1983", "10 Queens Rd"],
    ["Ivy Woe", "21/05/1969", "11 Castle St"],
];

/// A Word 97 document written here as Word lays one out: [`PEOPLE`] as a table, each cell ended
/// by 0x07 and each row by a 0x07 in a paragraph whose properties say it ends the row, then a
/// line; `properties` false leaves out the paragraph property pages. The text is one 8-bit piece
/// at byte 1024 of `WordDocument`, the pages after it. `fixtures/attach/people-table.doc` is what
/// it writes with the properties, for the communications stage's tests.
fn people_doc(properties: bool) -> Vec<u8> {
    use std::io::{Cursor, Write};
    const TEXT_AT: usize = 1024;
    // The text's paragraphs: bytes, and 0 outside a table, 1 in one, 2 a row's end.
    let mut paragraphs: Vec<(Vec<u8>, u8)> = Vec::new();
    for row in PEOPLE {
        for cell in row {
            paragraphs.push(([cell.as_bytes(), b"\x07"].concat(), 1));
        }
        paragraphs.push((b"\x07".to_vec(), 2));
    }
    paragraphs.push((b"End of list\r".to_vec(), 0));
    let text: Vec<u8> = paragraphs.iter().flat_map(|(p, _)| p.clone()).collect();
    assert!(text.len() < 1024);
    // Property pages from page 4 on (byte 2048), at most 20 paragraphs each: in a table, the
    // style and sprmPFInTable (length byte 3: 2 * 3 - 1 bytes); a row's end, the style,
    // sprmPFInTable and sprmPFTtp (length byte 0, then 4: 2 * 4 bytes).
    let mut pages = Vec::new();
    let mut page_starts = Vec::new();
    let mut at = TEXT_AT;
    for chunk in paragraphs.chunks(20) {
        let mut page = vec![0u8; 512];
        page_starts.push(at as u32);
        let count = chunk.len();
        page[..4].copy_from_slice(&(at as u32).to_le_bytes());
        for (index, (bytes, kind)) in chunk.iter().enumerate() {
            at += bytes.len();
            page[(index + 1) * 4..(index + 2) * 4].copy_from_slice(&(at as u32).to_le_bytes());
            let entry = (count + 1) * 4 + index * 13;
            page[entry] = match kind {
                1 => 200,
                2 => 220,
                _ => 0,
            };
        }
        page[400..406].copy_from_slice(&[3, 0, 0, 0x16, 0x24, 1]);
        page[440..450].copy_from_slice(&[0, 4, 0, 0, 0x16, 0x24, 1, 0x17, 0x24, 1]);
        page[511] = count as u8;
        pages.push(page);
    }
    let mut table = Vec::new();
    // The piece table: one 8-bit piece.
    table.push(2u8);
    table.extend_from_slice(&16u32.to_le_bytes());
    table.extend_from_slice(&0u32.to_le_bytes());
    table.extend_from_slice(&(text.len() as u32).to_le_bytes());
    table.extend_from_slice(&[0, 0]);
    table.extend_from_slice(&((TEXT_AT as u32 * 2) | 0x4000_0000).to_le_bytes());
    table.extend_from_slice(&[0, 0]);
    let clx_len = table.len();
    // PlcBtePapx: where each page's paragraphs start, the text's end, the page numbers.
    let plc_at = table.len();
    for start in &page_starts {
        table.extend_from_slice(&start.to_le_bytes());
    }
    table.extend_from_slice(&(at as u32).to_le_bytes());
    for number in 0..pages.len() {
        table.extend_from_slice(&(4 + number as u32).to_le_bytes());
    }
    let plc_len = if properties { table.len() - plc_at } else { 0 };
    let mut document = vec![0u8; 2048];
    document[..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    document[0x102..0x106].copy_from_slice(&(plc_at as u32).to_le_bytes());
    document[0x106..0x10A].copy_from_slice(&(plc_len as u32).to_le_bytes());
    document[0x1A2..0x1A6].copy_from_slice(&0u32.to_le_bytes());
    document[0x1A6..0x1AA].copy_from_slice(&(clx_len as u32).to_le_bytes());
    document[TEXT_AT..TEXT_AT + text.len()].copy_from_slice(&text);
    for page in &pages {
        document.extend_from_slice(page);
    }
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, bytes) in [("/WordDocument", &document), ("/0Table", &table)] {
        file.create_stream(path).unwrap().write_all(bytes).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A table of people in a Word document comes out one person a line, as a spreadsheet export
/// of them would: the bulk personal data count and the masking read rows. Without the
/// paragraph properties (a damaged file) the cells are read as before, set apart by tabs.
#[test]
fn a_table_of_people_comes_out_one_person_a_line() {
    let got = read(&people_doc(true), &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PEOPLE.len() + 1, "{text}");
    assert_eq!(lines[0], "Name,Date of birth,Address");
    assert_eq!(lines[1], "Jane Doe,01/02/1980,\"1 High St, Leeds\"");
    assert_eq!(lines[3], "\"Amy \"\"AJ\"\" Poe\",05/06/1990,3 Mill Lane");
    assert_eq!(lines[11], "Ivy Woe,21/05/1969,11 Castle St");
    assert_eq!(lines[12], "End of list");
    assert_eq!(
        include_bytes!("fixtures/attach/people-table.doc").as_slice(),
        people_doc(true),
        "the fixture is what people_doc writes"
    );

    let got = read(&people_doc(false), &Limits::default());
    let text = got.text.unwrap();
    assert!(
        text.contains("Name\tDate of birth\tAddress\t\tJane Doe\t"),
        "{text}"
    );
}

/// `document` (a compound file) with each `(storage, file name, words)` added as an object the
/// Packager embedded, its native data `padding` bytes of words long, in the storage `storage`
/// (`/ObjectPool/_1` in a Word document, `/MBD0001` in an Excel workbook).
fn with_objects(document: &[u8], objects: &[(&str, &str, &str)], padding: usize) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut from = cfb::CompoundFile::open(Cursor::new(document)).unwrap();
    let streams: Vec<_> = from
        .walk()
        .filter(|entry| entry.is_stream())
        .map(|entry| entry.path().to_owned())
        .collect();
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for path in streams {
        let mut bytes = Vec::new();
        from.open_stream(&path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        if let Some(parent) = path.parent()
            && !file.exists(parent)
        {
            file.create_storage_all(parent).unwrap();
        }
        file.create_stream(&path)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
    }
    for (storage, name, words) in objects {
        let mut data = words.as_bytes().to_vec();
        while data.len() < padding {
            data.extend_from_slice(b" and more words");
        }
        file.create_storage_all(storage).unwrap();
        file.create_stream(format!("{storage}/\u{1}Ole10Native"))
            .unwrap()
            .write_all(&common::ole10_native(name, &data[..padding]))
            .unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// The objects embedded by OLE in a Word or Excel 97–2003 file share its decompression budget
/// with its own text: of two objects, each of which fits the budget alone but not both after
/// the document's streams, the first is read and the second noted as past what is left of the
/// decompression limit. Before, the objects had a budget of their own, as large as the
/// document's, and such a file was read to about twice the limit.
#[test]
fn objects_share_the_documents_decompression_budget() {
    let nominals = include_bytes!("fixtures/attach/nominals.xls");
    let cases: [(&[u8], &[&str], &str); 2] = [
        (
            OLE_TEST_DOC,
            &["WordDocument", "0Table", "1Table", "Data"],
            "ObjectPool/_",
        ),
        (nominals, &["Workbook"], "MBD000"),
    ];
    for (document, streams, storage) in cases {
        use std::io::Cursor;
        let file = cfb::CompoundFile::open(Cursor::new(document)).unwrap();
        // The bytes read of the document itself.
        let own: u64 = streams
            .iter()
            .filter_map(|name| file.entry(format!("/{name}")).ok())
            .map(|entry| entry.len())
            .sum();
        let padding = usize::try_from(own).unwrap();
        let first = format!("/{storage}1");
        let second = format!("/{storage}2");
        let bytes = with_objects(
            document,
            &[
                (&first, "first.txt", "First object: custody record"),
                (&second, "second.txt", "Second object: witness statement"),
            ],
            padding,
        );
        // Each object's stream (its native data and a few bytes of header) fits half a document
        // and more; both do not fit what the document leaves.
        let limits = Limits {
            max_decompressed_bytes: padding * 5 / 2 + 200,
            ..Limits::default()
        };
        let got = read(&bytes, &limits);
        let text = got.text.as_deref().unwrap_or_default();
        assert!(text.contains("First object: custody record"), "{got:?}");
        assert!(!text.contains("Second object"), "{got:?}");
        let note = got.note.as_deref().unwrap_or_default();
        assert!(
            note.contains(&format!(
                "{}: an object embedded by OLE of {} bytes is past what is left of the decompression limit of {} bytes; not read",
                &second[1..],
                common::ole10_native("second.txt", &vec![0; padding]).len(),
                limits.max_decompressed_bytes
            )),
            "{got:?}"
        );
        // With room for both, both are read.
        let roomy = Limits {
            max_decompressed_bytes: padding * 4,
            ..Limits::default()
        };
        let got = read(&bytes, &roomy);
        assert!(
            got.text
                .as_deref()
                .unwrap_or_default()
                .contains("Second object"),
            "{got:?}"
        );
    }
}

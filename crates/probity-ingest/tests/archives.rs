//! Zip files other than Word documents: Excel workbooks and PowerPoint presentations written by
//! the libraries others write them with (`tests/fixtures/attach/make_office.py`), and archives
//! of files, zip, tar and gzip (written by GNU tar and gzip, and here), hostile ones included (a
//! zip bomb inside, a gzip bomb, an archive inside an archive), on their own and through the mail
//! decoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};
use probity_ingest::mail::ATTACHED_MESSAGES_KEY;

/// Written by openpyxl: a sheet of 30 invented people (names, dates of birth as dates, addresses,
/// postcodes, phone numbers) with a comment, and a hidden sheet of abuse.
const NOMINALS_XLSX: &[u8] = include_bytes!("fixtures/attach/nominals.xlsx");
/// Written by python-pptx: a slide, and abuse in its speaker notes.
const BRIEFING_PPTX: &[u8] = include_bytes!("fixtures/attach/briefing.pptx");
/// Written by python-pptx and saved as PowerPoint 97–2003 by LibreOffice: a title slide with a
/// marking, a slide of people and a text box, and abuse in its speaker notes.
const BRIEFING_PPT: &[u8] = include_bytes!("fixtures/attach/briefing.ppt");
/// From oletools' tests (NOTICE.md): saved by PowerPoint 2007 as PowerPoint 97–2003.
const EMBEDDED_PPT: &[u8] = include_bytes!("fixtures/attach/embedded-simple-2007.ppt");
/// From oletools' tests (NOTICE.md): saved by PowerPoint with a password to open it.
const ENCRYPTED_PPT: &[u8] = include_bytes!("fixtures/attach/encrypted.ppt");
/// Written by odfpy: a sheet of 12 invented people (dates of birth as dates), and a sheet with
/// abuse in its third column after two empty cells written as one repeated.
const NOMINALS_ODS: &[u8] = include_bytes!("fixtures/attach/nominals.ods");
/// Written by odfpy: a heading, and a paragraph with abuse in a span.
const LETTER_ODT: &[u8] = include_bytes!("fixtures/attach/letter.odt");

const ABUSE: &str = "You stupid bitch, I know where you live and I will hurt you.";

fn read(bytes: &[u8], mime: &str, name: &str, limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some(mime),
        name: Some(name),
        charset: None,
    };
    extract_text(&input, limits)
}

fn note(extracted: &Extracted) -> &str {
    extracted.note.as_deref().unwrap_or("")
}

use common::zip_of;

#[test]
fn a_workbook_is_read_as_comma_separated_rows_hidden_sheets_and_comments_too() {
    let got = read(
        NOMINALS_XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "nominals.xlsx",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("[sheet Nominals]"));
    assert_eq!(
        lines.next(),
        Some("Name,Date of birth,Address,Postcode,Phone")
    );
    // A name and an address holding commas are quoted; the date is the date Excel shows.
    assert_eq!(
        lines.next(),
        Some("\"HARRIS, Nicola\",01/01/1960,\"10 Mill Lane, Newtown\",NT1 0AB,07700 900000")
    );
    assert_eq!(text.matches("Newtown").count(), 30);
    assert!(text.contains("[sheet Notes]\n"), "{text}");
    assert!(text.contains(ABUSE), "the hidden sheet: {text}");
    assert!(
        text.contains("Pulled from the custody system for my mate"),
        "the comment: {text}"
    );
}

#[test]
fn a_presentation_is_read_slides_then_notes() {
    let got = read(
        BRIEFING_PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "briefing.pptx",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.unwrap();
    let slide = text.find("Rota changes from Monday.").unwrap();
    let notes = text.find(ABUSE).unwrap();
    assert!(text.contains("Team briefing"), "{text}");
    assert!(slide < notes, "{text}");
}

/// A PowerPoint 97–2003 deck (written by python-pptx, saved as `.ppt` by LibreOffice): each
/// slide's text under `[slide N]`, the speaker notes under `[notes N]` of the slide they belong
/// to, the masters' prompts and the slide-number fields left out.
#[test]
fn a_legacy_presentation_is_read_slide_by_slide_with_its_notes() {
    let got = read(
        BRIEFING_PPT,
        "application/vnd.ms-powerpoint",
        "briefing.ppt",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref().unwrap_or_default(),
        format!(
            "[slide 1]\n\
             Operation Larch\n\
             OFFICIAL-SENSITIVE\n\
             \n\
             [slide 2]\n\
             Persons of interest\n\
             HARRIS, Nicola (14/03/1987), 14 Mill Lane\n\
             OKAFOR, Chidi (02/01/1971), 11 Station Road\n\
             WILLIAMS, Gareth (03/02/1972), 12 Church Street\n\
             NOWAK, Agnieszka (04/03/1973), 13 Park Avenue\n\
             NI AB123456C — do not share\n\
             \n\
             [notes 2]\n\
             {ABUSE}"
        )
    );
}

/// Presentations saved by PowerPoint: one saved by PowerPoint 2007 as 97–2003 (its slide's text
/// in the slide's drawing, its German masters passed over, a text file embedded by the Packager)
/// is read; one with a password to open it is noted as encrypted.
#[test]
fn presentations_saved_by_powerpoint_are_read_and_encrypted_ones_noted() {
    let got = read(
        EMBEDDED_PPT,
        "application/vnd.ms-powerpoint",
        "embedded.ppt",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[slide 1]\nEmbedded Objects\nThis slide contains an embedded object\n\
             It is a simple harmless ASCII text file\n\n\
             [embedded file simple-text-file.txt]\n\
             This is a simple ascii contents of this simple text file."
        ),
        "{got:?}"
    );

    let got = read(
        ENCRYPTED_PPT,
        "application/vnd.ms-powerpoint",
        "encrypted.ppt",
        &Limits::default(),
    );
    assert_eq!(got.text, None, "{got:?}");
    assert_eq!(
        got.note.as_deref(),
        Some("encrypted (password-protected) PowerPoint presentation; text not extracted")
    );
}

/// A presentation whose `PowerPoint Document` stream is cut short or has a byte changed
/// anywhere gives its text or a note, never a panic.
#[test]
fn a_damaged_legacy_presentation_never_panics() {
    use std::io::{Cursor, Read, Write};
    let mut file = cfb::CompoundFile::open(Cursor::new(BRIEFING_PPT)).unwrap();
    let mut stream = Vec::new();
    file.open_stream("/PowerPoint Document")
        .unwrap()
        .read_to_end(&mut stream)
        .unwrap();
    let presentation = |bytes: &[u8]| {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/PowerPoint Document")
            .unwrap()
            .write_all(bytes)
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    };
    for step in 0..256 {
        let at = stream.len() * step / 256;
        let mut changed = stream.clone();
        changed[at] ^= 0xa5;
        for damaged in [presentation(&stream[..at]), presentation(&changed)] {
            let got = read(
                &damaged,
                "application/vnd.ms-powerpoint",
                "briefing.ppt",
                &Limits::default(),
            );
            assert!(got.text.is_some() || got.note.is_some(), "at {at}");
            assert!(
                !got.note.as_deref().unwrap_or_default().contains("panicked"),
                "at {at}: {got:?}"
            );
        }
    }
}

#[test]
fn open_document_files_are_read_tables_as_comma_separated_rows() {
    let got = read(
        NOMINALS_ODS,
        "application/vnd.oasis.opendocument.spreadsheet",
        "nominals.ods",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    let text = got.text.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("[sheet Nominals]"));
    assert_eq!(
        lines.next(),
        Some("Name,Date of birth,Address,Postcode,Phone")
    );
    assert_eq!(
        lines.next(),
        Some("\"HARRIS, Nicola\",01/01/1970,\"10 Mill Lane, Newtown\",NT1 0AB,07700 900000")
    );
    assert_eq!(text.matches("Newtown").count(), 12);
    assert!(
        text.ends_with(&format!(
            "[sheet Notes]\n,,\"{}\"",
            ABUSE.replace('"', "\"\"")
        )),
        "{text}"
    );

    let got = read(
        LETTER_ODT,
        "application/octet-stream",
        "letter.odt",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(format!("Re: the rota\nThanks for the update. {ABUSE}").as_str())
    );
}

/// A sheet LibreOffice writes: a cell repeated to the last column, rows repeated to the last
/// row, a table inside a text's table cell.
#[test]
fn repeated_cells_are_written_up_to_a_limit_and_inner_tables_kept_in_their_cell() {
    let content = r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="3"/><table:table-cell><text:p>b</text:p><text:p>c<text:s text:c="2"/>d</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16380"/></table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let bytes = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
    ]);
    let got = read(&bytes, "application/zip", "s.ods", &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("[sheet S]\na,,,,\"b\nc  d\""),
        "{got:?}"
    );

    let content = r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:text><text:p>Before</text:p><table:table><table:table-row><table:table-cell><text:p>outer</text:p><table:table><table:table-row><table:table-cell><text:p>inner</text:p></table:table-cell></table:table-row></table:table></table:table-cell><table:table-cell><text:p>next</text:p></table:table-cell></table:table-row></table:table><text:p>After</text:p></office:text></office:body></office:document-content>"#;
    let bytes = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
    ]);
    let got = read(&bytes, "application/zip", "t.odt", &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("Before\n\"outer\ninner\",next\nAfter"),
        "{got:?}"
    );
}

/// A workbook as Excel writes one: strings shared, cells left out where empty, a number in a
/// custom date format and a number written with an exponent, phonetic guides, and a second
/// sheet the relationships name.
#[test]
fn shared_strings_gaps_and_number_formats_are_read_as_excel_shows_them() {
    let workbook = br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="B &amp; C" sheetId="2" r:id="rId9"/><sheet name="First" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId9" Type="x/worksheet" Target="/xl/worksheets/other.xml"/></Relationships>"#;
    let shared = br#"<sst><si><t>Name</t></si><si><r><t>Date </t></r><r><t>of birth</t></r></si><si><t>Phone</t></si><si><t>OKAFOR</t><rPh><t>okafo</t></rPh></si><si><t xml:space="preserve">say "hi", &amp; go</t></si></sst>"#;
    let styles = br#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="[$-809]dd mmmm yyyy"/></numFmts><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="2"/></cellXfs></styleSheet>"#;
    let sheet1 = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>31850</v></c><c r="D2"><v>4.4770090012E+10</v></c></row><row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" t="b"><v>1</v></c><c r="C3" s="2"><v>2.5</v></c><c r="E3" t="str"><f>A1</f><v>Name</v></c></row></sheetData></worksheet>"#;
    let other = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>second sheet</t></is></c></row></sheetData></worksheet>"#;
    let bytes = zip_of(&[
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/sharedStrings.xml", shared),
        ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", sheet1),
        ("xl/worksheets/other.xml", other),
    ]);
    let got = read(
        &bytes,
        "application/octet-stream",
        "book.xlsx",
        &Limits::default(),
    );
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[sheet B & C]\nsecond sheet\n\n[sheet First]\nName,Date of birth,,Phone,\n\
             OKAFOR,14/03/1987,,44770090012,\n\"say \"\"hi\"\", & go\",TRUE,2.5,,Name"
        )
    );
}

#[test]
fn a_damaged_sheet_keeps_the_rows_before_the_damage() {
    let sheet = br#"<worksheet><sheetData><row><c t="inlineStr"><is><t>kept row</t></is></c></row><row><c t="inlineStr"><is><t>cut</t></x></c></row></sheetData></worksheet>"#;
    let bytes = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", sheet),
    ]);
    let got = read(&bytes, "application/zip", "book.xlsx", &Limits::default());
    assert!(got.text.as_deref().unwrap().contains("kept row"), "{got:?}");
    assert!(note(&got).contains("sheet sheet1 is damaged"), "{got:?}");
}

#[test]
fn an_archives_files_are_read_each_under_its_name() {
    let inner = zip_of(&[("deeper.txt", ABUSE.as_bytes())]);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let bytes = zip_of(&[
        (
            "export/victims.csv",
            b"Name,Address\r\nJane Roe,1 High Street\r\n",
        ),
        ("export/", b""),
        ("nominals.xlsx", NOMINALS_XLSX),
        ("photo.png", &png),
        ("inner.zip", &inner),
        ("notes.dat", ABUSE.as_bytes()),
    ]);
    let got = read(&bytes, "application/zip", "export.zip", &Limits::default());
    let text = got.text.clone().unwrap();
    assert!(
        text.starts_with("[file export/victims.csv]\nName,Address\r\nJane Roe,1 High Street"),
        "{text}"
    );
    assert!(
        text.contains("[file nominals.xlsx]\n[sheet Nominals]\nName,Date of birth"),
        "{text}"
    );
    assert!(
        text.contains(&format!("[file notes.dat]\n{ABUSE}")),
        "{text}"
    );
    assert!(
        !text.contains("deeper"),
        "an archive in an archive is not opened: {text}"
    );
    let note = note(&got);
    assert!(
        note.contains("inner.zip (in the zip): a zip archive inside another file is not opened"),
        "{note}"
    );
    assert!(
        note.contains(
            "1 file in the zip not read, neither text nor a document that is read: photo.png"
        ),
        "{note}"
    );
    assert!(
        note.contains("notes.dat (in the zip): read as text"),
        "{note}"
    );
}

#[test]
fn a_zip_bomb_in_an_archive_is_refused_and_the_other_files_read() {
    let bomb = vec![b'a'; 24 * 1024 * 1024];
    let bytes = zip_of(&[("bomb.txt", &bomb), ("after.txt", b"read after the bomb")]);
    assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
    let got = read(&bytes, "application/zip", "files.zip", &Limits::default());
    assert!(note(&got).contains("bomb.txt would inflate"), "{got:?}");
    assert!(note(&got).contains("zip bomb"), "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some("[file after.txt]\nread after the bomb")
    );

    // The decompression budget is the archive's, shared by its files.
    let limits = Limits {
        max_decompressed_bytes: 4096,
        ..Limits::default()
    };
    let text = vec![b'x'; 3000];
    let bytes = zip_of(&[("one.txt", &text), ("two.txt", &text)]);
    let got = read(&bytes, "application/zip", "files.zip", &limits);
    assert!(
        note(&got).contains("two.txt inflates past the decompression limit"),
        "{got:?}"
    );
}

#[test]
fn a_zipped_workbook_sent_by_email_reaches_the_message_text() {
    let zipped = zip_of(&[("nominals.xlsx", NOMINALS_XLSX)]);
    let event = common::email_attaching(
        "export.zip",
        "application/x-zip-compressed",
        &zipped,
        Limits::default(),
    );
    let email = event.email.unwrap();
    let text = email.attachments[0].text.as_deref().unwrap();
    assert!(text.contains("\"HARRIS, Nicola\",01/01/1960"), "{text}");
    assert_eq!(email.attachments[0].extraction, None);
}

/// Saved by Outlook 16.0, with a message attached to it (from msg_parser's tests).
const OUTER_MSG: &[u8] = include_bytes!("fixtures/attach/outer.msg");

/// An email from an officer with `zipped` attached as `letters.zip`, decoded.
fn email_with_zip(zipped: &[u8]) -> probity_model::Event {
    common::email_attaching("letters.zip", "application/zip", zipped, Limits::default())
}

/// A message in a zip archive sent by email, an `.eml` or an Outlook `.msg`, is read as an
/// attached message is: its subject, body and files under its name, and its parties listed for
/// the exclusions with where its text lies in the archive's text (an `.eml` was read as text,
/// its parties listed nowhere); so too in a tar archive. Read alone, the archive's `.eml` is
/// still read as text.
#[test]
fn a_message_in_a_zip_sent_by_email_is_read_as_an_attached_message() {
    let eml = b"From: Occupational Health <oh@force.example>\r\nTo: j.bloggs@force.example\r\nSubject: Your referral\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nUmVzdHJpY3RlZCBkdXRpZXMgZm9yIHNpeCB3ZWVrcy4=\r\n";
    let zipped = zip_of(&[
        ("notes.txt", b"see the letters"),
        ("mail/referral.eml", eml),
        ("outer.msg", OUTER_MSG),
    ]);
    let event = email_with_zip(&zipped);
    let email = event.email.as_ref().unwrap();
    let text = email.attachments[0].text.as_deref().unwrap();
    assert!(
        text.contains(
            "[file mail/referral.eml]\nYour referral\n\nRestricted duties for six weeks."
        ),
        "{text}"
    );
    assert!(
        text.contains("[file outer.msg]\nouter subject\n\nOuter body"),
        "{text}"
    );
    let held = event.original[ATTACHED_MESSAGES_KEY].as_array().unwrap();
    // The letter, the Outlook message and the message attached to that.
    assert_eq!(held.len(), 3, "{held:?}");
    let span = |entry: &serde_json::Value| {
        let start = entry["start"].as_u64().unwrap() as usize;
        let end = entry["end"].as_u64().unwrap() as usize;
        &text[start..end]
    };
    assert_eq!(held[0]["attachment"], 0);
    assert_eq!(held[0]["depth"], 1);
    assert!(held[0]["headers"].to_string().contains("oh@force.example"));
    assert_eq!(
        span(&held[0]),
        "Your referral\n\nRestricted duties for six weeks."
    );
    assert!(held[1]["headers"].to_string().contains("outer@foo.bar"));
    assert!(span(&held[1]).starts_with("outer subject\n\nOuter body"));
    assert_eq!(held[2]["depth"], 2);
    assert!(held[2]["headers"].to_string().contains("test@foobar.com"));
    assert!(
        span(&held[2]).starts_with("test\n\nbody"),
        "{}",
        span(&held[2])
    );

    let got = read(
        &zipped,
        "application/zip",
        "letters.zip",
        &Limits::default(),
    );
    let text = got.text.unwrap();
    assert!(
        text.contains("[file mail/referral.eml]\nFrom: Occupational Health"),
        "{text}"
    );
    // So too in a tar archive, gzipped.
    let tgz = gzip_of(&tar_of(&[("referral.eml", eml)]));
    let event = email_with_zip(&tgz);
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .clone()
        .unwrap();
    assert_eq!(
        text,
        "[file referral.eml]\nYour referral\n\nRestricted duties for six weeks."
    );
    let held = event.original[ATTACHED_MESSAGES_KEY].as_array().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0]["headers"].to_string().contains("oh@force.example"));
    assert_eq!(held[0]["start"], "[file referral.eml]\n".len());
}

/// Written by GNU tar as `tar --format=gnu -czf`: `export/victims.csv` (two invented people),
/// a file of abuse under a path past 100 bytes (a GNU long name), and `export/photo.png`.
const EXPORT_TAR_GZ: &[u8] = include_bytes!("fixtures/attach/export.tar.gz");
/// The same files written as `tar --format=pax -cf` (the long path in a pax record).
const EXPORT_PAX_TAR: &[u8] = include_bytes!("fixtures/attach/export-pax.tar");
/// `victims.csv` written by `gzip -N`, its name in the gzip header.
const VICTIMS_CSV_GZ: &[u8] = include_bytes!("fixtures/attach/victims.csv.gz");

const LONG_PATH: &str = "export/a-folder-with-a-name-long-enough-that-the-path-goes-past-one-hundred-bytes-as-exports-do/notes.txt";

/// A tar archive, gzipped or not, is read as a zip archive is: each file under a line naming it
/// (a long name as GNU tar and pax write it), files of no text named in a note. A gzip file of
/// one file is read as that file, named as its header names it, else as the attachment without
/// `.gz`. (Both were refused as binary: a CSV of people sent as `export.tar.gz` reached no
/// policy.)
#[test]
fn tar_and_gzip_files_are_read_as_archives_of_files() {
    let limits = Limits::default();
    for (what, bytes) in [("tar.gz", EXPORT_TAR_GZ), ("pax tar", EXPORT_PAX_TAR)] {
        let got = read(bytes, "application/octet-stream", "export.tgz", &limits);
        assert_eq!(
            got.text.as_deref(),
            Some(
                format!(
                    "[file {LONG_PATH}]\n{ABUSE}\n\n[file export/victims.csv]\n\
                     Name,Date of birth,Address\nJane Roe,01/02/1980,1 High Street\n\
                     John Doe,03/04/1975,2 Low Road"
                )
                .as_str()
            ),
            "{what}"
        );
        assert_eq!(
            got.note.as_deref(),
            Some(
                "1 file in the tar not read, neither text nor a document that is read: export/photo.png"
            ),
            "{what}"
        );
    }

    let got = read(VICTIMS_CSV_GZ, "application/gzip", "upload.gz", &limits);
    assert_eq!(
        got.text.as_deref(),
        Some(
            "[file victims.csv]\nName,Date of birth,Address\nJane Roe,01/02/1980,1 High Street\nJohn Doe,03/04/1975,2 Low Road"
        ),
        "{got:?}"
    );
    assert_eq!(got.note, None);
    // No name in its header: the attachment's, without `.gz`.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(ABUSE.as_bytes()).unwrap();
    let gzipped = encoder.finish().unwrap();
    let got = read(&gzipped, "application/x-gzip", "letter.txt.gz", &limits);
    assert_eq!(
        got.text.as_deref(),
        Some(format!("[file letter.txt]\n{ABUSE}").as_str())
    );
}

/// A tar archive of `files` written here, ustar headers and all.
fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = Vec::new();
    for (name, bytes) in files {
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[100..108].copy_from_slice(b"0000644\0");
        header[124..136].copy_from_slice(format!("{:011o}\0", bytes.len()).as_bytes());
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        tar.extend_from_slice(&header);
        tar.extend_from_slice(bytes);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.resize(tar.len() + 1024, 0);
    tar
}

fn gzip_of(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A gzip bomb is refused by the size its trailer declares, or cut where it inflates past the
/// ratio limit when the trailer lies; the decompression budget is the attachment's, shared by a
/// tar's files; an archive inside a tar, and a tar or gzip file inside a zip, is not opened.
#[test]
fn gzip_bombs_budgets_and_archives_inside_archives_are_held_to_the_limits() {
    let limits = Limits::default();
    let bomb = gzip_of(&vec![b'a'; 24 * 1024 * 1024]);
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let got = read(&bomb, "application/gzip", "bomb.txt.gz", &limits);
    assert!(note(&got).contains("bomb.txt.gz would inflate"), "{got:?}");
    assert_eq!(got.text, None);
    // The trailer says 16 bytes: cut while it inflates.
    let mut lying = bomb.clone();
    let at = lying.len() - 4;
    lying[at..].copy_from_slice(&16u32.to_le_bytes());
    let got = read(&lying, "application/gzip", "bomb.txt.gz", &limits);
    assert!(
        note(&got).contains("beyond the compression ratio limit (a zip bomb?)"),
        "{got:?}"
    );
    assert!(got.text.unwrap().len() <= bomb.len() * 200 + 64);

    let small = Limits {
        max_decompressed_bytes: 4096,
        ..Limits::default()
    };
    let text = vec![b'x'; 3000];
    let tgz = gzip_of(&tar_of(&[("one.txt", &text), ("two.txt", &text)]));
    let got = read(&tgz, "application/gzip", "files.tgz", &small);
    assert!(
        note(&got).contains("inflates past the decompression limit of 4096 bytes"),
        "{got:?}"
    );
    assert!(got.text.unwrap().starts_with("[file one.txt]\nxxx"));

    let inner_zip = zip_of(&[("deeper.txt", ABUSE.as_bytes())]);
    let inner_gz = gzip_of(ABUSE.as_bytes());
    let inner_tar = tar_of(&[("deeper.txt", ABUSE.as_bytes())]);
    let tar = tar_of(&[
        ("inner.zip", &inner_zip),
        ("inner.txt.gz", &inner_gz),
        ("inner.tar", &inner_tar),
        ("after.txt", b"read after them"),
    ]);
    let got = read(&tar, "application/x-tar", "files.tar", &limits);
    assert_eq!(
        got.text.as_deref(),
        Some("[file after.txt]\nread after them")
    );
    for (name, what) in [
        ("inner.zip", "a zip archive"),
        ("inner.txt.gz", "a gzip file"),
        ("inner.tar", "a tar archive"),
    ] {
        assert!(
            note(&got).contains(&format!(
                "{name} (in the tar): {what} inside another file is not opened"
            )),
            "{got:?}"
        );
    }
    let zip = zip_of(&[("files.tgz", &tgz), ("files.tar", &tar)]);
    let got = read(&zip, "application/zip", "files.zip", &limits);
    assert_eq!(got.text, None, "{got:?}");
    assert!(
        note(&got)
            .contains("files.tgz (in the zip): a gzip file inside another file is not opened")
            && note(&got).contains(
                "files.tar (in the zip): a tar archive inside another file is not opened"
            ),
        "{got:?}"
    );
}

/// A workbook, a presentation and an archive (zip, tar, gzip) cut short or with bytes changed
/// give text or a reason, never a panic (the readers run inside a panic guard, which would say so in the note).
#[test]
fn damaged_workbooks_presentations_and_archives_never_panic() {
    let archive = zip_of(&[("a.txt", ABUSE.as_bytes()), ("b.xlsx", NOMINALS_XLSX)]);
    for (name, bytes) in [
        ("nominals.xlsx", NOMINALS_XLSX),
        ("briefing.pptx", BRIEFING_PPTX),
        ("nominals.ods", NOMINALS_ODS),
        ("letter.odt", LETTER_ODT),
        ("files.zip", &archive[..]),
        ("export.tar.gz", EXPORT_TAR_GZ),
        ("export.tar", EXPORT_PAX_TAR),
        ("victims.csv.gz", VICTIMS_CSV_GZ),
    ] {
        for step in 0..64 {
            let at = bytes.len() * step / 64;
            let mut changed = bytes.to_vec();
            changed[at] ^= 0x5a;
            for damaged in [&bytes[..at], &changed[..]] {
                let got = read(damaged, "application/zip", name, &Limits::default());
                assert!(got.text.is_some() || got.note.is_some(), "{name} at {at}");
                assert!(!note(&got).contains("panicked"), "{name} at {at}: {got:?}");
            }
        }
    }
}

//! How fast attachment text is extracted: a DOCX, an XLSX, an Excel 97–2003 workbook (`.xls`), a
//! PDF and a plain text file built here, or the files named, each read by `attach::extract_text`
//! the way the mail decoder reads attachments.
//!
//! ```text
//! cargo run --release -p probity-ingest --example attach_bench [ROUNDS] [FILE...]
//! ```
//!
//! Each figure is the best of ROUNDS (default 5) extractions, as MB/s of the attachment's bytes
//! and of the text extracted (a DOCX is compressed, so the second says more). A file named is
//! read by its content and its name, as an attachment with no type.

use std::error::Error;
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use probity_ingest::Limits;
use probity_ingest::attach::{Input, extract_text};

const SENTENCE: &str = "The officer checked the vehicle record and noted the registered keeper. ";

fn docx(paragraphs: usize) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
    );
    for i in 0..paragraphs {
        xml.push_str(&format!(
            "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{i}. {SENTENCE}</w:t></w:r><w:r><w:t xml:space=\"preserve\">{SENTENCE}</w:t></w:r></w:p>"
        ));
    }
    xml.push_str("</w:body></w:document>");
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("word/document.xml", options)?;
    writer.write_all(xml.as_bytes())?;
    Ok(writer.finish()?.into_inner())
}

/// A workbook of `rows` people, as Excel writes one: strings shared, dates as numbers in a date
/// format.
fn xlsx(rows: usize) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut shared = String::from(
        "<sst><si><t>Name</t></si><si><t>Date of birth</t></si><si><t>Address</t></si><si><t>Phone</t></si>",
    );
    let mut sheet = String::from(
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"s\"><v>3</v></c></row>",
    );
    for i in 0..rows {
        let (name, address) = (4 + 2 * i, 5 + 2 * i);
        shared.push_str(&format!(
            "<si><t>SURNAME{i}, Forename</t></si><si><t>{i} High Street, Newtown</t></si>"
        ));
        let r = i + 2;
        sheet.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"s\"><v>{name}</v></c><c r=\"B{r}\" s=\"1\"><v>{}</v></c><c r=\"C{r}\" t=\"s\"><v>{address}</v></c><c r=\"D{r}\"><v>7700900{:03}</v></c></row>",
            20_000 + i % 10_000,
            i % 1000
        ));
    }
    shared.push_str("</sst>");
    sheet.push_str("</sheetData></worksheet>");
    let styles =
        "<styleSheet><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, part) in [
        ("xl/workbook.xml", "<workbook/>"),
        ("xl/sharedStrings.xml", shared.as_str()),
        ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", sheet.as_str()),
    ] {
        writer.start_file(name, options)?;
        writer.write_all(part.as_bytes())?;
    }
    Ok(writer.finish()?.into_inner())
}

/// One BIFF record.
fn biff(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out
}

/// A shared string table as Excel writes one: records of at most 8,224 bytes, a string cut in
/// its characters going on in a CONTINUE record that starts with its flags byte.
fn shared_string_records(strings: &[String]) -> Vec<u8> {
    const MAX: usize = 8_224;
    let mut records = Vec::new();
    let mut kind = 0x00FC;
    let mut current = (strings.len() as u32).to_le_bytes().to_vec();
    current.extend((strings.len() as u32).to_le_bytes());
    let mut flush = |current: &mut Vec<u8>, kind: &mut u16| {
        records.extend(biff(*kind, current));
        current.clear();
        *kind = 0x003C;
    };
    for string in strings {
        if current.len() + 3 > MAX {
            flush(&mut current, &mut kind);
        }
        current.extend((string.len() as u16).to_le_bytes());
        current.push(0);
        let mut rest = string.as_bytes();
        loop {
            let taken = rest.len().min(MAX - current.len());
            current.extend(&rest[..taken]);
            rest = &rest[taken..];
            if rest.is_empty() {
                break;
            }
            flush(&mut current, &mut kind);
            current.push(0);
        }
    }
    flush(&mut current, &mut kind);
    records
}

/// The same workbook as [`xlsx`] as Excel 97–2003 writes it (BIFF8 in a compound file): strings
/// shared, dates as whole numbers (RK) in a date format, phone numbers as NUMBER.
fn xls(rows: usize) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut strings: Vec<String> = ["Name", "Date of birth", "Address", "Phone"]
        .map(str::to_owned)
        .to_vec();
    let mut sheet = biff(
        0x0809,
        &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    let cell = |kind: u16, row: usize, column: u16, format: u16, value: &[u8]| {
        let mut data = (row as u16).to_le_bytes().to_vec();
        data.extend(column.to_le_bytes());
        data.extend(format.to_le_bytes());
        data.extend(value);
        biff(kind, &data)
    };
    for column in 0..4u16 {
        sheet.extend(cell(0x00FD, 0, column, 0, &u32::from(column).to_le_bytes()));
    }
    for i in 0..rows {
        let row = i + 1;
        let name = strings.len() as u32;
        strings.push(format!("SURNAME{i}, Forename"));
        strings.push(format!("{i} High Street, Newtown"));
        let born = (20_000 + i % 10_000) as u32;
        let phone = 7_700_900_000.0 + (i % 1000) as f64;
        sheet.extend(cell(0x00FD, row, 0, 0, &name.to_le_bytes()));
        sheet.extend(cell(0x027E, row, 1, 1, &((born << 2) | 2).to_le_bytes()));
        sheet.extend(cell(0x00FD, row, 2, 0, &(name + 1).to_le_bytes()));
        sheet.extend(cell(0x0203, row, 3, 0, &phone.to_le_bytes()));
    }
    sheet.extend(biff(0x000A, &[]));
    let xf = |format: u16| {
        let mut data = vec![0, 0];
        data.extend(format.to_le_bytes());
        data.resize(20, 0);
        biff(0x00E0, &data)
    };
    let mut globals = biff(
        0x0809,
        &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    globals.extend(xf(0));
    globals.extend(xf(14));
    let boundsheet_at = globals.len() + 4;
    globals.extend(biff(
        0x0085,
        &[0, 0, 0, 0, 0, 0, 6, 0, b'S', b'h', b'e', b'e', b't', b'1'],
    ));
    globals.extend(shared_string_records(&strings));
    globals.extend(biff(0x000A, &[]));
    let sheet_at = globals.len() as u32;
    globals[boundsheet_at..boundsheet_at + 4].copy_from_slice(&sheet_at.to_le_bytes());
    globals.extend(sheet);
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    file.create_stream("/Workbook")?.write_all(&globals)?;
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

fn pdf(pages: usize) -> Vec<u8> {
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|i| format!("{} 0 R", 4 + 2 * i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    for i in 0..pages {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        let mut stream = String::from("BT /F1 10 Tf 72 760 Td 12 TL\n");
        for line in 0..50 {
            stream.push_str(&format!("(Page {i} line {line}: {SENTENCE}) '\n"));
        }
        stream.push_str("ET");
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn measure(label: &str, bytes: &[u8], mime: Option<&str>, name: Option<&str>, rounds: usize) {
    let limits = Limits {
        max_attachment_text_bytes: 64 * 1024 * 1024,
        max_attachment_time: Duration::from_secs(600),
        ..Limits::default()
    };
    let input = Input {
        bytes,
        mime_type: mime,
        name,
        charset: None,
    };
    let mut best = Duration::MAX;
    let mut text_len = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let extracted = extract_text(&input, &limits);
        best = best.min(started.elapsed());
        text_len = extracted.text.map_or(0, |text| text.len());
        if let Some(note) = extracted.note {
            println!("{label}: note: {note}");
        }
    }
    let megabytes = bytes.len() as f64 / 1e6;
    let text_megabytes = text_len as f64 / 1e6;
    let seconds = best.as_secs_f64();
    println!(
        "{label}: {megabytes:.2} MB in, {text_megabytes:.2} MB text out, best {:.1} ms = {:.1} MB/s in, {:.1} MB/s text",
        seconds * 1e3,
        megabytes / seconds,
        text_megabytes / seconds
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse())
        .transpose()?
        .unwrap_or(5);
    let files: Vec<String> = std::env::args().skip(2).collect();
    if !files.is_empty() {
        for file in &files {
            let bytes = std::fs::read(file)?;
            measure(file, &bytes, None, Some(file), rounds);
        }
        return Ok(());
    }
    let docx = docx(20_000)?;
    let xlsx = xlsx(20_000)?;
    let xls = xls(20_000)?;
    let pdf = pdf(200);
    let text = SENTENCE.repeat(100_000);
    measure(
        "docx (20,000 paragraphs)",
        &docx,
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        None,
        rounds,
    );
    measure(
        "xlsx (20,000 rows)",
        &xlsx,
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        None,
        rounds,
    );
    measure(
        "xls (20,000 rows)",
        &xls,
        Some("application/vnd.ms-excel"),
        None,
        rounds,
    );
    measure(
        "pdf (200 pages, uncompressed)",
        &pdf,
        Some("application/pdf"),
        None,
        rounds,
    );
    measure(
        "text/plain",
        text.as_bytes(),
        Some("text/plain"),
        None,
        rounds,
    );
    Ok(())
}

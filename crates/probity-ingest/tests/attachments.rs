//! Attachment text extraction (plain text, HTML, DOCX, PDF) on files built here, hostile ones
//! included (zip bombs, truncated and encrypted files), on its own and through the mail decoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};
use std::time::Duration;

use probity_ingest::attach::{Extracted, Input, extract_text};
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use zip::write::SimpleFileOptions;

// ---------------------------------------------------------------------------------------------
// Fixtures built in the test
// ---------------------------------------------------------------------------------------------

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn document_xml(paragraphs: &[&str]) -> String {
    let mut body = String::new();
    for paragraph in paragraphs {
        body.push_str(&format!(
            "<w:p><w:pPr><w:jc w:val=\"left\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{paragraph}</w:t></w:r></w:p>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    )
}

/// A DOCX as Word lays it out (the parts that matter for text), deflated.
fn docx_with(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let content_types = b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    writer.start_file("[Content_Types].xml", options).unwrap();
    writer.write_all(content_types).unwrap();
    for (name, bytes) in parts {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    docx_with(&[("word/document.xml", document_xml(paragraphs).as_bytes())])
}

/// A minimal PDF, one page per string, Helvetica text; `trailer_extra` goes into the trailer and
/// `extra_objects` after the page objects (numbered on from them).
fn pdf_with(pages: &[&str], extra_objects: &[&str], trailer_extra: &str) -> Vec<u8> {
    pdf_with_between(pages, extra_objects, trailer_extra, b"")
}

/// [`pdf_with`], `between` written after each object (outside them, the offsets kept true).
fn pdf_with_between(
    pages: &[&str],
    extra_objects: &[&str],
    trailer_extra: &str,
    between: &[u8],
) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    for (i, text) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        let stream = format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    objects.extend(extra_objects.iter().map(|o| (*o).to_owned()));
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        out.extend_from_slice(between);
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
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn pdf(pages: &[&str]) -> Vec<u8> {
    pdf_with(pages, &[], "")
}

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

// ---------------------------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------------------------

#[test]
fn docx_text_keeps_paragraphs_and_entities() {
    let bytes = docx(&[
        "Vehicle check for VRM AB12 CDE",
        "Tom &amp; Jerry &#233;t&#xE9;",
    ]);
    let got = read(&bytes, DOCX_MIME, "note.docx", &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("Vehicle check for VRM AB12 CDE\nTom & Jerry \u{e9}t\u{e9}")
    );
    assert_eq!(got.note, None);
}

#[test]
fn docx_comments_and_tracked_deletions_are_read() {
    let comments = b"<w:comments xmlns:w=\"x\"><w:comment w:id=\"0\"><w:p><w:r><w:t>comment: she is a slag</w:t></w:r></w:p></w:comment></w:comments>";
    let document = "<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>kept </w:t></w:r><w:del><w:r><w:delText>deleted AB123456C</w:delText></w:r></w:del></w:p></w:body></w:document>";
    let bytes = docx_with(&[
        ("word/document.xml", document.as_bytes()),
        ("word/comments.xml", comments),
    ]);
    let got = read(&bytes, DOCX_MIME, "r.docx", &Limits::default());
    let text = got.text.unwrap();
    assert!(text.contains("kept deleted AB123456C"), "{text:?}");
    assert!(text.contains("comment: she is a slag"), "{text:?}");
}

/// The body's relationships naming `targets` as alternative-format chunks.
fn chunk_rels(targets: &[&str]) -> String {
    let mut rels = String::from(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (i, target) in targets.iter().enumerate() {
        rels.push_str(&format!(
            "<Relationship Id=\"rId{i}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk\" Target=\"{target}\"/>"
        ));
    }
    rels.push_str(
        "<Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
    );
    rels
}

#[test]
fn docx_alt_chunks_are_read_as_word_shows_them() {
    let rels = chunk_rels(&[
        "afchunk.html",
        "/word/chunk2.txt",
        "afchunk3.mht",
        "chunk4.rtf",
        "gone.html",
    ]);
    let mht = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<html><body><div>from the mht</div><div>chunk</div></body></html>\r\n--b--\r\n";
    let bytes = docx_with(&[
        ("word/document.xml", document_xml(&["Ordinary covering text."]).as_bytes()),
        ("word/_rels/document.xml.rels", rels.as_bytes()),
        (
            "word/afchunk.html",
            b"<html><body><p>OFFICIAL-SENSITIVE</p><p>Nominal AB123456C, you stupid bitch.</p></body></html>",
        ),
        ("word/chunk2.txt", b"plain chunk text"),
        ("word/afchunk3.mht", mht.as_bytes()),
        ("word/chunk4.rtf", b"{\\rtf1 hidden}"),
        ("word/styles.xml", b"<w:styles xmlns:w=\"x\"><w:t>not text</w:t></w:styles>"),
    ]);
    let got = read(&bytes, DOCX_MIME, "report.docx", &Limits::default());
    let text = got.text.clone().unwrap();
    assert!(text.starts_with("Ordinary covering text."), "{text:?}");
    assert!(
        text.contains("OFFICIAL-SENSITIVE\nNominal AB123456C, you stupid bitch."),
        "{text:?}"
    );
    assert!(text.contains("plain chunk text"), "{text:?}");
    assert!(text.contains("from the mht\nchunk"), "{text:?}");
    assert!(
        !text.contains("not text") && !text.contains("hidden"),
        "{text:?}"
    );
    let note = note(&got);
    assert!(
        note.contains("word/chunk4.rtf") && note.contains("RTF"),
        "{note}"
    );
    assert!(note.contains("word/gone.html is named"), "{note}");
}

#[test]
fn a_word_document_embedded_in_one_is_read_and_objects_deeper_named() {
    let inner = docx(&["inner document: OFFICIAL-SENSITIVE"]);
    let innermost = docx(&["two levels down"]);
    let middle = docx_with(&[
        ("word/document.xml", document_xml(&["middle"]).as_bytes()),
        ("word/embeddings/deeper.docx", &innermost),
    ]);
    // An embedded workbook is read as one (`tests/archives.rs` reads workbooks).
    let book = docx_with(&[
        ("xl/workbook.xml", b"<workbook/>"),
        (
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>embedded workbook</t></is></c></row></sheetData></worksheet>",
        ),
    ]);
    let bytes = docx_with(&[
        (
            "word/document.xml",
            document_xml(&["Ordinary covering text."]).as_bytes(),
        ),
        ("word/embeddings/Microsoft_Word_Document.docx", &inner),
        ("word/embeddings/Second.docx", &middle),
        ("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0 ole"),
        ("word/embeddings/Book1.xlsx", &book),
    ]);
    let got = read(&bytes, DOCX_MIME, "report.docx", &Limits::default());
    let text = got.text.clone().unwrap();
    assert!(text.starts_with("Ordinary covering text."), "{text:?}");
    assert!(
        text.contains("inner document: OFFICIAL-SENSITIVE"),
        "{text:?}"
    );
    assert!(text.contains("middle"), "{text:?}");
    assert!(!text.contains("two levels down"), "{text:?}");
    assert!(
        text.contains("[sheet sheet1]\nembedded workbook"),
        "{text:?}"
    );
    let note = note(&got);
    // An object whose bytes are no format read is named with why (`tests/ole_embeddings.rs`
    // reads the objects OLE writes).
    assert!(
        note.contains(
            "word/embeddings/oleObject1.bin: text is not extracted from attachments of unknown type"
        ),
        "{note}"
    );
    assert!(
        note.contains(
            "word/embeddings/Second.docx: 1 embedded object not read: the document is inside another file (word/embeddings/deeper.docx)"
        ),
        "{note}"
    );
}

#[test]
fn docx_headers_and_footnotes_are_read_after_the_body() {
    let header = document_xml(&["OFFICIAL-SENSITIVE"]);
    let bytes = docx_with(&[
        (
            "word/footer1.xml",
            b"<w:ftr xmlns:w=\"x\"><w:p><w:r><w:t>page footer</w:t></w:r></w:p></w:ftr>",
        ),
        ("word/document.xml", document_xml(&["body text"]).as_bytes()),
        ("word/header1.xml", header.as_bytes()),
        ("word/media/image1.xml", b"<x><w:t>not text</w:t></x>"),
    ]);
    let got = read(
        &bytes,
        "application/octet-stream",
        "x.docx",
        &Limits::default(),
    );
    let text = got.text.clone().unwrap();
    assert!(text.starts_with("body text"), "{text:?}");
    assert!(
        text.contains("page footer") && text.contains("OFFICIAL-SENSITIVE"),
        "{text:?}"
    );
    assert!(!text.contains("not text"), "{text:?}");
}

#[test]
fn zip_bomb_is_refused_by_its_ratio() {
    // 24 MiB of one letter deflates to a few tens of KiB: well over 200:1.
    let bomb = vec![b'a'; 24 * 1024 * 1024];
    let bytes = docx_with(&[("word/document.xml", &bomb)]);
    assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
    let got = read(&bytes, DOCX_MIME, "bomb.docx", &Limits::default());
    assert_eq!(got.text, None);
    assert!(note(&got).contains("zip bomb"), "{got:?}");
}

#[test]
fn decompression_budget_keeps_the_text_read_so_far() {
    let paragraphs: Vec<String> = (0..400).map(|i| format!("paragraph number {i}")).collect();
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let bytes = docx(&refs);
    let limits = Limits {
        max_decompressed_bytes: 4096,
        ..Limits::default()
    };
    let got = read(&bytes, DOCX_MIME, "long.docx", &limits);
    let text = got.text.clone().unwrap();
    assert!(text.starts_with("paragraph number 0\n"), "{text:?}");
    assert!(!text.contains("paragraph number 399"), "{text:?}");
    assert!(
        note(&got).contains("decompression limit of 4096 bytes"),
        "{got:?}"
    );
}

#[test]
fn too_many_zip_entries_are_refused_unread() {
    let names: Vec<String> = (0..20).map(|i| format!("word/media/{i}.bin")).collect();
    let mut parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let xml = document_xml(&["hello"]);
    parts.push(("word/document.xml", xml.as_bytes()));
    let bytes = docx_with(&parts);
    let limits = Limits {
        max_zip_entries: 10,
        ..Limits::default()
    };
    let got = read(&bytes, DOCX_MIME, "many.docx", &limits);
    assert_eq!(got.text, None);
    assert!(
        note(&got).contains("22 entries, more than the limit of 10"),
        "{got:?}"
    );
}

#[test]
fn truncated_and_foreign_zips_are_noted() {
    let bytes = docx(&["some text"]);
    let cut = &bytes[..bytes.len() / 2];
    let got = read(cut, DOCX_MIME, "cut.docx", &Limits::default());
    assert_eq!(got.text, None);
    assert!(note(&got).starts_with("corrupt zip container"), "{got:?}");

    let plain_zip = docx_with(&[("readme.txt", b"hello")]);
    let got = read(
        &plain_zip,
        "application/zip",
        "files.zip",
        &Limits::default(),
    );
    // Not a document: an archive, whose files are read (tests/archives.rs).
    assert!(
        got.text
            .as_deref()
            .unwrap()
            .contains("[file readme.txt]\nhello"),
        "{got:?}"
    );
}

#[test]
fn damaged_document_xml_keeps_the_text_before_the_damage() {
    let xml = "<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>first part</w:t></w:r></w:p><w:p><w:r><w:t>second</w:x></w:body>";
    let bytes = docx_with(&[("word/document.xml", xml.as_bytes())]);
    let got = read(&bytes, DOCX_MIME, "damaged.docx", &Limits::default());
    assert!(got.text.clone().unwrap().starts_with("first part"));
    assert!(
        note(&got).contains("word/document.xml is damaged"),
        "{got:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------

#[test]
fn pdf_text_is_read_page_by_page() {
    let bytes = pdf(&["First page words", "Second page words"]);
    let got = read(&bytes, "application/pdf", "a.pdf", &Limits::default());
    let text = got.text.clone().unwrap();
    assert!(text.contains("First page words"), "{text:?}");
    assert!(text.contains("Second page words"), "{text:?}");
    assert_eq!(got.note, None);
}

#[test]
fn pdf_page_limit_and_time_limit_keep_earlier_pages() {
    let bytes = pdf(&["page one", "page two", "page three"]);
    let limits = Limits {
        max_pdf_pages: 2,
        ..Limits::default()
    };
    let got = read(&bytes, "application/pdf", "a.pdf", &limits);
    let text = got.text.clone().unwrap();
    assert!(
        text.contains("page two") && !text.contains("page three"),
        "{text:?}"
    );
    assert!(note(&got).contains("3 pages; only the first 2"), "{got:?}");

    let limits = Limits {
        max_attachment_time: Duration::ZERO,
        ..Limits::default()
    };
    let got = read(&bytes, "application/pdf", "a.pdf", &limits);
    let text = got.text.clone().unwrap();
    assert!(
        text.contains("page one") && !text.contains("page two"),
        "{text:?}"
    );
    assert!(note(&got).contains("before page 2 of 3"), "{got:?}");
}

#[test]
fn truncated_pdf_does_not_panic_and_says_why() {
    let bytes = pdf(&["alpha", "beta"]);
    for cut in [9, bytes.len() / 3, bytes.len() / 2, bytes.len() - 30] {
        let got = read(
            &bytes[..cut],
            "application/pdf",
            "cut.pdf",
            &Limits::default(),
        );
        assert!(
            got.text.is_some() || got.note.is_some(),
            "cut at {cut}: {got:?}"
        );
        // Pages that could not be read are not a PDF without a text layer.
        let said = got.note.as_deref().unwrap_or_default();
        assert!(
            !(said.contains("could not be read") && said.contains("no text layer")),
            "cut at {cut}: {got:?}"
        );
    }
    let got = read(
        &bytes[..9],
        "application/pdf",
        "cut.pdf",
        &Limits::default(),
    );
    assert_eq!(got.text, None);
    assert!(note(&got).starts_with("corrupt PDF"), "{got:?}");
}

/// A PDF cut short anywhere says so: the text read as far as it goes, never a PDF without a text
/// layer, never silence about the pages lost.
#[test]
fn pdf_cut_short_says_so_wherever_it_is_cut() {
    let bytes = pdf(&["alpha words here", "beta words there"]);
    let whole = read(&bytes, "application/pdf", "whole.pdf", &Limits::default());
    assert_eq!(whole.note, None, "{whole:?}");
    let mut with_text = 0;
    for cut in (10..bytes.len() - 8).step_by(7) {
        let got = read(
            &bytes[..cut],
            "application/pdf",
            "cut.pdf",
            &Limits::default(),
        );
        let said = note(&got);
        assert!(!said.contains("no text layer"), "cut at {cut}: {got:?}");
        assert!(
            said.starts_with("corrupt PDF") || said.contains("cut short"),
            "cut at {cut}: {got:?}"
        );
        if let Some(text) = &got.text {
            with_text += 1;
            assert!(
                text.starts_with("alpha words here"),
                "cut at {cut}: {got:?}"
            );
        }
    }
    assert!(with_text > 0, "no cut kept the first page's text");
}

/// The tester's PDF: two pages, the font object last, the file cut just after page 1's content
/// stream. lopdf loads it but shows no text without the font; the page's strings are read
/// without it, and the notes say so.
#[test]
fn pdf_cut_before_its_fonts_keeps_the_text_of_its_pages() {
    let page = |n: usize, contents: usize| {
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contents} 0 R /Resources << /Font << /F1 7 0 R >> >> >>").replace("{n}", &n.to_string())
    };
    let stream = |text: &str| {
        let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
    };
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>".to_owned(),
        page(1, 4),
        stream("NI AB123456C"),
        page(2, 6),
        stream("card 4111111111111111"),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut bytes = b"%PDF-1.4\n".to_vec();
    let mut cut = 0;
    for (i, object) in objects.iter().enumerate() {
        bytes.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        if i == 3 {
            cut = bytes.len();
        }
    }
    let got = read(
        &bytes[..cut],
        "application/pdf",
        "r.pdf",
        &Limits::default(),
    );
    assert_eq!(got.text.as_deref(), Some("NI AB123456C"), "{got:?}");
    let said = note(&got);
    assert!(said.contains("cut short"), "{said}");
    assert!(said.contains("page 1's fonts could not be read"), "{said}");

    // Cut inside page 1's content stream: nothing to read, and the note says so rather than
    // that text was read as far as it goes.
    let inside = cut - 30;
    let got = read(
        &bytes[..inside],
        "application/pdf",
        "r.pdf",
        &Limits::default(),
    );
    assert_eq!(got.text, None, "{got:?}");
    let said = note(&got);
    assert!(said.contains("no text could be read"), "{said}");
    assert!(!said.contains("text read as far as it goes"), "{said}");
}

/// Text that starts with a PDF header, or is declared or named a PDF, and holds no PDF syntax is
/// read as text, noted as claiming to be a PDF: starting a message `%PDF-1.4` kept its words out
/// of every policy (found by the fuzzer).
#[test]
fn text_that_claims_to_be_a_pdf_is_read_as_text() {
    let message = "%PDF-1.4\nMeet me behind the station at nine.\nBring the custody records.\n";
    for (mime, name) in [
        ("text/plain", "notes.txt"),
        ("application/octet-stream", "notes"),
        ("application/pdf", "notes.pdf"),
    ] {
        let got = read(message.as_bytes(), mime, name, &Limits::default());
        let text = got.text.clone().unwrap_or_default();
        assert!(
            text.contains("Meet me behind the station"),
            "{mime}: {got:?}"
        );
        assert!(text.contains("custody records"), "{mime}: {got:?}");
        let said = note(&got);
        assert!(
            said.starts_with("not a PDF though its first bytes hold a PDF header"),
            "{said}"
        );
        assert!(said.contains("read as text"), "{said}");
    }
    // Declared a PDF by type or name alone, in a declared charset.
    let input = Input {
        bytes: b"R\xe9union \xe0 neuf heures, apportez le dossier",
        mime_type: Some("application/pdf"),
        name: Some("note.pdf"),
        charset: Some("iso-8859-1"),
    };
    let got = extract_text(&input, &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("R\u{e9}union \u{e0} neuf heures, apportez le dossier")
    );
    assert!(
        note(&got).contains("its type is application/pdf"),
        "{got:?}"
    );
    // Binary bytes that claim to be a PDF are still not read as text.
    let binary: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..=255u8).cycle().take(4096))
        .collect();
    let got = read(&binary, "application/pdf", "x.pdf", &Limits::default());
    assert_eq!(got.text, None, "{got:?}");
    assert!(note(&got).starts_with("corrupt PDF"), "{got:?}");
}

/// A fake object above a message does not hide it: the lines outside PDF syntax are read, and
/// the note says the PDF could not be read. Text in a stream the file ends in, never closed and
/// said to hold nothing but its length, is read too (it was not); text inside a string or a
/// filtered stream left open is not read, but the note says where the file ends.
#[test]
fn text_around_fake_pdf_syntax_is_read_and_noted() {
    let message = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nMeet me behind the station at nine.\n2 0 obj\nBring the custody records.\n";
    let got = read(message, "text/plain", "notes.txt", &Limits::default());
    let text = got.text.clone().unwrap_or_default();
    assert_eq!(
        text, "Meet me behind the station at nine.\nBring the custody records.",
        "{got:?}"
    );
    let said = note(&got);
    assert!(said.starts_with("corrupt PDF"), "{said}");
    assert!(
        said.contains("only the text outside its PDF syntax was read"),
        "{said}"
    );

    let hidden = b"%PDF-1.4\nMeet me behind the station.\n1 0 obj\n<< /Length 99 >>\nstream\nBring the custody records.\n";
    let got = read(hidden, "text/plain", "notes.txt", &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("Meet me behind the station.\nBring the custody records.")
    );
    assert!(
        note(&got).contains("with the text of a stream it ends in, never closed"),
        "{got:?}"
    );
    let filtered = b"%PDF-1.4\nMeet me behind the station.\n1 0 obj\n<< /Length 99 /Filter /FlateDecode >>\nstream\nBring the custody records.\n";
    let got = read(filtered, "text/plain", "notes.txt", &Limits::default());
    assert_eq!(got.text.as_deref(), Some("Meet me behind the station."));
    assert!(
        note(&got).contains("it ends inside a PDF object, stream or string"),
        "{got:?}"
    );

    // A NUL in the text outside the syntax kept all of it from being read (found by the
    // fuzzer): it is read with the NUL taken out.
    let with_nul = b"I know where you live.\n%PDF-1.4\nwatch\0your back\n";
    let got = read(
        with_nul,
        "application/octet-stream",
        "x.dat",
        &Limits::default(),
    );
    assert_eq!(
        got.text.as_deref(),
        Some("I know where you live.\nwatch your back"),
        "{got:?}"
    );

    let all_hidden = b"%PDF-1.4\n1 0 obj\n<< /Length 99 >>\nstream\nBring the custody records.\n";
    let got = read(all_hidden, "text/plain", "notes.txt", &Limits::default());
    assert_eq!(got.text.as_deref(), Some("Bring the custody records."));
    assert!(note(&got).starts_with("corrupt PDF"), "{got:?}");
    let in_a_string = b"%PDF-1.4\n1 0 obj\n(Bring the custody records.\n";
    let got = read(in_a_string, "text/plain", "notes.txt", &Limits::default());
    assert_eq!(got.text, None);
    assert!(note(&got).starts_with("corrupt PDF"), "{got:?}");
}

/// In a PDF that does not open, a line of binary bytes outside its syntax is left out alone:
/// judged with the text around it, it kept that text from every policy. The marks PDF writers
/// leave in comments are not text: a PDF from ReportLab cut short gave the writer's name as its
/// text.
#[test]
fn binary_lines_and_writer_marks_outside_a_broken_pdf_are_left_out() {
    let mut hidden = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    hidden.extend((0..=255u8).filter(|b| !b"\r\n".contains(b)));
    hidden.extend_from_slice(b"\nI know where you live.\n");
    let got = read(&hidden, "application/pdf", "x.pdf", &Limits::default());
    assert_eq!(
        got.text.as_deref(),
        Some("I know where you live."),
        "{got:?}"
    );
    assert!(
        note(&got).contains("only the text outside its PDF syntax was read"),
        "{got:?}"
    );

    let cut = b"%PDF-1.4\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document (opensource)\n1 0 obj\n<< /F1 2 0 R >>\nendobj\n2 0 obj\n<< /Length 120 /Filter [ /ASCII85Decode /FlateDecode ] >>\nstream\nGap";
    let got = read(cut, "application/pdf", "invoice.pdf", &Limits::default());
    assert_eq!(got.text, None, "{got:?}");
    assert!(note(&got).starts_with("corrupt PDF"), "{got:?}");
    assert!(note(&got).ends_with("text not extracted"), "{got:?}");
}

const THREAT: &str = "You stupid bitch, I know where you live and I will hurt you.";

/// Text appended after a PDF's end-of-file marker, or written between its objects (as a line or
/// a comment), shows on no page but in any text editor: it is read after the pages, noted (a PDF
/// that opened was read for its pages alone, a way to hide words from every policy).
#[test]
fn text_outside_the_syntax_of_a_pdf_that_opens_is_read_and_noted() {
    let mut appended = pdf(&["Quarterly figures"]);
    appended.extend_from_slice(format!("{THREAT}\n").as_bytes());
    let between_lines = pdf_with_between(
        &["Quarterly figures"],
        &[],
        "",
        format!("{THREAT}\n").as_bytes(),
    );
    let in_comments = pdf_with_between(
        &["Quarterly figures"],
        &[],
        "",
        format!("%{THREAT}\n").as_bytes(),
    );
    let with_nul = pdf_with_between(
        &["Quarterly figures"],
        &[],
        "",
        format!("{}\n", THREAT.replace(' ', "\0")).as_bytes(),
    );
    for (label, bytes) in [
        ("appended", &appended),
        ("between objects", &between_lines),
        ("in comments", &in_comments),
        ("NUL between its words", &with_nul),
    ] {
        let got = read(bytes, "application/pdf", "report.pdf", &Limits::default());
        let text = got.text.clone().unwrap_or_default();
        assert!(text.starts_with("Quarterly figures\n"), "{label}: {got:?}");
        assert!(text.contains(THREAT), "{label}: {got:?}");
        let said = note(&got);
        assert!(
            said.contains("text outside its PDF syntax") && said.contains("read after its pages"),
            "{label}: {said}"
        );
        assert!(!said.contains("cut short"), "{label}: {said}");
    }
}

/// Text after a `stream` keyword the file never closes, appended to a PDF that opens, is read
/// after its pages (it was not read); a stream so left open that says it is compressed is not,
/// and the note says so.
#[test]
fn text_in_a_stream_never_closed_after_a_pdf_that_opens_is_read() {
    let mut bytes = pdf(&["Quarterly figures"]);
    bytes.extend_from_slice(format!("9 0 obj\nstream\n{THREAT}\n").as_bytes());
    let got = read(&bytes, "application/pdf", "report.pdf", &Limits::default());
    let text = got.text.clone().unwrap_or_default();
    assert_eq!(text, format!("Quarterly figures\n{THREAT}"), "{got:?}");
    let said = note(&got);
    assert!(
        said.contains("with the text of a stream the file ends in, never closed"),
        "{said}"
    );

    let mut bytes = pdf(&["Quarterly figures"]);
    bytes.extend_from_slice(
        format!("9 0 obj\n<< /Filter /FlateDecode >>\nstream\n{THREAT}\n").as_bytes(),
    );
    let got = read(&bytes, "application/pdf", "report.pdf", &Limits::default());
    assert_eq!(got.text.as_deref(), Some("Quarterly figures"), "{got:?}");
    assert!(
        note(&got).contains("it ends inside a PDF object, stream or string that is never closed"),
        "{got:?}"
    );
}

/// Binary bytes between a PDF's objects or after its end (padding, a high-byte comment) are not
/// text: a PDF that opens gives its pages' text alone and no note (more than a kilobyte of
/// padding after its end-of-file marker made it look cut short).
#[test]
fn binary_bytes_outside_the_syntax_of_a_pdf_that_opens_give_no_text() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
    let mut padded = pdf(&["Quarterly figures"]);
    padded.extend_from_slice(&binary);
    padded.extend_from_slice(&[0; 4096]);
    let mut comment = b"%".to_vec();
    comment.extend(binary.iter().filter(|b| !b"\r\n".contains(b)));
    comment.push(b'\n');
    let between = pdf_with_between(&["Quarterly figures"], &[], "", &comment);
    for bytes in [&padded, &between] {
        let got = read(bytes, "application/pdf", "report.pdf", &Limits::default());
        assert_eq!(got.text.as_deref(), Some("Quarterly figures"), "{got:?}");
        assert_eq!(got.note, None, "{got:?}");
    }
}

/// `bytes` (a PDF from [`pdf`]) with an incremental update that replaces page 1's content stream
/// (object 5) with one showing `text`: the update's objects, its cross-reference section and
/// trailer, and a second end-of-file marker.
fn incremental_update(bytes: &[u8], text: &str) -> Vec<u8> {
    let text_of = String::from_utf8_lossy(bytes);
    let previous: usize = text_of
        .rsplit("startxref\n")
        .next()
        .and_then(|rest| rest.lines().next())
        .and_then(|number| number.trim().parse().ok())
        .unwrap();
    let size = text_of
        .rsplit("/Size ")
        .next()
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned();
    let mut out = bytes.to_vec();
    let object = out.len();
    let stream = format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET");
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Length {} >>\nstream\n{stream}\nendstream\nendobj\n",
            stream.len()
        )
        .as_bytes(),
    );
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n5 1\n{object:010} 00000 n \ntrailer\n<< /Size {size} /Root 1 0 R /Prev {previous} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// An incrementally updated PDF has objects after its first end-of-file marker: PDF syntax, not
/// text, and no note. Text appended after its last marker is read, however long, and does not
/// make the file look cut short (more than a kilobyte of it did, and was not read).
#[test]
fn an_incremental_update_is_syntax_and_text_after_its_last_marker_is_read() {
    let updated = incremental_update(&pdf(&["first version"]), "second version");
    let got = read(
        &updated,
        "application/pdf",
        "report.pdf",
        &Limits::default(),
    );
    assert_eq!(got.text.as_deref(), Some("second version"), "{got:?}");
    assert_eq!(got.note, None, "{got:?}");

    let mut appended = updated.clone();
    let long = format!("{THREAT}\n").repeat(40);
    appended.extend_from_slice(long.as_bytes());
    let got = read(
        &appended,
        "application/pdf",
        "report.pdf",
        &Limits::default(),
    );
    let text = got.text.clone().unwrap_or_default();
    assert!(text.starts_with("second version\n"), "{got:?}");
    assert!(text.contains(THREAT), "{got:?}");
    let said = note(&got);
    assert!(!said.contains("cut short"), "{said}");
    assert!(said.contains("text outside its PDF syntax"), "{said}");

    // Cut inside the update: the objects after the first marker are still syntax, and the file
    // is cut short.
    let cut = &updated[..updated.len() - 40];
    let got = read(cut, "application/pdf", "report.pdf", &Limits::default());
    assert!(
        !note(&got).contains("text outside its PDF syntax"),
        "{got:?}"
    );
    assert!(
        got.text
            .as_deref()
            .is_none_or(|text| !text.contains("xref")),
        "{got:?}"
    );
}

/// Through the mail decoder: a text attachment that starts `%PDF-1.4` has its words in its text.
#[test]
fn mail_text_attachment_that_claims_to_be_a_pdf_keeps_its_words() {
    let raw = b"From: a@force.example\r\nTo: b@example.org\r\nSubject: notes\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n%PDF-1.4\r\nI know where you live.\r\n--b--\r\n";
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let attachment = &email.attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(text.contains("I know where you live."), "{attachment:?}");
    assert!(note_of(attachment).contains("not a PDF"), "{attachment:?}");
}

/// A whole PDF whose page names a font that is not in the file: its text is still read.
#[test]
fn pdf_page_with_a_missing_font_is_read_without_it() {
    let bytes = pdf(&["alpha words here", "beta words there"]);
    // Same length, so the cross-reference table stays right: object 9 does not exist.
    let text = String::from_utf8_lossy(&bytes).replace("/F1 3 0 R", "/F1 9 0 R");
    let got = read(
        text.as_bytes(),
        "application/pdf",
        "r.pdf",
        &Limits::default(),
    );
    assert_eq!(
        got.text.as_deref(),
        Some("alpha words here\nbeta words there"),
        "{got:?}"
    );
    assert!(
        note(&got).contains("page 2's fonts could not be read"),
        "{got:?}"
    );
    // A page that shows glyph ids, not letters, gives no text this way.
    let glyphs =
        String::from_utf8_lossy(&pdf(&["\\001\\002\\003\\004"])).replace("/F1 3 0 R", "/F1 9 0 R");
    let got = read(
        glyphs.as_bytes(),
        "application/pdf",
        "r.pdf",
        &Limits::default(),
    );
    assert_eq!(got.text, None, "{got:?}");
}

/// A page whose content cannot be inflated is reported as unreadable, not as a PDF without a
/// text layer (a scan), which would send an analyst looking for an image.
#[test]
fn unreadable_pages_are_not_called_a_missing_text_layer() {
    let good = pdf(&["alpha words"]);
    // The page's content stream, replaced by one of the same length (so the cross-reference
    // offsets still hold) that claims a filter its bytes do not satisfy.
    let old: &[u8] = b"<< /Length 42 >>\nstream\nBT /F1 12 Tf 72 712 Td (alpha words) Tj ET\n";
    let new: &[u8] = b"<</Length 25/Filter/FlateDecode>>\nstream\nthese bytes are not zlib.\n";
    assert_eq!(old.len(), new.len());
    let at = good
        .windows(old.len())
        .position(|w| w == old)
        .expect("the fixture's content stream");
    let mut broken = good.clone();
    broken[at..at + old.len()].copy_from_slice(new);
    let got = read(&broken, "application/pdf", "broken.pdf", &Limits::default());
    let said = note(&got);
    assert!(said.contains("page 1 could not be read"), "{got:?}");
    assert!(!said.contains("no text layer"), "{got:?}");
}

#[test]
fn encrypted_pdf_is_noted() {
    // Standard security handler, RC4 40-bit, with owner and user keys that match no password:
    // the file cannot be decrypted with the empty user password.
    let key = "<".to_owned() + &"5a".repeat(32) + ">";
    let encrypt = format!("<< /Filter /Standard /V 1 /R 2 /O {key} /U {key} /P -44 >>");
    let bytes = pdf_with(
        &["secret words"],
        &[&encrypt],
        "/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]",
    );
    let got = read(&bytes, "application/pdf", "locked.pdf", &Limits::default());
    assert!(
        !got.text
            .clone()
            .unwrap_or_default()
            .contains("secret words")
    );
    assert!(note(&got).contains("encrypted PDF"), "{got:?}");
}

#[test]
fn arbitrary_bytes_declared_as_documents_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let base_pdf = pdf(&["words"]);
    let base_docx = docx(&["words"]);
    for round in 0..300 {
        let (base, mime) = if round % 2 == 0 {
            (&base_pdf, "application/pdf")
        } else {
            (&base_docx, DOCX_MIME)
        };
        let mut bytes = base.clone();
        for _ in 0..1 + next() % 8 {
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
        }
        let got = read(&bytes, mime, "fuzz", &Limits::default());
        assert!(got.text.is_some() || got.note.is_some(), "round {round}");
    }
}

// ---------------------------------------------------------------------------------------------
// Through the mail decoder
// ---------------------------------------------------------------------------------------------

#[test]
fn every_attachment_of_an_email_gets_text_or_a_reason() {
    let raw = common::message_attaching(&[
        (
            "minutes.docx",
            DOCX_MIME,
            &docx(&["Minutes of the meeting"]),
        ),
        (
            "report.pdf",
            "application/pdf",
            &pdf(&["Intelligence report text"]),
        ),
        (
            "notes.txt",
            "text/plain; charset=iso-8859-1",
            b"caf\xe9 notes",
        ),
        ("page.html", "text/html", b"<p>Hello <b>there</b></p>"),
        (
            "photo.jpg",
            "image/jpeg",
            &[0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3],
        ),
        (
            "broken.pdf",
            "application/pdf",
            b"%PDF-1.4\n1 0 obj\n<< /Type",
        ),
    ]);
    // Nothing rejected.
    let email = common::decoded(&raw, Limits::default()).email.unwrap();
    let attachments = email.attachments;
    assert_eq!(attachments.len(), 6);
    let text = |i: usize| attachments[i].text.as_deref().unwrap_or("");
    assert_eq!(text(0), "Minutes of the meeting");
    assert!(
        text(1).contains("Intelligence report text"),
        "{:?}",
        attachments[1]
    );
    assert_eq!(text(2), "caf\u{e9} notes");
    assert!(text(3).contains("Hello there"), "{:?}", attachments[3]);
    assert_eq!(attachments[4].text, None);
    assert_eq!(
        attachments[4].extraction.as_deref(),
        Some("text is not extracted from image/jpeg")
    );
    assert_eq!(attachments[5].text, None);
    assert!(
        attachments[5]
            .extraction
            .as_deref()
            .unwrap()
            .starts_with("corrupt PDF"),
        "{:?}",
        attachments[5]
    );
    for attachment in &attachments[..4] {
        assert_eq!(attachment.extraction, None, "{attachment:?}");
    }
}

/// A CSV sent as `export.dat` with a generic type is read by its content, and says so; binary
/// content of the same type is still described without text.
#[test]
fn text_of_a_generic_type_is_read_by_content_sniffing() {
    let mut csv = String::from("name,dob,address\n");
    for n in 0..40 {
        csv.push_str(&format!(
            "Person {n},01/02/19{:02},{n} High Street\n",
            50 + n
        ));
    }
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let raw = common::message_attaching(&[
        ("export.dat", "application/octet-stream", csv.as_bytes()),
        ("notes", "application/octet-stream", b"NI AB123456C"),
        ("blob.dat", "application/octet-stream", &binary),
    ]);
    let attachments = common::decoded(&raw, Limits::default())
        .email
        .unwrap()
        .attachments;
    assert_eq!(attachments[0].text.as_deref(), Some(csv.trim()));
    assert_eq!(attachments[1].text.as_deref(), Some("NI AB123456C"));
    for attachment in &attachments[..2] {
        assert!(
            note_of(attachment).contains("content sniffing"),
            "{attachment:?}"
        );
    }
    assert_eq!(attachments[2].text, None);
    assert_eq!(
        attachments[2].extraction.as_deref(),
        Some("text is not extracted from application/octet-stream")
    );
}

fn note_of(attachment: &probity_model::Attachment) -> &str {
    attachment.extraction.as_deref().unwrap_or_default()
}

#[test]
fn attached_message_text_is_its_subject_and_body() {
    let raw = b"From: a@force.example\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nforwarding\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@force.example\r\nSubject: inner subject\r\n\r\ninner body words\r\n--b--\r\n";
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    assert_eq!(email.attachments.len(), 1);
    let text = email.attachments[0].text.as_deref().unwrap();
    assert!(
        text.starts_with("inner subject\n\ninner body words"),
        "{text:?}"
    );
}

/// A forward of a forward: the attached message's own attachments are read too, the message
/// attached inside it and that message's text attachment, each under a line naming it.
#[test]
fn a_forward_inside_a_forward_is_read_to_the_bottom() {
    let innermost = "From: d@example.com\r\nSubject: the original\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain\r\n\r\noriginal words at the bottom\r\n--c\r\nContent-Type: text/plain; name=list.txt\r\nContent-Disposition: attachment; filename=list.txt\r\n\r\nnames in the list file\r\n--c--\r\n";
    let middle = format!(
        "From: c@force.example\r\nSubject: fwd: the original\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--b2\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=original.eml\r\n\r\n{innermost}\r\n--b2--\r\n"
    );
    let raw = format!(
        "From: a@force.example\r\nSubject: fwd: fwd: the original\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nforwarding\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n{middle}\r\n--b--\r\n"
    );
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    assert_eq!(email.attachments.len(), 1);
    let text = email.attachments[0].text.as_deref().unwrap();
    assert!(
        text.starts_with("fwd: the original\n\nsee below"),
        "{text:?}"
    );
    assert!(
        text.contains("[attachment original.eml]\nthe original"),
        "{text:?}"
    );
    assert!(text.contains("original words at the bottom"), "{text:?}");
    assert!(
        text.contains("[attachment list.txt]\nnames in the list file"),
        "{text:?}"
    );
    assert_eq!(email.attachments[0].extraction, None);
}

/// Attached messages nested past the depth limit are noted, not read, and the text above them
/// is kept.
#[test]
fn attached_messages_nested_too_deep_are_noted() {
    let mut message =
        "From: z@example.com\r\nSubject: level 12\r\n\r\nthe deepest words\r\n".to_owned();
    for level in (1..12).rev() {
        message = format!(
            "From: z@example.com\r\nSubject: level {level}\r\nContent-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\nContent-Type: text/plain\r\n\r\nwords at level {level}\r\n--b{level}\r\nContent-Type: message/rfc822\r\n\r\n{message}\r\n--b{level}--\r\n"
        );
    }
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(message.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let attachment = &email.attachments[0];
    let text = attachment.text.as_deref().unwrap();
    assert!(text.contains("words at level 2"), "{text:?}");
    assert!(text.contains("words at level 9"), "{text:?}");
    assert!(!text.contains("the deepest words"), "{text:?}");
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap()
            .contains("nested deeper than 8 levels"),
        "{attachment:?}"
    );
}

/// A message of `levels` messages each the body of the one above (`message/rfc822`), the words
/// `the deepest words` in the last.
fn nested_messages(levels: usize) -> String {
    let mut message =
        format!("From: z@example.com\r\nSubject: level {levels}\r\n\r\nthe deepest words\r\n");
    for level in (1..levels).rev() {
        message = format!(
            "From: z@example.com\r\nSubject: level {level}\r\nContent-Type: message/rfc822\r\n\r\n{message}"
        );
    }
    message
}

/// A message whose attached messages are nested past the depth limit is labelled and goes to
/// dead-letter whole as well, so that the text of the ones not read is kept (it was noted on the
/// attachment alone, and lost).
#[test]
fn attached_messages_nested_too_deep_keep_the_message_in_dead_letter() {
    let message = nested_messages(10);
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(message.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let event = &batch.events[0];
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .as_deref()
        .unwrap();
    assert!(!text.contains("the deepest words"), "{text:?}");
    assert_eq!(
        event.labels["email.attached_messages_too_deep"],
        "attached messages nested deeper than 8 levels were not read"
    );
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert!(
        letter
            .reason
            .contains("labelled email.attached_messages_too_deep"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.raw, message.as_bytes());
}

/// Attached messages nested up to the depth limit are read in full: no label, no dead letter.
#[test]
fn attached_messages_nested_to_the_limit_are_not_dead_letters() {
    let message = nested_messages(9);
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(message.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let event = &batch.events[0];
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .as_deref()
        .unwrap();
    assert!(text.contains("the deepest words"), "{text:?}");
    assert!(
        !event
            .labels
            .contains_key("email.attached_messages_too_deep")
    );
    assert!(batch.rejected.is_empty());
}

/// A message whose garbled type (`multipbrt/mixed`) made its body, parts and all, one
/// attachment, with a binary part in it, has the lines of it that are text read: not text as a
/// whole, it was only named (found by the fuzzer).
#[test]
fn a_garbled_multipart_with_a_binary_part_has_its_text_lines_read() {
    let mut raw = b"From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: s\r\nContent-Type: multipbrt/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nMeet me behind the station.\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    // Bytes of a compressed file: 8-bit, with control bytes and a NUL, and no line break.
    let binary: Vec<u8> = (0..180u8)
        .map(|n| if n % 9 == 0 { n % 8 } else { 0x80 | n })
        .collect();
    raw.extend_from_slice(&binary);
    raw.extend_from_slice(b"\r\n--b\r\nContent-Type: text/plain\r\n\r\n");
    raw.extend_from_slice("Bring the files.\r\n".repeat(10).as_bytes());
    raw.extend_from_slice(b"--b--\r\n");
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(&raw, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let attachment = &email.attachments[0];
    let text = attachment.text.as_deref().unwrap_or_default();
    assert!(
        text.contains("Meet me behind the station."),
        "{attachment:?}"
    );
    assert!(text.contains("Bring the files."), "{attachment:?}");
    assert_eq!(
        attachment.extraction.as_deref(),
        Some(
            "read line by line: its type multipbrt/mixed says nothing of its content, which is not text as a whole; 1 lines that are not text left out"
        )
    );
}

/// A binary file of no type is not read line by line: its stray text would be noise.
#[test]
fn a_binary_file_of_no_type_is_not_read_line_by_line() {
    let mut bytes = Vec::new();
    for n in 0..200u8 {
        bytes.extend_from_slice(&[n, n ^ 0x5a, 0x01, 0x9c, b'x', n.wrapping_mul(7)]);
        if n % 10 == 0 {
            bytes.extend_from_slice(b"\nWord\n");
        }
    }
    let got = extract_text(
        &Input {
            bytes: &bytes,
            ..Input::default()
        },
        &Limits::default(),
    );
    assert_eq!(got.text, None, "{got:?}");
    assert_eq!(
        got.note.as_deref(),
        Some("text is not extracted from attachments of unknown type")
    );
}

#[test]
fn broken_transfer_encoding_and_wrong_charset_are_noted() {
    let raw = b"From: a@force.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: text/plain; charset=x-no-such-charset; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nplain words\r\n--b--\r\n";
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let attachment = &email.attachments[0];
    assert_eq!(attachment.text.as_deref(), Some("plain words"));
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap()
            .contains("unknown charset \"x-no-such-charset\""),
        "{attachment:?}"
    );
}

#[test]
fn every_corpus_attachment_has_text_or_a_reason() {
    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mail/eml");
    let mut files = 0;
    let mut attachments = 0;
    for folder in ["rfc", "malformed", "thirdparty"] {
        for entry in std::fs::read_dir(std::path::Path::new(CORPUS).join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            let mut ctx = Context::new("file:corpus", Limits::default());
            let mut batch = Batch::new();
            decode_eml(&bytes, &mut ctx, None, &mut batch).unwrap();
            for event in &batch.events {
                for attachment in &event.email.as_ref().unwrap().attachments {
                    attachments += 1;
                    assert!(
                        attachment.text.is_some() || attachment.extraction.is_some(),
                        "{}: {attachment:?}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(files > 50, "{files}");
    assert!(attachments > 20, "{attachments}");
}

#[test]
fn over_limit_attachment_in_an_email_is_described_with_a_reason() {
    let raw = common::message_attaching(&[("big.pdf", "application/pdf", &pdf(&["words"]))]);
    let limits = Limits {
        max_attachment_bytes: 100,
        ..Limits::default()
    };
    let email = common::decoded(&raw, limits).email.unwrap();
    let attachment = &email.attachments[0];
    assert_eq!(attachment.text, None);
    assert!(attachment.file.size.unwrap() > 100);
    assert!(attachment.file.hash.sha256.is_some());
    assert!(
        attachment
            .extraction
            .as_deref()
            .unwrap()
            .contains("larger than the 100 byte extraction limit"),
        "{attachment:?}"
    );
}

#[test]
fn message_cut_inside_an_attachment_keeps_what_arrived() {
    // No closing boundary, and the base64 PDF stops half-way: the message is still an event and
    // the attachment says why it has no text.
    let raw = common::message_attaching(&[
        ("a.txt", "text/plain", b"first attachment"),
        ("b.pdf", "application/pdf", &pdf(&["never seen"])),
    ]);
    let cut = raw.len() / 2 + raw.len() / 4;
    // Nothing rejected.
    let email = common::decoded(&raw[..cut], Limits::default())
        .email
        .unwrap();
    assert_eq!(email.body.as_deref().map(str::trim), Some("See attached."));
    assert_eq!(email.attachments.len(), 2);
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("first attachment")
    );
    let pdf_part = &email.attachments[1];
    assert!(pdf_part.extraction.is_some(), "{pdf_part:?}");
}

/// A PDF really encrypted (RC4, 128-bit key) by lopdf, with the given user password.
fn encrypted_pdf(user_password: &str) -> Vec<u8> {
    use lopdf::{Document, EncryptionState, EncryptionVersion, Object, Permissions};
    let mut document = Document::load_mem(&pdf(&["classified words"])).unwrap();
    let id = Object::String(
        b"0123456789abcdef".to_vec(),
        lopdf::StringFormat::Hexadecimal,
    );
    document.trailer.set("ID", vec![id.clone(), id]);
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &document,
        owner_password: "owner secret",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .unwrap();
    document.encrypt(&state).unwrap();
    let mut out = Vec::new();
    document.save_to(&mut out).unwrap();
    out
}

#[test]
fn really_encrypted_pdfs_open_only_without_a_user_password() {
    let locked = encrypted_pdf("user secret");
    assert!(!String::from_utf8_lossy(&locked).contains("classified words"));
    let got = read(&locked, "application/pdf", "locked.pdf", &Limits::default());
    assert!(
        !got.text.clone().unwrap_or_default().contains("classified"),
        "{got:?}"
    );
    assert!(note(&got).contains("encrypted PDF"), "{got:?}");

    let open = encrypted_pdf("");
    let got = read(&open, "application/pdf", "open.pdf", &Limits::default());
    assert!(
        got.text
            .clone()
            .unwrap_or_default()
            .contains("classified words"),
        "{got:?}"
    );
}

#[test]
fn message_extraction_time_limit_leaves_later_attachments_described() {
    let raw = common::message_attaching(&[
        ("one.txt", "text/plain", b"first"),
        ("two.txt", "text/plain", b"second"),
    ]);
    let limits = Limits {
        max_message_extraction_time: Duration::ZERO,
        ..Limits::default()
    };
    let email = common::decoded(&raw, limits).email.unwrap();
    assert_eq!(email.attachments[0].text.as_deref(), Some("first"));
    let second = &email.attachments[1];
    assert_eq!(second.text, None);
    assert_eq!(second.file.name.as_deref(), Some("two.txt"));
    assert!(second.file.hash.sha256.is_some());
    assert!(
        second
            .extraction
            .as_deref()
            .unwrap()
            .contains("extraction time limit of 0 ms"),
        "{second:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Signed and encrypted mail (fixtures made with OpenSSL: `openssl smime -sign -nodetach` in DER,
// `openssl cms -sign -nodetach -stream` in BER with indefinite lengths, `openssl cms -encrypt`)
// ---------------------------------------------------------------------------------------------

fn fixture_email(name: &str) -> probity_model::Email {
    let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(path).unwrap();
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(&raw, &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty());
    batch.events.remove(0).email.unwrap()
}

#[test]
fn opaque_signed_smime_is_read_from_inside_the_signature() {
    for name in ["smime_signed_der.eml", "smime_signed_streamed.eml"] {
        let email = fixture_email(name);
        let attachment = &email.attachments[0];
        let text = attachment.text.as_deref().unwrap_or("");
        assert!(
            text.contains("OFFICIAL-SENSITIVE") && text.contains("Nominal AB123456C"),
            "{name}: {attachment:?}"
        );
        assert!(
            attachment
                .extraction
                .as_deref()
                .is_some_and(|note| note.starts_with("read from inside its S/MIME signature")),
            "{name}: {attachment:?}"
        );
    }
}

#[test]
fn encrypted_mail_says_it_is_encrypted() {
    let email = fixture_email("smime_enveloped.eml");
    assert_eq!(email.attachments[0].text, None);
    assert_eq!(
        email.attachments[0].extraction.as_deref(),
        Some(
            "encrypted (S/MIME enveloped data): its text cannot be read without the recipient's key"
        )
    );
    let armoured = b"From: a@force.police.uk\r\nTo: b@gmail.com\r\nSubject: pgp\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n\
--b\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n\
-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMAyQ3Q5eZ8ZnYAQf/abc\r\n-----END PGP MESSAGE-----\r\n--b--\r\n";
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(armoured, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let encrypted = email
        .attachments
        .iter()
        .find(|a| a.file.name.as_deref() == Some("encrypted.asc"))
        .unwrap();
    assert_eq!(encrypted.text, None);
    assert!(
        encrypted
            .extraction
            .as_deref()
            .is_some_and(|note| note.starts_with("encrypted (OpenPGP)")),
        "{encrypted:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// TNEF (winmail.dat), built here as Outlook writes it ([MS-OXTNEF])
// ---------------------------------------------------------------------------------------------

/// A MAPI property list of one variable-width property.
fn mapi_property(id: u16, kind: u16, value: &[u8]) -> Vec<u8> {
    let mut out = 1u32.to_le_bytes().to_vec();
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
    out
}

fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn tnef() -> Vec<u8> {
    let mut out = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    common::tnef_attribute(
        &mut out,
        1,
        0x0002_800c,
        b"Body: OFFICIAL-SENSITIVE list attached\0",
    );
    // An attachment named by its 8.3 title and its long name in its MAPI properties.
    common::tnef_attribute(&mut out, 2, 0x0006_9002, &[0; 14]);
    common::tnef_attribute(&mut out, 2, 0x0001_8010, b"NOMINA~1.CSV\0");
    common::tnef_attribute(
        &mut out,
        2,
        0x0006_800f,
        b"name,dob,postcode\nAda Price,12/03/1980,LS6 2AB\n",
    );
    common::tnef_attribute(
        &mut out,
        2,
        0x0006_9005,
        &mapi_property(0x3707, 0x001f, &utf16z("nominal list.csv")),
    );
    // A second attachment, a Word document.
    common::tnef_attribute(&mut out, 2, 0x0006_9002, &[0; 14]);
    common::tnef_attribute(&mut out, 2, 0x0001_8010, b"note.docx\0");
    common::tnef_attribute(
        &mut out,
        2,
        0x0006_800f,
        &docx(&["inside the docx: you stupid bitch"]),
    );
    out
}

#[test]
fn tnef_body_and_attachments_are_read() {
    let bytes = tnef();
    let got = read(
        &bytes,
        "application/ms-tnef",
        "winmail.dat",
        &Limits::default(),
    );
    let text = got.text.clone().unwrap();
    assert!(
        text.starts_with("Body: OFFICIAL-SENSITIVE list attached"),
        "{text:?}"
    );
    assert!(
        text.contains(
            "[attachment nominal list.csv]\nname,dob,postcode\nAda Price,12/03/1980,LS6 2AB"
        ),
        "{text:?}"
    );
    assert!(
        text.contains("[attachment note.docx]\ninside the docx: you stupid bitch"),
        "{text:?}"
    );
    assert_eq!(got.note, None);

    // The body given only as a MAPI HTML property is read as HTML.
    let mut html_only = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    common::tnef_attribute(
        &mut html_only,
        1,
        0x0006_9003,
        &mapi_property(0x1013, 0x0102, b"<div>from the</div><div>html body</div>"),
    );
    let got = read(
        &html_only,
        "application/octet-stream",
        "winmail.dat",
        &Limits::default(),
    );
    assert_eq!(got.text.as_deref(), Some("from the\nhtml body"));
}

#[test]
fn a_cut_or_hostile_tnef_is_read_as_far_as_it_goes() {
    let whole = tnef();
    let mut boundaries = vec![6];
    let mut at = 6;
    while at < whole.len() {
        let length = u32::from_le_bytes(whole[at + 5..at + 9].try_into().unwrap()) as usize;
        at += 9 + length + 2;
        boundaries.push(at);
    }
    for cut in 6..whole.len() {
        // Never a panic; a stream cut inside an attribute says so.
        let got = read(
            &whole[..cut],
            "application/ms-tnef",
            "winmail.dat",
            &Limits::default(),
        );
        let said = note(&got).contains("cut short");
        assert_eq!(said, !boundaries.contains(&cut), "{cut}: {got:?}");
    }
    // A length field past the end, and a property count far beyond the data.
    let mut hostile = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    hostile.extend_from_slice(&[1, 0x0c, 0x80, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff]);
    let got = read(
        &hostile,
        "application/ms-tnef",
        "winmail.dat",
        &Limits::default(),
    );
    assert!(note(&got).contains("cut short"), "{got:?}");
    let mut props = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    common::tnef_attribute(
        &mut props,
        1,
        0x0006_9003,
        &[0xff, 0xff, 0xff, 0x7f, 0x1f, 0x00],
    );
    let got = read(
        &props,
        "application/ms-tnef",
        "winmail.dat",
        &Limits::default(),
    );
    assert_eq!(got.text, None);
}

/// A text type without its subtype (`text/;`) is text, as RFC 2046 reads a text subtype it does
/// not know: one byte that is not text in any charset kept the whole attachment unread ("text is
/// not extracted from text").
#[test]
fn a_text_type_without_a_subtype_is_read_as_text() {
    let raw = b"From: a@force.example\r\nTo: b@gmail.com\r\nSubject: t\r\nContent-Type: text/;\r\n\r\nI know where you live\r\n\x81";
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let read: String = email
        .body
        .iter()
        .cloned()
        .chain(email.attachments.iter().filter_map(|a| a.text.clone()))
        .collect();
    assert!(read.contains("I know where you live"), "{email:?}");
}

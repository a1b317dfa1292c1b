//! The text of a PDF besides its pages: document information (Info and XMP), form field values,
//! annotations and bookmarks, on PDFs written by ReportLab and pypdf (`make_pdf.py`) and on
//! hostile ones built here (loops in the field tree and the bookmarks, deep nesting).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

const FORM: &[u8] = include_bytes!("fixtures/attach/form.pdf");
const COMMENTED: &[u8] = include_bytes!("fixtures/attach/commented.pdf");
const CARRIER: &[u8] = include_bytes!("fixtures/attach/carrier.pdf");

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    extract_text(
        &Input {
            bytes,
            mime_type: Some("application/pdf"),
            name: Some("file.pdf"),
            charset: None,
        },
        limits,
    )
}

fn text(got: &Extracted) -> &str {
    got.text.as_deref().unwrap_or_default()
}

/// The text from the heading `[NAME]` to the end (or the next heading).
fn part<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("\n[{heading}]\n"))
        .unwrap_or_else(|| panic!("no [{heading}] in {text}"));
    let rest = &text[start + 1..];
    let end = rest[1..].find("\n\n[").map_or(rest.len(), |at| at + 1);
    rest[..end].trim_end()
}

// ---------------------------------------------------------------------------------------------
// PDFs written by ReportLab and pypdf
// ---------------------------------------------------------------------------------------------

/// A form of a person's details, written by ReportLab and filled in by pypdf: the page shows
/// only the headings, the values are in the fields (UTF-16 and PDFDocEncoding strings, a field
/// of two lines, a check box ticked), each named with its description for the user.
#[test]
fn a_filled_in_form_is_read_field_by_field_after_its_page() {
    let got = read(FORM, &Limits::default());
    let text = text(&got);
    assert!(text.starts_with("Person details\n"), "{text}");
    assert_eq!(
        part(text, "form fields"),
        "[form fields]\n\
         surname (Surname): WĄSOWSKA\n\
         forenames (Forenames): Zoë Anna\n\
         Text1 (Date of birth): 14/07/1986\n\
         ni (National Insurance number): JG103759A\n\
         address (Home address): 12 Mill Lane\n\
         Newtown NT4 7AB\n\
         consent (Consent given): Yes",
        "{text}"
    );
    assert!(
        text.find("Consent given\n").unwrap() < text.find("[form fields]").unwrap(),
        "the fields come after the page: {text}"
    );
    assert_eq!(got.note, None, "{got:?}");
}

/// A page written by ReportLab with its bookmarks and document information, annotated by pypdf
/// (a free-text header, a sticky note with its author, a highlight with a pop-up), with a custom
/// Info entry and XMP metadata: each under its heading, the marking where it was set.
#[test]
fn document_information_annotations_and_bookmarks_are_read_under_their_headings() {
    let got = read(COMMENTED, &Limits::default());
    let text = text(&got);
    assert_eq!(
        text,
        "Team briefing for Monday.\n\
         \n\
         [document information]\n\
         Title: Briefing — Op Larch\n\
         Author: Sam Lane\n\
         Subject: OFFICIAL-SENSITIVE\n\
         Keywords: briefing, larch\n\
         Creator: anonymous\n\
         Producer: ReportLab PDF Library - (opensource)\n\
         Classification: OFFICIAL-SENSITIVE PERSONAL\n\
         dc:description: Suspect list for the Larch team\n\
         \n\
         [annotations]\n\
         page 1 FreeText: OFFICIAL-SENSITIVE\n\
         page 1 Text by DC Priya Patel: Address checked: 3 Orchard Road, Newtown\n\
         page 1 Highlight: Do not share outside the team\n\
         \n\
         [bookmarks]\n\
         Briefing\n\
         \x20 Suspects\n\
         \x20   Łukasz WĄSOWSKI\n\
         Next steps"
    );
    assert_eq!(got.note, None, "{got:?}");
}

/// A cover page carrying files, added by pypdf: a list of people attached to the document and a
/// note attached to the page. Each is read as an archive's file is, under its name, after the
/// page.
#[test]
fn files_a_pdf_carries_are_read_after_it() {
    let got = read(CARRIER, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        text(&got),
        "Cover note: see the attached files.\n\n\
         [document information]\n\
         Title: untitled\n\
         Author: anonymous\n\
         Subject: unspecified\n\
         Creator: anonymous\n\
         Producer: ReportLab PDF Library - (opensource)\n\n\
         [file nominals.csv]\n\
         Name,Date of birth,Address\n\
         \"HARRIS, Nicola\",01/03/1971,11 Mill Lane\n\
         \"OKAFOR, Chidi\",02/03/1972,12 Mill Lane\n\
         \"NOWAK, Agnieszka\",03/03/1973,13 Mill Lane\n\n\
         [file note.txt]\n\
         OFFICIAL-SENSITIVE: do not forward"
    );
}

/// The files a PDF carries are read within limits: a loop in the name tree ends, a file that
/// decodes past the size limit and one stored with a filter not read are named in notes, a file
/// listed twice is read once; a PDF carrying a PDF has the inner one's own text read, not the
/// files the inner one carries.
#[test]
fn carried_files_are_read_within_limits() {
    use lopdf::{Document, Object, Stream, dictionary};
    use std::io::Write;

    let mut document = Document::with_version("1.7");
    let pages = document.new_object_id();
    let font = document.add_object(dictionary! {
    "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica"});
    let content = document.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 712 Td (Outer page.) Tj ET".to_vec(),
    ));
    let page = document.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => dictionary! {"Font" => dictionary! {"F1" => font}}, "Contents" => content});
    document.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1},
        ),
    );
    let spec = |document: &mut Document, name: &str, stream: Stream| {
        let file = document.add_object(stream);
        document.add_object(dictionary! {
            "Type" => "Filespec", "F" => Object::string_literal(name), "EF" => dictionary! {"F" => file}})
    };
    let plain = spec(
        &mut document,
        "plain.txt",
        Stream::new(
            dictionary! {"Type" => "EmbeddedFile"},
            b"Inner text".to_vec(),
        ),
    );
    let mut coder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    coder.write_all(&vec![b'a'; 3 << 20]).unwrap();
    let bomb = spec(
        &mut document,
        "bomb.txt",
        Stream::new(
            dictionary! {"Type" => "EmbeddedFile", "Filter" => "FlateDecode"},
            coder.finish().unwrap(),
        ),
    );
    let lzw = spec(
        &mut document,
        "old.txt",
        Stream::new(
            dictionary! {"Type" => "EmbeddedFile", "Filter" => "JBIG2Decode"},
            b"\x80\x0b".to_vec(),
        ),
    );
    let inner = document.new_object_id();
    let root = document.add_object(dictionary! {"Kids" => vec![inner.into()]});
    // A node that is its own kid and the root's, and lists the plain file twice.
    document.objects.insert(
        inner,
        Object::Dictionary(dictionary! {
            "Names" => vec![
                Object::string_literal("plain.txt"), plain.into(),
                Object::string_literal("bomb.txt"), bomb.into(),
                Object::string_literal("old.txt"), lzw.into(),
                Object::string_literal("again.txt"), plain.into(),
            ],
            "Kids" => vec![inner.into(), root.into()],
        }),
    );
    let catalog = document.add_object(dictionary! {
    "Type" => "Catalog", "Pages" => pages, "Names" => dictionary! {"EmbeddedFiles" => root}});
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();

    let limits = Limits {
        max_attachment_bytes: 1 << 20,
        ..Limits::default()
    };
    let got = read(&bytes, &limits);
    assert_eq!(
        text(&got),
        "Outer page.\n\n[file plain.txt]\nInner text",
        "{got:?}"
    );
    let note = got.note.as_deref().unwrap_or_default();
    assert!(
        note.contains("bomb.txt (in the PDF): it decodes past 1048576 bytes"),
        "{note}"
    );
    assert!(
        note.contains(
            "old.txt (in the PDF): stored with the filter JBIG2Decode, which is not read"
        ),
        "{note}"
    );

    // The PDF carried by the pypdf one: its page is read, not the files it carries.
    let mut outer = Document::load_mem(CARRIER).unwrap();
    let carried = outer.add_object(Stream::new(dictionary! {"Type" => "EmbeddedFile"}, bytes));
    let spec = outer.add_object(dictionary! {
        "Type" => "Filespec", "F" => Object::string_literal("inner.pdf"), "EF" => dictionary! {"F" => carried}});
    let annotation = outer.add_object(dictionary! {
    "Type" => "Annot", "Subtype" => "FileAttachment", "FS" => spec,
    "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()]});
    let first_page = *outer.get_pages().values().next().unwrap();
    let page = outer.get_dictionary_mut(first_page).unwrap();
    let mut annotations = match page.get(b"Annots") {
        Ok(Object::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    annotations.push(annotation.into());
    page.set("Annots", annotations);
    let mut carrying = Vec::new();
    outer.save_to(&mut carrying).unwrap();
    let got = read(&carrying, &Limits::default());
    let text = text(&got);
    assert!(
        text.contains("[file note.txt]\nOFFICIAL-SENSITIVE"),
        "{text}"
    );
    assert!(
        text.ends_with("[file inner.pdf]\nOuter page."),
        "the inner PDF's files are not read: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// PDFs built here
// ---------------------------------------------------------------------------------------------

/// A one-page PDF saying `Page text.`: object 1 the catalog (with `catalog_extra`), 2 the page
/// tree, 3 the page (with `page_extra`), 4 its content, 5 its font, then `extra` numbered from 6;
/// `info` the trailer's Info dictionary, if any.
fn pdf(catalog_extra: &str, page_extra: &str, extra: &[String], info: Option<&str>) -> Vec<u8> {
    pdf_saying("Page text.", catalog_extra, page_extra, extra, info)
}

/// [`pdf`], its page saying `says`.
fn pdf_saying(
    says: &str,
    catalog_extra: &str,
    page_extra: &str,
    extra: &[String],
    info: Option<&str>,
) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 712 Td ({says}) Tj ET");
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>"),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R {page_extra} >>"
        ),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    objects.extend(extra.iter().cloned());
    let mut info_ref = String::new();
    if let Some(info) = info {
        objects.push(info.to_owned());
        info_ref = format!("/Info {} 0 R", objects.len());
    }
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
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
            "trailer\n<< /Size {} /Root 1 0 R {info_ref} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A UTF-16BE hex string with its byte-order mark, as writers put text outside Latin-1.
fn utf16_hex(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        hex.push_str(&format!("{unit:04X}"));
    }
    hex.push('>');
    hex
}

/// A field tree whose kids lead back to their parents, and bookmarks whose chains loop, are
/// read once each and end; hex and UTF-16 strings are decoded; a widget on a page that the
/// field tree does not reach is read with the fields, named by its parents; `/Annots` held in
/// an object of its own is read.
#[test]
fn loops_in_fields_and_bookmarks_end_and_every_string_form_is_decoded() {
    let extra = [
        // 6: a field whose kid lists it, and itself, as kids again.
        "<< /T (person) /Kids [7 0 R] >>".to_owned(),
        "<< /T (ni) /V <4A473130333735394120> /Parent 6 0 R /Kids [6 0 R 7 0 R] >>".to_owned(),
        // 8-10: bookmarks, the first its own child, the second's next the first.
        "<< /First 9 0 R /Last 10 0 R >>".to_owned(),
        format!(
            "<< /Title {} /Next 10 0 R /First 9 0 R >>",
            utf16_hex("Ōsaka Street")
        ),
        "<< /Title (Two) /Next 9 0 R /Prev 9 0 R >>".to_owned(),
        // 11-12: a widget the field tree does not reach, and its parent field.
        "<< /Subtype /Widget /Rect [0 0 1 1] /T (dob) /V (01/02/1980) /Parent 12 0 R >>".to_owned(),
        "<< /T (suspect) /TU (The suspect) /Parent 12 0 R >>".to_owned(),
        // 13: the page's annotations, in an object of their own.
        format!(
            "[11 0 R << /Subtype /Text /T (Sam) /Contents {} >> << /Subtype /Link /Rect [0 0 1 1] >>]",
            utf16_hex("Zoë said: OFFICIAL-SENSITIVE")
        ),
    ];
    let bytes = pdf(
        "/AcroForm << /Fields [6 0 R 6 0 R] >> /Outlines 8 0 R",
        "/Annots 13 0 R",
        &extra,
        Some(&format!(
            "<< /Title {} /Subject <4F4646494349414C> /SourceModified (D:20220414132421+05'24') >>",
            utf16_hex("Łódź")
        )),
    );
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        text(&got),
        "Page text.\n\
         \n\
         [document information]\n\
         Title: Łódź\n\
         Subject: OFFICIAL\n\
         \n\
         [form fields]\n\
         person.ni: JG103759A\n\
         suspect.dob (The suspect): 01/02/1980\n\
         \n\
         [annotations]\n\
         page 1 Text by Sam: Zoë said: OFFICIAL-SENSITIVE\n\
         \n\
         [bookmarks]\n\
         Ōsaka Street\n\
         Two",
        "{got:?}"
    );
    assert_eq!(got.note, None, "{got:?}");
}

/// Fields and bookmarks nested past the depth limit are read down to it, noted; more
/// annotations than the item limit are read up to it, noted.
#[test]
fn deep_nesting_and_too_many_items_stop_at_their_limits_noted() {
    const DEPTH: usize = 100;
    let mut extra = Vec::new();
    // 6..6+DEPTH: fields, each the only kid of the one before, each with a value.
    for level in 0..DEPTH {
        let id = 6 + level;
        let kids = if level + 1 < DEPTH {
            format!("/Kids [{} 0 R]", id + 1)
        } else {
            String::new()
        };
        extra.push(format!("<< /T (f{level}) /V (value {level}) {kids} >>"));
    }
    // Then bookmarks, each the first child of the one before.
    let first_bookmark = 6 + DEPTH + 1;
    extra.push(format!("<< /First {first_bookmark} 0 R >>"));
    for level in 0..DEPTH {
        let id = first_bookmark + level;
        let child = if level + 1 < DEPTH {
            format!("/First {} 0 R", id + 1)
        } else {
            String::new()
        };
        extra.push(format!("<< /Title (level {level}) {child} >>"));
    }
    let annotations: String = (0..10_001)
        .map(|n| format!("<< /Subtype /Text /Contents (note {n}) >>"))
        .collect();
    let bytes = pdf(
        &format!(
            "/AcroForm << /Fields [6 0 R] >> /Outlines {} 0 R",
            first_bookmark - 1
        ),
        &format!("/Annots [{annotations}]"),
        &extra,
        None,
    );
    let got = read(&bytes, &Limits::default());
    let text = text(&got);
    let fields = part(text, "form fields");
    assert_eq!(fields.lines().count(), 1 + 64, "{fields}");
    assert!(fields.ends_with(": value 63"), "{fields}");
    let bookmarks = part(text, "bookmarks");
    assert_eq!(bookmarks.lines().count(), 1 + 64, "{bookmarks}");
    assert!(bookmarks.ends_with(&format!("{}level 63", "  ".repeat(63))));
    let annotations = part(text, "annotations");
    assert_eq!(annotations.lines().count(), 1 + 10_000);
    assert!(annotations.ends_with("page 1 Text: note 9999"));
    let note = got.note.as_deref().unwrap_or_default();
    assert!(
        note.contains(
            "its form fields are nested more than 64 deep; the deeper ones were not read"
        ),
        "{note}"
    );
    assert!(
        note.contains("its bookmarks are nested more than 64 deep; the deeper ones were not read"),
        "{note}"
    );
    assert!(
        note.contains("PDF has more than 10000 annotations; only the first 10000 were read"),
        "{note}"
    );
}

/// The clock, the decompression budget and the text limit hold for these parts as for the
/// pages: past the time limit they are not read, noted; XMP metadata past the budget is not
/// inflated, noted; the text is cut at its limit, noted.
#[test]
fn the_time_decompression_and_text_limits_hold_for_these_parts() {
    let xmp = format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description><dc:subject xmlns:dc=\"http://purl.org/dc/elements/1.1/\">OFFICIAL-SENSITIVE {}</dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>",
        "padding ".repeat(100)
    );
    let extra = [format!(
        "<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n{xmp}\nendstream",
        xmp.len()
    )];
    let bytes = pdf(
        "/Metadata 6 0 R",
        "",
        &extra,
        Some("<< /Title (Nominal roll) >>"),
    );
    let whole = read(&bytes, &Limits::default());
    assert!(
        text(&whole).contains("\ndc:subject: OFFICIAL-SENSITIVE padding"),
        "{whole:?}"
    );

    let no_time = Limits {
        max_attachment_time: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let got = read(&bytes, &no_time);
    assert_eq!(text(&got), "Page text.", "{got:?}");
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("extraction stopped before its document information: the time limit of 0 ms"),
        "{got:?}"
    );

    let small_budget = Limits {
        max_decompressed_bytes: 500,
        ..Limits::default()
    };
    let got = read(&bytes, &small_budget);
    assert!(
        text(&got).ends_with("[document information]\nTitle: Nominal roll"),
        "{got:?}"
    );
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("a stream of its metadata, form or annotations inflates past 125 bytes"),
        "{got:?}"
    );

    let small_text = Limits {
        max_attachment_text_bytes: 40,
        ..Limits::default()
    };
    let got = read(&bytes, &small_text);
    assert_eq!(text(&got), "Page text.\n\n[document", "{got:?}");
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("text cut at the 40 byte limit"),
        "{got:?}"
    );
}

/// Pages whose text fills the text limit leave the room the parts besides them take: a marking
/// set as the document's subject, and a form field's value, are still read, after the pages cut
/// short, and the cut is noted.
#[test]
fn pages_that_fill_the_text_limit_leave_room_for_the_other_parts() {
    let field = "<< /FT /Tx /T (dob) /TU (Date of birth) /V (12/03/1980) >>".to_owned();
    let bytes = pdf_saying(
        &"Nominal roll. ".repeat(100),
        "/AcroForm << /Fields [6 0 R] >>",
        "",
        &[field],
        Some("<< /Subject (OFFICIAL-SENSITIVE) >>"),
    );
    let limits = Limits {
        max_attachment_text_bytes: 600,
        ..Limits::default()
    };
    let got = read(&bytes, &limits);
    let text = text(&got);
    assert!(text.starts_with("Nominal roll. Nominal roll."), "{got:?}");
    assert!(
        text.ends_with(
            "\n\n[document information]\nSubject: OFFICIAL-SENSITIVE\n\n\
             [form fields]\ndob (Date of birth): 12/03/1980"
        ),
        "{got:?}"
    );
    assert!(text.len() <= 600, "{}", text.len());
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("text cut at the 600 byte limit"),
        "{got:?}"
    );
}

/// A field's full name is kept to 1 KiB, ended `…`: a long name shared by many kids (a hundred
/// thousand references to one here) is not copied whole for each.
#[test]
fn a_long_field_name_is_cut_and_shared_by_its_kids() {
    let long = "x".repeat(100_000);
    let kids = "7 0 R ".repeat(100_000);
    let extra = [
        format!("<< /T ({long}) /Kids [{kids}] >>"),
        "<< /T (ni) /V (JG103759A) >>".to_owned(),
    ];
    let bytes = pdf("/AcroForm << /Fields [6 0 R] >>", "", &extra, None);
    let got = read(&bytes, &Limits::default());
    let fields = part(text(&got), "form fields");
    assert_eq!(
        fields,
        format!("[form fields]\n{}…: JG103759A", "x".repeat(1024)),
        "{got:?}"
    );
}

/// An uncompressed stream object holding `content`.
fn stream(content: &str) -> String {
    format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

/// The data of a filled-in XFA form: a person's details under `form1`, with the data's
/// description (not values) beside it.
const XFA_DATASETS: &str = r#"<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/">
<xfa:data>
<form1>
  <Person>
    <Surname>HARRIS</Surname>
    <Forenames>Nicola &amp; Jo</Forenames>
    <DateOfBirth>1986-07-14</DateOfBirth>
    <NINumber>JG103759A</NINumber>
    <Address><Line>12 Mill Lane</Line><Line>Newtown NT4 7AB</Line></Address>
    <Empty/>
  </Person>
  <Marking><![CDATA[OFFICIAL-SENSITIVE]]></Marking>
</form1>
</xfa:data>
<dd:dataDescription xmlns:dd="http://ns.adobe.com/data-description/" dd:name="form1">
  <form1><Person><Surname>description text</Surname></Person></form1>
</dd:dataDescription>
</xfa:datasets>"#;

/// The form's template: its captions are not data.
const XFA_TEMPLATE: &str = r#"<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">
<subform name="form1"><field name="Surname"><caption><value><text>Surname of the person</text></value></caption></field></subform>
</template>"#;

const XFA_LINES: &str = "[XFA form data]\n\
     form1.Person.Surname: HARRIS\n\
     form1.Person.Forenames: Nicola & Jo\n\
     form1.Person.DateOfBirth: 1986-07-14\n\
     form1.Person.NINumber: JG103759A\n\
     form1.Person.Address.Line: 12 Mill Lane\n\
     form1.Person.Address.Line: Newtown NT4 7AB\n\
     form1.Marking: OFFICIAL-SENSITIVE";

/// A dynamic XFA form (as LiveCycle and AEM Forms write them) shows on its page only a line
/// asking for a reader that draws it: what was filled in is in the form's XML data, read
/// under its own heading, as `path: value`; the template's captions and the data's description
/// are not.
#[test]
fn a_dynamic_xfa_form_is_read_from_its_data() {
    let extra = [
        stream(r#"<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">"#),
        stream(XFA_TEMPLATE),
        stream(XFA_DATASETS),
        stream("</xdp:xdp>"),
    ];
    let bytes = pdf_saying(
        "Please wait... If this message is not eventually replaced by the proper contents of the document, your PDF viewer may not be able to display this type of document.",
        "/AcroForm << /Fields [] /XFA [(preamble) 6 0 R (template) 7 0 R (datasets) 8 0 R (postamble) 9 0 R] /NeedsRendering true >>",
        "",
        &extra,
        None,
    );
    let got = read(&bytes, &Limits::default());
    let read_text = text(&got);
    assert_eq!(part(read_text, "XFA form data"), XFA_LINES, "{read_text}");
    assert!(!read_text.contains("description text"), "{read_text}");
    assert!(!read_text.contains("Surname of the person"), "{read_text}");
    assert_eq!(got.note, None, "{got:?}");

    // The whole form in one stream reads the same.
    let whole = format!(
        r#"<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">{XFA_TEMPLATE}{XFA_DATASETS}</xdp:xdp>"#
    );
    let bytes = pdf(
        "/AcroForm << /Fields [] /XFA 6 0 R >>",
        "",
        &[stream(&whole)],
        None,
    );
    let got = read(&bytes, &Limits::default());
    assert_eq!(part(text(&got), "XFA form data"), XFA_LINES);
}

/// A static XFA form is written both ways, as fields and as XML data: a value the fields gave is
/// not given twice. Damaged XML is read up to the damage, noted.
#[test]
fn xfa_values_the_fields_gave_are_left_out_and_damage_is_noted() {
    let extra = [
        "<< /T (Surname) /FT /Tx /V (HARRIS) >>".to_owned(),
        stream(XFA_DATASETS),
    ];
    let bytes = pdf(
        "/AcroForm << /Fields [6 0 R] /XFA [(datasets) 7 0 R] >>",
        "",
        &extra,
        None,
    );
    let got = read(&bytes, &Limits::default());
    let both = text(&got);
    assert_eq!(part(both, "form fields"), "[form fields]\nSurname: HARRIS");
    let xfa = part(both, "XFA form data");
    assert!(!xfa.contains("HARRIS"), "{xfa}");
    assert!(xfa.contains("form1.Person.NINumber: JG103759A"), "{xfa}");

    let damaged = "<xfa:datasets><xfa:data><form1><A>first</A><B>second</C></form1></xfa:data></xfa:datasets>";
    let bytes = pdf(
        "/AcroForm << /Fields [] /XFA [(datasets) 6 0 R] >>",
        "",
        &[stream(damaged)],
        None,
    );
    let got = read(&bytes, &Limits::default());
    assert!(text(&got).contains("form1.A: first"), "{got:?}");
    let note = got.note.as_deref().unwrap_or_default();
    assert!(note.contains("XFA form data is damaged"), "{note}");
}

/// A form XObject (an appearance stream) drawing `content`, with `resources`.
fn form(content: &str, resources: &str) -> String {
    format!(
        "<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << {resources} >> /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

/// Text held only in appearance streams (a free-text comment with no `/Contents`, a text field
/// with no `/V` whose appearance draws a form of its own, a widget the field tree does not
/// reach) is read, a field's value is not read twice from its appearance, a check box's states
/// are passed over, and a signature is read from its signature dictionary.
#[test]
fn appearance_text_and_signatures_are_read() {
    let extra = [
        // 6-7: a free-text comment whose words are only drawn.
        "<< /Type /Annot /Subtype /FreeText /Rect [0 0 200 20] /AP << /N 7 0 R >> >>".to_owned(),
        form("BT /Helv 10 Tf 2 2 Td (Leave him alone or else) Tj ET", ""),
        // 8-10: a text field with no value, its appearance drawing a form that holds the text.
        "<< /FT /Tx /T (officer) /Subtype /Widget /Rect [0 0 200 20] /AP << /N 9 0 R >> >>"
            .to_owned(),
        form(
            "/Tx BMC q /Fm0 Do Q EMC",
            "/XObject << /Fm0 10 0 R >>",
        ),
        form("BT /Helv 10 Tf 2 2 Td (PC 1234 Smith) Tj ET", ""),
        // 11-12: a signature field and its signature dictionary.
        "<< /FT /Sig /T (Signature1) /Subtype /Widget /Rect [0 0 1 1] /V 12 0 R >>".to_owned(),
        "<< /Type /Sig /Filter /Adobe.PPKLite /Name (Jane Doe) /Reason (I am the author) \
         /Location (Leeds) /ContactInfo (jane.doe@example.org) /M (D:20240101120000Z) \
         /Contents <00> >>"
            .to_owned(),
        // 13-14: a field with a value: its appearance is not read as well.
        "<< /FT /Tx /T (dob) /V (01/02/1980) /Subtype /Widget /Rect [0 0 1 1] /AP << /N 14 0 R >> >>"
            .to_owned(),
        form("BT (Drawn date) Tj ET", ""),
        // 15-16: a check box not ticked: its states' appearances are not read.
        "<< /FT /Btn /T (consent) /V /Off /AS /Off /Subtype /Widget /Rect [0 0 1 1] \
         /AP << /N << /Yes 16 0 R /Off 16 0 R >> >> >>"
            .to_owned(),
        form("BT /ZaDb 10 Tf (4) Tj ET", ""),
        // 17-18: a widget the field tree does not reach, with only an appearance.
        "<< /Subtype /Widget /T (remarks) /Rect [0 0 1 1] /AP << /N 18 0 R >> >>".to_owned(),
        form("BT (Orphan words) Tj T* (second line) Tj ET", ""),
    ];
    let bytes = pdf(
        "/AcroForm << /Fields [8 0 R 11 0 R 13 0 R 15 0 R] >>",
        "/Annots [6 0 R 8 0 R 11 0 R 13 0 R 15 0 R 17 0 R]",
        &extra,
        None,
    );
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        text(&got),
        "Page text.\n\
         \n\
         [form fields]\n\
         officer: PC 1234 Smith\n\
         Signature1: signed by Jane Doe; reason: I am the author; location: Leeds; \
         contact: jane.doe@example.org\n\
         dob: 01/02/1980\n\
         remarks: Orphan words\n\
         second line\n\
         \n\
         [annotations]\n\
         page 1 FreeText: Leave him alone or else",
        "{got:?}"
    );
    assert_eq!(got.note, None, "{got:?}");
}

/// An appearance whose forms draw each other in a loop, or more forms than the limit, is read
/// as far as the limits and ends.
#[test]
fn appearance_forms_that_loop_end() {
    let extra = [
        "<< /Type /Annot /Subtype /FreeText /Rect [0 0 200 20] /AP << /N 7 0 R >> >>".to_owned(),
        form(
            "BT (Looped words) Tj ET /Fm0 Do /Fm0 Do",
            "/XObject << /Fm0 7 0 R >>",
        ),
    ];
    let bytes = pdf("", "/Annots [6 0 R]", &extra, None);
    let got = read(&bytes, &Limits::default());
    let annotations = part(text(&got), "annotations");
    // The form itself, then its forms three levels deep (1 + 2 + 4 + 8 = 15 streams).
    assert_eq!(annotations.matches("Looped words").count(), 15, "{got:?}");
}

/// The text of an appearance stream drawn in a composite font (`/Type0`, `Identity-H`: its
/// strings are glyph ids, two bytes each) is read by the font's `ToUnicode` CMap, as a page's
/// is, in any script. Before, its glyph ids were read as letters, looked like no text, and the
/// comment's words were lost.
#[test]
fn appearance_text_in_a_composite_font_is_read_by_its_cmap() {
    let said = "Угроза: I will hurt him";
    let mut glyphs: Vec<char> = Vec::new();
    let mut shown = String::from("<");
    for c in said.chars() {
        let id = match glyphs.iter().position(|&known| known == c) {
            Some(at) => at + 1,
            None => {
                glyphs.push(c);
                glyphs.len()
            }
        };
        shown.push_str(&format!("{id:04X}"));
    }
    shown.push('>');
    let mappings: String = glyphs
        .iter()
        .enumerate()
        .map(|(at, &c)| format!("<{:04X}> <{:04X}>\n", at + 1, c as u32))
        .collect();
    let cmap = format!(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
         {} beginbfchar\n{mappings}endbfchar\n\
         endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend",
        glyphs.len()
    );
    let extra = [
        // 6-7: a free-text comment whose words are only drawn, in the font 8, whose CMap is 9.
        "<< /Type /Annot /Subtype /FreeText /Rect [0 0 200 20] /AP << /N 7 0 R >> >>".to_owned(),
        form(
            &format!("BT /F0 10 Tf 2 2 Td {shown} Tj ET"),
            "/Font << /F0 8 0 R >>",
        ),
        "<< /Type /Font /Subtype /Type0 /BaseFont /ArialUnicode /Encoding /Identity-H \
         /DescendantFonts [] /ToUnicode 9 0 R >>"
            .to_owned(),
        stream(&cmap),
    ];
    let bytes = pdf("", "/Annots [6 0 R]", &extra, None);
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        part(text(&got), "annotations"),
        format!("[annotations]\npage 1 FreeText: {said}"),
        "{got:?}"
    );
    // Within the decompression budget: a CMap past what is left of it is not read, noted.
    let got = read(
        &bytes,
        &Limits {
            max_decompressed_bytes: 400,
            ..Limits::default()
        },
    );
    assert!(!text(&got).contains("hurt"), "{got:?}");
    assert!(
        got.note
            .as_deref()
            .unwrap_or_default()
            .contains("inflates past"),
        "{got:?}"
    );
}

/// The signatures of the catalog's `/Perms` (a certification, `/DocMDP`; usage rights, `/UR3`)
/// are read as a signature field's are, after the fields, unless a field gave the same: a
/// certification whose field is not in the form's field tree, and usage rights, which no field
/// holds, named who signed and why, and nothing read them.
#[test]
fn signatures_under_perms_are_read() {
    let extra = [
        // 6: a certification signature that no field holds.
        "<< /Type /Sig /Filter /Adobe.PPKLite /Name (Sam Lane) /Reason (Approved for release) \
         /Location (Wakefield) /Contents <00> >>"
            .to_owned(),
        // 7: usage rights, signed with a name.
        "<< /Type /Sig /Filter /Adobe.PPKLite /Name (Records Unit) /Contents <00> >>".to_owned(),
        // 8-9: a signature field and its signature dictionary, which /Perms names too.
        "<< /FT /Sig /T (Signature1) /Subtype /Widget /Rect [0 0 1 1] /V 9 0 R >>".to_owned(),
        "<< /Type /Sig /Name (Jane Doe) /Contents <00> >>".to_owned(),
    ];
    let bytes = pdf(
        "/Perms << /DocMDP 6 0 R /UR3 7 0 R >> /AcroForm << /Fields [8 0 R] >>",
        "",
        &extra,
        None,
    );
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        part(text(&got), "form fields"),
        "[form fields]\n\
         Signature1: signed by Jane Doe\n\
         DocMDP (certification signature): signed by Sam Lane; reason: Approved for release; \
         location: Wakefield\n\
         UR3 (usage rights signature): signed by Records Unit",
        "{got:?}"
    );
    // The field's signature, named by /Perms as well, is read once.
    let bytes = pdf(
        "/Perms << /DocMDP 7 0 R >> /AcroForm << /Fields [6 0 R] >>",
        "",
        &[
            "<< /FT /Sig /T (Signature1) /Subtype /Widget /Rect [0 0 1 1] /V 7 0 R >>".to_owned(),
            "<< /Type /Sig /Name (Jane Doe) /Contents <00> >>".to_owned(),
        ],
        None,
    );
    let got = read(&bytes, &Limits::default());
    assert_eq!(
        part(text(&got), "form fields"),
        "[form fields]\nSignature1: signed by Jane Doe",
        "{got:?}"
    );
}

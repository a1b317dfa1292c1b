//! DOCX: a zip whose `word/document.xml` (and headers, footers, footnotes, endnotes and comments)
//! hold the text in `w:t` elements, and tracked deletions in `w:delText` (still in the file, and
//! shown by Word to whoever opens it with changes on). Two ways of putting text in a document
//! outside those parts are read too, as Word shows both as part of the document: an `altChunk`
//! (a part in HTML, plain text or MHTML that Word merges into the body when it opens the file)
//! and the files embedded in it (`word/embeddings/`: a Word document or Excel workbook, an OLE
//! object's `oleObject1.bin` holding a packaged file or a document), each read as an attachment
//! would be, one level deep ([`read_embedded`], which reads a workbook's and a presentation's
//! too). The zip itself is opened and checked in [`super::zip`].

use quick_xml::Reader;
use quick_xml::events::Event;

use super::TextOut;
use super::zip::{Archive, entity_text, read_part, read_part_bytes};

/// The part holding the body text.
pub(super) const DOCUMENT_PART: &str = "word/document.xml";

/// Reads an opened DOCX's text into `out` (`depth` levels inside other files), noting what could
/// not be read; `budget` is what may still be inflated.
pub(super) fn read(
    archive: &mut Archive<'_>,
    budget: &mut u64,
    out: &mut TextOut<'_>,
    depth: usize,
) {
    let parts = text_parts(archive);
    read_text_parts(archive, &parts, budget, out);
    if out.is_full() {
        return;
    }
    read_alt_chunks(archive, budget, out);
    read_embedded(archive, "word/embeddings/", budget, out, depth);
}

/// The WordprocessingML parts' text, body first.
fn read_text_parts(
    archive: &mut Archive<'_>,
    parts: &[String],
    budget: &mut u64,
    out: &mut TextOut<'_>,
) {
    for (index, part) in parts.iter().enumerate() {
        if index > 0 && out.out_of_time(&format!("before {part}")) {
            return;
        }
        if out.is_full() {
            return;
        }
        let Some(xml) = read_part(archive, part, budget, out) else {
            return;
        };
        if index > 0 {
            out.push("\n");
        }
        if let Err(error) = xml_text(&xml, out) {
            out.note(format!(
                "{part} is damaged ({error}); text read up to there"
            ));
        }
    }
}

/// Relationship type of a part Word merges into the body when it opens the document.
const ALT_CHUNK_TYPE: &str = "/aFChunk";
/// The body's relationships, which name its alternative-format chunks.
const DOCUMENT_RELS: &str = "word/_rels/document.xml.rels";

/// The body's `altChunk` parts: HTML read as the mail decoder reads HTML, plain text as it is,
/// MHTML by its HTML or text part; another format (RTF) is named in a note.
fn read_alt_chunks(archive: &mut Archive<'_>, budget: &mut u64, out: &mut TextOut<'_>) {
    if archive.index_for_name(DOCUMENT_RELS).is_none() {
        return;
    }
    let Some(rels) = read_part(archive, DOCUMENT_RELS, budget, out) else {
        return;
    };
    for target in alt_chunk_targets(&rels) {
        if out.is_full() || out.out_of_time(&format!("before {target}")) {
            return;
        }
        let lower = target.to_ascii_lowercase();
        let kind = lower.rsplit_once('.').map_or("", |(_, ext)| ext);
        if !matches!(kind, "html" | "htm" | "xhtml" | "txt" | "mht" | "mhtml") {
            out.note(format!(
                "{target} (a part Word merges into the body) is {}; not read",
                if kind == "rtf" {
                    "RTF".to_owned()
                } else {
                    format!("of type .{kind}")
                }
            ));
            continue;
        }
        if archive.index_for_name(&target).is_none() {
            out.note(format!(
                "{target} is named as a part of the body but is not in the file"
            ));
            continue;
        }
        let Some(content) = read_part(archive, &target, budget, out) else {
            return;
        };
        let text = match kind {
            "txt" => content,
            "mht" | "mhtml" => mhtml_text(&content),
            _ => crate::html::to_text(&content),
        };
        out.push("\n");
        out.push(&text);
    }
}

/// The targets of the body's `aFChunk` relationships, as zip paths (relative to `word/`).
fn alt_chunk_targets(rels: &str) -> Vec<String> {
    let mut reader = Reader::from_str(rels);
    let mut targets = Vec::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(element) | Event::Start(element)
                if element.local_name().as_ref() == "Relationship" =>
            {
                let mut is_chunk = false;
                let mut target = None;
                for attribute in element.attributes().flatten() {
                    let value = attribute.value.clone().into_owned();
                    match attribute.key.local_name().as_ref() {
                        "Type" => is_chunk = value.ends_with(ALT_CHUNK_TYPE),
                        "Target" => target = Some(value),
                        _ => {}
                    }
                }
                if let (true, Some(target)) = (is_chunk, target) {
                    targets.push(super::zip::part_path("word", &target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    targets
}

/// The text of an MHTML chunk (a MIME message): its HTML read as text, else its plain text.
fn mhtml_text(content: &str) -> String {
    let Some(message) = mail_parser::MessageParser::default().parse(content.as_bytes()) else {
        return String::new();
    };
    if let Some(html) = message.body_html(0) {
        return crate::html::to_text(&html);
    }
    message
        .body_text(0)
        .map(|text| text.into_owned())
        .unwrap_or_default()
}

/// How deep files embedded in Office Open XML documents are read (the outer document is depth
/// 0).
const MAX_EMBEDDED_DEPTH: usize = 1;

/// The files embedded in an Office Open XML document, in its folder `folder`
/// (`word/embeddings/`, `xl/embeddings/`, `ppt/embeddings/`), each read as an attachment would be
/// by its content (a Word document or workbook as such, an OLE object's `oleObject1.bin` as the
/// file or document it holds), one level deep, its notes after its name; those past that depth
/// named in a note. Where the mail decoder reads the document, an `.eml` or `.msg` file put there
/// as it is (not wrapped in an object) is read as an attached message is
/// ([`super::MessageReader`]), under a line naming it.
pub(super) fn read_embedded(
    archive: &mut Archive<'_>,
    folder: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
    depth: usize,
) {
    let mut embedded: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| name.starts_with(folder) && !name.ends_with('/'))
        .map(|name| name.into_owned())
        .collect();
    embedded.sort();
    if depth >= MAX_EMBEDDED_DEPTH {
        if !embedded.is_empty() {
            let count = embedded.len();
            let shown: Vec<&str> = embedded.iter().take(5).map(String::as_str).collect();
            out.note(format!(
                "{count} embedded object{} not read: the document is inside another file ({}{})",
                if count == 1 { "" } else { "s" },
                shown.join(", "),
                if count > shown.len() { ", …" } else { "" }
            ));
        }
        return;
    }
    for (index, name) in embedded.iter().enumerate() {
        if out.is_full() || out.out_of_time(&format!("before {name}")) {
            return;
        }
        if index >= out.limits.max_attachments {
            out.note(format!(
                "{} more embedded objects not read",
                embedded.len() - index
            ));
            return;
        }
        let Some(bytes) = read_part_bytes(archive, name, budget, out) else {
            continue;
        };
        let file_name = name.rsplit('/').next().unwrap_or(name);
        // An `.eml` or `.msg` put in the folder as it is, where the mail decoder reads the
        // document: read as an attached message is, its parties listed, as one in an archive
        // or wrapped by the Packager is.
        if let Some((read, held)) = out.as_message(&bytes, file_name, *budget) {
            *budget = budget.saturating_sub(read.decompressed);
            out.found.add(read.found);
            if let Some(note) = read.note {
                out.note(format!("{name}: {note}"));
            }
            if let Some(text) = read.text.as_deref()
                && !text.trim().is_empty()
            {
                out.heading(&format!("embedded file {file_name}"));
                out.push_holding(text, held);
            }
            continue;
        }
        let input = super::Input {
            bytes: &bytes,
            name: Some(name),
            ..super::Input::default()
        };
        out.push("\n");
        read_within(&input, name, budget, out, depth + 1);
    }
}

/// The embedded file `input` (`name` in notes, `depth` files deep) read into `out` within
/// `budget`, what is left of the document's decompression budget, which what it decompressed is
/// taken from after: the files embedded in a document share its budget, as an archive's files
/// do, rather than each having one as large.
fn read_within(
    input: &super::Input<'_>,
    name: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
    depth: usize,
) {
    let room = out.cap().saturating_sub(out.text.len());
    let limits = crate::Limits {
        max_attachment_text_bytes: room,
        ..out.limits_within(*budget)
    };
    let mut inner = TextOut::new(&limits);
    inner.started = out.started;
    inner.messages = out.messages;
    super::extract_into(super::kind_of(input), input, &mut inner, depth);
    *budget = budget.saturating_sub(inner.spent);
    let at = out.text.len();
    let len = inner.text.len();
    out.push(&inner.text);
    let held = std::mem::take(&mut inner.held);
    out.held.extend(
        held.into_iter()
            .filter_map(|message| message.within(at, 0, len)),
    );
    out.truncated |= inner.truncated;
    for note in inner.notes {
        out.note(format!("{name}: {note}"));
    }
    out.found.add(inner.found);
}

/// The parts that carry text, body first, then headers, footers, footnotes, endnotes and comments
/// in name order.
fn text_parts(archive: &Archive<'_>) -> Vec<String> {
    let mut extra: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| is_extra_text_part(name))
        .map(|name| name.into_owned())
        .collect();
    extra.sort();
    let has_document = archive
        .file_names()
        .filter_map(Result::ok)
        .any(|name| name == DOCUMENT_PART);
    let mut parts = Vec::with_capacity(extra.len() + 1);
    if has_document {
        parts.push(DOCUMENT_PART.to_owned());
    }
    parts.extend(extra);
    parts
}

fn is_extra_text_part(name: &str) -> bool {
    let Some(file) = name.strip_prefix("word/") else {
        return false;
    };
    let is_xml = file.ends_with(".xml") && !file.contains('/');
    is_xml
        && (file.starts_with("header")
            || file.starts_with("footer")
            || file == "footnotes.xml"
            || file == "endnotes.xml"
            || file == "comments.xml")
}

/// The text of WordprocessingML: `w:t` runs, tabs and breaks; a paragraph ends a line.
fn xml_text(xml: &str, out: &mut TextOut<'_>) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut in_text = false;
    loop {
        if out.is_full() {
            return Ok(());
        }
        let event = reader.read_event().map_err(|error| {
            format!("XML error near byte {}: {error}", reader.buffer_position())
        })?;
        match event {
            Event::Start(start) => in_text = matches!(start.local_name().as_ref(), "t" | "delText"),
            Event::End(end) => {
                let name = end.local_name();
                match name.as_ref() {
                    "t" | "delText" => in_text = false,
                    "p" => out.push("\n"),
                    _ => {}
                }
            }
            Event::Empty(empty) => match empty.local_name().as_ref() {
                "tab" => out.push("\t"),
                "br" | "cr" | "p" => out.push("\n"),
                _ => {}
            },
            Event::Text(text) if in_text => out.push(&text.xml10_content()),
            Event::CData(data) if in_text => out.push(&data.xml10_content()),
            Event::GeneralRef(reference) if in_text => out.push(&entity_text(&reference)),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

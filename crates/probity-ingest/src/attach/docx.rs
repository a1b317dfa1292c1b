//! DOCX: a zip whose `word/document.xml` (and headers, footers, footnotes, endnotes and comments)
//! hold the text in `w:t` elements, and tracked deletions in `w:delText` (still in the file, and
//! shown by Word to whoever opens it with changes on). Two ways of putting text in a document
//! outside those parts are read too, as Word shows both as part of the document: an `altChunk`
//! (a part in HTML, plain text or MHTML that Word merges into the body when it opens the file)
//! and a Word document embedded in it (`word/embeddings/*.docx`, read as a DOCX, one level
//! deep). Other embedded objects (spreadsheets, OLE `.bin` objects) are named in a note.
//!
//! The zip is checked before anything is inflated (entry count; each entry's declared size and
//! compression ratio) and while it is (bytes actually inflated, against the declared size and the
//! attachment's decompression budget), so a zip bomb costs at most the budget.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use super::TextOut;

/// The part holding the body text.
const DOCUMENT_PART: &str = "word/document.xml";
/// Below this many inflated bytes the compression ratio is not checked: small, repetitive XML
/// compresses very well.
const RATIO_FREE_BYTES: u64 = 1024 * 1024;
const READ_CHUNK: usize = 64 * 1024;

/// Reads a DOCX's text into `out`, noting what could not be read.
pub(super) fn extract(bytes: &[u8], out: &mut TextOut<'_>) {
    extract_at(bytes, out, 0);
}

/// [`extract`] for a document embedded `depth` levels deep.
fn extract_at(bytes: &[u8], out: &mut TextOut<'_>, depth: usize) {
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(error) => {
            out.note(format!(
                "corrupt zip container: {error}; text not extracted"
            ));
            return;
        }
    };
    let entries = archive.len();
    if entries > out.limits.max_zip_entries {
        out.note(format!(
            "zip holds {entries} entries, more than the limit of {}; text not extracted",
            out.limits.max_zip_entries
        ));
        return;
    }
    let parts = text_parts(&archive);
    if !parts.iter().any(|part| part == DOCUMENT_PART) {
        out.note(format!(
            "a zip archive without {DOCUMENT_PART} is not a DOCX; its contents are not read"
        ));
        return;
    }
    let mut budget = out.limits.max_decompressed_bytes as u64;
    read_text_parts(&mut archive, &parts, &mut budget, out);
    if out.is_full() {
        return;
    }
    read_alt_chunks(&mut archive, &mut budget, out);
    read_embedded(&mut archive, &mut budget, out, depth);
}

/// The WordprocessingML parts' text, body first.
fn read_text_parts(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
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
fn read_alt_chunks(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) {
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
                    targets.push(part_path(&target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    targets
}

/// A relationship target as a path in the zip: relative to `word/`, or from the root when it
/// starts with `/`; `..` steps are resolved and never climb above the root.
fn part_path(target: &str) -> String {
    let mut path: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        vec!["word"]
    };
    for step in target.split('/') {
        match step {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            step => path.push(step),
        }
    }
    path.join("/")
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

/// How deep Word documents embedded in Word documents are read (the outer document is depth 0).
const MAX_EMBEDDED_DEPTH: usize = 1;

/// Word documents embedded in the document, read as DOCX; other embedded objects named.
fn read_embedded(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    budget: &mut u64,
    out: &mut TextOut<'_>,
    depth: usize,
) {
    let mut embedded: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| name.starts_with("word/embeddings/") && !name.ends_with('/'))
        .map(|name| name.into_owned())
        .collect();
    embedded.sort();
    let mut not_read = Vec::new();
    for name in embedded {
        let lower = name.to_ascii_lowercase();
        let is_word = [".docx", ".docm", ".dotx", ".dotm"]
            .iter()
            .any(|ext| lower.ends_with(ext));
        if !is_word || depth >= MAX_EMBEDDED_DEPTH {
            not_read.push(name);
            continue;
        }
        if out.is_full() || out.out_of_time(&format!("before {name}")) {
            return;
        }
        let Some(bytes) = read_part_bytes(archive, &name, budget, out) else {
            return;
        };
        out.push("\n");
        let before = out.notes_len();
        extract_at(&bytes, out, depth + 1);
        out.prefix_notes_from(before, &format!("{name}: "));
    }
    if !not_read.is_empty() {
        let count = not_read.len();
        let shown: Vec<&str> = not_read.iter().take(5).map(String::as_str).collect();
        out.note(format!(
            "{count} embedded object{} not read ({}{})",
            if count == 1 { "" } else { "s" },
            shown.join(", "),
            if count > shown.len() { ", …" } else { "" }
        ));
    }
}

/// The parts that carry text, body first, then headers, footers, footnotes, endnotes and comments
/// in name order.
fn text_parts(archive: &ZipArchive<Cursor<&[u8]>>) -> Vec<String> {
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

/// One part inflated, within the remaining `budget`; none (with a note) where it cannot be read
/// at all. A part cut short by the budget or the ratio check is returned as far as it was read.
fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<String> {
    read_part_bytes(archive, part, budget, out)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// [`read_part`]'s bytes, as inflated.
fn read_part_bytes(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    let mut entry = match archive.by_name(part) {
        Ok(entry) => entry,
        Err(error) => {
            out.note(zip_error_note(part, &error));
            return None;
        }
    };
    if entry.encrypted() {
        out.note(format!("{part} is encrypted; text not extracted"));
        return None;
    }
    let compressed = entry.compressed_size().max(1);
    let declared = entry.size();
    let max_ratio = out.limits.max_zip_ratio as u64;
    if declared > RATIO_FREE_BYTES && declared / compressed > max_ratio {
        out.note(format!(
            "{part} would inflate {compressed} bytes to {declared} (more than {max_ratio}:1, a zip bomb?); not read"
        ));
        return None;
    }
    let ratio_cap = compressed.saturating_mul(max_ratio).max(RATIO_FREE_BYTES);
    let cap = (*budget).min(ratio_cap);
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        let read = match entry.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) => {
                out.note(format!(
                    "{part} could not be inflated: {error}; text read up to there"
                ));
                break;
            }
        };
        let room = usize::try_from(cap - bytes.len() as u64).unwrap_or(usize::MAX);
        if read > room {
            bytes.extend_from_slice(&chunk[..room]);
            out.note(over_cap_note(part, cap, *budget, ratio_cap));
            break;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
    *budget = budget.saturating_sub(bytes.len() as u64);
    Some(bytes)
}

fn over_cap_note(part: &str, cap: u64, budget: u64, ratio_cap: u64) -> String {
    if cap == ratio_cap && ratio_cap < budget {
        return format!(
            "{part} inflates past {cap} bytes, beyond the compression ratio limit (a zip bomb?); text read up to there"
        );
    }
    format!("{part} inflates past the decompression limit of {cap} bytes; text read up to there")
}

fn zip_error_note(part: &str, error: &ZipError) -> String {
    match error {
        ZipError::UnsupportedArchive(reason) if reason.contains("assword") => {
            format!("{part} is encrypted; text not extracted")
        }
        ZipError::InvalidPassword => format!("{part} is encrypted; text not extracted"),
        other => format!("{part} could not be read: {other}"),
    }
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

/// `&amp;`, `&#233;` and the other predefined references as text.
fn entity_text(reference: &BytesRef<'_>) -> String {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        return ch.to_string();
    }
    let name = reference.xml10_content();
    let text = match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    };
    text.to_owned()
}

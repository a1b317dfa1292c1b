//! DOCX: a zip whose `word/document.xml` (and headers, footers, footnotes) hold the text in `w:t`
//! elements.
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
    for (index, part) in parts.iter().enumerate() {
        if index > 0 && out.out_of_time(&format!("before {part}")) {
            return;
        }
        if out.is_full() {
            return;
        }
        let Some(xml) = read_part(&mut archive, part, &mut budget, out) else {
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

/// The parts that carry text, body first, then headers, footers, footnotes and endnotes in name
/// order.
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
            || file == "endnotes.xml")
}

/// One part inflated, within the remaining `budget`; none (with a note) where it cannot be read
/// at all. A part cut short by the budget or the ratio check is returned as far as it was read.
fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<String> {
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
    Some(String::from_utf8_lossy(&bytes).into_owned())
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
            Event::Start(start) => in_text = start.local_name().as_ref() == "t",
            Event::End(end) => {
                let name = end.local_name();
                match name.as_ref() {
                    "t" => in_text = false,
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

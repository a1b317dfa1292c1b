//! Zip files: Office Open XML documents (DOCX, XLSX, PPTX) and archives of files.
//!
//! A zip is told by what it holds: `word/document.xml` a Word document ([`super::docx`]),
//! `xl/workbook.xml` an Excel workbook ([`super::xlsx`]), `ppt/presentation.xml` a PowerPoint
//! presentation (the text of its slides and their notes, in slide order), an OpenDocument
//! `mimetype` and `content.xml` an ODT, ODS or ODP file ([`super::odf`]); any other zip is an
//! archive of files, each read as an attachment of its own would be (by content first, then its
//! name), under a line naming it (`[file NAME]`), as a tar's are ([`super::archive`]); read by the
//! mail decoder, an `.eml` or `.msg` file is read as an attached message is
//! ([`super::MessageReader`]), its parties listed with where its text is. An archive inside an
//! archive is not opened (noted), and files no text is read from are named in one note. Sending
//! a spreadsheet of nominals
//! zipped, or zipped inside a zip, is how police data most easily leaves by email: unread, it
//! would reach no disclosure policy.
//!
//! The zip is checked before anything is inflated (entry count; each entry's declared size and
//! compression ratio) and while it is (bytes actually inflated, against the declared size and the
//! attachment's decompression budget, shared by every entry read), so a zip bomb costs at most the
//! budget. The time limit is checked before each file of an archive is read. Entries in Stored
//! and Deflate, and in PKZIP 1's Shrink, Reduce and Implode, are read by the zip crate; those in
//! Deflate64, BZip2, LZMA, XZ, Zstandard and PPMd are decoded from their raw bytes under the same
//! checks ([`super::methods`]); any other method is named, not read.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::TextOut;
use super::archive::Members;
use super::methods::{self, Method};

/// A zip being read from an attachment's bytes.
pub(super) type Archive<'b> = ZipArchive<Cursor<&'b [u8]>>;

/// Below this many inflated bytes the compression ratio is not checked: small, repetitive XML
/// compresses very well.
pub(super) const RATIO_FREE_BYTES: u64 = 1024 * 1024;
const READ_CHUNK: usize = 64 * 1024;

/// The part that makes a zip a workbook.
pub(super) const WORKBOOK_PART: &str = "xl/workbook.xml";
/// The part that makes a zip a presentation.
const PRESENTATION_PART: &str = "ppt/presentation.xml";

/// Reads a zip's text into `out`: a document or workbook as such, any other zip as an archive
/// of files, whose files are read only where the zip is the attachment itself (`depth` 0; a zip
/// inside a document or archive is `depth` 1 or more).
pub(super) fn extract(bytes: &[u8], out: &mut TextOut<'_>, depth: usize) {
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
    let start = out.limits.max_decompressed_bytes as u64;
    let mut budget = start;
    if archive.index_for_name(super::docx::DOCUMENT_PART).is_some() {
        super::docx::read(&mut archive, &mut budget, out, depth);
        super::ocr::read_media(&mut archive, &mut budget, out);
    } else if archive.index_for_name(WORKBOOK_PART).is_some() {
        super::xlsx::read(&mut archive, &mut budget, out);
        super::docx::read_embedded(&mut archive, "xl/embeddings/", &mut budget, out, depth);
        super::ocr::read_media(&mut archive, &mut budget, out);
    } else if archive.index_for_name(PRESENTATION_PART).is_some() {
        read_slides(&mut archive, &mut budget, out);
        super::docx::read_embedded(&mut archive, "ppt/embeddings/", &mut budget, out, depth);
        super::ocr::read_media(&mut archive, &mut budget, out);
    } else if is_open_document(&mut archive) {
        super::odf::read(&mut archive, &mut budget, out);
        super::ocr::read_media(&mut archive, &mut budget, out);
    } else if depth == 0 {
        read_files(&mut archive, &mut budget, out);
    } else {
        out.note("a zip archive inside another file is not opened; its contents are not read");
    }
    out.spend(start.saturating_sub(budget));
}

/// Whether the zip is an OpenDocument file: its `mimetype` part (stored first, uncompressed, a
/// few dozen bytes) names an OpenDocument type, and it has a `content.xml`.
fn is_open_document(archive: &mut Archive<'_>) -> bool {
    if archive.index_for_name(super::odf::CONTENT_PART).is_none() {
        return false;
    }
    let Ok(mut entry) = archive.by_name(super::odf::MIMETYPE_PART) else {
        return false;
    };
    let mut head = [0u8; 64];
    let mut read = 0;
    while read < head.len() {
        match entry.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    head[..read].starts_with(super::odf::MIMETYPE_PREFIX)
}

/// A presentation's slides, then their speaker notes, each in slide order (`slide2` before
/// `slide10`).
fn read_slides(archive: &mut Archive<'_>, budget: &mut u64, out: &mut TextOut<'_>) {
    for folder in ["ppt/slides/", "ppt/notesSlides/"] {
        for part in numbered_parts(archive, folder) {
            if out.is_full() || out.out_of_time(&format!("before {part}")) {
                return;
            }
            let Some(xml) = read_part(archive, &part, budget, out) else {
                continue;
            };
            if let Err(error) = markup_text(&xml, out) {
                out.note(format!(
                    "{part} is damaged ({error}); text read up to there"
                ));
            }
            out.push("\n");
        }
    }
}

/// A relationship target as a path in the zip: relative to the folder `base` (`word`, `xl`), or
/// from the root when it starts with `/`; `..` steps are resolved and never climb above the root.
pub(super) fn part_path(base: &str, target: &str) -> String {
    let mut path: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        vec![base]
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

/// The `.xml` parts directly in `folder`, in the order of the number in their names.
pub(super) fn numbered_parts(archive: &Archive<'_>, folder: &str) -> Vec<String> {
    let mut parts: Vec<(u64, String)> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|name| {
            let file = name.strip_prefix(folder)?;
            if file.contains('/') || !file.ends_with(".xml") {
                return None;
            }
            let number: String = file.chars().filter(char::is_ascii_digit).take(18).collect();
            Some((number.parse().unwrap_or(0), name.into_owned()))
        })
        .collect();
    parts.sort();
    parts.into_iter().map(|(_, name)| name).collect()
}

/// The text of DrawingML or SpreadsheetML rich text (slides, comments, text boxes): the content
/// of every `t` element, a paragraph (`p`), shared string (`si`) or comment ending a line.
pub(super) fn markup_text(xml: &str, out: &mut TextOut<'_>) -> Result<(), String> {
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
            Event::End(end) => match end.local_name().as_ref() {
                "t" => in_text = false,
                "p" | "si" | "comment" => out.push("\n"),
                _ => {}
            },
            Event::Empty(empty) if empty.local_name().as_ref() == "br" => out.push("\n"),
            Event::Text(text) if in_text => out.push(&text.xml10_content()),
            Event::CData(data) if in_text => out.push(&data.xml10_content()),
            Event::GeneralRef(reference) if in_text => out.push(&entity_text(&reference)),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// An archive's files, in the order it holds them, each read as an attachment would be under a
/// line naming it; the files no text is read from (images, other binaries) named in one note.
fn read_files(archive: &mut Archive<'_>, budget: &mut u64, out: &mut TextOut<'_>) {
    let mut members = Members::new("zip");
    for index in 0..archive.len() {
        let (name, is_dir, is_encrypted, size) = match archive.by_index_raw(index) {
            Ok(entry) => (
                entry
                    .name()
                    .map_or_else(|_| format!("file {}", index + 1), |name| name.into_owned()),
                entry.is_dir(),
                entry.encrypted(),
                entry.size(),
            ),
            Err(error) => {
                out.note(zip_error_note(&format!("file {}", index + 1), &error));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if is_encrypted {
            members.encrypted(name);
            continue;
        }
        if members.stop_before(&name, out) {
            break;
        }
        if members.too_large(&name, size, out) {
            continue;
        }
        let Some(bytes) = read_entry_bytes(archive, index, &name, budget, out) else {
            continue;
        };
        members.read(name, &bytes, budget, out);
    }
    members.finish(out);
}

/// One part inflated, within the remaining `budget`; none (with a note) where it cannot be read
/// at all. A part cut short by the budget or the ratio check is returned as far as it was read.
pub(super) fn read_part(
    archive: &mut Archive<'_>,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<String> {
    read_part_bytes(archive, part, budget, out)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// [`read_part`]'s bytes, as inflated.
pub(super) fn read_part_bytes(
    archive: &mut Archive<'_>,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    let Some(index) = archive.index_for_name(part) else {
        out.note(zip_error_note(part, &ZipError::FileNotFound));
        return None;
    };
    read_entry_bytes(archive, index, part, budget, out)
}

/// The bytes of the entry at `index` (called `part` in notes), as inflated within the remaining
/// `budget` and the compression ratio limit; none (with a note) where it cannot be read at all.
pub(super) fn read_entry_bytes(
    archive: &mut Archive<'_>,
    index: usize,
    part: &str,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    let mut raw = match archive.by_index_raw(index) {
        Ok(entry) => entry,
        Err(error) => {
            out.note(zip_error_note(part, &error));
            return None;
        }
    };
    if raw.encrypted() {
        out.note(format!("{part} is encrypted; text not extracted"));
        return None;
    }
    let compression = raw.compression();
    let compressed = raw.compressed_size();
    let declared = raw.size();
    if let Some(method) = Method::of(compression) {
        let entry = methods::Entry {
            part,
            method,
            compressed,
            declared,
            crc: raw.crc32(),
        };
        return methods::read(&entry, &mut raw, budget, out);
    }
    drop(raw);
    if !read_by_zip_crate(compression) {
        out.note(format!(
            "{part} is compressed with {}, a method that is not read; text not extracted",
            methods::unread_method_name(compression)
        ));
        return None;
    }
    let mut entry = match archive.by_index(index) {
        Ok(entry) => entry,
        Err(error) => {
            out.note(zip_error_note(part, &error));
            return None;
        }
    };
    inflate_within(&mut entry, part, compressed, declared, budget, out)
}

/// Whether the zip crate reads entries in `compression`: Stored, Deflate, and the Shrink, Reduce
/// and Implode of PKZIP 1 (whose decoders keep what they have decoded, which the budget holds).
fn read_by_zip_crate(compression: CompressionMethod) -> bool {
    matches!(
        compression,
        CompressionMethod::Stored
            | CompressionMethod::Deflated
            | CompressionMethod::Shrink
            | CompressionMethod::Reduce(_)
            | CompressionMethod::Implode
    )
}

/// Whether an entry of `compressed` bytes declaring `declared` is past the compression ratio
/// limit (noted, calling it `part`): it is not read.
pub(super) fn past_ratio(
    part: &str,
    compressed: u64,
    declared: u64,
    out: &mut TextOut<'_>,
) -> bool {
    let compressed = compressed.max(1);
    let max_ratio = out.limits.max_zip_ratio as u64;
    if declared > RATIO_FREE_BYTES && declared / compressed > max_ratio {
        out.note(format!(
            "{part} would inflate {compressed} bytes to {declared} (more than {max_ratio}:1, a zip bomb?); not read"
        ));
        return true;
    }
    false
}

/// The bytes `reader` inflates from `compressed` bytes that say they inflate to `declared`
/// (called `part` in notes), within the remaining `budget` and the compression ratio limit: none
/// (noted) where the declared size is past the ratio limit, and cut (noted) where the bytes
/// inflated go past either.
pub(super) fn inflate_within(
    reader: &mut dyn Read,
    part: &str,
    compressed: u64,
    declared: u64,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    if past_ratio(part, compressed, declared, out) {
        return None;
    }
    let compressed = compressed.max(1);
    let max_ratio = out.limits.max_zip_ratio as u64;
    let ratio_cap = compressed.saturating_mul(max_ratio).max(RATIO_FREE_BYTES);
    let cap = (*budget).min(ratio_cap);
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        let read = match reader.read(&mut chunk) {
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

/// `&amp;`, `&#233;` and the other predefined references as text.
pub(super) fn entity_text(reference: &BytesRef<'_>) -> String {
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

//! The files a PDF carries: those attached to the document (its `EmbeddedFiles` name tree, the
//! attachments pane of a PDF reader) and those attached to its pages (file attachment
//! annotations, the paper-clip icon). A list of people attached to a covering letter leaves as
//! surely as one attached to the email, and a PDF reader opens it with a click.
//!
//! Each file is read as a file in an archive is ([`super::archive::Members`]), by its content
//! first and then its name, under a line `[file NAME]`, after the rest of the PDF; files no text
//! is read from are named in a note. Only the files of a PDF that is the attachment itself are
//! read (a PDF in an archive or in a PDF is read for its own text), so a PDF carrying a PDF
//! carrying … ends at once.
//!
//! Limits: the name tree is walked without recursion, each node once, [`MAX_DEPTH`] levels and
//! [`MAX_NODES`] nodes at most; annotations are looked at on the pages that are read
//! ([`crate::Limits::max_pdf_pages`]); at most `max_attachments` files are read; a file is
//! decoded by lopdf's bounded decoders within the attachment size limit and what is left of the
//! decompression budget (one coded by a filter they do not have is named, not read); the clock
//! is checked before each.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::TextOut;
use super::archive::Members;
use super::pdf_extra::text_string;

/// Deepest nesting of the name tree walked.
const MAX_DEPTH: usize = 32;
/// Most nodes of the name tree visited.
const MAX_NODES: usize = 10_000;

/// One file found: its name and where its bytes are.
struct Carried<'d> {
    name: String,
    stream: &'d Stream,
}

/// Reads the files `document` carries into `out`, after what it holds; `budget` is what is left
/// of the attachment's decompression budget.
pub(super) fn read(document: &Document, budget: &mut usize, out: &mut TextOut<'_>) {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut files = Vec::new();
    attached_to_document(document, &mut seen, &mut files, out);
    attached_to_pages(document, &mut seen, &mut files, out);
    if files.is_empty() {
        return;
    }
    let most = out.limits.max_attachments;
    if files.len() > most {
        out.note(format!(
            "it carries {} files; the first {most} were read",
            files.len()
        ));
        files.truncate(most);
    }
    // Each file is written after a blank line: the line ends the text before ends in go.
    let kept = out.text.trim_end().len();
    out.text.truncate(kept);
    let mut members = Members::new("PDF");
    for file in files {
        if members.stop_before(&file.name, out) {
            break;
        }
        match contents(file.stream, budget, out.limits.max_attachment_bytes) {
            Ok(bytes) => {
                let mut left = *budget as u64;
                members.read(file.name, &bytes, &mut left, out);
                *budget = usize::try_from(left).unwrap_or(*budget).min(*budget);
            }
            Err(why) => out.note(format!(
                "{} (in the PDF): {why}; text not extracted",
                file.name
            )),
        }
    }
    members.finish(out);
}

/// The files of the `EmbeddedFiles` name tree, in its order.
fn attached_to_document<'d>(
    document: &'d Document,
    seen: &mut HashSet<ObjectId>,
    files: &mut Vec<Carried<'d>>,
    out: &mut TextOut<'_>,
) {
    let Some(root) = document
        .catalog()
        .ok()
        .and_then(|catalog| dictionary(document, catalog.get(b"Names").ok()?))
        .and_then(|names| dictionary(document, names.get(b"EmbeddedFiles").ok()?))
    else {
        return;
    };
    let mut visited: HashSet<ObjectId> = HashSet::new();
    let mut nodes = 0;
    let mut stack: Vec<(&Dictionary, usize)> = vec![(root, 0)];
    while let Some((node, depth)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES {
            out.note(format!(
                "its list of attached files has more than {MAX_NODES} nodes; the rest were not read"
            ));
            return;
        }
        if let Some(pairs) = array(document, node.get(b"Names").ok()) {
            for pair in pairs.chunks(2) {
                let [key, value] = pair else { continue };
                let key = match key {
                    Object::String(bytes, _) => Some(text_string(bytes)),
                    _ => None,
                };
                if let Some(file) = carried(document, value, key, seen) {
                    files.push(file);
                }
            }
        }
        let Some(kids) = array(document, node.get(b"Kids").ok()) else {
            continue;
        };
        if depth + 1 > MAX_DEPTH {
            out.note(format!(
                "its list of attached files nests more than {MAX_DEPTH} deep; the deeper ones were not read"
            ));
            continue;
        }
        // Pushed last first, so that the kids are read in order.
        for kid in kids.iter().rev() {
            let Object::Reference(id) = kid else { continue };
            if visited.insert(*id)
                && let Ok(kid) = document.get_dictionary(*id)
            {
                stack.push((kid, depth + 1));
            }
        }
    }
}

/// The files of the file attachment annotations on the pages that are read, page by page.
fn attached_to_pages<'d>(
    document: &'d Document,
    seen: &mut HashSet<ObjectId>,
    files: &mut Vec<Carried<'d>>,
    out: &TextOut<'_>,
) {
    for page_id in document
        .get_pages()
        .into_values()
        .take(out.limits.max_pdf_pages)
    {
        let Some(annotations) = document
            .get_dictionary(page_id)
            .ok()
            .and_then(|page| array(document, page.get(b"Annots").ok()))
        else {
            continue;
        };
        for annotation in annotations {
            let Some(annotation) = dictionary(document, annotation) else {
                continue;
            };
            let is_file = annotation
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|subtype| subtype == b"FileAttachment");
            if !is_file {
                continue;
            }
            if let Ok(spec) = annotation.get(b"FS")
                && let Some(file) = carried(document, spec, None, seen)
            {
                files.push(file);
            }
        }
    }
}

/// The file a file specification names and holds, named by its own name (`/UF`, else `/F`),
/// else by `key` (its name in the tree), else `attachment`; none where it holds no file stream,
/// or one already found.
fn carried<'d>(
    document: &'d Document,
    spec: &'d Object,
    key: Option<String>,
    seen: &mut HashSet<ObjectId>,
) -> Option<Carried<'d>> {
    let spec = dictionary(document, spec)?;
    let embedded = dictionary(document, spec.get(b"EF").ok()?)?;
    let id = [b"UF".as_slice(), b"F"]
        .iter()
        .find_map(|key| embedded.get(key).ok()?.as_reference().ok())?;
    let stream = document.get_object(id).ok()?.as_stream().ok()?;
    if !seen.insert(id) {
        return None;
    }
    let name = [b"UF".as_slice(), b"F"]
        .iter()
        .find_map(|key| match spec.get(key).ok()? {
            Object::String(bytes, _) => Some(text_string(bytes)),
            _ => None,
        })
        .filter(|name| !name.trim().is_empty())
        .or(key)
        .unwrap_or_else(|| "attachment".to_owned());
    Some(Carried { name, stream })
}

/// A file's bytes: as stored, or decoded by its filters (lopdf's bounded decoders: Flate, LZW,
/// ASCII85, ASCIIHex, RunLength, Brotli) within `most` bytes and the `budget` (what was decoded
/// is taken from it); why not, where they cannot be had.
fn contents(stream: &Stream, budget: &mut usize, most: usize) -> Result<Vec<u8>, String> {
    let filtered = stream.dict.get(b"Filter").is_ok();
    let limit = if filtered { most.min(*budget) } else { most };
    match stream.decompressed_content_with_limit(limit) {
        Ok(bytes) => {
            if filtered {
                *budget -= bytes.len();
            }
            Ok(bytes)
        }
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(if filtered {
                format!(
                    "it decodes past {limit} bytes (the extraction limit, or what is left of the decompression budget)"
                )
            } else {
                format!(
                    "{} bytes, larger than the {most} byte extraction limit",
                    stream.content.len()
                )
            })
        }
        Err(lopdf::Error::Unimplemented(_)) => {
            let filters: Vec<String> = stream
                .filters()
                .unwrap_or_default()
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect();
            Err(format!(
                "stored with the filter{} {}, which is not read",
                if filters.len() == 1 { "" } else { "s" },
                filters.join(", ")
            ))
        }
        Err(error) => Err(format!("its data cannot be decoded ({error})")),
    }
}

/// A dictionary, or the one a reference points at.
pub(super) fn dictionary<'d>(document: &'d Document, object: &'d Object) -> Option<&'d Dictionary> {
    match object {
        Object::Reference(id) => document.get_dictionary(*id).ok(),
        other => other.as_dict().ok(),
    }
}

/// An array, or the one a reference points at.
fn array<'d>(document: &'d Document, object: Option<&'d Object>) -> Option<&'d Vec<Object>> {
    match object? {
        Object::Reference(id) => document.get_object(*id).ok()?.as_array().ok(),
        other => other.as_array().ok(),
    }
}

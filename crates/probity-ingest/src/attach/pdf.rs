//! PDF: text of each page by lopdf, page by page, within the page, decompression and time limits.
//!
//! lopdf bounds stream decompression itself (`max_decompressed_size` at load, a per-page limit at
//! extraction). Loading and each page run inside `catch_unwind`, so a panic in the parser on one
//! page keeps the text of the pages before it.
//!
//! lopdf shows no text for a page whose fonts it cannot read (a file cut short before its font
//! objects). Such a page's text-showing operators are then read without the font, their strings
//! as 8-bit text, and kept only when that gives readable text; the page is noted.
//!
//! The text outside the PDF syntax ([`pdf_syntax`]: appended after the end-of-file marker,
//! written between objects, in comments) is read after the pages, noted: no page shows it, but a
//! text editor does. An incremental update's objects after the first end-of-file marker are PDF
//! syntax, not text.
//!
//! Then what a PDF reader shows besides the pages ([`pdf_extra`]): the document information
//! (Info dictionary and XMP metadata), the values of the form's fields, the comments of the
//! annotations and the bookmarks' titles, each under a heading (`[document information]`,
//! `[form fields]`, `[annotations]`, `[bookmarks]`), within the same page and time limits. They
//! are read first, within a quarter of the text limit and of the decompression budget, and the
//! room they take is kept free while the pages are read: a PDF whose pages fill the text limit
//! keeps them. A panic in the parser there keeps what was read before it.
//!
//! Last, where the PDF is the attachment itself, the files it carries ([`pdf_files`]: attached
//! to the document or to its pages), each under a line `[file NAME]`.
//!
//! A file that claims to be a PDF and that lopdf cannot open is read for the text outside its PDF
//! syntax alone: text that only starts `%PDF-` is read as text, noted; a PDF cut short has no
//! such text and is noted as corrupt.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Document, LoadOptions};
use mail_parser::decoders::charsets::map::charset_decoder;

use super::{
    Input, PDF_HEADER_WINDOW, PDF_MAGIC, TextOut, looks_like_text, pdf_extra, pdf_files,
    pdf_syntax, text,
};

const ENCRYPT_KEY: &[u8] = b"/Encrypt";

/// Reads a PDF's text into `out`, noting what could not be read; the files it carries where it
/// is the attachment itself (`depth` 0).
pub(super) fn extract(input: &Input<'_>, out: &mut TextOut<'_>, depth: usize) {
    let bytes = input.bytes;
    let max_decompressed = out.limits.max_decompressed_bytes;
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(
            bytes,
            LoadOptions::with_max_decompressed_size(max_decompressed),
        )
    }));
    let document = match loaded {
        Ok(Ok(document)) => document,
        Ok(Err(error)) => {
            not_read(input, &error.to_string(), out);
            return;
        }
        Err(_) => {
            not_read(input, "the parser panicked", out);
            return;
        }
    };
    let encrypted = is_encrypted(&document);
    let outside = pdf_syntax::read(bytes);
    // Text appended after the end-of-file marker moves it away from the end: not a cut.
    let cut_short = !ends_as_a_pdf_does(bytes) && !outside.ends_at_eof_marker;
    let mut budget = out.limits.max_decompressed_bytes;
    // The parts besides the pages are read first, aside, within a share of the text limit and
    // of the decompression budget, and written after the pages: pages that fill the limit no
    // longer leave them out.
    let share = budget / EXTRA_SHARE;
    let mut extra_budget = share;
    let mut extra = out.aside(out.limits.max_attachment_text_bytes / EXTRA_SHARE);
    read_extra(&document, &mut extra_budget, &mut extra);
    budget -= share - extra_budget;
    // Room for the text and for the blank line before it.
    if !extra.text.is_empty() {
        out.keep_free(extra.text.len() + 2);
    }
    read_pages(&document, encrypted || cut_short, &mut budget, out);
    let nothing_read = out.text.trim().is_empty();
    read_outside(&outside, cut_short, out);
    out.add_aside(extra);
    if depth == 0 {
        read_files(&document, &mut budget, out);
    }
    out.spend(out.limits.max_decompressed_bytes.saturating_sub(budget) as u64);
    if cut_short {
        // First among the notes, as the cause of the others; worded by what was read.
        let note = if nothing_read {
            "the file stops before its end-of-file marker (cut short?): no text could be read from the part there is"
        } else {
            "the file stops before its end-of-file marker (cut short?): text read as far as it goes, later pages may be missing"
        };
        out.notes.insert(0, note.to_owned());
    }
    if encrypted && nothing_read {
        out.note("encrypted PDF: no text could be read without its password");
    }
}

/// Adds the files the PDF carries ([`pdf_files`]); a panic in the parser keeps what was read
/// before.
fn read_files(document: &Document, budget: &mut usize, out: &mut TextOut<'_>) {
    let read = catch_unwind(AssertUnwindSafe(|| pdf_files::read(document, budget, out)));
    if read.is_err() {
        out.note("the files it carries could not all be read: the parser panicked");
    }
}

/// The share of the attachment's text limit and decompression budget that the parts besides
/// the pages may take (one in four).
const EXTRA_SHARE: usize = 4;

/// Reads the document information, form fields, annotations and bookmarks ([`pdf_extra`]); a
/// panic in the parser keeps what was read before.
fn read_extra(document: &Document, budget: &mut usize, out: &mut TextOut<'_>) {
    let read = catch_unwind(AssertUnwindSafe(|| pdf_extra::read(document, budget, out)));
    if read.is_err() {
        out.note("its document information, form fields, annotations or bookmarks could not all be read: the parser panicked");
    }
}

/// Adds the text outside the syntax of a PDF that opened, after its pages, noted; notes an
/// object, stream or string it ends in, unread, unless it is `cut_short` (noted so already).
fn read_outside(outside: &pdf_syntax::Outside, cut_short: bool, out: &mut TextOut<'_>) {
    if outside.unclosed && !cut_short {
        out.note(
            "it ends inside a PDF object, stream or string that is never closed, whose content is not read",
        );
    }
    if outside.text.is_empty() {
        return;
    }
    let open_stream = if outside.open_stream_text {
        " (with the text of a stream the file ends in, never closed)"
    } else {
        ""
    };
    out.note(format!(
        "it holds text outside its PDF syntax (after its end-of-file marker, between its objects or in comments){open_stream}, which PDF readers do not show: read after its pages"
    ));
    if !out.text.is_empty() && !out.text.ends_with('\n') {
        out.push("\n");
    }
    out.push(&outside.text);
}

/// How far from its end a PDF's last `%%EOF` may be (writers add line ends, some a little more).
const EOF_WINDOW: usize = 1024;

/// Whether the file has its end-of-file marker near its end, as a whole PDF has.
fn ends_as_a_pdf_does(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(EOF_WINDOW)..];
    memchr::memmem::rfind(tail, b"%%EOF").is_some()
}

/// A file that claims to be a PDF and cannot be opened as one: its text, where it is text
/// ([`pdf_syntax`]), else a note saying why there is none.
///
/// Bytes that hold no PDF syntax and are text as a whole (the attachment sniffing rule: no NUL,
/// almost no control bytes) are read as text in their declared charset, noted as claiming to be
/// a PDF. Bytes with PDF syntax have the lines outside it read, when there are any and they are
/// text; a PDF cut short has none, and keeps the note alone.
fn not_read(input: &Input<'_>, error: &str, out: &mut TextOut<'_>) {
    let bytes = input.bytes;
    let failure = load_failure(bytes, error);
    // Its lines are judged one by one by the attachment rules, text with NUL or other control
    // bytes through it read with them taken out: a NUL put in the text kept it from being read.
    let outside = pdf_syntax::read(bytes);
    if outside.text.is_empty() {
        out.note(format!("{failure}; text not extracted"));
        return;
    }
    if !outside.syntax && looks_like_text(bytes) {
        out.note(format!(
            "not a PDF though {} ({failure}): it holds no PDF syntax, and was read as text",
            claim(input)
        ));
        let charset = input.charset.or_else(|| {
            std::str::from_utf8(bytes)
                .is_err()
                .then_some("windows-1252")
        });
        text::plain(&Input { charset, ..*input }, out);
        return;
    }
    let unclosed = if outside.open_stream_text {
        " (with the text of a stream it ends in, never closed)"
    } else if outside.unclosed {
        " (it ends inside a PDF object, stream or string, whose content is not read)"
    } else {
        ""
    };
    out.note(format!(
        "{failure}; only the text outside its PDF syntax was read{unclosed}"
    ));
    out.push(&outside.text);
}

/// What says the attachment is a PDF: its first bytes, its type or its name.
fn claim(input: &Input<'_>) -> &'static str {
    let head = input.bytes.get(..PDF_HEADER_WINDOW).unwrap_or(input.bytes);
    if memchr::memmem::find(head, PDF_MAGIC).is_some() {
        "its first bytes hold a PDF header (%PDF-)"
    } else if input.mime_type == Some("application/pdf") {
        "its type is application/pdf"
    } else {
        "its name ends .pdf"
    }
}

/// Why the file could not be opened, without what follows from it.
fn load_failure(bytes: &[u8], error: &str) -> String {
    if memchr::memmem::find(bytes, ENCRYPT_KEY).is_some() {
        return format!("encrypted PDF that could not be opened ({error})");
    }
    format!("corrupt PDF: {error}")
}

/// Whether the file declares encryption (lopdf drops the state when it cannot decrypt).
fn is_encrypted(document: &Document) -> bool {
    document.was_encrypted() || document.trailer.get(b"Encrypt").is_ok()
}

/// Reads each page's text; `incomplete` (encrypted, or cut short) leaves out the notes on a
/// document without pages or without a text layer, which would then mislead.
fn read_pages(document: &Document, incomplete: bool, budget: &mut usize, out: &mut TextOut<'_>) {
    let pages: Vec<(u32, lopdf::ObjectId)> = document.get_pages().into_iter().collect();
    let total = pages.len();
    let max_pages = out.limits.max_pdf_pages;
    let mut empty = true;
    let mut unread = 0usize;
    // Images read by OCR so far (where it is on), and whether any gave text.
    let mut images = 0usize;
    let mut by_ocr = false;
    for (index, (number, page_id)) in pages.iter().copied().enumerate() {
        if index >= max_pages {
            out.note(format!(
                "PDF has {total} pages; only the first {max_pages} were read"
            ));
            break;
        }
        if index > 0 && out.out_of_time(&format!("before page {number} of {total}")) {
            break;
        }
        if out.is_full() {
            break;
        }
        let page = catch_unwind(AssertUnwindSafe(|| {
            read_page(document, number, page_id, budget)
        }));
        match page {
            Ok(Ok(page)) => {
                empty &= page.text.trim().is_empty();
                if page.without_fonts {
                    out.note(format!(
                        "page {number}'s fonts could not be read (not in the file, or damaged): its text was read without them and may be inexact"
                    ));
                }
                out.push(&page.text);
                by_ocr |= super::pdf_image::read_page_images(
                    document,
                    number,
                    page_id,
                    budget,
                    &mut images,
                    out,
                );
            }
            Ok(Err(error)) => {
                unread += 1;
                out.note(format!("page {number} could not be read: {error}"));
            }
            Err(_) => {
                unread += 1;
                out.note(format!(
                    "page {number} could not be read: the parser panicked"
                ));
            }
        }
    }
    if incomplete {
        return;
    }
    if total == 0 {
        out.note("PDF has no readable pages");
    } else if empty && unread == 0 && by_ocr {
        out.note("PDF has no text layer (a scan?): its text is what OCR read from its images");
    } else if empty && unread == 0 {
        out.note("PDF has no text layer (a scan?); its pages' text not extracted");
    }
}

/// One page's text, and whether it was read without the page's fonts ([`text_without_fonts`]).
struct PageText {
    text: String,
    without_fonts: bool,
}

/// One page's text. Its content streams are inflated first to charge their size to the
/// attachment's decompression `budget` (lopdf's own limit is per call), then read for text.
fn read_page(
    document: &Document,
    number: u32,
    page_id: lopdf::ObjectId,
    budget: &mut usize,
) -> Result<PageText, String> {
    let contents = document.get_page_contents(page_id);
    if contents.iter().any(|id| document.get_object(*id).is_err()) {
        return Err("its content is not in the file (cut short or damaged)".to_owned());
    }
    let content = document
        .get_page_content_with_limit(page_id, *budget)
        .map_err(|error| match error {
            lopdf::Error::Decompress(_) => format!(
                "its content inflates past the remaining decompression budget of {budget} bytes"
            ),
            other => other.to_string(),
        })?;
    *budget = budget.saturating_sub(content.len());
    let text = document
        .extract_text_with_limit(&[number], content.len().saturating_add(1))
        .map_err(|error| error.to_string())?;
    // lopdf reads a stream it cannot decompress as its raw bytes, which hold no text: say the
    // page is damaged rather than let it pass as a page without a text layer.
    if text.trim().is_empty() && undecodable_content(document, page_id, content.len()) {
        return Err("its content stream is damaged (it does not decompress)".to_owned());
    }
    if text.trim().is_empty()
        && let Some(text) = text_without_fonts(&content)
    {
        return Ok(PageText {
            text,
            without_fonts: true,
        });
    }
    Ok(PageText {
        text,
        without_fonts: false,
    })
}

/// The strings a page's content shows (`Tj`, `TJ`, `'`, `"`), read without their fonts: as
/// UTF-16 after a byte-order mark, else one byte a character as windows-1252 (which the standard
/// and WinAnsi encodings of simple fonts agree with for letters and digits). lopdf shows no text when
/// it cannot read a page's fonts; this gives the text of a page whose fonts are missing. Glyph
/// ids of composite fonts give no readable text this way, so the result is kept only when it looks
/// like text: no control characters but line breaks and tabs, and mostly ASCII letters, digits,
/// spaces and punctuation.
pub(super) fn text_without_fonts(content: &[u8]) -> Option<String> {
    text_shown(content, &mut |_| None)
}

/// The font named `name` in `fonts` (a `/Font` resource dictionary) where it is a composite font
/// (`/Type0`, whose strings are glyph ids, not letters) that maps its codes to Unicode by a
/// `ToUnicode` CMap: that map, as lopdf reads a page's (the text of an appearance stream in such
/// a font is read by it, [`text_shown`]). `inflate` gives the CMap's stream decompressed within
/// the budget, none where it does not fit (and notes why).
pub(super) fn unicode_font<'d>(
    document: &'d Document,
    fonts: &'d lopdf::Dictionary,
    name: &[u8],
    inflate: &mut dyn FnMut(&'d lopdf::Stream) -> Option<Vec<u8>>,
) -> Option<lopdf::Encoding<'d>> {
    let (_, font) = document.dereference(fonts.get(name).ok()?).ok()?;
    let font = font.as_dict().ok()?;
    if !matches!(font.get(b"Subtype"), Ok(lopdf::Object::Name(kind)) if kind.as_slice() == b"Type0")
    {
        return None;
    }
    let (_, cmap) = document.dereference(font.get(b"ToUnicode").ok()?).ok()?;
    // Decompressed here first to charge it to the budget; lopdf's reading of it is held to the
    // size it had.
    let plain = inflate(cmap.as_stream().ok()?)?;
    match font.get_font_encoding_with_limit(document, plain.len().saturating_add(1)) {
        Ok(encoding @ lopdf::Encoding::UnicodeMapEncoding(_)) => Some(encoding),
        _ => None,
    }
}

/// The strings a content stream shows ([`text_without_fonts`]), those in a font for which
/// `unicode` gives a `ToUnicode` map ([`unicode_font`], asked once for each font the stream
/// selects) read by it, any script; the rest read without their fonts, and kept only where what
/// they give looks like text.
pub(super) fn text_shown<'d>(
    content: &[u8],
    unicode: &mut dyn FnMut(&[u8]) -> Option<lopdf::Encoding<'d>>,
) -> Option<String> {
    let content = lopdf::content::Content::decode(content).ok()?;
    let mut text = String::new();
    // What was read without fonts, which is to look like text.
    let mut guessed = String::new();
    let mut maps: std::collections::HashMap<Vec<u8>, Option<lopdf::Encoding<'d>>> =
        std::collections::HashMap::new();
    // The font selected, where it has a map.
    let mut font: Option<Vec<u8>> = None;
    for operation in &content.operations {
        let shown: &[lopdf::Object] = match operation.operator.as_str() {
            "Tf" => {
                font = match operation.operands.first() {
                    Some(lopdf::Object::Name(name)) => {
                        let map = maps
                            .entry(name.clone())
                            .or_insert_with(|| unicode(name.as_slice()));
                        map.is_some().then(|| name.clone())
                    }
                    _ => None,
                };
                continue;
            }
            "Tj" | "'" => operation.operands.get(..1).unwrap_or_default(),
            "\"" => operation.operands.get(2..3).unwrap_or_default(),
            "TJ" => match operation.operands.first() {
                Some(lopdf::Object::Array(items)) => items,
                _ => &[],
            },
            "ET" | "T*" => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                    guessed.push('\n');
                }
                continue;
            }
            _ => continue,
        };
        if matches!(operation.operator.as_str(), "'" | "\"") && !text.ends_with('\n') {
            text.push('\n');
            guessed.push('\n');
        }
        for object in shown {
            let lopdf::Object::String(bytes, _) = object else {
                continue;
            };
            match font
                .as_ref()
                .and_then(|name| maps.get(name))
                .and_then(Option::as_ref)
            {
                Some(encoding) => {
                    // A code the CMap does not map gives nothing rather than a guess.
                    let _ = encoding.write_to_string(bytes, &mut text);
                }
                None => {
                    let from = text.len();
                    push_string(bytes, &mut text);
                    guessed.push_str(&text[from..]);
                }
            }
        }
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut plain = 0usize;
    let mut total = 0usize;
    for c in guessed.trim().chars() {
        total += 1;
        if c.is_control() && c != '\n' && c != '\t' && c != '\r' {
            return None;
        }
        if c.is_ascii_graphic() || c == ' ' || c == '\n' {
            plain += 1;
        }
    }
    // Four in five characters plain ASCII: text in a Western language, not glyph ids.
    // Ended by a line break, as lopdf ends a page's text.
    (plain * 5 >= total * 4).then(|| format!("{trimmed}\n"))
}

fn push_string(bytes: &[u8], text: &mut String) {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let (units, _) = rest.as_chunks::<2>();
        let units = units.iter().map(|&pair| u16::from_be_bytes(pair));
        text.extend(char::decode_utf16(units).map(|unit| unit.unwrap_or('\u{fffd}')));
    } else if let Some(decoder) = charset_decoder(b"windows-1252") {
        text.push_str(&decoder(bytes));
    } else {
        text.extend(bytes.iter().map(|&byte| char::from(byte)));
    }
}

/// Whether one of the page's compressed content streams fails to decompress within `limit`
/// bytes (the size already inflated for it, so no more is spent than was). lopdf reports a
/// corrupt Flate stream as decompressing to nothing, so bytes that give nothing count too.
fn undecodable_content(document: &Document, page_id: lopdf::ObjectId, limit: usize) -> bool {
    document.get_page_contents(page_id).into_iter().any(|id| {
        let Ok(stream) = document.get_object(id).and_then(lopdf::Object::as_stream) else {
            return false;
        };
        if !stream.dict.has(b"Filter") || stream.content.is_empty() {
            return false;
        }
        match stream.decompressed_content_with_limit(limit.saturating_add(1)) {
            Ok(inflated) => inflated.is_empty(),
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => false,
            Err(_) => true,
        }
    })
}

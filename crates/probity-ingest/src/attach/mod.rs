//! Text from attachments: plain text (charset aware), HTML, DOCX and PDF.
//!
//! [`extract_text`] never fails and never panics: whatever text it could read comes back with, where
//! the text is missing or incomplete, a note saying why (encrypted, corrupt, over a limit, a type
//! that is not read). Every extraction works within [`Limits`]: the attachment's size, the text
//! kept, PDF pages, bytes decompressed, the compression ratio and entry count of a zip (DOCX), and
//! the time spent, checked between pages and entries. Third-party parsers run inside
//! [`std::panic::catch_unwind`] as a last resort: PDF parsers are known to panic on hostile input,
//! and such a panic becomes a note rather than a crash (the panic hook still prints it).

mod docx;
mod pdf;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use crate::Limits;

/// One attachment to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    /// The attachment as the sender attached it (transfer encoding removed).
    pub bytes: &'a [u8],
    /// Its declared MIME type (`application/pdf`), lower case, if any.
    pub mime_type: Option<&'a str>,
    /// Its file name, if any.
    pub name: Option<&'a str>,
    /// The declared charset of a text attachment, if any.
    pub charset: Option<&'a str>,
}

/// What extraction produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The text read, if any, at most [`Limits::max_attachment_text_bytes`].
    pub text: Option<String>,
    /// Why the text is missing or incomplete; none when it is whole.
    pub note: Option<String>,
}

/// How an attachment is read, told from its content first, then its type and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Html,
    Docx,
    Pdf,
    /// An OLE compound file: a legacy Office document or an encrypted OOXML one.
    Compound,
    Unsupported,
}

const PDF_MAGIC: &[u8] = b"%PDF-";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const COMPOUND_MAGIC: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// How far into a file a PDF header may start (readers accept leading junk up to 1 KiB).
const PDF_HEADER_WINDOW: usize = 1024;

const TEXT_EXTENSIONS: [&str; 8] = ["txt", "csv", "tsv", "log", "md", "json", "xml", "ics"];
const HTML_EXTENSIONS: [&str; 2] = ["htm", "html"];
const OOXML_EXTENSIONS: [&str; 6] = ["docx", "docm", "dotx", "xlsx", "pptx", "xlsm"];

/// Extracts the text of one attachment within `limits`.
pub fn extract_text(input: &Input<'_>, limits: &Limits) -> Extracted {
    if input.bytes.len() > limits.max_attachment_bytes {
        return Extracted::note(format!(
            "attachment of {} bytes is larger than the {} byte extraction limit; text not extracted",
            input.bytes.len(),
            limits.max_attachment_bytes
        ));
    }
    let kind = kind_of(input);
    // The readers below do not panic by design; this is the last line of defence for the
    // third-party parsers inside them.
    let result = catch_unwind(AssertUnwindSafe(|| extract_kind(kind, input, limits)));
    match result {
        Ok(extracted) => extracted,
        Err(panic) => Extracted::note(format!(
            "the {} reader failed on this attachment ({}); text not extracted",
            kind.label(),
            panic_text(panic.as_ref())
        )),
    }
}

fn extract_kind(kind: Kind, input: &Input<'_>, limits: &Limits) -> Extracted {
    let mut out = TextOut::new(limits);
    match kind {
        Kind::Text => text::plain(input, &mut out),
        Kind::Html => text::html(input, &mut out),
        Kind::Docx => docx::extract(input.bytes, &mut out),
        Kind::Pdf => pdf::extract(input.bytes, &mut out),
        Kind::Compound => out.note(compound_note(input)),
        Kind::Unsupported => out.note(format!(
            "text is not extracted from {}",
            input.mime_type.unwrap_or("attachments of unknown type")
        )),
    }
    out.finish()
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Html => "HTML",
            Kind::Docx => "DOCX",
            Kind::Pdf => "PDF",
            Kind::Compound => "Office",
            Kind::Unsupported => "attachment",
        }
    }
}

fn kind_of(input: &Input<'_>) -> Kind {
    let bytes = input.bytes;
    let head = bytes.get(..PDF_HEADER_WINDOW).unwrap_or(bytes);
    if memchr::memmem::find(head, PDF_MAGIC).is_some() {
        return Kind::Pdf;
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Kind::Docx;
    }
    if bytes.starts_with(COMPOUND_MAGIC) {
        return Kind::Compound;
    }
    let mime = input.mime_type.unwrap_or_default();
    let extension = extension(input.name);
    if mime == "application/pdf" || extension.as_deref() == Some("pdf") {
        return Kind::Pdf;
    }
    if mime.contains("wordprocessingml") || extension.as_deref() == Some("docx") {
        return Kind::Docx;
    }
    let is_html = mime == "text/html"
        || mime == "application/xhtml+xml"
        || extension
            .as_deref()
            .is_some_and(|ext| HTML_EXTENSIONS.contains(&ext));
    if is_html {
        return Kind::Html;
    }
    let is_text = mime.starts_with("text/")
        || extension
            .as_deref()
            .is_some_and(|ext| TEXT_EXTENSIONS.contains(&ext));
    if is_text {
        return Kind::Text;
    }
    Kind::Unsupported
}

fn extension(name: Option<&str>) -> Option<String> {
    let name = name?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, extension) = base.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    Some(extension.trim().to_ascii_lowercase())
}

fn compound_note(input: &Input<'_>) -> String {
    let mime = input.mime_type.unwrap_or_default();
    let extension = extension(input.name).unwrap_or_default();
    let is_ooxml =
        mime.contains("openxmlformats") || OOXML_EXTENSIONS.contains(&extension.as_str());
    if is_ooxml {
        return "encrypted (password-protected) Office document; text not extracted".into();
    }
    "legacy binary Office document (OLE compound file: .doc, .xls, .ppt, .msg) is not read; text not extracted".into()
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        return format!("it panicked: {text}");
    }
    if let Some(text) = panic.downcast_ref::<String>() {
        return format!("it panicked: {text}");
    }
    "it panicked".into()
}

impl Extracted {
    fn note(note: String) -> Self {
        Self {
            text: None,
            note: Some(note),
        }
    }
}

/// Text being extracted: cut at the text limit, with the notes explaining any gap and the clock
/// and decompression budget of one attachment.
struct TextOut<'l> {
    limits: &'l Limits,
    text: String,
    notes: Vec<String>,
    truncated: bool,
    started: Instant,
}

impl<'l> TextOut<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            text: String::new(),
            notes: Vec::new(),
            truncated: false,
            started: Instant::now(),
        }
    }

    /// Appends text; past the text limit, keeps what fits (on a character boundary).
    fn push(&mut self, piece: &str) {
        if self.truncated {
            return;
        }
        let room = self.limits.max_attachment_text_bytes - self.text.len();
        if piece.len() <= room {
            self.text.push_str(piece);
            return;
        }
        let cut = piece.floor_char_boundary(room);
        self.text.push_str(&piece[..cut]);
        self.truncated = true;
    }

    /// Whether the text limit has been reached (readers stop then).
    fn is_full(&self) -> bool {
        self.truncated
    }

    /// Whether the time limit has passed; notes it once, naming where reading stopped.
    fn out_of_time(&mut self, stopped_at: &str) -> bool {
        let elapsed = self.started.elapsed();
        if elapsed <= self.limits.max_attachment_time {
            return false;
        }
        self.note(format!(
            "extraction stopped {stopped_at}: the time limit of {} ms per attachment was reached",
            self.limits.max_attachment_time.as_millis()
        ));
        true
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn finish(mut self) -> Extracted {
        if self.truncated {
            self.notes.push(format!(
                "text cut at the {} byte limit",
                self.limits.max_attachment_text_bytes
            ));
        }
        let text = self.text.trim();
        let text = (!text.is_empty()).then(|| text.to_owned());
        if text.is_none() && self.notes.is_empty() {
            self.notes.push("no text found in the attachment".into());
        }
        let note = (!self.notes.is_empty()).then(|| self.notes.join("; "));
        Extracted { text, note }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(bytes: &'a [u8], mime: Option<&'a str>, name: Option<&'a str>) -> Input<'a> {
        Input {
            bytes,
            mime_type: mime,
            name,
            charset: None,
        }
    }

    #[test]
    fn kind_is_told_by_content_before_type() {
        assert_eq!(
            kind_of(&input(b"%PDF-1.4\n", Some("text/plain"), None)),
            Kind::Pdf
        );
        assert_eq!(kind_of(&input(b"PK\x03\x04rest", None, None)), Kind::Docx);
        assert_eq!(kind_of(&input(COMPOUND_MAGIC, None, None)), Kind::Compound);
        assert_eq!(
            kind_of(&input(b"<p>x</p>", None, Some("page.HTM"))),
            Kind::Html
        );
        assert_eq!(kind_of(&input(b"a,b", Some("text/csv"), None)), Kind::Text);
        assert_eq!(
            kind_of(&input(b"\x89PNG", Some("image/png"), Some("a.png"))),
            Kind::Unsupported
        );
    }

    #[test]
    fn oversized_attachment_is_noted_not_read() {
        let limits = Limits {
            max_attachment_bytes: 4,
            ..Limits::default()
        };
        let got = extract_text(&input(b"hello", Some("text/plain"), None), &limits);
        assert_eq!(got.text, None);
        assert!(got.note.unwrap().contains("larger than the 4 byte"));
    }

    #[test]
    fn unsupported_and_compound_types_say_why() {
        let limits = Limits::default();
        let got = extract_text(&input(b"\x89PNG", Some("image/png"), None), &limits);
        assert_eq!(
            got.note.as_deref(),
            Some("text is not extracted from image/png")
        );
        let got = extract_text(&input(COMPOUND_MAGIC, None, Some("plan.docx")), &limits);
        assert!(got.note.unwrap().starts_with("encrypted"));
        let got = extract_text(&input(COMPOUND_MAGIC, None, Some("old.doc")), &limits);
        assert!(got.note.unwrap().starts_with("legacy binary Office"));
    }

    #[test]
    fn text_is_cut_on_a_character_boundary() {
        let limits = Limits {
            max_attachment_text_bytes: 4,
            ..Limits::default()
        };
        let mut out = TextOut::new(&limits);
        out.push("ab\u{e9}\u{e9}");
        assert!(out.is_full());
        let got = out.finish();
        assert_eq!(got.text.as_deref(), Some("ab\u{e9}"));
        assert_eq!(got.note.as_deref(), Some("text cut at the 4 byte limit"));
    }
}

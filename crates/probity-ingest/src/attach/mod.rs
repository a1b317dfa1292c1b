//! Text from attachments: plain text (charset aware), HTML, RTF, DOCX, Word 97–2003 (`.doc`),
//! XLSX, Excel 5–2003 (`.xls`), PPTX, OpenDocument, PDF, Outlook messages (`.msg`) and the files
//! in a zip, tar, gzip or 7-Zip archive (`.tar.gz` too), told by content first; images, and the
//! pictures in documents and in the RTF body of an Outlook message or a TNEF, by OCR where it is
//! switched on ([`Ocr`]);
//! any other attachment whose bytes are text is read as text (and noted), whatever its type
//! says: a generic one, a garbled one, or a binary one a file was renamed to (`photo.jpg`); one
//! whose type says nothing of it and that is not text as a whole has its text lines read unless
//! binary lines outweigh them; so has one that is text/plain by RFC 2045's default (a MIME part
//! with no `Content-Type`, or one whose type has no subtype, `p`) where its bytes are not text,
//! or begin as a format's but give no text as one, and where its binary lines outweigh them, its
//! lines of text before the first binary one are read still: a text followed by binary bytes is
//! read, a binary file's stray text is not. A PDF's
//! text outside its PDF syntax (appended after its end, written between its objects) is read
//! after its pages, noted, and then its document information, form field values, annotations and
//! bookmarks, each under a heading (`[form fields]`); one that claims to be a PDF and cannot be
//! opened as one has the text outside its syntax read alone, so that starting a message `%PDF-`
//! does not hide it.
//!
//! Read by the mail decoder, an `.eml` or Outlook `.msg` file in an archive, in a TNEF, in a
//! DOCX's, XLSX's or PPTX's embeddings folder, or wrapped by the Packager as an object embedded
//! by OLE (in a presentation, a Word or Excel document, a TNEF, an `oleObject.bin`, and in such a
//! file in an archive or another document) is read as the decoder reads an attached message
//! (`MessageReader`), and where its text lies is given with the headers that name its parties
//! (`Held`), so that the exclusions see whom it is with. Such a message is read within what the
//! attachment has left of its limits (its decompression budget, text and time), not the
//! decoder's limits anew, so that a document of messages cannot multiply the work.
//!
//! [`extract_text`] never fails and never panics: whatever text it could read comes back with, where
//! the text is missing or incomplete, a note saying why (encrypted, corrupt, over a limit, a type
//! that is not read). Every extraction works within [`Limits`]: the attachment's size, the text
//! kept, PDF pages, bytes decompressed (shared by the files of an archive, of a TNEF and of the
//! objects of an Office document, and by the messages read in them and those messages' own
//! attachments, [`Extracted::decompressed`]), the compression ratio
//! of a zip's entries (DOCX) and of a gzip file, the entry count of a zip or a tar, and the time
//! spent, checked between pages and entries. Third-party parsers run inside
//! [`std::panic::catch_unwind`] as a last resort: PDF parsers are known to panic on hostile input,
//! and such a panic becomes a note rather than a crash (the panic hook still prints it).

mod archive;
pub(crate) mod cms;
mod doc;
mod docx;
mod gzip;
mod methods;
pub(crate) mod msg;
mod ocr;
mod odf;
mod ole_object;
mod pdf;
mod pdf_extra;
mod pdf_files;
mod pdf_image;
mod pdf_syntax;
mod pictures;
mod ppt;
mod publisher;
mod rtf;
mod sevenz;
mod sevenz_frames;
mod sevenz_header;
mod tar;
mod text;
mod tnef;
mod xls;
mod xlsx;
mod zip;

pub use ocr::Ocr;

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
    /// Why the text is missing or incomplete, or how it was read when that was a guess (a generic
    /// type read as text by content sniffing); none when it is whole and read as declared.
    pub note: Option<String>,
    /// What reading it found that labels the message it is attached to, at any depth, carried
    /// with the note that says so and added up as the notes are.
    pub found: Found,
    /// How many bytes reading it decompressed, of [`Limits::max_decompressed_bytes`] (inflated
    /// from its zip entries, gzip data, 7-Zip blocks, PDF streams, the streams of an Office
    /// document): a file or a message read inside another attachment takes them from what that
    /// attachment has left, so that files and messages inside files do not multiply the budget.
    pub decompressed: u64,
}

/// What reading an attachment found in it, or in the messages and files read in it at any
/// depth, that labels the message it is attached to. Set where each reader finds the thing and
/// added up as the notes are, never read back from the notes' text, where a file's name (which
/// a note names the file by) can say anything: a file named as a note labelled its message and
/// sent it to dead-letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Found {
    /// How many multiparts of the messages read in it (an attached message, or one in an
    /// archive) had the text outside their parts not read, past the first of one message the
    /// mail decoder reads so.
    pub multiparts_not_read: usize,
    /// Messages attached in it nested too deep to be read.
    pub messages_too_deep: bool,
    /// A preamble or epilogue of a message in it was cut at its limit.
    pub outside_cut: bool,
    /// A part of a type that is not valid (no subtype), read as text/plain.
    pub invalid_type: bool,
    /// A part whose `Content-Type` fields disagree.
    pub contested_types: bool,
    /// A part whose type says it is a message that is not one (a digest's part with no type
    /// among them).
    pub not_a_message: bool,
    /// An archive whose files are not read at all (a RAR archive): what they hold reached no
    /// policy.
    pub archive_not_read: bool,
    /// A message read in it whose structure still needed mending when the rounds of mending its
    /// size allows ran out, or that could not be read once mended: its parts after that may not
    /// have been read.
    pub mending_unfinished: bool,
}

impl Found {
    /// Adds what `other` found to this.
    pub(crate) fn add(&mut self, other: Found) {
        self.multiparts_not_read = self
            .multiparts_not_read
            .saturating_add(other.multiparts_not_read);
        self.messages_too_deep |= other.messages_too_deep;
        self.outside_cut |= other.outside_cut;
        self.invalid_type |= other.invalid_type;
        self.contested_types |= other.contested_types;
        self.not_a_message |= other.not_a_message;
        self.archive_not_read |= other.archive_not_read;
        self.mending_unfinished |= other.mending_unfinished;
    }
}

/// How an attachment is read, told from its content first, then its type and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Html,
    /// A zip: a Word, Excel or PowerPoint file, or an archive of files ([`zip`]).
    Zip,
    /// A gzip file: a tar archive compressed, or one file ([`gzip`]).
    Gzip,
    /// A tar archive ([`tar`]).
    Tar,
    /// A 7-Zip archive ([`sevenz`]).
    SevenZip,
    /// A RAR archive (RAR 1.5 to 7): not read, for want of a RAR reader in Rust that is kept up;
    /// noted, and found so ([`Found::archive_not_read`]), so that its message is kept whole.
    Rar,
    Pdf,
    /// An OLE compound file: an Outlook message, a Word 97–2003 document, an Excel 5–2003
    /// workbook, a PowerPoint 97–2003 presentation, a Publisher document or an object embedded
    /// by OLE (read), another
    /// legacy Office document, or an encrypted OOXML one.
    Compound,
    /// Outlook's TNEF (`winmail.dat`): a body and attachments packed in one.
    Tnef,
    /// Rich Text Format (`{\rtf`), read by the RTF reader TNEF bodies use ([`rtf`]): read as
    /// text, its control words and font tables would stand among the words.
    Rtf,
    /// Of a text type by RFC 2045's default, with no name that says otherwise, whose bytes are
    /// text as a whole: a MIME part with no `Content-Type` ([`extract_untyped_part_text`]), or
    /// of a type that is not valid ([`invalid_type`]). Read as text, as [`Kind::SniffedText`] is
    /// but not noted as a guess: the type, by default, says text.
    DefaultText,
    /// Of no type, a generic one (`application/octet-stream`) or another that does not say text
    /// (`image/jpeg`), with no name that says text, but whose bytes are text
    /// ([`looks_like_text`]): a CSV sent as `export.dat`, or a letter renamed `photo.jpg`, is
    /// still read.
    SniffedText,
    /// Text with NUL or other control bytes through it, which [`looks_like_text`] refuses: text
    /// with a NUL put between its words or letters to keep it from being read, or UTF-16 sent
    /// without its byte-order mark ([`text_through_controls`]). Read with the control bytes
    /// taken out, noted.
    TextThroughControls,
    /// Japanese text in ISO-2022-JP (the 7-bit encoding Japanese mail is written in) whose type
    /// and charset do not say so: its escape sequences are control bytes and its kanji read as
    /// punctuation, so neither sniffing above reads it ([`is_iso_2022_jp`]).
    Iso2022Jp,
    /// A PNG, JPEG, GIF, TIFF, BMP or WebP image: read by OCR where it is configured
    /// ([`Ocr`]), else noted as not read.
    Image,
    /// Of no type, one with no registered top-level type (a garbled `multipbrt/mixed`), or a
    /// multipart or message the mail parser did not read as one, whose bytes are not text as a
    /// whole: a message's body, parts and all, that a garbled type made an attachment, with a
    /// binary part or a few NULs in it. Its lines that are text are read, one by one
    /// ([`text_lines`]), noted, unless binary lines outweigh them.
    TextLines,
    /// Of text/plain by RFC 2045's default (a MIME part with no `Content-Type`,
    /// [`extract_untyped_part_text`], or of a type that is not valid, [`invalid_type`]), whose
    /// bytes are not text as a whole: its lines that are text are read, one by one, and where
    /// binary lines outweigh them, those before its first binary line ([`default_text_lines`]),
    /// noted. A text followed by binary bytes is read; a binary file's stray text is not.
    DefaultTextLines,
    /// Of a text type that one of a part's disagreeing `Content-Type` fields declares
    /// ([`extract_contested_text`]), whose bytes are not text as a whole: its lines that are
    /// text are read, however many are binary (the type says text), each judged alone, so that
    /// binary bytes are not read as text.
    ContestedTextLines,
    Unsupported,
}

const PDF_MAGIC: &[u8] = b"%PDF-";
/// How a RAR archive begins, from RAR 1.5 on (`Rar!`, then `1A 07 00` up to RAR 4 and
/// `1A 07 01 00` from RAR 5).
const RAR_MAGIC: &[u8] = b"Rar!\x1a\x07";
/// The note on a RAR archive ([`Kind::Rar`]).
const RAR_NOTE: &str =
    "a RAR archive: its files are not read (RAR is not read); text not extracted";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(crate) const COMPOUND_MAGIC: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// How far into a file a PDF header may start (readers accept leading junk up to 1 KiB).
const PDF_HEADER_WINDOW: usize = 1024;

/// How binary formats that are not read begin (PNG, JPEG, GIF, RIFF audio and video, Ogg, MP3
/// with ID3 tags, gzip other than deflate (a deflate one is read, [`gzip`]), 7-Zip (one with
/// its whole signature is read, [`sevenz`]), RAR): a file that starts so is not sniffed as text, however few
/// of its first bytes there are.
const BINARY_SIGNATURES: [&[u8]; 10] = [
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
];

/// At most this share of bytes (in thousandths) may be control characters other than tab, line
/// breaks and form feed in content read as text by sniffing: binary formats have about one in
/// nine, text almost none.
const SNIFF_MAX_CONTROL_PER_MILLE: usize = 5;
/// At most this share of bytes (in thousandths) may be over 0x7f in 8-bit (not UTF-8) content
/// read as text by sniffing: Latin-1 and windows-1252 text is mostly ASCII, binary about half high
/// bytes.
const SNIFF_MAX_HIGH_PER_MILLE: usize = 300;

const TEXT_EXTENSIONS: [&str; 8] = ["txt", "csv", "tsv", "log", "md", "json", "xml", "ics"];
const HTML_EXTENSIONS: [&str; 2] = ["htm", "html"];
const OOXML_EXTENSIONS: [&str; 6] = ["docx", "docm", "dotx", "xlsx", "pptx", "xlsm"];

/// Extracts the text of one attachment within `limits`.
pub fn extract_text(input: &Input<'_>, limits: &Limits) -> Extracted {
    extract(input, limits, None, Reading::AsTyped).0
}

/// How an attachment's type is taken: as given, in dispute with another of the part's
/// `Content-Type` fields, or, for a MIME part that has none, as RFC 2045's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    AsTyped,
    Contested,
    Untyped(Untyped),
}

/// Why a MIME part with no `Content-Type` field that can be read is read as text/plain
/// ([`extract_untyped_part_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Untyped {
    /// RFC 2045's default (section 5.2), and RFC 2046's for a body part (section 5.1.1).
    TextPlain,
    /// A part of a `multipart/digest`, whose default is message/rfc822 (RFC 2046, section
    /// 5.1.5), that the mail parser could not read as a message: its text is read as text/plain
    /// rather than lost.
    DigestNotMessage,
}

/// A message held in an attachment's text (an attached message, or a message in a zip archive
/// the attachment is): where its text lies in that text, how deep it is, and the headers that
/// say whom it is with, which the mail decoder lists for the exclusions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    /// Its text's byte range in the attachment's text.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// 1 for a message attached to the event's own, 2 for one attached to that…
    pub(crate) depth: usize,
    /// The headers the exclusions read of a message that it has, as written.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Held {
    /// The message as held in a text that holds, from byte `at`, the text it was read in with
    /// its first `lead` bytes cut and no more than `len` bytes kept; none when nothing of it is
    /// left.
    pub(crate) fn within(self, at: usize, lead: usize, len: usize) -> Option<Held> {
        let start = self.start.saturating_sub(lead);
        let end = self.end.saturating_sub(lead).min(len);
        (start < end).then(|| Held {
            start: at + start,
            end: at + end,
            ..self
        })
    }
}

/// Reads a file found in an attachment (a file in a zip archive) as a message where it is one:
/// the mail decoder reads an `.eml` or `.msg` so as it reads an attached message, so that its
/// parties are known.
pub(crate) trait MessageReader {
    /// `bytes`, the file `name`, read as a message within `limits` (what the attachment it is
    /// found in has left: [`TextOut::as_message`]), with the messages held in the text (itself
    /// among them); none where they are not a message.
    fn read_message(
        &self,
        bytes: &[u8],
        name: &str,
        limits: &Limits,
    ) -> Option<(Extracted, Vec<Held>)>;
}

/// [`extract_text`], with the messages among a zip archive's files read by `messages`, and the
/// messages held in the text.
pub(crate) fn extract_text_with(
    input: &Input<'_>,
    limits: &Limits,
    messages: &dyn MessageReader,
) -> (Extracted, Vec<Held>) {
    extract(input, limits, Some(messages), Reading::AsTyped)
}

/// [`extract_text_with`] for a part whose `Content-Type` fields disagree, read by a text type
/// one of them declares: bytes that are not text as a whole (nor UTF-16 with its byte-order
/// mark, nor text with control bytes through it) have their text lines read
/// ([`Kind::ContestedTextLines`]) rather than the whole read as text, so that a type in doubt
/// does not have binary bytes read as text.
pub(crate) fn extract_contested_text(
    input: &Input<'_>,
    limits: &Limits,
    messages: &dyn MessageReader,
) -> (Extracted, Vec<Held>) {
    extract(input, limits, Some(messages), Reading::Contested)
}

/// [`extract_text_with`] for a MIME part with no `Content-Type` field that can be read (`why`):
/// RFC 2045 (section 5.2) and RFC 2046 (section 5.1.1) read it as
/// text/plain (US-ASCII), not as a file of unknown type. Bytes that begin as a file format (a
/// PDF, a zip, an Office file, an image) still go to its reader; bytes that are text are read
/// as text; other bytes have their lines that are text read, and where binary lines outweigh
/// them, those before the first binary line ([`Kind::DefaultTextLines`]), so that binary bytes
/// after a text do not hide it, while a binary file's stray text is not read. Noted. A part of a
/// `multipart/digest` (whose default type is message/rfc822) that is not a message is read so
/// too, noted so. `input.mime_type` is to be none.
pub(crate) fn extract_untyped_part_text(
    input: &Input<'_>,
    limits: &Limits,
    messages: &dyn MessageReader,
    why: Untyped,
) -> (Extracted, Vec<Held>) {
    extract(input, limits, Some(messages), Reading::Untyped(why))
}

/// The note on a part read by [`extract_untyped_part_text`] as text/plain by RFC 2045's default.
pub(crate) const UNTYPED_PART_NOTE: &str =
    "it has no Content-Type field that can be read, which RFC 2045 reads as text/plain";

/// The note on a part of a `multipart/digest` read by [`extract_untyped_part_text`].
pub(crate) const UNTYPED_DIGEST_PART_NOTE: &str = "it has no Content-Type field that can be read, which in a multipart/digest is message/rfc822 (RFC 2046), but it is not a message: read as text/plain";

fn extract(
    input: &Input<'_>,
    limits: &Limits,
    messages: Option<&dyn MessageReader>,
    reading: Reading,
) -> (Extracted, Vec<Held>) {
    if input.bytes.len() > limits.max_attachment_bytes {
        let note = Extracted::note(format!(
            "attachment of {} bytes is larger than the {} byte extraction limit; text not extracted",
            input.bytes.len(),
            limits.max_attachment_bytes
        ));
        return (note, Vec::new());
    }
    let mut kind = kind_of(input);
    if reading == Reading::Contested && kind == Kind::Text && !is_text_as_a_whole(input.bytes) {
        kind = if text_through_controls(input.bytes) {
            Kind::TextThroughControls
        } else {
            Kind::ContestedTextLines
        };
    }
    let invalid = invalid_type(input.mime_type);
    let untyped = match reading {
        Reading::Untyped(why) if input.mime_type.is_none() => Some(why),
        _ => None,
    };
    // RFC 2045 (section 5.2) reads a part with no Content-Type, or one that is not valid, as
    // text/plain: its bytes are read as a text type's, unless they begin as a file format's.
    let text_by_default = untyped.is_some() || invalid.is_some();
    if text_by_default {
        kind = match kind {
            Kind::SniffedText => Kind::DefaultText,
            Kind::TextLines => Kind::DefaultTextLines,
            other => other,
        };
    }
    // The readers below do not panic by design; this is the last line of defence for the
    // third-party parsers inside them.
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut out = TextOut::new(limits);
        out.messages = messages;
        if let Some(mime) = invalid {
            out.note(format!(
                "its type {mime} {INVALID_TYPE_NOTE}, which RFC 2045 reads as text/plain"
            ));
            out.found.invalid_type = true;
        }
        match untyped {
            Some(Untyped::TextPlain) => out.note(UNTYPED_PART_NOTE),
            Some(Untyped::DigestNotMessage) => {
                out.note(UNTYPED_DIGEST_PART_NOTE);
                out.found.not_a_message = true;
            }
            None => {}
        }
        // Bytes that begin as a binary format that is not read: named below, after their lines.
        if !(text_by_default && kind == Kind::Unsupported) {
            extract_into(kind, input, &mut out, 0);
        }
        if text_by_default && kind != Kind::DefaultTextLines && out.text.trim().is_empty() {
            // Bytes that start as a file format whose reader found no text in them (a Word
            // signature over lines of text) are still text/plain by their type.
            lines_of_text_by_default(kind, input, &mut out);
            if kind == Kind::Unsupported && out.text.trim().is_empty() {
                out.note(
                    "its bytes begin as a binary format that is not read (PNG, JPEG, GIF, RIFF, Ogg, MP3, gzip, 7-Zip or RAR); text not extracted",
                );
            }
        }
        out.finish_held()
    }));
    match result {
        Ok(read) => read,
        Err(panic) => {
            let note = Extracted::note(format!(
                "the {} reader failed on this attachment ({}); text not extracted",
                kind.label(),
                panic_text(panic.as_ref())
            ));
            (note, Vec::new())
        }
    }
}

fn extract_kind(kind: Kind, input: &Input<'_>, limits: &Limits) -> Extracted {
    extract_kind_at(kind, input, limits, 0)
}

/// The text of a file `depth` files deep (0: the attachment itself; 1: a file in a zip archive
/// or embedded in a document), read as `kind`.
fn extract_kind_at(kind: Kind, input: &Input<'_>, limits: &Limits, depth: usize) -> Extracted {
    let mut out = TextOut::new(limits);
    extract_into(kind, input, &mut out, depth);
    out.finish()
}

/// [`extract_kind_at`] for a file found in the attachment `out` is the text of, on its clock:
/// the `.eml` and `.msg` files inside it (wrapped by the Packager in a document it is) read as
/// attached messages where `out`'s are ([`TextOut::as_message`]), with the messages held in its
/// text. `limits` are to hold what is left of `out`'s decompression budget
/// ([`TextOut::limits_within`]).
fn extract_kind_within(
    kind: Kind,
    input: &Input<'_>,
    limits: &Limits,
    depth: usize,
    out: &TextOut<'_>,
) -> (Extracted, Vec<Held>) {
    let mut inner = TextOut::new(limits);
    inner.started = out.started;
    inner.messages = out.messages;
    extract_into(kind, input, &mut inner, depth);
    inner.finish_held()
}

/// [`extract_kind_at`] into `out`.
fn extract_into(kind: Kind, input: &Input<'_>, out: &mut TextOut<'_>, depth: usize) {
    let limits = out.limits;
    match kind {
        Kind::Text => text::plain(input, out),
        Kind::Html => text::html(input, out),
        Kind::Zip => zip::extract(input.bytes, out, depth),
        Kind::Gzip => gzip::extract(input, out, depth),
        Kind::Tar if depth == 0 => {
            let mut budget = limits.max_decompressed_bytes as u64;
            tar::read(input.bytes, &mut budget, out);
            out.spend((limits.max_decompressed_bytes as u64).saturating_sub(budget));
        }
        Kind::Tar => {
            out.note("a tar archive inside another file is not opened; its contents are not read");
        }
        Kind::SevenZip => sevenz::extract(input.bytes, out, depth),
        Kind::Rar => {
            out.note(RAR_NOTE);
            out.found.archive_not_read = true;
        }
        Kind::Pdf => pdf::extract(input, out, depth),
        Kind::Compound => match msg::read(input.bytes, limits) {
            Some(Ok(message)) if depth < msg::MAX_DEPTH => {
                out.note(OUTLOOK_NOTE);
                msg::write_text(&message, out, depth);
            }
            Some(Ok(_)) => out.note(format!(
                "an Outlook message (.msg) more than {} files deep is not read",
                msg::MAX_DEPTH
            )),
            Some(Err(reason)) => out.note(format!(
                "an Outlook message (.msg) that could not be read: {reason}"
            )),
            None => match msg::open(input.bytes) {
                Some(mut file) if doc::is_word(&file) => {
                    let budget = limits.max_decompressed_bytes as u64;
                    let left = doc::read(&mut file, budget, out);
                    let left = document_objects(&mut file, out, depth, left);
                    out.spend(budget.saturating_sub(left));
                }
                Some(mut file) if xls::is_excel(&file) => {
                    let budget = limits.max_decompressed_bytes as u64;
                    let left = xls::read(&mut file, budget, out);
                    let left = document_objects(&mut file, out, depth, left);
                    out.spend(budget.saturating_sub(left));
                }
                Some(mut file) if ppt::is_powerpoint(&file) => {
                    let budget = limits.max_decompressed_bytes as u64;
                    let left = ppt::read(&mut file, budget, out, depth);
                    out.spend(budget.saturating_sub(left));
                }
                Some(mut file) => {
                    if publisher::is_publisher(&mut file) {
                        publisher::read(&mut file, limits.max_decompressed_bytes as u64, out);
                    } else {
                        let name = input.name.unwrap_or("the object");
                        match msg::root_object(&mut file, name, limits) {
                            Some(_) if depth >= msg::MAX_DEPTH => out.note(format!(
                                "an object embedded by OLE more than {} files deep is not read",
                                msg::MAX_DEPTH
                            )),
                            Some((object, left)) => {
                                let left = msg::write_object(&object, out, depth, left);
                                let budget = limits.max_decompressed_bytes as u64;
                                out.spend(budget.saturating_sub(left));
                            }
                            None => out.note(compound_note(input)),
                        }
                    }
                }
                None => out.note(compound_note(input)),
            },
        },
        Kind::Tnef => tnef::extract(input.bytes, out),
        Kind::Rtf => {
            let bytes = input
                .bytes
                .strip_prefix(b"\xef\xbb\xbf")
                .unwrap_or(input.bytes);
            out.push(&rtf::to_text(bytes));
            let mut found = pictures::Pictures::new(limits.max_decompressed_bytes as u64);
            rtf::pictures(bytes, &mut found);
            found.read("RTF document", out);
        }
        Kind::SniffedText | Kind::DefaultText => {
            if kind == Kind::SniffedText {
                out.note(format!(
                    "read as text from its content (content sniffing): {} does not say text",
                    match input.mime_type {
                        Some(mime) if !mime.is_empty() => format!("its type {mime}"),
                        _ => "it has no type and".to_owned(),
                    }
                ));
            }
            // Bytes that are not UTF-8 passed the sniffing as 8-bit text: windows-1252, of which
            // Latin-1 is a part, as for mail bodies that declare no charset.
            let charset = input.charset.or_else(|| {
                std::str::from_utf8(input.bytes)
                    .is_err()
                    .then_some("windows-1252")
            });
            text::plain(&Input { charset, ..*input }, out);
        }
        Kind::TextThroughControls => {
            let (cleaned, controls) = without_controls(input.bytes);
            out.note(format!(
                "read as text from its content (content sniffing) with {controls} control bytes (NUL and the like) taken out: {}",
                match input.mime_type {
                    Some(mime) if !mime.is_empty() => format!("its type is {mime}"),
                    _ => "it has no type".to_owned(),
                }
            ));
            // The declared charset is not trusted: the bytes did not hold to it.
            let charset = std::str::from_utf8(&cleaned)
                .is_err()
                .then_some("windows-1252");
            text::plain(
                &Input {
                    bytes: &cleaned,
                    charset,
                    ..*input
                },
                out,
            );
        }
        Kind::Iso2022Jp => {
            out.note(
                "read as Japanese text in ISO-2022-JP from its content (content sniffing): its type and charset do not say so",
            );
            text::plain(
                &Input {
                    charset: Some("iso-2022-jp"),
                    ..*input
                },
                out,
            );
        }
        Kind::Image => ocr::extract(input.bytes, out),
        Kind::TextLines => match text_lines(input.bytes, limits.max_attachment_text_bytes) {
            Some((text, left_out)) => {
                out.note(format!(
                    "read line by line: {} says nothing of its content, which is not text as a whole; {left_out} lines that are not text left out",
                    match input.mime_type {
                        Some(mime) if !mime.is_empty() => format!("its type {mime}"),
                        _ => "it has no type and".to_owned(),
                    }
                ));
                out.push(&text);
            }
            None => out.note(format!(
                "text is not extracted from {}",
                input.mime_type.unwrap_or("attachments of unknown type")
            )),
        },
        Kind::DefaultTextLines => {
            let (lines, outweighed) =
                default_text_lines(input.bytes, limits.max_attachment_text_bytes);
            let left_out = lines.left_out;
            if !outweighed {
                out.note(format!(
                    "read line by line: not text as a whole; {left_out} lines that are not text left out"
                ));
            } else if lines.text.is_empty() {
                out.note(format!(
                    "not text as a whole: it begins with a binary line, and lines that are binary are over half of its bytes, as in a binary file; text not extracted ({left_out} lines left out)"
                ));
            } else {
                out.note(format!(
                    "read line by line: not text as a whole, and lines that are binary are over half of its bytes: its lines of text before the first binary one read; {left_out} lines left out"
                ));
            }
            out.push(&lines.text);
        }
        Kind::ContestedTextLines => {
            let lines = lines_of_text(input.bytes, limits.max_attachment_text_bytes);
            out.note(format!(
                "read line by line: not text as a whole; {} lines that are not text left out",
                lines.left_out
            ));
            out.push(&lines.text);
        }
        Kind::Unsupported => out.note(format!(
            "text is not extracted from {}",
            input.mime_type.unwrap_or("attachments of unknown type")
        )),
    }
}

/// The objects embedded by OLE in a Word or Excel 97–2003 file `depth` files deep, read after
/// its text ([`msg::document_objects`]) within `budget`, what the text and pictures left of the
/// file's decompression budget, or noted where it is too deep; what is left of the budget after
/// them.
fn document_objects(
    file: &mut msg::File<'_>,
    out: &mut TextOut<'_>,
    depth: usize,
    budget: u64,
) -> u64 {
    if out.is_full() {
        return budget;
    }
    match msg::document_objects(file, out.limits, budget) {
        Some(_) if depth >= msg::MAX_DEPTH => {
            out.note(format!(
                "the objects embedded by OLE in a document more than {} files deep are not read",
                msg::MAX_DEPTH
            ));
            budget
        }
        Some((objects, left)) => msg::write_object(&objects, out, depth, left),
        None => budget,
    }
}

/// Part of the note on an attachment whose type is not valid ([`invalid_type`]), after `its
/// type TYPE`.
pub(crate) const INVALID_TYPE_NOTE: &str = "is not a valid media type (it has no subtype)";

/// `mime` where it is not a valid media type, having no subtype (`p`, `wordprocessingml`,
/// `application`): RFC 2045 (section 5.2) reads such a type as text/plain. `text` alone is left
/// out: it is read as text already, as RFC 2046 reads a text subtype it does not know.
fn invalid_type(mime: Option<&str>) -> Option<&str> {
    mime.filter(|mime| !mime.is_empty() && !mime.contains('/') && *mime != "text")
}

/// The text lines ([`text_lines`]) of an attachment that is text/plain by RFC 2045's default (of
/// no `Content-Type` as a MIME part, or of an invalid type, [`invalid_type`]) whose bytes start
/// as a file format (`kind`) whose reader found no text, noted; nothing where they are mostly
/// binary: they are then the file they begin as.
fn lines_of_text_by_default(kind: Kind, input: &Input<'_>, out: &mut TextOut<'_>) {
    let Some((text, left_out)) = text_lines(input.bytes, out.limits.max_attachment_text_bytes)
    else {
        return;
    };
    if text.trim().is_empty() {
        return;
    }
    out.note(format!(
        "read line by line: its bytes begin as a file of another kind ({}) but gave no text as one, and its type is read as text/plain; {left_out} lines that are not text left out",
        match kind {
            Kind::Unsupported => "a binary format",
            _ => kind.label(),
        }
    ));
    out.push(&text);
}

/// Registered top-level media types (RFC 6838 and IANA's list); a type under any other is
/// garbled, and says nothing of its content (RFC 2045 reads it as `application/octet-stream`).
const REGISTERED_TOP_LEVEL_TYPES: [&str; 11] = [
    "application",
    "audio",
    "example",
    "font",
    "haptics",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

/// Whether `top` is a registered top-level media type (`application`, `text`…), in lower case.
pub(crate) fn is_registered_top_level(top: &str) -> bool {
    REGISTERED_TOP_LEVEL_TYPES.contains(&top)
}

/// Whether an attachment's type says nothing of its content: none, one under no registered
/// top-level type, or a multipart or message type (a part of those types that is an
/// attachment is one the mail parser did not read as one).
fn type_says_nothing(mime: Option<&str>) -> bool {
    let Some(mime) = mime.filter(|mime| !mime.is_empty()) else {
        return true;
    };
    let top = mime.split('/').next().unwrap_or(mime);
    top == "multipart" || top == "message" || !REGISTERED_TOP_LEVEL_TYPES.contains(&top)
}

/// The lines of `bytes` that are text, each judged alone as a whole attachment is
/// ([`looks_like_text`], [`text_through_controls`], its control bytes then taken out) and holding
/// a letter or a digit, UTF-8 where it is, else windows-1252, with how many lines were left out;
/// none where lines that are binary (not text even with their NULs taken out) are over half of
/// its bytes: a binary file with no type, whose stray text would be noise. Gathered up to the text limit. A binary part, or a NUL, among a message's
/// text lines kept them all from being read.
fn text_lines(bytes: &[u8], max: usize) -> Option<(String, usize)> {
    let lines = lines_of_text(bytes, max);
    (!lines.outweighed(bytes)).then_some((lines.text, lines.left_out))
}

/// The lines of text of bytes that are text/plain by RFC 2045's default
/// ([`Kind::DefaultTextLines`]): those [`text_lines`] reads, and where lines that are binary are
/// over half of its bytes (then `true`), only those before its first binary line, the lines
/// after it counted as left out. A part that begins with lines of text is a text, as its type
/// says, whatever binary bytes follow it; one that begins with a binary line and is mostly
/// binary is a binary file, and its stray text would be noise.
fn default_text_lines(bytes: &[u8], max: usize) -> (Lines, bool) {
    let mut lines = lines_of_text(bytes, max);
    let outweighed = lines.outweighed(bytes);
    if outweighed && let Some(lead) = lines.lead.take() {
        lines.text.truncate(lead.text_bytes);
        lines.left_out += lines.read.saturating_sub(lead.read);
        lines.read = lead.read;
    }
    (lines, outweighed)
}

/// Whether bytes read as text/plain are text as a whole: they pass [`looks_like_text`], or
/// start with a UTF-16 byte-order mark (read by it).
fn is_text_as_a_whole(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") || looks_like_text(bytes)
}

/// The lines of text of some bytes ([`lines_of_text`]).
#[derive(Debug)]
struct Lines {
    /// The lines that are text, each ended by a line break.
    text: String,
    /// How many lines were read into `text`.
    read: usize,
    /// How many lines were left out: binary, or holding no letter or digit.
    left_out: usize,
    /// How many bytes are in lines that are binary.
    binary_bytes: usize,
    /// The text before the first binary line, where there is one.
    lead: Option<Lead>,
}

/// The lines of text before the first binary line ([`Lines::lead`]).
#[derive(Debug, Clone, Copy)]
struct Lead {
    /// How many bytes of [`Lines::text`] they are.
    text_bytes: usize,
    /// How many lines they are.
    read: usize,
}

impl Lines {
    /// Whether lines that are binary are over half of `bytes`, those the lines are of.
    fn outweighed(&self, bytes: &[u8]) -> bool {
        self.binary_bytes.saturating_mul(2) > bytes.len()
    }
}

/// [`text_lines`] whatever share of the bytes is binary: the text, how many lines were read and
/// left out, how many bytes are in lines that are binary, and where the first binary line
/// ended the lines of text.
fn lines_of_text(bytes: &[u8], max: usize) -> Lines {
    let mut text = String::new();
    let mut read_lines = 0;
    let mut left_out = 0;
    let mut binary_bytes = 0;
    let mut lead = None;
    for line in bytes.split(|byte| *byte == b'\n') {
        if text.len() > max {
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let cleaned;
        let read = if looks_like_text(line) {
            line
        } else if text_through_controls(line) {
            cleaned = without_controls(line).0;
            &cleaned[..]
        } else {
            left_out += 1;
            // A short line of UTF-16 (`-\0-\0`) is too short to be judged text, but is not binary.
            let without_nuls: Vec<u8> = line.iter().copied().filter(|byte| *byte != 0).collect();
            if !without_nuls.is_empty() && !looks_like_text(&without_nuls) {
                binary_bytes += line.len();
                lead = lead.or(Some(Lead {
                    text_bytes: text.len(),
                    read: read_lines,
                }));
            }
            continue;
        };
        let read = match std::str::from_utf8(read) {
            Ok(read) => std::borrow::Cow::Borrowed(read),
            Err(_) => std::borrow::Cow::Owned(rtf::windows_1252(read)),
        };
        if !read.chars().any(char::is_alphanumeric) {
            left_out += 1;
            continue;
        }
        text.push_str(&read);
        text.push('\n');
        read_lines += 1;
    }
    Lines {
        text,
        read: read_lines,
        left_out,
        binary_bytes,
        lead,
    }
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Html => "HTML",
            Kind::Zip => "zip (DOCX, XLSX, PPTX or archive)",
            Kind::Gzip => "gzip",
            Kind::Tar => "tar",
            Kind::SevenZip => "7-Zip",
            Kind::Rar => "RAR",
            Kind::Pdf => "PDF",
            Kind::Compound => "Office",
            Kind::Tnef => "TNEF",
            Kind::Rtf => "RTF",
            Kind::SniffedText
            | Kind::DefaultText
            | Kind::TextThroughControls
            | Kind::Iso2022Jp
            | Kind::TextLines
            | Kind::DefaultTextLines
            | Kind::ContestedTextLines => "text",
            Kind::Image => "image",
            Kind::Unsupported => "attachment",
        }
    }
}

fn kind_of(input: &Input<'_>) -> Kind {
    let bytes = input.bytes;
    // Before the PDF header is looked for: a tar's first file starts 512 bytes in, inside the
    // window a PDF header may start in.
    if bytes.starts_with(gzip::MAGIC) {
        return Kind::Gzip;
    }
    // A 7-Zip archive of stored files holds their bytes from byte 32, a PDF's header among them.
    if bytes.starts_with(sevenz::MAGIC) {
        return Kind::SevenZip;
    }
    // A RAR archive of stored files holds their bytes after its headers, a PDF's among them.
    if bytes.starts_with(RAR_MAGIC) {
        return Kind::Rar;
    }
    if tar::is_tar(bytes) {
        return Kind::Tar;
    }
    let head = bytes.get(..PDF_HEADER_WINDOW).unwrap_or(bytes);
    if memchr::memmem::find(head, PDF_MAGIC).is_some() {
        return Kind::Pdf;
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Kind::Zip;
    }
    if bytes.starts_with(COMPOUND_MAGIC) {
        return Kind::Compound;
    }
    if bytes.starts_with(tnef::SIGNATURE) {
        return Kind::Tnef;
    }
    // An image by its header, unless its bytes are text: `BM` starts a bitmap and a list of BMW
    // parts alike.
    if ocr::is_image(bytes) && !looks_like_text(bytes) {
        return Kind::Image;
    }
    let unmarked = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = unmarked
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(unmarked.len());
    if unmarked
        .get(start..)
        .is_some_and(|rest| rest.starts_with(b"{\\rtf"))
    {
        return Kind::Rtf;
    }
    // A type that is not valid says nothing: the name may, else the bytes are read as text.
    let invalid = invalid_type(input.mime_type).is_some();
    let mime = if invalid {
        ""
    } else {
        input.mime_type.unwrap_or_default()
    };
    let extension = extension(input.name);
    if mime == "application/pdf" || extension.as_deref() == Some("pdf") {
        return Kind::Pdf;
    }
    if mime.contains("wordprocessingml") || extension.as_deref() == Some("docx") {
        // A DOCX is a zip, and its bytes do not start as one (checked above): bytes that are
        // text are read as text. Left to the zip reader, the type alone kept a letter from every
        // policy ("corrupt zip container").
        return sniffed_kind(bytes).unwrap_or(Kind::Zip);
    }
    let is_html = mime == "text/html"
        || mime == "application/xhtml+xml"
        || extension
            .as_deref()
            .is_some_and(|ext| HTML_EXTENSIONS.contains(&ext));
    if is_html {
        return Kind::Html;
    }
    // A text type whose subtype is missing (`text/;`) is text too: RFC 2046 reads a text
    // subtype it does not know as text/plain.
    let is_text = mime.starts_with("text/")
        || mime == "text"
        || extension
            .as_deref()
            .is_some_and(|ext| TEXT_EXTENSIONS.contains(&ext));
    if is_text {
        return Kind::Text;
    }
    // Whatever the type says: a file renamed `photo.jpg` and sent as `image/jpeg` is read by its
    // content, which for every binary format is not text (NUL bytes, control characters). Left
    // unread, a declared type was enough to keep a text's words from every policy.
    sniffed_kind(bytes).unwrap_or_else(|| {
        let binary = BINARY_SIGNATURES.iter().any(|sig| bytes.starts_with(sig));
        if !binary && (invalid || type_says_nothing(input.mime_type)) {
            Kind::TextLines
        } else {
            Kind::Unsupported
        }
    })
}

/// How bytes whose type does not say text are read when they are text: [`Kind::SniffedText`] or
/// [`Kind::TextThroughControls`]; none for bytes that start as a binary format does or are not
/// text.
fn sniffed_kind(bytes: &[u8]) -> Option<Kind> {
    if BINARY_SIGNATURES.iter().any(|sig| bytes.starts_with(sig)) {
        return None;
    }
    if looks_like_text(bytes) {
        return Some(Kind::SniffedText);
    }
    if is_iso_2022_jp(bytes) {
        return Some(Kind::Iso2022Jp);
    }
    text_through_controls(bytes).then_some(Kind::TextThroughControls)
}

/// The escape sequences of ISO-2022-JP (RFC 1468) after their ESC: to JIS X 0208 (`$@`, `$B`),
/// to ASCII (`(B`), to JIS X 0201 Roman (`(J`).
const ISO_2022_JP_ESCAPES: [&[u8]; 4] = [b"$@", b"$B", b"(B", b"(J"];

/// Whether `bytes` are ISO-2022-JP: 7-bit, no NUL, every ESC starting one of its escape
/// sequences, and at least one switching to JIS X 0208 (the kanji and kana). Binary formats
/// have high bytes; text in other encodings has no such escapes. So the test reads Japanese text
/// sent without its charset and nothing else.
pub(crate) fn is_iso_2022_jp(bytes: &[u8]) -> bool {
    if bytes.iter().any(|&byte| byte == 0 || byte >= 0x80) {
        return false;
    }
    let mut to_jis = false;
    for at in memchr::memchr_iter(0x1b, bytes) {
        let after = bytes.get(at + 1..).unwrap_or_default();
        let Some(escape) = ISO_2022_JP_ESCAPES
            .iter()
            .find(|escape| after.starts_with(escape))
        else {
            return false;
        };
        to_jis |= escape.starts_with(b"$");
    }
    to_jis
}

/// Whether bytes read as text: not empty, no NUL, almost no control characters (tab, line breaks
/// and form feed aside), and either valid UTF-8 or, as 8-bit text, mostly ASCII. The limits are the
/// attachment limits already checked: the whole attachment is looked at.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.contains(&0) {
        return false;
    }
    let is_utf8 = std::str::from_utf8(bytes).is_ok();
    let mut control = 0usize;
    let mut high = 0usize;
    for &byte in bytes {
        match byte {
            b'\t' | b'\n' | b'\r' | 0x0c => {}
            0x01..=0x1f | 0x7f => control += 1,
            // Bytes windows-1252 leaves undefined are not text in 8-bit content.
            0x81 | 0x8d | 0x8f | 0x90 | 0x9d if !is_utf8 => control += 1,
            0x80..=0xff => high += 1,
            _ => {}
        }
    }
    let per_mille = |count: usize| count.saturating_mul(1000) / bytes.len();
    per_mille(control) <= SNIFF_MAX_CONTROL_PER_MILLE
        && (is_utf8 || per_mille(high) <= SNIFF_MAX_HIGH_PER_MILLE)
}

/// Control bytes taken out of text they run through: NUL and the C0 controls other than tab,
/// line breaks and form feed, and DEL.
fn is_stray_control(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0b | 0x0e..=0x1f | 0x7f)
}

/// Fewest bytes of text, control bytes aside, for [`text_through_controls`] to read them.
const MIN_TEXT_THROUGH_CONTROLS: usize = 8;

/// Whether `bytes` are text with control bytes through them: some control bytes, those other
/// than NUL at most half of the bytes that are not NUL (NULs may be most of them: UTF-32, or text
/// padded with NULs); and of the rest, at least eight, seven in ten ASCII letters, digits or
/// white space and at most the 8-bit share [`looks_like_text`] allows over 0x7f. Written text is
/// nine parts in ten letters, digits and spaces; compressed data and machine code about a
/// quarter, with a high byte every other byte, so neither passes.
fn text_through_controls(bytes: &[u8]) -> bool {
    let mut controls = 0usize;
    let mut nuls = 0usize;
    let mut plain = 0usize;
    let mut high = 0usize;
    for &byte in bytes {
        if is_stray_control(byte) {
            controls += 1;
            nuls += usize::from(byte == 0);
        } else if byte.is_ascii_alphanumeric() || byte.is_ascii_whitespace() {
            plain += 1;
        } else if byte >= 0x80 {
            high += 1;
        }
    }
    let rest = bytes.len() - controls;
    controls > 0
        && (controls - nuls).saturating_mul(2) <= bytes.len() - nuls
        && rest >= MIN_TEXT_THROUGH_CONTROLS
        && plain.saturating_mul(10) >= rest.saturating_mul(7)
        && high.saturating_mul(1000) <= rest.saturating_mul(SNIFF_MAX_HIGH_PER_MILLE)
}

/// `bytes` with their control bytes taken out, and how many there were. Where NULs are three
/// in ten bytes or more (UTF-16 without its byte-order mark, or a NUL after every letter) they
/// stand inside words and go; fewer stand between words, and each control byte becomes a space,
/// so that `you\0idiot` reads as two words.
fn without_controls(bytes: &[u8]) -> (Vec<u8>, usize) {
    let nuls = memchr::memchr_iter(0, bytes).count();
    let inside_words = nuls.saturating_mul(10) >= bytes.len().saturating_mul(3);
    let mut out = Vec::with_capacity(bytes.len());
    let mut controls = 0;
    for &byte in bytes {
        if is_stray_control(byte) {
            controls += 1;
            if !inside_words {
                out.push(b' ');
            }
        } else {
            out.push(byte);
        }
    }
    (out, controls)
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

/// The note on an attachment read as an Outlook message.
pub(crate) const OUTLOOK_NOTE: &str = "read as an Outlook message (.msg)";

fn compound_note(input: &Input<'_>) -> String {
    let mime = input.mime_type.unwrap_or_default();
    let extension = extension(input.name).unwrap_or_default();
    let is_ooxml =
        mime.contains("openxmlformats") || OOXML_EXTENSIONS.contains(&extension.as_str());
    if is_ooxml {
        return "encrypted (password-protected) Office document; text not extracted".into();
    }
    "legacy binary Office document (OLE compound file that is not a Word 97–2003 document, an Excel 5–2003 workbook, a PowerPoint 97–2003 presentation, a Publisher document or an Outlook message: Word before 97) is not read; text not extracted".into()
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
    /// No text, and `note` saying why.
    pub(crate) fn note(note: String) -> Self {
        Self {
            text: None,
            note: Some(note),
            found: Found::default(),
            decompressed: 0,
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
    /// The most bytes of text kept: the attachment text limit, less what is set aside for text
    /// read apart and added after ([`TextOut::aside`]).
    cap: usize,
    started: Instant,
    /// What reads the messages among a zip archive's files, where they are read as messages.
    messages: Option<&'l dyn MessageReader>,
    /// The messages held in the text so far.
    held: Vec<Held>,
    /// What the files read into it found ([`Extracted::found`]).
    found: Found,
    /// How many bytes its readers decompressed ([`Extracted::decompressed`]).
    spent: u64,
}

impl<'l> TextOut<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            text: String::new(),
            notes: Vec::new(),
            truncated: false,
            cap: limits.max_attachment_text_bytes,
            started: Instant::now(),
            messages: None,
            held: Vec::new(),
            found: Found::default(),
            spent: 0,
        }
    }

    /// Appends text; past the text limit, keeps what fits (on a character boundary).
    fn push(&mut self, piece: &str) {
        if self.truncated {
            return;
        }
        let room = self.cap.saturating_sub(self.text.len());
        if piece.len() <= room {
            self.text.push_str(piece);
            return;
        }
        let cut = piece.floor_char_boundary(room);
        self.text.push_str(&piece[..cut]);
        self.truncated = true;
    }

    /// A text read apart from this one, on the same clock, of at most `cap` bytes, to be added
    /// after this one's ([`TextOut::add_aside`]): read first, so that what it takes can be kept
    /// free here ([`TextOut::keep_free`]) and it is not lost when this text fills the limit.
    fn aside(&self, cap: usize) -> TextOut<'l> {
        TextOut {
            limits: self.limits,
            text: String::new(),
            notes: Vec::new(),
            truncated: false,
            cap: cap.min(self.cap),
            started: self.started,
            messages: None,
            held: Vec::new(),
            found: Found::default(),
            spent: 0,
        }
    }

    /// The file `name` of `bytes` found in the attachment (in an archive, an object embedded by
    /// OLE, a TNEF) read as an attached message where the mail decoder reads the attachment and
    /// the file is an `.eml` or `.msg` ([`MessageReader`]), so that its parties are known; none
    /// otherwise, and the file is read as any other. It is read within what the attachment has
    /// left: `budget` of its decompression budget (the reader of the file's bytes says what),
    /// the room left in its text, and its time, so that messages in a document, in messages in
    /// documents, do not each have the mail decoder's limits anew.
    fn as_message(&self, bytes: &[u8], name: &str, budget: u64) -> Option<(Extracted, Vec<Held>)> {
        let reader = self.messages?;
        let time_left = self
            .limits
            .max_attachment_time
            .saturating_sub(self.started.elapsed());
        let limits = Limits {
            max_attachment_text_bytes: self.cap.saturating_sub(self.text.len()),
            max_attachment_time: time_left,
            max_message_extraction_time: time_left.min(self.limits.max_message_extraction_time),
            ..self.limits_within(budget)
        };
        reader.read_message(bytes, name, &limits)
    }

    /// The attachment's limits with `budget` as its decompression budget (at most its own): those
    /// a file found in it is read within, what is left of the budget when it is found.
    fn limits_within(&self, budget: u64) -> Limits {
        Limits {
            max_decompressed_bytes: usize::try_from(budget)
                .unwrap_or(usize::MAX)
                .min(self.limits.max_decompressed_bytes),
            ..self.limits.clone()
        }
    }

    /// Counts `bytes` decompressed by a reader ([`Extracted::decompressed`]).
    fn spend(&mut self, bytes: u64) {
        self.spent = self.spent.saturating_add(bytes);
    }

    /// Appends `read`, a text read apart (a file's), trimmed, with the messages `held` in it
    /// (where they lie in `read`) placed where they now lie in this text.
    fn push_holding(&mut self, read: &str, held: Vec<Held>) {
        let text = read.trim();
        let at = self.text.len();
        let lead = read.len() - read.trim_start().len();
        self.push(text);
        let held = held
            .into_iter()
            .filter_map(|message| message.within(at, lead, text.len()));
        self.held.extend(held);
    }

    /// Keeps `bytes` of the text limit free for a text read aside.
    fn keep_free(&mut self, bytes: usize) {
        self.cap = self.limits.max_attachment_text_bytes.saturating_sub(bytes);
    }

    /// Adds a text read aside after this one, a blank line between, with its notes: the room
    /// kept free for it is this text's again, and either one cut marks the whole as cut.
    fn add_aside(&mut self, aside: TextOut<'_>) {
        self.cap = self.limits.max_attachment_text_bytes;
        let cut = self.truncated || aside.truncated;
        self.truncated = false;
        if !aside.text.is_empty() {
            if !self.text.is_empty() {
                self.push(if self.text.ends_with('\n') {
                    "\n"
                } else {
                    "\n\n"
                });
            }
            self.push(aside.text.trim_end());
        }
        self.truncated |= cut;
        self.notes.extend(aside.notes);
        self.found.add(aside.found);
    }

    /// Starts a part under a line `[HEADING]`, a blank line before it where there is text.
    fn heading(&mut self, heading: &str) {
        if !self.text.is_empty() {
            self.push(if self.text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            });
        }
        self.push("[");
        self.push(heading);
        self.push("]\n");
    }

    /// The most bytes of text this one keeps.
    fn cap(&self) -> usize {
        self.cap
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

    /// How many notes there are so far (see [`TextOut::prefix_notes_from`]).
    fn notes_len(&self) -> usize {
        self.notes.len()
    }

    /// Puts `prefix` before the notes made since there were `from`: an embedded document's notes
    /// name it.
    fn prefix_notes_from(&mut self, from: usize, prefix: &str) {
        for note in self.notes.iter_mut().skip(from) {
            note.insert_str(0, prefix);
        }
    }

    fn finish(self) -> Extracted {
        self.finish_held().0
    }

    /// [`TextOut::finish`], with the messages held in the text where they are in it then.
    fn finish_held(mut self) -> (Extracted, Vec<Held>) {
        if self.truncated {
            self.notes.push(format!(
                "text cut at the {} byte limit",
                self.limits.max_attachment_text_bytes
            ));
        }
        let lead = self.text.len() - self.text.trim_start().len();
        let text = self.text.trim();
        let held = std::mem::take(&mut self.held)
            .into_iter()
            .filter_map(|message| message.within(0, lead, text.len()))
            .collect();
        let text = (!text.is_empty()).then(|| text.to_owned());
        if text.is_none() && self.notes.is_empty() {
            self.notes.push("no text found in the attachment".into());
        }
        let note = (!self.notes.is_empty()).then(|| self.notes.join("; "));
        let extracted = Extracted {
            text,
            note,
            found: self.found,
            decompressed: self.spent,
        };
        (extracted, held)
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
        assert_eq!(kind_of(&input(b"PK\x03\x04rest", None, None)), Kind::Zip);
        assert_eq!(kind_of(&input(COMPOUND_MAGIC, None, None)), Kind::Compound);
        assert_eq!(
            kind_of(&input(b"<p>x</p>", None, Some("page.HTM"))),
            Kind::Html
        );
        assert_eq!(kind_of(&input(b"a,b", Some("text/csv"), None)), Kind::Text);
        // No subtype (`text/;`), and a byte that is not text in any charset: text still.
        assert_eq!(
            kind_of(&input(b"I know where you live\n\x81", Some("text"), None)),
            Kind::Text
        );
        assert_eq!(
            kind_of(&input(b"\x89PNG", Some("image/png"), Some("a.png"))),
            Kind::Unsupported
        );
        assert_eq!(
            kind_of(&input(
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                Some("application/octet-stream"),
                None
            )),
            Kind::Image
        );
        // `BM` starts a bitmap, and text too.
        assert_eq!(
            kind_of(&input(b"BMW parts list, 12 items", None, Some("parts.dat"))),
            Kind::SniffedText
        );
    }

    /// A MIME part with no type is text/plain: its text before binary bytes that outweigh it is
    /// read, where a file of no type (in an archive, uuencoded) with the same bytes is binary.
    #[test]
    fn an_untyped_part_is_text_plain_and_a_file_of_no_type_is_not() {
        let mut bytes = b"Meet me behind the station.\n".to_vec();
        bytes.extend(std::iter::repeat_n([0xffu8, 0xff, b'('], 40).flatten());
        let limits = Limits::default();
        let untyped = extract(
            &input(&bytes, None, None),
            &limits,
            None,
            Reading::Untyped(Untyped::TextPlain),
        )
        .0;
        assert_eq!(
            untyped.text.as_deref(),
            Some("Meet me behind the station."),
            "{untyped:?}"
        );
        assert!(
            untyped
                .note
                .as_deref()
                .unwrap()
                .starts_with(UNTYPED_PART_NOTE),
            "{untyped:?}"
        );
        let file = extract_text(&input(&bytes, None, None), &limits);
        assert_eq!(file.text, None, "{file:?}");
        assert_eq!(
            file.note.as_deref(),
            Some("text is not extracted from attachments of unknown type")
        );
    }

    /// Bytes of a type that is not valid (text/plain to RFC 2045) that begin as a binary format
    /// with no reader are named as such, not as of the type written.
    #[test]
    fn a_binary_format_under_a_type_that_is_not_valid_is_named() {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend((0..=255u8).cycle().take(600));
        let read = extract_text(&input(&bytes, Some("base64"), None), &Limits::default());
        assert_eq!(read.text, None, "{read:?}");
        assert_eq!(
            read.note.as_deref(),
            Some(
                "its type base64 is not a valid media type (it has no subtype), which RFC 2045 reads as text/plain; its bytes begin as a binary format that is not read (PNG, JPEG, GIF, RIFF, Ogg, MP3, gzip, 7-Zip or RAR); text not extracted"
            )
        );
    }

    /// A type with no registered top-level type (a garbled Content-Type) says nothing about the
    /// content: text in it is read, with the note that says it was sniffed.
    #[test]
    fn unregistered_types_are_sniffed() {
        let text = &b"--BB\nContent-Type: text/plain\n\nyou are a disgrace, I know where you live\n--BB--\n"[..];
        for mime in [
            "multipbrt/mixed",
            "mulitpart/alternative; boundary=B",
            "message/rfc822?=",
            "multipart/mixed",
        ] {
            assert_eq!(
                kind_of(&input(text, Some(mime), None)),
                Kind::SniffedText,
                "{mime}"
            );
            let read = extract_text(&input(text, Some(mime), None), &Limits::default());
            assert!(read.text.unwrap().contains("I know where you live"));
            assert!(read.note.unwrap().contains("content sniffing"));
        }
        // A type with no subtype is not valid: text/plain to RFC 2045, read as text, not guessed.
        let read = extract_text(&input(text, Some("x"), None), &Limits::default());
        assert!(read.text.unwrap().contains("I know where you live"));
        assert_eq!(
            read.note.as_deref(),
            Some(
                "its type x is not a valid media type (it has no subtype), which RFC 2045 reads as text/plain"
            )
        );
        // Binary content is not sniffed, nor read line by line.
        let binary: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
        let read = extract_text(
            &input(&binary, Some("multipbrt/mixed"), None),
            &Limits::default(),
        );
        assert_eq!(read.text, None);
        assert_eq!(
            read.note.as_deref(),
            Some("text is not extracted from multipbrt/mixed")
        );
    }

    /// A type that says the file is binary (an image, audio, a program) does not keep text from
    /// being read: a letter renamed `photo.jpg` and sent as `image/jpeg` was noted "text is not
    /// extracted" and its words reached no policy.
    #[test]
    fn text_sent_as_a_binary_type_is_read_by_its_content() {
        let letter = &b"I know where you live. Watch your back.\r\n"[..];
        for (mime, name) in [
            ("image/jpeg", "photo.jpg"),
            ("image/png", "scan.png"),
            ("audio/mpeg", "voice.mp3"),
            ("video/mp4", "clip.mp4"),
            ("application/x-msdownload", "setup.exe"),
            ("application/zip", "files.zip"),
        ] {
            let read = extract_text(&input(letter, Some(mime), Some(name)), &Limits::default());
            assert_eq!(
                read.text.as_deref(),
                Some("I know where you live. Watch your back."),
                "{mime}"
            );
            let note = read.note.unwrap_or_default();
            assert!(
                note.contains("content sniffing") && note.contains(mime),
                "{note}"
            );
        }
        // A real image is still not read as text.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
        let read = extract_text(
            &input(png, Some("image/png"), Some("a.png")),
            &Limits::default(),
        );
        assert_eq!(read.text, None);
        assert_eq!(
            read.note.as_deref(),
            Some("a PNG image: text in images is not read (OCR is off)")
        );
    }

    /// A NUL or other control byte put in a text kept it from being read (the sniffing rule
    /// refuses any NUL): text with control bytes through it is read with them taken out, and
    /// UTF-16 sent without its byte-order mark is read too. Binary content still is not.
    #[test]
    fn text_with_control_bytes_through_it_is_read_without_them() {
        let limits = Limits::default();
        let read =
            |bytes: &[u8], mime: &str| extract_text(&input(bytes, Some(mime), None), &limits);
        let got = read(
            b"you\0stupid bitch,\x01I know where you live",
            "application/octet-stream",
        );
        assert_eq!(
            got.text.as_deref(),
            Some("you stupid bitch, I know where you live")
        );
        assert!(got.note.unwrap().contains("2 control bytes"));
        // A garbled type over a body with a NUL in it (found by the fuzzer).
        let got = read(b"\0ou are a disgrace\nI know where you live\n", "multkpart");
        assert!(got.text.unwrap().contains("I know where you live"));
        // UTF-16 (little-endian, no byte-order mark): a NUL after every letter.
        let utf16: Vec<u8> = "I know where you live"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let got = read(&utf16, "image/jpeg");
        assert_eq!(got.text.as_deref(), Some("I know where you live"));
        // Binary content: machine code, compressed data, a table of every byte.
        let every_byte: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let code =
            b"\x55\x48\x89\xe5\x48\x83\xec\x10\x89\x7d\xfc\x8b\x45\xfc\x0f\xaf\xc0\x5d\xc3\0\0\0";
        let short = b"\x01\x02\x03\x04 header";
        for bytes in [&every_byte[..], &code[..], &short[..]] {
            let got = read(bytes, "application/octet-stream");
            assert_eq!(got.text, None, "{bytes:?}");
        }
    }

    /// NULs past half the bytes (text padded with them, or UTF-32 without its byte-order mark)
    /// kept a text from being read: only the other control bytes are held to half of the rest.
    #[test]
    fn text_padded_with_nuls_is_read_without_them() {
        let limits = Limits::default();
        let mut padded = b"I know where you live\n".to_vec();
        padded.resize(4096, 0);
        let got = extract_text(
            &input(&padded, Some("application/octet-stream"), Some("note.dat")),
            &limits,
        );
        assert_eq!(got.text.as_deref(), Some("I know where you live"));
        assert!(got.note.unwrap().contains("control bytes"));
        let utf32: Vec<u8> = "I know where you live"
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        let got = extract_text(&input(&utf32, Some("image/jpeg"), None), &limits);
        assert_eq!(got.text.as_deref(), Some("I know where you live"));
        // Other control bytes past half are still not text, NULs among them or not.
        let mut binary = b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12 header".repeat(8);
        binary.resize(4096, 0);
        let got = extract_text(
            &input(&binary, Some("application/octet-stream"), None),
            &limits,
        );
        assert_eq!(got.text, None);
    }

    /// A DOCX is a zip: bytes declared as one that do not start as a zip and are text are read
    /// as text (the type alone sent a letter to the DOCX reader, which found no zip and read
    /// nothing). Bytes that are not text still go to the DOCX reader and are noted as it finds them.
    #[test]
    fn text_declared_as_a_docx_is_read_as_text() {
        let limits = Limits::default();
        let letter = &b"I know where you live. Watch your back.\r\n"[..];
        for (mime, name) in [
            (
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                None,
            ),
            (Some("application/octet-stream"), Some("letter.docx")),
        ] {
            let got = extract_text(&input(letter, mime, name), &limits);
            assert_eq!(
                got.text.as_deref(),
                Some("I know where you live. Watch your back."),
                "{mime:?} {name:?}"
            );
            assert!(got.note.unwrap().contains("content sniffing"));
        }
        let binary: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
        let got = extract_text(&input(&binary, None, Some("letter.docx")), &limits);
        assert_eq!(got.text, None);
        assert!(got.note.unwrap().contains("corrupt zip"));
    }

    #[test]
    fn generic_types_are_read_as_text_when_their_bytes_are_text() {
        let octet = Some("application/octet-stream");
        for bytes in [
            &b"name,dob,address\nJane Doe,01/02/1980,1 High St\n"[..],
            "caf\u{e9} cr\u{e8}me, na\u{ef}ve".as_bytes(),
            b"caf\xe9 cr\xe8me, na\xefve \x93quoted\x94\r\n",
        ] {
            for (mime, name) in [
                (octet, Some("export.dat")),
                (None, Some("notes")),
                (None, None),
            ] {
                assert_eq!(
                    kind_of(&input(bytes, mime, name)),
                    Kind::SniffedText,
                    "{bytes:?} {mime:?} {name:?}"
                );
            }
        }
        // Binary content, NULs, or the signature of a binary format: not sniffed.
        let binary: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
        for (bytes, mime) in [
            (&binary[..], octet),
            (b"\x01\x02\x03\x04 header", octet),
            (b"", octet),
            (b"\x89PNG", Some("image/png")),
            (b"GIF89a plain words", Some("image/gif")),
        ] {
            assert_eq!(
                kind_of(&input(bytes, mime, Some("x.dat"))),
                Kind::Unsupported
            );
        }
    }

    #[test]
    fn sniffed_text_is_read_and_noted() {
        let limits = Limits::default();
        let got = extract_text(
            &input(
                b"NI AB123456C",
                Some("application/octet-stream"),
                Some("notes"),
            ),
            &limits,
        );
        assert_eq!(got.text.as_deref(), Some("NI AB123456C"));
        assert!(got.note.unwrap().contains("content sniffing"));
        let got = extract_text(&input(b"caf\xe9 au lait", None, None), &limits);
        assert_eq!(got.text.as_deref(), Some("caf\u{e9} au lait"));
        let note = got.note.unwrap();
        assert!(note.contains("content sniffing"), "{note}");
        assert!(!note.contains("UTF-8"), "{note}");
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
    fn rich_text_is_read_as_its_text_whatever_it_is_called() {
        let rtf: &[u8] = br"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\*\generator Msftedit 5.41;}{\info{\author Sam Lane}}\viewkind4\pard\f0\fs20 You \'93stupid\'94 \b bitch\b0\par I know where you live.\par}";
        let with_mark = [b"\xef\xbb\xbf\r\n".as_slice(), rtf].concat();
        for (bytes, mime, name) in [
            (rtf, Some("application/rtf"), Some("letter.rtf")),
            (rtf, Some("text/rtf"), None),
            (rtf, Some("application/msword"), Some("letter.doc")),
            (&with_mark[..], None, Some("letter")),
        ] {
            let got = extract_text(&input(bytes, mime, name), &Limits::default());
            assert_eq!(
                got.text.as_deref(),
                Some("You \u{201c}stupid\u{201d} bitch\nI know where you live."),
                "{mime:?} {name:?}"
            );
            assert_eq!(got.note, None);
        }
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

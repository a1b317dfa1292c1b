//! PowerPoint 97–2003 presentations (`.ppt`, MS-PPT): the text of the slides and their speaker
//! notes, as a compound file's `PowerPoint Document` stream holds it. Briefing decks kept from
//! before 2007 are still passed around, and a `.ppt` attached was read by no policy.
//!
//! The stream is a tree of records, each an 8-byte header (version and instance, type, length)
//! and its body; a record of version `0xF` is a container of others. Text is in two kinds of
//! atom: `TextCharsAtom` (UTF-16LE) and `TextBytesAtom` (8-bit, windows-1252). PowerPoint keeps
//! the text of a slide's placeholders in the document's `SlideListWithText` (one list for the
//! slides, one for the notes) and the text of other shapes in the slide's drawing; other
//! writers (LibreOffice) keep all of it in the drawings. The whole tree is walked, in the order
//! it is written, and every text atom is read, under a line `[slide N]` for each slide and
//! `[notes N]` for each page of notes (the notes of slide N); the masters (`MainMaster`, the
//! handout) are passed over, since they hold a template's prompts (`Click to edit Master title
//! style`), not the author's words, and so is text that is only a field's mark (`*`, where a
//! slide number goes).
//!
//! A slide's number is its place in the document's list of slides (the order it is shown in),
//! found for each record as PowerPoint finds it: the list names each slide by a persist id, the
//! persist directory gives the place in the stream of the record with that id, and a notes page
//! names its slide by the slide's id ([`Numbering`]). A slide or notes page the lists do not
//! place (a damaged presentation, a slide deleted since but left behind by a quick save) is
//! headed `[slide]` or `[notes]` without a number rather than with a guessed one.
//!
//! A presentation saved quickly keeps earlier versions of edited records after the current
//! ones, and they are read too: a slide's text deleted since may be there. An encrypted
//! presentation (its `EncryptedSummary` stream, or a `CryptSession10Container` record) is
//! noted. The walk is held to [`MAX_DEPTH`] levels and [`MAX_RECORDS`] records, every length
//! is checked against its container, and the text read to the attachment text limit.
//!
//! Objects embedded in the slides (a Word document, an Excel workbook, a file wrapped by the
//! Packager) are kept in `ExOleObjStg` records, each a compound file holding the object's
//! storage, compressed by zlib where the record's instance is 1 (its size first). Each is read
//! ([`Reader::object`]): a Package's file as an attachment of its own would be, a Word, Excel or
//! PowerPoint document as one attached is, each under a line `[embedded …]`, no more than
//! [`MAX_OBJECTS`] of them, [`super::msg::MAX_DEPTH`] files deep at most, their decompressed
//! bytes taken from the presentation's decompression budget (and held to the zip ratio) and
//! read on its clock and within its text limit. An object that is not read is noted, saying why.
//! Where the mail decoder reads the presentation, a Package's `.eml` or `.msg` file is read as an
//! attached message is, so that its parties are listed ([`super::MessageReader`]).

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;

use super::doc::stream;
use super::msg::File;
use super::{Input, Kind, TextOut, ole_object};
use crate::Limits;

/// The stream that holds the presentation.
const DOCUMENT: &str = "/PowerPoint Document";
/// Deepest nesting of containers read.
const MAX_DEPTH: usize = 32;
/// Most records read.
const MAX_RECORDS: usize = 1 << 20;

const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const TEXT_BYTES_ATOM: u16 = 0x0FA8;
const SLIDE: u16 = 0x03EE;
const NOTES: u16 = 0x03F0;
const MAIN_MASTER: u16 = 0x03F8;
const HANDOUT: u16 = 0x0FC9;
const SLIDE_LIST_WITH_TEXT: u16 = 0x0FF0;
const SLIDE_PERSIST_ATOM: u16 = 0x03F3;
const DOCUMENT_CONTAINER: u16 = 0x03E8;
const NOTES_ATOM: u16 = 0x03F1;
const PERSIST_DIRECTORY_ATOM: u16 = 0x1772;
const CRYPT_SESSION: u16 = 0x2F14;
/// `ExOleObjStg` (also `ExControlStg` and `VbaProjectStg`): a storage as a compound file.
const EX_OLE_OBJ_STG: u16 = 0x1011;

/// Most embedded objects read from one presentation.
const MAX_OBJECTS: usize = 64;
/// Bytes an embedded object may decompress to before the zip ratio is held to it.
const RATIO_FREE_BYTES: u64 = 1 << 20;

/// Whether the compound file holds a PowerPoint presentation.
pub(super) fn is_powerpoint(file: &File<'_>) -> bool {
    file.is_stream(DOCUMENT)
}

/// One record's header.
struct Header {
    version: u16,
    instance: u16,
    kind: u16,
    length: usize,
}

fn header(bytes: &[u8], at: usize) -> Option<Header> {
    let raw = bytes.get(at..at + 8)?;
    let version_instance = u16::from_le_bytes([raw[0], raw[1]]);
    Some(Header {
        version: version_instance & 0x000F,
        instance: version_instance >> 4,
        kind: u16::from_le_bytes([raw[2], raw[3]]),
        length: usize::try_from(u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]])).ok()?,
    })
}

/// Reads the presentation in `file` (`depth` files deep) into `out`; `budget` bounds the bytes
/// read from its stream and decompressed from its embedded objects and the files and messages
/// in them. What is left of it after.
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>, depth: usize) -> u64 {
    if file.is_stream("/EncryptedSummary") {
        out.note("encrypted (password-protected) PowerPoint presentation; text not extracted");
        return budget;
    }
    let Some(document) = stream(file, DOCUMENT, budget, "PowerPoint presentation", out) else {
        return budget;
    };
    let mut reader = Reader {
        out,
        records: 0,
        numbering: Numbering::read(&document),
        pending: None,
        stopped: false,
        budget: budget.saturating_sub(document.len() as u64),
        depth,
        objects: 0,
    };
    reader.walk(&document);
    reader.budget
}

/// Which slide each slide and notes page of a presentation is, from its own lists: the slides'
/// places in the document's list of slides (the last list in the stream, a quick save's
/// document written after the one it replaces), and the persist directories' places in the
/// stream of the records they name.
#[derive(Debug, Default)]
struct Numbering {
    /// The slide's number (from 1) by the persist id the list of slides names it by.
    slide_by_persist: HashMap<u32, usize>,
    /// The slide's number by its slide id, as a notes page names its slide.
    slide_by_id: HashMap<u32, usize>,
    /// The persist id of the record at each place in the stream, from every directory (an
    /// older copy of a slide a quick save left behind keeps its id).
    persist_by_offset: HashMap<usize, u32>,
    /// The place in the stream of each persist id, the last directory's where several name it.
    offset_by_persist: HashMap<u32, usize>,
}

/// A page of the presentation: a slide or a notes page, and the slide's number where known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Slide(Option<usize>),
    Notes(Option<usize>),
}

impl Numbering {
    /// Reads the lists from the stream's top-level records and the document's children,
    /// held to [`MAX_RECORDS`] records.
    fn read(bytes: &[u8]) -> Self {
        let mut numbering = Self::default();
        let mut records = 0;
        for (_, top, body) in children(bytes, 0..bytes.len()) {
            records += 1;
            if records > MAX_RECORDS {
                break;
            }
            match top.kind {
                PERSIST_DIRECTORY_ATOM => numbering.add_directory(bytes, body),
                DOCUMENT_CONTAINER if top.version == 0x0F => {
                    for (_, list, list_body) in children(bytes, body) {
                        records += 1;
                        if records > MAX_RECORDS {
                            break;
                        }
                        if list.kind == SLIDE_LIST_WITH_TEXT && list.instance == 0 {
                            numbering.add_slide_list(bytes, list_body, &mut records);
                        }
                    }
                }
                _ => {}
            }
        }
        numbering
    }

    /// A persist directory: entries of a first persist id and a count (20 and 12 bits), each
    /// followed by the places of that many records. At most [`MAX_RECORDS`] places are kept, as
    /// at most that many records are read.
    fn add_directory(&mut self, bytes: &[u8], body: Range<usize>) {
        let mut at = body.start;
        while let Some(entry) = field(bytes, &body, at) {
            if self.persist_by_offset.len() >= MAX_RECORDS
                || self.offset_by_persist.len() >= MAX_RECORDS
            {
                return;
            }
            let (first, count) = (entry & 0x000F_FFFF, entry >> 20);
            at += 4;
            for persist in first..first + count {
                let Some(offset) = field(bytes, &body, at) else {
                    return;
                };
                at += 4;
                let Ok(offset) = usize::try_from(offset) else {
                    continue;
                };
                self.persist_by_offset.entry(offset).or_insert(persist);
                self.offset_by_persist.insert(persist, offset);
            }
        }
    }

    /// The list of slides: the slides' persist atoms in the order they are shown.
    fn add_slide_list(&mut self, bytes: &[u8], body: Range<usize>, records: &mut usize) {
        self.slide_by_persist.clear();
        self.slide_by_id.clear();
        let mut number = 0;
        for (_, atom, atom_body) in children(bytes, body) {
            *records += 1;
            if *records > MAX_RECORDS {
                return;
            }
            if atom.kind != SLIDE_PERSIST_ATOM {
                continue;
            }
            number += 1;
            if let Some(persist) = field(bytes, &atom_body, atom_body.start) {
                self.slide_by_persist.entry(persist).or_insert(number);
            }
            if let Some(id) = field(bytes, &atom_body, atom_body.start + 12) {
                self.slide_by_id.entry(id).or_insert(number);
            }
        }
    }

    /// The number of the slide whose record starts at `offset` of the stream.
    fn slide_at(&self, offset: usize) -> Option<usize> {
        let persist = self.persist_by_offset.get(&offset)?;
        self.slide_by_persist.get(persist).copied()
    }

    /// The number of the slide whose notes page's record starts at `offset`: the first record
    /// of a notes page is its atom, which names the slide by its id.
    fn notes_at(&self, bytes: &[u8], offset: usize) -> Option<usize> {
        let notes = header(bytes, offset).filter(|h| h.kind == NOTES && h.version == 0x0F)?;
        let end = (offset + 8).saturating_add(notes.length).min(bytes.len());
        let (_, atom, body) = children(bytes, offset + 8..end).next()?;
        if atom.kind != NOTES_ATOM {
            return None;
        }
        let slide_id = field(bytes, &body, body.start)?;
        self.slide_by_id.get(&slide_id).copied()
    }

    /// The number of the slide whose notes page has the persist id `persist`.
    fn notes_of_persist(&self, bytes: &[u8], persist: u32) -> Option<usize> {
        self.notes_at(bytes, *self.offset_by_persist.get(&persist)?)
    }
}

/// The records directly in `range` of `bytes`, each with its place, header and body, up to the
/// first that does not fit in it.
fn children(
    bytes: &[u8],
    range: Range<usize>,
) -> impl Iterator<Item = (usize, Header, Range<usize>)> + '_ {
    let mut at = range.start;
    let end = range.end.min(bytes.len());
    std::iter::from_fn(move || {
        let record = header(bytes, at).filter(|_| at + 8 <= end)?;
        let body = at + 8..(at + 8).checked_add(record.length).filter(|&e| e <= end)?;
        let place = at;
        at = body.end;
        Some((place, record, body))
    })
}

/// The little-endian `u32` at `at`, where it lies within `body`.
fn field(bytes: &[u8], body: &Range<usize>, at: usize) -> Option<u32> {
    if at.checked_add(4)? > body.end {
        return None;
    }
    let raw = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

struct Reader<'o, 'l> {
    out: &'o mut TextOut<'l>,
    records: usize,
    /// Which slide each page is.
    numbering: Numbering,
    /// The heading of the slide or notes page begun, not yet written (a page with no text has
    /// none).
    pending: Option<Page>,
    /// Whether reading stopped (limits, encryption): nothing more is read.
    stopped: bool,
    /// Bytes the embedded objects may still be decompressed to.
    budget: u64,
    /// How many files deep the presentation is (0: the attachment itself).
    depth: usize,
    /// Embedded objects met so far.
    objects: usize,
}

/// What a container being walked is: where its records are, what it is, and where the walk
/// is in it.
struct Open {
    end: usize,
    at: usize,
    kind: u16,
    instance: u16,
}

impl Reader<'_, '_> {
    /// Walks the records of `bytes` without recursion, reading the text atoms.
    fn walk(&mut self, bytes: &[u8]) {
        let mut open = vec![Open {
            end: bytes.len(),
            at: 0,
            kind: 0,
            instance: 0,
        }];
        while let Some(top) = open.last_mut() {
            if self.stopped {
                return;
            }
            if top.at >= top.end {
                open.pop();
                continue;
            }
            let Some(record) = header(bytes, top.at).filter(|_| top.at + 8 <= top.end) else {
                self.out
                    .note("a record of the presentation is cut short; text read as far as it goes");
                return;
            };
            let offset = top.at;
            let body = offset + 8;
            let end = body.saturating_add(record.length);
            if end > top.end {
                self.out.note(
                    "a record of the presentation runs past its container; text read as far as it goes",
                );
                return;
            }
            top.at = end;
            let (parent, parent_instance) = (top.kind, top.instance);
            self.records += 1;
            if self.records > MAX_RECORDS {
                self.out.note(format!(
                    "the presentation has more than {MAX_RECORDS} records; only the first were read"
                ));
                return;
            }
            if self.records.is_multiple_of(4096) && self.out.out_of_time("in the presentation") {
                return;
            }
            match record.kind {
                CRYPT_SESSION => {
                    self.out.note(
                        "encrypted (password-protected) PowerPoint presentation; text not extracted",
                    );
                    return;
                }
                MAIN_MASTER | HANDOUT => continue,
                SLIDE => self.heading(Page::Slide(self.numbering.slide_at(offset))),
                NOTES => self.heading(Page::Notes(self.numbering.notes_at(bytes, offset))),
                SLIDE_PERSIST_ATOM if parent == SLIDE_LIST_WITH_TEXT => {
                    let persist = field(bytes, &(body..end), body);
                    let numbering = &self.numbering;
                    match parent_instance {
                        0 => self.heading(Page::Slide(
                            persist.and_then(|p| numbering.slide_by_persist.get(&p).copied()),
                        )),
                        2 => self.heading(Page::Notes(
                            persist.and_then(|p| numbering.notes_of_persist(bytes, p)),
                        )),
                        _ => {}
                    }
                }
                TEXT_CHARS_ATOM | TEXT_BYTES_ATOM
                    if !(parent == SLIDE_LIST_WITH_TEXT && parent_instance == 1) =>
                {
                    let raw = &bytes[body..end];
                    let text = if record.kind == TEXT_CHARS_ATOM {
                        let units: Vec<u16> = raw
                            .chunks_exact(2)
                            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                            .collect();
                        String::from_utf16_lossy(&units)
                    } else {
                        super::rtf::cp1252(raw)
                    };
                    self.text(&text);
                }
                EX_OLE_OBJ_STG => self.object(&bytes[body..end], record.instance == 1),
                _ => {}
            }
            if record.version == 0x0F {
                if open.len() >= MAX_DEPTH {
                    self.out.note(format!(
                        "the presentation nests records more than {MAX_DEPTH} deep; the deeper ones were not read"
                    ));
                    self.stopped = true;
                    return;
                }
                open.push(Open {
                    end,
                    at: body,
                    kind: record.kind,
                    instance: record.instance,
                });
            }
        }
    }

    /// The object embedded in an `ExOleObjStg` record's `body` (compressed by zlib where
    /// `compressed`, its size first): read under a line naming it, or noted.
    fn object(&mut self, body: &[u8], compressed: bool) {
        self.objects += 1;
        let number = self.objects;
        let what = format!("embedded object {number}");
        if number > MAX_OBJECTS {
            if number == MAX_OBJECTS + 1 {
                self.out.note(format!(
                    "the presentation embeds more than {MAX_OBJECTS} objects; only the first were read"
                ));
            }
            return;
        }
        if self.depth + 1 >= super::msg::MAX_DEPTH {
            self.out.note(format!(
                "{what}: an object embedded more than {} files deep is not read",
                super::msg::MAX_DEPTH
            ));
            return;
        }
        if self
            .out
            .out_of_time(&format!("before {what} of the presentation"))
        {
            self.stopped = true;
            return;
        }
        let inflated;
        let data = if compressed {
            match self.inflate(body) {
                Ok(data) => {
                    inflated = data;
                    &inflated[..]
                }
                Err(why) => {
                    self.out.note(format!("{what} is not read: {why}"));
                    return;
                }
            }
        } else {
            body
        };
        let max_attachment_bytes = self.out.limits.max_attachment_bytes;
        if data.len() > max_attachment_bytes {
            self.out.note(format!(
                "{what}: {} bytes, larger than the {max_attachment_bytes} byte extraction limit; text not extracted",
                data.len()
            ));
            return;
        }
        self.read_object(data, &what);
        self.budget = self.budget.saturating_sub(data.len() as u64);
    }

    /// An object's compressed storage decompressed: its size first, then zlib's stream, held to
    /// the budget left, the attachment size limit and the zip ratio.
    fn inflate(&self, body: &[u8]) -> Result<Vec<u8>, String> {
        let limits = self.out.limits;
        let packed = body.get(4..).ok_or("its compressed storage is cut short")?;
        let ratio_cap = (packed.len() as u64)
            .saturating_mul(limits.max_zip_ratio as u64)
            .max(RATIO_FREE_BYTES);
        let cap = self
            .budget
            .min(limits.max_attachment_bytes as u64)
            .min(ratio_cap);
        let mut data = Vec::new();
        flate2::read::ZlibDecoder::new(packed)
            .take(cap.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|error| format!("its compressed storage is damaged ({error})"))?;
        if data.len() as u64 > cap {
            return Err(format!(
                "it decompresses to more than {cap} bytes (past the decompression limit of {} bytes, what is left of it, or the ratio of {} to 1)",
                limits.max_decompressed_bytes, limits.max_zip_ratio
            ));
        }
        Ok(data)
    }

    /// Reads the object whose storage is the compound file `data` (`what`, in notes) into the
    /// presentation's text, on its clock, within its text limit and what is left of its budget.
    fn read_object(&mut self, data: &[u8], what: &str) {
        let Some(mut file) = super::msg::open(data) else {
            self.out.note(format!(
                "{what} is not read: its storage is not a compound file"
            ));
            return;
        };
        let room = self.out.cap().saturating_sub(self.out.text.len());
        let limits = Limits {
            max_decompressed_bytes: usize::try_from(self.budget).unwrap_or(usize::MAX),
            max_attachment_text_bytes: room,
            ..self.out.limits.clone()
        };
        let mut inner = TextOut::new(&limits);
        inner.started = self.out.started;
        inner.messages = self.out.messages;
        let depth = self.depth + 1;
        let native = format!("/{}", ole_object::NATIVE);
        let is_document = ole_object::DOCUMENT_STREAMS
            .iter()
            .any(|name| file.is_stream(format!("/{name}")))
            || super::publisher::is_publisher(&mut file);
        let heading = if file.is_stream(&native) {
            let Some(bytes) = stream(&mut file, &native, self.budget, what, self.out) else {
                return;
            };
            let package = match ole_object::package(&bytes) {
                Ok(package) => package,
                Err(why) => {
                    self.out.note(format!("{what} is not read: {why}"));
                    return;
                }
            };
            let name = package.name.unwrap_or_else(|| what.to_owned());
            let input = Input {
                bytes: &package.data,
                mime_type: None,
                name: Some(&name),
                charset: None,
            };
            // An `.eml` or `.msg`, where the mail decoder reads the presentation: read as an
            // attached message is, its parties listed.
            if let Some((read, held)) = inner.as_message(&package.data, &name, self.budget) {
                inner.found.add(read.found);
                inner.spend(read.decompressed);
                if let Some(note) = read.note {
                    inner.note(note);
                }
                inner.push_holding(read.text.as_deref().unwrap_or_default(), held);
                return self.write_object(inner, &format!("embedded file {name}"));
            }
            match super::kind_of(&input) {
                Kind::Unsupported => {
                    self.out.note(format!(
                        "{what} ({name}) is not read: neither text nor a document that is read"
                    ));
                    return;
                }
                kind => super::extract_into(kind, &input, &mut inner, depth),
            }
            format!("embedded file {name}")
        } else if is_document {
            let input = Input {
                bytes: data,
                mime_type: None,
                name: None,
                charset: None,
            };
            super::extract_into(Kind::Compound, &input, &mut inner, depth);
            what.to_owned()
        } else if file.is_stream("/PROJECT") {
            self.out
                .note("the presentation's macros (a VBA project) are not read");
            return;
        } else {
            self.out.note(format!(
                "{what} is not read: it holds no file, Word document, Excel workbook or presentation that is read"
            ));
            return;
        };
        self.write_object(inner, &heading);
    }

    /// The text of an object read into `inner` written into the presentation's under a line
    /// `[heading]`, with its notes after `heading` and the messages held in it.
    fn write_object(&mut self, mut inner: TextOut<'_>, heading: &str) {
        if !inner.text.trim().is_empty() {
            self.out.heading(heading);
            let held = std::mem::take(&mut inner.held);
            self.out.push_holding(&inner.text, held);
        }
        for note in inner.notes {
            self.out.note(format!("{heading}: {note}"));
        }
        self.out.found.add(inner.found);
        // What reading it decompressed is taken from what is left of the presentation's budget.
        self.budget = self.budget.saturating_sub(inner.spent);
        if inner.truncated || self.out.is_full() {
            self.out.truncated = true;
            self.stopped = true;
        }
    }

    /// Starts a slide's or a notes page's text: the heading is written before its first text.
    fn heading(&mut self, page: Page) {
        self.pending = Some(page);
    }

    /// Adds one text atom's text, its paragraph and line marks as line breaks; a field's mark
    /// alone is left out.
    fn text(&mut self, text: &str) {
        let text: String = text
            .chars()
            .map(|c| if matches!(c, '\r' | '\u{b}') { '\n' } else { c })
            .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
            .collect();
        let text = text.trim();
        if text.is_empty() || text == "*" {
            return;
        }
        let out = &mut *self.out;
        if let Some(page) = self.pending.take() {
            out.heading(&match page {
                Page::Slide(Some(number)) => format!("slide {number}"),
                Page::Notes(Some(number)) => format!("notes {number}"),
                Page::Slide(None) => "slide".to_owned(),
                Page::Notes(None) => "notes".to_owned(),
            });
        } else if !out.text.is_empty() && !out.text.ends_with('\n') {
            out.push("\n");
        }
        out.push(text);
        if out.is_full() {
            self.stopped = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn record(container: bool, instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
        let version = if container { 0x0F } else { 0 };
        let mut out = ((instance << 4) | version).to_le_bytes().to_vec();
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(body);
        out
    }

    fn chars(text: &str) -> Vec<u8> {
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        record(false, 0, TEXT_CHARS_ATOM, &units)
    }

    fn walked(bytes: &[u8]) -> (String, Vec<String>) {
        let limits = Limits::default();
        let mut out = TextOut::new(&limits);
        Reader {
            out: &mut out,
            records: 0,
            numbering: Numbering::read(bytes),
            pending: None,
            stopped: false,
            budget: 1 << 20,
            depth: 0,
            objects: 0,
        }
        .walk(bytes);
        (out.text, out.notes)
    }

    /// A slide list's atom for the slide with persist id `persist` and slide id `slide_id`.
    fn persist_atom(persist: u32, slide_id: u32) -> Vec<u8> {
        let body = [persist, 0, 0, slide_id, 0].map(u32::to_le_bytes).concat();
        record(false, 0, SLIDE_PERSIST_ATOM, &body)
    }

    /// PowerPoint's own layout: the placeholders' text in the document's lists of slides and of
    /// notes, a slide's other text in its drawing; the masters' list is passed over. Each slide
    /// is numbered by its place in the list of slides (not where its drawing is in the stream),
    /// a notes page by the slide it names; a slide no list places is not numbered.
    #[test]
    fn slide_lists_and_drawings_are_read_numbered_and_masters_passed_over() {
        let slides = [
            persist_atom(5, 256),
            chars("Title\rFirst line\u{b}same paragraph"),
            persist_atom(3, 257),
            record(false, 0, TEXT_BYTES_ATOM, b"Caf\xe9 rota"),
        ]
        .concat();
        let masters = [
            persist_atom(1, 0),
            chars("Click to edit Master title style"),
        ]
        .concat();
        let notes = [persist_atom(9, 0), chars("*"), chars("A note")].concat();
        let document = [
            record(true, 0, SLIDE_LIST_WITH_TEXT, &slides),
            record(true, 1, SLIDE_LIST_WITH_TEXT, &masters),
            record(true, 2, SLIDE_LIST_WITH_TEXT, &notes),
        ]
        .concat();
        let drawing = |text: &str| record(true, 0, 0xF00D, &chars(text));
        let notes_atom = record(
            false,
            0,
            NOTES_ATOM,
            &[257u32.to_le_bytes(), [0; 4]].concat(),
        );
        let parts = [
            record(true, 0, DOCUMENT_CONTAINER, &document),
            record(
                true,
                0,
                MAIN_MASTER,
                &chars("Click to edit Master text styles"),
            ),
            // The second slide's drawing before the first's.
            record(true, 0, SLIDE, &drawing("A text box")),
            record(true, 0, SLIDE, &drawing("Another box")),
            record(
                true,
                0,
                NOTES,
                &[notes_atom, drawing("Drawing note")].concat(),
            ),
            record(true, 0, SLIDE, &drawing("Left behind")),
        ];
        let mut offsets = Vec::new();
        let mut stream = Vec::new();
        for part in parts {
            offsets.push(u32::try_from(stream.len()).unwrap());
            stream.extend_from_slice(&part);
        }
        // Persist ids 3, then 5 and 6 (a count of two), then 9; the last slide is in none.
        let directory = [
            3 | (1 << 20),
            offsets[2],
            5 | (2 << 20),
            offsets[3],
            offsets[1],
            9 | (1 << 20),
            offsets[4],
        ]
        .map(u32::to_le_bytes)
        .concat();
        stream.extend_from_slice(&record(false, 0, PERSIST_DIRECTORY_ATOM, &directory));
        let (text, notes) = walked(&stream);
        assert_eq!(
            text,
            "[slide 1]\nTitle\nFirst line\nsame paragraph\n\n[slide 2]\nCafé rota\n\n\
             [notes 2]\nA note\n\n[slide 2]\nA text box\n\n[slide 1]\nAnother box\n\n\
             [notes 2]\nDrawing note\n\n[slide]\nLeft behind"
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    /// A record longer than its container, one cut short, nesting past the limit and an
    /// encrypted presentation are noted, and what came before is kept.
    #[test]
    fn damaged_deep_and_encrypted_presentations_are_noted() {
        let mut long = record(true, 0, SLIDE, &chars("Kept"));
        long.extend_from_slice(&record(false, 0, TEXT_CHARS_ATOM, b"ab"));
        let length = long.len() - 4;
        long.truncate(length);
        let (text, notes) = walked(&long);
        // No list numbers the slide.
        assert_eq!(text, "[slide]\nKept");
        assert!(notes[0].contains("cut short"), "{notes:?}");

        let mut container = chars("Deep");
        for _ in 0..40 {
            container = record(true, 0, 0x0FF3, &container);
        }
        let (text, notes) = walked(&container);
        assert_eq!(text, "");
        assert!(notes[0].contains("more than 32 deep"), "{notes:?}");

        let mut past = record(true, 0, SLIDE, &chars("Kept"));
        // The slide's length says more than the stream holds.
        past[4] = 0xFF;
        let (_, notes) = walked(&past);
        assert!(notes[0].contains("runs past its container"), "{notes:?}");

        let encrypted = [chars("Before"), record(true, 0, CRYPT_SESSION, &[])].concat();
        let (text, notes) = walked(&encrypted);
        assert_eq!(text, "Before");
        assert!(notes[0].contains("encrypted"), "{notes:?}");
    }
}

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
//! it is written, and every text atom is read, under a line `[slide]` for each slide and
//! `[notes]` for each page of notes; the masters (`MainMaster`, the handout) are passed over,
//! since they hold a template's prompts (`Click to edit Master title style`), not the author's
//! words, and so is text that is only a field's mark (`*`, where a slide number goes).
//!
//! A presentation saved quickly keeps earlier versions of edited records after the current
//! ones, and they are read too: a slide's text deleted since may be there. An encrypted
//! presentation (its `EncryptedSummary` stream, or a `CryptSession10Container` record) is
//! noted. The walk is held to [`MAX_DEPTH`] levels and [`MAX_RECORDS`] records, every length
//! is checked against its container, and the text read to the attachment text limit.

use super::TextOut;
use super::doc::stream;
use super::msg::File;

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
const CRYPT_SESSION: u16 = 0x2F14;

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

/// Reads the presentation in `file` into `out`; `budget` bounds the bytes read from its stream.
pub(super) fn read(file: &mut File<'_>, budget: u64, out: &mut TextOut<'_>) {
    if file.is_stream("/EncryptedSummary") {
        out.note("encrypted (password-protected) PowerPoint presentation; text not extracted");
        return;
    }
    let Some(document) = stream(file, DOCUMENT, budget, "PowerPoint presentation", out) else {
        return;
    };
    let mut reader = Reader {
        out,
        records: 0,
        pending: None,
        stopped: false,
    };
    reader.walk(&document);
}

struct Reader<'o, 'l> {
    out: &'o mut TextOut<'l>,
    records: usize,
    /// The heading of the slide or notes page begun, not yet written (a page with no text has
    /// none).
    pending: Option<&'static str>,
    /// Whether reading stopped (limits, encryption): nothing more is read.
    stopped: bool,
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
            let body = top.at + 8;
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
                SLIDE => self.heading("slide"),
                NOTES => self.heading("notes"),
                SLIDE_PERSIST_ATOM if parent == SLIDE_LIST_WITH_TEXT => match parent_instance {
                    0 => self.heading("slide"),
                    2 => self.heading("notes"),
                    _ => {}
                },
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

    /// Starts a slide's or a notes page's text: the heading is written before its first text.
    fn heading(&mut self, what: &'static str) {
        self.pending = Some(what);
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
        if let Some(what) = self.pending.take() {
            out.heading(what);
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
            pending: None,
            stopped: false,
        }
        .walk(bytes);
        (out.text, out.notes)
    }

    /// PowerPoint's own layout: the placeholders' text in the document's lists of slides and of
    /// notes, a slide's other text in its drawing; the masters' list is passed over.
    #[test]
    fn slide_lists_and_drawings_are_read_and_masters_passed_over() {
        let persist = record(false, 0, SLIDE_PERSIST_ATOM, &[0; 20]);
        let slides = [
            persist.clone(),
            chars("Title\rFirst line\u{b}same paragraph"),
            persist.clone(),
            record(false, 0, TEXT_BYTES_ATOM, b"Caf\xe9 rota"),
        ]
        .concat();
        let masters = [persist.clone(), chars("Click to edit Master title style")].concat();
        let notes = [persist, chars("*"), chars("A note")].concat();
        let document = [
            record(true, 0, SLIDE_LIST_WITH_TEXT, &slides),
            record(true, 1, SLIDE_LIST_WITH_TEXT, &masters),
            record(true, 2, SLIDE_LIST_WITH_TEXT, &notes),
        ]
        .concat();
        let stream = [
            record(true, 0, 0x03E8, &document),
            record(
                true,
                0,
                MAIN_MASTER,
                &chars("Click to edit Master text styles"),
            ),
            record(
                true,
                0,
                SLIDE,
                &record(true, 0, 0xF00D, &chars("A text box")),
            ),
        ]
        .concat();
        let (text, notes) = walked(&stream);
        assert_eq!(
            text,
            "[slide]\nTitle\nFirst line\nsame paragraph\n\n[slide]\nCafé rota\n\n[notes]\nA note\n\n[slide]\nA text box"
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

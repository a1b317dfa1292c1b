//! Outlook messages (`.msg`): a message saved from Outlook, or dragged into a new one, is an OLE
//! compound file of MAPI properties (MS-OXMSG), not MIME. Forces that run Exchange and Outlook
//! see them often: a message forwarded as an attachment is one. Unread, its text (and the files
//! attached to it, and the messages attached to those) reached no policy.
//!
//! [`read`] takes the message's sender, recipients (To, Cc and Bcc by each recipient's type),
//! subject, date and body (plain text; else HTML; else the compressed RTF Outlook keeps, read as
//! TNEF's is), the pictures in that RTF body (a screenshot pasted into the message) read by OCR
//! as an RTF document's are, whatever other body there is (Outlook keeps a plain body beside the
//! RTF one, without its pictures), then its attachments: files by value (a picture among them
//! read by OCR as any image attachment is), objects embedded by OLE (a Package's file, a
//! picture's bitmap as a BMP, an Office document, a file kept as its content: [`ole_object`];
//! a compound file that is such an object alone is read so too, [`root_object`]), and attached
//! messages, read the same way, [`MAX_DEPTH`] deep at most. The mail decoder writes what it read as a MIME
//! message ([`to_mime`]) and reads that as any attached message, so that the exclusions see its
//! parties; elsewhere (in a zip, in a TNEF) it is written as text with a header block, as a
//! forwarded message is ([`write_text`]). Either way the pictures' text follows the body, each
//! under a line `[image N]`, and their notes are the message's. Either way too, the notes of the
//! messages attached inside it (what was not read of them) are the attachment's, each after the
//! names of the attachments it is in, [`MAX_NOTES`] at most ([`nested_notes`]), as the message's
//! own notes are; the MIME message carries no notes.
//!
//! Limits: the compound file is opened by the `cfb` crate; what is read of its streams, all
//! together, is held to the attachment's decompression budget, an attachment over the
//! attachment size limit is named and not read (so is a stream of an object embedded by OLE over
//! it or past what is left of the budget, the budget left to the rest), at most
//! `max_attachments` attachments of each message are read, and the clock is checked before each.
//! The pictures of an RTF body are held to an RTF document's limits: at most 32 a message, no
//! more bytes of them in the whole file than the decompression limit, and the time limit on the
//! file's clock.

use std::io::{Cursor, Read, Write};
use std::time::Instant;

use base64::Engine;
use cfb::CompoundFile;

use super::ole_object;
use super::pictures::Pictures;
use super::{Input, TextOut};
use crate::Limits;

/// How deep messages attached to messages are read.
pub(crate) const MAX_DEPTH: usize = 8;

/// The stream every message storage holds: its fixed-length properties.
const PROPERTIES: &str = "__properties_version1.0";

/// What the notes on the pictures of a message's RTF body call it.
const RTF_BODY: &str = "RTF body of the Outlook message";

/// The storage of an attached message, inside its attachment's storage.
const EMBEDDED: &str = "__substg1.0_3701000D";

/// An Outlook message read.
#[derive(Debug, Default)]
pub(crate) struct Outlook {
    /// `From`, `To`, `Cc`, `Bcc`, `Subject` and `Date`, as they would be written in a MIME
    /// message (addresses as `Name <address>`, lists joined with commas).
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    /// The HTML body, where there is no plain one.
    pub html: Option<String>,
    /// The text OCR read in the pictures of its RTF body (a screenshot pasted into the message),
    /// each under a line `[image N]`, where OCR is on and read any.
    pub pictures: Option<String>,
    pub attachments: Vec<Attached>,
    /// What could not be read.
    pub notes: Vec<String>,
}

/// One attachment of an Outlook message.
#[derive(Debug)]
pub(crate) enum Attached {
    File {
        name: String,
        mime: Option<String>,
        data: Vec<u8>,
    },
    Message {
        name: String,
        message: Box<Outlook>,
    },
}

/// The message in `bytes`, where they are an Outlook message: none where they are not a compound
/// file holding one; an error where they are but it cannot be read.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Option<Result<Outlook, String>> {
    if !bytes.starts_with(super::COMPOUND_MAGIC) {
        return None;
    }
    // The compound file reader is another's: a panic on a hostile file is caught here, as the
    // attachment readers' are, since the mail decoder calls this outside them.
    let opened = std::panic::catch_unwind(|| CompoundFile::open(Cursor::new(bytes)));
    let mut file = match opened {
        Ok(Ok(file)) => file,
        Ok(Err(_)) => return None,
        Err(_) => return Some(Err("the compound file reader failed on it".to_owned())),
    };
    let is_message = file.is_stream(format!("/{PROPERTIES}"))
        && file
            .read_root_storage()
            .any(|entry| entry.name().starts_with("__substg1.0_"));
    if !is_message {
        return None;
    }
    let mut reader = Reader::new(limits);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.message(&mut file, "", 32, 0)
    }));
    Some(
        result
            .map(|mut message| {
                // Its own notes are bounded as those of the messages attached inside it are.
                message.notes =
                    bounded(std::mem::take(&mut message.notes), "on the Outlook message");
                message
            })
            .map_err(|_| "the compound file reader failed on it".to_owned()),
    )
}

/// The object embedded by OLE at the root of a compound file that is itself an attachment or a
/// file in one (a DOCX's `word/embeddings/oleObject1.bin`, a Package sent alone), read as
/// [`Reader::object`] reads the storage of an object attached to a message: the files it holds
/// (a Package's file, a bitmap, a document in a `Package` or `CONTENTS` stream) as the
/// attachments of a message with no headers or body, and its notes ([`MAX_NOTES`] at most).
/// None where its root holds neither an object's content (`\x01Ole10Native`, `Package`) nor
/// the stream every embedded object has (`\x01Ole`; a Publisher file has a `CONTENTS` of its
/// own, but not that), or where it holds a document's streams (read as that document). An
/// object of another program (an equation, a chart) is noted with why it is not read. With
/// what is left of the decompression budget, for reading the files it holds ([`write_object`]).
pub(super) fn root_object(
    file: &mut File<'_>,
    name: &str,
    limits: &Limits,
) -> Option<(Outlook, u64)> {
    let has = |file: &File<'_>, stream: &str| file.is_stream(format!("/{stream}"));
    if ole_object::DOCUMENT_STREAMS
        .iter()
        .any(|stream| has(file, stream))
    {
        return None;
    }
    let is_object = has(file, ole_object::NATIVE)
        || has(file, ole_object::PACKAGE)
        || has(file, ole_object::OLE);
    if !is_object {
        return None;
    }
    let mut reader = Reader::new(limits);
    let mut object = Outlook::default();
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.object(file, "", name, &mut object);
    }));
    if read.is_err() {
        object.attachments.clear();
        object
            .notes
            .push("the compound file reader failed on it".to_owned());
    }
    object.notes = bounded(
        std::mem::take(&mut object.notes),
        "on the object embedded by OLE",
    );
    Some((object, reader.budget))
}

/// The objects embedded by OLE in a Word 97–2003 document (each a storage in its `ObjectPool`)
/// or an Excel 97–2003 workbook (each a storage `MBD…` at its root), read as
/// [`Reader::object`] reads an object attached to a message, as the attachments of a message
/// with no headers or body, named by their storage where they hold no name of their own, with
/// their notes ([`MAX_NOTES`] at most); at most `max_attachments`, within `budget` (what the
/// document's own text and pictures left of its decompression budget: an object past it is
/// noted and not read) and the time limit. None where it has none; else with what is left of
/// `budget`, for reading the files the objects hold ([`write_object`]).
pub(super) fn document_objects(
    file: &mut File<'_>,
    limits: &Limits,
    budget: u64,
) -> Option<(Outlook, u64)> {
    let mut storages: Vec<String> = storages(file, "/ObjectPool", "")
        .into_iter()
        .map(|name| format!("/ObjectPool/{name}"))
        .collect();
    storages.extend(
        storages_at_root(file, "MBD")
            .into_iter()
            .map(|name| format!("/{name}")),
    );
    if storages.is_empty() {
        return None;
    }
    let mut reader = Reader::new(limits);
    reader.budget = budget;
    let mut objects = Outlook::default();
    for (index, dir) in storages.iter().enumerate() {
        if index >= limits.max_attachments {
            objects.notes.push(format!(
                "{} more objects embedded by OLE not read",
                storages.len() - index
            ));
            break;
        }
        if reader.started.elapsed() > limits.max_attachment_time {
            objects.notes.push(format!(
                "{} objects embedded by OLE not read: the time limit of {} ms was reached",
                storages.len() - index,
                limits.max_attachment_time.as_millis()
            ));
            break;
        }
        let name = dir.trim_start_matches('/');
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            reader.object(file, dir, name, &mut objects);
        }));
        if read.is_err() {
            objects
                .notes
                .push(format!("{name}: the compound file reader failed on it"));
            break;
        }
    }
    objects.notes = bounded(
        std::mem::take(&mut objects.notes),
        "on the objects embedded by OLE",
    );
    Some((objects, reader.budget))
}

/// [`storages`] at the root of the file.
fn storages_at_root(file: &File<'_>, prefix: &str) -> Vec<String> {
    storages(file, "", prefix)
}

/// Reads messages within the budget and the clock.
struct Reader<'l> {
    budget: u64,
    /// Bytes the pictures of RTF bodies kept for OCR may still take.
    pictures_budget: u64,
    limits: &'l Limits,
    started: Instant,
}

/// A compound file being read from an attachment's bytes.
pub(super) type File<'b> = CompoundFile<Cursor<&'b [u8]>>;

/// The compound file in `bytes`; none where they are not one the reader opens (a panic in it on a
/// hostile file is caught).
pub(super) fn open(bytes: &[u8]) -> Option<File<'_>> {
    std::panic::catch_unwind(|| CompoundFile::open(Cursor::new(bytes)))
        .ok()?
        .ok()
}

impl<'l> Reader<'l> {
    /// A reader with the whole decompression budget, its clock started now.
    fn new(limits: &'l Limits) -> Self {
        Reader {
            budget: limits.max_decompressed_bytes as u64,
            pictures_budget: limits.max_decompressed_bytes as u64,
            limits,
            started: Instant::now(),
        }
    }

    /// The message in the storage at `dir` (`""` for the root), whose properties stream has a
    /// header of `header` bytes (32 for the root, 24 for an attached message).
    fn message(&mut self, file: &mut File<'_>, dir: &str, header: usize, depth: usize) -> Outlook {
        let mut message = Outlook::default();
        let properties = self.stream(file, &format!("{dir}/{PROPERTIES}"), &mut message.notes);
        let fixed = fixed_properties(properties.as_deref().unwrap_or_default(), header);
        let from = self.address(
            file,
            dir,
            ["0C1A", "0042"],
            ["5D01", "0C1F", "5D02", "0065"],
            &mut message.notes,
        );
        let mut lists: [Vec<String>; 3] = Default::default();
        let recipients: Vec<String> = storages(file, dir, "__recip_version1.0_#");
        for storage in recipients {
            let path = format!("{dir}/{storage}");
            let props = self.stream(file, &format!("{path}/{PROPERTIES}"), &mut message.notes);
            let kind = fixed_properties(props.as_deref().unwrap_or_default(), 8)
                .iter()
                .find(|(tag, _)| *tag == 0x0C15_0003)
                .map_or(1, |(_, value)| *value as u32);
            let written = self.address(
                file,
                &path,
                ["3001", "3001"],
                ["39FE", "3003", "5FF6", "3003"],
                &mut message.notes,
            );
            if let (Some(written), Some(list)) =
                (written, lists.get_mut(kind.wrapping_sub(1) as usize))
            {
                list.push(written);
            }
        }
        if let Some(from) = from {
            message.headers.push(("From", from));
        }
        let shown = ["0E04", "0E03", "0E02"];
        for ((name, list), shown) in ["To", "Cc", "Bcc"].into_iter().zip(lists).zip(shown) {
            if !list.is_empty() {
                message.headers.push((name, list.join(", ")));
            } else if let Some(names) = self.string(file, dir, shown, &mut message.notes)
                && !names.trim().is_empty()
            {
                // No recipient table (a draft, a message saved by another program): the names
                // Outlook shows.
                message.headers.push((name, names.replace(';', ",")));
            }
        }
        if let Some(subject) = self.string(file, dir, "0037", &mut message.notes) {
            message.headers.push(("Subject", subject));
        }
        let sent = fixed
            .iter()
            .find(|(tag, _)| matches!(*tag, 0x0039_0040 | 0x0E06_0040))
            .and_then(|(_, value)| filetime(*value));
        if let Some(sent) = sent {
            message.headers.push(("Date", sent));
        }
        message.body = self
            .string(file, dir, "1000", &mut message.notes)
            .filter(|body| !body.trim().is_empty());
        if message.body.is_none() {
            message.html = self
                .binary(file, dir, "1013", &mut message.notes)
                .or_else(|| {
                    self.string(file, dir, "1013", &mut message.notes)
                        .map(String::into_bytes)
                })
                .map(|html| super::rtf::windows_1252(&html));
        }
        // The RTF body is read for its pictures whatever other body there is: Outlook keeps a
        // plain body beside it, without them. Read for them alone, one past what is left of the
        // budget is passed over, noted, rather than taking the rest the attachments need.
        let other_body = message.body.is_some() || message.html.is_some();
        let rtf_size = file
            .entry(format!("{dir}/__substg1.0_10090102"))
            .ok()
            .filter(|entry| entry.is_stream())
            .map(|entry| entry.len());
        let compressed = match rtf_size {
            Some(size) if other_body && size > self.budget => {
                message.notes.push(format!(
                    "the pictures of its RTF body are not read: its {size} bytes are past what is left of the decompression limit of {} bytes",
                    self.limits.max_decompressed_bytes
                ));
                None
            }
            Some(_) => self.binary(file, dir, "1009", &mut message.notes),
            None => None,
        };
        if let Some(compressed) = compressed {
            match super::rtf::decompress(&compressed, self.limits.max_decompressed_bytes) {
                Ok(rtf) => {
                    if !other_body {
                        message.body = Some(super::rtf::to_text(&rtf));
                    }
                    self.pictures(&rtf, &mut message);
                }
                Err(error) if other_body => message.notes.push(format!(
                    "the pictures of its RTF body are not read: {error}"
                )),
                Err(error) => message
                    .notes
                    .push(format!("its RTF body is not read: {error}")),
            }
        }
        let attachments = storages(file, dir, "__attach_version1.0_#");
        for (index, storage) in attachments.iter().enumerate() {
            if index >= self.limits.max_attachments {
                message.notes.push(format!(
                    "{} more attachments not read",
                    attachments.len() - index
                ));
                break;
            }
            if self.started.elapsed() > self.limits.max_attachment_time {
                message.notes.push(format!(
                    "{} attachments not read: the time limit of {} ms was reached",
                    attachments.len() - index,
                    self.limits.max_attachment_time.as_millis()
                ));
                break;
            }
            let path = format!("{dir}/{storage}");
            let name = ["3707", "3704", "3001"]
                .iter()
                .find_map(|id| self.string(file, &path, id, &mut message.notes))
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| format!("attachment {}", index + 1));
            let inner = format!("{path}/{EMBEDDED}");
            if file.is_storage(&inner) && file.is_stream(format!("{inner}/{PROPERTIES}")) {
                if depth + 1 >= MAX_DEPTH {
                    message.notes.push(format!(
                        "{name}: a message attached more than {MAX_DEPTH} deep is not read"
                    ));
                    continue;
                }
                let inner = self.message(file, &inner, 24, depth + 1);
                message.attachments.push(Attached::Message {
                    name,
                    message: Box::new(inner),
                });
                continue;
            }
            if file.is_storage(&inner) {
                // Not a message: an object embedded by OLE (`ATTACH_OLE`).
                self.object(file, &inner, &name, &mut message);
                continue;
            }
            let data_path = format!("{path}/__substg1.0_37010102");
            let size = file.entry(&data_path).map(|entry| entry.len()).ok();
            match size {
                None => message
                    .notes
                    .push(format!("{name}: no data (an object or a link); not read")),
                Some(size) if size > self.limits.max_attachment_bytes as u64 => {
                    message.notes.push(format!(
                        "{name}: {size} bytes, larger than the {} byte extraction limit; not read",
                        self.limits.max_attachment_bytes
                    ));
                }
                Some(_) => {
                    if let Some(data) = self.stream(file, &data_path, &mut message.notes) {
                        let mime = self.string(file, &path, "370E", &mut message.notes);
                        message
                            .attachments
                            .push(Attached::File { name, mime, data });
                    }
                }
            }
        }
        message
    }

    /// The object embedded by OLE in the storage at `dir` (an attachment named `name`), added to
    /// `message` as a file where it is one read ([`ole_object`]): a Package's file with its
    /// name; else a bitmap, its content or else its presentation, as a BMP file (read by OCR as
    /// an image attachment is). Noted where it is neither, or past a limit.
    fn object(&mut self, file: &mut File<'_>, dir: &str, name: &str, message: &mut Outlook) {
        let comp_obj = format!("{dir}/{}", ole_object::COMP_OBJ);
        let kind = file
            .entry(&comp_obj)
            .ok()
            .filter(|entry| entry.is_stream() && entry.len() <= 4096)
            .and_then(|_| self.stream(file, &comp_obj, &mut message.notes))
            .and_then(|bytes| ole_object::user_type(&bytes));
        let what = match &kind {
            Some(kind) => format!("an object embedded by OLE ({kind})"),
            None => "an object embedded by OLE".to_owned(),
        };
        let mut why = None;
        let native = format!("{dir}/{}", ole_object::NATIVE);
        if file.is_stream(&native) {
            let Some(bytes) = self.object_stream(file, &native, name, &what, message) else {
                return;
            };
            match ole_object::package(&bytes) {
                Ok(package) => {
                    message.attachments.push(Attached::File {
                        name: package.name.unwrap_or_else(|| name.to_owned()),
                        mime: None,
                        data: package.data,
                    });
                    return;
                }
                // Paintbrush keeps a BMP file as its native data.
                Err(_) if let Some(bmp) = bytes.get(4..).and_then(ole_object::contents_bitmap) => {
                    push_bitmap(message, name, bmp);
                    return;
                }
                Err(reason) => why = Some(reason),
            }
        }
        if self.document(file, dir, name, &what, message) {
            return;
        }
        // An Office Open XML document embedded in a binary one: its zip in `Package`.
        let packaged = format!("{dir}/{}", ole_object::PACKAGE);
        if file.is_stream(&packaged) {
            if let Some(data) = self.object_stream(file, &packaged, name, &what, message) {
                message.attachments.push(Attached::File {
                    name: name.to_owned(),
                    mime: None,
                    data,
                });
            }
            return;
        }
        let contents = format!("{dir}/{}", ole_object::CONTENTS);
        if file.is_stream(&contents) {
            let Some(bytes) = self.object_stream(file, &contents, name, &what, message) else {
                return;
            };
            if let Some(bmp) = ole_object::contents_bitmap(&bytes) {
                push_bitmap(message, name, bmp);
                return;
            }
            // A file kept as the object's content (a PDF in Acrobat's object), read by its
            // content as it would be attached.
            if ole_object::is_file(&bytes) {
                message.attachments.push(Attached::File {
                    name: name.to_owned(),
                    mime: None,
                    data: bytes,
                });
                return;
            }
        }
        let mut presentations: Vec<String> = file
            .read_storage(dir)
            .map(|entries| {
                entries
                    .filter(|entry| {
                        entry.is_stream() && entry.name().starts_with(ole_object::PRESENTATION)
                    })
                    .map(|entry| entry.name().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        presentations.sort();
        let mut metafile = false;
        for stream in presentations.iter().take(ole_object::MAX_PRESENTATIONS) {
            let path = format!("{dir}/{stream}");
            let Some(bytes) = self.object_stream(file, &path, name, &what, message) else {
                return;
            };
            match ole_object::presentation(&bytes) {
                ole_object::Presentation::Bitmap(bmp) => {
                    push_bitmap(message, name, bmp);
                    return;
                }
                ole_object::Presentation::Metafile => metafile = true,
                ole_object::Presentation::Other(reason) => {
                    why.get_or_insert(format!("its presentation: {reason}"));
                }
            }
        }
        let why = match (why, metafile) {
            (Some(why), _) => why,
            (None, true) => "it is shown as a metafile, which OCR does not read".to_owned(),
            (None, false) => "it holds no file or bitmap that is read".to_owned(),
        };
        message
            .notes
            .push(format!("{name}: {what} is not read: {why}"));
    }

    /// Whether the object embedded by OLE in the storage at `dir` is a Word document, an Excel
    /// workbook or a PowerPoint presentation ([`ole_object::DOCUMENT_STREAMS`]): if so, its
    /// streams copied into a compound file of its own are added to `message` as a file named
    /// `name`, read as one attached is, or what kept it from being copied is noted.
    fn document(
        &mut self,
        file: &mut File<'_>,
        dir: &str,
        name: &str,
        what: &str,
        message: &mut Outlook,
    ) -> bool {
        let is_document = ole_object::DOCUMENT_STREAMS
            .iter()
            .any(|stream| file.is_stream(format!("{dir}/{stream}")));
        if !is_document {
            return false;
        }
        // The storage itself first, then what is in it, each storage before what it holds.
        let entries: Vec<(std::path::PathBuf, bool, u64)> = match file.walk_storage(dir) {
            Ok(entries) => entries
                .take(ole_object::MAX_ENTRIES + 1)
                .map(|entry| (entry.path().to_owned(), entry.is_storage(), entry.len()))
                .collect(),
            Err(error) => {
                message
                    .notes
                    .push(format!("{name}: {what} is not read: {error}"));
                return true;
            }
        };
        if entries.len() > ole_object::MAX_ENTRIES {
            message.notes.push(format!(
                "{name}: {what} is not read: it holds more than {} streams and storages",
                ole_object::MAX_ENTRIES
            ));
            return true;
        }
        let size: u64 = entries
            .iter()
            .filter(|(_, is_storage, _)| !is_storage)
            .map(|(_, _, len)| len)
            .sum();
        if size > self.limits.max_attachment_bytes as u64 || size > self.budget {
            message.notes.push(format!(
                "{name}: {what} of {size} bytes is over the {} byte extraction limit or past what is left of the decompression limit of {} bytes; not read",
                self.limits.max_attachment_bytes, self.limits.max_decompressed_bytes
            ));
            return true;
        }
        match self.copy(file, dir, &entries, &mut message.notes) {
            Ok(data) => message.attachments.push(Attached::File {
                name: name.to_owned(),
                mime: None,
                data,
            }),
            Err(error) => message
                .notes
                .push(format!("{name}: {what} is not read: {error}")),
        }
        true
    }

    /// The `entries` of the storage at `dir` written as a compound file of their own.
    fn copy(
        &mut self,
        file: &mut File<'_>,
        dir: &str,
        entries: &[(std::path::PathBuf, bool, u64)],
        notes: &mut Vec<String>,
    ) -> Result<Vec<u8>, String> {
        let mut copy = CompoundFile::create(Cursor::new(Vec::new()))
            .map_err(|error| format!("it could not be copied: {error}"))?;
        for (path, is_storage, _) in entries {
            let Ok(inside) = path.strip_prefix(dir) else {
                continue;
            };
            if inside.as_os_str().is_empty() {
                continue;
            }
            let to = std::path::Path::new("/").join(inside);
            let written = if *is_storage {
                copy.create_storage(&to)
            } else {
                let Some(bytes) = self.stream(file, &path.to_string_lossy(), notes) else {
                    return Err("a stream of it could not be read".to_owned());
                };
                copy.create_stream(&to)
                    .and_then(|mut stream| stream.write_all(&bytes))
            };
            written.map_err(|error| format!("it could not be copied: {error}"))?;
        }
        copy.flush()
            .map_err(|error| format!("it could not be copied: {error}"))?;
        Ok(copy.into_inner().into_inner())
    }

    /// A stream of an object embedded by OLE, within the attachment size limit and what is left
    /// of the budget: one past either is noted and passed over, the budget left to the rest.
    fn object_stream(
        &mut self,
        file: &mut File<'_>,
        path: &str,
        name: &str,
        what: &str,
        message: &mut Outlook,
    ) -> Option<Vec<u8>> {
        let size = file.entry(path).map(|entry| entry.len()).unwrap_or(0);
        if size > self.limits.max_attachment_bytes as u64 {
            message.notes.push(format!(
                "{name}: {what} of {size} bytes, larger than the {} byte extraction limit; not read",
                self.limits.max_attachment_bytes
            ));
            return None;
        }
        if size > self.budget {
            message.notes.push(format!(
                "{name}: {what} of {size} bytes is past what is left of the decompression limit of {} bytes; not read",
                self.limits.max_decompressed_bytes
            ));
            return None;
        }
        self.stream(file, path, &mut message.notes)
    }

    /// The pictures of the RTF body `rtf` read by OCR into `message` (its pictures' text, and
    /// notes), as an RTF attachment's are: at most [`super::ocr::MAX_DOCUMENT_IMAGES`] of them,
    /// within what is left of the pictures' share of the decompression limit (one for the whole
    /// file, the messages attached to it too) and the time limit on the file's clock.
    fn pictures(&mut self, rtf: &[u8], message: &mut Outlook) {
        let mut found = Pictures::new(self.pictures_budget);
        super::rtf::pictures(rtf, &mut found);
        self.pictures_budget = found.room();
        let (text, notes) = found.read_apart(RTF_BODY, self.limits, self.started);
        message.pictures = text;
        message.notes.extend(notes);
    }

    /// An address as `Name <address>` from the first name property and the first address
    /// property that holds an `@` (an Exchange address, `/O=…`, is not one).
    fn address(
        &mut self,
        file: &mut File<'_>,
        dir: &str,
        names: [&str; 2],
        addresses: [&str; 4],
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let name = names
            .iter()
            .find_map(|id| self.string(file, dir, id, notes))
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let address = addresses
            .iter()
            .find_map(|id| {
                self.string(file, dir, id, notes)
                    .filter(|a| a.contains('@'))
            })
            .map(|address| address.trim().to_owned());
        match (name, address) {
            (Some(name), Some(address)) if name != address => {
                Some(format!("{} <{address}>", quoted_name(&name)))
            }
            (_, Some(address)) => Some(address),
            (Some(name), None) => Some(quoted_name(&name)),
            (None, None) => None,
        }
    }

    /// A string property of the storage at `dir`: Unicode (`001F`) or 8-bit (`001E`).
    fn string(
        &mut self,
        file: &mut File<'_>,
        dir: &str,
        id: &str,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let unicode = format!("{dir}/__substg1.0_{id}001F");
        if file.is_stream(&unicode) {
            let bytes = self.stream(file, &unicode, notes)?;
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            let text = String::from_utf16_lossy(&units);
            return Some(text.trim_end_matches('\0').to_owned());
        }
        let eight = format!("{dir}/__substg1.0_{id}001E");
        if file.is_stream(&eight) {
            let bytes = self.stream(file, &eight, notes)?;
            return Some(
                super::rtf::windows_1252(&bytes)
                    .trim_end_matches('\0')
                    .to_owned(),
            );
        }
        None
    }

    /// A binary property (`0102`) of the storage at `dir`.
    fn binary(
        &mut self,
        file: &mut File<'_>,
        dir: &str,
        id: &str,
        notes: &mut Vec<String>,
    ) -> Option<Vec<u8>> {
        let path = format!("{dir}/__substg1.0_{id}0102");
        file.is_stream(&path)
            .then(|| self.stream(file, &path, notes))
            .flatten()
    }

    /// A stream's bytes, within what is left of the budget; none (noted) where it cannot be read
    /// or would overrun the budget.
    fn stream(
        &mut self,
        file: &mut File<'_>,
        path: &str,
        notes: &mut Vec<String>,
    ) -> Option<Vec<u8>> {
        let mut stream = file.open_stream(path).ok()?;
        let len = stream.len();
        if len > self.budget {
            notes.push(format!(
                "{} is past what is left of the decompression limit of {} bytes; not read",
                path.rsplit('/').next().unwrap_or(path),
                self.limits.max_decompressed_bytes
            ));
            self.budget = 0;
            return None;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        if let Err(error) = stream.read_to_end(&mut bytes) {
            notes.push(format!("{path} could not be read: {error}"));
            return None;
        }
        self.budget = self.budget.saturating_sub(bytes.len() as u64);
        Some(bytes)
    }
}

/// A bitmap of an object embedded by OLE attached to `message` as a BMP file named `name`.
fn push_bitmap(message: &mut Outlook, name: &str, bmp: Vec<u8>) {
    message.attachments.push(Attached::File {
        name: name.to_owned(),
        mime: Some("image/bmp".to_owned()),
        data: bmp,
    });
}

/// The names of the storages directly in `dir` that start with `prefix`, in name order (the
/// recipients' and attachments' numbers are written in hexadecimal of fixed width).
fn storages(file: &File<'_>, dir: &str, prefix: &str) -> Vec<String> {
    let path = if dir.is_empty() { "/" } else { dir };
    let Ok(entries) = file.read_storage(path) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter(|entry| entry.is_storage() && entry.name().starts_with(prefix))
        .map(|entry| entry.name().to_owned())
        .collect();
    names.sort();
    names
}

/// The fixed-length properties of a properties stream after its `header` bytes: each entry's
/// tag (property id and type) and its 8-byte value.
fn fixed_properties(stream: &[u8], header: usize) -> Vec<(u32, u64)> {
    stream
        .get(header..)
        .unwrap_or_default()
        .chunks_exact(16)
        .map(|entry| {
            let tag = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
            let mut value = [0u8; 8];
            value.copy_from_slice(&entry[8..16]);
            (tag, u64::from_le_bytes(value))
        })
        .collect()
}

/// A FILETIME (100-nanosecond intervals since 1601) as an RFC 5322 date.
fn filetime(value: u64) -> Option<String> {
    const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;
    let since_unix = value.checked_sub(UNIX_EPOCH_FILETIME)? / 10_000_000;
    let seconds = i64::try_from(since_unix).ok()?;
    let time = chrono::DateTime::from_timestamp(seconds, 0)?;
    Some(time.to_rfc2822())
}

/// A display name as a header writes it: quoted where it holds a character that would end it.
fn quoted_name(name: &str) -> String {
    if name.contains([',', ';', '<', '>', '"', '@', ':', '(', ')']) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_owned()
    }
}

/// `message` as a MIME message: its headers, its body (plain, else HTML), and its attachments,
/// attached messages as `message/rfc822` parts. Everything but the headers is base64, so no
/// boundary (`=_probity_msg_DEPTH`, which base64 never holds) can appear in it.
pub(crate) fn to_mime(message: &Outlook) -> Vec<u8> {
    mime_at(message, 0)
}

fn mime_at(message: &Outlook, depth: usize) -> Vec<u8> {
    let boundary = format!("=_probity_msg_{depth}");
    let mut out = String::new();
    for (name, value) in &message.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&header_value(name, value));
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
    ));
    // The text OCR read in the pictures of its RTF body goes after a plain body, in its part;
    // after an HTML one, or where there is none, in a plain-text part of its own.
    let plain_with_pictures = match (&message.body, &message.pictures) {
        (Some(body), Some(pictures)) => Some(format!("{}\n\n{pictures}", body.trim_end())),
        (Some(body), None) => Some(body.clone()),
        (None, _) => None,
    };
    let mut parts: Vec<(&str, &str)> = Vec::new();
    match (&plain_with_pictures, &message.html) {
        (Some(body), _) => parts.push(("text/plain", body)),
        (None, Some(html)) => parts.push(("text/html", html)),
        (None, None) => {}
    }
    if plain_with_pictures.is_none()
        && let Some(pictures) = &message.pictures
    {
        parts.push(("text/plain", pictures));
    }
    for (kind, text) in parts {
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: {kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        out.push_str(&base64_lines(text.as_bytes()));
    }
    let mut bytes = out.into_bytes();
    for attached in &message.attachments {
        match attached {
            Attached::File { name, mime, data } => {
                let mime = mime
                    .as_deref()
                    .filter(|mime| {
                        mime.contains('/')
                            && mime.is_ascii()
                            && !mime.contains(['"', ';', '\r', '\n'])
                    })
                    .unwrap_or("application/octet-stream");
                let name = encoded_word(name);
                bytes.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Type: {mime}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                        base64_lines(data)
                    )
                    .as_bytes(),
                );
            }
            Attached::Message { name, message } => {
                let name = encoded_word(name);
                bytes.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Type: message/rfc822; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n"
                    )
                    .as_bytes(),
                );
                bytes.extend_from_slice(&mime_at(message, depth + 1));
                bytes.extend_from_slice(b"\r\n");
            }
        }
    }
    bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    bytes
}

/// A header value as written: ASCII as it is (line breaks taken out), anything else as RFC 2047
/// encoded words (an address list's display names alone, so that its addresses stay readable).
fn header_value(name: &str, value: &str) -> String {
    let flat = value.replace(['\r', '\n'], " ");
    if flat.is_ascii() {
        return flat;
    }
    if matches!(name, "From" | "To" | "Cc" | "Bcc") {
        return flat
            .split(", ")
            .map(|one| match one.rsplit_once(" <") {
                Some((display, address)) if address.is_ascii() => {
                    format!("{} <{address}", encoded_word(display.trim_matches('"')))
                }
                _ => encoded_word(one),
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    encoded_word(&flat)
}

/// `text` as one RFC 2047 encoded word (UTF-8, base64) where it is not ASCII.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        return text.replace(['"', '\r', '\n'], " ");
    }
    format!(
        "=?utf-8?b?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

/// `bytes` in base64, 76 characters a line.
fn base64_lines(bytes: &[u8]) -> String {
    crate::mail::transfer::base64_lines(bytes, "\r\n")
}

/// How many notes of an Outlook message are kept, one more saying how many are left out: of
/// the message itself ([`read`]), and of the messages attached inside it ([`nested_notes`]).
pub(crate) const MAX_NOTES: usize = 64;

/// Notes kept to [`MAX_NOTES`], those past it counted.
#[derive(Debug, Default)]
struct Bounded {
    notes: Vec<String>,
    more: usize,
}

impl Bounded {
    /// Keeps the note `note` makes, or counts it (not made) past [`MAX_NOTES`].
    fn push(&mut self, note: impl FnOnce() -> String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note());
        } else {
            self.more += 1;
        }
    }

    /// The notes kept, then one saying how many more there are `whose` (`on the Outlook
    /// message`) where any were left out.
    fn finish(mut self, whose: &str) -> Vec<String> {
        if self.more > 0 {
            self.notes
                .push(format!("{} more notes {whose} are not listed", self.more));
        }
        self.notes
    }
}

/// How many characters of an attached message's name the notes about it are put after.
const NAME_IN_NOTE_CHARS: usize = 200;

/// `notes` bounded as [`Bounded`] bounds them, `whose` naming what they are on.
fn bounded(notes: Vec<String>, whose: &str) -> Vec<String> {
    let mut bounded = Bounded::default();
    for note in notes {
        bounded.push(|| note);
    }
    bounded.finish(whose)
}

/// The notes of the messages attached inside `message`, however deep (what was not read of
/// them: an RTF body, the pictures in it, a file over the size limit, a message too deep), each
/// after the names of the attachments it is in, outermost first (`inner: deeper: its RTF body is
/// not read: …`), as the notes on an attached message's attachments are named; message by
/// message in the order they are attached, each one's before those of the messages attached to
/// it. At most [`MAX_NOTES`], then one saying how many more there are.
pub(crate) fn nested_notes(message: &Outlook) -> Vec<String> {
    fn attached<'m>(message: &'m Outlook, prefix: &str) -> Vec<(String, &'m Outlook)> {
        let mut found: Vec<(String, &Outlook)> = message
            .attachments
            .iter()
            .filter_map(|attached| match attached {
                Attached::Message { name, message } => {
                    Some((format!("{prefix}{}: ", name_in_note(name)), &**message))
                }
                Attached::File { .. } => None,
            })
            .collect();
        // Taken from the end of the stack: the first attached first.
        found.reverse();
        found
    }
    let mut notes = Bounded::default();
    let mut stack = attached(message, "");
    while let Some((prefix, inner)) = stack.pop() {
        for note in &inner.notes {
            notes.push(|| format!("{prefix}{note}"));
        }
        stack.extend(attached(inner, &prefix));
    }
    notes.finish("on the messages attached inside the Outlook message")
}

/// An attached message's name as the notes about it are put after: its first
/// [`NAME_IN_NOTE_CHARS`] characters, on one line.
fn name_in_note(name: &str) -> String {
    let flat = name.replace(['\r', '\n'], " ");
    match flat.char_indices().nth(NAME_IN_NOTE_CHARS) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// `message` written as text for a reader outside the mail decoder (a `.msg` in a zip or a
/// TNEF): a header block as a forwarded message has one (so that the exclusions find its
/// parties in it), its body, then its attachments each under a line naming it. Its notes, and
/// those of the messages attached inside it ([`nested_notes`]), are the attachment's, and so are
/// the notes on the files in them, [`MAX_NOTES`] at most, then one saying how many more.
pub(super) fn write_text(message: &Outlook, out: &mut TextOut<'_>, depth: usize) {
    for note in message.notes.iter().chain(&nested_notes(message)) {
        out.note(note.clone());
    }
    let from = out.notes_len();
    // Its files, and those of the messages attached inside it, share its decompression budget.
    let start = out.limits.max_decompressed_bytes as u64;
    let mut budget = start;
    write_message(message, out, depth, &mut budget);
    out.spend(start.saturating_sub(budget));
    // The notes on its files (one each, up to `max_attachments` a message) are bounded as its
    // own are.
    let mut notes = Bounded::default();
    for note in out.notes.split_off(from) {
        notes.push(|| note);
    }
    out.notes
        .extend(notes.finish("on the files in the Outlook message"));
}

/// [`write_text`] but for the notes of the Outlook reader: the notes made reading the files of
/// an attached message are put after its name. Its files are read within `budget`, what is left
/// of the attachment's decompression budget.
fn write_message(message: &Outlook, out: &mut TextOut<'_>, depth: usize, budget: &mut u64) {
    for (name, value) in &message.headers {
        out.push(name);
        out.push(": ");
        out.push(&value.replace(['\r', '\n'], " "));
        out.push("\n");
    }
    out.push("\n");
    if let Some(body) = &message.body {
        out.push(body.trim());
    } else if let Some(html) = &message.html {
        out.push(crate::html::to_text(html).trim());
    }
    if let Some(pictures) = &message.pictures {
        if !out.text.ends_with('\n') {
            out.push("\n\n");
        }
        out.push(pictures);
    }
    for attached in &message.attachments {
        if out.is_full() || out.out_of_time("before an attachment of the Outlook message") {
            return;
        }
        match attached {
            Attached::File { name, mime, data } => {
                write_file(
                    name,
                    mime.as_deref(),
                    data,
                    "in the Outlook message",
                    out,
                    budget,
                    depth,
                );
            }
            Attached::Message { name, message } => {
                out.push("\n\n[attachment ");
                out.push(name);
                out.push("]\n");
                let from = out.notes_len();
                write_message(message, out, depth + 1, budget);
                out.prefix_notes_from(from, &format!("{}: ", name_in_note(name)));
            }
        }
    }
}

/// The file `name` of `data` found in a message or an object (`place`: `in the Outlook
/// message`), read within `budget` (what is left of the attachment's decompression budget,
/// less what reading it decompressed after) as an attachment `depth + 1` files deep into `out`,
/// under a line naming it; its note after its name and `place`. Where the mail decoder reads the
/// attachment, an `.eml` or `.msg` file (one the Packager wrapped) is read as an attached message
/// is, its parties listed ([`super::MessageReader`]), as one in an archive is.
fn write_file(
    name: &str,
    mime: Option<&str>,
    data: &[u8],
    place: &str,
    out: &mut TextOut<'_>,
    budget: &mut u64,
    depth: usize,
) {
    let input = Input {
        bytes: data,
        mime_type: mime,
        name: Some(name),
        charset: None,
    };
    let (inner, held) = match out.as_message(data, name, *budget) {
        Some(read) => read,
        None => {
            let within = out.limits_within(*budget);
            let kind = super::kind_of(&input);
            super::extract_kind_within(kind, &input, &within, depth + 1, out)
        }
    };
    *budget = budget.saturating_sub(inner.decompressed);
    out.found.add(inner.found);
    if let Some(note) = inner.note {
        out.note(format!("{name} ({place}): {note}"));
    }
    if let Some(read) = inner.text.as_deref()
        && !read.trim().is_empty()
    {
        out.push("\n\n[attachment ");
        out.push(name);
        out.push("]\n");
        out.push_holding(read, held);
    }
}

/// The object read by [`root_object`] or the objects read by [`document_objects`] (from a
/// compound file `depth` files deep) written into `out`: the notes, then each file held read as
/// an attachment, under a line naming it, within `budget` (what reading the objects left of the
/// file's decompression budget, shared by the files), as the objects embedded in a
/// presentation are read within what the presentation left of it. What is left of the budget
/// after them.
pub(super) fn write_object(
    object: &Outlook,
    out: &mut TextOut<'_>,
    depth: usize,
    budget: u64,
) -> u64 {
    for note in &object.notes {
        out.note(note.clone());
    }
    let mut budget = budget.min(out.limits.max_decompressed_bytes as u64);
    for attached in &object.attachments {
        if out.is_full() || out.out_of_time("before the file in an object embedded by OLE") {
            break;
        }
        if let Attached::File { name, mime, data } = attached {
            write_file(
                name,
                mime.as_deref(),
                data,
                "in the object embedded by OLE",
                out,
                &mut budget,
                depth,
            );
        }
    }
    budget
}

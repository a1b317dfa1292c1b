//! TNEF (`winmail.dat`, `application/ms-tnef`): how Outlook and Exchange send a message's rich
//! body and its attachments to a recipient outside Exchange, packed in one attachment. A mail
//! client that does not read TNEF shows only `winmail.dat`, but the files inside are delivered,
//! so a file sent out this way must be read like any other attachment.
//!
//! The stream ([MS-OXTNEF]) is a signature and a key, then attributes: a level (message or
//! attachment), an id, a length, the data and a checksum. Read here: the plain-text body
//! (`attBody`), the message's MAPI properties for a plain or HTML body (`PR_BODY`,
//! `PR_BODY_HTML`), a body held only as compressed RTF (`PR_RTF_COMPRESSED`, read by
//! [`super::rtf`]), and each attachment's title, long file name and data (its bytes, or an
//! object's storage, read as its compound file); an attachment embedded
//! by OLE (its rendering data says so) is carried as an OLE 1 object, and the file in it is read
//! ([`embedded`]); where it holds none that is read, or the file it holds gives no text (a
//! scanned page in a Word document), the picture shown for it is, where it is a bitmap (by OCR,
//! as a BMP image attached), else noted ([`ole_object::ole1_presentation`]). The pictures of the RTF body (a screenshot pasted into the message) are read
//! by OCR whatever other body there is, as an RTF document's are ([`super::pictures`]), after
//! the body. Where the mail decoder reads the TNEF, an `.eml` or `.msg` file among its
//! attachments, or wrapped by the Packager in one, is read as an attached message is, so that
//! its parties are listed ([`super::MessageReader`]). Every length is checked against the
//! stream; nothing here allocates more than the stream holds.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;

use super::ole_object;
use super::pictures::Pictures;
use super::{Input, Kind, TextOut, extract_kind, kind_of};

/// The stream's first four bytes (`0x223E9F78`, little-endian).
pub(super) const SIGNATURE: &[u8] = &[0x78, 0x9f, 0x3e, 0x22];

const LEVEL_MESSAGE: u8 = 1;
const ATT_BODY: u32 = 0x0002_800c;
const ATT_MAPI_PROPS: u32 = 0x0006_9003;
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
const ATT_ATTACH_DATA: u32 = 0x0006_800f;
const ATT_ATTACHMENT: u32 = 0x0006_9005;

/// The rendering data's type of an attachment embedded by OLE (a file's is 1).
const ATTACH_TYPE_OLE: u16 = 2;

const PR_BODY: u16 = 0x1000;
const PR_RTF_COMPRESSED: u16 = 0x1009;
const PR_BODY_HTML: u16 = 0x1013;
const PR_ATTACH_DATA_OBJ: u16 = 0x3701;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;

const PT_STRING8: u16 = 0x001e;
const PT_UNICODE: u16 = 0x001f;
const PT_BINARY: u16 = 0x0102;
const PT_OBJECT: u16 = 0x000d;
const MV_FLAG: u16 = 0x1000;

/// One attachment inside the stream.
#[derive(Debug, Default)]
struct Packed<'a> {
    title: Option<String>,
    long_name: Option<String>,
    data: Option<&'a [u8]>,
    /// Whether its rendering data says it is an object embedded by OLE, its data an OLE 1
    /// object ([`ole_object::ole1`]).
    ole: bool,
}

/// What the stream holds.
#[derive(Debug, Default)]
struct Stream<'a> {
    body: Option<String>,
    html: Option<String>,
    /// `PR_RTF_COMPRESSED`, read where there is no plain or HTML body.
    rtf: Option<&'a [u8]>,
    attachments: Vec<Packed<'a>>,
    /// Where the stream stops making sense, if it does.
    damaged: Option<String>,
}

/// Reads a TNEF stream into `out`: the body, the text OCR read in the pictures of its RTF body
/// (each under a line `[image N]`), then each attachment's text under a line naming it
/// (`[attachment NAME]`), as an attached message's attachments are shown; notes name what could
/// not be read. Attachments inside are read as files (a TNEF inside a TNEF is not opened).
pub(super) fn extract(bytes: &[u8], out: &mut TextOut<'_>) {
    let stream = read(bytes);
    let limits = out.limits;
    let other_body = stream.body.as_deref().or(stream.html.as_deref());
    if let Some(body) = other_body {
        out.push(body.trim());
    }
    // The RTF body is read for its pictures whatever other body there is: Outlook keeps a
    // plain body beside it, without them.
    if let Some(compressed) = stream.rtf {
        match super::rtf::decompress(compressed, limits.max_decompressed_bytes) {
            Ok(rtf) => {
                if other_body.is_none() {
                    out.push(&super::rtf::to_text(&rtf));
                }
                let mut found = Pictures::new(limits.max_decompressed_bytes as u64);
                super::rtf::pictures(&rtf, &mut found);
                found.read("RTF body of the TNEF", out);
            }
            Err(error) if other_body.is_some() => out.note(format!(
                "the pictures of the TNEF's RTF body are not read: {error}"
            )),
            Err(error) => out.note(format!("the TNEF's RTF body is not read: {error}")),
        }
    }
    // The attachments inside it, and the messages among them, share its decompression budget.
    let mut budget = limits.max_decompressed_bytes as u64;
    for (index, packed) in stream.attachments.iter().enumerate() {
        if index >= limits.max_attachments {
            out.note(format!(
                "{} more attachments inside the TNEF not read",
                stream.attachments.len() - index
            ));
            break;
        }
        if out.is_full() || out.out_of_time("before an attachment inside the TNEF") {
            break;
        }
        let name = packed
            .long_name
            .clone()
            .or_else(|| packed.title.clone())
            .unwrap_or_else(|| format!("part {}", index + 1));
        let Some(data) = packed.data else {
            out.note(format!("{name} inside the TNEF has no data"));
            continue;
        };
        // The picture shown for an object whose file is read, read where the file gives no
        // text (a scanned page in a Word document, an image OCR is to read).
        let mut shown = None;
        // Where the data does not start as an OLE 1 object, it is read as it is.
        let (name, data) = match packed.ole.then(|| embedded(data)).flatten() {
            Some(Ok((inner_name, file))) => {
                shown = ole_object::ole1(data)
                    .and_then(Result::ok)
                    .and_then(|object| ole_object::ole1_presentation(object.presentation));
                (inner_name.unwrap_or(name), file)
            }
            Some(Err(reason)) => {
                let not_read = format!(
                    "{name} inside the TNEF: an object embedded by OLE is not read: {reason}"
                );
                // The picture shown for it, where its native data is not read: the words of an
                // equation, a chart or a scanned page may be in it.
                let shown = ole_object::ole1(data)
                    .and_then(Result::ok)
                    .and_then(|object| ole_object::ole1_presentation(object.presentation));
                match shown {
                    Some(ole_object::Presentation::Bitmap(bmp)) => {
                        out.note(format!(
                            "{not_read}; the picture shown for it is read instead"
                        ));
                        (name, Cow::Owned(bmp))
                    }
                    Some(ole_object::Presentation::Metafile) => {
                        out.note(format!(
                            "{not_read}; the picture shown for it is a metafile, which OCR does not read"
                        ));
                        continue;
                    }
                    Some(ole_object::Presentation::Other(why)) => {
                        out.note(format!(
                            "{not_read}; the picture shown for it is not read: {why}"
                        ));
                        continue;
                    }
                    None => {
                        out.note(not_read);
                        continue;
                    }
                }
            }
            None => (name, Cow::Borrowed(data)),
        };
        let data = &*data;
        let input = Input {
            bytes: data,
            mime_type: None,
            name: Some(&name),
            charset: None,
        };
        let kind = kind_of(&input);
        let too_large = data.len() > limits.max_attachment_bytes;
        // An `.eml` or `.msg` (attached, or wrapped by the Packager), where the mail decoder
        // reads the TNEF: read as an attached message is, its parties listed.
        let as_message = match kind {
            Kind::Tnef => None,
            _ if too_large => None,
            _ => out.as_message(data, &name, budget),
        };
        let (inner, held) = match (as_message, kind) {
            (Some(read), _) => read,
            (None, Kind::Tnef) => (
                super::Extracted::note("a TNEF inside a TNEF is not read".to_owned()),
                Vec::new(),
            ),
            (None, _) if too_large => (
                super::Extracted::note(format!(
                    "{} bytes, larger than the {} byte extraction limit; text not extracted",
                    data.len(),
                    limits.max_attachment_bytes
                )),
                Vec::new(),
            ),
            (None, kind) => {
                let within = out.limits_within(budget);
                super::extract_kind_within(kind, &input, &within, 0, out)
            }
        };
        budget = budget.saturating_sub(inner.decompressed);
        let gave_text = inner
            .text
            .as_deref()
            .is_some_and(|read| !read.trim().is_empty());
        out.found.add(inner.found);
        if let Some(note) = inner.note {
            out.note(format!("{name} (inside the TNEF): {note}"));
        }
        if let Some(read) = inner.text.as_deref()
            && gave_text
        {
            out.push("\n\n[attachment ");
            out.push(&name);
            out.push("]\n");
            out.push_holding(read, held);
        }
        if !gave_text && let Some(shown) = shown {
            picture_instead(&name, shown, out);
        }
    }
    out.spend((limits.max_decompressed_bytes as u64).saturating_sub(budget));
    if let Some(damage) = stream.damaged {
        out.note(damage);
    }
}

/// The picture shown for an object embedded by OLE (`shown`) whose file, `name`, gave no text:
/// read by OCR under a line naming the file, where it is a bitmap, as an image attached would
/// be; noted where it is not read.
fn picture_instead(name: &str, shown: ole_object::Presentation, out: &mut TextOut<'_>) {
    let gave_none =
        format!("{name} inside the TNEF: the file in the object embedded by OLE gave no text");
    let bmp = match shown {
        ole_object::Presentation::Bitmap(bmp) => bmp,
        ole_object::Presentation::Metafile => {
            out.note(format!(
                "{gave_none}; the picture shown for it is a metafile, which OCR does not read"
            ));
            return;
        }
        ole_object::Presentation::Other(why) => {
            out.note(format!(
                "{gave_none}; the picture shown for it is not read: {why}"
            ));
            return;
        }
    };
    out.note(format!(
        "{gave_none}; the picture shown for it is read instead"
    ));
    let input = Input {
        bytes: &bmp,
        mime_type: Some("image/bmp"),
        name: Some(name),
        charset: None,
    };
    let read = extract_kind(Kind::Image, &input, out.limits);
    if let Some(note) = read.note {
        out.note(format!("{name} (inside the TNEF): {note}"));
    }
    if let Some(text) = read.text.as_deref().map(str::trim)
        && !text.is_empty()
    {
        out.push("\n\n[attachment ");
        out.push(name);
        out.push("]\n");
        out.push(text);
    }
}

/// The file in an object embedded by OLE: its own name where it has one, and its bytes.
type Unwrapped<'d> = (Option<String>, Cow<'d, [u8]>);

/// The file in an attachment embedded by OLE, carried as an OLE 1 object, and its name where it
/// has one of its own: a Package's file; Paintbrush's picture (a BMP file); an object of a
/// later program (a Word document, an Excel workbook), which OLE 1 carries as its compound
/// file. An error saying why for any other; none where the data does not start as an OLE 1
/// object.
fn embedded(data: &[u8]) -> Option<Result<Unwrapped<'_>, String>> {
    Some(ole_object::ole1(data)?.and_then(|object| embedded_file(&object)))
}

/// The file in an OLE 1 object ([`embedded`]).
fn embedded_file<'d>(object: &ole_object::Ole1<'d>) -> Result<Unwrapped<'d>, String> {
    if object.class == "Package" {
        let package = ole_object::package_data(object.native)?;
        return Ok((package.name, Cow::Owned(package.data)));
    }
    if let Some(bmp) = ole_object::contents_bitmap(object.native) {
        return Ok((None, Cow::Owned(bmp)));
    }
    if object.native.starts_with(super::COMPOUND_MAGIC) {
        return Ok((None, Cow::Borrowed(object.native)));
    }
    Err(format!("its class, {}, is not one read", object.class))
}

/// The attributes of a stream (which starts with [`SIGNATURE`]).
fn read(bytes: &[u8]) -> Stream<'_> {
    let mut stream = Stream::default();
    // Signature (4) and key (2).
    let mut at = 6;
    while at < bytes.len() {
        let Some(header) = bytes.get(at..at + 9) else {
            stream.damaged = Some(format!("the TNEF stream is cut short at byte {at}"));
            break;
        };
        let level = header[0];
        let id = u32_at(header, 1);
        let length = u32_at(header, 5) as usize;
        let start = at + 9;
        let Some(data) = start
            .checked_add(length)
            .and_then(|end| bytes.get(start..end))
        else {
            stream.damaged = Some(format!(
                "the TNEF stream is cut short in an attribute at byte {at}"
            ));
            break;
        };
        // Data and a two-byte checksum (not checked: a wrong one does not change the data).
        at = start + length + 2;
        if at > bytes.len() {
            stream.damaged = Some(format!(
                "the TNEF stream is cut short in an attribute's checksum at byte {}",
                start + length
            ));
        }
        match id {
            ATT_BODY if level == LEVEL_MESSAGE => {
                stream.body = Some(ansi(data));
            }
            ATT_MAPI_PROPS if level == LEVEL_MESSAGE => {
                for (property, kind, value) in properties(data) {
                    match (property, kind) {
                        (PR_BODY, PT_UNICODE) => stream.body = Some(utf16(value)),
                        (PR_BODY, PT_STRING8) => stream.body = Some(ansi(value)),
                        (PR_BODY_HTML, PT_UNICODE) => {
                            stream.html = Some(crate::html::to_text(&utf16(value)));
                        }
                        (PR_BODY_HTML, _) => {
                            stream.html = Some(crate::html::to_text(&ansi(value)));
                        }
                        (PR_RTF_COMPRESSED, PT_BINARY) => stream.rtf = Some(value),
                        _ => {}
                    }
                }
            }
            ATT_ATTACH_REND_DATA => stream.attachments.push(Packed {
                ole: data.get(..2) == Some(&ATTACH_TYPE_OLE.to_le_bytes()[..]),
                ..Packed::default()
            }),
            ATT_ATTACH_TITLE => current(&mut stream).title = Some(ansi(data)),
            ATT_ATTACH_DATA => current(&mut stream).data = Some(data),
            ATT_ATTACHMENT => {
                let packed = current(&mut stream);
                for (property, kind, value) in properties(data) {
                    match (property, kind) {
                        (PR_ATTACH_LONG_FILENAME, PT_UNICODE) => {
                            packed.long_name = Some(utf16(value));
                        }
                        (PR_ATTACH_LONG_FILENAME, PT_STRING8) => {
                            packed.long_name = Some(ansi(value))
                        }
                        (PR_ATTACH_DATA_OBJ, PT_BINARY) if packed.data.is_none() => {
                            packed.data = Some(value);
                        }
                        // An object's storage (an attachment embedded by OLE, as Exchange
                        // writes one): the interface it is read by (16 bytes), then its
                        // compound file, read as a file.
                        (PR_ATTACH_DATA_OBJ, PT_OBJECT) if packed.data.is_none() => {
                            packed.data = value.get(16..);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    stream
}

/// The attachment being described: the last one begun, or a new one where the stream gives an
/// attachment attribute before any rendering data.
fn current<'s, 'a>(stream: &'s mut Stream<'a>) -> &'s mut Packed<'a> {
    if stream.attachments.is_empty() {
        stream.attachments.push(Packed::default());
    }
    let last = stream.attachments.len() - 1;
    &mut stream.attachments[last]
}

/// The properties of a MAPI property list: `(id, type, value)` for each single-valued string
/// or binary property (other values are stepped over). Stops where the list is damaged.
fn properties(data: &[u8]) -> Vec<(u16, u16, &[u8])> {
    let mut found = Vec::new();
    let Some(count) = data.get(..4).map(|b| u32_at(b, 0)) else {
        return found;
    };
    let mut at = 4;
    for _ in 0..count {
        let Some(tag) = data.get(at..at + 4) else {
            break;
        };
        let kind = u16::from_le_bytes([tag[0], tag[1]]);
        let id = u16::from_le_bytes([tag[2], tag[3]]);
        at += 4;
        if id >= 0x8000 {
            // A named property: its GUID, then a number or a name.
            let Some(named) = data.get(at..at + 20) else {
                break;
            };
            at += 20;
            if u32_at(named, 16) == 1 {
                let Some(length) = data.get(at..at + 4).map(|b| u32_at(b, 0) as usize) else {
                    break;
                };
                at = match at.checked_add(4 + padded(length)) {
                    Some(next) => next,
                    None => break,
                };
            } else {
                at += 4;
            }
        }
        let multi = kind & MV_FLAG != 0;
        let base = kind & !MV_FLAG;
        let values = if multi || matches!(base, PT_STRING8 | PT_UNICODE | PT_BINARY | PT_OBJECT) {
            let Some(values) = data.get(at..at + 4).map(|b| u32_at(b, 0)) else {
                break;
            };
            at += 4;
            values
        } else {
            1
        };
        let mut damaged = false;
        for _ in 0..values {
            match fixed_size(base) {
                Some(size) => {
                    at += size;
                }
                None => {
                    let Some(length) = data.get(at..at + 4).map(|b| u32_at(b, 0) as usize) else {
                        damaged = true;
                        break;
                    };
                    let start = at + 4;
                    let Some(value) = start
                        .checked_add(length)
                        .and_then(|end| data.get(start..end))
                    else {
                        damaged = true;
                        break;
                    };
                    if !multi && values == 1 {
                        found.push((id, base, value));
                    }
                    at = start + padded(length);
                }
            }
            if at > data.len() {
                damaged = true;
                break;
            }
        }
        if damaged {
            break;
        }
    }
    found
}

/// The size of a fixed-width property value as TNEF writes it (padded to four bytes); `None` for
/// the variable-width types.
fn fixed_size(kind: u16) -> Option<usize> {
    match kind {
        // PT_SHORT, PT_LONG, PT_FLOAT, PT_ERROR, PT_BOOLEAN.
        0x0002 | 0x0003 | 0x0004 | 0x000a | 0x000b => Some(4),
        // PT_DOUBLE, PT_CURRENCY, PT_APPTIME, PT_I8, PT_SYSTIME.
        0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => Some(8),
        // PT_CLSID.
        0x0048 => Some(16),
        // PT_NULL, PT_UNSPECIFIED.
        0x0000 | 0x0001 => Some(0),
        _ => None,
    }
}

fn padded(length: usize) -> usize {
    length.saturating_add(3) & !3
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(slice) = bytes.get(at..at + 4) {
        word.copy_from_slice(slice);
    }
    u32::from_le_bytes(word)
}

/// An 8-bit string as Outlook writes it (windows-1252 unless a code page says otherwise), without
/// its terminating NULs.
fn ansi(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    let bytes = &bytes[..end];
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decode) => decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// A little-endian UTF-16 string without its terminating NULs.
fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    let end = units
        .iter()
        .rposition(|&u| u != 0)
        .map_or(0, |last| last + 1);
    String::from_utf16_lossy(&units[..end])
}

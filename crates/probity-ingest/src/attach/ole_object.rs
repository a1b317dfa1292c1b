//! Objects embedded by OLE in an Outlook message's attachments: an attachment Outlook stored
//! by the method `ATTACH_OLE` (6) holds its data not as bytes but as a storage
//! (`__substg1.0_3701000D`, [MS-OXMSG] 2.2.2.1) laid out as an OLE object's ([MS-OLEDS]). Two
//! kinds are read ([`super::msg`] reads the streams, within its budget; this reads their bytes),
//! and a third copied:
//!
//! - a Package: a file wrapped by the Packager (a file dragged into a rich-text message), its
//!   OLE 1 native data in the stream `\x01Ole10Native` ([MS-OLEDS] 2.3.6): a size, then the
//!   Packager's own header (a label, the file's path, its type, a temporary path) and the file's
//!   bytes, then the same names again in UTF-16 ([`package`]). The file is read as an attachment
//!   with its name;
//! - a picture: a device-independent bitmap kept as the object's content (a static picture,
//!   "Picture (Device Independent Bitmap)", whose `CONTENTS` stream is a BMP file or a bitmap
//!   without its file header: [`contents_bitmap`]; so is Paintbrush's native data after its
//!   size), or as its presentation, the picture a reader is shown (`\x02OlePres000`,
//!   [MS-OLEDS] 2.3.4, in the clipboard format `CF_DIB`: [`presentation`]). It is written as a
//!   BMP file and read as an image attachment is, by OCR;
//! - a Word document, an Excel workbook or a PowerPoint presentation embedded as an object (its
//!   streams, [`DOCUMENT_STREAMS`], in the object's storage): the storage is copied into a
//!   compound file of its own, read as that document attached is;
//! - an Office Open XML document embedded as an object (its zip in a [`PACKAGE`] stream), or a
//!   file kept as the object's `CONTENTS` ([`is_file`]: a PDF in Acrobat's object): read by its
//!   content as it would be attached.
//!
//! A compound file whose root is such an object's storage (a DOCX's `oleObject1.bin`, one sent
//! alone) is read so too ([`super::msg::root_object`]).
//!
//! A TNEF carries an attachment embedded by OLE as an OLE 1 object instead ([`ole1`]: its class,
//! native data and the picture shown for it, [`ole1_presentation`]), read by [`super::tnef`]
//! with [`package_data`] and [`contents_bitmap`].
//!
//! Every length is checked against the bytes it is in; nothing allocates more than they hold.

use super::doc::{u16_at, u32_at};

/// The stream of an OLE 1 object's native data.
pub(super) const NATIVE: &str = "\u{1}Ole10Native";

/// The stream of a static picture's content.
pub(super) const CONTENTS: &str = "CONTENTS";

/// The stream of an Office Open XML document embedded in a binary one: its zip ([MS-OLEDS]
/// 1.3.3, as Office writes a DOCX, XLSX or PPTX embedded in a Word 97–2003 document or an
/// Outlook message).
pub(super) const PACKAGE: &str = "Package";

/// The stream of an embedded object's OLE information (`\x01Ole`, [MS-OLEDS] 2.3.3), which an
/// object's storage holds and a document's does not.
pub(super) const OLE: &str = "\u{1}Ole";

/// The stream naming the object's class (`\x01CompObj`, [MS-OLEDS] 2.3.8).
pub(super) const COMP_OBJ: &str = "\u{1}CompObj";

/// What the presentation streams' names start with (`\x02OlePres000` to `\x02OlePres999`).
pub(super) const PRESENTATION: &str = "\u{2}OlePres";

/// The streams one of which an Office document embedded as an object holds at its root: a Word
/// document's, an Excel workbook's (BIFF8, BIFF5) and a PowerPoint presentation's.
pub(super) const DOCUMENT_STREAMS: [&str; 4] =
    ["WordDocument", "Workbook", "Book", "PowerPoint Document"];

/// How many streams and storages of an Office document embedded as an object are copied.
pub(super) const MAX_ENTRIES: usize = 1024;

/// How many presentation streams are looked through for a bitmap.
pub(super) const MAX_PRESENTATIONS: usize = 8;

/// The clipboard formats of a presentation: a device-independent bitmap (`CF_DIB`,
/// `CF_DIBV5`), and the metafiles OCR does not read (`CF_METAFILEPICT`, `CF_ENHMETAFILE`).
const CF_DIB: u32 = 8;
const CF_DIBV5: u32 = 17;
const CF_METAFILEPICT: u32 = 3;
const CF_ENHMETAFILE: u32 = 14;

/// A file the Packager wrapped.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Package {
    /// Its name: the label, else the last part of its path; none where neither holds one.
    pub name: Option<String>,
    pub data: Vec<u8>,
}

/// The file in the `\x01Ole10Native` stream of a Package object: its native data after their
/// size ([`package_data`]).
pub(super) fn package(native: &[u8]) -> Result<Package, String> {
    let size = u32_at(native, 0).ok_or("its native data is cut short")?;
    let end = usize::try_from(size)
        .ok()
        .and_then(|size| size.checked_add(4))
        .map_or(native.len(), |end| end.min(native.len()));
    package_data(&native[4..end])
}

/// The file in the native data of a Package object; an error saying why where the bytes are not
/// one (another program's OLE 1 object, a link, a damaged one).
pub(super) fn package_data(native: &[u8]) -> Result<Package, String> {
    // The Packager's header: 2, the label, the path the file was taken from.
    if u16_at(native, 0) != Some(2) {
        return Err("its native data is not a Package's (another program's object)".into());
    }
    let mut at = 2;
    let label = nul_terminated(native, &mut at).ok_or("its label is cut short")?;
    let path = nul_terminated(native, &mut at).ok_or("its file's path is cut short")?;
    // Two bytes of 0, then the kind: 3 a file embedded, 1 a link to one.
    let kind = u16_at(native, at + 2).ok_or("its kind is cut short")?;
    if kind != 3 {
        let path = super::rtf::windows_1252(path);
        return Err(format!(
            "it links to a file ({path}) rather than holding one (kind {kind})"
        ));
    }
    at += 4;
    let temp_len = len_at(native, at).ok_or("its temporary path is cut short")?;
    at = at
        .checked_add(4 + temp_len)
        .filter(|&at| at <= native.len())
        .ok_or("its temporary path is cut short")?;
    let data_len = len_at(native, at).ok_or("its file's size is cut short")?;
    let data = native
        .get(at + 4..)
        .and_then(|rest| rest.get(..data_len))
        .ok_or_else(|| {
            format!(
                "its file of {data_len} bytes is cut short at {} bytes",
                native.len().saturating_sub(at + 4)
            )
        })?;
    at += 4 + data_len;
    // After the file, in UTF-16: the temporary path, the label, the path.
    let wide_label = wide_string(native, &mut at)
        .and_then(|_| wide_string(native, &mut at))
        .filter(|label| !label.trim().is_empty());
    let label = wide_label
        .or_else(|| Some(super::rtf::windows_1252(label)))
        .filter(|label| !label.trim().is_empty());
    let name = label.or_else(|| {
        let path = super::rtf::windows_1252(path);
        path.rsplit(['\\', '/'])
            .next()
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned)
    });
    Ok(Package {
        name,
        data: data.to_vec(),
    })
}

/// An object as OLE 1 stores one (an `OLESTREAM`, [MS-OLEDS] 2.2.5), as a TNEF carries an
/// attachment embedded by OLE: its class (the program that made it) and native data.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Ole1<'b> {
    pub class: String,
    pub native: &'b [u8],
    /// The bytes after the native data: the picture shown for the object ([`ole1_presentation`]).
    pub presentation: &'b [u8],
}

/// The OLE 1 embedded object in `bytes`: a version (any), the format (2: embedded; 1: a link),
/// the class, topic and item names (each a length-prefixed ANSI string), then the native data,
/// its size first, then the picture shown for it ([`ole1_presentation`]). None where the bytes do not start as
/// one (its format is neither); an error saying why where they do but it is not read.
pub(super) fn ole1(bytes: &[u8]) -> Option<Result<Ole1<'_>, String>> {
    match u32_at(bytes, 4)? {
        2 => Some(embedded_ole1(bytes)),
        1 => Some(Err("it links to a file rather than holding one".into())),
        _ => None,
    }
}

/// [`ole1`] past its format, which says it is embedded.
fn embedded_ole1(bytes: &[u8]) -> Result<Ole1<'_>, String> {
    let mut at = 8;
    let class = length_prefixed(bytes, &mut at).ok_or("its class is cut short")?;
    for _ in 0..2 {
        length_prefixed(bytes, &mut at).ok_or("its names are cut short")?;
    }
    let size = len_at(bytes, at).ok_or("its native data is cut short")?;
    let native = bytes
        .get(at + 4..)
        .and_then(|rest| rest.get(..size))
        .ok_or_else(|| format!("its native data of {size} bytes is cut short"))?;
    let presentation = bytes.get(at + 4 + native.len()..).unwrap_or_default();
    let class = super::rtf::windows_1252(class)
        .trim_end_matches('\0')
        .to_owned();
    Ok(Ole1 {
        class,
        native,
        presentation,
    })
}

/// The picture shown for an OLE 1 object, after its native data ([MS-OLEDS] 2.2.2, 2.2.3): a
/// version (any), a format (5: a presentation follows; 0: none), then a class naming its form
/// (`METAFILEPICT`, `BITMAP`, `DIB`: a width, a height, the size and the picture; any other a
/// clipboard format, the size and the picture). A device-independent bitmap is written as a BMP
/// file; a metafile or a device-dependent bitmap is not read. None where no picture is shown.
pub(super) fn ole1_presentation(bytes: &[u8]) -> Option<Presentation> {
    match u32_at(bytes, 4) {
        Some(5) => Some(presentation_after_format(bytes)),
        Some(0) | None => None,
        Some(other) => Some(Presentation::Other(format!(
            "its picture is of an unknown format ({other})"
        ))),
    }
}

/// [`ole1_presentation`] past its format, which says a picture follows.
fn presentation_after_format(bytes: &[u8]) -> Presentation {
    let mut at = 8;
    let Some(class) = length_prefixed(bytes, &mut at) else {
        return Presentation::Other("its picture is cut short".into());
    };
    let (format, data_at) = match class.strip_suffix(b"\0").unwrap_or(class) {
        b"METAFILEPICT" => return Presentation::Metafile,
        b"BITMAP" => {
            return Presentation::Other(
                "its picture is a device-dependent bitmap, which is not read".into(),
            );
        }
        // Width and height, then the size.
        b"DIB" => (CF_DIB, at + 8),
        _ => match u32_at(bytes, at) {
            Some(0) | None => {
                return Presentation::Other("its picture is in a format named by a program".into());
            }
            Some(format) => (format, at + 4),
        },
    };
    let Some(size) = len_at(bytes, data_at) else {
        return Presentation::Other("its picture is cut short".into());
    };
    let Some(data) = bytes
        .get(data_at + 4..)
        .and_then(|rest| rest.get(..size.min(rest.len())))
    else {
        return Presentation::Other("its picture is cut short".into());
    };
    picture(format, data)
}

/// A length-prefixed ANSI string at `at`, `at` moved past it.
fn length_prefixed<'b>(bytes: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let len = len_at(bytes, *at)?;
    let text = bytes.get(*at + 4..)?.get(..len)?;
    *at += 4 + len;
    Some(text)
}

/// The bytes up to the next NUL from `at`, `at` moved past it; none where there is no NUL.
fn nul_terminated<'b>(bytes: &'b [u8], at: &mut usize) -> Option<&'b [u8]> {
    let rest = bytes.get(*at..)?;
    let nul = memchr::memchr(0, rest)?;
    *at += nul + 1;
    Some(&rest[..nul])
}

/// A 4-byte length at `at` as a `usize`.
fn len_at(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32_at(bytes, at)?).ok()
}

/// A length-prefixed UTF-16 string at `at` (its length in characters), `at` moved past it.
fn wide_string(bytes: &[u8], at: &mut usize) -> Option<String> {
    let chars = len_at(bytes, *at)?;
    let start = *at + 4;
    let units = bytes.get(start..start.checked_add(chars.checked_mul(2)?)?)?;
    *at = start + units.len();
    let units: Vec<u16> = units
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Some(
        String::from_utf16_lossy(&units)
            .trim_end_matches('\0')
            .to_owned(),
    )
}

/// The picture in a static picture's `CONTENTS` stream as a BMP file: one already (a file
/// header, then the bitmap), or a bitmap without its file header; none where it is neither.
pub(super) fn contents_bitmap(contents: &[u8]) -> Option<Vec<u8>> {
    match contents.strip_prefix(b"BM") {
        Some(_) => contents.get(14..).and_then(super::pictures::bmp_of_dib),
        None => super::pictures::bmp_of_dib(contents),
    }
}

/// Whether an object's content begins as a file format that is read (a PDF, a zip, a compound
/// file, an image, RTF, an archive): such a file kept as the content (a PDF in Acrobat's
/// object) is read as it would be attached.
pub(super) fn is_file(contents: &[u8]) -> bool {
    let input = super::Input {
        bytes: contents,
        ..super::Input::default()
    };
    use super::Kind;
    matches!(
        super::kind_of(&input),
        Kind::Pdf
            | Kind::Zip
            | Kind::Compound
            | Kind::Tnef
            | Kind::Gzip
            | Kind::SevenZip
            | Kind::Rar
            | Kind::Tar
            | Kind::Image
            | Kind::Rtf
    )
}

/// What a presentation stream holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Presentation {
    /// A device-independent bitmap, written as a BMP file.
    Bitmap(Vec<u8>),
    /// A metafile, which OCR does not read.
    Metafile,
    /// Another form, or bytes that are not a presentation stream (why).
    Other(String),
}

/// The picture in a presentation stream (`\x02OlePres000`, [MS-OLEDS] 2.3.4): its clipboard
/// format (a standard one's number after a marker, or a format's name), the target device it
/// was drawn for, then aspect, index, advise flags, a reserved field, width, height and the
/// size of the picture that follows.
pub(super) fn presentation(stream: &[u8]) -> Presentation {
    let Some(marker) = u32_at(stream, 0) else {
        return Presentation::Other("it is cut short".into());
    };
    let (format, mut at) = match marker {
        0xFFFF_FFFF | 0xFFFF_FFFE => match u32_at(stream, 4) {
            Some(format) => (format, 8),
            None => return Presentation::Other("it is cut short".into()),
        },
        0 => return Presentation::Other("it names no clipboard format".into()),
        // A format by name: not a standard one.
        _ => return Presentation::Other("its picture is in a format named by a program".into()),
    };
    let target_size = match len_at(stream, at) {
        Some(size) if size >= 4 => size,
        _ => return Presentation::Other("its target device is damaged".into()),
    };
    at = match at.checked_add(target_size) {
        Some(at) => at,
        None => return Presentation::Other("its target device is damaged".into()),
    };
    // Aspect, index, advise flags, reserved, width, height: then the size of the picture.
    let Some(size) = len_at(stream, at + 24) else {
        return Presentation::Other("it is cut short".into());
    };
    let Some(data) = stream
        .get(at + 28..)
        .and_then(|rest| rest.get(..size.min(rest.len())))
    else {
        return Presentation::Other("it is cut short".into());
    };
    picture(format, data)
}

/// The picture of clipboard `format` in `data`, as a presentation of an object.
fn picture(format: u32, data: &[u8]) -> Presentation {
    match format {
        CF_DIB | CF_DIBV5 => match super::pictures::bmp_of_dib(data) {
            Some(bmp) => Presentation::Bitmap(bmp),
            None => Presentation::Other("its bitmap is damaged".into()),
        },
        CF_METAFILEPICT | CF_ENHMETAFILE => Presentation::Metafile,
        other => Presentation::Other(format!("its picture is in clipboard format {other}")),
    }
}

/// The name of the object's kind a user is shown (`Microsoft Word Document`, `Package`) from its
/// `\x01CompObj` stream: after a 28-byte header, a length-prefixed ANSI string.
pub(super) fn user_type(comp_obj: &[u8]) -> Option<String> {
    let len = len_at(comp_obj, 28)?;
    let text = comp_obj.get(32..)?.get(..len)?;
    let text = super::rtf::windows_1252(text);
    let text = text.trim_end_matches('\0').trim();
    (!text.is_empty() && text.len() <= 200).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Package's native data for a file `name` of `data`.
    fn native(name: &str, data: &[u8]) -> Vec<u8> {
        let mut body = 2u16.to_le_bytes().to_vec();
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        body.extend_from_slice(format!("C:\\Users\\sam\\{name}").as_bytes());
        body.push(0);
        body.extend_from_slice(&[0, 0, 3, 0]);
        let temp = format!("C:\\Temp\\{name}\0");
        body.extend_from_slice(&(temp.len() as u32).to_le_bytes());
        body.extend_from_slice(temp.as_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        let mut out = (body.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn a_package_gives_its_file_and_name() {
        let read = package(&native("notes.txt", b"the words")).unwrap();
        assert_eq!(read.name.as_deref(), Some("notes.txt"));
        assert_eq!(read.data, b"the words");
    }

    #[test]
    fn a_package_cut_short_or_of_another_kind_is_an_error() {
        let whole = native("notes.txt", b"the words");
        for cut in 0..whole.len() - 1 {
            // Cut, with its size saying so too.
            let mut short = whole[..cut].to_vec();
            if short.len() >= 4 {
                let len = (short.len() - 4) as u32;
                short[..4].copy_from_slice(&len.to_le_bytes());
            }
            assert!(package(&short).is_err(), "{cut}");
        }
        let mut link = whole.clone();
        let kind = 4 + 2 + "notes.txt\0".len() + "C:\\Users\\sam\\notes.txt\0".len() + 2;
        link[kind] = 1;
        assert!(package(&link).unwrap_err().contains("links to a file"));
        let mut other = whole;
        other[4] = 7;
        assert!(package(&other).is_err());
    }

    #[test]
    fn a_presentation_in_dib_gives_a_bitmap() {
        let dib = super::super::pictures::tests::dib();
        let mut stream = Vec::new();
        for field in [0xFFFF_FFFFu32, CF_DIB, 4, 1, 0xFFFF_FFFF, 2, 0, 64, 40] {
            stream.extend_from_slice(&field.to_le_bytes());
        }
        stream.extend_from_slice(&(dib.len() as u32).to_le_bytes());
        stream.extend_from_slice(&dib);
        let Presentation::Bitmap(bmp) = presentation(&stream) else {
            panic!("{:?}", presentation(&stream));
        };
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(&bmp[14..], &dib[..]);
        stream[4] = CF_METAFILEPICT as u8;
        assert_eq!(presentation(&stream), Presentation::Metafile);
        assert!(matches!(
            presentation(&stream[..20]),
            Presentation::Other(_)
        ));
    }

    #[test]
    fn an_ole1_object_gives_its_class_and_native_data() {
        let mut stream = vec![1, 5, 0, 0, 2, 0, 0, 0];
        for name in [&b"Package\0"[..], b"", b""] {
            stream.extend_from_slice(&(name.len() as u32).to_le_bytes());
            stream.extend_from_slice(name);
        }
        let data = &native("notes.txt", b"the words")[4..];
        stream.extend_from_slice(&(data.len() as u32).to_le_bytes());
        stream.extend_from_slice(data);
        let object = ole1(&stream).unwrap().unwrap();
        assert_eq!(object.class, "Package");
        assert_eq!(package_data(object.native).unwrap().data, b"the words");
        assert!(ole1(&stream[..stream.len() - 1]).unwrap().is_err());
        stream[4] = 1;
        assert!(ole1(&stream).unwrap().unwrap_err().contains("links"));
        stream[4] = 7;
        assert_eq!(ole1(&stream), None);
    }

    #[test]
    fn an_ole1_presentation_in_dib_gives_a_bitmap_and_others_are_named() {
        let dib = super::super::pictures::tests::dib();
        let shown = |form: &str, data: &[u8]| {
            let mut out = vec![1, 5, 0, 0, 5, 0, 0, 0];
            out.extend_from_slice(&(form.len() as u32 + 1).to_le_bytes());
            out.extend_from_slice(form.as_bytes());
            out.push(0);
            for field in [64u32, 40, data.len() as u32] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            out.extend_from_slice(data);
            out
        };
        let Some(Presentation::Bitmap(bmp)) = ole1_presentation(&shown("DIB", &dib)) else {
            panic!("{:?}", ole1_presentation(&shown("DIB", &dib)));
        };
        assert_eq!(&bmp[14..], &dib[..]);
        assert_eq!(
            ole1_presentation(&shown("METAFILEPICT", b"12345678wmf")),
            Some(Presentation::Metafile)
        );
        assert!(matches!(
            ole1_presentation(&shown("BITMAP", b"bits")),
            Some(Presentation::Other(_))
        ));
        let whole = shown("DIB", &dib);
        assert!(matches!(
            ole1_presentation(&whole[..20]),
            Some(Presentation::Other(_))
        ));
        assert_eq!(ole1_presentation(&[1, 5, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(ole1_presentation(b""), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = package(&bytes);
            let _ = ole1(&bytes);
            let _ = ole1_presentation(&bytes);
            let _ = presentation(&bytes);
            let _ = contents_bitmap(&bytes);
            let _ = user_type(&bytes);
        }
    }
}

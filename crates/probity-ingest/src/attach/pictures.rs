//! The pictures in a Word 97–2003 document, an Excel 97–2003 workbook or an RTF document (a
//! screenshot pasted into a report), gathered as image files and read by OCR after the
//! document's text ([`super::ocr`]), each under a line `[image N]`.
//!
//! Word and Excel keep a picture as an OfficeArt BLIP record ([MS-ODRAW] 2.2.23): an 8-byte
//! header (version and instance, type, length), one or two 16-byte digests, a tag byte, then
//! the image file itself: PNG, JPEG, TIFF, or a device-independent bitmap without its file
//! header (written back with one as a BMP). Word puts them in its `Data` stream after each
//! inline picture's `PICF`, and in `WordDocument` for a floating one its drawing group points
//! to; Excel in its drawing group (`MSODRAWINGGROUP` and the `CONTINUE` records after it). Rather
//! than follow each way there, [`Pictures::find_blips`] looks through those bytes for a record
//! header of a bitmap BLIP whose instance matches its type, whose length fits, and whose data
//! starts as an image of its type does: a match by chance in other bytes is all but impossible,
//! and the bytes are bounded (the stream was read within the decompression budget).
//!
//! RTF keeps a picture as a `{\pict …}` group, its image as hexadecimal digits or after a
//! `\binN` as N raw bytes ([`super::rtf::pictures`]): in an RTF document, and in the RTF body of
//! an Outlook message or a TNEF (a screenshot pasted into the message).
//!
//! Metafile pictures (WMF, EMF, PICT) are drawings OCR does not read: while OCR is on they are
//! counted and noted. At most [`MAX_DOCUMENT_IMAGES`] pictures are kept, the same picture once,
//! and no more bytes of them than the decompression budget; while OCR is off those it would read
//! are counted and noted as not read.

use std::time::Instant;

use super::TextOut;
use super::doc::{u16_at, u32_at};
use super::ocr::MAX_DOCUMENT_IMAGES;
use crate::Limits;

/// The pictures found in one document.
#[derive(Debug)]
pub(super) struct Pictures {
    /// The images kept, as files OCR reads, in the order found.
    images: Vec<Vec<u8>>,
    /// Pictures stored in a form OCR does not read (metafiles) or damaged, not kept.
    unread: usize,
    /// Images past [`MAX_DOCUMENT_IMAGES`] or the budget, not kept.
    left_out: usize,
    /// Bytes the images kept may still take.
    budget: u64,
}

/// How a picture is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// A PNG, JPEG or TIFF file as it is.
    File,
    /// A device-independent bitmap: a BMP without its 14-byte file header.
    Dib,
    /// A form not read: a WMF, EMF or PICT metafile, or a device-dependent bitmap.
    Unread,
}

impl Pictures {
    /// No pictures yet; the images kept take at most `budget` bytes.
    pub(super) fn new(budget: u64) -> Self {
        Self {
            images: Vec::new(),
            unread: 0,
            left_out: 0,
            budget,
        }
    }

    /// Adds a picture stored as `format`; one whose bytes do not hold an image of that format is
    /// counted as not read.
    pub(super) fn add(&mut self, format: Format, bytes: &[u8]) {
        let image = match format {
            Format::Unread => {
                self.unread += 1;
                return;
            }
            Format::File if super::ocr::is_image(bytes) => bytes.to_vec(),
            Format::Dib => match bmp_of_dib(bytes) {
                Some(bmp) => bmp,
                None => {
                    self.unread += 1;
                    return;
                }
            },
            Format::File => {
                self.unread += 1;
                return;
            }
        };
        if self.images.contains(&image) {
            return;
        }
        let size = image.len() as u64;
        if self.images.len() >= MAX_DOCUMENT_IMAGES || size > self.budget {
            self.left_out += 1;
            return;
        }
        self.budget -= size;
        self.images.push(image);
    }

    /// Looks through `bytes` (a stream of a Word document, an Excel workbook's drawing group)
    /// for OfficeArt BLIP records, and adds their pictures.
    pub(super) fn find_blips(&mut self, bytes: &[u8]) {
        let mut at = 0usize;
        while at + 8 <= bytes.len() {
            // The record type's high byte is 0xF0 for every OfficeArt record.
            if bytes[at + 3] == 0xF0
                && let Some(end) = self.blip_at(bytes, at)
            {
                at = end;
            } else {
                at += 1;
            }
        }
    }

    /// Adds the picture of the BLIP record at `at`, if one is there: where it ends.
    fn blip_at(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        let version_instance = u16_at(bytes, at)?;
        let kind = u16_at(bytes, at + 2)?;
        let length = usize::try_from(u32_at(bytes, at + 4)?).ok()?;
        if version_instance & 0xF != 0 {
            return None;
        }
        let instance = version_instance >> 4;
        let (format, instances): (Format, &[u16]) = match kind {
            // EMF, WMF, PICT.
            0xF01A => (Format::Unread, &[0x3D4, 0x3D5]),
            0xF01B => (Format::Unread, &[0x216, 0x217]),
            0xF01C => (Format::Unread, &[0x542, 0x543]),
            // JPEG (RGB or CMYK), the second type Office 2007 and later may write.
            0xF01D | 0xF02A => (Format::File, &[0x46A, 0x46B, 0x6E2, 0x6E3]),
            0xF01E => (Format::File, &[0x6E0, 0x6E1]),
            0xF01F => (Format::Dib, &[0x7A8, 0x7A9]),
            0xF029 => (Format::File, &[0x6E4, 0x6E5]),
            _ => return None,
        };
        if !instances.contains(&instance) {
            return None;
        }
        let end = at.checked_add(8)?.checked_add(length)?;
        let body = bytes.get(at + 8..end)?;
        // One digest, or two where the instance is odd; a metafile's 34-byte header, or a
        // bitmap's tag byte.
        let digests = if instance & 1 == 1 { 32 } else { 16 };
        let header = match format {
            Format::Unread => 34,
            Format::File | Format::Dib => 1,
        };
        let data = body.get(digests + header..)?;
        if format != Format::Unread && !looks_like(format, data) {
            return None;
        }
        self.add(format, data);
        Some(end)
    }

    /// How many bytes a picture may still take to be kept.
    pub(super) fn room(&self) -> u64 {
        self.budget
    }

    /// Counts a picture left out for its size.
    pub(super) fn leave_out(&mut self) {
        self.left_out += 1;
    }

    /// The images kept.
    #[cfg(test)]
    pub(super) fn images(&self) -> &[Vec<u8>] {
        &self.images
    }

    /// How many pictures were found in a form not read, and how many left out.
    #[cfg(test)]
    pub(super) fn not_kept(&self) -> (usize, usize) {
        (self.unread, self.left_out)
    }

    /// Whether any picture was found.
    pub(super) fn is_empty(&self) -> bool {
        self.images.is_empty() && self.unread == 0 && self.left_out == 0
    }

    /// Reads the images by OCR into `out` after the text of the document (`what`: "Word
    /// document"), each under a line `[image N]`, and notes those not read; while OCR is off,
    /// notes how many pictures it would read and that they are not read.
    pub(super) fn read(self, what: &str, out: &mut TextOut<'_>) {
        if self.is_empty() {
            return;
        }
        if out.limits.ocr.is_none() {
            // Those OCR would read were it on: a metafile (an embedded object's icon, often) is
            // not.
            let count = self.images.len() + self.left_out;
            if count == 0 {
                return;
            }
            out.note(format!(
                "{count} {} in the {what}: text in images is not read (OCR is off)",
                plural(count, "picture", "pictures")
            ));
            return;
        }
        for (index, image) in self.images.iter().enumerate() {
            let label = format!("image {}", index + 1);
            if out.is_full() || out.out_of_time(&format!("before {label} of the {what}")) {
                return;
            }
            super::ocr::read_image_into(image, &label, out);
        }
        if self.left_out > 0 {
            out.note(format!(
                "{} more {} in the {what} past the {MAX_DOCUMENT_IMAGES} read or the decompression limit: not read by OCR",
                self.left_out,
                plural(self.left_out, "picture", "pictures")
            ));
        }
        if self.unread > 0 {
            out.note(format!(
                "{} {} in the {what} stored in a form OCR does not read (a metafile such as WMF or EMF, a device-dependent bitmap) or damaged",
                self.unread,
                plural(self.unread, "picture", "pictures")
            ));
        }
    }

    /// [`Pictures::read`] apart from any text, on a clock started at `started` (that of the file
    /// the pictures are in): the text read, each image under its line `[image N]`, if there is
    /// any, and the notes. For a reader that keeps a message's parts apart until it writes them
    /// (an Outlook message's RTF body, [`super::msg`]).
    pub(super) fn read_apart(
        self,
        what: &str,
        limits: &Limits,
        started: Instant,
    ) -> (Option<String>, Vec<String>) {
        let mut out = TextOut::new(limits);
        out.started = started;
        self.read(what, &mut out);
        if out.truncated {
            out.note(format!(
                "text read by OCR in the pictures of the {what} cut at the {} byte limit",
                limits.max_attachment_text_bytes
            ));
        }
        let text = out.text.trim();
        ((!text.is_empty()).then(|| text.to_owned()), out.notes)
    }
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// Whether `data` starts as a picture of `format` does: an image file's header, or a bitmap
/// information header of a size Windows writes.
fn looks_like(format: Format, data: &[u8]) -> bool {
    match format {
        Format::File => super::ocr::is_image(data),
        Format::Dib => bmp_of_dib(data).is_some(),
        Format::Unread => false,
    }
}

/// A device-independent bitmap (its information header, colour table and pixels) written as a
/// BMP file: the 14-byte file header before it says where the pixels start. None where the
/// header is not one of a size Windows writes or the pixels would start past the end.
pub(super) fn bmp_of_dib(dib: &[u8]) -> Option<Vec<u8>> {
    let header = u32_at(dib, 0)?;
    let (bits, compression, colours_used, entry) = match header {
        // BITMAPCOREHEADER: three bytes a colour.
        12 => (u16_at(dib, 10)?, 0, 0, 3),
        40 | 52 | 56 | 64 | 108 | 124 => (u16_at(dib, 14)?, u32_at(dib, 16)?, u32_at(dib, 32)?, 4),
        _ => return None,
    };
    if !matches!(bits, 1 | 2 | 4 | 8 | 16 | 24 | 32) {
        return None;
    }
    let colours = if colours_used != 0 {
        u64::from(colours_used)
    } else if bits <= 8 {
        1u64 << bits
    } else {
        0
    };
    // BI_BITFIELDS (3) and BI_ALPHABITFIELDS (6) put their masks after a 40-byte header.
    let masks = match (header, compression) {
        (40, 3) => 12,
        (40, 6) => 16,
        _ => 0,
    };
    let pixels = 14 + u64::from(header) + masks + colours * entry;
    let size = 14 + dib.len() as u64;
    if pixels > size {
        return None;
    }
    let (Ok(size), Ok(pixels)) = (u32::try_from(size), u32::try_from(pixels)) else {
        return None;
    };
    let mut bmp = Vec::with_capacity(dib.len() + 14);
    bmp.extend_from_slice(b"BM");
    bmp.extend_from_slice(&size.to_le_bytes());
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&pixels.to_le_bytes());
    bmp.extend_from_slice(dib);
    Some(bmp)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A PNG header of `width` × `height` pixels, as [`super::super::ocr::is_image`] reads one.
    pub(in crate::attach) fn png(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(b"\x08\x00\x00\x00\x00\0\0\0\0");
        png
    }

    /// An OfficeArt record.
    fn record(instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
        let mut record = (instance << 4).to_le_bytes().to_vec();
        record.extend_from_slice(&kind.to_le_bytes());
        record.extend_from_slice(&(body.len() as u32).to_le_bytes());
        record.extend_from_slice(body);
        record
    }

    /// A bitmap BLIP: `digests` digests of 16 bytes, the tag, the data.
    fn blip(instance: u16, kind: u16, digests: usize, data: &[u8]) -> Vec<u8> {
        let mut body = vec![0xAB; 16 * digests];
        body.push(0xFF);
        body.extend_from_slice(data);
        record(instance, kind, &body)
    }

    /// A 40-byte bitmap information header for 8-bit grey, then its 256 colours and pixels.
    pub(in crate::attach) fn dib() -> Vec<u8> {
        let mut dib = Vec::new();
        dib.extend_from_slice(&40u32.to_le_bytes());
        dib.extend_from_slice(&64i32.to_le_bytes());
        dib.extend_from_slice(&40i32.to_le_bytes());
        dib.extend_from_slice(&1u16.to_le_bytes());
        dib.extend_from_slice(&8u16.to_le_bytes());
        dib.extend_from_slice(&[0; 24]);
        for grey in 0..=255u8 {
            dib.extend_from_slice(&[grey, grey, grey, 0]);
        }
        dib.extend_from_slice(&vec![0xFF; 64 * 40]);
        dib
    }

    #[test]
    fn blips_are_found_among_other_records_and_bytes() {
        let mut stream = b"PICF and other bytes \xF0\xF0\xF0".to_vec();
        // An FBSE (a store entry) with the PNG BLIP inside it, one digest.
        let mut entry = vec![6u8, 6];
        entry.extend_from_slice(&[0; 34]);
        entry.extend_from_slice(&blip(0x6E0, 0xF01E, 1, &png(100, 50)));
        stream.extend_from_slice(&record(6, 0xF007, &entry));
        // A JPEG with two digests, and the PNG again (kept once).
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        stream.extend_from_slice(&blip(0x46B, 0xF01D, 2, jpeg));
        stream.extend_from_slice(&blip(0x6E0, 0xF01E, 1, &png(100, 50)));
        // A DIB, and an EMF (counted, not kept).
        stream.extend_from_slice(&blip(0x7A8, 0xF01F, 1, &dib()));
        let mut emf = vec![0; 16 + 34];
        emf.extend_from_slice(b"EMF data");
        stream.extend_from_slice(&record(0x3D4, 0xF01A, &emf));
        let mut found = Pictures::new(1 << 20);
        found.find_blips(&stream);
        assert_eq!(found.images.len(), 3, "{found:?}");
        assert_eq!(found.images[0], png(100, 50));
        assert_eq!(&found.images[1][..], jpeg);
        let bmp = &found.images[2];
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(u32_at(bmp, 2), Some(bmp.len() as u32));
        assert_eq!(u32_at(bmp, 10), Some(14 + 40 + 1024));
        assert_eq!(imagesize::blob_size(bmp).unwrap().width, 64);
        assert_eq!(found.unread, 1);
    }

    #[test]
    fn records_that_are_not_blips_of_their_type_are_passed_over() {
        let mut found = Pictures::new(1 << 20);
        // A PNG's type with a JPEG's instance, a version that is not 0, data that is not an
        // image, a length past the end.
        found.find_blips(&blip(0x46A, 0xF01E, 1, &png(100, 50)));
        let mut versioned = blip(0x6E0, 0xF01E, 1, &png(100, 50));
        versioned[0] |= 1;
        found.find_blips(&versioned);
        found.find_blips(&blip(0x6E0, 0xF01E, 1, b"not an image at all, just bytes"));
        let mut long = blip(0x6E0, 0xF01E, 1, &png(100, 50));
        long[4] = 0xFF;
        found.find_blips(&long);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn pictures_are_kept_to_the_count_and_the_budget() {
        let mut found = Pictures::new(1 << 20);
        for side in 0..40 {
            found.add(Format::File, &png(100 + side, 50));
        }
        assert_eq!(found.images.len(), MAX_DOCUMENT_IMAGES);
        assert_eq!(found.left_out, 40 - MAX_DOCUMENT_IMAGES);
        let mut small = Pictures::new(40);
        small.add(Format::File, &png(100, 50));
        small.add(Format::File, &png(101, 50));
        assert_eq!((small.images.len(), small.left_out), (1, 1));
    }

    #[test]
    fn bitmap_headers_are_checked() {
        let dib = dib();
        assert!(bmp_of_dib(&dib).is_some());
        // A colour table past the end.
        let mut many = dib.clone();
        many[32..36].copy_from_slice(&1_000_000u32.to_le_bytes());
        assert_eq!(bmp_of_dib(&many), None);
        let mut odd = dib.clone();
        odd[0] = 41;
        assert_eq!(bmp_of_dib(&odd), None);
        assert_eq!(bmp_of_dib(&dib[..10]), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_looked_through_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut found = Pictures::new(1 << 20);
            found.find_blips(&bytes);
            let _ = bmp_of_dib(&bytes);
        }
    }
}

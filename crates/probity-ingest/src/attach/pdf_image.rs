//! A PDF's image as a file OCR reads: a scanned page is an image in the PDF, coded by one of the
//! PDF's filters, with its size and colours in its dictionary rather than in a file header. A
//! page's images are those it draws and those the form XObjects it draws draw ([`page_images`]).
//!
//! - `DCTDecode` (JPEG) and `JPXDecode` (JPEG 2000): the stream is the file.
//! - `FlateDecode` over 8-bit grey, RGB or CMYK, 1-bit grey, or indexed colours (a palette over
//!   grey, RGB or CMYK, 1 to 8 bits an index): inflated within the budget, PNG predictors undone,
//!   and written as a PNM (`P5`, `P6`, `P4`), which Tesseract reads.
//! - `CCITTFaxDecode` (how most scanners write black-and-white pages): wrapped in a TIFF header,
//!   Group 4 or Group 3 as its `K` says.
//!
//! - `JBIG2Decode` (how some scanners and PDF compressors store black-and-white pages): decoded
//!   to a PBM, with the segments of its `/JBIG2Globals`, by `jbig2dec` run as a separate process
//!   as Tesseract is ([`super::ocr::decode_jbig2`]).
//!
//! Others (other colour spaces, chains of filters) are named, not read.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use std::collections::HashSet;

use lopdf::xobject::PdfImage as Listed;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::TextOut;
use super::pdf_files::dictionary;

/// Reads the images of page `number` by OCR into `out`, each under a line `[image on page N]`,
/// where OCR is on: at most [`super::ocr::MAX_DOCUMENT_IMAGES`] in the document (`seen` counts
/// them), within the decompression `budget`. Whether any gave text.
pub(super) fn read_page_images(
    document: &Document,
    number: u32,
    page_id: ObjectId,
    budget: &mut usize,
    seen: &mut usize,
    out: &mut TextOut<'_>,
) -> bool {
    if out.limits.ocr.is_none() || out.is_full() {
        return false;
    }
    let images = match catch_unwind(AssertUnwindSafe(|| page_images(document, page_id))) {
        Ok(Ok(images)) => images,
        Ok(Err(error)) => {
            out.note(format!(
                "page {number}'s images could not be listed: {error}"
            ));
            return false;
        }
        Err(_) => {
            out.note(format!(
                "page {number}'s images could not be listed: the parser panicked"
            ));
            return false;
        }
    };
    let mut read = false;
    for (index, found) in images.iter().enumerate() {
        let name = if images.len() == 1 {
            format!("on page {number}")
        } else {
            format!("{} on page {number}", index + 1)
        };
        if *seen >= super::ocr::MAX_DOCUMENT_IMAGES {
            out.note(format!(
                "more than {} images in the PDF; those from image {name} on were not read by OCR",
                super::ocr::MAX_DOCUMENT_IMAGES
            ));
            return read;
        }
        if out.is_full() || out.out_of_time(&format!("before image {name}")) {
            return read;
        }
        *seen += 1;
        let params = found
            .origin_dict
            .get(b"DecodeParms")
            .ok()
            .and_then(|params| match params {
                Object::Dictionary(dict) => Some(dict.clone()),
                Object::Array(array) => array.first().and_then(|p| p.as_dict().ok()).cloned(),
                Object::Reference(id) => document.get_dictionary(*id).ok().cloned(),
                _ => None,
            })
            .unwrap_or_default();
        let int = |key: &[u8], default: i64| {
            params
                .get(key)
                .ok()
                .and_then(|value| value.as_i64().ok())
                .unwrap_or(default)
        };
        let image = PdfImage {
            filters: found.filters.clone().unwrap_or_default(),
            width: u32::try_from(found.width).unwrap_or(0),
            height: u32::try_from(found.height).unwrap_or(0),
            bits_per_component: found
                .bits_per_component
                .and_then(|bits| u8::try_from(bits).ok())
                .unwrap_or(8),
            components: components(document, found),
            palette: palette(document, found),
            predictor: int(b"Predictor", 1),
            k: int(b"K", 0),
            black_is_1: params
                .get(b"BlackIs1")
                .ok()
                .and_then(|value| value.as_bool().ok())
                .unwrap_or(false),
            content: found.content,
        };
        let file = if matches!(image.filters.as_slice(), [filter] if filter == "JBIG2Decode") {
            jbig2_file(document, &params, &image, budget, out)
        } else {
            image_file(&image, budget)
        };
        match file {
            Ok(file) => read |= super::ocr::read_image_into(&file, &format!("image {name}"), out),
            Err(why) => out.note(format!("image {name}: {why}; not read by OCR")),
        }
    }
    read
}

/// Most levels of form XObjects looked into for images (a form drawn by a form…).
const MAX_FORM_DEPTH: usize = 8;
/// Most form XObjects looked into for images on one page.
const MAX_FORMS: usize = 256;

/// The images a page draws: those in its own resources (as lopdf lists them), then those in the
/// form XObjects it draws, and in theirs, [`MAX_FORM_DEPTH`] levels deep and [`MAX_FORMS`] forms
/// at most, each form and image once (a scanned page placed on another as a form, as LaTeX's
/// `\includegraphics` of a PDF and PDF stamping tools do).
fn page_images(document: &Document, page_id: ObjectId) -> lopdf::Result<Vec<Listed<'_>>> {
    let mut images = document.get_page_images(page_id)?;
    let mut seen: HashSet<ObjectId> = images.iter().map(|image| image.id).collect();
    let (own, inherited) = document.get_page_resources(page_id)?;
    let mut resources: Vec<&Dictionary> = own.into_iter().collect();
    resources.extend(
        inherited
            .iter()
            .filter_map(|id| document.get_dictionary(*id).ok()),
    );
    let mut forms: Vec<(ObjectId, usize)> = Vec::new();
    for dictionary in resources {
        for (id, stream) in xobjects(document, dictionary) {
            if is_subtype(stream, b"Form") {
                forms.push((id, 1));
            }
        }
    }
    forms.reverse();
    let mut opened = 0;
    while let Some((form_id, depth)) = forms.pop() {
        if depth > MAX_FORM_DEPTH || opened >= MAX_FORMS || !seen.insert(form_id) {
            continue;
        }
        opened += 1;
        let Ok(form) = document.get_object(form_id).and_then(Object::as_stream) else {
            continue;
        };
        let Some(form_resources) = form
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|resources| dictionary(document, resources))
        else {
            continue;
        };
        let mut inner = Vec::new();
        for (id, stream) in xobjects(document, form_resources) {
            if is_subtype(stream, b"Image") {
                if seen.insert(id)
                    && let Some(image) = image_of(id, stream)
                {
                    images.push(image);
                }
            } else if is_subtype(stream, b"Form") {
                inner.push((id, depth + 1));
            }
        }
        inner.reverse();
        forms.extend(inner);
    }
    Ok(images)
}

/// The XObjects a resource dictionary names, by reference, that are streams.
fn xobjects<'d>(document: &'d Document, resources: &'d Dictionary) -> Vec<(ObjectId, &'d Stream)> {
    let Some(named) = resources
        .get(b"XObject")
        .ok()
        .and_then(|named| dictionary(document, named))
    else {
        return Vec::new();
    };
    named
        .iter()
        .filter_map(|(_, value)| {
            let id = value.as_reference().ok()?;
            let stream = document.get_object(id).and_then(Object::as_stream).ok()?;
            Some((id, stream))
        })
        .collect()
}

/// Whether an XObject is of the `/Subtype` given.
fn is_subtype(stream: &Stream, subtype: &[u8]) -> bool {
    stream
        .dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|name| name == subtype)
}

/// An image XObject as lopdf describes those of a page ([`Document::get_page_images`]); none
/// without a width and a height.
fn image_of(id: ObjectId, stream: &Stream) -> Option<Listed<'_>> {
    let dict = &stream.dict;
    let name = |object: &Object| {
        object
            .as_name()
            .ok()
            .map(|name| String::from_utf8_lossy(name).into_owned())
    };
    let color_space = match dict.get(b"ColorSpace") {
        Ok(Object::Array(array)) => array.first().and_then(name),
        Ok(other) => name(other),
        Err(_) => None,
    };
    let filters = match dict.get(b"Filter") {
        Ok(Object::Array(array)) => array.iter().filter_map(name).collect(),
        Ok(other) => name(other).into_iter().collect(),
        Err(_) => Vec::new(),
    };
    Some(Listed {
        id,
        width: dict.get(b"Width").ok()?.as_i64().ok()?,
        height: dict.get(b"Height").ok()?.as_i64().ok()?,
        color_space,
        filters: Some(filters),
        bits_per_component: dict
            .get(b"BitsPerComponent")
            .ok()
            .and_then(|bits| bits.as_i64().ok()),
        content: &stream.content,
        origin_dict: dict,
    })
}

/// A JBIG2 image as a PBM, decoded with the segments of its `/JBIG2Globals` stream (inflated
/// within the budget where it is compressed) by the JBIG2 program ([`super::ocr::decode_jbig2`]).
fn jbig2_file(
    document: &Document,
    params: &lopdf::Dictionary,
    image: &PdfImage<'_>,
    budget: &mut usize,
    out: &TextOut<'_>,
) -> Result<Vec<u8>, String> {
    let globals = match params.get(b"JBIG2Globals") {
        Ok(Object::Reference(id)) => {
            let stream = document
                .get_object(*id)
                .and_then(Object::as_stream)
                .map_err(|error| format!("its JBIG2Globals stream cannot be read ({error})"))?;
            let globals = stream
                .decompressed_content_with_limit(*budget)
                .map_err(|error| match error {
                    lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                        ..
                    }) => {
                        "its JBIG2Globals stream decodes past the decompression budget".to_owned()
                    }
                    error => format!("its JBIG2Globals stream cannot be read ({error})"),
                })?;
            *budget -= globals.len();
            globals
        }
        _ => Vec::new(),
    };
    super::ocr::decode_jbig2(
        &globals,
        image.content,
        image.width,
        image.height,
        out.limits,
    )
}

/// How many colour components an image's colour space has, where it is one read: grey or RGB,
/// calibrated or not, or an ICC profile's `/N`.
fn components(document: &Document, image: &lopdf::xobject::PdfImage<'_>) -> Option<u8> {
    match image.color_space.as_deref()? {
        "DeviceGray" | "CalGray" | "G" => Some(1),
        "DeviceRGB" | "CalRGB" | "RGB" => Some(3),
        "DeviceCMYK" | "CMYK" => Some(4),
        "ICCBased" => {
            let space = image.origin_dict.get(b"ColorSpace").ok()?.as_array().ok()?;
            let id = space.get(1)?.as_reference().ok()?;
            let stream = document.get_object(id).ok()?.as_stream().ok()?;
            let n = stream.dict.get(b"N").ok()?.as_i64().ok()?;
            u8::try_from(n).ok()
        }
        _ => None,
    }
}

/// An indexed image's palette (`[/Indexed base hival lookup]`): its base colour space's
/// components and its table, from a string or a stream; none for another colour space or one
/// that cannot be read.
fn palette(document: &Document, image: &lopdf::xobject::PdfImage<'_>) -> Option<(u8, Vec<u8>)> {
    if image.color_space.as_deref()? != "Indexed" {
        return None;
    }
    let resolve = |object: &Object| -> Option<Object> {
        match object {
            Object::Reference(id) => document.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let space = resolve(image.origin_dict.get(b"ColorSpace").ok()?)?;
    let space = space.as_array().ok()?;
    let base = match resolve(space.get(1)?)? {
        Object::Name(name) => match name.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => 1,
            b"DeviceRGB" | b"RGB" | b"CalRGB" => 3,
            b"DeviceCMYK" | b"CMYK" => 4,
            _ => return None,
        },
        Object::Array(base) if base.first()?.as_name().ok()? == b"ICCBased" => {
            let id = base.get(1)?.as_reference().ok()?;
            let stream = document.get_object(id).ok()?.as_stream().ok()?;
            u8::try_from(stream.dict.get(b"N").ok()?.as_i64().ok()?).ok()?
        }
        _ => return None,
    };
    let table = match resolve(space.get(3)?)? {
        Object::String(bytes, _) => bytes,
        // A table longer than 256 entries of four components is none that is read.
        Object::Stream(stream) => stream.decompressed_content_with_limit(256 * 4).ok()?,
        _ => return None,
    };
    // At most 256 entries.
    let table = table
        .get(..table.len().min(256 * usize::from(base)))?
        .to_vec();
    Some((base, table))
}

/// What a PDF says of one image: its filter, size, colours and parameters.
#[derive(Debug, Clone, Default)]
pub(super) struct PdfImage<'a> {
    /// The filters, in order (most images have one).
    pub filters: Vec<String>,
    pub width: u32,
    pub height: u32,
    pub bits_per_component: u8,
    /// `DeviceGray`, `DeviceRGB`, `CalGray`, `CalRGB`, `ICCBased` with its component count…
    pub components: Option<u8>,
    /// `/DecodeParms`: `/Predictor` and `/Columns` for Flate, `/K` and `/BlackIs1` for CCITT.
    pub predictor: i64,
    pub k: i64,
    pub black_is_1: bool,
    /// An indexed image's palette: the components of its base colour space (grey 1, RGB 3, CMYK
    /// 4) and the table, that many bytes an entry.
    pub palette: Option<(u8, Vec<u8>)>,
    /// The stream as stored.
    pub content: &'a [u8],
}

/// The image as a file OCR reads, or why it is not one; at most `budget` bytes are inflated,
/// and what was inflated is taken from it.
pub(super) fn image_file(image: &PdfImage<'_>, budget: &mut usize) -> Result<Vec<u8>, String> {
    let [filter] = image.filters.as_slice() else {
        return Err(match image.filters.len() {
            0 => "an image stored without a filter".to_owned(),
            _ => format!("an image coded by {} filters in turn", image.filters.len()),
        });
    };
    match filter.as_str() {
        "DCTDecode" | "DCT" | "JPXDecode" => Ok(image.content.to_vec()),
        "CCITTFaxDecode" | "CCF" => Ok(ccitt_tiff(image)),
        "FlateDecode" | "Fl" => flate_pnm(image, budget),
        other => Err(format!("an image coded by {other}, which is not read")),
    }
}

/// A Flate-coded image as a PNM: grey as a PGM, RGB, CMYK and palettes as a PPM (or a PGM for a
/// grey palette), 1-bit grey as a PBM.
fn flate_pnm(image: &PdfImage<'_>, budget: &mut usize) -> Result<Vec<u8>, String> {
    let bits = usize::from(image.bits_per_component);
    let samples = match (&image.palette, image.components) {
        (Some(_), _) if matches!(bits, 1 | 2 | 4 | 8) => 1usize,
        (None, Some(components @ (1 | 3 | 4))) if bits == 8 || (components == 1 && bits == 1) => {
            usize::from(components)
        }
        (_, components) => {
            return Err(format!(
                "an image of {} colour components at {bits} bits, which is not read",
                components.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
            ));
        }
    };
    let (width, height) = (image.width as usize, image.height as usize);
    let row = (width * samples * bits).div_ceil(8);
    let size = row
        .checked_mul(height)
        .filter(|size| *size <= *budget)
        .ok_or_else(|| "an image larger than the remaining decompression budget".to_owned())?;
    // A PNG predictor puts a filter-type byte before each row.
    let png = image.predictor >= 10;
    let coded_row = row + usize::from(png);
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(image.content)
        .take((coded_row * height) as u64)
        .read_to_end(&mut inflated)
        .map_err(|error| format!("an image whose data does not inflate ({error})"))?;
    *budget -= size.min(*budget);
    let mut pixels = if png {
        unpredict_png(&inflated, row, (samples * bits).div_ceil(8))
    } else {
        inflated
    };
    pixels.resize(size, 0);
    let (magic, pixels) = match (&image.palette, samples) {
        (Some((base, table)), _) => {
            let out_components = if *base == 1 { 1 } else { 3 };
            let out_size = width * height * out_components;
            if out_size > *budget {
                return Err("an image larger than the remaining decompression budget".to_owned());
            }
            *budget -= out_size;
            let mut out = Vec::with_capacity(out_size);
            for line in pixels.chunks(row) {
                for x in 0..width {
                    let index = sample(line, x, bits);
                    let entry = table
                        .get(index * usize::from(*base)..(index + 1) * usize::from(*base))
                        .unwrap_or_default();
                    push_colour(entry, *base, &mut out);
                }
            }
            (if *base == 1 { "P5" } else { "P6" }, out)
        }
        (None, 4) => {
            let mut out = Vec::with_capacity(width * height * 3);
            for cmyk in pixels.chunks(4) {
                push_colour(cmyk, 4, &mut out);
            }
            ("P6", out)
        }
        (None, 3) => ("P6", pixels),
        (None, _) if bits == 1 => {
            if !image.black_is_1 {
                // PDF's 1-bit grey has 0 black; PBM has 1 black.
                for byte in &mut pixels {
                    *byte = !*byte;
                }
            }
            ("P4", pixels)
        }
        (None, _) => ("P5", pixels),
    };
    let mut file = format!("{magic}\n{width} {height}\n").into_bytes();
    if magic != "P4" {
        file.extend_from_slice(b"255\n");
    }
    file.extend_from_slice(&pixels);
    Ok(file)
}

/// The `x`th sample of `bits` bits in a row of packed samples.
fn sample(line: &[u8], x: usize, bits: usize) -> usize {
    let at = x * bits;
    let byte = usize::from(line.get(at / 8).copied().unwrap_or(0));
    match bits {
        8 => byte,
        _ => (byte >> (8 - bits - at % 8)) & ((1 << bits) - 1),
    }
}

/// A colour of `components` bytes (grey, RGB, CMYK) written as grey (one byte) or RGB (three).
fn push_colour(colour: &[u8], components: u8, out: &mut Vec<u8>) {
    let byte = |i: usize| u16::from(colour.get(i).copied().unwrap_or(0));
    match components {
        1 => out.push(colour.first().copied().unwrap_or(0)),
        4 => {
            let k = 255 - byte(3);
            for i in 0..3 {
                out.push(((255 - byte(i)) * k / 255) as u8);
            }
        }
        _ => out.extend((0..3).map(|i| byte(i) as u8)),
    }
}

/// Rows coded with PNG's filters (each row a filter-type byte and then its bytes) as plain rows
/// of `row` bytes, `bpp` bytes a pixel (at least one).
fn unpredict_png(coded: &[u8], row: usize, bpp: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(coded.len());
    let mut previous = vec![0u8; row];
    for chunk in coded.chunks(row + 1) {
        let Some((&kind, data)) = chunk.split_first() else {
            break;
        };
        let mut current = vec![0u8; row];
        for (i, &byte) in data.iter().enumerate().take(row) {
            let left = if i >= bpp { current[i - bpp] } else { 0 };
            let up = previous[i];
            let up_left = if i >= bpp { previous[i - bpp] } else { 0 };
            current[i] = match kind {
                1 => byte.wrapping_add(left),
                2 => byte.wrapping_add(up),
                3 => byte.wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => byte.wrapping_add(paeth(left, up, up_left)),
                _ => byte,
            };
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    out
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// CCITT fax data in a one-strip TIFF: Group 4 where `K` is negative, Group 3 otherwise (2-D
/// where `K` is positive), white as 0 unless `BlackIs1`.
fn ccitt_tiff(image: &PdfImage<'_>) -> Vec<u8> {
    const TAGS: u16 = 9;
    let data_at: u32 = 8 + 2 + u32::from(TAGS) * 12 + 4;
    let (compression, options) = match image.k {
        k if k < 0 => (4u32, None),
        0 => (3, Some(0u32)),
        _ => (3, Some(1)),
    };
    let length = u32::try_from(image.content.len()).unwrap_or(u32::MAX);
    let photometric = u32::from(image.black_is_1);
    let mut tags: Vec<(u16, u16, u32)> = vec![
        (256, 4, image.width),
        (257, 4, image.height),
        (258, 3, 1),
        (259, 3, compression),
        (262, 3, photometric),
        (273, 4, data_at),
        (278, 4, image.height),
        (279, 4, length),
    ];
    // Group 3's options (2-D coding or not); a filler tag keeps the count for Group 4.
    tags.push(match options {
        Some(options) => (292, 4, options),
        None => (284, 3, 1),
    });
    tags.sort_by_key(|(tag, _, _)| *tag);
    let mut file = Vec::with_capacity(data_at as usize + image.content.len());
    file.extend_from_slice(b"II*\0");
    file.extend_from_slice(&8u32.to_le_bytes());
    file.extend_from_slice(&TAGS.to_le_bytes());
    for (tag, kind, value) in tags {
        file.extend_from_slice(&tag.to_le_bytes());
        file.extend_from_slice(&kind.to_le_bytes());
        file.extend_from_slice(&1u32.to_le_bytes());
        if kind == 3 {
            file.extend_from_slice(&(value as u16).to_le_bytes());
            file.extend_from_slice(&[0, 0]);
        } else {
            file.extend_from_slice(&value.to_le_bytes());
        }
    }
    file.extend_from_slice(&0u32.to_le_bytes());
    file.extend_from_slice(image.content);
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Images in form XObjects are found, and in forms drawn by forms; a form that draws itself,
    /// or two that draw each other, are opened once; an image drawn twice is listed once.
    #[test]
    fn images_in_forms_are_found_once_through_loops() {
        use lopdf::{Stream, dictionary};
        let mut document = Document::with_version("1.7");
        let image = document.add_object(Stream::new(
            dictionary! {"Subtype" => "Image", "Width" => 40, "Height" => 40,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode"},
            b"jpeg".to_vec(),
        ));
        let deep_image = document.add_object(Stream::new(
            dictionary! {"Subtype" => "Image", "Width" => 50, "Height" => 50},
            b"deep".to_vec(),
        ));
        let inner = document.new_object_id();
        let outer = document.new_object_id();
        // The outer form draws the image, the inner form and itself; the inner draws the outer
        // back and an image of its own.
        document.objects.insert(
            outer,
            Object::Stream(Stream::new(
                dictionary! {"Subtype" => "Form", "Resources" => dictionary! {
                "XObject" => dictionary! {"Im" => image, "In" => inner, "Me" => outer}}},
                Vec::new(),
            )),
        );
        document.objects.insert(
            inner,
            Object::Stream(Stream::new(
                dictionary! {"Subtype" => "Form", "Resources" => dictionary! {
                "XObject" => dictionary! {"Back" => outer, "Deep" => deep_image, "Im" => image}}},
                Vec::new(),
            )),
        );
        let pages = document.new_object_id();
        let page = document.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages,
            "Resources" => dictionary! {"XObject" => dictionary! {"F" => outer}},
        });
        document.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1},
            ),
        );
        let found = page_images(&document, page).unwrap_or_default();
        let ids: Vec<ObjectId> = found.iter().map(|image| image.id).collect();
        assert_eq!(ids, [image, deep_image]);
        assert_eq!(
            found[0].filters.as_deref(),
            Some(&["DCTDecode".to_owned()][..])
        );
        assert_eq!(found[0].color_space.as_deref(), Some("DeviceGray"));
        assert_eq!(
            (found[1].width, found[1].color_space.as_deref()),
            (50, None)
        );
    }

    #[test]
    fn png_predictors_are_undone() {
        // Two rows of three grey pixels: `Sub` then `Up`.
        let coded = [1, 10, 5, 5, 2, 1, 1, 1];
        assert_eq!(unpredict_png(&coded, 3, 1), [10, 15, 20, 11, 16, 21]);
    }

    #[test]
    fn a_flate_grey_image_becomes_a_pgm_within_the_budget() {
        use std::io::Write;
        let mut coder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        coder.write_all(&[0, 255, 128, 64]).unwrap_or_default();
        let content = coder.finish().unwrap_or_default();
        let image = PdfImage {
            filters: vec!["FlateDecode".to_owned()],
            width: 2,
            height: 2,
            bits_per_component: 8,
            components: Some(1),
            content: &content,
            ..PdfImage::default()
        };
        let mut budget = 100;
        let file = image_file(&image, &mut budget);
        assert_eq!(
            file.as_deref().ok(),
            Some(&b"P5\n2 2\n255\n\0\xff\x80\x40"[..])
        );
        assert_eq!(budget, 96);
        let mut small = 3;
        assert!(image_file(&image, &mut small).is_err());
        let run_length = PdfImage {
            filters: vec!["RunLengthDecode".to_owned()],
            ..image
        };
        assert_eq!(
            image_file(&run_length, &mut budget).err().as_deref(),
            Some("an image coded by RunLengthDecode, which is not read")
        );
    }

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut coder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        coder.write_all(bytes).unwrap_or_default();
        coder.finish().unwrap_or_default()
    }

    /// A 2-bit indexed image over RGB, and a CMYK one, become PPMs of their colours.
    #[test]
    fn palettes_and_cmyk_become_rgb() {
        // Three pixels, indexes 0, 3, 1, packed two bits each: 0b00_11_01_00.
        let content = deflate(&[0b0011_0100]);
        let indexed = PdfImage {
            filters: vec!["FlateDecode".to_owned()],
            width: 3,
            height: 1,
            bits_per_component: 2,
            palette: Some((3, vec![255, 255, 255, 1, 2, 3, 0, 0, 0, 9, 8, 7])),
            content: &content,
            ..PdfImage::default()
        };
        let mut budget = 100;
        assert_eq!(
            image_file(&indexed, &mut budget).ok().as_deref(),
            Some(&b"P6\n3 1\n255\n\xff\xff\xff\x09\x08\x07\x01\x02\x03"[..])
        );
        let content = deflate(&[0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0]);
        let cmyk = PdfImage {
            filters: vec!["FlateDecode".to_owned()],
            width: 3,
            height: 1,
            bits_per_component: 8,
            components: Some(4),
            content: &content,
            ..PdfImage::default()
        };
        assert_eq!(
            image_file(&cmyk, &mut budget).ok().as_deref(),
            Some(&b"P6\n3 1\n255\n\xff\xff\xff\0\0\0\0\xff\xff"[..])
        );
    }

    #[test]
    fn ccitt_data_is_wrapped_as_a_tiff() {
        let image = PdfImage {
            filters: vec!["CCITTFaxDecode".to_owned()],
            width: 1700,
            height: 2200,
            bits_per_component: 1,
            k: -1,
            content: b"fax",
            ..PdfImage::default()
        };
        let file = ccitt_tiff(&image);
        assert!(file.starts_with(b"II*\0\x08\0\0\0\x09\0"));
        assert!(file.ends_with(b"fax"));
        let size = imagesize::blob_size(&file).ok();
        assert_eq!(size.map(|s| (s.width, s.height)), Some((1700, 2200)));
    }
}

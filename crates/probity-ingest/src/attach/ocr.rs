//! Text in images read by optical character recognition: a screenshot of a police system or a
//! photographed page sent out by email is police data leaving as much as the same text typed.
//!
//! Recognition is Tesseract's (the `tesseract` program, Debian's `tesseract-ocr` with a language
//! pack such as `tesseract-ocr-eng`), run as a separate process for each image, so that a hostile
//! image that crashes or hangs its decoder takes nothing of ours with it. It is off unless
//! configured ([`Ocr`] in [`crate::Limits::ocr`]; `--ocr` on the command line). Each run:
//!
//! - is given only images whose header reads as PNG, JPEG, GIF, TIFF, BMP or WebP, of at least
//!   [`Ocr::min_side`] pixels each way (an icon or a spacer holds no text worth the run) and at
//!   most [`Ocr::max_pixels`] (a small file can declare a picture of gigapixels, which the decoder
//!   would allocate);
//! - gets the image on its standard input and an empty environment but for a one-thread limit,
//!   and is killed at [`Ocr::timeout`] or the attachment's own time limit, whichever is sooner;
//! - has its output read up to the attachment text limit, and its exit status checked.
//!
//! What a run read is remembered by the image's SHA-256 ([`Cache`]), so the logo in thousands of
//! signatures is run once.
//!
//! What recognition reads is noted as such: it may misread, and an analyst should look at the
//! image itself before relying on it.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::TextOut;

/// How images are read by OCR.
#[derive(Debug, Clone)]
pub struct Ocr {
    /// The Tesseract program (a name found on `PATH`, or a path).
    pub program: PathBuf,
    /// The program that decodes a PDF's JBIG2 images for it (`jbig2dec`, from Debian's
    /// `jbig2dec`), run as Tesseract is.
    pub jbig2_program: PathBuf,
    /// Tesseract's language code (`eng`).
    pub language: String,
    /// Longest one image may take.
    pub timeout: Duration,
    /// Images narrower or shorter than this, in pixels, are not read.
    pub min_side: u32,
    /// Images of more pixels than this are not read.
    pub max_pixels: u64,
    /// What was read from the images seen last, by their SHA-256, shared by the clones of this
    /// value: the logo in thousands of signatures is run once.
    pub cache: Arc<Cache>,
}

/// What OCR read from recent images, by the SHA-256 of their bytes: at most [`Cache::CAPACITY`]
/// of them, the oldest forgotten first. Only a run that finished is kept (one stopped at its
/// time limit may finish on a quieter machine).
#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<CacheEntries>,
}

#[derive(Debug, Default)]
struct CacheEntries {
    texts: HashMap<[u8; 32], String>,
    order: VecDeque<[u8; 32]>,
}

impl Cache {
    /// Most images remembered.
    pub const CAPACITY: usize = 4096;

    fn get(&self, key: &[u8; 32]) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        entries.texts.get(key).cloned()
    }

    fn put(&self, key: [u8; 32], text: String) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.texts.insert(key, text).is_none() {
            entries.order.push_back(key);
        }
        while entries.order.len() > Self::CAPACITY {
            if let Some(old) = entries.order.pop_front() {
                entries.texts.remove(&old);
            }
        }
    }

    /// How many images are remembered.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |entries| entries.texts.len())
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Ocr {
    fn default() -> Self {
        Self {
            program: PathBuf::from("tesseract"),
            jbig2_program: PathBuf::from("jbig2dec"),
            language: "eng".to_owned(),
            timeout: Duration::from_secs(20),
            min_side: 32,
            max_pixels: 40_000_000,
            cache: Arc::default(),
        }
    }
}

impl Ocr {
    /// Runs the program to ask its version, so that a missing program or language is found when
    /// OCR is switched on rather than at the first image: the version line, or why it failed.
    pub fn check(&self) -> Result<String, String> {
        let output = Command::new(&self.program)
            .arg("--list-langs")
            .env_clear()
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("cannot run {}: {error}", self.program.display()))?;
        let listed = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "{} --list-langs failed ({})",
                self.program.display(),
                output.status
            ));
        }
        if !listed.lines().any(|line| line.trim() == self.language) {
            return Err(format!(
                "{} has no language `{}` (Debian: install tesseract-ocr-{})",
                self.program.display(),
                self.language,
                self.language
            ));
        }
        let version = Command::new(&self.program)
            .arg("--version")
            .env_clear()
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("cannot run {}: {error}", self.program.display()))?;
        let text = String::from_utf8_lossy(&version.stdout);
        Ok(text.lines().next().unwrap_or_default().trim().to_owned())
    }
}

/// The image formats read: those Tesseract's image library decodes.
fn format_name(bytes: &[u8]) -> Option<&'static str> {
    use imagesize::ImageType;
    match imagesize::image_type(bytes).ok()? {
        ImageType::Png => Some("PNG"),
        ImageType::Jpeg => Some("JPEG"),
        ImageType::Gif => Some("GIF"),
        ImageType::Tiff => Some("TIFF"),
        ImageType::Bmp => Some("BMP"),
        ImageType::Webp => Some("WebP"),
        ImageType::Pnm => Some("PNM"),
        _ => None,
    }
}

/// Whether `bytes` start as an image of a format read ([`format_name`]): PNG, JPEG, GIF, TIFF,
/// BMP, WebP, or the PNM a PDF's raw pixels are written as ([`super::pdf_image`]).
pub(super) fn is_image(bytes: &[u8]) -> bool {
    format_name(bytes).is_some()
}

/// Reads the text of an image by OCR where it is configured, or notes why it was not read.
pub(super) fn extract(bytes: &[u8], out: &mut TextOut<'_>) {
    let Some(format) = format_name(bytes) else {
        out.note("not an image of a format read");
        return;
    };
    let Some(ocr) = out.limits.ocr.clone() else {
        out.note(format!(
            "a {format} image: text in images is not read (OCR is off)"
        ));
        return;
    };
    let size = match imagesize::blob_size(bytes) {
        Ok(size) => size,
        Err(error) => {
            out.note(format!(
                "a {format} image whose size cannot be read ({error}): not read by OCR"
            ));
            return;
        }
    };
    let (width, height) = (size.width as u64, size.height as u64);
    let min_side = u64::from(ocr.min_side);
    if width < min_side || height < min_side {
        out.note(format!(
            "a {format} image of {width}×{height} pixels, smaller than {min_side} pixels each way: not read by OCR"
        ));
        return;
    }
    if width.saturating_mul(height) > ocr.max_pixels {
        out.note(format!(
            "a {format} image of {width}×{height} pixels, more than the {} allowed: not read by OCR",
            ocr.max_pixels
        ));
        return;
    }
    let timeout = ocr.timeout.min(out.limits.max_attachment_time);
    let max_text = out.limits.max_attachment_text_bytes;
    // The text limit is part of the key: a text cut to a smaller one is not another's.
    let key: [u8; 32] = Sha256::new()
        .chain_update(bytes)
        .chain_update(max_text.to_le_bytes())
        .finalize()
        .into();
    let read = match ocr.cache.get(&key) {
        Some(text) => Ok(text),
        None => recognise(&ocr, bytes, timeout, max_text).inspect(|text| {
            ocr.cache.put(key, text.clone());
        }),
    };
    match read {
        Ok(text) => {
            out.note(format!(
                "a {format} image of {width}×{height} pixels read by OCR (Tesseract, language {}): recognition may misread, so check the image itself",
                ocr.language
            ));
            out.push(&text);
        }
        Err(reason) => out.note(format!("a {format} image not read by OCR: {reason}")),
    }
}

/// Where Office and OpenDocument files keep their pictures.
const MEDIA_FOLDERS: [&str; 4] = ["word/media/", "xl/media/", "ppt/media/", "Pictures/"];

/// Most pictures of one document read by OCR.
pub(super) const MAX_DOCUMENT_IMAGES: usize = 32;

/// The pictures in a document (a screenshot pasted into a Word report or a slide), read by OCR
/// after its text, each under a line `[image NAME]`, at most [`MAX_DOCUMENT_IMAGES`], within the
/// document's decompression `budget` and time limit. Nothing is read while OCR is off.
pub(super) fn read_media(
    archive: &mut super::zip::Archive<'_>,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) {
    if out.limits.ocr.is_none() || out.is_full() {
        return;
    }
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| MEDIA_FOLDERS.iter().any(|folder| name.starts_with(folder)))
        .filter(|name| !name.ends_with('/'))
        .map(|name| name.into_owned())
        .collect();
    names.sort();
    if names.len() > MAX_DOCUMENT_IMAGES {
        out.note(format!(
            "{} pictures in the document; the first {MAX_DOCUMENT_IMAGES} were looked at for OCR",
            names.len()
        ));
        names.truncate(MAX_DOCUMENT_IMAGES);
    }
    for name in names {
        if out.is_full() || out.out_of_time(&format!("before the picture {name}")) {
            return;
        }
        let Some(bytes) = super::zip::read_part_bytes(archive, &name, budget, out) else {
            continue;
        };
        if !is_image(&bytes) {
            continue;
        }
        read_image_into(&bytes, &format!("image {name}"), out);
    }
}

/// Reads an image inside another file by OCR into `out`: its text under a line `[LABEL]`
/// (`[image word/media/image1.png]`, `[image on page 3]`), its notes prefixed with `LABEL: `.
/// Whether it gave any text.
pub(super) fn read_image_into(bytes: &[u8], label: &str, out: &mut TextOut<'_>) -> bool {
    let mut read = TextOut::new(out.limits);
    extract(bytes, &mut read);
    let read = read.finish();
    if let Some(note) = read.note {
        out.note(format!("{label}: {note}"));
    }
    let Some(text) = read.text else {
        return false;
    };
    out.push("\n\n[");
    out.push(label);
    out.push("]\n");
    out.push(&text);
    true
}

/// How often a running recognition is looked at for its end.
const POLL: Duration = Duration::from_millis(5);

/// Runs the program over `image` and returns what it read, at most one byte more than `max_text`
/// (so that a cut can be told); an
/// error says why there is none (it could not start, failed, or ran past `timeout` and was
/// killed).
fn recognise(
    ocr: &Ocr,
    image: &[u8],
    timeout: Duration,
    max_text: usize,
) -> Result<String, String> {
    let (status, text) = run(
        &ocr.program,
        &["stdin", "stdout", "-l", &ocr.language, "--psm", "3"],
        image,
        timeout,
        max_text,
    )
    .map_err(|why| match why {
        RunError::Start(error) => format!("cannot run {}: {error}", ocr.program.display()),
        RunError::Stopped => format!(
            "recognition ran past {} ms and was stopped",
            timeout.as_millis()
        ),
        RunError::Wait(error) => format!("recognition could not be waited for: {error}"),
    })?;
    // Output past the limit is not read, and the pipe closed on it may end the program with a
    // broken pipe: what fits is kept.
    if !status.success() && text.len() <= max_text {
        return Err(format!("recognition failed ({status})"));
    }
    // At most one byte past the limit: the text limit cuts it, noted.
    let text = String::from_utf8_lossy(&text);
    // Tesseract ends its output with a form feed.
    Ok(text.trim_end_matches(['\u{c}', '\n', ' ']).to_owned())
}

/// Most memory the JBIG2 decoder may take (its own limit, `-M`).
const JBIG2_MEMORY: u64 = 256 << 20;

/// A PDF's JBIG2 image (`page`, the segments of its page, after those of its `/JBIG2Globals`
/// stream, `globals`, which its symbols may be drawn from) decoded to a PBM by the JBIG2
/// program ([`Ocr::jbig2_program`]), run as recognition is: in a process of its own, with an
/// empty environment, within its own memory limit ([`JBIG2_MEMORY`]) and killed at the time
/// limit; its output read no further than a PBM of the `width` and `height` the PDF declares.
/// An image of more pixels than OCR reads is not decoded. Why not, where it is not.
pub(super) fn decode_jbig2(
    globals: &[u8],
    page: &[u8],
    width: u32,
    height: u32,
    limits: &crate::Limits,
) -> Result<Vec<u8>, String> {
    let Some(ocr) = limits.ocr.as_ref() else {
        return Err("OCR is off".to_owned());
    };
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > ocr.max_pixels {
        return Err(format!(
            "a JBIG2 image of {width}×{height} pixels, not between 1 and the {} allowed",
            ocr.max_pixels
        ));
    }
    let header = format!("P4\n{width} {height}\n");
    let rows = usize::try_from(u64::from(width).div_ceil(8) * u64::from(height))
        .map_err(|_| "a JBIG2 image too large to hold".to_owned())?;
    let most = header.len() + rows;
    let mut input = Vec::with_capacity(globals.len() + page.len());
    input.extend_from_slice(globals);
    input.extend_from_slice(page);
    let timeout = ocr.timeout.min(limits.max_attachment_time);
    let program = ocr.jbig2_program.display();
    let memory = JBIG2_MEMORY.to_string();
    // The embedded form (no file header), globals then page as one stream, from its standard
    // input, as a PBM to its standard output.
    let (status, pbm) = run(
        &ocr.jbig2_program,
        &[
            "--embedded",
            "--quiet",
            "-M",
            &memory,
            "--format",
            "pbm",
            "--output",
            "-",
            "/dev/stdin",
        ],
        &input,
        timeout,
        most,
    )
    .map_err(|why| match why {
        RunError::Start(error) => format!("cannot run {program} to decode its JBIG2 data: {error}"),
        RunError::Stopped => format!(
            "its JBIG2 data took more than {} ms to decode and was stopped",
            timeout.as_millis()
        ),
        RunError::Wait(error) => format!("its JBIG2 decoder could not be waited for: {error}"),
    })?;
    if pbm.len() > most {
        return Err(format!(
            "its JBIG2 data decodes to more than the {width}×{height} pixels its PDF declares"
        ));
    }
    if !status.success() || !pbm.starts_with(b"P4") {
        return Err(format!(
            "its JBIG2 data could not be decoded ({program}: {status})"
        ));
    }
    Ok(pbm)
}

/// Why a program run by [`run`] gave no output.
enum RunError {
    /// It could not be started.
    Start(std::io::Error),
    /// It ran past its time and was killed.
    Stopped,
    /// Its end could not be waited for.
    Wait(std::io::Error),
}

/// Runs `program` with `args`, `input` on its standard input, an empty environment but for a
/// one-thread limit, and kills it at `timeout`: its exit status and its standard output, at
/// most one byte more than `max_output`.
fn run(
    program: &std::path::Path,
    args: &[&str],
    input: &[u8],
    timeout: Duration,
    max_output: usize,
) -> Result<(std::process::ExitStatus, Vec<u8>), RunError> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        // One thread: several attachments are read at once on a busy machine.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(RunError::Start)?;
    // The input is written and the output read on threads of their own, so that neither a
    // program that stops reading nor one that writes a lot can block this one past the time
    // limit.
    let writer = child.stdin.take().map(|mut stdin| {
        let input = input.to_vec();
        std::thread::spawn(move || {
            // A program that exits early closes the pipe: its status says what went wrong.
            let _ = stdin.write_all(&input);
        })
    });
    let reader = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            let mut output = Vec::new();
            let _ = stdout.take(max_output as u64 + 1).read_to_end(&mut output);
            output
        })
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(RunError::Stopped);
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(RunError::Wait(error));
            }
        }
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let output = reader
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    Ok((status?, output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_formats_are_told_by_their_headers() {
        assert_eq!(format_name(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("PNG"));
        assert_eq!(
            format_name(b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01"),
            Some("JPEG")
        );
        assert_eq!(format_name(b"GIF89a\x10\0\x10\0\0\0\0\0\0\0"), Some("GIF"));
        assert_eq!(format_name(b"PK\x03\x04"), None);
        assert_eq!(format_name(b"plain words"), None);
    }
}

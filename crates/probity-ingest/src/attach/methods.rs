//! Zip entries compressed with a method other than Deflate, which the zip crate is not asked to
//! decode: Deflate64 (what Windows Explorer writes for a large zip), BZip2, LZMA, XZ, Zstandard
//! and PPMd (what WinZip and 7-Zip write on request), each decoded here in pure Rust from the
//! entry's raw bytes. The zip crate's own decoders for them would bring the C zstd library, and
//! would ask for whatever memory an entry's few header bytes name (an LZMA or XZ dictionary, a
//! PPMd model, up to gigabytes): here the memory a decoder takes is held to the decompression
//! budget before it is made, as a 7-Zip block's is ([`super::sevenz`]).
//!
//! An entry is otherwise held as a deflated one is ([`super::zip::inflate_within`]): its declared
//! size against the compression ratio limit before it is decoded, the bytes decoded against the
//! ratio limit and the decompression budget while it is. It is read up to its declared size and
//! its checksum checked: one that does not match, or a stream that ends early, is noted with the
//! text read up to there. Other methods (IBM's, and those of images and sound) are named, not
//! read; PKZIP 1's Shrink, Reduce and Implode are read by the zip crate ([`super::zip`]).

use std::io::{self, BufRead, BufReader, Read};

use lzma_rust2::{LzmaReader, XzReader, lzma_get_memory_usage_by_props};
use ppmd_rust::Ppmd8Decoder;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use zip::CompressionMethod;

use super::TextOut;
use super::zip::{inflate_within, past_ratio};

/// Memory a decoder takes beyond its dictionary or model, in KiB.
const DECODER_SLACK_KB: u64 = 1024;

/// A compression method decoded here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    Deflate64,
    Bzip2,
    Lzma,
    Xz,
    Zstd,
    Ppmd,
}

impl Method {
    /// The method of an entry compressed with `compression`, where it is one decoded here.
    pub(super) fn of(compression: CompressionMethod) -> Option<Self> {
        let method = match compression {
            c if c == CompressionMethod::DEFLATE64 => Self::Deflate64,
            c if c == CompressionMethod::BZIP2 => Self::Bzip2,
            c if c == CompressionMethod::LZMA => Self::Lzma,
            c if c == CompressionMethod::XZ => Self::Xz,
            c if c == CompressionMethod::ZSTD => Self::Zstd,
            c if c == CompressionMethod::PPMD => Self::Ppmd,
            _ => return None,
        };
        Some(method)
    }
}

/// The name of a method that is read neither by the zip crate nor here, for a note.
pub(super) fn unread_method_name(compression: CompressionMethod) -> String {
    #[allow(deprecated)] // The zip crate names a method it does not know only so.
    let number = match compression {
        CompressionMethod::Unsupported(number) => number,
        other => return format!("{other:?}"),
    };
    let name = match number {
        10 => "IBM TERSE",
        18 => "IBM TERSE (new)",
        19 => "IBM LZ77 z",
        96 => "JPEG",
        97 => "WavPack",
        _ => return format!("method {number}"),
    };
    format!("{name} (method {number})")
}

/// What is known of a zip entry decoded here.
pub(super) struct Entry<'p> {
    /// What the notes call it.
    pub(super) part: &'p str,
    pub(super) method: Method,
    pub(super) compressed: u64,
    /// The size its header declares.
    pub(super) declared: u64,
    /// The CRC-32 its header gives.
    pub(super) crc: u32,
}

/// The bytes of `entry`, decoded from its raw bytes `raw` within the remaining `budget`, the
/// compression ratio limit and the memory a decoder may take; none (noted) where it cannot be
/// decoded at all.
pub(super) fn read(
    entry: &Entry<'_>,
    raw: &mut dyn Read,
    budget: &mut u64,
    out: &mut TextOut<'_>,
) -> Option<Vec<u8>> {
    let part = entry.part;
    if past_ratio(part, entry.compressed, entry.declared, out) {
        return None;
    }
    let memory_kb =
        (out.limits.max_decompressed_bytes as u64 / 1024).saturating_add(DECODER_SLACK_KB);
    let mut raw = BufReader::new(raw);
    let decoder = match decoder(entry.method, &mut raw, entry.declared, memory_kb) {
        Ok(decoder) => decoder,
        Err(reason) => {
            out.note(format!("{part} could not be read: {reason}"));
            return None;
        }
    };
    let mut checked = Checked {
        inner: decoder,
        left: entry.declared,
        crc: flate2::Crc::new(),
        expected: entry.crc,
        failed: None,
    };
    inflate_within(
        &mut checked,
        part,
        entry.compressed,
        entry.declared,
        budget,
        out,
    )
}

/// A reader of the bytes `raw` compressed with `method`, from a stream declared to hold
/// `declared` bytes, its decoder taking at most `memory_kb` KiB; why not, in words.
fn decoder<'r>(
    method: Method,
    raw: &'r mut dyn BufRead,
    declared: u64,
    memory_kb: u64,
) -> Result<Box<dyn Read + 'r>, String> {
    let decoder: Box<dyn Read + 'r> = match method {
        Method::Deflate64 => Box::new(deflate64::Deflate64Decoder::with_buffer(raw)),
        Method::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(raw)),
        Method::Lzma => lzma(raw, declared, memory_kb)?,
        Method::Xz => {
            let limit = u32::try_from(memory_kb).unwrap_or(u32::MAX - 1);
            let inner = XzReader::new_mem_limit(raw, false, limit);
            Box::new(Xz { inner, memory_kb })
        }
        Method::Zstd => Box::new(Zstd::new(raw, memory_kb)?),
        Method::Ppmd => ppmd(raw, memory_kb)?,
    };
    Ok(decoder)
}

/// An LZMA entry: a version (2 bytes), the size of the properties (2 bytes, 5), the properties
/// (the lc/lp/pb byte and the dictionary size), then the stream, which ends at the declared size
/// or at an end marker. The dictionary is held to the declared size, as the decoder holds it.
fn lzma<'r>(
    raw: &'r mut dyn BufRead,
    declared: u64,
    memory_kb: u64,
) -> Result<Box<dyn Read + 'r>, String> {
    let mut head = [0u8; 9];
    raw.read_exact(&mut head)
        .map_err(|_| "its LZMA header is cut short: the zip is damaged".to_owned())?;
    let [_, _, size_low, size_high, props, dict @ ..] = head;
    if u16::from_le_bytes([size_low, size_high]) != 5 {
        return Err("its LZMA header is damaged".to_owned());
    }
    let dict_size = u32::from_le_bytes(dict);
    let used = u32::try_from(u64::from(dict_size).min(declared)).unwrap_or(dict_size);
    let need_kb = lzma_get_memory_usage_by_props(used, props)
        .map_err(|_| "its LZMA header is damaged".to_owned())?;
    too_much_memory(u64::from(need_kb), memory_kb)?;
    let reader = LzmaReader::new_with_props(raw, declared, props, dict_size, None)
        .map_err(|error| format!("{error}: the zip is damaged"))?;
    Ok(Box::new(reader))
}

/// A PPMd entry (PPMd variant I, as WinZip and 7-Zip write it): two bytes giving the model's
/// order, its memory (1 to 256 MiB) and how it is restored when full, then the stream.
fn ppmd<'r>(raw: &'r mut dyn BufRead, memory_kb: u64) -> Result<Box<dyn Read + 'r>, String> {
    let mut head = [0u8; 2];
    raw.read_exact(&mut head)
        .map_err(|_| "its PPMd header is cut short: the zip is damaged".to_owned())?;
    let parameters = u16::from_le_bytes(head);
    let order = u32::from(parameters & 0x0F) + 1;
    let memory_mb = u32::from((parameters >> 4) & 0xFF) + 1;
    let restore = (parameters >> 12) & 0x0F;
    too_much_memory(u64::from(memory_mb) * 1024, memory_kb)?;
    let reader = Ppmd8Decoder::new(raw, order, memory_mb * 1024 * 1024, restore.into())
        .map_err(|error| format!("its PPMd header is damaged ({error})"))?;
    Ok(Box::new(reader))
}

/// An error where a decoder would take `need_kb` KiB, more than `memory_kb`.
fn too_much_memory(need_kb: u64, memory_kb: u64) -> Result<(), String> {
    if need_kb > memory_kb {
        return Err(memory_text(need_kb, memory_kb));
    }
    Ok(())
}

/// Why a decoder is not made: it would take `need_kb` KiB, more than `memory_kb`.
pub(super) fn memory_text(need_kb: u64, memory_kb: u64) -> String {
    format!("decoding it would take {need_kb} KiB of memory, more than the {memory_kb} KiB allowed")
}

/// A decoder refused for the memory it would take once reading has begun (a later frame's
/// window), carried in an [`io::Error`] so that the reader of an archive tells it from damage
/// ([`refused_text`]).
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The error of a frame after the first refused: it would take `need_kb` KiB, more than
/// `memory_kb` ([`memory_text`]).
pub(super) fn refused_frame(need_kb: u64, memory_kb: u64) -> io::Error {
    io::Error::other(Refused(format!(
        "a later frame is not unpacked: {}",
        memory_text(need_kb, memory_kb)
    )))
}

/// Why reading stopped, in words, where `error` is a refusal for memory ([`refused_frame`]),
/// not damage.
pub(super) fn refused_text(error: &io::Error) -> Option<String> {
    let refused = error.get_ref()?.downcast_ref::<Refused>()?;
    Some(refused.0.clone())
}

/// An XZ stream, whose blocks' dictionaries are held to the memory allowed as each block begins:
/// a block past it is an error in words.
struct Xz<'r> {
    inner: XzReader<&'r mut dyn BufRead>,
    memory_kb: u64,
}

impl Read for Xz<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|error| {
            if error.kind() != io::ErrorKind::OutOfMemory {
                return error;
            }
            io::Error::other(format!(
                "decoding it would take more than the {} KiB of memory allowed",
                self.memory_kb
            ))
        })
    }
}

/// The frames of a Zstandard stream, one after the other (skippable frames passed over), each
/// one's window held to the memory allowed. Also a 7-Zip block in Zstandard ([`super::sevenz`]).
pub(super) struct Zstd<'r> {
    source: &'r mut dyn BufRead,
    decoder: FrameDecoder,
    /// Whether a frame is being read (not: the bytes are over).
    in_frame: bool,
    memory_kb: u64,
}

impl<'r> Zstd<'r> {
    /// The frames of `source`, their windows held to `memory_kb` KiB; why not, in words, where
    /// the first cannot be begun.
    pub(super) fn new(source: &'r mut dyn BufRead, memory_kb: u64) -> Result<Self, String> {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_window_size(memory_kb.saturating_mul(1024));
        let mut zstd = Self {
            source,
            decoder,
            in_frame: false,
            memory_kb,
        };
        zstd.begin_frame().map_err(|error| match error {
            Begun::Refused(need_kb) => memory_text(need_kb, memory_kb),
            Begun::Damaged(why) => why,
        })?;
        Ok(zstd)
    }

    /// Begins the next frame, past skippable ones, where the bytes are not over.
    fn begin_frame(&mut self) -> Result<(), Begun> {
        self.in_frame = false;
        loop {
            let rest = self
                .source
                .fill_buf()
                .map_err(|error| Begun::Damaged(error.to_string()))?;
            if rest.is_empty() {
                return Ok(());
            }
            let error = match self.decoder.reset(&mut *self.source) {
                Ok(()) => {
                    self.in_frame = true;
                    return Ok(());
                }
                Err(error) => error,
            };
            let length = match error {
                FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                }) => u64::from(length),
                FrameDecoderError::WindowSizeTooBig { requested, .. } => {
                    return Err(Begun::Refused(requested.div_ceil(1024)));
                }
                error => {
                    return Err(Begun::Damaged(format!(
                        "a Zstandard frame header is damaged ({error})"
                    )));
                }
            };
            let skipped = io::copy(&mut (&mut *self.source).take(length), &mut io::sink())
                .map_err(|error| Begun::Damaged(error.to_string()))?;
            if skipped < length {
                return Err(Begun::Damaged(
                    "a skippable Zstandard frame is cut short".to_owned(),
                ));
            }
        }
    }
}

/// Why a Zstandard frame was not begun.
enum Begun {
    /// Its window would take this many KiB, more than the memory allowed.
    Refused(u64),
    /// Its header is damaged or cut short (why).
    Damaged(String),
}

impl Read for Zstd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.in_frame {
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                self.decoder
                    .decode_blocks(&mut *self.source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(|error| {
                        io::Error::other(format!("a Zstandard block is damaged ({error})"))
                    })?;
            }
            let read = self.decoder.read(buf)?;
            if read > 0 {
                return Ok(read);
            }
            // The frame is over: another may follow.
            self.begin_frame().map_err(|error| match error {
                Begun::Refused(need_kb) => refused_frame(need_kb, self.memory_kb),
                Begun::Damaged(why) => io::Error::other(why),
            })?;
        }
        Ok(0)
    }
}

/// An entry's bytes up to its declared size, its CRC-32 checked at the end (where the declared
/// size is reached, or the stream ends before it). A checksum that does not match is given as an
/// error on the read after the one that brings the last bytes: an entry with a byte changed is
/// still worth reading.
struct Checked<'r> {
    inner: Box<dyn Read + 'r>,
    /// The declared bytes not yet read.
    left: u64,
    crc: flate2::Crc,
    expected: u32,
    /// The error to give on the next read; once given, reading is over.
    failed: Option<Option<&'static str>>,
}

impl Read for Checked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(failed) = self.failed.as_mut() {
            return match failed.take() {
                Some(reason) => Err(io::Error::other(reason)),
                None => Ok(0),
            };
        }
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = match self.inner.read(&mut buf[..room]) {
            Ok(read) => read,
            Err(error) => {
                self.failed = Some(None);
                return Err(error);
            }
        };
        self.left -= read as u64;
        self.crc.update(&buf[..read]);
        let at_end = read == 0 || self.left == 0;
        if !at_end || self.crc.sum() == self.expected {
            return Ok(read);
        }
        if read == 0 {
            self.failed = Some(None);
            return Err(io::Error::other(
                "it ends before its declared size: the zip is cut short or damaged",
            ));
        }
        self.failed = Some(Some("a checksum does not match: the zip is damaged"));
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read;

    use super::Zstd;

    /// The zstd frame of the first file of a zip written for the tests.
    fn first_frame() -> Vec<u8> {
        let zip = include_bytes!("../../tests/fixtures/attach/method-zstd.zip");
        let word = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
        let size = word(18) | (word(20) << 16);
        let data = 30 + word(26) + word(28);
        zip[data..data + size].to_vec()
    }

    /// Frames one after the other are read as one stream, skippable frames passed over.
    #[test]
    fn zstandard_frames_are_read_one_after_the_other_skippable_ones_passed_over() {
        let frame = first_frame();
        let mut one = Vec::new();
        Zstd::new(&mut frame.as_slice(), 8192)
            .unwrap()
            .read_to_end(&mut one)
            .unwrap();
        assert!(one.starts_with(b"OFFICIAL-SENSITIVE\r\n"));
        let mut stream = b"\x50\x2a\x4d\x18\x03\x00\x00\x00abc".to_vec();
        stream.extend_from_slice(&frame);
        stream.extend_from_slice(b"\x5f\x2a\x4d\x18\x00\x00\x00\x00");
        stream.extend_from_slice(&frame);
        let mut both = Vec::new();
        Zstd::new(&mut stream.as_slice(), 8192)
            .unwrap()
            .read_to_end(&mut both)
            .unwrap();
        assert_eq!(both, [one.clone(), one].concat());
        // A skippable frame that says it is longer than the bytes left.
        stream.extend_from_slice(b"\x50\x2a\x4d\x18\xff\x00\x00\x00abc");
        let mut cut = Vec::new();
        let error = Zstd::new(&mut stream.as_slice(), 8192)
            .unwrap()
            .read_to_end(&mut cut)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "a skippable Zstandard frame is cut short"
        );
        assert_eq!(super::refused_text(&error), None);
    }

    /// A frame after the first whose window is past the memory allowed is an error that says it
    /// was refused for that (the reader of a 7-Zip archive noted it as damage), the first frame's
    /// bytes read.
    #[test]
    fn a_later_frame_past_the_memory_allowed_is_refused_not_damaged() {
        let frame = first_frame();
        let mut stream = frame.clone();
        // A frame of a 64 MiB window (not single-segment: its window descriptor 0x80) and one
        // empty raw block, its last.
        stream.extend_from_slice(&[0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x80, 0x01, 0x00, 0x00]);
        let mut source = stream.as_slice();
        let mut zstd = Zstd::new(&mut source, 8192).unwrap();
        let mut read = Vec::new();
        let error = zstd.read_to_end(&mut read).unwrap_err();
        assert!(read.starts_with(b"OFFICIAL-SENSITIVE\r\n"));
        assert_eq!(
            super::refused_text(&error).as_deref(),
            Some(
                "a later frame is not unpacked: decoding it would take 65536 KiB of memory, more than the 8192 KiB allowed"
            )
        );
    }
}

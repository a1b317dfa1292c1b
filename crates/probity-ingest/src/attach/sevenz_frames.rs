//! 7-Zip blocks in Brotli and in LZ4, which a fork of 7-Zip (7-Zip-zstd) writes, unpacked here:
//! sevenz-rust2 reads them only with features that would bring the Brotli compressor and a second
//! version of the Brotli decoder the PDF reader already has (`brotli-decompressor`, used here),
//! and LZ4 with its unchecked decoder (`lz4_flex` is used here with its safe one).
//!
//! The fork writes such a block as its multi-threaded libraries do: frames one after the other,
//! each after a skippable frame (as Zstandard's) that gives its packed size (and, for Brotli, the
//! letters `BR` and a size hint). A block that does not begin so is read as one stream, as the
//! `brotli` and `lz4` tools write it. The memory a frame's decoder takes (a Brotli ring buffer,
//! up to the 16 MiB window the stream declares; the buffers of LZ4 blocks, up to three times
//! 4 MiB) is held to what the budget allows before the decoder is made, as a Zstandard window is
//! ([`super::methods::Zstd`]). A Brotli stream whose first meta-block is its last (the whole of
//! a small file, as the `brotli` tool writes one) has its ring buffer made only as large as
//! that meta-block needs, and is held to that ([`brotli_memory`]): the tool's 16 MiB window is
//! not asked of a file of a few KiB. A frame after the first refused so is noted as refused for
//! memory, not as damage ([`super::methods::refused_text`]).

use std::io::{self, Read};

use super::methods::{memory_text, refused_frame};

/// A skippable frame's magic number, as the fork writes it before each frame.
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// The magic numbers of the other skippable frames (`0x184D2A5?`): the last four bits are free.
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
/// `BR`, after the packed size in the skippable frame before a Brotli frame.
const BROTLI_MARK: u16 = 0x5242;
/// The magic numbers of an LZ4 frame, and of the legacy format the `lz4` tool wrote once.
const LZ4_MAGIC: u32 = 0x184D_2204;
const LZ4_LEGACY_MAGIC: u32 = 0x184C_2102;
/// The window an LZ4 block may reach back into.
const LZ4_WINDOW: u64 = 64 * 1024;

/// The compression of a block unpacked here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Brotli,
    Lz4,
}

/// The bytes of a block in Brotli or LZ4, frame after frame.
pub(super) struct Frames<'b> {
    kind: Kind,
    /// The packed bytes not yet given to a decoder.
    rest: &'b [u8],
    /// The decoder of the frame being read.
    current: Option<Box<dyn Read + 'b>>,
    /// The most memory a frame's decoder may take, in KiB.
    memory_kb: u64,
}

impl<'b> Frames<'b> {
    /// The frames of `packed`, compressed with `kind`, their decoders held to `memory_kb` KiB;
    /// why not, in words, where the first cannot be begun.
    pub(super) fn new(kind: Kind, packed: &'b [u8], memory_kb: u64) -> Result<Self, String> {
        let mut frames = Self {
            kind,
            rest: packed,
            current: None,
            memory_kb,
        };
        frames.current = frames.next_frame().map_err(|error| match error {
            Begun::Refused(need_kb) => memory_text(need_kb, memory_kb),
            Begun::Damaged(why) => why,
        })?;
        Ok(frames)
    }

    /// The decoder of the next frame, none where the bytes are over; why not.
    fn next_frame(&mut self) -> Result<Option<Box<dyn Read + 'b>>, Begun> {
        let cut = |what: &str| Begun::Damaged(format!("{what} is cut short"));
        loop {
            let Some(magic) = word(self.rest, 0) else {
                if self.rest.is_empty() {
                    return Ok(None);
                }
                return Err(cut("a frame"));
            };
            if magic & SKIPPABLE_MASK != SKIPPABLE_MAGIC {
                // One stream to the end, as the tools write it.
                let stream = std::mem::take(&mut self.rest);
                return self.decoder(stream).map(Some);
            }
            let length = word(self.rest, 4).ok_or_else(|| cut("a skippable frame"))? as usize;
            let (head, packed_at) = match (self.kind, length) {
                (Kind::Brotli, 8) if half(self.rest, 12) == Some(BROTLI_MARK) => (true, 16),
                (Kind::Lz4, 4) => (true, 12),
                _ => (false, 8usize.saturating_add(length)),
            };
            if !head {
                // A skippable frame of something else: passed over.
                self.rest = self.rest.get(packed_at..).unwrap_or_default();
                continue;
            }
            let size = word(self.rest, 8).ok_or_else(|| cut("a skippable frame"))? as usize;
            let after = self.rest.get(packed_at..).unwrap_or_default();
            // A frame cut short is given as far as it goes: its decoder says so.
            let (frame, rest) = after.split_at(size.min(after.len()));
            self.rest = rest;
            return self.decoder(frame).map(Some);
        }
    }

    /// A decoder of the frame (or stream) `bytes`, where its memory is within what is allowed.
    fn decoder(&self, bytes: &'b [u8]) -> Result<Box<dyn Read + 'b>, Begun> {
        let need = match self.kind {
            Kind::Brotli => brotli_memory(bytes),
            Kind::Lz4 => lz4_buffers(bytes),
        };
        let need_kb = need.div_ceil(1024);
        if need_kb > self.memory_kb {
            return Err(Begun::Refused(need_kb));
        }
        let decoder: Box<dyn Read + 'b> = match self.kind {
            Kind::Brotli => Box::new(brotli_decompressor::Decompressor::new(bytes, 4096)),
            Kind::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(bytes)),
        };
        Ok(decoder)
    }
}

impl Read for Frames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(current) = self.current.as_mut() {
                let read = current.read(buf).map_err(|error| {
                    let what = match self.kind {
                        Kind::Brotli => "a Brotli frame",
                        Kind::Lz4 => "an LZ4 frame",
                    };
                    io::Error::other(format!("{what} is damaged ({error})"))
                })?;
                if read > 0 {
                    return Ok(read);
                }
            }
            let next = self.next_frame().map_err(|error| match error {
                Begun::Refused(need_kb) => refused_frame(need_kb, self.memory_kb),
                Begun::Damaged(why) => io::Error::other(why),
            })?;
            match next {
                Some(next) => self.current = Some(next),
                None => {
                    self.current = None;
                    return Ok(0);
                }
            }
        }
    }
}

/// Why a frame's decoder was not made.
enum Begun {
    /// It would take this many KiB, more than the memory allowed.
    Refused(u64),
    /// The frame is damaged or cut short (why).
    Damaged(String),
}

/// The little-endian 32-bit word at `at` in `bytes`, where they hold it.
fn word(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let word: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

/// The little-endian 16-bit half word at `at` in `bytes`, where they hold it.
fn half(bytes: &[u8], at: usize) -> Option<u16> {
    let end = at.checked_add(2)?;
    let half: [u8; 2] = bytes.get(at..end)?.try_into().ok()?;
    Some(u16::from_le_bytes(half))
}

/// The window a Brotli stream declares in its first bits (RFC 7932, 9.1), in bytes: at most
/// 16 MiB (a large window, which the decoder refuses, counted as that too).
#[cfg(test)]
fn brotli_window(stream: &[u8]) -> u64 {
    let mut bits = Bits {
        bytes: stream,
        at: 0,
    };
    1u64 << window_bits(&mut bits)
}

/// The log2 of the window a Brotli stream declares in its first bits (RFC 7932, 9.1), `bits`
/// moved past them: at most 24 (a large window, which the decoder refuses, counted as that too).
fn window_bits(bits: &mut Bits<'_>) -> u32 {
    if bits.take(1) == 0 {
        return 16;
    }
    match bits.take(3) {
        0 => match bits.take(3) {
            0 => 17,
            1 => 24,
            m => 8 + m,
        },
        n => 17 + n,
    }
}

/// Bytes a Brotli decoder takes beyond its ring buffer, counted with it: the ring buffer's slack
/// and the decoder's state. (The Huffman tables a meta-block asks for are not known before it is
/// read; they are within the slack the budget's memory allows decoders, as LZMA's are.)
const BROTLI_STATE_BYTES: u64 = 64 * 1024;

/// The memory the decoder of a Brotli stream makes, in bytes, as `brotli-decompressor` makes it:
/// a ring buffer of the window the stream declares, made when its first meta-block begins, but
/// where that meta-block is the last (a file small enough to be one), halved while it holds
/// twice that meta-block's length and more; and its state. A stream too short to say is counted
/// at its window.
fn brotli_memory(stream: &[u8]) -> u64 {
    let mut bits = Bits {
        bytes: stream,
        at: 0,
    };
    let window_bits = window_bits(&mut bits);
    let window = 1u64 << window_bits;
    let ring = match last_meta_block_length(&mut bits) {
        Some(length) => {
            let mut ring = window;
            while ring >= (length + 16) * 2 && ring > 32 {
                ring >>= 1;
            }
            ring
        }
        None => window,
    };
    ring + BROTLI_STATE_BYTES
}

/// The length of a Brotli stream's first meta-block where it is the last and holds data (RFC
/// 7932, 9.2: `ISLAST`, `ISLASTEMPTY`, `MNIBBLES`, `MLEN - 1`), `bits` just past the window's;
/// none where it is not the last, is metadata, or the bytes end first.
fn last_meta_block_length(bits: &mut Bits<'_>) -> Option<u64> {
    if bits.take_checked(1)? == 0 {
        return None;
    }
    if bits.take_checked(1)? == 1 {
        // The last and empty: the stream holds nothing.
        return Some(0);
    }
    let nibbles = match bits.take_checked(2)? {
        3 => return None,
        n => 4 + n,
    };
    Some(u64::from(bits.take_checked(4 * nibbles)?) + 1)
}

/// The bits of a Brotli stream, read from the low bit of each byte up, as RFC 7932 packs them.
struct Bits<'b> {
    bytes: &'b [u8],
    /// The next bit's place, counted from the first byte's low bit.
    at: usize,
}

impl Bits<'_> {
    /// The next `count` bits (24 at most), the first the lowest; none where the bytes end first.
    fn take_checked(&mut self, count: u32) -> Option<u32> {
        let mut value = 0;
        for place in 0..count {
            let byte = *self.bytes.get(self.at / 8)?;
            let bit = u32::from((byte >> (self.at % 8)) & 1);
            value |= bit << place;
            self.at += 1;
        }
        Some(value)
    }

    /// [`Bits::take_checked`], where bits past the end are read as 0.
    fn take(&mut self, count: u32) -> u32 {
        let mut value = 0;
        for place in 0..count {
            let byte = self.bytes.get(self.at / 8).copied().unwrap_or(0);
            value |= u32::from((byte >> (self.at % 8)) & 1) << place;
            self.at += 1;
        }
        value
    }
}

/// The buffers an LZ4 frame's decoder makes for its blocks, in bytes: the packed block, and the
/// unpacked ones with the window they reach into (the block size its descriptor gives: at most
/// 4 MiB, 8 MiB in the legacy format).
fn lz4_buffers(frame: &[u8]) -> u64 {
    let block = match word(frame, 0) {
        Some(LZ4_MAGIC) => match frame.get(5).map(|descriptor| (descriptor >> 4) & 7) {
            Some(code @ 4..=7) => (64 * 1024) << (2 * (u32::from(code) - 4)),
            _ => 0,
        },
        Some(LZ4_LEGACY_MAGIC) => 8 << 20,
        _ => 0,
    };
    3 * block + LZ4_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_buffers_are_read_from_the_headers() {
        // WBITS 22 (the brotli tool's default), 16, 10 and 17.
        assert_eq!(brotli_window(&[0x0B]), 1 << 22);
        assert_eq!(brotli_window(&[0x00]), 1 << 16);
        assert_eq!(brotli_window(&[0x21]), 1 << 10);
        assert_eq!(brotli_window(&[0x01]), 1 << 17);
        assert_eq!(brotli_window(&[0x11]), 1 << 24);
        // A 4 MiB block size (the lz4 tool's default), and 64 KiB.
        assert_eq!(
            lz4_buffers(&[0x04, 0x22, 0x4D, 0x18, 0x64, 0x70]),
            12 * 1024 * 1024 + 64 * 1024
        );
        assert_eq!(
            lz4_buffers(&[0x04, 0x22, 0x4D, 0x18, 0x64, 0x40]),
            4 * 64 * 1024
        );
    }

    /// The decoder's ring buffer: the window, but for a stream whose first meta-block is its
    /// last, what that meta-block needs of it.
    #[test]
    fn a_brotli_decoders_memory_is_its_ring_buffer() {
        let state = BROTLI_STATE_BYTES;
        // The brotli tool's stream of 62 bytes: a 24-bit window, then ISLAST, not empty, four
        // nibbles of MLEN - 1 (61).
        assert_eq!(brotli_memory(&[0x1F, 0x3D, 0x00, 0x48]), 128 + state);
        // Of a large file: the first meta-block not the last.
        assert_eq!(brotli_memory(&[0xCF, 0xFF, 0xFF, 0x11]), (1 << 24) + state);
        // The last and empty; cut short after the window; a metadata block first.
        assert_eq!(brotli_memory(&[0x3F]), 32 + state);
        assert_eq!(brotli_memory(&[0x1F]), (1 << 24) + state);
        assert_eq!(brotli_memory(&[0xDF, 0x00]), (1 << 24) + state);
        // A file of 1 MiB in one meta-block, in a 16 MiB window: 2 MiB of it.
        let mlen = (1u32 << 20) - 1;
        let bits = 0x0F | (1 << 4) | (1 << 6) | (mlen << 8);
        assert_eq!(brotli_memory(&bits.to_le_bytes()), (2 << 20) + state);
    }

    #[test]
    fn a_skippable_frame_of_something_else_is_passed_over_and_a_cut_one_is_an_error() {
        let mut skipped = Vec::new();
        skipped.extend_from_slice(&0x184D_2A5Fu32.to_le_bytes());
        skipped.extend_from_slice(&3u32.to_le_bytes());
        skipped.extend_from_slice(b"abc");
        let mut frames = Frames::new(Kind::Lz4, &skipped, 1 << 20).unwrap();
        let mut out = Vec::new();
        assert_eq!(frames.read_to_end(&mut out).unwrap(), 0);
        assert!(Frames::new(Kind::Brotli, &skipped[..6], 1 << 20).is_err());
    }
}

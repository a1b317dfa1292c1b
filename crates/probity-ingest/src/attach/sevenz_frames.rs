//! 7-Zip blocks in Brotli and in LZ4, which a fork of 7-Zip (7-Zip-zstd) writes, unpacked here:
//! sevenz-rust2 reads them only with features that would bring the Brotli compressor and a second
//! version of the Brotli decoder the PDF reader already has (`brotli-decompressor`, used here),
//! and LZ4 with its unchecked decoder (`lz4_flex` is used here with its safe one).
//!
//! The fork writes such a block as its multi-threaded libraries do: frames one after the other,
//! each after a skippable frame (as Zstandard's) that gives its packed size (and, for Brotli, the
//! letters `BR` and a size hint). A block that does not begin so is read as one stream, as the
//! `brotli` and `lz4` tools write it. The memory a frame's decoder takes (a Brotli window, up to
//! 16 MiB; the buffers of LZ4 blocks, up to three times 4 MiB) is held to what the budget allows
//! before the decoder is made, as a Zstandard window is ([`super::methods::Zstd`]).

use std::io::{self, Read};

use super::methods::memory_text;

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
        frames.current = frames.next_frame()?;
        Ok(frames)
    }

    /// The decoder of the next frame, none where the bytes are over; why not, in words.
    fn next_frame(&mut self) -> Result<Option<Box<dyn Read + 'b>>, String> {
        loop {
            let Some(magic) = word(self.rest, 0) else {
                if self.rest.is_empty() {
                    return Ok(None);
                }
                return Err("a frame is cut short".to_owned());
            };
            if magic & SKIPPABLE_MASK != SKIPPABLE_MAGIC {
                // One stream to the end, as the tools write it.
                let stream = std::mem::take(&mut self.rest);
                return self.decoder(stream).map(Some);
            }
            let length = word(self.rest, 4)
                .ok_or_else(|| "a skippable frame is cut short".to_owned())?
                as usize;
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
            let size = word(self.rest, 8)
                .ok_or_else(|| "a skippable frame is cut short".to_owned())?
                as usize;
            let after = self.rest.get(packed_at..).unwrap_or_default();
            // A frame cut short is given as far as it goes: its decoder says so.
            let (frame, rest) = after.split_at(size.min(after.len()));
            self.rest = rest;
            return self.decoder(frame).map(Some);
        }
    }

    /// A decoder of the frame (or stream) `bytes`, where its memory is within what is allowed.
    fn decoder(&self, bytes: &'b [u8]) -> Result<Box<dyn Read + 'b>, String> {
        let need = match self.kind {
            Kind::Brotli => brotli_window(bytes),
            Kind::Lz4 => lz4_buffers(bytes),
        };
        let need_kb = need.div_ceil(1024);
        if need_kb > self.memory_kb {
            return Err(memory_text(need_kb, self.memory_kb));
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
            match self.next_frame().map_err(io::Error::other)? {
                Some(next) => self.current = Some(next),
                None => {
                    self.current = None;
                    return Ok(0);
                }
            }
        }
    }
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
fn brotli_window(stream: &[u8]) -> u64 {
    let first = stream.first().copied().unwrap_or(0);
    let bits = if first & 1 == 0 {
        16
    } else if (first >> 1) & 7 != 0 {
        17 + u32::from((first >> 1) & 7)
    } else {
        match (first >> 4) & 7 {
            0 => 17,
            1 => 24,
            m => 8 + u32::from(m),
        }
    };
    1u64 << bits
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

//! A 7-Zip archive's header looked over before sevenz-rust2 reads it: where it is (an archive
//! whose start header is blank has it found at its end, as 7-Zip finds it), and the counts it
//! declares, each held to the entry limit before sevenz-rust2 makes room for them.
//!
//! sevenz-rust2 makes room for every entry a header declares as it reads the count (about a
//! hundred bytes an entry; a block's coders about as much each), allowing a count up to the
//! header's size in bytes: a header of 1.6 MB, 400 bytes compressed, declaring 1.5 million
//! entries took 147 MB before the entry limit could refuse it. Here the header is read as
//! sevenz-rust2 reads it, up to its number of entries, keeping nothing but the counts: a header
//! compressed with LZMA or LZMA2 (7-Zip compresses its headers with LZMA) is unpacked as it is
//! read, its decoder held to the header's memory limit. A header compressed any other way is not
//! read (an encrypted one is left to sevenz-rust2, which cannot open it without a password), nor
//! one that cannot be followed to its entries; one whose checksums do not match is left to
//! sevenz-rust2, which refuses it before reading it.

use std::io::{self, Read};

use flate2::Crc;
use lzma_rust2::{Lzma2Reader, LzmaReader, lzma_get_memory_usage_by_props, lzma2_get_memory_usage};
use sevenz_rust2::EncoderMethod;

/// The signature header: magic, version, the start header's CRC, then the start header (where
/// the header is, its size and its CRC).
pub(super) const SIGNATURE_HEADER: usize = 32;

/// How far from its end 7-Zip looks for the header of an archive whose start header is blank.
const END_SEARCH: usize = 512;

/// The properties' names in a header, as 7-Zip numbers them.
const K_END: u8 = 0x00;
const K_HEADER: u8 = 0x01;
const K_ARCHIVE_PROPERTIES: u8 = 0x02;
const K_MAIN_STREAMS_INFO: u8 = 0x04;
const K_FILES_INFO: u8 = 0x05;
const K_PACK_INFO: u8 = 0x06;
const K_UNPACK_INFO: u8 = 0x07;
const K_SUB_STREAMS_INFO: u8 = 0x08;
const K_SIZE: u8 = 0x09;
const K_CRC: u8 = 0x0a;
const K_FOLDER: u8 = 0x0b;
const K_CODERS_UNPACK_SIZE: u8 = 0x0c;
const K_NUM_UNPACK_STREAM: u8 = 0x0d;
/// The name of a header compressed (or encrypted) as a block of its own.
pub(super) const K_ENCODED_HEADER: u8 = 0x17;

/// The packed streams a block may have, on average, for each entry the limit allows (7-Zip's
/// BCJ2 filter takes four).
const PACKED_STREAMS_PER_ENTRY: usize = 4;
/// The coders the blocks may have together, on average, for each entry the limit allows (BCJ2
/// and its three LZMA coders make four; 7-Zip allows 64 in a block).
const CODERS_PER_ENTRY: usize = 4;
/// The most coders, and streams into them, in one block (7-Zip's limits, and sevenz-rust2's).
const MAX_BLOCK_CODERS: u64 = 64;
/// The most bytes of a coder's properties kept to unpack the header (LZMA has five).
const MAX_KEPT_PROPERTIES: usize = 16;

/// Where an archive's header is, as its start header gives it or as found at its end.
#[derive(Clone, Copy, Debug)]
pub(super) struct Located {
    /// The header's offset after the signature header.
    pub(super) offset: u64,
    /// The header's size.
    pub(super) size: u64,
    /// The header's CRC.
    pub(super) crc: u32,
    /// Whether the start header was blank and the header found at the end.
    pub(super) found_at_end: bool,
}

impl Located {
    /// The signature header that gives this header: `bytes`' own, or one written for a header
    /// found at the end.
    pub(super) fn signature_header(&self, bytes: &[u8]) -> [u8; SIGNATURE_HEADER] {
        let mut head = [0u8; SIGNATURE_HEADER];
        let have = bytes.len().min(SIGNATURE_HEADER);
        head[..have].copy_from_slice(&bytes[..have]);
        if self.found_at_end {
            let mut start = [0u8; 20];
            start[..8].copy_from_slice(&self.offset.to_le_bytes());
            start[8..16].copy_from_slice(&self.size.to_le_bytes());
            start[16..].copy_from_slice(&self.crc.to_le_bytes());
            head[8..12].copy_from_slice(&crc32(&start).to_le_bytes());
            head[12..].copy_from_slice(&start);
        }
        head
    }

    /// The header's bytes (as stored: compressed where it is), or `None` where they are not all
    /// in `bytes`.
    pub(super) fn bytes<'b>(&self, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let start = usize::try_from(self.offset)
            .ok()?
            .checked_add(SIGNATURE_HEADER)?;
        let end = start.checked_add(usize::try_from(self.size).ok()?)?;
        bytes.get(start..end)
    }
}

/// Where the header of `bytes` is, or why it cannot be found. The first 32 bytes are there.
pub(super) fn locate(bytes: &[u8]) -> Result<Located, String> {
    let number = |at: usize| {
        let field: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_le_bytes(field))
    };
    let start = bytes.get(8..SIGNATURE_HEADER).unwrap_or_default();
    if !start.is_empty() && start.iter().all(|&byte| byte == 0) {
        return found_at_end(bytes).ok_or_else(|| {
            "has a blank start header (as 7-Zip leaves an archive it did not finish writing) and no header at its end"
                .to_owned()
        });
    }
    let (Some(offset), Some(size), Some(crc)) = (
        number(12),
        number(20),
        bytes
            .get(28..32)
            .and_then(|field| Some(u32::from_le_bytes(field.try_into().ok()?))),
    ) else {
        return Err("is cut short in its first 32 bytes".to_owned());
    };
    Ok(Located {
        offset,
        size,
        crc,
        found_at_end: false,
    })
}

/// The header of an archive whose start header is blank, found as 7-Zip finds it: in its last
/// 512 bytes, which end with the end of a header, the last place where a header or a compressed
/// header begins. One place is tried, so the search costs no more than those bytes.
fn found_at_end(bytes: &[u8]) -> Option<Located> {
    let after = bytes.get(SIGNATURE_HEADER..)?;
    let tail = after.get(after.len().saturating_sub(END_SEARCH)..)?;
    if tail.len() < 3 || tail.last() != Some(&K_END) {
        return None;
    }
    let begins = tail[..tail.len() - 1].windows(2).rposition(|pair| {
        pair == [K_ENCODED_HEADER, K_PACK_INFO] || pair == [K_HEADER, K_MAIN_STREAMS_INFO]
    })?;
    let header = &tail[begins..];
    Some(Located {
        offset: (after.len() - header.len()) as u64,
        size: header.len() as u64,
        crc: crc32(header),
        found_at_end: true,
    })
}

/// The CRC-32 of `bytes`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// The limits the header's counts are held to.
pub(super) struct HeaderLimits {
    /// The most entries (files and folders).
    pub(super) entries: usize,
    /// The most bytes of the header unpacked, and of memory its decoder may take.
    pub(super) header_bytes: usize,
}

/// Why the header of `bytes` (at `located`) is not given to sevenz-rust2, if it is not: a count
/// past its limit, a compression not read, or a header that cannot be followed to its entries.
/// A header whose checksums do not match is given to it, which refuses it before reading it.
pub(super) fn refused(bytes: &[u8], located: &Located, limits: &HeaderLimits) -> Option<String> {
    let head = located.signature_header(bytes);
    let start_crc = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if crc32(&head[12..]) != start_crc {
        return None;
    }
    let header = located.bytes(bytes)?;
    if crc32(header) != located.crc {
        return None;
    }
    let mut counts = Counts { limits, coders: 0 };
    let mut reader = header;
    let outcome = match read_u8(&mut reader) {
        Ok(K_HEADER) => counts.header(&mut reader),
        Ok(K_ENCODED_HEADER) => counts.encoded_header(&mut reader, bytes),
        _ => Ok(()),
    };
    match outcome {
        Ok(()) => None,
        Err(Stop::TooMany { what, count, limit }) => Some(format!(
            "holds {count} {what}, more than the limit of {limit}; text not extracted"
        )),
        Err(Stop::Refused(reason)) => Some(format!("{reason}; no file in it was read")),
        Err(Stop::Encrypted) => None,
        Err(Stop::Damaged(error)) => Some(format!(
            "has a header that could not be read ({}); no file in it was read",
            damage(&error)
        )),
    }
}

/// Why the header was not followed to its end.
enum Stop {
    /// A count past its limit.
    TooMany {
        what: &'static str,
        count: u64,
        limit: usize,
    },
    /// The header is compressed in a way not read, or asks too much to unpack.
    Refused(String),
    /// The header is encrypted: sevenz-rust2, which holds no password, cannot read it.
    Encrypted,
    /// The header ends early or names something out of place.
    Damaged(io::Error),
}

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Self {
        Stop::Damaged(error)
    }
}

/// A damaged header's error in words.
fn damage(error: &io::Error) -> String {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        return "it ends early".to_owned();
    }
    error.to_string()
}

/// A header that names something out of place.
fn out_of_place(what: &str) -> Stop {
    Stop::Damaged(io::Error::new(io::ErrorKind::InvalidData, what.to_owned()))
}

/// The first block of a compressed header: its coders and where its packed bytes are.
#[derive(Default)]
struct HeaderBlock {
    /// Where the packed streams begin, after the signature header.
    pack_position: u64,
    /// The first packed stream's size.
    packed: Option<u64>,
    /// The first block's coders: method and properties (those kept).
    coders: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether a coder's properties were longer than those kept.
    long_properties: bool,
    /// The first block's unpacked size (its last output stream's).
    unpacked: Option<u64>,
}

/// The counts read so far.
struct Counts<'l> {
    limits: &'l HeaderLimits,
    /// The coders of all blocks read so far.
    coders: u64,
}

impl Counts<'_> {
    /// `count` of `what`, refused past `limit`.
    fn held(&self, what: &'static str, count: u64, limit: usize) -> Result<usize, Stop> {
        match usize::try_from(count) {
            Ok(count) if count <= limit => Ok(count),
            _ => Err(Stop::TooMany { what, count, limit }),
        }
    }

    /// A header (after its name), up to its number of entries.
    fn header(&mut self, reader: &mut dyn Read) -> Result<(), Stop> {
        let mut id = read_u8(reader)?;
        if id == K_ARCHIVE_PROPERTIES {
            let mut property = read_u8(reader)?;
            while property != K_END {
                let size = read_number(reader)?;
                skip(reader, size)?;
                property = read_u8(reader)?;
            }
            id = read_u8(reader)?;
        }
        if id == K_MAIN_STREAMS_INFO {
            self.streams(reader, None)?;
            id = read_u8(reader)?;
        }
        if id == K_FILES_INFO {
            let entries = read_number(reader)?;
            self.held("entries", entries, self.limits.entries)?;
        }
        Ok(())
    }

    /// A compressed header (after its name): its block unpacked and the header in it read.
    fn encoded_header(&mut self, reader: &mut dyn Read, bytes: &[u8]) -> Result<(), Stop> {
        let mut block = HeaderBlock::default();
        self.streams(reader, Some(&mut block))?;
        let aes = EncoderMethod::ID_AES256_SHA256;
        if block
            .coders
            .iter()
            .any(|(method, _)| method.as_slice() == aes)
        {
            return Err(Stop::Encrypted);
        }
        let (Some(packed), Some(unpacked)) = (block.packed, block.unpacked) else {
            return Err(out_of_place("a compressed header without its block"));
        };
        let start = usize::try_from(block.pack_position)
            .ok()
            .and_then(|position| position.checked_add(SIGNATURE_HEADER));
        let packed = start
            .and_then(|start| {
                let end = start.checked_add(usize::try_from(packed).ok()?)?;
                bytes.get(start..end)
            })
            .ok_or_else(|| {
                Stop::Damaged(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the compressed header is not in the archive",
                ))
            })?;
        let [(method, properties)] = block.coders.as_slice() else {
            return Err(Stop::Refused(format!(
                "has a header compressed by {} coders in turn, which is not read",
                block.coders.len()
            )));
        };
        if block.long_properties {
            return Err(out_of_place("a coder's properties too long"));
        }
        let memory_kb = self.limits.header_bytes / 1024;
        let most = unpacked.min(self.limits.header_bytes as u64 + 1);
        let too_large = |asked: u64| {
            Stop::Refused(format!(
                "has a header whose decoder would take {asked} KiB of memory, more than the {memory_kb} KiB allowed"
            ))
        };
        let mut unpacking: Box<dyn Read> = match method.as_slice() {
            EncoderMethod::ID_COPY => Box::new(packed),
            EncoderMethod::ID_LZMA => {
                let (Some(&props), Some(dictionary)) = (
                    properties.first(),
                    properties
                        .get(1..5)
                        .and_then(|field| Some(u32::from_le_bytes(field.try_into().ok()?))),
                ) else {
                    return Err(out_of_place("LZMA properties too short"));
                };
                let asked = lzma_get_memory_usage_by_props(dictionary, props)
                    .map_err(|_| out_of_place("LZMA properties out of range"))?;
                if asked as usize > memory_kb {
                    return Err(too_large(asked.into()));
                }
                let mut lzma =
                    LzmaReader::new_with_props(packed, unpacked, props, dictionary, None)
                        .map_err(|_| out_of_place("LZMA properties out of range"))?;
                lzma.set_relaxed_end_condition(false);
                Box::new(lzma)
            }
            EncoderMethod::ID_LZMA2 => {
                let Some(dictionary) = properties.first().and_then(|&bits| lzma2_dictionary(bits))
                else {
                    return Err(out_of_place("LZMA2 properties out of range"));
                };
                let asked = lzma2_get_memory_usage(dictionary);
                if asked as usize > memory_kb {
                    return Err(too_large(asked.into()));
                }
                Box::new(Lzma2Reader::new(packed, dictionary, None))
            }
            other => {
                let name = EncoderMethod::by_id(other).map_or_else(
                    || format!("method {other:02x?}"),
                    |method| method.name().to_owned(),
                );
                return Err(Stop::Refused(format!(
                    "has a header compressed with {name}, which is not read"
                )));
            }
        };
        let mut header = (&mut unpacking).take(most);
        match read_u8(&mut header)? {
            K_HEADER => self.header(&mut header),
            _ => Err(out_of_place("a compressed header that holds no header")),
        }
    }

    /// Streams info (after its name). `block` keeps the first block's coders and packed stream,
    /// for a compressed header.
    fn streams(
        &mut self,
        reader: &mut dyn Read,
        mut block: Option<&mut HeaderBlock>,
    ) -> Result<(), Stop> {
        let entries = self.limits.entries;
        let mut id = read_u8(reader)?;
        if id == K_PACK_INFO {
            let position = read_number(reader)?;
            let streams = read_number(reader)?;
            let streams = self.held(
                "packed streams",
                streams,
                entries.saturating_mul(PACKED_STREAMS_PER_ENTRY),
            )?;
            id = read_u8(reader)?;
            if id == K_SIZE {
                for stream in 0..streams {
                    let size = read_number(reader)?;
                    if let (0, Some(block)) = (stream, block.as_deref_mut()) {
                        block.packed = Some(size);
                    }
                }
                id = read_u8(reader)?;
            }
            if let Some(block) = block.as_deref_mut() {
                block.pack_position = position;
            }
            if id == K_CRC {
                let defined = defined(reader, streams)?;
                skip(reader, 4 * defined as u64)?;
                id = read_u8(reader)?;
            }
            if id != K_END {
                return Err(out_of_place("pack info not ended"));
            }
            id = read_u8(reader)?;
        }
        // Whether each block has a CRC of its own, and how many streams it unpacks to.
        let mut blocks: Vec<(bool, u64)> = Vec::new();
        if id == K_UNPACK_INFO {
            if read_u8(reader)? != K_FOLDER {
                return Err(out_of_place("unpack info without its blocks"));
            }
            let count = read_number(reader)?;
            let count = self.held("blocks", count, entries)?;
            if read_u8(reader)? != 0 {
                return Err(out_of_place("blocks kept outside the header"));
            }
            let mut outputs = Vec::with_capacity(count);
            for index in 0..count {
                let first = block.as_deref_mut().filter(|_| index == 0);
                outputs.push(self.block(reader, first)?);
            }
            if read_u8(reader)? != K_CODERS_UNPACK_SIZE {
                return Err(out_of_place("blocks without their sizes"));
            }
            for (index, &streams) in outputs.iter().enumerate() {
                for _ in 0..streams {
                    let size = read_number(reader)?;
                    if let (0, Some(block)) = (index, block.as_deref_mut()) {
                        // The block's unpacked size is its last coder's output's, for one coder.
                        block.unpacked = Some(size);
                    }
                }
            }
            blocks = vec![(false, 1); count];
            id = read_u8(reader)?;
            if id == K_CRC {
                let all = read_u8(reader)? != 0;
                let has_crc = if all {
                    vec![true; count]
                } else {
                    read_bits(reader, count)?
                };
                for (block, has) in blocks.iter_mut().zip(has_crc) {
                    block.0 = has;
                    if has {
                        skip(reader, 4)?;
                    }
                }
                id = read_u8(reader)?;
            }
            if id != K_END {
                return Err(out_of_place("unpack info not ended"));
            }
            id = read_u8(reader)?;
        }
        if id == K_SUB_STREAMS_INFO {
            id = read_u8(reader)?;
            if id == K_NUM_UNPACK_STREAM {
                let mut total = 0u64;
                for block in &mut blocks {
                    block.1 = read_number(reader)?;
                    total = total.saturating_add(block.1);
                    self.held("files with bytes", total, entries)?;
                }
                id = read_u8(reader)?;
            }
            if id == K_SIZE {
                for &(_, streams) in &blocks {
                    for _ in 1..streams {
                        read_number(reader)?;
                    }
                }
                id = read_u8(reader)?;
            }
            if id == K_CRC {
                let digests: u64 = blocks
                    .iter()
                    .filter(|(has_crc, streams)| *streams != 1 || !has_crc)
                    .map(|(_, streams)| streams)
                    .sum();
                let digests = self.held("files with bytes", digests, entries)?;
                let defined = defined(reader, digests)?;
                skip(reader, 4 * defined as u64)?;
                id = read_u8(reader)?;
            }
            if id != K_END {
                return Err(out_of_place("substreams info not ended"));
            }
            id = read_u8(reader)?;
        }
        if id != K_END {
            return Err(out_of_place("streams info not ended"));
        }
        Ok(())
    }

    /// A block's description: its coders and how they are joined. Gives its output streams.
    fn block(
        &mut self,
        reader: &mut dyn Read,
        mut keep: Option<&mut HeaderBlock>,
    ) -> Result<u64, Stop> {
        let coders = read_number(reader)?;
        if coders > MAX_BLOCK_CODERS {
            return Err(out_of_place("a block of more than 64 coders"));
        }
        self.coders = self.coders.saturating_add(coders);
        self.held(
            "coders",
            self.coders,
            self.limits.entries.saturating_mul(CODERS_PER_ENTRY),
        )?;
        let mut inputs = 0u64;
        let mut outputs = 0u64;
        for _ in 0..coders {
            let flags = read_u8(reader)?;
            let mut method = [0u8; 0x0f];
            let method = &mut method[..usize::from(flags & 0x0f)];
            reader.read_exact(method)?;
            let (coder_inputs, coder_outputs) = if flags & 0x10 == 0 {
                (1, 1)
            } else {
                (read_number(reader)?, read_number(reader)?)
            };
            if coder_outputs != 1 {
                return Err(out_of_place("a coder without one output"));
            }
            inputs = inputs.saturating_add(coder_inputs);
            outputs = outputs.saturating_add(coder_outputs);
            if inputs > MAX_BLOCK_CODERS {
                return Err(out_of_place("a block of more than 64 streams"));
            }
            let mut properties = [0u8; MAX_KEPT_PROPERTIES];
            let mut kept = 0;
            if flags & 0x20 != 0 {
                let size = read_number(reader)?;
                kept = size.min(MAX_KEPT_PROPERTIES as u64) as usize;
                reader.read_exact(&mut properties[..kept])?;
                skip(reader, size - kept as u64)?;
                if let (true, Some(block)) = (size > kept as u64, keep.as_deref_mut()) {
                    block.long_properties = true;
                }
            }
            if flags & 0x80 != 0 {
                return Err(out_of_place("a coder with alternative methods"));
            }
            if let Some(block) = keep.as_deref_mut() {
                block
                    .coders
                    .push((method.to_vec(), properties[..kept].to_vec()));
            }
        }
        if outputs == 0 {
            return Err(out_of_place("a block without output"));
        }
        let pairs = outputs - 1;
        for _ in 0..pairs {
            read_number(reader)?;
            read_number(reader)?;
        }
        let packed = inputs
            .checked_sub(pairs)
            .filter(|&packed| packed > 0)
            .ok_or_else(|| out_of_place("a block without packed streams"))?;
        if packed > 1 {
            for _ in 0..packed {
                read_number(reader)?;
            }
        }
        Ok(outputs)
    }
}

/// LZMA2's dictionary size from its properties byte.
fn lzma2_dictionary(bits: u8) -> Option<u32> {
    match bits {
        40 => Some(u32::MAX),
        0..40 => Some((2 | u32::from(bits & 1)) << (bits / 2 + 11)),
        _ => None,
    }
}

/// One byte.
fn read_u8(reader: &mut dyn Read) -> io::Result<u8> {
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// A number as 7-Zip writes it: the first byte's high bits say how many bytes follow.
fn read_number(reader: &mut dyn Read) -> io::Result<u64> {
    let first = u64::from(read_u8(reader)?);
    let mut mask = 0x80u64;
    let mut value = 0u64;
    for index in 0..8 {
        if first & mask == 0 {
            return Ok(value | ((first & (mask - 1)) << (8 * index)));
        }
        value |= u64::from(read_u8(reader)?) << (8 * index);
        mask >>= 1;
    }
    Ok(value)
}

/// `count` bits, the first in the top bit of the first byte.
fn read_bits(reader: &mut dyn Read, count: usize) -> io::Result<Vec<bool>> {
    let mut bits = Vec::with_capacity(count);
    let mut byte = 0u8;
    for index in 0..count {
        if index % 8 == 0 {
            byte = read_u8(reader)?;
        }
        bits.push(byte & (0x80 >> (index % 8)) != 0);
    }
    Ok(bits)
}

/// How many of `count` items are defined: all, or those whose bits are set.
fn defined(reader: &mut dyn Read, count: usize) -> io::Result<usize> {
    if read_u8(reader)? != 0 {
        return Ok(count);
    }
    Ok(read_bits(reader, count)?
        .into_iter()
        .filter(|&bit| bit)
        .count())
}

/// Passes over `count` bytes.
fn skip(reader: &mut dyn Read, count: u64) -> io::Result<()> {
    let passed = io::copy(&mut reader.take(count), &mut io::sink())?;
    if passed < count {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const LIMITS: HeaderLimits = HeaderLimits {
        entries: 10,
        header_bytes: 1280 * 1024,
    };

    /// An archive of `header` after `packed`, its checksums right.
    fn archive(packed: &[u8], header: &[u8]) -> Vec<u8> {
        let mut start = Vec::new();
        start.extend_from_slice(&(packed.len() as u64).to_le_bytes());
        start.extend_from_slice(&(header.len() as u64).to_le_bytes());
        start.extend_from_slice(&crc32(header).to_le_bytes());
        let mut bytes = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
        bytes.extend_from_slice(&crc32(&start).to_le_bytes());
        bytes.extend_from_slice(&start);
        bytes.extend_from_slice(packed);
        bytes.extend_from_slice(header);
        bytes
    }

    fn refusal(packed: &[u8], header: &[u8]) -> Option<String> {
        let bytes = archive(packed, header);
        let located = locate(&bytes).unwrap();
        refused(&bytes, &located, &LIMITS)
    }

    #[test]
    fn each_count_is_held_to_the_entry_limit_as_it_is_read() {
        // Files info: 11 entries.
        assert_eq!(
            refusal(&[], &[K_HEADER, K_FILES_INFO, 11, 0, K_END]).as_deref(),
            Some("holds 11 entries, more than the limit of 10; text not extracted")
        );
        assert_eq!(refusal(&[], &[K_HEADER, K_FILES_INFO, 10, 0, K_END]), None);
        // Pack info: 41 packed streams (four an entry).
        let streams = [K_HEADER, K_MAIN_STREAMS_INFO, K_PACK_INFO, 0, 41, K_END];
        assert_eq!(
            refusal(&[], &streams).as_deref(),
            Some("holds 41 packed streams, more than the limit of 40; text not extracted")
        );
        // Unpack info: 11 blocks, and a block of 64 coders (four an entry: 40).
        let blocks = [
            K_HEADER,
            K_MAIN_STREAMS_INFO,
            K_UNPACK_INFO,
            K_FOLDER,
            11,
            0,
        ];
        assert_eq!(
            refusal(&[], &blocks).as_deref(),
            Some("holds 11 blocks, more than the limit of 10; text not extracted")
        );
        let coders = [
            K_HEADER,
            K_MAIN_STREAMS_INFO,
            K_UNPACK_INFO,
            K_FOLDER,
            1,
            0,
            64,
        ];
        assert_eq!(
            refusal(&[], &coders).as_deref(),
            Some("holds 64 coders, more than the limit of 40; text not extracted")
        );
        // Substreams: 11 files with bytes in one block of one copy coder.
        let substreams = [
            K_HEADER,
            K_MAIN_STREAMS_INFO,
            K_UNPACK_INFO,
            K_FOLDER,
            1,
            0,
            1,
            0x01,
            0x00,
            K_CODERS_UNPACK_SIZE,
            100,
            K_END,
            K_SUB_STREAMS_INFO,
            K_NUM_UNPACK_STREAM,
            11,
            K_END,
            K_END,
        ];
        assert_eq!(
            refusal(&[], &substreams).as_deref(),
            Some("holds 11 files with bytes, more than the limit of 10; text not extracted")
        );
    }

    #[test]
    fn a_header_compressed_other_than_with_lzma_is_not_read() {
        // An encoded header whose one block is one BZip2 coder (04 02 02) of a packed stream of
        // 4 bytes, unpacking to 5.
        let encoded = [
            K_ENCODED_HEADER,
            K_PACK_INFO,
            0,
            1,
            K_SIZE,
            4,
            K_END,
            K_UNPACK_INFO,
            K_FOLDER,
            1,
            0,
            1,
            0x03,
            0x04,
            0x02,
            0x02,
            K_CODERS_UNPACK_SIZE,
            5,
            K_END,
            K_END,
        ];
        assert_eq!(
            refusal(b"BZh9", &encoded).as_deref(),
            Some("has a header compressed with BZIP2, which is not read; no file in it was read")
        );
        // A block of one copy coder: the header in it is read, its entries counted.
        let copied = [
            K_ENCODED_HEADER,
            K_PACK_INFO,
            0,
            1,
            K_SIZE,
            5,
            K_END,
            K_UNPACK_INFO,
            K_FOLDER,
            1,
            0,
            1,
            0x01,
            0x00,
            K_CODERS_UNPACK_SIZE,
            5,
            K_END,
            K_END,
        ];
        assert_eq!(
            refusal(&[K_HEADER, K_FILES_INFO, 11, 0, K_END], &copied).as_deref(),
            Some("holds 11 entries, more than the limit of 10; text not extracted")
        );
    }
}

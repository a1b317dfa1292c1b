//! 7-Zip archives (`.7z`): each file read as an archive's files are ([`super::archive`]), under
//! a line naming it (`[file NAME]`), in the order the archive holds them; read by the mail
//! decoder, an `.eml` or `.msg` file is read as an attached message is. An archive among them is
//! not opened, nor a 7-Zip archive inside an archive or a document (noted). Police data leaving
//! a force is often sent so: unread, it would reach no disclosure policy.
//!
//! The archive is read by `sevenz-rust2` (LZMA, LZMA2, PPMd, BZip2, copy and the BCJ and delta
//! filters; no AES: we hold no passwords). A block in Deflate is inflated here with the flate2
//! the zip reader uses (sevenz-rust2's Deflate would turn flate2 to another backend for the whole
//! program), and those in Deflate64 and in Zstandard (which a fork of 7-Zip writes) with the
//! pure Rust decoders the zip reader uses (sevenz-rust2 reads no Deflate64, and Zstandard only
//! with the C library), and those in Brotli and LZ4 (the fork again) with the PDF reader's Brotli
//! decoder and `lz4_flex` ([`super::sevenz_frames`]); other methods are named, not read. An archive whose file names are
//! encrypted
//! (`-mhe=on`) is noted as such; one whose files alone are encrypted has them named as
//! encrypted, not read. A 7-Zip archive compresses its files together in blocks (a solid
//! archive in one block), so a file is reached by unpacking the files before it in its block.
//!
//! Every limit is held before anything is unpacked and while it is: the header (where the names
//! and sizes are) at most 160 bytes an entry of the zip entry limit, the counts it declares
//! (entries, blocks, packed streams, coders) held to that limit as they are read, before
//! sevenz-rust2 makes room for them ([`super::sevenz_header`]); the memory a block's decoder asks
//! for (an LZMA dictionary, a PPMd model, a Zstandard window, a Brotli ring buffer, LZ4's block
//! buffers: a few bytes of header can ask for gigabytes) at most the decompression budget, one
//! refused at a later frame noted as refused for that, not as damage; a block whose
//! declared size is past the compression ratio limit is not unpacked; the bytes unpacked, those
//! of files read and of files passed over to reach a later one, are held to the attachment's
//! decompression budget, and no file is unpacked past its declared size. A file cut short by the budget, or damaged, is read as far as it goes
//! and the rest of its block named, not read; the time limit is checked before each file. An
//! archive whose start header is blank (as 7-Zip leaves one it did not finish writing) is read by
//! the header found at its end, as 7-Zip finds it, noted.

use std::io::{self, Read, Seek, SeekFrom};

use sevenz_rust2::{Archive, ArchiveEntry, BlockDecoder, EncoderMethod, Error, Password};

use super::TextOut;
use super::archive::Members;
use super::methods::Zstd;
use super::sevenz_frames::{Frames, Kind};
use super::sevenz_header::{self, HeaderLimits, K_ENCODED_HEADER, Located, SIGNATURE_HEADER};
use super::zip::{RATIO_FREE_BYTES, inflate_within};

/// How a 7-Zip archive begins.
pub(super) const MAGIC: &[u8] = b"7z\xbc\xaf\x27\x1c";

/// The header's most bytes for each entry the zip entry limit allows: a file's name (UTF-16, a
/// path of 60 characters 120 bytes), times, attributes, size and CRC take about a hundred and
/// fifty. (sevenz-rust2 keeps about a hundred bytes for each entry the header declares, and a
/// header can declare one a byte: its counts are held to the entry limit before it reads them.)
const HEADER_BYTES_PER_ENTRY: usize = 160;
/// The least the header may take, and what its decoder's dictionary may (7-Zip compresses a
/// header with a dictionary of at most 1 MiB).
const MIN_HEADER_BYTES: usize = 1280 * 1024;
/// Memory a decoder takes beyond its dictionary or model, in KiB.
const DECODER_SLACK_KB: usize = 1024;
/// How many names a note lists.
const NAMED: usize = 5;
/// The longest name kept, in bytes.
const MAX_NAME_BYTES: usize = 4096;

/// Reads the 7-Zip archive `bytes` into `out`, where it is the attachment itself (`depth` 0).
pub(super) fn extract(bytes: &[u8], out: &mut TextOut<'_>, depth: usize) {
    if depth > 0 {
        out.note("a 7-Zip archive inside another file is not opened; its contents are not read");
        return;
    }
    let located = match unreadable_start(bytes) {
        Ok(located) => located,
        Err(reason) => {
            out.note(format!(
                "the 7-Zip archive {reason}; no file in it was read"
            ));
            return;
        }
    };
    if located.found_at_end {
        out.note(
            "the 7-Zip archive's start header is blank (as 7-Zip leaves an archive it did not finish writing); read by the header found at its end",
        );
    }
    let limits = out.limits;
    let header_bytes = limits
        .max_zip_entries
        .saturating_mul(HEADER_BYTES_PER_ENTRY)
        .max(MIN_HEADER_BYTES);
    let header_limits = HeaderLimits {
        entries: limits.max_zip_entries,
        header_bytes,
    };
    if let Some(reason) = sevenz_header::refused(bytes, &located, &header_limits) {
        out.note(format!("the 7-Zip archive {reason}"));
        return;
    }
    let password = Password::empty();
    let mut source = Repaired {
        head: located.signature_header(bytes),
        bytes,
        at: 0,
    };
    let archive = match Archive::read_with_memory_limit(&mut source, &password, header_bytes / 1024)
    {
        Ok(archive) => archive,
        Err(_) if names_are_encrypted(bytes, &located) => {
            out.note(
                "encrypted 7-Zip archive: its file names are encrypted too (a password to open it); text not extracted",
            );
            return;
        }
        Err(error) => {
            out.note(format!(
                "the 7-Zip archive's header could not be read ({}); no file in it was read",
                error_text(&error)
            ));
            return;
        }
    };
    let entries = archive.files.len();
    if entries > limits.max_zip_entries {
        out.note(format!(
            "the 7-Zip archive holds {entries} entries, more than the limit of {}; text not extracted",
            limits.max_zip_entries
        ));
        return;
    }
    let mut reading = Reading {
        members: Members::new("7-Zip archive"),
        budget: limits.max_decompressed_bytes as u64,
        memory_kb: (limits.max_decompressed_bytes / 1024).saturating_add(DECODER_SLACK_KB),
        stopped: false,
    };
    let blocks = files_by_block(&archive);
    for (block, files) in blocks.iter().enumerate() {
        if reading.stopped {
            break;
        }
        if !files.is_empty() {
            reading.block(&archive, bytes, &mut source, block, files, out);
        }
    }
    reading.members.finish(out);
    out.spend((limits.max_decompressed_bytes as u64).saturating_sub(reading.budget));
}

/// What is kept while an archive's blocks are read.
struct Reading {
    members: Members,
    /// What is left of the attachment's decompression budget.
    budget: u64,
    /// The most memory a block's decoder may ask for, in KiB.
    memory_kb: usize,
    /// Whether reading stopped (the text is full or the time is up).
    stopped: bool,
}

impl Reading {
    /// Reads the files (`files`, their indexes in the archive, those with bytes) of `block`.
    fn block(
        &mut self,
        archive: &Archive,
        bytes: &[u8],
        source: &mut Repaired<'_>,
        block: usize,
        files: &[usize],
        out: &mut TextOut<'_>,
    ) {
        let names: Vec<String> = files
            .iter()
            .map(|&file| entry_name(archive, file))
            .collect();
        let Some(coders) = archive.blocks.get(block) else {
            return;
        };
        if coders
            .coders
            .iter()
            .any(|coder| coder.encoder_method_id() == EncoderMethod::ID_AES256_SHA256)
        {
            for name in names {
                self.members.encrypted(name);
            }
            return;
        }
        let declared = coders.get_unpack_size();
        let packed = packed_size(archive, block).min(bytes.len() as u64).max(1);
        let max_ratio = out.limits.max_zip_ratio as u64;
        if declared > RATIO_FREE_BYTES && declared / packed > max_ratio {
            out.note(format!(
                "{} (in the 7-Zip archive) would unpack {packed} bytes to {declared} (more than {max_ratio}:1, a zip bomb?); not read",
                listed(&names)
            ));
            return;
        }
        // How many of the block's files were reached, and why the rest were left, if they were.
        let mut seen = 0usize;
        let mut left: Option<String> = None;
        // Whether the last file read had an error, which its note gives.
        let mut last_broke = false;
        let last = files.len().saturating_sub(1);
        let mut each = |entry: &ArchiveEntry, reader: &mut dyn Read| {
            if !entry.has_stream() {
                return Ok(true);
            }
            let index = seen;
            seen += 1;
            let name = names.get(index).cloned().unwrap_or_default();
            if self.members.stop_before(&name, out) {
                self.stopped = true;
                return Ok(false);
            }
            let size = entry.size();
            if self.members.too_large(&name, size, out) {
                // To reach the files after it, its bytes are unpacked and passed over, within
                // the budget.
                if index >= last {
                    return Ok(false);
                }
                if size > self.budget {
                    left = Some(format!(
                        "they are compressed after {name}, and passing over it would go past the decompression limit"
                    ));
                    return Ok(false);
                }
                self.budget -= size;
                return Ok(true);
            }
            let mut unpacked = Unpacked {
                inner: reader,
                left: size,
                failed: None,
                broke: false,
            };
            let Some(read) =
                inflate_within(&mut unpacked, &name, packed, size, &mut self.budget, out)
            else {
                left = Some(format!(
                    "they are compressed after {name}, which could not be read"
                ));
                return Ok(false);
            };
            last_broke = unpacked.broke;
            let whole = read.len() as u64 == size;
            self.members
                .read(name.clone(), &read, &mut self.budget, out);
            if whole {
                return Ok(true);
            }
            left = Some(format!(
                "they are compressed after {name}, which could not be read in full"
            ));
            Ok(false)
        };
        let result = match unpacked_here(archive, bytes, block) {
            Some((Codec::Deflate, packed)) => {
                let mut inflater = flate2::bufread::DeflateDecoder::new(packed);
                each_file(&mut inflater, archive, files, &mut each)
            }
            Some((Codec::Deflate64, packed)) => {
                let mut inflater = deflate64::Deflate64Decoder::with_buffer(packed);
                each_file(&mut inflater, archive, files, &mut each)
            }
            Some((Codec::Zstd, mut packed)) => {
                match Zstd::new(&mut packed, self.memory_kb as u64) {
                    Ok(mut frames) => each_file(&mut frames, archive, files, &mut each),
                    Err(reason) => Err(Error::Other(reason.into())),
                }
            }
            Some((Codec::Framed(kind), packed)) => {
                match Frames::new(kind, packed, self.memory_kb as u64) {
                    Ok(mut frames) => each_file(&mut frames, archive, files, &mut each),
                    Err(reason) => Err(Error::Other(reason.into())),
                }
            }
            None => {
                let password = Password::empty();
                BlockDecoder::new_with_memory_limit(
                    1,
                    self.memory_kb,
                    block,
                    archive,
                    &password,
                    source,
                )
                .for_each_entries(&mut each)
            }
        };
        let unread = names.get(seen..).unwrap_or_default();
        match result {
            Err(error) => {
                let reason = error_text(&error);
                if unread.is_empty() && last_broke {
                    // The error of the last file read, noted with it.
                } else if unread.is_empty() {
                    let last = names.last().map_or("", String::as_str);
                    out.note(format!("the 7-Zip archive is damaged at {last}: {reason}"));
                } else {
                    out.note(format!(
                        "{} (in the 7-Zip archive) could not be read: {reason}",
                        listed(unread)
                    ));
                }
            }
            Ok(_) if self.stopped || unread.is_empty() => {}
            Ok(_) => {
                let why = left.unwrap_or_else(|| "they could not be reached".to_owned());
                out.note(format!(
                    "{} (in the 7-Zip archive) not read: {why}",
                    listed(unread)
                ));
            }
        }
    }
}

/// A block's one coder, where it is unpacked here rather than by sevenz-rust2.
enum Codec {
    Deflate,
    Deflate64,
    Zstd,
    /// Brotli or LZ4 ([`super::sevenz_frames`]).
    Framed(Kind),
}

/// The coder and packed bytes of `block` where its one coder is Deflate (7-Zip's
/// `-m0=Deflate`), Deflate64 (`-m0=Deflate64`), or Zstandard, Brotli or LZ4 (written by a fork of
/// 7-Zip), as far as they are in `bytes`. sevenz-rust2 reads Deflate only with a feature that
/// turns flate2, which the zip, gzip and PDF readers share, from miniz_oxide (no unsafe code) to
/// zlib-rs for the whole program, Zstandard only with the C library, Brotli and LZ4 only with
/// features that bring more crates ([`super::sevenz_frames`]), and Deflate64 not at all: such a
/// block is unpacked here, with the decoders the zip and PDF readers use.
fn unpacked_here<'b>(
    archive: &Archive,
    bytes: &'b [u8],
    block: usize,
) -> Option<(Codec, &'b [u8])> {
    let [coder] = archive.blocks.get(block)?.coders.as_slice() else {
        return None;
    };
    let codec = match coder.encoder_method_id() {
        EncoderMethod::ID_DEFLATE => Codec::Deflate,
        EncoderMethod::ID_DEFLATE64 => Codec::Deflate64,
        EncoderMethod::ID_ZSTD => Codec::Zstd,
        EncoderMethod::ID_BROTLI => Codec::Framed(Kind::Brotli),
        EncoderMethod::ID_LZ4 => Codec::Framed(Kind::Lz4),
        _ => return None,
    };
    // One packed stream: a coder of more inputs is left to sevenz-rust2, which names it.
    let firsts = archive.stream_map.block_first_pack_stream_index();
    let first = *firsts.get(block)?;
    let end = firsts
        .get(block + 1)
        .copied()
        .unwrap_or(archive.pack_sizes().len());
    if end != first + 1 {
        return None;
    }
    let offset = *archive.stream_map.pack_stream_offsets().get(first)?;
    let size = *archive.pack_sizes().get(first)?;
    let start = (SIGNATURE_HEADER as u64)
        .saturating_add(archive.pack_pos())
        .saturating_add(offset);
    let start = usize::try_from(start)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let end = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(start)
        .min(bytes.len());
    Some((codec, bytes.get(start..end)?))
}

/// Gives each file (`files`, with bytes) of a block unpacked here, which `inflater` unpacks, to
/// `each`, as sevenz-rust2's block decoder does: each file's bytes up to its declared size, its
/// checksum checked, what `each` leaves unread passed over; `each` returning `false` stops. A
/// block cut short gives an error at the file it cuts.
fn each_file(
    inflater: &mut dyn Read,
    archive: &Archive,
    files: &[usize],
    each: &mut dyn FnMut(&ArchiveEntry, &mut dyn Read) -> Result<bool, Error>,
) -> Result<bool, Error> {
    for &file in files {
        let Some(entry) = archive.files.get(file) else {
            break;
        };
        let mut member = Member {
            inner: &mut *inflater,
            left: entry.size(),
            crc: entry.has_crc.then(|| (flate2::Crc::new(), entry.crc)),
            mismatch: false,
        };
        if !each(entry, &mut member)? {
            return Ok(false);
        }
        io::copy(&mut member, &mut io::sink())?;
    }
    Ok(true)
}

/// One file of a block unpacked here: its declared size of the block's bytes, its checksum checked
/// as sevenz-rust2 checks it (a mismatch given as an error on the read that brings the last bytes,
/// and on every read after).
struct Member<'r> {
    inner: &'r mut dyn Read,
    /// The bytes of the file not yet read.
    left: u64,
    /// The checksum so far and the one the header gives, where it gives one.
    crc: Option<(flate2::Crc, u64)>,
    /// Whether the checksum did not match.
    mismatch: bool,
}

impl Read for Member<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.mismatch {
            return Err(io::Error::other(Error::ChecksumVerificationFailed));
        }
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..room])?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= read as u64;
        if let Some((crc, expected)) = &mut self.crc {
            crc.update(&buf[..read]);
            if self.left == 0 && u64::from(crc.sum()) != *expected {
                self.mismatch = true;
                return Err(io::Error::other(Error::ChecksumVerificationFailed));
            }
        }
        Ok(read)
    }
}

/// The archive's bytes as sevenz-rust2 reads them: its signature header written again where its
/// start header was blank and the header found at its end (the bytes are not copied).
struct Repaired<'b> {
    /// The signature header.
    head: [u8; SIGNATURE_HEADER],
    bytes: &'b [u8],
    /// Where the next read begins.
    at: u64,
}

impl Read for Repaired<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let at = usize::try_from(self.at).unwrap_or(usize::MAX);
        let from: &[u8] = if at < SIGNATURE_HEADER {
            &self.head[at..]
        } else {
            self.bytes.get(at..).unwrap_or_default()
        };
        let read = from.len().min(buf.len());
        buf[..read].copy_from_slice(&from[..read]);
        self.at += read as u64;
        Ok(read)
    }
}

impl Seek for Repaired<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let (base, offset) = match to {
            SeekFrom::Start(at) => {
                self.at = at;
                return Ok(at);
            }
            SeekFrom::End(offset) => (self.bytes.len() as u64, offset),
            SeekFrom::Current(offset) => (self.at, offset),
        };
        self.at = base
            .checked_add_signed(offset)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

/// A file's bytes as its block's decoder gives them, its errors in words. A checksum that does
/// not match keeps the file's last bytes: the decoder reports the mismatch on the read that
/// brings them, with them in the buffer, and a file with a byte changed is still worth reading.
struct Unpacked<'r> {
    inner: &'r mut dyn Read,
    /// The bytes of the file not yet read.
    left: u64,
    /// The error to give on the next read, after the bytes that came with it.
    failed: Option<String>,
    /// Whether an error was given (and noted by the reader of the file).
    broke: bool,
}

impl Read for Unpacked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(reason) = self.failed.take() {
            self.broke = true;
            return Err(io::Error::other(reason));
        }
        match self.inner.read(buf) {
            Ok(read) => {
                self.left = self.left.saturating_sub(read as u64);
                Ok(read)
            }
            Err(error) => {
                let mismatch = matches!(
                    archive_error(&error),
                    Some(Error::ChecksumVerificationFailed)
                );
                let reason = io_error_text(&error);
                match usize::try_from(self.left) {
                    Ok(left) if mismatch && left > 0 && left <= buf.len() => {
                        self.left = 0;
                        self.failed = Some(reason);
                        Ok(left)
                    }
                    _ => {
                        self.broke = true;
                        Err(io::Error::other(reason))
                    }
                }
            }
        }
    }
}

/// The archive's error an I/O error carries, if it carries one.
fn archive_error(error: &io::Error) -> Option<&Error> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
}

/// An I/O error in words: the archive's error it carries, or the decoder's.
fn io_error_text(error: &io::Error) -> String {
    if let Some(inner) = archive_error(error) {
        return error_text(inner);
    }
    if error.kind() == io::ErrorKind::UnexpectedEof {
        return "it ends early: the archive is cut short or damaged".to_owned();
    }
    // A later frame refused for the memory its decoder would take: not damage.
    if let Some(refused) = super::methods::refused_text(error) {
        return refused;
    }
    // The reader keeps a block's first error, and gives a copy of it in words (its name) after.
    let text = error.to_string();
    if text == "ChecksumVerificationFailed" {
        return error_text(&Error::ChecksumVerificationFailed);
    }
    format!("{text}: the archive is damaged")
}

/// Where the header of `bytes` is, or why they cannot be opened as a 7-Zip archive before it is
/// read: cut short before or in its header (which 7-Zip writes at the end), or a start header
/// left blank (as 7-Zip leaves an archive it did not finish) and no header found at the end as
/// 7-Zip finds one (sevenz-rust2 is not left to search: it would try each byte of the last MiB,
/// at a cost growing with the square of the bytes).
fn unreadable_start(bytes: &[u8]) -> Result<Located, String> {
    if bytes.len() < SIGNATURE_HEADER {
        return Err("is cut short in its first 32 bytes".to_owned());
    }
    let located = sevenz_header::locate(bytes)?;
    let end = (SIGNATURE_HEADER as u64)
        .saturating_add(located.offset)
        .saturating_add(located.size);
    if end > bytes.len() as u64 {
        return Err(format!(
            "is cut short: its header, which 7-Zip writes at the end, would end at byte {end} and the archive has {} bytes",
            bytes.len()
        ));
    }
    Ok(located)
}

/// Whether the archive's header is encoded with AES: its file names are encrypted.
fn names_are_encrypted(bytes: &[u8], located: &Located) -> bool {
    located.bytes(bytes).is_some_and(|header| {
        header.first() == Some(&K_ENCODED_HEADER)
            && memchr::memmem::find(header, EncoderMethod::ID_AES256_SHA256).is_some()
    })
}

/// The indexes of the files with bytes of each block, in the order the archive holds them (a
/// folder with bytes, which 7-Zip never writes, among them: its bytes are read as a file's, not
/// passed over unbounded).
fn files_by_block(archive: &Archive) -> Vec<Vec<usize>> {
    let mut blocks = vec![Vec::new(); archive.blocks.len()];
    for (file, block) in archive.stream_map.file_block_index.iter().enumerate() {
        let has_bytes = archive
            .files
            .get(file)
            .is_some_and(|entry| entry.has_stream());
        if let (true, Some(files)) = (has_bytes, block.and_then(|block| blocks.get_mut(block))) {
            files.push(file);
        }
    }
    blocks
}

/// The packed bytes of `block`: its pack streams, up to the first of the next block.
fn packed_size(archive: &Archive, block: usize) -> u64 {
    let firsts = archive.stream_map.block_first_pack_stream_index();
    let sizes = archive.pack_sizes();
    let Some(&first) = firsts.get(block) else {
        return 0;
    };
    let end = firsts.get(block + 1).copied().unwrap_or(sizes.len());
    sizes
        .get(first..end.max(first))
        .unwrap_or_default()
        .iter()
        .fold(0u64, |sum, size| sum.saturating_add(*size))
}

/// The name of the file at `index`, at most [`MAX_NAME_BYTES`], or `file N` where it has none.
fn entry_name(archive: &Archive, index: usize) -> String {
    let name = archive.files.get(index).map_or("", |entry| entry.name());
    if name.is_empty() {
        return format!("file {}", index + 1);
    }
    name[..name.floor_char_boundary(MAX_NAME_BYTES)].to_owned()
}

/// Up to [`NAMED`] names, joined.
fn listed(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMED).map(String::as_str).collect();
    let more = if names.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", shown.join(", "))
}

/// What went wrong, in words.
fn error_text(error: &Error) -> String {
    match error {
        Error::BadSignature(_) => "it is not a 7-Zip archive".to_owned(),
        Error::UnsupportedVersion { major, minor } => {
            format!("its format version {major}.{minor} is not read")
        }
        Error::ChecksumVerificationFailed | Error::NextHeaderCrcMismatch => {
            "a checksum does not match: the archive is damaged".to_owned()
        }
        Error::Io(error, _) | Error::FileOpen(error, _) | Error::MaybeBadPassword(error) => {
            io_error_text(error)
        }
        Error::Other(reason) | Error::Unsupported(reason) => reason.to_string(),
        Error::BadTerminatedStreamsInfo(_)
        | Error::BadTerminatedUnpackInfo
        | Error::BadTerminatedPackInfo(_)
        | Error::BadTerminatedSubStreamsInfo
        | Error::BadTerminatedHeader(_) => "its header is damaged".to_owned(),
        Error::ExternalUnsupported => "its header is kept in a way that is not read".to_owned(),
        Error::UnsupportedCompressionMethod(method) => {
            format!("compressed with {method}, a method that is not read")
        }
        Error::MaxMemLimited { max_kb, actaul_kb } => format!(
            "unpacking it would take {actaul_kb} KiB of memory, more than the {max_kb} KiB allowed"
        ),
        Error::PasswordRequired => "it is encrypted".to_owned(),
        Error::FileNotFound => "a file it names is missing".to_owned(),
    }
}

//! Windows event log files (EVTX).
//!
//! Records are read with the `evtx` crate on every core: chunks are parsed and rendered to JSON in
//! parallel and come back in file order. Each record is flattened the way Sigma tools address
//! Windows fields (`EventID`, `Channel`, `Provider_Name`, every `EventData` name; see
//! [`flatten_record`]), kept as the event's original fields, and mapped onto typed fields by
//! [`crate::windows::apply`]. That work happens on the parser's threads too; only the event id and
//! the hand-over to the sink are done in order.
//!
//! A damaged file gives up every record that can be read. Each chunk or record that cannot be read
//! becomes a dead letter with the bytes that could be found and the parser's reason, and is counted
//! in [`EvtxSummary::damaged`]. A file that does not start with an EVTX header is an error.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxChunkHeader, EvtxParser, EvtxRecord, ParserSettings};
use serde_json::Value;
use tracing::warn;

use probity_model::{Event, EventId, Format, Provenance, Timestamp, from_micros};

use crate::timeparse::parse_time;
use crate::{Context, Error, Result, Sink};

mod flatten;

pub use flatten::{flatten_json, flatten_record};

const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;
const CHUNK_HEADER_SIZE: u64 = 512;
/// Magic, size, record id, time; then the BinXML and a copy of the size.
const RECORD_HEADER_SIZE: usize = 24;
const RECORD_MAGIC: &[u8; 4] = b"\x2a\x2a\x00\x00";
/// The most error texts an [`EvtxSummary`] keeps; `damaged` counts them all.
pub const MAX_SUMMARY_ERRORS: usize = 1000;
/// The tag on events carved from a chunk's unused space (see [`EvtxOptions::recover_records`]).
pub const RECOVERED_TAG: &str = "evtx-recovered";

/// What decoding one EVTX file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvtxSummary {
    /// Records decoded into events.
    pub records: u64,
    /// Chunks and records that could not be read, each sent to the sink as a dead letter.
    pub damaged: u64,
    /// Where and why, in file order (at most [`MAX_SUMMARY_ERRORS`] of them).
    pub errors: Vec<String>,
}

/// How to read EVTX files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvtxOptions {
    /// Parser threads; 0 uses every core.
    pub threads: usize,
    /// Also carve stale records from the unused space of chunks (a cleared or wrapped-round log).
    /// They are tagged [`RECOVERED_TAG`]; a stale copy may repeat a record that is still live.
    pub recover_records: bool,
}

/// Decodes an EVTX file, reading it chunk by chunk.
pub fn decode_file(path: &Path, ctx: &mut Context, sink: &mut dyn Sink) -> Result<EvtxSummary> {
    decode_file_with(path, &EvtxOptions::default(), ctx, sink)
}

/// [`decode_file`] with options.
pub fn decode_file_with(
    path: &Path,
    options: &EvtxOptions,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<EvtxSummary> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let origin = path.display().to_string();
    let parser = EvtxParser::from_read_seek(file).map_err(|e| not_evtx(&origin, &e))?;
    let raw = RawSource::new(Bytes::File { path, handle: None }, len);
    decode(parser, raw, &origin, options, ctx, sink)
}

/// Decodes an EVTX file held in memory (a file read through a decompressor). `origin` names it in
/// dead-letter locations.
pub fn decode_bytes(
    bytes: Vec<u8>,
    origin: &str,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<EvtxSummary> {
    decode_bytes_with(bytes, origin, &EvtxOptions::default(), ctx, sink)
}

/// [`decode_bytes`] with options.
pub fn decode_bytes_with(
    bytes: Vec<u8>,
    origin: &str,
    options: &EvtxOptions,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<EvtxSummary> {
    let parser = EvtxParser::from_read_seek(Cursor::new(bytes.as_slice()))
        .map_err(|e| not_evtx(origin, &e))?;
    let raw = RawSource::new(Bytes::Memory(&bytes), bytes.len() as u64);
    decode(parser, raw, origin, options, ctx, sink)
}

fn not_evtx(origin: &str, error: &EvtxError) -> Error {
    Error::Invalid(format!(
        "{origin}: not a readable EVTX file ({})",
        describe(error)
    ))
}

fn parser_settings(options: &EvtxOptions) -> ParserSettings {
    ParserSettings::default()
        .num_threads(options.threads)
        .indent(false)
        .separate_json_attributes(false)
        .validate_checksums(false)
        .recover_records(options.recover_records)
}

fn decode<T: Read + Seek>(
    parser: EvtxParser<T>,
    raw: RawSource<'_>,
    origin: &str,
    options: &EvtxOptions,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<EvtxSummary> {
    let settings = parser_settings(options);
    let mut parser = parser.with_configuration(settings.clone());
    let prepare = Prepare {
        received: ctx.received,
        max_event_bytes: ctx.limits.max_event_bytes,
        max_fields: ctx.limits.max_fields,
    };
    let mut out = Output {
        origin,
        ctx,
        sink,
        raw,
        summary: EvtxSummary::default(),
    };
    let worker = prepare.clone();
    // Records that cannot be read pass through as errors: the consumer locates them in the file.
    for item in parser.serialized_records(move |record| record.map(|r| worker.record(r))) {
        match item {
            Ok(prepared) => out.prepared(prepared)?,
            Err(error) => out.failed(&error)?,
        }
    }
    out.partial_last_chunk(&prepare, settings)?;
    if out.summary.damaged > 0 {
        warn!(
            source = %out.ctx.source,
            records = out.summary.records,
            damaged = out.summary.damaged,
            "EVTX file has unreadable parts"
        );
    }
    Ok(out.summary)
}

/// A record as the parser's threads leave it.
enum Prepared {
    /// A decoded event (its provenance still to be assigned) and the JSON its id is made from.
    Event {
        event: Box<Event>,
        json: Vec<u8>,
        record_id: u64,
    },
    /// A record that was found but could not be decoded.
    Rejected {
        record_id: u64,
        raw: Vec<u8>,
        reason: String,
    },
    /// A carved stale record that turned out to be noise.
    Skipped,
}

/// The per-record work done on the parser's threads: render, flatten, map.
#[derive(Debug, Clone)]
struct Prepare {
    received: Timestamp,
    max_event_bytes: usize,
    max_fields: usize,
}

impl Prepare {
    fn record(&self, record: EvtxRecord<'_>) -> Prepared {
        let record_id = record.event_record_id;
        let recovered = record.recovered;
        let written = from_micros(record.timestamp.as_microsecond());
        let chunk_data: &[u8] = record.chunk.data;
        let binxml = (record.binxml_offset, record.binxml_size);
        match record.into_json_bytes() {
            Ok(rendered) => self.build(rendered.data, record_id, written, recovered),
            Err(_) if recovered => Prepared::Skipped,
            Err(error) => Prepared::Rejected {
                record_id,
                raw: record_bytes(chunk_data, binxml.0, binxml.1),
                reason: describe(&error),
            },
        }
    }

    fn build(
        &self,
        json: Vec<u8>,
        record_id: u64,
        written: Timestamp,
        recovered: bool,
    ) -> Prepared {
        if json.len() > self.max_event_bytes {
            let reason = format!(
                "record renders to {} bytes of JSON, more than the {} byte event limit",
                json.len(),
                self.max_event_bytes
            );
            return Prepared::Rejected {
                record_id,
                raw: json,
                reason,
            };
        }
        let flat = match flatten_json(&json) {
            Ok(flat) => flat,
            Err(error) => {
                let reason =
                    format!("the parser's JSON for this record does not read back: {error}");
                return Prepared::Rejected {
                    record_id,
                    raw: json,
                    reason,
                };
            }
        };
        if flat.len() > self.max_fields {
            let reason = format!(
                "record has {} fields, more than the limit of {}",
                flat.len(),
                self.max_fields
            );
            return Prepared::Rejected {
                record_id,
                raw: json,
                reason,
            };
        }
        // The record's own EventRecordID names it; the header's copy stands in if it is missing.
        let record_id = flat
            .get("EventRecordID")
            .and_then(|id| match id {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .unwrap_or(record_id);
        // The record header's write time stands in for a missing or unreadable TimeCreated.
        let timestamp = flat
            .get("TimeCreated")
            .and_then(Value::as_str)
            .and_then(parse_time)
            .unwrap_or(written);
        let mut event = Event::new(timestamp, placeholder_provenance(self.received));
        crate::windows::apply(&flat, &mut event);
        event.original = flat;
        if recovered {
            event.tags.push(RECOVERED_TAG.to_owned());
        }
        Prepared::Event {
            event: Box::new(event),
            json,
            record_id,
        }
    }
}

/// Replaced in order on the consumer's side, where ids are numbered.
fn placeholder_provenance(ingested: Timestamp) -> Provenance {
    Provenance {
        id: EventId::from_bytes([0; 16]),
        source: String::new(),
        format: Format::Evtx,
        ingested,
        location: None,
    }
}

/// The bytes of a record whose BinXML is at `binxml_offset` (header included, size copy after).
fn record_bytes(chunk: &[u8], binxml_offset: u64, binxml_size: u32) -> Vec<u8> {
    let start = usize::try_from(binxml_offset)
        .unwrap_or(usize::MAX)
        .saturating_sub(RECORD_HEADER_SIZE);
    let end = usize::try_from(binxml_offset)
        .unwrap_or(usize::MAX)
        .saturating_add(binxml_size as usize)
        .saturating_add(4)
        .min(chunk.len());
    chunk
        .get(start..end)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

/// The consumer side: ids in order, dead letters with locations, the summary.
struct Output<'a, 'b> {
    origin: &'a str,
    ctx: &'a mut Context,
    sink: &'a mut dyn Sink,
    raw: RawSource<'b>,
    summary: EvtxSummary,
}

impl Output<'_, '_> {
    fn prepared(&mut self, prepared: Prepared) -> Result<()> {
        match prepared {
            Prepared::Event {
                mut event,
                json,
                record_id,
            } => {
                let location = Some(format!("record {record_id}"));
                event.provenance = self.ctx.provenance(Format::Evtx, &json, location);
                self.summary.records += 1;
                self.sink.event(*event)
            }
            Prepared::Rejected {
                record_id,
                raw,
                reason,
            } => {
                let location = match self.raw.find_record(record_id) {
                    Some((chunk, _)) => {
                        format!("{}: chunk {chunk}, record {record_id}", self.origin)
                    }
                    None => format!("{}: record {record_id}", self.origin),
                };
                self.reject(reason, location, &raw)
            }
            Prepared::Skipped => Ok(()),
        }
    }

    /// A chunk or record the parser could not read.
    fn failed(&mut self, error: &EvtxError) -> Result<()> {
        let origin = self.origin;
        let (location, raw) = match error {
            EvtxError::FailedToParseChunk { chunk_id, .. } => (
                format!("{origin}: chunk {chunk_id}"),
                self.raw.chunk(*chunk_id),
            ),
            EvtxError::FailedToReadRecordAt {
                chunk: Some(chunk),
                offset,
                ..
            } => (
                format!("{origin}: chunk {chunk}, offset {offset:#x}"),
                self.raw.record_at(*chunk, *offset),
            ),
            EvtxError::FailedToParseRecord { record_id, .. } => {
                match self.raw.find_record(*record_id) {
                    Some((chunk, bytes)) => (
                        format!("{origin}: chunk {chunk}, record {record_id}"),
                        bytes,
                    ),
                    None => (format!("{origin}: record {record_id}"), Vec::new()),
                }
            }
            _ => (origin.to_owned(), Vec::new()),
        };
        self.reject(describe(error), location, &raw)
    }

    fn reject(&mut self, reason: String, location: String, raw: &[u8]) -> Result<()> {
        self.summary.damaged += 1;
        if self.summary.errors.len() < MAX_SUMMARY_ERRORS {
            self.summary.errors.push(format!("{location}: {reason}"));
        }
        let letter = self
            .ctx
            .dead_letter(Some(Format::Evtx), reason, Some(location), raw);
        self.sink.reject(letter)
    }

    /// A file cut short ends in part of a chunk, which the parser passes over without a word. Its
    /// records are read here (the chunk made whole with zeros), and the cut is reported.
    fn partial_last_chunk(&mut self, prepare: &Prepare, settings: ParserSettings) -> Result<()> {
        let number = self.raw.whole_chunks();
        let start = chunk_offset(number);
        if self.raw.len <= start {
            return Ok(());
        }
        let tail = self.raw.read(start, self.raw.len - start);
        if tail.iter().all(|b| *b == 0) {
            return Ok(());
        }
        let location = format!("{}: chunk {number} ({} bytes)", self.origin, tail.len());
        let mut padded = tail.clone();
        padded.resize(CHUNK_SIZE as usize, 0);
        let mut chunk = match EvtxChunkData::new(padded, false) {
            Ok(chunk) => chunk,
            Err(error) => {
                let reason = format!(
                    "the file ends in {} bytes that are not a whole chunk and cannot be read: {}",
                    tail.len(),
                    describe(&error)
                );
                return self.reject(reason, location, &tail);
            }
        };
        chunk.number = Some(number);
        let records_end = u64::from(chunk.header.free_space_offset);
        let mut parsed = match chunk.parse(Arc::new(settings)) {
            Ok(parsed) => parsed,
            Err(error) => {
                let reason = format!(
                    "the file ends in part of a chunk whose records cannot be read: {}",
                    describe(&error)
                );
                return self.reject(reason, location, &tail);
            }
        };
        let available = tail.len() as u64;
        for record in parsed.iter() {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    self.failed(&error)?;
                    continue;
                }
            };
            let end = record
                .binxml_offset
                .saturating_add(u64::from(record.binxml_size))
                .saturating_add(4);
            if end <= available {
                self.prepared(prepare.record(record))?;
                continue;
            }
            let record_id = record.event_record_id;
            let start = record
                .binxml_offset
                .saturating_sub(RECORD_HEADER_SIZE as u64);
            let raw = tail
                .get(usize::try_from(start).unwrap_or(usize::MAX)..)
                .unwrap_or_default()
                .to_vec();
            let reason = format!(
                "record {record_id} runs past the end of the file ({} of its {} bytes are there)",
                raw.len(),
                end - start
            );
            let location = format!("{}: chunk {number}, record {record_id}", self.origin);
            self.reject(reason, location, &raw)?;
        }
        if records_end > tail.len() as u64 {
            let reason = format!(
                "the file is cut short: its last chunk holds {} of {CHUNK_SIZE} bytes, and the \
                 records past the cut are lost",
                tail.len()
            );
            self.reject(reason, location, &[])?;
        }
        Ok(())
    }
}

/// The error and its causes, in one line.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

fn chunk_offset(number: u64) -> u64 {
    number
        .saturating_mul(CHUNK_SIZE)
        .saturating_add(FILE_HEADER_SIZE)
}

/// Where the file's bytes are, for dead letters: in memory, or on disk (opened when first needed).
enum Bytes<'a> {
    Memory(&'a [u8]),
    File {
        path: &'a Path,
        handle: Option<File>,
    },
}

/// Reads the bytes of damaged chunks and records back out of the file.
struct RawSource<'a> {
    bytes: Bytes<'a>,
    len: u64,
    /// Each chunk's number and record id range, read when a record must first be found by id.
    ranges: Option<Vec<(u64, u64, u64)>>,
}

impl<'a> RawSource<'a> {
    fn new(bytes: Bytes<'a>, len: u64) -> Self {
        Self {
            bytes,
            len,
            ranges: None,
        }
    }

    /// Up to `len` bytes at `offset` (fewer at the end of the file; none if it cannot be read).
    fn read(&mut self, offset: u64, len: u64) -> Vec<u8> {
        let end = offset.saturating_add(len).min(self.len);
        if offset >= end {
            return Vec::new();
        }
        match &mut self.bytes {
            Bytes::Memory(bytes) => {
                let (Ok(start), Ok(end)) = (usize::try_from(offset), usize::try_from(end)) else {
                    return Vec::new();
                };
                bytes
                    .get(start..end)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default()
            }
            Bytes::File { path, handle } => {
                if handle.is_none() {
                    *handle = File::open(path).ok();
                }
                let Some(file) = handle.as_mut() else {
                    return Vec::new();
                };
                read_range(file, offset, end - offset).unwrap_or_default()
            }
        }
    }

    fn whole_chunks(&self) -> u64 {
        self.len.saturating_sub(FILE_HEADER_SIZE) / CHUNK_SIZE
    }

    /// Whole chunks plus a partial last one.
    fn all_chunks(&self) -> u64 {
        self.len
            .saturating_sub(FILE_HEADER_SIZE)
            .div_ceil(CHUNK_SIZE)
    }

    fn chunk(&mut self, number: u64) -> Vec<u8> {
        self.read(chunk_offset(number), CHUNK_SIZE)
    }

    /// The record starting `offset` bytes into chunk `number`.
    fn record_at(&mut self, number: u64, offset: u64) -> Vec<u8> {
        let chunk = self.chunk(number);
        let Ok(start) = usize::try_from(offset) else {
            return Vec::new();
        };
        if start >= chunk.len() {
            return Vec::new();
        }
        record_slice(&chunk, start).to_vec()
    }

    /// The chunk number and bytes of the record with this id, searched for in the chunks whose
    /// headers say they hold it.
    fn find_record(&mut self, record_id: u64) -> Option<(u64, Vec<u8>)> {
        let ranges = match self.ranges.take() {
            Some(ranges) => ranges,
            None => self.read_ranges(),
        };
        let mut found = None;
        for &(number, first, last) in &ranges {
            if !(first..=last).contains(&record_id) {
                continue;
            }
            let chunk = self.chunk(number);
            if let Some(at) = find_record_header(&chunk, record_id) {
                found = Some((number, record_slice(&chunk, at).to_vec()));
                break;
            }
        }
        self.ranges = Some(ranges);
        found
    }

    fn read_ranges(&mut self) -> Vec<(u64, u64, u64)> {
        let mut ranges = Vec::new();
        for number in 0..self.all_chunks() {
            let header = self.read(chunk_offset(number), CHUNK_HEADER_SIZE);
            if let Ok(header) = EvtxChunkHeader::from_bytes(&header)
                && header.first_event_record_id <= header.last_event_record_id
            {
                ranges.push((
                    number,
                    header.first_event_record_id,
                    header.last_event_record_id,
                ));
            }
        }
        ranges
    }
}

fn read_range(file: &mut File, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Where in `chunk` the header of record `record_id` starts.
fn find_record_header(chunk: &[u8], record_id: u64) -> Option<usize> {
    let id = record_id.to_le_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(chunk.get(from..)?, RECORD_MAGIC) {
        let start = from + at;
        if chunk.get(start + 8..start + 16) == Some(&id[..]) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// The record starting at `start`: as long as its header says when that is sane, else up to the
/// next record's magic or the end of the chunk.
fn record_slice(chunk: &[u8], start: usize) -> &[u8] {
    let rest = &chunk[start.min(chunk.len())..];
    if rest.len() >= 8 && rest.starts_with(RECORD_MAGIC) {
        let size = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        if size >= RECORD_HEADER_SIZE + 4 && size <= rest.len() {
            return &rest[..size];
        }
    }
    let next = rest
        .get(1..)
        .and_then(|after| memchr::memmem::find(after, RECORD_MAGIC))
        .map_or(rest.len(), |at| at + 1);
    &rest[..next]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_slices_follow_the_header_or_the_next_magic() {
        let mut chunk = vec![0u8; 200];
        chunk[10..14].copy_from_slice(RECORD_MAGIC);
        chunk[14..18].copy_from_slice(&40u32.to_le_bytes());
        chunk[18..26].copy_from_slice(&7u64.to_le_bytes());
        assert_eq!(record_slice(&chunk, 10).len(), 40);
        assert_eq!(find_record_header(&chunk, 7), Some(10));
        assert_eq!(find_record_header(&chunk, 8), None);
        // A size that does not fit runs to the next record.
        chunk[14..18].copy_from_slice(&4000u32.to_le_bytes());
        chunk[100..104].copy_from_slice(RECORD_MAGIC);
        assert_eq!(record_slice(&chunk, 10).len(), 90);
        assert_eq!(record_bytes(&chunk, 34, 12), chunk[10..50].to_vec());
    }
}

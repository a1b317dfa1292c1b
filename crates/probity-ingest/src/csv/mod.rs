//! CSV exports (records-system audit trails and the like) onto the event model, as a YAML
//! [`Mapping`] says, or generically when there is no mapping.
//!
//! Every row becomes an event or a dead letter: a row whose time does not parse, whose number of
//! columns differs from the header's, that is not valid UTF-8, whose value does not fit its field
//! (a port that is not a number) or that is longer than `max_event_bytes` is dead-lettered with
//! its line number and a reason naming the column. Every column is kept in `original` under its
//! header name. The row's raw bytes make the event id. A quote left open in a row, which RFC 4180
//! reads to the end of the file or to a later row's quote, has the lines after its own read as
//! rows where they hold rows of the header's fields ([`UNCLOSED_QUOTE_LABEL`],
//! [`AFTER_UNCLOSED_QUOTE_LABEL`]), the row as written kept as a dead letter. A header row that runs over several lines
//! to the end of the input (a quote left open in it) is an error for the whole file, which the
//! caller keeps as a dead letter, rather than a file of no rows; so is a header with a column
//! name over [`MAX_HEADER_NAME_BYTES`] or names over [`MAX_HEADER_NAMES_BYTES`] together, since
//! every row's event repeats them.

mod fields;
mod mapping;
pub mod rows;
mod timezone;

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use probity_model::{Event, EventId, Format, Provenance, Timestamp};

use crate::timeparse::parse_time;
use crate::{Context, Error, Result, Sink};
use mapping::{Case, FieldRule, Source, TimeRule};
use rows::{QuoteRow, QuoteRows};
pub use rows::{Row, RowReader};

pub use fields::{TARGETS, is_known_target, set_field};
pub use mapping::Mapping;
pub use timezone::{Zone, london_local};

/// Column names (compared without case) taken as the event time by [`decode_generic`], in order
/// of preference.
pub const TIME_COLUMN_NAMES: [&str; 8] = [
    "timestamp",
    "time",
    "@timestamp",
    "date",
    "datetime",
    "eventtime",
    "timegenerated",
    "creationtime",
];

/// The longest column name a CSV header may give, in bytes: a survey's question as a heading
/// fits; more is not a heading.
pub const MAX_HEADER_NAME_BYTES: usize = 1_024;

/// The most bytes all of a CSV header's column names may take together (every row's event
/// holds them all).
pub const MAX_HEADER_NAMES_BYTES: usize = 64 * 1024;

/// The label on an event whose row left a quote open past the line it opened on, to the end of
/// the file or to a later row's quote (a row of other than the header's fields then), as for a
/// device export's (`chat.unclosed_quote`): `to the end of its line` where the
/// row was read with the quote closed at the end of that line and the lines after it as rows
/// (`…, a later quote closing it` where one did), `to the end of the file` where none of them
/// reads as a row and the field runs on. The row as RFC 4180 reads it is a dead letter too.
pub const UNCLOSED_QUOTE_LABEL: &str = "csv.unclosed_quote";

/// The label on an event read from the lines after a row's quote left open (which RFC 4180 reads
/// into that row's field): the line the quote opened on.
pub const AFTER_UNCLOSED_QUOTE_LABEL: &str = "csv.after_unclosed_quote";

/// How much of the start of a file [`decode_generic`] looks at to choose the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// Decodes a CSV export as `mapping` says. A mapping that names a column the file does not have
/// is an error for the whole file; problems with single rows become dead letters.
pub fn decode(
    reader: impl Read,
    mapping: &Mapping,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let mut rows = RowReader::new(reader, mapping.delimiter, ctx.limits.max_event_bytes);
    let mut header_spans_lines = false;
    let headers = if mapping.has_headers {
        let Some(header) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? else {
            return Ok(());
        };
        header_spans_lines = header.raw.contains(&b'\n');
        header_names(&header, ctx.limits.max_event_bytes)?
    } else {
        mapping.columns.clone()
    };
    let plan = Plan::new(mapping, headers)?;
    let mut read_rows = false;
    let mut rows = QuoteRows::new(rows, plan.headers.len());
    while let Some(QuoteRow { row, quote, after }) =
        rows.next_row().map_err(|e| Error::io(&ctx.source, e))?
    {
        read_rows = true;
        let location = format!("line {}", row.line);
        if let Some(quote) = &quote {
            let (reason, location) =
                quote.dead_letter(&row, UNCLOSED_QUOTE_LABEL, AFTER_UNCLOSED_QUOTE_LABEL);
            let mut letter =
                ctx.dead_letter(Some(Format::Csv), reason, Some(location), quote.raw(&row));
            letter.raw_len = quote.raw_len(&row);
            sink.reject(letter)?;
        }
        match plan.event(&row, ctx, &location) {
            Ok(mut event) => {
                if let Some(quote) = &quote {
                    event
                        .labels
                        .insert(UNCLOSED_QUOTE_LABEL.to_owned(), quote.label().to_owned());
                }
                if let Some(line) = after {
                    event.labels.insert(
                        AFTER_UNCLOSED_QUOTE_LABEL.to_owned(),
                        format!("line {line}"),
                    );
                }
                sink.event(event)?
            }
            Err(reason) => {
                let mut letter =
                    ctx.dead_letter(Some(Format::Csv), reason, Some(location), &row.raw);
                letter.raw_len = row.raw_len;
                sink.reject(letter)?;
            }
        }
    }
    // A header row over several lines with nothing after it is a quote left open in the header:
    // the whole file was read as the header, and would give nothing, not even a dead letter.
    if header_spans_lines && !read_rows {
        return Err(Error::Invalid(
            "the CSV header row runs over several lines to the end of the input (a quote left open?): no rows could be read".into(),
        ));
    }
    Ok(())
}

/// Decodes a CSV file with a header row and no mapping. The delimiter is the one of `,`, `;`,
/// tab or `|` found most often in the header line. Every column goes to `original`; the event
/// time is the first column named as in [`TIME_COLUMN_NAMES`] whose value parses
/// ([`parse_time`]: ISO 8601 forms and epoch numbers, no offset meaning UTC), else the receive
/// time. `event.dataset` is `csv`.
pub fn decode_generic(mut reader: impl Read, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let head = read_head(&mut reader).map_err(|e| Error::io(&ctx.source, e))?;
    let delimiter = sniff_delimiter(&head);
    let mapping = Mapping::generic(delimiter);
    decode(
        std::io::Cursor::new(head).chain(reader),
        &mapping,
        ctx,
        sink,
    )
}

/// Reads the start of the input: through the first line end, at most [`SNIFF_BYTES`].
pub(crate) fn read_head(reader: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while head.len() < SNIFF_BYTES && !head.contains(&b'\n') {
        let count = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        head.extend_from_slice(&chunk[..count]);
    }
    Ok(head)
}

/// The delimiter used most in the first line, outside quotes (`,` when none is found).
pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &byte in head {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(index) = CANDIDATES.iter().position(|&c| c == byte) {
                    counts[index] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for index in 1..CANDIDATES.len() {
        if counts[index] > counts[best] {
            best = index;
        }
    }
    CANDIDATES[best]
}

/// Header names: invalid UTF-8 replaced, a BOM removed, blanks named `column N`, repeats
/// suffixed ` (2)`, ` (3)`….
pub(crate) fn header_names(header: &Row, limit: usize) -> Result<Vec<String>> {
    if header.too_long {
        return Err(Error::Invalid(format!(
            "the CSV header row is longer than the limit of {limit} bytes"
        )));
    }
    // Every row's event keeps each column under its name, so the names' length is paid again
    // on every row: a first line of 530 KB read as a header over 41,000 rows made 22 GB of
    // events (found by the fuzzer). A longer name or header is not a heading row.
    let mut names_bytes = 0;
    for index in 0..header.len() {
        let name = header.field(index).len();
        if name > MAX_HEADER_NAME_BYTES {
            return Err(Error::Invalid(format!(
                "the CSV header's column {} is named in {name} bytes, over the limit of \
                 {MAX_HEADER_NAME_BYTES} for a column name (is the first line a header?)",
                index + 1
            )));
        }
        names_bytes += name;
    }
    if names_bytes > MAX_HEADER_NAMES_BYTES {
        return Err(Error::Invalid(format!(
            "the CSV header's column names take {names_bytes} bytes, over the limit of \
             {MAX_HEADER_NAMES_BYTES} (every row's event repeats them)"
        )));
    }
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    // The names taken so far, and for each repeated name the last copy number tried: looking
    // each repeat up in the list of names, from ` (2)` every time, took cubic time on a header
    // of one name repeated (a 90 KB line ran for minutes). Names are only ever added, so a copy
    // number found taken stays taken, and resuming from the last one gives the same names.
    let mut taken: HashSet<String> = HashSet::with_capacity(header.len());
    let mut last_copy: HashMap<String, usize> = HashMap::new();
    for index in 0..header.len() {
        let text = String::from_utf8_lossy(header.field(index));
        let text = text.trim_start_matches('\u{feff}').trim();
        let base = if text.is_empty() {
            format!("column {}", index + 1)
        } else {
            text.to_owned()
        };
        let mut name = base.clone();
        if taken.contains(&name) {
            let copy = last_copy.entry(base.clone()).or_insert(1);
            loop {
                *copy += 1;
                name = format!("{base} ({copy})");
                if !taken.contains(&name) {
                    break;
                }
            }
        }
        taken.insert(name.clone());
        names.push(name);
    }
    Ok(names)
}

/// The column whose header is `name`: exactly, else ignoring case and surrounding spaces.
/// Whether `mapping` reads a file that starts with `head`: the mapping expects a header row, and the
/// first row of `head` names every column the mapping reads. Used to let a mapping given for a
/// file win over a format told from its header (a device SMS export's columns, say).
pub fn mapping_fits(mapping: &Mapping, head: &[u8], limit: usize) -> bool {
    if !mapping.has_headers {
        return false;
    }
    let mut rows = RowReader::new(head, mapping.delimiter, limit);
    let Ok(Some(header)) = rows.next_row() else {
        return false;
    };
    let Ok(headers) = header_names(&header, limit) else {
        return false;
    };
    mapping
        .columns_used()
        .all(|column| find_column(&headers, column).is_some())
}

fn find_column(headers: &[String], name: &str) -> Option<usize> {
    if let Some(index) = headers.iter().position(|header| header == name) {
        return Some(index);
    }
    let wanted = name.trim();
    headers
        .iter()
        .position(|header| header.trim().eq_ignore_ascii_case(wanted))
}

/// Where the event time of each row comes from, resolved against the header.
enum RowTime<'a> {
    Column {
        index: usize,
        name: &'a str,
        format: Option<&'a str>,
        zone: Zone,
    },
    Detected(Option<usize>),
}

/// A mapping tied to the columns of one file.
struct Plan<'a> {
    mapping: &'a Mapping,
    headers: Vec<String>,
    time: RowTime<'a>,
    /// Each field rule with its column index (`None` for a constant).
    fields: Vec<(&'a FieldRule, Option<usize>)>,
}

impl<'a> Plan<'a> {
    fn new(mapping: &'a Mapping, headers: Vec<String>) -> Result<Plan<'a>> {
        let missing: Vec<&str> = mapping
            .columns_used()
            .filter(|column| find_column(&headers, column).is_none())
            .collect();
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|name| format!("{name:?}")).collect();
            return Err(Error::Mapping {
                path: mapping.origin.clone(),
                reason: format!(
                    "column(s) {} named by the mapping are not in the file's header row {:?}",
                    names.join(", "),
                    headers
                ),
            });
        }
        let time = match &mapping.time {
            TimeRule::Column {
                column,
                format,
                zone,
            } => RowTime::Column {
                index: find_column(&headers, column).unwrap_or(0),
                name: column,
                format: format.as_deref(),
                zone: *zone,
            },
            TimeRule::Detect => RowTime::Detected(TIME_COLUMN_NAMES.iter().find_map(|name| {
                headers
                    .iter()
                    .position(|header| header.eq_ignore_ascii_case(name))
            })),
        };
        let fields = mapping
            .fields
            .iter()
            .map(|rule| {
                let index = match &rule.source {
                    Source::Column(column) => find_column(&headers, column),
                    Source::Value(_) => None,
                };
                (rule, index)
            })
            .collect();
        Ok(Plan {
            mapping,
            headers,
            time,
            fields,
        })
    }

    /// The event for a row, or the reason it cannot be one. The id is only assigned once the row
    /// is known to be good.
    fn event(&self, row: &Row, ctx: &mut Context, location: &str) -> Result<Event, String> {
        if row.too_long {
            return Err(format!(
                "row of {} bytes is longer than the limit of {} bytes",
                row.raw_len, ctx.limits.max_event_bytes
            ));
        }
        if row.len() != self.headers.len() {
            let expected = if self.mapping.has_headers {
                "the header has"
            } else {
                "the mapping names"
            };
            return Err(format!(
                "row has {} columns, {expected} {}",
                row.len(),
                self.headers.len()
            ));
        }
        let values = self.values(row)?;
        let timestamp = self.timestamp(&values, ctx.received)?;
        let placeholder = Provenance {
            id: EventId::from_bytes([0; 16]),
            source: String::new(),
            format: Format::Csv,
            ingested: ctx.received,
            location: None,
        };
        let mut event = Event::new(timestamp, placeholder);
        self.apply_defaults(&mut event);
        for &(rule, index) in &self.fields {
            self.apply_rule(&mut event, rule, index, &values)?;
        }
        self.apply_action_from(&mut event);
        for (header, value) in self.headers.iter().zip(&values) {
            event
                .original
                .insert(header.clone(), Value::String((*value).to_owned()));
        }
        event.provenance = ctx.provenance(Format::Csv, &row.raw, Some(location.to_owned()));
        Ok(event)
    }

    fn values<'r>(&self, row: &'r Row) -> Result<Vec<&'r str>, String> {
        (0..row.len())
            .map(|index| {
                std::str::from_utf8(row.field(index))
                    .map_err(|_| format!("column {:?} is not valid UTF-8", self.headers[index]))
            })
            .collect()
    }

    fn timestamp(&self, values: &[&str], received: Timestamp) -> Result<Timestamp, String> {
        match self.time {
            RowTime::Column {
                index,
                name,
                format,
                zone,
            } => {
                let text = values[index].trim();
                if text.is_empty() {
                    return Err(format!("column {name:?} (the event time) is empty"));
                }
                parse_local_time(text, format, zone)
                    .map_err(|problem| format!("column {name:?}: {text:?} {problem}"))
            }
            RowTime::Detected(Some(index)) => Ok(parse_time(values[index]).unwrap_or(received)),
            RowTime::Detected(None) => Ok(received),
        }
    }

    fn apply_defaults(&self, event: &mut Event) {
        let defaults = &self.mapping.event;
        let meta = &mut event.event;
        meta.kind.clone_from(&defaults.kind);
        meta.category.clone_from(&defaults.category);
        meta.kind_type.clone_from(&defaults.kind_type);
        meta.action.clone_from(&defaults.action);
        meta.outcome.clone_from(&defaults.outcome);
        meta.provider.clone_from(&defaults.provider);
        meta.dataset.clone_from(&defaults.dataset);
    }

    fn apply_rule(
        &self,
        event: &mut Event,
        rule: &FieldRule,
        index: Option<usize>,
        values: &[&str],
    ) -> Result<(), String> {
        let raw = match (&rule.source, index) {
            (Source::Value(constant), _) => constant.as_str(),
            (Source::Column(_), Some(index)) => values[index].trim(),
            (Source::Column(_), None) => return Ok(()),
        };
        let Some(value) = rule_value(rule, raw) else {
            return Ok(());
        };
        set_field(event, &rule.target, &value).map_err(|problem| match &rule.source {
            Source::Column(column) => format!("column {column:?} for {}: {problem}", rule.target),
            Source::Value(_) => format!("constant for {}: {problem}", rule.target),
        })
    }

    fn apply_action_from(&self, event: &mut Event) {
        let Some(from) = &self.mapping.event.action_from else {
            return;
        };
        let explicit_action = self
            .mapping
            .fields
            .iter()
            .any(|rule| rule.target == "event.action");
        if explicit_action && event.event.action.is_some() {
            return;
        }
        if let Some(action) = event.get(from).and_then(|value| value.as_text()) {
            event.event.action = Some(action);
        }
    }
}

/// The value a rule gives for a cell: mapped through `map` (exactly, else ignoring case), with
/// `default` for an empty cell or a value the map does not know, then cased. `None` leaves the
/// field unset.
fn rule_value(rule: &FieldRule, raw: &str) -> Option<String> {
    let chosen = if raw.is_empty() {
        rule.default.clone()?
    } else if rule.map.is_empty() {
        raw.to_owned()
    } else {
        lookup(rule, raw)
            .or_else(|| rule.default.clone())
            .unwrap_or_else(|| raw.to_owned())
    };
    Some(match rule.case {
        Case::AsIs => chosen,
        Case::Lower => chosen.to_lowercase(),
        Case::Upper => chosen.to_uppercase(),
    })
}

fn lookup(rule: &FieldRule, raw: &str) -> Option<String> {
    if let Some(mapped) = rule.map.get(raw) {
        return Some(mapped.clone());
    }
    rule.map
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(raw))
        .map(|(_, mapped)| mapped.clone())
}

/// A time as a CSV export writes it. With a `format`, the text must match it; a format with an
/// offset (`%z`) gives the instant directly, one without is local time in `zone`. Without a
/// format, the forms of [`parse_time`] are read; those without an offset are local time in `zone`.
fn parse_local_time(text: &str, format: Option<&str>, zone: Zone) -> Result<Timestamp, String> {
    match format {
        Some(format) => {
            if let Ok(instant) = DateTime::parse_from_str(text, format) {
                return Ok(instant.with_timezone(&Utc));
            }
            let local = NaiveDateTime::parse_from_str(text, format)
                .ok()
                .or_else(|| {
                    NaiveDate::parse_from_str(text, format)
                        .ok()
                        .and_then(|date| date.and_hms_opt(0, 0, 0))
                })
                .ok_or_else(|| format!("is not a time in the format {format:?}"))?;
            zone.to_utc(local)
        }
        None => {
            let parsed = parse_time(text).ok_or("is not a recognised time")?;
            if zone == Zone::Utc || has_explicit_zone(text) {
                return Ok(parsed);
            }
            zone.to_utc(parsed.naive_utc())
        }
    }
}

/// Whether a time [`parse_time`] reads names its own zone: an epoch number, a `Z` or an offset.
fn has_explicit_zone(text: &str) -> bool {
    let text = text.trim();
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return true;
    }
    if text.ends_with(['Z', 'z']) {
        return true;
    }
    // An offset follows the time of day: a sign after the last ':'.
    let Some(colon) = text.find(':') else {
        return false;
    };
    text[colon..].contains(['+', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Repeated header names are numbered as before, and a header of one name repeated many
    /// times is read in linear time (it was cubic: a 90 KB header line ran for minutes).
    #[test]
    fn repeated_header_names_are_numbered_quickly() {
        let names = |header: &[u8]| {
            let mut rows = RowReader::new(header, b',', 1 << 20);
            let row = rows.next_row().unwrap().unwrap();
            header_names(&row, 1 << 20).unwrap()
        };
        assert_eq!(
            names(b"a,a (2),a,a,,\n"),
            ["a", "a (2)", "a (3)", "a (4)", "column 5", "column 6"]
        );
        assert_eq!(names(b"a,a,a (2)\n"), ["a", "a (2)", "a (2) (2)"]);

        // Within the limit on the names' bytes together (three bytes each, " to").
        let columns = 20_000;
        let header = vec!["to"; columns].join(", ");
        let row = vec!["x"; columns].join(",");
        let csv = format!("{header}\n{row}\n").into_bytes();
        let mut ctx = Context::new("test", crate::Limits::default());
        let mut batch = crate::Batch::new();
        decode_generic(&csv[..], &mut ctx, &mut batch).unwrap();
        let reasons: Vec<&str> = batch.rejected.iter().map(|l| l.reason.as_str()).collect();
        assert!(reasons.is_empty(), "{reasons:?}");
        assert_eq!(batch.events.len(), 1);
        let original = &batch.events[0].original;
        assert!(original.contains_key("to"));
        assert!(original.contains_key(&format!("to ({columns})")));
    }

    /// Every row's event holds the header's names, so a header whose names are longer than
    /// a heading's (a first line of 530 KB over 41,000 one-byte rows made 22 GB of events) is an
    /// error for the whole file, which the caller keeps as a dead letter.
    #[test]
    fn a_header_whose_names_are_too_long_is_an_error() {
        let decode = |csv: String| {
            let mut ctx = Context::new("test", crate::Limits::default());
            let mut batch = crate::Batch::new();
            let result = decode_generic(csv.as_bytes(), &mut ctx, &mut batch);
            (result, batch.events.len())
        };
        let rows = "y\n".repeat(1_000);
        let long = "a".repeat(MAX_HEADER_NAME_BYTES + 1);
        let (result, events) = decode(format!("{long}\n{rows}"));
        let error = result.unwrap_err().to_string();
        assert!(error.contains("column 1 is named in 1025 bytes"), "{error}");
        assert_eq!(events, 0);
        // Many names, each short enough, too long together.
        let header = vec!["c".repeat(1_000); 70].join(",");
        let (result, _) = decode(format!("{header}\n{}\n", vec!["1"; 70].join(",")));
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("column names take")
        );
        // At the limit, the file is read.
        let header = "a".repeat(MAX_HEADER_NAME_BYTES);
        let (result, events) = decode(format!("{header}\n{rows}"));
        assert!(result.is_ok());
        assert_eq!(events, 1_000);
    }

    /// A quote left open in the header row swallows the whole file: that is an error (the
    /// caller keeps the file as a dead letter), not a file of no rows.
    #[test]
    fn a_quote_left_open_in_the_header_is_an_error() {
        let mut ctx = Context::new("test", crate::Limits::default());
        let mut batch = crate::Batch::new();
        let error = decode_generic(
            &b"\"name,when\nAlan,2024-05-06\nKaren,2024-05-07\n"[..],
            &mut ctx,
            &mut batch,
        )
        .unwrap_err();
        assert!(error.to_string().contains("quote"), "{error}");
        assert!(batch.is_empty());
        // A header alone, on one line, is still an empty file; a quoted line end in a header
        // with rows after it is still read.
        decode_generic(&b"name,when\n"[..], &mut ctx, &mut batch).unwrap();
        assert!(batch.is_empty());
        decode_generic(
            &b"\"na\nme\",when\nAlan,2024-05-06\n"[..],
            &mut ctx,
            &mut batch,
        )
        .unwrap();
        assert_eq!(batch.events.len(), 1);
    }

    #[test]
    fn sniffs_delimiters_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b"), b'|');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }

    #[test]
    fn local_times_with_and_without_formats() {
        let london = Zone::London;
        let iso = |ts: Timestamp| ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let summer = parse_local_time("01/07/2026 09:00:00", Some("%d/%m/%Y %H:%M:%S"), london);
        assert_eq!(summer.map(iso).as_deref(), Ok("2026-07-01T08:00:00Z"));
        let dated = parse_local_time("01/07/2026", Some("%d/%m/%Y"), london);
        assert_eq!(dated.map(iso).as_deref(), Ok("2026-06-30T23:00:00Z"));
        let offset = parse_local_time(
            "2026-07-01 09:00:00 +0200",
            Some("%Y-%m-%d %H:%M:%S %z"),
            london,
        );
        assert_eq!(offset.map(iso).as_deref(), Ok("2026-07-01T07:00:00Z"));
        let naive = parse_local_time("2026-07-01T09:00:00", None, london);
        assert_eq!(naive.map(iso).as_deref(), Ok("2026-07-01T08:00:00Z"));
        let zulu = parse_local_time("2026-07-01T09:00:00Z", None, london);
        assert_eq!(zulu.map(iso).as_deref(), Ok("2026-07-01T09:00:00Z"));
        let with_offset = parse_local_time("2026-07-01T09:00:00-01:00", None, london);
        assert_eq!(with_offset.map(iso).as_deref(), Ok("2026-07-01T10:00:00Z"));
        let error = parse_local_time("31/02/2026 10:00:00", Some("%d/%m/%Y %H:%M:%S"), london);
        assert!(error.unwrap_err().contains("format"));
    }
}

//! Device message exports as CSV: SMS, iMessage, WhatsApp and the like, in the shape forensic
//! tools export, Cellebrite's (UFED Reader, Physical Analyzer) "Chats" and "SMS Messages"
//! reports among them (docs/messages.md).
//!
//! The header row names the columns; names are compared without case, each run of spaces and
//! punctuation read as one `_` (`Timestamp: Date` is `timestamp_date`, `Chat #` is `chat`), and
//! each column has a few common aliases ([`SMS_COLUMNS`]). A time (one column, or a date and a
//! time of day in two), a body, and a sender, recipient or list of parties are required; a file
//! whose header lacks them is one dead letter. Up to two title rows above the header (`Chats
//! (2)`, as a report exported from a spreadsheet has) are passed over. A row whose time does not
//! parse, whose field count differs from the header's, or that is over the event size limit is a
//! dead letter with its line number; the rows around it are decoded. A quote left open in a row
//! runs, as RFC 4180 reads it, to the end of the file, or to a later row's quote, which closes it
//! (a row of other than the header's fields then); where the lines after the one it opened on
//! hold a row of the header's fields, the row is read to the end of that line and they are read
//! as rows ([`UNCLOSED_QUOTE_LABEL`], [`AFTER_UNCLOSED_QUOTE_LABEL`],
//! [`crate::csv::rows::QuoteRows`]); the row as written is a dead letter too.
//!
//! Times in ISO 8601 or epoch seconds are read as before (no offset: UTC). Times as a phone or a
//! report shows them (`06/05/2024 10:00:00(UTC+0)`) are read with the order of day and month
//! decided for the file ([`super::localtime`]): rows wait until a date settles it, or the file
//! ends, and a time without an offset is read in the force's zone.
//!
//! Where rows name their conversation (a `thread` or `chat` column, Cellebrite's `Chat #`), the
//! file is read twice ([`super::members`]): first to gather each conversation's parties (senders,
//! recipients, participants), then to decode each row with the conversation's other parties added
//! to its recipients (`email.to_source` `message+chat-members`, or `chat-members`). A thread
//! split over several files is joined when every file is gathered ([`gather_sms`]) into one
//! index before any is decoded with it ([`decode_sms_with`]); but a Cellebrite report numbers its
//! chats itself (`Chat #` 1, 2, …), so a report's chats are never joined with another file's.

use std::io::Read;

use probity_model::{Attachment, File, Format, Timestamp};
use serde_json::{Map, Value};

use super::localtime::{
    DATE_ORDER_ASSUMED_LABEL, DATE_ORDER_LABEL, FORCE_ZONE_NAME, LocalTime, Order, OrderVotes,
    TIME_ZONE_LABEL, is_space, parse_local,
};
use super::members::{ChatMembers, KEY_SEPARATOR};
use super::{ChatMessage, Person, Shape, is_phone_like, non_empty};
use crate::csv::rows::{QuoteRow, QuoteRows};
use crate::csv::{Row, RowReader, header_names, read_head, sniff_delimiter};
use crate::timeparse::parse_time;
use crate::{Context, Error, Result, Sink};

const SHAPE: Shape = Shape {
    format: Format::Sms,
    dataset: "sms",
    category: "message",
};

/// The columns read, each with the header names accepted for it (after normalising: lower case,
/// each run of other characters than letters and digits as one `_`, none at either end). Where
/// a file has no column of the `timestamp` names but a `date` and a `time` column, the two are
/// read together. Besides these, every column named `attachment_N` (Cellebrite's `Attachment
/// #1`, `Attachment #2`…) names an attached file.
pub const SMS_COLUMNS: [(&str, &[&str]); 16] = [
    (
        "timestamp",
        &[
            "timestamp",
            "timestamp_utc",
            "datetime",
            "date_time",
            "time",
            "date",
            "sent",
        ],
    ),
    ("date", &["timestamp_date", "date", "sent_date"]),
    ("time", &["timestamp_time", "time", "sent_time"]),
    ("direction", &["direction", "type", "folder"]),
    ("status", &["status"]),
    ("from", &["from", "sender", "from_number", "from_address"]),
    (
        "to",
        &["to", "recipient", "recipients", "to_number", "to_address"],
    ),
    ("participants", &["participants", "parties", "party"]),
    ("body", &["body", "text", "message", "content"]),
    ("application", &["application", "app", "source", "service"]),
    ("from_name", &["from_name", "sender_name"]),
    ("to_name", &["to_name", "recipient_name"]),
    (
        "conversation_id",
        &["conversation_id", "thread", "thread_id", "chat_id", "chat"],
    ),
    ("message_id", &["message_id", "id", "instant_message"]),
    ("attachments", &["attachments", "attachment"]),
    (
        "deleted",
        &["deleted", "deleted_instant_message", "deleted_message"],
    ),
];

/// Names of the `timestamp` column that hold a whole time; the others (`time`, `date`) may be
/// half of one.
const WHOLE_TIME: [&str; 5] = [
    "timestamp",
    "timestamp_utc",
    "datetime",
    "date_time",
    "sent",
];

/// A column only Cellebrite's reports have (`Instant Message #`): a report of chats, whose
/// chat-level columns are filled on a chat's first row only.
const REPORT_MARKER: &str = "instant_message";

/// Most bytes of rows held while their dates wait for the file to settle the order of day and
/// month; past it, the order is taken as it stands (and labelled as assumed).
const MAX_PENDING_BYTES: usize = 32 * 1024 * 1024;

/// Where a row's time is.
#[derive(Debug, Clone, Copy)]
enum TimeColumns {
    Whole(usize),
    Parts { date: usize, time: usize },
}

/// Where each known column is, by its [`SMS_COLUMNS`] name.
struct Columns {
    headers: Vec<String>,
    found: Vec<(&'static str, usize)>,
    time: Option<TimeColumns>,
    attachments: Vec<usize>,
    /// A Cellebrite report of chats ([`REPORT_MARKER`]).
    report: bool,
}

impl Columns {
    fn find(headers: Vec<String>) -> Self {
        let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut found = Vec::new();
        for (name, aliases) in SMS_COLUMNS {
            let index = aliases
                .iter()
                .find_map(|alias| normalised.iter().position(|h| h == alias));
            if let Some(index) = index {
                found.push((name, index));
            }
        }
        let position = |name: &str| {
            found
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, index)| *index)
        };
        let whole = WHOLE_TIME
            .iter()
            .find_map(|alias| normalised.iter().position(|h| h == alias));
        let time = match (whole, position("date"), position("time")) {
            (Some(index), _, _) => Some(TimeColumns::Whole(index)),
            (None, Some(date), Some(time)) if date != time => {
                Some(TimeColumns::Parts { date, time })
            }
            _ => position("timestamp").map(TimeColumns::Whole),
        };
        let attachments = normalised
            .iter()
            .enumerate()
            .filter(|(_, name)| {
                name.strip_prefix("attachment_")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|(index, _)| index)
            .chain(position("attachments"))
            .collect();
        let report = normalised.iter().any(|name| name == REPORT_MARKER);
        Self {
            headers,
            found,
            time,
            attachments,
            report,
        }
    }

    /// The columns a device export must have that this header lacks.
    fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.time.is_none() {
            missing.push("timestamp (or date and time)");
        }
        if self.index("body").is_none() {
            missing.push("body");
        }
        if ["from", "to", "participants"]
            .iter()
            .all(|name| self.index(name).is_none())
        {
            missing.push("from, to or participants");
        }
        missing
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.found
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, index)| *index)
    }

    fn get(&self, row: &[String], name: &str) -> Option<String> {
        let value = row.get(self.index(name)?)?;
        non_empty(value)
    }

    /// The row's time as written: one column, or the date and the time of day joined (unless
    /// the time column holds a whole time itself).
    fn time_text(&self, row: &[String]) -> String {
        let cell = |index: usize| row.get(index).map(|v| v.trim()).unwrap_or_default();
        match self.time {
            None => String::new(),
            Some(TimeColumns::Whole(index)) => cell(index).to_owned(),
            Some(TimeColumns::Parts { date, time }) => {
                let (date, time) = (cell(date), cell(time));
                if date.is_empty() || parse_time(time).is_some() || parse_local(time).is_some() {
                    time.to_owned()
                } else {
                    format!("{date} {time}")
                }
            }
        }
    }
}

/// Whether a CSV header line looks like a device message export's even if it cannot be read as
/// one: a body with a sender, recipient or list of parties, or a body in a Cellebrite report of
/// chats. Such a file is read as a device export, and one that lacks a column it needs becomes a
/// dead letter (kept sealed, as undecoded messages are), not generic CSV events in the clear.
pub(crate) fn is_device_header(line: &str) -> bool {
    let columns = Columns::find(header_fields(line));
    let party = ["from", "to", "participants"]
        .iter()
        .any(|name| columns.index(name).is_some());
    columns.index("body").is_some() && (party || columns.report)
}

/// Whether a CSV line is a title above the header rather than a row (a report's `Chats (2)`):
/// one field at most that is not empty.
pub(crate) fn is_title_line(line: &str) -> bool {
    header_fields(line)
        .iter()
        .filter(|field| !field.is_empty())
        .count()
        <= 1
}

fn header_fields(line: &str) -> Vec<String> {
    line.split([',', ';', '\t', '|'])
        .map(|name| name.trim_matches(['"', '\u{feff}', ' ', '\r']).to_owned())
        .collect()
}

/// Lower case, each run of characters other than letters and digits as one `_`, none at the
/// ends: `Timestamp: Date` is `timestamp_date`, `From Name` is `from_name`, `Chat #` is `chat`.
fn normalise(header: &str) -> String {
    let mut name = String::with_capacity(header.len());
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            name.extend(c.to_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    while name.ends_with('_') {
        name.pop();
    }
    name
}

/// Title rows passed over above the header at most.
const MAX_TITLE_ROWS: usize = 2;

/// Decodes a device message export held in memory: one event per row, one dead letter per row
/// that cannot be read, and one for the whole file when its header lacks a column a device
/// export needs.
pub fn decode_sms(bytes: &[u8], ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    decode_sms_from(|| Ok(bytes), ctx, sink)
}

/// The rows of an export from just after its header, with the header and any title rows above.
struct Start<R> {
    rows: RowReader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>,
    skipped: Vec<Row>,
    header: Option<Row>,
}

/// Reads up to the header row, passing over up to [`MAX_TITLE_ROWS`] title rows.
fn start<R: Read>(mut reader: R, ctx: &Context) -> Result<Start<R>> {
    let head = read_head(&mut reader).map_err(|e| Error::io(&ctx.source, e))?;
    let delimiter = sniff_delimiter(&head);
    let limit = ctx.limits.max_event_bytes;
    let mut rows = RowReader::new(std::io::Cursor::new(head).chain(reader), delimiter, limit);
    let mut skipped: Vec<Row> = Vec::new();
    loop {
        let Some(row) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? else {
            return Ok(Start {
                rows,
                skipped,
                header: None,
            });
        };
        let title = !row.too_long
            && (0..row.len())
                .filter(|&i| !row.field(i).trim_ascii().is_empty())
                .count()
                <= 1;
        if title && skipped.len() < MAX_TITLE_ROWS {
            skipped.push(row);
            continue;
        }
        return Ok(Start {
            rows,
            skipped,
            header: Some(row),
        });
    }
}

/// The first pass: adds each conversation's parties in a device message export read from
/// `reader` to `members`, and notes the input (`ctx.source`) as gathered once it has all been
/// read, for [`decode_sms_with`].
pub fn gather_sms<R: Read>(reader: R, ctx: &Context, members: &mut ChatMembers) -> Result<()> {
    gather_members(reader, ctx, members)?;
    members.mark_read(&ctx.source);
    Ok(())
}

/// Each conversation's parties, from every row that can be read.
fn gather_members<R: Read>(reader: R, ctx: &Context, members: &mut ChatMembers) -> Result<()> {
    let Start {
        rows,
        header: Some(header),
        ..
    } = start(reader, ctx)?
    else {
        return Ok(());
    };
    let limit = ctx.limits.max_event_bytes;
    let columns = Columns::find(header_names(&header, limit)?);
    if !columns.missing().is_empty() || columns.index("conversation_id").is_none() {
        return Ok(());
    }
    let none = ChatMembers::default();
    let mut carried = Carried::default();
    let mut rows = QuoteRows::new(rows, columns.headers.len());
    while let Some(QuoteRow { row, .. }) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? {
        let read = row_message(&row, &columns, limit, &mut carried, &none, &ctx.source);
        let Ok((message, _)) = read else {
            continue;
        };
        let Some(conversation) = message.labels.get(CONVERSATION_LABEL) else {
            continue;
        };
        let key = thread_key(&columns, &ctx.source, conversation);
        for person in message.sender.into_iter().chain(message.recipients) {
            members.add(&key, person);
        }
    }
    Ok(())
}

/// The key among chats' members of a device export's thread. A Cellebrite report
/// ([`REPORT_MARKER`]) numbers its chats itself, so its threads are scoped to the report (by its
/// `source`); any other export's thread ids are the device's or the service's, and are joined
/// across the files gathered together.
fn thread_key(columns: &Columns, source: &str, thread: &str) -> String {
    let scope = if columns.report { source } else { "" };
    format!("sms{KEY_SEPARATOR}{scope}{KEY_SEPARATOR}{thread}")
}

/// The label holding a row's conversation.
const CONVERSATION_LABEL: &str = "chat.conversation_id";

/// Decodes a device message export from a stream that `open` opens from its start: twice when
/// its rows name their conversation (once to gather each conversation's parties, once to decode),
/// else once.
pub fn decode_sms_from<R: Read>(
    open: impl FnMut() -> std::io::Result<R>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    decode_sms_with(open, None, ctx, sink)
}

/// [`decode_sms_from`] with each conversation's parties taken from `members` (gathered from this
/// export and others, so that a thread split over several files is joined) where it gathered
/// this export ([`ChatMembers::has_read`] of `ctx.source`): then the export is opened once. Else
/// the parties are gathered from this export alone.
pub fn decode_sms_with<R: Read>(
    mut open: impl FnMut() -> std::io::Result<R>,
    members: Option<&ChatMembers>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let origin = ctx.source.clone();
    let mut own = ChatMembers::default();
    let members = ChatMembers::for_input(members, &origin, &mut own, |own| {
        gather_members(open().map_err(|e| Error::io(&origin, e))?, ctx, own)
    })?;
    let Start {
        rows,
        mut skipped,
        header,
    } = start(open().map_err(|e| Error::io(&origin, e))?, ctx)?;
    let Some(header) = header else {
        // Nothing but titles: no messages, but the input is kept.
        if let Some(first) = skipped.first() {
            let reason = "a device message export with no header row and no messages";
            let location = Some(format!("line {}", first.line));
            let raw = joined(&skipped);
            sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, location, &raw))?;
        }
        return Ok(());
    };
    let limit = ctx.limits.max_event_bytes;
    let columns = Columns::find(header_names(&header, limit)?);
    let missing = columns.missing();
    if !missing.is_empty() {
        let reason = format!(
            "not a device message export that can be read: the header has no {} column (it has: {})",
            missing.join(", "),
            columns.headers.join(", ")
        );
        skipped.push(header);
        return reject_file(rows, skipped, reason, ctx, sink);
    }
    let mut dates = Dates::default();
    let mut carried = Carried::default();
    let mut rows = QuoteRows::new(rows, columns.headers.len());
    while let Some(QuoteRow { row, quote, after }) =
        rows.next_row().map_err(|e| Error::io(&ctx.source, e))?
    {
        let location = format!("line {}", row.line);
        if let Some(quote) = &quote {
            let (reason, location) =
                quote.dead_letter(&row, UNCLOSED_QUOTE_LABEL, AFTER_UNCLOSED_QUOTE_LABEL);
            let mut letter =
                ctx.dead_letter(Some(SHAPE.format), reason, Some(location), quote.raw(&row));
            letter.raw_len = quote.raw_len(&row);
            sink.reject(letter)?;
        }
        let read = row_message(&row, &columns, limit, &mut carried, members, &origin).map(
            |(mut message, when)| {
                if let Some(quote) = &quote {
                    message.label(UNCLOSED_QUOTE_LABEL, quote.label());
                }
                if let Some(line) = after {
                    message.label(AFTER_UNCLOSED_QUOTE_LABEL, format!("line {line}"));
                }
                (message, when)
            },
        );
        match read {
            Ok((message, When::Instant(timestamp))) => {
                let mut message = message;
                message.timestamp = Some(timestamp);
                let event = message.into_event(SHAPE, &row.raw, ctx, Some(location));
                sink.event(event)?;
            }
            Ok((message, When::Local(local, written))) => {
                dates.add(
                    Waiting {
                        message,
                        local,
                        written,
                        raw: row.raw,
                        location,
                    },
                    ctx,
                    sink,
                )?;
            }
            Err(reason) => {
                let mut letter =
                    ctx.dead_letter(Some(SHAPE.format), reason, Some(location), &row.raw);
                letter.raw_len = row.raw_len;
                sink.reject(letter)?;
            }
        }
    }
    dates.finish(ctx, sink)
}

/// The label on a message whose row left a quote open to the end of the file: `to the end of
/// its line` where the row was read with the quote closed at the end of the line it opened on and
/// the lines after it read as rows, `to the end of the file` where they were left in its field
/// (none of them reads as a row); `to the end of its line, a later quote closing it` where a
/// later row's quote closed it, making a row of other than the header's fields, and the lines
/// between were read as rows. The row as RFC 4180 reads it is a dead letter too.
pub const UNCLOSED_QUOTE_LABEL: &str = "chat.unclosed_quote";

/// The label on a message read from the lines after a row's unclosed quote (which RFC 4180
/// reads into that row's field): the line the quote opened on.
pub const AFTER_UNCLOSED_QUOTE_LABEL: &str = "chat.after_unclosed_quote";

/// The rows as read, one per line.
fn joined(rows: &[Row]) -> Vec<u8> {
    let mut raw = Vec::new();
    for row in rows {
        raw.extend_from_slice(&row.raw);
        raw.push(b'\n');
    }
    raw
}

/// A file that cannot be read as a device export is one dead letter holding its rows (as far as
/// a dead letter keeps), so that it is sealed as undecoded messages are, not lost or stored as
/// generic CSV in the clear.
fn reject_file<R: Read>(
    mut rows: RowReader<R>,
    read: Vec<Row>,
    reason: String,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let first_line = read.first().map_or(1, |row| row.line);
    let mut raw = joined(&read);
    let mut raw_len: u64 = read.iter().map(|row| row.raw_len + 1).sum();
    while let Some(row) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? {
        raw_len += row.raw_len + 1;
        if raw.len() < probity_model::RAW_KEEP_LIMIT {
            raw.extend_from_slice(&row.raw);
            raw.push(b'\n');
        }
    }
    let location = Some(format!("line {first_line} to the end"));
    let mut letter = ctx.dead_letter(Some(SHAPE.format), reason, location, &raw);
    letter.raw_len = raw_len;
    sink.reject(letter)
}

/// When a row was sent: an instant, or a date and time whose order of day and month the file
/// must settle.
enum When {
    Instant(Timestamp),
    /// The date and time, and the text they were read from.
    Local(LocalTime, String),
}

/// A row read but for its time.
struct Waiting {
    message: ChatMessage,
    local: LocalTime,
    written: String,
    raw: Vec<u8>,
    location: String,
}

/// The file's dates: what they say of their order, and the rows waiting for it.
#[derive(Default)]
struct Dates {
    votes: OrderVotes,
    /// The order taken, and why it was assumed where the dates did not settle it.
    decided: Option<(Order, Option<&'static str>)>,
    waiting: Vec<Waiting>,
    waiting_bytes: usize,
}

impl Dates {
    fn add(&mut self, row: Waiting, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
        if let Some(decided) = self.decided {
            return emit(row, decided, ctx, sink);
        }
        self.votes.add(&row.local.date);
        self.waiting_bytes += row.raw.len();
        self.waiting.push(row);
        if self.votes.settled().is_some() || self.waiting_bytes > MAX_PENDING_BYTES {
            self.release(ctx, sink)?;
        }
        Ok(())
    }

    /// Takes the order as the dates seen so far give it, and sends the rows waiting.
    fn release(&mut self, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
        let decided = *self.decided.get_or_insert_with(|| self.votes.decide());
        self.waiting_bytes = 0;
        for row in std::mem::take(&mut self.waiting) {
            emit(row, decided, ctx, sink)?;
        }
        Ok(())
    }

    fn finish(mut self, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        self.release(ctx, sink)
    }
}

/// A waiting row as an event, its date read in the order decided; a dead letter if it is no
/// date so.
fn emit(
    row: Waiting,
    (order, assumed): (Order, Option<&'static str>),
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let Waiting {
        mut message,
        local,
        written,
        raw,
        location,
    } = row;
    let resolved = match local.resolve(order) {
        Ok(resolved) => resolved,
        Err(why) => {
            let reason = format!("timestamp {written:?} {why}");
            return sink.reject(ctx.dead_letter(Some(SHAPE.format), reason, Some(location), &raw));
        }
    };
    message.timestamp = Some(resolved.instant);
    if local.date.is_ambiguous_form() {
        message.label(DATE_ORDER_LABEL, order.name());
        if let Some(why) = assumed {
            message.label(DATE_ORDER_ASSUMED_LABEL, why);
        }
    }
    if resolved.in_force_zone {
        message.label(TIME_ZONE_LABEL, FORCE_ZONE_NAME);
    }
    sink.event(message.into_event(SHAPE, &raw, ctx, Some(location)))
}

/// A Cellebrite report's chat-level columns, filled on a chat's first row only (merged cells in
/// the spreadsheet it was saved from): carried down to the chat's later rows.
#[derive(Default)]
struct Carried {
    conversation: Option<String>,
    participants: Option<String>,
    application: Option<String>,
}

/// One row as a message, the other parties of its conversation in `members` among its
/// recipients; `source` is the export's, for a thread of a Cellebrite report ([`thread_key`]).
fn row_message(
    row: &Row,
    columns: &Columns,
    limit: usize,
    carried: &mut Carried,
    members: &ChatMembers,
    source: &str,
) -> Result<(ChatMessage, When), String> {
    if row.too_long {
        let quote = row.unclosed.as_ref().map_or_else(String::new, |unclosed| {
            format!(
                " (a quote opened on line {} is never closed, so the row runs to the end of the file; the lines after it are not read as rows)",
                unclosed.line
            )
        });
        return Err(format!(
            "row of {} bytes is longer than the {limit} byte event limit{quote}",
            row.raw_len
        ));
    }
    if row.len() != columns.headers.len() {
        return Err(format!(
            "row has {} fields; the header has {}",
            row.len(),
            columns.headers.len()
        ));
    }
    let mut bad_utf8 = false;
    let values: Vec<String> = (0..row.len())
        .map(|index| {
            let bytes = row.field(index);
            bad_utf8 |= std::str::from_utf8(bytes).is_err();
            String::from_utf8_lossy(bytes).into_owned()
        })
        .collect();
    let time_text = columns.time_text(&values);
    let when = match parse_time(&time_text) {
        Some(instant) => When::Instant(instant),
        None => match parse_local(&time_text) {
            Some(local) => When::Local(local, time_text),
            None => {
                return Err(format!(
                    "timestamp {time_text:?} is not a time (ISO 8601, epoch seconds, or a date and time as a device shows them, such as 06/05/2024 10:00:00(UTC+1), expected)"
                ));
            }
        },
    };
    let mut conversation = columns.get(&values, "conversation_id");
    let mut participants = columns.get(&values, "participants");
    let mut application = columns.get(&values, "application");
    if columns.report {
        if conversation.is_some() {
            *carried = Carried {
                conversation: conversation.clone(),
                participants: participants.clone(),
                application: application.clone(),
            };
        } else {
            conversation = carried.conversation.clone();
            participants = participants.or_else(|| carried.participants.clone());
            application = application.or_else(|| carried.application.clone());
        }
    }
    let mut message = ChatMessage {
        message_id: columns.get(&values, "message_id"),
        text: columns.get(&values, "body"),
        attachments: attachments(columns, &values),
        ..ChatMessage::default()
    };
    parties(columns, &values, participants.as_deref(), &mut message);
    message.label(
        "chat.application",
        application.unwrap_or_else(|| "SMS".into()),
    );
    let status = columns.get(&values, "status");
    let direction = columns
        .get(&values, "direction")
        .map(|direction| direction_name(&direction))
        .or_else(|| status.as_deref().and_then(direction_of_status));
    if let Some(direction) = direction {
        message.label("chat.direction", direction);
    }
    if let Some(status) = status {
        message.label("chat.status", status.to_lowercase());
    }
    let key = conversation
        .as_deref()
        .map(|thread| thread_key(columns, source, thread));
    members.add_to(key.as_deref(), &mut message);
    if let Some(conversation) = conversation {
        message.label(CONVERSATION_LABEL, conversation);
    }
    if let Some(deleted) = columns.get(&values, "deleted")
        && ["yes", "true", "1", "deleted", "trash"].contains(&deleted.to_ascii_lowercase().as_str())
    {
        message.label("chat.deleted", "true");
    }
    if bad_utf8 {
        message.label("chat.encoding_problem", "true");
    }
    message.original = original(&columns.headers, values);
    Ok((message, when))
}

/// The sender, recipients and recipients' names: the `from` and `to` columns (each a number or
/// address, maybe followed by a name, as Cellebrite writes `447700900001 Alan`), the `from_name`
/// and `to_name` columns, and the parties of a `participants` list (one per line, or separated
/// by `;` or `,`; one written `From: …` is the sender, `To: …` a recipient), every party but the
/// sender a recipient.
fn parties(
    columns: &Columns,
    values: &[String],
    participants: Option<&str>,
    message: &mut ChatMessage,
) {
    let mut listed: Vec<(Option<&str>, &str)> = Vec::new();
    for entry in participants.into_iter().flat_map(split_parties) {
        let (role, who) = match entry.split_once(':') {
            Some((role, who))
                if ["from", "to", "cc", "bcc"]
                    .contains(&role.trim().to_ascii_lowercase().as_str()) =>
            {
                (Some(role.trim()), who.trim())
            }
            _ => (None, entry),
        };
        if !who.is_empty() {
            listed.push((role, who));
        }
    }
    let listed_sender = listed
        .iter()
        .find(|(role, _)| role.is_some_and(|r| r.eq_ignore_ascii_case("from")))
        .map(|(_, who)| *who);
    let from = columns.get(values, "from");
    let mut sender = from.as_deref().or(listed_sender).and_then(party);
    if let Some(name) = columns.get(values, "from_name") {
        let person = sender.get_or_insert_with(Person::default);
        person.name = Some(name);
    }
    message.sender = sender.filter(|person| person.identity().is_some());
    let sender_identity = message.sender.as_ref().and_then(Person::identity);
    let to = columns.get(values, "to");
    let recipients = to.as_deref().into_iter().flat_map(split_parties).chain(
        listed
            .iter()
            .filter(|(role, _)| !role.is_some_and(|r| r.eq_ignore_ascii_case("from")))
            .map(|(_, who)| *who),
    );
    for recipient in recipients {
        let Some(person) = party(recipient) else {
            continue;
        };
        let Some(identity) = person.identity() else {
            continue;
        };
        if Some(&identity) == sender_identity.as_ref() || message.to.contains(&identity) {
            continue;
        }
        message.to.push(identity);
        message.add_display_name(person.name.clone());
        message.recipients.push(person);
    }
    let to_name = columns.get(values, "to_name");
    message.add_display_name(to_name.clone());
    // A recipient's name in its own column belongs to the one recipient of the `to` column.
    if let (Some(name), [only]) = (to_name, message.recipients.as_mut_slice())
        && only.name.is_none()
    {
        only.name = Some(name);
    }
}

/// The entries of a list of parties: one per line, or separated by `;` or `,`.
fn split_parties(list: &str) -> impl Iterator<Item = &str> {
    list.split(['\n', '\r', ';', ','])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

/// One party as written: an address (an email address, a phone number, which may have spaces in
/// it) and the name after it, if any (`447700900001 Alan`, `+44 7700 900001 Alan Smith`,
/// `alan@x.uk Alan`); a name alone when there is no address but several words; else the value
/// whole, as an address or handle.
fn party(text: &str) -> Option<Person> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let whole = |text: &str| Person {
        address: Some(text.to_owned()),
        ..Person::default()
    };
    if !text.contains(is_space) || is_phone_like(text) {
        return Some(whole(text));
    }
    let (first, rest) = text.split_once(is_space).unwrap_or((text, ""));
    if first.contains('@') {
        return Some(Person {
            address: Some(first.to_owned()),
            name: non_empty(rest),
            ..Person::default()
        });
    }
    // The longest run of words from the start that reads as a phone number.
    let mut number_end = 0;
    for (at, word) in word_spans(text) {
        let is_number_part = word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')'));
        if !is_number_part {
            break;
        }
        number_end = at + word.len();
    }
    let number = &text[..number_end];
    if number_end > 0 && is_phone_like(number) {
        return Some(Person {
            address: Some(number.to_owned()),
            name: non_empty(&text[number_end..]),
            ..Person::default()
        });
    }
    let has_digits = text.chars().any(|c| c.is_ascii_digit());
    if has_digits {
        return Some(whole(text));
    }
    Some(Person {
        name: Some(text.to_owned()),
        ..Person::default()
    })
}

/// The words of a text with where each starts.
fn word_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(is_space)
        .scan(0usize, |at, word| {
            let start = *at;
            *at += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// The direction a message's status gives, where it gives one: `Sent` is outgoing; `Read`,
/// `Unread` and `Received` incoming.
fn direction_of_status(status: &str) -> Option<String> {
    match status.trim().to_ascii_lowercase().as_str() {
        "sent" => Some("outgoing".into()),
        "read" | "unread" | "received" => Some("incoming".into()),
        _ => None,
    }
}

/// `incoming` or `outgoing` for the usual spellings; anything else as written, in lower case.
fn direction_name(direction: &str) -> String {
    let lower = direction.trim().to_ascii_lowercase();
    match lower.as_str() {
        "in" | "incoming" | "received" | "inbox" | "inbound" => "incoming".into(),
        "out" | "outgoing" | "sent" | "outbox" | "outbound" => "outgoing".into(),
        _ => lower,
    }
}

/// The files a row names: the `attachments` column (names split on `;`) and each `attachment_N`
/// column.
fn attachments(columns: &Columns, values: &[String]) -> Vec<Attachment> {
    columns
        .attachments
        .iter()
        .filter_map(|&index| values.get(index))
        .flat_map(|names| names.split(';'))
        .filter_map(non_empty)
        .map(|name| Attachment {
            file: File {
                extension: name
                    .rsplit_once('.')
                    .map(|(_, ext)| ext.to_ascii_lowercase()),
                name: Some(name),
                ..File::default()
            },
            text: None,
            extraction: Some("the export names the file; its content is not in the export".into()),
        })
        .collect()
}

fn original(headers: &[String], values: Vec<String>) -> Map<String, Value> {
    headers
        .iter()
        .cloned()
        .zip(values.into_iter().map(Value::String))
        .collect()
}

//! Device message exports as CSV: SMS, iMessage, WhatsApp and the like, in the shape forensic
//! tools export (docs/messages.md).
//!
//! The header row names the columns; names are compared without case, with spaces and dashes
//! read as `_`, and each column has a few common aliases ([`SMS_COLUMNS`]). `timestamp` and
//! `body` are required, and `from` or `to`; a header without them is an error for the whole file.
//! A row whose time does not parse, whose field count differs from the header's, or that is over
//! the event size limit is a dead letter with its line number; the rows around it are decoded.

use std::io::Read;

use probity_model::{Attachment, File, Format, Identity};
use serde_json::{Map, Value};

use super::{ChatMessage, Person, Shape, non_empty};
use crate::csv::{Row, RowReader, header_names, read_head, sniff_delimiter};
use crate::timeparse::parse_time;
use crate::{Context, Error, Result, Sink};

const SHAPE: Shape = Shape {
    format: Format::Sms,
    dataset: "sms",
    category: "message",
};

/// The columns read, each with the header names accepted for it (after normalising: lower case,
/// spaces and dashes as `_`).
pub const SMS_COLUMNS: [(&str, &[&str]); 12] = [
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
    ("direction", &["direction", "type", "folder"]),
    ("from", &["from", "sender", "from_number", "from_address"]),
    (
        "to",
        &["to", "recipient", "recipients", "to_number", "to_address"],
    ),
    ("body", &["body", "text", "message", "content"]),
    ("application", &["application", "app", "source", "service"]),
    ("from_name", &["from_name", "sender_name"]),
    ("to_name", &["to_name", "recipient_name"]),
    (
        "conversation_id",
        &["conversation_id", "thread", "thread_id", "chat_id"],
    ),
    ("message_id", &["message_id", "id"]),
    ("attachments", &["attachments", "attachment"]),
    ("deleted", &["deleted"]),
];

/// Where each known column is, by its [`SMS_COLUMNS`] name.
struct Columns {
    headers: Vec<String>,
    found: Vec<(&'static str, usize)>,
}

impl Columns {
    fn new(headers: Vec<String>) -> Result<Self> {
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
        let columns = Self { headers, found };
        let mut missing: Vec<&str> = ["timestamp", "body"]
            .into_iter()
            .filter(|name| columns.index(name).is_none())
            .collect();
        if columns.index("from").is_none() && columns.index("to").is_none() {
            missing.push("from or to");
        }
        if !missing.is_empty() {
            return Err(Error::Invalid(format!(
                "not a device message export: the header has no {} column (it has: {})",
                missing.join(", "),
                columns.headers.join(", ")
            )));
        }
        Ok(columns)
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
}

/// Whether a CSV header line names the required columns of a device message export: a time, a
/// body, and a sender or recipient. The optional columns (direction, application…) are not
/// needed: an export without them is still messages, and must reach the communications stage.
pub(crate) fn is_sms_header(line: &str) -> bool {
    let names: Vec<String> = line
        .split([',', ';', '\t', '|'])
        .map(|name| normalise(name.trim_matches(['"', '\u{feff}', ' ', '\r'])))
        .collect();
    let has = |column: &str| {
        SMS_COLUMNS
            .iter()
            .find(|(name, _)| *name == column)
            .is_some_and(|(_, aliases)| names.iter().any(|n| aliases.contains(&n.as_str())))
    };
    has("timestamp") && has("body") && (has("from") || has("to"))
}

fn normalise(header: &str) -> String {
    header.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// Decodes a device message export: one event per row, one dead letter per row that cannot be
/// read.
pub fn decode_sms(mut reader: impl Read, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let head = read_head(&mut reader).map_err(|e| Error::io(&ctx.source, e))?;
    let delimiter = sniff_delimiter(&head);
    let limit = ctx.limits.max_event_bytes;
    let mut rows = RowReader::new(std::io::Cursor::new(head).chain(reader), delimiter, limit);
    let Some(header) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? else {
        return Ok(());
    };
    let columns = Columns::new(header_names(&header, limit)?)?;
    while let Some(row) = rows.next_row().map_err(|e| Error::io(&ctx.source, e))? {
        let location = format!("line {}", row.line);
        match row_message(&row, &columns, limit) {
            Ok(message) => {
                let event = message.into_event(SHAPE, &row.raw, ctx, Some(location));
                sink.event(event)?;
            }
            Err(reason) => {
                let mut letter =
                    ctx.dead_letter(Some(SHAPE.format), reason, Some(location), &row.raw);
                letter.raw_len = row.raw_len;
                sink.reject(letter)?;
            }
        }
    }
    Ok(())
}

fn row_message(row: &Row, columns: &Columns, limit: usize) -> Result<ChatMessage, String> {
    if row.too_long {
        return Err(format!(
            "row of {} bytes is longer than the {limit} byte event limit",
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
    let time_text = columns.get(&values, "timestamp").unwrap_or_default();
    let timestamp = parse_time(&time_text).ok_or_else(|| {
        format!("timestamp {time_text:?} is not a time (ISO 8601 or epoch seconds expected)")
    })?;
    let mut message = ChatMessage {
        timestamp: Some(timestamp),
        sender: sender(columns, &values),
        to: recipients(columns.get(&values, "to")),
        message_id: columns.get(&values, "message_id"),
        text: columns.get(&values, "body"),
        attachments: attachments(columns.get(&values, "attachments")),
        ..ChatMessage::default()
    };
    let application = columns
        .get(&values, "application")
        .unwrap_or_else(|| "SMS".into());
    message.label("chat.application", application);
    message.add_display_name(columns.get(&values, "to_name"));
    if let Some(direction) = columns.get(&values, "direction") {
        message.label("chat.direction", direction_name(&direction));
    }
    if let Some(conversation) = columns.get(&values, "conversation_id") {
        message.label("chat.conversation_id", conversation);
    }
    if let Some(deleted) = columns.get(&values, "deleted")
        && ["yes", "true", "1", "deleted"].contains(&deleted.to_ascii_lowercase().as_str())
    {
        message.label("chat.deleted", "true");
    }
    if bad_utf8 {
        message.label("chat.encoding_problem", "true");
    }
    message.original = original(&columns.headers, values);
    Ok(message)
}

fn sender(columns: &Columns, values: &[String]) -> Option<Person> {
    let person = Person {
        address: columns.get(values, "from"),
        id: None,
        name: columns.get(values, "from_name"),
    };
    person.identity().map(|_| person)
}

/// `to` may list several addresses, separated by `;` or `,`.
fn recipients(to: Option<String>) -> Vec<Identity> {
    let Some(to) = to else {
        return Vec::new();
    };
    to.split([';', ','])
        .filter_map(non_empty)
        .map(Identity::from)
        .collect()
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

fn attachments(names: Option<String>) -> Vec<Attachment> {
    let Some(names) = names else {
        return Vec::new();
    };
    names
        .split(';')
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

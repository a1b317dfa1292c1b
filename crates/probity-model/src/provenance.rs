use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{EventId, Timestamp};

/// The wire or file format an event was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// One JSON object per line, or a JSON array of objects.
    Ndjson,
    /// CSV rows mapped onto the model by a mapping file.
    Csv,
    /// Syslog (RFC 5424, RFC 3164, or an unparseable line kept as a message).
    Syslog,
    /// A Windows event log file.
    Evtx,
    /// One MIME message.
    Eml,
    /// A Unix mailbox of MIME messages.
    Mbox,
    /// Splunk HTTP Event Collector, `/services/collector/event`.
    HecEvent,
    /// Splunk HTTP Event Collector, `/services/collector/raw`.
    HecRaw,
    /// Elasticsearch `_bulk` API.
    EsBulk,
    /// A Microsoft Teams export: Graph `chatMessage` objects, as a JSON array or `{"value": [...]}`.
    Teams,
    /// Probity's own chat schema: one message per line as JSON (docs/messages.md).
    Chat,
    /// A device message export (SMS, WhatsApp and the like) as CSV (docs/messages.md).
    Sms,
}

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Ndjson,
        Format::Csv,
        Format::Syslog,
        Format::Evtx,
        Format::Eml,
        Format::Mbox,
        Format::HecEvent,
        Format::HecRaw,
        Format::EsBulk,
        Format::Teams,
        Format::Chat,
        Format::Sms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Syslog => "syslog",
            Format::Evtx => "evtx",
            Format::Eml => "eml",
            Format::Mbox => "mbox",
            Format::HecEvent => "hec-event",
            Format::HecRaw => "hec-raw",
            Format::EsBulk => "es-bulk",
            Format::Teams => "teams",
            Format::Chat => "chat",
            Format::Sms => "sms",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}")]
pub struct ParseFormatError(String);

impl FromStr for Format {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ParseFormatError(s.to_owned()))
    }
}

/// Where an event came from. Kept with every event for the chain of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Content-derived id (see [`EventId::derive`]).
    pub id: EventId,
    /// The source: `http:<token name>`, `syslog-tcp:<peer ip>`, `file:<path>`…
    pub source: String,
    pub format: Format,
    /// When Probity received the event.
    pub ingested: Timestamp,
    /// Where inside the source: a file line or record number, an HTTP request line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>().unwrap(), format);
            let json = serde_json::to_string(&format).unwrap();
            assert_eq!(json, format!("\"{}\"", format.as_str()));
        }
        assert!("xml".parse::<Format>().is_err());
    }
}

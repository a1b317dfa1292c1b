//! An event prepared for storage.

use probity_model::{Event, to_micros};

use crate::{Error, Result};

/// An event serialised and keyed for storage. Encoding is CPU work that producers do in parallel
/// (on their own threads) so that the single writer only copies bytes.
#[derive(Debug, Clone)]
pub struct EncodedEvent {
    pub id: [u8; 16],
    /// Event time, microseconds since the epoch.
    pub ts: i64,
    /// Ingest time, microseconds since the epoch.
    pub ingested: i64,
    pub source: String,
    pub format: &'static str,
    /// Lower-cased `user.name`.
    pub user: Option<String>,
    /// Lower-cased `event.action`.
    pub action: Option<String>,
    /// Lower-cased `record.action`, when it differs from `action`.
    pub record_action: Option<String>,
    /// The text the full-text index holds.
    pub text: String,
    /// The event as JSON.
    pub doc: Vec<u8>,
}

impl EncodedEvent {
    pub fn encode(event: &Event) -> Result<Self> {
        let doc = serde_json::to_vec(event).map_err(|e| Error::Encode(e.to_string()))?;
        let action = event.action().map(str::to_lowercase);
        let record_action = event
            .record
            .as_ref()
            .and_then(|r| r.action.as_deref())
            .map(str::to_lowercase)
            .filter(|r| Some(r) != action.as_ref());
        Ok(Self {
            id: *event.provenance.id.as_bytes(),
            ts: to_micros(&event.timestamp),
            ingested: to_micros(&event.provenance.ingested),
            source: event.provenance.source.clone(),
            format: event.provenance.format.as_str(),
            user: event.user_name().map(str::to_lowercase),
            action,
            record_action,
            text: event.search_text(),
            doc,
        })
    }

    /// Decodes a stored document.
    pub fn decode_doc(seq: i64, doc: &[u8]) -> Result<Event> {
        serde_json::from_slice(doc).map_err(|e| Error::Corrupt {
            seq,
            reason: e.to_string(),
        })
    }
}

/// Splits text into lower-cased words the way the full-text index does (letters and digits; every
/// other character separates), so that matching in code agrees with matching in the index.
pub fn tokenize(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

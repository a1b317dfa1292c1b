use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::Format;

/// A stable event id: the first 128 bits of SHA-256 over the event's format and original content.
///
/// The same input always yields the same id, so a log shipper that retries a batch after a timeout
/// does not create duplicates: the store ignores an event whose id it already holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId([u8; 16]);

impl EventId {
    /// The id of the `occurrence`-th (0-based) copy of `content` in `format` within one delivery.
    ///
    /// Identical records inside one batch or file (five identical "failed password" lines in one
    /// second) are distinct events, so each copy after the first gets its ordinal mixed in; a retry of
    /// the same batch reproduces the same ordinals and therefore the same ids.
    pub fn derive(format: Format, content: &[u8], occurrence: u32) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(format.as_str().as_bytes());
        hasher.update([0u8]);
        hasher.update(content);
        if occurrence > 0 {
            hasher.update([0u8]);
            hasher.update(occurrence.to_be_bytes());
        }
        let digest = hasher.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({})", self.to_hex())
    }
}

/// The text is not 32 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event id is 32 hexadecimal digits, got {0:?}")]
pub struct ParseEventIdError(String);

impl FromStr for EventId {
    type Err = ParseEventIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut id = [0u8; 16];
        hex::decode_to_slice(s, &mut id).map_err(|_| ParseEventIdError(s.to_owned()))?;
        Ok(Self(id))
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Hands out [`EventId`]s for one delivery (an HTTP request, a file), numbering identical content.
#[derive(Debug, Default)]
pub struct IdAssigner {
    seen: HashMap<EventId, u32>,
}

impl IdAssigner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn assign(&mut self, format: Format, content: &[u8]) -> EventId {
        let first = EventId::derive(format, content, 0);
        let count = self.seen.entry(first).or_insert(0);
        let occurrence = *count;
        *count = count.saturating_add(1);
        if occurrence == 0 {
            first
        } else {
            EventId::derive(format, content, occurrence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_same_id_and_copies_differ() {
        let a = EventId::derive(Format::Ndjson, b"{\"a\":1}", 0);
        assert_eq!(a, EventId::derive(Format::Ndjson, b"{\"a\":1}", 0));
        assert_ne!(a, EventId::derive(Format::Csv, b"{\"a\":1}", 0));

        let mut batch = IdAssigner::new();
        let first = batch.assign(Format::Ndjson, b"x");
        let second = batch.assign(Format::Ndjson, b"x");
        assert_ne!(first, second);

        let mut retry = IdAssigner::new();
        assert_eq!(retry.assign(Format::Ndjson, b"x"), first);
        assert_eq!(retry.assign(Format::Ndjson, b"x"), second);
    }

    #[test]
    fn hex_round_trip() {
        let id = EventId::derive(Format::Syslog, b"line", 3);
        let parsed: EventId = id.to_hex().parse().unwrap();
        assert_eq!(parsed, id);
        assert!("zz".parse::<EventId>().is_err());
    }
}

use serde::{Deserialize, Serialize};

use crate::{Format, Timestamp};

/// How many bytes of a rejected input are kept. Inputs are already bounded by the ingest limits;
/// this only bounds what a claim larger than the limit can make us keep.
pub const RAW_KEEP_LIMIT: usize = 16 * 1024 * 1024;

/// Input that could not be turned into an event, kept with the reason so nothing is silently lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// When it was received.
    pub received: Timestamp,
    /// Same convention as [`crate::Provenance::source`].
    pub source: String,
    /// The format it was expected to be in, if known.
    pub format: Option<Format>,
    /// Why it was rejected, in words an operator can act on.
    pub reason: String,
    /// Where inside the source (line, record, byte offset), if known.
    pub location: Option<String>,
    /// The raw bytes as received (possibly cut at [`RAW_KEEP_LIMIT`], or shorter where the
    /// decoder keeps less); when [`DeadLetter::raw_kept`] is [`RawKept::Sealed`], the sealed item
    /// (JSON) that holds them encrypted; when [`RawKept::Withheld`], empty.
    #[serde(with = "raw_bytes")]
    pub raw: Vec<u8>,
    /// The size of the input as received or claimed, which may exceed `raw.len()`.
    pub raw_len: u64,
    /// How `raw` is kept: as received, sealed, or not at all.
    #[serde(default, skip_serializing_if = "RawKept::is_clear")]
    pub raw_kept: RawKept,
}

/// How a dead letter's raw input is kept. A message (mail, chat, device message) that cannot be
/// decoded cannot be checked for protected parties or sealed content, so its raw input is never
/// stored in the clear: it is sealed, or withheld when its parties could be read and are
/// protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawKept {
    /// As received.
    #[default]
    Clear,
    /// Encrypted with the data directory's seal key; `raw` holds the sealed item.
    Sealed,
    /// Not kept: the input was with a protected party (metadata and the reason only).
    Withheld,
}

impl RawKept {
    /// The snake_case name (as stored).
    pub fn as_str(self) -> &'static str {
        match self {
            RawKept::Clear => "clear",
            RawKept::Sealed => "sealed",
            RawKept::Withheld => "withheld",
        }
    }

    /// The state a stored name stands for (an unknown name reads as sealed: never shown as text).
    pub fn from_name(name: &str) -> Self {
        match name {
            "clear" => RawKept::Clear,
            "withheld" => RawKept::Withheld,
            _ => RawKept::Sealed,
        }
    }

    /// Whether the raw input is kept as received.
    pub fn is_clear(&self) -> bool {
        *self == RawKept::Clear
    }
}

impl DeadLetter {
    /// A dead letter keeping at most [`RAW_KEEP_LIMIT`] bytes of `raw`.
    pub fn new(
        received: Timestamp,
        source: impl Into<String>,
        format: Option<Format>,
        reason: impl Into<String>,
        location: Option<String>,
        raw: &[u8],
    ) -> Self {
        let kept = &raw[..raw.len().min(RAW_KEEP_LIMIT)];
        Self {
            received,
            source: source.into(),
            format,
            reason: reason.into(),
            location,
            raw: kept.to_vec(),
            raw_len: raw.len() as u64,
            raw_kept: RawKept::Clear,
        }
    }

    /// The raw bytes as text if they are kept in the clear and are UTF-8, else `None`.
    pub fn raw_text(&self) -> Option<&str> {
        if !self.raw_kept.is_clear() {
            return None;
        }
        std::str::from_utf8(&self.raw).ok()
    }
}

/// Raw bytes serialise as a UTF-8 string when they are valid UTF-8, else as `{"base64": "..."}`,
/// so that a dead letter can be read by a person and still round-trips exactly.
mod raw_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Binary { base64: String },
    }

    pub fn serialize<S: Serializer>(raw: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(raw) {
            Ok(text) => Raw::Text(text.to_owned()).serialize(serializer),
            Err(_) => Raw::Binary {
                base64: encode(raw),
            }
            .serialize(serializer),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Ok(text.into_bytes()),
            Raw::Binary { base64 } => decode(&base64).map_err(serde::de::Error::custom),
        }
    }

    fn encode(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    fn decode(text: &str) -> Result<Vec<u8>, String> {
        STANDARD.decode(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn raw_round_trips_through_json(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let letter = DeadLetter::new(Utc::now(), "test", None, "why", None, &raw);
            let json = serde_json::to_string(&letter).unwrap();
            let back: DeadLetter = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.raw, raw);
        }
    }

    #[test]
    fn invalid_utf8_is_kept_as_base64() {
        let letter = DeadLetter::new(Utc::now(), "t", None, "bad", None, &[0xff, 0xfe, b'a']);
        let json = serde_json::to_value(&letter).unwrap();
        assert_eq!(json["raw"]["base64"], "//5h");
        assert_eq!(letter.raw_len, 3);
    }
}

//! Alerts: what a detection found, why, and the events that caused it.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{EventId, Identity, Timestamp};

/// How serious an alert is (Sigma's levels), ordered from least to most serious:
/// informational (not a finding by itself), low (worth a look when other things point the same
/// way), medium (worth reviewing), high (likely misuse or compromise; review promptly), critical
/// (act now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    /// Sigma's names, any case; `info` is taken for `informational`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        if name == "info" {
            return Ok(Level::Informational);
        }
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
            .ok_or_else(|| {
                format!("unknown level {s:?} (informational, low, medium, high or critical)")
            })
    }
}

/// An event an alert rests on: enough to find it again in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventRef {
    pub id: EventId,
    pub timestamp: Timestamp,
}

/// One field that matched, with the value it had: the evidence an analyst checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedField {
    pub field: String,
    pub value: String,
}

/// What raised an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    /// Which kind of detection: `sigma`, `sigma-correlation`…
    pub kind: String,
    /// The rule's own id (a Sigma rule's UUID).
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A finding for an analyst to look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Derived from the rule and the events, so that the same finding is not raised twice.
    pub id: AlertId,
    /// When Probity raised it.
    pub created: Timestamp,
    pub rule: AlertRule,
    pub level: Level,
    /// Why, in words an analyst can check.
    pub explanation: String,
    /// The fields that matched and their values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<MatchedField>,
    /// The events it rests on, oldest first.
    pub events: Vec<EventRef>,
    /// The person it concerns, where one stands out (the acting user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Identity>,
    /// The host it concerns, where one stands out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Alert {
    /// The time of the latest event the alert rests on (or its creation time if it rests on none).
    pub fn timestamp(&self) -> Timestamp {
        self.events
            .iter()
            .map(|e| e.timestamp)
            .max()
            .unwrap_or(self.created)
    }
}

/// An alert id: SHA-256 (first 128 bits) over the rule kind and id and the events' ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(EventId);

impl AlertId {
    pub fn derive(rule: &AlertRule, events: &[EventRef]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(rule.kind.as_bytes());
        hasher.update([0u8]);
        hasher.update(rule.id.as_bytes());
        for event in events {
            hasher.update([0u8]);
            hasher.update(event.id.as_bytes());
        }
        let digest = hasher.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(EventId::from_bytes(id))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(EventId::from_bytes(bytes))
    }

    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }
}

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlertId({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;
    use chrono::{TimeZone, Utc};

    #[test]
    fn ids_depend_on_rule_and_events_and_levels_parse() {
        let rule = AlertRule {
            kind: "sigma".into(),
            id: "r1".into(),
            title: "t".into(),
            tags: vec![],
        };
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let a = EventRef {
            id: EventId::derive(Format::Evtx, b"a", 0),
            timestamp: at,
        };
        let b = EventRef {
            id: EventId::derive(Format::Evtx, b"b", 0),
            timestamp: at,
        };
        assert_eq!(AlertId::derive(&rule, &[a]), AlertId::derive(&rule, &[a]));
        assert_ne!(AlertId::derive(&rule, &[a]), AlertId::derive(&rule, &[b]));
        let other = AlertRule {
            id: "r2".into(),
            ..rule.clone()
        };
        assert_ne!(AlertId::derive(&rule, &[a]), AlertId::derive(&other, &[a]));
        assert_eq!("HIGH".parse::<Level>().unwrap(), Level::High);
        assert!(Level::Critical > Level::Medium);
        assert!("severe".parse::<Level>().is_err());
    }
}

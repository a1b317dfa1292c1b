//! Retention: the classes of stored data that are purged after their retention period.

use std::fmt;
use std::str::FromStr;

/// A class of stored data with its own retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurgeClass {
    /// Events that carry no email or chat message.
    Events,
    /// Events that carry an email or chat message (`email.*` set).
    Messages,
    /// Alerts, by the time of the latest event they rest on.
    Alerts,
    /// Input that could not be decoded, by the time it was received.
    DeadLetters,
}

impl PurgeClass {
    /// Every class, in a fixed order.
    pub const ALL: [PurgeClass; 4] = [
        PurgeClass::Events,
        PurgeClass::Messages,
        PurgeClass::Alerts,
        PurgeClass::DeadLetters,
    ];

    /// The class's name in retention settings (`dead-letters`).
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeClass::Events => "events",
            PurgeClass::Messages => "messages",
            PurgeClass::Alerts => "alerts",
            PurgeClass::DeadLetters => "dead-letters",
        }
    }
}

impl fmt::Display for PurgeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`PurgeClass::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown retention class {0:?} (events, messages, alerts or dead-letters)")]
pub struct UnknownPurgeClass(pub String);

impl FromStr for PurgeClass {
    type Err = UnknownPurgeClass;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        PurgeClass::ALL
            .into_iter()
            .find(|class| class.as_str() == wanted)
            .ok_or_else(|| UnknownPurgeClass(s.to_owned()))
    }
}

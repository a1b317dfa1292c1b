//! What a decoder knows about the delivery it is decoding.

use chrono::Utc;
use probity_model::{DeadLetter, EventId, Format, IdAssigner, Provenance, Timestamp};

use crate::Limits;

/// One delivery: an HTTP request, a syslog connection's batch, one file.
#[derive(Debug)]
pub struct Context {
    /// Provenance source (`http:winlogbeat`, `file:/evidence/Security.evtx`).
    pub source: String,
    /// When the delivery was received; the event time where the input gives none.
    pub received: Timestamp,
    pub limits: Limits,
    ids: IdAssigner,
}

impl Context {
    pub fn new(source: impl Into<String>, limits: Limits) -> Self {
        Self {
            source: source.into(),
            received: Utc::now(),
            limits,
            ids: IdAssigner::new(),
        }
    }

    /// Provenance for a record of `format` whose original content is `content`.
    pub fn provenance(
        &mut self,
        format: Format,
        content: &[u8],
        location: Option<String>,
    ) -> Provenance {
        Provenance {
            id: self.ids.assign(format, content),
            source: self.source.clone(),
            format,
            ingested: self.received,
            location,
        }
    }

    /// A dead letter from this delivery.
    pub fn dead_letter(
        &self,
        format: Option<Format>,
        reason: impl Into<String>,
        location: Option<String>,
        raw: &[u8],
    ) -> DeadLetter {
        DeadLetter::new(
            self.received,
            self.source.clone(),
            format,
            reason,
            location,
            raw,
        )
    }

    /// The id an event of this content would get, without consuming an ordinal.
    pub fn peek_id(format: Format, content: &[u8]) -> EventId {
        EventId::derive(format, content, 0)
    }
}

//! Correlation rules evaluated incrementally on a stream: a [`Correlator`] is fed each event
//! with the detections the engine found in it, keeps per-group windows by event time, and
//! reports a [`CorrelationAlert`] when a correlation's condition is met.
//!
//! Windows slide by event time. A condition with only lower bounds (`gte`, `gt`) is reported
//! as soon as it holds, and the group then starts afresh. A condition with an upper bound or
//! `eq` can only be decided when the window closes: the window opens at a group's first match
//! and is decided once an event later than its end is seen, or at [`Correlator::finish`].
//! Memory is bounded: old matches expire with the window, and each correlation keeps at most
//! [`CorrelatorLimits::max_groups`] groups (the least recently seen are dropped first) with at
//! most [`CorrelatorLimits::max_matches_per_group`] matches each.

mod compile;
mod window;

use std::sync::Arc;

use probity_model::{Event, EventRef, Timestamp};
use serde::Serialize;

use crate::detection::Detection;
use crate::engine::Engine;
use crate::rule::{CorrelationKind, RuleInfo};

pub(crate) use compile::CorrelationSet;
use window::Windows;

/// Bounds on a correlator's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelatorLimits {
    /// Groups kept per correlation rule.
    pub max_groups: usize,
    /// Matches kept per group (the oldest are dropped first).
    pub max_matches_per_group: usize,
    /// Event ids quoted in one alert.
    pub max_events_per_alert: usize,
}

impl Default for CorrelatorLimits {
    fn default() -> Self {
        Self {
            max_groups: 10_000,
            max_matches_per_group: 1_000,
            max_events_per_alert: 100,
        }
    }
}

/// A correlation rule whose condition was met.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationAlert {
    /// The correlation rule's metadata.
    pub rule: Arc<RuleInfo>,
    /// What the correlation counted.
    pub kind: CorrelationKind,
    /// The group: each `group-by` field with its value.
    pub group: Vec<(String, String)>,
    /// What was counted: matches, distinct values, or rules seen (in order, for
    /// `temporal_ordered`).
    pub count: u64,
    /// Time of the first and last match counted.
    pub first: Timestamp,
    /// Time of the last match counted.
    pub last: Timestamp,
    /// Ids of the rules whose matches were counted, in first-seen order.
    pub rules: Vec<String>,
    /// The events counted (at most [`CorrelatorLimits::max_events_per_alert`]).
    pub events: Vec<EventRef>,
}

/// Stateful evaluation of an engine's correlation rules over a stream of events.
#[derive(Debug)]
pub struct Correlator {
    set: Arc<CorrelationSet>,
    windows: Vec<Windows>,
    limits: CorrelatorLimits,
    /// The latest event time seen: windows close by it, so late events do not reopen them.
    watermark: Option<Timestamp>,
}

impl Correlator {
    /// A correlator for the engine's correlation rules, with default limits.
    pub fn new(engine: &Engine) -> Self {
        Self::with_limits(engine, CorrelatorLimits::default())
    }

    /// A correlator with the given memory limits.
    pub fn with_limits(engine: &Engine, limits: CorrelatorLimits) -> Self {
        let set = engine.correlation_set().clone();
        let windows = (0..set.len()).map(|_| Windows::default()).collect();
        Correlator {
            set,
            windows,
            limits,
            watermark: None,
        }
    }

    /// Whether the engine has any correlation rule (if not, `observe` never reports).
    pub fn is_empty(&self) -> bool {
        self.set.len() == 0
    }

    /// Feeds one event and the detections the engine found in it; returns the correlations
    /// whose condition became true.
    pub fn observe(&mut self, event: &Event, detections: &[Detection]) -> Vec<CorrelationAlert> {
        let now = event.timestamp;
        let watermark = match self.watermark {
            Some(mark) if mark > now => mark,
            _ => now,
        };
        self.watermark = Some(watermark);
        let mut alerts = Vec::new();
        for (index, windows) in self.windows.iter_mut().enumerate() {
            let Some(correlation) = self.set.get(index) else {
                continue;
            };
            windows.close_expired(correlation, watermark, &self.limits, &mut alerts);
        }
        for detection in detections {
            for &(index, member) in self.set.users_of(detection.rule_index) {
                let (Some(correlation), Some(windows)) =
                    (self.set.get(index), self.windows.get_mut(index))
                else {
                    continue;
                };
                let key = correlation.group_key(event, member);
                let value = correlation.counted_value(event, member);
                let hit = window::Hit {
                    time: now,
                    member,
                    value,
                    event: event.provenance.id,
                };
                windows.add(correlation, key, hit, watermark, &self.limits, &mut alerts);
            }
        }
        alerts
    }

    /// Ends the stream: decides every open window whose condition has an upper bound.
    pub fn finish(&mut self) -> Vec<CorrelationAlert> {
        let mut alerts = Vec::new();
        for (index, windows) in self.windows.iter_mut().enumerate() {
            if let Some(correlation) = self.set.get(index) {
                windows.close_all(correlation, &self.limits, &mut alerts);
            }
        }
        alerts
    }

    /// Groups held now, over all correlation rules.
    pub fn open_groups(&self) -> usize {
        self.windows.iter().map(Windows::len).sum()
    }
}

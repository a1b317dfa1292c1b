//! Per-group windows of one correlation rule.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::Duration;
use probity_model::{EventId, EventRef, Timestamp};

use super::compile::BoundCorrelation;
use super::{CorrelationAlert, CorrelatorLimits};
use crate::rule::CorrelationKind;

/// One match of a referenced rule.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub time: Timestamp,
    /// Which referenced rule (position in the correlation's list).
    pub member: usize,
    /// The value `value_count` counts.
    pub value: Option<String>,
    pub event: EventId,
}

type GroupKey = Vec<(String, String)>;

#[derive(Debug)]
struct Group {
    hits: VecDeque<Hit>,
    /// When the window opened (the group's first match; windows with an upper bound).
    opened: Timestamp,
    last_seen: Timestamp,
}

/// The open groups of one correlation rule.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    groups: HashMap<GroupKey, Group>,
    /// No group needs closing before this time.
    next_check: Option<Timestamp>,
}

fn span(correlation: &BoundCorrelation) -> Duration {
    Duration::from_std(correlation.rule.timespan).unwrap_or(Duration::MAX)
}

fn deadline(time: Timestamp, span: Duration) -> Timestamp {
    time.checked_add_signed(span).unwrap_or(Timestamp::MAX_UTC)
}

impl Windows {
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Adds a match to its group and reports the correlation if its condition now holds.
    pub fn add(
        &mut self,
        correlation: &BoundCorrelation,
        key: GroupKey,
        hit: Hit,
        watermark: Timestamp,
        limits: &CorrelatorLimits,
        alerts: &mut Vec<CorrelationAlert>,
    ) {
        let span = span(correlation);
        let lower_only = correlation.rule.condition.only_lower_bounds();
        if !lower_only
            && let Some(group) = self.groups.get(&key)
            && hit.time > deadline(group.opened, span)
            && let Some(group) = self.groups.remove(&key)
        {
            decide(correlation, &key, &group, limits, alerts);
        }
        let time = hit.time;
        let group = self.groups.entry(key.clone()).or_insert_with(|| Group {
            hits: VecDeque::new(),
            opened: time,
            last_seen: time,
        });
        group.hits.push_back(hit);
        if group.hits.len() > limits.max_matches_per_group {
            group.hits.pop_front();
        }
        if time > group.last_seen {
            group.last_seen = time;
        }
        let close_at = deadline(
            if lower_only {
                group.last_seen
            } else {
                group.opened
            },
            span,
        );
        self.next_check = Some(match self.next_check {
            Some(next) if next < close_at => next,
            _ => close_at,
        });
        if lower_only {
            let newest = group.last_seen;
            let oldest_kept = newest
                .checked_sub_signed(span)
                .unwrap_or(Timestamp::MIN_UTC);
            group.hits.retain(|h| h.time >= oldest_kept);
            let count = measure(correlation, group);
            if correlation.rule.condition.holds(count)
                && let Some(group) = self.groups.remove(&key)
            {
                alerts.push(alert(correlation, &key, &group, count, limits));
            }
        }
        if self.groups.len() > limits.max_groups {
            self.evict(limits.max_groups, watermark);
        }
    }

    /// Closes the windows that ended before `watermark`.
    pub fn close_expired(
        &mut self,
        correlation: &BoundCorrelation,
        watermark: Timestamp,
        limits: &CorrelatorLimits,
        alerts: &mut Vec<CorrelationAlert>,
    ) {
        match self.next_check {
            Some(next) if next < watermark => {}
            _ => return,
        }
        let span = span(correlation);
        let lower_only = correlation.rule.condition.only_lower_bounds();
        let mut next: Option<Timestamp> = None;
        let mut closed = Vec::new();
        for (key, group) in &self.groups {
            let start = if lower_only {
                group.last_seen
            } else {
                group.opened
            };
            let end = deadline(start, span);
            if end < watermark {
                closed.push(key.clone());
            } else if next.is_none_or(|n| end < n) {
                next = Some(end);
            }
        }
        for key in closed {
            if let Some(group) = self.groups.remove(&key)
                && !lower_only
            {
                decide(correlation, &key, &group, limits, alerts);
            }
        }
        self.next_check = next;
    }

    /// Decides every open window (end of stream).
    pub fn close_all(
        &mut self,
        correlation: &BoundCorrelation,
        limits: &CorrelatorLimits,
        alerts: &mut Vec<CorrelationAlert>,
    ) {
        let lower_only = correlation.rule.condition.only_lower_bounds();
        let mut groups: Vec<(GroupKey, Group)> = self.groups.drain().collect();
        groups.sort_by_key(|(_, g)| g.opened);
        for (key, group) in groups {
            if !lower_only {
                decide(correlation, &key, &group, limits, alerts);
            }
        }
        self.next_check = None;
    }

    /// Drops the least recently seen groups until `max` remain (a tenth more, so that this
    /// does not run on every match).
    fn evict(&mut self, max: usize, _watermark: Timestamp) {
        let keep = max - max / 10;
        let mut by_age: Vec<(Timestamp, GroupKey)> = self
            .groups
            .iter()
            .map(|(k, g)| (g.last_seen, k.clone()))
            .collect();
        by_age.sort();
        let drop = by_age.len().saturating_sub(keep);
        for (_, key) in by_age.into_iter().take(drop) {
            self.groups.remove(&key);
        }
    }
}

/// Reports a closed window if its count meets the condition.
fn decide(
    correlation: &BoundCorrelation,
    key: &GroupKey,
    group: &Group,
    limits: &CorrelatorLimits,
    alerts: &mut Vec<CorrelationAlert>,
) {
    let span = span(correlation);
    let end = deadline(group.opened, span);
    let in_window = Group {
        hits: group
            .hits
            .iter()
            .filter(|h| h.time <= end)
            .cloned()
            .collect(),
        opened: group.opened,
        last_seen: group.last_seen,
    };
    let count = measure(correlation, &in_window);
    if correlation.rule.condition.holds(count) {
        alerts.push(alert(correlation, key, &in_window, count, limits));
    }
}

/// What the correlation counts in a group.
fn measure(correlation: &BoundCorrelation, group: &Group) -> u64 {
    match correlation.rule.kind {
        CorrelationKind::EventCount => group.hits.len() as u64,
        CorrelationKind::ValueCount => {
            let values: HashSet<&str> = group
                .hits
                .iter()
                .filter_map(|h| h.value.as_deref())
                .collect();
            values.len() as u64
        }
        CorrelationKind::Temporal => {
            let members: HashSet<usize> = group.hits.iter().map(|h| h.member).collect();
            members.len() as u64
        }
        CorrelationKind::TemporalOrdered => {
            let mut hits: Vec<&Hit> = group.hits.iter().collect();
            hits.sort_by_key(|h| h.time);
            let mut next = 0usize;
            for hit in hits {
                if hit.member == next {
                    next += 1;
                }
            }
            next as u64
        }
    }
}

fn alert(
    correlation: &BoundCorrelation,
    key: &GroupKey,
    group: &Group,
    count: u64,
    limits: &CorrelatorLimits,
) -> CorrelationAlert {
    let first = group
        .hits
        .iter()
        .map(|h| h.time)
        .min()
        .unwrap_or(group.opened);
    let last = group
        .hits
        .iter()
        .map(|h| h.time)
        .max()
        .unwrap_or(group.last_seen);
    let mut rules = Vec::new();
    for hit in &group.hits {
        if let Some(id) = correlation.member_ids.get(hit.member)
            && !rules.contains(id)
        {
            rules.push(id.clone());
        }
    }
    CorrelationAlert {
        rule: correlation.rule.info.clone(),
        kind: correlation.rule.kind,
        group: key.clone(),
        count,
        first,
        last,
        rules,
        events: group
            .hits
            .iter()
            .take(limits.max_events_per_alert)
            .map(|h| EventRef {
                id: h.event,
                timestamp: h.time,
            })
            .collect(),
    }
}

//! Retention periods per class of data, kept in `workbench.db`.

use std::collections::{BTreeMap, HashSet};

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use probity_access::{Permission, Principal};
use probity_audit::Action;
use probity_model::{Timestamp, to_micros};
use probity_store::{AlertQuery, AlertStore, EventStore, PurgeClass};

use crate::error::invalid;
use crate::{Result, Workbench, action};

/// The classes a retention period can be set for: `events` (activity other than messages),
/// `messages` (events carrying an email or chat message), `alerts`, `dead-letters`.
pub const RETENTION_CLASSES: [&str; 4] = ["events", "messages", "alerts", "dead-letters"];

/// The most alerts read to find the events that held alerts rest on.
const MAX_HELD_ALERT_SCAN: usize = 1_000_000;

/// The longest retention period accepted: 100 years.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// How long each class of data is kept, in days. A class not named is kept for ever.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    pub classes: BTreeMap<String, u32>,
}

impl RetentionPolicy {
    /// Checks every class name and period.
    pub fn validate(&self) -> Result<()> {
        for (class, days) in &self.classes {
            if !RETENTION_CLASSES.contains(&class.as_str()) {
                return invalid(format!(
                    "unknown retention class {class:?} (events, messages, alerts or dead-letters)"
                ));
            }
            if *days == 0 || *days > MAX_RETENTION_DAYS {
                return invalid(format!(
                    "the retention period of {class} must be 1-{MAX_RETENTION_DAYS} days"
                ));
            }
        }
        Ok(())
    }

    /// The time before which data of `class` is due for purging at `now`, if a period is set.
    pub fn cutoff(&self, class: &str, now: Timestamp) -> Option<Timestamp> {
        let days = *self.classes.get(class)?;
        Some(now - chrono::Duration::days(i64::from(days)))
    }
}

impl Workbench {
    /// The retention policy (empty if none was set).
    pub fn retention(&self) -> Result<RetentionPolicy> {
        let conn = self.conn();
        let mut statement =
            conn.prepare_cached("SELECT class, days FROM retention ORDER BY class")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut policy = RetentionPolicy::default();
        for row in rows {
            let (class, days) = row?;
            policy
                .classes
                .insert(class, u32::try_from(days).unwrap_or(MAX_RETENTION_DAYS));
        }
        Ok(policy)
    }

    /// Replaces the retention policy. Needs `ManageRetention`.
    pub fn set_retention(
        &self,
        by: &Principal,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Action> {
        by.require(Permission::ManageRetention)?;
        policy.validate()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM retention", [])?;
        for (class, days) in &policy.classes {
            tx.execute(
                "INSERT INTO retention (class, days, set_by, set_at) VALUES (?1, ?2, ?3, ?4)",
                params![class, i64::from(*days), by.actor(), to_micros(&now)],
            )?;
        }
        tx.commit()?;
        Ok(action(
            by,
            now,
            "retention.set",
            "retention",
            json!({"days": policy.classes}),
        ))
    }
}

impl Workbench {
    /// Purges everything past its retention period from `store`, sparing whatever is linked to a
    /// case on legal hold (linked events, linked alerts, and the events those alerts rest on).
    /// Needs `ManageRetention`. Returns the count deleted per class (classes with no period are
    /// left alone and not listed) and the audit action.
    pub fn purge<S: EventStore + AlertStore + ?Sized>(
        &self,
        by: &Principal,
        store: &S,
        now: Timestamp,
    ) -> Result<(BTreeMap<String, u64>, Action)> {
        by.require(Permission::ManageRetention)?;
        let policy = self.retention()?;
        let held_alerts = self.held_alert_ids()?;
        let mut held_events = self.held_event_ids()?;
        if !held_alerts.is_empty() {
            let all = store.alerts(&AlertQuery {
                limit: MAX_HELD_ALERT_SCAN,
                ..AlertQuery::default()
            })?;
            for alert in all.iter().filter(|a| held_alerts.contains(&a.id.to_hex())) {
                held_events.extend(alert.events.iter().map(|e| e.id.to_hex()));
            }
        }
        let mut counts = BTreeMap::new();
        let mut cutoffs = BTreeMap::new();
        for class in PurgeClass::ALL {
            let Some(before) = policy.cutoff(class.as_str(), now) else {
                continue;
            };
            let keep: &HashSet<String> = match class {
                PurgeClass::Alerts => &held_alerts,
                _ => &held_events,
            };
            let deleted = store.purge(class, before, keep)?;
            counts.insert(class.as_str().to_owned(), deleted);
            cutoffs.insert(class.as_str().to_owned(), before);
        }
        let audit = action(
            by,
            now,
            "retention.purge",
            "retention",
            json!({"deleted": counts, "before": cutoffs, "held_events": held_events.len(), "held_alerts": held_alerts.len()}),
        );
        Ok((counts, audit))
    }
}

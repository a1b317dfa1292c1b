//! Purging data past its retention period. Deleted rows are overwritten (`secure_delete`), and
//! the search index entries of purged events are removed too.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use probity_model::{Timestamp, to_micros};

use super::{SqliteStore, lock};
use crate::{PurgeClass, Result};

/// Rows examined per transaction, so that ingest is not held up for long.
const PURGE_BATCH: i64 = 5_000;

/// SQL that says whether a stored event document carries a message (`email` at the top level).
const IS_MESSAGE: &str = "CASE WHEN json_valid(CAST(doc AS TEXT))
     THEN json_type(CAST(doc AS TEXT), '$.email') IS NOT NULL ELSE 0 END";

impl SqliteStore {
    /// See [`EventStore::purge`](crate::EventStore::purge).
    pub(super) fn purge_class(
        &self,
        class: PurgeClass,
        before: Timestamp,
        keep: &HashSet<String>,
    ) -> Result<u64> {
        let before = to_micros(&before);
        match class {
            PurgeClass::Events => self.purge_events(before, false, keep),
            PurgeClass::Messages => self.purge_events(before, true, keep),
            PurgeClass::Alerts => self.purge_alerts(before, keep),
            PurgeClass::DeadLetters => {
                let conn = lock(&self.writer);
                let deleted = with_secure_delete(&conn, |conn| {
                    Ok(conn.execute(
                        "DELETE FROM dead_letters WHERE received < ?1",
                        params![before],
                    )?)
                })?;
                Ok(deleted as u64)
            }
        }
    }

    fn purge_events(&self, before: i64, messages: bool, keep: &HashSet<String>) -> Result<u64> {
        let mut after = 0i64;
        let mut total = 0u64;
        loop {
            let (examined, last, deleted) = {
                let mut conn = lock(&self.writer);
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let found = candidates(&tx, before, after)?;
                let mut deleted = Vec::new();
                with_secure_delete(&tx, |tx| {
                    let mut delete = tx.prepare_cached("DELETE FROM events WHERE seq = ?1")?;
                    for (seq, id, _) in found.iter().filter(|(_, _, m)| *m == messages) {
                        if keep.contains(&hex::encode(id)) {
                            continue;
                        }
                        delete.execute(params![seq])?;
                        deleted.push(*seq);
                    }
                    Ok(())
                })?;
                tx.commit()?;
                let last = found.last().map(|(seq, _, _)| *seq);
                (found.len(), last, deleted)
            };
            self.unindex(&deleted)?;
            total += deleted.len() as u64;
            match last {
                Some(last) if i64::try_from(examined).unwrap_or(0) >= PURGE_BATCH => after = last,
                _ => return Ok(total),
            }
        }
    }

    /// Removes purged events from the search index.
    fn unindex(&self, seqs: &[i64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut conn = lock(&self.indexer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        with_secure_delete(&tx, |tx| {
            let mut by_user = tx.prepare_cached("DELETE FROM by_user WHERE seq = ?1")?;
            let mut by_action = tx.prepare_cached("DELETE FROM by_action WHERE seq = ?1")?;
            let mut text = tx.prepare_cached("DELETE FROM fulltext WHERE rowid = ?1")?;
            for seq in seqs {
                by_user.execute(params![seq])?;
                by_action.execute(params![seq])?;
                text.execute(params![seq])?;
            }
            Ok(())
        })?;
        tx.commit()?;
        Ok(())
    }

    fn purge_alerts(&self, before: i64, keep: &HashSet<String>) -> Result<u64> {
        let conn = lock(&self.writer);
        let mut statement = conn.prepare_cached("SELECT seq, id FROM alerts WHERE ts < ?1")?;
        let rows = statement.query_map(params![before], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?;
        let mut doomed = Vec::new();
        for row in rows {
            let (seq, id) = row?;
            if !keep.contains(&hex::encode(id)) {
                doomed.push(seq);
            }
        }
        drop(statement);
        with_secure_delete(&conn, |conn| {
            let mut delete = conn.prepare_cached("DELETE FROM alerts WHERE seq = ?1")?;
            for seq in &doomed {
                delete.execute(params![seq])?;
            }
            Ok(())
        })?;
        Ok(doomed.len() as u64)
    }
}

/// Up to [`PURGE_BATCH`] events before `before` stored after position `after`: position, id, and
/// whether it carries a message.
fn candidates(conn: &Connection, before: i64, after: i64) -> Result<Vec<(i64, Vec<u8>, bool)>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT seq, id, {IS_MESSAGE} FROM events
         WHERE seq > ?1 AND ts < ?2 ORDER BY seq LIMIT ?3"
    ))?;
    let rows = statement.query_map(params![after, before, PURGE_BATCH], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? != 0))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Runs `f` with deleted content overwritten on disk, then restores the default.
fn with_secure_delete<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    let result = f(conn);
    conn.pragma_update(None, "secure_delete", "OFF")?;
    result
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use probity_model::{Alert, AlertId, AlertRule, DeadLetter, Email, EventRef, Level};

    use super::*;
    use crate::testsuite::{base_time, sample_event};
    use crate::{AlertQuery, AlertStore, EncodedEvent, EventQuery, EventStore};

    fn alert_on(event: &probity_model::Event) -> Alert {
        let rule = AlertRule {
            kind: "test".into(),
            id: "rule".into(),
            title: "t".into(),
            tags: vec![],
        };
        let refs = vec![EventRef {
            id: event.provenance.id,
            timestamp: event.timestamp,
        }];
        Alert {
            id: AlertId::derive(&rule, &refs),
            created: event.timestamp,
            rule,
            level: Level::High,
            explanation: "x".into(),
            matched: vec![],
            events: refs,
            user: None,
            host: None,
        }
    }

    #[test]
    fn purge_deletes_old_data_by_class_and_spares_held_items() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        // Events 0-9 a minute apart; 5-9 carry a message.
        let mut events = Vec::new();
        for i in 0..10 {
            let mut event = sample_event(i);
            if i >= 5 {
                event.email = Some(Email {
                    subject: Some(format!("message {i}")),
                    ..Email::default()
                });
            }
            events.push(event);
        }
        let encoded: Vec<EncodedEvent> = events
            .iter()
            .map(|e| EncodedEvent::encode(e).unwrap())
            .collect();
        let letter = DeadLetter::new(base_time(), "test", None, "bad", None, b"raw");
        store.append(&encoded, &[letter]).unwrap();
        let alerts: Vec<Alert> = events.iter().map(alert_on).collect();
        store.append_alerts(&alerts, None).unwrap();
        // Index half, so that purging finds index entries for some and none for others.
        store.maintain(3).unwrap();

        let cutoff = base_time() + Duration::minutes(8);
        let held_event = events[1].provenance.id.to_hex();
        let held_message = events[6].provenance.id.to_hex();
        let keep: HashSet<String> = [held_event.clone(), held_message.clone()].into();

        // Events 0-4 are older than the cut-off; event 1 is held.
        let purged = store.purge(PurgeClass::Events, cutoff, &keep).unwrap();
        assert_eq!(purged, 4);
        assert_eq!(store.counts().unwrap().events, 6);
        // Messages 5-7 are older; message 6 is held.
        let purged = store.purge(PurgeClass::Messages, cutoff, &keep).unwrap();
        assert_eq!(purged, 2);
        assert_eq!(store.counts().unwrap().events, 4);
        let left: Vec<String> = store
            .query(&EventQuery {
                limit: 100,
                ..EventQuery::default()
            })
            .unwrap()
            .iter()
            .map(|e| e.provenance.id.to_hex())
            .collect();
        let expected: Vec<String> = [1, 6, 8, 9]
            .iter()
            .map(|&i| events[i].provenance.id.to_hex())
            .collect();
        assert_eq!(left, expected);

        // Purged events are gone from the index as well as the journal.
        store.maintain(u64::MAX).unwrap();
        let by_user = |name: &str| {
            store
                .query(&EventQuery {
                    user: Some(name.into()),
                    limit: 10,
                    ..EventQuery::default()
                })
                .unwrap()
                .len()
        };
        assert_eq!(by_user("user0"), 0);
        assert_eq!(by_user("user1"), 1);
        let index = Connection::open(dir.path().join("index.db")).unwrap();
        let indexed: i64 = index
            .query_row("SELECT COUNT(*) FROM by_user", [], |row| row.get(0))
            .unwrap();
        assert_eq!(indexed, 4);

        // Alerts: those on events 0-7 are older; the ones on held events were kept by id.
        let keep_alerts: HashSet<String> = [alerts[1].id.to_hex()].into();
        let purged = store
            .purge(PurgeClass::Alerts, cutoff, &keep_alerts)
            .unwrap();
        assert_eq!(purged, 7);
        let remaining = store
            .alerts(&AlertQuery {
                limit: 100,
                ..AlertQuery::default()
            })
            .unwrap();
        assert_eq!(remaining.len(), 3);

        let purged = store
            .purge(
                PurgeClass::DeadLetters,
                base_time() + Duration::seconds(1),
                &keep,
            )
            .unwrap();
        assert_eq!(purged, 1);
        assert_eq!(store.counts().unwrap().dead_letters, 0);
        assert_eq!(store.purge(PurgeClass::Events, cutoff, &keep).unwrap(), 0);
        assert_eq!(
            "dead_letters".parse::<PurgeClass>().unwrap(),
            PurgeClass::DeadLetters
        );
        assert!("everything".parse::<PurgeClass>().is_err());
    }
}

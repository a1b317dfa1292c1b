//! The embedded store: SQLite in WAL mode, in the data directory.
//!
//! See [`schema`] for the layout. Durability: the journal runs with `synchronous=FULL`, so a
//! committed append has been written to the WAL file and flushed to the disk before `append` returns.

mod audit;
mod purge;
mod query;
pub mod schema;
mod tokens;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use probity_model::{Alert, DeadLetter, EventId, EventRef, Format, Level, from_micros, to_micros};

use crate::{
    AlertQuery, AlertStore, AppendOutcome, EncodedEvent, Error, EventQuery, EventStore, Result,
    StoreCounts, StoredDeadLetter,
};

/// The journal's file name in the data directory.
pub const EVENTS_FILE: &str = "events.db";
const INDEX_FILE: &str = "index.db";
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Events indexed per `maintain` transaction.
const INDEX_BATCH: i64 = 20_000;
/// Idle read connections kept for reuse.
const READER_POOL: usize = 4;

/// The SQLite store in one data directory. Safe to share between threads, and between processes
/// (a server and a CLI import may write at the same time; SQLite serialises them).
#[derive(Debug)]
pub struct SqliteStore {
    dir: PathBuf,
    writer: Mutex<Connection>,
    indexer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the connection usable (SQLite rolls back an open
    // transaction when the next one begins), so a poisoned lock is not an error here.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        restrict_permissions(dir);
        let events_path = dir.join(EVENTS_FILE);
        let index_path = dir.join(INDEX_FILE);

        let mut writer = open_connection(&events_path, false)?;
        // Page size only takes effect before the first table is created.
        writer.pragma_update(None, "page_size", 16384)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "cache_size", -65536)?;
        // Checkpoints normally run from `maintain`; this bounds the WAL (64 MiB) if nothing does.
        writer.pragma_update(None, "wal_autocheckpoint", 4096)?;
        schema::migrate_events(&mut writer)?;

        let mut indexer = open_connection(&index_path, false)?;
        indexer.pragma_update(None, "journal_mode", "WAL")?;
        // The index can be rebuilt from the journal, so it need not be flushed on every commit.
        indexer.pragma_update(None, "synchronous", "OFF")?;
        indexer.pragma_update(None, "cache_size", -65536)?;
        schema::migrate_index(&mut indexer)?;
        attach(&indexer, &events_path, "ev")?;

        Ok(Self {
            dir: dir.to_path_buf(),
            writer: Mutex::new(writer),
            indexer: Mutex::new(indexer),
            readers: Mutex::new(Vec::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `f` on a pooled read connection (with the index attached as `idx`).
    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = open_connection(&self.dir.join(EVENTS_FILE), true)?;
                attach(&conn, &self.dir.join(INDEX_FILE), "idx")?;
                conn
            }
        };
        let result = f(&conn);
        let mut pool = lock(&self.readers);
        if pool.len() < READER_POOL {
            pool.push(conn);
        }
        result
    }

    /// Copies committed WAL pages back into the database files without blocking the writer (a
    /// passive checkpoint), so that the writer's own commits never have to.
    fn wal_checkpoint(&self) -> Result<()> {
        let conn = lock(&self.indexer);
        for schema in ["ev", "main"] {
            conn.query_row(
                &format!("PRAGMA {schema}.wal_checkpoint(PASSIVE)"),
                [],
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    /// Builds the index for up to `max` journal events past the watermark.
    fn index_batch(&self, max: i64) -> Result<u64> {
        let mut conn = lock(&self.indexer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let upto: i64 = tx.query_row(
            "SELECT value FROM meta WHERE key = 'indexed_upto'",
            [],
            |row| row.get(0),
        )?;
        let mut done = 0u64;
        let mut last = upto;
        {
            let mut rows = tx.prepare_cached(
                "SELECT seq, ts, user, action, record_action, doc FROM ev.events
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut by_user = tx.prepare_cached(
                "INSERT OR IGNORE INTO by_user (user, ts, seq) VALUES (?1, ?2, ?3)",
            )?;
            let mut by_action = tx.prepare_cached(
                "INSERT OR IGNORE INTO by_action (action, ts, seq) VALUES (?1, ?2, ?3)",
            )?;
            let mut text =
                tx.prepare_cached("INSERT INTO fulltext (rowid, body) VALUES (?1, ?2)")?;
            let mut cursor = rows.query(params![upto, max])?;
            while let Some(row) = cursor.next()? {
                let seq: i64 = row.get(0)?;
                let ts: i64 = row.get(1)?;
                let user: Option<String> = row.get(2)?;
                let action: Option<String> = row.get(3)?;
                let record_action: Option<String> = row.get(4)?;
                let doc: Vec<u8> = row.get(5)?;
                if let Some(user) = user {
                    by_user.execute(params![user, ts, seq])?;
                }
                for action in [action, record_action].into_iter().flatten() {
                    by_action.execute(params![action, ts, seq])?;
                }
                match EncodedEvent::decode_doc(seq, &doc) {
                    Ok(event) => {
                        text.execute(params![seq, event.search_text()])?;
                    }
                    Err(error) => {
                        tracing::warn!(seq, %error, "stored event cannot be indexed for text search");
                    }
                }
                last = seq;
                done += 1;
            }
        }
        if done > 0 {
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'indexed_upto'",
                params![last],
            )?;
        }
        tx.commit()?;
        Ok(done)
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

fn attach(conn: &Connection, path: &Path, name: &str) -> Result<()> {
    let path = path.to_string_lossy();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {name}"), params![path])?;
    Ok(())
}

/// The data directory holds personal data: only its owner may read it.
fn restrict_permissions(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(error) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            tracing::warn!(dir = %dir.display(), %error, "cannot restrict data directory permissions");
        }
    }
}

impl EventStore for SqliteStore {
    fn append(
        &self,
        events: &[EncodedEvent],
        dead_letters: &[DeadLetter],
    ) -> Result<AppendOutcome> {
        let mut outcome = AppendOutcome::default();
        if events.is_empty() && dead_letters.is_empty() {
            return Ok(outcome);
        }
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events
                 (ts, id, ingested, source, format, user, action, record_action, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut untimed = tx.prepare_cached(
                "INSERT OR IGNORE INTO untimed_ids (id, ingested) VALUES (?1, ?2)",
            )?;
            for event in events {
                if event.ts == event.ingested
                    && untimed.execute(params![&event.id[..], event.ingested])? == 0
                {
                    outcome.duplicates += 1;
                    continue;
                }
                let changed = insert.execute(params![
                    event.ts,
                    &event.id[..],
                    event.ingested,
                    event.source,
                    event.format,
                    event.user,
                    event.action,
                    event.record_action,
                    event.doc,
                ])?;
                if changed == 1 {
                    outcome.inserted += 1;
                } else {
                    outcome.duplicates += 1;
                }
            }
            let mut insert = tx.prepare_cached(
                "INSERT INTO dead_letters
                 (received, source, format, reason, location, raw, raw_len, raw_kept)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for letter in dead_letters {
                insert.execute(params![
                    to_micros(&letter.received),
                    letter.source,
                    letter.format.map(Format::as_str),
                    letter.reason,
                    letter.location,
                    letter.raw,
                    i64::try_from(letter.raw_len).unwrap_or(i64::MAX),
                    letter.raw_kept.as_str(),
                ])?;
                outcome.dead_letters += 1;
            }
        }
        tx.commit()?;
        Ok(outcome)
    }

    fn query(&self, query: &EventQuery) -> Result<Vec<probity_model::Event>> {
        self.with_reader(|conn| query::run(conn, query))
    }

    fn dead_letters(&self, limit: usize) -> Result<Vec<StoredDeadLetter>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, received, source, format, reason, location, raw, raw_len, raw_kept
             FROM dead_letters ORDER BY seq DESC LIMIT ?1",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = statement.query_map(params![limit], dead_letter_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn dead_letter(&self, seq: i64) -> Result<Option<StoredDeadLetter>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, received, source, format, reason, location, raw, raw_len, raw_kept
             FROM dead_letters WHERE seq = ?1",
            )?;
            let mut rows = statement.query_map(params![seq], dead_letter_row)?;
            Ok(rows.next().transpose()?)
        })
    }

    fn counts(&self) -> Result<StoreCounts> {
        self.with_reader(|conn| {
            let events: i64 =
                conn.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))?;
            let dead_letters: i64 =
                conn.query_row("SELECT COUNT(*) FROM dead_letters", [], |row| row.get(0))?;
            let alerts: i64 =
                conn.query_row("SELECT COUNT(*) FROM alerts", [], |row| row.get(0))?;
            Ok(StoreCounts {
                events: u64::try_from(events).unwrap_or(0),
                dead_letters: u64::try_from(dead_letters).unwrap_or(0),
                alerts: u64::try_from(alerts).unwrap_or(0),
            })
        })
    }

    fn events_by_ref(&self, refs: &[EventRef]) -> Result<Vec<probity_model::Event>> {
        self.with_reader(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT seq, doc FROM events WHERE ts = ?1 AND id = ?2")?;
            let mut found = Vec::with_capacity(refs.len());
            for reference in refs {
                let row = statement
                    .query_row(
                        params![
                            to_micros(&reference.timestamp),
                            &reference.id.as_bytes()[..]
                        ],
                        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
                    )
                    .optional()?;
                if let Some((seq, doc)) = row {
                    found.push(EncodedEvent::decode_doc(seq, &doc)?);
                }
            }
            Ok(found)
        })
    }

    fn events_by_id(&self, ids: &[EventId]) -> Result<Vec<probity_model::Event>> {
        let wanted: HashSet<[u8; 16]> = ids.iter().map(|id| *id.as_bytes()).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        // The (ts, id) index holds both columns and is far smaller than the journal, so SQLite
        // scans it alone ("USING COVERING INDEX events_ts_id"), in time order; the documents
        // are then read by reference.
        let refs = self.with_reader(|conn| {
            let mut statement = conn.prepare_cached("SELECT ts, id FROM events")?;
            let mut rows = statement.query([])?;
            let mut refs = Vec::new();
            while let Some(row) = rows.next()? {
                let id = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                let Ok(id) = <[u8; 16]>::try_from(id) else {
                    continue;
                };
                if wanted.contains(&id) {
                    refs.push(EventRef {
                        id: EventId::from_bytes(id),
                        timestamp: from_micros(row.get(0)?),
                    });
                }
            }
            Ok(refs)
        })?;
        self.events_by_ref(&refs)
    }

    fn read_journal(&self, after: i64, limit: usize) -> Result<Vec<(i64, probity_model::Event)>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, doc FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut rows = statement.query(params![after, limit])?;
            let mut docs: Vec<(i64, Vec<u8>)> = Vec::new();
            while let Some(row) = rows.next()? {
                docs.push((row.get(0)?, row.get(1)?));
            }
            decode_docs(docs)
        })
    }

    fn maintain(&self, budget: u64) -> Result<u64> {
        self.wal_checkpoint()?;
        let mut total = 0u64;
        while total < budget {
            let step = (budget - total).min(INDEX_BATCH as u64);
            let done = self.index_batch(i64::try_from(step).unwrap_or(INDEX_BATCH))?;
            total += done;
            if done < step {
                break;
            }
        }
        Ok(total)
    }

    fn purge(
        &self,
        class: crate::PurgeClass,
        before: probity_model::Timestamp,
        keep: &std::collections::HashSet<String>,
    ) -> Result<u64> {
        self.purge_class(class, before, keep)
    }
}

/// Decodes stored documents, sharing large batches out between the cores (decoding JSON is most
/// of what reading the journal costs).
fn decode_docs(docs: Vec<(i64, Vec<u8>)>) -> Result<Vec<(i64, probity_model::Event)>> {
    const PARALLEL_FROM: usize = 256;
    let decode = |part: &[(i64, Vec<u8>)]| -> Result<Vec<(i64, probity_model::Event)>> {
        part.iter()
            .map(|(seq, doc)| Ok((*seq, EncodedEvent::decode_doc(*seq, doc)?)))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    if docs.len() < PARALLEL_FROM || threads == 1 {
        return decode(&docs);
    }
    let share = docs.len().div_ceil(threads);
    let parts: Vec<Result<Vec<(i64, probity_model::Event)>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = docs
            .chunks(share)
            .map(|part| scope.spawn(move || decode(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(Error::Corrupt {
                        seq: 0,
                        reason: "decoding stored events failed".into(),
                    })
                })
            })
            .collect()
    });
    let mut events = Vec::with_capacity(docs.len());
    for part in parts {
        events.extend(part?);
    }
    Ok(events)
}

fn level_number(level: Level) -> i64 {
    match level {
        Level::Informational => 0,
        Level::Low => 1,
        Level::Medium => 2,
        Level::High => 3,
        Level::Critical => 4,
    }
}

impl AlertStore for SqliteStore {
    fn append_alerts(&self, alerts: &[Alert], cursor: Option<(&str, i64)>) -> Result<u64> {
        if alerts.is_empty() && cursor.is_none() {
            return Ok(0);
        }
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut added = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO alerts (id, created, ts, rule_id, level, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for alert in alerts {
                let doc = serde_json::to_vec(alert).map_err(|e| Error::Encode(e.to_string()))?;
                added += insert.execute(params![
                    &alert.id.as_bytes()[..],
                    to_micros(&alert.created),
                    to_micros(&alert.timestamp()),
                    alert.rule.id,
                    level_number(alert.level),
                    doc,
                ])? as u64;
            }
            if let Some((name, seq)) = cursor {
                tx.execute(
                    "INSERT INTO cursors (name, seq) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                    params![name, seq],
                )?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn cursor(&self, name: &str) -> Result<i64> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT seq FROM cursors WHERE name = ?1",
                    params![name],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or(0))
        })
    }

    fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, doc FROM alerts
                 WHERE ts >= ?1 AND ts < ?2 AND level >= ?3 AND (?4 IS NULL OR rule_id = ?4)
                 ORDER BY ts DESC, seq DESC LIMIT ?5",
            )?;
            let since = query.since.as_ref().map(to_micros).unwrap_or(i64::MIN);
            let until = query.until.as_ref().map(to_micros).unwrap_or(i64::MAX);
            let level = query.min_level.map(level_number).unwrap_or(0);
            let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
            let mut rows = statement.query(params![since, until, level, query.rule_id, limit])?;
            let mut found = Vec::new();
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let doc: Vec<u8> = row.get(1)?;
                let alert: Alert = serde_json::from_slice(&doc).map_err(|e| Error::Corrupt {
                    seq,
                    reason: format!("alert: {e}"),
                })?;
                found.push(alert);
            }
            found.reverse();
            Ok(found)
        })
    }

    fn alert(&self, id: &probity_model::AlertId) -> Result<Option<Alert>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached("SELECT seq, doc FROM alerts WHERE id = ?1")?;
            let mut rows = statement.query(params![&id.as_bytes()[..]])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let seq: i64 = row.get(0)?;
            let doc: Vec<u8> = row.get(1)?;
            let alert: Alert = serde_json::from_slice(&doc).map_err(|e| Error::Corrupt {
                seq,
                reason: format!("alert: {e}"),
            })?;
            Ok(Some(alert))
        })
    }
}

/// One row of `dead_letters` (the columns as `EventStore::dead_letters` selects them).
fn dead_letter_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDeadLetter> {
    let format: Option<String> = row.get(3)?;
    let raw_len: i64 = row.get(7)?;
    let raw_kept: String = row.get(8)?;
    Ok(StoredDeadLetter {
        seq: row.get(0)?,
        letter: DeadLetter {
            received: from_micros(row.get(1)?),
            source: row.get(2)?,
            format: format.and_then(|f| f.parse().ok()),
            reason: row.get(4)?,
            location: row.get(5)?,
            raw: row.get(6)?,
            raw_len: u64::try_from(raw_len).unwrap_or(0),
            raw_kept: probity_model::RawKept::from_name(&raw_kept),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::store_test_suite!(|dir: &std::path::Path| SqliteStore::open(dir).unwrap());

    /// The store seen only through what every backend has, so that `events_by_id` is the
    /// trait's default, read from the journal.
    #[derive(Debug)]
    struct JournalOnly(SqliteStore);

    impl EventStore for JournalOnly {
        fn append(&self, events: &[EncodedEvent], letters: &[DeadLetter]) -> Result<AppendOutcome> {
            self.0.append(events, letters)
        }
        fn query(&self, query: &EventQuery) -> Result<Vec<probity_model::Event>> {
            self.0.query(query)
        }
        fn dead_letters(&self, limit: usize) -> Result<Vec<StoredDeadLetter>> {
            self.0.dead_letters(limit)
        }
        fn dead_letter(&self, seq: i64) -> Result<Option<StoredDeadLetter>> {
            self.0.dead_letter(seq)
        }
        fn counts(&self) -> Result<StoreCounts> {
            self.0.counts()
        }
        fn events_by_ref(&self, refs: &[EventRef]) -> Result<Vec<probity_model::Event>> {
            self.0.events_by_ref(refs)
        }
        fn read_journal(
            &self,
            after: i64,
            limit: usize,
        ) -> Result<Vec<(i64, probity_model::Event)>> {
            self.0.read_journal(after, limit)
        }
        fn purge(
            &self,
            class: crate::PurgeClass,
            before: probity_model::Timestamp,
            keep: &HashSet<String>,
        ) -> Result<u64> {
            self.0.purge(class, before, keep)
        }
    }

    #[test]
    fn events_by_id_from_the_index_agree_with_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .append(&crate::testsuite::sample_events(25_000), &[])
            .unwrap();
        let ids: Vec<EventId> = [24_999, 7, 12_345, 7, 30_000]
            .iter()
            .map(|&i| crate::testsuite::sample_event(i).provenance.id)
            .collect();
        let from_index = store.events_by_id(&ids).unwrap();
        assert_eq!(from_index.len(), 3);
        assert!(
            from_index
                .windows(2)
                .all(|w| w[0].timestamp <= w[1].timestamp)
        );
        assert_eq!(JournalOnly(store).events_by_id(&ids).unwrap(), from_index);
    }

    #[test]
    fn reopening_keeps_everything_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SqliteStore::open(dir.path()).unwrap();
            let events = crate::testsuite::sample_events(3);
            store.append(&events, &[]).unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.counts().unwrap().events, 3);
        drop(store);

        let conn = Connection::open(dir.path().join(EVENTS_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let error = SqliteStore::open(dir.path()).unwrap_err();
        assert!(
            matches!(error, Error::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
    }

    fn audited_store(entries: u64) -> (tempfile::TempDir, SqliteStore, probity_audit::Signer) {
        use crate::AuditStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for n in 0..entries {
            store
                .audit(probity_audit::Action {
                    time: chrono::Utc::now(),
                    actor: "cli:test".into(),
                    action: "alert.dismiss".into(),
                    target: format!("alert-{n}"),
                    details: serde_json::Value::Null,
                })
                .unwrap();
        }
        let signer = probity_audit::Signer::from_bytes(&[5u8; 32]);
        (dir, store, signer)
    }

    #[test]
    fn tampering_with_the_audit_table_is_found() {
        let (dir, store, _) = audited_store(4);
        assert!(crate::verify_audit(&store).unwrap().is_ok());
        let conn = Connection::open(dir.path().join(EVENTS_FILE)).unwrap();
        conn.execute(
            "UPDATE audit SET entry = replace(entry, 'alert-2', 'alert-9') WHERE seq = 3",
            [],
        )
        .unwrap();
        assert_eq!(
            crate::verify_audit(&store).unwrap(),
            Err(probity_audit::Break::Content { at: 3 })
        );
        conn.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
        assert_eq!(
            crate::verify_audit(&store).unwrap(),
            Err(probity_audit::Break::Sequence { at: 4, expected: 3 })
        );
    }

    #[test]
    fn checkpoints_catch_what_the_chain_alone_cannot() {
        use crate::AuditStore;
        use probity_audit::{Break, CheckpointFault};
        let (dir, store, signer) = audited_store(4);
        store
            .checkpoint(&signer, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let conn = Connection::open(dir.path().join(EVENTS_FILE)).unwrap();

        // Entries removed from the end: the chain alone still verifies, the checkpoint does not.
        conn.execute("DELETE FROM audit WHERE seq = 4", []).unwrap();
        assert_eq!(
            crate::verify_audit(&store).unwrap(),
            Err(Break::Checkpoint {
                seq: 4,
                fault: CheckpointFault::MissingEntry
            })
        );

        // The last entry rewritten and re-hashed consistently.
        let (dir, store, signer) = audited_store(4);
        store
            .checkpoint(&signer, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let mut last = store.audit_entries(3, 1).unwrap().remove(0);
        last.action.target = "someone else".into();
        let mut prev = [0u8; 32];
        hex::decode_to_slice(&last.prev, &mut prev).unwrap();
        let forged = probity_audit::chain(&prev, 4, last.action);
        let conn = Connection::open(dir.path().join(EVENTS_FILE)).unwrap();
        conn.execute(
            "UPDATE audit SET entry = ?1, hash = ?2 WHERE seq = 4",
            params![serde_json::to_string(&forged).unwrap(), forged.hash],
        )
        .unwrap();
        assert_eq!(
            crate::verify_audit(&store).unwrap(),
            Err(Break::Checkpoint {
                seq: 4,
                fault: CheckpointFault::Head
            })
        );
        // Nor is a new checkpoint signed over the forgery: a checkpoint must extend the last
        // signed head, and the entry added after the forgery does not chain from it.
        store
            .audit(probity_audit::Action {
                time: chrono::Utc::now(),
                actor: "cli:test".into(),
                action: "alert.dismiss".into(),
                target: "later".into(),
                details: serde_json::Value::Null,
            })
            .unwrap();
        assert!(matches!(
            store.checkpoint(&signer, chrono::Utc::now()),
            Err(Error::AuditBroken(_))
        ));

        // A signature altered.
        let (dir, store, signer) = audited_store(2);
        store
            .checkpoint(&signer, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let conn = Connection::open(dir.path().join(EVENTS_FILE)).unwrap();
        conn.execute(
            "UPDATE audit_checkpoints SET signature = substr(signature, 3) || '00'",
            [],
        )
        .unwrap();
        assert_eq!(
            crate::verify_audit(&store).unwrap(),
            Err(Break::Checkpoint {
                seq: 2,
                fault: CheckpointFault::Signature
            })
        );
    }

    /// Prints how fast the audit chain and its checkpoints verify and sign. Run with
    /// `cargo test -p probity-store --release -- --ignored --nocapture audit_figures`.
    #[test]
    #[ignore = "a benchmark: prints figures"]
    fn audit_figures() {
        use crate::AuditStore;
        const ENTRIES: u64 = 200_000;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let signer = probity_audit::Signer::from_bytes(&[6u8; 32]);
        {
            let mut conn = lock(&store.writer);
            let tx = conn.transaction().unwrap();
            let mut prev = probity_audit::GENESIS;
            for seq in 1..=ENTRIES {
                let entry = probity_audit::chain(
                    &prev,
                    seq,
                    probity_audit::Action {
                        time: chrono::Utc::now(),
                        actor: "account:jdoe".into(),
                        action: "search".into(),
                        target: "events".into(),
                        details: serde_json::json!({"query": format!("user:u{seq}"), "results": 20}),
                    },
                );
                prev = entry.hash_bytes();
                tx.execute(
                    "INSERT INTO audit (seq, time, entry, hash) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        i64::try_from(seq).unwrap(),
                        to_micros(&entry.action.time),
                        serde_json::to_string(&entry).unwrap(),
                        entry.hash
                    ],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let started = std::time::Instant::now();
        store
            .checkpoint(&signer, chrono::Utc::now())
            .unwrap()
            .unwrap();
        let first_checkpoint = started.elapsed();
        let started = std::time::Instant::now();
        let verified = crate::verify_audit(&store).unwrap().unwrap();
        let verify = started.elapsed();
        assert_eq!((verified.entries, verified.checkpoints), (ENTRIES, 1));
        let started = std::time::Instant::now();
        let excerpt = store.audit_excerpt(ENTRIES - 999, ENTRIES).unwrap();
        probity_audit::verify_excerpt(&excerpt).unwrap();
        let excerpt_time = started.elapsed();
        println!(
            "audit: {ENTRIES} entries verified with their checkpoint in {verify:?} ({:.0} entries/s); \
             first checkpoint (checks the whole chain) {first_checkpoint:?}; \
             1000-entry excerpt read and verified in {excerpt_time:?}",
            ENTRIES as f64 / verify.as_secs_f64()
        );
    }

    #[test]
    fn the_index_can_be_deleted_and_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .append(&crate::testsuite::sample_events(10), &[])
            .unwrap();
        assert_eq!(store.maintain(u64::MAX).unwrap(), 10);
        drop(store);
        for name in ["index.db", "index.db-wal", "index.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(name));
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.maintain(u64::MAX).unwrap(), 10);
        let found = store
            .query(&EventQuery {
                user: Some("user3".into()),
                limit: 10,
                ..EventQuery::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
    }
}

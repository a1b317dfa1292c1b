//! The SQLite schema, in two files.
//!
//! `events.db` is the journal: the events as stored (one row each, keyed by time and content id),
//! dead letters, tokens, alerts, reference data, and the audit chain with its signed checkpoints.
//! Its only index on the ingest path is `(ts, id)`, which grows at its end,
//! so the cost of an append does not rise with the size of the store. Deduplication is by
//! `(ts, id)`: a retried batch carries the same times and content. Events with no time of their own
//! (their time is their arrival) are deduplicated by id through `untimed_ids`.
//!
//! `index.db` holds what queries need beyond time: by user, by action, and full text. It is built
//! behind the journal by [`EventStore::maintain`](crate::EventStore::maintain), can be deleted and rebuilt at any time, and
//! records how far it has got (`indexed_upto`); queries read the journal past that point directly, so
//! they are complete even while the index catches up.

use rusqlite::Connection;

use crate::{Error, Result};

pub const EVENTS_VERSION: i64 = 5;
pub const INDEX_VERSION: i64 = 1;

const EVENTS_V1: &str = "
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    id BLOB NOT NULL,
    ingested INTEGER NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    user TEXT,
    action TEXT,
    record_action TEXT,
    doc BLOB NOT NULL
);
CREATE UNIQUE INDEX events_ts_id ON events (ts, id);
-- Events that carry no time of their own take their arrival time, which differs on a retry; their
-- content ids are remembered here so that a retried batch is still recognised.
CREATE TABLE untimed_ids (id BLOB PRIMARY KEY, ingested INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY,
    received INTEGER NOT NULL,
    source TEXT NOT NULL,
    format TEXT,
    reason TEXT NOT NULL,
    location TEXT,
    raw BLOB NOT NULL,
    raw_len INTEGER NOT NULL
);
CREATE TABLE tokens (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER
);
CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked IS NULL;
";

/// Alerts raised by detections (version 2).
const EVENTS_V2: &str = "
CREATE TABLE alerts (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    doc BLOB NOT NULL
);
CREATE INDEX alerts_ts ON alerts (ts);
-- How far each consumer of the journal (a detector) has read, committed with what it produced.
CREATE TABLE cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
";

/// The audit chain and reference data (version 3).
const EVENTS_V3: &str = "
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    entry TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE reference (
    kind TEXT PRIMARY KEY,
    rows INTEGER NOT NULL,
    loaded INTEGER NOT NULL,
    audit_seq INTEGER NOT NULL,
    doc BLOB NOT NULL
);
";

/// Signed checkpoints of the audit chain (version 4): one per signed head, with the public key
/// that signed it.
const EVENTS_V4: &str = "
CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    head TEXT NOT NULL,
    time INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL
);
";

/// How each dead letter's raw input is kept (version 5): `clear`, `sealed` (the raw column holds
/// the sealed item) or `withheld` (nothing kept).
const EVENTS_V5: &str = "
ALTER TABLE dead_letters ADD COLUMN raw_kept TEXT NOT NULL DEFAULT 'clear';
";

const INDEX_V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('indexed_upto', 0);
CREATE TABLE by_user (
    user TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (user, ts, seq)
) WITHOUT ROWID;
CREATE TABLE by_action (
    action TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (action, ts, seq)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fulltext USING fts5 (
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
";

fn version(conn: &Connection, schema: &str) -> Result<i64> {
    Ok(
        conn.query_row(&format!("PRAGMA {schema}.user_version"), [], |row| {
            row.get(0)
        })?,
    )
}

/// Creates or checks the journal schema on a connection to `events.db`.
pub fn migrate_events(conn: &mut Connection) -> Result<()> {
    let found = version(conn, "main")?;
    if found > EVENTS_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: EVENTS_VERSION,
        });
    }
    if found < EVENTS_VERSION {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        // Another process may have migrated it while we waited for the lock.
        let current = version(&tx, "main")?;
        if current < 1 {
            tx.execute_batch(EVENTS_V1)?;
        }
        if current < 2 {
            tx.execute_batch(EVENTS_V2)?;
        }
        if current < 3 {
            tx.execute_batch(EVENTS_V3)?;
        }
        if current < 4 {
            tx.execute_batch(EVENTS_V4)?;
        }
        if current < 5 {
            tx.execute_batch(EVENTS_V5)?;
        }
        tx.pragma_update(None, "user_version", EVENTS_VERSION)?;
        tx.commit()?;
    }
    Ok(())
}

/// Creates or checks the index schema on a connection to `index.db`.
pub fn migrate_index(conn: &mut Connection) -> Result<()> {
    let found = version(conn, "main")?;
    if found > INDEX_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: INDEX_VERSION,
        });
    }
    if found == 0 {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        if version(&tx, "main")? == 0 {
            tx.execute_batch(INDEX_V1)?;
            tx.pragma_update(None, "user_version", INDEX_VERSION)?;
        }
        tx.commit()?;
    }
    Ok(())
}

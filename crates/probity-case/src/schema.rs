//! The `workbench.db` schema.

use rusqlite::Connection;

use crate::{Error, Result};

/// The schema version this code writes.
pub const VERSION: i64 = 1;

const V1: &str = "
CREATE TABLE triage (
    seq INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL,
    rule_id TEXT,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    case_id TEXT,
    by TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX triage_alert ON triage (alert_id, seq);
CREATE TABLE cases (
    num INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    subjects TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    authorised_by TEXT,
    authorised_at INTEGER,
    assigned_to TEXT,
    legal_hold INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cases_state ON cases (state, num);
CREATE TABLE notes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_num INTEGER NOT NULL REFERENCES cases (num),
    author TEXT NOT NULL,
    at INTEGER NOT NULL,
    text TEXT NOT NULL,
    corrects INTEGER REFERENCES notes (seq)
);
CREATE INDEX notes_case ON notes (case_num, seq);
-- Notes are a record: once written they can never be changed or removed.
CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes
BEGIN SELECT RAISE(ABORT, 'case notes cannot be changed; add a correction instead'); END;
CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN SELECT RAISE(ABORT, 'case notes cannot be deleted'); END;
CREATE TABLE links (
    case_num INTEGER NOT NULL REFERENCES cases (num),
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    by TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (case_num, kind, target)
) WITHOUT ROWID;
CREATE INDEX links_target ON links (kind, target);
CREATE TABLE retention (
    class TEXT PRIMARY KEY,
    days INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
";

/// Creates or checks the schema.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: VERSION,
        });
    }
    if found == VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current < 1 {
        tx.execute_batch(V1)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

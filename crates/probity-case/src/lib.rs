//! The workbench's own state, kept in `workbench.db` in the data directory: how analysts triaged
//! alerts, the cases opened from them (state, authorisation, assignment, immutable notes, links to
//! alerts and events, legal hold), the retention periods, and the evidence packs exported from a
//! case.
//!
//! [`Workbench`] is the entry point. Every operation that changes something takes the acting
//! [`probity_access::Principal`], checks its permission, and returns a [`probity_audit::Action`]
//! for the caller to append to the audit log (no content in it: ids, states, counts, reasons).
//! Times are passed in (`now`) so that tests can fix them.
//!
//! - Triage: [`Workbench::triage`], [`Workbench::triage_of`], [`Workbench::dismissal_reasons`].
//! - Cases: [`Workbench::create_case`], [`Workbench::decide_case`] (by another account holding
//!   `AuthoriseCase`), [`Workbench::set_state`] (legal transitions only), [`Workbench::assign`],
//!   [`Workbench::set_legal_hold`], [`Workbench::add_note`] (notes can never be changed: SQLite
//!   triggers refuse it; a correction is a new note), [`Workbench::link`], and the readers
//!   [`Workbench::case`], [`Workbench::cases`], [`Workbench::notes`], [`Workbench::links`],
//!   [`Workbench::held_event_ids`].
//! - Retention: [`RetentionPolicy`], [`Workbench::retention`], [`Workbench::set_retention`],
//!   and [`Workbench::purge`], which deletes what is past its period from the store
//!   (`probity_store::EventStore::purge`) sparing everything linked to a case on legal hold.
//! - Evidence packs: [`evidence::build`] writes a ZIP with a SHA-256 manifest;
//!   [`evidence::verify`] checks one.

mod case;
mod error;
pub mod evidence;
mod retention;
mod schema;
mod triage;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use probity_model::Timestamp;

pub use case::{Case, CaseFilter, CaseState, Link, LinkKind, Note};
pub use error::{Error, Result};
pub use retention::{RETENTION_CLASSES, RetentionPolicy};
pub use triage::{Triage, TriageStatus};

/// The workbench database's file name in the data directory.
pub const WORKBENCH_FILE: &str = "workbench.db";

/// The most alerts one triage call may change.
pub const MAX_TRIAGE_BATCH: usize = 1000;
/// The longest reason, title, summary or note accepted, in bytes.
pub const MAX_TEXT: usize = 20_000;

/// The workbench's state in one data directory. Safe to share between threads.
#[derive(Debug)]
pub struct Workbench {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Workbench {
    /// Opens (creating if needed) `workbench.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Workbench> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(WORKBENCH_FILE);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(Workbench {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable (SQLite rolls back an open
        // transaction when the next one begins), so a poisoned lock is not an error here.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An audit action by `by` at `now`.
fn action(
    by: &probity_access::Principal,
    now: Timestamp,
    name: &str,
    target: impl Into<String>,
    details: serde_json::Value,
) -> probity_audit::Action {
    probity_audit::Action {
        time: now,
        actor: by.actor(),
        action: name.to_owned(),
        target: target.into(),
        details,
    }
}

/// Checks a piece of free text: trimmed, at most [`MAX_TEXT`] bytes, non-empty if `required`.
fn check_text(what: &str, text: &str, required: bool) -> Result<String> {
    let text = text.trim();
    if required && text.is_empty() {
        return error::invalid(format!("{what} is needed"));
    }
    if text.len() > MAX_TEXT {
        return error::invalid(format!(
            "{what} is {} bytes; at most {MAX_TEXT}",
            text.len()
        ));
    }
    Ok(text.to_owned())
}

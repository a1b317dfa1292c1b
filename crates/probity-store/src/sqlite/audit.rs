//! The audit chain and reference data in the journal database.

use rusqlite::{OptionalExtension, Transaction, params};

use probity_audit::{Action, Entry, GENESIS, chain};
use probity_model::{Timestamp, from_micros, to_micros};

use super::{SqliteStore, lock};
use crate::{AuditStore, Error, ReferenceStore, Result};

/// Appends `action` to the chain inside `tx`.
fn append(tx: &Transaction<'_>, action: Action) -> Result<Entry> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        None => (1u64, GENESIS),
        Some((seq, hash)) => {
            let mut prev = [0u8; 32];
            hex::decode_to_slice(&hash, &mut prev).map_err(|_| Error::Corrupt {
                seq,
                reason: "audit entry hash is not hex".into(),
            })?;
            (u64::try_from(seq).unwrap_or(0) + 1, prev)
        }
    };
    let entry = chain(&prev, seq, action);
    let text = serde_json::to_string(&entry).map_err(|e| Error::Encode(e.to_string()))?;
    tx.execute(
        "INSERT INTO audit (seq, time, entry, hash) VALUES (?1, ?2, ?3, ?4)",
        params![
            i64::try_from(seq).unwrap_or(i64::MAX),
            to_micros(&entry.action.time),
            text,
            entry.hash
        ],
    )?;
    Ok(entry)
}

impl AuditStore for SqliteStore {
    fn audit(&self, action: Action) -> Result<Entry> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let entry = append(&tx, action)?;
        tx.commit()?;
        Ok(entry)
    }

    fn audit_entries(&self, after: u64, limit: usize) -> Result<Vec<Entry>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, entry FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut rows = statement.query(params![after, limit])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let text: String = row.get(1)?;
                let entry: Entry = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
                    seq,
                    reason: format!("audit entry: {e}"),
                })?;
                entries.push(entry);
            }
            Ok(entries)
        })
    }
}

impl ReferenceStore for SqliteStore {
    fn replace_reference(
        &self,
        kind: &str,
        doc: &[u8],
        rows: u64,
        action: Action,
    ) -> Result<Entry> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let loaded = action.time;
        let entry = append(&tx, action)?;
        tx.execute(
            "INSERT INTO reference (kind, rows, loaded, audit_seq, doc) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind) DO UPDATE SET rows = excluded.rows, loaded = excluded.loaded,
                 audit_seq = excluded.audit_seq, doc = excluded.doc",
            params![
                kind,
                i64::try_from(rows).unwrap_or(i64::MAX),
                to_micros(&loaded),
                i64::try_from(entry.seq).unwrap_or(i64::MAX),
                doc
            ],
        )?;
        tx.commit()?;
        Ok(entry)
    }

    fn reference(&self, kind: &str) -> Result<Option<Vec<u8>>> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT doc FROM reference WHERE kind = ?1",
                    params![kind],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    fn reference_kinds(&self) -> Result<Vec<(String, u64, Timestamp)>> {
        self.with_reader(|conn| {
            let mut statement =
                conn.prepare("SELECT kind, rows, loaded FROM reference ORDER BY kind")?;
            let rows = statement.query_map([], |row| {
                let rows: i64 = row.get(1)?;
                Ok((
                    row.get(0)?,
                    u64::try_from(rows).unwrap_or(0),
                    from_micros(row.get(2)?),
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

//! The audit chain and reference data in the journal database.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use probity_audit::{Action, Checkpoint, Entry, GENESIS, Signer, chain};
use probity_model::{Timestamp, from_micros, to_micros};

use super::{SqliteStore, lock};
use crate::{AuditStore, Error, ReferenceStore, Result, StoredCheckpoint};

/// Entries read at a time when checking the chain before signing.
const SIGN_CHECK_PAGE: usize = 10_000;

fn to_sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_sql(seq: i64, what: &str) -> Result<u64> {
    u64::try_from(seq).map_err(|_| Error::Corrupt {
        seq,
        reason: format!("{what} has a negative number"),
    })
}

/// Up to `limit` entries after number `after`, in order.
fn read_entries(conn: &Connection, after: u64, limit: usize) -> Result<Vec<Entry>> {
    let mut statement =
        conn.prepare_cached("SELECT seq, entry FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    let mut rows = statement.query(params![to_sql(after), to_sql(limit as u64)])?;
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
}

/// The last checkpoint's entry number and head, if any.
fn last_checkpoint(conn: &Connection) -> Result<Option<(u64, [u8; 32])>> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, head FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((seq, head)) = last else {
        return Ok(None);
    };
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(&head, &mut bytes).map_err(|_| Error::Corrupt {
        seq,
        reason: "checkpoint head is not hex".into(),
    })?;
    Ok(Some((from_sql(seq, "checkpoint")?, bytes)))
}

/// Checks that the entries after the last checkpoint chain from its head, and returns the new
/// head (entry number and hash), or `None` if there are no new entries.
fn head_extending(
    conn: &Connection,
    from: Option<(u64, [u8; 32])>,
) -> Result<Option<(u64, [u8; 32])>> {
    let (mut seq, mut hash) = from.unwrap_or((0, GENESIS));
    let start = seq;
    loop {
        let page = read_entries(conn, seq, SIGN_CHECK_PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        probity_audit::verify(&page, hash, seq + 1)
            .map_err(|broken| Error::AuditBroken(broken.to_string()))?;
        seq = last.seq;
        hash = last.hash_bytes();
    }
    Ok((seq > start).then_some((seq, hash)))
}

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
        self.with_reader(|conn| read_entries(conn, after, limit))
    }

    fn checkpoint(&self, signer: &Signer, now: Timestamp) -> Result<Option<Checkpoint>> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let previous = last_checkpoint(&tx)?;
        let Some((seq, head)) = head_extending(&tx, previous)? else {
            return Ok(None);
        };
        let checkpoint = signer.sign(seq, &head, now);
        tx.execute(
            "INSERT INTO audit_checkpoints (seq, head, time, key_id, signature, public_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                to_sql(checkpoint.seq),
                checkpoint.head,
                to_micros(&checkpoint.time),
                checkpoint.key_id,
                checkpoint.signature,
                probity_audit::public_key_hex(&signer.verifying_key()),
            ],
        )?;
        tx.commit()?;
        Ok(Some(checkpoint))
    }

    fn checkpoints_after(&self, after: u64, limit: usize) -> Result<Vec<StoredCheckpoint>> {
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, head, time, key_id, signature, public_key FROM audit_checkpoints
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut rows = statement.query(params![to_sql(after), to_sql(limit as u64)])?;
            let mut checkpoints = Vec::new();
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                checkpoints.push(StoredCheckpoint {
                    checkpoint: Checkpoint {
                        seq: from_sql(seq, "checkpoint")?,
                        head: row.get(1)?,
                        time: from_micros(row.get(2)?),
                        key_id: row.get(3)?,
                        signature: row.get(4)?,
                    },
                    public_key: row.get(5)?,
                });
            }
            Ok(checkpoints)
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

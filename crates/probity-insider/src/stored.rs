//! Reference data in the store: loading a file (all or nothing, audited) and reading every kind
//! back into an index.

use chrono::Utc;
use serde_json::json;

use probity_store::ReferenceStore;

use crate::index::Reference;
use crate::reference::{self, Kind, Rows};

/// Why a load failed.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    #[error("{kind} not loaded: {source}")]
    Invalid {
        kind: Kind,
        #[source]
        source: reference::LoadError,
    },
    #[error("the store failed: {0}")]
    Store(#[from] probity_store::Error),
    #[error("{0}")]
    Unreadable(String),
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub kind: Kind,
    pub rows: usize,
    /// The audit entry's number.
    pub audit_seq: u64,
}

/// Parses `bytes` as reference data of `kind` and, only if every row is valid, replaces what the
/// store holds of that kind, recording who (`actor`) loaded what (`origin`: a file name or
/// `api`) in the audit log in the same transaction.
pub fn load(
    store: &dyn ReferenceStore,
    kind: Kind,
    bytes: &[u8],
    actor: &str,
    origin: &str,
) -> Result<Loaded, StoredError> {
    let rows =
        reference::parse(kind, bytes).map_err(|source| StoredError::Invalid { kind, source })?;
    let count = rows.len();
    let action = probity_audit::Action {
        time: Utc::now(),
        actor: actor.to_owned(),
        action: "reference.load".to_owned(),
        target: kind.name().to_owned(),
        details: json!({ "rows": count, "from": origin, "bytes": bytes.len() }),
    };
    let entry =
        store.replace_reference(kind.name(), &crate::encode(&rows), count as u64, action)?;
    Ok(Loaded {
        kind,
        rows: count,
        audit_seq: entry.seq,
    })
}

/// Every kind the store holds, indexed. Kinds never loaded are left out.
pub fn reference_from_store(store: &dyn ReferenceStore) -> Result<Reference, StoredError> {
    let mut sets: Vec<Rows> = Vec::new();
    for kind in Kind::ALL {
        if let Some(bytes) = store.reference(kind.name())? {
            sets.push(crate::decode(&bytes).map_err(StoredError::Unreadable)?);
        }
    }
    Ok(Reference::build(sets))
}

/// A fingerprint of what is loaded (kinds, rows and load times): it changes when anything is
/// reloaded.
pub fn loaded_version(store: &dyn ReferenceStore) -> Result<String, StoredError> {
    let kinds = store.reference_kinds()?;
    Ok(kinds
        .iter()
        .map(|(kind, rows, at)| format!("{kind}:{rows}:{}", at.timestamp_micros()))
        .collect::<Vec<_>>()
        .join(","))
}

//! Probity's audit log: every analyst, investigator and administrator action, in an append-only
//! chain that anyone holding the log can verify.
//!
//! Each [`Entry`] commits to the one before it: its hash is SHA-256 over the previous entry's hash
//! and the entry's own canonical form (sequence number, time, actor, action, target, details).
//! Editing, deleting, inserting or reordering any entry changes every hash after it, and
//! [`verify`] says where the chain first breaks. The store keeps the entries; this crate only
//! computes and checks.
//!
//! A [`Signer`] (an Ed25519 key kept in the data directory) signs [`Checkpoint`]s: the head of
//! the chain at an entry. Once signed, the log up to that entry cannot be rewritten without the
//! key, even consistently. An [`Excerpt`] carries a run of entries, the entries that link it to
//! the next checkpoint, and that checkpoint, so that [`verify_excerpt`] can prove to an outsider
//! holding only the excerpt and the public key that the run belongs to the signed log.

mod excerpt;
mod signing;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use probity_model::Timestamp;

pub use ed25519_dalek::VerifyingKey;
pub use excerpt::{Excerpt, VerifiedExcerpt, verify_excerpt};
pub use signing::{
    Checkpoint, KEY_FILE, PUBLIC_KEY_FILE, Signer, key_id, parse_public_key, public_key_hex,
    verify_checkpoint,
};

/// Errors from the signing key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("audit signing key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("no randomness for a new signing key: {0}")]
    Random(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The hash the first entry commits to.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// What happened, before it is chained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub time: Timestamp,
    /// Who: an account (`analyst:jdoe`), a token (`token:winlogbeat`), or the command line
    /// (`cli:root`).
    pub actor: String,
    /// What, as a dotted name: `reference.load`, `alert.dismiss`, `identity.reveal`…
    pub action: String,
    /// What it was done to (`staff`, an alert id, a case number).
    pub target: String,
    /// Anything else worth keeping (counts, reasons, file names). No content, no secrets.
    #[serde(default)]
    pub details: Value,
}

/// An action in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first entry, then one more each time.
    pub seq: u64,
    #[serde(flatten)]
    pub action: Action,
    /// The previous entry's hash ([`GENESIS`] for the first), hex.
    pub prev: String,
    /// This entry's hash, hex.
    pub hash: String,
}

/// Serialises the parts of an entry that its hash covers, in a fixed order.
fn canonical(seq: u64, action: &Action) -> Vec<u8> {
    // serde_json writes object keys in the order given here and maps in key order, so the same
    // entry always gives the same bytes.
    let value = serde_json::json!([
        seq,
        action
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        action.actor,
        action.action,
        action.target,
        action.details,
    ]);
    serde_json::to_vec(&value).unwrap_or_default()
}

fn entry_hash(prev: &[u8; 32], seq: u64, action: &Action) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical(seq, action));
    hasher.finalize().into()
}

/// Chains `action` after the entry whose hash is `prev` (and whose number is `seq - 1`).
pub fn chain(prev: &[u8; 32], seq: u64, action: Action) -> Entry {
    let hash = entry_hash(prev, seq, &action);
    Entry {
        seq,
        action,
        prev: hex::encode(prev),
        hash: hex::encode(hash),
    }
}

impl Entry {
    /// This entry's hash as bytes (zero if it is not valid hex, which [`verify`] reports).
    pub fn hash_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        if hex::decode_to_slice(&self.hash, &mut out).is_err() {
            return [0u8; 32];
        }
        out
    }
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's number is not one more than the one before (deleted, inserted or reordered).
    Sequence { at: u64, expected: u64 },
    /// The entry does not name the previous entry's hash.
    Link { at: u64 },
    /// The entry's hash does not match its content (edited).
    Content { at: u64 },
    /// The signed checkpoint at entry `seq` does not hold.
    Checkpoint { seq: u64, fault: CheckpointFault },
}

/// What is wrong with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointFault {
    /// The signature does not match the checkpoint's content under its key.
    Signature,
    /// Signed by a key other than the one trusted.
    Key { key_id: String },
    /// The signed head is not the stored hash of the entry it names.
    Head,
    /// The entry it names is not in the log.
    MissingEntry,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Sequence { at, expected } => write!(
                f,
                "entry {at} follows entry {}: entries are missing, added or out of order",
                expected.saturating_sub(1)
            ),
            Break::Link { at } => write!(
                f,
                "entry {at} does not commit to the entry before it: an earlier entry was changed or removed"
            ),
            Break::Content { at } => {
                write!(f, "entry {at} does not match its own hash: it was edited")
            }
            Break::Checkpoint { seq, fault } => {
                write!(f, "the checkpoint at entry {seq} ")?;
                match fault {
                    CheckpointFault::Signature => write!(
                        f,
                        "does not match its signature: the checkpoint was altered or forged"
                    ),
                    CheckpointFault::Key { key_id } => write!(
                        f,
                        "is signed by key {key_id}, not the trusted key: it was forged or the key replaced"
                    ),
                    CheckpointFault::Head => write!(
                        f,
                        "signed a different hash for entry {seq}: entries up to {seq} were changed after they were signed"
                    ),
                    CheckpointFault::MissingEntry => write!(
                        f,
                        "names an entry that is not in the log: entries were removed from the end"
                    ),
                }
            }
        }
    }
}

/// The result of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// The hash of the last entry, hex: publish it, and anyone can later check the log still
    /// leads to it.
    pub head: String,
    /// Signed checkpoints checked (0 from [`verify`], which sees entries only).
    pub checkpoints: u64,
    /// The latest signed checkpoint, if any was checked.
    pub last_checkpoint: Option<Checkpoint>,
}

/// Checks entries, in order, from the start of the log (`after` = [`GENESIS`], `first_seq` = 1)
/// or from a known good entry. Returns the first break.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    after: [u8; 32],
    first_seq: u64,
) -> Result<Verified, Break> {
    let mut prev = after;
    let mut count = 0;
    for (expected, entry) in (first_seq..).zip(entries) {
        if entry.seq != expected {
            return Err(Break::Sequence {
                at: entry.seq,
                expected,
            });
        }
        if entry.prev != hex::encode(prev) {
            return Err(Break::Link { at: entry.seq });
        }
        let hash = entry_hash(&prev, entry.seq, &entry.action);
        if entry.hash != hex::encode(hash) {
            return Err(Break::Content { at: entry.seq });
        }
        prev = hash;
        count += 1;
    }
    Ok(Verified {
        entries: count,
        head: hex::encode(prev),
        checkpoints: 0,
        last_checkpoint: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn action(n: u64) -> Action {
        Action {
            time: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
            actor: "cli:test".into(),
            action: "reference.load".into(),
            target: format!("staff-{n}"),
            details: serde_json::json!({"rows": n}),
        }
    }

    pub(crate) fn log(n: u64) -> Vec<Entry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let entry = chain(&prev, seq, action(seq));
                prev = entry.hash_bytes();
                entry
            })
            .collect()
    }

    #[test]
    fn an_intact_log_verifies_and_every_kind_of_tampering_is_found() {
        let entries = log(5);
        let ok = verify(&entries, GENESIS, 1).unwrap();
        assert_eq!(ok.entries, 5);
        assert_eq!(ok.head, entries[4].hash);

        let mut edited = entries.clone();
        edited[2].action.target = "someone else".into();
        assert_eq!(verify(&edited, GENESIS, 1), Err(Break::Content { at: 3 }));

        let mut deleted = entries.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, GENESIS, 1),
            Err(Break::Sequence { at: 3, expected: 2 })
        );

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert!(verify(&reordered, GENESIS, 1).is_err());

        // Re-hashing an edited entry does not help: the next entry no longer links to it.
        let mut rehashed = entries.clone();
        rehashed[2].action.target = "someone else".into();
        let prev = rehashed[1].hash_bytes();
        rehashed[2] = chain(&prev, 3, rehashed[2].action.clone());
        assert_eq!(verify(&rehashed, GENESIS, 1), Err(Break::Link { at: 4 }));

        // Verifying from a known good entry.
        let tail = verify(&entries[3..], entries[2].hash_bytes(), 4).unwrap();
        assert_eq!(tail.entries, 2);
    }

    proptest! {
        #[test]
        fn any_single_edit_is_detected(n in 2u64..20, at in 0usize..20, text in "[a-z]{1,8}") {
            let mut entries = log(n);
            let at = at % entries.len();
            prop_assume!(entries[at].action.actor != text);
            entries[at].action.actor = text;
            prop_assert!(verify(&entries, GENESIS, 1).is_err());
        }
    }
}

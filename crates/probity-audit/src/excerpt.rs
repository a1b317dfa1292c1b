//! Excerpts: a run of entries that an outsider can check against a signed checkpoint, holding only
//! the excerpt and the log's public key.
//!
//! The entries chain from `anchor` (the hash of the entry before the first, or [`GENESIS`] when
//! the excerpt starts at entry 1). `proof` carries the entries after the excerpt up to the
//! checkpoint's entry, so that the chain can be followed all the way to the signed head: the
//! signature fixes the head, the head fixes every entry before it.

use serde::{Deserialize, Serialize};

use crate::signing::{Checkpoint, key_id, parse_public_key, verify_checkpoint};
use crate::{Entry, GENESIS, verify};

/// A run of audit entries with what is needed to prove they belong to the signed log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excerpt {
    /// The entries asked for, in order.
    pub entries: Vec<Entry>,
    /// The hash of the entry before the first (hex); [`GENESIS`] for entry 1.
    pub anchor: String,
    /// The entries after the last of `entries` up to and including the checkpoint's entry.
    #[serde(default)]
    pub proof: Vec<Entry>,
    /// The first signed checkpoint at or after the last entry, if one has been made yet.
    pub checkpoint: Option<Checkpoint>,
    /// The signing key (hex) of the checkpoint; empty when there is no checkpoint.
    pub public_key: String,
}

/// What a valid excerpt shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedExcerpt {
    /// The first and last entry numbers of the excerpt proper.
    pub first: u64,
    pub last: u64,
    /// Entries in the excerpt proper (not counting the proof).
    pub entries: u64,
    /// The checkpoint whose signature was checked; `None` means the entries are consistent with
    /// each other but nothing signed vouches for them yet.
    pub checkpoint: Option<Checkpoint>,
    /// The id of the key that signed the checkpoint.
    pub key_id: Option<String>,
}

/// Checks an excerpt: its entries chain from the anchor, the proof continues the chain, and the
/// checkpoint is validly signed by `public_key` over the chain's end. Says what is wrong.
///
/// The public key is taken from the excerpt: compare [`VerifiedExcerpt::key_id`] (or the key
/// itself) with the one the log's keeper published.
pub fn verify_excerpt(excerpt: &Excerpt) -> Result<VerifiedExcerpt, String> {
    let (Some(first), Some(last)) = (excerpt.entries.first(), excerpt.entries.last()) else {
        return Err("the excerpt holds no entries".into());
    };
    let mut anchor = [0u8; 32];
    hex::decode_to_slice(&excerpt.anchor, &mut anchor)
        .map_err(|_| "the anchor is not 64 hex digits".to_string())?;
    if first.seq == 0 {
        return Err("entries are numbered from 1; the excerpt starts at 0".into());
    }
    if first.seq == 1 && anchor != GENESIS {
        return Err("the excerpt starts at entry 1 but its anchor is not the genesis hash".into());
    }
    let chained = verify(&excerpt.entries, anchor, first.seq)
        .map_err(|broken| format!("in the excerpt: {broken}"))?;
    let mut head = last.hash_bytes();
    let mut end = last.seq;
    if let Some(proof_last) = excerpt.proof.last() {
        verify(&excerpt.proof, head, last.seq + 1)
            .map_err(|broken| format!("in the proof after the excerpt: {broken}"))?;
        head = proof_last.hash_bytes();
        end = proof_last.seq;
    }
    let Some(checkpoint) = &excerpt.checkpoint else {
        if !excerpt.proof.is_empty() {
            return Err("the excerpt carries proof entries but no checkpoint".into());
        }
        return Ok(VerifiedExcerpt {
            first: first.seq,
            last: last.seq,
            entries: chained.entries,
            checkpoint: None,
            key_id: None,
        });
    };
    let key = parse_public_key(&excerpt.public_key)
        .map_err(|reason| format!("the excerpt's public key: {reason}"))?;
    if !verify_checkpoint(checkpoint, &key) {
        return Err(format!(
            "the checkpoint at entry {} is not validly signed by key {}",
            checkpoint.seq,
            key_id(&key)
        ));
    }
    if checkpoint.seq != end {
        return Err(format!(
            "the checkpoint is for entry {} but the excerpt and its proof end at entry {end}",
            checkpoint.seq
        ));
    }
    if checkpoint.head != hex::encode(head) {
        return Err(format!(
            "the chain does not lead to the signed head at entry {end}: entries were changed"
        ));
    }
    Ok(VerifiedExcerpt {
        first: first.seq,
        last: last.seq,
        entries: chained.entries,
        checkpoint: Some(checkpoint.clone()),
        key_id: Some(key_id(&key)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{Signer, public_key_hex};
    use crate::tests::log;
    use chrono::{TimeZone, Utc};

    fn excerpt(from: usize, to: usize, log_len: u64) -> (Excerpt, Signer) {
        let entries = log(log_len);
        let signer = Signer::from_bytes(&[3u8; 32]);
        let last = entries.last().unwrap();
        let checkpoint = signer.sign(
            last.seq,
            &last.hash_bytes(),
            Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
        );
        let anchor = if from == 1 {
            hex::encode(GENESIS)
        } else {
            entries[from - 2].hash.clone()
        };
        let excerpt = Excerpt {
            entries: entries[from - 1..to].to_vec(),
            anchor,
            proof: entries[to..].to_vec(),
            checkpoint: Some(checkpoint),
            public_key: public_key_hex(&signer.verifying_key()),
        };
        (excerpt, signer)
    }

    #[test]
    fn an_excerpt_with_proof_verifies_and_any_change_is_found() {
        let (good, signer) = excerpt(3, 5, 8);
        let verified = verify_excerpt(&good).unwrap();
        assert_eq!((verified.first, verified.last, verified.entries), (3, 5, 3));
        assert_eq!(verified.key_id.as_deref(), Some(signer.key_id()));

        let mut edited = good.clone();
        edited.entries[1].action.details = serde_json::json!({"rows": 99});
        assert!(verify_excerpt(&edited).unwrap_err().contains("entry 4"));

        // Re-hashing the edited entry and everything after it still misses the signed head.
        let mut rehashed = good.clone();
        rehashed.entries[2].action.target = "other".into();
        let mut prev = rehashed.entries[1].hash_bytes();
        for entry in rehashed.entries[2..]
            .iter_mut()
            .chain(rehashed.proof.iter_mut())
        {
            *entry = crate::chain(&prev, entry.seq, entry.action.clone());
            prev = entry.hash_bytes();
        }
        assert!(
            verify_excerpt(&rehashed)
                .unwrap_err()
                .contains("signed head")
        );

        let mut short_proof = good.clone();
        short_proof.proof.pop();
        assert!(verify_excerpt(&short_proof).is_err());

        let mut other_key = good.clone();
        other_key.public_key = public_key_hex(&Signer::from_bytes(&[4u8; 32]).verifying_key());
        assert!(verify_excerpt(&other_key).unwrap_err().contains("signed"));

        let mut wrong_anchor = good.clone();
        wrong_anchor.anchor = hex::encode([1u8; 32]);
        assert!(verify_excerpt(&wrong_anchor).is_err());

        let mut no_checkpoint = good.clone();
        no_checkpoint.checkpoint = None;
        assert!(verify_excerpt(&no_checkpoint).is_err());
        no_checkpoint.proof.clear();
        assert_eq!(verify_excerpt(&no_checkpoint).unwrap().checkpoint, None);
    }

    #[test]
    fn an_excerpt_from_the_start_needs_the_genesis_anchor() {
        let (good, _) = excerpt(1, 8, 8);
        assert!(good.proof.is_empty());
        assert_eq!(verify_excerpt(&good).unwrap().entries, 8);
        let mut fake = good;
        fake.anchor = hex::encode([2u8; 32]);
        assert!(verify_excerpt(&fake).unwrap_err().contains("genesis"));
    }

    #[test]
    fn an_excerpt_survives_json() {
        let (good, _) = excerpt(2, 4, 6);
        let text = serde_json::to_string(&good).unwrap();
        let back: Excerpt = serde_json::from_str(&text).unwrap();
        assert_eq!(back, good);
        assert!(verify_excerpt(&back).is_ok());
    }
}

//! Probity's storage: what is kept, behind traits that every backend implements.
//!
//! - [`EventStore`]: events (append-only, deduplicated by content id) and dead letters.
//! - [`AlertStore`]: alerts raised by detections.
//! - [`TokenStore`]: ingest and API tokens, kept only as hashes.
//! - [`Writer`]: the group-commit front of an [`EventStore`]: many concurrent producers (HTTP
//!   requests, syslog connections) hand over batches, one thread commits them together, and each
//!   producer is told only once its events are durable. Its queue is bounded, so overload is
//!   answered with [`Overloaded`] rather than by growing memory.
//!
//! The embedded backend is [`sqlite::SqliteStore`]. The behaviour every backend must show is written
//! once, in [`testsuite`], and run against each.

mod encoded;
mod error;
mod purge;
pub mod sqlite;
pub mod testsuite;
mod tokens;
mod writer;

pub use encoded::{EncodedEvent, tokenize};
pub use error::{Error, Result};
pub use purge::{PurgeClass, UnknownPurgeClass};
pub use tokens::{Scope, Secret, TokenInfo, hash_secret, new_secret};
pub use writer::{
    BusySignal, MaintainerGuard, Overloaded, Receipt, Refused, Writer, WriterConfig,
    spawn_maintainer, writer_busy,
};

use probity_model::{Alert, DeadLetter, Event, EventRef, Level, Timestamp};

/// What an append did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Events newly stored.
    pub inserted: u64,
    /// Events already stored (same id), skipped.
    pub duplicates: u64,
    /// Dead letters stored.
    pub dead_letters: u64,
}

impl AppendOutcome {
    pub fn add(&mut self, other: AppendOutcome) {
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
        self.dead_letters += other.dead_letters;
    }
}

/// Which events to return. All conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Events at or after this time.
    pub since: Option<Timestamp>,
    /// Events before this time.
    pub until: Option<Timestamp>,
    /// `user.name`, compared case-insensitively.
    pub user: Option<String>,
    /// `event.action` or `record.action`, compared case-insensitively.
    pub action: Option<String>,
    /// Words that must all appear in the event's text (see [`Event::search_text`]).
    pub text: Option<String>,
    /// At most this many events: the most recent ones, returned oldest first.
    pub limit: usize,
}

/// Which alerts to return. All conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// Alerts whose latest event is at or after this time.
    pub since: Option<Timestamp>,
    /// Alerts whose latest event is before this time.
    pub until: Option<Timestamp>,
    /// Alerts at this level or above.
    pub min_level: Option<Level>,
    /// Alerts of this rule.
    pub rule_id: Option<String>,
    /// At most this many: the most recent, oldest first.
    pub limit: usize,
}

/// A dead letter as stored, with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDeadLetter {
    pub seq: i64,
    pub letter: DeadLetter,
}

/// Counts for health and monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub events: u64,
    pub dead_letters: u64,
    pub alerts: u64,
}

/// Durable storage of events and dead letters.
///
/// `append` returns only once everything it was given is durable: a crash after it returns loses
/// nothing. Events are deduplicated by [`probity_model::EventId`] together with their time.
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Stores events and dead letters in one durable transaction.
    fn append(&self, events: &[EncodedEvent], dead_letters: &[DeadLetter])
    -> Result<AppendOutcome>;

    /// Events matching `query`: the most recent `query.limit`, oldest first.
    fn query(&self, query: &EventQuery) -> Result<Vec<Event>>;

    /// Dead letters, most recent first.
    fn dead_letters(&self, limit: usize) -> Result<Vec<StoredDeadLetter>>;

    /// The dead letter of sequence number `seq`, if there is one.
    fn dead_letter(&self, seq: i64) -> Result<Option<StoredDeadLetter>>;

    fn counts(&self) -> Result<StoreCounts>;

    /// The stored events these refer to, in the order given; references to events not stored are
    /// skipped.
    fn events_by_ref(&self, refs: &[EventRef]) -> Result<Vec<Event>>;

    /// Up to `limit` events stored after journal position `after`, in the order they were stored,
    /// with their positions: how a detector follows the journal.
    fn read_journal(&self, after: i64, limit: usize) -> Result<Vec<(i64, Event)>>;

    /// The stored events with these ids, whatever their time, oldest first; ids not stored are
    /// skipped (an id stored at two times gives both). For what names an event by its id alone,
    /// such as a case's link to an event. It reads every stored id, so it is for occasional
    /// use (an evidence pack), not a hot path: this default reads the whole journal; a backend
    /// with an index holding the ids overrides it.
    fn events_by_id(&self, ids: &[probity_model::EventId]) -> Result<Vec<Event>> {
        const PAGE: usize = 10_000;
        let wanted: std::collections::HashSet<&probity_model::EventId> = ids.iter().collect();
        let mut found = Vec::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        let mut after = 0;
        loop {
            let page = self.read_journal(after, PAGE)?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            found.extend(
                page.into_iter()
                    .map(|(_, event)| event)
                    .filter(|event| wanted.contains(&event.provenance.id)),
            );
        }
        found.sort_by(|a, b| {
            a.timestamp
                .cmp(&b.timestamp)
                .then_with(|| a.provenance.id.cmp(&b.provenance.id))
        });
        Ok(found)
    }

    /// Background upkeep: builds search indexes for up to `budget` events and keeps the journal's
    /// files tidy. Returns how many events it indexed (0 when there is nothing left to do).
    /// Backends that index synchronously do nothing.
    fn maintain(&self, budget: u64) -> Result<u64> {
        let _ = budget;
        Ok(0)
    }

    /// Deletes stored data of `class` from before `before` (events and messages by event time,
    /// alerts by the time of their latest event, dead letters by arrival), except the events and
    /// alerts whose id (hex) is in `keep`: those on legal hold. Returns how many were deleted.
    fn purge(
        &self,
        class: PurgeClass,
        before: Timestamp,
        keep: &std::collections::HashSet<String>,
    ) -> Result<u64>;
}

/// Alerts raised by detections.
pub trait AlertStore: Send + Sync + std::fmt::Debug {
    /// Stores alerts durably; an alert whose id is already stored is skipped. Returns how many
    /// were new. With `cursor`, records in the same transaction that the named journal consumer
    /// has read up to that position, so that a restart neither misses nor repeats work.
    fn append_alerts(&self, alerts: &[Alert], cursor: Option<(&str, i64)>) -> Result<u64>;

    /// The journal position the named consumer has recorded (0 if none).
    fn cursor(&self, name: &str) -> Result<i64>;

    /// Alerts matching `query`: the most recent `query.limit`, oldest first.
    fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>>;

    /// The alert with this id, if stored. The default reads the most recent alerts; backends
    /// with an index on ids answer directly.
    fn alert(&self, id: &probity_model::AlertId) -> Result<Option<Alert>> {
        let recent = self.alerts(&AlertQuery {
            limit: 100_000,
            ..AlertQuery::default()
        })?;
        Ok(recent.into_iter().find(|alert| alert.id == *id))
    }
}

/// Most entries in one audit excerpt, and most entries in the proof that links it to a checkpoint.
pub const MAX_EXCERPT_ENTRIES: u64 = 100_000;

/// A signed checkpoint as stored, with the public key it was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub checkpoint: probity_audit::Checkpoint,
    /// The signer's public key, hex. Only as trustworthy as the store: compare its key id with the
    /// published one, or verify with a trusted key ([`verify_audit_with_key`]).
    pub public_key: String,
}

/// The tamper-evident audit log (see `probity-audit`), with its signed checkpoints.
pub trait AuditStore: Send + Sync + std::fmt::Debug {
    /// Appends an action to the chain, durably, and returns its entry.
    fn audit(&self, action: probity_audit::Action) -> Result<probity_audit::Entry>;

    /// Up to `limit` entries after number `after`, in order.
    fn audit_entries(&self, after: u64, limit: usize) -> Result<Vec<probity_audit::Entry>>;

    /// Signs the chain's head with `signer` if it moved since the last checkpoint (`None` when
    /// the log is empty or nothing was added). Refuses, with [`Error::AuditBroken`], to sign a
    /// chain that does not extend the previous checkpoint.
    fn checkpoint(
        &self,
        signer: &probity_audit::Signer,
        now: Timestamp,
    ) -> Result<Option<probity_audit::Checkpoint>>;

    /// Up to `limit` checkpoints at entries after number `after`, in order.
    fn checkpoints_after(&self, after: u64, limit: usize) -> Result<Vec<StoredCheckpoint>>;

    /// Every checkpoint, in order.
    fn checkpoints(&self) -> Result<Vec<probity_audit::Checkpoint>> {
        const PAGE: usize = 10_000;
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.checkpoints_after(after, PAGE)?;
            let Some(last) = page.last() else {
                return Ok(all);
            };
            after = last.checkpoint.seq;
            all.extend(page.into_iter().map(|stored| stored.checkpoint));
        }
    }

    /// Entries `from..=to`, with the proof linking them to the first checkpoint at or after `to`
    /// (see [`probity_audit::Excerpt`]). At most [`MAX_EXCERPT_ENTRIES`] entries, and as many in
    /// the proof.
    fn audit_excerpt(&self, from: u64, to: u64) -> Result<probity_audit::Excerpt> {
        if from == 0 || to < from {
            return Err(Error::Excerpt(format!(
                "entries {from} to {to} is not a range (entries are numbered from 1)"
            )));
        }
        if to - from >= MAX_EXCERPT_ENTRIES {
            return Err(Error::Excerpt(format!(
                "at most {MAX_EXCERPT_ENTRIES} entries at a time"
            )));
        }
        let entries = self.audit_entries(from - 1, usize::try_from(to - from + 1).unwrap_or(0))?;
        let complete = entries.len() as u64 == to - from + 1
            && entries.first().is_some_and(|e| e.seq == from)
            && entries.last().is_some_and(|e| e.seq == to);
        if !complete {
            return Err(Error::Excerpt(format!(
                "the log does not hold every entry from {from} to {to}"
            )));
        }
        let anchor = entries.first().map(|e| e.prev.clone()).unwrap_or_default();
        let signed = self
            .checkpoints_after(to - 1, 1)?
            .into_iter()
            .find(|stored| stored.checkpoint.seq >= to);
        let Some(signed) = signed else {
            return Ok(probity_audit::Excerpt {
                entries,
                anchor,
                proof: Vec::new(),
                checkpoint: None,
                public_key: String::new(),
            });
        };
        let proof_len = signed.checkpoint.seq - to;
        if proof_len > MAX_EXCERPT_ENTRIES {
            return Err(Error::Excerpt(format!(
                "the next checkpoint is {proof_len} entries after entry {to}; sign one \
                 (`probity audit checkpoint`) and export again"
            )));
        }
        let proof = self.audit_entries(to, usize::try_from(proof_len).unwrap_or(0))?;
        Ok(probity_audit::Excerpt {
            entries,
            anchor,
            proof,
            checkpoint: Some(signed.checkpoint),
            public_key: signed.public_key,
        })
    }
}

/// Verifies the whole audit chain held by `store`, reading it in pages, and every signed
/// checkpoint against the public key stored with it.
pub fn verify_audit(
    store: &dyn AuditStore,
) -> Result<std::result::Result<probity_audit::Verified, probity_audit::Break>> {
    verify_audit_with_key(store, None)
}

/// As [`verify_audit`]; with `trusted`, every checkpoint must also be signed by that key.
pub fn verify_audit_with_key(
    store: &dyn AuditStore,
    trusted: Option<&probity_audit::VerifyingKey>,
) -> Result<std::result::Result<probity_audit::Verified, probity_audit::Break>> {
    const PAGE: usize = 10_000;
    let mut prev = probity_audit::GENESIS;
    let mut next = 1u64;
    let mut total = 0u64;
    let mut checkpoints = CheckpointCursor::new(store);
    let mut checked = 0u64;
    let mut last_checkpoint = None;
    loop {
        let page = store.audit_entries(next - 1, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        if let Err(broken) = probity_audit::verify(&page, prev, next) {
            return Ok(Err(broken));
        }
        while let Some(stored) = checkpoints.next_up_to(last.seq)? {
            let seq = stored.checkpoint.seq;
            let entry = seq
                .checked_sub(next)
                .and_then(|index| page.get(usize::try_from(index).ok()?));
            let fault = match entry {
                Some(entry) => check_checkpoint(&stored, entry, trusted),
                None => Some(probity_audit::CheckpointFault::MissingEntry),
            };
            if let Some(fault) = fault {
                return Ok(Err(probity_audit::Break::Checkpoint { seq, fault }));
            }
            checked += 1;
            last_checkpoint = Some(stored.checkpoint);
        }
        total += page.len() as u64;
        next += page.len() as u64;
        prev = last.hash_bytes();
    }
    if let Some(stored) = checkpoints.next_up_to(u64::MAX)? {
        return Ok(Err(probity_audit::Break::Checkpoint {
            seq: stored.checkpoint.seq,
            fault: probity_audit::CheckpointFault::MissingEntry,
        }));
    }
    Ok(Ok(probity_audit::Verified {
        entries: total,
        head: hex::encode(prev),
        checkpoints: checked,
        last_checkpoint,
    }))
}

/// What is wrong with a stored checkpoint, given the stored entry it names.
fn check_checkpoint(
    stored: &StoredCheckpoint,
    entry: &probity_audit::Entry,
    trusted: Option<&probity_audit::VerifyingKey>,
) -> Option<probity_audit::CheckpointFault> {
    use probity_audit::CheckpointFault;
    let key = match trusted {
        Some(key) => *key,
        None => match probity_audit::parse_public_key(&stored.public_key) {
            Ok(key) => key,
            Err(_) => return Some(CheckpointFault::Signature),
        },
    };
    if trusted.is_some() && stored.checkpoint.key_id != probity_audit::key_id(&key) {
        return Some(CheckpointFault::Key {
            key_id: stored.checkpoint.key_id.clone(),
        });
    }
    if !probity_audit::verify_checkpoint(&stored.checkpoint, &key) {
        return Some(CheckpointFault::Signature);
    }
    if stored.checkpoint.head != entry.hash {
        return Some(CheckpointFault::Head);
    }
    None
}

/// Reads checkpoints in pages, in order.
struct CheckpointCursor<'a> {
    store: &'a dyn AuditStore,
    buffered: std::collections::VecDeque<StoredCheckpoint>,
    after: u64,
    exhausted: bool,
}

impl<'a> CheckpointCursor<'a> {
    fn new(store: &'a dyn AuditStore) -> Self {
        Self {
            store,
            buffered: std::collections::VecDeque::new(),
            after: 0,
            exhausted: false,
        }
    }

    /// The next checkpoint if it is at an entry no later than `seq`.
    fn next_up_to(&mut self, seq: u64) -> Result<Option<StoredCheckpoint>> {
        if self.buffered.is_empty() && !self.exhausted {
            let page = self.store.checkpoints_after(self.after, 1000)?;
            match page.last() {
                Some(last) => self.after = last.checkpoint.seq,
                None => self.exhausted = true,
            }
            self.buffered.extend(page);
        }
        if self
            .buffered
            .front()
            .is_some_and(|c| c.checkpoint.seq <= seq)
        {
            return Ok(self.buffered.pop_front());
        }
        Ok(None)
    }
}

/// Reference data (staff, rosters, tasking, watch lists…), one document per kind.
pub trait ReferenceStore: Send + Sync + std::fmt::Debug {
    /// Replaces the reference data of `kind` with `doc` (`rows` records), and records `action` in
    /// the audit log in the same transaction.
    fn replace_reference(
        &self,
        kind: &str,
        doc: &[u8],
        rows: u64,
        action: probity_audit::Action,
    ) -> Result<probity_audit::Entry>;

    /// The reference data of `kind`, if loaded.
    fn reference(&self, kind: &str) -> Result<Option<Vec<u8>>>;

    /// What is loaded: kind, rows, when.
    fn reference_kinds(&self) -> Result<Vec<(String, u64, Timestamp)>>;
}

/// Tokens for ingest clients and scripts. Only a hash of each secret is kept.
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// Creates a token; the secret is returned once and never stored.
    fn create_token(&self, name: &str, scope: Scope) -> Result<(TokenInfo, Secret)>;

    /// The live (not revoked) token whose secret this is.
    fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>>;

    fn list_tokens(&self) -> Result<Vec<TokenInfo>>;

    /// Revokes a token by name; false if there is no live token of that name.
    fn revoke_token(&self, name: &str) -> Result<bool>;
}

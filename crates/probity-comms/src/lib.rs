//! The communications stage: what happens to an email or chat message between decoding and the
//! store. Both ingest paths (the server's pipeline and `probity ingest`) run every decoded event
//! through one [`CommsStage`], so a message is treated the same whichever way it arrived.
//!
//! For a message (an event with `email.*` holding a body, a subject or attachment text, or a chat
//! message with values its decoder could not read, label `chat.unread_fields`), in order:
//!
//! 1. **Exclusions.** A message to or from a protected party (legal adviser, occupational health,
//!    staff association, welfare, whistleblowing) keeps its metadata only: its content is removed
//!    and it is tagged `content-excluded`. Nothing further inspects it. A match by a display name
//!    alone, beside addresses outside the force and not on the list, seals the message instead
//!    and raises a low, metadata-only alert ([`named`]): the sender writes the name. A message
//!    with a protected party held inside another (attached to it, or forwarded inline below a
//!    forwarding header block) has that part of its text sealed, and the rest goes on
//!    ([`forwarded`]).
//! 2. **Sealing.** A message with legal-privilege or medical cues has its body and attachment text
//!    (and the subject, where the cues are in it) encrypted with the data directory's seal key; only
//!    the sealed items (`original["probity.sealed"]`) and placeholders are stored, with the tag
//!    `content-sealed` and the label `privacy.sealed` naming why. It is not scanned.
//! 3. **Policies.** Anything else is scanned: the abuse policy over the subject, body and
//!    attachment text, and the wrongful-disclosure policy over the message. Each policy category
//!    found becomes one [`Alert`] (rule kind `content`, rule id `abuse/<category>` or
//!    `disclosure/<category>`). A text the abuse scanner could not read in full (past its size
//!    limit, or reached after the time a message's texts may take) is named in the label
//!    `content.unscanned` and the message tagged `content-partly-scanned`; sealing cues and the
//!    disclosure checks still read every text. So is a body the decoder cut at its size limit,
//!    and a chat message with values the decoder could not read (kept in `original` only).
//!
//! Other events pass untouched, at the cost of one check. See docs/communications.md.

pub mod deadletter;
pub mod forwarded;
pub mod journal;
pub mod named;
pub mod outside;
pub mod policy_record;
pub mod redact;
pub use deadletter::DeadLetterOutcome;
pub use forwarded::{ATTACHED_MESSAGES_KEY, FORWARDED_LABEL};
pub use redact::{Redactor, StaffDirectory};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use probity_content::{Prepared, Scanner};
use probity_model::{
    Alert, AlertId, AlertRule, DeadLetter, Email, Event, EventRef, Finding, Identity, MatchedField,
    Timestamp,
};
use probity_privacy::correspondents::Correspondents;
use probity_privacy::disclosure::{Disclosure, DisclosurePolicy};
use probity_privacy::exclusions::{self, Exclusions};
use probity_privacy::masking::Masker;
use probity_privacy::mentions::PartyMentions;
use probity_privacy::recipients::StaffPersonalAddresses;
use probity_privacy::sealing::{
    self, SEALED_KEY, SEALED_LABEL, SEALED_TAG, SealCues, SealKey, SealReason, Sealed,
};
use serde_json::{Map, Value};

/// The folder in the data directory that holds a force's own policy files.
pub const POLICY_DIR: &str = "policy";
/// The protected parties (`DATA/policy/exclusions.yaml`); the shipped list when absent.
pub const EXCLUSIONS_FILE: &str = "exclusions.yaml";
/// The wrongful-disclosure policy (`DATA/policy/disclosure.yaml`); the shipped one when absent.
pub const DISCLOSURE_FILE: &str = "disclosure.yaml";
/// The abuse policy (`DATA/policy/abuse.yaml`); the shipped one when absent.
pub const ABUSE_FILE: &str = "abuse.yaml";
/// The abuse lexicons (`DATA/policy/lexicons/*.yaml`); the shipped ones when absent.
pub const LEXICON_DIR: &str = "lexicons";
/// A force's own classifiers (`DATA/policy/models/`, as `probity comms train` writes them): each
/// of [`MODEL_FILES`] present replaces the shipped model of that name.
pub const MODEL_DIR: &str = "models";
/// The model files [`MODEL_DIR`] may hold. `misogyny-gate.bin` is used only with a
/// `misogyny.bin` beside it (a gate is trained for its own model); a local `misogyny.bin` without
/// one runs ungated.
pub const MODEL_FILES: [&str; 3] = ["abusive.bin", "misogyny.bin", "misogyny-gate.bin"];
/// The rule kind of every alert this stage raises.
pub const RULE_KIND: &str = "content";
/// The tag of a message whose content was withheld because sealing failed.
pub const WITHHELD_TAG: &str = "content-withheld";
/// The label saying why content was withheld.
pub const WITHHELD_LABEL: &str = "privacy.withheld";

/// How far above a text's first evidence a pasted table's heading row is looked for, in bytes,
/// when the evidence is shown: a table among prose whose heading row lies further above its
/// evidence is longer than any list a message pastes (a file of data, whose heading row opens
/// the text, is always read whole).
const TABLE_HEADING_REACH: usize = 64 * 1024;
/// The tag of a message with text the abuse scanner did not read in full.
pub const PARTLY_SCANNED_TAG: &str = "content-partly-scanned";
/// The label naming the texts, or the parts of texts, the abuse scanner did not read.
pub const UNSCANNED_LABEL: &str = "content.unscanned";

/// The decoders' label on a message whose body they cut at their size limit.
const BODY_CUT_LABEL: &str = "email.body_truncated";

/// What [`UNSCANNED_LABEL`] says of a body cut by the decoder.
const BODY_CUT_WORDS: &str = "email.body: cut at ingest's limit on a body's size (max_email_body_bytes); the rest was not read by any policy (the whole message is kept in dead-letter)";

/// The chat decoders' label naming the fields of a message whose values were of a type they
/// could not read (`probity_ingest::chat::UNREAD_LABEL`): those values are kept in `original`
/// only, and no policy reads them.
const UNREAD_LABEL: &str = "chat.unread_fields";
/// The decoders' label counting the attachments past their limit, which the event does not hold.
const ATTACHMENTS_CUT_LABEL: &str = "email.attachments_omitted";

/// The decoders' label on a message whose parts may be split in the wrong places.
const PARTS_MISREAD_LABEL: &str = "email.parts_misread";

/// What [`UNSCANNED_LABEL`] says of a message whose parts may be split in the wrong places.
const PARTS_MISREAD_WORDS: &str = "email: its parts may be split in the wrong places (a multipart boundary within a line), so some of its text may not have been read by any policy (the whole message is kept in dead-letter)";

/// The decoders' label counting the multiparts of a message past their limit whose preamble and
/// epilogue were not read.
const OUTSIDE_NOT_READ_LABEL: &str = "email.outside_parts_not_read";

/// The decoders' label counting the multiparts of a message (its own and those of the messages
/// attached to it in place) past their limit whose structure was not checked for multiparts never
/// closed or with no part, which hide the parts after them.
const NOT_CHECKED_LABEL: &str = "email.multiparts_not_checked";

/// The decoders' label on a message read only up to its thousandth message or digest type
/// (messages nested thousands deep), saying where it was cut.
const NESTED_CUT_LABEL: &str = "email.nested_messages_cut";

/// The decoders' label on a message whose header block was parsed without the fields past its
/// limit, saying how many.
const HEADERS_CUT_LABEL: &str = "email.headers_cut";

/// The decoders' label on a message with attached messages nested too deep to be read.
const TOO_DEEP_LABEL: &str = "email.attached_messages_too_deep";

/// The decoders' label on a message whose structure still needed mending when the rounds its
/// size allows ran out, or could not be read once mended, saying which parts may not have been
/// read.
const MENDING_UNFINISHED_LABEL: &str = "email.mending_unfinished";

/// The decoders' label on a message holding an archive whose files are not read (RAR), saying so.
const ARCHIVE_NOT_READ_LABEL: &str = "email.archive_not_read";

/// The decoders' label on a message with a preamble or epilogue past the part of it read.
const OUTSIDE_CUT_LABEL: &str = "email.outside_parts_cut";

/// The same for the header blocks of the message's parts, all together.
const PART_HEADERS_CUT_LABEL: &str = "email.part_headers_cut";

/// A message with no more text than this is scanned without timing: even text built to be slow
/// (about 3 MB/s) takes some 20 ms.
const UNTIMED_MESSAGE_BYTES: usize = 64 * 1024;

/// Most spans listed in one alert's matched fields and explanation.
const MAX_SPANS_PER_ALERT: usize = 20;
/// Deepest nesting of `Event::original` searched for content fields.
const MAX_ORIGINAL_DEPTH: usize = 32;

/// `Event::original` keys (any case, at any depth) that hold message content.
const CONTENT_KEYS: [&str; 9] = [
    "body",
    "bodypreview",
    "text",
    "content",
    "html",
    "preview",
    "snippet",
    "attachmenttext",
    "message",
];
/// `Event::original` keys (any case, at any depth) that hold a subject or topic.
const SUBJECT_KEYS: [&str; 5] = [
    "subject",
    "thread-topic",
    "topic",
    "chattopic",
    "conversation_name",
];

/// Why the stage could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An exclusion list, disclosure policy or the seal key could not be used.
    #[error(transparent)]
    Privacy(#[from] probity_privacy::Error),
    /// The abuse policy, a lexicon or a model could not be used.
    #[error(transparent)]
    Content(#[from] probity_content::Error),
    /// A policy file is larger than a policy file may be; it is not read.
    #[error("{path}: the file is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The largest a policy file may be.
        limit: usize,
    },
    /// A policy file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The stage's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the stage did with one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not a message (or one with no content): untouched.
    NotAMessage,
    /// With a protected party: content removed, nothing inspected.
    Excluded {
        /// The protected class.
        class: String,
        /// The low-severity, metadata-only alert raised where a member of staff also sent the
        /// message to a personal, own personal or press address ([`outside`]).
        alert: Option<Box<Alert>>,
    },
    /// Privileged or medical: content sealed, nothing inspected.
    Sealed {
        /// Why.
        reason: SealReason,
    },
    /// Sealing failed: content removed rather than stored in the clear.
    Withheld,
    /// Matched to a protected party by a display name alone, beside addresses outside the force
    /// and not on the exclusion list ([`named`]): content sealed (withheld where sealing
    /// failed), nothing inspected, and a metadata-only alert raised.
    NameOnly {
        /// The protected class of the list entry.
        class: String,
        /// Whether the content was sealed (`false`: sealing failed and it was withheld).
        sealed: bool,
        /// The low-severity alert naming the list entry and the address class.
        alert: Box<Alert>,
    },
    /// Scanned by the abuse and disclosure policies; the alerts raised (maybe none).
    Scanned(Vec<Alert>),
}

impl Outcome {
    /// The alerts raised: a scanned message's findings, and the metadata-only alerts of a message
    /// sealed for a protected name or excluded and also sent outside the force.
    pub fn into_alerts(self) -> Vec<Alert> {
        match self {
            Outcome::Scanned(alerts) => alerts,
            Outcome::NameOnly { alert, .. } => vec![*alert],
            Outcome::Excluded {
                alert: Some(alert), ..
            } => vec![*alert],
            _ => Vec::new(),
        }
    }
}

/// The communications policies, built once and shared by every ingest thread (`Send + Sync`).
/// Cloning copies the compiled policies (a few megabytes): it is for putting a new staff
/// directory in force without reading the policy files again ([`CommsStage::with_staff`]).
#[derive(Debug, Clone)]
pub struct CommsStage {
    exclusions: Exclusions,
    /// The protected parties looked for in the raw input of dead letters that are not messages.
    mentions: PartyMentions,
    cues: SealCues,
    key: SealKey,
    scanner: Scanner,
    disclosure: Disclosure,
    staff: StaffPersonalAddresses,
    /// Finds personal data around alert evidence, so that snippets cut none in two (staff are
    /// told apart only when the alert is shown).
    masker: Masker,
}

impl CommsStage {
    /// The stage for a data directory: its seal key (`DATA/seal.key`, created owner-only on first
    /// use) and the policy files in `DATA/policy/`, each falling back to the shipped default.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let (exclusions, scanner, disclosure) = policies(data_dir)?;
        let key = SealKey::load_or_create(data_dir)?;
        Self::new(exclusions, key, scanner, disclosure)
    }

    /// The stage for a data directory's policy files (each falling back to the shipped one) with a
    /// throwaway seal key, writing nothing: for trying the policies on messages without storing
    /// them (`probity comms check`). What it would seal is encrypted with a key nobody keeps.
    pub fn open_policies(data_dir: &Path) -> Result<Self> {
        let (exclusions, scanner, disclosure) = policies(data_dir)?;
        Self::new(exclusions, SealKey::generate()?, scanner, disclosure)
    }

    /// The protected-party exclusion a message would get (what matched included), without
    /// changing it.
    pub fn exclusion(&self, event: &Event) -> Option<exclusions::Exclusion> {
        if self.exclusions.checks_journal_senders()
            && event.original.contains_key(journal::ENVELOPE_ONLY_KEY)
        {
            // As the stage will see it: without what an untrusted journal report added.
            let mut checked = event.clone();
            journal::check_envelope_recipients(&self.exclusions, &mut checked);
            return self.exclusions.matches_event(&checked);
        }
        self.exclusions.matches_event(event)
    }

    /// A stage from its parts (for a force's own lexicons or for tests).
    pub fn new(
        exclusions: Exclusions,
        key: SealKey,
        scanner: Scanner,
        disclosure: Disclosure,
    ) -> Result<Self> {
        Ok(Self {
            mentions: PartyMentions::new(exclusions.parties())?,
            exclusions,
            cues: SealCues::new()?,
            key,
            // The cue words are looked for in the scanner's own pass (see `CommsStage::read`).
            scanner: scanner.watching(SealCues::filter_words())?,
            disclosure,
            staff: StaffPersonalAddresses::new(),
            masker: Masker::new(
                std::iter::empty::<&str>(),
                std::iter::empty::<&str>(),
                std::iter::empty::<&str>(),
            )?,
        })
    }

    /// Staff members' personal addresses, so that mail to the sender's own address is classed so.
    pub fn with_staff(mut self, staff: StaffPersonalAddresses) -> Self {
        self.staff = staff;
        self
    }

    /// Keeps a dead letter from storing protected content in the clear (see [`deadletter`]):
    /// the raw input of a message is dropped when its parties can be read and one is protected,
    /// and sealed otherwise; that of any other input is dropped when it mentions a protected
    /// party, sealed when it carries medical or privileged cues or is not text, and kept as
    /// received otherwise.
    pub fn guard_dead_letter(&self, letter: &mut DeadLetter) -> DeadLetterOutcome {
        let policies = deadletter::Guard {
            exclusions: &self.exclusions,
            mentions: &self.mentions,
            cues: &self.cues,
            key: &self.key,
        };
        deadletter::guard(&policies, letter)
    }

    /// Applies the stage to one decoded event before it is stored; returns the alerts to store
    /// once the event is durable.
    pub fn process(&self, event: &mut Event) -> Vec<Alert> {
        self.apply(event).into_alerts()
    }

    /// Like [`CommsStage::process`], saying what was done.
    pub fn apply(&self, event: &mut Event) -> Outcome {
        // The decoder's list of the messages held in attachments is for this stage alone: it
        // holds their headers, subjects included, and is not stored.
        // Only a message with attachments can hold one (the decoder writes the record only
        // then), and looking for the key in every message's `original` cost as much as the rest
        // of the inline-forward check.
        let held = if event
            .email
            .as_ref()
            .is_some_and(|email| !email.attachments.is_empty())
        {
            forwarded::take_held(&mut event.original)
        } else {
            Vec::new()
        };
        // A chat message whose only text could not be read (an object as a Teams `body.content`)
        // has no content to inspect, but it is a message all the same: it goes through the
        // exclusions, and is marked partly scanned below, so that an analyst sees it.
        // What a journal report's envelope added is checked against where reports come from
        // before anything reads the recipients (and the decoder's record of it is not stored).
        if event.labels.contains_key(journal::ENVELOPE_ONLY_LABEL) {
            journal::check_envelope_recipients(&self.exclusions, event);
        }
        let unread = event.labels.get(UNREAD_LABEL).cloned();
        let Some(email) = event.email.as_ref() else {
            return Outcome::NotAMessage;
        };
        if !has_content(email) && unread.is_none() {
            // Nothing to read (a message of attachments no text could be taken from): still,
            // one with a protected party is marked so, and keeps no content in `original`.
            return match self.exclusions.matches_event(event) {
                Some(exclusion) => self.exclude(event, exclusion),
                None => Outcome::NotAMessage,
            };
        }
        // The exclusion list and the disclosure policy both read every correspondent: once.
        let mut correspondents = Correspondents::of(email);
        if let Some(exclusion) = self
            .exclusions
            .matches_event_read(event, &mut correspondents)
        {
            if let Some(found) = named::name_only(
                &self.exclusions,
                self.disclosure.recipients(),
                &self.staff,
                event,
                &exclusion,
            ) {
                return self.seal_named(event, &exclusion, &found);
            }
            return self.exclude(event, exclusion);
        }
        // A communication with a protected party held inside the message (an attached message
        // from occupational health) is sealed before anything reads the message; the rest is
        // read as usual.
        let protected = forwarded::protected_parts(&self.exclusions, event, &held);
        let read = if protected.is_empty() {
            self.read(event)
        } else {
            if let Err(error) = forwarded::seal_parts(event, &self.key, &protected) {
                withhold(event, &error.to_string());
                return Outcome::Withheld;
            }
            let Some(email) = event.email.as_ref() else {
                return Outcome::NotAMessage;
            };
            correspondents = Correspondents::of(email);
            self.read(event)
        };
        let (reason, in_subject) = match read {
            Read::Seal { reason, in_subject } => (reason, in_subject),
            Read::Scan(reading) => {
                let (alerts, unscanned) = self.scan(event, reading, &correspondents);
                // A body the decoder cut at its limit was read only as far as it was kept,
                // attachments past the decoder's limit not at all, and parts split in the wrong
                // places perhaps not in full.
                let cut = event.labels.contains_key(BODY_CUT_LABEL);
                let attachments_cut = event.labels.get(ATTACHMENTS_CUT_LABEL).map(|omitted| {
                    format!(
                        "email.attachments: {omitted} past ingest's limit on a message's attachments (max_attachments) were not read by any policy (the whole message is kept in dead-letter)"
                    )
                });
                let misread = event.labels.contains_key(PARTS_MISREAD_LABEL);
                let outside_cut = event.labels.get(OUTSIDE_NOT_READ_LABEL).map(|count| {
                    format!(
                        "email: the text outside the parts of {count} multiparts past ingest's limit was not read by any policy (the whole message is kept in dead-letter)"
                    )
                });
                let not_checked = event.labels.get(NOT_CHECKED_LABEL).map(|count| {
                    format!(
                        "email: the structure of {count} multiparts past ingest's limit was not checked, so parts it hides may not have been read by any policy (the whole message is kept in dead-letter)"
                    )
                });
                let nested_cut = event.labels.get(NESTED_CUT_LABEL).map(|why| {
                    format!(
                        "email: {why}; the rest was not read by any policy (the whole message is kept in dead-letter)"
                    )
                });
                let not_read = [
                    HEADERS_CUT_LABEL,
                    PART_HEADERS_CUT_LABEL,
                    TOO_DEEP_LABEL,
                    OUTSIDE_CUT_LABEL,
                    MENDING_UNFINISHED_LABEL,
                    ARCHIVE_NOT_READ_LABEL,
                ]
                .into_iter()
                .filter_map(|label| event.labels.get(label))
                .map(|why| {
                    format!("email: {why} by any policy (the whole message is kept in dead-letter)")
                })
                .collect::<Vec<String>>();
                if !unscanned.is_empty()
                    || cut
                    || unread.is_some()
                    || attachments_cut.is_some()
                    || misread
                    || outside_cut.is_some()
                    || not_checked.is_some()
                    || nested_cut.is_some()
                    || !not_read.is_empty()
                {
                    let limits = self.scanner.policy().limits;
                    let mut parts = Vec::with_capacity(4);
                    if cut {
                        parts.push(BODY_CUT_WORDS.to_owned());
                    }
                    if let Some(fields) = &unread {
                        parts.push(unread_words(fields));
                    }
                    parts.extend(attachments_cut);
                    if misread {
                        parts.push(PARTS_MISREAD_WORDS.to_owned());
                    }
                    parts.extend(outside_cut);
                    parts.extend(not_checked);
                    parts.extend(nested_cut);
                    parts.extend(not_read);
                    if !unscanned.is_empty() {
                        parts.push(describe_unscanned(&unscanned, &limits));
                    }
                    event
                        .labels
                        .insert(UNSCANNED_LABEL.to_owned(), parts.join("; "));
                    add_tag(event, PARTLY_SCANNED_TAG);
                }
                return Outcome::Scanned(alerts);
            }
        };
        match seal_message(event, &self.key, reason, in_subject) {
            Ok(()) => Outcome::Sealed { reason },
            Err(error) => {
                withhold(event, &error.to_string());
                Outcome::Withheld
            }
        }
    }

    /// Removes the content of a message with a protected party, raising the metadata-only alert
    /// where a member of staff also sent it outside the force ([`outside`]).
    fn exclude(&self, event: &mut Event, exclusion: exclusions::Exclusion) -> Outcome {
        let alert = outside::sent_outside(
            &self.exclusions,
            self.disclosure.recipients(),
            &self.staff,
            event,
            &exclusion,
        )
        .map(|found| {
            Box::new(outside::alert(
                event,
                &found,
                RULE_KIND,
                sender(event),
                Utc::now(),
            ))
        });
        exclusions::strip_content(event, &exclusion);
        scrub_original(&mut event.original, exclusion.strip_subject);
        Outcome::Excluded {
            class: exclusion.class,
            alert,
        }
    }

    /// Seals a message matched to a protected party by a name alone ([`named`]) and raises the
    /// alert for it.
    fn seal_named(
        &self,
        event: &mut Event,
        exclusion: &exclusions::Exclusion,
        found: &named::NameOnly,
    ) -> Outcome {
        let alert = named::alert(event, found, RULE_KIND, sender(event), Utc::now());
        event.labels.insert(
            named::NAMED_LABEL.to_owned(),
            format!("{}: {}", found.class, found.entry),
        );
        let reason = SealReason::ProtectedPartyName;
        let sealed = match seal_message(event, &self.key, reason, exclusion.strip_subject) {
            Ok(()) => true,
            Err(error) => {
                withhold(event, &error.to_string());
                false
            }
        };
        Outcome::NameOnly {
            class: found.class.clone(),
            sealed,
            alert: Box::new(alert),
        }
    }

    /// The longest a message's texts are scanned for (the abuse policy's limit).
    fn scan_budget(&self) -> Duration {
        Duration::from_millis(self.scanner.policy().limits.max_message_scan_millis)
    }

    /// One pass over each text serves both the sealing cues' word filter (the scanner watches for
    /// the cue words) and the abuse lexicon. Only when a text may hold a cue do the cue patterns
    /// run on it; a message to be sealed is dropped before anything is reported from it. Once
    /// the message's scanning time is spent, the texts left are read for sealing cues alone.
    fn read<'e>(&self, event: &'e Event) -> Read<'e> {
        let Some(email) = event.email.as_ref() else {
            return Read::Scan(Reading {
                texts: Vec::new(),
                late: Vec::new(),
            });
        };
        let (count, total) = texts_and_bytes(email);
        let texts = message_texts(email);
        let mut reading = Reading {
            texts: Vec::with_capacity(count),
            late: Vec::new(),
        };
        // Most messages are far too short to reach the limit, and reading the clock for each
        // would be a measurable part of their cost.
        let started = (total > UNTIMED_MESSAGE_BYTES).then(Instant::now);
        let budget = self.scan_budget();
        let mut reason: Option<SealReason> = None;
        let mut in_subject = false;
        for text in texts {
            let subject = text.subject;
            let detection = if started.is_some_and(|s| s.elapsed() >= budget) {
                // Past the time allowed: not scanned for abuse, but a cue still seals.
                let detection = self.cues.detect(text.text);
                reading.late.push(Unscanned::late(&text));
                detection
            } else {
                let prepared = self.scanner.prepare(text.text);
                let detection = if prepared.unscanned_bytes() > 0 {
                    // Past the scanner's size limit the watch says nothing: the filter reads it all.
                    self.cues.detect(text.text)
                } else {
                    self.cues.detect_prefiltered(text.text, prepared.watched())
                };
                reading.texts.push((text, prepared));
                detection
            };
            if let Some(detection) = detection {
                in_subject |= subject;
                // Privilege is the stronger claim: a message with both is sealed as privileged.
                reason = Some(reason.map_or(detection.reason, |r| r.min(detection.reason)));
            }
        }
        match reason {
            Some(reason) => Read::Seal { reason, in_subject },
            None => Read::Scan(reading),
        }
    }

    /// The alerts for one message (one per policy category found), and the texts or parts of
    /// texts the abuse scanner did not read, in message order.
    fn scan(
        &self,
        event: &Event,
        reading: Reading<'_>,
        correspondents: &Correspondents<'_>,
    ) -> (Vec<Alert>, Vec<Unscanned>) {
        let mut unscanned = Vec::new();
        let mut findings: Vec<Finding> = Vec::new();
        // A text begun in `read` is finished, whatever the time: it is at most the size limit.
        // Read in place: a prepared text is a few hundred bytes, not worth moving again.
        for (text, prepared) in &reading.texts {
            let report = self.scanner.report_findings(&text.field, prepared);
            if report.unscanned_bytes > 0 {
                unscanned.push(Unscanned {
                    field: text.field.clone().into_owned(),
                    bytes: report.unscanned_bytes,
                    late: false,
                });
            }
            findings.extend(report.findings);
        }
        // The texts left unread in `read` come after every text read there.
        unscanned.extend(reading.late);
        findings.extend(self.disclosure.check_read(correspondents, &self.staff));
        if findings.is_empty() {
            return (Vec::new(), unscanned);
        }
        // Read only for a message with findings: the clock is a measurable part of a short
        // message's cost.
        let now = Utc::now();
        let mut by_rule: BTreeMap<(String, String), Vec<Finding>> = BTreeMap::new();
        for finding in findings {
            by_rule
                .entry((finding.policy.clone(), finding.category.clone()))
                .or_default()
                .push(finding);
        }
        let alerts = by_rule
            .into_iter()
            .filter_map(|((policy, category), found)| {
                let found = self.evidence_shown(event, found);
                alert_for(event, &policy, &category, &found, now)
            })
            .collect();
        (alerts, unscanned)
    }
}

impl CommsStage {
    /// The findings' spans as an alert shows them: each span's context cut from its text so that
    /// no word or personal data is cut in two at its edges (a cut phone number or NHS number is
    /// not recognised when the alert is masked for showing), and evidence that is part of
    /// personal data recognised only with the words around it (a classifier's word "Karen" of
    /// "Dear Karen Whitfield", a date after "born") replaced by its placeholder, in the span and
    /// in the finding's `why`. The rest is masked when the alert is shown.
    fn evidence_shown(&self, event: &Event, mut findings: Vec<Finding>) -> Vec<Finding> {
        let Some(email) = event.email.as_ref() else {
            return findings;
        };
        let texts: Vec<MessageText<'_>> = message_texts(email).collect();
        // Where each text's evidence lies, so that its tables are looked for only there (and
        // in a stretch above it, where a pasted table's heading row stands) and at its start.
        let mut stretches: Vec<Option<(usize, usize)>> = vec![None; texts.len()];
        for span in findings.iter().flat_map(|finding| &finding.spans) {
            if let Some(index) = texts.iter().position(|t| t.field == span.field) {
                let stretch = stretches[index].get_or_insert((span.start, span.end));
                *stretch = (stretch.0.min(span.start), stretch.1.max(span.end));
            }
        }
        // Each text's table cells describing people, read once for all its evidence.
        let mut tables: Vec<Option<Vec<probity_privacy::masking::MaskedItem>>> =
            vec![None; texts.len()];
        for finding in &mut findings {
            for span in &mut finding.spans {
                let Some(index) = texts.iter().position(|t| t.field == span.field) else {
                    continue;
                };
                let text = texts[index].text;
                if text.get(span.start..span.end) != Some(span.text.as_str()) {
                    continue;
                }
                let table = tables[index].get_or_insert_with(|| {
                    let (from, to) = stretches[index].unwrap_or((span.start, span.end));
                    self.masker.table_items_within(
                        text,
                        from.saturating_sub(TABLE_HEADING_REACH),
                        to,
                    )
                });
                let (context, covering) = self.masker.evidence_among(
                    text,
                    table,
                    span.start,
                    span.end,
                    probity_privacy::text::CONTEXT_BYTES,
                );
                span.context = context;
                if let Some(kind) = covering {
                    let placeholder = kind.placeholder();
                    finding.why = finding
                        .why
                        .replace(&format!("\"{}\"", span.text), &format!("\"{placeholder}\""));
                    span.text = placeholder.to_owned();
                }
            }
        }
        findings
    }
}

/// A message's texts as read for scanning: those prepared, and those reached after the time
/// allowed.
struct Reading<'e> {
    texts: Vec<(MessageText<'e>, Prepared<'e>)>,
    late: Vec<Unscanned>,
}

/// A text, or the end of one, that the abuse scanner did not read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unscanned {
    field: String,
    bytes: usize,
    /// Reached after the time allowed (the whole text); otherwise past the size limit.
    late: bool,
}

impl Unscanned {
    fn late(text: &MessageText<'_>) -> Self {
        Unscanned {
            field: text.field.clone().into_owned(),
            bytes: text.text.len(),
            late: true,
        }
    }
}

/// The `content.unscanned` label: each text not read in full, and why.
fn describe_unscanned(unscanned: &[Unscanned], limits: &probity_content::policy::Limits) -> String {
    let parts: Vec<String> = unscanned
        .iter()
        .map(|u| {
            if u.late {
                format!(
                    "{} ({} bytes): not scanned, the message's texts had taken the {} ms allowed",
                    u.field, u.bytes, limits.max_message_scan_millis
                )
            } else {
                format!(
                    "{}: the {} bytes past the {}-byte limit per text not scanned",
                    u.field, u.bytes, limits.max_text_bytes
                )
            }
        })
        .collect();
    format!(
        "{} (sealing cues and disclosure checks read every text)",
        parts.join("; ")
    )
}

/// What [`UNSCANNED_LABEL`] says of values the decoder could not read.
fn unread_words(fields: &str) -> String {
    format!(
        "{UNREAD_LABEL} ({fields}): values of a type the decoder could not read, kept in original only; no policy read them"
    )
}

/// What reading a message's texts decided.
enum Read<'e> {
    /// Seal the message, for this reason; `in_subject`: the subject carries a cue.
    Seal {
        reason: SealReason,
        in_subject: bool,
    },
    /// Scan it: each text, read and matched against the lexicon.
    Scan(Reading<'e>),
}

/// One text of a message and the field name its findings carry.
struct MessageText<'e> {
    field: Cow<'static, str>,
    text: &'e str,
    subject: bool,
}

/// A data directory's policy files (`DATA/policy/`), each falling back to the shipped one.
fn policies(data_dir: &Path) -> Result<(Exclusions, Scanner, Disclosure)> {
    let policy_dir = data_dir.join(POLICY_DIR);
    let exclusions = match read_optional(&policy_dir.join(EXCLUSIONS_FILE))? {
        Some((what, yaml)) => Exclusions::from_yaml(&what, &yaml)?,
        None => Exclusions::defaults()?,
    };
    let disclosure = match read_optional(&policy_dir.join(DISCLOSURE_FILE))? {
        Some((what, yaml)) => Disclosure::new(DisclosurePolicy::from_yaml(&what, &yaml)?)?,
        None => Disclosure::with_defaults()?,
    };
    let scanner = abuse_scanner(&policy_dir, None)?;
    Ok((exclusions, scanner, disclosure))
}

/// The abuse scanner a data directory's stage uses: `DATA/policy/abuse.yaml`,
/// `DATA/policy/lexicons/` and `DATA/policy/models/`, each part falling back to the shipped one.
/// Reads nothing else and writes nothing (for measuring the policy on labelled texts,
/// `probity comms eval`).
pub fn abuse_scanner_for(data_dir: &Path) -> Result<Scanner> {
    abuse_scanner(&data_dir.join(POLICY_DIR), None)
}

/// As [`abuse_scanner_for`], with the classifiers taken from `models` (a folder laid out as
/// `DATA/policy/models/`) instead of the data directory's: for measuring models before they are
/// put in place.
pub fn abuse_scanner_with_models(data_dir: &Path, models: &Path) -> Result<Scanner> {
    if !models.is_dir() {
        return Err(Error::Read {
            path: models.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
        });
    }
    abuse_scanner(&data_dir.join(POLICY_DIR), Some(models))
}

/// The abuse scanner from `DATA/policy/abuse.yaml`, `DATA/policy/lexicons/` and the models
/// folder (`models`, else `DATA/policy/models/`), each part falling back to the shipped one.
fn abuse_scanner(policy_dir: &Path, models: Option<&Path>) -> Result<Scanner> {
    let policy_path = policy_dir.join(ABUSE_FILE);
    let lexicon_dir = policy_dir.join(LEXICON_DIR);
    let model_dir = models.map_or_else(|| policy_dir.join(MODEL_DIR), Path::to_path_buf);
    if !policy_path.exists() && !lexicon_dir.is_dir() && !model_dir.is_dir() {
        return Ok(Scanner::with_defaults()?);
    }
    let policy = if policy_path.exists() {
        probity_content::Policy::from_path(&policy_path)?
    } else {
        probity_content::Policy::defaults()?
    };
    let lexicon = if lexicon_dir.is_dir() {
        probity_content::Lexicon::from_dir(&lexicon_dir)?
    } else {
        probity_content::Lexicon::defaults()?
    };
    let (abusive, misogyny) = local_models(&model_dir)?;
    Ok(Scanner::new(policy, lexicon, Some(abusive), Some(misogyny)))
}

/// The abusive and misogyny classifiers: a force's own from `dir` where it has them, else the
/// shipped ones. Anything in `dir` that looks like a model but is not one of [`MODEL_FILES`] is
/// an error (a misspelt file would otherwise be silently ignored), as is a gate on its own.
fn local_models(dir: &Path) -> Result<(probity_content::Model, probity_content::Model)> {
    use probity_content::Model;
    if !dir.is_dir() {
        return Ok((Model::abusive()?, Model::misogyny()?));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".bin") && !MODEL_FILES.contains(&name.as_ref()) {
            return Err(probity_content::Error::Invalid {
                what: entry.path().display().to_string(),
                message: format!(
                    "not a model this folder may hold ({})",
                    MODEL_FILES.join(", ")
                ),
            }
            .into());
        }
    }
    let present = |file: &str| {
        let path = dir.join(file);
        path.is_file().then_some(path)
    };
    let abusive = match present(MODEL_FILES[0]) {
        Some(path) => Model::from_path(&path)?,
        None => Model::abusive()?,
    };
    let misogyny = match (present(MODEL_FILES[1]), present(MODEL_FILES[2])) {
        (Some(model), Some(gate)) => Model::from_path(&model)?.with_gate(Model::from_path(&gate)?),
        (Some(model), None) => Model::from_path(&model)?,
        (None, Some(gate)) => {
            return Err(probity_content::Error::Invalid {
                what: gate.display().to_string(),
                message: format!(
                    "a gate is used only with its own model, and there is no {} beside it",
                    MODEL_FILES[1]
                ),
            }
            .into());
        }
        (None, None) => Model::misogyny()?,
    };
    Ok((abusive, misogyny))
}

/// A file's path (for errors) and text, or `None` when there is no such file.
fn read_optional(path: &Path) -> Result<Option<(String, String)>> {
    // A file far over the size a policy needs is refused before it is read.
    if let Ok(metadata) = std::fs::metadata(path) {
        let limit = probity_model::policy_text::MAX_POLICY_BYTES;
        if metadata.len() > limit as u64 {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                size: metadata.len(),
                limit,
            });
        }
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Whether a message has anything to inspect.
fn has_content(email: &Email) -> bool {
    let filled = |text: &Option<String>| text.as_deref().is_some_and(|t| !t.trim().is_empty());
    filled(&email.body)
        || filled(&email.subject)
        || email.attachments.iter().any(|a| filled(&a.text))
}

/// The texts of a message with the field names findings carry, in order: the subject, the
/// body, each attachment's text. Made as they are read: most messages have two, and a list of
/// them was an allocation for every message.
fn message_texts(email: &Email) -> impl Iterator<Item = MessageText<'_>> {
    let subject = email.subject.as_deref().map(|subject| MessageText {
        field: Cow::Borrowed("email.subject"),
        text: subject,
        subject: true,
    });
    let body = email.body.as_deref().map(|body| MessageText {
        field: Cow::Borrowed("email.body"),
        text: body,
        subject: false,
    });
    let attachments = email.attachments.iter().filter_map(|attachment| {
        let text = attachment.text.as_deref()?;
        Some(MessageText {
            field: Cow::Owned(attachment_field(attachment.file.name.as_deref())),
            text,
            subject: false,
        })
    });
    subject.into_iter().chain(body).chain(attachments)
}

/// How many texts [`message_texts`] gives, and their bytes together.
fn texts_and_bytes(email: &Email) -> (usize, usize) {
    let texts = [email.subject.as_deref(), email.body.as_deref()]
        .into_iter()
        .chain(email.attachments.iter().map(|a| a.text.as_deref()))
        .flatten();
    texts.fold((0, 0), |(count, bytes), text| {
        (count + 1, bytes + text.len())
    })
}

fn attachment_field(name: Option<&str>) -> String {
    format!("attachment:{}", name.unwrap_or("unnamed"))
}

/// Encrypts the body and every attachment's text (and the subject, when it carries a cue), leaving
/// placeholders, and removes content kept in `original`.
fn seal_message(
    event: &mut Event,
    key: &SealKey,
    reason: SealReason,
    subject_too: bool,
) -> probity_privacy::Result<()> {
    let placeholder = reason.placeholder();
    let mut items: Vec<Sealed> = sealing::sealed_items(event);
    let Some(email) = event.email.as_mut() else {
        return Ok(());
    };
    let subject_before = email.subject.clone();
    if let Some(body) = email.body.as_mut() {
        items.push(sealing::seal(key, reason, "email.body", body)?);
        *body = placeholder.to_owned();
    }
    for attachment in &mut email.attachments {
        let field = attachment_field(attachment.file.name.as_deref());
        if let Some(text) = attachment.text.as_mut() {
            items.push(sealing::seal(key, reason, &field, text)?);
            *text = placeholder.to_owned();
        }
    }
    if subject_too && let Some(subject) = email.subject.as_mut() {
        items.push(sealing::seal(key, reason, "email.subject", subject)?);
        *subject = placeholder.to_owned();
    }
    // The decoders set the event's message to the subject; an event sent over HTTP may carry
    // anything there, the body's text included. It is sealed as the texts are, unless it is the
    // subject and the subject stays in the clear.
    if let Some(message) = event.message.as_mut()
        && message.as_str() != placeholder
    {
        if subject_before.as_deref() == Some(message.as_str()) {
            if subject_too {
                *message = placeholder.to_owned();
            }
        } else {
            items.push(sealing::seal(key, reason, "message", message)?);
            *message = placeholder.to_owned();
        }
    }
    scrub_original(&mut event.original, subject_too);
    let recorded = serde_json::to_value(&items)
        .map_err(|e| probity_privacy::Error::Seal(format!("cannot record: {e}")))?;
    event.original.insert(SEALED_KEY.to_owned(), recorded);
    add_sealed_reason(event, reason);
    add_tag(event, SEALED_TAG);
    Ok(())
}

/// Adds `reason` to the event's `privacy.sealed` label, after any reasons it names already (a
/// message with a forwarded protected letter sealed, then sealed whole for a medical cue).
fn add_sealed_reason(event: &mut Event, reason: SealReason) {
    let name = reason.name();
    match event.labels.get_mut(SEALED_LABEL) {
        Some(reasons) if reasons.split(',').any(|r| r == name) => {}
        Some(reasons) if !reasons.is_empty() => {
            reasons.push(',');
            reasons.push_str(name);
        }
        _ => {
            event
                .labels
                .insert(SEALED_LABEL.to_owned(), name.to_owned());
        }
    }
}

/// Removes every piece of content when sealing failed: nothing is stored in the clear.
fn withhold(event: &mut Event, why: &str) {
    if let Some(email) = event.email.as_mut() {
        email.body = None;
        email.subject = None;
        for attachment in &mut email.attachments {
            attachment.text = None;
        }
    }
    event.message = None;
    event.original.remove(SEALED_KEY);
    scrub_original(&mut event.original, true);
    event.labels.insert(
        WITHHELD_LABEL.to_owned(),
        format!("content should have been sealed but sealing failed: {why}"),
    );
    add_tag(event, WITHHELD_TAG);
}

fn add_tag(event: &mut Event, tag: &str) {
    if !event.tags.iter().any(|t| t == tag) {
        event.tags.push(tag.to_owned());
    }
}

/// Removes content fields (and subject fields, when asked) from the source's own fields, at any
/// depth: a chat record keeps its `text` and `attachments[].text` there, a Graph message its
/// `body.content`.
fn scrub_original(original: &mut Map<String, Value>, subject_too: bool) {
    scrub_object(original, subject_too, 0);
}

fn scrub_object(object: &mut Map<String, Value>, subject_too: bool, depth: usize) {
    object.retain(|key, _| {
        let lower = key.to_ascii_lowercase();
        let content = CONTENT_KEYS.contains(&lower.as_str());
        let subject = subject_too && SUBJECT_KEYS.contains(&lower.as_str());
        !(content || subject)
    });
    if depth >= MAX_ORIGINAL_DEPTH {
        return;
    }
    for value in object.values_mut() {
        scrub_value(value, subject_too, depth + 1);
    }
}

fn scrub_value(value: &mut Value, subject_too: bool, depth: usize) {
    match value {
        Value::Object(inner) => scrub_object(inner, subject_too, depth),
        Value::Array(items) if depth < MAX_ORIGINAL_DEPTH => {
            for item in items {
                scrub_value(item, subject_too, depth + 1);
            }
        }
        _ => {}
    }
}

/// One alert for the findings of one policy category in one message.
fn alert_for(
    event: &Event,
    policy: &str,
    category: &str,
    findings: &[Finding],
    now: Timestamp,
) -> Option<Alert> {
    let level = findings.iter().map(|f| f.severity).max()?;
    let rule = AlertRule {
        kind: RULE_KIND.to_owned(),
        id: format!("{policy}/{category}"),
        title: rule_title(policy, category),
        tags: vec![format!("policy.{policy}")],
    };
    let events = vec![EventRef {
        id: event.provenance.id,
        timestamp: event.timestamp,
    }];
    let spans: Vec<_> = findings
        .iter()
        .flat_map(|f| &f.spans)
        .take(MAX_SPANS_PER_ALERT)
        .collect();
    let mut explanation: Vec<String> = findings.iter().map(|f| f.why.clone()).collect();
    explanation.dedup();
    let mut explanation = explanation.join("; ");
    // Spans of one short text share its context: each passage is shown once.
    let mut shown: Vec<(&str, &str)> = Vec::with_capacity(spans.len());
    for span in &spans {
        let passage = (span.field.as_str(), span.context.as_str());
        if shown.contains(&passage) {
            continue;
        }
        shown.push(passage);
        explanation.push_str(&format!("\n{}: …{}…", span.field, span.context));
    }
    Some(Alert {
        id: AlertId::derive(&rule, &events),
        created: now,
        rule,
        level,
        explanation,
        matched: spans
            .iter()
            .map(|span| MatchedField {
                field: span.field.clone(),
                value: span.text.clone(),
            })
            .collect(),
        events,
        user: sender(event),
        host: None,
    })
}

fn rule_title(policy: &str, category: &str) -> String {
    let category = category.replace('_', " ");
    match policy {
        "abuse" => format!("Abusive message: {category}"),
        "disclosure" => format!("Possible wrongful disclosure: {category}"),
        other => format!("{other}: {category}"),
    }
}

/// The person who sent the message: the acting account, else the first sender address.
fn sender(event: &Event) -> Option<Identity> {
    if let Some(name) = event.user.as_ref().and_then(|u| u.name.clone()) {
        return Some(name);
    }
    event.email.as_ref()?.from.first().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count and bytes worked out before the texts are read are those of the texts read.
    #[test]
    fn texts_are_counted_as_they_are_read() {
        let attachment = |name: Option<&str>, text: Option<&str>| probity_model::Attachment {
            file: probity_model::File {
                name: name.map(str::to_owned),
                ..Default::default()
            },
            text: text.map(str::to_owned),
            extraction: None,
        };
        let full = Email {
            subject: Some("Subject".to_owned()),
            body: Some("The body, é".to_owned()),
            attachments: vec![
                attachment(Some("a.txt"), Some("first")),
                attachment(None, None),
                attachment(None, Some("")),
            ],
            ..Email::default()
        };
        let emails = [
            Email::default(),
            Email {
                body: Some("body alone".to_owned()),
                ..Email::default()
            },
            full,
        ];
        for email in &emails {
            let texts: Vec<MessageText<'_>> = message_texts(email).collect();
            let bytes = texts.iter().map(|t| t.text.len()).sum();
            assert_eq!(texts_and_bytes(email), (texts.len(), bytes));
        }
        let fields: Vec<String> = message_texts(&emails[2])
            .map(|t| t.field.into_owned())
            .collect();
        assert_eq!(
            fields,
            [
                "email.subject",
                "email.body",
                "attachment:a.txt",
                "attachment:unnamed"
            ]
        );
    }

    #[test]
    fn scrub_reaches_nested_content_and_keeps_metadata() {
        let mut original: Map<String, Value> = serde_json::from_str(
            r#"{"text":"hi","platform":"x","attachments":[{"name":"a.txt","text":"secret"}],
               "body":{"content":"c"},"conversation_name":"topic"}"#,
        )
        .unwrap_or_default();
        scrub_original(&mut original, false);
        let json = Value::Object(original.clone()).to_string();
        assert!(
            !json.contains("secret") && !json.contains("\"hi\""),
            "{json}"
        );
        assert!(json.contains("a.txt") && json.contains("topic"), "{json}");
        scrub_original(&mut original, true);
        assert!(!Value::Object(original).to_string().contains("topic"));
    }
}

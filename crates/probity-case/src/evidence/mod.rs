//! Evidence packs: a case exported as one ZIP file that a recipient can check without Probity.
//!
//! Layout (files in this order, sorted by path):
//! - `alerts/<id>.json`: each alert, readable.
//! - `audit/excerpt.json`: the audit log excerpt the caller supplies (a `probity_audit::Excerpt`,
//!   opaque bytes here).
//! - `case.json`: the case, its notes and links.
//! - `chain-of-custody.json`: who exported it and when, the case's state and authorisation, and
//!   each item's source and provenance.
//! - `events/original/<id>.txt`: the event in its original form: the bytes as received where the
//!   caller has them, otherwise the source's own fields as decoded (`Event::original`).
//! - `events/readable/<id>.json`: the event in Probity's model.
//! - `messages/<id>.eml`: a mail message's raw MIME, where the caller has it.
//! - `report.html` (self-contained) and `report.pdf`: timeline, alerts with explanations, notes,
//!   links.
//! - `manifest.json`: path, SHA-256 and size of every file above, and how many alerts and events
//!   the case has beside how many the pack holds ([`Coverage`]); `manifest.sha256`: the file
//!   hashes in `sha256sum` format, plus `manifest.json` itself, so that `sha256sum -c
//!   manifest.sha256` checks the whole pack.
//!
//! A pack is never silently incomplete: the caller gives the case's own counts
//! ([`PackInput::case_counts`]), and the manifest, the chain of custody and the report state them
//! beside the pack's, and say what is missing where the pack holds less (an event no longer in
//! the store).
//!
//! People appear as pseudonyms unless a reveal was approved ([`PackInput::identities`]).
//! Members of the public in message content and in the evidence of content alerts are masked
//! ([`PackContent::Masked`]), as in every analyst-facing view, unless someone allowed to unmask
//! asked for them as written with a reason ([`PackContent::Unmasked`], made by
//! [`Unmasking::new`]). Sealed (privileged, medical) content stays sealed either way: a pack holds
//! its placeholder and which fields were sealed and why, never the ciphertext.
//!
//! Only a case that an authorising officer authorised and that is still open (authorised or
//! investigating) can be exported. The caller checks [`check_export`] first and appends
//! [`export_action`] (and, for an unmasked pack, [`unmask_action`]) to the audit log after.

mod pdf;
mod report;
mod shown;

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use probity_model::{Alert, Event, Format, Timestamp};

use probity_access::{Permission, Principal};
use probity_audit::Action;

use crate::error::invalid;
use crate::{Case, CaseState, Error, Link, Note, Result};

pub use report::escape;
pub use shown::WITHHELD;

/// The most events one pack may hold.
pub const MAX_PACK_EVENTS: usize = 100_000;
/// The most alerts one pack may hold.
pub const MAX_PACK_ALERTS: usize = 10_000;
/// The most files [`verify`] reads from a pack.
pub const MAX_VERIFY_FILES: usize = 500_000;
/// The largest single file [`verify`] reads from a pack (decompressed).
pub const MAX_VERIFY_FILE_BYTES: u64 = 1 << 30;

/// Longest reason kept for an unmasked pack, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

/// The `Event::original` key under which the communications stage keeps a sealed message's
/// ciphertexts (`probity_privacy::sealing::SEALED_KEY`; a list of objects with `field`, `reason`,
/// `nonce` and `ciphertext`).
pub const SEALED_KEY: &str = "probity.sealed";

/// The manifest's file names.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The `sha256sum` form of the manifest.
pub const MANIFEST_SHA256: &str = "manifest.sha256";

/// Everything a pack is built from. The caller loads it (and checks `ExportEvidence`).
#[derive(Debug, Clone)]
pub struct PackInput {
    pub case: Case,
    pub notes: Vec<Note>,
    pub links: Vec<Link>,
    pub alerts: Vec<Alert>,
    pub events: Vec<Event>,
    /// The exporting account (as shown in the audit log).
    pub exported_by: String,
    pub exported_at: Timestamp,
    /// A serialised `probity_audit::Excerpt` covering the case's actions; written as given.
    pub audit_excerpt_json: Vec<u8>,
    /// How each identifier (account name, email address, record subject…) is shown: its
    /// pseudonym, or itself where a reveal was approved. Identifiers in typed fields that are not
    /// here are shown as [`WITHHELD`]; inside free text, the identifiers here are replaced
    /// wherever they occur (ignoring ASCII case).
    pub identities: BTreeMap<String, String>,
    /// Bytes as received, by event id (hex), where the caller still has them (a mail file).
    /// Written only to an unmasked pack: raw MIME (base64, quoted-printable) cannot be masked
    /// reliably, so a masked pack holds the decoded fields, masked, instead.
    pub originals: BTreeMap<String, Vec<u8>>,
    /// Whether members of the public are masked.
    pub content: PackContent,
    /// How many alerts the case links and how many events it rests on (those its alerts rest on
    /// and those linked to it directly, each once), counted by the caller before loading them:
    /// stated beside the pack's own counts, so that a pack that holds less says so.
    pub case_counts: Counts,
}

/// How many alerts and events: a case's, or a pack's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub alerts: usize,
    pub events: usize,
}

/// A pack's counts beside its case's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// What the case links (alerts) and rests on (events).
    pub case: Counts,
    /// What the pack holds.
    pub pack: Counts,
}

impl Coverage {
    /// Whether the pack holds everything the case has.
    pub fn complete(&self) -> bool {
        self.pack == self.case
    }

    /// In words, for the report: all of the case, or how much of it and what is missing.
    pub fn statement(&self) -> String {
        let Coverage { case, pack } = self;
        if self.complete() {
            return format!(
                "all {} of the case's events and all {} of its alerts",
                case.events, case.alerts
            );
        }
        format!(
            "{} of the case's {} events and {} of its {} alerts: {} events and {} alerts the \
             case links were not found in the store when the pack was built, and are not in it",
            pack.events,
            case.events,
            pack.alerts,
            case.alerts,
            case.events - pack.events,
            case.alerts - pack.alerts
        )
    }
}

/// Masks members of the public in what a pack shows. The server implements it with
/// `probity_comms::Redactor`, the masking of every analyst-facing view.
pub trait ContentMask: std::fmt::Debug + Send + Sync {
    /// Masks an event's message content: subject, body, attachment texts and names, and the
    /// decoder's copies of them in `original`.
    fn event(&self, event: &mut Event);
    /// Masks the quoted content in a content alert's explanation and evidence.
    fn alert(&self, alert: &mut Alert);
}

/// How a pack shows members of the public.
#[derive(Debug, Clone)]
pub enum PackContent {
    /// Masked, as every analyst-facing view shows them: what a pack holds unless someone allowed
    /// to unmask asks otherwise.
    Masked(Arc<dyn ContentMask>),
    /// As written, asked for within the case by someone holding `UnmaskContent`, with a reason.
    Unmasked(Unmasking),
}

impl PackContent {
    /// Whether members of the public are masked.
    pub fn is_masked(&self) -> bool {
        matches!(self, PackContent::Masked(_))
    }
}

/// A request to show members of the public as written in a pack: who asked and why. Made only by
/// [`Unmasking::new`], which checks the permission, so an unmasked pack cannot be built for
/// someone who may not unmask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmasking {
    by: String,
    reason: String,
}

impl Unmasking {
    /// `by` asks for members of the public as written, because of `reason` (trimmed, at most
    /// [`MAX_REASON_CHARS`]). Needs `UnmaskContent` and a reason.
    pub fn new(by: &Principal, reason: &str) -> Result<Self> {
        by.require(Permission::UnmaskContent)?;
        let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
        if reason.is_empty() {
            return invalid("say why members of the public must be shown as written in the pack");
        }
        Ok(Self {
            by: by.actor(),
            reason,
        })
    }

    /// Who asked (as shown in the audit log).
    pub fn by(&self) -> &str {
        &self.by
    }

    /// Why.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What [`build`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackSummary {
    /// Files in the pack, the two manifest files included.
    pub files: usize,
    pub events: usize,
    pub alerts: usize,
    /// The case's own counts (the pack's are `events` and `alerts`).
    pub case: Counts,
    /// SHA-256 of `manifest.json`: one value that pins the whole pack (worth recording in the
    /// audit log).
    pub manifest_sha256: String,
    /// Whether members of the public are masked in the pack.
    pub masked: bool,
}

/// One file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub algorithm: String,
    pub case: String,
    pub exported_at: Timestamp,
    /// Whether members of the public are masked in the pack (absent from packs made before this
    /// was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked: Option<bool>,
    /// How many alerts and events the case has and how many the pack holds (absent from packs
    /// made before this was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Coverage>,
    pub files: Vec<ManifestEntry>,
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Files whose hash was checked and matched.
    pub checked: usize,
    /// In the manifest but not in the pack.
    pub missing: Vec<String>,
    /// In the pack but not in the manifest.
    pub extra: Vec<String>,
    /// Present, but not what the manifest says.
    pub changed: Vec<String>,
    /// Anything else wrong (an unreadable manifest, the two manifests disagreeing).
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// Whether the pack is intact.
    pub fn ok(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.changed.is_empty()
            && self.problems.is_empty()
    }
}

/// Checks that `by` may export `case`'s evidence: `ExportEvidence`, and a case that an
/// authorising officer authorised and that is still open (authorised or investigating). A
/// proposed case has no authority behind it yet, a refused one never will, and a closed one's
/// authority is spent: like opening sealed content or a reveal, an export needs a live,
/// authorised case.
pub fn check_export(by: &Principal, case: &Case) -> Result<()> {
    by.require(Permission::ExportEvidence)?;
    check_exportable(case)
}

/// Refuses a case that is not authorised or investigating.
fn check_exportable(case: &Case) -> Result<()> {
    if matches!(case.state, CaseState::Authorised | CaseState::Investigating) {
        return Ok(());
    }
    Err(Error::State {
        id: case.id.clone(),
        state: case.state.as_str().to_owned(),
        reason: "evidence can be exported only from an authorised case that is still open".into(),
    })
}

/// The `evidence.export` audit action for a pack built by `by`, recording the manifest's hash
/// so that a recipient can check the pack they hold is the one exported, and whether members
/// of the public are masked in it.
pub fn export_action(by: &Principal, case: &Case, summary: &PackSummary, now: Timestamp) -> Action {
    Action {
        time: now,
        actor: by.actor(),
        action: "evidence.export".into(),
        target: case.id.clone(),
        details: json!({
            "files": summary.files,
            "events": summary.events,
            "alerts": summary.alerts,
            "case_events": summary.case.events,
            "case_alerts": summary.case.alerts,
            "manifest_sha256": summary.manifest_sha256,
            "masked": summary.masked,
        }),
    }
}

/// The `content.unmask` audit action for an unmasked pack: the case, who asked and why, what the
/// pack holds and its manifest's hash; never the content. Recorded beside [`export_action`].
pub fn unmask_action(
    unmasking: &Unmasking,
    case: &Case,
    summary: &PackSummary,
    now: Timestamp,
) -> Action {
    Action {
        time: now,
        actor: unmasking.by.clone(),
        action: "content.unmask".into(),
        target: case.id.clone(),
        details: json!({
            "case": case.id,
            "reason": unmasking.reason,
            "with": "evidence.export",
            "events": summary.events,
            "alerts": summary.alerts,
            "manifest_sha256": summary.manifest_sha256,
        }),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| Error::Pack(format!("encoding: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Adds `bytes` at `path`, or at `path` with a number before the extension if taken.
fn add_file(files: &mut BTreeMap<String, Vec<u8>>, path: String, bytes: Vec<u8>) {
    if let std::collections::btree_map::Entry::Vacant(slot) = files.entry(path.clone()) {
        slot.insert(bytes);
        return;
    }
    let (stem, ext) = path.rsplit_once('.').unwrap_or((path.as_str(), ""));
    let mut n = 2u32;
    loop {
        let candidate = format!("{stem}-{n}.{ext}");
        if let std::collections::btree_map::Entry::Vacant(slot) = files.entry(candidate) {
            slot.insert(bytes);
            return;
        }
        n += 1;
    }
}

/// Builds the pack and writes it as a ZIP to `out`. Refuses a case that is not authorised or
/// investigating (see [`check_export`]).
pub fn build(input: &PackInput, out: impl Write + Seek) -> Result<PackSummary> {
    check_exportable(&input.case)?;
    if input.events.len() > MAX_PACK_EVENTS || input.alerts.len() > MAX_PACK_ALERTS {
        return Err(Error::Pack(format!(
            "a pack holds at most {MAX_PACK_EVENTS} events and {MAX_PACK_ALERTS} alerts; \
             this one would hold {} events and {} alerts",
            input.events.len(),
            input.alerts.len()
        )));
    }
    let coverage = coverage(input);
    if coverage.pack.events > coverage.case.events || coverage.pack.alerts > coverage.case.alerts {
        return Err(Error::Pack(format!(
            "the pack would hold {} events and {} alerts, more than the {} events and {} alerts \
             the case was counted as having",
            coverage.pack.events, coverage.pack.alerts, coverage.case.events, coverage.case.alerts
        )));
    }
    let files = pack_files(input)?;
    write_zip(input, files, out)
}

/// The case's counts (as the caller gives them) beside the pack's.
fn coverage(input: &PackInput) -> Coverage {
    Coverage {
        case: input.case_counts,
        pack: Counts {
            alerts: input.alerts.len(),
            events: input.events.len(),
        },
    }
}

/// Every file of the pack except the two manifests, by path.
fn pack_files(input: &PackInput) -> Result<BTreeMap<String, Vec<u8>>> {
    let shown = shown::Shown::new(&input.identities);
    let mask = match &input.content {
        PackContent::Masked(mask) => Some(mask.as_ref()),
        PackContent::Unmasked(_) => None,
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // Sealed content leaves with its placeholder only; then members of the public are masked
    // (unless unmasked), then people are pseudonymised, as the workbench shows an event.
    let mut events: Vec<Event> = input
        .events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            withhold_sealed(&mut event);
            if let Some(mask) = mask {
                mask.event(&mut event);
            }
            shown.event(&event)
        })
        .collect();
    events.sort_by(|a, b| {
        a.timestamp
            .cmp(&b.timestamp)
            .then_with(|| a.provenance.id.cmp(&b.provenance.id))
    });
    let alerts: Vec<Alert> = input
        .alerts
        .iter()
        .map(|alert| {
            let mut alert = alert.clone();
            if let Some(mask) = mask {
                mask.alert(&mut alert);
            }
            shown.alert(&alert)
        })
        .collect();

    let mut items = Vec::with_capacity(events.len());
    for (event, original_event) in events.iter().zip(sorted_originals(&input.events)) {
        let id = event.provenance.id.to_hex();
        let raw = input.originals.get(&id);
        // Raw bytes cannot be masked reliably (an encoded body), nor sealed content taken out
        // of them: they go only into an unmasked pack of a message with nothing sealed.
        let sealed = original_event.original.contains_key(SEALED_KEY);
        let written = raw.filter(|_| mask.is_none() && !sealed);
        let original = match written {
            Some(bytes) => shown.text(&String::from_utf8_lossy(bytes)).into_bytes(),
            None => to_json(&json!({
                "provenance": event.provenance,
                "original": event.original,
            }))?,
        };
        add_file(&mut files, format!("events/original/{id}.txt"), original);
        add_file(
            &mut files,
            format!("events/readable/{id}.json"),
            to_json(event)?,
        );
        let is_mail = matches!(event.provenance.format, Format::Eml | Format::Mbox);
        if let (Some(bytes), true, true) = (written, event.email.is_some(), is_mail) {
            let mime = shown.text(&String::from_utf8_lossy(bytes)).into_bytes();
            add_file(&mut files, format!("messages/{id}.eml"), mime);
        }
        items.push(json!({
            "event": id,
            "time": event.timestamp,
            "source": event.provenance.source,
            "format": event.provenance.format,
            "ingested": event.provenance.ingested,
            "location": event.provenance.location,
            "original": if written.is_some() { "bytes as received" } else { "source fields as decoded" },
            "original_sha256_before_pseudonymisation": raw.map(|b| sha256_hex(b)),
            "readable_sha256_before_pseudonymisation": to_json(original_event).ok().map(|b| sha256_hex(&b)),
            "sealed": sealed,
        }));
    }
    for alert in &alerts {
        add_file(
            &mut files,
            format!("alerts/{}.json", alert.id.to_hex()),
            to_json(alert)?,
        );
    }
    add_file(
        &mut files,
        "case.json".into(),
        to_json(&json!({"case": input.case, "notes": input.notes, "links": input.links}))?,
    );
    let custody = json!({
        "case": {
            "id": input.case.id,
            "state": input.case.state,
            "created_by": input.case.created_by,
            "created_at": input.case.created_at,
            "authorised_by": input.case.authorised_by,
            "authorised_at": input.case.authorised_at,
            "legal_hold": input.case.legal_hold,
        },
        "exported_by": input.exported_by,
        "exported_at": input.exported_at,
        "generator": format!("probity {}", env!("CARGO_PKG_VERSION")),
        "people": {
            "shown_as": "pseudonyms, except identities revealed under an approved request",
            "revealed": shown.revealed(),
        },
        "content": content_statement(&input.content),
        "counts": coverage(input),
        "holds": coverage(input).statement(),
        "events": items,
        "alerts": alerts.iter().map(|a| json!({
            "alert": a.id.to_hex(),
            "rule": {"kind": a.rule.kind, "id": a.rule.id},
            "level": a.level,
            "created": a.created,
            "events": a.events.iter().map(|e| e.id.to_hex()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    add_file(
        &mut files,
        "chain-of-custody.json".into(),
        to_json(&custody)?,
    );
    add_file(
        &mut files,
        "audit/excerpt.json".into(),
        input.audit_excerpt_json.clone(),
    );
    let report = report::Report {
        case: &input.case,
        notes: &input.notes,
        links: &input.links,
        alerts: &alerts,
        events: &events,
        exported_by: &input.exported_by,
        exported_at: input.exported_at,
        content: content_line(&input.content),
        holds: coverage(input).statement(),
    };
    add_file(&mut files, "report.html".into(), report.html().into_bytes());
    let title = format!("Evidence pack {}", input.case.id);
    add_file(
        &mut files,
        "report.pdf".into(),
        pdf::render(&title, &report.lines())?,
    );
    Ok(files)
}

/// What the chain of custody says of the content: whether members of the public are masked
/// (and, if not, who asked and why), and how sealed content is carried.
fn content_statement(content: &PackContent) -> serde_json::Value {
    let sealed = "privileged and medical content sealed at ingest is withheld: its placeholder \
                  and which fields were sealed and why, not the ciphertext";
    match content {
        PackContent::Masked(_) => json!({
            "masked": true,
            "members_of_the_public": "masked (names, addresses, postcodes, phone numbers, email addresses, dates of birth, identifiers)",
            "sealed": sealed,
        }),
        PackContent::Unmasked(unmasking) => json!({
            "masked": false,
            "members_of_the_public": "shown as written",
            "unmasked_by": unmasking.by,
            "reason": unmasking.reason,
            "sealed": sealed,
        }),
    }
}

/// The report's line about the content.
fn content_line(content: &PackContent) -> String {
    match content {
        PackContent::Masked(_) => "masked".to_owned(),
        PackContent::Unmasked(unmasking) => format!(
            "shown as written, asked for by {}: {}",
            unmasking.by, unmasking.reason
        ),
    }
}

/// Takes a sealed message's ciphertexts out of its copy for the pack: the recipient learns which
/// fields were sealed and why (the placeholders stay in the text), and a pack never carries the
/// sealed content, even encrypted.
fn withhold_sealed(event: &mut Event) {
    let Some(value) = event.original.get_mut(SEALED_KEY) else {
        return;
    };
    let items = match value {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                json!({
                    "field": item.get("field").cloned().unwrap_or(serde_json::Value::Null),
                    "reason": item.get("reason").cloned().unwrap_or(serde_json::Value::Null),
                    "content": "withheld",
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    *value = serde_json::Value::Array(items);
}

/// The caller's events in the same order as the pseudonymised ones (by time, then id).
fn sorted_originals(events: &[Event]) -> Vec<&Event> {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| {
        a.timestamp
            .cmp(&b.timestamp)
            .then_with(|| a.provenance.id.cmp(&b.provenance.id))
    });
    sorted
}

fn write_zip(
    input: &PackInput,
    files: BTreeMap<String, Vec<u8>>,
    out: impl Write + Seek,
) -> Result<PackSummary> {
    let entries: Vec<ManifestEntry> = files
        .iter()
        .map(|(path, bytes)| ManifestEntry {
            path: path.clone(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        })
        .collect();
    let masked = input.content.is_masked();
    let manifest = Manifest {
        algorithm: "sha256".into(),
        case: input.case.id.clone(),
        exported_at: input.exported_at,
        masked: Some(masked),
        counts: Some(coverage(input)),
        files: entries.clone(),
    };
    let manifest_json = to_json(&manifest)?;
    let manifest_hash = sha256_hex(&manifest_json);
    let mut sums = String::new();
    for entry in &entries {
        sums.push_str(&format!("{}  {}\n", entry.sha256, entry.path));
    }
    sums.push_str(&format!("{manifest_hash}  {MANIFEST_JSON}\n"));

    let modified = zip_time(input.exported_at);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(out);
    let count = files.len() + 2;
    let events = input.events.len();
    for (path, bytes) in files {
        zip.start_file(path, options)?;
        zip.write_all(&bytes).map_err(zip::result::ZipError::Io)?;
    }
    zip.start_file(MANIFEST_JSON, options)?;
    zip.write_all(&manifest_json)
        .map_err(zip::result::ZipError::Io)?;
    zip.start_file(MANIFEST_SHA256, options)?;
    zip.write_all(sums.as_bytes())
        .map_err(zip::result::ZipError::Io)?;
    zip.finish()?;
    Ok(PackSummary {
        files: count,
        events,
        alerts: input.alerts.len(),
        case: input.case_counts,
        manifest_sha256: manifest_hash,
        masked,
    })
}

/// The export time as a ZIP timestamp (the same for every file, so equal input gives equal
/// output).
fn zip_time(at: Timestamp) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let part = |n: u32| u8::try_from(n).unwrap_or(0);
    let year = u16::try_from(at.year()).unwrap_or(1980);
    zip::DateTime::from_date_and_time(
        year,
        part(at.month()),
        part(at.day()),
        part(at.hour()),
        part(at.minute()),
        part(at.second()),
    )
    .unwrap_or_default()
}

/// Checks the pack at `path` against its manifests: every file's SHA-256 and size, nothing
/// missing, nothing added, and the two manifests agreeing.
pub fn verify(path: &Path) -> Result<VerifyReport> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    verify_reader(file)
}

/// [`verify`] on any readable ZIP.
pub fn verify_reader(reader: impl Read + Seek) -> Result<VerifyReport> {
    let mut archive = zip::ZipArchive::new(reader)?;
    if archive.len() > MAX_VERIFY_FILES {
        return Err(Error::Pack(format!(
            "the pack holds {} files; at most {MAX_VERIFY_FILES} are checked",
            archive.len()
        )));
    }
    let mut hashes: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut manifest_json: Option<Vec<u8>> = None;
    let mut manifest_sums: Option<Vec<u8>> = None;
    let mut report = VerifyReport::default();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name()?.into_owned();
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_VERIFY_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Pack(format!("{name}: {e}")))?;
        if bytes.len() as u64 > MAX_VERIFY_FILE_BYTES {
            report.problems.push(format!(
                "{name} is larger than {MAX_VERIFY_FILE_BYTES} bytes"
            ));
            continue;
        }
        if hashes.contains_key(&name) {
            report
                .problems
                .push(format!("{name} appears twice in the pack"));
        }
        hashes.insert(name.clone(), (sha256_hex(&bytes), bytes.len() as u64));
        match name.as_str() {
            MANIFEST_JSON => manifest_json = Some(bytes),
            MANIFEST_SHA256 => manifest_sums = Some(bytes),
            _ => {}
        }
    }
    let Some(manifest_json) = manifest_json else {
        report.missing.push(MANIFEST_JSON.into());
        return Ok(report);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_json) {
        Ok(manifest) => manifest,
        Err(e) => {
            report
                .problems
                .push(format!("{MANIFEST_JSON} is unreadable: {e}"));
            return Ok(report);
        }
    };
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for entry in &manifest.files {
        listed.insert(entry.path.clone(), entry.sha256.clone());
        match hashes.get(&entry.path) {
            None => report.missing.push(entry.path.clone()),
            Some((sha, size)) if *sha != entry.sha256 || *size != entry.size => {
                report.changed.push(entry.path.clone())
            }
            Some(_) => report.checked += 1,
        }
    }
    for name in hashes.keys() {
        let manifest_file = name == MANIFEST_JSON || name == MANIFEST_SHA256;
        if !manifest_file && !listed.contains_key(name) {
            report.extra.push(name.clone());
        }
    }
    check_sums(manifest_sums.as_deref(), &listed, &hashes, &mut report);
    Ok(report)
}

/// Checks `manifest.sha256` against `manifest.json` and against `manifest.json`'s own hash.
fn check_sums(
    sums: Option<&[u8]>,
    listed: &BTreeMap<String, String>,
    hashes: &BTreeMap<String, (String, u64)>,
    report: &mut VerifyReport,
) {
    let Some(sums) = sums else {
        report.missing.push(MANIFEST_SHA256.into());
        return;
    };
    let text = String::from_utf8_lossy(sums);
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((sha, path)) = line.split_once("  ") else {
            report.problems.push(format!(
                "{MANIFEST_SHA256} has a line not in sha256sum form"
            ));
            continue;
        };
        named.insert(path.to_owned(), sha.to_owned());
    }
    match (named.remove(MANIFEST_JSON), hashes.get(MANIFEST_JSON)) {
        (Some(expected), Some((actual, _))) if expected == *actual => report.checked += 1,
        (Some(_), Some(_)) => report.changed.push(MANIFEST_JSON.into()),
        _ => report
            .problems
            .push(format!("{MANIFEST_SHA256} does not cover {MANIFEST_JSON}")),
    }
    if named != *listed {
        report.problems.push(format!(
            "{MANIFEST_SHA256} and {MANIFEST_JSON} list different files or hashes"
        ));
    }
}

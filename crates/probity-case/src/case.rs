//! Cases: opened from escalated alerts or by hand, authorised by someone else, worked, closed.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use probity_access::{Permission, Principal};
use probity_audit::Action;
use probity_model::{Timestamp, from_micros, to_micros};

use crate::error::invalid;
use crate::{Error, Result, Workbench, action, check_text};

/// The most subjects one case may name.
pub const MAX_SUBJECTS: usize = 100;
/// The most cases [`Workbench::cases`] returns at once.
pub const MAX_CASES_PAGE: usize = 1000;

/// Where a case is in its life.
///
/// `Proposed` → `Authorised` or `Refused` (by [`Workbench::decide_case`]); `Authorised` →
/// `Investigating`; `Investigating` → `Closed` (by [`Workbench::set_state`]). Nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseState {
    /// Opened; waits for an authorising officer.
    Proposed,
    /// An authorising officer agreed it may be investigated.
    Authorised,
    /// Being worked.
    Investigating,
    /// Finished.
    Closed,
    /// An authorising officer refused it.
    Refused,
}

impl CaseState {
    /// Every state, in life order.
    pub const ALL: [CaseState; 5] = [
        CaseState::Proposed,
        CaseState::Authorised,
        CaseState::Investigating,
        CaseState::Closed,
        CaseState::Refused,
    ];

    /// The state's name (`investigating`).
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Proposed => "proposed",
            CaseState::Authorised => "authorised",
            CaseState::Investigating => "investigating",
            CaseState::Closed => "closed",
            CaseState::Refused => "refused",
        }
    }

    /// Whether the case is finished (closed or refused): nothing more may be linked to it.
    pub fn is_final(self) -> bool {
        matches!(self, CaseState::Closed | CaseState::Refused)
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        CaseState::ALL
            .into_iter()
            .find(|state| state.as_str() == wanted)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "unknown case state {s:?} (proposed, authorised, investigating, closed or refused)"
                ))
            })
    }
}

/// One case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// `C-000123`.
    pub id: String,
    pub title: String,
    pub state: CaseState,
    /// The people it concerns, as pseudonyms.
    pub subjects: Vec<String>,
    /// The account that opened it.
    pub created_by: String,
    pub created_at: Timestamp,
    /// The account that authorised (or refused) it.
    pub authorised_by: Option<String>,
    pub authorised_at: Option<Timestamp>,
    /// The account working it.
    pub assigned_to: Option<String>,
    /// While set, nothing linked to the case is purged.
    pub legal_hold: bool,
    pub summary: String,
    /// When anything about the case last changed.
    pub updated_at: Timestamp,
}

/// A note on a case. Never changed or deleted; a correction is a new note naming the one it
/// corrects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's number (unique across cases).
    pub seq: u64,
    pub case_id: String,
    pub author: String,
    pub at: Timestamp,
    pub text: String,
    /// The note this one corrects.
    pub corrects: Option<u64>,
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Alert,
    Event,
}

impl LinkKind {
    /// `alert` or `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Alert => "alert",
            LinkKind::Event => "event",
        }
    }
}

impl FromStr for LinkKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "alert" => Ok(LinkKind::Alert),
            "event" => Ok(LinkKind::Event),
            _ => invalid(format!("unknown link kind {s:?} (alert or event)")),
        }
    }
}

/// An alert or event linked to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub case_id: String,
    pub kind: LinkKind,
    /// The alert or event id (32 hexadecimal digits).
    pub target: String,
    pub by: String,
    pub at: Timestamp,
}

/// Which cases [`Workbench::cases`] returns.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases assigned to this account.
    pub assigned_to: Option<String>,
    /// Only cases naming this subject (a pseudonym).
    pub subject: Option<String>,
    /// Only cases on legal hold.
    pub legal_hold_only: bool,
    /// At most this many (newest first); 0 means [`MAX_CASES_PAGE`].
    pub limit: usize,
    /// Skip this many first (for paging).
    pub offset: usize,
}

/// `C-000123` from 123.
pub(crate) fn case_id(num: i64) -> String {
    format!("C-{num:06}")
}

/// 123 from `C-000123` (or `c-123`).
pub(crate) fn case_num(id: &str) -> Result<i64> {
    let digits = id
        .trim()
        .strip_prefix("C-")
        .or_else(|| id.trim().strip_prefix("c-"))
        .filter(|d| !d.is_empty() && d.len() <= 12 && d.bytes().all(|b| b.is_ascii_digit()));
    match digits.and_then(|d| d.parse::<i64>().ok()) {
        Some(num) => Ok(num),
        None => Err(Error::NoSuchCase(id.chars().take(40).collect())),
    }
}

/// Checks an alert or event id: 32 hexadecimal digits, returned lower-cased.
pub(crate) fn check_item_id(what: &str, id: &str) -> Result<String> {
    let id = id.trim();
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid(format!(
            "{what} id {:?} is not 32 hexadecimal digits",
            id.chars().take(40).collect::<String>()
        ));
    }
    Ok(id.to_ascii_lowercase())
}

/// Checks an account name as stored on a case: 1-64 letters, digits, `.`, `_`, `-`, `@`, `:`.
fn check_account(name: &str) -> Result<String> {
    let name = name.trim();
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | ':'));
    if !fine {
        return invalid("an account name is 1-64 letters, digits, '.', '_', '-' or '@'");
    }
    Ok(name.to_owned())
}

/// The account name of the acting principal, as stored on cases and notes.
fn who(by: &Principal) -> String {
    by.account().as_str().to_owned()
}

/// Passes if `by` holds any of `permissions`; otherwise the error names the first.
fn require_any(by: &Principal, permissions: &[Permission]) -> Result<()> {
    if permissions.iter().any(|p| by.allows(*p)) {
        return Ok(());
    }
    match permissions.first() {
        Some(first) => Ok(by.require(*first)?),
        None => Ok(()),
    }
}

const CASE_COLUMNS: &str = "num, title, state, subjects, summary, created_by, created_at, \
     authorised_by, authorised_at, assigned_to, legal_hold, updated_at";

fn case_from_row(row: &Row<'_>) -> rusqlite::Result<(Case, String, String)> {
    let state: String = row.get(2)?;
    let subjects: String = row.get(3)?;
    let authorised_at: Option<i64> = row.get(8)?;
    let case = Case {
        id: case_id(row.get(0)?),
        title: row.get(1)?,
        state: CaseState::Proposed,
        subjects: Vec::new(),
        summary: row.get(4)?,
        created_by: row.get(5)?,
        created_at: from_micros(row.get(6)?),
        authorised_by: row.get(7)?,
        authorised_at: authorised_at.map(from_micros),
        assigned_to: row.get(9)?,
        legal_hold: row.get::<_, i64>(10)? != 0,
        updated_at: from_micros(row.get(11)?),
    };
    Ok((case, state, subjects))
}

fn finish_case((mut case, state, subjects): (Case, String, String)) -> Result<Case> {
    case.state = state
        .parse()
        .map_err(|_| Error::Corrupt(format!("case {} has state {state:?}", case.id)))?;
    case.subjects = serde_json::from_str(&subjects)
        .map_err(|e| Error::Corrupt(format!("case {} subjects: {e}", case.id)))?;
    Ok(case)
}

pub(crate) fn load_case(conn: &Connection, num: i64) -> Result<Case> {
    let row = conn
        .query_row(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE num = ?1"),
            params![num],
            case_from_row,
        )
        .optional()?;
    match row {
        Some(row) => finish_case(row),
        None => Err(Error::NoSuchCase(case_id(num))),
    }
}

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    let corrects: Option<i64> = row.get(5)?;
    Ok(Note {
        seq: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
        case_id: case_id(row.get(1)?),
        author: row.get(2)?,
        at: from_micros(row.get(3)?),
        text: row.get(4)?,
        corrects: corrects.and_then(|c| u64::try_from(c).ok()),
    })
}

fn insert_note(
    conn: &Connection,
    num: i64,
    author: &str,
    text: &str,
    corrects: Option<u64>,
    now: Timestamp,
) -> Result<Note> {
    let corrects_seq = corrects.map(|c| i64::try_from(c).unwrap_or(i64::MAX));
    conn.execute(
        "INSERT INTO notes (case_num, author, at, text, corrects) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![num, author, to_micros(&now), text, corrects_seq],
    )?;
    let seq = conn.last_insert_rowid();
    Ok(Note {
        seq: u64::try_from(seq).unwrap_or(0),
        case_id: case_id(num),
        author: author.to_owned(),
        at: now,
        text: text.to_owned(),
        corrects,
    })
}

fn state_error(case: &Case, reason: &str) -> Error {
    Error::State {
        id: case.id.clone(),
        state: case.state.as_str().to_owned(),
        reason: reason.to_owned(),
    }
}

impl Workbench {
    /// Opens a case in state `Proposed`. Needs `CreateCase`. `subjects` are pseudonyms
    /// (`P-XXXX-XXXX-XXXX`); anything else is refused, so that no name reaches a case list.
    pub fn create_case(
        &self,
        by: &Principal,
        title: &str,
        subjects: &[String],
        summary: &str,
        now: Timestamp,
    ) -> Result<(Case, Action)> {
        by.require(Permission::CreateCase)?;
        let title = check_text("a title", title, true)?;
        if title.len() > 200 {
            return invalid("a case title is at most 200 bytes");
        }
        let summary = check_text("the summary", summary, false)?;
        let subjects = check_subjects(subjects)?;
        let subjects_json =
            serde_json::to_string(&subjects).map_err(|e| Error::Corrupt(e.to_string()))?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO cases (title, state, subjects, summary, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                title,
                CaseState::Proposed.as_str(),
                subjects_json,
                summary,
                who(by),
                to_micros(&now)
            ],
        )?;
        let case = load_case(&conn, conn.last_insert_rowid())?;
        let audit = action(
            by,
            now,
            "case.create",
            &case.id,
            json!({"subjects": case.subjects.len()}),
        );
        Ok((case, audit))
    }

    /// Authorises (`approve`) or refuses a proposed case. Needs `AuthoriseCase`, and `by` must not
    /// be the account that opened it. A refusal needs a note saying why; the note, if any, is kept
    /// as a case note.
    pub fn decide_case(
        &self,
        by: &Principal,
        id: &str,
        approve: bool,
        note: &str,
        now: Timestamp,
    ) -> Result<(Case, Action)> {
        by.require(Permission::AuthoriseCase)?;
        let note = check_text("a note saying why", note, !approve)?;
        let num = case_num(id)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let case = load_case(&tx, num)?;
        if case.state != CaseState::Proposed {
            return Err(state_error(
                &case,
                "only a proposed case can be authorised or refused",
            ));
        }
        if case.created_by == who(by) {
            return Err(Error::SeparationOfDuties);
        }
        let state = if approve {
            CaseState::Authorised
        } else {
            CaseState::Refused
        };
        tx.execute(
            "UPDATE cases SET state = ?1, authorised_by = ?2, authorised_at = ?3, updated_at = ?3
             WHERE num = ?4",
            params![state.as_str(), who(by), to_micros(&now), num],
        )?;
        if !note.is_empty() {
            let verdict = if approve { "Authorised" } else { "Refused" };
            insert_note(&tx, num, &who(by), &format!("{verdict}: {note}"), None, now)?;
        }
        let case = load_case(&tx, num)?;
        tx.commit()?;
        let name = if approve {
            "case.authorise"
        } else {
            "case.refuse"
        };
        let audit = action(by, now, name, &case.id, json!({"state": state.as_str()}));
        Ok((case, audit))
    }

    /// Moves a case on: `Authorised` → `Investigating`, `Investigating` → `Closed`. Authorising
    /// and refusing go through [`Workbench::decide_case`]. Needs `CreateCase` or `AuthoriseCase`.
    pub fn set_state(
        &self,
        by: &Principal,
        id: &str,
        state: CaseState,
        now: Timestamp,
    ) -> Result<(Case, Action)> {
        require_any(by, &[Permission::CreateCase, Permission::AuthoriseCase])?;
        let num = case_num(id)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let case = load_case(&tx, num)?;
        let legal = matches!(
            (case.state, state),
            (CaseState::Authorised, CaseState::Investigating)
                | (CaseState::Investigating, CaseState::Closed)
        );
        if !legal {
            let reason = format!(
                "it cannot move to {state} (authorised → investigating → closed; authorising and refusing are decisions)"
            );
            return Err(state_error(&case, &reason));
        }
        tx.execute(
            "UPDATE cases SET state = ?1, updated_at = ?2 WHERE num = ?3",
            params![state.as_str(), to_micros(&now), num],
        )?;
        let updated = load_case(&tx, num)?;
        tx.commit()?;
        let audit = action(
            by,
            now,
            "case.state",
            &updated.id,
            json!({"from": case.state.as_str(), "to": state.as_str()}),
        );
        Ok((updated, audit))
    }

    /// Assigns a case to an account (an empty name unassigns it). Needs `CreateCase` or
    /// `AuthoriseCase`. The account is not checked against the access store here.
    pub fn assign(
        &self,
        by: &Principal,
        id: &str,
        account: &str,
        now: Timestamp,
    ) -> Result<(Case, Action)> {
        require_any(by, &[Permission::CreateCase, Permission::AuthoriseCase])?;
        let account = if account.trim().is_empty() {
            None
        } else {
            Some(check_account(account)?)
        };
        let num = case_num(id)?;
        let conn = self.conn();
        let case = load_case(&conn, num)?;
        if case.state.is_final() {
            return Err(state_error(&case, "a finished case cannot be reassigned"));
        }
        conn.execute(
            "UPDATE cases SET assigned_to = ?1, updated_at = ?2 WHERE num = ?3",
            params![account, to_micros(&now), num],
        )?;
        let case = load_case(&conn, num)?;
        let audit = action(
            by,
            now,
            "case.assign",
            &case.id,
            json!({"assigned_to": account}),
        );
        Ok((case, audit))
    }

    /// Puts a case on legal hold (`on`) or takes it off. While held, the events and alerts linked
    /// to it are never purged. Needs `ManageRetention` or `AuthoriseCase`.
    pub fn set_legal_hold(
        &self,
        by: &Principal,
        id: &str,
        on: bool,
        now: Timestamp,
    ) -> Result<(Case, Action)> {
        require_any(
            by,
            &[Permission::ManageRetention, Permission::AuthoriseCase],
        )?;
        let num = case_num(id)?;
        let conn = self.conn();
        load_case(&conn, num)?;
        conn.execute(
            "UPDATE cases SET legal_hold = ?1, updated_at = ?2 WHERE num = ?3",
            params![i64::from(on), to_micros(&now), num],
        )?;
        let case = load_case(&conn, num)?;
        let audit = action(by, now, "case.hold", &case.id, json!({"legal_hold": on}));
        Ok((case, audit))
    }

    /// Adds a note to a case. Notes are never changed or deleted; to correct one, add a note with
    /// `corrects` naming it (a note of the same case). Needs `CreateCase` or `AuthoriseCase`.
    pub fn add_note(
        &self,
        by: &Principal,
        id: &str,
        text: &str,
        corrects: Option<u64>,
        now: Timestamp,
    ) -> Result<(Note, Action)> {
        require_any(by, &[Permission::CreateCase, Permission::AuthoriseCase])?;
        let text = check_text("the note", text, true)?;
        let num = case_num(id)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        load_case(&tx, num)?;
        if let Some(corrected) = corrects {
            let owner: Option<i64> = tx
                .query_row(
                    "SELECT case_num FROM notes WHERE seq = ?1",
                    params![i64::try_from(corrected).unwrap_or(i64::MAX)],
                    |row| row.get(0),
                )
                .optional()?;
            if owner != Some(num) {
                return invalid(format!(
                    "note {corrected} is not a note of case {}",
                    case_id(num)
                ));
            }
        }
        let note = insert_note(&tx, num, &who(by), &text, corrects, now)?;
        tx.execute(
            "UPDATE cases SET updated_at = ?1 WHERE num = ?2",
            params![to_micros(&now), num],
        )?;
        tx.commit()?;
        let audit = action(
            by,
            now,
            "case.note",
            &note.case_id,
            json!({"note": note.seq, "corrects": note.corrects}),
        );
        Ok((note, audit))
    }

    /// Links an alert or event to a case (linking twice is harmless). Needs `CreateCase` or
    /// `TriageAlerts`. A finished case takes no new links.
    pub fn link(
        &self,
        by: &Principal,
        id: &str,
        kind: LinkKind,
        target_id: &str,
        now: Timestamp,
    ) -> Result<(Link, Action)> {
        require_any(by, &[Permission::CreateCase, Permission::TriageAlerts])?;
        let target = check_item_id(kind.as_str(), target_id)?;
        let num = case_num(id)?;
        let conn = self.conn();
        let link = insert_link(&conn, num, kind, &target, &who(by), now)?;
        let audit = action(
            by,
            now,
            "case.link",
            &link.case_id,
            json!({"kind": kind.as_str(), "target": target}),
        );
        Ok((link, audit))
    }

    /// The case with this id.
    pub fn case(&self, id: &str) -> Result<Case> {
        let num = case_num(id)?;
        load_case(&self.conn(), num)
    }

    /// Cases matching `filter`, newest first, at most [`MAX_CASES_PAGE`].
    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<Case>> {
        let limit = match filter.limit {
            0 => MAX_CASES_PAGE,
            n => n.min(MAX_CASES_PAGE),
        };
        let conn = self.conn();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM cases
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR assigned_to = ?2)
               AND (?3 = 0 OR legal_hold = 1)
             ORDER BY num DESC"
        ))?;
        let rows = statement.query_map(
            params![
                filter.state.map(CaseState::as_str),
                filter.assigned_to,
                i64::from(filter.legal_hold_only)
            ],
            case_from_row,
        )?;
        let mut found = Vec::new();
        let mut skipped = 0usize;
        for row in rows {
            let case = finish_case(row?)?;
            if let Some(subject) = &filter.subject
                && !case.subjects.iter().any(|s| s == subject)
            {
                continue;
            }
            if skipped < filter.offset {
                skipped += 1;
                continue;
            }
            found.push(case);
            if found.len() >= limit {
                break;
            }
        }
        Ok(found)
    }

    /// A case's notes, oldest first.
    pub fn notes(&self, id: &str) -> Result<Vec<Note>> {
        let num = case_num(id)?;
        let conn = self.conn();
        load_case(&conn, num)?;
        let mut statement = conn.prepare_cached(
            "SELECT seq, case_num, author, at, text, corrects FROM notes
             WHERE case_num = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map(params![num], note_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// A case's links, oldest first.
    pub fn links(&self, id: &str) -> Result<Vec<Link>> {
        let num = case_num(id)?;
        let conn = self.conn();
        load_case(&conn, num)?;
        let mut statement = conn.prepare_cached(
            "SELECT kind, target, by, at FROM links WHERE case_num = ?1 ORDER BY at, kind, target",
        )?;
        let rows = statement.query_map(params![num], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?;
        let mut links = Vec::new();
        for row in rows {
            let (kind, target, by, at) = row?;
            links.push(Link {
                case_id: case_id(num),
                kind: kind
                    .parse()
                    .map_err(|_| Error::Corrupt(format!("link kind {kind:?}")))?,
                target,
                by,
                at: from_micros(at),
            });
        }
        Ok(links)
    }

    /// The cases an alert or event is linked to.
    pub fn cases_linked_to(&self, kind: LinkKind, target_id: &str) -> Result<Vec<String>> {
        let target = check_item_id(kind.as_str(), target_id)?;
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT case_num FROM links WHERE kind = ?1 AND target = ?2 ORDER BY case_num",
        )?;
        let rows = statement.query_map(params![kind.as_str(), target], |row| row.get(0))?;
        let mut ids = Vec::new();
        for num in rows {
            ids.push(case_id(num?));
        }
        Ok(ids)
    }

    /// The ids of events linked to a case on legal hold: never to be purged.
    pub fn held_event_ids(&self) -> Result<HashSet<String>> {
        self.held(LinkKind::Event)
    }

    /// The ids of alerts linked to a case on legal hold: never to be purged (nor the events they
    /// rest on).
    pub fn held_alert_ids(&self) -> Result<HashSet<String>> {
        self.held(LinkKind::Alert)
    }

    fn held(&self, kind: LinkKind) -> Result<HashSet<String>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT DISTINCT l.target FROM links l JOIN cases c ON c.num = l.case_num
             WHERE c.legal_hold = 1 AND l.kind = ?1",
        )?;
        let rows = statement.query_map(params![kind.as_str()], |row| row.get(0))?;
        Ok(rows.collect::<Result<HashSet<String>, _>>()?)
    }
}

/// Links `target` to case `num` unless the case is finished.
pub(crate) fn insert_link(
    conn: &Connection,
    num: i64,
    kind: LinkKind,
    target: &str,
    by: &str,
    now: Timestamp,
) -> Result<Link> {
    let case = load_case(conn, num)?;
    if case.state.is_final() {
        return Err(state_error(&case, "a finished case takes no new links"));
    }
    conn.execute(
        "INSERT OR IGNORE INTO links (case_num, kind, target, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![num, kind.as_str(), target, by, to_micros(&now)],
    )?;
    Ok(Link {
        case_id: case.id,
        kind,
        target: target.to_owned(),
        by: by.to_owned(),
        at: now,
    })
}

pub(crate) fn who_acts(by: &Principal) -> String {
    who(by)
}

fn check_subjects(subjects: &[String]) -> Result<Vec<String>> {
    if subjects.len() > MAX_SUBJECTS {
        return invalid(format!("a case names at most {MAX_SUBJECTS} subjects"));
    }
    let mut out: Vec<String> = Vec::new();
    for subject in subjects {
        let subject = subject.trim();
        if subject.is_empty() {
            continue;
        }
        let subject = probity_access::Pseudonym::parse(subject)?
            .as_str()
            .to_owned();
        if !out.contains(&subject) {
            out.push(subject);
        }
    }
    Ok(out)
}

//! Cases, triage, reveals, evidence packs and retention: the workbench's own state, kept by the
//! `probity-case` crate in `workbench.db`. Every change is appended to the audit log.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use maud::html;
use serde::Deserialize;

use probity_access::{AccessStore, Permission, Pseudonym, RevealId, RevealStatus, Verdict};
use probity_case::{CaseFilter, CaseState, LinkKind, RetentionPolicy, TriageStatus, evidence};
use probity_model::{Alert, AlertId, EventId};

use super::super::form::Fields;
use super::super::layout::{self, person, see_other};
use super::super::people::pseudonyms;
use super::super::{Session, Web, WebError, blocking, now, record};
use super::{PAGE_ROWS, parts};
use crate::http::AppState;

/// Audit entries searched for a case's own actions when packing.
const PACK_AUDIT_WINDOW: u64 = 50_000;
/// The retention classes, in the order shown.
const CLASSES: [&str; 4] = ["events", "messages", "alerts", "dead-letters"];

impl From<probity_case::Error> for WebError {
    fn from(error: probity_case::Error) -> Self {
        use probity_case::Error as E;
        match error {
            E::Access(inner) => inner.into(),
            E::Store(inner) => inner.into(),
            E::NoSuchCase(_) => WebError::NotFound(error.to_string()),
            E::State { .. } | E::SeparationOfDuties | E::Invalid(_) => {
                WebError::BadRequest(error.to_string())
            }
            other => {
                tracing::error!(error = %other, "workbench store failed");
                WebError::Internal
            }
        }
    }
}

/// Triage status by alert id (hex) for these alerts (absent: open).
pub fn triage_states(web: &Web, alerts: &[Alert]) -> HashMap<String, String> {
    let ids: Vec<String> = alerts.iter().map(|a| a.id.to_hex()).collect();
    match web.workbench.triage_of(&ids) {
        Ok(found) => found
            .into_iter()
            .map(|(id, triage)| (id, triage.status.as_str().to_owned()))
            .collect(),
        Err(error) => {
            tracing::error!(%error, "cannot read triage");
            HashMap::new()
        }
    }
}

/// One alert's triage: `status`, `reason`, `case_id`, `by` when set.
pub fn triage_detail(web: &Web, alert_id: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(mut found) = web.workbench.triage_of(&[alert_id.to_owned()]) else {
        return out;
    };
    if let Some(triage) = found.remove(alert_id) {
        out.insert("status".into(), triage.status.as_str().to_owned());
        if !triage.reason.is_empty() {
            out.insert("reason".into(), triage.reason);
        }
        if let Some(case) = triage.case_id {
            out.insert("case_id".into(), case);
        }
        out.insert("by".into(), triage.by);
    }
    out
}

/// Dismissal reasons by rule with counts (for tuning).
pub fn dismissal_reasons(web: &Web) -> Vec<(String, String, u64)> {
    web.workbench.dismissal_reasons().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot read dismissal reasons");
        Vec::new()
    })
}

/// Sets the triage status of alerts; an escalation links them to `case_id`, or to a new proposed
/// case titled `title` naming their people. Returns the case escalated to.
pub async fn triage(
    state: &AppState,
    session: &Session,
    ids: Vec<String>,
    status: &str,
    reason: &str,
    case_id: Option<String>,
    title: Option<String>,
) -> Result<Option<String>, WebError> {
    let status: TriageStatus = status.parse()?;
    let reason = reason.to_owned();
    let (web, worker) = parts(state)?;
    let principal = session.principal.clone();
    blocking(move || {
        let stores = worker.stores();
        let mut alerts = Vec::new();
        for id in &ids {
            let parsed: EventId = id
                .parse()
                .map_err(|_| WebError::NotFound("There is no such alert.".into()))?;
            if let Some(alert) = stores
                .alerts
                .alert(&AlertId::from_bytes(*parsed.as_bytes()))?
            {
                alerts.push(alert);
            }
        }
        if alerts.is_empty() {
            return Err(WebError::NotFound("There is no such alert.".into()));
        }
        let mut case = case_id;
        if status == TriageStatus::Escalated && case.is_none() {
            let title = title.unwrap_or_else(|| alerts[0].rule.title.clone());
            let users: Vec<&str> = alerts
                .iter()
                .filter_map(|a| a.user.as_ref().map(|u| u.as_str()))
                .collect();
            let map = pseudonyms(&web, &*stores.reference, &users)?;
            let mut subjects: Vec<String> = map.into_values().collect();
            subjects.sort();
            subjects.dedup();
            let (created, action) =
                web.workbench
                    .create_case(&principal, &title, &subjects, &reason, now())?;
            record(&*stores.audit, action)?;
            case = Some(created.id);
        }
        let refs: Vec<&Alert> = alerts.iter().collect();
        let (_, action) = web.workbench.triage_alerts(
            &principal,
            &refs,
            status,
            &reason,
            case.as_deref(),
            now(),
        )?;
        record(&*stores.audit, action)?;
        web.caches.dashboard.clear();
        Ok(case.filter(|_| status == TriageStatus::Escalated))
    })
    .await
}

/// Paging of `GET /cases`.
#[derive(Debug, Default, Deserialize)]
pub struct CasesQuery {
    page: Option<usize>,
    state: Option<String>,
}

/// `GET /cases`.
pub async fn list(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(query): Query<CasesQuery>,
) -> Result<Response, WebError> {
    let wanted = match query.state.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<CaseState>()?),
        None => None,
    };
    let page = query.page.unwrap_or(0);
    let (web, _) = parts(&state)?;
    let cases = blocking(move || {
        Ok(web.workbench.cases(&CaseFilter {
            state: wanted,
            limit: PAGE_ROWS,
            offset: page.saturating_mul(PAGE_ROWS),
            ..CaseFilter::default()
        })?)
    })
    .await?;
    let body = html! {
        h1 { "Cases" }
        table #cases {
            tr { th { "Case" } th { "Title" } th { "State" } th { "Subjects" } th { "Opened by" } th { "Assigned" } th { "Hold" } }
            @for case in &cases {
                tr.case data-case-id=(case.id) {
                    td { a href={ "/cases/" (case.id) } { (case.id) } }
                    td { (case.title) }
                    td.state { (case.state.as_str()) }
                    td { @for s in &case.subjects { (person(s)) " " } }
                    td { (case.created_by) }
                    td { (case.assigned_to.as_deref().unwrap_or("")) }
                    td { @if case.legal_hold { "legal hold" } }
                }
            }
        }
        p.pager {
            @if page > 0 { a href={ "/cases?page=" (page - 1) } { "Newer" } }
            @if cases.len() == PAGE_ROWS { a href={ "/cases?page=" (page + 1) } { "Older" } }
        }
        @if session.principal.allows(Permission::CreateCase) {
            form #new-case.panel.stack method="post" action="/cases" {
                (layout::csrf(&session))
                h2 { "New case" }
                label { "Title" input type="text" name="title" required; }
                label { "Subjects (pseudonyms, separated by spaces or commas)" input type="text" name="subjects"; }
                label { "Summary" textarea name="summary" {} }
                button type="submit" { "Propose" }
            }
        }
    };
    Ok(layout::page(&session, "Cases", "/cases", body))
}

/// `POST /cases`.
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let title = form.require("title")?.to_owned();
    let summary = form.get("summary").unwrap_or("").to_owned();
    let mut subjects = Vec::new();
    for text in form
        .get("subjects")
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .take(50)
    {
        let pseudonym = Pseudonym::parse(text)?;
        subjects.push(pseudonym.as_str().to_owned());
    }
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let id = blocking(move || {
        let (case, action) =
            web.workbench
                .create_case(&principal, &title, &subjects, &summary, now())?;
        record(&*worker.stores().audit, action)?;
        Ok(case.id)
    })
    .await?;
    Ok(see_other(&format!("/cases/{id}")))
}

/// `GET /cases/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (web, _) = parts(&state)?;
    let worker = Arc::clone(&web);
    let wanted = id.clone();
    let (case, notes, links, reveals) = blocking(move || {
        let case = worker.workbench.case(&wanted)?;
        let notes = worker.workbench.notes(&case.id)?;
        let links = worker.workbench.links(&case.id)?;
        let reveals = worker.access.store().reveals_for_case(&case.id)?;
        Ok((case, notes, links, reveals))
    })
    .await?;
    let me = session.principal.account().as_str().to_owned();
    let allows = |p| session.principal.allows(p);
    let policy = web.access.policy().reveals;
    let open_and_authorised =
        matches!(case.state, CaseState::Authorised | CaseState::Investigating);
    let body = html! {
        h1 { (case.id) ": " (case.title) }
        div.panel {
            p { "State: " strong #case-state { (case.state.as_str()) }
                @if case.legal_hold { " · " strong #legal-hold-on { "legal hold" } } }
            p { "Opened by " (case.created_by) " at " (layout::time(&case.created_at))
                @if let Some(by) = &case.authorised_by { " · decided by " (by) }
                @if let Some(to) = &case.assigned_to { " · assigned to " (to) } }
            p { "Subjects: " @for s in &case.subjects { (person(s)) " " } }
            @if !case.summary.is_empty() { p { (case.summary) } }
            @if allows(Permission::ExportEvidence) && open_and_authorised {
                p { a #export-evidence href={ "/cases/" (case.id) "/evidence.zip" } { "Export the evidence pack" }
                    " (members of the public masked)" }
                @if allows(Permission::UnmaskContent) {
                    details #unmasked-export {
                        summary { "Export with members of the public as written" }
                        form.stack method="post" action={ "/cases/" (case.id) "/evidence-unmasked.zip" } {
                            (layout::csrf(&session))
                            label { "Why the hearing needs their names and details (recorded in the audit log)"
                                textarea name="reason" required {} }
                            button type="submit" { "Export unmasked" }
                        }
                    }
                }
            }
        }
        div.grid {
            @if allows(Permission::AuthoriseCase) && case.state == CaseState::Proposed && case.created_by != me {
                form #authorise.panel.stack method="post" action={ "/cases/" (case.id) "/authorise" } {
                    (layout::csrf(&session))
                    h2 { "Authorise" }
                    label { "Note" textarea name="note" required {} }
                    button type="submit" { "Authorise" }
                }
                form #refuse.panel.stack method="post" action={ "/cases/" (case.id) "/refuse" } {
                    (layout::csrf(&session))
                    h2 { "Refuse" }
                    label { "Note" textarea name="note" required {} }
                    button.secondary type="submit" { "Refuse" }
                }
            }
            @if allows(Permission::CreateCase) || allows(Permission::AuthoriseCase) {
                form #set-state.panel.stack method="post" action={ "/cases/" (case.id) "/state" } {
                    (layout::csrf(&session))
                    h2 { "State" }
                    select name="state" {
                        option value="investigating" { "investigating" }
                        option value="closed" { "closed" }
                    }
                    button type="submit" { "Set" }
                }
                form #assign.panel.stack method="post" action={ "/cases/" (case.id) "/assign" } {
                    (layout::csrf(&session))
                    h2 { "Assign" }
                    input type="text" name="account" placeholder="account name" value=[case.assigned_to.as_deref()];
                    button type="submit" { "Assign" }
                }
            }
            @if allows(Permission::AuthoriseCase) {
                form #legal-hold.panel.stack method="post" action={ "/cases/" (case.id) "/legal-hold" } {
                    (layout::csrf(&session))
                    h2 { "Legal hold" }
                    input type="hidden" name="on" value=(if case.legal_hold { "0" } else { "1" });
                    button type="submit" { @if case.legal_hold { "Lift the hold" } @else { "Place on hold" } }
                }
            }
        }
        section.panel #notes {
            h2 { "Notes" }
            @for note in &notes {
                div.note data-note=(note.seq) {
                    p.muted { "#" (note.seq) " " (note.author) " at " (layout::time(&note.at))
                        @if let Some(c) = note.corrects { " (corrects #" (c) ")" } }
                    p { (note.text) }
                }
            }
            @if allows(Permission::CreateCase) || allows(Permission::AuthoriseCase) {
                form #add-note.stack method="post" action={ "/cases/" (case.id) "/notes" } {
                    (layout::csrf(&session))
                    label { "Note (notes cannot be edited; correct one with a new note)" textarea name="text" required {} }
                    label { "Corrects note #" input type="text" name="corrects" size="6"; }
                    button type="submit" { "Add note" }
                }
            }
        }
        section.panel #links {
            h2 { "Linked alerts and events" }
            ul {
                @for link in &links {
                    li.link { (link.kind.as_str()) " "
                        @if link.kind == LinkKind::Alert { a href={ "/alerts/" (link.target) } { (link.target) } } @else { (link.target) } }
                }
            }
            @if allows(Permission::CreateCase) {
                form #add-link method="post" action={ "/cases/" (case.id) "/links" } {
                    (layout::csrf(&session))
                    select name="kind" { option value="alert" { "alert" } option value="event" { "event" } }
                    " " input type="text" name="target" placeholder="id" required;
                    " " button type="submit" { "Link" }
                }
            }
        }
        section.panel #reveals {
            h2 { "Reveal requests" }
            table {
                tr { th { "Pseudonym" } th { "Asked by" } th { "When" } th { "Status" } th {} }
                @for request in &reveals {
                    @let status = request.status(&policy, now());
                    tr.reveal-request data-reveal-id=(request.id.as_str()) {
                        td { (person(request.pseudonym.as_str())) }
                        td { (request.requested_by.as_str()) }
                        td { (layout::time(&request.requested_at)) }
                        td.status { (status_text(status)) }
                        td { @if matches!(status, RevealStatus::Approved { .. }) && request.requested_by.as_str() == me {
                            form.inline method="post" action={ "/cases/" (case.id) "/reveals/" (request.id.as_str()) "/view" } {
                                (layout::csrf(&session))
                                button.reveal type="submit" { "Show identity" }
                            }
                        } }
                    }
                }
            }
            @if allows(Permission::RequestReveal) && open_and_authorised {
                form #request-reveal.stack method="post" action={ "/cases/" (case.id) "/reveals" } {
                    (layout::csrf(&session))
                    h2 { "Ask for a reveal" }
                    label { "Pseudonym" input type="text" name="pseudonym" required placeholder="P-XXXX-XXXX-XXXX"
                        value=[case.subjects.first()]; }
                    label { "Why it is necessary" textarea name="necessity" required {} }
                    label { "Why it is proportionate" textarea name="proportionality" required {} }
                    button type="submit" { "Ask" }
                }
            }
        }
    };
    Ok(layout::page(&session, "Case", "/cases", body))
}

/// A case change: runs `change` on a blocking thread with the workbench and the acting
/// principal, records its action, and returns to the case.
async fn case_change<F>(
    state: AppState,
    session: Session,
    id: String,
    change: F,
) -> Result<Response, WebError>
where
    F: FnOnce(&Web, &probity_access::Principal) -> Result<probity_audit::Action, WebError>
        + Send
        + 'static,
{
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    blocking(move || {
        let action = change(&web, &principal)?;
        record(&*worker.stores().audit, action)
    })
    .await?;
    Ok(see_other(&format!("/cases/{id}")))
}

async fn decide_case(
    state: AppState,
    session: Session,
    id: String,
    form: Fields,
    approve: bool,
) -> Result<Response, WebError> {
    let note = form.require("note")?.to_owned();
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web
            .workbench
            .decide_case(by, &case, approve, &note, now())?
            .1)
    })
    .await
}

/// `POST /cases/{id}/authorise`.
pub async fn authorise(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    decide_case(state, session, id, form, true).await
}

/// `POST /cases/{id}/refuse`.
pub async fn refuse(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    decide_case(state, session, id, form, false).await
}

/// `POST /cases/{id}/state`.
pub async fn set_state(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let wanted: CaseState = form.require("state")?.parse()?;
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web.workbench.set_state(by, &case, wanted, now())?.1)
    })
    .await
}

/// `POST /cases/{id}/assign`.
pub async fn assign(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let account = form.require("account")?.to_owned();
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web.workbench.assign(by, &case, &account, now())?.1)
    })
    .await
}

/// `POST /cases/{id}/legal-hold`.
pub async fn legal_hold(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let on = form.get("on") != Some("0");
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web.workbench.set_legal_hold(by, &case, on, now())?.1)
    })
    .await
}

/// `POST /cases/{id}/notes`.
pub async fn add_note(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let text = form.require("text")?.to_owned();
    let corrects = match form.get("corrects") {
        Some(n) => Some(
            n.trim_start_matches('#')
                .parse::<u64>()
                .map_err(|_| WebError::BadRequest("corrects: give a note number".into()))?,
        ),
        None => None,
    };
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web.workbench.add_note(by, &case, &text, corrects, now())?.1)
    })
    .await
}

/// `POST /cases/{id}/links`.
pub async fn add_link(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let kind: LinkKind = form.require("kind")?.parse()?;
    let target = form.require("target")?.to_owned();
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        Ok(web.workbench.link(by, &case, kind, &target, now())?.1)
    })
    .await
}

/// `POST /cases/{id}/reveals`: asks for a reveal within an authorised case.
pub async fn request_reveal(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let pseudonym = Pseudonym::parse(form.require("pseudonym")?)?;
    let necessity = form.require("necessity")?.to_owned();
    let proportionality = form.require("proportionality")?.to_owned();
    let case = id.clone();
    case_change(state, session, id, move |web, by| {
        let found = web.workbench.case(&case)?;
        if !matches!(
            found.state,
            CaseState::Authorised | CaseState::Investigating
        ) {
            return Err(WebError::BadRequest(format!(
                "case {case} is {}: a reveal can be asked for only in an authorised case",
                found.state
            )));
        }
        let (_, action) = web.access.request_reveal(
            by,
            &found.id,
            &pseudonym,
            &necessity,
            &proportionality,
            now(),
        )?;
        Ok(action)
    })
    .await
}

/// `GET /cases/{id}/evidence.zip`: the evidence pack of an authorised case, with members of the
/// public masked as in every analyst-facing view (audited as `evidence.export`).
pub async fn evidence(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    export(state, session, id, None).await
}

/// `POST /cases/{id}/evidence-unmasked.zip`: the evidence pack with members of the public as
/// written, for someone who may unmask (the route needs `unmask-content`), with a reason
/// (`reason`). Audited as `evidence.export` and `content.unmask`.
pub async fn evidence_unmasked(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let reason = form.get("reason").unwrap_or("").to_owned();
    export(state, session, id, Some(reason)).await
}

/// The workbench's masking, for a pack.
#[derive(Debug)]
struct RedactorMask(Arc<probity_comms::Redactor>);

impl evidence::ContentMask for RedactorMask {
    fn event(&self, event: &mut probity_model::Event) {
        self.0.event(event);
    }

    fn alert(&self, alert: &mut Alert) {
        self.0.alert(alert);
        self.0.alert_user(alert);
    }
}

/// Builds and sends a case's evidence pack: masked, or with members of the public as written
/// when `unmask` gives the reason. A case that is not authorised (or no longer open) is refused,
/// and the refusal recorded as `evidence.export.refused`.
async fn export(
    state: AppState,
    session: Session,
    id: String,
    unmask: Option<String>,
) -> Result<Response, WebError> {
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let actor = principal.actor();
    let (bytes, case_id) = blocking(move || {
        let stores = worker.stores();
        let content = match &unmask {
            None => {
                let redactor = worker.redactor().map_err(|error| {
                    tracing::error!(%error, "cannot build the redactor");
                    WebError::Internal
                })?;
                evidence::PackContent::Masked(Arc::new(RedactorMask(redactor)))
            }
            Some(reason) => {
                evidence::PackContent::Unmasked(evidence::Unmasking::new(&principal, reason)?)
            }
        };
        let case = web.workbench.case(&id)?;
        // Every refusal is in the audit log, with why.
        let record_refusal = |why: &str| {
            record(
                &*stores.audit,
                probity_audit::Action {
                    time: now(),
                    actor: actor.clone(),
                    action: "evidence.export.refused".into(),
                    target: case.id.clone(),
                    details: serde_json::json!({
                        "masked": unmask.is_none(),
                        "reason": unmask,
                        "refused": why,
                    }),
                },
            )
        };
        if let Err(error) = evidence::check_export(&principal, &case) {
            let why = error.to_string();
            record_refusal(&why)?;
            return Err(match error {
                probity_case::Error::State { .. } => WebError::Forbidden(format!(
                    "{why}. An evidence pack is exported from a case an authorising officer has authorised."
                )),
                other => other.into(),
            });
        }
        let notes = web.workbench.notes(&case.id)?;
        let links = web.workbench.links(&case.id)?;
        // A pack holds everything the case links or is not built: one for a misconduct hearing
        // must never be silently incomplete. What the case links is counted first, and a case
        // over the limits is refused, naming its counts, before its events are read.
        let limits = web.config.max_pack;
        let refuse = |counted: String| -> WebError {
            let why = format!(
                "Case {} {counted}; an evidence pack from the workbench holds at most {} alerts \
                 and {} events, so none was built (a pack is never cut short)",
                case.id, limits.alerts, limits.events
            );
            match record_refusal(&why) {
                Ok(()) => WebError::BadRequest(why),
                Err(error) => error,
            }
        };
        // The alerts linked, each once, in the order linked.
        let mut alert_targets = HashSet::new();
        let alert_links: Vec<&str> = links
            .iter()
            .filter(|l| l.kind == LinkKind::Alert)
            .map(|l| l.target.as_str())
            .filter(|target| alert_targets.insert(*target))
            .collect();
        if alert_links.len() > limits.alerts {
            return Err(refuse(format!("links {} alerts", alert_links.len())));
        }
        let mut alerts = Vec::new();
        for target in &alert_links {
            if let Ok(parsed) = target.parse::<EventId>()
                && let Some(alert) = stores
                    .alerts
                    .alert(&AlertId::from_bytes(*parsed.as_bytes()))?
            {
                alerts.push(alert);
            }
        }
        // The events the linked alerts rest on, and the events linked to the case directly
        // (by id alone, so found through the store's ids), each once.
        let mut seen = HashSet::new();
        let refs: Vec<_> = alerts
            .iter()
            .flat_map(|a| a.events.iter().copied())
            .filter(|r| seen.insert((r.id, r.timestamp)))
            .collect();
        let rested_on: HashSet<EventId> = refs.iter().map(|r| r.id).collect();
        let event_links: Vec<&str> = links
            .iter()
            .filter(|l| l.kind == LinkKind::Event)
            .map(|l| l.target.as_str())
            .collect();
        let mut linked: Vec<EventId> = event_links.iter().filter_map(|t| t.parse().ok()).collect();
        linked.sort();
        linked.dedup();
        let unreadable_links = event_links
            .iter()
            .filter(|t| t.parse::<EventId>().is_err())
            .count();
        // Each id linked directly is at least one event, unless an alert rests on it already.
        let counted_before_reading = refs.len()
            + linked.iter().filter(|id| !rested_on.contains(id)).count()
            + unreadable_links;
        if counted_before_reading > limits.events {
            return Err(refuse(format!(
                "links {} alerts and rests on at least {counted_before_reading} events",
                alert_links.len()
            )));
        }
        let mut events = stores.events.events_by_ref(&refs)?;
        // An id linked directly may be more than one stored event (the same id at two times):
        // each is counted and packed.
        let mut found_by_id: HashMap<EventId, usize> = HashMap::new();
        for event in stores.events.events_by_id(&linked)? {
            if seen.insert((event.provenance.id, event.timestamp)) {
                *found_by_id.entry(event.provenance.id).or_default() += 1;
                events.push(event);
            }
        }
        let linked_events: usize = linked
            .iter()
            .map(|id| match found_by_id.get(id) {
                Some(found) => *found,
                None => usize::from(!rested_on.contains(id)),
            })
            .sum();
        let case_counts = evidence::Counts {
            alerts: alert_links.len(),
            events: refs.len() + linked_events + unreadable_links,
        };
        if case_counts.events > limits.events {
            return Err(refuse(format!(
                "links {} alerts and rests on {} events",
                case_counts.alerts, case_counts.events
            )));
        }
        let mut identifiers: Vec<String> = alerts
            .iter()
            .filter_map(|a| a.user.as_ref().map(|u| u.as_str().to_owned()))
            .collect();
        for event in &mut events {
            for (_, identity) in event.identities_mut() {
                identifiers.push(identity.as_str().to_owned());
            }
        }
        let borrowed: Vec<&str> = identifiers.iter().map(String::as_str).collect();
        let identities: BTreeMap<String, String> = pseudonyms(&web, &*stores.reference, &borrowed)?
            .into_iter()
            .collect();
        let excerpt = case_audit_excerpt(&*stores.audit, &case.id)?;
        let exported_at = now();
        let input = evidence::PackInput {
            case: case.clone(),
            notes,
            links,
            alerts,
            events,
            exported_by: actor.clone(),
            exported_at,
            audit_excerpt_json: excerpt,
            identities,
            originals: BTreeMap::new(),
            content,
            case_counts,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let summary = evidence::build(&input, &mut out)?;
        record(
            &*stores.audit,
            evidence::export_action(&principal, &case, &summary, exported_at),
        )?;
        if let evidence::PackContent::Unmasked(unmasking) = &input.content {
            record(
                &*stores.audit,
                evidence::unmask_action(unmasking, &case, &summary, exported_at),
            )?;
        }
        Ok((out.into_inner(), case.id))
    })
    .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{case_id}-evidence.zip\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A verifiable audit excerpt covering the case's own actions (from the first to the last entry
/// about it among the recent log), serialised.
fn case_audit_excerpt(
    audit: &dyn probity_store::AuditStore,
    case_id: &str,
) -> Result<Vec<u8>, WebError> {
    let mut last = 0u64;
    loop {
        let page = audit.audit_entries(last, 10_000)?;
        match page.last() {
            Some(entry) => last = entry.seq,
            None => break,
        }
    }
    let mut next = last.saturating_sub(PACK_AUDIT_WINDOW);
    let (mut first_seq, mut last_seq) = (None::<u64>, None::<u64>);
    loop {
        let page = audit.audit_entries(next, 10_000)?;
        let Some(tail) = page.last() else { break };
        next = tail.seq;
        for entry in &page {
            let about = entry.action.target == case_id
                || entry.action.details.get("case").and_then(|c| c.as_str()) == Some(case_id);
            if about {
                first_seq.get_or_insert(entry.seq);
                last_seq = Some(entry.seq);
            }
        }
    }
    let (Some(first), Some(end)) = (first_seq, last_seq) else {
        return Ok(b"{}".to_vec());
    };
    let first = first.max(end.saturating_sub(probity_store::MAX_EXCERPT_ENTRIES - 1));
    let excerpt = audit.audit_excerpt(first, end)?;
    serde_json::to_vec_pretty(&excerpt).map_err(|_| WebError::Internal)
}

/// A notice on the retention page.
#[derive(Debug, Default, Deserialize)]
pub struct RetentionNotice {
    notice: Option<String>,
}

/// `GET /admin/retention`.
pub async fn retention(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(notice): Query<RetentionNotice>,
) -> Result<Response, WebError> {
    let (web, _) = parts(&state)?;
    let policy = blocking(move || Ok(web.workbench.retention()?)).await?;
    let body = html! {
        h1 { "Retention" }
        (layout::notice(notice.notice.as_deref()))
        form #retention.panel.stack method="post" action="/admin/retention" {
            (layout::csrf(&session))
            p.muted { "Days each class is kept (blank: kept until changed). Items linked to a case on legal hold are never purged." }
            @for class in CLASSES {
                label { (class) " " input type="text" name=(class) size="6" value=[policy.classes.get(class)]; }
            }
            button type="submit" { "Save" }
        }
        form #purge.panel method="post" action="/admin/retention/purge" {
            (layout::csrf(&session))
            p { "Delete everything older than its class's period now (recorded in the audit log)." }
            button type="submit" { "Purge now" }
        }
    };
    Ok(layout::page(
        &session,
        "Retention",
        "/admin/retention",
        body,
    ))
}

/// `POST /admin/retention`.
pub async fn set_retention(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let mut policy = RetentionPolicy::default();
    for class in CLASSES {
        if let Some(days) = form.get(class) {
            let days: u32 = days
                .parse()
                .map_err(|_| WebError::BadRequest(format!("{class}: give a number of days")))?;
            policy.classes.insert(class.to_owned(), days);
        }
    }
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    blocking(move || {
        let action = web.workbench.set_retention(&principal, &policy, now())?;
        record(&*worker.stores().audit, action)
    })
    .await?;
    Ok(see_other("/admin/retention?notice=Saved."))
}

/// `POST /admin/retention/purge`.
pub async fn purge(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
) -> Result<Response, WebError> {
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let counts = blocking(move || {
        let stores = worker.stores();
        let both = Both {
            events: &*stores.events,
            alerts: &*stores.alerts,
        };
        let (counts, action) = web.workbench.purge(&principal, &both, now())?;
        record(&*stores.audit, action)?;
        web.caches.dashboard.clear();
        Ok(counts)
    })
    .await?;
    let text: Vec<String> = counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
    let text = if text.is_empty() {
        "Nothing to purge: no periods are set.".to_owned()
    } else {
        format!("Purged {}.", text.join(", "))
    };
    Ok(see_other(&format!(
        "/admin/retention?notice={}",
        layout::query_value(&text)
    )))
}

/// The event and alert stores seen as one, for purging.
#[derive(Debug)]
struct Both<'a> {
    events: &'a dyn probity_store::EventStore,
    alerts: &'a dyn probity_store::AlertStore,
}

impl probity_store::EventStore for Both<'_> {
    fn append(
        &self,
        events: &[probity_store::EncodedEvent],
        dead_letters: &[probity_model::DeadLetter],
    ) -> probity_store::Result<probity_store::AppendOutcome> {
        self.events.append(events, dead_letters)
    }
    fn query(
        &self,
        query: &probity_store::EventQuery,
    ) -> probity_store::Result<Vec<probity_model::Event>> {
        self.events.query(query)
    }
    fn dead_letters(
        &self,
        limit: usize,
    ) -> probity_store::Result<Vec<probity_store::StoredDeadLetter>> {
        self.events.dead_letters(limit)
    }
    fn dead_letter(
        &self,
        seq: i64,
    ) -> probity_store::Result<Option<probity_store::StoredDeadLetter>> {
        self.events.dead_letter(seq)
    }
    fn counts(&self) -> probity_store::Result<probity_store::StoreCounts> {
        self.events.counts()
    }
    fn events_by_ref(
        &self,
        refs: &[probity_model::EventRef],
    ) -> probity_store::Result<Vec<probity_model::Event>> {
        self.events.events_by_ref(refs)
    }
    fn events_by_id(&self, ids: &[EventId]) -> probity_store::Result<Vec<probity_model::Event>> {
        self.events.events_by_id(ids)
    }
    fn read_journal(
        &self,
        after: i64,
        limit: usize,
    ) -> probity_store::Result<Vec<(i64, probity_model::Event)>> {
        self.events.read_journal(after, limit)
    }
    fn purge(
        &self,
        class: probity_store::PurgeClass,
        before: probity_model::Timestamp,
        keep: &std::collections::HashSet<String>,
    ) -> probity_store::Result<u64> {
        self.events.purge(class, before, keep)
    }
}

impl probity_store::AlertStore for Both<'_> {
    fn append_alerts(
        &self,
        alerts: &[Alert],
        cursor: Option<(&str, i64)>,
    ) -> probity_store::Result<u64> {
        self.alerts.append_alerts(alerts, cursor)
    }
    fn cursor(&self, name: &str) -> probity_store::Result<i64> {
        self.alerts.cursor(name)
    }
    fn alerts(&self, query: &probity_store::AlertQuery) -> probity_store::Result<Vec<Alert>> {
        self.alerts.alerts(query)
    }
    fn alert(&self, id: &AlertId) -> probity_store::Result<Option<Alert>> {
        self.alerts.alert(id)
    }
}

/// `POST /cases/{id}/reveals/{reveal}/view`: the requester sees the identity while the grant
/// lasts (audited).
pub async fn view_reveal(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path((case, reveal)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = RevealId::parse(&reveal).map_err(|_| WebError::NotFound("No such reveal.".into()))?;
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let identity = blocking(move || {
        let (identity, action) = web.access.reveal_identity(&principal, &id, now())?;
        record(&*worker.stores().audit, action)?;
        Ok(identity)
    })
    .await?;
    let body = html! {
        h1 { "Revealed identity" }
        div.panel {
            p { "Case " a href={ "/cases/" (case) } { (case) } }
            p { "Identity: " strong #revealed-identity { (identity) } }
            p.muted { "This view is recorded in the audit log." }
        }
    };
    Ok(layout::page(&session, "Revealed identity", "/cases", body))
}

/// `GET /reveals`: reveal requests waiting for an authorising officer.
pub async fn reveals(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
) -> Result<Response, WebError> {
    let (web, _) = parts(&state)?;
    let principal = session.principal.clone();
    let worker = Arc::clone(&web);
    let pending = blocking(move || Ok(worker.access.pending_reveals(&principal, now())?)).await?;
    let policy = web.access.policy().reveals;
    let body = html! {
        h1 { "Reveal requests" }
        @if pending.is_empty() { p.muted #no-reveals { "Nothing is waiting." } }
        @for request in &pending {
            @let id = request.id.as_str();
            div.panel.reveal-request data-reveal-id=(id) {
                p { "Case " a href={ "/cases/" (request.case) } { (request.case) } " · " (person(request.pseudonym.as_str()))
                    " · asked by " (request.requested_by.as_str()) " at " (layout::time(&request.requested_at))
                    " · " (status_text(request.status(&policy, now()))) }
                p { strong { "Necessity: " } (request.necessity) }
                p { strong { "Proportionality: " } (request.proportionality) }
                div.grid {
                    form.approve-reveal.stack method="post" action={ "/reveals/" (id) "/approve" } {
                        (layout::csrf(&session))
                        label { "Note" textarea name="note" required {} }
                        button type="submit" { "Approve" }
                    }
                    form.refuse-reveal.stack method="post" action={ "/reveals/" (id) "/refuse" } {
                        (layout::csrf(&session))
                        label { "Note" textarea name="note" required {} }
                        button.secondary type="submit" { "Refuse" }
                    }
                }
            }
        }
    };
    Ok(layout::page(&session, "Reveals", "/reveals", body))
}

/// A reveal's status in words.
pub fn status_text(status: RevealStatus) -> String {
    match status {
        RevealStatus::Pending => "pending".into(),
        RevealStatus::Lapsed => "lapsed".into(),
        RevealStatus::Approved { expires } => format!("approved until {}", layout::time(&expires)),
        RevealStatus::Expired => "expired".into(),
        RevealStatus::Refused => "refused".into(),
    }
}

async fn decide(
    state: AppState,
    session: Session,
    reveal: String,
    form: Fields,
    verdict: Verdict,
) -> Result<Response, WebError> {
    let id = RevealId::parse(&reveal).map_err(|_| WebError::NotFound("No such reveal.".into()))?;
    let note = form.require("note")?.to_owned();
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    blocking(move || {
        let (_, action) = web
            .access
            .decide_reveal(&principal, &id, verdict, &note, now())?;
        record(&*worker.stores().audit, action)?;
        Ok(())
    })
    .await?;
    Ok(see_other("/reveals"))
}

/// `POST /reveals/{reveal}/approve`.
pub async fn approve_reveal(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(reveal): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    decide(state, session, reveal, form, Verdict::Approved).await
}

/// `POST /reveals/{reveal}/refuse`.
pub async fn refuse_reveal(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(reveal): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    decide(state, session, reveal, form, Verdict::Refused).await
}

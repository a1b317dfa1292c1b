//! `/audit`: the audit log (paged) with the chain's status and an export with its proof;
//! `/oversight`: counts only (alerts and outcomes by team, role and rank; reveals, exports and
//! other actions; dismissal reasons). Neither shows any content.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use probity_store::AlertQuery;

use super::super::caches::AUDIT_TTL;
use super::super::layout;
use super::super::{Session, WebError, blocking, now, record};
use super::{PAGE_ROWS, parts};
use crate::http::AppState;

/// Most entries one export holds.
const MAX_EXPORT: u64 = probity_store::MAX_EXCERPT_ENTRIES;
/// Audit entries the oversight report counts (the most recent).
const OVERSIGHT_ENTRIES: u64 = 20_000;
/// Alerts the oversight report counts (the most recent).
const OVERSIGHT_ALERTS: usize = 10_000;

/// The chain's state when last checked.
#[derive(Debug, Clone, Default)]
pub struct AuditStatus {
    pub entries: u64,
    pub text: String,
    pub broken: bool,
    pub checkpoint: Option<probity_audit::Checkpoint>,
}

fn status(state: &AppState) -> Result<AuditStatus, WebError> {
    let audit = &*state.stores().audit;
    let verified = probity_store::verify_audit(audit)?;
    let checkpoint = audit.checkpoints()?.pop();
    let mut status = match verified {
        Ok(verified) => AuditStatus {
            entries: verified.entries,
            text: format!(
                "verified: {} entries, head {}",
                verified.entries, verified.head
            ),
            broken: false,
            checkpoint: None,
        },
        Err(broken) => {
            let entries = last_seq(audit)?;
            AuditStatus {
                entries,
                text: format!("broken: {broken}"),
                broken: true,
                checkpoint: None,
            }
        }
    };
    status.checkpoint = checkpoint;
    Ok(status)
}

/// The last entry's number, found by stepping through pages.
fn last_seq(audit: &dyn probity_store::AuditStore) -> Result<u64, WebError> {
    let mut after = 0;
    loop {
        let page = audit.audit_entries(after, 10_000)?;
        match page.last() {
            Some(last) => after = last.seq,
            None => return Ok(after),
        }
    }
}

async fn cached_status(state: &AppState) -> Result<Arc<AuditStatus>, WebError> {
    let (web, worker) = parts(state)?;
    if let Some(status) = web.caches.audit_status.fresh(AUDIT_TTL) {
        return Ok(status);
    }
    let fresh = Arc::new(blocking(move || status(&worker)).await?);
    web.caches.audit_status.store(Arc::clone(&fresh));
    Ok(fresh)
}

/// Paging of `GET /audit`.
#[derive(Debug, Default, Deserialize)]
pub struct AuditPage {
    after: Option<u64>,
}

/// `GET /audit`.
pub async fn page(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(paging): Query<AuditPage>,
) -> Result<Response, WebError> {
    let status = cached_status(&state).await?;
    let rows = PAGE_ROWS as u64;
    let after = paging
        .after
        .unwrap_or_else(|| status.entries.saturating_sub(rows));
    let worker = state.clone();
    let entries =
        blocking(move || Ok(worker.stores().audit.audit_entries(after, PAGE_ROWS)?)).await?;
    let first = entries.first().map(|e| e.seq).unwrap_or(after + 1);
    let last = entries.last().map(|e| e.seq).unwrap_or(after);
    let body = html! {
        h1 { "Audit log" }
        div.panel {
            p #audit-status class=(if status.broken { "error" } else { "" }) { "Chain " (status.text) }
            p #audit-checkpoint.muted {
                @match &status.checkpoint {
                    Some(c) => { "Last signed checkpoint: entry " (c.seq) " at " (layout::time(&c.time)) " (key " (c.key_id) ")" }
                    None => { "No signed checkpoint yet." }
                }
            }
            p { a #export-audit href={ "/audit/export?from=" (first) "&to=" (last) } { "Export entries " (first) "–" (last) " with proof (JSON)" } }
        }
        table #audit-entries {
            tr { th { "#" } th { "Time" } th { "Who" } th { "Action" } th { "Target" } th { "Details" } }
            @for entry in &entries {
                tr.audit-entry {
                    td { (entry.seq) }
                    td { (layout::time(&entry.action.time)) }
                    td { (entry.action.actor) }
                    td { (entry.action.action) }
                    td { (entry.action.target) }
                    td { code { (entry.action.details.to_string().chars().take(300).collect::<String>()) } }
                }
            }
        }
        p.pager {
            @if after > 0 { a href={ "/audit?after=" (after.saturating_sub(rows)) } { "Earlier" } }
            @if last < status.entries { a href={ "/audit?after=" (last) } { "Later" } }
        }
    };
    Ok(layout::page(&session, "Audit", "/audit", body))
}

/// Range of `GET /audit/export`.
#[derive(Debug, Default, Deserialize)]
pub struct ExportRange {
    from: Option<u64>,
    to: Option<u64>,
}

/// `GET /audit/export?from=&to=`: a verifiable excerpt (entries, the hash before them, and the
/// proof to the next signed checkpoint), as `probity audit verify-excerpt` reads it (audited).
pub async fn export(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(range): Query<ExportRange>,
) -> Result<Response, WebError> {
    let from = range.from.unwrap_or(1).max(1);
    let to = range.to.unwrap_or(from + MAX_EXPORT - 1);
    if to < from {
        return Err(WebError::BadRequest("to comes before from".into()));
    }
    let to = to.min(from + MAX_EXPORT - 1);
    let worker = state.clone();
    let actor = session.principal.actor();
    let excerpt = blocking(move || {
        let audit = &*worker.stores().audit;
        let excerpt = audit.audit_excerpt(from, to).map_err(|error| match error {
            probity_store::Error::Excerpt(reason) => WebError::BadRequest(reason),
            other => other.into(),
        })?;
        record(
            audit,
            probity_audit::Action {
                time: now(),
                actor,
                action: "audit.export".into(),
                target: "audit".into(),
                details: json!({ "from": from, "to": to, "entries": excerpt.entries.len() }),
            },
        )?;
        Ok(excerpt)
    })
    .await?;
    let mut response = Json(excerpt).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"probity-audit-{from}-{to}.json\""
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Counts for the oversight report.
#[derive(Debug, Default, serde::Serialize)]
struct Oversight {
    /// Alert outcomes (open, dismissed, escalated) by the person's team, role and rank.
    by_team: BTreeMap<String, BTreeMap<String, u64>>,
    by_role: BTreeMap<String, BTreeMap<String, u64>>,
    by_rank: BTreeMap<String, BTreeMap<String, u64>>,
    /// Audited actions by name (reveals, exports, searches, views, sign-ins…).
    actions: BTreeMap<String, u64>,
    /// (rule id, reason, count) of dismissals.
    reasons: Vec<(String, String, u64)>,
    /// Alerts counted.
    alerts: usize,
}

/// Counts the most recent alerts by outcome and the most recent audit entries by action.
async fn oversight_report(state: &AppState) -> Result<Oversight, WebError> {
    let status = cached_status(state).await?;
    let (web, worker) = parts(state)?;
    blocking(move || {
        let stores = worker.stores();
        let alerts = stores.alerts.alerts(&AlertQuery {
            limit: OVERSIGHT_ALERTS,
            ..AlertQuery::default()
        })?;
        let triage = super::cases::triage_states(&web, &alerts);
        let directory = web.people.directory(&web, &*stores.reference)?;
        let mut report = Oversight {
            alerts: alerts.len(),
            reasons: super::cases::dismissal_reasons(&web),
            ..Oversight::default()
        };
        for alert in &alerts {
            let outcome = triage
                .get(&alert.id.to_hex())
                .cloned()
                .unwrap_or_else(|| "open".into());
            let found = alert
                .user
                .as_ref()
                .and_then(|u| directory.person_of(u.as_str()));
            let (team, role, rank) = match found {
                Some(p) => (p.team.clone(), p.role.clone(), p.rank.clone()),
                None => {
                    let unknown = "(not in the staff directory)".to_owned();
                    (unknown.clone(), unknown.clone(), unknown)
                }
            };
            for (map, key) in [
                (&mut report.by_team, team),
                (&mut report.by_role, role),
                (&mut report.by_rank, rank),
            ] {
                *map.entry(key)
                    .or_default()
                    .entry(outcome.clone())
                    .or_default() += 1;
            }
        }
        let after = status.entries.saturating_sub(OVERSIGHT_ENTRIES);
        let limit = usize::try_from(OVERSIGHT_ENTRIES).unwrap_or(10_000);
        for entry in stores.audit.audit_entries(after, limit)? {
            *report.actions.entry(entry.action.action).or_default() += 1;
        }
        Ok(report)
    })
    .await
}

/// `GET /oversight/export`: the oversight report as JSON (counts only), audited.
pub async fn oversight_export(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
) -> Result<Response, WebError> {
    let report = oversight_report(&state).await?;
    let worker = state.clone();
    let actor = session.principal.actor();
    let alerts = report.alerts;
    blocking(move || {
        record(
            &*worker.stores().audit,
            probity_audit::Action {
                time: now(),
                actor,
                action: "oversight.export".into(),
                target: "oversight".into(),
                details: json!({ "alerts": alerts }),
            },
        )
    })
    .await?;
    let mut response = Json(report).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"probity-oversight.json\""),
    );
    Ok(response)
}

/// `GET /oversight`.
pub async fn oversight(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
) -> Result<Response, WebError> {
    let report = oversight_report(&state).await?;
    let outcomes = ["open", "dismissed", "escalated"];
    let breakdown = |title: &str, id: &str, map: &BTreeMap<String, BTreeMap<String, u64>>| {
        html! {
            section.panel id=(id) {
                h2 { (title) }
                table {
                    tr { th { "" } @for o in outcomes { th { (o) } } }
                    @for (key, counts) in map {
                        tr { td { (key) } @for o in outcomes { td { (counts.get(o).copied().unwrap_or(0)) } } }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { "Oversight" }
        p.muted { "Counts only. Alerts: the " (report.alerts) " most recent. Actions: the last " (OVERSIGHT_ENTRIES) " audit entries." }
        p { a #export-oversight href="/oversight/export" { "Export as JSON" } }
        div.grid {
            (breakdown("Alerts by team", "by-team", &report.by_team))
            (breakdown("Alerts by role", "by-role", &report.by_role))
            (breakdown("Alerts by rank", "by-rank", &report.by_rank))
            section.panel #actions {
                h2 { "Actions (reveals, exports, searches, views, sign-ins…)" }
                table {
                    @for (action, count) in &report.actions { tr { td { (action) } td { (count) } } }
                }
            }
            section.panel #dismissal-reasons {
                h2 { "Dismissal reasons" }
                @if report.reasons.is_empty() { p.muted { "None recorded." } }
                table {
                    @for (rule, reason, count) in &report.reasons { tr { td { (rule) } td { (reason) } td { (count) } } }
                }
            }
        }
    };
    Ok(layout::page(&session, "Oversight", "/oversight", body))
}

//! `/alerts`: the queue (filter, sort, page, bulk triage) and `/alerts/{id}`: one alert with its
//! explanation, evidence and triage. People appear only as pseudonyms.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use probity_access::Permission;
use probity_model::{AlertId, EventId, Level};
use probity_store::AlertQuery;

use super::super::form::Fields;
use super::super::layout::{self, person, see_other};
use super::super::{Session, WebError, blocking};
use super::{
    ALERT_WINDOW, PAGE_ROWS, ShownAlert, event_link, parts, present_alerts, present_events,
};
use crate::http::AppState;

/// Most events shown as one alert's evidence.
const MAX_EVIDENCE: usize = 50;

/// The queue's filter, from the query string.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filter {
    level: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    person: Option<String>,
    sort: Option<String>,
    page: Option<usize>,
    notice: Option<String>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `GET /alerts`.
pub async fn list(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let min_level = match blank(&filter.level).map(str::parse::<Level>) {
        None => None,
        Some(Ok(level)) => Some(level),
        Some(Err(reason)) => return Err(WebError::BadRequest(reason)),
    };
    let status = blank(&filter.status).unwrap_or("open").to_owned();
    let (web, worker) = parts(&state)?;
    let query = filter.clone();
    let wanted_status = status.clone();
    let (rows, total, triage) = blocking(move || {
        let stores = worker.stores();
        let mut alerts = stores.alerts.alerts(&AlertQuery {
            min_level,
            limit: ALERT_WINDOW,
            ..AlertQuery::default()
        })?;
        if let Some(kind) = blank(&query.kind) {
            alerts.retain(|alert| alert.rule.kind == kind);
        }
        let triage = super::cases::triage_states(&web, &alerts);
        if wanted_status != "all" {
            alerts.retain(|alert| {
                triage
                    .get(&alert.id.to_hex())
                    .map_or("open", String::as_str)
                    == wanted_status
            });
        }
        let mut shown = present_alerts(&worker, &web, alerts)?;
        if let Some(wanted) = blank(&query.person) {
            shown.retain(|item| item.pseudonym.as_deref() == Some(wanted));
        }
        match blank(&query.sort) {
            Some("level") => shown.sort_by(|a, b| {
                b.alert
                    .level
                    .cmp(&a.alert.level)
                    .then(b.alert.timestamp().cmp(&a.alert.timestamp()))
            }),
            _ => shown.sort_by_key(|item| std::cmp::Reverse(item.alert.timestamp())),
        }
        let total = shown.len();
        let start = query.page.unwrap_or(0).saturating_mul(PAGE_ROWS);
        let rows: Vec<ShownAlert> = shown.into_iter().skip(start).take(PAGE_ROWS).collect();
        Ok((rows, total, triage))
    })
    .await?;
    let page = filter.page.unwrap_or(0);
    let can_triage = session.principal.allows(Permission::TriageAlerts);
    let selected = |value: &str, current: Option<&str>| current == Some(value);
    let body = html! {
        h1 { "Alerts" }
        (layout::notice(filter.notice.as_deref()))
        form #alert-filter.panel method="get" action="/alerts" {
            label { "Level at least " select name="level" {
                option value="" { "any" }
                @for level in Level::ALL {
                    option value=(level.as_str()) selected[selected(level.as_str(), blank(&filter.level))] { (level.as_str()) }
                }
            } } " "
            label { "Kind " input type="text" name="kind" size="12" value=[blank(&filter.kind)]; } " "
            label { "Status " select name="status" {
                @for value in ["open", "dismissed", "escalated", "all"] {
                    option value=(value) selected[value == status] { (value) }
                }
            } } " "
            label { "Person " input type="text" name="person" size="18" placeholder="P-XXXX-XXXX-XXXX" value=[blank(&filter.person)]; } " "
            label { "Sort " select name="sort" {
                option value="time" { "newest first" }
                option value="level" selected[selected("level", blank(&filter.sort))] { "most serious first" }
            } } " "
            button type="submit" { "Filter" }
        }
        p.muted #alert-count { (total) " alerts match (of the " (ALERT_WINDOW) " most recent)." }
        form #bulk-triage method="post" action="/alerts/triage" {
            (layout::csrf(&session))
            table #alerts {
                tr {
                    th { @if can_triage { input #select-all type="checkbox" title="select all"; } }
                    th { "Time" } th { "Level" } th { "Kind" } th { "Alert" } th { "Person" } th { "Status" }
                }
                @for item in &rows {
                    @let id = item.alert.id.to_hex();
                    tr.alert data-alert-id=(id) {
                        td { @if can_triage { input.select-alert type="checkbox" name="alert_id" value=(id); } }
                        td { (layout::time(&item.alert.timestamp())) }
                        td { (layout::level(item.alert.level)) }
                        td { (item.alert.rule.kind) }
                        td { a href={ "/alerts/" (id) } { (item.alert.rule.title) } }
                        td { @if let Some(p) = &item.pseudonym { (person(p)) } }
                        td.status { (triage.get(&id).map_or("open", String::as_str)) }
                    }
                }
            }
            @if can_triage {
                div.panel {
                    label { "Set selected to " select name="status" {
                        option value="dismissed" { "dismissed" }
                        option value="escalated" { "escalated" }
                        option value="open" { "open" }
                    } }
                    label { "Reason" textarea name="reason" placeholder="Why (required to dismiss)" {} }
                    button type="submit" { "Apply to selected" }
                }
            }
        }
        p.pager {
            @if page > 0 { a href=(page_link(&filter, page - 1)) { "Newer" } }
            @if (page + 1) * PAGE_ROWS < total { a href=(page_link(&filter, page + 1)) { "Older" } }
        }
    };
    Ok(layout::page(&session, "Alerts", "/alerts", body))
}

fn page_link(filter: &Filter, page: usize) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (name, value) in [
        ("level", &filter.level),
        ("kind", &filter.kind),
        ("status", &filter.status),
        ("person", &filter.person),
        ("sort", &filter.sort),
    ] {
        if let Some(value) = blank(value) {
            pairs.push((name, value.to_owned()));
        }
    }
    pairs.push(("page", page.to_string()));
    format!(
        "/alerts?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn parse_alert_id(id: &str) -> Result<AlertId, WebError> {
    id.parse::<EventId>()
        .map(|id| AlertId::from_bytes(*id.as_bytes()))
        .map_err(|_| WebError::NotFound("There is no such alert.".into()))
}

/// Query of `GET /alerts/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    notice: Option<String>,
}

/// `GET /alerts/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let alert_id = parse_alert_id(&id)?;
    let (web, worker) = parts(&state)?;
    let (item, events, triage) = blocking(move || {
        let stores = worker.stores();
        let alert = stores
            .alerts
            .alert(&alert_id)?
            .ok_or_else(|| WebError::NotFound("There is no such alert.".into()))?;
        let refs: Vec<_> = alert.events.iter().take(MAX_EVIDENCE).copied().collect();
        let events = stores.events.events_by_ref(&refs)?;
        let triage = super::cases::triage_detail(&web, &alert.id.to_hex());
        let shown = present_alerts(&worker, &web, vec![alert])?;
        let events = present_events(&worker, &web, events)?;
        let item = shown.into_iter().next().ok_or(WebError::Internal)?;
        Ok((item, events, triage))
    })
    .await?;
    let alert = &item.alert;
    let can_triage = session.principal.allows(Permission::TriageAlerts);
    let can_content = session.principal.allows(Permission::ViewContent);
    let status = triage
        .get("status")
        .cloned()
        .unwrap_or_else(|| "open".into());
    let body = html! {
        h1 { (alert.rule.title) }
        (layout::notice(query.notice.as_deref()))
        div.panel {
            p { (layout::level(alert.level)) " · " (alert.rule.kind) " · " (layout::time(&alert.timestamp()))
                @if let Some(p) = &item.pseudonym { " · " (person(p)) }
                @if let Some(host) = &alert.host { " · host " (host) } }
            p #triage-status { "Status: " strong.status { (status) }
                @if let Some(reason) = triage.get("reason") { " — " (reason) }
                @if let Some(case) = triage.get("case_id") { " — case " a href={ "/cases/" (case) } { (case) } } }
        }
        section.panel #explanation {
            h2 { "Why" }
            p { (alert.explanation) }
            @if !alert.matched.is_empty() {
                table {
                    tr { th { "Field" } th { "Value" } }
                    @for matched in &alert.matched { tr { td { (matched.field) } td { (matched.value) } } }
                }
            }
        }
        section.panel #evidence {
            h2 { "Evidence (" (alert.events.len()) " events)" }
            table {
                tr { th { "Time" } th { "Action" } th { "Person" } th { "Host" } th { "Source" } }
                @for event in &events {
                    tr.event {
                        td { @if can_content { a href=(event_link(&event.provenance.id, &event.timestamp)) { (layout::time(&event.timestamp)) } } @else { (layout::time(&event.timestamp)) } }
                        td { (event.action().or(event.record.as_ref().and_then(|r| r.action.as_deref())).unwrap_or("-")) }
                        td { @if let Some(user) = event.user_name() { (person(user)) } }
                        td { (event.host.as_ref().and_then(|h| h.name.as_deref()).unwrap_or("")) }
                        td { (event.provenance.source) }
                    }
                }
            }
            @if alert.events.len() > MAX_EVIDENCE { p.muted { "The first " (MAX_EVIDENCE) " are shown." } }
        }
        @if can_triage {
            div.grid {
                form #dismiss.panel.stack method="post" action={ "/alerts/" (id) "/dismiss" } {
                    (layout::csrf(&session))
                    h2 { "Dismiss" }
                    label for="dismiss-reason" { "Reason (required)" }
                    textarea #dismiss-reason name="reason" required {}
                    button type="submit" { "Dismiss" }
                }
                form #escalate.panel.stack method="post" action={ "/alerts/" (id) "/escalate" } {
                    (layout::csrf(&session))
                    h2 { "Escalate" }
                    label for="case-id" { "Existing case (optional)" }
                    input #case-id type="text" name="case_id" placeholder="C-000123";
                    label for="case-title" { "Or a title for a new proposed case" }
                    input #case-title type="text" name="title" value=(alert.rule.title);
                    label for="escalate-reason" { "Reason" }
                    textarea #escalate-reason name="reason" {}
                    button type="submit" { "Escalate" }
                }
            }
        }
    };
    Ok(layout::page(&session, "Alert", "/alerts", body))
}

/// `POST /alerts/triage`: the bulk form.
pub async fn bulk_triage(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let ids: Vec<String> = form
        .all("alert_id")
        .into_iter()
        .take(PAGE_ROWS * 5)
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Ok(see_other("/alerts?notice=Select+at+least+one+alert."));
    }
    for id in &ids {
        parse_alert_id(id)?;
    }
    let status = form.require("status")?.to_owned();
    let reason = form.get("reason").unwrap_or("").to_owned();
    let count = ids.len();
    super::cases::triage(&state, &session, ids, &status, &reason, None, None).await?;
    Ok(see_other(&format!(
        "/alerts?notice={}",
        layout::query_value(&format!("{count} alert(s) set to {status}."))
    )))
}

/// `POST /alerts/{id}/dismiss`.
pub async fn dismiss(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    parse_alert_id(&id)?;
    let reason = form.require("reason")?.to_owned();
    super::cases::triage(
        &state,
        &session,
        vec![id.clone()],
        "dismissed",
        &reason,
        None,
        None,
    )
    .await?;
    Ok(see_other(&format!("/alerts/{id}?notice=Dismissed.")))
}

/// `POST /alerts/{id}/escalate`: links the alert to an existing case, or proposes a new one.
pub async fn escalate(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    parse_alert_id(&id)?;
    let case_id = form.get("case_id").map(str::to_owned);
    let title = form.get("title").map(str::to_owned);
    let reason = form
        .get("reason")
        .unwrap_or("escalated for investigation")
        .to_owned();
    let case = super::cases::triage(
        &state,
        &session,
        vec![id.clone()],
        "escalated",
        &reason,
        case_id,
        title,
    )
    .await?;
    match case {
        Some(case) => Ok(see_other(&format!("/cases/{case}"))),
        None => Ok(see_other(&format!("/alerts/{id}?notice=Escalated."))),
    }
}

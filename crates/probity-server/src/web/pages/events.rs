//! `/events/{id}?at=`: one event, readable. Message content is masked by the privacy layer;
//! sealed content (privileged or medical) is withheld. Every view is audited.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use probity_model::{EventId, EventRef, from_micros};

use super::super::layout::{self, person};
use super::super::{Session, WebError, blocking, now, record};
use super::{parts, present_events};
use crate::http::AppState;

/// Longest message content shown.
const MAX_CONTENT: usize = 100_000;

/// The event's time (the store finds events by id and time).
#[derive(Debug, Default, Deserialize)]
pub struct At {
    at: Option<i64>,
}

/// `GET /events/{id}`.
pub async fn page(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Result<Response, WebError> {
    let missing = || {
        WebError::NotFound(
            "There is no such event. Open events from an alert, a search or a timeline.".into(),
        )
    };
    let event_id: EventId = id.parse().map_err(|_| missing())?;
    let micros = at.at.ok_or_else(missing)?;
    let reference = EventRef {
        id: event_id,
        timestamp: from_micros(micros),
    };
    let (web, worker) = parts(&state)?;
    let actor = session.principal.actor();
    let event = blocking(move || {
        let stores = worker.stores();
        let found = stores.events.events_by_ref(&[reference])?;
        let Some(event) = found.into_iter().next() else {
            return Err(missing());
        };
        record(
            &*stores.audit,
            probity_audit::Action {
                time: now(),
                actor,
                action: "event.view".into(),
                target: event_id.to_hex(),
                details: json!({ "at": micros, "message": event.email.is_some() }),
            },
        )?;
        let mut shown = present_events(&worker, &web, vec![event])?;
        shown.pop().ok_or(WebError::Internal)
    })
    .await?;
    let sealed = event.tags.iter().any(|t| t == "content-sealed");
    let sealed_why = event.labels.get("privacy.sealed").cloned();
    let body = html! {
        h1 { "Event" }
        div.panel #event {
            table {
                tr { th { "Time" } td { (layout::time(&event.timestamp)) } }
                tr { th { "Source" } td { (event.provenance.source) " (" (event.provenance.format.as_str()) ")" } }
                tr { th { "Received" } td { (layout::time(&event.provenance.ingested)) } }
                @if let Some(action) = event.action() { tr { th { "Action" } td { (action) } } }
                @if let Some(outcome) = &event.event.outcome { tr { th { "Outcome" } td { (outcome) } } }
                @if let Some(user) = event.user_name() { tr { th { "Person" } td { (person(user)) } } }
                @if let Some(host) = event.host.as_ref().and_then(|h| h.name.as_deref()) { tr { th { "Host" } td { (host) } } }
                @if let Some(record) = &event.record {
                    @if let Some(system) = &record.system { tr { th { "System" } td { (system) } } }
                    @if let Some(action) = &record.action { tr { th { "Record action" } td { (action) } } }
                    @if let Some(kind) = &record.subject.kind { tr { th { "Subject kind" } td { (kind) } } }
                    @if let Some(subject) = &record.subject.id { tr { th { "Subject" } td { (person(subject.as_str())) } } }
                    @if let Some(reason) = &record.reason { tr { th { "Reason given" } td { (reason) } } }
                    @if let Some(incident) = &record.incident_ref { tr { th { "Incident" } td { (incident) } } }
                }
                @if let Some(file) = &event.file { @if let Some(path) = &file.path { tr { th { "File" } td { (path) } } } }
                @if let Some(url) = &event.url { @if let Some(full) = &url.full { tr { th { "URL" } td { (full) } } } }
                @if !event.tags.is_empty() { tr { th { "Tags" } td { (event.tags.join(", ")) } } }
            }
        }
        @if let Some(email) = &event.email {
            div.panel #message {
                h2 { "Message" }
                p { "From " @for a in &email.from { (person(a.as_str())) " " } }
                p { "To " @for a in email.to.iter().chain(&email.cc) { (person(a.as_str())) " " } }
                @if sealed {
                    div #content {
                        p.notice { "The content of this message is sealed"
                            @if let Some(why) = &sealed_why { " (" (why) ")" }
                            " and is withheld." }
                    }
                } @else {
                    p { strong { "Subject: " } (email.subject.as_deref().unwrap_or("")) }
                    pre #content { (email.body.as_deref().map(|b| b.chars().take(MAX_CONTENT).collect::<String>()).unwrap_or_default()) }
                    @for attachment in &email.attachments {
                        h2 { "Attachment " (attachment.file.name.as_deref().unwrap_or("(unnamed)")) }
                        @if let Some(text) = &attachment.text { pre.attachment { (text.chars().take(MAX_CONTENT).collect::<String>()) } }
                    }
                }
            }
        } @else if let Some(message) = &event.message {
            div.panel { h2 { "Message" } pre #content { (message.chars().take(MAX_CONTENT).collect::<String>()) } }
        }
        p.muted { "Names of members of the public are masked; people are shown as pseudonyms. This view is recorded in the audit log." }
    };
    Ok(layout::page(&session, "Event", "", body))
}

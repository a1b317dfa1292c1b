//! Cases, triage, reveals, evidence packs and retention: the workbench's own state, kept by the
//! `probity-case` crate in `workbench.db`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;

use probity_access::{RevealId, RevealStatus, Verdict};
use probity_model::Alert;

use super::super::form::Fields;
use super::super::layout::{self, person, see_other};
use super::super::{Session, Web, WebError, blocking, now, record};
use super::parts;
use crate::http::AppState;

const NOT_YET: &str =
    "Cases, triage, evidence packs and retention are not available in this build.";

fn not_available() -> WebError {
    WebError::Unavailable(NOT_YET.into())
}

/// Triage status by alert id (hex) for these alerts (`open` when never triaged).
pub fn triage_states(_web: &Web, _alerts: &[Alert]) -> HashMap<String, String> {
    HashMap::new()
}

/// One alert's triage: `status`, `reason`, `case_id`, `by`, `at` when set.
pub fn triage_detail(_web: &Web, _alert_id: &str) -> HashMap<String, String> {
    HashMap::new()
}

/// Sets the triage status of alerts; for an escalation, links them to `case_id` or proposes a
/// new case titled `title`. Returns the case escalated to.
pub async fn triage(
    _state: &AppState,
    _session: &Session,
    _ids: Vec<String>,
    _status: &str,
    _reason: &str,
    _case_id: Option<String>,
    _title: Option<String>,
) -> Result<Option<String>, WebError> {
    Err(not_available())
}

macro_rules! unavailable_handlers {
    ($($name:ident),* $(,)?) => {
        $(
            /// Not available in this build.
            pub async fn $name() -> Result<Response, WebError> {
                Err(not_available())
            }
        )*
    };
}

unavailable_handlers!(
    list,
    create,
    detail,
    authorise,
    refuse,
    set_state,
    assign,
    legal_hold,
    add_note,
    add_link,
    request_reveal,
    evidence,
    retention,
    set_retention,
    purge,
);

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

/// Dismissal reasons by rule with counts (for tuning).
pub fn dismissal_reasons(_web: &Web) -> Vec<(String, String, u64)> {
    Vec::new()
}

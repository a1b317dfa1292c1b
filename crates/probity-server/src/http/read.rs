//! The read API: events and alerts, for tokens with the `read` scope. Every query is recorded in
//! the audit log with the token that made it. Members of the public in message content, as a
//! message's parties (a caller's number as an incoming text's sender, a non-staff recipient), and
//! in the evidence of content alerts are masked; staff, known from the staff directory, are not.
//! A `text` query matches only what is shown: an event whose words are found only in masked text
//! is not returned (`crate::shown_search`).

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use probity_comms::Redactor;
use probity_model::{Level, Timestamp};
use probity_store::{AlertQuery, EventQuery, Scope};

use super::AppState;
use crate::error::{Api, RequestError};
use crate::metrics::Metrics;

/// Most results one query returns.
const MAX_LIMIT: usize = 10_000;

fn bad_request(reason: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": reason }))).into_response()
}

fn parse_time(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, String> {
    match value {
        None => Ok(None),
        Some(text) => probity_ingest::timeparse::parse_time(text)
            .map(Some)
            .ok_or_else(|| format!("{name}: {text:?} is not a time")),
    }
}

/// Authenticates a reader and records what they asked for.
async fn audited(
    state: &AppState,
    headers: &HeaderMap,
    action: &str,
    details: serde_json::Value,
) -> Result<(), RequestError> {
    let token = state
        .auth
        .check(headers, &[Scope::Read, Scope::Admin])
        .await
        .map_err(|error| {
            Metrics::add(&state.metrics.http_unauthorised, 1);
            RequestError::from(error)
        })?;
    let audit = state.stores.audit.clone();
    let entry = probity_audit::Action {
        time: Utc::now(),
        actor: format!("token:{}", token.name),
        action: action.to_owned(),
        target: "api".to_owned(),
        details,
    };
    let written = tokio::task::spawn_blocking(move || audit.audit(entry)).await;
    match written {
        Ok(Ok(_)) => Ok(()),
        _ => {
            // A query that cannot be audited is not answered.
            tracing::error!(action, "cannot write the audit log; query refused");
            Err(RequestError::Store)
        }
    }
}

/// What analysts see: `items` with members of the public masked by `mask`.
fn masked<T>(mut items: Vec<T>, redactor: &Redactor, mask: fn(&Redactor, &mut T)) -> Vec<T> {
    for item in &mut items {
        mask(redactor, item);
    }
    items
}

/// Query string of `GET /api/v1/events`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    since: Option<String>,
    until: Option<String>,
    user: Option<String>,
    action: Option<String>,
    text: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/events`: the most recent matching events, oldest first.
pub async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Response {
    let details = json!({
        "since": query.since, "until": query.until, "user": query.user,
        "action": query.action, "text": query.text, "limit": query.limit,
    });
    if let Err(refused) = audited(&state, &headers, "events.search", details).await {
        return refused.render(Api::Native);
    }
    let (since, until) = match (
        parse_time("since", query.since.as_deref()),
        parse_time("until", query.until.as_deref()),
    ) {
        (Ok(since), Ok(until)) => (since, until),
        (Err(reason), _) | (_, Err(reason)) => return bad_request(reason),
    };
    let store = state.stores.events.clone();
    let cache = state.clone();
    let request = EventQuery {
        since,
        until,
        user: query.user,
        action: query.action,
        text: query.text,
        limit: query.limit.unwrap_or(100).min(MAX_LIMIT),
    };
    let work = move || {
        let mut events = store.query(&request).map_err(|e| e.to_string())?;
        let redactor = cache.redactor()?;
        // Words found only in what is masked do not answer (see `crate::shown_search`): a
        // query may then return fewer than `limit` events although more are stored.
        let words = crate::shown_search::query_words(request.text.as_deref().unwrap_or(""));
        events.retain(|event| crate::shown_search::shown_text_holds(&redactor, event, &words));
        Ok::<_, String>(masked(events, &redactor, |redactor, event| {
            redactor.event(event);
            redactor.parties(event);
        }))
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(events)) => Json(json!({ "events": events })).into_response(),
        _ => RequestError::Store.render(Api::Native),
    }
}

/// Query string of `GET /api/v1/alerts`.
#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    since: Option<String>,
    until: Option<String>,
    min_level: Option<String>,
    rule: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/alerts`: the most recent matching alerts, oldest first.
pub async fn alerts(
    State(state): State<AppState>,
    Query(query): Query<AlertsQuery>,
    headers: HeaderMap,
) -> Response {
    let details = json!({
        "since": query.since, "until": query.until, "min_level": query.min_level,
        "rule": query.rule, "limit": query.limit,
    });
    if let Err(refused) = audited(&state, &headers, "alerts.list", details).await {
        return refused.render(Api::Native);
    }
    let (since, until) = match (
        parse_time("since", query.since.as_deref()),
        parse_time("until", query.until.as_deref()),
    ) {
        (Ok(since), Ok(until)) => (since, until),
        (Err(reason), _) | (_, Err(reason)) => return bad_request(reason),
    };
    let min_level = match query.min_level.as_deref().map(str::parse::<Level>) {
        None => None,
        Some(Ok(level)) => Some(level),
        Some(Err(reason)) => return bad_request(reason),
    };
    let store = state.stores.alerts.clone();
    let cache = state.clone();
    let request = AlertQuery {
        since,
        until,
        min_level,
        rule_id: query.rule,
        limit: query.limit.unwrap_or(100).min(MAX_LIMIT),
    };
    let work = move || {
        let alerts = store.alerts(&request).map_err(|e| e.to_string())?;
        Ok::<_, String>(masked(alerts, &*cache.redactor()?, |redactor, alert| {
            redactor.alert(alert);
            redactor.alert_user(alert);
        }))
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(alerts)) => Json(json!({ "alerts": alerts })).into_response(),
        _ => RequestError::Store.render(Api::Native),
    }
}

//! Splunk HTTP Event Collector compatible routes.

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use probity_ingest::hec::{HecFailure, HecMeta, decode_event_body, decode_raw_body};
use probity_model::Format;

use super::{AppState, ingest};
use crate::error::Api;

/// Envelope fields that `/raw` takes from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct RawQuery {
    host: Option<String>,
    source: Option<String>,
    sourcetype: Option<String>,
    index: Option<String>,
}

fn answer(failure: Option<HecFailure>) -> Response {
    match failure {
        None => Json(json!({ "text": "Success", "code": 0 })).into_response(),
        Some(failure) => {
            let mut body =
                json!({ "text": failure.problem.text(), "code": failure.problem.code() });
            if let Some(number) = failure.event_number {
                body["invalid-event-number"] = json!(number);
            }
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
    }
}

/// `POST /services/collector/event`.
pub async fn event(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let result = ingest(
        &state,
        &headers,
        body,
        Api::Hec,
        "hec",
        Format::HecEvent,
        |bytes, ctx, batch| decode_event_body(bytes, &HecMeta::default(), ctx, batch),
    )
    .await;
    match result {
        Ok(done) => answer(done.detail),
        Err(error) => error.render(Api::Hec),
    }
}

/// `POST /services/collector/raw`.
pub async fn raw(
    State(state): State<AppState>,
    Query(query): Query<RawQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let meta = HecMeta {
        host: query.host,
        source: query.source,
        sourcetype: query.sourcetype,
        index: query.index,
    };
    let result = ingest(
        &state,
        &headers,
        body,
        Api::Hec,
        "hec",
        Format::HecRaw,
        move |bytes, ctx, batch| decode_raw_body(bytes, &meta, ctx, batch),
    )
    .await;
    match result {
        Ok(done) => answer(done.detail),
        Err(error) => error.render(Api::Hec),
    }
}

/// `GET /services/collector/health`.
pub async fn health(State(state): State<AppState>) -> Response {
    if state.pipeline.writer().is_overloaded(1) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "text": "HEC is unhealthy, queues are full", "code": 18 })),
        )
            .into_response();
    }
    Json(json!({ "text": "HEC is healthy", "code": 17 })).into_response()
}

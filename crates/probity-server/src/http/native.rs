//! `POST /api/v1/events`: NDJSON (or a JSON array) of events, or Probity's chat NDJSON (one message
//! per line, told by its required keys on the first line). Each request is read alone: a chat
//! message's conversation has the members the request's own lines show (docs/messages.md, "Chat
//! members"), not those of earlier requests.
//!
//! 200 with `{"accepted": N, "rejected": M, "errors": [...]}` once every accepted event is durable;
//! rejected lines are in dead-letter, so retrying them does not help. 400 when nothing was accepted.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::json;

use probity_model::Format;

use super::{AppState, ingest};
use crate::error::Api;

/// At most this many per-line errors are listed in a response.
const MAX_LISTED_ERRORS: usize = 100;

/// Whether the body is Probity's chat NDJSON (docs/messages.md), told as files are: by the
/// required keys on its first line.
fn is_chat(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(probity_ingest::detect::HEAD_LEN)];
    probity_ingest::detect::detect(head, std::path::Path::new("")) == Some(Format::Chat)
}

pub async fn events(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let result = ingest(
        &state,
        &headers,
        body,
        Api::Native,
        "http",
        Format::Ndjson,
        |bytes, ctx, batch| {
            if is_chat(bytes) {
                return probity_ingest::chat::decode_chat(bytes, ctx, batch);
            }
            probity_ingest::json::decode_document(bytes, Format::Ndjson, ctx, batch)
        },
    )
    .await;
    match result {
        Err(error) => error.render(Api::Native),
        Ok(done) => {
            let errors: Vec<_> = done
                .rejected
                .iter()
                .take(MAX_LISTED_ERRORS)
                .map(|(location, reason)| json!({ "location": location, "reason": reason }))
                .collect();
            let status = if done.accepted == 0 && !done.rejected.is_empty() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            let body = json!({
                "accepted": done.accepted,
                "rejected": done.rejected.len(),
                "errors": errors,
            });
            (status, Json(body)).into_response()
        }
    }
}

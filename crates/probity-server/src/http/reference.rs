//! Reference data over the API: `PUT /api/v1/reference/{kind}` replaces a kind (CSV or a JSON
//! array) for tokens with the `admin` scope, all or nothing and audited; `GET /api/v1/reference`
//! lists what is loaded. A staff directory loaded while the server runs puts its members'
//! personal addresses in force in the communications stage at once, for the disclosure policy's
//! "the sender's own personal address" class.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::json;

use probity_ingest::Limits;
use probity_insider::Kind;
use probity_insider::stored::{StoredError, load};
use probity_store::Scope;

use super::AppState;
use super::body;
use crate::error::{Api, RequestError};
use crate::metrics::Metrics;

/// Largest reference file accepted over the API.
pub const MAX_REFERENCE_BYTES: usize = 512 * 1024 * 1024;

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    scopes: &[Scope],
) -> Result<String, Response> {
    match state.auth.check(headers, scopes).await {
        Ok(token) => Ok(token.name),
        Err(error) => {
            Metrics::add(&state.metrics.http_unauthorised, 1);
            Err(RequestError::from(error).render(Api::Native))
        }
    }
}

/// `PUT /api/v1/reference/{kind}`.
pub async fn put(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    request_body: axum::body::Body,
) -> Response {
    let token = match authenticate(&state, &headers, &[Scope::Admin]).await {
        Ok(token) => token,
        Err(response) => return response,
    };
    let kind: Kind = match kind.parse() {
        Ok(kind) => kind,
        Err(reason) => {
            return (StatusCode::NOT_FOUND, Json(json!({ "error": reason }))).into_response();
        }
    };
    let limits = Limits {
        max_body_bytes: MAX_REFERENCE_BYTES,
        ..state.limits.clone()
    };
    let bytes = match body::read(request_body, &limits, state.body_timeout).await {
        Ok(bytes) => bytes,
        Err(error) => return error.render(Api::Native),
    };
    let store = state.stores.reference.clone();
    let actor = format!("token:{token}");
    let live = state.pipeline.live_stage().cloned();
    let loaded = tokio::task::spawn_blocking(move || {
        let loaded = load(&*store, kind, &bytes, &actor, "api")?;
        let staff_in_force = match (kind, live) {
            (Kind::Staff, Some(live)) => Some(live.rebuild(|current| {
                let staff = crate::staff_personal_addresses(&*store)?;
                Ok::<_, String>(current.clone().with_staff(staff))
            })),
            _ => None,
        };
        Ok::<_, StoredError>((loaded, staff_in_force))
    })
    .await;
    match loaded {
        Ok(Ok((loaded, staff_in_force))) => {
            let mut answer = json!({
                "kind": loaded.kind.name(),
                "rows": loaded.rows,
                "audit": loaded.audit_seq,
            });
            match staff_in_force {
                Some(Ok(())) => {
                    answer["communications"] =
                        json!("the staff directory's personal addresses are in force");
                }
                Some(Err(error)) => {
                    tracing::error!(%error, "the communications stage kept its staff directory");
                    answer["communications"] = json!(format!(
                        "the communications stage kept the staff directory it had: {error}"
                    ));
                }
                None => {}
            }
            Json(answer).into_response()
        }
        Ok(Err(StoredError::Invalid { kind, source })) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": format!("{kind} not loaded: {source}") })),
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::error!(%error, "reference load failed");
            RequestError::Store.render(Api::Native)
        }
        Err(_) => RequestError::Store.render(Api::Native),
    }
}

/// `GET /api/v1/reference`: kinds loaded, their rows and when.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = authenticate(&state, &headers, &[Scope::Read, Scope::Admin]).await {
        return response;
    }
    let store = state.stores.reference.clone();
    match tokio::task::spawn_blocking(move || store.reference_kinds()).await {
        Ok(Ok(kinds)) => Json(json!(
            kinds
                .into_iter()
                .map(|(kind, rows, at)| json!({ "kind": kind, "rows": rows, "loaded": at }))
                .collect::<Vec<_>>()
        ))
        .into_response(),
        _ => RequestError::Store.render(Api::Native),
    }
}

//! Elasticsearch compatible routes: enough of the API for shippers that speak `_bulk`.

use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

use probity_ingest::bulk::{self, BulkItem};
use probity_model::Format;
use probity_store::Scope;

use super::{AppState, ingest};
use crate::error::{Api, RequestError};
use crate::metrics::Metrics;

/// The version reported to shippers that check it before sending.
const REPORTED_VERSION: &str = "8.17.0";

fn elastic(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

async fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    state
        .auth
        .check(headers, &[Scope::Ingest])
        .await
        .map(|_| ())
        .map_err(|error| {
            Metrics::add(&state.metrics.http_unauthorised, 1);
            RequestError::from(error).render(Api::Elastic)
        })
}

/// `GET /`: cluster information, as Beats, Logstash and Vector ask for before sending.
pub async fn info(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorised(&state, &headers).await {
        return refused;
    }
    elastic(
        StatusCode::OK,
        json!({
            "name": "probity",
            "cluster_name": "probity",
            "cluster_uuid": "probity",
            "version": {
                "number": REPORTED_VERSION,
                "build_flavor": "default",
                "build_type": "probity",
                "lucene_version": "9.12.0",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0"
            },
            "tagline": "You Know, for Search"
        }),
    )
}

/// `HEAD /`: the clients' ping.
pub async fn info_head(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorised(&state, &headers).await {
        return refused;
    }
    elastic(StatusCode::OK, Value::Null)
}

pub async fn bulk(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    run_bulk(state, headers, body, None).await
}

pub async fn bulk_index(
    State(state): State<AppState>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run_bulk(state, headers, body, Some(index)).await
}

async fn run_bulk(
    state: AppState,
    headers: HeaderMap,
    body: Body,
    index: Option<String>,
) -> Response {
    let started = Instant::now();
    let result = ingest(
        &state,
        &headers,
        body,
        Api::Elastic,
        "es",
        Format::EsBulk,
        move |bytes, ctx, batch| bulk::decode(bytes, index.as_deref(), ctx, batch),
    )
    .await;
    let done = match result {
        Ok(done) => done,
        Err(error) => return error.render(Api::Elastic),
    };
    let items: Vec<Value> = done
        .detail
        .iter()
        .enumerate()
        .map(|(seq, item)| item_json(seq, item))
        .collect();
    let errors = done.detail.iter().any(|item| item.result.is_err());
    elastic(
        StatusCode::OK,
        json!({
            "took": started.elapsed().as_millis() as u64,
            "errors": errors,
            "items": items,
        }),
    )
}

/// One item of the response in the shape shippers parse.
fn item_json(seq: usize, item: &BulkItem) -> Value {
    let inner = match &item.result {
        Ok(()) => json!({
            "_index": item.index,
            "_id": item.id,
            "_version": 1,
            "result": "created",
            "_shards": { "total": 1, "successful": 1, "failed": 0 },
            "_seq_no": seq,
            "_primary_term": 1,
            "status": 201,
        }),
        Err(error) => json!({
            "_index": item.index,
            "_id": item.id,
            "status": error.status,
            "error": { "type": error.kind, "reason": error.reason },
        }),
    };
    json!({ item.action.clone(): inner })
}

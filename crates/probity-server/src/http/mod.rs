//! The HTTP API: routes, the shared ingest flow, and the connection loop.
//!
//! | route | what | token scope |
//! | --- | --- | --- |
//! | `GET /healthz` | liveness | none |
//! | `POST /api/v1/events` | NDJSON or a JSON array of events | ingest |
//! | `POST /services/collector[/event]` | Splunk HEC envelopes | ingest |
//! | `POST /services/collector/raw` | Splunk HEC raw lines | ingest |
//! | `GET /services/collector/health` | HEC health check | none |
//! | `GET|HEAD /` | Elasticsearch cluster information (for shippers' version checks) | ingest |
//! | `POST|PUT /_bulk`, `/{index}/_bulk` | Elasticsearch bulk API | ingest |
//! | `GET /api/v1/events` | search events (audited) | read or admin |
//! | `GET /api/v1/alerts` | list alerts (audited) | read or admin |
//! | `GET /api/v1/reference` | reference data loaded (kinds, rows, when) | read or admin |
//! | `PUT /api/v1/reference/{kind}` | replace a kind of reference data, all or nothing (audited) | admin |
//! | `GET /metrics` | Prometheus counters | read or admin |

mod body;
pub(crate) mod elastic;
mod hec;
mod native;
mod read;
mod reference;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use probity_ingest::{Batch, Context, Limits};
use probity_model::Format;
use probity_store::{Overloaded, Scope};

use crate::auth::Authenticator;
use crate::config::ServerConfig;
use crate::error::{Api, RequestError};
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pipeline: Pipeline,
    auth: Authenticator,
    stores: crate::Stores,
    limits: Limits,
    body_timeout: Duration,
    in_flight: Arc<Semaphore>,
    metrics: Arc<Metrics>,
    /// The redactor for the read API, with the reference-data version it was built from.
    redactor: RedactorCache,
    /// The workbench, when the server has a data directory for it.
    web: Option<Arc<crate::web::Web>>,
}

/// A redactor and the reference-data version it was built from.
type RedactorCache = Arc<std::sync::Mutex<Option<(String, Arc<probity_comms::Redactor>)>>>;

impl AppState {
    /// The redactor for what analysts see, rebuilt only when the staff directory is reloaded.
    pub fn redactor(&self) -> Result<Arc<probity_comms::Redactor>, String> {
        let reference = &*self.stores.reference;
        let version =
            probity_insider::stored::loaded_version(reference).map_err(|e| e.to_string())?;
        let mut cached = self
            .redactor
            .lock()
            .map_err(|_| "the redactor cache is unusable".to_owned())?;
        if let Some((built_for, redactor)) = cached.as_ref()
            && *built_for == version
        {
            return Ok(Arc::clone(redactor));
        }
        let redactor = Arc::new(crate::redactor(reference)?);
        *cached = Some((version, Arc::clone(&redactor)));
        Ok(redactor)
    }

    pub fn new(
        pipeline: Pipeline,
        auth: Authenticator,
        stores: crate::Stores,
        config: &ServerConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            pipeline,
            auth,
            stores,
            limits: config.limits.clone(),
            body_timeout: config.body_timeout,
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            metrics,
            redactor: Arc::default(),
            web: None,
        }
    }

    /// The same state with the workbench.
    pub fn with_web(mut self, web: Option<Arc<crate::web::Web>>) -> Self {
        self.web = web;
        self
    }

    /// The workbench, if set up.
    pub fn web(&self) -> Option<Arc<crate::web::Web>> {
        self.web.clone()
    }

    /// The stores.
    pub fn stores(&self) -> &crate::Stores {
        &self.stores
    }
}

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/events", post(native::events).get(read::events))
        .route("/api/v1/alerts", get(read::alerts))
        .route("/api/v1/reference", get(reference::list))
        .route("/api/v1/reference/{kind}", put(reference::put))
        .route("/services/collector", post(hec::event))
        .route("/services/collector/event", post(hec::event))
        .route("/services/collector/event/1.0", post(hec::event))
        .route("/services/collector/raw", post(hec::raw))
        .route("/services/collector/raw/1.0", post(hec::raw))
        .route("/_bulk", post(elastic::bulk).put(elastic::bulk))
        .route(
            "/{index}/_bulk",
            post(elastic::bulk_index).put(elastic::bulk_index),
        )
        .route("/metrics", get(metrics))
        .merge(crate::web::router(state.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), shed_load))
        // Health checks are answered even under load, and without a token.
        .route("/healthz", get(healthz))
        .route("/services/collector/health", get(hec::health))
        .route("/services/collector/health/1.0", get(hec::health))
        .fallback(not_found)
        .with_state(state)
}

/// Which API's conventions a path follows.
fn api_of(path: &str) -> Api {
    if path.starts_with("/services/collector") {
        Api::Hec
    } else if path == "/" || path.ends_with("/_bulk") {
        Api::Elastic
    } else {
        Api::Native
    }
}

/// Refuses requests beyond the in-flight limit rather than queueing them.
async fn shed_load(State(state): State<AppState>, request: Request, next: Next) -> Response {
    Metrics::add(&state.metrics.http_requests, 1);
    let Ok(_permit) = Arc::clone(&state.in_flight).try_acquire_owned() else {
        Metrics::add(&state.metrics.overloaded, 1);
        return RequestError::Busy.render(api_of(request.uri().path()));
    };
    next.run(request).await
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": "no such route" })),
    )
        .into_response()
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(error) = state
        .auth
        .check(&headers, &[Scope::Read, Scope::Admin])
        .await
    {
        Metrics::add(&state.metrics.http_unauthorised, 1);
        return RequestError::from(error).render(Api::Native);
    }
    let text = state.metrics.render(state.pipeline.writer().queued());
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response()
}

/// What the shared flow tells a handler about a request it accepted.
#[derive(Debug)]
pub struct Ingested<R> {
    /// What the decoder returned (HEC problems, bulk items…).
    pub detail: R,
    pub accepted: usize,
    /// The rejected inputs' locations and reasons.
    pub rejected: Vec<(Option<String>, String)>,
}

/// The flow every ingest route shares: authenticate, read and decompress the body within limits,
/// decode it on a blocking thread, queue it, and wait until it is durable.
///
/// Whole-body failures after authentication (too large, bad gzip) are kept in dead-letter too.
async fn ingest<R, F>(
    state: &AppState,
    headers: &HeaderMap,
    body: axum::body::Body,
    api: Api,
    source_prefix: &str,
    format: Format,
    decode: F,
) -> Result<Ingested<R>, RequestError>
where
    R: Send + 'static,
    F: FnOnce(&[u8], &mut Context, &mut Batch) -> probity_ingest::Result<R> + Send + 'static,
{
    let token = state
        .auth
        .check(headers, &[Scope::Ingest])
        .await
        .map_err(|error| {
            Metrics::add(&state.metrics.http_unauthorised, 1);
            tracing::info!(api = ?api, error = ?error, "request refused: not authenticated");
            RequestError::from(error)
        })?;
    let source = format!("{source_prefix}:{}", token.name);
    let encoding = body::encoding(headers)?;
    if let Some(claimed) = body::claimed_length(headers)
        && claimed > state.limits.max_body_bytes as u64
    {
        let reason = format!(
            "request body of {claimed} bytes is larger than the {} byte limit; not read",
            state.limits.max_body_bytes
        );
        keep_failure(state, &source, format, reason, Bytes::new(), claimed).await;
        return Err(RequestError::TooLarge {
            size: Some(claimed),
            limit: state.limits.max_body_bytes,
        });
    }
    let raw = match body::read(body, &state.limits, state.body_timeout).await {
        Ok(raw) => raw,
        Err(error @ RequestError::TooLarge { .. }) => {
            let reason = format!(
                "request body grew past the {} byte limit while being read; not kept",
                state.limits.max_body_bytes
            );
            keep_failure(state, &source, format, reason, Bytes::new(), 0).await;
            return Err(error);
        }
        Err(error) => return Err(error),
    };

    let limits = state.limits.clone();
    let pipeline = state.pipeline.clone();
    let worker_source = source.clone();
    let work = tokio::task::spawn_blocking(move || {
        let mut ctx = Context::new(worker_source, limits);
        let mut batch = Batch::new();
        let decompressed;
        let bytes: &[u8] = match encoding {
            body::Encoding::Identity => &raw,
            body::Encoding::Gzip => match body::gunzip(&raw, &ctx.limits) {
                Ok(inflated) => {
                    decompressed = inflated;
                    &decompressed
                }
                Err(reason) => {
                    batch
                        .rejected
                        .push(ctx.dead_letter(Some(format), reason.clone(), None, &raw));
                    let submission = pipeline.submit(batch);
                    return Err((RequestError::BadBody(reason), submission.ok()));
                }
            },
        };
        let detail = decode(bytes, &mut ctx, &mut batch).map_err(|error| {
            tracing::error!(%error, "decoding a request failed");
            (RequestError::Store, None)
        })?;
        let rejected: Vec<(Option<String>, String)> = batch
            .rejected
            .iter()
            .map(|d| (d.location.clone(), d.reason.clone()))
            .collect();
        let accepted = batch.events.len();
        match pipeline.submit(batch) {
            Ok(submission) => Ok((detail, accepted, rejected, submission)),
            Err(Overloaded) => Err((RequestError::Overloaded, None)),
        }
    });
    let (detail, accepted, rejected, submission) = match work.await {
        Ok(Ok(done)) => done,
        Ok(Err((error, kept))) => {
            if let Some(kept) = kept
                && let Err(store_error) = kept.durable().await
            {
                tracing::error!(%store_error, "keeping a rejected body failed");
            }
            return Err(error);
        }
        Err(join_error) => {
            tracing::error!(%join_error, "decoding task failed");
            return Err(RequestError::Store);
        }
    };
    submission.durable().await.map_err(|error| {
        tracing::error!(%error, "committing events failed");
        RequestError::Store
    })?;
    if !rejected.is_empty() {
        tracing::info!(%source, accepted, rejected = rejected.len(), "some input kept in dead-letter");
    }
    Ok(Ingested {
        detail,
        accepted,
        rejected,
    })
}

/// Keeps a whole-body failure in dead-letter (best effort: a full queue is logged, not waited on).
async fn keep_failure(
    state: &AppState,
    source: &str,
    format: Format,
    reason: String,
    raw: Bytes,
    claimed: u64,
) {
    let ctx = Context::new(source.to_owned(), state.limits.clone());
    let mut letter = ctx.dead_letter(Some(format), reason, None, &raw);
    letter.raw_len = letter.raw_len.max(claimed);
    let mut batch = Batch::new();
    batch.rejected.push(letter);
    match state.pipeline.submit(batch) {
        Ok(submission) => {
            if let Err(error) = submission.durable().await {
                tracing::error!(%error, "keeping a rejected request in dead-letter failed");
            }
        }
        Err(Overloaded) => {
            tracing::warn!(%source, "store busy: a rejected request was not kept in dead-letter");
        }
    }
}

/// The connection loop: HTTP/1.1 with a header timeout and a connection limit, until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    config: ServerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let app = router(state);
    let connections = Arc::new(Semaphore::new(config.max_http_connections.max(1)));
    let mut tasks: JoinSet<()> = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit,
            _ = shutdown.changed() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accepting an HTTP connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut conn_shutdown = shutdown.clone();
        let header_timeout = config.header_timeout;
        // Reap finished connections so the set does not grow.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "HTTP connection ended with an error");
                    }
                }
                _ = conn_shutdown.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

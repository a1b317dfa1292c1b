//! The analyst's workbench: server-rendered pages inside `probity serve`, on the same listener as
//! the API.
//!
//! - [`routes`]: the one route table (method, path, what it needs) the router is built from.
//! - [`guard`]: the one middleware that matches every request against the table, finds the
//!   session, checks the permission and the CSRF token, before any handler runs.
//! - [`session`]: sign-in (password and authenticator code), enrolment, sign-out, cookies.
//! - `pages`: one file per area; `layout`: the page shell, CSS and forms.
//! - [`people`]: how people are shown, only ever as pseudonyms.
//!
//! Accounts, sessions, pseudonyms and reveals come from `probity-access` (file `access.db` and the
//! pseudonym key in the data directory). All of it is synchronous SQLite and Argon2, so it runs on
//! blocking threads.

mod caches;
mod error;
mod form;
pub mod guard;
mod layout;
mod oidc;
mod pages;
pub mod people;
pub mod routes;
pub mod session;
mod static_files;

use std::path::PathBuf;
use std::sync::Arc;

use probity_access::{Access, AccessPolicy, OidcConfig, Pseudonymiser, SqliteAccessStore};

pub use error::WebError;
pub use routes::{Need, ROUTES, Route};
pub use session::{CSRF_FIELD, SESSION_COOKIE, Session};

/// Workbench settings (`probity serve --data --oidc --insecure-cookies`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The data directory holding `access.db` and the pseudonym key.
    pub data_dir: PathBuf,
    /// Whether the session cookie carries `Secure` (off only for plain-HTTP development).
    pub secure_cookies: bool,
    /// Single sign-on settings, when configured.
    pub oidc: Option<OidcConfig>,
    /// Accounts, sign-in, session and reveal policy.
    pub access: AccessPolicy,
    /// The most alerts and events one evidence pack holds: a case that links more is refused,
    /// naming its counts, and never packed in part. [`DEFAULT_MAX_PACK`] unless set; at most the
    /// evidence crate's own limits, which its `build` enforces.
    pub max_pack: probity_case::evidence::Counts,
}

/// The most alerts and events one evidence pack from the workbench holds by default. A pack is
/// built in memory within one request: one of 20,000 messages and 2,000 alerts took 12 s and
/// about 270 MB beyond its input on the development machine (`tests/pack_bench.rs`), so the
/// evidence crate's own limits (100,000 events and 10,000 alerts: about a minute and well over a
/// gigabyte, by the same measure) are too much for one request.
pub const DEFAULT_MAX_PACK: probity_case::evidence::Counts = probity_case::evidence::Counts {
    alerts: 2_000,
    events: 20_000,
};

impl WebConfig {
    /// Settings for `data_dir` with the defaults: secure cookies, no single sign-on.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            secure_cookies: true,
            oidc: None,
            access: AccessPolicy::default(),
            max_pack: DEFAULT_MAX_PACK,
        }
    }
}

/// The workbench's own state, shared by every request.
pub struct Web {
    pub(crate) access: Access<SqliteAccessStore>,
    pub(crate) keys: Pseudonymiser,
    pub(crate) config: WebConfig,
    pub(crate) people: people::People,
    pub(crate) caches: caches::Caches,
    pub(crate) oidc: oidc::OidcState,
    pub(crate) workbench: probity_case::Workbench,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl Web {
    /// Opens `access.db` and the pseudonym key in the data directory (blocking: it hashes a
    /// password once to equalise sign-in timing).
    pub fn open(config: WebConfig) -> Result<Self, probity_access::Error> {
        let store = SqliteAccessStore::open(&config.data_dir)?;
        let access = Access::new(store, config.access.clone())?;
        let keys = Pseudonymiser::open(&config.data_dir)?;
        let oidc = oidc::OidcState::new(config.oidc.clone());
        let workbench = probity_case::Workbench::open(&config.data_dir).map_err(|error| {
            probity_access::Error::Corrupt(format!("cannot open the workbench database: {error}"))
        })?;
        Ok(Self {
            workbench,
            access,
            keys,
            config,
            people: people::People::default(),
            caches: caches::Caches::default(),
            oidc,
        })
    }

    /// The access layer.
    pub fn access(&self) -> &Access<SqliteAccessStore> {
        &self.access
    }
}

/// The workbench's routes, each behind the guard.
pub fn router(state: AppState) -> axum::Router<AppState> {
    routes::router().route_layer(axum::middleware::from_fn_with_state(state, guard::guard))
}

use crate::http::AppState;

/// Runs blocking work (SQLite, Argon2) off the async threads.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, WebError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => {
            tracing::error!(%error, "a workbench task failed");
            Err(WebError::Internal)
        }
    }
}

/// The workbench of `state`, or the error saying it is not set up.
/// Work done once as the server starts, so that first page loads are quick (the dashboard's
/// aggregate). Does nothing on a server without the workbench.
pub(crate) fn warm(state: &AppState) {
    if state.web().is_some() {
        pages::dashboard::warm(state);
    }
}

pub(crate) fn web_of(state: &AppState) -> Result<Arc<Web>, WebError> {
    state.web().ok_or(WebError::Unavailable(
        "the workbench is not set up on this server (start it with --data)".into(),
    ))
}

/// Appends `action` to the audit log; an action that cannot be recorded fails the request.
pub(crate) fn record(
    audit: &dyn probity_store::AuditStore,
    action: probity_audit::Action,
) -> Result<(), WebError> {
    audit.audit(action).map(|_| ()).map_err(|error| {
        tracing::error!(%error, "cannot write the audit log");
        WebError::Internal
    })
}

/// Now, for the access layer and the audit log.
pub(crate) fn now() -> probity_model::Timestamp {
    chrono::Utc::now()
}

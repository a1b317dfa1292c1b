//! Single sign-on (OpenID Connect, authorisation code flow with PKCE) through `probity-oidc`.
//!
//! `/auth/oidc/start` discovers the provider (once), makes the authorisation URL and keeps the
//! pending sign-in (state, nonce, PKCE verifier) on the server, keyed by `state`, for at most
//! ten minutes. `/auth/oidc/callback` takes it back by `state`, exchanges the code, validates the
//! ID token, maps the claims to roles ([`OidcConfig::roles_from_claims`]) and starts the session
//! with `Access::sign_in_sso`. Every outcome is audited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use probity_access::{OidcConfig, SignIn};
use probity_oidc::{OidcClient, PendingLogin};

use super::layout::see_other;
use super::session::{login_with_error, signed_in_elsewhere};
use super::{WebError, blocking, now, record, web_of};
use crate::http::AppState;

/// How long a started sign-in may take.
const PENDING_FOR: Duration = Duration::from_secs(600);
/// Most sign-ins in progress at once.
const MAX_PENDING: usize = 10_000;
/// What the sign-in page says when single sign-on fails (the reason goes to the log).
const FAILED: &str = "Single sign-on did not complete. Try again, or ask an administrator.";

type Pending = HashMap<String, (PendingLogin, Instant)>;

/// Single sign-on settings, the provider (once discovered) and the sign-ins in progress.
#[derive(Debug, Default)]
pub struct OidcState {
    config: Option<OidcConfig>,
    client: Mutex<Option<Arc<OidcClient>>>,
    pending: Mutex<Pending>,
}

impl OidcState {
    /// State for these settings.
    pub fn new(config: Option<OidcConfig>) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Whether single sign-on is configured.
    pub fn configured(&self) -> bool {
        self.config.is_some()
    }

    /// The provider's client, discovering it on first use (blocking).
    fn client(&self) -> Result<Arc<OidcClient>, WebError> {
        let config = self.config.as_ref().ok_or_else(not_configured)?;
        if let Ok(cached) = self.client.lock()
            && let Some(client) = cached.as_ref()
        {
            return Ok(Arc::clone(client));
        }
        let secret = config.load_client_secret()?;
        let client = OidcClient::discover(config, secret).map_err(|error| {
            tracing::error!(%error, "single sign-on discovery failed");
            WebError::Unavailable("The single sign-on provider cannot be reached.".into())
        })?;
        let client = Arc::new(client);
        if let Ok(mut cached) = self.client.lock() {
            *cached = Some(Arc::clone(&client));
        }
        Ok(client)
    }

    fn keep(&self, pending: PendingLogin) {
        if let Ok(mut map) = self.pending.lock() {
            map.retain(|_, (_, at)| at.elapsed() < PENDING_FOR);
            if map.len() >= MAX_PENDING {
                return;
            }
            map.insert(pending.state().to_owned(), (pending, Instant::now()));
        }
    }

    fn take(&self, state: &str) -> Option<PendingLogin> {
        let mut map = self.pending.lock().ok()?;
        let (pending, at) = map.remove(state)?;
        (at.elapsed() < PENDING_FOR).then_some(pending)
    }
}

fn not_configured() -> WebError {
    WebError::NotFound("Single sign-on is not configured on this server.".into())
}

/// `GET /auth/oidc/start`.
pub async fn start(State(state): State<AppState>) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    if !web.oidc.configured() {
        return Err(not_configured());
    }
    let worker = Arc::clone(&web);
    let url = blocking(move || {
        let client = worker.oidc.client()?;
        let (url, pending) = client.begin();
        worker.oidc.keep(pending);
        Ok(url)
    })
    .await?;
    Ok(see_other(&url))
}

/// Query of the callback.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback`.
pub async fn callback(
    State(state): State<AppState>,
    Query(callback): Query<Callback>,
) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    if !web.oidc.configured() {
        return Err(not_configured());
    }
    let audit = Arc::clone(&state.stores().audit);
    let refuse = |reason: String| probity_audit::Action {
        time: now(),
        actor: "anonymous".into(),
        action: "account.sign-in.denied".into(),
        target: "(single sign-on)".into(),
        details: json!({ "method": "oidc", "reason": reason }),
    };
    let pending = callback.state.as_deref().and_then(|s| web.oidc.take(s));
    let (Some(code), Some(pending), None) = (callback.code, pending, callback.error.clone()) else {
        let reason = callback
            .error
            .map(|e| {
                format!(
                    "provider error: {}",
                    e.chars().take(100).collect::<String>()
                )
            })
            .unwrap_or_else(|| "unknown or expired state".into());
        let action = refuse(reason);
        blocking(move || record(&*audit, action)).await?;
        return Ok(login_with_error(&web, FAILED));
    };
    let worker = Arc::clone(&web);
    let outcome = blocking(move || {
        let client = worker.oidc.client()?;
        let claims = match client.finish(pending, &code) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::warn!(%error, "single sign-on refused");
                record(&*audit, refuse(error.to_string()))?;
                return Ok(None);
            }
        };
        let config = client.config();
        let Some(name) = config.username_from_claims(&claims).map(str::to_owned) else {
            record(&*audit, refuse("no user name claim".into()))?;
            return Ok(None);
        };
        let roles = config.roles_from_claims(&claims);
        let (outcome, action) = worker.access.sign_in_sso(&name, roles, now())?;
        record(&*audit, action)?;
        Ok(Some(outcome))
    })
    .await?;
    match outcome {
        Some(SignIn::Granted { token, .. }) => Ok(signed_in_elsewhere(&web, &token)),
        Some(SignIn::Denied(denial)) => Ok(login_with_error(&web, denial.public_message())),
        None => Ok(login_with_error(&web, FAILED)),
    }
}

//! Single sign-on (OpenID Connect). The relying party itself is the `probity-oidc` crate; until
//! it is part of this build, the routes say that single sign-on is not available.

use axum::extract::State;
use axum::response::Response;

use probity_access::OidcConfig;

use super::{WebError, web_of};
use crate::http::AppState;

/// Single sign-on settings and the logins in progress.
#[derive(Debug, Default)]
pub struct OidcState {
    config: Option<OidcConfig>,
}

impl OidcState {
    /// State for these settings.
    pub fn new(config: Option<OidcConfig>) -> Self {
        Self { config }
    }

    /// Whether single sign-on is configured.
    pub fn configured(&self) -> bool {
        self.config.is_some()
    }
}

/// `GET /auth/oidc/start`.
pub async fn start(State(state): State<AppState>) -> Result<Response, WebError> {
    let _web = web_of(&state)?;
    Err(WebError::Unavailable(
        "Single sign-on is not available on this server.".into(),
    ))
}

/// `GET /auth/oidc/callback`.
pub async fn callback(State(state): State<AppState>) -> Result<Response, WebError> {
    let _web = web_of(&state)?;
    Err(WebError::Unavailable(
        "Single sign-on is not available on this server.".into(),
    ))
}

//! The one guard: every workbench request is matched against [`ROUTES`](super::ROUTES) before
//! any handler runs.
//!
//! - no entry for the method and path: 404 (405 when the path exists under another method);
//! - public routes pass;
//! - no live session: pages redirect to `/login`, everything else gets 401;
//! - a session that has not finished signing in may only enrol an authenticator or sign out;
//! - a missing permission: 403, and the refusal is recorded in the audit log (`access.refused`,
//!   the path and the permission needed);
//! - every POST must carry the session's CSRF token (form field `csrf` or header
//!   `x-csrf-token`): 403 otherwise.
//!
//! Requests to `/` with an `Authorization` header (or on a server without the workbench) are the
//! Elasticsearch API's, not the workbench's, and pass to it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};

use super::form::{Fields, MAX_FORM_BYTES};
use super::layout::see_other;
use super::routes::{self, Need};
use super::session::{Session, token_from};
use super::{CSRF_FIELD, WebError, blocking, now, web_of};
use crate::http::AppState;

/// The guard middleware.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = check(state, request, next).await;
    harden(response.headers_mut());
    response
}

async fn check(state: AppState, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let elastic = request.headers().contains_key(header::AUTHORIZATION) || state.web().is_none();
    if path == "/" && elastic {
        return next.run(request).await;
    }
    let Some(route) = routes::find(&method, &path) else {
        if routes::path_known(&path) {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        return WebError::NotFound("There is no such page.".into()).into_response();
    };
    if route.need == Need::Public {
        return next.run(request).await;
    }
    let web = match web_of(&state) {
        Ok(web) => web,
        Err(error) => return error.into_response(),
    };
    let is_page = method == Method::GET || method == Method::HEAD;
    let Some(token) = token_from(request.headers()) else {
        return unauthenticated(is_page);
    };
    let session = {
        let web = Arc::clone(&web);
        let token = token.clone();
        blocking(move || Ok(web.access.authenticate(&token, now())?)).await
    };
    let principal = match session {
        Ok(Some(principal)) => principal,
        Ok(None) => return unauthenticated(is_page),
        Err(error) => return error.into_response(),
    };
    let session = Session::new(principal, token);
    if !session.principal.signed_in() && route.need != Need::Session {
        if is_page {
            return see_other("/account/totp");
        }
        return WebError::Forbidden("Finish signing in first.".into()).into_response();
    }
    let needed: &[probity_access::Permission] = match &route.need {
        Need::Permission(permission) => std::slice::from_ref(permission),
        Need::Any(permissions) => permissions,
        _ => &[],
    };
    if !needed.is_empty() && !needed.iter().any(|p| session.principal.allows(*p)) {
        let names: Vec<&str> = needed.iter().map(|p| p.as_str()).collect();
        let refusal = probity_audit::Action {
            time: now(),
            actor: session.principal.actor(),
            action: "access.refused".into(),
            target: path.clone(),
            details: serde_json::json!({ "method": method.as_str(), "needs": names }),
        };
        let audit = state.clone();
        // The refusal stands whether or not it could be written; a failure is logged there.
        let _ = blocking(move || super::record(&*audit.stores().audit, refusal)).await;
        return WebError::Forbidden(format!(
            "Your role does not allow this (it needs the {} permission).",
            names.join(" or ")
        ))
        .into_response();
    }
    if method == Method::POST {
        request = match csrf_checked(request, &session).await {
            Ok(request) => request,
            Err(refused) => return refused,
        };
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn unauthenticated(is_page: bool) -> Response {
    if is_page {
        return see_other("/login");
    }
    let mut response = (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Cookie realm=\"probity\""),
    );
    response
}

/// Reads the form body (within the limit), checks its CSRF token, and puts the body back.
async fn csrf_checked(request: Request, session: &Session) -> Result<Request, Response> {
    let refused = || {
        WebError::Forbidden(
            "This form has expired or did not come from Probity. Go back, reload and try again."
                .into(),
        )
        .into_response()
    };
    if let Some(header) = request.headers().get("x-csrf-token")
        && let Ok(presented) = header.to_str()
        && session.token.csrf_matches(presented)
    {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?;
    let fields = Fields::parse(&bytes).map_err(|_| refused())?;
    let presented = fields
        .0
        .iter()
        .find(|(key, _)| key == CSRF_FIELD)
        .map(|(_, value)| value.as_str())
        .unwrap_or("");
    if !session.token.csrf_matches(presented) {
        return Err(refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Headers every workbench answer carries.
fn harden(headers: &mut http::HeaderMap) {
    let pairs = [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ];
    for (name, value) in pairs {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

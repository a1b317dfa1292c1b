//! Signing in and out: the `/login` form (password and authenticator code), first-sign-in
//! enrolment of an authenticator at `/account/totp`, and `/logout`.
//!
//! The session token lives in the `probity_session` cookie (HttpOnly, SameSite=Strict, Secure
//! unless `--insecure-cookies`). Every form carries the session's CSRF token in the hidden input
//! `csrf`; the guard checks it on every POST. The sign-in form, which comes before any session,
//! is tied to the browser that fetched it instead: `GET /login` sets a random `probity_login`
//! cookie (SameSite=Strict, ten minutes) and puts the same value in the form, and `POST /login`
//! refuses a form whose value does not match the cookie, so another site cannot sign a browser in
//! to an account of its choosing. Timeouts (idle and absolute) and lockout are the access layer's.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};
use maud::html;
use serde::Deserialize;

use probity_access::{Principal, SessionToken, SignIn};

use super::form::Fields;
use super::layout::{self, see_other};
use super::{Web, WebError, blocking, now, record, web_of};
use crate::http::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "probity_session";
/// The hidden form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The cookie tying a sign-in form to the browser that fetched it.
pub const LOGIN_COOKIE: &str = "probity_login";
/// How long a sign-in form stays usable, in seconds.
const LOGIN_FORM_SECONDS: u32 = 600;

/// Who is making a request, put on the request by the guard.
#[derive(Debug, Clone)]
pub struct Session {
    /// The person and their roles.
    pub principal: Principal,
    /// The session token (from the cookie).
    pub token: SessionToken,
    /// The session's CSRF token, for forms.
    pub csrf: String,
}

impl Session {
    /// A session for `principal` holding `token`.
    pub fn new(principal: Principal, token: SessionToken) -> Self {
        let csrf = token.csrf_token();
        Self {
            principal,
            token,
            csrf,
        }
    }
}

/// The session token in a request's cookies, if any.
pub fn token_from(headers: &HeaderMap) -> Option<SessionToken> {
    cookie_value(headers, SESSION_COOKIE).map(SessionToken::from_presented)
}

/// The value of the cookie `name` (at most 128 characters), if the request has it.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((key, value)) = pair.trim().split_once('=')
                && key == name
                && !value.is_empty()
                && value.len() <= 128
            {
                return Some(value);
            }
        }
    }
    None
}

/// Compares two strings in time that depends only on their lengths.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie(web: &Web, value: &str, clear: bool) -> Option<HeaderValue> {
    let secure = if web.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let expiry = if clear { "; Max-Age=0" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{expiry}"
    ))
    .ok()
}

/// A redirect that sets (or clears) the session cookie.
fn redirect_with_cookie(web: &Web, location: &str, token: Option<&SessionToken>) -> Response {
    let mut response = see_other(location);
    let value = match token {
        Some(token) => cookie(web, token.expose(), false),
        None => cookie(web, "", true),
    };
    if let Some(value) = value {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn login_form(web: &Web, error: Option<&str>) -> Response {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let form_token = hex::encode(bytes);
    let mut response = layout::bare(
        "Sign in",
        html! {
            div.login.panel {
                h1 { "Sign in to Probity" }
                @if let Some(error) = error {
                    p #error { (error) }
                }
                form #login.stack method="post" action="/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(form_token);
                    label for="username" { "Name" }
                    input #username type="text" name="username" autocomplete="username" required;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    label for="code" { "Authenticator code" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                        placeholder="leave blank at first sign-in";
                    p { button type="submit" { "Sign in" } }
                }
                @if web.oidc.configured() {
                    p { a #sso href="/auth/oidc/start" { "Sign in with the force's single sign-on" } }
                }
            }
        },
    );
    let secure = if web.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={form_token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={LOGIN_FORM_SECONDS}{secure}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /login`.
pub async fn login_page(State(state): State<AppState>) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    Ok(login_form(&web, None))
}

/// `POST /login`: password and code. Only a generic message is shown on failure; the reason goes
/// to the audit log.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Fields,
) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    let presented = form.get(CSRF_FIELD).unwrap_or("");
    let expected = cookie_value(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(presented, expected) {
        let mut response = login_form(
            &web,
            Some(
                "The sign-in form had expired or did not come from this site. Please sign in again.",
            ),
        );
        *response.status_mut() = http::StatusCode::FORBIDDEN;
        return Ok(response);
    }
    let username = form.get("username").unwrap_or("").to_owned();
    let password = form
        .0
        .iter()
        .find(|(key, _)| key == "password")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let code = form.get("code").map(str::to_owned);
    let audit = Arc::clone(&state.stores().audit);
    let worker = Arc::clone(&web);
    let outcome = blocking(move || {
        let (outcome, action) =
            worker
                .access
                .sign_in(&username, &password, code.as_deref(), now())?;
        record(&*audit, action)?;
        Ok(outcome)
    })
    .await?;
    match outcome {
        SignIn::Granted { token, principal } => {
            let next = if principal.signed_in() {
                "/"
            } else {
                "/account/totp"
            };
            Ok(redirect_with_cookie(&web, next, Some(&token)))
        }
        SignIn::Denied(denial) => Ok(login_form(&web, Some(denial.public_message()))),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    let audit = Arc::clone(&state.stores().audit);
    let worker = Arc::clone(&web);
    blocking(move || {
        if let Some(action) = worker.access.sign_out(&session.token, now())? {
            record(&*audit, action)?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect_with_cookie(&web, "/login", None))
}

/// Query of `GET /account/totp`.
#[derive(Debug, Default, Deserialize)]
pub struct TotpQuery {
    error: Option<String>,
}

/// `GET /account/totp`: starts enrolling an authenticator and shows its secret.
pub async fn totp_page(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(query): Query<TotpQuery>,
) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    let audit = Arc::clone(&state.stores().audit);
    let principal = session.principal.clone();
    let enrolment = blocking(move || {
        let (enrolment, action) = web.access.start_totp_enrolment(&principal, now())?;
        record(&*audit, action)?;
        Ok(enrolment)
    })
    .await?;
    let error = query.error.is_some().then_some(
        "That code was not right. A new secret is shown: add it again and enter its code.",
    );
    let body = html! {
        div.panel {
            h1 { "Set up your authenticator" }
            p { "Add this secret to your authenticator app (or open the link on your phone), then enter the 6-digit code it shows." }
            @if let Some(error) = error { p #error { (error) } }
            p { "Secret: " code #totp-secret { (enrolment.secret.to_base32()) } }
            p.muted { a href=(enrolment.uri) { "otpauth link" } }
            form #totp.stack method="post" action="/account/totp" {
                (layout::csrf(&session))
                label for="code" { "Code" }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                p { button type="submit" { "Confirm" } }
            }
        }
    };
    Ok(layout::page(&session, "Authenticator", "", body))
}

/// `POST /account/totp`: confirms enrolment with a code; the session is replaced by a fully
/// signed-in one.
pub async fn totp_confirm(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let web = web_of(&state)?;
    let code = form.require("code")?.to_owned();
    let audit = Arc::clone(&state.stores().audit);
    let worker = Arc::clone(&web);
    let confirmed = blocking(move || {
        match worker
            .access
            .confirm_totp_enrolment(&session.token, &code, now())
        {
            Ok((fresh, action)) => {
                record(&*audit, action)?;
                Ok(Some(fresh))
            }
            Err(probity_access::Error::BadCode | probity_access::Error::NoEnrolment) => Ok(None),
            Err(other) => Err(other.into()),
        }
    })
    .await?;
    match confirmed {
        Some(fresh) => Ok(redirect_with_cookie(&web, "/", Some(&fresh))),
        None => Ok(see_other("/account/totp?error=1")),
    }
}

/// A sign-in that an identity provider vouched for: sets the cookie and goes to the dashboard.
pub(crate) fn signed_in_elsewhere(web: &Web, token: &SessionToken) -> Response {
    redirect_with_cookie(web, "/", Some(token))
}

/// The sign-in page with a message (for single sign-on failures).
pub(crate) fn login_with_error(web: &Web, error: &str) -> Response {
    let mut response = login_form(web, Some(error));
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response.into_response()
}

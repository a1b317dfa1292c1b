//! `/admin/accounts` (create with roles, disable, enable, reset password or authenticator) and
//! `/admin/tokens` (ingest tokens for log shippers and scripts). Every change is audited.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use probity_access::{AccessStore, Role, RoleSet};
use probity_store::Scope;

use super::super::form::Fields;
use super::super::layout::{self, see_other};
use super::super::{Session, WebError, blocking, now, record};
use super::parts;
use crate::http::AppState;

/// A notice carried to the next page.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

fn back(path: &str, text: &str) -> Response {
    see_other(&format!("{path}?notice={}", layout::query_value(text)))
}

/// `GET /admin/accounts`.
pub async fn list(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(notice): Query<Notice>,
) -> Result<Response, WebError> {
    let (web, _) = parts(&state)?;
    let accounts = blocking(move || Ok(web.access.store().accounts()?)).await?;
    let body = html! {
        h1 { "Accounts" }
        (layout::notice(notice.notice.as_deref()))
        table #accounts {
            tr { th { "Name" } th { "Display name" } th { "Roles" } th { "State" } th { "Authenticator" } th { "Last sign-in" } th { "Actions" } }
            @for account in &accounts {
                @let name = account.name.as_str();
                tr.account data-account=(name) {
                    td { (name) }
                    td { (account.display_name) }
                    td { (account.roles.to_list()) }
                    td { @if account.disabled { "disabled" } @else if account.locked_until.is_some_and(|t| t > now()) { "locked" } @else { "active" } }
                    td { @if account.totp.is_some() { "enrolled" } @else { "not enrolled" } }
                    td { (account.last_login.as_ref().map(layout::time).unwrap_or_else(|| "never".into())) }
                    td {
                        @let verb = if account.disabled { "enable" } else { "disable" };
                        form.inline method="post" action={ "/admin/accounts/" (name) "/" (verb) } {
                            (layout::csrf(&session)) button.secondary type="submit" { (verb) }
                        }
                        " "
                        form.inline method="post" action={ "/admin/accounts/" (name) "/reset-totp" } {
                            (layout::csrf(&session)) button.secondary type="submit" { "reset authenticator" }
                        }
                        " "
                        form.inline method="post" action={ "/admin/accounts/" (name) "/reset-password" } {
                            (layout::csrf(&session))
                            input type="password" name="password" placeholder="new password" autocomplete="new-password";
                            button.secondary type="submit" { "reset password" }
                        }
                    }
                }
            }
        }
        form #new-account.panel.stack method="post" action="/admin/accounts" {
            (layout::csrf(&session))
            h2 { "New account" }
            label { "Name" input type="text" name="name" required; }
            label { "Display name" input type="text" name="display_name"; }
            p { "Roles: "
                @for role in Role::ALL {
                    @if role != Role::IngestClient {
                        label { input type="checkbox" name="role" value=(role.as_str()); " " (role.as_str()) } " "
                    }
                }
            }
            label { "Password (12 or more characters; leave blank for single sign-on only)" input type="password" name="password" autocomplete="new-password"; }
            button type="submit" { "Create" }
        }
    };
    Ok(layout::page(&session, "Accounts", "/admin/accounts", body))
}

/// `POST /admin/accounts`.
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let name = form.require("name")?.to_owned();
    let display = form.get("display_name").unwrap_or("").to_owned();
    let mut roles = RoleSet::default();
    for role in form.all("role") {
        let role: Role = role
            .parse()
            .map_err(|e: probity_access::UnknownRole| WebError::BadRequest(e.to_string()))?;
        roles.insert(role);
    }
    let password = form.get("password").map(str::to_owned);
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let created = name.clone();
    blocking(move || {
        let (_, action) = web.access.create_account(
            &principal,
            &created,
            &display,
            roles,
            password.as_deref(),
            now(),
        )?;
        record(&*worker.stores().audit, action)
    })
    .await?;
    Ok(back("/admin/accounts", &format!("Account {name} created.")))
}

/// What an account action does.
#[derive(Debug, Clone, Copy)]
enum Change {
    Disable,
    Enable,
    ResetTotp,
    ResetPassword,
}

async fn change(
    state: AppState,
    session: Session,
    name: String,
    change: Change,
    form: Option<Fields>,
) -> Result<Response, WebError> {
    let password = match change {
        Change::ResetPassword => Some(
            form.as_ref()
                .ok_or(WebError::Internal)?
                .require("password")?
                .to_owned(),
        ),
        _ => None,
    };
    let (web, worker) = parts(&state)?;
    let principal = session.principal.clone();
    let target = name.clone();
    blocking(move || {
        let access = &web.access;
        let at = now();
        let action = match change {
            Change::Disable => access.set_disabled(&principal, &target, true, at)?,
            Change::Enable => access.set_disabled(&principal, &target, false, at)?,
            Change::ResetTotp => access.reset_totp(&principal, &target, at)?,
            Change::ResetPassword => {
                access.reset_password(&principal, &target, password.as_deref().unwrap_or(""), at)?
            }
        };
        record(&*worker.stores().audit, action)
    })
    .await?;
    let done = match change {
        Change::Disable => "disabled",
        Change::Enable => "enabled",
        Change::ResetTotp => "must enrol an authenticator again",
        Change::ResetPassword => "has a new password",
    };
    Ok(back("/admin/accounts", &format!("{name} {done}.")))
}

/// `POST /admin/accounts/{name}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    change(state, session, name, Change::Disable, None).await
}

/// `POST /admin/accounts/{name}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    change(state, session, name, Change::Enable, None).await
}

/// `POST /admin/accounts/{name}/reset-totp`.
pub async fn reset_totp(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    change(state, session, name, Change::ResetTotp, None).await
}

/// `POST /admin/accounts/{name}/reset-password`.
pub async fn reset_password(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    change(state, session, name, Change::ResetPassword, Some(form)).await
}

/// `GET /admin/tokens`.
pub async fn tokens(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(notice): Query<Notice>,
) -> Result<Response, WebError> {
    let worker = state.clone();
    let tokens = blocking(move || Ok(worker.stores().tokens.list_tokens()?)).await?;
    let body = html! {
        h1 { "API tokens" }
        (layout::notice(notice.notice.as_deref()))
        p.muted { "Ingest tokens for log shippers and scripts. Tokens that read events are made on the server with `probity token create`, not here: they see content." }
        table #tokens {
            tr { th { "Name" } th { "Scope" } th { "Prefix" } th { "Created" } th { "State" } th {} }
            @for token in &tokens {
                tr.token {
                    td { (token.name) } td { (token.scope.as_str()) } td { code { (token.prefix) } }
                    td { (layout::time(&token.created)) }
                    td { @if let Some(at) = &token.revoked { "revoked " (layout::time(at)) } @else { "live" } }
                    td { @if token.revoked.is_none() {
                        form.inline method="post" action={ "/admin/tokens/" (token.name) "/revoke" } {
                            (layout::csrf(&session)) button.secondary type="submit" { "revoke" }
                        }
                    } }
                }
            }
        }
        form #new-token.panel.stack method="post" action="/admin/tokens" {
            (layout::csrf(&session))
            h2 { "New ingest token" }
            label { "Name" input type="text" name="name" required; }
            button type="submit" { "Create" }
        }
    };
    Ok(layout::page(&session, "Tokens", "/admin/tokens", body))
}

/// `POST /admin/tokens`: an ingest token; its secret is shown once.
pub async fn create_token(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Fields,
) -> Result<Response, WebError> {
    let name = form.require("name")?.to_owned();
    if name.len() > 64 {
        return Err(WebError::BadRequest(
            "token names are at most 64 characters".into(),
        ));
    }
    let worker = state.clone();
    let actor = session.principal.actor();
    let token_name = name.clone();
    let secret = blocking(move || {
        let stores = worker.stores();
        let (info, secret) = stores.tokens.create_token(&token_name, Scope::Ingest)?;
        record(
            &*stores.audit,
            probity_audit::Action {
                time: now(),
                actor,
                action: "token.create".into(),
                target: info.name.clone(),
                details: json!({ "scope": info.scope.as_str(), "prefix": info.prefix }),
            },
        )?;
        Ok(secret.expose().to_owned())
    })
    .await?;
    let body = html! {
        h1 { "Token created" }
        div.panel {
            p { "Token " strong { (name) } " (ingest). Copy the secret now: it is not shown again." }
            p { code #token-secret { (secret) } }
            p { a href="/admin/tokens" { "Back to tokens" } }
        }
    };
    Ok(layout::page(
        &session,
        "Token created",
        "/admin/tokens",
        body,
    ))
}

/// `POST /admin/tokens/{name}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let worker = state.clone();
    let actor = session.principal.actor();
    let target = name.clone();
    let revoked = blocking(move || {
        let stores = worker.stores();
        let revoked = stores.tokens.revoke_token(&target)?;
        if revoked {
            record(
                &*stores.audit,
                probity_audit::Action {
                    time: now(),
                    actor,
                    action: "token.revoke".into(),
                    target,
                    details: json!({}),
                },
            )?;
        }
        Ok(revoked)
    })
    .await?;
    if !revoked {
        return Err(WebError::NotFound(format!("No live token named {name}.")));
    }
    Ok(back("/admin/tokens", &format!("Token {name} revoked.")))
}

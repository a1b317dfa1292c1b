//! The page shell: head, navigation (only what the role may open), who is signed in, sign-out;
//! and small helpers for forms, times and people.

use axum::response::{Html, IntoResponse, Response};
use http::{HeaderValue, header};
use maud::{DOCTYPE, Markup, html};

use probity_access::Permission;
use probity_model::Timestamp;

use super::Session;

/// Navigation: label, path, and the permission it needs (`None`: any signed-in person).
const NAV: &[(&str, &str, Option<Permission>)] = &[
    ("Dashboard", "/", None),
    ("Alerts", "/alerts", Some(Permission::ViewAlerts)),
    ("Search", "/search", Some(Permission::SearchEvents)),
    ("Cases", "/cases", Some(Permission::ViewCases)),
    ("Reveals", "/reveals", Some(Permission::ApproveReveal)),
    ("Audit", "/audit", Some(Permission::ReadAudit)),
    (
        "Oversight",
        "/oversight",
        Some(Permission::OversightReports),
    ),
    (
        "Accounts",
        "/admin/accounts",
        Some(Permission::ManageAccounts),
    ),
    ("Tokens", "/admin/tokens", Some(Permission::ManageSources)),
    (
        "Retention",
        "/admin/retention",
        Some(Permission::ManageRetention),
    ),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Probity" }
            link rel="stylesheet" href="/static/style.css";
            script src="/static/app.js" defer {}
        }
    }
}

/// A page for a signed-in person.
pub fn page(session: &Session, title: &str, active: &str, body: Markup) -> Response {
    let principal = &session.principal;
    let markup = html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(title))
            body {
                header.top {
                    a href="/" { strong { "Probity" } }
                    nav {
                        @for (label, path, need) in NAV {
                            @if need.is_none_or(|p| principal.allows(p)) {
                                a href=(path) class=[(*path == active).then_some("active")] { (label) }
                            }
                        }
                    }
                    div.who {
                        span #signed-in-as { (principal.account().as_str()) }
                        form #sign-out method="post" action="/logout" {
                            (csrf(session))
                            button.secondary type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    };
    html_response(markup)
}

/// A page with no session (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(title))
            body { main { (body) } }
        }
    };
    html_response(markup)
}

fn html_response(markup: Markup) -> Response {
    let mut response = Html(markup.into_string()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The hidden CSRF input every form carries.
pub fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name=(super::CSRF_FIELD) value=(session.csrf); }
}

/// A time as analysts read it (UTC).
pub fn time(at: &Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A pseudonym as a link to the person's timeline.
pub fn person(pseudonym: &str) -> Markup {
    html! { a.person href={ "/people/" (pseudonym) } { (pseudonym) } }
}

/// An alert level, coloured.
pub fn level(level: probity_model::Level) -> Markup {
    html! { span class={ "level level-" (level.as_str()) } { (level.as_str()) } }
}

/// A small notice (what was just done).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice #notice { (text) }
        }
    }
}

/// A redirect after a form (303 See Other), optionally with a notice for the next page.
pub fn see_other(location: &str) -> Response {
    let mut response = http::StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `text` made safe for a query string value.
pub fn query_value(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

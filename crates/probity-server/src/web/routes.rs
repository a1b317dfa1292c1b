//! The workbench's one route table: every route, the method it answers, and what it needs.
//! The guard ([`super::guard`]) matches each request against this table before any handler runs,
//! and the router is built from it, so a route cannot exist without an entry here.

use axum::routing::{MethodRouter, get, post};
use http::Method;

use probity_access::Permission;

use super::pages::{accounts, alerts, audit, cases, dashboard, events, people, search};
use super::{oidc, session, static_files};
use crate::http::AppState;

/// What a route needs before its handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: sign-in pages and static files.
    Public,
    /// A session, even one that has not finished signing in (authenticator enrolment, sign-out).
    Session,
    /// A session that has finished signing in, whatever its roles.
    SignedIn,
    /// A finished session whose roles allow this.
    Permission(Permission),
    /// A finished session whose roles allow any of these.
    Any(&'static [Permission]),
}

/// Case work: investigators and analysts (who open cases) and authorising officers.
const CASE_WORK: &[Permission] = &[Permission::CreateCase, Permission::AuthoriseCase];

/// One entry of the table.
#[derive(Debug, Clone)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: Method,
    /// The path, with `{name}` for one segment.
    pub path: &'static str,
    /// What the request needs.
    pub need: Need,
    /// The handler.
    handler: fn() -> MethodRouter<AppState>,
}

const fn page(path: &'static str, need: Need, handler: fn() -> MethodRouter<AppState>) -> Route {
    Route {
        method: Method::GET,
        path,
        need,
        handler,
    }
}

const fn action(path: &'static str, need: Need, handler: fn() -> MethodRouter<AppState>) -> Route {
    Route {
        method: Method::POST,
        path,
        need,
        handler,
    }
}

use Need::{Any, Permission as P, Public, Session, SignedIn};
use Permission as Perm;

/// Every workbench route.
pub const ROUTES: &[Route] = &[
    page("/login", Public, || get(session::login_page)),
    action("/login", Public, || post(session::login)),
    page("/auth/oidc/start", Public, || get(oidc::start)),
    page("/auth/oidc/callback", Public, || get(oidc::callback)),
    page("/static/{file}", Public, || get(static_files::serve)),
    page("/account/totp", Session, || get(session::totp_page)),
    action("/account/totp", Session, || post(session::totp_confirm)),
    action("/logout", Session, || post(session::logout)),
    page("/", SignedIn, || {
        get(dashboard::page).head(crate::http::elastic::info_head)
    }),
    page("/alerts", P(Perm::ViewAlerts), || get(alerts::list)),
    action("/alerts/triage", P(Perm::TriageAlerts), || {
        post(alerts::bulk_triage)
    }),
    page("/alerts/{id}", P(Perm::ViewAlerts), || get(alerts::detail)),
    action("/alerts/{id}/dismiss", P(Perm::TriageAlerts), || {
        post(alerts::dismiss)
    }),
    action("/alerts/{id}/escalate", P(Perm::TriageAlerts), || {
        post(alerts::escalate)
    }),
    page("/people/{pseudonym}", P(Perm::ViewTimeline), || {
        get(people::timeline)
    }),
    page("/search", P(Perm::SearchEvents), || get(search::page)),
    page("/events/{id}", P(Perm::ViewContent), || get(events::page)),
    action("/events/{id}/unseal", P(Perm::UnsealContent), || {
        post(events::unseal)
    }),
    action("/events/{id}/unmask", P(Perm::UnmaskContent), || {
        post(events::unmask)
    }),
    page("/cases", P(Perm::ViewCases), || get(cases::list)),
    action("/cases", P(Perm::CreateCase), || post(cases::create)),
    page("/cases/{id}", P(Perm::ViewCases), || get(cases::detail)),
    action("/cases/{id}/authorise", P(Perm::AuthoriseCase), || {
        post(cases::authorise)
    }),
    action("/cases/{id}/refuse", P(Perm::AuthoriseCase), || {
        post(cases::refuse)
    }),
    action("/cases/{id}/state", Any(CASE_WORK), || {
        post(cases::set_state)
    }),
    action("/cases/{id}/assign", Any(CASE_WORK), || post(cases::assign)),
    action("/cases/{id}/legal-hold", P(Perm::AuthoriseCase), || {
        post(cases::legal_hold)
    }),
    action("/cases/{id}/notes", Any(CASE_WORK), || {
        post(cases::add_note)
    }),
    action("/cases/{id}/links", P(Perm::CreateCase), || {
        post(cases::add_link)
    }),
    action("/cases/{id}/reveals", P(Perm::RequestReveal), || {
        post(cases::request_reveal)
    }),
    action(
        "/cases/{id}/reveals/{reveal}/view",
        P(Perm::RequestReveal),
        || post(cases::view_reveal),
    ),
    page("/cases/{id}/evidence.zip", P(Perm::ExportEvidence), || {
        get(cases::evidence)
    }),
    action(
        "/cases/{id}/evidence-unmasked.zip",
        P(Perm::UnmaskContent),
        || post(cases::evidence_unmasked),
    ),
    page("/reveals", P(Perm::ApproveReveal), || get(cases::reveals)),
    action("/reveals/{reveal}/approve", P(Perm::ApproveReveal), || {
        post(cases::approve_reveal)
    }),
    action("/reveals/{reveal}/refuse", P(Perm::ApproveReveal), || {
        post(cases::refuse_reveal)
    }),
    page("/audit", P(Perm::ReadAudit), || get(audit::page)),
    page("/audit/export", P(Perm::ExportAudit), || get(audit::export)),
    page("/oversight", P(Perm::OversightReports), || {
        get(audit::oversight)
    }),
    page("/oversight/export", P(Perm::OversightReports), || {
        get(audit::oversight_export)
    }),
    page("/admin/accounts", P(Perm::ManageAccounts), || {
        get(accounts::list)
    }),
    action("/admin/accounts", P(Perm::ManageAccounts), || {
        post(accounts::create)
    }),
    action(
        "/admin/accounts/{name}/disable",
        P(Perm::ManageAccounts),
        || post(accounts::disable),
    ),
    action(
        "/admin/accounts/{name}/enable",
        P(Perm::ManageAccounts),
        || post(accounts::enable),
    ),
    action(
        "/admin/accounts/{name}/reset-password",
        P(Perm::ManageAccounts),
        || post(accounts::reset_password),
    ),
    action(
        "/admin/accounts/{name}/reset-totp",
        P(Perm::ManageAccounts),
        || post(accounts::reset_totp),
    ),
    page("/admin/tokens", P(Perm::ManageSources), || {
        get(accounts::tokens)
    }),
    action("/admin/tokens", P(Perm::ManageSources), || {
        post(accounts::create_token)
    }),
    action(
        "/admin/tokens/{name}/revoke",
        P(Perm::ManageSources),
        || post(accounts::revoke_token),
    ),
    page("/admin/retention", P(Perm::ManageRetention), || {
        get(cases::retention)
    }),
    action("/admin/retention", P(Perm::ManageRetention), || {
        post(cases::set_retention)
    }),
    action("/admin/retention/purge", P(Perm::ManageRetention), || {
        post(cases::purge)
    }),
];

/// The table entry for a request: the route whose method and path match. `HEAD` is taken as
/// `GET`.
pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ROUTES
        .iter()
        .find(|route| route.method == *method && matches(route.path, path))
}

/// Whether some route has this path under any method.
pub fn path_known(path: &str) -> bool {
    ROUTES.iter().any(|route| matches(route.path, path))
}

/// Whether `path` fits `pattern` (`{name}` stands for one non-empty segment).
fn matches(pattern: &str, path: &str) -> bool {
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) => {
                let placeholder = w.starts_with('{') && w.ends_with('}');
                if placeholder && g.is_empty() {
                    return false;
                }
                if !placeholder && w != g {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The router for every route in the table, with handlers merged by path.
pub fn router() -> axum::Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for route in ROUTES {
        let handler = (route.handler)();
        match by_path.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, existing)) => {
                let taken = std::mem::take(existing);
                *existing = taken.merge(handler);
            }
            None => by_path.push((route.path, handler)),
        }
    }
    let mut router = axum::Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        assert!(matches("/alerts/{id}", "/alerts/abc"));
        assert!(!matches("/alerts/{id}", "/alerts/"));
        assert!(!matches("/alerts/{id}", "/alerts/abc/x"));
        assert!(matches("/", "/"));
        assert!(!matches("/", "/x"));
        assert_eq!(
            find(&Method::POST, "/alerts/triage").map(|r| r.need),
            Some(Need::Permission(Permission::TriageAlerts))
        );
        assert_eq!(
            find(&Method::GET, "/alerts/triage").map(|r| r.path),
            Some("/alerts/{id}")
        );
        assert!(find(&Method::GET, "/nowhere").is_none());
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "{}", a.path);
            }
        }
    }
}

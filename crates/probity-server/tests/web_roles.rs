//! The workbench's route table walked with every role: a real server on loopback, accounts made
//! with the access layer, sign-in through the real `/login` form and authenticator enrolment with
//! codes computed by the access crate's TOTP module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use http::{Method, StatusCode};
use probity_access::totp::{TotpSecret, base32_decode};
use probity_access::{
    Access, AccessPolicy, Argon2Params, Principal, Role, RoleSet, SqliteAccessStore,
};
use probity_model::{Alert, AlertId, AlertRule, EventId, EventRef, Format, Level, MatchedField};
use probity_server::web::{Need, ROUTES};
use probity_server::{RunningServer, ServerConfig, WebConfig};
use probity_store::AlertStore;
use probity_store::sqlite::SqliteStore;

const PASSWORD: &str = "a long enough test password";
const HUMAN_ROLES: [Role; 5] = [
    Role::Administrator,
    Role::Analyst,
    Role::Investigator,
    Role::AuthorisingOfficer,
    Role::Auditor,
];

fn policy() -> AccessPolicy {
    AccessPolicy {
        argon2: Argon2Params::TESTING,
        ..AccessPolicy::default()
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    server: RunningServer,
    client: reqwest::Client,
}

fn sample_alert(user: &str) -> Alert {
    let at = chrono::Utc::now();
    let events = vec![EventRef {
        id: EventId::derive(Format::Ndjson, user.as_bytes(), 0),
        timestamp: at,
    }];
    let rule = AlertRule {
        kind: "insider".into(),
        id: "lookup".into(),
        title: "Looked up a neighbour".into(),
        tags: vec![],
    };
    Alert {
        id: AlertId::derive(&rule, &events),
        created: at,
        rule,
        level: Level::High,
        explanation: format!("{user} searched for a record with no task"),
        matched: vec![MatchedField {
            field: "user.name".into(),
            value: user.into(),
        }],
        events,
        user: Some(user.into()),
        host: None,
    }
}

impl Harness {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A harness whose workbench settings `adjust` changes first.
    async fn start_with(adjust: impl FnOnce(&mut WebConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        store
            .append_alerts(&[sample_alert("jsmith.private")], None)
            .unwrap();
        let access = Access::new(SqliteAccessStore::open(dir.path()).unwrap(), policy()).unwrap();
        let admin = Principal::command_line("test");
        for role in HUMAN_ROLES {
            access
                .create_account(
                    &admin,
                    role.as_str(),
                    "",
                    RoleSet::new([role]),
                    Some(PASSWORD),
                    chrono::Utc::now(),
                )
                .unwrap();
        }
        drop(access);
        let mut web = WebConfig::new(dir.path().to_owned());
        web.secure_cookies = false;
        web.access = policy();
        adjust(&mut web);
        let config = ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            web: Some(web),
            ..ServerConfig::default()
        };
        let server = probity_server::start(config, probity_server::Stores::of(store))
            .await
            .unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            _dir: dir,
            server,
            client,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.http_addr)
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// A page's text.
    async fn page(&self, path: &str, cookie: Option<&str>) -> String {
        self.get(path, cookie).await.text().await.unwrap()
    }

    /// Escalates `alert` to a new proposed case as `cookie`; returns the case's path.
    async fn escalate(&self, alert: &str, cookie: &str, csrf: &str, title: &str) -> String {
        let response = self
            .post(
                &format!("/alerts/{alert}/escalate"),
                Some(cookie),
                &[("csrf", csrf), ("title", title), ("reason", "no task")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }

    /// Authorises the case at `case` (its path) as `cookie`.
    async fn authorise(&self, case: &str, cookie: &str, csrf: &str) {
        let response = self
            .post(
                &format!("{case}/authorise"),
                Some(cookie),
                &[("csrf", csrf), ("note", "authorised: pattern of lookups")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// Posts the form that opens a message within a case (`/unseal`, `/unmask`).
    fn open_within_case(
        &self,
        path: &str,
        cookie: &str,
        csrf: &str,
        at: &str,
        case: String,
        reason: &str,
    ) -> impl std::future::Future<Output = reqwest::Response> {
        let (path, cookie, csrf, at, reason) = (
            path.to_owned(),
            cookie.to_owned(),
            csrf.to_owned(),
            at.to_owned(),
            reason.to_owned(),
        );
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("at", at.as_str()),
                ("case_id", case.as_str()),
                ("reason", reason.as_str()),
            ];
            self.post(&path, Some(&cookie), &form).await
        }
    }

    /// Fetches the sign-in form: the cookie tying it to this client, and the form's token.
    async fn login_form(&self) -> (String, String) {
        let response = self.get("/login", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with("probity_login="))
            .expect("a sign-in form cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let page = response.text().await.unwrap();
        let token = between(&page, "name=\"csrf\" value=\"", "\"");
        (cookie, token)
    }

    /// Posts the sign-in form as a browser that fetched it would.
    async fn post_login(&self, name: &str, password: &str) -> reqwest::Response {
        let (cookie, token) = self.login_form().await;
        self.post(
            "/login",
            Some(&cookie),
            &[
                ("username", name),
                ("password", password),
                ("code", ""),
                ("csrf", &token),
            ],
        )
        .await
    }

    /// Signs in through `/login`, enrols an authenticator at `/account/totp`, and returns the
    /// fully signed-in session cookie and its CSRF token.
    async fn sign_in(&self, name: &str) -> (String, String) {
        let response = self.post_login(name, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(location(&response), "/account/totp");
        let cookie = session_cookie(&response);

        // Until enrolled, pages lead to enrolment.
        let response = self.get("/alerts", Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/account/totp");

        let page = self
            .get("/account/totp", Some(&cookie))
            .await
            .text()
            .await
            .unwrap();
        let secret = between(&page, "id=\"totp-secret\">", "<");
        let csrf = between(&page, "name=\"csrf\" value=\"", "\"");
        let secret = TotpSecret::from_bytes(base32_decode(&secret).unwrap());
        let code = secret.code_at(chrono::Utc::now().timestamp() as u64);
        let response = self
            .post(
                "/account/totp",
                Some(&cookie),
                &[("csrf", &csrf), ("code", &code)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(location(&response), "/");
        let cookie = session_cookie(&response);
        let page = self.get("/", Some(&cookie)).await.text().await.unwrap();
        assert!(
            page.contains(&format!("id=\"signed-in-as\">{name}<")),
            "{page}"
        );
        let csrf = between(&page, "name=\"csrf\" value=\"", "\"");
        (cookie, csrf)
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"))
        + start.len();
    let rest = &text[from..];
    rest[..rest.find(end).unwrap()].to_owned()
}

/// A concrete path for a route's pattern.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            "{id}" => "00000000000000000000000000000000",
            "{pseudonym}" => "P-AAAA-AAAA-AAAA",
            "{file}" => "style.css",
            "{name}" => "nobody",
            "{reveal}" => "R-0000",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn allowed(need: Need, role: Role) -> bool {
    match need {
        Need::Public | Need::Session | Need::SignedIn => true,
        Need::Permission(permission) => role.allows(permission),
        Need::Any(permissions) => permissions.iter().any(|p| role.allows(*p)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_with_every_role() {
    let harness = Harness::start().await;

    // Without a session: pages lead to sign-in, actions are refused.
    for route in ROUTES {
        let path = concrete(route.path);
        let response = if route.method == Method::GET {
            harness.get(&path, None).await
        } else {
            harness.post(&path, None, &[]).await
        };
        let status = response.status();
        if route.path == "/login" && route.method == Method::POST {
            // A sign-in form not fetched by this client is refused.
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        } else if route.need == Need::Public {
            assert!(
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                "{path}: {status}"
            );
        } else if route.method == Method::GET {
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(location(&response), "/login");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        }
    }

    for role in HUMAN_ROLES {
        let (cookie, csrf) = harness.sign_in(role.as_str()).await;
        for route in ROUTES {
            let path = concrete(route.path);
            if route.path == "/logout" || route.path == "/login" {
                continue;
            }
            let expected_ok = allowed(route.need, role);
            let status = if route.method == Method::GET {
                harness.get(&path, Some(&cookie)).await.status()
            } else {
                let without = harness.post(&path, Some(&cookie), &[]).await.status();
                if route.need != Need::Public {
                    assert_eq!(
                        without,
                        StatusCode::FORBIDDEN,
                        "{role} POST {path} without CSRF"
                    );
                }
                let wrong = harness
                    .post(&path, Some(&cookie), &[("csrf", "0123")])
                    .await
                    .status();
                if route.need != Need::Public {
                    assert_eq!(
                        wrong,
                        StatusCode::FORBIDDEN,
                        "{role} POST {path} with a wrong CSRF"
                    );
                }
                harness
                    .post(&path, Some(&cookie), &[("csrf", &csrf)])
                    .await
                    .status()
            };
            if expected_ok {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{role} {} {path}: {status}",
                    route.method
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} {} {path}",
                    route.method
                );
            }
        }
        let response = harness
            .post("/logout", Some(&cookie), &[("csrf", &csrf)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = harness.get("/", Some(&cookie)).await;
        assert_eq!(location(&response), "/login", "{role}: the session ended");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_appear_only_as_pseudonyms_and_failures_say_nothing_specific() {
    let harness = Harness::start().await;
    let (cookie, _) = harness.sign_in("analyst").await;
    let page = harness.page("/alerts", Some(&cookie)).await;
    assert!(page.contains("data-alert-id="), "{page}");
    assert!(!page.contains("jsmith"), "{page}");
    assert!(
        page.contains("class=\"person\" href=\"/people/P-"),
        "{page}"
    );
    let id = between(&page, "data-alert-id=\"", "\"");
    let detail = harness.page(&format!("/alerts/{id}"), Some(&cookie)).await;
    assert!(detail.contains("id=\"explanation\""));
    assert!(!detail.contains("jsmith"), "{detail}");

    let wrong = harness
        .post_login("analyst", "not the password")
        .await
        .text()
        .await
        .unwrap();
    let unknown = harness
        .post_login("nobody", "not the password")
        .await
        .text()
        .await
        .unwrap();
    let message = between(&wrong, "id=\"error\">", "<");
    assert_eq!(message, between(&unknown, "id=\"error\">", "<"));

    // A sign-in form posted from elsewhere (without the form's cookie, or with another form's
    // token) is refused before the password is even checked, and starts no session.
    let (cookie, _) = harness.login_form().await;
    let (_, other_token) = harness.login_form().await;
    for (cookie, token) in [
        (None, other_token.as_str()),
        (Some(cookie.as_str()), other_token.as_str()),
    ] {
        let response = harness
            .post(
                "/login",
                cookie,
                &[
                    ("username", "analyst"),
                    ("password", PASSWORD),
                    ("code", ""),
                    ("csrf", token),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            !response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("probity_session=")),
            "a refused form must not start a session"
        );
    }

    // The API's tokens still work beside the workbench, and `/` with a token is Elasticsearch's.
    let response = harness
        .client
        .get(harness.url("/"))
        .header("authorization", "Bearer nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("x-elastic-product"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_authorisation_reveal_and_evidence_pack() {
    let harness = Harness::start().await;
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let page = harness.page("/alerts", Some(&analyst)).await;
    let alert = between(&page, "data-alert-id=\"", "\"");
    let case = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Neighbour lookups")
        .await;
    assert!(case.starts_with("/cases/C-"), "{case}");
    let queue = harness.page("/alerts", Some(&analyst)).await;
    assert!(
        !queue.contains(&alert),
        "an escalated alert leaves the open queue"
    );

    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    let page = harness.page(&case, Some(&officer)).await;
    assert!(page.contains("id=\"authorise\""), "{page}");
    harness.authorise(&case, &officer, &officer_csrf).await;

    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let page = harness.page(&case, Some(&investigator)).await;
    assert!(page.contains("id=\"case-state\">authorised<"), "{page}");
    let pseudonym = between(
        &page,
        "name=\"pseudonym\" required placeholder=\"P-XXXX-XXXX-XXXX\" value=\"",
        "\"",
    );
    let response = harness
        .post(
            &format!("{case}/reveals"),
            Some(&investigator),
            &[
                ("csrf", &investigator_csrf),
                ("pseudonym", &pseudonym),
                (
                    "necessity",
                    "needed to interview the member of staff under caution",
                ),
                (
                    "proportionality",
                    "only this one person, only for this authorised case",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = harness.page("/reveals", Some(&officer)).await;
    let reveal = between(&page, "data-reveal-id=\"", "\"");
    let response = harness
        .post(
            &format!("/reveals/{reveal}/approve"),
            Some(&officer),
            &[
                ("csrf", &officer_csrf),
                ("note", "approved: necessary and proportionate"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = harness.page(&case, Some(&investigator)).await;
    assert!(page.contains("class=\"reveal\""), "{page}");
    let shown = harness
        .post(
            &format!("{case}/reveals/{reveal}/view"),
            Some(&investigator),
            &[("csrf", &investigator_csrf)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        between(&shown, "id=\"revealed-identity\">", "<"),
        "jsmith.private"
    );

    let pack = harness
        .get(&format!("{case}/evidence.zip"), Some(&investigator))
        .await;
    assert_eq!(pack.status(), StatusCode::OK);
    let bytes = pack.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");

    let (auditor, _) = harness.sign_in("auditor").await;
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    for action in [
        "account.sign-in",
        "identity.reveal.request",
        "identity.reveal.approve",
        "identity.reveal.view",
        "evidence.export",
    ] {
        assert!(log.contains(&format!(">{action}<")), "{action} not audited");
    }
    assert!(log.contains("Chain verified"), "{log}");

    // The oversight report exports as counts: the dismissal and escalation show as outcomes,
    // the reveal steps as actions, and the export itself is audited.
    let report: serde_json::Value = harness
        .get("/oversight/export", Some(&auditor))
        .await
        .json()
        .await
        .unwrap();
    assert!(report["alerts"].as_u64().unwrap() >= 1, "{report}");
    assert!(
        report["actions"]["identity.reveal.approve"].as_u64() == Some(1),
        "{report}"
    );
    let by_team = report["by_team"].as_object().unwrap();
    let escalated: u64 = by_team
        .values()
        .filter_map(|outcomes| outcomes["escalated"].as_u64())
        .sum();
    assert!(escalated >= 1, "{report}");
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    assert!(
        log.contains(">oversight.export<"),
        "oversight export not audited"
    );
}

/// A medical message sealed by the communications stage on the way in, and an alert resting on
/// it: (event id hex, event time in microseconds, alert id hex).
fn store_sealed_message(dir: &std::path::Path) -> (String, i64, String) {
    let eml = b"From: pc.jones@force.example\r\nTo: occhealth.adviser@nhs.example\r\n\
Subject: my appointment\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <m1@force.example>\r\n\r\n\
I was diagnosed with a heart condition and prescribed bisoprolol 5mg, so please note it.\r\n";
    let (stored, tags) = store_message(dir, eml, "medical-disclosure");
    assert!(tags.iter().any(|t| t == "content-sealed"), "{tags:?}");
    stored
}

/// Decodes `eml`, runs it through the communications stage and stores it as ingest would, with
/// an alert of rule `rule` resting on it. Returns (event id, event time in microseconds, alert
/// id) and the event's tags.
fn store_message(
    dir: &std::path::Path,
    eml: &[u8],
    rule: &str,
) -> ((String, i64, String), Vec<String>) {
    use probity_store::EventStore;
    let mut ctx = probity_ingest::Context::new("test", probity_ingest::Limits::default());
    let mut batch = probity_ingest::Batch::new();
    probity_ingest::mail::decode_eml(eml, &mut ctx, None, &mut batch).unwrap();
    let mut event = batch.events.pop().unwrap();
    let stage = probity_comms::CommsStage::open(dir).unwrap();
    stage.process(&mut event);
    let store = SqliteStore::open(dir).unwrap();
    store
        .append(&[probity_store::EncodedEvent::encode(&event).unwrap()], &[])
        .unwrap();
    let reference = EventRef {
        id: event.provenance.id,
        timestamp: event.timestamp,
    };
    let mut alert = sample_alert("pc.jones");
    alert.rule.id = rule.into();
    alert.events = vec![reference];
    alert.id = AlertId::derive(&alert.rule, &alert.events);
    store.append_alerts(&[alert.clone()], None).unwrap();
    (
        (
            reference.id.to_hex(),
            reference.timestamp.timestamp_micros(),
            alert.id.to_hex(),
        ),
        event.tags,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_content_opens_only_within_an_authorised_case_that_links_it() {
    let harness = Harness::start().await;
    let (event, at, alert) = store_sealed_message(harness._dir.path());
    let at_text = at.to_string();
    let page_path = format!("/events/{event}?at={at}");
    let unseal_path = format!("/events/{event}/unseal");

    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let page = harness.page(&page_path, Some(&investigator)).await;
    assert!(page.contains("is sealed"), "{page}");
    assert!(page.contains("id=\"unseal\""), "{page}");
    assert!(!page.contains("bisoprolol"), "sealed content shown: {page}");

    // An analyst may read content but not open sealed content: the guard refuses.
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let refused = harness
        .open_within_case(
            &unseal_path,
            &analyst,
            &analyst_csrf,
            &at_text,
            "C-000001".into(),
            "curious",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Escalated to a proposed case: not yet authorised, so still refused.
    let case_path = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Medical details sent")
        .await;
    let case_id = case_path.trim_start_matches("/cases/").to_owned();
    let unseal = |case: String, reason: &'static str| {
        harness.open_within_case(
            &unseal_path,
            &investigator,
            &investigator_csrf,
            &at_text,
            case,
            reason,
        )
    };
    let response = unseal(case_id.clone(), "to see what was disclosed").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("authorised case"));

    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case_path, &officer, &officer_csrf).await;

    // A reason is required; then the content opens, still masked for the public.
    let response = unseal(case_id.clone(), "  ").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = unseal(case_id.clone(), "to see what was disclosed").await;
    assert_eq!(response.status(), StatusCode::OK);
    let opened = response.text().await.unwrap();
    assert!(opened.contains("id=\"unsealed-content\""), "{opened}");
    assert!(opened.contains("bisoprolol"), "{opened}");

    let (auditor, _) = harness.sign_in("auditor").await;
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    assert!(log.contains(">content.unseal<"), "unsealing not audited");
    assert!(
        !log.contains("bisoprolol"),
        "content leaked into the audit log"
    );
    // The refusals are in the log too: the analyst's, refused by the guard for want of the
    // permission, and the investigator's within a case not yet authorised.
    assert!(
        log.contains(">access.refused<"),
        "guard refusal not audited: {log}"
    );
    assert!(log.contains("unseal-content"), "{log}");
    assert!(
        log.contains(">content.unseal.refused<"),
        "refused unsealing not audited: {log}"
    );
}

/// A message to a protected party keeps metadata only; its page says so rather than showing an
/// empty subject and body, and offers nothing to open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excluded_message_page_says_its_content_was_not_kept() {
    let harness = Harness::start().await;
    let eml = b"From: pc.jones@force.example\r\nTo: rep@polfed.org\r\n\
Subject: grievance about my sergeant\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\
Message-ID: <x1@force.example>\r\n\r\nI want to raise a grievance about how I was treated.\r\n";
    let ((event, at, _), tags) = store_message(harness._dir.path(), eml, "bulk-disclosure");
    assert!(tags.iter().any(|t| t == "content-excluded"), "{tags:?}");
    let (investigator, _) = harness.sign_in("investigator").await;
    let page = harness
        .page(&format!("/events/{event}?at={at}"), Some(&investigator))
        .await;
    assert!(
        page.contains("protected party (staff_association)"),
        "{page}"
    );
    assert!(page.contains("neither stored nor inspected"), "{page}");
    assert!(!page.contains("Subject:"), "{page}");
    assert!(!page.contains("grievance"), "{page}");
    assert!(!page.contains("id=\"unmask\""), "{page}");
}

/// An investigator who may both unseal and unmask can ask for both at once: the sealed text is
/// shown with the member of the public as written, and the log holds both openings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_content_can_be_opened_with_the_public_unmasked_in_one_step() {
    let harness = Harness::start().await;
    let eml = b"From: pc.jones@force.example\r\nTo: occhealth.adviser@nhs.example\r\n\
Subject: my appointment\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <m3@force.example>\r\n\r\n\
I was diagnosed with a heart condition and prescribed bisoprolol 5mg. The surgery's number \
is 07700 900123 if you need the letter.\r\n";
    let ((event, at, alert), tags) = store_message(harness._dir.path(), eml, "medical-disclosure");
    assert!(tags.iter().any(|t| t == "content-sealed"), "{tags:?}");
    let at_text = at.to_string();
    let unseal_path = format!("/events/{event}/unseal");

    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let page = harness
        .page(&format!("/events/{event}?at={at}"), Some(&investigator))
        .await;
    assert!(page.contains("name=\"also_unmask\""), "{page}");
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let case_path = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Medical details sent")
        .await;
    let case_id = case_path.trim_start_matches("/cases/").to_owned();
    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case_path, &officer, &officer_csrf).await;

    let harness = &harness;
    let open = |also_unmask: bool| {
        let mut form = vec![
            ("csrf", investigator_csrf.as_str()),
            ("at", at_text.as_str()),
            ("case_id", case_id.as_str()),
            ("reason", "to see what was disclosed and to whom"),
        ];
        if also_unmask {
            form.push(("also_unmask", "on"));
        }
        let (path, cookie) = (unseal_path.clone(), investigator.clone());
        async move {
            let response = harness.post(&path, Some(&cookie), &form).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.text().await.unwrap()
        }
    };
    let masked = open(false).await;
    assert!(masked.contains("bisoprolol"), "{masked}");
    assert!(!masked.contains("900123"), "{masked}");
    let (auditor, _) = harness.sign_in("auditor").await;
    let log = || harness.page("/audit?after=0", Some(&auditor));
    assert!(!log().await.contains(">content.unmask<"));

    let both = open(true).await;
    assert!(both.contains("bisoprolol"), "{both}");
    assert!(both.contains("07700 900123"), "{both}");
    assert!(both.contains("shown as written"), "{both}");
    let log = log().await;
    assert!(log.contains(">content.unseal<"), "unsealing not audited");
    assert!(log.contains(">content.unmask<"), "unmasking not audited");
    assert!(!log.contains("900123"), "content leaked into the audit log");
}

/// A message to a colleague naming a member of the public, stored as ingest stores it, with an
/// alert resting on it.
fn store_message_naming_the_public(dir: &std::path::Path) -> (String, i64, String) {
    let eml = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: the caller\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <m2@force.example>\r\n\r\n\
The caller's mobile is 07700 900123 and her NI number is JG103759A, if you want a chat.\r\n";
    let (stored, tags) = store_message(dir, eml, "personal-data-shared");
    assert!(tags.is_empty(), "{tags:?}");
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_of_the_public_are_shown_only_within_an_authorised_case_that_links_the_message() {
    let harness = Harness::start().await;
    let (event, at, alert) = store_message_naming_the_public(harness._dir.path());
    let at_text = at.to_string();
    let page_path = format!("/events/{event}?at={at}");
    let unmask_path = format!("/events/{event}/unmask");

    // Masked in the ordinary view, for the investigator too, who is offered the request.
    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let page = harness.page(&page_path, Some(&investigator)).await;
    assert!(!page.contains("900123"), "phone number shown: {page}");
    assert!(!page.contains("JG103759A"), "NI number shown: {page}");
    assert!(page.contains("id=\"unmask\""), "{page}");

    // An analyst reads masked content but cannot ask for more.
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let page = harness.page(&page_path, Some(&analyst)).await;
    assert!(!page.contains("id=\"unmask\""), "{page}");
    let refused = harness
        .open_within_case(
            &unmask_path,
            &analyst,
            &analyst_csrf,
            &at_text,
            "C-000001".into(),
            "curious",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let case_path = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Personal data shared")
        .await;
    let case_id = case_path.trim_start_matches("/cases/").to_owned();
    let unmask = |case: String, reason: &'static str| {
        harness.open_within_case(
            &unmask_path,
            &investigator,
            &investigator_csrf,
            &at_text,
            case,
            reason,
        )
    };
    // Proposed, not yet authorised: refused.
    let response = unmask(case_id.clone(), "to identify the caller").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("authorised case"));
    // A case that does not link the message: refused.
    let response = unmask("C-999999".into(), "to identify the caller").await;
    assert_ne!(response.status(), StatusCode::OK);

    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case_path, &officer, &officer_csrf).await;
    let response = unmask(case_id.clone(), " ").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = unmask(case_id.clone(), "to identify the caller").await;
    assert_eq!(response.status(), StatusCode::OK);
    let shown = response.text().await.unwrap();
    assert!(shown.contains("id=\"unmasked-content\""), "{shown}");
    assert!(shown.contains("07700 900123"), "{shown}");
    assert!(shown.contains("JG103759A"), "{shown}");
    // The ordinary view stays masked afterwards.
    let page = harness.page(&page_path, Some(&investigator)).await;
    assert!(!page.contains("900123"), "{page}");

    let (auditor, _) = harness.sign_in("auditor").await;
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    assert!(log.contains(">content.unmask<"), "unmasking not audited");
    assert!(!log.contains("900123"), "content leaked into the audit log");
    assert!(
        log.contains(">content.unmask.refused<"),
        "refused unmasking not audited: {log}"
    );
    assert!(log.contains("C-999999"), "{log}");
}

/// Every file of an evidence pack as text, by path.
fn pack_files(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        files.insert(name, String::from_utf8_lossy(&content).into_owned());
    }
    files
}

/// A complaint about a member of the public, naming her with her address, phone, email and date
/// of birth, stored as ingest stores it, with a content alert resting on it that quotes her as
/// the scanner's alerts quote a message. Returns the message's id and time and the alert's id.
fn store_message_about_a_member_of_the_public(dir: &std::path::Path) -> (String, i64, String) {
    let eml = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: that Karen Whitfield complaint\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\
Message-ID: <m5@force.example>\r\n\r\n\
Karen Whitfield of 14 Larch Grove, Leeds LS6 2AB rang again. Her mobile is 07700 900123, \
her email karen.whitfield@gmail.com, born 14/03/1981. What a nightmare woman.\r\n";
    let ((event, at, _), _) = store_message(dir, eml, "abuse/general_abuse");
    let reference = EventRef {
        id: event.parse().unwrap(),
        timestamp: probity_model::from_micros(at),
    };
    let rule = AlertRule {
        kind: "content".into(),
        id: "abuse/general_abuse".into(),
        title: "Abusive language".into(),
        tags: vec!["policy.abuse".into()],
    };
    let events = vec![reference];
    let alert = Alert {
        id: AlertId::derive(&rule, &events),
        created: chrono::Utc::now(),
        rule,
        level: Level::Medium,
        explanation: "abusive remark: email.body: \"Karen Whitfield of 14 Larch Grove, Leeds \
                      LS6 2AB rang again ... What a nightmare woman.\""
            .into(),
        matched: vec![MatchedField {
            field: "email.body".into(),
            value: "Karen Whitfield ... nightmare woman".into(),
        }],
        events,
        user: Some("pc.jones@force.example".into()),
        host: None,
    };
    SqliteStore::open(dir)
        .unwrap()
        .append_alerts(std::slice::from_ref(&alert), None)
        .unwrap();
    (event, at, alert.id.to_hex())
}

/// What of the member of the public must not leave in a masked pack.
const HER_DETAILS: [&str; 6] = [
    "Whitfield",
    "Larch Grove",
    "LS6 2AB",
    "900123",
    "karen.whitfield@gmail.com",
    "14/03/1981",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evidence_pack_comes_from_an_authorised_case_masked_unless_unmasked_with_a_reason() {
    let harness = Harness::start().await;
    let (_, _, alert) = store_message_about_a_member_of_the_public(harness._dir.path());
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let case = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Remarks about a caller")
        .await;
    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let pack_path = format!("{case}/evidence.zip");
    let unmasked_path = format!("{case}/evidence-unmasked.zip");

    // Proposed, not yet authorised: no pack, masked or not, and the refusal is on the record.
    let response = harness.get(&pack_path, Some(&investigator)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("authorised"));
    let response = harness
        .post(
            &unmasked_path,
            Some(&investigator),
            &[("csrf", &investigator_csrf), ("reason", "for the hearing")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = harness.page(&case, Some(&investigator)).await;
    assert!(!page.contains("id=\"export-evidence\""), "{page}");

    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case, &officer, &officer_csrf).await;

    // Authorised: the pack comes, masked throughout.
    let page = harness.page(&case, Some(&investigator)).await;
    assert!(page.contains("id=\"export-evidence\""), "{page}");
    assert!(page.contains("id=\"unmasked-export\""), "{page}");
    let response = harness.get(&pack_path, Some(&investigator)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let files = pack_files(&response.bytes().await.unwrap());
    assert!(files.keys().any(|f| f.starts_with("events/readable/")));
    assert!(files.keys().any(|f| f.starts_with("alerts/")));
    for (name, text) in &files {
        for detail in HER_DETAILS {
            assert!(!text.contains(detail), "{name} holds {detail}: {text}");
        }
    }
    assert!(
        files["report.html"].contains("[person]"),
        "{}",
        files["report.html"]
    );
    let custody: serde_json::Value = serde_json::from_str(&files["chain-of-custody.json"]).unwrap();
    assert_eq!(custody["content"]["masked"], true);

    // Unmasked only for someone who may unmask, with a reason.
    let response = harness
        .post(
            &unmasked_path,
            Some(&analyst),
            &[("csrf", &analyst_csrf), ("reason", "curious")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = harness
        .post(
            &unmasked_path,
            Some(&investigator),
            &[("csrf", &investigator_csrf), ("reason", " ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = harness
        .post(
            &unmasked_path,
            Some(&investigator),
            &[
                ("csrf", &investigator_csrf),
                (
                    "reason",
                    "the misconduct hearing must know who was insulted",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let files = pack_files(&response.bytes().await.unwrap());
    let readable = files
        .iter()
        .find(|(name, _)| name.starts_with("events/readable/"))
        .unwrap()
        .1;
    assert!(readable.contains("Karen Whitfield"), "{readable}");
    assert!(readable.contains("07700 900123"), "{readable}");
    let custody: serde_json::Value = serde_json::from_str(&files["chain-of-custody.json"]).unwrap();
    assert_eq!(custody["content"]["masked"], false);
    assert_eq!(
        custody["content"]["reason"],
        "the misconduct hearing must know who was insulted"
    );

    // A closed case exports nothing more.
    for state in ["investigating", "closed"] {
        let response = harness
            .post(
                &format!("{case}/state"),
                Some(&investigator),
                &[("csrf", &investigator_csrf), ("state", state)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = harness.get(&pack_path, Some(&investigator)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let (auditor, _) = harness.sign_in("auditor").await;
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    assert!(log.contains(">evidence.export.refused<"), "{log}");
    assert_eq!(log.matches(">evidence.export<").count(), 2, "{log}");
    assert_eq!(log.matches(">content.unmask<").count(), 1, "{log}");
    assert!(
        log.contains("the misconduct hearing must know who was insulted"),
        "{log}"
    );
    for detail in HER_DETAILS {
        assert!(!log.contains(detail), "the audit log holds {detail}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_linked_to_a_case_directly_are_in_its_evidence_pack_once_each() {
    let harness = Harness::start().await;
    let first = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: rota\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <l1@force.example>\r\n\r\n\
Swap my Tuesday?\r\n";
    let second = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: rota again\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <l2@force.example>\r\n\r\n\
And Thursday?\r\n";
    let ((first, _, alert), _) = store_message(harness._dir.path(), first, "rota-change");
    let ((second, _, _), _) = store_message(harness._dir.path(), second, "rota-change");
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let case = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Rota messages")
        .await;
    // The first message is linked through its alert and directly as well; the second only
    // directly.
    for event in [&first, &second] {
        let response = harness
            .post(
                &format!("{case}/links"),
                Some(&analyst),
                &[
                    ("csrf", &analyst_csrf),
                    ("kind", "event"),
                    ("target", event),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case, &officer, &officer_csrf).await;

    let (investigator, _) = harness.sign_in("investigator").await;
    let response = harness
        .get(&format!("{case}/evidence.zip"), Some(&investigator))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let files = pack_files(&response.bytes().await.unwrap());
    let readable: Vec<&String> = files
        .keys()
        .filter(|f| f.starts_with("events/readable/"))
        .collect();
    assert_eq!(
        readable,
        [
            &format!("events/readable/{first}.json"),
            &format!("events/readable/{second}.json")
        ],
        "{:?}",
        files.keys()
    );
    let custody: serde_json::Value = serde_json::from_str(&files["chain-of-custody.json"]).unwrap();
    let events: Vec<&str> = custody["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, [first.as_str(), second.as_str()]);
    assert!(files["report.html"].contains("Timeline (2 events)"));
}

/// Stores `count` more alerts resting on the event of `alert` (hex) and links them to `case`
/// as `cookie`; returns their ids.
async fn link_more_alerts(
    harness: &Harness,
    case: &str,
    cookie: &str,
    csrf: &str,
    reference: EventRef,
    count: usize,
) -> Vec<String> {
    let store = SqliteStore::open(harness._dir.path()).unwrap();
    let mut ids = Vec::new();
    let mut alerts = Vec::new();
    for n in 0..count {
        let mut alert = sample_alert("pc.jones");
        alert.rule.id = format!("rota-change-{n}");
        alert.events = vec![reference];
        alert.id = AlertId::derive(&alert.rule, &alert.events);
        ids.push(alert.id.to_hex());
        alerts.push(alert);
    }
    store.append_alerts(&alerts, None).unwrap();
    for id in &ids {
        let response = harness
            .post(
                &format!("{case}/links"),
                Some(cookie),
                &[("csrf", csrf), ("kind", "alert"), ("target", id)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    ids
}

const ROTA: &[u8] = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: rota\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <p1@force.example>\r\n\r\n\
Swap my Tuesday?\r\n";

/// A case of 501 alerts is packed whole (the workbench once cut a pack at 500 alerts and 5,000
/// events without a word), and the manifest and the report state the case's counts beside the
/// pack's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evidence_pack_holds_everything_its_case_links_and_says_so() {
    let harness = Harness::start().await;
    let ((event, at, alert), _) = store_message(harness._dir.path(), ROTA, "rota-change");
    let reference = EventRef {
        id: event.parse().unwrap(),
        timestamp: probity_model::from_micros(at),
    };
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let case = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Many alerts")
        .await;
    link_more_alerts(&harness, &case, &analyst, &analyst_csrf, reference, 500).await;
    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case, &officer, &officer_csrf).await;

    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let masked = harness
        .get(&format!("{case}/evidence.zip"), Some(&investigator))
        .await;
    assert_eq!(masked.status(), StatusCode::OK);
    let unmasked = harness
        .post(
            &format!("{case}/evidence-unmasked.zip"),
            Some(&investigator),
            &[("csrf", &investigator_csrf), ("reason", "for the hearing")],
        )
        .await;
    assert_eq!(unmasked.status(), StatusCode::OK);
    for response in [masked, unmasked] {
        let files = pack_files(&response.bytes().await.unwrap());
        let alerts = files.keys().filter(|f| f.starts_with("alerts/")).count();
        assert_eq!(alerts, 501);
        let manifest: serde_json::Value = serde_json::from_str(&files["manifest.json"]).unwrap();
        assert_eq!(manifest["counts"]["case"]["alerts"], 501);
        assert_eq!(manifest["counts"]["pack"]["alerts"], 501);
        assert_eq!(manifest["counts"]["case"]["events"], 1);
        assert_eq!(manifest["counts"]["pack"]["events"], 1);
        assert!(
            files["report.html"]
                .contains("all 1 of the case&#39;s events and all 501 of its alerts"),
            "{}",
            files["report.html"]
        );
    }
}

/// A case over the workbench's pack limits is refused with its counts, masked or unmasked, and
/// the refusal is on the record: never a pack cut short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_over_the_pack_limits_is_refused_naming_its_counts() {
    let harness = Harness::start_with(|web| {
        web.max_pack = probity_case::evidence::Counts {
            alerts: 2,
            events: 1,
        };
    })
    .await;
    let ((event, at, alert), _) = store_message(harness._dir.path(), ROTA, "rota-change");
    let reference = EventRef {
        id: event.parse().unwrap(),
        timestamp: probity_model::from_micros(at),
    };
    let second = b"From: pc.jones@force.example\r\nTo: pc.smith@force.example\r\n\
Subject: rota again\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <p2@force.example>\r\n\r\n\
And Thursday?\r\n";
    let ((second, _, _), _) = store_message(harness._dir.path(), second, "rota-change-2");
    let (analyst, analyst_csrf) = harness.sign_in("analyst").await;
    let case = harness
        .escalate(&alert, &analyst, &analyst_csrf, "Over the limits")
        .await;
    // Two events (one through the alert, one linked directly) against a limit of one.
    let response = harness
        .post(
            &format!("{case}/links"),
            Some(&analyst),
            &[
                ("csrf", &analyst_csrf),
                ("kind", "event"),
                ("target", &second),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (officer, officer_csrf) = harness.sign_in("authorising-officer").await;
    harness.authorise(&case, &officer, &officer_csrf).await;
    let (investigator, investigator_csrf) = harness.sign_in("investigator").await;
    let refused = |text: &str, counted: &str| {
        assert!(text.contains(counted), "{text}");
        assert!(text.contains("at most 2 alerts and 1 events"), "{text}");
        assert!(text.contains("never cut short"), "{text}");
    };
    let response = harness
        .get(&format!("{case}/evidence.zip"), Some(&investigator))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    refused(
        &response.text().await.unwrap(),
        "rests on at least 2 events",
    );

    // Three alerts against a limit of two.
    link_more_alerts(&harness, &case, &analyst, &analyst_csrf, reference, 2).await;
    for response in [
        harness
            .get(&format!("{case}/evidence.zip"), Some(&investigator))
            .await,
        harness
            .post(
                &format!("{case}/evidence-unmasked.zip"),
                Some(&investigator),
                &[("csrf", &investigator_csrf), ("reason", "for the hearing")],
            )
            .await,
    ] {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        refused(&response.text().await.unwrap(), "links 3 alerts");
    }
    let (auditor, _) = harness.sign_in("auditor").await;
    let log = harness.page("/audit?after=0", Some(&auditor)).await;
    assert_eq!(log.matches(">evidence.export.refused<").count(), 3, "{log}");
    assert!(!log.contains(">evidence.export<"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_does_not_answer_by_words_masked_on_screen() {
    let harness = Harness::start().await;
    store_message_about_a_member_of_the_public(harness._dir.path());
    for role in ["analyst", "investigator"] {
        let (cookie, _) = harness.sign_in(role).await;
        let count = |q: &'static str| {
            let path = format!("/search?q={q}");
            let cookie = cookie.clone();
            let harness = &harness;
            async move {
                let page = harness.page(&path, Some(&cookie)).await;
                page.matches("class=\"result\"").count()
            }
        };
        // Her name is in the subject the index holds, masked on screen: no answer, for an
        // investigator who may unmask within a case too.
        assert_eq!(count("Karen").await, 0, "{role}");
        assert_eq!(count("Whitfield%20complaint").await, 0, "{role}");
        // What is shown still answers: the subject's other words. (Staff addresses and names,
        // known from a staff directory, answer too: see the unit tests of shown_search.)
        assert_eq!(count("complaint").await, 1, "{role}");
        assert_eq!(count("that%20complaint").await, 1, "{role}");
        let page = harness.page("/search?q=complaint", Some(&cookie)).await;
        assert!(!page.contains("Whitfield"), "{page}");
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The relying party against a real OpenID Connect provider: the `oidc-provider` npm package run
//! by `e2e/oidc-provider.mjs` on the loopback interface. Skipped (with a message) when
//! `e2e/node_modules` is absent, unless `PROBITY_REQUIRE_BROWSER` is set, when that is a failure.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use probity_access::{OidcConfig, Role};
use probity_oidc::{Error, OidcClient, PendingLogin};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:9/auth/oidc/callback";
const SECRET: &str = "probity-e2e-client-secret";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The e2e packages are installed, or the test should be skipped (None).
fn e2e_ready() -> Option<PathBuf> {
    let e2e = repo_root().join("e2e");
    if e2e.join("node_modules/oidc-provider").is_dir() {
        return Some(e2e);
    }
    if std::env::var_os("PROBITY_REQUIRE_BROWSER").is_some() {
        panic!(
            "e2e/node_modules is missing but PROBITY_REQUIRE_BROWSER is set: run `npm ci --prefix e2e`"
        );
    }
    eprintln!("skipped: e2e/node_modules is absent (run `npm ci --prefix e2e` to run this test)");
    None
}

/// A running provider; stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider(e2e: &Path, id_token_alg: &str) -> Provider {
    let mut child = Command::new("node")
        .arg(e2e.join("oidc-provider.mjs"))
        .env("OIDC_REDIRECT_URIS", REDIRECT)
        .env("OIDC_CLIENT_SECRET", SECRET)
        .env("OIDC_ID_TOKEN_ALG", id_token_alg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Ok(ready) = serde_json::from_str::<Value>(&line) {
                let _ = sender.send(ready["issuer"].as_str().unwrap_or_default().to_owned());
            }
        }
    });
    let issuer = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("the provider says it is ready");
    Provider { child, issuer }
}

fn settings(
    issuer: &str,
    client_id: &str,
    dir: &Path,
) -> (OidcConfig, probity_access::ClientSecret) {
    let secret_file = dir.join("client-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let config: OidcConfig = serde_json::from_value(json!({
        "issuer": issuer,
        "client_id": client_id,
        "client_secret_file": secret_file,
        "redirect_url": REDIRECT,
        "group_roles": {
            "probity-investigators": ["investigator", "analyst"],
            "probity-analysts": ["analyst"]
        }
    }))
    .unwrap();
    let secret = config.load_client_secret().unwrap();
    (config, secret)
}

/// A browser stand-in: follows the provider's redirects by hand, keeping its cookies, signs in
/// at the development sign-in form, and stops at the redirect back to Probity.
struct Browser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
    origin: String,
}

impl Browser {
    fn new(issuer: &str) -> Browser {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build();
        Browser {
            agent: ureq::Agent::new_with_config(config),
            cookies: BTreeMap::new(),
            origin: issuer.to_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for header in response.headers().get_all("set-cookie") {
            let text = header.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let lower = text.to_ascii_lowercase();
            if value.is_empty() || lower.contains("expires=thu, 01 jan 1970") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.origin)
        } else {
            location.to_owned()
        }
    }

    /// GET or POST one URL; gives the status, the Location (absolute) and the body.
    fn request(&mut self, url: &str, form: Option<&str>) -> (u16, Option<String>, String) {
        let cookie = self.cookie_header();
        let mut response = match form {
            Some(body) => self
                .agent
                .post(url)
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .send(body)
                .unwrap(),
            None => self
                .agent
                .get(url)
                .header("cookie", &cookie)
                .call()
                .unwrap(),
        };
        self.keep_cookies(&response);
        let location = response
            .headers()
            .get("location")
            .map(|value| self.absolute(value.to_str().unwrap()));
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (response.status().as_u16(), location, body)
    }

    /// Runs the provider's pages from the authorisation URL to the redirect back; gives the
    /// callback's query parameters.
    fn sign_in(&mut self, authorize_url: &str, login: &str) -> BTreeMap<String, String> {
        let mut url = authorize_url.to_owned();
        let mut form: Option<String> = None;
        for _ in 0..12 {
            let (status, location, body) = self.request(&url, form.take().as_deref());
            if let Some(next) = location {
                if let Some(query) = next.strip_prefix(&format!("{REDIRECT}?")) {
                    return parse_query(query);
                }
                url = next;
                continue;
            }
            assert_eq!(status, 200, "unexpected page at {url}: {body}");
            if body.contains("name=\"login\"") {
                form = Some(format!("prompt=login&login={login}&password=any-password"));
            } else if body.contains("value=\"consent\"") {
                form = Some("prompt=consent".into());
            } else {
                panic!("unexpected page at {url}: {body}");
            }
        }
        panic!("the provider never redirected back");
    }
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), percent_decode(value)))
        .collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            out.push(if bytes[index] == b'+' {
                b' '
            } else {
                bytes[index]
            });
            index += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs in at the provider and gives the code for `pending`.
fn code_for(provider: &Provider, url: &str, pending: &PendingLogin, login: &str) -> String {
    let query = Browser::new(&provider.issuer).sign_in(url, login);
    assert_eq!(
        query.get("state").map(String::as_str),
        Some(pending.state())
    );
    assert_eq!(query.get("iss"), Some(&provider.issuer));
    query.get("code").cloned().expect("a code")
}

fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

/// Asserts an ID token refusal whose reason mentions `because`.
fn is_refused(result: Result<Value, Error>, because: &str) {
    match result {
        Err(Error::IdToken(reason)) => assert!(reason.contains(because), "{because}: {reason}"),
        other => panic!("{because}: expected an ID token refusal, got {other:?}"),
    }
}

#[test]
fn sign_in_at_a_real_provider_gives_the_mapped_roles() {
    let Some(e2e) = e2e_ready() else { return };
    let provider = start_provider(&e2e, "RS256");
    let dir = tempfile::tempdir().unwrap();
    let (config, secret) = settings(&provider.issuer, "probity", dir.path());
    let client = OidcClient::discover(&config, secret).unwrap();

    let (url, pending) = client.begin();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(url.contains(&format!("state={}", pending.state())));
    assert!(url.contains(&format!("nonce={}", pending.nonce())));
    let code = code_for(&provider, &url, &pending, "sso.investigator");
    let claims = client.finish(pending.clone(), &code).unwrap();
    assert_eq!(
        config.username_from_claims(&claims),
        Some("sso.investigator")
    );
    assert_eq!(
        claims["groups"],
        json!(["probity-investigators", "Everyone"])
    );
    let roles = config.roles_from_claims(&claims);
    assert!(roles.contains(Role::Investigator) && roles.contains(Role::Analyst));
    assert!(!roles.contains(Role::Administrator));

    // A code is good once.
    let replay = client.finish(pending, &code).unwrap_err();
    assert!(
        matches!(
            replay,
            Error::Provider {
                endpoint: "token",
                ..
            }
        ),
        "{replay}"
    );

    // PKCE is bound: a code cannot be finished with another sign-in's verifier.
    let (url, pending) = client.begin();
    let code = code_for(&provider, &url, &pending, "sso.analyst");
    let (_, other) = client.begin();
    assert!(matches!(
        client.exchange_code(&other, &code),
        Err(Error::Provider {
            endpoint: "token",
            ..
        })
    ));

    // A person in no mapped group gets no role.
    let (url, pending) = client.begin();
    let code = code_for(&provider, &url, &pending, "sso.nobody");
    let claims = client.finish(pending, &code).unwrap();
    assert!(config.roles_from_claims(&claims).is_empty());
}

#[test]
fn forged_replayed_misdirected_and_expired_tokens_are_refused() {
    let Some(e2e) = e2e_ready() else { return };
    let provider = start_provider(&e2e, "RS256");
    let dir = tempfile::tempdir().unwrap();
    let (config, secret) = settings(&provider.issuer, "probity", dir.path());
    let client = OidcClient::discover(&config, secret.clone()).unwrap();
    let (url, pending) = client.begin();
    let code = code_for(&provider, &url, &pending, "sso.analyst");
    let token = client.exchange_code(&pending, &code).unwrap();
    assert_eq!(header_of(&token)["alg"], "RS256");
    let claims = client
        .validate_id_token(&token, pending.nonce(), now())
        .unwrap();
    assert_eq!(claims["aud"], "probity");

    // Tampered: the payload gains a group; the signature no longer fits.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["groups"] = json!(["probity-investigators"]);
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    is_refused(
        client.validate_id_token(&tampered, pending.nonce(), now()),
        "signature does not verify",
    );

    // A flipped signature byte.
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[10] ^= 1;
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(signature)
    );
    is_refused(
        client.validate_id_token(&flipped, pending.nonce(), now()),
        "signature does not verify",
    );

    // A header downgraded to HMAC, or naming a key the provider does not have.
    let mut header = header_of(&token);
    header["alg"] = json!("HS256");
    let hmac = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        parts[1],
        parts[2]
    );
    is_refused(
        client.validate_id_token(&hmac, pending.nonce(), now()),
        "HS256",
    );
    let mut header = header_of(&token);
    header["kid"] = json!("no-such-key");
    let unknown_key = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        parts[1],
        parts[2]
    );
    is_refused(
        client.validate_id_token(&unknown_key, pending.nonce(), now()),
        "no RS256 key",
    );

    // The nonce of another sign-in (a token injected into this one).
    let (_, other) = client.begin();
    is_refused(
        client.validate_id_token(&token, other.nonce(), now()),
        "nonce",
    );

    // A token issued to another client.
    let (other_config, _) = settings(&provider.issuer, "someone-else", dir.path());
    let other_client = OidcClient::discover(&other_config, secret).unwrap();
    is_refused(
        other_client.validate_id_token(&token, pending.nonce(), now()),
        "meant for",
    );

    // The same token two hours later, and one presented before it was issued.
    is_refused(
        client.validate_id_token(&token, pending.nonce(), now() + 7200),
        "expired",
    );
    is_refused(
        client.validate_id_token(&token, pending.nonce(), now() - 3600),
        "in the future",
    );

    // Still good after all that: the refusals did not disturb the cached keys.
    client
        .validate_id_token(&token, pending.nonce(), now())
        .unwrap();
}

#[test]
fn es256_signed_id_tokens_are_accepted() {
    let Some(e2e) = e2e_ready() else { return };
    let provider = start_provider(&e2e, "ES256");
    let dir = tempfile::tempdir().unwrap();
    let (config, secret) = settings(&provider.issuer, "probity", dir.path());
    let client = OidcClient::discover(&config, secret).unwrap();
    let (url, pending) = client.begin();
    let code = code_for(&provider, &url, &pending, "sso.analyst");
    let token = client.exchange_code(&pending, &code).unwrap();
    assert_eq!(header_of(&token)["alg"], "ES256");
    let claims = client
        .validate_id_token(&token, pending.nonce(), now())
        .unwrap();
    assert_eq!(config.roles_from_claims(&claims).to_list(), "analyst");
}

#[test]
fn discovery_refuses_a_mismatched_issuer_and_an_unreachable_provider() {
    let Some(e2e) = e2e_ready() else { return };
    let provider = start_provider(&e2e, "RS256");
    let dir = tempfile::tempdir().unwrap();
    // The same provider named by another spelling of its address.
    let other_spelling = provider.issuer.replace("127.0.0.1", "localhost");
    let (config, secret) = settings(&other_spelling, "probity", dir.path());
    let error = OidcClient::discover(&config, secret.clone()).unwrap_err();
    assert!(error.to_string().contains("must match"), "{error}");
    // Nothing listens on port 9.
    let (config, secret) = settings("http://127.0.0.1:9", "probity", dir.path());
    assert!(matches!(
        OidcClient::discover(&config, secret),
        Err(Error::Http { .. })
    ));
}

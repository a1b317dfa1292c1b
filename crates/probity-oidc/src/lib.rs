//! Probity's OpenID Connect relying party, for single sign-on with Entra ID or any other
//! standard provider.
//!
//! - [`OidcClient::discover`] reads the provider's `/.well-known/openid-configuration` (the
//!   issuer must match the configuration exactly; endpoints must be HTTPS, plain HTTP only on
//!   the loopback interface, for tests).
//! - [`OidcClient::begin`] makes the authorisation URL (code flow, PKCE S256, `state`, `nonce`)
//!   and a [`PendingLogin`] that the server keeps, keyed by [`PendingLogin::state`], until the
//!   browser comes back.
//! - [`OidcClient::finish`] exchanges the code at the token endpoint (`client_secret_basic` or
//!   `client_secret_post`, as the provider offers) and validates the ID token: signature against
//!   the provider's key set (cached; fetched again once when a token names an unknown key),
//!   issuer, audience, authorised party, `exp`/`iat`/`nbf` with 60 s leeway, and nonce. It gives
//!   the claims; `probity_access::OidcConfig::roles_from_claims` turns them into roles.
//!
//! Calls block (at most 10 s each, answers bounded in size): the server runs them on a blocking
//! thread.

mod discovery;
mod error;
mod http;
mod jwks;
mod token;

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use probity_access::{ClientSecret, OidcConfig};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use discovery::{ClientAuth, ProviderMetadata};
pub use error::{Error, Result};
pub use token::{LEEWAY_SECONDS, MAX_TOKEN_AGE_SECONDS};

use jwks::SigningKey;

/// How long a started sign-in may take before [`OidcClient::finish`] refuses it.
pub const PENDING_LIFETIME_SECONDS: i64 = 600;
/// How long the provider's keys are used before they are fetched again.
const KEY_CACHE_LIFETIME: Duration = Duration::from_secs(3600);
/// Shortest time between two fetches of the keys caused by tokens naming an unknown key.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Largest token endpoint answer read.
const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;
/// Longest authorisation code accepted from the browser.
const MAX_CODE_BYTES: usize = 4096;

/// A sign-in that has been started: what is needed to finish it. The server keeps it (it must
/// not go to the browser), keyed by [`PendingLogin::state`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    state: String,
    nonce: String,
    code_verifier: String,
    created_at: i64,
}

impl PendingLogin {
    /// The `state` sent to the provider; the callback brings it back.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The `nonce` the ID token must carry.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// When the sign-in started, in seconds since the Unix epoch.
    pub fn created_at(&self) -> i64 {
        self.created_at
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &self.state)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct KeyCache {
    keys: Vec<SigningKey>,
    fetched: Option<Instant>,
}

/// The relying party for one provider and one client registration.
#[derive(Debug)]
pub struct OidcClient {
    config: OidcConfig,
    secret: ClientSecret,
    metadata: ProviderMetadata,
    agent: ureq::Agent,
    keys: Mutex<KeyCache>,
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// 256 random bits, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier.
fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl OidcClient {
    /// Checks the settings and reads the provider's metadata.
    pub fn discover(config: &OidcConfig, secret: ClientSecret) -> Result<OidcClient> {
        config
            .validate()
            .map_err(|error| Error::Config(error.to_string()))?;
        let agent = http::agent();
        let metadata = discovery::discover(&agent, &config.issuer)?;
        Ok(OidcClient {
            config: config.clone(),
            secret,
            metadata,
            agent,
            keys: Mutex::new(KeyCache::default()),
        })
    }

    /// The provider's metadata as discovered.
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    /// The settings this client was made from.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Starts a sign-in: the URL to send the browser to, and what to keep until it comes back.
    pub fn begin(&self) -> (String, PendingLogin) {
        let pending = PendingLogin {
            state: random_token(),
            nonce: random_token(),
            code_verifier: random_token(),
            created_at: unix_now(),
        };
        let scope = self.config.scopes.join(" ");
        let challenge = pkce_challenge(&pending.code_verifier);
        let query = http::form(&[
            ("response_type", "code"),
            ("client_id", &self.config.client_id),
            ("redirect_uri", &self.config.redirect_url),
            ("scope", &scope),
            ("state", &pending.state),
            ("nonce", &pending.nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]);
        let endpoint = &self.metadata.authorization_endpoint;
        let separator = if endpoint.contains('?') { '&' } else { '?' };
        (format!("{endpoint}{separator}{query}"), pending)
    }

    /// Finishes a sign-in: exchanges the code and validates the ID token; gives its claims.
    pub fn finish(&self, pending: PendingLogin, code: &str) -> Result<Value> {
        let now = unix_now();
        if now.saturating_sub(pending.created_at) > PENDING_LIFETIME_SECONDS {
            return Err(Error::Expired);
        }
        let id_token = self.exchange_code(&pending, code)?;
        self.validate_id_token(&id_token, &pending.nonce, now)
    }

    /// Exchanges an authorisation code at the token endpoint; gives the raw ID token.
    pub fn exchange_code(&self, pending: &PendingLogin, code: &str) -> Result<String> {
        if code.is_empty() || code.len() > MAX_CODE_BYTES {
            return Err(Error::Provider {
                endpoint: "authorization",
                reason: format!("the code is empty or longer than {MAX_CODE_BYTES} bytes"),
            });
        }
        let client_id = self.config.client_id.as_str();
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_url.as_str()),
            ("code_verifier", pending.code_verifier.as_str()),
        ];
        let url = self.metadata.token_endpoint.as_str();
        let mut request = self
            .agent
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        match self.metadata.client_auth {
            ClientAuth::Basic => {
                let credentials = format!(
                    "{}:{}",
                    http::form_encode(client_id),
                    http::form_encode(self.secret.expose())
                );
                request = request.header(
                    "authorization",
                    format!("Basic {}", STANDARD.encode(credentials)),
                );
            }
            ClientAuth::Post => {
                pairs.push(("client_id", client_id));
                pairs.push(("client_secret", self.secret.expose()));
            }
        }
        let mut response = request
            .send(http::form(&pairs))
            .map_err(|error| http::http_error(url, error))?;
        let status = response.status();
        let body = http::read_json(url, &mut response, MAX_TOKEN_RESPONSE_BYTES)?;
        if status != 200 {
            return Err(Error::Provider {
                endpoint: "token",
                reason: token_error(status.as_u16(), &body),
            });
        }
        match body.get("id_token").and_then(Value::as_str) {
            Some(id_token) => Ok(id_token.to_owned()),
            None => Err(Error::Provider {
                endpoint: "token",
                reason: "the answer has no id_token (is the openid scope asked for?)".into(),
            }),
        }
    }

    /// Validates an ID token as of `now` (seconds since the Unix epoch) and gives its claims.
    pub fn validate_id_token(&self, id_token: &str, nonce: &str, now: i64) -> Result<Value> {
        let (algorithm, kid) = token::header(id_token)?;
        let key = self.signing_key(algorithm, kid.as_deref())?;
        let expected = token::Expected {
            issuer: &self.metadata.issuer,
            client_id: &self.config.client_id,
            nonce,
            now,
        };
        token::validate(id_token, algorithm, &key, expected)
    }

    /// The key for a token: from the cache, fetching the set when it is stale, and once more
    /// when the token names a key the set lacks (the provider may have rotated its keys).
    fn signing_key(
        &self,
        algorithm: jsonwebtoken::Algorithm,
        kid: Option<&str>,
    ) -> Result<SigningKey> {
        let mut cache = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stale = cache
            .fetched
            .is_none_or(|fetched| fetched.elapsed() > KEY_CACHE_LIFETIME);
        if stale {
            self.fetch_keys(&mut cache)?;
        }
        if let Some(key) = jwks::find(&cache.keys, kid, algorithm) {
            return Ok(key.clone());
        }
        let may_refetch = cache
            .fetched
            .is_none_or(|fetched| fetched.elapsed() > MIN_REFETCH_INTERVAL);
        if !stale && may_refetch {
            self.fetch_keys(&mut cache)?;
            if let Some(key) = jwks::find(&cache.keys, kid, algorithm) {
                return Ok(key.clone());
            }
        }
        Err(Error::IdToken(format!(
            "the provider has no {algorithm:?} key {kid:?}"
        )))
    }

    fn fetch_keys(&self, cache: &mut KeyCache) -> Result<()> {
        let url = &self.metadata.jwks_uri;
        let document = http::get_json(&self.agent, url, jwks::MAX_JWKS_BYTES)?;
        cache.keys = jwks::parse(&document)?;
        cache.fetched = Some(Instant::now());
        Ok(())
    }
}

/// The provider's error answer in a line (`invalid_grant: code expired`), bounded.
fn token_error(status: u16, body: &Value) -> String {
    let code = body.get("error").and_then(Value::as_str).unwrap_or("?");
    let description = body
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let line: String = format!("status {status}, {code}: {description}")
        .chars()
        .take(300)
        .collect();
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_the_rfc_7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let one = random_token();
        assert_eq!(one.len(), 43);
        assert_ne!(one, random_token());
    }

    #[test]
    fn pending_logins_round_trip_and_do_not_print_secrets() {
        let pending = PendingLogin {
            state: "s".into(),
            nonce: "n".into(),
            code_verifier: "verifier-secret".into(),
            created_at: 5,
        };
        let text = serde_json::to_string(&pending).unwrap();
        assert_eq!(
            serde_json::from_str::<PendingLogin>(&text).unwrap(),
            pending
        );
        assert!(!format!("{pending:?}").contains("verifier-secret"));
    }

    #[test]
    fn token_errors_are_one_bounded_line() {
        let body =
            serde_json::json!({"error": "invalid_grant", "error_description": "x".repeat(999)});
        let line = token_error(400, &body);
        assert!(line.starts_with("status 400, invalid_grant: x"));
        assert_eq!(line.chars().count(), 300);
    }
}

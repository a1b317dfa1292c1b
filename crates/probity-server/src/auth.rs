//! Token authentication for HTTP routes.
//!
//! A request carries its token in one of the forms shippers use: `Authorization: Bearer T`,
//! `Authorization: Splunk T` (HEC), `Authorization: ApiKey T` or `ApiKey base64(id:T)` (Elasticsearch),
//! or `Authorization: Basic base64(user:T)` (any user name; the password is the token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;

use probity_store::{Scope, TokenInfo, TokenStore, hash_secret};

/// How long a verified token is trusted before it is looked up again (so a revocation takes effect
/// within this time).
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Most verified tokens remembered.
const CACHE_MAX: usize = 10_000;

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header in no form we read.
    Malformed,
    /// A well-formed token that is unknown or revoked.
    Invalid,
    /// A valid token whose scope does not allow this route.
    Forbidden { needed: Scope, held: Scope },
    /// The token store could not be read.
    Unavailable,
}

/// Verified tokens by the hash of their secret, with when they were verified.
type TokenCache = HashMap<[u8; 32], (TokenInfo, Instant)>;

/// Checks tokens against the [`TokenStore`], remembering good ones briefly.
#[derive(Debug, Clone)]
pub struct Authenticator {
    tokens: Arc<dyn TokenStore>,
    cache: Arc<Mutex<TokenCache>>,
}

/// The secret carried by an `Authorization` header value.
pub fn credential(headers: &HeaderMap) -> Result<String, AuthError> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Malformed)?
        .trim();
    let (scheme, rest) = value.split_once(' ').ok_or(AuthError::Malformed)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(AuthError::Malformed);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "splunk" => Ok(rest.to_owned()),
        "apikey" => {
            // Elasticsearch clients send base64("id:key"); a bare token is accepted as well.
            let decoded = STANDARD
                .decode(rest)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match decoded.as_deref().and_then(|text| text.split_once(':')) {
                Some((_, key)) if !key.is_empty() => Ok(key.to_owned()),
                _ => Ok(rest.to_owned()),
            }
        }
        "basic" => {
            let bytes = STANDARD.decode(rest).map_err(|_| AuthError::Malformed)?;
            let text = String::from_utf8(bytes).map_err(|_| AuthError::Malformed)?;
            let (_, password) = text.split_once(':').ok_or(AuthError::Malformed)?;
            if password.is_empty() {
                return Err(AuthError::Malformed);
            }
            Ok(password.to_owned())
        }
        _ => Err(AuthError::Malformed),
    }
}

impl Authenticator {
    pub fn new(tokens: Arc<dyn TokenStore>) -> Self {
        Self {
            tokens,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The token on the request, if it is valid and holds one of `allowed` scopes.
    pub async fn check(
        &self,
        headers: &HeaderMap,
        allowed: &[Scope],
    ) -> Result<TokenInfo, AuthError> {
        let secret = credential(headers)?;
        let info = self.lookup(secret).await?;
        if !allowed.contains(&info.scope) {
            return Err(AuthError::Forbidden {
                needed: allowed.first().copied().unwrap_or(Scope::Admin),
                held: info.scope,
            });
        }
        Ok(info)
    }

    async fn lookup(&self, secret: String) -> Result<TokenInfo, AuthError> {
        let key = hash_secret(&secret);
        if let Ok(cache) = self.cache.lock()
            && let Some((info, at)) = cache.get(&key)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(info.clone());
        }
        let tokens = Arc::clone(&self.tokens);
        let found = tokio::task::spawn_blocking(move || tokens.authenticate(&secret))
            .await
            .map_err(|_| AuthError::Unavailable)?
            .map_err(|error| {
                tracing::error!(%error, "token store unavailable");
                AuthError::Unavailable
            })?;
        let Some(info) = found else {
            return Err(AuthError::Invalid);
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            }
            if cache.len() < CACHE_MAX {
                cache.insert(key, (info.clone(), Instant::now()));
            }
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn every_shipper_form_yields_the_secret() {
        let b64 = |s: &str| STANDARD.encode(s);
        assert_eq!(credential(&with("Bearer prb_x")).unwrap(), "prb_x");
        assert_eq!(credential(&with("Splunk prb_x")).unwrap(), "prb_x");
        assert_eq!(credential(&with("ApiKey prb_x")).unwrap(), "prb_x");
        assert_eq!(
            credential(&with(&format!("ApiKey {}", b64("id:prb_x")))).unwrap(),
            "prb_x"
        );
        assert_eq!(
            credential(&with(&format!("Basic {}", b64("elastic:prb_x")))).unwrap(),
            "prb_x"
        );
        assert_eq!(credential(&HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(credential(&with("Bearer")), Err(AuthError::Malformed));
        assert_eq!(credential(&with("Digest abc")), Err(AuthError::Malformed));
        assert_eq!(
            credential(&with(&format!("Basic {}", b64("user:")))),
            Err(AuthError::Malformed)
        );
    }
}

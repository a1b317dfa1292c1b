//! The HTTP client: HTTPS with rustls, plain HTTP only to the loopback interface, bounded time
//! and bounded answers.

use std::time::Duration;

use serde_json::Value;

use crate::{Error, Result};

/// Time allowed for one whole request (connect, TLS, send, receive).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the agent used for every call to the provider: no redirects followed (an OpenID
/// provider's endpoints are the ones it publishes), error statuses returned as responses so the
/// provider's error text can be read.
pub(crate) fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent("probity-oidc")
        .build();
    ureq::Agent::new_with_config(config)
}

/// True for `http://localhost`, `http://127.0.0.1` and `http://[::1]`, with or without a port
/// or path, and nothing else (`http://localhost.evil.example` is not local).
pub(crate) fn is_loopback_http(url: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|prefix| {
            url.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/', '?']))
        })
}

/// Refuses a URL that is neither HTTPS nor plain HTTP to the loopback interface.
pub(crate) fn check_url(what: &str, url: &str) -> Result<()> {
    let https = url
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if https || is_loopback_http(url) {
        return Ok(());
    }
    Err(Error::Config(format!(
        "{what} {url:?} must be an https:// URL (plain http only for localhost)"
    )))
}

/// Reads a response body of at most `limit` bytes as JSON, or says why not.
pub(crate) fn read_json(
    url: &str,
    response: &mut ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Value> {
    let text = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|error| Error::Http {
            url: url.to_owned(),
            reason: match error {
                ureq::Error::BodyExceedsLimit(_) => {
                    format!("the answer is larger than {limit} bytes")
                }
                other => other.to_string(),
            },
        })?;
    serde_json::from_str(&text).map_err(|error| Error::Http {
        url: url.to_owned(),
        reason: format!("the answer is not JSON: {error}"),
    })
}

/// GETs a JSON document of at most `limit` bytes; any status but 200 is an error.
pub(crate) fn get_json(agent: &ureq::Agent, url: &str, limit: u64) -> Result<Value> {
    let mut response = agent
        .get(url)
        .header("accept", "application/json")
        .call()
        .map_err(|error| http_error(url, error))?;
    let status = response.status();
    if status != 200 {
        return Err(Error::Http {
            url: url.to_owned(),
            reason: format!("status {status}, expected 200"),
        });
    }
    read_json(url, &mut response, limit)
}

/// Names a transport error.
pub(crate) fn http_error(url: &str, error: ureq::Error) -> Error {
    Error::Http {
        url: url.to_owned(),
        reason: error.to_string(),
    }
}

/// Percent-encodes a value for `application/x-www-form-urlencoded` bodies and query strings:
/// everything but letters, digits and `-._~`.
pub(crate) fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Joins `name=value` pairs, each value encoded.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", form_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_allowed() {
        check_url("issuer", "https://login.microsoftonline.com/t/v2.0").unwrap();
        check_url("issuer", "http://127.0.0.1:4000").unwrap();
        check_url("issuer", "http://localhost/x").unwrap();
        check_url("issuer", "http://[::1]:9").unwrap();
        assert!(check_url("issuer", "http://login.example.net").is_err());
        assert!(check_url("issuer", "http://localhost.evil.example").is_err());
        assert!(check_url("issuer", "http://127.0.0.1.evil.example/").is_err());
        assert!(check_url("issuer", "https://").is_err());
        assert!(check_url("issuer", "ftp://x").is_err());
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(form_encode("a b&c=d/é~._-"), "a%20b%26c%3Dd%2F%C3%A9~._-");
        assert_eq!(form(&[("a", "1 2"), ("b", "x+y")]), "a=1%202&b=x%2By");
    }
}

//! ID token validation: signature (by jsonwebtoken against the provider's key), then issuer,
//! audience, authorised party, times and nonce checked here against an explicit `now`.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;

use crate::jwks::{self, SigningKey};
use crate::{Error, Result};

/// Largest ID token accepted, in bytes (Entra ID's with many groups stay under 8 KiB; with more
/// than 200 groups Entra sends a link instead of the list).
pub(crate) const MAX_ID_TOKEN_BYTES: usize = 16 * 1024;
/// Clock difference allowed between Probity and the provider, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;
/// Oldest `iat` accepted, in seconds before now: the token has just come from the token endpoint.
pub const MAX_TOKEN_AGE_SECONDS: i64 = 600;

/// What a token must match besides its signature.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Seconds since the Unix epoch.
    pub now: i64,
}

fn refuse(reason: impl Into<String>) -> Error {
    Error::IdToken(reason.into())
}

/// The token's header fields needed to pick a key.
pub(crate) fn header(token: &str) -> Result<(Algorithm, Option<String>)> {
    if token.len() > MAX_ID_TOKEN_BYTES {
        return Err(refuse(format!(
            "it is {} bytes, more than {MAX_ID_TOKEN_BYTES}",
            token.len()
        )));
    }
    let header = jsonwebtoken::decode_header(token)
        .map_err(|error| refuse(format!("the header is unreadable: {error}")))?;
    if !jwks::allowed(header.alg) {
        return Err(refuse(format!(
            "it is signed with {:?}, which Probity does not accept",
            header.alg
        )));
    }
    Ok((header.alg, header.kid))
}

/// Checks the signature with `key` and then every claim; gives the claims.
pub(crate) fn validate(
    token: &str,
    algorithm: Algorithm,
    key: &SigningKey,
    expected: Expected<'_>,
) -> Result<Value> {
    let decoding_key = jwks::decoding_key(key)?;
    let mut validation = Validation::new(algorithm);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Value>(token, &decoding_key, &validation)
        .map_err(|error| refuse(format!("the signature does not verify: {error}")))?;
    check_claims(&data.claims, expected)?;
    Ok(data.claims)
}

fn number(claims: &Value, name: &str) -> Result<Option<i64>> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().map(|seconds| seconds as i64))
            .map(Some)
            .ok_or_else(|| refuse(format!("claim {name} is not a number"))),
    }
}

/// The claim checks of OpenID Connect Core 3.1.3.7.
pub(crate) fn check_claims(claims: &Value, expected: Expected<'_>) -> Result<()> {
    if !claims.is_object() {
        return Err(refuse("the payload is not a JSON object"));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(refuse(format!(
            "it was issued by {:?}, not {:?}",
            claims.get("iss"),
            expected.issuer
        )));
    }
    check_audience(claims, expected.client_id)?;
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(refuse("it has no subject (sub)"));
    }
    check_times(claims, expected.now)?;
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(refuse(
            "its nonce is not the one this sign-in sent (a replayed or injected token)",
        ));
    }
    Ok(())
}

fn check_audience(claims: &Value, client_id: &str) -> Result<()> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => return Err(refuse("it has no audience (aud)")),
    };
    if !audiences.contains(&client_id) {
        return Err(refuse(format!(
            "it is meant for {audiences:?}, not for client {client_id:?}"
        )));
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if audiences.len() > 1 && azp != Some(client_id) {
        return Err(refuse(
            "it has several audiences but is not authorised for this client (azp)",
        ));
    }
    if let Some(azp) = azp
        && azp != client_id
    {
        return Err(refuse(format!("it was issued to client {azp:?} (azp)")));
    }
    Ok(())
}

fn check_times(claims: &Value, now: i64) -> Result<()> {
    let Some(expires) = number(claims, "exp")? else {
        return Err(refuse("it has no expiry (exp)"));
    };
    if now >= expires.saturating_add(LEEWAY_SECONDS) {
        return Err(refuse(format!("it expired at {expires} (now {now})")));
    }
    let Some(issued) = number(claims, "iat")? else {
        return Err(refuse("it has no issue time (iat)"));
    };
    if issued > now.saturating_add(LEEWAY_SECONDS) {
        return Err(refuse(format!(
            "it was issued in the future ({issued}, now {now}): check the clocks"
        )));
    }
    if issued < now.saturating_sub(MAX_TOKEN_AGE_SECONDS + LEEWAY_SECONDS) {
        return Err(refuse(format!(
            "it was issued too long ago ({issued}, now {now})"
        )));
    }
    if let Some(not_before) = number(claims, "nbf")?
        && not_before > now.saturating_add(LEEWAY_SECONDS)
    {
        return Err(refuse(format!("it is not valid before {not_before}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://idp.example",
            client_id: "probity",
            nonce: "n-1",
            now: NOW,
        }
    }

    fn claims() -> Value {
        json!({
            "iss": "https://idp.example", "aud": "probity", "sub": "abc",
            "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-1"
        })
    }

    fn with(name: &str, value: Value) -> Value {
        let mut claims = claims();
        claims[name] = value;
        claims
    }

    #[test]
    fn sound_claims_pass() {
        check_claims(&claims(), expected()).unwrap();
        check_claims(&with("aud", json!(["probity"])), expected()).unwrap();
        // Within the leeway either side.
        check_claims(&with("exp", json!(NOW - 30)), expected()).unwrap();
        check_claims(&with("iat", json!(NOW + 30)), expected()).unwrap();
    }

    #[test]
    fn every_wrong_claim_is_refused() {
        let cases = [
            with("iss", json!("https://other.example")),
            with("aud", json!("someone-else")),
            with("aud", json!(["probity", "other"])),
            with("azp", json!("other")),
            with("sub", json!("")),
            with("exp", json!(NOW - 61)),
            with("exp", json!("soon")),
            with("iat", json!(NOW + 120)),
            with("iat", json!(NOW - 3600)),
            with("nbf", json!(NOW + 120)),
            with("nonce", json!("n-2")),
            json!("not an object"),
        ];
        for bad in cases {
            assert!(check_claims(&bad, expected()).is_err(), "{bad}");
        }
        let mut missing = claims();
        missing.as_object_mut().unwrap().remove("nonce");
        assert!(check_claims(&missing, expected()).is_err());
        let mut several = with("aud", json!(["probity", "other"]));
        several["azp"] = json!("probity");
        check_claims(&several, expected()).unwrap();
    }

    #[test]
    fn malformed_or_unsafe_headers_are_refused() {
        assert!(header("not.a.jwt").is_err());
        assert!(header(&"a".repeat(MAX_ID_TOKEN_BYTES + 1)).is_err());
        // {"alg":"HS256"} and {"alg":"none"}
        assert!(header("eyJhbGciOiJIUzI1NiJ9.e30.c2ln").is_err());
        assert!(header("eyJhbGciOiJub25lIn0.e30.").is_err());
        let (alg, kid) = header("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln").unwrap();
        assert_eq!((alg, kid.as_deref()), (Algorithm::RS256, Some("k1")));
    }
}

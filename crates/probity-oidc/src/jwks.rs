//! The provider's signing keys (a JSON Web Key Set), parsed leniently: keys of kinds Probity does
//! not use (encryption keys, symmetric keys, unknown kinds) are skipped, not fatal.

use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use crate::{Error, Result};

/// Largest key set read (Entra ID's is about 10 KiB).
pub(crate) const MAX_JWKS_BYTES: u64 = 256 * 1024;
/// Most keys looked at in one set.
const MAX_KEYS: usize = 100;

/// The public part of one signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyMaterial {
    /// An RSA key: modulus and exponent, base64url.
    Rsa { n: String, e: String },
    /// An elliptic curve key: curve name and coordinates, base64url.
    Ec { crv: String, x: String, y: String },
}

/// One signing key from the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SigningKey {
    pub kid: Option<String>,
    pub alg: Option<String>,
    pub material: KeyMaterial,
}

#[derive(Deserialize)]
struct RawKey {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    key_use: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// Parses a key set, keeping the RSA and EC signing keys.
pub(crate) fn parse(document: &Value) -> Result<Vec<SigningKey>> {
    let Some(keys) = document.get("keys").and_then(Value::as_array) else {
        return Err(Error::Provider {
            endpoint: "jwks",
            reason: "the key set has no \"keys\" array".into(),
        });
    };
    let mut signing_keys = Vec::new();
    for key in keys.iter().take(MAX_KEYS) {
        let Ok(raw) = RawKey::deserialize(key) else {
            continue;
        };
        if raw
            .key_use
            .as_deref()
            .is_some_and(|key_use| key_use != "sig")
        {
            continue;
        }
        let material = match (raw.kty.as_str(), raw.n, raw.e, raw.crv, raw.x, raw.y) {
            ("RSA", Some(n), Some(e), _, _, _) => KeyMaterial::Rsa { n, e },
            ("EC", _, _, Some(crv), Some(x), Some(y)) => KeyMaterial::Ec { crv, x, y },
            _ => continue,
        };
        signing_keys.push(SigningKey {
            kid: raw.kid,
            alg: raw.alg,
            material,
        });
    }
    Ok(signing_keys)
}

/// The algorithms an ID token may be signed with. HMAC (which would use the client secret) and
/// `none` are never accepted.
pub(crate) fn allowed(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
            | Algorithm::ES256
            | Algorithm::ES384
    )
}

fn algorithm_name(algorithm: Algorithm) -> String {
    format!("{algorithm:?}")
}

/// Finds the key for a token's header: by `kid`, or the only suitable key when the token names
/// none. `None` when no key fits (the caller may refetch the set once).
pub(crate) fn find<'a>(
    keys: &'a [SigningKey],
    kid: Option<&str>,
    algorithm: Algorithm,
) -> Option<&'a SigningKey> {
    let mut suitable = keys.iter().filter(|key| fits(key, algorithm));
    match kid {
        Some(kid) => suitable.find(|key| key.kid.as_deref() == Some(kid)),
        None => {
            let first = suitable.next()?;
            suitable.next().is_none().then_some(first)
        }
    }
}

/// True when the key can check a signature of this algorithm.
fn fits(key: &SigningKey, algorithm: Algorithm) -> bool {
    if let Some(alg) = &key.alg
        && *alg != algorithm_name(algorithm)
    {
        return false;
    }
    match (&key.material, algorithm) {
        (
            KeyMaterial::Rsa { .. },
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => true,
        (KeyMaterial::Ec { crv, .. }, Algorithm::ES256) => crv == "P-256",
        (KeyMaterial::Ec { crv, .. }, Algorithm::ES384) => crv == "P-384",
        _ => false,
    }
}

/// The key in the form the signature check takes.
pub(crate) fn decoding_key(key: &SigningKey) -> Result<DecodingKey> {
    let made = match &key.material {
        KeyMaterial::Rsa { n, e } => DecodingKey::from_rsa_components(n, e),
        KeyMaterial::Ec { x, y, .. } => DecodingKey::from_ec_components(x, y),
    };
    made.map_err(|error| Error::Provider {
        endpoint: "jwks",
        reason: format!("key {:?} is unusable: {error}", key.kid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set() -> Value {
        json!({"keys": [
            {"kty": "RSA", "kid": "r1", "use": "sig", "n": "AQAB", "e": "AQAB", "x5c": ["..."]},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "e1", "crv": "P-256", "x": "AA", "y": "AA", "alg": "ES256"},
            {"kty": "oct", "kid": "h1", "k": "c2VjcmV0"},
            {"kty": "OKP", "kid": "o1", "crv": "Ed25519", "x": "AA"},
            "not a key"
        ]})
    }

    #[test]
    fn only_rsa_and_ec_signing_keys_are_kept() {
        let keys = parse(&set()).unwrap();
        let kids: Vec<_> = keys.iter().filter_map(|key| key.kid.as_deref()).collect();
        assert_eq!(kids, ["r1", "e1"]);
        assert!(parse(&json!({"nokeys": []})).is_err());
    }

    #[test]
    fn keys_are_found_by_kid_and_algorithm() {
        let keys = parse(&set()).unwrap();
        assert_eq!(
            find(&keys, Some("r1"), Algorithm::RS256)
                .unwrap()
                .kid
                .as_deref(),
            Some("r1")
        );
        // An RSA key never checks an EC signature, and a key's own alg is respected.
        assert!(find(&keys, Some("r1"), Algorithm::ES256).is_none());
        assert!(find(&keys, Some("e1"), Algorithm::ES384).is_none());
        assert!(find(&keys, Some("missing"), Algorithm::RS256).is_none());
        // Without a kid, only a single suitable key is taken.
        assert!(find(&keys, None, Algorithm::RS256).is_some());
        let two = [keys[0].clone(), keys[0].clone()];
        assert!(find(&two, None, Algorithm::RS256).is_none());
        assert!(!allowed(Algorithm::HS256));
        assert!(allowed(Algorithm::ES256));
    }
}

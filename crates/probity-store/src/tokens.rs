//! Token secrets, scopes and their hashes.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use sha2::{Digest, Sha256};

use probity_model::Timestamp;

/// What a token may do. A token has exactly one scope (least privilege).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Send events (HTTP ingest, HEC, `_bulk`). Nothing else.
    Ingest,
    /// Read events and alerts through the API.
    Read,
    /// Administer the system through the API.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ingest" => Ok(Scope::Ingest),
            "read" => Ok(Scope::Read),
            "admin" => Ok(Scope::Admin),
            other => Err(format!(
                "unknown scope {other:?} (expected ingest, read or admin)"
            )),
        }
    }
}

/// A token as stored: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    pub created: Timestamp,
    /// The first characters of the secret, to tell tokens apart in listings.
    pub prefix: String,
    pub revoked: Option<Timestamp>,
}

/// A token secret. It does not print: `Debug` and `Display` show only its prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The full secret, for showing once to the person who created it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}…)", secret_prefix(&self.0))
    }
}

/// 256 random bits, hex-encoded, with a `prb_` prefix so that leaked tokens are recognisable.
pub fn new_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret(format!("prb_{}", hex::encode(bytes)))
}

/// The stored form of a secret. Secrets are 256-bit random values, so a fast hash is enough: there
/// is nothing to guess that a slow hash would protect.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub(crate) fn secret_prefix(secret: &str) -> &str {
    let end = secret
        .char_indices()
        .nth(12)
        .map(|(i, _)| i)
        .unwrap_or(secret.len());
    &secret[..end]
}

pub(crate) fn valid_token_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_do_not_print() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 4 + 64);
        let shown = format!("{a:?}");
        assert!(!shown.contains(&a.expose()[12..]), "{shown}");
        assert_ne!(hash_secret(a.expose()), hash_secret(b.expose()));
    }

    #[test]
    fn names_and_scopes() {
        assert!(valid_token_name("winlogbeat-01"));
        assert!(!valid_token_name(""));
        assert!(!valid_token_name("a b"));
        assert_eq!("ingest".parse::<Scope>().unwrap(), Scope::Ingest);
        assert!("root".parse::<Scope>().is_err());
    }
}

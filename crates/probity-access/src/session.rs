//! Browser sessions: opaque random tokens, of which the store keeps only a SHA-256 hash, with an
//! idle and an absolute timeout, and a CSRF token derived from each session's token.
//!
//! API tokens for scripts are a separate thing and live in `probity-store`.

use std::fmt;

use chrono::Duration;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use probity_model::Timestamp;

use crate::{AccountName, RoleSet};

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionPolicy {
    /// A session unused for this many seconds ends.
    pub idle_seconds: i64,
    /// A session ends this many seconds after sign-in, however busy.
    pub absolute_seconds: i64,
    /// The last-seen time is written at most this often (seconds), to spare the database.
    pub touch_interval_seconds: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_seconds: 30 * 60,
            absolute_seconds: 10 * 60 * 60,
            touch_interval_seconds: 60,
        }
    }
}

impl SessionPolicy {
    /// Whether a session with these times has ended at `now`.
    pub fn expired(&self, session: &SessionRecord, now: Timestamp) -> bool {
        let idle = now - session.last_seen >= Duration::seconds(self.idle_seconds);
        let too_old = now - session.created >= Duration::seconds(self.absolute_seconds);
        idle || too_old
    }
}

/// A session token as given to the browser (in a cookie). It does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A new token: 256 random bits, hex, with a `prs_` prefix.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("prs_{}", hex::encode(bytes)))
    }

    /// A token as presented by a browser.
    pub fn from_presented(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// The token, to set as the cookie value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps: SHA-256 of the token. Tokens are random 256-bit values, so a fast
    /// hash is enough.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    /// The session's CSRF token, to put in every form: derived from the session token (so it
    /// needs no storage and ends with the session), and useless without the cookie.
    pub fn csrf_token(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"probity csrf v1\0");
        hasher.update(self.0.as_bytes());
        hex::encode(hasher.finalize())
    }

    /// Whether `presented` is this session's CSRF token, compared in constant time.
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let expected = self.csrf_token();
        expected.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// Whose session it is.
    pub account: AccountName,
    /// Sign-in time.
    pub created: Timestamp,
    /// Last use (to within [`SessionPolicy::touch_interval_seconds`]).
    pub last_seen: Timestamp,
    /// Whether the second factor was given (local accounts) or the identity provider vouched for
    /// the person (single sign-on). A session without it may only enrol an authenticator.
    pub second_factor: bool,
    /// For single sign-on sessions, the roles the identity provider's claims gave at sign-in;
    /// `None` for local accounts, whose roles are read from the account each time.
    pub sso_roles: Option<RoleSet>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hashed_and_do_not_print() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), SessionToken::from_presented(a.expose()).hash());
        assert_eq!(format!("{a:?}"), "SessionToken(…)");
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert!(a.csrf_matches(&a.csrf_token()));
        assert!(!a.csrf_matches(&b.csrf_token()));
        assert!(!a.csrf_matches(""));
        assert!(!a.csrf_matches(&a.csrf_token()[..63]));
        assert_ne!(a.csrf_token(), a.expose());
    }
}

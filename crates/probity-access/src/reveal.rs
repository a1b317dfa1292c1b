//! Reveal requests: an investigator asks for the real identity behind a pseudonym within a case,
//! stating necessity and proportionality; a different person, an authorising officer, approves or
//! refuses; an approval lasts a set time. The workflow itself is on
//! [`Access`](crate::Access) (`request_reveal`, `decide_reveal`, `reveal_identity`).

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use probity_model::Timestamp;

use crate::{AccountName, Error, Pseudonym, Result};

/// Longest case reference, in characters.
pub const MAX_CASE_REF: usize = 64;

/// What a reveal request must say, and how long an approval lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevealPolicy {
    /// How long an approved reveal may be used, in seconds (default 8 hours).
    pub grant_seconds: i64,
    /// How long a request may wait for a decision, in seconds (default 7 days).
    pub pending_seconds: i64,
    /// Fewest characters in each of the necessity and proportionality statements.
    pub min_statement_chars: usize,
    /// Most characters in any statement or decision note.
    pub max_statement_chars: usize,
}

impl Default for RevealPolicy {
    fn default() -> Self {
        Self {
            grant_seconds: 8 * 60 * 60,
            pending_seconds: 7 * 24 * 60 * 60,
            min_statement_chars: 40,
            max_statement_chars: 4000,
        }
    }
}

impl RevealPolicy {
    /// Checks one statement (`what` names it in the error).
    pub(crate) fn check_statement(&self, what: &str, text: &str, min: usize) -> Result<String> {
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length < min {
            return Err(Error::Reveal(format!(
                "the {what} statement is too short: write at least {min} characters"
            )));
        }
        if length > self.max_statement_chars {
            return Err(Error::Reveal(format!(
                "the {what} statement is too long: write at most {} characters",
                self.max_statement_chars
            )));
        }
        Ok(trimmed.to_owned())
    }
}

/// A reveal request's id (`RV-` and 16 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RevealId(String);

impl RevealId {
    /// A new random id.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("RV-{}", hex::encode_upper(bytes)))
    }

    /// An id as given by a person or the store.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim().to_ascii_uppercase();
        let valid = trimmed.len() == 19
            && trimmed.starts_with("RV-")
            && trimmed[3..].bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(Error::NoSuchReveal(text.to_owned()));
        }
        Ok(Self(trimmed))
    }

    /// The id as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RevealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a case reference: 1-64 letters, digits, `-`, `_`, `/` or `.`.
pub fn check_case_ref(case: &str) -> Result<String> {
    let trimmed = case.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.');
    if trimmed.is_empty() || trimmed.chars().count() > MAX_CASE_REF || !trimmed.chars().all(allowed)
    {
        return Err(Error::Reveal(format!(
            "invalid case reference {case:?}: use 1-{MAX_CASE_REF} letters, digits, '-', '_', '/' or '.'"
        )));
    }
    Ok(trimmed.to_owned())
}

/// The decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Approved: the identity may be seen until the grant expires.
    Approved,
    /// Refused.
    Refused,
}

impl Verdict {
    /// `approved` or `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Refused => "refused",
        }
    }
}

/// Who decided, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealDecision {
    /// The authorising officer.
    pub by: AccountName,
    /// When.
    pub at: Timestamp,
    /// Approved or refused.
    pub verdict: Verdict,
    /// The officer's reasons.
    pub note: String,
    /// For an approval, when it ends.
    pub expires: Option<Timestamp>,
}

/// A request to reveal the identity behind a pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealRequest {
    /// Its id.
    pub id: RevealId,
    /// The case it is made within.
    pub case: String,
    /// Whose identity.
    pub pseudonym: Pseudonym,
    /// The investigator who asked.
    pub requested_by: AccountName,
    /// Why the identity is needed.
    pub necessity: String,
    /// Why revealing it is proportionate.
    pub proportionality: String,
    /// When it was asked.
    pub requested_at: Timestamp,
    /// The decision, once made.
    pub decision: Option<RevealDecision>,
}

/// Where a request stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealStatus {
    /// Waiting for an authorising officer.
    Pending,
    /// Waited too long without a decision.
    Lapsed,
    /// Approved and usable until the time given.
    Approved { expires: Timestamp },
    /// Approved once, now past its time.
    Expired,
    /// Refused.
    Refused,
}

impl RevealRequest {
    /// Where the request stands at `now` under `policy`.
    pub fn status(&self, policy: &RevealPolicy, now: Timestamp) -> RevealStatus {
        let Some(decision) = &self.decision else {
            let lapses = self.requested_at + chrono::Duration::seconds(policy.pending_seconds);
            if now >= lapses {
                return RevealStatus::Lapsed;
            }
            return RevealStatus::Pending;
        };
        match (decision.verdict, decision.expires) {
            (Verdict::Refused, _) => RevealStatus::Refused,
            (Verdict::Approved, Some(expires)) if now < expires => {
                RevealStatus::Approved { expires }
            }
            (Verdict::Approved, _) => RevealStatus::Expired,
        }
    }
}

/// Proof that an approved, unexpired reveal exists for a pseudonym. Only this crate makes one
/// (in [`Access::reveal_identity`](crate::Access::reveal_identity)), so a store's
/// [`identifier_for`](crate::AccessStore::identifier_for) cannot be reached any other way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealGrant {
    pub(crate) request: RevealId,
    pub(crate) pseudonym: Pseudonym,
}

impl RevealGrant {
    /// The approved request.
    pub fn request(&self) -> &RevealId {
        &self.request
    }

    /// The pseudonym it reveals.
    pub fn pseudonym(&self) -> &Pseudonym {
        &self.pseudonym
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_case_references_are_checked() {
        let id = RevealId::generate();
        assert_eq!(RevealId::parse(&id.as_str().to_lowercase()).unwrap(), id);
        assert!(RevealId::parse("RV-XYZ").is_err());
        assert_eq!(check_case_ref(" PSD/2026/0042 ").unwrap(), "PSD/2026/0042");
        assert!(check_case_ref("").is_err());
        assert!(check_case_ref("a b").is_err());
        assert!(check_case_ref(&"x".repeat(65)).is_err());
    }

    #[test]
    fn statements_need_their_minimum_length() {
        let policy = RevealPolicy::default();
        assert!(policy.check_statement("necessity", "because", 40).is_err());
        let long_enough = "needed to identify the officer who viewed the record";
        assert_eq!(
            policy
                .check_statement("necessity", &format!("  {long_enough} "), 40)
                .unwrap(),
            long_enough
        );
        assert!(
            policy
                .check_statement("necessity", &"x".repeat(4001), 40)
                .is_err()
        );
    }
}

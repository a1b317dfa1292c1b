//! Account names, the password policy, and Argon2id password hashes.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest account name, in characters.
pub const MAX_ACCOUNT_NAME: usize = 64;
/// Longest password accepted, in bytes: long enough for any passphrase, short enough that hashing
/// cost is bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A normalised account name: trimmed and case-folded, so `JDoe` and `jdoe ` are one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    /// Normalises and checks `name`: 1-64 letters, digits, `.`, `_`, `-` or `@`.
    pub fn parse(name: &str) -> Result<Self> {
        let normalised = crate::pseudonym::fold_case(name.trim());
        let length = normalised.chars().count();
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if length == 0 || length > MAX_ACCOUNT_NAME || !normalised.chars().all(allowed) {
            return Err(Error::AccountName(name.to_owned()));
        }
        Ok(Self(normalised))
    }

    /// A name that [`AccountName::parse`] would refuse, for actors that are not accounts
    /// (`cli:root`), so that they can never be mistaken for one.
    pub(crate) fn reserved(name: String) -> Self {
        Self(name)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an audit-log actor (`account:jdoe`).
    pub fn actor(&self) -> String {
        format!("account:{}", self.0)
    }
}

impl TryFrom<String> for AccountName {
    type Error = Error;

    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<AccountName> for String {
    fn from(value: AccountName) -> Self {
        value.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a new password must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    /// Fewest characters (at least 12).
    pub min_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_chars: 12 }
    }
}

impl PasswordPolicy {
    /// Checks a new password for `account`; the error says what to change.
    pub fn check(&self, account: &AccountName, password: &str) -> Result<()> {
        let min_chars = self.min_chars.max(12);
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(Error::WeakPassword(format!(
                "use at most {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        if password.chars().count() < min_chars {
            return Err(Error::WeakPassword(format!(
                "use at least {min_chars} characters"
            )));
        }
        let lowered = crate::pseudonym::fold_case(password.trim());
        let name = account.as_str();
        let contains_name = name.chars().count() >= 4 && lowered.contains(name);
        if lowered == name || contains_name {
            return Err(Error::WeakPassword(
                "the password must not contain the account name".into(),
            ));
        }
        let first = password.chars().next();
        if password.chars().all(|c| Some(c) == first) {
            return Err(Error::WeakPassword(
                "the password must not be one character repeated".into(),
            ));
        }
        Ok(())
    }
}

/// Argon2id cost. The default is OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Argon2Params {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// The cheapest parameters Argon2 accepts. For tests only: never use them for real accounts.
    pub const TESTING: Argon2Params = Argon2Params {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    fn hasher(&self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|error| Error::Hashing(error.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A password hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`). It does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordDigest(String);

impl PasswordDigest {
    /// Wraps a stored PHC string.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordDigest(…)")
    }
}

/// Hashes `password` with a fresh random salt.
pub fn hash_password(params: &Argon2Params, password: &str) -> Result<PasswordDigest> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::WeakPassword(format!(
            "use at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|error| Error::Hashing(error.to_string()))?;
    let hash = params
        .hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| Error::Hashing(error.to_string()))?;
    Ok(PasswordDigest(hash.to_string()))
}

/// Whether `password` matches `digest`. The digest carries its own parameters, so hashes made
/// under older parameters still verify. An unreadable digest never matches.
pub fn verify_password(digest: &PasswordDigest, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(&digest.0) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether `digest` was made with other parameters than `params` (so it should be re-hashed after
/// the next successful sign-in).
pub fn needs_rehash(digest: &PasswordDigest, params: &Argon2Params) -> bool {
    let Ok(parsed) = PasswordHash::new(&digest.0) else {
        return true;
    };
    let Ok(stored) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || stored.m_cost() != params.memory_kib
        || stored.t_cost() != params.iterations
        || stored.p_cost() != params.parallelism
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_normalised_and_checked() {
        assert_eq!(AccountName::parse("  JDoe ").unwrap().as_str(), "jdoe");
        assert_eq!(
            AccountName::parse("J.Doe@Force.Police.UK")
                .unwrap()
                .as_str(),
            "j.doe@force.police.uk"
        );
        assert!(AccountName::parse("").is_err());
        assert!(AccountName::parse("a b").is_err());
        assert!(AccountName::parse("x'; drop table").is_err());
        assert!(AccountName::parse(&"a".repeat(65)).is_err());
        assert_eq!(AccountName::parse("jdoe").unwrap().actor(), "account:jdoe");
    }

    #[test]
    fn the_policy_refuses_short_and_name_based_passwords() {
        let policy = PasswordPolicy::default();
        let name = AccountName::parse("jdoe").unwrap();
        assert!(policy.check(&name, "correct horse battery").is_ok());
        assert!(policy.check(&name, "short pass").is_err());
        assert!(policy.check(&name, "JDOE-jdoe-1234").is_err());
        assert!(policy.check(&name, "aaaaaaaaaaaaaaaa").is_err());
        assert!(policy.check(&name, &"x y".repeat(400)).is_err());
        // A lower configured minimum never goes below twelve.
        let lax = PasswordPolicy { min_chars: 4 };
        assert!(lax.check(&name, "elevenchars").is_err());
    }

    #[test]
    fn hashes_verify_only_the_right_password_and_carry_their_parameters() {
        let digest = hash_password(&Argon2Params::TESTING, "correct horse battery").unwrap();
        assert!(digest.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(verify_password(&digest, "correct horse battery"));
        assert!(!verify_password(&digest, "correct horse batterx"));
        assert!(!verify_password(
            &PasswordDigest::from_stored("garbage".into()),
            "x"
        ));
        assert!(!needs_rehash(&digest, &Argon2Params::TESTING));
        assert!(needs_rehash(&digest, &Argon2Params::default()));
        // Salted: the same password hashes differently each time.
        let again = hash_password(&Argon2Params::TESTING, "correct horse battery").unwrap();
        assert_ne!(digest, again);
        assert_eq!(format!("{digest:?}"), "PasswordDigest(…)");
    }

    #[test]
    fn the_default_parameters_are_owasps() {
        let digest = hash_password(&Argon2Params::default(), "correct horse battery").unwrap();
        assert!(
            digest
                .as_str()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
        );
        assert!(verify_password(&digest, "correct horse battery"));
    }

    proptest::proptest! {
        #[test]
        fn a_parsed_name_parses_to_itself(text in "[\\p{L}\\p{N}._@-]{1,16}") {
            if let Ok(name) = AccountName::parse(&text) {
                proptest::prop_assert_eq!(AccountName::parse(name.as_str()).unwrap(), name);
            }
        }
    }
}

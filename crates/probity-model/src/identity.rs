use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that names or identifies a person: an account name, an email address, a person's name,
/// the id of a records-system subject.
///
/// It is a distinct type (not `String`) so that the privacy layer can find every identity in an event
/// by type and replace it with a pseudonym. It serialises as a plain string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Identity(String);

impl Identity {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Replaces the value in place (used by the privacy layer to write a pseudonym).
    pub fn replace(&mut self, value: impl Into<String>) {
        self.0 = value.into();
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({:?})", self.0)
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Identity {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for Identity {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// What kind of identity a value is; decides how the privacy layer treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// A sign-in or account name (`jsmith`, `FORCE\jsmith`) or an account id (SID, object id).
    Account,
    /// An email address.
    EmailAddress,
    /// A person's name as written (`Jane Smith`).
    PersonName,
    /// The identifier of a records-system subject (a person id, a vehicle registration, an address).
    RecordSubject,
}

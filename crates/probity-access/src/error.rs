use std::path::PathBuf;

use crate::Permission;

/// Access errors. Their text is for the person who made the request or for operators; storage
/// errors ([`Error::Sqlite`], [`Error::Open`], [`Error::Io`]) must not be shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stored access data is unreadable: {0}")]
    Corrupt(String),
    #[error(
        "the access database schema is version {found}; this probity understands up to {supported}"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("invalid account name {0:?}: use 1-64 letters, digits, '.', '_', '-' or '@'")]
    AccountName(String),
    #[error("an account named {0:?} already exists")]
    AccountExists(String),
    #[error("no account named {0:?}")]
    NoSuchAccount(String),
    #[error("an account needs at least one role")]
    NoRoles,
    #[error("roles refused: {0}")]
    RoleConflict(String),
    #[error("password refused: {0}")]
    WeakPassword(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the current password is not right")]
    CurrentPassword,
    #[error("the code is not valid: enter the current 6-digit code from the authenticator app")]
    BadCode,
    #[error("finish signing in with your authenticator code first")]
    SignInIncomplete,
    #[error("no authenticator enrolment is in progress for this account")]
    NoEnrolment,
    #[error("permission {0} is needed for this")]
    Forbidden(Permission),
    #[error("{0}")]
    Reveal(String),
    #[error("the session has ended; sign in again")]
    NoSession,
    #[error("no reveal request {0}")]
    NoSuchReveal(String),
    #[error("{path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },
    #[error("invalid pseudonym {0:?}: expected the form P-XXXX-XXXX-XXXX")]
    Pseudonym(String),
    #[error("pseudonym {0} already stands for another identifier under this key")]
    PseudonymCollision(String),
    #[error("access policy: {0}")]
    Policy(String),
    #[error("an identifier of {0} bytes is too long to pseudonymise (at most 1024)")]
    IdentifierTooLong(usize),
    #[error("single sign-on configuration: {0}")]
    OidcConfig(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

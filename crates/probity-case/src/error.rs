use std::path::PathBuf;

/// Workbench errors. Storage errors ([`Error::Sqlite`], [`Error::Open`], [`Error::Io`]) are for
/// operators and logs and must not be shown to a client; the others say what the person asked
/// for that cannot be done.
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
    #[error(
        "the workbench database schema is version {found}; this probity understands up to {supported}"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("stored workbench data is unreadable: {0}")]
    Corrupt(String),
    #[error("store: {0}")]
    Store(#[from] probity_store::Error),
    #[error(transparent)]
    Access(#[from] probity_access::Error),
    #[error("no case {0}")]
    NoSuchCase(String),
    #[error("case {id} is {state}: {reason}")]
    State {
        id: String,
        state: String,
        reason: String,
    },
    #[error("a case must be authorised or refused by someone other than the person who opened it")]
    SeparationOfDuties,
    #[error("{0}")]
    Invalid(String),
    #[error("evidence pack: {0}")]
    Pack(String),
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error::Invalid`] with `message`.
pub(crate) fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::Invalid(message.into()))
}

use std::path::PathBuf;

/// Storage errors. Their text is for operators and logs; the server never shows it to a client.
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
    #[error("stored event {seq} is unreadable: {reason}")]
    Corrupt { seq: i64, reason: String },
    #[error("encoding an event failed: {0}")]
    Encode(String),
    #[error("the database schema is version {found}; this probity understands up to {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("a token named {0:?} already exists")]
    TokenExists(String),
    #[error("invalid token name {0:?}: use 1-64 letters, digits, '-', '_' or '.'")]
    TokenName(String),
    #[error("audit excerpt: {0}")]
    Excerpt(String),
    #[error("refusing to sign the audit log: {0}")]
    AuditBroken(String),
    #[error("the store is shut down")]
    Closed,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

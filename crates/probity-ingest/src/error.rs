use std::path::PathBuf;

/// Errors from decoding. Per-record problems become dead letters; these are the failures that stop
/// a whole input (an unreadable file, a mapping that does not load, a sink that refuses more).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("mapping {path}: {reason}")]
    Mapping { path: PathBuf, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error("storing decoded events failed: {0}")]
    Sink(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

//! The crate's error type.

use std::path::PathBuf;

/// What went wrong loading a lexicon, policy or model, or training one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A YAML lexicon or policy is not valid.
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    /// A model file is damaged or of an unknown version.
    #[error("model {name}: {message}")]
    Model { name: String, message: String },
    /// A training set could not be read.
    #[error("training data {path}: {message}")]
    Data { path: PathBuf, message: String },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn invalid(what: impl Into<String>, message: impl std::fmt::Display) -> Error {
        Error::Invalid {
            what: what.into(),
            message: message.to_string(),
        }
    }
}

//! The crate's error type.

use std::path::PathBuf;

/// Failures that stop a whole operation: a mapping file that does not load, a rule id that is
/// not in the engine. Problems with single rules are [`crate::RuleProblem`]s in a
/// [`crate::LoadReport`], not errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A mapping file is not valid YAML or not in the mapping format.
    #[error("mapping {origin}: {reason}")]
    Mapping {
        /// The file (or built-in mapping) at fault.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The literal index could not be built (an automaton over too many patterns).
    #[error("cannot build the rule index: {0}")]
    Index(String),
    /// No rule has the id or title asked for.
    #[error("no rule {0:?} in the engine")]
    UnknownRule(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

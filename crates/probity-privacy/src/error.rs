use std::path::PathBuf;

/// What went wrong in the privacy layer, with enough context to act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A built-in pattern did not compile (a defect in this crate, reported rather than panicking).
    #[error("built-in pattern {name} does not compile: {source}")]
    Pattern {
        /// Which pattern.
        name: &'static str,
        /// The regex compiler's complaint.
        #[source]
        source: regex::Error,
    },
    /// A policy or exclusion list could not be read.
    #[error("{what} is not valid YAML: {source}")]
    Yaml {
        /// The file or list (a path).
        what: String,
        /// The YAML reader's complaint, with line and column.
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// A policy or exclusion list was read but says something that cannot be used.
    #[error("{what}: {reason}")]
    Invalid {
        /// The file, list or pattern.
        what: String,
        /// What is wrong with it, in plain words.
        reason: String,
    },
    /// The seal key file could not be read or written.
    #[error("seal key {path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// Sealing or unsealing failed (wrong key, tampered or damaged blob).
    #[error("sealed content: {0}")]
    Seal(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Compiles a built-in pattern, naming it if it fails.
pub(crate) fn compile(name: &'static str, pattern: &str) -> Result<regex::Regex> {
    regex::Regex::new(pattern).map_err(|source| Error::Pattern { name, source })
}

/// Checks a policy file's size and nesting before the YAML reader sees it (the reader's time
/// grows with the square of the nesting); `what` names the file in the error.
pub(crate) fn check_policy_yaml(what: &str, yaml: &str) -> Result<()> {
    let limit = probity_model::policy_text::MAX_POLICY_BYTES;
    probity_model::policy_text::check_policy_text(yaml, limit).map_err(|reason| Error::Invalid {
        what: what.to_owned(),
        reason,
    })
}

/// Single sign-on errors. The text is for operators and logs: it names the endpoint and what
/// was wrong, but never a secret or a token. A person signing in should see only a generic
/// refusal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings or the provider's metadata cannot be used.
    #[error("single sign-on configuration: {0}")]
    Config(String),
    /// The provider could not be reached or answered outside the limits.
    #[error("{url}: {reason}")]
    Http {
        /// The endpoint called.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The provider answered with an error or with something that is not what the protocol says.
    #[error("the provider's {endpoint} endpoint: {reason}")]
    Provider {
        /// Which endpoint (`discovery`, `token`, `jwks`).
        endpoint: &'static str,
        /// What it said or what was wrong with its answer.
        reason: String,
    },
    /// The ID token was refused.
    #[error("ID token refused: {0}")]
    IdToken(String),
    /// The sign-in attempt is too old to finish.
    #[error("the sign-in attempt has expired; start again")]
    Expired,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

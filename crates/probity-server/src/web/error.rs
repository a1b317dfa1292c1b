//! Workbench failures as pages. Store and internal error text never reaches the browser.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::layout;

/// Why a workbench request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebError {
    /// Nothing there (the text says what).
    NotFound(String),
    /// The request cannot be done as asked (the text says why, and is safe to show).
    BadRequest(String),
    /// Not allowed.
    Forbidden(String),
    /// Not set up or not available now.
    Unavailable(String),
    /// Something failed inside (logged, not shown).
    Internal,
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn text(&self) -> &str {
        match self {
            WebError::NotFound(text)
            | WebError::BadRequest(text)
            | WebError::Forbidden(text)
            | WebError::Unavailable(text) => text,
            WebError::Internal => "Something went wrong inside Probity. It has been logged.",
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let title = match self.status() {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::BAD_REQUEST => "Cannot do that",
            _ => "Unavailable",
        };
        let body = layout::bare(
            title,
            maud::html! {
                h1 { (title) }
                p #error { (self.text()) }
                p { a href="/" { "Back to the workbench" } }
            },
        );
        (self.status(), body).into_response()
    }
}

impl From<probity_access::Error> for WebError {
    fn from(error: probity_access::Error) -> Self {
        use probity_access::Error as E;
        match error {
            E::Open { .. } | E::Sqlite(_) | E::Io { .. } | E::Corrupt(_) | E::Hashing(_) => {
                tracing::error!(%error, "access layer failed");
                WebError::Internal
            }
            E::KeyFile { .. } | E::SchemaTooNew { .. } => {
                tracing::error!(%error, "access layer failed");
                WebError::Internal
            }
            E::Forbidden(_) => WebError::Forbidden(error.to_string()),
            E::NoSuchAccount(_) | E::NoSuchReveal(_) => WebError::NotFound(error.to_string()),
            other => WebError::BadRequest(other.to_string()),
        }
    }
}

impl From<probity_store::Error> for WebError {
    fn from(error: probity_store::Error) -> Self {
        tracing::error!(%error, "store failed");
        WebError::Internal
    }
}

//! Form bodies (`application/x-www-form-urlencoded`), read within a size limit, with repeated
//! fields kept (bulk triage sends one `alert_id` per ticked row).

use axum::extract::{FromRequest, Request};
use bytes::Bytes;

use super::WebError;

/// Largest form body read.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// A form's fields in order.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Parses a form body.
    pub fn parse(body: &[u8]) -> Result<Self, WebError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(Fields)
            .map_err(|_| WebError::BadRequest("the form could not be read".into()))
    }

    /// The first value of `name`, trimmed, if present and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// The first value of `name`, or an error naming the field.
    pub fn require(&self, name: &str) -> Result<&str, WebError> {
        self.get(name)
            .ok_or_else(|| WebError::BadRequest(format!("the field {name:?} is required")))
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError::BadRequest("the form is too large or unreadable".into()))?;
        Fields::parse(&body)
    }
}

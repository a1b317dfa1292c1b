//! The one place where failures become HTTP answers, in each API's own dialect.
//!
//! Store and internal error text never reaches a client: it is logged, and the client gets a
//! status and a fixed sentence.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use crate::auth::AuthError;

/// Which API's conventions an answer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Native,
    Hec,
    Elastic,
}

/// Why a request failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Auth(AuthError),
    /// The body is (or claims to be) larger than the limit.
    TooLarge {
        size: Option<u64>,
        limit: usize,
    },
    /// The body did not arrive in time.
    Timeout,
    /// A `Content-Encoding` we do not read.
    UnsupportedEncoding(String),
    /// The body could not be read or decompressed (the reason is safe to show).
    BadBody(String),
    /// The writer's queue is full: retry later.
    Overloaded,
    /// Too many requests in progress: retry later.
    Busy,
    /// The store failed to commit (details are logged, not shown).
    Store,
}

impl RequestError {
    fn status(&self) -> StatusCode {
        match self {
            RequestError::Auth(AuthError::Missing | AuthError::Malformed | AuthError::Invalid) => {
                StatusCode::UNAUTHORIZED
            }
            RequestError::Auth(AuthError::Forbidden { .. }) => StatusCode::FORBIDDEN,
            RequestError::Auth(AuthError::Unavailable) | RequestError::Store => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            RequestError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            RequestError::Timeout => StatusCode::REQUEST_TIMEOUT,
            RequestError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RequestError::BadBody(_) => StatusCode::BAD_REQUEST,
            RequestError::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            RequestError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn message(&self) -> String {
        match self {
            RequestError::Auth(AuthError::Missing) => {
                "a token is required (Authorization: Bearer TOKEN)".into()
            }
            RequestError::Auth(AuthError::Malformed) => {
                "the Authorization header is not in a form probity reads".into()
            }
            RequestError::Auth(AuthError::Invalid) => "the token is not valid".into(),
            RequestError::Auth(AuthError::Forbidden { needed, held }) => {
                format!("this route needs a token with scope {needed}; this token has scope {held}")
            }
            RequestError::Auth(AuthError::Unavailable) => {
                "tokens cannot be checked right now; retry later".into()
            }
            RequestError::TooLarge {
                size: Some(size),
                limit,
            } => {
                format!("body of {size} bytes is larger than the {limit} byte limit")
            }
            RequestError::TooLarge { size: None, limit } => {
                format!("body is larger than the {limit} byte limit")
            }
            RequestError::Timeout => "the body did not arrive in time".into(),
            RequestError::UnsupportedEncoding(encoding) => {
                format!("Content-Encoding {encoding:?} is not supported (use gzip or none)")
            }
            RequestError::BadBody(reason) => reason.clone(),
            RequestError::Overloaded => "the store is busy; retry shortly".into(),
            RequestError::Busy => "too many requests in progress; retry shortly".into(),
            RequestError::Store => "events could not be stored; retry later".into(),
        }
    }

    fn retry_after(&self) -> bool {
        matches!(
            self,
            RequestError::Overloaded
                | RequestError::Busy
                | RequestError::Store
                | RequestError::Auth(AuthError::Unavailable)
        )
    }

    /// The answer in `api`'s dialect.
    pub fn render(&self, api: Api) -> Response {
        let mut response = match api {
            Api::Native => self.native(),
            Api::Hec => self.hec(),
            Api::Elastic => self.elastic(),
        };
        if self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }

    fn native(&self) -> Response {
        let mut response =
            (self.status(), Json(json!({ "error": self.message() }))).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"probity\""),
            );
        }
        response
    }

    /// Splunk HEC's documented codes and texts.
    fn hec(&self) -> Response {
        let (status, text, code) = match self {
            RequestError::Auth(AuthError::Missing) => {
                (StatusCode::UNAUTHORIZED, "Token is required".to_owned(), 2)
            }
            RequestError::Auth(AuthError::Malformed) => (
                StatusCode::UNAUTHORIZED,
                "Invalid authorization".to_owned(),
                3,
            ),
            RequestError::Auth(AuthError::Invalid | AuthError::Forbidden { .. }) => {
                (StatusCode::FORBIDDEN, "Invalid token".to_owned(), 4)
            }
            RequestError::Overloaded
            | RequestError::Busy
            | RequestError::Auth(AuthError::Unavailable) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Server is busy".to_owned(),
                9,
            ),
            RequestError::Store => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error".to_owned(),
                8,
            ),
            RequestError::TooLarge { .. } | RequestError::Timeout => {
                (self.status(), self.message(), 6)
            }
            RequestError::UnsupportedEncoding(_) | RequestError::BadBody(_) => {
                (StatusCode::BAD_REQUEST, "Invalid data format".to_owned(), 6)
            }
        };
        let mut response = (status, Json(json!({ "text": text, "code": code }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Splunk"));
        }
        response
    }

    /// Elasticsearch's error object.
    fn elastic(&self) -> Response {
        let kind = match self {
            RequestError::Auth(_) => "security_exception",
            RequestError::TooLarge { .. } => "content_too_long_exception",
            RequestError::Timeout => "timeout_exception",
            RequestError::UnsupportedEncoding(_) | RequestError::BadBody(_) => "parse_exception",
            RequestError::Overloaded | RequestError::Busy => "es_rejected_execution_exception",
            RequestError::Store => "probity_store_exception",
        };
        let reason = match self {
            RequestError::Auth(AuthError::Missing) => {
                "missing authentication credentials for REST request".to_owned()
            }
            RequestError::Auth(AuthError::Malformed | AuthError::Invalid) => {
                "unable to authenticate with provided credentials".to_owned()
            }
            _ => self.message(),
        };
        let status = match self {
            RequestError::Busy => StatusCode::TOO_MANY_REQUESTS,
            _ => self.status(),
        };
        let body = json!({
            "error": {
                "root_cause": [{ "type": kind, "reason": reason }],
                "type": kind,
                "reason": reason,
            },
            "status": status.as_u16(),
        });
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "x-elastic-product",
            HeaderValue::from_static("Elasticsearch"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"security\", ApiKey, Bearer"),
            );
        }
        response
    }
}

impl From<AuthError> for RequestError {
    fn from(error: AuthError) -> Self {
        RequestError::Auth(error)
    }
}

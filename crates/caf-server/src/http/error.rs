//! Errors as HTTP responses. A response says what the caller can act on and nothing else: no
//! SQL, no stack trace, no internal path. Failures inside the server are logged with their
//! detail and answered with a bare "internal error".

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::{QuotaExceeded, StoreError};
use caf_api::{ErrorBody, ErrorDetail};
use caf_core::diagnostic::Diagnostic;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub diagnostics: Vec<Diagnostic>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            diagnostics: Vec::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    pub fn unauthorised(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorised", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", message)
    }

    /// 503 with `Retry-After`: the server is protecting itself, not failing.
    pub fn busy(code: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message);
        e.retry_after = Some(1);
        e
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the detail",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Exists { .. } => {
                ApiError::new(StatusCode::CONFLICT, "exists", error.to_string())
            }
            StoreError::NotFound { .. } => ApiError::not_found(error.to_string()),
            StoreError::Invalid(message) => ApiError::unprocessable(message.clone()),
            StoreError::Closed { .. } => {
                ApiError::new(StatusCode::CONFLICT, "closed", error.to_string())
            }
            StoreError::Quota(exceeded @ QuotaExceeded::Versions { .. }) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "quota-versions",
                exceeded.to_string(),
            ),
            StoreError::Quota(exceeded @ QuotaExceeded::Bytes { .. }) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "quota-bytes",
                exceeded.to_string(),
            ),
            StoreError::Contended { .. } => {
                tracing::warn!(%error, "submission contended");
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is busy; try again",
                );
                e.retry_after = Some(1);
                e
            }
            _ => {
                tracing::error!(%error, "database failure");
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; try again later",
                );
                e.retry_after = Some(1);
                e
            }
        }
    }
}

/// What a refused request was told, left on the response for the refusal audit in `mod.rs`.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let refusal = Refusal {
            code: self.code,
            message: self.message.clone(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                diagnostics: self.diagnostics,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response.extensions_mut().insert(refusal);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"caf\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

//! Who is calling, and whether they may call again yet.
//!
//! Every `/api/v1` route takes a [`Caller`], so no handler can forget to authenticate; each
//! then states the roles it admits with [`Caller::require`]. The per-token rate limit lives
//! here too: a token bucket per token id, in memory (each server instance limits on its own).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::store::{AuthFailure, Principal, Role, TokenScope};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// Refuses with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} token may not {what}",
                self.0.role.as_str()
            )))
        }
    }

    /// A submitter's organisation.
    pub fn organisation(&self) -> Option<&str> {
        match &self.0.scope {
            TokenScope::Organisation(org) => Some(org),
            _ => None,
        }
    }

    pub fn token_id(&self) -> &str {
        &self.0.token_id
    }

    pub fn role(&self) -> Role {
        self.0.role
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorised("no token: send `Authorization: Bearer TOKEN`")
        })?;
        let presented = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorised("the Authorization header must be `Bearer TOKEN`")
            })?;
        let principal = match state.store.authenticate(presented).await? {
            Ok(principal) => principal,
            Err(AuthFailure::Invalid) => return Err(ApiError::unauthorised("invalid token")),
            Err(AuthFailure::Expired) => return Err(ApiError::unauthorised("token expired")),
            Err(AuthFailure::Revoked) => return Err(ApiError::unauthorised("token revoked")),
        };
        if let Err(wait) = state.limiter.check(&principal.token_id) {
            let mut error = ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("too many requests for this token; retry in {wait} s"),
            );
            error.retry_after = Some(wait);
            return Err(error);
        }
        tracing::Span::current().record("token", principal.token_id.as_str());
        Ok(Caller(principal))
    }
}

/// Token buckets: `burst` requests at once, refilled at `per_minute`.
pub struct RateLimiter {
    per_minute: u32,
    burst: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_minute,
            burst: burst.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets
            .entry(key.to_string())
            .or_insert((f64::from(self.burst), now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(f64::from(self.burst));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds until one request's worth has refilled, at least 1.
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refuses() {
        let limiter = RateLimiter::new(60, 3);
        for _ in 0..3 {
            assert!(limiter.check("t").is_ok());
        }
        assert_eq!(limiter.check("t"), Err(1));
        assert!(limiter.check("other").is_ok());
        assert!(RateLimiter::new(0, 1).check("t").is_ok());
    }
}

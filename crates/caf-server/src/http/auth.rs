//! Who is calling, and whether they may call again yet.
//!
//! Every `/api/v1` route takes a [`Caller`], so no handler can forget to authenticate; each
//! then states the roles it admits with [`Caller::require`]. The rate limits live here too,
//! as token buckets in memory (each server instance limits on its own): requests per token
//! id, and failed authentications per client address. An address whose failures have emptied
//! its bucket is answered 429 without its token being looked at, so guessing costs time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::store::{AuditEntry, AuthFailure, Principal, Role, TokenScope, presented_id};

/// An authenticated caller, and the address it called from (`None` in-process).
#[derive(Debug, Clone)]
pub struct Caller(pub Principal, pub Option<String>);

/// Who a request turned out to be, filled in by the [`Caller`] extractor so that the refusal
/// audit (in `mod.rs`) can name the caller of a refused request: the token id when it
/// authenticated, or the id part of a refused token that had a token's shape.
#[derive(Debug, Clone, Default)]
pub struct Who(Arc<Mutex<Option<Identified>>>);

/// A token id, and the role when the token authenticated.
type Identified = (String, Option<Role>);

impl Who {
    fn set(&self, token_id: &str, role: Option<Role>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((token_id.to_string(), role));
    }

    /// (token id, role), or `("-", None)` when the request presented no usable token.
    pub fn get(&self) -> (String, Option<Role>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| ("-".to_string(), None))
    }
}

/// The client address of a request, as the audit log records it (the IP, without the port).
pub fn client_of(parts: &axum::http::Extensions) -> Option<String> {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

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

    pub fn client(&self) -> Option<&str> {
        self.1.as_deref()
    }

    /// An audit entry for `action` by this caller; the other fields are for the caller to fill.
    pub fn entry<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            token_id: self.token_id(),
            role: Some(self.role()),
            action,
            submission_id: None,
            org_id: None,
            detail: None,
            client: self.client(),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let client = client_of(&parts.extensions);
        let who = parts.extensions.get::<Who>().cloned().unwrap_or_default();
        let address = client.as_deref().unwrap_or("in-process");
        if let Err(wait) = state.auth_failures.peek(address) {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "auth-rate-limited",
                format!("too many failed authentications from this address; retry in {wait} s"),
            );
            error.retry_after = Some(wait);
            return Err(error);
        }
        let failed = |message: &str| {
            // Counted only when refused; the bucket's own refusal is reported above.
            let _ = state.auth_failures.check(address);
            ApiError::unauthorised(message)
        };
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(failed("no token: send `Authorization: Bearer TOKEN`"));
        };
        let Some(presented) = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return Err(failed("the Authorization header must be `Bearer TOKEN`"));
        };
        if let Some(id) = presented_id(presented) {
            who.set(id, None);
        }
        let principal = match state.store.authenticate(presented).await? {
            Ok(principal) => principal,
            Err(AuthFailure::Invalid) => return Err(failed("invalid token")),
            Err(AuthFailure::Expired) => return Err(failed("token expired")),
            Err(AuthFailure::Revoked) => return Err(failed("token revoked")),
        };
        who.set(&principal.token_id, Some(principal.role));
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
        Ok(Caller(principal, client))
    }
}

/// The most keys a limiter or throttle remembers. Past it, keys that have not been seen for a
/// while are forgotten, then (if still full) newcomers share one key: memory stays bounded
/// however many addresses a client can call from.
const MAX_KEYS: usize = 16_384;

/// The key that newcomers share once a map is full.
const OVERFLOW_KEY: &str = "*";

fn bounded_entry<'m, V>(
    map: &'m mut HashMap<String, V>,
    key: &str,
    stale: impl Fn(&V) -> bool,
    new: impl FnOnce() -> V,
) -> &'m mut V {
    // One place is kept for the shared key.
    let room = |map: &HashMap<String, V>| map.len() < MAX_KEYS - 1;
    if !map.contains_key(key) && !room(map) {
        map.retain(|_, v| !stale(v));
    }
    let key = if map.contains_key(key) || room(map) {
        key
    } else {
        OVERFLOW_KEY
    };
    map.entry(key.to_string()).or_insert_with(new)
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

    /// Takes one request from `key`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.take(key, 1.0)
    }

    /// Whether `key`'s bucket has a request left, without taking it.
    pub fn peek(&self, key: &str) -> Result<(), u64> {
        self.take(key, 0.0)
    }

    fn take(&self, key: &str, cost: f64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.burst);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // A bucket that would be full again is no different from a forgotten one.
        let full_after = Duration::from_secs_f64(burst / rate);
        let (tokens, last) = bounded_entry(
            &mut buckets,
            key,
            |(_, last)| now.duration_since(*last) >= full_after,
            || (burst, now),
        );
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= cost;
            Ok(())
        } else {
            // Whole seconds until one request's worth has refilled, at least 1.
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// Keeps repeated refusals from flooding the audit log: the first for a key is recorded, then
/// at most one a minute, saying how many went unrecorded in between.
#[derive(Default)]
pub struct AuditThrottle {
    seen: Mutex<HashMap<String, (Option<Instant>, u64)>>,
}

impl AuditThrottle {
    const PERIOD: Duration = Duration::from_secs(60);

    /// `Some(n)`: record this one, with `n` unrecorded since the last; `None`: count it only.
    pub fn admit(&self, key: &str) -> Option<u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let due =
            |last: &Option<Instant>| last.is_none_or(|l| now.duration_since(l) >= Self::PERIOD);
        let (last, unrecorded) = bounded_entry(&mut seen, key, |(last, _)| due(last), || (None, 0));
        if due(last) {
            *last = Some(now);
            Some(std::mem::take(unrecorded))
        } else {
            *unrecorded += 1;
            None
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
        // Peeking takes nothing.
        let limiter = RateLimiter::new(60, 1);
        assert!(limiter.peek("t").is_ok() && limiter.peek("t").is_ok());
        assert!(limiter.check("t").is_ok());
        assert_eq!(limiter.peek("t"), Err(1));
    }

    #[test]
    fn limiter_memory_is_bounded_by_key_count() {
        let limiter = RateLimiter::new(1, 1);
        for n in 0..MAX_KEYS + 100 {
            let _ = limiter.check(&format!("10.0.{}.{}", n / 256, n % 256));
        }
        let buckets = limiter.buckets.lock().unwrap();
        assert!(buckets.len() <= MAX_KEYS, "{}", buckets.len());
        // Newcomers past the bound share one bucket, so they are limited together.
        assert!(buckets.contains_key(OVERFLOW_KEY));
    }

    #[test]
    fn throttle_records_first_then_counts() {
        let throttle = AuditThrottle::default();
        assert_eq!(throttle.admit("a"), Some(0));
        assert_eq!(throttle.admit("a"), None);
        assert_eq!(throttle.admit("a"), None);
        assert_eq!(throttle.admit("b"), Some(0));
        // A minute later the next is recorded with the count in between.
        throttle.seen.lock().unwrap().get_mut("a").unwrap().0 = None;
        assert_eq!(throttle.admit("a"), Some(2));
    }
}

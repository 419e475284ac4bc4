//! Bounded CPU work: parsing and scoring assessments, off the async runtime.
//!
//! A submission is admitted only while fewer than `queue` are in progress (the rest are told
//! 503 with `Retry-After` before their bodies are read, so waiting requests cannot pile up
//! memory), and at most `workers` are parsed at once, on the blocking pool, so the runtime's
//! threads stay free for `/healthz` and everything else. A permit travels with its work into
//! the blocking pool: work whose request has given up (the time budget) still holds its
//! worker until it finishes, so abandoned requests never add CPU load past the bound.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AppState;
use super::error::ApiError;

pub struct Work {
    admission: Arc<Semaphore>,
    workers: Arc<Semaphore>,
}

impl Work {
    pub fn new(workers: usize, queue: usize) -> Work {
        let workers = workers.max(1);
        Work {
            admission: Arc::new(Semaphore::new(queue.max(workers))),
            workers: Arc::new(Semaphore::new(workers)),
        }
    }

    /// Runs `job` on the blocking pool once a worker is free.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let worker = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(move || {
            let _worker = worker;
            job()
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "a parsing task failed");
            ApiError::internal()
        })
    }
}

/// A place among the submissions in progress; taken before the body is read.
pub struct Admitted(#[allow(dead_code)] OwnedSemaphorePermit);

impl FromRequestParts<Arc<AppState>> for Admitted {
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        state
            .work
            .admission
            .clone()
            .try_acquire_owned()
            .map(Admitted)
            .map_err(|_| {
                ApiError::busy(
                    "busy",
                    "the server is working on as many submissions as it takes at once; try again",
                )
            })
    }
}

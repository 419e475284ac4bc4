//! `POST /releases` and `GET /releases`: cutting and listing the frozen per-period snapshots
//! that service viewers read their aggregates from (`docs/disclosure.md`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::store::{Release, Role};
use caf_api::ErrorBody;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The period to freeze, as assessments name it (`2026/27`).
    pub period: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReleaseList {
    pub releases: Vec<ReleaseInfo>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReleaseInfo {
    pub id: String,
    pub period: String,
    /// Unix milliseconds.
    pub cut_at: i64,
}

impl From<Release> for ReleaseInfo {
    fn from(r: Release) -> Self {
        ReleaseInfo {
            id: r.id,
            period: r.period,
            cut_at: r.cut_at,
        }
    }
}

#[utoipa::path(post, path = "/releases", request_body = ReleaseRequest,
    responses(
        (status = 201, description = "The period's current submissions are frozen as its release (audit-logged)", body = ReleaseInfo),
        (status = 403, description = "Anyone but an administrator or analyst", body = ErrorBody),
        (status = 409, description = "The period already has a release: releases are never replaced", body = ErrorBody)))]
pub async fn cut(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(request): Json<ReleaseRequest>,
) -> ApiResult<(StatusCode, Json<ReleaseInfo>)> {
    caller.require(&[Role::Admin, Role::Analyst], "cut releases")?;
    let period = request.period.trim();
    if period.is_empty() || period.len() > 64 || period.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "period must be 1 to 64 characters with no control characters",
        ));
    }
    let release = (state.store)
        .cut_release(period, caller.token_id(), caller.role())
        .await?;
    Ok((StatusCode::CREATED, Json(release.into())))
}

#[utoipa::path(get, path = "/releases",
    responses((status = 200, description = "Every release, oldest period first", body = ReleaseList),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<ReleaseList>> {
    caller.require(&[Role::Viewer, Role::Analyst, Role::Admin], "list releases")?;
    let releases = state.store.releases().await?;
    Ok(Json(ReleaseList {
        releases: releases.into_iter().map(ReleaseInfo::from).collect(),
    }))
}

//! `/api/v1/tips`: Targeted Improvement Plans made from stored, finalised reviews, and their
//! progress across organisations.
//!
//! | route | submitter | viewer | analyst | admin | reviewer |
//! |---|---|---|---|---|---|
//! | `POST /tips` | own organisation | – | – | the organisation named | – |
//! | `GET /tips`, `GET /tips/{id}` | own organisation | – | all | all | assigned organisations |
//! | `GET /tips/progress` | – | own scope, disclosure-controlled | all, disclosure-controlled | all, disclosure-controlled | – |
//!
//! A plan names the review it answers by the SHA-256 of the review's file. On the service a
//! review is finalised in its own records while its file stays as the reviewer sent it
//! (status completed), so the plan's hash is matched against each of the organisation's
//! reviews' current file either as stored or as `caf review finalise` writes it from that file
//! (`status = "finalised"`, every other byte the same): the file `caf tip init` was given.
//! The review must be finalised here (409 otherwise); a hash that matches neither form of any
//! of the organisation's reviews is refused (422). The plan is then read with caf-core against
//! the review (every recommendation an action, none added) and stored with its digest.
//! Every read is audited; a plan the caller may not see is answered 404, like a missing one,
//! and audited too.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::AppState;
use super::aggregate::in_scope;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::routes::JsonBody;
use super::{calls, limits, reviews};
use crate::store::{
    NewTip, ReviewRecord, ReviewStatus, Role, TipStored, TipSummary, format_time, hex,
    valid_identifier,
};
use caf_api::{ErrorBody, TipDetail, TipInfo, TipList, TipSubmitRequest, TipSubmitResponse};
use caf_core::aggregate::disclosure::Limits;
use caf_core::assessment::Date;
use caf_core::call::status::GroupBy;
use caf_core::diagnostic::SourceFile;
use caf_core::review;
use caf_core::tip::progress::{Member, ProgressReport};
use caf_core::tip::{self, Digest, Pairing};

type AppStateRef = State<Arc<AppState>>;

/// The largest TIP file accepted (the body limit also applies).
const MAX_TIP_BYTES: usize = 512 * 1024;

/// The most of an organisation's reviews (newest first) a plan's hash is matched against: one
/// per reviewed submission, so a handful in practice.
const MAX_CANDIDATE_REVIEWS: usize = 100;

fn info(s: TipSummary) -> TipInfo {
    TipInfo {
        id: s.id,
        organisation: s.org_id,
        review: s.review_id,
        review_sha256: s.review_sha256,
        review_revision: s.review_revision,
        version: s.version,
        content_sha256: s.content_sha256,
        approved: s.approved,
        created_at: format_time(s.created_at),
        updated_at: format_time(s.updated_at),
    }
}

/// Whether `caller` may see the plans of `org`: an analyst or admin all, otherwise as for
/// reviews (a submitter its own organisation's, a reviewer its assigned organisations').
async fn may_see(state: &AppState, caller: &Caller, org: &str) -> ApiResult<bool> {
    Ok(caller.role() == Role::Admin || reviews::may_see(state, caller, org).await?)
}

/// The organisation a plan is submitted for: a submitter's own, or the one an admin names.
async fn organisation_of(
    state: &AppState,
    caller: &Caller,
    named: Option<String>,
) -> ApiResult<String> {
    if let Some(org) = &named
        && !valid_identifier(org)
    {
        return Err(ApiError::bad_request(
            "not an organisation id (1 to 64 letters, digits, `.`, `_` or `-`)",
        ));
    }
    match (caller.organisation(), named) {
        (Some(own), None) => Ok(own.to_string()),
        (Some(own), Some(named)) if named == own => Ok(named),
        (Some(own), Some(_)) => Err(ApiError::forbidden(format!(
            "this token submits plans for organisation `{own}` only"
        ))),
        (None, None) => Err(ApiError::unprocessable(
            "an admin token names the organisation the plan is for: send `organisation` with the plan",
        )),
        (None, Some(named)) => match state.store.organisation(&named).await? {
            Some(org) => Ok(org.id),
            None => Err(ApiError::unprocessable(format!(
                "no organisation `{named}` is registered"
            ))),
        },
    }
}

/// The plan's `review_sha256`, read with the plan on its own (statuses, dates, reasons): a
/// mistake is reported located before any review is looked at.
async fn review_hash(state: &AppState, text: &str) -> ApiResult<String> {
    let text = text.to_string();
    let head = state
        .work
        .run(move || tip::read(&SourceFile::new("tip", text), None))
        .await?
        .map_err(|error| calls::invalid(error, "plan"))?;
    let hash = head.review_sha256.to_ascii_lowercase();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err(ApiError::unprocessable(
            "review_sha256 must be the 64 hex digits of the review file's SHA-256",
        ))
    }
}

/// The review of `org` whose current file, as stored or in its finalised form, has SHA-256
/// `hash`; with the text that matched.
async fn matching_review(
    state: &AppState,
    org: &str,
    hash: &str,
) -> ApiResult<Option<(ReviewRecord, String)>> {
    let mut candidates = Vec::new();
    for summary in (state.store.reviews(Some(&[org.to_string()])).await?)
        .into_iter()
        .take(MAX_CANDIDATE_REVIEWS)
    {
        if let Some(record) = state.store.review(&summary.id).await? {
            candidates.push(record);
        }
    }
    let hash = hash.to_string();
    state
        .work
        .run(move || {
            for record in candidates {
                if record.summary.content_sha256 == hash {
                    let text = record.source.clone();
                    return Some((record, text));
                }
                // A file that is not a review any more cannot be finalised; it matches nothing.
                let Ok(finalised) = review::lifecycle::finalised_text(&record.source) else {
                    continue;
                };
                if tip::content_hash(&finalised) == hash {
                    return Some((record, finalised));
                }
            }
            None
        })
        .await
}

/// The plan read against the review it answers (and its assessment, the stored submission):
/// its digest, or the diagnostics.
async fn checked_digest(
    state: &Arc<AppState>,
    text: &str,
    review_text: String,
    submission_id: &str,
    hash: &str,
) -> ApiResult<Digest> {
    let submission = state
        .store
        .submission(submission_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let task_state = state.clone();
    let (text, hash) = (text.to_string(), hash.to_string());
    state
        .work
        .run(move || -> Result<Digest, caf_core::Error> {
            let (_, report) =
                reviews::read_against(&task_state.catalog, submission.source, review_text)?;
            let plan = tip::read(
                &SourceFile::new("tip", text),
                Some(&Pairing::of(&report, &hash)),
            )?;
            Ok(Digest::of(&plan))
        })
        .await?
        .map_err(|error| calls::invalid(error, "plan"))
}

#[utoipa::path(post, path = "/tips", request_body = TipSubmitRequest,
    responses(
        (status = 201, description = "A new plan, or a new version of one", body = TipSubmitResponse),
        (status = 200, description = "The plan's current version has these bytes already", body = TipSubmitResponse),
        (status = 400, body = ErrorBody),
        (status = 403, description = "Not a submitter or admin token, or another organisation's", body = ErrorBody),
        (status = 409, description = "The review the plan names is not finalised on the service", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "The plan does not check (with diagnostics), or names no stored review file of the organisation", body = ErrorBody)))]
pub async fn submit(
    State(state): AppStateRef,
    caller: Caller,
    JsonBody(request): JsonBody<TipSubmitRequest>,
) -> ApiResult<(StatusCode, Json<TipSubmitResponse>)> {
    caller.require(&[Role::Submitter, Role::Admin], "submit improvement plans")?;
    let org = organisation_of(&state, &caller, request.organisation).await?;
    let text = request.tip;
    limits::check_toml(&text, MAX_TIP_BYTES, "the plan")?;
    let hash = review_hash(&state, &text).await?;
    let Some((record, review_text)) = matching_review(&state, &org, &hash).await? else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "tip-no-review",
            format!(
                "review_sha256 {hash} is the SHA-256 of no review file of organisation `{org}` stored here (as sent, or as `caf review finalise` writes it); make the plan from the review as the service holds it (`caf reviews show ID --toml`), and if the review was reopened and changed, make it again"
            ),
        ));
    };
    let review = &record.summary;
    if review.status != ReviewStatus::Finalised {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "review-not-finalised",
            format!(
                "review `{}` is {} on the service, not finalised: a plan is made from a finalised review; the reviewer finalises it with `caf reviews finalise {}`",
                review.id,
                review.status.as_str(),
                review.id
            ),
        ));
    }
    let digest = checked_digest(&state, &text, review_text, &review.submission_id, &hash).await?;
    let new = NewTip {
        org_id: org,
        review_id: review.id.clone(),
        review_sha256: hash,
        review_revision: review.revision,
        content_sha256: hex(&Sha256::digest(text.as_bytes())),
        approved: digest.approved,
        digest: serde_json::to_string(&digest).map_err(|_| ApiError::internal())?,
        source: text,
    };
    let (code, summary, duplicate) = match state
        .store
        .submit_tip(&new, caller.entry("tip-submit"))
        .await?
    {
        TipStored::Created(s) | TipStored::Revised(s) => (StatusCode::CREATED, s, false),
        TipStored::Duplicate(s) => (StatusCode::OK, s, true),
    };
    if duplicate {
        // Nothing was written, so the store wrote no entry: the repeat is recorded here.
        let mut entry = caller.entry("tip-submit-duplicate");
        entry.org_id = Some(&summary.org_id);
        entry.detail = Some(format!("plan {} version {}", summary.id, summary.version));
        state.store.audit(entry).await?;
    }
    Ok((
        code,
        Json(TipSubmitResponse {
            tip: info(summary),
            duplicate,
        }),
    ))
}

const READERS: [Role; 4] = [Role::Submitter, Role::Analyst, Role::Admin, Role::Reviewer];

#[utoipa::path(get, path = "/tips",
    responses((status = 200, body = TipList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): AppStateRef, caller: Caller) -> ApiResult<Json<TipList>> {
    caller.require(&READERS, "list improvement plans")?;
    let orgs = reviews::visible_organisations(&state, &caller).await?;
    let tips = state.store.tips(orgs.as_deref()).await?;
    let mut entry = caller.entry("tip-list");
    entry.org_id = caller.organisation();
    entry.detail = Some(format!("{} plan(s)", tips.len()));
    state.store.audit(entry).await?;
    Ok(Json(TipList {
        tips: tips.into_iter().map(info).collect(),
    }))
}

#[utoipa::path(get, path = "/tips/{id}", params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, body = TipDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TipDetail>> {
    caller.require(&READERS, "read improvement plans")?;
    super::routes::check_id(&id, "t-", "plan")?;
    let found = state.store.tip(&id).await?;
    let visible = match found {
        Some(record) if may_see(&state, &caller, &record.summary.org_id).await? => Some(record),
        _ => None,
    };
    let Some(record) = visible else {
        // Another organisation's plan and a missing one look the same from outside.
        let mut entry = caller.entry("tip-read-refused");
        entry.detail = Some(format!("plan {id}"));
        state.store.audit(entry).await?;
        return Err(ApiError::not_found(format!("no plan `{id}`")));
    };
    let mut entry = caller.entry("tip-read");
    entry.org_id = Some(&record.summary.org_id);
    entry.detail = Some(format!("plan {id} version {}", record.summary.version));
    state.store.audit(entry).await?;
    let digest = serde_json::from_str(&record.digest).map_err(|error| {
        tracing::error!(%error, id, "a stored plan digest does not read back");
        ApiError::internal()
    })?;
    Ok(Json(TipDetail {
        tip: info(record.summary),
        file: record.source,
        digest,
    }))
}

/// The query string of `GET /tips/progress`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// Judge overdue actions against this day (YYYY-MM-DD; default: today, UTC).
    as_of: Option<String>,
    /// What the groups are: sector (default), region or parent, as registered.
    group_by: Option<String>,
    /// Raised to the server's minimum when lower; a viewer always gets the server's minimum.
    min_group_size: Option<u32>,
}

#[utoipa::path(get, path = "/tips/progress", params(ProgressQuery),
    responses((status = 200, description = "The `caf.tip-progress/1` document", body = Object),
        (status = 400, body = ErrorBody), (status = 403, description = "Not an analyst, admin or viewer token", body = ErrorBody)))]
pub async fn progress(
    State(state): AppStateRef,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Json<ProgressReport>> {
    caller.require(
        &[Role::Analyst, Role::Admin, Role::Viewer],
        "read improvement plan progress",
    )?;
    let q: ProgressQuery = super::routes::query(&uri)?;
    let as_of = match &q.as_of {
        None => caf_core::fsutil::today(),
        Some(text) => Date::parse(text)
            .ok_or_else(|| ApiError::bad_request("as_of must be a calendar date, YYYY-MM-DD"))?,
    };
    let group_by = match &q.group_by {
        None => GroupBy::Sector,
        Some(text) => GroupBy::parse(text)
            .ok_or_else(|| ApiError::bad_request("group_by must be sector, region or parent"))?,
    };
    let min_group_size = if caller.role() == Role::Viewer {
        state.min_group_size
    } else {
        (q.min_group_size.unwrap_or(0) as usize).max(state.min_group_size)
    };
    let scope = caller.0.scope.clone();
    let organisations: Vec<_> = (state.store.organisations().await?)
        .into_iter()
        .filter(|org| in_scope(&scope, org))
        .collect();
    let mut digests = std::collections::BTreeMap::new();
    for (org, json) in state.store.current_tip_digests().await? {
        let digest: Digest = serde_json::from_str(&json).map_err(|error| {
            tracing::error!(%error, org, "a stored plan digest does not read back");
            ApiError::internal()
        })?;
        digests.insert(org, digest);
    }
    let members: Vec<Member> = (organisations.iter())
        .map(|org| Member {
            id: &org.id,
            sector: org.sector.as_deref(),
            region: org.region.as_deref(),
            parent: org.parent.as_deref(),
            tip: digests.get(&org.id),
        })
        .collect();
    let limits = Limits {
        min_group_size,
        identify: false,
    };
    let report = tip::progress::report(&members, group_by, limits, as_of);
    let mut entry = caller.entry("tip-progress");
    entry.detail = Some(format!(
        "{} organisation(s) in scope, {} with a plan, as_of={as_of}, group_by={}, min_group_size={min_group_size}",
        members.len(),
        members.iter().filter(|m| m.tip.is_some()).count(),
        q.group_by.as_deref().unwrap_or("sector"),
    ));
    state.store.audit(entry).await?;
    Ok(Json(report))
}

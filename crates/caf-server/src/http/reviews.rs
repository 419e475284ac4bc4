//! `/api/v1/reviews`: assurance reviews of stored submissions, their lifecycle, and review
//! against self-assessment; and the reviewer assignments under `/api/v1/tokens/{id}`.
//!
//! | route | submitter | viewer | analyst | admin | reviewer |
//! |---|---|---|---|---|---|
//! | `POST /reviews` | – | – | – | – | assigned organisations |
//! | `GET /reviews`, `GET /reviews/{id}` | own organisation | – | all, audit-logged | – | assigned organisations |
//! | `POST /reviews/{id}/finalise` | – | – | – | – | assigned organisations |
//! | `POST /reviews/{id}/reopen` | – | – | – | yes | assigned organisations |
//! | `GET /reviews/gap` | – | own scope, disclosure-controlled | all, disclosure-controlled | – | – |
//! | `/tokens/{id}/assignments` | – | – | – | yes | – |
//!
//! A review file pairs with the submission whose bytes its `assessment_sha256` names; the
//! server looks it up among the submissions of the organisations the reviewer is assigned to
//! and checks the file against that submission with caf-core. A review of an organisation the
//! reviewer is not assigned to, and a review that pairs with nothing stored, get the same
//! answer (404), so a reviewer learns nothing of other organisations; both are audited.
//! Lifecycle: the file's `status` (to-do, in-progress, completed) is the review's until it is
//! finalised here, which locks it; reopening makes the next file a new numbered version.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::aggregate::in_scope;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::routes::JsonBody;
use super::{calls, limits};
use crate::store::{
    NewReview, ReviewRecord, ReviewStatus, ReviewStored, ReviewSummary, Role, StoreError,
    SubmissionFilter, format_time, hex, valid_identifier,
};
use caf_api::{
    AssignmentList, AssignmentRequest, ErrorBody, ReviewDetail, ReviewInfo, ReviewList,
    ReviewSubmitRequest, ReviewSubmitResponse, SubmissionList,
};
use caf_core::aggregate::assurance::{self, Decisions, GapReport, Pair, Reviewed};
use caf_core::aggregate::disclosure::Limits;
use caf_core::diagnostic::SourceFile;
use caf_core::framework::Catalog;
use caf_core::review::{self, Lifecycle, Review, ReviewReport, ReviewType};

type AppStateRef = State<Arc<AppState>>;

/// The largest review file accepted (the body limit also applies).
const MAX_REVIEW_BYTES: usize = 512 * 1024;

pub(super) fn info(s: ReviewSummary) -> ReviewInfo {
    ReviewInfo {
        id: s.id,
        organisation: s.org_id,
        submission: s.submission_id,
        kind: s.kind,
        status: s.status.as_str().to_string(),
        version: s.version,
        revision: s.revision,
        reopened: s.reopened,
        content_sha256: s.content_sha256,
        created_at: format_time(s.created_at),
        updated_at: format_time(s.updated_at),
        finalised_at: s.finalised_at.map(format_time),
        finalised_by: s.finalised_by,
    }
}

fn check_review_id(id: &str) -> ApiResult<()> {
    super::routes::check_id(id, "r-", "review")
}

fn check_token_id(id: &str) -> ApiResult<()> {
    if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "not a token id (16 hex digits, as `GET /api/v1/tokens` lists them)",
        ))
    }
}

/// A lifecycle step the review's state does not allow is a conflict, not bad input.
fn lifecycle(error: StoreError) -> ApiError {
    match error {
        StoreError::Invalid(message) => {
            ApiError::new(StatusCode::CONFLICT, "review-state", message)
        }
        other => other.into(),
    }
}

/// Whether `caller` may see reviews and submissions of `org`: a submitter its own, a
/// reviewer those it is assigned to, an analyst all.
pub(super) async fn may_see(state: &AppState, caller: &Caller, org: &str) -> ApiResult<bool> {
    Ok(match caller.role() {
        Role::Analyst => true,
        Role::Submitter => caller.organisation() == Some(org),
        Role::Reviewer => state.store.is_assigned(caller.token_id(), org).await?,
        Role::Admin | Role::Viewer => false,
    })
}

/// `GET /submissions` for a reviewer: the current submissions of its assigned organisations
/// (one of them when `organisation` names it), audited like every list.
pub(super) async fn list_assigned_submissions(
    state: &AppState,
    caller: &Caller,
    organisation: Option<String>,
) -> ApiResult<Json<SubmissionList>> {
    let assigned = state
        .store
        .assigned_organisations(caller.token_id())
        .await?;
    let orgs: Vec<String> = match organisation {
        Some(org) if !assigned.contains(&org) => {
            let mut entry = caller.entry("list-refused");
            entry.detail = Some("an organisation this reviewer is not assigned to".to_string());
            state.store.audit(entry).await?;
            return Err(ApiError::forbidden(
                "a reviewer token lists only the organisations it is assigned to",
            ));
        }
        Some(org) => vec![org],
        None => assigned,
    };
    let mut submissions = Vec::new();
    for org in &orgs {
        let filter = SubmissionFilter {
            org_id: Some(org.clone()),
            current_only: true,
            ..SubmissionFilter::default()
        };
        submissions.extend(state.store.submissions(&filter).await?);
    }
    let mut entry = caller.entry("list");
    entry.detail = Some(format!(
        "{} current submission(s) of {} assigned organisation(s)",
        submissions.len(),
        orgs.len()
    ));
    state.store.audit(entry).await?;
    Ok(Json(SubmissionList {
        submissions: submissions.into_iter().map(Into::into).collect(),
    }))
}

/// The pairing hash of a review file, before anything else of it is read.
fn pairing_hash(text: &str) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct Head {
        assessment_sha256: String,
    }
    let source = SourceFile::new("review", text.to_string());
    let head: Head = caf_core::diagnostic::parse_toml(&source)
        .map_err(|diagnostics| calls::invalid(caf_core::Error::Invalid(diagnostics), "review"))?;
    let hash = head.assessment_sha256.to_ascii_lowercase();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err(ApiError::unprocessable(
            "assessment_sha256 must be the 64 hex digits of the reviewed assessment's SHA-256",
        ))
    }
}

/// A review file read against the stored submission (its text) it pairs with, and its report.
pub(super) fn read_against(
    catalog: &Catalog,
    submission: String,
    review_text: String,
) -> Result<(Review, ReviewReport), caf_core::Error> {
    let loaded = caf_core::assessment::parse(&SourceFile::new("submission", submission), catalog)?;
    let source = SourceFile::new("review", review_text);
    let review = review::read(&source, &loaded)?;
    // On the service `completed` is the last state a file can say and finalising checks the
    // state alone, so a completed file must already be one `caf review finalise` accepts:
    // every outcome decided (else a plan could never be made from it).
    if review.status == Lifecycle::Completed {
        review::lifecycle::finalise(&source, &review, &loaded.framework)?;
    }
    let report = ReviewReport::build(&review, &loaded)?;
    Ok((review, report))
}

#[utoipa::path(post, path = "/reviews", request_body = ReviewSubmitRequest,
    responses(
        (status = 201, description = "A new review, or a new revision of one", body = ReviewSubmitResponse),
        (status = 200, description = "These bytes were already stored for the review", body = ReviewSubmitResponse),
        (status = 403, description = "Not a reviewer token", body = ErrorBody),
        (status = 404, description = "No stored submission of an assigned organisation has the named SHA-256", body = ErrorBody),
        (status = 409, description = "The review is finalised; reopen it first", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "The review does not check against the submission, with diagnostics", body = ErrorBody)))]
pub async fn submit(
    State(state): AppStateRef,
    caller: Caller,
    JsonBody(request): JsonBody<ReviewSubmitRequest>,
) -> ApiResult<(StatusCode, Json<ReviewSubmitResponse>)> {
    caller.require(&[Role::Reviewer], "submit reviews")?;
    let text = request.review;
    limits::check_toml(&text, MAX_REVIEW_BYTES, "the review")?;
    let hash = pairing_hash(&text)?;
    let assigned = state
        .store
        .assigned_organisations(caller.token_id())
        .await?;
    let paired = state
        .store
        .submissions_with_content(&hash)
        .await?
        .into_iter()
        .find(|(_, org)| assigned.contains(org));
    let Some((submission_id, org_id)) = paired else {
        // Nothing stored, or another organisation's: the same answer either way.
        let mut entry = caller.entry("review-refused");
        entry.detail = Some(format!(
            "pairs with no submission of an assigned organisation (assessment_sha256 {hash})"
        ));
        state.store.audit(entry).await?;
        return Err(ApiError::not_found(format!(
            "no stored submission of an organisation this token reviews has SHA-256 {hash}; submit the assessment first, or review the version that is stored"
        )));
    };
    let submission = state
        .store
        .submission(&submission_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let task_state = state.clone();
    let review_text = text.clone();
    let checked = state
        .work
        .run(
            move || -> Result<(Lifecycle, ReviewType, Decisions), caf_core::Error> {
                let (review, report) =
                    read_against(&task_state.catalog, submission.source, review_text)?;
                let decisions = report
                    .outcomes
                    .iter()
                    .map(|o| {
                        let pair = Pair {
                            self_assessed: o.self_assessed,
                            reviewed: o.decision,
                        };
                        (o.id.clone(), pair)
                    })
                    .collect();
                Ok((review.status, review.kind, decisions))
            },
        )
        .await?
        .map_err(|error| calls::invalid(error, "review"))?;
    let (status, kind, decisions) = checked;
    let status = match status {
        Lifecycle::ToDo => ReviewStatus::ToDo,
        Lifecycle::InProgress => ReviewStatus::InProgress,
        Lifecycle::Completed => ReviewStatus::Completed,
        Lifecycle::Finalised => {
            return Err(ApiError::unprocessable(
                "the file says status = \"finalised\": on the service a review is finalised by POST /api/v1/reviews/{id}/finalise; send it with status = \"completed\", then finalise it",
            ));
        }
    };
    let new = NewReview {
        org_id,
        submission_id,
        kind: match kind {
            ReviewType::Independent => "independent",
            ReviewType::Peer => "peer",
        }
        .to_string(),
        status,
        content_sha256: hex(&Sha256::digest(text.as_bytes())),
        source: text,
        decisions: serde_json::to_string(&decisions).map_err(|_| ApiError::internal())?,
    };
    let (code, summary, duplicate) = match state
        .store
        .submit_review(&new, caller.entry("review-submit"))
        .await
        .map_err(lifecycle)?
    {
        ReviewStored::Created(s) | ReviewStored::Revised(s) => (StatusCode::CREATED, s, false),
        ReviewStored::Duplicate(s) => (StatusCode::OK, s, true),
    };
    Ok((
        code,
        Json(ReviewSubmitResponse {
            review: info(summary),
            duplicate,
        }),
    ))
}

/// The organisations whose reviews and plans `caller` lists: `None` for all (an analyst or
/// admin), a reviewer's assigned organisations, a submitter's own.
pub(super) async fn visible_organisations(
    state: &AppState,
    caller: &Caller,
) -> ApiResult<Option<Vec<String>>> {
    Ok(match caller.role() {
        Role::Analyst | Role::Admin => None,
        Role::Reviewer => Some(
            state
                .store
                .assigned_organisations(caller.token_id())
                .await?,
        ),
        Role::Submitter | Role::Viewer => Some(
            caller
                .organisation()
                .into_iter()
                .map(str::to_string)
                .collect(),
        ),
    })
}

#[utoipa::path(get, path = "/reviews",
    responses((status = 200, body = ReviewList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): AppStateRef, caller: Caller) -> ApiResult<Json<ReviewList>> {
    caller.require(
        &[Role::Submitter, Role::Analyst, Role::Reviewer],
        "list reviews",
    )?;
    let orgs = visible_organisations(&state, &caller).await?;
    let reviews = state.store.reviews(orgs.as_deref()).await?;
    let mut entry = caller.entry("review-list");
    entry.org_id = caller.organisation();
    entry.detail = Some(format!("{} review(s)", reviews.len()));
    state.store.audit(entry).await?;
    Ok(Json(ReviewList {
        reviews: reviews.into_iter().map(info).collect(),
    }))
}

/// The review `id` if `caller` may see it; otherwise the refusal is audited as `refused` and
/// answered as if the review did not exist.
async fn visible_audited(
    state: &AppState,
    caller: &Caller,
    id: &str,
    refused: &str,
) -> ApiResult<ReviewRecord> {
    check_review_id(id)?;
    if let Some(record) = state.store.review(id).await?
        && may_see(state, caller, &record.summary.org_id).await?
    {
        return Ok(record);
    }
    let mut entry = caller.entry(refused);
    entry.detail = Some(format!("review {id}"));
    state.store.audit(entry).await?;
    Err(ApiError::not_found(format!("no review `{id}`")))
}

#[utoipa::path(get, path = "/reviews/{id}", params(("id" = String, Path, description = "Review id")),
    responses((status = 200, body = ReviewDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewDetail>> {
    caller.require(
        &[Role::Submitter, Role::Analyst, Role::Reviewer],
        "read reviews",
    )?;
    let record = visible_audited(&state, &caller, &id, "review-read-refused").await?;
    let mut entry = caller.entry("review-read");
    entry.org_id = Some(&record.summary.org_id);
    entry.submission_id = Some(&record.summary.submission_id);
    entry.detail = Some(format!("review {id}"));
    state.store.audit(entry).await?;
    let decisions = serde_json::from_str(&record.decisions).map_err(|error| {
        tracing::error!(%error, id, "stored review decisions do not read back");
        ApiError::internal()
    })?;
    Ok(Json(ReviewDetail {
        review: info(record.summary),
        file: record.source,
        decisions,
    }))
}

#[utoipa::path(post, path = "/reviews/{id}/finalise", params(("id" = String, Path, description = "Review id")),
    responses((status = 200, description = "Finalised: locked until reopened", body = ReviewInfo),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not completed", body = ErrorBody)))]
pub async fn finalise(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewInfo>> {
    caller.require(&[Role::Reviewer], "finalise reviews")?;
    visible_audited(&state, &caller, &id, "review-finalise-refused").await?;
    let summary = state
        .store
        .finalise_review(&id, caller.entry("review-finalise"))
        .await
        .map_err(lifecycle)?;
    Ok(Json(info(summary)))
}

#[utoipa::path(post, path = "/reviews/{id}/reopen", params(("id" = String, Path, description = "Review id")),
    responses((status = 200, description = "Reopened: the next file received starts the next version", body = ReviewInfo),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not finalised", body = ErrorBody)))]
pub async fn reopen(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewInfo>> {
    caller.require(&[Role::Reviewer, Role::Admin], "reopen reviews")?;
    if caller.role() == Role::Reviewer {
        visible_audited(&state, &caller, &id, "review-reopen-refused").await?;
    } else {
        check_review_id(&id)?;
    }
    let summary = state
        .store
        .reopen_review(&id, caller.entry("review-reopen"))
        .await
        .map_err(lifecycle)?;
    Ok(Json(info(summary)))
}

/// The query string of `GET /reviews/gap`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GapQuery {
    /// What the groups are: sector (default), region or parent, as registered.
    group_by: Option<String>,
    /// Raised to the server's minimum when lower; a viewer always gets the server's minimum.
    min_group_size: Option<u32>,
}

#[utoipa::path(get, path = "/reviews/gap", params(GapQuery),
    responses((status = 200, description = "The `caf.review-gap/1` document", body = Object),
        (status = 400, body = ErrorBody), (status = 403, description = "Not an analyst or viewer token", body = ErrorBody)))]
pub async fn gap(
    State(state): AppStateRef,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Json<GapReport>> {
    caller.require(
        &[Role::Analyst, Role::Viewer],
        "read review against self-assessment",
    )?;
    let q: GapQuery = super::routes::query(&uri)?;
    let group_by = q.group_by.unwrap_or_else(|| "sector".to_string());
    let min_group_size = if caller.role() == Role::Analyst {
        (q.min_group_size.unwrap_or(0) as usize).max(state.min_group_size)
    } else {
        state.min_group_size
    };
    let scope = caller.0.scope.clone();
    let rows: Vec<_> = state
        .store
        .gap_rows()
        .await?
        .into_iter()
        .filter(|row| in_scope(&scope, &row.organisation))
        .collect();
    let mut decoded = Vec::with_capacity(rows.len());
    for row in &rows {
        let decisions: Decisions = serde_json::from_str(&row.decisions).map_err(|error| {
            tracing::error!(%error, org = row.organisation.id, "stored review decisions do not read back");
            ApiError::internal()
        })?;
        decoded.push(decisions);
    }
    let mut reviewed = Vec::with_capacity(rows.len());
    for (row, decisions) in rows.iter().zip(&decoded) {
        let org = &row.organisation;
        let group = match group_by.as_str() {
            "sector" => org.sector.as_deref(),
            "region" => org.region.as_deref(),
            "parent" => org.parent.as_deref(),
            _ => {
                return Err(ApiError::bad_request(
                    "group_by must be sector, region or parent",
                ));
            }
        };
        reviewed.push(Reviewed {
            organisation: &org.id,
            group,
            finalised: row.status == ReviewStatus::Finalised,
            decisions,
        });
    }
    let limits = Limits {
        min_group_size,
        identify: false,
    };
    let report = assurance::gap(&reviewed, &group_by, limits);
    let mut entry = caller.entry("review-gap");
    entry.detail = Some(format!(
        "{} reviewed organisation(s) in scope, group_by={group_by}, min_group_size={min_group_size}",
        reviewed.len()
    ));
    state.store.audit(entry).await?;
    Ok(Json(report))
}

#[utoipa::path(get, path = "/tokens/{id}/assignments", params(("id" = String, Path, description = "A reviewer token's id")),
    responses((status = 200, body = AssignmentList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn assignments(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AssignmentList>> {
    caller.require(&[Role::Admin], "manage reviewer assignments")?;
    check_token_id(&id)?;
    let organisations = state.store.assigned_organisations(&id).await?;
    let mut entry = caller.entry("reviewer-assignments");
    entry.detail = Some(format!(
        "token {id}: {} organisation(s)",
        organisations.len()
    ));
    state.store.audit(entry).await?;
    Ok(Json(AssignmentList {
        token: id,
        organisations,
    }))
}

#[utoipa::path(post, path = "/tokens/{id}/assignments", request_body = AssignmentRequest,
    params(("id" = String, Path, description = "A reviewer token's id")),
    responses((status = 201, description = "Assigned", body = AssignmentList), (status = 200, description = "Already assigned", body = AssignmentList),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Not a reviewer token", body = ErrorBody)))]
pub async fn assign(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<AssignmentRequest>,
) -> ApiResult<(StatusCode, Json<AssignmentList>)> {
    caller.require(&[Role::Admin], "manage reviewer assignments")?;
    check_token_id(&id)?;
    if !valid_identifier(&request.organisation) {
        return Err(ApiError::bad_request(
            "not an organisation id (1 to 64 letters, digits, `.`, `_` or `-`)",
        ));
    }
    let added = state
        .store
        .assign_reviewer(&id, &request.organisation, caller.entry("reviewer-assign"))
        .await?;
    let organisations = state.store.assigned_organisations(&id).await?;
    let code = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        code,
        Json(AssignmentList {
            token: id,
            organisations,
        }),
    ))
}

#[utoipa::path(delete, path = "/tokens/{id}/assignments/{org}",
    params(("id" = String, Path, description = "A reviewer token's id"), ("org" = String, Path, description = "Organisation id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unassign(
    State(state): AppStateRef,
    caller: Caller,
    Path((id, org)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin], "manage reviewer assignments")?;
    check_token_id(&id)?;
    if !valid_identifier(&org) {
        return Err(ApiError::bad_request(
            "not an organisation id (1 to 64 letters, digits, `.`, `_` or `-`)",
        ));
    }
    state
        .store
        .unassign_reviewer(&id, &org, caller.entry("reviewer-unassign"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

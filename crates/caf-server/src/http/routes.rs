//! The `/api/v1` routes, `/healthz`, and the OpenAPI document generated from them.
//!
//! Who may call what:
//!
//! | route | submitter | viewer | analyst | admin |
//! |---|---|---|---|---|
//! | `POST /submissions` | own organisation | – | – | – |
//! | `GET /submissions`, `GET /submissions/{id}` | own organisation | – | all, audit-logged | – |
//! | `/organisations`, `/tokens`, `GET /audit`, `POST /submissions/{id}/withdraw` | – | – | – | yes |
//! | `GET /aggregate` | – | published figures of a release: own sector or parent, never named | all, exact, audit-logged | – |
//! | `POST /releases` | – | – | yes | yes |
//! | `GET /releases` | – | yes | yes | yes |
//! | `/calls`, `/suppliers` | see `calls.rs` | | | |
//! | `/reviews`, `/tokens/{id}/assignments` | see `reviews.rs` | | | |
//! | `/tips` | see `tips.rs` | | | |
//!
//! A reviewer token reads the current submissions of the organisations it is assigned to
//! (audit-logged, like an analyst's reads), and their reviews and plans.
//!
//! Every access to individual submissions (submitting, listing, reading, and refusals to
//! read) and every administrative action is appended to the audit log; every other refusal
//! is audited by the middleware in `mod.rs`.

use std::sync::Arc;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::work::Admitted;
use super::{limits, period};
use crate::store::{
    NewSubmission, Organisation, Role, Stored, SubmissionFilter, TokenScope, TokenSpec,
    format_time, now_ms, organisation_detail, token_detail, valid_identifier,
};
use caf_api::*;
use caf_core::assessment::{LoadedAssessment, parse};
use caf_core::diagnostic::SourceFile;
use caf_core::error::Error;
use caf_core::framework::{Catalog, Profile};

type AppStateRef = State<Arc<AppState>>;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/submissions", post(submit).get(list_submissions))
        .route("/submissions/{id}", get(get_submission))
        .route("/submissions/{id}/withdraw", post(withdraw_submission))
        .route(
            "/organisations",
            get(list_organisations).post(add_organisation),
        )
        .route("/organisations/{id}", get(get_organisation))
        .route("/tokens", post(create_token).get(list_tokens))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/audit", get(audit_log))
        .route("/aggregate", get(super::aggregate::aggregate))
        .route(
            "/releases",
            post(super::releases::cut).get(super::releases::list),
        )
        .route("/calls", post(super::calls::create).get(super::calls::list))
        .route("/calls/{id}", get(super::calls::get))
        .route("/calls/{id}/close", post(super::calls::close))
        .route("/calls/{id}/responses", post(super::calls::respond))
        .route("/calls/{id}/status", get(super::calls::call_status))
        .route("/suppliers", get(super::calls::suppliers))
        .route(
            "/reviews",
            post(super::reviews::submit).get(super::reviews::list),
        )
        .route("/reviews/gap", get(super::reviews::gap))
        .route("/reviews/{id}", get(super::reviews::get))
        .route("/reviews/{id}/finalise", post(super::reviews::finalise))
        .route("/reviews/{id}/reopen", post(super::reviews::reopen))
        .route("/tips", post(super::tips::submit).get(super::tips::list))
        .route("/tips/progress", get(super::tips::progress))
        .route("/tips/{id}", get(super::tips::get))
        .route(
            "/tokens/{id}/assignments",
            get(super::reviews::assignments).post(super::reviews::assign),
        )
        .route(
            "/tokens/{id}/assignments/{org}",
            delete(super::reviews::unassign),
        )
        .route("/openapi.json", get(openapi_json));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .fallback(|| async { ApiError::not_found("no such route; see /api/v1/openapi.json") })
        .with_state(state)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "caf collection service",
        description = "Submit NCSC CAF assessments; read your own submissions; aggregate current submissions under disclosure control; review them and follow the improvement plans made from the reviews; administer organisations and tokens. Authenticate with `Authorization: Bearer TOKEN`."
    ),
    paths(
        healthz,
        submit,
        list_submissions,
        get_submission,
        withdraw_submission,
        list_organisations,
        add_organisation,
        get_organisation,
        create_token,
        list_tokens,
        revoke_token,
        audit_log,
        super::aggregate::aggregate,
        super::releases::cut,
        super::releases::list,
        super::calls::create,
        super::calls::list,
        super::calls::get,
        super::calls::close,
        super::calls::respond,
        super::calls::call_status,
        super::calls::suppliers,
        super::reviews::submit,
        super::reviews::list,
        super::reviews::get,
        super::reviews::finalise,
        super::reviews::reopen,
        super::reviews::gap,
        super::reviews::assignments,
        super::reviews::assign,
        super::reviews::unassign,
        super::tips::submit,
        super::tips::list,
        super::tips::get,
        super::tips::progress
    ),
    components(schemas(
        SubmitRequest,
        SubmitResponse,
        SubmissionInfo,
        SubmissionList,
        SubmissionDetail,
        WithdrawRequest,
        OrganisationBody,
        OrganisationList,
        TokenRequest,
        TokenCreated,
        Health,
        ErrorBody,
        ErrorDetail,
        super::releases::ReleaseRequest,
        super::releases::ReleaseInfo,
        super::releases::ReleaseList,
        CallCreateRequest,
        CallInfo,
        CallList,
        CallDetail,
        RespondRequest,
        RespondResponse,
        Dependant,
        SupplierDependants,
        ReviewSubmitRequest,
        ReviewSubmitResponse,
        ReviewInfo,
        ReviewList,
        ReviewDetail,
        AssignmentRequest,
        AssignmentList,
        TipSubmitRequest,
        TipSubmitResponse,
        TipInfo,
        TipList,
        TipDetail
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, generated from the route and type definitions in this file.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    doc
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi())
}

/// A JSON request body: within the body limit, not nested too deep, and matching its type
/// exactly (unknown fields are refused). Every refusal is a JSON error saying what is wrong.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as `Content-Type: application/json`",
            ));
        }
        let limit = state.max_body;
        let timeout = state.body_timeout;
        let read = axum::body::Bytes::from_request(req, state);
        let bytes = tokio::time::timeout(timeout, read)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body-timeout",
                    format!(
                        "the request body took longer than {} s to arrive",
                        timeout.as_secs_f64()
                    ),
                )
            })?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large(format!("the request body is over the {limit}-byte limit"))
                } else {
                    ApiError::bad_request("the request body could not be read")
                }
            })?;
        if limits::json_depth(&bytes) > limits::MAX_DEPTH {
            return Err(ApiError::bad_request(format!(
                "the JSON body is nested more than {} levels deep",
                limits::MAX_DEPTH
            )));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => {
                    ApiError::unprocessable(format!("the request body does not match: {e}"))
                }
                _ => ApiError::bad_request(format!("the request body is not valid JSON: {e}")),
            })
    }
}

pub(super) fn query<T: DeserializeOwned>(uri: &Uri) -> ApiResult<T> {
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
}

/// Refuses an id that is not `prefix` and 32 hex digits (as the store makes them) before any
/// query: `s-` a submission, `r-` a review, `t-` a plan.
pub(super) fn check_id(id: &str, prefix: &str, what: &str) -> ApiResult<()> {
    let ok = id
        .strip_prefix(prefix)
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "not a {what} id (they look like {prefix} followed by 32 hex digits)"
        )))
    }
}

fn check_submission_id(id: &str) -> ApiResult<()> {
    check_id(id, "s-", "submission")
}

fn check_org_id(id: &str) -> ApiResult<()> {
    if valid_identifier(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "not an organisation id (1 to 64 letters, digits, `.`, `_` or `-`)",
        ))
    }
}

#[utoipa::path(get, path = "/healthz", security(()),
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(State(state): AppStateRef) -> ApiResult<Json<Health>> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }))
}

/// The largest assessment text accepted inside a body (the body limit also applies).
const MAX_ASSESSMENT_BYTES: usize = 512 * 1024;

#[utoipa::path(post, path = "/submissions", request_body = SubmitRequest,
    responses(
        (status = 201, description = "Stored as a new version", body = SubmitResponse),
        (status = 200, description = "The same content was already stored", body = SubmitResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "Invalid assessment, with diagnostics", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn submit(
    State(state): AppStateRef,
    caller: Caller,
    headers: HeaderMap,
    _admitted: Admitted,
    JsonBody(request): JsonBody<SubmitRequest>,
) -> ApiResult<(StatusCode, Json<SubmitResponse>)> {
    caller.require(&[Role::Submitter], "submit assessments")?;
    let own = caller
        .organisation()
        .ok_or_else(ApiError::internal)?
        .to_string();
    let text = request.assessment;
    limits::check_toml(&text, MAX_ASSESSMENT_BYTES, "the assessment")?;
    // Re-validate and re-score here, with this server's catalogue.
    let task_state = state.clone();
    // What aggregates need of it comes from the same reading: a stored digest is exactly what
    // reading the text again would give.
    let reader = caf_core::aggregate::parse_with_digest;
    let ((profile, summary, digest), loaded) =
        parsed(&state, text, reader, move |loaded, profile, digest| {
            let summary =
                caf_core::scoring::summarise(&loaded.framework, &loaded.assessment, profile);
            let digest = task_state.codec.encode(&digest);
            (profile.map(|p| p.id.to_string()), summary, digest)
        })
        .await?;
    let assessment = &loaded.assessment;
    if assessment.organisation.id != own {
        return Err(ApiError::forbidden(format!(
            "this token submits for organisation `{own}`; the assessment is for `{}`",
            truncate_chars(&assessment.organisation.id, 100)
        )));
    }
    let period = assessment.period.clone().unwrap_or_default();
    period::check(&period, now_ms()).map_err(ApiError::unprocessable)?;
    // Stored as the response sends it (keys sorted), so a stored summary reads the same.
    let stored_summary = serde_json::to_value(&summary)
        .map_err(|_| ApiError::internal())?
        .to_string();
    let new = NewSubmission {
        org_id: own.clone(),
        framework: assessment.framework.clone(),
        period,
        profile,
        content_sha256: loaded.content_hash(),
        token_id: caller.token_id().to_string(),
        role: caller.role(),
        client_version: headers
            .get("x-caf-version")
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_string),
        source: loaded.source.text().to_string(),
        summary: stored_summary,
        client: caller.client().map(str::to_string),
        unreviewed: summary.tally.needs_review as i64,
        overridden: summary.tally.overridden as i64,
        digest,
    };
    // The store writes the audit entry in the same transaction as the submission.
    let (status, summary_row, duplicate, supersedes) = match state.store.submit(new).await? {
        Stored::New {
            summary,
            supersedes,
        } => (StatusCode::CREATED, summary, false, supersedes),
        Stored::Duplicate(summary) => (StatusCode::OK, summary, true, None),
    };
    Ok((
        status,
        Json(SubmitResponse {
            submission: summary_row.into(),
            duplicate,
            supersedes,
            summary,
        }),
    ))
}

/// The most diagnostics one answer carries, and the longest message or help line in it:
/// whatever the parser finds, an answer stays small.
const MAX_DIAGNOSTICS: usize = 100;
const MAX_DIAGNOSTIC_TEXT: usize = 500;

/// Reads an assessment with this server's catalogue through `read` (which may make something
/// more of the same reading, such as its digest) and runs `then` on it, its profile and that
/// something, on the blocking pool (see `work.rs`); returns what `then` made, and the
/// assessment.
async fn parsed<R: 'static, T: Send + 'static>(
    state: &Arc<AppState>,
    text: String,
    read: fn(&SourceFile, &Catalog) -> caf_core::error::Result<(LoadedAssessment, R)>,
    then: impl FnOnce(&LoadedAssessment, Option<&Profile>, R) -> T + Send + 'static,
) -> ApiResult<(T, LoadedAssessment)> {
    let task_state = state.clone();
    state
        .work
        .run(move || {
            let source = SourceFile::new("submission", text);
            let (loaded, also) = read(&source, &task_state.catalog)?;
            let made = then(&loaded, loaded.profile(None)?, also);
            Ok((made, loaded))
        })
        .await?
        .map_err(invalid_assessment)
}

fn invalid_assessment(error: Error) -> ApiError {
    match error {
        Error::Invalid(mut diagnostics) => {
            let found = diagnostics.len();
            let mut message = format!(
                "the assessment has {}",
                caf_core::text::plural(found, "problem")
            );
            if found > MAX_DIAGNOSTICS {
                message.push_str(&format!("; the first {MAX_DIAGNOSTICS} are listed"));
                diagnostics.truncate(MAX_DIAGNOSTICS);
            }
            for d in &mut diagnostics {
                d.message = truncate_chars(&d.message, MAX_DIAGNOSTIC_TEXT).to_string();
                if let Some(help) = &mut d.help {
                    *help = truncate_chars(help, MAX_DIAGNOSTIC_TEXT).to_string();
                }
            }
            let mut e = ApiError::unprocessable(message);
            e.diagnostics = diagnostics;
            e
        }
        other => ApiError::unprocessable(truncate_chars(&other.to_string(), MAX_DIAGNOSTIC_TEXT)),
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only this organisation (analysts; a submitter may name only its own).
    organisation: Option<String>,
    framework: Option<String>,
    period: Option<String>,
    /// Only the current version of each organisation, framework and period.
    #[serde(default)]
    current: bool,
}

#[utoipa::path(get, path = "/submissions", params(ListQuery),
    responses((status = 200, body = SubmissionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_submissions(
    State(state): AppStateRef,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Json<SubmissionList>> {
    caller.require(
        &[Role::Submitter, Role::Analyst, Role::Reviewer],
        "list submissions",
    )?;
    let q: ListQuery = query(&uri)?;
    if caller.role() == Role::Reviewer {
        return super::reviews::list_assigned_submissions(&state, &caller, q.organisation).await;
    }
    let org_id = match caller.organisation() {
        Some(own) => {
            if q.organisation.as_deref().is_some_and(|o| o != own) {
                return Err(ApiError::forbidden(
                    "a submitter token lists only its own organisation's submissions",
                ));
            }
            Some(own.to_string())
        }
        None => q.organisation.clone(),
    };
    if let Some(org) = &org_id {
        check_org_id(org)?;
    }
    let filter = SubmissionFilter {
        org_id,
        framework: q.framework,
        period: q.period,
        current_only: q.current,
    };
    let submissions = state.store.submissions(&filter).await?;
    let mut entry = caller.entry("list");
    entry.org_id = filter.org_id.as_deref();
    entry.detail = Some(format!("{} submission(s)", submissions.len()));
    state.store.audit(entry).await?;
    Ok(Json(SubmissionList {
        submissions: submissions.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/submissions/{id}", params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, body = SubmissionDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_submission(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SubmissionDetail>> {
    caller.require(
        &[Role::Submitter, Role::Analyst, Role::Reviewer],
        "read individual submissions",
    )?;
    check_submission_id(&id)?;
    let found = state.store.submission(&id).await?;
    let visible = match (caller.role(), found) {
        // A reviewer reads the current submissions of the organisations it is assigned to.
        (Role::Reviewer, Some(s)) => {
            let current = !s.summary.superseded && s.summary.withdrawn_at.is_none();
            let assigned = state
                .store
                .is_assigned(caller.token_id(), &s.summary.org_id)
                .await?;
            (current && assigned).then_some(s)
        }
        (_, found) => found.filter(|s| {
            caller
                .organisation()
                .is_none_or(|own| own == s.summary.org_id)
        }),
    };
    let audit = |action: &'static str| {
        let mut entry = caller.entry(action);
        entry.submission_id = Some(&id);
        entry
    };
    let Some(submission) = visible else {
        // Another organisation's submission and a missing one look the same from outside.
        state.store.audit(audit("read-refused")).await?;
        return Err(ApiError::not_found(format!("no submission `{id}`")));
    };
    let mut entry = audit("read");
    entry.org_id = Some(&submission.summary.org_id);
    state.store.audit(entry).await?;
    // The full scorecard is derived from the stored text with this server's catalogue; the
    // summary is the one computed when the submission was received.
    let reader = |source: &SourceFile, catalog: &Catalog| Ok((parse(source, catalog)?, ()));
    let (scorecard, _) = parsed(
        &state,
        submission.source.clone(),
        reader,
        |loaded, profile, ()| {
            caf_core::scoring::score(&loaded.framework, &loaded.assessment, profile)
        },
    )
    .await?;
    let summary = serde_json::from_str(&submission.score_summary).map_err(|error| {
        tracing::error!(%error, id, "a stored score summary does not read back");
        ApiError::internal()
    })?;
    Ok(Json(SubmissionDetail {
        summary,
        scorecard,
        assessment: submission.source,
        submission: submission.summary.into(),
    }))
}

#[utoipa::path(get, path = "/organisations",
    responses((status = 200, body = OrganisationList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_organisations(
    State(state): AppStateRef,
    caller: Caller,
) -> ApiResult<Json<OrganisationList>> {
    caller.require(&[Role::Admin], "manage organisations")?;
    let organisations = state.store.organisations().await?;
    let mut entry = caller.entry("org-list");
    entry.detail = Some(format!("{} organisation(s)", organisations.len()));
    state.store.audit(entry).await?;
    Ok(Json(OrganisationList {
        organisations: organisations.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(post, path = "/organisations", request_body = OrganisationBody,
    responses((status = 201, body = OrganisationBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_organisation(
    State(state): AppStateRef,
    caller: Caller,
    JsonBody(body): JsonBody<OrganisationBody>,
) -> ApiResult<(StatusCode, Json<OrganisationBody>)> {
    caller.require(&[Role::Admin], "manage organisations")?;
    let org = Organisation {
        id: body.id.clone(),
        name: body.name.clone(),
        sector: body.sector.clone(),
        region: body.region.clone(),
        parent: body.parent.clone(),
        created_at: now_ms(),
    };
    state.store.add_organisation(&org).await?;
    let mut entry = caller.entry("org-add");
    entry.org_id = Some(&org.id);
    entry.detail = Some(organisation_detail(&org));
    state.store.audit(entry).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(get, path = "/organisations/{id}", params(("id" = String, Path)),
    responses((status = 200, body = OrganisationBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_organisation(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganisationBody>> {
    caller.require(&[Role::Admin], "manage organisations")?;
    check_org_id(&id)?;
    let found = state.store.organisation(&id).await?;
    let mut entry = caller.entry(if found.is_some() {
        "org-read"
    } else {
        "org-read-missing"
    });
    entry.org_id = Some(&id);
    state.store.audit(entry).await?;
    found
        .map(|o| Json(o.into()))
        .ok_or_else(|| ApiError::not_found(format!("no organisation `{id}`")))
}

#[utoipa::path(post, path = "/submissions/{id}/withdraw", request_body = WithdrawRequest,
    params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, description = "Withdrawn: kept, never current again", body = SubmissionInfo),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Already withdrawn, or the reason is not plain text", body = ErrorBody)))]
async fn withdraw_submission(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<WithdrawRequest>,
) -> ApiResult<Json<SubmissionInfo>> {
    caller.require(&[Role::Admin], "withdraw submissions")?;
    check_submission_id(&id)?;
    let withdrawn = state
        .store
        .withdraw(&id, &request.reason, caller.entry("withdraw"))
        .await?;
    Ok(Json(withdrawn.into()))
}

#[utoipa::path(post, path = "/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): AppStateRef,
    caller: Caller,
    JsonBody(request): JsonBody<TokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    caller.require(&[Role::Admin], "manage tokens")?;
    let role = Role::parse(&request.role).ok_or_else(|| {
        ApiError::unprocessable("role must be submitter, viewer, analyst, admin or reviewer")
    })?;
    // A reviewer's organisation is its first assignment, made once the token exists.
    let (assign, organisation) = match role {
        Role::Reviewer => (request.organisation, None),
        _ => (None, request.organisation),
    };
    if let Some(org) = &assign {
        check_org_id(org)?;
        if state.store.organisation(org).await?.is_none() {
            return Err(ApiError::not_found(format!("no organisation `{org}`")));
        }
    }
    let scope = match (organisation, request.sector, request.parent) {
        (None, None, None) if role == Role::Reviewer => TokenScope::Assigned,
        (None, None, None) => TokenScope::All,
        (Some(org), None, None) => TokenScope::Organisation(org),
        (None, Some(sector), None) => TokenScope::Sector(sector),
        (None, None, Some(parent)) => TokenScope::Parent(parent),
        _ => {
            return Err(ApiError::unprocessable(
                "give at most one of organisation, sector and parent",
            ));
        }
    };
    let days = i64::from(request.expires_in_days.unwrap_or(90));
    let spec = TokenSpec {
        role,
        scope,
        expires_at: Some(now_ms() + days * 86_400_000),
    };
    let issued = state.store.create_token(&spec).await?;
    let mut entry = caller.entry("token-create");
    entry.detail = Some(token_detail(&issued.id, &spec));
    state.store.audit(entry).await?;
    if let Some(org) = &assign {
        state
            .store
            .assign_reviewer(&issued.id, org, caller.entry("reviewer-assign"))
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            id: issued.id,
            token: issued.token,
            expires_at: issued.expires_at.map(format_time),
        }),
    ))
}

// The document still says `Object` for this body and the audit log's (they were untyped
// when it was first published); `TokenList` and `AuditLog` have schemas for when it changes.
#[utoipa::path(get, path = "/tokens",
    responses((status = 200, description = "Tokens without their secrets", body = Object), (status = 403, body = ErrorBody)))]
async fn list_tokens(State(state): AppStateRef, caller: Caller) -> ApiResult<Json<TokenList>> {
    caller.require(&[Role::Admin], "manage tokens")?;
    let tokens = state.store.tokens().await?;
    let mut entry = caller.entry("token-list");
    entry.detail = Some(format!("{} token(s)", tokens.len()));
    state.store.audit(entry).await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(delete, path = "/tokens/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin], "manage tokens")?;
    if !(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(ApiError::bad_request(
            "not a token id (16 hex digits, as `GET /api/v1/tokens` lists them)",
        ));
    }
    state.store.revoke_token(&id).await?;
    let mut entry = caller.entry("token-revoke");
    entry.detail = Some(format!("token {id}"));
    state.store.audit(entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/audit",
    responses((status = 200, description = "The audit log, oldest first", body = Object), (status = 403, body = ErrorBody)))]
async fn audit_log(State(state): AppStateRef, caller: Caller) -> ApiResult<Json<AuditLog>> {
    caller.require(&[Role::Admin], "read the audit log")?;
    // Recorded before the read, so the log an administrator reads shows that reading.
    state.store.audit(caller.entry("audit-read")).await?;
    let entries = state.store.audit_log().await?;
    Ok(Json(AuditLog {
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}

#[cfg(test)]
mod tests {
    /// The published document, byte for byte apart from the version: a change to any wire
    /// body's schema shows here. To accept one, run with `UPDATE_OPENAPI=1` and review the diff
    /// of `crates/caf-server/openapi.json`.
    #[test]
    fn the_openapi_document_is_the_committed_one() {
        let mut doc = super::openapi();
        doc.info.version = "VERSION".to_string();
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            text == committed,
            "the OpenAPI document differs from {path}; if that is intended, run with UPDATE_OPENAPI=1"
        );
    }
}

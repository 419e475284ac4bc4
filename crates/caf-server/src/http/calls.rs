//! `/api/v1/calls`: incident data calls, and `/api/v1/suppliers`: who depends on a supplier.
//!
//! | route | submitter | viewer | analyst | admin |
//! |---|---|---|---|---|
//! | `POST /calls`, `POST /calls/{id}/close` | – | – | yes | yes |
//! | `GET /calls`, `GET /calls/{id}` | calls addressed to it | yes | yes | yes |
//! | `POST /calls/{id}/responses` | addressed, open calls | – | – | – |
//! | `GET /calls/{id}/status` | – | own scope, disclosure-controlled | all; `identify` audited | – |
//! | `GET /suppliers` | – | a count in its scope, withheld under the limit | the organisations, audited | – |
//!
//! The server decides the audience when a call is created (the registry, and for a supplier
//! audience the suppliers named in each organisation's current submission), checks every
//! answer against the call with caf-core, and stores each response with its audit entry in
//! one transaction. A late answer (after the deadline) is still taken until the call is
//! closed: the status says the call is overdue.

use std::collections::{BTreeMap, BTreeSet};
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
use crate::store::{
    CallSummary, NewCall, NewResponse, Organisation, Responded, Role, format_time, hex, now_ms,
};
use caf_api::{
    CallCreateRequest, CallDetail, CallInfo, CallList, Dependant, ErrorBody, RespondRequest,
    RespondResponse, SupplierDependants,
};
use caf_core::aggregate::disclosure::Limits;
use caf_core::aggregate::supplier::normalise;
use caf_core::call::status::{self, CallStatus, GroupBy, Member, Response};
use caf_core::call::{self, Call, Candidate};
use caf_core::diagnostic::SourceFile;

type AppStateRef = State<Arc<AppState>>;

/// The largest call file accepted.
const MAX_CALL_BYTES: usize = 256 * 1024;

fn info(s: CallSummary, counts: bool) -> CallInfo {
    CallInfo {
        open: s.closed_at.is_none(),
        id: s.id,
        title: s.title,
        severity: s.severity,
        deadline: format_time(s.deadline),
        version: s.version,
        created_at: format_time(s.created_at),
        closed_at: s.closed_at.map(format_time),
        audience: counts.then_some(s.audience),
        responded: counts.then_some(s.responded),
    }
}

fn check_call_id(id: &str) -> ApiResult<()> {
    if call::valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "not a call id (1 to 64 letters, digits, `.`, `_` or `-`)",
        ))
    }
}

pub(super) fn invalid(error: caf_core::Error, what: &str) -> ApiError {
    match error {
        caf_core::Error::Invalid(mut diagnostics) => {
            diagnostics.truncate(100);
            let mut e =
                ApiError::unprocessable(format!("the {what} has {} problem(s)", diagnostics.len()));
            e.diagnostics = diagnostics;
            e
        }
        other => ApiError::unprocessable(other.to_string()),
    }
}

/// Parsed calls by id and version: every answer is checked against its call, and parsing the
/// file for each of a thousand answers a second would be most of the work. Versions never
/// change once stored, so an entry is never stale; the map is emptied when it grows past a
/// bound (far more calls than are ever open at once).
#[derive(Default)]
pub struct Parsed(std::sync::Mutex<std::collections::HashMap<(String, i64), Arc<Call>>>);

const PARSED_CALLS: usize = 256;

impl Parsed {
    fn get(&self, id: &str, version: i64, source: &str) -> ApiResult<Arc<Call>> {
        let key = (id.to_string(), version);
        if let Some(call) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(call.clone());
        }
        let call = Arc::new(parsed(source)?);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= PARSED_CALLS {
            map.clear();
        }
        map.insert(key, call.clone());
        Ok(call)
    }
}

/// A stored call file, parsed (it was valid when stored, with this crate's reader).
fn parsed(source: &str) -> ApiResult<Call> {
    call::parse(&SourceFile::new("call", source)).map_err(|error| {
        tracing::error!(%error, "a stored call no longer reads");
        ApiError::internal()
    })
}

/// Each organisation's suppliers (normalised) from its current submissions, taken from the
/// digests stored at ingest (a submission without a usable digest is read from its text).
async fn suppliers_by_org(state: &Arc<AppState>) -> ApiResult<BTreeMap<String, BTreeSet<String>>> {
    use futures_util::TryStreamExt;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut rows = std::pin::pin!(state.store.current_digests());
    while let Some(row) = rows.try_next().await? {
        let stored = row.digest.as_deref().and_then(|d| state.codec.decode(d));
        let suppliers = match stored {
            Some(digest) => digest.suppliers,
            None => {
                let text = state.store.submission_text(&row.submission_id).await?;
                let task = state.clone();
                state
                    .work
                    .run(move || {
                        let text = text.unwrap_or_default();
                        caf_core::aggregate::digest_of_text("submission", &text, &task.catalog)
                            .map(|d| d.suppliers)
                            .unwrap_or_default()
                    })
                    .await?
            }
        };
        let names = out.entry(row.organisation.id).or_default();
        names.extend(
            suppliers
                .iter()
                .map(|s| s.key.clone())
                .filter(|s| !s.is_empty()),
        );
    }
    Ok(out)
}

#[utoipa::path(post, path = "/calls", request_body = CallCreateRequest,
    responses((status = 201, description = "Stored (a new call, or a new version of an open one)", body = CallInfo),
        (status = 403, body = ErrorBody), (status = 409, description = "The same content is already the current version", body = ErrorBody),
        (status = 422, description = "Invalid call, with diagnostics", body = ErrorBody)))]
pub async fn create(
    State(state): AppStateRef,
    caller: Caller,
    JsonBody(request): JsonBody<CallCreateRequest>,
) -> ApiResult<(StatusCode, Json<CallInfo>)> {
    caller.require(&[Role::Analyst, Role::Admin], "create data calls")?;
    super::limits::check_toml(&request.call, MAX_CALL_BYTES, "the call")?;
    let text = request.call;
    let parse_text = text.clone();
    let call = state
        .work
        .run(move || call::parse(&SourceFile::new("call", parse_text)))
        .await?
        .map_err(|e| invalid(e, "call"))?;
    let suppliers = if call.audience.suppliers.is_empty() {
        BTreeMap::new()
    } else {
        suppliers_by_org(&state).await?
    };
    let none = BTreeSet::new();
    let audience: Vec<String> = state
        .store
        .organisations()
        .await?
        .into_iter()
        .filter(|o| {
            call.audience.addresses(&Candidate {
                id: &o.id,
                sector: o.sector.as_deref(),
                region: o.region.as_deref(),
                parent: o.parent.as_deref(),
                suppliers: suppliers.get(&o.id).unwrap_or(&none).clone(),
            })
        })
        .map(|o| o.id)
        .collect();
    let new = NewCall {
        id: call.id.0.clone(),
        title: call.title.clone(),
        severity: call.severity.as_str().to_string(),
        deadline: (call.deadline.unix_timestamp_nanos() / 1_000_000) as i64,
        content_sha256: hex(&Sha256::digest(text.as_bytes())),
        source: text,
        audience,
    };
    let summary = state
        .store
        .create_call(&new, caller.entry("call-create"))
        .await?;
    Ok((StatusCode::CREATED, Json(info(summary, true))))
}

#[utoipa::path(post, path = "/calls/{id}/close", params(("id" = String, Path)),
    responses((status = 200, body = CallInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Already closed", body = ErrorBody)))]
pub async fn close(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CallInfo>> {
    caller.require(&[Role::Analyst, Role::Admin], "close data calls")?;
    check_call_id(&id)?;
    let summary = state
        .store
        .close_call(&id, caller.entry("call-close"))
        .await?;
    Ok(Json(info(summary, true)))
}

#[utoipa::path(get, path = "/calls",
    responses((status = 200, description = "Open calls first, then by deadline; a submitter sees those addressed to its organisation", body = CallList),
        (status = 401, body = ErrorBody)))]
pub async fn list(State(state): AppStateRef, caller: Caller) -> ApiResult<Json<CallList>> {
    let calls = state.store.calls(caller.organisation()).await?;
    let counts = matches!(caller.role(), Role::Analyst | Role::Admin);
    Ok(Json(CallList {
        calls: calls.into_iter().map(|c| info(c, counts)).collect(),
    }))
}

/// The call, if the caller may see it: a submitter only those addressed to it (any other
/// looks missing, and the refusal is audited).
async fn visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<crate::store::CallRecord> {
    check_call_id(id)?;
    let found = state.store.call(id).await?;
    addressed(state, caller, id, found).await
}

/// Whether `found` (call `id`) is one `caller` may see, audited when not.
async fn addressed(
    state: &AppState,
    caller: &Caller,
    id: &str,
    found: Option<crate::store::CallRecord>,
) -> ApiResult<crate::store::CallRecord> {
    let addressed = match (caller.organisation(), &found) {
        (Some(org), Some(_)) => state.store.is_addressed(id, org).await?,
        _ => true,
    };
    match found {
        Some(record) if addressed => Ok(record),
        _ => {
            let mut entry = caller.entry("call-read-refused");
            entry.detail = Some(format!("call {id}"));
            state.store.audit(entry).await?;
            Err(ApiError::not_found(format!(
                "no call `{id}` addressed to you"
            )))
        }
    }
}

#[utoipa::path(get, path = "/calls/{id}", params(("id" = String, Path)),
    responses((status = 200, body = CallDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CallDetail>> {
    let record = visible(&state, &caller, &id).await?;
    let counts = matches!(caller.role(), Role::Analyst | Role::Admin);
    Ok(Json(CallDetail {
        source: record.source,
        call: info(record.summary, counts),
    }))
}

#[utoipa::path(post, path = "/calls/{id}/responses", request_body = RespondRequest, params(("id" = String, Path)),
    responses((status = 201, description = "Stored as the organisation's next version", body = RespondResponse),
        (status = 200, description = "A repeat: nothing stored", body = RespondResponse),
        (status = 403, description = "Not a submitter, or the call is not addressed to this organisation", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The call is closed, or the answers are to an older version", body = ErrorBody),
        (status = 422, description = "Answers that do not fit the call, with diagnostics", body = ErrorBody)))]
pub async fn respond(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RespondRequest>,
) -> ApiResult<(StatusCode, Json<RespondResponse>)> {
    caller.require(&[Role::Submitter], "answer data calls")?;
    let org = caller
        .organisation()
        .ok_or_else(ApiError::internal)?
        .to_string();
    check_call_id(&id)?;
    let key = match request.key {
        Some(k)
            if !k.is_empty()
                && k.len() <= 64
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            k
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "key is 1 to 64 letters, digits or `-`",
            ));
        }
        None => String::new(),
    };
    let Some((version, closed_at, source)) = state.store.call_head(&id).await? else {
        return Err(ApiError::not_found(format!("no call `{id}`")));
    };
    if !state.store.is_addressed(&id, &org).await? {
        return Err(ApiError::forbidden(format!(
            "call `{id}` is not addressed to organisation `{org}`"
        )));
    }
    if closed_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "closed",
            format!("call `{id}` is closed"),
        ));
    }
    if request.call_version.is_some_and(|v| v != version) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "call-changed",
            format!("call `{id}` is now version {version}: read it again and answer that"),
        ));
    }
    let call = state.calls.get(&id, version, &source)?;
    let answers = call::answers::from_json(&request.answers, &call)
        .map_err(|d| invalid(d.into(), "answers"))?;
    let json = serde_json::Value::Object(call::answers::to_json(&answers)).to_string();
    let content_sha256 = hex(&Sha256::digest(json.as_bytes()));
    let new = NewResponse {
        call_id: id,
        org_id: org,
        call_version: version,
        idempotency_key: if key.is_empty() {
            format!("content-{content_sha256}")
        } else {
            key
        },
        answers: json,
        content_sha256,
    };
    let (status, id, version, duplicate) = match state
        .store
        .respond(&new, caller.entry("call-respond"))
        .await?
    {
        Responded::New { id, version } => (StatusCode::CREATED, id, version, false),
        Responded::Duplicate { id, version } => (StatusCode::OK, id, version, true),
    };
    Ok((
        status,
        Json(RespondResponse {
            id,
            version,
            duplicate,
        }),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// sector (default), region or parent.
    group_by: Option<String>,
    /// Name the exposed organisations and the non-responders (analysts only; audited).
    #[serde(default)]
    identify: bool,
    /// Raised to the server's minimum when lower.
    min_group_size: Option<u32>,
}

#[utoipa::path(get, path = "/calls/{id}/status", params(("id" = String, Path), StatusQuery),
    responses((status = 200, description = "The `caf.call-status/1` document", body = Object),
        (status = 403, description = "Submitter and admin tokens; `identify` from anyone but an analyst", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn call_status(
    State(state): AppStateRef,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<CallStatus>> {
    caller.require(&[Role::Analyst, Role::Viewer], "read a call's status")?;
    let q: StatusQuery = super::routes::query(&uri)?;
    if q.identify && caller.role() != Role::Analyst {
        return Err(ApiError::forbidden(
            "only an analyst token may ask for identify",
        ));
    }
    let group_by = GroupBy::parse(q.group_by.as_deref().unwrap_or("sector"))
        .ok_or_else(|| ApiError::bad_request("group_by must be sector, region or parent"))?;
    // The status counts for itself: the call's counts (a full read of its audience and
    // responses) are not needed.
    check_call_id(&id)?;
    let found = state.store.call_uncounted(&id).await?;
    let record = addressed(&state, &caller, &id, found).await?;
    let call = state
        .calls
        .get(&id, record.summary.version, &record.source)?;
    let scope = caller.0.scope.clone();
    let audience = super::call_members::members(&state, &id, record.summary.version).await?;
    let rows = super::call_current::responses(&state, &id, record.summary.version, &call).await?;
    let min_group_size = if caller.role() == Role::Analyst {
        (q.min_group_size.unwrap_or(0) as usize).max(state.min_group_size)
    } else {
        state.min_group_size
    };
    let options = status::Options {
        now: call::from_unix_ms(now_ms()),
        opened: call::from_unix_ms(record.summary.created_at),
        closed: record.summary.closed_at.map(call::from_unix_ms),
        version: u32::try_from(record.summary.version).unwrap_or(u32::MAX),
        group_by,
        limits: Limits {
            min_group_size,
            identify: q.identify,
        },
    };
    let identify = q.identify;
    let (status, count) = state
        .work
        .run(move || {
            let members: Vec<Member> = (audience.members.iter())
                .filter(|(org, _)| in_scope(&scope, org))
                .map(|(o, contact)| Member {
                    id: &o.id,
                    name: &o.name,
                    sector: o.sector.as_deref(),
                    region: o.region.as_deref(),
                    parent: o.parent.as_deref(),
                    contact: contact.as_deref(),
                })
                .collect();
            let responses: Vec<Response> = rows
                .iter()
                .map(|(org, latest)| Response {
                    org,
                    first_at: call::from_unix_ms(latest.first_at),
                    version: u32::try_from(latest.version).unwrap_or(u32::MAX),
                    answers: &latest.answers,
                    exposed: Some(latest.exposed),
                    asked: Some(&latest.asked),
                })
                .collect();
            let count = members.len();
            (status::status(&call, &members, &responses, &options), count)
        })
        .await?;
    let action = if identify {
        "call-status-identify"
    } else {
        "call-status"
    };
    let mut entry = caller.entry(action);
    entry.detail = Some(format!(
        "call {id}: {count} organisation(s) in scope, min_group_size={min_group_size}"
    ));
    state.store.audit(entry).await?;
    Ok(Json(status))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SupplierQuery {
    /// The supplier, as any organisation spells it (`Ivanti`, `IVANTI Ltd`).
    name: String,
}

#[utoipa::path(get, path = "/suppliers", params(SupplierQuery),
    responses((status = 200, body = SupplierDependants), (status = 403, body = ErrorBody)))]
pub async fn suppliers(
    State(state): AppStateRef,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Json<SupplierDependants>> {
    caller.require(&[Role::Analyst, Role::Viewer], "read the supplier register")?;
    let q: SupplierQuery = super::routes::query(&uri)?;
    if q.name.len() > 200 || q.name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "name is at most 200 characters of plain text",
        ));
    }
    let key = normalise(&q.name);
    if key.is_empty() {
        return Err(ApiError::bad_request("name a supplier"));
    }
    let mut via: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (org, names) in suppliers_by_org(&state).await? {
        if names.contains(&key) {
            via.entry(org).or_default().insert("assessment".to_string());
        }
    }
    // Calls naming the supplier: those answering `uses = "yes"` depend on it.
    for summary in state.store.calls(None).await? {
        let Some(record) = state.store.call(&summary.id).await? else {
            continue;
        };
        let Ok(call) = call::parse(&SourceFile::new("call", record.source)) else {
            continue;
        };
        if !call
            .suppliers
            .iter()
            .chain(&call.audience.suppliers)
            .any(|s| normalise(s) == key)
        {
            continue;
        }
        for r in state.store.current_responses(&summary.id).await? {
            let uses = serde_json::from_str::<serde_json::Value>(&r.answers)
                .ok()
                .is_some_and(|a| a.get("uses").and_then(|u| u.as_str()) == Some("yes"));
            if uses {
                via.entry(r.org_id)
                    .or_default()
                    .insert(format!("call:{}", summary.id));
            }
        }
    }
    let scope = caller.0.scope.clone();
    let orgs: BTreeMap<String, Organisation> = state
        .store
        .organisations()
        .await?
        .into_iter()
        .filter(|o| in_scope(&scope, o))
        .map(|o| (o.id.clone(), o))
        .collect();
    let dependants: Vec<Dependant> = via
        .into_iter()
        .filter_map(|(id, via)| {
            let org = orgs.get(&id)?;
            Some(Dependant {
                id,
                name: org.name.clone(),
                sector: org.sector.clone(),
                via: via.into_iter().collect(),
            })
        })
        .collect();
    let analyst = caller.role() == Role::Analyst;
    let limit = state.min_group_size;
    let mut entry = caller.entry(if analyst {
        "supplier-dependants"
    } else {
        "supplier-concentration"
    });
    entry.detail = Some(format!(
        "supplier {key:?}: {} organisation(s)",
        dependants.len()
    ));
    state.store.audit(entry).await?;
    let count = dependants.len();
    Ok(Json(SupplierDependants {
        supplier: key,
        organisations: (analyst || count >= limit).then_some(count),
        dependants: analyst.then_some(dependants),
        min_group_size: limit,
    }))
}

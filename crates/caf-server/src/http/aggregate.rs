//! `GET /api/v1/aggregate`: the `caf aggregate` computation over every organisation's current
//! submission, answered as the same `caf.aggregate/1` JSON.
//!
//! The server, not the caller, decides who counts where: each submission is grouped by its
//! organisation's registered sector, region and parent (an [`aggregate::Registered`] from the
//! database replaces what the file claims). A viewer's aggregate covers only its own sector or
//! parent body and never names anyone; an analyst sees everything and may ask for `identify`,
//! which is audit-logged. Disclosure control never goes below the server's minimum group size.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::store::{Organisation, Role, TokenScope};
use caf_api::ErrorBody;
use caf_core::aggregate::{self, GroupBy, Options, Registered, Report, Source};
use caf_core::error::Result;

/// The query string of `GET /aggregate`, mirroring `caf aggregate`'s options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AggregateQuery {
    /// What the groups are: sector (default), region, parent, profile or period.
    group_by: Option<String>,
    /// The period to describe (default: the latest in which at least the minimum group size
    /// of organisations have submitted; all of them with group_by=period).
    period: Option<String>,
    /// Express the figures in this framework (default: the newest found).
    framework: Option<String>,
    /// No published figure describes fewer organisations than this; raised to the server's
    /// minimum (default 5) when lower. The answer's `disclosure.min_group_size` says which applied.
    min_group_size: Option<u32>,
    /// Name organisations in gaps, regressions and supplier lists (analysts only; audit-logged).
    #[serde(default)]
    identify: bool,
}

fn group_by(value: Option<&str>) -> ApiResult<GroupBy> {
    Ok(match value.unwrap_or("sector") {
        "sector" => GroupBy::Sector,
        "region" => GroupBy::Region,
        "parent" => GroupBy::Parent,
        "profile" => GroupBy::Profile,
        "period" => GroupBy::Period,
        _ => {
            return Err(ApiError::bad_request(
                "group_by must be sector, region, parent, profile or period",
            ));
        }
    })
}

fn short_text(what: &str, value: &Option<String>) -> ApiResult<()> {
    match value {
        Some(v) if v.len() > 64 || v.chars().any(char::is_control) => Err(ApiError::bad_request(
            format!("{what} must be at most 64 characters with no control characters"),
        )),
        _ => Ok(()),
    }
}

/// Current submissions held in memory for one aggregation, named by submission id.
struct StoreSource {
    names: Vec<String>,
    items: HashMap<String, (Registered, String)>,
}

impl Source for StoreSource {
    fn list(&self) -> Result<Vec<String>> {
        Ok(self.names.clone())
    }

    fn fetch(&self, name: &str) -> Result<String> {
        Ok(self
            .items
            .get(name)
            .map(|(_, text)| text.clone())
            .unwrap_or_default())
    }

    fn registered(&self, name: &str) -> Option<Registered> {
        self.items.get(name).map(|(r, _)| r.clone())
    }
}

/// Whether a caller with `scope` may see `org` counted in its aggregates.
fn in_scope(scope: &TokenScope, org: &Organisation) -> bool {
    match scope {
        TokenScope::All => true,
        TokenScope::Sector(sector) => org.sector.as_deref() == Some(sector.as_str()),
        TokenScope::Parent(parent) => {
            org.parent.as_deref() == Some(parent.as_str()) || org.id == *parent
        }
        TokenScope::Organisation(_) => false,
    }
}

#[utoipa::path(get, path = "/aggregate", params(AggregateQuery),
    responses(
        (status = 200, description = "The `caf.aggregate/1` report, exactly as `caf aggregate --format json` writes it, over each organisation's current submissions (a viewer: only its sector or parent body)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Submitter and admin tokens; `identify` from anyone but an analyst", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn aggregate(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Json<Report>> {
    caller.require(&[Role::Viewer, Role::Analyst], "read aggregates")?;
    let q: AggregateQuery = super::routes::query(&uri)?;
    if q.identify && caller.role() != Role::Analyst {
        return Err(ApiError::forbidden(
            "only an analyst token may ask for identify",
        ));
    }
    short_text("period", &q.period)?;
    short_text("framework", &q.framework)?;
    let mut options = Options {
        group_by: group_by(q.group_by.as_deref())?,
        period: q.period.clone(),
        framework: q.framework.clone(),
        min_group_size: (q.min_group_size.unwrap_or(0) as usize).max(state.min_group_size),
        identify: q.identify,
    };
    let scope = caller.0.scope.clone();
    let mut names = Vec::new();
    let mut items = HashMap::new();
    let mut periods = Vec::new();
    for (org, submission) in state.store.current_sources().await? {
        if !in_scope(&scope, &org) {
            continue;
        }
        let registered = Registered {
            id: org.id,
            name: org.name,
            sector: org.sector,
            region: org.region,
            parent: org.parent,
        };
        periods.push((registered.id.clone(), submission.summary.period.clone()));
        names.push(submission.summary.id.clone());
        items.insert(submission.summary.id, (registered, submission.source));
    }
    if options.period.is_none() && !matches!(options.group_by, GroupBy::Period) {
        let pairs = periods.iter().map(|(o, p)| (o.as_str(), p.as_str()));
        options.period = super::period::default_for(pairs, options.min_group_size);
    }
    let count = names.len();
    let source = StoreSource { names, items };
    let task_state = state.clone();
    let task_options = options.clone();
    let mut report = state
        .work
        .run(move || aggregate::aggregate(&source, &task_state.catalog, &task_options, &()))
        .await?
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    if !options.identify {
        // A stored submission that no longer validates (the catalogue changed) is counted, but
        // its diagnostics quote the organisation's text: only an identifying analyst sees them.
        for invalid in &mut report.invalid {
            invalid.error = "not valid under this server's framework catalogue".to_string();
        }
    }
    state
        .store
        .audit(crate::store::AuditEntry {
            action: if options.identify {
                "aggregate-identify"
            } else {
                "aggregate"
            },
            detail: Some(format!(
                "group_by={} period={} framework={} min_group_size={}; {count} current submission(s)",
                options.group_by.key(),
                options.period.as_deref().unwrap_or("latest"),
                options.framework.as_deref().unwrap_or("newest"),
                options.min_group_size
            )),
            ..caller.entry("aggregate")
        })
        .await?;
    Ok(Json(report))
}

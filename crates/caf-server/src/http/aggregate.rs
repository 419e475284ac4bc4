//! `GET /api/v1/aggregate`: the `caf aggregate` computation over every organisation's current
//! submission, answered as the same `caf.aggregate/1` JSON.
//!
//! The server, not the caller, decides who counts where: each submission is grouped by its
//! organisation's registered sector, region and parent (an [`aggregate::Registered`] from the
//! database replaces what the file claims). Disclosure control never goes below the server's
//! minimum group size.
//!
//! Two kinds of answer (`docs/disclosure.md`):
//! - an **analyst** gets exact figures over the live current submissions, and may ask for
//!   `identify`; every such read is audit-logged;
//! - a **viewer** gets published figures of a release (a period frozen by `POST /releases`),
//!   never the live data: its own sector or parent body, perturbed, with every set of
//!   organisations that differs from another publishable one by fewer than the limit withheld,
//!   and never a name. The release is named in the `caf-release` response header.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri};
use futures_util::{Stream, TryStreamExt};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::current;
use super::error::{ApiError, ApiResult};
use crate::store::{AuditEntry, DigestRow, Organisation, Release, Role, StoreResult, TokenScope};
use caf_api::ErrorBody;
use caf_core::aggregate::publish::{Publication, View, cellkey::Secret};
use caf_core::aggregate::{
    self, Digest, Fold, GroupBy, Options, Registered, RegisteredRef, Report,
};

/// The query string of `GET /aggregate`, mirroring `caf aggregate`'s options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AggregateQuery {
    /// What the groups are: sector (default), region, parent, profile or period.
    group_by: Option<String>,
    /// The period to describe (default: the latest in which at least the minimum group size
    /// of organisations have submitted; all of them with group_by=period). For a viewer, the
    /// period's release (default: the latest release).
    period: Option<String>,
    /// Express the figures in this framework (default: the newest found).
    framework: Option<String>,
    /// No published figure describes fewer organisations than this; raised to the server's
    /// minimum (default 5) when lower; a viewer's releases always use the server's minimum.
    /// The answer's `disclosure.min_group_size` says which applied.
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

/// Submissions folded per trip to the blocking pool (a few hundred kilobytes of digests).
const BATCH: usize = 2048;

/// The registry's record of an organisation, which replaces what its file claims.
fn registered(org: &Organisation) -> Registered {
    Registered {
        id: org.id.clone(),
        name: org.name.clone(),
        sector: org.sector.clone(),
        region: org.region.clone(),
        parent: org.parent.clone(),
    }
}

/// [`registered`], borrowed: the fold copies only what its accumulators keep.
fn registered_ref(org: &Organisation) -> RegisteredRef<'_> {
    RegisteredRef {
        id: &org.id,
        name: &org.name,
        sector: org.sector.as_deref(),
        region: org.region.as_deref(),
        parent: org.parent.as_deref(),
    }
}

/// What the rows of one aggregate gave.
#[derive(Debug)]
pub struct Folded {
    fold: Fold,
    /// Submissions folded.
    count: usize,
    /// The default period of the submissions folded, when it was asked for.
    default_period: Option<String>,
}

/// Folds the submissions `rows` streams (those `keep` accepts) from their stored digests,
/// batch by batch on the blocking pool, so memory grows with the organisations and not with
/// their texts; a submission without a usable digest (see `store/digests.rs`) is read from
/// its text, one at a time, as `caf aggregate` would read it.
async fn fold_rows(
    state: &Arc<AppState>,
    rows: impl Stream<Item = StoreResult<DigestRow>>,
    keep: impl Fn(&Organisation) -> bool,
    group_by: GroupBy,
) -> ApiResult<Folded> {
    let mut rows = std::pin::pin!(rows);
    let mut fold = Fold::new(group_by);
    let mut count = 0;
    let mut unread = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let row = rows.try_next().await?;
        let done = row.is_none();
        if let Some(row) = row.filter(|r| keep(&r.organisation)) {
            count += 1;
            batch.push(row);
        }
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            let task = state.clone();
            let (folded, stale) = state
                .work
                .run(move || {
                    let mut stale = fold.add_batch(&rows, |row| {
                        let digest = task.codec.decode(row.digest.as_deref()?)?;
                        let org = Some(registered(&row.organisation));
                        Some((row.submission_id.clone(), digest, org))
                    });
                    stale.sort_unstable();
                    let stale: Vec<DigestRow> = (rows.into_iter().enumerate())
                        .filter(|(i, _)| stale.binary_search(i).is_ok())
                        .map(|(_, row)| row)
                        .collect();
                    (fold, stale)
                })
                .await?;
            fold = folded;
            unread.extend(stale);
        }
        if done {
            break;
        }
    }
    let unread = (unread.into_iter()).map(|row| (row.submission_id, row.organisation));
    let fold = read_texts(state, fold, unread).await?;
    Ok(Folded {
        fold,
        count,
        default_period: None,
    })
}

/// Folds submissions without a usable digest, (id, organisation), from their texts, one at a
/// time, as `caf aggregate` would read them.
async fn read_texts(
    state: &Arc<AppState>,
    mut fold: Fold,
    unread: impl IntoIterator<Item = (String, Organisation)>,
) -> ApiResult<Fold> {
    for (id, organisation) in unread {
        let text = state.store.submission_text(&id).await?;
        let task = state.clone();
        fold = state
            .work
            .run(move || {
                let text = text.unwrap_or_default();
                let digest = aggregate::digest_of_text(&id, &text, &task.catalog);
                fold.add(&id, digest, Some(registered(&organisation)));
                fold
            })
            .await?;
    }
    Ok(fold)
}

/// What a fold of the current submissions depends on besides them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FoldKey {
    scope: TokenScope,
    group_by: GroupBy,
    default_period_min: Option<usize>,
}

/// The folds of the current submissions most recently made, each with the generation of the
/// submissions it folded ([`current::Current::entries`]): an analyst's dashboard asks the same
/// few questions again and again, and until a submission changes the fold is the same, so
/// only the report is computed again (it depends on the period, framework and limit asked).
/// A few folds of a few bytes per organisation and outcome each; none outlives a change.
#[derive(Debug, Default)]
pub struct Folds {
    recent: std::sync::Mutex<Vec<(u64, FoldKey, Arc<Folded>)>>,
}

/// Folds kept: one per scope and grouping in use at once.
const FOLDS_KEPT: usize = 4;

impl Folds {
    /// The fold for `key` of the generation before `generation`, taken out to be brought up
    /// to date, unless a request is still reading it.
    fn take_previous(&self, generation: u64, key: &FoldKey) -> Option<Folded> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let at = (recent.iter()).position(|(g, k, folded)| {
            *g + 1 == generation && k == key && Arc::strong_count(folded) == 1
        })?;
        Arc::try_unwrap(recent.remove(at).2).ok()
    }

    fn get(&self, generation: u64, key: &FoldKey) -> Option<Arc<Folded>> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        (recent.iter())
            .find(|(g, k, _)| *g == generation && k == key)
            .map(|(_, _, folded)| folded.clone())
    }

    /// Keeps `folded`; returns the folds it replaces, for the caller to free off the
    /// request's path (20,000 organisations' entries take a core some 15 ms to free).
    #[must_use]
    fn put(&self, generation: u64, key: FoldKey, folded: Arc<Folded>) -> Vec<Arc<Folded>> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let (kept, mut replaced): (Vec<_>, Vec<_>) = std::mem::take(&mut *recent)
            .into_iter()
            .partition(|(g, k, _)| *g == generation && *k != key);
        *recent = kept;
        if recent.len() == FOLDS_KEPT {
            replaced.push(recent.remove(0));
        }
        recent.push((generation, key, folded));
        replaced.into_iter().map(|(_, _, f)| f).collect()
    }
}

/// [`fold_current`] over the submissions in `scope`: the same fold made earlier if no
/// submission has changed since, or the fold of the generation before brought up to date.
async fn fold_current_cached(
    state: &Arc<AppState>,
    scope: TokenScope,
    group_by: GroupBy,
    default_period_min: Option<usize>,
) -> ApiResult<Arc<Folded>> {
    let snapshot = state.current.entries(state).await?;
    let generation = snapshot.generation;
    let key = FoldKey {
        scope,
        group_by,
        default_period_min,
    };
    if let Some(folded) = state.folds.get(generation, &key) {
        return Ok(folded);
    }
    let previous = (snapshot.change.clone())
        .and_then(|change| Some((state.folds.take_previous(generation, &key)?, change)));
    let scope = key.scope.clone();
    let keep = move |org: &Organisation| in_scope(&scope, org);
    let folded = fold_current(
        state,
        snapshot.all,
        previous,
        keep,
        group_by,
        default_period_min,
    );
    let folded = Arc::new(folded.await?);
    let replaced = state.folds.put(generation, key, folded.clone());
    if !replaced.is_empty() {
        // Freed while this request's report is computed on one core.
        tokio::task::spawn_blocking(move || drop(replaced));
    }
    Ok(folded)
}

/// Folds every organisation's current submission among `entries` that `keep` accepts, from
/// the digests kept in memory ([`current`]), or brings `previous`, the fold of the entries
/// before `change`, up to date by taking out and folding in again the organisations it
/// touched; with `default_period_min`, finds the default period for that minimum group size
/// too.
async fn fold_current(
    state: &Arc<AppState>,
    entries: Arc<Vec<Arc<current::Entry>>>,
    previous: Option<(Folded, Arc<current::Change>)>,
    keep: impl Fn(&Organisation) -> bool + Send + 'static,
    group_by: GroupBy,
    default_period_min: Option<usize>,
) -> ApiResult<Folded> {
    let (fold, count, default_period, unread) = state
        .work
        .run(move || {
            let default_period = default_period_min.and_then(|min| {
                let pairs = (entries.iter())
                    .filter(|e| keep(&e.organisation))
                    .map(|e| (e.organisation.id.as_str(), e.period.as_str()));
                super::period::default_for(pairs, min)
            });
            let unread_of =
                |added: &[&current::Entry], unread: Vec<usize>| -> Vec<(String, Organisation)> {
                    (unread.into_iter())
                        .map(|i| {
                            (
                                added[i].submission_id.clone(),
                                added[i].organisation.clone(),
                            )
                        })
                        .collect()
                };
            if let Some((mut previous, change)) = previous {
                let (removed, added) = (kept(&change.removed, &keep), kept(&change.added, &keep));
                // Refused when a submission taken out was read from its text: folded afresh.
                if previous.fold.remove_batch_borrowed(&removed, lent) {
                    let unread = previous.fold.add_batch_borrowed(&added, lent);
                    let count = (previous.count + added.len()).saturating_sub(removed.len());
                    return (
                        previous.fold,
                        count,
                        default_period,
                        unread_of(&added, unread),
                    );
                }
            }
            let kept = kept(&entries, &keep);
            let mut fold = Fold::new(group_by);
            let unread = fold.add_batch_borrowed(&kept, lent);
            (fold, kept.len(), default_period, unread_of(&kept, unread))
        })
        .await?;
    let fold = read_texts(state, fold, unread).await?;
    Ok(Folded {
        fold,
        count,
        default_period,
    })
}

/// The entries `keep` accepts.
fn kept<'e>(
    entries: &'e [Arc<current::Entry>],
    keep: &impl Fn(&Organisation) -> bool,
) -> Vec<&'e current::Entry> {
    (entries.iter())
        .map(Arc::as_ref)
        .filter(|e| keep(&e.organisation))
        .collect()
}

/// An entry's digest and organisation as a fold borrows them; `None` without a digest.
fn lent<'t>(entry: &'t &current::Entry) -> Option<(&'t Digest, RegisteredRef<'t>)> {
    Some((entry.digest.as_ref()?, registered_ref(&entry.organisation)))
}

/// Whether a caller with `scope` may see `org` counted in its aggregates (and call statuses).
pub(super) fn in_scope(scope: &TokenScope, org: &Organisation) -> bool {
    match scope {
        TokenScope::All => true,
        TokenScope::Sector(sector) => org.sector.as_deref() == Some(sector.as_str()),
        TokenScope::Parent(parent) => {
            org.parent.as_deref() == Some(parent.as_str()) || org.id == *parent
        }
        TokenScope::Organisation(_) | TokenScope::Assigned => false,
    }
}

/// The viewer's part of a release.
fn view(scope: &TokenScope) -> ApiResult<View> {
    Ok(match scope {
        TokenScope::All => View::All,
        TokenScope::Sector(sector) => View::Sector(sector.clone()),
        TokenScope::Parent(parent) => View::Parent(parent.clone()),
        TokenScope::Organisation(_) | TokenScope::Assigned => {
            return Err(ApiError::forbidden(
                "an organisation token reads no aggregate",
            ));
        }
    })
}

/// The release of `period`, or the latest.
async fn release(state: &AppState, period: Option<&str>) -> ApiResult<Release> {
    let releases = state.store.releases().await?;
    let found = match period {
        Some(p) => releases.into_iter().find(|r| r.period == p),
        None => releases.into_iter().last(),
    };
    found.ok_or_else(|| {
        ApiError::not_found(match period {
            Some(p) => format!("no release for period `{p}`; viewers see releases only"),
            None => "no release yet; viewers see releases only, cut by an administrator or analyst"
                .to_string(),
        })
    })
}

#[utoipa::path(get, path = "/aggregate", params(AggregateQuery),
    responses(
        (status = 200, description = "The `caf.aggregate/1` report, as `caf aggregate --format json` writes it. An analyst: exact figures over each organisation's current submissions, audit-logged. A viewer: the published figures (`disclosure.published`) of a release, its sector or parent body only; the `caf-release` header names the release", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Submitter and admin tokens; `identify` from anyone but an analyst", body = ErrorBody),
        (status = 404, description = "A viewer, and no release (for the period asked)", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn aggregate(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    uri: Uri,
) -> ApiResult<(HeaderMap, Json<Report>)> {
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
        publication: None,
    };
    let scope = caller.0.scope.clone();
    let started = std::time::Instant::now();
    let (folded, release) = if caller.role() == Role::Analyst {
        let default_period = (options.period.is_none()
            && !matches!(options.group_by, GroupBy::Period))
        .then_some(options.min_group_size);
        let folded = fold_current_cached(&state, scope, options.group_by, default_period).await?;
        if default_period.is_some() {
            options.period = folded.default_period.clone();
        }
        (folded, None)
    } else {
        // The whole release, not only the viewer's part: what is withheld is decided across
        // every part anyone may see.
        let release = release(&state, q.period.as_deref()).await?;
        let secret =
            Secret::new(state.store.disclosure_secret().await?).ok_or_else(ApiError::internal)?;
        options.period = Some(release.period.clone());
        // One limit for every viewer: what is withheld at one limit and published at another
        // would be a difference the checks never saw.
        options.min_group_size = state.min_group_size;
        options.publication = Some(Publication {
            secret,
            view: view(&scope)?,
        });
        let rows = state.store.release_digests(&release.id);
        let folded = fold_rows(&state, rows, |_| true, options.group_by).await?;
        (Arc::new(folded), Some(release))
    };
    let count = folded.count;
    let folding = started.elapsed();
    let task_state = state.clone();
    let task_options = options.clone();
    let mut report = state
        .work
        .run(move || folded.fold.finish(&task_state.catalog, &task_options))
        .await?
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    tracing::debug!(
        submissions = count,
        fold_micros = folding.as_micros() as u64,
        finish_micros = (started.elapsed() - folding).as_micros() as u64,
        "aggregate"
    );
    if !options.identify {
        // A stored submission that no longer validates (the catalogue changed) is counted, but
        // its diagnostics quote the organisation's text: only an identifying analyst sees them.
        for invalid in &mut report.invalid {
            invalid.error = "not valid under this server's framework catalogue".to_string();
        }
    }
    let action = match (&release, options.identify) {
        (Some(_), _) => "aggregate-release",
        (None, true) => "aggregate-identify",
        (None, false) => "aggregate",
    };
    state
        .store
        .audit(AuditEntry {
            action,
            detail: Some(format!(
                "group_by={} period={} framework={} min_group_size={}; {}",
                options.group_by.key(),
                options.period.as_deref().unwrap_or("latest"),
                options.framework.as_deref().unwrap_or("newest"),
                options.min_group_size,
                match &release {
                    Some(r) => format!("release {}", r.id),
                    None => format!("{count} current submission(s), exact"),
                }
            )),
            ..caller.entry(action)
        })
        .await?;
    let mut headers = HeaderMap::new();
    if let Some(r) = &release
        && let Ok(value) = HeaderValue::from_str(&r.id)
    {
        headers.insert("caf-release", value);
    }
    Ok((headers, Json(report)))
}

//! Each call's current responses, kept in memory and brought up to date on every status
//! request from the responses committed since the last one (`Store::responses_since`).
//!
//! A status over 20,000 responses used to read and check every answer document per request;
//! now a request reads what arrived since the previous one (usually a handful of rows) and
//! checks only those. Every response takes its place in its call's order of commits in the
//! transaction that stores it, so "after place N" never misses one, on SQLite and on
//! PostgreSQL with several servers writing. The picture for a call is rebuilt from nothing
//! when the call gets a new version (older answers are checked again against the new one).
//! Nothing here decides who may see what: the status handler filters by scope and
//! disclosure control as before.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Mutex;

use super::AppState;
use super::error::ApiResult;
use crate::store::ResponseChange;
use caf_core::call::{self, Call};

/// The most calls kept; past it the map is emptied (far more calls than are ever open at once).
const CALLS: usize = 64;

/// An organisation's current response, checked against the call.
#[derive(Debug, Clone)]
pub struct Latest {
    pub version: i64,
    /// When it first answered (its first version), Unix milliseconds.
    pub first_at: i64,
    pub answers: Arc<call::Answers>,
    /// Whether the call's `exposed` rule holds for the answers (checked with them).
    pub exposed: bool,
    /// Whether each of the call's questions was put to it (its `when` held), in call order.
    pub asked: Arc<[bool]>,
}

#[derive(Default)]
struct Picture {
    /// The call version the answers were checked against.
    call_version: i64,
    /// The last place read in the call's order of commits (-1: nothing read yet).
    seen: i64,
    /// Shared with the status computations reading it; copied only if one still holds it
    /// when new responses arrive.
    orgs: Arc<HashMap<String, Latest>>,
}

/// The pictures, by call id.
#[derive(Default)]
pub struct Current(std::sync::Mutex<HashMap<String, Arc<Mutex<Picture>>>>);

impl Current {
    fn picture(&self, id: &str) -> Arc<Mutex<Picture>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(picture) = map.get(id) {
            return picture.clone();
        }
        if map.len() >= CALLS {
            map.clear();
        }
        let picture = Arc::new(Mutex::new(Picture {
            seen: -1,
            ..Picture::default()
        }));
        map.insert(id.to_string(), picture.clone());
        picture
    }
}

/// Every organisation's current response to call `id` (at `version`, parsed as `call`), as
/// of now: what was kept, and the responses committed since (by organisation id).
pub async fn responses(
    state: &Arc<AppState>,
    id: &str,
    version: i64,
    call: &Arc<Call>,
) -> ApiResult<Arc<HashMap<String, Latest>>> {
    let picture = state.call_answers.picture(id);
    let mut picture = picture.lock().await;
    if picture.call_version != version {
        *picture = Picture {
            call_version: version,
            seen: -1,
            orgs: Arc::default(),
        };
    }
    let changes = state.store.responses_since(id, picture.seen).await?;
    if let Some(last) = changes.last() {
        // In order of place: the last row holds the highest.
        let seen = last.seq;
        let known: HashMap<String, (i64, i64)> = changes
            .iter()
            .filter_map(|c| {
                let kept = picture.orgs.get(&c.org_id)?;
                Some((c.org_id.clone(), (kept.version, kept.first_at)))
            })
            .collect();
        let call = call.clone();
        let updated = state
            .work
            .run(move || apply(changes, &known, &call))
            .await?;
        Arc::make_mut(&mut picture.orgs).extend(updated);
        picture.seen = seen;
    }
    Ok(picture.orgs.clone())
}

/// The new current response of each organisation in `changes` whose latest version there is
/// newer than the one kept (`known`: version and first answer of those already kept).
fn apply(
    changes: Vec<ResponseChange>,
    known: &HashMap<String, (i64, i64)>,
    call: &Call,
) -> Vec<(String, Latest)> {
    let mut newest: HashMap<String, (ResponseChange, i64)> = HashMap::new();
    for change in changes {
        let first = change.received_at;
        match newest.get_mut(&change.org_id) {
            Some((kept, first_at)) => {
                *first_at = (*first_at).min(first);
                if change.version > kept.version {
                    *kept = change;
                }
            }
            None => {
                newest.insert(change.org_id.clone(), (change, first));
            }
        }
    }
    newest
        .into_iter()
        .filter_map(|(org, (change, first_at))| {
            let (first_at, newer) = match known.get(&org) {
                Some((version, kept_first)) => {
                    ((*kept_first).min(first_at), change.version > *version)
                }
                None => (first_at, true),
            };
            // A version older than the one kept cannot arrive after it; if it does, the
            // kept one stands.
            if !newer {
                return None;
            }
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&change.answers).ok()?;
            // Checked when stored; a later call version may no longer fit an older answer,
            // which then counts as given (its fitting parts) rather than vanishing.
            let answers =
                call::answers::from_json(&map, call).unwrap_or_else(|_| lenient(&map, call));
            Some((
                org,
                Latest {
                    version: change.version,
                    first_at,
                    exposed: call.is_exposed(&answers),
                    asked: (call.questions.iter())
                        .map(|q| call::answers::is_asked(q, &answers))
                        .collect(),
                    answers: Arc::new(answers),
                },
            ))
        })
        .collect()
}

/// The answers of `map` that still fit `call`, each on its own.
pub fn lenient(map: &serde_json::Map<String, serde_json::Value>, call: &Call) -> call::Answers {
    map.iter()
        .filter_map(|(k, v)| {
            let q = call.question(k)?;
            let value = call::answers::fit(q, &call::answers::Raw::from_json(v)).ok()?;
            Some((q.id.clone(), value))
        })
        .collect()
}

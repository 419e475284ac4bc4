//! Each call's audience resolved to the organisations as registered, with their contacts, kept
//! in memory so that a status does not read 20,000 organisations on every request.
//!
//! The audience itself is fixed per call version (`call_audience` grows only with a new
//! version). What can move under it is the registry and the contacts, by any writer (another
//! server on the same database, `caf admin`, a person with SQL): the database records changed
//! organisations in `aggregate_changes` (migrations 0007, the mark `http/current.rs` uses) and
//! counts changes to the contacts in `contact_changes` (0011). A request asks both (two cheap
//! questions) and reads the audience again when either moved. Nothing here decides who may see
//! what: the status handler filters by scope as before.

use std::collections::HashMap;
use std::sync::Arc;

use super::AppState;
use super::error::ApiResult;
use crate::store::Organisation;

/// The most calls kept; past it the map is emptied (far more calls than are ever open at once).
const CALLS: usize = 64;

/// A call's audience as read at one point.
pub struct Resolved {
    call_version: i64,
    /// `Store::change_mark` taken before reading: changes at or after it are not known here.
    mark: i64,
    /// `Store::contact_changes` taken before reading.
    contacts: i64,
    /// The addressed organisations, in id order, with their contacts.
    pub members: Vec<(Organisation, Option<String>)>,
}

/// The resolved audiences, by call id.
#[derive(Default)]
pub struct Audiences(std::sync::Mutex<HashMap<String, Arc<Resolved>>>);

impl Audiences {
    fn kept(&self, id: &str) -> Option<Arc<Resolved>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).cloned()
    }

    fn keep(&self, id: &str, resolved: Arc<Resolved>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CALLS && !map.contains_key(id) {
            map.clear();
        }
        map.insert(id.to_string(), resolved);
    }
}

/// The organisations call `id` (at `version`) is addressed to, as registered now, in id order.
pub async fn members(state: &Arc<AppState>, id: &str, version: i64) -> ApiResult<Arc<Resolved>> {
    // Both taken before looking, so that nothing committed meanwhile is missed.
    let mark = state.store.change_mark().await?;
    let contacts = state.store.contact_changes().await?;
    if let Some(kept) = state.call_audiences.kept(id)
        && kept.call_version == version
        && kept.contacts == contacts
        && state
            .store
            .changed_organisations(kept.mark)
            .await?
            .is_empty()
    {
        return Ok(kept);
    }
    let resolved = Arc::new(Resolved {
        call_version: version,
        mark,
        contacts,
        members: state.store.call_members(id).await?,
    });
    state.call_audiences.keep(id, resolved.clone());
    Ok(resolved)
}

//! Period-to-period comparison: how each outcome's status changed since an earlier assessment.
//!
//! Within one framework version, outcomes are matched by id. Across versions they are matched
//! only through the catalogue's mapping, because ids alone mislead (v3.2 `A2.b` is Assurance,
//! v4.0 `A2.b` is Understanding Threat); an outcome whose link is not comparable
//! ([`Relation::comparable`]) is marked as such rather than given a change it does not have.

use serde::Serialize;

use super::Report;
use crate::assessment::LoadedAssessment;
use crate::error::{Error, Result};
use crate::framework::{Catalog, Relation, Status};
use crate::scoring;

/// What happened to one outcome between the two periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Improved,
    Regressed,
    Unchanged,
    /// Answered now but not before (or not in the earlier framework at all).
    New,
    /// Answered before, not now.
    NoLongerAssessed,
    /// Not answered in either period.
    NotAssessed,
    /// The outcome was redefined between versions: the statuses measure different things.
    NotComparable,
}

impl Change {
    pub const ALL: [Change; 7] = [
        Change::Improved,
        Change::Regressed,
        Change::Unchanged,
        Change::New,
        Change::NoLongerAssessed,
        Change::NotComparable,
        Change::NotAssessed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Change::Improved => "Improved",
            Change::Regressed => "Regressed",
            Change::Unchanged => "Unchanged",
            Change::New => "New",
            Change::NoLongerAssessed => "No longer assessed",
            Change::NotAssessed => "Not assessed",
            Change::NotComparable => "Not comparable",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Change::Improved => "improved",
            Change::Regressed => "regressed",
            Change::Unchanged => "unchanged",
            Change::New => "new",
            Change::NoLongerAssessed => "no-longer-assessed",
            Change::NotAssessed => "not-assessed",
            Change::NotComparable => "not-comparable",
        }
    }

    fn between(previous: Option<Status>, current: Status) -> Self {
        let before = previous.and_then(Status::rank);
        match (before, current.rank()) {
            (None, None) => Change::NotAssessed,
            (None, Some(_)) => Change::New,
            (Some(_), None) => Change::NoLongerAssessed,
            (Some(b), Some(c)) if c > b => Change::Improved,
            (Some(b), Some(c)) if c < b => Change::Regressed,
            _ => Change::Unchanged,
        }
    }
}

/// One current outcome against its earlier counterpart.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: String,
    pub title: String,
    /// The outcome it is compared with in the earlier assessment, when there is one.
    pub previous_id: Option<String>,
    pub relation: Relation,
    pub previous_status: Option<Status>,
    pub status: Status,
    pub change: Change,
    pub change_label: &'static str,
    /// Why the match is what it is (from the mapping), when that needs saying.
    pub note: String,
}

/// An earlier outcome with no counterpart now.
#[derive(Debug, Clone, Serialize)]
pub struct RemovedOutcome {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousAssessment {
    pub file: String,
    pub sha256: String,
    pub framework: scoring::FrameworkSummary,
    pub period: Option<String>,
    pub date: Option<String>,
    pub organisation: String,
    /// False when the two files name different organisations: the comparison still runs, and
    /// every format says so.
    pub same_organisation: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeCount {
    pub change: Change,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub previous: PreviousAssessment,
    /// Whether a version mapping was used.
    pub across_versions: bool,
    pub counts: Vec<ChangeCount>,
    /// One row per current outcome, in framework order.
    pub rows: Vec<ChangeRow>,
    pub removed: Vec<RemovedOutcome>,
}

impl Comparison {
    pub fn count(&self, change: Change) -> usize {
        self.rows.iter().filter(|r| r.change == change).count()
    }
}

/// Compares the report's outcomes with an earlier assessment (scored without targets: only the
/// statuses are compared).
pub fn compare(
    report: &Report,
    previous: &LoadedAssessment,
    catalog: &Catalog,
) -> Result<Comparison> {
    let before_fw = &previous.framework;
    let current_fw_id = &report.cover.framework.id;
    let before = scoring::score(before_fw, &previous.assessment, None);
    let status_before = |id: &str| before.outcome(id).map(|o| o.status);

    let mapping = if &before_fw.id == current_fw_id {
        None
    } else {
        Some(
            catalog
                .mapping(&before_fw.id, current_fw_id)
                .ok_or_else(|| Error::NoMapping {
                    from: before_fw.id.clone(),
                    to: current_fw_id.clone(),
                    purpose: "compare the two assessments",
                })?,
        )
    };

    let rows: Vec<ChangeRow> = report
        .outcomes
        .iter()
        .map(|o| {
            // The principal link: lineage links (split, merged, partial) say where statements
            // went, and are never compared.
            let (previous_id, relation, comparable, note) = match &mapping {
                None => (Some(o.id.clone()), Relation::Same, true, String::new()),
                Some(m) => match m.backward(&o.id) {
                    Some(link) => (
                        link.from.as_ref().map(ToString::to_string),
                        link.relation,
                        link.comparable,
                        link.note.clone(),
                    ),
                    None => (None, Relation::Added, false, String::new()),
                },
            };
            let previous_status = previous_id.as_deref().and_then(status_before);
            let change = if !comparable && previous_id.is_some() {
                Change::NotComparable
            } else if comparable {
                Change::between(previous_status, o.status)
            } else {
                // Added in the newer version: there is nothing to compare with.
                Change::between(None, o.status)
            };
            ChangeRow {
                id: o.id.clone(),
                title: o.title.clone(),
                previous_id,
                relation,
                previous_status,
                status: o.status,
                change,
                change_label: change.label(),
                note,
            }
        })
        .collect();

    let removed = match &mapping {
        None => Vec::new(),
        Some(m) => m
            .links
            .iter()
            .filter(|l| l.relation == Relation::Removed)
            .filter_map(|l| {
                let id = l.from.as_ref()?;
                let outcome = before.outcome(id.as_str())?;
                Some(RemovedOutcome {
                    id: id.to_string(),
                    title: outcome.title.clone(),
                    status: outcome.status,
                    note: l.note.clone(),
                })
            })
            .collect(),
    };

    let counts = Change::ALL
        .into_iter()
        .map(|change| ChangeCount {
            change,
            label: change.label(),
            count: rows.iter().filter(|r| r.change == change).count(),
        })
        .collect();

    Ok(Comparison {
        previous: PreviousAssessment {
            file: super::file_name(previous.source.name()),
            sha256: previous.content_hash(),
            framework: before.framework.clone(),
            period: previous.assessment.period.clone(),
            date: previous.assessment.scope.date.map(|d| d.to_string()),
            organisation: previous.assessment.organisation.name.clone(),
            same_organisation: previous.assessment.organisation.id == report.cover.organisation.id,
        },
        across_versions: mapping.is_some(),
        counts,
        rows,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_follow_the_achievement_scale() {
        use Status::*;
        assert_eq!(
            Change::between(Some(NotAchieved), Achieved),
            Change::Improved
        );
        assert_eq!(
            Change::between(Some(Achieved), PartiallyAchieved),
            Change::Regressed
        );
        assert_eq!(Change::between(Some(Achieved), Achieved), Change::Unchanged);
        assert_eq!(Change::between(Some(NotAssessed), Achieved), Change::New);
        assert_eq!(Change::between(None, NotAchieved), Change::New);
        assert_eq!(
            Change::between(Some(Achieved), NotAssessed),
            Change::NoLongerAssessed
        );
        assert_eq!(Change::between(None, NotAssessed), Change::NotAssessed);
    }
}

//! Period-to-period comparison: how each outcome's status changed since an earlier assessment.
//!
//! Within one framework version, outcomes are matched by id. Across versions they are matched
//! only through the catalogue's mapping, because ids alone mislead (v3.2 `A2.b` is Assurance,
//! v4.0 `A2.b` is Understanding Threat); an outcome whose link is not comparable
//! ([`Relation::comparable`]) is marked as such rather than given a change it does not have.

use serde::Serialize;

use super::Report;
use crate::assessment::LoadedAssessment;
use crate::diagnostic::{Code, Diagnostic};
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

/// Why "meets its target" is different now: the organisation's answer, the target (a new
/// framework version's profile asks for more or less), or both. Across v3.2 and v4.0 the
/// GovAssure targets differ for most outcomes, so a met verdict can change with no change in
/// what the organisation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetChange {
    /// The status changed; the target did not.
    ByAnswer,
    /// The target changed; the status did not.
    ByMethod,
    /// Both changed.
    ByAnswerAndMethod,
}

/// What a met verdict rests on: the status, the target and whether the one meets the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub status: Option<Status>,
    pub target: Option<Status>,
    pub met: Option<bool>,
}

impl MetChange {
    /// Why the verdict differs between `before` and `now` (`None` when it does not, or either
    /// has none): the one rule the comparison and the aggregate trend share.
    pub fn of(before: Verdict, now: Verdict) -> Option<MetChange> {
        let (Some(was), Some(is)) = (before.met, now.met) else {
            return None;
        };
        if was == is {
            return None;
        }
        let by_answer = before.status != now.status;
        let by_method = before.target != now.target;
        Some(match (by_answer, by_method) {
            (true, false) => MetChange::ByAnswer,
            (false, true) => MetChange::ByMethod,
            _ => MetChange::ByAnswerAndMethod,
        })
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
    /// The earlier outcome's target under the profile of the same id, and whether it met it.
    pub previous_target: Option<Status>,
    pub previous_met: Option<bool>,
    pub target: Option<Status>,
    pub met: Option<bool>,
    /// Set when the two `met` verdicts differ on a comparable outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_change: Option<MetChange>,
    /// That difference in words, for people; empty when there is none.
    pub met_note: String,
}

/// Whether the met verdict changed and why, in a value and a sentence.
fn met_change(comparable: bool, before: Verdict, now: Verdict) -> (Option<MetChange>, String) {
    let Some(change) = MetChange::of(before, now).filter(|_| comparable) else {
        return (None, String::new());
    };
    let yes_no = |m: Option<bool>| if m == Some(true) { "yes" } else { "no" };
    let targets = || {
        format!(
            "{} → {}",
            before.target.map_or("none", Status::label),
            now.target.map_or("none", Status::label)
        )
    };
    let why = match change {
        MetChange::ByAnswer => "because the answer changed".to_string(),
        MetChange::ByMethod => {
            format!("because the target changed ({}), not the answer", targets())
        }
        MetChange::ByAnswerAndMethod => {
            format!(
                "because both the answer and the target ({}) changed",
                targets()
            )
        }
    };
    (
        Some(change),
        format!(
            "Meets target: {} → {}, {why}.",
            yes_no(before.met),
            yes_no(now.met)
        ),
    )
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
    /// Outcomes whose met verdict changed because the answer changed, because the target
    /// changed, and because both did.
    pub met_by_answer: usize,
    pub met_by_method: usize,
    pub met_by_answer_and_method: usize,
    /// Those counts in a sentence, when any verdict changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_summary: Option<String>,
    /// One row per current outcome, in framework order.
    pub rows: Vec<ChangeRow>,
    pub removed: Vec<RemovedOutcome>,
}

impl Comparison {
    pub fn count(&self, change: Change) -> usize {
        self.rows.iter().filter(|r| r.change == change).count()
    }
}

/// What a comparison may accept.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompareOptions {
    /// Compare with another organisation's assessment (refused otherwise).
    pub allow_other_organisation: bool,
}

/// The year a period starts in: the first four digits (`2026/27`, `2026-27`, `FY2026`).
fn period_start(period: &str) -> Option<u32> {
    let bytes = period.as_bytes();
    bytes
        .windows(4)
        .position(|w| w.iter().all(u8::is_ascii_digit))
        .and_then(|i| period[i..i + 4].parse().ok())
}

/// The spans of the keys a refusal points at, read again from the earlier file's text.
#[derive(serde::Deserialize)]
struct Keys {
    period: Option<toml::Spanned<String>>,
    organisation: KeysOrganisation,
}

#[derive(serde::Deserialize)]
struct KeysOrganisation {
    id: toml::Spanned<String>,
}

/// Refuses an "earlier" assessment that would make the comparison say something false: another
/// organisation's (unless allowed), one for a later period, or this very file. Each refusal
/// points at the key in the earlier file that shows it.
pub fn check_previous(
    report: &Report,
    previous: &LoadedAssessment,
    options: CompareOptions,
) -> Result<()> {
    let source = &previous.source;
    let keys: Option<Keys> = toml::from_str(source.text()).ok();
    let locate = |diagnostic: Diagnostic, span: Option<std::ops::Range<usize>>| match span {
        Some(span) => diagnostic.at(source, span),
        None => diagnostic.in_file(source.name()),
    };
    let mut found = Vec::new();
    if previous.content_hash() == report.cover.source.sha256 {
        found.push(
            Diagnostic::error(
                Code::CompareSameContent,
                "the earlier assessment has exactly this assessment's content, so nothing can \
                 have changed",
            )
            .in_file(source.name())
            .help("compare with last period's file"),
        );
    }
    let current_org = &report.cover.organisation.id;
    let previous_org = &previous.assessment.organisation.id;
    if previous_org != current_org && !options.allow_other_organisation {
        found.push(locate(
            Diagnostic::error(
                Code::CompareOtherOrganisation,
                format!(
                    "the earlier assessment is of organisation `{previous_org}`, this one of \
                     `{current_org}`"
                ),
            )
            .help("compare an organisation with its own earlier assessment"),
            keys.as_ref().map(|k| k.organisation.id.span()),
        ));
    }
    if let (Some(before), Some(now)) = (&previous.assessment.period, &report.cover.period)
        && let (Some(b), Some(n)) = (period_start(before), period_start(now))
        && b > n
    {
        found.push(locate(
            Diagnostic::error(
                Code::CompareLaterPeriod,
                format!("the earlier assessment is for period {before}, after this one's ({now})"),
            )
            .help("the earlier assessment must be for this period or one before it; swap the two files"),
            keys.as_ref()
                .and_then(|k| k.period.as_ref())
                .map(toml::Spanned::span),
        ));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(found))
    }
}

/// Compares the report's outcomes with an earlier assessment (scored without targets: only the
/// statuses are compared), after [`check_previous`].
pub fn compare(
    report: &Report,
    previous: &LoadedAssessment,
    catalog: &Catalog,
    options: CompareOptions,
) -> Result<Comparison> {
    check_previous(report, previous, options)?;
    let before_fw = &previous.framework;
    let current_fw_id = &report.cover.framework.id;
    // The earlier file is scored under the profile of the same id in its own framework, so
    // each row can say whether its met verdict moved with the answer or with the target.
    let before_profile = report
        .cover
        .profile
        .as_ref()
        .and_then(|p| before_fw.profile(&p.id));
    // Scored the way this report is: on computed statuses when it is.
    let options = scoring::ScoreOptions {
        computed: report.cover.computed_only,
    };
    let before = scoring::score_with(before_fw, &previous.assessment, before_profile, options);
    let status_before = |id: &str| before.outcome(id).map(|o| o.status);
    let scored_before = |id: &str| before.outcome(id).map(|o| (o.target, o.met));

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
            let (previous_target, previous_met) = previous_id
                .as_deref()
                .and_then(scored_before)
                .unwrap_or((None, None));
            let (met_change, met_note) = met_change(
                relation.comparable() && previous_id.is_some(),
                Verdict {
                    status: previous_status,
                    target: previous_target,
                    met: previous_met,
                },
                Verdict {
                    status: Some(o.status),
                    target: o.target,
                    met: o.met,
                },
            );
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
                previous_target,
                previous_met,
                target: o.target,
                met: o.met,
                met_change,
                met_note,
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

    let met_count = |kind: MetChange| rows.iter().filter(|r| r.met_change == Some(kind)).count();
    let (by_answer, by_method, by_both) = (
        met_count(MetChange::ByAnswer),
        met_count(MetChange::ByMethod),
        met_count(MetChange::ByAnswerAndMethod),
    );
    let met_summary = (by_answer + by_method + by_both > 0).then(|| {
        format!(
            "Target met changed for {}: {by_answer} because the answer changed, \
             {by_method} because only the target changed, {by_both} because both did.",
            crate::text::plural(by_answer + by_method + by_both, "outcome")
        )
    });

    Ok(Comparison {
        met_by_answer: by_answer,
        met_by_method: by_method,
        met_by_answer_and_method: by_both,
        met_summary,
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

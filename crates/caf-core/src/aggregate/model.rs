//! The report model: the `caf.aggregate/1` JSON schema ([`Report`] and its parts) and what
//! every renderer draws. `docs/aggregate-schema.md` describes it field by field; the
//! `aggregate::json_schema_snapshot` integration test pins it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fold::Target;
use super::{AGGREGATE_SCHEMA, GroupBy};
use crate::framework::Status;
use crate::scoring::{FrameworkSummary, StatusCounts};
use crate::text::{plural, plural_as};

/// Status counts and target attainment for one outcome (or a roll-up) over a set of assessments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Assessments per status: the counting a scorecard's [`crate::scoring::Tally`] does too.
    #[serde(flatten)]
    pub statuses: StatusCounts<u32>,
    /// Assessments under another framework version with no comparable outcome.
    pub not_comparable: u32,
    /// Assessments whose profile sets a target for the outcome.
    pub with_target: u32,
    /// Assessments meeting that target.
    pub met: u32,
    /// Assessments judged below that target.
    pub below_target: u32,
    /// Of `with_target`, the assessments whose target sets a minimum (is above "not achieved",
    /// [`crate::scoring::no_minimum`]), and of those, the ones meeting it: the counts
    /// [`Counts::met_share`] is taken over.
    #[serde(default)]
    pub with_minimum: u32,
    #[serde(default)]
    pub met_minimum: u32,
    /// Assessments whose status for the outcome is a person's override.
    #[serde(default)]
    pub overridden: u32,
    /// Assessments whose answer was carried from an earlier period and not yet reviewed.
    #[serde(default)]
    pub unreviewed: u32,
}

impl Counts {
    pub(super) fn add(&mut self, other: &Counts) {
        self.statuses.add_all(&other.statuses);
        self.not_comparable += other.not_comparable;
        self.with_target += other.with_target;
        self.met += other.met;
        self.below_target += other.below_target;
        self.with_minimum += other.with_minimum;
        self.met_minimum += other.met_minimum;
        self.overridden += other.overridden;
        self.unreviewed += other.unreviewed;
    }

    /// Counts one assessment's override and review marks for the outcome.
    pub(super) fn add_marks(&mut self, overridden: bool, unreviewed: bool) {
        self.count_marks(overridden, unreviewed, |n| *n += 1);
    }

    /// Takes back one [`Counts::add_marks`] (an assessment taken out of a fold).
    pub(super) fn remove_marks(&mut self, overridden: bool, unreviewed: bool) {
        self.count_marks(overridden, unreviewed, |n| *n = n.saturating_sub(1));
    }

    fn count_marks(&mut self, overridden: bool, unreviewed: bool, step: fn(&mut u32)) {
        if overridden {
            step(&mut self.overridden);
        }
        if unreviewed {
            step(&mut self.unreviewed);
        }
    }

    /// Counts one assessment's result for the outcome: its status, where it stands on its
    /// target, and the target itself (`goal`).
    pub(super) fn add_result(&mut self, status: Status, target: Target, goal: Option<Status>) {
        self.count_result(status, target, goal, |n| *n += 1);
    }

    /// Takes back one [`Counts::add_result`] (an assessment taken out of a fold).
    pub(super) fn remove_result(&mut self, status: Status, target: Target, goal: Option<Status>) {
        self.count_result(status, target, goal, |n| *n = n.saturating_sub(1));
    }

    fn count_result(
        &mut self,
        status: Status,
        target: Target,
        goal: Option<Status>,
        step: fn(&mut u32),
    ) {
        step(self.statuses.slot_mut(status));
        if crate::scoring::sets_minimum(goal) {
            step(&mut self.with_minimum);
            if target == Target::Met {
                step(&mut self.met_minimum);
            }
        }
        match target {
            Target::None => {}
            Target::Met => {
                step(&mut self.with_target);
                step(&mut self.met);
            }
            Target::Below => {
                step(&mut self.with_target);
                step(&mut self.below_target);
            }
            Target::Unassessed => step(&mut self.with_target),
        }
    }

    pub fn judged(&self) -> u32 {
        self.statuses.judged()
    }

    pub fn count(&self, status: Status) -> u32 {
        self.statuses.count(status)
    }

    /// Share of assessments with a target that meet it, in percent, over the targets that set
    /// a minimum (a "not achieved" target, met by any judgement, is left out); `None` when
    /// none has such a target.
    pub fn met_share(&self) -> Option<f64> {
        percent(self.met_minimum as usize, self.with_minimum as usize)
    }

    /// Every target counted here is "not achieved": no minimum, nothing to meet.
    pub fn no_minimum(&self) -> bool {
        self.with_target > 0 && self.with_minimum == 0
    }

    /// `met_minimum` of `with_minimum` in words, saying how many targets set no minimum
    /// ([`crate::scoring::met_of`]).
    pub fn met_text(&self) -> String {
        crate::scoring::met_of(
            self.met_minimum as usize,
            self.with_minimum as usize,
            self.with_target.saturating_sub(self.with_minimum) as usize,
        )
    }

    pub fn achieved_share(&self) -> Option<f64> {
        percent(self.statuses.achieved as usize, self.judged() as usize)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeFigures {
    pub id: String,
    pub title: String,
    pub principle: String,
    pub objective: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Percent of assessments with a target that meet it, over the targets that set a
    /// minimum ([`Counts::met_share`]).
    pub met_share: Option<f64>,
    /// Every target for the outcome is "not achieved", which any judgement meets: there is no
    /// minimum, so `met_share` is `null` and renderers draw the outcome neutrally.
    #[serde(default)]
    pub no_minimum: bool,
    /// Published figures only: fewer organisations than the limit have this outcome (in the
    /// reporting framework), so its counts are withheld (all 0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollUpFigures {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupFigures {
    pub key: String,
    pub assessments: usize,
    pub organisations: usize,
    /// How many groups under the size limit were merged into this one (0 for a group of its own).
    pub merged_groups: usize,
    /// The group is still under the size limit: its figures are withheld.
    pub suppressed: bool,
    /// Percent of outcomes assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<f64>,
    /// Percent of the group's organisations evaluated against the baseline profile that meet
    /// every one of its targets ([`ProfileAttainment::meeting_all`]'s test).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_met_share: Option<f64>,
    /// The same share by [`ProfileAttainment::meeting_minimum`]'s test: targets of "not
    /// achieved" left out. What the renderers show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_minimum_share: Option<f64>,
    /// Per outcome of the reporting framework, in framework order (empty when suppressed).
    pub outcomes: Vec<OutcomeFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coverage {
    /// Inputs listed by the source.
    pub inputs: usize,
    /// Valid assessments in the described period(s).
    pub assessments: usize,
    pub organisations: usize,
    /// Percent of outcomes assessed across those assessments.
    pub completion: f64,
    pub invalid: usize,
    /// Valid assessments for other periods (used only for the trend).
    pub other_periods: usize,
    /// Valid assessments under a framework that cannot be mapped to the reporting framework.
    pub unmappable: usize,
    /// Assessments per framework id, in the described period(s).
    pub frameworks: BTreeMap<String, usize>,
    /// Assessments without a target profile (no targets to meet).
    pub without_profile: usize,
    /// Outcomes, over the described assessments, whose answers were carried from an earlier
    /// period and not yet reviewed, and the organisations with at least one such outcome.
    /// Withheld (`null`) when the population is under the size limit.
    #[serde(default)]
    pub unreviewed_outcomes: Option<usize>,
    #[serde(default)]
    pub organisations_with_unreviewed: Option<usize>,
    /// Outcomes whose status is a person's override, and the organisations with any; withheld
    /// likewise.
    #[serde(default)]
    pub overridden_outcomes: Option<usize>,
    #[serde(default)]
    pub organisations_with_overrides: Option<usize>,
    /// Those four counts in a sentence, when any is published and not zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks_summary: Option<String>,
}

impl Coverage {
    /// The sentence for [`Coverage::marks_summary`].
    pub(super) fn marks_sentence(&self) -> Option<String> {
        let with_unreviewed = self.organisations_with_unreviewed.unwrap_or(0);
        let with_overrides = self.organisations_with_overrides.unwrap_or(0);
        match (self.unreviewed_outcomes, self.overridden_outcomes) {
            (Some(unreviewed), Some(overridden)) => (unreviewed + overridden > 0).then(|| {
                format!(
                    "{} from {} {} carried from an earlier period and not yet reviewed; {} \
                     from {} {} rather than what the statements give.",
                    plural(unreviewed, "outcome answer"),
                    plural(with_unreviewed, "organisation"),
                    if unreviewed == 1 { "was" } else { "were" },
                    plural_as(overridden, "status", "statuses"),
                    plural(with_overrides, "organisation"),
                    if overridden == 1 {
                        "is an override"
                    } else {
                        "are overrides"
                    },
                )
            }),
            // Published figures count organisations only.
            _ => (with_unreviewed + with_overrides > 0).then(|| {
                format!(
                    "{} {} answers carried from an earlier period and not yet reviewed; {} {} \
                     statuses that are overrides rather than what the statements give.",
                    plural(with_unreviewed, "organisation"),
                    if with_unreviewed == 1 { "has" } else { "have" },
                    plural(with_overrides, "organisation"),
                    if with_overrides == 1 { "has" } else { "have" },
                )
            }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileAttainment {
    pub profile: String,
    /// Organisations whose framework has this profile.
    pub organisations: usize,
    /// Organisations meeting every one of its targets, a "not achieved" target counting as met
    /// once it is judged (kept as it always was; the renderers show `meeting_minimum`).
    pub meeting_all: usize,
    /// `meeting_all` of `organisations`, in percent.
    pub share: Option<f64>,
    /// Organisations meeting every one of its targets that sets a minimum: a "not achieved"
    /// target ([`crate::scoring::no_minimum`]) is left out, judged or not.
    #[serde(default)]
    pub meeting_minimum: usize,
    /// `meeting_minimum` of `organisations`, in percent.
    #[serde(default)]
    pub minimum_share: Option<f64>,
    /// Per framework of the population, the outcomes whose target under this profile is "not
    /// achieved" (v3.2's C2.a and C2.b), left out of `meeting_minimum`.
    #[serde(default)]
    pub no_minimum: Vec<NoMinimumTargets>,
    /// `no_minimum` in a sentence, as every format says it; absent when it is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_minimum_note: Option<String>,
}

/// One framework's outcomes whose target under a profile is "not achieved": no minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoMinimumTargets {
    /// The framework's id and version (outcome ids are a version's own: v3.2's C2.a is not
    /// v4.0's).
    pub framework: String,
    pub version: String,
    pub outcomes: Vec<String>,
}

impl ProfileAttainment {
    /// The figures of one profile, its shares and its note.
    pub(super) fn new(
        profile: &str,
        organisations: usize,
        meeting_all: usize,
        meeting_minimum: usize,
        no_minimum: Vec<NoMinimumTargets>,
    ) -> ProfileAttainment {
        let mut p = ProfileAttainment {
            profile: profile.to_string(),
            organisations,
            meeting_all,
            share: percent(meeting_all, organisations),
            meeting_minimum,
            minimum_share: percent(meeting_minimum, organisations),
            no_minimum,
            no_minimum_note: None,
        };
        p.no_minimum_note = p.note();
        p
    }

    /// Which of the profile's outcomes set no minimum and are left out of `meeting_minimum`,
    /// in a sentence; `None` when there are none.
    fn note(&self) -> Option<String> {
        let clauses: Vec<String> = (self.no_minimum.iter())
            .map(|n| {
                let (verb, pronoun) = if n.outcomes.len() == 1 {
                    ("has", "it is")
                } else {
                    ("have", "they are")
                };
                format!(
                    "under the {} profile of v{}, {} {verb} a target of not achieved, which sets no minimum, so {pronoun} left out",
                    self.profile,
                    n.version,
                    crate::text::and_list(&n.outcomes)
                )
            })
            .collect();
        let mut note = clauses.join("; ");
        let first = note.chars().next()?;
        note.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
        note.push('.');
        Some(note)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetBucket {
    /// Outcomes meeting their target.
    pub met: u32,
    pub organisations: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attainment {
    pub profiles: Vec<ProfileAttainment>,
    /// How many organisations meet how many of their own profile's targets, a "not achieved"
    /// target counting as met once judged (kept as it always was).
    pub outcomes_met: Vec<MetBucket>,
    /// The same, counting only the targets that set a minimum: what the renderers draw.
    #[serde(default)]
    pub outcomes_met_minimum: Vec<MetBucket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemicGap {
    pub rank: usize,
    pub id: String,
    pub title: String,
    /// Organisations judged below target on this outcome.
    pub organisations: usize,
    /// Percent of the organisations with a target for it.
    pub share: Option<f64>,
    /// Percent of the organisations whose target for it sets a minimum (a "not achieved"
    /// target cannot be missed, so it is left out of the whole): what the renderers show.
    #[serde(default)]
    pub minimum_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub period: String,
    pub assessments: usize,
    pub organisations: usize,
    pub suppressed: bool,
    pub outcomes: Vec<OutcomeFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeChange {
    pub id: String,
    /// False when some assessment in either period uses a version whose outcome cannot be
    /// compared with this one (added, removed or redefined in the mapping).
    pub comparable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub met_share_from: Option<f64>,
    pub met_share_to: Option<f64>,
    /// Change in the share meeting target, in percentage points.
    pub met_change: Option<f64>,
    pub achieved_change: Option<f64>,
    /// Organisations in both periods whose status rose or fell.
    pub improved: usize,
    pub regressed: usize,
    /// Organisations in both periods whose "meets its target" verdict changed, by cause.
    #[serde(flatten)]
    pub met: MetSplit,
}

/// Verdicts whose "meets its target" changed between two periods: because the status changed,
/// because only the target changed (a new framework version's profile, or another profile),
/// and because both did ([`crate::report::MetChange`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetSplit {
    #[serde(default)]
    pub met_by_answer: usize,
    #[serde(default)]
    pub met_by_method: usize,
    #[serde(default)]
    pub met_by_answer_and_method: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodChange {
    pub from: String,
    pub to: String,
    /// Organisations assessed in both periods.
    pub organisations: usize,
    /// More outcomes up than down.
    pub improved: usize,
    /// More outcomes down than up.
    pub regressed: usize,
    pub unchanged: usize,
    /// Outcome verdicts (organisation × outcome) whose met changed, by cause, summed over
    /// the outcomes.
    #[serde(flatten)]
    pub met: MetSplit,
    /// Those counts in a sentence, when any verdict changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_summary: Option<String>,
    pub suppressed: bool,
    pub outcomes: Vec<OutcomeChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regressed_named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trend {
    pub periods: Vec<PeriodFigures>,
    pub changes: Vec<PeriodChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplierFigures {
    /// The most common spelling of the supplier's name.
    pub name: String,
    pub key: String,
    /// Organisations naming this supplier.
    pub organisations: usize,
    /// Of those, how many are below target on a supply-chain outcome.
    pub below_target: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplyChain {
    pub outcomes: Vec<String>,
    /// Distinct suppliers named (after normalisation).
    pub suppliers: usize,
    /// Suppliers with fewer dependent organisations than the size limit are not listed.
    pub withheld: usize,
    pub concentration: Vec<SupplierFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvalidInput {
    pub input: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disclosure {
    pub min_group_size: usize,
    pub identify: bool,
    /// The whole population is under the limit: only coverage is published.
    pub suppressed: bool,
    pub merged_groups: usize,
    pub suppressed_groups: usize,
    /// Figures meant to leave the central unit (`caf aggregate --publish`, a service viewer's
    /// release): counts are of organisations, perturbed by the cell-key method, and groups,
    /// suppliers and outcomes that differ from another published one by fewer organisations
    /// than the limit are withheld (`docs/disclosure.md`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub published: bool,
}

/// Everything `caf aggregate` reports; the `caf.aggregate/1` JSON schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    #[serde(deserialize_with = "schema_id")]
    pub schema: String,
    pub framework: FrameworkSummary,
    /// The described period(s), in order.
    pub periods: Vec<String>,
    pub group_by: GroupBy,
    pub disclosure: Disclosure,
    pub assessments: usize,
    pub coverage: Coverage,
    pub outcomes: Vec<OutcomeFigures>,
    pub principles: Vec<RollUpFigures>,
    pub objectives: Vec<RollUpFigures>,
    pub groups: Vec<GroupFigures>,
    pub attainment: Attainment,
    pub gaps: Vec<SystemicGap>,
    pub trend: Trend,
    pub supply_chain: SupplyChain,
    pub invalid: Vec<InvalidInput>,
}

/// Reads the `schema` field back, refusing any schema but [`AGGREGATE_SCHEMA`] (a report from
/// a server speaking another version of the model is not rendered as if it were this one).
fn schema_id<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let id = String::deserialize(d)?;
    if id == AGGREGATE_SCHEMA {
        Ok(id)
    } else {
        Err(serde::de::Error::custom(format!(
            "schema `{id}` is not {AGGREGATE_SCHEMA}"
        )))
    }
}

/// `part` of `whole` in percent with one decimal; `None` when `whole` is 0.
pub(super) fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_status_and_target() {
        let mut c = Counts::default();
        let goal = Some(Status::Achieved);
        c.add_result(Status::Achieved, Target::Met, goal);
        c.add_result(Status::PartiallyAchieved, Target::Below, goal);
        c.add_result(Status::NotAssessed, Target::Unassessed, goal);
        c.add_result(Status::NotAchieved, Target::None, None);
        let s = &c.statuses;
        assert_eq!(
            (
                s.achieved,
                s.partially_achieved,
                s.not_achieved,
                s.not_assessed
            ),
            (1, 1, 1, 1)
        );
        assert_eq!((c.with_target, c.met, c.below_target), (3, 1, 1));
        assert_eq!(c.met_share(), Some(33.3));
        assert_eq!(c.achieved_share(), Some(33.3));
        assert!(!c.no_minimum());
    }

    /// A "not achieved" target is met by any judgement: it is counted as a target met, but the
    /// share meeting target leaves it out, and an outcome with only such targets has none.
    #[test]
    fn no_minimum_targets_are_left_out_of_the_share() {
        let mut c = Counts::default();
        let none = Some(Status::NotAchieved);
        c.add_result(Status::NotAchieved, Target::Met, none);
        c.add_result(Status::NotAssessed, Target::Unassessed, none);
        assert_eq!((c.with_target, c.met, c.with_minimum), (2, 1, 0));
        assert_eq!(c.met_share(), None);
        assert!(c.no_minimum());
        c.add_result(
            Status::PartiallyAchieved,
            Target::Below,
            Some(Status::Achieved),
        );
        c.add_result(Status::Achieved, Target::Met, Some(Status::Achieved));
        assert_eq!((c.with_minimum, c.met_minimum), (2, 1));
        assert_eq!(c.met_share(), Some(50.0));
        assert!(!c.no_minimum());
    }

    /// The profile's figures say which outcomes set no minimum, per framework version.
    #[test]
    fn a_profiles_note_names_the_outcomes_with_no_minimum() {
        let none = ProfileAttainment::new("baseline", 4, 1, 2, Vec::new());
        assert_eq!((none.share, none.minimum_share), (Some(25.0), Some(50.0)));
        assert_eq!(none.no_minimum_note, None);
        let listed = |outcomes: &[&str]| NoMinimumTargets {
            framework: "caf-3.2".into(),
            version: "3.2".into(),
            outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
        };
        let two = ProfileAttainment::new("baseline", 4, 1, 2, vec![listed(&["C2.a", "C2.b"])]);
        assert_eq!(
            two.no_minimum_note.as_deref(),
            Some(
                "Under the baseline profile of v3.2, C2.a and C2.b have a target of not achieved, which sets no minimum, so they are left out."
            )
        );
        let one = ProfileAttainment::new("enhanced", 4, 1, 2, vec![listed(&["C2.a"])]);
        assert!(one.no_minimum_note.unwrap().contains("C2.a has a target"));
    }

    /// A report (as a server sends it) reads back as it was written: the status counts are
    /// flattened twice (into `Counts`, itself flattened into the outcome figures).
    #[test]
    fn a_report_reads_back_as_it_was_written() {
        use crate::aggregate::{FileSource, Options, aggregate, synth};
        let catalog = crate::framework::Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        let options = synth::SynthOptions {
            orgs: 80,
            periods: 2,
            seed: 2,
        };
        synth::generate(&catalog, &options, dir.path(), None).unwrap();
        let source = FileSource::new(vec![dir.path().to_path_buf()]);
        let report = aggregate(&source, &catalog, &Options::default(), &()).unwrap();
        assert!(!report.outcomes.is_empty() && !report.groups.is_empty());
        let json = serde_json::to_string_pretty(&report).unwrap();
        let read: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string_pretty(&read).unwrap(), json);
        assert_eq!(read.outcomes[0].counts, report.outcomes[0].counts);
    }
}

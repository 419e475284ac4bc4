//! From selected statements to judgements: per outcome status and reason, targets, roll-ups per
//! principle and objective, a summary and a prioritised gap list.
//!
//! Pure functions over validated data: no I/O, no formatting beyond the reason sentences, so the
//! CLI, the reports, the aggregation and the server all score the same way.

use serde::{Deserialize, Serialize};

use crate::assessment::{Answer, Assessment, Organisation};
use crate::framework::{
    Condition, Framework, IndicatorRef, Level, Outcome, Profile, Selection, Status, bit,
};
use crate::text::and_list as list;

/// The JSON schema id of [`Scorecard`]; bump it when a field changes meaning or disappears.
pub const SCORE_SCHEMA: &str = "caf.score/1";

/// A status and the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub status: Status,
    pub reason: String,
}

/// Whether a rule's condition holds for a selection: the one place the conditions are defined,
/// each a mask operation.
fn holds(condition: Condition, outcome: &Outcome, selected: Selection) -> bool {
    let at = |level: Level| outcome.mask(level);
    match condition {
        Condition::Any(level) => selected & at(level) != 0,
        Condition::All(level) => at(level) != 0 && selected & at(level) == at(level),
        Condition::None(level) => selected & at(level) == 0,
        Condition::Otherwise => true,
    }
}

/// The status the rules give a selection, without the sentence: what aggregation and the
/// service's summaries need, in a few mask operations per rule.
pub fn status_of(framework: &Framework, outcome: &Outcome, selected: Selection) -> Status {
    framework
        .rules
        .iter()
        .find(|rule| holds(rule.condition, outcome, selected))
        // Validation guarantees a final `otherwise`; this keeps a hand-built framework total.
        .map_or(Status::NotAchieved, |rule| rule.status)
}

/// Whether some selection of the outcome's statements can get `status` from the rules: some
/// rule giving it has a condition that can hold. `any` and `all` need statements at their
/// level (an empty level never satisfies `all`); `none` and `otherwise` can always hold. So
/// under the shipped rules an outcome with no partially-achieved statements is never partially
/// achieved, and no judgement can honestly say it is.
pub fn reachable(framework: &Framework, outcome: &Outcome, status: Status) -> bool {
    let has = |level: Level| outcome.mask(level) != 0;
    framework
        .rules
        .iter()
        .filter(|rule| rule.status == status)
        .any(|rule| match rule.condition {
            Condition::Any(level) | Condition::All(level) => has(level),
            Condition::None(_) | Condition::Otherwise => true,
        })
}

/// [`status_of`] the selected references.
pub fn status(framework: &Framework, outcome: &Outcome, selected: &[IndicatorRef]) -> Status {
    status_of(framework, outcome, selection(outcome, selected))
}

fn selection(outcome: &Outcome, selected: &[IndicatorRef]) -> Selection {
    outcome.selection(selected.iter().map(IndicatorRef::as_str))
}

/// Applies the framework's rules to the statements selected for one outcome.
pub fn judge(framework: &Framework, outcome: &Outcome, selected: &[IndicatorRef]) -> Judgement {
    let chosen = selection(outcome, selected);
    // The selected and unselected references at a level, for the sentence.
    let split = |level: Level| {
        let (mut on, mut off) = (Vec::new(), Vec::new());
        for (i, indicator) in outcome.indicators.iter().enumerate() {
            if indicator.level == level {
                let is_chosen = chosen & bit(i) != 0;
                if is_chosen { &mut on } else { &mut off }.push(indicator.reference.as_str());
            }
        }
        (on, off)
    };
    // Why each earlier rule did not apply, for the sentence of the one that does.
    let mut unmet = Vec::new();
    for rule in &framework.rules {
        let status = rule.status.label();
        let applies = holds(rule.condition, outcome, chosen);
        match rule.condition {
            Condition::Any(level) => {
                if applies {
                    let (on, _) = split(level);
                    return verdict(
                        rule.status,
                        format!("{status} because {} selected", are(&on)),
                    );
                }
            }
            Condition::All(level) => {
                let (on, off) = split(level);
                if applies {
                    let mut reason = format!(
                        "{status} because all {} {} statements are selected",
                        on.len(),
                        level.label()
                    );
                    if !unmet.is_empty() {
                        reason = format!("{reason}; {}", unmet.join("; "));
                    }
                    return verdict(rule.status, reason);
                }
                unmet.push(if on.is_empty() && off.is_empty() {
                    format!("there are no {} statements", level.label())
                } else {
                    format!("{} {} not selected", level.label(), are_statements(&off))
                });
            }
            Condition::None(level) => {
                if applies {
                    return verdict(
                        rule.status,
                        format!(
                            "{status} because no {} statement is selected",
                            level.label()
                        ),
                    );
                }
                let (on, _) = split(level);
                unmet.push(format!("{} selected", are(&on)));
            }
            Condition::Otherwise => {
                let reason = if selected.is_empty() {
                    format!("{status} because no statements are selected")
                } else {
                    format!("{status} because {}", unmet.join("; "))
                };
                return verdict(rule.status, reason);
            }
        }
    }
    // Validation guarantees a final `otherwise`; this keeps a hand-built framework total.
    verdict(
        Status::NotAchieved,
        "Not achieved because no rule applies".into(),
    )
}

fn verdict(status: Status, reason: String) -> Judgement {
    Judgement { status, reason }
}

/// "A1.a.NA.1 is" / "A1.a.NA.1 and A1.a.NA.2 are".
fn are(refs: &[&str]) -> String {
    match refs {
        [one] => format!("{one} is"),
        _ => format!("{} are", list(refs)),
    }
}

/// "statement A1.a.A.2 is" / "statements A1.a.A.2 and A1.a.A.3 are".
fn are_statements(refs: &[&str]) -> String {
    match refs {
        [one] => format!("statement {one} is"),
        _ => format!("statements {} are", list(refs)),
    }
}

/// A target of "not achieved" sets no minimum: any judgement meets it (v3.2's C2.a and C2.b
/// under the GovAssure profiles). Reports draw such outcomes neutrally, say "no minimum" rather
/// than "met", and leave them out of the shares meeting target.
pub fn no_minimum(target: Option<Status>) -> bool {
    target == Some(Status::NotAchieved)
}

/// What every format says where a count or share of targets met leaves out the targets that
/// set no minimum.
pub const NO_MINIMUM_LEFT_OUT: &str =
    "A target of not achieved sets no minimum (any judgement meets it), so it is left out.";

/// Whether a target sets a minimum to meet: there is one, and it is above "not achieved". The
/// one test every count and share of targets met goes through: a scorecard's [`Tally`], the
/// aggregate's per-outcome counts, its organisation-level attainment and histogram, its gaps
/// and its published cells.
pub fn sets_minimum(target: Option<Status>) -> bool {
    target.is_some() && !no_minimum(target)
}

/// "18 of 39", or "18 of 39 (2 more with no minimum)": how every format words `met` of the
/// `with_minimum` targets that set a minimum when `no_minimum` more set none, so a figure that
/// leaves those out says so.
pub fn met_of(met: usize, with_minimum: usize, no_minimum: usize) -> String {
    let mut text = format!("{met} of {with_minimum}");
    if no_minimum > 0 {
        text.push_str(&format!(" ({no_minimum} more with no minimum)"));
    }
    text
}

/// A target is met when the status reaches it; an unjudged outcome or a missing target has no answer.
pub fn meets(status: Status, target: Option<Status>) -> Option<bool> {
    match (status.rank(), target.and_then(Status::rank)) {
        (Some(s), Some(t)) => Some(s >= t),
        _ => None,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrameworkSummary {
    pub id: String,
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub id: String,
    pub title: String,
    pub provisional: bool,
}

/// One outcome's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeScore {
    pub id: String,
    pub title: String,
    pub principle: String,
    pub objective: String,
    /// The status that counts: the override's when there is one.
    pub status: Status,
    /// What the rules give from the selected statements.
    pub computed_status: Status,
    pub reason: String,
    pub overridden: bool,
    /// The status a person set by override, whether or not it counts (see [`ScoreOptions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    pub target: Option<Status>,
    /// Whether the status meets the target. A "not achieved" target ([`no_minimum`]) is met
    /// by any judgement, so `met` is `true` for it once judged: `no_minimum` tells such a
    /// vacuous "met" apart, and [`Tally`]'s `met_minimum` leaves it out.
    pub met: Option<bool>,
    /// The target is "not achieved": it sets no minimum.
    #[serde(default)]
    pub no_minimum: bool,
    pub needs_review: bool,
    pub selected: Vec<String>,
}

/// How statuses are decided for targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// Score on the computed statuses only: overrides are shown but do not count.
    pub computed: bool,
}

/// How many outcomes (of one assessment) or assessments (of one outcome) have each status: the
/// one place statuses are counted, shared by a scorecard's [`Tally`] and the aggregate's
/// [`crate::aggregate::Counts`]. Both flatten it, so its four fields keep their place in the
/// `caf.score/1` and `caf.aggregate/1` JSON. `N` is the width of a count (`u32` in the
/// aggregate's accumulators, which hold one per outcome and group).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts<N = usize> {
    pub achieved: N,
    pub partially_achieved: N,
    pub not_achieved: N,
    pub not_assessed: N,
}

impl<N> StatusCounts<N>
where
    N: Copy + std::ops::Add<Output = N> + std::ops::AddAssign + From<u8>,
{
    /// Counts one more with `status`.
    pub fn add(&mut self, status: Status) {
        *self.slot_mut(status) += N::from(1);
    }

    /// The count of `status`, to change.
    pub fn slot_mut(&mut self, status: Status) -> &mut N {
        match status {
            Status::Achieved => &mut self.achieved,
            Status::PartiallyAchieved => &mut self.partially_achieved,
            Status::NotAchieved => &mut self.not_achieved,
            Status::NotAssessed => &mut self.not_assessed,
        }
    }

    /// Adds `other`'s counts to these.
    pub fn add_all(&mut self, other: &Self) {
        self.achieved += other.achieved;
        self.partially_achieved += other.partially_achieved;
        self.not_achieved += other.not_achieved;
        self.not_assessed += other.not_assessed;
    }

    pub fn count(&self, status: Status) -> N {
        match status {
            Status::Achieved => self.achieved,
            Status::PartiallyAchieved => self.partially_achieved,
            Status::NotAchieved => self.not_achieved,
            Status::NotAssessed => self.not_assessed,
        }
    }

    /// Those with a judgement (any status but "not assessed").
    pub fn judged(&self) -> N {
        self.achieved + self.partially_achieved + self.not_achieved
    }

    /// All of them, judged or not.
    pub fn total(&self) -> N {
        self.judged() + self.not_assessed
    }
}

/// Counts over a set of outcomes (a principle, an objective, or the whole framework).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub outcomes: usize,
    pub assessed: usize,
    #[serde(flatten)]
    pub statuses: StatusCounts,
    pub with_target: usize,
    pub met: usize,
    pub not_met: usize,
    /// Of `with_target`, the outcomes whose target sets a minimum (is above "not achieved",
    /// see [`no_minimum`]), and of those, the ones meeting it: the counts a "meeting target"
    /// share is taken over.
    #[serde(default)]
    pub with_minimum: usize,
    #[serde(default)]
    pub met_minimum: usize,
    pub needs_review: usize,
    /// Outcomes with an override, counted or not.
    #[serde(default)]
    pub overridden: usize,
}

/// What a tally counts of one outcome.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub status: Status,
    pub target: Option<Status>,
    pub needs_review: bool,
    pub overridden: bool,
}

impl From<&OutcomeScore> for Counted {
    fn from(o: &OutcomeScore) -> Self {
        Counted {
            status: o.status,
            target: o.target,
            needs_review: o.needs_review,
            overridden: o.overridden,
        }
    }
}

impl Tally {
    pub fn add(&mut self, outcome: Counted) {
        let Counted {
            status,
            target,
            needs_review,
            overridden,
        } = outcome;
        if overridden {
            self.overridden += 1;
        }
        self.outcomes += 1;
        self.statuses.add(status);
        if status != Status::NotAssessed {
            self.assessed += 1;
        }
        if target.is_some() {
            self.with_target += 1;
        }
        let met = meets(status, target);
        match met {
            Some(true) => self.met += 1,
            Some(false) => self.not_met += 1,
            None => {}
        }
        if sets_minimum(target) {
            self.with_minimum += 1;
            self.met_minimum += usize::from(met == Some(true));
        }
        if needs_review {
            self.needs_review += 1;
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.statuses.count(status)
    }

    /// Outcomes whose target is "not achieved": counted in `with_target`, left out of
    /// `with_minimum`.
    pub fn no_minimum(&self) -> usize {
        self.with_target - self.with_minimum
    }

    /// `met_minimum` of `with_minimum` in words ([`met_of`]).
    pub fn met_text(&self) -> String {
        met_of(self.met_minimum, self.with_minimum, self.no_minimum())
    }
}

/// A principle's or objective's counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollUp {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub tally: Tally,
    /// Outcomes with a target that are not yet assessed: a check cannot pass while any remain.
    pub unassessed_targets: usize,
    /// Share of outcomes assessed, in percent with one decimal.
    pub completion: f64,
}

impl Summary {
    /// The summary of these outcomes.
    fn of(outcomes: impl Iterator<Item = Counted>) -> Summary {
        let mut tally = Tally::default();
        let mut unassessed_targets = 0;
        for outcome in outcomes {
            tally.add(outcome);
            if outcome.target.is_some() && outcome.status == Status::NotAssessed {
                unassessed_targets += 1;
            }
        }
        let completion = if tally.outcomes == 0 {
            0.0
        } else {
            (tally.assessed as f64 * 1000.0 / tally.outcomes as f64).round() / 10.0
        };
        Summary {
            tally,
            unassessed_targets,
            completion,
        }
    }
}

/// An outcome below its target, in priority order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gap {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub target: Status,
    /// Levels between status and target (1 or 2).
    pub shortfall: u8,
}

/// Everything `caf score` reports; the `caf.score/1` JSON schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scorecard {
    /// [`SCORE_SCHEMA`] for a scorecard made here; whatever was read for one read back.
    pub schema: String,
    pub framework: FrameworkSummary,
    pub profile: Option<ProfileSummary>,
    pub period: Option<String>,
    pub organisation: Organisation,
    /// Scored on computed statuses only: overrides are shown but do not count.
    #[serde(default)]
    pub computed_only: bool,
    pub outcomes: Vec<OutcomeScore>,
    pub principles: Vec<RollUp>,
    pub objectives: Vec<RollUp>,
    pub summary: Summary,
    pub gaps: Vec<Gap>,
}

impl Scorecard {
    /// Passes when every outcome with a target is assessed and meets it.
    pub fn passes(&self) -> bool {
        self.summary.tally.not_met == 0 && self.summary.unassessed_targets == 0
    }

    pub fn outcome(&self, id: &str) -> Option<&OutcomeScore> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}

/// Scores one outcome's answer (or its absence), overrides counting.
pub fn score_outcome(
    framework: &Framework,
    outcome: &Outcome,
    answer: Option<&Answer>,
    profile: Option<&Profile>,
) -> OutcomeScore {
    score_outcome_with(framework, outcome, answer, profile, ScoreOptions::default())
}

/// Scores one outcome's answer (or its absence) as `options` say.
pub fn score_outcome_with(
    framework: &Framework,
    outcome: &Outcome,
    answer: Option<&Answer>,
    profile: Option<&Profile>,
    options: ScoreOptions,
) -> OutcomeScore {
    let target = profile.and_then(|p| p.target(&outcome.id));
    let Some(answer) = answer else {
        return OutcomeScore {
            id: outcome.id.to_string(),
            title: outcome.title.clone(),
            principle: outcome.principle.clone(),
            objective: outcome.objective.clone(),
            status: Status::NotAssessed,
            computed_status: Status::NotAssessed,
            reason: "Not assessed: the outcome has not been answered".into(),
            overridden: false,
            override_status: None,
            justification: None,
            target,
            met: None,
            no_minimum: no_minimum(target),
            needs_review: false,
            selected: Vec::new(),
        };
    };
    let computed = judge(framework, outcome, &answer.selected);
    let (status, reason) = match &answer.override_ {
        Some(o) if options.computed => (
            computed.status,
            format!(
                "{} (the override to {} is not counted: scored on computed statuses)",
                computed.reason,
                o.status.label().to_lowercase()
            ),
        ),
        Some(o) => (
            o.status,
            format!(
                "{} by override (the statements give {}: {})",
                o.status.label(),
                computed.status.label().to_lowercase(),
                computed.reason
            ),
        ),
        None => (computed.status, computed.reason),
    };
    OutcomeScore {
        id: outcome.id.to_string(),
        title: outcome.title.clone(),
        principle: outcome.principle.clone(),
        objective: outcome.objective.clone(),
        status,
        computed_status: computed.status,
        reason,
        overridden: answer.override_.is_some(),
        override_status: answer.override_.as_ref().map(|o| o.status),
        justification: answer.override_.as_ref().map(|o| o.justification.clone()),
        target,
        met: meets(status, target),
        no_minimum: no_minimum(target),
        needs_review: answer.needs_review,
        selected: answer
            .selected
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
    }
}

/// Scores a whole assessment, overrides counting. `profile` is the one chosen on the command
/// line or in the file; without one there are no targets, never a silent default.
pub fn score(
    framework: &Framework,
    assessment: &Assessment,
    profile: Option<&Profile>,
) -> Scorecard {
    score_with(framework, assessment, profile, ScoreOptions::default())
}

/// Scores a whole assessment as `options` say.
pub fn score_with(
    framework: &Framework,
    assessment: &Assessment,
    profile: Option<&Profile>,
    options: ScoreOptions,
) -> Scorecard {
    let outcomes: Vec<OutcomeScore> = framework
        .outcomes
        .iter()
        .map(|o| {
            score_outcome_with(
                framework,
                o,
                assessment.outcomes.get(&o.id),
                profile,
                options,
            )
        })
        .collect();

    let roll_up = |id: &str, title: &str, member: &dyn Fn(&OutcomeScore) -> bool| {
        let mut tally = Tally::default();
        for o in outcomes.iter().filter(|o| member(o)) {
            tally.add(o.into());
        }
        RollUp {
            id: id.to_string(),
            title: title.to_string(),
            tally,
        }
    };
    let principles = framework
        .principles
        .iter()
        .map(|p| roll_up(&p.id, &p.title, &|o| o.principle == p.id))
        .collect();
    let objectives = framework
        .objectives
        .iter()
        .map(|ob| roll_up(&ob.id, &ob.title, &|o| o.objective == ob.id))
        .collect();

    let summary = Summary::of(outcomes.iter().map(Counted::from));

    let mut gaps: Vec<Gap> = outcomes
        .iter()
        .filter(|o| o.met == Some(false))
        .filter_map(|o| {
            let target = o.target?;
            Some(Gap {
                id: o.id.clone(),
                title: o.title.clone(),
                status: o.status,
                target,
                shortfall: target.rank()? - o.status.rank()?,
            })
        })
        .collect();
    // Largest shortfall first; `sort_by_key` is stable, so framework order breaks ties.
    gaps.sort_by_key(|g| std::cmp::Reverse(g.shortfall));

    Scorecard {
        schema: SCORE_SCHEMA.to_string(),
        framework: FrameworkSummary {
            id: framework.id.clone(),
            name: framework.name.clone(),
            version: framework.version.clone(),
        },
        profile: profile.map(|p| ProfileSummary {
            id: p.id.clone(),
            title: p.title.clone(),
            provisional: p.provisional,
        }),
        period: assessment.period.clone(),
        organisation: assessment.organisation.clone(),
        computed_only: options.computed,
        outcomes,
        principles,
        objectives,
        summary,
        gaps,
    }
}

/// [`score`]'s summary alone, without reasons, roll-ups or gaps: what the collection service
/// keeps with each submission, at a fraction of the cost.
pub fn summarise(
    framework: &Framework,
    assessment: &Assessment,
    profile: Option<&Profile>,
) -> Summary {
    Summary::of(framework.outcomes.iter().map(|outcome| {
        let target = profile.and_then(|p| p.target(&outcome.id));
        match assessment.outcomes.get(&outcome.id) {
            None => Counted {
                status: Status::NotAssessed,
                target,
                needs_review: false,
                overridden: false,
            },
            Some(answer) => Counted {
                status: match &answer.override_ {
                    Some(o) => o.status,
                    None => status(framework, outcome, &answer.selected),
                },
                target,
                needs_review: answer.needs_review,
                overridden: answer.override_.is_some(),
            },
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::framework::load::parse_framework;

    /// A "not achieved" target is met by any judgement: counted in `with_target` and `met`,
    /// left out of `with_minimum` and `met_minimum`, and the words say how many were left out.
    #[test]
    fn targets_with_no_minimum_are_left_out_of_the_met_count_and_said_so() {
        let mut tally = Tally::default();
        let count = |status, target| Counted {
            status,
            target,
            needs_review: false,
            overridden: false,
        };
        tally.add(count(Status::Achieved, Some(Status::Achieved)));
        tally.add(count(Status::PartiallyAchieved, Some(Status::Achieved)));
        tally.add(count(Status::NotAchieved, Some(Status::NotAchieved)));
        tally.add(count(Status::NotAssessed, Some(Status::NotAchieved)));
        tally.add(count(Status::Achieved, None));
        assert_eq!((tally.with_target, tally.met), (4, 2));
        assert_eq!((tally.with_minimum, tally.met_minimum), (2, 1));
        assert_eq!(tally.no_minimum(), 2);
        assert_eq!(tally.met_text(), "1 of 2 (2 more with no minimum)");
        assert_eq!(met_of(3, 3, 0), "3 of 3");
        assert!(!sets_minimum(None));
        assert!(!sets_minimum(Some(Status::NotAchieved)));
        assert!(sets_minimum(Some(Status::PartiallyAchieved)));
    }

    /// Two statements at every level for X1.a; none partially-achieved for X1.b.
    fn framework() -> Framework {
        let text = r#"
id = "t"
name = "T"
version = "1"
[[rules]]
when = "any"
level = "not-achieved"
status = "not-achieved"
[[rules]]
when = "all"
level = "achieved"
status = "achieved"
[[rules]]
when = "all"
level = "partially-achieved"
status = "partially-achieved"
[[rules]]
when = "otherwise"
status = "not-achieved"
[[objectives]]
id = "X"
title = "X"
[[principles]]
id = "X1"
objective = "X"
title = "X1"
[[outcomes]]
id = "X1.a"
principle = "X1"
title = "Full"
indicators = [
  { ref = "X1.a.NA.1", level = "not-achieved", text = "n1" },
  { ref = "X1.a.NA.2", level = "not-achieved", text = "n2" },
  { ref = "X1.a.PA.1", level = "partially-achieved", text = "p1" },
  { ref = "X1.a.PA.2", level = "partially-achieved", text = "p2" },
  { ref = "X1.a.A.1", level = "achieved", text = "a1" },
  { ref = "X1.a.A.2", level = "achieved", text = "a2" },
]
[[outcomes]]
id = "X1.b"
principle = "X1"
title = "No partial level"
indicators = [
  { ref = "X1.b.NA.1", level = "not-achieved", text = "n1" },
  { ref = "X1.b.A.1", level = "achieved", text = "a1" },
  { ref = "X1.b.A.2", level = "achieved", text = "a2" },
]
"#;
        parse_framework(&SourceFile::new("t.toml", text)).unwrap()
    }

    /// WebCAF's table, key = achieved_partially_not-achieved (A = achieved, P = partially, N = not).
    const TABLE: [(&str, char); 27] = [
        ("all_all_all", 'N'),
        ("all_all_none", 'A'),
        ("all_all_some", 'N'),
        ("all_none_all", 'N'),
        ("all_none_none", 'A'),
        ("all_none_some", 'N'),
        ("all_some_all", 'N'),
        ("all_some_none", 'A'),
        ("all_some_some", 'N'),
        ("none_all_all", 'N'),
        ("none_all_none", 'P'),
        ("none_all_some", 'N'),
        ("none_none_all", 'N'),
        ("none_none_none", 'N'),
        ("none_none_some", 'N'),
        ("none_some_all", 'N'),
        ("none_some_none", 'N'),
        ("none_some_some", 'N'),
        ("some_all_all", 'N'),
        ("some_all_none", 'P'),
        ("some_all_some", 'N'),
        ("some_none_all", 'N'),
        ("some_none_none", 'N'),
        ("some_none_some", 'N'),
        ("some_some_all", 'N'),
        ("some_some_none", 'N'),
        ("some_some_some", 'N'),
    ];

    fn select(outcome: &Outcome, key: &str) -> Option<Vec<IndicatorRef>> {
        let parts: Vec<&str> = key.split('_').collect();
        let mut selected = Vec::new();
        for (part, level) in parts.iter().zip([
            Level::Achieved,
            Level::PartiallyAchieved,
            Level::NotAchieved,
        ]) {
            let refs: Vec<_> = outcome
                .indicators_at(level)
                .map(|i| i.reference.clone())
                .collect();
            match (*part, refs.len()) {
                ("none", _) => {}
                ("all", 0) => return None,
                ("all", _) => selected.extend(refs),
                ("some", n) if n >= 2 => selected.push(refs[0].clone()),
                _ => return None,
            }
        }
        Some(selected)
    }

    #[test]
    fn all_27_combinations_agree_with_the_table() {
        let framework = framework();
        let outcome = framework.outcome("X1.a").unwrap();
        for (key, expected) in TABLE {
            let selected = select(outcome, key).unwrap();
            let status = judge(&framework, outcome, &selected).status;
            let expected = match expected {
                'A' => Status::Achieved,
                'P' => Status::PartiallyAchieved,
                _ => Status::NotAchieved,
            };
            assert_eq!(status, expected, "{key}");
        }
    }

    #[test]
    fn an_outcome_without_partial_statements_is_never_partially_achieved() {
        let framework = framework();
        let outcome = framework.outcome("X1.b").unwrap();
        let mut checked = 0;
        for (key, _) in TABLE {
            if let Some(selected) = select(outcome, key) {
                let status = judge(&framework, outcome, &selected).status;
                assert_ne!(status, Status::PartiallyAchieved, "{key}");
                checked += 1;
            }
        }
        // achieved all/none/some × partially none only × not-achieved (one statement) all/none.
        assert_eq!(checked, 6);
        let r = |s: &str| IndicatorRef::checked(s.to_string());
        let judgement = judge(&framework, outcome, &[r("X1.b.A.1")]);
        assert_eq!(judgement.status, Status::NotAchieved);
        assert_eq!(
            judgement.reason,
            "Not achieved because achieved statement X1.b.A.2 is not selected; there are no partially-achieved statements"
        );
    }

    #[test]
    fn reasons_name_the_deciding_statements() {
        let framework = framework();
        let outcome = framework.outcome("X1.a").unwrap();
        let r = |s: &str| IndicatorRef::checked(s.to_string());
        let reason = |refs: &[&str]| {
            let selected: Vec<_> = refs.iter().map(|s| r(s)).collect();
            judge(&framework, outcome, &selected).reason
        };
        assert_eq!(
            reason(&["X1.a.NA.2", "X1.a.A.1"]),
            "Not achieved because X1.a.NA.2 is selected"
        );
        assert_eq!(
            reason(&["X1.a.NA.1", "X1.a.NA.2"]),
            "Not achieved because X1.a.NA.1 and X1.a.NA.2 are selected"
        );
        assert_eq!(
            reason(&["X1.a.A.1", "X1.a.A.2"]),
            "Achieved because all 2 achieved statements are selected"
        );
        assert_eq!(
            reason(&["X1.a.PA.1", "X1.a.PA.2", "X1.a.A.1"]),
            "Partially achieved because all 2 partially-achieved statements are selected; achieved statement X1.a.A.2 is not selected"
        );
        assert_eq!(
            reason(&[]),
            "Not achieved because no statements are selected"
        );
    }

    #[test]
    fn targets_and_gaps() {
        assert_eq!(
            meets(Status::PartiallyAchieved, Some(Status::Achieved)),
            Some(false)
        );
        assert_eq!(
            meets(Status::Achieved, Some(Status::PartiallyAchieved)),
            Some(true)
        );
        assert_eq!(
            meets(Status::NotAchieved, Some(Status::NotAchieved)),
            Some(true)
        );
        assert_eq!(meets(Status::NotAssessed, Some(Status::NotAchieved)), None);
        assert_eq!(meets(Status::Achieved, None), None);
    }

    /// The rules applied to a list of statements, one statement at a time: the reference the
    /// mask operations are checked against.
    fn naive_status(framework: &Framework, outcome: &Outcome, selected: &[usize]) -> Status {
        let at = |level: Level| {
            (outcome.indicators.iter().enumerate())
                .filter(move |(_, i)| i.level == level)
                .map(|(i, _)| selected.contains(&i))
        };
        for rule in &framework.rules {
            let holds = match rule.condition {
                Condition::Any(level) => at(level).any(|on| on),
                Condition::All(level) => at(level).next().is_some() && at(level).all(|on| on),
                Condition::None(level) => !at(level).any(|on| on),
                Condition::Otherwise => true,
            };
            if holds {
                return rule.status;
            }
        }
        Status::NotAchieved
    }

    proptest::proptest! {
        /// High-variety selections (any subset of any outcome's statements, in any order, with
        /// repeats): the mask operations give what the rules say.
        #[test]
        fn masks_give_what_the_rules_give(
            version in 0usize..2,
            outcome in proptest::prelude::any::<proptest::sample::Index>(),
            picks in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..20),
        ) {
            let catalog = crate::framework::Catalog::shipped();
            let framework = catalog.framework(["caf-3.2", "caf-4.0"][version]).unwrap();
            let outcome = &framework.outcomes[outcome.index(framework.outcomes.len())];
            let selected: Vec<usize> = picks.iter().map(|p| p.index(outcome.indicators.len())).collect();
            let refs: Vec<IndicatorRef> = selected
                .iter()
                .map(|&i| outcome.indicators[i].reference.clone())
                .collect();
            let expected = naive_status(&framework, outcome, &selected);
            proptest::prop_assert_eq!(status(&framework, outcome, &refs), expected);
            proptest::prop_assert_eq!(judge(&framework, outcome, &refs).status, expected);
        }
    }

    /// The summary-only path gives exactly `score`'s summary, on the shipped examples and on
    /// every valid file of a synthetic population, with each profile and with none.
    #[test]
    fn summarise_agrees_with_score() {
        use crate::aggregate::Source;
        let catalog = crate::framework::Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        let options = crate::aggregate::synth::SynthOptions {
            orgs: 60,
            periods: 2,
            seed: 7,
        };
        crate::aggregate::synth::generate(&catalog, &options, dir.path(), None).unwrap();
        let examples = [
            "district-council-caf-3.2-baseline",
            "fire-rescue-caf-3.2-enhanced",
            "county-council-caf-4.0-partial",
        ]
        .iter()
        .map(|name| {
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join(format!("examples/{name}.toml"))
        });
        let files =
            crate::aggregate::FileSource::new(examples.chain([dir.path().to_path_buf()]).collect())
                .list()
                .unwrap();
        let mut compared = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(loaded) = crate::assessment::parse(&SourceFile::new("x", text), &catalog) else {
                continue;
            };
            let framework = &loaded.framework;
            for profile in std::iter::once(None).chain(framework.profiles.iter().map(Some)) {
                let full = score(framework, &loaded.assessment, profile).summary;
                let quick = summarise(framework, &loaded.assessment, profile);
                assert_eq!(
                    serde_json::to_value(&quick).unwrap(),
                    serde_json::to_value(&full).unwrap(),
                    "{path}"
                );
                compared += 1;
            }
        }
        assert!(compared > 300, "compared {compared}");
    }
}

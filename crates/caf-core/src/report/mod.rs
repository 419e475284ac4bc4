//! The report people read: one serialisable [`Report`] model, computed once from a scored
//! assessment; `caf-render` has one small renderer per format.
//!
//! The model holds everything any format shows (cover details, summary, roll-ups, every
//! outcome's judgement with its statements, the improvement plan and the optional comparison
//! with a previous period), already worded and ordered. Renderers only lay it out: none of them
//! scores, counts or decides anything, so the PDF, the spreadsheet and the web page cannot
//! disagree. The JSON format is the model itself (schema [`REPORT_SCHEMA`]), and it is also the
//! context the HTML and Markdown templates see.

pub mod compare;

use std::path::Path;

use serde::Serialize;

use crate::assessment::{Date, Evidence, LoadedAssessment, Organisation};
use crate::error::{Error, Result};
use crate::framework::{Framework, Level, Outcome, Profile, Status};
use crate::plan::ActionStatus;
use crate::scoring::{self, FrameworkSummary, Gap, ProfileSummary, ScoreOptions, Summary, Tally};

pub use compare::{Change, CompareOptions, Comparison, MetChange, Verdict};

/// The JSON schema id of [`Report`]; bump it when a field changes meaning or disappears.
pub const REPORT_SCHEMA: &str = "caf.report/1";

/// How many gaps the executive summary names.
pub const TOP_GAPS: usize = 5;

/// Which answers the report describes.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// The file name as it was given.
    pub file: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// The cover details.
#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    pub organisation: Organisation,
    pub system: Option<String>,
    pub assessor: Option<String>,
    /// The assessment date (`YYYY-MM-DD`).
    pub date: Option<String>,
    pub period: Option<String>,
    pub framework: FrameworkSummary,
    pub profile: Option<ProfileSummary>,
    pub source: Source,
    /// Outcomes whose answers were carried from an earlier period and not yet confirmed.
    pub unreviewed: usize,
    /// Outcomes whose status a person overrode.
    pub overridden: usize,
    /// Targets are scored on computed statuses only: overrides are shown but do not count.
    pub computed_only: bool,
}

/// A person's override of one outcome, as every summary shows it: what the statements give,
/// what the person says instead, and why.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideNote {
    pub id: String,
    pub title: String,
    pub computed_status: Status,
    pub override_status: Status,
    pub justification: String,
    /// Whether the override counts for targets (not when scored on computed statuses).
    pub counted: bool,
}

/// One status with its count, in the order reports show them.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: Status,
    pub label: &'static str,
    pub count: usize,
}

/// The counts a chart or a summary line needs, in display order.
fn status_counts(tally: &Tally) -> Vec<StatusCount> {
    DISPLAY_ORDER
        .into_iter()
        .map(|status| StatusCount {
            status,
            label: status.label(),
            count: tally.count(status),
        })
        .collect()
}

/// Achieved first, not assessed last: the order of every legend and bar.
pub const DISPLAY_ORDER: [Status; 4] = [
    Status::Achieved,
    Status::PartiallyAchieved,
    Status::NotAchieved,
    Status::NotAssessed,
];

#[derive(Debug, Clone, Serialize)]
pub struct ExecutiveSummary {
    /// Outcomes with a target that meet it.
    pub met: usize,
    /// Outcomes with a target.
    pub with_target: usize,
    /// Of those, the outcomes whose target is "not achieved": no minimum, met by any judgement
    /// ([`scoring::no_minimum`]). The "meeting target" figures every format shows are the
    /// summary's `met_minimum` of `with_minimum`, which leave them out.
    pub no_minimum: usize,
    /// "Meeting target" in words, as every format shows it: `met_minimum` of `with_minimum`,
    /// and how many more targets set no minimum ([`scoring::met_of`]).
    pub met_text: String,
    pub counts: Vec<StatusCount>,
    #[serde(flatten)]
    pub summary: Summary,
    /// The most important gaps (largest shortfall first, then framework order).
    pub top_gaps: Vec<Gap>,
    /// One sentence a board member can read aloud.
    pub headline: String,
    /// Said when answers still need review: their statuses are last period's, not this one's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_notice: Option<String>,
    /// Every override, in framework order.
    pub overrides: Vec<OverrideNote>,
    /// Said when any status is overridden: how many, and whether they count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_notice: Option<String>,
}

/// A cell of the heat map: an outcome and its status.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub id: String,
    pub status: Status,
    pub met: Option<bool>,
    /// The target is "not achieved", a minimum any judgement meets: drawn neutrally.
    pub no_minimum: bool,
    /// The status is a person's override (or, scored on computed statuses, one was ignored);
    /// `computed_status` is what the statements give.
    pub overridden: bool,
    pub computed_status: Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrincipleSection {
    pub id: String,
    pub title: String,
    pub tally: Tally,
    pub counts: Vec<StatusCount>,
    /// Its outcomes in framework order (the heat-map row).
    pub outcomes: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveSection {
    pub id: String,
    pub title: String,
    pub tally: Tally,
    /// The objective's "meeting target" in words ([`Tally::met_text`]).
    pub met_text: String,
    pub counts: Vec<StatusCount>,
    pub principles: Vec<PrincipleSection>,
}

/// A statement of good practice and whether the organisation says it is true.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    #[serde(rename = "ref")]
    pub reference: String,
    pub level: Level,
    pub text: String,
    pub selected: bool,
}

/// Everything about one outcome's judgement.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeDetail {
    pub id: String,
    pub title: String,
    pub objective: String,
    pub principle: String,
    pub status: Status,
    pub status_label: &'static str,
    pub computed_status: Status,
    pub reason: String,
    pub target: Option<Status>,
    pub met: Option<bool>,
    /// The target is "not achieved": no minimum, so `met` says nothing; shown as "no minimum".
    pub no_minimum: bool,
    pub overridden: bool,
    pub justification: Option<String>,
    /// The override in a sentence, when there is one.
    pub override_note: Option<String>,
    pub needs_review: bool,
    pub comment: Option<String>,
    pub evidence: Vec<Evidence>,
    pub suppliers: Vec<String>,
    /// Every statement of the outcome, in framework order.
    pub statements: Vec<Statement>,
}

/// An action the organisation must take on one statement to reach a target.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Make this good-practice statement true.
    Achieve,
    /// This not-achieved statement is currently true and must stop being so.
    Resolve,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    pub action: Action,
    #[serde(rename = "ref")]
    pub reference: String,
    pub level: Level,
    pub text: String,
}

/// One action the organisation recorded in its plan, as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedAction {
    pub action: String,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    pub status: ActionStatus,
    pub status_label: &'static str,
    pub note: Option<String>,
    /// Open and due before the report's `plan_as_of`.
    pub overdue: bool,
    /// The action in a line, as every format prints it.
    pub text: String,
    /// The action and its status, for the board paper's plan, whose owner and due date have
    /// columns of their own.
    pub brief: String,
}

impl PlannedAction {
    fn new(a: &crate::plan::Action, as_of: Option<Date>) -> Self {
        let overdue = as_of.is_some_and(|as_of| a.is_overdue(as_of));
        let mut details: Vec<String> = a.owner.iter().cloned().collect();
        details.extend(a.due.map(|d| format!("due {d}")));
        details.push(a.status.label().to_lowercase());
        if overdue {
            details.push("OVERDUE".into());
        }
        let mut text = format!("{} ({})", a.action, details.join(", "));
        if let Some(note) = &a.note {
            text.push_str(&format!(": {note}"));
        }
        let mut brief = format!("{} ({}", a.action, a.status.label().to_lowercase());
        brief.push_str(if overdue { ", overdue)" } else { ")" });
        PlannedAction {
            action: a.action.clone(),
            owner: a.owner.clone(),
            due: a.due.map(|d| d.to_string()),
            status: a.status,
            status_label: a.status.label(),
            note: a.note.clone(),
            overdue,
            text,
            brief,
        }
    }
}

/// One row of the targeted improvement plan: an outcome below its plan target (the plan
/// profile's, or the profile's), not assessed with a target, or with actions recorded.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// The plan profile's target; none for an outcome in the plan only for its actions.
    pub target: Option<Status>,
    /// Levels between status and target (a not-assessed outcome counts as not achieved); 0
    /// when the target is met.
    pub shortfall: u8,
    pub assessed: bool,
    /// The status the statements give, and the override's justification when `status` is a
    /// person's judgement rather than that.
    pub computed_status: Status,
    pub overridden: bool,
    pub justification: Option<String>,
    /// The override in a sentence, when there is one.
    pub override_note: Option<String>,
    /// What must become true (or stop being true) to reach the target, in the framework's words.
    pub steps: Vec<PlanStep>,
    /// `steps` in a line, by reference, for the board paper: "To reach Achieved: statements
    /// A2.b.A.3 and A2.b.A.5 to make true." (blank when there are none).
    pub brief: String,
    /// The actions the assessment file records for the outcome, in its order.
    pub actions: Vec<PlannedAction>,
    /// The owners of the open actions, each once, joined with "; " (blank when none).
    pub owner: String,
    /// The earliest due date of the open actions (blank when none).
    pub due: String,
    /// Some open action is overdue.
    pub overdue: bool,
}

/// What the plan aims at and when it is read.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// A stretch profile to plan towards instead of the scoring profile.
    pub profile: Option<String>,
    /// The date overdue actions are judged against (the command line passes today); without
    /// it nothing is overdue.
    pub as_of: Option<Date>,
}

/// How a report is built: scoring and planning choices.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub score: ScoreOptions,
    pub plan: PlanOptions,
}

/// The whole report; the `caf.report/1` JSON schema.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub generator: String,
    pub title: String,
    pub cover: Cover,
    pub summary: ExecutiveSummary,
    pub objectives: Vec<ObjectiveSection>,
    pub outcomes: Vec<OutcomeDetail>,
    /// Every outcome below target, largest shortfall first.
    pub gaps: Vec<Gap>,
    /// The profile the plan aims at: `--plan-profile`, or the scoring profile.
    pub plan_profile: Option<ProfileSummary>,
    /// The date overdue actions were judged against (`YYYY-MM-DD`).
    pub plan_as_of: Option<String>,
    /// Overdue actions in the whole plan.
    pub overdue: usize,
    pub plan: Vec<PlanItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

impl Report {
    /// Builds the report for an assessment scored against `profile` (an id, or the file's own).
    pub fn build(loaded: &LoadedAssessment, profile: Option<&str>) -> Result<Self> {
        Self::build_with(loaded, profile, &BuildOptions::default())
    }

    /// [`Report::build`], scored and planned as `options` say.
    pub fn build_with(
        loaded: &LoadedAssessment,
        profile: Option<&str>,
        options: &BuildOptions,
    ) -> Result<Self> {
        let profile = loaded.profile(profile)?;
        let framework = &loaded.framework;
        let assessment = &loaded.assessment;
        let card = scoring::score_with(framework, assessment, profile, options.score);
        let plan_profile = match &options.plan.profile {
            Some(id) => Some(framework.profile(id).ok_or_else(|| Error::UnknownProfile {
                framework: framework.id.clone(),
                id: id.clone(),
                known: framework.profile_ids().join(", "),
            })?),
            None => profile,
        };

        let cell_of = |o: &scoring::OutcomeScore| Cell {
            id: o.id.clone(),
            status: o.status,
            met: o.met,
            no_minimum: scoring::no_minimum(o.target),
            overridden: o.overridden,
            computed_status: o.computed_status,
        };
        let objectives = card
            .objectives
            .iter()
            .map(|objective| ObjectiveSection {
                id: objective.id.clone(),
                title: objective.title.clone(),
                tally: objective.tally.clone(),
                met_text: objective.tally.met_text(),
                counts: status_counts(&objective.tally),
                principles: card
                    .principles
                    .iter()
                    .filter(|p| {
                        framework
                            .principle(&p.id)
                            .is_some_and(|fp| fp.objective == objective.id)
                    })
                    .map(|p| PrincipleSection {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        tally: p.tally.clone(),
                        counts: status_counts(&p.tally),
                        outcomes: card
                            .outcomes
                            .iter()
                            .filter(|o| o.principle == p.id)
                            .map(cell_of)
                            .collect(),
                    })
                    .collect(),
            })
            .collect();

        let outcomes: Vec<OutcomeDetail> = card
            .outcomes
            .iter()
            .map(|score| {
                let outcome = framework
                    .outcome(&score.id)
                    .expect("scores are made from the framework's outcomes");
                let answer = assessment.outcomes.get(&outcome.id);
                OutcomeDetail {
                    id: score.id.clone(),
                    title: score.title.clone(),
                    objective: score.objective.clone(),
                    principle: score.principle.clone(),
                    status: score.status,
                    status_label: score.status.label(),
                    computed_status: score.computed_status,
                    reason: score.reason.clone(),
                    target: score.target,
                    met: score.met,
                    no_minimum: scoring::no_minimum(score.target),
                    overridden: score.overridden,
                    justification: score.justification.clone(),
                    override_note: override_note(score, card.computed_only),
                    needs_review: score.needs_review,
                    comment: answer.and_then(|a| a.comment.clone()),
                    evidence: answer.map(|a| a.evidence.clone()).unwrap_or_default(),
                    suppliers: answer.map(|a| a.suppliers.clone()).unwrap_or_default(),
                    statements: outcome
                        .indicators
                        .iter()
                        .map(|i| Statement {
                            reference: i.reference.to_string(),
                            level: i.level,
                            text: i.text.clone(),
                            selected: score.selected.iter().any(|s| s == i.reference.as_str()),
                        })
                        .collect(),
                }
            })
            .collect();

        let plan = plan_items(loaded, &card, plan_profile, options.plan.as_of);
        let overdue = (plan.iter().flat_map(|p| &p.actions))
            .filter(|a| a.overdue)
            .count();

        let tally = &card.summary.tally;
        let no_minimum = tally.no_minimum();
        let headline = match &card.profile {
            Some(p) => format!(
                "{} of {} outcomes with a {} target meet it{}; {} of {} outcomes assessed ({:.1}%).",
                tally.met_minimum,
                tally.with_minimum,
                p.title,
                match no_minimum {
                    0 => String::new(),
                    1 => " (1 more has no minimum: its target is not achieved)".to_string(),
                    n => format!(" ({n} more have no minimum: their target is not achieved)"),
                },
                tally.assessed,
                tally.outcomes,
                card.summary.completion
            ),
            None => format!(
                "No target profile: {} of {} outcomes assessed ({:.1}%).",
                tally.assessed, tally.outcomes, card.summary.completion
            ),
        };
        let review_notice = (tally.needs_review > 0).then(|| {
            format!(
                "{} of {} outcomes carry answers from an earlier period that have not been \
                 reviewed; until they are, their statuses are that period's, not this one's.",
                tally.needs_review, tally.outcomes
            )
        });
        let overrides: Vec<OverrideNote> = card
            .outcomes
            .iter()
            .filter_map(|o| {
                Some(OverrideNote {
                    id: o.id.clone(),
                    title: o.title.clone(),
                    computed_status: o.computed_status,
                    override_status: o.override_status?,
                    justification: o.justification.clone().unwrap_or_default(),
                    counted: !card.computed_only,
                })
            })
            .collect();
        let override_notice = (!overrides.is_empty()).then(|| {
            let n = overrides.len();
            if card.computed_only {
                format!(
                    "{} {} a status set by override; this report scores targets on the statuses \
                     the statements give, so the overrides are shown but not counted.",
                    crate::text::plural(n, "outcome"),
                    if n == 1 { "has" } else { "have" },
                )
            } else {
                format!(
                    "{} {} a status set by override rather than by the statements; each is \
                     listed below with the computed status and the justification.",
                    crate::text::plural(n, "outcome"),
                    if n == 1 { "has" } else { "have" },
                )
            }
        });
        let scope = &assessment.scope;
        Ok(Report {
            schema: REPORT_SCHEMA,
            generator: format!("caf {}", env!("CARGO_PKG_VERSION")),
            title: format!(
                "{} self-assessment: {}",
                framework_label(framework),
                assessment.organisation.name
            ),
            cover: Cover {
                organisation: assessment.organisation.clone(),
                system: scope.system.clone(),
                assessor: scope.assessor.clone(),
                date: scope.date.map(|d| d.to_string()),
                period: assessment.period.clone(),
                framework: card.framework.clone(),
                profile: card.profile.clone(),
                source: Source {
                    file: file_name(loaded.source.name()),
                    sha256: loaded.content_hash(),
                },
                unreviewed: tally.needs_review,
                overridden: tally.overridden,
                computed_only: card.computed_only,
            },
            summary: ExecutiveSummary {
                met: tally.met,
                with_target: tally.with_target,
                no_minimum,
                met_text: tally.met_text(),
                counts: status_counts(tally),
                summary: card.summary.clone(),
                top_gaps: card.gaps.iter().take(TOP_GAPS).cloned().collect(),
                headline,
                review_notice,
                overrides,
                override_notice,
            },
            objectives,
            outcomes,
            gaps: card.gaps,
            plan_profile: plan_profile.map(|p| ProfileSummary {
                id: p.id.clone(),
                title: p.title.clone(),
                provisional: p.provisional,
            }),
            plan_as_of: options.plan.as_of.map(|d| d.to_string()),
            overdue,
            plan,
            comparison: None,
        })
    }

    /// Adds the period-to-period comparison with an earlier assessment.
    pub fn compare_with(
        mut self,
        previous: &LoadedAssessment,
        catalog: &crate::framework::Catalog,
        options: compare::CompareOptions,
    ) -> Result<Self> {
        self.comparison = Some(compare::compare(&self, previous, catalog, options)?);
        Ok(self)
    }
}

/// The improvement plan: every outcome below `plan_profile`'s target (a not-assessed one counts
/// as not achieved), and every outcome with recorded actions; largest shortfall first, then
/// framework order.
fn plan_items(
    loaded: &LoadedAssessment,
    card: &scoring::Scorecard,
    plan_profile: Option<&Profile>,
    as_of: Option<Date>,
) -> Vec<PlanItem> {
    let framework = &loaded.framework;
    let assessment = &loaded.assessment;
    let mut plan: Vec<PlanItem> = (framework.outcomes.iter().zip(&card.outcomes))
        .filter_map(|(outcome, score)| {
            let target = plan_profile.and_then(|p| p.target(&outcome.id));
            let recorded = assessment.plans.get(&outcome.id);
            let current = score.status.rank().unwrap_or(0);
            let shortfall = target
                .and_then(Status::rank)
                .map_or(0, |t| t.saturating_sub(current));
            let below = target.is_some() && (shortfall > 0 || score.status == Status::NotAssessed);
            if !below && recorded.is_none_or(Vec::is_empty) {
                return None;
            }
            let selected = (assessment.outcomes.get(&outcome.id))
                .map(|a| a.selected.clone())
                .unwrap_or_default();
            let steps = match target {
                Some(target) if below => steps_to_target(framework, outcome, &selected, target),
                _ => Vec::new(),
            };
            let actions: Vec<PlannedAction> = (recorded.into_iter().flatten())
                .map(|a| PlannedAction::new(a, as_of))
                .collect();
            let open = || (recorded.into_iter().flatten()).filter(|a| a.status.is_open());
            let mut owners: Vec<&str> = Vec::new();
            for owner in open().filter_map(|a| a.owner.as_deref()) {
                if !owners.contains(&owner) {
                    owners.push(owner);
                }
            }
            Some(PlanItem {
                id: score.id.clone(),
                title: score.title.clone(),
                status: score.status,
                target,
                shortfall,
                assessed: score.status != Status::NotAssessed,
                computed_status: score.computed_status,
                overridden: score.overridden,
                justification: score.justification.clone(),
                override_note: override_note(score, card.computed_only),
                brief: plan_brief(target, &steps),
                steps,
                owner: owners.join("; "),
                due: open()
                    .filter_map(|a| a.due)
                    .min()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                overdue: actions.iter().any(|a| a.overdue),
                actions,
            })
        })
        .collect();
    // `sort_by_key` is stable, so framework order breaks ties.
    plan.sort_by_key(|p| std::cmp::Reverse(p.shortfall));
    plan
}

/// A plan item's steps in a line ([`PlanItem::brief`]): which statements to stop being true
/// and which to make true, by reference; a long list by its count and its first and last.
fn plan_brief(target: Option<Status>, steps: &[PlanStep]) -> String {
    let Some(target) = target.filter(|_| !steps.is_empty()) else {
        return String::new();
    };
    let refs = |action: fn(&Action) -> bool| -> Option<String> {
        let refs: Vec<&str> = (steps.iter())
            .filter(|s| action(&s.action))
            .map(|s| s.reference.as_str())
            .collect();
        match refs.as_slice() {
            [] => None,
            [one] => Some(format!("statement {one}")),
            few @ [_, _] | few @ [_, _, _] => {
                Some(format!("statements {}", crate::text::and_list(few)))
            }
            [first, .., last] => Some(format!("{} statements ({first} to {last})", refs.len())),
        }
    };
    let mut parts = Vec::new();
    if let Some(resolve) = refs(|a| matches!(a, Action::Resolve)) {
        parts.push(format!("{resolve} to stop being true"));
    }
    if let Some(achieve) = refs(|a| matches!(a, Action::Achieve)) {
        parts.push(format!("{achieve} to make true"));
    }
    format!("To reach {}: {}.", target.label(), parts.join("; "))
}

/// An outcome's override in a sentence: what the person said, what the statements give, why,
/// and whether it counts.
fn override_note(o: &scoring::OutcomeScore, computed_only: bool) -> Option<String> {
    let status = o.override_status?;
    let justification = o.justification.as_deref().unwrap_or_default();
    Some(if computed_only {
        format!(
            "Override to {} not counted (scored on computed statuses). Justification: {justification}",
            status.label().to_lowercase()
        )
    } else {
        format!(
            "{} by override; the statements give {}. Justification: {justification}",
            status.label(),
            o.computed_status.label().to_lowercase()
        )
    })
}

fn framework_label(framework: &Framework) -> String {
    format!("{} v{}", framework.name, framework.version)
}

/// The name shown on the cover: the file's own name, not the folder it was read from, so the
/// same file gives the same report wherever it is.
fn file_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map_or_else(|| name.to_string(), |n| n.to_string_lossy().into_owned())
}

/// The statements to make true (and the not-achieved ones to make false) so that the rules give
/// at least `target`. Tries the smallest change first: the unselected statements at the
/// target's level; then, for outcomes whose rules need more (a level with no statements, say),
/// every level from the target's upwards. Each candidate is checked with the framework's own
/// rules, so the plan is right for any rule set, not just the shipped one.
fn steps_to_target(
    framework: &Framework,
    outcome: &Outcome,
    selected: &[crate::framework::IndicatorRef],
    target: Status,
) -> Vec<PlanStep> {
    let Some(target_rank) = target.rank() else {
        return Vec::new();
    };
    let target_level = Level::ALL[usize::from(target_rank)];
    let resolve: Vec<&crate::framework::Indicator> = outcome
        .indicators_at(Level::NotAchieved)
        .filter(|i| selected.contains(&i.reference))
        .collect();
    let candidates: Vec<Vec<Level>> = vec![
        vec![target_level],
        Level::ALL
            .into_iter()
            .filter(|l| *l >= target_level && *l != Level::NotAchieved)
            .collect(),
        vec![Level::PartiallyAchieved, Level::Achieved],
    ];
    for levels in candidates {
        let achieve: Vec<&crate::framework::Indicator> = outcome
            .indicators
            .iter()
            .filter(|i| levels.contains(&i.level) && i.level != Level::NotAchieved)
            .filter(|i| !selected.contains(&i.reference))
            .collect();
        let mut hypothetical: Vec<_> = selected
            .iter()
            .filter(|r| !resolve.iter().any(|i| &i.reference == *r))
            .cloned()
            .collect();
        hypothetical.extend(achieve.iter().map(|i| i.reference.clone()));
        let reached = scoring::judge(framework, outcome, &hypothetical).status;
        if reached.rank() >= Some(target_rank) {
            let step = |action: Action, i: &crate::framework::Indicator| PlanStep {
                action,
                reference: i.reference.to_string(),
                level: i.level,
                text: i.text.clone(),
            };
            return resolve
                .iter()
                .map(|i| step(Action::Resolve, i))
                .chain(achieve.iter().map(|i| step(Action::Achieve, i)))
                .collect();
        }
    }
    // The rules cannot reach the target from any selection (for example a partially-achieved
    // target on an outcome with no such statements): say what would at least be needed.
    resolve
        .iter()
        .map(|i| PlanStep {
            action: Action::Resolve,
            reference: i.reference.to_string(),
            level: i.level,
            text: i.text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Catalog;

    fn framework() -> std::sync::Arc<Framework> {
        Catalog::shipped().framework("caf-4.0").unwrap()
    }

    #[test]
    fn plan_to_achieved_lists_unselected_achieved_statements_and_selected_na_ones() {
        let fw = framework();
        let outcome = fw.outcome("B4.d").unwrap();
        let na = outcome.indicators_at(Level::NotAchieved).next().unwrap();
        let selected = vec![na.reference.clone()];
        let steps = steps_to_target(&fw, outcome, &selected, Status::Achieved);
        assert!(matches!(steps[0].action, Action::Resolve));
        assert_eq!(steps[0].reference, na.reference.as_str());
        let achieve: Vec<_> = steps
            .iter()
            .filter(|s| matches!(s.action, Action::Achieve))
            .collect();
        assert_eq!(
            achieve.len(),
            outcome.indicators_at(Level::Achieved).count()
        );
        assert!(achieve.iter().all(|s| s.level == Level::Achieved));
    }

    /// The board paper's line for a plan item names the statements by reference, a long list
    /// by its count and its ends.
    #[test]
    fn a_plan_items_brief_names_its_statements_by_reference() {
        let fw = framework();
        let outcome = fw.outcome("B4.d").unwrap();
        let na = outcome.indicators_at(Level::NotAchieved).next().unwrap();
        let steps = steps_to_target(
            &fw,
            outcome,
            std::slice::from_ref(&na.reference),
            Status::Achieved,
        );
        let achieved: Vec<&str> = (outcome.indicators_at(Level::Achieved))
            .map(|i| i.reference.as_str())
            .collect();
        assert!(achieved.len() > 3);
        assert_eq!(
            plan_brief(Some(Status::Achieved), &steps),
            format!(
                "To reach Achieved: statement {} to stop being true; {} statements ({} to {}) to make true.",
                na.reference,
                achieved.len(),
                achieved[0],
                achieved[achieved.len() - 1]
            )
        );
        let two = &steps[1..3];
        assert_eq!(
            plan_brief(Some(Status::Achieved), two),
            format!(
                "To reach Achieved: statements {} and {} to make true.",
                achieved[0], achieved[1]
            )
        );
        assert_eq!(plan_brief(None, &steps), "");
        assert_eq!(plan_brief(Some(Status::Achieved), &[]), "");
    }

    #[test]
    fn plan_to_partially_achieved_needs_only_partially_achieved_statements() {
        let fw = framework();
        let outcome = fw.outcome("B2.a").unwrap();
        let steps = steps_to_target(&fw, outcome, &[], Status::PartiallyAchieved);
        assert!(!steps.is_empty());
        assert!(steps.iter().all(|s| s.level == Level::PartiallyAchieved));
        let refs: Vec<_> = steps
            .iter()
            .map(|s| crate::framework::IndicatorRef::checked(s.reference.clone()))
            .collect();
        assert_eq!(
            scoring::judge(&fw, outcome, &refs).status,
            Status::PartiallyAchieved
        );
    }
}

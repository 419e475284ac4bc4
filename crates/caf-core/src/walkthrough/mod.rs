//! The guided self-assessment as a state machine: where the officer is, where each navigation
//! step leads, what to ask about the current outcome, and how an answer changes the assessment.
//!
//! It knows nothing of terminals: the prompt layer (`cli/assess.rs`) asks the questions this
//! module describes and hands back what the officer chose. Every change comes back as a
//! [`Change`] that the [`writer`] applies to the file before the next question is shown, so
//! nothing confirmed lives only in memory.

pub mod carry;
pub mod writer;

use std::sync::Arc;

use crate::assessment::{Answer, Assessment, Evidence, Override};
use crate::framework::{
    Framework, Indicator, IndicatorRef, Level, Objective, Outcome, OutcomeId, Principle, Profile,
    Status,
};
use crate::scoring::{self, OutcomeScore, Scorecard};

/// The order in which statement levels are asked: the clearest signal first. A true
/// not-achieved statement settles the status, then the achieved statements, then the
/// partially-achieved ones.
pub const ASK_ORDER: [Level; 3] = [
    Level::NotAchieved,
    Level::Achieved,
    Level::PartiallyAchieved,
];

/// Which outcomes `next` and `back` stop at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every outcome in framework order.
    #[default]
    All,
    /// Outcomes not answered yet, or carried forward and not yet confirmed.
    ToDo,
    /// Outcomes with a target they do not meet (unanswered ones included).
    BelowTarget,
}

impl Filter {
    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all outcomes",
            Filter::ToDo => "only unanswered outcomes (and those to review)",
            Filter::BelowTarget => "only outcomes below target",
        }
    }
}

/// One level's statements with the ones currently selected.
#[derive(Debug, Clone)]
pub struct LevelQuestion<'a> {
    pub level: Level,
    pub statements: Vec<&'a Indicator>,
    /// Positions in `statements` that are selected now.
    pub selected: Vec<usize>,
}

/// Everything to show and ask for the current outcome.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub outcome: &'a Outcome,
    pub objective: Option<&'a Objective>,
    pub principle: Option<&'a Principle>,
    /// 1-based position in framework order, and the number of outcomes.
    pub number: usize,
    pub total: usize,
    pub target: Option<Status>,
    pub answer: Option<&'a Answer>,
    /// The levels to ask, in [`ASK_ORDER`], without levels that have no statements.
    pub levels: Vec<LevelQuestion<'a>>,
    /// Whether to ask for critical suppliers (the supply-chain principle, A4).
    pub asks_suppliers: bool,
}

/// An answer that changed: what the writer must put in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub id: OutcomeId,
    pub before: Option<Answer>,
    pub after: Answer,
}

/// A plan that changed: one outcome's actions before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanChange {
    pub id: OutcomeId,
    pub before: Vec<crate::plan::Action>,
    pub after: Vec<crate::plan::Action>,
}

/// Why a step could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("`{0}` is not an outcome of this framework")]
    UnknownOutcome(String),
    #[error("an override needs a justification")]
    MissingJustification,
    #[error("outcome {outcome} cannot be {status}: no answer to its statements gives that status")]
    ImpossibleOverride {
        outcome: String,
        status: &'static str,
    },
    #[error("no outcome is being answered")]
    Finished,
    #[error("answer the outcome's statements first")]
    Unanswered,
    #[error("a plan action needs to say what will be done")]
    EmptyAction,
    #[error("an action that is not planned needs a reason in its note")]
    MissingReason,
}

/// The walk-through's state.
#[derive(Debug, Clone)]
pub struct Walkthrough {
    framework: Arc<Framework>,
    profile: Option<Profile>,
    assessment: Assessment,
    /// Index into `framework.outcomes`; `None` once the walk has run past the last outcome.
    position: Option<usize>,
    filter: Filter,
    /// Outcomes visited before the current one, for `back`.
    history: Vec<usize>,
}

impl Walkthrough {
    /// Starts at the first outcome still to do (unanswered or needing review); when every
    /// outcome is done, the walk starts finished.
    pub fn new(
        framework: Arc<Framework>,
        profile: Option<Profile>,
        assessment: Assessment,
    ) -> Self {
        let mut walk = Self {
            framework,
            profile,
            assessment,
            position: None,
            filter: Filter::All,
            history: Vec::new(),
        };
        walk.position = walk.first_to_do();
        walk
    }

    pub fn framework(&self) -> &Framework {
        &self.framework
    }

    pub fn assessment(&self) -> &Assessment {
        &self.assessment
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    pub fn filter(&self) -> Filter {
        self.filter
    }

    pub fn is_finished(&self) -> bool {
        self.position.is_none()
    }

    pub fn current(&self) -> Option<&Outcome> {
        self.position.map(|i| &self.framework.outcomes[i])
    }

    /// Whether an outcome still needs the officer: no answer, or a carried-forward one.
    pub fn is_to_do(&self, outcome: &Outcome) -> bool {
        self.assessment
            .outcomes
            .get(&outcome.id)
            .is_none_or(|a| a.needs_review)
    }

    /// Counts of (done, to do) over the whole framework.
    pub fn progress(&self) -> (usize, usize) {
        let to_do = self
            .framework
            .outcomes
            .iter()
            .filter(|o| self.is_to_do(o))
            .count();
        (self.framework.outcomes.len() - to_do, to_do)
    }

    fn first_to_do(&self) -> Option<usize> {
        self.framework
            .outcomes
            .iter()
            .position(|o| self.is_to_do(o))
    }

    fn matches(&self, index: usize) -> bool {
        let outcome = &self.framework.outcomes[index];
        match self.filter {
            Filter::All => true,
            Filter::ToDo => self.is_to_do(outcome),
            Filter::BelowTarget => {
                let score = self.score(outcome);
                score.target.is_some() && score.met != Some(true)
            }
        }
    }

    fn move_to(&mut self, index: Option<usize>) {
        if let Some(current) = self.position
            && index != Some(current)
        {
            self.history.push(current);
        }
        self.position = index;
    }

    /// Moves to the next outcome that passes the filter, or finishes.
    pub fn next(&mut self) {
        let start = self.position.map_or(0, |i| i + 1);
        let found = (start..self.framework.outcomes.len()).find(|&i| self.matches(i));
        self.move_to(found);
    }

    /// Leaves the current outcome as it is and moves on.
    pub fn skip(&mut self) {
        self.next();
    }

    /// Returns to the outcome visited before this one (or the previous one in framework order).
    /// Returns false when there is nowhere to go back to.
    pub fn back(&mut self) -> bool {
        let target = match self.history.pop() {
            Some(i) => Some(i),
            None => match self.position {
                Some(i) if i > 0 => Some(i - 1),
                Some(_) => None,
                None => self.framework.outcomes.len().checked_sub(1),
            },
        };
        match target {
            Some(i) => {
                self.position = Some(i);
                true
            }
            None => false,
        }
    }

    /// Goes to an outcome by id (`B2.a`), whatever the filter.
    pub fn jump(&mut self, id: &str) -> Result<(), StepError> {
        let index = self
            .framework
            .position(id.trim())
            .ok_or_else(|| StepError::UnknownOutcome(id.trim().to_string()))?;
        self.move_to(Some(index));
        Ok(())
    }

    /// Changes the filter; when the current outcome does not pass it, moves to the first one
    /// that does, searching forward and then from the start. Returns false (and keeps the
    /// position and the old filter) when no outcome passes.
    pub fn set_filter(&mut self, filter: Filter) -> bool {
        let old = self.filter;
        self.filter = filter;
        if self.position.is_some_and(|i| self.matches(i)) {
            return true;
        }
        let n = self.framework.outcomes.len();
        let start = self.position.unwrap_or(0);
        match (start..n).chain(0..start).find(|&i| self.matches(i)) {
            Some(i) => {
                self.move_to(Some(i));
                true
            }
            None => {
                self.filter = old;
                false
            }
        }
    }

    /// Restarts the walk at the first outcome passing the filter (after it has finished).
    pub fn restart(&mut self) -> bool {
        let found = (0..self.framework.outcomes.len()).find(|&i| self.matches(i));
        self.position = found;
        found.is_some()
    }

    /// What to show and ask for the current outcome.
    pub fn question(&self) -> Option<Question<'_>> {
        let index = self.position?;
        let outcome = &self.framework.outcomes[index];
        let answer = self.assessment.outcomes.get(&outcome.id);
        let levels = ASK_ORDER
            .into_iter()
            .filter_map(|level| {
                let statements: Vec<&Indicator> = outcome.indicators_at(level).collect();
                if statements.is_empty() {
                    return None;
                }
                let selected = statements
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| answer.is_some_and(|a| a.selected.contains(&s.reference)))
                    .map(|(i, _)| i)
                    .collect();
                Some(LevelQuestion {
                    level,
                    statements,
                    selected,
                })
            })
            .collect();
        Some(Question {
            outcome,
            objective: self.framework.objective(&outcome.objective),
            principle: self.framework.principle(&outcome.principle),
            number: index + 1,
            total: self.framework.outcomes.len(),
            target: self.profile.as_ref().and_then(|p| p.target(&outcome.id)),
            answer,
            levels,
            asks_suppliers: outcome.principle == "A4",
        })
    }

    /// Scores one outcome with the current answers (through [`scoring::score_outcome`]).
    pub fn score(&self, outcome: &Outcome) -> OutcomeScore {
        scoring::score_outcome(
            &self.framework,
            outcome,
            self.assessment.outcomes.get(&outcome.id),
            self.profile.as_ref(),
        )
    }

    /// The current outcome's score.
    pub fn current_score(&self) -> Option<OutcomeScore> {
        self.current().map(|o| self.score(o))
    }

    /// The whole assessment's scorecard.
    pub fn scorecard(&self) -> Scorecard {
        scoring::score(&self.framework, &self.assessment, self.profile.as_ref())
    }

    /// Scores of the outcomes in the current outcome's objective, for a review.
    pub fn objective_review(&self) -> Vec<OutcomeScore> {
        let Some(current) = self.current() else {
            return Vec::new();
        };
        self.framework
            .outcomes
            .iter()
            .filter(|o| o.objective == current.objective)
            .map(|o| self.score(o))
            .collect()
    }

    /// Records the statements the officer says are true for the current outcome. The answer
    /// counts as confirmed, so a carried-forward outcome no longer needs review. Statements of
    /// other outcomes are ignored.
    pub fn answer(&mut self, selected: &[IndicatorRef]) -> Result<Change, StepError> {
        let outcome = self.current().ok_or(StepError::Finished)?;
        // Keep framework order whatever order the selection came in.
        let selected: Vec<IndicatorRef> = outcome
            .indicators
            .iter()
            .filter(|i| selected.contains(&i.reference))
            .map(|i| i.reference.clone())
            .collect();
        self.update(false, |a| {
            a.selected = selected;
            a.needs_review = false;
        })
    }

    /// Confirms a carried-forward answer as it stands.
    pub fn confirm(&mut self) -> Result<Change, StepError> {
        self.update(true, |a| a.needs_review = false)
    }

    pub fn set_comment(&mut self, comment: &str) -> Result<Change, StepError> {
        let comment = comment.trim();
        self.update(true, |a| {
            a.comment = (!comment.is_empty()).then(|| comment.to_string())
        })
    }

    pub fn add_evidence(&mut self, title: &str, location: &str) -> Result<Change, StepError> {
        let evidence = Evidence {
            title: title.trim().to_string(),
            location: location.trim().to_string(),
        };
        self.update(true, |a| a.evidence.push(evidence))
    }

    pub fn remove_evidence(&mut self, index: usize) -> Result<Change, StepError> {
        self.update(true, |a| {
            if index < a.evidence.len() {
                a.evidence.remove(index);
            }
        })
    }

    /// Replaces the critical suppliers; blanks are dropped.
    pub fn set_suppliers(&mut self, suppliers: &[String]) -> Result<Change, StepError> {
        let suppliers: Vec<String> = suppliers
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        self.update(true, |a| a.suppliers = suppliers)
    }

    /// Overrides the computed status; a justification is mandatory.
    pub fn set_override(
        &mut self,
        status: Status,
        justification: &str,
    ) -> Result<Change, StepError> {
        let justification = justification.trim();
        if justification.is_empty() {
            return Err(StepError::MissingJustification);
        }
        let outcome = self.current().ok_or(StepError::Finished)?;
        if !crate::scoring::reachable(&self.framework, outcome, status) {
            return Err(StepError::ImpossibleOverride {
                outcome: outcome.id.to_string(),
                status: status.label(),
            });
        }
        let override_ = Override {
            status,
            justification: justification.to_string(),
        };
        self.update(true, |a| a.override_ = Some(override_))
    }

    pub fn clear_override(&mut self) -> Result<Change, StepError> {
        self.update(true, |a| a.override_ = None)
    }

    /// The current outcome's plan.
    pub fn plan(&self) -> &[crate::plan::Action] {
        (self.current())
            .and_then(|o| self.assessment.plans.get(&o.id))
            .map_or(&[], Vec::as_slice)
    }

    /// Adds an action to the current outcome's plan, checked as the reader checks one.
    pub fn add_action(&mut self, action: crate::plan::Action) -> Result<PlanChange, StepError> {
        let id = self.current().ok_or(StepError::Finished)?.id.clone();
        let text = |t: Option<String>| t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let action = crate::plan::Action {
            action: action.action.trim().to_string(),
            owner: text(action.owner),
            note: text(action.note),
            ..action
        };
        if action.action.is_empty() {
            return Err(StepError::EmptyAction);
        }
        if action.status == crate::plan::ActionStatus::NotPlanned && action.note.is_none() {
            return Err(StepError::MissingReason);
        }
        let before = self.plan().to_vec();
        let mut after = before.clone();
        after.push(action);
        self.assessment.plans.insert(id.clone(), after.clone());
        Ok(PlanChange { id, before, after })
    }

    /// Applies `edit` to the current outcome's answer; `needs_answer` refuses outcomes that
    /// have not been answered yet (a comment alone is not an answer).
    fn update(
        &mut self,
        needs_answer: bool,
        edit: impl FnOnce(&mut Answer),
    ) -> Result<Change, StepError> {
        let id = self.current().ok_or(StepError::Finished)?.id.clone();
        let before = self.assessment.outcomes.get(&id).cloned();
        if needs_answer && before.is_none() {
            return Err(StepError::Unanswered);
        }
        let mut after = before.clone().unwrap_or_default();
        edit(&mut after);
        self.assessment.outcomes.insert(id.clone(), after.clone());
        Ok(Change { id, before, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Organisation, Scope};
    use crate::framework::Catalog;

    fn walk(answers: &[(&str, &[&str])]) -> Walkthrough {
        let framework = Catalog::shipped().framework("caf-4.0").unwrap();
        let profile = framework.profile("baseline").cloned();
        let outcomes = answers
            .iter()
            .map(|(id, refs)| {
                (
                    OutcomeId::new(*id),
                    Answer {
                        selected: refs
                            .iter()
                            .map(|r| framework.outcome(id).unwrap().indicator(r).unwrap())
                            .map(|i| i.reference.clone())
                            .collect(),
                        ..Answer::default()
                    },
                )
            })
            .collect();
        let assessment = Assessment {
            framework: "caf-4.0".into(),
            profile: Some("baseline".into()),
            period: None,
            organisation: Organisation::default(),
            scope: Scope::default(),
            outcomes,
            plans: Default::default(),
        };
        Walkthrough::new(framework, profile, assessment)
    }

    fn id(w: &Walkthrough) -> Option<String> {
        w.current().map(|o| o.id.to_string())
    }

    fn refs(w: &Walkthrough, level: Level) -> Vec<IndicatorRef> {
        w.current()
            .unwrap()
            .indicators_at(level)
            .map(|i| i.reference.clone())
            .collect()
    }

    #[test]
    fn starts_at_the_first_unanswered_outcome() {
        assert_eq!(id(&walk(&[])).as_deref(), Some("A1.a"));
        let w = walk(&[("A1.a", &["A1.a.NA.1"]), ("A1.b", &[])]);
        assert_eq!(id(&w).as_deref(), Some("A1.c"));
    }

    #[test]
    fn asks_levels_in_order_with_current_answers_preselected() {
        let mut w = walk(&[("A2.a", &["A2.a.A.2"])]);
        w.jump("A2.a").unwrap();
        let q = w.question().unwrap();
        let levels: Vec<Level> = q.levels.iter().map(|l| l.level).collect();
        assert_eq!(levels, ASK_ORDER.to_vec());
        assert_eq!(q.levels[1].selected, vec![1]);
        assert!(q.levels[0].selected.is_empty());
        assert_eq!((q.number, q.total), (4, 41));
        // D1.b has no partially-achieved statements, so that level is not asked.
        w.jump("D1.b").unwrap();
        assert_eq!(w.question().unwrap().levels.len(), 2);
    }

    #[test]
    fn answering_scores_through_the_rules_and_moves_on() {
        let mut w = walk(&[]);
        let all_achieved = refs(&w, Level::Achieved);
        let change = w.answer(&all_achieved).unwrap();
        assert_eq!(change.id.as_str(), "A1.a");
        assert!(change.before.is_none());
        assert_eq!(w.current_score().unwrap().status, Status::Achieved);
        w.next();
        assert_eq!(id(&w).as_deref(), Some("A1.b"));
        let na = refs(&w, Level::NotAchieved);
        w.answer(&na[..1]).unwrap();
        let score = w.current_score().unwrap();
        assert_eq!(score.status, Status::NotAchieved);
        assert_eq!(score.met, Some(false));
        assert_eq!(w.progress(), (2, 39));
    }

    #[test]
    fn back_returns_to_the_outcome_visited_before() {
        let mut w = walk(&[]);
        w.next();
        w.jump("C1.a").unwrap();
        assert!(w.back());
        assert_eq!(id(&w).as_deref(), Some("A1.b"));
        assert!(w.back());
        assert_eq!(id(&w).as_deref(), Some("A1.a"));
        assert!(!w.back(), "nothing before the first outcome");
        assert_eq!(
            w.jump("Z9.z"),
            Err(StepError::UnknownOutcome("Z9.z".into()))
        );
    }

    #[test]
    fn filters_choose_where_next_stops() {
        let mut w = walk(&[("A1.b", &["A1.b.A.1"]), ("A1.c", &[])]);
        assert!(w.set_filter(Filter::ToDo));
        assert_eq!(id(&w).as_deref(), Some("A1.a"));
        w.next();
        assert_eq!(id(&w).as_deref(), Some("A2.a"), "skips answered A1.b, A1.c");
        // Below target: A1.c is answered with nothing selected (not achieved, target set).
        w.jump("A1.a").unwrap();
        let all = refs(&w, Level::Achieved);
        w.answer(&all).unwrap();
        assert!(w.set_filter(Filter::BelowTarget));
        assert_eq!(id(&w).as_deref(), Some("A1.b"), "A1.a now meets its target");
        w.next();
        assert_eq!(id(&w).as_deref(), Some("A1.c"));
    }

    #[test]
    fn runs_off_the_end_and_restarts() {
        let mut w = walk(&[]);
        w.jump("D2.b").unwrap();
        w.skip();
        assert!(w.is_finished());
        assert!(w.question().is_none());
        assert!(w.back());
        assert_eq!(id(&w).as_deref(), Some("D2.b"));
        w.skip();
        assert!(w.restart());
        assert_eq!(id(&w).as_deref(), Some("A1.a"));
    }

    #[test]
    fn overrides_need_a_justification_and_an_answer() {
        let mut w = walk(&[]);
        assert_eq!(
            w.set_override(Status::Achieved, "because"),
            Err(StepError::Unanswered)
        );
        w.answer(&[]).unwrap();
        assert_eq!(
            w.set_override(Status::Achieved, "  "),
            Err(StepError::MissingJustification)
        );
        let change = w
            .set_override(Status::Achieved, "Compensating controls")
            .unwrap();
        assert_eq!(change.after.override_.unwrap().status, Status::Achieved);
        let score = w.current_score().unwrap();
        assert!(score.overridden);
        assert_eq!(score.status, Status::Achieved);
        assert_eq!(score.computed_status, Status::NotAchieved);
        // v4.0 A1.a has no partially-achieved statements: no honest override says it is.
        assert_eq!(
            w.set_override(Status::PartiallyAchieved, "Half the board is briefed"),
            Err(StepError::ImpossibleOverride {
                outcome: "A1.a".into(),
                status: "Partially achieved"
            })
        );
        assert_eq!(
            w.current_score().unwrap().status,
            Status::Achieved,
            "the refused override changes nothing"
        );
    }

    #[test]
    fn confirming_clears_needs_review() {
        let mut w = walk(&[("A1.a", &["A1.a.A.1"])]);
        w.assessment.outcomes.get_mut("A1.a").unwrap().needs_review = true;
        let mut w = Walkthrough::new(w.framework.clone(), w.profile.clone(), w.assessment);
        assert_eq!(id(&w).as_deref(), Some("A1.a"), "carried outcome is to do");
        let change = w.confirm().unwrap();
        assert!(change.before.unwrap().needs_review);
        assert!(!change.after.needs_review);
        assert!(!w.is_to_do(w.current().unwrap()));
    }
}

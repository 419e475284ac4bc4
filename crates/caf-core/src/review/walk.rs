//! The review walk-through as a state machine: where the reviewer is (an outcome, an
//! objective's notes, or the overall fields at the end), where navigation leads, what to show,
//! and how each answer changes the review.
//!
//! Like [`crate::walkthrough`], it knows nothing of terminals: the prompt layer asks what
//! [`ReviewWalk::place`] describes and hands back what the reviewer chose. Every answer comes
//! back as a [`ReviewChange`] that [`super::file::ReviewFile`] writes into the file before the
//! next question, so nothing confirmed lives only in memory. The first answer moves the review
//! from to-do (or completed) to in-progress; [`ReviewWalk::complete`] marks it completed once
//! every outcome has a decision. A finalised review is not walked: reopen it first.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Decision, Lifecycle, ObjectiveNotes, OutcomeReview, Overall, Recommendation, Review};
use crate::assessment::{Answer, Assessment};
use crate::framework::{Framework, Objective, Outcome, Profile};
use crate::scoring::{self, OutcomeScore, Scorecard};

/// One stop of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// An outcome, by its index in framework order.
    Outcome(usize),
    /// An objective's notes (good practice, improvement), after its last outcome.
    Objective(usize),
    /// The overall fields and completing the review: the end of the walk.
    Overall,
}

/// One edit of the review file.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Outcome {
        id: String,
        before: Option<OutcomeReview>,
        after: OutcomeReview,
    },
    Objective {
        id: String,
        before: ObjectiveNotes,
        after: ObjectiveNotes,
    },
    Overall {
        before: Overall,
        after: Overall,
    },
    ReviewerOrganisation(String),
    Status(Lifecycle),
    Version(u32),
}

/// What one answer changes: the edits, in the order they are written.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewChange {
    pub edits: Vec<Edit>,
}

/// Why a step could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("the review is finalised: reopen it with `caf review reopen` to change it")]
    Finalised,
    #[error("`{0}` is not an outcome or objective of this framework")]
    Unknown(String),
    #[error("this step is not about an outcome")]
    NotAnOutcome,
    #[error("this step is not about an objective")]
    NotAnObjective,
    #[error("{} outcomes have no decision yet (the first is {})", .0.len(), .0[0])]
    Undecided(Vec<String>),
    #[error("a recommendation needs a risk and a recommendation")]
    EmptyRecommendation,
    #[error("there is no recommendation {0} on this outcome")]
    NoRecommendation(usize),
}

/// Everything to show about the current outcome: the self-assessment and the review so far.
#[derive(Debug, Clone)]
pub struct OutcomeView<'a> {
    pub outcome: &'a Outcome,
    pub objective: Option<&'a Objective>,
    /// 1-based position among the outcomes, and their number.
    pub number: usize,
    pub total: usize,
    pub score: &'a OutcomeScore,
    pub answer: Option<&'a Answer>,
    pub review: Option<&'a OutcomeReview>,
}

/// The walk's state.
#[derive(Debug, Clone)]
pub struct ReviewWalk {
    framework: Arc<Framework>,
    assessment: Assessment,
    card: Scorecard,
    review: Review,
    places: Vec<Place>,
    position: usize,
    history: Vec<usize>,
}

impl ReviewWalk {
    /// Starts at the first outcome without a decision; with every outcome decided, at the end.
    pub fn new(
        framework: Arc<Framework>,
        profile: Option<&Profile>,
        assessment: Assessment,
        review: Review,
    ) -> Result<Self, WalkError> {
        if review.status == Lifecycle::Finalised {
            return Err(WalkError::Finalised);
        }
        let card = scoring::score(&framework, &assessment, profile);
        let mut places = Vec::new();
        for (o, objective) in framework.objectives.iter().enumerate() {
            for (i, outcome) in framework.outcomes.iter().enumerate() {
                if outcome.objective == objective.id {
                    places.push(Place::Outcome(i));
                }
            }
            places.push(Place::Objective(o));
        }
        places.push(Place::Overall);
        let mut walk = Self {
            framework,
            assessment,
            card,
            review,
            places,
            position: 0,
            history: Vec::new(),
        };
        walk.position = walk
            .undecided()
            .first()
            .and_then(|id| walk.index_of(id))
            .unwrap_or(walk.places.len() - 1);
        Ok(walk)
    }

    pub fn framework(&self) -> &Framework {
        &self.framework
    }

    pub fn review(&self) -> &Review {
        &self.review
    }

    pub fn place(&self) -> Place {
        self.places[self.position]
    }

    /// Every stop in walk order, for a jump menu.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The self-assessed score of every outcome, in framework order.
    pub fn scores(&self) -> &[OutcomeScore] {
        &self.card.outcomes
    }

    /// Outcomes without a decision, in framework order.
    pub fn undecided(&self) -> Vec<String> {
        (self.framework.outcomes.iter())
            .filter(|o| {
                (self.review.outcomes.get(o.id.as_str())).is_none_or(|r| r.decision.is_none())
            })
            .map(|o| o.id.to_string())
            .collect()
    }

    /// Counts of (decided, undecided) outcomes.
    pub fn progress(&self) -> (usize, usize) {
        let undecided = self.undecided().len();
        (self.framework.outcomes.len() - undecided, undecided)
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        if id.eq_ignore_ascii_case("overall") {
            return Some(self.places.len() - 1);
        }
        let wanted = if let Some(i) = self.framework.position(id) {
            Place::Outcome(i)
        } else {
            let o = (self.framework.objectives.iter()).position(|o| o.id == id)?;
            Place::Objective(o)
        };
        self.places.iter().position(|p| *p == wanted)
    }

    /// Moves to the next stop; stays at the end.
    pub fn next(&mut self) {
        if self.position + 1 < self.places.len() {
            self.history.push(self.position);
            self.position += 1;
        }
    }

    /// Goes back to where the reviewer came from (or the stop before); false at the start.
    pub fn back(&mut self) -> bool {
        match self.history.pop() {
            Some(p) => self.position = p,
            None if self.position > 0 => self.position -= 1,
            None => return false,
        }
        true
    }

    /// Jumps to an outcome (`A1.a`), an objective (`A`) or `overall`.
    pub fn jump(&mut self, id: &str) -> Result<(), WalkError> {
        let index = self
            .index_of(id)
            .ok_or_else(|| WalkError::Unknown(id.to_string()))?;
        self.history.push(self.position);
        self.position = index;
        Ok(())
    }

    /// The current outcome, with the self-assessment beside it.
    pub fn outcome(&self) -> Option<OutcomeView<'_>> {
        let Place::Outcome(i) = self.place() else {
            return None;
        };
        let outcome = &self.framework.outcomes[i];
        Some(OutcomeView {
            outcome,
            objective: self.framework.objective(&outcome.objective),
            number: i + 1,
            total: self.framework.outcomes.len(),
            score: &self.card.outcomes[i],
            answer: self.assessment.outcomes.get(&outcome.id),
            review: self.review.outcomes.get(outcome.id.as_str()),
        })
    }

    /// The current objective and its notes so far.
    pub fn objective(&self) -> Option<(&Objective, ObjectiveNotes)> {
        let Place::Objective(o) = self.place() else {
            return None;
        };
        let objective = &self.framework.objectives[o];
        let notes = (self.review.objectives.get(&objective.id).cloned()).unwrap_or_default();
        Some((objective, notes))
    }

    /// The status edit that the first answer (or a change to a completed review) brings.
    fn started(&mut self, edits: &mut Vec<Edit>) {
        if matches!(self.review.status, Lifecycle::ToDo | Lifecycle::Completed) {
            self.review.status = Lifecycle::InProgress;
            edits.push(Edit::Status(Lifecycle::InProgress));
        }
    }

    /// Changes the current outcome's review with `edit`.
    fn change_outcome(
        &mut self,
        edit: impl FnOnce(&mut OutcomeReview) -> Result<(), WalkError>,
    ) -> Result<ReviewChange, WalkError> {
        let Place::Outcome(i) = self.place() else {
            return Err(WalkError::NotAnOutcome);
        };
        let id = self.framework.outcomes[i].id.to_string();
        let before = self.review.outcomes.get(&id).cloned();
        let mut after = before.clone().unwrap_or_default();
        edit(&mut after)?;
        let mut edits = Vec::new();
        self.started(&mut edits);
        self.review.outcomes.insert(id.clone(), after.clone());
        edits.push(Edit::Outcome { id, before, after });
        Ok(ReviewChange { edits })
    }

    /// The reviewer's own decision on the current outcome.
    pub fn decide(&mut self, decision: Decision) -> Result<ReviewChange, WalkError> {
        self.change_outcome(|r| {
            r.decision = Some(decision);
            Ok(())
        })
    }

    /// Agreement with the organisation's answer on each of the current outcome's statements;
    /// `disagreed` lists the references the reviewer does not agree with, the rest agree.
    pub fn agree(&mut self, disagreed: &[String]) -> Result<ReviewChange, WalkError> {
        let Place::Outcome(i) = self.place() else {
            return Err(WalkError::NotAnOutcome);
        };
        let statements: BTreeMap<String, bool> = (self.framework.outcomes[i].indicators.iter())
            .map(|s| {
                let reference = s.reference.to_string();
                let agrees = !disagreed.contains(&reference);
                (reference, agrees)
            })
            .collect();
        self.change_outcome(|r| {
            r.statements = statements;
            Ok(())
        })
    }

    /// The current outcome's comment; empty removes it.
    pub fn comment(&mut self, text: &str) -> Result<ReviewChange, WalkError> {
        let text = text.trim().to_string();
        self.change_outcome(|r| {
            r.comment = text;
            Ok(())
        })
    }

    pub fn add_recommendation(
        &mut self,
        risk: &str,
        text: &str,
    ) -> Result<ReviewChange, WalkError> {
        let (risk, text) = (risk.trim(), text.trim());
        if risk.is_empty() || text.is_empty() {
            return Err(WalkError::EmptyRecommendation);
        }
        self.change_outcome(|r| {
            r.recommendations.push(Recommendation {
                risk: risk.to_string(),
                text: text.to_string(),
            });
            Ok(())
        })
    }

    /// Removes the current outcome's recommendation at `index` (0-based).
    pub fn remove_recommendation(&mut self, index: usize) -> Result<ReviewChange, WalkError> {
        self.change_outcome(|r| {
            if index >= r.recommendations.len() {
                return Err(WalkError::NoRecommendation(index + 1));
            }
            r.recommendations.remove(index);
            Ok(())
        })
    }

    /// The current objective's notes.
    pub fn objective_notes(
        &mut self,
        good_practice: &str,
        improvement: &str,
    ) -> Result<ReviewChange, WalkError> {
        let Some((objective, before)) = self.objective() else {
            return Err(WalkError::NotAnObjective);
        };
        let id = objective.id.clone();
        let after = ObjectiveNotes {
            good_practice: good_practice.trim().to_string(),
            improvement: improvement.trim().to_string(),
        };
        let mut edits = Vec::new();
        self.started(&mut edits);
        self.review.objectives.insert(id.clone(), after.clone());
        edits.push(Edit::Objective { id, before, after });
        Ok(ReviewChange { edits })
    }

    /// The overall fields and the reviewer's organisation.
    pub fn overall(&mut self, after: Overall, organisation: &str) -> ReviewChange {
        let mut edits = Vec::new();
        self.started(&mut edits);
        let before = std::mem::replace(&mut self.review.overall, after.clone());
        edits.push(Edit::Overall { before, after });
        let organisation = organisation.trim();
        if organisation != self.review.reviewer.organisation {
            self.review.reviewer.organisation = organisation.to_string();
            edits.push(Edit::ReviewerOrganisation(organisation.to_string()));
        }
        ReviewChange { edits }
    }

    /// Marks the review completed: refused while an outcome has no decision.
    pub fn complete(&mut self) -> Result<ReviewChange, WalkError> {
        let undecided = self.undecided();
        if !undecided.is_empty() {
            return Err(WalkError::Undecided(undecided));
        }
        self.review.status = Lifecycle::Completed;
        Ok(ReviewChange {
            edits: vec![Edit::Status(Lifecycle::Completed)],
        })
    }
}

//! The improvement plan the organisation keeps in its assessment file: per outcome, the actions
//! it has decided on (`plan = [{ action, owner, due, status, note }]`).
//!
//! The plan is not part of an answer: it never changes a status, and an outcome table holding
//! only a `plan` is still not assessed (an organisation plans its first assessment of an
//! outcome as much as its improvement). The reader validates it with the rest of the file; this
//! module owns the types, what "overdue" means, and the table form that `caf plan export` and
//! `caf plan import` exchange with spreadsheets.

pub mod table;

use std::fmt;

use serde::Serialize;

use crate::assessment::{Assessment, Date};

/// Where an action stands. Only planned and in-progress actions can be overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    #[default]
    Planned,
    InProgress,
    Done,
    /// Decided against; the action's `note` says why.
    NotPlanned,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Planned,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::NotPlanned,
    ];

    /// The file's spelling.
    pub fn key(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in-progress",
            ActionStatus::Done => "done",
            ActionStatus::NotPlanned => "not-planned",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Planned => "Planned",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Done",
            ActionStatus::NotPlanned => "Not planned",
        }
    }

    /// Still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One action of an outcome's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    pub status: ActionStatus,
    /// Required (the reason) when the status is not-planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Action {
    /// Open, with a due date before `as_of`.
    pub fn is_overdue(&self, as_of: Date) -> bool {
        self.status.is_open() && self.due.is_some_and(|due| due < as_of)
    }
}

/// An open action past its due date, as `caf check --format json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub outcome: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub due: Date,
    pub status: ActionStatus,
}

/// Every overdue action of the assessment, in framework order (the plans map's order) and then
/// the file's order within an outcome.
pub fn overdue(assessment: &Assessment, as_of: Date) -> Vec<Overdue> {
    (assessment.plans.iter())
        .flat_map(|(id, actions)| actions.iter().map(move |a| (id, a)))
        .filter(|(_, a)| a.is_overdue(as_of))
        .filter_map(|(id, a)| {
            Some(Overdue {
                outcome: id.to_string(),
                action: a.action.clone(),
                owner: a.owner.clone(),
                due: a.due?,
                status: a.status,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, SourceFile};
    use crate::error::Error;
    use crate::framework::{Catalog, Status};

    const HEAD: &str = "framework = \"caf-4.0\"\nprofile = \"baseline\"\n[organisation]\nname = \"N\"\nid = \"I\"\n";

    fn parse(body: &str) -> crate::Result<crate::assessment::LoadedAssessment> {
        let text = format!("{HEAD}{body}");
        crate::assessment::parse(&SourceFile::new("p.toml", text), &Catalog::shipped())
    }

    /// The codes and (line, column) of every problem in `body`, which starts on line 6.
    fn problems(body: &str) -> Vec<(Code, usize, usize)> {
        let Err(Error::Invalid(diags)) = parse(body) else {
            panic!("{body} is valid")
        };
        (diags.iter())
            .map(|d| {
                let at = d.location.as_ref().expect("located");
                (d.code, at.line, at.column)
            })
            .collect()
    }

    #[test]
    fn a_plan_is_read_with_its_answer_and_changes_no_status() {
        let plain = parse("[outcomes.\"A1.a\"]\nselected = [\"A1.a.A.1\"]\n").unwrap();
        let planned = parse(
            "[outcomes.\"A1.a\"]\nselected = [\"A1.a.A.1\"]\nplan = [\n  { action = \" Test the plan \", owner = \"CISO\", due = 2026-03-31, status = \"in-progress\" },\n  { action = \"Buy a tool\", due = \"2026-04-01\", status = \"not-planned\", note = \"No budget this year\" },\n  { action = \"Brief the board\", owner = \"  \" },\n]\n",
        )
        .unwrap();
        assert_eq!(plain.assessment.outcomes, planned.assessment.outcomes);
        let actions = &planned.assessment.plans[&crate::framework::OutcomeId::new("A1.a")];
        assert_eq!(actions.len(), 3);
        assert_eq!(actions[0].action, "Test the plan");
        assert_eq!(actions[0].owner.as_deref(), Some("CISO"));
        assert_eq!(actions[0].due, Date::parse("2026-03-31"));
        assert_eq!(actions[0].status, ActionStatus::InProgress);
        assert_eq!(actions[1].due, Date::parse("2026-04-01"));
        assert_eq!(actions[1].note.as_deref(), Some("No budget this year"));
        // No status means planned; a blank owner is no owner.
        assert_eq!(
            (actions[2].status, &actions[2].owner),
            (ActionStatus::Planned, &None)
        );
        let as_of = Date::parse("2026-04-15").unwrap();
        let late: Vec<_> = overdue(&planned.assessment, as_of)
            .into_iter()
            .map(|o| o.action)
            .collect();
        assert_eq!(late, ["Test the plan"]);
    }

    #[test]
    fn a_table_with_only_a_plan_leaves_the_outcome_not_assessed() {
        let loaded = parse("[outcomes.\"B2.a\"]\nplan = [{ action = \"Assess it\" }]\n").unwrap();
        assert!(loaded.assessment.outcomes.is_empty());
        assert_eq!(loaded.assessment.plans.len(), 1);
        let card = crate::scoring::score(
            &loaded.framework,
            &loaded.assessment,
            loaded.profile(None).unwrap(),
        );
        assert_eq!(card.outcome("B2.a").unwrap().status, Status::NotAssessed);
        // An explicit empty selection is an answer: nothing is true.
        let answered =
            parse("[outcomes.\"B2.a\"]\nselected = []\nplan = [{ action = \"Assess it\" }]\n")
                .unwrap();
        assert_eq!(answered.assessment.outcomes.len(), 1);
    }

    #[test]
    fn every_bad_action_is_reported_where_it_is() {
        let body = "[outcomes.\"A1.a\"]\nplan = [\n  { action = \"\" },\n  { action = \"x\", status = \"started\" },\n  { action = \"y\", due = \"2026-02-30\" },\n  { action = \"z\", status = \"not-planned\" },\n  { action = \"w\", due = 2026-02-01T10:00:00 },\n]\n";
        assert_eq!(
            problems(body),
            [
                (Code::EmptyAction, 8, 14),
                (Code::InvalidActionStatus, 9, 28),
                (Code::InvalidDate, 10, 25),
                (Code::MissingReason, 11, 28),
                // The second bad date says the same as the first, so it is counted, not repeated.
                (Code::MoreProblems, 0, 0),
            ]
        );
        // Unknown keys and wrong types are the toml crate's, located too.
        assert_eq!(
            problems("[outcomes.\"A1.a\"]\nplan = [{ action = \"x\", owners = \"y\" }]\n")[0].0,
            Code::UnknownKey
        );
        assert_eq!(
            problems("[outcomes.\"A1.a\"]\nplan = [{ owner = \"y\" }]\n")[0].0,
            Code::MissingKey
        );
        assert_eq!(
            problems("[outcomes.\"Z9.z\"]\nplan = [{ action = \"x\" }]\n")[0].0,
            Code::UnknownOutcome
        );
    }

    fn action(status: ActionStatus, due: Option<&str>) -> Action {
        Action {
            action: "Write the policy".into(),
            owner: None,
            due: due.and_then(Date::parse),
            status,
            note: None,
        }
    }

    #[test]
    fn only_open_actions_past_their_date_are_overdue() {
        let as_of = Date::parse("2026-06-01").unwrap();
        assert!(action(ActionStatus::Planned, Some("2026-05-31")).is_overdue(as_of));
        assert!(action(ActionStatus::InProgress, Some("2026-01-01")).is_overdue(as_of));
        // Due today is not yet overdue.
        assert!(!action(ActionStatus::Planned, Some("2026-06-01")).is_overdue(as_of));
        assert!(!action(ActionStatus::Done, Some("2026-01-01")).is_overdue(as_of));
        assert!(!action(ActionStatus::NotPlanned, Some("2026-01-01")).is_overdue(as_of));
        assert!(!action(ActionStatus::Planned, None).is_overdue(as_of));
    }

    #[test]
    fn statuses_round_trip_through_their_keys() {
        for status in ActionStatus::ALL {
            assert_eq!(ActionStatus::from_key(status.key()), Some(status));
        }
        assert_eq!(ActionStatus::from_key("in progress"), None);
    }
}

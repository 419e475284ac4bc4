//! The plan as a table, one row per action, for `caf plan export` and `caf plan import`.
//!
//! A spreadsheet is where owners and dates get agreed, so the plan goes out as rows (the
//! editable columns, then read-only context) and comes back as rows. Reading a spreadsheet is
//! the command line's business; this module sees only a [`Grid`] of text cells, checks every
//! row (each problem located at `file:row:column`, all reported at once), and writes the
//! result into the assessment's text through the format-preserving writer, so an import that
//! changes nothing leaves the file byte-identical.
//!
//! The table is the whole plan: an outcome with no rows ends up with no plan. Rows whose
//! editable cells are all blank except the outcome (the export writes one for each outcome in
//! the plan that has no actions yet) are skipped.

use std::collections::BTreeMap;

use serde::Serialize;
use toml_edit::DocumentMut;

use super::{Action, ActionStatus};
use crate::assessment::{Date, LoadedAssessment};
use crate::diagnostic::{Code, Diagnostic, Location, MAX_PER_FILE};
use crate::error::{Error, Result};
use crate::framework::{Framework, OutcomeId, Status};
use crate::report::Report;

/// The JSON schema id of [`PlanTable`].
pub const PLAN_SCHEMA: &str = "caf.plan/1";

/// The columns an import reads, in export order; `outcome` and `action` are required.
pub const EDITABLE: [&str; 6] = ["outcome", "action", "owner", "due", "status", "note"];

/// Columns the export adds for context; an import ignores them.
pub const CONTEXT: [&str; 4] = ["title", "current_status", "target", "overdue"];

/// At most this many rows are read from a plan file.
pub const MAX_ROWS: usize = 10_000;

/// The plan as rows.
#[derive(Debug, Clone, Serialize)]
pub struct PlanTable {
    pub schema: &'static str,
    pub organisation: String,
    /// The assessment file's name.
    pub file: String,
    /// The profile the plan aims at.
    pub plan_profile: Option<String>,
    /// The date `overdue` was judged against.
    pub as_of: Option<String>,
    pub rows: Vec<PlanRow>,
}

/// One action, or one outcome still without an action (its action cell blank).
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub outcome: String,
    pub action: String,
    pub owner: String,
    pub due: String,
    /// Blank on a row without an action.
    pub status: String,
    pub note: String,
    pub title: String,
    pub current_status: Status,
    pub target: Option<Status>,
    pub overdue: bool,
}

impl PlanRow {
    /// The cells in column order ([`EDITABLE`] then [`CONTEXT`]).
    pub fn cells(&self) -> [&str; 10] {
        [
            &self.outcome,
            &self.action,
            &self.owner,
            &self.due,
            &self.status,
            &self.note,
            &self.title,
            self.current_status.key(),
            self.target.map_or("", Status::key),
            if self.overdue { "true" } else { "false" },
        ]
    }
}

impl PlanTable {
    /// The header, [`EDITABLE`] then [`CONTEXT`].
    pub fn header() -> Vec<&'static str> {
        EDITABLE.iter().chain(&CONTEXT).copied().collect()
    }

    /// The report's plan as rows, in the report's order.
    pub fn of(report: &Report) -> Self {
        let mut rows = Vec::new();
        for item in &report.plan {
            let row = |action: &str| PlanRow {
                outcome: item.id.clone(),
                action: action.to_string(),
                owner: String::new(),
                due: String::new(),
                status: String::new(),
                note: String::new(),
                title: item.title.clone(),
                current_status: item.status,
                target: item.target,
                overdue: false,
            };
            if item.actions.is_empty() {
                rows.push(row(""));
            }
            for a in &item.actions {
                rows.push(PlanRow {
                    owner: a.owner.clone().unwrap_or_default(),
                    due: a.due.clone().unwrap_or_default(),
                    status: a.status.key().to_string(),
                    note: a.note.clone().unwrap_or_default(),
                    overdue: a.overdue,
                    ..row(&a.action)
                });
            }
        }
        PlanTable {
            schema: PLAN_SCHEMA,
            organisation: report.cover.organisation.name.clone(),
            file: report.cover.source.file.clone(),
            plan_profile: report.plan_profile.as_ref().map(|p| p.id.clone()),
            as_of: report.plan_as_of.clone(),
            rows,
        }
    }
}

/// A spreadsheet's cells as text, the header first; what the command line reads from CSV or
/// Excel.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The file name, for locations.
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// Problems found so far in a spreadsheet, bounded as a file's diagnostics are.
pub(crate) struct Problems<'a> {
    file: &'a str,
    list: Vec<Diagnostic>,
    more: usize,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(file: &'a str) -> Self {
        Problems {
            file,
            list: Vec::new(),
            more: 0,
        }
    }

    pub(crate) fn has_any(&self) -> bool {
        !self.list.is_empty()
    }

    pub(crate) fn add(
        &mut self,
        code: Code,
        row: usize,
        column: usize,
        message: String,
        help: &str,
    ) {
        if self.list.len() >= MAX_PER_FILE {
            self.more += 1;
            return;
        }
        let mut d = Diagnostic::error(code, message).help(help);
        d.location = Some(Location {
            file: self.file.to_string(),
            line: row,
            column,
            line_text: None,
            width: 0,
            excerpt_offset: 0,
        });
        self.list.push(d);
    }

    pub(crate) fn finish<T>(mut self, value: T) -> Result<T> {
        if self.list.is_empty() {
            return Ok(value);
        }
        // Reading order: by row, then column.
        self.list
            .sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
        if self.more > 0 {
            self.list.push(
                Diagnostic::error(
                    Code::MoreProblems,
                    format!("{} more problems are not listed", self.more),
                )
                .in_file(self.file),
            );
        }
        Err(Error::Invalid(self.list))
    }
}

/// Reads every row of `grid` into plans by outcome (each outcome's actions in row order);
/// every problem is reported, located at its row and column (both counted from 1, the header
/// being row 1).
pub fn read_grid(grid: &Grid, framework: &Framework) -> Result<BTreeMap<OutcomeId, Vec<Action>>> {
    let mut problems = Problems::new(&grid.name);
    let Some(header) = grid.rows.first() else {
        problems.add(
            Code::MissingKey,
            1,
            1,
            "the plan file is empty".into(),
            "export a plan with `caf plan export` and edit that",
        );
        return problems.finish(BTreeMap::new());
    };
    let mut columns: [Option<usize>; 6] = [None; 6];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        if let Some(k) = EDITABLE.iter().position(|c| *c == name) {
            columns[k] = Some(i);
        } else if !CONTEXT.contains(&name) && !name.is_empty() {
            problems.add(
                Code::UnknownKey,
                1,
                i + 1,
                format!("`{name}` is not a plan column"),
                "the columns are outcome, action, owner, due, status, note (and the read-only title, current_status, target, overdue)",
            );
        }
    }
    for required in [0, 1] {
        if columns[required].is_none() {
            problems.add(
                Code::MissingKey,
                1,
                1,
                format!("the plan has no `{}` column", EDITABLE[required]),
                "keep the header row that `caf plan export` writes",
            );
        }
    }
    if grid.rows.len() > MAX_ROWS + 1 {
        problems.add(
            Code::MoreProblems,
            MAX_ROWS + 2,
            1,
            format!("the plan has more than {MAX_ROWS} rows"),
            "a plan has one row per action; split or shorten it",
        );
    }
    if !problems.list.is_empty() {
        return problems.finish(BTreeMap::new());
    }
    let mut plans: BTreeMap<OutcomeId, Vec<Action>> = BTreeMap::new();
    for (index, cells) in grid.rows.iter().enumerate().skip(1).take(MAX_ROWS) {
        let row = index + 1;
        let cell = |k: usize| -> (&str, usize) {
            let col = columns[k].unwrap_or(usize::MAX);
            (
                cells.get(col).map_or("", |c| c.trim()),
                col.saturating_add(1),
            )
        };
        let (outcome, outcome_col) = cell(0);
        let (action, action_col) = cell(1);
        let (owner, _) = cell(2);
        let (due, due_col) = cell(3);
        let (status, status_col) = cell(4);
        let (note, _) = cell(5);
        if [action, owner, due, status, note]
            .iter()
            .all(|c| c.is_empty())
        {
            continue;
        }
        let Some(position) = framework.position(outcome) else {
            problems.add(
                Code::UnknownOutcome,
                row,
                outcome_col,
                format!("`{outcome}` is not an outcome of {}", framework.id),
                "name the outcome by its id, for example A1.a",
            );
            continue;
        };
        let mut valid = true;
        if action.is_empty() {
            problems.add(
                Code::EmptyAction,
                row,
                action_col,
                "the row has no action".into(),
                "say what will be done, or clear the row",
            );
            valid = false;
        }
        let status = if status.is_empty() {
            Some(ActionStatus::Planned)
        } else {
            ActionStatus::from_key(status)
        };
        if status.is_none() {
            problems.add(
                Code::InvalidActionStatus,
                row,
                status_col,
                format!("`{}` is not a plan status", cell(4).0),
                "use planned, in-progress, done or not-planned",
            );
        }
        let due = if due.is_empty() {
            None
        } else {
            let parsed = Date::parse(due);
            if parsed.is_none() {
                problems.add(
                    Code::InvalidDate,
                    row,
                    due_col,
                    format!("`{due}` is not a calendar date"),
                    "write the date as YYYY-MM-DD, for example 2027-03-31",
                );
                valid = false;
            }
            parsed
        };
        if status == Some(ActionStatus::NotPlanned) && note.is_empty() {
            problems.add(
                Code::MissingReason,
                row,
                status_col,
                "an action that is not planned needs a reason".into(),
                "say why in the note column",
            );
            valid = false;
        }
        if let (Some(status), true) = (status, valid) {
            let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
            plans
                .entry(framework.outcomes[position].id.clone())
                .or_default()
                .push(Action {
                    action: action.to_string(),
                    owner: text(owner),
                    due,
                    status,
                    note: text(note),
                });
        }
    }
    problems.finish(plans)
}

/// The assessment's text with its plans replaced by `plans`: only the plans that differ are
/// touched, everything else stays byte for byte.
pub fn apply(
    loaded: &LoadedAssessment,
    plans: &BTreeMap<OutcomeId, Vec<Action>>,
) -> Result<String> {
    let text = loaded.source.text();
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::Invalid(vec![
            Diagnostic::error(Code::InvalidToml, e.message().to_string())
                .at(&loaded.source, e.span().unwrap_or(0..0)),
        ])
    })?;
    let framework = &loaded.framework;
    let mut changed = false;
    for outcome in &framework.outcomes {
        let before = loaded
            .assessment
            .plans
            .get(&outcome.id)
            .map_or(&[][..], Vec::as_slice);
        let after = plans.get(&outcome.id).map_or(&[][..], Vec::as_slice);
        if before != after {
            crate::walkthrough::writer::update_plan(
                &mut doc,
                framework,
                outcome.id.as_str(),
                before,
                after,
            );
            changed = true;
        }
    }
    if !changed {
        return Ok(text.to_string());
    }
    Ok(crate::walkthrough::writer::keep_line_endings(
        text.contains("\r\n"),
        doc.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::framework::Catalog;
    use crate::report::{BuildOptions, PlanOptions};

    fn fixture(name: &str) -> String {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
        std::fs::read_to_string(format!("{dir}{name}")).unwrap()
    }

    fn load(text: &str) -> LoadedAssessment {
        crate::assessment::parse(&SourceFile::new("a.toml", text), &Catalog::shipped()).unwrap()
    }

    /// The export's rows as a spreadsheet would hand them back.
    fn export(loaded: &LoadedAssessment, plan_profile: Option<&str>) -> Grid {
        let options = BuildOptions {
            plan: PlanOptions {
                profile: plan_profile.map(String::from),
                as_of: Date::parse("2026-06-01"),
            },
            ..BuildOptions::default()
        };
        let report = Report::build_with(loaded, None, &options).unwrap();
        let table = PlanTable::of(&report);
        let mut rows = vec![PlanTable::header().iter().map(|c| c.to_string()).collect()];
        rows.extend(
            table
                .rows
                .iter()
                .map(|r| r.cells().map(String::from).to_vec()),
        );
        Grid {
            name: "plan.csv".into(),
            rows,
        }
    }

    fn import(loaded: &LoadedAssessment, grid: &Grid) -> Result<String> {
        apply(loaded, &read_grid(grid, &loaded.framework)?)
    }

    fn row_of<'a>(grid: &'a mut Grid, outcome: &str, action: &str) -> &'a mut Vec<String> {
        (grid.rows.iter_mut())
            .find(|r| r[0] == outcome && r[1] == action)
            .unwrap()
    }

    /// The lines of `after` that differ from `before`'s at the same place (the two have as
    /// many lines).
    fn changed_lines(before: &str, after: &str) -> Vec<String> {
        let b: Vec<&str> = before.split_inclusive('\n').collect();
        let a: Vec<&str> = after.split_inclusive('\n').collect();
        assert_eq!(a.len(), b.len());
        (a.iter().zip(&b).filter(|(a, b)| a != b))
            .map(|(a, _)| a.to_string())
            .collect()
    }

    fn real_shaped() -> Vec<String> {
        let text = fixture("tests/fixtures/plan/district-with-plan.toml");
        vec![text.replace('\n', "\r\n"), text]
    }

    #[test]
    fn an_unchanged_plan_comes_back_byte_identical() {
        for text in real_shaped() {
            let loaded = load(&text);
            for profile in [None, Some("enhanced")] {
                let grid = export(&loaded, profile);
                assert!(grid.rows.len() > 4);
                assert_eq!(import(&loaded, &grid).unwrap(), text);
            }
        }
    }

    #[test]
    fn an_edited_owner_changes_that_line_only() {
        for text in real_shaped() {
            let loaded = load(&text);
            let mut grid = export(&loaded, None);
            let row = row_of(&mut grid, "A2.a", "Quarterly risk review with the SIRO");
            row[2] = "Chief Digital Officer".into();
            row[3] = "2026-09-30".into();
            let after = import(&loaded, &grid).unwrap();
            let added = changed_lines(&text, &after);
            assert_eq!(added.len(), 1, "{added:?}");
            assert!(added[0].contains("owner = \"Chief Digital Officer\", due = 2026-09-30"));
            // The comment after the item and the line ending survive.
            assert!(
                added[0].ends_with(if text.contains('\r') {
                    "},\r\n"
                } else {
                    "},\n"
                }),
                "{:?}",
                added[0]
            );
            let reread = load(&after);
            assert_eq!(reread.assessment.outcomes, loaded.assessment.outcomes);
            let a2a = &reread.assessment.plans[&OutcomeId::new("A2.a")];
            assert_eq!(a2a[0].owner.as_deref(), Some("Chief Digital Officer"));
            assert_eq!(a2a[1], loaded.assessment.plans[&OutcomeId::new("A2.a")][1]);
        }
    }

    #[test]
    fn actions_are_added_to_tables_of_either_style_and_removed() {
        let text = &real_shaped()[1];
        let loaded = load(text);
        let mut grid = export(&loaded, Some("enhanced"));
        // A new action on an outcome that had none (a blank row filled in), a second one on
        // the `[[...plan]]` outcome, and B1.a's only action deleted.
        let blank = row_of(&mut grid, "C1.a", "");
        blank[1] = "Forward firewall logs to the SIEM".into();
        blank[4] = "in-progress".into();
        let mut extra = row_of(&mut grid, "B2.b", "Review privileged accounts monthly").clone();
        extra[1] = "Remove local admin rights".into();
        extra[4] = String::new();
        grid.rows.push(extra);
        grid.rows.retain(|r| r[0] != "B1.a");
        let after = import(&loaded, &grid).unwrap();
        let reread = load(&after);
        assert_eq!(reread.assessment.outcomes, loaded.assessment.outcomes);
        let plans = &reread.assessment.plans;
        assert_eq!(
            plans[&OutcomeId::new("C1.a")][0].status,
            ActionStatus::InProgress
        );
        assert_eq!(plans[&OutcomeId::new("B2.b")].len(), 2);
        assert!(!plans.contains_key(&OutcomeId::new("B1.a")));
        assert!(
            after.contains("[[outcomes.\"B2.b\".plan]]\naction = \"Remove local admin rights\""),
            "{after}"
        );
        // The comment on the kept `[[...plan]]` table is still there.
        assert!(after.contains("owner = \"ICT Operations\"   # the service desk lead"));
        // Exporting the result and importing it again changes nothing.
        assert_eq!(
            import(&reread, &export(&reread, Some("enhanced"))).unwrap(),
            after
        );
    }

    #[test]
    fn a_plan_for_an_unassessed_outcome_leaves_it_unassessed() {
        let text = fixture("examples/county-council-caf-4.0-partial.toml");
        let loaded = load(&text);
        let mut grid = export(&loaded, None);
        let blank = row_of(&mut grid, "D1.a", "");
        blank[1] = "Assess the response plan".into();
        blank[2] = "Resilience lead".into();
        let after = import(&loaded, &grid).unwrap();
        let reread = load(&after);
        assert_eq!(reread.assessment.outcomes, loaded.assessment.outcomes);
        assert_eq!(reread.assessment.plans.len(), 1);
        // Removing it again gives back the original file.
        let grid = export(&loaded, None);
        assert_eq!(import(&reread, &grid).unwrap(), text);
    }

    #[test]
    fn bad_rows_are_all_reported_at_their_row_and_column() {
        let loaded = load(&real_shaped()[1]);
        let mut grid = export(&loaded, None);
        grid.rows[1][0] = "Z9.z".into();
        grid.rows[2][1] = String::new();
        grid.rows[3][3] = "31/03/2027".into();
        grid.rows[3][4] = "started".into();
        let mut not_planned = grid.rows[2].clone();
        not_planned[1] = "Buy a tool".into();
        not_planned[4] = "not-planned".into();
        not_planned[5] = String::new();
        grid.rows.push(not_planned);
        let Err(Error::Invalid(diags)) = read_grid(&grid, &loaded.framework) else {
            panic!("bad rows were accepted")
        };
        let got: Vec<(Code, usize, usize)> = (diags.iter())
            .map(|d| {
                let at = d.location.as_ref().unwrap();
                (d.code, at.line, at.column)
            })
            .collect();
        let last = grid.rows.len();
        assert_eq!(
            got,
            [
                (Code::UnknownOutcome, 2, 1),
                (Code::EmptyAction, 3, 2),
                (Code::InvalidDate, 4, 4),
                (Code::InvalidActionStatus, 4, 5),
                (Code::MissingReason, last, 5),
            ]
        );
        assert!(
            diags[0]
                .to_string()
                .starts_with("plan.csv:2:1: error[unknown-outcome]")
        );
        // A header that is not a plan's.
        let grid = Grid {
            name: "x.csv".into(),
            rows: vec![vec!["id".into(), "what".into()]],
        };
        let Err(Error::Invalid(diags)) = read_grid(&grid, &loaded.framework) else {
            panic!()
        };
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            // By place: `id`, the missing columns (reported at the header's start), `what`.
            [
                Code::UnknownKey,
                Code::MissingKey,
                Code::MissingKey,
                Code::UnknownKey
            ]
        );
    }
}

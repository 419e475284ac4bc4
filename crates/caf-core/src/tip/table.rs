//! The TIP as a table, one row per action, for `caf plan export` and `caf plan import` on a TIP
//! file.
//!
//! The rows are keyed by the recommendation's id: the editable columns (what will be done, by
//! whom, with what, by when, where it stands, and why not) come back from the spreadsheet;
//! the review's columns (outcome, priority, risk, recommendation) go out as context. An import
//! edits only the values that changed, through the format-preserving writer, so an import that
//! changes nothing leaves the file byte-identical; the actions are the review's, so rows can
//! neither add nor remove one (a row left out leaves its action as it was).

use std::collections::BTreeMap;

use serde::Serialize;
use toml_edit::DocumentMut;

use super::{Tip, TipAction, date_of};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::error::{Error, Result};
use crate::plan::ActionStatus;
use crate::plan::table::{Grid, MAX_ROWS, Problems};

/// The JSON schema id of [`TipTable`].
pub const TIP_PLAN_SCHEMA: &str = "caf.tip-plan/1";

/// The columns an import reads, in export order; `id` is required.
pub const EDITABLE: [&str; 8] = [
    "id",
    "action",
    "owner",
    "resources",
    "budget",
    "due",
    "status",
    "reason",
];

/// Columns the export adds for context; an import ignores them.
pub const CONTEXT: [&str; 5] = ["outcome", "priority", "risk", "recommendation", "overdue"];

/// The TIP as rows.
#[derive(Debug, Clone, Serialize)]
pub struct TipTable {
    pub schema: &'static str,
    /// The TIP file's name.
    pub file: String,
    pub review: String,
    /// The date `overdue` was judged against.
    pub as_of: String,
    pub rows: Vec<TipRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TipRow {
    pub id: String,
    pub action: String,
    pub owner: String,
    pub resources: String,
    pub budget: String,
    pub due: String,
    pub status: String,
    pub reason: String,
    pub outcome: String,
    pub priority: bool,
    pub risk: String,
    pub recommendation: String,
    pub overdue: bool,
}

impl TipRow {
    /// The cells in column order ([`EDITABLE`] then [`CONTEXT`]).
    pub fn cells(&self) -> [&str; 13] {
        [
            &self.id,
            &self.action,
            &self.owner,
            &self.resources,
            &self.budget,
            &self.due,
            &self.status,
            &self.reason,
            &self.outcome,
            if self.priority { "true" } else { "false" },
            &self.risk,
            &self.recommendation,
            if self.overdue { "true" } else { "false" },
        ]
    }
}

impl TipTable {
    /// The header, [`EDITABLE`] then [`CONTEXT`].
    pub fn header() -> Vec<&'static str> {
        EDITABLE.iter().chain(&CONTEXT).copied().collect()
    }

    pub fn of(tip: &Tip, file: &str, as_of: crate::assessment::Date) -> Self {
        TipTable {
            schema: TIP_PLAN_SCHEMA,
            file: file.to_string(),
            review: tip.review.clone(),
            as_of: as_of.to_string(),
            rows: (tip.actions.iter())
                .map(|a| TipRow {
                    id: a.id.clone(),
                    action: a.action.clone(),
                    owner: a.owner.clone(),
                    resources: a.resources.clone(),
                    budget: a.budget.clone(),
                    due: a.due.map(|d| d.to_string()).unwrap_or_default(),
                    status: a.status.key().to_string(),
                    reason: a.reason.clone(),
                    outcome: a.outcome.clone(),
                    priority: a.priority,
                    risk: a.risk.clone(),
                    recommendation: a.recommendation.clone(),
                    overdue: a.is_overdue(as_of),
                })
                .collect(),
        }
    }
}

/// Reads every row of `grid` into edited actions by id, each checked against `tip` (the id
/// must be one of its actions, once); every problem is reported, located at its row and
/// column (both from 1, the header being row 1).
pub fn read_grid(grid: &Grid, tip: &Tip) -> Result<BTreeMap<String, TipAction>> {
    let mut problems = Problems::new(&grid.name);
    let Some(header) = grid.rows.first() else {
        problems.add(
            Code::MissingKey,
            1,
            1,
            "the plan file is empty".into(),
            "export the plan with `caf plan export` and edit that",
        );
        return problems.finish(BTreeMap::new());
    };
    let mut columns: [Option<usize>; 8] = [None; 8];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        if let Some(k) = EDITABLE.iter().position(|c| *c == name) {
            columns[k] = Some(i);
        } else if !CONTEXT.contains(&name) && !name.is_empty() {
            problems.add(
                Code::UnknownKey,
                1,
                i + 1,
                format!("`{name}` is not a column of an improvement plan"),
                "the columns are id, action, owner, resources, budget, due, status, reason (and the read-only outcome, priority, risk, recommendation, overdue)",
            );
        }
    }
    if columns[0].is_none() {
        problems.add(
            Code::MissingKey,
            1,
            1,
            "the plan has no `id` column".into(),
            "keep the header row that `caf plan export` writes",
        );
    }
    if grid.rows.len() > MAX_ROWS + 1 {
        problems.add(
            Code::MoreProblems,
            MAX_ROWS + 2,
            1,
            format!("the plan has more than {MAX_ROWS} rows"),
            "a plan has one row per recommendation",
        );
    }
    if problems.has_any() {
        return problems.finish(BTreeMap::new());
    }
    let mut edited: BTreeMap<String, TipAction> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for (index, cells) in grid.rows.iter().enumerate().skip(1).take(MAX_ROWS) {
        let row = index + 1;
        let cell = |k: usize| -> Option<(&str, usize)> {
            let col = columns[k]?;
            Some((cells.get(col).map_or("", |c| c.trim()), col + 1))
        };
        let (id, id_col) = cell(0).unwrap_or(("", 1));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(current) = tip.actions.iter().find(|a| a.id == id) else {
            problems.add(
                Code::UnknownRecommendation,
                row,
                id_col,
                format!("`{id}` is not an action of this plan"),
                "keep the id column as exported: each row is one of the review's recommendations",
            );
            continue;
        };
        if !seen.insert(id) {
            problems.add(
                Code::DuplicateId,
                row,
                id_col,
                format!("{id} has a second row"),
                "keep one row per recommendation",
            );
            continue;
        }
        let mut action = current.clone();
        let text = |k: usize, old: &str| cell(k).map_or(old.to_string(), |(c, _)| c.to_string());
        action.action = text(1, &current.action);
        action.owner = text(2, &current.owner);
        action.resources = text(3, &current.resources);
        action.budget = text(4, &current.budget);
        action.reason = text(7, &current.reason);
        let mut valid = true;
        if let Some((due, col)) = cell(5) {
            match date_of(due) {
                Ok(d) => action.due = d,
                Err(()) => {
                    problems.add(
                        Code::InvalidDate,
                        row,
                        col,
                        format!("`{due}` is not a calendar date"),
                        "write the date as YYYY-MM-DD, for example 2027-03-31",
                    );
                    valid = false;
                }
            }
        }
        let status_col = cell(6).map_or(id_col, |(_, c)| c);
        if let Some((status, col)) = cell(6) {
            match status {
                "" => action.status = ActionStatus::Planned,
                s => match ActionStatus::from_key(s) {
                    Some(s) => action.status = s,
                    None => {
                        problems.add(
                            Code::InvalidActionStatus,
                            row,
                            col,
                            format!("`{s}` is not a plan status"),
                            "use planned, in-progress, done or not-planned",
                        );
                        valid = false;
                    }
                },
            }
        }
        if valid && action.status == ActionStatus::NotPlanned && action.reason.is_empty() {
            problems.add(
                Code::MissingReason,
                row,
                status_col,
                format!("{id} is not planned but gives no reason"),
                "say why in the reason column",
            );
            valid = false;
        }
        if valid && tip.approved() && action.status.is_open() && action.due.is_none() {
            problems.add(
                Code::MissingDue,
                row,
                cell(5).map_or(status_col, |(_, c)| c),
                format!("{id} is open in an approved plan but has no target date"),
                "give the action a target date (YYYY-MM-DD)",
            );
            valid = false;
        }
        if valid {
            edited.insert(id.to_string(), action);
        }
    }
    problems.finish(edited)
}

/// The TIP file parsed for editing, its syntax error located.
pub(crate) fn document(source: &SourceFile) -> Result<DocumentMut> {
    source.text().parse().map_err(|e: toml_edit::TomlError| {
        Error::Invalid(vec![
            Diagnostic::error(Code::InvalidToml, e.message().to_string())
                .at(source, e.span().unwrap_or(0..0)),
        ])
    })
}

/// Sets `key` to the string `value`, keeping the old value's spacing and comment.
pub(crate) fn set_text(table: &mut dyn toml_edit::TableLike, key: &str, value: &str) {
    match table.get_mut(key).and_then(toml_edit::Item::as_value_mut) {
        Some(old) if old.as_str() == Some(value) => {}
        Some(old) => {
            let decor = old.decor().clone();
            *old = toml_edit::Value::from(value);
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, toml_edit::value(value));
        }
    }
}

/// `toml_edit` writes `\n`; a file kept with Windows line endings keeps them.
pub(crate) fn keep_line_endings(original: &str, written: String) -> String {
    if original.contains("\r\n") {
        written.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        written
    }
}

/// The TIP's text with the edited actions' values written in: only values that differ are
/// touched, everything else stays byte for byte.
pub fn apply(
    source: &SourceFile,
    tip: &Tip,
    edited: &BTreeMap<String, TipAction>,
) -> Result<String> {
    let text = source.text();
    let changed: Vec<&TipAction> = (tip.actions.iter())
        .filter_map(|a| edited.get(&a.id).filter(|e| *e != a))
        .collect();
    if changed.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc = document(source)?;
    let Some(tables) = doc
        .get_mut("actions")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
    else {
        return Err(Error::Invalid(vec![
            Diagnostic::error(
                Code::InvalidType,
                "the plan's actions are not [[actions]] tables",
            )
            .help("keep the [[actions]] tables as `caf tip init` writes them")
            .in_file(source.name()),
        ]));
    };
    for table in tables.iter_mut() {
        let id = table
            .get("id")
            .and_then(|i| i.as_str())
            .unwrap_or("")
            .trim()
            .to_string();
        let (Some(new), Some(old)) = (edited.get(&id), tip.actions.iter().find(|a| a.id == id))
        else {
            continue;
        };
        let due = |a: &TipAction| a.due.map(|d| d.to_string()).unwrap_or_default();
        let pairs: [(&str, String, String); 7] = [
            ("action", old.action.clone(), new.action.clone()),
            ("owner", old.owner.clone(), new.owner.clone()),
            ("resources", old.resources.clone(), new.resources.clone()),
            ("budget", old.budget.clone(), new.budget.clone()),
            ("due", due(old), due(new)),
            ("status", old.status.key().into(), new.status.key().into()),
            ("reason", old.reason.clone(), new.reason.clone()),
        ];
        for (key, before, after) in pairs {
            if before != after {
                set_text(table, key, &after);
            }
        }
    }
    Ok(keep_line_endings(text, doc.to_string()))
}

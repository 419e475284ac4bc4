//! Carrying last period's answers into a new period.
//!
//! Every carried answer is marked `needs_review` until the officer confirms it, so nothing from
//! last year is reported as this year's judgement by accident.
//!
//! Within one framework every answer travels as it is. Across framework versions answers move
//! by *meaning*, through the statement map ([`StatementMap`]): each ticked statement becomes a
//! tick on the statement(s) of the new version judged to say the same thing; a tick with no
//! counterpart is dropped and reported; a new statement with no counterpart stays unanswered.
//! Nothing moves by level and position. An outcome's comment, evidence and suppliers go with it
//! to its comparable successor, or else to the outcome that received most of its ticks; an
//! override does not travel, because its justification was about other statements.
//!
//! The plan also says, for every outcome of the new framework, last period's status, the
//! carried status and why they differ, for the person who reviews the carried answers.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::assessment::{Answer, Assessment, Date, Evidence, LoadedAssessment};
use crate::error::{Error, Result};
use crate::framework::{
    Catalog, Framework, IndicatorRef, Mapping, OutcomeId, Profile, StatementKind, StatementMap,
    Status,
};
use crate::scoring;
use crate::skeleton::{self, Header};
use crate::walkthrough::Change;
use crate::walkthrough::writer::AnswerFile;

/// One answer taken into the new period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Carried {
    pub id: OutcomeId,
    /// Last period's outcomes whose ticks, comment or evidence went into this answer; the one
    /// it continues (or whose comment it holds) first.
    pub from: Vec<OutcomeId>,
    pub answer: Answer,
}

/// A ticked statement of last period that is not carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedTick {
    pub statement: IndicatorRef,
    pub reason: String,
    /// The nearest statement of the new framework, which asks for more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub see: Option<IndicatorRef>,
}

/// An answer of last period that went nowhere, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftBehind {
    pub from: OutcomeId,
    pub reason: String,
    pub dropped: Vec<DroppedTick>,
}

/// Ticks that moved between two outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub outcome: OutcomeId,
    pub ticks: usize,
}

/// Where a statement of the new framework stands against last period's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Last period's statement that says the same.
    pub statement: IndicatorRef,
    /// Whether it was ticked (false: its outcome was answered without it).
    pub ticked: bool,
}

/// One outcome of the new framework: last period against what was carried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeCarry {
    pub id: OutcomeId,
    pub title: String,
    /// Last period's outcome this one continues (its principal link), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<OutcomeId>,
    /// Whether last period's status can be compared with this one's.
    pub comparable: bool,
    /// Last period's status of `previous` (`None` when there is no previous outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<Status>,
    /// The status the carried answer gives (not assessed when nothing was carried).
    pub carried_status: Status,
    /// Statements ticked in the carried answer.
    pub carried: usize,
    /// Statements with no counterpart in last period's framework: unanswered.
    pub new_statements: usize,
    /// Ticks that came from other outcomes of last period.
    pub from_elsewhere: Vec<Moved>,
    /// Ticks of `previous` that went to other outcomes.
    pub moved_away: Vec<Moved>,
    /// Ticks of the outcomes carried here that have no counterpart.
    pub dropped: Vec<DroppedTick>,
    /// Last period's answer had an override, which does not cross versions.
    pub override_dropped: bool,
    /// Why the carried status may differ from last period's, in words.
    pub reasons: Vec<String>,
}

impl OutcomeCarry {
    /// Whether last period's status and the carried one differ (or cannot be compared).
    pub fn differs(&self) -> bool {
        self.last_status != Some(self.carried_status) || !self.comparable
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CarryPlan {
    pub from_framework: String,
    pub to_framework: String,
    pub carried: Vec<Carried>,
    pub left_behind: Vec<LeftBehind>,
    /// Every outcome of the new framework, in framework order.
    pub outcomes: Vec<OutcomeCarry>,
    /// For each statement of the new framework with a counterpart in an outcome answered last
    /// period: that counterpart and whether it was ticked.
    #[serde(skip)]
    pub origins: BTreeMap<IndicatorRef, Vec<Origin>>,
    /// Statements of the new framework that no statement of last period's says (empty within
    /// one framework): they stay unanswered.
    #[serde(skip)]
    pub new_statements: BTreeSet<IndicatorRef>,
}

impl CarryPlan {
    pub fn outcome(&self, id: &str) -> Option<&OutcomeCarry> {
        self.outcomes.iter().find(|o| o.id.as_str() == id)
    }

    pub fn carried(&self, id: &str) -> Option<&Carried> {
        self.carried.iter().find(|c| c.id.as_str() == id)
    }

    /// Every dropped tick, wherever it is reported.
    pub fn dropped(&self) -> impl Iterator<Item = &DroppedTick> {
        self.outcomes
            .iter()
            .flat_map(|o| &o.dropped)
            .chain(self.left_behind.iter().flat_map(|l| &l.dropped))
    }

    /// Counts for a one-line summary.
    pub fn totals(&self) -> Totals {
        let carried = &self.carried;
        Totals {
            outcomes: carried.len(),
            ticks: carried.iter().map(|c| c.answer.selected.len()).sum(),
            dropped: self.dropped().count(),
            changed: self
                .outcomes
                .iter()
                .filter(|o| o.carried > 0 || o.last_status.is_some())
                .filter(|o| o.differs())
                .count(),
            left_behind: self.left_behind.len(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Outcomes with a carried answer.
    pub outcomes: usize,
    /// Statements ticked in carried answers.
    pub ticks: usize,
    /// Ticks not carried.
    pub dropped: usize,
    /// Outcomes whose carried status differs from last period's, or is not comparable.
    pub changed: usize,
    /// Answers of last period that went nowhere.
    pub left_behind: usize,
}

/// Plans carrying `last` into `target`, looking the mappings up in `catalog`.
pub fn plan_in(
    catalog: &Catalog,
    last: &LoadedAssessment,
    target: &Framework,
) -> Result<CarryPlan> {
    if last.framework.id == target.id {
        return plan(&last.assessment, &last.framework, target, None, None);
    }
    let mapping = catalog.mapping(&last.framework.id, &target.id);
    let statements = catalog.statement_map(&last.framework.id, &target.id);
    plan(
        &last.assessment,
        &last.framework,
        target,
        mapping.as_deref(),
        statements.as_deref(),
    )
}

/// Works out which of `last`'s answers (under `last_framework`) go into a new assessment under
/// `target`. Across versions `mapping` and `statements` must lead from `last`'s framework to
/// `target`.
pub fn plan(
    last: &Assessment,
    last_framework: &Framework,
    target: &Framework,
    mapping: Option<&Mapping>,
    statements: Option<&StatementMap>,
) -> Result<CarryPlan> {
    if last.framework == target.id {
        return Ok(within(last, last_framework, target));
    }
    let leads = |from: &str, to: &str| from == last.framework && to == target.id;
    match (mapping, statements) {
        (Some(m), Some(s)) if leads(&m.from, &m.to) && leads(&s.from, &s.to) => {
            Ok(across(last, last_framework, target, m, s))
        }
        _ => Err(Error::NoMapping {
            from: last.framework.clone(),
            to: target.id.clone(),
            purpose: "carry last period's answers forward",
        }),
    }
}

fn last_statuses(framework: &Framework, last: &Assessment) -> BTreeMap<String, Status> {
    scoring::score(framework, last, None)
        .outcomes
        .into_iter()
        .filter(|o| o.status != Status::NotAssessed)
        .map(|o| (o.id, o.status))
        .collect()
}

fn carried_status(target: &Framework, id: &OutcomeId, answer: Option<&Answer>) -> Status {
    match (target.outcome(id.as_str()), answer) {
        (Some(outcome), Some(answer)) => {
            scoring::score_outcome(target, outcome, Some(answer), None).status
        }
        _ => Status::NotAssessed,
    }
}

/// The same framework: every answer travels as it is, override included.
fn within(last: &Assessment, framework: &Framework, target: &Framework) -> CarryPlan {
    let statuses = last_statuses(framework, last);
    let mut plan = CarryPlan {
        from_framework: last.framework.clone(),
        to_framework: target.id.clone(),
        ..CarryPlan::default()
    };
    for outcome in &target.outcomes {
        let answer = last.outcomes.get(&outcome.id);
        if let Some(answer) = answer {
            plan.carried.push(Carried {
                id: outcome.id.clone(),
                from: vec![outcome.id.clone()],
                answer: Answer {
                    needs_review: true,
                    ..answer.clone()
                },
            });
            for i in &outcome.indicators {
                plan.origins.insert(
                    i.reference.clone(),
                    vec![Origin {
                        statement: i.reference.clone(),
                        ticked: answer.selected.contains(&i.reference),
                    }],
                );
            }
        }
        let carried = plan.carried.last().filter(|c| c.id == outcome.id);
        plan.outcomes.push(OutcomeCarry {
            id: outcome.id.clone(),
            title: outcome.title.clone(),
            previous: Some(outcome.id.clone()),
            comparable: true,
            last_status: statuses.get(outcome.id.as_str()).copied(),
            carried_status: carried_status(target, &outcome.id, carried.map(|c| &c.answer)),
            carried: carried.map_or(0, |c| c.answer.selected.len()),
            new_statements: 0,
            from_elsewhere: Vec::new(),
            moved_away: Vec::new(),
            dropped: Vec::new(),
            override_dropped: false,
            reasons: Vec::new(),
        });
    }
    plan
}

fn outcome_of(reference: &str) -> &str {
    IndicatorRef::parse(reference).map_or("", |(o, _, _)| o)
}

/// Across versions, through the statement map.
fn across(
    last: &Assessment,
    last_framework: &Framework,
    target: &Framework,
    mapping: &Mapping,
    statements: &StatementMap,
) -> CarryPlan {
    let statuses = last_statuses(last_framework, last);
    let ticked: BTreeSet<&IndicatorRef> =
        last.outcomes.values().flat_map(|a| &a.selected).collect();
    let translated = statements.translate(ticked.iter().copied());

    // Where each ticked statement went, or why it did not.
    let mut destinations: BTreeMap<&IndicatorRef, Vec<IndicatorRef>> = BTreeMap::new();
    let mut dropped_by_source: BTreeMap<String, Vec<DroppedTick>> = BTreeMap::new();
    for &tick in &ticked {
        let link = statements.get(tick.as_str());
        let went: Vec<IndicatorRef> = link
            .map(|l| {
                l.to.iter()
                    .filter(|t| translated.contains(*t))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if went.is_empty() {
            let (reason, see) = match link {
                None => (format!("not in the {} statement map", target.id), None),
                Some(l) if l.kind == StatementKind::Merged => {
                    let to = &l.to[0];
                    let missing: Vec<&str> = statements
                        .sources_of(to.as_str())
                        .filter(|s| s.kind == StatementKind::Merged && !ticked.contains(&s.from))
                        .map(|s| s.from.as_str())
                        .collect();
                    (
                        format!(
                            "only part of {to}, which also needs {} (not ticked)",
                            missing.join(", ")
                        ),
                        Some(to.clone()),
                    )
                }
                Some(l) => (format!("no {} counterpart", target.id), l.see.clone()),
            };
            dropped_by_source
                .entry(outcome_of(tick.as_str()).to_string())
                .or_default()
                .push(DroppedTick {
                    statement: tick.clone(),
                    reason,
                    see,
                });
        }
        destinations.insert(tick, went);
    }

    // Ticks received by each new outcome, counted by the last-period outcome they came from.
    let mut received: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (tick, went) in &destinations {
        for to in went {
            *received
                .entry(outcome_of(to.as_str()).to_string())
                .or_default()
                .entry(outcome_of(tick.as_str()).to_string())
                .or_default() += 1;
        }
    }

    // Each answered outcome's home: its comparable successor, else where most ticks went.
    let mut home: BTreeMap<&OutcomeId, OutcomeId> = BTreeMap::new();
    let mut plan = CarryPlan {
        from_framework: last.framework.clone(),
        to_framework: target.id.clone(),
        ..CarryPlan::default()
    };
    for (from, answer) in &last.outcomes {
        let successor = mapping
            .comparable_successor(from.as_str())
            .filter(|to| target.outcome(to.as_str()).is_some())
            .cloned();
        let busiest = || {
            target
                .outcomes
                .iter()
                .filter_map(|o| {
                    let n = *received.get(o.id.as_str())?.get(from.as_str())?;
                    Some((n, o.id.clone()))
                })
                .fold(
                    None,
                    |best: Option<(usize, OutcomeId)>, (n, id)| match best {
                        Some((m, _)) if m >= n => best,
                        _ => Some((n, id)),
                    },
                )
                .map(|(_, id)| id)
        };
        match successor.or_else(busiest) {
            Some(to) => {
                home.insert(from, to);
            }
            None => {
                let principal = mapping.forward(from.as_str());
                let why = match principal {
                    Some(l) if !l.note.is_empty() => {
                        format!("{} in {}: {}", l.relation.key(), target.id, l.note)
                    }
                    Some(l) => format!("{} in {}", l.relation.key(), target.id),
                    None => format!("not in the mapping to {}", target.id),
                };
                let mut reason = if answer.selected.is_empty() {
                    format!(
                        "answered with no statement ticked, and no {} outcome continues it ({why})",
                        target.id
                    )
                } else {
                    format!("none of its ticks has a {} counterpart ({why})", target.id)
                };
                let lost: Vec<&str> = [
                    answer.comment.as_ref().map(|_| "comment"),
                    (!answer.evidence.is_empty()).then_some("evidence"),
                    (!answer.suppliers.is_empty()).then_some("suppliers"),
                ]
                .into_iter()
                .flatten()
                .collect();
                if !lost.is_empty() {
                    reason.push_str(&format!("; its {} not carried", lost.join(", ")));
                }
                plan.left_behind.push(LeftBehind {
                    from: from.clone(),
                    reason,
                    dropped: dropped_by_source.remove(from.as_str()).unwrap_or_default(),
                });
            }
        }
    }

    // The answers.
    for outcome in &target.outcomes {
        let selected: Vec<IndicatorRef> = outcome
            .indicators
            .iter()
            .filter(|i| translated.contains(&i.reference))
            .map(|i| i.reference.clone())
            .collect();
        let previous = mapping
            .backward(outcome.id.as_str())
            .and_then(|l| l.from.clone());
        let mut homed: Vec<&OutcomeId> = home
            .iter()
            .filter(|(_, to)| **to == outcome.id)
            .map(|(from, _)| *from)
            .collect();
        // The outcome this one continues first.
        homed.sort_by_key(|f| {
            (
                Some(*f) != previous.as_ref(),
                last_framework.position(f.as_str()),
            )
        });
        if selected.is_empty() && homed.is_empty() {
            continue;
        }
        let mut from: Vec<OutcomeId> = homed.iter().map(|f| (*f).clone()).collect();
        for source in received
            .get(outcome.id.as_str())
            .into_iter()
            .flat_map(|m| m.keys())
        {
            if !from.iter().any(|f| f.as_str() == source) {
                from.push(OutcomeId::new(source.clone()));
            }
        }
        let answers: Vec<(&OutcomeId, &Answer)> = homed
            .iter()
            .filter_map(|f| last.outcomes.get(*f).map(|a| (*f, a)))
            .collect();
        let comments: Vec<(&OutcomeId, &String)> = answers
            .iter()
            .filter_map(|(f, a)| a.comment.as_ref().map(|c| (*f, c)))
            .collect();
        let comment = match comments.as_slice() {
            [] => None,
            [(f, c)] if Some(*f) == previous.as_ref() => Some((*c).clone()),
            many => Some(
                many.iter()
                    .map(|(f, c)| format!("From {} {f}: {c}", last.framework))
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            ),
        };
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut suppliers: Vec<String> = Vec::new();
        for (_, a) in &answers {
            for e in &a.evidence {
                if !evidence.contains(e) {
                    evidence.push(e.clone());
                }
            }
            for s in &a.suppliers {
                if !suppliers.contains(s) {
                    suppliers.push(s.clone());
                }
            }
        }
        plan.carried.push(Carried {
            id: outcome.id.clone(),
            from,
            answer: Answer {
                selected,
                comment,
                evidence,
                override_: None,
                suppliers,
                needs_review: true,
            },
        });
    }

    // Where each new statement stands against last period's answers.
    for outcome in &target.outcomes {
        for i in &outcome.indicators {
            let origins: Vec<Origin> = statements
                .sources_of(i.reference.as_str())
                .filter(|s| last.outcomes.contains_key(outcome_of(s.from.as_str())))
                .map(|s| Origin {
                    statement: s.from.clone(),
                    ticked: ticked.contains(&s.from),
                })
                .collect();
            if !origins.is_empty() {
                plan.origins.insert(i.reference.clone(), origins);
            }
            if statements.sources_of(i.reference.as_str()).next().is_none() {
                plan.new_statements.insert(i.reference.clone());
            }
        }
    }

    // The per-outcome summary.
    for outcome in &target.outcomes {
        let link = mapping.backward(outcome.id.as_str());
        let previous = link.and_then(|l| l.from.clone());
        let comparable = link.is_some_and(|l| l.comparable);
        let carried = plan.carried.iter().find(|c| c.id == outcome.id);
        let new_statements = outcome
            .indicators
            .iter()
            .filter(|i| plan.new_statements.contains(&i.reference))
            .count();
        let from_elsewhere: Vec<Moved> = received
            .get(outcome.id.as_str())
            .into_iter()
            .flatten()
            .filter(|(source, _)| Some(source.as_str()) != previous.as_ref().map(OutcomeId::as_str))
            .map(|(source, &ticks)| Moved {
                outcome: OutcomeId::new(source.clone()),
                ticks,
            })
            .collect();
        let moved_away: Vec<Moved> = match &previous {
            None => Vec::new(),
            Some(p) => target
                .outcomes
                .iter()
                .filter(|o| o.id != outcome.id)
                .filter_map(|o| {
                    let ticks = *received.get(o.id.as_str())?.get(p.as_str())?;
                    Some(Moved {
                        outcome: o.id.clone(),
                        ticks,
                    })
                })
                .collect(),
        };
        let homed: Vec<&OutcomeId> = home
            .iter()
            .filter(|(_, to)| **to == outcome.id)
            .map(|(from, _)| *from)
            .collect();
        let dropped: Vec<DroppedTick> = homed
            .iter()
            .flat_map(|f| {
                dropped_by_source
                    .get(f.as_str())
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let override_dropped = homed
            .iter()
            .any(|f| last.outcomes.get(*f).is_some_and(|a| a.override_.is_some()));
        let mut row = OutcomeCarry {
            id: outcome.id.clone(),
            title: outcome.title.clone(),
            last_status: previous
                .as_ref()
                .and_then(|p| statuses.get(p.as_str()).copied()),
            previous,
            comparable,
            carried_status: carried_status(target, &outcome.id, carried.map(|c| &c.answer)),
            carried: carried.map_or(0, |c| c.answer.selected.len()),
            new_statements,
            from_elsewhere,
            moved_away,
            dropped,
            override_dropped,
            reasons: Vec::new(),
        };
        row.reasons = reasons(
            &row,
            link.map(|l| l.relation.key()),
            &last.framework,
            &target.id,
        );
        plan.outcomes.push(row);
    }
    plan
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why the carried status may differ from last period's, in words.
fn reasons(row: &OutcomeCarry, relation: Option<&str>, from: &str, to: &str) -> Vec<String> {
    let mut out = Vec::new();
    match (&row.previous, row.comparable) {
        (None, _) => out.push(format!("new in {to}")),
        (Some(p), false) => out.push(format!(
            "{from} {p} is a different outcome ({}): not comparable",
            relation.unwrap_or("redefined")
        )),
        (Some(p), true) if p != &row.id => out.push(format!("was {from} {p}")),
        _ => {}
    }
    if row.carried > 0 || row.last_status.is_some() {
        if row.new_statements > 0 {
            out.push(format!(
                "{} unanswered",
                plural(row.new_statements, "new statement", "new statements")
            ));
        }
        let none = row.dropped.len();
        if none > 0 {
            let refs: Vec<&str> = row.dropped.iter().map(|d| d.statement.as_str()).collect();
            out.push(format!(
                "{} no {to} counterpart ({})",
                plural(none, "statement has", "statements have"),
                refs.join(", ")
            ));
        }
    }
    for m in &row.moved_away {
        out.push(format!(
            "{} moved to {}",
            plural(m.ticks, "tick", "ticks"),
            m.outcome
        ));
    }
    for m in &row.from_elsewhere {
        out.push(format!(
            "{} from {from} {}",
            plural(m.ticks, "tick", "ticks"),
            m.outcome
        ));
    }
    if row.override_dropped {
        out.push("last period's override is not carried".into());
    }
    out
}

/// The new file's header: last period's organisation and scope, the new period and date.
pub fn header(last: &Assessment, period: &str, date: Date) -> Header {
    let org = &last.organisation;
    Header {
        name: org.name.clone(),
        id: org.id.clone(),
        sector: org.sector.clone(),
        region: org.region.clone(),
        parent: org.parent.clone(),
        system: last.scope.system.clone(),
        assessor: last.scope.assessor.clone(),
        period: period.to_string(),
        date,
    }
}

/// The comment written above a carried answer in the new file.
pub fn note(plan: &CarryPlan, carried: &Carried, from_period: &str) -> String {
    let from: Vec<&str> = carried.from.iter().map(OutcomeId::as_str).collect();
    let mut lines = vec![format!(
        "Carried forward from {from_period} ({} {}); needs review until confirmed.",
        plan.from_framework,
        from.join(", ")
    )];
    if let Some(row) = plan.outcome(carried.id.as_str()) {
        let last = match (&row.previous, row.last_status) {
            (Some(p), Some(status)) => format!("{} ({p})", status.label()),
            (Some(p), None) => format!("{p} not answered"),
            (None, _) => format!("no {} outcome", plan.from_framework),
        };
        let mut line = format!(
            "Last period: {last}; carried: {}.",
            row.carried_status.label()
        );
        if !row.reasons.is_empty() {
            line.push(' ');
            line.push_str(&row.reasons.join("; "));
            line.push('.');
        }
        lines.push(line);
        if !row.dropped.is_empty() {
            let dropped: Vec<String> = row
                .dropped
                .iter()
                .map(|d| match &d.see {
                    Some(see) => format!("{} ({}; see {see})", d.statement, d.reason),
                    None => format!("{} ({})", d.statement, d.reason),
                })
                .collect();
            lines.push(format!("Not carried: {}.", dropped.join(", ")));
        }
    }
    lines
        .iter()
        .flat_map(|l| skeleton::wrap(l, 92))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The new period's file: the skeleton for `target` with every carried answer written in under
/// a comment saying where it came from and how it compares. Not yet on disk: the caller checks
/// it and saves it (atomically).
pub fn new_file(
    plan: &CarryPlan,
    target: &Framework,
    profile: Option<&Profile>,
    header: &Header,
    from_period: &str,
    path: &std::path::Path,
) -> Result<AnswerFile> {
    let text = skeleton::render(target, profile, header);
    let mut file = AnswerFile::from_text(path, &text)?;
    for carried in &plan.carried {
        let change = Change {
            id: carried.id.clone(),
            before: None,
            after: carried.answer.clone(),
        };
        file.apply(target, &change, Some(&note(plan, carried, from_period)));
    }
    Ok(file)
}

/// The period after `period` when it is a financial year such as `2025/26`.
pub fn next_period(period: &str) -> Option<String> {
    let (start, end) = period.split_once('/')?;
    let start: u16 = start.trim().parse().ok()?;
    if end.trim().len() != 2 || end.trim().parse::<u16>().ok()? != (start + 1) % 100 {
        return None;
    }
    Some(format!("{}/{:02}", start + 1, (start + 2) % 100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Organisation;
    use crate::framework::Catalog;

    fn load(path: &str) -> LoadedAssessment {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(path);
        crate::assessment::load(&path, &Catalog::shipped()).unwrap()
    }

    fn v40() -> std::sync::Arc<Framework> {
        Catalog::shipped().framework("caf-4.0").unwrap()
    }

    /// A v3.2 assessment with the given ticks (outcome inferred from each reference).
    fn v32_ticks(ticks: &[&str]) -> LoadedAssessment {
        let catalog = Catalog::shipped();
        let framework = catalog.framework("caf-3.2").unwrap();
        let mut outcomes: BTreeMap<OutcomeId, Answer> = BTreeMap::new();
        for t in ticks {
            let id = OutcomeId::new(outcome_of(t));
            let reference = framework
                .outcome(id.as_str())
                .unwrap()
                .indicator(t)
                .unwrap()
                .reference
                .clone();
            outcomes.entry(id).or_default().selected.push(reference);
        }
        LoadedAssessment {
            assessment: Assessment {
                framework: "caf-3.2".into(),
                profile: None,
                period: Some("2025/26".into()),
                organisation: Organisation::default(),
                scope: Default::default(),
                outcomes,
                plans: Default::default(),
            },
            framework,
            source: crate::diagnostic::SourceFile::new("last.toml", ""),
            warnings: Vec::new(),
        }
    }

    fn selected(plan: &CarryPlan, id: &str) -> Vec<String> {
        plan.carried(id)
            .map(|c| c.answer.selected.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn same_framework_carries_everything_for_review() {
        let last = load("examples/county-council-caf-4.0-partial.toml");
        let plan = plan_in(&Catalog::shipped(), &last, &v40()).unwrap();
        assert_eq!(plan.carried.len(), last.assessment.outcomes.len());
        assert!(plan.carried.iter().all(|c| c.answer.needs_review));
        let a4a = plan.carried("A4.a").unwrap();
        assert_eq!(a4a.answer.suppliers.len(), 3);
        assert_eq!(
            a4a.answer.selected,
            last.assessment.outcomes["A4.a"].selected
        );
        assert!(
            plan.outcomes
                .iter()
                .all(|o| !o.differs() || o.last_status.is_none())
        );
    }

    #[test]
    fn ticks_move_by_meaning_not_by_position() {
        let plan = plan_in(
            &Catalog::shipped(),
            &v32_ticks(&["C1.a.PA.2", "C1.a.PA.3", "A1.c.NA.4", "C1.d.NA.1"]),
            &v40(),
        )
        .unwrap();
        // Indicators of compromise: to C1.c, never to C1.a.PA.2 (monitoring users and systems).
        assert_eq!(selected(&plan, "C1.c"), ["C1.c.PA.1"]);
        assert!(!selected(&plan, "C1.a").contains(&"C1.a.PA.2".to_string()));
        // Some user monitoring has no v4.0 counterpart: dropped and reported.
        let c1a = plan.outcome("C1.a").unwrap();
        assert_eq!(c1a.dropped.len(), 1);
        assert_eq!(c1a.dropped[0].statement.as_str(), "C1.a.PA.3");
        assert_eq!(c1a.dropped[0].see.as_ref().unwrap().as_str(), "C1.a.PA.2");
        assert!(
            c1a.reasons
                .iter()
                .any(|r| r.contains("1 tick moved to C1.c"))
        );
        // A statement pushed along by an inserted one keeps its meaning.
        assert_eq!(selected(&plan, "A1.c"), ["A1.c.NA.5"]);
        // C1.d's threat intelligence lands in C1.f; v4.0 C1.d gets nothing.
        assert_eq!(selected(&plan, "C1.f"), ["C1.f.NA.1"]);
        assert!(plan.carried("C1.d").is_none());
        let c1f = plan.outcome("C1.f").unwrap();
        assert_eq!(c1f.previous, None);
        assert!(c1f.reasons.iter().any(|r| r == "1 tick from caf-3.2 C1.d"));
        assert!(plan.carried.iter().all(|c| c.answer.needs_review));
    }

    #[test]
    fn new_statements_stay_unanswered_and_the_status_change_is_explained() {
        // Every B4.a statement ticked at achieved: Achieved in v3.2.
        let catalog = Catalog::shipped();
        let v32 = catalog.framework("caf-3.2").unwrap();
        let achieved: Vec<String> = v32
            .outcome("B4.a")
            .unwrap()
            .indicators_at(crate::framework::Level::Achieved)
            .map(|i| i.reference.to_string())
            .collect();
        let refs: Vec<&str> = achieved.iter().map(String::as_str).collect();
        let plan = plan_in(&catalog, &v32_ticks(&refs), &v40()).unwrap();
        let b4a = plan.outcome("B4.a").unwrap();
        assert_eq!(b4a.last_status, Some(Status::Achieved));
        assert_ne!(b4a.carried_status, Status::Achieved);
        assert!(b4a.differs());
        assert_eq!(b4a.new_statements, 1);
        assert!(
            b4a.reasons
                .contains(&"1 new statement unanswered".to_string())
        );
        assert_eq!(b4a.carried, 5);
    }

    #[test]
    fn merged_statements_carry_only_when_every_part_was_ticked() {
        let catalog = Catalog::shipped();
        let one = plan_in(&catalog, &v32_ticks(&["C1.a.A.3"]), &v40()).unwrap();
        assert!(selected(&one, "C1.c").is_empty());
        let dropped: Vec<&DroppedTick> = one.dropped().collect();
        assert_eq!(dropped.len(), 1);
        assert!(dropped[0].reason.contains("needs C2.b.A.1"), "{dropped:?}");
        let both = plan_in(&catalog, &v32_ticks(&["C1.a.A.3", "C2.b.A.1"]), &v40()).unwrap();
        assert_eq!(selected(&both, "C1.c"), ["C1.c.A.1"]);
        // C2.b's tick went to C1.c, so C2.b is not left behind.
        assert!(both.left_behind.is_empty());
    }

    #[test]
    fn answers_that_go_nowhere_are_left_behind_with_the_reason() {
        let mut last = v32_ticks(&["C2.b.A.2"]);
        last.assessment.outcomes.get_mut("C2.b").unwrap().comment = Some("hunt log".into());
        let plan = plan_in(&Catalog::shipped(), &last, &v40()).unwrap();
        assert!(plan.carried.is_empty());
        assert_eq!(plan.left_behind.len(), 1);
        let left = &plan.left_behind[0];
        assert_eq!(left.from.as_str(), "C2.b");
        assert!(
            left.reason.contains("comment not carried"),
            "{}",
            left.reason
        );
        assert_eq!(left.dropped[0].see.as_ref().unwrap().as_str(), "C2.a.A.6");
    }

    #[test]
    fn comments_evidence_and_suppliers_come_along() {
        let mut last = v32_ticks(&["A2.b.A.1", "C1.d.A.1", "C2.a.NA.1"]);
        let outcomes = &mut last.assessment.outcomes;
        outcomes.get_mut("A2.b").unwrap().comment = Some("pen test 2025".into());
        outcomes.get_mut("C1.d").unwrap().comment = Some("feeds chosen by risk".into());
        outcomes.get_mut("C2.a").unwrap().evidence.push(Evidence {
            title: "baseline".into(),
            location: String::new(),
        });
        let plan = plan_in(&Catalog::shipped(), &last, &v40()).unwrap();
        // Renumbered: the comment goes with the outcome, as it is.
        let a2c = plan.carried("A2.c").unwrap();
        assert_eq!(a2c.answer.comment.as_deref(), Some("pen test 2025"));
        assert_eq!(a2c.from, [OutcomeId::new("A2.b")]);
        // C1.d and C2.a both went to C1.f: the comment says where it came from.
        let c1f = plan.carried("C1.f").unwrap();
        assert_eq!(
            c1f.answer.comment.as_deref(),
            Some("From caf-3.2 C1.d: feeds chosen by risk")
        );
        assert_eq!(c1f.answer.evidence.len(), 1);
        assert_eq!(selected(&plan, "C1.f"), ["C1.f.NA.7", "C1.f.A.2"]);
    }

    #[test]
    fn across_versions_needs_both_maps() {
        let last = load("examples/district-council-caf-3.2-baseline.toml");
        let catalog = Catalog::shipped();
        let mapping = catalog.mapping("caf-3.2", "caf-4.0").unwrap();
        let target = v40();
        assert!(plan(&last.assessment, &last.framework, &target, None, None).is_err());
        assert!(
            plan(
                &last.assessment,
                &last.framework,
                &target,
                Some(&mapping),
                None
            )
            .is_err()
        );
        let plan = plan_in(&catalog, &last, &target).unwrap();
        assert!(plan.carried.iter().all(|c| c.answer.override_.is_none()));
        // v3.2 A2.b (Assurance) lands on v4.0 A2.c, never on the new A2.b.
        if let Some(c) = plan.carried("A2.c") {
            assert!(
                c.answer
                    .selected
                    .iter()
                    .all(|r| r.as_str().starts_with("A2.c."))
            );
        }
    }

    #[test]
    fn next_financial_year() {
        assert_eq!(next_period("2025/26").as_deref(), Some("2026/27"));
        assert_eq!(next_period("2099/00").as_deref(), Some("2100/01"));
        assert_eq!(next_period("Q3 2025"), None);
    }
}

//! Carrying last period's answers into a new period.
//!
//! Every carried answer is marked `needs_review` until the officer confirms it, so nothing from
//! last year is reported as this year's judgement by accident. Across framework versions only
//! comparable outcomes (same, revised or renumbered in the mapping) are carried; statements
//! follow by level and position, and an override does not travel because its justification was
//! about different statements.

use crate::assessment::{Answer, Assessment};
use crate::error::{Error, Result};
use crate::framework::{Framework, IndicatorRef, Mapping, OutcomeId};

/// One answer taken into the new period.
#[derive(Debug, Clone, PartialEq)]
pub struct Carried {
    pub id: OutcomeId,
    /// The outcome it came from (differs when renumbered across versions).
    pub from: OutcomeId,
    pub answer: Answer,
    /// Statements of the old answer with no counterpart in the new outcome.
    pub dropped_statements: Vec<String>,
}

/// An answer left behind, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftBehind {
    pub from: OutcomeId,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CarryPlan {
    pub carried: Vec<Carried>,
    pub left_behind: Vec<LeftBehind>,
}

/// Works out which of `last`'s answers go into a new assessment under `target`. `mapping` must
/// lead from `last`'s framework to `target` when the two differ.
pub fn plan(last: &Assessment, target: &Framework, mapping: Option<&Mapping>) -> Result<CarryPlan> {
    let mut plan = CarryPlan::default();
    let same = last.framework == target.id;
    let mapping = match (same, mapping) {
        (true, _) => None,
        (false, Some(m)) if m.from == last.framework && m.to == target.id => Some(m),
        (false, _) => {
            return Err(Error::NoMapping {
                from: last.framework.clone(),
                to: target.id.clone(),
                purpose: "carry last period's answers forward",
            });
        }
    };
    for (from, answer) in &last.outcomes {
        let to = match mapping {
            None => from.clone(),
            Some(m) => match m.forward(from.as_str()) {
                Some(link) if link.relation.comparable() => match &link.to {
                    Some(to) => to.clone(),
                    None => continue,
                },
                Some(link) => {
                    plan.left_behind.push(LeftBehind {
                        from: from.clone(),
                        reason: format!("{:?} in {}: not comparable", link.relation, target.id)
                            .to_lowercase(),
                    });
                    continue;
                }
                None => continue,
            },
        };
        let Some(outcome) = target.outcome(to.as_str()) else {
            plan.left_behind.push(LeftBehind {
                from: from.clone(),
                reason: format!("not an outcome of {}", target.id),
            });
            continue;
        };
        let mut selected = Vec::new();
        let mut dropped_statements = Vec::new();
        for reference in &answer.selected {
            let translated = IndicatorRef::parse(reference.as_str())
                .map(|(_, level, n)| IndicatorRef::new(&outcome.id, level, n))
                .and_then(|r| outcome.indicator(r.as_str()).map(|i| i.reference.clone()));
            match translated {
                Some(r) => selected.push(r),
                None => dropped_statements.push(reference.as_str().to_string()),
            }
        }
        plan.carried.push(Carried {
            id: outcome.id.clone(),
            from: from.clone(),
            answer: Answer {
                selected,
                comment: answer.comment.clone(),
                evidence: answer.evidence.clone(),
                override_: if same { answer.override_.clone() } else { None },
                suppliers: answer.suppliers.clone(),
                needs_review: true,
            },
            dropped_statements,
        });
    }
    plan.carried
        .sort_by_key(|c| target.position(c.id.as_str()).unwrap_or(usize::MAX));
    Ok(plan)
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
    use crate::framework::Catalog;

    fn load(path: &str) -> crate::assessment::LoadedAssessment {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(path);
        crate::assessment::load(&path, &Catalog::shipped()).unwrap()
    }

    #[test]
    fn same_framework_carries_everything_for_review() {
        let last = load("examples/county-council-caf-4.0-partial.toml");
        let catalog = Catalog::shipped();
        let target = catalog.framework("caf-4.0").unwrap();
        let plan = plan(&last.assessment, &target, None).unwrap();
        assert_eq!(plan.carried.len(), last.assessment.outcomes.len());
        assert!(plan.carried.iter().all(|c| c.answer.needs_review));
        let a4a = plan
            .carried
            .iter()
            .find(|c| c.id.as_str() == "A4.a")
            .unwrap();
        assert_eq!(a4a.answer.suppliers.len(), 3);
        assert_eq!(
            a4a.answer.selected,
            last.assessment.outcomes["A4.a"].selected
        );
    }

    #[test]
    fn across_versions_only_comparable_outcomes_travel() {
        let last = load("examples/district-council-caf-3.2-baseline.toml");
        let catalog = Catalog::shipped();
        let target = catalog.framework("caf-4.0").unwrap();
        let mapping = catalog.mapping("caf-3.2", "caf-4.0").unwrap();
        let plan = plan(&last.assessment, &target, Some(&mapping)).unwrap();
        assert!(!plan.carried.is_empty());
        // v3.2 A2.b (Assurance) lands on v4.0 A2.c, never on the new A2.b.
        if last.assessment.outcomes.contains_key("A2.b") {
            let c = plan
                .carried
                .iter()
                .find(|c| c.from.as_str() == "A2.b")
                .unwrap();
            assert_eq!(c.id.as_str(), "A2.c");
            assert!(
                c.answer
                    .selected
                    .iter()
                    .all(|r| r.as_str().starts_with("A2.c."))
            );
        }
        assert!(plan.carried.iter().all(|c| c.id.as_str() != "A2.b"));
        assert!(plan.carried.iter().all(|c| c.answer.override_.is_none()));
        // Without a mapping there is nothing honest to carry.
        assert!(super::plan(&last.assessment, &target, None).is_err());
    }

    #[test]
    fn next_financial_year() {
        assert_eq!(next_period("2025/26").as_deref(), Some("2026/27"));
        assert_eq!(next_period("2099/00").as_deref(), Some("2100/01"));
        assert_eq!(next_period("Q3 2025"), None);
    }
}

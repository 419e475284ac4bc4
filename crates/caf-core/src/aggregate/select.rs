//! The selection: which periods are described, and what of the accumulators falls in them —
//! coverage, counts per group and for the population (in the reporting framework), and the
//! organisations, each projected once.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::fold::{OrgPeriod, OrgSummary, Partial, Standing};
use super::model::{Counts, Coverage, percent};
use super::project::Projector;
use super::{GroupBy, Options, UNSPECIFIED};
use crate::error::{Error, Result};
use crate::framework::Framework;

/// How a period is shown (the empty period, of files that name none, as [`UNSPECIFIED`]).
pub(super) fn period_label(period: &str) -> String {
    if period.is_empty() {
        UNSPECIFIED.to_string()
    } else {
        period.to_string()
    }
}

/// The described periods: as asked (which must exist, unless nothing was read), all of them
/// when grouping by period, else the latest.
pub(super) fn periods(partial: &Partial, options: &Options) -> Result<BTreeSet<String>> {
    let all: BTreeSet<&str> = partial.groups.keys().map(|(_, p, _)| &**p).collect();
    Ok(match &options.period {
        Some(p) => {
            if !all.is_empty() && !all.contains(p.as_str()) {
                return Err(Error::UnknownPeriod {
                    period: p.clone(),
                    found: all.iter().map(|p| period_label(p)).collect(),
                });
            }
            [p.clone()].into()
        }
        None if options.group_by == GroupBy::Period => all.iter().map(|p| p.to_string()).collect(),
        None => all.last().map(|p| p.to_string()).into_iter().collect(),
    })
}

/// A group's assessments and counts per reporting outcome.
pub(super) type GroupCounts = (usize, Vec<Counts>);

/// An organisation in the selection, with its results projected onto the reporting framework.
pub(super) struct OrgView<'a> {
    pub id: &'a str,
    /// The organisation's number in the selection, one per id (in id order, from 0): disclosure
    /// control counts organisations by it.
    pub number: u32,
    pub org: &'a OrgPeriod,
    pub summary: OrgSummary,
    pub row: Cow<'a, [Standing]>,
}

/// What falls in the described periods.
pub(super) struct Selection<'a> {
    pub coverage: Coverage,
    /// Per group (as the assessments give it), in the reporting framework.
    pub groups: BTreeMap<&'a str, GroupCounts>,
    /// Over every group: the population's counts per reporting outcome.
    pub overall: Vec<Counts>,
    /// In a deterministic order (by id, then group) whatever the fold did.
    pub orgs: Vec<OrgView<'a>>,
    /// The frameworks the organisations were assessed under, each once.
    pub frameworks: Vec<&'a Framework>,
}

impl<'a> Selection<'a> {
    pub fn new(
        partial: &'a Partial,
        projector: &Projector,
        periods: &BTreeSet<String>,
    ) -> Selection<'a> {
        let mut selection = Selection {
            coverage: Coverage {
                inputs: partial.inputs,
                assessments: 0,
                organisations: 0,
                completion: 0.0,
                invalid: partial.invalid.len(),
                other_periods: 0,
                unmappable: 0,
                frameworks: BTreeMap::new(),
                without_profile: 0,
                unreviewed_outcomes: None,
                organisations_with_unreviewed: None,
                overridden_outcomes: None,
                organisations_with_overrides: None,
                marks_summary: None,
            },
            groups: BTreeMap::new(),
            overall: vec![Counts::default(); projector.framework.outcomes.len()],
            orgs: Vec::new(),
            frameworks: Vec::new(),
        };
        selection.count_assessments(partial, projector, periods);
        selection.select_orgs(partial, projector, periods);
        selection
    }

    /// Coverage of assessments, and the counts per group and overall.
    fn count_assessments(
        &mut self,
        partial: &'a Partial,
        projector: &Projector,
        periods: &BTreeSet<String>,
    ) {
        let n = projector.framework.outcomes.len();
        let coverage = &mut self.coverage;
        let (mut assessed, mut outcome_slots) = (0u64, 0u64);
        for ((fw, period, group), acc) in &partial.groups {
            let mut counts = vec![Counts::default(); n];
            let period: &str = period;
            if !projector.counts(fw, acc, &mut counts) {
                if periods.contains(period) {
                    coverage.unmappable += acc.assessments as usize;
                }
                continue;
            }
            if !periods.contains(period) {
                coverage.other_periods += acc.assessments as usize;
                continue;
            }
            coverage.assessments += acc.assessments as usize;
            *coverage.frameworks.entry(fw.to_string()).or_default() += acc.assessments as usize;
            for c in &acc.outcomes {
                assessed += c.judged() as u64;
                outcome_slots += c.statuses.total() as u64;
            }
            self.overall
                .iter_mut()
                .zip(&counts)
                .for_each(|(a, b)| a.add(b));
            let g = self
                .groups
                .entry(&**group)
                .or_insert_with(|| (0, vec![Counts::default(); n]));
            g.0 += acc.assessments as usize;
            g.1.iter_mut().zip(&counts).for_each(|(a, b)| a.add(b));
        }
        coverage.completion = percent(assessed as usize, outcome_slots as usize).unwrap_or(0.0);
    }

    /// The organisations in the described periods that can be projected.
    fn select_orgs(
        &mut self,
        partial: &'a Partial,
        projector: &Projector,
        periods: &BTreeSet<String>,
    ) {
        for ((id, period), org) in &partial.orgs {
            if !periods.contains(&**period) {
                continue;
            }
            let Some(row) = projector.org(org) else {
                continue;
            };
            for e in &org.entries {
                if !self.frameworks.iter().any(|f| f.id == e.framework.id) {
                    self.frameworks.push(&e.framework);
                }
            }
            let summary = org.summary();
            self.coverage.without_profile += summary.without_profile as usize;
            self.orgs.push(OrgView {
                id,
                number: 0,
                org,
                summary,
                row,
            });
        }
        // (id, group) is unique: one view per organisation and period, and when several
        // periods are described the group is the period.
        self.orgs
            .sort_unstable_by(|a, b| (a.id, &a.org.group).cmp(&(b.id, &b.org.group)));
        // Outcomes and organisations marked, over the organisations described (an organisation
        // in several groups is counted once: in id order, its views come together).
        let (mut organisations, mut unreviewed, mut overridden) = (0, 0, 0);
        let (mut with_unreviewed, mut with_overrides) = (0, 0);
        for same in self.orgs.chunk_by_mut(|a, b| a.id == b.id) {
            for v in same.iter_mut() {
                v.number = organisations as u32;
            }
            let mark = (same.iter().map(|v| &v.summary)).fold((0u32, 0u32), |m, s| {
                (m.0 + s.unreviewed, m.1 + s.overridden)
            });
            organisations += 1;
            unreviewed += mark.0 as usize;
            overridden += mark.1 as usize;
            with_unreviewed += usize::from(mark.0 > 0);
            with_overrides += usize::from(mark.1 > 0);
        }
        let coverage = &mut self.coverage;
        coverage.unreviewed_outcomes = Some(unreviewed);
        coverage.organisations_with_unreviewed = Some(with_unreviewed);
        coverage.overridden_outcomes = Some(overridden);
        coverage.organisations_with_overrides = Some(with_overrides);
        coverage.organisations = organisations;
    }
}

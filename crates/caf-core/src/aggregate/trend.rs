//! The trend: figures per period (every period found, not only the described ones) and the
//! change between consecutive periods, for the organisations assessed in both.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::disclosure::Limits;
use super::fold::Standing;
use super::fold::{OrgPeriod, Partial};
use super::model::{Counts, MetSplit, OutcomeChange, PeriodChange, PeriodFigures, Trend};
use super::project::{Projector, incomparability_note};
use super::select::period_label;
use crate::framework::{Catalog, Outcome, Status};
use crate::report::{MetChange, Verdict};

/// One period's population figures in the reporting framework.
struct Period<'a> {
    assessments: usize,
    counts: Vec<Counts>,
    /// The native frameworks that contributed.
    frameworks: BTreeSet<&'a str>,
}

/// Organisations by period, each period's in id order once there is a change to compute.
type OrgsByPeriod<'a> = BTreeMap<&'a str, Vec<(&'a str, &'a OrgPeriod)>>;

pub(super) fn trend(
    partial: &Partial,
    projector: &Projector,
    catalog: &Catalog,
    limits: Limits,
) -> Trend {
    let n = projector.framework.outcomes.len();
    let mut periods: BTreeMap<&str, Period> = BTreeMap::new();
    for ((fw, period, _), acc) in &partial.groups {
        let p = periods.entry(&**period).or_insert_with(|| Period {
            assessments: 0,
            counts: vec![Counts::default(); n],
            frameworks: BTreeSet::new(),
        });
        if projector.counts(fw, acc, &mut p.counts) {
            p.assessments += acc.assessments as usize;
            p.frameworks.insert(fw);
        }
    }
    let mut orgs: OrgsByPeriod = BTreeMap::new();
    for ((id, period), org) in &partial.orgs {
        orgs.entry(&**period).or_default().push((id, org));
    }
    if periods.len() > 1 {
        // Ids are unique within a period.
        (orgs.values_mut()).for_each(|o| o.sort_unstable_by_key(|(id, _)| *id));
    }
    let organisations = |p: &str| orgs.get(p).map_or(0, Vec::len);
    let figures = periods
        .iter()
        .map(|(period, p)| {
            let organisations = organisations(period);
            let suppressed = limits.period_suppressed(organisations);
            PeriodFigures {
                period: period_label(period),
                assessments: p.assessments,
                organisations,
                suppressed,
                outcomes: if suppressed {
                    Vec::new()
                } else {
                    projector.outcomes(p.counts.clone())
                },
            }
        })
        .collect();

    let keys: Vec<&str> = periods.keys().copied().collect();
    let changes = keys
        .windows(2)
        .map(|pair| {
            let pair = Pair {
                from: pair[0],
                to: pair[1],
                a: &periods[pair[0]],
                b: &periods[pair[1]],
            };
            pair.change(partial, projector, catalog, &orgs, limits)
        })
        .collect();
    Trend {
        periods: figures,
        changes,
    }
}

/// Two consecutive periods.
struct Pair<'p, 'a> {
    from: &'a str,
    to: &'a str,
    a: &'p Period<'a>,
    b: &'p Period<'a>,
}

/// How the organisations assessed in both periods moved.
#[derive(Default)]
struct Movement {
    /// Organisations in both periods.
    both: usize,
    improved: usize,
    regressed: usize,
    unchanged: usize,
    /// Per reporting outcome: organisations whose status rose, and fell.
    per_outcome: Vec<(usize, usize)>,
    /// Per reporting outcome: organisations whose met verdict changed, by cause.
    met: Vec<MetSplit>,
    regressed_named: Vec<String>,
}

impl MetSplit {
    fn count(&mut self, change: MetChange) {
        *match change {
            MetChange::ByAnswer => &mut self.met_by_answer,
            MetChange::ByMethod => &mut self.met_by_method,
            MetChange::ByAnswerAndMethod => &mut self.met_by_answer_and_method,
        } += 1;
    }

    fn total(&self) -> usize {
        self.met_by_answer + self.met_by_method + self.met_by_answer_and_method
    }
}

impl Pair<'_, '_> {
    fn change(
        &self,
        partial: &Partial,
        projector: &Projector,
        catalog: &Catalog,
        orgs: &OrgsByPeriod,
        limits: Limits,
    ) -> PeriodChange {
        let orgs_a = orgs.get(self.from).map_or(&[][..], Vec::as_slice);
        let orgs_b = orgs.get(self.to).map_or(&[][..], Vec::as_slice);
        let mut m = movement(orgs_a, orgs_b, projector, limits.identify);
        let suppressed = limits.change_suppressed(orgs_a.len(), orgs_b.len(), m.both);
        let outcomes = if suppressed {
            Vec::new()
        } else {
            (projector.framework.outcomes.iter().enumerate())
                .map(|(j, o)| self.outcome(j, o, &m, partial, projector, catalog))
                .collect()
        };
        m.regressed_named.sort();
        let published = |n: usize| if suppressed { 0 } else { n };
        let met = MetSplit {
            met_by_answer: published(m.met.iter().map(|c| c.met_by_answer).sum()),
            met_by_method: published(m.met.iter().map(|c| c.met_by_method).sum()),
            met_by_answer_and_method: published(
                m.met.iter().map(|c| c.met_by_answer_and_method).sum(),
            ),
        };
        let met_summary = (met.total() > 0).then(|| {
            format!(
                "Target met changed on {}: {} because the answer \
                 changed, {} because only the target changed, {} because both did.",
                crate::text::plural(met.total(), "organisation-outcome"),
                met.met_by_answer,
                met.met_by_method,
                met.met_by_answer_and_method
            )
        });
        PeriodChange {
            from: period_label(self.from),
            to: period_label(self.to),
            organisations: m.both,
            improved: published(m.improved),
            regressed: published(m.regressed),
            unchanged: published(m.unchanged),
            met,
            met_summary,
            suppressed,
            outcomes,
            regressed_named: (limits.identify && !suppressed).then_some(m.regressed_named),
        }
    }

    /// The change on outcome `j` of the reporting framework.
    fn outcome(
        &self,
        j: usize,
        o: &Outcome,
        m: &Movement,
        partial: &Partial,
        projector: &Projector,
        catalog: &Catalog,
    ) -> OutcomeChange {
        let (ca, cb) = (&self.a.counts[j], &self.b.counts[j]);
        let comparable = ca.not_comparable == 0 && cb.not_comparable == 0;
        let note = (!comparable).then(|| {
            let mut notes: Vec<String> = (self.a.frameworks.union(&self.b.frameworks))
                .filter(|fw| (projector.projections.get(**fw)).is_some_and(|p| p[j].is_none()))
                .filter_map(|fw| partial.frameworks.get(*fw))
                .map(|native| {
                    incomparability_note(catalog, native, projector.framework, o.id.as_str())
                })
                .collect();
            notes.dedup();
            notes.join("; ")
        });
        let diff = |x: Option<f64>, y: Option<f64>| match (comparable, x, y) {
            (true, Some(x), Some(y)) => Some(round1(y - x)),
            _ => None,
        };
        OutcomeChange {
            id: o.id.to_string(),
            comparable,
            note,
            met_share_from: ca.met_share(),
            met_share_to: cb.met_share(),
            met_change: diff(ca.met_share(), cb.met_share()),
            achieved_change: diff(ca.achieved_share(), cb.achieved_share()),
            improved: m.per_outcome[j].0,
            regressed: m.per_outcome[j].1,
            met: m.met[j],
        }
    }
}

/// Compares each organisation of `orgs_b` with itself in `orgs_a`, outcome by outcome, where
/// both statuses are judgements.
fn movement(
    orgs_a: &[(&str, &OrgPeriod)],
    orgs_b: &[(&str, &OrgPeriod)],
    projector: &Projector,
    identify: bool,
) -> Movement {
    let mut m = Movement {
        per_outcome: vec![(0, 0); projector.framework.outcomes.len()],
        met: vec![MetSplit::default(); projector.framework.outcomes.len()],
        ..Movement::default()
    };
    for &(id, org_b) in orgs_b {
        let Ok(a) = orgs_a.binary_search_by_key(&id, |(id, _)| id) else {
            continue;
        };
        let org_a = orgs_a[a].1;
        let (Some(row_a), Some(row_b)) = (projector.org(org_a), projector.org(org_b)) else {
            continue;
        };
        m.both += 1;
        let (mut up, mut down) = (0, 0);
        for (j, (a, b)) in row_a.iter().zip(row_b.iter()).enumerate() {
            let verdict = |p: &Standing| Verdict {
                status: p.status,
                target: p.goal,
                met: p.target.met(),
            };
            // Only an outcome comparable in both periods has a verdict worth comparing.
            if a.status.is_some()
                && b.status.is_some()
                && let Some(change) = MetChange::of(verdict(a), verdict(b))
            {
                m.met[j].count(change);
            }
            let (sa, sb) = (a.status, b.status);
            if let (Some(ra), Some(rb)) = (sa.and_then(Status::rank), sb.and_then(Status::rank)) {
                if rb > ra {
                    up += 1;
                    m.per_outcome[j].0 += 1;
                } else if rb < ra {
                    down += 1;
                    m.per_outcome[j].1 += 1;
                }
            }
        }
        match up.cmp(&down) {
            Ordering::Greater => m.improved += 1,
            Ordering::Less => {
                m.regressed += 1;
                if identify {
                    m.regressed_named.push(org_b.labelled(id));
                }
            }
            Ordering::Equal => m.unchanged += 1,
        }
    }
    m
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

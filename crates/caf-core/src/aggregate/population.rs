//! Figures over the whole selection: per outcome, per principle and objective, profile
//! attainment and systemic gaps. None of them is published when the population itself is under
//! the disclosure limit.

use std::collections::BTreeMap;

use super::fold::{STANDARD_PROFILES, Target, no_minimum_outcomes};
use super::model::{
    Attainment, Counts, MetBucket, OutcomeFigures, ProfileAttainment, RollUpFigures, SystemicGap,
    percent,
};
use super::project::Projector;
use super::select::OrgView;
use crate::framework::{Framework, Outcome};
use crate::scoring;

/// Per outcome, principle and objective of the reporting framework.
pub(super) struct Outcomes {
    pub outcomes: Vec<OutcomeFigures>,
    pub principles: Vec<RollUpFigures>,
    pub objectives: Vec<RollUpFigures>,
}

pub(super) fn outcomes(projector: &Projector, overall: Vec<Counts>, suppressed: bool) -> Outcomes {
    if suppressed {
        return Outcomes {
            outcomes: Vec::new(),
            principles: Vec::new(),
            objectives: Vec::new(),
        };
    }
    let framework = projector.framework;
    let roll_up = |ids: Vec<(&str, &str)>, member: &dyn Fn(&str, &Outcome) -> bool| {
        ids.into_iter()
            .map(|(id, title)| {
                let mut counts = Counts::default();
                for (o, c) in framework.outcomes.iter().zip(&overall) {
                    if member(id, o) {
                        counts.add(c);
                    }
                }
                RollUpFigures {
                    id: id.to_string(),
                    title: title.to_string(),
                    counts,
                }
            })
            .collect::<Vec<_>>()
    };
    let principles = roll_up(
        (framework.principles.iter())
            .map(|p| (p.id.as_str(), p.title.as_str()))
            .collect(),
        &|id, o| o.principle == id,
    );
    let objectives = roll_up(
        (framework.objectives.iter())
            .map(|p| (p.id.as_str(), p.title.as_str()))
            .collect(),
        &|id, o| o.objective == id,
    );
    Outcomes {
        outcomes: projector.outcomes(overall),
        principles,
        objectives,
    }
}

/// Profile attainment and the distribution of outcomes met.
pub(super) fn attainment(
    orgs: &[OrgView],
    frameworks: &[&Framework],
    suppressed: bool,
) -> Attainment {
    let mut attainment = Attainment {
        profiles: Vec::new(),
        outcomes_met: Vec::new(),
        outcomes_met_minimum: Vec::new(),
    };
    if suppressed {
        return attainment;
    }
    for (p, profile) in STANDARD_PROFILES.into_iter().enumerate() {
        let (mut evaluated, mut meeting, mut meeting_minimum) = (0, 0, 0);
        for v in orgs {
            if let Some(ok) = v.summary.attains(p, false) {
                evaluated += 1;
                meeting += usize::from(ok);
                meeting_minimum += usize::from(v.summary.attains(p, true) == Some(true));
            }
        }
        attainment.profiles.push(ProfileAttainment::new(
            profile,
            evaluated,
            meeting,
            meeting_minimum,
            no_minimum_outcomes(profile, frameworks.iter().copied()),
        ));
    }
    let histogram = |minimum: bool| {
        let mut buckets: BTreeMap<u32, usize> = BTreeMap::new();
        for v in orgs {
            if v.summary.has_profile {
                *buckets.entry(v.summary.met_count(minimum)).or_default() += 1;
            }
        }
        (buckets.into_iter())
            .map(|(met, organisations)| MetBucket { met, organisations })
            .collect()
    };
    attainment.outcomes_met = histogram(false);
    attainment.outcomes_met_minimum = histogram(true);
    attainment
}

/// Systemic gaps: outcomes below target in the most organisations.
pub(super) fn gaps(
    orgs: &[OrgView],
    projector: &Projector,
    identify: bool,
    suppressed: bool,
) -> Vec<SystemicGap> {
    let mut gaps = Vec::new();
    if suppressed {
        return gaps;
    }
    // Organisation by organisation (each row read once, in order), per outcome: below target,
    // with a target, with one that sets a minimum, and who is below.
    let n = projector.framework.outcomes.len();
    let mut tally = vec![(0usize, 0usize, 0usize); n];
    let mut names: Vec<Vec<String>> = vec![Vec::new(); if identify { n } else { 0 }];
    for v in orgs {
        for (j, (t, standing)) in tally.iter_mut().zip(v.row.iter()).enumerate() {
            t.1 += usize::from(standing.target != Target::None);
            t.2 += usize::from(scoring::sets_minimum(standing.goal));
            if standing.target == Target::Below {
                t.0 += 1;
                if identify {
                    names[j].push(v.org.labelled(v.id));
                }
            }
        }
    }
    let mut names = names.into_iter();
    for (o, (below, with_target, with_minimum)) in projector.framework.outcomes.iter().zip(tally) {
        let mut named = names.next().unwrap_or_default();
        if below > 0 {
            named.sort();
            gaps.push(SystemicGap {
                rank: 0,
                id: o.id.to_string(),
                title: o.title.clone(),
                organisations: below,
                share: percent(below, with_target),
                minimum_share: percent(below, with_minimum),
                named: identify.then_some(named),
            });
        }
    }
    gaps.sort_by_key(|g| std::cmp::Reverse(g.organisations));
    for (i, g) in gaps.iter_mut().enumerate() {
        g.rank = i + 1;
    }
    gaps
}

//! Figures over the whole selection: per outcome, per principle and objective, profile
//! attainment and systemic gaps. None of them is published when the population itself is under
//! the disclosure limit.

use std::collections::BTreeMap;

use super::fold::Target;
use super::model::{
    Attainment, Counts, MetBucket, OutcomeFigures, ProfileAttainment, RollUpFigures, SystemicGap,
    percent,
};
use super::project::Projector;
use super::select::OrgView;
use crate::framework::Outcome;

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
pub(super) fn attainment(orgs: &[OrgView], suppressed: bool) -> Attainment {
    let mut attainment = Attainment {
        profiles: Vec::new(),
        outcomes_met: Vec::new(),
    };
    if suppressed {
        return attainment;
    }
    for profile in ["baseline", "enhanced"] {
        let (mut evaluated, mut meeting) = (0, 0);
        for v in orgs {
            let value = match profile {
                "baseline" => v.org.baseline(),
                _ => v.org.enhanced(),
            };
            if let Some(ok) = value {
                evaluated += 1;
                meeting += usize::from(ok);
            }
        }
        attainment.profiles.push(ProfileAttainment {
            profile: profile.to_string(),
            organisations: evaluated,
            meeting_all: meeting,
            share: percent(meeting, evaluated),
        });
    }
    let mut buckets: BTreeMap<u32, usize> = BTreeMap::new();
    for v in orgs {
        if v.org.entries.iter().any(|e| e.has_profile) {
            let met = v.org.entries.iter().map(|e| e.met_count).min().unwrap_or(0);
            *buckets.entry(met).or_default() += 1;
        }
    }
    attainment.outcomes_met = buckets
        .into_iter()
        .map(|(met, organisations)| MetBucket { met, organisations })
        .collect();
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
    for (j, o) in projector.framework.outcomes.iter().enumerate() {
        let (mut below, mut with_target) = (0, 0);
        let mut named = Vec::new();
        for v in orgs {
            let target = v.row[j].target;
            if target != Target::None {
                with_target += 1;
            }
            if target == Target::Below {
                below += 1;
                if identify {
                    named.push(v.org.labelled(v.id));
                }
            }
        }
        if below > 0 {
            named.sort();
            gaps.push(SystemicGap {
                rank: 0,
                id: o.id.to_string(),
                title: o.title.clone(),
                organisations: below,
                share: percent(below, with_target),
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

//! Group figures: the selection's groups as disclosure control publishes them, merged into
//! [`super::OTHER_GROUP`] or withheld as [`disclosure::decide`] says.

use std::collections::BTreeMap;

use super::OTHER_GROUP;
use super::disclosure::{self, Decisions};
use super::model::{Counts, GroupFigures, percent};
use super::project::Projector;
use super::select::{GroupCounts, OrgView};

/// What disclosure control is told about the groups: every group with figures or
/// organisations, its assessments and its organisations.
pub(super) fn sizes<'a>(
    groups: &BTreeMap<&'a str, GroupCounts>,
    orgs: &[OrgView<'a>],
) -> BTreeMap<&'a str, disclosure::Group<u32>> {
    let mut sizes: BTreeMap<&'a str, disclosure::Group<u32>> = groups
        .iter()
        .map(|(&key, (assessments, _))| {
            let group = disclosure::Group {
                assessments: *assessments,
                ..Default::default()
            };
            (key, group)
        })
        .collect();
    for v in orgs {
        sizes
            .entry(&v.org.group)
            .or_default()
            .organisations
            .insert(v.number);
    }
    sizes
}

/// The published groups: by size, the merged group last.
pub(super) fn figures<'a>(
    groups: BTreeMap<&'a str, GroupCounts>,
    orgs: &[OrgView<'a>],
    decisions: &Decisions<'a>,
    projector: &Projector,
) -> Vec<GroupFigures> {
    let n = projector.framework.outcomes.len();
    let mut rows: BTreeMap<&str, GroupCounts> = BTreeMap::new();
    for (group, (assessments, counts)) in groups {
        let row = rows
            .entry(decisions.published_key(group))
            .or_insert_with(|| (0, vec![Counts::default(); n]));
        row.0 += assessments;
        row.1.iter_mut().zip(&counts).for_each(|(a, b)| a.add(b));
    }
    // Organisations evaluated against the baseline profile (the first standard profile),
    // meeting it, and meeting every target of it that sets a minimum.
    let mut baseline: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for v in orgs {
        let b = baseline
            .entry(decisions.published_key(&v.org.group))
            .or_default();
        if let Some(ok) = v.summary.attains(0, false) {
            b.0 += 1;
            b.1 += usize::from(ok);
            b.2 += usize::from(v.summary.attains(0, true) == Some(true));
        }
    }
    let mut figures: Vec<GroupFigures> = rows
        .into_iter()
        .map(|(key, (assessments, counts))| {
            let row = decisions.rows[key];
            let suppressed = row.suppressed.is_some();
            let judged: u32 = counts.iter().map(Counts::judged).sum();
            let slots: u32 = counts.iter().map(|c| c.statuses.total()).sum();
            let baseline = baseline.get(key).copied().unwrap_or_default();
            GroupFigures {
                key: key.to_string(),
                assessments,
                organisations: row.organisations,
                merged_groups: row.merged_groups,
                suppressed,
                completion: (!suppressed)
                    .then(|| percent(judged as usize, slots as usize))
                    .flatten(),
                baseline_met_share: (!suppressed)
                    .then(|| percent(baseline.1, baseline.0))
                    .flatten(),
                baseline_minimum_share: (!suppressed)
                    .then(|| percent(baseline.2, baseline.0))
                    .flatten(),
                outcomes: if suppressed {
                    Vec::new()
                } else {
                    projector.outcomes(counts)
                },
            }
        })
        .collect();
    figures.sort_by(|a, b| {
        (a.key == OTHER_GROUP)
            .cmp(&(b.key == OTHER_GROUP))
            .then(b.organisations.cmp(&a.organisations))
            .then(a.key.cmp(&b.key))
    });
    figures
}

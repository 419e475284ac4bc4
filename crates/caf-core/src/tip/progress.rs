//! TIP progress across organisations, for the central unit: how many actions are planned, in
//! progress, done, not planned and overdue, in total and by group, under the aggregates'
//! disclosure control ([`crate::aggregate::disclosure`]): a group with fewer organisations than
//! the limit is merged or withheld, and below the limit overall only coverage is published.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Digest, Progress};
use crate::aggregate::disclosure::{self, Group, Limits};
use crate::aggregate::model::Disclosure;
use crate::assessment::Date;
use crate::call::status::GroupBy;

/// The JSON schema id of [`ProgressReport`].
pub const PROGRESS_SCHEMA: &str = "caf.tip-progress/1";

/// An organisation in the reader's scope, and its current TIP's digest if it has one.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub id: &'a str,
    pub sector: Option<&'a str>,
    pub region: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub tip: Option<&'a Digest>,
}

impl Member<'_> {
    fn group(&self, by: GroupBy) -> &str {
        match by {
            GroupBy::Sector => self.sector,
            GroupBy::Region => self.region,
            GroupBy::Parent => self.parent,
        }
        .unwrap_or(crate::aggregate::UNSPECIFIED)
    }
}

/// One published group: its organisations with a TIP, and their figures unless withheld.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupRow {
    pub group: String,
    pub organisations: usize,
    /// With a TIP; withheld with the figures.
    pub with_tip: Option<usize>,
    pub progress: Option<Progress>,
}

/// `GET /api/v1/tips/progress`: the `caf.tip-progress/1` schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgressReport {
    pub schema: String,
    pub as_of: String,
    /// Organisations in the reader's scope.
    pub organisations: usize,
    /// Of which have submitted a TIP; withheld when under the limit.
    pub with_tip: Option<usize>,
    /// Of which are approved.
    pub approved: Option<usize>,
    /// The totals; withheld when fewer organisations than the limit have a TIP.
    pub progress: Option<Progress>,
    pub group_by: GroupBy,
    pub groups: Vec<GroupRow>,
    pub disclosure: Disclosure,
}

/// The progress of `members`' TIPs as of `as_of`, grouped and disclosure-controlled.
pub fn report(
    members: &[Member],
    group_by: GroupBy,
    limits: Limits,
    as_of: Date,
) -> ProgressReport {
    let min = limits.min_group_size.max(1);
    let with_tip: Vec<&Member> = members.iter().filter(|m| m.tip.is_some()).collect();
    let hide_all = !limits.identify && with_tip.len() < min;
    let mut groups: BTreeMap<&str, Group<&str>> = BTreeMap::new();
    for m in members {
        let g = groups.entry(m.group(group_by)).or_default();
        g.assessments += usize::from(m.tip.is_some());
        if m.tip.is_some() {
            g.organisations.insert(m.id);
        }
    }
    let decisions = disclosure::decide(&groups, limits);
    let mut rows: BTreeMap<&str, (BTreeSet<&str>, usize, Progress)> = BTreeMap::new();
    for m in members {
        let key = if limits.identify {
            m.group(group_by)
        } else {
            decisions.published_key(m.group(group_by))
        };
        let row = rows.entry(key).or_default();
        row.0.insert(m.id);
        if let Some(tip) = m.tip {
            row.1 += 1;
            row.2.add(&tip.progress(as_of));
        }
    }
    let groups = rows
        .into_iter()
        .map(|(key, (orgs, tips, progress))| {
            let withheld = hide_all
                || (!limits.identify
                    && (tips < min
                        || decisions
                            .rows
                            .get(key)
                            .is_some_and(|r| r.suppressed.is_some())));
            GroupRow {
                group: key.to_string(),
                organisations: orgs.len(),
                with_tip: (!withheld).then_some(tips),
                progress: (!withheld).then_some(progress),
            }
        })
        .collect();
    let mut total = Progress::default();
    for m in &with_tip {
        total.add(&m.tip.expect("with a TIP").progress(as_of));
    }
    ProgressReport {
        schema: PROGRESS_SCHEMA.to_string(),
        as_of: as_of.to_string(),
        organisations: members.len(),
        with_tip: (!hide_all).then_some(with_tip.len()),
        approved: (!hide_all).then(|| {
            with_tip
                .iter()
                .filter(|m| m.tip.is_some_and(|t| t.approved))
                .count()
        }),
        progress: (!hide_all).then_some(total),
        group_by,
        groups,
        disclosure: Disclosure {
            suppressed: hide_all,
            ..decisions.summary
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(planned: usize, due: &[&str]) -> Digest {
        Digest {
            actions: planned,
            planned,
            open_due: due.iter().map(|d| d.to_string()).collect(),
            ..Digest::default()
        }
    }

    #[test]
    fn groups_under_the_limit_are_merged_or_withheld() {
        let big = digest(2, &["2026-01-01", "2027-01-01"]);
        let ids: Vec<String> = (0..7).map(|i| format!("org-{i}")).collect();
        let members: Vec<Member> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Member {
                id,
                sector: Some(if i < 5 { "health" } else { "energy" }),
                region: None,
                parent: None,
                tip: Some(&big),
            })
            .collect();
        let as_of = Date::parse("2026-06-01").unwrap();
        let limits = Limits {
            min_group_size: 5,
            identify: false,
        };
        let r = report(&members, GroupBy::Sector, limits, as_of);
        assert_eq!(r.with_tip, Some(7));
        assert_eq!(r.progress.unwrap().overdue, 7);
        assert_eq!(r.progress.unwrap().planned, 14);
        // energy (2) is under the limit: merged with health so no figure describes two.
        assert!(
            r.groups.iter().all(|g| g.group != "energy"),
            "{:?}",
            r.groups
        );
        // Under the limit overall: only coverage.
        let r = report(&members[..3], GroupBy::Sector, limits, as_of);
        assert_eq!((r.with_tip, r.progress), (None, None));
        assert!(r.disclosure.suppressed);
        assert!(r.groups.iter().all(|g| g.progress.is_none()));
    }
}

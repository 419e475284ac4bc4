//! Disclosure control: which groups are published on their own, merged into [`OTHER_GROUP`] or
//! withheld, so that no published figure describes fewer organisations than the limit.
//!
//! [`decide`] is a pure function of the groups' sizes (their organisations, and whether they
//! have figures) and the [`Limits`]: no I/O, no access to the accumulators. The rules, in order:
//!
//! 1. **Small groups merge.** A group with at least one but fewer than `min_group_size`
//!    organisations is merged into [`OTHER_GROUP`].
//! 2. **Complementary merging.** While the merged groups together (organisations counted once)
//!    are still under the limit, the smallest group published on its own (fewest
//!    organisations, then first by key) joins them: otherwise the small groups' figures could
//!    be recovered by subtracting the published groups from the population total.
//! 3. **Population.** When the whole selection has fewer organisations than the limit, only
//!    coverage is published: every group is suppressed, as are the population's figures.
//! 4. **Rows under the limit.** A published row (a group's own, or the merged group) with fewer
//!    organisations than the limit is suppressed. After rules 1–3 this only happens to a group
//!    that has figures but no organisation of its own (an organisation whose assessments
//!    disagree on its group counts in the first group by name only).
//! 5. **Naming** (`identify`) lifts no limit: the decisions are the same with it.
//!
//! The trend and the supply chain apply the same limit through [`Limits`]' other methods.

use std::collections::{BTreeMap, BTreeSet};

use super::model::Disclosure;
use super::{OTHER_GROUP, Options};

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// No published figure describes fewer organisations than this (at least 1).
    pub min_group_size: usize,
    /// Organisations are named (for the central unit's own eyes).
    pub identify: bool,
}

impl Limits {
    pub fn of(options: &Options) -> Limits {
        Limits {
            min_group_size: options.min_group_size.max(1),
            identify: options.identify,
        }
    }

    fn under(self, organisations: usize) -> bool {
        organisations < self.min_group_size
    }

    /// Whether a period's figures in the trend are withheld.
    pub fn period_suppressed(self, organisations: usize) -> bool {
        self.under(organisations)
    }

    /// Whether the change between two periods is withheld: either period is under the limit,
    /// or some but too few organisations are in both.
    pub fn change_suppressed(self, from: usize, to: usize, both: usize) -> bool {
        self.under(from) || self.under(to) || (both > 0 && self.under(both))
    }

    /// Whether a supplier is listed in the concentration figures.
    pub fn supplier_listed(self, organisations: usize, population_suppressed: bool) -> bool {
        !self.under(organisations) && !population_suppressed
    }
}

/// What disclosure control is told about one group of the selection, its organisations known
/// by `K`: an id, or a number standing for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<K> {
    /// Assessments in the group's figures (0: the group has organisations but no figures of
    /// its own, its organisations' assessments being counted in other groups or unmappable).
    pub assessments: usize,
    /// The organisations counted in the group.
    pub organisations: BTreeSet<K>,
}

impl<K> Default for Group<K> {
    fn default() -> Self {
        Group {
            assessments: 0,
            organisations: BTreeSet::new(),
        }
    }
}

/// Why a group is merged into [`OTHER_GROUP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// It has fewer organisations than the limit (rule 1).
    UnderLimit,
    /// It is large enough, but joined the small groups so that they reach the limit together
    /// (rule 2).
    Complementary,
}

/// Why figures are withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// The whole population is under the limit (rule 3).
    Population,
    /// The row the group is published in is under the limit (rule 4).
    UnderLimit,
}

/// What happens to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Published under its own key.
    Publish,
    /// Published as part of [`OTHER_GROUP`].
    Merge(Merge),
    /// Withheld: the row it is in (its own, or [`OTHER_GROUP`] if `merged`) is suppressed.
    Suppress {
        reason: Suppression,
        merged: Option<Merge>,
    },
}

impl Decision {
    pub fn merged(self) -> bool {
        matches!(
            self,
            Decision::Merge(_)
                | Decision::Suppress {
                    merged: Some(_),
                    ..
                }
        )
    }

    pub fn suppressed(self) -> bool {
        matches!(self, Decision::Suppress { .. })
    }
}

/// A row of the published groups: a group's own key, or [`OTHER_GROUP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Organisations in it, each counted once.
    pub organisations: usize,
    /// Groups with figures merged into it (0 but for [`OTHER_GROUP`]).
    pub merged_groups: usize,
    pub suppressed: Option<Suppression>,
}

/// The outcome of disclosure control.
#[derive(Debug, Clone)]
pub struct Decisions<'a> {
    /// The report's `disclosure` block.
    pub summary: Disclosure,
    /// Per group given, by key.
    pub groups: BTreeMap<&'a str, Decision>,
    /// Per published row, by key: only rows with figures (some group in it has assessments).
    pub rows: BTreeMap<&'a str, Row>,
}

impl<'a> Decisions<'a> {
    /// The key of the row `group` is published in.
    pub fn published_key(&self, group: &'a str) -> &'a str {
        match self.groups.get(group) {
            Some(decision) if decision.merged() => OTHER_GROUP,
            _ => group,
        }
    }
}

/// Decides, for each group, whether it is published, merged or withheld (see the module doc).
pub fn decide<'a, K: Ord + Copy>(
    groups: &BTreeMap<&'a str, Group<K>>,
    limits: Limits,
) -> Decisions<'a> {
    let population = groups
        .values()
        .flat_map(|g| &g.organisations)
        .collect::<BTreeSet<_>>()
        .len();
    let population_suppressed = limits.under(population);
    let merged = merges(groups, limits);
    let published = |key: &'a str| {
        if merged.contains_key(key) {
            OTHER_GROUP
        } else {
            key
        }
    };

    // Every row's organisations (groups without figures included), and its figures' groups.
    let mut members: BTreeMap<&'a str, (BTreeSet<K>, usize, bool)> = BTreeMap::new();
    for (&key, group) in groups {
        let row_key = published(key);
        let row = members.entry(row_key).or_default();
        row.0.extend(&group.organisations);
        if group.assessments > 0 {
            row.2 = true;
            row.1 += usize::from(row_key == OTHER_GROUP);
        }
    }
    let suppression = |organisations: usize| {
        if population_suppressed {
            Some(Suppression::Population)
        } else if limits.under(organisations) {
            Some(Suppression::UnderLimit)
        } else {
            None
        }
    };
    let decisions = groups
        .keys()
        .map(|&key| {
            let organisations = members[published(key)].0.len();
            let decision = match (merged.get(key).copied(), suppression(organisations)) {
                (None, None) => Decision::Publish,
                (Some(merge), None) => Decision::Merge(merge),
                (merged, Some(reason)) => Decision::Suppress { reason, merged },
            };
            (key, decision)
        })
        .collect();
    let rows: BTreeMap<&'a str, Row> = members
        .into_iter()
        .filter(|(_, (_, _, has_figures))| *has_figures)
        .map(|(key, (orgs, merged_groups, _))| {
            let row = Row {
                organisations: orgs.len(),
                merged_groups,
                suppressed: suppression(orgs.len()),
            };
            (key, row)
        })
        .collect();
    Decisions {
        summary: Disclosure {
            min_group_size: limits.min_group_size,
            identify: limits.identify,
            suppressed: population_suppressed,
            merged_groups: rows.values().map(|r| r.merged_groups).sum(),
            suppressed_groups: rows.values().filter(|r| r.suppressed.is_some()).count(),
            published: false,
        },
        groups: decisions,
        rows,
    }
}

/// Rules 1 and 2: the groups merged into [`OTHER_GROUP`], and why.
fn merges<'a, K: Ord>(
    groups: &BTreeMap<&'a str, Group<K>>,
    limits: Limits,
) -> BTreeMap<&'a str, Merge> {
    let mut merged: BTreeMap<&'a str, Merge> = groups
        .iter()
        .filter(|(_, g)| !g.organisations.is_empty() && limits.under(g.organisations.len()))
        .map(|(&key, _)| (key, Merge::UnderLimit))
        .collect();
    loop {
        let merged_orgs = merged
            .keys()
            .flat_map(|key| &groups[key].organisations)
            .collect::<BTreeSet<_>>()
            .len();
        if merged_orgs == 0 || !limits.under(merged_orgs) {
            break;
        }
        let Some(next) = groups
            .iter()
            .filter(|(key, g)| !g.organisations.is_empty() && !merged.contains_key(*key))
            .min_by(|a, b| {
                (a.1.organisations.len().cmp(&b.1.organisations.len())).then(a.0.cmp(b.0))
            })
            .map(|(&key, _)| key)
        else {
            break;
        };
        merged.insert(next, Merge::Complementary);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    use Decision::{Publish, Suppress};
    use Merge::{Complementary, UnderLimit};

    const MERGE: Decision = Decision::Merge(UnderLimit);
    const JOIN: Decision = Decision::Merge(Complementary);
    const POPULATION: Decision = Suppress {
        reason: Suppression::Population,
        merged: Some(UnderLimit),
    };

    fn limits(min_group_size: usize, identify: bool) -> Limits {
        Limits::of(&Options {
            min_group_size,
            identify,
            ..Options::default()
        })
    }

    /// Groups of distinct organisations, `(key, organisations)`, each with figures.
    fn groups<'a>(
        sizes: &[(&'a str, usize)],
        ids: &'a [String],
    ) -> BTreeMap<&'a str, Group<&'a str>> {
        let mut next = ids.iter();
        sizes
            .iter()
            .map(|&(key, n)| {
                let group = Group {
                    assessments: n.max(1),
                    organisations: next.by_ref().take(n).map(String::as_str).collect(),
                };
                (key, group)
            })
            .collect()
    }

    fn ids() -> Vec<String> {
        (0..100).map(|i| format!("org-{i}")).collect()
    }

    /// The published rows as (key, organisations, merged groups, suppressed).
    fn rows<'a>(d: &Decisions<'a>) -> Vec<(&'a str, usize, usize, bool)> {
        d.rows
            .iter()
            .map(|(&k, r)| (k, r.organisations, r.merged_groups, r.suppressed.is_some()))
            .collect()
    }

    struct Case {
        what: &'static str,
        min: usize,
        identify: bool,
        /// (group, organisations, expected decision)
        groups: &'static [(&'static str, usize, Decision)],
        /// (population suppressed, merged groups, suppressed groups)
        summary: (bool, usize, usize),
        /// The merged group's organisations, if there is one.
        other: Option<usize>,
    }

    const CASES: &[Case] = &[
        Case {
            what: "every group at or over the limit is published",
            min: 5,
            identify: false,
            groups: &[("a", 5, Publish), ("b", 12, Publish)],
            summary: (false, 0, 0),
            other: None,
        },
        Case {
            what: "groups under the limit merge into OTHER_GROUP",
            min: 5,
            identify: false,
            groups: &[("a", 10, Publish), ("b", 3, MERGE), ("c", 2, MERGE)],
            summary: (false, 2, 0),
            other: Some(5),
        },
        Case {
            what: "one group of one merges with another of four: five together",
            min: 5,
            identify: false,
            groups: &[("a", 1, MERGE), ("b", 4, MERGE), ("c", 7, Publish)],
            summary: (false, 2, 0),
            other: Some(5),
        },
        Case {
            what: "merged still under the limit: the smallest published group joins (alpha 5, gamma 4)",
            min: 5,
            identify: false,
            groups: &[("alpha", 5, JOIN), ("gamma", 4, MERGE)],
            summary: (false, 2, 0),
            other: Some(9),
        },
        Case {
            what: "complementary merging takes the smallest, the first by key on a tie, and no more",
            min: 5,
            identify: false,
            groups: &[
                ("a", 6, JOIN),
                ("b", 6, Publish),
                ("c", 9, Publish),
                ("d", 2, MERGE),
            ],
            summary: (false, 2, 0),
            other: Some(8),
        },
        Case {
            what: "the integration tests' population: gamma (4) and delta (3) merge, seven together",
            min: 5,
            identify: false,
            groups: &[
                ("alpha", 5, Publish),
                ("beta", 6, Publish),
                ("delta", 3, MERGE),
                ("gamma", 4, MERGE),
            ],
            summary: (false, 2, 0),
            other: Some(7),
        },
        Case {
            what: "a lower limit publishes the group of four (and of three)",
            min: 3,
            identify: false,
            groups: &[
                ("alpha", 5, Publish),
                ("beta", 6, Publish),
                ("delta", 3, Publish),
                ("gamma", 4, Publish),
            ],
            summary: (false, 0, 0),
            other: None,
        },
        Case {
            what: "population under the limit: the merged group of everyone is suppressed",
            min: 5,
            identify: false,
            groups: &[("a", 2, POPULATION), ("b", 2, POPULATION)],
            summary: (true, 2, 1),
            other: Some(4),
        },
        Case {
            what: "population of one group under the limit",
            min: 5,
            identify: false,
            groups: &[("a", 4, POPULATION)],
            summary: (true, 1, 1),
            other: Some(4),
        },
        Case {
            what: "no groups: an empty population is suppressed",
            min: 5,
            identify: false,
            groups: &[],
            summary: (true, 0, 0),
            other: None,
        },
        Case {
            what: "a limit of 0 means 1: a group of one is published",
            min: 0,
            identify: false,
            groups: &[("a", 1, Publish), ("b", 1, Publish)],
            summary: (false, 0, 0),
            other: None,
        },
        Case {
            what: "identify lifts no limit: the same decisions as without it",
            min: 5,
            identify: true,
            groups: &[
                ("alpha", 5, JOIN),
                ("gamma", 4, MERGE),
                ("zeta", 8, Publish),
            ],
            summary: (false, 2, 0),
            other: Some(9),
        },
        Case {
            what: "identify with a population under the limit still publishes nothing",
            min: 5,
            identify: true,
            groups: &[("a", 3, POPULATION)],
            summary: (true, 1, 1),
            other: Some(3),
        },
    ];

    #[test]
    fn decisions_follow_the_rules() {
        let ids = ids();
        for case in CASES {
            let what = case.what;
            let sizes: Vec<(&str, usize)> = case.groups.iter().map(|&(k, n, _)| (k, n)).collect();
            let d = decide(&groups(&sizes, &ids), limits(case.min, case.identify));
            let got: Vec<(&str, Decision)> = d.groups.iter().map(|(&k, &d)| (k, d)).collect();
            let expected: Vec<(&str, Decision)> =
                case.groups.iter().map(|&(k, _, d)| (k, d)).collect();
            assert_eq!(got, expected, "{what}");
            let s = &d.summary;
            assert_eq!(
                (s.suppressed, s.merged_groups, s.suppressed_groups),
                case.summary,
                "{what}"
            );
            assert_eq!(s.min_group_size, case.min.max(1), "{what}");
            assert_eq!(s.identify, case.identify, "{what}");
            let other = d.rows.get(OTHER_GROUP).map(|r| r.organisations);
            assert_eq!(other, case.other, "{what}");
            // Every row but the merged one is a group published (or withheld) on its own.
            for (key, decision) in &got {
                let row = d.published_key(key);
                assert_eq!(row == OTHER_GROUP, decision.merged(), "{what}: {key}");
                assert_eq!(
                    d.rows[row].suppressed.is_some(),
                    decision.suppressed(),
                    "{what}: {key}"
                );
            }
            // Nothing published describes fewer organisations than the limit.
            for (key, row) in &d.rows {
                assert!(
                    row.suppressed.is_some() || row.organisations >= case.min,
                    "{what}: {key}"
                );
            }
        }
    }

    /// Organisations in several groups (grouping by period) are counted once in the merged
    /// group and in the population.
    #[test]
    fn organisations_in_several_groups_count_once() {
        let org = |ids: &[&'static str]| Group {
            assessments: ids.len(),
            organisations: ids.iter().copied().collect(),
        };
        let groups: BTreeMap<&str, Group<&str>> = [
            ("2024/25", org(&["a", "b", "c"])),
            ("2025/26", org(&["a", "b", "c"])),
            ("2026/27", org(&["a", "b", "c", "d", "e", "f"])),
        ]
        .into();
        let d = decide(&groups, limits(5, false));
        // The two small periods share three organisations: still under five together, so the
        // smallest published one joins them.
        assert_eq!(d.groups["2024/25"], MERGE);
        assert_eq!(d.groups["2025/26"], MERGE);
        assert_eq!(d.groups["2026/27"], JOIN);
        assert_eq!(rows(&d), vec![(OTHER_GROUP, 6, 3, false)]);
        assert!(!d.summary.suppressed);

        // Four in all: the population is under the limit though the groups sum to eight.
        let groups: BTreeMap<&str, Group<&str>> = [
            ("2025/26", org(&["a", "b", "c", "d"])),
            ("2026/27", org(&["a", "b", "c", "d"])),
        ]
        .into();
        let d = decide(&groups, limits(5, false));
        assert!(d.summary.suppressed);
        assert_eq!(rows(&d), vec![(OTHER_GROUP, 4, 2, true)]);
    }

    /// A group with figures but no organisation of its own (its organisation's other
    /// assessment puts it first in another group) is not merged but withheld; a group with
    /// organisations but no figures has no row.
    #[test]
    fn groups_without_organisations_or_figures() {
        let ids = ids();
        let mut groups = groups(&[("a", 6), ("c", 7)], &ids);
        groups.insert(
            "b",
            Group {
                assessments: 1,
                organisations: BTreeSet::new(),
            },
        );
        groups.get_mut("c").unwrap().assessments = 0;
        let d = decide(&groups, limits(5, false));
        assert_eq!(d.groups["a"], Publish);
        assert_eq!(
            d.groups["b"],
            Suppress {
                reason: Suppression::UnderLimit,
                merged: None
            }
        );
        assert_eq!(d.groups["c"], Publish);
        assert_eq!(rows(&d), vec![("a", 6, 0, false), ("b", 0, 0, true)]);
        assert_eq!(
            (d.summary.merged_groups, d.summary.suppressed_groups),
            (0, 1)
        );

        // Small and without figures: merged (its organisations count in the merged group), but
        // not counted among the merged groups.
        groups.get_mut("a").unwrap().organisations = ["x", "y"].into();
        let d = decide(&groups, limits(5, false));
        assert_eq!(d.groups["a"], MERGE);
        assert_eq!(d.groups["c"], JOIN);
        assert_eq!(
            rows(&d),
            vec![("b", 0, 0, true), (OTHER_GROUP, 9, 1, false)]
        );
    }

    #[test]
    fn the_trend_and_the_supply_chain_apply_the_same_limit() {
        let l = limits(5, false);
        // (organisations, period suppressed, supplier listed, listed if the population is suppressed)
        for (orgs, period, listed) in [(0, true, false), (4, true, false), (5, false, true)] {
            assert_eq!(l.period_suppressed(orgs), period, "{orgs}");
            assert_eq!(l.supplier_listed(orgs, false), listed, "{orgs}");
            assert!(!l.supplier_listed(orgs, true), "{orgs}");
        }
        // (from, to, in both) -> change suppressed
        for (from, to, both, suppressed) in [
            (5, 5, 5, false),
            (5, 5, 0, false),
            (5, 5, 4, true),
            (4, 9, 4, true),
            (9, 4, 0, true),
            (9, 9, 1, true),
        ] {
            assert_eq!(
                l.change_suppressed(from, to, both),
                suppressed,
                "{from} {to} {both}"
            );
        }
    }
}

//! Review against self-assessment: per outcome, across organisations whose self-assessment has
//! been reviewed, how many had assessed themselves higher than the reviewer decided, the same,
//! or lower. The share "higher" is how optimistic self-assessment is.
//!
//! A pure function of one [`Reviewed`] per organisation (its group, and per outcome the
//! self-assessed status beside the reviewer's decision) and the disclosure [`Limits`]: groups
//! go through the same [`disclosure::decide`] as the aggregate's (small groups merged into
//! [`OTHER_GROUP`], complementary merging, the population withheld under the limit), and
//! within a published row an outcome compared for fewer organisations than the limit has its
//! counts withheld. An outcome counts for an organisation only when both sides judged it (a
//! self-assessed `not-assessed`, or no decision from the reviewer, is not compared).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::OTHER_GROUP;
use super::disclosure::{self, Group, Limits};
use super::model::Disclosure;
use crate::framework::Status;

/// The JSON schema id of [`GapReport`].
pub const GAP_SCHEMA: &str = "caf.review-gap/1";

/// One outcome of one review: the organisation's own status and the reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub self_assessed: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Status>,
}

/// Per outcome id, the pair; what a store keeps of a review for these figures.
pub type Decisions = BTreeMap<String, Pair>;

/// The review counted for one organisation.
#[derive(Debug, Clone)]
pub struct Reviewed<'a> {
    pub organisation: &'a str,
    /// Its group (sector, region or parent, as the caller groups); `None` counts as
    /// [`super::UNSPECIFIED`].
    pub group: Option<&'a str>,
    /// The review is finalised (otherwise it is the latest one, still open).
    pub finalised: bool,
    pub decisions: &'a Decisions,
}

/// The counts for one outcome in one row; `None` when withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeGap {
    pub outcome: String,
    /// Organisations for which both sides judged the outcome.
    pub compared: Option<usize>,
    /// Self-assessed higher than the reviewer's decision (optimistic).
    pub higher: Option<usize>,
    pub equal: Option<usize>,
    /// Self-assessed lower than the reviewer's decision (cautious).
    pub lower: Option<usize>,
    /// Withheld: compared for fewer organisations than the limit (or the whole row is).
    pub suppressed: bool,
}

/// One published row: a group, [`OTHER_GROUP`], or the whole population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapRow {
    pub key: String,
    pub organisations: usize,
    /// Of which counted from a finalised review; withheld with the row.
    pub finalised: Option<usize>,
    pub suppressed: bool,
    /// Groups merged into this row (only [`OTHER_GROUP`] has any).
    pub merged_groups: usize,
    /// Every outcome compared anywhere in the selection, in id order; empty when suppressed.
    pub outcomes: Vec<OutcomeGap>,
}

/// The `caf.review-gap/1` document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GapReport {
    pub schema: String,
    pub group_by: String,
    pub disclosure: Disclosure,
    pub population: GapRow,
    pub groups: Vec<GapRow>,
}

#[derive(Default)]
struct Tally {
    compared: usize,
    higher: usize,
    equal: usize,
    lower: usize,
}

impl Tally {
    fn add(&mut self, pair: &Pair) -> bool {
        let Some(reviewed) = pair.reviewed else {
            return false;
        };
        if pair.self_assessed == Status::NotAssessed || reviewed == Status::NotAssessed {
            return false;
        }
        self.compared += 1;
        match pair.self_assessed.rank().cmp(&reviewed.rank()) {
            std::cmp::Ordering::Greater => self.higher += 1,
            std::cmp::Ordering::Equal => self.equal += 1,
            std::cmp::Ordering::Less => self.lower += 1,
        }
        true
    }
}

/// The figures for `reviews` grouped by `group_by` (a label for the document only), under
/// `limits`. Each organisation should appear once; a repeat counts once, its first review.
pub fn gap(reviews: &[Reviewed<'_>], group_by: &str, limits: Limits) -> GapReport {
    let mut seen = BTreeSet::new();
    let reviews: Vec<&Reviewed> = reviews
        .iter()
        .filter(|r| seen.insert(r.organisation))
        .collect();
    let key_of = |r: &Reviewed<'_>| -> String {
        r.group
            .filter(|g| !g.is_empty())
            .unwrap_or(super::UNSPECIFIED)
            .to_string()
    };
    let keys: Vec<String> = reviews.iter().map(|r| key_of(r)).collect();
    let mut groups: BTreeMap<&str, Group<&str>> = BTreeMap::new();
    for (r, key) in reviews.iter().zip(&keys) {
        let group = groups.entry(key.as_str()).or_default();
        group.assessments += 1;
        group.organisations.insert(r.organisation);
    }
    let decisions = disclosure::decide(&groups, limits);
    let outcomes: BTreeSet<&str> = reviews
        .iter()
        .flat_map(|r| r.decisions.keys().map(String::as_str))
        .collect();
    let row = |key: &str, members: &[&Reviewed], suppressed: bool, merged_groups: usize| {
        let figures = (!suppressed).then(|| {
            outcomes
                .iter()
                .map(|&outcome| {
                    let mut tally = Tally::default();
                    for r in members {
                        if let Some(pair) = r.decisions.get(outcome) {
                            tally.add(pair);
                        }
                    }
                    let shown = tally.compared >= limits.min_group_size.max(1);
                    let cell = |n: usize| shown.then_some(n);
                    OutcomeGap {
                        outcome: outcome.to_string(),
                        compared: cell(tally.compared),
                        higher: cell(tally.higher),
                        equal: cell(tally.equal),
                        lower: cell(tally.lower),
                        suppressed: !shown,
                    }
                })
                .collect()
        });
        GapRow {
            key: key.to_string(),
            organisations: members.len(),
            finalised: (!suppressed).then(|| members.iter().filter(|r| r.finalised).count()),
            suppressed,
            merged_groups,
            outcomes: figures.unwrap_or_default(),
        }
    };
    let population = row(
        "all",
        &reviews,
        decisions.summary.suppressed,
        decisions.summary.merged_groups,
    );
    let rows = decisions
        .rows
        .iter()
        .map(|(&key, published)| {
            let members: Vec<&Reviewed> = reviews
                .iter()
                .zip(&keys)
                .filter(|(_, k)| decisions.published_key(k.as_str()) == key)
                .map(|(r, _)| *r)
                .collect();
            row(
                key,
                &members,
                published.suppressed.is_some(),
                published.merged_groups,
            )
        })
        .collect::<Vec<_>>();
    // The merged row last, as the aggregate lists it.
    let (mut groups, other): (Vec<GapRow>, Vec<GapRow>) =
        rows.into_iter().partition(|r| r.key != OTHER_GROUP);
    groups.extend(other);
    GapReport {
        schema: GAP_SCHEMA.to_string(),
        group_by: group_by.to_string(),
        disclosure: decisions.summary,
        population,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(self_assessed: Status, reviewed: Option<Status>) -> Pair {
        Pair {
            self_assessed,
            reviewed,
        }
    }

    fn decisions(pairs: &[(&str, Pair)]) -> Decisions {
        pairs.iter().map(|(k, p)| (k.to_string(), *p)).collect()
    }

    const LIMITS: Limits = Limits {
        min_group_size: 3,
        identify: false,
    };

    #[test]
    fn counts_higher_equal_lower_and_skips_what_one_side_did_not_judge() {
        use Status::*;
        let optimistic = decisions(&[
            ("A1.a", pair(Achieved, Some(PartiallyAchieved))),
            ("A1.b", pair(Achieved, Some(Achieved))),
        ]);
        let cautious = decisions(&[
            ("A1.a", pair(NotAchieved, Some(Achieved))),
            ("A1.b", pair(NotAssessed, Some(Achieved))),
        ]);
        let level = decisions(&[
            ("A1.a", pair(PartiallyAchieved, Some(PartiallyAchieved))),
            ("A1.b", pair(Achieved, None)),
        ]);
        let reviews = [
            Reviewed {
                organisation: "a",
                group: Some("health"),
                finalised: true,
                decisions: &optimistic,
            },
            Reviewed {
                organisation: "b",
                group: Some("health"),
                finalised: false,
                decisions: &cautious,
            },
            Reviewed {
                organisation: "c",
                group: Some("health"),
                finalised: true,
                decisions: &level,
            },
        ];
        let report = gap(&reviews, "sector", LIMITS);
        assert_eq!(report.schema, GAP_SCHEMA);
        assert_eq!(report.population.organisations, 3);
        assert_eq!(report.population.finalised, Some(2));
        let a1a = &report.population.outcomes[0];
        assert_eq!(
            (
                a1a.outcome.as_str(),
                a1a.compared,
                a1a.higher,
                a1a.equal,
                a1a.lower
            ),
            ("A1.a", Some(3), Some(1), Some(1), Some(1))
        );
        // A1.b: one organisation compared (b did not assess it, c's reviewer did not decide).
        let a1b = &report.population.outcomes[1];
        assert!(a1b.suppressed);
        assert_eq!((a1b.compared, a1b.higher), (None, None));
        assert_eq!(report.groups.len(), 1);
        assert_eq!(report.groups[0].key, "health");
        assert_eq!(report.groups[0].outcomes, report.population.outcomes);
    }

    #[test]
    fn small_groups_merge_and_a_small_population_is_withheld() {
        use Status::*;
        let d = decisions(&[("B2.a", pair(Achieved, Some(NotAchieved)))]);
        let ids: Vec<String> = (0..7).map(|i| format!("org{i}")).collect();
        // Four councils, two health bodies and one police force: health and police are each
        // under the limit and merge, three together.
        let sectors = ["la", "la", "la", "la", "health", "health", "police"];
        let reviews: Vec<Reviewed> = ids
            .iter()
            .zip(sectors)
            .map(|(id, sector)| Reviewed {
                organisation: id,
                group: Some(sector),
                finalised: true,
                decisions: &d,
            })
            .collect();
        let report = gap(&reviews, "sector", LIMITS);
        let keys: Vec<&str> = report.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["la", OTHER_GROUP]);
        let other = &report.groups[1];
        assert_eq!((other.organisations, other.merged_groups), (3, 2));
        assert_eq!(other.outcomes[0].higher, Some(3));
        assert_eq!(report.population.outcomes[0].higher, Some(7));
        // No row names an organisation or a group under the limit.
        let text = serde_json::to_string(&report).unwrap();
        assert!(!text.contains("police") && !text.contains("org0"), "{text}");

        // Two organisations in all: only coverage.
        let report = gap(&reviews[..2], "sector", LIMITS);
        assert!(report.disclosure.suppressed && report.population.suppressed);
        assert!(report.population.outcomes.is_empty());
        assert_eq!(report.population.finalised, None);
        assert!(
            report
                .groups
                .iter()
                .all(|g| g.suppressed && g.outcomes.is_empty())
        );
    }

    #[test]
    fn an_organisation_counts_once() {
        let d = decisions(&[("A1.a", pair(Status::Achieved, Some(Status::Achieved)))]);
        let one = Reviewed {
            organisation: "x",
            group: None,
            finalised: false,
            decisions: &d,
        };
        let report = gap(
            &[one.clone(), one],
            "sector",
            Limits {
                min_group_size: 1,
                identify: false,
            },
        );
        assert_eq!(report.population.organisations, 1);
        assert_eq!(report.groups[0].key, super::super::UNSPECIFIED);
    }
}

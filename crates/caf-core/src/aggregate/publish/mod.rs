//! Published figures: what may leave the central unit, or be shown to a service viewer, when
//! anyone may ask again, ask for another grouping or another view, and compare the answers.
//! `docs/disclosure.md` gives the threat model and why this design.
//!
//! Three rules on top of [`super::disclosure::decide`], all computed from the organisations
//! themselves (the unit of disclosure), never from assessment counts:
//!
//! 1. **Consistent suppression** ([`differencing`]): every set of organisations any figure may
//!    describe — each view's population (everyone, each sector, each parent body), each row of
//!    every grouping of each view, each listed supplier — is checked against every other, and
//!    of two that differ by fewer than the limit the smaller is withheld, whatever was asked.
//! 2. **Cell-level suppression**: an outcome is published for a row only when at least the
//!    limit of its organisations have it in the reporting framework (an outcome only one
//!    organisation's version has is that organisation's status).
//! 3. **Cell-key perturbation** ([`cellkey`]): every published count is perturbed by noise
//!    fixed by its members' secret record keys, so differencing the figures that remain, or
//!    averaging repeated answers, does not isolate anyone.
//!
//! Releases (frozen snapshots) are the service's part: a live view lets an attacker difference
//! before and after one submission, and no perturbation of a single figure prevents that.

pub mod cellkey;
pub mod differencing;

use std::collections::{BTreeMap, BTreeSet};

use self::cellkey::{KEY_SPACE, Secret, perturb};
use self::differencing::{Partition, Set};
use super::disclosure::{self, Limits};
use super::fold::{Marks, STANDARD_PROFILES, Standing, Target, no_minimum_outcomes};
use super::model::{
    Attainment, Counts, Coverage, Disclosure, GroupFigures, MetBucket, OutcomeFigures,
    ProfileAttainment, RollUpFigures, SupplierFigures, SupplyChain, SystemicGap, Trend, percent,
};
use super::project::Projector;
use super::select::OrgView;
use super::{GroupBy, OTHER_GROUP, UNSPECIFIED};
use crate::framework::Status;
use crate::scoring::StatusCounts;

/// Asks for published figures instead of exact ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Keys every organisation's record key; the same secret for every release, so the same
    /// organisations always get the same noise.
    pub secret: Secret,
    /// Whose figures are described.
    pub view: View,
}

/// A part of the population someone may be shown: a service viewer's scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum View {
    All,
    Sector(String),
    /// A parent body's members, and the body itself.
    Parent(String),
}

impl View {
    fn contains(&self, v: &OrgView) -> bool {
        let a = &v.org.attributes;
        match self {
            View::All => true,
            View::Sector(s) => *a.sector == **s,
            View::Parent(p) => *a.parent == **p || v.id == p,
        }
    }
}

/// The groupings checked against each other (the period is one per release).
const GROUPINGS: [GroupBy; 4] = [
    GroupBy::Sector,
    GroupBy::Region,
    GroupBy::Parent,
    GroupBy::Profile,
];

/// The published parts of a report (the rest of it is the same as an exact one's).
pub(super) struct Figures {
    pub disclosure: Disclosure,
    pub coverage: Coverage,
    pub outcomes: Vec<OutcomeFigures>,
    pub principles: Vec<RollUpFigures>,
    pub objectives: Vec<RollUpFigures>,
    pub groups: Vec<GroupFigures>,
    pub attainment: Attainment,
    pub gaps: Vec<SystemicGap>,
    pub trend: Trend,
    pub supply_chain: SupplyChain,
}

/// A count being published: how many organisations, and their cell key.
#[derive(Debug, Default, Clone, Copy)]
struct Cell {
    count: u32,
    key: u32,
}

impl Cell {
    fn add(&mut self, record_key: u32) {
        self.count += 1;
        self.key = (self.key + record_key) % KEY_SPACE;
    }

    fn value(self) -> u32 {
        perturb(self.count, self.key)
    }
}

/// One outcome's cells over a set of organisations.
#[derive(Debug, Default, Clone)]
struct OutcomeCells {
    statuses: StatusCounts<Cell>,
    not_comparable: Cell,
    with_target: Cell,
    met: Cell,
    below_target: Cell,
    /// Organisations whose target sets a minimum, and of those meeting it.
    with_minimum: Cell,
    met_minimum: Cell,
    /// Organisations whose status for the outcome is an override, or whose answer is
    /// unreviewed: as much a disclosure as any other count.
    overridden: Cell,
    unreviewed: Cell,
}

impl OutcomeCells {
    fn add(&mut self, projected: Standing, key: u32) {
        let Standing {
            status,
            target,
            goal,
            marks,
        } = projected;
        let Some(status) = status else {
            self.not_comparable.add(key);
            return;
        };
        let s = &mut self.statuses;
        match status {
            Status::Achieved => s.achieved.add(key),
            Status::PartiallyAchieved => s.partially_achieved.add(key),
            Status::NotAchieved => s.not_achieved.add(key),
            Status::NotAssessed => s.not_assessed.add(key),
        }
        if target != Target::None {
            self.with_target.add(key);
        }
        match target {
            Target::Met => self.met.add(key),
            Target::Below => self.below_target.add(key),
            Target::None | Target::Unassessed => {}
        }
        if crate::scoring::sets_minimum(goal) {
            self.with_minimum.add(key);
            if target == Target::Met {
                self.met_minimum.add(key);
            }
        }
        if marks.overridden {
            self.overridden.add(key);
        }
        if marks.unreviewed {
            self.unreviewed.add(key);
        }
    }

    /// Organisations that have the outcome in the reporting framework.
    fn comparable(&self) -> u32 {
        let s = &self.statuses;
        s.achieved.count + s.partially_achieved.count + s.not_achieved.count + s.not_assessed.count
    }

    /// The published number of organisations that have the outcome.
    fn comparable_value(&self) -> u32 {
        let s = &self.statuses;
        s.achieved.value()
            + s.partially_achieved.value()
            + s.not_achieved.value()
            + s.not_assessed.value()
    }

    /// The published counts; `None` when too few organisations have the outcome.
    fn publish(&self, limits: Limits) -> Option<Counts> {
        if (self.comparable() as usize) < limits.min_group_size {
            return None;
        }
        let s = &self.statuses;
        let with_target = self.with_target.value();
        let with_minimum = self.with_minimum.value().min(with_target);
        Some(Counts {
            statuses: StatusCounts {
                achieved: s.achieved.value(),
                partially_achieved: s.partially_achieved.value(),
                not_achieved: s.not_achieved.value(),
                not_assessed: s.not_assessed.value(),
            },
            not_comparable: self.not_comparable.value(),
            with_target,
            // Perturbed separately, a part could exceed its whole: shares stay within 100 %.
            met: self.met.value().min(with_target),
            below_target: self.below_target.value().min(with_target),
            with_minimum,
            met_minimum: self.met_minimum.value().min(with_minimum),
            overridden: self.overridden.value().min(self.comparable_value()),
            unreviewed: self.unreviewed.value().min(self.comparable_value()),
        })
    }
}

/// The organisations of the selection, each with its record key.
struct Members<'s, 'a> {
    orgs: &'s [OrgView<'a>],
    /// Per entry of `orgs`: the organisation's record key.
    keys: Vec<u32>,
}

impl<'s, 'a> Members<'s, 'a> {
    fn new(orgs: &'s [OrgView<'a>], secret: &Secret) -> Self {
        Members {
            orgs,
            keys: orgs.iter().map(|v| secret.record_key(v.id)).collect(),
        }
    }

    /// The entries of `view`.
    fn of(&self, view: &View) -> Vec<usize> {
        (0..self.orgs.len())
            .filter(|&i| view.contains(&self.orgs[i]))
            .collect()
    }

    fn set(&self, entries: &[usize]) -> Vec<u32> {
        let mut set: Vec<u32> = entries.iter().map(|&i| self.orgs[i].number).collect();
        set.sort_unstable();
        set.dedup();
        set
    }

    fn cell(&self, entries: impl IntoIterator<Item = usize>) -> Cell {
        let mut cell = Cell::default();
        for i in entries {
            cell.add(self.keys[i]);
        }
        cell
    }

    /// The group of entry `i` under `by` (the fold's own group for the grouping asked).
    fn group(&self, i: usize, by: GroupBy, asked: GroupBy) -> &'s str {
        let v = &self.orgs[i];
        match v.org.attributes.get(by) {
            Some(g) if by != asked => g,
            _ => &v.org.group,
        }
    }
}

/// One grouping of one view as disclosure control publishes it.
struct Rows<'s> {
    /// Row key → its entries, merged groups and whether `decide` suppressed it.
    rows: BTreeMap<&'s str, (Vec<usize>, usize, bool)>,
    summary: Disclosure,
}

fn rows<'s>(
    members: &Members<'s, '_>,
    entries: &[usize],
    by: GroupBy,
    asked: GroupBy,
    limits: Limits,
) -> Rows<'s> {
    let mut groups: BTreeMap<&'s str, disclosure::Group<u32>> = BTreeMap::new();
    for &i in entries {
        let g = groups.entry(members.group(i, by, asked)).or_default();
        g.assessments += 1;
        g.organisations.insert(members.orgs[i].number);
    }
    let decisions = disclosure::decide(&groups, limits);
    let mut rows: BTreeMap<&'s str, (Vec<usize>, usize, bool)> = BTreeMap::new();
    for &i in entries {
        let key = decisions.published_key(members.group(i, by, asked));
        let row = decisions.rows[key];
        rows.entry(key)
            .or_insert_with(|| (Vec::new(), row.merged_groups, row.suppressed.is_some()))
            .0
            .push(i);
    }
    Rows {
        rows,
        summary: decisions.summary,
    }
}

/// A supplier's dependants among `entries`, by normalised name, with its most common spelling.
fn suppliers<'s>(
    members: &Members<'s, '_>,
    entries: &[usize],
) -> BTreeMap<String, (Vec<usize>, BTreeMap<&'s str, usize>)> {
    let mut deps: BTreeMap<String, (Vec<usize>, BTreeMap<&'s str, usize>)> = BTreeMap::new();
    for &i in entries {
        let mut named = BTreeSet::new();
        for raw in members.orgs[i]
            .org
            .entries
            .iter()
            .flat_map(|e| &e.suppliers)
        {
            let key = raw.key.as_str();
            if key.is_empty() {
                continue;
            }
            let d = deps.entry(key.to_string()).or_default();
            *d.1.entry(raw.name.as_str()).or_default() += 1;
            if named.insert(key) {
                d.0.push(i);
            }
        }
    }
    deps
}

/// The views whose figures anyone may be shown: everyone, each sector, each parent body.
fn views(members: &Members, asked: &View) -> BTreeSet<View> {
    let mut views: BTreeSet<View> = [View::All, asked.clone()].into();
    for v in members.orgs {
        let a = &v.org.attributes;
        if &*a.sector != UNSPECIFIED {
            views.insert(View::Sector(a.sector.to_string()));
        }
        if &*a.parent != UNSPECIFIED {
            views.insert(View::Parent(a.parent.to_string()));
        }
    }
    views
}

/// Which rows and suppliers of the asked view survive the check across every view and grouping.
struct Survivors {
    population: bool,
    rows: BTreeSet<String>,
    suppliers: BTreeSet<String>,
}

fn survivors(members: &Members, asked: &View, by: GroupBy, limits: Limits) -> Survivors {
    let min = limits.min_group_size;
    let mut sets: Vec<Set> = Vec::new();
    let mut partitions = Vec::new();
    let mut asked_rows: Vec<(String, usize)> = Vec::new();
    let mut asked_suppliers: Vec<(String, usize)> = Vec::new();
    let mut asked_population = 0;
    let mut groupings = GROUPINGS.to_vec();
    if !groupings.contains(&by) {
        groupings.push(by);
    }
    let push = |sets: &mut Vec<Set>, members: Vec<u32>, withheld: bool| {
        sets.push(Set { members, withheld });
        sets.len() - 1
    };
    for view in views(members, asked) {
        let entries = members.of(&view);
        let population_set = members.set(&entries);
        let small = population_set.len() < min;
        let population = push(&mut sets, population_set, small);
        let is_asked = view == *asked;
        if is_asked {
            asked_population = population;
        }
        for &grouping in &groupings {
            let r = rows(members, &entries, grouping, by, limits);
            let mut partition = Partition {
                population,
                rows: Vec::new(),
            };
            for (key, (row_entries, _, suppressed)) in &r.rows {
                let i = push(&mut sets, members.set(row_entries), *suppressed || small);
                partition.rows.push(i);
                if is_asked && grouping == by {
                    asked_rows.push((key.to_string(), i));
                }
            }
            partitions.push(partition);
        }
        for (key, (dependants, _)) in suppliers(members, &entries) {
            let set = members.set(&dependants);
            if set.len() >= min && !small {
                let i = push(&mut sets, set, false);
                if is_asked {
                    asked_suppliers.push((key, i));
                }
            }
        }
    }
    differencing::withhold_close_sets(&mut sets, &partitions, min);
    let published = |list: Vec<(String, usize)>| {
        (list.into_iter())
            .filter(|(_, i)| !sets[*i].withheld)
            .map(|(k, _)| k)
            .collect()
    };
    Survivors {
        population: !sets[asked_population].withheld,
        rows: published(asked_rows),
        suppliers: published(asked_suppliers),
    }
}

/// The published figures of `publication.view` (see the module doc).
pub(super) fn figures(
    orgs: &[OrgView],
    projector: &Projector,
    by: GroupBy,
    limits: Limits,
    publication: &Publication,
) -> Figures {
    let limits = Limits {
        identify: false,
        ..limits
    };
    let members = Members::new(orgs, &publication.secret);
    let view = &publication.view;
    let entries = members.of(view);
    let survivors = survivors(&members, view, by, limits);
    let published = survivors.population;
    let n = projector.framework.outcomes.len();

    let cells_of = |entries: &[usize]| {
        let mut cells = vec![OutcomeCells::default(); n];
        for &i in entries {
            for (cell, &p) in cells.iter_mut().zip(orgs[i].row.iter()) {
                cell.add(p, members.keys[i]);
            }
        }
        cells
    };
    let population_cells = cells_of(&entries);
    let mut coverage = coverage(&members, &entries, &population_cells);
    if !published {
        // Which organisations overrode or left answers unreviewed is withheld with the rest
        // of a population too small to publish.
        coverage.organisations_with_unreviewed = None;
        coverage.organisations_with_overrides = None;
    }
    coverage.marks_summary = coverage.marks_sentence();
    let (outcomes, principles, objectives) = if published {
        outcome_figures(projector, &population_cells, limits)
    } else {
        Default::default()
    };

    let r = rows(&members, &entries, by, by, limits);
    let mut groups: Vec<GroupFigures> = (r.rows.iter())
        .map(|(&key, (row_entries, merged_groups, _))| {
            let suppressed = !published || !survivors.rows.contains(key);
            let organisations = members.cell(row_entries.iter().copied()).value() as usize;
            let (outcomes, ..) = if suppressed {
                Default::default()
            } else {
                outcome_figures(projector, &cells_of(row_entries), limits)
            };
            let baseline = |minimum: bool, pick: fn(Option<bool>) -> bool| {
                members.cell(
                    (row_entries.iter().copied())
                        .filter(|&i| pick(orgs[i].org.attains(STANDARD_PROFILES[0], minimum))),
                )
            };
            let evaluated = baseline(false, |b| b.is_some()).value() as usize;
            let meeting = baseline(false, |b| b == Some(true)).value() as usize;
            let meeting_minimum = baseline(true, |b| b == Some(true)).value() as usize;
            GroupFigures {
                key: key.to_string(),
                assessments: organisations,
                organisations,
                merged_groups: *merged_groups,
                suppressed,
                completion: (!suppressed).then(|| completion(&outcomes)).flatten(),
                baseline_met_share: (!suppressed)
                    .then(|| percent(meeting.min(evaluated), evaluated))
                    .flatten(),
                baseline_minimum_share: (!suppressed)
                    .then(|| percent(meeting_minimum.min(evaluated), evaluated))
                    .flatten(),
                outcomes,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        (a.key == OTHER_GROUP)
            .cmp(&(b.key == OTHER_GROUP))
            .then(b.organisations.cmp(&a.organisations))
            .then(a.key.cmp(&b.key))
    });

    let mut summary = r.summary;
    summary.suppressed = !published;
    summary.suppressed_groups = groups.iter().filter(|g| g.suppressed).count();
    summary.published = true;
    let (attainment, gaps) = if published {
        (
            attainment(&members, &entries, &coverage.frameworks),
            gaps(&members, &entries, projector, limits),
        )
    } else {
        (
            Attainment {
                profiles: Vec::new(),
                outcomes_met: Vec::new(),
                outcomes_met_minimum: Vec::new(),
            },
            Vec::new(),
        )
    };
    let supply_chain = supply_chain(&members, &entries, &survivors.suppliers, published);
    Figures {
        disclosure: summary,
        coverage,
        outcomes,
        principles,
        objectives,
        groups,
        attainment,
        gaps,
        // Each release is one period; the change between releases is left to the reader
        // comparing them, since per-organisation movements are what differencing targets.
        trend: Trend {
            periods: Vec::new(),
            changes: Vec::new(),
        },
        supply_chain,
    }
}

type OutcomeParts = (Vec<OutcomeFigures>, Vec<RollUpFigures>, Vec<RollUpFigures>);

/// Per outcome (withheld ones zeroed and marked) and rolled up from the published counts.
fn outcome_figures(projector: &Projector, cells: &[OutcomeCells], limits: Limits) -> OutcomeParts {
    let published: Vec<Option<Counts>> = cells.iter().map(|c| c.publish(limits)).collect();
    let mut outcomes = projector.outcomes(
        published
            .iter()
            .map(|c| c.clone().unwrap_or_default())
            .collect(),
    );
    for (figures, counts) in outcomes.iter_mut().zip(&published) {
        figures.withheld = counts.is_none();
    }
    let framework = projector.framework;
    let roll_up = |id: &str, title: &str, member: &dyn Fn(&crate::framework::Outcome) -> bool| {
        let mut counts = Counts::default();
        for (o, c) in framework.outcomes.iter().zip(&published) {
            if let (true, Some(c)) = (member(o), c) {
                counts.add(c);
            }
        }
        RollUpFigures {
            id: id.to_string(),
            title: title.to_string(),
            counts,
        }
    };
    let principles = (framework.principles.iter())
        .map(|p| roll_up(&p.id, &p.title, &|o| o.principle == p.id))
        .collect();
    let objectives = (framework.objectives.iter())
        .map(|p| roll_up(&p.id, &p.title, &|o| o.objective == p.id))
        .collect();
    (outcomes, principles, objectives)
}

/// Percent of published outcome slots that are judged.
fn completion(outcomes: &[OutcomeFigures]) -> Option<f64> {
    let published = outcomes.iter().filter(|o| !o.withheld);
    let (judged, slots) = published.fold((0, 0), |(j, s), o| {
        (
            j + o.counts.judged() as usize,
            s + o.counts.statuses.total() as usize,
        )
    });
    percent(judged, slots)
}

fn coverage(members: &Members, entries: &[usize], cells: &[OutcomeCells]) -> Coverage {
    let organisations = members.cell(entries.iter().copied()).value() as usize;
    let (judged, slots) = cells.iter().fold((0, 0), |(j, s), c| {
        let total = c.comparable() as usize;
        (
            j + total - c.statuses.not_assessed.count as usize,
            s + total,
        )
    });
    let mut frameworks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in entries {
        for e in &members.orgs[i].org.entries {
            frameworks
                .entry(e.framework.id.clone())
                .or_default()
                .push(i);
        }
    }
    let marked = |pick: fn(&Marks) -> bool| {
        let with = (entries.iter().copied()).filter(|&i| {
            members.orgs[i]
                .org
                .entries
                .iter()
                .any(|e| e.standings.iter().any(|s| pick(&s.marks)))
        });
        Some(members.cell(with).value() as usize)
    };
    let without_profile = (entries.iter().copied())
        .filter(|&i| members.orgs[i].org.entries.iter().any(|e| !e.has_profile));
    Coverage {
        inputs: organisations,
        assessments: organisations,
        organisations,
        // A share of thousands of slots: its rounding hides any one organisation's part less
        // than the counts do, but it describes the whole view, which is at least the limit.
        completion: percent(judged, slots).unwrap_or(0.0),
        // Set by the caller, which knows the inputs that could not be read.
        invalid: 0,
        other_periods: 0,
        unmappable: 0,
        frameworks: (frameworks.into_iter())
            .map(|(id, e)| (id, members.cell(e).value() as usize))
            .filter(|(_, n)| *n > 0)
            .collect(),
        without_profile: members.cell(without_profile).value() as usize,
        // Outcome slots are not organisations and get no cell key: only the organisations
        // with any are published, perturbed.
        unreviewed_outcomes: None,
        organisations_with_unreviewed: marked(|m| m.unreviewed),
        overridden_outcomes: None,
        organisations_with_overrides: marked(|m| m.overridden),
        marks_summary: None,
    }
}

/// `frameworks`: those coverage publishes, the only ones a note may name.
fn attainment(
    members: &Members,
    entries: &[usize],
    frameworks: &BTreeMap<String, usize>,
) -> Attainment {
    let orgs = members.orgs;
    let profiles = STANDARD_PROFILES
        .into_iter()
        .map(|profile| {
            let count = |minimum: bool, pick: fn(Option<bool>) -> bool| {
                members
                    .cell(
                        (entries.iter().copied())
                            .filter(|&i| pick(orgs[i].org.attains(profile, minimum))),
                    )
                    .value() as usize
            };
            let evaluated = count(false, |b| b.is_some());
            let meeting = count(false, |b| b == Some(true)).min(evaluated);
            let meeting_minimum = count(true, |b| b == Some(true)).min(evaluated);
            // Which outcomes a profile leaves without a minimum is the framework's, not the
            // organisations'; but naming a framework says someone used it, so only those
            // coverage publishes are named.
            let mut no_minimum = no_minimum_outcomes(
                profile,
                (entries.iter()).flat_map(|&i| orgs[i].org.entries.iter().map(|e| &*e.framework)),
            );
            no_minimum.retain(|n| frameworks.contains_key(&n.framework));
            ProfileAttainment::new(profile, evaluated, meeting, meeting_minimum, no_minimum)
        })
        .collect();
    let histogram = |minimum: bool| {
        let mut buckets: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for &i in entries {
            let org = orgs[i].org;
            if org.entries.iter().any(|e| e.has_profile) {
                buckets.entry(org.met_count(minimum)).or_default().push(i);
            }
        }
        (buckets.into_iter())
            .map(|(met, e)| MetBucket {
                met,
                organisations: members.cell(e).value() as usize,
            })
            .filter(|b| b.organisations > 0)
            .collect()
    };
    Attainment {
        profiles,
        outcomes_met: histogram(false),
        outcomes_met_minimum: histogram(true),
    }
}

fn gaps(
    members: &Members,
    entries: &[usize],
    projector: &Projector,
    limits: Limits,
) -> Vec<SystemicGap> {
    let mut gaps: Vec<SystemicGap> = (projector.framework.outcomes.iter().enumerate())
        .filter_map(|(j, o)| {
            let target = |i: usize| members.orgs[i].row[j].target;
            let with = entries
                .iter()
                .copied()
                .filter(|&i| target(i) != Target::None);
            let with_target = members.cell(with);
            if (with_target.count as usize) < limits.min_group_size {
                return None;
            }
            let below = entries
                .iter()
                .copied()
                .filter(|&i| target(i) == Target::Below);
            // The share over the targets that set a minimum, withheld like the other when
            // too few organisations make its whole.
            let minimum = members.cell(
                (entries.iter().copied())
                    .filter(|&i| crate::scoring::sets_minimum(members.orgs[i].row[j].goal)),
            );
            let with_target = with_target.value() as usize;
            let below = (members.cell(below).value() as usize).min(with_target);
            let with_minimum = (minimum.count as usize >= limits.min_group_size)
                .then(|| (minimum.value() as usize).max(below));
            (below > 0).then(|| SystemicGap {
                rank: 0,
                id: o.id.to_string(),
                title: o.title.clone(),
                organisations: below,
                share: percent(below, with_target),
                minimum_share: with_minimum.and_then(|w| percent(below, w)),
                named: None,
            })
        })
        .collect();
    gaps.sort_by_key(|g| std::cmp::Reverse(g.organisations));
    for (i, g) in gaps.iter_mut().enumerate() {
        g.rank = i + 1;
    }
    gaps
}

fn supply_chain(
    members: &Members,
    entries: &[usize],
    listed: &BTreeSet<String>,
    published: bool,
) -> SupplyChain {
    let deps = suppliers(members, entries);
    let mut concentration: Vec<SupplierFigures> = (deps.iter())
        .filter(|(key, _)| published && listed.contains(*key))
        .map(|(key, (dependants, spellings))| {
            let name = (spellings.iter())
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or_else(|| key.clone(), |(s, _)| s.to_string());
            let organisations = members.cell(dependants.iter().copied()).value() as usize;
            let below = (dependants.iter().copied())
                .filter(|&i| members.orgs[i].org.entries.iter().any(|e| e.supply_below));
            SupplierFigures {
                name,
                key: key.clone(),
                organisations,
                below_target: (members.cell(below).value() as usize).min(organisations),
                named: None,
            }
        })
        .collect();
    concentration.sort_by(|a, b| {
        (b.organisations.cmp(&a.organisations))
            .then(b.below_target.cmp(&a.below_target))
            .then(a.key.cmp(&b.key))
    });
    SupplyChain {
        outcomes: super::SUPPLY_CHAIN_OUTCOMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        suppliers: deps.len(),
        withheld: deps.len() - concentration.len(),
        concentration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{FileSource, Options, Report, aggregate, synth};
    use crate::framework::Catalog;

    fn report(dir: &std::path::Path, publication: Option<Publication>, by: GroupBy) -> Report {
        let catalog = Catalog::shipped();
        let source = FileSource::new(vec![dir.to_path_buf()]);
        let options = Options {
            group_by: by,
            publication,
            ..Options::default()
        };
        aggregate(&source, &catalog, &options, &()).unwrap()
    }

    fn publication(secret: &[u8], view: View) -> Option<Publication> {
        Some(Publication {
            secret: Secret::new(secret).unwrap(),
            view,
        })
    }

    /// Over a synthetic population: published counts stay within 2 of the exact organisation
    /// counts, the same key gives the same figures, another key other noise, and nothing
    /// published describes fewer organisations than the limit.
    #[test]
    fn published_figures_are_near_exact_stable_per_key_and_never_small() {
        let catalog = Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        let options = synth::SynthOptions {
            orgs: 120,
            periods: 1,
            seed: 7,
        };
        synth::generate(&catalog, &options, dir.path(), None).unwrap();
        let exact = report(dir.path(), None, GroupBy::Sector);
        let key = b"sixteen byte key and more";
        let published = report(dir.path(), publication(key, View::All), GroupBy::Sector);
        assert!(published.disclosure.published && !exact.disclosure.published);
        assert!(!published.outcomes.is_empty());
        let again = report(dir.path(), publication(key, View::All), GroupBy::Sector);
        assert_eq!(
            serde_json::to_string(&again).unwrap(),
            serde_json::to_string(&published).unwrap()
        );
        let other = report(
            dir.path(),
            publication(b"another key of sixteen", View::All),
            GroupBy::Sector,
        );
        assert_ne!(
            serde_json::to_string(&other.outcomes).unwrap(),
            serde_json::to_string(&published.outcomes).unwrap()
        );
        // One assessment per organisation in synth's single period: exact counts are
        // organisation counts, so each published one is within 2 of its exact twin.
        assert_eq!(
            exact.coverage.assessments, exact.coverage.organisations,
            "the comparison below needs one assessment per organisation"
        );
        let mut differs = 0;
        for (p, e) in published.outcomes.iter().zip(&exact.outcomes) {
            assert_eq!(p.id, e.id);
            for s in [
                Status::Achieved,
                Status::PartiallyAchieved,
                Status::NotAchieved,
                Status::NotAssessed,
            ] {
                let (p, e) = (p.counts.count(s), e.counts.count(s));
                assert!(p.abs_diff(e) <= 2, "{s:?}: {p} vs {e}");
                differs += usize::from(p != e);
            }
        }
        assert!(differs > 0, "perturbation changed nothing");
        for g in &published.groups {
            assert!(g.suppressed || g.organisations >= 3, "{}", g.key);
            assert!(g.suppressed || !g.outcomes.is_empty(), "{}", g.key);
        }
        assert!(published.trend.changes.is_empty() && published.invalid.is_empty());
        assert!(published.gaps.iter().all(|g| g.named.is_none()));
        // A sector's view counts only that sector.
        let sector = &exact.groups[0].key;
        let viewed = report(
            dir.path(),
            publication(key, View::Sector(sector.clone())),
            GroupBy::Region,
        );
        let n = exact.groups[0].organisations;
        assert!(viewed.coverage.organisations.abs_diff(n) <= 2, "{sector}");
    }
}

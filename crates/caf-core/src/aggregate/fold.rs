//! The fold: each assessment is read, scored, reduced to a few bytes per outcome and added into
//! accumulators, in parallel; the text and the scorecard are dropped as soon as it is folded.
//!
//! Two kinds of accumulator come out of it: status counts per (framework, period, group) in the
//! assessment's own framework ([`GroupAcc`]), and one compact entry per organisation and period
//! ([`OrgPeriod`]) for the measures that are about organisations rather than assessments
//! (attainment, improvements, supplier dependence). This is the hot path: nothing here may
//! allocate per outcome.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use rayon::prelude::*;

use super::model::{Counts, InvalidInput, NoMinimumTargets};
use super::source::{Registered, RegisteredRef, Source};
use super::supplier::Named;
use super::{GroupBy, Options, Progress, SUPPLY_CHAIN_OUTCOMES, UNSPECIFIED, digest};
use crate::diagnostic::SourceFile;
use crate::error::Result;
use crate::framework::{Catalog, Framework, Status};
use crate::scoring;

/// Reads every assessment named in `names` from `source` in parallel and folds them.
pub(super) fn read(
    source: &dyn Source,
    names: &[String],
    catalog: &Catalog,
    options: &Options,
    progress: &dyn Progress,
) -> Partial {
    names
        .par_iter()
        .with_min_len(32)
        // Each fold reads into one buffer of its own, which the source file borrows for the
        // reading and gives back unless a diagnostic still holds it.
        .fold(
            || (Partial::default(), String::new()),
            |(mut acc, mut text), name| {
                let digest = source.fetch_into(name, &mut text).and_then(|()| {
                    let file = SourceFile::new(name, std::mem::take(&mut text));
                    let digest = digest::read(&file, catalog);
                    text = file.into_text().unwrap_or_default();
                    digest
                });
                acc.add_digest(name, digest, source.registered(name), options.group_by);
                progress.advance();
                (acc, text)
            },
        )
        .map(|(acc, _)| acc)
        .reduce(Partial::default, Partial::merge)
}

/// Where one assessment (or organisation) stands against its profile's target for one outcome,
/// from best to worst: several assessments of one organisation merge to the worst ([`Ord::max`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Target {
    /// The profile sets no target for the outcome (or there is no profile).
    None,
    Met,
    /// A target, but the outcome is not assessed.
    Unassessed,
    Below,
}

impl Target {
    /// Whether the target is met: `None` when there is no target or the outcome is not assessed.
    pub(super) fn met(self) -> Option<bool> {
        match self {
            Target::Met => Some(true),
            Target::Below => Some(false),
            Target::None | Target::Unassessed => None,
        }
    }

    /// From a score's target and whether it is met.
    pub(super) fn of(target: Option<Status>, met: Option<bool>) -> Target {
        match (target, met) {
            (None, _) => Target::None,
            (Some(_), Some(true)) => Target::Met,
            (Some(_), Some(false)) => Target::Below,
            (Some(_), None) => Target::Unassessed,
        }
    }
}

/// The worse of two statuses, for an organisation whose several assessments judge one outcome:
/// the lower [`Status::rank`], and "not assessed" (no rank) yields to any judgement.
pub(super) fn worse(a: Status, b: Status) -> Status {
    match (a.rank(), b.rank()) {
        (Some(ra), Some(rb)) if rb < ra => b,
        (None, Some(_)) => b,
        _ => a,
    }
}

/// The stricter of two targets (the higher rank); any target beats none.
pub(super) fn stricter(a: Option<Status>, b: Option<Status>) -> Option<Status> {
    match (a, b) {
        (Some(x), Some(y)) if y.rank() > x.rank() => Some(y),
        (None, y) => y,
        (x, _) => x,
    }
}

/// A group's label: the value trimmed, [`UNSPECIFIED`] when missing or blank.
fn label(value: Option<&str>) -> String {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => UNSPECIFIED.to_string(),
    }
}

/// An organisation's group under every grouping but the period: published figures are checked
/// across all the groupings anyone may ask for, not only the one asked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Attributes {
    pub sector: String,
    pub region: String,
    pub parent: String,
    pub profile: String,
}

impl Attributes {
    /// The group under `by`; `None` for [`GroupBy::Period`].
    pub fn get(&self, by: GroupBy) -> Option<&str> {
        Some(match by {
            GroupBy::Sector => &self.sector,
            GroupBy::Region => &self.region,
            GroupBy::Parent => &self.parent,
            GroupBy::Profile => &self.profile,
            GroupBy::Period => return None,
        })
    }
}

/// Status counts per outcome of one framework, over the assessments of one group and period.
#[derive(Debug, Default)]
pub(super) struct GroupAcc {
    pub assessments: u32,
    pub outcomes: Vec<Counts>,
}

/// Whether an outcome's status is an override, and whether its answer is unreviewed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Marks {
    pub overridden: bool,
    pub unreviewed: bool,
}

impl Marks {
    /// Either's marks: an organisation is marked if any of its merged assessments is.
    pub fn or(self, other: Marks) -> Marks {
        Marks {
            overridden: self.overridden || other.overridden,
            unreviewed: self.unreviewed || other.unreviewed,
        }
    }
}

/// One organisation's results in one period under one framework; several assessments (one per
/// system, say) merge to the worst status per outcome.
#[derive(Debug, Clone)]
pub(super) struct OrgEntry {
    pub framework: Arc<Framework>,
    pub statuses: Vec<Status>,
    pub targets: Vec<Target>,
    /// The target status per outcome (the strictest over merged assessments), so a trend can
    /// tell a verdict changed by the target from one changed by the answer.
    pub goals: Vec<Option<Status>>,
    /// Outcomes not yet reviewed, and overridden, summed over merged assessments.
    pub unreviewed: u32,
    pub overridden: u32,
    /// Per outcome: whether any merged assessment overrode it or left it unreviewed, for
    /// published figures, which count organisations.
    pub marks: Vec<Marks>,
    pub has_profile: bool,
    /// Outcomes meeting their target, a "not achieved" one counting once judged; and only
    /// those whose target sets a minimum ([`scoring::sets_minimum`]).
    pub met_count: u32,
    pub met_minimum_count: u32,
    /// Whether it meets every target of the standard profiles; and every target of them that
    /// sets a minimum.
    pub baseline: Option<bool>,
    pub enhanced: Option<bool>,
    pub baseline_minimum: Option<bool>,
    pub enhanced_minimum: Option<bool>,
    pub supply_below: bool,
    pub suppliers: Vec<Arc<Named>>,
}

impl OrgEntry {
    /// One assessment's entry, from its scores in framework order.
    fn new(
        framework: Arc<Framework>,
        has_profile: bool,
        scores: &[digest::Scored],
        suppliers: Vec<Arc<Named>>,
    ) -> OrgEntry {
        let n = framework.outcomes.len();
        let mut statuses = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        let mut goals = Vec::with_capacity(n);
        let mut marks = Vec::with_capacity(n);
        let (mut unreviewed, mut overridden) = (0, 0);
        let (mut met_count, mut met_minimum_count) = (0, 0);
        let mut supply_below = false;
        for (outcome, score) in framework.outcomes.iter().zip(scores) {
            goals.push(score.target);
            unreviewed += u32::from(score.needs_review);
            overridden += u32::from(score.overridden);
            marks.push(Marks {
                overridden: score.overridden,
                unreviewed: score.needs_review,
            });
            let target = Target::of(score.target, score.met);
            if target == Target::Met {
                met_count += 1;
                met_minimum_count += u32::from(scoring::sets_minimum(score.target));
            }
            if target == Target::Below && SUPPLY_CHAIN_OUTCOMES.contains(&outcome.id.as_str()) {
                supply_below = true;
            }
            statuses.push(score.status);
            targets.push(target);
        }
        // Attainment of the standard profiles, whatever profile the file chose; with
        // `minimum`, a "not achieved" target is left out rather than met once judged.
        let attains = |id: &str, minimum: bool| {
            debug_assert!(STANDARD_PROFILES.contains(&id));
            framework.targets(id).map(|targets| {
                targets.iter().zip(&statuses).all(|(&target, &status)| {
                    let counted = if minimum {
                        scoring::sets_minimum(target)
                    } else {
                        target.is_some()
                    };
                    !counted || scoring::meets(status, target) == Some(true)
                })
            })
        };
        OrgEntry {
            baseline: attains(STANDARD_PROFILES[0], false),
            enhanced: attains(STANDARD_PROFILES[1], false),
            baseline_minimum: attains(STANDARD_PROFILES[0], true),
            enhanced_minimum: attains(STANDARD_PROFILES[1], true),
            framework,
            statuses,
            targets,
            goals,
            unreviewed,
            overridden,
            marks,
            has_profile,
            met_count,
            met_minimum_count,
            supply_below,
            suppliers,
        }
    }

    fn merge(&mut self, other: OrgEntry) {
        for (a, b) in self.statuses.iter_mut().zip(other.statuses) {
            *a = worse(*a, b);
        }
        for (a, b) in self.targets.iter_mut().zip(other.targets) {
            *a = (*a).max(b);
        }
        for (a, b) in self.goals.iter_mut().zip(other.goals) {
            *a = stricter(*a, b);
        }
        self.unreviewed += other.unreviewed;
        self.overridden += other.overridden;
        for (a, b) in self.marks.iter_mut().zip(other.marks) {
            *a = a.or(b);
        }
        self.has_profile |= other.has_profile;
        self.met_count = self.met_count.min(other.met_count);
        self.met_minimum_count = self.met_minimum_count.min(other.met_minimum_count);
        let and = |a: Option<bool>, b: Option<bool>| match (a, b) {
            (Some(x), Some(y)) => Some(x && y),
            (x, None) | (None, x) => x,
        };
        self.baseline = and(self.baseline, other.baseline);
        self.enhanced = and(self.enhanced, other.enhanced);
        self.baseline_minimum = and(self.baseline_minimum, other.baseline_minimum);
        self.enhanced_minimum = and(self.enhanced_minimum, other.enhanced_minimum);
        self.supply_below |= other.supply_below;
        for s in other.suppliers {
            if !self.suppliers.iter().any(|mine| mine.name == s.name) {
                self.suppliers.push(s);
            }
        }
    }
}

/// An organisation in one period: its entries, one per framework it was assessed under.
#[derive(Debug, Clone)]
pub(super) struct OrgPeriod {
    pub name: String,
    /// Its group: the first by name when its assessments disagree.
    pub group: String,
    /// Its groups under every grouping, the first when its assessments disagree.
    pub attributes: Attributes,
    pub entries: Vec<OrgEntry>,
}

impl OrgPeriod {
    /// The name with the organisation's id (`id`, its key), as `--identify` lists print it:
    /// bodies may share a name, and three "Benefits Authority" entries must stay apart.
    pub fn labelled(&self, id: &str) -> String {
        format!("{} ({id})", self.name)
    }
}

impl OrgPeriod {
    fn merge(&mut self, other: OrgPeriod) {
        if other.group < self.group {
            self.group = other.group;
        }
        if other.attributes < self.attributes {
            self.attributes = other.attributes;
        }
        if other.name < self.name {
            self.name = other.name;
        }
        for entry in other.entries {
            match self
                .entries
                .iter_mut()
                .find(|e| e.framework.id == entry.framework.id)
            {
                Some(existing) => existing.merge(entry),
                None => self.entries.push(entry),
            }
        }
    }

    /// Whether it meets every target of the standard `profile` (`baseline` or `enhanced`) in
    /// every framework it was assessed under that has one; with `minimum`, every target that
    /// sets a minimum. `None` when no framework of its has the profile.
    pub fn attains(&self, profile: &str, minimum: bool) -> Option<bool> {
        self.entries
            .iter()
            .filter_map(|e| match (profile == STANDARD_PROFILES[0], minimum) {
                (true, false) => e.baseline,
                (true, true) => e.baseline_minimum,
                (false, false) => e.enhanced,
                (false, true) => e.enhanced_minimum,
            })
            .reduce(|a, b| a && b)
    }

    /// Outcomes meeting their own profile's target, the least over its frameworks; with
    /// `minimum`, only targets that set a minimum.
    pub fn met_count(&self, minimum: bool) -> u32 {
        (self.entries.iter())
            .map(|e| {
                if minimum {
                    e.met_minimum_count
                } else {
                    e.met_count
                }
            })
            .min()
            .unwrap_or(0)
    }
}

/// The profiles whose attainment is measured whatever profile a file chose.
pub(super) const STANDARD_PROFILES: [&str; 2] = ["baseline", "enhanced"];

/// Per framework of the organisations (by id), the outcomes whose target under `profile` is
/// "not achieved": no minimum. Frameworks with none are left out.
pub(super) fn no_minimum_outcomes<'a>(
    profile: &str,
    orgs: impl IntoIterator<Item = &'a OrgPeriod>,
) -> Vec<NoMinimumTargets> {
    let mut frameworks: BTreeMap<&str, &Framework> = BTreeMap::new();
    for org in orgs {
        for e in &org.entries {
            frameworks.entry(&e.framework.id).or_insert(&e.framework);
        }
    }
    (frameworks.values())
        .filter_map(|f| {
            let targets = f.targets(profile)?;
            let outcomes: Vec<String> = (f.outcomes.iter().zip(targets))
                .filter(|(_, t)| scoring::no_minimum(**t))
                .map(|(o, _)| o.id.to_string())
                .collect();
            (!outcomes.is_empty()).then(|| NoMinimumTargets {
                framework: f.id.clone(),
                version: f.version.clone(),
                outcomes,
            })
        })
        .collect()
}

/// framework, period, group
pub(super) type GroupKey = (String, String, String);

/// What the fold has gathered so far (one per rayon task, merged at the end).
#[derive(Debug, Default)]
pub(super) struct Partial {
    pub inputs: usize,
    pub groups: HashMap<GroupKey, GroupAcc>,
    /// By organisation id and period.
    pub orgs: HashMap<(String, String), OrgPeriod>,
    pub frameworks: HashMap<String, Arc<Framework>>,
    pub invalid: Vec<InvalidInput>,
}

impl Partial {
    pub(super) fn merge(mut self, mut other: Partial) -> Partial {
        if self.orgs.len() < other.orgs.len() {
            std::mem::swap(&mut self, &mut other);
        }
        self.inputs += other.inputs;
        for (key, acc) in other.groups {
            let mine = self.groups.entry(key).or_default();
            mine.assessments += acc.assessments;
            if mine.outcomes.is_empty() {
                mine.outcomes = acc.outcomes;
            } else {
                for (a, b) in mine.outcomes.iter_mut().zip(&acc.outcomes) {
                    a.add(b);
                }
            }
        }
        for (key, org) in other.orgs {
            match self.orgs.get_mut(&key) {
                Some(mine) => mine.merge(org),
                None => {
                    self.orgs.insert(key, org);
                }
            }
        }
        self.frameworks.extend(other.frameworks);
        self.invalid.extend(other.invalid);
        self
    }

    /// Folds one assessment already read (or records why it is invalid).
    pub(super) fn add_digest(
        &mut self,
        name: &str,
        read: Result<digest::Digest>,
        registered: Option<Registered>,
        group_by: GroupBy,
    ) {
        self.inputs += 1;
        let mut digest = match read {
            Ok(digest) => digest,
            Err(error) => {
                self.invalid.push(InvalidInput {
                    input: name.to_string(),
                    error: error.to_string(),
                });
                return;
            }
        };
        if let Some(r) = registered {
            digest.organisation = crate::assessment::Organisation {
                id: r.id,
                name: r.name,
                sector: r.sector,
                region: r.region,
                parent: r.parent,
            };
        }
        self.fold_digest(&digest, (&digest.organisation).into(), group_by);
    }

    /// Folds one digest of `who`, copying only what the accumulators keep.
    pub(super) fn add_borrowed(
        &mut self,
        digest: &digest::Digest,
        who: RegisteredRef<'_>,
        group_by: GroupBy,
    ) {
        self.inputs += 1;
        self.fold_digest(digest, who, group_by);
    }

    fn fold_digest(&mut self, digest: &digest::Digest, who: RegisteredRef<'_>, group_by: GroupBy) {
        let attributes = Attributes {
            sector: label(who.sector),
            region: label(who.region),
            parent: label(who.parent),
            profile: label(digest.profile.as_deref()),
        };
        let group = match attributes.get(group_by) {
            Some(group) => group.to_string(),
            None => label(digest.period.as_deref()),
        };
        let scores = &digest.scores;
        let entry = OrgEntry::new(
            digest.framework.clone(),
            digest.profile.is_some(),
            scores,
            digest.suppliers.clone(),
        );
        let framework = &entry.framework;

        let period = digest.period.clone().unwrap_or_default();
        let acc = self
            .groups
            .entry((framework.id.clone(), period.clone(), group.clone()))
            .or_insert_with(|| GroupAcc {
                assessments: 0,
                outcomes: vec![Counts::default(); framework.outcomes.len()],
            });
        acc.assessments += 1;
        for (((counts, &s), &t), score) in acc
            .outcomes
            .iter_mut()
            .zip(&entry.statuses)
            .zip(&entry.targets)
            .zip(scores)
        {
            counts.add_result(s, t, score.target);
            counts.add_marks(score.overridden, score.needs_review);
        }
        if !self.frameworks.contains_key(&framework.id) {
            self.frameworks
                .insert(framework.id.clone(), framework.clone());
        }
        let org = OrgPeriod {
            name: who.name.to_string(),
            group,
            attributes,
            entries: vec![entry],
        };
        match self.orgs.entry((who.id.to_string(), period)) {
            Entry::Occupied(mut existing) => existing.get_mut().merge(org),
            Entry::Vacant(slot) => {
                slot.insert(org);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisations_assessments_merge_to_the_worst_judgement() {
        let catalog = Catalog::shipped();
        let fw = catalog.framework("caf-4.0").unwrap();
        let entry = |statuses: Vec<Status>, targets: Vec<Target>, baseline| OrgEntry {
            framework: fw.clone(),
            goals: vec![None; statuses.len()],
            unreviewed: 1,
            overridden: 0,
            marks: vec![Marks::default(); statuses.len()],
            statuses,
            targets,
            has_profile: true,
            met_count: 1,
            met_minimum_count: 1,
            baseline,
            enhanced: None,
            baseline_minimum: baseline,
            enhanced_minimum: None,
            supply_below: false,
            suppliers: vec![Named::new("A")],
        };
        use Status::{Achieved, NotAchieved, NotAssessed, PartiallyAchieved};
        let mut a = entry(
            vec![Achieved, NotAssessed, PartiallyAchieved],
            vec![Target::Met, Target::Unassessed, Target::None],
            Some(true),
        );
        a.merge(entry(
            vec![NotAchieved, PartiallyAchieved, NotAssessed],
            vec![Target::Below, Target::Met, Target::None],
            Some(false),
        ));
        assert_eq!(
            a.statuses,
            vec![NotAchieved, PartiallyAchieved, PartiallyAchieved]
        );
        assert_eq!(
            a.targets,
            vec![Target::Below, Target::Unassessed, Target::None]
        );
        assert_eq!(a.baseline, Some(false));
        assert_eq!(a.suppliers, vec![Named::new("A")]);
    }

    /// v3.2's baseline sets no minimum for C2.a and C2.b. An organisation meeting every other
    /// target but with C2.a not assessed fails "every target" as it always did, but meets
    /// every target that sets a minimum; C2.b, judged, counts towards `met_count` only.
    #[test]
    fn targets_with_no_minimum_are_left_out_of_attainment_and_the_outcomes_met() {
        let catalog = Catalog::shipped();
        let fw = catalog.framework("caf-3.2").unwrap();
        let targets = fw.targets("baseline").unwrap().to_vec();
        let scores: Vec<digest::Scored> = (fw.outcomes.iter().zip(&targets))
            .map(|(o, &target)| {
                let status = match o.id.as_str() {
                    "C2.a" => Status::NotAssessed,
                    _ => Status::Achieved,
                };
                digest::Scored {
                    status,
                    target,
                    met: scoring::meets(status, target),
                    overridden: false,
                    needs_review: false,
                }
            })
            .collect();
        assert!(scoring::no_minimum(targets[fw.position("C2.a").unwrap()]));
        let entry = OrgEntry::new(fw.clone(), true, &scores, Vec::new());
        assert_eq!(entry.baseline, Some(false));
        assert_eq!(entry.baseline_minimum, Some(true));
        let with_target = targets.iter().filter(|t| t.is_some()).count() as u32;
        let with_minimum = (targets.iter().copied())
            .filter(|&t| scoring::sets_minimum(t))
            .count() as u32;
        assert_eq!(with_target - with_minimum, 2);
        assert_eq!(entry.met_count, with_target - 1);
        assert_eq!(entry.met_minimum_count, with_minimum);
        let org = OrgPeriod {
            name: "N".into(),
            group: "g".into(),
            attributes: Attributes {
                sector: "s".into(),
                region: "r".into(),
                parent: "p".into(),
                profile: "baseline".into(),
            },
            entries: vec![entry],
        };
        assert_eq!(org.attains("baseline", false), Some(false));
        assert_eq!(org.attains("baseline", true), Some(true));
        assert_eq!(org.met_count(true), with_minimum);
        let listed = no_minimum_outcomes("baseline", [&org]);
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].framework.as_str(), listed[0].version.as_str()),
            ("caf-3.2", "3.2")
        );
        assert_eq!(listed[0].outcomes, ["C2.a", "C2.b"]);
    }

    /// `worse` orders statuses as the aggregate's own codes once did: not assessed < achieved
    /// < partially achieved < not achieved, by severity.
    #[test]
    fn the_worse_status_is_the_lower_rank_and_any_judgement_beats_none() {
        use Status::{Achieved, NotAchieved, NotAssessed, PartiallyAchieved};
        let by_severity = [NotAssessed, Achieved, PartiallyAchieved, NotAchieved];
        for (i, &a) in by_severity.iter().enumerate() {
            for (j, &b) in by_severity.iter().enumerate() {
                assert_eq!(worse(a, b), by_severity[i.max(j)], "{a:?} {b:?}");
            }
        }
    }
}

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

/// A group's label, a period or a framework id: shared by every organisation that has it, so
/// folding 20,000 organisations into a dozen sectors copies a dozen strings, not 20,000.
pub(super) type Label = Arc<str>;

/// What an assessment of `who` is grouped by under `group_by`, before it is made a label.
fn grouped_by<'a>(
    digest: &'a digest::Digest,
    who: RegisteredRef<'a>,
    group_by: GroupBy,
) -> Option<&'a str> {
    match group_by {
        GroupBy::Sector => who.sector,
        GroupBy::Region => who.region,
        GroupBy::Parent => who.parent,
        GroupBy::Profile => digest.profile.as_deref(),
        GroupBy::Period => digest.period.as_deref(),
    }
}

/// One copy of each [`Label`] a fold has met (each rayon task has its own: labels from
/// different tasks compare by content, so merging needs no translation).
#[derive(Debug, Default)]
struct Labels(rustc_hash::FxHashSet<Label>);

impl Labels {
    fn get(&mut self, text: &str) -> Label {
        match self.0.get(text) {
            Some(label) => label.clone(),
            None => {
                let label: Label = text.into();
                self.0.insert(label.clone());
                label
            }
        }
    }

    /// A group's label: the value trimmed, [`UNSPECIFIED`] when missing or blank.
    fn group(&mut self, value: Option<&str>) -> Label {
        match value.map(str::trim) {
            Some(v) if !v.is_empty() => self.get(v),
            _ => self.get(UNSPECIFIED),
        }
    }
}

/// An organisation's group under every grouping but the period: published figures are checked
/// across all the groupings anyone may ask for, not only the one asked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Attributes {
    pub sector: Label,
    pub region: Label,
    pub parent: Label,
    pub profile: Label,
}

impl Attributes {
    /// The group under `by`; `None` for [`GroupBy::Period`].
    pub fn get(&self, by: GroupBy) -> Option<&Label> {
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

/// Where an organisation stands on one outcome: five bytes, kept side by side for all its
/// outcomes so that the figures read an organisation's results from one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Standing {
    /// `None` only in a projection ([`super::project`]): no comparable outcome in any
    /// framework the organisation was assessed under.
    pub status: Option<Status>,
    /// Where it stands on the target.
    pub target: Target,
    /// The target status (the strictest over merged assessments), so a trend can tell a
    /// verdict changed by the target from one changed by the answer.
    pub goal: Option<Status>,
    /// Whether any merged assessment overrode it or left it unreviewed, for published
    /// figures, which count organisations.
    pub marks: Marks,
}

impl Standing {
    /// No comparable outcome.
    pub const UNMAPPED: Standing = Standing {
        status: None,
        target: Target::None,
        goal: None,
        marks: Marks {
            overridden: false,
            unreviewed: false,
        },
    };

    /// Two assessments' standing merged: the worse status and standing on the target, the
    /// stricter target, either's marks.
    pub fn merge(self, other: Standing) -> Standing {
        Standing {
            status: match (self.status, other.status) {
                (Some(a), Some(b)) => Some(worse(a, b)),
                (None, b) => b,
                (a, None) => a,
            },
            target: self.target.max(other.target),
            goal: stricter(self.goal, other.goal),
            marks: self.marks.or(other.marks),
        }
    }
}

/// One organisation's results in one period under one framework; several assessments (one per
/// system, say) merge to the worst status per outcome.
#[derive(Debug, Clone)]
pub(super) struct OrgEntry {
    pub framework: Arc<Framework>,
    /// Per outcome, in framework order.
    pub standings: Vec<Standing>,
    /// Outcomes not yet reviewed, and overridden, summed over merged assessments.
    pub unreviewed: u32,
    pub overridden: u32,
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
        let mut standings = Vec::with_capacity(framework.outcomes.len());
        let (mut unreviewed, mut overridden) = (0, 0);
        let (mut met_count, mut met_minimum_count) = (0, 0);
        let mut supply_below = false;
        for (outcome, score) in framework.outcomes.iter().zip(scores) {
            unreviewed += u32::from(score.needs_review);
            overridden += u32::from(score.overridden);
            let target = Target::of(score.target, score.met);
            if target == Target::Met {
                met_count += 1;
                met_minimum_count += u32::from(scoring::sets_minimum(score.target));
            }
            if target == Target::Below && SUPPLY_CHAIN_OUTCOMES.contains(&outcome.id.as_str()) {
                supply_below = true;
            }
            standings.push(Standing {
                status: Some(score.status),
                target,
                goal: score.target,
                marks: Marks {
                    overridden: score.overridden,
                    unreviewed: score.needs_review,
                },
            });
        }
        // Attainment of the standard profiles, whatever profile the file chose; with
        // `minimum`, a "not achieved" target is left out rather than met once judged.
        let attains = |id: &str, minimum: bool| {
            debug_assert!(STANDARD_PROFILES.contains(&id));
            framework.targets(id).map(|targets| {
                targets.iter().zip(scores).all(|(&target, score)| {
                    let status = score.status;
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
            standings,
            unreviewed,
            overridden,
            has_profile,
            met_count,
            met_minimum_count,
            supply_below,
            suppliers,
        }
    }

    fn merge(&mut self, other: OrgEntry) {
        for (a, b) in self.standings.iter_mut().zip(other.standings) {
            *a = a.merge(b);
        }
        self.unreviewed += other.unreviewed;
        self.overridden += other.overridden;
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
    pub group: Label,
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

/// What the organisation-level figures ask of an organisation-period, over all its entries:
/// computed once per organisation, so that each figure reads a few bytes side by side instead
/// of following pointers into every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrgSummary {
    /// Per standard profile ([`STANDARD_PROFILES`]), [`OrgPeriod::attains`] without and with
    /// `minimum`.
    pub attains: [(Option<bool>, Option<bool>); 2],
    /// [`OrgPeriod::met_count`] without and with `minimum`.
    pub met: (u32, u32),
    /// Some entry has a profile; some is below target on a supply-chain outcome.
    pub has_profile: bool,
    pub supply_below: bool,
    /// Entries without a profile.
    pub without_profile: u32,
    /// Outcomes unreviewed and overridden, summed over the entries.
    pub unreviewed: u32,
    pub overridden: u32,
}

impl OrgSummary {
    /// Whether it meets every target of `STANDARD_PROFILES[profile]` (see [`OrgPeriod::attains`]).
    pub fn attains(&self, profile: usize, minimum: bool) -> Option<bool> {
        let (all, min) = self.attains[profile];
        if minimum { min } else { all }
    }

    /// [`OrgPeriod::met_count`].
    pub fn met_count(&self, minimum: bool) -> u32 {
        if minimum { self.met.1 } else { self.met.0 }
    }
}

impl OrgPeriod {
    pub fn summary(&self) -> OrgSummary {
        let attains = |p: &str| (self.attains(p, false), self.attains(p, true));
        let entries = &self.entries;
        OrgSummary {
            attains: STANDARD_PROFILES.map(attains),
            met: (self.met_count(false), self.met_count(true)),
            has_profile: entries.iter().any(|e| e.has_profile),
            supply_below: entries.iter().any(|e| e.supply_below),
            without_profile: entries.iter().filter(|e| !e.has_profile).count() as u32,
            unreviewed: entries.iter().map(|e| e.unreviewed).sum(),
            overridden: entries.iter().map(|e| e.overridden).sum(),
        }
    }
}

/// The profiles whose attainment is measured whatever profile a file chose.
pub(super) const STANDARD_PROFILES: [&str; 2] = ["baseline", "enhanced"];

/// Per framework `used` (by id), the outcomes whose target under `profile` is "not achieved":
/// no minimum. Frameworks with none are left out.
pub(super) fn no_minimum_outcomes<'a>(
    profile: &str,
    used: impl IntoIterator<Item = &'a Framework>,
) -> Vec<NoMinimumTargets> {
    let mut frameworks: BTreeMap<&str, &Framework> = BTreeMap::new();
    for f in used {
        frameworks.entry(&f.id).or_insert(f);
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
pub(super) type GroupKey = (Label, Label, Label);

/// What the fold has gathered so far (one per rayon task, merged at the end).
#[derive(Debug, Default)]
pub(super) struct Partial {
    pub inputs: usize,
    pub groups: HashMap<GroupKey, GroupAcc>,
    /// By organisation id and period.
    pub orgs: HashMap<(String, Label), OrgPeriod>,
    pub frameworks: HashMap<String, Arc<Framework>>,
    pub invalid: Vec<InvalidInput>,
    labels: Labels,
    /// One copy of each supplier met, by name, for the same reason as [`Labels`].
    suppliers: HashMap<String, Arc<Named>>,
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

    /// Takes out one assessment [`Partial::add_borrowed`] folded, given as it was folded, and
    /// with it the organisation-period it is part of: the caller takes out the rest of that
    /// organisation's assessments and folds in the ones it now has (an organisation's entries
    /// merge to the worst, which cannot be taken back one by one).
    pub(super) fn remove_borrowed(
        &mut self,
        digest: &digest::Digest,
        who: RegisteredRef<'_>,
        group_by: GroupBy,
    ) {
        self.inputs = self.inputs.saturating_sub(1);
        let labels = &mut self.labels;
        let group = labels.group(grouped_by(digest, who, group_by));
        let period = labels.get(digest.period.as_deref().unwrap_or_default());
        let key = (labels.get(&digest.framework.id), period.clone(), group);
        if let Some(acc) = self.groups.get_mut(&key) {
            acc.assessments = acc.assessments.saturating_sub(1);
            for (counts, score) in acc.outcomes.iter_mut().zip(&digest.scores) {
                let target = Target::of(score.target, score.met);
                counts.remove_result(score.status, target, score.target);
                counts.remove_marks(score.overridden, score.needs_review);
            }
            if acc.assessments == 0 {
                self.groups.remove(&key);
            }
        }
        self.orgs.remove(&(who.id.to_string(), period));
    }

    /// Forgets the frameworks no assessment left in the fold was made under (the reporting
    /// framework is the newest one found).
    pub(super) fn forget_unused_frameworks(&mut self) {
        let groups = &self.groups;
        (self.frameworks).retain(|id, _| groups.keys().any(|(fw, _, _)| **fw == **id));
    }

    fn fold_digest(&mut self, digest: &digest::Digest, who: RegisteredRef<'_>, group_by: GroupBy) {
        let labels = &mut self.labels;
        let attributes = Attributes {
            sector: labels.group(who.sector),
            region: labels.group(who.region),
            parent: labels.group(who.parent),
            profile: labels.group(digest.profile.as_deref()),
        };
        let group = labels.group(grouped_by(digest, who, group_by));
        let scores = &digest.scores;
        let suppliers = (digest.suppliers.iter())
            .map(|s| match self.suppliers.get(&s.name) {
                Some(known) => known.clone(),
                None => {
                    self.suppliers.insert(s.name.clone(), s.clone());
                    s.clone()
                }
            })
            .collect();
        let entry = OrgEntry::new(
            digest.framework.clone(),
            digest.profile.is_some(),
            scores,
            suppliers,
        );
        let framework = &entry.framework;

        let period = labels.get(digest.period.as_deref().unwrap_or_default());
        let framework_id = labels.get(&framework.id);
        let acc = self
            .groups
            .entry((framework_id, period.clone(), group.clone()))
            .or_insert_with(|| GroupAcc {
                assessments: 0,
                outcomes: vec![Counts::default(); framework.outcomes.len()],
            });
        acc.assessments += 1;
        for ((counts, standing), score) in acc.outcomes.iter_mut().zip(&entry.standings).zip(scores)
        {
            counts.add_result(score.status, standing.target, score.target);
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
            standings: (statuses.into_iter().zip(targets))
                .map(|(status, target)| Standing {
                    status: Some(status),
                    target,
                    goal: None,
                    marks: Marks::default(),
                })
                .collect(),
            unreviewed: 1,
            overridden: 0,
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
        let statuses: Vec<_> = a.standings.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [NotAchieved, PartiallyAchieved, PartiallyAchieved].map(Some)
        );
        let targets: Vec<_> = a.standings.iter().map(|s| s.target).collect();
        assert_eq!(targets, [Target::Below, Target::Unassessed, Target::None]);
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
        let listed = no_minimum_outcomes("baseline", [&*org.entries[0].framework]);
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

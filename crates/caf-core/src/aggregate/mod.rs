//! Many assessments → population and group figures: coverage, per-outcome status counts,
//! roll-ups, profile attainment, systemic gaps, trends between periods, supply-chain
//! concentration, all under disclosure control.
//!
//! The work is split in two so that memory does not grow with the files read:
//!
//! 1. **Fold** (parallel, [`rayon`]): each assessment is fetched from a [`Source`], read (a fast
//!    path for the usual file shape that defers to [`crate::assessment::parse`] on any doubt, so
//!    invalid files get its located diagnostics) and scored with
//!    [`crate::scoring::score_outcome`] (memoised per thread), then reduced to a few bytes per
//!    outcome and added into accumulators keyed by (framework, period, group)
//!    plus one compact entry per organisation and period (needed for organisation-level
//!    measures: attainment, improvements, supplier dependence). The text and the scorecard are
//!    dropped as soon as the assessment is folded.
//! 2. **Finish**: the accumulators are projected onto one reporting framework (through the
//!    v3.2→v4.0 mapping where assessments use another version, marking outcomes that cannot be
//!    compared), the period and groups are chosen, disclosure control merges or suppresses small
//!    groups, and the [`Report`] model is built. Every renderer draws that model and nothing else.

mod fast;
pub mod source;
pub mod supplier;
pub mod synth;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::framework::{Catalog, Framework, Status};
use crate::scoring::{self, FrameworkSummary};

pub use source::{FileSource, Registered, Source};

/// The JSON schema id of [`Report`]; bump it when a field changes meaning or disappears.
pub const AGGREGATE_SCHEMA: &str = "caf.aggregate/1";
/// No published figure describes fewer organisations than this unless the user says otherwise.
pub const DEFAULT_MIN_GROUP_SIZE: usize = 5;
/// Outcomes about suppliers: A4.a in both versions, A4.b (secure software supply) in v4.0.
pub const SUPPLY_CHAIN_OUTCOMES: &[&str] = &["A4.a", "A4.b"];
/// The label of the group that collects groups too small to publish on their own.
pub const OTHER_GROUP: &str = "other (small groups merged)";
/// How a missing sector, region, parent, profile or period is shown.
pub const UNSPECIFIED: &str = "unspecified";

/// What the groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    Sector,
    Region,
    Parent,
    Profile,
    Period,
}

impl GroupBy {
    pub fn key(self) -> &'static str {
        match self {
            GroupBy::Sector => "sector",
            GroupBy::Region => "region",
            GroupBy::Parent => "parent",
            GroupBy::Profile => "profile",
            GroupBy::Period => "period",
        }
    }

    fn of(self, a: &fast::Digest) -> String {
        let value = match self {
            GroupBy::Sector => a.organisation.sector.as_deref(),
            GroupBy::Region => a.organisation.region.as_deref(),
            GroupBy::Parent => a.organisation.parent.as_deref(),
            GroupBy::Profile => a.profile.as_deref(),
            GroupBy::Period => a.period.as_deref(),
        };
        match value.map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => UNSPECIFIED.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub group_by: GroupBy,
    /// The period to describe; by default the latest one found (all of them when grouping by period).
    pub period: Option<String>,
    /// The framework the figures are expressed in; by default the newest one found.
    pub framework: Option<String>,
    pub min_group_size: usize,
    /// Name organisations (for the central unit's own eyes); off by default.
    pub identify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            group_by: GroupBy::Sector,
            period: None,
            framework: None,
            min_group_size: DEFAULT_MIN_GROUP_SIZE,
            identify: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The report model: the `caf.aggregate/1` JSON schema and what every renderer draws.

/// Status counts and target attainment for one outcome (or a roll-up) over a set of assessments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub achieved: u32,
    pub partially_achieved: u32,
    pub not_achieved: u32,
    pub not_assessed: u32,
    /// Assessments under another framework version with no comparable outcome.
    pub not_comparable: u32,
    /// Assessments whose profile sets a target for the outcome.
    pub with_target: u32,
    /// Assessments meeting that target.
    pub met: u32,
    /// Assessments judged below that target.
    pub below_target: u32,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.achieved += other.achieved;
        self.partially_achieved += other.partially_achieved;
        self.not_achieved += other.not_achieved;
        self.not_assessed += other.not_assessed;
        self.not_comparable += other.not_comparable;
        self.with_target += other.with_target;
        self.met += other.met;
        self.below_target += other.below_target;
    }

    fn add_status(&mut self, status: u8, target: u8) {
        match status {
            ACHIEVED => self.achieved += 1,
            PARTIAL => self.partially_achieved += 1,
            NOT_ACHIEVED => self.not_achieved += 1,
            _ => self.not_assessed += 1,
        }
        if target != NO_TARGET {
            self.with_target += 1;
        }
        match target {
            MET => self.met += 1,
            BELOW => self.below_target += 1,
            _ => {}
        }
    }

    pub fn judged(&self) -> u32 {
        self.achieved + self.partially_achieved + self.not_achieved
    }

    pub fn count(&self, status: Status) -> u32 {
        match status {
            Status::Achieved => self.achieved,
            Status::PartiallyAchieved => self.partially_achieved,
            Status::NotAchieved => self.not_achieved,
            Status::NotAssessed => self.not_assessed,
        }
    }

    /// Share of assessments with a target that meet it, in percent; `None` when none has a target.
    pub fn met_share(&self) -> Option<f64> {
        percent(self.met as usize, self.with_target as usize)
    }

    pub fn achieved_share(&self) -> Option<f64> {
        percent(self.achieved as usize, self.judged() as usize)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeFigures {
    pub id: String,
    pub title: String,
    pub principle: String,
    pub objective: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Percent of assessments with a target that meet it.
    pub met_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollUpFigures {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupFigures {
    pub key: String,
    pub assessments: usize,
    pub organisations: usize,
    /// How many groups under the size limit were merged into this one (0 for a group of its own).
    pub merged_groups: usize,
    /// The group is still under the size limit: its figures are withheld.
    pub suppressed: bool,
    /// Percent of outcomes assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_met_share: Option<f64>,
    /// Per outcome of the reporting framework, in framework order (empty when suppressed).
    pub outcomes: Vec<OutcomeFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coverage {
    /// Inputs listed by the source.
    pub inputs: usize,
    /// Valid assessments in the described period(s).
    pub assessments: usize,
    pub organisations: usize,
    /// Percent of outcomes assessed across those assessments.
    pub completion: f64,
    pub invalid: usize,
    /// Valid assessments for other periods (used only for the trend).
    pub other_periods: usize,
    /// Valid assessments under a framework that cannot be mapped to the reporting framework.
    pub unmappable: usize,
    /// Assessments per framework id, in the described period(s).
    pub frameworks: BTreeMap<String, usize>,
    /// Assessments without a target profile (no targets to meet).
    pub without_profile: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileAttainment {
    pub profile: String,
    /// Organisations whose framework has this profile.
    pub organisations: usize,
    /// Organisations meeting every one of its targets.
    pub meeting_all: usize,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetBucket {
    /// Outcomes meeting their target.
    pub met: u32,
    pub organisations: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attainment {
    pub profiles: Vec<ProfileAttainment>,
    /// How many organisations meet how many of their own profile's targets.
    pub outcomes_met: Vec<MetBucket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemicGap {
    pub rank: usize,
    pub id: String,
    pub title: String,
    /// Organisations judged below target on this outcome.
    pub organisations: usize,
    /// Percent of the organisations with a target for it.
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub period: String,
    pub assessments: usize,
    pub organisations: usize,
    pub suppressed: bool,
    pub outcomes: Vec<OutcomeFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeChange {
    pub id: String,
    /// False when some assessment in either period uses a version whose outcome cannot be
    /// compared with this one (added, removed or redefined in the mapping).
    pub comparable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub met_share_from: Option<f64>,
    pub met_share_to: Option<f64>,
    /// Change in the share meeting target, in percentage points.
    pub met_change: Option<f64>,
    pub achieved_change: Option<f64>,
    /// Organisations in both periods whose status rose or fell.
    pub improved: usize,
    pub regressed: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodChange {
    pub from: String,
    pub to: String,
    /// Organisations assessed in both periods.
    pub organisations: usize,
    /// More outcomes up than down.
    pub improved: usize,
    /// More outcomes down than up.
    pub regressed: usize,
    pub unchanged: usize,
    pub suppressed: bool,
    pub outcomes: Vec<OutcomeChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regressed_named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trend {
    pub periods: Vec<PeriodFigures>,
    pub changes: Vec<PeriodChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplierFigures {
    /// The most common spelling of the supplier's name.
    pub name: String,
    pub key: String,
    /// Organisations naming this supplier.
    pub organisations: usize,
    /// Of those, how many are below target on a supply-chain outcome.
    pub below_target: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplyChain {
    pub outcomes: Vec<String>,
    /// Distinct suppliers named (after normalisation).
    pub suppliers: usize,
    /// Suppliers with fewer dependent organisations than the size limit are not listed.
    pub withheld: usize,
    pub concentration: Vec<SupplierFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvalidInput {
    pub input: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disclosure {
    pub min_group_size: usize,
    pub identify: bool,
    /// The whole population is under the limit: only coverage is published.
    pub suppressed: bool,
    pub merged_groups: usize,
    pub suppressed_groups: usize,
}

/// Everything `caf aggregate` reports; the `caf.aggregate/1` JSON schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    #[serde(deserialize_with = "schema_id")]
    pub schema: String,
    pub framework: FrameworkSummary,
    /// The described period(s), in order.
    pub periods: Vec<String>,
    pub group_by: GroupBy,
    pub disclosure: Disclosure,
    pub assessments: usize,
    pub coverage: Coverage,
    pub outcomes: Vec<OutcomeFigures>,
    pub principles: Vec<RollUpFigures>,
    pub objectives: Vec<RollUpFigures>,
    pub groups: Vec<GroupFigures>,
    pub attainment: Attainment,
    pub gaps: Vec<SystemicGap>,
    pub trend: Trend,
    pub supply_chain: SupplyChain,
    pub invalid: Vec<InvalidInput>,
}

/// Reads the `schema` field back, refusing any schema but [`AGGREGATE_SCHEMA`] (a report from
/// a server speaking another version of the model is not rendered as if it were this one).
fn schema_id<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let id = String::deserialize(d)?;
    if id == AGGREGATE_SCHEMA {
        Ok(id)
    } else {
        Err(serde::de::Error::custom(format!(
            "schema `{id}` is not {AGGREGATE_SCHEMA}"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// The fold: compact per-assessment data and the accumulators it goes into.

const ACHIEVED: u8 = 0;
const PARTIAL: u8 = 1;
const NOT_ACHIEVED: u8 = 2;
const NOT_ASSESSED: u8 = 3;
/// Marks an outcome with no comparable counterpart after projection.
const NOT_COMPARABLE: u8 = 255;

const NO_TARGET: u8 = 0;
const MET: u8 = 1;
const BELOW: u8 = 2;
const UNASSESSED_TARGET: u8 = 3;

fn status_code(status: Status) -> u8 {
    match status {
        Status::Achieved => ACHIEVED,
        Status::PartiallyAchieved => PARTIAL,
        Status::NotAchieved => NOT_ACHIEVED,
        Status::NotAssessed => NOT_ASSESSED,
    }
}

/// Higher is worse; "not assessed" yields to any judgement when an organisation's several
/// assessments are merged.
fn status_severity(code: u8) -> u8 {
    match code {
        ACHIEVED => 1,
        PARTIAL => 2,
        NOT_ACHIEVED => 3,
        _ => 0,
    }
}

fn target_severity(code: u8) -> u8 {
    match code {
        MET => 1,
        UNASSESSED_TARGET => 2,
        BELOW => 3,
        _ => 0,
    }
}

fn rank(code: u8) -> Option<u8> {
    match code {
        ACHIEVED => Some(2),
        PARTIAL => Some(1),
        NOT_ACHIEVED => Some(0),
        _ => None,
    }
}

#[derive(Debug, Default)]
struct GroupAcc {
    assessments: u32,
    outcomes: Vec<Counts>,
}

/// One organisation's results in one period under one framework; several assessments (one per
/// system, say) merge to the worst status per outcome.
#[derive(Debug, Clone)]
struct OrgEntry {
    framework: Arc<Framework>,
    statuses: Vec<u8>,
    targets: Vec<u8>,
    has_profile: bool,
    met_count: u32,
    baseline: Option<bool>,
    enhanced: Option<bool>,
    supply_below: bool,
    suppliers: Vec<String>,
}

impl OrgEntry {
    fn merge(&mut self, other: OrgEntry) {
        for (a, b) in self.statuses.iter_mut().zip(other.statuses) {
            if status_severity(b) > status_severity(*a) {
                *a = b;
            }
        }
        for (a, b) in self.targets.iter_mut().zip(other.targets) {
            if target_severity(b) > target_severity(*a) {
                *a = b;
            }
        }
        self.has_profile |= other.has_profile;
        self.met_count = self.met_count.min(other.met_count);
        let and = |a: Option<bool>, b: Option<bool>| match (a, b) {
            (Some(x), Some(y)) => Some(x && y),
            (x, None) | (None, x) => x,
        };
        self.baseline = and(self.baseline, other.baseline);
        self.enhanced = and(self.enhanced, other.enhanced);
        self.supply_below |= other.supply_below;
        for s in other.suppliers {
            if !self.suppliers.contains(&s) {
                self.suppliers.push(s);
            }
        }
    }
}

#[derive(Debug, Clone)]
struct OrgPeriod {
    name: String,
    group: String,
    entries: Vec<OrgEntry>,
}

impl OrgPeriod {
    fn merge(&mut self, other: OrgPeriod) {
        if other.group < self.group {
            self.group = other.group;
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
}

type GroupKey = (String, String, String); // framework, period, group

#[derive(Debug, Default)]
struct Partial {
    inputs: usize,
    groups: HashMap<GroupKey, GroupAcc>,
    orgs: HashMap<(String, String), OrgPeriod>, // organisation id, period
    frameworks: HashMap<String, Arc<Framework>>,
    invalid: Vec<InvalidInput>,
}

impl Partial {
    fn merge(mut self, mut other: Partial) -> Partial {
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

    fn add(
        &mut self,
        name: &str,
        text: Result<&str>,
        registered: Option<Registered>,
        catalog: &Catalog,
        options: &Options,
    ) {
        self.inputs += 1;
        let read = text.and_then(|text| fast::read(name, text, catalog));
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
        let group = options.group_by.of(&digest);
        let fast::Digest {
            framework,
            profile,
            period,
            organisation,
            scores,
            suppliers,
        } = digest;
        let framework = &framework;
        let n = framework.outcomes.len();
        let mut statuses = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        let mut met_count = 0;
        let mut supply_below = false;
        for (outcome, score) in framework.outcomes.iter().zip(&scores) {
            let target = match (score.target, score.met) {
                (None, _) => NO_TARGET,
                (Some(_), Some(true)) => MET,
                (Some(_), Some(false)) => BELOW,
                (Some(_), None) => UNASSESSED_TARGET,
            };
            if target == MET {
                met_count += 1;
            }
            if target == BELOW && SUPPLY_CHAIN_OUTCOMES.contains(&outcome.id.as_str()) {
                supply_below = true;
            }
            statuses.push(status_code(score.status));
            targets.push(target);
        }
        // Attainment of the standard profiles, whatever profile the file chose.
        let attains = |id: &str| {
            fast::profile_targets(framework, id).map(|targets| {
                targets.iter().zip(&statuses).all(|(&target, &s)| {
                    let status = match s {
                        ACHIEVED => Status::Achieved,
                        PARTIAL => Status::PartiallyAchieved,
                        NOT_ACHIEVED => Status::NotAchieved,
                        _ => Status::NotAssessed,
                    };
                    target.is_none() || scoring::meets(status, target) == Some(true)
                })
            })
        };
        let entry = OrgEntry {
            framework: framework.clone(),
            baseline: attains("baseline"),
            enhanced: attains("enhanced"),
            statuses,
            targets,
            has_profile: profile.is_some(),
            met_count,
            supply_below,
            suppliers,
        };

        let period = period.unwrap_or_default();
        let acc = self
            .groups
            .entry((framework.id.clone(), period.clone(), group.clone()))
            .or_insert_with(|| GroupAcc {
                assessments: 0,
                outcomes: vec![Counts::default(); n],
            });
        acc.assessments += 1;
        for ((counts, &s), &t) in acc
            .outcomes
            .iter_mut()
            .zip(&entry.statuses)
            .zip(&entry.targets)
        {
            counts.add_status(s, t);
        }
        if !self.frameworks.contains_key(&framework.id) {
            self.frameworks
                .insert(framework.id.clone(), framework.clone());
        }
        let org = OrgPeriod {
            name: organisation.name,
            group,
            entries: vec![entry],
        };
        match self.orgs.entry((organisation.id, period)) {
            Entry::Occupied(mut existing) => existing.get_mut().merge(org),
            Entry::Vacant(slot) => {
                slot.insert(org);
            }
        }
    }
}

/// Told how far reading has gone, so a caller can show a progress bar; called from several
/// threads at once.
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn advance(&self) {}
}

/// No progress reporting.
impl Progress for () {}

/// Reads every assessment of `source` in parallel and computes the report.
pub fn aggregate(
    source: &dyn Source,
    catalog: &Catalog,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Report> {
    if let Some(id) = &options.framework {
        catalog.framework(id)?;
    }
    let names = source.list()?;
    progress.start(names.len());
    let partial = names
        .par_iter()
        .with_min_len(32)
        // Each fold reads into one buffer of its own.
        .fold(
            || (Partial::default(), String::new()),
            |(mut acc, mut text), name| {
                let fetched = source.fetch_into(name, &mut text).map(|()| text.as_str());
                acc.add(name, fetched, source.registered(name), catalog, options);
                progress.advance();
                (acc, text)
            },
        )
        .map(|(acc, _)| acc)
        .reduce(Partial::default, Partial::merge);
    finish(partial, catalog, options)
}

// ---------------------------------------------------------------------------------------------
// Finish: projection, selection, disclosure control, the model.

/// For each outcome of the reporting framework, the index of the comparable outcome in `native`.
type Projection = Vec<Option<usize>>;

fn projection(catalog: &Catalog, native: &Framework, target: &Framework) -> Option<Projection> {
    if native.id == target.id {
        return Some((0..target.outcomes.len()).map(Some).collect());
    }
    if let Some(m) = catalog.mapping(&native.id, &target.id) {
        return Some(
            target
                .outcomes
                .iter()
                .map(|o| {
                    let link = m.backward(o.id.as_str())?;
                    let from = link.from.as_ref()?;
                    link.relation
                        .comparable()
                        .then(|| native.position(from.as_str()))
                        .flatten()
                })
                .collect(),
        );
    }
    let m = catalog.mapping(&target.id, &native.id)?;
    Some(
        target
            .outcomes
            .iter()
            .map(|o| {
                let link = m.forward(o.id.as_str())?;
                let to = link.to.as_ref()?;
                link.relation
                    .comparable()
                    .then(|| native.position(to.as_str()))
                    .flatten()
            })
            .collect(),
    )
}

/// Why an outcome of the reporting framework cannot be compared with `native`'s results.
fn incomparability_note(
    catalog: &Catalog,
    native: &Framework,
    target: &Framework,
    id: &str,
) -> String {
    let link = catalog
        .mapping(&native.id, &target.id)
        .and_then(|m| m.backward(id).cloned())
        .or_else(|| {
            catalog
                .mapping(&target.id, &native.id)
                .and_then(|m| m.forward(id).cloned())
        });
    match link {
        Some(link) if !link.note.is_empty() => format!(
            "not comparable with {} ({}): {}",
            native.id,
            serde_json::to_value(link.relation)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            link.note
        ),
        _ => format!("not comparable with {}", native.id),
    }
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn version_key(framework: &Framework) -> Vec<u64> {
    framework
        .version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn period_label(period: &str) -> String {
    if period.is_empty() {
        UNSPECIFIED.to_string()
    } else {
        period.to_string()
    }
}

struct Projected<'a> {
    framework: &'a Framework,
    projections: HashMap<String, Projection>,
}

impl Projected<'_> {
    fn counts(&self, fw: &str, acc: &GroupAcc, into: &mut [Counts]) -> bool {
        let Some(proj) = self.projections.get(fw) else {
            return false;
        };
        for (out, native) in into.iter_mut().zip(proj) {
            match native {
                Some(i) => out.add(&acc.outcomes[*i]),
                None => out.not_comparable += acc.assessments,
            }
        }
        true
    }

    /// An organisation-period's (status, target) per reporting outcome, merged over its entries.
    fn org(&self, org: &OrgPeriod) -> Option<Vec<(u8, u8)>> {
        let mut out: Option<Vec<(u8, u8)>> = None;
        for entry in &org.entries {
            let Some(proj) = self.projections.get(&entry.framework.id) else {
                continue;
            };
            let row: Vec<(u8, u8)> = proj
                .iter()
                .map(|p| match p {
                    Some(i) => (entry.statuses[*i], entry.targets[*i]),
                    None => (NOT_COMPARABLE, NO_TARGET),
                })
                .collect();
            out = Some(match out {
                None => row,
                Some(prev) => prev
                    .into_iter()
                    .zip(row)
                    .map(|(a, b)| {
                        let s = if a.0 == NOT_COMPARABLE
                            || (b.0 != NOT_COMPARABLE
                                && status_severity(b.0) > status_severity(a.0))
                        {
                            b.0
                        } else {
                            a.0
                        };
                        let t = if target_severity(b.1) > target_severity(a.1) {
                            b.1
                        } else {
                            a.1
                        };
                        (s, t)
                    })
                    .collect(),
            });
        }
        out
    }

    fn outcomes(&self, counts: Vec<Counts>) -> Vec<OutcomeFigures> {
        self.framework
            .outcomes
            .iter()
            .zip(counts)
            .map(|(o, counts)| OutcomeFigures {
                id: o.id.to_string(),
                title: o.title.clone(),
                principle: o.principle.clone(),
                objective: o.objective.clone(),
                met_share: counts.met_share(),
                counts,
            })
            .collect()
    }
}

fn finish(partial: Partial, catalog: &Catalog, options: &Options) -> Result<Report> {
    let min = options.min_group_size.max(1);
    // The reporting framework: as asked, or the newest version among the inputs.
    let framework: Arc<Framework> = match &options.framework {
        Some(id) => catalog.framework(id)?,
        None => match partial
            .frameworks
            .values()
            .max_by(|a, b| version_key(a).cmp(&version_key(b)).then(a.id.cmp(&b.id)))
        {
            Some(f) => f.clone(),
            None => match catalog.ids().last() {
                Some(id) => catalog.framework(id)?,
                None => return Err(Error::NoFramework),
            },
        },
    };
    let mut projections = HashMap::new();
    for (id, native) in &partial.frameworks {
        if let Some(p) = projection(catalog, native, &framework) {
            projections.insert(id.clone(), p);
        }
    }
    let projected = Projected {
        framework: &framework,
        projections,
    };
    let n = framework.outcomes.len();

    // Which periods are described.
    let all_periods: BTreeSet<&str> = partial.groups.keys().map(|(_, p, _)| p.as_str()).collect();
    let selected: BTreeSet<String> = match &options.period {
        Some(p) => {
            if !all_periods.is_empty() && !all_periods.contains(p.as_str()) {
                return Err(Error::UnknownPeriod {
                    period: p.clone(),
                    found: all_periods.iter().map(|p| period_label(p)).collect(),
                });
            }
            [p.clone()].into()
        }
        None if options.group_by == GroupBy::Period => {
            all_periods.iter().map(|p| p.to_string()).collect()
        }
        None => all_periods
            .last()
            .map(|p| p.to_string())
            .into_iter()
            .collect(),
    };

    // Coverage.
    let mut coverage = Coverage {
        inputs: partial.inputs,
        assessments: 0,
        organisations: 0,
        completion: 0.0,
        invalid: partial.invalid.len(),
        other_periods: 0,
        unmappable: 0,
        frameworks: BTreeMap::new(),
        without_profile: 0,
    };
    let (mut assessed, mut outcome_slots) = (0u64, 0u64);
    // Group → (assessments, counts) in the reporting framework, for the selection.
    let mut raw_groups: BTreeMap<String, (usize, Vec<Counts>)> = BTreeMap::new();
    let mut per_period: BTreeMap<String, (usize, Vec<Counts>)> = BTreeMap::new();
    for ((fw, period, group), acc) in &partial.groups {
        let mut counts = vec![Counts::default(); n];
        if !projected.counts(fw, acc, &mut counts) {
            if selected.contains(period) {
                coverage.unmappable += acc.assessments as usize;
            }
            continue;
        }
        let p = per_period
            .entry(period.clone())
            .or_insert_with(|| (0, vec![Counts::default(); n]));
        p.0 += acc.assessments as usize;
        p.1.iter_mut().zip(&counts).for_each(|(a, b)| a.add(b));
        if !selected.contains(period) {
            coverage.other_periods += acc.assessments as usize;
            continue;
        }
        coverage.assessments += acc.assessments as usize;
        *coverage.frameworks.entry(fw.clone()).or_default() += acc.assessments as usize;
        for c in &acc.outcomes {
            assessed += c.judged() as u64;
            outcome_slots += (c.judged() + c.not_assessed) as u64;
        }
        let g = raw_groups
            .entry(group.clone())
            .or_insert_with(|| (0, vec![Counts::default(); n]));
        g.0 += acc.assessments as usize;
        g.1.iter_mut().zip(&counts).for_each(|(a, b)| a.add(b));
    }
    coverage.completion = percent(assessed as usize, outcome_slots as usize).unwrap_or(0.0);

    // Organisations in the selection, projected once.
    struct OrgView<'a> {
        id: &'a str,
        org: &'a OrgPeriod,
        row: Vec<(u8, u8)>,
    }
    let mut selection: Vec<OrgView> = Vec::new();
    for ((id, period), org) in &partial.orgs {
        if !selected.contains(period) {
            continue;
        }
        let Some(row) = projected.org(org) else {
            continue;
        };
        coverage.without_profile += org.entries.iter().filter(|e| !e.has_profile).count();
        selection.push(OrgView { id, org, row });
    }
    // Deterministic order whatever the fold did.
    selection.sort_by(|a, b| (a.id, &a.org.group).cmp(&(b.id, &b.org.group)));
    coverage.organisations = selection
        .iter()
        .map(|v| v.id)
        .collect::<BTreeSet<_>>()
        .len();
    let population_suppressed = coverage.organisations < min;

    // Disclosure control: groups under the limit merge into one; if that is still too small it
    // is suppressed.
    let mut orgs_per_group: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for v in &selection {
        orgs_per_group.entry(&v.org.group).or_default().insert(v.id);
    }
    // If the merged groups together are still under the limit, the smallest published group
    // joins them: otherwise the small group's figures could be recovered by subtracting the
    // published groups from the population total.
    let mut small: BTreeSet<&str> = orgs_per_group
        .iter()
        .filter(|(_, orgs)| orgs.len() < min)
        .map(|(g, _)| *g)
        .collect();
    loop {
        let merged_orgs = small
            .iter()
            .flat_map(|g| orgs_per_group[g].iter())
            .collect::<BTreeSet<_>>()
            .len();
        if merged_orgs == 0 || merged_orgs >= min {
            break;
        }
        let Some(next) = orgs_per_group
            .iter()
            .filter(|(g, _)| !small.contains(*g))
            .min_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.0.cmp(b.0)))
            .map(|(g, _)| *g)
        else {
            break;
        };
        small.insert(next);
    }
    let published_key = |group: &str| -> String {
        if small.contains(group) {
            OTHER_GROUP.to_string()
        } else {
            group.to_string()
        }
    };
    let mut merged: BTreeMap<String, (usize, Vec<Counts>, usize)> = BTreeMap::new();
    for (group, (assessments, counts)) in raw_groups {
        let key = published_key(&group);
        let m = merged
            .entry(key.clone())
            .or_insert_with(|| (0, vec![Counts::default(); n], 0));
        m.0 += assessments;
        m.1.iter_mut().zip(&counts).for_each(|(a, b)| a.add(b));
        if key == OTHER_GROUP {
            m.2 += 1;
        }
    }
    let mut group_orgs: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut group_baseline: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for v in &selection {
        let key = published_key(&v.org.group);
        group_orgs.entry(key.clone()).or_default().insert(v.id);
        let b = group_baseline.entry(key).or_default();
        if let Some(ok) = baseline_of(v.org) {
            b.0 += 1;
            b.1 += usize::from(ok);
        }
    }
    let mut disclosure = Disclosure {
        min_group_size: min,
        identify: options.identify,
        suppressed: population_suppressed,
        merged_groups: 0,
        suppressed_groups: 0,
    };
    let mut groups = Vec::new();
    for (key, (assessments, counts, merged_groups)) in merged {
        let organisations = group_orgs.get(&key).map_or(0, BTreeSet::len);
        let suppressed = organisations < min || population_suppressed;
        disclosure.merged_groups += merged_groups;
        disclosure.suppressed_groups += usize::from(suppressed);
        let slots: u32 = counts.iter().map(|c| c.judged() + c.not_assessed).sum();
        let judged: u32 = counts.iter().map(Counts::judged).sum();
        let baseline = group_baseline.get(&key).copied().unwrap_or_default();
        groups.push(GroupFigures {
            key,
            assessments,
            organisations,
            merged_groups,
            suppressed,
            completion: (!suppressed)
                .then(|| percent(judged as usize, slots as usize))
                .flatten(),
            baseline_met_share: (!suppressed)
                .then(|| percent(baseline.1, baseline.0))
                .flatten(),
            outcomes: if suppressed {
                Vec::new()
            } else {
                projected.outcomes(counts)
            },
        });
    }
    // Published groups by size, the merged group last.
    groups.sort_by(|a, b| {
        (a.key == OTHER_GROUP)
            .cmp(&(b.key == OTHER_GROUP))
            .then(b.organisations.cmp(&a.organisations))
            .then(a.key.cmp(&b.key))
    });

    // Population figures include suppressed groups: the population is large enough to publish.
    let mut overall = vec![Counts::default(); n];
    for ((fw, period, _), acc) in &partial.groups {
        if selected.contains(period) {
            projected.counts(fw, acc, &mut overall);
        }
    }
    let roll_up = |ids: Vec<(&str, &str)>,
                   member: &dyn Fn(&str, &crate::framework::Outcome) -> bool| {
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
    let (outcomes, principles, objectives) = if population_suppressed {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            projected.outcomes(overall.clone()),
            roll_up(
                framework
                    .principles
                    .iter()
                    .map(|p| (p.id.as_str(), p.title.as_str()))
                    .collect(),
                &|id, o| o.principle == id,
            ),
            roll_up(
                framework
                    .objectives
                    .iter()
                    .map(|p| (p.id.as_str(), p.title.as_str()))
                    .collect(),
                &|id, o| o.objective == id,
            ),
        )
    };

    // Profile attainment and the distribution of outcomes met.
    let mut attainment = Attainment {
        profiles: Vec::new(),
        outcomes_met: Vec::new(),
    };
    if !population_suppressed {
        for profile in ["baseline", "enhanced"] {
            let (mut evaluated, mut meeting) = (0, 0);
            for v in &selection {
                let value = match profile {
                    "baseline" => baseline_of(v.org),
                    _ => enhanced_of(v.org),
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
        for v in &selection {
            if v.org.entries.iter().any(|e| e.has_profile) {
                let met = v.org.entries.iter().map(|e| e.met_count).min().unwrap_or(0);
                *buckets.entry(met).or_default() += 1;
            }
        }
        attainment.outcomes_met = buckets
            .into_iter()
            .map(|(met, organisations)| MetBucket { met, organisations })
            .collect();
    }

    // Systemic gaps: outcomes below target in the most organisations.
    let mut gaps = Vec::new();
    if !population_suppressed {
        for (j, o) in framework.outcomes.iter().enumerate() {
            let (mut below, mut with_target) = (0, 0);
            let mut named = Vec::new();
            for v in &selection {
                let t = v.row[j].1;
                if t != NO_TARGET {
                    with_target += 1;
                }
                if t == BELOW {
                    below += 1;
                    if options.identify {
                        named.push(v.org.name.clone());
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
                    named: options.identify.then_some(named),
                });
            }
        }
        gaps.sort_by_key(|g| std::cmp::Reverse(g.organisations));
        for (i, g) in gaps.iter_mut().enumerate() {
            g.rank = i + 1;
        }
    }

    let trend = trend(&partial, &projected, catalog, &framework, options, min);
    let supply_chain = supply_chain(
        &selection.iter().map(|v| (v.id, v.org)).collect::<Vec<_>>(),
        options,
        min,
        population_suppressed,
    );

    let mut invalid = partial.invalid;
    invalid.sort_by(|a, b| a.input.cmp(&b.input));
    Ok(Report {
        schema: AGGREGATE_SCHEMA.to_string(),
        framework: FrameworkSummary {
            id: framework.id.clone(),
            name: framework.name.clone(),
            version: framework.version.clone(),
        },
        periods: selected.iter().map(|p| period_label(p)).collect(),
        group_by: options.group_by,
        disclosure,
        assessments: coverage.assessments,
        coverage,
        outcomes,
        principles,
        objectives,
        groups,
        attainment,
        gaps,
        trend,
        supply_chain,
        invalid,
    })
}

fn baseline_of(org: &OrgPeriod) -> Option<bool> {
    org.entries
        .iter()
        .filter_map(|e| e.baseline)
        .reduce(|a, b| a && b)
}

fn enhanced_of(org: &OrgPeriod) -> Option<bool> {
    org.entries
        .iter()
        .filter_map(|e| e.enhanced)
        .reduce(|a, b| a && b)
}

fn trend(
    partial: &Partial,
    projected: &Projected,
    catalog: &Catalog,
    framework: &Framework,
    options: &Options,
    min: usize,
) -> Trend {
    let n = framework.outcomes.len();
    // Per period: assessments, counts, and which native frameworks contributed.
    let mut periods: BTreeMap<&str, (usize, Vec<Counts>, BTreeSet<&str>)> = BTreeMap::new();
    for ((fw, period, _), acc) in &partial.groups {
        let p = periods
            .entry(period)
            .or_insert_with(|| (0, vec![Counts::default(); n], BTreeSet::new()));
        if projected.counts(fw, acc, &mut p.1) {
            p.0 += acc.assessments as usize;
            p.2.insert(fw);
        }
    }
    let mut orgs_by_period: BTreeMap<&str, BTreeMap<&str, &OrgPeriod>> = BTreeMap::new();
    for ((id, period), org) in &partial.orgs {
        orgs_by_period.entry(period).or_default().insert(id, org);
    }
    let organisations = |p: &str| orgs_by_period.get(p).map_or(0, BTreeMap::len);
    let figures: Vec<PeriodFigures> = periods
        .iter()
        .map(|(period, (assessments, counts, _))| {
            let organisations = organisations(period);
            let suppressed = organisations < min;
            PeriodFigures {
                period: period_label(period),
                assessments: *assessments,
                organisations,
                suppressed,
                outcomes: if suppressed {
                    Vec::new()
                } else {
                    projected.outcomes(counts.clone())
                },
            }
        })
        .collect();

    let keys: Vec<&str> = periods.keys().copied().collect();
    let mut changes = Vec::new();
    for pair in keys.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let (a, b) = (&periods[from], &periods[to]);
        let empty = BTreeMap::new();
        let (orgs_a, orgs_b) = (
            orgs_by_period.get(from).unwrap_or(&empty),
            orgs_by_period.get(to).unwrap_or(&empty),
        );
        let mut per_outcome = vec![(0usize, 0usize); n];
        let (mut both, mut improved, mut regressed, mut unchanged) = (0, 0, 0, 0);
        let mut regressed_named = Vec::new();
        for (id, org_b) in orgs_b {
            let Some(org_a) = orgs_a.get(id) else {
                continue;
            };
            let (Some(row_a), Some(row_b)) = (projected.org(org_a), projected.org(org_b)) else {
                continue;
            };
            both += 1;
            let (mut up, mut down) = (0, 0);
            for (j, ((sa, _), (sb, _))) in row_a.iter().zip(&row_b).enumerate() {
                if let (Some(ra), Some(rb)) = (rank(*sa), rank(*sb)) {
                    if rb > ra {
                        up += 1;
                        per_outcome[j].0 += 1;
                    } else if rb < ra {
                        down += 1;
                        per_outcome[j].1 += 1;
                    }
                }
            }
            match up.cmp(&down) {
                std::cmp::Ordering::Greater => improved += 1,
                std::cmp::Ordering::Less => {
                    regressed += 1;
                    if options.identify {
                        regressed_named.push(org_b.name.clone());
                    }
                }
                std::cmp::Ordering::Equal => unchanged += 1,
            }
        }
        let suppressed =
            organisations(from) < min || organisations(to) < min || (both > 0 && both < min);
        let outcomes = if suppressed {
            Vec::new()
        } else {
            framework
                .outcomes
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    let (ca, cb) = (&a.1[j], &b.1[j]);
                    let comparable = ca.not_comparable == 0 && cb.not_comparable == 0;
                    let note = (!comparable).then(|| {
                        let mut notes: Vec<String> =
                            a.2.union(&b.2)
                                .filter(|fw| {
                                    projected
                                        .projections
                                        .get(**fw)
                                        .is_some_and(|p| p[j].is_none())
                                })
                                .filter_map(|fw| partial.frameworks.get(*fw))
                                .map(|native| {
                                    incomparability_note(catalog, native, framework, o.id.as_str())
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
                        improved: per_outcome[j].0,
                        regressed: per_outcome[j].1,
                    }
                })
                .collect()
        };
        regressed_named.sort();
        changes.push(PeriodChange {
            from: period_label(from),
            to: period_label(to),
            organisations: both,
            improved: if suppressed { 0 } else { improved },
            regressed: if suppressed { 0 } else { regressed },
            unchanged: if suppressed { 0 } else { unchanged },
            suppressed,
            outcomes,
            regressed_named: (options.identify && !suppressed).then_some(regressed_named),
        });
    }
    Trend {
        periods: figures,
        changes,
    }
}

fn supply_chain(
    selection: &[(&str, &OrgPeriod)],
    options: &Options,
    min: usize,
    population_suppressed: bool,
) -> SupplyChain {
    struct Dep<'a> {
        orgs: BTreeSet<&'a str>,
        below: BTreeSet<&'a str>,
        named_below: BTreeSet<&'a str>,
        spellings: BTreeMap<&'a str, usize>,
    }
    let mut deps: BTreeMap<String, Dep> = BTreeMap::new();
    for (id, org) in selection {
        let below = org.entries.iter().any(|e| e.supply_below);
        for entry in &org.entries {
            for raw in &entry.suppliers {
                let key = supplier::normalise(raw);
                if key.is_empty() {
                    continue;
                }
                let d = deps.entry(key).or_insert_with(|| Dep {
                    orgs: BTreeSet::new(),
                    below: BTreeSet::new(),
                    named_below: BTreeSet::new(),
                    spellings: BTreeMap::new(),
                });
                d.orgs.insert(id);
                *d.spellings.entry(raw).or_default() += 1;
                if below {
                    d.below.insert(id);
                    d.named_below.insert(&org.name);
                }
            }
        }
    }
    let suppliers = deps.len();
    let mut concentration: Vec<SupplierFigures> = deps
        .into_iter()
        .filter(|(_, d)| d.orgs.len() >= min && !population_suppressed)
        .map(|(key, d)| {
            let name = d
                .spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| s.to_string())
                .unwrap_or_else(|| key.clone());
            SupplierFigures {
                name,
                key,
                organisations: d.orgs.len(),
                below_target: d.below.len(),
                named: options
                    .identify
                    .then(|| d.named_below.iter().map(|s| s.to_string()).collect()),
            }
        })
        .collect();
    concentration.sort_by(|a, b| {
        b.organisations
            .cmp(&a.organisations)
            .then(b.below_target.cmp(&a.below_target))
            .then(a.key.cmp(&b.key))
    });
    SupplyChain {
        outcomes: SUPPLY_CHAIN_OUTCOMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        suppliers,
        withheld: suppliers - concentration.len(),
        concentration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_2_results_project_onto_v4_0_through_the_mapping() {
        let catalog = Catalog::shipped();
        let (v32, v40) = (
            catalog.framework("caf-3.2").unwrap(),
            catalog.framework("caf-4.0").unwrap(),
        );
        let forward = projection(&catalog, &v32, &v40).unwrap();
        let at = |fw: &Framework, id: &str| fw.position(id).unwrap();
        // Renumbered: v4.0 A2.c (Assurance) takes v3.2 A2.b.
        assert_eq!(forward[at(&v40, "A2.c")], Some(at(&v32, "A2.b")));
        assert_eq!(forward[at(&v40, "A1.a")], Some(at(&v32, "A1.a")));
        // Added in v4.0, and redefined: nothing to compare.
        for id in ["A2.b", "A4.b", "C1.f", "C2.a"] {
            assert_eq!(forward[at(&v40, id)], None, "{id}");
        }
        // The other way round goes through the same mapping.
        let backward = projection(&catalog, &v40, &v32).unwrap();
        assert_eq!(backward[at(&v32, "A2.b")], Some(at(&v40, "A2.c")));
        assert_eq!(backward[at(&v32, "C2.b")], None);
        let identity = projection(&catalog, &v40, &v40).unwrap();
        assert!(identity.iter().enumerate().all(|(i, p)| *p == Some(i)));
    }

    #[test]
    fn an_organisations_assessments_merge_to_the_worst_judgement() {
        let catalog = Catalog::shipped();
        let fw = catalog.framework("caf-4.0").unwrap();
        let entry = |statuses: Vec<u8>, targets: Vec<u8>, baseline| OrgEntry {
            framework: fw.clone(),
            statuses,
            targets,
            has_profile: true,
            met_count: 1,
            baseline,
            enhanced: None,
            supply_below: false,
            suppliers: vec!["A".into()],
        };
        let mut a = entry(
            vec![ACHIEVED, NOT_ASSESSED, PARTIAL],
            vec![MET, UNASSESSED_TARGET, NO_TARGET],
            Some(true),
        );
        a.merge(entry(
            vec![NOT_ACHIEVED, PARTIAL, NOT_ASSESSED],
            vec![BELOW, MET, NO_TARGET],
            Some(false),
        ));
        assert_eq!(a.statuses, vec![NOT_ACHIEVED, PARTIAL, PARTIAL]);
        assert_eq!(a.targets, vec![BELOW, UNASSESSED_TARGET, NO_TARGET]);
        assert_eq!(a.baseline, Some(false));
        assert_eq!(a.suppliers, vec!["A".to_string()]);
    }

    #[test]
    fn counts_follow_status_and_target() {
        let mut c = Counts::default();
        c.add_status(ACHIEVED, MET);
        c.add_status(PARTIAL, BELOW);
        c.add_status(NOT_ASSESSED, UNASSESSED_TARGET);
        c.add_status(NOT_ACHIEVED, NO_TARGET);
        assert_eq!(
            (
                c.achieved,
                c.partially_achieved,
                c.not_achieved,
                c.not_assessed
            ),
            (1, 1, 1, 1)
        );
        assert_eq!((c.with_target, c.met, c.below_target), (3, 1, 1));
        assert_eq!(c.met_share(), Some(33.3));
        assert_eq!(c.achieved_share(), Some(33.3));
    }
}

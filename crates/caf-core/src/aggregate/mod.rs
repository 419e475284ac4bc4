//! Many assessments → population and group figures: coverage, per-outcome status counts,
//! roll-ups, profile attainment, systemic gaps, trends between periods, supply-chain
//! concentration, all under disclosure control.
//!
//! The work is split in two so that memory does not grow with the files read:
//!
//! 1. **Fold** (parallel, [`rayon`]): each assessment is fetched from a [`Source`], read by the
//!    one reader of assessment files ([`crate::assessment::read`], so invalid files get the
//!    located diagnostics every command gives) and scored by mask operations on its selections,
//!    then reduced to a few bytes per outcome and added into accumulators keyed by
//!    (framework, period, group)
//!    plus one compact entry per organisation and period (needed for organisation-level
//!    measures: attainment, improvements, supplier dependence). The text and the scorecard are
//!    dropped as soon as the assessment is folded.
//! 2. **Finish**: the accumulators are projected onto one reporting framework (through the
//!    v3.2→v4.0 mapping where assessments use another version, marking outcomes that cannot be
//!    compared), the period and groups are chosen, disclosure control merges or suppresses small
//!    groups, and the [`Report`] model is built. Every renderer draws that model and nothing else.
//!
//! One module per step: [`source`] (where assessments come from), `fold` (parallel read and
//! accumulation, with `digest`, what is kept of one assessment), `project` (the reporting
//! framework and the mapping onto it), `select` (periods, coverage, the organisations
//! described), [`disclosure`] (the pure disclosure-control rules), `groups`, `population`,
//! `trend` and `supply` (the figures), [`model`] (the `caf.aggregate/1` types), [`synth`]
//! (synthetic populations) and [`stored`] (digests as a store keeps them, folded by [`Fold`]).

mod digest;
pub use digest::{Digest, Scored};
pub use digest::{parse_with_digest, read as digest_of, read_text as digest_of_text};
mod fold;
mod groups;
mod population;
mod project;
mod select;
mod supply;
mod trend;

pub mod assurance;
pub mod disclosure;
pub mod model;
pub mod publish;
pub mod source;
pub mod stored;
pub mod supplier;
pub mod synth;

pub use model::{
    Attainment, Counts, Coverage, Disclosure, GroupFigures, InvalidInput, MetBucket, MetSplit,
    NoMinimumTargets, OutcomeChange, OutcomeFigures, PeriodChange, PeriodFigures,
    ProfileAttainment, Report, RollUpFigures, SupplierFigures, SupplyChain, SystemicGap, Trend,
};
pub use source::{FileSource, Registered, RegisteredRef, Source};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::framework::Catalog;
use crate::scoring::FrameworkSummary;

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
    /// Published figures, protected across queries, instead of exact ones ([`publish`]).
    pub publication: Option<publish::Publication>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            group_by: GroupBy::Sector,
            period: None,
            framework: None,
            min_group_size: DEFAULT_MIN_GROUP_SIZE,
            identify: false,
            publication: None,
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
    let partial = fold::read(source, &names, catalog, options, progress);
    finish(&partial, catalog, options)
}

/// An aggregation fed with assessments already read, as [`Digest`]s (a store that keeps them
/// at ingest, see [`stored`]), in batches as they arrive: the same fold and figures as
/// [`aggregate`], with memory that grows with the organisations, not with the texts.
#[derive(Debug)]
pub struct Fold {
    partial: fold::Partial,
    group_by: GroupBy,
}

impl Fold {
    /// An empty fold grouping by `group_by`, which [`Fold::finish`]'s options must repeat.
    pub fn new(group_by: GroupBy) -> Fold {
        Fold {
            partial: fold::Partial::default(),
            group_by,
        }
    }

    /// Folds one assessment named `name` (in messages), or records why it is invalid;
    /// `registered`, when given, says who it belongs to instead of the file.
    pub fn add(&mut self, name: &str, digest: Result<Digest>, registered: Option<Registered>) {
        (self.partial).add_digest(name, digest, registered, self.group_by);
    }

    /// Folds a batch in parallel: `input` gives each item's name, digest and registration, or
    /// `None` for an item it has no digest of. Returns the positions of those, for the caller
    /// to read and [`Fold::add`].
    pub fn add_batch<T: Sync>(
        &mut self,
        items: &[T],
        input: impl Fn(&T) -> Option<(String, Digest, Option<Registered>)> + Sync,
    ) -> Vec<usize> {
        use rayon::prelude::*;
        let group_by = self.group_by;
        let (batch, unread) = (items.par_iter().enumerate().with_min_len(64))
            .fold(
                || (fold::Partial::default(), Vec::new()),
                |(mut acc, mut unread), (i, item)| {
                    match input(item) {
                        Some((name, digest, registered)) => {
                            acc.add_digest(&name, Ok(digest), registered, group_by);
                        }
                        None => unread.push(i),
                    }
                    (acc, unread)
                },
            )
            .reduce(
                || (fold::Partial::default(), Vec::new()),
                |(a, mut ua), (b, ub)| {
                    ua.extend(ub);
                    (a.merge(b), ua)
                },
            );
        self.partial = std::mem::take(&mut self.partial).merge(batch);
        unread
    }

    /// [`Fold::add_batch`] without copies: `input` lends each item's digest and registration
    /// (kept in memory across aggregates), of which only what the accumulators keep is copied.
    pub fn add_batch_borrowed<T: Sync>(
        &mut self,
        items: &[T],
        input: impl for<'t> Fn(&'t T) -> Option<(&'t Digest, RegisteredRef<'t>)> + Sync,
    ) -> Vec<usize> {
        use rayon::prelude::*;
        let group_by = self.group_by;
        let (batch, unread) = (items.par_iter().enumerate().with_min_len(64))
            .fold(
                || (fold::Partial::default(), Vec::new()),
                |(mut acc, mut unread), (i, item)| {
                    match input(item) {
                        Some((digest, who)) => acc.add_borrowed(digest, who, group_by),
                        None => unread.push(i),
                    }
                    (acc, unread)
                },
            )
            .reduce(
                || (fold::Partial::default(), Vec::new()),
                |(a, mut ua), (b, ub)| {
                    ua.extend(ub);
                    (a.merge(b), ua)
                },
            );
        self.partial = std::mem::take(&mut self.partial).merge(batch);
        unread
    }

    /// Takes out of the fold the assessments `input` lends, as [`Fold::add_batch_borrowed`] was
    /// lent them, so that an organisation whose assessments changed can be folded in again as
    /// it is now, without folding every other organisation again. Every assessment of an
    /// organisation taken out must be among them (its merged entries go as a whole), and the
    /// organisation's current assessments folded in after. Returns false, and changes
    /// nothing, if an item has no digest: that fold must be made afresh.
    pub fn remove_batch_borrowed<T>(
        &mut self,
        items: &[T],
        input: impl for<'t> Fn(&'t T) -> Option<(&'t Digest, RegisteredRef<'t>)>,
    ) -> bool {
        if !items.iter().all(|item| input(item).is_some()) {
            return false;
        }
        for (digest, who) in items.iter().filter_map(&input) {
            self.partial.remove_borrowed(digest, who, self.group_by);
        }
        self.partial.forget_unused_frameworks();
        true
    }

    /// The report, as [`aggregate`] computes it from the same assessments with `options`
    /// (grouped as [`Fold::new`] was told, which is what the fold is keyed by). The fold is
    /// only read: one fold answers many queries (periods, frameworks, limits) over the same
    /// assessments.
    pub fn finish(&self, catalog: &Catalog, options: &Options) -> Result<Report> {
        if let Some(id) = &options.framework {
            catalog.framework(id)?;
        }
        let options = Options {
            group_by: self.group_by,
            ..options.clone()
        };
        finish(&self.partial, catalog, &options)
    }
}

/// From the accumulators to the report: projection, selection, disclosure control, figures.
fn finish(partial: &fold::Partial, catalog: &Catalog, options: &Options) -> Result<Report> {
    let limits = disclosure::Limits::of(options);
    let framework = project::reporting_framework(partial, catalog, options)?;
    let projector = project::Projector::new(catalog, partial, &framework);
    let periods = select::periods(partial, options)?;
    let selection = select::Selection::new(partial, &projector, &periods);
    let mut figures = match &options.publication {
        Some(publication) => publish::figures(
            &selection.orgs,
            &projector,
            options.group_by,
            limits,
            publication,
        ),
        None => exact(partial, catalog, options, &projector, selection),
    };
    // Published figures name no input (a file's name or error is not for their readers), but
    // say how many were skipped.
    figures.coverage.invalid = partial.invalid.len();
    let mut invalid = match options.publication {
        Some(_) => Vec::new(),
        None => partial.invalid.clone(),
    };
    invalid.sort_by(|a, b| a.input.cmp(&b.input));
    Ok(Report {
        schema: AGGREGATE_SCHEMA.to_string(),
        framework: FrameworkSummary {
            id: framework.id.clone(),
            name: framework.name.clone(),
            version: framework.version.clone(),
        },
        periods: periods.iter().map(|p| select::period_label(p)).collect(),
        group_by: options.group_by,
        disclosure: figures.disclosure,
        assessments: figures.coverage.assessments,
        coverage: figures.coverage,
        outcomes: figures.outcomes,
        principles: figures.principles,
        objectives: figures.objectives,
        groups: figures.groups,
        attainment: figures.attainment,
        gaps: figures.gaps,
        trend: figures.trend,
        supply_chain: figures.supply_chain,
        invalid,
    })
}

/// The exact figures, for the central unit's own eyes (disclosure control within one query).
fn exact(
    partial: &fold::Partial,
    catalog: &Catalog,
    options: &Options,
    projector: &project::Projector,
    selection: select::Selection,
) -> publish::Figures {
    let select::Selection {
        mut coverage,
        groups,
        overall,
        orgs,
        frameworks,
    } = selection;
    let orgs = &orgs;
    let limits = disclosure::Limits::of(options);
    let decisions = disclosure::decide(&groups::sizes(&groups, orgs), limits);
    let groups = groups::figures(groups, orgs, &decisions, projector);
    let disclosure = decisions.summary;
    let suppressed = disclosure.suppressed;
    if suppressed {
        // Counts of organisations with unreviewed or overridden answers would describe a
        // population too small to publish.
        coverage.unreviewed_outcomes = None;
        coverage.organisations_with_unreviewed = None;
        coverage.overridden_outcomes = None;
        coverage.organisations_with_overrides = None;
    }
    coverage.marks_summary = coverage.marks_sentence();
    // Population figures include suppressed groups: the population is large enough to publish.
    let population = population::outcomes(projector, overall, suppressed);
    publish::Figures {
        attainment: population::attainment(orgs, &frameworks, suppressed),
        gaps: population::gaps(orgs, projector, options.identify, suppressed),
        trend: trend::trend(partial, projector, catalog, limits),
        supply_chain: supply::supply_chain(orgs, limits, suppressed),
        disclosure,
        coverage,
        outcomes: population.outcomes,
        principles: population.principles,
        objectives: population.objectives,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::synth::{Shape, SynthOptions, generate_shaped};
    use super::*;
    use crate::framework::Status;

    /// A real-shaped population's digests, each with its organisation as a registry records it.
    fn population(catalog: &Catalog) -> Vec<(Digest, Registered)> {
        let dir = tempfile::tempdir().unwrap();
        let options = SynthOptions {
            orgs: 160,
            periods: 2,
            seed: 7,
        };
        generate_shaped(catalog, &options, Shape::Real, dir.path(), None).unwrap();
        let source = FileSource::new(vec![dir.path().to_path_buf()]);
        (source.list().unwrap().iter())
            .filter_map(|name| digest_of_text(name, &source.fetch(name).ok()?, catalog).ok())
            .map(|digest| {
                let o = &digest.organisation;
                let registered = Registered {
                    id: o.id.clone(),
                    name: o.name.clone(),
                    sector: o.sector.clone(),
                    region: o.region.clone(),
                    parent: o.parent.clone(),
                };
                (digest, registered)
            })
            .collect()
    }

    fn folded(group_by: GroupBy, items: &[&(Digest, Registered)]) -> Fold {
        let mut fold = Fold::new(group_by);
        let unread = fold.add_batch_borrowed(items, |(d, r)| Some((d, r.into())));
        assert!(unread.is_empty());
        fold
    }

    /// Organisations taken out of a fold and folded in again as they now are (withdrawn, moved
    /// to another sector, answered differently, no longer holding a second assessment, new)
    /// give the report a fold made afresh gives, under every grouping.
    #[test]
    fn organisations_taken_out_and_folded_again_give_the_fresh_report() {
        let catalog = Catalog::shipped();
        let all = population(&catalog);
        assert!(all.len() > 250, "{}", all.len());
        // Some organisations hold a second assessment: another's, under their own name.
        let mut before: Vec<(Digest, Registered)> = all.clone();
        for pair in all.chunks(2).step_by(9) {
            if let [(_, owner), (other, _)] = pair {
                before.push((other.clone(), owner.clone()));
            }
        }
        // Every organisation with an id ending in 3 or 7 changes; those ending in 5 arrive
        // only now.
        let ends = |r: &Registered, digits: &str| digits.contains(r.id.chars().last().unwrap());
        let changed = |r: &Registered| ends(r, "37");
        let mut after: Vec<(Digest, Registered)> = Vec::new();
        for (n, (digest, who)) in before.iter().enumerate() {
            if ends(who, "5") {
                continue;
            }
            if !changed(who) {
                after.push((digest.clone(), who.clone()));
                continue;
            }
            match n % 4 {
                // Withdrawn (its second assessment too, when it had one).
                0 => {}
                1 => {
                    let mut moved = who.clone();
                    moved.sector = Some("moved".into());
                    after.push((digest.clone(), moved));
                }
                _ => {
                    let mut answered = digest.clone();
                    for score in answered.scores.iter_mut().step_by(3) {
                        score.status = Status::Achieved;
                        score.met = crate::scoring::meets(score.status, score.target);
                        score.needs_review = false;
                    }
                    answered.suppliers.clear();
                    after.push((answered, who.clone()));
                }
            }
        }
        let arriving: Vec<&(Digest, Registered)> =
            all.iter().filter(|(_, r)| ends(r, "5")).collect();
        assert!(!arriving.is_empty());
        let before_kept: Vec<&(Digest, Registered)> =
            before.iter().filter(|(_, r)| !ends(r, "5")).collect();
        let now: Vec<&(Digest, Registered)> =
            after.iter().chain(arriving.iter().copied()).collect();
        let taken_out: Vec<&(Digest, Registered)> = before_kept
            .iter()
            .copied()
            .filter(|(_, r)| changed(r))
            .collect();
        let put_back: Vec<&(Digest, Registered)> = (after.iter())
            .filter(|(_, r)| changed(r))
            .chain(arriving.iter().copied())
            .collect();
        let json = |fold: &Fold, options: &Options| {
            serde_json::to_value(fold.finish(&catalog, options).unwrap()).unwrap()
        };
        for group_by in [
            GroupBy::Sector,
            GroupBy::Region,
            GroupBy::Parent,
            GroupBy::Profile,
            GroupBy::Period,
        ] {
            let fresh = folded(group_by, &now);
            let mut kept = folded(group_by, &before_kept);
            assert!(kept.remove_batch_borrowed(&taken_out, |(d, r)| Some((d, r.into()))));
            let unread = kept.add_batch_borrowed(&put_back, |(d, r)| Some((d, r.into())));
            assert!(unread.is_empty());
            for options in [
                Options::default(),
                Options {
                    identify: true,
                    min_group_size: 2,
                    ..Options::default()
                },
                Options {
                    framework: Some("caf-3.2".into()),
                    identify: true,
                    ..Options::default()
                },
            ] {
                let options = Options {
                    group_by,
                    ..options
                };
                assert_eq!(
                    json(&kept, &options),
                    json(&fresh, &options),
                    "{group_by:?}"
                );
            }
            // Taken out and not put back: as if never folded.
            let mut emptied = folded(group_by, &taken_out);
            assert!(emptied.remove_batch_borrowed(&taken_out, |(d, r)| Some((d, r.into()))));
            let options = Options {
                group_by,
                ..Options::default()
            };
            assert_eq!(
                json(&emptied, &options),
                json(&folded(group_by, &[]), &options)
            );
        }
    }

    /// The figures are in the newest framework found: once the last assessment under it is
    /// taken out, they are in the newest one left.
    #[test]
    fn taking_out_the_last_assessment_under_a_framework_forgets_it() {
        let catalog = Catalog::shipped();
        let all = population(&catalog);
        let older: Vec<&(Digest, Registered)> = (all.iter())
            .filter(|(d, _)| d.framework.id == "caf-3.2")
            .take(30)
            .collect();
        let newer = all
            .iter()
            .find(|(d, _)| d.framework.id == "caf-4.0")
            .unwrap();
        let both: Vec<&(Digest, Registered)> = older.iter().copied().chain([newer]).collect();
        let mut fold = folded(GroupBy::Sector, &both);
        assert!(fold.remove_batch_borrowed(&[newer], |(d, r)| Some((d, r.into()))));
        let report = fold.finish(&catalog, &Options::default()).unwrap();
        assert_eq!(report.framework.id, "caf-3.2");
        let fresh = folded(GroupBy::Sector, &older);
        let json = |f: &Fold| {
            serde_json::to_value(f.finish(&catalog, &Options::default()).unwrap()).unwrap()
        };
        assert_eq!(json(&fold), json(&fresh));
    }

    /// An item without a digest leaves the fold as it was and says it must be made afresh.
    #[test]
    fn taking_out_an_item_without_a_digest_changes_nothing() {
        let catalog = Catalog::shipped();
        let all = population(&catalog);
        let items: Vec<&(Digest, Registered)> = all.iter().take(40).collect();
        let mut fold = folded(GroupBy::Sector, &items);
        let before = serde_json::to_value(fold.finish(&catalog, &Options::default()).unwrap());
        let refused = fold.remove_batch_borrowed(&items, |item| {
            (!std::ptr::eq(*item, items[7])).then(|| (&item.0, (&item.1).into()))
        });
        assert!(!refused);
        let after = serde_json::to_value(fold.finish(&catalog, &Options::default()).unwrap());
        assert_eq!(after.unwrap(), before.unwrap());
    }
}

//! The CAF as data: objectives, principles, contributing outcomes, indicators of good practice
//! (IGPs), the scoring rules and the target profiles.
//!
//! A [`Framework`] is built only by [`load`], which validates a framework file completely, so
//! the rest of the crate can rely on its invariants: ids are unique, every principle has an
//! objective and every outcome a principle, every indicator reference is
//! `<outcome>.<NA|PA|A>.<n>` and belongs to its outcome, and the rules always reach a verdict.

// build.rs compiles this module tree to check the shipped data; the catalogue, which embeds
// what it writes, and the importer exist only in the library, where build.rs sets this cfg.
#[cfg(shipped_frameworks)]
pub mod catalog;
mod ids;
pub mod load;
pub mod mapping;
#[cfg(shipped_frameworks)]
mod shipped;
pub mod statements;
#[cfg(shipped_frameworks)]
pub mod webcaf;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(shipped_frameworks)]
pub use catalog::Catalog;
pub use ids::{IndicatorRef, OutcomeId};
pub use mapping::{Mapping, MappingLink, Relation};
pub use statements::{StatementKind, StatementLink, StatementMap};

/// The three levels under which IGPs are filed, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    NotAchieved,
    PartiallyAchieved,
    Achieved,
}

impl Level {
    pub const ALL: [Level; 3] = [
        Level::NotAchieved,
        Level::PartiallyAchieved,
        Level::Achieved,
    ];

    /// The short form used inside indicator references (`A1.a.PA.2`).
    pub fn code(self) -> &'static str {
        match self {
            Level::NotAchieved => "NA",
            Level::PartiallyAchieved => "PA",
            Level::Achieved => "A",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn key(self) -> &'static str {
        match self {
            Level::NotAchieved => "not-achieved",
            Level::PartiallyAchieved => "partially-achieved",
            Level::Achieved => "achieved",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == key)
    }

    /// "partially-achieved statements" reads better in sentences than the key alone.
    pub fn label(self) -> &'static str {
        match self {
            Level::NotAchieved => "not-achieved",
            Level::PartiallyAchieved => "partially-achieved",
            Level::Achieved => "achieved",
        }
    }

    pub fn status(self) -> Status {
        match self {
            Level::NotAchieved => Status::NotAchieved,
            Level::PartiallyAchieved => Status::PartiallyAchieved,
            Level::Achieved => Status::Achieved,
        }
    }
}

/// The judgement on one contributing outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    NotAssessed,
    NotAchieved,
    PartiallyAchieved,
    Achieved,
}

impl Status {
    pub const JUDGED: [Status; 3] = [
        Status::NotAchieved,
        Status::PartiallyAchieved,
        Status::Achieved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::NotAssessed => "not-assessed",
            Status::NotAchieved => "not-achieved",
            Status::PartiallyAchieved => "partially-achieved",
            Status::Achieved => "achieved",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Status::NotAssessed]
            .into_iter()
            .chain(Self::JUDGED)
            .find(|s| s.key() == key)
    }

    /// Sentence case, for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotAssessed => "Not assessed",
            Status::NotAchieved => "Not achieved",
            Status::PartiallyAchieved => "Partially achieved",
            Status::Achieved => "Achieved",
        }
    }

    /// Position on the achievement scale; `None` for an outcome nobody has judged.
    pub fn rank(self) -> Option<u8> {
        match self {
            Status::NotAssessed => None,
            Status::NotAchieved => Some(0),
            Status::PartiallyAchieved => Some(1),
            Status::Achieved => Some(2),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principle {
    pub id: String,
    pub objective: String,
    pub title: String,
    pub description: String,
}

/// Which of an outcome's statements are selected: bit `i` for `outcome.indicators[i]`. Scoring
/// looks at nothing else of a selection, so each rule is a mask operation.
pub type Selection = u128;

/// The most statements an outcome may have, so that a [`Selection`] holds any of its selections.
pub const MAX_INDICATORS: usize = Selection::BITS as usize;

/// The selection of statement `i` alone (none beyond [`MAX_INDICATORS`], which validation rules
/// out).
pub fn bit(i: usize) -> Selection {
    u32::try_from(i)
        .ok()
        .and_then(|i| Selection::from(1u8).checked_shl(i))
        .unwrap_or(0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub id: OutcomeId,
    pub principle: String,
    pub objective: String,
    pub title: String,
    pub description: String,
    pub indicators: Vec<Indicator>,
    /// The statements at each level (indexed by `Level as usize`), filled in by
    /// [`Framework::assemble`].
    #[serde(skip)]
    masks: [Selection; 3],
}

impl Outcome {
    pub fn indicators_at(&self, level: Level) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.level == level)
    }

    pub fn indicator(&self, reference: &str) -> Option<&Indicator> {
        self.position(reference).map(|i| &self.indicators[i])
    }

    /// The position in [`Outcome::indicators`] of the statement `reference`. References are
    /// numbered `<outcome>.<level>.<n>`, so the n-th statement of that level is tried first and
    /// every statement compared only when the numbering is unusual.
    pub fn position(&self, reference: &str) -> Option<usize> {
        // The n-th set bit of the level's mask, found without walking the statements (each a
        // large struct): this lookup runs once per selected statement of every file read.
        // Only a hint, checked below, so the reference is split here without validating it.
        let hint = (reference.strip_prefix(self.id.as_str()))
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(code, n)| Some((Level::from_code(code)?, n.parse::<usize>().ok()?)));
        if let Some((level, n)) = hint
            && let mut at_level = self.masks[level as usize]
            && (1..=at_level.count_ones() as usize).contains(&n)
        {
            for _ in 1..n {
                at_level &= at_level - 1;
            }
            let i = at_level.trailing_zeros() as usize;
            if self.indicators[i].reference.as_str() == reference {
                return Some(i);
            }
        }
        self.indicators
            .iter()
            .position(|i| i.reference.as_str() == reference)
    }

    /// The statements at `level`, as a mask over [`Outcome::indicators`].
    pub fn mask(&self, level: Level) -> Selection {
        self.masks[level as usize]
    }

    /// The selection of `references`; references that are not this outcome's are ignored.
    pub fn selection<'r>(&self, references: impl IntoIterator<Item = &'r str>) -> Selection {
        references
            .into_iter()
            .filter_map(|r| self.position(r))
            .fold(0, |bits, i| bits | bit(i))
    }

    fn compute_masks(&mut self) {
        self.masks = [0; 3];
        for (i, indicator) in self.indicators.iter().enumerate() {
            self.masks[indicator.level as usize] |= bit(i);
        }
    }
}

/// One indicator of good practice: a statement an organisation says is true or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    #[serde(rename = "ref")]
    pub reference: IndicatorRef,
    pub level: Level,
    pub text: String,
}

/// When a rule fires, in terms of the IGPs selected at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "when", content = "level", rename_all = "kebab-case")]
pub enum Condition {
    /// At least one IGP at the level is selected.
    Any(Level),
    /// The level has IGPs and every one is selected. An empty level never satisfies `all`, which
    /// is how WebCAF's table treats outcomes that have no partially-achieved statements.
    All(Level),
    /// No IGP at the level is selected.
    None(Level),
    /// Always fires; must be the last rule.
    Otherwise,
}

/// One scoring rule: the first rule whose condition holds gives the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    #[serde(flatten)]
    pub condition: Condition,
    pub status: Status,
}

/// A named set of targets, such as GovAssure Baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Not published by the framework's owner (for example derived through a mapping).
    pub provisional: bool,
    /// Where the targets come from (the publication), when the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The profile whose targets this one started from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Minimum status per outcome; outcomes not listed have no target.
    pub targets: BTreeMap<OutcomeId, Status>,
}

impl Profile {
    pub fn target(&self, outcome: &OutcomeId) -> Option<Status> {
        self.targets.get(outcome).copied()
    }
}

/// Where a framework's statements come from, as its file records it: the documents they
/// were taken or reconciled from, when, and how many statements each level holds (which the
/// loader checks, so a statement added or lost in an edit cannot go unnoticed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub sources: Vec<String>,
    /// The date of the last reconciliation with the sources, as written (`2026-12-02`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<String>,
    /// Statements per level, in [`Level::ALL`] order.
    pub statements: [usize; 3],
}

/// A complete, validated framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    pub notes: String,
    pub rules: Vec<Rule>,
    pub objectives: Vec<Objective>,
    pub principles: Vec<Principle>,
    pub outcomes: Vec<Outcome>,
    pub profiles: Vec<Profile>,
    /// Where the content comes from, when the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    #[serde(skip)]
    outcome_index: HashMap<String, usize>,
    /// Per profile (parallel to `profiles`), each outcome's target in framework order.
    #[serde(skip)]
    targets_by_position: Vec<Box<[Option<Status>]>>,
}

impl Framework {
    /// Builds the lookup index and the masks; called once the parts have been validated.
    fn assemble(mut self) -> Self {
        self.outcome_index = self
            .outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str().to_string(), i))
            .collect();
        self.outcomes.iter_mut().for_each(Outcome::compute_masks);
        self.index_targets();
        self
    }

    fn index_targets(&mut self) {
        self.targets_by_position = (self.profiles.iter())
            .map(|p| self.outcomes.iter().map(|o| p.target(&o.id)).collect())
            .collect();
    }

    /// Profile `id`'s target for each outcome, in framework order: [`Profile::target`] without
    /// a lookup per outcome.
    pub fn targets(&self, id: &str) -> Option<&[Option<Status>]> {
        let index = self.profiles.iter().position(|p| p.id == id)?;
        self.targets_by_position.get(index).map(|t| &t[..])
    }

    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcome_index.get(id).map(|&i| &self.outcomes[i])
    }

    /// Position of an outcome in framework order (for sorting).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.outcome_index.get(id).copied()
    }

    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn principle(&self, id: &str) -> Option<&Principle> {
        self.principles.iter().find(|p| p.id == id)
    }

    pub fn objective(&self, id: &str) -> Option<&Objective> {
        self.objectives.iter().find(|o| o.id == id)
    }

    pub fn indicator_count(&self) -> usize {
        self.outcomes.iter().map(|o| o.indicators.len()).sum()
    }

    /// Outcome ids in framework order.
    pub fn outcome_ids(&self) -> Vec<&str> {
        self.outcomes.iter().map(|o| o.id.as_str()).collect()
    }

    pub fn profile_ids(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.id.as_str()).collect()
    }

    /// Adds or replaces a profile (a user's own profile pack may redefine a shipped one).
    pub(crate) fn put_profile(&mut self, profile: Profile) {
        match self.profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
        self.index_targets();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup through the level masks finds every shipped statement where a scan finds
    /// it, and nothing for references that only look right.
    #[test]
    fn a_statement_is_found_at_its_position_and_a_lookalike_is_not() {
        let catalog = Catalog::shipped();
        for id in catalog.ids() {
            let framework = catalog.framework(id).unwrap();
            for outcome in &framework.outcomes {
                for (i, indicator) in outcome.indicators.iter().enumerate() {
                    let reference = indicator.reference.as_str();
                    assert_eq!(outcome.position(reference), Some(i), "{reference}");
                }
                let id = outcome.id.as_str();
                for lookalike in [
                    format!("{id}.A.99"),
                    format!("{id}.NA.999999999999999999999"),
                    format!("{id}.PA.0"),
                    "Z9.z.A.1".to_string(),
                ] {
                    assert_eq!(outcome.position(&lookalike), None, "{lookalike}");
                }
            }
        }
    }
}

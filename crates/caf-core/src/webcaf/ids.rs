//! WebCAF's statement ids for this project's statement references, and back.
//!
//! In WebCAF's data an outcome's statements are numbered 1, 2, 3 … in document order across the
//! levels (not achieved, partially achieved, achieved). Its v4.0 file breaks that in four
//! outcomes, listed in `IRREGULAR_4_0` as WebCAF has them: A4.a repeats 11 (the last
//! partially-achieved and the first achieved statement), C1.c skips 6, C1.d has 14 before 13,
//! and C1.f puts 12 after 16. Level and number together (`achieved_A4.a.11`) are still unique,
//! which is why every lookup takes both. The shipped v4.0 framework has two statements WebCAF
//! lacks ([`NOT_IN_WEBCAF_4_0`]), each at the end of its level; they have no WebCAF id and do
//! not shift the numbering of the others.

use std::collections::HashMap;

use crate::framework::{Framework, Level, Outcome};

/// Outcomes of WebCAF's v4.0 data whose ids do not run 1, 2, 3 …: their ids in document order.
const IRREGULAR_4_0: &[(&str, &[u16])] = &[
    (
        "A4.a",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 12, 13, 14, 15, 16, 17, 18, 19,
        ],
    ),
    (
        "C1.c",
        &[
            1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        ],
    ),
    (
        "C1.d",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 13, 15, 16],
    ),
    (
        "C1.f",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 12, 17, 18, 19,
        ],
    ),
];

/// Statements of the shipped v4.0 framework that WebCAF's v4.0 data does not have (see
/// frameworks/caf-4.0.toml on the reconciliation).
pub const NOT_IN_WEBCAF_4_0: &[&str] = &["A4.a.A.10", "B1.b.NA.6"];

/// One outcome's numbering: WebCAF's id of each statement, by position in
/// [`Outcome::indicators`] (`None` where WebCAF has no such statement).
#[derive(Debug, Clone)]
pub struct WebcafIds {
    outcome: String,
    numbers: Vec<Option<u16>>,
    by_key: HashMap<(Level, u16), usize>,
}

impl WebcafIds {
    /// The numbering of `outcome` in WebCAF's data for `framework`'s version (3.2 or 4.0);
    /// `None` for a version WebCAF does not have.
    pub fn of(framework: &Framework, outcome: &Outcome) -> Option<Self> {
        let statements: Vec<(&str, Level)> = outcome
            .indicators
            .iter()
            .map(|i| (i.reference.as_str(), i.level))
            .collect();
        Self::for_statements(&framework.version, outcome.id.as_str(), &statements)
    }

    /// The numbering of an outcome with these statements (reference and level, in framework
    /// order) in WebCAF's data for CAF `version`.
    pub fn for_statements(
        version: &str,
        outcome: &str,
        statements: &[(&str, Level)],
    ) -> Option<Self> {
        let irregular: &[(&str, &[u16])] = match version {
            "3.2" => &[],
            "4.0" => IRREGULAR_4_0,
            _ => return None,
        };
        let known: Vec<usize> = (0..statements.len())
            .filter(|&i| version != "4.0" || !NOT_IN_WEBCAF_4_0.contains(&statements[i].0))
            .collect();
        let listed = irregular
            .iter()
            .find(|(id, _)| *id == outcome)
            .map(|(_, numbers)| *numbers)
            .filter(|numbers| numbers.len() == known.len());
        let mut numbers = vec![None; statements.len()];
        for (n, &i) in known.iter().enumerate() {
            let sequential = u16::try_from(n + 1).unwrap_or(u16::MAX);
            numbers[i] = Some(listed.map_or(sequential, |listed| listed[n]));
        }
        let by_key = numbers
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some(((statements[i].1, (*n)?), i)))
            .collect();
        Some(Self {
            outcome: outcome.to_string(),
            numbers,
            by_key,
        })
    }

    /// WebCAF's id (`A1.a.5`) of the statement at `position`, if WebCAF has it.
    pub fn id(&self, position: usize) -> Option<String> {
        let n = (*self.numbers.get(position)?)?;
        Some(format!("{}.{n}", self.outcome))
    }

    /// The position of WebCAF's statement `id` (`A1.a.5`) filed under `level`.
    pub fn position(&self, level: Level, id: &str) -> Option<usize> {
        let n = id.strip_prefix(&self.outcome)?.strip_prefix('.')?;
        let n: u16 = n.parse().ok()?;
        self.by_key.get(&(level, n)).copied()
    }
}

/// WebCAF's answer key for a statement: `<level>_<id>`, as in `partially-achieved_A2.a.9`.
pub fn key(level: Level, id: &str) -> String {
    format!("{}_{id}", level.key())
}

/// Splits an answer key into its level and id; `None` when it is not `<level>_<id>`.
pub fn split_key(key: &str) -> Option<(Level, &str)> {
    let (level, id) = key.split_once('_')?;
    Some((Level::from_key(level)?, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Catalog;

    #[test]
    fn v4_0_anomalies_map_to_distinct_statements() {
        let fw = Catalog::shipped().framework("caf-4.0").unwrap();
        let a4a = WebcafIds::of(&fw, fw.outcome("A4.a").unwrap()).unwrap();
        let pa = a4a.position(Level::PartiallyAchieved, "A4.a.11").unwrap();
        let a = a4a.position(Level::Achieved, "A4.a.11").unwrap();
        let outcome = fw.outcome("A4.a").unwrap();
        assert_eq!(outcome.indicators[pa].reference.as_str(), "A4.a.PA.7");
        assert_eq!(outcome.indicators[a].reference.as_str(), "A4.a.A.1");
        let extra = outcome.position("A4.a.A.10").unwrap();
        assert_eq!(a4a.id(extra), None, "WebCAF lacks A4.a.A.10");
        let c1c = WebcafIds::of(&fw, fw.outcome("C1.c").unwrap()).unwrap();
        assert_eq!(c1c.position(Level::NotAchieved, "C1.c.6"), None);
        let b1b = WebcafIds::of(&fw, fw.outcome("B1.b").unwrap()).unwrap();
        let first_pa = fw.outcome("B1.b").unwrap().position("B1.b.PA.1").unwrap();
        assert_eq!(b1b.id(first_pa).as_deref(), Some("B1.b.6"));
    }
}

//! Consistent suppression across overlapping tables: every set of organisations that any
//! published figure describes (a view's population, a row of any grouping, a supplier's
//! dependants) is checked against every other, and whichever of two sets differing by fewer
//! than `min` organisations is smaller is withheld. Without this, a region of 6 minus a parent
//! body holding 5 of them is one organisation's figures.
//!
//! Withholding a row of a grouping is not enough on its own: the view's population minus the
//! grouping's published rows is the withheld rows together, so that remainder is checked too,
//! and while it is itself too small or too close to a published set, the grouping's smallest
//! published row is withheld as well. Pure; the sets are sorted lists of member indices.

use std::collections::BTreeSet;

/// A published set of organisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// Sorted, without repeats.
    pub members: Vec<u32>,
    pub withheld: bool,
}

/// Rows of one grouping of a view: their union is the view's population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// The index of the view's population among the sets.
    pub population: usize,
    pub rows: Vec<usize>,
}

/// The size of the symmetric difference of two sorted lists, counted up to `cap`.
fn difference_up_to(a: &[u32], b: &[u32], cap: usize) -> usize {
    let (mut i, mut j, mut d) = (0, 0, 0);
    while d < cap && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                d += 1;
                i += 1;
            }
            (Some(_), None) => {
                d += 1;
                i += 1;
            }
            _ => {
                d += 1;
                j += 1;
            }
        }
    }
    d
}

/// What a withheld row of a partition leaves recoverable: the population minus its published rows.
fn remainder(sets: &[Set], p: &Partition) -> Vec<u32> {
    let mut published: Vec<u32> = (p.rows.iter())
        .filter(|&&r| !sets[r].withheld)
        .flat_map(|&r| sets[r].members.iter().copied())
        .collect();
    published.sort_unstable();
    published.dedup();
    let population = &sets[p.population].members;
    population
        .iter()
        .copied()
        .filter(|m| published.binary_search(m).is_err())
        .collect()
}

/// Withholds sets until none under `min` is published and no two published sets (remainders of partitions included) differ by
/// at least one and fewer than `min` organisations. Only ever withholds more; stops after at
/// most one pass per set.
pub fn withhold_close_sets(sets: &mut [Set], partitions: &[Partition], min: usize) {
    if min <= 1 {
        return;
    }
    for _ in 0..=sets.len() {
        if !withhold_one_pass(sets, partitions, min) {
            return;
        }
    }
}

/// One sweep; true when something was withheld.
fn withhold_one_pass(sets: &mut [Set], partitions: &[Partition], min: usize) -> bool {
    // A set under the limit is never published, whoever forgot to withhold it.
    let mut changed = false;
    for s in sets.iter_mut() {
        if !s.withheld && !s.members.is_empty() && s.members.len() < min {
            s.withheld = true;
            changed = true;
        }
    }
    // A withheld population takes its partitions' rows with it.
    for p in partitions {
        if sets[p.population].withheld {
            for &r in &p.rows {
                changed |= !std::mem::replace(&mut sets[r].withheld, true);
            }
        }
    }
    // Candidates: published sets, then remainders (owned by their partition).
    let remainders: Vec<(usize, Vec<u32>)> = (partitions.iter().enumerate())
        .filter(|(_, p)| !sets[p.population].withheld)
        .filter(|(_, p)| p.rows.iter().any(|&r| sets[r].withheld))
        .map(|(i, p)| (i, remainder(sets, p)))
        .filter(|(_, rest)| !rest.is_empty())
        .collect();
    // A remainder under the limit is itself a small published set.
    for (i, rest) in &remainders {
        if rest.len() < min && withhold_smallest_row(sets, &partitions[*i]) {
            return true;
        }
    }
    enum Who {
        Set(usize),
        Remainder(usize),
    }
    let mut candidates: Vec<(&[u32], Who)> = (sets.iter().enumerate())
        .filter(|(_, s)| !s.withheld && !s.members.is_empty())
        .map(|(i, s)| (s.members.as_slice(), Who::Set(i)))
        .collect();
    candidates.extend(
        remainders
            .iter()
            .map(|(i, rest)| (rest.as_slice(), Who::Remainder(*i))),
    );
    candidates.sort_by_key(|(m, _)| m.len());
    let mut withheld = vec![false; candidates.len()];
    let (mut sets_out, mut partitions_out) = (Vec::new(), BTreeSet::new());
    for a in 0..candidates.len() {
        if withheld[a] {
            continue;
        }
        // Sets whose sizes differ by `min` or more differ by at least that many members.
        for b in a + 1..candidates.len() {
            if candidates[b].0.len() - candidates[a].0.len() >= min {
                break;
            }
            if withheld[b] {
                continue;
            }
            let d = difference_up_to(candidates[a].0, candidates[b].0, min);
            if d == 0 || d >= min {
                continue;
            }
            // The smaller (first) goes; a remainder goes by withholding another row.
            withheld[a] = true;
            match candidates[a].1 {
                Who::Set(i) => sets_out.push(i),
                Who::Remainder(p) => {
                    partitions_out.insert(p);
                }
            }
            break;
        }
    }
    drop(candidates);
    for i in sets_out {
        changed |= !std::mem::replace(&mut sets[i].withheld, true);
    }
    // Once per partition and pass: the next pass sees what is left of its remainder.
    for p in partitions_out {
        changed |= withhold_smallest_row(sets, &partitions[p]);
    }
    changed
}

/// Withholds the smallest published row of `p` (the first on a tie); false when none is left.
fn withhold_smallest_row(sets: &mut [Set], p: &Partition) -> bool {
    let smallest = (p.rows.iter().copied())
        .filter(|&r| !sets[r].withheld)
        .min_by_key(|&r| (sets[r].members.len(), r));
    match smallest {
        Some(r) => {
            sets[r].withheld = true;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(members: impl IntoIterator<Item = u32>) -> Set {
        let mut members: Vec<u32> = members.into_iter().collect();
        members.sort_unstable();
        Set {
            members,
            withheld: false,
        }
    }

    fn withheld(sets: &[Set]) -> Vec<bool> {
        sets.iter().map(|s| s.withheld).collect()
    }

    /// No two published sets, remainders included, differ by 1..min members.
    fn assert_safe(sets: &[Set], partitions: &[Partition], min: usize) {
        let mut published: Vec<Vec<u32>> = (sets.iter())
            .filter(|s| !s.withheld)
            .map(|s| s.members.clone())
            .collect();
        for p in partitions.iter().filter(|p| !sets[p.population].withheld) {
            let rest = remainder(sets, p);
            assert!(rest.is_empty() || rest.len() >= min, "{rest:?}");
            published.push(rest);
        }
        published.retain(|s| !s.is_empty());
        for a in &published {
            for b in &published {
                let d = difference_up_to(a, b, usize::MAX);
                assert!(d == 0 || d >= min, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn symmetric_difference_is_counted_up_to_the_cap() {
        assert_eq!(difference_up_to(&[1, 2, 3], &[2, 3, 4], 10), 2);
        assert_eq!(difference_up_to(&[], &[1, 2], 10), 2);
        assert_eq!(difference_up_to(&[1, 2, 3, 4], &[5, 6, 7, 8], 3), 3);
        assert_eq!(difference_up_to(&[1, 2], &[1, 2], 10), 0);
    }

    /// The region of 6 and the parent body holding 5 of them: the parent body's row goes, and
    /// enough of the rest that no remainder or pair isolates anyone.
    #[test]
    fn a_nested_pair_differing_by_one_loses_the_smaller_and_its_complement() {
        // 0: population (12), 1: region SE (6), 2: region NW (6), 3: parent P (5), 4: no parent (7)
        let mut sets = vec![set(0..12), set(0..6), set(6..12), set(0..5), set(5..12)];
        let partitions = [
            Partition {
                population: 0,
                rows: vec![1, 2],
            },
            Partition {
                population: 0,
                rows: vec![3, 4],
            },
        ];
        withhold_close_sets(&mut sets, &partitions, 5);
        // "No parent" (7) minus the North West (6) is the same organisation: more goes.
        assert!(!sets[0].withheld);
        assert!(sets[3].withheld);
        assert_safe(&sets, &partitions, 5);
    }

    #[test]
    fn sets_far_apart_or_equal_are_all_published() {
        let mut sets = vec![set(0..20), set(0..10), set(10..20), set(0..10)];
        let partitions = [Partition {
            population: 0,
            rows: vec![1, 2],
        }];
        withhold_close_sets(&mut sets, &partitions, 5);
        assert_eq!(withheld(&sets), [false; 4]);
    }

    /// Two supplier lists that differ by one organisation: the smaller is withheld.
    #[test]
    fn two_suppliers_differing_by_one_keep_only_the_larger() {
        let mut sets = vec![set(0..30), set(0..5), set(0..6), set(10..20)];
        withhold_close_sets(&mut sets, &[], 5);
        assert_eq!(withheld(&sets), [false, true, false, false]);
    }

    #[test]
    fn a_withheld_population_takes_its_rows() {
        let mut sets = vec![set(0..6), set(0..5), set(0..6), set(0..3)];
        sets[0].withheld = true;
        let partitions = [Partition {
            population: 0,
            rows: vec![1],
        }];
        withhold_close_sets(&mut sets, &partitions, 5);
        assert!(sets[1].withheld);
        // Set 2 equals the withheld population but differs from nothing published by 1..5.
        assert!(!sets[2].withheld);
    }

    /// Random families (two groupings of 30 organisations, and a few other sets such as
    /// suppliers): whatever is left published is safe.
    #[test]
    fn random_families_end_safe() {
        use proptest::prelude::*;
        let strategy = (
            prop::collection::vec((0u32..6, 0u32..4), 30),
            prop::collection::vec(prop::collection::btree_set(0u32..30, 0..30), 0..5),
            3usize..6,
        );
        proptest!(|((groups, others, min) in strategy)| {
            let mut sets = vec![set(0..30)];
            let mut partitions = Vec::new();
            for pick in [|g: (u32, u32)| g.0, |g: (u32, u32)| g.1] {
                let mut rows = Vec::new();
                for key in 0..6 {
                    let members: Vec<u32> =
                        (0..30).filter(|&m| pick(groups[m as usize]) == key).collect();
                    if !members.is_empty() {
                        // Rows under the limit arrive withheld, as `decide` leaves them.
                        let small = members.len() < min;
                        sets.push(Set { members, withheld: small });
                        rows.push(sets.len() - 1);
                    }
                }
                partitions.push(Partition { population: 0, rows });
            }
            sets.extend(others.into_iter().map(set));
            withhold_close_sets(&mut sets, &partitions, min);
            assert_safe(&sets, &partitions, min);
        });
    }
}

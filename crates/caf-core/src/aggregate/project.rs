//! Projection onto the reporting framework: which framework the figures are expressed in, and
//! how each accumulator (kept in its assessment's own framework) maps onto it through the
//! v3.2→v4.0 mapping, outcomes without a comparable counterpart being counted as such.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::sync::Arc;

use super::Options;
use super::fold::{GroupAcc, OrgPeriod, Partial, Standing};
use super::model::{Counts, OutcomeFigures};
use crate::error::{Error, Result};
use crate::framework::{Catalog, Framework};

/// For each outcome of the reporting framework, the index of the comparable outcome in `native`.
pub(super) type Projection = Vec<Option<usize>>;

/// The reporting framework: as asked, or the newest version among the inputs (the catalog's
/// last when there are none).
pub(super) fn reporting_framework(
    partial: &Partial,
    catalog: &Catalog,
    options: &Options,
) -> Result<Arc<Framework>> {
    Ok(match &options.framework {
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
    })
}

fn version_key(framework: &Framework) -> Vec<u64> {
    framework
        .version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub(super) fn projection(
    catalog: &Catalog,
    native: &Framework,
    target: &Framework,
) -> Option<Projection> {
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
pub(super) fn incomparability_note(
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

/// The reporting framework and how each framework found among the inputs projects onto it
/// (frameworks that cannot be mapped have no projection).
pub(super) struct Projector<'a> {
    pub framework: &'a Framework,
    pub projections: HashMap<String, Projection>,
}

impl<'a> Projector<'a> {
    pub fn new(catalog: &Catalog, partial: &Partial, framework: &'a Framework) -> Self {
        let mut projections = HashMap::default();
        for (id, native) in &partial.frameworks {
            if let Some(p) = projection(catalog, native, framework) {
                projections.insert(id.clone(), p);
            }
        }
        Projector {
            framework,
            projections,
        }
    }

    /// Adds a group's counts (under framework `fw`) into `into`, per reporting outcome; false
    /// (and nothing added) when `fw` cannot be mapped.
    pub fn counts(&self, fw: &str, acc: &GroupAcc, into: &mut [Counts]) -> bool {
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

    /// An organisation-period's standing per reporting outcome, merged over its entries;
    /// `None` when no entry can be mapped. Borrowed when there is nothing to project or merge
    /// (one assessment in the reporting framework, the usual case).
    pub fn org<'o>(&self, org: &'o OrgPeriod) -> Option<Cow<'o, [Standing]>> {
        if let [entry] = org.entries.as_slice()
            && entry.framework.id == self.framework.id
        {
            return Some(Cow::Borrowed(&entry.standings));
        }
        let mut out: Option<Vec<Standing>> = None;
        for entry in &org.entries {
            let Some(proj) = self.projections.get(&entry.framework.id) else {
                continue;
            };
            let projected = proj.iter().map(|p| match p {
                Some(i) => entry.standings[*i],
                None => Standing::UNMAPPED,
            });
            match &mut out {
                None => out = Some(projected.collect()),
                Some(row) => (row.iter_mut().zip(projected)).for_each(|(a, b)| *a = a.merge(b)),
            }
        }
        out.map(Cow::Owned)
    }

    /// The model's per-outcome figures, from counts in reporting framework order.
    pub fn outcomes(&self, counts: Vec<Counts>) -> Vec<OutcomeFigures> {
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
                no_minimum: counts.no_minimum(),
                counts,
                withheld: false,
            })
            .collect()
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
}

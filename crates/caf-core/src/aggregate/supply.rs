//! Supply-chain concentration: which suppliers many organisations depend on, and how many of
//! those organisations are below target on a supply-chain outcome. Suppliers named by fewer
//! organisations than the limit are counted but not listed.

use std::collections::{BTreeMap, BTreeSet};

use super::disclosure::Limits;
use super::model::{SupplierFigures, SupplyChain};
use super::select::OrgView;
use super::{SUPPLY_CHAIN_OUTCOMES, supplier};

/// The organisations depending on one supplier (by normalised name).
#[derive(Default)]
struct Dependants<'a> {
    orgs: BTreeSet<&'a str>,
    below: BTreeSet<&'a str>,
    /// Filled only with `identify`.
    named_below: BTreeSet<String>,
    /// How often each spelling of the name occurs.
    spellings: BTreeMap<&'a str, usize>,
}

pub(super) fn supply_chain(
    selection: &[OrgView],
    limits: Limits,
    population_suppressed: bool,
) -> SupplyChain {
    let mut deps: BTreeMap<String, Dependants> = BTreeMap::new();
    for v in selection {
        let (id, org) = (v.id, v.org);
        let below = org.entries.iter().any(|e| e.supply_below);
        for entry in &org.entries {
            for raw in &entry.suppliers {
                let key = supplier::normalise(raw);
                if key.is_empty() {
                    continue;
                }
                let d = deps.entry(key).or_default();
                d.orgs.insert(id);
                *d.spellings.entry(raw).or_default() += 1;
                if below {
                    d.below.insert(id);
                    if limits.identify {
                        d.named_below.insert(org.labelled(id));
                    }
                }
            }
        }
    }
    let suppliers = deps.len();
    let mut concentration: Vec<SupplierFigures> = deps
        .into_iter()
        .filter(|(_, d)| limits.supplier_listed(d.orgs.len(), population_suppressed))
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
                named: limits.identify.then(|| d.named_below.into_iter().collect()),
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

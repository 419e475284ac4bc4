//! Supply-chain concentration: which suppliers many organisations depend on, and how many of
//! those organisations are below target on a supply-chain outcome. Suppliers named by fewer
//! organisations than the limit are counted but not listed.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use super::SUPPLY_CHAIN_OUTCOMES;
use super::disclosure::Limits;
use super::model::{SupplierFigures, SupplyChain};
use super::select::OrgView;

/// The organisations depending on one supplier (by normalised name).
#[derive(Default)]
struct Dependants<'a> {
    /// Each once: the selection is in id order, so an organisation's names come together.
    orgs: Vec<&'a str>,
    below: Vec<&'a str>,
    /// Filled only with `identify`.
    named_below: BTreeSet<String>,
    /// How often each spelling of the name occurs.
    spellings: Vec<(&'a str, usize)>,
}

/// Adds `id` unless it was the last added (ids come in order).
fn add_once<'a>(ids: &mut Vec<&'a str>, id: &'a str) {
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

pub(super) fn supply_chain<'a>(
    selection: &[OrgView<'a>],
    limits: Limits,
    population_suppressed: bool,
) -> SupplyChain {
    // Keyed by the name normalised when the assessment was read (or its digest decoded).
    let mut deps: HashMap<&'a str, Dependants<'a>> = HashMap::default();
    for v in selection {
        let (id, org): (&'a str, &'a _) = (v.id, v.org);
        let below = v.summary.supply_below;
        for entry in &org.entries {
            for raw in &entry.suppliers {
                let key = raw.key.as_str();
                if key.is_empty() {
                    continue;
                }
                let d = deps.entry(key).or_default();
                add_once(&mut d.orgs, id);
                match d.spellings.iter_mut().find(|(s, _)| *s == raw.name) {
                    Some((_, n)) => *n += 1,
                    None => d.spellings.push((raw.name.as_str(), 1)),
                }
                if below {
                    add_once(&mut d.below, id);
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
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map_or_else(|| key.to_string(), |(s, _)| s.to_string());
            SupplierFigures {
                name,
                key: key.to_string(),
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

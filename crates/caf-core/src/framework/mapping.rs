//! Outcome mappings between framework versions (v3.2 → v4.0), used to compare reports across
//! versions and trend aggregates across periods.
//!
//! Ids alone are misleading across versions: `A2.b` is Assurance in v3.2 but Understanding
//! Threat in v4.0, so every comparison goes through an explicit link with a relation.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::load::{known_frameworks_help, known_outcomes_help};
use super::{Framework, OutcomeId};
use crate::diagnostic::{About, Code, Diagnostic, Diagnostics, SourceFile, parse_toml};

/// How an outcome in the older version relates to one in the newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// Same id, same intent.
    Same,
    /// Same intent, reworded title or statements.
    Revised,
    /// Same intent under a new id.
    Renumbered,
    /// Same id or place, but a different outcome: results cannot be compared.
    Redefined,
    /// Only in the older version.
    Removed,
    /// Only in the newer version.
    Added,
}

impl Relation {
    /// Whether a status under `from` can be compared with a status under `to`.
    pub fn comparable(self) -> bool {
        matches!(
            self,
            Relation::Same | Relation::Revised | Relation::Renumbered
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MappingLink {
    pub from: Option<OutcomeId>,
    pub to: Option<OutcomeId>,
    pub relation: Relation,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub from: String,
    pub to: String,
    pub notes: String,
    pub links: Vec<MappingLink>,
}

impl Mapping {
    /// The link for an outcome of the older framework.
    pub fn forward(&self, from: &str) -> Option<&MappingLink> {
        self.links
            .iter()
            .find(|l| l.from.as_ref().is_some_and(|f| f.as_str() == from))
    }

    /// The link for an outcome of the newer framework.
    pub fn backward(&self, to: &str) -> Option<&MappingLink> {
        self.links
            .iter()
            .find(|l| l.to.as_ref().is_some_and(|t| t.as_str() == to))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    notes: String,
    links: Vec<Spanned<RawLink>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    from: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    relation: Spanned<Relation>,
    #[serde(default)]
    note: String,
}

/// Parses a mapping file and checks every id against both frameworks.
pub fn parse_mapping(
    source: &SourceFile,
    framework_for: impl Fn(&str) -> crate::Result<std::sync::Arc<Framework>>,
) -> Result<Mapping, Vec<Diagnostic>> {
    let raw: RawMapping = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    let mut resolve = |id: &Spanned<String>| match framework_for(id.get_ref()) {
        Ok(found) => Some(found),
        Err(error) => {
            diags.error(
                Code::UnknownFramework,
                id.span(),
                format!("`{}` is not a known framework", id.get_ref()),
                known_frameworks_help(&error),
            );
            None
        }
    };
    let (from_fw, to_fw) = (resolve(&raw.from), resolve(&raw.to));
    let (Some(from_fw), Some(to_fw)) = (from_fw, to_fw) else {
        return Err(diags.finish(()).err().unwrap_or_default());
    };

    let mut links = Vec::new();
    let (mut seen_from, mut seen_to) = (HashSet::new(), HashSet::new());
    for spanned in &raw.links {
        let link = spanned.get_ref();
        let relation = *link.relation.get_ref();
        let mut check =
            |side: &Option<Spanned<String>>, fw: &Framework, seen: &mut HashSet<String>| {
                let id = side.as_ref()?;
                if fw.outcome(id.get_ref()).is_none() {
                    diags.push(
                        Diagnostic::error(
                            Code::UnknownOutcome,
                            format!("outcome `{}` is not in {}", id.get_ref(), fw.id),
                        )
                        .at(diags.source(), id.span())
                        .help(known_outcomes_help(&fw.id, &fw.outcome_ids()))
                        .about(About::Framework(fw.id.clone())),
                    );
                } else if !seen.insert(id.get_ref().clone()) {
                    diags.error(
                        Code::DuplicateId,
                        id.span(),
                        format!("outcome `{}` is mapped more than once", id.get_ref()),
                        "give each outcome exactly one link",
                    );
                }
                Some(OutcomeId::new(id.get_ref().clone()))
            };
        let from = check(&link.from, &from_fw, &mut seen_from);
        let to = check(&link.to, &to_fw, &mut seen_to);
        let shape_ok = match relation {
            Relation::Removed => from.is_some() && to.is_none(),
            Relation::Added => from.is_none() && to.is_some(),
            _ => from.is_some() && to.is_some(),
        };
        if !shape_ok {
            diags.error(
                Code::InvalidMapping,
                spanned.span(),
                "this link's `from` and `to` do not fit its relation",
                "`removed` has only `from`, `added` only `to`, every other relation both",
            );
        }
        links.push(MappingLink {
            from,
            to,
            relation,
            note: link.note.clone(),
        });
    }
    for (fw, seen, side) in [(&from_fw, &seen_from, "from"), (&to_fw, &seen_to, "to")] {
        for outcome in &fw.outcomes {
            if !seen.contains(outcome.id.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::IncompleteMapping,
                        format!("outcome {} of {} has no link", outcome.id, fw.id),
                    )
                    .at(source, raw.links.first().map_or(0..0, |l| l.span()))
                    .help(format!("add a link with `{side} = \"{}\"`", outcome.id)),
                );
            }
        }
    }
    diags.finish(Mapping {
        from: raw.from.into_inner(),
        to: raw.to.into_inner(),
        notes: raw.notes,
        links,
    })
}

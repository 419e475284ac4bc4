//! Outcome mappings between framework versions (v3.2 → v4.0), used to carry answers forward,
//! and compare reports and aggregates across versions.
//!
//! Ids alone are misleading across versions: `A2.b` is Assurance in v3.2 but Understanding
//! Threat in v4.0, so every comparison goes through an explicit link with a relation.
//!
//! Each outcome of either framework has exactly one *principal* link (same, revised,
//! renumbered, redefined, removed or added), which says whether its results can be compared.
//! *Lineage* links (split, merged, partial) record where statements went when outcomes were
//! divided or joined; an outcome may have any number of them and they are never comparable.
//! [`Mapping::forward`] and [`Mapping::backward`] give the principal link, so code that only
//! compares statuses keeps working; [`Mapping::links_from`] and [`Mapping::links_to`] give all.

use std::collections::{HashMap, HashSet};

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
    /// Only in the older version: no newer outcome continues it.
    Removed,
    /// Only in the newer version: it continues no older outcome.
    Added,
    /// Lineage: the older outcome was divided, and the newer one holds one part.
    Split,
    /// Lineage: the older outcome went (almost) whole into the newer one, with others.
    Merged,
    /// Lineage: some statements moved to the newer outcome; the older one otherwise
    /// continues through its principal link.
    Partial,
}

impl Relation {
    /// Whether a status under `from` can be compared with a status under `to`.
    pub fn comparable(self) -> bool {
        matches!(
            self,
            Relation::Same | Relation::Revised | Relation::Renumbered
        )
    }

    /// Whether this is an outcome's principal link (one per outcome and side) rather than a
    /// lineage link (split, merged, partial).
    pub fn is_principal(self) -> bool {
        !matches!(self, Relation::Split | Relation::Merged | Relation::Partial)
    }

    /// The kebab-case name used in mapping files.
    pub fn key(self) -> &'static str {
        match self {
            Relation::Same => "same",
            Relation::Revised => "revised",
            Relation::Renumbered => "renumbered",
            Relation::Redefined => "redefined",
            Relation::Removed => "removed",
            Relation::Added => "added",
            Relation::Split => "split",
            Relation::Merged => "merged",
            Relation::Partial => "partial",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MappingLink {
    pub from: Option<OutcomeId>,
    pub to: Option<OutcomeId>,
    pub relation: Relation,
    /// Whether statuses can be compared across this link; always the relation's
    /// [`Relation::comparable`] (a file that says otherwise is rejected).
    pub comparable: bool,
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
    /// The principal link of an outcome of the older framework.
    pub fn forward(&self, from: &str) -> Option<&MappingLink> {
        self.links_from(from).find(|l| l.relation.is_principal())
    }

    /// The principal link of an outcome of the newer framework.
    pub fn backward(&self, to: &str) -> Option<&MappingLink> {
        self.links_to(to).find(|l| l.relation.is_principal())
    }

    /// Every link (principal and lineage) from an outcome of the older framework.
    pub fn links_from<'a>(&'a self, from: &str) -> impl Iterator<Item = &'a MappingLink> {
        self.links
            .iter()
            .filter(move |l| l.from.as_ref().is_some_and(|f| f.as_str() == from))
    }

    /// Every link (principal and lineage) to an outcome of the newer framework.
    pub fn links_to<'a>(&'a self, to: &str) -> impl Iterator<Item = &'a MappingLink> {
        self.links
            .iter()
            .filter(move |l| l.to.as_ref().is_some_and(|t| t.as_str() == to))
    }

    /// The newer outcome whose results compare with `from`'s, if any.
    pub fn comparable_successor(&self, from: &str) -> Option<&OutcomeId> {
        self.forward(from)
            .filter(|l| l.comparable)
            .and_then(|l| l.to.as_ref())
    }

    /// Whether some link (of any relation) joins `from` in the older framework to `to` in the
    /// newer: statements may only move between linked outcomes.
    pub fn joins(&self, from: &str, to: &str) -> bool {
        self.links_from(from)
            .any(|l| l.to.as_ref().is_some_and(|t| t.as_str() == to))
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
    comparable: Option<Spanned<bool>>,
    #[serde(default)]
    note: String,
}

/// Parses a mapping file and checks every id against both frameworks, and the shape of the
/// links: one principal link per outcome and side, lineage links that fit their relation.
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
    // Outcomes with a principal link, per side, and every (from, to) pair seen.
    let (mut seen_from, mut seen_to) = (HashSet::new(), HashSet::new());
    let mut pairs = HashSet::new();
    for spanned in &raw.links {
        let link = spanned.get_ref();
        let relation = *link.relation.get_ref();
        let principal = relation.is_principal();
        let mut check = |side: &Option<Spanned<String>>,
                         fw: &Framework,
                         seen: &mut HashSet<String>| {
            let id = side.as_ref()?;
            if fw.outcome(id.get_ref()).is_none() {
                diags.push_at(
                    Diagnostic::error(
                        Code::UnknownOutcome,
                        format!("outcome `{}` is not in {}", id.get_ref(), fw.id),
                    )
                    .help(known_outcomes_help(&fw.id, &fw.outcome_ids()))
                    .about(About::Framework(fw.id.clone())),
                    id.span(),
                );
            } else if principal && !seen.insert(id.get_ref().clone()) {
                diags.error(
                        Code::DuplicateId,
                        id.span(),
                        format!(
                            "outcome `{}` has more than one principal link",
                            id.get_ref()
                        ),
                        "give each outcome one principal link (same, revised, renumbered, redefined, removed or added); record further links as split, merged or partial",
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
        } else if let (Some(f), Some(t)) = (&from, &to)
            && !pairs.insert((f.as_str().to_string(), t.as_str().to_string()))
        {
            diags.error(
                Code::DuplicateId,
                spanned.span(),
                format!("{f} and {t} are linked more than once"),
                "keep one link per pair of outcomes",
            );
        }
        if let Some(stated) = &link.comparable
            && *stated.get_ref() != relation.comparable()
        {
            diags.error(
                Code::InvalidMapping,
                stated.span(),
                format!(
                    "a `{}` link is {}comparable",
                    relation.key(),
                    if relation.comparable() { "" } else { "never " }
                ),
                "same, revised and renumbered links are comparable, every other relation is not; use `redefined` for an outcome whose results cannot be compared",
            );
        }
        links.push(MappingLink {
            from,
            to,
            relation,
            comparable: relation.comparable(),
            note: link.note.clone(),
        });
    }
    check_lineage(&mut diags, &raw.links, &links);
    let anchor = raw.links.first().map_or(0..0, |l| l.span());
    for (fw, seen, side) in [(&from_fw, &seen_from, "from"), (&to_fw, &seen_to, "to")] {
        for outcome in &fw.outcomes {
            if !seen.contains(outcome.id.as_str()) {
                diags.push_at(
                    Diagnostic::error(
                        Code::IncompleteMapping,
                        format!("outcome {} of {} has no principal link", outcome.id, fw.id),
                    )
                    .help(format!("add a link with `{side} = \"{}\"`", outcome.id)),
                    anchor.clone(),
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

/// Lineage links must fit what their relation says happened: an outcome `split` has at least
/// two parts, a `merged` outcome joins another, and neither continues comparably elsewhere.
fn check_lineage(diags: &mut Diagnostics<'_>, raw: &[Spanned<RawLink>], links: &[MappingLink]) {
    let principal_from: HashMap<&str, &MappingLink> = links
        .iter()
        .filter(|l| l.relation.is_principal())
        .filter_map(|l| Some((l.from.as_ref()?.as_str(), l)))
        .collect();
    let count = |pred: &dyn Fn(&MappingLink) -> bool| links.iter().filter(|l| pred(l)).count();
    for (spanned, link) in raw.iter().zip(links) {
        let (Some(from), Some(to)) = (&link.from, &link.to) else {
            continue;
        };
        let continues = principal_from
            .get(from.as_str())
            .is_some_and(|p| p.comparable);
        let problem = match link.relation {
            Relation::Split if continues => Some(format!(
                "{from} continues comparably in {}, so it was not split",
                principal_from[from.as_str()]
                    .to
                    .as_ref()
                    .map_or("", |t| t.as_str())
            )),
            Relation::Split
                if count(&|l| l.relation == Relation::Split && l.from.as_ref() == Some(from))
                    < 2 =>
            {
                Some(format!("{from} has only one `split` link"))
            }
            Relation::Merged if continues => Some(format!(
                "{from} continues comparably elsewhere, so it was not merged into {to}"
            )),
            Relation::Merged if count(&|l| l.to.as_ref() == Some(to) && l.from.is_some()) < 2 => {
                Some(format!("nothing else is merged into {to}"))
            }
            _ => None,
        };
        if let Some(message) = problem {
            diags.error(
                Code::InvalidMapping,
                spanned.span(),
                message,
                "`split`: an outcome divided between two or more newer outcomes; `merged`: an outcome that went into a newer one together with others; `partial`: some statements moved",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Catalog;

    fn parse(text: &str) -> Result<Mapping, Vec<Diagnostic>> {
        let catalog = Catalog::shipped();
        parse_mapping(&SourceFile::new("m.toml", text), |id| catalog.framework(id))
    }

    /// The shipped v3.2 → v4.0 links with `extra` appended (and `drop` left out).
    fn shipped_plus(extra: &str, drop: &str) -> String {
        let text = include_str!("../../../../frameworks/mappings/caf-3.2-to-caf-4.0.toml");
        let body: String = text
            .lines()
            .filter(|l| drop.is_empty() || !l.contains(drop))
            .map(|l| format!("{l}\n"))
            .collect();
        let end = body.rfind(']').expect("the links array ends the file");
        format!("{}{extra}\n{}", &body[..end], &body[end..])
    }

    /// The line of the first link added by [`shipped_plus`].
    fn extra_line(drop: &str) -> usize {
        shipped_plus("", drop).lines().count() - 1
    }

    fn errors(text: &str) -> Vec<(String, usize, String)> {
        parse(text)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                let line = d.location.as_ref().map_or(0, |l| l.line);
                (d.code.to_string(), line, d.message)
            })
            .collect()
    }

    #[test]
    fn the_shipped_mapping_has_principal_and_lineage_links() {
        let m = parse(&shipped_plus("", "")).unwrap();
        // Principal links answer forward/backward as before.
        assert_eq!(m.forward("C1.d").unwrap().relation, Relation::Redefined);
        assert!(!m.forward("C1.d").unwrap().comparable);
        assert_eq!(m.forward("C2.b").unwrap().relation, Relation::Removed);
        assert_eq!(m.backward("C1.f").unwrap().relation, Relation::Added);
        assert_eq!(
            m.comparable_successor("A2.b").map(OutcomeId::as_str),
            Some("A2.c")
        );
        assert_eq!(m.comparable_successor("C1.d"), None);
        // Lineage: C1.d + C2.a -> C1.f, C2.b -> C2.a.
        let into_c1f: Vec<&str> = m
            .links_to("C1.f")
            .filter_map(|l| l.from.as_ref().map(OutcomeId::as_str))
            .collect();
        assert_eq!(into_c1f, ["C1.d", "C2.a"]);
        assert!(m.joins("C2.b", "C2.a"));
        assert!(m.joins("C1.d", "C1.c"));
        assert!(!m.joins("C1.d", "C1.e"));
        assert!(
            m.links
                .iter()
                .all(|l| l.comparable == l.relation.comparable())
        );
    }

    #[test]
    fn lineage_links_are_checked_with_their_location() {
        // A second principal link for an outcome.
        let e = errors(&shipped_plus(
            r#"  { from = "B1.a", to = "B1.b", relation = "revised" },"#,
            "",
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        let line = extra_line("");
        assert!(
            e.iter()
                .all(|(code, at, _)| code == "duplicate-id" && *at == line)
        );
        // A partial link may add to a principal one; the same pair twice may not.
        let e = errors(&shipped_plus(
            r#"  { from = "B1.a", to = "B1.b", relation = "partial" },
  { from = "B1.a", to = "B1.b", relation = "partial" },"#,
            "",
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].0.as_str(), e[0].1), ("duplicate-id", line + 1));
        // A split of an outcome that continues comparably, and a lonely split.
        let e = errors(&shipped_plus(
            r#"  { from = "B1.a", to = "B1.b", relation = "split" },"#,
            "",
        ));
        assert!(e.iter().any(|(c, l, m)| c == "invalid-mapping"
            && *l == line
            && m.contains("continues comparably")));
        let e = errors(&shipped_plus(
            r#"  { from = "C2.a", to = "D1.a", relation = "split" },"#,
            "",
        ));
        assert!(
            e.iter()
                .any(|(_, _, m)| m == "C2.a has only one `split` link")
        );
        // Nothing else merged into the target.
        let e = errors(&shipped_plus(
            r#"  { from = "C2.a", to = "A4.b", relation = "merged" },"#,
            "",
        ));
        assert!(
            e.iter()
                .any(|(_, _, m)| m.contains("nothing else is merged into A4.b"))
        );
        // A comparability flag that contradicts the relation.
        let e = errors(&shipped_plus(
            r#"  { from = "B1.a", to = "B1.b", relation = "partial", comparable = true },"#,
            "",
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "invalid-mapping");
        assert!(e[0].2.contains("a `partial` link is never comparable"));
    }

    #[test]
    fn every_outcome_needs_a_principal_link() {
        // Dropping C1.e's principal link leaves its partial link, which is not enough.
        let e = errors(&shipped_plus("", r#"{ from = "C1.e", to = "C1.e""#));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|(c, _, _)| c == "incomplete-mapping"));
        assert!(e.iter().any(|(_, _, m)| m.contains("C1.e of caf-3.2")));
    }
}

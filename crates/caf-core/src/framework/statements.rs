//! Statement-level mappings between framework versions (v3.2 → v4.0): for each statement
//! (indicator) of the older version, the statement(s) of the newer version that say the same
//! thing, or none.
//!
//! Carrying answers forward goes through this map and nothing else: a tick moves only to a
//! statement judged to mean the same, never to whatever now sits at the same position. The map
//! is validated against both frameworks and against the outcome [`Mapping`]: every pair must
//! follow a link between the two outcomes, so a statement cannot silently wander to an
//! unrelated outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Framework, IndicatorRef, Level, Mapping};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile, parse_toml};

/// How a statement of the older version relates to the newer version's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatementKind {
    /// The same statement, its wording identical or trivially different.
    Same,
    /// The same meaning in other words.
    Reworded,
    /// Became several newer statements; a tick on it is a tick on each.
    Split,
    /// One part of a newer statement made from several older ones; the newer statement is
    /// ticked only when every part was.
    Merged,
    /// No newer statement says it.
    None,
}

impl StatementKind {
    pub const ALL: [StatementKind; 5] = [
        StatementKind::Same,
        StatementKind::Reworded,
        StatementKind::Split,
        StatementKind::Merged,
        StatementKind::None,
    ];

    pub fn key(self) -> &'static str {
        match self {
            StatementKind::Same => "same",
            StatementKind::Reworded => "reworded",
            StatementKind::Split => "split",
            StatementKind::Merged => "merged",
            StatementKind::None => "none",
        }
    }
}

/// One statement of the older version and where it went.
#[derive(Debug, Clone, Serialize)]
pub struct StatementLink {
    pub from: IndicatorRef,
    /// The newer statements that say the same (empty for `none`).
    pub to: Vec<IndicatorRef>,
    pub kind: StatementKind,
    /// For `none`: the newer statement nearest in intent, which asks for more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub see: Option<IndicatorRef>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementMap {
    pub from: String,
    pub to: String,
    pub statements: Vec<StatementLink>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl StatementMap {
    /// Where a statement of the older framework went.
    pub fn get(&self, from: &str) -> Option<&StatementLink> {
        self.index.get(from).map(|&i| &self.statements[i])
    }

    /// The older statements that lead to `to`.
    pub fn sources_of<'a>(&'a self, to: &str) -> impl Iterator<Item = &'a StatementLink> {
        self.statements
            .iter()
            .filter(move |s| s.to.iter().any(|t| t.as_str() == to))
    }

    /// How many statements of each kind.
    pub fn counts(&self) -> BTreeMap<StatementKind, usize> {
        let mut counts: BTreeMap<StatementKind, usize> =
            StatementKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for s in &self.statements {
            *counts.entry(s.kind).or_default() += 1;
        }
        counts
    }

    /// The newer statements a set of ticked older statements amounts to: each ticked
    /// statement's counterparts, and a `merged` statement only when all its parts are ticked.
    pub fn translate<'a>(
        &self,
        ticked: impl IntoIterator<Item = &'a IndicatorRef>,
    ) -> BTreeSet<IndicatorRef> {
        let ticked: BTreeSet<&str> = ticked.into_iter().map(IndicatorRef::as_str).collect();
        let mut out = BTreeSet::new();
        for from in &ticked {
            let Some(link) = self.get(from) else {
                continue;
            };
            match link.kind {
                StatementKind::None => {}
                StatementKind::Merged => {
                    for to in &link.to {
                        let complete = self
                            .sources_of(to.as_str())
                            .filter(|s| s.kind == StatementKind::Merged)
                            .all(|s| ticked.contains(s.from.as_str()));
                        if complete {
                            out.insert(to.clone());
                        }
                    }
                }
                _ => out.extend(link.to.iter().cloned()),
            }
        }
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatementMap {
    from: Spanned<String>,
    to: Spanned<String>,
    statements: Spanned<Vec<Spanned<RawStatement>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatement {
    from: Spanned<String>,
    /// One reference, or a list of them (spans of list items are not kept: `toml` cannot
    /// give them inside an untagged value, so problems point at the whole `to`).
    to: Option<Spanned<toml::Value>>,
    kind: Spanned<StatementKind>,
    see: Option<Spanned<String>>,
    #[serde(default)]
    note: String,
}

/// Parses a statement map and checks it against both frameworks and the outcome mapping
/// between them (`mapping_for(from, to)`).
pub fn parse_statement_map(
    source: &SourceFile,
    framework_for: impl Fn(&str) -> Option<Arc<Framework>>,
    mapping_for: impl Fn(&str, &str) -> Option<Arc<Mapping>>,
) -> Result<StatementMap, Vec<Diagnostic>> {
    let raw: RawStatementMap = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    let mut resolve = |id: &Spanned<String>| {
        let found = framework_for(id.get_ref());
        if found.is_none() {
            diags.error(
                Code::UnknownFramework,
                id.span(),
                format!("`{}` is not a known framework", id.get_ref()),
                "name a framework the catalogue holds",
            );
        }
        found
    };
    let (from_fw, to_fw) = (resolve(&raw.from), resolve(&raw.to));
    let (Some(from_fw), Some(to_fw)) = (from_fw, to_fw) else {
        return Err(diags.finish(()).err().unwrap_or_default());
    };
    let Some(mapping) = mapping_for(&from_fw.id, &to_fw.id) else {
        diags.error(
            Code::InvalidMapping,
            raw.from.span().start..raw.to.span().end,
            format!(
                "a statement map needs the outcome mapping from {} to {}",
                from_fw.id, to_fw.id
            ),
            "add the outcome mapping (a file with `from`, `to` and `links`) to the same folder",
        );
        return Err(diags.finish(()).err().unwrap_or_default());
    };

    let level_of = |fw: &Framework, r: &str| {
        let (outcome, _, _) = IndicatorRef::parse(r)?;
        fw.outcome(outcome)?.indicator(r).map(|i| i.level)
    };
    let mut statements = Vec::new();
    let mut spans = Vec::new();
    let mut index = HashMap::new();
    for spanned in raw.statements.get_ref() {
        let entry = spanned.get_ref();
        let from = entry.from.get_ref();
        let Some(from_level) = level_of(&from_fw, from) else {
            diags.error(
                Code::UnknownIndicator,
                entry.from.span(),
                format!("`{from}` is not a statement of {}", from_fw.id),
                format!(
                    "name a statement reference of {} (`<outcome>.<NA|PA|A>.<n>`)",
                    from_fw.id
                ),
            );
            continue;
        };
        if index.contains_key(from.as_str()) {
            diags.error(
                Code::DuplicateId,
                entry.from.span(),
                format!("`{from}` is mapped more than once"),
                "give each statement exactly one entry; list several targets in `to`",
            );
            continue;
        }
        let from_outcome = IndicatorRef::parse(from).map_or("", |(o, _, _)| o);
        let targets: Vec<Spanned<String>> = match &entry.to {
            None => Vec::new(),
            Some(to) => {
                let span = to.span();
                let items = match to.get_ref() {
                    toml::Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                let mut targets = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(t) => targets.push(Spanned::new(span.clone(), t.to_string())),
                        None => diags.error(
                            Code::InvalidType,
                            span.clone(),
                            "`to` is a statement reference or a list of them",
                            "write `to = \"A1.a.A.1\"` or `to = [\"A1.a.A.1\", \"A1.a.A.2\"]`",
                        ),
                    }
                }
                targets
            }
        };
        let mut check_target = |target: &Spanned<String>, what: &str| -> Option<Level> {
            let t = target.get_ref();
            let Some(level) = level_of(&to_fw, t) else {
                diags.error(
                    Code::UnknownIndicator,
                    target.span(),
                    format!("`{t}` is not a statement of {}", to_fw.id),
                    format!(
                        "name a statement reference of {} (`<outcome>.<NA|PA|A>.<n>`)",
                        to_fw.id
                    ),
                );
                return None;
            };
            let to_outcome = IndicatorRef::parse(t).map_or("", |(o, _, _)| o);
            if !mapping.joins(from_outcome, to_outcome) {
                diags.error(
                    Code::InvalidMapping,
                    target.span(),
                    format!(
                        "{what} `{t}` is in {to_outcome}, which the outcome mapping does not link to {from_outcome}"
                    ),
                    format!(
                        "add a link from {from_outcome} to {to_outcome} to the outcome mapping, or map the statement elsewhere"
                    ),
                );
            }
            Some(level)
        };
        let mut levels = Vec::new();
        for target in &targets {
            levels.extend(check_target(target, "target"));
        }
        if let Some(see) = &entry.see {
            check_target(see, "`see`");
        }
        let kind = *entry.kind.get_ref();
        let shape = match kind {
            StatementKind::Same | StatementKind::Reworded | StatementKind::Merged => {
                (targets.len() != 1).then_some("needs exactly one statement in `to`")
            }
            StatementKind::Split => {
                (targets.len() < 2).then_some("needs two or more statements in `to`")
            }
            StatementKind::None => (!targets.is_empty()).then_some("has no `to`"),
        };
        if let Some(problem) = shape {
            diags.error(
                Code::InvalidMapping,
                spanned.span(),
                format!("a `{}` entry {problem}", kind.key()),
                "same, reworded and merged lead to one statement, split to several, none to none",
            );
        } else if entry.see.is_some() && kind != StatementKind::None {
            diags.error(
                Code::InvalidMapping,
                entry.see.as_ref().map_or(0..0, Spanned::span),
                "`see` is only for `none` entries",
                "name the counterpart in `to` instead",
            );
        }
        if levels.iter().any(|&l| l != from_level) && entry.note.trim().is_empty() {
            diags.error(
                Code::InvalidMapping,
                spanned.span(),
                format!(
                    "`{from}` is {} but maps to another level",
                    from_level.label()
                ),
                "a statement keeps its level unless a `note` says why the newer version moved it",
            );
        }
        index.insert(from.clone(), statements.len());
        spans.push(spanned.span());
        statements.push(StatementLink {
            from: IndicatorRef::checked(from.clone()),
            to: targets
                .iter()
                .map(|t| IndicatorRef::checked(t.get_ref().clone()))
                .collect(),
            kind,
            see: entry
                .see
                .as_ref()
                .map(|s| IndicatorRef::checked(s.get_ref().clone())),
            note: entry.note.clone(),
        });
    }
    // A merged statement has at least two parts.
    for (span, link) in spans.iter().zip(&statements) {
        if link.kind != StatementKind::Merged {
            continue;
        }
        for to in &link.to {
            let parts = statements
                .iter()
                .filter(|s| s.kind == StatementKind::Merged && s.to.contains(to))
                .count();
            if parts < 2 {
                diags.error(
                    Code::InvalidMapping,
                    span.clone(),
                    format!("`{}` is the only statement merged into `{to}`", link.from),
                    "a merged statement has two or more parts; use `reworded` for one",
                );
            }
        }
    }
    let anchor = raw.statements.span();
    for outcome in &from_fw.outcomes {
        for indicator in &outcome.indicators {
            if !index.contains_key(indicator.reference.as_str()) {
                diags.push_at(
                    Diagnostic::error(
                        Code::IncompleteMapping,
                        format!(
                            "statement {} of {} has no entry",
                            indicator.reference, from_fw.id
                        ),
                    )
                    .help(format!(
                        "add `{{ from = \"{}\", to = ..., kind = ... }}` (or `kind = \"none\"`)",
                        indicator.reference
                    )),
                    anchor.start..anchor.start + 1,
                );
            }
        }
    }
    diags.finish(StatementMap {
        from: raw.from.into_inner(),
        to: raw.to.into_inner(),
        statements,
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Catalog, Relation};

    const SHIPPED: &str =
        include_str!("../../../../frameworks/mappings/caf-3.2-to-caf-4.0-statements.toml");

    fn shipped() -> Arc<StatementMap> {
        Catalog::shipped()
            .statement_map("caf-3.2", "caf-4.0")
            .expect("the shipped statement map loads")
    }

    fn parse(text: &str) -> Result<StatementMap, Vec<Diagnostic>> {
        let catalog = Catalog::shipped();
        parse_statement_map(
            &SourceFile::new("s.toml", text),
            |id| catalog.framework(id).ok(),
            |from, to| catalog.mapping(from, to),
        )
    }

    fn refs(r: &[IndicatorRef]) -> Vec<&str> {
        r.iter().map(IndicatorRef::as_str).collect()
    }

    #[test]
    fn every_v3_2_statement_appears_exactly_once() {
        // Counted in the file itself, so a duplicate cannot hide behind the parser.
        let raw: toml::Table = toml::from_str(SHIPPED).unwrap();
        let mut seen = BTreeMap::<String, usize>::new();
        for entry in raw["statements"].as_array().unwrap() {
            *seen
                .entry(entry["from"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        let catalog = Catalog::shipped();
        let v32 = catalog.framework("caf-3.2").unwrap();
        let all: Vec<&str> = v32
            .outcomes
            .iter()
            .flat_map(|o| o.indicators.iter().map(|i| i.reference.as_str()))
            .collect();
        assert_eq!(all.len(), 449);
        assert_eq!(seen.len(), all.len());
        for r in all {
            assert_eq!(seen.get(r), Some(&1), "{r}");
        }
    }

    #[test]
    fn targets_exist_keep_their_level_and_follow_the_outcome_mapping() {
        let map = shipped();
        let catalog = Catalog::shipped();
        let v40 = catalog.framework("caf-4.0").unwrap();
        let mapping = catalog.mapping("caf-3.2", "caf-4.0").unwrap();
        let level = |r: &str| IndicatorRef::parse(r).unwrap().1;
        let outcome = |r: &str| IndicatorRef::parse(r).unwrap().0.to_string();
        let mut used_links = BTreeSet::new();
        for s in &map.statements {
            let from = s.from.as_str();
            for (t, is_see) in
                s.to.iter()
                    .map(|t| (t, false))
                    .chain(s.see.iter().map(|t| (t, true)))
            {
                let t = t.as_str();
                assert!(
                    v40.outcome(&outcome(t))
                        .and_then(|o| o.indicator(t))
                        .is_some(),
                    "{from} -> {t}: not a v4.0 statement"
                );
                assert!(
                    mapping.joins(&outcome(from), &outcome(t)),
                    "{from} -> {t}: the outcome mapping has no such link"
                );
                used_links.insert((outcome(from), outcome(t)));
                if !is_see && level(t) != level(from) {
                    // Only where v4.0 moved the statement, and the note says so.
                    assert!(
                        s.note.contains(level(t).label().replace('-', " ").as_str()),
                        "{from} -> {t} changes level without saying so: {}",
                        s.note
                    );
                }
            }
            match s.kind {
                StatementKind::None => assert!(s.to.is_empty()),
                StatementKind::Split => assert!(s.to.len() >= 2),
                _ => assert_eq!(s.to.len(), 1, "{from}"),
            }
            if s.see.is_some() {
                assert_eq!(s.kind, StatementKind::None, "{from}");
            }
            if matches!(s.kind, StatementKind::None | StatementKind::Split) {
                assert!(!s.note.is_empty(), "{from}: say why");
            }
        }
        // Every link between different outcomes is borne out by some statement, and every
        // comparable link carries statements.
        for link in &mapping.links {
            let (Some(f), Some(t)) = (&link.from, &link.to) else {
                continue;
            };
            let used = used_links.contains(&(f.to_string(), t.to_string()));
            if !link.relation.is_principal() || link.comparable {
                assert!(used, "{f} -> {t} ({:?}) has no statement", link.relation);
            }
        }
        // Removed outcomes carry nothing as they stand, and no statement lands in an added
        // outcome except through a lineage link.
        for link in mapping
            .links
            .iter()
            .filter(|l| l.relation == Relation::Added)
        {
            let to = link.to.as_ref().unwrap().as_str();
            for s in map.statements.iter().filter(|s| {
                s.to.iter()
                    .any(|t| t.as_str().starts_with(&format!("{to}.")))
            }) {
                let from = outcome(s.from.as_str());
                assert!(
                    mapping.links_from(&from).any(|l| l
                        .to
                        .as_ref()
                        .is_some_and(|t| t.as_str() == to)
                        && !l.relation.is_principal())
                );
            }
        }
    }

    #[test]
    fn pairs_by_kind() {
        let counts = shipped().counts();
        let get = |k| counts[&k];
        assert_eq!(get(StatementKind::Same), 259);
        assert_eq!(get(StatementKind::Reworded), 157);
        assert_eq!(get(StatementKind::Split), 5);
        assert_eq!(get(StatementKind::Merged), 2);
        assert_eq!(get(StatementKind::None), 26);
        // frameworks/README.md states the same figures.
        let readme = include_str!("../../../../frameworks/README.md");
        for (kind, n) in &counts {
            let row = format!("| `{}` | {n} |", kind.key());
            assert!(readme.contains(&row), "README lacks `{row}`");
        }
    }

    /// Pairs checked by hand against the official wording; a wrong edit of the map fails here.
    #[test]
    fn hand_checked_pairs() {
        let map = shipped();
        let to = |from: &str| refs(&map.get(from).unwrap().to);
        let kind = |from: &str| map.get(from).unwrap().kind;
        // C1.a: "indicators of compromise are readily detected" is not "some monitoring of
        // users and systems" (what it became by position); it moved to C1.c.
        assert_eq!(to("C1.a.PA.2"), ["C1.c.PA.1"]);
        assert_eq!(to("C1.a.NA.2"), ["C1.c.NA.4"]);
        // Some user monitoring: v4.0 asks about systems too, so nothing carries.
        assert_eq!(kind("C1.a.PA.3"), StatementKind::None);
        assert_eq!(
            map.get("C1.a.PA.3").unwrap().see.as_ref().unwrap().as_str(),
            "C1.a.PA.2"
        );
        // C1.d's statements are in C1.f and C1.c, none in v4.0 C1.d.
        assert_eq!(to("C1.d.NA.1"), ["C1.f.NA.1"]);
        assert_eq!(to("C1.d.A.2"), ["C1.c.A.2"]);
        assert_eq!(to("C1.d.A.4"), ["C1.f.A.1"]);
        let c1d: Vec<&StatementLink> = map
            .statements
            .iter()
            .filter(|s| s.from.as_str().starts_with("C1.d."))
            .collect();
        assert_eq!(c1d.len(), 12);
        assert!(c1d.iter().all(|s| s.kind != StatementKind::None
            && s.to.iter().all(|t| !t.as_str().starts_with("C1.d."))));
        // C2.a's abnormalities went to C1.f.
        assert_eq!(to("C2.a.NA.2"), ["C1.f.NA.5"]);
        // Unchanged statement moved along by an inserted one.
        assert_eq!(to("A1.c.NA.4"), ["A1.c.NA.5"]);
        assert_eq!(kind("A1.c.NA.4"), StatementKind::Same);
        // Assurance moved with its outcome.
        assert_eq!(to("A2.b.A.5"), ["A2.c.A.5"]);
        // Threat analysis moved to the new Understanding Threat.
        assert_eq!(to("A2.a.PA.6"), ["A2.b.PA.1"]);
        // One statement became two.
        assert_eq!(to("B5.b.A.1"), ["B5.b.A.1", "B5.b.A.2"]);
        assert_eq!(kind("B5.b.A.1"), StatementKind::Split);
        // v4.0 added a second requirement.
        assert_eq!(kind("B4.b.PA.6"), StatementKind::None);
        // Moved from achieved to partially achieved.
        assert_eq!(to("B4.b.A.6"), ["B4.b.PA.7"]);
        // B4.a keeps its statements; the new A.6 has no counterpart.
        assert_eq!(to("B4.a.A.5"), ["B4.a.A.5"]);
        assert_eq!(map.sources_of("B4.a.A.6").count(), 0);
        // Merged: indicators of compromise and abnormalities.
        assert_eq!(kind("C1.a.A.3"), StatementKind::Merged);
        assert_eq!(kind("C2.b.A.1"), StatementKind::Merged);
        assert_eq!(to("C2.b.A.1"), ["C1.c.A.1"]);
        // Statements the v4.0 reconciliation added (frameworks/README.md): each has its v3.2
        // counterpart. The contracts sentence of v3.2 A4.a.A.4 is the new achieved A.10
        // (v4.0 also keeps it at partially achieved, where v3.2 PA.3 already carries it).
        assert_eq!(to("B1.b.NA.6"), ["B1.b.NA.6"]);
        assert_eq!(kind("B1.b.NA.6"), StatementKind::Same);
        assert_eq!(to("A4.a.A.4"), ["A4.a.A.10", "A4.a.A.6"]);
        assert_eq!(to("A4.a.PA.3"), ["A4.a.PA.4"]);
        let sources = |to: &str| {
            map.sources_of(to)
                .map(|s| s.from.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(sources("A4.a.A.10"), ["A4.a.A.4"]);
        assert_eq!(sources("B1.b.NA.6"), ["B1.b.NA.6"]);
    }

    #[test]
    fn merged_statements_need_every_part() {
        let map = shipped();
        let r = |s: &str| IndicatorRef::checked(s.to_string());
        let ioc = r("C1.a.A.3");
        let abnormal = r("C2.b.A.1");
        assert!(map.translate([&ioc]).is_empty());
        assert!(map.translate([&abnormal]).is_empty());
        let both = map.translate([&ioc, &abnormal]);
        assert_eq!(both.into_iter().collect::<Vec<_>>(), [r("C1.c.A.1")]);
        let split = map.translate([&r("B5.b.PA.1")]);
        assert_eq!(split.len(), 2);
        assert!(map.translate([&r("B4.b.PA.6")]).is_empty());
    }

    #[test]
    fn problems_are_reported_where_they_are() {
        let text = r#"from = "caf-3.2"
to = "caf-4.0"
statements = [
  { from = "A1.a.NA.1", to = "A1.a.NA.9", kind = "same" },
  { from = "A1.a.NA.2", to = "B1.a.NA.2", kind = "same" },
  { from = "A1.a.NA.3", to = "A1.a.A.1", kind = "reworded" },
  { from = "A1.a.NA.3", kind = "none" },
  { from = "A1.a.NA.4", to = ["A1.a.NA.4"], kind = "split", note = "one" },
  { from = "A1.a.A.1", to = "A1.a.A.1", kind = "merged" },
  { from = "A1.a.A.2", kind = "none", see = "B1.a.A.1" },
  { from = "Z9.z.A.1", kind = "none" },
]
"#;
        let diags = parse(text).unwrap_err();
        let found: Vec<(&str, usize)> = diags
            .iter()
            .filter(|d| !["incomplete-mapping", "more-problems"].contains(&d.code.as_str()))
            .map(|d| (d.code.as_str(), d.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            found,
            [
                ("unknown-indicator", 4),
                ("invalid-mapping", 5),
                ("invalid-mapping", 6),
                ("duplicate-id", 7),
                ("invalid-mapping", 8),
                ("invalid-mapping", 9),
                ("invalid-mapping", 10),
                ("unknown-indicator", 11),
            ],
            "{diags:#?}"
        );
        // At most `MAX_PER_CODE` of a kind are listed; the last diagnostic counts the rest.
        let incomplete = diags
            .iter()
            .filter(|d| d.code.as_str() == "incomplete-mapping")
            .count();
        assert_eq!(incomplete, crate::diagnostic::MAX_PER_CODE);
        let more = diags.last().unwrap();
        assert_eq!(more.code.as_str(), "more-problems");
        let rest = 449 - 6 - incomplete;
        assert!(
            more.message.starts_with(&format!("{rest} more problems")),
            "{}",
            more.message
        );
    }
}

//! The review file as an editable document: the skeleton `caf review --init` writes, and the
//! writer that puts each answer of the walk-through into the file without disturbing
//! anything else in it.
//!
//! Like the assessment writer ([`crate::walkthrough::writer`]), it holds a `toml_edit`
//! document and touches only the keys that changed: comments, key order, blank lines and the
//! formatting of untouched values survive hand edits between sessions. A key written for the
//! first time replaces its commented-out placeholder (`# decision = "..."`) and goes where a
//! reader expects it in its table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::walk::{Edit, ReviewChange};
use super::{ObjectiveNotes, OutcomeReview, Overall, Recommendation, ReviewType};
use crate::assessment::LoadedAssessment;
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::error::{Error, Result};
use crate::framework::Status;
use crate::fsutil;
use crate::scoring;
use crate::walkthrough::writer::set;

/// The keys of an outcome's review, in the order a new key is placed among them.
const OUTCOME_KEYS: [&str; 4] = ["decision", "statements", "comment", "recommendations"];

/// Text for a `#` comment: one line, no control characters.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn table(prefix: &str) -> Table {
    let mut t = Table::new();
    t.decor_mut().set_prefix(prefix);
    t
}

fn blank_strings(t: &mut Table, pairs: &[(&str, &str)]) {
    for (key, value) in pairs {
        t.insert(key, toml_edit::value(*value));
    }
}

/// The skeleton of a new review: the pairing, every outcome with the self-assessed status and
/// the decision left to the reviewer, every objective's notes.
pub fn skeleton(
    assessment: &LoadedAssessment,
    assessment_path: &str,
    kind: ReviewType,
    reviewer: &str,
) -> String {
    let framework = &assessment.framework;
    let card = scoring::score(
        framework,
        &assessment.assessment,
        assessment.profile(None).ok().flatten(),
    );
    let mut doc = DocumentMut::new();
    let root = doc.as_table_mut();
    root.insert("assessment", toml_edit::value(assessment_path));
    root.insert(
        "assessment_sha256",
        toml_edit::value(assessment.content_hash()),
    );
    root.insert("type", toml_edit::value(kind.key()));
    root.insert("status", toml_edit::value("to-do"));
    root.insert("version", toml_edit::value(1));
    if let Some(mut key) = root.key_mut("assessment") {
        key.leaf_decor_mut().set_prefix(format!(
            "# Assurance review of {} ({}).\n# Fill in each outcome's decision (achieved, partially-achieved, not-achieved),\n# whether you agree with each statement (`statements = {{ \"A1.a.A.1\" = false }}`), comments and\n# recommendations; then set status to in-progress, completed or finalised.\n",
            comment_text(&assessment.assessment.organisation.name),
            framework.id
        ));
    }
    let mut who = table("\n");
    blank_strings(&mut who, &[("name", reviewer), ("organisation", "")]);
    root.insert("reviewer", Item::Table(who));
    let mut overall = table("\n");
    blank_strings(
        &mut overall,
        &[
            (
                "period",
                assessment.assessment.period.as_deref().unwrap_or(""),
            ),
            ("evidence_quality", ""),
            ("method", ""),
            ("company", ""),
            ("summary", ""),
        ],
    );
    root.insert("overall", Item::Table(overall));
    let mut objectives = Table::new();
    objectives.set_implicit(true);
    for objective in &framework.objectives {
        let mut t = table("\n");
        t.decor_mut()
            .set_suffix(format!("  # {}", comment_text(&objective.title)));
        blank_strings(&mut t, &[("good_practice", ""), ("improvement", "")]);
        objectives.insert(&objective.id, Item::Table(t));
    }
    root.insert("objectives", Item::Table(objectives));
    let mut outcomes = Table::new();
    outcomes.set_implicit(true);
    for score in &card.outcomes {
        let target = score
            .target
            .map_or(String::new(), |t| format!(", target {}", t.key()));
        let mut t = table("\n");
        t.decor_mut().set_suffix(format!(
            "  # {}: self-assessed {}{target}",
            comment_text(&score.title),
            score.status.key()
        ));
        t.insert("comment", toml_edit::value(""));
        let suggested = if score.status == Status::NotAssessed {
            "not-achieved"
        } else {
            score.status.key()
        };
        if let Some(mut key) = t.key_mut("comment") {
            key.leaf_decor_mut().set_prefix(format!(
                "# decision = \"{suggested}\"\n# recommendations = [{{ risk = \"...\", text = \"...\" }}]\n"
            ));
        }
        outcomes.insert(&score.id, Item::Table(t));
    }
    root.insert("outcomes", Item::Table(outcomes));
    doc.to_string()
}

/// A review file held as an editable document.
#[derive(Debug, Clone)]
pub struct ReviewFile {
    path: PathBuf,
    doc: DocumentMut,
    /// The file had Windows line endings, and keeps them.
    crlf: bool,
}

impl ReviewFile {
    pub fn open(path: &Path) -> Result<Self> {
        let source = fsutil::read_source(path)?;
        Self::from_text(path, source.text())
    }

    pub fn from_text(path: &Path, text: &str) -> Result<Self> {
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let source = SourceFile::new(path.display().to_string(), text.to_string());
            Error::Invalid(vec![
                Diagnostic::error(Code::InvalidToml, e.message().to_string())
                    .at(&source, e.span().unwrap_or(0..0))
                    .help("fix the file's TOML syntax at this position"),
            ])
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            doc,
            crlf: text.contains("\r\n"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> String {
        crate::walkthrough::writer::keep_line_endings(self.crlf, self.doc.to_string())
    }

    /// Writes the document atomically: a temporary file, fsync, rename.
    pub fn save(&self) -> Result<()> {
        fsutil::write_atomic(&self.path, self.text().as_bytes())
    }

    /// Puts a change into the document (not yet on disk).
    pub fn apply(&mut self, change: &ReviewChange) {
        for edit in &change.edits {
            self.apply_edit(edit);
        }
    }

    fn apply_edit(&mut self, edit: &Edit) {
        let root = self.doc.as_table_mut();
        match edit {
            Edit::Status(status) => set(root, "status", Some(Value::from(status.key()))),
            Edit::Version(version) => set(root, "version", Some(Value::from(i64::from(*version)))),
            Edit::ReviewerOrganisation(name) => {
                let t = section(root, "reviewer");
                set(t, "organisation", Some(Value::from(name.as_str())));
            }
            Edit::Overall { before, after } => {
                let t = section(root, "overall");
                let fields = |o: &Overall| {
                    [
                        ("period", o.period.clone()),
                        ("evidence_quality", o.evidence_quality.clone()),
                        ("method", o.method.clone()),
                        ("company", o.company.clone()),
                        ("summary", o.summary.clone()),
                    ]
                };
                for ((key, old), (_, new)) in fields(before).into_iter().zip(fields(after)) {
                    if old != new || !t.contains_key(key) {
                        set(t, key, Some(Value::from(new)));
                    }
                }
            }
            Edit::Objective { id, before, after } => {
                let Some(t) = subsection(root, "objectives", id).as_table_like_mut() else {
                    return;
                };
                let fields = |n: &ObjectiveNotes| {
                    [
                        ("good_practice", n.good_practice.clone()),
                        ("improvement", n.improvement.clone()),
                    ]
                };
                for ((key, old), (_, new)) in fields(before).into_iter().zip(fields(after)) {
                    if old != new || !t.contains_key(key) {
                        set(t, key, Some(Value::from(new)));
                    }
                }
            }
            Edit::Outcome { id, before, after } => {
                update_outcome(
                    subsection(root, "outcomes", id),
                    &before.clone().unwrap_or_default(),
                    after,
                );
            }
        }
    }
}

/// The top-level table `name`, made when absent.
fn section<'a>(root: &'a mut Table, name: &str) -> &'a mut dyn TableLike {
    if !root.get(name).is_some_and(Item::is_table_like) {
        root.insert(name, Item::Table(table("\n")));
    }
    root.get_mut(name)
        .and_then(Item::as_table_like_mut)
        .expect("made above")
}

/// The table `[parent.id]`, made (after the others) when absent.
fn subsection<'a>(root: &'a mut Table, parent: &str, id: &str) -> &'a mut Item {
    if !root.get(parent).is_some_and(Item::is_table_like) {
        let mut t = Table::new();
        t.set_implicit(true);
        root.insert(parent, Item::Table(t));
    }
    let parent = root
        .get_mut(parent)
        .and_then(Item::as_table_like_mut)
        .expect("made above");
    if !parent.get(id).is_some_and(Item::is_table_like) {
        parent.insert(id, Item::Table(table("\n")));
    }
    parent.get_mut(id).expect("made above")
}

fn update_outcome(item: &mut Item, before: &OutcomeReview, after: &OutcomeReview) {
    let Some(t) = item.as_table_like_mut() else {
        return;
    };
    let mut new = Vec::new();
    if before.decision != after.decision || !t.contains_key("decision") {
        let value = after.decision.map(|d| Value::from(d.key()));
        new.extend(put(t, "decision", value));
    }
    if before.statements != after.statements {
        let mut inline = InlineTable::new();
        for (reference, agrees) in &after.statements {
            inline.insert(reference, Value::from(*agrees));
        }
        let value = (!after.statements.is_empty()).then(|| Value::InlineTable(inline));
        new.extend(put(t, "statements", value));
    }
    if before.comment != after.comment || !t.contains_key("comment") {
        new.extend(put(t, "comment", Some(Value::from(after.comment.as_str()))));
    }
    if before.recommendations != after.recommendations {
        new.extend(set_recommendations(t, &after.recommendations));
    }
    if let Some(table) = item.as_table_mut() {
        for key in new {
            place(table, key);
        }
    }
}

fn recommendation_table(r: &Recommendation) -> InlineTable {
    let mut t = InlineTable::new();
    t.insert("risk", Value::from(r.risk.as_str()));
    t.insert("text", Value::from(r.text.as_str()));
    t
}

/// Recommendations as an inline array (one per line when there are several), unless the file
/// already uses `[[outcomes."ID".recommendations]]` tables, whose style is kept.
fn set_recommendations(t: &mut dyn TableLike, list: &[Recommendation]) -> Option<&'static str> {
    if list.is_empty() {
        return put(t, "recommendations", None);
    }
    if let Some(Item::ArrayOfTables(old)) = t.get_mut("recommendations") {
        let mut tables = ArrayOfTables::new();
        for r in list {
            tables.push(recommendation_table(r).into_table());
        }
        *old = tables;
        return None;
    }
    let mut array = Array::new();
    for r in list {
        array.push(recommendation_table(r));
    }
    if list.len() > 1 {
        for item in array.iter_mut() {
            item.decor_mut().set_prefix("\n    ");
        }
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    }
    put(t, "recommendations", Some(Value::Array(array)))
}

/// [`set`]; a key written for the first time takes the place of its commented-out
/// placeholder, whose line goes. Returns the key when it is new (for [`place`]).
fn put(t: &mut dyn TableLike, key: &'static str, value: Option<Value>) -> Option<&'static str> {
    let new = value.is_some() && !t.contains_key(key);
    set(t, key, value);
    if !new {
        return None;
    }
    let placeholder = format!("# {key} =");
    for (mut k, _) in t.iter_mut() {
        let decor = k.leaf_decor_mut();
        let Some(prefix) = decor.prefix().and_then(|p| p.as_str()).map(str::to_string) else {
            continue;
        };
        if prefix.contains(&placeholder) {
            let kept: String = prefix
                .split_inclusive('\n')
                .filter(|line| !line.trim_start().starts_with(&placeholder))
                .collect();
            decor.set_prefix(kept);
        }
    }
    Some(key)
}

/// Moves a new key before the first key that follows it in [`OUTCOME_KEYS`].
fn place(table: &mut Table, key: &str) {
    let rank = |k: &str| OUTCOME_KEYS.iter().position(|o| *o == k);
    let mine = rank(key).unwrap_or(usize::MAX);
    let mut order: HashMap<String, usize> = HashMap::new();
    let mut slot = None;
    for (i, (k, _)) in table.iter().enumerate() {
        order.insert(k.to_string(), 2 * i + 1);
        if slot.is_none() && k != key && rank(k).is_some_and(|r| r > mine) {
            slot = Some(2 * i);
        }
    }
    if let Some(slot) = slot {
        order.insert(key.to_string(), slot);
        table.sort_values_by(|a, _, b, _| order[a.get()].cmp(&order[b.get()]));
    }
}

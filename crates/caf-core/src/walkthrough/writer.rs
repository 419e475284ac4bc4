//! Writes answers into an assessment file without disturbing anything else in it.
//!
//! People keep these files in git and edit them by hand between sessions, so the file is never
//! re-serialised: it is held as a `toml_edit` document and only the keys of one
//! `[outcomes."ID"]` table that actually changed are touched. Comments, key order, blank lines
//! and the formatting of untouched values survive. A replaced value keeps its decor (its
//! trailing `# comment`), which `toml_edit` would otherwise drop.
//!
//! A new outcome table goes where a reader expects it: in place of the commented-out
//! placeholder that `caf init` writes under each outcome's heading, or else next to the
//! outcomes around it in framework order.

use std::path::{Path, PathBuf};

use toml_edit::{
    Array, ArrayOfTables, DocumentMut, InlineTable, Item, RawString, Table, TableLike, Value,
};

use super::Change;
use crate::assessment::{Answer, Date, Evidence, Override};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::error::{Error, Result};
use crate::framework::Framework;
use crate::fsutil;
use crate::plan::Action as PlanAction;

/// An assessment file held as an editable document.
#[derive(Debug, Clone)]
pub struct AnswerFile {
    path: PathBuf,
    doc: DocumentMut,
    /// The file had Windows line endings, and keeps them.
    crlf: bool,
}

impl AnswerFile {
    pub fn open(path: &Path) -> Result<Self> {
        let source = crate::fsutil::read_source(path)?;
        Self::from_text(path, source.text())
    }

    pub fn from_text(path: &Path, text: &str) -> Result<Self> {
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let source = SourceFile::new(path.display().to_string(), text.to_string());
            let span = e.span().unwrap_or(0..0);
            Error::Invalid(vec![
                Diagnostic::error(Code::InvalidToml, e.message().to_string())
                    .at(&source, span)
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
        keep_line_endings(self.crlf, self.doc.to_string())
    }

    /// Puts a change into the document (not yet on disk).
    pub fn apply(&mut self, framework: &Framework, change: &Change, note: Option<&str>) {
        update_answer(&mut self.doc, framework, change, note);
    }

    /// Puts a plan change into the document (not yet on disk).
    pub fn apply_plan(&mut self, framework: &Framework, change: &super::PlanChange) {
        update_plan(
            &mut self.doc,
            framework,
            change.id.as_str(),
            &change.before,
            &change.after,
        );
    }

    /// Writes the document atomically: a temporary file, fsync, rename.
    pub fn save(&self) -> Result<()> {
        fsutil::write_atomic(&self.path, self.text().as_bytes())
    }

    /// Applies a change and saves it before returning.
    pub fn record(&mut self, framework: &Framework, change: &Change) -> Result<()> {
        self.apply(framework, change, None);
        self.save()
    }
}

/// Updates one `[outcomes."ID"]` table so it says `change.after`, touching only the keys that
/// differ from `change.before`. `note` becomes a comment line above a newly created table.
pub fn update_answer(
    doc: &mut DocumentMut,
    framework: &Framework,
    change: &Change,
    note: Option<&str>,
) {
    let id = change.id.as_str();
    let exists = doc
        .get("outcomes")
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.contains_key(id));
    if !exists {
        insert_table(doc, framework, id, new_table(&change.after), note);
        return;
    }
    let entry = doc
        .get_mut("outcomes")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.get_mut(id))
        .and_then(Item::as_table_like_mut)
        .expect("checked above that the outcome's table exists");
    let before = change.before.clone().unwrap_or_default();
    let after = &change.after;
    if before.selected != after.selected {
        set(
            entry,
            "selected",
            Some(strings(after.selected.iter().map(|r| r.as_str()))),
        );
    }
    if before.comment != after.comment {
        set(entry, "comment", after.comment.as_deref().map(Value::from));
    }
    if before.evidence != after.evidence {
        set_evidence(entry, &after.evidence);
    }
    if before.suppliers != after.suppliers {
        let value = (!after.suppliers.is_empty())
            .then(|| strings(after.suppliers.iter().map(String::as_str)));
        set(entry, "suppliers", value);
    }
    if before.override_ != after.override_ {
        set_override(entry, after.override_.as_ref());
    }
    if before.needs_review != after.needs_review {
        set(
            entry,
            "needs_review",
            after.needs_review.then(|| Value::from(true)),
        );
    }
}

/// Rewrites one outcome's `plan` from `before` to `after`, touching only the actions, and the
/// keys of an action, that differ. The file's style is kept: an inline array stays one (new
/// actions formatted like the last one), `[[outcomes."ID".plan]]` tables stay tables. An
/// outcome table left empty by removing its plan is removed too, because an empty table would
/// read as an answer with nothing selected.
pub fn update_plan(
    doc: &mut DocumentMut,
    framework: &Framework,
    id: &str,
    before: &[PlanAction],
    after: &[PlanAction],
) {
    let Some(outcomes) = doc.get_mut("outcomes").and_then(Item::as_table_like_mut) else {
        if !after.is_empty() {
            insert_table(doc, framework, id, plan_table(after), None);
        }
        return;
    };
    let Some(entry) = outcomes.get_mut(id).and_then(Item::as_table_like_mut) else {
        if !after.is_empty() {
            insert_table(doc, framework, id, plan_table(after), None);
        }
        return;
    };
    if after.is_empty() {
        entry.remove("plan");
        if entry.is_empty() {
            outcomes.remove(id);
        }
        return;
    }
    match entry.get_mut("plan") {
        Some(Item::ArrayOfTables(tables)) => {
            for (i, action) in after.iter().enumerate() {
                match tables.get_mut(i) {
                    Some(table) => set_action(table, before.get(i), action),
                    None => tables.push(action_table(action).into_table()),
                }
            }
            while tables.len() > after.len() {
                tables.remove(tables.len() - 1);
            }
        }
        Some(Item::Value(Value::Array(array))) => {
            for (i, action) in after.iter().enumerate() {
                match array.get_mut(i) {
                    Some(Value::InlineTable(table)) => set_action(table, before.get(i), action),
                    Some(other) => {
                        let decor = other.decor().clone();
                        *other = Value::InlineTable(action_table(action));
                        *other.decor_mut() = decor;
                    }
                    None => {
                        let mut value = Value::InlineTable(action_table(action));
                        if let Some(last) = array.iter().last() {
                            let prefix = last.decor().prefix().and_then(|p| p.as_str());
                            value
                                .decor_mut()
                                .set_prefix(prefix.unwrap_or(" ").to_string());
                        }
                        array.push_formatted(value);
                    }
                }
            }
            while array.len() > after.len() {
                array.remove(array.len() - 1);
            }
        }
        _ => set(entry, "plan", Some(plan_array(after))),
    }
}

fn plan_table(actions: &[PlanAction]) -> Table {
    let mut table = Table::new();
    table.insert("plan", Item::Value(plan_array(actions)));
    table
}

/// A plan as an inline array, one action per line when there are several.
fn plan_array(actions: &[PlanAction]) -> Value {
    let mut array: Array = (actions.iter())
        .map(|a| Value::InlineTable(action_table(a)))
        .collect();
    if actions.len() > 1 {
        for value in array.iter_mut() {
            value.decor_mut().set_prefix("\n  ");
        }
        array.set_trailing("\n");
        array.set_trailing_comma(true);
    }
    Value::Array(array)
}

fn due_value(date: Date) -> Value {
    Value::from(toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: date.year,
            month: date.month,
            day: date.day,
        }),
        time: None,
        offset: None,
    })
}

fn action_table(a: &PlanAction) -> InlineTable {
    let mut t = InlineTable::new();
    t.insert("action", Value::from(a.action.as_str()));
    if let Some(owner) = &a.owner {
        t.insert("owner", Value::from(owner.as_str()));
    }
    if let Some(due) = a.due {
        t.insert("due", due_value(due));
    }
    t.insert("status", Value::from(a.status.key()));
    if let Some(note) = &a.note {
        t.insert("note", Value::from(note.as_str()));
    }
    t
}

/// Updates the keys of one action that differ from `before` (all of them when there was none).
/// A planned action keeps having no `status` key if it had none.
fn set_action(table: &mut dyn TableLike, before: Option<&PlanAction>, a: &PlanAction) {
    let differs = |f: &dyn Fn(&PlanAction) -> bool| before.is_none_or(f);
    if differs(&|b| b.action != a.action) {
        set(table, "action", Some(Value::from(a.action.as_str())));
    }
    if differs(&|b| b.owner != a.owner) {
        set(table, "owner", a.owner.as_deref().map(Value::from));
    }
    if differs(&|b| b.due != a.due) {
        set(table, "due", a.due.map(due_value));
    }
    if differs(&|b| b.status != a.status) {
        set(table, "status", Some(Value::from(a.status.key())));
    }
    if differs(&|b| b.note != a.note) {
        set(table, "note", a.note.as_deref().map(Value::from));
    }
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(items.collect::<Array>())
}

fn evidence_table(e: &Evidence) -> InlineTable {
    let mut t = InlineTable::new();
    t.insert("title", Value::from(e.title.as_str()));
    if !e.location.is_empty() {
        t.insert("location", Value::from(e.location.as_str()));
    }
    t
}

fn override_table(o: &Override) -> InlineTable {
    let mut t = InlineTable::new();
    t.insert("status", Value::from(o.status.key()));
    t.insert("justification", Value::from(o.justification.as_str()));
    t
}

fn new_table(answer: &Answer) -> Table {
    let mut table = Table::new();
    table.insert(
        "selected",
        Item::Value(strings(answer.selected.iter().map(|r| r.as_str()))),
    );
    if let Some(comment) = &answer.comment {
        table.insert("comment", Item::Value(comment.as_str().into()));
    }
    if !answer.evidence.is_empty() {
        set_evidence(&mut table, &answer.evidence);
    }
    if !answer.suppliers.is_empty() {
        table.insert(
            "suppliers",
            Item::Value(strings(answer.suppliers.iter().map(String::as_str))),
        );
    }
    if let Some(o) = &answer.override_ {
        table.insert(
            "override",
            Item::Value(Value::InlineTable(override_table(o))),
        );
    }
    if answer.needs_review {
        table.insert("needs_review", Item::Value(true.into()));
    }
    table
}

/// Sets or removes a key, keeping the old value's decor (its comments) on the new one.
pub(crate) fn set(table: &mut dyn TableLike, key: &str, value: Option<Value>) {
    match value {
        None => {
            table.remove(key);
        }
        Some(mut value) => match table.get_mut(key) {
            Some(Item::Value(old)) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            Some(other) => *other = Item::Value(value),
            None => {
                table.insert(key, Item::Value(value));
            }
        },
    }
}

/// Evidence is written as an inline array, unless the file already uses `[[...evidence]]`
/// tables, whose style is kept.
fn set_evidence(table: &mut dyn TableLike, evidence: &[Evidence]) {
    if evidence.is_empty() {
        table.remove("evidence");
        return;
    }
    if let Some(Item::ArrayOfTables(old)) = table.get_mut("evidence") {
        let mut tables = ArrayOfTables::new();
        for e in evidence {
            tables.push(evidence_table(e).into_table());
        }
        // Keep the decor of the tables that were there.
        for (new, old) in tables.iter_mut().zip(old.iter()) {
            *new.decor_mut() = old.decor().clone();
        }
        *old = tables;
        return;
    }
    let mut array: Array = evidence
        .iter()
        .map(|e| Value::InlineTable(evidence_table(e)))
        .collect();
    if evidence.len() > 1 {
        for value in array.iter_mut() {
            value.decor_mut().set_prefix("\n  ");
        }
        array.set_trailing("\n");
        array.set_trailing_comma(true);
    }
    set(table, "evidence", Some(Value::Array(array)));
}

/// An override is an inline table, unless the file already has an `[outcomes."ID".override]`
/// table, which is updated in place.
fn set_override(table: &mut dyn TableLike, o: Option<&Override>) {
    let Some(o) = o else {
        table.remove("override");
        return;
    };
    if let Some(existing) = table.get_mut("override").and_then(Item::as_table_like_mut) {
        set(existing, "status", Some(Value::from(o.status.key())));
        set(
            existing,
            "justification",
            Some(Value::from(o.justification.as_str())),
        );
        return;
    }
    set(
        table,
        "override",
        Some(Value::InlineTable(override_table(o))),
    );
}

/// A table's place in the document: the keys leading to it, with an index into arrays of tables.
type Address = Vec<(String, Option<usize>)>;

/// Every table below the root, in the order `toml_edit` writes them.
fn table_order(doc: &DocumentMut) -> Vec<Address> {
    fn visit(table: &Table, path: &mut Address, last: &mut isize, out: &mut Vec<(isize, Address)>) {
        if !table.is_dotted() && !path.is_empty() {
            if let Some(p) = table.position() {
                *last = p;
            }
            out.push((*last, path.clone()));
        }
        for (key, item) in table.iter() {
            match item {
                Item::Table(t) => {
                    path.push((key.to_string(), None));
                    visit(t, path, last, out);
                    path.pop();
                }
                Item::ArrayOfTables(a) => {
                    for (i, t) in a.iter().enumerate() {
                        path.push((key.to_string(), Some(i)));
                        visit(t, path, last, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    let mut last = doc.as_table().position().unwrap_or(0);
    visit(doc.as_table(), &mut Vec::new(), &mut last, &mut out);
    out.sort_by_key(|(p, _)| *p);
    out.into_iter().map(|(_, a)| a).collect()
}

fn table_at<'a>(root: &'a mut Table, address: &[(String, Option<usize>)]) -> Option<&'a mut Table> {
    let mut table = root;
    for (key, index) in address {
        table = match (table.get_mut(key)?, index) {
            (Item::Table(t), None) => t,
            (Item::ArrayOfTables(a), Some(i)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(table)
}

fn prefix_of(table: &Table) -> String {
    table
        .decor()
        .prefix()
        .and_then(RawString::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Splits `text` around the commented-out placeholder for `id` (the `# [outcomes."ID"]` line
/// and the commented keys under it); `None` when there is no placeholder.
fn split_placeholder(text: &str, id: &str) -> Option<(String, String)> {
    let header = format!("[outcomes.\"{id}\"]");
    let uncomment = |line: &str| line.trim().trim_start_matches('#').trim().to_string();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| uncomment(l) == header)?;
    let keys = [
        "selected",
        "comment",
        "evidence",
        "suppliers",
        "override",
        "needs_review",
    ];
    let mut end = start + 1;
    while end < lines.len() {
        let line = uncomment(lines[end]);
        let is_key = lines[end].trim_start().starts_with('#')
            && keys.iter().any(|k| {
                line.strip_prefix(k)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            });
        if !is_key {
            break;
        }
        end += 1;
    }
    Some((lines[..start].concat(), lines[end..].concat()))
}

fn insert_table(
    doc: &mut DocumentMut,
    framework: &Framework,
    id: &str,
    mut table: Table,
    note: Option<&str>,
) {
    let order = table_order(doc);
    let outcome_of = |address: &Address| -> Option<usize> {
        match address.as_slice() {
            [(first, None), (id, None), ..] if first == "outcomes" => framework.position(id),
            _ => None,
        }
    };
    let mine = framework.position(id).unwrap_or(usize::MAX);

    // Where the placeholder is: in some table's prefix, or after the last table.
    let mut placement: Option<(usize, String)> = None;
    for (index, address) in order.iter().enumerate() {
        let Some(holder) = table_at(doc.as_table_mut(), address) else {
            continue;
        };
        if let Some((before, after)) = split_placeholder(&prefix_of(holder), id) {
            holder.decor_mut().set_prefix(after);
            placement = Some((index, before));
            break;
        }
    }
    if placement.is_none() {
        let trailing = doc.trailing().as_str().unwrap_or_default().to_string();
        if let Some((before, after)) = split_placeholder(&trailing, id) {
            doc.set_trailing(after);
            placement = Some((order.len(), before));
        }
    }
    let (index, mut prefix) = placement.unwrap_or_else(|| {
        // After the last outcome before this one in framework order, else before the first
        // outcome after it, else at the end.
        let index = order
            .iter()
            .rposition(|a| outcome_of(a).is_some_and(|p| p < mine))
            .map(|i| i + 1)
            .or_else(|| {
                order
                    .iter()
                    .position(|a| outcome_of(a).is_some_and(|p| p > mine))
            })
            .unwrap_or(order.len());
        (index, "\n".to_string())
    });
    if let Some(note) = note {
        if prefix.is_empty() {
            prefix.push('\n');
        }
        for line in note.lines() {
            prefix.push_str(&format!("# {line}\n"));
        }
    }
    table.decor_mut().set_prefix(prefix);

    let outcomes = doc.as_table_mut().entry("outcomes").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    match outcomes {
        Item::Table(t) => {
            t.insert(id, Item::Table(table));
        }
        other => {
            // `outcomes = { ... }` written inline by hand: stay inline.
            if let Some(t) = other.as_table_like_mut() {
                t.insert(
                    id,
                    Item::Value(Value::InlineTable(table.into_inline_table())),
                );
            }
            return;
        }
    }

    let mut addresses = order;
    addresses.insert(index, vec![("outcomes".into(), None), (id.into(), None)]);
    let root = doc.as_table_mut();
    for (position, address) in addresses.iter().enumerate() {
        if let Some(t) = table_at(root, address) {
            t.set_position(Some(position as isize + 1));
        }
    }
}

/// `toml_edit` writes `\n` after every line it lays out; a file kept with Windows line endings
/// (`crlf`) keeps them throughout, its multi-line strings included.
pub(crate) fn keep_line_endings(crlf: bool, written: String) -> String {
    if crlf {
        written.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment;
    use crate::framework::{Catalog, IndicatorRef, OutcomeId, Status};
    use crate::skeleton::{self, Header};

    fn framework() -> std::sync::Arc<Framework> {
        Catalog::shipped().framework("caf-4.0").unwrap()
    }

    fn answer(refs: &[&str]) -> Answer {
        let fw = framework();
        Answer {
            selected: refs
                .iter()
                .map(|r| {
                    let outcome = r.rsplitn(3, '.').nth(2).unwrap();
                    fw.outcome(outcome)
                        .unwrap()
                        .indicator(r)
                        .unwrap()
                        .reference
                        .clone()
                })
                .collect::<Vec<IndicatorRef>>(),
            ..Answer::default()
        }
    }

    fn change(id: &str, before: Option<Answer>, after: Answer) -> Change {
        Change {
            id: OutcomeId::new(id),
            before,
            after,
        }
    }

    fn apply(text: &str, changes: &[Change]) -> String {
        let fw = framework();
        let mut doc: DocumentMut = text.parse().unwrap();
        for c in changes {
            update_answer(&mut doc, &fw, c, None);
        }
        let out = doc.to_string();
        // Whatever we write must load cleanly.
        let source = crate::diagnostic::SourceFile::new("t.toml", out.clone());
        assessment::parse(&source, &Catalog::shipped())
            .unwrap_or_else(|e| panic!("{e}\n---\n{out}"));
        out
    }

    const HAND: &str = r#"# Hand-written header comment
framework = "caf-4.0" # which framework
profile = "baseline"

[organisation]
name = "Test Council"
id = "E1"

# My notes on A1.b, keep them.
[outcomes."A1.b"]
comment = "written by hand" # keep this too
selected = ["A1.b.A.1"] # trailing note
"#;

    #[test]
    fn changes_only_what_changed_and_keeps_comments() {
        let before = Answer {
            comment: Some("written by hand".into()),
            ..answer(&["A1.b.A.1"])
        };
        let after = Answer {
            selected: answer(&["A1.b.A.1", "A1.b.A.2"]).selected,
            ..before.clone()
        };
        let out = apply(HAND, &[change("A1.b", Some(before), after)]);
        assert!(out.contains("# Hand-written header comment"));
        assert!(out.contains("framework = \"caf-4.0\" # which framework"));
        assert!(out.contains("# My notes on A1.b, keep them.\n[outcomes.\"A1.b\"]"));
        assert!(
            out.contains("comment = \"written by hand\" # keep this too\nselected"),
            "{out}"
        );
        assert!(
            out.contains("selected = [\"A1.b.A.1\", \"A1.b.A.2\"] # trailing note"),
            "{out}"
        );
    }

    #[test]
    fn new_tables_go_in_framework_order() {
        let out = apply(
            HAND,
            &[
                change("B1.a", None, answer(&["B1.a.NA.1"])),
                change("A1.a", None, answer(&["A1.a.A.1"])),
            ],
        );
        let a1a = out.find("[outcomes.\"A1.a\"]").unwrap();
        let a1b = out.find("[outcomes.\"A1.b\"]").unwrap();
        let b1a = out.find("[outcomes.\"B1.a\"]").unwrap();
        assert!(a1a < a1b && a1b < b1a, "{out}");
        // The hand comment still sits right above A1.b.
        assert!(out.contains("# My notes on A1.b, keep them.\n[outcomes.\"A1.b\"]"));
    }

    #[test]
    fn fills_the_skeleton_placeholder_in_place() {
        let fw = framework();
        let header = Header {
            name: "Test".into(),
            id: "E1".into(),
            sector: None,
            region: None,
            parent: None,
            system: None,
            assessor: None,
            period: "2026/27".into(),
            date: crate::assessment::Date::new(2026, 11, 23).unwrap(),
        };
        let text = skeleton::render(&fw, fw.profile("baseline"), &header);
        let full = Answer {
            comment: Some("Board minutes 2026-09".into()),
            evidence: vec![
                Evidence {
                    title: "Risk register".into(),
                    location: "https://intranet/risk".into(),
                },
                Evidence {
                    title: "Board minutes".into(),
                    location: String::new(),
                },
            ],
            suppliers: vec!["Acme Ltd".into()],
            override_: Some(Override {
                status: Status::PartiallyAchieved,
                justification: "Compensating controls".into(),
            }),
            needs_review: true,
            ..answer(&["A4.a.PA.1"])
        };
        let out = apply(
            &text,
            &[
                change("A1.b", None, answer(&["A1.b.A.1"])),
                change("A4.a", None, full.clone()),
            ],
        );
        assert!(
            !out.contains("# [outcomes.\"A1.b\"]"),
            "placeholder replaced"
        );
        assert!(out.contains("# [outcomes.\"A1.a\"]"), "others untouched");
        // The table sits under its own heading and before the next outcome's heading.
        let heading = out.find("# ── A1.b").unwrap();
        let table = out.find("[outcomes.\"A1.b\"]").unwrap();
        let next = out.find("# ── A1.c").unwrap();
        assert!(heading < table && table < next, "{out}");
        let loaded = assessment::parse(
            &crate::diagnostic::SourceFile::new("t.toml", out.clone()),
            &Catalog::shipped(),
        )
        .unwrap();
        assert_eq!(loaded.assessment.outcomes["A4.a"], full);
        // Removing things removes their keys.
        let cleared = Answer {
            needs_review: false,
            override_: None,
            evidence: Vec::new(),
            ..full.clone()
        };
        let out2 = apply(&out, &[change("A4.a", Some(full), cleared.clone())]);
        let loaded = assessment::parse(
            &crate::diagnostic::SourceFile::new("t.toml", out2.clone()),
            &Catalog::shipped(),
        )
        .unwrap();
        assert_eq!(loaded.assessment.outcomes["A4.a"], cleared);
        assert!(!out2.contains("needs_review"));
    }

    #[test]
    fn keeps_array_of_tables_style_for_evidence() {
        let text =
            format!("{HAND}\n[[outcomes.\"A1.b\".evidence]]\ntitle = \"Policy\" # the policy\n");
        let before = Answer {
            comment: Some("written by hand".into()),
            evidence: vec![Evidence {
                title: "Policy".into(),
                location: String::new(),
            }],
            ..answer(&["A1.b.A.1"])
        };
        let mut after = before.clone();
        after.evidence.push(Evidence {
            title: "Minutes".into(),
            location: "SharePoint".into(),
        });
        let out = apply(&text, &[change("A1.b", Some(before), after)]);
        assert_eq!(
            out.matches("[[outcomes.\"A1.b\".evidence]]").count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn a_file_with_windows_line_endings_keeps_them_after_an_answer() {
        let fw = framework();
        let text = HAND.replace('\n', "\r\n");
        let mut file = AnswerFile::from_text(Path::new("t.toml"), &text).unwrap();
        let before = Answer {
            comment: Some("written by hand".into()),
            ..answer(&["A1.b.A.1"])
        };
        let after = Answer {
            comment: Some("two lines\nof comment".into()),
            ..answer(&["A1.b.A.1", "A1.b.A.2"])
        };
        file.apply(&fw, &change("A1.b", Some(before), after), None);
        let out = file.text();
        assert_ne!(out, text);
        assert_eq!(
            out.matches('\n').count(),
            out.matches("\r\n").count(),
            "{out:?}"
        );
    }
}

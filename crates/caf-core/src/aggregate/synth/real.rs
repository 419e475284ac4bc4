//! Real-shaped assessment files: what a year of people, exports and `caf assess` leave in them.
//!
//! A reader that is fast only on the plain shape is fast only on generated files, so these
//! files carry every feature the schema and TOML allow, in proportions taken from how
//! assessments are actually kept. The rates are the constants below; a test generates
//! populations over both shipped frameworks and checks each rate within sampling tolerance.
//!
//! Per answered outcome:
//! - [`COMMENT`] 35% carry a comment: assessors explain partial answers and plans on about a
//!   third of outcomes. Of comments ([`COMMENT_FORMS`]), 55% are one-line basic strings, 15%
//!   quote something (a contract, an audit grade) in escaped `\"`, 15% are multi-line `"""`
//!   paragraphs pasted from a document, 10% literal `'…'` strings and 5% multi-line literal
//!   `'''` (editors and people who know TOML); [`UNICODE`] 20% contain non-ASCII text (`£`, en
//!   dashes, curly quotes, Welsh and other names).
//! - [`EVIDENCE`] 25% list evidence, one to three items, [`EVIDENCE_INLINE`] 60% as inline
//!   tables and the rest as `[[outcomes."X".evidence]]` tables; 20% of items have no location,
//!   and Windows share paths bring backslashes.
//! - [`OVERRIDE`] 5% (one in twenty) carry an override with a justification, always to a
//!   status the outcome's statements can reach and never to the computed one; half inline,
//!   half as a sub-table.
//! - [`SHUFFLED`] 60% of selections are in no particular order (hand edits, spreadsheet
//!   exports); the rest in framework order, as `caf assess` writes them. Selections are not
//!   the neat "every statement of one level": achieved answers often tick some
//!   partially-achieved statements too, partial ones some achieved statements, and
//!   not-achieved ones mix not-achieved and partially-achieved statements.
//! - Suppliers: [`SUPPLIERS_A4A`] 90% of A4.a answers name suppliers, [`SUPPLIERS_OTHER`] 30%
//!   of the other supply-chain outcomes.
//! - Carried answers: [`CARRY_FILE`] half the files that follow a file in the same framework
//!   were started by carrying forward; in those, [`CARRIED`] 40% of outcomes keep last
//!   period's selection, and [`NEEDS_REVIEW`] half of those are still marked `needs_review`.
//! - [`LINE_COMMENT`] 10% are preceded by a `#` comment line; 20% of outcomes have no blank
//!   line or two before them instead of one.
//!
//! Per file: [`CRLF`] 10% have Windows line endings (edited on Windows, exported by tools);
//! [`MULTILINE_SELECTED`] 30% write `selected` one statement per line with a trailing comma;
//! 80% open with `#` comment lines; 5% indent keys, 5% write outcome keys as `key="value"`,
//! 5% end without a final newline; 15% list outcomes out of framework order; the keys at the
//! top, of `[organisation]` and of each outcome are in varied order, and `[scope]` comes
//! before `[organisation]` in 30%.

use crate::framework::{Framework, IndicatorRef, Level, Outcome, Status};
use crate::scoring;

use super::super::SUPPLY_CHAIN_OUTCOMES;
use super::{FileContext, Rng, draw_suppliers};

pub const COMMENT: f64 = 0.35;
pub const COMMENT_FORMS: [(CommentForm, f64); 5] = [
    (CommentForm::Basic, 0.55),
    (CommentForm::Quoting, 0.15),
    (CommentForm::MultiLine, 0.15),
    (CommentForm::Literal, 0.10),
    (CommentForm::MultiLineLiteral, 0.05),
];
pub const UNICODE: f64 = 0.20;
pub const EVIDENCE: f64 = 0.25;
pub const EVIDENCE_INLINE: f64 = 0.6;
pub const OVERRIDE: f64 = 0.05;
pub const SHUFFLED: f64 = 0.6;
pub const SUPPLIERS_A4A: f64 = 0.9;
pub const SUPPLIERS_OTHER: f64 = 0.3;
pub const CARRY_FILE: f64 = 0.5;
pub const CARRIED: f64 = 0.4;
pub const NEEDS_REVIEW: f64 = 0.5;
pub const LINE_COMMENT: f64 = 0.1;
pub const CRLF: f64 = 0.1;
pub const MULTILINE_SELECTED: f64 = 0.3;

/// How a comment is written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentForm {
    /// `"…"` on one line.
    Basic,
    /// `"…"` quoting something, so with `\"` escapes.
    Quoting,
    /// `"""` over several lines.
    MultiLine,
    /// `'…'`.
    Literal,
    /// `'''` over several lines.
    MultiLineLiteral,
}

/// One organisation's selections in one file, by outcome position, for carrying forward.
#[derive(Debug, Clone, Default)]
pub struct Answers(Vec<Option<Vec<usize>>>);

pub(super) struct RealFile {
    /// With `\n` line endings; `crlf` says whether to write it with `\r\n`.
    pub text: String,
    pub crlf: bool,
    pub answers: Answers,
}

const SENTENCES: &[&str] = &[
    "Policy approved by the board in March; next review due in the spring.",
    "Asset register covers servers and laptops; network devices are still on a spreadsheet.",
    "Patch compliance for servers is 71%, and one legacy system cannot be patched.",
    "MFA enforced for remote access only; internal rollout due in Q1.",
    "Assurance questionnaires returned by 14 of 22 critical suppliers.",
    "Backups tested quarterly; the last full restore test was in August.",
    "Logging covers domain controllers and firewalls, not yet the cloud tenancy.",
    "Incident response plan exercised with the regional WARP in June.",
    "Awaiting evidence from the managed service provider.",
    "Risk owner changed during the year; the risk register is being re-baselined.",
    "Training completion is 88% for staff and 64% for contractors.",
    "See the board paper of 12 September for the detail.",
    "Shared service arrangement with the neighbouring authority covers this.",
    "Gap identified by the 2025 penetration test; remediation plan agreed.",
];
const QUOTING: &[&str] = &[
    "The contract says \"reasonable security measures\" and nothing more specific.",
    "Board minutes record the risk appetite as \"cautious\".",
    "Marked as \"in progress\" in the audit tracker.",
    "Internal audit rated this \"limited assurance\" (report IA-24-07).",
];
const UNICODE_SENTENCES: &[&str] = &[
    "Budget of £45k agreed for 2026–27.",
    "Reviewed with Siân Llewellyn (SIRO) – no change.",
    "Rated “partial” in last year’s return.",
    "Coverage ≥ 95% of endpoints ✓",
    "Reviewed by Zoë O’Neill and Łukasz Brzęczyszczykiewicz.",
    "Ynys Môn and Rhondda Cynon Taf sites included.",
    "Classification scheme (機密 / 内部) adopted from the parent body.",
];
/// Why an override raises the computed status, and why one lowers it.
const RAISING: &[&str] = &[
    "Compensating controls are in place through the shared service; see the assurance letter.",
    "The statements do not fit our operating model: the parent department delivers this control.",
    "Upgraded after the remediation completed in October; the statements lag behind.",
];
const LOWERING: &[&str] = &[
    "Assessor judgement after review with internal audit: the controls are not yet embedded.",
    "Downgraded: the audit found the process is not followed in practice.",
];
const EVIDENCE_TITLES: &[&str] = &[
    "Information security policy v4.2",
    "Board risk appetite statement, March 2026",
    "Asset register export",
    "Vulnerability management dashboard, September 2026",
    "Penetration test report (CHECK), summary",
    "Supplier assurance tracker",
    "Incident response exercise report",
    "Backup restore test log",
    "Training completion report, Q2",
    "Network diagram – “as is” (draft)",
];
/// What the assessment covers, by sector.
fn system(sector: &str) -> &'static str {
    match sector {
        "local-government" => "Corporate IT, social care case management and the public website",
        "health" => "Clinical systems, the data centre and Microsoft 365",
        "police" | "fire-and-rescue" => "Control room, mobile data terminals and corporate IT",
        "education" => "Student records, research computing and the campus network",
        _ => "Corporate network and line-of-business systems",
    }
}
const ASSESSORS: &[&str] = &[
    "Priya Nair, Information Security Officer",
    "Tom Hargreaves, Head of Cyber Security",
    "Siân Evans, IT Security Manager",
    "Zoë O’Brien (Deputy SIRO)",
    "Chidi Okafor, Cyber Assurance Lead",
    "Aleksandra Wójcik, Security Architect",
];

/// Writes one organisation's assessment for one period, in the real shape. `carry` is the
/// organisation's previous file in the same framework, when there is one.
pub(super) fn write(cx: &FileContext, carry: Option<&Answers>, rng: &mut Rng) -> RealFile {
    let layout = Layout::draw(rng);
    let framework = cx.framework;
    let mut t = String::with_capacity(8192);
    if rng.chance(0.8) {
        t.push_str(&format!(
            "# CAF self-assessment: {}, {}.\n",
            cx.org.name, cx.period
        ));
        if rng.chance(0.5) {
            t.push_str("# Kept by the information security team; tell the SIRO before editing.\n");
        }
        t.push('\n');
    }
    let mut top = vec![
        format!("framework = \"{}\"", framework.id),
        format!("profile = \"{}\"", cx.org.profile),
        format!("period = \"{}\"", cx.period),
    ];
    rng.shuffle(&mut top);
    for line in top {
        t.push_str(&line);
        t.push('\n');
    }
    let organisation = organisation_table(cx, &layout, rng);
    let scope = scope_table(cx, &layout, rng);
    let (first, second) = if rng.chance(0.7) {
        (organisation, scope)
    } else {
        (scope, organisation)
    };
    t.push('\n');
    t.push_str(&first);
    t.push('\n');
    t.push_str(&second);

    let carry = carry.filter(|_| rng.chance(CARRY_FILE));
    let mut order: Vec<usize> = (0..framework.outcomes.len()).collect();
    if rng.chance(0.15) {
        rng.shuffle(&mut order);
    }
    let mut answers = Answers(vec![None; framework.outcomes.len()]);
    for position in order {
        let outcome = &framework.outcomes[position];
        let carried = carry
            .and_then(|a| a.0.get(position).cloned().flatten())
            .filter(|_| rng.chance(CARRIED));
        let is_carried = carried.is_some();
        let Some(mut selection) = carried.or_else(|| {
            cx.level(outcome, rng)
                .map(|level| select(outcome, level, rng))
        }) else {
            continue;
        };
        if rng.chance(SHUFFLED) {
            rng.shuffle(&mut selection);
        } else {
            selection.sort_unstable();
        }
        t.push_str(match rng.below(10) {
            0 => "",
            1 => "\n\n",
            _ => "\n",
        });
        if rng.chance(LINE_COMMENT) {
            t.push_str(&format!("# {}\n", *rng.pick(SENTENCES)));
        }
        let answer = AnswerText {
            framework,
            outcome,
            selection: &selection,
            needs_review: is_carried && rng.chance(NEEDS_REVIEW),
        };
        t.push_str(&answer.write(&layout, rng));
        answers.0[position] = Some(selection);
    }
    if rng.chance(0.05) {
        t.truncate(t.trim_end().len());
    }
    RealFile {
        text: t,
        crlf: rng.chance(CRLF),
        answers,
    }
}

/// Choices that hold for a whole file.
struct Layout {
    indent: &'static str,
    /// Around `=` in outcome keys.
    equals: &'static str,
    multiline_selected: bool,
}

impl Layout {
    fn draw(rng: &mut Rng) -> Self {
        Self {
            indent: if rng.chance(0.05) { "  " } else { "" },
            equals: if rng.chance(0.05) { "=" } else { " = " },
            multiline_selected: rng.chance(MULTILINE_SELECTED),
        }
    }
}

fn organisation_table(cx: &FileContext, layout: &Layout, rng: &mut Rng) -> String {
    let org = cx.org;
    let mut keys = vec![
        format!("name = {}", basic(&org.name)),
        format!("id = \"{}\"", org.id),
        format!("sector = \"{}\"", org.sector),
    ];
    if rng.chance(0.95) {
        keys.push(format!("region = \"{}\"", org.region));
    }
    if rng.chance(0.9) {
        keys.push(format!("parent = {}", basic(org.parent)));
    }
    rng.shuffle(&mut keys);
    table("[organisation]", keys, layout)
}

fn scope_table(cx: &FileContext, layout: &Layout, rng: &mut Rng) -> String {
    let mut keys = vec![format!("system = {}", basic(system(cx.org.sector)))];
    if rng.chance(0.7) {
        keys.push(format!("assessor = {}", basic(rng.pick::<&str>(ASSESSORS))));
    }
    // Always `date = `, which the deliberately invalid files rely on.
    let date = cx.date(rng);
    keys.push(if rng.chance(0.9) {
        format!("date = {date}")
    } else {
        format!("date = \"{date}\"")
    });
    table("[scope]", keys, layout)
}

fn table(header: &str, keys: Vec<String>, layout: &Layout) -> String {
    let mut t = format!("{header}\n");
    for key in keys {
        t.push_str(layout.indent);
        t.push_str(&key);
        t.push('\n');
    }
    t
}

/// The statements of `outcome` someone at `level` ticks, as positions in the outcome.
fn select(outcome: &Outcome, level: Level, rng: &mut Rng) -> Vec<usize> {
    let at = |level: Level| -> Vec<usize> {
        (0..outcome.indicators.len())
            .filter(|&i| outcome.indicators[i].level == level)
            .collect()
    };
    let (na, pa, a) = (
        at(Level::NotAchieved),
        at(Level::PartiallyAchieved),
        at(Level::Achieved),
    );
    let some = |of: &[usize], p: f64, rng: &mut Rng| -> Vec<usize> {
        of.iter().copied().filter(|_| rng.chance(p)).collect()
    };
    match level {
        Level::Achieved => {
            let mut chosen = a;
            if rng.chance(0.6) {
                chosen.extend(some(&pa, 0.7, rng));
            }
            chosen
        }
        Level::PartiallyAchieved if !pa.is_empty() => {
            let mut chosen = pa;
            if rng.chance(0.5) {
                let mut extra = some(&a, 0.4, rng);
                if extra.len() == a.len() {
                    extra.pop();
                }
                chosen.extend(extra);
            }
            chosen
        }
        _ if !na.is_empty() && rng.chance(0.65) => {
            let mut chosen = vec![na[rng.below(na.len())]];
            if na.len() > 1 && rng.chance(0.3) {
                let other = na[rng.below(na.len())];
                if !chosen.contains(&other) {
                    chosen.push(other);
                }
            }
            chosen.extend(some(&pa, 0.3, rng));
            chosen
        }
        // Some partial-level practice but not all of it: not achieved by the last rule.
        _ => {
            let mut chosen = some(&pa, 0.5, rng);
            if !pa.is_empty() && chosen.len() == pa.len() {
                chosen.pop();
            }
            chosen
        }
    }
}

/// The statuses some selection of `outcome`'s statements can get: what an override may claim
/// without contradicting the framework.
fn reachable(framework: &Framework, outcome: &Outcome) -> Vec<Status> {
    let mut statuses = vec![scoring::status(framework, outcome, &[])];
    for level in [
        Level::NotAchieved,
        Level::PartiallyAchieved,
        Level::Achieved,
    ] {
        let all: Vec<IndicatorRef> = outcome
            .indicators_at(level)
            .map(|i| i.reference.clone())
            .collect();
        let status = scoring::status(framework, outcome, &all);
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    statuses
}

/// One outcome's table (and its sub-tables), in the file's layout.
struct AnswerText<'a> {
    framework: &'a Framework,
    outcome: &'a Outcome,
    selection: &'a [usize],
    needs_review: bool,
}

impl AnswerText<'_> {
    fn write(&self, layout: &Layout, rng: &mut Rng) -> String {
        let id = self.outcome.id.as_str();
        let eq = layout.equals;
        let mut keys = vec![format!("selected{eq}{}", self.selected(layout, rng))];
        // Sub-tables have to follow every plain key of the outcome.
        let mut tables = Vec::new();
        if rng.chance(COMMENT) {
            keys.push(format!("comment{eq}{}", comment(rng)));
        }
        let supplier_rate = match id {
            "A4.a" => SUPPLIERS_A4A,
            _ if SUPPLY_CHAIN_OUTCOMES.contains(&id) => SUPPLIERS_OTHER,
            _ => 0.0,
        };
        if rng.chance(supplier_rate) {
            let names: Vec<String> = draw_suppliers(rng).into_iter().map(basic).collect();
            keys.push(format!("suppliers{eq}[{}]", names.join(", ")));
        }
        if self.needs_review {
            keys.push(format!("needs_review{eq}true"));
        }
        if rng.chance(EVIDENCE) {
            let items: Vec<Vec<String>> = (0..1 + rng.below(3)).map(|_| evidence(rng)).collect();
            if rng.chance(EVIDENCE_INLINE) {
                let inline: Vec<String> = items
                    .iter()
                    .map(|fields| format!("{{ {} }}", fields.join(", ")))
                    .collect();
                keys.push(format!("evidence{eq}[{}]", inline.join(", ")));
            } else {
                for fields in items {
                    tables.push(table(
                        &format!("[[outcomes.\"{id}\".evidence]]"),
                        fields,
                        layout,
                    ));
                }
            }
        }
        if rng.chance(OVERRIDE) {
            let fields = self.override_fields(rng);
            if rng.chance(0.5) {
                keys.push(format!("override{eq}{{ {} }}", fields.join(", ")));
            } else {
                let sub = table(&format!("[outcomes.\"{id}\".override]"), fields, layout);
                let at = rng.below(tables.len() + 1);
                tables.insert(at, sub);
            }
        }
        rng.shuffle(&mut keys);
        let header = if rng.chance(0.05) {
            format!("[outcomes.'{id}']")
        } else {
            format!("[outcomes.\"{id}\"]")
        };
        let mut t = table(&header, keys, layout);
        for sub in tables {
            t.push_str(&sub);
        }
        t
    }

    fn selected(&self, layout: &Layout, rng: &mut Rng) -> String {
        let refs: Vec<String> = self
            .selection
            .iter()
            .map(|&i| format!("\"{}\"", self.outcome.indicators[i].reference))
            .collect();
        if !layout.multiline_selected || refs.is_empty() {
            return format!("[{}]", refs.join(", "));
        }
        let mut t = String::from("[\n");
        for (n, r) in refs.iter().enumerate() {
            t.push_str(&format!("{}  {r},", layout.indent));
            if n == 0 && rng.chance(0.05) {
                t.push_str(" # confirmed at the review meeting");
            }
            t.push('\n');
        }
        t.push_str(layout.indent);
        t.push(']');
        if rng.chance(0.05) {
            t.push_str("  # statements as of the September review");
        }
        t
    }

    /// An override to a reachable status other than the computed one.
    fn override_fields(&self, rng: &mut Rng) -> Vec<String> {
        let selected: Vec<IndicatorRef> = self
            .selection
            .iter()
            .map(|&i| self.outcome.indicators[i].reference.clone())
            .collect();
        let computed = scoring::status(self.framework, self.outcome, &selected);
        let others: Vec<Status> = reachable(self.framework, self.outcome)
            .into_iter()
            .filter(|s| *s != computed)
            .collect();
        // Every outcome can be not achieved and something else; this keeps a framework without
        // that total.
        let status = others
            .get(rng.below(others.len()))
            .copied()
            .unwrap_or(computed);
        let reasons = if status.rank() > computed.rank() {
            RAISING
        } else {
            LOWERING
        };
        let justification = if rng.chance(0.2) {
            multi_line(&[*rng.pick(reasons), *rng.pick(SENTENCES)])
        } else {
            basic(rng.pick::<&str>(reasons))
        };
        let mut fields = vec![
            format!("status = \"{}\"", status.key()),
            format!("justification = {justification}"),
        ];
        rng.shuffle(&mut fields);
        fields
    }
}

/// A comment in one of the [`COMMENT_FORMS`].
fn comment(rng: &mut Rng) -> String {
    let form = *rng.weighted(&COMMENT_FORMS);
    let mut sentences: Vec<&str> = (0..1 + rng.below(2))
        .map(|_| *rng.pick(SENTENCES))
        .collect();
    if form == CommentForm::Quoting {
        sentences.push(*rng.pick(QUOTING));
    }
    if rng.chance(UNICODE) {
        let at = rng.below(sentences.len() + 1);
        sentences.insert(at, *rng.pick(UNICODE_SENTENCES));
    }
    match form {
        CommentForm::Basic | CommentForm::Quoting => basic(&sentences.join(" ")),
        CommentForm::Literal => format!("'{}'", sentences.join(" ")),
        CommentForm::MultiLine => {
            if sentences.len() < 2 {
                sentences.push(*rng.pick(SENTENCES));
            }
            multi_line(&sentences)
        }
        CommentForm::MultiLineLiteral => {
            if sentences.len() < 2 {
                sentences.push(*rng.pick(SENTENCES));
            }
            format!("'''\n{}'''", sentences.join("\n"))
        }
    }
}

/// An evidence item's fields: a title, and mostly a location.
fn evidence(rng: &mut Rng) -> Vec<String> {
    let n = 1 + rng.below(400);
    let mut fields = vec![format!(
        "title = {}",
        basic(rng.pick::<&str>(EVIDENCE_TITLES))
    )];
    if rng.chance(0.8) {
        fields.push(match rng.below(4) {
            0 => format!("location = \"sharepoint://cyber/evidence/item-{n}.pdf\""),
            1 => format!("location = \"https://intranet.example.gov.uk/security/{n}\""),
            2 => format!(
                "location = {}",
                basic(&format!(r"\\fileserver\security\evidence\{n}.docx"))
            ),
            _ => format!(r"location = '\\fileserver\security\evidence\{n}.xlsx'"),
        });
    }
    if rng.chance(0.2) {
        fields.reverse();
    }
    fields
}

/// A one-line basic string, escaped as TOML requires.
fn basic(text: &str) -> String {
    let mut t = String::with_capacity(text.len() + 2);
    t.push('"');
    for c in text.chars() {
        match c {
            '"' => t.push_str("\\\""),
            '\\' => t.push_str("\\\\"),
            '\n' => t.push_str("\\n"),
            c if c.is_control() => t.push_str(&format!("\\u{:04X}", c as u32)),
            c => t.push(c),
        }
    }
    t.push('"');
    t
}

/// A `"""` string with one line per item; quotes need escaping only where three would meet
/// or one would touch the closing delimiter.
fn multi_line(lines: &[&str]) -> String {
    let body = lines
        .join("\n")
        .replace('\\', "\\\\")
        .replace("\"\"\"", "\"\"\\\"");
    let body = match body.strip_suffix('"') {
        Some(head) => format!("{head}\\\""),
        None => body,
    };
    format!("\"\"\"\n{body}\"\"\"")
}

#[cfg(test)]
mod tests {
    use super::super::{Setup, Shape, SynthOptions};
    use super::*;
    use crate::assessment::{self, Assessment};
    use crate::diagnostic::SourceFile;
    use crate::framework::Catalog;

    /// `hits` of `of` is within four standard deviations (plus one) of `rate`.
    fn assert_rate(what: &str, hits: usize, of: usize, rate: f64) {
        let expected = rate * of as f64;
        let sd = (of as f64 * rate * (1.0 - rate)).sqrt();
        assert!(
            (hits as f64 - expected).abs() <= 4.0 * sd + 1.0,
            "{what}: {hits} of {of}, expected about {expected:.0} (rate {rate})"
        );
    }

    fn form_rate(form: CommentForm) -> f64 {
        COMMENT_FORMS.iter().find(|(f, _)| *f == form).unwrap().1
    }

    #[derive(Default)]
    struct Counts {
        files: usize,
        crlf: usize,
        multiline_selected: usize,
        framework_first: usize,
        by_framework: std::collections::BTreeMap<String, usize>,
        answered: usize,
        comments: usize,
        quoting: usize,
        multi_line: usize,
        literal: usize,
        unicode: usize,
        evidence: usize,
        evidence_tables: usize,
        overrides: usize,
        line_comments: usize,
        a4a: usize,
        a4a_suppliers: usize,
        a4b: usize,
        a4b_suppliers: usize,
        /// Selections of two or more: how many are out of framework order, and how many would
        /// be expected to be (a shuffle can leave a short list in order).
        unordered: usize,
        unordered_expected: f64,
        unordered_variance: f64,
        /// Outcomes of files that follow a file in the same framework, and those marked.
        carry_candidates: usize,
        needs_review: usize,
    }

    impl Counts {
        fn file(&mut self, text: &str, a: &Assessment, framework: &Framework) {
            self.files += 1;
            self.crlf += usize::from(text.contains("\r\n"));
            self.multiline_selected += usize::from(
                text.contains("selected = [\r\n")
                    || text.contains("selected=[\r\n")
                    || text.contains("selected = [\n")
                    || text.contains("selected=[\n"),
            );
            let first_key = text
                .lines()
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap_or("");
            self.framework_first += usize::from(first_key.starts_with("framework"));
            *self.by_framework.entry(a.framework.clone()).or_default() += 1;
            self.literal += text.matches("comment = '").count() + text.matches("comment='").count();
            let lines: Vec<&str> = text.lines().collect();
            self.line_comments += lines
                .windows(2)
                .filter(|w| w[0].starts_with("# ") && w[1].starts_with("[outcomes."))
                .count();
            for (id, answer) in &a.outcomes {
                self.answered += 1;
                if let Some(c) = &answer.comment {
                    self.comments += 1;
                    self.quoting += usize::from(c.contains('"'));
                    self.multi_line += usize::from(c.contains('\n'));
                    self.unicode += usize::from(!c.is_ascii());
                }
                if !answer.evidence.is_empty() {
                    self.evidence += 1;
                    self.evidence_tables +=
                        usize::from(text.contains(&format!("[[outcomes.\"{id}\".evidence]]")));
                }
                if let Some(o) = &answer.override_ {
                    self.overrides += 1;
                    let outcome = framework.outcome(id.as_str()).unwrap();
                    let computed = scoring::status(framework, outcome, &answer.selected);
                    assert_ne!(o.status, computed, "{id}: an override changes the status");
                    let level = match o.status {
                        Status::Achieved => Some(Level::Achieved),
                        Status::PartiallyAchieved => Some(Level::PartiallyAchieved),
                        _ => None,
                    };
                    if let Some(level) = level {
                        assert!(
                            outcome.indicators_at(level).next().is_some(),
                            "{id} cannot be {:?}",
                            o.status
                        );
                    }
                    assert!(!o.justification.trim().is_empty());
                }
                match id.as_str() {
                    "A4.a" => {
                        self.a4a += 1;
                        self.a4a_suppliers += usize::from(!answer.suppliers.is_empty());
                    }
                    "A4.b" => {
                        self.a4b += 1;
                        self.a4b_suppliers += usize::from(!answer.suppliers.is_empty());
                    }
                    _ => assert!(answer.suppliers.is_empty(), "{id} has suppliers"),
                }
                let k = answer.selected.len();
                if k >= 2 {
                    let outcome = framework.outcome(id.as_str()).unwrap();
                    let position = |r| outcome.indicators.iter().position(|i| &i.reference == r);
                    let ordered = answer
                        .selected
                        .windows(2)
                        .all(|w| position(&w[0]) < position(&w[1]));
                    self.unordered += usize::from(!ordered);
                    let in_order = 1.0 / (1..=k).map(|n| n as f64).product::<f64>();
                    let p = SHUFFLED * (1.0 - in_order);
                    self.unordered_expected += p;
                    self.unordered_variance += p * (1.0 - p);
                }
            }
        }
    }

    #[test]
    fn real_shaped_files_read_without_errors_and_carry_each_feature_in_proportion() {
        let catalog = Catalog::shipped();
        let mut c = Counts::default();
        for seed in 1..=3 {
            let options = SynthOptions {
                orgs: 100,
                periods: 3,
                seed,
            };
            let setup = Setup::new(&catalog, &options, Shape::Real).unwrap();
            for index in 0..options.orgs {
                let (_, files) = setup.organisation(index);
                // The last file read, or `None` after a spoilt one (whose answers the
                // generator may still have carried).
                let mut previous: Option<Assessment> = None;
                let mut after_spoilt = false;
                for file in files {
                    let name = file.path.display().to_string();
                    let read =
                        assessment::parse(&SourceFile::new(&name, file.text.clone()), &catalog);
                    if file.spoilt {
                        assert!(read.is_err(), "{name} was meant to be invalid");
                        previous = None;
                        after_spoilt = true;
                        continue;
                    }
                    let loaded = read.unwrap_or_else(|e| panic!("{name}: {e}\n{}", file.text));
                    let a = &loaded.assessment;
                    let profile = loaded.profile(None).unwrap();
                    let card = scoring::score(&loaded.framework, a, profile);
                    assert_eq!(card.outcomes.len(), loaded.framework.outcomes.len());
                    c.file(&file.text, a, &loaded.framework);
                    // A carried answer keeps last period's selection, as a set.
                    let last = previous.take().filter(|p| p.framework == a.framework);
                    if let Some(last) = &last {
                        c.carry_candidates += a.outcomes.len();
                        for (id, answer) in a.outcomes.iter().filter(|(_, x)| x.needs_review) {
                            c.needs_review += 1;
                            let mut now = answer.selected.clone();
                            let mut then = last.outcomes[id].selected.clone();
                            now.sort();
                            then.sort();
                            assert_eq!(now, then, "{name} {id}: carried unchanged");
                        }
                    } else if !std::mem::take(&mut after_spoilt) {
                        assert!(a.outcomes.values().all(|x| !x.needs_review), "{name}");
                    }
                    previous = Some(loaded.assessment);
                }
            }
        }
        assert!(
            c.by_framework.values().all(|&n| n > 100),
            "{:?}",
            c.by_framework
        );
        assert_eq!(c.by_framework.len(), 2);
        assert_rate("CRLF files", c.crlf, c.files, CRLF);
        assert_rate(
            "one statement per line",
            c.multiline_selected,
            c.files,
            MULTILINE_SELECTED,
        );
        assert_rate("framework key first", c.framework_first, c.files, 1.0 / 3.0);
        assert_rate("comments", c.comments, c.answered, COMMENT);
        let quoting = form_rate(CommentForm::Quoting);
        assert_rate("comments quoting", c.quoting, c.comments, quoting);
        let multi = form_rate(CommentForm::MultiLine) + form_rate(CommentForm::MultiLineLiteral);
        assert_rate("multi-line comments", c.multi_line, c.comments, multi);
        let literal = form_rate(CommentForm::Literal) + form_rate(CommentForm::MultiLineLiteral);
        assert_rate("literal comments", c.literal, c.comments, literal);
        assert_rate("unicode comments", c.unicode, c.comments, UNICODE);
        assert_rate("evidence", c.evidence, c.answered, EVIDENCE);
        assert_rate(
            "evidence tables",
            c.evidence_tables,
            c.evidence,
            1.0 - EVIDENCE_INLINE,
        );
        assert_rate("overrides", c.overrides, c.answered, OVERRIDE);
        assert_rate("line comments", c.line_comments, c.answered, LINE_COMMENT);
        assert_rate("A4.a suppliers", c.a4a_suppliers, c.a4a, SUPPLIERS_A4A);
        assert_rate("A4.b suppliers", c.a4b_suppliers, c.a4b, SUPPLIERS_OTHER);
        assert!(
            (c.unordered as f64 - c.unordered_expected).abs()
                <= 4.0 * c.unordered_variance.sqrt() + 1.0,
            "unordered selections: {} against about {:.0}",
            c.unordered,
            c.unordered_expected
        );
        // A carried outcome is answered because it was answered last period (98%); the
        // others are answered 95% to 98% of the time (96.5% here, over the three periods).
        let carried = CARRY_FILE * CARRIED * 0.98;
        let share = carried * NEEDS_REVIEW / (carried + (1.0 - carried) * 0.965);
        assert_rate("needs review", c.needs_review, c.carry_candidates, share);
    }
}

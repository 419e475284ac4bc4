//! The fast path for reading many assessments, and a memo of outcome scores.
//!
//! Profiling `caf aggregate` showed reading and scoring assessments as the costs that matter,
//! and most of both was allocation: strings for every statement reference, maps of answers, a
//! scorecard per file. Aggregation needs far less of an assessment (a [`Digest`]), so:
//!
//! - [`read`] recognises the plain shape most files have with a borrowing scanner and goes from
//!   each answer's statements straight to a bit set, without building an [`Assessment`]. The
//!   moment anything looks unusual it hands the text to [`assessment::parse`], so every invalid
//!   file gets exactly the located diagnostics `caf score` would print. A test checks that the
//!   digest equals what [`assessment::parse`] and [`scoring::score`] give, file by file.
//! - [`Memo`] remembers [`scoring::score_outcome`]'s status and target attainment for an
//!   (outcome, profile, selection, override) already seen on this thread: in a population most
//!   answers repeat. It never judges anything itself.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hasher;
use std::ops::Range;
use std::sync::Arc;

use crate::assessment::{self, Answer, Assessment, Date, Organisation};
use crate::diagnostic::SourceFile;
use crate::error::Result;
use crate::framework::{Catalog, Framework, Outcome, Profile, Status};
use crate::scoring::{self, OutcomeScore};

/// What aggregation keeps of one assessment.
#[derive(Debug, Clone)]
pub struct Digest {
    pub framework: Arc<Framework>,
    pub profile: Option<String>,
    pub period: Option<String>,
    pub organisation: Organisation,
    /// Each outcome's score, in framework order.
    pub scores: Vec<Scored>,
    /// The suppliers named anywhere in the assessment, trimmed, sorted, each once.
    pub suppliers: Vec<String>,
}

/// Reads and scores an assessment: what [`assessment::parse`] and [`scoring::score`] give,
/// faster on the usual files, with the same error on invalid ones.
pub fn read(name: &str, text: &str, catalog: &Catalog) -> Result<Digest> {
    if let Some(digest) = quick(text, catalog) {
        return Ok(digest);
    }
    let loaded = assessment::parse(&SourceFile::new(name, text), catalog)?;
    Ok(digest(loaded.framework, loaded.assessment))
}

/// The digest of a parsed assessment.
fn digest(framework: Arc<Framework>, a: Assessment) -> Digest {
    let profile = a
        .profile
        .as_deref()
        .and_then(|id| profile_index(&framework, id));
    let scores = MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        framework
            .outcomes
            .iter()
            .enumerate()
            .map(|(index, outcome)| {
                memo.score(
                    &framework,
                    index,
                    outcome,
                    a.outcomes.get(&outcome.id),
                    profile,
                )
            })
            .collect()
    });
    let suppliers = distinct(
        a.outcomes
            .values()
            .flat_map(|answer| answer.suppliers.iter().map(String::as_str)),
    );
    Digest {
        framework,
        profile: a.profile,
        period: a.period,
        organisation: a.organisation,
        scores,
        suppliers,
    }
}

/// `names` trimmed, without empty ones, sorted and each once.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = names
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

fn profile_index(framework: &Framework, id: &str) -> Option<usize> {
    framework.profiles.iter().position(|p| p.id == id)
}

/// The digest of a plainly valid file in the usual shape; `None` on any doubt, and the full
/// parser then decides and explains. Checks what [`assessment::parse`] checks.
fn quick(text: &str, catalog: &Catalog) -> Option<Digest> {
    let plain = scan(text)?;
    let framework = catalog.framework(plain.framework).ok()?;
    let profile = match plain.profile {
        None => None,
        Some(id) => Some(profile_index(&framework, id)?),
    };
    if plain.name.trim().is_empty() || plain.id.trim().is_empty() {
        return None;
    }
    if let Some(date) = plain.date {
        Date::parse(date)?;
    }
    // Per outcome in framework order: unanswered, or the set of its statements selected; and
    // whether it still needs review.
    let mut selections: Vec<Option<Selection>> = vec![None; framework.outcomes.len()];
    let mut unreviewed = vec![false; framework.outcomes.len()];
    // Files usually list outcomes and statements in framework order: the one after the last
    // found is tried before a lookup.
    let mut next_outcome = 0;
    for answer in &plain.outcomes {
        // `scan` has checked that no outcome is answered twice.
        let guess = framework.outcomes.get(next_outcome);
        let index = if guess.is_some_and(|o| o.id.as_str() == answer.id) {
            next_outcome
        } else {
            framework.position(answer.id)?
        };
        next_outcome = index + 1;
        let outcome = &framework.outcomes[index];
        let mut selected: Selection = 0;
        let mut next = 0;
        for &reference in &plain.items[answer.selected.clone()] {
            let guess = outcome.indicators.get(next);
            let i = if guess.is_some_and(|s| s.reference.as_str() == reference) {
                next
            } else {
                indicator_position(outcome, reference)?
            };
            next = i + 1;
            if i >= Selection::BITS as usize {
                return None;
            }
            let bit: Selection = 1 << i;
            if selected & bit != 0 {
                return None;
            }
            selected |= bit;
        }
        selections[index] = Some(selected);
        unreviewed[index] = answer.needs_review;
    }
    let scores = MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        selections
            .iter()
            .enumerate()
            .map(|(index, &selected)| Scored {
                needs_review: unreviewed[index],
                ..memo.score_selection(&framework, index, selected, profile)
            })
            .collect()
    });
    let suppliers = distinct(
        (plain.outcomes.iter()).flat_map(|a| plain.items[a.suppliers.clone()].iter().copied()),
    );
    Some(Digest {
        profile: plain.profile.map(String::from),
        period: plain.period.map(String::from),
        organisation: Organisation {
            name: plain.name.to_string(),
            id: plain.id.to_string(),
            sector: plain.sector.map(String::from),
            region: plain.region.map(String::from),
            parent: plain.parent.map(String::from),
        },
        framework,
        scores,
        suppliers,
    })
}

/// An assessment file in the plain shape, borrowed from its text.
#[derive(Debug, Default)]
struct Plain<'a> {
    framework: &'a str,
    profile: Option<&'a str>,
    period: Option<&'a str>,
    name: &'a str,
    id: &'a str,
    sector: Option<&'a str>,
    region: Option<&'a str>,
    parent: Option<&'a str>,
    system: Option<&'a str>,
    assessor: Option<&'a str>,
    /// `YYYY-MM-DD`, a date as TOML reads it (not yet checked against the calendar).
    date: Option<&'a str>,
    outcomes: Vec<PlainAnswer<'a>>,
    /// The strings of every array, in order.
    items: Vec<&'a str>,
}

#[derive(Debug, Default)]
struct PlainAnswer<'a> {
    id: &'a str,
    /// Ranges of [`Plain::items`].
    selected: Range<usize>,
    comment: Option<&'a str>,
    suppliers: Range<usize>,
    needs_review: bool,
}

/// A reader for the plain shape most assessment files have (as `caf init`, `caf assess` and
/// `caf synth` write them): `[organisation]`, `[scope]` and `[outcomes."ID"]` tables of
/// one-line `key = value` pairs whose values are basic strings, one-line arrays of them,
/// booleans and a bare date, with no control character anywhere and no escape in a string.
/// Anything else (escapes, multi-line arrays, inline tables, evidence, overrides, duplicate
/// keys, unknown keys) returns `None` and the `toml` crate reads the file instead, so this
/// never accepts what `toml` would reject or read differently.
fn scan<'a>(text: &'a str) -> Option<Plain<'a>> {
    #[derive(PartialEq)]
    enum Table {
        Root,
        Organisation,
        Scope,
        Outcome,
    }
    let mut table = Table::Root;
    let mut plain = Plain::default();
    let mut root: [Option<&str>; 3] = [None; 3];
    let mut org: [Option<&str>; 5] = [None; 5];
    let (mut seen_org, mut seen_scope) = (false, false);
    // Keys seen in the current outcome table.
    let mut seen = [false; 4];
    // The greatest outcome id so far: files list outcomes in order, so a duplicate is usually
    // ruled out by one comparison.
    let mut highest: Option<&str> = None;
    // One pass over every byte (which the compiler can vectorise) rather than checks of each
    // string and comment; a carriage return is then only allowed before a line feed.
    let control = |b: u8| (b < b' ' && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f;
    if text.starts_with('\u{feff}') || text.bytes().fold(false, |found, b| found | control(b)) {
        return None;
    }
    let crlf = memchr::memchr(b'\r', text.as_bytes()).is_some();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]) {
        let line = &text[start..end];
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if crlf && line.contains('\r') {
            return None;
        }
        let line = trim_blanks(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let (name, rest) = header.split_once(']')?;
            if !trailing_ok(rest) {
                return None;
            }
            match name {
                "organisation" if !seen_org => {
                    seen_org = true;
                    table = Table::Organisation;
                }
                "scope" if !seen_scope => {
                    seen_scope = true;
                    table = Table::Scope;
                }
                _ => {
                    let id = name.strip_prefix("outcomes.\"")?.strip_suffix('"')?;
                    if id.is_empty() || id.contains(['"', '\\']) {
                        return None;
                    }
                    if highest >= Some(id) && plain.outcomes.iter().any(|a| a.id == id) {
                        return None;
                    }
                    highest = highest.max(Some(id));
                    plain.outcomes.push(PlainAnswer {
                        id,
                        ..PlainAnswer::default()
                    });
                    seen = [false; 4];
                    table = Table::Outcome;
                }
            }
            continue;
        }
        let equals = line.bytes().position(|b| b == b'=')?;
        let key = trim_blanks(&line[..equals]);
        let value = trim_blanks(&line[equals + 1..]);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        let set = |slot: &mut Option<&'a str>| -> Option<()> {
            if slot.is_some() {
                return None;
            }
            *slot = Some(string_value(value)?);
            Some(())
        };
        match table {
            Table::Root => {
                let i = ["framework", "profile", "period"]
                    .iter()
                    .position(|k| *k == key)?;
                set(&mut root[i])?;
            }
            Table::Organisation => {
                let i = ["name", "id", "sector", "region", "parent"]
                    .iter()
                    .position(|k| *k == key)?;
                set(&mut org[i])?;
            }
            Table::Scope => match key {
                "system" => set(&mut plain.system)?,
                "assessor" => set(&mut plain.assessor)?,
                "date" if plain.date.is_none() => {
                    let (date, rest) = value.split_at_checked(10)?;
                    let b = date.as_bytes();
                    let shape = b.iter().enumerate().all(|(i, c)| match i {
                        4 | 7 => *c == b'-',
                        _ => c.is_ascii_digit(),
                    });
                    if !shape
                        || !trailing_ok(rest)
                        || date.parse::<toml::value::Datetime>().is_err()
                    {
                        return None;
                    }
                    plain.date = Some(date);
                }
                _ => return None,
            },
            Table::Outcome => {
                let answer = plain.outcomes.last_mut()?;
                let slot = ["selected", "comment", "suppliers", "needs_review"]
                    .iter()
                    .position(|k| *k == key)?;
                if seen[slot] {
                    return None;
                }
                seen[slot] = true;
                match slot {
                    0 => answer.selected = array_value(value, &mut plain.items)?,
                    1 => answer.comment = Some(string_value(value)?),
                    2 => answer.suppliers = array_value(value, &mut plain.items)?,
                    _ => {
                        let (word, rest) = if let Some(rest) = value.strip_prefix("true") {
                            (true, rest)
                        } else {
                            (false, value.strip_prefix("false")?)
                        };
                        if !trailing_ok(rest) {
                            return None;
                        }
                        answer.needs_review = word;
                    }
                }
            }
        }
    }
    if !seen_org {
        return None;
    }
    let [framework, profile, period] = root;
    let [name, id, sector, region, parent] = org;
    (plain.framework, plain.profile, plain.period) = (framework?, profile, period);
    (plain.name, plain.id) = (name?, id?);
    (plain.sector, plain.region, plain.parent) = (sector, region, parent);
    Some(plain)
}

/// `text` without the spaces and tabs around it.
fn trim_blanks(text: &str) -> &str {
    let b = text.as_bytes();
    let start = b.iter().position(|&c| c != b' ' && c != b'\t');
    let end = b.iter().rposition(|&c| c != b' ' && c != b'\t');
    match (start, end) {
        (Some(start), Some(end)) => &text[start..=end],
        _ => "",
    }
}

/// `text` without the spaces and tabs it starts with.
fn skip_blanks(text: &str) -> &str {
    &text[text
        .bytes()
        .take_while(|&c| c == b' ' || c == b'\t')
        .count()..]
}

/// What may follow a value on its line: nothing, or a comment.
fn trailing_ok(rest: &str) -> bool {
    let rest = skip_blanks(rest);
    rest.is_empty() || rest.starts_with('#')
}

/// The basic string `text` starts with, unless it is empty (`""` may open a multi-line
/// string) or has an escape: its content and what follows it. ([`scan`] has ruled out control
/// characters.)
fn quoted(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    let len = inner.bytes().position(|b| b == b'"' || b == b'\\')?;
    (len > 0 && inner.as_bytes()[len] == b'"').then(|| (&inner[..len], &inner[len + 1..]))
}

/// `"text"` followed by nothing or a comment.
fn string_value(value: &str) -> Option<&str> {
    let (text, rest) = quoted(value)?;
    trailing_ok(rest).then_some(text)
}

/// `["a", "b"]` on one line (a trailing comma is allowed), followed by nothing or a comment:
/// the strings are added to `items`, and where they are returned.
fn array_value<'a>(value: &'a str, items: &mut Vec<&'a str>) -> Option<Range<usize>> {
    let start = items.len();
    let mut rest = value.strip_prefix('[')?;
    loop {
        rest = skip_blanks(rest);
        if let Some(after) = rest.strip_prefix(']') {
            return trailing_ok(after).then_some(start..items.len());
        }
        let (item, after) = quoted(rest)?;
        items.push(item);
        rest = skip_blanks(after);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with(']') {
            return None;
        }
    }
}

/// The level and position a reference `<outcome>.<level>.<position>` names, read without
/// allocating. Only a hint: callers compare the statement found there with the text.
fn reference_hint(text: &str) -> Option<(crate::framework::Level, usize)> {
    let bytes = text.as_bytes();
    let dot = bytes.iter().rposition(|&b| b == b'.')?;
    let digits = &bytes[dot + 1..];
    if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let position = digits
        .iter()
        .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
    let code_start = bytes[..dot].iter().rposition(|&b| b == b'.')? + 1;
    let level = crate::framework::Level::from_code(&text[code_start..dot])?;
    Some((level, position))
}

/// The position in `outcome.indicators` of the statement `reference`, if it is one of them:
/// [`Outcome::indicator`] without comparing the text against every statement.
fn indicator_position(outcome: &Outcome, reference: &str) -> Option<usize> {
    if let Some((level, position)) = reference_hint(reference)
        && position > 0
        && let Some((i, candidate)) = outcome
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| i.level == level)
            .nth(position - 1)
        && candidate.reference.as_str() == reference
    {
        return Some(i);
    }
    // An unusual numbering: compare with every statement.
    outcome
        .indicators
        .iter()
        .position(|i| i.reference.as_str() == reference)
}

/// FxHash (as in rustc): the memo's keys are ours, not an attacker's, so speed wins over SipHash.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What aggregation needs from one outcome's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    pub status: Status,
    pub target: Option<Status>,
    pub met: Option<bool>,
    pub overridden: bool,
    /// Not part of a memo key: set from each answer after the score is looked up.
    pub needs_review: bool,
}

impl From<OutcomeScore> for Scored {
    fn from(score: OutcomeScore) -> Self {
        Self {
            status: score.status,
            target: score.target,
            met: score.met,
            overridden: score.overridden,
            needs_review: score.needs_review,
        }
    }
}

/// Which of an outcome's statements are selected: bit `i` for `outcome.indicators[i]`
/// ([`scoring::judge`] looks at nothing else of the selection).
type Selection = u128;

/// What an outcome's score depends on, reduced to integers: the framework (by identity, held
/// in [`Memo::held`] so its address cannot be reused), the outcome's position, the profile's
/// position in that framework (0 for none), the override, whether the outcome was answered,
/// and the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    framework: usize,
    outcome: usize,
    profile: usize,
    override_: u8,
    answered: bool,
    selected: Selection,
}

/// A per-thread memo of outcome scores, bounded so that memory cannot grow with the input.
#[derive(Default)]
pub struct Memo {
    entries: HashMap<Key, Scored, std::hash::BuildHasherDefault<FxHasher>>,
    /// The frameworks keys point at, kept alive: identity, not the id, tells a user's
    /// redefined profiles from the shipped ones.
    held: Vec<Arc<Framework>>,
    /// Per framework and profile id, each outcome's target (see [`profile_targets`]).
    targets: Vec<(usize, String, Option<Targets>)>,
}

/// Each outcome's target under one profile, in framework order.
pub type Targets = Arc<[Option<Status>]>;

const MEMO_LIMIT: usize = 50_000;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// The target of profile `id` for each outcome of `framework` in framework order (`None` if the
/// framework has no such profile), remembered per thread: [`Profile::target`]
/// without a lookup per outcome and file.
pub fn profile_targets(framework: &Arc<Framework>, id: &str) -> Option<Targets> {
    MEMO.with(|memo| memo.borrow_mut().targets(framework, id))
}

impl Memo {
    fn hold(&mut self, framework: &Arc<Framework>) {
        if !self.held.iter().any(|f| Arc::ptr_eq(f, framework)) {
            self.held.push(framework.clone());
        }
    }

    fn targets(&mut self, framework: &Arc<Framework>, id: &str) -> Option<Targets> {
        let at = Arc::as_ptr(framework) as usize;
        if let Some((_, _, found)) = self.targets.iter().find(|(f, p, _)| *f == at && p == id) {
            return found.clone();
        }
        let found: Option<Targets> = framework
            .profile(id)
            .map(|p| framework.outcomes.iter().map(|o| p.target(&o.id)).collect());
        self.hold(framework);
        self.targets.push((at, id.to_string(), found.clone()));
        found
    }

    /// The score of outcome `index` under `profile` (an index into `framework.profiles`) for
    /// an answer with that override code and selection (`None`: not answered): remembered, or
    /// `score(profile)` remembered.
    fn remember(
        &mut self,
        framework: &Arc<Framework>,
        index: usize,
        profile: Option<usize>,
        override_: u8,
        selected: Option<Selection>,
        score: impl FnOnce(Option<&Profile>) -> OutcomeScore,
    ) -> Scored {
        let key = Key {
            framework: Arc::as_ptr(framework) as usize,
            outcome: index,
            profile: profile.map_or(0, |p| p + 1),
            override_,
            answered: selected.is_some(),
            selected: selected.unwrap_or(0),
        };
        if let Some(hit) = self.entries.get(&key) {
            return *hit;
        }
        let scored = Scored::from(score(profile.map(|p| &framework.profiles[p])));
        if self.entries.len() < MEMO_LIMIT {
            self.hold(framework);
            self.entries.insert(key, scored);
        }
        scored
    }

    /// [`scoring::score_outcome`] of a parsed answer.
    fn score(
        &mut self,
        framework: &Arc<Framework>,
        index: usize,
        outcome: &Outcome,
        answer: Option<&Answer>,
        profile: Option<usize>,
    ) -> Scored {
        let score =
            |profile: Option<&Profile>| scoring::score_outcome(framework, outcome, answer, profile);
        let mut selected: Selection = 0;
        for reference in answer.iter().flat_map(|a| &a.selected) {
            match indicator_position(outcome, reference.as_str()) {
                Some(i) if i < Selection::BITS as usize => selected |= 1 << i,
                // Not one of this outcome's statements: judging ignores it.
                None => {}
                // Beyond what a key holds: not remembered.
                Some(_) => return score(profile.map(|p| &framework.profiles[p])).into(),
            }
        }
        let override_ = answer
            .and_then(|a| a.override_.as_ref())
            .map_or(0, |o| 1 + o.status as u8);
        let selected = answer.map(|_| selected);
        Scored {
            needs_review: answer.is_some_and(|a| a.needs_review),
            ..self.remember(framework, index, profile, override_, selected, score)
        }
    }

    /// [`scoring::score_outcome`] of an answer without override that selects `selected`.
    fn score_selection(
        &mut self,
        framework: &Arc<Framework>,
        index: usize,
        selected: Option<Selection>,
        profile: Option<usize>,
    ) -> Scored {
        self.remember(framework, index, profile, 0, selected, |profile| {
            let outcome = &framework.outcomes[index];
            let answer = selected.map(|bits| Answer {
                selected: (outcome.indicators.iter().enumerate())
                    .filter(|(i, _)| bits >> i & 1 == 1)
                    .map(|(_, s)| s.reference.clone())
                    .collect(),
                ..Answer::default()
            });
            scoring::score_outcome(framework, outcome, answer.as_ref(), profile)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::assessment::{Evidence, Override};
    use crate::framework::IndicatorRef;

    /// An assessment file as the `toml` crate reads it, to compare with what [`scan`] borrows.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Lean {
        framework: String,
        profile: Option<String>,
        period: Option<String>,
        organisation: LeanOrganisation,
        #[serde(default)]
        scope: LeanScope,
        #[serde(default)]
        outcomes: BTreeMap<String, LeanAnswer>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanOrganisation {
        name: String,
        id: String,
        sector: Option<String>,
        region: Option<String>,
        parent: Option<String>,
    }

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanScope {
        system: Option<String>,
        assessor: Option<String>,
        date: Option<toml::Value>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanAnswer {
        #[serde(default)]
        selected: Vec<String>,
        comment: Option<String>,
        #[serde(default)]
        evidence: Vec<Evidence>,
        #[serde(rename = "override")]
        override_: Option<toml::Value>,
        #[serde(default)]
        suppliers: Vec<String>,
        #[serde(default)]
        needs_review: bool,
    }

    impl From<Plain<'_>> for Lean {
        fn from(p: Plain<'_>) -> Self {
            let owned = |s: Option<&str>| s.map(String::from);
            let list = |r: Range<usize>| p.items[r].iter().map(|s| s.to_string()).collect();
            Lean {
                framework: p.framework.into(),
                profile: owned(p.profile),
                period: owned(p.period),
                organisation: LeanOrganisation {
                    name: p.name.into(),
                    id: p.id.into(),
                    sector: owned(p.sector),
                    region: owned(p.region),
                    parent: owned(p.parent),
                },
                scope: LeanScope {
                    system: owned(p.system),
                    assessor: owned(p.assessor),
                    date: p.date.map(|d| toml::Value::Datetime(d.parse().unwrap())),
                },
                outcomes: (p.outcomes.into_iter())
                    .map(|a| {
                        let answer = LeanAnswer {
                            selected: list(a.selected),
                            comment: owned(a.comment),
                            evidence: Vec::new(),
                            override_: None,
                            suppliers: list(a.suppliers),
                            needs_review: a.needs_review,
                        };
                        (a.id.to_string(), answer)
                    })
                    .collect(),
            }
        }
    }

    /// `scan` either steps aside or reads exactly what the `toml` crate reads.
    fn check_scan(text: &str) -> bool {
        let Some(quick) = scan(text) else {
            return false;
        };
        let general: Lean = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(Lean::from(quick), general, "{text}");
        true
    }

    /// What the full parser and [`scoring::score`] make of a file: the digest to get.
    fn expected(text: &str, catalog: &Catalog) -> Option<Digest> {
        let loaded = assessment::parse(&SourceFile::new("x", text), catalog).ok()?;
        let card = scoring::score(
            &loaded.framework,
            &loaded.assessment,
            loaded.profile(None).unwrap(),
        );
        let a = loaded.assessment;
        Some(Digest {
            framework: loaded.framework.clone(),
            suppliers: distinct(
                a.outcomes
                    .values()
                    .flat_map(|answer| answer.suppliers.iter().map(String::as_str)),
            ),
            profile: a.profile,
            period: a.period,
            organisation: a.organisation,
            scores: card.outcomes.into_iter().map(Scored::from).collect(),
        })
    }

    /// A digest's content, to compare (frameworks by id).
    type View<'a> = (
        &'a str,
        &'a Option<String>,
        &'a Option<String>,
        &'a Organisation,
        &'a [Scored],
        &'a [String],
    );

    fn view(d: &Digest) -> View<'_> {
        (
            &d.framework.id,
            &d.profile,
            &d.period,
            &d.organisation,
            &d.scores[..],
            &d.suppliers,
        )
    }

    /// The fast reader either steps aside or gives exactly the full parser's and scorer's
    /// digest; and [`read`] (either way) always gives it, or the full parser's error.
    fn check(text: &str, catalog: &Catalog) -> Option<bool> {
        let expected = expected(text, catalog);
        let fast = quick(text, catalog);
        if let Some(fast) = &fast {
            let expected = expected
                .as_ref()
                .unwrap_or_else(|| panic!("misread\n{text}"));
            assert_eq!(view(fast), view(expected), "{text}");
        }
        match (read("x", text, catalog), &expected) {
            (Ok(got), Some(expected)) => assert_eq!(view(&got), view(expected), "{text}"),
            (Err(_), None) => {}
            (got, _) => panic!("read gave {got:?}\n{text}"),
        }
        expected.map(|_| fast.is_some())
    }

    fn population(dir: &std::path::Path) -> Vec<String> {
        let catalog = Catalog::shipped();
        let options = crate::aggregate::synth::SynthOptions {
            orgs: 300,
            periods: 2,
            seed: 3,
        };
        crate::aggregate::synth::generate(&catalog, &options, dir, None).unwrap();
        let examples =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("examples");
        let mut files = Vec::new();
        // Generated files first, the examples last.
        let mut stack = vec![examples, dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p)
                } else if p.extension().is_some_and(|x| x == "toml") {
                    files.push(std::fs::read_to_string(p).unwrap());
                }
            }
        }
        files
    }

    #[test]
    fn the_fast_path_reads_what_the_full_parser_reads() {
        let catalog = Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        let files = population(dir.path());
        let (mut valid, mut invalid, mut quick) = (0, 0, 0);
        for text in &files {
            check_scan(text);
            match check(text, &catalog) {
                Some(fast) => {
                    valid += 1;
                    quick += usize::from(fast);
                }
                None => invalid += 1,
            }
        }
        assert!(valid > 500 && invalid > 0, "{valid} {invalid}");
        assert!(
            quick >= valid - 3,
            "the fast path takes the generated files"
        );
    }

    #[test]
    fn the_fast_path_steps_aside_for_odd_and_broken_files() {
        let catalog = Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        let files = population(dir.path());

        // Single edits at many places of many files: each reads as the full parser reads it.
        let edits = [
            "", "\"", "\\", "\n", "\r", "\t", " ", "#", ",", "[", "]", ".", "=", "'", "x", "1",
        ];
        let (mut edited, mut taken) = (0, 0);
        for (f, text) in files.iter().enumerate().step_by(41) {
            for k in 0..16 {
                let mut at = (k * 7919 + f * 31) % text.len();
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                for edit in edits {
                    let mut changed = text.clone();
                    if edit.is_empty() {
                        changed.remove(at);
                    } else {
                        changed.insert_str(at, edit);
                    }
                    edited += 1;
                    taken += usize::from(check_scan(&changed));
                    check(&changed, &catalog);
                }
                // The line at `at`, twice.
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                let doubled = format!("{}{}", &text[..end], &text[start..end]);
                check_scan(&doubled);
                check(&(doubled + &text[end..]), &catalog);
            }
        }
        assert!(edited > 3000 && taken > edited / 10, "{edited} {taken}");

        // Line shapes the plain reader takes or leaves, each checked against the toml crate.
        let base = &files[0];
        let variants = [
            base.replace('\n', "\r\n"),
            base.replacen("name = \"", "name = \"A # B ", 1),
            base.replacen("name = \"", "name = \"Caf\\u00e9 ", 1),
            base.replacen("period = \"", "period = \"\"\"x", 1),
            base.replacen("period = \"2026/27\"", "period = '2026/27'", 1),
            base.replacen("period = \"2026/27\"", "period = \"2026/27\" # the year", 1),
            base.replacen("period = \"2026/27\"", "period = \"2026/27\" x", 1),
            base.replacen("[organisation]", "[organisation]\nname = \"twice\"", 1),
            base.replacen("[scope]", "[scope]\n[organisation]", 1),
            base.replacen("[scope]", "[ scope ]", 1),
            base.replacen("selected = [", "selected = [\n", 1),
            base.replacen("selected = [", "selected = [ ", 1)
                .replacen("]", ", ]", 1),
            base.replacen("selected = [", "needs_review = true\nselected = [", 1),
            base.replacen("selected = [", "needs_review = yes\nselected = [", 1),
            base.replacen("selected = [", "comment = \"\"\nselected = [", 1),
            base.replacen(
                "selected = [",
                "evidence = [{ title = \"x\" }]\nselected = [",
                1,
            ),
            base.replacen("selected = [", "a.b = 1\nselected = [", 1),
            base.replacen(
                "selected = [",
                "suppliers = [\" A \", \"A\"]\nselected = [",
                1,
            ),
            base.replacen("date = ", "date = \"2026-01-01\" #", 1),
            base.replacen("date = ", "date = 2026-01-01T10:00:00 #", 1),
            base.replacen("framework = ", "\u{feff}framework = ", 1),
            base.replacen("\n[scope]", "\n\t\n[scope]", 1),
            base.replacen("\n[scope]", "\n\u{c}\n[scope]", 1),
            base.replacen("[outcomes.\"", "[outcomes.\"A1.a\"]\n[outcomes.\"", 1),
        ];
        for text in &variants {
            assert_ne!(text, base);
            check_scan(text);
            check(text, &catalog);
        }
        // Some of them the plain reader does take.
        assert!(check_scan(&variants[0]) && check_scan(&variants[5]) && check_scan(&variants[17]));

        // Every kind of mistake the full parser reports is left to it.
        let good = (files.iter())
            .find(|t| t.contains("\"A1.a.A.1\"") && t.contains("date = "))
            .unwrap();
        for bad in [
            good.replacen("framework = \"", "framework = \"x", 1),
            good.replacen("profile = \"", "profile = \"x", 1),
            good.replacen("name = \"", "name = \"  \" #", 1),
            good.replacen("date = ", "date = 2026-02-30 #", 1),
            good.replacen("[outcomes.\"A1.a\"]", "[outcomes.\"A1.z\"]", 1),
            good.replacen("\"A1.a.A.1\"", "\"A1.a.A.1\", \"A1.a.A.1\"", 1),
            good.replacen("\"A1.a.A.1\"", "\"B1.a.A.1\"", 1),
            good.replacen("[outcomes.\"A1.a\"]", "[outcomes.\"A1.a\"]\nunknown = 1", 1),
            good.replacen(
                "[outcomes.\"A1.a\"]",
                "[outcomes.\"A1.a\"]\noverride = { status = \"achieved\" }",
                1,
            ),
            good.replacen(
                "[outcomes.\"A1.a\"]",
                "[outcomes.\"A1.a\"]\noverride = { status = \"great\", justification = \"x\" }",
                1,
            ),
        ] {
            assert_ne!(&bad, good);
            assert!(quick(&bad, &catalog).is_none(), "{bad}");
            assert_eq!(check(&bad, &catalog), None, "{bad}");
        }
    }

    #[test]
    fn the_memo_tells_a_redefined_profile_from_the_shipped_one() {
        let catalog = Catalog::shipped();
        let shipped = catalog.framework("caf-4.0").unwrap();
        let mut own = (*shipped).clone();
        let mut lenient = own.profile("baseline").unwrap().clone();
        lenient.targets.insert(
            crate::framework::OutcomeId::new("A1.a"),
            Status::NotAchieved,
        );
        own.put_profile(lenient);
        let own = Arc::new(own);
        let index = shipped.position("A1.a").unwrap();
        let outcome = &shipped.outcomes[index];
        let answer = Answer {
            selected: vec![
                outcome
                    .indicators_at(crate::framework::Level::NotAchieved)
                    .next()
                    .unwrap()
                    .reference
                    .clone(),
            ],
            ..Answer::default()
        };
        let mut memo = Memo::default();
        let baseline = |fw: &Framework| profile_index(fw, "baseline");
        let strict = memo.score(&shipped, index, outcome, Some(&answer), baseline(&shipped));
        let relaxed = memo.score(&own, index, outcome, Some(&answer), baseline(&own));
        assert_eq!(strict.met, Some(false));
        assert_eq!(relaxed.met, Some(true));
    }

    #[test]
    fn the_memo_gives_what_scoring_gives() {
        let catalog = Catalog::shipped();
        let fw = catalog.framework("caf-4.0").unwrap();
        let baseline = profile_index(&fw, "baseline");
        let mut memo = Memo::default();
        for (index, outcome) in fw.outcomes.iter().enumerate() {
            let all: Vec<IndicatorRef> = outcome
                .indicators
                .iter()
                .map(|i| i.reference.clone())
                .collect();
            for take in 0..all.len().min(4) {
                for with_override in [false, true] {
                    let answer = Answer {
                        selected: all[all.len() - take..].to_vec(),
                        override_: with_override.then(|| Override {
                            status: Status::PartiallyAchieved,
                            justification: "j".into(),
                        }),
                        ..Answer::default()
                    };
                    for _ in 0..2 {
                        for (answer, profile) in [
                            (Some(&answer), baseline),
                            (None, baseline),
                            (Some(&answer), None),
                        ] {
                            let chosen = profile.map(|p| &fw.profiles[p]);
                            let expected = scoring::score_outcome(&fw, outcome, answer, chosen);
                            let got = memo.score(&fw, index, outcome, answer, profile);
                            assert_eq!(got, Scored::from(expected));
                        }
                    }
                }
            }
        }
    }
}

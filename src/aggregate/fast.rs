//! The fast path for reading many assessments, and a memo of outcome scores.
//!
//! Profiling `caf aggregate` showed [`assessment::parse`] and per-outcome scoring as the two
//! costs that matter (file reading is a few percent). Both are kept authoritative:
//!
//! - [`load`] deserialises into plain structs (no spans) and runs the same checks as
//!   [`assessment::parse`]; the moment anything looks wrong it hands the text to
//!   [`assessment::parse`], so every invalid file gets exactly the located diagnostics `caf score`
//!   would print. A test checks both give the same [`Assessment`] on valid files.
//! - [`Memo`] remembers [`scoring::score_outcome`]'s status and target attainment for an
//!   (outcome, profile, selection, override) already seen on this thread: in a population most
//!   answers repeat. It never judges anything itself.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hasher;
use std::sync::Arc;

use serde::Deserialize;

use crate::assessment::{self, Answer, Assessment, Date, Evidence, Organisation, Override, Scope};
use crate::diagnostic::SourceFile;
use crate::error::Result;
use crate::framework::{Catalog, Framework, IndicatorRef, Outcome, Profile, Status};
use crate::scoring;

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
    override_: Option<LeanOverride>,
    #[serde(default)]
    suppliers: Vec<String>,
    #[serde(default)]
    needs_review: bool,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct LeanOverride {
    status: String,
    #[serde(default)]
    justification: String,
}

/// Reads an assessment; the same result as [`assessment::parse`], faster on valid files.
pub fn load(name: &str, text: String, catalog: &Catalog) -> Result<(Arc<Framework>, Assessment)> {
    if let Some(found) = lean(&text, catalog) {
        return Ok(found);
    }
    let loaded = assessment::parse(&SourceFile::new(name, text), catalog)?;
    Ok((loaded.framework, loaded.assessment))
}

/// `None` whenever the file is not plainly valid: the full parser then decides and explains.
fn lean(text: &str, catalog: &Catalog) -> Option<(Arc<Framework>, Assessment)> {
    let raw: Lean = match scan(text) {
        Some(raw) => raw,
        None => toml::from_str(text).ok()?,
    };
    let framework = catalog.framework(&raw.framework).ok()?;
    if let Some(p) = &raw.profile {
        framework.profile(p)?;
    }
    let org = raw.organisation;
    if org.name.trim().is_empty() || org.id.trim().is_empty() {
        return None;
    }
    let date = match raw.scope.date {
        None => None,
        Some(toml::Value::Datetime(dt)) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            Some(Date::new(d.year, d.month, d.day)?)
        }
        Some(toml::Value::String(s)) => Some(Date::parse(&s)?),
        Some(_) => return None,
    };
    let mut outcomes = BTreeMap::new();
    for (id, answer) in raw.outcomes {
        let outcome = framework.outcome(&id)?;
        let mut selected: Vec<IndicatorRef> = Vec::with_capacity(answer.selected.len());
        for text in answer.selected {
            let indicator = find_indicator(outcome, &text)?;
            if selected.contains(&indicator.reference) {
                return None;
            }
            // The text equals the statement's reference (that is how it was found): keep it
            // rather than copy it.
            selected.push(IndicatorRef::checked(text));
        }
        let override_ = match answer.override_ {
            None => None,
            Some(o) => {
                let status = Status::from_key(&o.status).filter(|s| *s != Status::NotAssessed)?;
                if o.justification.trim().is_empty() {
                    return None;
                }
                Some(Override {
                    status,
                    justification: o.justification,
                })
            }
        };
        outcomes.insert(
            crate::framework::OutcomeId::new(id),
            Answer {
                selected,
                comment: answer.comment,
                evidence: answer.evidence,
                override_,
                suppliers: answer.suppliers,
                needs_review: answer.needs_review,
            },
        );
    }
    let assessment = Assessment {
        framework: framework.id.clone(),
        profile: raw.profile,
        period: raw.period,
        organisation: Organisation {
            name: org.name,
            id: org.id,
            sector: org.sector,
            region: org.region,
            parent: org.parent,
        },
        scope: Scope {
            system: raw.scope.system,
            assessor: raw.scope.assessor,
            date,
        },
        outcomes,
    };
    Some((framework, assessment))
}

/// A reader for the plain shape most assessment files have (as `caf init`, `caf assess` and
/// `caf synth` write them): `[organisation]`, `[scope]` and `[outcomes."ID"]` tables of
/// one-line `key = value` pairs whose values are basic strings without escapes, one-line arrays
/// of them, booleans and a bare date. Anything else (escapes, multi-line arrays, inline
/// tables, evidence, overrides, duplicate keys, unknown keys) returns `None` and the `toml`
/// crate reads the file instead, so this never accepts what `toml` would reject or read
/// differently. About five times faster than the general parser on such files.
fn scan(text: &str) -> Option<Lean> {
    #[derive(PartialEq)]
    enum Table {
        Root,
        Organisation,
        Scope,
        Outcome,
    }
    let mut table = Table::Root;
    let mut root: [Option<String>; 3] = [None, None, None];
    let mut org: [Option<String>; 5] = [None, None, None, None, None];
    let (mut seen_org, mut seen_scope) = (false, false);
    let mut scope = LeanScope::default();
    let mut outcomes: BTreeMap<String, LeanAnswer> = BTreeMap::new();
    let mut current: Option<(String, LeanAnswer, [bool; 4])> = None;
    let flush = |current: &mut Option<(String, LeanAnswer, [bool; 4])>,
                 outcomes: &mut BTreeMap<String, LeanAnswer>|
     -> Option<()> {
        if let Some((id, answer, _)) = current.take()
            && outcomes.insert(id, answer).is_some()
        {
            return None;
        }
        Some(())
    };
    if text.starts_with('\u{feff}') {
        return None;
    }
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            // Bytes, not chars: every byte of a multi-byte character is 0x80 or above.
            if line.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
                return None;
            }
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let (name, rest) = header.split_once(']')?;
            if !trailing_ok(rest) {
                return None;
            }
            flush(&mut current, &mut outcomes)?;
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
                    let quoted = name.strip_prefix("outcomes.\"")?.strip_suffix('"')?;
                    if quoted.is_empty() || !plain(quoted) || quoted.contains('"') {
                        return None;
                    }
                    if outcomes.contains_key(quoted) {
                        return None;
                    }
                    current = Some((
                        quoted.to_string(),
                        LeanAnswer {
                            selected: Vec::new(),
                            comment: None,
                            evidence: Vec::new(),
                            override_: None,
                            suppliers: Vec::new(),
                            needs_review: false,
                        },
                        [false; 4],
                    ));
                    table = Table::Outcome;
                }
            }
            continue;
        }
        let (key, value) = line.split_once('=')?;
        let key = key.trim_matches([' ', '\t']);
        let value = value.trim_matches([' ', '\t']);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        let set = |slot: &mut Option<String>| -> Option<()> {
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
                "system" => set(&mut scope.system)?,
                "assessor" => set(&mut scope.assessor)?,
                "date" if scope.date.is_none() => {
                    let (date, rest) = value.split_at_checked(10)?;
                    let b = date.as_bytes();
                    let shape = b.iter().enumerate().all(|(i, c)| match i {
                        4 | 7 => *c == b'-',
                        _ => c.is_ascii_digit(),
                    });
                    if !shape || !trailing_ok(rest) {
                        return None;
                    }
                    scope.date = Some(toml::Value::Datetime(date.parse().ok()?));
                }
                _ => return None,
            },
            Table::Outcome => {
                let (_, answer, seen) = current.as_mut()?;
                let slot = ["selected", "comment", "suppliers", "needs_review"]
                    .iter()
                    .position(|k| *k == key)?;
                if seen[slot] {
                    return None;
                }
                seen[slot] = true;
                match slot {
                    0 => answer.selected = array_value(value)?,
                    1 => answer.comment = Some(string_value(value)?),
                    2 => answer.suppliers = array_value(value)?,
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
    flush(&mut current, &mut outcomes)?;
    let [framework, profile, period] = root;
    let [name, id, sector, region, parent] = org;
    if !seen_org {
        return None;
    }
    Some(Lean {
        framework: framework?,
        profile,
        period,
        organisation: LeanOrganisation {
            name: name?,
            id: id?,
            sector,
            region,
            parent,
        },
        scope,
        outcomes,
    })
}

/// Text TOML reads literally inside a basic string: no escapes, quotes or control characters.
fn plain(text: &str) -> bool {
    // Bytes, not chars: every byte of a multi-byte character is 0x80 or above.
    !text
        .bytes()
        .any(|b| b == b'\\' || (b < b' ' && b != b'\t') || b == 0x7f)
}

/// What may follow a value on its line: nothing, or a comment.
fn trailing_ok(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || (rest.starts_with('#') && plain(rest))
}

/// `"text"` followed by nothing or a comment.
fn string_value(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?;
    let (text, rest) = inner.split_once('"')?;
    if !plain(text) || !trailing_ok(rest) || text.starts_with("\"\"") || inner.starts_with('"') {
        return None;
    }
    Some(text.to_string())
}

/// `["a", "b"]` on one line (a trailing comma is allowed), followed by nothing or a comment.
fn array_value(value: &str) -> Option<Vec<String>> {
    let mut rest = value.strip_prefix('[')?;
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix(']') {
            return trailing_ok(after).then_some(items);
        }
        let inner = rest.strip_prefix('"')?;
        let (text, after) = inner.split_once('"')?;
        if !plain(text) || inner.starts_with('"') {
            return None;
        }
        items.push(text.to_string());
        rest = after.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with(']') {
            return None;
        }
    }
}

/// [`Outcome::indicator`] without comparing the text against every statement: references are
/// `<outcome>.<level>.<position>`, so parse, go to that position, and compare once.
fn find_indicator<'a>(outcome: &'a Outcome, text: &str) -> Option<&'a crate::framework::Indicator> {
    indicator_position(outcome, text).map(|i| &outcome.indicators[i])
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
}

/// What an outcome's score depends on, reduced to integers: the framework (by identity, held
/// in [`Memo::held`] so its address cannot be reused), the outcome's position, the profile's
/// position in that framework, the override, whether the outcome was answered, and which of the
/// outcome's own statements are selected (bit `i` for `outcome.indicators[i]`; [`scoring::judge`]
/// looks at nothing else of the selection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    framework: usize,
    outcome: u32,
    profile: u32,
    override_: u8,
    answered: bool,
    selected: u128,
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

/// [`scoring::score_outcome`], remembered per thread.
pub fn score_outcome(
    framework: &Arc<Framework>,
    index: usize,
    outcome: &Outcome,
    answer: Option<&Answer>,
    profile: Option<&Profile>,
) -> Scored {
    MEMO.with(|memo| {
        memo.borrow_mut()
            .score(framework, index, outcome, answer, profile)
    })
}

/// The target of profile `id` for each outcome of `framework` in framework order (`None` if the
/// framework has no such profile), remembered per thread: [`Profile::target`] without a lookup
/// per outcome and file.
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

    fn key(
        framework: &Arc<Framework>,
        index: usize,
        outcome: &Outcome,
        answer: Option<&Answer>,
        profile: Option<&Profile>,
    ) -> Option<Key> {
        let profile = match profile {
            None => 0,
            // A profile from elsewhere than this framework: not remembered.
            Some(p) => {
                1 + framework
                    .profiles
                    .iter()
                    .position(|own| std::ptr::eq(own, p))?
            }
        };
        let mut selected = 0u128;
        if let Some(answer) = answer {
            for reference in &answer.selected {
                let Some(i) = indicator_position(outcome, reference.as_str()) else {
                    // Not one of this outcome's statements: judging ignores it.
                    continue;
                };
                if i >= 128 {
                    return None;
                }
                selected |= 1 << i;
            }
        }
        Some(Key {
            framework: Arc::as_ptr(framework) as usize,
            outcome: u32::try_from(index).ok()?,
            profile: u32::try_from(profile).ok()?,
            override_: answer
                .and_then(|a| a.override_.as_ref())
                .map_or(0, |o| 1 + o.status as u8),
            answered: answer.is_some(),
            selected,
        })
    }

    fn score(
        &mut self,
        framework: &Arc<Framework>,
        index: usize,
        outcome: &Outcome,
        answer: Option<&Answer>,
        profile: Option<&Profile>,
    ) -> Scored {
        let key = Self::key(framework, index, outcome, answer, profile);
        if let Some(key) = &key
            && let Some(hit) = self.entries.get(key)
        {
            return *hit;
        }
        let score = scoring::score_outcome(framework, outcome, answer, profile);
        let scored = Scored {
            status: score.status,
            target: score.target,
            met: score.met,
        };
        if let Some(key) = key
            && self.entries.len() < MEMO_LIMIT
        {
            self.hold(framework);
            self.entries.insert(key, scored);
        }
        scored
    }
}

/// The position in `outcome.indicators` of the statement `reference`, if it is one of them.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_reads_what_the_full_parser_reads() {
        let catalog = Catalog::shipped();
        let dir = tempfile::tempdir().unwrap();
        crate::aggregate::synth::generate(
            &catalog,
            &crate::aggregate::synth::SynthOptions {
                orgs: 300,
                periods: 2,
                seed: 3,
            },
            dir.path(),
            None,
        )
        .unwrap();
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        let mut stack = vec![dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p)
                } else {
                    files.push(p)
                }
            }
        }
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        for e in std::fs::read_dir(examples).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
        let (mut valid, mut invalid, mut scanned) = (0, 0, 0);
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            if let Some(quick) = scan(&text) {
                let general: Lean = toml::from_str(&text).unwrap();
                assert_eq!(quick, general, "{}", path.display());
                scanned += 1;
            }
            let full = assessment::parse(&SourceFile::new("x", text.clone()), &catalog);
            let fast = lean(&text, &catalog);
            match (&full, &fast) {
                (Ok(full), Some((fw, a))) => {
                    assert_eq!(&full.assessment, a, "{}", path.display());
                    assert_eq!(full.framework.id, fw.id);
                    valid += 1;
                }
                (Err(_), None) => invalid += 1,
                _ => panic!("fast and full parsers disagree on {}", path.display()),
            }
        }
        assert!(valid > 500 && invalid > 0, "{valid} {invalid}");
        assert!(
            scanned >= valid - 3,
            "the plain reader takes the generated files"
        );

        // The plain reader agrees with the toml crate or steps aside, line shape by line shape.
        let base = std::fs::read_to_string(&files[0]).unwrap();
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
            base.replacen("date = ", "date = \"2026-01-01\" #", 1),
            base.replacen("date = ", "date = 2026-01-01T10:00:00 #", 1),
            base.replacen("framework = ", "\u{feff}framework = ", 1),
            base.replacen("\n[scope]", "\n\t\n[scope]", 1),
            base.replacen("\n[scope]", "\n\u{c}\n[scope]", 1),
            base.replacen("[outcomes.\"", "[outcomes.\"A1.a\"]\n[outcomes.\"", 1),
        ];
        for text in &variants {
            assert_ne!(text, &base);
            let general: Option<Lean> = toml::from_str(text).ok();
            if let Some(quick) = scan(text) {
                assert_eq!(Some(quick), general, "{text}");
            }
        }
        // Some of them the plain reader does take.
        assert!(scan(&variants[0]).is_some() && scan(&variants[5]).is_some());

        // Every kind of mistake the full parser reports is left to it.
        let good = std::fs::read_to_string(&files[files.len() - 1]).unwrap();
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
            assert_ne!(bad, good);
            assert!(lean(&bad, &catalog).is_none(), "{bad}");
            assert!(assessment::parse(&SourceFile::new("x", bad.clone()), &catalog).is_err());
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
        let strict = memo.score(
            &shipped,
            index,
            outcome,
            Some(&answer),
            shipped.profile("baseline"),
        );
        let relaxed = memo.score(&own, index, outcome, Some(&answer), own.profile("baseline"));
        assert_eq!(strict.met, Some(false));
        assert_eq!(relaxed.met, Some(true));
    }

    #[test]
    fn the_memo_gives_what_scoring_gives() {
        let catalog = Catalog::shipped();
        let fw = catalog.framework("caf-4.0").unwrap();
        let profile = fw.profile("baseline");
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
                            (Some(&answer), profile),
                            (None, profile),
                            (Some(&answer), None),
                        ] {
                            let expected = scoring::score_outcome(&fw, outcome, answer, profile);
                            let got = memo.score(&fw, index, outcome, answer, profile);
                            assert_eq!(got.status, expected.status);
                            assert_eq!(got.target, expected.target);
                            assert_eq!(got.met, expected.met);
                        }
                    }
                }
            }
        }
    }
}

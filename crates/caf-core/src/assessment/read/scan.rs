//! The reader's fast path: one pass over the text straight into the serde mirror that `toml`
//! fills, with the same strings and the same spans, for the shapes assessment files take.
//!
//! It takes bare and quoted keys; `[organisation]`, `[scope]`, `[outcomes."X"]` and
//! `[[outcomes."X".evidence]]` headers; basic, literal and multi-line strings; arrays; inline
//! tables on one line; booleans; local dates. On anything else (another TOML feature, a key
//! the schema does not have, a duplicate, a missing field, a syntax error) it gives up with
//! `None` and the file goes through `toml`, which decides validity and words every
//! diagnostic. So the scanner holds no validation rules of its own and need only be right
//! about the files it accepts: the differential tests check that each of those is one `toml`
//! accepts, read to the same mirror. It saves `toml`'s token vector, document tree and serde
//! walk, which were most of the time spent reading a valid file.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;

use super::{
    Entries, RawAnswer, RawAssessment, RawEvidence, RawOrganisation, RawOverride, RawScope, Text,
};

/// The mirror of `text`, or `None` to leave the file to `toml`.
pub(super) fn scan(text: &str) -> Option<RawAssessment<'_>> {
    Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    }
    .document()
}

/// The table that key/value lines belong to.
#[derive(Clone, Copy)]
enum Table {
    Root,
    Organisation,
    Scope,
    /// An outcome, by its place in [`Doc::outcomes`].
    Outcome(usize),
    /// The last `[[outcomes."X".evidence]]` table of that outcome.
    Evidence(usize),
    /// Its `[outcomes."X".override]` table.
    Override(usize),
}

impl Table {
    /// The outcome whose table (or subtable) this is, if its id is `id`.
    fn outcome(self, id: &str, doc: &Doc) -> Option<usize> {
        let (Table::Outcome(i) | Table::Evidence(i) | Table::Override(i)) = self else {
            return None;
        };
        (doc.outcomes[i].id.get_ref().as_str() == id).then_some(i)
    }
}

/// What has been read so far; every field is `None` until its key is seen, so that a second
/// sighting can be refused as the duplicate `toml` would refuse.
#[derive(Default)]
struct Doc<'a> {
    framework: Option<Spanned<Text<'a>>>,
    profile: Option<Spanned<Text<'a>>>,
    period: Option<Text<'a>>,
    organisation: Option<Organisation<'a>>,
    scope: Option<Scope<'a>>,
    outcomes: Vec<Answer<'a>>,
}

#[derive(Default)]
struct Organisation<'a> {
    name: Option<Spanned<Text<'a>>>,
    id: Option<Spanned<Text<'a>>>,
    sector: Option<Text<'a>>,
    region: Option<Text<'a>>,
    parent: Option<Text<'a>>,
}

#[derive(Default)]
struct Scope<'a> {
    system: Option<Text<'a>>,
    assessor: Option<Text<'a>>,
    date: Option<Spanned<toml::Value>>,
}

type OverrideFields<'a> = (Option<Spanned<Text<'a>>>, Option<Text<'a>>);

struct Answer<'a> {
    id: Spanned<Text<'a>>,
    /// The header's span, which `toml` gives the outcome's table.
    header: Range<usize>,
    selected: Option<Vec<Spanned<Text<'a>>>>,
    comment: Option<Text<'a>>,
    /// `evidence = [...]`.
    evidence: Option<Vec<RawEvidence<'a>>>,
    /// `[[outcomes."X".evidence]]` tables: title and location.
    evidence_tables: Vec<(Option<Text<'a>>, Option<Text<'a>>)>,
    /// `override = {...}`.
    override_: Option<Spanned<RawOverride<'a>>>,
    /// `[outcomes."X".override]`: its header's span, status and justification.
    override_table: Option<(Range<usize>, OverrideFields<'a>)>,
    suppliers: Option<Vec<Text<'a>>>,
    needs_review: Option<bool>,
}

/// Stores `value` in an empty `slot`; `None` when the key was already given.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

fn override_of((status, justification): OverrideFields<'_>) -> Option<RawOverride<'_>> {
    Some(RawOverride {
        status: status?,
        justification: justification.unwrap_or_default(),
    })
}

impl<'a> Doc<'a> {
    fn finish(self) -> Option<RawAssessment<'a>> {
        let organisation = self.organisation?;
        let scope = self.scope.unwrap_or_default();
        let mut outcomes = Vec::with_capacity(self.outcomes.len());
        for answer in self.outcomes {
            let evidence = match answer.evidence {
                Some(inline) => inline,
                None => (answer.evidence_tables.into_iter())
                    .map(|(title, location)| {
                        Some(RawEvidence {
                            title: title?,
                            location: location.unwrap_or_default(),
                        })
                    })
                    .collect::<Option<_>>()?,
            };
            let override_ = match answer.override_table {
                Some((span, fields)) => Some(Spanned::new(span, override_of(fields)?)),
                None => answer.override_,
            };
            let raw = RawAnswer {
                selected: answer.selected,
                comment: answer.comment,
                evidence,
                override_,
                suppliers: answer.suppliers.unwrap_or_default(),
                needs_review: answer.needs_review.unwrap_or_default(),
                // A `plan` key is not scanned: such a file takes the `toml` path.
                plan: Vec::new(),
            };
            outcomes.push((answer.id, Spanned::new(answer.header, raw)));
        }
        // `toml`'s tables are sorted maps; two headers for one outcome are its error to word.
        outcomes.sort_by(|(a, _), (b, _)| a.get_ref().as_str().cmp(b.get_ref().as_str()));
        if (outcomes.windows(2)).any(|w| w[0].0.get_ref().as_str() == w[1].0.get_ref().as_str()) {
            return None;
        }
        Some(RawAssessment {
            framework: self.framework?,
            profile: self.profile,
            period: self.period,
            organisation: RawOrganisation {
                name: organisation.name?,
                id: organisation.id?,
                sector: organisation.sector,
                region: organisation.region,
                parent: organisation.parent,
            },
            scope: RawScope {
                system: scope.system,
                assessor: scope.assessor,
                date: scope.date,
            },
            outcomes: Entries(outcomes),
        })
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// TOML's comment characters (and, less `"` and `\`, a basic string's): tab, printable ASCII
/// and anything not ASCII (the text is already UTF-8).
fn printable(b: u8) -> bool {
    b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80
}

/// Whether every byte of `bytes` is [`printable`]: without an early exit, so the loop is
/// vectorised; strings and comments are short, and rarely not printable.
fn all_printable(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |all, &b| all & printable(b))
}

fn bare_key(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// `#` to the end of the line (not its newline).
    fn comment(&mut self) -> Option<()> {
        let rest = self.rest();
        let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        self.at += end;
        all_printable(&rest[..end]).then_some(())
    }

    /// A newline: `\n` or `\r\n`, never a lone `\r`.
    fn newline(&mut self) -> Option<()> {
        let rest = self.rest();
        self.at += match rest {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => return None,
        };
        Some(())
    }

    /// What may follow a value or a header: spaces, a comment, then a newline or the end.
    fn line_end(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            _ => self.newline(),
        }
    }

    /// Spaces, newlines and comments, as between the items of an array.
    fn skip_blank(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.at += 1,
                Some(b'\n' | b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                _ => return Some(()),
            }
        }
    }

    fn document(mut self) -> Option<RawAssessment<'a>> {
        let mut doc = Doc {
            // Room for every outcome of the shipped frameworks.
            outcomes: Vec::with_capacity(48),
            ..Doc::default()
        };
        let mut table = Table::Root;
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(b'\n' | b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                Some(b'[') => {
                    table = self.header(&mut doc, table)?;
                    self.line_end()?;
                }
                Some(_) => {
                    self.key_value(&mut doc, table)?;
                    self.line_end()?;
                }
            }
        }
        doc.finish()
    }

    /// A table header: which table the following lines fill.
    fn header(&mut self, doc: &mut Doc<'a>, current: Table) -> Option<Table> {
        let start = self.at;
        let array = self.rest().starts_with(b"[[");
        self.at += if array { 2 } else { 1 };
        // At most three keys (`outcomes`, an id, a subtable), kept off the heap: this runs for
        // every header of every file.
        let mut keys: [Option<Spanned<Text<'a>>>; 3] = [None, None, None];
        let mut n = 0;
        loop {
            self.skip_ws();
            *keys.get_mut(n)? = Some(self.key()?);
            n += 1;
            self.skip_ws();
            if !self.eat(b'.') {
                break;
            }
        }
        self.expect(b']')?;
        if array {
            self.expect(b']')?;
        }
        let span = start..self.at;
        let names: [&str; 3] =
            std::array::from_fn(|i| keys[i].as_ref().map_or("", |k| k.get_ref().as_str()));
        match (array, &names[..n]) {
            (false, ["organisation"]) => {
                once(&mut doc.organisation, Organisation::default())?;
                Some(Table::Organisation)
            }
            (false, ["scope"]) => {
                once(&mut doc.scope, Scope::default())?;
                Some(Table::Scope)
            }
            (false, ["outcomes", _]) => {
                let id = keys[1].take()?;
                doc.outcomes.push(Answer {
                    id,
                    header: span,
                    selected: None,
                    comment: None,
                    evidence: None,
                    evidence_tables: Vec::new(),
                    override_: None,
                    override_table: None,
                    suppliers: None,
                    needs_review: None,
                });
                Some(Table::Outcome(doc.outcomes.len() - 1))
            }
            // An outcome's subtables only while its own table is being read: elsewhere
            // `toml`'s rules on implicit and reopened tables would need repeating here.
            (true, ["outcomes", id, "evidence"]) => {
                let i = current.outcome(id, doc)?;
                let answer = &mut doc.outcomes[i];
                if answer.evidence.is_some() {
                    return None;
                }
                answer.evidence_tables.push((None, None));
                Some(Table::Evidence(i))
            }
            (false, ["outcomes", id, "override"]) => {
                let i = current.outcome(id, doc)?;
                let answer = &mut doc.outcomes[i];
                if answer.override_.is_some() {
                    return None;
                }
                once(&mut answer.override_table, (span, (None, None)))?;
                Some(Table::Override(i))
            }
            _ => None,
        }
    }

    /// `key = value` in `table`.
    fn key_value(&mut self, doc: &mut Doc<'a>, table: Table) -> Option<()> {
        let key = self.key()?;
        self.skip_ws();
        self.expect(b'=')?;
        self.skip_ws();
        let key = key.get_ref().as_str();
        match table {
            Table::Root => match key {
                "framework" => once(&mut doc.framework, self.spanned_string()?),
                "profile" => once(&mut doc.profile, self.spanned_string()?),
                "period" => once(&mut doc.period, self.string()?),
                _ => None,
            },
            Table::Organisation => {
                let o = doc.organisation.as_mut()?;
                match key {
                    "name" => once(&mut o.name, self.spanned_string()?),
                    "id" => once(&mut o.id, self.spanned_string()?),
                    "sector" => once(&mut o.sector, self.string()?),
                    "region" => once(&mut o.region, self.string()?),
                    "parent" => once(&mut o.parent, self.string()?),
                    _ => None,
                }
            }
            Table::Scope => {
                let s = doc.scope.as_mut()?;
                match key {
                    "system" => once(&mut s.system, self.string()?),
                    "assessor" => once(&mut s.assessor, self.string()?),
                    "date" => once(&mut s.date, self.date()?),
                    _ => None,
                }
            }
            Table::Outcome(i) => {
                let a = &mut doc.outcomes[i];
                match key {
                    "selected" => once(&mut a.selected, self.array(Self::spanned_string)?),
                    "comment" => once(&mut a.comment, self.string()?),
                    "evidence" => once(&mut a.evidence, self.array(Self::evidence)?),
                    "override" if a.override_table.is_none() => {
                        once(&mut a.override_, self.override_()?)
                    }
                    "suppliers" => once(&mut a.suppliers, self.array(Self::string)?),
                    "needs_review" => once(&mut a.needs_review, self.boolean()?),
                    _ => None,
                }
            }
            Table::Evidence(i) => {
                let (title, location) = doc.outcomes[i].evidence_tables.last_mut()?;
                match key {
                    "title" => once(title, self.string()?),
                    "location" => once(location, self.string()?),
                    _ => None,
                }
            }
            Table::Override(i) => {
                let (_, (status, justification)) = doc.outcomes[i].override_table.as_mut()?;
                match key {
                    "status" => once(status, self.spanned_string()?),
                    "justification" => once(justification, self.string()?),
                    _ => None,
                }
            }
        }
    }

    /// A bare or quoted key (not a multi-line string), spanned as `toml` spans it: quotes
    /// included.
    fn key(&mut self) -> Option<Spanned<Text<'a>>> {
        let start = self.at;
        let text = match self.peek()? {
            b'"' if !self.rest().starts_with(b"\"\"\"") => self.basic()?,
            b'\'' if !self.rest().starts_with(b"'''") => self.literal()?,
            b if bare_key(b) => {
                while self.peek().is_some_and(bare_key) {
                    self.at += 1;
                }
                Text(Cow::Borrowed(&self.text[start..self.at]))
            }
            _ => return None,
        };
        Some(Spanned::new(start..self.at, text))
    }

    /// A string of any of the four kinds.
    fn string(&mut self) -> Option<Text<'a>> {
        let rest = self.rest();
        match rest.first()? {
            b'"' if rest.starts_with(b"\"\"\"") => self.multi_line_basic(),
            b'"' => self.basic(),
            b'\'' if rest.starts_with(b"'''") => self.multi_line_literal(),
            b'\'' => self.literal(),
            _ => None,
        }
    }

    fn spanned_string(&mut self) -> Option<Spanned<Text<'a>>> {
        let start = self.at;
        let text = self.string()?;
        Some(Spanned::new(start..self.at, text))
    }

    /// `"..."`: borrowed unless it has escapes.
    fn basic(&mut self) -> Option<Text<'a>> {
        self.at += 1;
        let mut owned: Option<String> = None;
        let mut segment = self.at;
        loop {
            let rest = self.rest();
            let stop = memchr::memchr2(b'"', b'\\', rest)?;
            if !all_printable(&rest[..stop]) {
                return None;
            }
            self.at += stop;
            if rest[stop] == b'"' {
                break;
            }
            let out = owned.get_or_insert_with(String::new);
            out.push_str(&self.text[segment..self.at]);
            self.escape(out)?;
            segment = self.at;
        }
        let text = self.finish_string(owned, segment, self.at);
        self.at += 1;
        Some(text)
    }

    /// The string from `owned` (what came before the last escape) and `segment..end`.
    fn finish_string(&self, owned: Option<String>, segment: usize, end: usize) -> Text<'a> {
        let tail = &self.text[segment..end];
        Text(match owned {
            Some(mut out) => {
                out.push_str(tail);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(tail),
        })
    }

    /// An escape sequence at `\`, decoded onto `out`. TOML 1.1's `\e` and `\xHH` are left to
    /// `toml`, being rare.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let c = match *self.bytes.get(self.at + 1)? {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'"' => '"',
            b'\\' => '\\',
            b'u' => return self.hex_escape(4, out),
            b'U' => return self.hex_escape(8, out),
            _ => return None,
        };
        out.push(c);
        self.at += 2;
        Some(())
    }

    /// `\u` or `\U` and `digits` hexadecimal digits naming a Unicode scalar value.
    fn hex_escape(&mut self, digits: usize, out: &mut String) -> Option<()> {
        let start = self.at + 2;
        let hex = self.bytes.get(start..start + digits)?;
        let mut value: u32 = 0;
        for &b in hex {
            value = value * 16 + char::from(b).to_digit(16)?;
        }
        out.push(char::from_u32(value)?);
        self.at = start + digits;
        Some(())
    }

    /// `'...'`: always borrowed.
    fn literal(&mut self) -> Option<Text<'a>> {
        self.at += 1;
        let start = self.at;
        let end = start + memchr::memchr(b'\'', self.rest())?;
        let text = &self.text[start..end];
        self.at = end + 1;
        all_printable(text.as_bytes()).then_some(Text(Cow::Borrowed(text)))
    }

    /// After an opening `"""` or `'''`: a newline right after it is not part of the string.
    fn skip_first_newline(&mut self) {
        if self.rest().starts_with(b"\n") {
            self.at += 1;
        } else if self.rest().starts_with(b"\r\n") {
            self.at += 2;
        }
    }

    /// At a run of `quote`: `Some(end of content)` and the scanner past the delimiter when the
    /// run closes the string (three, or up to two more that belong to the string), `None`
    /// with the scanner past the run when it is part of the string. Six or more are `toml`'s
    /// to refuse.
    fn closing(&mut self, quote: u8) -> Option<Option<usize>> {
        let run = self.rest().iter().take_while(|&&b| b == quote).count();
        match run {
            0..3 => {
                self.at += run;
                Some(None)
            }
            3..=5 => {
                let end = self.at + run - 3;
                self.at += run;
                Some(Some(end))
            }
            _ => None,
        }
    }

    /// `"""..."""`: newlines kept as written (`\r\n` stays), a `\` at the end of a line
    /// removes the line break and the blanks after it.
    fn multi_line_basic(&mut self) -> Option<Text<'a>> {
        self.at += 3;
        self.skip_first_newline();
        let mut owned: Option<String> = None;
        let mut segment = self.at;
        loop {
            match self.peek()? {
                b'"' => {
                    if let Some(end) = self.closing(b'"')? {
                        return Some(self.finish_string(owned, segment, end));
                    }
                }
                b'\\' => {
                    let out = owned.get_or_insert_with(String::new);
                    out.push_str(&self.text[segment..self.at]);
                    if let Some(b' ' | b'\t' | b'\r' | b'\n') = self.bytes.get(self.at + 1) {
                        self.at += 1;
                        self.line_ending_backslash()?;
                    } else {
                        self.escape(out)?;
                    }
                    segment = self.at;
                }
                b'\n' | b'\r' => self.newline()?,
                b if printable(b) => self.at += 1,
                _ => return None,
            }
        }
    }

    /// After a `\` ending a line: blanks, the newline, then every blank and newline.
    fn line_ending_backslash(&mut self) -> Option<()> {
        self.skip_ws();
        self.newline()?;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.at += 1,
                Some(b'\n' | b'\r') => self.newline()?,
                _ => return Some(()),
            }
        }
    }

    /// `'''...'''`: always borrowed.
    fn multi_line_literal(&mut self) -> Option<Text<'a>> {
        self.at += 3;
        self.skip_first_newline();
        let start = self.at;
        loop {
            match self.peek()? {
                b'\'' => {
                    if let Some(end) = self.closing(b'\'')? {
                        return Some(Text(Cow::Borrowed(&self.text[start..end])));
                    }
                }
                b'\n' | b'\r' => self.newline()?,
                b if printable(b) => self.at += 1,
                _ => return None,
            }
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        for (word, value) in [(&b"true"[..], true), (b"false", false)] {
            if self.rest().starts_with(word) {
                self.at += word.len();
                return Some(value);
            }
        }
        None
    }

    /// `[item, ...]` over any lines, with comments, a trailing comma allowed.
    fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        // Room for a typical selection, so the vector is not regrown item by item.
        let mut items = Vec::with_capacity(8);
        loop {
            self.skip_blank()?;
            if self.eat(b']') {
                return Some(items);
            }
            items.push(item(self)?);
            self.skip_blank()?;
            if !self.eat(b',') {
                self.expect(b']')?;
                return Some(items);
            }
        }
    }

    /// `{ key = value, ... }` on one line with no trailing comma (TOML 1.1's newlines and
    /// trailing commas are left to `toml`); `entry` reads each value. Returns the span.
    fn inline_table(
        &mut self,
        mut entry: impl FnMut(&mut Self, &str) -> Option<()>,
    ) -> Option<Range<usize>> {
        let start = self.at;
        self.expect(b'{')?;
        self.skip_ws();
        if !self.eat(b'}') {
            loop {
                let key = self.key()?;
                self.skip_ws();
                self.expect(b'=')?;
                self.skip_ws();
                entry(self, key.get_ref().as_str())?;
                self.skip_ws();
                if !self.eat(b',') {
                    self.expect(b'}')?;
                    break;
                }
                self.skip_ws();
            }
        }
        Some(start..self.at)
    }

    /// `{ title = "...", location = "..." }`.
    fn evidence(&mut self) -> Option<RawEvidence<'a>> {
        let (mut title, mut location) = (None, None);
        self.inline_table(|s, key| match key {
            "title" => once(&mut title, s.string()?),
            "location" => once(&mut location, s.string()?),
            _ => None,
        })?;
        Some(RawEvidence {
            title: title?,
            location: location.unwrap_or_default(),
        })
    }

    /// `{ status = "...", justification = "..." }`, spanned as the whole table.
    fn override_(&mut self) -> Option<Spanned<RawOverride<'a>>> {
        let (mut status, mut justification) = (None, None);
        let span = self.inline_table(|s, key| match key {
            "status" => once(&mut status, s.spanned_string()?),
            "justification" => once(&mut justification, s.string()?),
            _ => None,
        })?;
        Some(Spanned::new(span, override_of((status, justification))?))
    }

    /// `scope.date`: a local date (`2026-10-01`) or a string, as `toml::Value`.
    fn date(&mut self) -> Option<Spanned<toml::Value>> {
        let start = self.at;
        let value = if self.peek()?.is_ascii_digit() {
            let raw = self.bytes.get(start..start + 10)?;
            let digits = |r: Range<usize>| -> Option<u16> {
                raw[r].iter().try_fold(0u16, |n, &b| {
                    char::from(b).to_digit(10).map(|d| n * 10 + d as u16)
                })
            };
            if raw[4] != b'-' || raw[7] != b'-' {
                return None;
            }
            let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
            // The calendar check `toml` makes; a time after the date is left to `toml` by
            // the caller, which expects the end of the line.
            let date = crate::assessment::Date::new(year, month as u8, day as u8)?;
            self.at += 10;
            toml::Value::Datetime(toml::value::Datetime {
                date: Some(toml::value::Date {
                    year: date.year,
                    month: date.month,
                    day: date.day,
                }),
                time: None,
                offset: None,
            })
        } else {
            toml::Value::String(self.string()?.into_owned())
        };
        Some(Spanned::new(start..self.at, value))
    }
}

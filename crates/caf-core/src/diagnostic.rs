//! Located problems in input files.
//!
//! Every file `caf` reads (frameworks, profile packs, mappings, assessments) is checked in two
//! passes: the `toml` crate first (syntax, types, unknown keys), then a semantic pass that keeps
//! going after the first problem so that a person fixing a file sees every problem at once.
//! Both passes produce [`Diagnostic`]s: data with a stable [`Code`], a message, a help line and
//! a location, rendered as `file:line:column: error[code]: message` plus the offending source
//! line. Codes are documented in `docs/diagnostics.md` (a test keeps the two in step).
//!
//! Messages and help lines name no command or flag: the service sends them to people who
//! submitted a file over HTTP. A front end that can offer more (the command line's `caf
//! frameworks show ...`) keys its advice on the [`Code`] and the diagnostic's [`About`].

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Defines [`Code`], its kebab-case names and [`Code::ALL`] from one list, so no code can be
/// missing from `ALL` (and so from the documentation test).
macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, )+) => {
        /// What kind of problem a [`Diagnostic`] reports. Each code's kebab-case name is stable:
        /// it appears in `error[code]`, in JSON, and in `docs/diagnostics.md`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Code {
            /// Every code, in the order they are defined.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable kebab-case name, e.g. `unknown-key`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $name, )+
                }
            }
        }
    };
}

codes! {
    // Any TOML file: what the `toml` crate finds.
    /// The text is not valid TOML.
    TomlSyntax = "toml-syntax",
    /// The file is not UTF-8 text; located at the first byte that is not.
    InvalidEncoding = "invalid-encoding",
    /// More problems than a file's diagnostics list; says how many were left out.
    MoreProblems = "more-problems",
    /// A key that the format does not have (often a typo).
    UnknownKey = "unknown-key",
    /// A required key is absent.
    MissingKey = "missing-key",
    /// A value of the wrong type, or not one of the values allowed there.
    InvalidType = "invalid-type",
    /// An assessment file that the walk-through is to edit is not valid TOML.
    InvalidToml = "invalid-toml",

    // Assessments, profile packs, mappings.
    /// The framework id is not known.
    UnknownFramework = "unknown-framework",
    /// The framework has no such profile.
    UnknownProfile = "unknown-profile",
    /// The outcome id is not in the framework.
    UnknownOutcome = "unknown-outcome",
    /// The statement reference is not one of the outcome's statements.
    UnknownIndicator = "unknown-indicator",
    /// A statement is selected twice.
    DuplicateSelection = "duplicate-selection",
    /// An override status that is not a status.
    InvalidStatus = "invalid-status",
    /// An override without a justification.
    MissingJustification = "missing-justification",
    /// An override to a status the outcome's statements can never give (partially achieved on
    /// an outcome with no partially-achieved statements).
    ImpossibleOverride = "impossible-override",
    /// A warning: an override equal to the computed status, which changes nothing.
    RedundantOverride = "redundant-override",
    /// `scope.date`, or a plan action's `due`, is not a real calendar date.
    InvalidDate = "invalid-date",
    /// A plan action whose `action` is empty.
    EmptyAction = "empty-action",
    /// A plan action's status that is not planned, in-progress, done or not-planned.
    InvalidActionStatus = "invalid-action-status",
    /// A plan action that is not planned, without a `note` giving the reason.
    MissingReason = "missing-reason",
    /// The organisation's name or id is empty.
    EmptyValue = "empty-value",

    // Frameworks.
    /// The framework id is empty or has spaces.
    InvalidId = "invalid-id",
    /// An objective, principle, outcome, statement or framework id is defined twice.
    DuplicateId = "duplicate-id",
    /// A principle names an undefined objective.
    UnknownObjective = "unknown-objective",
    /// An outcome names an undefined principle.
    UnknownPrinciple = "unknown-principle",
    /// A level other than not-achieved, partially-achieved, achieved.
    UnknownLevel = "unknown-level",
    /// A rule or target status that is not a status.
    UnknownStatus = "unknown-status",
    /// A statement reference that is not `<outcome>.<NA|PA|A>.<n>` for its outcome and level.
    InvalidIndicatorRef = "invalid-indicator-ref",
    /// A statement with no text.
    EmptyIndicator = "empty-indicator",
    /// An outcome that has no statements and so cannot be scored.
    OutcomeWithoutIndicators = "outcome-without-indicators",
    /// An outcome with more statements than a selection can hold.
    TooManyIndicators = "too-many-indicators",
    /// The framework has no scoring rules.
    MissingRules = "missing-rules",
    /// A rule that cannot be evaluated: an unknown condition, a condition without a level, a
    /// rule after `otherwise`, or a last rule that is not `otherwise`.
    UnevaluableRule = "unevaluable-rule",
    /// A framework's `[provenance]` statement counts differ from its statements.
    ProvenanceMismatch = "provenance-mismatch",

    // Mappings.
    /// A link whose `from` and `to` do not fit its relation.
    InvalidMapping = "invalid-mapping",
    /// An outcome of either framework has no link.
    IncompleteMapping = "incomplete-mapping",

    // WebCAF import.
    /// The YAML is well-formed but is not a WebCAF framework.
    InvalidWebcaf = "invalid-webcaf",
    /// The text is not valid YAML.
    YamlSyntax = "yaml-syntax",
    /// A WebCAF assessment export that is not valid JSON.
    JsonSyntax = "json-syntax",
    /// Well-formed JSON that is not a WebCAF assessment, or names what the framework lacks.
    InvalidWebcafAssessment = "invalid-webcaf-assessment",
    /// WebCAF's "keys present" rule, or the status the export states, differs from this tool's.
    WebcafScoresDifferently = "webcaf-scores-differently",

    // Comparing with an earlier assessment.
    /// The earlier assessment is of another organisation.
    CompareOtherOrganisation = "compare-other-organisation",
    /// The "earlier" assessment is for a later period than this one.
    CompareLaterPeriod = "compare-later-period",
    /// The "earlier" assessment is this very file (the same content).
    CompareSameContent = "compare-same-content",

    // Reviews.
    /// A review's `assessment_sha256` is not the named assessment's: it has changed since.
    ReviewMismatch = "review-mismatch",
    /// A lifecycle step the review's status does not allow: finalising a review that is not
    /// completed, reopening one that is not finalised, or changing a finalised one.
    ReviewLifecycle = "review-lifecycle",
    /// An outcome without the reviewer's decision, where the step needs every outcome decided.
    ReviewUndecided = "review-undecided",
    // Targeted Improvement Plans.
    /// A TIP is made from a review that is not finalised.
    ReviewNotFinalised = "review-not-finalised",
    /// A TIP's `review_sha256` is not the named review's: it has changed since.
    TipMismatch = "tip-mismatch",
    /// A TIP action (or a plan row) whose id is not one of the review's recommendations.
    UnknownRecommendation = "unknown-recommendation",
    /// An open action in an approved TIP has no target date.
    MissingDue = "missing-due",
    // Data calls and their answers.
    /// A `when` or `exposed` rule that does not parse or does not fit the questions it names.
    InvalidRule = "invalid-rule",
    /// An answer, rule or `when` names a question the call does not have.
    UnknownQuestion = "unknown-question",
    /// An answer of the wrong kind for its question, or not one of its choices.
    InvalidAnswer = "invalid-answer",
    /// An answer to a question that is not asked, its `when` not being met.
    UnaskedQuestion = "unasked-question",
    /// A required question that is asked but not answered.
    MissingAnswer = "missing-answer",
    /// A CSAF advisory that does not follow the CSAF 2.0 schema.
    InvalidCsaf = "invalid-csaf",
}

impl Code {
    /// The code with this kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Code::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format_args!("unknown diagnostic code `{name}`"))
        })
    }
}

/// What a diagnostic is about, beyond its message: the framework (and outcome) whose ids the
/// file got wrong. A front end uses it to point somewhere the library cannot name, such as a
/// command that lists a framework's outcomes. It is not part of the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    Framework(String),
    Outcome { framework: String, outcome: String },
}

/// A file's name (as the user gave it) and its text, shared by every diagnostic that points into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    inner: Arc<SourceInner>,
}

#[derive(Debug)]
struct SourceInner {
    name: String,
    text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(SourceInner {
                name: name.into(),
                text: text.into(),
            }),
        }
    }

    /// The file `name` with content `bytes`, or, when they are not UTF-8 text, one
    /// `invalid-encoding` diagnostic located at the first byte that is not.
    pub fn decode(name: impl Into<String>, bytes: Vec<u8>) -> Result<Self, Vec<Diagnostic>> {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(name, text)),
            Err(e) => Err(vec![utf8_diagnostic(name, e.as_bytes(), e.utf8_error())]),
        }
    }

    /// The text, if no diagnostic still shares it: a caller reading many files reuses it as
    /// the next file's buffer.
    pub fn into_text(self) -> Option<String> {
        Arc::into_inner(self.inner).map(|inner| inner.text)
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The byte offset of a 1-based line and column counted in bytes, as JSON parsers report
    /// them (the inverse of [`SourceFile::locate`]); past the end is the end.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let text = self.text();
        let start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        (start + column.saturating_sub(1)).min(text.len())
    }

    /// Turns a byte range into a 1-based line and column (columns count characters, not bytes).
    /// The excerpt is the line, or at most [`EXCERPT_CHARS`] characters of it around the
    /// position, so a diagnostic's size does not grow with the line's.
    pub fn locate(&self, span: Range<usize>) -> Location {
        let text = self.text();
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let before = &text.as_bytes()[..start];
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let line_end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let whole = text[line_start..line_end].trim_end_matches('\r');
        // A window that starts a little before the position when the line is long.
        let skip = (column - 1).saturating_sub(EXCERPT_CHARS / 4);
        let excerpt: String = whole.chars().skip(skip).take(EXCERPT_CHARS).collect();
        let width = text[start..end.min(line_end).max(start)]
            .chars()
            .take(EXCERPT_CHARS)
            .count()
            .max(1);
        Location {
            file: self.name().to_string(),
            line,
            column,
            line_text: Some(excerpt),
            width,
            excerpt_offset: skip,
        }
    }
}

/// The most characters of a line a diagnostic quotes.
pub const EXCERPT_CHARS: usize = 160;
/// The most characters of a message (which may quote the file).
pub const MESSAGE_CHARS: usize = 400;
/// The most diagnostics kept for one file; a last one says how many more there were.
pub const MAX_PER_FILE: usize = 50;
/// The most diagnostics of one code kept for one file, so that a flood of one kind of problem
/// does not hide the others.
pub const MAX_PER_CODE: usize = 10;

/// `text`, cut to `max` characters with an ellipsis if longer.
pub fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((at, _)) => format!("{}…", &text[..at]).into(),
    }
}

/// The `invalid-encoding` diagnostic for `bytes`, which are valid up to `error.valid_up_to()`.
pub fn utf8_diagnostic(name: String, bytes: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let at = error.valid_up_to();
    // Only the text up to the end of the bad byte's line is needed to locate it; what precedes
    // the byte is valid, so its offset is the same in the lossy copy.
    let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    let shown = SourceFile::new(name, String::from_utf8_lossy(&bytes[..line_end]));
    let byte = bytes.get(at).copied().unwrap_or_default();
    Diagnostic::error(
        Code::InvalidEncoding,
        format!("the file is not UTF-8 text: byte 0x{byte:02X} here is not part of a UTF-8 character"),
    )
    .at(&shown, at..at + 1)
    .help("save the file as UTF-8 text; a binary file or a document in another encoding cannot be read")
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Where a diagnostic points: a file and, when known, a position in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub line_text: Option<String>,
    #[serde(skip)]
    pub width: usize,
    /// Characters of the line before `line_text` begins (a long line is quoted in part).
    #[serde(skip)]
    pub excerpt_offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in an input file. Its JSON (`code`, `severity`, `message`, `location`,
/// `help`) is what the collection service returns for a refused submission; it reads back into
/// the same type, without the source line and [`About`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip)]
    pub about: Option<About>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: None,
            about: None,
        }
    }

    /// A problem worth saying that does not make the file invalid.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn at(mut self, source: &SourceFile, span: Range<usize>) -> Self {
        self.location = Some(source.locate(span));
        self
    }

    /// Points at the file as a whole (no position is known).
    pub fn in_file(mut self, file: &str) -> Self {
        self.location = Some(Location {
            file: file.to_string(),
            line: 0,
            column: 0,
            line_text: None,
            width: 0,
            excerpt_offset: 0,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn about(mut self, about: About) -> Self {
        self.about = Some(about);
        self
    }

    /// A located diagnostic for a `toml` error whose kind is known.
    fn from_toml(source: &SourceFile, code: Code, error: &toml::de::Error) -> Self {
        let help = match code {
            Code::UnknownKey => {
                "remove the key or correct its spelling; the expected keys are listed above"
            }
            Code::MissingKey => "add the key to this table",
            Code::InvalidType => "give the value the type named above",
            _ => "fix the TOML syntax at this position",
        };
        let diagnostic = Self::error(code, clip(error.message().trim(), MESSAGE_CHARS)).help(help);
        match error.span() {
            Some(span) => diagnostic.at(source, span),
            None => diagnostic.in_file(source.name()),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.location {
            Some(loc) if loc.line > 0 => write!(f, "{}:{}:{}: ", loc.file, loc.line, loc.column)?,
            Some(loc) => write!(f, "{}: ", loc.file)?,
            None => {}
        }
        write!(f, "{severity}[{}]: {}", self.code, self.message)?;
        if let Some(Location {
            line,
            column,
            line_text: Some(text),
            width,
            excerpt_offset,
            ..
        }) = &self.location
        {
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            let caret_pad: String = text
                .chars()
                .take(column.saturating_sub(1 + excerpt_offset))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{pad} |\n{line} | {text}\n{pad} | {caret_pad}{}",
                "^".repeat(*width)
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one file during a validation pass: each distinct problem (code and
/// message) once, and in the end the first [`MAX_PER_FILE`] in file order, at most
/// [`MAX_PER_CODE`] of each code, so that what a file
/// can make us report is bounded whatever it repeats. Positions are worked out only for the
/// diagnostics kept.
#[derive(Debug)]
pub struct Diagnostics<'a> {
    source: &'a SourceFile,
    /// Each with the byte offset it sorts by and the span still to locate.
    pending: Vec<(usize, Diagnostic, Option<Range<usize>>)>,
    seen: std::collections::HashSet<(Code, String)>,
    /// Problems not kept: repeats and those beyond the caps.
    omitted: usize,
}

/// The most distinct problems held while a file is checked, of which the first
/// [`MAX_PER_FILE`] in file order are kept.
const MAX_PENDING: usize = 2_000;

impl<'a> Diagnostics<'a> {
    pub fn new(source: &'a SourceFile) -> Self {
        Self {
            source,
            pending: Vec::new(),
            seen: std::collections::HashSet::new(),
            omitted: 0,
        }
    }

    pub fn source(&self) -> &'a SourceFile {
        self.source
    }

    /// Records an error at `span`, with a help line saying what to do.
    pub fn error(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push_at(Diagnostic::error(code, message).help(help), span);
    }

    /// Records `diagnostic` at `span` of this file.
    pub fn push_at(&mut self, diagnostic: Diagnostic, span: Range<usize>) {
        if let Some(diagnostic) = self.admit(diagnostic) {
            self.pending.push((span.start, diagnostic, Some(span)));
        }
    }

    /// Records a diagnostic that is about the file as a whole (it is listed after those with a
    /// position).
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if let Some(diagnostic) = self.admit(diagnostic) {
            self.pending.push((usize::MAX, diagnostic, None));
        }
    }

    /// The diagnostic, clipped, unless it repeats one already held or too many are held.
    fn admit(&mut self, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
        if self.pending.len() >= MAX_PENDING {
            self.omitted += 1;
            return None;
        }
        if let std::borrow::Cow::Owned(clipped) = clip(&diagnostic.message, MESSAGE_CHARS) {
            diagnostic.message = clipped;
        }
        if !self
            .seen
            .insert((diagnostic.code, diagnostic.message.clone()))
        {
            self.omitted += 1;
            return None;
        }
        Some(diagnostic)
    }

    pub fn has_errors(&self) -> bool {
        self.pending.iter().any(|(_, d, _)| d.is_error())
    }

    /// Returns `value` when no error was recorded, otherwise the first diagnostics in file
    /// order (and last, how many were left out).
    pub fn finish<T>(mut self, value: T) -> Result<T, Vec<Diagnostic>> {
        if !self.has_errors() {
            return Ok(value);
        }
        // Stable: problems at one position keep the order they were found in.
        self.pending.sort_by_key(|(at, ..)| *at);
        let held = self.pending.len();
        let mut per_code: std::collections::HashMap<Code, usize> = Default::default();
        let source = self.source;
        let mut found: Vec<Diagnostic> = (self.pending.into_iter())
            .filter(|(_, d, _)| {
                let count = per_code.entry(d.code).or_default();
                *count += 1;
                *count <= MAX_PER_CODE
            })
            .take(MAX_PER_FILE)
            .map(|(_, d, span)| match span {
                Some(span) => d.at(source, span),
                None => d,
            })
            .collect();
        self.omitted += held - found.len();
        if self.omitted > 0 {
            found.push(
                Diagnostic::error(
                    Code::MoreProblems,
                    format!(
                        "{} more problems are not listed: each distinct problem is listed once, at most {MAX_PER_CODE} of a kind and {MAX_PER_FILE} in all",
                        self.omitted
                    ),
                )
                .help("fix the problems listed and check the file again")
                .in_file(source.name()),
            );
        }
        Err(found)
    }
}

/// Reads a TOML file into `T`. A failure is one located diagnostic (in a `Vec`, the form every
/// loader returns): a syntax error when the text does not parse (known by construction: the
/// document is parsed before anything is deserialized), otherwise the kind `data_error_code`
/// gives.
pub fn parse_toml<'a, T: serde::Deserialize<'a>>(
    source: &'a SourceFile,
) -> Result<T, Vec<Diagnostic>> {
    let document = toml::de::Deserializer::parse(source.text())
        .map_err(|e| vec![Diagnostic::from_toml(source, Code::TomlSyntax, &e)])?;
    T::deserialize(document).map_err(|e| {
        vec![Diagnostic::from_toml(
            source,
            data_error_code(e.message()),
            &e,
        )]
    })
}

/// The code for an error raised while deserializing a parsed document.
///
/// Derived `Deserialize` impls report unknown and missing fields through `serde::de::Error`'s
/// provided methods, which `toml::de::Error` does not override: they only reach it as text,
/// worded by serde ("unknown field `x`, expected ...", "missing field `x`"). That wording is
/// the one thing read here; the tests below pin it, so a change in either crate fails them
/// rather than silently turning every unknown key into an `invalid-type`.
fn data_error_code(message: &str) -> Code {
    if message.starts_with("unknown field") {
        Code::UnknownKey
    } else if message.starts_with("missing field") {
        Code::MissingKey
    } else {
        // "invalid type", "invalid value", "invalid length", "unknown variant", and the
        // messages of hand-written impls: the value is there but is not one that fits.
        Code::InvalidType
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_and_byte_column_is_the_offset_that_locates_back_to_it() {
        let source = SourceFile::new("a.json", "{\r\n  \"é\": tru\n}");
        let offset = source.offset(2, 9);
        assert_eq!(&source.text()[offset..offset + 3], "tru");
        let loc = source.locate(offset..offset + 1);
        // Columns count characters on the way back: "é" is two bytes.
        assert_eq!((loc.line, loc.column), (2, 8));
        assert_eq!(source.offset(9, 1), source.text().len());
        assert_eq!(source.offset(0, 0), 0);
    }

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let source = SourceFile::new("a.toml", "x = 1\nname = \"Café\" # é\nz = 3\n");
        let offset = source.text().find('#').unwrap();
        let loc = source.locate(offset..offset + 1);
        assert_eq!((loc.line, loc.column), (2, 15));
        assert_eq!(loc.line_text.as_deref(), Some("name = \"Café\" # é"));
    }

    #[test]
    fn renders_file_line_column_and_caret() {
        let source = SourceFile::new("f.toml", "a = 1\nbad = 2\n");
        let d = Diagnostic::error(Code::UnknownKey, "unknown key `bad`")
            .at(&source, 6..9)
            .help("remove it");
        assert_eq!(
            d.to_string(),
            "f.toml:2:1: error[unknown-key]: unknown key `bad`\n  |\n2 | bad = 2\n  | ^^^\n  = help: remove it"
        );
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let source = SourceFile::new("f.toml", "é");
        let loc = source.locate(1..99);
        assert_eq!(loc.line, 1);
    }

    /// The codes `docs/diagnostics.md` documents: the backticked names in the first cell of
    /// each row of its table.
    fn documented_codes() -> Vec<String> {
        let doc = include_str!("../../../docs/diagnostics.md");
        doc.lines()
            .filter(|line| line.starts_with("| `"))
            .flat_map(|line| {
                let cell = line.split('|').nth(1).unwrap_or_default();
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn every_code_is_documented_and_every_documented_code_exists() {
        let documented = documented_codes();
        for code in Code::ALL {
            assert!(
                documented.iter().any(|d| d == code.as_str()),
                "`{code}` is missing from docs/diagnostics.md"
            );
        }
        for name in &documented {
            assert!(
                Code::from_name(name).is_some(),
                "docs/diagnostics.md documents `{name}`, which is not a diagnostic code"
            );
        }
        let mut unique = documented.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), documented.len(), "a code is documented twice");
    }

    #[test]
    fn code_names_are_distinct_kebab_case() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for name in &names {
            assert!(
                name.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{name}"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn codes_are_json_strings_both_ways() {
        for &code in Code::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
            assert_eq!(code.to_string(), code.as_str());
        }
        let unknown = serde_json::from_str::<Code>("\"no-such-code\"").unwrap_err();
        assert!(unknown.to_string().contains("no-such-code"), "{unknown}");
    }

    #[test]
    fn a_diagnostic_reads_back_from_its_json() {
        let source = SourceFile::new("f.toml", "a = 1\nbad = 2\n");
        let d = Diagnostic::error(Code::UnknownKey, "unknown key `bad`")
            .at(&source, 6..9)
            .help("remove it")
            .about(About::Framework("caf-4.0".into()));
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"code":"unknown-key","severity":"error","message":"unknown key `bad`","location":{"file":"f.toml","line":2,"column":1},"help":"remove it"}"#
        );
        let back: Diagnostic = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (back.code, back.severity),
            (Code::UnknownKey, Severity::Error)
        );
        assert_eq!(
            (back.message.as_str(), back.help.as_deref()),
            (d.message.as_str(), Some("remove it"))
        );
        let loc = back.location.unwrap();
        assert_eq!((loc.file.as_str(), loc.line, loc.column), ("f.toml", 2, 1));
        // The source line and the `About` stay behind.
        assert_eq!((loc.line_text, back.about), (None, None));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        name: String,
        count: u32,
        #[serde(default)]
        level: Option<Level>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Level {
        Low,
        High,
    }

    fn toml_problem(text: &str) -> Diagnostic {
        let mut found = parse_toml::<Shape>(&SourceFile::new("s.toml", text)).unwrap_err();
        assert_eq!(found.len(), 1);
        found.remove(0)
    }

    /// One test per kind, pinning the wording `data_error_code` reads (serde's, passed through
    /// by `toml`): an upgrade of either crate that changes it fails here.
    #[test]
    fn toml_syntax_errors_are_known_by_construction() {
        for text in [
            "name = \"x\"\ncount = \n",
            "name = \"unterminated\ncount = 1\n",
            "name = \"x\"\nname = \"y\"\ncount = 1\n",
            "[table\n",
        ] {
            let d = toml_problem(text);
            assert_eq!(d.code, Code::TomlSyntax, "{text:?}: {d}");
            assert!(d.location.is_some_and(|l| l.line > 0), "{text:?}");
        }
    }

    #[test]
    fn toml_unknown_field_wording() {
        let d = toml_problem("name = \"x\"\ncount = 1\ncolour = \"red\"\n");
        assert!(
            d.message
                .starts_with("unknown field `colour`, expected one of"),
            "{}",
            d.message
        );
        assert_eq!(d.code, Code::UnknownKey);
        assert_eq!(d.location.map(|l| (l.line, l.column)), Some((3, 1)));
    }

    #[test]
    fn toml_missing_field_wording() {
        let d = toml_problem("name = \"x\"\n");
        assert!(
            d.message.starts_with("missing field `count`"),
            "{}",
            d.message
        );
        assert_eq!(d.code, Code::MissingKey);
    }

    #[test]
    fn toml_invalid_type_wording() {
        let d = toml_problem("name = \"x\"\ncount = \"three\"\n");
        assert!(
            d.message.starts_with("invalid type: string \"three\""),
            "{}",
            d.message
        );
        assert_eq!(d.code, Code::InvalidType);
        assert_eq!(d.location.map(|l| (l.line, l.column)), Some((2, 9)));
    }

    #[test]
    fn toml_invalid_value_wording() {
        let d = toml_problem("name = \"x\"\ncount = -1\n");
        assert!(
            d.message.starts_with("invalid value: integer `-1`"),
            "{}",
            d.message
        );
        assert_eq!(d.code, Code::InvalidType);
        let d = toml_problem("name = \"x\"\ncount = 1\nlevel = \"middling\"\n");
        assert!(
            d.message.starts_with("unknown variant `middling`"),
            "{}",
            d.message
        );
        assert_eq!(d.code, Code::InvalidType);
    }

    #[test]
    fn well_formed_toml_parses() {
        let shape: Shape = parse_toml(&SourceFile::new(
            "s.toml",
            "name = \"x\"\ncount = 2\nlevel = \"high\"\n",
        ))
        .unwrap();
        assert_eq!(shape.count, 2);
    }
}

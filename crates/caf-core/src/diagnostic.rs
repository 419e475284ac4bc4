//! Located problems in input files.
//!
//! Every file `caf` reads (frameworks, profile packs, mappings, assessments) is checked in two
//! passes: the `toml` crate first (syntax, types, unknown keys), then a semantic pass that keeps
//! going after the first problem so that a person fixing a file sees every problem at once.
//! Both passes produce [`Diagnostic`]s: data with a stable kebab-case code, a message, a help
//! line and a location, rendered as `file:line:column: error[code]: message` plus the offending
//! source line. Codes are documented in `docs/diagnostics.md`.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

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

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// Turns a byte range into a 1-based line and column (columns count characters, not bytes).
    pub fn locate(&self, span: Range<usize>) -> Location {
        let text = self.text();
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let width = text[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        Location {
            file: self.name().to_string(),
            line,
            column,
            line_text: Some(line_text),
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Where a diagnostic points: a file and, when known, a position in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub line_text: Option<String>,
    #[serde(skip)]
    pub width: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: None,
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
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Converts a `toml` syntax, type or unknown-key error into a located diagnostic.
    pub fn from_toml(source: &SourceFile, error: &toml::de::Error) -> Self {
        let message = error.message().trim().to_string();
        let code = if message.starts_with("unknown field") {
            "unknown-key"
        } else if message.starts_with("missing field") {
            "missing-key"
        } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
            "invalid-type"
        } else {
            "toml-syntax"
        };
        let help = match code {
            "unknown-key" => {
                "remove the key or correct its spelling; the expected keys are listed above"
            }
            "missing-key" => "add the key to this table",
            "invalid-type" => "give the value the type named above",
            _ => "fix the TOML syntax at this position",
        };
        let diagnostic = Self::error(code, message).help(help);
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
            ..
        }) = &self.location
        {
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            let caret_pad: String = text
                .chars()
                .take(column - 1)
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

/// Collects diagnostics for one file during a validation pass.
#[derive(Debug)]
pub struct Diagnostics<'a> {
    source: &'a SourceFile,
    found: Vec<Diagnostic>,
}

impl<'a> Diagnostics<'a> {
    pub fn new(source: &'a SourceFile) -> Self {
        Self {
            source,
            found: Vec::new(),
        }
    }

    pub fn source(&self) -> &'a SourceFile {
        self.source
    }

    /// Records an error at `span`, with a help line saying what to do.
    pub fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.found.push(
            Diagnostic::error(code, message)
                .at(self.source, span)
                .help(help),
        );
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.found.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.found.iter().any(Diagnostic::is_error)
    }

    /// Returns `value` when no error was recorded, otherwise every diagnostic in file order.
    pub fn finish<T>(mut self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.has_errors() {
            self.found.sort_by_key(|d| {
                d.location
                    .as_ref()
                    .map(|l| (l.line, l.column))
                    .unwrap_or_default()
            });
            Err(self.found)
        } else {
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let d = Diagnostic::error("unknown-key", "unknown key `bad`")
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
}

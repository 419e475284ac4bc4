//! Single assessment files shaped to hurt a reader: for property tests of time and memory
//! bounds, and for benchmarks.
//!
//! Each [`Hostile`] kind is a file of exactly the size asked for (at least [`MIN_SIZE`]), so a
//! test can sit at a limit, such as the service's 512 KiB ([`SUBMISSION_LIMIT`]). Every file
//! starts like a valid CAF v3.2 assessment, so a reader gets past the header to the hostile
//! part. Deterministic: the same kind and size give the same bytes.
//!
//! ```
//! use caf_core::aggregate::synth::hostile::{Hostile, SUBMISSION_LIMIT, generate};
//! for kind in Hostile::ALL {
//!     let bytes = generate(kind, SUBMISSION_LIMIT);
//!     assert_eq!(bytes.len(), SUBMISSION_LIMIT);
//!     // ... feed `bytes` to the reader, the CLI or the server and bound its time and memory.
//! }
//! ```
//!
//! From the command line: `caf synth --hostile all --size 524288 -o DIR` writes
//! `DIR/<kind>.toml` for every kind.

use std::fmt;

/// The service's limit on one submission's size.
pub const SUBMISSION_LIMIT: usize = 512 * 1024;

/// The smallest size every kind can be written at.
pub const MIN_SIZE: usize = 512;

/// A shape of file that is cheap to write and may be expensive to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hostile {
    /// One statement repeated in `selected` on one line: a duplicate per entry, each on the
    /// same long line.
    Repetition,
    /// The same, one statement per line: a duplicate per line.
    StatementPerLine,
    /// A valid file whose comment is one very long string of mixed-width characters.
    LongComment,
    /// A statement reference that long: an unknown statement quoting a huge line.
    LongStatement,
    /// Arrays nested as deep as the size allows, where a comment belongs.
    DeepNesting,
    /// Not text: a PNG signature then pseudo-random bytes, NULs included.
    Binary,
    /// A valid file up to a comment holding invalid UTF-8 on its last line.
    InvalidUtf8,
    /// A valid file whose last line ends in a lone `\r` (not a line ending in TOML).
    LoneCr,
}

impl Hostile {
    pub const ALL: [Hostile; 8] = [
        Hostile::Repetition,
        Hostile::StatementPerLine,
        Hostile::LongComment,
        Hostile::LongStatement,
        Hostile::DeepNesting,
        Hostile::Binary,
        Hostile::InvalidUtf8,
        Hostile::LoneCr,
    ];

    /// The kebab-case name, as `caf synth --hostile` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Hostile::Repetition => "repetition",
            Hostile::StatementPerLine => "statement-per-line",
            Hostile::LongComment => "long-comment",
            Hostile::LongStatement => "long-statement",
            Hostile::DeepNesting => "deep-nesting",
            Hostile::Binary => "binary",
            Hostile::InvalidUtf8 => "invalid-utf8",
            Hostile::LoneCr => "lone-cr",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether a correct reader accepts the file.
    pub fn is_valid(self) -> bool {
        self == Hostile::LongComment
    }
}

impl fmt::Display for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const HEADER: &str = "framework = \"caf-3.2\"\nprofile = \"baseline\"\nperiod = \"2026/27\"\n\n\
[organisation]\nname = \"Hostile Shapes Ltd\"\nid = \"HOSTILE\"\n\n[outcomes.\"A1.a\"]\n";

/// A file of `kind`, `size` bytes long (or [`MIN_SIZE`] if `size` is smaller).
pub fn generate(kind: Hostile, size: usize) -> Vec<u8> {
    let size = size.max(MIN_SIZE);
    let mut t = HEADER.as_bytes().to_vec();
    match kind {
        Hostile::Repetition => list(&mut t, size, b" "),
        Hostile::StatementPerLine => list(&mut t, size, b"\n"),
        Hostile::LongComment => {
            t.extend_from_slice(b"selected = [\"A1.a.A.1\"]\ncomment = \"");
            // One, two, three and four bytes wide.
            fill(&mut t, size - 2, "a£€😀".as_bytes());
            t.extend_from_slice(b"\"\n");
        }
        Hostile::LongStatement => {
            t.extend_from_slice(b"selected = [\"A1.a.A.1");
            fill(&mut t, size - 3, b"x");
            t.extend_from_slice(b"\"]\n");
        }
        Hostile::DeepNesting => {
            t.extend_from_slice(b"selected = []\ncomment = ");
            let depth = (size - t.len() - 1) / 2;
            t.resize(t.len() + depth, b'[');
            t.resize(t.len() + depth, b']');
            pad_line(&mut t, size);
        }
        Hostile::Binary => {
            t = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
            let mut state = 0x243F_6A88_85A3_08D3u64;
            while t.len() < size {
                // xorshift64: any fixed stream of bytes will do.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                t.extend_from_slice(&state.to_le_bytes());
            }
            t.truncate(size);
        }
        Hostile::InvalidUtf8 => {
            let tail: &[u8] =
                b"comment = \"Caf\xC3\x28 budget \xFF\xFE of \xE2\x82 and \xF0\x9F\x98\"\n";
            t.extend_from_slice(b"selected = [\"A1.a.A.1\"]\n");
            comment_lines(&mut t, size - tail.len());
            t.extend_from_slice(tail);
        }
        Hostile::LoneCr => {
            let tail: &[u8] = b"selected = [\"A1.a.A.1\"]\r";
            comment_lines(&mut t, size - tail.len());
            t.extend_from_slice(tail);
        }
    }
    debug_assert_eq!(t.len(), size, "{kind}");
    t
}

/// `selected = ["A1.a.A.1",<sep>"A1.a.A.1", …]` filling the file to `size`.
fn list(t: &mut Vec<u8>, size: usize, separator: &[u8]) {
    const ITEM: &[u8] = b"\"A1.a.A.1\",";
    t.extend_from_slice(b"selected = [");
    let end = size - 2;
    while t.len() + ITEM.len() + separator.len() <= end {
        t.extend_from_slice(ITEM);
        t.extend_from_slice(separator);
    }
    // Spaces are allowed before the closing bracket; they make the size exact.
    t.resize(end, b' ');
    t.extend_from_slice(b"]\n");
}

/// Repeats `unit` up to `end`, then ASCII to make the length exact (a unit is never split).
fn fill(t: &mut Vec<u8>, end: usize, unit: &[u8]) {
    while t.len() + unit.len() <= end {
        t.extend_from_slice(unit);
    }
    t.resize(end, b'a');
}

/// Ends the file with a newline at exactly `size`, padding the last line with spaces.
fn pad_line(t: &mut Vec<u8>, size: usize) {
    t.resize(size - 1, b' ');
    t.push(b'\n');
}

/// `#` comment lines of ordinary prose up to `end` (valid TOML, many lines).
fn comment_lines(t: &mut Vec<u8>, end: usize) {
    const LINE: &[u8] =
        b"# Reviewed at the September board; no change to the statements selected.\n";
    while t.len() + LINE.len() <= end {
        t.extend_from_slice(LINE);
    }
    if t.len() < end {
        t.push(b'#');
        pad_line(t, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::framework::Catalog;

    #[test]
    fn every_kind_has_the_size_asked_for_and_reads_as_its_kind_says() {
        let catalog = Catalog::shipped();
        for size in [MIN_SIZE, 4096, 65_537] {
            for kind in Hostile::ALL {
                let bytes = generate(kind, size);
                assert_eq!(bytes.len(), size, "{kind}");
                assert_eq!(bytes, generate(kind, size), "{kind} is deterministic");
                let text = std::str::from_utf8(&bytes);
                assert_eq!(
                    text.is_ok(),
                    !matches!(kind, Hostile::Binary | Hostile::InvalidUtf8),
                    "{kind}"
                );
                if let Ok(text) = text {
                    let read =
                        crate::assessment::parse(&SourceFile::new(kind.name(), text), &catalog);
                    assert_eq!(read.is_ok(), kind.is_valid(), "{kind}: {read:?}");
                }
            }
        }
        // The repetition kinds repeat what they say.
        let per_line = String::from_utf8(generate(Hostile::StatementPerLine, 4096)).unwrap();
        assert!(per_line.matches("\"A1.a.A.1\",\n").count() > 300);
        assert_eq!(
            generate(Hostile::Repetition, 4096)
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
            10
        );
        assert!(generate(Hostile::LoneCr, 4096).ends_with(b"]\r"));
        assert_eq!(Hostile::from_name("lone-cr"), Some(Hostile::LoneCr));
    }
}

//! `caf-core`: the NCSC Cyber Assessment Framework as data, and everything that can be worked
//! out from it without a terminal, a network or a database.
//!
//! The crate is a pipeline:
//!
//! - [`framework`]: the CAF as data (objectives, principles, outcomes, indicators, rules,
//!   profiles, version mappings), the shipped frameworks embedded in the binary, and the
//!   loader that validates a framework file and reports every problem at once.
//! - [`assessment`]: what an organisation states, loaded from TOML and checked against its
//!   framework with located [`diagnostic`]s.
//! - [`scoring`]: selected statements to statuses, reasons, targets, roll-ups and gaps.
//! - [`aggregate`]: many assessments (from a [`aggregate::Source`]) read and scored in parallel,
//!   folded into population and group figures under disclosure control; the synthetic
//!   population generator for tests and benchmarks.
//! - [`walkthrough`]: the guided self-assessment as a terminal-free state machine, and the
//!   format-preserving writer that puts each confirmed answer on disk before the next question.
//! - [`plan`]: the improvement plan kept in the assessment file (actions with owner, due date
//!   and status), what is overdue, and its table form for spreadsheets.
//! - [`call`]: incident data calls: the call file and its rules, answers checked against it,
//!   the live status under disclosure control, and CSAF advisories as draft calls.
//! - [`report`]: one serialisable report model (cover, summary, roll-ups, every judgement,
//!   the improvement plan, the comparison with a previous period); `caf-render` draws it.
//!
//! - [`review`]: the assurance review of a self-assessment (independent or peer), paired with
//!   it by content hash, and its report model with prioritised recommendations.
//!
//! Nothing here prints, reads the environment, or knows a command-line flag.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod aggregate;
pub mod assessment;
pub mod call;
pub mod diagnostic;
pub mod error;
pub mod framework;
pub mod fsutil;
pub mod plan;
pub mod report;
pub mod review;
pub mod scoring;
pub mod skeleton;
pub mod text;
pub mod tip;
pub mod walkthrough;
pub mod webcaf;

pub use error::{Error, Result};

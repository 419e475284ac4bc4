//! `caf`: the NCSC Cyber Assessment Framework as a command-line tool and a library.
//!
//! The library is a pipeline; each stage knows nothing of terminals, files it did not open, or
//! the network:
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
//! - [`store`], [`server`], [`client`], [`api`]: the collection service. The store is the
//!   database (SQLite or PostgreSQL, one SQL path); the server is `caf serve`'s HTTP API over
//!   it; the client is what `caf submit` uses; `api` is the JSON both sides speak.
//! - [`walkthrough`]: the guided self-assessment as a terminal-free state machine, and the
//!   format-preserving writer that puts each confirmed answer on disk before the next question.
//! - [`report`]: one serialisable report model (cover, summary, roll-ups, every judgement,
//!   the improvement plan, the comparison with a previous period) and one thin renderer per
//!   format (PDF, HTML, Markdown, CSV, Excel, JSON).
//! - `pdf` (internal): the A4 layout primitives both PDF renderers (report and aggregate) draw with.
//! - [`cli`]: the only module that reads argv, prints, or chooses exit codes.

// Only the CLI talks to the terminal; everything else returns data (see src/cli/mod.rs).
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod aggregate;
pub mod api;
pub mod assessment;
pub mod cli;
pub mod client;
pub mod diagnostic;
pub mod error;
pub mod framework;
pub mod fsutil;
mod pdf;
pub mod report;
pub mod scoring;
pub mod server;
pub mod skeleton;
pub mod store;
pub mod walkthrough;

pub use error::{Error, Result};

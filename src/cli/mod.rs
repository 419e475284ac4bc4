//! The command line: argument parsing, output to the terminal, exit codes.
//!
//! This is the only module that prints or decides how the process ends. Each subcommand lives in
//! its own file as a thin layer over the library: parse → load → compute → render.
//!
//! Exit codes: 0 success; 1 `check` found outcomes below target; 2 invalid input or usage;
//! 3 I/O, database or server failure.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[cfg(feature = "server")]
mod admin;
mod aggregate;
mod assess;
#[cfg(feature = "client")]
mod call;
mod carry;
mod check;
#[cfg(feature = "client")]
mod config;
mod exit;
mod format;
mod frameworks;
mod import;
mod init;
mod output;
mod plan;
mod report;
mod review;
#[cfg(feature = "client")]
mod reviews;
mod score;
#[cfg(feature = "server")]
mod serve;
#[cfg(feature = "client")]
mod submissions;
#[cfg(feature = "client")]
mod submit;
mod synth;
mod tip;
#[cfg(feature = "client")]
mod tip_service;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use caf_core::framework::Catalog;
use exit::Error;

#[derive(Debug, Parser)]
#[command(
    name = "caf",
    version,
    about = "Assess, score and report against the NCSC Cyber Assessment Framework",
    long_about = "Assess, score and report against the NCSC Cyber Assessment Framework (CAF).\n\n\
                  Exit codes: 0 success, 1 below target (check), 2 invalid input or usage, 3 I/O failure."
)]
pub struct Cli {
    /// Folder of extra frameworks, profile packs and mappings (*.toml), added to the shipped ones.
    #[arg(long, global = true, env = "CAF_FRAMEWORKS", value_name = "DIR")]
    frameworks: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, show, validate and import frameworks.
    #[command(subcommand)]
    Frameworks(frameworks::FrameworksCommand),
    /// Write a new, commented assessment skeleton.
    Init(init::InitArgs),
    /// Bring another tool's assessment in as an assessment file (WebCAF).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Score an assessment: status and reason per outcome, roll-ups, gaps.
    Score(score::ScoreArgs),
    /// Walk through the outcomes interactively, saving each answer as it is confirmed.
    Assess(assess::AssessArgs),
    /// Check an assessment against its target profile (exit 0 met, 1 below target, 2 invalid).
    Check(check::CheckArgs),
    #[cfg(feature = "server")]
    /// Run the collection service (HTTP JSON API) on SQLite or PostgreSQL.
    Serve(serve::ServeArgs),
    #[cfg(feature = "client")]
    /// Validate an assessment and submit it to a collection service.
    Submit(submit::SubmitArgs),
    #[cfg(feature = "client")]
    /// List or show submissions held by a collection service.
    #[command(subcommand)]
    Submissions(submissions::SubmissionsCommand),
    #[cfg(feature = "client")]
    /// Assurance reviews on a collection service: submit, list, show, finalise, reopen, gap.
    #[command(subcommand)]
    Reviews(reviews::ReviewsCommand),
    #[cfg(feature = "client")]
    /// Incident data calls: create, answer, follow and close them; draft one from a CSAF advisory.
    #[command(subcommand)]
    Call(call::CallCommand),
    #[cfg(feature = "server")]
    /// Manage a collection service's organisations, tokens and audit log, on its database.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Export the improvement plan to a spreadsheet, or import one back into the file.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Review an assessment (a walk-through, or --init), finalise or reopen it, or report it.
    Review(review::ReviewArgs),
    /// Targeted Improvement Plans from finalised reviews: make, approve, check, submit.
    #[command(subcommand)]
    Tip(tip::TipCommand),
    /// Write the report: PDF, HTML, Markdown, CSV, Excel or JSON, with an improvement plan.
    Report(report::ReportArgs),
    /// Aggregate many assessments: coverage, outcomes by group, gaps, trends, suppliers.
    Aggregate(aggregate::AggregateArgs),
    /// Generate a synthetic population of assessments (deterministic for a seed).
    Synth(synth::SynthArgs),
    /// Print a shell completion script, e.g. `caf completions bash > /etc/bash_completion.d/caf`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), e.g. `caf man > caf.1`; with --dir, write one page per
    /// command (caf.1, caf-report.1, caf-admin-token.1, ...) into a folder.
    Man {
        /// Folder to write every page into (e.g. /usr/local/share/man/man1).
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// How a command ended, when it did not fail.
pub enum Outcome {
    Success,
    BelowTarget,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match dispatch(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::BelowTarget) => ExitCode::from(1),
        Err(error) if exit::is_closed_stdout(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Errors quote input files, so nothing in them may drive the terminal.
            eprintln!("{}", output::inert(&exit::render(&error)));
            if let Some(hint) = exit::hint(&error) {
                eprintln!("  = help: {}", output::inert(&hint));
            }
            ExitCode::from(exit::code(&error))
        }
    }
}

fn dispatch(cli: Cli) -> Result<Outcome, Error> {
    use clap::CommandFactory;
    let catalog = || match &cli.frameworks {
        Some(dir) => Catalog::with_dir(dir),
        None => Ok(Catalog::shipped()),
    };
    match cli.command {
        Command::Frameworks(command) => frameworks::run(command, &catalog()?),
        Command::Init(args) => init::run(args, &catalog()?),
        Command::Import(command) => import::run(command, &catalog()?),
        Command::Score(args) => score::run(args, &catalog()?),
        Command::Check(args) => check::run(args, &catalog()?),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve::run(args, catalog()?),
        #[cfg(feature = "client")]
        Command::Submit(args) => submit::run(args, &catalog()?),
        #[cfg(feature = "client")]
        Command::Submissions(command) => submissions::run(command),
        #[cfg(feature = "client")]
        Command::Reviews(command) => reviews::run(command),
        #[cfg(feature = "client")]
        Command::Call(command) => call::run(command),
        #[cfg(feature = "server")]
        Command::Admin(command) => admin::run(command),
        Command::Report(args) => report::run(args, &catalog()?),
        Command::Plan(command) => plan::run(command, &catalog()?),
        Command::Review(args) => review::run(args, &catalog()?),
        Command::Tip(command) => tip::run(command, &catalog()?),
        Command::Aggregate(args) => aggregate::run(args, &catalog()?),
        Command::Synth(args) => synth::run(args, &catalog()?),
        Command::Assess(args) => assess::run(args, &catalog()?),
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "caf", &mut text);
            output::emit(&String::from_utf8_lossy(&text), None)?;
            Ok(Outcome::Success)
        }
        Command::Man { dir: None } => {
            output::emit(&String::from_utf8_lossy(&man_page(man_command())?), None)?;
            Ok(Outcome::Success)
        }
        Command::Man { dir: Some(dir) } => {
            let mut pages = Vec::new();
            man_pages(man_command(), &mut pages)?;
            for (name, text) in &pages {
                caf_core::fsutil::write_atomic(&dir.join(format!("{name}.1")), text)?;
            }
            Ok(Outcome::Success)
        }
    }
}

/// How a file written at `writing` names the file at `named` (a review its assessment, a TIP
/// its review): by file name when the two share a folder, else by absolute path.
fn name_beside(named: &std::path::Path, writing: &std::path::Path) -> String {
    let folder = |p: &std::path::Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        std::fs::canonicalize(parent).ok()
    };
    match (folder(named), named.file_name()) {
        (Some(a), Some(name)) if Some(&a) == folder(writing).as_ref() => {
            name.to_string_lossy().into_owned()
        }
        (Some(a), Some(name)) => a.join(name).display().to_string(),
        _ => named.display().to_string(),
    }
}

/// The command line as the manual describes it: without the `help` subcommand, which has no
/// page of its own (`--help` is on every page), and built, so each subcommand knows its
/// page's name (`caf-report`).
fn man_command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    command.build();
    command
}

fn man_page(command: clap::Command) -> Result<Vec<u8>, Error> {
    let mut text = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut text)
        .map_err(|source| Error::Write {
            path: "<stdout>".into(),
            source,
        })?;
    Ok(text)
}

/// The page of `command` and of every command under it, named as the pages refer to each
/// other (`caf-report`, `caf-admin-token`).
fn man_pages(command: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> Result<(), Error> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub.clone(), pages)?;
    }
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_string();
    pages.push((name, man_page(command)?));
    Ok(())
}

#[cfg(feature = "server")]
/// A tokio runtime for the commands that need one (the server, database access); the rest of
/// the CLI stays synchronous.
fn runtime(multi_thread: bool) -> Result<tokio::runtime::Runtime, Error> {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().map_err(Error::Runtime)
}

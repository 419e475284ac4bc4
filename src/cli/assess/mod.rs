//! `caf assess FILE`: the guided self-assessment in a terminal.
//!
//! This file is only the prompt layer. Where the officer is, where navigation leads and what an
//! answer changes live in [`caf_core::walkthrough`]; statuses come from [`caf_core::scoring`]. Each
//! confirmed answer goes through the format-preserving writer and onto disk (atomically)
//! before the next prompt is drawn, so Ctrl-C, Esc, `kill -9` or a power cut loses at most the
//! outcome being answered.
//!
//! Prompts are inquire's: Ctrl-C and Esc come back as errors and leave the terminal sane. When
//! stdin is not a terminal the command refuses at once rather than waiting for keys that
//! never come.
//!
//! The command is three ideas, one file each: [`start`] makes the file (a new skeleton, or
//! last period's answers carried forward), [`session`] walks the outcomes, and [`ui`] fits
//! prompts to the terminal.

mod session;
mod start;
pub(crate) mod ui;

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use inquire::error::InquireError;
use inquire::list_option::ListOption;
use inquire::ui::RenderConfig;
use inquire::validator::Validation;
use inquire::{Editor, MultiSelect, Select, Text};

use super::exit::{Error, Result};
use super::{Outcome, score};
use caf_core::assessment::{self, Date};
use caf_core::diagnostic::SourceFile;
use caf_core::framework::{Catalog, Framework, Status};
use caf_core::fsutil;
use caf_core::plan::ActionStatus;
use caf_core::scoring::{OutcomeScore, meets};
use caf_core::skeleton::{self, Header};
use caf_core::walkthrough::writer::AnswerFile;
use caf_core::walkthrough::{Change, Filter, Question, Walkthrough, carry};

use session::Session;
use start::{carry_forward, create};
use ui::Ui;

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The assessment file; created by --new or --carry-forward.
    pub file: PathBuf,
    /// Start at this outcome instead of the first unanswered one (e.g. B2.a).
    #[arg(long, value_name = "ID")]
    pub outcome: Option<String>,
    /// Create FILE, asking for the organisation's details first.
    #[arg(long, conflicts_with = "carry_forward")]
    pub new: bool,
    /// Start FILE as a new period from last period's answers; each carried answer is marked
    /// as needing review until you confirm it.
    #[arg(long, value_name = "LAST")]
    pub carry_forward: Option<PathBuf>,
    /// When continuing a file carried forward earlier, show LAST's answers beside each outcome
    /// and statement again, as --carry-forward does.
    #[arg(long, value_name = "LAST", conflicts_with_all = ["new", "carry_forward"])]
    pub last: Option<PathBuf>,
    /// Framework of a new file (default: caf-4.0, or last period's with --carry-forward).
    #[arg(long)]
    pub framework: Option<String>,
    /// Target profile of a new file (e.g. baseline).
    #[arg(long)]
    pub profile: Option<String>,
    /// Assessment period of a new file (default: the current financial year, or the one after
    /// last period's with --carry-forward).
    #[arg(long)]
    pub period: Option<String>,
}

/// Why the walk stopped early.
pub(crate) enum Stop {
    /// Ctrl-C, Esc or "Save and quit": everything confirmed is already on disk.
    Quit,
    Fail(Error),
}

impl<E: Into<Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Fail(e.into())
    }
}

pub(crate) type Step<T> = std::result::Result<T, Stop>;

pub(crate) fn ask<T>(result: inquire::error::InquireResult<T>) -> Step<T> {
    match result {
        Ok(value) => Ok(value),
        Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
            Err(Stop::Quit)
        }
        Err(InquireError::NotTTY) => Err(Stop::Fail(not_a_terminal())),
        Err(InquireError::IO(source)) => Err(Stop::Fail(Error::Write {
            path: "<terminal>".into(),
            source,
        })),
        Err(other) => Err(Stop::Fail(Error::Usage(other.to_string()))),
    }
}

fn not_a_terminal() -> Error {
    Error::Usage(
        "caf assess asks questions, and stdin is not a terminal.\n\
         Without a terminal: `caf init --org NAME -o FILE` writes a commented file to fill in,\n\
         `caf score FILE` scores it and `caf check FILE` checks it against its target."
            .into(),
    )
}

pub(crate) const NAV_HELP: &str = "↑↓ move, enter choose, esc save and quit";
const LEVEL_HELP: &str = "space toggle, → all, ← none, enter confirm, esc save and quit";

pub fn run(args: AssessArgs, catalog: &Catalog) -> Result<Outcome> {
    if !std::io::stdin().is_terminal() {
        return Err(not_a_terminal());
    }
    if (args.framework.is_some() || args.profile.is_some() || args.period.is_some())
        && !args.new
        && args.carry_forward.is_none()
    {
        return Err(Error::Usage(
            "--framework, --profile and --period describe a new file; use them with --new or --carry-forward"
                .into(),
        ));
    }
    let ui = Ui::new();
    inquire::set_global_render_config(if ui.colour {
        RenderConfig::default_colored()
    } else {
        RenderConfig::empty()
    });

    let mut carried = None;
    if args.new || args.carry_forward.is_some() {
        if args.file.exists() {
            return Err(Error::Usage(format!(
                "{} already exists; to continue it run `caf assess {0}`",
                args.file.display()
            )));
        }
        let created = match &args.carry_forward {
            Some(last) => carry_forward(&args, last, catalog, &ui).map(Some),
            None => create(&args, catalog, &ui).map(|()| None),
        };
        match created {
            Ok(prepared) => carried = prepared,
            Err(Stop::Quit) => {
                ui.say(&format!(
                    "Stopped; nothing was written to {}.",
                    args.file.display()
                ));
                return Ok(Outcome::Success);
            }
            Err(Stop::Fail(e)) => return Err(e),
        }
    } else if !args.file.exists() {
        return Err(Error::Usage(format!(
            "{0} does not exist; start it with `caf assess {0} --new --framework caf-4.0 --profile baseline`",
            args.file.display()
        )));
    }

    let loaded = assessment::load(&args.file, catalog)?;
    let loaded_framework = loaded.framework.clone();
    let profile = loaded.profile(None)?.cloned();
    let mut session = Session {
        walk: Walkthrough::new(loaded.framework.clone(), profile, loaded.assessment),
        file: AnswerFile::open(&args.file)?,
        catalog,
        ui,
        carried: match (carried, &args.last) {
            (Some(prepared), _) => Some(session::LastPeriod::from(prepared)),
            (None, Some(last)) => {
                Some(session::LastPeriod::load(last, catalog, &loaded_framework)?)
            }
            (None, None) => None,
        },
    };
    if let Some(id) = &args.outcome {
        session
            .walk
            .jump(id)
            .map_err(|e| Error::Usage(format!("--outcome: {e}")))?;
    }
    match session.walk() {
        Ok(()) => {
            session.finish()?;
            Ok(Outcome::Success)
        }
        Err(Stop::Quit) => {
            session.resume_message();
            Ok(Outcome::Success)
        }
        Err(Stop::Fail(e)) => {
            session.resume_message();
            Err(e)
        }
    }
}

fn usage(e: caf_core::walkthrough::StepError) -> Stop {
    Stop::Fail(Error::Usage(e.to_string()))
}

pub(crate) fn required(
    what: &'static str,
) -> impl Fn(&str) -> std::result::Result<Validation, inquire::CustomUserError> + Clone {
    move |text: &str| {
        Ok(if text.trim().is_empty() {
            Validation::Invalid(format!("{what} is required").into())
        } else {
            Validation::Valid
        })
    }
}

//! `caf call answer ID`: the call's questions in the terminal, in the prompt style of
//! `caf assess` (inquire; Esc or Ctrl-C saves and quits), each answer written to a draft file
//! before the next question, so a second run carries on where the first stopped. A question
//! whose `when` the answers so far do not meet is not asked. At the end the answers are
//! shown and, once confirmed, sent.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use inquire::error::InquireError;
use inquire::validator::Validation;
use inquire::{Confirm, MultiSelect, Select, Text};

use super::super::exit::{Error, Result};
use super::super::submit::ServerArgs;
use super::super::{Outcome, output};
use caf_core::call::answers::{Raw, fit, is_asked, to_toml};
use caf_core::call::{self, Answers, Call, Kind, Question};
use caf_core::diagnostic::SourceFile;

#[derive(Debug, Args)]
pub struct AnswerArgs {
    pub id: String,
    /// The draft kept between runs (default: ID.answers.toml in the current folder).
    #[arg(long, value_name = "FILE")]
    pub draft: Option<PathBuf>,
    /// Ignore the draft and ask every question again.
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Why the questions stopped.
enum Stop {
    Quit,
    Fail(Error),
}

const SKIP: &str = "(skip: not required)";

fn ask<T>(result: inquire::error::InquireResult<T>) -> std::result::Result<T, Stop> {
    match result {
        Ok(value) => Ok(value),
        Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
            Err(Stop::Quit)
        }
        Err(InquireError::IO(source)) => Err(Stop::Fail(Error::Write {
            path: "<terminal>".into(),
            source,
        })),
        Err(other) => Err(Stop::Fail(Error::Usage(other.to_string()))),
    }
}

pub fn run(args: AnswerArgs) -> Result<Outcome> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "caf call answer asks questions, and stdin is not a terminal.\n\
             Without a terminal: write the answers to a file and run `caf call respond {} --answers FILE`.",
            args.id
        )));
    }
    let client = args.server.client()?;
    let (call, version) = super::fetch(&client, &args.id)?;
    let draft = args
        .draft
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.answers.toml", call.id)));
    let mut answers = if args.restart {
        Answers::new()
    } else {
        read_draft(&draft, &call)
    };
    eprintln!("{} ({}): {}", call.id, call.severity.as_str(), call.title);
    eprintln!(
        "Deadline {}. Answers are saved to {} as you go.\n",
        call.deadline_text(),
        draft.display()
    );
    match walk(&call, &mut answers, &draft) {
        Ok(()) => {}
        Err(Stop::Quit) => {
            eprintln!(
                "Saved. Run `caf call answer {}` again to carry on.",
                call.id
            );
            return Ok(Outcome::Success);
        }
        Err(Stop::Fail(e)) => return Err(e),
    }
    eprintln!();
    for q in &call.questions {
        if let Some(v) = answers.get(&q.id) {
            eprintln!("  {}: {}", q.id, output::inert(&v.display()));
        }
    }
    match ask(Confirm::new("Send these answers?")
        .with_default(true)
        .prompt())
    {
        Ok(true) => super::send(&client, &call, version, &answers, false),
        Ok(false) | Err(Stop::Quit) => {
            eprintln!("Not sent; the answers are in {}.", draft.display());
            Ok(Outcome::Success)
        }
        Err(Stop::Fail(e)) => Err(e),
    }
}

/// The draft's answers that still fit the call (the call may have changed since).
fn read_draft(path: &std::path::Path, call: &Call) -> Answers {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Answers::new();
    };
    if let Ok(answers) = call::answers::from_toml(
        &SourceFile::new(path.display().to_string(), text.clone()),
        call,
    ) {
        return answers;
    }
    let Ok(table) = text.parse::<toml::Table>() else {
        return Answers::new();
    };
    let Some(given) = table.get("answers").and_then(toml::Value::as_table) else {
        return Answers::new();
    };
    given
        .iter()
        .filter_map(|(k, v)| {
            let q = call.question(k)?;
            Some((q.id.clone(), fit(q, &Raw::from_toml(v)).ok()?))
        })
        .collect()
}

fn save(call: &Call, answers: &Answers, draft: &std::path::Path) -> std::result::Result<(), Stop> {
    caf_core::fsutil::write_atomic(draft, to_toml(call, answers).as_bytes())
        .map_err(|e| Stop::Fail(e.into()))
}

fn walk(
    call: &Call,
    answers: &mut Answers,
    draft: &std::path::Path,
) -> std::result::Result<(), Stop> {
    let total = call.questions.len();
    for (n, q) in call.questions.iter().enumerate() {
        if !is_asked(q, answers) {
            if answers.remove(&q.id).is_some() {
                save(call, answers, draft)?;
            }
            continue;
        }
        if let Some(v) = answers.get(&q.id) {
            eprintln!(
                "{}/{total} {}: {} (from the draft)",
                n + 1,
                q.id,
                output::inert(&v.display())
            );
            continue;
        }
        let prompt = format!("{}/{total} {}", n + 1, output::inert(&q.text));
        if let Some(raw) = prompt_for(q, &prompt)? {
            match fit(q, &raw) {
                Ok(value) => {
                    answers.insert(q.id.clone(), value);
                }
                Err(message) => return Err(Stop::Fail(Error::Usage(message))),
            }
        }
        save(call, answers, draft)?;
    }
    Ok(())
}

/// What was typed for a number, date or text question; `None` when nothing was.
fn typed(q: &Question, input: &str) -> Option<Raw> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    Some(match (q.kind, input.parse::<f64>()) {
        (Kind::Number, Ok(n)) => Raw::Number(n),
        _ => Raw::Text(input.to_string()),
    })
}

/// One question's prompt; `None` when an optional question is skipped.
fn prompt_for(q: &Question, prompt: &str) -> std::result::Result<Option<Raw>, Stop> {
    let mut options: Vec<String> = q.choices.clone();
    if !q.required && q.kind != Kind::MultiChoice {
        options.push(SKIP.to_string());
    }
    Ok(match q.kind {
        Kind::YesNo | Kind::Choice => {
            let chosen = ask(Select::new(prompt, options)
                .with_help_message("↑↓ move, enter choose, esc save and quit")
                .prompt())?;
            (chosen != SKIP).then_some(Raw::Text(chosen))
        }
        Kind::MultiChoice => {
            let chosen = ask(MultiSelect::new(prompt, options)
                .with_help_message("space toggle, enter confirm, esc save and quit")
                .prompt())?;
            Some(Raw::List(chosen.into_iter().map(Raw::Text).collect()))
        }
        Kind::Number | Kind::Date | Kind::Text => {
            let help = match (q.kind, q.required) {
                (Kind::Number, true) => "a number",
                (Kind::Number, false) => "a number, or enter to skip",
                (Kind::Date, true) => "a date, YYYY-MM-DD",
                (Kind::Date, false) => "a date, YYYY-MM-DD, or enter to skip",
                (_, true) => "required",
                (_, false) => "enter to skip",
            };
            let question = q.clone();
            // The answer is checked as the service checks it before the prompt lets it go.
            let value = ask(Text::new(prompt)
                .with_help_message(help)
                .with_validator(move |s: &str| {
                    Ok(match typed(&question, s) {
                        None if question.required => {
                            Validation::Invalid("this question is required".into())
                        }
                        None => Validation::Valid,
                        Some(raw) => match fit(&question, &raw) {
                            Ok(_) => Validation::Valid,
                            Err(message) => Validation::Invalid(message.into()),
                        },
                    })
                })
                .prompt())?;
            typed(q, &value)
        }
    })
}

//! The review walk-through's prompts: each outcome with the self-assessment beside it, the
//! reviewer's decision, statement agreements, comment and recommendations; each objective's
//! notes; the overall fields; completing the review. Each confirmed answer is written to the
//! file before the next prompt is drawn, so Ctrl-C, Esc or `kill -9` loses at most the answer
//! being typed. Prompts and terminal handling are `caf assess`'s ([`crate::cli::assess`]).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use inquire::list_option::ListOption;
use inquire::ui::RenderConfig;
use inquire::{MultiSelect, Select, Text};

use super::{ReviewArgs, write_skeleton};
use crate::cli::Outcome;
use crate::cli::assess::ui::{Ui, shell_word, short_ref, truncate};
use crate::cli::assess::{NAV_HELP, Step, Stop, ask, required};
use crate::cli::exit::{Error, Result};
use crate::cli::output::inert;
use caf_core::assessment::LoadedAssessment;
use caf_core::diagnostic::SourceFile;
use caf_core::framework::{Catalog, Status};
use caf_core::fsutil;
use caf_core::review::file::ReviewFile;
use caf_core::review::walk::{Place, ReviewChange, ReviewWalk, WalkError};
use caf_core::review::{self, Decision, Overall, lifecycle};

const TEXT_HELP: &str = "enter saves; esc save and quit";

/// Items of the outcome menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Decide,
    Next,
    Statements,
    Comment,
    Recommend,
    RemoveRecommendation,
    Notes,
    OverallFields,
    Complete,
    FirstUndecided,
    Back,
    Jump,
    Quit,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Decide => "Give your decision",
            Action::Next => "Next",
            Action::Statements => "Agreement with each statement",
            Action::Comment => "Comment",
            Action::Recommend => "Add a recommendation",
            Action::RemoveRecommendation => "Remove a recommendation",
            Action::Notes => "Write the objective's notes",
            Action::OverallFields => "Overall fields (period, evidence, method, company)",
            Action::Complete => "Mark the review completed",
            Action::FirstUndecided => "Go to the first outcome without a decision",
            Action::Back => "Back",
            Action::Jump => "Jump to an outcome or objective",
            Action::Quit => "Save and quit",
        }
    }
}

fn not_a_terminal() -> Error {
    Error::Usage(
        "caf review asks questions, and stdin is not a terminal.\n\
         Without a terminal: `caf review ASSESSMENT --init -o REVIEW.toml` writes the review file to fill in,\n\
         and `caf review report REVIEW.toml --format json` checks and reports it."
            .into(),
    )
}

fn usage(e: WalkError) -> Stop {
    Stop::Fail(Error::Usage(e.to_string()))
}

struct Session<'a> {
    walk: ReviewWalk,
    file: ReviewFile,
    loaded: &'a LoadedAssessment,
    ui: Ui,
    assessment: &'a Path,
}

pub(super) fn run(
    args: &ReviewArgs,
    assessment: &Path,
    out: &Path,
    catalog: &Catalog,
) -> Result<Outcome> {
    let loaded = crate::cli::score::load(assessment, catalog)?;
    if out.exists() {
        // A finalised (or mismatched) review is refused before any question.
        let source = fsutil::read_source(out)?;
        lifecycle::refuse_finalised(&source, &review::read(&source, &loaded)?)?;
    }
    if !std::io::stdin().is_terminal() {
        return Err(not_a_terminal());
    }
    let ui = Ui::new();
    inquire::set_global_render_config(if ui.colour {
        RenderConfig::default_colored()
    } else {
        RenderConfig::empty()
    });
    if !out.exists() {
        write_skeleton(args, assessment, out, &loaded)?;
        ui.say(&format!(
            "Started the review of {} in {}.",
            assessment.display(),
            out.display()
        ));
    }
    let source = fsutil::read_source(out)?;
    let reviewed = review::read(&source, &loaded)?;
    lifecycle::refuse_finalised(&source, &reviewed)?;
    let walk = ReviewWalk::new(
        loaded.framework.clone(),
        loaded.profile(None)?,
        loaded.assessment.clone(),
        reviewed,
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let mut session = Session {
        walk,
        file: ReviewFile::from_text(out, source.text())?,
        loaded: &loaded,
        ui,
        assessment,
    };
    match session.walk() {
        Ok(()) => Ok(Outcome::Success),
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

impl Session<'_> {
    /// Checks and writes one change before anything else is asked.
    fn record(&mut self, change: &ReviewChange) -> Step<()> {
        let mut next = self.file.clone();
        next.apply(change);
        // The writer keeps the file a valid review of the same assessment; refuse to write if
        // it ever would not be.
        let source = SourceFile::new(self.file.path().display().to_string(), next.text());
        review::read(&source, self.loaded)?;
        next.save()?;
        self.file = next;
        Ok(())
    }

    fn walk(&mut self) -> Step<()> {
        loop {
            let place = self.walk.place();
            self.show(place);
            if self.menu(place)? {
                return Ok(());
            }
        }
    }

    fn show(&self, place: Place) {
        let ui = &self.ui;
        let mut text = String::new();
        let rule = |title: &str| {
            let rest = ui.width.saturating_sub(title.chars().count() + 5).min(60);
            format!(
                "\n{} {} {}",
                ui.dim("──"),
                ui.bold(title),
                ui.dim(&"─".repeat(rest))
            )
        };
        match place {
            Place::Outcome(_) => {
                let Some(v) = self.walk.outcome() else {
                    return;
                };
                let _ = writeln!(text, "{}", rule(&format!("{} of {}", v.number, v.total)));
                let _ = writeln!(
                    text,
                    "{}",
                    ui.dim(&truncate(
                        &inert(&format!(
                            "{} {}",
                            v.outcome.objective,
                            v.objective.map_or("", |o| o.title.as_str())
                        )),
                        ui.width - 1
                    ))
                );
                let _ = writeln!(
                    text,
                    "{}",
                    ui.bold(&inert(&format!("{} {}", v.outcome.id, v.outcome.title)))
                );
                let target = v
                    .score
                    .target
                    .map_or("no target".to_string(), |t| format!("target {}", t.label()));
                let _ = writeln!(
                    text,
                    "Self-assessed: {} ({target})",
                    ui.status(v.score.status)
                );
                if let Some(j) = &v.score.justification {
                    let _ = writeln!(text, "{}", ui.wrap(&inert(&format!("Override: {j}")), "  "));
                }
                let review = v.review.cloned().unwrap_or_default();
                for s in &v.outcome.indicators {
                    let reference = s.reference.as_str();
                    let ticked = v.score.selected.iter().any(|r| r == reference);
                    let agreed = match review.statements.get(reference) {
                        Some(false) => " (you disagree)",
                        _ => "",
                    };
                    let line = format!(
                        "  [{}] {:<6} {}",
                        if ticked { "x" } else { " " },
                        short_ref(reference),
                        inert(&s.text)
                    );
                    let _ = writeln!(
                        text,
                        "{}{agreed}",
                        truncate(&line, ui.width.saturating_sub(agreed.len() + 1))
                    );
                }
                if let Some(answer) = v.answer {
                    if let Some(c) = &answer.comment {
                        let _ = writeln!(text, "{}", ui.wrap(&inert(&format!("Comment: {c}")), ""));
                    }
                    for e in &answer.evidence {
                        let _ = writeln!(
                            text,
                            "{}",
                            truncate(
                                &inert(&format!("Evidence: {} {}", e.title, e.location)),
                                ui.width - 1
                            )
                        );
                    }
                }
                let decision = review
                    .decision
                    .map_or("none yet".to_string(), |d| ui.status(d.status()));
                let _ = write!(text, "Your decision: {decision}");
                if !review.recommendations.is_empty() {
                    let _ = write!(text, "; {} recommendations", review.recommendations.len());
                }
            }
            Place::Objective(_) => {
                let Some((objective, notes)) = self.walk.objective() else {
                    return;
                };
                let _ = writeln!(text, "{}", rule(&format!("Objective {}", objective.id)));
                let _ = writeln!(text, "{}", ui.bold(&inert(&objective.title)));
                let framework = self.walk.framework();
                for (outcome, score) in framework.outcomes.iter().zip(self.walk.scores()) {
                    if outcome.objective != objective.id {
                        continue;
                    }
                    let decision = (self.walk.review().outcomes.get(outcome.id.as_str()))
                        .and_then(|r| r.decision)
                        .map_or("-", |d| d.status().label());
                    let _ = writeln!(
                        text,
                        "  {:<6} self {:<19} review {decision}",
                        outcome.id,
                        score.status.label()
                    );
                }
                let _ = write!(
                    text,
                    "Good practice: {}\nFor improvement: {}",
                    inert(or_none(&notes.good_practice)),
                    inert(or_none(&notes.improvement))
                );
            }
            Place::Overall => {
                let (decided, undecided) = self.walk.progress();
                let _ = writeln!(text, "{}", rule("Overall"));
                let _ = write!(
                    text,
                    "{decided} of {} outcomes decided{}. Status: {}.",
                    decided + undecided,
                    if undecided > 0 {
                        format!(", {undecided} without a decision")
                    } else {
                        String::new()
                    },
                    self.walk.review().status.key()
                );
            }
        }
        ui.say(&text);
    }

    fn actions(&self, place: Place) -> Vec<Action> {
        let mut list = Vec::new();
        match place {
            Place::Outcome(_) => {
                let review = self.walk.outcome().and_then(|v| v.review.cloned());
                let decided = review.as_ref().is_some_and(|r| r.decision.is_some());
                if decided {
                    list.extend([Action::Next, Action::Decide]);
                } else {
                    list.extend([Action::Decide, Action::Next]);
                }
                list.extend([Action::Statements, Action::Comment, Action::Recommend]);
                if review.is_some_and(|r| !r.recommendations.is_empty()) {
                    list.push(Action::RemoveRecommendation);
                }
            }
            Place::Objective(_) => list.extend([Action::Notes, Action::Next]),
            Place::Overall => {
                list.push(Action::OverallFields);
                if self.walk.undecided().is_empty() {
                    list.push(Action::Complete);
                } else {
                    list.push(Action::FirstUndecided);
                }
            }
        }
        list.extend([Action::Back, Action::Jump, Action::Quit]);
        list
    }

    /// One menu choice; true when the walk is over (the review completed).
    fn menu(&mut self, place: Place) -> Step<bool> {
        let actions = self.actions(place);
        let labels: Vec<&str> = actions.iter().map(|a| a.label()).collect();
        let message = match place {
            Place::Outcome(i) => format!("{}:", self.walk.framework().outcomes[i].id),
            Place::Objective(o) => format!("Objective {}:", self.walk.framework().objectives[o].id),
            Place::Overall => "Overall:".to_string(),
        };
        let choice = ask(Select::new(&message, labels)
            .with_help_message(NAV_HELP)
            .with_page_size(self.ui.list_rows().min(actions.len()))
            .without_filtering()
            .raw_prompt())?;
        match actions[choice.index] {
            Action::Decide => {
                self.decide()?;
                self.statements()?;
                self.comment()?;
                while self.more_recommendations()? {
                    self.recommend()?;
                }
                self.walk.next();
            }
            Action::Next => self.walk.next(),
            Action::Statements => self.statements()?,
            Action::Comment => self.comment()?,
            Action::Recommend => self.recommend()?,
            Action::RemoveRecommendation => self.remove_recommendation()?,
            Action::Notes => {
                self.notes()?;
                self.walk.next();
            }
            Action::OverallFields => self.overall()?,
            Action::Complete => {
                let change = self.walk.complete().map_err(usage)?;
                self.record(&change)?;
                let path = shell_word(self.file.path());
                self.ui.say(&format!(
                    "Review completed and saved in {path}.\nNext:\n  caf review finalise {path}    finalise it\n  caf review report {path} --format pdf -o review.pdf    write the report"
                ));
                return Ok(true);
            }
            Action::FirstUndecided => {
                if let Some(id) = self.walk.undecided().first().cloned() {
                    self.walk.jump(&id).map_err(usage)?;
                }
            }
            Action::Back => {
                if !self.walk.back() {
                    self.ui.say("This is the first outcome.");
                }
            }
            Action::Jump => self.jump()?,
            Action::Quit => return Err(Stop::Quit),
        }
        Ok(false)
    }

    fn decide(&mut self) -> Step<()> {
        let Some(v) = self.walk.outcome() else {
            return Ok(());
        };
        let current = v
            .review
            .and_then(|r| r.decision)
            .or_else(|| Decision::from_status(v.score.status));
        let message = format!("Your decision on {}:", v.outcome.id);
        let labels: Vec<&str> = Decision::ALL.iter().map(|d| d.status().label()).collect();
        let start = current.and_then(|c| Decision::ALL.iter().position(|d| *d == c));
        let choice = ask(Select::new(&message, labels)
            .with_starting_cursor(start.unwrap_or(0))
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let change = self
            .walk
            .decide(Decision::ALL[choice.index])
            .map_err(usage)?;
        self.record(&change)
    }

    /// Agreement with the organisation's answer on each statement; by default, all of them.
    fn statements(&mut self) -> Step<()> {
        let Some(v) = self.walk.outcome() else {
            return Ok(());
        };
        let options = [
            "Agree with the organisation on every statement",
            "Go through the statements",
        ];
        let choice = ask(Select::new("Statements:", options.to_vec())
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let disagreed: Vec<String> = if choice.index == 0 {
            Vec::new()
        } else {
            let statements = &v.outcome.indicators;
            let width = self.ui.width.saturating_sub(8);
            let labels: Vec<String> = statements
                .iter()
                .map(|s| {
                    let reference = s.reference.as_str();
                    let said = if v.score.selected.iter().any(|r| r == reference) {
                        "ticked"
                    } else {
                        "not ticked"
                    };
                    truncate(
                        &inert(&format!("{:<6} ({said}) {}", short_ref(reference), s.text)),
                        width,
                    )
                })
                .collect();
            let agreed: Vec<usize> = (0..statements.len())
                .filter(|&i| {
                    v.review
                        .and_then(|r| r.statements.get(statements[i].reference.as_str()))
                        .copied()
                        .unwrap_or(true)
                })
                .collect();
            let message = format!("{}: which answers do you agree with?", v.outcome.id);
            let formatter = &|chosen: &[ListOption<&String>]| format!("{} agreed", chosen.len());
            let chosen = ask(MultiSelect::new(&message, labels)
                .with_default(&agreed)
                .with_page_size(self.ui.list_rows().min(statements.len()))
                .with_help_message("space toggle, → all, ← none, enter confirm, esc save and quit")
                .without_filtering()
                .with_formatter(formatter)
                .raw_prompt())?;
            let kept: Vec<usize> = chosen.iter().map(|o| o.index).collect();
            (0..statements.len())
                .filter(|i| !kept.contains(i))
                .map(|i| statements[i].reference.to_string())
                .collect()
        };
        let change = self.walk.agree(&disagreed).map_err(usage)?;
        self.record(&change)
    }

    fn comment(&mut self) -> Step<()> {
        let current = (self.walk.outcome())
            .and_then(|v| v.review.map(|r| r.comment.clone()))
            .unwrap_or_default();
        let text = ask(Text::new("Your comment:")
            .with_initial_value(&inert(&current))
            .with_help_message("enter saves; empty for none; esc save and quit")
            .prompt())?;
        let change = self.walk.comment(&text).map_err(usage)?;
        self.record(&change)
    }

    fn more_recommendations(&self) -> Step<bool> {
        let count = (self.walk.outcome())
            .and_then(|v| v.review.map(|r| r.recommendations.len()))
            .unwrap_or(0);
        let message = if count == 0 {
            "Add a recommendation?".to_string()
        } else {
            format!("Add another recommendation ({count} so far)?")
        };
        let choice = ask(Select::new(&message, vec!["No", "Yes"])
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        Ok(choice.index == 1)
    }

    fn recommend(&mut self) -> Step<()> {
        let risk = ask(Text::new("Risk:")
            .with_help_message("what could go wrong; esc save and quit")
            .with_validator(required("a risk"))
            .prompt())?;
        let text = ask(Text::new("Recommendation:")
            .with_help_message("what to do about it; esc save and quit")
            .with_validator(required("a recommendation"))
            .prompt())?;
        let change = self.walk.add_recommendation(&risk, &text).map_err(usage)?;
        self.record(&change)?;
        self.ui.say("Recommendation saved.");
        Ok(())
    }

    fn remove_recommendation(&mut self) -> Step<()> {
        let items: Vec<String> = (self.walk.outcome())
            .and_then(|v| v.review)
            .map(|r| {
                (r.recommendations.iter())
                    .map(|x| truncate(&inert(&format!("{}: {}", x.risk, x.text)), 70))
                    .collect()
            })
            .unwrap_or_default();
        if items.is_empty() {
            return Ok(());
        }
        let choice = ask(Select::new("Remove which recommendation?", items)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let change = self
            .walk
            .remove_recommendation(choice.index)
            .map_err(usage)?;
        self.record(&change)
    }

    /// Good practice, then areas for improvement; each saved as it is confirmed.
    fn notes(&mut self) -> Step<()> {
        let Some((_, notes)) = self.walk.objective() else {
            return Ok(());
        };
        let good = ask(Text::new("Areas of good practice:")
            .with_initial_value(&inert(&notes.good_practice))
            .with_help_message(TEXT_HELP)
            .prompt())?;
        let change = self
            .walk
            .objective_notes(&good, &notes.improvement)
            .map_err(usage)?;
        self.record(&change)?;
        let improvement = ask(Text::new("Areas for improvement:")
            .with_initial_value(&inert(&notes.improvement))
            .with_help_message(TEXT_HELP)
            .prompt())?;
        let change = self
            .walk
            .objective_notes(&good, &improvement)
            .map_err(usage)?;
        self.record(&change)
    }

    /// The overall fields one by one, each saved as it is confirmed.
    fn overall(&mut self) -> Step<()> {
        type Field = fn(&mut Overall) -> &mut String;
        let fields: [(&str, Field); 5] = [
            ("Period of review:", |o| &mut o.period),
            ("Quality of the self-assessment's evidence:", |o| {
                &mut o.evidence_quality
            }),
            ("Method (interviews, documents, testing):", |o| {
                &mut o.method
            }),
            ("Assessor's company:", |o| &mut o.company),
            ("Summary:", |o| &mut o.summary),
        ];
        for (message, field) in fields {
            let mut overall = self.walk.review().overall.clone();
            let value = ask(Text::new(message)
                .with_initial_value(&inert(field(&mut overall)))
                .with_help_message(TEXT_HELP)
                .prompt())?;
            *field(&mut overall) = value.trim().to_string();
            let organisation = self.walk.review().reviewer.organisation.clone();
            let change = self.walk.overall(overall, &organisation);
            self.record(&change)?;
        }
        let current = self.walk.review().reviewer.organisation.clone();
        let organisation = ask(Text::new("Reviewer's organisation:")
            .with_initial_value(&inert(&current))
            .with_help_message(TEXT_HELP)
            .prompt())?;
        let overall = self.walk.review().overall.clone();
        let change = self.walk.overall(overall, &organisation);
        self.record(&change)?;
        self.ui.say("Overall fields saved.");
        Ok(())
    }

    fn jump(&mut self) -> Step<()> {
        let framework = Arc::new(self.walk.framework().clone());
        let places = self.walk.places().to_vec();
        let labels: Vec<String> = places
            .iter()
            .map(|p| match *p {
                Place::Outcome(i) => {
                    let o = &framework.outcomes[i];
                    let decision = (self.walk.review().outcomes.get(o.id.as_str()))
                        .and_then(|r| r.decision)
                        .map_or(Status::NotAssessed, Decision::status);
                    let mark = if decision == Status::NotAssessed {
                        "no decision".to_string()
                    } else {
                        decision.label().to_string()
                    };
                    truncate(
                        &inert(&format!("{:<6} {} [{mark}]", o.id, o.title)),
                        self.ui.width - 4,
                    )
                }
                Place::Objective(o) => {
                    let o = &framework.objectives[o];
                    truncate(
                        &inert(&format!("{:<6} notes: {}", o.id, o.title)),
                        self.ui.width - 4,
                    )
                }
                Place::Overall => "Overall fields and completing the review".to_string(),
            })
            .collect();
        let current = places
            .iter()
            .position(|p| *p == self.walk.place())
            .unwrap_or(0);
        let choice = ask(Select::new("Jump to (type an id to filter):", labels)
            .with_starting_cursor(current)
            .with_help_message("type to filter, ↑↓ move, enter choose, esc save and quit")
            .with_page_size(self.ui.list_rows().min(places.len()))
            .raw_prompt())?;
        let id = match places[choice.index] {
            Place::Outcome(i) => framework.outcomes[i].id.to_string(),
            Place::Objective(o) => framework.objectives[o].id.clone(),
            Place::Overall => "overall".to_string(),
        };
        self.walk.jump(&id).map_err(usage)
    }

    fn resume_message(&self) {
        let (decided, undecided) = self.walk.progress();
        self.ui.say(&format!(
            "\nStopped. Every confirmed answer is saved in {} ({decided} of {} outcomes decided).\n\
             Resume with: caf review {} -o {}",
            self.file.path().display(),
            decided + undecided,
            shell_word(self.assessment),
            shell_word(self.file.path()),
        ));
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "(none)" } else { text }
}

//! `caf call ...`: incident data calls on a collection service, and drafting one from a CSAF
//! advisory. A call file and a file of answers are checked here first, with located errors,
//! before anything is sent; the server checks them again.

mod answer;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::exit::{Error, Result};
use super::format::{self, Shown};
use super::submit::ServerArgs;
use super::{Outcome, output};
use caf_core::call::status::CallStatus;
use caf_core::call::{self, Call};
use caf_core::diagnostic::SourceFile;
use caf_core::fsutil::read_source;
use caf_core::text::plural;
use caf_render::{Document, RenderOptions};

#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Send a call file to the service (analyst or admin) and print the call's id.
    Create(CreateArgs),
    /// Check a call file without sending it.
    Check { file: PathBuf },
    /// Close a call: no more answers are taken (analyst or admin).
    Close(IdArgs),
    /// List calls: a submitter sees those addressed to its organisation, open first.
    List(ListArgs),
    /// Answer a call from a file of answers (`call = "ID"` and an `[answers]` table).
    Respond(RespondArgs),
    /// Answer a call in the terminal, question by question, keeping a resumable draft.
    Answer(answer::AnswerArgs),
    /// A call's live picture: audience, responses over time, answers, groups; with
    /// --identify (analysts, audit-logged) the exposed organisations and the chase list.
    Status(StatusArgs),
    /// Draft a call from a CSAF 2.0 advisory (JSON), naming its affected products.
    FromCsaf(FromCsafArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The call file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    pub id: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    pub id: String,
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub id: String,
    #[arg(long, default_value = "table", value_parser = format::parser::<CallStatus>(true, None))]
    pub format: Shown,
    /// Name the exposed organisations and the non-responders (analysts only; audit-logged).
    #[arg(long)]
    pub identify: bool,
    /// Group by sector (default), region or parent.
    #[arg(long, value_name = "GROUP")]
    pub group_by: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct FromCsafArgs {
    /// The advisory (CSAF 2.0 JSON).
    pub advisory: PathBuf,
    /// Where to write the draft call (TOML).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Hours from now to the draft's deadline.
    #[arg(long, default_value_t = 48, value_name = "HOURS")]
    pub deadline_hours: u16,
}

pub fn run(command: CallCommand) -> Result<Outcome> {
    match command {
        CallCommand::Create(args) => create(args),
        CallCommand::Check { file } => {
            let call = load(&file)?;
            println!(
                "{}: call `{}`, {}, deadline {}",
                file.display(),
                call.id,
                plural(call.questions.len(), "question"),
                call.deadline_text()
            );
            Ok(Outcome::Success)
        }
        CallCommand::Close(args) => {
            let closed = args.server.client()?.close_call(&args.id)?;
            output::emit(&format!("Closed call {}.\n", closed.id), None)?;
            Ok(Outcome::Success)
        }
        CallCommand::List(args) => list(args),
        CallCommand::Respond(args) => respond(args),
        CallCommand::Answer(args) => answer::run(args),
        CallCommand::Status(args) => status(args),
        CallCommand::FromCsaf(args) => from_csaf(args),
    }
}

fn load(file: &std::path::Path) -> Result<Call> {
    Ok(call::parse(&read_source(file)?)?)
}

fn create(args: CreateArgs) -> Result<Outcome> {
    let source = read_source(&args.file)?;
    call::parse(&source)?;
    let created = args.server.client()?.create_call(source.text())?;
    eprintln!(
        "Call {} version {}: {} addressed, deadline {}.",
        created.id,
        created.version,
        plural(created.audience.unwrap_or(0) as usize, "organisation"),
        created.deadline
    );
    output::emit(&format!("{}\n", created.id), None)?;
    Ok(Outcome::Success)
}

fn list(args: ListArgs) -> Result<Outcome> {
    let list = args.server.client()?.calls()?;
    if args.json {
        output::emit(&output::json(&list), None)?;
        return Ok(Outcome::Success);
    }
    let counts = list.calls.iter().any(|c| c.audience.is_some());
    let mut header = vec!["Id", "Title", "Severity", "Deadline", "Open"];
    if counts {
        header.extend(["Responded", "Audience"]);
    }
    let mut table = output::table(&header);
    for c in &list.calls {
        let mut row = vec![
            c.id.clone(),
            c.title.clone(),
            c.severity.clone(),
            c.deadline.clone(),
            if c.open { "yes" } else { "no" }.to_string(),
        ];
        if counts {
            row.push(c.responded.map_or(String::new(), |n| n.to_string()));
            row.push(c.audience.map_or(String::new(), |n| n.to_string()));
        }
        table.add_row(row);
    }
    output::emit(
        &output::inert(&format!("{table}\n{}\n", plural(list.calls.len(), "call"))),
        None,
    )?;
    Ok(Outcome::Success)
}

/// The call as the server holds it now, read with this build's reader.
fn fetch(client: &caf_client::Client, id: &str) -> Result<(Call, i64)> {
    let detail = client.call_detail(id)?;
    let call = call::parse(&SourceFile::new(format!("call {id}"), detail.source))?;
    Ok((call, detail.call.version))
}

/// A key for one answering, so that a retry after a lost reply stores nothing twice.
fn attempt_key() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("k{:x}-{:x}", nanos, std::process::id())
}

/// Sends checked answers and says what was stored.
fn send(
    client: &caf_client::Client,
    call: &Call,
    version: i64,
    answers: &call::Answers,
    json: bool,
) -> Result<Outcome> {
    let request = caf_api::RespondRequest {
        answers: call::answers::to_json(answers),
        key: Some(attempt_key()),
        call_version: Some(version),
    };
    let stored = client.respond(&call.id.0, &request)?;
    if json {
        output::emit(&output::json(&stored), None)?;
    } else if stored.duplicate {
        output::emit(
            &format!(
                "Already stored: version {} of your answers to {} is the same; nothing new was stored.\n",
                stored.version, call.id
            ),
            None,
        )?;
    } else {
        output::emit(
            &format!(
                "Stored your answers to {} as version {} ({}).\n",
                call.id, stored.version, stored.id
            ),
            None,
        )?;
    }
    Ok(Outcome::Success)
}

fn respond(args: RespondArgs) -> Result<Outcome> {
    let client = args.server.client()?;
    let (call, version) = fetch(&client, &args.id)?;
    let answers = call::answers::from_toml(&read_source(&args.answers)?, &call)?;
    send(&client, &call, version, &answers, args.json)
}

fn status(args: StatusArgs) -> Result<Outcome> {
    let client = args.server.client()?;
    let mut query = Vec::new();
    if args.identify {
        query.push(("identify", "true"));
    }
    if let Some(g) = &args.group_by {
        query.push(("group_by", g.as_str()));
    }
    let status = client.call_status(&args.id, &query)?;
    match args.format {
        Shown::Table => output::emit(&output::inert(&table(&status)), args.output.as_deref())?,
        Shown::File(format) => {
            if format.is_binary()
                && args.output.is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
            {
                return Err(Error::Usage(format!(
                    "{format} is binary: write it to a file with -o FILE"
                )));
            }
            let bytes = status.render(format, &RenderOptions::default())?;
            output::emit_document(&bytes, args.output.as_deref())?;
        }
    }
    Ok(Outcome::Success)
}

fn count(n: Option<usize>) -> String {
    n.map_or_else(|| "withheld".to_string(), |n| n.to_string())
}

/// The terminal's view of a status.
fn table(s: &CallStatus) -> String {
    let mut out = format!(
        "{} ({}): {}\nDeadline {}{}; as of {}\n",
        s.call.id,
        s.call.severity,
        s.call.title,
        s.call.deadline,
        if s.overdue { " (passed)" } else { "" },
        s.as_of
    );
    out.push_str(&format!(
        "Responded {} of {}{}",
        count(s.responded),
        s.audience,
        s.response_rate
            .map_or(String::new(), |r| format!(" ({:.0}%)", r * 100.0))
    ));
    if s.call.closed_at.is_some() {
        out.push_str("; closed");
    }
    out.push('\n');
    if s.exposed_count.is_some() || s.exposed.is_some() {
        out.push_str(&format!("Exposed: {}\n", count(s.exposed_count)));
    }
    if s.disclosure.suppressed {
        out.push_str(&format!(
            "Fewer than {} organisations in scope: only the audience is shown.\n",
            s.disclosure.min_group_size
        ));
    }
    let mut q = output::table(&["Question", "Asked", "Answered", "Answers"]);
    for f in &s.questions {
        let mut answers: Vec<String> = f.answers.iter().map(|(v, n)| format!("{v}: {n}")).collect();
        if f.withheld > 0 {
            answers.push(format!("{} withheld", f.withheld));
        }
        q.add_row(vec![
            f.id.clone(),
            f.asked.to_string(),
            f.answered.to_string(),
            answers.join(", "),
        ]);
    }
    if !s.questions.is_empty() {
        out.push_str(&format!("{q}\n"));
    }
    let mut g = output::table(&["Group", "Audience", "Responded", "Exposed"]);
    for row in &s.groups {
        g.add_row(vec![
            row.group.clone(),
            row.audience.to_string(),
            count(row.responded),
            row.exposed.map_or("–".into(), |n| n.to_string()),
        ]);
    }
    out.push_str(&format!(
        "By {}:\n{g}\n",
        serde_json::to_value(s.group_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    ));
    if let Some(exposed) = &s.exposed {
        let mut t = output::table(&["Exposed", "Name", "Group", "Contact"]);
        for e in exposed {
            t.add_row(vec![
                e.org.id.clone(),
                e.org.name.clone(),
                e.org.group.clone().unwrap_or_default(),
                e.org.contact.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if let Some(chase) = &s.chase {
        let mut t = output::table(&["Not answered", "Name", "Group", "Contact"]);
        for c in chase {
            t.add_row(vec![
                c.id.clone(),
                c.name.clone(),
                c.group.clone().unwrap_or_default(),
                c.contact.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&format!("{t}\n{} to chase\n", chase.len()));
    }
    out
}

fn from_csaf(args: FromCsafArgs) -> Result<Outcome> {
    let source = read_source(&args.advisory)?;
    output::refuse_overwriting_inputs(Some(&args.output), [args.advisory.as_path()])?;
    let now = time::OffsetDateTime::now_utc();
    let deadline = now + time::Duration::hours(i64::from(args.deadline_hours));
    let deadline = deadline
        .replace_minute(0)
        .and_then(|d| d.replace_second(0))
        .and_then(|d| d.replace_nanosecond(0))
        .unwrap_or(deadline);
    let text = call::csaf::draft(&source, deadline)?;
    caf_core::fsutil::write_atomic(&args.output, text.as_bytes())?;
    let call = call::parse(&SourceFile::new("draft", text))?;
    eprintln!(
        "Wrote {}: call `{}` ({}), {}, {}, deadline {}.",
        args.output.display(),
        call.id,
        call.severity.as_str(),
        plural(call.products.len(), "product"),
        call.questions.len(),
        call.deadline_text()
    );
    Ok(Outcome::Success)
}

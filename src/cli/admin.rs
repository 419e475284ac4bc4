//! `caf admin`: organisations, tokens, withdrawals and the audit log, working directly on the
//! database (no server needs to be running, and no token is needed: access to the database is
//! the authority). Every action is audited as `cli:USER`, the way the service audits its
//! administrators by token id.

use clap::{Args, Subcommand, ValueEnum};

use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_server::store::{
    AuditEntry, Organisation, Role, Store, TokenScope, TokenSpec, format_time, now_ms,
    organisation_detail, token_detail,
};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Register and list organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Create, list and revoke access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the audit log of accesses to individual submissions, oldest first.
    Audit(AuditArgs),
    /// Withdraw a submission: it is kept and marked, and never counts as current again.
    Withdraw(WithdrawArgs),
    /// Assign reviewer tokens to the organisations they review.
    #[command(subcommand)]
    Reviewer(ReviewerCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReviewerCommand {
    /// Let a reviewer token read and review an organisation's current submissions.
    Assign(AssignArgs),
    /// End a reviewer token's assignment to an organisation.
    Unassign(AssignArgs),
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The reviewer token's id.
    #[arg(long)]
    pub token: String,
    #[arg(long)]
    pub org: String,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The submission's id (s- followed by 32 hex digits).
    pub submission_id: String,
    /// Why, for the audit log.
    #[arg(long)]
    pub reason: String,
}

/// Who a `caf admin` command is, in the audit log: the local user, since no token is used.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect();
    format!("cli:{user}")
}

/// An audit entry for `action` by `actor`, an administrator on the command line.
fn entry<'a>(actor: &'a str, action: &'a str) -> AuditEntry<'a> {
    AuditEntry {
        token_id: actor,
        role: Some(Role::Admin),
        action,
        submission_id: None,
        org_id: None,
        detail: None,
        client: None,
    }
}

/// Records an administrative action taken from the command line.
async fn audit(store: &Store, action: &str, org_id: Option<&str>, detail: String) -> Result<()> {
    let actor = cli_actor();
    store
        .audit(AuditEntry {
            org_id,
            detail: Some(detail),
            ..entry(&actor, action)
        })
        .await?;
    Ok(())
}

/// The `--database` part of a printed command, so the command works when copied: nothing when
/// the database came from `CAF_DATABASE` (the copy finds it there too), the URL when it holds
/// no password, and a pointer to `CAF_DATABASE` when it does (a password is never printed).
fn database_hint(database: &str) -> String {
    if std::env::var("CAF_DATABASE").is_ok_and(|v| v == database) {
        return String::new();
    }
    let userinfo = database
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(userinfo, _)| userinfo);
    if userinfo.is_some_and(|u| u.contains(':')) {
        " --database \"$CAF_DATABASE\"".to_string()
    } else {
        format!(" --database {}", output::shell_word(database))
    }
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "CAF_DATABASE")]
    pub database: String,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organisation.
    Add(OrgAddArgs),
    /// List registered organisations.
    List(DatabaseArg),
    /// Set whom a data call's chase list names for an organisation (a mailbox or a number).
    Contact(OrgContactArgs),
}

#[derive(Debug, Args)]
pub struct OrgContactArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    pub id: String,
    pub contact: String,
}

#[derive(Debug, Args)]
pub struct OrgAddArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The organisation's identifier, as in its assessments' `organisation.id`.
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub sector: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// The parent body's identifier (a department, or a shared security centre).
    #[arg(long)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Submitter,
    Viewer,
    Analyst,
    Admin,
    Reviewer,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, alone, on stdout. It is shown only this once.
    Create(TokenCreateArgs),
    /// Revoke a token by its id (the part after `caf_`, before the second `_`).
    Revoke(TokenRevokeArgs),
    /// List tokens (ids, roles, scopes, expiry; never secrets).
    List(DatabaseArg),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The organisation a submitter token submits for (a reviewer token's first assignment).
    #[arg(long, conflicts_with_all = ["sector", "parent"])]
    pub org: Option<String>,
    /// The sector a viewer token sees aggregates for.
    #[arg(long, conflicts_with = "parent")]
    pub sector: Option<String>,
    /// The parent body a viewer token sees aggregates for.
    #[arg(long)]
    pub parent: Option<String>,
    /// Lifetime: e.g. 90d, 12w, 24h, or `never`.
    #[arg(long, default_value = "90d")]
    pub expires: String,
}

#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    pub token_id: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    #[arg(long, value_enum, default_value = "table")]
    pub format: AuditFormat,
}

/// `90d`, `12w`, `24h`, `30m` as milliseconds; `never` as `None`.
pub fn parse_lifetime(text: &str) -> Result<Option<i64>> {
    if text == "never" {
        return Ok(None);
    }
    let bad = || {
        Error::Usage(format!(
            "--expires `{text}`: use a number and a unit (90d, 12w, 24h, 30m, 10s) or `never`"
        ))
    };
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(bad()),
    };
    if n <= 0 || n > 100_000 {
        return Err(bad());
    }
    Ok(Some(n * unit_ms))
}

pub fn run(command: AdminCommand) -> Result<Outcome> {
    let rt = super::runtime(false)?;
    match command {
        AdminCommand::Org(OrgCommand::Add(args)) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            let org = Organisation {
                id: args.id.clone(),
                name: args.name,
                sector: args.sector,
                region: args.region,
                parent: args.parent,
                created_at: now_ms(),
            };
            store.add_organisation(&org).await?;
            audit(&store, "org-add", Some(&org.id), organisation_detail(&org)).await?;
            store.close().await;
            eprintln!("Registered organisation {}.", args.id);
            Ok(Outcome::Success)
        }),
        AdminCommand::Org(OrgCommand::Contact(args)) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            store.set_contact(&args.id, &args.contact).await?;
            audit(
                &store,
                "org-contact",
                Some(&args.id),
                "contact set".to_string(),
            )
            .await?;
            store.close().await;
            Ok(Outcome::Success)
        }),
        AdminCommand::Org(OrgCommand::List(db)) => rt.block_on(async {
            let store = Store::open_with(&db.database, 1).await?;
            let orgs = store.organisations().await?;
            audit(
                &store,
                "org-list",
                None,
                caf_core::text::plural(orgs.len(), "organisation"),
            )
            .await?;
            store.close().await;
            let mut table = output::table(&["Id", "Name", "Sector", "Region", "Parent"]);
            for o in &orgs {
                table.add_row(vec![
                    o.id.clone(),
                    o.name.clone(),
                    o.sector.clone().unwrap_or_default(),
                    o.region.clone().unwrap_or_default(),
                    o.parent.clone().unwrap_or_default(),
                ]);
            }
            output::emit(&output::inert(&format!("{table}\n")), None)?;
            Ok(Outcome::Success)
        }),
        AdminCommand::Token(TokenCommand::Create(args)) => {
            let lifetime = parse_lifetime(&args.expires)?;
            let mut assign = None;
            let (role, scope) = match (args.role, args.org, args.sector, args.parent) {
                (RoleArg::Submitter, Some(org), None, None) => {
                    (Role::Submitter, TokenScope::Organisation(org))
                }
                (RoleArg::Submitter, ..) => {
                    return Err(Error::Usage(
                        "--role submitter needs --org ID (and no --sector or --parent)".into(),
                    ));
                }
                (RoleArg::Viewer, None, Some(sector), None) => {
                    (Role::Viewer, TokenScope::Sector(sector))
                }
                (RoleArg::Viewer, None, None, Some(parent)) => {
                    (Role::Viewer, TokenScope::Parent(parent))
                }
                (RoleArg::Viewer, ..) => {
                    return Err(Error::Usage(
                        "--role viewer needs --sector S or --parent ID".into(),
                    ));
                }
                (RoleArg::Reviewer, org, None, None) => {
                    assign = org;
                    (Role::Reviewer, TokenScope::Assigned)
                }
                (RoleArg::Reviewer, ..) => {
                    return Err(Error::Usage(
                        "--role reviewer takes --org ID (its first assignment), not --sector or --parent".into(),
                    ));
                }
                (RoleArg::Analyst, None, None, None) => (Role::Analyst, TokenScope::All),
                (RoleArg::Admin, None, None, None) => (Role::Admin, TokenScope::All),
                (RoleArg::Analyst | RoleArg::Admin, ..) => {
                    return Err(Error::Usage(
                        "analyst and admin tokens cover everything: drop --org, --sector and --parent".into(),
                    ));
                }
            };
            rt.block_on(async {
                let store = Store::open_with(&args.db.database, 1).await?;
                let spec = TokenSpec {
                    role,
                    scope,
                    expires_at: lifetime.map(|ms| now_ms() + ms),
                };
                let issued = store.create_token(&spec).await?;
                audit(&store, "token-create", None, token_detail(&issued.id, &spec)).await?;
                if let Some(org) = &assign {
                    let actor = cli_actor();
                    store
                        .assign_reviewer(&issued.id, org, entry(&actor, "reviewer-assign"))
                        .await?;
                }
                store.close().await;
                // The token alone on stdout, so scripts can capture it; the rest on stderr.
                output::emit(&format!("{}\n", issued.token), None)?;
                eprintln!(
                    "Created {} token {} ({}). It is shown only now; revoke it with `caf admin token revoke {}{}`.",
                    role.as_str(),
                    issued.id,
                    issued
                        .expires_at
                        .map_or("never expires".to_string(), |at| format!("expires {}", format_time(at))),
                    issued.id,
                    database_hint(&args.db.database)
                );
                Ok(Outcome::Success)
            })
        }
        AdminCommand::Token(TokenCommand::Revoke(args)) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            store.revoke_token(&args.token_id).await?;
            audit(
                &store,
                "token-revoke",
                None,
                format!("token {}", args.token_id),
            )
            .await?;
            store.close().await;
            eprintln!("Revoked token {}.", args.token_id);
            Ok(Outcome::Success)
        }),
        AdminCommand::Token(TokenCommand::List(db)) => rt.block_on(async {
            let store = Store::open_with(&db.database, 1).await?;
            let tokens = store.tokens().await?;
            audit(
                &store,
                "token-list",
                None,
                caf_core::text::plural(tokens.len(), "token"),
            )
            .await?;
            store.close().await;
            let mut table =
                output::table(&["Id", "Role", "Scope", "Created", "Expires", "Revoked"]);
            for t in &tokens {
                table.add_row(vec![
                    t.id.clone(),
                    t.role.as_str().to_string(),
                    t.scope.to_string(),
                    format_time(t.created_at),
                    t.expires_at.map_or("never".into(), format_time),
                    t.revoked_at.map_or(String::new(), format_time),
                ]);
            }
            output::emit(&format!("{table}\n"), None)?;
            Ok(Outcome::Success)
        }),
        AdminCommand::Audit(args) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            audit(&store, "audit-read", None, "the whole log".to_string()).await?;
            let entries = store.audit_log().await?;
            store.close().await;
            let text = match args.format {
                AuditFormat::Json => output::json(&serde_json::json!({ "entries": entries })),
                AuditFormat::Table => {
                    let mut table = output::table(&[
                        "Time",
                        "Token",
                        "Role",
                        "Action",
                        "Submission",
                        "Organisation",
                        "Client",
                        "Detail",
                    ]);
                    // Entries quote what requests carried (periods, names, reasons): shown
                    // inert, so a logged request cannot drive the administrator's terminal.
                    for e in &entries {
                        let time = format_time(e.at);
                        let cells = [
                            time.as_str(),
                            &e.token_id,
                            &e.role,
                            &e.action,
                            e.submission_id.as_deref().unwrap_or_default(),
                            e.org_id.as_deref().unwrap_or_default(),
                            e.client.as_deref().unwrap_or_default(),
                            e.detail.as_deref().unwrap_or_default(),
                        ];
                        table.add_row(cells.map(output::text_cell));
                    }
                    format!("{table}\n{} entries\n", entries.len())
                }
            };
            output::emit(&text, None)?;
            Ok(Outcome::Success)
        }),
        AdminCommand::Reviewer(command) => rt.block_on(async {
            let (args, assigning) = match &command {
                ReviewerCommand::Assign(args) => (args, true),
                ReviewerCommand::Unassign(args) => (args, false),
            };
            let store = Store::open_with(&args.db.database, 1).await?;
            let actor = cli_actor();
            if assigning {
                let added = store
                    .assign_reviewer(&args.token, &args.org, entry(&actor, "reviewer-assign"))
                    .await?;
                eprintln!(
                    "{} reviewer token {} to {}.",
                    if added {
                        "Assigned"
                    } else {
                        "Already assigned:"
                    },
                    args.token,
                    args.org
                );
            } else {
                store
                    .unassign_reviewer(&args.token, &args.org, entry(&actor, "reviewer-unassign"))
                    .await?;
                eprintln!(
                    "Unassigned reviewer token {} from {}.",
                    args.token, args.org
                );
            }
            store.close().await;
            Ok(Outcome::Success)
        }),
        AdminCommand::Withdraw(args) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            let actor = cli_actor();
            let withdrawn = store
                .withdraw(&args.submission_id, &args.reason, entry(&actor, "withdraw"))
                .await?;
            store.close().await;
            eprintln!(
                "Withdrew submission {} ({} version {} for {}).",
                withdrawn.id, withdrawn.org_id, withdrawn.version, withdrawn.framework
            );
            Ok(Outcome::Success)
        }),
    }
}

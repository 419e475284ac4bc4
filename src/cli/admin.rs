//! `caf admin`: organisations, tokens and the audit log, working directly on the database
//! (no server needs to be running, and no token is needed: access to the database is the
//! authority).

use clap::{Args, Subcommand, ValueEnum};

use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_server::store::{Organisation, Role, Store, TokenScope, TokenSpec, format_time, now_ms};

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
    /// The organisation a submitter token submits for.
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
            store
                .add_organisation(&Organisation {
                    id: args.id.clone(),
                    name: args.name,
                    sector: args.sector,
                    region: args.region,
                    parent: args.parent,
                    created_at: now_ms(),
                })
                .await?;
            store.close().await;
            eprintln!("Registered organisation {}.", args.id);
            Ok(Outcome::Success)
        }),
        AdminCommand::Org(OrgCommand::List(db)) => rt.block_on(async {
            let store = Store::open_with(&db.database, 1).await?;
            let orgs = store.organisations().await?;
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
                let issued = store
                    .create_token(&TokenSpec {
                        role,
                        scope,
                        expires_at: lifetime.map(|ms| now_ms() + ms),
                    })
                    .await?;
                store.close().await;
                // The token alone on stdout, so scripts can capture it; the rest on stderr.
                output::emit(&format!("{}\n", issued.token), None)?;
                eprintln!(
                    "Created {} token {} ({}). It is shown only now; revoke it with `caf admin token revoke {}`.",
                    role.as_str(),
                    issued.id,
                    issued
                        .expires_at
                        .map_or("never expires".to_string(), |at| format!("expires {}", format_time(at))),
                    issued.id
                );
                Ok(Outcome::Success)
            })
        }
        AdminCommand::Token(TokenCommand::Revoke(args)) => rt.block_on(async {
            let store = Store::open_with(&args.db.database, 1).await?;
            store.revoke_token(&args.token_id).await?;
            store.close().await;
            eprintln!("Revoked token {}.", args.token_id);
            Ok(Outcome::Success)
        }),
        AdminCommand::Token(TokenCommand::List(db)) => rt.block_on(async {
            let store = Store::open_with(&db.database, 1).await?;
            let tokens = store.tokens().await?;
            store.close().await;
            let mut table =
                output::table(&["Id", "Role", "Scope", "Created", "Expires", "Revoked"]);
            for t in &tokens {
                let scope = match &t.scope {
                    TokenScope::All => "all".to_string(),
                    TokenScope::Organisation(o) => format!("organisation {o}"),
                    TokenScope::Sector(s) => format!("sector {s}"),
                    TokenScope::Parent(p) => format!("parent {p}"),
                };
                table.add_row(vec![
                    t.id.clone(),
                    t.role.as_str().to_string(),
                    scope,
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
                        "Detail",
                    ]);
                    for e in &entries {
                        table.add_row(vec![
                            format_time(e.at),
                            e.token_id.clone(),
                            e.role.clone(),
                            e.action.clone(),
                            e.submission_id.clone().unwrap_or_default(),
                            e.org_id.clone().unwrap_or_default(),
                            e.detail.clone().unwrap_or_default(),
                        ]);
                    }
                    format!("{table}\n{} entries\n", entries.len())
                }
            };
            output::emit(&text, None)?;
            Ok(Outcome::Success)
        }),
    }
}

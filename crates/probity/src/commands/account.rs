//! `probity account create|list|disable|enable|reset-totp|rotate-pseudonym-key`: workbench
//! accounts and the pseudonym key, managed on the server itself (the actor in the audit log is
//! `cli:<os user>`).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;

use probity_access::{
    Access, AccessPolicy, AccessStore, Principal, Role, RoleSet, SqliteAccessStore,
};
use probity_store::AuditStore;

use super::open_store;
use crate::DataArg;

/// Longest password read from a file or stdin.
const MAX_PASSWORD: u64 = 1024;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account with one or more roles.
    Create {
        #[command(flatten)]
        data: DataArg,
        /// The sign-in name.
        #[arg(long)]
        name: String,
        /// A role: administrator, analyst, investigator, authorising-officer or auditor (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
        /// The name shown for the account.
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from this file (first line).
        #[arg(long, conflicts_with = "password_stdin")]
        password_file: Option<PathBuf>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Disable an account (its sessions end).
    Disable {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
    },
    /// Clear an account's authenticator; it enrols a new one at its next sign-in.
    ResetTotp {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
    },
    /// Make a new pseudonym key current (old keys are kept, so reveals of pseudonyms made under
    /// them still work). People get new pseudonyms once the server restarts.
    RotatePseudonymKey {
        #[command(flatten)]
        data: DataArg,
    },
}

/// The access layer over the data directory's `access.db`.
pub fn open_access(data: &Path) -> anyhow::Result<Access<SqliteAccessStore>> {
    let store = SqliteAccessStore::open(data)
        .with_context(|| format!("cannot open the accounts in {}", data.display()))?;
    Access::new(store, AccessPolicy::default()).context("cannot start the access layer")
}

/// The administrator acting through this command.
pub fn operator() -> Principal {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    Principal::command_line(&user)
}

fn read_password(file: Option<&Path>, stdin: bool) -> anyhow::Result<String> {
    let mut text = String::new();
    match (file, stdin) {
        (Some(file), _) => {
            std::fs::File::open(file)
                .with_context(|| format!("cannot open {}", file.display()))?
                .take(MAX_PASSWORD)
                .read_to_string(&mut text)
                .with_context(|| format!("cannot read {}", file.display()))?;
        }
        (None, true) => {
            std::io::stdin()
                .take(MAX_PASSWORD)
                .read_to_string(&mut text)
                .context("cannot read the password from standard input")?;
        }
        (None, false) => bail!("give the password with --password-file FILE or --password-stdin"),
    }
    let password = text.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        bail!("the password is empty");
    }
    Ok(password)
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let by = operator();
    let now = chrono::Utc::now();
    match command {
        Command::Create {
            data,
            name,
            roles,
            display_name,
            password_file,
            password_stdin,
        } => {
            let password = read_password(password_file.as_deref(), password_stdin)?;
            let access = open_access(&data.data)?;
            let (account, action) = access
                .create_account(
                    &by,
                    &name,
                    &display_name,
                    RoleSet::new(roles),
                    Some(&password),
                    now,
                )
                .with_context(|| format!("cannot create account {name:?}"))?;
            open_store(&data.data)?.audit(action)?;
            println!(
                "Created account {} with roles {}. It enrols an authenticator at its first sign-in.",
                account.name,
                account.roles.to_list()
            );
        }
        Command::List { data } => {
            let access = open_access(&data.data)?;
            println!(
                "{:<24} {:<36} {:<9} {:<13} last sign-in",
                "name", "roles", "state", "authenticator"
            );
            for account in access.store().accounts()? {
                let state = if account.disabled {
                    "disabled"
                } else {
                    "active"
                };
                let totp = if account.totp.is_some() {
                    "enrolled"
                } else {
                    "not enrolled"
                };
                let last = account
                    .last_login
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{:<24} {:<36} {:<9} {:<13} {last}",
                    account.name.as_str(),
                    account.roles.to_list(),
                    state,
                    totp
                );
            }
        }
        Command::Disable { data, name } => {
            let access = open_access(&data.data)?;
            let action = access.set_disabled(&by, &name, true, now)?;
            open_store(&data.data)?.audit(action)?;
            println!("{name} is disabled; its sessions have ended.");
        }
        Command::Enable { data, name } => {
            let access = open_access(&data.data)?;
            let action = access.set_disabled(&by, &name, false, now)?;
            open_store(&data.data)?.audit(action)?;
            println!("{name} is enabled.");
        }
        Command::ResetTotp { data, name } => {
            let access = open_access(&data.data)?;
            let action = access.reset_totp(&by, &name, now)?;
            open_store(&data.data)?.audit(action)?;
            println!("{name} enrols a new authenticator at the next sign-in.");
        }
        Command::RotatePseudonymKey { data } => {
            let mut keys = probity_access::Pseudonymiser::open(&data.data).with_context(|| {
                format!("cannot open the pseudonym key in {}", data.data.display())
            })?;
            let before = keys.current_key_id();
            let current = keys.rotate()?;
            open_store(&data.data)?.audit(probity_audit::Action {
                time: now,
                actor: by.actor(),
                action: "pseudonym.key.rotate".into(),
                target: format!("key {current}"),
                details: serde_json::json!({"previous": before, "current": current}),
            })?;
            println!(
                "pseudonym key {current} is current (key {before} kept for earlier pseudonyms); restart probity serve to use it."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

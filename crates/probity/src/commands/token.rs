//! `probity token create|list|revoke`.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use probity_store::{Scope, TokenStore};

use super::open_store;
use crate::DataArg;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a token and print it. It is shown this once and stored only as a hash.
    Create {
        #[command(flatten)]
        data: DataArg,
        /// What the token may do: ingest, read or admin.
        #[arg(long, value_parser = parse_scope)]
        scope: Scope,
        /// A name for the token (the shipper or script that will hold it).
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Revoke a token by name.
    Revoke {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
    },
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    text.parse()
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create { data, scope, name } => {
            let store = open_store(&data.data)?;
            let (info, secret) = store
                .create_token(&name, scope)
                .with_context(|| format!("cannot create token {name:?}"))?;
            eprintln!(
                "Created token {:?} with scope {}. It is shown only now; keep it safe.",
                info.name, info.scope
            );
            println!("{}", secret.expose());
        }
        Command::List { data } => {
            let store = open_store(&data.data)?;
            println!(
                "{:<24} {:<7} {:<14} {:<25} state",
                "name", "scope", "prefix", "created"
            );
            for token in store.list_tokens()? {
                let state = match token.revoked {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "live".to_owned(),
                };
                println!(
                    "{:<24} {:<7} {:<14} {:<25} {state}",
                    token.name,
                    token.scope,
                    token.prefix,
                    token.created.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
        }
        Command::Revoke { data, name } => {
            let store = open_store(&data.data)?;
            if store.revoke_token(&name)? {
                eprintln!(
                    "Revoked token {name:?}. A running server stops accepting it within seconds."
                );
            } else {
                eprintln!("No live token named {name:?}.");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

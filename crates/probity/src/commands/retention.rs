//! `probity retention show|set|purge`.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use probity_access::Principal;
use probity_case::{RETENTION_CLASSES, Workbench};
use probity_store::AuditStore;

use super::open_store;
use crate::DataArg;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the retention period of each class.
    Show {
        #[command(flatten)]
        data: DataArg,
    },
    /// Change retention periods, in days (0 keeps that class for ever). Classes not named keep
    /// their period. Audited.
    Set {
        #[command(flatten)]
        data: DataArg,
        /// Activity events other than messages.
        #[arg(long)]
        events: Option<u32>,
        /// Events carrying an email or chat message.
        #[arg(long)]
        messages: Option<u32>,
        #[arg(long)]
        alerts: Option<u32>,
        #[arg(long)]
        dead_letters: Option<u32>,
    },
    /// Delete everything past its retention period, except what is linked to a case on legal
    /// hold. Prints the count per class. Audited.
    Purge {
        #[command(flatten)]
        data: DataArg,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Show { data } => show(&data),
        Command::Set {
            data,
            events,
            messages,
            alerts,
            dead_letters,
        } => set(&data, [events, messages, alerts, dead_letters]),
        Command::Purge { data } => purge(&data),
    }
}

fn principal() -> Principal {
    Principal::command_line(&std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

fn open_workbench(data: &DataArg) -> anyhow::Result<Workbench> {
    Workbench::open(&data.data).with_context(|| {
        format!(
            "cannot open the workbench database in {}",
            data.data.display()
        )
    })
}

fn show(data: &DataArg) -> anyhow::Result<ExitCode> {
    let policy = open_workbench(data)?.retention()?;
    for class in RETENTION_CLASSES {
        match policy.classes.get(class) {
            Some(days) => println!("{class:<13} {days} days"),
            None => println!("{class:<13} kept"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `days` in [`RETENTION_CLASSES`] order.
fn set(data: &DataArg, days: [Option<u32>; 4]) -> anyhow::Result<ExitCode> {
    if days.iter().all(Option::is_none) {
        anyhow::bail!("name at least one class: --events, --messages, --alerts or --dead-letters");
    }
    let store = open_store(&data.data)?;
    let bench = open_workbench(data)?;
    let mut policy = bench.retention()?;
    for (class, days) in RETENTION_CLASSES.iter().zip(days) {
        match days {
            Some(0) => {
                policy.classes.remove(*class);
            }
            Some(days) => {
                policy.classes.insert((*class).to_owned(), days);
            }
            None => {}
        }
    }
    let action = bench.set_retention(&principal(), &policy, chrono::Utc::now())?;
    store.audit(action)?;
    show(data)
}

fn purge(data: &DataArg) -> anyhow::Result<ExitCode> {
    let store = open_store(&data.data)?;
    let bench = open_workbench(data)?;
    let (counts, action) = bench.purge(&principal(), &*store, chrono::Utc::now())?;
    store.audit(action)?;
    if counts.is_empty() {
        println!("no retention periods are set: nothing purged");
    }
    for (class, count) in counts {
        println!("{class:<13} {count} deleted");
    }
    Ok(ExitCode::SUCCESS)
}

//! `probity audit verify|show`.

use std::process::ExitCode;

use clap::Subcommand;

use probity_store::AuditStore;

use super::open_store;
use crate::DataArg;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the audit chain from its first entry: any edit, deletion or reordering is found.
    Verify {
        #[command(flatten)]
        data: DataArg,
    },
    /// Print audit entries, oldest first, one JSON object per line.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// Entries after this number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify { data } => {
            let store = open_store(&data.data)?;
            match probity_store::verify_audit(&*store)? {
                Ok(verified) => {
                    println!(
                        "audit log intact: {} entries; head {}",
                        verified.entries, verified.head
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    println!("audit log BROKEN: {broken}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Show { data, after, limit } => {
            let store = open_store(&data.data)?;
            for entry in store.audit_entries(after, limit)? {
                println!("{}", serde_json::to_string(&entry)?);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! `probity reference`: load and list reference data (staff, rosters, tasking, watch lists,
//! subjects).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use probity_insider::Kind;
use probity_insider::stored::load;
use probity_store::ReferenceStore;

use super::open_store;
use crate::DataArg;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Replace one kind of reference data with a CSV or JSON file (all rows valid, or nothing
    /// changes). Recorded in the audit log.
    Load {
        #[command(flatten)]
        data: DataArg,
        /// staff, rosters, tasking, watchlist or subjects.
        kind: Kind,
        /// The file (CSV with a header row, or a JSON array of objects).
        file: PathBuf,
    },
    /// Load every `KIND.csv` / `KIND.json` found in a folder (as `probity simulate` writes).
    LoadDir {
        #[command(flatten)]
        data: DataArg,
        dir: PathBuf,
    },
    /// What is loaded.
    List {
        #[command(flatten)]
        data: DataArg,
    },
}

fn load_file(store: &dyn ReferenceStore, kind: Kind, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let loaded = load(
        store,
        kind,
        &bytes,
        &super::actor::cli_actor(),
        &file.display().to_string(),
    )?;
    println!(
        "loaded {} {} rows from {} (audit entry {})",
        loaded.rows,
        kind,
        file.display(),
        loaded.audit_seq
    );
    Ok(())
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Load { data, kind, file } => {
            let store = open_store(&data.data)?;
            load_file(&*store, kind, &file)?;
        }
        Command::LoadDir { data, dir } => {
            let store = open_store(&data.data)?;
            let mut any = false;
            for kind in Kind::ALL {
                for extension in ["csv", "json"] {
                    let file = dir.join(format!("{}.{extension}", kind.name()));
                    if file.is_file() {
                        load_file(&*store, kind, &file)?;
                        any = true;
                        break;
                    }
                }
            }
            if !any {
                anyhow::bail!(
                    "no reference files (staff.csv, rosters.csv…) in {}",
                    dir.display()
                );
            }
        }
        Command::List { data } => {
            let store = open_store(&data.data)?;
            println!("{:<10} {:>10}  loaded", "kind", "rows");
            for (kind, rows, at) in store.reference_kinds()? {
                println!("{kind:<10} {rows:>10}  {}", at.format("%Y-%m-%d %H:%M:%S"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

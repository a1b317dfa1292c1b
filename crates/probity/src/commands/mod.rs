//! One module per subcommand.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod case;
pub mod deadletter;
pub mod demo;
pub mod events;
pub mod hunt;
pub mod ingest;
pub mod insider;
pub mod reference;
pub mod retention;
pub mod rules;
pub mod serve;
pub mod sigma;
pub mod simulate;
pub mod token;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use probity_store::sqlite::SqliteStore;

/// Opens the store in the data directory, with a message that names it on failure.
pub fn open_store(data: &Path) -> anyhow::Result<Arc<SqliteStore>> {
    let store = SqliteStore::open(data)
        .with_context(|| format!("cannot open the data directory {}", data.display()))?;
    Ok(Arc::new(store))
}

/// The communications stage for a data directory (its seal key and `policy/` files).
pub fn open_comms(data: &Path) -> anyhow::Result<probity_comms::CommsStage> {
    probity_comms::CommsStage::open(data).with_context(|| {
        format!(
            "cannot load the communications policies for {}",
            data.display()
        )
    })
}

//! Simulates a force and prints what was written and how long it took.
//!
//! ```text
//! cargo run --release -p probity-sim --example simulate -- [STAFF] [DAYS] [SEED] [OUT_DIR]
//! ```
//!
//! Defaults: 500 staff, 30 days, seed 1, a folder under the system's temporary directory.

use std::path::PathBuf;
use std::process::ExitCode;

use probity_sim::{SimConfig, simulate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = SimConfig::default();
    let number = |index: usize| args.get(index).and_then(|a| a.parse::<u64>().ok());
    if let Some(staff) = number(0) {
        config.staff = staff as usize;
    }
    if let Some(days) = number(1) {
        config.days = days as u32;
    }
    if let Some(seed) = number(2) {
        config.seed = seed;
    }
    let out = args.get(3).map(PathBuf::from).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("probity-sim-{}x{}", config.staff, config.days))
    });
    match simulate(&config, &out) {
        Ok(summary) => {
            println!("{summary}");
            println!("Written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("simulation failed: {error}");
            ExitCode::FAILURE
        }
    }
}

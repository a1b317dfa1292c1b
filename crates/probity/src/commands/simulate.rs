//! `probity simulate`: a synthetic police force in the formats real sources produce.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;

use probity_sim::{SimConfig, simulate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the force (reference/, logs/, truth.json).
    #[arg(long)]
    out: PathBuf,
    /// Every random choice follows from this: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Staff in the force.
    #[arg(long, default_value_t = 500)]
    staff: usize,
    /// Days of activity.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// The first day (YYYY-MM-DD).
    #[arg(long)]
    start: Option<NaiveDate>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = SimConfig {
        seed: args.seed,
        staff: args.staff,
        days: args.days,
        ..SimConfig::default()
    };
    if let Some(start) = args.start {
        config.start = start;
    }
    let summary = simulate(&config, &args.out)
        .with_context(|| format!("simulating into {}", args.out.display()))?;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

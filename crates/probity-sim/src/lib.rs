//! A deterministic synthetic police force, for showing, testing and measuring Probity.
//!
//! [`simulate`] builds an organisation (areas, stations, teams, staff in realistic roles, their
//! homes, families, neighbours and vehicles), a records population, duty rosters, tasking and
//! watch lists, then writes a period of ordinary work with injected misuse in the formats real
//! sources produce:
//!
//! - `reference/` — `staff.csv`, `rosters.csv`, `tasking.csv`, `watchlist.csv` and `subjects.csv`,
//!   the reference data Probity loads (their columns are documented in `docs/reference-data.md`);
//! - `logs/` — the records-system audit export (`records-audit.csv`, with the mapping that reads
//!   it), sign-in events (`signins.ndjson`), Winlogbeat endpoint events (`endpoint.ndjson`) and
//!   email (`mail.mbox`), all readable by `probity-ingest`;
//! - `truth.json` — every injected misuse and every hard negative, with the events that make it
//!   up.
//!
//! Every random choice flows from the configuration's seed through ChaCha8 streams: the same
//! [`SimConfig`] writes the same bytes every time. Output is streamed a day at a time, so memory
//! holds the organisation and one day of activity, not the whole period.

mod activity;
mod clock;
mod config;
mod error;
mod events;
mod mailgen;
mod names;
mod org;
mod output;
mod population;
mod rng;
mod roster;
mod scenario;
mod summary;
mod tasking;
mod watch;
mod world;

use std::path::Path;
use std::time::Instant;

pub use config::{MAX_DAYS, MAX_STAFF, MIN_STAFF, SimConfig};
pub use error::{Error, Result};
pub use output::truth::TRUTH_VERSION;
pub use scenario::{EventKey, Kind};
pub use summary::{FileCount, Summary};

use events::{Item, Timeline};
use output::logs::Logs;
use world::World;

/// The files a simulation writes, relative to its output folder.
pub const FILES: [&str; 11] = [
    "reference/staff.csv",
    "reference/rosters.csv",
    "reference/tasking.csv",
    "reference/watchlist.csv",
    "reference/subjects.csv",
    output::logs::AUDIT_FILE,
    output::logs::MAPPING_FILE,
    output::logs::SIGNINS_FILE,
    output::logs::ENDPOINT_FILE,
    output::logs::MAIL_FILE,
    output::truth::TRUTH_FILE,
];

/// Simulates a force and writes it under `out_dir` (created if missing; files already there are
/// replaced).
pub fn simulate(config: &SimConfig, out_dir: &Path) -> Result<Summary> {
    config.validate()?;
    let started = Instant::now();
    for folder in ["reference", "logs"] {
        let path = out_dir.join(folder);
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
    }
    let mut world = build(config);
    let plan = scenario::plan(&mut world);
    world.tasking.number();
    world.watch = watch::build(config, &world.org, &world.pop, &world.tasking);
    let mut files = output::reference::write_all(&world, out_dir)?;

    let mut scenarios = plan.scenarios;
    let mut planned = by_day(config, plan.planned.items);
    let mut logs = Logs::create(out_dir)?;
    let mut timeline = Timeline::starting_at(0);
    for day in 0..config.days {
        activity::day(&world, day, &mut timeline);
        if let Some(items) = planned.get_mut(day as usize) {
            timeline.items.append(items);
        }
        let until = roster::day_start(config.start, day + 1);
        for item in timeline.drain_before(until) {
            logs.write(&world, &item, &mut scenarios)?;
        }
    }
    for item in timeline.drain_before(i64::MAX) {
        logs.write(&world, &item, &mut scenarios)?;
    }
    files.extend(logs.finish()?);
    let truth = output::truth::write(&world, out_dir, &scenarios)?;
    files.push(truth.file);
    Ok(Summary {
        seed: config.seed,
        staff: config.staff,
        days: config.days,
        files,
        insiders: truth.insiders,
        scenarios: truth.misuse,
        hard_negatives: truth.hard_negatives,
        elapsed: started.elapsed(),
    })
}

/// Builds the organisation, population, rosters and tasking.
fn build(config: &SimConfig) -> World {
    let mut org = org::build(config);
    let pop = population::build(config, &mut org);
    let rosters = roster::build(config, &org);
    let on_duty = tasking::OnDuty::build(&org, &rosters);
    let tasking = tasking::build(config, &org, &pop, &rosters, &on_duty);
    World {
        config: config.clone(),
        org,
        pop,
        rosters,
        tasking,
        watch: watch::Watchlist::default(),
    }
}

/// Planned items grouped by the day (of the period) they happen on.
fn by_day(config: &SimConfig, items: Vec<Item>) -> Vec<Vec<Item>> {
    let mut days: Vec<Vec<Item>> = (0..config.days).map(|_| Vec::new()).collect();
    let last = config.days.saturating_sub(1) as usize;
    for item in items {
        let date = clock::local_date(item.at);
        let offset = (date - config.start).num_days().clamp(0, last as i64) as usize;
        if let Some(bucket) = days.get_mut(offset) {
            bucket.push(item);
        }
    }
    days
}

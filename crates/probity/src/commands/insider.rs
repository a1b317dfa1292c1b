//! `probity detect`, `probity risk` and `probity eval`: the insider detections over the store,
//! the per-person risk list, and evaluation against a simulated force's ground truth.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use chrono::Utc;

use probity_insider::eval::{Truth, evaluate, source_key};
use probity_insider::risk::{self, PersonRisk};
use probity_insider::stored::reference_from_store;
use probity_insider::{Activity, Detector, Policy, Reference, detect};
use probity_model::{Alert, EventId, Timestamp};
use probity_store::sqlite::SqliteStore;
use probity_store::{AlertQuery, AlertStore, EventStore};

use super::open_store;
use crate::DataArg;

/// Journal events read per page.
const PAGE: usize = 10_000;
/// The journal cursor insider detection keeps (shared with the server's live detector).
pub const CURSOR: &str = "insider";

/// Where the policy comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArg {
    /// Insider-detection policy (YAML); defaults are used for anything it leaves out.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

impl PolicyArg {
    pub fn load(&self) -> anyhow::Result<Policy> {
        match &self.policy {
            None => Ok(Policy::default()),
            Some(path) => {
                let text = super::read_policy_file(path)?;
                Policy::from_yaml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            }
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    #[command(flatten)]
    data: DataArg,
    #[command(flatten)]
    policy: PolicyArg,
    /// Print the default policy as YAML and stop.
    #[arg(long)]
    print_policy: bool,
}

#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    #[command(flatten)]
    data: DataArg,
    #[command(flatten)]
    policy: PolicyArg,
    /// How many people to show.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Contributing alerts shown per person.
    #[arg(long, default_value_t = 3)]
    reasons: usize,
    /// One JSON object per person.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArg,
    #[command(flatten)]
    policy: PolicyArg,
    /// The ground truth (`truth.json` from `probity simulate`).
    #[arg(long)]
    truth: PathBuf,
    /// The evaluation as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads the whole journal, keeping what the insider detections read; returns the activities,
/// the last journal position, and the number of events read.
fn read_activities(store: &SqliteStore) -> anyhow::Result<(Vec<Activity>, i64, u64)> {
    let mut activities = Vec::new();
    let mut position = 0i64;
    let mut events = 0u64;
    loop {
        let page = store.read_journal(position, PAGE)?;
        let Some(&(last, _)) = page.last() else {
            break;
        };
        events += page.len() as u64;
        activities.extend(page.iter().filter_map(|(_, e)| Activity::from_event(e)));
        position = last;
    }
    Ok((activities, position, events))
}

fn reference_of(store: &SqliteStore) -> anyhow::Result<Reference> {
    let reference = reference_from_store(store)?;
    if reference.staff.is_empty() {
        anyhow::bail!(
            "no staff directory is loaded: load reference data first (`probity reference load-dir DIR` or `probity reference load staff FILE`)"
        );
    }
    Ok(reference)
}

/// Runs every insider detection over everything stored and stores the alerts; returns them.
pub fn detect_store(store: &SqliteStore, policy: Policy) -> anyhow::Result<(Vec<Alert>, u64)> {
    let reference = reference_of(store)?;
    let started = Instant::now();
    let (mut activities, last, events) = read_activities(store)?;
    let read = started.elapsed();
    activities.sort_by_key(|a| a.at);
    let mut detector = Detector::new(&reference, policy, Utc::now());
    let alerts: Vec<Alert> = activities
        .iter()
        .flat_map(|a| detector.observe(a))
        .collect();
    let added = store.append_alerts(&alerts, Some((CURSOR, last)))?;
    eprintln!(
        "examined {events} events ({} activities) in {:.1} s (reading {:.1} s): {} alerts, {added} new",
        activities.len(),
        started.elapsed().as_secs_f64(),
        read.as_secs_f64(),
        alerts.len()
    );
    Ok((alerts, added))
}

pub fn run_detect(args: DetectArgs) -> anyhow::Result<ExitCode> {
    if args.print_policy {
        print!("{}", Policy::default_yaml());
        return Ok(ExitCode::SUCCESS);
    }
    let policy = args.policy.load()?;
    let store = open_store(&args.data.data)?;
    let (alerts, _) = detect_store(&store, policy)?;
    for (detection, count) in detect::count_by_detection(&alerts) {
        println!("{detection:<20} {count:>6}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Every alert in the store.
fn all_alerts(store: &SqliteStore) -> anyhow::Result<Vec<Alert>> {
    Ok(store.alerts(&AlertQuery {
        limit: usize::MAX >> 1,
        ..AlertQuery::default()
    })?)
}

/// The risk list from the stored alerts, scored at the time of the latest alert.
pub fn risks(store: &SqliteStore, policy: &Policy) -> anyhow::Result<(Vec<PersonRisk>, Timestamp)> {
    let reference = reference_from_store(store)?;
    let alerts = all_alerts(store)?;
    let now = alerts
        .iter()
        .map(Alert::timestamp)
        .max()
        .unwrap_or_else(Utc::now);
    Ok((risk::score(&alerts, Some(&reference), policy, now), now))
}

/// Prints the top of the risk list with the reasons.
pub fn print_risks(risks: &[PersonRisk], top: usize, reasons: usize) {
    for (rank, person) in risks.iter().take(top).enumerate() {
        println!(
            "{:>3}. {} {} ({}, {}) score {:.1}, {} alert(s)",
            rank + 1,
            person.person,
            person.account.as_deref().unwrap_or(""),
            person.role.as_deref().unwrap_or("?"),
            person.team.as_deref().unwrap_or("?"),
            person.score,
            person.alerts
        );
        for contribution in person.contributions.iter().take(reasons) {
            println!(
                "       [{} {:.1}] {}",
                contribution.rule, contribution.points, contribution.explanation
            );
        }
    }
}

pub fn run_risk(args: RiskArgs) -> anyhow::Result<ExitCode> {
    let policy = args.policy.load()?;
    let store = open_store(&args.data.data)?;
    let (risks, now) = risks(&store, &policy)?;
    if args.json {
        for person in risks.iter().take(args.top) {
            println!("{}", serde_json::to_string(person)?);
        }
    } else {
        println!(
            "{} people with alerts; scores as at {}",
            risks.len(),
            now.format("%Y-%m-%d %H:%M UTC")
        );
        print_risks(&risks, args.top, args.reasons);
    }
    Ok(ExitCode::SUCCESS)
}

/// The source keys of the events the alerts rest on.
fn keys_for(store: &SqliteStore, alerts: &[Alert]) -> anyhow::Result<HashMap<EventId, String>> {
    let wanted: HashSet<EventId> = alerts
        .iter()
        .flat_map(|a| a.events.iter().map(|e| e.id))
        .collect();
    let mut keys = HashMap::new();
    let mut position = 0i64;
    loop {
        let page = store.read_journal(position, PAGE)?;
        let Some(&(last, _)) = page.last() else {
            break;
        };
        for (_, event) in &page {
            if wanted.contains(&event.provenance.id)
                && let Some(key) = source_key(event)
            {
                keys.insert(event.provenance.id, key);
            }
        }
        position = last;
    }
    Ok(keys)
}

pub fn run_eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let policy = args.policy.load()?;
    let truth = read_truth(&args.truth)?;
    let store = open_store(&args.data.data)?;
    let alerts = all_alerts(&store)?;
    let keys = keys_for(&store, &alerts)?;
    let (risks, _) = risks(&store, &policy)?;
    let evaluation = evaluate(&truth, &alerts, &keys, &risks);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print!("{}", evaluation.report());
    }
    Ok(ExitCode::SUCCESS)
}

fn read_truth(path: &Path) -> anyhow::Result<Truth> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a ground-truth file", path.display()))
}

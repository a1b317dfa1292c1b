//! Live insider detection: a thread that follows the journal and runs the records-misuse
//! detections (probity-insider) over every stored event, against the reference data in the store.
//!
//! It waits while no reference data is loaded (a lookup cannot be judged without the staff
//! directory and tasking), reads the journal in large steps, puts each step in time order, and
//! stores alerts together with its `insider` cursor. Baselines and windows are held in memory:
//! they start afresh when the server restarts or the reference data is reloaded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;

use probity_insider::stored::{loaded_version, reference_from_store};
use probity_insider::{Activity, Detector, Policy};
use probity_store::{AlertStore, EventStore, ReferenceStore};

/// The journal cursor the insider detector keeps.
pub const CURSOR: &str = "insider";
/// Events read from the journal per step.
const STEP: usize = 20_000;
/// Pause when caught up or waiting for reference data.
const IDLE: Duration = Duration::from_millis(250);

/// Counters, for metrics and the demo.
#[derive(Debug, Default)]
pub struct InsiderStats {
    pub events: AtomicU64,
    pub alerts: AtomicU64,
    pub position: AtomicU64,
    /// Whether the last step found a full batch waiting.
    pub behind: AtomicBool,
    /// Whether reference data is loaded and detection is running.
    pub ready: AtomicBool,
}

/// The running insider detector.
pub type InsiderGuard = crate::detector::WorkerGuard<InsiderStats>;

/// The stores the detector reads and writes.
#[derive(Debug, Clone)]
pub struct InsiderStores {
    pub events: Arc<dyn EventStore>,
    pub alerts: Arc<dyn AlertStore>,
    pub reference: Arc<dyn ReferenceStore>,
}

/// Starts the insider detector.
pub fn spawn_insider(policy: Policy, stores: InsiderStores) -> std::io::Result<InsiderGuard> {
    crate::detector::spawn_worker("probity-insider", move |stop, stats| {
        run(&policy, &stores, stop, stats)
    })
}

fn run(policy: &Policy, stores: &InsiderStores, stop: &AtomicBool, stats: &InsiderStats) {
    while !stop.load(Ordering::Acquire) {
        let version = match loaded_version(&*stores.reference) {
            Ok(version) if !version.is_empty() => version,
            Ok(_) => {
                stats.ready.store(false, Ordering::Relaxed);
                std::thread::sleep(IDLE);
                continue;
            }
            Err(error) => {
                tracing::error!(%error, "cannot read reference data; will retry");
                std::thread::sleep(IDLE * 10);
                continue;
            }
        };
        let reference = match reference_from_store(&*stores.reference) {
            Ok(reference) => reference,
            Err(error) => {
                tracing::error!(%error, "cannot load reference data; will retry");
                std::thread::sleep(IDLE * 10);
                continue;
            }
        };
        stats.ready.store(true, Ordering::Relaxed);
        tracing::info!(staff = reference.staff.len(), "insider detection running");
        let mut detector = Detector::new(&reference, policy.clone(), Utc::now());
        // Until the reference data changes or the server stops.
        while !stop.load(Ordering::Acquire) {
            if !matches!(loaded_version(&*stores.reference), Ok(v) if v == version) {
                tracing::info!("reference data reloaded; insider detection restarts");
                break;
            }
            match step(&mut detector, stores, stats) {
                Ok(0) => std::thread::sleep(IDLE),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "insider detection failed; will retry");
                    std::thread::sleep(IDLE * 10);
                }
            }
        }
    }
}

/// Examines the next step of the journal; returns how many events it read.
fn step(
    detector: &mut Detector<'_>,
    stores: &InsiderStores,
    stats: &InsiderStats,
) -> probity_store::Result<usize> {
    let from = stores.alerts.cursor(CURSOR)?;
    let batch = stores.events.read_journal(from, STEP)?;
    stats.behind.store(batch.len() == STEP, Ordering::Relaxed);
    let Some(&(last, _)) = batch.last() else {
        return Ok(0);
    };
    let mut activities: Vec<Activity> = batch
        .iter()
        .filter_map(|(_, event)| Activity::from_event(event))
        .collect();
    activities.sort_by_key(|a| a.at);
    detector.set_now(Utc::now());
    let found: Vec<_> = activities
        .iter()
        .flat_map(|a| detector.observe(a))
        .collect();
    let added = stores.alerts.append_alerts(&found, Some((CURSOR, last)))?;
    stats
        .events
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    stats.alerts.fetch_add(added, Ordering::Relaxed);
    stats
        .position
        .store(u64::try_from(last).unwrap_or(0), Ordering::Relaxed);
    if added > 0 {
        tracing::info!(alerts = added, "insider detections raised alerts");
    }
    Ok(batch.len())
}

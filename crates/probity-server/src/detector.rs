//! Live detection: a thread that follows the store's journal, evaluates every stored event
//! against the Sigma rules, and stores the alerts.
//!
//! It reads what is already durable, so acknowledgements never wait for detection, and it records
//! how far it has read (the `sigma` cursor) in the same transaction as the alerts it stores: after
//! a crash or restart it resumes where it stopped, and no stored event goes unexamined. Alerts are
//! keyed by rule and events, so evaluating an event twice cannot raise its alert twice.
//! Correlation windows are held in memory and start afresh on restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;

use probity_detect::{Correlator, Engine, alert_from_correlation, alert_from_detection};
use probity_store::{AlertStore, EventStore};

/// The journal cursor the Sigma detector keeps.
pub const CURSOR: &str = "sigma";
/// Events read from the journal per step.
const STEP: usize = 2_000;
/// Pause when the detector has caught up.
const IDLE: Duration = Duration::from_millis(200);

/// Counters the detector keeps, for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct DetectorStats {
    /// Events evaluated.
    pub events: AtomicU64,
    /// Alerts stored (new ones only).
    pub alerts: AtomicU64,
    /// The journal position reached.
    pub position: AtomicU64,
    /// Whether the last step found a full batch waiting (the detector is behind).
    pub behind: AtomicBool,
}

/// A background worker thread (a live detector) and its counters; stops and joins the thread
/// when dropped.
#[derive(Debug)]
pub struct WorkerGuard<S> {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    pub stats: Arc<S>,
}

impl<S> Drop for WorkerGuard<S> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a named worker thread running `body(stop, stats)`; `body` should return soon after
/// `stop` is set.
pub(crate) fn spawn_worker<S, F>(name: &str, body: F) -> std::io::Result<WorkerGuard<S>>
where
    S: Default + Send + Sync + 'static,
    F: FnOnce(&AtomicBool, &S) + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(S::default());
    let thread_stop = Arc::clone(&stop);
    let thread_stats = Arc::clone(&stats);
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || body(&thread_stop, &thread_stats))?;
    Ok(WorkerGuard {
        stop,
        thread: Some(thread),
        stats,
    })
}

/// The running Sigma detector.
pub type DetectorGuard = WorkerGuard<DetectorStats>;

/// Starts the detector.
pub fn spawn_detector(
    engine: Arc<Engine>,
    events: Arc<dyn EventStore>,
    alerts: Arc<dyn AlertStore>,
) -> std::io::Result<DetectorGuard> {
    spawn_worker("probity-detector", move |stop, stats| {
        let mut correlator = Correlator::new(&engine);
        while !stop.load(Ordering::Acquire) {
            match step(&engine, &mut correlator, &*events, &*alerts, stats) {
                Ok(0) => std::thread::sleep(IDLE),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "detection failed; will retry");
                    std::thread::sleep(IDLE * 10);
                }
            }
        }
    })
}

/// Evaluates the next events of the journal; returns how many.
fn step(
    engine: &Engine,
    correlator: &mut Correlator,
    events: &dyn EventStore,
    alerts: &dyn AlertStore,
    stats: &DetectorStats,
) -> probity_store::Result<usize> {
    let from = alerts.cursor(CURSOR)?;
    let mut batch = events.read_journal(from, STEP)?;
    stats.behind.store(batch.len() == STEP, Ordering::Relaxed);
    let Some(&(last, _)) = batch.last() else {
        return Ok(0);
    };
    let now = Utc::now();
    let mut found = Vec::new();
    let mut detections = Vec::new();
    for (_, event) in batch.iter_mut() {
        // A Winlogbeat document is evaluated in the flat shape of an EVTX record (EventID,
        // Channel, EventData names), which the rules' fields resolve against directly. Alerts
        // keep only references to the stored event, so the stored original is untouched.
        if let Some(flat) = probity_ingest::windows::flatten_winlogbeat(&event.original) {
            event.original = flat;
        }
        detections.clear();
        engine.evaluate(event, &mut detections);
        for detection in detections.iter().filter(|d| d.standalone) {
            found.push(alert_from_detection(detection, event, now));
        }
        for correlation in correlator.observe(event, &detections) {
            found.push(alert_from_correlation(&correlation, now));
        }
    }
    let added = alerts.append_alerts(&found, Some((CURSOR, last)))?;
    stats
        .events
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    stats.alerts.fetch_add(added, Ordering::Relaxed);
    stats
        .position
        .store(u64::try_from(last).unwrap_or(0), Ordering::Relaxed);
    if added > 0 {
        tracing::info!(alerts = added, "detections raised alerts");
    }
    Ok(batch.len())
}

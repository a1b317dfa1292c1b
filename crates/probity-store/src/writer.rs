//! Group commit: many producers, one committing thread, acknowledgement after durability.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use tokio::sync::oneshot;

use probity_model::DeadLetter;

use crate::{EncodedEvent, Error, EventStore, Result};

/// Queue and batch sizes for a [`Writer`].
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Events waiting to be committed beyond which producers are refused ([`Overloaded`]).
    pub max_queued_events: usize,
    /// Most events committed in one transaction.
    pub max_batch_events: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            max_queued_events: 200_000,
            max_batch_events: 20_000,
        }
    }
}

/// The writer's queue is full: the producer should slow down (HTTP 429/503, stop reading a socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the store is busy: too many events are waiting to be written")]
pub struct Overloaded;

/// A batch the writer refused because its queue was full, handed back whole.
#[derive(Debug)]
pub struct Refused {
    pub events: Vec<EncodedEvent>,
    pub dead_letters: Vec<DeadLetter>,
}

struct Job {
    events: Vec<EncodedEvent>,
    dead_letters: Vec<DeadLetter>,
    done: oneshot::Sender<Result<(), String>>,
}

/// Tells a producer when its batch is durable.
#[derive(Debug)]
pub struct Receipt(oneshot::Receiver<Result<(), String>>);

impl Receipt {
    /// Waits until the batch is committed to disk (or failed).
    pub async fn durable(self) -> Result<()> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(Error::Encode(reason)),
            Err(_) => Err(Error::Closed),
        }
    }

    /// The blocking form of [`Receipt::durable`], for threads outside an async runtime.
    pub fn wait(self) -> Result<()> {
        match self.0.blocking_recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(Error::Encode(reason)),
            Err(_) => Err(Error::Closed),
        }
    }
}

/// The group-commit front of an [`EventStore`]. Cloning shares the same queue and thread.
#[derive(Debug, Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sender: Sender<Job>,
    queued: Arc<AtomicUsize>,
    activity: Arc<Activity>,
    config: WriterConfig,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the committing thread.
    pub fn spawn(store: Arc<dyn EventStore>, config: WriterConfig) -> Result<Self> {
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        let queued = Arc::new(AtomicUsize::new(0));
        let thread_queued = Arc::clone(&queued);
        let activity = Arc::new(Activity::new());
        let thread_activity = Arc::clone(&activity);
        let max_batch = config.max_batch_events.max(1);
        let thread = std::thread::Builder::new()
            .name("probity-writer".into())
            .spawn(move || commit_loop(store, receiver, thread_queued, thread_activity, max_batch))
            .map_err(|source| Error::Io {
                path: "probity-writer thread".into(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                sender,
                queued,
                activity,
                config,
                thread: std::sync::Mutex::new(Some(thread)),
            }),
        })
    }

    /// Hands over a batch. Refused when the queue is full, unless the queue is empty (so that one
    /// batch larger than the queue limit is still accepted rather than refused for ever).
    pub fn submit(
        &self,
        events: Vec<EncodedEvent>,
        dead_letters: Vec<DeadLetter>,
    ) -> Result<Receipt, Overloaded> {
        self.try_submit(events, dead_letters)
            .map_err(|_refused| Overloaded)
    }

    /// As [`Writer::submit`], but a refused batch is handed back so the caller can retry it.
    pub fn try_submit(
        &self,
        events: Vec<EncodedEvent>,
        dead_letters: Vec<DeadLetter>,
    ) -> Result<Receipt, Refused> {
        let size = events.len() + dead_letters.len();
        let limit = self.inner.config.max_queued_events;
        let queued = &self.inner.queued;
        let mut current = queued.load(Ordering::Acquire);
        loop {
            if current > 0 && current + size > limit {
                return Err(Refused {
                    events,
                    dead_letters,
                });
            }
            match queued.compare_exchange_weak(
                current,
                current + size,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        let (done, receipt) = oneshot::channel();
        let job = Job {
            events,
            dead_letters,
            done,
        };
        if self.inner.sender.send(job).is_err() {
            queued.fetch_sub(size, Ordering::AcqRel);
            // The thread is gone; the receipt reports it as closed.
        }
        Ok(Receipt(receipt))
    }

    /// Whether the writer committed anything within `window`: ingest is under way.
    pub fn recently_active(&self, window: Duration) -> bool {
        self.inner.activity.within(window)
    }

    /// Events (and dead letters) waiting to be committed.
    pub fn queued(&self) -> usize {
        self.inner.queued.load(Ordering::Acquire)
    }

    /// Whether a batch of `size` would be refused now.
    pub fn is_overloaded(&self, size: usize) -> bool {
        let current = self.queued();
        current > 0 && current + size > self.inner.config.max_queued_events
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping the sender ends the loop once the queue is drained.
        let (closed, _) = crossbeam_channel::bounded(0);
        self.sender = closed;
        let thread = self.thread.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// When the writer last committed, as time since it started.
#[derive(Debug)]
struct Activity {
    start: Instant,
    last_micros: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_micros: AtomicU64::new(u64::MAX),
        }
    }

    fn mark(&self) {
        let now = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX - 1);
        self.last_micros.store(now, Ordering::Relaxed);
    }

    fn within(&self, window: Duration) -> bool {
        let last = self.last_micros.load(Ordering::Relaxed);
        if last == u64::MAX {
            return false;
        }
        let now = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        now.saturating_sub(last) <= u64::try_from(window.as_micros()).unwrap_or(u64::MAX)
    }
}

fn commit_loop(
    store: Arc<dyn EventStore>,
    receiver: Receiver<Job>,
    queued: Arc<AtomicUsize>,
    activity: Arc<Activity>,
    max_batch: usize,
) {
    while let Ok(first) = receiver.recv() {
        let mut jobs = vec![first];
        let mut size = jobs[0].events.len() + jobs[0].dead_letters.len();
        while size < max_batch {
            match receiver.try_recv() {
                Ok(job) => {
                    size += job.events.len() + job.dead_letters.len();
                    jobs.push(job);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let result = if jobs.len() == 1 {
            store.append(&jobs[0].events, &jobs[0].dead_letters)
        } else {
            let mut events = Vec::with_capacity(size);
            let mut dead_letters = Vec::new();
            for job in &mut jobs {
                events.append(&mut job.events);
                dead_letters.append(&mut job.dead_letters);
            }
            store.append(&events, &dead_letters)
        };
        queued.fetch_sub(size, Ordering::AcqRel);
        activity.mark();
        let result = result.map(|_| ()).map_err(|error| {
            tracing::error!(%error, events = size, "committing a batch failed");
            "the store could not commit the batch".to_owned()
        });
        for job in jobs {
            // A producer that gave up waiting is not an error.
            let _ = job.done.send(result.clone());
        }
    }
}

/// Events indexed per maintenance step.
const MAINTAIN_STEP: u64 = 5_000;
/// While ingest is under way, background upkeep sleeps this many times as long as each step took,
/// so that it takes at most a fifth of a core from acknowledging events.
const YIELD_FACTOR: u32 = 4;

/// Tells background upkeep whether more urgent work is under way, so that it yields.
pub type BusySignal = Arc<dyn Fn() -> bool + Send + Sync>;

/// A [`BusySignal`] that holds while `writer` has committed within the last quarter second.
pub fn writer_busy(writer: Writer) -> BusySignal {
    Arc::new(move || writer.recently_active(Duration::from_millis(250)))
}

/// Runs [`EventStore::maintain`] on its own thread until the returned guard is dropped: in steps,
/// yielding while `busy` says more urgent work (ingest, detection) is under way, and every
/// `interval` when there is nothing to do.
pub fn spawn_maintainer(
    store: Arc<dyn EventStore>,
    busy: Option<BusySignal>,
    interval: Duration,
) -> Result<MaintainerGuard> {
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("probity-indexer".into())
        .spawn(move || {
            while !thread_stop.load(Ordering::Acquire) {
                let started = Instant::now();
                match store.maintain(MAINTAIN_STEP) {
                    Ok(0) => std::thread::sleep(interval),
                    Ok(_) => {
                        if busy.as_ref().is_some_and(|busy| busy()) {
                            std::thread::sleep(started.elapsed() * YIELD_FACTOR);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "background upkeep failed; will retry");
                        std::thread::sleep(interval * 10);
                    }
                }
            }
        })
        .map_err(|source| Error::Io {
            path: "probity-indexer thread".into(),
            source,
        })?;
    Ok(MaintainerGuard {
        stop,
        thread: Some(thread),
    })
}

/// Stops the maintainer thread when dropped.
#[derive(Debug)]
pub struct MaintainerGuard {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for MaintainerGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::mpsc;

    use super::*;
    use crate::{AppendOutcome, EventQuery, StoreCounts, StoredDeadLetter, testsuite};

    /// A store whose appends wait until the test lets them through.
    #[derive(Debug)]
    struct GatedStore {
        gate: Mutex<mpsc::Receiver<()>>,
        appended: AtomicUsize,
    }

    impl EventStore for GatedStore {
        fn append(&self, events: &[EncodedEvent], _: &[DeadLetter]) -> Result<AppendOutcome> {
            self.gate.lock().unwrap().recv().unwrap();
            self.appended.fetch_add(events.len(), Ordering::SeqCst);
            Ok(AppendOutcome::default())
        }
        fn query(&self, _: &EventQuery) -> Result<Vec<probity_model::Event>> {
            Ok(Vec::new())
        }
        fn dead_letters(&self, _: usize) -> Result<Vec<StoredDeadLetter>> {
            Ok(Vec::new())
        }
        fn dead_letter(&self, _: i64) -> Result<Option<StoredDeadLetter>> {
            Ok(None)
        }
        fn counts(&self) -> Result<StoreCounts> {
            Ok(StoreCounts::default())
        }
        fn events_by_ref(
            &self,
            _: &[probity_model::EventRef],
        ) -> Result<Vec<probity_model::Event>> {
            Ok(Vec::new())
        }
        fn read_journal(&self, _: i64, _: usize) -> Result<Vec<(i64, probity_model::Event)>> {
            Ok(Vec::new())
        }
        fn purge(
            &self,
            _: crate::PurgeClass,
            _: probity_model::Timestamp,
            _: &std::collections::HashSet<String>,
        ) -> Result<u64> {
            Ok(0)
        }
    }

    #[test]
    fn a_full_queue_refuses_and_recovers() {
        let (open, gate) = mpsc::channel();
        let store = Arc::new(GatedStore {
            gate: Mutex::new(gate),
            appended: AtomicUsize::new(0),
        });
        let config = WriterConfig {
            max_queued_events: 10,
            max_batch_events: 100,
        };
        let writer = Writer::spawn(store.clone(), config).unwrap();

        // Larger than the whole queue, but the queue is empty: accepted.
        let first = writer
            .submit(testsuite::sample_events(20), Vec::new())
            .unwrap();
        assert_eq!(writer.queued(), 20);
        assert!(writer.is_overloaded(1));
        assert_eq!(
            writer
                .submit(testsuite::sample_events(1), Vec::new())
                .unwrap_err(),
            Overloaded
        );

        open.send(()).unwrap();
        first.wait().unwrap();
        assert_eq!(writer.queued(), 0);
        let second = writer
            .submit(testsuite::sample_events(5), Vec::new())
            .unwrap();
        open.send(()).unwrap();
        second.wait().unwrap();
        assert_eq!(store.appended.load(Ordering::SeqCst), 25);
    }

    #[test]
    fn queued_batches_are_committed_together() {
        let (open, gate) = mpsc::channel();
        let store = Arc::new(GatedStore {
            gate: Mutex::new(gate),
            appended: AtomicUsize::new(0),
        });
        let writer = Writer::spawn(store.clone(), WriterConfig::default()).unwrap();
        // The first batch holds the thread at the gate while three more queue up behind it.
        let receipts: Vec<Receipt> = (0..4)
            .map(|_| {
                writer
                    .submit(testsuite::sample_events(3), Vec::new())
                    .unwrap()
            })
            .collect();
        // Two openings suffice: one for the first batch, one for the other three together.
        open.send(()).unwrap();
        open.send(()).unwrap();
        for receipt in receipts {
            receipt.wait().unwrap();
        }
        assert_eq!(store.appended.load(Ordering::SeqCst), 12);
    }
}

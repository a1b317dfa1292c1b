//! From decoded batches to durable storage.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use probity_comms::CommsStage;
use probity_ingest::Batch;
use probity_model::{Alert, DeadLetter};
use probity_store::{AlertStore, EncodedEvent, Overloaded, Receipt, Refused, Writer};

use crate::metrics::Metrics;

/// Hands decoded batches to the writer. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pipeline {
    writer: Writer,
    metrics: Arc<Metrics>,
    comms: Option<Comms>,
}

/// The communications stage in force and where its alerts go.
#[derive(Debug, Clone)]
struct Comms {
    stage: LiveStage,
    alerts: Arc<dyn AlertStore>,
}

/// The communications stage in force, shared by every listener and replaced whole when its
/// policies or the staff directory are reloaded: a batch already being read keeps the stage it
/// started with.
#[derive(Debug, Clone)]
pub struct LiveStage(Arc<Live>);

#[derive(Debug)]
struct Live {
    stage: RwLock<Arc<CommsStage>>,
    /// Held for the whole of a rebuild, so that two rebuilds (a SIGHUP and a staff directory
    /// loaded over the API) cannot interleave and leave the older one's reading in force.
    rebuilding: Mutex<()>,
}

impl LiveStage {
    pub fn new(stage: Arc<CommsStage>) -> Self {
        Self(Arc::new(Live {
            stage: RwLock::new(stage),
            rebuilding: Mutex::new(()),
        }))
    }

    /// The stage in force now.
    pub fn current(&self) -> Arc<CommsStage> {
        // A panic while the lock was held cannot leave a half-written `Arc` behind.
        Arc::clone(&self.0.stage.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts `stage` in force for every batch read from now on.
    pub fn replace(&self, stage: Arc<CommsStage>) {
        *self.0.stage.write().unwrap_or_else(PoisonError::into_inner) = stage;
    }

    /// Builds a stage from the one in force and puts it in force, one rebuild at a time; a
    /// build that fails leaves the stage in force as it was. Blocks: call it off the async
    /// threads. Batches go on being read with the stage in force while it builds.
    pub fn rebuild<E>(
        &self,
        build: impl FnOnce(&CommsStage) -> Result<CommsStage, E>,
    ) -> Result<(), E> {
        let _one_at_a_time = self
            .0
            .rebuilding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let built = build(&self.current())?;
        self.replace(Arc::new(built));
        Ok(())
    }
}

/// A batch encoded for storage, not yet queued.
#[derive(Debug)]
pub struct Prepared {
    events: Vec<EncodedEvent>,
    dead_letters: Vec<DeadLetter>,
    /// Content alerts, stored once the events are durable.
    alerts: Vec<Alert>,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.events.len() + self.dead_letters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch handed over; wait on it to know it is durable.
#[derive(Debug)]
pub struct Submission {
    pub accepted: usize,
    pub rejected: usize,
    receipt: Receipt,
    metrics: Arc<Metrics>,
    alerts: Vec<Alert>,
    alert_store: Option<Arc<dyn AlertStore>>,
}

impl Submission {
    /// Waits until the batch is committed, then stores its content alerts.
    pub async fn durable(self) -> Result<(), probity_store::Error> {
        self.receipt.durable().await?;
        if let Some(store) = self.alert_store.filter(|_| !self.alerts.is_empty()) {
            let alerts = self.alerts;
            tokio::task::spawn_blocking(move || store.append_alerts(&alerts, None))
                .await
                .map_err(|_| probity_store::Error::Closed)??;
        }
        Metrics::add(&self.metrics.events_accepted, self.accepted as u64);
        Metrics::add(&self.metrics.events_rejected, self.rejected as u64);
        Ok(())
    }
}

impl Pipeline {
    pub fn new(writer: Writer, metrics: Arc<Metrics>) -> Self {
        Self {
            writer,
            metrics,
            comms: None,
        }
    }

    /// Runs every event through the communications stage before storing it; its alerts go to
    /// `alerts` once the events are durable.
    pub fn with_comms(mut self, stage: LiveStage, alerts: Arc<dyn AlertStore>) -> Self {
        self.comms = Some(Comms { stage, alerts });
        self
    }

    /// The communications stage in force, where the pipeline has one.
    pub fn live_stage(&self) -> Option<&LiveStage> {
        self.comms.as_ref().map(|comms| &comms.stage)
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Applies the communications stage and serialises a batch for storage (CPU work, done on the
    /// caller's thread). An event that cannot be serialised becomes a dead letter.
    pub fn prepare(&self, batch: Batch) -> Prepared {
        let mut events = Vec::with_capacity(batch.events.len());
        let mut dead_letters: Vec<DeadLetter> = batch.rejected;
        let mut alerts = Vec::new();
        let stage = self.comms.as_ref().map(|comms| comms.stage.current());
        if let Some(stage) = &stage {
            for letter in &mut dead_letters {
                stage.guard_dead_letter(letter);
            }
        }
        for mut event in batch.events {
            if let Some(stage) = &stage {
                alerts.extend(stage.process(&mut event));
                if event
                    .tags
                    .iter()
                    .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
                {
                    Metrics::add(&self.metrics.comms_partly_scanned, 1);
                }
            }
            match EncodedEvent::encode(&event) {
                Ok(encoded) => events.push(encoded),
                Err(error) => {
                    let raw = serde_json::to_vec(&event.original).unwrap_or_default();
                    let mut letter = DeadLetter::new(
                        event.provenance.ingested,
                        event.provenance.source.clone(),
                        Some(event.provenance.format),
                        format!("event could not be encoded for storage: {error}"),
                        event.provenance.location.clone(),
                        &raw,
                    );
                    if let Some(stage) = &stage {
                        stage.guard_dead_letter(&mut letter);
                    }
                    dead_letters.push(letter);
                }
            }
        }
        Prepared {
            events,
            dead_letters,
            alerts,
        }
    }

    /// Queues a prepared batch, or hands it back when the writer's queue is full.
    pub fn queue(&self, prepared: Prepared) -> Result<Submission, Prepared> {
        let accepted = prepared.events.len();
        let rejected = prepared.dead_letters.len();
        let alerts = prepared.alerts;
        match self
            .writer
            .try_submit(prepared.events, prepared.dead_letters)
        {
            Ok(receipt) => Ok(Submission {
                accepted,
                rejected,
                receipt,
                metrics: Arc::clone(&self.metrics),
                alerts,
                alert_store: self.comms.as_ref().map(|c| Arc::clone(&c.alerts)),
            }),
            Err(Refused {
                events,
                dead_letters,
            }) => {
                Metrics::add(&self.metrics.overloaded, 1);
                Err(Prepared {
                    events,
                    dead_letters,
                    alerts,
                })
            }
        }
    }

    /// Prepares and queues a batch; a full queue refuses it (the sender is told to retry).
    pub fn submit(&self, batch: Batch) -> Result<Submission, Overloaded> {
        let size = batch.events.len() + batch.rejected.len();
        if self.writer.is_overloaded(size) {
            Metrics::add(&self.metrics.overloaded, 1);
            return Err(Overloaded);
        }
        self.queue(self.prepare(batch)).map_err(|_| Overloaded)
    }
}

//! Signs audit checkpoints while the server runs: every `audit_checkpoint_interval`, and once more
//! at shutdown, so that the log's head is never unsigned for long.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use probity_audit::Signer;
use probity_store::AuditStore;

/// The periodic checkpoint task.
#[derive(Debug)]
pub(crate) struct AuditCheckpoints {
    audit: Arc<dyn AuditStore>,
    signer: Arc<Signer>,
    task: JoinHandle<()>,
}

impl AuditCheckpoints {
    /// Starts signing every `interval` until `shutdown` turns true.
    pub(crate) fn spawn(
        audit: Arc<dyn AuditStore>,
        signer: Arc<Signer>,
        interval: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) -> Self {
        let interval = interval.max(Duration::from_millis(10));
        let task = {
            let audit = Arc::clone(&audit);
            let signer = Arc::clone(&signer);
            tokio::spawn(async move {
                let mut ticks =
                    tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => sign(&audit, &signer).await,
                        _ = shutdown.changed() => return,
                    }
                }
            })
        };
        Self {
            audit,
            signer,
            task,
        }
    }

    /// Stops the timer and signs the head one last time (call once requests have finished).
    pub(crate) async fn finish(self) {
        self.task.abort();
        let _ = self.task.await;
        sign(&self.audit, &self.signer).await;
    }
}

/// Signs the head if it moved, off the async runtime.
async fn sign(audit: &Arc<dyn AuditStore>, signer: &Arc<Signer>) {
    let audit = Arc::clone(audit);
    let signer = Arc::clone(signer);
    let signed =
        tokio::task::spawn_blocking(move || audit.checkpoint(&signer, chrono::Utc::now())).await;
    match signed {
        Ok(Ok(Some(checkpoint))) => tracing::info!(
            seq = checkpoint.seq,
            key = %checkpoint.key_id,
            "audit checkpoint signed"
        ),
        Ok(Ok(None)) => {}
        Ok(Err(error)) => tracing::error!(%error, "cannot sign an audit checkpoint"),
        Err(error) => tracing::error!(%error, "the audit checkpoint task failed"),
    }
}

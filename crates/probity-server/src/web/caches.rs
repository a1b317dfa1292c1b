//! Small caches so that busy pages do not repeat heavy reads: the dashboard's aggregate and the
//! audit chain's status are recomputed at most every few seconds.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::pages::audit::AuditStatus;
use super::pages::dashboard::Aggregate;

/// How long the dashboard's counts are reused.
pub const DASHBOARD_TTL: Duration = Duration::from_secs(10);
/// How long the audit chain's verification is reused.
pub const AUDIT_TTL: Duration = Duration::from_secs(30);

/// A value and when it was computed.
#[derive(Debug)]
pub struct Timed<T> {
    value: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Default for Timed<T> {
    fn default() -> Self {
        Self {
            value: Mutex::new(None),
        }
    }
}

impl<T> Timed<T> {
    /// The value if it is younger than `ttl`.
    pub fn fresh(&self, ttl: Duration) -> Option<Arc<T>> {
        let guard = self.value.lock().ok()?;
        let (at, value) = guard.as_ref()?;
        (at.elapsed() < ttl).then(|| Arc::clone(value))
    }

    /// Forgets the value (after a change it would hide).
    pub fn clear(&self) {
        if let Ok(mut guard) = self.value.lock() {
            *guard = None;
        }
    }

    /// Keeps `value` as computed now.
    pub fn store(&self, value: Arc<T>) {
        if let Ok(mut guard) = self.value.lock() {
            *guard = Some((Instant::now(), value));
        }
    }
}

/// The workbench's caches.
#[derive(Debug, Default)]
pub struct Caches {
    pub dashboard: Timed<Aggregate>,
    pub audit_status: Timed<AuditStatus>,
}

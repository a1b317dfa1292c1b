//! Small caches so that busy pages do not repeat heavy reads: the dashboard's aggregate and the
//! audit chain's status are recomputed at most every few seconds. The dashboard is served from
//! its last aggregate while one background task computes the next ([`Timed::current`]), so only
//! the first load after start (or after a change that clears it) waits for the computation.

use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Whether a caller has been told to refresh the value and has not yet stored it.
    refreshing: AtomicBool,
}

impl<T> Default for Timed<T> {
    fn default() -> Self {
        Self {
            value: Mutex::new(None),
            refreshing: AtomicBool::new(false),
        }
    }
}

/// What [`Timed::current`] found.
#[derive(Debug)]
pub enum Current<T> {
    /// Younger than the time to live.
    Fresh(Arc<T>),
    /// Older: serve it; `refresh` is true for exactly one caller, which should compute the next
    /// value and [`Timed::store`] it (or [`Timed::abandon`] the refresh).
    Stale { value: Arc<T>, refresh: bool },
    /// Nothing yet: compute it now.
    Missing,
}

impl<T> Timed<T> {
    /// The value if it is younger than `ttl`.
    pub fn fresh(&self, ttl: Duration) -> Option<Arc<T>> {
        let guard = self.value.lock().ok()?;
        let (at, value) = guard.as_ref()?;
        (at.elapsed() < ttl).then(|| Arc::clone(value))
    }

    /// The value however old, and whether this caller should refresh it.
    pub fn current(&self, ttl: Duration) -> Current<T> {
        let Ok(guard) = self.value.lock() else {
            return Current::Missing;
        };
        let Some((at, value)) = guard.as_ref() else {
            return Current::Missing;
        };
        if at.elapsed() < ttl {
            return Current::Fresh(Arc::clone(value));
        }
        let refresh = self
            .refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        Current::Stale {
            value: Arc::clone(value),
            refresh,
        }
    }

    /// Gives up a refresh [`Timed::current`] asked for (the computation failed).
    pub fn abandon(&self) {
        self.refreshing.store(false, Ordering::Release);
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
        self.refreshing.store(false, Ordering::Release);
    }
}

/// The workbench's caches.
#[derive(Debug, Default)]
pub struct Caches {
    pub dashboard: Timed<Aggregate>,
    pub audit_status: Timed<AuditStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_value_is_served_while_one_caller_refreshes_it() {
        let cache: Timed<u32> = Timed::default();
        assert!(matches!(
            cache.current(Duration::from_secs(60)),
            Current::Missing
        ));
        cache.store(Arc::new(1));
        assert!(matches!(cache.current(Duration::from_secs(60)), Current::Fresh(v) if *v == 1));
        // Past its time to live: the first caller refreshes, the next ones only serve it.
        let first = cache.current(Duration::ZERO);
        assert!(matches!(first, Current::Stale { ref value, refresh: true } if **value == 1));
        let second = cache.current(Duration::ZERO);
        assert!(matches!(second, Current::Stale { refresh: false, .. }));
        cache.store(Arc::new(2));
        assert!(matches!(
            cache.current(Duration::ZERO),
            Current::Stale { ref value, refresh: true } if **value == 2
        ));
        cache.abandon();
        assert!(matches!(
            cache.current(Duration::ZERO),
            Current::Stale { refresh: true, .. }
        ));
        cache.clear();
        assert!(matches!(cache.current(Duration::ZERO), Current::Missing));
    }
}

//! Counters, exposed at `/metrics` in the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the server has done since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    pub http_requests: AtomicU64,
    pub http_unauthorised: AtomicU64,
    pub events_accepted: AtomicU64,
    pub events_rejected: AtomicU64,
    pub overloaded: AtomicU64,
    pub syslog_udp_dropped: AtomicU64,
    pub syslog_refused_peers: AtomicU64,
    pub syslog_connections: AtomicU64,
    /// Messages the abuse scanner did not read in full (tag `content-partly-scanned`).
    pub comms_partly_scanned: AtomicU64,
    /// Communications policy reloads put in force, and refused (the old set kept).
    pub policy_reloads: AtomicU64,
    pub policy_reloads_refused: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter, plus the writer's queue length.
    pub fn render(&self, queued: usize) -> String {
        let counters: [(&str, &str, &AtomicU64); 11] = [
            (
                "probity_http_requests_total",
                "HTTP requests received",
                &self.http_requests,
            ),
            (
                "probity_http_unauthorised_total",
                "HTTP requests refused for want of a valid token",
                &self.http_unauthorised,
            ),
            (
                "probity_events_accepted_total",
                "Events decoded and committed",
                &self.events_accepted,
            ),
            (
                "probity_events_rejected_total",
                "Inputs kept in dead-letter",
                &self.events_rejected,
            ),
            (
                "probity_overloaded_total",
                "Batches refused because the writer queue was full",
                &self.overloaded,
            ),
            (
                "probity_syslog_udp_dropped_total",
                "Syslog datagrams dropped because the writer queue was full",
                &self.syslog_udp_dropped,
            ),
            (
                "probity_syslog_refused_peers_total",
                "Syslog messages or connections from networks not allowed",
                &self.syslog_refused_peers,
            ),
            (
                "probity_syslog_connections_total",
                "Syslog TCP connections accepted",
                &self.syslog_connections,
            ),
            (
                "probity_comms_partly_scanned_total",
                "Messages whose texts the abuse scanner did not read in full (time or size limit)",
                &self.comms_partly_scanned,
            ),
            (
                "probity_policy_reloads_total",
                "Communications policy reloads put in force",
                &self.policy_reloads,
            ),
            (
                "probity_policy_reloads_refused_total",
                "Communications policy reloads refused; the set in force was kept",
                &self.policy_reloads_refused,
            ),
        ];
        let mut out = String::new();
        for (name, help, counter) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP probity_writer_queued Events waiting to be committed"
        );
        let _ = writeln!(out, "# TYPE probity_writer_queued gauge");
        let _ = writeln!(out, "probity_writer_queued {queued}");
        out
    }
}

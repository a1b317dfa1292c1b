//! Syslog listeners: UDP datagrams and TCP streams (RFC 6587 octet-counting or newline framing).
//!
//! Syslog carries no credentials, so a listener accepts only peers in `syslog_allow` (loopback by
//! default) and counts and logs the rest. Every message is kept: parsed as RFC 5424 or RFC 3164,
//! or else as plain text. Event ids for syslog mix in the arrival order, because syslog has no
//! retries to deduplicate and identical lines (five failed logons in one second) are real events.
//!
//! Backpressure: a TCP connection is not read further until its previous batch is queued, so a full
//! writer slows senders down. UDP has no backpressure: datagrams that arrive while the writer's
//! queue is full are dropped, counted (`probity_syslog_udp_dropped_total`) and logged.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use probity_ingest::syslog::{FrameDecoder, decode_message, frame_dead_letter};
use probity_ingest::{Batch, Context};
use probity_model::{EventId, Format};
use probity_store::Overloaded;

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::pipeline::{Pipeline, Submission};

/// Largest batch handed to the writer from one listener.
const BATCH_EVENTS: usize = 2_000;
/// Longest a received UDP message waits for its batch to fill.
const UDP_FLUSH: Duration = Duration::from_millis(50);
/// Read buffer per TCP connection.
const TCP_READ: usize = 256 * 1024;

fn allowed(allow: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    allow.iter().any(|net| net.contains(&ip))
}

/// Gives every syslog event an id unique to its arrival: listener start, listener kind, sequence.
#[derive(Debug)]
struct Arrivals {
    epoch: u128,
    next: AtomicU64,
}

impl Arrivals {
    fn new() -> Self {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Self {
            epoch,
            next: AtomicU64::new(0),
        }
    }

    fn id(&self, transport: &str, raw: &[u8]) -> EventId {
        let sequence = self.next.fetch_add(1, Ordering::Relaxed);
        let mut content = Vec::with_capacity(raw.len() + 48);
        content.extend_from_slice(raw);
        content.extend_from_slice(transport.as_bytes());
        content.extend_from_slice(&self.epoch.to_be_bytes());
        content.extend_from_slice(&sequence.to_be_bytes());
        EventId::derive(Format::Syslog, &content, 0)
    }
}

/// Encodes and queues a batch on a blocking thread.
async fn submit(pipeline: &Pipeline, batch: Batch) -> Result<Submission, Overloaded> {
    let pipeline = pipeline.clone();
    match tokio::task::spawn_blocking(move || pipeline.submit(batch)).await {
        Ok(result) => result,
        Err(_) => Err(Overloaded),
    }
}

/// Serves syslog over UDP until `shutdown`.
pub async fn serve_udp(
    socket: UdpSocket,
    pipeline: Pipeline,
    config: ServerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let arrivals = Arrivals::new();
    let metrics = Arc::clone(pipeline.metrics());
    let mut buffer = vec![0u8; 65_536];
    let mut batch = Batch::new();
    let mut first_pending: Option<Instant> = None;
    let mut commits: JoinSet<()> = JoinSet::new();
    let mut last_drop_warning: Option<Instant> = None;
    loop {
        let deadline = first_pending.map(|t| t + UDP_FLUSH);
        let received = tokio::select! {
            received = socket.recv_from(&mut buffer) => Some(received),
            _ = sleep_until(deadline) => None,
            _ = shutdown.changed() => break,
        };
        if let Some(received) = received {
            let (len, peer) = match received {
                Ok(received) => received,
                Err(error) => {
                    tracing::warn!(%error, "receiving a syslog datagram failed");
                    continue;
                }
            };
            if !allowed(&config.syslog_allow, peer.ip()) {
                Metrics::add(&metrics.syslog_refused_peers, 1);
                tracing::debug!(%peer, "syslog datagram from a network not allowed");
                continue;
            }
            let raw = &buffer[..len];
            let mut ctx = Context::new(format!("syslog-udp:{}", peer.ip()), config.limits.clone());
            if raw.len() > config.limits.max_event_bytes {
                let reason = format!(
                    "datagram of {} bytes is longer than the {} byte event limit",
                    raw.len(),
                    config.limits.max_event_bytes
                );
                batch
                    .rejected
                    .push(ctx.dead_letter(Some(Format::Syslog), reason, None, raw));
            } else {
                let mut event = decode_message(raw, &mut ctx, None);
                event.provenance.id = arrivals.id("udp", raw);
                batch.events.push(event);
            }
            first_pending.get_or_insert_with(Instant::now);
            if batch.events.len() + batch.rejected.len() < BATCH_EVENTS {
                continue;
            }
        }
        if batch.is_empty() {
            first_pending = None;
            continue;
        }
        let full = std::mem::take(&mut batch);
        first_pending = None;
        let size = full.events.len() + full.rejected.len();
        match submit(&pipeline, full).await {
            Ok(submission) => {
                while commits.try_join_next().is_some() {}
                commits.spawn(async move {
                    if let Err(error) = submission.durable().await {
                        tracing::error!(%error, "committing syslog messages failed");
                    }
                });
            }
            Err(Overloaded) => {
                Metrics::add(&metrics.syslog_udp_dropped, size as u64);
                let quiet =
                    last_drop_warning.is_some_and(|t| t.elapsed() < Duration::from_secs(10));
                if !quiet {
                    tracing::warn!(
                        dropped = size,
                        "store busy: syslog datagrams dropped (UDP cannot wait)"
                    );
                    last_drop_warning = Some(Instant::now());
                }
            }
        }
    }
    if !batch.is_empty()
        && let Ok(submission) = submit(&pipeline, batch).await
    {
        let _ = submission.durable().await;
    }
    while commits.join_next().await.is_some() {}
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Serves syslog over TCP until `shutdown`.
pub async fn serve_tcp(
    listener: TcpListener,
    pipeline: Pipeline,
    config: ServerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let arrivals = Arc::new(Arrivals::new());
    let metrics = Arc::clone(pipeline.metrics());
    let slots = Arc::new(Semaphore::new(config.max_syslog_connections.max(1)));
    let mut connections: JoinSet<()> = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit,
            _ = shutdown.changed() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accepting a syslog connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !allowed(&config.syslog_allow, peer.ip()) {
            Metrics::add(&metrics.syslog_refused_peers, 1);
            tracing::warn!(%peer, "syslog connection from a network not allowed; closed");
            continue;
        }
        Metrics::add(&metrics.syslog_connections, 1);
        while connections.try_join_next().is_some() {}
        let connection = Connection {
            pipeline: pipeline.clone(),
            config: config.clone(),
            arrivals: Arc::clone(&arrivals),
            peer,
        };
        let conn_shutdown = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            connection.run(stream, conn_shutdown).await;
        });
    }
    while connections.join_next().await.is_some() {}
}

struct Connection {
    pipeline: Pipeline,
    config: ServerConfig,
    arrivals: Arc<Arrivals>,
    peer: SocketAddr,
}

impl Connection {
    async fn run(self, mut stream: TcpStream, mut shutdown: watch::Receiver<bool>) {
        let source = format!("syslog-tcp:{}", self.peer.ip());
        let mut decoder = FrameDecoder::new(self.config.limits.max_event_bytes);
        let mut buffer = vec![0u8; TCP_READ];
        let mut previous: Option<Submission> = None;
        let mut frames = 0u64;
        loop {
            let read = tokio::select! {
                read = tokio::time::timeout(self.config.syslog_idle_timeout, stream.read(&mut buffer)) => read,
                _ = shutdown.changed() => break,
            };
            let ended = match read {
                Err(_) => {
                    tracing::info!(peer = %self.peer, "syslog connection idle too long; closed");
                    true
                }
                Ok(Err(error)) => {
                    tracing::info!(peer = %self.peer, %error, "syslog connection failed");
                    true
                }
                Ok(Ok(0)) => true,
                Ok(Ok(n)) => {
                    decoder.push(&buffer[..n]);
                    false
                }
            };
            let mut ctx = Context::new(source.clone(), self.config.limits.clone());
            let mut batch = Batch::new();
            let mut close = ended;
            loop {
                let next = if ended {
                    decoder.next_frame().or_else(|| decoder.finish())
                } else {
                    decoder.next_frame()
                };
                let Some(frame) = next else { break };
                frames += 1;
                let location = Some(format!("frame {frames}"));
                match frame {
                    Ok(raw) => {
                        let mut event = decode_message(&raw, &mut ctx, location);
                        event.provenance.id = self.arrivals.id("tcp", &raw);
                        batch.events.push(event);
                    }
                    Err(error) => {
                        batch
                            .rejected
                            .push(frame_dead_letter(&ctx, &error, location));
                        if error.closes_connection() {
                            tracing::warn!(peer = %self.peer, %error, "closing syslog connection");
                            close = true;
                            break;
                        }
                    }
                }
            }
            if !batch.is_empty() {
                // One batch in flight per connection: wait for the previous one before queueing the next.
                if let Some(earlier) = previous.take()
                    && let Err(error) = earlier.durable().await
                {
                    tracing::error!(%error, "committing syslog messages failed");
                }
                previous = self.queue(batch, &mut shutdown).await;
            }
            if close {
                break;
            }
        }
        if let Some(earlier) = previous
            && let Err(error) = earlier.durable().await
        {
            tracing::error!(%error, "committing syslog messages failed");
        }
    }

    /// Queues a batch, waiting (and so not reading the socket) while the writer is full.
    async fn queue(
        &self,
        batch: Batch,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<Submission> {
        let pipeline = self.pipeline.clone();
        let mut prepared = match tokio::task::spawn_blocking(move || pipeline.prepare(batch)).await
        {
            Ok(prepared) => prepared,
            Err(error) => {
                tracing::error!(peer = %self.peer, %error, "preparing a syslog batch failed");
                return None;
            }
        };
        let mut wait = Duration::from_millis(5);
        loop {
            match self.pipeline.queue(prepared) {
                Ok(submission) => return Some(submission),
                Err(returned) => prepared = returned,
            }
            // The writer is full: hold this batch (and stop reading) until there is room. On
            // shutdown, keep trying: the writer drains its queue before it stops.
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            wait = (wait * 2).min(Duration::from_millis(200));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_v4_mapped_addresses() {
        let allow = crate::config::loopback();
        assert!(allowed(&allow, "127.0.0.1".parse().unwrap()));
        assert!(allowed(&allow, "::1".parse().unwrap()));
        assert!(allowed(&allow, "::ffff:127.0.0.1".parse().unwrap()));
        assert!(!allowed(&allow, "10.1.2.3".parse().unwrap()));
        let nets: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert!(allowed(&nets, "10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn arrival_ids_differ_for_identical_lines() {
        let arrivals = Arrivals::new();
        assert_ne!(arrivals.id("tcp", b"same"), arrivals.id("tcp", b"same"));
    }
}

//! Probity's network front: how events arrive while `probity serve` runs.
//!
//! - HTTP ([`http`]): the native NDJSON API (`POST /api/v1/events`), a Splunk HTTP Event Collector
//!   compatible API (`/services/collector/event`, `/raw`) and an Elasticsearch `_bulk` compatible API,
//!   so that log shippers send without a plug-in. Every route but `/healthz` (and HEC's health check)
//!   needs a token of the right scope.
//! - Syslog ([`syslog`]) over UDP and TCP (octet-counting and newline framing), from allowed networks.
//! - The analyst's workbench ([`web`]): server-rendered pages on the same listener, behind one
//!   route table and one guard (sessions, CSRF, permissions); see `docs/workbench.md`.
//!
//! Every path decodes with `probity-ingest`, keeps what it cannot decode in dead-letter, and hands
//! events to the store's group-commit [`Writer`]. HTTP answers 200 only once
//! the events are durable; when the writer's queue is full it answers 429 (or HEC's 503), and syslog
//! over TCP stops reading until there is room. Nothing queues without bound.

mod audit_signing;
mod auth;
mod config;
pub mod detector;
mod error;
pub mod http;
pub mod insider;
mod metrics;
mod pipeline;
pub mod shown_search;
pub mod syslog;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use probity_store::{
    AlertStore, AuditStore, EventStore, ReferenceStore, TokenStore, Writer, spawn_maintainer,
};

pub use auth::{AuthError, Authenticator};
pub use config::ServerConfig;
pub use metrics::Metrics;
pub use pipeline::{LiveStage, Pipeline};
pub use probity_detect::Engine;
pub use web::{Web, WebConfig};

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] probity_store::Error),
    #[error("{0}")]
    Task(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stores a server uses (normally one object behind them all).
#[derive(Debug, Clone)]
pub struct Stores {
    pub events: Arc<dyn EventStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub alerts: Arc<dyn AlertStore>,
    pub audit: Arc<dyn AuditStore>,
    pub reference: Arc<dyn ReferenceStore>,
}

impl Stores {
    /// All of them from one store.
    pub fn of<S>(store: Arc<S>) -> Self
    where
        S: EventStore + TokenStore + AlertStore + AuditStore + ReferenceStore + 'static,
    {
        Self {
            events: store.clone(),
            tokens: store.clone(),
            alerts: store.clone(),
            audit: store.clone(),
            reference: store,
        }
    }
}

/// A started server: its bound addresses, and the handle to stop it.
#[derive(Debug)]
pub struct RunningServer {
    pub http_addr: SocketAddr,
    pub syslog_udp_addr: Option<SocketAddr>,
    pub syslog_tcp_addr: Option<SocketAddr>,
    pub metrics: Arc<Metrics>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    writer: Writer,
    maintainer: probity_store::MaintainerGuard,
    /// The live Sigma detector, when rules were given.
    pub detector: Option<detector::DetectorGuard>,
    /// The live insider detector, unless turned off.
    pub insider: Option<insider::InsiderGuard>,
    /// Periodic signed audit checkpoints, when a signer was given.
    audit_checkpoints: Option<audit_signing::AuditCheckpoints>,
    /// The communications stage in force, when the server runs one.
    comms: Option<LiveStage>,
}

/// Binds every listener in `config` and starts serving. Listening addresses with port 0 get a free
/// port; the bound addresses are in the result.
pub async fn start(config: ServerConfig, stores: Stores) -> Result<RunningServer> {
    let events = Arc::clone(&stores.events);
    let tokens = Arc::clone(&stores.tokens);
    let alerts = Arc::clone(&stores.alerts);
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::spawn(Arc::clone(&events), config.writer.clone())?;
    let detector = match &config.rules {
        Some(engine) => Some(
            detector::spawn_detector(Arc::clone(engine), Arc::clone(&events), alerts)
                .map_err(|error| Error::Task(format!("cannot start the detector: {error}")))?,
        ),
        None => None,
    };
    let insider = match &config.insider {
        Some(policy) => Some(
            insider::spawn_insider(
                policy.clone(),
                insider::InsiderStores {
                    events: Arc::clone(&events),
                    alerts: Arc::clone(&stores.alerts),
                    reference: Arc::clone(&stores.reference),
                },
            )
            .map_err(|error| Error::Task(format!("cannot start insider detection: {error}")))?,
        ),
        None => None,
    };
    // Indexing yields to acknowledging events and to detection.
    let busy: probity_store::BusySignal = {
        let writer = writer.clone();
        let detection = detector.as_ref().map(|d| Arc::clone(&d.stats));
        let insider_stats = insider.as_ref().map(|d| Arc::clone(&d.stats));
        Arc::new(move || {
            writer.recently_active(Duration::from_millis(250))
                || detection
                    .as_ref()
                    .is_some_and(|d| d.behind.load(std::sync::atomic::Ordering::Relaxed))
                || insider_stats
                    .as_ref()
                    .is_some_and(|d| d.behind.load(std::sync::atomic::Ordering::Relaxed))
        })
    };
    let maintainer = spawn_maintainer(Arc::clone(&events), Some(busy), Duration::from_millis(500))?;
    let mut pipeline = Pipeline::new(writer.clone(), Arc::clone(&metrics));
    let comms = config
        .comms
        .as_ref()
        .map(|stage| LiveStage::new(Arc::clone(stage)));
    if let Some(stage) = &comms {
        pipeline = pipeline.with_comms(stage.clone(), Arc::clone(&stores.alerts));
    }
    let auth = Authenticator::new(tokens);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let audit_checkpoints = config.audit_signer.as_ref().map(|signer| {
        audit_signing::AuditCheckpoints::spawn(
            Arc::clone(&stores.audit),
            Arc::clone(signer),
            config.audit_checkpoint_interval,
            shutdown_rx.clone(),
        )
    });

    let http_listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
    let http_addr = local_addr(&http_listener, config.listen)?;
    let web = match &config.web {
        Some(web_config) => {
            let web_config = web_config.clone();
            let opened = tokio::task::spawn_blocking(move || Web::open(web_config))
                .await
                .map_err(|error| Error::Task(error.to_string()))?
                .map_err(|error| Error::Task(format!("cannot open the workbench: {error}")))?;
            Some(Arc::new(opened))
        }
        None => None,
    };
    let state = http::AppState::new(
        pipeline.clone(),
        auth,
        stores.clone(),
        &config,
        Arc::clone(&metrics),
    )
    .with_web(web);
    web::warm(&state);
    tasks.spawn(http::serve(
        http_listener,
        state,
        config.clone(),
        shutdown_rx.clone(),
    ));

    let mut syslog_udp_addr = None;
    if let Some(addr) = config.syslog_udp {
        let socket = tokio::net::UdpSocket::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        syslog_udp_addr = Some(
            socket
                .local_addr()
                .map_err(|source| Error::Bind { addr, source })?,
        );
        tasks.spawn(syslog::serve_udp(
            socket,
            pipeline.clone(),
            config.clone(),
            shutdown_rx.clone(),
        ));
    }
    let mut syslog_tcp_addr = None;
    if let Some(addr) = config.syslog_tcp {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        syslog_tcp_addr = Some(local_addr(&listener, addr)?);
        tasks.spawn(syslog::serve_tcp(
            listener,
            pipeline.clone(),
            config.clone(),
            shutdown_rx.clone(),
        ));
    }
    tracing::info!(
        http = %http_addr,
        syslog_udp = ?syslog_udp_addr,
        syslog_tcp = ?syslog_tcp_addr,
        syslog_allow = ?config.syslog_allow,
        "probity is listening"
    );
    Ok(RunningServer {
        http_addr,
        syslog_udp_addr,
        syslog_tcp_addr,
        metrics,
        shutdown,
        tasks,
        writer,
        maintainer,
        detector,
        insider,
        audit_checkpoints,
        comms,
    })
}

fn local_addr(listener: &tokio::net::TcpListener, addr: SocketAddr) -> Result<SocketAddr> {
    listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })
}

impl RunningServer {
    /// Stops accepting, lets requests in progress finish (up to `grace`), and waits for the writer
    /// to commit what it holds.
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.shutdown.send(true);
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drain).await.is_err() {
            tracing::warn!("requests still running after the grace period; stopping them");
            self.tasks.abort_all();
        }
        if let Some(checkpoints) = self.audit_checkpoints {
            checkpoints.finish().await;
        }
        let writer = self.writer;
        let maintainer = self.maintainer;
        let detector = self.detector;
        // Dropping the last writer handle joins its thread once the queue is committed.
        let _ = tokio::task::spawn_blocking(move || {
            drop(writer);
            drop(maintainer);
            drop(detector);
        })
        .await;
    }

    /// The communications stage in force, to replace when its policies are reloaded (`None` when
    /// the server was started without one).
    pub fn comms(&self) -> Option<LiveStage> {
        self.comms.clone()
    }

    /// Runs until a listener fails (it normally never returns).
    pub async fn wait_for_failure(&mut self) -> Result<()> {
        match self.tasks.join_next().await {
            Some(Ok(())) | None => Ok(()),
            Some(Err(error)) => Err(Error::Task(error.to_string())),
        }
    }
}

/// Work address → personal address of every member of staff in the stored staff directory, for
/// the disclosure policy's "the sender's own personal address" class.
pub fn staff_personal_addresses(
    reference: &dyn ReferenceStore,
) -> std::result::Result<probity_privacy::recipients::StaffPersonalAddresses, String> {
    let mut addresses = probity_privacy::recipients::StaffPersonalAddresses::new();
    let Some(bytes) = reference.reference("staff").map_err(|e| e.to_string())? else {
        return Ok(addresses);
    };
    let probity_insider::Rows::Staff(rows) = probity_insider::decode(&bytes)
        .map_err(|e| format!("the stored staff directory cannot be read: {e}"))?
    else {
        return Err("the stored staff directory holds another kind of row".to_owned());
    };
    for person in &rows {
        let Some(personal) = person.personal_email.as_deref() else {
            continue;
        };
        for work in person.accounts.iter().filter(|a| a.contains('@')) {
            addresses.insert(work, personal);
        }
    }
    Ok(addresses)
}

/// The redactor for analyst-facing views: staff (from the stored staff directory) stay visible,
/// members of the public in message content are masked. Without a staff directory everyone is
/// masked.
pub fn redactor(
    reference: &dyn ReferenceStore,
) -> std::result::Result<probity_comms::Redactor, String> {
    let mut staff = probity_comms::StaffDirectory::default();
    let stored = reference.reference("staff").map_err(|e| e.to_string())?;
    if let Some(bytes) = stored
        && let Ok(probity_insider::Rows::Staff(rows)) = probity_insider::decode(&bytes)
    {
        for person in rows {
            staff.names.push(person.full_name.clone());
            for account in person.accounts.iter().chain(person.personal_email.iter()) {
                if let Some((_, domain)) = account.split_once('@') {
                    staff.addresses.push(account.to_lowercase());
                    let domain = domain.to_lowercase();
                    if person.accounts.contains(account) && !staff.domains.contains(&domain) {
                        staff.domains.push(domain);
                    }
                }
            }
        }
    }
    probity_comms::Redactor::new(&staff).map_err(|e| e.to_string())
}

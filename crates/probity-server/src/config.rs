//! Server settings. Defaults live here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

use probity_ingest::Limits;
use probity_store::WriterConfig;

/// Everything `probity serve` can be told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// HTTP listening address.
    pub listen: SocketAddr,
    /// Syslog over UDP, if wanted.
    pub syslog_udp: Option<SocketAddr>,
    /// Syslog over TCP, if wanted.
    pub syslog_tcp: Option<SocketAddr>,
    /// Networks syslog is accepted from. Syslog carries no credentials, so this is its only gate.
    pub syslog_allow: Vec<IpNet>,
    /// Size, depth and count limits on every input.
    pub limits: Limits,
    /// Longest time to receive one request's headers.
    pub header_timeout: Duration,
    /// Longest time to receive one request's body.
    pub body_timeout: Duration,
    /// Syslog TCP connections idle longer than this are closed.
    pub syslog_idle_timeout: Duration,
    /// Most HTTP connections at once (more wait in the listen backlog).
    pub max_http_connections: usize,
    /// Most HTTP requests processed at once (more are answered 503).
    pub max_in_flight: usize,
    /// Most syslog TCP connections at once.
    pub max_syslog_connections: usize,
    pub writer: WriterConfig,
    /// Compiled Sigma rules to evaluate every stored event against (`--rules`).
    pub rules: Option<Arc<probity_detect::Engine>>,
    /// The insider detections' policy; `None` turns live insider detection off.
    pub insider: Option<probity_insider::Policy>,
    /// The communications stage (exclusions, sealing, abuse and disclosure policies) every
    /// arriving event goes through before it is stored; `None` stores messages as decoded.
    pub comms: Option<Arc<probity_comms::CommsStage>>,
    /// The workbench (accounts, sessions, pages); `None` serves the API only.
    pub web: Option<crate::web::WebConfig>,
    /// The key that signs audit checkpoints; `None` signs none.
    pub audit_signer: Option<Arc<probity_audit::Signer>>,
    /// How often the audit log's head is signed (only when it moved); once more at shutdown.
    pub audit_checkpoint_interval: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            syslog_udp: None,
            syslog_tcp: None,
            syslog_allow: loopback(),
            limits: Limits::default(),
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            syslog_idle_timeout: Duration::from_secs(600),
            max_http_connections: 1024,
            max_in_flight: 256,
            max_syslog_connections: 1024,
            writer: WriterConfig::default(),
            rules: None,
            insider: None,
            comms: None,
            web: None,
            audit_signer: None,
            audit_checkpoint_interval: Duration::from_secs(300),
        }
    }
}

/// 127.0.0.0/8 and ::1.
pub fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|net| net.parse().ok())
        .collect()
}

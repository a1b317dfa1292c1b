//! `probity serve`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ipnet::IpNet;

use probity_server::{ServerConfig, Stores};
use probity_store::TokenStore;

use super::open_store;
use crate::DataArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// HTTP listening address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Receive syslog over UDP on this address.
    #[arg(long)]
    syslog_udp: Option<SocketAddr>,
    /// Receive syslog over TCP on this address.
    #[arg(long)]
    syslog_tcp: Option<SocketAddr>,
    /// Networks syslog is accepted from (repeatable). Default: loopback only.
    #[arg(long = "syslog-allow", value_name = "CIDR")]
    syslog_allow: Vec<IpNet>,
    /// Largest request body accepted, in bytes.
    #[arg(long)]
    max_body_bytes: Option<usize>,
    /// Sigma rules to evaluate every stored event against (alerts: `probity alerts`).
    #[command(flatten)]
    rules: super::sigma::RuleArgs,
    /// The insider detections' policy (YAML).
    #[command(flatten)]
    policy: super::insider::PolicyArg,
    /// Do not run the insider detections on arriving events.
    #[arg(long)]
    no_insider: bool,
    /// Seconds between signed audit checkpoints (one is also signed at shutdown).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    audit_checkpoint_interval: u64,
    /// Single sign-on settings (YAML: issuer, client_id, client_secret_file, redirect_url,
    /// scopes, username_claim, role_claim, group_roles).
    #[arg(long, value_name = "FILE.yaml")]
    oidc: Option<PathBuf>,
    /// Send the session cookie without `Secure`, for plain-HTTP development on loopback only.
    #[arg(long)]
    insecure_cookies: bool,
}

/// Reads and checks single sign-on settings.
pub fn load_oidc(path: &Path) -> anyhow::Result<probity_access::OidcConfig> {
    let text = super::read_policy_file(path)?;
    let config: probity_access::OidcConfig = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not valid single sign-on settings", path.display()))?;
    config
        .validate()
        .with_context(|| format!("{}", path.display()))?;
    Ok(config)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data.data)?;
    let live_tokens = store
        .list_tokens()?
        .iter()
        .filter(|t| t.revoked.is_none())
        .count();
    if live_tokens == 0 {
        eprintln!(
            "note: no tokens exist yet, so nothing can send over HTTP; create one with \
             `probity token create --data {} --scope ingest --name NAME`",
            args.data.data.display()
        );
    }
    let mut config = ServerConfig {
        listen: args.listen,
        syslog_udp: args.syslog_udp,
        syslog_tcp: args.syslog_tcp,
        ..ServerConfig::default()
    };
    if !args.syslog_allow.is_empty() {
        config.syslog_allow = args.syslog_allow;
    }
    if let Some(max) = args.max_body_bytes {
        config.limits.max_body_bytes = max;
    }
    if !args.rules.rules.is_empty() {
        let engine = super::sigma::load(&args.rules, false)?;
        config.rules = Some(Arc::new(engine));
    }
    if !args.no_insider {
        config.insider = Some(args.policy.load()?);
    }
    let stage = super::open_comms_with(&args.data.data, &*store)?;
    super::warn_of_empty_list(&stage);
    // The policies in force from the start, recorded so that each reload can say what changed.
    let policies = probity_comms::policy_record::PolicyState::of(&args.data.data, &stage);
    let mut details = policies.to_json();
    details["warnings"] =
        serde_json::json!(probity_comms::policy_record::warnings(None, &policies));
    probity_store::AuditStore::audit(
        &*store,
        probity_audit::Action {
            time: chrono::Utc::now(),
            actor: super::actor::cli_actor(),
            action: "policy.load".to_owned(),
            target: "communications".to_owned(),
            details,
        },
    )
    .context("cannot record the policies in force in the audit log")?;
    config.comms = Some(Arc::new(stage));
    let mut web = probity_server::WebConfig::new(args.data.data.clone());
    web.secure_cookies = !args.insecure_cookies;
    web.oidc = args.oidc.as_deref().map(load_oidc).transpose()?;
    config.web = Some(web);
    let signer = probity_audit::Signer::open_or_create(&args.data.data)
        .context("cannot open the audit signing key")?;
    config.audit_signer = Some(Arc::new(signer));
    config.audit_checkpoint_interval = Duration::from_secs(args.audit_checkpoint_interval.max(1));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("probity-serve")
        .build()
        .context("cannot start the async runtime")?;
    let data = args.data.data.clone();
    runtime.block_on(async move {
        let mut server = probity_server::start(config, Stores::of(Arc::clone(&store))).await?;
        if let Some(live) = server.comms() {
            tokio::spawn(follow_staff_directory(live.clone(), Arc::clone(&store)));
            // Listened for before the server says it is serving: a SIGHUP sent as soon as it
            // has said so must not meet the default action, which ends the process.
            let hangups = listen_for_hangups();
            tokio::spawn(reload_on_hangup(
                live,
                data,
                store,
                Arc::clone(&server.metrics),
                policies,
                hangups,
            ));
        }
        eprintln!("probity is serving HTTP on http://{}", server.http_addr);
        eprintln!("the workbench is at http://{}/login", server.http_addr);
        if let Some(addr) = server.syslog_udp_addr {
            eprintln!("syslog over UDP on {addr}");
        }
        if let Some(addr) = server.syslog_tcp_addr {
            eprintln!("syslog over TCP on {addr}");
        }
        tokio::select! {
            result = server.wait_for_failure() => result?,
            _ = stop_signal() => {
                eprintln!("stopping: finishing requests in progress");
            }
        }
        server.shutdown(Duration::from_secs(10)).await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The SIGHUPs the server is listening for (on Unix; elsewhere there are none).
#[cfg(unix)]
type Hangups = std::io::Result<tokio::signal::unix::Signal>;
/// The SIGHUPs the server is listening for (on Unix; elsewhere there are none).
#[cfg(not(unix))]
type Hangups = ();

/// Starts listening for SIGHUP (within the runtime).
fn listen_for_hangups() -> Hangups {
    #[cfg(unix)]
    {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    }
    #[cfg(not(unix))]
    {}
}

/// Reloads the communications policies (`DATA/policy/`: exclusions, disclosure, abuse policy,
/// lexicons, local models) and the staff directory's personal addresses on each SIGHUP. A set
/// that does not load leaves the one in force untouched. Each attempt is in the audit log, with
/// each policy file's SHA-256 and what changed from `in_force` (the state in force before it);
/// an exclusion list left empty or with fewer entries is warned of there and on standard error.
async fn reload_on_hangup(
    live: probity_server::LiveStage,
    data: PathBuf,
    store: Arc<probity_store::sqlite::SqliteStore>,
    metrics: Arc<probity_server::Metrics>,
    mut in_force: probity_comms::policy_record::PolicyState,
    hangups: Hangups,
) {
    #[cfg(unix)]
    {
        use probity_comms::policy_record::{self, PolicyState};
        let mut hangups = match hangups {
            Ok(hangups) => hangups,
            Err(error) => {
                eprintln!(
                    "cannot listen for SIGHUP ({error}): policy changes take effect at the next start"
                );
                return;
            }
        };
        while hangups.recv().await.is_some() {
            let (dir, reference, stage) = (data.clone(), Arc::clone(&store), live.clone());
            let loaded = tokio::task::spawn_blocking(move || {
                // The files as they are when the reload begins: what is read and recorded.
                let files = policy_record::policy_files(&dir);
                let built = stage.rebuild(|_| {
                    super::open_comms_with(&dir, &*reference).map_err(|e| format!("{e:#}"))
                });
                match built {
                    Ok(()) => Ok(PolicyState::with_files(files, &stage.current())),
                    Err(error) => Err((error, files)),
                }
            })
            .await
            .unwrap_or_else(|e| Err((format!("the reload stopped: {e}"), Vec::new())));
            // What is said of the reload on standard error, said once its audit entry is written,
            // so that whoever sees it finds the entry.
            let mut said = Vec::new();
            let details = match loaded {
                Ok(now) => {
                    probity_server::Metrics::add(&metrics.policy_reloads, 1);
                    said.push(format!(
                        "reloaded the communications policies from {}",
                        data.join(probity_comms::POLICY_DIR).display()
                    ));
                    let details = policy_record::reload_details(&in_force, &now);
                    for warning in policy_record::warnings(Some(&in_force), &now) {
                        said.push(format!("WARNING: {warning}"));
                    }
                    in_force = now;
                    details
                }
                Err((error, files)) => {
                    probity_server::Metrics::add(&metrics.policy_reloads_refused, 1);
                    said.push(format!(
                        "kept the communications policies in force: {error}"
                    ));
                    policy_record::refused_details(&in_force, &files, &error)
                }
            };
            let action = probity_audit::Action {
                time: chrono::Utc::now(),
                actor: "signal:SIGHUP".to_owned(),
                action: "policy.reload".to_owned(),
                target: "communications".to_owned(),
                details,
            };
            let audit = Arc::clone(&store);
            let recorded = tokio::task::spawn_blocking(move || {
                probity_store::AuditStore::audit(&*audit, action)
            })
            .await;
            if !matches!(recorded, Ok(Ok(_))) {
                eprintln!("the policy reload could not be written to the audit log");
            }
            for line in said {
                eprintln!("{line}");
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (live, data, store, metrics, in_force, hangups);
    }
}

/// How often the stored staff directory is checked for a load made outside the server
/// (`probity reference load staff` beside it).
const STAFF_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Puts a staff directory loaded beside the running server (by `probity reference load`, which
/// writes to the same store) in force in the communications stage, within
/// [`STAFF_CHECK_INTERVAL`]. One loaded over the API is in force at once already; this also
/// catches it, and rebuilding again changes nothing.
async fn follow_staff_directory(
    live: probity_server::LiveStage,
    store: Arc<probity_store::sqlite::SqliteStore>,
) {
    /// The staff directory's rows and load time, if one is loaded.
    fn staff_version(
        store: &probity_store::sqlite::SqliteStore,
    ) -> Option<(u64, chrono::DateTime<chrono::Utc>)> {
        probity_store::ReferenceStore::reference_kinds(store)
            .ok()?
            .into_iter()
            .find(|(kind, _, _)| kind == "staff")
            .map(|(_, rows, at)| (rows, at))
    }
    let reader = Arc::clone(&store);
    let mut seen = tokio::task::spawn_blocking(move || staff_version(&reader))
        .await
        .ok()
        .flatten();
    let mut ticks = tokio::time::interval(STAFF_CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (reader, stage) = (Arc::clone(&store), live.clone());
        let checked = tokio::task::spawn_blocking(move || {
            let now = staff_version(&reader);
            if now.is_none() || now == seen {
                return Ok((now, false));
            }
            stage
                .rebuild(|current| {
                    let staff = probity_server::staff_personal_addresses(&*reader)?;
                    Ok::<_, String>(current.clone().with_staff(staff))
                })
                .map(|()| (now, true))
        })
        .await;
        match checked {
            Ok(Ok((now, rebuilt))) => {
                if rebuilt {
                    eprintln!("put the stored staff directory's personal addresses in force");
                }
                seen = now;
            }
            Ok(Err(error)) => {
                // Kept as seen, so that the same broken load is not retried every few seconds.
                eprintln!("kept the staff directory in force: {error}");
                let reader = Arc::clone(&store);
                seen = tokio::task::spawn_blocking(move || staff_version(&reader))
                    .await
                    .ok()
                    .flatten();
            }
            Err(_) => return,
        }
    }
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

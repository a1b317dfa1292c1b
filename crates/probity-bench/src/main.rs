//! `probity-bench`: drives a real `probity` binary and prints throughput, latency and memory.
//!
//! ```text
//! cargo build --release
//! target/release/probity-bench http   [--events N] [--batch N] [--connections N]
//! target/release/probity-bench syslog [--events N] [--connections N]
//! target/release/probity-bench evtx   PATH...
//! target/release/probity-bench web    --data DIR [--rounds N] [--settle SECONDS]
//! ```
//! Each run uses a fresh data directory under the system temporary folder and removes it after.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

mod web;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Benchmarks for probity: run against a release build")]
struct Cli {
    /// The probity binary (default: next to this one).
    #[arg(long, global = true)]
    probity: Option<PathBuf>,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// NDJSON over HTTP into the store; acknowledgement only after durability.
    Http {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// What to send: records-system access events, or Winlogbeat-style Windows events.
        #[arg(long, default_value = "records", value_parser = ["records", "windows"])]
        kind: String,
        /// Sigma rules for the server to evaluate every stored event against (repeatable); the
        /// bench then also waits for detection to catch up and reports its rate.
        #[arg(long = "rules")]
        rules: Vec<PathBuf>,
    },
    /// Syslog over TCP (octet-counted RFC 5424), until every message is stored.
    Syslog {
        #[arg(long, default_value_t = 500_000)]
        events: usize,
        #[arg(long, default_value_t = 4)]
        connections: usize,
    },
    /// `probity ingest` of EVTX files: decode and store.
    Evtx {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Workbench page loads over a filled data directory (for example `probity-demo/data` after
    /// `scripts/demo --staff 2000 --days 60 --exit`): median, 95th percentile and worst per page.
    Web {
        /// The data directory to serve (it gains two bench accounts).
        #[arg(long)]
        data: PathBuf,
        /// Timed fetches of each page.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
        /// Seconds to wait after the server starts before the first fetch.
        #[arg(long, default_value_t = 0)]
        settle: u64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let probity = match cli.probity {
        Some(path) => path,
        None => std::env::current_exe()?
            .with_file_name("probity")
            .canonicalize()
            .context("probity binary not found next to probity-bench; pass --probity")?,
    };
    let work = std::env::temp_dir().join(format!("probity-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let result = match cli.bench {
        Bench::Http {
            events,
            batch,
            connections,
            kind,
            rules,
        } => bench_http(&probity, &work, events, batch, connections, &kind, &rules),
        Bench::Syslog {
            events,
            connections,
        } => bench_syslog(&probity, &work, events, connections),
        Bench::Evtx { paths } => bench_evtx(&probity, &work, &paths),
        Bench::Web {
            data,
            rounds,
            settle,
        } => web::bench_web(&probity, &data, rounds, settle),
    };
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Peak resident memory of a running process, from the kernel's high-water mark.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user + system) a process has used so far, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    // Linux reports clock ticks; USER_HZ is 100 on every mainstream configuration.
    Some((user + system) / 100.0)
}

/// Samples a process's peak memory until stopped; the last sample is the peak.
fn watch_memory(pid: u32) -> (Arc<AtomicBool>, std::thread::JoinHandle<u64>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handle = std::thread::spawn(move || {
        let mut peak = 0;
        while !flag.load(Ordering::Relaxed) {
            if let Some(now) = peak_rss_kib(pid) {
                peak = peak.max(now);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        peak
    });
    (stop, handle)
}

fn token(probity: &Path, data: &Path) -> anyhow::Result<String> {
    let output = Command::new(probity)
        .args([
            "token", "create", "--scope", "ingest", "--name", "bench", "--data",
        ])
        .arg(data)
        .output()?;
    if !output.status.success() {
        bail!(
            "token create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

struct Served {
    child: Child,
    http: String,
    syslog_tcp: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(probity: &Path, data: &Path, extra: &[&str]) -> anyhow::Result<Served> {
    let mut child = Command::new(probity)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .env("PROBITY_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let mut http = None;
    let mut syslog_tcp = None;
    let wants_tcp = extra.contains(&"--syslog-tcp");
    for line in lines.by_ref() {
        let line = line?;
        if let Some(addr) = line.strip_prefix("probity is serving HTTP on http://") {
            http = Some(addr.to_owned());
        }
        if let Some(addr) = line.strip_prefix("syslog over TCP on ") {
            syslog_tcp = Some(addr.to_owned());
        }
        if http.is_some() && (!wants_tcp || syslog_tcp.is_some()) {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Ok(Served {
        child,
        http: http.context("probity serve did not start")?,
        syslog_tcp,
    })
}

/// A realistic records-system access event, about 400 bytes.
fn sample_event(i: usize) -> String {
    let actions = ["view", "search", "print", "update", "export"];
    serde_json::json!({
        "@timestamp": format!("2026-11-23T{:02}:{:02}:{:02}.{:03}Z", (i / 3_600_000) % 24, (i / 60_000) % 60, (i / 1000) % 60, i % 1000),
        "event": {"kind": "event", "category": ["iam"], "action": actions[i % 5], "dataset": "records.pnc"},
        "user": {"name": format!("pc{:05}", (i * 7919) % 46_000), "domain": "FORCE"},
        "host": {"name": format!("ws-{:04}", i % 3000)},
        "source": {"ip": format!("10.{}.{}.{}", i % 200, (i / 200) % 250, i % 250)},
        "record": {"system": "PNC", "action": actions[i % 5], "subject": {"type": "person", "id": format!("P{:08}", i), "name": format!("Person {i}")}, "reason": "enquiry", "incident_ref": format!("INC-{:06}", i % 50_000)},
        "message": format!("record P{:08} accessed from terminal {}", i, i % 3000)
    })
    .to_string()
}

/// A Winlogbeat-style Windows event, about 700 bytes: mostly ordinary process starts and logons,
/// with a suspicious command line now and then so that rules have something to find.
fn sample_windows_event(i: usize) -> String {
    let host = format!("WS-{:04}", i % 3000);
    let user = format!("pc{:05}", (i * 7919) % 46_000);
    let time = format!(
        "2026-11-23T{:02}:{:02}:{:02}.{:03}Z",
        (i / 3_600_000) % 24,
        (i / 60_000) % 60,
        (i / 1000) % 60,
        i % 1000
    );
    let (image, command) = match i % 50 {
        0 => (
            "C:\\Windows\\System32\\whoami.exe",
            "whoami /all".to_owned(),
        ),
        1 => (
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA".to_owned(),
        ),
        2 => (
            "C:\\Windows\\System32\\net.exe",
            "net user /domain".to_owned(),
        ),
        _ => (
            "C:\\Program Files\\Niche RMS\\niche.exe",
            format!("niche.exe /session {i}"),
        ),
    };
    if i.is_multiple_of(3) {
        serde_json::json!({
            "@timestamp": time,
            "host": {"name": host},
            "winlog": {"channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing", "event_id": 4624, "computer_name": host,
                "event_data": {"TargetUserName": user, "TargetDomainName": "FORCE", "LogonType": "3", "IpAddress": format!("10.1.{}.{}", i % 250, i % 200), "WorkstationName": host}},
            "event": {"code": "4624", "action": "logged-in"},
            "message": "An account was successfully logged on."
        })
        .to_string()
    } else {
        serde_json::json!({
            "@timestamp": time,
            "host": {"name": host},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "provider_name": "Microsoft-Windows-Sysmon", "event_id": 1, "computer_name": host,
                "event_data": {"Image": image, "CommandLine": command, "ParentImage": "C:\\Windows\\explorer.exe", "User": format!("FORCE\\{user}"), "IntegrityLevel": "Medium", "ProcessId": (i % 60000).to_string()}},
            "event": {"code": "1", "action": "process-created"},
            "message": "Process Create"
        })
        .to_string()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn bench_http(
    probity: &Path,
    work: &Path,
    events: usize,
    batch: usize,
    connections: usize,
    kind: &str,
    rules: &[PathBuf],
) -> anyhow::Result<()> {
    let data = work.join("data");
    let secret = token(probity, &data)?;
    let mut extra: Vec<String> = Vec::new();
    for path in rules {
        extra.push("--rules".into());
        extra.push(path.display().to_string());
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let served = serve(probity, &data, &extra)?;
    let make: fn(usize) -> String = if kind == "windows" {
        sample_windows_event
    } else {
        sample_event
    };
    let url = format!("http://{}/api/v1/events", served.http);
    let batches = events.div_ceil(batch);
    println!("preparing {batches} batches of {batch} events ({events} events)...");
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..batches)
            .map(|b| {
                (b * batch..((b + 1) * batch).min(events))
                    .map(|i| make(i) + "\n")
                    .collect()
            })
            .collect(),
    );
    let bytes: usize = bodies.iter().map(String::len).sum();
    let (stop_memory, memory) = watch_memory(served.child.id());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let latencies = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()?;
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let client = client.clone();
            let url = url.clone();
            let secret = secret.clone();
            let bodies = Arc::clone(&bodies);
            let next = Arc::clone(&next);
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(body) = bodies.get(index) else { break };
                    loop {
                        let sent = Instant::now();
                        let response = client
                            .post(&url)
                            .bearer_auth(&secret)
                            .body(body.clone())
                            .send()
                            .await?;
                        let status = response.status();
                        let _ = response.bytes().await?;
                        if status.as_u16() == 429 || status.as_u16() == 503 {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            continue;
                        }
                        if !status.is_success() {
                            anyhow::bail!("server answered {status}");
                        }
                        latencies.push(sent.elapsed());
                        break;
                    }
                }
                anyhow::Ok(latencies)
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await??);
        }
        anyhow::Ok(all)
    })?;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds(served.child.id()).unwrap_or(0.0);
    stop_memory.store(true, Ordering::Relaxed);
    let peak = memory.join().unwrap_or(0);
    let mut latencies = latencies;
    latencies.sort();
    let store = probity_store::sqlite::SqliteStore::open(&data)?;
    let stored = probity_store::EventStore::counts(&store)?.events;
    let detection = if rules.is_empty() {
        None
    } else {
        // The detector follows the journal; wait until it has read every stored event.
        let deadline = Instant::now() + Duration::from_secs(1800);
        loop {
            let position = probity_store::AlertStore::cursor(&store, "sigma")?;
            if u64::try_from(position).unwrap_or(0) >= stored {
                break;
            }
            if Instant::now() > deadline {
                bail!("detection had not caught up after 30 minutes");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some((
            started.elapsed(),
            probity_store::EventStore::counts(&store)?.alerts,
        ))
    };
    println!("NDJSON over HTTP into SQLite (acknowledged after fsync), {kind} events");
    println!(
        "  events sent      {events} in {batches} requests of {batch}, {connections} connections, {:.1} MB",
        bytes as f64 / 1e6
    );
    println!("  events stored    {stored}");
    println!("  wall time        {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput       {:.0} events/s ({:.1} MB/s)",
        events as f64 / elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
    println!(
        "  ack latency      p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "  server CPU       {:.1} s ({:.1} µs per event, all threads)",
        cpu,
        cpu * 1e6 / events as f64
    );
    println!("  server peak RSS  {:.1} MiB", peak as f64 / 1024.0);
    if let Some((caught_up, alerts)) = detection {
        println!(
            "  detection        every event evaluated {:.2} s after the first was sent: {:.0} events/s, {alerts} alerts",
            caught_up.as_secs_f64(),
            events as f64 / caught_up.as_secs_f64()
        );
    }
    if stored != events as u64 {
        bail!("stored {stored} of {events} events");
    }
    Ok(())
}

fn bench_syslog(
    probity: &Path,
    work: &Path,
    events: usize,
    connections: usize,
) -> anyhow::Result<()> {
    let data = work.join("data");
    let served = serve(probity, &data, &["--syslog-tcp", "127.0.0.1:0"])?;
    let addr = served.syslog_tcp.clone().context("no syslog listener")?;
    let (stop_memory, memory) = watch_memory(served.child.id());
    let per_connection = events.div_ceil(connections);
    let started = Instant::now();
    let senders: Vec<_> = (0..connections)
        .map(|c| {
            let addr = addr.clone();
            std::thread::spawn(move || -> anyhow::Result<()> {
                let stream = std::net::TcpStream::connect(&addr)?;
                let mut writer = std::io::BufWriter::with_capacity(256 * 1024, stream);
                for i in 0..per_connection {
                    let n = c * per_connection + i;
                    let message = format!(
                        "<86>1 2026-11-23T10:00:00.{:06}Z ws-{:04} sshd {} - - Accepted publickey for pc{:05} from 10.0.{}.{} port {} ssh2",
                        n % 1_000_000, n % 3000, n % 65536, n % 46000, n % 250, n % 200, 1024 + n % 60000
                    );
                    write!(writer, "{} {message}", message.len())?;
                }
                writer.flush()?;
                Ok(())
            })
        })
        .collect();
    for sender in senders {
        sender
            .join()
            .map_err(|_| anyhow::anyhow!("sender panicked"))??;
    }
    let sent = started.elapsed();
    let total = (per_connection * connections) as u64;
    let store = probity_store::sqlite::SqliteStore::open(&data)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let stored = probity_store::EventStore::counts(&store)?.events;
        if stored >= total {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {stored} of {total} stored after 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let cpu = cpu_seconds(served.child.id()).unwrap_or(0.0);
    stop_memory.store(true, Ordering::Relaxed);
    let peak = memory.join().unwrap_or(0);
    println!("syslog over TCP (octet-counted RFC 5424) into SQLite");
    println!("  messages         {total} over {connections} connections");
    println!("  sent in          {:.2} s", sent.as_secs_f64());
    println!("  all stored in    {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput       {:.0} events/s",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  server CPU       {:.1} s ({:.1} µs per event, all threads)",
        cpu,
        cpu * 1e6 / total as f64
    );
    println!("  server peak RSS  {:.1} MiB", peak as f64 / 1024.0);
    Ok(())
}

fn bench_evtx(probity: &Path, work: &Path, paths: &[PathBuf]) -> anyhow::Result<()> {
    let data = work.join("data");
    // Only the .evtx files under the paths (the regression folders also hold YAML and JSON).
    let files: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| walk(p))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
        })
        .collect();
    let started = Instant::now();
    let child = Command::new(probity)
        .arg("ingest")
        .arg("--data")
        .arg(&data)
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let (stop_memory, memory) = watch_memory(child.id());
    let output = child.wait_with_output()?;
    let elapsed = started.elapsed();
    stop_memory.store(true, Ordering::Relaxed);
    let peak = memory.join().unwrap_or(0);
    let summary = String::from_utf8_lossy(&output.stdout);
    let accepted: u64 = summary
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.trim_end_matches(',').parse().ok())
        .unwrap_or(0);
    let bytes: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    println!("probity ingest of EVTX (decode, map, store)");
    println!("  result           {}", summary.trim());
    println!(
        "  input            {} files, {:.1} MB",
        files.len(),
        bytes as f64 / 1e6
    );
    println!("  wall time        {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput       {:.0} events/s",
        accepted as f64 / elapsed.as_secs_f64()
    );
    println!("  peak RSS         {:.1} MiB", peak as f64 / 1024.0);
    Ok(())
}

fn walk(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|entry| walk(&entry.path()))
            .collect()
    } else {
        vec![path.to_path_buf()]
    }
}

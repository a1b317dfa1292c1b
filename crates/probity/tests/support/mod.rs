//! Running the real `probity` binary as a server for tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("probity")
}

/// Creates a token and returns its secret.
pub fn create_token(data: &Path, name: &str, scope: &str) -> String {
    let output = Command::new(binary())
        .args([
            "token", "create", "--scope", scope, "--name", name, "--data",
        ])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A `probity serve` child process; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub http: SocketAddr,
    pub syslog_tcp: Option<SocketAddr>,
    pub syslog_udp: Option<SocketAddr>,
    /// What the server has written to stderr since it started listening.
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `probity serve` on free loopback ports and waits until it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env("PROBITY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut http = None;
        let mut syslog_tcp = None;
        let mut syslog_udp = None;
        let want_tcp = extra.contains(&"--syslog-tcp");
        let want_udp = extra.contains(&"--syslog-udp");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Ok(line) = receiver.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            if let Some(addr) = line.strip_prefix("probity is serving HTTP on http://") {
                http = Some(addr.parse().unwrap());
            } else if let Some(addr) = line.strip_prefix("syslog over TCP on ") {
                syslog_tcp = Some(addr.parse().unwrap());
            } else if let Some(addr) = line.strip_prefix("syslog over UDP on ") {
                syslog_udp = Some(addr.parse().unwrap());
            }
            if http.is_some()
                && (!want_tcp || syslog_tcp.is_some())
                && (!want_udp || syslog_udp.is_some())
            {
                break;
            }
        }
        // Keep draining stderr so the child never blocks on a full pipe, and keep the lines.
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        std::thread::spawn(move || {
            while let Ok(line) = receiver.recv() {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            http: http.expect("probity serve did not start"),
            syslog_tcp,
            syslog_udp,
            lines,
        }
    }

    /// Waits (up to `timeout`) for a line of the server's stderr, written after it started
    /// listening, that contains `needle`, skipping the first `skip` such lines; returns it.
    pub fn wait_for_line(&self, needle: &str, skip: usize, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .filter(|line| line.contains(needle))
                .nth(skip)
                .cloned();
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends the server a signal by name (`HUP`, `TERM`) with the system's `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Number of events stored, through the CLI.
pub fn count_events(data: &Path, args: &[&str]) -> usize {
    let output = Command::new(binary())
        .args(["events", "--json", "--limit", "100000000", "--data"])
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
}

/// Polls until `count()` reaches `expected` (or gives up after `timeout`) and returns the last count.
pub fn wait_for(expected: usize, timeout: Duration, mut count: impl FnMut() -> usize) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        let now = count();
        if now >= expected || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether the tests that need external programs may be skipped here (never in CI).
pub fn external_optional() -> bool {
    std::env::var("PROBITY_SKIP_EXTERNAL").is_ok_and(|v| v == "1")
}

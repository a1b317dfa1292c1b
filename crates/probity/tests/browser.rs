#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The workbench in a real browser: a small simulated force ingested and detected with the
//! `probity` command, one account per role, a real OpenID Connect provider (`oidc-provider`),
//! `probity serve`, and the Playwright tests in `e2e/tests/` driving the system Chromium.
//!
//! Skipped (with a message) when `e2e/node_modules` or Chromium is absent, unless
//! `PROBITY_REQUIRE_BROWSER` is set, when that is a failure. `PROBITY_SCREENSHOTS=DIR` makes the
//! tests save screenshots of the main pages into DIR.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use probity_access::{Access, AccessPolicy, Principal, Role, RoleSet, SqliteAccessStore};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CLIENT_SECRET: &str = "probity-e2e-client-secret";
/// Every account's password (12+ characters, as the password policy asks).
const PASSWORD: &str = "correct-horse-battery-7";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn probity_binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("probity")
}

/// The browser tooling is present, or the test should be skipped (None).
fn e2e_ready() -> Option<PathBuf> {
    let e2e = repo_root().join("e2e");
    let mut missing = Vec::new();
    if !e2e.join("node_modules/playwright-core").is_dir()
        || !e2e.join("node_modules/oidc-provider").is_dir()
    {
        missing.push("e2e/node_modules (run `npm ci --prefix e2e`)");
    }
    if !Path::new(CHROMIUM).is_file() {
        missing.push("/usr/bin/chromium (apt-get install chromium)");
    }
    if missing.is_empty() {
        return Some(e2e);
    }
    if std::env::var_os("PROBITY_REQUIRE_BROWSER").is_some() {
        panic!(
            "PROBITY_REQUIRE_BROWSER is set but {} missing",
            missing.join(" and ")
        );
    }
    eprintln!("skipped: {} absent", missing.join(" and "));
    None
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the `probity` command; fails the test with its output if it fails.
fn probity(args: &[&str]) {
    let output = Command::new(probity_binary())
        .args(args)
        .env_remove("PROBITY_DATA")
        .env_remove("PROBITY_LOG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "probity {}: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A simulated force of 100 staff over 7 days, ingested and run through the detectors.
fn build_world(root: &Path) -> PathBuf {
    let sim = root.join("sim");
    let data = root.join("data");
    let (sim_arg, data_arg) = (sim.to_str().unwrap(), data.to_str().unwrap());
    probity(&[
        "simulate", "--staff", "100", "--days", "7", "--seed", "11", "--out", sim_arg,
    ]);
    let reference = sim.join("reference");
    probity(&[
        "reference",
        "load-dir",
        "--data",
        data_arg,
        reference.to_str().unwrap(),
    ]);
    let logs = sim.join("logs");
    let log = |name: &str| logs.join(name).to_str().unwrap().to_owned();
    probity(&[
        "ingest",
        "--data",
        data_arg,
        "--mapping",
        &log("records-audit.mapping.yaml"),
        &log("records-audit.csv"),
    ]);
    probity(&[
        "ingest",
        "--data",
        data_arg,
        &log("signins.ndjson"),
        &log("endpoint.ndjson"),
        &log("mail.mbox"),
    ]);
    probity(&["detect", "--data", data_arg]);
    data
}

/// The accounts the browser tests sign in as: name and roles.
const ACCOUNTS: [(&str, &str, &[Role]); 7] = [
    ("administrator", "e2e.admin", &[Role::Administrator]),
    ("analyst", "e2e.analyst", &[Role::Analyst]),
    ("investigator", "e2e.investigator", &[Role::Investigator]),
    ("officer1", "e2e.officer1", &[Role::AuthorisingOfficer]),
    ("officer2", "e2e.officer2", &[Role::AuthorisingOfficer]),
    ("auditor", "e2e.auditor", &[Role::Auditor]),
    // A detective superintendent who may both open and authorise cases: the test that the
    // creator of a case cannot authorise it needs someone who otherwise could.
    (
        "lead",
        "e2e.lead",
        &[Role::Investigator, Role::AuthorisingOfficer],
    ),
];

/// Creates the accounts in `DATA/access.db` with the access library, as the command line does.
fn create_accounts(data: &Path) -> Value {
    let store = SqliteAccessStore::open(data).unwrap();
    let access = Access::new(store, AccessPolicy::default()).unwrap();
    let by = Principal::command_line("e2e");
    let mut accounts = serde_json::Map::new();
    for (key, name, roles) in ACCOUNTS {
        let roles = RoleSet::new(roles.iter().copied());
        access
            .create_account(&by, name, name, roles, Some(PASSWORD), chrono::Utc::now())
            .unwrap();
        accounts.insert(key.into(), json!({"name": name, "password": PASSWORD}));
    }
    Value::Object(accounts)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `e2e/oidc-provider.mjs`; gives the process and its issuer.
fn start_provider(e2e: &Path, redirect: &str) -> (Running, String) {
    let mut child = Command::new("node")
        .arg(e2e.join("oidc-provider.mjs"))
        .env("OIDC_REDIRECT_URIS", redirect)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Ok(ready) = serde_json::from_str::<Value>(&line) {
                let _ = sender.send(ready["issuer"].as_str().unwrap_or_default().to_owned());
            }
        }
    });
    let issuer = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("the provider says it is ready");
    (running, issuer)
}

/// Writes the single sign-on settings `probity serve --oidc` reads.
fn write_oidc_config(root: &Path, issuer: &str, redirect: &str) -> PathBuf {
    let secret = root.join("oidc-client-secret");
    std::fs::write(&secret, CLIENT_SECRET).unwrap();
    let config = json!({
        "issuer": issuer,
        "client_id": "probity",
        "client_secret_file": secret,
        "redirect_url": redirect,
        "group_roles": {
            "probity-investigators": ["investigator"],
            "probity-analysts": ["analyst"]
        }
    });
    let path = root.join("oidc.yaml");
    // JSON is YAML.
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    path
}

/// Starts `probity serve` and waits until the sign-in page answers.
fn start_server(data: &Path, port: u16, oidc: &Path, log: &Path) -> Running {
    let log_file = std::fs::File::create(log).unwrap();
    let child = Command::new(probity_binary())
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--insecure-cookies",
        ])
        .arg("--oidc")
        .arg(oidc)
        .env_remove("PROBITY_DATA")
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = format!("http://127.0.0.1:{port}/login");
    loop {
        if let Ok(response) = client.get(&url).send()
            && response.status().is_success()
        {
            return running;
        }
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!(
                "probity serve stopped ({status}):\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "probity serve did not answer {url} within 60 s:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether this `probity serve` has the workbench (its `--oidc` option). Without it the browser
/// tests cannot run: a skip, or a failure when `PROBITY_REQUIRE_BROWSER` is set.
fn serve_has_workbench() -> bool {
    let output = Command::new(probity_binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    if String::from_utf8_lossy(&output.stdout).contains("--oidc") {
        return true;
    }
    if std::env::var_os("PROBITY_REQUIRE_BROWSER").is_some() {
        panic!("PROBITY_REQUIRE_BROWSER is set but `probity serve` has no workbench (--oidc)");
    }
    eprintln!("skipped: `probity serve` has no workbench (--oidc) in this build");
    false
}

#[test]
fn the_workbench_works_in_a_real_browser() {
    let Some(e2e) = e2e_ready() else { return };
    if !serve_has_workbench() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let data = build_world(root);
    let accounts = create_accounts(&data);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let redirect = format!("{base}/auth/oidc/callback");
    let (_provider, issuer) = start_provider(&e2e, &redirect);
    let oidc = write_oidc_config(root, &issuer, &redirect);
    let server_log = root.join("serve.log");
    let _server = start_server(&data, port, &oidc, &server_log);

    // The test files in order, one at a time: they share the accounts (and so TOTP steps).
    let mut tests: Vec<PathBuf> = std::fs::read_dir(e2e.join("tests"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    tests.sort();
    assert!(!tests.is_empty(), "no e2e/tests/*.test.mjs");
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-concurrency=1"])
        .args(&tests)
        .current_dir(&e2e)
        .env("PROBITY_URL", &base)
        .env("PROBITY_BIN", probity_binary())
        .env("PROBITY_ACCOUNTS", accounts.to_string())
        .env("PROBITY_E2E_STATE", root.join("e2e-state.json"))
        .env("PROBITY_E2E_TMP", root)
        .env("PROBITY_SSO_LOGIN", "sso.investigator")
        .env("CHROMIUM_PATH", CHROMIUM);
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        output.status.success(),
        "the browser tests failed ({}); server log:\n{}",
        output.status,
        std::fs::read_to_string(&server_log)
            .unwrap_or_default()
            .lines()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

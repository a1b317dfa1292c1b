//! Sigma rules from the command line: lint, regression test, hunt, and live detection in serve.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(path)
}

fn probity() -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env_remove("PROBITY_LOG");
    command
}

const WHOAMI_RULE: &str = r#"title: Whoami Run By A Records Clerk
id: 0b1c2d3e-0000-4000-8000-000000000001
status: experimental
description: whoami.exe started, as an intruder does to learn whose account it has
level: high
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
"#;

#[test]
fn lint_names_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yml"), WHOAMI_RULE).unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        "title: Broken\nid: 1\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|bogusmodifier: x\n    condition: sel\n",
    )
    .unwrap();
    let output = probity()
        .arg("rules")
        .arg("lint")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a problem fails lint");
    let text = String::from_utf8(output.stdout).unwrap();
    let problem = text.lines().find(|l| l.contains("bad.yml")).unwrap();
    assert!(problem.contains("bad.yml:"), "{problem}");
    assert!(problem.contains("bogusmodifier"), "{problem}");
    assert!(text.contains("2 files: 1 rules parsed"), "{text}");

    std::fs::remove_file(dir.path().join("bad.yml")).unwrap();
    let output = probity()
        .args([
            "rules",
            "lint",
            "--explain",
            "0b1c2d3e-0000-4000-8000-000000000001",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("whoami.exe"),
        "the compiled form names the literal: {text}"
    );
}

#[test]
fn the_projects_own_rules_lint_clean() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/insider");
    let output = probity()
        .args(["rules", "lint"])
        .arg(&rules)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{text}");
    assert!(text.contains("9 rules parsed"), "{text}");
}

#[test]
fn rules_test_fires_every_regression_rule() {
    let sigma = shared("sigma");
    let mut command = probity();
    command.args(["rules", "test"]);
    for dir in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-dfir",
        "rules-placeholder",
    ] {
        command.arg("--rules").arg(sigma.join(dir));
    }
    let output = command
        .arg("--regression")
        .arg(sigma.join("regression_data"))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let summary = text.lines().last().unwrap();
    assert_eq!(
        summary,
        "202 passed, 0 failed, 1 without an EVTX test (203 info.yml)"
    );
    assert!(output.status.success());
}

#[test]
fn hunt_prints_a_timeline_and_goes_on_past_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(
        shared("evtx-damaged/new-user-security.evtx"),
        logs.join("security.evtx"),
    )
    .unwrap();
    std::fs::copy(
        shared("evtx-damaged/sample_with_a_bad_chunk_magic.evtx"),
        logs.join("damaged.evtx"),
    )
    .unwrap();
    std::fs::write(logs.join("garbage.evtx"), b"ElfFile\0 but nothing after").unwrap();
    let rules = shared("sigma/rules/windows/builtin/security");

    let output = probity()
        .args(["hunt", "--format", "json", "--rules"])
        .arg(&rules)
        .arg(&logs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "an unreadable file is reported: {stderr}"
    );
    assert!(stderr.contains("garbage.evtx"), "{stderr}");
    let rows: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // new-user-security.evtx holds a user creation (4720) and group additions (4728/4732).
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Local User Creation"), "{titles:?}");
    let creation = rows
        .iter()
        .find(|r| r["title"] == "Local User Creation")
        .unwrap();
    assert_eq!(creation["rule_id"], "66b6be3d-55d0-4f47-9855-d69df21740ea");
    assert_eq!(creation["matched"], "EventID=4720");
    assert!(creation["host"].is_string() && creation["time"].is_string());
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "a timeline is in time order");

    let table = probity()
        .args(["hunt", "--min-level", "high", "--rules"])
        .arg(&rules)
        .arg(logs.join("security.evtx"))
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("time (UTC)"), "{text}");
    assert!(
        !text.contains(" low "),
        "--min-level high drops low detections: {text}"
    );

    let csv = probity()
        .args(["hunt", "--format", "csv", "--rules"])
        .arg(&rules)
        .arg(logs.join("security.evtx"))
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("time,host,user,level,title,rule_id,kind,matched,source"));
    assert_eq!(
        text.lines().count(),
        rows.iter()
            .filter(|r| r["source"].as_str().unwrap().contains("security.evtx"))
            .count()
            + 1
    );
}

#[test]
fn serve_with_rules_raises_alerts_for_stored_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("whoami.yml"), WHOAMI_RULE).unwrap();
    let token = support::create_token(&data, "winlogbeat", "ingest");
    let server = support::Server::start(&data, &["--rules", rules.to_str().unwrap()]);

    // A Winlogbeat document as Winlogbeat sends it, through the Elasticsearch bulk API.
    let body = concat!(
        "{\"create\":{\"_index\":\"winlogbeat-8\"}}\n",
        "{\"@timestamp\":\"2026-11-23T10:15:00.000Z\",\"host\":{\"name\":\"WS-0042\"},\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"provider_name\":\"Microsoft-Windows-Sysmon\",\"event_id\":1,\"computer_name\":\"WS-0042\",\"event_data\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\whoami.exe\",\"CommandLine\":\"whoami /all\",\"User\":\"FORCE\\\\pc4521\"}}}\n",
        "{\"create\":{\"_index\":\"winlogbeat-8\"}}\n",
        "{\"@timestamp\":\"2026-11-23T10:16:00.000Z\",\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"provider_name\":\"Microsoft-Windows-Sysmon\",\"event_id\":1,\"computer_name\":\"WS-0042\",\"event_data\":{\"Image\":\"C:\\\\Windows\\\\notepad.exe\"}}}\n",
    );
    let client = reqwest::blocking::Client::new();
    let response = client
        .post(server.url("/_bulk"))
        .header("authorization", format!("ApiKey {token}"))
        .body(body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);

    let alerts = || -> Vec<Value> {
        let output = Command::cargo_bin("probity")
            .unwrap()
            .args(["alerts", "--json", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let found = support::wait_for(1, Duration::from_secs(20), || alerts().len());
    assert_eq!(found, 1, "one of the two processes is whoami");
    let alert = &alerts()[0];
    assert_eq!(alert["rule"]["id"], "0b1c2d3e-0000-4000-8000-000000000001");
    assert_eq!(alert["level"], "high");
    assert_eq!(alert["user"], "pc4521");
    let explanation = alert["explanation"].as_str().unwrap();
    assert!(explanation.contains("whoami.exe"), "{explanation}");
    let events = alert["matching_events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["process"]["command_line"], "whoami /all");

    // Restarting does not raise the same alert again: the detector resumes where it stopped.
    drop(server);
    let _again = support::Server::start(&data, &["--rules", rules.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(alerts().len(), 1);
}

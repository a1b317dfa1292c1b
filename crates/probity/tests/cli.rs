//! The `probity` command as a user runs it: tokens, ingest of files and folders, queries, dead-letter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(path)
}

fn examples(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(path)
}

fn probity(data: &Path) -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env("PROBITY_DATA", data).env_remove("PROBITY_LOG");
    command
}

fn stdout(command: &mut Command) -> String {
    let output = command.output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn events_json(data: &Path, args: &[&str]) -> Vec<Value> {
    let text = stdout(probity(data).arg("events").arg("--json").args(args));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn token_create_prints_once_and_list_never_shows_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = probity(dir.path())
        .args([
            "token",
            "create",
            "--scope",
            "ingest",
            "--name",
            "winlogbeat",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let secret = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("prb_") && secret.len() == 68, "{secret}");

    let listing = stdout(probity(dir.path()).args(["token", "list"]));
    assert!(
        listing.contains("winlogbeat") && listing.contains("ingest") && listing.contains("live")
    );
    assert!(
        !listing.contains(&secret[12..]),
        "the secret must not be listed"
    );

    // The database holds only a hash.
    let db = std::fs::read(dir.path().join("events.db")).unwrap();
    assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()));

    probity(dir.path())
        .args([
            "token",
            "create",
            "--scope",
            "ingest",
            "--name",
            "winlogbeat",
        ])
        .assert()
        .failure();
    probity(dir.path())
        .args(["token", "create", "--scope", "root", "--name", "x"])
        .assert()
        .failure();
    probity(dir.path())
        .args(["token", "revoke", "--name", "winlogbeat"])
        .assert()
        .success();
    probity(dir.path())
        .args(["token", "revoke", "--name", "winlogbeat"])
        .assert()
        .code(1);
    assert!(stdout(probity(dir.path()).args(["token", "list"])).contains("revoked"));
}

#[test]
fn ingest_a_folder_of_mixed_formats() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::create_dir_all(input.join("nested")).unwrap();
    std::fs::write(
        input.join("shipper.ndjson"),
        "{\"@timestamp\":\"2026-11-20T09:00:00Z\",\"user\":{\"name\":\"PC4521\"},\"event\":{\"action\":\"logged-in\"},\"message\":\"sign-in at terminal 7\"}\n",
    )
    .unwrap();
    std::fs::write(
        input.join("nested/messages.log"),
        "<34>Nov 20 09:05:00 ws-17 sudo: pc4521 : TTY=pts/0 ; COMMAND=/bin/cat /etc/shadow\n",
    )
    .unwrap();
    std::fs::copy(
        shared("mail/eml/rfc/000.eml"),
        input.join("nested/message.eml"),
    )
    .unwrap();
    std::fs::copy(
        shared("m365/OfficeActivityEvents.json"),
        input.join("m365.json"),
    )
    .unwrap();

    let data = dir.path().join("data");
    let output = probity(&data).arg("ingest").arg(&input).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text.trim(),
        "accepted 4, rejected 0",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success());

    let all = events_json(&data, &[]);
    assert_eq!(all.len(), 4);
    let formats: Vec<&str> = all
        .iter()
        .map(|e| e["provenance"]["format"].as_str().unwrap())
        .collect();
    for expected in ["ndjson", "syslog", "eml"] {
        assert!(formats.contains(&expected), "{formats:?}");
    }
    let by_user = events_json(&data, &["--user", "pc4521"]);
    assert_eq!(by_user.len(), 1);
    assert_eq!(by_user[0]["event"]["action"], "logged-in");
    let by_text = events_json(&data, &["--text", "shadow"]);
    assert_eq!(by_text.len(), 1);
    assert_eq!(by_text[0]["provenance"]["format"], "syslog");
    let m365 = events_json(&data, &["--action", "MailItemsAccessed"]);
    assert_eq!(m365.len(), 1);
    assert_eq!(m365[0]["user"]["name"], "pgustavo@simulandlabs.com");

    // Ingesting the same files again adds nothing.
    probity(&data).arg("ingest").arg(&input).assert().success();
    assert_eq!(events_json(&data, &[]).len(), 4);

    // Time filters.
    assert_eq!(
        events_json(
            &data,
            &[
                "--since",
                "2026-11-20T09:01:00Z",
                "--until",
                "2026-11-20T09:10:00Z"
            ]
        )
        .len(),
        1
    );
    let table = stdout(probity(&data).args(["events", "--limit", "2"]));
    assert_eq!(table.lines().count(), 3, "a header and two rows: {table}");
}

#[test]
fn rejected_input_is_counted_kept_and_fails_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    std::fs::write(&file, "{\"message\":\"fine\"}\n{\"message\": broken}\n").unwrap();
    let missing = dir.path().join("no-such-file.json");
    let data = dir.path().join("data");
    let output = probity(&data)
        .arg("ingest")
        .arg(&file)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "accepted 1, rejected 2"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no-such-file.json"), "{stderr}");

    let letters: Vec<Value> = stdout(probity(&data).args(["deadletter", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(letters.len(), 2);
    let reasons: Vec<&str> = letters
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("invalid JSON")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("cannot read")),
        "{reasons:?}"
    );
    let broken = letters.iter().find(|l| l["location"] == "line 2").unwrap();
    assert_eq!(broken["raw"], "{\"message\": broken}");

    let human = stdout(probity(&data).arg("deadletter"));
    assert!(human.contains("reason: invalid JSON"), "{human}");
}

#[test]
fn an_unrecognised_file_is_reported_and_a_forced_format_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export");
    std::fs::write(&file, "just some words\n").unwrap();
    let data = dir.path().join("data");
    let output = probity(&data).arg("ingest").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format"));
    probity(&data)
        .args(["ingest", "--format", "syslog"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(events_json(&data, &["--text", "words"]).len(), 1);
    probity(&data)
        .args(["ingest", "--format", "xml"])
        .arg(&file)
        .assert()
        .failure();
}

#[test]
fn csv_with_the_example_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = probity(&data)
        .arg("ingest")
        .arg("--mapping")
        .arg(examples("mappings/records-audit.yaml"))
        .arg(examples("records-audit.csv"))
        .output()
        .unwrap();
    let summary = String::from_utf8(output.stdout).unwrap();
    // The example deliberately holds bad rows, so the exit status says so.
    assert_eq!(output.status.code(), Some(1), "{summary}");
    let events = events_json(&data, &["--limit", "1000"]);
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["record"]["system"].is_string()));
    let views = events_json(&data, &["--action", "view", "--limit", "1000"]);
    assert!(!views.is_empty());
    assert!(views.iter().all(|e| e["record"]["action"] == "view"));
}

/// `probity events`, `alerts`, `deadletter` and `comms check` read stored data and left no audit
/// entry, while the API's reads do (audit 2, defect 2). Each is now recorded first, with the
/// operating-system account the command runs as, whatever `$USER` says.
#[test]
fn reads_on_the_command_line_are_in_the_audit_log_with_the_account_that_made_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("in.ndjson");
    std::fs::write(
        &input,
        "{\"@timestamp\":\"2026-03-01T09:00:00Z\",\"user\":\"jsmith\",\"action\":\"view\"}\n{broken\n",
    )
    .unwrap();
    let _ = probity(&data).arg("ingest").arg(&input).output().unwrap();
    let mail = dir.path().join("m.eml");
    std::fs::write(
        &mail,
        "From: a@force.police.uk\r\nTo: b@force.police.uk\r\nSubject: rota\r\n\r\nThe rota.\r\n",
    )
    .unwrap();
    let reads: [&[&str]; 4] = [
        &["events", "--user", "jsmith", "--limit", "5"],
        &["alerts", "--min-level", "high"],
        &["deadletter"],
        &["comms", "check", "--all"],
    ];
    for args in reads {
        let mut command = probity(&data);
        command
            .args(args)
            .env("USER", "mallory")
            .env_remove("SUDO_USER");
        if args[0] == "comms" {
            command.arg(&mail);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let log: Vec<Value> = stdout(probity(&data).args(["audit", "show"]))
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let reads: Vec<&Value> = log
        .iter()
        .filter(|entry| entry["target"] == "cli")
        .collect();
    let actions: Vec<&str> = reads
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "events.search",
            "alerts.list",
            "deadletter.list",
            "comms.check"
        ],
        "{log:#?}"
    );
    assert_eq!(reads[0]["details"]["user"], "jsmith");
    assert_eq!(reads[1]["details"]["min_level"], "high");
    assert!(
        reads[3]["details"]["paths"][0]
            .as_str()
            .unwrap()
            .ends_with("m.eml")
    );
    for entry in &reads {
        let actor = entry["actor"].as_str().unwrap();
        assert!(actor.starts_with("cli:"), "{actor}");
        assert_ne!(actor, "cli:mallory", "the actor is the account, not $USER");
    }
    #[cfg(target_os = "linux")]
    {
        // The account the test runs as, as the system names it.
        let uid = {
            use std::os::unix::fs::MetadataExt as _;
            std::fs::metadata("/proc/self").unwrap().uid()
        };
        let id = std::process::Command::new("id").arg("-un").output();
        if let Some(id) = id.ok().filter(|id| id.status.success()) {
            let name = String::from_utf8(id.stdout).unwrap().trim().to_owned();
            let expected = if name.is_empty() {
                format!("uid:{uid}")
            } else {
                name
            };
            assert_eq!(reads[0]["actor"], format!("cli:{expected}"));
        }
    }
}

/// A file that cannot be decoded at all (a CSV whose header row opens a quote it never closes)
/// is kept whole in dead-letter with the reason, not as its name alone.
#[test]
fn a_file_that_fails_to_decode_is_kept_in_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    let bytes = "when,\"who,what\n2024-05-01T10:00:00Z,pc1,looked up Quokkarec\n";
    std::fs::write(&file, bytes).unwrap();
    let data = dir.path().join("data");
    let output = probity(&data)
        .args(["ingest", "--format", "csv"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let letters: Vec<Value> = stdout(probity(&data).args(["deadletter", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["raw"], bytes, "{:?}", letters[0]);
}

//! `probity demo` and the insider commands as a user runs them: a simulated force ingested
//! through the real paths, detections live, the risk list, and evaluation against the truth.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;

fn probity() -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env_remove("PROBITY_LOG").env_remove("PROBITY_DATA");
    command
}

#[test]
fn the_demo_finds_the_injected_insiders_and_explains_them() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let output = probity()
        .args([
            "demo", "--staff", "400", "--days", "21", "--seed", "5", "--exit",
        ])
        .args(["--listen", "127.0.0.1:0", "--top", "8"])
        .arg("--dir")
        .arg(&demo)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("staff: {\"kind\":\"staff\",\"rows\":400"),
        "{text}"
    );
    assert!(text.contains("Top risks"), "{text}");
    assert!(text.contains("Where to look next"), "{text}");
    // The read token is in an owner-only file for curl, never on the terminal.
    let header = demo.join("reader.header");
    let token = std::fs::read_to_string(&header).unwrap();
    let token = token.trim().strip_prefix("Authorization: Bearer ").unwrap();
    assert!(token.len() > 20);
    assert!(!text.contains(token), "{text}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains(token));
    assert!(
        text.contains(&format!("curl -H @{}", header.display())),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&header).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The top of the printed risk list is made of injected insiders.
    let truth: Value =
        serde_json::from_slice(&std::fs::read(demo.join("sim/truth.json")).unwrap()).unwrap();
    let insiders: Vec<&str> = truth["insiders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["staff_id"].as_str().unwrap())
        .collect();
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("1. "))
        .expect("a first-ranked person");
    assert!(
        insiders.iter().any(|id| first.contains(id)),
        "{first} is not an insider ({insiders:?})"
    );

    // The data directory answers the other commands, and evaluation meets the bar.
    let data = demo.join("data");
    let eval = probity()
        .args(["eval", "--json", "--truth"])
        .arg(demo.join("sim/truth.json"))
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(eval.status.success());
    let eval: Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(
        eval["insiders_in_top_five_percent"],
        eval["insiders"].as_array().unwrap().len()
    );
    for (kind, score) in eval["per_detection"].as_object().unwrap() {
        if score["scenarios"].as_u64().unwrap() > 0 {
            assert!(score["recall"].as_f64().unwrap() >= 0.9, "{kind}: {score}");
        }
    }

    // A second run may wipe the demo's own folder, never anyone else's.
    let other = dir.path().join("not-a-demo");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("precious.txt"), "keep me").unwrap();
    let refused = probity()
        .args([
            "demo",
            "--exit",
            "--staff",
            "100",
            "--days",
            "7",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--dir")
        .arg(&other)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(other.join("precious.txt").exists());
}

#[test]
fn reference_load_refuses_a_bad_file_and_keeps_what_was_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("staff.csv");
    std::fs::write(
        &good,
        "staff_id,accounts,surname,role,team,area\nE1,smithj1,Smith,PC,A,North\nE2,brownt2,Brown,PC,A,North\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "staff_id,accounts,surname,role,team,area\nE3,,Jones,PC,A,North\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let load = |file: &std::path::Path| {
        probity()
            .args(["reference", "load", "staff"])
            .arg(file)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap()
    };
    let ok = load(&good);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("loaded 2 staff rows"));
    let refused = load(&bad);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has no accounts"));
    let list = probity()
        .args(["reference", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(
        list.lines()
            .any(|l| l.starts_with("staff") && l.contains(" 2 ")),
        "{list}"
    );
    let detect = probity()
        .args(["detect", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        detect.status.success(),
        "{}",
        String::from_utf8_lossy(&detect.stderr)
    );
}

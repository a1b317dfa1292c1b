//! `probity account`: accounts made on the command line can be listed and disabled, weak
//! passwords are refused, rotating the pseudonym key gives people new pseudonyms while keeping
//! the old key, and every change lands in the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;

use probity_store::AuditStore;
use probity_store::sqlite::SqliteStore;

fn probity(data: &Path) -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env("PROBITY_DATA", data).env_remove("PROBITY_LOG");
    command
}

fn actions(data: &Path) -> Vec<String> {
    let store = SqliteStore::open(data).unwrap();
    store
        .audit_entries(0, 1000)
        .unwrap()
        .into_iter()
        .map(|entry| entry.action.action)
        .collect()
}

#[test]
fn accounts_and_key_rotation_from_the_command_line_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    probity(data)
        .args(["account", "create", "--name", "jsmith", "--role", "analyst"])
        .args(["--password-stdin"])
        .write_stdin("short\n")
        .assert()
        .failure();
    probity(data)
        .args(["account", "create", "--name", "jsmith", "--role", "analyst"])
        .args(["--role", "investigator", "--password-stdin"])
        .write_stdin("a long enough pass phrase\n")
        .assert()
        .success();
    let listed = probity(data).args(["account", "list"]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("jsmith"), "{listed}");
    assert!(listed.contains("investigator"), "{listed}");
    probity(data)
        .args(["account", "disable", "--name", "jsmith"])
        .assert()
        .success();

    let before = probity_access::Pseudonymiser::open(data).unwrap();
    let old = before.pseudonym("E100005");
    probity(data)
        .args(["account", "rotate-pseudonym-key"])
        .assert()
        .success();
    let after = probity_access::Pseudonymiser::open(data).unwrap();
    assert_eq!(after.current_key_id(), before.current_key_id() + 1);
    assert_ne!(after.pseudonym("E100005"), old);
    assert_eq!(
        after.pseudonym_under(before.current_key_id(), "E100005"),
        Some(old)
    );

    let actions = actions(data);
    for expected in ["account.create", "account.disable", "pseudonym.key.rotate"] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
    probity(data).args(["audit", "verify"]).assert().success();
}

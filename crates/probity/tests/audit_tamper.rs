//! Tampering with the audit log on disk is found, and `probity audit verify` says where. Each
//! tampering is done directly on the SQLite file of a separate copy of one data directory; the
//! untouched copy still verifies. Exported excerpts verify, and any change to them is found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use rusqlite::{Connection, params};
use serde_json::Value;

use probity_store::AuditStore;
use probity_store::sqlite::SqliteStore;

fn probity(data: &Path) -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env("PROBITY_DATA", data).env_remove("PROBITY_LOG");
    command
}

/// Runs `probity ARGS` and returns (exit code, stdout).
fn run(data: &Path, args: &[&str]) -> (i32, String) {
    let output = probity(data).args(args).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code().unwrap(), format!("{stdout}{stderr}"))
}

fn verify(data: &Path) -> (i32, String) {
    run(data, &["audit", "verify"])
}

/// A data directory with eight audited actions, the first six covered by a signed checkpoint.
fn original() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let audit = |n: u64| {
        store
            .audit(probity_audit::Action {
                time: chrono::Utc::now(),
                actor: "account:jdoe".into(),
                action: "case.note".into(),
                target: format!("case-{n}"),
                details: serde_json::json!({"note": n}),
            })
            .unwrap();
    };
    (1..=6).for_each(audit);
    drop(store);
    let (code, out) = run(dir.path(), &["audit", "checkpoint"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signed checkpoint at entry 6"), "{out}");
    let store = SqliteStore::open(dir.path()).unwrap();
    (7..=8).for_each(|n| {
        store
            .audit(probity_audit::Action {
                time: chrono::Utc::now(),
                actor: "account:jdoe".into(),
                action: "alert.dismiss".into(),
                target: format!("alert-{n}"),
                details: Value::Null,
            })
            .unwrap();
    });
    dir
}

fn copy_of(original: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir(original).unwrap() {
        let file = file.unwrap();
        if file.file_type().unwrap().is_file() {
            std::fs::copy(file.path(), copy.path().join(file.file_name())).unwrap();
        }
    }
    copy
}

fn database(dir: &Path) -> Connection {
    Connection::open(dir.join("events.db")).unwrap()
}

fn tampered(original: &Path, sql: &str) -> tempfile::TempDir {
    let copy = copy_of(original);
    database(copy.path()).execute_batch(sql).unwrap();
    copy
}

fn assert_broken(dir: &Path, place: &str) {
    let (code, out) = verify(dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN"), "{out}");
    assert!(out.contains(place), "expected {place:?} in: {out}");
}

#[test]
fn every_kind_of_tampering_is_found_and_placed() {
    let original = original();
    let base = original.path();

    let (code, out) = verify(base);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("8 entries and 1 signed checkpoints verified"),
        "{out}"
    );
    assert!(out.contains("last checkpoint: entry 6"), "{out}");
    assert!(out.contains("entries 7 to 8 are not yet covered"), "{out}");

    // An entry's details edited.
    let edited = tampered(
        base,
        "UPDATE audit SET entry = replace(entry, '\"note\":3', '\"note\":33') WHERE seq = 3",
    );
    assert_broken(edited.path(), "entry 3 does not match its own hash");

    // An entry deleted.
    let deleted = tampered(base, "DELETE FROM audit WHERE seq = 4");
    assert_broken(deleted.path(), "entry 5 follows entry 3");

    // Two entries' sequence numbers swapped.
    let swapped = tampered(
        base,
        "UPDATE audit SET seq = 1000 WHERE seq = 2;
         UPDATE audit SET seq = 2 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = 1000;",
    );
    assert_broken(swapped.path(), "entry 3 follows entry 1");

    // The checkpoint's signature altered.
    let forged = tampered(
        base,
        "UPDATE audit_checkpoints SET signature = \
         CASE WHEN substr(signature, 1, 1) = '0' THEN '1' ELSE '0' END || substr(signature, 2)",
    );
    assert_broken(
        forged.path(),
        "the checkpoint at entry 6 does not match its signature",
    );

    // The signed entries cut off the end together with the unsigned ones.
    let truncated = tampered(base, "DELETE FROM audit WHERE seq >= 6");
    assert_broken(
        truncated.path(),
        "the checkpoint at entry 6 names an entry that is not in the log",
    );

    // An entry edited and the chain re-hashed consistently from there: only the signed
    // checkpoint can tell.
    let rehashed = copy_of(base);
    rehash_from(rehashed.path(), 3);
    let store = SqliteStore::open(rehashed.path()).unwrap();
    let entries = store.audit_entries(0, 100).unwrap();
    assert!(probity_audit::verify(&entries, probity_audit::GENESIS, 1).is_ok());
    drop(store);
    assert_broken(
        rehashed.path(),
        "the checkpoint at entry 6 signed a different hash for entry 6",
    );

    // A checkpoint checked against a key other than the log's.
    let stranger = probity_audit::Signer::from_bytes(&[9u8; 32]);
    let stranger_key = probity_audit::public_key_hex(&stranger.verifying_key());
    let (code, out) = run(base, &["audit", "verify", "--public-key", &stranger_key]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not the trusted key"), "{out}");

    // The untouched original still verifies.
    assert_eq!(verify(base).0, 0);
}

/// Changes entry `at`'s details and re-chains it and every later entry, as someone without the
/// signing key but with write access to the database could.
fn rehash_from(dir: &Path, at: u64) {
    let conn = database(dir);
    let mut entries: Vec<probity_audit::Entry> = {
        let mut statement = conn
            .prepare("SELECT entry FROM audit ORDER BY seq")
            .unwrap();
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(|text| serde_json::from_str(&text.unwrap()).unwrap())
            .collect()
    };
    let index = usize::try_from(at - 1).unwrap();
    entries[index].action.details = serde_json::json!({"note": "rewritten"});
    let mut prev = entries[index - 1].hash_bytes();
    for entry in &mut entries[index..] {
        *entry = probity_audit::chain(&prev, entry.seq, entry.action.clone());
        prev = entry.hash_bytes();
        conn.execute(
            "UPDATE audit SET entry = ?1, hash = ?2 WHERE seq = ?3",
            params![
                serde_json::to_string(&entry).unwrap(),
                entry.hash,
                i64::try_from(entry.seq).unwrap()
            ],
        )
        .unwrap();
    }
}

#[test]
fn an_exported_excerpt_verifies_and_any_change_to_it_is_found() {
    let original = original();
    let data = original.path();
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("excerpt.json");
    let file_arg = file.to_str().unwrap();

    let (code, out) = run(
        data,
        &[
            "audit", "export", "--from", "2", "--to", "4", "--out", file_arg,
        ],
    );
    assert_eq!(code, 0, "{out}");
    // The export is itself audited (entry 9) and signed before the excerpt is taken.
    let (code, out) = verify(data);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("9 entries and 2 signed checkpoints"), "{out}");

    let (code, out) = run(data, &["audit", "verify-excerpt", file_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("entries 2 to 4 (3 entries)"), "{out}");
    // The proof runs to the first checkpoint after the excerpt, the one at entry 6.
    assert!(out.contains("signed at entry 6"), "{out}");

    // The whole log as it was before this export (entries 1 to 9, the last signed by the first
    // export); this export is entry 10.
    let whole = out_dir.path().join("whole.json");
    let whole_arg = whole.to_str().unwrap();
    assert_eq!(run(data, &["audit", "export", "--out", whole_arg]).0, 0);
    let (code, out) = run(data, &["audit", "verify-excerpt", whole_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("entries 1 to 9 (9 entries)"), "{out}");
    assert!(out.contains("signed at entry 9"), "{out}");

    let public = std::fs::read_to_string(data.join("audit-signing.pub")).unwrap();
    let (code, out) = run(
        data,
        &[
            "audit",
            "verify-excerpt",
            file_arg,
            "--public-key",
            public.trim(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let stranger = probity_audit::Signer::from_bytes(&[9u8; 32]);
    let stranger_key = probity_audit::public_key_hex(&stranger.verifying_key());
    let (code, out) = run(
        data,
        &[
            "audit",
            "verify-excerpt",
            file_arg,
            "--public-key",
            &stranger_key,
        ],
    );
    assert_eq!(code, 1, "{out}");

    let excerpt: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(excerpt["entries"].as_array().unwrap().len(), 3);
    assert_eq!(excerpt["proof"].as_array().unwrap().len(), 2);

    let tamper = |name: &str, change: &dyn Fn(&mut Value), expect: &str| {
        let mut copy = excerpt.clone();
        change(&mut copy);
        let path = out_dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&copy).unwrap()).unwrap();
        let (code, out) = run(data, &["audit", "verify-excerpt", path.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("NOT verified"), "{name}: {out}");
        assert!(out.contains(expect), "{name}: expected {expect:?} in {out}");
    };
    tamper(
        "edited.json",
        &|e| e["entries"][1]["details"] = serde_json::json!({"note": 30}),
        "entry 3 does not match its own hash",
    );
    tamper(
        "dropped.json",
        &|e| {
            e["entries"].as_array_mut().unwrap().remove(1);
        },
        "entry 4 follows entry 2",
    );
    tamper(
        "short-proof.json",
        &|e| {
            e["proof"].as_array_mut().unwrap().pop();
        },
        "end at entry 5",
    );
    tamper(
        "resigned-head.json",
        &|e| e["checkpoint"]["head"] = Value::String("ab".repeat(32)),
        "not validly signed",
    );
    tamper(
        "unsigned.json",
        &|e| {
            e["checkpoint"] = Value::Null;
            e["proof"] = Value::Array(Vec::new());
        },
        "no signed checkpoint covers them",
    );
    tamper(
        "not-json.json",
        &|e| *e = Value::String("nothing".into()),
        "not an audit excerpt",
    );
}

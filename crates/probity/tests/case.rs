//! `probity case` and `probity retention` as a user runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use assert_cmd::Command;
use chrono::{Duration, Utc};

use probity_access::testsuite::test_policy;
use probity_access::{Access, Principal, Role, RoleSet, SignIn, SqliteAccessStore};
use probity_case::evidence::{self, PackContent, PackInput, Unmasking};
use probity_case::{LinkKind, Workbench};
use probity_store::sqlite::SqliteStore;
use probity_store::testsuite::sample_event;
use probity_store::{EncodedEvent, EventStore};

fn probity(data: &Path) -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env("PROBITY_DATA", data).env_remove("PROBITY_LOG");
    command
}

fn run(command: &mut Command) -> (i32, String) {
    let output = command.output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap_or(-1), text)
}

fn person(data: &Path, name: &str, role: Role) -> Principal {
    let access = Access::new(SqliteAccessStore::open(data).unwrap(), test_policy()).unwrap();
    match access
        .sign_in_sso(name, RoleSet::new([role]), Utc::now())
        .unwrap()
        .0
    {
        SignIn::Granted { principal, .. } => principal,
        SignIn::Denied(denial) => panic!("{denial:?}"),
    }
}

#[test]
fn cases_are_listed_and_retention_purges_all_but_held_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let old = Utc::now() - Duration::days(400);
    {
        let store = SqliteStore::open(data).unwrap();
        let events: Vec<EncodedEvent> = (0..3)
            .map(|i| {
                let mut event = sample_event(i);
                event.timestamp = old + Duration::minutes(i as i64);
                EncodedEvent::encode(&event).unwrap()
            })
            .collect();
        store.append(&events, &[]).unwrap();
    }
    let held = {
        let mut event = sample_event(1);
        event.timestamp = old + Duration::minutes(1);
        event.provenance.id.to_hex()
    };
    let ivan = person(data, "ivan", Role::Investigator);
    let bench = Workbench::open(data).unwrap();
    let (case, _) = bench
        .create_case(&ivan, "Lookups", &[], "", Utc::now())
        .unwrap();
    bench
        .link(&ivan, &case.id, LinkKind::Event, &held, Utc::now())
        .unwrap();
    bench
        .set_legal_hold(&Principal::command_line("root"), &case.id, true, Utc::now())
        .unwrap();
    drop(bench);

    let (code, text) = run(probity(data).args(["case", "list"]));
    assert_eq!(code, 0);
    assert!(
        text.contains("C-000001") && text.contains("proposed"),
        "{text}"
    );
    let (code, text) = run(probity(data).args(["case", "show", "C-000001"]));
    assert_eq!(code, 0);
    assert!(text.contains(&format!("event {held}")), "{text}");

    let (code, text) = run(probity(data).args(["retention", "set", "--events", "365"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("events        365 days"), "{text}");
    let (code, text) = run(probity(data).args(["retention", "purge"]));
    assert_eq!(code, 0);
    assert!(text.contains("events        2 deleted"), "{text}");
    let store = SqliteStore::open(data).unwrap();
    assert_eq!(store.counts().unwrap().events, 1);

    let (_, audit) = run(probity(data).args(["audit", "show"]));
    assert!(audit.contains("\"retention.set\""), "{audit}");
    assert!(audit.contains("\"retention.purge\""), "{audit}");
    let (code, _) = run(probity(data).args(["audit", "verify"]));
    assert_eq!(code, 0);
}

#[test]
fn verify_pack_names_the_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let ana = person(data, "ana", Role::Analyst);
    let olive = person(data, "olive", Role::AuthorisingOfficer);
    let ivan = person(data, "ivan", Role::Investigator);
    let bench = Workbench::open(data).unwrap();
    let (case, _) = bench
        .create_case(&ana, "Case", &[], "", Utc::now())
        .unwrap();
    let (case, _) = bench
        .decide_case(&olive, &case.id, true, "necessary", Utc::now())
        .unwrap();
    let input = PackInput {
        notes: bench.notes(&case.id).unwrap(),
        links: bench.links(&case.id).unwrap(),
        case,
        alerts: vec![],
        events: vec![sample_event(0)],
        exported_by: "account:ivan".into(),
        exported_at: Utc::now(),
        audit_excerpt_json: b"{}".to_vec(),
        identities: BTreeMap::new(),
        originals: BTreeMap::new(),
        content: PackContent::Unmasked(Unmasking::new(&ivan, "a test pack").unwrap()),
        case_counts: evidence::Counts {
            alerts: 0,
            events: 1,
        },
    };
    let pack = dir.path().join("pack.zip");
    evidence::build(&input, std::fs::File::create(&pack).unwrap()).unwrap();
    let (code, text) = run(probity(data).args(["case", "verify-pack"]).arg(&pack));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact"));

    // Re-zip with report.html changed.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&pack).unwrap()).unwrap();
    let tampered = dir.path().join("tampered.zip");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&tampered).unwrap());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "report.html" {
            bytes.extend_from_slice(b"<!-- edited -->");
        }
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    let (code, text) = run(probity(data).args(["case", "verify-pack"]).arg(&tampered));
    assert_eq!(code, 1);
    assert!(text.contains("changed: report.html"), "{text}");

    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"not a zip").unwrap();
    let (code, text) = run(probity(data).args(["case", "verify-pack"]).arg(&junk));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("FAILED"));
}

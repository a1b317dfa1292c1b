//! The synthetic force: determinism, every file read by Probity's own decoders, and a ground
//! truth that points at events that exist.

// Helpers shared by the tests unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use probity_ingest::csv::Mapping;
use probity_ingest::{Batch, Context, Limits};
use probity_model::Event;
use probity_sim::{FILES, Kind, SimConfig, Summary, simulate};
use serde_json::Value;

/// The default force (500 staff, 30 days, seed 1), simulated once for all tests in this file.
fn default_force() -> &'static (PathBuf, Summary) {
    static FORCE: OnceLock<(PathBuf, Summary)> = OnceLock::new();
    FORCE.get_or_init(|| {
        // One folder per test process: nextest runs each test in a process of its own, at once.
        // Folders left by processes that have ended are removed first.
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        if let Ok(entries) = std::fs::read_dir(base) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(pid) = name.strip_prefix("probity-sim-default-") else {
                    continue;
                };
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(format!("probity-sim-default-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let summary = simulate(&SimConfig::default(), &dir).expect("the default force simulates");
        (dir, summary)
    })
}

fn truth() -> &'static Value {
    static TRUTH: OnceLock<Value> = OnceLock::new();
    TRUTH.get_or_init(|| {
        let (dir, _) = default_force();
        let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json exists");
        serde_json::from_str(&text).expect("truth.json is JSON")
    })
}

fn scenarios() -> &'static [Value] {
    truth()["scenarios"]
        .as_array()
        .expect("scenarios is a list")
}

fn context() -> Context {
    Context::new("test", Limits::default())
}

/// The decoded events of each log file, decoded once.
fn decoded() -> &'static HashMap<&'static str, Batch> {
    static DECODED: OnceLock<HashMap<&'static str, Batch>> = OnceLock::new();
    DECODED.get_or_init(|| {
        let (dir, _) = default_force();
        let mut out = HashMap::new();

        let mapping = Mapping::load(&dir.join("logs/records-audit.mapping.yaml"))
            .expect("the generated mapping loads");
        let mut batch = Batch::new();
        let audit = File::open(dir.join("logs/records-audit.csv")).expect("audit exists");
        probity_ingest::csv::decode(audit, &mapping, &mut context(), &mut batch)
            .expect("the audit export decodes");
        out.insert("logs/records-audit.csv", batch);

        for name in ["logs/signins.ndjson", "logs/endpoint.ndjson"] {
            let mut batch = Batch::new();
            let file = BufReader::new(File::open(dir.join(name)).expect("log exists"));
            probity_ingest::json::decode_ndjson(file, &mut context(), &mut batch)
                .expect("the NDJSON decodes");
            out.insert(name, batch);
        }

        let mut batch = Batch::new();
        let mbox = File::open(dir.join("logs/mail.mbox")).expect("mailbox exists");
        probity_ingest::mail::decode_mbox(mbox, &mut context(), &mut batch)
            .expect("the mailbox decodes");
        out.insert("logs/mail.mbox", batch);
        out
    })
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("reference file exists");
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|row| {
            let row = row.expect("a well-formed row");
            headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn text(event: &Event, field: &str) -> Option<String> {
    event.get(field).and_then(|v| v.as_text())
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let config = SimConfig {
        staff: 250,
        days: 8,
        seed: 7,
        ..SimConfig::default()
    };
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let third = tempfile::tempdir().unwrap();
    simulate(&config, first.path()).unwrap();
    simulate(&config, second.path()).unwrap();
    let other = SimConfig { seed: 8, ..config };
    simulate(&other, third.path()).unwrap();
    for name in FILES {
        let a = std::fs::read(first.path().join(name)).unwrap();
        let b = std::fs::read(second.path().join(name)).unwrap();
        assert!(!a.is_empty(), "{name} is empty");
        assert!(a == b, "{name} differs between two runs with the same seed");
    }
    for name in [
        "reference/staff.csv",
        "logs/records-audit.csv",
        "logs/mail.mbox",
        "truth.json",
    ] {
        let a = std::fs::read(first.path().join(name)).unwrap();
        let c = std::fs::read(third.path().join(name)).unwrap();
        assert!(a != c, "{name} is the same for seeds 7 and 8");
    }
}

#[test]
fn settings_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for config in [
        SimConfig {
            staff: 10,
            ..SimConfig::default()
        },
        SimConfig {
            days: 0,
            ..SimConfig::default()
        },
        SimConfig {
            insiders_per_thousand: 500,
            ..SimConfig::default()
        },
    ] {
        let error = simulate(&config, dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("invalid simulation settings"),
            "{error}"
        );
    }
}

#[test]
fn every_log_decodes_with_no_dead_letters_and_the_counts_match() {
    let (_, summary) = default_force();
    for (name, batch) in decoded() {
        assert!(
            batch.rejected.is_empty(),
            "{name}: {} dead letters, first: {:?}",
            batch.rejected.len(),
            batch.rejected.first().map(|d| (&d.reason, &d.location))
        );
        let expected = summary.records(name).unwrap();
        assert_eq!(batch.events.len() as u64, expected, "{name}");
        assert!(expected > 1000, "{name} has only {expected} records");
    }
}

#[test]
fn audit_rows_become_record_events() {
    let (dir, _) = default_force();
    let staff = read_csv(&dir.join("reference/staff.csv"));
    let accounts: HashSet<String> = staff
        .iter()
        .map(|s| s["accounts"].split(';').next().unwrap().to_uppercase())
        .collect();
    let events = &decoded()["logs/records-audit.csv"].events;
    let mut actions: BTreeMap<String, usize> = BTreeMap::new();
    let mut systems: BTreeMap<String, usize> = BTreeMap::new();
    for event in events {
        let record = event.record.as_ref().expect("a record event");
        *actions.entry(record.action.clone().unwrap()).or_default() += 1;
        *systems.entry(record.system.clone().unwrap()).or_default() += 1;
        assert!(
            accounts.contains(event.user_name().unwrap()),
            "{:?}",
            event.user_name()
        );
        let kind = record.subject.kind.as_deref().unwrap();
        assert!(["person", "vehicle", "address"].contains(&kind), "{kind}");
        assert!(event.host.as_ref().and_then(|h| h.name.as_ref()).is_some());
        assert!(event.source.as_ref().and_then(|s| s.ip.as_ref()).is_some());
    }
    for action in ["search", "view", "update", "print", "export"] {
        assert!(
            actions.get(action).copied().unwrap_or(0) > 0,
            "no {action}: {actions:?}"
        );
    }
    for system in ["NICHE", "PNC", "PND"] {
        assert!(
            systems.get(system).copied().unwrap_or(0) > 0,
            "no {system}: {systems:?}"
        );
    }
    // Rows are in time order, as an export is.
    assert!(events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
}

#[test]
fn sign_ins_endpoint_events_and_mail_carry_what_detections_need() {
    let decoded = decoded();
    let sign_ins = &decoded["logs/signins.ndjson"].events;
    assert!(
        sign_ins
            .iter()
            .all(|e| e.event.category == ["authentication"])
    );
    assert!(
        sign_ins
            .iter()
            .any(|e| e.event.outcome.as_deref() == Some("failure"))
    );
    assert!(
        sign_ins
            .iter()
            .all(|e| e.user_name().is_some() && e.source.is_some())
    );
    assert!(
        sign_ins
            .iter()
            .any(|e| text(e, "service.name").as_deref() == Some("Remote access VPN"))
    );

    let endpoint = &decoded["logs/endpoint.ndjson"].events;
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for event in endpoint {
        *codes.entry(event.event.code.clone().unwrap()).or_default() += 1;
    }
    for code in ["4624", "4625", "4634", "4688", "6416", "4663", "307"] {
        assert!(codes.contains_key(code), "no {code}: {codes:?}");
    }
    let logon = endpoint
        .iter()
        .find(|e| e.event.code.as_deref() == Some("4624"))
        .unwrap();
    assert_eq!(logon.action(), Some("logged-in"));
    assert!(
        !logon.user_name().unwrap().ends_with('$'),
        "the account that logged on"
    );
    let copy = endpoint
        .iter()
        .find(|e| e.event.code.as_deref() == Some("4663"))
        .unwrap();
    assert!(
        copy.file
            .as_ref()
            .unwrap()
            .path
            .as_deref()
            .unwrap()
            .starts_with("E:\\")
    );
    let print = endpoint
        .iter()
        .find(|e| e.event.code.as_deref() == Some("307"))
        .unwrap();
    assert!(print.user_name().is_some(), "a print job names its user");
    let process = endpoint
        .iter()
        .find(|e| e.event.code.as_deref() == Some("4688"))
        .unwrap();
    assert!(process.process.as_ref().unwrap().executable.is_some());

    let mail = &decoded["logs/mail.mbox"].events;
    assert!(mail.iter().all(|e| {
        let email = e.email.as_ref().unwrap();
        !email.from.is_empty() && !email.to.is_empty() && email.message_id.is_some()
    }));
    assert!(
        mail.iter()
            .any(|e| !e.email.as_ref().unwrap().attachments.is_empty())
    );
    let external = mail.iter().any(|e| {
        e.email
            .as_ref()
            .unwrap()
            .to
            .iter()
            .any(|a| a.as_str().ends_with("@cps.gov.uk"))
    });
    assert!(external, "some mail goes to partner agencies");
}

/// The id a decoded event carries for its source, as the ground truth names it.
fn source_id(file: &str, event: &Event) -> Option<String> {
    match file {
        "logs/records-audit.csv" => text(event, "Audit ID"),
        "logs/signins.ndjson" => text(event, "event.id").or_else(|| {
            event
                .original
                .get("event")?
                .get("id")?
                .as_str()
                .map(str::to_owned)
        }),
        "logs/endpoint.ndjson" => text(event, "winlog.record_id"),
        "logs/mail.mbox" => event
            .email
            .as_ref()?
            .message_id
            .as_ref()
            .map(|id| format!("<{id}>")),
        _ => None,
    }
}

#[test]
fn ground_truth_points_at_events_that_exist() {
    let decoded = decoded();
    let mut by_location: HashMap<(&str, &str), &Event> = HashMap::new();
    for (file, batch) in decoded {
        for event in &batch.events {
            let location = event.provenance.location.as_deref().unwrap();
            by_location.insert((file, location), event);
        }
    }
    let mut checked = 0;
    for scenario in scenarios() {
        let events = scenario["events"].as_array().unwrap();
        assert!(!events.is_empty(), "{} has no events", scenario["id"]);
        let start = scenario["start"].as_str().unwrap();
        let end = scenario["end"].as_str().unwrap();
        assert!(start <= end);
        for key in events {
            let file = key["file"].as_str().unwrap();
            let location = key["location"].as_str().unwrap();
            let event = by_location
                .get(&(file, location))
                .unwrap_or_else(|| panic!("{file} {location} of {} not found", scenario["id"]));
            assert_eq!(
                source_id(file, event).as_deref(),
                key["id"].as_str(),
                "{file} {location}"
            );
            let at = event.timestamp.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(at, key["at"].as_str().unwrap(), "{file} {location}: time");
            assert!(start <= at.as_str() && at.as_str() <= end);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} events checked");
}

#[test]
fn false_references_do_not_justify_the_lookup() {
    let (dir, _) = default_force();
    let tasking = read_csv(&dir.join("reference/tasking.csv"));
    let persons: HashMap<&str, &str> = tasking
        .iter()
        .map(|t| (t["reference"].as_str(), t["persons"].as_str()))
        .collect();
    let events = &decoded()["logs/records-audit.csv"].events;
    let by_location: HashMap<&str, &Event> = events
        .iter()
        .map(|e| (e.provenance.location.as_deref().unwrap(), e))
        .collect();
    let mut stated = 0;
    for scenario in scenarios() {
        if scenario["variant"] != "false_reference" {
            continue;
        }
        for key in scenario["events"].as_array().unwrap() {
            let event = by_location[key["location"].as_str().unwrap()];
            let record = event.record.as_ref().unwrap();
            let reference = record.incident_ref.as_deref().unwrap();
            let subject = record.subject.id.as_ref().unwrap().as_str();
            match persons.get(reference) {
                None => {}
                Some(linked) => assert!(!linked.contains(subject), "{reference} links {subject}"),
            }
            stated += 1;
        }
    }
    assert!(stated > 0);
}

#[test]
fn every_kind_of_misuse_and_the_hard_negatives_are_present() {
    let mut misuse: BTreeMap<String, usize> = BTreeMap::new();
    let mut negatives: BTreeMap<String, usize> = BTreeMap::new();
    let mut relationship_variants = HashSet::new();
    let mut departing_variants = HashSet::new();
    for scenario in scenarios() {
        let kind = scenario["kind"].as_str().unwrap().to_owned();
        let variant = scenario["variant"].as_str().unwrap().to_owned();
        if scenario["hard_negative"].as_bool().unwrap() {
            assert!(
                scenario["expected_detections"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
            assert!(!scenario["tempts"].as_array().unwrap().is_empty());
            *negatives.entry(variant).or_default() += 1;
            continue;
        }
        assert!(
            scenario["expected_detections"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k.as_str() == Some(kind.as_str())),
            "{} is expected to trigger its own kind",
            scenario["id"]
        );
        match kind.as_str() {
            "relationship" => {
                relationship_variants.insert(variant);
            }
            "departing" => {
                departing_variants.insert(variant);
            }
            _ => {}
        }
        *misuse.entry(kind).or_default() += 1;
    }
    for kind in Kind::ALL {
        assert!(
            misuse.contains_key(kind.name()),
            "no {}: {misuse:?}",
            kind.name()
        );
    }
    for variant in [
        "self",
        "relative",
        "associate",
        "neighbour",
        "surname_area",
        "own_vehicle",
        "colleague",
    ] {
        assert!(
            relationship_variants.contains(variant),
            "no relationship/{variant}"
        );
    }
    for variant in ["export", "print", "usb", "personal_email"] {
        assert!(
            departing_variants.contains(variant),
            "no departing/{variant}"
        );
    }
    for variant in [
        "tasked_relative",
        "overtime_shift",
        "tasked_analyst",
        "authorised_by_tasking",
        "mutual_aid",
        "handover",
        "major_incident",
    ] {
        assert!(
            negatives.contains_key(variant),
            "no hard negative {variant}: {negatives:?}"
        );
    }
    // A handful of insiders, not a crowd.
    let insiders = truth()["insiders"].as_array().unwrap().len();
    assert!(
        (6..=25).contains(&insiders),
        "{insiders} insiders in 500 staff"
    );
}

#[test]
fn reference_files_agree_with_each_other() {
    let (dir, _) = default_force();
    let staff = read_csv(&dir.join("reference/staff.csv"));
    let subjects = read_csv(&dir.join("reference/subjects.csv"));
    let tasking = read_csv(&dir.join("reference/tasking.csv"));
    let watchlist = read_csv(&dir.join("reference/watchlist.csv"));
    let rosters = read_csv(&dir.join("reference/rosters.csv"));
    let staff_ids: HashSet<&str> = staff.iter().map(|s| s["staff_id"].as_str()).collect();
    let subject_ids: HashSet<&str> = subjects.iter().map(|s| s["subject_id"].as_str()).collect();
    assert_eq!(staff_ids.len(), 500);
    for member in &staff {
        let manager = member["line_manager"].as_str();
        assert!(
            manager.is_empty() || staff_ids.contains(manager),
            "manager {manager}"
        );
        assert!(!member["accounts"].is_empty() && member["accounts"].contains('@'));
    }
    for task in &tasking {
        for id in task["assigned_staff"].split(';').filter(|s| !s.is_empty()) {
            assert!(
                staff_ids.contains(id),
                "{} assigns unknown {id}",
                task["reference"]
            );
        }
        for link in task["persons"].split(';').filter(|s| !s.is_empty()) {
            let (id, role) = link.split_once(':').unwrap();
            assert!(
                subject_ids.contains(id),
                "{} links unknown {id}",
                task["reference"]
            );
            assert!(!role.is_empty());
        }
        for address in task["addresses"].split(';').filter(|s| !s.is_empty()) {
            assert!(subject_ids.contains(address));
        }
        for vrm in task["vehicles"].split(';').filter(|s| !s.is_empty()) {
            let id = format!("V-{}", vrm.replace(' ', ""));
            assert!(subject_ids.contains(id.as_str()), "{vrm}");
        }
    }
    for entry in &watchlist {
        assert!(subject_ids.contains(entry["subject_id"].as_str()));
        for id in entry["authorised_staff"]
            .split(';')
            .filter(|s| !s.is_empty())
        {
            assert!(staff_ids.contains(id));
        }
    }
    let kinds: HashSet<&str> = watchlist.iter().map(|w| w["kind"].as_str()).collect();
    for kind in [
        "celebrity",
        "da_victim",
        "sexual_offence_victim",
        "protected_person",
        "staff_member",
    ] {
        assert!(kinds.contains(kind), "no watch list entries of kind {kind}");
    }
    assert!(rosters.len() >= 500 * 30);
    let duties: HashSet<&str> = rosters.iter().map(|r| r["duty"].as_str()).collect();
    for duty in [
        "early",
        "late",
        "night",
        "day",
        "rest",
        "annual_leave",
        "overtime",
    ] {
        assert!(duties.contains(duty), "no {duty} duty");
    }
    for scenario in scenarios() {
        assert!(staff_ids.contains(scenario["staff_id"].as_str().unwrap()));
        for subject in scenario["subjects"].as_array().unwrap() {
            assert!(subject_ids.contains(subject.as_str().unwrap()), "{subject}");
        }
    }
}

fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// How many single-letter edits turn one word into the other.
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut previous = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let current = row[j];
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (row[j] + 1).min(row[j - 1] + 1).min(previous + cost);
            previous = current;
        }
    }
    row[b.len()]
}

#[test]
fn relationship_scenarios_are_findable_from_the_reference_data() {
    let (dir, _) = default_force();
    let staff: HashMap<String, BTreeMap<String, String>> =
        read_csv(&dir.join("reference/staff.csv"))
            .into_iter()
            .map(|s| (s["staff_id"].clone(), s))
            .collect();
    let subjects: HashMap<String, BTreeMap<String, String>> =
        read_csv(&dir.join("reference/subjects.csv"))
            .into_iter()
            .map(|s| (s["subject_id"].clone(), s))
            .collect();
    let mut checked = 0;
    for scenario in scenarios() {
        if scenario["kind"] != "relationship" || scenario["hard_negative"] == true {
            continue;
        }
        let member = &staff[scenario["staff_id"].as_str().unwrap()];
        let subject_id = scenario["subjects"][0].as_str().unwrap();
        let subject = &subjects[subject_id];
        let variant = scenario["variant"].as_str().unwrap();
        let surname = normalised(&subject["surname"]);
        match variant {
            "self" => assert_eq!(subject["date_of_birth"], member["date_of_birth"]),
            "relative" | "associate" => {
                let declared = member["relatives"].split("; ").any(|entry| {
                    let name = entry.split(" (").next().unwrap_or("");
                    let last = normalised(name.rsplit(' ').next().unwrap_or(""));
                    entry.contains(if variant == "associate" {
                        "(associate)"
                    } else {
                        "("
                    }) && edits(&last, &surname) <= 2
                });
                assert!(
                    declared,
                    "{subject_id} is not among {}",
                    member["relatives"]
                );
            }
            "neighbour" => {
                assert_eq!(
                    normalised(&subject["postcode"]),
                    normalised(&member["postcode"])
                );
                assert_ne!(
                    normalised(&subject["address"]),
                    normalised(&member["home_address"])
                );
            }
            "surname_area" => {
                assert!(edits(&surname, &normalised(&member["surname"])) <= 2);
                let home = subjects
                    .values()
                    .find(|s| {
                        s["kind"] == "person"
                            && s["date_of_birth"] == member["date_of_birth"]
                            && normalised(&s["address"]) == normalised(&member["home_address"])
                    })
                    .expect("the member of staff's own record");
                assert_eq!(subject["area"], home["area"]);
                let forename = subject["forenames"].split(' ').next().unwrap();
                let declared_name = format!("{forename} {} (", member["surname"]);
                assert!(
                    !member["relatives"].contains(&declared_name),
                    "the cousin is undeclared"
                );
            }
            "own_vehicle" => {
                let vehicles: Vec<String> = member["vehicles"].split(';').map(normalised).collect();
                assert!(vehicles.contains(&normalised(&subject["vrm"])));
            }
            "colleague" => {
                let colleague = staff.values().find(|s| {
                    s["date_of_birth"] == subject["date_of_birth"]
                        && edits(&normalised(&s["surname"]), &surname) <= 2
                });
                let colleague = colleague.expect("the subject is a member of staff");
                assert_eq!(colleague["team"], member["team"]);
            }
            other => panic!("unknown variant {other}"),
        }
        checked += 1;
    }
    assert!(checked >= 7, "{checked}");
}

/// Times a large force in release mode:
/// `cargo test --release -p probity-sim --test simulate -- --ignored --nocapture`.
#[test]
#[ignore = "slow: run in release mode to measure"]
fn large_forces() {
    for (staff, days) in [(46_000usize, 1u32), (2_000, 60)] {
        let dir = tempfile::tempdir().unwrap();
        let config = SimConfig {
            staff,
            days,
            ..SimConfig::default()
        };
        let summary = simulate(&config, dir.path()).unwrap();
        println!("{summary}");
    }
}

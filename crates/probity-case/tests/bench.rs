//! Figures, not assertions: `cargo test -p probity-case --test bench -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{TimeZone, Utc};

use probity_case::evidence::{self, ContentMask, PackContent, PackInput};
use probity_case::{Case, CaseState};
use probity_model::{Event, EventId, Format, Provenance, Record, RecordSubject, User};

fn event(i: usize) -> Event {
    let at =
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::seconds(i as i64);
    let mut event = Event::new(
        at,
        Provenance {
            id: EventId::derive(Format::Ndjson, format!("event {i}").as_bytes(), 0),
            source: "file:/logs/records.ndjson".into(),
            format: Format::Ndjson,
            ingested: at,
            location: Some(format!("line {i}")),
        },
    );
    event.event.action = Some("view".into());
    event.message = Some(format!(
        "user{} viewed record {i} for incident INC-{i}",
        i % 50
    ));
    event.user = Some(User {
        name: Some(format!("user{}", i % 50).into()),
        ..User::default()
    });
    event.record = Some(Record {
        system: Some("PNC".into()),
        action: Some("view".into()),
        subject: RecordSubject {
            kind: Some("person".into()),
            id: Some(format!("PNC-{i}").into()),
            name: None,
        },
        ..Record::default()
    });
    event
}

#[test]
#[ignore = "benchmark: prints figures"]
fn pack_build_and_verify_speed() {
    let events: Vec<Event> = (0..10_000).map(event).collect();
    let mut identities = BTreeMap::new();
    for n in 0..50 {
        identities.insert(format!("user{n}"), format!("P-AAAA-BBBB-{n:04}"));
    }
    let at = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    let input = PackInput {
        case: Case {
            id: "C-000001".into(),
            title: "Bench".into(),
            state: CaseState::Investigating,
            subjects: vec![],
            created_by: "ana".into(),
            created_at: at,
            authorised_by: Some("olive".into()),
            authorised_at: Some(at),
            assigned_to: None,
            legal_hold: false,
            summary: String::new(),
            updated_at: at,
        },
        notes: vec![],
        links: vec![],
        alerts: vec![],
        events,
        exported_by: "account:ivan".into(),
        exported_at: at,
        audit_excerpt_json: b"{}".to_vec(),
        identities,
        originals: BTreeMap::new(),
        content: PackContent::Masked(std::sync::Arc::new(NothingToMask)),
        case_counts: evidence::Counts {
            alerts: 0,
            events: 10_000,
        },
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.zip");
    let started = Instant::now();
    let summary = evidence::build(&input, std::fs::File::create(&path).unwrap()).unwrap();
    let built = started.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();
    let started = Instant::now();
    let report = evidence::verify(&path).unwrap();
    let verified = started.elapsed();
    assert!(report.ok());
    println!(
        "pack: {} events, {} files, {:.1} MB zip; build {:.2} s ({:.0} events/s); verify {:.2} s",
        summary.events,
        summary.files,
        size as f64 / 1e6,
        built.as_secs_f64(),
        summary.events as f64 / built.as_secs_f64(),
        verified.as_secs_f64()
    );
}

/// The events here carry no message content, so there is nothing to mask.
#[derive(Debug)]
struct NothingToMask;

impl ContentMask for NothingToMask {
    fn event(&self, _: &mut Event) {}
    fn alert(&self, _: &mut probity_model::Alert) {}
}

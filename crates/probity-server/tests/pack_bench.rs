//! Figures, not assertions: what an evidence pack of a large case costs to build as the workbench
//! builds it (masked with the workbench's redactor, in memory).
//! `cargo test --release -p probity-server --test pack_bench -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};

use probity_case::evidence::{self, ContentMask, PackContent, PackInput};
use probity_case::{Case, CaseState};
use probity_comms::{Redactor, StaffDirectory};
use probity_model::{
    Alert, AlertId, AlertRule, Email, Event, EventId, EventRef, Format, Level, MatchedField,
    Provenance,
};

/// A message from an officer about a member of the public, about 1.5 KB of body.
fn message(i: usize) -> Event {
    let at =
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::seconds(i as i64);
    let mut event = Event::new(
        at,
        Provenance {
            id: EventId::derive(Format::Mbox, format!("message {i}").as_bytes(), 0),
            source: "file:/mail/export.mbox".into(),
            format: Format::Mbox,
            ingested: at,
            location: Some(format!("message {i}")),
        },
    );
    let body = format!(
        "Hi,\n\nKaren Whitfield of 14 Larch Grove, Leeds LS6 2AB rang again about case {i}. Her \
         mobile is 07700 900{:03} and her email karen.w{i}@gmail.com. She says her neighbour \
         Mr David Brown has been parking across her drive since {}/03/2026.\n\n{}\n\nRegards,\n\
         Jane Smith\nPC 1234, Neighbourhood Team\n",
        i % 1000,
        1 + i % 28,
        "I told her we would look into it and that someone would call back this week. ".repeat(14)
    );
    event.email = Some(Email {
        from: vec!["jane.smith@force.police.uk".into()],
        to: vec![format!("karen.w{i}@gmail.com").into()],
        subject: Some(format!("Karen Whitfield complaint {i}")),
        body: Some(body),
        ..Email::default()
    });
    event.original.insert(
        "From".into(),
        "Jane Smith <jane.smith@force.police.uk>".into(),
    );
    event.original.insert(
        "To".into(),
        format!("Karen Whitfield <karen.w{i}@gmail.com>").into(),
    );
    event
}

fn alert(events: &[Event], i: usize) -> Alert {
    let rule = AlertRule {
        kind: "content".into(),
        id: "abuse/general_abuse".into(),
        title: "Abusive language".into(),
        tags: vec![],
    };
    let refs: Vec<EventRef> = events
        .iter()
        .skip(i * 10)
        .take(10)
        .map(|e| EventRef {
            id: e.provenance.id,
            timestamp: e.timestamp,
        })
        .collect();
    Alert {
        id: AlertId::derive(&rule, &refs),
        created: Utc::now(),
        rule,
        level: Level::Medium,
        explanation: format!(
            "abusive remark about Karen Whitfield, 07700 900{:03}",
            i % 1000
        ),
        matched: vec![MatchedField {
            field: "email.body".into(),
            value: "Karen Whitfield ... nightmare woman".into(),
        }],
        events: refs,
        user: Some("jane.smith@force.police.uk".into()),
        host: None,
    }
}

#[derive(Debug)]
struct RedactorMask(Redactor);

impl ContentMask for RedactorMask {
    fn event(&self, event: &mut Event) {
        self.0.event(event);
    }
    fn alert(&self, alert: &mut Alert) {
        self.0.alert(alert);
    }
}

/// The process's peak resident memory so far, in MB (Linux).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
#[ignore = "benchmark: prints figures"]
fn a_pack_of_a_large_case() {
    for (events, alerts) in [(5_000, 500), (20_000, 2_000)] {
        let at = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
        let events: Vec<Event> = (0..events).map(message).collect();
        let alerts: Vec<Alert> = (0..alerts).map(|i| alert(&events, i)).collect();
        let redactor = Redactor::new(&StaffDirectory {
            names: vec!["Jane Smith".into()],
            addresses: vec!["jane.smith@force.police.uk".into()],
            domains: vec!["force.police.uk".into()],
        })
        .unwrap();
        let case_counts = evidence::Counts {
            alerts: alerts.len(),
            events: events.len(),
        };
        let mut identities = BTreeMap::new();
        identities.insert(
            "jane.smith@force.police.uk".to_owned(),
            "P-AAAA-BBBB-0001".to_owned(),
        );
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
            alerts,
            events,
            exported_by: "account:ivan".into(),
            exported_at: at,
            audit_excerpt_json: b"{}".to_vec(),
            identities,
            originals: BTreeMap::new(),
            content: PackContent::Masked(Arc::new(RedactorMask(redactor))),
            case_counts,
        };
        let before = peak_rss_mb();
        let started = Instant::now();
        let mut out = std::io::Cursor::new(Vec::new());
        let summary = evidence::build(&input, &mut out).unwrap();
        let built = started.elapsed();
        println!(
            "pack: {} events, {} alerts, {} files, {:.1} MB zip; build {:.1} s; peak memory \
             {:.0} MB before, {:.0} MB after",
            summary.events,
            summary.alerts,
            summary.files,
            out.get_ref().len() as f64 / 1e6,
            built.as_secs_f64(),
            before,
            peak_rss_mb()
        );
    }
}

//! Correlation rules on hand-made event streams: every type, group-by, aliases, expiry of
//! windows by event time, ordering, and upper-bound conditions decided when a window closes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use probity_detect::{CorrelationAlert, CorrelationKind, Correlator, CorrelatorLimits, Engine};
use probity_model::Event;
use serde_json::json;

use common::event_at;

const BASE: &str = r#"
title: Failed logon
id: failed-logon
name: failed_logon
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Successful logon
id: good-logon
name: good_logon
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4624
    condition: selection
---
title: Account created
id: account-created
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4720
    condition: selection
"#;

fn engine(correlation: &str) -> Engine {
    common::engine(&format!("{BASE}---\n{correlation}"))
}

fn logon(second: i64, id: u32, user: &str, host: &str) -> Event {
    event_at(
        second,
        json!({"Channel": "Security", "EventID": id, "TargetUserName": user, "IpAddress": host, "SubjectUserName": user}),
    )
}

/// Feeds events in order and returns every alert, including those reported at the end.
fn run(engine: &Engine, events: &[Event]) -> Vec<CorrelationAlert> {
    let mut correlator = Correlator::new(engine);
    let mut alerts = Vec::new();
    for event in events {
        let mut detections = Vec::new();
        engine.evaluate(event, &mut detections);
        alerts.extend(correlator.observe(event, &detections));
    }
    alerts.extend(correlator.finish());
    alerts
}

#[test]
fn event_count_with_group_by_and_expiry() {
    let engine = engine(
        r#"
title: Brute force
id: brute-force
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 60s
    condition: {gte: 3}
level: high
"#,
    );
    assert_eq!(engine.correlations().len(), 1);
    // Three failures for bob within a minute; alice's two do not count towards bob.
    let events = vec![
        logon(0, 4625, "bob", "10.0.0.1"),
        logon(10, 4625, "alice", "10.0.0.1"),
        logon(20, 4625, "bob", "10.0.0.2"),
        logon(30, 4625, "alice", "10.0.0.1"),
        logon(50, 4625, "bob", "10.0.0.3"),
    ];
    let alerts = run(&engine, &events);
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.rule.id, "brute-force");
    assert_eq!(alert.kind, CorrelationKind::EventCount);
    assert_eq!(
        alert.group,
        vec![("TargetUserName".to_owned(), "bob".to_owned())]
    );
    assert_eq!(alert.count, 3);
    assert_eq!(alert.events.len(), 3);
    assert_eq!(alert.rules, vec!["failed-logon"]);
    assert_eq!((alert.last - alert.first).num_seconds(), 50);

    // Spread over more than the timespan, the old failures expire.
    let slow = vec![
        logon(0, 4625, "bob", "h"),
        logon(40, 4625, "bob", "h"),
        logon(100, 4625, "bob", "h"),
        logon(170, 4625, "bob", "h"),
    ];
    assert!(run(&engine, &slow).is_empty());
}

#[test]
fn value_count_counts_distinct_values() {
    let engine = engine(
        r#"
title: Password spray
id: spray
correlation:
    type: value_count
    rules: [failed-logon]
    group-by: [IpAddress]
    timespan: 5m
    condition:
        gte: 3
        field: TargetUserName
"#,
    );
    let same_user = vec![
        logon(0, 4625, "bob", "10.1.1.1"),
        logon(1, 4625, "bob", "10.1.1.1"),
        logon(2, 4625, "bob", "10.1.1.1"),
    ];
    assert!(run(&engine, &same_user).is_empty());
    let spray = vec![
        logon(0, 4625, "bob", "10.1.1.1"),
        logon(1, 4625, "alice", "10.1.1.1"),
        logon(2, 4625, "bob", "10.1.1.1"),
        logon(3, 4625, "carol", "10.1.1.1"),
    ];
    let alerts = run(&engine, &spray);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].count, 3);
    assert_eq!(alerts[0].group[0].1, "10.1.1.1");
}

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let engine = engine(
        r#"
title: Failure then success, either order
id: temporal
correlation:
    type: temporal
    rules: [failed_logon, good_logon]
    group-by: [TargetUserName]
    timespan: 30s
"#,
    );
    let reversed = vec![logon(0, 4624, "bob", "h"), logon(5, 4625, "bob", "h")];
    let alerts = run(&engine, &reversed);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].count, 2);
    let only_one = vec![logon(0, 4625, "bob", "h"), logon(5, 4625, "bob", "h")];
    assert!(run(&engine, &only_one).is_empty());
    let too_far = vec![logon(0, 4625, "bob", "h"), logon(60, 4624, "bob", "h")];
    assert!(run(&engine, &too_far).is_empty());
    let other_user = vec![logon(0, 4625, "bob", "h"), logon(5, 4624, "alice", "h")];
    assert!(run(&engine, &other_user).is_empty());
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let engine = engine(
        r#"
title: Failures then success then account creation
id: ordered
correlation:
    type: temporal_ordered
    rules: [failed_logon, good_logon, account-created]
    group-by: [SubjectUserName]
    timespan: 10m
"#,
    );
    let in_order = vec![
        logon(0, 4625, "bob", "h"),
        logon(10, 4624, "bob", "h"),
        logon(20, 4720, "bob", "h"),
    ];
    let alerts = run(&engine, &in_order);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].count, 3);
    assert_eq!(
        alerts[0].rules,
        vec!["failed-logon", "good-logon", "account-created"]
    );
    let out_of_order = vec![
        logon(0, 4624, "bob", "h"),
        logon(10, 4625, "bob", "h"),
        logon(20, 4720, "bob", "h"),
    ];
    assert!(run(&engine, &out_of_order).is_empty());
}

#[test]
fn aliases_join_differently_named_fields() {
    let engine = engine(
        r#"
title: Same account, failing then created
id: aliased
correlation:
    type: temporal
    rules: [failed-logon, account-created]
    group-by: [account]
    timespan: 1h
    aliases:
        account:
            failed-logon: TargetUserName
            account-created: SamAccountName
"#,
    );
    let events = vec![
        logon(0, 4625, "mallory", "h"),
        event_at(
            30,
            json!({"Channel": "Security", "EventID": 4720, "SamAccountName": "mallory"}),
        ),
    ];
    let alerts = run(&engine, &events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].group,
        vec![("account".to_owned(), "mallory".to_owned())]
    );
}

#[test]
fn upper_bounds_are_decided_when_the_window_closes() {
    let engine = engine(
        r#"
title: Exactly two failures in a minute
id: exactly-two
correlation:
    type: event_count
    rules: [failed-logon]
    group-by: [TargetUserName]
    timespan: 1m
    condition: {eq: 2}
"#,
    );
    let mut correlator = Correlator::new(&engine);
    let events = [
        logon(0, 4625, "bob", "h"),
        logon(10, 4625, "bob", "h"),
        logon(20, 4625, "carol", "h"),
    ];
    for event in &events {
        let mut detections = Vec::new();
        engine.evaluate(event, &mut detections);
        assert!(
            correlator.observe(event, &detections).is_empty(),
            "not decided yet"
        );
    }
    // An event after bob's window closed decides it.
    let later = logon(100, 4624, "dave", "h");
    let mut detections = Vec::new();
    engine.evaluate(&later, &mut detections);
    let alerts = correlator.observe(&later, &detections);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group[0].1, "bob");
    // carol had one failure: not two. Her window closed too, without an alert.
    assert!(correlator.finish().is_empty());
}

#[test]
fn range_and_lower_bound_reset() {
    let engine = engine(
        r#"
title: Two or three failures
id: range
correlation:
    type: event_count
    rules: [failed-logon]
    timespan: 1h
    condition: {gte: 2, lte: 3}
"#,
    );
    let four = vec![
        logon(0, 4625, "a", "h"),
        logon(1, 4625, "b", "h"),
        logon(2, 4625, "c", "h"),
        logon(3, 4625, "d", "h"),
    ];
    assert!(run(&engine, &four).is_empty(), "four is out of range");
    let three = &four[..3];
    assert_eq!(run(&engine, three).len(), 1);
}

#[test]
fn base_rules_are_marked_for_correlation_only() {
    let engine = engine(
        r#"
title: Brute force
id: brute-force
correlation:
    type: event_count
    rules: [failed_logon]
    timespan: 60s
    condition: {gte: 3}
"#,
    );
    let mut detections = Vec::new();
    engine.evaluate(&logon(0, 4625, "bob", "h"), &mut detections);
    assert_eq!(detections.len(), 1);
    assert!(!detections[0].standalone, "generate defaults to false");
    engine.evaluate(&logon(0, 4624, "bob", "h"), &mut detections);
    assert!(detections[1].standalone);
}

#[test]
fn memory_is_bounded() {
    let engine = engine(
        r#"
title: Many failures per user
id: many
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 1d
    condition: {gte: 1000000}
"#,
    );
    let limits = CorrelatorLimits {
        max_groups: 100,
        max_matches_per_group: 10,
        ..CorrelatorLimits::default()
    };
    let mut correlator = Correlator::with_limits(&engine, limits);
    for n in 0..5_000 {
        let event = logon(n, 4625, &format!("user{}", n % 1000), "h");
        let mut detections = Vec::new();
        engine.evaluate(&event, &mut detections);
        assert!(correlator.observe(&event, &detections).is_empty());
        assert!(correlator.open_groups() <= 100);
    }
}

#[test]
fn unknown_references_are_reported() {
    let engine = engine(
        r#"
title: Broken
id: broken
correlation:
    type: event_count
    rules: [no-such-rule]
    timespan: 60s
    condition: {gte: 3}
"#,
    );
    assert!(engine.correlations().is_empty());
    let problem = &engine.problems()[0];
    assert_eq!(problem.rule_id.as_deref(), Some("broken"));
    assert!(problem.reason.contains("no-such-rule"), "{problem}");
}

//! Every published SigmaHQ rule loads or is reported with a reason, and every positive
//! regression test in SigmaHQ's regression data fires.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use probity_detect::{Engine, Mappings, ProblemKind};

/// Rules that load, measured on the shared data (3,780 files); a drop below means a regression.
const LOADED_FLOOR: usize = 3_740;
/// Positive regression tests that fire, measured (all 202 with an EVTX file).
const CONFORMANCE_FLOOR: usize = 202;
/// Tests whose rule fires more often than their `match_count`: the EVTX files hold that many
/// matching events (checked by hand for IE Change Domain Zone: three SetValue events under
/// ZoneMap\Domains, all matching).
const COUNT_MISMATCHES: usize = 4;

#[test]
fn every_published_rule_loads_or_is_reported() {
    let report = common::load_all();
    let loaded =
        report.rules.rules.len() + report.rules.correlations.len() + report.rules.filters.len();
    let counts = report.counts_by_kind();
    println!("files read: {}, rules loaded: {loaded}", report.files);
    for (kind, count) in &counts {
        println!("  {kind}: {count}");
    }
    for problem in report.problems.iter().filter(|p| p.kind.skips_rule()) {
        println!("  {problem}");
    }
    let skipped = report
        .problems
        .iter()
        .filter(|p| p.kind.skips_rule())
        .count();
    assert_eq!(
        report.files,
        loaded + skipped,
        "every file is a rule or a problem"
    );
    assert!(loaded >= LOADED_FLOOR, "only {loaded} rules loaded");
    for problem in &report.problems {
        assert!(!problem.reason.is_empty());
        assert!(
            problem.line.is_some() || problem.kind == ProblemKind::Io,
            "{problem}"
        );
    }
}

#[test]
fn regression_data_fires_every_rule() {
    let report = common::load_all();
    let engine = Engine::compile(&report.rules, &Mappings::builtin().unwrap()).unwrap();
    println!("{:?}", engine.stats());
    let mut notes: BTreeMap<String, usize> = BTreeMap::new();
    for problem in engine.problems() {
        *notes.entry(problem.kind.to_string()).or_insert(0) += 1;
    }
    println!("compile notes: {notes:?}");
    let tests = common::regression_tests();
    let mut passed = 0;
    let mut with_evtx = 0;
    let mut failures = Vec::new();
    let mut mismatches = 0;
    let mut results: BTreeMap<String, String> = BTreeMap::new();
    for test in &tests {
        let Some(evtx) = &test.evtx else {
            results.insert(test.rule_id.clone(), "no evtx (skipped)".into());
            continue;
        };
        with_evtx += 1;
        let events = common::decode(evtx);
        let mut detections = Vec::new();
        let mut count = 0u64;
        for event in &events {
            detections.clear();
            engine.evaluate(event, &mut detections);
            count += detections
                .iter()
                .filter(|d| d.rule_id() == test.rule_id)
                .count() as u64;
        }
        let loaded = engine.rule(&test.rule_id).is_some();
        let outcome = if count > 0 {
            passed += 1;
            match test.match_count {
                Some(expected) if expected != count => {
                    mismatches += 1;
                    format!("pass (fired {count}, info.yml says {expected})")
                }
                _ => format!("pass ({count})"),
            }
        } else if !loaded {
            failures.push(test.clone());
            "FAIL: rule not loaded".to_owned()
        } else {
            failures.push(test.clone());
            format!("FAIL: did not fire on {} events", events.len())
        };
        results.insert(format!("{} {}", test.rule_id, test.title), outcome);
    }
    for (rule, outcome) in &results {
        println!("{rule}: {outcome}");
    }
    println!(
        "conformance: {passed}/{with_evtx} fired ({} info.yml)",
        tests.len()
    );
    for failure in &failures {
        println!(
            "failed: {} {} ({})",
            failure.rule_id,
            failure.title,
            failure.info.display()
        );
    }
    assert!(
        passed >= CONFORMANCE_FLOOR,
        "only {passed} of {with_evtx} fired"
    );
    assert!(
        mismatches <= COUNT_MISMATCHES,
        "{mismatches} tests fired a different number of times than match_count"
    );
}

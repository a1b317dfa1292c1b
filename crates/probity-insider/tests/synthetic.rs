#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The detections against a simulated force, end to end: the generator's files decoded by the
//! real decoders, every detection run, and the result scored against the ground truth.

use std::path::Path;

use probity_ingest::files::{FileOptions, decode_file};
use probity_insider::eval::{Evaluation, Truth, evaluate};
use probity_insider::{ActivitySink, Policy, Reference, detect_all, load_reference_dir, risk};

fn run(staff: usize, days: u32, seed: u64) -> Evaluation {
    let dir = std::env::temp_dir().join(format!(
        "probity-insider-{staff}-{days}-{seed}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let config = probity_sim::SimConfig {
        seed,
        staff,
        days,
        ..probity_sim::SimConfig::default()
    };
    probity_sim::simulate(&config, &dir).unwrap();
    let reference = Reference::build(load_reference_dir(&dir.join("reference")).unwrap());
    let mut sink = ActivitySink::default();
    let logs = dir.join("logs");
    let mapping_text = std::fs::read_to_string(logs.join("records-audit.mapping.yaml")).unwrap();
    let csv_options = FileOptions {
        mapping: Some(
            probity_ingest::csv::Mapping::from_yaml(
                &mapping_text,
                &logs.join("records-audit.mapping.yaml"),
            )
            .unwrap(),
        ),
        ..FileOptions::default()
    };
    decode_file(&logs.join("records-audit.csv"), &csv_options, &mut sink).unwrap();
    for file in ["signins.ndjson", "endpoint.ndjson", "mail.mbox"] {
        decode_file(&logs.join(file), &FileOptions::default(), &mut sink).unwrap();
    }
    assert_eq!(sink.rejected, 0);
    let truth: Truth =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let now = sink.activities.iter().map(|a| a.at).max().unwrap();
    let policy = Policy::default();
    let (alerts, _) = detect_all(&reference, policy.clone(), &mut sink.activities, now);
    let risks = risk::score(&alerts, Some(&reference), &policy, now);
    let evaluation = evaluate(&truth, &alerts, &sink.keys, &risks);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = Path::new("");
    evaluation
}

#[test]
fn every_kind_of_misuse_is_found_and_insiders_rank_first() {
    let evaluation = run(500, 21, 7);
    println!("{}", evaluation.report());
    let mut alerts = 0;
    let mut true_alerts = 0;
    for (kind, score) in &evaluation.per_detection {
        alerts += score.alerts;
        true_alerts += score.true_alerts;
        if score.scenarios > 0 {
            assert!(
                score.recall.unwrap() >= 0.9,
                "{kind} recall {:?}",
                score.recall
            );
        }
    }
    // Every kind of misuse the generator injects is present and found.
    assert!(
        evaluation
            .per_detection
            .values()
            .filter(|s| s.scenarios > 0)
            .count()
            >= 10
    );
    let precision = true_alerts as f64 / alerts as f64;
    assert!(precision >= 0.9, "overall precision {precision}");
    assert_eq!(
        evaluation.insiders_in_top_five_percent,
        evaluation.insiders.len()
    );
    assert!(evaluation.hard_negatives > 0);
    assert!(
        evaluation.hard_negatives_alerted.is_empty(),
        "{:?}",
        evaluation.hard_negatives_alerted
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! A force's own classifiers in `DATA/policy/models/`: used in place of the shipped ones, and
//! refused with a clear error when damaged, misnamed or a gate without its model.

use std::path::Path;

use probity_comms::{MODEL_DIR, POLICY_DIR, abuse_scanner_for, abuse_scanner_with_models};
use probity_content::train::{Example, Settings, train_and_write};

/// A made-up word that no shipped list or model knows.
const WORD: &str = "blorpish";

/// Trains a misogyny model (and its gate) on texts where `WORD` marks the positive class, into
/// `dir`.
fn train_toy(dir: &Path) {
    let mut examples = Vec::new();
    for i in 0..300 {
        examples.push(Example {
            text: format!("she is so {WORD} today, report {i}"),
            positive: true,
            set: "toy",
        });
        examples.push(Example {
            text: format!("the duty rota for team {i} is attached"),
            positive: false,
            set: "toy",
        });
    }
    let settings = Settings {
        bits: 14,
        ..Settings::default()
    };
    train_and_write(&[], &examples, dir, &settings, "# toy\n").unwrap();
}

fn misogyny_findings(scanner: &probity_content::Scanner, text: &str) -> usize {
    scanner
        .scan("email.body", text)
        .iter()
        .filter(|f| f.category == "misogynistic")
        .count()
}

#[test]
fn a_forces_own_model_replaces_the_shipped_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let text = format!("Honestly she is so {WORD} about the new shift pattern.");

    let shipped = abuse_scanner_for(data).unwrap();
    assert_eq!(misogyny_findings(&shipped, &text), 0);

    // Measured from a folder of its own before being put in place...
    let candidate = dir.path().join("candidate");
    train_toy(&candidate);
    for file in ["misogyny.bin", "misogyny-gate.bin", "REPORT.md"] {
        assert!(candidate.join(file).is_file(), "{file} not written");
    }
    assert!(!candidate.join("abusive.bin").exists());
    let trial = abuse_scanner_with_models(data, &candidate).unwrap();
    assert_eq!(misogyny_findings(&trial, &text), 1);
    assert_eq!(misogyny_findings(&trial, "The duty rota is attached."), 0);
    // ...which leaves the data directory's scanner as it was.
    assert_eq!(
        misogyny_findings(&abuse_scanner_for(data).unwrap(), &text),
        0
    );

    // Then in place.
    let models = data.join(POLICY_DIR).join(MODEL_DIR);
    std::fs::create_dir_all(&models).unwrap();
    for file in ["misogyny.bin", "misogyny-gate.bin"] {
        std::fs::copy(candidate.join(file), models.join(file)).unwrap();
    }
    let local = abuse_scanner_for(data).unwrap();
    assert_eq!(misogyny_findings(&local, &text), 1);
    // The abusive model is still the shipped one.
    let abuse = "You are a useless fucking bitch and everyone knows it.";
    assert_eq!(
        local.scan("email.body", abuse).len(),
        shipped.scan("email.body", abuse).len()
    );

    // A model without its gate runs ungated and still finds it.
    std::fs::remove_file(models.join("misogyny-gate.bin")).unwrap();
    assert_eq!(
        misogyny_findings(&abuse_scanner_for(data).unwrap(), &text),
        1
    );
}

#[test]
fn damaged_misnamed_or_lone_gate_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let models = data.join(POLICY_DIR).join(MODEL_DIR);
    std::fs::create_dir_all(&models).unwrap();

    std::fs::write(models.join("misogyny.bin"), b"PCLR not really a model").unwrap();
    let error = abuse_scanner_for(data).unwrap_err().to_string();
    assert!(error.contains("misogyny"), "{error}");

    std::fs::remove_file(models.join("misogyny.bin")).unwrap();
    let toy = dir.path().join("toy");
    train_toy(&toy);
    std::fs::copy(toy.join("misogyny.bin"), models.join("misogny.bin")).unwrap();
    let error = abuse_scanner_for(data).unwrap_err().to_string();
    assert!(
        error.contains("misogny.bin") && error.contains("not a model this folder may hold"),
        "{error}"
    );

    std::fs::remove_file(models.join("misogny.bin")).unwrap();
    std::fs::copy(
        toy.join("misogyny-gate.bin"),
        models.join("misogyny-gate.bin"),
    )
    .unwrap();
    let error = abuse_scanner_for(data).unwrap_err().to_string();
    assert!(error.contains("no misogyny.bin beside it"), "{error}");

    // A README or report beside the models is fine.
    std::fs::remove_file(models.join("misogyny-gate.bin")).unwrap();
    std::fs::write(models.join("REPORT.md"), "# notes\n").unwrap();
    assert!(abuse_scanner_for(data).is_ok());

    let error = abuse_scanner_with_models(data, &dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing"), "{error}");
}

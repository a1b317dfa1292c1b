//! Golden tests: each rule under `tests/golden/*.yml` compiles to the text in the `.txt` beside
//! it (`Engine::explain`). Set `UPDATE_GOLDEN=1` to rewrite the expected files after a
//! deliberate change, and read the diff.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;

use probity_detect::{Engine, LoadOptions, Mappings, RuleSet};

fn options() -> LoadOptions {
    let mut placeholders = HashMap::new();
    placeholders.insert(
        "Workstations".to_owned(),
        vec!["WS-ADMIN-01".to_owned(), "ws-admin-02".to_owned()],
    );
    LoadOptions {
        placeholders,
        ..LoadOptions::default()
    }
}

#[test]
fn every_golden_rule_compiles_to_its_expected_form() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "golden rules missing");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(case).unwrap();
        let report = RuleSet::parse_str(&name, &text, &options());
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
        let engine = Engine::compile(&report.rules, &Mappings::builtin().unwrap()).unwrap();
        let first = &report.rules.rules[0].info.id;
        let actual = engine.explain(first).unwrap();
        let expected_path = case.with_extension("txt");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "--- {name} expected\n{expected}\n--- {name} actual\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Loading: every unusable rule is reported with file, line and reason, never dropped silently;
//! dangerous regular expressions are refused at load.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use probity_detect::{LoadOptions, ProblemKind, RuleSet};

fn problems(text: &str) -> Vec<probity_detect::RuleProblem> {
    RuleSet::parse_str("bad.yml", text, &LoadOptions::default()).problems
}

fn only_problem(text: &str) -> probity_detect::RuleProblem {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

const GOOD: &str =
    "title: Good\nid: good\ndetection:\n    selection:\n        A: b\n    condition: selection\n";

#[test]
fn yaml_errors_name_the_line() {
    let problem = only_problem(
        "title: Bad\ndetection:\n    selection:\n      A: [unclosed\n    condition: selection\n",
    );
    assert_eq!(problem.kind, ProblemKind::Yaml);
    assert!(problem.line.is_some_and(|l| l >= 4), "{problem}");
    assert!(problem.to_string().starts_with("bad.yml:"), "{problem}");
}

#[test]
fn unknown_modifier_names_its_line_and_rule() {
    let text = "title: Bad\nid: bad-mod\ndetection:\n    selection:\n        A: x\n        B|contians: y\n    condition: selection\n";
    let problem = only_problem(text);
    assert_eq!(problem.kind, ProblemKind::Modifier);
    assert_eq!(problem.line, Some(6));
    assert_eq!(problem.rule_id.as_deref(), Some("bad-mod"));
    assert!(problem.reason.contains("contians"), "{problem}");
}

#[test]
fn condition_naming_a_missing_selection() {
    let text = "title: Bad\ndetection:\n    selection:\n        A: x\n    condition: selection and not filter\n";
    let problem = only_problem(text);
    assert_eq!(problem.kind, ProblemKind::Condition);
    assert_eq!(problem.line, Some(5));
    assert!(problem.reason.contains("filter"), "{problem}");
}

#[test]
fn missing_title_and_non_rules() {
    assert_eq!(
        only_problem("id: x\ndetection: {s: {A: b}, condition: s}\n").kind,
        ProblemKind::Structure
    );
    assert_eq!(
        only_problem("title: Nothing here\n").kind,
        ProblemKind::NotARule
    );
    assert_eq!(only_problem("- a list\n").kind, ProblemKind::NotARule);
    assert_eq!(
        only_problem("title: t\nlevel: severe\ndetection: {s: {A: b}, condition: s}\n").kind,
        ProblemKind::Structure
    );
}

#[test]
fn aggregations_are_reported_as_unsupported() {
    let problem = only_problem(
        "title: Old\ndetection:\n    selection:\n        A: x\n    condition: selection | count() > 5\n",
    );
    assert_eq!(problem.kind, ProblemKind::Condition);
    assert!(problem.reason.contains("correlation"), "{problem}");
}

#[test]
fn regex_that_could_blow_up_is_refused_at_load() {
    let text = "title: Huge\nid: huge\ndetection:\n    selection:\n        CommandLine|re: '(a{1000}){1000}'\n    condition: selection\n";
    let problem = only_problem(text);
    assert_eq!(problem.kind, ProblemKind::Regex);
    assert_eq!(problem.line, Some(5));
    assert!(problem.reason.contains("refused"), "{problem}");
    let text = "title: Look-around\ndetection:\n    selection:\n        CommandLine|re: 'a(?=b)'\n    condition: selection\n";
    assert!(only_problem(text).reason.contains("look-around"));
}

#[test]
fn placeholders_resolve_or_are_reported() {
    let text = "title: P\nid: p\ndetection:\n    selection:\n        Host|expand: '%Servers%'\n    condition: selection\n";
    let problem = only_problem(text);
    assert_eq!(problem.kind, ProblemKind::Placeholder);
    assert!(problem.reason.contains("%Servers%"));
    let mut placeholders = HashMap::new();
    placeholders.insert(
        "Servers".to_owned(),
        vec!["srv1".to_owned(), "srv2".to_owned()],
    );
    let options = LoadOptions {
        placeholders,
        ..LoadOptions::default()
    };
    let report = RuleSet::parse_str("p.yml", text, &options);
    assert!(report.problems.is_empty());
    assert_eq!(report.rules.rules.len(), 1);
}

#[test]
fn duplicate_ids_keep_the_first() {
    let report = RuleSet::parse_str(
        "dup.yml",
        &format!("{GOOD}---\n{GOOD}"),
        &LoadOptions::default(),
    );
    assert_eq!(report.rules.rules.len(), 1);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].kind, ProblemKind::DuplicateId);
    assert_eq!(report.problems[0].line, Some(8));
}

#[test]
fn multi_document_global_action_merges() {
    let text = r#"
action: global
title: Shared title
logsource:
    product: windows
detection:
    condition: selection
---
id: first
logsource:
    service: security
detection:
    selection:
        EventID: 4624
---
id: second
logsource:
    service: system
detection:
    selection:
        EventID: 7045
"#;
    let report = RuleSet::parse_str("multi.yml", text, &LoadOptions::default());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let rules = &report.rules.rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].info.title, "Shared title");
    assert_eq!(rules[0].info.logsource.product.as_deref(), Some("windows"));
    assert_eq!(rules[1].info.logsource.service.as_deref(), Some("system"));
    assert_eq!(rules[1].info.source.line, 16);
}

#[test]
fn files_and_folders_with_limits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yml"), GOOD).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.yaml"), GOOD.replace("good", "other")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule").unwrap();
    std::fs::write(
        dir.path().join("big.yml"),
        format!("{GOOD}# {}\n", "x".repeat(10_000)),
    )
    .unwrap();
    let options = LoadOptions {
        max_file_bytes: 5_000,
        ..LoadOptions::default()
    };
    let missing = dir.path().join("missing");
    let report = RuleSet::load(&[dir.path().to_path_buf(), missing], &options);
    assert_eq!(report.files, 3);
    assert_eq!(report.rules.rules.len(), 2);
    let kinds: Vec<ProblemKind> = report.problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, vec![ProblemKind::Io, ProblemKind::TooLarge]);
    assert!(report.has_failures());
}

#[test]
fn logsource_table_is_covered_by_the_builtin_mapping() {
    let path = format!("{}/tests-data/logsource.json", common::SIGMA);
    let table: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let windows = &table["legit"]["windows"];
    let mappings = probity_detect::Mappings::builtin().unwrap();
    let product = mappings.product("windows").unwrap();
    let mut unmapped = Vec::new();
    for category in windows["category"].as_object().unwrap().keys() {
        if !product.categories.contains_key(category) {
            unmapped.push(format!("category {category}"));
        }
    }
    for service in windows["service"].as_object().unwrap().keys() {
        if !product.services.contains_key(service) {
            unmapped.push(format!("service {service}"));
        }
    }
    // These are produced by EDR agents or as IIS text logs, not by a Windows event channel.
    assert_eq!(
        unmapped,
        vec![
            "category file_access",
            "category file_rename",
            "service iis"
        ],
    );
}

/// A deeply nested rule file is refused before the YAML reader, whose time grows with the square
/// of the nesting, reads it (audit 2, defect 3).
#[test]
fn a_deeply_nested_rule_file_is_refused_before_it_is_parsed() {
    let deep = format!(
        "title: Deep\ndetection: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let started = std::time::Instant::now();
    let problem = only_problem(&deep);
    assert_eq!(problem.kind, ProblemKind::TooLarge);
    assert_eq!(problem.line, Some(2));
    assert!(
        problem.reason.contains("nested more than 64 deep"),
        "{problem:?}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

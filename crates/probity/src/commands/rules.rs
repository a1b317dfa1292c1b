//! `probity rules lint|test`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use probity_detect::{LoadOptions, RuleSet};
use probity_ingest::{Batch, Context, Limits};

use super::sigma::{self, RuleArgs};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that rules parse: every problem is printed with file, line and reason.
    Lint {
        /// Rule files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print the compiled form of this rule (id or title).
        #[arg(long)]
        explain: Option<String>,
    },
    /// Run rules over SigmaHQ-style regression data: each `info.yml` names a rule that must fire
    /// on its EVTX file.
    Test {
        #[command(flatten)]
        rules: RuleArgs,
        /// The regression data folder.
        #[arg(long)]
        regression: PathBuf,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Lint { paths, explain } => lint(&paths, explain.as_deref()),
        Command::Test { rules, regression } => test(&rules, &regression),
    }
}

fn lint(paths: &[PathBuf], explain: Option<&str>) -> anyhow::Result<ExitCode> {
    let report = RuleSet::load(paths, &LoadOptions::default());
    for problem in &report.problems {
        println!("{problem}");
    }
    let loaded =
        report.rules.rules.len() + report.rules.correlations.len() + report.rules.filters.len();
    let mut summary = format!("{} files: {loaded} rules parsed", report.files);
    let counts = report.counts_by_kind();
    if !counts.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        summary.push_str(&format!(", problems: {}", parts.join(", ")));
    }
    println!("{summary}");
    if let Some(rule) = explain {
        let engine = sigma::load(
            &RuleArgs {
                rules: paths.to_vec(),
                mappings: Vec::new(),
            },
            true,
        )?;
        println!("{}", engine.explain(rule)?);
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One regression test: a rule that must fire on an EVTX file.
struct Case {
    info: PathBuf,
    rule_id: String,
    title: String,
    evtx: Option<PathBuf>,
    match_count: Option<u64>,
}

fn find_infos(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            find_infos(&path, out)?;
        } else if path.file_name().is_some_and(|n| n == "info.yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads every `info.yml`. Paths in them are relative to the folder above the regression data.
fn cases(regression: &Path) -> anyhow::Result<Vec<Case>> {
    let mut infos = Vec::new();
    find_infos(regression, &mut infos)
        .with_context(|| format!("cannot read {}", regression.display()))?;
    infos.sort();
    let base = regression.parent().unwrap_or(regression);
    let mut cases = Vec::new();
    for info in infos {
        let text = std::fs::read_to_string(&info)
            .with_context(|| format!("cannot read {}", info.display()))?;
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
            .with_context(|| format!("{} is not YAML", info.display()))?;
        let meta = &doc["rule_metadata"][0];
        let Some(rule_id) = meta["id"].as_str() else {
            eprintln!("warning: {} names no rule id; skipped", info.display());
            continue;
        };
        let test = doc["regression_tests_info"]
            .as_sequence()
            .and_then(|tests| tests.iter().find(|t| t["type"].as_str() == Some("evtx")));
        cases.push(Case {
            rule_id: rule_id.to_owned(),
            title: meta["title"].as_str().unwrap_or_default().to_owned(),
            evtx: test.and_then(|t| t["path"].as_str()).map(|p| base.join(p)),
            match_count: test.and_then(|t| t["match_count"].as_u64()),
            info,
        });
    }
    Ok(cases)
}

fn test(args: &RuleArgs, regression: &Path) -> anyhow::Result<ExitCode> {
    let engine = sigma::load(args, true)?;
    let cases = cases(regression)?;
    let mut passed = 0;
    let mut failed = 0;
    let mut without_evtx = 0;
    let mut outcomes: BTreeMap<String, String> = BTreeMap::new();
    for case in &cases {
        let Some(evtx) = &case.evtx else {
            without_evtx += 1;
            outcomes.insert(
                format!("{} {}", case.rule_id, case.title),
                "SKIP no EVTX test".into(),
            );
            continue;
        };
        let mut ctx = Context::new(format!("file:{}", evtx.display()), Limits::default());
        let mut batch = Batch::new();
        let outcome = match probity_ingest::evtx::decode_file(evtx, &mut ctx, &mut batch) {
            Err(error) => {
                failed += 1;
                format!("FAIL cannot decode {}: {error}", evtx.display())
            }
            Ok(_) => {
                let mut fired = 0u64;
                let mut detections = Vec::new();
                for event in &batch.events {
                    detections.clear();
                    engine.evaluate(event, &mut detections);
                    fired += detections
                        .iter()
                        .filter(|d| d.rule_id() == case.rule_id)
                        .count() as u64;
                }
                if fired > 0 {
                    passed += 1;
                    match case.match_count {
                        Some(expected) if expected != fired => {
                            format!("PASS fired {fired} times (info.yml expects {expected})")
                        }
                        _ => format!("PASS fired {fired} times"),
                    }
                } else if engine.rule(&case.rule_id).is_none() {
                    failed += 1;
                    "FAIL the rule is not loaded".into()
                } else {
                    failed += 1;
                    format!("FAIL did not fire on {} events", batch.events.len())
                }
            }
        };
        let _ = &case.info;
        outcomes.insert(format!("{} {}", case.rule_id, case.title), outcome);
    }
    for (rule, outcome) in &outcomes {
        println!("{outcome:<60} {rule}");
    }
    println!(
        "{passed} passed, {failed} failed, {without_evtx} without an EVTX test ({} info.yml)",
        cases.len()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

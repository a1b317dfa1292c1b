//! Loading Sigma rules for the commands that use them.

use std::path::PathBuf;

use anyhow::Context as _;

use probity_detect::{Engine, LoadOptions, Mappings, RuleSet};

/// Rule and mapping options shared by `hunt`, `serve` and `rules test`.
#[derive(Debug, Clone, clap::Args)]
pub struct RuleArgs {
    /// Sigma rule files or folders (read recursively).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Extra field and log-source mappings (YAML), on top of the built-in Windows and ECS ones.
    #[arg(long = "mapping", value_name = "FILE")]
    pub mappings: Vec<PathBuf>,
}

/// Loads and compiles rules; problems are printed as warnings (the rules concerned are skipped).
pub fn load(args: &RuleArgs, quiet: bool) -> anyhow::Result<Engine> {
    let report = RuleSet::load(&args.rules, &LoadOptions::default());
    if !quiet {
        for problem in &report.problems {
            eprintln!("warning: {problem}");
        }
    }
    let mut mappings = Mappings::builtin().context("the built-in mappings do not load")?;
    for path in &args.mappings {
        let text = super::read_policy_file(path)
            .with_context(|| format!("cannot read mapping {}", path.display()))?;
        mappings
            .add_yaml(&path.display().to_string(), &text)
            .with_context(|| format!("mapping {}", path.display()))?;
    }
    let engine = Engine::compile(&report.rules, &mappings).context("compiling the rules failed")?;
    let loaded = report.rules.rules.len() + report.rules.correlations.len();
    let skipped = report
        .problems
        .iter()
        .filter(|p| p.kind.skips_rule())
        .count();
    if !quiet {
        eprintln!(
            "{loaded} rules loaded from {} files ({skipped} skipped with a warning)",
            report.files
        );
    }
    Ok(engine)
}

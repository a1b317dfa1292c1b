//! `probity comms`: the communications policies outside ingest.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use probity_content::eval::{self, Columns, Target};
use probity_content::train::{Part, part_of};
use probity_model::Level;

use crate::DataArg;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Measure the abuse policy on a labelled CSV file (a text column and a label column): each
    /// text is scanned as an email body, and a text is flagged when a finding of the category is
    /// made at the minimum severity or above. Prints precision, recall, F1 and the false-positive
    /// rate. Uses the data directory's own policy files where it has them.
    Eval(EvalArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArg,
    /// The labelled file: CSV with a header row.
    file: PathBuf,
    /// The header of the text column.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// The header of the label column.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Label values that mark a positive text, comma-separated (trimmed, any ASCII case).
    #[arg(long, value_delimiter = ',', default_value = "1,true,yes,positive")]
    positive: Vec<String>,
    /// Label values that mark a negative text, comma-separated; rows with any other label are
    /// skipped and counted. Without it, every label not positive is negative.
    #[arg(long, value_delimiter = ',')]
    negative: Vec<String>,
    /// The category whose findings flag a text (`misogynistic`, `racist`…), or `any`.
    #[arg(long, default_value = "any", value_parser = parse_target)]
    category: Target,
    /// The lowest severity of finding that flags a text.
    #[arg(long, default_value = "low", value_parser = parse_level)]
    min_severity: Level,
    /// Remove social-media markup first (@mentions, `RT`, links, `[USER]` and `[URL]`
    /// placeholders, HTML entities), as the shipped models' training did.
    #[arg(long)]
    social: bool,
    /// Only the texts the shipped models were not trained on or tuned with: the 20% the trainer
    /// holds out, chosen by a hash of each text after `--social` cleaning (so use both together
    /// to reproduce `models/REPORT.md` on the sets it names).
    #[arg(long, requires = "social")]
    held_out: bool,
    /// One JSON object with every count instead of the summary.
    #[arg(long)]
    json: bool,
}

fn parse_target(text: &str) -> Result<Target, String> {
    text.parse()
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Eval(args) => run_eval(args),
    }
}

fn run_eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let scanner = probity_comms::abuse_scanner_for(&args.data.data).with_context(|| {
        format!(
            "cannot load the abuse policy for {}",
            args.data.data.display()
        )
    })?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let columns = Columns {
        text: args.text_column,
        label: args.label_column,
        positive: args.positive,
        negative: args.negative,
    };
    let mut set = eval::read_labelled(std::io::BufReader::new(file), &columns)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if args.social {
        for labelled in &mut set.texts {
            labelled.text = probity_content::train::clean_social(&labelled.text);
        }
    }
    if args.held_out {
        set.texts
            .retain(|labelled| part_of(&labelled.text) == Part::Test);
    }
    if set.texts.is_empty() {
        anyhow::bail!(
            "{} has no usable rows ({} skipped{})",
            args.file.display(),
            set.skipped_count,
            set.skipped
                .first()
                .map(|s| format!("; line {}: {}", s.line, s.reason))
                .unwrap_or_default()
        );
    }
    let result = eval::evaluate(&scanner, &set.texts, &args.category, args.min_severity);
    let c = result.confusion;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let target = match &args.category {
        Target::Any => "any".to_owned(),
        Target::Category(category) => category.as_str().to_owned(),
    };
    if args.json {
        let value = serde_json::json!({
            "file": args.file.display().to_string(),
            "category": target,
            "min_severity": args.min_severity.to_string(),
            "texts": set.texts.len(),
            "held_out_only": args.held_out,
            "positives": c.true_positives + c.false_negatives,
            "confusion": c,
            "precision": c.precision(),
            "recall": c.recall(),
            "f1": c.f1(),
            "false_positive_rate": c.false_positive_rate(),
            "by_category": result.by_category,
            "false_positive_lines": result.false_positive_lines,
            "false_negative_lines": result.false_negative_lines,
            "skipped": set.skipped_count,
            "skipped_rows": set.skipped.iter().map(|s| serde_json::json!({"line": s.line, "reason": s.reason})).collect::<Vec<_>>(),
            "texts_cut": set.cut,
            "stopped_at_row_limit": set.truncated,
        });
        serde_json::to_writer(&mut out, &value)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{}: {} texts{} ({} positive), flagged by {target} findings at {} or above",
        args.file.display(),
        set.texts.len(),
        if args.held_out { " held out" } else { "" },
        c.true_positives + c.false_negatives,
        args.min_severity
    )?;
    writeln!(
        out,
        "  precision {:.3}  recall {:.3}  F1 {:.3}  false-positive rate {:.4}",
        c.precision(),
        c.recall(),
        c.f1(),
        c.false_positive_rate()
    )?;
    writeln!(
        out,
        "  true positives {}, false positives {}, false negatives {}, true negatives {}",
        c.true_positives, c.false_positives, c.false_negatives, c.true_negatives
    )?;
    for (category, counts) in &result.by_category {
        writeln!(
            out,
            "  {category}: found on {} positive and {} negative texts",
            counts.positive, counts.negative
        )?;
    }
    let lines = |lines: &[u64]| {
        lines
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !result.false_positive_lines.is_empty() {
        writeln!(
            out,
            "  false positives start on lines {}",
            lines(&result.false_positive_lines)
        )?;
    }
    if !result.false_negative_lines.is_empty() {
        writeln!(
            out,
            "  false negatives start on lines {}",
            lines(&result.false_negative_lines)
        )?;
    }
    if set.skipped_count > 0 {
        writeln!(out, "  {} rows skipped:", set.skipped_count)?;
        for skipped in &set.skipped {
            writeln!(out, "    line {}: {}", skipped.line, skipped.reason)?;
        }
    }
    if set.cut > 0 {
        writeln!(
            out,
            "  {} texts cut at {} bytes",
            set.cut,
            eval::MAX_TEXT_BYTES
        )?;
    }
    if set.truncated {
        writeln!(out, "  stopped at the limit of {} rows", eval::MAX_ROWS)?;
    }
    Ok(ExitCode::SUCCESS)
}

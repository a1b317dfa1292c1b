//! `probity comms`: the communications policies outside ingest: measured on labelled texts
//! (`eval`), or tried on messages without storing them (`check`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use probity_comms::{CommsStage, Outcome, Redactor, StaffDirectory};
use probity_content::eval::{self, Columns, Target};
use probity_content::train::{Part, part_of};
use probity_ingest::Limits;
use probity_ingest::Sink;
use probity_ingest::files::{self, FileOptions};
use probity_model::{DeadLetter, Event, Level};

use crate::DataArg;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Measure the abuse policy on a labelled CSV file (a text column and a label column): each
    /// text is scanned as an email body, and a text is flagged when a finding of the category is
    /// made at the minimum severity or above. Prints precision, recall, F1 and the false-positive
    /// rate. Uses the data directory's own policy files where it has them.
    Eval(EvalArgs),
    /// Run the communications stage over messages in files (EML, MBOX, Teams and chat exports,
    /// device CSVs; as `probity ingest` reads them) without storing anything, and say what it
    /// would do with each: exclude it (which protected party, and what matched), seal it (why),
    /// or scan it (the alerts it would raise, members of the public masked). Uses the data
    /// directory's policy files where it has them, and writes nothing.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    data: DataArg,
    /// Files or folders (read recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also list messages that raise nothing.
    #[arg(long)]
    all: bool,
    /// One JSON object per message instead of text.
    #[arg(long)]
    json: bool,
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
        Command::Check(args) => run_check(args),
    }
}

/// What `check` saw, by outcome.
#[derive(Debug, Default)]
struct Tally {
    other: u64,
    excluded: u64,
    sealed: u64,
    withheld: u64,
    scanned: u64,
    alerted: u64,
    alerts: u64,
    rejected: u64,
}

struct CheckSink<'a> {
    stage: &'a CommsStage,
    redactor: Redactor,
    out: std::io::StdoutLock<'static>,
    all: bool,
    json: bool,
    tally: Tally,
}

impl CheckSink<'_> {
    fn write_message(&mut self, event: &mut Event) -> std::io::Result<()> {
        // Asked before the stage runs, for what matched; the stage then decides alone.
        let exclusion = self.stage.exclusion(event);
        let outcome = self.stage.apply(event);
        let place = format!(
            "{}{}",
            event.provenance.source,
            event
                .provenance
                .location
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default()
        );
        let (kind, detail, mut alerts) = match outcome {
            Outcome::NotAMessage => {
                self.tally.other += 1;
                return Ok(());
            }
            Outcome::Excluded { class } => {
                self.tally.excluded += 1;
                let matched = exclusion.map(|e| e.matched).unwrap_or_default();
                (
                    "excluded",
                    format!("protected party {class} ({matched}); content not stored or inspected"),
                    Vec::new(),
                )
            }
            Outcome::Sealed { reason } => {
                self.tally.sealed += 1;
                (
                    "sealed",
                    format!(
                        "{}; content would be stored encrypted and not scanned",
                        reason.name()
                    ),
                    Vec::new(),
                )
            }
            Outcome::Withheld => {
                self.tally.withheld += 1;
                (
                    "withheld",
                    "sealing failed; content would not be stored".to_owned(),
                    Vec::new(),
                )
            }
            Outcome::Scanned(alerts) => {
                self.tally.scanned += 1;
                if !alerts.is_empty() {
                    self.tally.alerted += 1;
                    self.tally.alerts += alerts.len() as u64;
                }
                let detail = format!("{} alert(s)", alerts.len());
                ("scanned", detail, alerts)
            }
        };
        if kind == "scanned" && alerts.is_empty() && !self.all {
            return Ok(());
        }
        for alert in &mut alerts {
            self.redactor.alert(alert);
        }
        if self.json {
            let value = serde_json::json!({
                "source": event.provenance.source,
                "location": event.provenance.location,
                "outcome": kind,
                "detail": detail,
                "alerts": alerts,
            });
            serde_json::to_writer(&mut self.out, &value)?;
            writeln!(self.out)?;
            return Ok(());
        }
        writeln!(self.out, "{place}: {kind}: {detail}")?;
        for alert in &alerts {
            writeln!(
                self.out,
                "  [{}] {} ({})",
                alert.level, alert.rule.title, alert.rule.id
            )?;
            writeln!(self.out, "    why: {}", alert.explanation)?;
            for matched in &alert.matched {
                writeln!(
                    self.out,
                    "    matched {} = {:?}",
                    matched.field, matched.value
                )?;
            }
        }
        Ok(())
    }
}

impl Sink for CheckSink<'_> {
    fn event(&mut self, mut event: Event) -> probity_ingest::Result<()> {
        self.write_message(&mut event)
            .map_err(|e| probity_ingest::Error::Sink(format!("cannot write: {e}")))
    }

    fn reject(&mut self, letter: DeadLetter) -> probity_ingest::Result<()> {
        self.tally.rejected += 1;
        let location = letter
            .location
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let written = if self.json {
            let value = serde_json::json!({
                "source": letter.source,
                "location": letter.location,
                "outcome": "rejected",
                "detail": letter.reason,
            });
            serde_json::to_writer(&mut self.out, &value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(self.out))
        } else {
            writeln!(
                self.out,
                "{}{location}: not decoded: {}",
                letter.source, letter.reason
            )
        };
        written.map_err(|e| probity_ingest::Error::Sink(format!("cannot write: {e}")))
    }
}

fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let data = &args.data.data;
    let mut stage = CommsStage::open_policies(data).with_context(|| {
        format!(
            "cannot load the communications policies for {}",
            data.display()
        )
    })?;
    // Staff are known only from a store that already exists: checking creates nothing.
    let redactor = if data.join(probity_store::sqlite::EVENTS_FILE).exists() {
        let store = super::open_store(data)?;
        stage = stage.with_staff(super::personal_addresses(&*store)?);
        probity_server::redactor(&*store).map_err(anyhow::Error::msg)?
    } else {
        Redactor::new(&StaffDirectory::default())
            .map_err(|e| anyhow::anyhow!("cannot build the masking: {e}"))?
    };
    let options = FileOptions {
        format: None,
        mapping: None,
        limits: Limits::default(),
    };
    let (inputs, unreadable) = files::collect(&args.paths);
    let mut sink = CheckSink {
        stage: &stage,
        redactor,
        out: std::io::stdout().lock(),
        all: args.all,
        json: args.json,
        tally: Tally::default(),
    };
    let mut failed = unreadable.len() as u64;
    for problem in &unreadable {
        eprintln!("cannot read {}: {}", problem.path.display(), problem.error);
    }
    for input in &inputs {
        if let Err(error) = files::decode_file(&input.path, &options, &mut sink) {
            if let probity_ingest::Error::Sink(_) = error {
                return Err(error).context("writing the results failed");
            }
            failed += 1;
            eprintln!("{error}");
        }
    }
    let t = &sink.tally;
    let messages = t.excluded + t.sealed + t.withheld + t.scanned;
    let summary = format!(
        "{messages} message(s): {} excluded, {} sealed, {} withheld, {} scanned ({} raising {} alert(s)); {} other event(s), {} not decoded",
        t.excluded, t.sealed, t.withheld, t.scanned, t.alerted, t.alerts, t.other, t.rejected
    );
    if args.json {
        eprintln!("{summary}");
    } else {
        writeln!(sink.out, "{summary}")?;
    }
    if failed > 0 || t.rejected > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
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
        writeln!(
            out,
            "  stopped at the limit of {} rows or {} MB of text",
            eval::MAX_ROWS,
            eval::MAX_TOTAL_TEXT_BYTES >> 20
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

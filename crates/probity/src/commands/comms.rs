//! `probity comms`: the communications policies outside ingest: measured on labelled texts
//! (`eval`), or tried on messages without storing them (`check`).

use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Train one of the abuse policy's classifiers on labelled texts: a CSV file of your own, the
    /// public sets the shipped models came from (`--sets`), or both. Writes the model files and a
    /// `REPORT.md` of held-out results to `--out`. Measure them with `probity comms eval --models
    /// OUT`, then put them in `DATA/policy/models/` to use them.
    Train(TrainArgs),
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
    #[command(flatten)]
    ocr: super::OcrArg,
}

/// Where the labelled texts are in a CSV file, and what the labels mean.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
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
    /// Remove social-media markup first (@mentions, `RT`, links, `[USER]` and `[URL]`
    /// placeholders, HTML entities), as the shipped models' training did.
    #[arg(long)]
    social: bool,
}

impl LabelArgs {
    /// The file's labelled texts, cleaned of social-media markup where asked.
    fn read(&self, path: &Path) -> anyhow::Result<eval::LabelledSet> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let columns = Columns {
            text: self.text_column.clone(),
            label: self.label_column.clone(),
            positive: self.positive.clone(),
            negative: self.negative.clone(),
        };
        let mut set = eval::read_labelled(std::io::BufReader::new(file), &columns)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if self.social {
            for labelled in &mut set.texts {
                labelled.text = probity_content::train::clean_social(&labelled.text);
            }
        }
        Ok(set)
    }
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArg,
    /// The labelled file: CSV with a header row.
    file: PathBuf,
    #[command(flatten)]
    labels: LabelArgs,
    /// The category whose findings flag a text (`misogynistic`, `racist`…), or `any`.
    #[arg(long, default_value = "any", value_parser = parse_target)]
    category: Target,
    /// The lowest severity of finding that flags a text.
    #[arg(long, default_value = "low", value_parser = parse_level)]
    min_severity: Level,
    /// Only the texts a model is not trained on or tuned with: the 20% that `probity comms train`
    /// (and the shipped models' trainer) holds out, chosen by a hash of each text after any
    /// `--social` cleaning. The shipped models were trained with that cleaning, so use both
    /// together to reproduce `models/REPORT.md` on the sets it names.
    #[arg(long)]
    held_out: bool,
    /// Use the classifiers in this folder (as `probity comms train --out` writes them) instead of
    /// the data directory's: to measure models before putting them in `DATA/policy/models/`.
    #[arg(long)]
    models: Option<PathBuf>,
    /// One JSON object with every count instead of the summary.
    #[arg(long)]
    json: bool,
    /// Also write every text the scanner and the labels disagree on to this CSV file: its line,
    /// whether it is a false positive or negative, the findings made on it and the text itself.
    /// The file holds the labelled texts: keep it where the labelled file is kept.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
}

/// Which classifier `train` trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Trainable {
    /// The abusive/offensive-language model (`abusive.bin`).
    Abusive,
    /// The misogyny/sexism model and its gate (`misogyny.bin`, `misogyny-gate.bin`).
    Misogyny,
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Which model to train.
    #[arg(long, value_enum)]
    model: Trainable,
    /// A labelled CSV file of your own (a header row; columns and labels as for `eval`).
    file: Option<PathBuf>,
    /// The folder of public labelled sets the shipped models came from, laid out as the
    /// project's test data (`davidson/labeled_data.csv` for abusive; `edos/edos_train_dev.csv`
    /// and `guest-misogyny/guest_train.csv` for misogyny): trained on together with the file.
    #[arg(long)]
    sets: Option<PathBuf>,
    /// Where to write the model files and `REPORT.md` (created if missing; files of the same
    /// names are replaced).
    #[arg(long)]
    out: PathBuf,
    /// For misogyny: the share of the validation texts the full model flags that its cheaper
    /// gate must let through (above 0, at most 1). The gate's level is also never above half
    /// the full model's.
    #[arg(long, default_value_t = probity_content::train::Settings::default().gate_keep, value_parser = parse_share)]
    gate_keep: f64,
    #[command(flatten)]
    labels: LabelArgs,
}

fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err("must be above 0 and at most 1".to_owned())
    }
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
        Command::Train(args) => run_train(args),
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
            Outcome::Excluded { class, alert } => {
                self.tally.excluded += 1;
                let matched = exclusion.map(|e| e.matched).unwrap_or_default();
                // Also sent outside the force by a member of staff: a metadata-only alert.
                if alert.is_some() {
                    self.tally.alerted += 1;
                    self.tally.alerts += 1;
                }
                (
                    "excluded",
                    format!("protected party {class} ({matched}); content not stored or inspected"),
                    alert.map(|alert| vec![*alert]).unwrap_or_default(),
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
            Outcome::NameOnly {
                class,
                sealed,
                alert,
            } => {
                // A protected party's name beside an outside address not on the list: kept
                // sealed (not destroyed), with a metadata-only alert.
                let matched = exclusion.map(|e| e.matched).unwrap_or_default();
                let (kind, kept) = if sealed {
                    self.tally.sealed += 1;
                    ("sealed", "stored encrypted and not scanned")
                } else {
                    self.tally.withheld += 1;
                    ("withheld", "not stored (sealing failed)")
                };
                self.tally.alerted += 1;
                self.tally.alerts += 1;
                (
                    kind,
                    format!(
                        "protected party {class} named ({matched}) beside an address not on \
                         the exclusion list; content would be {kept}"
                    ),
                    vec![*alert],
                )
            }
            Outcome::Scanned(alerts) => {
                self.tally.scanned += 1;
                if !alerts.is_empty() {
                    self.tally.alerted += 1;
                    self.tally.alerts += alerts.len() as u64;
                }
                let mut detail = format!("{} alert(s)", alerts.len());
                if let Some(forwarded) = event.labels.get(probity_comms::forwarded::FORWARDED_LABEL)
                {
                    detail.push_str(&format!(
                        "; a forwarded communication with a protected party sealed, not scanned: {forwarded}"
                    ));
                }
                if let Some(unscanned) = event.labels.get(probity_comms::UNSCANNED_LABEL) {
                    detail.push_str(&format!("; partly scanned: {unscanned}"));
                }
                ("scanned", detail, alerts)
            }
        };
        let partly = event.labels.contains_key(probity_comms::UNSCANNED_LABEL);
        if kind == "scanned" && alerts.is_empty() && !partly && !self.all {
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
                "unscanned": event.labels.get(probity_comms::UNSCANNED_LABEL),
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
    super::warn_of_empty_list(&stage);
    // Staff are known only from a store that already exists: checking creates nothing.
    let redactor = if data.join(probity_store::sqlite::EVENTS_FILE).exists() {
        let store = super::open_store(data)?;
        // What the data directory's policies say of these messages, and whom its staff
        // directory names, is read: recorded in its audit log first.
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        super::actor::audit_read(
            &*store,
            "comms.check",
            serde_json::json!({ "paths": paths, "all": args.all, "json": args.json }),
        )?;
        stage = stage.with_staff(super::personal_addresses(&*store)?);
        probity_server::redactor(&*store).map_err(anyhow::Error::msg)?
    } else {
        eprintln!(
            "note: {} holds no journal and so no audit log: this check reads no stored data \
             and is not recorded",
            data.display()
        );
        Redactor::new(&StaffDirectory::default())
            .map_err(|e| anyhow::anyhow!("cannot build the masking: {e}"))?
    };
    let options = FileOptions {
        format: None,
        mapping: None,
        limits: Limits {
            ocr: args.ocr.load()?,
            ..Limits::default()
        },
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
    // As `probity ingest` reads them: a chat split over several files is joined.
    let members = files::gather_chat_members(&inputs, &options);
    for input in &inputs {
        if let Err(error) =
            files::decode_file_with(&input.path, &options, Some(&members), &mut sink)
        {
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
    let scanner = match &args.models {
        Some(models) => probity_comms::abuse_scanner_with_models(&args.data.data, models),
        None => probity_comms::abuse_scanner_for(&args.data.data),
    }
    .with_context(|| {
        format!(
            "cannot load the abuse policy for {}",
            args.data.data.display()
        )
    })?;
    let mut set = args.labels.read(&args.file)?;
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
    let result = match &args.errors {
        None => eval::evaluate(&scanner, &set.texts, &args.category, args.min_severity),
        Some(path) => {
            // Writing over the labelled file would lose it: the texts are read already, but the
            // file would be left holding only the disagreements.
            if let (Ok(errors), Ok(labelled)) = (
                std::fs::canonicalize(path),
                std::fs::canonicalize(&args.file),
            ) && errors == labelled
            {
                anyhow::bail!(
                    "--errors {} is the labelled file itself; name another file",
                    path.display()
                );
            }
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut errors = csv::Writer::from_writer(std::io::BufWriter::new(file));
            errors.write_record(["line", "kind", "findings", "text"])?;
            let result = eval::evaluate_with(
                &scanner,
                &set.texts,
                &args.category,
                args.min_severity,
                |miss, labelled, findings| {
                    let found: Vec<String> = findings
                        .iter()
                        .map(|f| format!("{} ({}): {}", f.category, f.severity, f.why))
                        .collect();
                    errors.write_record([
                        labelled.line.to_string().as_str(),
                        miss.as_str(),
                        found.join("; ").as_str(),
                        labelled.text.as_str(),
                    ])
                },
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
            errors
                .flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            result
        }
    };
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
            "macro_f1": c.macro_f1(),
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
        "  precision {:.3}  recall {:.3}  F1 {:.3}  false-positive rate {:.4}  (macro F1 over both classes {:.3})",
        c.precision(),
        c.recall(),
        c.f1(),
        c.false_positive_rate(),
        c.macro_f1()
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

fn run_train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    use probity_content::train::{self, Example, Settings};
    if args.file.is_none() && args.sets.is_none() {
        anyhow::bail!("nothing to train on: give a labelled file, --sets, or both");
    }
    let mut examples: Vec<Example> = Vec::new();
    let mut sources = Vec::new();
    if let Some(sets) = &args.sets {
        let public = match args.model {
            Trainable::Abusive => {
                let mut davidson = train::load_davidson(sets)?;
                // As the shipped model was trained: with the project's own descriptions of
                // people and plain police business, none abusive.
                davidson.extend(train::load_descriptions()?);
                davidson
            }
            Trainable::Misogyny => {
                let mut both = train::load_edos(sets)?;
                both.extend(train::load_guest(sets)?);
                // As the shipped model was trained: with the project's own sentences about
                // women at work in a police force.
                both.extend(train::load_workplace()?);
                both
            }
        };
        let positives = public.iter().filter(|e| e.positive).count();
        let workplace = match args.model {
            Trainable::Abusive => {
                " and the project's descriptions of people and plain police business (`training/`)"
            }
            Trainable::Misogyny => {
                " and the project's sentences about women at work (`training/workplace.csv`)"
            }
        };
        sources.push(format!(
            "the public sets in `{}`{workplace} ({} texts, {positives} positive; social-media markup removed)",
            sets.display(),
            public.len()
        ));
        examples.extend(public);
    }
    if let Some(path) = &args.file {
        let set = args.labels.read(path)?;
        let positives = set.texts.iter().filter(|t| t.positive).count();
        sources.push(format!(
            "`{}` ({} texts, {positives} positive; {} rows skipped{}{})",
            path.display(),
            set.texts.len(),
            set.skipped_count,
            if args.labels.social {
                "; social-media markup removed"
            } else {
                ""
            },
            if set.truncated {
                "; stopped at the row limit"
            } else {
                ""
            }
        ));
        for skipped in set.skipped.iter().take(5) {
            eprintln!(
                "{} line {}: skipped: {}",
                path.display(),
                skipped.line,
                skipped.reason
            );
        }
        examples.extend(set.texts.into_iter().map(|t| Example {
            text: t.text,
            positive: t.positive,
            set: "local",
        }));
    }
    let name = match args.model {
        Trainable::Abusive => "abusive",
        Trainable::Misogyny => "misogyny",
    };
    let preamble = format!(
        "# Abuse-policy classifier `{name}`: training report\n\n\
         Written by `probity comms train --model {name}`. Trained on {}.\n\n\
         Each text goes to a part by a hash of its bytes (after any clean-up): 20% held out (never \
         trained on and never used to choose anything), 10% validation (used only to choose the \
         decision threshold), 70% training. The same text always lands in the same part; \
         `probity comms eval --held-out` measures the same 20%. Training is deterministic: the \
         same texts give the same files.\n\n\
         The data directory's policy (`DATA/policy/abuse.yaml`) sets the threshold the scanner \
         uses: a number, or `model` for the validation-chosen threshold below. The rows at 0.5 \
         and at the shipped policy's threshold show what other levels would do.\n\n",
        sources.join(" and ")
    );
    let (abusive, misogyny) = match args.model {
        Trainable::Abusive => (examples, Vec::new()),
        Trainable::Misogyny => (Vec::new(), examples),
    };
    let settings = Settings {
        gate_keep: args.gate_keep,
        ..Settings::default()
    };
    let report = train::train_and_write(&abusive, &misogyny, &args.out, &settings, &preamble)
        .with_context(|| format!("cannot train the {name} model"))?;
    print!("{report}");
    eprintln!(
        "wrote {name} model files and REPORT.md to {}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

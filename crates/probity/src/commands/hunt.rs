//! `probity hunt`: Sigma rules over a folder of collected logs, as a timeline of detections.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use probity_detect::{Correlator, Detection, Engine, Scratch};
use probity_ingest::files::{self, FileOptions};
use probity_ingest::{Limits, Sink};
use probity_model::{DeadLetter, Event, Level, Timestamp};

use super::sigma::{self, RuleArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rules: RuleArgs,
    /// How to print the timeline.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    format: String,
    /// Only detections at this level or above.
    #[arg(long, value_parser = parse_level)]
    min_level: Option<Level>,
    /// Read every file as this format instead of detecting it (as for `probity ingest`).
    #[arg(long = "input-format")]
    input_format: Option<String>,
    /// Log files and folders (folders are read recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

/// One line of the timeline.
#[derive(Debug, Serialize)]
struct Row {
    time: Timestamp,
    host: String,
    user: String,
    level: Level,
    title: String,
    rule_id: String,
    kind: &'static str,
    matched: String,
    source: String,
}

/// Evaluates every decoded event as it arrives.
struct HuntSink<'a> {
    engine: &'a Engine,
    scratch: Scratch,
    correlator: Correlator,
    detections: Vec<Detection>,
    rows: Vec<Row>,
    min_level: Option<Level>,
    events: u64,
    damaged: u64,
}

impl HuntSink<'_> {
    fn keep(&self, level: Level) -> bool {
        self.min_level.is_none_or(|min| level >= min)
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// What the decoding thread sends the evaluating one.
enum Message {
    Events(Vec<Event>),
    FileDone {
        size: u64,
        damaged: u64,
        error: Option<String>,
    },
}

/// Batches of events in flight between decoding and evaluation.
const PIPELINE_DEPTH: usize = 16;
/// Events per batch.
const BATCH: usize = 512;

/// The decoding side: collects events into batches for the evaluating thread.
struct Batcher<'a> {
    sender: &'a crossbeam_channel::Sender<Message>,
    events: Vec<Event>,
    damaged: u64,
}

impl Batcher<'_> {
    fn flush(&mut self) -> probity_ingest::Result<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        let events = std::mem::replace(&mut self.events, Vec::with_capacity(BATCH));
        self.sender
            .send(Message::Events(events))
            .map_err(|_| probity_ingest::Error::Sink("the evaluating thread stopped".into()))
    }
}

impl Sink for Batcher<'_> {
    fn event(&mut self, event: Event) -> probity_ingest::Result<()> {
        self.events.push(event);
        if self.events.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn reject(&mut self, letter: DeadLetter) -> probity_ingest::Result<()> {
        self.damaged += 1;
        tracing::debug!(source = %letter.source, reason = %letter.reason, "unreadable record");
        Ok(())
    }
}

impl HuntSink<'_> {
    fn evaluate(&mut self, event: Event) {
        self.events += 1;
        self.detections.clear();
        self.engine
            .evaluate_with(&event, &mut self.scratch, &mut self.detections);
        for detection in &self.detections {
            if !detection.standalone || !self.keep(detection.level()) {
                continue;
            }
            let matched: Vec<String> = detection
                .matched
                .iter()
                .map(|m| format!("{}={}", m.field, m.value))
                .collect();
            self.rows.push(Row {
                time: event.timestamp,
                host: text(event.host.as_ref().and_then(|h| h.name.as_deref())),
                user: text(event.user_name()),
                level: detection.level(),
                title: detection.title().to_owned(),
                rule_id: detection.rule_id().to_owned(),
                kind: "sigma",
                matched: matched.join("; "),
                source: format!(
                    "{} {}",
                    event.provenance.source,
                    event.provenance.location.as_deref().unwrap_or("")
                ),
            });
        }
        let correlations = self.correlator.observe(&event, &self.detections);
        for correlation in correlations {
            if !self.keep(correlation.rule.level) {
                continue;
            }
            let group: Vec<String> = correlation
                .group
                .iter()
                .map(|(field, value)| format!("{field}={value}"))
                .collect();
            self.rows.push(Row {
                time: correlation.last,
                host: text(event.host.as_ref().and_then(|h| h.name.as_deref())),
                user: text(event.user_name()),
                level: correlation.rule.level,
                title: correlation.rule.title.clone(),
                rule_id: correlation.rule.id.clone(),
                kind: "correlation",
                matched: format!("count={}; {}", correlation.count, group.join("; ")),
                source: event.provenance.source.clone(),
            });
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = sigma::load(&args.rules, false)?;
    let options = FileOptions {
        format: match &args.input_format {
            Some(name) => Some(name.parse().map_err(|e| anyhow::anyhow!("{e}"))?),
            None => None,
        },
        mapping: None,
        limits: Limits::default(),
    };
    let (inputs, unreadable) = files::collect(&args.paths);
    let total: u64 = inputs.iter().map(|f| f.size).sum();
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut sink = HuntSink {
        engine: &engine,
        scratch: Scratch::default(),
        correlator: Correlator::new(&engine),
        detections: Vec::new(),
        rows: Vec::new(),
        min_level: args.min_level,
        events: 0,
        damaged: 0,
    };
    let mut failed_files = unreadable.len();
    for problem in &unreadable {
        progress.suspend(|| eprintln!("cannot read {}: {}", problem.path.display(), problem.error));
    }
    // Decoding runs on its own thread (EVTX decoding itself uses every core) and hands batches of
    // events to this thread, which evaluates them: the two overlap instead of taking turns.
    let (sender, receiver) = crossbeam_channel::bounded::<Message>(PIPELINE_DEPTH);
    std::thread::scope(|scope| {
        let inputs = &inputs;
        let options = &options;
        scope.spawn(move || {
            // The members of every chat first, so that a chat split over several files is
            // joined, as `probity ingest` reads them.
            let members = files::gather_chat_members(inputs, options);
            for input in inputs {
                let mut batcher = Batcher {
                    sender: &sender,
                    events: Vec::with_capacity(BATCH),
                    damaged: 0,
                };
                let result =
                    files::decode_file_with(&input.path, options, Some(&members), &mut batcher);
                let _ = batcher.flush();
                let error = result.err().map(|e| e.to_string());
                if sender
                    .send(Message::FileDone {
                        size: input.size,
                        damaged: batcher.damaged,
                        error,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        for message in receiver {
            match message {
                Message::Events(events) => {
                    for event in events {
                        sink.evaluate(event);
                    }
                }
                Message::FileDone {
                    size,
                    damaged,
                    error,
                } => {
                    sink.damaged += damaged;
                    if let Some(error) = error {
                        failed_files += 1;
                        progress.suspend(|| eprintln!("skipped: {error}"));
                    }
                    progress.inc(size);
                    progress.set_message(format!("{} detections", sink.rows.len()));
                }
            }
        }
    });
    for correlation in sink.correlator.finish() {
        if sink.keep(correlation.rule.level) {
            sink.rows.push(Row {
                time: correlation.last,
                host: "-".into(),
                user: "-".into(),
                level: correlation.rule.level,
                title: correlation.rule.title.clone(),
                rule_id: correlation.rule.id.clone(),
                kind: "correlation",
                matched: format!("count={}", correlation.count),
                source: "-".into(),
            });
        }
    }
    progress.finish_and_clear();
    let mut rows = std::mem::take(&mut sink.rows);
    rows.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    print_rows(&rows, &args.format)?;
    let mut by_level = std::collections::BTreeMap::new();
    for row in &rows {
        *by_level.entry(row.level).or_insert(0u64) += 1;
    }
    let levels: Vec<String> = by_level
        .iter()
        .rev()
        .map(|(level, n)| format!("{n} {level}"))
        .collect();
    eprintln!(
        "{} events from {} files: {} detections ({}); {} unreadable records, {} files could not be read",
        sink.events,
        inputs.len(),
        rows.len(),
        if levels.is_empty() {
            "none".to_owned()
        } else {
            levels.join(", ")
        },
        sink.damaged,
        failed_files
    );
    Ok(if failed_files > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_rows(rows: &[Row], format: &str) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    if format == "csv" {
        let mut writer = csv::Writer::from_writer(stdout.lock());
        writer.write_record([
            "time", "host", "user", "level", "title", "rule_id", "kind", "matched", "source",
        ])?;
        for row in rows {
            writer.write_record([
                row.time.to_rfc3339().as_str(),
                &row.host,
                &row.user,
                row.level.as_str(),
                &row.title,
                &row.rule_id,
                row.kind,
                &row.matched,
                &row.source,
            ])?;
        }
        writer.flush()?;
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        "json" => {
            for row in rows {
                serde_json::to_writer(&mut out, row)?;
                writeln!(out)?;
            }
        }
        _ => {
            writeln!(
                out,
                "{:<23} {:<20} {:<18} {:<8} {:<50} {:<36} matched",
                "time (UTC)", "host", "user", "level", "rule", "rule id"
            )?;
            for row in rows {
                writeln!(
                    out,
                    "{:<23} {:<20} {:<18} {:<8} {:<50} {:<36} {}",
                    row.time.format("%Y-%m-%d %H:%M:%S%.3f"),
                    cut(&row.host, 20),
                    cut(&row.user, 18),
                    row.level.as_str(),
                    cut(&row.title, 50),
                    cut(&row.rule_id, 36),
                    cut(&row.matched, 120)
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

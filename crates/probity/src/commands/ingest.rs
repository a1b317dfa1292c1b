//! `probity ingest`: files and folders into the store.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use probity_comms::CommsStage;
use probity_ingest::files::{self, FileOptions};
use probity_ingest::{Batch, Limits, Sink};
use probity_model::{Alert, DeadLetter, Event, Format};
use probity_store::{AlertStore, EncodedEvent, EventStore, Receipt, Writer, WriterConfig};

use super::open_store;
use crate::DataArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Read every file as this format (default: tell each file's format from its content).
    #[arg(long, default_value = "auto", value_parser = parse_format)]
    format: FormatChoice,
    /// A YAML file mapping CSV columns onto event fields.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Files and folders (folders are read recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    ocr: super::OcrArg,
}

#[derive(Debug, Clone, Copy)]
pub struct FormatChoice(Option<Format>);

fn parse_format(text: &str) -> Result<FormatChoice, String> {
    if text == "auto" {
        return Ok(FormatChoice(None));
    }
    let format: Format = text.parse().map_err(|e| format!("{e}"))?;
    if !probity_ingest::detect::FILE_FORMATS.contains(&format) {
        return Err(format!(
            "{text:?} is not a file format (use auto, ndjson, csv, syslog, evtx, eml or mbox)"
        ));
    }
    Ok(FormatChoice(Some(format)))
}

/// Events per batch handed to the writer.
const BATCH: usize = 5_000;
/// Batches in flight before the reader waits for the oldest to commit.
const IN_FLIGHT: usize = 8;

/// A sink that runs each event through the communications stage and queues batches to the store's
/// writer as they fill; a batch's content alerts are stored once its events are durable.
struct StoreSink {
    writer: Writer,
    comms: CommsStage,
    alert_store: Arc<dyn AlertStore>,
    batch: Batch,
    /// The content alerts of the events in `batch`.
    alerts: Vec<Alert>,
    pending: VecDeque<(Receipt, Vec<Alert>)>,
    accepted: u64,
    /// Content alerts raised.
    raised: u64,
    rejected: u64,
    progress: ProgressBar,
}

impl StoreSink {
    fn flush(&mut self) -> probity_ingest::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let alerts = std::mem::take(&mut self.alerts);
        let mut events = Vec::with_capacity(batch.events.len());
        let mut dead_letters = batch.rejected;
        for event in batch.events {
            match EncodedEvent::encode(&event) {
                Ok(encoded) => events.push(encoded),
                Err(error) => {
                    let mut letter = encoding_failure(&event, &error.to_string());
                    self.comms.guard_dead_letter(&mut letter);
                    dead_letters.push(letter);
                }
            }
        }
        self.accepted += events.len() as u64;
        self.rejected += dead_letters.len() as u64;
        while self.pending.len() >= IN_FLIGHT {
            self.wait_oldest()?;
        }
        let mut parts = (events, dead_letters);
        loop {
            match self.writer.try_submit(parts.0, parts.1) {
                Ok(receipt) => {
                    self.pending.push_back((receipt, alerts));
                    break;
                }
                Err(refused) => {
                    // Another writer (a running server) fills the queue: wait for ours to drain.
                    parts = (refused.events, refused.dead_letters);
                    if self.pending.is_empty() {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    } else {
                        self.wait_oldest()?;
                    }
                }
            }
        }
        self.progress.set_message(format!(
            "{} accepted, {} rejected",
            self.accepted, self.rejected
        ));
        Ok(())
    }

    fn wait_oldest(&mut self) -> probity_ingest::Result<()> {
        if let Some((receipt, alerts)) = self.pending.pop_front() {
            receipt
                .wait()
                .map_err(|e| probity_ingest::Error::Sink(e.to_string()))?;
            self.raised += self
                .alert_store
                .append_alerts(&alerts, None)
                .map_err(|e| probity_ingest::Error::Sink(format!("storing alerts: {e}")))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> probity_ingest::Result<()> {
        self.flush()?;
        while !self.pending.is_empty() {
            self.wait_oldest()?;
        }
        Ok(())
    }
}

/// The first [`probity_model::RAW_KEEP_LIMIT`] bytes of a file that could not be
/// decoded, and the file's size.
fn file_head(path: &std::path::Path) -> std::io::Result<(Vec<u8>, u64)> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut raw = Vec::new();
    file.take(probity_model::RAW_KEEP_LIMIT as u64)
        .read_to_end(&mut raw)?;
    Ok((raw, size))
}

fn encoding_failure(event: &Event, reason: &str) -> DeadLetter {
    let raw = serde_json::to_vec(&event.original).unwrap_or_default();
    DeadLetter::new(
        event.provenance.ingested,
        event.provenance.source.clone(),
        Some(event.provenance.format),
        format!("event could not be encoded for storage: {reason}"),
        event.provenance.location.clone(),
        &raw,
    )
}

impl Sink for StoreSink {
    fn event(&mut self, mut event: Event) -> probity_ingest::Result<()> {
        self.alerts.extend(self.comms.process(&mut event));
        self.batch.events.push(event);
        if self.batch.events.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn reject(&mut self, mut letter: DeadLetter) -> probity_ingest::Result<()> {
        // A message that could not be decoded is kept sealed, or without its content when it is
        // with a protected party: never in the clear.
        self.comms.guard_dead_letter(&mut letter);
        self.batch.rejected.push(letter);
        if self.batch.rejected.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mapping = match &args.mapping {
        Some(path) => Some(probity_ingest::csv::Mapping::load(path)?),
        None => None,
    };
    let options = FileOptions {
        format: args.format.0,
        mapping,
        limits: Limits {
            ocr: args.ocr.load()?,
            ..Limits::default()
        },
    };
    let store = open_store(&args.data.data)?;
    let comms = super::open_comms(&args.data.data)?;
    let writer = Writer::spawn(
        Arc::clone(&store) as Arc<dyn EventStore>,
        WriterConfig::default(),
    )
    .context("cannot start the store writer")?;
    let maintainer = probity_store::spawn_maintainer(
        Arc::clone(&store) as Arc<dyn EventStore>,
        Some(probity_store::writer_busy(writer.clone())),
        std::time::Duration::from_millis(200),
    )
    .context("cannot start background indexing")?;

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
    let mut sink = StoreSink {
        writer,
        comms,
        alert_store: Arc::clone(&store) as Arc<dyn AlertStore>,
        batch: Batch::new(),
        alerts: Vec::new(),
        pending: VecDeque::new(),
        accepted: 0,
        raised: 0,
        rejected: 0,
        progress: progress.clone(),
    };
    let mut failed_files = 0u64;
    for problem in &unreadable {
        failed_files += 1;
        progress.suspend(|| eprintln!("cannot read {}: {}", problem.path.display(), problem.error));
        let letter = DeadLetter::new(
            Utc::now(),
            format!("file:{}", problem.path.display()),
            None,
            format!("cannot read: {}", problem.error),
            None,
            &[],
        );
        sink.reject(letter)?;
    }
    // The members of every chat in the run first, so that a chat split over several files
    // (a Teams export one file per month) is joined: a message in one file is to the members its
    // chat shows in any of them.
    progress.set_message("gathering chat members");
    let members = files::gather_chat_members(&inputs, &options);
    for input in &inputs {
        progress.set_message(format!(
            "{} ({} accepted, {} rejected)",
            input.path.display(),
            sink.accepted + sink.batch.events.len() as u64,
            sink.rejected + sink.batch.rejected.len() as u64
        ));
        if let Err(error) =
            files::decode_file_with(&input.path, &options, Some(&members), &mut sink)
        {
            if let probity_ingest::Error::Sink(_) = error {
                return Err(error).context("storing events failed");
            }
            failed_files += 1;
            progress.suspend(|| eprintln!("{error}"));
            // The file as it is, so that nothing is lost with the reason (up to the dead-letter
            // store's limit; the rest stays in the file, and the reason says so).
            let (raw, reason) = match file_head(&input.path) {
                Ok((raw, size)) if (raw.len() as u64) < size => {
                    let kept = raw.len();
                    (
                        raw,
                        format!("{error} (the first {kept} of its {size} bytes kept)"),
                    )
                }
                Ok((raw, _)) => (raw, error.to_string()),
                Err(read) => (
                    Vec::new(),
                    format!("{error} (the file could not be read again to keep it: {read})"),
                ),
            };
            let letter = DeadLetter::new(
                Utc::now(),
                format!("file:{}", input.path.display()),
                args.format.0,
                reason,
                None,
                &raw,
            );
            sink.reject(letter)?;
        }
        progress.inc(input.size);
    }
    sink.finish().context("storing events failed")?;
    progress.finish_and_clear();
    drop(maintainer);
    // Bring the search index up to date so that queries right after use it.
    store
        .maintain(u64::MAX)
        .context("building the search index failed")?;
    println!("accepted {}, rejected {}", sink.accepted, sink.rejected);
    if sink.raised > 0 {
        println!(
            "{} content alert(s) raised (see `probity alerts --data {}`)",
            sink.raised,
            args.data.data.display()
        );
    }
    if sink.rejected > 0 || failed_files > 0 {
        eprintln!(
            "see `probity deadletter --data {}` for what was rejected and why",
            args.data.data.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

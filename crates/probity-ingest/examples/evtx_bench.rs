//! How fast EVTX files decode into events, against the `evtx` crate's own JSON iteration over the
//! same files.
//!
//! ```text
//! cargo run --release -p probity-ingest --example evtx_bench [ROUNDS] [FILE_OR_FOLDER...]
//! ```
//!
//! Without paths it reads the shared test data (`evtx-damaged` and SigmaHQ's regression events).
//! Each measurement is the best of ROUNDS (default 5) passes over every file.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ::evtx::{EvtxParser, ParserSettings};
use probity_ingest::{Context, Limits, Sink};
use probity_model::{DeadLetter, Event};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Counts what it is given and keeps nothing, so that only decoding is measured.
#[derive(Debug, Default)]
struct Counter {
    events: u64,
    rejected: u64,
}

impl Sink for Counter {
    fn event(&mut self, event: Event) -> probity_ingest::Result<()> {
        std::hint::black_box(&event);
        self.events += 1;
        Ok(())
    }

    fn reject(&mut self, letter: DeadLetter) -> probity_ingest::Result<()> {
        std::hint::black_box(&letter);
        self.rejected += 1;
        Ok(())
    }
}

fn evtx_files(path: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "evtx") {
            found.push(path.to_path_buf());
        }
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        evtx_files(&entry?.path(), found)?;
    }
    Ok(())
}

/// The crate's own iteration: records rendered to JSON and parsed into `serde_json::Value`s.
fn bare(files: &[PathBuf]) -> Result<(u64, Duration), Box<dyn Error>> {
    let start = Instant::now();
    let mut records = 0;
    for file in files {
        let settings = ParserSettings::default().num_threads(0).indent(false);
        let mut parser = EvtxParser::from_path(file)?.with_configuration(settings);
        for record in parser.records_json_value().flatten() {
            std::hint::black_box(&record);
            records += 1;
        }
    }
    Ok((records, start.elapsed()))
}

/// Probity's decoding: flattened, mapped, identified events.
fn probity(files: &[PathBuf]) -> Result<(u64, Duration), Box<dyn Error>> {
    let start = Instant::now();
    let mut sink = Counter::default();
    for file in files {
        let mut ctx = Context::new(format!("file:{}", file.display()), Limits::default());
        probity_ingest::evtx::decode_file(file, &mut ctx, &mut sink)?;
    }
    Ok((sink.events, start.elapsed()))
}

fn best_of(
    rounds: usize,
    run: impl Fn() -> Result<(u64, Duration), Box<dyn Error>>,
) -> Result<(u64, Duration), Box<dyn Error>> {
    let mut best: Option<(u64, Duration)> = None;
    for _ in 0..rounds {
        let (records, took) = run()?;
        if best.is_none_or(|(_, fastest)| took < fastest) {
            best = Some((records, took));
        }
    }
    best.ok_or_else(|| "no rounds were run".into())
}

fn rate(records: u64, took: Duration) -> f64 {
    records as f64 / took.as_secs_f64().max(f64::EPSILON)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = match args.next() {
        Some(text) => text.parse()?,
        None => 5,
    };
    let mut roots: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if roots.is_empty() {
        roots.push(Path::new(SHARED).join("evtx-damaged"));
        roots.push(Path::new(SHARED).join("sigma/regression_data"));
    }
    let mut files = Vec::new();
    for root in &roots {
        evtx_files(root, &mut files)?;
    }
    files.sort();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{} EVTX files, {:.1} MiB, best of {rounds} rounds, {} cores",
        files.len(),
        bytes as f64 / (1024.0 * 1024.0),
        std::thread::available_parallelism().map_or(1, usize::from)
    );

    // EVTX_BENCH_ONLY=probity (or =bare) runs one side alone, for a profiler.
    let only = std::env::var("EVTX_BENCH_ONLY").unwrap_or_default();
    if only == "probity" {
        let (records, took) = best_of(rounds, || probity(&files))?;
        println!(
            "probity: {records} records, {:.0} records/s",
            rate(records, took)
        );
        return Ok(());
    }
    if only == "bare" {
        let (records, took) = best_of(rounds, || bare(&files))?;
        println!(
            "bare: {records} records, {:.0} records/s",
            rate(records, took)
        );
        return Ok(());
    }
    let (bare_records, bare_took) = best_of(rounds, || bare(&files))?;
    println!(
        "evtx records_json_value: {bare_records} records in {:.1} ms = {:.0} records/s",
        bare_took.as_secs_f64() * 1000.0,
        rate(bare_records, bare_took)
    );
    let (records, took) = best_of(rounds, || probity(&files))?;
    println!(
        "probity evtx::decode_file: {records} records in {:.1} ms = {:.0} records/s",
        took.as_secs_f64() * 1000.0,
        rate(records, took)
    );
    println!(
        "decode_file takes {:.2}x the time of the bare iteration",
        took.as_secs_f64() / bare_took.as_secs_f64().max(f64::EPSILON)
    );
    Ok(())
}

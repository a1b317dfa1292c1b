//! Speed of a hunt: every SigmaHQ Windows rule over every EVTX file in the shared regression
//! data and damaged-EVTX folders, decode included, against decode alone.
//!
//! `cargo run --release -p probity-detect --example hunt_bench`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use probity_detect::{Detection, Engine, LoadOptions, Mappings, RuleSet};
use probity_ingest::{Context, Limits, Sink};
use probity_model::{DeadLetter, Event};

const SIGMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/sigma");
const DAMAGED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/evtx-damaged"
);
const RUNS: usize = 5;

/// Counts events (decode alone).
struct Count(u64);

impl Sink for Count {
    fn event(&mut self, _event: Event) -> probity_ingest::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn reject(&mut self, _letter: DeadLetter) -> probity_ingest::Result<()> {
        Ok(())
    }
}

/// Evaluates each event as it is decoded, as `probity hunt` does.
struct Hunt<'a> {
    engine: &'a Engine,
    events: u64,
    detections: u64,
    out: Vec<Detection>,
}

impl Sink for Hunt<'_> {
    fn event(&mut self, event: Event) -> probity_ingest::Result<()> {
        self.events += 1;
        self.out.clear();
        self.engine.evaluate(&event, &mut self.out);
        self.detections += self.out.len() as u64;
        Ok(())
    }
    fn reject(&mut self, _letter: DeadLetter) -> probity_ingest::Result<()> {
        Ok(())
    }
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            evtx_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "evtx") {
            out.push(path);
        }
    }
}

fn decode(files: &[PathBuf], sink: &mut dyn Sink) {
    for file in files {
        let mut ctx = Context::new(file.display().to_string(), Limits::default());
        let _ = probity_ingest::evtx::decode_file(file, &mut ctx, sink);
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// CPU time (user and system) this process has used, from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let total = ticks(11) + ticks(12);
    Duration::from_millis(total * 10)
}

/// The best wall time of several runs, with the CPU time of that run.
fn best<F: FnMut()>(mut f: F) -> (Duration, Duration) {
    (0..RUNS)
        .map(|_| {
            let cpu = cpu_time();
            let start = Instant::now();
            f();
            (start.elapsed(), cpu_time().saturating_sub(cpu))
        })
        .min()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(SIGMA)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    rule_dirs.retain(|p| {
        p.is_dir()
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rules"))
    });
    let start = Instant::now();
    let mut report = RuleSet::load(&rule_dirs, &LoadOptions::default());
    // HUNT_BENCH_ALL_RULES=1 keeps every rule (about 3,750), as a live server would load them.
    if std::env::var_os("HUNT_BENCH_ALL_RULES").is_none() {
        report
            .rules
            .rules
            .retain(|r| r.info.logsource.product.as_deref() == Some("windows"));
    }
    let load = start.elapsed();
    let start = Instant::now();
    let mappings = Mappings::builtin()?;
    let engine = Engine::compile(&report.rules, &mappings)?;
    let compile = start.elapsed();
    println!(
        "rules: {} rules loaded in {load:.2?}, compiled in {compile:.2?}; {:?}",
        engine.rule_count(),
        engine.stats()
    );

    let mut files = Vec::new();
    evtx_files(&Path::new(SIGMA).join("regression_data"), &mut files);
    evtx_files(Path::new(DAMAGED), &mut files);
    files.sort();

    if std::env::var_os("HUNT_BENCH_EVAL_ONLY").is_some() {
        let mut all = probity_ingest::Batch::new();
        decode(&files, &mut all);
        let mut out = Vec::new();
        let start = Instant::now();
        for _ in 0..20 {
            for event in &all.events {
                out.clear();
                engine.evaluate(event, &mut out);
            }
        }
        println!("evaluate x20: {:.2?}", start.elapsed());
        return Ok(());
    }
    let mut events = 0;
    let (decode_only, decode_cpu) = best(|| {
        let mut count = Count(0);
        decode(&files, &mut count);
        events = count.0;
    });
    let mut detections = 0;
    let (hunt, hunt_cpu) = best(|| {
        let mut sink = Hunt {
            engine: &engine,
            events: 0,
            detections: 0,
            out: Vec::new(),
        };
        decode(&files, &mut sink);
        detections = sink.detections;
    });
    let mut all = probity_ingest::Batch::new();
    decode(&files, &mut all);
    let mut out = Vec::new();
    let (evaluate_only, _) = best(|| {
        for event in &all.events {
            out.clear();
            engine.evaluate(event, &mut out);
        }
    });
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "files: {}, events: {events}, detections: {detections}",
        files.len()
    );
    println!(
        "decode only:       {decode_only:>10.2?}  {:>10.0} events/s",
        rate(decode_only)
    );
    println!(
        "decode + evaluate: {hunt:>10.2?}  {:>10.0} events/s  ({:+.1}% over decode)",
        rate(hunt),
        (hunt.as_secs_f64() / decode_only.as_secs_f64() - 1.0) * 100.0
    );
    println!(
        "evaluate only:     {evaluate_only:>10.2?}  {:>10.0} events/s  ({:.2} µs/event)",
        rate(evaluate_only),
        evaluate_only.as_secs_f64() * 1e6 / events as f64
    );
    println!(
        "cpu time: decode {decode_cpu:.2?}, decode + evaluate {hunt_cpu:.2?} ({:+.1}%)",
        (hunt_cpu.as_secs_f64() / decode_cpu.as_secs_f64().max(1e-9) - 1.0) * 100.0
    );
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
    Ok(())
}

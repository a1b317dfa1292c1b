//! A mutation fuzzer for the path every message takes: decoding (mail and MIME, journal reports,
//! attachments, Teams and chat exports, WhatsApp text, SMS and Cellebrite CSV) and the
//! communications stage (exclusions, sealing, the abuse scanner, the disclosure policy).
//!
//! ```sh
//! python3 crates/probity-comms/examples/comms_fuzz/gather_seeds.py ../fuzz-seeds
//! cargo run --release -p probity-comms --example comms_fuzz -- \
//!     ../fuzz-seeds --minutes 30 --seed 1 --out /tmp/fuzz-findings
//! cargo run --release -p probity-comms --example comms_fuzz -- --replay FILE...
//! ```
//!
//! Seeds are files or folders (a mailbox is split into its messages, `--per-mailbox N` of them
//! taken evenly through it, 150 by default); a few built-in inputs are always added.
//! `gather_seeds.py` (beside this file) makes the seed folder from the repository alone, the same
//! every time: the ingest tests' mail, chat and M365 fixtures, their attachment and OCR fixtures
//! each wrapped in a message, the shared test data's messages and texts (`../shared/data`), and
//! mail-parser's own test messages from the cargo registry. Keep the folder outside the
//! repository. A mutant that does something new joins the corpus, up to 20,000 of them and
//! `--corpus-mib` MiB (512 by default; past it the largest kept go, see `engine::Corpus`). Each
//! mutant is written to a scratch file and read as `probity ingest` reads a file (format from
//! content and name), then every event goes through `CommsStage::apply` and every dead letter
//! through `CommsStage::guard_dead_letter`, as each is made, inside `catch_unwind`. A finding is
//! a panic; a mutant taking more than 0.5 s plus 2 s per MB plus 20 µs per event or dead letter
//! of CPU (a hang); one whose run raised peak resident memory by more than 96 MiB plus 50 times
//! its size; input read without error that gave no event and no dead letter (a CSV header alone
//! apart), or a mailbox message between others that gave neither (silent loss); and, from the
//! supervisor, a crash that ends the process (stack overflow, allocation failure) or a mutant
//! still running after 20 s. Each distinct finding (kind and reason
//! without numbers) is saved once under `--out` as `KIND-HASH/NAME` (the input, under the name
//! it was decoded as) and `KIND-HASH.txt`; every occurrence goes to `findings.log`.
//!
//! Mutants depend only on `--seed`, the iteration number and the corpus: the same seed and seeds
//! give the same mutants in the same order, except that a mutant is kept in the corpus when what
//! the decoder and stage did with it is new, and the stage's time budgets can change that on a
//! loaded machine. The work runs in a child process (`--worker`) on a 2 MiB stack, as the
//! server's ingest threads have; the parent restarts it after a crash, from the next iteration.

mod engine;
mod exec;
mod mutate;
mod seeds;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use probity_comms::CommsStage;

/// The same allocator as the `probity` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack of the thread that decodes: tokio's blocking threads, where the server decodes.
const WORKER_STACK: usize = 2 * 1024 * 1024;
/// A mutant still running after this long (wall time) is a hang; the worker is ended.
const HANG_WALL: Duration = Duration::from_secs(20);
/// Resident memory past this ends the worker, the mutant saved as a memory finding.
const MEMORY_CEILING: u64 = 4 * 1024 * 1024 * 1024;
/// Exit code of a worker that its watchdog ended (the finding already saved).
const WATCHDOG_EXIT: u8 = 3;

#[derive(Debug, Clone)]
struct Args {
    seeds: Vec<PathBuf>,
    minutes: f64,
    seed: u64,
    out: PathBuf,
    iterations: Option<u64>,
    per_mailbox: usize,
    corpus_mib: usize,
    replay: bool,
    worker: bool,
    start: u64,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        seeds: Vec::new(),
        minutes: 1.0,
        seed: 1,
        out: PathBuf::from("fuzz-out"),
        iterations: None,
        per_mailbox: 150,
        corpus_mib: 512,
        replay: false,
        worker: false,
        start: 0,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        let mut value = |name: &str| raw.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--minutes" => {
                args.minutes = value("--minutes")?
                    .parse()
                    .map_err(|e| format!("--minutes: {e}"))?
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--iterations" => {
                args.iterations = Some(
                    value("--iterations")?
                        .parse()
                        .map_err(|e| format!("--iterations: {e}"))?,
                );
            }
            "--per-mailbox" => {
                args.per_mailbox = value("--per-mailbox")?
                    .parse()
                    .map_err(|e| format!("--per-mailbox: {e}"))?;
            }
            "--corpus-mib" => {
                args.corpus_mib = value("--corpus-mib")?
                    .parse()
                    .map_err(|e| format!("--corpus-mib: {e}"))?;
            }
            "--start" => {
                args.start = value("--start")?
                    .parse()
                    .map_err(|e| format!("--start: {e}"))?
            }
            "--replay" => args.replay = true,
            "--worker" => args.worker = true,
            "-h" | "--help" => {
                return Err("usage: comms_fuzz SEED_DIR_OR_FILE... [--minutes N] [--seed S] [--out DIR] [--iterations N] [--per-mailbox N] [--corpus-mib N]\n       comms_fuzz --replay FILE...".into());
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => args.seeds.push(PathBuf::from(other)),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if args.replay || args.worker {
        // The decoding thread gets the server's stack size; the main thread watches it.
        let worker_args = args.clone();
        let spawned = std::thread::Builder::new()
            .name("fuzz-worker".into())
            .stack_size(WORKER_STACK)
            .spawn(move || {
                if worker_args.replay {
                    replay(&worker_args)
                } else {
                    worker(&worker_args)
                }
            });
        let handle = match spawned {
            Ok(handle) => handle,
            Err(error) => {
                eprintln!("cannot start the worker thread: {error}");
                return ExitCode::from(2);
            }
        };
        watchdog(&args, &handle);
        return match handle.join() {
            Ok(code) => ExitCode::from(code),
            Err(_) => ExitCode::from(2),
        };
    }
    supervise(&args)
}

/// Restarts the worker after a crash, saving the input it was on; stops at the deadline.
fn supervise(args: &Args) -> ExitCode {
    let deadline = Instant::now() + Duration::from_secs_f64(args.minutes * 60.0);
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("cannot find this program's own path");
        return ExitCode::from(2);
    };
    let mut start = args.start;
    let mut crashes = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() && start > args.start {
            break;
        }
        let mut command = Command::new(&exe);
        command
            .args(&args.seeds)
            .arg("--minutes")
            .arg(format!("{}", remaining.as_secs_f64() / 60.0))
            .arg("--seed")
            .arg(args.seed.to_string())
            .arg("--out")
            .arg(&args.out)
            .arg("--per-mailbox")
            .arg(args.per_mailbox.to_string())
            .arg("--corpus-mib")
            .arg(args.corpus_mib.to_string())
            .arg("--start")
            .arg(start.to_string())
            .arg("--worker")
            .stderr(Stdio::piped());
        if let Some(n) = args.iterations {
            command
                .arg("--iterations")
                .arg(n.saturating_sub(start - args.start).to_string());
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                eprintln!("cannot start the worker: {error}");
                return ExitCode::from(2);
            }
        };
        let mut tail: Vec<String> = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                tail.push(line);
                if tail.len() > 20 {
                    tail.remove(0);
                }
            }
        }
        let status = match child.wait() {
            Ok(status) => status,
            Err(error) => {
                eprintln!("waiting for the worker failed: {error}");
                return ExitCode::from(2);
            }
        };
        if status.success() {
            break;
        }
        let work = scratch_dir(std::process::id(), args.seed);
        let state = std::fs::read_to_string(work.join(".iteration")).unwrap_or_default();
        let mut lines = state.lines();
        let iteration: u64 = lines.next().and_then(|n| n.parse().ok()).unwrap_or(start);
        let name = lines.next().unwrap_or("input").to_owned();
        if status.code() != Some(i32::from(WATCHDOG_EXIT)) {
            crashes += 1;
            let bytes = std::fs::read(work.join(&name)).unwrap_or_default();
            let said = tail
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .cloned()
                .unwrap_or_default();
            let finding = exec::Finding {
                kind: "crash",
                reason: format!("the process ended ({status}): {said}"),
            };
            eprintln!(
                "worker crashed at iteration {iteration}: {}",
                finding.reason
            );
            engine::save(&args.out, &finding, &name, &bytes, args.seed, iteration);
        }
        if crashes > 100 {
            eprintln!("more than 100 crashes: stopping");
            return ExitCode::from(1);
        }
        start = iteration + 1;
        if args.iterations.is_some_and(|n| start >= args.start + n) {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// The scratch folder mutants are written to, named by the supervisor's process id (in memory
/// where `/dev/shm` exists).
fn scratch_dir(supervisor: u32, seed: u64) -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("comms-fuzz-{supervisor}-{seed}"))
}

fn open_stage() -> Result<(CommsStage, tempfile::TempDir), String> {
    let data = tempfile::tempdir().map_err(|e| format!("cannot make a data folder: {e}"))?;
    let stage = CommsStage::open_policies(data.path())
        .map_err(|e| format!("cannot open the stage: {e}"))?;
    Ok((stage, data))
}

fn worker(args: &Args) -> u8 {
    exec::quiet_panics();
    let (stage, _data) = match open_stage() {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("{message}");
            return 2;
        }
    };
    let (mut seeds, problems) = seeds::load(&args.seeds, args.per_mailbox);
    for problem in problems {
        eprintln!("seed not read: {problem}");
    }
    seeds.extend(seeds::built_in());
    // The supervisor's process id names the scratch folder it reads after a crash.
    let work = scratch_dir(std::os::unix::process::parent_id(), args.seed);
    if let Err(error) = std::fs::create_dir_all(&work) {
        eprintln!("cannot make {}: {error}", work.display());
        return 2;
    }
    if args.start == 0 {
        println!("{} seeds; findings to {}", seeds.len(), args.out.display());
    }
    let config = engine::Config {
        seed: args.seed,
        start: args.start,
        iterations: args.iterations,
        deadline: Some(Instant::now() + Duration::from_secs_f64(args.minutes * 60.0)),
        out: Some(args.out.clone()),
        work: work.clone(),
        judge_resources: true,
        max_corpus: 20_000,
        max_corpus_bytes: args.corpus_mib.saturating_mul(1024 * 1024),
        progress_every: Some(Duration::from_secs(30)),
    };
    let stats = engine::fuzz(&stage, &seeds, &config);
    engine::print_progress(&stats, stats.seconds);
    println!(
        "done: {} execs in {:.0} s ({:.0}/s) from iteration {}; {} events, {} dead letters; findings {:?}",
        stats.execs,
        stats.seconds,
        stats.execs as f64 / stats.seconds.max(1e-9),
        args.start,
        stats.events,
        stats.dead_letters,
        stats.findings
    );
    for (key, (count, file)) in &stats.distinct {
        let shown = file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        println!("  {count:>6} × {key}  {shown}");
    }
    let _ = std::fs::remove_dir_all(&work);
    0
}

/// Runs saved inputs once each and prints what was found.
fn replay(args: &Args) -> u8 {
    exec::quiet_panics();
    let (stage, data) = match open_stage() {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("{message}");
            return 2;
        }
    };
    let mut found = 0;
    for file in &args.seeds {
        let Ok(bytes) = std::fs::read(file) else {
            eprintln!("cannot read {}", file.display());
            continue;
        };
        let name = file
            .file_name()
            .map(|n| seeds::sanitise(&n.to_string_lossy()))
            .unwrap_or_else(|| "input".into());
        if let Ok(mut current) = engine::CURRENT.lock() {
            current.name.clone_from(&name);
            current.started = Some(Instant::now());
        }
        // A saved input that holds the planted word where the plant rule puts it: its text is
        // looked for in what was made.
        let canary = mutate::planted_by_rule(&bytes);
        let report = exec::run(&stage, data.path(), &name, &bytes, canary);
        println!(
            "{}: {} bytes, {} events, {} dead letters, {:.3} s CPU, peak growth {} MiB",
            file.display(),
            bytes.len(),
            report.events,
            report.dead_letters,
            report.cpu_seconds,
            report.memory_growth >> 20
        );
        for finding in &report.findings {
            found += 1;
            println!("  {}: {}", finding.kind, finding.reason);
        }
    }
    u8::from(found > 0)
}

/// Watches the worker thread: a mutant running past [`HANG_WALL`] or memory past
/// [`MEMORY_CEILING`] is saved as a finding and the process ended, for the supervisor to restart.
fn watchdog<T>(args: &Args, worker: &std::thread::JoinHandle<T>) {
    while !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(200));
        let (iteration, name, running) = match engine::CURRENT.lock() {
            Ok(current) => (
                current.iteration,
                current.name.clone(),
                current.started.map(|s| s.elapsed()),
            ),
            Err(_) => continue,
        };
        let rss = exec::status_bytes("VmRSS");
        let finding = if running.is_some_and(|t| t > HANG_WALL) {
            exec::Finding {
                kind: "hang",
                reason: format!("still running after {} s", HANG_WALL.as_secs()),
            }
        } else if rss > MEMORY_CEILING {
            exec::Finding {
                kind: "memory",
                reason: format!("resident memory past {} MiB", MEMORY_CEILING >> 20),
            }
        } else {
            continue;
        };
        if !args.replay {
            let work = scratch_dir(std::os::unix::process::parent_id(), args.seed);
            let bytes = std::fs::read(work.join(&name)).unwrap_or_default();
            engine::save(&args.out, &finding, &name, &bytes, args.seed, iteration);
        }
        eprintln!(
            "watchdog: {}: {} (iteration {iteration})",
            finding.kind, finding.reason
        );
        std::process::exit(i32::from(WATCHDOG_EXIT));
    }
}

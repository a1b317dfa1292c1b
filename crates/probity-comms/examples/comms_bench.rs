//! Throughput of the whole communications stage (exclusions, sealing cues, abuse and disclosure
//! policies) over a mailbox, on one thread: `cargo run --release -p probity-comms --example
//! comms_bench -- MAILBOX [ROUNDS] [JOIN]`. Prints the message text scanned per second of the
//! thread's own CPU time (`/proc/thread-self/schedstat`, nanoseconds), so other work on a shared
//! machine does not count. Each round runs the stage over copies of the mailbox until at least
//! 50 MB of text has gone through; the best round is reported.
//!
//! `BENCH_BYTES` in the environment sets the text per round (default 50 MB); a small figure makes
//! the bench short enough to run under `valgrind --tool=cachegrind` and compare instruction counts,
//! which a busy shared machine does not disturb.
//!
//! `JOIN` (default 1) joins the bodies of that many consecutive messages into one, to see the
//! cost per byte of longer mail apart from the fixed cost per message.
//!
//! By default every copy of the mailbox is made before the timing starts, so each message the
//! stage reads has long left the processor's caches: the cost of a stage handed a large batch.
//! `BENCH_BATCH=N` in the environment instead copies N messages just before the stage reads them
//! (the copy untimed), as when the stage runs on a batch the decoder has just written; the syslog
//! listener's batches are of 2,000 events.

use std::time::Instant;

/// The same allocator as the `probity` binary, so the figure is the one ingest sees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time this thread has run, in seconds, from `/proc/thread-self/schedstat` (Linux).
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 / 1e9)
}

/// Text bytes per round.
const TARGET_BYTES: usize = 50_000_000;

use probity_comms::CommsStage;
use probity_ingest::{Batch, Context, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mailbox = args.next().ok_or("usage: comms_bench MAILBOX [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let join: usize = args.next().map_or(Ok(1), |r| r.parse())?;
    let file = std::fs::File::open(&mailbox)?;
    let mut ctx = Context::new("bench", Limits::default());
    let mut batch = Batch::new();
    probity_ingest::mail::decode_mbox(file, &mut ctx, &mut batch)?;
    let mut events = batch.events;
    if join > 1 {
        events = events
            .chunks_mut(join)
            .filter_map(|chunk| {
                let mut first = chunk.first()?.clone();
                let bodies: Vec<String> = chunk
                    .iter()
                    .filter_map(|e| e.email.as_ref()?.body.clone())
                    .collect();
                if let Some(email) = first.email.as_mut() {
                    email.body = Some(bodies.join("\n\n"));
                }
                Some(first)
            })
            .collect();
    }
    let text_bytes: usize = events
        .iter()
        .filter_map(|e| e.email.as_ref())
        .map(|m| {
            m.body.as_ref().map_or(0, String::len)
                + m.subject.as_ref().map_or(0, String::len)
                + m.attachments
                    .iter()
                    .map(|a| a.text.as_ref().map_or(0, String::len))
                    .sum::<usize>()
        })
        .sum();
    let dir = std::env::temp_dir().join(format!("comms-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let stage = CommsStage::open(&dir)?;
    println!(
        "{} messages, {:.1} MB of subject, body and attachment text",
        events.len(),
        text_bytes as f64 / 1e6
    );
    // What the stage finds in one pass, by rule (outside the timing).
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    for event in &mut events.clone() {
        for alert in stage.process(event) {
            *by_rule.entry(alert.rule.id).or_default() += 1;
        }
    }
    println!("alerts in one pass: {by_rule:?}");
    let target_bytes = std::env::var("BENCH_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(TARGET_BYTES);
    let copies = target_bytes.div_ceil(text_bytes.max(1));
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut alerts = 0;
    let batch: usize = std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    if batch > 0 {
        println!("messages copied {batch} at a time just before the stage reads them");
    }
    for _ in 0..rounds {
        if batch > 0 {
            let mut cpu = 0.0;
            let mut wall = 0.0;
            alerts = 0;
            for _ in 0..copies {
                for chunk in events.chunks(batch) {
                    let mut fresh = chunk.to_vec();
                    let cpu_before = thread_cpu_seconds();
                    let started = Instant::now();
                    alerts += fresh
                        .iter_mut()
                        .map(|e| stage.process(e).len())
                        .sum::<usize>();
                    wall += started.elapsed().as_secs_f64();
                    if let (Some(before), Some(after)) = (cpu_before, thread_cpu_seconds()) {
                        cpu += after - before;
                    }
                }
            }
            best = best.min(wall);
            best_cpu = best_cpu.min(cpu);
            continue;
        }
        let mut batches: Vec<Vec<probity_model::Event>> =
            (0..copies).map(|_| events.clone()).collect();
        let cpu_before = thread_cpu_seconds();
        let started = Instant::now();
        alerts = 0;
        for copy in &mut batches {
            alerts += copy
                .iter_mut()
                .map(|e| stage.process(e).len())
                .sum::<usize>();
        }
        best = best.min(started.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu_seconds()) {
            best_cpu = best_cpu.min(after - before);
        }
    }
    let bytes = (text_bytes * copies) as f64;
    let messages = (events.len() * copies) as f64;
    println!(
        "best of {rounds} rounds of {copies} passes: {best:.3} s wall, {:.0} MB/s, {:.0} messages/s, {} alerts per pass",
        bytes / 1e6 / best,
        messages / best,
        alerts / copies
    );
    if best_cpu > 0.0 && best_cpu < f64::MAX {
        println!(
            "per core (thread CPU time {best_cpu:.2} s): {:.0} MB/s, {:.0} messages/s",
            bytes / 1e6 / best_cpu,
            messages / best_cpu
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

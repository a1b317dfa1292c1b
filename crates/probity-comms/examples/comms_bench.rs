//! Throughput of the whole communications stage (exclusions, sealing cues, abuse and disclosure
//! policies) over a mailbox, on one thread: `cargo run --release -p probity-comms --example
//! comms_bench -- MAILBOX [ROUNDS]`. Prints the message text scanned per second of the thread's
//! own time.

use std::time::Instant;

/// The same allocator as the `probity` binary, so the figure is the one ingest sees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time this thread has used, in seconds (from the kernel's per-thread accounting, in clock
/// ticks of 10 ms), so that other work on a shared machine does not count.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

use probity_comms::CommsStage;
use probity_ingest::{Batch, Context, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mailbox = args.next().ok_or("usage: comms_bench MAILBOX [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let file = std::fs::File::open(&mailbox)?;
    let mut ctx = Context::new("bench", Limits::default());
    let mut batch = Batch::new();
    probity_ingest::mail::decode_mbox(file, &mut ctx, &mut batch)?;
    let events = batch.events;
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
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut alerts = 0;
    for _ in 0..rounds {
        let mut copy = events.clone();
        let cpu_before = thread_cpu_seconds();
        let started = Instant::now();
        alerts = copy
            .iter_mut()
            .map(|e| stage.process(e).len())
            .sum::<usize>();
        best = best.min(started.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu_seconds()) {
            best_cpu = best_cpu.min(after - before);
        }
    }
    println!(
        "best of {rounds}: {best:.3} s wall, {:.0} MB/s, {:.0} messages/s, {alerts} alerts",
        text_bytes as f64 / 1e6 / best,
        events.len() as f64 / best
    );
    if best_cpu > 0.0 && best_cpu < f64::MAX {
        println!(
            "per core (thread CPU time {best_cpu:.2} s): {:.0} MB/s, {:.0} messages/s",
            text_bytes as f64 / 1e6 / best_cpu,
            events.len() as f64 / best_cpu
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

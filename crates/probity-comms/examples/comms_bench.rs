//! Throughput of the whole communications stage (exclusions, sealing cues, abuse and disclosure
//! policies) over a mailbox, on one thread: `cargo run --release -p probity-comms --example
//! comms_bench -- MAILBOX [ROUNDS]`. Prints the message text scanned per second of the thread's
//! own time.

use std::time::Instant;

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
    let mut alerts = 0;
    for _ in 0..rounds {
        let mut copy = events.clone();
        let started = Instant::now();
        alerts = copy
            .iter_mut()
            .map(|e| stage.process(e).len())
            .sum::<usize>();
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "best of {rounds}: {best:.3} s, {:.0} MB/s, {:.0} messages/s, {alerts} alerts",
        text_bytes as f64 / 1e6 / best,
        events.len() as f64 / best
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

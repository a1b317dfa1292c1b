//! Throughput of the full abuse policy (lexicons, context rules, both classifiers) over email
//! bodies, on one core.
//!
//! ```text
//! cargo run --release -p probity-content --example abuse_bench -- /tmp/simmail/logs/mail.mbox
//! ```
//!
//! Without an mbox it uses the crate's fixture of ordinary sentences. The bodies are scanned
//! repeatedly until at least 50 MB have gone through, five times, and the best round is kept; MB/s counts body bytes (1 MB = 10^6 bytes) per second of
//! this thread's CPU time (from /proc/thread-self/schedstat), so other load on a shared machine
//! does not count against it.

#![allow(clippy::print_stdout)]

mod common;

use std::path::PathBuf;
use std::time::Instant;

use probity_content::classifier::ModelSet;
use probity_content::{Lexicon, Model, Scanner, normalise};

const TARGET_BYTES: usize = 50_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scanner = Scanner::with_defaults()?;
    let bodies: Vec<String> = match std::env::args().nth(1).map(PathBuf::from) {
        Some(path) => common::mbox_texts(&path)?
            .into_iter()
            .map(|(_, body)| body)
            .collect(),
        None => {
            let fixture = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/ordinary_business.txt"
            );
            std::fs::read_to_string(fixture)?
                .lines()
                .map(str::to_string)
                .collect()
        }
    };
    let total: usize = bodies.iter().map(String::len).sum();
    if total == 0 {
        return Err("no text to scan".into());
    }
    println!(
        "{} bodies, {} bytes, mean {} bytes",
        bodies.len(),
        total,
        total / bodies.len()
    );

    let (seconds, bytes) = timed(&bodies, |body| normalise(body).len());
    println!(
        "normalise only:        {:8.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    let lexicon = Lexicon::defaults()?;
    let (seconds, bytes) = timed(&bodies, |body| {
        let mut excepted = Vec::new();
        lexicon.find(&normalise(body), &mut excepted).len()
    });
    println!(
        "normalise + lexicon:   {:8.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    // The lexicon's walk alone, over texts normalised beforehand, per normalised byte.
    let normalised: Vec<_> = bodies.iter().map(|body| normalise(body)).collect();
    let (seconds, bytes) = timed_items(
        &normalised,
        |text| text.len(),
        |text| {
            let mut excepted = Vec::new();
            lexicon.find(text, &mut excepted).len()
        },
    );
    println!(
        "lexicon alone:         {:8.2} ns per normalised byte",
        seconds * 1e9 / bytes as f64
    );
    let models = ModelSet::new(vec![Model::abusive()?, Model::misogyny()?]);
    let (seconds, bytes) = timed(&bodies, |body| models.score(&normalise(body)).len());
    println!(
        "normalise + models:    {:8.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    let (seconds, bytes) = timed(&bodies, |body| scanner.scan("email.body", body).len());
    println!(
        "full policy (scan):    {:8.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    // Outlook writes curly apostrophes and quotes; one such character sends a body off the
    // all-ASCII check, so measure that too.
    let curly: Vec<String> = bodies
        .iter()
        .map(|body| format!("It\u{2019}s \u{201C}{body}\u{201D}"))
        .collect();
    let (seconds, bytes) = timed(&curly, |body| scanner.scan("email.body", body).len());
    println!(
        "full policy, curly quotes added: {:8.1} MB/s",
        bytes as f64 / seconds / 1e6
    );
    // Hostile or pathological bodies of 1 MB: every word a listed one (each a finding to weigh
    // up), reported abuse, a listed phrase, spaced l33t, asterisks for letters, words split by
    // marks. Each is scanned
    // whole, best of three.
    println!("worst cases, 1 MB bodies, one scan each:");
    for (name, unit) in [
        ("listed words only", "bitch whore slut "),
        ("reported abuse", "he called me a bitch "),
        ("a listed phrase", "get back in the kitchen "),
        ("spaced l33t", "b1tch "),
        (
            "group statements",
            "immigrants are vermin and they make me sick ",
        ),
        ("\"they\", no group", "they are vermin "),
        ("letters left out", "b*tch wh*re c**t "),
        ("asterisks, no term", "s*nd th* f*les n*w "),
        ("digit 1 for l or i", "s1ut 1ater wi11 PC1234 "),
        ("spelled out after \"a\"", "what a s l u t "),
        ("split by marks", "sl_ut wh.ore c-unt "),
        ("split by marks, no term", "e-mail and/or house-to-house "),
        ("plain words", "the rota is attached "),
    ] {
        let body = unit.repeat(1_000_000 / unit.len());
        let mut best = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let cpu_started = cpu_seconds();
            std::hint::black_box(scanner.scan("email.body", &body));
            let seconds = match (cpu_started, cpu_seconds()) {
                (Some(a), Some(b)) => b - a,
                _ => started.elapsed().as_secs_f64(),
            };
            best = best.min(seconds);
        }
        println!(
            "  {name:18} {:8.1} MB/s ({:.3} s)",
            body.len() as f64 / best / 1e6,
            best
        );
    }
    Ok(())
}

/// The best of five rounds (the machine is shared; the best round is the least disturbed).
fn timed(bodies: &[String], mut work: impl FnMut(&str) -> usize) -> (f64, usize) {
    timed_items(bodies, String::len, |body| work(body))
}

/// As [`timed`], over any items, each counting `size` bytes.
fn timed_items<T>(
    items: &[T],
    size: impl Fn(&T) -> usize,
    mut work: impl FnMut(&T) -> usize,
) -> (f64, usize) {
    let mut best = (f64::MAX, 1);
    for _ in 0..5 {
        let (seconds, bytes) = round(items, &size, &mut work);
        if seconds / (bytes as f64) < best.0 / (best.1 as f64) {
            best = (seconds, bytes);
        }
    }
    best
}

/// CPU time this thread has run, in seconds, from `/proc/thread-self/schedstat` (Linux); on a
/// shared machine this counts only our own time. Falls back to wall-clock time elsewhere.
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 / 1e9)
}

fn round<T>(
    items: &[T],
    size: &impl Fn(&T) -> usize,
    work: &mut impl FnMut(&T) -> usize,
) -> (f64, usize) {
    let mut bytes = 0;
    let mut sink = 0;
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    while bytes < TARGET_BYTES {
        for item in items {
            sink += work(item);
            bytes += size(item);
        }
    }
    let mut seconds = started.elapsed().as_secs_f64();
    if let (Some(before), Some(after)) = (cpu_started, cpu_seconds()) {
        seconds = after - before;
    }
    std::hint::black_box(sink);
    (seconds, bytes)
}

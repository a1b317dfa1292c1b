//! Measures how much ordinary business email the abuse policy flags.
//!
//! ```text
//! cargo run --release -p probity -- simulate --out /tmp/simmail --staff 300 --days 10
//! cargo run --release -p probity-content --example abuse_false_positives -- /tmp/simmail/logs/mail.mbox
//! ```
//!
//! Also scores the crate's own fixtures of ordinary police and office sentences. A message counts
//! as flagged if any finding is Low or above (Informational findings are recorded, not alerted).
//! With `SHOW_CONTEXT=1` in the environment, each flagged finding is followed by its words in
//! context and the message's subject, for judging it.

#![allow(clippy::print_stdout)]

mod common;

use std::path::PathBuf;

use probity_content::Scanner;
use probity_model::Level;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scanner = Scanner::with_defaults()?;
    for (name, file) in [
        ("ordinary_business.txt", "ordinary_business.txt"),
        (
            "women_and_girls_business.txt (violence against women and girls, victims, welfare)",
            "women_and_girls_business.txt",
        ),
        (
            "women_at_work_chat.txt (short chat about women at work, none sexist)",
            "women_at_work_chat.txt",
        ),
        (
            "descriptions_business.txt (descriptions of suspects, victims and missing people)",
            "descriptions_business.txt",
        ),
    ] {
        let fixture = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let sentences: Vec<(String, String)> = std::fs::read_to_string(fixture)?
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| (String::new(), l.to_string()))
            .collect();
        report(
            &scanner,
            &format!("fixture: {name} (one sentence each)"),
            &sentences,
        );
    }
    for path in std::env::args().skip(1).map(PathBuf::from) {
        let texts = common::mbox_texts(&path)?;
        report(&scanner, &path.display().to_string(), &texts);
    }
    Ok(())
}

fn report(scanner: &Scanner, name: &str, texts: &[(String, String)]) {
    let show_context = std::env::var_os("SHOW_CONTEXT").is_some();
    let mut flagged = 0;
    let mut any_finding = 0;
    let mut highest: Vec<(std::sync::Arc<str>, f32, String)> = Vec::new();
    let gate = probity_content::Model::misogyny()
        .ok()
        .and_then(|m| m.gate().cloned());
    let mut past_gate = 0;
    for (subject, body) in texts {
        if let Some(gate) = &gate
            && gate.score(&probity_content::normalise(body)) >= gate.threshold()
        {
            past_gate += 1;
        }
        let mut findings = scanner.scan("email.subject", subject);
        let report = scanner.scan_report("email.body", body);
        for (model, score) in report.scores {
            let excerpt: String = body
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(100)
                .collect();
            match highest.iter_mut().find(|(name, _, _)| *name == model) {
                Some(entry) if entry.1 < score => *entry = (model, score, excerpt),
                Some(_) => {}
                None => highest.push((model, score, excerpt)),
            }
        }
        findings.extend(report.findings);
        if !findings.is_empty() {
            any_finding += 1;
        }
        let alerting: Vec<_> = findings
            .iter()
            .filter(|f| f.severity >= Level::Low)
            .collect();
        if alerting.is_empty() {
            continue;
        }
        flagged += 1;
        for finding in alerting.iter().take(3) {
            println!(
                "  flagged [{} {}] {}",
                finding.category, finding.severity, finding.why
            );
            if show_context {
                for span in &finding.spans {
                    println!("    in {} of {subject:?}: {}", span.field, span.context);
                }
                if finding.spans.is_empty() {
                    let excerpt: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
                    let excerpt: String = excerpt.chars().take(300).collect();
                    println!("    in {subject:?}: {excerpt}");
                }
            }
        }
    }
    let rate = 100.0 * flagged as f64 / texts.len().max(1) as f64;
    println!(
        "{name}: {} texts, {flagged} flagged at Low or above ({rate:.2}%), {any_finding} with any finding",
        texts.len()
    );
    for (model, score, excerpt) in highest {
        println!("  highest {model} model score: {score:.3} ({excerpt})");
    }
    if let Some(gate) = &gate {
        println!(
            "  bodies the misogyny gate lets through to the full model: {past_gate} ({:.1}%, gate level {:.4})",
            100.0 * past_gate as f64 / texts.len().max(1) as f64,
            gate.threshold()
        );
    }
}

//! Scans text from standard input with the shipped abuse policy and prints the scan report.
//!
//! ```text
//! echo "I'm not going to kill you" | cargo run -p probity-content --example abuse_scan
//! ```

use std::io::Read;

use probity_content::Scanner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().take(4 << 20).read_to_string(&mut text)?;
    let scanner = Scanner::with_defaults()?;
    let report = scanner.scan_report("email.body", &text);
    for finding in &report.findings {
        println!("{}", serde_json::to_string_pretty(finding)?);
    }
    for suppressed in &report.suppressed {
        println!(
            "set aside: {:?} ({}): {}",
            suppressed.span.text, suppressed.category, suppressed.reason
        );
    }
    for (model, score) in &report.scores {
        println!("{model} model: {score:.3}");
    }
    Ok(())
}

//! Trains the abuse policy's classifiers from the labelled text sets and writes the model files
//! and `REPORT.md`:
//!
//! ```text
//! cargo run --release -p probity-content --bin probity-content-train -- \
//!     --data /work/shared/data/text --out crates/probity-content/models
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use probity_content::train::{Settings, train_all};

fn main() -> ExitCode {
    let mut data = None;
    let mut out = None;
    let mut settings = Settings::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match (arg.as_str(), value) {
            ("--data", Some(v)) => {
                data = Some(PathBuf::from(v));
                true
            }
            ("--out", Some(v)) => {
                out = Some(PathBuf::from(v));
                true
            }
            ("--bits", Some(v)) => v.parse().map(|b| settings.bits = b).is_ok(),
            ("--epochs", Some(v)) => v.parse().map(|e| settings.epochs = e).is_ok(),
            ("--learning-rate", Some(v)) => v.parse().map(|r| settings.learning_rate = r).is_ok(),
            ("--abusive-char-ngrams", Some(v)) => {
                v.parse().map(|n| settings.abusive_char_ngrams = n).is_ok()
            }
            ("--misogyny-char-ngrams", Some(v)) => {
                v.parse().map(|n| settings.misogyny_char_ngrams = n).is_ok()
            }
            ("--abusive-ratio-smoothing", Some(v)) => v
                .parse()
                .map(|a| settings.abusive_ratio_smoothing = a)
                .is_ok(),
            ("--misogyny-ratio-smoothing", Some(v)) => v
                .parse()
                .map(|a| settings.misogyny_ratio_smoothing = a)
                .is_ok(),
            ("--l2", Some(v)) => v.parse().map(|l| settings.l2 = l).is_ok(),
            ("--gate-keep", Some(v)) => v.parse().map(|k| settings.gate_keep = k).is_ok(),
            ("--initial-accumulator", Some(v)) => {
                v.parse().map(|a| settings.initial_accumulator = a).is_ok()
            }
            _ => false,
        };
        if !parsed {
            eprintln!("unknown or incomplete argument {arg:?}");
            return usage();
        }
    }
    let (Some(data), Some(out)) = (data, out) else {
        return usage();
    };
    if !(10..=probity_content::classifier::MAX_BITS).contains(&settings.bits) {
        eprintln!(
            "--bits must be between 10 and {}",
            probity_content::classifier::MAX_BITS
        );
        return ExitCode::from(2);
    }
    if !(settings.gate_keep > 0.0 && settings.gate_keep <= 1.0) {
        eprintln!("--gate-keep must be above 0 and at most 1");
        return ExitCode::from(2);
    }
    if !(settings.initial_accumulator.is_finite() && settings.initial_accumulator > 0.0) {
        eprintln!("--initial-accumulator must be a positive number");
        return ExitCode::from(2);
    }
    if ![
        settings.abusive_ratio_smoothing,
        settings.misogyny_ratio_smoothing,
    ]
    .iter()
    .all(|a| a.is_finite() && *a >= 0.0)
    {
        eprintln!(
            "--abusive-ratio-smoothing and --misogyny-ratio-smoothing must be 0 (off) or a positive number"
        );
        return ExitCode::from(2);
    }
    match train_all(&data, &out, &settings) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("training failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: probity-content-train --data <dir with davidson/, edos/, guest-misogyny/> --out <models dir> \
         [--bits N] [--epochs N] [--learning-rate F] [--l2 F] [--initial-accumulator F] [--gate-keep F] [--abusive-char-ngrams N] [--misogyny-char-ngrams N] [--abusive-ratio-smoothing F] [--misogyny-ratio-smoothing F]"
    );
    ExitCode::from(2)
}

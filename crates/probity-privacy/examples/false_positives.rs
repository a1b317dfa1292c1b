//! How often the detectors fire on ordinary text that holds no police data: the public text sets in
//! `../shared/data/text` (tweets, Reddit posts) and the shared EML files read as plain text. Prints
//! counts per kind and the matched values for the validated identifiers (never the text around
//! them).
//!
//! cargo run --release -p probity-privacy --example false_positives

use std::collections::BTreeMap;
use std::path::Path;

use probity_privacy::identifiers::{IdKind, Identifiers};
use probity_privacy::markings::Markings;
use probity_privacy::sealing::SealCues;

const SETS: [(&str, &str); 3] = [
    ("text/davidson/labeled_data.csv", "tweet"),
    ("text/edos/edos_train_dev.csv", "text"),
    ("text/guest-misogyny/guest_train.csv", "body"),
];

fn texts_of(path: &Path, column: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let index = reader
        .headers()?
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| format!("{} has no column {column}", path.display()))?;
    let mut out = Vec::new();
    for record in reader.records() {
        if let Some(text) = record?.get(index) {
            out.push(text.to_owned());
        }
    }
    Ok(out)
}

fn eml_texts(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            eml_texts(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml")
            && let Ok(bytes) = std::fs::read(&path)
        {
            out.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let identifiers = Identifiers::new()?;
    let markings = Markings::new()?;
    let cues = SealCues::new()?;

    let mut corpora: Vec<(String, Vec<String>)> = Vec::new();
    for (file, column) in SETS {
        corpora.push((file.to_owned(), texts_of(&data.join(file), column)?));
    }
    let mut emls = Vec::new();
    eml_texts(&data.join("mail/eml"), &mut emls);
    corpora.push(("mail/eml (raw messages)".to_owned(), emls));

    for (name, texts) in &corpora {
        let bytes: usize = texts.iter().map(String::len).sum();
        let mut by_kind: BTreeMap<IdKind, usize> = BTreeMap::new();
        let mut shown: Vec<String> = Vec::new();
        let (mut marked, mut sealed) = (0, 0);
        for text in texts {
            for hit in identifiers.find(text) {
                *by_kind.entry(hit.kind).or_insert(0) += 1;
                let singles_out = matches!(
                    hit.kind,
                    IdKind::NiNumber | IdKind::NhsNumber | IdKind::PncId | IdKind::BankCard
                );
                if singles_out && shown.len() < 10 {
                    shown.push(format!("{}={}", hit.kind.name(), &text[hit.start..hit.end]));
                }
            }
            marked += usize::from(!markings.in_text(text).is_empty());
            sealed += usize::from(cues.detect(text).is_some());
        }
        println!(
            "{name}: {} texts, {:.1} MB",
            texts.len(),
            bytes as f64 / 1e6
        );
        for (kind, count) in &by_kind {
            println!("  {:<22} {count}", kind.name());
        }
        println!("  texts with a marking line  {marked}");
        println!("  texts the seal cues fire on {sealed}");
        if !shown.is_empty() {
            println!("  validated identifiers: {}", shown.join(", "));
        }
    }
    Ok(())
}

//! How the full scanner (lexicons, context rules, classifiers) does on the labelled sets' held-out
//! part: per set, the share of positive and of negative texts with a finding at Low or above (any
//! category for Davidson's abusive/offensive labels; `misogynistic` findings only for the sexism
//! and misogyny sets).
//!
//! ```text
//! cargo run --release -p probity-content --example abuse_on_labelled_sets -- /work/shared/data/text
//! ```

use std::path::PathBuf;

use probity_content::Scanner;
use probity_content::eval::Confusion;
use probity_content::train::{Example, Part, load_davidson, load_edos, load_guest, part_of};
use probity_model::Level;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: abuse_on_labelled_sets <data dir>")?,
    );
    let scanner = Scanner::with_defaults()?;
    for (name, examples, category) in [
        ("davidson", load_davidson(&data)?, None),
        ("edos", load_edos(&data)?, Some("misogynistic")),
        ("guest-misogyny", load_guest(&data)?, Some("misogynistic")),
    ] {
        let held_out: Vec<&Example> = examples
            .iter()
            .filter(|e| part_of(&e.text) == Part::Test)
            .collect();
        let (mut positives, mut positives_flagged, mut negatives, mut negatives_flagged) =
            (0, 0, 0, 0);
        let mut lexicon_only = 0;
        let mut negative_terms: std::collections::BTreeMap<String, usize> = Default::default();
        for example in held_out {
            let findings: Vec<_> = scanner
                .scan("email.body", &example.text)
                .into_iter()
                .filter(|f| category.is_none_or(|c| f.category == c))
                .collect();
            let flagged = findings.iter().any(|f| f.severity >= Level::Low);
            if findings
                .iter()
                .any(|f| f.score.is_none() && f.severity >= Level::Low)
                && example.positive
            {
                lexicon_only += 1;
            }
            if example.positive {
                positives += 1;
                positives_flagged += usize::from(flagged);
            } else {
                negatives += 1;
                negatives_flagged += usize::from(flagged);
                for finding in findings
                    .iter()
                    .filter(|f| f.score.is_none() && f.severity >= Level::Low)
                {
                    for span in &finding.spans {
                        *negative_terms.entry(span.text.to_lowercase()).or_default() += 1;
                    }
                }
            }
        }
        let confusion = Confusion {
            true_positives: positives_flagged,
            false_positives: negatives_flagged,
            false_negatives: positives - positives_flagged,
            true_negatives: negatives - negatives_flagged,
        };
        println!(
            "{name}: precision {:.3}, recall {:.3}, F1 {:.3} (macro F1 over both classes {:.3})",
            confusion.precision(),
            confusion.recall(),
            confusion.f1(),
            confusion.macro_f1()
        );
        println!(
            "  {name}: held-out positives flagged {positives_flagged}/{positives} ({:.1}%; by the lexicon {lexicon_only}), negatives flagged {negatives_flagged}/{negatives} ({:.1}%)",
            100.0 * positives_flagged as f64 / positives.max(1) as f64,
            100.0 * negatives_flagged as f64 / negatives.max(1) as f64,
        );
        let mut terms: Vec<(String, usize)> = negative_terms.into_iter().collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.1));
        let common: Vec<String> = terms
            .iter()
            .take(12)
            .map(|(t, n)| format!("{t} ({n})"))
            .collect();
        println!(
            "  lexicon terms most often matched in negatives: {}",
            common.join(", ")
        );
    }
    Ok(())
}

//! The disclosure policy against the synthetic force: simulates a force (probity-sim), decodes its
//! mailbox as the pipeline does, runs the policy with the staff directory's personal addresses,
//! and compares the messages it flags with the ground truth's email events.
//!
//! cargo run --release -p probity-privacy --example sim_eval [staff] [days] [seed]

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;

use probity_ingest::{Batch, Context, Limits};
use probity_privacy::disclosure::{Disclosure, DisclosurePolicy};
use probity_privacy::staff::StaffDirectory;
use probity_sim::SimConfig;
use serde_json::Value;

fn arg(n: usize, default: u64) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(std::env::args()
        .nth(n)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(default))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = SimConfig {
        staff: usize::try_from(arg(1, 500)?)?,
        days: u32::try_from(arg(2, 30)?)?,
        seed: arg(3, 1)?,
        ..SimConfig::default()
    };
    let dir = tempfile::tempdir()?;
    probity_sim::simulate(&config, dir.path())?;

    let staff = StaffDirectory::from_csv(
        File::open(dir.path().join("reference/staff.csv"))?,
        "reference/staff.csv",
        1_000_000,
    )?;
    let mut policy = DisclosurePolicy::defaults()?;
    policy.recipients.internal_domains = vec![
        "northshire.police.uk".into(),
        "*.northshire.police.uk".into(),
    ];
    let checker = Disclosure::new(policy)?;

    let mut ctx = Context::new("file:logs/mail.mbox", Limits::default());
    let mut batch = Batch::default();
    probity_ingest::mail::decode_mbox(
        BufReader::new(File::open(dir.path().join("logs/mail.mbox"))?),
        &mut ctx,
        &mut batch,
    )?;

    // Ground truth: mailbox events by location, with their scenario's kind and variant.
    let truth: Value = serde_json::from_reader(File::open(dir.path().join("truth.json"))?)?;
    let mut expected: HashMap<String, String> = HashMap::new();
    for scenario in truth["scenarios"].as_array().into_iter().flatten() {
        let label = format!(
            "{}/{}{}",
            scenario["kind"].as_str().unwrap_or("?"),
            scenario["variant"].as_str().unwrap_or("?"),
            if scenario["hard_negative"].as_bool() == Some(true) {
                " (hard negative)"
            } else {
                ""
            }
        );
        for event in scenario["events"].as_array().into_iter().flatten() {
            if event["file"].as_str() == Some("logs/mail.mbox")
                && let Some(location) = event["location"].as_str()
            {
                expected.insert(location.to_owned(), label.clone());
            }
        }
    }

    let mut by_label: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unexpected: BTreeMap<String, usize> = BTreeMap::new();
    let mut examples: Vec<String> = Vec::new();
    let mut flagged_total = 0;
    for event in &batch.events {
        let findings = checker.check_event(event, &staff.personal);
        let flagged = findings
            .iter()
            .any(|f| f.severity > probity_model::Level::Informational);
        flagged_total += usize::from(flagged);
        let location = event.provenance.location.clone().unwrap_or_default();
        match expected.get(&location) {
            Some(label) => {
                if !flagged && std::env::var_os("SIM_EVAL_SHOW_MISSED").is_some() {
                    println!("missed {label}: {}", serde_json::to_string(&event.email)?);
                }
                let entry = by_label.entry(label.clone()).or_default();
                entry.0 += 1;
                entry.1 += usize::from(flagged);
            }
            None if flagged => {
                for finding in findings
                    .iter()
                    .filter(|f| f.severity > probity_model::Level::Informational)
                {
                    *unexpected.entry(finding.category.clone()).or_default() += 1;
                    if examples.len() < 5 {
                        examples.push(finding.why.clone());
                    }
                }
            }
            None => {}
        }
    }

    println!(
        "{} staff, {} days, seed {}: {} messages decoded, {} dead letters, {} flagged above informational",
        config.staff,
        config.days,
        config.seed,
        batch.events.len(),
        batch.rejected.len(),
        flagged_total
    );
    println!("ground-truth email events (kind/variant): flagged / total");
    for (label, (total, flagged)) in &by_label {
        println!("  {label:<48} {flagged} / {total}");
    }
    println!("flagged messages not in the ground truth, by finding category: {unexpected:?}");
    for why in examples {
        println!("  e.g. {why}");
    }
    Ok(())
}

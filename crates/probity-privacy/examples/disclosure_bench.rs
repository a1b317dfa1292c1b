//! Throughput of the disclosure policy and the detectors on synthetic but realistic police email
//! bodies (greetings, operational narrative, signatures with phone numbers and addresses,
//! disclaimers, a share carrying markings and identifiers). Prints MB/s on one thread.
//!
//! cargo run --release -p probity-privacy --example disclosure_bench [messages] [disclosure]
//!
//! With `disclosure` as the second argument only the policy is measured (for profiling).

use std::hint::black_box;
use std::time::Instant;

use probity_model::{Attachment, Email, File};
use probity_privacy::disclosure::Disclosure;
use probity_privacy::identifiers::Identifiers;
use probity_privacy::markings::Markings;
use probity_privacy::masking::Masker;
use probity_privacy::names::Names;
use probity_privacy::recipients::StaffPersonalAddresses;

const OPENINGS: [&str; 5] = [
    "Morning all,\n\n",
    "Hi Sarge,\n\n",
    "Good afternoon,\n\nFurther to our conversation earlier, ",
    "Dear colleagues,\n\nPlease see below the update for tonight's briefing. ",
    "Hello,\n\n",
];

const NARRATIVE: [&str; 12] = [
    "Officers attended the address following a report of a disturbance between neighbours. ",
    "No offences were disclosed and words of advice were given to both parties. ",
    "The vehicle was stopped on the A38 at 23:40 and the driver was breathalysed (negative). ",
    "CCTV has been requested from the shops on the High Street for the period 14:00 to 16:00. ",
    "Can you please make sure the exhibits are booked into the property store before end of shift? ",
    "The victim has been updated and is happy with the action taken; a VRI was completed. ",
    "I have attached the duty rota for the next four weeks; please check your rest days. ",
    "Training on the new mobile data terminals runs on 12/05 and 19/05 in the Learning Centre. ",
    "Intelligence suggests the group is using the underpass as a meeting point after school. ",
    "Crime reference 44/12345/24 refers. The suspect remains outstanding and is circulated. ",
    "Thanks for covering the late turn on Saturday, much appreciated by the whole team. ",
    "A missing person report was received at 19:05; the person returned home safe at 22:30. ",
];

const SENSITIVE: [&str; 6] = [
    "Detained: Mrs Ada Price, DOB: 12/03/1980, NI AB123456C, PNC ID 01/23456K.\n",
    "Vehicle of interest LM68 ABC, keeper at 14 Acacia Avenue, B33 8TH, tel 07700 900123.\n",
    "Card used: 4111 1111 1111 1111 at the petrol station, NHS 943 476 5919 on the hospital form.\n",
    "Associate: JONES, Bob, born on 3rd March 1975, mobile +44 7700 900456.\n",
    "OFFICIAL-SENSITIVE PERSONAL\n",
    "Partner agency referral sent to ward@nhs.net and cps.lawyer@cps.gov.uk.\n",
];

const SIGNATURE: &str = "\nKind regards\n\nPC 1234 Sam Lane\nResponse Team B, Force Headquarters\nBridge Street, Anytown AB1 2DE\nTel: 01632 960123 | Mobile: 07700 900999\nsam.lane@force.police.uk\n";

const DISCLAIMER: &str = "\nOFFICIAL\n\nThis email and any attachments are intended for the addressee only and may contain \
information that is privileged or confidential. If you have received it in error please notify the \
sender and delete it. All communications may be monitored and recorded for lawful business purposes.\n";

/// A small deterministic generator, so that every run measures the same text.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

fn body(rng: &mut Lcg) -> String {
    let mut text = String::from(OPENINGS[rng.next(OPENINGS.len())]);
    let paragraphs = 2 + rng.next(6);
    for _ in 0..paragraphs {
        for _ in 0..(3 + rng.next(5)) {
            text.push_str(NARRATIVE[rng.next(NARRATIVE.len())]);
        }
        text.push_str("\n\n");
    }
    if rng.next(5) == 0 {
        text.push_str(SENSITIVE[rng.next(SENSITIVE.len())]);
    }
    text.push_str(SIGNATURE);
    text.push_str(DISCLAIMER);
    text
}

fn messages(count: usize, outside_share: usize) -> Vec<Email> {
    let mut rng = Lcg(42);
    let internal = ["dc.moss@force.police.uk", "response.b@force.police.uk"];
    let outside = ["someone@gmail.com", "desk@thesun.co.uk", "info@example.com"];
    (0..count)
        .map(|i| {
            let to = if rng.next(100) < outside_share {
                outside[rng.next(outside.len())]
            } else {
                internal[rng.next(internal.len())]
            };
            let mut email = Email {
                from: vec!["sam.lane@force.police.uk".into()],
                to: vec![to.into()],
                subject: Some(format!("RE: Update {i}")),
                body: Some(body(&mut rng)),
                ..Email::default()
            };
            if rng.next(10) == 0 {
                email.attachments.push(Attachment {
                    file: File {
                        name: Some("notes.txt".into()),
                        ..File::default()
                    },
                    text: Some(body(&mut rng)),
                    extraction: None,
                });
            }
            email
        })
        .collect()
}

fn bytes_of(emails: &[Email]) -> usize {
    emails
        .iter()
        .map(|e| {
            e.subject.as_ref().map_or(0, String::len)
                + e.body.as_ref().map_or(0, String::len)
                + e.attachments
                    .iter()
                    .map(|a| a.text.as_ref().map_or(0, String::len))
                    .sum::<usize>()
        })
        .sum()
}

/// Runs `work` `RUNS` times over `bytes` of text and prints the best and median throughput (the
/// machine is shared, so the best run is the fairest figure for the code).
fn measure(what: &str, bytes: usize, mut work: impl FnMut() -> usize) {
    const RUNS: usize = 5;
    let mut seconds = Vec::with_capacity(RUNS);
    let mut count = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        count = work();
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let mb = bytes as f64 / 1_000_000.0;
    println!(
        "{what:<48} {mb:>6.1} MB  best {:>7.1} MB/s  median {:>7.1} MB/s  ({count} results)",
        mb / seconds[0],
        mb / seconds[RUNS / 2]
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(20_000);
    let checker = Disclosure::with_defaults()?;
    let staff = StaffPersonalAddresses::new();
    println!("{count} messages, one thread, 5 runs each");

    for (label, share) in [
        ("disclosure, every message outside (full scan)", 100),
        ("disclosure, 10% of messages outside", 10),
    ] {
        let emails = messages(count, share);
        measure(label, bytes_of(&emails), || {
            emails
                .iter()
                .map(|email| black_box(checker.check(email, &staff)).len())
                .sum()
        });
    }

    if std::env::args().nth(2).as_deref() == Some("disclosure") {
        return Ok(());
    }
    let emails = messages(count, 100);
    let bodies: Vec<&str> = emails.iter().filter_map(|e| e.body.as_deref()).collect();
    let bytes: usize = bodies.iter().map(|b| b.len()).sum();

    let identifiers = Identifiers::new()?;
    measure("identifiers only", bytes, || {
        bodies
            .iter()
            .map(|b| black_box(identifiers.find(b)).len())
            .sum()
    });
    let markings = Markings::new()?;
    measure("markings only", bytes, || {
        bodies
            .iter()
            .map(|b| black_box(markings.in_text(b)).len())
            .sum()
    });
    let names = Names::new()?;
    measure("names only", bytes, || {
        bodies.iter().map(|b| black_box(names.find(b)).len()).sum()
    });
    let masker = Masker::new(["Sam Lane"], Vec::<String>::new(), ["force.police.uk"])?;
    measure("masking", bytes, || {
        bodies
            .iter()
            .map(|b| black_box(masker.mask(b)).masked.len())
            .sum()
    });
    Ok(())
}

//! The ground-truth file: every injected misuse and every hard negative, with its events.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{Counted, FileCount};
use crate::activity::{address_id, person_id, vehicle_id};
use crate::clock::iso_utc;
use crate::events::SubjectRef;
use crate::roster::day_start;
use crate::scenario::{EventKey, Kind, Scenario};
use crate::world::World;
use crate::{Error, Result};

pub(crate) const TRUTH_FILE: &str = "truth.json";

/// The version of the ground-truth format.
pub const TRUTH_VERSION: u32 = 1;

#[derive(Serialize)]
struct TruthFile<'a> {
    version: u32,
    generator: &'static str,
    seed: u64,
    staff: usize,
    days: u32,
    start: String,
    end: String,
    period_start: String,
    period_end: String,
    insiders: Vec<Insider>,
    counts: Counts,
    scenarios: Vec<ScenarioOut<'a>>,
}

#[derive(Serialize)]
struct Insider {
    staff_id: String,
    accounts: Vec<String>,
    name: String,
    role: &'static str,
    scenarios: Vec<String>,
}

#[derive(Serialize, Default)]
struct Counts {
    misuse: BTreeMap<&'static str, usize>,
    hard_negative: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct ScenarioOut<'a> {
    id: String,
    kind: Kind,
    variant: &'static str,
    hard_negative: bool,
    expected_detections: &'a [Kind],
    tempts: &'a [Kind],
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    staff_id: String,
    account: String,
    start: String,
    end: String,
    subjects: Vec<String>,
    description: &'a str,
    events: &'a [EventKey],
}

/// What the truth file says, for the summary.
pub(crate) struct TruthSummary {
    pub file: FileCount,
    pub insiders: usize,
    pub misuse: BTreeMap<String, usize>,
    pub hard_negatives: BTreeMap<String, usize>,
}

fn subject_text(world: &World, subject: SubjectRef) -> String {
    match subject {
        SubjectRef::Person(person) => person_id(person),
        SubjectRef::Vehicle(vehicle) => world
            .pop
            .vehicles
            .get(vehicle as usize)
            .map(|v| vehicle_id(&v.vrm))
            .unwrap_or_default(),
        SubjectRef::Address(address) => address_id(address),
    }
}

/// Writes `truth.json`. Scenarios none of whose events were written (a planned lookup that fell
/// outside every shift) are left out; the rest are numbered in order.
pub(crate) fn write(world: &World, out: &Path, scenarios: &[Scenario]) -> Result<TruthSummary> {
    let kept: Vec<&Scenario> = scenarios.iter().filter(|s| !s.events.is_empty()).collect();
    let mut counts = Counts::default();
    let mut insiders: BTreeMap<u32, Insider> = BTreeMap::new();
    let mut outputs = Vec::with_capacity(kept.len());
    // A misuse that opens a watch-listed record its author is not authorised for is also a
    // restricted-record access, whatever else it is.
    let expected: Vec<Vec<Kind>> = kept
        .iter()
        .map(|scenario| {
            let mut kinds = scenario.expected.clone();
            let restricted = !scenario.hard_negative
                && scenario.subjects.iter().any(|subject| match subject {
                    SubjectRef::Person(person) => world
                        .watch
                        .entry(*person)
                        .is_some_and(|entry| !entry.authorised.contains(&scenario.staff)),
                    _ => false,
                });
            if restricted && !kinds.contains(&Kind::RestrictedRecord) {
                kinds.push(Kind::RestrictedRecord);
            }
            kinds
        })
        .collect();
    for (index, scenario) in kept.iter().enumerate() {
        let id = format!("SC-{:05}", index + 1);
        let member = world.org.staff.get(scenario.staff as usize);
        let bucket = if scenario.hard_negative {
            &mut counts.hard_negative
        } else {
            &mut counts.misuse
        };
        *bucket.entry(scenario.kind.name()).or_insert(0) += 1;
        if !scenario.hard_negative
            && let Some(member) = member
        {
            insiders
                .entry(scenario.staff)
                .or_insert_with(|| Insider {
                    staff_id: member.id.clone(),
                    accounts: vec![member.sam.clone(), member.email.clone()],
                    name: member.full_name(),
                    role: member.info().code,
                    scenarios: Vec::new(),
                })
                .scenarios
                .push(id.clone());
        }
        outputs.push(ScenarioOut {
            id,
            kind: scenario.kind,
            variant: scenario.variant,
            hard_negative: scenario.hard_negative,
            expected_detections: &expected[index],
            tempts: &scenario.tempts,
            group: scenario.group.as_deref(),
            staff_id: member.map(|m| m.id.clone()).unwrap_or_default(),
            account: member.map(|m| m.sam.clone()).unwrap_or_default(),
            start: scenario.first.map(iso_utc).unwrap_or_default(),
            end: scenario.last.map(iso_utc).unwrap_or_default(),
            subjects: scenario
                .subjects
                .iter()
                .map(|s| subject_text(world, *s))
                .collect(),
            description: &scenario.description,
            events: &scenario.events,
        });
    }
    let config = &world.config;
    let last = config.start + chrono::Duration::days(i64::from(config.days) - 1);
    let insider_count = insiders.len();
    let misuse = counts
        .misuse
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    let hard_negatives = counts
        .hard_negative
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    let document = TruthFile {
        version: TRUTH_VERSION,
        generator: "probity-sim",
        seed: config.seed,
        staff: config.staff,
        days: config.days,
        start: config.start.to_string(),
        end: last.to_string(),
        period_start: iso_utc(day_start(config.start, 0)),
        period_end: iso_utc(day_start(config.start, config.days)),
        insiders: insiders.into_values().collect(),
        counts,
        scenarios: outputs,
    };
    let path = out.join(TRUTH_FILE);
    let mut file = Counted::create(&path)?;
    serde_json::to_writer_pretty(&mut file, &document).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    std::io::Write::write_all(&mut file, b"\n").map_err(|e| Error::io(&path, e))?;
    let records = kept.len() as u64;
    let bytes = file.finish()?;
    Ok(TruthSummary {
        file: FileCount {
            path: TRUTH_FILE.to_owned(),
            records,
            bytes,
        },
        insiders: insider_count,
        misuse,
        hard_negatives,
    })
}

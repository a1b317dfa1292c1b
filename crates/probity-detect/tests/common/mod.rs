//! Shared helpers for tests over the shared Sigma data.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use probity_detect::{LoadOptions, LoadReport, RuleSet};
use probity_ingest::{Batch, Context, Limits};
use probity_model::Event;

pub const SIGMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/sigma");
pub const EVTX_DAMAGED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/evtx-damaged"
);

/// Every `rules*` folder of the shared Sigma data, in name order.
pub fn rule_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(SIGMA)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("rules"))
        })
        .collect();
    dirs.sort();
    dirs
}

/// Loads every published rule.
pub fn load_all() -> LoadReport {
    RuleSet::load(&rule_dirs(), &LoadOptions::default())
}

/// Decodes an EVTX file into events (damaged records are skipped; they are the decoder's
/// concern).
pub fn decode(path: &Path) -> Vec<Event> {
    let mut ctx = Context::new(path.display().to_string(), Limits::default());
    let mut batch = Batch::new();
    let _ = probity_ingest::evtx::decode_file(path, &mut ctx, &mut batch);
    batch.events
}

/// One positive regression test: the rule that must fire on an EVTX file.
#[derive(Debug, Clone)]
pub struct RegressionTest {
    pub info: PathBuf,
    pub rule_id: String,
    pub title: String,
    pub evtx: Option<PathBuf>,
    pub match_count: Option<u64>,
}

/// Every `info.yml` under `regression_data`, in path order.
pub fn regression_tests() -> Vec<RegressionTest> {
    let mut infos = Vec::new();
    walk(&Path::new(SIGMA).join("regression_data"), &mut infos);
    infos.sort();
    infos
        .into_iter()
        .map(|info| {
            let text = std::fs::read_to_string(&info).unwrap();
            let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
            let meta = &doc["rule_metadata"][0];
            let test = doc["regression_tests_info"]
                .as_sequence()
                .and_then(|s| s.first())
                .cloned();
            RegressionTest {
                rule_id: meta["id"].as_str().unwrap().to_owned(),
                title: meta["title"].as_str().unwrap_or_default().to_owned(),
                evtx: test
                    .as_ref()
                    .and_then(|t| t["path"].as_str())
                    .map(|p| Path::new(SIGMA).join(p)),
                match_count: test.as_ref().and_then(|t| t["match_count"].as_u64()),
                info,
            }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.file_name().is_some_and(|n| n == "info.yml") {
            out.push(path);
        }
    }
}

/// Every `.evtx` file under a folder.
pub fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect_evtx(dir, &mut out);
    out.sort();
    out
}

fn collect_evtx(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_evtx(&path, out);
        } else if path.extension().is_some_and(|e| e == "evtx") {
            out.push(path);
        }
    }
}

/// An event whose original fields are the given JSON object (the flat EVTX shape unless the
/// object says otherwise), at the given second of 2024-01-01.
pub fn event_at(second: i64, original: serde_json::Value) -> Event {
    use chrono::TimeZone;
    use probity_model::{EventId, Format, Provenance};
    let time = chrono::Utc
        .timestamp_opt(1_704_067_200 + second, 0)
        .single()
        .unwrap();
    let bytes = original.to_string();
    let provenance = Provenance {
        id: EventId::derive(Format::Evtx, bytes.as_bytes(), second as u32),
        source: "test".into(),
        format: Format::Evtx,
        ingested: time,
        location: None,
    };
    let mut event = Event::new(time, provenance);
    if let serde_json::Value::Object(map) = original {
        event.original = map;
    }
    event
}

/// [`event_at`] second 0.
pub fn event(original: serde_json::Value) -> Event {
    event_at(0, original)
}

/// Loads rules from text (panicking on any problem) and compiles them with the built-in
/// mappings.
pub fn engine(text: &str) -> probity_detect::Engine {
    engine_with(text, &LoadOptions::default())
}

/// [`engine`] with load options.
pub fn engine_with(text: &str, options: &LoadOptions) -> probity_detect::Engine {
    let report = RuleSet::parse_str("test.yml", text, options);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mappings = probity_detect::Mappings::builtin().unwrap();
    probity_detect::Engine::compile(&report.rules, &mappings).unwrap()
}

/// The ids of the rules that match an event.
pub fn fired(engine: &probity_detect::Engine, event: &Event) -> Vec<String> {
    let mut out = Vec::new();
    engine.evaluate(event, &mut out);
    out.into_iter().map(|d| d.rule.id.clone()).collect()
}

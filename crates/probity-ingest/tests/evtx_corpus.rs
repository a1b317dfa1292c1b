//! EVTX decoding against real files: the damaged-file corpus (every readable record must come out,
//! every unreadable part must become a dead letter) and SigmaHQ's regression events (the flattened
//! fields must hold what the published JSON renderings show).

// The whole file is test code; clippy only sees that inside `#[test]` functions, not in helpers.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ::evtx::{EvtxParser, ParserSettings};
use probity_ingest::evtx::{self, EvtxOptions, EvtxSummary, RECOVERED_TAG};
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Event, Format};
use proptest::prelude::*;
use serde_json::Value;

const DAMAGED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/evtx-damaged"
);
const REGRESSION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/sigma/regression_data"
);

fn damaged(name: &str) -> PathBuf {
    Path::new(DAMAGED).join(name)
}

fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "evtx") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn decode(path: &Path) -> (EvtxSummary, Batch) {
    decode_with(path, &EvtxOptions::default(), Limits::default())
}

fn decode_with(path: &Path, options: &EvtxOptions, limits: Limits) -> (EvtxSummary, Batch) {
    let mut ctx = Context::new(format!("file:{}", path.display()), limits);
    let mut batch = Batch::new();
    let summary = evtx::decode_file_with(path, options, &mut ctx, &mut batch)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (summary, batch)
}

fn decode_bytes(bytes: Vec<u8>, origin: &str) -> probity_ingest::Result<(EvtxSummary, Batch)> {
    let mut ctx = Context::new(format!("file:{origin}"), Limits::default());
    let mut batch = Batch::new();
    let summary = evtx::decode_bytes(bytes, origin, &mut ctx, &mut batch)?;
    Ok((summary, batch))
}

/// What the `evtx` crate itself yields for a file: good records and errors.
fn bare_counts(path: &Path) -> (u64, u64) {
    let settings = ParserSettings::default().num_threads(0);
    let mut parser = EvtxParser::from_path(path)
        .unwrap()
        .with_configuration(settings);
    let (mut good, mut bad) = (0, 0);
    for record in parser.records_json_value() {
        match record {
            Ok(_) => good += 1,
            Err(_) => bad += 1,
        }
    }
    (good, bad)
}

fn by_record(batch: &Batch, record_id: u64) -> &Event {
    let location = format!("record {record_id}");
    batch
        .events
        .iter()
        .find(|e| e.provenance.location.as_deref() == Some(location.as_str()))
        .unwrap_or_else(|| panic!("no event at {location}"))
}

fn text(event: &Event, field: &str) -> Option<String> {
    event.get(field).and_then(|v| v.as_text())
}

#[test]
fn every_readable_record_of_the_damaged_corpus_comes_out() {
    let files = evtx_files(Path::new(DAMAGED));
    assert_eq!(files.len(), 23);
    let (mut records, mut damaged_parts) = (0, 0);
    for path in &files {
        let (summary, batch) = decode(path);
        let (good, bad) = bare_counts(path);
        let name = path.display();
        assert_eq!(summary.records, good, "{name}: records");
        assert_eq!(summary.damaged, bad, "{name}: damaged parts");
        assert_eq!(batch.events.len() as u64, summary.records, "{name}");
        assert_eq!(batch.rejected.len() as u64, summary.damaged, "{name}");
        assert_eq!(summary.errors.len() as u64, summary.damaged, "{name}");
        for letter in &batch.rejected {
            assert_eq!(letter.format, Some(Format::Evtx));
            assert!(!letter.reason.is_empty());
            let location = letter.location.as_deref().unwrap();
            assert!(
                location.starts_with(&path.display().to_string()),
                "{location}"
            );
        }
        for event in &batch.events {
            assert_eq!(event.provenance.format, Format::Evtx);
            assert!(event.original.contains_key("EventID"), "{name}");
            assert!(event.event.dataset.is_some());
        }
        records += summary.records;
        damaged_parts += summary.damaged;
    }
    assert_eq!((records, damaged_parts), (18_563, 18));
}

#[test]
fn bad_chunks_and_records_become_dead_letters_with_their_bytes() {
    let (summary, batch) = decode(&damaged("sample_with_a_bad_chunk_magic.evtx"));
    assert_eq!((summary.records, summary.damaged), (301, 3));
    let chunk_letters: Vec<_> = batch
        .rejected
        .iter()
        .filter(|l| l.reason.contains("Invalid EVTX chunk header magic"))
        .collect();
    assert_eq!(chunk_letters.len(), 2);
    for letter in chunk_letters {
        assert_eq!(letter.raw.len(), 65_536, "the whole chunk is kept");
        let location = letter.location.as_deref().unwrap();
        assert!(location.ends_with("chunk 10") || location.ends_with("chunk 6"));
    }
    let record_letter = batch
        .rejected
        .iter()
        .find(|l| {
            l.location
                .as_deref()
                .unwrap()
                .contains("chunk 7, offset 0x2060")
        })
        .unwrap();
    assert!(record_letter.reason.contains("Failed to read the record"));
    assert!(!record_letter.raw.is_empty());

    let (summary, batch) = decode(&damaged("sample-with-zero-data-size-event.evtx"));
    assert_eq!((summary.records, summary.damaged), (449, 1));
    let letter = &batch.rejected[0];
    assert!(letter.reason.contains("Invalid EVTX record data size"));
    assert!(
        letter
            .location
            .as_deref()
            .unwrap()
            .ends_with("chunk 0, offset 0x820")
    );
    assert!(
        letter.raw.starts_with(b"**\0\0"),
        "the record header is kept"
    );

    // A record whose header reads but whose content does not is found again by its id.
    let (_, batch) = decode(&damaged(
        "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    ));
    let letter = batch
        .rejected
        .iter()
        .find(|l| l.location.as_deref().unwrap().ends_with("record 6914519"))
        .unwrap();
    assert!(letter.location.as_deref().unwrap().contains("chunk "));
    assert!(letter.raw.starts_with(b"**\0\0"));
    assert_eq!(&letter.raw[8..16], &6_914_519u64.to_le_bytes());
    assert!(letter.reason.contains("invalid byte"), "{}", letter.reason);

    let (summary, batch) = decode(&damaged("sysmon.evtx"));
    assert_eq!((summary.records, summary.damaged), (358, 8));
    assert_eq!(batch.rejected.len(), 8);
}

#[test]
fn checksum_and_string_cache_damage_loses_nothing() {
    for (name, records) in [
        ("Application_no_crc32.evtx", 17),
        ("security_bad_string_cache.evtx", 2261),
        ("security.evtx", 2261),
    ] {
        let (summary, _) = decode(&damaged(name));
        assert_eq!((summary.records, summary.damaged), (records, 0), "{name}");
    }
}

/// The JSON documents in a regression `.json` file (some hold several, one after another).
fn json_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// Equal, allowing for what the tool that made the published renderings did differently: it
/// wrote GUIDs without braces and cut trailing spaces (`"cmd.exe" ` is `"cmd.exe"` there). We keep
/// values exactly as the file holds them.
fn same_value(decoded: &Value, published: &Value) -> bool {
    match (decoded, published) {
        (Value::String(ours), Value::String(theirs)) => {
            let bare = |s: &str| {
                s.trim_end()
                    .trim_start_matches('{')
                    .trim_end_matches('}')
                    .to_owned()
            };
            ours == theirs || bare(ours).eq_ignore_ascii_case(&bare(theirs))
        }
        _ => decoded == published,
    }
}

#[test]
fn regression_events_flatten_to_the_fields_sigma_rules_name() {
    let files = evtx_files(Path::new(REGRESSION));
    assert!(files.len() >= 200, "{} files", files.len());
    let mut checked_fields = 0;
    for path in &files {
        let (summary, batch) = decode(path);
        assert_eq!(summary.damaged, 0, "{}", path.display());
        let json_path = path.with_extension("json");
        if !json_path.exists() {
            continue;
        }
        for document in json_documents(&json_path) {
            let event = &document["Event"];
            let system = &event["System"];
            let record_id = system["EventRecordID"].as_u64().unwrap();
            let decoded = by_record(&batch, record_id);
            let flat = &decoded.original;
            assert_eq!(flat["EventID"], system["EventID"], "{}", path.display());
            assert_eq!(flat["Channel"], system["Channel"]);
            assert_eq!(flat["Computer"], system["Computer"]);
            assert_eq!(
                flat["Provider_Name"],
                system["Provider"]["#attributes"]["Name"]
            );
            let mut data = Vec::new();
            if let Some(fields) = event["EventData"].as_object() {
                data.extend(fields);
            }
            if let Some(elements) = event["UserData"].as_object() {
                for inner in elements.values().filter_map(Value::as_object) {
                    data.extend(inner);
                }
            }
            for (name, value) in data {
                if name == "#attributes" {
                    continue;
                }
                let Some(decoded_value) = flat.get(name) else {
                    panic!("{}: no field {name}", path.display());
                };
                assert!(
                    same_value(decoded_value, value),
                    "{}: {name}: {decoded_value} vs {value}",
                    path.display()
                );
                checked_fields += 1;
            }
        }
    }
    assert!(checked_fields > 3_000, "{checked_fields} fields checked");
}

#[test]
fn security_and_sysmon_records_map_to_typed_fields() {
    let (_, batch) = decode(&damaged("Security_short_selected.evtx"));
    let failed = by_record(&batch, 319_457_832);
    assert_eq!(
        failed.timestamp.to_rfc3339(),
        "2016-06-29T15:24:36.686+00:00"
    );
    assert_eq!(text(failed, "event.code").as_deref(), Some("4625"));
    assert_eq!(
        text(failed, "event.action").as_deref(),
        Some("logon-failed")
    );
    assert_eq!(text(failed, "event.outcome").as_deref(), Some("failure"));
    assert_eq!(
        text(failed, "event.dataset").as_deref(),
        Some("windows.security")
    );
    assert_eq!(text(failed, "host.name").as_deref(), Some("temporal"));
    assert_eq!(failed.user_name(), Some("Administrator"));
    assert_eq!(text(failed, "user.domain").as_deref(), Some("TEMPORAL"));
    assert_eq!(text(failed, "source.ip").as_deref(), Some("23.94.153.202"));
    assert_eq!(text(failed, "source.port").as_deref(), Some("60167"));
    assert_eq!(text(failed, "process.pid").as_deref(), Some("3128"));
    assert_eq!(
        text(failed, "process.name").as_deref(),
        Some("winlogon.exe")
    );
    assert_eq!(text(failed, "Status").as_deref(), Some("0xc000006d"));

    let validated = by_record(&batch, 319_457_831);
    assert_eq!(
        text(validated, "event.action").as_deref(),
        Some("credential-validated")
    );
    assert_eq!(validated.user_name(), Some("Administrator"));
    assert_eq!(
        text(validated, "source.domain").as_deref(),
        Some("TEMPORAL")
    );

    let (_, batch) = decode(&damaged("new-user-security.evtx"));
    let created = by_record(&batch, 112);
    assert_eq!(
        text(created, "event.action").as_deref(),
        Some("added-user-account")
    );
    assert_eq!(created.user_name(), Some("WIN-QALA5Q3KJ43$"));
    assert_eq!(text(created, "user.target.name").as_deref(), Some("IEUser"));
    assert_eq!(
        text(created, "user.target.id").as_deref(),
        Some("S-1-5-21-3463664321-2923530833-3546627382-1000")
    );
    let added = by_record(&batch, 113);
    assert_eq!(
        text(added, "event.action").as_deref(),
        Some("added-member-to-group")
    );
    assert_eq!(
        text(added, "user.target.id").as_deref(),
        Some("S-1-5-21-3463664321-2923530833-3546627382-1000")
    );

    let (_, batch) = decode(&damaged("sysmon.evtx"));
    let ping = by_record(&batch, 1742);
    assert_eq!(
        text(ping, "event.action").as_deref(),
        Some("process-created")
    );
    assert_eq!(
        text(ping, "event.dataset").as_deref(),
        Some("windows.sysmon")
    );
    assert_eq!(ping.user_name(), Some("SYSTEM"));
    assert_eq!(text(ping, "user.domain").as_deref(), Some("NT AUTHORITY"));
    assert_eq!(
        text(ping, "process.executable").as_deref(),
        Some("C:\\Windows\\SysWOW64\\PING.EXE")
    );
    assert_eq!(text(ping, "process.pid").as_deref(), Some("9112"));
    assert_eq!(text(ping, "process.parent.pid").as_deref(), Some("8392"));
    let connection = by_record(&batch, 2061);
    assert_eq!(
        text(connection, "destination.ip").as_deref(),
        Some("185.26.182.117")
    );
    assert_eq!(text(connection, "destination.port").as_deref(), Some("443"));
    assert_eq!(
        text(connection, "source.ip").as_deref(),
        Some("192.168.2.128")
    );
    let file = by_record(&batch, 1765);
    assert_eq!(
        text(file, "file.path").as_deref(),
        Some("C:\\Windows\\SoftwareDistribution\\Download\\Install\\AM_Delta.exe")
    );
    assert_eq!(text(file, "file.extension").as_deref(), Some("exe"));
}

#[test]
fn streamed_and_parsed_flattening_agree_on_every_record() {
    let mut files = evtx_files(Path::new(DAMAGED));
    files.extend(evtx_files(Path::new(REGRESSION)));
    let mut records = 0;
    for path in &files {
        let settings = ParserSettings::default().num_threads(0).indent(false);
        let mut parser = EvtxParser::from_path(path)
            .unwrap()
            .with_configuration(settings);
        for record in parser.records_json().filter_map(Result::ok) {
            let parsed: Value = serde_json::from_str(&record.data).unwrap();
            let streamed = evtx::flatten_json(record.data.as_bytes()).unwrap();
            assert_eq!(
                streamed,
                evtx::flatten_record(&parsed),
                "{} record {}",
                path.display(),
                record.event_record_id
            );
            records += 1;
        }
    }
    assert_eq!(records, 18_801);
}

fn ids(batch: &Batch) -> Vec<String> {
    batch
        .events
        .iter()
        .map(|e| e.provenance.id.to_hex())
        .collect()
}

#[test]
fn bytes_and_file_decode_alike_and_ids_repeat() {
    for name in ["sample_with_a_bad_chunk_magic.evtx", "security.evtx"] {
        let path = damaged(name);
        let (summary, from_file) = decode(&path);
        let bytes = std::fs::read(&path).unwrap();
        let origin = path.display().to_string();
        let (same, from_bytes) = decode_bytes(bytes, &origin).unwrap();
        assert_eq!(summary, same, "{name}");
        assert_eq!(ids(&from_file), ids(&from_bytes), "{name}");
        let letters = |batch: &Batch| -> Vec<(String, Option<String>, Vec<u8>)> {
            batch
                .rejected
                .iter()
                .map(|l| (l.reason.clone(), l.location.clone(), l.raw.clone()))
                .collect()
        };
        assert_eq!(letters(&from_file), letters(&from_bytes), "{name}");
        let (_, again) = decode(&path);
        assert_eq!(ids(&from_file), ids(&again), "{name}: ids are stable");
        let unique: HashSet<_> = ids(&from_file).into_iter().collect();
        assert_eq!(
            unique.len(),
            from_file.events.len(),
            "{name}: ids are distinct"
        );
    }
}

#[test]
fn anything_but_evtx_is_an_error() {
    let license = std::fs::read(damaged("LICENSE-MIT")).unwrap();
    let error = decode_bytes(license, "LICENSE-MIT").unwrap_err();
    assert!(
        error.to_string().contains("not a readable EVTX file"),
        "{error}"
    );
    assert!(decode_bytes(Vec::new(), "empty").is_err());
    assert!(decode_bytes(vec![0u8; 10_000], "zeros").is_err());
    let mut ctx = Context::new("file:missing", Limits::default());
    let missing = evtx::decode_file(
        Path::new("/nonexistent/x.evtx"),
        &mut ctx,
        &mut Batch::new(),
    );
    assert!(missing.is_err());
}

#[test]
fn a_file_cut_short_gives_up_the_records_before_the_cut() {
    let bytes = std::fs::read(damaged("security.evtx")).unwrap();
    let two_chunks = 4096 + 2 * 65_536;
    let (whole, whole_batch) = decode_bytes(bytes.clone(), "whole").unwrap();
    let (at_boundary, _) = decode_bytes(bytes[..two_chunks].to_vec(), "boundary").unwrap();
    assert_eq!(at_boundary.damaged, 0);

    let (cut, cut_batch) = decode_bytes(bytes[..two_chunks + 30_000].to_vec(), "cut").unwrap();
    assert!(
        cut.records > at_boundary.records,
        "records of the partial chunk are read: {} vs {}",
        cut.records,
        at_boundary.records
    );
    let cut_letter = cut_batch
        .rejected
        .iter()
        .find(|l| l.reason.contains("cut short"))
        .unwrap();
    assert_eq!(
        cut_letter.location.as_deref(),
        Some("cut: chunk 2 (30000 bytes)")
    );
    // What was read from the cut file is what the whole file holds there.
    let whole_ids: HashSet<String> = ids(&whole_batch).into_iter().collect();
    assert!(ids(&cut_batch).iter().all(|id| whole_ids.contains(id)));
    assert!(cut.records < whole.records);
}

#[test]
fn carved_records_are_tagged_when_asked_for() {
    let path = damaged("new-user-security.evtx");
    let (plain, batch) = decode(&path);
    assert_eq!(plain.records, 4);
    assert!(batch.events.iter().all(|e| e.tags.is_empty()));
    let options = EvtxOptions {
        recover_records: true,
        ..EvtxOptions::default()
    };
    let (recovered, batch) = decode_with(&path, &options, Limits::default());
    assert_eq!(recovered.records, 7);
    let tagged = batch
        .events
        .iter()
        .filter(|e| e.tags.iter().any(|t| t == RECOVERED_TAG))
        .count();
    assert_eq!(tagged, 3);
}

#[test]
fn records_over_the_limits_become_dead_letters() {
    let path = damaged("Security_short_selected.evtx");
    let limits = Limits {
        max_event_bytes: 600,
        ..Limits::default()
    };
    let (summary, batch) = decode_with(&path, &EvtxOptions::default(), limits);
    assert_eq!(summary.records + summary.damaged, 7);
    assert!(summary.damaged > 0);
    for letter in &batch.rejected {
        assert!(
            letter.reason.contains("byte event limit"),
            "{}",
            letter.reason
        );
        assert!(letter.raw.len() > 600);
    }
    let limits = Limits {
        max_fields: 5,
        ..Limits::default()
    };
    let (summary, _) = decode_with(&path, &EvtxOptions::default(), limits);
    assert_eq!((summary.records, summary.damaged), (0, 7));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Damage anywhere in a file never panics and never loses count: every record the parser
    /// reports becomes an event or a dead letter.
    #[test]
    fn corrupted_files_never_panic(
        flips in proptest::collection::vec((0usize..69_632, any::<u8>()), 1..40),
    ) {
        let mut bytes = std::fs::read(damaged("Application_no_crc32.evtx")).unwrap();
        for (at, value) in flips {
            // Leave the file header alone half of the time so that chunks get exercised.
            let at = if value % 2 == 0 { 4096 + at % (bytes.len() - 4096) } else { at };
            bytes[at] = value;
        }
        if let Ok((summary, batch)) = decode_bytes(bytes, "fuzzed") {
            prop_assert_eq!(batch.events.len() as u64, summary.records);
            prop_assert_eq!(batch.rejected.len() as u64, summary.damaged);
        }
    }
}

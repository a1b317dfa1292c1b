//! CSV decoding with a YAML mapping (the shipped records-audit example) and without one.

// The whole file is test code; clippy only sees that inside `#[test]` functions, not in helpers.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use probity_ingest::csv::{self, Mapping};
use probity_ingest::{Batch, Context, Error, Limits};
use probity_model::{Event, EventId, Format, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn at(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn received() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap()
}

fn context(limits: Limits) -> Context {
    let mut ctx = Context::new("file:/exports/records-audit.csv", limits);
    ctx.received = received();
    ctx
}

fn example_mapping() -> Mapping {
    Mapping::load(Path::new(&format!(
        "{EXAMPLES}/mappings/records-audit.yaml"
    )))
    .unwrap()
}

fn example_csv() -> Vec<u8> {
    std::fs::read(format!("{EXAMPLES}/records-audit.csv")).unwrap()
}

fn decode_example() -> Batch {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode(&example_csv()[..], &example_mapping(), &mut ctx, &mut batch).unwrap();
    batch
}

fn at_line(batch: &Batch, line: u64) -> &Event {
    let location = format!("line {line}");
    batch
        .events
        .iter()
        .find(|event| event.provenance.location.as_deref() == Some(location.as_str()))
        .unwrap_or_else(|| panic!("no event at {location}"))
}

#[test]
fn example_rows_become_events_or_dead_letters() {
    let batch = decode_example();
    assert_eq!(batch.events.len(), 19);
    assert_eq!(batch.rejected.len(), 2);

    let bad_date = &batch.rejected[0];
    assert_eq!(bad_date.location.as_deref(), Some("line 12"));
    assert_eq!(bad_date.format, Some(Format::Csv));
    assert_eq!(
        bad_date.reason,
        "column \"Access Time\": \"31/02/2026 10:15:00\" is not a time in the format \"%d/%m/%Y %H:%M:%S\""
    );
    assert!(
        bad_date
            .raw_text()
            .unwrap()
            .starts_with("31/02/2026 10:15:00,DC 1187,")
    );

    let missing = &batch.rejected[1];
    assert_eq!(missing.location.as_deref(), Some("line 16"));
    assert_eq!(missing.reason, "row has 10 columns, the header has 11");
    assert_eq!(
        missing.raw_text(),
        Some(
            "05/09/2026 03:13:01,PC 4521,NTH-WS-0412,10.20.3.14,QV,PERSON,P-000118,\"SMITH, Jane\",,S-10233"
        )
    );
}

#[test]
fn example_fields_are_mapped() {
    let batch = decode_example();
    let event = at_line(&batch, 2);
    assert_eq!(event.timestamp, at("2026-01-12T08:02:11Z"));
    assert_eq!(event.user_name(), Some("PC 4521"));
    let record = event.record.as_ref().unwrap();
    assert_eq!(record.system.as_deref(), Some("PNC"));
    assert_eq!(record.action.as_deref(), Some("search"));
    assert_eq!(record.subject.kind.as_deref(), Some("person"));
    assert_eq!(record.subject.id.as_ref().unwrap().as_str(), "P-000118");
    assert_eq!(
        record.subject.name.as_ref().unwrap().as_str(),
        "SMITH, Jane"
    );
    assert_eq!(record.reason.as_deref(), Some("Stop check"));
    assert_eq!(record.incident_ref.as_deref(), Some("INC-2026-000412"));
    assert_eq!(
        event.host.as_ref().unwrap().name.as_deref(),
        Some("NTH-WS-0412")
    );
    assert_eq!(
        event.source.as_ref().unwrap().ip.as_deref(),
        Some("10.20.3.14")
    );
    assert_eq!(event.event.kind.as_deref(), Some("event"));
    assert_eq!(event.event.category, ["iam"]);
    assert_eq!(event.event.dataset.as_deref(), Some("records.pnc"));
    assert_eq!(event.event.action.as_deref(), Some("search"));

    // Every column is in original, including the one the mapping does not use.
    assert_eq!(
        Value::Object(event.original.clone()),
        json!({
            "Access Time": "12/01/2026 08:02:11",
            "User ID": "PC 4521",
            "Terminal": "NTH-WS-0412",
            "IP": "10.20.3.14",
            "Transaction": "QP",
            "Subject Type": "PERSON",
            "Subject Ref": "P-000118",
            "Subject Name": "SMITH, Jane",
            "Reason": "Stop check",
            "Incident": "INC-2026-000412",
            "Session": "S-7781"
        })
    );

    // The id is made from the row exactly as written.
    let raw = b"12/01/2026 08:02:11,PC 4521,NTH-WS-0412,10.20.3.14,QP,PERSON,P-000118,\"SMITH, Jane\",Stop check,INC-2026-000412,S-7781";
    assert_eq!(event.provenance.id, EventId::derive(Format::Csv, raw, 0));
    assert_eq!(event.provenance.format, Format::Csv);
    assert_eq!(event.provenance.source, "file:/exports/records-audit.csv");
}

#[test]
fn example_actions_defaults_and_empty_cells() {
    let batch = decode_example();
    let action = |line| {
        at_line(&batch, line)
            .record
            .as_ref()
            .unwrap()
            .action
            .clone()
    };
    assert_eq!(action(3).as_deref(), Some("view"));
    assert_eq!(action(10).as_deref(), Some("print"));
    assert_eq!(action(11).as_deref(), Some("export"));
    // An empty Transaction takes the default.
    assert_eq!(action(14).as_deref(), Some("view"));
    assert_eq!(at_line(&batch, 14).event.action.as_deref(), Some("view"));
    // No reason and no incident given: the fields stay unset (what a purpose check looks for).
    let unexplained = at_line(&batch, 8).record.as_ref().unwrap();
    assert_eq!(unexplained.reason, None);
    assert_eq!(unexplained.incident_ref, None);
    assert_eq!(at_line(&batch, 8).original["Incident"], "");
}

#[test]
fn example_uk_dates_in_gmt_and_bst() {
    let batch = decode_example();
    let cases = [
        // Day-first: 2 March, not 3 February. GMT.
        (4, "2026-03-02T14:30:05Z"),
        // 29 March 2026: clocks go forward at 01:00 GMT.
        (6, "2026-03-29T00:45:00Z"),
        (7, "2026-03-29T01:30:00Z"),
        // BST: an hour ahead of UTC.
        (8, "2026-04-14T22:10:09Z"),
        (10, "2026-07-01T08:00:00Z"),
        // 25 October 2026: 01:30 happens twice; the first (BST) is taken. 02:30 is GMT.
        (17, "2026-10-25T00:30:00Z"),
        (18, "2026-10-25T02:30:00Z"),
        (21, "2026-11-23T14:05:09Z"),
    ];
    for (line, expected) in cases {
        assert_eq!(at_line(&batch, line).timestamp, at(expected), "line {line}");
    }
}

#[test]
fn mapping_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(
        &path,
        "version: 1\nname: x\ntimestamp: { column: When }\nfields:\n  user.naem: Who\n",
    )
    .unwrap();
    let error = Mapping::load(&path).unwrap_err();
    assert!(matches!(error, Error::Mapping { .. }));
    let message = error.to_string();
    assert!(message.contains("broken.yaml"), "{message}");
    assert!(message.contains("user.naem"), "{message}");
}

#[test]
fn a_column_missing_from_the_header_stops_the_file() {
    let mapping = Mapping::from_yaml(
        "version: 1\nname: x\ntimestamp: { column: When }\nfields: { user.name: Who, host.name: Where }\n",
        Path::new("x.yaml"),
    )
    .unwrap();
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    let error = csv::decode(
        &b"When,Who\n2026-01-01T00:00:00Z,a\n"[..],
        &mapping,
        &mut ctx,
        &mut batch,
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("x.yaml"), "{message}");
    assert!(message.contains("\"Where\""), "{message}");
    assert!(batch.is_empty());
}

fn simple_mapping(extra: &str) -> Mapping {
    let text = format!(
        "version: 1\nname: simple\ntimestamp: {{ column: When }}\nfields:\n  user.name: Who\n  source.port: Port\n{extra}"
    );
    Mapping::from_yaml(&text, Path::new("simple.yaml")).unwrap()
}

#[test]
fn bad_rows_are_dead_letters_with_reasons() {
    let mapping = simple_mapping("");
    let mut input = b"When,Who,Port\r\n".to_vec();
    input.extend_from_slice(b"2026-01-01T10:00:00Z,alice,443\r\n");
    input.extend_from_slice(b"2026-01-01T10:00:01Z,b\xffb,22\r\n");
    input.extend_from_slice(b"2026-01-01T10:00:02Z,carol,https\r\n");
    input.extend_from_slice(b",dave,1\r\n");
    input.extend_from_slice(format!("2026-01-01T10:00:03Z,{},1\r\n", "e".repeat(200)).as_bytes());
    input.extend_from_slice(b"\"2026-01-01T10:00:04Z\",\"frank\nsmith\",8080");
    let mut ctx = context(Limits {
        max_event_bytes: 100,
        ..Limits::default()
    });
    let mut batch = Batch::new();
    csv::decode(&input[..], &mapping, &mut ctx, &mut batch).unwrap();

    let names: Vec<&str> = batch.events.iter().filter_map(Event::user_name).collect();
    assert_eq!(names, ["alice", "frank\nsmith"]);
    assert_eq!(
        batch.events[1].provenance.location.as_deref(),
        Some("line 7")
    );
    assert_eq!(batch.events[1].source.as_ref().unwrap().port, Some(8080));

    let letters: Vec<(&str, &str)> = batch
        .rejected
        .iter()
        .map(|l| (l.location.as_deref().unwrap(), l.reason.as_str()))
        .collect();
    assert_eq!(
        letters,
        [
            ("line 3", "column \"Who\" is not valid UTF-8"),
            (
                "line 4",
                "column \"Port\" for source.port: \"https\" is not a port number (0-65535)"
            ),
            ("line 5", "column \"When\" (the event time) is empty"),
            (
                "line 6",
                "row of 223 bytes is longer than the limit of 100 bytes"
            ),
        ]
    );
    assert_eq!(batch.rejected[0].raw, b"2026-01-01T10:00:01Z,b\xffb,22");
    assert_eq!(batch.rejected[3].raw.len(), 100);
    assert_eq!(batch.rejected[3].raw_len, 223);
}

/// A quote left open in a row runs, as RFC 4180 reads it, to the end of the file: the rows after
/// it must not vanish into its field. Where the lines after the quote's line read as rows, the row
/// is read to the end of its line and they are read as rows, each labelled; the row as written to
/// the end is a dead letter with the reason (as a device export's rows are).
#[test]
fn a_quote_left_open_in_a_mapped_row_does_not_swallow_the_rows_after_it() {
    let mapping = simple_mapping("");
    let input = "When,Who,Port\n\
                 2026-01-01T10:00:00Z,\"alice,443\n\
                 2026-01-01T10:00:01Z,bob,22\n\
                 \n\
                 2026-01-01T10:00:02Z,carol,80\n";
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode(input.as_bytes(), &mapping, &mut ctx, &mut batch).unwrap();
    let names: Vec<&str> = batch.events.iter().filter_map(Event::user_name).collect();
    assert_eq!(names, ["bob", "carol"], "{:?}", batch.rejected);
    for event in &batch.events {
        assert_eq!(event.labels["csv.after_unclosed_quote"], "line 2");
    }
    assert_eq!(
        batch.events[1].provenance.location.as_deref(),
        Some("line 5")
    );
    // The row read to the end of its line has two columns, not three: a dead letter of its own.
    let letters: Vec<(&str, &str)> = batch
        .rejected
        .iter()
        .map(|l| (l.location.as_deref().unwrap(), l.reason.as_str()))
        .collect();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert_eq!(letters[0].0, "line 2 to the end");
    assert!(
        letters[0]
            .1
            .contains("a quote opened on line 2 is never closed"),
        "{}",
        letters[0].1
    );
    let rows = input.split_once('\n').unwrap().1;
    assert_eq!(batch.rejected[0].raw, rows.trim_end().as_bytes());
    assert_eq!(
        letters[1],
        ("line 2", "row has 2 columns, the header has 3")
    );
    assert_eq!(batch.rejected[1].raw, b"2026-01-01T10:00:00Z,\"alice,443");
}

/// A quote left open in a row that a later row's quote closes makes, as RFC 4180 reads it, one
/// row of the lines between, of other than the header's columns: those lines are read as rows
/// (they were kept only in that row's dead letter), labelled, and the rows after the closing
/// quote's line are read as before.
#[test]
fn rows_between_a_quote_left_open_and_a_later_rows_quote_are_read() {
    let input = "When,Who,Note\n\
                 2026-01-01T10:00:00Z,alice,\"left open\n\
                 2026-01-01T10:00:01Z,bob,plain\n\
                 \"2026-01-01T10:00:02Z\",carol,quoted\n\
                 2026-01-01T10:00:03Z,dave,\"two\nlines\"\n";
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode_generic(input.as_bytes(), &mut ctx, &mut batch).unwrap();
    let rows: Vec<(&str, &str, Option<&str>, Option<&str>)> = batch
        .events
        .iter()
        .map(|event| {
            (
                event.provenance.location.as_deref().unwrap(),
                event.original["Who"].as_str().unwrap(),
                event.labels.get("csv.unclosed_quote").map(String::as_str),
                event
                    .labels
                    .get("csv.after_unclosed_quote")
                    .map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "line 2",
                "alice",
                Some("to the end of its line, a later quote closing it"),
                None
            ),
            ("line 3", "bob", None, Some("line 2")),
            ("line 4", "carol", None, Some("line 2")),
            ("line 5", "dave", None, None),
        ],
        "{:?}",
        batch.rejected
    );
    assert_eq!(batch.events[0].original["Note"], "left open");
    assert_eq!(batch.events[3].original["Note"], "two\nlines");
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.location.as_deref(), Some("line 2"));
    assert!(
        letter
            .reason
            .contains("closed on its line but by a quote on a later one"),
        "{}",
        letter.reason
    );
    assert!(String::from_utf8_lossy(&letter.raw).contains("bob,plain"));
}

#[test]
fn headerless_tab_separated_file() {
    let mapping = Mapping::from_yaml(
        "version: 1\nname: tsv\ndelimiter: \"\\t\"\nhas_headers: false\ncolumns: [When, Who, To]\n\
         timestamp: { column: When, format: \"%Y%m%d%H%M%S\", timezone: \"+01:00\" }\n\
         fields:\n  user.name: { column: Who, uppercase: true }\n  email.to.address: To\n  \
         event.action: { value: sent }\n",
        Path::new("tsv.yaml"),
    )
    .unwrap();
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode(
        &b"20260601120000\tpc4521\ta@example.org; b@example.org\n20260601120001\tpc4521\n"[..],
        &mapping,
        &mut ctx,
        &mut batch,
    )
    .unwrap();
    let event = &batch.events[0];
    assert_eq!(event.timestamp, at("2026-06-01T11:00:00Z"));
    assert_eq!(event.user_name(), Some("PC4521"));
    let to: Vec<&str> = event
        .email
        .as_ref()
        .unwrap()
        .to
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(to, ["a@example.org", "b@example.org"]);
    assert_eq!(event.event.action.as_deref(), Some("sent"));
    assert_eq!(event.event.dataset.as_deref(), Some("tsv"));
    assert_eq!(event.provenance.location.as_deref(), Some("line 1"));
    assert_eq!(event.original["To"], "a@example.org; b@example.org");
    assert_eq!(
        batch.rejected[0].reason,
        "row has 2 columns, the mapping names 3"
    );
    assert_eq!(batch.rejected[0].location.as_deref(), Some("line 2"));
}

#[test]
fn generic_csv_finds_a_time_column() {
    let input = "\u{feff}Operation;TimeGenerated;UserId\n\
                 FileDownloaded;2026-11-23T10:00:00Z;pc4521@force.example\n\
                 FileDeleted;not a time;pc4521@force.example\n\
                 FileViewed;1763892000;pc4521@force.example\n\
                 short;row\n";
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode_generic(input.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 3);
    assert_eq!(batch.events[0].timestamp, at("2026-11-23T10:00:00Z"));
    assert_eq!(batch.events[1].timestamp, received());
    assert_eq!(batch.events[2].timestamp, at("2025-11-23T10:00:00Z"));
    assert_eq!(
        Value::Object(batch.events[0].original.clone()),
        json!({"Operation": "FileDownloaded", "TimeGenerated": "2026-11-23T10:00:00Z", "UserId": "pc4521@force.example"})
    );
    assert_eq!(batch.events[0].event.dataset.as_deref(), Some("csv"));
    assert_eq!(batch.events[0].user, None);
    assert_eq!(batch.rejected.len(), 1);
    assert_eq!(batch.rejected[0].location.as_deref(), Some("line 5"));
    assert_eq!(
        batch.rejected[0].reason,
        "row has 2 columns, the header has 3"
    );
}

#[test]
fn generic_csv_without_a_time_column_uses_the_receive_time() {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode_generic(&b"a,b\n1,2\n"[..], &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.events[0].timestamp, received());
    assert_eq!(batch.events[0].original["b"], "2");
}

#[test]
fn identical_rows_get_distinct_ids() {
    let mut ctx = context(Limits::default());
    let mut batch = Batch::new();
    csv::decode_generic(&b"a\nx\nx\n"[..], &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 2);
    assert_ne!(batch.events[0].provenance.id, batch.events[1].provenance.id);
    assert_eq!(
        batch.events[0].provenance.id,
        EventId::derive(Format::Csv, b"x", 0)
    );
}

#[test]
fn set_field_is_usable_on_its_own() {
    let mut event = decode_example().events.remove(0);
    csv::set_field(&mut event, "file.path", "C:\\exports\\pnc.csv").unwrap();
    assert_eq!(
        event.file.unwrap().path.as_deref(),
        Some("C:\\exports\\pnc.csv")
    );
    assert!(csv::is_known_target("record.incident_ref"));
    assert!(!csv::is_known_target("record.incident"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoders_never_panic(
        input in proptest::collection::vec(prop_oneof![
            Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b'1'), Just(b'/'), Just(b':'), any::<u8>()
        ], 0..400)
    ) {
        let mut ctx = context(Limits { max_event_bytes: 64, ..Limits::default() });
        let mut batch = Batch::new();
        match csv::decode_generic(&input[..], &mut ctx, &mut batch) {
            Ok(()) => {}
            Err(Error::Invalid(reason)) => prop_assert!(reason.contains("header row"), "{}", reason),
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
        let mut batch = Batch::new();
        csv::decode(&input[..], &simple_mapping(""), &mut ctx, &mut batch).ok();
        let mut batch = Batch::new();
        csv::decode(&input[..], &example_mapping(), &mut ctx, &mut batch).ok();
    }
}

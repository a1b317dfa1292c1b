//! Syslog decoding against the shared RFC 5424 / RFC 3164 case files, real-world message forms,
//! rsyslog's file and TCP outputs, and property tests of the lenient parser and the framer.

// The whole file is test code; clippy only sees that inside `#[test]` functions, not in helpers.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::BufReader;

use chrono::{DateTime, TimeZone, Utc};
use probity_ingest::syslog::{
    self, FrameDecoder, FrameError, Protocol, SdElement, SyslogMessage, parse_lenient,
    parse_rfc3164, parse_rfc5424_strict,
};
use probity_ingest::{Batch, Context, Limits};
use probity_model::{EventId, Format, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/syslog");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/syslog");

fn cases(name: &str) -> Vec<(String, bool)> {
    let path = format!("{SHARED}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let document: Value = serde_json::from_str(&text).unwrap();
    document["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            (
                case["input"].as_str().unwrap().to_owned(),
                case["valid"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn at(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn received() -> Timestamp {
    at("2026-11-23T12:00:00Z")
}

fn context() -> Context {
    let mut ctx = Context::new("file:/evidence/messages.log", Limits::default());
    ctx.received = received();
    ctx
}

#[test]
fn rfc5424_strict_accepts_exactly_the_valid_cases() {
    let cases = cases("rfc5424-cases.json");
    assert_eq!(cases.len(), 119);
    assert_eq!(cases.iter().filter(|(_, valid)| *valid).count(), 35);
    let mut wrong = Vec::new();
    for (number, (input, valid)) in cases.iter().enumerate() {
        let result = parse_rfc5424_strict(input.as_bytes());
        if result.is_ok() != *valid {
            let got = match &result {
                Ok(_) => "accepted".to_owned(),
                Err(error) => format!("rejected ({error})"),
            };
            let expected = if *valid { "valid" } else { "invalid" };
            wrong.push(format!(
                "  case {number}: {input:?}\n    expected {expected}, {got}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} RFC 5424 cases disagree:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_case_is_kept_by_the_lenient_parser() {
    for (input, valid) in cases("rfc5424-cases.json") {
        let message = parse_lenient(input.as_bytes(), received());
        if valid {
            let strict = parse_rfc5424_strict(input.trim_end_matches(['\n', '\r']).as_bytes());
            assert_eq!(Ok(&message), strict.as_ref(), "{input:?}");
            continue;
        }
        if input.is_empty() {
            assert_eq!(message.message, None);
            continue;
        }
        assert!(
            message.message.is_some()
                || message.hostname.is_some()
                || message.app_name.is_some()
                || message.facility.is_some(),
            "{input:?} left nothing: {message:?}"
        );
    }
}

#[test]
fn rfc5424_fields_of_selected_cases() {
    let message = parse_rfc5424_strict(
        br#"<29>50 2016-01-15T01:00:43Z hn S - - [meta es="\\valid"] 127.0.0.1 - - 1452819643 "GET""#,
    )
    .unwrap();
    assert_eq!(message.version, Some(50));
    assert_eq!(message.timestamp, Some(at("2016-01-15T01:00:43Z")));
    assert_eq!(
        message.structured_data,
        vec![SdElement {
            id: "meta".into(),
            params: vec![("es".into(), "\\valid".into())]
        }]
    );
    assert_eq!(
        message.message.as_deref(),
        Some(r#"127.0.0.1 - - 1452819643 "GET""#)
    );

    let message =
        parse_rfc5424_strict(b"<191>999 2018-12-31T23:59:59.999999-23:59 h a p m -").unwrap();
    assert_eq!(message.facility, Some(23));
    assert_eq!(message.severity, Some(7));
    assert_eq!(message.timestamp, Some(at("2019-01-01T23:58:59.999999Z")));
    assert_eq!(message.message, None);

    let message = parse_rfc5424_strict(b"<1>1 - - - - - - x\ny").unwrap();
    assert_eq!(message.message.as_deref(), Some("x\ny"));
}

#[test]
fn rfc3164_shared_cases() {
    for (input, valid) in cases("rfc3164-cases.json") {
        assert!(valid);
        let message = parse_rfc3164(input.as_bytes(), received()).unwrap();
        assert_eq!(message.protocol, Protocol::Rfc3164);
        assert_eq!(message.facility, Some(4));
        assert_eq!(message.severity, Some(2));
        assert_eq!(message.hostname.as_deref(), Some("xxx"));
        assert_eq!(parse_lenient(input.as_bytes(), received()), message);
    }
    let apache = &cases("rfc3164-cases.json")[0].0;
    let message = parse_rfc3164(apache.as_bytes(), received()).unwrap();
    assert_eq!(message.app_name.as_deref(), Some("apache"));
    assert_eq!(message.timestamp, Some(at("2026-01-12T06:30:00Z")));
    assert!(
        message
            .message
            .unwrap()
            .starts_with("1.2.3.4 - - [12/Jan/2011")
    );
    let short = &cases("rfc3164-cases.json")[1].0;
    let message = parse_rfc3164(short.as_bytes(), received()).unwrap();
    assert_eq!(message.timestamp, Some(at("2026-08-07T06:30:00Z")));
    assert_eq!(message.app_name.as_deref(), Some("aaa"));
    assert_eq!(message.message.as_deref(), Some("message from 1.2.3.4"));
}

/// What a test expects of a parsed RFC 3164 message.
struct Expect<'a> {
    pri: Option<(u8, u8)>,
    timestamp: Option<&'a str>,
    hostname: Option<&'a str>,
    app: Option<&'a str>,
    pid: Option<&'a str>,
    message: Option<&'a str>,
}

fn check(input: &str, expect: Expect<'_>) {
    let message = parse_lenient(input.as_bytes(), received());
    assert_eq!(message.protocol, Protocol::Rfc3164, "{input}");
    assert_eq!(
        message.facility.zip(message.severity),
        expect.pri,
        "{input}"
    );
    assert_eq!(message.timestamp, expect.timestamp.map(at), "{input}");
    assert_eq!(message.hostname.as_deref(), expect.hostname, "{input}");
    assert_eq!(message.app_name.as_deref(), expect.app, "{input}");
    assert_eq!(message.proc_id.as_deref(), expect.pid, "{input}");
    assert_eq!(message.message.as_deref(), expect.message, "{input}");
}

#[test]
fn rfc3164_real_forms() {
    check(
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        Expect {
            pri: Some((4, 2)),
            timestamp: Some("2026-10-11T22:14:15Z"),
            hostname: Some("mymachine"),
            app: Some("su"),
            pid: None,
            message: Some("'su root' failed for lonvick on /dev/pts/8"),
        },
    );
    check(
        "<86>Nov 23 09:15:02 ws-0412 sshd[2214]: Accepted publickey for pc4521",
        Expect {
            pri: Some((10, 6)),
            timestamp: Some("2026-11-23T09:15:02Z"),
            hostname: Some("ws-0412"),
            app: Some("sshd"),
            pid: Some("2214"),
            message: Some("Accepted publickey for pc4521"),
        },
    );
    // No hostname: the word after the time is already the tag.
    check(
        "<78>Nov  3 01:00:01 CRON[77]: (root) CMD (backup)",
        Expect {
            pri: Some((9, 6)),
            timestamp: Some("2026-11-03T01:00:01Z"),
            hostname: None,
            app: Some("CRON"),
            pid: Some("77"),
            message: Some("(root) CMD (backup)"),
        },
    );
    // rsyslog RSYSLOG_ForwardFormat: an RFC 3339 time with microseconds.
    check(
        "<13>2026-11-23T10:00:00.123456+00:00 host app[1]: msg",
        Expect {
            pri: Some((1, 5)),
            timestamp: Some("2026-11-23T10:00:00.123456Z"),
            hostname: Some("host"),
            app: Some("app"),
            pid: Some("1"),
            message: Some("msg"),
        },
    );
    check(
        "<30>2026-03-29T02:30:00.5+01:00 fw01 kernel: [UFW BLOCK] IN=eth0",
        Expect {
            pri: Some((3, 6)),
            timestamp: Some("2026-03-29T01:30:00.5Z"),
            hostname: Some("fw01"),
            app: Some("kernel"),
            pid: None,
            message: Some("[UFW BLOCK] IN=eth0"),
        },
    );
    // A syslog file on disk carries no PRI (RSYSLOG_TraditionalFileFormat and RSYSLOG_FileFormat).
    check(
        "Nov 23 10:00:00 host app[1]: from a file",
        Expect {
            pri: None,
            timestamp: Some("2026-11-23T10:00:00Z"),
            hostname: Some("host"),
            app: Some("app"),
            pid: Some("1"),
            message: Some("from a file"),
        },
    );
    check(
        "2026-11-23T10:00:00.123456+00:00 host app: from a file",
        Expect {
            pri: None,
            timestamp: Some("2026-11-23T10:00:00.123456Z"),
            hostname: Some("host"),
            app: Some("app"),
            pid: None,
            message: Some("from a file"),
        },
    );
    // A PRI and no timestamp: the rest is the content (RFC 3164 section 4.3.2).
    check(
        "<13>app[9]: no time here",
        Expect {
            pri: Some((1, 5)),
            timestamp: None,
            hostname: None,
            app: Some("app"),
            pid: Some("9"),
            message: Some("no time here"),
        },
    );
}

#[test]
fn cisco_forms_are_kept_as_messages() {
    // `*`: the router's clock is not in sync, so its time is not used.
    check(
        "<189>123: *Mar  1 00:00:00.000: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)",
        Expect {
            pri: Some((23, 5)),
            timestamp: None,
            hostname: None,
            app: None,
            pid: None,
            message: Some(
                "123: *Mar  1 00:00:00.000: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)",
            ),
        },
    );
    check(
        "<187>57: Nov 23 10:00:00.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
        Expect {
            pri: Some((23, 3)),
            timestamp: Some("2026-11-23T10:00:00.123Z"),
            hostname: None,
            app: None,
            pid: None,
            message: Some(
                "57: Nov 23 10:00:00.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
            ),
        },
    );
    check(
        "<189>Nov 23 10:00:00.123: %SYS-5-CONFIG_I: Configured from console",
        Expect {
            pri: Some((23, 5)),
            timestamp: Some("2026-11-23T10:00:00.123Z"),
            hostname: None,
            app: None,
            pid: None,
            message: Some("%SYS-5-CONFIG_I: Configured from console"),
        },
    );
}

#[test]
fn rfc3164_year_comes_from_the_receive_time_across_new_year() {
    let new_year = at("2027-01-01T00:02:00Z");
    let late = parse_rfc3164(b"<13>Dec 31 23:59:59 h a: x", new_year).unwrap();
    assert_eq!(late.timestamp, Some(at("2026-12-31T23:59:59Z")));
    let new_years_eve = at("2026-12-31T23:58:00Z");
    let early = parse_rfc3164(b"<13>Jan  1 00:00:01 h a: x", new_years_eve).unwrap();
    assert_eq!(early.timestamp, Some(at("2027-01-01T00:00:01Z")));
    let same = parse_rfc3164(b"<13>Jun 15 12:00:00 h a: x", new_years_eve).unwrap();
    assert_eq!(same.timestamp, Some(at("2026-06-15T12:00:00Z")));
}

#[test]
fn rfc3164_rejects_what_is_not_syslog() {
    assert!(parse_rfc3164(b"hello world", received()).is_err());
    assert!(parse_rfc3164(b"<192>Oct 11 22:14:15 h a: x", received()).is_err());
    let error = parse_rfc3164(b"plain", received()).unwrap_err();
    assert!(
        error.to_string().contains("neither a PRI nor a timestamp"),
        "{error}"
    );
}

#[test]
fn lenient_keeps_everything() {
    let unparsed = parse_lenient(b"(190>122 2018-11-22 not syslog \xc3\x28", received());
    assert_eq!(unparsed.protocol, Protocol::Unparsed);
    assert_eq!(
        unparsed.message.as_deref(),
        Some("(190>122 2018-11-22 not syslog \u{fffd}(")
    );
    assert_eq!(unparsed.facility, None);

    // Fails strict RFC 5424 (duplicate SD-ID) but is read by the relaxed grammar.
    let relaxed = parse_lenient(
        b"<165>3 2003-10-11T22:14:15.003Z example.com evnts - ID27 [id1][id1] text",
        received(),
    );
    assert_eq!(relaxed.protocol, Protocol::Rfc5424);
    assert_eq!(relaxed.hostname.as_deref(), Some("example.com"));
    assert_eq!(relaxed.structured_data.len(), 2);
    assert_eq!(relaxed.message.as_deref(), Some("text"));

    // Over-long HOSTNAME: kept.
    let long_host = "h".repeat(300);
    let relaxed = parse_lenient(
        format!("<1>1 - {long_host} app - - - m").as_bytes(),
        received(),
    );
    assert_eq!(relaxed.hostname.as_deref(), Some(long_host.as_str()));

    // Invalid UTF-8 in a header field: replaced.
    let relaxed = parse_lenient(b"<1>1 - h\xffst app - - - m", received());
    assert_eq!(relaxed.hostname.as_deref(), Some("h\u{fffd}st"));
}

#[test]
fn to_event_maps_the_fields() {
    let raw = b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 8710 ID47 \
[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"][examplePriority@32473 class=\"high\"] \
An application event log entry";
    let message = parse_lenient(raw, received());
    let mut ctx = context();
    let event = syslog::to_event(&message, raw, &mut ctx, Some("line 7".into()));
    assert_eq!(event.timestamp, at("2003-10-11T22:14:15.003Z"));
    assert_eq!(
        event.host.as_ref().unwrap().name.as_deref(),
        Some("mymachine.example.com")
    );
    assert_eq!(event.event.provider.as_deref(), Some("evntslog"));
    assert_eq!(event.event.code.as_deref(), Some("ID47"));
    assert_eq!(event.event.severity, Some(5));
    assert_eq!(event.event.dataset.as_deref(), Some("syslog"));
    assert_eq!(
        event.message.as_deref(),
        Some("An application event log entry")
    );
    assert_eq!(event.process.as_ref().unwrap().pid, Some(8710));
    assert_eq!(
        Value::Object(event.original.clone()),
        json!({
            "facility": 20,
            "severity": 5,
            "version": 1,
            "hostname": "mymachine.example.com",
            "app_name": "evntslog",
            "proc_id": "8710",
            "msg_id": "ID47",
            "structured_data": {
                "exampleSDID@32473": {"iut": "3", "eventSource": "Application"},
                "examplePriority@32473": {"class": "high"}
            },
            "protocol": "rfc5424"
        })
    );
    assert_eq!(event.provenance.format, Format::Syslog);
    assert_eq!(event.provenance.id, EventId::derive(Format::Syslog, raw, 0));
    assert_eq!(event.provenance.location.as_deref(), Some("line 7"));
    assert_eq!(event.provenance.source, "file:/evidence/messages.log");
}

#[test]
fn to_event_without_a_time_or_fields() {
    let raw = b"not syslog at all";
    let mut ctx = context();
    let event = syslog::decode_message(raw, &mut ctx, None);
    assert_eq!(event.timestamp, received());
    assert_eq!(event.message.as_deref(), Some("not syslog at all"));
    assert_eq!(event.host, None);
    assert_eq!(event.process, None);
    assert_eq!(
        Value::Object(event.original),
        json!({"protocol": "unparsed"})
    );

    // A PROCID that is not a number is kept in original only.
    let event = syslog::decode_message(b"<13>1 - h app worker-3 - - m", &mut ctx, None);
    assert_eq!(event.process, None);
    assert_eq!(event.original["proc_id"], "worker-3");
}

#[test]
fn identical_lines_get_distinct_ids() {
    let mut ctx = context();
    let first = syslog::decode_message(b"<13>Nov 23 10:00:00 h a: same", &mut ctx, None);
    let second = syslog::decode_message(b"<13>Nov 23 10:00:00 h a: same", &mut ctx, None);
    assert_ne!(first.provenance.id, second.provenance.id);
}

#[test]
fn a_syslog_file_line_by_line() {
    let file = fixture("messages.log");
    let mut ctx = context();
    let mut batch = Batch::new();
    syslog::decode_lines(BufReader::new(&file[..]), &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let summary: Vec<(Option<&str>, Option<&str>, &str)> = batch
        .events
        .iter()
        .map(|event| {
            (
                event.provenance.location.as_deref(),
                event.event.provider.as_deref(),
                event.original["protocol"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("line 1"), Some("sshd"), "rfc3164"),
            (Some("line 2"), Some("sshd"), "rfc3164"),
            (Some("line 4"), Some("kernel"), "rfc3164"),
            (Some("line 5"), None, "unparsed"),
            (Some("line 6"), Some("evntslog"), "rfc5424"),
            (Some("line 7"), Some("CRON"), "rfc3164"),
        ]
    );
    let crlf = &batch.events[1];
    assert!(crlf.message.as_deref().unwrap().ends_with("by (uid=0)"));
    let usb = &batch.events[2];
    assert!(
        usb.message
            .as_deref()
            .unwrap()
            .ends_with("Cruzer \u{fffd}\u{fffd}")
    );
    // The id is made from the raw line, invalid bytes and all.
    let raw_usb = file.split(|&b| b == b'\n').nth(3).unwrap();
    assert_eq!(
        usb.provenance.id,
        EventId::derive(Format::Syslog, raw_usb, 0)
    );
    assert_eq!(batch.events[5].timestamp, at("2026-11-23T09:18:00Z"));
}

#[test]
fn a_line_over_the_limit_is_dead_lettered() {
    let mut ctx = Context::new(
        "file:/x.log",
        Limits {
            max_event_bytes: 64,
            ..Limits::default()
        },
    );
    let long = format!("<13>Nov 23 10:00:00 h a: {}", "x".repeat(200));
    let input =
        format!("<13>Nov 23 10:00:00 h a: before\n{long}\r\n<13>Nov 23 10:00:01 h a: after");
    let mut batch = Batch::new();
    syslog::decode_lines(input.as_bytes(), &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 2);
    assert_eq!(batch.events[1].message.as_deref(), Some("after"));
    assert_eq!(
        batch.events[1].provenance.location.as_deref(),
        Some("line 3")
    );
    let letter = &batch.rejected[0];
    assert_eq!(letter.location.as_deref(), Some("line 2"));
    assert_eq!(letter.format, Some(Format::Syslog));
    assert_eq!(letter.raw, long.as_bytes()[..64].to_vec());
    assert_eq!(letter.raw_len, long.len() as u64);
    assert!(
        letter.reason.contains("longer than the limit of 64 bytes"),
        "{}",
        letter.reason
    );
}

fn frames_of(input: &[u8], chunk: usize, max_frame: usize) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut decoder = FrameDecoder::new(max_frame);
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        decoder.push(piece);
        while let Some(frame) = decoder.next_frame() {
            out.push(frame);
        }
    }
    while let Some(frame) = decoder.finish() {
        out.push(frame);
    }
    out
}

fn parsed(frames: Vec<Result<Vec<u8>, FrameError>>) -> Vec<SyslogMessage> {
    frames
        .into_iter()
        .map(|frame| parse_lenient(&frame.unwrap(), received()))
        .collect()
}

#[test]
fn rsyslog_octet_counted_and_lf_framed_output() {
    let counted = fixture("rsyslog-octet-counted.bin");
    let lf = fixture("rsyslog-forward-lf.log");
    for chunk in [1, 5, 64, 4096] {
        let counted_messages = parsed(frames_of(&counted, chunk, 2048));
        let lf_messages = parsed(frames_of(&lf, chunk, 2048));
        assert_eq!(counted_messages.len(), 4, "chunk {chunk}");
        assert_eq!(lf_messages.len(), 4, "chunk {chunk}");
        for (rfc5424, forward) in counted_messages.iter().zip(&lf_messages) {
            assert_eq!(rfc5424.protocol, Protocol::Rfc5424);
            assert_eq!(forward.protocol, Protocol::Rfc3164);
            assert_eq!(rfc5424.timestamp, forward.timestamp);
            assert_eq!(rfc5424.hostname, forward.hostname);
            assert_eq!(rfc5424.app_name, forward.app_name);
            assert_eq!(rfc5424.facility, forward.facility);
            assert_eq!(rfc5424.severity, forward.severity);
        }
        assert_eq!(
            counted_messages[3].message.as_deref(),
            Some("multi word message with \"quotes\" and a tab\there")
        );
        assert_eq!(counted_messages[3].message, lf_messages[3].message);
        assert_eq!(
            counted_messages[2].structured_data[0].params[0],
            ("user".to_owned(), "PC 4521".to_owned())
        );
        assert_eq!(
            counted_messages[2].timestamp,
            Some(at("2026-11-23T08:16:40.5Z"))
        );
    }
}

#[test]
fn frame_errors_become_dead_letters() {
    let mut decoder = FrameDecoder::new(16);
    decoder.push(b"<13>short\n<13>this frame is far too long\n<13>ok\n");
    let mut ctx = context();
    let mut batch = Batch::new();
    let mut number = 0;
    while let Some(frame) = decoder.next_frame() {
        number += 1;
        let location = Some(format!("frame {number}"));
        match frame {
            Ok(bytes) => batch
                .events
                .push(syslog::decode_message(&bytes, &mut ctx, location)),
            Err(error) => batch
                .rejected
                .push(syslog::frame_dead_letter(&ctx, &error, location)),
        }
    }
    assert_eq!(batch.events.len(), 2);
    assert_eq!(batch.rejected.len(), 1);
    let letter = &batch.rejected[0];
    assert_eq!(letter.raw, b"<13>this frame i");
    assert_eq!(letter.location.as_deref(), Some("frame 2"));
    assert!(
        letter.reason.contains("longer than the limit of 16 bytes"),
        "{}",
        letter.reason
    );
}

/// A message for LF framing: starts with `<`, holds no LF, CR or NUL.
fn lf_message() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        any::<u8>().prop_filter("delimiter", |b| !matches!(b, b'\n' | b'\r' | 0)),
        0..60,
    )
    .prop_map(|mut body| {
        body.insert(0, b'<');
        body
    })
}

/// A framed stream and the messages it carries.
fn framed_stream() -> impl Strategy<Value = (Vec<u8>, Vec<Vec<u8>>)> {
    let frame = prop_oneof![
        lf_message().prop_map(|m| (false, m)),
        proptest::collection::vec(any::<u8>(), 1..80).prop_map(|m| (true, m)),
    ];
    proptest::collection::vec(frame, 0..12).prop_map(|frames| {
        let mut stream = Vec::new();
        let mut messages = Vec::new();
        for (counted, message) in frames {
            if counted {
                stream.extend_from_slice(format!("{} ", message.len()).as_bytes());
                stream.extend_from_slice(&message);
            } else {
                stream.extend_from_slice(&message);
                stream.push(b'\n');
            }
            messages.push(message);
        }
        (stream, messages)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lenient_never_panics_and_keeps_unparsed_text(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let message = parse_lenient(&input, received());
        if message.protocol == Protocol::Unparsed {
            let mut trimmed: &[u8] = &input;
            while let [rest @ .., b'\n' | b'\r' | 0] = trimmed {
                trimmed = rest;
            }
            let expected = (!trimmed.is_empty()).then(|| String::from_utf8_lossy(trimmed).into_owned());
            prop_assert_eq!(message.message, expected);
        }
    }

    #[test]
    fn lenient_never_panics_on_syslog_like_input(
        input in "<[0-9]{1,3}>[0-9]{0,2} ?[-0-9A-Za-z:.+\\[\\]=\"\\\\ ]{0,120}"
    ) {
        let _ = parse_lenient(input.as_bytes(), received());
        let _ = parse_rfc5424_strict(input.as_bytes());
    }

    #[test]
    fn framing_survives_any_chunking((stream, messages) in framed_stream(), cuts in proptest::collection::vec(1usize..40, 1..20)) {
        let mut decoder = FrameDecoder::new(4096);
        let mut frames = Vec::new();
        let mut rest: &[u8] = &stream;
        let mut sizes = cuts.iter().cycle();
        while !rest.is_empty() {
            let size = (*sizes.next().unwrap()).min(rest.len());
            decoder.push(&rest[..size]);
            rest = &rest[size..];
            while let Some(frame) = decoder.next_frame() {
                frames.push(frame.unwrap());
            }
        }
        while let Some(frame) = decoder.finish() {
            frames.push(frame.unwrap());
        }
        let total: usize = frames.iter().map(Vec::len).sum();
        prop_assert_eq!(total, messages.iter().map(Vec::len).sum::<usize>());
        prop_assert_eq!(frames, messages);
    }

    #[test]
    fn framer_never_panics_and_ignores_chunking(
        stream in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b' '), Just(b'1'), Just(b'9'), Just(b'0'), Just(b'<'), Just(b'\r'), Just(0u8), any::<u8>()], 0..200),
        chunk in 1usize..30,
        max_frame in 1usize..40,
    ) {
        let whole = frames_of(&stream, stream.len().max(1), max_frame);
        let chunked = frames_of(&stream, chunk, max_frame);
        prop_assert_eq!(whole, chunked);
    }
}

#[test]
fn received_time_is_used_for_a_message_without_one() {
    let mut ctx = context();
    ctx.received = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let event = syslog::decode_message(b"<13>1 - h a - - - m", &mut ctx, None);
    assert_eq!(event.timestamp, ctx.received);
}

//! Splunk HTTP Event Collector bodies: `/services/collector/event` (a stream of JSON envelopes)
//! and `/services/collector/raw` (lines of text).
//!
//! Splunk stops at the first bad envelope; Probity keeps every good one, dead-letters every bad one,
//! and reports the first problem with Splunk's code and `invalid-event-number`, so that shippers log
//! what they would log against Splunk.

use serde_json::{Map, Value};

use probity_model::{Event, Format};

use crate::json::{as_text, event_from_object, parse_value};
use crate::lines::{is_blank, split_lines};
use crate::timeparse::parse_time_value;
use crate::{Context, Result, Sink};

/// HEC's own problem codes (Splunk's documented values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HecProblem {
    /// Code 5: the body held no events.
    NoData,
    /// Code 6: an envelope is not valid JSON, or not an object.
    InvalidDataFormat,
    /// Code 12: an envelope has no `event`.
    EventFieldRequired,
    /// Code 13: an envelope's `event` is empty.
    EventFieldBlank,
}

impl HecProblem {
    pub fn code(self) -> u16 {
        match self {
            HecProblem::NoData => 5,
            HecProblem::InvalidDataFormat => 6,
            HecProblem::EventFieldRequired => 12,
            HecProblem::EventFieldBlank => 13,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            HecProblem::NoData => "No data",
            HecProblem::InvalidDataFormat => "Invalid data format",
            HecProblem::EventFieldRequired => "Event field is required",
            HecProblem::EventFieldBlank => "Event field cannot be blank",
        }
    }
}

/// The first problem in a body and the 0-based number of the envelope it was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HecFailure {
    pub problem: HecProblem,
    pub event_number: Option<usize>,
}

/// Envelope fields that may instead come from the query string (`/raw?host=…&sourcetype=…`).
#[derive(Debug, Clone, Default)]
pub struct HecMeta {
    pub host: Option<String>,
    pub source: Option<String>,
    pub sourcetype: Option<String>,
    pub index: Option<String>,
}

/// Decodes `/services/collector/event`: JSON envelopes one after another (whitespace between them
/// optional). Returns the first problem, if any; good envelopes are in the sink either way.
pub fn decode_event_body(
    body: &[u8],
    defaults: &HecMeta,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<Option<HecFailure>> {
    let mut first: Option<HecFailure> = None;
    let mut note = |problem: HecProblem, number: usize| {
        first.get_or_insert(HecFailure {
            problem,
            event_number: Some(number),
        });
    };
    if let Err(error) = std::str::from_utf8(body) {
        let reason = format!(
            "HEC body is not valid UTF-8 (first bad byte at offset {})",
            error.valid_up_to()
        );
        sink.reject(ctx.dead_letter(Some(Format::HecEvent), reason, None, body))?;
        note(HecProblem::InvalidDataFormat, 0);
        return Ok(first);
    }
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    let mut number = 0usize;
    loop {
        let start = stream.byte_offset();
        let next = stream.next();
        let end = stream.byte_offset();
        let Some(next) = next else { break };
        let location = Some(format!("event {number}"));
        match next {
            Err(error) => {
                // A JSON stream cannot be resynchronised after a syntax error: the rest is kept whole.
                let rest = body[start..].trim_ascii_start();
                let reason = format!("invalid JSON in HEC envelope {number}: {error}");
                sink.reject(ctx.dead_letter(Some(Format::HecEvent), reason, location, rest))?;
                note(HecProblem::InvalidDataFormat, number);
                break;
            }
            Ok(value) => {
                let raw = body[start..end].trim_ascii();
                if let Err(reason) = ctx.limits.check_json(&value) {
                    sink.reject(ctx.dead_letter(Some(Format::HecEvent), reason, location, raw))?;
                    note(HecProblem::InvalidDataFormat, number);
                } else if raw.len() > ctx.limits.max_event_bytes {
                    let reason = format!(
                        "HEC envelope of {} bytes is longer than the {} byte event limit",
                        raw.len(),
                        ctx.limits.max_event_bytes
                    );
                    sink.reject(ctx.dead_letter(Some(Format::HecEvent), reason, location, raw))?;
                    note(HecProblem::InvalidDataFormat, number);
                } else {
                    match envelope_event(value, raw, defaults, location.clone(), ctx) {
                        Ok(event) => sink.event(event)?,
                        Err((problem, reason)) => {
                            let letter =
                                ctx.dead_letter(Some(Format::HecEvent), reason, location, raw);
                            sink.reject(letter)?;
                            note(problem, number);
                        }
                    }
                }
            }
        }
        number += 1;
    }
    if number == 0 && first.is_none() {
        first = Some(HecFailure {
            problem: HecProblem::NoData,
            event_number: None,
        });
    }
    Ok(first)
}

fn envelope_event(
    value: Value,
    raw: &[u8],
    defaults: &HecMeta,
    location: Option<String>,
    ctx: &mut Context,
) -> std::result::Result<Event, (HecProblem, String)> {
    let Value::Object(mut envelope) = value else {
        return Err((
            HecProblem::InvalidDataFormat,
            "HEC envelope is not a JSON object".into(),
        ));
    };
    let inner = envelope.remove("event");
    let mut event = match inner {
        None | Some(Value::Null) => {
            return Err((
                HecProblem::EventFieldRequired,
                "HEC envelope has no \"event\" field".into(),
            ));
        }
        Some(Value::String(text)) if text.trim().is_empty() => {
            return Err((
                HecProblem::EventFieldBlank,
                "HEC envelope's \"event\" is blank".into(),
            ));
        }
        Some(Value::Object(object)) if object.is_empty() => {
            return Err((
                HecProblem::EventFieldBlank,
                "HEC envelope's \"event\" is an empty object".into(),
            ));
        }
        Some(Value::Object(object)) => {
            event_from_object(object, raw, Format::HecEvent, location, ctx)
                .map_err(|reason| (HecProblem::InvalidDataFormat, reason))?
        }
        Some(other) => {
            let provenance = ctx.provenance(Format::HecEvent, raw, location);
            let mut event = Event::new(ctx.received, provenance);
            event.message = as_text(&other).or_else(|| Some(other.to_string()));
            event.original.insert("event".into(), other);
            event
        }
    };
    apply_envelope(&envelope, defaults, &mut event);
    Ok(event)
}

/// Applies `time`, `host`, `source`, `sourcetype`, `index` and `fields` from an envelope (or the
/// query string) to an event.
fn apply_envelope(envelope: &Map<String, Value>, defaults: &HecMeta, event: &mut Event) {
    if let Some(ts) = envelope.get("time").and_then(parse_time_value) {
        event.timestamp = ts;
    }
    let text = |key: &str, fallback: &Option<String>| {
        envelope
            .get(key)
            .and_then(as_text)
            .or_else(|| fallback.clone())
    };
    if let Some(host) = text("host", &defaults.host) {
        let typed = event.host.get_or_insert_with(Default::default);
        if typed.name.is_none() {
            typed.name = Some(host);
        }
    }
    for (key, fallback) in [
        ("source", &defaults.source),
        ("sourcetype", &defaults.sourcetype),
        ("index", &defaults.index),
    ] {
        if let Some(value) = text(key, fallback) {
            event.labels.insert(format!("hec.{key}"), value);
        }
    }
    if let Some(Value::Object(fields)) = envelope.get("fields") {
        for (key, value) in fields {
            if let Some(value) = as_text(value) {
                event.labels.insert(key.clone(), value);
            }
        }
    }
}

/// Decodes `/services/collector/raw`: each non-blank line is one event. A line that is a JSON
/// object is mapped like any JSON event; any other line becomes the event's message.
pub fn decode_raw_body(
    body: &[u8],
    meta: &HecMeta,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<Option<HecFailure>> {
    let mut first: Option<HecFailure> = None;
    let mut count = 0usize;
    for (number, line) in split_lines(body) {
        if is_blank(line) {
            continue;
        }
        let index = count;
        count += 1;
        let location = Some(format!("line {number}"));
        if line.len() > ctx.limits.max_event_bytes {
            let reason = format!(
                "line of {} bytes is longer than the {} byte event limit",
                line.len(),
                ctx.limits.max_event_bytes
            );
            sink.reject(ctx.dead_letter(Some(Format::HecRaw), reason, location, line))?;
            first.get_or_insert(HecFailure {
                problem: HecProblem::InvalidDataFormat,
                event_number: Some(index),
            });
            continue;
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(error) => {
                let reason = format!(
                    "line is not valid UTF-8 (first bad byte at offset {})",
                    error.valid_up_to()
                );
                sink.reject(ctx.dead_letter(Some(Format::HecRaw), reason, location, line))?;
                first.get_or_insert(HecFailure {
                    problem: HecProblem::InvalidDataFormat,
                    event_number: Some(index),
                });
                continue;
            }
        };
        let trimmed = text.trim_start();
        let mut event = match trimmed.starts_with('{').then(|| parse_value(line, ctx)) {
            Some(Ok(Value::Object(object))) => {
                match event_from_object(object, line, Format::HecRaw, location.clone(), ctx) {
                    Ok(event) => event,
                    Err(reason) => {
                        sink.reject(ctx.dead_letter(Some(Format::HecRaw), reason, location, line))?;
                        first.get_or_insert(HecFailure {
                            problem: HecProblem::InvalidDataFormat,
                            event_number: Some(index),
                        });
                        continue;
                    }
                }
            }
            _ => {
                let provenance = ctx.provenance(Format::HecRaw, line, location);
                let mut event = Event::new(ctx.received, provenance);
                event.message = Some(text.to_owned());
                event
            }
        };
        apply_envelope(&Map::new(), meta, &mut event);
        sink.event(event)?;
    }
    if count == 0 {
        first.get_or_insert(HecFailure {
            problem: HecProblem::NoData,
            event_number: None,
        });
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Limits};

    fn events(body: &[u8]) -> (Batch, Option<HecFailure>) {
        let mut ctx = Context::new("hec:test", Limits::default());
        let mut batch = Batch::new();
        let failure = decode_event_body(body, &HecMeta::default(), &mut ctx, &mut batch).unwrap();
        (batch, failure)
    }

    #[test]
    fn envelopes_map_time_host_and_fields() {
        let body = br#"{"time":1700000000.25,"host":"ws-01","sourcetype":"pnc:audit","event":{"user":"pc4521","action":"view"},"fields":{"force":"demo"}}{"event":"plain text line"}"#;
        let (batch, failure) = events(body);
        assert_eq!(failure, None);
        assert_eq!(batch.events.len(), 2);
        let first = &batch.events[0];
        assert_eq!(first.timestamp.timestamp_millis(), 1_700_000_000_250);
        assert_eq!(first.host.as_ref().unwrap().name.as_deref(), Some("ws-01"));
        assert_eq!(first.user_name(), Some("pc4521"));
        assert_eq!(first.labels["hec.sourcetype"], "pnc:audit");
        assert_eq!(first.labels["force"], "demo");
        assert_eq!(batch.events[1].message.as_deref(), Some("plain text line"));
    }

    #[test]
    fn problems_carry_splunk_codes_and_keep_the_good_events() {
        let (batch, failure) = events(br#"{"event":"a"} {"time":1} {"event":""} {"event":"b"}"#);
        assert_eq!(
            failure,
            Some(HecFailure {
                problem: HecProblem::EventFieldRequired,
                event_number: Some(1)
            })
        );
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.rejected.len(), 2);

        let (batch, failure) = events(br#"{"event":"a"} {"event": nope} {"event":"c"}"#);
        assert_eq!(failure.unwrap().problem, HecProblem::InvalidDataFormat);
        assert_eq!(batch.events.len(), 1);
        assert_eq!(batch.rejected.len(), 1);
        assert!(batch.rejected[0].raw.starts_with(b"{\"event\": nope}"));

        let (_, failure) = events(b"   ");
        assert_eq!(failure.unwrap().problem, HecProblem::NoData);
    }

    #[test]
    fn raw_lines_with_query_metadata() {
        let meta = HecMeta {
            host: Some("fw1".into()),
            sourcetype: Some("syslog".into()),
            ..HecMeta::default()
        };
        let mut ctx = Context::new("hec:test", Limits::default());
        let mut batch = Batch::new();
        let failure = decode_raw_body(
            b"first line\n\n{\"user\":\"x\"}\n\xff\n",
            &meta,
            &mut ctx,
            &mut batch,
        )
        .unwrap();
        assert_eq!(failure.unwrap().event_number, Some(2));
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.events[0].message.as_deref(), Some("first line"));
        assert_eq!(batch.events[1].user_name(), Some("x"));
        assert_eq!(
            batch.events[0].host.as_ref().unwrap().name.as_deref(),
            Some("fw1")
        );
        assert_eq!(batch.rejected.len(), 1);
    }

    /// A message whose body is not text is refused on both HEC endpoints (code 6), the event
    /// kept in dead-letter with the field named.
    #[test]
    fn a_message_field_that_is_not_text_is_refused() {
        let (batch, failure) = events(
            br#"{"event":{"email":{"body":{"nested":"x"}}}} {"event":{"email":{"body":"y"}}}"#,
        );
        assert_eq!(failure.unwrap().problem, HecProblem::InvalidDataFormat);
        assert_eq!(batch.events.len(), 1);
        assert!(
            batch.rejected[0]
                .reason
                .starts_with("email.body is an object")
        );
        let mut ctx = Context::new("hec:test", Limits::default());
        let mut batch = Batch::new();
        let failure = decode_raw_body(
            b"{\"email\":{\"subject\":{\"x\":1}}}\nplain\n",
            &HecMeta::default(),
            &mut ctx,
            &mut batch,
        )
        .unwrap();
        assert_eq!(failure.unwrap().problem, HecProblem::InvalidDataFormat);
        assert_eq!(batch.events.len(), 1);
        assert!(
            batch.rejected[0]
                .reason
                .starts_with("email.subject is an object")
        );
    }
}

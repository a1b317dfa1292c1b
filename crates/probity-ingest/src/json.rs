//! JSON events: NDJSON streams, JSON arrays, and the mapping of one JSON object onto the model.
//!
//! An object is recognised by shape: a Winlogbeat/ECS Windows document (`winlog.*`), a Microsoft 365
//! audit record, or anything else (ECS names where present, common aliases otherwise). The whole
//! object is kept as the event's original fields.

use std::io::BufRead;

use serde_json::{Map, Value};

use probity_model::{Event, Format, is_settable};

use crate::lines::{Line, LineReader, is_blank, split_lines};
use crate::timeparse::parse_time_value;
use crate::{Context, Result, Sink};

/// Keys that hold the event time in common JSON shapes, in order of preference.
const TIME_KEYS: &[&str] = &[
    "@timestamp",
    "timestamp",
    "time",
    "TimeGenerated",
    "CreationTime",
    "TimeCreated",
    "EventTime",
    "eventTime",
    "event_time",
    "datetime",
    "date",
    "ts",
    "_time",
];

/// Common non-ECS names, mapped onto typed fields when the ECS name is absent.
const ALIASES: &[(&str, &str)] = &[
    ("msg", "message"),
    ("Message", "message"),
    ("user", "user.name"),
    ("username", "user.name"),
    ("userName", "user.name"),
    ("UserName", "user.name"),
    ("user_name", "user.name"),
    ("account", "user.name"),
    ("host", "host.name"),
    ("hostname", "host.name"),
    ("Computer", "host.name"),
    ("action", "event.action"),
    ("src_ip", "source.ip"),
    ("src", "source.ip"),
    ("SourceIP", "source.ip"),
    ("client_ip", "source.ip"),
    ("ClientIP", "source.ip"),
    ("dst_ip", "destination.ip"),
    ("dest_ip", "destination.ip"),
];

/// Decodes NDJSON from a stream: one JSON object per line (a line holding a JSON array of objects
/// is also accepted). Blank lines are skipped; every other line becomes events or a dead letter.
pub fn decode_ndjson(reader: impl BufRead, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let mut lines = LineReader::new(reader, ctx.limits.max_event_bytes);
    let origin = ctx.source.clone();
    while let Some(line) = lines
        .next_line()
        .map_err(|e| crate::Error::io(&origin, e))?
    {
        let location = Some(format!("line {}", lines.number()));
        match line {
            Line::TooLong { prefix, len } => {
                let reason = format!(
                    "line of {len} bytes is longer than the {} byte event limit",
                    ctx.limits.max_event_bytes
                );
                let mut letter = ctx.dead_letter(Some(Format::Ndjson), reason, location, &prefix);
                letter.raw_len = len as u64;
                sink.reject(letter)?;
            }
            Line::Complete(bytes) => decode_line(&bytes, Format::Ndjson, location, ctx, sink)?,
        }
    }
    Ok(())
}

/// Decodes a JSON document held in memory: a JSON array of objects, one object, or NDJSON.
pub fn decode_document(
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(at) = first {
        if bytes[at] == b'[' {
            return decode_array(bytes, format, None, ctx, sink);
        }
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |end| at + end);
        if bytes[at..line_end].trim_ascii() == b"{" {
            return decode_concatenated(bytes, format, ctx, sink);
        }
    }
    for (number, line) in split_lines(bytes) {
        let location = Some(format!("line {number}"));
        if line.len() > ctx.limits.max_event_bytes {
            let reason = format!(
                "line of {} bytes is longer than the {} byte event limit",
                line.len(),
                ctx.limits.max_event_bytes
            );
            sink.reject(ctx.dead_letter(Some(format), reason, location, line))?;
            continue;
        }
        decode_line(line, format, location, ctx, sink)?;
    }
    Ok(())
}

/// JSON objects one after another, each possibly spread over many lines (pretty-printed).
fn decode_concatenated(
    bytes: &[u8],
    format: Format,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    if let Err(error) = std::str::from_utf8(bytes) {
        let reason = format!(
            "not valid UTF-8 (first bad byte at offset {})",
            error.valid_up_to()
        );
        return sink.reject(ctx.dead_letter(Some(format), reason, None, bytes));
    }
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut number = 0usize;
    loop {
        let start = stream.byte_offset();
        let Some(next) = stream.next() else { break };
        let end = stream.byte_offset();
        number += 1;
        let location = Some(format!("object {number} (byte {start})"));
        let raw = bytes[start..end].trim_ascii();
        match next {
            Err(error) => {
                let reason = format!("invalid JSON: {error}");
                return sink.reject(ctx.dead_letter(
                    Some(format),
                    reason,
                    location,
                    &bytes[start..],
                ));
            }
            Ok(Value::Object(object)) => {
                let value = Value::Object(object);
                if let Err(reason) = ctx.limits.check_json(&value) {
                    sink.reject(ctx.dead_letter(Some(format), reason, location, raw))?;
                    continue;
                }
                let Value::Object(object) = value else {
                    continue;
                };
                match event_from_object(object, raw, format, location.clone(), ctx) {
                    Ok(event) => sink.event(event)?,
                    Err(reason) => {
                        sink.reject(ctx.dead_letter(Some(format), reason, location, raw))?;
                    }
                }
            }
            Ok(other) => {
                let reason = format!("expected a JSON object, found {}", kind_of(&other));
                sink.reject(ctx.dead_letter(Some(format), reason, location, raw))?;
            }
        }
    }
    Ok(())
}

fn decode_line(
    line: &[u8],
    format: Format,
    location: Option<String>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    if is_blank(line) {
        return Ok(());
    }
    if line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return decode_array(line, format, location, ctx, sink);
    }
    let parsed = parse_object(line, ctx)
        .and_then(|object| event_from_object(object, line, format, location.clone(), ctx));
    match parsed {
        Ok(event) => sink.event(event),
        Err(reason) => sink.reject(ctx.dead_letter(Some(format), reason, location, line)),
    }
}

fn decode_array(
    bytes: &[u8],
    format: Format,
    location: Option<String>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let where_ = location.clone().unwrap_or_else(|| "document".into());
    let items: Vec<Value> = match parse_value(bytes, ctx) {
        Ok(Value::Array(items)) => items,
        Ok(_) => Vec::new(),
        Err(reason) => {
            return sink.reject(ctx.dead_letter(Some(format), reason, location, bytes));
        }
    };
    for (index, item) in items.into_iter().enumerate() {
        let item_location = Some(format!("{where_}, item {}", index + 1));
        // Re-serialised so that each item has its own content for its id and dead letter.
        let raw = serde_json::to_vec(&item).unwrap_or_default();
        match item {
            Value::Object(object) => {
                if raw.len() > ctx.limits.max_event_bytes {
                    let reason = format!(
                        "event of {} bytes is longer than the {} byte event limit",
                        raw.len(),
                        ctx.limits.max_event_bytes
                    );
                    sink.reject(ctx.dead_letter(Some(format), reason, item_location, &raw))?;
                    continue;
                }
                match event_from_object(object, &raw, format, item_location.clone(), ctx) {
                    Ok(event) => sink.event(event)?,
                    Err(reason) => {
                        sink.reject(ctx.dead_letter(Some(format), reason, item_location, &raw))?;
                    }
                }
            }
            other => {
                let reason = format!("expected a JSON object, found {}", kind_of(&other));
                sink.reject(ctx.dead_letter(Some(format), reason, item_location, &raw))?;
            }
        }
    }
    Ok(())
}

/// Parses bytes as JSON within the context's limits; the error is a reason for a dead letter.
pub fn parse_value(bytes: &[u8], ctx: &Context) -> std::result::Result<Value, String> {
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(format!(
            "not valid UTF-8 (first bad byte at offset {})",
            error.valid_up_to()
        ));
    }
    // serde_json refuses nesting deeper than 128 before it can exhaust the stack.
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| format!("invalid JSON: {error}"))?;
    ctx.limits.check_json(&value)?;
    Ok(value)
}

/// Parses bytes that must hold one JSON object.
pub fn parse_object(
    bytes: &[u8],
    ctx: &Context,
) -> std::result::Result<Map<String, Value>, String> {
    match parse_value(bytes, ctx)? {
        Value::Object(object) => Ok(object),
        other => Err(format!("expected a JSON object, found {}", kind_of(&other))),
    }
}

/// What kind of JSON value `value` is, as a problem names it ("a string", "an object").
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Maps one JSON object onto an event. `raw` is the object's bytes as received (its id content).
/// An object whose message fields are not text is refused with the reason
/// ([`check_email_fields`]): the caller keeps it in dead-letter.
pub fn event_from_object(
    object: Map<String, Value>,
    raw: &[u8],
    format: Format,
    location: Option<String>,
    ctx: &mut Context,
) -> std::result::Result<Event, String> {
    check_email_fields(&object)?;
    let provenance = ctx.provenance(format, raw, location);
    let mut event = Event::new(ctx.received, provenance);
    apply_object(&object, &mut event);
    event.original = object;
    Ok(event)
}

/// The `email.*` fields a message sent as JSON is read from, and what each must hold.
#[derive(Clone, Copy)]
enum EmailField {
    /// `email.from`, `email.to`, `email.cc`, `email.bcc`: an object holding `address`.
    Party,
    /// `email.*.address`: a string or a list of strings.
    Addresses,
    /// `email.subject`, `email.body`, `email.message_id`: a string.
    Text,
}

fn email_field(path: &str) -> Option<EmailField> {
    match path {
        "email.from" | "email.to" | "email.cc" | "email.bcc" => Some(EmailField::Party),
        "email.from.address" | "email.to.address" | "email.cc.address" | "email.bcc.address" => {
            Some(EmailField::Addresses)
        }
        "email.subject" | "email.body" | "email.message_id" => Some(EmailField::Text),
        _ => None,
    }
}

/// Checks that the fields a message is read from (`email.subject`, `email.body`,
/// `email.message_id`, `email.{from,to,cc,bcc}.address`, nested or dotted) hold text, each once.
///
/// The communications stage reads a message's text and parties from these fields alone, while
/// the whole object is stored as sent: a body sent as an object (`"body": {"nested": "…"}`), an
/// address inside a list of lists, or a second body under another spelling of its name would be
/// stored without the exclusions, the sealing cues or the policies having read it. Such an
/// object is refused, and the reason names the field.
pub fn check_email_fields(object: &Map<String, Value>) -> std::result::Result<(), String> {
    let mut texts: Vec<(&str, &str)> = Vec::new();
    for (key, value) in object {
        if key == "email" || key.starts_with("email.") {
            check_email_value(key.clone(), value, &mut texts)?;
        }
    }
    for (at, (path, text)) in texts.iter().enumerate() {
        if texts[..at].iter().any(|(p, t)| p == path && t != text) {
            return Err(format!(
                "{path} is given twice with different text (nested and dotted); a message has \
                 one, so that every policy reads what is stored"
            ));
        }
    }
    Ok(())
}

fn check_email_value<'v>(
    path: String,
    value: &'v Value,
    texts: &mut Vec<(&'static str, &'v str)>,
) -> std::result::Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let refuse = |expected: &str| {
        Err(format!(
            "{path} is {}, not {expected}: a message's subject, body and addresses must be \
             text, so that the exclusions, the sealing cues and the policies read all of it",
            kind_of(value)
        ))
    };
    match email_field(&path) {
        Some(EmailField::Party) => {
            let Value::Object(inner) = value else {
                return refuse(&format!("an object holding {path}.address"));
            };
            for (key, value) in inner {
                check_email_value(format!("{path}.{key}"), value, texts)?;
            }
        }
        Some(EmailField::Addresses) => match value {
            Value::String(_) => {}
            Value::Array(items) if items.iter().all(|item| item.is_string() || item.is_null()) => {}
            _ => return refuse("a string or a list of strings"),
        },
        Some(EmailField::Text) => match value {
            Value::String(text) => {
                let name = match path.as_str() {
                    "email.subject" => "email.subject",
                    "email.body" => "email.body",
                    _ => "email.message_id",
                };
                texts.push((name, text));
            }
            _ => return refuse("a string"),
        },
        None => {
            // Only `email` itself and the parties hold checked fields below them; an object
            // under another name (`email.attachments`…) is not read as the message.
            if path == "email"
                && let Value::Object(inner) = value
            {
                for (key, value) in inner {
                    check_email_value(format!("{path}.{key}"), value, texts)?;
                }
            }
        }
    }
    Ok(())
}

/// Fills typed fields of `event` from a JSON object of any recognised shape: a Microsoft 365
/// audit record, a Winlogbeat (ECS) Windows event, or generic JSON with ECS names or common aliases.
pub fn apply_object(object: &Map<String, Value>, event: &mut Event) {
    if crate::m365::is_m365(object) {
        crate::m365::apply(object, event);
        return;
    }
    if let Some(ts) = TIME_KEYS
        .iter()
        .find_map(|key| lookup(object, key).and_then(parse_time_value))
    {
        event.timestamp = ts;
    }
    // ECS names first (a Winlogbeat document carries many), then what the Windows mapping adds.
    apply_ecs(object, event);
    if let Some(flat) = crate::windows::flatten_winlogbeat(object) {
        crate::windows::apply(&flat, event);
    }
}

/// Sets every typed field whose ECS name is present (nested, dotted, or a mix), then the aliases.
fn apply_ecs(object: &Map<String, Value>, event: &mut Event) {
    let mut path = String::with_capacity(64);
    walk(object, &mut path, event, 0);
    // `email.body` is no queryable field, but a message sent as JSON (over HTTP, or a file)
    // must reach the communications stage with its body like one decoded from MIME, so that
    // it is scanned, sealed or excluded as such.
    if let Some(Value::String(body)) = lookup(object, "email.body") {
        event.email.get_or_insert_with(Default::default).body = Some(body.clone());
    }
    for (alias, name) in ALIASES {
        // Most objects hold none of the aliases: look for the alias first, it is the cheap test.
        let Some(value) = object.get(*alias) else {
            continue;
        };
        if event.get(name).is_some() {
            continue;
        }
        if let Some(text) = as_text(value) {
            let _ = event.set(name, &text);
        }
    }
}

/// Deepest nesting followed when looking for ECS names (ECS names have at most four parts).
const ECS_DEPTH: usize = 4;

/// Visits every leaf once, setting those whose dotted path is a typed field. A value of the wrong
/// type (a port that is not a number) stays in `original` only.
fn walk(object: &Map<String, Value>, path: &mut String, event: &mut Event, depth: usize) {
    for (key, value) in object {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        match value {
            Value::Object(inner) => {
                if depth < ECS_DEPTH {
                    walk(inner, path, event, depth + 1);
                }
            }
            Value::Null => {}
            _ => {
                if is_settable(path)
                    && let Some(text) = as_text(value)
                {
                    let _ = event.set(path, &text);
                }
            }
        }
        path.truncate(len);
    }
}

/// Finds `path` in an object whose keys may be nested (`{"user": {"name": …}}`), dotted
/// (`{"user.name": …}`), or a mix of the two.
pub fn lookup<'a>(object: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = object.get(path) {
        return Some(value);
    }
    for (at, _) in path.match_indices('.') {
        if let Some(Value::Object(inner)) = object.get(&path[..at])
            && let Some(value) = lookup(inner, &path[at + 1..])
        {
            return Some(value);
        }
    }
    None
}

/// A scalar (or a list of scalars, joined with `,`) as text; objects and nulls give `None`.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter(|v| !v.is_array())
                .filter_map(as_text)
                .collect();
            if parts.is_empty() {
                None
            } else {
                Some(parts.join(","))
            }
        }
        Value::Null | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Limits};

    fn decode(input: &[u8]) -> Batch {
        let mut ctx = Context::new("test", Limits::default());
        let mut batch = Batch::new();
        decode_ndjson(input, &mut ctx, &mut batch).unwrap();
        batch
    }

    #[test]
    fn ecs_nested_and_dotted_names() {
        let batch = decode(
            br#"{"@timestamp":"2026-11-23T10:00:00Z","user":{"name":"jsmith"},"event.action":"view","record":{"subject.id":"P1","system":"PNC"},"source":{"ip":"10.0.0.1","port":"443"}}"#,
        );
        let event = &batch.events[0];
        assert_eq!(event.timestamp.to_rfc3339(), "2026-11-23T10:00:00+00:00");
        assert_eq!(event.user_name(), Some("jsmith"));
        assert_eq!(event.action(), Some("view"));
        let record = event.record.as_ref().unwrap();
        assert_eq!(record.subject.id.as_ref().unwrap().as_str(), "P1");
        assert_eq!(event.source.as_ref().unwrap().port, Some(443));
        assert_eq!(event.original["user"]["name"], "jsmith");
    }

    #[test]
    fn a_message_body_sent_as_json_is_the_message_s_body() {
        let batch = decode(
            br#"{"@timestamp":"2024-05-07T10:01:00Z","email":{"from":{"address":["a@force.police.uk"]},"subject":"y","body":"the text"}}
{"@timestamp":"2024-05-07T10:02:00Z","email.body":"dotted"}"#,
        );
        let email = batch.events[0].email.as_ref().unwrap();
        assert_eq!(email.body.as_deref(), Some("the text"));
        assert_eq!(email.subject.as_deref(), Some("y"));
        let dotted = batch.events[1].email.as_ref().unwrap();
        assert_eq!(dotted.body.as_deref(), Some("dotted"));
    }

    #[test]
    fn winlogbeat_and_m365_shapes_are_recognised() {
        let winlogbeat = br#"{"@timestamp":"2026-11-23T09:00:00.000Z","agent":{"type":"winlogbeat"},"winlog":{"channel":"Security","event_id":4625,"provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"WS-0042.force.local","event_data":{"TargetUserName":"ds1234","TargetDomainName":"FORCE","IpAddress":"10.1.2.3","LogonType":"3"}},"message":"An account failed to log on."}"#;
        let batch = decode(winlogbeat);
        let event = &batch.events[0];
        assert_eq!(event.user_name(), Some("ds1234"));
        assert_eq!(event.event.code.as_deref(), Some("4625"));
        assert_eq!(event.action(), Some("logon-failed"));
        assert_eq!(
            event.source.as_ref().unwrap().ip.as_deref(),
            Some("10.1.2.3")
        );
        assert_eq!(
            event.host.as_ref().unwrap().name.as_deref(),
            Some("WS-0042.force.local")
        );
        assert_eq!(
            event.original["winlog"]["event_data"]["LogonType"], "3",
            "kept as sent"
        );

        let m365 = br#"{"CreationTime":"2026-11-23T09:30:00","Operation":"FileDownloaded","Workload":"SharePoint","RecordType":6,"UserId":"pc4521@force.police.uk","ClientIP":"203.0.113.7","ObjectId":"https://force.sharepoint.com/sites/cid/Shared Documents/list.xlsx"}"#;
        let batch = decode(m365);
        let event = &batch.events[0];
        assert_eq!(event.action(), Some("FileDownloaded"));
        assert_eq!(event.user_name(), Some("pc4521@force.police.uk"));
        assert_eq!(event.timestamp.to_rfc3339(), "2026-11-23T09:30:00+00:00");
    }

    #[test]
    fn aliases_and_missing_time() {
        let batch = decode(br#"{"msg":"hello","username":"a.b","host":"ws1","time":1700000000}"#);
        let event = &batch.events[0];
        assert_eq!(event.message.as_deref(), Some("hello"));
        assert_eq!(event.user_name(), Some("a.b"));
        assert_eq!(event.host.as_ref().unwrap().name.as_deref(), Some("ws1"));
        assert_eq!(event.timestamp.timestamp(), 1_700_000_000);

        let batch = decode(br#"{"msg":"no time"}"#);
        let ctx_time = batch.events[0].provenance.ingested;
        assert_eq!(batch.events[0].timestamp, ctx_time);
    }

    #[test]
    fn bad_lines_become_dead_letters_and_good_ones_survive() {
        let input = b"{\"a\":1}\n{broken\n\n[1]\n\"text\"\n\xff\xfe\n{\"b\":2}\n";
        let batch = decode(input);
        assert_eq!(batch.events.len(), 2);
        let reasons: Vec<(&str, &str)> = batch
            .rejected
            .iter()
            .map(|d| (d.location.as_deref().unwrap(), d.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].0 == "line 2" && reasons[0].1.starts_with("invalid JSON"));
        assert!(reasons[1].0 == "line 4, item 1" && reasons[1].1.contains("a number"));
        assert!(reasons[2].0 == "line 5" && reasons[2].1.contains("a string"));
        assert!(reasons[3].0 == "line 6" && reasons[3].1.contains("UTF-8"));
        assert_eq!(batch.rejected[3].raw, b"\xff\xfe");
    }

    #[test]
    fn depth_and_size_limits() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let batch = decode(deep.as_bytes());
        assert_eq!(batch.rejected.len(), 1);
        assert!(
            batch.rejected[0].reason.contains("recursion limit"),
            "{}",
            batch.rejected[0].reason
        );

        let mut nested = String::from("{\"a\":");
        for _ in 0..40 {
            nested.push_str("{\"a\":");
        }
        nested.push('1');
        nested.push_str(&"}".repeat(41));
        let batch = decode(nested.as_bytes());
        assert!(
            batch.rejected[0].reason.contains("nesting deeper"),
            "{}",
            batch.rejected[0].reason
        );

        let mut ctx = Context::new(
            "t",
            Limits {
                max_event_bytes: 10,
                ..Limits::default()
            },
        );
        let mut batch = Batch::new();
        decode_ndjson(&b"{\"a\":\"0123456789\"}\n{}\n"[..], &mut ctx, &mut batch).unwrap();
        assert_eq!(batch.events.len(), 1);
        assert!(batch.rejected[0].reason.contains("longer than the 10 byte"));
    }

    #[test]
    fn arrays_and_retries_give_the_same_ids() {
        let doc = br#"[{"msg":"a"},{"msg":"a"},{"msg":"b"}]"#;
        let ids = |bytes: &[u8]| {
            let mut ctx = Context::new("t", Limits::default());
            let mut batch = Batch::new();
            decode_document(bytes, Format::Ndjson, &mut ctx, &mut batch).unwrap();
            batch
                .events
                .iter()
                .map(|e| e.provenance.id)
                .collect::<Vec<_>>()
        };
        let first = ids(doc);
        assert_eq!(first.len(), 3);
        assert_ne!(
            first[0], first[1],
            "identical items in one delivery stay distinct"
        );
        assert_eq!(first, ids(doc), "a retry reproduces the ids");
    }

    /// A message's fields of the wrong type were stored as sent without any policy reading them
    /// (`"body": {"nested": "…diagnosed with depression…"}`, audit 2, defect 1b): such a line is
    /// a dead letter naming the field.
    #[test]
    fn message_fields_that_are_not_text_are_refused_with_the_field_named() {
        let cases: [(&[u8], &str); 7] = [
            (
                br#"{"email":{"to":{"address":["b@force.police.uk"]},"subject":"s","body":{"nested":"fit note"}}}"#,
                "email.body is an object, not a string",
            ),
            (
                br#"{"email":{"subject":["a","b"]}}"#,
                "email.subject is an array, not a string",
            ),
            (
                br#"{"email":{"to":"oh@force.police.uk","body":"x"}}"#,
                "email.to is a string, not an object holding email.to.address",
            ),
            (
                br#"{"email":{"to":{"address":[["oh@force.police.uk"]]},"body":"x"}}"#,
                "email.to.address is an array, not a string or a list of strings",
            ),
            (
                br#"{"email.cc.address":{"x":"oh@force.police.uk"},"email":{"body":"x"}}"#,
                "email.cc.address is an object",
            ),
            (
                br#"{"email":{"from.address":7,"body":"x"}}"#,
                "email.from.address is a number",
            ),
            (
                br#"{"email.body":"hello","email":{"body":"diagnosed with depression"}}"#,
                "email.body is given twice with different text",
            ),
        ];
        for (line, expected) in cases {
            let batch = decode(line);
            assert!(batch.events.is_empty(), "{}", String::from_utf8_lossy(line));
            assert_eq!(batch.rejected.len(), 1);
            let letter = &batch.rejected[0];
            assert!(letter.reason.starts_with(expected), "{}", letter.reason);
            assert_eq!(letter.raw, line, "the line is kept whole");
        }
    }

    #[test]
    fn message_fields_of_the_right_type_are_read_as_before() {
        let batch = decode(
            br#"{"@timestamp":"2026-11-23T10:00:00Z","email":{"from":{"address":"a@force.police.uk"},"to":{"address":["b@force.police.uk",null]},"cc":null,"subject":"s","body":"text","message_id":null,"attachments":[{"file":{"name":"a.txt"}}]},"email.subject":"s","user":{"email":"a@force.police.uk"}}
{"email":"a@force.police.uk","user":"a"}"#,
        );
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        assert_eq!(batch.events.len(), 2);
        let email = batch.events[0].email.as_ref().unwrap();
        assert_eq!(email.body.as_deref(), Some("text"));
        assert_eq!(email.to.len(), 1);
    }
}

//! Syslog messages onto the event model, and syslog files read line by line.

use std::io::BufRead;

use serde_json::{Map, Value};

use probity_model::{DeadLetter, Event, Format, Host, Process};

use super::{FrameError, SyslogMessage, parse_lenient};
use crate::lines::{Line, LineReader, is_blank};
use crate::{Context, Error, Result, Sink};

/// The event for a parsed message. `raw` is the frame or line as received (its bytes make the
/// event id); the event time is the message's, else the receive time.
///
/// Mapping: `host.name` = HOSTNAME, `event.provider` = APP-NAME, `event.code` = MSGID,
/// `event.severity` = severity, `event.dataset` = `syslog`, `message` = MSG, `process.pid` when
/// PROCID is a number; `original` keeps every header field that is present, the structured data
/// as `{id: {param: value}}` (a repeated parameter becomes a list) and the protocol.
pub fn to_event(
    msg: &SyslogMessage,
    raw: &[u8],
    ctx: &mut Context,
    location: Option<String>,
) -> Event {
    let provenance = ctx.provenance(Format::Syslog, raw, location);
    let mut event = Event::new(msg.timestamp.unwrap_or(ctx.received), provenance);
    // Senders such as rsyslog put a space before MSG that is not part of the text; the exact MSG is
    // kept in `original` when trimming changed it.
    let exact = msg.message.as_deref();
    let trimmed = exact.map(str::trim_start);
    event.message = trimmed.map(str::to_owned);
    event.event.dataset = Some("syslog".to_owned());
    event.event.provider = msg.app_name.clone();
    event.event.code = msg.msg_id.clone();
    event.event.severity = msg.severity.map(i64::from);
    if let Some(hostname) = &msg.hostname {
        event.host = Some(Host {
            name: Some(hostname.clone()),
            ..Host::default()
        });
    }
    if let Some(pid) = msg.proc_id.as_deref().and_then(numeric_pid) {
        event.process = Some(Process {
            pid: Some(pid),
            ..Process::default()
        });
    }
    event.original = original_fields(msg);
    if let Some(exact) = exact.filter(|exact| Some(*exact) != trimmed) {
        event
            .original
            .insert("msg".to_owned(), Value::String(exact.to_owned()));
    }
    event
}

fn numeric_pid(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn original_fields(msg: &SyslogMessage) -> Map<String, Value> {
    let mut original = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            original.insert(key.to_owned(), value);
        }
    };
    put("facility", msg.facility.map(Value::from));
    put("severity", msg.severity.map(Value::from));
    put("version", msg.version.map(Value::from));
    put("hostname", msg.hostname.clone().map(Value::from));
    put("app_name", msg.app_name.clone().map(Value::from));
    put("proc_id", msg.proc_id.clone().map(Value::from));
    put("msg_id", msg.msg_id.clone().map(Value::from));
    if !msg.structured_data.is_empty() {
        put("structured_data", Some(Value::Object(structured_data(msg))));
    }
    put("protocol", Some(Value::from(msg.protocol.as_str())));
    original
}

fn structured_data(msg: &SyslogMessage) -> Map<String, Value> {
    let mut elements = Map::new();
    for element in &msg.structured_data {
        let entry = elements
            .entry(element.id.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(params) = entry else {
            continue;
        };
        for (name, value) in &element.params {
            add_param(params, name, value);
        }
    }
    elements
}

/// Adds a parameter; a name seen before turns into a list of its values.
fn add_param(params: &mut Map<String, Value>, name: &str, value: &str) {
    match params.get_mut(name) {
        None => {
            params.insert(name.to_owned(), Value::from(value));
        }
        Some(Value::Array(values)) => values.push(Value::from(value)),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, Value::from(value)]);
        }
    }
}

/// Parses one message however it is written ([`parse_lenient`]) and makes its event.
pub fn decode_message(raw: &[u8], ctx: &mut Context, location: Option<String>) -> Event {
    let message = parse_lenient(raw, ctx.received);
    to_event(&message, raw, ctx, location)
}

/// The dead letter for a frame the [`FrameDecoder`](super::FrameDecoder) could not deliver.
pub fn frame_dead_letter(
    ctx: &Context,
    error: &FrameError,
    location: Option<String>,
) -> DeadLetter {
    ctx.dead_letter(
        Some(Format::Syslog),
        error.to_string(),
        location,
        error.first_bytes(),
    )
}

/// Reads a syslog file, one message per line (LF or CRLF). Each non-blank line becomes an event
/// (location `line N`); a line longer than `ctx.limits.max_event_bytes` becomes a dead letter
/// keeping its first bytes and its full length. Blank lines are not records and are skipped.
pub fn decode_lines(reader: impl BufRead, ctx: &mut Context, sink: &mut dyn Sink) -> Result<()> {
    let max = ctx.limits.max_event_bytes;
    let mut lines = LineReader::new(reader, max);
    while let Some(line) = lines
        .next_line()
        .map_err(|e| Error::io(ctx.source.clone(), e))?
    {
        let location = Some(format!("line {}", lines.number()));
        match line {
            Line::TooLong { prefix, len } => {
                let reason =
                    format!("syslog line of {len} bytes is longer than the limit of {max} bytes");
                let mut letter = ctx.dead_letter(Some(Format::Syslog), reason, location, &prefix);
                letter.raw_len = len as u64;
                sink.reject(letter)?;
            }
            Line::Complete(bytes) => {
                if is_blank(&bytes) {
                    continue;
                }
                let event = decode_message(&bytes, ctx, location);
                sink.event(event)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Limits};

    #[test]
    fn repeated_params_become_lists() {
        let mut ctx = Context::new("test", Limits::default());
        let mut batch = Batch::new();
        decode_lines(
            &b"<1>1 - - - - - [a x=\"1\" x=\"2\"][b y=\"3\"] m\n"[..],
            &mut ctx,
            &mut batch,
        )
        .unwrap();
        let event = &batch.events[0];
        assert_eq!(
            event.original["structured_data"],
            serde_json::json!({"a": {"x": ["1", "2"]}, "b": {"y": "3"}})
        );
    }
}

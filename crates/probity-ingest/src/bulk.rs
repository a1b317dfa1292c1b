//! Elasticsearch `_bulk` bodies: action lines, each followed by a document for `index` and `create`.
//!
//! Every action gets an item in the response, as shippers (Beats, Logstash, Fluent Bit, Vector) expect.
//! Probity keeps events unchanged, so `update` and `delete` are refused per item (and what came with
//! them kept in dead-letter); a malformed line is refused per item rather than failing the request.

use serde_json::Value;

use probity_model::Format;

use crate::json::{event_from_object, parse_object};
use crate::lines::{is_blank, split_lines};
use crate::{Context, Result, Sink};

/// Why one bulk item was refused, in Elasticsearch's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkError {
    pub status: u16,
    /// Elasticsearch's error type (`mapper_parsing_exception`…).
    pub kind: &'static str,
    pub reason: String,
}

/// One item of the bulk response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkItem {
    /// `index`, `create`, `update` or `delete`.
    pub action: String,
    pub index: String,
    /// The id the client gave, else the event id.
    pub id: Option<String>,
    pub result: std::result::Result<(), BulkError>,
}

const ACTIONS: [&str; 4] = ["index", "create", "update", "delete"];

/// The action and its metadata, if `line` is a well-formed action line.
fn parse_action(
    line: &[u8],
    ctx: &Context,
) -> std::result::Result<(String, Option<String>, Option<String>), String> {
    let object = parse_object(line, ctx)?;
    if object.len() != 1 {
        return Err(format!(
            "an action line holds exactly one action, found {} keys",
            object.len()
        ));
    }
    let Some((action, meta)) = object.into_iter().next() else {
        return Err("empty action line".into());
    };
    if !ACTIONS.contains(&action.as_str()) {
        return Err(format!("unknown bulk action {action:?}"));
    }
    let text = |key: &str| meta.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok((action, text("_index"), text("_id")))
}

/// Decodes a bulk body. `path_index` is the index named in the URL (`/{index}/_bulk`), used where an
/// action names none.
pub fn decode(
    body: &[u8],
    path_index: Option<&str>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<Vec<BulkItem>> {
    let mut items = Vec::new();
    let mut lines = split_lines(body)
        .filter(|(_, line)| !is_blank(line))
        .peekable();
    while let Some((number, line)) = lines.next() {
        let location = Some(format!("line {number}"));
        let default_index = path_index.unwrap_or("probity").to_owned();
        let (action, index, id) = match parse_action(line, ctx) {
            Ok(parsed) => parsed,
            Err(reason) => {
                let reason = format!("malformed action/metadata line {number}: {reason}");
                sink.reject(ctx.dead_letter(Some(Format::EsBulk), reason.clone(), location, line))?;
                // The line after a bad action line is its document unless it is itself an action.
                if let Some((next_number, next)) = lines.peek().copied()
                    && parse_action(next, ctx).is_err()
                {
                    lines.next();
                    let orphan = format!("document after malformed action line {number}");
                    let letter = ctx.dead_letter(
                        Some(Format::EsBulk),
                        orphan,
                        Some(format!("line {next_number}")),
                        next,
                    );
                    sink.reject(letter)?;
                }
                items.push(BulkItem {
                    action: "index".into(),
                    index: default_index,
                    id: None,
                    result: Err(BulkError {
                        status: 400,
                        kind: "illegal_argument_exception",
                        reason,
                    }),
                });
                continue;
            }
        };
        let index = index.unwrap_or(default_index);
        if action == "delete" {
            let reason = "probity keeps events unchanged: delete is not supported".to_owned();
            sink.reject(ctx.dead_letter(Some(Format::EsBulk), reason.clone(), location, line))?;
            items.push(refused(action, index, id, reason));
            continue;
        }
        let Some((doc_number, doc)) = lines.next() else {
            let reason = format!("action on line {number} has no document after it");
            sink.reject(ctx.dead_letter(Some(Format::EsBulk), reason.clone(), location, line))?;
            items.push(BulkItem {
                action,
                index,
                id,
                result: Err(BulkError {
                    status: 400,
                    kind: "action_request_validation_exception",
                    reason,
                }),
            });
            continue;
        };
        let doc_location = Some(format!("line {doc_number}"));
        if action == "update" {
            let reason = "probity keeps events unchanged: update is not supported".to_owned();
            sink.reject(ctx.dead_letter(Some(Format::EsBulk), reason.clone(), doc_location, doc))?;
            items.push(refused(action, index, id, reason));
            continue;
        }
        if doc.len() > ctx.limits.max_event_bytes {
            let reason = format!(
                "document of {} bytes is longer than the {} byte event limit",
                doc.len(),
                ctx.limits.max_event_bytes
            );
            sink.reject(ctx.dead_letter(Some(Format::EsBulk), reason.clone(), doc_location, doc))?;
            items.push(mapping_error(action, index, id, reason));
            continue;
        }
        let parsed = parse_object(doc, ctx).and_then(|object| {
            event_from_object(object, doc, Format::EsBulk, doc_location.clone(), ctx)
        });
        match parsed {
            Ok(mut event) => {
                event.labels.insert("es.index".into(), index.clone());
                if let Some(id) = &id {
                    event.labels.insert("es.id".into(), id.clone());
                }
                let id = id.or_else(|| Some(event.provenance.id.to_hex()));
                sink.event(event)?;
                items.push(BulkItem {
                    action,
                    index,
                    id,
                    result: Ok(()),
                });
            }
            Err(reason) => {
                sink.reject(ctx.dead_letter(
                    Some(Format::EsBulk),
                    reason.clone(),
                    doc_location,
                    doc,
                ))?;
                items.push(mapping_error(action, index, id, reason));
            }
        }
    }
    Ok(items)
}

fn refused(action: String, index: String, id: Option<String>, reason: String) -> BulkItem {
    BulkItem {
        action,
        index,
        id,
        result: Err(BulkError {
            status: 400,
            kind: "action_request_validation_exception",
            reason,
        }),
    }
}

fn mapping_error(action: String, index: String, id: Option<String>, reason: String) -> BulkItem {
    BulkItem {
        action,
        index,
        id,
        result: Err(BulkError {
            status: 400,
            kind: "mapper_parsing_exception",
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Limits};

    fn run(body: &[u8]) -> (Vec<BulkItem>, Batch) {
        let mut ctx = Context::new("es:test", Limits::default());
        let mut batch = Batch::new();
        let items = decode(body, Some("winlogbeat-8"), &mut ctx, &mut batch).unwrap();
        (items, batch)
    }

    #[test]
    fn index_and_create_store_events() {
        let body = b"{\"index\":{}}\n{\"message\":\"a\"}\n{\"create\":{\"_index\":\"logs\",\"_id\":\"x1\"}}\n{\"message\":\"b\"}\n";
        let (items, batch) = run(body);
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| i.result.is_ok()));
        assert_eq!(items[0].index, "winlogbeat-8");
        assert_eq!(items[1].index, "logs");
        assert_eq!(items[1].id.as_deref(), Some("x1"));
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.events[1].labels["es.id"], "x1");
    }

    #[test]
    fn bad_items_are_refused_one_by_one() {
        let body = concat!(
            "{\"index\":{}}\n{\"message\":\"ok\"}\n",
            "{\"index\":{}}\n{not json}\n",
            "{\"delete\":{\"_id\":\"1\"}}\n",
            "{\"update\":{\"_id\":\"2\"}}\n{\"doc\":{\"a\":1}}\n",
            "garbage\n{\"orphan\":true}\n",
            "{\"index\":{}}\n{\"message\":\"last\"}\n",
            "{\"create\":{}}\n",
        );
        let (items, batch) = run(body.as_bytes());
        let statuses: Vec<Option<&str>> = items
            .iter()
            .map(|i| i.result.as_ref().err().map(|e| e.kind))
            .collect();
        assert_eq!(
            statuses,
            vec![
                None,
                Some("mapper_parsing_exception"),
                Some("action_request_validation_exception"),
                Some("action_request_validation_exception"),
                Some("illegal_argument_exception"),
                None,
                Some("action_request_validation_exception"),
            ]
        );
        assert_eq!(batch.events.len(), 2);
        // not json, delete, update doc, garbage, orphan, create without document
        assert_eq!(batch.rejected.len(), 6);
    }
}

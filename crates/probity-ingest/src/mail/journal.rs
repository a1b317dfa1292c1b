//! Exchange journal reports: the envelope Exchange wrote around a journalled message.
//!
//! A journal report carries the header `X-MS-Journal-Report`, a text part listing the envelope
//! (`Sender:`, `Subject:`, `Message-Id:`, then one `Recipient:` line per envelope recipient, or
//! `To:`/`Cc:`/`Bcc:` lines in newer reports, each possibly followed by `, Forwarded: ...` or
//! `, Expanded: ...`), and the original message attached as `message/rfc822`. The event is the
//! original message's; the envelope adds the recipients only it shows (Bcc ones) to `email.bcc`.
//!
//! A report can journal a report (a journal mailbox that is itself journalled, or a report
//! forwarded to another archive): reports inside reports are unwrapped too, down to the message
//! journalled, [`MAX_DEPTH`] deep at most, and the recipients of every envelope on the way are
//! added.

use mail_parser::Message;
use probity_model::{Event, Identity};
use serde_json::{Map, Value};

/// The header that marks a journal report.
pub(super) const JOURNAL_HEADER: &str = "X-MS-Journal-Report";

/// How many journal reports inside one another are unwrapped. A report nested deeper is the
/// event itself (the message it journals read as its attachment), labelled
/// `email.journal_too_deep`.
pub(super) const MAX_DEPTH: usize = 8;

/// Envelope lines whose value is a recipient.
const RECIPIENT_KEYS: [&str; 4] = ["recipient", "to", "cc", "bcc"];

/// What the report's text part says about the journalled message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Envelope {
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    /// Envelope recipient addresses, in order, without duplicates.
    pub recipients: Vec<String>,
}

/// One journal report unwrapped: the report, and its envelope.
struct Report<'a> {
    message: &'a Message<'a>,
    envelope: Envelope,
}

/// The event of `message`: for a journal report, of the message it journals (through any reports
/// inside it), with what the reports' envelopes add; for any other message, its own. `decode`
/// makes the event of one parsed message.
pub(super) fn event(message: &Message<'_>, decode: &mut dyn FnMut(&Message<'_>) -> Event) -> Event {
    let mut reports = Vec::new();
    let mut current = message;
    let mut too_deep = false;
    while let Some((original, envelope)) = unwrap(current) {
        if reports.len() == MAX_DEPTH {
            too_deep = true;
            break;
        }
        reports.push(Report {
            message: current,
            envelope,
        });
        current = original;
    }
    let mut event = decode(current);
    add_reports(&mut event, &reports);
    if too_deep {
        event
            .labels
            .insert("email.journal_too_deep".into(), MAX_DEPTH.to_string());
    }
    event
}

/// The journalled message inside a journal report, with the report's envelope; none for any
/// other message (or a report whose original is not attached).
fn unwrap<'a>(message: &'a Message<'a>) -> Option<(&'a Message<'a>, Envelope)> {
    let is_report = message
        .headers()
        .iter()
        .any(|header| header.name.as_str().eq_ignore_ascii_case(JOURNAL_HEADER));
    if !is_report {
        return None;
    }
    let original = message.attachments().find_map(|part| part.message())?;
    let report = message.body_text(0).unwrap_or_default();
    Some((original, parse_envelope(&report)))
}

/// What the journal reports around a message (`reports`, the outermost first) add to its event:
/// the envelope recipients missing from its headers (Bcc ones, list members) in `email.bcc`, and
/// the reports in `original.journal` (the one that journals it; the ones around that under
/// `Outer`, the outermost first).
fn add_reports(event: &mut Event, reports: &[Report<'_>]) {
    let Some((innermost, outer)) = reports.split_last() else {
        return;
    };
    let mut added = 0usize;
    if let Some(email) = event.email.as_mut() {
        for recipient in reports
            .iter()
            .flat_map(|report| &report.envelope.recipients)
        {
            let known = email
                .to
                .iter()
                .chain(&email.cc)
                .chain(&email.bcc)
                .any(|seen| seen.as_str().eq_ignore_ascii_case(recipient));
            if !known {
                email.bcc.push(Identity::from(recipient.clone()));
                added += 1;
            }
        }
    }
    let mut kept = report_original(innermost);
    if !outer.is_empty()
        && let Value::Object(journal) = &mut kept
    {
        let outer = outer.iter().map(report_original).collect();
        journal.insert("Outer".into(), Value::Array(outer));
        event
            .labels
            .insert("email.journal_depth".into(), reports.len().to_string());
    }
    event.original.insert("journal".into(), kept);
    event
        .labels
        .insert("email.journal_report".into(), "true".into());
    if added > 0 {
        event
            .labels
            .insert("email.envelope_only_recipients".into(), added.to_string());
    }
}

fn report_original(report: &Report<'_>) -> Value {
    let header = report.message.header_raw(JOURNAL_HEADER);
    journal_original(report.message.message_id(), header, &report.envelope)
}

/// Reads `Key: value` lines of a report body; other lines are ignored.
fn parse_envelope(report: &str) -> Envelope {
    let mut envelope = Envelope::default();
    for line in report.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "sender" => envelope.sender = Some(first_address(value)),
            "subject" => envelope.subject = Some(value.to_owned()),
            "message-id" => envelope.message_id = Some(value.to_owned()),
            key if RECIPIENT_KEYS.contains(&key) => {
                let address = first_address(value);
                let known = envelope
                    .recipients
                    .iter()
                    .any(|seen| seen.eq_ignore_ascii_case(&address));
                if !address.is_empty() && !known {
                    envelope.recipients.push(address);
                }
            }
            _ => {}
        }
    }
    envelope
}

/// `bob@x.org, Forwarded: carol@x.org` → `bob@x.org`; angle brackets removed.
fn first_address(value: &str) -> String {
    let first = value.split(',').next().unwrap_or(value).trim();
    let inner = match (first.find('<'), first.rfind('>')) {
        (Some(open), Some(close)) if open < close => &first[open + 1..close],
        _ => first,
    };
    inner.trim().to_owned()
}

/// The report as kept in `original.journal`: its own message id and the envelope.
fn journal_original(
    report_message_id: Option<&str>,
    header: Option<&str>,
    envelope: &Envelope,
) -> Value {
    let mut journal = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            journal.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("Message-ID", report_message_id);
    put(JOURNAL_HEADER, header.map(str::trim));
    put("Sender", envelope.sender.as_deref());
    put("Subject", envelope.subject.as_deref());
    put("Original-Message-ID", envelope.message_id.as_deref());
    let recipients = envelope
        .recipients
        .iter()
        .cloned()
        .map(Value::String)
        .collect();
    journal.insert("Recipients".into(), Value::Array(recipients));
    Value::Object(journal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_lines_are_read_and_recipients_deduplicated() {
        let envelope = parse_envelope(
            "Sender: Alex Reid <a.reid@force.example>\r\nSubject: rota\r\nMessage-Id: <1@force.example>\r\n\
             Recipient: b.cole@force.example\r\nRecipient: c.dunn@force.example, Forwarded: d@force.example\r\n\
             Bcc: B.Cole@force.example\r\nTo: team@force.example, Expanded: all@force.example\r\nnot a line\r\n",
        );
        assert_eq!(envelope.sender.as_deref(), Some("a.reid@force.example"));
        assert_eq!(envelope.subject.as_deref(), Some("rota"));
        assert_eq!(envelope.message_id.as_deref(), Some("<1@force.example>"));
        assert_eq!(
            envelope.recipients,
            [
                "b.cole@force.example",
                "c.dunn@force.example",
                "team@force.example"
            ]
        );
    }
}

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
//! added. A report inside a report is taken as a mail system's only where the enclosing
//! report's envelope names a mail system's address as its sender; one a person sent is a
//! mismatch (below) whose envelope's recipients are not added, since the person wrote them.
//! The outermost report, which nothing encloses, is taken as a mail system's only where its own
//! `From` (and `Sender`, where there is one) is a mail system's address, every such header read
//! and each naming an address; otherwise it is such a
//! mismatch too.
//!
//! The header alone proves nothing: anyone can write it. A report is taken as Exchange wrote it
//! when it holds nothing but the envelope and the message journalled: its first text part has
//! only envelope lines, naming a sender, with the subject and message id of the message attached
//! (where it gives them), and it has no other text or attachment. Anything else is a mismatch:
//! the message journalled is still unwrapped to its own event (each of them, where more than one
//! is attached), and the report is an event of its own as well, read as any other message (its
//! body and its other attachments; the messages it attaches are described there, read in their
//! own events), so that the header cannot hide what the report holds. All are labelled
//! `email.journal_mismatch` with the reasons. Envelope lines whose address is not one
//! (`To: <<<>>>`) add no recipient, and are a mismatch too.

use mail_parser::{HeaderName, Message, PartType};
use probity_model::{Event, Identity};
use serde_json::{Map, Value};

/// The header that marks a journal report.
pub(super) const JOURNAL_HEADER: &str = "X-MS-Journal-Report";

/// How many journal reports inside one another are unwrapped. A report nested deeper is the
/// event itself (the message it journals read as its attachment), labelled
/// `email.journal_too_deep`.
pub(super) const MAX_DEPTH: usize = 8;

/// Envelope lines whose value is a recipient (`Recipients` in Exchange 2003's reports).
const RECIPIENT_KEYS: [&str; 5] = ["recipient", "recipients", "to", "cc", "bcc"];

/// Other envelope lines Exchange writes (`On-Behalf-Of` when a delegate sent the message; the
/// redirections stand after a recipient, but are allowed on a line of their own).
const OTHER_ENVELOPE_KEYS: [&str; 6] = [
    "sender",
    "subject",
    "message-id",
    "on-behalf-of",
    "expanded",
    "forwarded",
];

/// The key of `Event::original` under which the decoder lists the recipients the reports'
/// envelopes added to `email.bcc` (`Recipients`), with the addresses the outermost report was
/// sent from (`Report-From`, its every `From` and `Sender`), for the communications stage to
/// check against the domains the force's journal reports come from (`probity_comms` takes it
/// out and may take those recipients back out of the message). Not stored.
pub const ENVELOPE_ONLY_KEY: &str = "probity.journal_envelope_only";

/// The label saying why a journal report is not as Exchange writes them.
const MISMATCH_LABEL: &str = "email.journal_mismatch";

/// What the report's text part says about the journalled message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Envelope {
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    /// Envelope recipient addresses, in order, without duplicates.
    pub recipients: Vec<String>,
    /// Lines that are not envelope fields (blank lines aside).
    pub unread_lines: usize,
    /// Sender and recipient lines whose value is not an address.
    pub invalid_addresses: usize,
}

impl Envelope {
    fn is_empty(&self) -> bool {
        self.sender.is_none()
            && self.subject.is_none()
            && self.message_id.is_none()
            && self.recipients.is_empty()
    }
}

/// A journal report read: its envelope, the message it journals, and how it differs from what
/// Exchange writes.
struct Shape<'a> {
    envelope: Envelope,
    /// The attached messages, in order: one, in a report as Exchange writes them.
    originals: Vec<&'a Message<'a>>,
    /// The indexes of the parts they are attached as, in the same order.
    original_parts: Vec<usize>,
    mismatch: Vec<String>,
}

/// One journal report unwrapped: the report, its envelope, and how it differs from what Exchange
/// writes.
struct Report<'a> {
    message: &'a Message<'a>,
    envelope: Envelope,
    mismatch: Option<String>,
    /// A report inside a report that, by the enclosing report's envelope, a person sent rather
    /// than a mail system: its envelope is the person's own writing, and its recipients are not
    /// added to any event ([`sent_by_a_person`]).
    sent_by_person: bool,
}

/// Makes the event of one parsed message, given where it ends in its raw bytes (for one a report
/// journals, read in place there) and the attached messages that are events of their own.
pub(super) type Decode<'d> =
    dyn FnMut(&Message<'_>, Option<super::outside::End>, &[&Message<'_>]) -> Event + 'd;

/// The events of `message`: for a journal report, that of the message it journals (through any
/// reports inside it), with what the reports' envelopes add, and the report's own where it is not
/// as Exchange writes them; for any other message, its own. `decode` makes the event of one
/// parsed message, given where it ends in its raw bytes when it is a message a report journals,
/// read in place there (mail-parser ends it at its last close delimiter line, and its epilogue
/// reaches to that end: [`super::outside::Layout::attached_end`]).
///
/// At most `max_originals` attached messages of one report are unwrapped; the report's own event
/// reads the rest as its attachments.
pub(super) fn events(
    message: &Message<'_>,
    max_originals: usize,
    decode: &mut Decode<'_>,
) -> Vec<Event> {
    let mut out = Vec::new();
    events_of(
        message,
        None,
        max_originals,
        &mut Vec::new(),
        decode,
        &mut out,
    );
    let count = out.len();
    if count > 1 {
        // Which of the message's events each is, so that they can be told apart and found together.
        for (index, event) in out.iter_mut().enumerate() {
            event.labels.insert(
                "email.journal_event".into(),
                format!("{} of {count}", index + 1),
            );
        }
    }
    out
}

/// The events of `message` (ending at `end` in its raw bytes, when it is journalled by the last
/// report of `chain` and read in place there), found inside the reports of `chain` (the
/// outermost first).
fn events_of<'a>(
    message: &'a Message<'a>,
    end: Option<super::outside::End>,
    max_originals: usize,
    chain: &mut Vec<Report<'a>>,
    decode: &mut Decode<'_>,
    out: &mut Vec<Event>,
) {
    let Some(mut shape) = read(message) else {
        let mut event = decode(message, end, &[]);
        add_reports(&mut event, chain);
        out.push(event);
        return;
    };
    if shape.originals.is_empty() {
        // Nothing to unwrap: the report is the message.
        let mut event = decode(message, end, &[]);
        add_reports(&mut event, chain);
        add_mismatch(&mut event, "no message is attached to it");
        out.push(event);
        return;
    }
    if chain.len() == MAX_DEPTH {
        let mut event = decode(message, end, &[]);
        add_reports(&mut event, chain);
        event
            .labels
            .insert("email.journal_too_deep".into(), MAX_DEPTH.to_string());
        out.push(event);
        return;
    }
    shape.originals.truncate(max_originals);
    shape.original_parts.truncate(max_originals);
    let sent_by_person = if chain.is_empty() {
        let person = !from_a_mail_system(message);
        if person {
            shape.mismatch.push(
                "its own From or Sender is a person, not a mail system's address: it was sent as \
                 a message, so its envelope's recipients were not added"
                    .to_owned(),
            );
        }
        person
    } else {
        let person = sent_by_a_person(chain);
        if person {
            shape.mismatch.push(
                "it is inside a report whose envelope names a person as its sender, not a mail \
                 system's address: it was sent as a message, so its envelope's recipients were \
                 not added"
                    .to_owned(),
            );
        }
        person
    };
    let mismatch = (!shape.mismatch.is_empty()).then(|| shape.mismatch.join("; "));
    chain.push(Report {
        message,
        envelope: shape.envelope,
        mismatch: mismatch.clone(),
        sent_by_person,
    });
    let layout = std::cell::OnceCell::new();
    for (original, &part) in shape.originals.iter().zip(&shape.original_parts) {
        let in_place = super::read_in_place(original, message.raw_message.as_ref());
        let original_end = in_place.then(|| {
            layout
                .get_or_init(|| super::outside::Layout::of(message))
                .attached_end(end, part)
        });
        events_of(original, original_end, max_originals, chain, decode, out);
    }
    let report = chain.pop();
    if let Some(mismatch) = mismatch {
        // The report as the message it is: its own content, the messages it journals described
        // (each is an event of its own), and the envelope's recipients, as for those messages.
        let mut event = decode(message, end, &shape.originals);
        add_reports(&mut event, chain);
        if let Some(report) = report.as_ref().filter(|report| !report.sent_by_person) {
            let outermost = chain.first().map_or(message, |outer| outer.message);
            add_envelope_recipients(&mut event, &report.envelope, Some(outermost));
        }
        add_mismatch(&mut event, &mismatch);
        out.push(event);
    }
}

/// Whether the report about to be read, inside the reports of `chain`, was sent by a person. The
/// enclosing report's envelope (written by the server that journalled the report, so not by its
/// sender) names who sent it: a report of a report that Exchange wrote was sent by a mail
/// system's own address (Exchange's `MicrosoftExchange329e…` recipient, `postmaster`,
/// `mailer-daemon`); one a person sent is a message shaped as a report, and what its envelope
/// says is that person's to write. Trusted, its recipients would let a member of staff name
/// occupational health in a report of their own making and have the message it carries
/// excluded unread.
fn sent_by_a_person(chain: &[Report<'_>]) -> bool {
    let Some(enclosing) = chain.last() else {
        return false;
    };
    !enclosing
        .envelope
        .sender
        .as_deref()
        .is_some_and(is_mail_system_address)
}

/// Whether the outermost report of a file names a mail system as its author: every `From`
/// address, and the `Sender` where there is one, is a mail system's own (Exchange sends its
/// journal reports from its `MicrosoftExchange329e…` recipient). Nothing encloses the outermost
/// report, so its own headers are all there is to go on. A person can write any header in a
/// file of their own making, but a message they send through the force's mail system leaves it
/// with their own address as its author (the server refuses a `From` they may not send as); a
/// report shaped by hand and sent that way, then exported from a mailbox, is found here. Every
/// `From` and `Sender` header is read, not only the last (a second `From` below the person's
/// own would otherwise stand for the report's author), and one that names no address (an empty
/// `Sender:`) is not a mail system's.
fn from_a_mail_system(message: &Message<'_>) -> bool {
    let all_system = |address: Option<&mail_parser::Address<'_>>| {
        address.is_some_and(|address| {
            let mut any = false;
            for addr in address.iter() {
                any = true;
                if !addr.address().is_some_and(is_mail_system_address) {
                    return false;
                }
            }
            any
        })
    };
    let mut froms = 0;
    for header in message.headers() {
        let is_from = header.name == HeaderName::From;
        if !is_from && header.name != HeaderName::Sender {
            continue;
        }
        froms += usize::from(is_from);
        if !all_system(header.value().as_address()) {
            return false;
        }
    }
    froms > 0
}

/// Whether `address` is one a mail system sends its own reports from.
fn is_mail_system_address(address: &str) -> bool {
    let local = address
        .rsplit_once('@')
        .map_or(address, |(local, _)| local)
        .trim()
        .trim_start_matches('<')
        .to_ascii_lowercase();
    local.starts_with("microsoftexchange") || local == "postmaster" || local == "mailer-daemon"
}

/// `message` read as a journal report; none when it does not carry the header.
fn read<'a>(message: &'a Message<'a>) -> Option<Shape<'a>> {
    let is_report = message
        .headers()
        .iter()
        .any(|header| header.name.as_str().eq_ignore_ascii_case(JOURNAL_HEADER));
    if !is_report {
        return None;
    }
    let mut mismatch = Vec::new();
    // The envelope: the first text part, if it is plain text.
    let envelope_id = message.text_body.first().copied();
    let envelope_text = envelope_id
        .and_then(|id| message.parts.get(id as usize))
        .and_then(|part| match &part.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        });
    let envelope = parse_envelope(envelope_text.unwrap_or_default());
    if envelope.is_empty() {
        mismatch.push("it has no envelope (a first text part of Sender:, Subject:, Message-Id: and recipient lines)".to_owned());
    } else if envelope.sender.is_none() {
        mismatch.push("its envelope names no sender".to_owned());
    }
    if envelope.unread_lines > 0 {
        mismatch.push(format!(
            "lines of its envelope that are not envelope fields: {}",
            envelope.unread_lines
        ));
    }
    if envelope.invalid_addresses > 0 {
        mismatch.push(format!(
            "envelope lines whose address is not one, left out: {}",
            envelope.invalid_addresses
        ));
    }
    let mut original_parts = Vec::new();
    let mut originals: Vec<&Message<'_>> = Vec::new();
    for (index, part) in super::message::indexed_attachments(message) {
        if let Some(original) = part.message() {
            original_parts.push(index);
            originals.push(original);
        }
    }
    match originals.as_slice() {
        [] => {}
        [original] => mismatch.extend(envelope_disagreement(&envelope, original)),
        more => mismatch.push(format!(
            "messages attached: {} (a report journals one)",
            more.len()
        )),
    }
    // Anything else the report holds: other text, other attachments.
    let other_text = message
        .text_body
        .iter()
        .chain(message.html_body.iter())
        .filter(|&&id| Some(id) != envelope_id)
        .filter(|&&id| {
            message.parts.get(id as usize).is_some_and(|part| {
                !matches!(part.body, PartType::Text(_) | PartType::Html(_))
                    || !part.text_contents().unwrap_or_default().trim().is_empty()
            })
        })
        .count();
    let other_attachments = message
        .attachments()
        .filter(|part| part.message().is_none())
        .count();
    if other_text + other_attachments > 0 {
        mismatch.push(format!(
            "parts that are neither its envelope nor the message it journals: {}",
            other_text + other_attachments
        ));
    }
    // Text before its first part or after its last (which the report's own event reads, and
    // no event would if the report were taken as Exchange's).
    if super::outside::any_text(message) {
        mismatch.push("text outside its parts (a preamble or an epilogue)".to_owned());
    }
    Some(Shape {
        envelope,
        originals,
        original_parts,
        mismatch,
    })
}

/// Where the envelope names a subject or message id other than the attached message's (Exchange
/// copies them from it; a report written by hand can say anything there, and its lines are not
/// scanned).
fn envelope_disagreement(envelope: &Envelope, original: &Message<'_>) -> Vec<String> {
    let mut found = Vec::new();
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(subject) = &envelope.subject
        && words(subject) != words(original.subject().unwrap_or_default())
    {
        found.push("its envelope's subject is not the attached message's".to_owned());
    }
    if let Some(id) = &envelope.message_id {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if Some(id) != original.message_id() {
            found.push("its envelope's message id is not the attached message's".to_owned());
        }
    }
    found
}

/// What the journal reports around a message (`reports`, the outermost first) add to its event:
/// the envelope recipients missing from its headers (Bcc ones, list members) in `email.bcc`, and
/// the reports in `original.journal` (the one that journals it; the ones around that under
/// `Outer`, the outermost first); where a report is not as Exchange writes them, why.
fn add_reports(event: &mut Event, reports: &[Report<'_>]) {
    let Some((innermost, outer)) = reports.split_last() else {
        return;
    };
    let outermost = reports.first().map(|report| report.message);
    for report in reports.iter().filter(|report| !report.sent_by_person) {
        add_envelope_recipients(event, &report.envelope, outermost);
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
    for report in reports {
        if let Some(mismatch) = &report.mismatch {
            add_mismatch(event, mismatch);
        }
    }
}

/// Adds the envelope's recipients missing from the event's recipients to `email.bcc`, counted in
/// `email.envelope_only_recipients` and listed under [`ENVELOPE_ONLY_KEY`] with the addresses
/// `outermost` (the outermost report around the message) was sent from.
fn add_envelope_recipients(
    event: &mut Event,
    envelope: &Envelope,
    outermost: Option<&Message<'_>>,
) {
    let Some(email) = event.email.as_mut() else {
        return;
    };
    let mut added = Vec::new();
    for recipient in &envelope.recipients {
        let known = email
            .to
            .iter()
            .chain(&email.cc)
            .chain(&email.bcc)
            .any(|seen| seen.as_str().eq_ignore_ascii_case(recipient));
        if !known {
            email.bcc.push(Identity::from(recipient.clone()));
            added.push(Value::String(recipient.clone()));
        }
    }
    if added.is_empty() {
        return;
    }
    let total = event
        .labels
        .get("email.envelope_only_recipients")
        .and_then(|count| count.parse::<usize>().ok())
        .unwrap_or(0)
        + added.len();
    event
        .labels
        .insert("email.envelope_only_recipients".into(), total.to_string());
    let record = event.original.entry(ENVELOPE_ONLY_KEY).or_insert_with(|| {
        let senders = outermost.map(report_senders).unwrap_or_default();
        serde_json::json!({ "Report-From": senders, "Recipients": [] })
    });
    if let Some(Value::Array(recipients)) = record.get_mut("Recipients") {
        recipients.extend(added);
    }
}

/// Every address of every `From` and `Sender` header of `message`.
fn report_senders(message: &Message<'_>) -> Vec<Value> {
    message
        .headers()
        .iter()
        .filter(|header| matches!(header.name, HeaderName::From | HeaderName::Sender))
        .filter_map(|header| header.value().as_address())
        .flat_map(|address| address.iter())
        .filter_map(|addr| addr.address())
        .map(|address| Value::String(address.to_owned()))
        .collect()
}

/// Adds `why` to the event's [`MISMATCH_LABEL`] (a report in a report may have its own).
fn add_mismatch(event: &mut Event, why: &str) {
    let why = format!("journal report: {why}");
    match event.labels.get_mut(MISMATCH_LABEL) {
        Some(label) if !label.contains(&why) => {
            label.push_str(" | ");
            label.push_str(&why);
        }
        Some(_) => {}
        None => {
            event.labels.insert(MISMATCH_LABEL.into(), why);
        }
    }
}

fn report_original(report: &Report<'_>) -> Value {
    let message = report.message;
    let header = message.header_raw(JOURNAL_HEADER);
    let mut kept = journal_original(message.message_id(), header, &report.envelope);
    // Who sent the report and to whom, as its headers say: an investigator can tell the journal
    // mailbox from anything else.
    if let Value::Object(journal) = &mut kept {
        for (key, value) in [("From", message.from()), ("To", message.to())] {
            let addresses: Vec<Value> = value
                .into_iter()
                .flat_map(|address| address.iter())
                .filter_map(|addr| addr.address.as_deref())
                .map(|address| Value::String(address.to_owned()))
                .collect();
            if !addresses.is_empty() {
                journal.insert(format!("Report-{key}"), Value::Array(addresses));
            }
        }
    }
    kept
}

/// Reads `Key: value` lines of a report body; blank lines are passed over, and other lines
/// counted.
fn parse_envelope(report: &str) -> Envelope {
    let mut envelope = Envelope::default();
    for line in report.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            envelope.unread_lines += 1;
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "sender" => {
                let address = first_address(value);
                if is_address(&address) {
                    envelope.sender = Some(address);
                } else {
                    envelope.invalid_addresses += 1;
                }
            }
            "subject" => envelope.subject = Some(value.to_owned()),
            "message-id" if !value.is_empty() => envelope.message_id = Some(value.to_owned()),
            key if RECIPIENT_KEYS.contains(&key) => {
                let address = first_address(value);
                if !is_address(&address) {
                    envelope.invalid_addresses += 1;
                    continue;
                }
                let known = envelope
                    .recipients
                    .iter()
                    .any(|seen| seen.eq_ignore_ascii_case(&address));
                if !known {
                    envelope.recipients.push(address);
                }
            }
            key if OTHER_ENVELOPE_KEYS.contains(&key) => {}
            _ => envelope.unread_lines += 1,
        }
    }
    envelope
}

/// Whether an envelope value reads as an SMTP address: a local part and a domain around one `@`,
/// with nothing in either that an address cannot hold unquoted (white space, angle brackets,
/// commas, semicolons, quotes).
fn is_address(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let allowed = |c: char| !c.is_whitespace() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '@');
    !local.is_empty()
        && !domain.is_empty()
        && local.chars().all(allowed)
        && domain.chars().all(allowed)
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
        assert_eq!(envelope.unread_lines, 1);
        assert_eq!(envelope.invalid_addresses, 0);
    }

    #[test]
    fn values_that_are_not_addresses_are_counted_not_kept() {
        let envelope = parse_envelope(
            "Sender: not an address\nRecipient: ,,,, , Forwarded:\nTo: <<<>>>\nCc: a@b\nBcc: x y@z.org\nTo: \"q\"@x.org\n",
        );
        assert_eq!(envelope.sender, None);
        assert_eq!(envelope.recipients, ["a@b"]);
        assert_eq!(envelope.invalid_addresses, 5);
        for good in ["a@b.c", "first.last+tag@force.police.uk", "x@[10.0.0.1]"] {
            assert!(is_address(good), "{good}");
        }
        for bad in ["", "@x.org", "a@", "<<>>", "a b@c", "a@b@c", "a,b@c"] {
            assert!(!is_address(bad), "{bad}");
        }
    }
}

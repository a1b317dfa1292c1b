//! The parts of an event the insider detections read, taken out of the event so that a long run
//! can hold millions of them in time order.

use probity_model::{Event, EventRef, Timestamp};

/// What a records-system user did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordAction {
    Search,
    View,
    Update,
    Print,
    Export,
    Other,
}

impl RecordAction {
    fn parse(text: &str) -> RecordAction {
        match text.to_ascii_lowercase().as_str() {
            "search" | "qp" => RecordAction::Search,
            "view" | "qv" => RecordAction::View,
            "update" | "up" => RecordAction::Update,
            "print" | "pr" => RecordAction::Print,
            "export" | "ex" => RecordAction::Export,
            _ => RecordAction::Other,
        }
    }

    /// The word for an explanation.
    pub fn verb(self) -> &'static str {
        match self {
            RecordAction::Search => "searched for",
            RecordAction::View => "viewed",
            RecordAction::Update => "updated",
            RecordAction::Print => "printed",
            RecordAction::Export => "exported",
            RecordAction::Other => "opened",
        }
    }
}

/// A records-system access.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordAccess {
    pub system: String,
    pub action: RecordAction,
    pub subject: String,
    pub subject_name: Option<String>,
    pub reason: Option<String>,
    pub incident_ref: Option<String>,
}

/// What happened, as far as the insider detections care.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    Record(RecordAccess),
    /// A message sent: recipients (lower case) and how many attachments.
    Mail {
        recipients: Vec<String>,
        attachments: usize,
    },
    /// A file written to removable media.
    UsbWrite {
        path: String,
    },
    /// A removable storage device recognised on a host (Windows writes the machine account).
    UsbDevice,
    /// A document printed.
    Print {
        document: Option<String>,
    },
    /// A sign-in or interactive logon on a host.
    Logon,
}

/// One event, reduced.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub at: Timestamp,
    pub event: EventRef,
    /// The acting account as the source wrote it.
    pub account: String,
    /// The host, without its domain suffix, upper case.
    pub host: Option<String>,
    pub act: Act,
}

impl Activity {
    /// Reduces an event; `None` for events no insider detection reads.
    pub fn from_event(event: &Event) -> Option<Activity> {
        let act = act_of(event)?;
        let account = match &act {
            Act::Mail { .. } => event
                .email
                .as_ref()
                .and_then(|m| m.from.first())
                .map(|a| a.as_str().to_owned())
                .or_else(|| event.user_name().map(str::to_owned))?,
            _ => event.user_name()?.to_owned(),
        };
        Some(Activity {
            at: event.timestamp,
            event: EventRef {
                id: event.provenance.id,
                timestamp: event.timestamp,
            },
            account,
            host: event
                .host
                .as_ref()
                .and_then(|h| h.name.as_deref())
                .map(short_host),
            act,
        })
    }
}

/// `EAS-WS-0018.northshire.local` → `EAS-WS-0018`.
pub fn short_host(name: &str) -> String {
    name.split('.').next().unwrap_or(name).to_ascii_uppercase()
}

fn act_of(event: &Event) -> Option<Act> {
    if let Some(record) = &event.record {
        let subject = record.subject.id.as_ref()?.as_str().trim().to_owned();
        if subject.is_empty() {
            return None;
        }
        return Some(Act::Record(RecordAccess {
            system: record
                .system
                .clone()
                .unwrap_or_default()
                .to_ascii_uppercase(),
            action: RecordAction::parse(record.action.as_deref().unwrap_or("")),
            subject,
            subject_name: record.subject.name.as_ref().map(|n| n.as_str().to_owned()),
            reason: record.reason.clone().filter(|r| !r.trim().is_empty()),
            incident_ref: record
                .incident_ref
                .clone()
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
        }));
    }
    if let Some(email) = &event.email
        && !email.from.is_empty()
    {
        let recipients = email
            .to
            .iter()
            .chain(&email.cc)
            .chain(&email.bcc)
            .map(|a| a.as_str().trim().to_lowercase())
            .collect();
        return Some(Act::Mail {
            recipients,
            attachments: email.attachments.len(),
        });
    }
    match event.event.code.as_deref() {
        Some("4663") => {
            let path = event.file.as_ref().and_then(|f| f.path.clone())?;
            removable(&path).then_some(Act::UsbWrite { path })
        }
        Some("6416") => Some(Act::UsbDevice),
        Some("307") => Some(Act::Print {
            document: event
                .get("winlog.user_data.Param2")
                .and_then(|v| v.as_text()),
        }),
        Some("4624") => Some(Act::Logon),
        _ if event.event.dataset.as_deref() == Some("signin")
            && event.event.action.as_deref() == Some("logon") =>
        {
            Some(Act::Logon)
        }
        _ => None,
    }
}

/// A path on a drive other than the system and network drives: `E:\…` and later letters.
fn removable(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 3
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/')
        && (b'D'..=b'Z').contains(&bytes[0].to_ascii_uppercase())
}

//! Activity as the generator holds it before writing: compact records on a timeline, each written
//! later in the format of its source.

use crate::clock::{HOUR, in_repeated_hour};
use crate::org::System;
use crate::tasking::TaskKind;

/// A records-system subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SubjectRef {
    Person(u32),
    Vehicle(u32),
    Address(u32),
}

/// A records-system transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Search,
    View,
    Update,
    Print,
    Export,
}

impl Action {
    /// The transaction code the audit export writes.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Action::Search => "QP",
            Action::View => "QV",
            Action::Update => "UP",
            Action::Print => "PR",
            Action::Export => "EX",
        }
    }
}

/// The incident reference a user states for a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    None,
    /// A real tasking record.
    Task(u32),
    /// A reference of this kind that no record has (numbered past the last one issued in the
    /// year; `salt` tells such references apart).
    Missing {
        kind: TaskKind,
        salt: u32,
    },
}

/// Where an action was done from: a machine and the address it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub host: u32,
    pub ip: u32,
}

/// One records-system audit row.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    pub staff: u32,
    pub place: Place,
    pub system: System,
    pub action: Action,
    pub subject: SubjectRef,
    pub reason: &'static str,
    pub reference: Reference,
    pub session: u64,
}

/// What a sign-in was to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Desktop,
    Vpn,
    Mdt,
    Records(System),
}

impl Service {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::Desktop => "Windows desktop",
            Service::Vpn => "Remote access VPN",
            Service::Mdt => "Mobile data terminal",
            Service::Records(system) => system.code(),
        }
    }
}

/// One sign-in attempt.
#[derive(Debug, Clone)]
pub(crate) struct SignIn {
    pub staff: u32,
    pub place: Place,
    /// The address the attempt came from when it differs from the place's (a home broadband
    /// address for the VPN).
    pub source_ip: Option<u32>,
    pub service: Service,
    pub success: bool,
}

/// A Windows event.
#[derive(Debug, Clone)]
pub(crate) enum WinKind {
    /// 4624.
    Logon { logon_type: u8 },
    /// 4625.
    LogonFailed,
    /// 4634.
    Logoff,
    /// 4688.
    Process {
        image: &'static str,
        command: String,
        parent: &'static str,
    },
    /// 6416: a USB storage device plugged in.
    Usb { device: u8 },
    /// 4663: a write to a file (on removable media when the path is on `E:`).
    FileWrite { path: String },
    /// PrintService 307.
    Print {
        document: String,
        pages: u32,
        printer: u32,
        bytes: u32,
    },
}

/// A Windows event on a machine, caused by a member of staff.
#[derive(Debug, Clone)]
pub(crate) struct WinEvent {
    pub host: u32,
    pub staff: u32,
    pub kind: WinKind,
}

/// A party to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Party {
    pub name: String,
    pub address: String,
}

/// A file attached to an email.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub name: String,
    pub mime: &'static str,
    pub data: Vec<u8>,
}

/// An email sent by a member of staff.
#[derive(Debug, Clone)]
pub(crate) struct Mail {
    pub staff: u32,
    pub from: Party,
    pub to: Vec<Party>,
    pub cc: Vec<Party>,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// What an item on the timeline is.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Audit(Lookup),
    SignIn(SignIn),
    Win(WinEvent),
    Mail(Box<Mail>),
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub at: i64,
    /// Order of creation: ties in time are written in this order.
    pub seq: u64,
    /// The ground-truth entry the item belongs to.
    pub tag: Option<u32>,
    pub payload: Payload,
}

/// Items waiting to be written, in any order.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    pub items: Vec<Item>,
    next: u64,
}

impl Timeline {
    /// A timeline whose sequence numbers start at `first` (planned items use a range of their own).
    pub(crate) fn starting_at(first: u64) -> Self {
        Timeline {
            items: Vec::new(),
            next: first,
        }
    }

    pub(crate) fn push(&mut self, at: i64, tag: Option<u32>, payload: Payload) {
        let seq = self.next;
        self.next += 1;
        self.items.push(Item {
            at,
            seq,
            tag,
            payload,
        });
    }

    /// An audit row. Rows are kept out of the repeated hour when the clocks go back, which a
    /// day-first local export cannot tell from the hour before.
    pub(crate) fn audit(&mut self, at: i64, tag: Option<u32>, lookup: Lookup) {
        let at = if in_repeated_hour(at) { at + HOUR } else { at };
        self.push(at, tag, Payload::Audit(lookup));
    }

    pub(crate) fn sign_in(&mut self, at: i64, tag: Option<u32>, sign_in: SignIn) {
        self.push(at, tag, Payload::SignIn(sign_in));
    }

    pub(crate) fn win(&mut self, at: i64, tag: Option<u32>, host: u32, staff: u32, kind: WinKind) {
        self.push(at, tag, Payload::Win(WinEvent { host, staff, kind }));
    }

    pub(crate) fn mail(&mut self, at: i64, tag: Option<u32>, mail: Mail) {
        self.push(at, tag, Payload::Mail(Box::new(mail)));
    }

    /// Removes and returns the items before `until`, in time order.
    pub(crate) fn drain_before(&mut self, until: i64) -> Vec<Item> {
        let (mut ready, later): (Vec<Item>, Vec<Item>) = std::mem::take(&mut self.items)
            .into_iter()
            .partition(|item| item.at < until);
        self.items = later;
        ready.sort_by_key(|item| (item.at, item.seq));
        ready
    }
}

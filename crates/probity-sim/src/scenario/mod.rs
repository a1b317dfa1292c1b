//! Injected misuse and hard negatives: what each is, who did it, and the events that make it up.

mod act;
mod misuse;
mod negatives;
mod plan;

pub(crate) use plan::plan;

use serde::Serialize;

use crate::events::SubjectRef;

/// The kinds of misuse the detections look for. Each ground-truth entry has one; hard negatives
/// name the kind they are meant to tempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A subject looked up with no link to any tasking of the user or their team, or with a stated
    /// reference that does not exist or does not involve the subject.
    NoPurpose,
    /// The subject is the user, a relative or associate, a neighbour, someone with their surname
    /// in their area, their own vehicle or a colleague.
    Relationship,
    /// A restricted record opened without authorisation.
    RestrictedRecord,
    /// Many unrelated staff opening the same high-profile record in a short time.
    CelebritySpike,
    /// Access outside the roster.
    OffDuty,
    /// Access to another area's records with no tasking there.
    OutOfArea,
    /// First-ever use of a records system.
    FirstSystemAccess,
    /// Lookups far above the user's own and their peers' baseline.
    Volume,
    /// Many subjects searched in sequence.
    BulkSearch,
    /// Records printed or exported.
    PrintExport,
    /// A member of staff in their notice period taking data: export, print, USB copy or personal
    /// email.
    Departing,
    /// A victim's record viewed repeatedly, then the victim contacted from a work account.
    VictimContact,
}

impl Kind {
    /// The kind as the ground-truth file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NoPurpose => "no_purpose",
            Kind::Relationship => "relationship",
            Kind::RestrictedRecord => "restricted_record",
            Kind::CelebritySpike => "celebrity_spike",
            Kind::OffDuty => "off_duty",
            Kind::OutOfArea => "out_of_area",
            Kind::FirstSystemAccess => "first_system_access",
            Kind::Volume => "volume",
            Kind::BulkSearch => "bulk_search",
            Kind::PrintExport => "print_export",
            Kind::Departing => "departing",
            Kind::VictimContact => "victim_contact",
        }
    }

    /// Every kind, in order.
    pub const ALL: [Kind; 12] = [
        Kind::NoPurpose,
        Kind::Relationship,
        Kind::RestrictedRecord,
        Kind::CelebritySpike,
        Kind::OffDuty,
        Kind::OutOfArea,
        Kind::FirstSystemAccess,
        Kind::Volume,
        Kind::BulkSearch,
        Kind::PrintExport,
        Kind::Departing,
        Kind::VictimContact,
    ];
}

/// One event of a ground-truth entry, as it can be found again after ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventKey {
    /// The file, relative to the output folder (`logs/records-audit.csv`).
    pub file: &'static str,
    /// Where the decoder says the event came from: `line N` (CSV and NDJSON) or
    /// `message N (byte offset X)` (MBOX).
    pub location: String,
    /// The source's own id for the event: audit id, sign-in `event.id`, Windows `record_id`, or
    /// email `Message-ID`.
    pub id: String,
    /// When it happened (UTC).
    pub at: String,
}

/// One injected scenario or hard negative, filled in as its events are written.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub kind: Kind,
    pub variant: &'static str,
    pub hard_negative: bool,
    /// Detections expected to fire on it (empty for hard negatives).
    pub expected: Vec<Kind>,
    /// Detections a hard negative is meant to tempt.
    pub tempts: Vec<Kind>,
    pub group: Option<String>,
    pub staff: u32,
    pub subjects: Vec<SubjectRef>,
    pub description: String,
    pub events: Vec<EventKey>,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Scenario {
    /// Records that an event of this scenario was written.
    pub(crate) fn saw(&mut self, at: i64, key: EventKey) {
        self.first = Some(self.first.map_or(at, |first| first.min(at)));
        self.last = Some(self.last.map_or(at, |last| last.max(at)));
        self.events.push(key);
    }
}

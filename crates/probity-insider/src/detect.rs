//! The insider detections: every records lookup checked for a policing purpose, for a
//! relationship between the user and the subject, against the watch list, the roster, the user's
//! area and their usual work; and the data-taking patterns of staff in their notice period.
//!
//! [`Detector`] is fed [`Activity`]s in time order (a batch run sorts them first; the live
//! detector sorts each batch it reads) and returns alerts as soon as the evidence for one is
//! complete. State is per person and per day, so memory grows with staff, not with events.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use probity_ingest::csv::london_local;
use probity_model::{
    Alert, AlertId, AlertRule, EventRef, Identity, Level, MatchedField, Timestamp,
};

use crate::activity::{Act, Activity, RecordAccess, RecordAction};
use crate::index::{Reference, StaffIx, peer_role, subject_name};
use crate::policy::Policy;
use crate::reference::{Subject, normalise_compact};

/// The rule kind insider alerts carry.
pub const RULE_KIND: &str = "insider";
/// Most events one alert lists.
const MAX_ALERT_EVENTS: usize = 250;
/// A shared surname counts as a relationship only while the day's unlinked lookups are few.
const WEAK_RELATIONSHIP_MAX_SUBJECTS: usize = 5;

/// The detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    NoPurpose,
    Relationship,
    RestrictedRecord,
    CelebritySpike,
    OffDuty,
    OutOfArea,
    FirstSystemAccess,
    Volume,
    BulkSearch,
    PrintExport,
    Departing,
    VictimContact,
}

impl Detection {
    /// Every detection.
    pub const ALL: [Detection; 12] = [
        Detection::NoPurpose,
        Detection::Relationship,
        Detection::RestrictedRecord,
        Detection::CelebritySpike,
        Detection::OffDuty,
        Detection::OutOfArea,
        Detection::FirstSystemAccess,
        Detection::Volume,
        Detection::BulkSearch,
        Detection::PrintExport,
        Detection::Departing,
        Detection::VictimContact,
    ];

    /// The name alerts and policy use (the alert rule id).
    pub fn name(self) -> &'static str {
        match self {
            Detection::NoPurpose => "no_purpose",
            Detection::Relationship => "relationship",
            Detection::RestrictedRecord => "restricted_record",
            Detection::CelebritySpike => "celebrity_spike",
            Detection::OffDuty => "off_duty",
            Detection::OutOfArea => "out_of_area",
            Detection::FirstSystemAccess => "first_system_access",
            Detection::Volume => "volume",
            Detection::BulkSearch => "bulk_search",
            Detection::PrintExport => "print_export",
            Detection::Departing => "departing",
            Detection::VictimContact => "victim_contact",
        }
    }

    /// The alert title.
    pub fn title(self) -> &'static str {
        match self {
            Detection::NoPurpose => "Records looked up with no policing purpose",
            Detection::Relationship => "Record of someone the user is connected to",
            Detection::RestrictedRecord => "Restricted record opened without authorisation",
            Detection::CelebritySpike => "Many unrelated staff opened the same record",
            Detection::OffDuty => "Records looked up off duty",
            Detection::OutOfArea => "Records of another area's work with no tasking",
            Detection::FirstSystemAccess => "First use of a records system the role does not use",
            Detection::Volume => "Lookups far above the usual number",
            Detection::BulkSearch => "Many subjects searched in a row",
            Detection::PrintExport => "Records printed or exported with no purpose",
            Detection::Departing => "Data taken during the notice period",
            Detection::VictimContact => "Victim's record opened repeatedly, then contacted",
        }
    }

    /// The level when the policy does not say.
    pub fn default_level(self) -> Level {
        match self {
            Detection::Relationship
            | Detection::RestrictedRecord
            | Detection::Departing
            | Detection::VictimContact
            | Detection::BulkSearch => Level::High,
            Detection::FirstSystemAccess | Detection::CelebritySpike => Level::Low,
            _ => Level::Medium,
        }
    }

    /// Risk points when the policy does not say.
    pub fn default_weight(self) -> f64 {
        match self {
            Detection::VictimContact => 40.0,
            Detection::Relationship | Detection::RestrictedRecord | Detection::Departing => 30.0,
            Detection::BulkSearch => 25.0,
            Detection::Volume | Detection::PrintExport => 20.0,
            Detection::OffDuty | Detection::OutOfArea | Detection::FirstSystemAccess => 15.0,
            Detection::NoPurpose => 10.0,
            Detection::CelebritySpike => 8.0,
        }
    }

    /// The detection an alert rule id names.
    pub fn from_name(name: &str) -> Option<Detection> {
        Detection::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a lookup had a purpose.
#[derive(Debug, Clone)]
enum Purpose {
    /// A tasking record of the user's or their team's links the subject.
    Linked,
    /// Nothing links them; with what the user stated, if it fails.
    Unlinked(Option<StatedFault>),
}

/// What is wrong with a stated reference.
#[derive(Debug, Clone)]
enum StatedFault {
    /// The reference does not exist.
    Missing(String),
    /// It exists but does not involve the subject.
    NotInvolving(String),
    /// It involves the subject but the user and their team had no part in it.
    NotTheirs { reference: String, area: String },
}

/// A day's counts for one person.
#[derive(Debug, Default)]
struct Day {
    lookups: u32,
    unlinked: Vec<EventRef>,
    unlinked_subjects: HashSet<String>,
    prints_exports: Vec<EventRef>,
    unlinked_prints: Vec<(EventRef, String)>,
    usb_writes: Vec<EventRef>,
    usb_devices: Vec<EventRef>,
}

/// Everything remembered about one person.
#[derive(Debug, Default)]
struct PersonState {
    /// The days being counted (recent ones; older days move into `history`).
    days: BTreeMap<NaiveDate, Day>,
    /// Lookups per past working day (days with any lookup).
    history: Vec<u32>,
    /// Recent lookups with no purpose: time, subject, event.
    recent_unlinked: VecDeque<(Timestamp, String, EventRef)>,
    /// Recent searches with no purpose.
    recent_searches: VecDeque<(Timestamp, String, EventRef)>,
    /// Victims of their own past domestic or sexual cases opened with no purpose: days, events.
    victim_views: HashMap<String, (HashSet<NaiveDate>, Vec<EventRef>)>,
}

/// The detector.
#[derive(Debug)]
pub struct Detector<'r> {
    reference: &'r Reference,
    policy: Policy,
    people: HashMap<StaffIx, PersonState>,
    /// Daily lookup counts of each peer group's past days.
    peers: HashMap<String, Vec<u32>>,
    /// Who in each peer group has used each system.
    system_users: HashMap<(String, String), HashSet<StaffIx>>,
    /// Recent openings of each subject with no purpose: time, who, event.
    openings: HashMap<String, VecDeque<(Timestamp, StaffIx, EventRef)>>,
    /// The last person to sign in on each host.
    host_user: HashMap<String, StaffIx>,
    raised: HashSet<(Detection, StaffIx, NaiveDate, String)>,
    first_seen: Option<Timestamp>,
    now: Timestamp,
    /// Counters.
    pub stats: DetectorStats,
}

/// What the detector has seen.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetectorStats {
    pub activities: u64,
    pub lookups: u64,
    pub unlinked: u64,
    pub unknown_accounts: u64,
    pub alerts: u64,
}

/// An alert under construction.
struct Finding {
    detection: Detection,
    staff: StaffIx,
    explanation: String,
    events: Vec<EventRef>,
    matched: Vec<MatchedField>,
    host: Option<String>,
}

impl<'r> Detector<'r> {
    /// A detector over `reference` with `policy`; `now` stamps the alerts it raises.
    pub fn new(reference: &'r Reference, policy: Policy, now: Timestamp) -> Detector<'r> {
        Detector {
            reference,
            policy,
            people: HashMap::new(),
            peers: HashMap::new(),
            system_users: HashMap::new(),
            openings: HashMap::new(),
            host_user: HashMap::new(),
            raised: HashSet::new(),
            first_seen: None,
            now,
            stats: DetectorStats::default(),
        }
    }

    /// Examines one activity (they must come in time order) and returns the alerts it completes.
    pub fn observe(&mut self, activity: &Activity) -> Vec<Alert> {
        self.stats.activities += 1;
        self.first_seen.get_or_insert(activity.at);
        let mut found = Vec::new();
        let staff = self.reference.staff_of_account(&activity.account);
        match (&activity.act, staff) {
            (Act::Record(record), Some(staff)) => {
                self.on_record(activity, record, staff, &mut found)
            }
            (Act::Record(_), None) => self.stats.unknown_accounts += 1,
            (
                Act::Mail {
                    recipients,
                    attachments,
                },
                Some(staff),
            ) => {
                self.on_mail(activity, recipients, *attachments, staff, &mut found);
            }
            (Act::Logon, Some(staff)) => {
                if let Some(host) = &activity.host {
                    self.host_user.insert(host.clone(), staff);
                }
            }
            (Act::UsbDevice, _) => {
                let owner = activity
                    .host
                    .as_ref()
                    .and_then(|h| self.host_user.get(h).copied());
                if let Some(staff) = owner {
                    let date = self.roll_day(staff, activity.at);
                    self.day(staff, date).usb_devices.push(activity.event);
                }
            }
            (Act::UsbWrite { path }, Some(staff)) => {
                self.on_usb_write(activity, path, staff, &mut found)
            }
            _ => {}
        }
        self.stats.alerts += found.len() as u64;
        found.into_iter().map(|f| self.alert(f)).collect()
    }

    /// Sets the time stamped on alerts raised from now on.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn person(&mut self, staff: StaffIx) -> &mut PersonState {
        self.people.entry(staff).or_default()
    }

    fn window(&self) -> Duration {
        Duration::hours(self.policy.purpose_window_hours)
    }

    /// The person's counts for the UK date of `at`. Days more than two before the latest seen
    /// are closed into their history and their peers', so sources that arrive a little out of
    /// order still count on the right day.
    fn roll_day(&mut self, staff: StaffIx, at: Timestamp) -> NaiveDate {
        let date = london_local(at).date();
        let peer = self
            .reference
            .person(staff)
            .map(|(s, _)| peer_role(s))
            .unwrap_or_default();
        let state = self.people.entry(staff).or_default();
        state.days.entry(date).or_default();
        let latest = state.days.keys().next_back().copied().unwrap_or(date);
        let keep_from = latest - Duration::days(2);
        let ended_days: Vec<NaiveDate> = state
            .days
            .range(..keep_from)
            .map(|(d, _)| *d)
            .filter(|d| *d != date)
            .collect();
        for ended_date in ended_days {
            let Some(ended) = state.days.remove(&ended_date) else {
                continue;
            };
            if ended.lookups > 0 {
                state.history.push(ended.lookups);
                self.peers
                    .entry(peer.clone())
                    .or_default()
                    .push(ended.lookups);
            }
        }
        date
    }

    /// The counts of a day already rolled to.
    fn day(&mut self, staff: StaffIx, date: NaiveDate) -> &mut Day {
        self.people
            .entry(staff)
            .or_default()
            .days
            .entry(date)
            .or_default()
    }

    fn purpose(&self, staff: StaffIx, record: &RecordAccess, at: Timestamp) -> Purpose {
        let window = self.window();
        let linked = self
            .reference
            .tasks_of_subject(&record.subject)
            .any(|task| {
                Reference::task_live(task, at, window) && self.reference.works_on(staff, task)
            });
        if linked {
            return Purpose::Linked;
        }
        let Some(stated) = &record.incident_ref else {
            return Purpose::Unlinked(None);
        };
        let Some(task) = self.reference.task(stated) else {
            return Purpose::Unlinked(Some(StatedFault::Missing(stated.clone())));
        };
        if !task.subject_ids().any(|id| id == record.subject) {
            return Purpose::Unlinked(Some(StatedFault::NotInvolving(stated.clone())));
        }
        Purpose::Unlinked(Some(StatedFault::NotTheirs {
            reference: stated.clone(),
            area: task.area.clone(),
        }))
    }

    fn on_record(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        found: &mut Vec<Finding>,
    ) {
        self.stats.lookups += 1;
        let date = self.roll_day(staff, activity.at);
        let purpose = self.purpose(staff, record, activity.at);
        {
            let day = self.day(staff, date);
            day.lookups += 1;
            if matches!(record.action, RecordAction::Print | RecordAction::Export) {
                day.prints_exports.push(activity.event);
            }
        }
        let mut signals: Vec<Detection> = Vec::new();
        self.check_first_access(activity, record, staff, date, found, &mut signals);
        self.check_restricted(activity, record, staff, date, found, &mut signals);
        self.check_departing_prints(activity, staff, date, found);
        let Purpose::Unlinked(fault) = purpose else {
            self.check_off_duty(activity, record, staff, date, true, found, &mut signals);
            return;
        };
        self.stats.unlinked += 1;
        {
            let day = self.day(staff, date);
            day.unlinked.push(activity.event);
            day.unlinked_subjects.insert(record.subject.clone());
        }
        self.check_off_duty(activity, record, staff, date, false, found, &mut signals);
        self.check_relationship(activity, record, staff, date, found, &mut signals);
        self.check_out_of_area(
            activity,
            record,
            staff,
            date,
            fault.as_ref(),
            found,
            &mut signals,
        );
        self.check_spike(activity, record, staff, date, found, &mut signals);
        self.check_volume(activity, staff, date, found);
        self.check_bulk(activity, record, staff, date, found);
        self.check_print_export(activity, record, staff, date, found);
        self.remember_victim_view(activity, record, staff, date);
        self.check_no_purpose(
            activity,
            record,
            staff,
            date,
            fault.as_ref(),
            &signals,
            found,
        );
    }

    /// Raises `detection` once per person, day and key.
    fn once(&mut self, detection: Detection, staff: StaffIx, date: NaiveDate, key: &str) -> bool {
        self.raised.insert((detection, staff, date, key.to_owned()))
    }

    fn describe(&self, staff: StaffIx) -> String {
        match self.reference.person(staff) {
            Some((s, _)) => format!(
                "{} ({}, {}, {})",
                s.accounts.first().map_or("", String::as_str),
                s.role,
                s.team,
                s.area
            ),
            None => "an unknown account".to_owned(),
        }
    }

    fn lookup_words(activity: &Activity, record: &RecordAccess) -> String {
        let local = london_local(activity.at);
        format!(
            "{} {} in {} at {} on {}",
            record.action.verb(),
            record.subject,
            if record.system.is_empty() {
                "a records system"
            } else {
                &record.system
            },
            local.format("%H:%M"),
            local.format("%-d %b %Y"),
        )
    }

    fn record_fields(record: &RecordAccess) -> Vec<MatchedField> {
        let mut fields = vec![
            field("record.subject.id", &record.subject),
            field("record.system", &record.system),
        ];
        if let Some(name) = &record.subject_name {
            fields.push(field("record.subject.name", name));
        }
        if let Some(reason) = &record.reason {
            fields.push(field("record.reason", reason));
        }
        if let Some(reference) = &record.incident_ref {
            fields.push(field("record.incident_ref", reference));
        }
        fields
    }

    fn check_first_access(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        if record.system.is_empty() {
            return;
        }
        let Some((person, _)) = self.reference.person(staff) else {
            return;
        };
        let role = person.role.clone();
        let role_size = self.reference.role_count(&role).max(1);
        let users = self
            .system_users
            .entry((role.clone(), record.system.clone()))
            .or_default();
        let before = users.len();
        let first_for_person = users.insert(staff);
        let share_before = before as f64 / f64::from(role_size);
        let policy = &self.policy.first_access;
        let needed = (policy.peer_share * f64::from(role_size))
            .ceil()
            .max(policy.min_peers as f64);
        let usual_for_role = before as f64 >= needed;
        let learning = self.first_seen.is_some_and(|first| {
            activity.at - first < Duration::days(self.policy.first_access.learning_days)
        });
        if !first_for_person || learning || usual_for_role {
            return;
        }
        if !self.once(Detection::FirstSystemAccess, staff, date, &record.system) {
            return;
        }
        signals.push(Detection::FirstSystemAccess);
        let explanation = format!(
            "{} used {} for the first time: they {}. {:.0}% of the {} staff in their role ({}) had used it before, so it is not part of the role's usual work.",
            self.describe(staff),
            record.system,
            Self::lookup_words(activity, record),
            share_before * 100.0,
            role_size,
            role,
        );
        found.push(Finding {
            detection: Detection::FirstSystemAccess,
            staff,
            explanation,
            events: vec![activity.event],
            matched: Self::record_fields(record),
            host: activity.host.clone(),
        });
    }

    fn check_restricted(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        let Some(watch) = self.reference.watch.get(&record.subject) else {
            return;
        };
        let Some((person, _)) = self.reference.person(staff) else {
            return;
        };
        if watch.authorised_staff.contains(&person.staff_id) {
            return;
        }
        let window = self.window();
        let assigned = self
            .reference
            .tasks_of_subject(&record.subject)
            .any(|task| {
                Reference::task_live(task, activity.at, window)
                    && task.assigned_staff.contains(&person.staff_id)
            });
        if assigned {
            return;
        }
        signals.push(Detection::RestrictedRecord);
        if !self.once(Detection::RestrictedRecord, staff, date, &record.subject) {
            return;
        }
        let authorised = if watch.authorised_staff.is_empty() {
            "nobody may open it without a fresh authorisation".to_owned()
        } else {
            format!("only {} may open it", watch.authorised_staff.join(", "))
        };
        let explanation = format!(
            "{} {}, a restricted record on the watch list ({}): {authorised}, and they are not assigned to any tasking that involves it.",
            self.describe(staff),
            Self::lookup_words(activity, record),
            watch.kind.replace('_', " "),
        );
        let mut matched = Self::record_fields(record);
        matched.push(field("watchlist.kind", &watch.kind));
        found.push(Finding {
            detection: Detection::RestrictedRecord,
            staff,
            explanation,
            events: vec![activity.event],
            matched,
            host: activity.host.clone(),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn check_off_duty(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        linked: bool,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        let margin = Duration::minutes(self.policy.duty_margin_minutes);
        if self.reference.on_duty(staff, activity.at, margin) != Some(false) {
            return;
        }
        signals.push(Detection::OffDuty);
        if !self.once(Detection::OffDuty, staff, date, "") {
            return;
        }
        let nearest = match self.reference.nearest_shift(staff, activity.at) {
            Some((start, end)) => {
                let hours = (start - activity.at)
                    .num_minutes()
                    .abs()
                    .min((end - activity.at).num_minutes().abs())
                    as f64
                    / 60.0;
                format!(" The nearest rostered shift is {hours:.1} hours away.")
            }
            None => String::new(),
        };
        let explanation = format!(
            "{} {} while off duty: no rostered or overtime shift within {} minutes.{nearest}{}",
            self.describe(staff),
            Self::lookup_words(activity, record),
            self.policy.duty_margin_minutes,
            if linked {
                " The subject is linked to their tasking."
            } else {
                " Nothing in their or their team's tasking links the subject."
            },
        );
        let mut matched = Self::record_fields(record);
        if let Some(host) = &activity.host {
            matched.push(field("host.name", host));
        }
        found.push(Finding {
            detection: Detection::OffDuty,
            staff,
            explanation,
            events: vec![activity.event],
            matched,
            host: activity.host.clone(),
        });
    }

    fn relationship_of(&self, staff: StaffIx, subject_id: &str) -> Option<String> {
        let (person, facts) = self.reference.person(staff)?;
        if facts.person.as_deref() == Some(subject_id) {
            return Some("their own record".to_owned());
        }
        if facts.vehicles.iter().any(|v| v == subject_id) {
            return Some("a vehicle they keep".to_owned());
        }
        let subject: &Subject = self.reference.subjects.get(subject_id)?;
        if subject.kind == "vehicle" {
            let keeper = subject.keeper_id.as_deref()?;
            let relation = self.relationship_of(staff, keeper)?;
            return Some(format!("a vehicle kept by {keeper}, {relation}"));
        }
        if subject.kind == "address" {
            let same = subject.postcode.as_deref().is_some_and(|p| {
                normalise_compact(p) == facts.postcode && !facts.postcode.is_empty()
            });
            return same.then(|| "an address in their own postcode".to_owned());
        }
        let name = subject_name(subject)?;
        if let Some(dob) = subject.date_of_birth {
            for &other in self.reference.staff_born(dob) {
                let Some((colleague, colleague_facts)) = self.reference.person(other) else {
                    continue;
                };
                if other == staff {
                    if facts.name.as_ref().is_some_and(|n| n.matches(&name)) {
                        return Some("their own record".to_owned());
                    }
                    continue;
                }
                if colleague_facts
                    .name
                    .as_ref()
                    .is_some_and(|n| n.matches(&name))
                {
                    let same_team = colleague.team == person.team;
                    return Some(format!(
                        "a colleague, {} ({}{})",
                        colleague.staff_id,
                        colleague.role,
                        if same_team { ", in the same team" } else { "" }
                    ));
                }
            }
        }
        if let Some((_, relation)) = facts.relatives.iter().find(|(n, _)| n.matches(&name)) {
            return Some(format!("their declared {relation}"));
        }
        let postcode = subject.postcode.as_deref().map(normalise_compact);
        let same_postcode = postcode
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p == facts.postcode);
        if same_postcode {
            let same_address = subject
                .address
                .as_deref()
                .is_some_and(|a| crate::names::fold(a) == facts.address);
            return Some(if same_address {
                "someone living at their own address".to_owned()
            } else {
                "a neighbour in their own postcode".to_owned()
            });
        }
        let busy = self
            .people
            .get(&staff)
            .and_then(|p| p.days.values().next_back())
            .is_some_and(|d| d.unlinked_subjects.len() > WEAK_RELATIONSHIP_MAX_SUBJECTS);
        if busy {
            // In a run of many unrelated lookups, a shared surname is chance, not a target.
            return None;
        }
        let same_area = match (&subject.area, &facts.home_area) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if same_area && facts.name.as_ref().is_some_and(|n| n.same_surname(&name)) {
            return Some(format!(
                "someone sharing their surname ({}) in the area they live in",
                person.surname
            ));
        }
        None
    }

    fn check_relationship(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        let Some(relation) = self.relationship_of(staff, &record.subject) else {
            return;
        };
        signals.push(Detection::Relationship);
        if !self.once(Detection::Relationship, staff, date, &record.subject) {
            return;
        }
        let explanation = format!(
            "{} {}: the subject is {relation}. No incident, crime or tasking of theirs or their team's involves the subject within {} hours.",
            self.describe(staff),
            Self::lookup_words(activity, record),
            self.policy.purpose_window_hours,
        );
        let mut matched = Self::record_fields(record);
        matched.push(field("relationship", &relation));
        found.push(Finding {
            detection: Detection::Relationship,
            staff,
            explanation,
            events: vec![activity.event],
            matched,
            host: activity.host.clone(),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn check_out_of_area(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        fault: Option<&StatedFault>,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        let Some((person, _)) = self.reference.person(staff) else {
            return;
        };
        if person.area.is_empty() || person.area.eq_ignore_ascii_case("FORCE") {
            return;
        }
        let other_area: Option<(String, String)> = match fault {
            Some(StatedFault::NotTheirs { reference, area }) if *area != person.area => {
                Some((reference.clone(), area.clone()))
            }
            _ => None,
        };
        let Some((reference, area)) = other_area else {
            return;
        };
        signals.push(Detection::OutOfArea);
        if !self.once(Detection::OutOfArea, staff, date, "") {
            return;
        }
        let explanation = format!(
            "{} {}, a subject of {reference} in the {area} area. They work in {}, and neither they nor their team are assigned to it.",
            self.describe(staff),
            Self::lookup_words(activity, record),
            person.area,
        );
        let mut matched = Self::record_fields(record);
        matched.push(field("tasking.area", &area));
        found.push(Finding {
            detection: Detection::OutOfArea,
            staff,
            explanation,
            events: vec![activity.event],
            matched,
            host: activity.host.clone(),
        });
    }

    fn check_spike(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
        signals: &mut Vec<Detection>,
    ) {
        if !record.subject.starts_with("P-") && !self.reference.watch.contains_key(&record.subject)
        {
            return;
        }
        let window = Duration::hours(self.policy.celebrity_spike.window_hours);
        let min_staff = if self.reference.watch.contains_key(&record.subject) {
            self.policy.celebrity_spike.min_staff
        } else {
            self.policy.celebrity_spike.min_staff_unlisted
        };
        let openings = self.openings.entry(record.subject.clone()).or_default();
        while openings
            .front()
            .is_some_and(|(at, _, _)| *at < activity.at - window)
        {
            openings.pop_front();
        }
        openings.push_back((activity.at, staff, activity.event));
        let mut people: Vec<StaffIx> = openings.iter().map(|(_, s, _)| *s).collect();
        people.sort_unstable();
        people.dedup();
        if people.len() < min_staff {
            return;
        }
        let participants: Vec<(StaffIx, Vec<EventRef>)> = people
            .iter()
            .map(|p| {
                let events = openings
                    .iter()
                    .filter(|(_, s, _)| s == p)
                    .map(|(_, _, e)| *e)
                    .collect();
                (*p, events)
            })
            .collect();
        signals.push(Detection::CelebritySpike);
        let count = participants.len();
        let watch_kind = self
            .reference
            .watch
            .get(&record.subject)
            .map(|w| format!(" (on the watch list as {})", w.kind.replace('_', " ")));
        for (participant, events) in participants {
            if !self.once(
                Detection::CelebritySpike,
                participant,
                date,
                &record.subject,
            ) {
                continue;
            }
            let explanation = format!(
                "{} opened {}{} with no tasking, one of {count} unrelated staff to open it within {} hours.",
                self.describe(participant),
                record.subject,
                watch_kind.clone().unwrap_or_default(),
                self.policy.celebrity_spike.window_hours,
            );
            found.push(Finding {
                detection: Detection::CelebritySpike,
                staff: participant,
                explanation,
                events,
                matched: vec![
                    field("record.subject.id", &record.subject),
                    field("staff_count", &count.to_string()),
                ],
                host: None,
            });
        }
    }

    fn percentile95(values: &[u32]) -> u32 {
        if values.is_empty() {
            return 0;
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64) * 0.95).ceil() as usize;
        sorted[index.saturating_sub(1).min(sorted.len() - 1)]
    }

    fn check_volume(
        &mut self,
        activity: &Activity,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
    ) {
        let policy = self.policy.volume.clone();
        let peer = self
            .reference
            .person(staff)
            .map(|(s, _)| peer_role(s))
            .unwrap_or_default();
        let Some(state) = self.people.get(&staff) else {
            return;
        };
        let Some(day) = state.days.get(&date) else {
            return;
        };
        let unlinked = day.unlinked.len() as u32;
        if unlinked < policy.min_unlinked {
            return;
        }
        let own = Self::percentile95(&state.history);
        let peers = self.peers.get(&peer).map_or(0, |v| Self::percentile95(v));
        let usual = own.max(peers).max(policy.floor);
        let lookups = day.lookups;
        if f64::from(lookups) < policy.factor * f64::from(usual) {
            return;
        }
        let events: Vec<EventRef> = day
            .unlinked
            .iter()
            .copied()
            .take(MAX_ALERT_EVENTS)
            .collect();
        if !self.once(Detection::Volume, staff, date, "") {
            return;
        }
        let explanation = format!(
            "{} made {lookups} lookups on {}, {unlinked} of them of subjects no tasking of theirs or their team's involves. Their own busiest days reach {own} (95th percentile) and their peers' ({peer}) {peers}.",
            self.describe(staff),
            date.format("%-d %b %Y"),
        );
        found.push(Finding {
            detection: Detection::Volume,
            staff,
            explanation,
            events,
            matched: vec![
                field("lookups", &lookups.to_string()),
                field("unlinked", &unlinked.to_string()),
                field("own_p95", &own.to_string()),
                field("peer_p95", &peers.to_string()),
            ],
            host: activity.host.clone(),
        });
    }

    fn check_bulk(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
    ) {
        if record.action != RecordAction::Search {
            return;
        }
        let window = Duration::minutes(self.policy.bulk_search.window_minutes);
        let min = self.policy.bulk_search.min_searches;
        let state = self.people.entry(staff).or_default();
        let recent = &mut state.recent_searches;
        while recent
            .front()
            .is_some_and(|(at, _, _)| *at < activity.at - window)
        {
            recent.pop_front();
        }
        recent.push_back((activity.at, record.subject.clone(), activity.event));
        let distinct: HashSet<&str> = recent.iter().map(|(_, s, _)| s.as_str()).collect();
        let count = distinct.len();
        if count < min {
            return;
        }
        let events: Vec<EventRef> = recent
            .iter()
            .map(|(_, _, e)| *e)
            .take(MAX_ALERT_EVENTS)
            .collect();
        if !self.once(Detection::BulkSearch, staff, date, "") {
            return;
        }
        let explanation = format!(
            "{} searched {count} different subjects within {} minutes, none linked to their or their team's tasking.",
            self.describe(staff),
            self.policy.bulk_search.window_minutes,
        );
        found.push(Finding {
            detection: Detection::BulkSearch,
            staff,
            explanation,
            events,
            matched: vec![field("searches", &count.to_string())],
            host: activity.host.clone(),
        });
    }

    fn check_print_export(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
    ) {
        if !matches!(record.action, RecordAction::Print | RecordAction::Export) {
            return;
        }
        let min = self.policy.print_export.min_records;
        let day = self.day(staff, date);
        day.unlinked_prints
            .push((activity.event, record.subject.clone()));
        let subjects: HashSet<&str> = day
            .unlinked_prints
            .iter()
            .map(|(_, s)| s.as_str())
            .collect();
        let count = subjects.len();
        if count < min {
            return;
        }
        let events: Vec<EventRef> = day
            .unlinked_prints
            .iter()
            .map(|(e, _)| *e)
            .take(MAX_ALERT_EVENTS)
            .collect();
        if !self.once(Detection::PrintExport, staff, date, "") {
            return;
        }
        let explanation = format!(
            "{} printed or exported the records of {count} subjects on {} that no tasking of theirs or their team's involves.",
            self.describe(staff),
            date.format("%-d %b %Y"),
        );
        found.push(Finding {
            detection: Detection::PrintExport,
            staff,
            explanation,
            events,
            matched: vec![field("records", &count.to_string())],
            host: activity.host.clone(),
        });
    }

    fn in_notice(&self, staff: StaffIx, date: NaiveDate) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let (person, _) = self.reference.person(staff)?;
        let notice = person.notice_date?;
        let within = date >= notice && person.leaving_date.is_none_or(|leaving| date <= leaving);
        within.then_some((notice, person.leaving_date))
    }

    fn notice_words(&self, staff: StaffIx) -> String {
        match self.reference.person(staff) {
            Some((person, _)) => format!(
                "in their notice period (notice given {}, leaving {})",
                person
                    .notice_date
                    .map_or_else(|| "?".into(), |d| d.to_string()),
                person
                    .leaving_date
                    .map_or_else(|| "not recorded".into(), |d| d.to_string()),
            ),
            None => "in their notice period".into(),
        }
    }

    fn check_departing_prints(
        &mut self,
        activity: &Activity,
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
    ) {
        if self.in_notice(staff, date).is_none() {
            return;
        }
        let min = self.policy.departing.min_prints_exports;
        let day = self.day(staff, date);
        let count = day.prints_exports.len() as u32;
        if count < min {
            return;
        }
        let events: Vec<EventRef> = day
            .prints_exports
            .iter()
            .copied()
            .take(MAX_ALERT_EVENTS)
            .collect();
        if !self.once(Detection::Departing, staff, date, "prints") {
            return;
        }
        let explanation = format!(
            "{}, {}, printed or exported {count} records on {}.",
            self.describe(staff),
            self.notice_words(staff),
            date.format("%-d %b %Y"),
        );
        found.push(Finding {
            detection: Detection::Departing,
            staff,
            explanation,
            events,
            matched: vec![field("prints_exports", &count.to_string())],
            host: activity.host.clone(),
        });
    }

    fn on_usb_write(
        &mut self,
        activity: &Activity,
        path: &str,
        staff: StaffIx,
        found: &mut Vec<Finding>,
    ) {
        let date = self.roll_day(staff, activity.at);
        let day = self.day(staff, date);
        day.usb_writes.push(activity.event);
        let count = day.usb_writes.len() as u32;
        let mut events = day.usb_devices.clone();
        events.extend(day.usb_writes.iter().copied());
        if self.in_notice(staff, date).is_none() || count < self.policy.departing.min_usb_writes {
            return;
        }
        if !self.once(Detection::Departing, staff, date, "usb") {
            return;
        }
        events.truncate(MAX_ALERT_EVENTS);
        let explanation = format!(
            "{}, {}, wrote {count} files to removable media on {} (for example {path}).",
            self.describe(staff),
            self.notice_words(staff),
            date.format("%-d %b %Y"),
        );
        found.push(Finding {
            detection: Detection::Departing,
            staff,
            explanation,
            events,
            matched: vec![
                field("file.path", path),
                field("usb_writes", &count.to_string()),
            ],
            host: activity.host.clone(),
        });
    }

    fn on_mail(
        &mut self,
        activity: &Activity,
        recipients: &[String],
        attachments: usize,
        staff: StaffIx,
        found: &mut Vec<Finding>,
    ) {
        let date = self.roll_day(staff, activity.at);
        let Some((person, _)) = self.reference.person(staff) else {
            return;
        };
        let personal = person.personal_email.as_deref().map(str::to_lowercase);
        let to_self = personal
            .as_deref()
            .is_some_and(|p| recipients.iter().any(|r| r == p));
        if to_self && attachments > 0 && self.in_notice(staff, date).is_some() {
            let key = format!("mail:{}", activity.event.id);
            if self.once(Detection::Departing, staff, date, &key) {
                let explanation = format!(
                    "{}, {}, emailed {attachments} attachment(s) from work to their own personal address {}.",
                    self.describe(staff),
                    self.notice_words(staff),
                    personal.clone().unwrap_or_default(),
                );
                found.push(Finding {
                    detection: Detection::Departing,
                    staff,
                    explanation,
                    events: vec![activity.event],
                    matched: vec![field("email.to.address", personal.as_deref().unwrap_or(""))],
                    host: activity.host.clone(),
                });
            }
        }
        self.check_victim_contact(activity, recipients, staff, date, found);
    }

    fn remember_victim_view(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
    ) {
        let Some((person, _)) = self.reference.person(staff) else {
            return;
        };
        let was_their_victim = self
            .reference
            .tasks_of_subject(&record.subject)
            .any(|task| {
                task.is_domestic_or_sexual()
                    && task.opened <= activity.at
                    && task.assigned_staff.contains(&person.staff_id)
                    && task
                        .persons
                        .iter()
                        .any(|p| p.id == record.subject && p.role == "victim")
            });
        if !was_their_victim {
            return;
        }
        let entry = self
            .person(staff)
            .victim_views
            .entry(record.subject.clone())
            .or_default();
        entry.0.insert(date);
        if entry.1.len() < MAX_ALERT_EVENTS {
            entry.1.push(activity.event);
        }
    }

    fn check_victim_contact(
        &mut self,
        activity: &Activity,
        recipients: &[String],
        staff: StaffIx,
        date: NaiveDate,
        found: &mut Vec<Finding>,
    ) {
        let min_days = self.policy.victim_contact.min_days;
        for recipient in recipients {
            let Some(subject) = self.reference.subject_by_email(recipient) else {
                continue;
            };
            let Some(state) = self.people.get(&staff) else {
                return;
            };
            let Some((days, views)) = state.victim_views.get(&subject.subject_id) else {
                continue;
            };
            if days.len() < min_days {
                continue;
            }
            let (day_count, mut events) = (days.len(), views.clone());
            let subject_id = subject.subject_id.clone();
            if !self.once(Detection::VictimContact, staff, date, &subject_id) {
                continue;
            }
            events.push(activity.event);
            let explanation = format!(
                "{} opened the record of {subject_id}, a victim in a domestic or sexual offence they attended, on {day_count} days with no tasking, then emailed her or his personal address ({recipient}) from work.",
                self.describe(staff),
            );
            found.push(Finding {
                detection: Detection::VictimContact,
                staff,
                explanation,
                events,
                matched: vec![
                    field("record.subject.id", &subject_id),
                    field("email.to.address", recipient),
                ],
                host: activity.host.clone(),
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_no_purpose(
        &mut self,
        activity: &Activity,
        record: &RecordAccess,
        staff: StaffIx,
        date: NaiveDate,
        fault: Option<&StatedFault>,
        signals: &[Detection],
        found: &mut Vec<Finding>,
    ) {
        let window = Duration::days(self.policy.no_purpose.window_days);
        let min_subjects = self.policy.no_purpose.min_subjects;
        let state = self.people.entry(staff).or_default();
        let recent = &mut state.recent_unlinked;
        while recent
            .front()
            .is_some_and(|(at, _, _)| *at < activity.at - window)
        {
            recent.pop_front();
        }
        recent.push_back((activity.at, record.subject.clone(), activity.event));
        let distinct: HashSet<&str> = recent.iter().map(|(_, s, _)| s.as_str()).collect();
        let subjects = distinct.len();
        let fault_words = match fault {
            Some(StatedFault::Missing(reference)) => {
                Some(format!("They stated {reference}, which does not exist."))
            }
            Some(StatedFault::NotInvolving(reference)) => Some(format!(
                "They stated {reference}, which does not involve the subject."
            )),
            _ => None,
        };
        let why = if let Some(words) = fault_words {
            words
        } else if subjects >= min_subjects {
            format!(
                "They have looked up {subjects} subjects with no purpose in the last {} days.",
                self.policy.no_purpose.window_days
            )
        } else if let Some(signal) = signals.first() {
            format!("The lookup also raised {}.", signal.name())
        } else {
            return;
        };
        let events: Vec<EventRef> = recent
            .iter()
            .map(|(_, _, e)| *e)
            .take(MAX_ALERT_EVENTS)
            .collect();
        if !self.once(Detection::NoPurpose, staff, date, "") {
            return;
        }
        let explanation = format!(
            "{} {} with no incident, crime or tasking of theirs or their team's that involves the subject within {} hours. {why}",
            self.describe(staff),
            Self::lookup_words(activity, record),
            self.policy.purpose_window_hours,
        );
        found.push(Finding {
            detection: Detection::NoPurpose,
            staff,
            explanation,
            events,
            matched: Self::record_fields(record),
            host: activity.host.clone(),
        });
    }

    fn alert(&self, finding: Finding) -> Alert {
        let rule = AlertRule {
            kind: RULE_KIND.to_owned(),
            id: finding.detection.name().to_owned(),
            title: finding.detection.title().to_owned(),
            tags: vec!["insider".to_owned(), finding.detection.name().to_owned()],
        };
        let mut events = finding.events;
        events.sort_by_key(|e| e.timestamp);
        events.dedup();
        let (user, mut matched) = match self.reference.person(finding.staff) {
            Some((person, _)) => (
                person
                    .accounts
                    .first()
                    .map(|a| Identity::new(a.to_lowercase())),
                vec![field("staff_id", &person.staff_id)],
            ),
            None => (None, Vec::new()),
        };
        matched.extend(finding.matched);
        Alert {
            id: AlertId::derive(&rule, &events),
            created: self.now,
            level: self.policy.level(finding.detection),
            rule,
            explanation: finding.explanation,
            matched,
            events,
            user,
            host: finding.host,
        }
    }
}

fn field(name: &str, value: &str) -> MatchedField {
    MatchedField {
        field: name.to_owned(),
        value: value.to_owned(),
    }
}

/// Runs the detections over `activities` (sorted here by time) and returns every alert.
pub fn detect_all(
    reference: &Reference,
    policy: Policy,
    activities: &mut [Activity],
    now: Timestamp,
) -> (Vec<Alert>, DetectorStats) {
    activities.sort_by_key(|a| a.at);
    let mut detector = Detector::new(reference, policy, now);
    let mut alerts = Vec::new();
    for activity in activities.iter() {
        alerts.extend(detector.observe(activity));
    }
    (alerts, detector.stats)
}

/// Alerts counted per detection (insider alerts by detection name, others by rule title), for
/// summaries.
pub fn count_by_detection(alerts: &[Alert]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for alert in alerts {
        let key = if alert.rule.kind == RULE_KIND || alert.rule.title.is_empty() {
            alert.rule.id.clone()
        } else {
            format!("{} ({})", alert.rule.title, alert.rule.kind)
        };
        *counts.entry(key).or_default() += 1;
    }
    counts
}

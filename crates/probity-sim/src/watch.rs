//! Watch lists: restricted and high-profile records and who, if anyone, may open them.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};

use crate::SimConfig;
use crate::clock::local_date;
use crate::org::{Org, Role};
use crate::population::Population;
use crate::rng::{Purpose, hash};
use crate::tasking::{Link, Sensitivity, Tasking};

/// Why a record is on the watch list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchKind {
    Celebrity,
    DaVictim,
    SexualOffenceVictim,
    ProtectedPerson,
    StaffMember,
}

impl WatchKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            WatchKind::Celebrity => "celebrity",
            WatchKind::DaVictim => "da_victim",
            WatchKind::SexualOffenceVictim => "sexual_offence_victim",
            WatchKind::ProtectedPerson => "protected_person",
            WatchKind::StaffMember => "staff_member",
        }
    }
}

/// One watched record.
#[derive(Debug, Clone)]
pub(crate) struct WatchEntry {
    pub person: u32,
    pub kind: WatchKind,
    /// Staff allowed to open the record, in order.
    pub authorised: Vec<u32>,
    pub added: NaiveDate,
}

/// The watch list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watchlist {
    pub entries: Vec<WatchEntry>,
    by_person: HashMap<u32, usize>,
}

impl Watchlist {
    /// The entry for a person, if watched.
    pub(crate) fn entry(&self, person: u32) -> Option<&WatchEntry> {
        self.entries.get(*self.by_person.get(&person)?)
    }

    pub(crate) fn is_watched(&self, person: u32) -> bool {
        self.by_person.contains_key(&person)
    }

    fn add(&mut self, entry: WatchEntry) {
        if self.by_person.contains_key(&entry.person) {
            return;
        }
        self.by_person.insert(entry.person, self.entries.len());
        self.entries.push(entry);
    }
}

/// Whether a member of staff's own record is watched: professional standards staff, senior
/// officers and about one in a hundred others (covert and other sensitive posts).
pub(crate) fn is_watched_staff(seed: u64, org: &Org, staff: u32) -> bool {
    let Some(member) = org.staff.get(staff as usize) else {
        return false;
    };
    matches!(member.role, Role::PsdInvestigator | Role::Superintendent)
        || hash(seed, Purpose::Scenario, u64::from(staff), 99).is_multiple_of(100)
}

/// Builds the watch list from the population and the tasking: victims of domestic and sexual
/// abuse (open to the staff assigned to their records), celebrities (open to staff assigned to
/// records that involve them), protected persons and staff in sensitive posts.
pub(crate) fn build(
    config: &SimConfig,
    org: &Org,
    pop: &Population,
    tasking: &Tasking,
) -> Watchlist {
    let mut involved: HashMap<u32, BTreeSet<u32>> = HashMap::new();
    let mut first_seen: HashMap<u32, i64> = HashMap::new();
    let mut victims: Vec<(u32, WatchKind)> = Vec::new();
    for task in &tasking.tasks {
        for (person, link) in &task.persons {
            involved
                .entry(*person)
                .or_default()
                .extend(task.assigned.iter().copied());
            let seen = first_seen.entry(*person).or_insert(task.opened);
            *seen = (*seen).min(task.opened);
            if *link != Link::Victim {
                continue;
            }
            match task.sensitivity {
                Sensitivity::Domestic => victims.push((*person, WatchKind::DaVictim)),
                Sensitivity::Sexual => victims.push((*person, WatchKind::SexualOffenceVictim)),
                Sensitivity::Ordinary => {}
            }
        }
    }
    let authorised_for = |person: u32| -> Vec<u32> {
        involved
            .get(&person)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    };
    let mut list = Watchlist::default();
    let before = |days: i64| config.start - Duration::days(days);
    for (index, person) in pop.celebrities.iter().enumerate() {
        list.add(WatchEntry {
            person: *person,
            kind: WatchKind::Celebrity,
            authorised: authorised_for(*person),
            added: before(30 + (index as i64 * 37) % 700),
        });
    }
    for (index, person) in pop.protected.iter().enumerate() {
        let area = pop.person_area(*person);
        let handler = org
            .staff_in(Role::PpuDc)
            .filter(|s| org.staff.get(*s as usize).is_some_and(|m| m.area == area))
            .nth(index % 3);
        list.add(WatchEntry {
            person: *person,
            kind: WatchKind::ProtectedPerson,
            authorised: handler.into_iter().collect(),
            added: before(60 + (index as i64 * 53) % 900),
        });
    }
    for staff in 0..org.staff.len() as u32 {
        if !is_watched_staff(config.seed, org, staff) {
            continue;
        }
        if let Some(member) = org.staff.get(staff as usize) {
            list.add(WatchEntry {
                person: member.person,
                kind: WatchKind::StaffMember,
                authorised: Vec::new(),
                added: member.start_date,
            });
        }
    }
    for (person, kind) in victims {
        let added = first_seen
            .get(&person)
            .map_or(config.start, |t| local_date(*t));
        list.add(WatchEntry {
            person,
            kind,
            authorised: authorised_for(person),
            added,
        });
    }
    list
}

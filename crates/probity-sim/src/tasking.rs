//! Tasking: incidents, crimes, custody records, stops, court cases and intelligence operations,
//! with the staff assigned to each and the people, vehicles and addresses linked to them.

use std::collections::HashMap;

use chrono::{Datelike, Duration};
use rand::Rng;

use crate::SimConfig;
use crate::clock::{DAY, HOUR, MINUTE, local_date, local_instant};
use crate::org::{Department, Org, Role};
use crate::population::Population;
use crate::rng::{Purpose, SimRng, chance, count_around, pick, stream, weighted};
use crate::roster::{Rosters, Shift};

/// Days before the period whose crimes, cases and operations are still being worked on.
pub(crate) const WARM_UP_DAYS: u32 = 21;
/// Incidents per member of staff per day.
const INCIDENT_RATE: f64 = 0.12;

/// What kind of tasking a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TaskKind {
    Incident,
    Crime,
    Custody,
    Stop,
    Case,
    Operation,
}

impl TaskKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TaskKind::Incident => "incident",
            TaskKind::Crime => "crime",
            TaskKind::Custody => "custody",
            TaskKind::Stop => "stop",
            TaskKind::Case => "case",
            TaskKind::Operation => "operation",
        }
    }

    pub(crate) fn prefix(self) -> &'static str {
        match self {
            TaskKind::Incident => "INC",
            TaskKind::Crime => "CRI",
            TaskKind::Custody => "CUS",
            TaskKind::Stop => "STP",
            TaskKind::Case => "CASE",
            TaskKind::Operation => "OPS",
        }
    }

    fn digits(self) -> usize {
        match self {
            TaskKind::Case | TaskKind::Operation => 4,
            _ => 6,
        }
    }
}

/// How a person is linked to a tasking record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    Victim,
    Suspect,
    Witness,
    Informant,
    Subject,
    Detained,
}

impl Link {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Link::Victim => "victim",
            Link::Suspect => "suspect",
            Link::Witness => "witness",
            Link::Informant => "informant",
            Link::Subject => "subject",
            Link::Detained => "detained",
        }
    }
}

/// Whether the victims of a record are placed on the watch list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sensitivity {
    Ordinary,
    Domestic,
    Sexual,
}

/// One tasking record.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub kind: TaskKind,
    /// The type as the source system writes it (`Burglary dwelling`).
    pub category: &'static str,
    pub opened: i64,
    pub closed: Option<i64>,
    pub area: u32,
    pub team: Option<u32>,
    pub assigned: Vec<u32>,
    pub persons: Vec<(u32, Link)>,
    pub vehicles: Vec<u32>,
    pub addresses: Vec<u32>,
    pub sensitivity: Sensitivity,
    /// The reference (`INC-2026-000123`), given once all records exist.
    pub reference: String,
    /// Assigned staff whose lookups for this record belong to a ground-truth entry.
    pub truth: Vec<TruthTag>,
    /// Operation name, for operations.
    pub name: Option<String>,
}

impl Task {
    pub(crate) fn new(kind: TaskKind, category: &'static str, opened: i64, area: u32) -> Self {
        Task {
            kind,
            category,
            opened,
            closed: None,
            area,
            team: None,
            assigned: Vec::new(),
            persons: Vec::new(),
            vehicles: Vec::new(),
            addresses: Vec::new(),
            sensitivity: Sensitivity::Ordinary,
            reference: String::new(),
            truth: Vec::new(),
            name: None,
        }
    }

    /// Whether ordinary work on the record can happen at `instant`: from half an hour before it
    /// opened to a day after it closed (or the end of the data if still open).
    pub(crate) fn active_at(&self, instant: i64) -> bool {
        let closed = self.closed.unwrap_or(i64::MAX - DAY);
        self.opened - HOUR / 2 <= instant && instant <= closed + DAY
    }

    /// Whether the record is active at some time in the shift.
    pub(crate) fn overlaps(&self, shift: Shift) -> bool {
        let closed = self.closed.unwrap_or(i64::MAX - DAY);
        self.opened - HOUR / 2 < shift.end && shift.start <= closed + DAY
    }

    pub(crate) fn links_person(&self, person: u32) -> bool {
        self.persons.iter().any(|(p, _)| *p == person)
    }
}

/// Marks the lookups a member of staff makes for a record as part of a ground-truth entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TruthTag {
    pub staff: u32,
    pub scenario: u32,
    /// Only lookups of this person, if given.
    pub person: Option<u32>,
}

/// An incident type: weight, sensitivity, chance of a crime, who investigates.
struct IncidentType {
    name: &'static str,
    crime: &'static str,
    weight: u32,
    sensitivity: Sensitivity,
    crime_chance: f64,
    investigator: Investigator,
    vehicles: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Investigator {
    Ppu,
    Cid,
    Officer,
}

#[rustfmt::skip]
const INCIDENTS: &[IncidentType] = &[
    IncidentType { name: "Domestic incident", crime: "Domestic abuse - assault", weight: 12, sensitivity: Sensitivity::Domestic, crime_chance: 0.6, investigator: Investigator::Ppu, vehicles: 0 },
    IncidentType { name: "Burglary", crime: "Burglary dwelling", weight: 7, sensitivity: Sensitivity::Ordinary, crime_chance: 0.9, investigator: Investigator::Cid, vehicles: 0 },
    IncidentType { name: "Theft", crime: "Theft", weight: 8, sensitivity: Sensitivity::Ordinary, crime_chance: 0.7, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Shoplifting", crime: "Theft from shop", weight: 5, sensitivity: Sensitivity::Ordinary, crime_chance: 0.7, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Assault", crime: "Assault occasioning ABH", weight: 8, sensitivity: Sensitivity::Ordinary, crime_chance: 0.8, investigator: Investigator::Cid, vehicles: 0 },
    IncidentType { name: "Anti-social behaviour", crime: "", weight: 12, sensitivity: Sensitivity::Ordinary, crime_chance: 0.0, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Road traffic collision", crime: "Dangerous driving", weight: 7, sensitivity: Sensitivity::Ordinary, crime_chance: 0.15, investigator: Investigator::Officer, vehicles: 2 },
    IncidentType { name: "Concern for safety", crime: "", weight: 8, sensitivity: Sensitivity::Ordinary, crime_chance: 0.0, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Missing person", crime: "", weight: 4, sensitivity: Sensitivity::Ordinary, crime_chance: 0.0, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Suspicious vehicle", crime: "", weight: 6, sensitivity: Sensitivity::Ordinary, crime_chance: 0.0, investigator: Investigator::Officer, vehicles: 1 },
    IncidentType { name: "Criminal damage", crime: "Criminal damage", weight: 5, sensitivity: Sensitivity::Ordinary, crime_chance: 0.6, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Public order", crime: "Public order offence", weight: 5, sensitivity: Sensitivity::Ordinary, crime_chance: 0.4, investigator: Investigator::Officer, vehicles: 0 },
    IncidentType { name: "Sexual offence", crime: "Sexual assault", weight: 2, sensitivity: Sensitivity::Sexual, crime_chance: 1.0, investigator: Investigator::Ppu, vehicles: 0 },
    IncidentType { name: "Drugs", crime: "Possession with intent to supply", weight: 3, sensitivity: Sensitivity::Ordinary, crime_chance: 0.6, investigator: Investigator::Cid, vehicles: 1 },
    IncidentType { name: "Fraud", crime: "Fraud by false representation", weight: 3, sensitivity: Sensitivity::Ordinary, crime_chance: 1.0, investigator: Investigator::Cid, vehicles: 0 },
];

/// Relative frequency of incidents by local hour.
const HOURS: [u32; 24] = [
    3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 6, 6, 5, 4, 3,
];

const OPERATION_NAMES: &[&str] = &[
    "Kestrel", "Bramble", "Falcon", "Granite", "Heron", "Juniper", "Lantern", "Magpie", "Nightjar",
    "Osprey", "Pennant", "Quarry", "Raven", "Sentinel", "Thistle", "Umbra", "Vanguard", "Wren",
];

/// Who is on duty when: the staff each shift puts on duty, by day and area.
pub(crate) struct OnDuty {
    /// Per day, per area: attending officers on duty and their shifts.
    attenders: Vec<Vec<Vec<(u32, Shift)>>>,
    /// Per day, per area: custody staff on duty.
    custody: Vec<Vec<Vec<(u32, Shift)>>>,
    /// Per day: control room staff on duty.
    control: Vec<Vec<(u32, Shift)>>,
}

impl OnDuty {
    pub(crate) fn build(org: &Org, rosters: &Rosters) -> OnDuty {
        let days = rosters.days as usize;
        let areas = org.areas.len();
        let mut on = OnDuty {
            attenders: vec![vec![Vec::new(); areas]; days],
            custody: vec![vec![Vec::new(); areas]; days],
            control: vec![Vec::new(); days],
        };
        for (index, staff) in org.staff.iter().enumerate() {
            let info = staff.info();
            for day in 0..rosters.days {
                let Some(roster) = rosters.get(index as u32, day) else {
                    continue;
                };
                let shifts: Vec<Shift> = if roster.duty.is_working() {
                    roster.shifts().collect()
                } else {
                    roster.overtime.into_iter().collect()
                };
                for shift in shifts {
                    let entry = (index as u32, shift);
                    let day = day as usize;
                    let area = staff.area as usize;
                    if info.department == Department::ControlRoom {
                        on.control[day].push(entry);
                    } else if info.department == Department::Custody {
                        on.custody[day][area].push(entry);
                    } else if info.attends {
                        on.attenders[day][area].push(entry);
                    }
                }
            }
        }
        on
    }

    fn covering(lists: &[&Vec<(u32, Shift)>], instant: i64) -> Vec<u32> {
        lists
            .iter()
            .flat_map(|list| list.iter())
            .filter(|(_, shift)| {
                shift.start + MINUTE * 20 <= instant && instant + HOUR <= shift.end
            })
            .map(|(staff, _)| *staff)
            .collect()
    }

    /// Attending officers of `area` on duty from `instant` for the next hour.
    pub(crate) fn attenders_at(&self, day: u32, area: u32, instant: i64) -> Vec<u32> {
        let mut lists = Vec::new();
        for d in [day.checked_sub(1), Some(day)].into_iter().flatten() {
            if let Some(list) = self
                .attenders
                .get(d as usize)
                .and_then(|a| a.get(area as usize))
            {
                lists.push(list);
            }
        }
        Self::covering(&lists, instant)
    }

    fn custody_at(&self, day: u32, area: u32, instant: i64) -> Vec<u32> {
        let mut lists = Vec::new();
        for d in [day.checked_sub(1), Some(day)].into_iter().flatten() {
            if let Some(list) = self
                .custody
                .get(d as usize)
                .and_then(|a| a.get(area as usize))
            {
                lists.push(list);
            }
        }
        Self::covering(&lists, instant)
    }

    fn control_at(&self, day: u32, instant: i64) -> Vec<u32> {
        let mut lists = Vec::new();
        for d in [day.checked_sub(1), Some(day)].into_iter().flatten() {
            if let Some(list) = self.control.get(d as usize) {
                lists.push(list);
            }
        }
        Self::covering(&lists, instant)
    }
}

/// All tasking.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tasking {
    pub tasks: Vec<Task>,
    /// Records each member of staff is assigned to.
    pub by_staff: Vec<Vec<u32>>,
    /// Records led by each team.
    pub by_team: Vec<Vec<u32>>,
    /// Whether a person is linked to any record.
    pub linked: Vec<bool>,
    /// How many references of each kind were issued in each year.
    pub issued: HashMap<(TaskKind, i32), u32>,
    /// Operations of each area.
    pub operations: Vec<Vec<u32>>,
}

impl Tasking {
    /// Adds a record and indexes it.
    pub(crate) fn add(&mut self, task: Task) -> u32 {
        let index = self.tasks.len() as u32;
        for staff in &task.assigned {
            if let Some(list) = self.by_staff.get_mut(*staff as usize) {
                list.push(index);
            }
        }
        if let Some(team) = task.team
            && let Some(list) = self.by_team.get_mut(team as usize)
        {
            list.push(index);
        }
        for (person, _) in &task.persons {
            if let Some(flag) = self.linked.get_mut(*person as usize) {
                *flag = true;
            }
        }
        self.tasks.push(task);
        index
    }

    /// Whether any record assigned to `staff` or led by their team links `person` and is active
    /// within `window` seconds of `instant`.
    pub(crate) fn justified(
        &self,
        org: &Org,
        staff: u32,
        person: u32,
        instant: i64,
        window: i64,
    ) -> bool {
        let team = org.staff.get(staff as usize).map(|s| s.team);
        let own = self.by_staff.get(staff as usize).into_iter().flatten();
        let team_tasks = team
            .and_then(|t| self.by_team.get(t as usize))
            .into_iter()
            .flatten();
        own.chain(team_tasks).any(|index| {
            self.tasks.get(*index as usize).is_some_and(|task| {
                let closed = task.closed.unwrap_or(i64::MAX - window);
                task.links_person(person)
                    && task.opened - window <= instant
                    && instant <= closed + window
            })
        })
    }

    /// Gives every record its reference, numbered in order of opening within each kind and year.
    pub(crate) fn number(&mut self) {
        let mut order: Vec<u32> = (0..self.tasks.len() as u32).collect();
        order.sort_by_key(|&i| (self.tasks[i as usize].opened, i));
        for index in order {
            let task = &mut self.tasks[index as usize];
            let year = local_date(task.opened).year();
            let count = self.issued.entry((task.kind, year)).or_insert(0);
            *count += 1;
            task.reference = format!(
                "{}-{year}-{:0width$}",
                task.kind.prefix(),
                count,
                width = task.kind.digits()
            );
        }
    }

    /// A reference of `kind` that no record has, in the year of `instant`.
    pub(crate) fn missing_reference(&self, kind: TaskKind, instant: i64, salt: u32) -> String {
        let year = local_date(instant).year();
        let issued = self.issued.get(&(kind, year)).copied().unwrap_or(0);
        format!(
            "{}-{year}-{:0width$}",
            kind.prefix(),
            issued + 150 + salt,
            width = kind.digits()
        )
    }
}

/// Generates the tasking of the period (and the warm-up before it).
pub(crate) fn build(
    config: &SimConfig,
    org: &Org,
    pop: &Population,
    rosters: &Rosters,
    on_duty: &OnDuty,
) -> Tasking {
    let mut tasking = Tasking {
        by_staff: vec![Vec::new(); org.staff.len()],
        by_team: vec![Vec::new(); org.teams.len()],
        linked: vec![false; pop.persons.len()],
        operations: vec![Vec::new(); org.areas.len()],
        ..Tasking::default()
    };
    let pools = Pools::new(org);
    let mut rng = stream(config.seed, Purpose::Tasking, 0, 0);
    operations(&mut rng, config, org, pop, &pools, &mut tasking);
    for back in (1..=WARM_UP_DAYS).rev() {
        let mut rng = stream(config.seed, Purpose::Tasking, 1, u64::from(back));
        let date = config.start - Duration::days(i64::from(back));
        warm_up_day(&mut rng, date, org, pop, &pools, &mut tasking);
    }
    for day in 0..config.days {
        let mut rng = stream(config.seed, Purpose::Tasking, 2, u64::from(day));
        let day_gen = DayGen {
            org,
            pop,
            pools: &pools,
            on_duty,
            rosters,
            day,
            end: local_instant(config.start, 24 * config.days, 0),
        };
        day_gen.incidents(&mut rng, &mut tasking);
        day_gen.stops(&mut rng, &mut tasking);
    }
    tasking
}

/// Staff by role and area, for assignment.
struct Pools {
    by_role_area: HashMap<(Role, u32), Vec<u32>>,
}

impl Pools {
    fn new(org: &Org) -> Self {
        let mut by_role_area: HashMap<(Role, u32), Vec<u32>> = HashMap::new();
        for (index, staff) in org.staff.iter().enumerate() {
            by_role_area
                .entry((staff.role, staff.area))
                .or_default()
                .push(index as u32);
        }
        Pools { by_role_area }
    }

    fn get(&self, role: Role, area: u32) -> &[u32] {
        self.by_role_area
            .get(&(role, area))
            .map_or(&[], |list| list.as_slice())
    }

    fn pick(&self, rng: &mut SimRng, role: Role, area: u32) -> Option<u32> {
        pick(rng, self.get(role, area)).copied()
    }
}

fn team_of(org: &Org, staff: u32) -> Option<u32> {
    org.staff.get(staff as usize).map(|s| s.team)
}

fn operations(
    rng: &mut SimRng,
    config: &SimConfig,
    org: &Org,
    pop: &Population,
    pools: &Pools,
    tasking: &mut Tasking,
) {
    let mut name_index = 0usize;
    for area in 0..org.areas.len() as u32 {
        let area_staff = org.staff.iter().filter(|s| s.area == area).count();
        let count = 1 + area_staff / 800;
        for _ in 0..count {
            let opened_day = rng.random_range(10..90);
            let opened = local_instant(config.start - Duration::days(opened_day), 9, 0)
                + rng.random_range(0..8 * HOUR);
            let mut task = Task::new(TaskKind::Operation, "Intelligence operation", opened, area);
            let name = OPERATION_NAMES[name_index % OPERATION_NAMES.len()];
            let round = name_index / OPERATION_NAMES.len();
            name_index += 1;
            task.name = Some(if round == 0 {
                format!("Operation {name}")
            } else {
                format!("Operation {name} {}", round + 1)
            });
            let analysts = pools.get(Role::Analyst, area);
            for staff in analysts.iter().take(3) {
                task.assigned.push(*staff);
            }
            for _ in 0..rng.random_range(1..3) {
                if let Some(dc) = pools.pick(rng, Role::Dc, area)
                    && !task.assigned.contains(&dc)
                {
                    task.assigned.push(dc);
                }
            }
            if let Some(ds) = pools.pick(rng, Role::Ds, area) {
                task.assigned.push(ds);
            }
            task.team = task.assigned.first().and_then(|s| team_of(org, *s));
            for _ in 0..rng.random_range(40..110) {
                if let Some(person) = pop.sample_public(rng, area)
                    && !task.links_person(person)
                {
                    task.persons.push((person, Link::Subject));
                }
            }
            let vehicles = pop.area_vehicles.get(area as usize).map_or(&[][..], |v| v);
            for _ in 0..rng.random_range(5..20) {
                if let Some(vehicle) = pick(rng, vehicles) {
                    task.vehicles.push(*vehicle);
                }
            }
            for (person, _) in task.persons.iter().take(12) {
                if let Some(p) = pop.persons.get(*person as usize) {
                    task.addresses.push(p.address);
                }
            }
            task.addresses.sort_unstable();
            task.addresses.dedup();
            let index = tasking.add(task);
            tasking.operations[area as usize].push(index);
        }
    }
}

/// People linked to an incident of a type, from the area's population.
fn incident_people(
    rng: &mut SimRng,
    pop: &Population,
    area: u32,
    kind: &IncidentType,
) -> Vec<(u32, Link)> {
    let mut people = Vec::new();
    let add = |rng: &mut SimRng, link: Link, people: &mut Vec<(u32, Link)>| {
        // Most people come from the incident's own area; some travel.
        let from = if chance(rng, 0.9) {
            area
        } else {
            rng.random_range(0..pop.area_public.len().max(1) as u32)
        };
        if let Some(person) = pop.sample_public(rng, from)
            && !people.iter().any(|(p, _)| *p == person)
        {
            people.push((person, link));
        }
    };
    match kind.name {
        "Anti-social behaviour"
        | "Concern for safety"
        | "Missing person"
        | "Suspicious vehicle" => {
            add(rng, Link::Informant, &mut people);
            if kind.name != "Suspicious vehicle" {
                add(rng, Link::Subject, &mut people);
            }
        }
        "Road traffic collision" => {
            add(rng, Link::Subject, &mut people);
            add(rng, Link::Subject, &mut people);
            if chance(rng, 0.4) {
                add(rng, Link::Witness, &mut people);
            }
        }
        _ => {
            add(rng, Link::Victim, &mut people);
            if chance(rng, 0.7) {
                add(rng, Link::Suspect, &mut people);
            }
            if chance(rng, 0.3) {
                add(rng, Link::Witness, &mut people);
            }
        }
    }
    people
}

/// Crimes, cases and custody records from before the period that are still being worked on.
fn warm_up_day(
    rng: &mut SimRng,
    date: chrono::NaiveDate,
    org: &Org,
    pop: &Population,
    pools: &Pools,
    tasking: &mut Tasking,
) {
    let weights: Vec<u32> = INCIDENTS.iter().map(|k| k.weight).collect();
    for area in 0..org.areas.len() as u32 {
        let area_staff = org.staff.iter().filter(|s| s.area == area).count() as f64;
        let crimes = count_around(rng, area_staff * INCIDENT_RATE * 0.3);
        for _ in 0..crimes {
            let kind = &INCIDENTS[weighted(rng, &weights)];
            if kind.crime.is_empty() {
                continue;
            }
            let opened = local_instant(date, 8, 0) + rng.random_range(0..12 * HOUR);
            let people = incident_people(rng, pop, area, kind);
            let officer = pools.pick(rng, Role::ResponsePc, area);
            crime(
                rng, org, pools, tasking, kind, opened, area, people, officer, None,
            );
        }
    }
}

/// Opens a crime (and perhaps a custody record and a court case) for an incident.
#[allow(clippy::too_many_arguments)]
fn crime(
    rng: &mut SimRng,
    org: &Org,
    pools: &Pools,
    tasking: &mut Tasking,
    kind: &IncidentType,
    opened: i64,
    area: u32,
    people: Vec<(u32, Link)>,
    officer: Option<u32>,
    on_duty: Option<(&OnDuty, u32)>,
) {
    let mut task = Task::new(TaskKind::Crime, kind.crime, opened, area);
    task.sensitivity = kind.sensitivity;
    let investigator = match kind.investigator {
        Investigator::Ppu => pools.pick(rng, Role::PpuDc, area),
        Investigator::Cid if chance(rng, 0.7) => pools.pick(rng, Role::Dc, area),
        Investigator::Cid | Investigator::Officer => {
            if chance(rng, 0.3) {
                pools.pick(rng, Role::InvestigationOfficer, area)
            } else {
                officer
            }
        }
    };
    let investigator = investigator.or(officer);
    task.assigned.extend(investigator);
    task.team = investigator.and_then(|s| team_of(org, s));
    task.closed = Some(opened + rng.random_range(2..25) * DAY + rng.random_range(0..8 * HOUR));
    task.persons = people.clone();
    let suspect = people
        .iter()
        .find(|(_, link)| *link == Link::Suspect)
        .map(|(p, _)| *p);
    tasking.add(task);

    if let Some(suspect) = suspect
        && chance(rng, 0.25)
    {
        let arrested = opened + rng.random_range(HOUR..8 * HOUR);
        let mut custody = Task::new(TaskKind::Custody, "Custody record", arrested, area);
        custody.closed = Some(arrested + rng.random_range(6..20) * HOUR);
        custody.persons.push((suspect, Link::Detained));
        let staff = match on_duty {
            Some((on, day)) => on.custody_at(day, area, arrested),
            None => Vec::new(),
        };
        if staff.is_empty() {
            custody
                .assigned
                .extend(pools.pick(rng, Role::CustodySergeant, area));
        } else {
            for _ in 0..2 {
                if let Some(s) = pick(rng, &staff)
                    && !custody.assigned.contains(s)
                {
                    custody.assigned.push(*s);
                }
            }
        }
        custody.team = custody.assigned.first().and_then(|s| team_of(org, *s));
        tasking.add(custody);
    }
    if suspect.is_some() && chance(rng, 0.3) {
        let case_opened = opened + rng.random_range(2..7) * DAY + rng.random_range(0..6 * HOUR);
        let mut case = Task::new(TaskKind::Case, "Court file", case_opened, area);
        case.closed = Some(case_opened + rng.random_range(10..40) * DAY);
        case.persons = people;
        case.assigned
            .extend(pools.pick(rng, Role::CaseFileOfficer, area));
        case.team = case.assigned.first().and_then(|s| team_of(org, *s));
        tasking.add(case);
    }
}

struct DayGen<'a> {
    org: &'a Org,
    pop: &'a Population,
    pools: &'a Pools,
    on_duty: &'a OnDuty,
    rosters: &'a Rosters,
    day: u32,
    end: i64,
}

impl DayGen<'_> {
    fn incidents(&self, rng: &mut SimRng, tasking: &mut Tasking) {
        let date = self.rosters.date(self.day);
        let weights: Vec<u32> = INCIDENTS.iter().map(|k| k.weight).collect();
        for area in 0..self.org.areas.len() as u32 {
            let area_staff = self.org.staff.iter().filter(|s| s.area == area).count() as f64;
            let count = count_around(rng, (area_staff * INCIDENT_RATE).max(3.0));
            for _ in 0..count {
                let hour = weighted(rng, &HOURS) as u32;
                let opened = local_instant(date, hour, 0) + rng.random_range(0..HOUR);
                let kind = &INCIDENTS[weighted(rng, &weights)];
                self.incident(rng, tasking, kind, opened, area);
            }
        }
    }

    fn incident(
        &self,
        rng: &mut SimRng,
        tasking: &mut Tasking,
        kind: &IncidentType,
        opened: i64,
        area: u32,
    ) {
        let mut task = Task::new(TaskKind::Incident, kind.name, opened, area);
        task.sensitivity = kind.sensitivity;
        task.closed = Some(if chance(rng, 0.85) {
            opened + rng.random_range(MINUTE * 40..HOUR * 8)
        } else {
            opened + rng.random_range(DAY..3 * DAY)
        });
        task.persons = incident_people(rng, self.pop, area, kind);
        let vehicles = self
            .pop
            .area_vehicles
            .get(area as usize)
            .map_or(&[][..], |v| v);
        for _ in 0..kind.vehicles {
            if let Some(vehicle) = pick(rng, vehicles) {
                task.vehicles.push(*vehicle);
            }
        }
        if let Some((person, _)) = task.persons.first()
            && let Some(p) = self.pop.persons.get(*person as usize)
            && chance(rng, 0.6)
        {
            task.addresses.push(p.address);
        }
        let handlers = self.on_duty.control_at(self.day, opened);
        task.assigned.extend(pick(rng, &handlers).copied());
        let attenders = self.on_duty.attenders_at(self.day, area, opened);
        let mut officers = Vec::new();
        for _ in 0..rng.random_range(1..3) {
            if let Some(officer) = pick(rng, &attenders)
                && !officers.contains(officer)
            {
                officers.push(*officer);
            }
        }
        task.assigned.extend(officers.iter().copied());
        task.team = officers.first().and_then(|s| team_of(self.org, *s));
        let people = task.persons.clone();
        let incident_closed = task.closed.unwrap_or(opened);
        tasking.add(task);
        if chance(rng, kind.crime_chance) && !kind.crime.is_empty() {
            let crime_opened = (incident_closed + rng.random_range(0..2 * HOUR)).min(self.end);
            crime(
                rng,
                self.org,
                self.pools,
                tasking,
                kind,
                crime_opened,
                area,
                people,
                officers.first().copied(),
                Some((self.on_duty, self.day)),
            );
        }
    }

    fn stops(&self, rng: &mut SimRng, tasking: &mut Tasking) {
        for area in 0..self.org.areas.len() as u32 {
            let Some(list) = self
                .on_duty
                .attenders
                .get(self.day as usize)
                .and_then(|a| a.get(area as usize))
            else {
                continue;
            };
            for &(officer, shift) in list {
                let roads = self
                    .org
                    .staff
                    .get(officer as usize)
                    .is_some_and(|s| s.role == Role::RoadsPc);
                let count = if roads {
                    rng.random_range(0..4)
                } else {
                    usize::from(chance(rng, 0.3))
                };
                for _ in 0..count {
                    let span = (shift.end - shift.start - HOUR).max(HOUR);
                    let at = shift.start + HOUR / 2 + rng.random_range(0..span);
                    let vehicle_stop = roads || chance(rng, 0.4);
                    let category = if vehicle_stop {
                        "Vehicle stop"
                    } else if chance(rng, 0.3) {
                        "Stop and search"
                    } else {
                        "Stop and account"
                    };
                    let mut task = Task::new(TaskKind::Stop, category, at, area);
                    task.closed = Some(at + rng.random_range(10 * MINUTE..40 * MINUTE));
                    task.assigned.push(officer);
                    task.team = team_of(self.org, officer);
                    if vehicle_stop {
                        let vehicles = self
                            .pop
                            .area_vehicles
                            .get(area as usize)
                            .map_or(&[][..], |v| v);
                        if let Some(vehicle) = pick(rng, vehicles) {
                            task.vehicles.push(*vehicle);
                            if let Some(v) = self.pop.vehicles.get(*vehicle as usize) {
                                task.persons.push((v.keeper, Link::Subject));
                            }
                        }
                    } else if let Some(person) = self.pop.sample_public(rng, area) {
                        task.persons.push((person, Link::Subject));
                    }
                    tasking.add(task);
                }
            }
        }
    }
}

//! Choosing insiders and hard negatives, and planning the events of each scenario.

use std::collections::HashSet;

use chrono::Duration;
use rand::Rng;
use rand::seq::SliceRandom;

use super::act::Act;
use super::{Kind, Scenario};
use crate::activity::person_id;
use crate::clock::{HOUR, MINUTE, local_instant};
use crate::events::{SubjectRef, Timeline};
use crate::org::{Department, Role, System};
use crate::population::{Relation, Tie};
use crate::rng::{Purpose, SimRng, pick, stream};
use crate::roster::Shift;
use crate::watch::is_watched_staff;
use crate::world::World;

/// Sequence numbers of planned items start here, after any ordinary work.
const PLANNED_SEQ: u64 = 1 << 62;

/// What planning produced: the scenarios and their events.
pub(crate) struct Plan {
    pub scenarios: Vec<Scenario>,
    pub planned: Timeline,
}

/// Plans every scenario. Changes the world where a scenario needs it: leaving dates, overtime
/// shifts, tasking records, and relatives nobody declared.
pub(crate) fn plan(world: &mut World) -> Plan {
    let mut planner = Planner {
        rng: stream(world.config.seed, Purpose::Scenario, 0, 0),
        world,
        scenarios: Vec::new(),
        planned: Timeline::starting_at(PLANNED_SEQ),
        used: HashSet::new(),
        leavers: Vec::new(),
    };
    planner.insiders();
    planner.ordinary_leavers();
    planner.spikes();
    planner.hard_negatives();
    Plan {
        scenarios: planner.scenarios,
        planned: planner.planned,
    }
}

/// The insiders' personas: which misuse each commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    /// An officer looking up family, neighbours and others, on and off duty.
    Family,
    /// An officer looking up themself, their car, an undeclared relative and other areas.
    Snoop,
    /// An officer with an associate, curious about colleagues and restricted records.
    Curious,
    /// An officer who met a victim on duty, and browses.
    Predator,
    /// Someone leaving and taking data.
    Leaver,
    /// Police staff with no business in the records systems.
    Outsider,
}

const PERSONAS: [Persona; 6] = [
    Persona::Family,
    Persona::Snoop,
    Persona::Curious,
    Persona::Predator,
    Persona::Leaver,
    Persona::Outsider,
];

pub(super) const ATTENDING: &[Role] = &[
    Role::ResponsePc,
    Role::ResponseSergeant,
    Role::NeighbourhoodPc,
    Role::RoadsPc,
];

/// Reasons misusers give, when they give one.
const PRETEXTS: &[&str] = &["", "", "Enquiry", "Intel check", "Update", "Check"];

pub(super) struct Planner<'w> {
    pub(super) world: &'w mut World,
    pub(super) rng: SimRng,
    pub(super) scenarios: Vec<Scenario>,
    pub(super) planned: Timeline,
    /// Staff already given a part, so that scenarios do not overlap.
    pub(super) used: HashSet<u32>,
    /// Staff in their notice period who are not insiders.
    pub(super) leavers: Vec<u32>,
}

impl Planner<'_> {
    // ----- shared helpers -----

    pub(super) fn who(&self, staff: u32) -> String {
        match self.world.org.staff.get(staff as usize) {
            Some(m) => format!("{} {} ({})", m.info().code, m.full_name(), m.id),
            None => format!("staff #{staff}"),
        }
    }

    pub(super) fn person_name(&self, person: u32) -> String {
        match self.world.pop.persons.get(person as usize) {
            Some(p) => format!("{} {} ({})", p.forename, p.surname, person_id(person)),
            None => person_id(person),
        }
    }

    pub(super) fn new_scenario(
        &mut self,
        kind: Kind,
        variant: &'static str,
        staff: u32,
        expected: &[Kind],
        description: String,
    ) -> u32 {
        self.scenarios.push(Scenario {
            kind,
            variant,
            hard_negative: false,
            expected: expected.to_vec(),
            tempts: Vec::new(),
            group: None,
            staff,
            subjects: Vec::new(),
            description,
            events: Vec::new(),
            first: None,
            last: None,
        });
        (self.scenarios.len() - 1) as u32
    }

    pub(super) fn new_negative(
        &mut self,
        kind: Kind,
        variant: &'static str,
        staff: u32,
        description: String,
    ) -> u32 {
        let index = self.new_scenario(kind, variant, staff, &[], description);
        if let Some(scenario) = self.scenarios.last_mut() {
            scenario.hard_negative = true;
            scenario.tempts = vec![kind];
        }
        index
    }

    pub(super) fn add_subject(&mut self, scenario: u32, subject: SubjectRef) {
        if let Some(s) = self.scenarios.get_mut(scenario as usize)
            && !s.subjects.contains(&subject)
        {
            s.subjects.push(subject);
        }
    }

    pub(super) fn days(&self) -> u32 {
        self.world.config.days
    }

    /// The rostered working shift of a member of staff on a day.
    pub(super) fn shift_on(&self, staff: u32, day: u32) -> Option<Shift> {
        let roster = self.world.rosters.get(staff, day)?;
        if roster.duty.is_working() {
            roster.shift
        } else {
            None
        }
    }

    /// Working days of a member of staff from `from` on (all of them if none are that late).
    pub(super) fn working_days(&self, staff: u32, from: u32) -> Vec<u32> {
        let all: Vec<u32> = (0..self.days())
            .filter(|day| self.shift_on(staff, *day).is_some())
            .collect();
        let late: Vec<u32> = all.iter().copied().filter(|d| *d >= from).collect();
        if late.is_empty() { all } else { late }
    }

    pub(super) fn pick_day(&mut self, staff: u32, from: u32) -> Option<u32> {
        let days = self.working_days(staff, from);
        pick(&mut self.rng, &days).copied()
    }

    /// Up to `count` distinct working days from `from` on, in order.
    pub(super) fn pick_days(&mut self, staff: u32, from: u32, count: usize) -> Vec<u32> {
        let mut days = self.working_days(staff, from);
        days.shuffle(&mut self.rng);
        days.truncate(count);
        days.sort_unstable();
        days
    }

    /// A time in a shift with `room` seconds of work after it before the last half hour.
    pub(super) fn time_in(&mut self, shift: Shift, room: i64) -> i64 {
        let span = (shift.end - shift.start - HOUR - room).max(MINUTE);
        shift.start + HOUR / 2 + self.rng.random_range(0..span)
    }

    /// A member of the public in `area` linked to no tasking at all.
    pub(super) fn untasked_person(&mut self, area: u32) -> Option<u32> {
        let public = self.world.pop.area_public.get(area as usize)?;
        for _ in 0..200 {
            let person = *pick(&mut self.rng, public)?;
            if !self
                .world
                .tasking
                .linked
                .get(person as usize)
                .copied()
                .unwrap_or(true)
            {
                return Some(person);
            }
        }
        None
    }

    pub(super) fn untasked_people(&mut self, area: u32, count: usize) -> Vec<u32> {
        let mut people = Vec::new();
        for _ in 0..count * 3 {
            if people.len() >= count {
                break;
            }
            if let Some(person) = self.untasked_person(area)
                && !people.contains(&person)
            {
                people.push(person);
            }
        }
        people
    }

    /// Staff (shuffled) matching `eligible` and not yet given a part.
    pub(super) fn candidates(&mut self, eligible: impl Fn(&World, u32) -> bool) -> Vec<u32> {
        let mut list: Vec<u32> = (0..self.world.org.staff.len() as u32)
            .filter(|s| !self.used.contains(s) && eligible(self.world, *s))
            .collect();
        list.shuffle(&mut self.rng);
        list
    }

    /// One member of staff matching `eligible` and not yet given a part, found by walking the
    /// staff from a random place with a step that visits everyone.
    pub(super) fn take(&mut self, eligible: impl Fn(&World, u32) -> bool) -> Option<u32> {
        let count = self.world.org.staff.len() as u64;
        if count == 0 {
            return None;
        }
        let start = self.rng.random_range(0..count);
        let step = [7919u64, 7907, 7901, 1]
            .into_iter()
            .find(|step| gcd(*step, count) == 1)
            .unwrap_or(1);
        for k in 0..count {
            let staff = ((start + k * step) % count) as u32;
            if !self.used.contains(&staff) && eligible(self.world, staff) {
                self.used.insert(staff);
                return Some(staff);
            }
        }
        None
    }

    pub(super) fn area_of(&self, staff: u32) -> u32 {
        self.world
            .org
            .staff
            .get(staff as usize)
            .map_or(0, |m| m.area)
    }

    pub(super) fn pretext(&mut self) -> &'static str {
        pick(&mut self.rng, PRETEXTS).copied().unwrap_or("")
    }

    // ----- insiders -----

    fn insiders(&mut self) {
        let count = self.world.config.insider_count();
        for index in 0..count {
            let persona = PERSONAS[index % PERSONAS.len()];
            let round = index / PERSONAS.len();
            self.insider(persona, round);
        }
    }

    fn insider(&mut self, persona: Persona, round: usize) {
        let seed = self.world.config.seed;
        let staff = match persona {
            Persona::Family => {
                self.take(|w, s| has_role(w, s, ATTENDING) && declared(w, s, &FAMILY).is_some())
            }
            Persona::Snoop => self.take(|w, s| {
                has_role(w, s, ATTENDING)
                    && w.pop
                        .staff_vehicles
                        .get(s as usize)
                        .is_some_and(|v| !v.is_empty())
            }),
            Persona::Curious => self
                .take(|w, s| {
                    has_role(w, s, ATTENDING) && declared(w, s, &[Relation::Associate]).is_some()
                })
                .or_else(|| self.take(|w, s| has_role(w, s, ATTENDING))),
            Persona::Predator => self.take(|w, s| {
                has_role(
                    w,
                    s,
                    &[
                        Role::ResponsePc,
                        Role::ResponseSergeant,
                        Role::NeighbourhoodPc,
                    ],
                )
            }),
            Persona::Leaver => self.take(|w, s| {
                has_role(
                    w,
                    s,
                    &[
                        Role::Dc,
                        Role::InvestigationOfficer,
                        Role::Analyst,
                        Role::CaseFileOfficer,
                        Role::PpuDc,
                    ],
                )
            }),
            Persona::Outsider => self.take(|w, s| {
                has_role(
                    w,
                    s,
                    &[Role::HrAdvisor, Role::FinanceOfficer, Role::IctEngineer],
                ) && !is_watched_staff(seed, &w.org, s)
            }),
        };
        let Some(staff) = staff else {
            return;
        };
        match persona {
            Persona::Family => {
                self.relationship(staff, "relative");
                self.relationship(staff, "neighbour");
                self.no_purpose(staff);
                self.off_duty(staff);
            }
            Persona::Snoop => {
                self.relationship(staff, "self");
                self.relationship(staff, "own_vehicle");
                self.relationship(staff, "surname_area");
                self.out_of_area(staff);
                self.first_access(staff, "new_system");
            }
            Persona::Curious => {
                self.relationship(staff, "associate");
                self.relationship(staff, "colleague");
                let variant = ["protected_person", "da_victim", "staff_member"][round % 3];
                self.restricted(staff, variant);
                self.volume(staff);
            }
            Persona::Predator => {
                self.victim_contact(staff);
                self.false_reference(staff);
                self.bulk_search(staff);
                self.print_export(staff);
            }
            Persona::Leaver => {
                self.departing(staff);
                self.off_duty(staff);
            }
            Persona::Outsider => self.first_access(staff, "new_user"),
        }
    }

    // ----- ordinary leavers, celebrity spikes and hard negatives -----

    /// About one in a hundred staff are working their notice, doing nothing wrong.
    pub(super) fn ordinary_leavers(&mut self) {
        let count = (self.world.org.staff.len() / 100).max(3);
        let days = i64::from(self.days());
        for _ in 0..count {
            let Some(staff) = self.take(|w, s| w.org.staff[s as usize].notice.is_none()) else {
                break;
            };
            let offset = self.rng.random_range(-20..days.max(1));
            let notice = self.world.config.start + Duration::days(offset);
            let leaving = notice + Duration::days(self.rng.random_range(28..90));
            if let Some(member) = self.world.org.staff.get_mut(staff as usize) {
                member.notice = Some(notice);
                member.leaving = Some(leaving);
            }
            self.leavers.push(staff);
        }
    }

    pub(super) fn spikes(&mut self) {
        let staff_count = self.world.org.staff.len();
        let spikes = (staff_count / 4000).max(1);
        let size = (staff_count / 80).clamp(5, 12);
        let celebrities = self.world.pop.celebrities.clone();
        for spike in 0..spikes {
            let Some(&celebrity) = celebrities.get(spike % (celebrities.len() / 2).max(1)) else {
                return;
            };
            self.spike(spike, celebrity, size);
        }
    }

    pub(super) fn spike(&mut self, spike: usize, celebrity: u32, size: usize) {
        let days = self.days();
        let day = if days > 4 {
            self.rng.random_range(days / 4..days)
        } else {
            self.rng.random_range(0..days)
        };
        let date = self.world.rosters.date(day);
        let news = local_instant(date, self.rng.random_range(9..16), 0);
        let participants = self.candidates(|w, s| {
            let Some(member) = w.org.staff.get(s as usize) else {
                return false;
            };
            let Some(roster) = w.rosters.get(s, day) else {
                return false;
            };
            // Spike participants come from the roles whose ordinary work looks people up on
            // every system they hold: a first lookup by anyone else (a PCSO, professional
            // standards, a detective on PNC) would be a first-use finding of its own.
            use crate::org::Role;
            member.uses(System::Niche)
                && !matches!(
                    member.role,
                    Role::Pcso
                        | Role::PsdInvestigator
                        | Role::Dc
                        | Role::Ds
                        | Role::Di
                        | Role::PpuDc
                        | Role::Superintendent
                        | Role::DetentionOfficer
                )
                && roster.duty.is_working()
                && roster.shift.is_some_and(|shift| {
                    shift.start + HOUR <= news + 2 * HOUR && news + HOUR < shift.end - HOUR
                })
        });
        let chosen: Vec<u32> = participants.into_iter().take(size).collect();
        if chosen.len() < 3 {
            return;
        }
        let group = format!("G-{:03}", spike + 1);
        let name = self.person_name(celebrity);
        for staff in chosen {
            self.used.insert(staff);
            let Some(shift) = self.shift_on(staff, day) else {
                continue;
            };
            let earliest = (shift.start + HOUR / 2).max(news);
            let latest = (shift.end - HOUR / 2).min(news + 3 * HOUR);
            if latest <= earliest {
                continue;
            }
            let at = self.rng.random_range(earliest..latest);
            let description = format!(
                "{} opened the record of {name}, a celebrity in the news, with no tasking, along with other unrelated staff within three hours.",
                self.who(staff)
            );
            let tag = self.new_scenario(
                Kind::CelebritySpike,
                "news_story",
                staff,
                &[
                    Kind::CelebritySpike,
                    Kind::RestrictedRecord,
                    Kind::NoPurpose,
                ],
                description,
            );
            if let Some(s) = self.scenarios.get_mut(tag as usize) {
                s.group = Some(group.clone());
            }
            self.add_subject(tag, SubjectRef::Person(celebrity));
            let gap = self.rng.random_range(20..120);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.search_and_view(at, celebrity, gap, "");
        }
    }
}

pub(super) const FAMILY: [Relation; 6] = [
    Relation::Spouse,
    Relation::Partner,
    Relation::ExPartner,
    Relation::Parent,
    Relation::Child,
    Relation::Sibling,
];

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub(super) fn has_role(world: &World, staff: u32, roles: &[Role]) -> bool {
    world
        .org
        .staff
        .get(staff as usize)
        .is_some_and(|m| roles.contains(&m.role) && m.info().department != Department::Psd)
}

/// The first declared tie of one of the `relations`.
pub(super) fn declared(world: &World, staff: u32, relations: &[Relation]) -> Option<Tie> {
    world
        .pop
        .ties
        .get(staff as usize)?
        .iter()
        .find(|tie| tie.declared && relations.contains(&tie.relation))
        .copied()
}

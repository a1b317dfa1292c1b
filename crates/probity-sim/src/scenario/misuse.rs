//! The injected misuse, one method per kind.

use chrono::Duration;
use rand::Rng;
use rand::seq::SliceRandom;

use super::Kind;
use super::act::Act;
use super::plan::{FAMILY, Planner, declared};
use crate::activity::{person_id, reason_for};
use crate::clock::{DAY, HOUR, MINUTE, local_date, local_instant};
use crate::events::{
    Action, Attachment, Mail, Party, Place, Reference, Service, SubjectRef, WinKind,
};
use crate::mailgen;
use crate::names;
use crate::org::System;
use crate::population::{Origin, Relation, Tie};
use crate::rng::{chance, pick};
use crate::tasking::{Link, Sensitivity, Task, TaskKind};
use crate::watch::is_watched_staff;
use crate::world::World;

impl Planner<'_> {
    /// Lookups of a subject the user has a relationship with.
    pub(super) fn relationship(&mut self, staff: u32, variant: &'static str) {
        let Some((subject, what)) = self.relationship_target(staff, variant) else {
            return;
        };
        let from = self.days() / 3;
        let days = {
            let count = self.rng.random_range(1..4);
            self.pick_days(staff, from, count)
        };
        if days.is_empty() {
            return;
        }
        let description = format!(
            "{} looked up {what} on {} day(s) with no tasking that involves them.",
            self.who(staff),
            days.len()
        );
        let tag = self.new_scenario(
            Kind::Relationship,
            variant,
            staff,
            &[Kind::Relationship, Kind::NoPurpose],
            description,
        );
        self.add_subject(tag, subject);
        for day in days {
            let Some(shift) = self.shift_on(staff, day) else {
                continue;
            };
            let bursts = self.rng.random_range(1..3);
            for _ in 0..bursts {
                let at = self.time_in(shift, 10 * MINUTE);
                let gap = self.rng.random_range(30..200);
                let reason = self.pretext();
                let world: &World = self.world;
                let mut act = Act::at_desk(world, &mut self.planned, tag, staff, day);
                match subject {
                    SubjectRef::Person(person) => act.search_and_view(at, person, gap, reason),
                    other => {
                        let system = if world.org.staff[staff as usize].uses(System::Pnc) {
                            System::Pnc
                        } else {
                            System::Niche
                        };
                        act.lookup(at, system, Action::View, other, reason, Reference::None);
                    }
                }
            }
        }
    }

    pub(super) fn relationship_target(
        &mut self,
        staff: u32,
        variant: &str,
    ) -> Option<(SubjectRef, String)> {
        let world: &World = self.world;
        let member = world.org.staff.get(staff as usize)?;
        let pronoun = if member.female { "her" } else { "his" };
        match variant {
            "self" => Some((
                SubjectRef::Person(member.person),
                format!("{pronoun} own record ({})", person_id(member.person)),
            )),
            "relative" => {
                let tie = declared(world, staff, &[Relation::ExPartner])
                    .or_else(|| declared(world, staff, &FAMILY))?;
                Some((
                    SubjectRef::Person(tie.person),
                    format!(
                        "{pronoun} declared {} {}",
                        tie.relation.name(),
                        self.person_name(tie.person)
                    ),
                ))
            }
            "associate" => {
                let tie = declared(world, staff, &[Relation::Associate])?;
                Some((
                    SubjectRef::Person(tie.person),
                    format!(
                        "{pronoun} declared associate {}",
                        self.person_name(tie.person)
                    ),
                ))
            }
            "neighbour" => {
                let person = *world.pop.neighbours.get(staff as usize)?.first()?;
                Some((
                    SubjectRef::Person(person),
                    format!(
                        "{pronoun} neighbour {}, who lives two doors away",
                        self.person_name(person)
                    ),
                ))
            }
            "own_vehicle" => {
                let vehicle = *world.pop.staff_vehicles.get(staff as usize)?.first()?;
                let vrm = world.pop.vehicles.get(vehicle as usize)?.vrm.clone();
                Some((
                    SubjectRef::Vehicle(vehicle),
                    format!("{pronoun} own vehicle {vrm}"),
                ))
            }
            "colleague" => {
                let seed = world.config.seed;
                let team = world.org.teams.get(member.team as usize)?;
                let colleagues: Vec<u32> = team
                    .members
                    .iter()
                    .copied()
                    .filter(|c| *c != staff && !is_watched_staff(seed, &world.org, *c))
                    .collect();
                let colleague = *pick(&mut self.rng, &colleagues)?;
                let person = world.org.staff.get(colleague as usize)?.person;
                Some((
                    SubjectRef::Person(person),
                    format!(
                        "{pronoun} colleague {} in the same team",
                        self.person_name(person)
                    ),
                ))
            }
            "surname_area" => {
                let person = self.cousin(staff)?;
                Some((
                    SubjectRef::Person(person),
                    format!(
                        "{}, who shares {pronoun} surname and lives in {pronoun} area (an undeclared cousin)",
                        self.person_name(person)
                    ),
                ))
            }
            _ => None,
        }
    }

    /// Adds an undeclared cousin of a member of staff, living in their home area.
    pub(super) fn cousin(&mut self, staff: u32) -> Option<u32> {
        let (surname, home_person) = {
            let member = self.world.org.staff.get(staff as usize)?;
            (member.surname, member.person)
        };
        let area = self.world.pop.person_area(home_person);
        let female = chance(&mut self.rng, 0.5);
        let forename = names::forename(&mut self.rng, female);
        let age = self.rng.random_range(18 * 365..70 * 365);
        let born = self.world.config.start - Duration::days(age);
        let origin = Origin::Relative(staff);
        let person =
            self.world
                .pop
                .add_person(&mut self.rng, forename, surname, female, area, born, origin);
        if let Some(ties) = self.world.pop.ties.get_mut(staff as usize) {
            ties.push(Tie {
                person,
                relation: Relation::Cousin,
                declared: false,
            });
        }
        if let Some(flag) = self.world.tasking.linked.get_mut(person as usize) {
            *flag = false;
        } else {
            self.world.tasking.linked.resize(person as usize + 1, false);
        }
        Some(person)
    }

    /// Lookups of members of the public nobody is tasked with.
    pub(super) fn no_purpose(&mut self, staff: u32) {
        let area = self.area_of(staff);
        let count = self.rng.random_range(2..5);
        let people = self.untasked_people(area, count);
        let from = self.days() / 3;
        let days = {
            let count = self.rng.random_range(1..3);
            self.pick_days(staff, from, count)
        };
        if people.is_empty() || days.is_empty() {
            return;
        }
        let names: Vec<String> = people.iter().map(|p| self.person_name(*p)).collect();
        let description = format!(
            "{} looked up {} with no incident, crime or tasking that involves them: {}.",
            self.who(staff),
            if people.len() == 1 {
                "a member of the public"
            } else {
                "members of the public"
            },
            names.join(", ")
        );
        let tag = self.new_scenario(
            Kind::NoPurpose,
            "no_link",
            staff,
            &[Kind::NoPurpose],
            description,
        );
        for (index, person) in people.iter().enumerate() {
            self.add_subject(tag, SubjectRef::Person(*person));
            let day = days[index % days.len()];
            let Some(shift) = self.shift_on(staff, day) else {
                continue;
            };
            let at = self.time_in(shift, 10 * MINUTE);
            let gap = self.rng.random_range(30..200);
            let reason = self.pretext();
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.search_and_view(at, *person, gap, reason);
        }
    }

    /// Lookups stating a reference that does not exist, or a real one that does not involve the
    /// subject.
    pub(super) fn false_reference(&mut self, staff: u32) {
        let area = self.area_of(staff);
        let people = self.untasked_people(area, 3);
        let from = self.days() / 3;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        if people.len() < 2 {
            return;
        }
        let own_incident = self
            .world
            .tasking
            .by_staff
            .get(staff as usize)
            .and_then(|list| {
                list.iter().copied().find(|index| {
                    self.world
                        .tasking
                        .tasks
                        .get(*index as usize)
                        .is_some_and(|t| t.kind == TaskKind::Incident)
                })
            });
        let at = self.time_in(shift, HOUR);
        let missing = Reference::Missing {
            kind: TaskKind::Incident,
            salt: self.rng.random_range(0..50),
        };
        let description = format!(
            "{} looked up people nobody is tasked with, stating an incident reference that does not exist{}.",
            self.who(staff),
            if own_incident.is_some() {
                " and a real incident of theirs that does not involve them"
            } else {
                ""
            }
        );
        let tag = self.new_scenario(
            Kind::NoPurpose,
            "false_reference",
            staff,
            &[Kind::NoPurpose],
            description,
        );
        let mut at = at;
        for (index, person) in people.iter().enumerate() {
            self.add_subject(tag, SubjectRef::Person(*person));
            let reference = match (index, own_incident) {
                (1, Some(task)) => Reference::Task(task),
                _ => missing.clone(),
            };
            let gap = self.rng.random_range(30..200);
            let subject = SubjectRef::Person(*person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                System::Niche,
                Action::Search,
                subject,
                "Incident",
                reference.clone(),
            );
            act.lookup(
                at + gap,
                System::Niche,
                Action::View,
                subject,
                "Incident",
                reference,
            );
            at += self.rng.random_range(5 * MINUTE..20 * MINUTE);
        }
    }

    /// A restricted record opened by someone not authorised to.
    pub(super) fn restricted(&mut self, staff: u32, variant: &'static str) {
        let Some(person) = self.restricted_target(staff, variant) else {
            return;
        };
        let from = self.days() / 3;
        let days = {
            let count = self.rng.random_range(1..3);
            self.pick_days(staff, from, count)
        };
        if days.is_empty() {
            return;
        }
        let label = match variant {
            "protected_person" => "a protected person",
            "da_victim" => "a victim of domestic abuse",
            _ => "a member of staff in a sensitive post",
        };
        let description = format!(
            "{} opened the restricted record of {label}, {}, without authorisation or tasking.",
            self.who(staff),
            self.person_name(person)
        );
        let tag = self.new_scenario(
            Kind::RestrictedRecord,
            variant,
            staff,
            &[Kind::RestrictedRecord, Kind::NoPurpose],
            description,
        );
        self.add_subject(tag, SubjectRef::Person(person));
        for day in days {
            let Some(shift) = self.shift_on(staff, day) else {
                continue;
            };
            for _ in 0..self.rng.random_range(1..3) {
                let at = self.time_in(shift, 10 * MINUTE);
                let gap = self.rng.random_range(30..200);
                let reason = self.pretext();
                let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
                act.search_and_view(at, person, gap, reason);
            }
        }
    }

    pub(super) fn restricted_target(&mut self, staff: u32, variant: &str) -> Option<u32> {
        let world: &World = self.world;
        match variant {
            "protected_person" => {
                let list = &world.pop.protected;
                let offset = self.rng.random_range(0..list.len().max(1));
                list.get(offset).copied()
            }
            "staff_member" => {
                let seed = world.config.seed;
                let watched: Vec<u32> = (0..world.org.staff.len() as u32)
                    .filter(|s| *s != staff && is_watched_staff(seed, &world.org, *s))
                    .collect();
                let other = *pick(&mut self.rng, &watched)?;
                world.org.staff.get(other as usize).map(|m| m.person)
            }
            _ => {
                let tasks = &world.tasking.tasks;
                if tasks.is_empty() {
                    return None;
                }
                let start = self.rng.random_range(0..tasks.len());
                for offset in 0..tasks.len() {
                    let task = &tasks[(start + offset) % tasks.len()];
                    if task.sensitivity != Sensitivity::Domestic {
                        continue;
                    }
                    let Some((victim, _)) =
                        task.persons.iter().find(|(_, link)| *link == Link::Victim)
                    else {
                        continue;
                    };
                    let involved = tasks
                        .iter()
                        .any(|t| t.links_person(*victim) && t.assigned.contains(&staff));
                    if !involved {
                        return Some(*victim);
                    }
                }
                None
            }
        }
    }

    /// Lookups from home or the station on a rest day, far from any shift.
    pub(super) fn off_duty(&mut self, staff: u32) {
        let Some((day, at)) = self.off_duty_time(staff) else {
            return;
        };
        let area = self.area_of(staff);
        let count = self.rng.random_range(3..7);
        let people = self.untasked_people(area, count);
        if people.is_empty() {
            return;
        }
        let laptop = self.world.org.staff[staff as usize].laptop;
        let home_ip = self.world.home_ip(staff);
        let (how, variant) = if laptop.is_some() {
            ("from home over the VPN", "from_home_vpn")
        } else {
            ("at a station terminal", "station_terminal")
        };
        let description = format!(
            "{} looked up {} people {how} on a rest day, hours away from any rostered or overtime shift, with no tasking.",
            self.who(staff),
            people.len()
        );
        let tag = self.new_scenario(
            Kind::OffDuty,
            variant,
            staff,
            &[Kind::OffDuty, Kind::NoPurpose],
            description,
        );
        for person in &people {
            self.add_subject(tag, SubjectRef::Person(*person));
        }
        let world: &World = self.world;
        let session = world.session(staff, day, 2);
        let mut act = Act::at_desk(world, &mut self.planned, tag, staff, day);
        act.session = session;
        act.tag_access = true;
        match laptop {
            Some(laptop) => {
                act.place = Place {
                    host: laptop,
                    ip: world.vpn_ip(staff),
                };
                act.sign_in(at - 4 * MINUTE, Service::Vpn, Some(home_ip));
            }
            None => act.sign_in(at - 4 * MINUTE, Service::Desktop, None),
        }
        act.win(at - 3 * MINUTE, WinKind::Logon { logon_type: 2 });
        let mut now = at;
        for (index, person) in people.iter().enumerate() {
            let gap = 40 + index as i64 * 17;
            act.search_and_view(now, *person, gap, "");
            now += gap + 3 * MINUTE + index as i64 * 91;
        }
        act.win(now + 5 * MINUTE, WinKind::Logoff);
    }

    /// A day without a shift and a late-evening time at least four hours from any duty.
    pub(super) fn off_duty_time(&mut self, staff: u32) -> Option<(u32, i64)> {
        let from = self.days() / 3;
        let mut days: Vec<u32> = (0..self.days()).collect();
        days.sort_by_key(|d| (*d < from, *d));
        let mut options = Vec::new();
        for day in days {
            let Some(roster) = self.world.rosters.get(staff, day) else {
                continue;
            };
            if roster.duty.is_working() || roster.overtime.is_some() {
                continue;
            }
            let date = self.world.rosters.date(day);
            let at = local_instant(date, 21, 0) + self.rng.random_range(0..150 * MINUTE);
            let near = |t: i64| self.world.rosters.distance_to_duty(staff, t, day);
            if near(at - HOUR) >= 4 * HOUR && near(at + 2 * HOUR) >= 4 * HOUR {
                options.push((day, at));
            }
            if options.len() >= 4 {
                break;
            }
        }
        pick(&mut self.rng, &options).copied()
    }

    /// Views of people linked to another area's incidents, stating those incidents.
    pub(super) fn out_of_area(&mut self, staff: u32) {
        let areas = self.world.org.areas.len() as u32;
        if areas < 2 {
            return;
        }
        let own = self.area_of(staff);
        let other = (own + 1 + self.rng.random_range(0..areas - 1)) % areas;
        let from = self.days() / 3;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let team = self.world.org.staff[staff as usize].team;
        let chosen: Vec<u32> = {
            let tasks = &self.world.tasking.tasks;
            let mut found: Vec<u32> = tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    t.kind == TaskKind::Incident
                        && t.area == other
                        && t.sensitivity == Sensitivity::Ordinary
                        && !t.persons.is_empty()
                        && !t.assigned.contains(&staff)
                        && t.team != Some(team)
                        && (shift.start - 2 * DAY..shift.end).contains(&t.opened)
                })
                .map(|(i, _)| i as u32)
                .collect();
            found.shuffle(&mut self.rng);
            found.truncate(self.rng.random_range(2..5));
            found
        };
        if chosen.is_empty() {
            return;
        }
        let area_name = self
            .world
            .org
            .areas
            .get(other as usize)
            .map_or("", |a| a.name);
        let description = format!(
            "{} viewed people linked to {} incident(s) in the {area_name} area, which they and their team had no part in, citing those incidents.",
            self.who(staff),
            chosen.len()
        );
        let tag = self.new_scenario(
            Kind::OutOfArea,
            "other_area_incidents",
            staff,
            &[Kind::OutOfArea, Kind::NoPurpose],
            description,
        );
        let mut at = self.time_in(shift, HOUR);
        for index in chosen {
            let Some(task) = self.world.tasking.tasks.get(index as usize) else {
                continue;
            };
            let reason = reason_for(task);
            let people: Vec<u32> = task.persons.iter().take(2).map(|(p, _)| *p).collect();
            for person in people {
                self.add_subject(tag, SubjectRef::Person(person));
                let subject = SubjectRef::Person(person);
                let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
                act.lookup(
                    at,
                    System::Niche,
                    Action::View,
                    subject,
                    reason,
                    Reference::Task(index),
                );
                at += self.rng.random_range(60..400);
            }
        }
    }

    /// First-ever use of a records system: by someone whose job never needs one, or of a system
    /// the user's role does not use.
    pub(super) fn first_access(&mut self, staff: u32, variant: &'static str) {
        let system = if variant == "new_user" {
            System::Niche
        } else {
            System::Pnd
        };
        let from = self.days() / 3;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let count = self.rng.random_range(2..5);
        let people = self.untasked_people(area, count);
        if people.is_empty() {
            return;
        }
        let description = format!(
            "{} used {} for the first time (their role does not use it) to look up {} people with no tasking.",
            self.who(staff),
            system.code(),
            people.len()
        );
        let tag = self.new_scenario(
            Kind::FirstSystemAccess,
            variant,
            staff,
            &[Kind::FirstSystemAccess, Kind::NoPurpose],
            description,
        );
        let mut at = self.time_in(shift, HOUR);
        let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
        act.tag_access = true;
        for person in &people {
            let subject = SubjectRef::Person(*person);
            act.lookup(at, system, Action::Search, subject, "", Reference::None);
            if system == System::Niche {
                act.lookup(at + 75, system, Action::View, subject, "", Reference::None);
            }
            at += 4 * MINUTE + i64::from(*person % 300);
        }
        for person in people {
            self.add_subject(tag, SubjectRef::Person(person));
        }
    }

    /// A day of lookups far above the user's usual number, of records they have no part in.
    pub(super) fn volume(&mut self, staff: u32) {
        let from = self.days() / 2;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let team = self.world.org.staff[staff as usize].team;
        let mut pool: Vec<u32> = Vec::new();
        for task in &self.world.tasking.tasks {
            let usable = task.area == area
                && task.sensitivity == Sensitivity::Ordinary
                && !task.assigned.contains(&staff)
                && task.team != Some(team)
                && task.opened < shift.end
                && task.opened > shift.start - 10 * DAY;
            if usable {
                pool.extend(task.persons.iter().map(|(p, _)| *p));
            }
        }
        pool.sort_unstable();
        pool.dedup();
        pool.retain(|p| {
            !self
                .world
                .tasking
                .justified(&self.world.org, staff, *p, shift.start, 3 * DAY)
        });
        pool.shuffle(&mut self.rng);
        pool.truncate(self.rng.random_range(60..120));
        if pool.len() < 30 {
            return;
        }
        let description = format!(
            "{} viewed {} records in one shift, many times their usual number, none of them linked to their own or their team's tasking.",
            self.who(staff),
            pool.len()
        );
        let tag = self.new_scenario(
            Kind::Volume,
            "above_baseline",
            staff,
            &[Kind::Volume, Kind::NoPurpose],
            description,
        );
        let span = (shift.end - shift.start - 2 * HOUR).max(HOUR);
        let mut times: Vec<i64> = (0..pool.len())
            .map(|_| shift.start + HOUR + self.rng.random_range(0..span))
            .collect();
        times.sort_unstable();
        for (person, at) in pool.iter().zip(times) {
            self.add_subject(tag, SubjectRef::Person(*person));
            let reason = self.pretext();
            let subject = SubjectRef::Person(*person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                System::Niche,
                Action::View,
                subject,
                reason,
                Reference::None,
            );
        }
    }

    /// Searches of everyone living along a street, one after another.
    pub(super) fn bulk_search(&mut self, staff: u32) {
        let from = self.days() / 3;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let wanted = self.rng.random_range(40..90);
        let mut people = Vec::new();
        let streets = self
            .world
            .pop
            .area_streets
            .get(area as usize)
            .cloned()
            .unwrap_or_default();
        let start = self.rng.random_range(0..streets.len().max(1));
        let mut street_names = Vec::new();
        for offset in 0..streets.len() {
            let street = streets[(start + offset) % streets.len()];
            let Some(s) = self.world.pop.streets.get(street as usize) else {
                continue;
            };
            street_names.push(format!("{}, {}", s.name, s.town));
            for address in &s.addresses {
                if let Some(a) = self.world.pop.addresses.get(*address as usize) {
                    people.extend(a.residents.iter().copied().filter(|p| {
                        matches!(
                            self.world.pop.persons.get(*p as usize).map(|x| x.origin),
                            Some(Origin::Public)
                        )
                    }));
                }
            }
            if people.len() >= wanted {
                break;
            }
        }
        people.truncate(wanted);
        if people.len() < 20 {
            return;
        }
        let description = format!(
            "{} searched {} residents of {} one after another in under an hour, with no tasking.",
            self.who(staff),
            people.len(),
            street_names.first().map_or("one street", |s| s.as_str())
        );
        let tag = self.new_scenario(
            Kind::BulkSearch,
            "street_trawl",
            staff,
            &[Kind::BulkSearch, Kind::Volume, Kind::NoPurpose],
            description,
        );
        let mut at = self.time_in(shift, HOUR);
        for person in people {
            self.add_subject(tag, SubjectRef::Person(person));
            let subject = SubjectRef::Person(person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                System::Niche,
                Action::Search,
                subject,
                "Enquiry",
                Reference::None,
            );
            at += self.rng.random_range(15..60);
        }
    }

    /// Records printed and exported with no tasking.
    pub(super) fn print_export(&mut self, staff: u32) {
        let from = self.days() / 3;
        let Some(day) = self.pick_day(staff, from) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let count = self.rng.random_range(6..13);
        let people = self.untasked_people(area, count);
        if people.len() < 3 {
            return;
        }
        let description = format!(
            "{} viewed and then printed or exported the records of {} people nobody is tasked with.",
            self.who(staff),
            people.len()
        );
        let tag = self.new_scenario(
            Kind::PrintExport,
            "untasked",
            staff,
            &[Kind::PrintExport, Kind::NoPurpose],
            description,
        );
        let mut at = self.time_in(shift, HOUR);
        for person in people {
            self.add_subject(tag, SubjectRef::Person(person));
            let subject = SubjectRef::Person(person);
            let action = if chance(&mut self.rng, 0.5) {
                Action::Print
            } else {
                Action::Export
            };
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                System::Niche,
                Action::View,
                subject,
                "",
                Reference::None,
            );
            act.lookup(at + 90, System::Niche, action, subject, "", Reference::None);
            at += self.rng.random_range(3 * MINUTE..9 * MINUTE);
        }
    }

    /// An officer attends a domestic incident, later keeps opening the victim's record, then
    /// writes to the victim from work.
    pub(super) fn victim_contact(&mut self, staff: u32) {
        let days = self.days();
        let first_days = self.working_days(staff, 0);
        let Some(&meet_day) = first_days.iter().find(|d| **d < days / 3 + 1) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, meet_day) else {
            return;
        };
        let area = self.area_of(staff);
        let Some(victim) = self.new_victim(area) else {
            return;
        };
        let suspect = self.untasked_person(area);
        let opened = self.time_in(shift, 3 * HOUR);
        let closed = opened + 3 * HOUR;
        let mut task = Task::new(TaskKind::Incident, "Domestic incident", opened, area);
        task.sensitivity = Sensitivity::Domestic;
        task.closed = Some(closed);
        task.assigned.push(staff);
        task.team = self.world.org.staff.get(staff as usize).map(|m| m.team);
        task.persons.push((victim, Link::Victim));
        if let Some(suspect) = suspect {
            task.persons.push((suspect, Link::Suspect));
        }
        if let Some(p) = self.world.pop.persons.get(victim as usize) {
            task.addresses.push(p.address);
        }
        self.world.tasking.add(task);
        let later: Vec<u32> = self
            .working_days(staff, 0)
            .into_iter()
            .filter(|d| {
                self.shift_on(staff, *d)
                    .is_some_and(|s| s.start > closed + 4 * DAY)
            })
            .collect();
        if later.len() < 2 {
            return;
        }
        let view_days: Vec<u32> = later.iter().take(4).copied().collect();
        let description = format!(
            "{} attended a domestic incident with victim {}, then kept opening her record on {} later days with no tasking, and emailed her personal address from work.",
            self.who(staff),
            self.person_name(victim),
            view_days.len()
        );
        let tag = self.new_scenario(
            Kind::VictimContact,
            "domestic_victim",
            staff,
            &[Kind::VictimContact, Kind::NoPurpose],
            description,
        );
        self.add_subject(tag, SubjectRef::Person(victim));
        let mut last = None;
        for day in &view_days {
            let Some(shift) = self.shift_on(staff, *day) else {
                continue;
            };
            let at = self.time_in(shift, 2 * HOUR);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, *day);
            act.lookup(
                at,
                System::Niche,
                Action::View,
                SubjectRef::Person(victim),
                "",
                Reference::None,
            );
            if chance(&mut self.rng, 0.5) {
                let again = at + self.rng.random_range(20 * MINUTE..90 * MINUTE);
                act.lookup(
                    again,
                    System::Niche,
                    Action::View,
                    SubjectRef::Person(victim),
                    "",
                    Reference::None,
                );
            }
            last = Some((*day, at));
        }
        let Some((day, at)) = last else {
            return;
        };
        let Some(mail) = self.victim_mail(staff, victim) else {
            return;
        };
        let send = at + self.rng.random_range(HOUR..2 * HOUR);
        let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
        act.mail(send, mail);
    }

    /// A woman in `area` with a personal email address who has never come to police notice.
    pub(super) fn new_victim(&mut self, area: u32) -> Option<u32> {
        for _ in 0..400 {
            let person = self.untasked_person(area)?;
            let Some(p) = self.world.pop.persons.get(person as usize) else {
                continue;
            };
            if p.female && p.email.is_some() {
                return Some(person);
            }
        }
        None
    }

    pub(super) fn victim_mail(&mut self, staff: u32, victim: u32) -> Option<Mail> {
        let member = self.world.org.staff.get(staff as usize)?;
        let person = self.world.pop.persons.get(victim as usize)?;
        let address = person.email.clone()?;
        let body = format!(
            "Hi {},\n\nIt's {} - I came out to you the other night. Just wanted to check you're OK. \
             You can text me on my own number {} any time, day or night, if you want to talk.\n\n{}\n",
            person.forename, member.forename, member.mobile, member.forename
        );
        Some(Mail {
            staff,
            from: mailgen::party(member),
            to: vec![Party {
                name: format!("{} {}", person.forename, person.surname),
                address,
            }],
            cc: Vec::new(),
            subject: "Checking you're ok".to_owned(),
            body,
            attachments: Vec::new(),
        })
    }

    /// Someone in their notice period takes data by export, print, USB and personal email.
    pub(super) fn departing(&mut self, staff: u32) {
        let days = self.days();
        let exfil_days = self.pick_days(staff, days / 4, 4);
        if exfil_days.is_empty() {
            return;
        }
        let first = self.world.rosters.date(exfil_days[0]);
        let notice = first - Duration::days(self.rng.random_range(2..15));
        let leaving = notice + Duration::days(28 + self.rng.random_range(0..30));
        if let Some(member) = self.world.org.staff.get_mut(staff as usize) {
            member.notice = Some(notice);
            member.leaving = Some(leaving);
        }
        let subjects = self.own_subjects(staff);
        let variants = ["export", "print", "usb", "personal_email"];
        for (index, variant) in variants.iter().enumerate() {
            let day = exfil_days[index % exfil_days.len()];
            match *variant {
                "export" => self.depart_export(staff, day, &subjects, notice, leaving),
                "print" => self.depart_print(staff, day, &subjects, notice, leaving),
                "usb" => self.depart_usb(staff, day, notice, leaving),
                _ => self.depart_mail(staff, day, &subjects, notice, leaving),
            }
        }
    }

    /// People linked to the records a member of staff or their team works, with the record.
    pub(super) fn own_subjects(&self, staff: u32) -> Vec<(u32, u32)> {
        let tasking = &self.world.tasking;
        let team = self.world.org.staff.get(staff as usize).map(|m| m.team);
        let own = tasking.by_staff.get(staff as usize).into_iter().flatten();
        let team_tasks = team
            .and_then(|t| tasking.by_team.get(t as usize))
            .into_iter()
            .flatten();
        let mut out: Vec<(u32, u32)> = Vec::new();
        let pop = &self.world.pop;
        // Victims of domestic and sexual offences are on the watch list, open only to the staff
        // assigned to a record that involves them.
        let mut sensitive: std::collections::HashMap<u32, bool> = std::collections::HashMap::new();
        for task in &tasking.tasks {
            for (person, link) in &task.persons {
                if *link == Link::Victim && task.sensitivity != Sensitivity::Ordinary {
                    sensitive.entry(*person).or_insert(false);
                }
            }
        }
        for task in &tasking.tasks {
            if task.assigned.contains(&staff) {
                for (person, _) in &task.persons {
                    sensitive.entry(*person).and_modify(|a| *a = true);
                }
            }
        }
        for index in own.chain(team_tasks) {
            let Some(task) = tasking.tasks.get(*index as usize) else {
                continue;
            };
            let assigned = task.assigned.contains(&staff);
            for (person, _) in &task.persons {
                // Records on the watch list that only assignment authorises stay out of what a
                // leaver takes from their team's work: those would be restricted-record misuse.
                let restricted = sensitive.get(person) == Some(&false)
                    || !assigned
                        && (pop.celebrities.contains(person) || pop.protected.contains(person));
                if !restricted && !out.iter().any(|(p, _)| p == person) {
                    out.push((*person, *index));
                }
            }
        }
        out
    }

    /// Whether a tasking record is live at `at` by the documented purpose window (48 hours either
    /// side of its life): a lookup outside it has no purpose.
    pub(super) fn task_live_at(&self, task: u32, at: i64) -> bool {
        const WINDOW: i64 = 48 * HOUR;
        self.world
            .tasking
            .tasks
            .get(task as usize)
            .is_some_and(|t| t.opened - WINDOW <= at && t.closed.is_none_or(|c| at <= c + WINDOW))
    }

    pub(super) fn notice_text(
        &self,
        staff: u32,
        notice: chrono::NaiveDate,
        leaving: chrono::NaiveDate,
    ) -> String {
        format!(
            "{}, in the notice period (notice given {notice}, leaving {leaving}),",
            self.who(staff)
        )
    }

    pub(super) fn depart_export(
        &mut self,
        staff: u32,
        day: u32,
        subjects: &[(u32, u32)],
        notice: chrono::NaiveDate,
        leaving: chrono::NaiveDate,
    ) {
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let wanted = self.rng.random_range(30..80);
        let mut chosen: Vec<(u32, Option<u32>)> = subjects
            .iter()
            .take(wanted)
            .map(|(p, t)| (*p, Some(*t)))
            .collect();
        let area = self.area_of(staff);
        let mut untasked = false;
        if chosen.len() < wanted {
            let extra = self.untasked_people(area, wanted - chosen.len());
            untasked = !extra.is_empty();
            chosen.extend(extra.into_iter().map(|p| (p, None)));
        }
        let start = self.time_in(shift, HOUR);
        untasked |= chosen
            .iter()
            .any(|(_, task)| task.is_none_or(|t| !self.task_live_at(t, start)));
        let mut expected = vec![Kind::Departing, Kind::PrintExport, Kind::Volume];
        if untasked {
            expected.push(Kind::NoPurpose);
        }
        let description = format!(
            "{} exported {} records in one sitting.",
            self.notice_text(staff, notice, leaving),
            chosen.len()
        );
        let tag = self.new_scenario(Kind::Departing, "export", staff, &expected, description);
        let mut at = start;
        for (person, task) in chosen {
            self.add_subject(tag, SubjectRef::Person(person));
            let reference = task.map_or(Reference::None, Reference::Task);
            let subject = SubjectRef::Person(person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(at, System::Niche, Action::Export, subject, "", reference);
            at += self.rng.random_range(20..70);
        }
    }

    pub(super) fn depart_print(
        &mut self,
        staff: u32,
        day: u32,
        subjects: &[(u32, u32)],
        notice: chrono::NaiveDate,
        leaving: chrono::NaiveDate,
    ) {
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let wanted = self.rng.random_range(10..25);
        let mut chosen: Vec<(u32, Option<u32>)> = subjects
            .iter()
            .rev()
            .take(wanted)
            .map(|(p, t)| (*p, Some(*t)))
            .collect();
        if chosen.len() < wanted {
            let area = self.area_of(staff);
            let extra = self.untasked_people(area, wanted - chosen.len());
            chosen.extend(extra.into_iter().map(|p| (p, None)));
        }
        let description = format!(
            "{} printed {} records in one sitting.",
            self.notice_text(staff, notice, leaving),
            chosen.len()
        );
        let start = self.time_in(shift, HOUR);
        let mut expected = vec![Kind::Departing, Kind::PrintExport];
        if chosen
            .iter()
            .any(|(_, task)| task.is_none_or(|t| !self.task_live_at(t, start)))
        {
            expected.push(Kind::NoPurpose);
        }
        let tag = self.new_scenario(Kind::Departing, "print", staff, &expected, description);
        let mut at = start;
        for (person, task) in chosen {
            self.add_subject(tag, SubjectRef::Person(person));
            let reference = task.map_or(Reference::None, Reference::Task);
            let subject = SubjectRef::Person(person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(at, System::Niche, Action::Print, subject, "", reference);
            at += self.rng.random_range(40..150);
        }
    }

    pub(super) fn depart_usb(
        &mut self,
        staff: u32,
        day: u32,
        notice: chrono::NaiveDate,
        leaving: chrono::NaiveDate,
    ) {
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let files = self.rng.random_range(40..150);
        let description = format!(
            "{} plugged in a USB storage device and copied {files} files to it.",
            self.notice_text(staff, notice, leaving)
        );
        let tag = self.new_scenario(
            Kind::Departing,
            "usb",
            staff,
            &[Kind::Departing],
            description,
        );
        let references: Vec<String> = self
            .world
            .tasking
            .by_staff
            .get(staff as usize)
            .into_iter()
            .flatten()
            .filter_map(|i| self.world.tasking.tasks.get(*i as usize))
            .map(|t| {
                format!(
                    "{}_{}",
                    t.category.replace([' ', '-'], "_"),
                    local_date(t.opened).format("%Y%m%d")
                )
            })
            .take(30)
            .collect();
        let mut at = self.time_in(shift, HOUR);
        let device = self.rng.random_range(0..3u8);
        let mut paths = Vec::new();
        for n in 0..files {
            let folder = references
                .get(n % references.len().max(1))
                .cloned()
                .unwrap_or_else(|| "Intel".to_owned());
            let (stem, extension) = match n % 5 {
                0 => ("statement", "docx"),
                1 => ("MG11", "pdf"),
                2 => ("nominals", "xlsx"),
                3 => ("briefing", "pptx"),
                _ => ("photo", "jpg"),
            };
            paths.push(format!("E:\\Backup\\{folder}\\{stem}_{n:03}.{extension}"));
        }
        let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
        act.win(at, WinKind::Usb { device });
        for path in paths {
            at += 3 + (path.len() as i64 % 9);
            act.win(at, WinKind::FileWrite { path });
        }
    }

    pub(super) fn depart_mail(
        &mut self,
        staff: u32,
        day: u32,
        subjects: &[(u32, u32)],
        notice: chrono::NaiveDate,
        leaving: chrono::NaiveDate,
    ) {
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let count = self.rng.random_range(2..5);
        let description = format!(
            "{} sent {count} emails with attached exports of records to their own personal webmail address.",
            self.notice_text(staff, notice, leaving)
        );
        let tag = self.new_scenario(
            Kind::Departing,
            "personal_email",
            staff,
            &[Kind::Departing],
            description,
        );
        let mut at = self.time_in(shift, 2 * HOUR);
        for n in 0..count {
            let rows: Vec<u32> = subjects
                .iter()
                .skip(n * 25)
                .take(25)
                .map(|(p, _)| *p)
                .collect();
            let Some(mail) = self.exfil_mail(staff, n, &rows) else {
                continue;
            };
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.mail(at, mail);
            at += self.rng.random_range(5 * MINUTE..30 * MINUTE);
        }
    }

    pub(super) fn exfil_mail(&mut self, staff: u32, n: usize, rows: &[u32]) -> Option<Mail> {
        let member = self.world.org.staff.get(staff as usize)?;
        let mut csv = String::from("Name,Date of birth,Address,Postcode,Phone\n");
        for person in rows {
            let Some(p) = self.world.pop.persons.get(*person as usize) else {
                continue;
            };
            let address = self.world.pop.address_line(p.address);
            let postcode = self
                .world
                .pop
                .addresses
                .get(p.address as usize)
                .map_or("", |a| a.postcode.as_str());
            csv.push_str(&format!(
                "\"{}\",{},\"{address}\",{postcode},{}\n",
                p.held.display,
                p.date_of_birth,
                p.phone.as_deref().unwrap_or("")
            ));
        }
        let subjects = ["stuff", "for later", "contacts", "bits and pieces"];
        let subject = subjects[n % subjects.len()];
        let marking = if n.is_multiple_of(2) {
            "OFFICIAL-SENSITIVE\n\n"
        } else {
            ""
        };
        Some(Mail {
            staff,
            from: mailgen::party(member),
            to: vec![Party {
                name: member.full_name(),
                address: member.personal_email.clone(),
            }],
            cc: Vec::new(),
            subject: subject.to_owned(),
            body: format!("{marking}\n"),
            attachments: vec![Attachment {
                name: format!("export_{}.csv", n + 1),
                mime: "text/csv",
                data: csv.into_bytes(),
            }],
        })
    }
}

//! Hard negatives: work that looks like misuse and is not.

use rand::Rng;

use super::Kind;
use super::act::Act;
use super::plan::{ATTENDING, FAMILY, Planner, declared, has_role};
use crate::clock::{HOUR, MINUTE, local_instant};
use crate::events::{Action, Mail, Reference, SubjectRef};
use crate::mailgen;
use crate::org::{Role, System};
use crate::rng::{chance, pick};
use crate::roster::Shift;
use crate::tasking::{Link, Task, TaskKind, TruthTag};
use crate::world::World;

impl Planner<'_> {
    pub(super) fn hard_negatives(&mut self) {
        let count = (self.world.org.staff.len() / 500).max(1);
        for round in 0..count {
            self.tasked_relative();
            self.overtime_access();
            self.analyst_bulk();
            self.authorised_celebrity(round);
            self.mutual_aid();
            self.leaver_handover();
            self.informal_check();
        }
        // About one major incident a month for every thirty thousand staff.
        let staff_days = self.world.org.staff.len() * self.days() as usize;
        for _ in 0..(staff_days / 900_000).max(1) {
            self.major_incident();
        }
    }

    /// Adds a tasking record whose lookups by `staff` (of `person`, if given) belong to `tag`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tagged_task(
        &mut self,
        kind: TaskKind,
        category: &'static str,
        opened: i64,
        area: u32,
        staff: &[u32],
        persons: Vec<(u32, Link)>,
        tags: &[(u32, u32)],
        person: Option<u32>,
    ) -> u32 {
        let mut task = Task::new(kind, category, opened, area);
        task.closed = Some(opened + 3 * HOUR);
        task.assigned = staff.to_vec();
        task.team = staff
            .first()
            .and_then(|s| self.world.org.staff.get(*s as usize))
            .map(|m| m.team);
        task.persons = persons;
        task.truth = tags
            .iter()
            .map(|(staff, scenario)| TruthTag {
                staff: *staff,
                scenario: *scenario,
                person,
            })
            .collect();
        self.world.tasking.add(task)
    }

    /// An officer sent to an incident involving their own declared relative.
    pub(super) fn tasked_relative(&mut self) {
        let Some(staff) = self.take(|w, s| {
            has_role(w, s, ATTENDING)
                && declared(w, s, &FAMILY).is_some_and(|tie| {
                    w.pop.person_area(tie.person) == w.org.staff[s as usize].area
                })
        }) else {
            return;
        };
        let Some(tie) = declared(self.world, staff, &FAMILY) else {
            return;
        };
        let Some(day) = self.pick_day(staff, 0) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let description = format!(
            "{} was sent to an incident in which their declared {} {} is a witness, and looked them up for it: tasked, not misuse.",
            self.who(staff),
            tie.relation.name(),
            self.person_name(tie.person)
        );
        let tag = self.new_negative(Kind::Relationship, "tasked_relative", staff, description);
        self.add_subject(tag, SubjectRef::Person(tie.person));
        let mut persons = vec![(tie.person, Link::Witness)];
        if let Some(other) = self.untasked_person(area) {
            persons.push((other, Link::Suspect));
        }
        let opened = self.time_in(shift, 3 * HOUR);
        self.tagged_task(
            TaskKind::Incident,
            "Public order",
            opened,
            area,
            &[staff],
            persons,
            &[(staff, tag)],
            Some(tie.person),
        );
    }

    /// An officer on a recorded overtime shift on a rest day, doing tasked work.
    pub(super) fn overtime_access(&mut self) {
        let Some(staff) = self.take(|w, s| has_role(w, s, &[Role::ResponsePc, Role::RoadsPc]))
        else {
            return;
        };
        let mut chosen = None;
        for day in 0..self.days() {
            let Some(roster) = self.world.rosters.get(staff, day) else {
                continue;
            };
            if roster.duty.is_working() || roster.overtime.is_some() {
                continue;
            }
            let date = self.world.rosters.date(day);
            let shift = Shift {
                start: local_instant(date, 10, 0),
                end: local_instant(date, 18, 0),
            };
            let clear = self.world.rosters.distance_to_duty(staff, shift.start, day) >= 3 * HOUR
                && self.world.rosters.distance_to_duty(staff, shift.end, day) >= 3 * HOUR;
            if clear {
                chosen = Some((day, shift));
                if chance(&mut self.rng, 0.5) {
                    break;
                }
            }
        }
        let Some((day, shift)) = chosen else {
            return;
        };
        if let Some(roster) = self.world.rosters.get_mut(staff, day) {
            roster.overtime = Some(shift);
        }
        let area = self.area_of(staff);
        let description = format!(
            "{} worked a recorded overtime shift on a rest day and looked up the people in an incident they were sent to: on duty, not misuse.",
            self.who(staff)
        );
        let tag = self.new_negative(Kind::OffDuty, "overtime_shift", staff, description);
        let people = self.untasked_people(area, 2);
        for person in &people {
            self.add_subject(tag, SubjectRef::Person(*person));
        }
        let persons = people
            .into_iter()
            .zip([Link::Victim, Link::Suspect])
            .collect();
        let opened = shift.start + 2 * HOUR;
        self.tagged_task(
            TaskKind::Incident,
            "Theft",
            opened,
            area,
            &[staff],
            persons,
            &[(staff, tag)],
            None,
        );
    }

    /// An analyst working through an operation's subjects in bulk.
    pub(super) fn analyst_bulk(&mut self) {
        let Some(staff) = self.take(|w, s| {
            has_role(w, s, &[Role::Analyst])
                && w.tasking.by_staff.get(s as usize).is_some_and(|list| {
                    list.iter().any(|i| {
                        w.tasking
                            .tasks
                            .get(*i as usize)
                            .is_some_and(|t| t.kind == TaskKind::Operation && t.persons.len() >= 30)
                    })
                })
        }) else {
            return;
        };
        let Some(operation) = self
            .world
            .tasking
            .by_staff
            .get(staff as usize)
            .and_then(|list| {
                list.iter().copied().find(|i| {
                    self.world
                        .tasking
                        .tasks
                        .get(*i as usize)
                        .is_some_and(|t| t.kind == TaskKind::Operation)
                })
            })
        else {
            return;
        };
        let Some(day) = self.pick_day(staff, 0) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let people: Vec<u32> = self
            .world
            .tasking
            .tasks
            .get(operation as usize)
            .map(|t| t.persons.iter().map(|(p, _)| *p).collect())
            .unwrap_or_default();
        let name = self
            .world
            .tasking
            .tasks
            .get(operation as usize)
            .and_then(|t| t.name.clone())
            .unwrap_or_default();
        let description = format!(
            "{} searched all {} subjects of {name}, which they are assigned to, in one sitting: tasked bulk work, not misuse.",
            self.who(staff),
            people.len()
        );
        let tag = self.new_negative(Kind::BulkSearch, "tasked_analyst", staff, description);
        if let Some(s) = self.scenarios.get_mut(tag as usize) {
            s.tempts = vec![Kind::BulkSearch, Kind::Volume];
        }
        let mut at = self.time_in(shift, 2 * HOUR);
        for person in people {
            self.add_subject(tag, SubjectRef::Person(person));
            let subject = SubjectRef::Person(person);
            let system = if chance(&mut self.rng, 0.5) {
                System::Pnd
            } else {
                System::Niche
            };
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                system,
                Action::Search,
                subject,
                "Intelligence",
                Reference::Task(operation),
            );
            at += self.rng.random_range(20..60);
        }
    }

    /// A celebrity is the victim of a burglary; the officer sent looks them up, and is therefore
    /// authorised.
    pub(super) fn authorised_celebrity(&mut self, round: usize) {
        let celebrities = self.world.pop.celebrities.clone();
        if celebrities.len() < 2 {
            return;
        }
        let Some(&celebrity) =
            celebrities.get(celebrities.len() - 1 - round % (celebrities.len() / 2).max(1))
        else {
            return;
        };
        let area = self.world.pop.person_area(celebrity);
        let Some(staff) =
            self.take(|w, s| has_role(w, s, ATTENDING) && w.org.staff[s as usize].area == area)
        else {
            return;
        };
        let Some(day) = self.pick_day(staff, 0) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let description = format!(
            "{} was sent to a burglary at the home of {}, a celebrity on the watch list, and looked them up for it: assigned and therefore authorised, not misuse.",
            self.who(staff),
            self.person_name(celebrity)
        );
        let tag = self.new_negative(
            Kind::RestrictedRecord,
            "authorised_by_tasking",
            staff,
            description,
        );
        self.add_subject(tag, SubjectRef::Person(celebrity));
        let opened = self.time_in(shift, 3 * HOUR);
        self.tagged_task(
            TaskKind::Incident,
            "Burglary",
            opened,
            area,
            &[staff],
            vec![(celebrity, Link::Victim)],
            &[(staff, tag)],
            Some(celebrity),
        );
    }

    /// An officer sent to help in another area, looking up the people in the incident there.
    pub(super) fn mutual_aid(&mut self) {
        let areas = self.world.org.areas.len() as u32;
        if areas < 2 {
            return;
        }
        let Some(staff) = self.take(|w, s| has_role(w, s, ATTENDING)) else {
            return;
        };
        let own = self.area_of(staff);
        let other = (own + 1) % areas;
        let Some(day) = self.pick_day(staff, 0) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area_name = self
            .world
            .org
            .areas
            .get(other as usize)
            .map_or("", |a| a.name);
        let description = format!(
            "{} was sent to help in the {area_name} area and looked up the people in the incident there they were assigned to: tasked, not misuse.",
            self.who(staff)
        );
        let tag = self.new_negative(Kind::OutOfArea, "mutual_aid", staff, description);
        let people = self.untasked_people(other, 3);
        for person in &people {
            self.add_subject(tag, SubjectRef::Person(*person));
        }
        let persons = people
            .into_iter()
            .zip([Link::Victim, Link::Suspect, Link::Witness])
            .collect();
        let opened = self.time_in(shift, 3 * HOUR);
        self.tagged_task(
            TaskKind::Incident,
            "Public order",
            opened,
            other,
            &[staff],
            persons,
            &[(staff, tag)],
            None,
        );
    }

    /// A leaver exports their own case records and emails a handover to their manager.
    pub(super) fn leaver_handover(&mut self) {
        let leavers = self.leavers.clone();
        let mut found = None;
        for (position, staff) in leavers.iter().enumerate() {
            if let Some(day) = self.handover_day(*staff) {
                found = Some((position, *staff, day));
                break;
            }
        }
        let Some((position, staff, day)) = found else {
            return;
        };
        self.leavers.remove(position);
        let Some((notice, leaving)) = self
            .world
            .org
            .staff
            .get(staff as usize)
            .and_then(|m| Some((m.notice?, m.leaving?)))
        else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let subjects: Vec<(u32, u32)> = {
            let tasking = &self.world.tasking;
            let at = shift.start;
            tasking
                .by_staff
                .get(staff as usize)
                .into_iter()
                .flatten()
                .filter_map(|i| tasking.tasks.get(*i as usize).map(|t| (*i, t)))
                .filter(|(_, t)| t.active_at(at))
                .flat_map(|(i, t)| t.persons.iter().map(move |(p, _)| (*p, i)))
                .take(10)
                .collect()
        };
        let what = if subjects.is_empty() {
            "emailed a handover of their open jobs to their line manager"
        } else {
            "exported the records of their own open cases and emailed a handover to their line manager"
        };
        let description = format!(
            "{} {what}: ordinary handover, not misuse.",
            self.notice_text(staff, notice, leaving)
        );
        let tag = self.new_negative(Kind::Departing, "handover", staff, description);
        if let Some(s) = self.scenarios.get_mut(tag as usize) {
            s.tempts = vec![Kind::Departing, Kind::PrintExport];
        }
        let mut at = self.time_in(shift, 2 * HOUR);
        for (person, task) in &subjects {
            self.add_subject(tag, SubjectRef::Person(*person));
            let subject = SubjectRef::Person(*person);
            let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
            act.lookup(
                at,
                System::Niche,
                Action::Export,
                subject,
                "Handover",
                Reference::Task(*task),
            );
            at += self.rng.random_range(30..90);
        }
        let Some(mail) = self.handover_mail(staff) else {
            return;
        };
        let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
        act.mail(at + 10 * MINUTE, mail);
    }

    /// A working day in the notice period of a leaver who uses the records systems and has a
    /// line manager.
    fn handover_day(&mut self, staff: u32) -> Option<u32> {
        let member = self.world.org.staff.get(staff as usize)?;
        if !member.uses(System::Niche) || member.manager.is_none() {
            return None;
        }
        let (notice, leaving) = (member.notice?, member.leaving?);
        let in_notice: Vec<u32> = self
            .working_days(staff, 0)
            .into_iter()
            .filter(|d| {
                let date = self.world.rosters.date(*d);
                notice <= date && date <= leaving
            })
            .collect();
        pick(&mut self.rng, &in_notice).copied()
    }

    pub(super) fn handover_mail(&mut self, staff: u32) -> Option<Mail> {
        let member = self.world.org.staff.get(staff as usize)?;
        let manager = self.world.org.staff.get(member.manager? as usize)?;
        let attachment = mailgen::attachment(&mut self.rng, "handover", "xlsx");
        Some(Mail {
            staff,
            from: mailgen::party(member),
            to: vec![mailgen::party(manager)],
            cc: Vec::new(),
            subject: "OFFICIAL-SENSITIVE: Handover of my open jobs".to_owned(),
            body: format!(
                "Hi {},\n\nAs I finish soon, attached is the list of my open jobs with where each one is up to.\n\n{}\n",
                manager.forename,
                mailgen::signature(&self.world.org, member)
            ),
            attachments: vec![attachment],
        })
    }

    /// One check of a member of the public an officer spoke to on patrol, without a recorded stop.
    pub(super) fn informal_check(&mut self) {
        let Some(staff) = self.take(|w, s| has_role(w, s, ATTENDING)) else {
            return;
        };
        let Some(day) = self.pick_day(staff, 0) else {
            return;
        };
        let Some(shift) = self.shift_on(staff, day) else {
            return;
        };
        let area = self.area_of(staff);
        let Some(person) = self.untasked_person(area) else {
            return;
        };
        let description = format!(
            "{} checked {} once, a person they spoke to on patrol, without recording a stop: a single unrecorded check, not a pattern of misuse.",
            self.who(staff),
            self.person_name(person)
        );
        let tag = self.new_negative(Kind::NoPurpose, "informal_check", staff, description);
        self.add_subject(tag, SubjectRef::Person(person));
        let at = self.time_in(shift, HOUR);
        let gap = self.rng.random_range(30..120);
        let mut act = Act::at_desk(self.world, &mut self.planned, tag, staff, day);
        act.search_and_view(at, person, gap, "Stop check");
    }

    /// A large disorder: every officer on duty in the area is sent and looks up dozens of people.
    /// An area and time when at least three attending officers not yet given a part are on
    /// duty for the next three hours, with those officers (up to fifteen).
    fn disorder(&mut self) -> Option<(u32, i64, Vec<u32>)> {
        let days = self.days();
        let areas = self.world.org.areas.len() as u32;
        for _ in 0..30 {
            let day = self.rng.random_range(days / 3..days.max(1)).min(days - 1);
            let area = self.rng.random_range(0..areas.max(1));
            let date = self.world.rosters.date(day);
            let opened = local_instant(date, self.rng.random_range(10..19), 0);
            let world: &World = self.world;
            let officers: Vec<u32> = (0..world.org.staff.len() as u32)
                .filter(|s| !self.used.contains(s))
                .filter(|s| {
                    let member = &world.org.staff[*s as usize];
                    member.area == area
                        && member.info().attends
                        && world.rosters.get(*s, day).is_some_and(|r| {
                            r.duty.is_working()
                                && r.shift.is_some_and(|sh| {
                                    sh.start + HOUR <= opened && opened + 3 * HOUR <= sh.end
                                })
                        })
                })
                .take(15)
                .collect();
            if officers.len() >= 3 {
                return Some((area, opened, officers));
            }
        }
        None
    }

    pub(super) fn major_incident(&mut self) {
        let Some((area, opened, officers)) = self.disorder() else {
            return;
        };
        let count = self.rng.random_range(25..40);
        let people = self.untasked_people(area, count);
        let group = format!("M-{:03}", self.scenarios.len() + 1);
        let mut tags = Vec::new();
        for staff in &officers {
            self.used.insert(*staff);
            let description = format!(
                "{} was one of {} officers sent to a major public disorder and looked up the {} people linked to it: a busy, tasked day, not misuse.",
                self.who(*staff),
                officers.len(),
                people.len()
            );
            let tag = self.new_negative(Kind::Volume, "major_incident", *staff, description);
            if let Some(s) = self.scenarios.get_mut(tag as usize) {
                s.group = Some(group.clone());
            }
            for person in &people {
                self.add_subject(tag, SubjectRef::Person(*person));
            }
            tags.push((*staff, tag));
        }
        let persons = people.into_iter().map(|p| (p, Link::Subject)).collect();
        let index = self.tagged_task(
            TaskKind::Incident,
            "Major incident - public disorder",
            opened,
            area,
            &officers,
            persons,
            &tags,
            None,
        );
        if let Some(task) = self.world.tasking.tasks.get_mut(index as usize) {
            task.closed = Some(opened + 10 * HOUR);
        }
    }
}

//! Ordinary work: what each member of staff on duty does in a shift.
//!
//! Every records lookup in ordinary work is of a subject linked to a tasking record that the
//! member of staff is assigned to (or, now and then, that their team leads), within the hours the
//! record is being worked. Work stays inside the rostered shift, apart from an occasional late
//! finish of up to forty minutes.

use rand::Rng;

use crate::clock::{HOUR, MINUTE};
use crate::events::{
    Action, Lookup, Place, Reference, Service, SignIn, SubjectRef, Timeline, WinKind,
};
use crate::mailgen;
use crate::org::{Department, Role, Staff, System};
use crate::rng::{Purpose, SimRng, chance, count_around, pick, stream};
use crate::roster::{Duty, Shift};
use crate::tasking::{Task, TaskKind};
use crate::world::World;

/// Applications started at sign-on, with the process that starts them.
const START_PROCESSES: &[(&str, &str, &str)] = &[
    (
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        "C:\\Windows\\System32\\userinit.exe",
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\"",
        "C:\\Windows\\explorer.exe",
    ),
];

/// The latest a late finish runs past the end of a shift.
pub(crate) const LATE_FINISH: i64 = 40 * MINUTE;

/// Generates the ordinary work of every member of staff on `day`.
pub(crate) fn day(world: &World, day: u32, timeline: &mut Timeline) {
    for staff in 0..world.org.staff.len() as u32 {
        let Some(roster) = world.rosters.get(staff, day) else {
            continue;
        };
        let training = roster.duty == Duty::Training;
        if let Some(shift) = roster.shift
            && (roster.duty.is_working() || training)
        {
            Worker::new(world, staff, day, shift, 0, training).run(timeline);
        }
        if let Some(shift) = roster.overtime {
            Worker::new(world, staff, day, shift, 1, false).run(timeline);
        }
    }
}

/// One member of staff working one shift.
struct Worker<'a> {
    world: &'a World,
    staff: u32,
    member: &'a Staff,
    day: u32,
    shift: Shift,
    rng: SimRng,
    desk: Place,
    mdt: Option<Place>,
    session: u64,
    training: bool,
    /// When work starts and stops (a late finish runs past the shift).
    from: i64,
    until: i64,
    /// Systems and terminals already signed in to this shift.
    signed_in: Vec<(Service, u32)>,
}

impl<'a> Worker<'a> {
    fn new(
        world: &'a World,
        staff: u32,
        day: u32,
        shift: Shift,
        part: u32,
        training: bool,
    ) -> Self {
        let mut rng = stream(
            world.config.seed,
            Purpose::Activity,
            u64::from(staff),
            u64::from(day) * 2 + u64::from(part),
        );
        let member = &world.org.staff[staff as usize];
        let from = shift.start + rng.random_range(2 * MINUTE..15 * MINUTE);
        let until = if chance(&mut rng, 0.08) {
            shift.end + rng.random_range(5 * MINUTE..LATE_FINISH)
        } else {
            shift.end - rng.random_range(0..10 * MINUTE)
        };
        Worker {
            world,
            staff,
            member,
            day,
            shift,
            desk: world.workplace(staff, day),
            mdt: world.mdt(staff, day),
            session: world.session(staff, day, part),
            training,
            from,
            until,
            signed_in: Vec::new(),
            rng,
        }
    }

    fn run(mut self, timeline: &mut Timeline) {
        self.sign_on(timeline);
        if !self.training {
            self.tasks(timeline);
            self.team_lookups(timeline);
        }
        self.mails(timeline);
        timeline.win(
            self.until,
            None,
            self.desk.host,
            self.staff,
            WinKind::Logoff,
        );
    }

    /// A time within the working part of the shift.
    fn any_time(&mut self) -> i64 {
        let span = (self.until - self.from - 2 * MINUTE).max(MINUTE);
        self.from + MINUTE + self.rng.random_range(0..span)
    }

    fn sign_on(&mut self, timeline: &mut Timeline) {
        let at = self.from;
        if self.world.home_office(self.staff, self.day).is_some() {
            let vpn = SignIn {
                staff: self.staff,
                place: self.desk,
                source_ip: Some(self.world.home_ip(self.staff)),
                service: Service::Vpn,
                success: true,
            };
            timeline.sign_in(at - 90, None, vpn);
        }
        if chance(&mut self.rng, 0.04) {
            let failed = SignIn {
                staff: self.staff,
                place: self.desk,
                source_ip: None,
                service: Service::Desktop,
                success: false,
            };
            timeline.sign_in(at - 40, None, failed);
            timeline.win(
                at - 40,
                None,
                self.desk.host,
                self.staff,
                WinKind::LogonFailed,
            );
        }
        let signed = SignIn {
            staff: self.staff,
            place: self.desk,
            source_ip: None,
            service: Service::Desktop,
            success: true,
        };
        timeline.sign_in(at, None, signed);
        timeline.win(
            at,
            None,
            self.desk.host,
            self.staff,
            WinKind::Logon { logon_type: 2 },
        );
        for (offset, (image, command, parent)) in START_PROCESSES.iter().enumerate() {
            let kind = WinKind::Process {
                image,
                command: (*command).to_owned(),
                parent,
            };
            timeline.win(
                at + 5 + offset as i64 * 40,
                None,
                self.desk.host,
                self.staff,
                kind,
            );
        }
        self.signed_in.push((Service::Desktop, self.desk.host));
    }

    /// Signs in to a records system (and starts its client) the first time it is used from a
    /// terminal in the shift.
    fn use_system(&mut self, timeline: &mut Timeline, at: i64, system: System, place: Place) {
        let service = Service::Records(system);
        if self.signed_in.contains(&(service, place.host)) {
            return;
        }
        let on_mdt = Some(place) == self.mdt;
        if on_mdt && !self.signed_in.contains(&(Service::Mdt, place.host)) {
            let mdt = SignIn {
                staff: self.staff,
                place,
                source_ip: None,
                service: Service::Mdt,
                success: true,
            };
            timeline.sign_in(at - 30, None, mdt);
            self.signed_in.push((Service::Mdt, place.host));
        }
        let sign_in = SignIn {
            staff: self.staff,
            place,
            source_ip: None,
            service,
            success: true,
        };
        timeline.sign_in(at - 20, None, sign_in);
        if !on_mdt {
            let (image, command) = system.client();
            let kind = WinKind::Process {
                image,
                command: command.to_owned(),
                parent: "C:\\Windows\\explorer.exe",
            };
            timeline.win(at - 25, None, place.host, self.staff, kind);
        }
        self.signed_in.push((service, place.host));
    }

    #[allow(clippy::too_many_arguments)]
    fn lookup(
        &mut self,
        timeline: &mut Timeline,
        at: i64,
        place: Place,
        system: System,
        action: Action,
        subject: SubjectRef,
        task: Option<(u32, &Task)>,
    ) {
        if at < self.from || at > self.until {
            return;
        }
        self.use_system(timeline, at, system, place);
        let (reference, reason, tag) = match task {
            Some((index, task)) => {
                let stated = if chance(&mut self.rng, 0.85) {
                    Reference::Task(index)
                } else {
                    Reference::None
                };
                let tag = task.truth.iter().find_map(|truth| {
                    let person_matches = match truth.person {
                        Some(person) => subject == SubjectRef::Person(person),
                        None => true,
                    };
                    (truth.staff == self.staff && person_matches).then_some(truth.scenario)
                });
                (stated, reason_for(task), tag)
            }
            None => (Reference::None, "Enquiry", None),
        };
        let lookup = Lookup {
            staff: self.staff,
            place,
            system,
            action,
            subject,
            reason,
            reference,
            session: self.session,
        };
        if action == Action::Print {
            self.print(timeline, at + 20, subject, tag);
        }
        timeline.audit(at, tag, lookup);
    }

    fn print(&mut self, timeline: &mut Timeline, at: i64, subject: SubjectRef, tag: Option<u32>) {
        let printer = self
            .world
            .org
            .stations
            .get(self.member.station as usize)
            .and_then(|s| s.printers.first().copied())
            .unwrap_or(0);
        let kind = WinKind::Print {
            document: print_title(self.world, subject),
            pages: self.rng.random_range(1..9),
            printer,
            bytes: self.rng.random_range(40_000..400_000),
        };
        timeline.win(at, tag, self.desk.host, self.staff, kind);
    }

    /// The system a person search goes to.
    fn search_system(&mut self) -> System {
        if self.member.uses(System::Pnc) && chance(&mut self.rng, 0.5) {
            System::Pnc
        } else {
            System::Niche
        }
    }

    fn tasks(&mut self, timeline: &mut Timeline) {
        let world = self.world;
        let Some(assigned) = world.tasking.by_staff.get(self.staff as usize) else {
            return;
        };
        for &index in assigned {
            let Some(task) = world.tasking.tasks.get(index as usize) else {
                continue;
            };
            if !task.overlaps(self.shift) {
                continue;
            }
            match task.kind {
                TaskKind::Incident | TaskKind::Stop | TaskKind::Custody => {
                    let opened_now =
                        task.opened >= self.shift.start - HOUR / 2 && task.opened < self.until;
                    if opened_now {
                        self.first_response(timeline, index, task);
                    }
                }
                TaskKind::Crime => self.crime(timeline, index, task),
                TaskKind::Case => self.case(timeline, index, task),
                TaskKind::Operation => self.operation(timeline, index, task),
            }
        }
    }

    /// Lookups of everyone and everything linked to a record as it comes in.
    fn first_response(&mut self, timeline: &mut Timeline, index: u32, task: &Task) {
        let handler = self.member.info().department == Department::ControlRoom;
        let delay = if handler {
            self.rng.random_range(MINUTE..5 * MINUTE)
        } else {
            self.rng.random_range(5 * MINUTE..30 * MINUTE)
        };
        let mut at = task.opened.max(self.from) + delay;
        let place = match self.mdt {
            Some(mdt) if !handler && chance(&mut self.rng, 0.35) => mdt,
            _ => self.desk,
        };
        let context = Some((index, task));
        for &(person, _) in &task.persons {
            let subject = SubjectRef::Person(person);
            let system = self.search_system();
            self.lookup(
                timeline,
                at,
                place,
                system,
                Action::Search,
                subject,
                context,
            );
            at += self.rng.random_range(20..120);
            if !handler || chance(&mut self.rng, 0.6) {
                self.lookup(
                    timeline,
                    at,
                    place,
                    System::Niche,
                    Action::View,
                    subject,
                    context,
                );
            }
            if chance(&mut self.rng, 0.15) {
                let later = at + self.rng.random_range(20 * MINUTE..2 * HOUR);
                self.lookup(
                    timeline,
                    later,
                    place,
                    System::Niche,
                    Action::View,
                    subject,
                    context,
                );
            }
            at += self.rng.random_range(40..240);
        }
        for &vehicle in &task.vehicles {
            let system = if self.member.uses(System::Pnc) {
                System::Pnc
            } else {
                System::Niche
            };
            let subject = SubjectRef::Vehicle(vehicle);
            self.lookup(timeline, at, place, system, Action::View, subject, context);
            at += self.rng.random_range(30..180);
        }
        for &address in &task.addresses {
            if chance(&mut self.rng, 0.5) {
                let subject = SubjectRef::Address(address);
                self.lookup(
                    timeline,
                    at,
                    place,
                    System::Niche,
                    Action::View,
                    subject,
                    context,
                );
                at += self.rng.random_range(30..180);
            }
        }
    }

    fn crime(&mut self, timeline: &mut Timeline, index: u32, task: &Task) {
        let context = Some((index, task));
        let opened_now = task.opened >= self.shift.start && task.opened < self.until;
        if opened_now {
            let mut at =
                task.opened.max(self.from) + self.rng.random_range(10 * MINUTE..90 * MINUTE);
            for &(person, _) in &task.persons {
                let subject = SubjectRef::Person(person);
                self.lookup(
                    timeline,
                    at,
                    self.desk,
                    System::Niche,
                    Action::View,
                    subject,
                    context,
                );
                if self.member.uses(System::Pnd) && chance(&mut self.rng, 0.3) {
                    at += self.rng.random_range(60..300);
                    self.lookup(
                        timeline,
                        at,
                        self.desk,
                        System::Pnd,
                        Action::Search,
                        subject,
                        context,
                    );
                } else if self.member.uses(System::Pnc) && chance(&mut self.rng, 0.2) {
                    // Office roles holding PNC check a person there now and then.
                    at += self.rng.random_range(60..300);
                    self.lookup(
                        timeline,
                        at,
                        self.desk,
                        System::Pnc,
                        Action::Search,
                        subject,
                        context,
                    );
                }
                at += self.rng.random_range(60..600);
            }
            return;
        }
        if !chance(&mut self.rng, 0.35) || task.persons.is_empty() {
            return;
        }
        for _ in 0..self.rng.random_range(1..4) {
            let Some(&(person, _)) = pick(&mut self.rng, &task.persons) else {
                break;
            };
            let subject = SubjectRef::Person(person);
            let at = self.any_time();
            if !task.active_at(at) {
                continue;
            }
            let action = if chance(&mut self.rng, 0.2) {
                Action::Update
            } else {
                Action::View
            };
            self.lookup(
                timeline,
                at,
                self.desk,
                System::Niche,
                action,
                subject,
                context,
            );
        }
    }

    fn case(&mut self, timeline: &mut Timeline, index: u32, task: &Task) {
        let context = Some((index, task));
        if !chance(&mut self.rng, 0.3) || task.persons.is_empty() {
            return;
        }
        for _ in 0..self.rng.random_range(1..3) {
            let Some(&(person, _)) = pick(&mut self.rng, &task.persons) else {
                break;
            };
            let subject = SubjectRef::Person(person);
            let at = self.any_time();
            if !task.active_at(at) {
                continue;
            }
            self.lookup(
                timeline,
                at,
                self.desk,
                System::Niche,
                Action::View,
                subject,
                context,
            );
            let then = at + self.rng.random_range(60..600);
            if chance(&mut self.rng, 0.5) {
                self.lookup(
                    timeline,
                    then,
                    self.desk,
                    System::Niche,
                    Action::Print,
                    subject,
                    context,
                );
            } else if chance(&mut self.rng, 0.08) {
                self.lookup(
                    timeline,
                    then,
                    self.desk,
                    System::Niche,
                    Action::Export,
                    subject,
                    context,
                );
            }
        }
    }

    fn operation(&mut self, timeline: &mut Timeline, index: u32, task: &Task) {
        let context = Some((index, task));
        let analyst = self.member.role == Role::Analyst;
        let (chance_today, range) = if analyst { (0.85, 8..30) } else { (0.2, 2..6) };
        if !chance(&mut self.rng, chance_today) || task.persons.is_empty() {
            return;
        }
        for _ in 0..self.rng.random_range(range) {
            let Some(&(person, _)) = pick(&mut self.rng, &task.persons) else {
                break;
            };
            let subject = SubjectRef::Person(person);
            let at = self.any_time();
            let (system, action) = if self.member.uses(System::Pnd) && chance(&mut self.rng, 0.4) {
                (System::Pnd, Action::Search)
            } else {
                (System::Niche, Action::View)
            };
            self.lookup(timeline, at, self.desk, system, action, subject, context);
        }
        if analyst && chance(&mut self.rng, 0.08) {
            let mut at = self.any_time();
            for _ in 0..self.rng.random_range(5..11) {
                let Some(&(person, _)) = pick(&mut self.rng, &task.persons) else {
                    break;
                };
                let subject = SubjectRef::Person(person);
                self.lookup(
                    timeline,
                    at,
                    self.desk,
                    System::Niche,
                    Action::Export,
                    subject,
                    context,
                );
                at += self.rng.random_range(20..90);
            }
        }
    }

    /// Now and then, a look at a record the team is working (a briefing, a handover).
    fn team_lookups(&mut self, timeline: &mut Timeline) {
        if !self.member.info().attends || !chance(&mut self.rng, 0.08) {
            return;
        }
        let world = self.world;
        let Some(team_tasks) = world.tasking.by_team.get(self.member.team as usize) else {
            return;
        };
        let at = self.any_time();
        let active: Vec<u32> = team_tasks
            .iter()
            .copied()
            .filter(|index| {
                world
                    .tasking
                    .tasks
                    .get(*index as usize)
                    .is_some_and(|task| task.active_at(at) && task.truth.is_empty())
            })
            .collect();
        let Some(&index) = pick(&mut self.rng, &active) else {
            return;
        };
        let Some(task) = world.tasking.tasks.get(index as usize) else {
            return;
        };
        let open: Vec<u32> = task
            .persons
            .iter()
            .map(|(person, _)| *person)
            .filter(|person| !world.watch.is_watched(*person))
            .collect();
        if let Some(&person) = pick(&mut self.rng, &open) {
            let subject = SubjectRef::Person(person);
            let context = Some((index, task));
            self.lookup(
                timeline,
                at,
                self.desk,
                System::Niche,
                Action::View,
                subject,
                context,
            );
        }
    }

    fn mails(&mut self, timeline: &mut Timeline) {
        let world = self.world;
        let department = self.member.info().department;
        let rate = mailgen::daily_rate(department) * if self.training { 0.3 } else { 1.0 };
        let count = count_around(&mut self.rng, rate);
        for _ in 0..count {
            let at = self.any_time();
            let reference = self.current_reference(at);
            let (to, cc) = self.recipients(department);
            if to.is_empty() {
                continue;
            }
            let mail = mailgen::ordinary(
                &mut self.rng,
                &world.org,
                self.member,
                self.staff,
                to,
                cc,
                reference.as_deref(),
            );
            timeline.mail(at, None, mail);
        }
        if chance(&mut self.rng, 0.004) {
            let at = self.any_time();
            let mail = mailgen::to_self(&mut self.rng, self.member, self.staff);
            timeline.mail(at, None, mail);
        }
    }

    /// The reference of a record the member of staff is working at `at`, if any.
    fn current_reference(&mut self, at: i64) -> Option<String> {
        let world = self.world;
        let assigned = world.tasking.by_staff.get(self.staff as usize)?;
        let active: Vec<&str> = assigned
            .iter()
            .filter_map(|index| world.tasking.tasks.get(*index as usize))
            .filter(|task| task.active_at(at))
            .map(|task| task.reference.as_str())
            .collect();
        pick(&mut self.rng, &active).map(|r| (*r).to_owned())
    }

    fn recipients(
        &mut self,
        department: Department,
    ) -> (Vec<crate::events::Party>, Vec<crate::events::Party>) {
        let org = &self.world.org;
        let team = org.teams.get(self.member.team as usize);
        let colleagues: Vec<u32> = team
            .map(|t| {
                t.members
                    .iter()
                    .copied()
                    .filter(|m| *m != self.staff)
                    .collect()
            })
            .unwrap_or_default();
        let manager = self
            .member
            .manager
            .and_then(|m| org.staff.get(m as usize))
            .map(mailgen::party);
        let roll = self.rng.random_range(0..100);
        let mut to = Vec::new();
        let mut cc = Vec::new();
        if roll < 15 && mailgen::writes_to_partners(department) {
            to.push(mailgen::partner(&mut self.rng));
        } else if roll < 20 {
            to.push(mailgen::group(&mut self.rng));
        } else if roll < 40 {
            to.extend(manager.clone());
        }
        if to.is_empty() {
            for _ in 0..self.rng.random_range(1..3) {
                if let Some(member) =
                    pick(&mut self.rng, &colleagues).and_then(|m| org.staff.get(*m as usize))
                {
                    let party = mailgen::party(member);
                    if !to.contains(&party) {
                        to.push(party);
                    }
                }
            }
            if to.is_empty() {
                to.extend(manager.clone());
            }
        }
        if let Some(manager) = manager
            && chance(&mut self.rng, 0.2)
            && !to.contains(&manager)
        {
            cc.push(manager);
        }
        (to, cc)
    }
}

/// The reason a user states for a lookup on a record.
pub(crate) fn reason_for(task: &Task) -> &'static str {
    match task.kind {
        TaskKind::Incident => match task.category {
            "Domestic incident" => "Domestic call",
            "Road traffic collision" => "RTC",
            "Concern for safety" => "Concern for safety",
            "Missing person" => "Missing person",
            "Anti-social behaviour" => "ASB",
            "Suspicious vehicle" => "Vehicle check",
            _ => "Incident",
        },
        TaskKind::Crime => "Investigation",
        TaskKind::Custody => "Custody",
        TaskKind::Stop => "Stop check",
        TaskKind::Case => "Court file",
        TaskKind::Operation => "Intelligence",
    }
}

/// The document name a print job gets.
pub(crate) fn print_title(world: &World, subject: SubjectRef) -> String {
    match subject {
        SubjectRef::Person(person) => format!("Niche RMS - Person {}", person_id(person)),
        SubjectRef::Vehicle(vehicle) => {
            let vrm = world
                .pop
                .vehicles
                .get(vehicle as usize)
                .map_or("", |v| v.vrm.as_str());
            format!("Niche RMS - Vehicle {vrm}")
        }
        SubjectRef::Address(address) => format!("Niche RMS - Address {}", address_id(address)),
    }
}

/// `P-0000123`.
pub(crate) fn person_id(person: u32) -> String {
    format!("P-{:07}", person + 1)
}

/// `A-0000123`.
pub(crate) fn address_id(address: u32) -> String {
    format!("A-{:07}", address + 1)
}

/// `V-AB12CDE`.
pub(crate) fn vehicle_id(vrm: &str) -> String {
    format!("V-{}", vrm.replace(' ', ""))
}

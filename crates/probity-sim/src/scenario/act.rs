//! Writing the events of one scenario onto the planned timeline.

use crate::events::{
    Action, Mail, Place, Reference, Service, SignIn, SubjectRef, Timeline, WinKind,
};
use crate::org::System;
use crate::rng::{Purpose, hash};
use crate::world::World;

/// Records events for one scenario.
pub(super) struct Act<'a> {
    pub(super) world: &'a World,
    pub(super) timeline: &'a mut Timeline,
    pub(super) tag: Option<u32>,
    pub(super) staff: u32,
    pub(super) place: Place,
    pub(super) session: u64,
    /// Whether sign-ins, logons and client starts are part of the scenario too.
    pub(super) tag_access: bool,
    pub(super) signed: Vec<(Service, u32)>,
}

impl<'a> Act<'a> {
    pub(super) fn at_desk(
        world: &'a World,
        timeline: &'a mut Timeline,
        tag: u32,
        staff: u32,
        day: u32,
    ) -> Self {
        Act {
            place: world.workplace(staff, day),
            session: world.session(staff, day, 0),
            world,
            timeline,
            tag: Some(tag),
            staff,
            tag_access: false,
            signed: Vec::new(),
        }
    }

    pub(super) fn access_tag(&self) -> Option<u32> {
        if self.tag_access { self.tag } else { None }
    }

    pub(super) fn sign_in(&mut self, at: i64, service: Service, source_ip: Option<u32>) {
        let sign_in = SignIn {
            staff: self.staff,
            place: self.place,
            source_ip,
            service,
            success: true,
        };
        let tag = self.access_tag();
        self.timeline.sign_in(at, tag, sign_in);
        self.signed.push((service, self.place.host));
    }

    pub(super) fn system(&mut self, at: i64, system: System) {
        let service = Service::Records(system);
        if self.signed.contains(&(service, self.place.host)) {
            return;
        }
        self.sign_in(at, service, None);
        let (image, command) = system.client();
        let kind = WinKind::Process {
            image,
            command: command.to_owned(),
            parent: "C:\\Windows\\explorer.exe",
        };
        let tag = self.access_tag();
        self.timeline
            .win(at - 5, tag, self.place.host, self.staff, kind);
    }

    pub(super) fn lookup(
        &mut self,
        at: i64,
        system: System,
        action: Action,
        subject: SubjectRef,
        reason: &'static str,
        reference: Reference,
    ) {
        self.system(at - 30, system);
        let lookup = crate::events::Lookup {
            staff: self.staff,
            place: self.place,
            system,
            action,
            subject,
            reason,
            reference,
            session: self.session,
        };
        self.timeline.audit(at, self.tag, lookup);
        if action == Action::Print {
            self.print(at + 25, subject);
        }
    }

    pub(super) fn print(&mut self, at: i64, subject: SubjectRef) {
        let world = self.world;
        let printer = world
            .org
            .staff
            .get(self.staff as usize)
            .and_then(|m| world.org.stations.get(m.station as usize))
            .and_then(|s| s.printers.first().copied())
            .unwrap_or(0);
        let roll = hash(
            world.config.seed,
            Purpose::Scenario,
            u64::from(self.staff),
            at as u64,
        );
        let kind = WinKind::Print {
            document: crate::activity::print_title(world, subject),
            pages: 1 + (roll % 8) as u32,
            printer,
            bytes: 40_000 + (roll % 300_000) as u32,
        };
        self.timeline
            .win(at, self.tag, self.place.host, self.staff, kind);
    }

    pub(super) fn win(&mut self, at: i64, kind: WinKind) {
        self.timeline
            .win(at, self.tag, self.place.host, self.staff, kind);
    }

    pub(super) fn mail(&mut self, at: i64, mail: Mail) {
        self.timeline.mail(at, self.tag, mail);
    }

    /// A person search and a view of the record, `gap` seconds apart.
    pub(super) fn search_and_view(&mut self, at: i64, person: u32, gap: i64, reason: &'static str) {
        let member = self.world.org.staff.get(self.staff as usize);
        let system = if member.is_some_and(|m| m.uses(System::Pnc)) && gap % 2 == 0 {
            System::Pnc
        } else {
            System::Niche
        };
        let subject = SubjectRef::Person(person);
        self.lookup(at, system, Action::Search, subject, reason, Reference::None);
        self.lookup(
            at + gap,
            System::Niche,
            Action::View,
            subject,
            reason,
            Reference::None,
        );
    }
}

//! Reference data indexed for the questions detections ask of every lookup: who is this account,
//! was this subject part of their work at the time, how are they related, were they on duty.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use probity_model::Timestamp;

use crate::names::Name;
use crate::reference::{
    Duty, Kind, Rows, Staff, Subject, Task, Watch, normalise_compact, vehicle_id,
};

/// Index of a member of staff in [`Reference::staff`].
pub type StaffIx = u32;

/// What is known of one member of staff beyond their directory row.
#[derive(Debug, Clone, Default)]
pub struct StaffFacts {
    pub name: Option<Name>,
    /// Home postcode, compact.
    pub postcode: String,
    /// Home address, folded.
    pub address: String,
    /// Vehicle subject ids (`V-…`).
    pub vehicles: Vec<String>,
    pub relatives: Vec<(Name, String)>,
    /// Their own person record, where the population holds one.
    pub person: Option<String>,
    /// The policing area they live in, from the population's addresses.
    pub home_area: Option<String>,
    /// Shifts with hours, sorted by start.
    pub shifts: Vec<(Timestamp, Timestamp)>,
    /// The first and last rostered dates: off-duty is judged only between them.
    pub roster_span: Option<(NaiveDate, NaiveDate)>,
}

/// All reference data, indexed.
#[derive(Debug, Default)]
pub struct Reference {
    pub staff: Vec<Staff>,
    pub facts: Vec<StaffFacts>,
    pub tasks: Vec<Task>,
    pub watch: HashMap<String, Watch>,
    pub subjects: HashMap<String, Subject>,
    by_account: HashMap<String, StaffIx>,
    by_staff_id: HashMap<String, StaffIx>,
    by_dob: HashMap<NaiveDate, Vec<StaffIx>>,
    task_by_ref: HashMap<String, u32>,
    tasks_by_subject: HashMap<String, Vec<u32>>,
    subject_by_email: HashMap<String, String>,
    /// How many staff hold each role, for peer comparisons.
    role_sizes: HashMap<String, u32>,
    /// How many staff hold each role, whatever the department.
    role_counts: HashMap<String, u32>,
    /// Which kinds were loaded.
    pub loaded: Vec<Kind>,
}

impl Reference {
    /// Indexes whatever kinds are given (a kind not given is simply not known).
    pub fn build(sets: Vec<Rows>) -> Reference {
        let mut reference = Reference::default();
        let mut rosters = Vec::new();
        for rows in sets {
            reference.loaded.push(rows.kind());
            match rows {
                Rows::Staff(rows) => reference.staff = rows,
                Rows::Rosters(rows) => rosters = rows,
                Rows::Tasking(rows) => reference.tasks = rows,
                Rows::Watchlist(rows) => {
                    reference.watch = rows
                        .into_iter()
                        .map(|w| (w.subject_id.clone(), w))
                        .collect();
                }
                Rows::Subjects(rows) => {
                    reference.subjects = rows
                        .into_iter()
                        .map(|s| (s.subject_id.clone(), s))
                        .collect();
                }
            }
        }
        reference.index_staff();
        reference.index_rosters(rosters);
        reference.index_tasks();
        reference.index_subjects();
        reference
    }

    /// Whether a kind was loaded.
    pub fn has(&self, kind: Kind) -> bool {
        self.loaded.contains(&kind)
    }

    fn index_staff(&mut self) {
        self.facts = Vec::with_capacity(self.staff.len());
        for (ix, staff) in self.staff.iter().enumerate() {
            let ix = ix as StaffIx;
            for account in &staff.accounts {
                self.by_account.insert(account.to_lowercase(), ix);
            }
            self.by_staff_id.insert(staff.staff_id.clone(), ix);
            if let Some(dob) = staff.date_of_birth {
                self.by_dob.entry(dob).or_default().push(ix);
            }
            *self.role_sizes.entry(peer_role(staff)).or_default() += 1;
            *self.role_counts.entry(staff.role.clone()).or_default() += 1;
            self.facts.push(StaffFacts {
                name: Name::from_parts(&staff.forenames, &staff.surname),
                postcode: normalise_compact(&staff.postcode),
                address: crate::names::fold(&staff.home_address),
                vehicles: staff.vehicles.iter().map(|v| vehicle_id(v)).collect(),
                relatives: staff
                    .relatives
                    .iter()
                    .filter_map(|r| Some((Name::parse(&r.name)?, r.relation.clone())))
                    .collect(),
                ..StaffFacts::default()
            });
        }
    }

    fn index_rosters(&mut self, rosters: Vec<Duty>) {
        for duty in rosters {
            let Some(&ix) = self.by_staff_id.get(&duty.staff_id) else {
                continue;
            };
            let Some(facts) = self.facts.get_mut(ix as usize) else {
                continue;
            };
            facts.roster_span = Some(match facts.roster_span {
                None => (duty.date, duty.date),
                Some((first, last)) => (first.min(duty.date), last.max(duty.date)),
            });
            if let (Some(start), Some(end)) = (duty.start, duty.end) {
                facts.shifts.push((start, end));
            }
        }
        for facts in &mut self.facts {
            facts.shifts.sort_unstable();
        }
    }

    fn index_tasks(&mut self) {
        for (index, task) in self.tasks.iter().enumerate() {
            self.task_by_ref
                .insert(task.reference.clone(), index as u32);
            for subject in task.subject_ids() {
                self.tasks_by_subject
                    .entry(subject)
                    .or_default()
                    .push(index as u32);
            }
        }
    }

    fn index_subjects(&mut self) {
        let mut area_by_postcode: HashMap<String, String> = HashMap::new();
        for subject in self.subjects.values() {
            if let Some(email) = &subject.email {
                self.subject_by_email
                    .insert(email.trim().to_lowercase(), subject.subject_id.clone());
            }
            if let (Some(postcode), Some(area)) = (&subject.postcode, &subject.area) {
                area_by_postcode.insert(normalise_compact(postcode), area.clone());
            }
        }
        // A member of staff's own record: a person with their date of birth and name.
        let mut own: Vec<(StaffIx, String)> = Vec::new();
        for subject in self.subjects.values() {
            if subject.kind != "person" {
                continue;
            }
            let Some(dob) = subject.date_of_birth else {
                continue;
            };
            for &ix in self.by_dob.get(&dob).into_iter().flatten() {
                let staff_name = self.facts.get(ix as usize).and_then(|f| f.name.as_ref());
                if let (Some(staff_name), Some(name)) = (staff_name, subject_name(subject))
                    && staff_name.matches(&name)
                {
                    own.push((ix, subject.subject_id.clone()));
                }
            }
        }
        for (ix, subject) in own {
            if let Some(facts) = self.facts.get_mut(ix as usize) {
                facts.person = Some(subject);
            }
        }
        for facts in &mut self.facts {
            facts.home_area = area_by_postcode.get(&facts.postcode).cloned();
        }
    }

    /// The member of staff an account (Windows account, in any case, or work email) belongs to.
    pub fn staff_of_account(&self, account: &str) -> Option<StaffIx> {
        let account = account.trim().to_lowercase();
        if let Some(&ix) = self.by_account.get(&account) {
            return Some(ix);
        }
        // `DOMAIN\account` and `account@domain` forms.
        let bare = account
            .rsplit_once('\\')
            .map_or(account.as_str(), |(_, a)| a);
        self.by_account.get(bare).copied()
    }

    /// The member of staff with this staff id.
    pub fn staff_by_id(&self, staff_id: &str) -> Option<StaffIx> {
        self.by_staff_id.get(staff_id).copied()
    }

    /// A member of staff's directory row and facts.
    pub fn person(&self, ix: StaffIx) -> Option<(&Staff, &StaffFacts)> {
        Some((self.staff.get(ix as usize)?, self.facts.get(ix as usize)?))
    }

    /// A tasking record by reference.
    pub fn task(&self, reference: &str) -> Option<&Task> {
        let index = *self.task_by_ref.get(reference.trim())?;
        self.tasks.get(index as usize)
    }

    /// Tasking records that link a subject.
    pub fn tasks_of_subject<'a>(&'a self, subject: &str) -> impl Iterator<Item = &'a Task> + 'a {
        self.tasks_by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|&index| self.tasks.get(index as usize))
    }

    /// The subject whose personal email this is.
    pub fn subject_by_email(&self, email: &str) -> Option<&Subject> {
        let id = self.subject_by_email.get(&email.trim().to_lowercase())?;
        self.subjects.get(id)
    }

    /// Members of staff born on this date.
    pub fn staff_born(&self, dob: NaiveDate) -> &[StaffIx] {
        self.by_dob.get(&dob).map_or(&[], Vec::as_slice)
    }

    /// How many staff share this person's peer role.
    pub fn role_size(&self, staff: &Staff) -> u32 {
        self.role_sizes.get(&peer_role(staff)).copied().unwrap_or(0)
    }

    /// How many staff hold a role (in any department).
    pub fn role_count(&self, role: &str) -> u32 {
        self.role_counts.get(role).copied().unwrap_or(0)
    }

    /// Whether `ix` is assigned to `task`, or leads it through their team.
    pub fn works_on(&self, ix: StaffIx, task: &Task) -> bool {
        let Some(staff) = self.staff.get(ix as usize) else {
            return false;
        };
        task.assigned_staff.contains(&staff.staff_id)
            || task
                .team
                .as_deref()
                .is_some_and(|team| !team.is_empty() && team == staff.team)
    }

    /// Whether `at` falls inside `task`'s life, widened by `window` on both sides.
    pub fn task_live(task: &Task, at: Timestamp, window: Duration) -> bool {
        let opened = task.opened - window;
        match task.closed {
            Some(closed) => opened <= at && at <= closed + window,
            None => opened <= at,
        }
    }

    /// Whether the member of staff was on a shift at `at`, allowing `margin` either side.
    /// `None` when their roster does not cover that time.
    pub fn on_duty(&self, ix: StaffIx, at: Timestamp, margin: Duration) -> Option<bool> {
        let facts = self.facts.get(ix as usize)?;
        let (first, last) = facts.roster_span?;
        let date = at.date_naive();
        if date < first || date > last + Duration::days(1) {
            return None;
        }
        // Shifts are sorted by start and last at most a day: look at those starting up to a day
        // before.
        let from = facts
            .shifts
            .partition_point(|(start, _)| *start < at - Duration::days(1) - margin);
        let on = facts.shifts[from..]
            .iter()
            .take_while(|(start, _)| *start <= at + margin)
            .any(|(start, end)| *start - margin <= at && at <= *end + margin);
        Some(on)
    }

    /// The nearest shift to `at` (start or end), for explanations.
    pub fn nearest_shift(&self, ix: StaffIx, at: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let facts = self.facts.get(ix as usize)?;
        facts
            .shifts
            .iter()
            .min_by_key(|(start, end)| {
                (*start - at)
                    .num_seconds()
                    .abs()
                    .min((*end - at).num_seconds().abs())
            })
            .copied()
    }
}

/// The peer group's role: role within department (a PC in Response and a PC in Roads differ).
pub fn peer_role(staff: &Staff) -> String {
    format!("{}/{}", staff.role, staff.department)
}

/// A subject's name, from its parts where given, else its displayed name.
pub fn subject_name(subject: &Subject) -> Option<Name> {
    match (&subject.forenames, &subject.surname) {
        (Some(forenames), Some(surname)) => Name::from_parts(forenames, surname),
        _ => Name::parse(&subject.name),
    }
}

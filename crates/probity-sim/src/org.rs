//! The organisation: policing areas, stations, teams, roles, staff and their machines.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rand::Rng;

use crate::SimConfig;
use crate::names::{self, AREAS, SURNAMES, slug};
use crate::rng::{Cumulative, Purpose, SimRng, chance, hash, pick, stream, weighted};

/// The force's name, email domain and Windows domain.
pub(crate) const FORCE_NAME: &str = "Northshire Police";
pub(crate) const MAIL_DOMAIN: &str = "northshire.police.uk";
pub(crate) const AD_DOMAIN: &str = "NORTHSHIRE";
pub(crate) const DNS_SUFFIX: &str = "northshire.local";
/// The area written for force-wide units.
pub(crate) const FORCE_WIDE: &str = "FORCE";

/// A records system that writes to the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum System {
    /// The force's own records management system.
    Niche,
    /// The Police National Computer.
    Pnc,
    /// The Police National Database.
    Pnd,
}

impl System {
    pub(crate) fn code(self) -> &'static str {
        match self {
            System::Niche => "NICHE",
            System::Pnc => "PNC",
            System::Pnd => "PND",
        }
    }

    /// The client a user starts to use the system.
    pub(crate) fn client(self) -> (&'static str, &'static str) {
        match self {
            System::Niche => (
                "C:\\Program Files\\Niche Technology\\Niche RMS\\NicheRMS.exe",
                "\"C:\\Program Files\\Niche Technology\\Niche RMS\\NicheRMS.exe\" /server:rms.northshire.local",
            ),
            System::Pnc => (
                "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
                "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" https://pnc.northshire.local/enquiry",
            ),
            System::Pnd => (
                "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
                "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" https://pnd.police.uk/search",
            ),
        }
    }
}

/// Where in the force a unit sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Department {
    Response,
    Neighbourhood,
    Cid,
    Ppu,
    Roads,
    Custody,
    ControlRoom,
    Intelligence,
    CaseFiles,
    Hr,
    Finance,
    Ict,
    Psd,
    Command,
}

impl Department {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Department::Response => "Response",
            Department::Neighbourhood => "Neighbourhood",
            Department::Cid => "CID",
            Department::Ppu => "Public Protection",
            Department::Roads => "Roads Policing",
            Department::Custody => "Custody",
            Department::ControlRoom => "Control Room",
            Department::Intelligence => "Intelligence",
            Department::CaseFiles => "Case Files",
            Department::Hr => "HR",
            Department::Finance => "Finance",
            Department::Ict => "ICT",
            Department::Psd => "Professional Standards",
            Department::Command => "Command",
        }
    }
}

/// How a role's duties are rostered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Ten-day cycle of two earlies, two lates, two nights and four rest days.
    Response,
    /// Eight-day cycle of two 12-hour days, two 12-hour nights and four rest days.
    TwelveHour,
    /// Weekdays, alternating weeks of days and lates.
    Neighbourhood,
    /// Weekday office hours with a personal start time.
    Office,
}

/// Where a role is based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Station,
    Area,
    Force,
}

/// A job in the force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    ResponsePc,
    ResponseSergeant,
    ResponseInspector,
    NeighbourhoodPc,
    Pcso,
    NeighbourhoodSergeant,
    Dc,
    Ds,
    Di,
    PpuDc,
    RoadsPc,
    CustodySergeant,
    DetentionOfficer,
    CallHandler,
    Dispatcher,
    Analyst,
    InvestigationOfficer,
    CaseFileOfficer,
    HrAdvisor,
    FinanceOfficer,
    IctEngineer,
    PsdInvestigator,
    Superintendent,
}

/// What a role is and does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoleInfo {
    pub role: Role,
    /// The role as HR writes it.
    pub code: &'static str,
    pub rank: &'static str,
    pub department: Department,
    /// Share of the workforce, per thousand.
    pub weight: u32,
    pub pattern: Pattern,
    pub scope: Scope,
    /// Records systems the role uses in ordinary work.
    pub systems: &'static [System],
    /// Whether the role is sent to incidents.
    pub attends: bool,
    /// 1 for constables and staff, 2 sergeants, 3 inspectors, 4 superintendents.
    pub level: u8,
}

const NICHE_PNC: &[System] = &[System::Niche, System::Pnc];
const ALL_SYSTEMS: &[System] = &[System::Niche, System::Pnc, System::Pnd];
const NICHE_ONLY: &[System] = &[System::Niche];
const NICHE_PND: &[System] = &[System::Niche, System::Pnd];
const NO_SYSTEMS: &[System] = &[];

/// One row of the role table.
#[allow(clippy::too_many_arguments)]
const fn role(
    role: Role,
    code: &'static str,
    rank: &'static str,
    department: Department,
    weight: u32,
    pattern: Pattern,
    scope: Scope,
    systems: &'static [System],
    attends: bool,
    level: u8,
) -> RoleInfo {
    RoleInfo {
        role,
        code,
        rank,
        department,
        weight,
        pattern,
        scope,
        systems,
        attends,
        level,
    }
}

use Department as D;
use Pattern as P;
use Scope as S;

/// Every role, with its share of the workforce.
#[rustfmt::skip]
pub(crate) const ROLES: &[RoleInfo] = &[
    role(Role::ResponsePc, "PC", "Constable", D::Response, 250, P::Response, S::Station, NICHE_PNC, true, 1),
    role(Role::ResponseSergeant, "PS", "Sergeant", D::Response, 40, P::Response, S::Station, NICHE_PNC, true, 2),
    role(Role::ResponseInspector, "INSP", "Inspector", D::Response, 8, P::Response, S::Station, NICHE_PNC, false, 3),
    role(Role::NeighbourhoodPc, "PC", "Constable", D::Neighbourhood, 70, P::Neighbourhood, S::Station, NICHE_PNC, true, 1),
    role(Role::Pcso, "PCSO", "PCSO", D::Neighbourhood, 60, P::Neighbourhood, S::Station, NICHE_ONLY, false, 1),
    role(Role::NeighbourhoodSergeant, "PS", "Sergeant", D::Neighbourhood, 12, P::Neighbourhood, S::Station, NICHE_PNC, false, 2),
    role(Role::Dc, "DC", "Constable", D::Cid, 85, P::Office, S::Area, ALL_SYSTEMS, false, 1),
    role(Role::Ds, "DS", "Sergeant", D::Cid, 15, P::Office, S::Area, ALL_SYSTEMS, false, 2),
    role(Role::Di, "DI", "Inspector", D::Cid, 4, P::Office, S::Area, ALL_SYSTEMS, false, 3),
    role(Role::PpuDc, "DC", "Constable", D::Ppu, 30, P::Office, S::Area, ALL_SYSTEMS, false, 1),
    role(Role::RoadsPc, "PC", "Constable", D::Roads, 30, P::Response, S::Area, NICHE_PNC, true, 1),
    role(Role::CustodySergeant, "PS", "Sergeant", D::Custody, 10, P::TwelveHour, S::Area, NICHE_PNC, false, 2),
    role(Role::DetentionOfficer, "Detention Officer", "Police Staff", D::Custody, 20, P::TwelveHour, S::Area, NICHE_PNC, false, 1),
    role(Role::CallHandler, "Call Handler", "Police Staff", D::ControlRoom, 80, P::TwelveHour, S::Force, NICHE_PNC, false, 1),
    role(Role::Dispatcher, "Dispatcher", "Police Staff", D::ControlRoom, 30, P::TwelveHour, S::Force, NICHE_PNC, false, 1),
    role(Role::Analyst, "Intelligence Analyst", "Police Staff", D::Intelligence, 20, P::Office, S::Area, NICHE_PND, false, 1),
    role(Role::InvestigationOfficer, "Investigation Officer", "Police Staff", D::Cid, 20, P::Office, S::Area, NICHE_PNC, false, 1),
    role(Role::CaseFileOfficer, "Case File Officer", "Police Staff", D::CaseFiles, 40, P::Office, S::Area, NICHE_ONLY, false, 1),
    role(Role::HrAdvisor, "HR Advisor", "Police Staff", D::Hr, 20, P::Office, S::Force, NO_SYSTEMS, false, 1),
    role(Role::FinanceOfficer, "Finance Officer", "Police Staff", D::Finance, 15, P::Office, S::Force, NO_SYSTEMS, false, 1),
    role(Role::IctEngineer, "ICT Engineer", "Police Staff", D::Ict, 20, P::Office, S::Force, NO_SYSTEMS, false, 1),
    role(Role::PsdInvestigator, "PSD Investigator", "Police Staff", D::Psd, 10, P::Office, S::Force, NICHE_ONLY, false, 1),
    role(Role::Superintendent, "SUPT", "Superintendent", D::Command, 5, P::Office, S::Area, NICHE_ONLY, false, 4),
];

impl Role {
    pub(crate) fn info(self) -> &'static RoleInfo {
        ROLES
            .iter()
            .find(|info| info.role == self)
            .unwrap_or(&ROLES[0])
    }
}

/// What a machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKind {
    Workstation,
    Mdt,
    Laptop,
    Printer,
}

/// A machine on the force network.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    /// Short name (`NTH-WS-0012`); Windows events add the DNS suffix.
    pub name: String,
    pub ip: u32,
    pub kind: HostKind,
}

/// A policing area (basic command unit).
#[derive(Debug, Clone)]
pub(crate) struct Area {
    pub name: &'static str,
    pub towns: &'static [&'static str],
    pub stations: Vec<u32>,
    pub main_station: u32,
    /// Postcode districts `NS{first}` to `NS{first + count - 1}` are in this area.
    pub first_district: u32,
    pub districts: u32,
    /// Relative size.
    pub weight: u32,
}

/// A police station (or the headquarters).
#[derive(Debug, Clone)]
pub(crate) struct Station {
    pub name: String,
    pub code: String,
    pub area: u32,
    pub workstations: Vec<u32>,
    pub mdts: Vec<u32>,
    pub printers: Vec<u32>,
}

/// A team staff belong to.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub name: String,
    pub members: Vec<u32>,
}

/// One member of staff.
#[derive(Debug, Clone)]
pub(crate) struct Staff {
    /// HR number (`E100234`).
    pub id: String,
    /// Windows account (`smithj100234`).
    pub sam: String,
    pub email: String,
    pub personal_email: String,
    pub mobile: String,
    pub forename: &'static str,
    pub middle: Option<&'static str>,
    pub surname: &'static str,
    pub female: bool,
    pub date_of_birth: NaiveDate,
    pub role: Role,
    pub team: u32,
    pub station: u32,
    /// Home policing area of the post (force-wide posts sit at headquarters).
    pub area: u32,
    pub force_wide: bool,
    /// Shift team letter (0 = A) for rotating patterns.
    pub letter: u8,
    /// Office start time in minutes after midnight.
    pub office_start: u16,
    pub laptop: Option<u32>,
    pub manager: Option<u32>,
    pub start_date: NaiveDate,
    pub notice: Option<NaiveDate>,
    pub leaving: Option<NaiveDate>,
    /// The staff member's own person record (filled in by the population).
    pub person: u32,
}

impl Staff {
    pub(crate) fn info(&self) -> &'static RoleInfo {
        self.role.info()
    }

    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.forename, self.surname)
    }

    /// The user id the records systems write: the Windows account in capitals.
    pub(crate) fn records_user(&self) -> String {
        self.sam.to_uppercase()
    }

    pub(crate) fn uses(&self, system: System) -> bool {
        self.info().systems.contains(&system)
    }
}

/// The whole organisation.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub areas: Vec<Area>,
    pub stations: Vec<Station>,
    pub teams: Vec<Team>,
    pub hosts: Vec<Host>,
    pub staff: Vec<Staff>,
    /// The headquarters station.
    pub hq: u32,
}

impl Org {
    pub(crate) fn area_name(&self, staff: &Staff) -> &'static str {
        if staff.force_wide {
            return FORCE_WIDE;
        }
        self.areas
            .get(staff.area as usize)
            .map_or(FORCE_WIDE, |area| area.name)
    }

    pub(crate) fn host(&self, index: u32) -> Option<&Host> {
        self.hosts.get(index as usize)
    }

    pub(crate) fn staff_in(&self, role: Role) -> impl Iterator<Item = u32> + '_ {
        self.staff
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.role == role)
            .map(|(i, _)| i as u32)
    }
}

/// `a.b.c.d` as a number.
pub(crate) fn ipv4(a: u32, b: u32, c: u32, d: u32) -> u32 {
    (a.min(255) << 24) | (b.min(255) << 16) | (c.min(255) << 8) | d.min(255)
}

/// A number as `a.b.c.d`.
pub(crate) fn ip_text(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

/// Builds the organisation for a configuration.
pub(crate) fn build(config: &SimConfig) -> Org {
    let mut rng = stream(config.seed, Purpose::Org, 0, 0);
    let mut org = Org {
        areas: Vec::new(),
        stations: Vec::new(),
        teams: Vec::new(),
        hosts: Vec::new(),
        staff: Vec::new(),
        hq: 0,
    };
    let area_count = (config.staff / 300).clamp(3, AREAS.len());
    build_areas(&mut org, &mut rng, area_count, config.staff);
    build_staff(&mut org, &mut rng, config);
    build_hosts(&mut org, &mut rng);
    assign_managers(&mut org, config.seed);
    org
}

fn build_areas(org: &mut Org, rng: &mut SimRng, count: usize, staff: usize) {
    let mut district = 1;
    let mut codes: HashMap<String, u32> = HashMap::new();
    for (index, (name, towns)) in AREAS.iter().take(count).enumerate() {
        let weight = rng.random_range(70..=130);
        let area_staff = staff * weight as usize / (100 * count);
        let station_count = (area_staff / 500 + 2).min(towns.len());
        let mut stations = Vec::new();
        for town in towns.iter().take(station_count) {
            let code = unique_code(&mut codes, town);
            stations.push(org.stations.len() as u32);
            org.stations.push(Station {
                name: format!("{town} Police Station"),
                code,
                area: index as u32,
                workstations: Vec::new(),
                mdts: Vec::new(),
                printers: Vec::new(),
            });
        }
        let districts = 4 + (area_staff / 400) as u32;
        org.areas.push(Area {
            name,
            towns,
            main_station: stations.first().copied().unwrap_or(0),
            stations,
            first_district: district,
            districts,
            weight,
        });
        district += districts;
    }
    org.hq = org.stations.len() as u32;
    org.stations.push(Station {
        name: "Force Headquarters".into(),
        code: "HQ".into(),
        area: 0,
        workstations: Vec::new(),
        mdts: Vec::new(),
        printers: Vec::new(),
    });
}

fn unique_code(codes: &mut HashMap<String, u32>, town: &str) -> String {
    let base: String = town
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let seen = codes.entry(base.clone()).or_insert(0);
    *seen += 1;
    if *seen == 1 {
        base
    } else {
        format!("{}{}", &base[..2.min(base.len())], seen)
    }
}

fn build_staff(org: &mut Org, rng: &mut SimRng, config: &SimConfig) {
    let role_weights: Vec<u32> = ROLES.iter().map(|r| r.weight).collect();
    let area_weights: Vec<u32> = org.areas.iter().map(|a| a.weight).collect();
    let surnames = Cumulative::new((0..SURNAMES.len()).map(|i| 1000 / (i as u64 + 8)));
    let mut teams: HashMap<(Department, u32, u8), u32> = HashMap::new();
    let mut emails: HashMap<String, u32> = HashMap::new();
    let mut number = 100_000u32;
    for index in 0..config.staff {
        let info = &ROLES[weighted(rng, &role_weights)];
        number += rng.random_range(1..=3);
        let female = chance(
            rng,
            if info.rank == "Police Staff" {
                0.6
            } else {
                0.4
            },
        );
        let forename = names::forename(rng, female);
        let middle = chance(rng, 0.5).then(|| names::forename(rng, female));
        let surname = SURNAMES[surnames.sample(rng)];
        let area = weighted(rng, &area_weights) as u32;
        let (area, station, force_wide) = match info.scope {
            Scope::Force => (0, org.hq, true),
            Scope::Area => (area, org.areas[area as usize].main_station, false),
            Scope::Station => {
                let stations = &org.areas[area as usize].stations;
                let station = pick(rng, stations).copied().unwrap_or(0);
                (area, station, false)
            }
        };
        let letter = match info.pattern {
            Pattern::Response => rng.random_range(0..5u8),
            Pattern::TwelveHour => rng.random_range(0..4u8),
            _ => 0,
        };
        let team_key_place = if info.scope == Scope::Station {
            station
        } else if force_wide {
            u32::MAX
        } else {
            area
        };
        let team_key = (info.department, team_key_place, letter);
        let team = match teams.get(&team_key) {
            Some(team) => *team,
            None => {
                let team = org.teams.len() as u32;
                org.teams.push(Team {
                    name: team_name(org, info, station, area, force_wide, letter),
                    members: Vec::new(),
                });
                teams.insert(team_key, team);
                team
            }
        };
        org.teams[team as usize].members.push(index as u32);
        let sam = format!(
            "{}{}{:06}",
            slug(surname).chars().take(6).collect::<String>(),
            slug(forename).chars().next().unwrap_or('x'),
            number % 1_000_000
        );
        let email = unique_email(&mut emails, forename, surname);
        let personal_email = personal_email(rng, forename, surname);
        let start_date = config.start - Duration::days(rng.random_range(60..11_000));
        let age_days = rng.random_range(20 * 365..62 * 365);
        let date_of_birth = config.start - Duration::days(age_days);
        let office_start = match info.department {
            Department::Hr | Department::Finance | Department::Ict => {
                rng.random_range(16..20u16) * 30
            }
            _ => rng.random_range(14..20u16) * 30,
        };
        org.staff.push(Staff {
            id: format!("E{number}"),
            sam,
            email,
            personal_email,
            mobile: format!("07700 9{:05}", rng.random_range(0..100_000)),
            forename,
            middle,
            surname,
            female,
            date_of_birth,
            role: info.role,
            team,
            station,
            area,
            force_wide,
            letter,
            office_start,
            laptop: None,
            manager: None,
            start_date,
            notice: None,
            leaving: None,
            person: 0,
        });
    }
}

fn team_name(
    org: &Org,
    info: &RoleInfo,
    station: u32,
    area: u32,
    force_wide: bool,
    letter: u8,
) -> String {
    let letter_char = (b'A' + letter) as char;
    let station_code = org
        .stations
        .get(station as usize)
        .map_or("HQ", |s| s.code.as_str());
    let area_name = org.areas.get(area as usize).map_or("Force", |a| a.name);
    let department = info.department.name();
    match (info.pattern, info.scope) {
        (Pattern::Response, Scope::Station) => format!("{station_code} Response {letter_char}"),
        (Pattern::Response, _) => format!("{area_name} {department} {letter_char}"),
        (Pattern::TwelveHour, Scope::Force) => format!("Force {department} {letter_char}"),
        (Pattern::TwelveHour, _) => format!("{area_name} {department} {letter_char}"),
        (_, Scope::Station) => format!("{station_code} {department}"),
        _ if force_wide => department.to_owned(),
        _ => format!("{area_name} {department}"),
    }
}

fn unique_email(emails: &mut HashMap<String, u32>, forename: &str, surname: &str) -> String {
    let local = format!("{}.{}", slug(forename), slug(surname));
    let seen = emails.entry(local.clone()).or_insert(0);
    *seen += 1;
    if *seen == 1 {
        format!("{local}@{MAIL_DOMAIN}")
    } else {
        format!("{local}{}@{MAIL_DOMAIN}", seen)
    }
}

/// A personal webmail address in one of the shapes people choose.
pub(crate) fn personal_email(rng: &mut SimRng, forename: &str, surname: &str) -> String {
    let first = slug(forename);
    let last = slug(surname);
    let domain = pick(rng, names::WEBMAIL).copied().unwrap_or("gmail.com");
    let digits = rng.random_range(1..99);
    match rng.random_range(0..4) {
        0 => format!("{first}.{last}{digits}@{domain}"),
        1 => format!("{first}{last}@{domain}"),
        2 => format!(
            "{}{last}{digits}@{domain}",
            first.chars().next().unwrap_or('x')
        ),
        _ => format!("{last}.{first}@{domain}"),
    }
}

fn build_hosts(org: &mut Org, rng: &mut SimRng) {
    let mut per_station = vec![0usize; org.stations.len()];
    let mut mobile = vec![0usize; org.stations.len()];
    for staff in &org.staff {
        per_station[staff.station as usize] += 1;
        if staff.info().attends {
            mobile[staff.station as usize] += 1;
        }
    }
    for (index, station) in org.stations.iter_mut().enumerate() {
        let area = station.area;
        let local = index as u32;
        let workstations = (per_station[index] * 2 / 5).max(4);
        for n in 0..workstations {
            let n = n as u32;
            station.workstations.push(org.hosts.len() as u32);
            org.hosts.push(Host {
                name: format!("{}-WS-{:04}", station.code, n + 1),
                ip: ipv4(10, 20 + area, (local % 32) * 8 + n / 250, n % 250 + 1),
                kind: HostKind::Workstation,
            });
        }
        for n in 0..(mobile[index] / 3).max(1) {
            let n = n as u32;
            station.mdts.push(org.hosts.len() as u32);
            org.hosts.push(Host {
                name: format!("{}-MDT-{:04}", station.code, n + 1),
                ip: ipv4(10, 100 + area, (local % 32) * 8 + n / 250, n % 250 + 1),
                kind: HostKind::Mdt,
            });
        }
        for n in 0..(1 + per_station[index] / 150) {
            let n = n as u32;
            station.printers.push(org.hosts.len() as u32);
            org.hosts.push(Host {
                name: format!("{}-PRN-{:02}", station.code, n + 1),
                ip: ipv4(10, 20 + area, (local % 32) * 8 + 7, 200 + n % 50),
                kind: HostKind::Printer,
            });
        }
    }
    let mut laptops = 0u32;
    for staff in org.staff.iter_mut() {
        let info = staff.role.info();
        let has_laptop = info.pattern == Pattern::Office || info.level >= 3;
        if !has_laptop || !chance(rng, 0.8) {
            continue;
        }
        laptops += 1;
        staff.laptop = Some(org.hosts.len() as u32);
        org.hosts.push(Host {
            name: format!("LT-{:05}", 10_000 + laptops * 7 % 90_000),
            ip: ipv4(10, 60 + staff.area, laptops / 250 % 256, laptops % 250 + 1),
            kind: HostKind::Laptop,
        });
    }
}

fn assign_managers(org: &mut Org, seed: u64) {
    let mut area_seniors: HashMap<(u32, bool), Vec<u32>> = HashMap::new();
    for (index, staff) in org.staff.iter().enumerate() {
        if staff.info().level >= 3 {
            area_seniors
                .entry((staff.area, staff.force_wide))
                .or_default()
                .push(index as u32);
        }
    }
    let mut managers = Vec::with_capacity(org.staff.len());
    for (index, staff) in org.staff.iter().enumerate() {
        let level = staff.info().level;
        let team = &org.teams[staff.team as usize];
        let above = |candidate: &u32| {
            org.staff
                .get(*candidate as usize)
                .is_some_and(|c| c.info().level > level)
        };
        let in_team: Vec<u32> = team.members.iter().copied().filter(above).collect();
        let candidates = if in_team.is_empty() {
            let seniors = area_seniors
                .get(&(staff.area, staff.force_wide))
                .or_else(|| area_seniors.get(&(staff.area, false)));
            seniors
                .map(|list| list.iter().copied().filter(above).collect())
                .unwrap_or_default()
        } else {
            in_team
        };
        let choice = hash(seed, Purpose::Org, index as u64, 1) as usize;
        let manager = if candidates.is_empty() {
            None
        } else {
            candidates.get(choice % candidates.len()).copied()
        };
        managers.push(manager);
    }
    for (staff, manager) in org.staff.iter_mut().zip(managers) {
        staff.manager = manager;
    }
}

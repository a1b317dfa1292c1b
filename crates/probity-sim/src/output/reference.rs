//! The reference files: staff directory, rosters, tasking, watch list and the records population.

use std::path::Path;

use super::{CsvFile, FileCount};
use crate::Result;
use crate::activity::{address_id, person_id, vehicle_id};
use crate::clock::iso_utc;
use crate::org::FORCE_WIDE;
use crate::population::Relation;
use crate::rng::{Purpose, hash};
use crate::world::World;

/// Writes every reference file and returns what each holds.
pub(crate) fn write_all(world: &World, out: &Path) -> Result<Vec<FileCount>> {
    Ok(vec![
        staff(world, out)?,
        rosters(world, out)?,
        tasking(world, out)?,
        watchlist(world, out)?,
        subjects(world, out)?,
    ])
}

fn staff(world: &World, out: &Path) -> Result<FileCount> {
    let mut file = CsvFile::create(
        out,
        "reference/staff.csv",
        &[
            "staff_id",
            "accounts",
            "full_name",
            "forenames",
            "surname",
            "date_of_birth",
            "home_address",
            "postcode",
            "vehicles",
            "relatives",
            "role",
            "rank",
            "department",
            "team",
            "station",
            "area",
            "line_manager",
            "start_date",
            "notice_date",
            "leaving_date",
            "personal_email",
            "mobile",
        ],
    )?;
    let seed = world.config.seed;
    let org = &world.org;
    let pop = &world.pop;
    for (index, member) in org.staff.iter().enumerate() {
        let roll = hash(seed, Purpose::Org, index as u64, 11);
        let home = pop.persons.get(member.person as usize).map(|p| p.address);
        let address = home.map(|a| pop.address_line(a)).unwrap_or_default();
        let canonical = home
            .and_then(|a| pop.addresses.get(a as usize))
            .map(|a| a.postcode.clone())
            .unwrap_or_default();
        let postcode = if roll % 100 < 15 {
            canonical.replace(' ', "")
        } else {
            canonical
        };
        let vehicles: Vec<String> = pop
            .staff_vehicles
            .get(index)
            .into_iter()
            .flatten()
            .filter_map(|v| pop.vehicles.get(*v as usize))
            .enumerate()
            .map(|(n, v)| {
                if (roll >> 8).wrapping_add(n as u64).is_multiple_of(5) {
                    v.vrm.replace(' ', "")
                } else {
                    v.vrm.clone()
                }
            })
            .collect();
        let relatives: Vec<String> = pop
            .ties
            .get(index)
            .into_iter()
            .flatten()
            .filter(|tie| tie.declared && tie.relation != Relation::Cousin)
            .filter_map(|tie| {
                let person = pop.persons.get(tie.person as usize)?;
                Some(format!(
                    "{} {} ({})",
                    person.forename,
                    person.surname,
                    tie.relation.name()
                ))
            })
            .collect();
        let info = member.info();
        let team = org
            .teams
            .get(member.team as usize)
            .map_or("", |t| t.name.as_str());
        let station = org
            .stations
            .get(member.station as usize)
            .map_or("", |s| s.name.as_str());
        let area = if member.force_wide {
            FORCE_WIDE
        } else {
            org.area_name(member)
        };
        let manager = member
            .manager
            .and_then(|m| org.staff.get(m as usize))
            .map_or("", |m| m.id.as_str());
        let forenames = match member.middle {
            Some(middle) => format!("{} {middle}", member.forename),
            None => member.forename.to_owned(),
        };
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        file.row([
            member.id.as_str(),
            &format!("{};{}", member.sam, member.email),
            &member.full_name(),
            &forenames,
            member.surname,
            &member.date_of_birth.to_string(),
            &address,
            &postcode,
            &vehicles.join(";"),
            &relatives.join("; "),
            info.code,
            info.rank,
            info.department.name(),
            team,
            station,
            area,
            manager,
            &member.start_date.to_string(),
            &date(member.notice),
            &date(member.leaving),
            &member.personal_email,
            &member.mobile,
        ])?;
    }
    file.finish()
}

fn rosters(world: &World, out: &Path) -> Result<FileCount> {
    let mut file = CsvFile::create(
        out,
        "reference/rosters.csv",
        &["staff_id", "date", "duty", "start", "end"],
    )?;
    for (index, member) in world.org.staff.iter().enumerate() {
        for day in 0..world.rosters.days {
            let Some(roster) = world.rosters.get(index as u32, day) else {
                continue;
            };
            let date = world.rosters.date(day).to_string();
            let (start, end) = roster
                .shift
                .map(|s| (iso_utc(s.start), iso_utc(s.end)))
                .unwrap_or_default();
            file.row([member.id.as_str(), &date, roster.duty.name(), &start, &end])?;
            if let Some(overtime) = roster.overtime {
                file.row([
                    member.id.as_str(),
                    &date,
                    "overtime",
                    &iso_utc(overtime.start),
                    &iso_utc(overtime.end),
                ])?;
            }
        }
    }
    file.finish()
}

fn tasking(world: &World, out: &Path) -> Result<FileCount> {
    let mut file = CsvFile::create(
        out,
        "reference/tasking.csv",
        &[
            "reference",
            "kind",
            "type",
            "title",
            "opened",
            "closed",
            "area",
            "team",
            "assigned_staff",
            "persons",
            "vehicles",
            "addresses",
        ],
    )?;
    let org = &world.org;
    let pop = &world.pop;
    let mut order: Vec<usize> = (0..world.tasking.tasks.len()).collect();
    order.sort_by_key(|&i| (world.tasking.tasks[i].opened, i));
    for index in order {
        let task = &world.tasking.tasks[index];
        let area = org.areas.get(task.area as usize).map_or("", |a| a.name);
        let team = task
            .team
            .and_then(|t| org.teams.get(t as usize))
            .map_or("", |t| t.name.as_str());
        let assigned: Vec<&str> = task
            .assigned
            .iter()
            .filter_map(|s| org.staff.get(*s as usize))
            .map(|m| m.id.as_str())
            .collect();
        let persons: Vec<String> = task
            .persons
            .iter()
            .map(|(p, link)| format!("{}:{}", person_id(*p), link.name()))
            .collect();
        let vehicles: Vec<&str> = task
            .vehicles
            .iter()
            .filter_map(|v| pop.vehicles.get(*v as usize))
            .map(|v| v.vrm.as_str())
            .collect();
        let addresses: Vec<String> = task.addresses.iter().map(|a| address_id(*a)).collect();
        file.row([
            task.reference.as_str(),
            task.kind.name(),
            task.category,
            task.name.as_deref().unwrap_or(""),
            &iso_utc(task.opened),
            &task.closed.map(iso_utc).unwrap_or_default(),
            area,
            team,
            &assigned.join(";"),
            &persons.join(";"),
            &vehicles.join(";"),
            &addresses.join(";"),
        ])?;
    }
    file.finish()
}

fn watchlist(world: &World, out: &Path) -> Result<FileCount> {
    let mut file = CsvFile::create(
        out,
        "reference/watchlist.csv",
        &["subject_id", "kind", "authorised_staff", "added"],
    )?;
    for entry in &world.watch.entries {
        let authorised: Vec<&str> = entry
            .authorised
            .iter()
            .filter_map(|s| world.org.staff.get(*s as usize))
            .map(|m| m.id.as_str())
            .collect();
        file.row([
            person_id(entry.person).as_str(),
            entry.kind.name(),
            &authorised.join(";"),
            &entry.added.to_string(),
        ])?;
    }
    file.finish()
}

fn subjects(world: &World, out: &Path) -> Result<FileCount> {
    let mut file = CsvFile::create(
        out,
        "reference/subjects.csv",
        &[
            "subject_id",
            "kind",
            "name",
            "forenames",
            "surname",
            "date_of_birth",
            "address_id",
            "address",
            "postcode",
            "area",
            "email",
            "phone",
            "vrm",
            "make",
            "model",
            "colour",
            "keeper_id",
        ],
    )?;
    let pop = &world.pop;
    let area_name = |area: u32| world.org.areas.get(area as usize).map_or("", |a| a.name);
    for (index, person) in pop.persons.iter().enumerate() {
        let address = pop.addresses.get(person.address as usize);
        file.row([
            person_id(index as u32).as_str(),
            "person",
            &person.held.display,
            &person.held.forenames,
            &person.held.surname,
            &person.date_of_birth.to_string(),
            &address_id(person.address),
            &pop.address_line(person.address),
            address.map_or("", |a| a.held_postcode.as_str()),
            address.map_or("", |a| area_name(a.area)),
            person.email.as_deref().unwrap_or(""),
            person.phone.as_deref().unwrap_or(""),
            "",
            "",
            "",
            "",
            "",
        ])?;
    }
    for vehicle in &pop.vehicles {
        let keeper = pop.persons.get(vehicle.keeper as usize);
        let address = keeper.map(|k| k.address);
        let area = address
            .and_then(|a| pop.addresses.get(a as usize))
            .map_or("", |a| area_name(a.area));
        file.row([
            vehicle_id(&vehicle.vrm).as_str(),
            "vehicle",
            &vehicle.vrm,
            "",
            "",
            "",
            &address.map(address_id).unwrap_or_default(),
            &address.map(|a| pop.address_line(a)).unwrap_or_default(),
            "",
            area,
            "",
            "",
            &vehicle.vrm,
            vehicle.make,
            vehicle.model,
            vehicle.colour,
            &person_id(vehicle.keeper),
        ])?;
    }
    for (index, address) in pop.addresses.iter().enumerate() {
        file.row([
            address_id(index as u32).as_str(),
            "address",
            &pop.address_line(index as u32),
            "",
            "",
            "",
            &address_id(index as u32),
            &pop.address_line(index as u32),
            &address.held_postcode,
            area_name(address.area),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])?;
    }
    file.finish()
}

//! The records systems' population: people, vehicles and addresses, including the staff
//! themselves, their households, relatives, associates and neighbours, so that relationship checks
//! have something to find.

use chrono::{Duration, NaiveDate};
use rand::Rng;

use crate::SimConfig;
use crate::names::{
    self, COLOURS, HeldName, STREET_ENDINGS, STREETS, SURNAMES, VEHICLES, postcode_as_held,
    records_name,
};
use crate::org::{Org, personal_email};
use crate::rng::{Cumulative, Purpose, SimRng, chance, pick, stream};

/// How a person is related to a member of staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Spouse,
    Partner,
    ExPartner,
    Parent,
    Child,
    Sibling,
    Associate,
    /// A relative the member of staff has not declared (a cousin, say).
    Cousin,
}

impl Relation {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Partner => "partner",
            Relation::ExPartner => "ex-partner",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
            Relation::Associate => "associate",
            Relation::Cousin => "cousin",
        }
    }
}

/// Who a person is, for the generator's own use (not written to the subjects file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Public,
    Staff(u32),
    Relative(u32),
    Neighbour(u32),
    Celebrity,
    Protected,
}

/// A street.
#[derive(Debug, Clone)]
pub(crate) struct Street {
    pub name: String,
    pub town: &'static str,
    pub area: u32,
    pub district: u32,
    pub next_number: u32,
    pub addresses: Vec<u32>,
}

/// An address.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub number: u32,
    pub street: u32,
    /// Canonical postcode (`NS4 7QD`).
    pub postcode: String,
    /// The postcode as the records system holds it.
    pub held_postcode: String,
    pub area: u32,
    pub residents: Vec<u32>,
}

/// A person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub forename: &'static str,
    pub surname: &'static str,
    pub held: HeldName,
    pub female: bool,
    pub date_of_birth: NaiveDate,
    pub address: u32,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub origin: Origin,
}

/// A vehicle.
#[derive(Debug, Clone)]
pub(crate) struct Vehicle {
    /// Registration mark, `AB12 CDE`.
    pub vrm: String,
    pub make: &'static str,
    pub model: &'static str,
    pub colour: &'static str,
    pub keeper: u32,
}

/// One relative or associate of a member of staff.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tie {
    pub person: u32,
    pub relation: Relation,
    pub declared: bool,
}

/// Everyone and everything the records systems hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct Population {
    pub persons: Vec<Person>,
    pub vehicles: Vec<Vehicle>,
    pub addresses: Vec<Address>,
    pub streets: Vec<Street>,
    /// Streets of each area.
    pub area_streets: Vec<Vec<u32>>,
    /// Members of the public in each area, and how likely each is to come to police notice.
    pub area_public: Vec<Vec<u32>>,
    pub area_public_weights: Vec<Cumulative>,
    /// Vehicles kept by members of the public in each area.
    pub area_vehicles: Vec<Vec<u32>>,
    /// Each staff member's relatives and associates.
    pub ties: Vec<Vec<Tie>>,
    /// Each staff member's neighbours.
    pub neighbours: Vec<Vec<u32>>,
    /// Each staff member's vehicles.
    pub staff_vehicles: Vec<Vec<u32>>,
    pub celebrities: Vec<u32>,
    pub protected: Vec<u32>,
}

impl Population {
    /// Area of a person (that of their address).
    pub(crate) fn person_area(&self, person: u32) -> u32 {
        self.persons
            .get(person as usize)
            .and_then(|p| self.addresses.get(p.address as usize))
            .map_or(0, |a| a.area)
    }

    /// `12 Mill Lane, Northtown`.
    pub(crate) fn address_line(&self, address: u32) -> String {
        let Some(address) = self.addresses.get(address as usize) else {
            return String::new();
        };
        let Some(street) = self.streets.get(address.street as usize) else {
            return String::new();
        };
        format!("{} {}, {}", address.number, street.name, street.town)
    }

    /// A public person of `area` as likely to come to notice as the area's population makes them.
    pub(crate) fn sample_public(&self, rng: &mut SimRng, area: u32) -> Option<u32> {
        let list = self.area_public.get(area as usize)?;
        let weights = self.area_public_weights.get(area as usize)?;
        list.get(weights.sample(rng)).copied()
    }

    /// A new address on a random street of `area`.
    pub(crate) fn new_address(&mut self, rng: &mut SimRng, area: u32) -> u32 {
        let streets = self.area_streets.get(area as usize).map_or(&[][..], |s| s);
        let street = pick(rng, streets).copied().unwrap_or(0);
        let number = {
            let Some(street) = self.streets.get_mut(street as usize) else {
                return 0;
            };
            let number = street.next_number;
            street.next_number += rng.random_range(1..4);
            number
        };
        self.address_at(rng, street, number)
    }

    /// A new address at `number` on `street`.
    pub(crate) fn address_at(&mut self, rng: &mut SimRng, street: u32, number: u32) -> u32 {
        let (district, area) = self
            .streets
            .get(street as usize)
            .map_or((1, 0), |s| (s.district, s.area));
        let postcode = postcode(street, number, district);
        let held_postcode = postcode_as_held(rng, &postcode);
        let index = self.addresses.len() as u32;
        self.addresses.push(Address {
            number,
            street,
            postcode,
            held_postcode,
            area,
            residents: Vec::new(),
        });
        if let Some(street) = self.streets.get_mut(street as usize) {
            street.addresses.push(index);
        }
        index
    }

    /// Adds a person living at a new address in `area`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_person(
        &mut self,
        rng: &mut SimRng,
        forename: &'static str,
        surname: &'static str,
        female: bool,
        area: u32,
        date_of_birth: NaiveDate,
        origin: Origin,
    ) -> u32 {
        let address = self.new_address(rng, area);
        let middle = chance(rng, 0.45).then(|| names::forename(rng, female));
        let held = records_name(rng, forename, middle, surname);
        let email = chance(rng, 0.6).then(|| personal_email(rng, forename, surname));
        let index = self.persons.len() as u32;
        self.persons.push(Person {
            forename,
            surname,
            held,
            female,
            date_of_birth,
            address,
            email,
            phone: Some(format!("07700 9{:05}", rng.random_range(0..100_000))),
            origin,
        });
        if let Some(a) = self.addresses.get_mut(address as usize) {
            a.residents.push(index);
        }
        index
    }
}

/// Builds the population.
pub(crate) fn build(config: &SimConfig, org: &mut Org) -> Population {
    let mut rng = stream(config.seed, Purpose::Population, 0, 0);
    let mut builder = Builder {
        pop: Population::default(),
        surnames: Cumulative::new((0..SURNAMES.len()).map(|i| 1000 / (i as u64 + 8))),
        reference: config.start,
        next_vehicle: 0,
    };
    builder.streets(&mut rng, org, config.staff);
    builder.staff(&mut rng, org);
    builder.public(&mut rng, org, config.staff);
    builder.special(&mut rng, org, config.staff);
    builder.pop
}

struct Builder {
    pop: Population,
    surnames: Cumulative,
    reference: NaiveDate,
    next_vehicle: u64,
}

impl Builder {
    fn streets(&mut self, rng: &mut SimRng, org: &Org, staff: usize) {
        let public = public_size(staff);
        let total_weight: u32 = org.areas.iter().map(|a| a.weight).sum::<u32>().max(1);
        for (area_index, area) in org.areas.iter().enumerate() {
            let residents = public * area.weight as usize / total_weight as usize + staff * 5;
            let count = (residents / 30).max(40);
            let mut list = Vec::with_capacity(count);
            for n in 0..count {
                let stem = pick(rng, STREETS).copied().unwrap_or("High");
                let ending = pick(rng, STREET_ENDINGS).copied().unwrap_or("Street");
                let town = area.towns[n % area.towns.len()];
                let district = area.first_district + (n as u32 % area.districts);
                list.push(self.pop.streets.len() as u32);
                self.pop.streets.push(Street {
                    name: format!("{stem} {ending}"),
                    town,
                    area: area_index as u32,
                    district,
                    next_number: rng.random_range(1..9),
                    addresses: Vec::new(),
                });
            }
            self.pop.area_streets.push(list);
        }
        self.pop.area_public = vec![Vec::new(); org.areas.len()];
        self.pop.area_vehicles = vec![Vec::new(); org.areas.len()];
    }

    fn new_address(&mut self, rng: &mut SimRng, area: u32) -> u32 {
        self.pop.new_address(rng, area)
    }

    /// A new address for a member of staff, with room for two neighbours two and four doors up
    /// in the same postcode block.
    fn new_home(&mut self, rng: &mut SimRng, area: u32) -> u32 {
        let streets = &self.pop.area_streets[area as usize];
        let street = pick(rng, streets).copied().unwrap_or(0);
        let number = {
            let street = &mut self.pop.streets[street as usize];
            let mut number = street.next_number;
            if number % 20 > 15 {
                number += 20 - number % 20 + 1;
            }
            street.next_number = number + 5 + rng.random_range(0..3);
            number
        };
        self.address_at(rng, street, number)
    }

    fn address_at(&mut self, rng: &mut SimRng, street: u32, number: u32) -> u32 {
        self.pop.address_at(rng, street, number)
    }

    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        rng: &mut SimRng,
        forename: &'static str,
        surname: &'static str,
        female: bool,
        age_years: (i64, i64),
        address: u32,
        origin: Origin,
    ) -> u32 {
        let middle = chance(rng, 0.45).then(|| names::forename(rng, female));
        let held = records_name(rng, forename, middle, surname);
        let age_days = rng.random_range(age_years.0 * 365..age_years.1 * 365);
        let email = chance(rng, 0.6).then(|| personal_email(rng, forename, surname));
        let phone =
            chance(rng, 0.85).then(|| format!("07700 9{:05}", rng.random_range(0..100_000)));
        let index = self.pop.persons.len() as u32;
        self.pop.persons.push(Person {
            forename,
            surname,
            held,
            female,
            date_of_birth: self.reference - Duration::days(age_days),
            address,
            email,
            phone,
            origin,
        });
        if let Some(a) = self.pop.addresses.get_mut(address as usize) {
            a.residents.push(index);
        }
        index
    }

    fn surname(&self, rng: &mut SimRng) -> &'static str {
        SURNAMES[self.surnames.sample(rng)]
    }

    fn vehicle(&mut self, rng: &mut SimRng, keeper: u32) -> u32 {
        // Registrations spread over the space of marks, never repeating.
        self.next_vehicle += rng.random_range(1..5000);
        let (make, model) = pick(rng, VEHICLES).copied().unwrap_or(("FORD", "FIESTA"));
        let index = self.pop.vehicles.len() as u32;
        self.pop.vehicles.push(Vehicle {
            vrm: names::registration(self.next_vehicle),
            make,
            model,
            colour: pick(rng, COLOURS).copied().unwrap_or("SILVER"),
            keeper,
        });
        index
    }

    fn staff(&mut self, rng: &mut SimRng, org: &mut Org) {
        let areas = org.areas.len() as u32;
        for index in 0..org.staff.len() {
            let (work_area, forename, surname, female, dob) = {
                let s = &org.staff[index];
                (s.area, s.forename, s.surname, s.female, s.date_of_birth)
            };
            let home_area = if chance(rng, 0.8) {
                work_area
            } else {
                rng.random_range(0..areas)
            };
            let home = self.new_home(rng, home_area);
            let middle = org.staff[index].middle;
            let held = records_name(rng, forename, middle, surname);
            let person = self.pop.persons.len() as u32;
            self.pop.persons.push(Person {
                forename,
                surname,
                held,
                female,
                date_of_birth: dob,
                address: home,
                email: Some(org.staff[index].personal_email.clone()),
                phone: Some(org.staff[index].mobile.clone()),
                origin: Origin::Staff(index as u32),
            });
            self.pop.addresses[home as usize].residents.push(person);
            org.staff[index].person = person;
            let ties = self.family(rng, index as u32, home, home_area, surname, female, areas);
            self.pop.ties.push(ties);
            let neighbours = self.neighbours(rng, index as u32, home);
            self.pop.neighbours.push(neighbours);
            let mut vehicles = Vec::new();
            if chance(rng, 0.85) {
                vehicles.push(self.vehicle(rng, person));
            }
            if chance(rng, 0.2) {
                vehicles.push(self.vehicle(rng, person));
            }
            self.pop.staff_vehicles.push(vehicles);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn family(
        &mut self,
        rng: &mut SimRng,
        staff: u32,
        home: u32,
        home_area: u32,
        surname: &'static str,
        female: bool,
        areas: u32,
    ) -> Vec<Tie> {
        let mut ties = Vec::new();
        let origin = Origin::Relative(staff);
        let mut add = |builder: &mut Builder,
                       rng: &mut SimRng,
                       relation: Relation,
                       same_surname: bool,
                       sex_female: bool,
                       ages: (i64, i64),
                       address: u32| {
            let forename = names::forename(rng, sex_female);
            let surname = if same_surname {
                surname
            } else {
                builder.surname(rng)
            };
            let person = builder.person(rng, forename, surname, sex_female, ages, address, origin);
            let declared = match relation {
                Relation::ExPartner => chance(rng, 0.5),
                Relation::Cousin => false,
                _ => chance(rng, 0.95),
            };
            ties.push(Tie {
                person,
                relation,
                declared,
            });
        };
        if chance(rng, 0.6) {
            let relation = if chance(rng, 0.6) {
                Relation::Spouse
            } else {
                Relation::Partner
            };
            let same = relation == Relation::Spouse && chance(rng, 0.7);
            add(self, rng, relation, same, !female, (22, 65), home);
        }
        if chance(rng, 0.2) {
            let sex = chance(rng, 0.5);
            add(self, rng, Relation::Child, true, sex, (17, 30), home);
        }
        for _ in 0..rng.random_range(0..3) {
            let area = near_area(rng, home_area, areas);
            let address = self.new_address(rng, area);
            let (same, sex) = (chance(rng, 0.7), chance(rng, 0.5));
            add(self, rng, Relation::Parent, same, sex, (50, 90), address);
        }
        if chance(rng, 0.5) {
            let area = near_area(rng, home_area, areas);
            let address = self.new_address(rng, area);
            let (same, sex) = (chance(rng, 0.6), chance(rng, 0.5));
            add(self, rng, Relation::Sibling, same, sex, (18, 60), address);
        }
        if chance(rng, 0.15) {
            let area = near_area(rng, home_area, areas);
            let address = self.new_address(rng, area);
            add(
                self,
                rng,
                Relation::ExPartner,
                false,
                !female,
                (20, 60),
                address,
            );
        }
        if chance(rng, 0.08) {
            let area = near_area(rng, home_area, areas);
            let address = self.new_address(rng, area);
            let sex = chance(rng, 0.3);
            add(
                self,
                rng,
                Relation::Associate,
                false,
                sex,
                (20, 60),
                address,
            );
        }
        ties
    }

    fn neighbours(&mut self, rng: &mut SimRng, staff: u32, home: u32) -> Vec<u32> {
        let (street, number) = {
            let address = &self.pop.addresses[home as usize];
            (address.street, address.number)
        };
        let mut neighbours = Vec::new();
        for step in [2u32, 4] {
            // Same side of the street, same postcode block of twenty numbers (see `new_home`).
            let address = self.address_at(rng, street, number + step);
            let female = chance(rng, 0.5);
            let forename = names::forename(rng, female);
            let surname = self.surname(rng);
            let person = self.person(
                rng,
                forename,
                surname,
                female,
                (18, 85),
                address,
                Origin::Neighbour(staff),
            );
            neighbours.push(person);
        }
        neighbours
    }

    fn public(&mut self, rng: &mut SimRng, org: &Org, staff: usize) {
        let target = public_size(staff);
        let total_weight: u32 = org.areas.iter().map(|a| a.weight).sum::<u32>().max(1);
        for (area_index, area) in org.areas.iter().enumerate() {
            let area_index = area_index as u32;
            let people = target * area.weight as usize / total_weight as usize;
            let mut made = 0;
            let mut weights = Vec::with_capacity(people);
            while made < people {
                let address = self.new_address(rng, area_index);
                let household = rng.random_range(1..=4usize).min(people - made);
                let surname = self.surname(rng);
                for member in 0..household {
                    let female = chance(rng, 0.5);
                    let forename = names::forename(rng, female);
                    let shared = member == 0 || chance(rng, 0.6);
                    let family_name = if shared { surname } else { self.surname(rng) };
                    let person = self.person(
                        rng,
                        forename,
                        family_name,
                        female,
                        (16, 90),
                        address,
                        Origin::Public,
                    );
                    self.pop.area_public[area_index as usize].push(person);
                    // A heavy tail: a few people come to notice again and again.
                    let roll: f64 = rng.random();
                    weights.push(1 + (roll.powi(6) * 60.0) as u64);
                    if chance(rng, 0.35) {
                        let vehicle = self.vehicle(rng, person);
                        self.pop.area_vehicles[area_index as usize].push(vehicle);
                    }
                    made += 1;
                }
            }
            self.pop.area_public_weights.push(Cumulative::new(weights));
        }
    }

    fn special(&mut self, rng: &mut SimRng, org: &Org, staff: usize) {
        let areas = org.areas.len() as u32;
        for _ in 0..(staff / 150).max(6) {
            let area = rng.random_range(0..areas);
            let address = self.new_address(rng, area);
            let female = chance(rng, 0.5);
            let forename = names::forename(rng, female);
            let surname = self.surname(rng);
            let person = self.person(
                rng,
                forename,
                surname,
                female,
                (20, 60),
                address,
                Origin::Celebrity,
            );
            self.pop.celebrities.push(person);
        }
        for _ in 0..(staff / 250).max(4) {
            let area = rng.random_range(0..areas);
            let address = self.new_address(rng, area);
            let female = chance(rng, 0.5);
            let forename = names::forename(rng, female);
            let surname = self.surname(rng);
            let person = self.person(
                rng,
                forename,
                surname,
                female,
                (18, 70),
                address,
                Origin::Protected,
            );
            self.pop.protected.push(person);
        }
    }
}

/// How many members of the public the records hold for a force of `staff`.
fn public_size(staff: usize) -> usize {
    (staff * 4).max(3000)
}

/// The same area mostly, else any.
fn near_area(rng: &mut SimRng, home: u32, areas: u32) -> u32 {
    if chance(rng, 0.7) {
        home
    } else {
        rng.random_range(0..areas.max(1))
    }
}

/// The postcode of a house: `NS{district} {sector}{unit}`, one unit per block of twenty numbers of
/// a street.
fn postcode(street: u32, number: u32, district: u32) -> String {
    const UNIT: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let block = street.wrapping_mul(31).wrapping_add(number / 20);
    let sector = block % 10;
    let first = UNIT[(block / 10 % UNIT.len() as u32) as usize] as char;
    let second = UNIT[(block / 200 % UNIT.len() as u32) as usize] as char;
    format!("NS{district} {sector}{first}{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_share_the_postcode() {
        assert_eq!(postcode(5, 21, 3), postcode(5, 25, 3));
        assert_ne!(postcode(5, 21, 3), postcode(5, 41, 3));
        assert!(postcode(5, 21, 3).starts_with("NS3 "));
    }
}

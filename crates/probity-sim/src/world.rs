//! Everything the generator has built, and the small rules that tie activity to it.

use crate::SimConfig;
use crate::events::Place;
use crate::org::{HostKind, Org, Pattern, ipv4};
use crate::population::Population;
use crate::rng::{Purpose, hash};
use crate::roster::Rosters;
use crate::tasking::Tasking;
use crate::watch::Watchlist;

/// The simulated force.
#[derive(Debug)]
pub(crate) struct World {
    pub config: SimConfig,
    pub org: Org,
    pub pop: Population,
    pub rosters: Rosters,
    pub tasking: Tasking,
    pub watch: Watchlist,
}

impl World {
    /// The desk a member of staff works at on a day: a hot desk at their station, or their laptop
    /// docked there on about half of their days.
    pub(crate) fn workplace(&self, staff: u32, day: u32) -> Place {
        if let Some(place) = self.home_office(staff, day) {
            return place;
        }
        let seed = self.config.seed;
        let roll = hash(seed, Purpose::Host, u64::from(staff), u64::from(day));
        let Some(member) = self.org.staff.get(staff as usize) else {
            return Place { host: 0, ip: 0 };
        };
        if let Some(laptop) = member.laptop
            && roll.is_multiple_of(2)
            && let Some(host) = self.org.host(laptop)
        {
            return Place {
                host: laptop,
                ip: host.ip,
            };
        }
        let desks = self
            .org
            .stations
            .get(member.station as usize)
            .map_or(&[][..], |s| &s.workstations);
        self.place_from(desks, roll >> 8)
    }

    /// The laptop on the VPN, on the days a member of staff with a laptop and office hours works
    /// from home (about one in four).
    pub(crate) fn home_office(&self, staff: u32, day: u32) -> Option<Place> {
        let member = self.org.staff.get(staff as usize)?;
        let laptop = member.laptop?;
        if member.info().pattern != Pattern::Office {
            return None;
        }
        let roll = hash(
            self.config.seed,
            Purpose::Host,
            u64::from(staff),
            u64::from(day) + 5000,
        );
        roll.is_multiple_of(4).then(|| Place {
            host: laptop,
            ip: self.vpn_ip(staff),
        })
    }

    /// The address the VPN gives a member of staff's laptop.
    pub(crate) fn vpn_ip(&self, staff: u32) -> u32 {
        ipv4(10, 250, (staff / 250) % 256, staff % 250 + 1)
    }

    /// The home broadband address a member of staff connects from (carrier-grade NAT space).
    pub(crate) fn home_ip(&self, staff: u32) -> u32 {
        let roll = hash(self.config.seed, Purpose::Host, u64::from(staff), 77);
        (100 << 24) | (64 << 16) | (roll % (1 << 22)) as u32
    }

    /// The vehicle terminal an attending officer uses on a day.
    pub(crate) fn mdt(&self, staff: u32, day: u32) -> Option<Place> {
        let member = self.org.staff.get(staff as usize)?;
        if !member.info().attends {
            return None;
        }
        let station = self.org.stations.get(member.station as usize)?;
        let roll = hash(
            self.config.seed,
            Purpose::Host,
            u64::from(staff),
            u64::from(day) + 1000,
        );
        let place = self.place_from(&station.mdts, roll);
        (self.org.host(place.host)?.kind == HostKind::Mdt).then_some(place)
    }

    fn place_from(&self, hosts: &[u32], roll: u64) -> Place {
        if hosts.is_empty() {
            return Place { host: 0, ip: 0 };
        }
        let host = hosts[(roll % hosts.len() as u64) as usize];
        let ip = self.org.host(host).map_or(0, |h| h.ip);
        Place { host, ip }
    }

    /// The records-system session of a member of staff on a day (`part` tells shifts apart).
    pub(crate) fn session(&self, staff: u32, day: u32, part: u32) -> u64 {
        let people = self.org.staff.len() as u64;
        (u64::from(day) * 4 + u64::from(part)) * people + u64::from(staff) + 1
    }
}

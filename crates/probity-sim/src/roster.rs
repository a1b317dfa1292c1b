//! Duty rosters: what each member of staff is rostered to do on each day.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;

use crate::SimConfig;
use crate::clock::{is_weekend, local_instant};
use crate::org::{Department, Org, Pattern};
use crate::rng::{Purpose, chance, stream};

/// A rostered duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duty {
    Early,
    Late,
    Night,
    Day,
    Rest,
    AnnualLeave,
    Sick,
    Training,
}

impl Duty {
    /// The duty as the rosters file writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Duty::Early => "early",
            Duty::Late => "late",
            Duty::Night => "night",
            Duty::Day => "day",
            Duty::Rest => "rest",
            Duty::AnnualLeave => "annual_leave",
            Duty::Sick => "sick",
            Duty::Training => "training",
        }
    }

    /// Whether the duty is work at the usual place of work.
    pub(crate) fn is_working(self) -> bool {
        matches!(self, Duty::Early | Duty::Late | Duty::Night | Duty::Day)
    }
}

/// A period of duty, as UTC instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shift {
    pub start: i64,
    pub end: i64,
}

impl Shift {
    /// How far `instant` is outside the shift (0 inside it).
    pub(crate) fn distance(&self, instant: i64) -> i64 {
        if instant < self.start {
            self.start - instant
        } else if instant >= self.end {
            instant - self.end
        } else {
            0
        }
    }
}

/// One member of staff on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RosterDay {
    pub duty: Duty,
    /// The rostered shift, for working duties and training.
    pub shift: Option<Shift>,
    /// An overtime shift recorded on the roster, if any.
    pub overtime: Option<Shift>,
}

impl RosterDay {
    /// The rostered shift and any overtime.
    pub(crate) fn shifts(&self) -> impl Iterator<Item = Shift> + '_ {
        self.shift.into_iter().chain(self.overtime)
    }
}

/// Every roster day of every member of staff.
#[derive(Debug, Clone)]
pub(crate) struct Rosters {
    pub days: u32,
    pub start: NaiveDate,
    table: Vec<RosterDay>,
}

impl Rosters {
    pub(crate) fn get(&self, staff: u32, day: u32) -> Option<&RosterDay> {
        if day >= self.days {
            return None;
        }
        self.table
            .get(staff as usize * self.days as usize + day as usize)
    }

    pub(crate) fn get_mut(&mut self, staff: u32, day: u32) -> Option<&mut RosterDay> {
        if day >= self.days {
            return None;
        }
        self.table
            .get_mut(staff as usize * self.days as usize + day as usize)
    }

    pub(crate) fn date(&self, day: u32) -> NaiveDate {
        self.start + Duration::days(i64::from(day))
    }

    /// How far `instant` is from the nearest shift (rostered or overtime) of the staff member on
    /// the day before, the day and the day after; `i64::MAX` if there is none.
    pub(crate) fn distance_to_duty(&self, staff: u32, instant: i64, day: u32) -> i64 {
        let mut nearest = i64::MAX;
        for candidate in day.saturating_sub(1)..=day + 1 {
            if let Some(roster) = self.get(staff, candidate) {
                for shift in roster.shifts() {
                    nearest = nearest.min(shift.distance(instant));
                }
            }
        }
        nearest
    }
}

/// Monday 1 January 2024: cycles count from here so that a date's duty does not depend on the
/// simulated period.
fn cycle_day(date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN);
    (date - epoch).num_days()
}

/// A shift from local `start` to `end` hours (ends past 24 run into the next day).
fn shift(date: NaiveDate, start: (u32, u32), end: (u32, u32)) -> Shift {
    Shift {
        start: local_instant(date, start.0, start.1),
        end: local_instant(date, end.0, end.1),
    }
}

/// The duty a pattern gives on a date, before leave.
fn planned(
    pattern: Pattern,
    department: Department,
    letter: u8,
    office_start: u16,
    parity: u32,
    date: NaiveDate,
) -> (Duty, Option<Shift>) {
    let index = cycle_day(date) + i64::from(letter) * 2;
    match pattern {
        Pattern::Response => match index.rem_euclid(10) {
            0 | 1 => (Duty::Early, Some(shift(date, (7, 0), (17, 0)))),
            2 | 3 => (Duty::Late, Some(shift(date, (14, 0), (24, 0)))),
            4 | 5 => (Duty::Night, Some(shift(date, (22, 0), (31, 0)))),
            _ => (Duty::Rest, None),
        },
        Pattern::TwelveHour => match index.rem_euclid(8) {
            0 | 1 => (Duty::Day, Some(shift(date, (7, 0), (19, 0)))),
            2 | 3 => (Duty::Night, Some(shift(date, (19, 0), (31, 0)))),
            _ => (Duty::Rest, None),
        },
        Pattern::Neighbourhood => {
            let week = date.iso_week().week() + parity;
            let saturday = date.weekday() == chrono::Weekday::Sat;
            if saturday && week.is_multiple_of(4) {
                return (Duty::Late, Some(shift(date, (14, 0), (22, 0))));
            }
            if is_weekend(date) {
                return (Duty::Rest, None);
            }
            if week.is_multiple_of(2) {
                (Duty::Day, Some(shift(date, (8, 0), (16, 0))))
            } else {
                (Duty::Late, Some(shift(date, (14, 0), (22, 0))))
            }
        }
        Pattern::Office => {
            if is_weekend(date) {
                return (Duty::Rest, None);
            }
            let start = u32::from(office_start);
            let late_day = department == Department::Cid
                && date.weekday() == chrono::Weekday::Wed
                && (date.iso_week().week() + parity).is_multiple_of(2);
            if late_day {
                return (Duty::Late, Some(shift(date, (12, 0), (20, 0))));
            }
            let end = start + 8 * 60;
            (
                Duty::Day,
                Some(shift(date, (start / 60, start % 60), (end / 60, end % 60))),
            )
        }
    }
}

/// Builds the rosters: the pattern of each role, with annual leave, sickness, training days and
/// some overtime on rest days.
pub(crate) fn build(config: &SimConfig, org: &Org) -> Rosters {
    let days = config.days;
    let mut table = Vec::with_capacity(org.staff.len() * days as usize);
    for (index, staff) in org.staff.iter().enumerate() {
        let info = staff.info();
        let mut rng = stream(config.seed, Purpose::Roster, index as u64, 0);
        let parity = (index % 2) as u32;
        let mut row: Vec<RosterDay> = (0..days)
            .map(|day| {
                let date = config.start + Duration::days(i64::from(day));
                let (duty, shift) = planned(
                    info.pattern,
                    info.department,
                    staff.letter,
                    staff.office_start,
                    parity,
                    date,
                );
                RosterDay {
                    duty,
                    shift,
                    overtime: None,
                }
            })
            .collect();
        // Leave, sickness and training, block by block of thirty days.
        let mut block = 0;
        while block < days {
            let len = (days - block).min(30);
            if chance(&mut rng, 0.45) {
                let first = block + rng.random_range(0..len);
                let count = rng.random_range(2..8);
                mark(&mut row, first, count, Duty::AnnualLeave);
            }
            if chance(&mut rng, 0.04) {
                let first = block + rng.random_range(0..len);
                mark(&mut row, first, rng.random_range(1..5), Duty::Sick);
            }
            if chance(&mut rng, 0.06) {
                let first = block + rng.random_range(0..len);
                if let Some(day) = row.get_mut(first as usize)
                    && day.duty.is_working()
                {
                    let date = config.start + Duration::days(i64::from(first));
                    day.duty = Duty::Training;
                    day.shift = Some(shift(date, (9, 0), (17, 0)));
                }
            }
            block += 30;
        }
        let overtime_roles = matches!(
            info.pattern,
            Pattern::Response | Pattern::Neighbourhood | Pattern::TwelveHour
        );
        if overtime_roles {
            for (day, roster) in row.iter_mut().enumerate() {
                if roster.duty != Duty::Rest || !chance(&mut rng, 0.03) {
                    continue;
                }
                let date = config.start + Duration::days(day as i64);
                roster.overtime = Some(if chance(&mut rng, 0.7) {
                    shift(date, (8, 0), (16, 0))
                } else {
                    shift(date, (18, 0), (26, 0))
                });
            }
        }
        table.extend(row);
    }
    Rosters {
        days,
        start: config.start,
        table,
    }
}

/// Replaces working days from `first` for `count` days with `duty` (rest days stay rest days).
fn mark(row: &mut [RosterDay], first: u32, count: u32, duty: Duty) {
    for day in first..first + count {
        let Some(roster) = row.get_mut(day as usize) else {
            break;
        };
        if roster.duty.is_working() {
            roster.duty = duty;
            roster.shift = None;
        }
    }
}

/// Local midnight at the start of day `day` of the period, as a UTC instant.
pub(crate) fn day_start(start: NaiveDate, day: u32) -> i64 {
    local_instant(start + Duration::days(i64::from(day)), 0, 0)
}

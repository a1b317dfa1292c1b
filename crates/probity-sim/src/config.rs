//! What to simulate.

use chrono::NaiveDate;

use crate::{Error, Result};

/// Fewest staff the generator accepts: below this there are too few people in each role to
/// place every kind of misuse.
pub const MIN_STAFF: usize = 100;
/// Most staff the generator accepts.
pub const MAX_STAFF: usize = 200_000;
/// Longest period the generator accepts, in days.
pub const MAX_DAYS: u32 = 366;

/// The size, period and seed of a synthetic force. Every random choice flows from `seed`: the same
/// settings always write the same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of staff (officers, PCSOs and police staff).
    pub staff: usize,
    /// Number of days of activity.
    pub days: u32,
    /// First day of activity (local date, Europe/London).
    pub start: NaiveDate,
    /// Injected insiders per thousand staff (at least six are always placed so that every kind of
    /// misuse appears).
    pub insiders_per_thousand: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            staff: 500,
            days: 30,
            start: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or(NaiveDate::MIN),
            insiders_per_thousand: 12,
        }
    }
}

impl SimConfig {
    /// Checks the settings are within what the generator can make.
    pub fn validate(&self) -> Result<()> {
        if self.staff < MIN_STAFF || self.staff > MAX_STAFF {
            return Err(Error::Config(format!(
                "staff must be between {MIN_STAFF} and {MAX_STAFF} (got {})",
                self.staff
            )));
        }
        if self.days == 0 || self.days > MAX_DAYS {
            return Err(Error::Config(format!(
                "days must be between 1 and {MAX_DAYS} (got {})",
                self.days
            )));
        }
        if self.insiders_per_thousand > 100 {
            return Err(Error::Config(format!(
                "insiders_per_thousand must be at most 100 (got {})",
                self.insiders_per_thousand
            )));
        }
        let year = chrono::Datelike::year(&self.start);
        if !(1996..=2090).contains(&year) {
            return Err(Error::Config(format!(
                "start must be between 1996 and 2090 (got {})",
                self.start
            )));
        }
        Ok(())
    }

    /// How many insiders are injected.
    pub(crate) fn insider_count(&self) -> usize {
        let scaled = (self.staff as u64 * u64::from(self.insiders_per_thousand) + 500) / 1000;
        (scaled as usize).max(6)
    }
}

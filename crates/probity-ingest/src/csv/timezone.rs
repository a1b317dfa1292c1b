//! The zone a CSV export writes its local times in: UTC, a fixed offset, or UK civil time.
//!
//! UK civil time (`Europe/London`) is implemented here from the rule in force since 1996: British
//! Summer Time (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
//! of October, GMT (UTC+0) otherwise. That avoids a time-zone database for the one zone the
//! project's users write in. Earlier years followed other rules and are refused rather than
//! guessed.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday,
};

use probity_model::Timestamp;

/// The first year whose UK summer-time rule is implemented.
const LONDON_FIRST_YEAR: i32 = 1996;

/// Names accepted for UK civil time.
const LONDON_NAMES: [&str; 6] = [
    "Europe/London",
    "GB",
    "Europe/Belfast",
    "Europe/Jersey",
    "Europe/Guernsey",
    "Europe/Isle_of_Man",
];

/// How local times in a file are turned into UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Times are already UTC.
    Utc,
    /// A fixed offset from UTC all year.
    Fixed(FixedOffset),
    /// UK civil time: GMT in winter, BST (UTC+1) in summer.
    London,
}

impl Zone {
    /// Reads `UTC` (also `Z`, `GMT`, `Etc/UTC`, `Etc/GMT`), a fixed offset (`+01:00`, `-0500`,
    /// `+01`) or `Europe/London` (also `GB` and the Crown Dependencies' names).
    pub fn parse(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if ["UTC", "Z", "GMT", "Etc/UTC", "Etc/GMT", "Etc/UCT", "UCT"]
            .iter()
            .any(|utc| utc.eq_ignore_ascii_case(name))
        {
            return Ok(Zone::Utc);
        }
        if LONDON_NAMES
            .iter()
            .any(|london| london.eq_ignore_ascii_case(name))
        {
            return Ok(Zone::London);
        }
        if let Some(offset) = parse_offset(name) {
            return Ok(Zone::Fixed(offset));
        }
        Err(format!(
            "timezone {name:?} is not supported: use UTC, a fixed offset such as +01:00, or Europe/London"
        ))
    }

    /// The UTC instant of a local time in this zone.
    ///
    /// In `Europe/London`, a time in the hour the clocks go back (it happens twice) is read as the
    /// first, BST, occurrence; a time in the hour skipped when they go forward is read as GMT,
    /// which places it one hour later on the BST clock.
    pub fn to_utc(self, local: NaiveDateTime) -> Result<Timestamp, String> {
        match self {
            Zone::Utc => Ok(Utc.from_utc_datetime(&local)),
            Zone::Fixed(offset) => offset
                .from_local_datetime(&local)
                .single()
                .map(|instant| instant.with_timezone(&Utc))
                .ok_or_else(|| format!("{local} cannot be placed at offset {offset}")),
            Zone::London => london_to_utc(local),
        }
    }
}

/// `+HH:MM`, `+HHMM` or `+HH` (and the same with `-`).
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = match digits.len() {
        5 if digits.as_bytes()[2] == b':' => digits.replace(':', ""),
        4 => digits.to_owned(),
        2 => format!("{digits}00"),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// The UK civil (Europe/London) wall-clock time of a UTC instant: what a member of staff's clock
/// showed. Years before the current summer-time rule are given in GMT.
pub fn london_local(instant: Timestamp) -> NaiveDateTime {
    let naive = instant.naive_utc();
    match summer_time(instant.year()) {
        Some((start, end)) if start <= instant && instant < end => naive + Duration::hours(1),
        _ => naive,
    }
}

fn london_to_utc(local: NaiveDateTime) -> Result<Timestamp, String> {
    let year = local.year();
    if year < LONDON_FIRST_YEAR {
        return Err(format!(
            "Europe/London times before {LONDON_FIRST_YEAR} are not supported (got {local})"
        ));
    }
    let (summer_start, summer_end) =
        summer_time(year).ok_or_else(|| format!("cannot work out summer time for {year}"))?;
    let in_summer = |instant: Timestamp| summer_start <= instant && instant < summer_end;
    let as_bst = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if in_summer(as_bst) {
        return Ok(as_bst);
    }
    Ok(Utc.from_utc_datetime(&local))
}

/// The UTC instants British Summer Time starts and ends in `year`.
fn summer_time(year: i32) -> Option<(Timestamp, Timestamp)> {
    let start = last_sunday(year, 3)?.and_hms_opt(1, 0, 0)?;
    let end = last_sunday(year, 10)?.and_hms_opt(1, 0, 0)?;
    Some((
        DateTime::from_naive_utc_and_offset(start, Utc),
        DateTime::from_naive_utc_and_offset(end, Utc),
    ))
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = NaiveDate::from_ymd_opt(year, month + 1, 1)?;
    let last_day = first_of_next.pred_opt()?;
    let back = last_day.weekday().num_days_from_sunday();
    let sunday = last_day - Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Some(sunday)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn utc(text: &str) -> Timestamp {
        Utc.from_utc_datetime(&local(text))
    }

    #[test]
    fn london_winter_summer_and_the_changes() {
        let zone = Zone::parse("Europe/London").unwrap();
        let cases = [
            // GMT in winter.
            ("2026-01-15 12:00:00", "2026-01-15 12:00:00"),
            // BST starts 29 March 2026 at 01:00 GMT; 00:59 local is still GMT.
            ("2026-03-29 00:59:59", "2026-03-29 00:59:59"),
            // 01:30 local does not exist that day: read as GMT.
            ("2026-03-29 01:30:00", "2026-03-29 01:30:00"),
            ("2026-03-29 02:00:00", "2026-03-29 01:00:00"),
            // Summer.
            ("2026-07-01 09:00:00", "2026-07-01 08:00:00"),
            // BST ends 25 October 2026 at 01:00 GMT: 01:30 local happens twice, BST first.
            ("2026-10-25 00:30:00", "2026-10-24 23:30:00"),
            ("2026-10-25 01:30:00", "2026-10-25 00:30:00"),
            ("2026-10-25 02:00:00", "2026-10-25 02:00:00"),
            ("2026-11-23 14:05:09", "2026-11-23 14:05:09"),
        ];
        for (input, expected) in cases {
            assert_eq!(zone.to_utc(local(input)), Ok(utc(expected)), "{input}");
        }
        assert!(zone.to_utc(local("1995-07-01 12:00:00")).is_err());
    }

    #[test]
    fn summer_time_dates_match_published_ones() {
        // Published UK clock changes.
        let known = [
            (2024, "2024-03-31", "2024-10-27"),
            (2025, "2025-03-30", "2025-10-26"),
            (2026, "2026-03-29", "2026-10-25"),
            (2027, "2027-03-28", "2027-10-31"),
        ];
        for (year, start, end) in known {
            let (summer_start, summer_end) = summer_time(year).unwrap();
            assert_eq!(summer_start.date_naive().to_string(), start);
            assert_eq!(summer_end.date_naive().to_string(), end);
        }
    }

    #[test]
    fn names_and_offsets() {
        assert_eq!(Zone::parse("utc"), Ok(Zone::Utc));
        assert_eq!(Zone::parse("GB"), Ok(Zone::London));
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(Zone::parse("+01:00"), Ok(Zone::Fixed(plus_one)));
        assert_eq!(Zone::parse("+0100"), Ok(Zone::Fixed(plus_one)));
        assert_eq!(Zone::parse("+01"), Ok(Zone::Fixed(plus_one)));
        assert_eq!(
            Zone::parse("-05:30"),
            Ok(Zone::Fixed(FixedOffset::west_opt(5 * 3600 + 1800).unwrap()))
        );
        let error = Zone::parse("America/New_York").unwrap_err();
        assert!(error.contains("Europe/London"), "{error}");
        assert!(Zone::parse("+24:00").is_err());
        let zone = Zone::parse("+01:00").unwrap();
        assert_eq!(
            zone.to_utc(local("2026-01-01 10:00:00")),
            Ok(utc("2026-01-01 09:00:00"))
        );
    }
}

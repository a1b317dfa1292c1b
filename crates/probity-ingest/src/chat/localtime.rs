//! Dates and times as a phone or a forensic tool shows them rather than as machines write them:
//! `06/05/2024, 10:00`, `5/6/24, 10:00:03 PM`, `06.05.24 10:00`, `06/05/2024 10:00:00(UTC+1)`.
//!
//! Two things are not in such a text and must come from elsewhere:
//!
//! - **The order of day and month.** `06/05/2024` is 6 May in the UK and 5 June in the US. It is
//!   decided for a whole file ([`OrderVotes`]): a first number past 12 can only be a day, a second
//!   one only a day too, so one such date settles the order for every date of the file. Where no
//!   date settles it (or dates disagree), day first is taken, as UK phones write it, and every
//!   message read so carries the label [`DATE_ORDER_ASSUMED_LABEL`] saying so.
//! - **The time zone.** A time without an offset is the phone's wall-clock time, read in the
//!   force's zone, UK civil time ([`FORCE_ZONE_NAME`]: GMT in winter, BST in summer), and
//!   labelled [`TIME_ZONE_LABEL`]. A written offset (`(UTC+1)`, `UTC-05:00`, `+01:00`, `GMT`, `Z`)
//!   is used as written.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use probity_model::Timestamp;

use crate::csv::Zone;

/// The zone a device export's times without an offset are read in: the force's, UK civil time.
pub(crate) const FORCE_ZONE: Zone = Zone::London;
/// The name of the zone a device export's times without an offset are read in (the force's, UK
/// civil time: GMT in winter, BST in summer), as the label [`TIME_ZONE_LABEL`] gives it.
pub const FORCE_ZONE_NAME: &str = "Europe/London";

/// The label giving the order a message's date was read in: `day/month` or `month/day`.
pub const DATE_ORDER_LABEL: &str = "chat.date_order";
/// The label on a message whose date order the file did not settle, saying what was assumed.
pub const DATE_ORDER_ASSUMED_LABEL: &str = "chat.date_order_assumed";
/// The label on a message whose time was read in the force's zone ([`FORCE_ZONE_NAME`]) because
/// it carries no offset.
pub const TIME_ZONE_LABEL: &str = "chat.time_zone";

/// The order of the first two numbers of a date such as `06/05/2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    DayMonth,
    MonthDay,
}

impl Order {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Order::DayMonth => "day/month",
            Order::MonthDay => "month/day",
        }
    }
}

/// A date as written: its numbers in the order written, not yet told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateParts {
    first: u32,
    second: u32,
    year: i32,
    /// Written year first (`2024-05-06`, `2024/05/06`): always year, month, day.
    year_first: bool,
}

impl DateParts {
    /// Whether the order of day and month matters for this date.
    pub(crate) fn is_ambiguous_form(&self) -> bool {
        !self.year_first
    }

    fn date(&self, order: Order) -> Option<NaiveDate> {
        let (day, month) = match (self.year_first, order) {
            (true, _) => (self.second, self.first),
            (false, Order::DayMonth) => (self.first, self.second),
            (false, Order::MonthDay) => (self.second, self.first),
        };
        NaiveDate::from_ymd_opt(self.year, month, day)
    }
}

/// What a file's dates say of their order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OrderVotes {
    /// A date whose first number is past 12: day first.
    day_first: bool,
    /// A date whose second number is past 12: month first.
    month_first: bool,
    /// Whether any date was written in a form whose order matters.
    any: bool,
}

impl OrderVotes {
    pub(crate) fn add(&mut self, date: &DateParts) {
        if date.year_first {
            return;
        }
        self.any = true;
        // Numbers past 31 are no day or month: they settle nothing (the date will not read).
        if (13..=31).contains(&date.first) {
            self.day_first = true;
        }
        if (13..=31).contains(&date.second) {
            self.month_first = true;
        }
    }

    /// The order, if the dates seen settle it.
    pub(crate) fn settled(&self) -> Option<Order> {
        match (self.day_first, self.month_first) {
            (true, false) => Some(Order::DayMonth),
            (false, true) => Some(Order::MonthDay),
            _ => None,
        }
    }

    /// The order to read the file's dates in, and why it was assumed where the dates do not
    /// settle it.
    pub(crate) fn decide(&self) -> (Order, Option<&'static str>) {
        if let Some(order) = self.settled() {
            return (order, None);
        }
        let why = if self.day_first {
            "the file's dates disagree (some have a number past 12 first, some second): read day first, as UK phones write dates; a date that cannot be read so is a dead letter"
        } else {
            "no date in the file has a number past 12 in its first or second place, so the order of day and month cannot be told from it: read day first, as UK phones write dates"
        };
        (Order::DayMonth, Some(why))
    }
}

/// A date and time as written, with its offset if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalTime {
    pub(crate) date: DateParts,
    time: NaiveTime,
    offset: Option<FixedOffset>,
}

/// A time read: the instant, and whether it was placed in the force's zone (it had no offset).
pub(crate) struct Resolved {
    pub(crate) instant: Timestamp,
    pub(crate) in_force_zone: bool,
}

impl LocalTime {
    pub(crate) fn new(date: DateParts, time: NaiveTime) -> Self {
        Self {
            date,
            time,
            offset: None,
        }
    }

    /// The instant, reading the date in `order`.
    pub(crate) fn resolve(&self, order: Order) -> Result<Resolved, String> {
        let Some(date) = self.date.date(order) else {
            let order = if self.date.year_first {
                "year/month/day"
            } else {
                order.name()
            };
            return Err(format!("is not a date when read {order}"));
        };
        let local = NaiveDateTime::new(date, self.time);
        match self.offset {
            Some(offset) => offset
                .from_local_datetime(&local)
                .single()
                .map(|instant| Resolved {
                    instant: instant.with_timezone(&Utc),
                    in_force_zone: false,
                })
                .ok_or_else(|| format!("{local} cannot be placed at offset {offset}")),
            None => FORCE_ZONE.to_utc(local).map(|instant| Resolved {
                instant,
                in_force_zone: true,
            }),
        }
    }
}

/// Characters a device writes between a date, a time and its `am`/`pm`: spaces, including the
/// no-break and narrow no-break spaces newer phones use.
pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Reads a date at the start of `text`: `D/M/Y` (or `M/D/Y`) with a year of 2 or 4 digits and
/// `/`, `.` or `-` between, or `Y-M-D` (any of those separators). Returns the date and the bytes
/// it takes.
pub(crate) fn parse_date(text: &str) -> Option<(DateParts, usize)> {
    let bytes = text.as_bytes();
    let (a, a_len, mut at) = number(bytes, 0, 4)?;
    let separator = *bytes.get(at)?;
    if !matches!(separator, b'/' | b'.' | b'-') {
        return None;
    }
    at += 1;
    let (b, _, next) = number(bytes, at, 2)?;
    at = next;
    if bytes.get(at) != Some(&separator) {
        return None;
    }
    at += 1;
    let (c, c_len, next) = number(bytes, at, 4)?;
    at = next;
    let date = if a_len == 4 {
        if c_len > 2 {
            return None;
        }
        DateParts {
            first: b,
            second: c,
            year: i32::try_from(a).ok()?,
            year_first: true,
        }
    } else {
        if a_len > 2 || !(c_len == 2 || c_len == 4) {
            return None;
        }
        let year = if c_len == 2 { 2000 + c } else { c };
        DateParts {
            first: a,
            second: b,
            year: i32::try_from(year).ok()?,
            year_first: false,
        }
    };
    Some((date, at))
}

/// Reads a time of day at the start of `text`: `H:MM`, `H:MM:SS` or `H:MM:SS.fff`, then, after
/// optional spaces, `am`/`pm` (also `AM`, `a.m.`, `a. m.`). Returns the time and the bytes it
/// takes.
pub(crate) fn parse_clock(text: &str) -> Option<(NaiveTime, usize)> {
    let bytes = text.as_bytes();
    let (hour, hour_len, mut at) = number(bytes, 0, 2)?;
    if hour_len == 0 || bytes.get(at) != Some(&b':') {
        return None;
    }
    let (minute, minute_len, next) = number(bytes, at + 1, 2)?;
    if minute_len != 2 {
        return None;
    }
    at = next;
    let mut second = 0;
    let mut nanos = 0;
    if bytes.get(at) == Some(&b':') {
        let (value, len, next) = number(bytes, at + 1, 2)?;
        if len != 2 {
            return None;
        }
        second = value;
        at = next;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 {
                let fraction = &text[at + 1..at + 1 + digits.min(9)];
                let scale = 10u32.pow(9 - u32::try_from(fraction.len()).ok()?);
                nanos = fraction.parse::<u32>().ok()? * scale;
                at += 1 + digits;
            }
        }
    }
    let (meridiem, taken) = meridiem(&text[at..]);
    let hour = match meridiem {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some((time, at + taken))
}

/// `am` or `pm` (`Some(true)` for pm) after optional spaces, and the bytes taken; nothing taken
/// when there is none.
fn meridiem(text: &str) -> (Option<bool>, usize) {
    let trimmed = text.trim_start_matches(is_space);
    let skipped = text.len() - trimmed.len();
    let lower: String = trimmed
        .chars()
        .take(6)
        .collect::<String>()
        .to_ascii_lowercase();
    for (form, pm) in [
        ("a. m.", false),
        ("p. m.", true),
        ("a.m.", false),
        ("p.m.", true),
        ("am", false),
        ("pm", true),
    ] {
        if lower.starts_with(form) {
            let after = trimmed[form.len()..].chars().next();
            if after.is_none_or(|c| !c.is_alphanumeric()) {
                return (Some(pm), skipped + form.len());
            }
        }
    }
    (None, 0)
}

/// An offset after a time: `(UTC+1)`, `(UTC+01:00)`, `UTC-5`, `GMT`, `Z`, `+01:00`, `+0100`,
/// with or without brackets; `None` when `text` is not one.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim_matches(is_space);
    let text = text
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
        .unwrap_or(text)
        .trim_matches(is_space);
    let upper = text.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    if rest.is_empty() || rest == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || minutes.len() > 2
        || !hours
            .bytes()
            .chain(minutes.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A whole date and time as a device export writes it in one field: a date ([`parse_date`]),
/// then a comma, spaces or a `T`, a time ([`parse_clock`]), and an optional offset
/// (`(UTC+1)`); nothing else.
pub(crate) fn parse_local(text: &str) -> Option<LocalTime> {
    let text = text.trim_matches(is_space);
    let (date, at) = parse_date(text)?;
    let rest = &text[at..];
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let trimmed = rest.trim_start_matches(is_space);
    let rest = if trimmed.len() == rest.len() {
        rest.strip_prefix('T')?
    } else {
        trimmed
    };
    let (time, at) = parse_clock(rest)?;
    let tail = rest[at..].trim_matches(is_space);
    let offset = if tail.is_empty() {
        None
    } else {
        Some(parse_offset(tail)?)
    };
    Some(LocalTime { date, time, offset })
}

/// A run of at most `max` ASCII digits starting at `at`: its value, its length and where it
/// ends. None when there is no digit there or the run is longer.
fn number(bytes: &[u8], at: usize, max: usize) -> Option<(u32, usize, usize)> {
    let digits = bytes
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > max {
        return None;
    }
    let text = std::str::from_utf8(&bytes[at..at + digits]).ok()?;
    Some((text.parse().ok()?, digits, at + digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, order: Order) -> Option<String> {
        let local = parse_local(text)?;
        local.resolve(order).ok().map(|r| r.instant.to_rfc3339())
    }

    #[test]
    fn dates_and_times_as_devices_write_them() {
        let day = Order::DayMonth;
        // 6 May 2024 is in British Summer Time: 10:00 local is 09:00 UTC.
        assert_eq!(
            read("06/05/2024, 10:00", day).as_deref(),
            Some("2024-05-06T09:00:00+00:00")
        );
        assert_eq!(
            read("06/05/2024 10:00:00(UTC+0)", day).as_deref(),
            Some("2024-05-06T10:00:00+00:00")
        );
        assert_eq!(
            read("6/5/24, 10:00:03\u{202f}PM", day).as_deref(),
            Some("2024-05-06T21:00:03+00:00")
        );
        assert_eq!(
            read("06.05.24 12:30 a. m.", day).as_deref(),
            Some("2024-05-05T23:30:00+00:00")
        );
        assert_eq!(
            read("5/6/2024 10:00 am", Order::MonthDay).as_deref(),
            Some("2024-05-06T09:00:00+00:00")
        );
        // Winter: GMT.
        assert_eq!(
            read("15/01/2024 10:00", day).as_deref(),
            Some("2024-01-15T10:00:00+00:00")
        );
        assert_eq!(
            read("2024-05-06 10:00:00 (UTC-05:00)", day).as_deref(),
            Some("2024-05-06T15:00:00+00:00")
        );
        // A month past 12 does not read in that order.
        assert_eq!(read("13/05/2024 10:00", Order::MonthDay), None);
        for not_a_time in [
            "06/05/2024",
            "06/05/2024 25:00",
            "06/05/2024 13:00 pm",
            "06/05/2024 10:00 tomorrow",
            "2024-05-06T10:00:00Z extra",
            "1/2/3 10:00",
            "",
        ] {
            assert!(
                parse_local(not_a_time)
                    .and_then(|l| l.resolve(day).ok())
                    .is_none(),
                "{not_a_time}"
            );
        }
    }

    proptest::proptest! {
        /// Any time, written as phones and reports write it with an offset, reads back as itself
        /// in the order it was written in.
        #[test]
        fn written_times_read_back(
            seconds in 946_771_200i64..4_070_908_800,
            form in 0usize..4,
            offset_minutes in -12i32 * 60..=14 * 60,
        ) {
            use chrono::{DateTime, Timelike};
            let instant = DateTime::from_timestamp(seconds, 0).unwrap();
            let offset = FixedOffset::east_opt(offset_minutes / 15 * 15 * 60).unwrap();
            let local = instant.with_timezone(&offset);
            let sign = if offset.local_minus_utc() < 0 { '-' } else { '+' };
            let minutes = offset.local_minus_utc().abs() / 60;
            let zone = format!("(UTC{sign}{:02}:{:02})", minutes / 60, minutes % 60);
            let (pm, hour12) = local.hour12();
            let (text, order) = match form {
                0 => (format!("{}, {} {zone}", local.format("%d/%m/%Y"), local.format("%H:%M:%S")), Order::DayMonth),
                1 => (format!("{} {}:{} {} {zone}", local.format("%-m/%-d/%y"), hour12, local.format("%M:%S"), if pm { "PM" } else { "AM" }), Order::MonthDay),
                2 => (format!("{} {}{zone}", local.format("%d.%m.%Y"), local.format("%H:%M:%S")), Order::DayMonth),
                _ => (format!("{}T{}{zone}", local.format("%Y-%m-%d"), local.format("%H:%M:%S")), Order::MonthDay),
            };
            let read = parse_local(&text).and_then(|l| l.resolve(order).ok()).map(|r| r.instant);
            proptest::prop_assert_eq!(read, Some(instant), "{}", text);
        }
    }

    #[test]
    fn the_order_is_settled_by_a_number_past_twelve() {
        let date = |text: &str| parse_date(text).unwrap().0;
        let mut votes = OrderVotes::default();
        votes.add(&date("06/05/2024"));
        assert_eq!(votes.settled(), None);
        let (order, why) = votes.decide();
        assert_eq!(order, Order::DayMonth);
        assert!(why.is_some());
        votes.add(&date("2024-05-13"));
        assert_eq!(votes.settled(), None);
        votes.add(&date("05/13/2024"));
        assert_eq!(votes.decide(), (Order::MonthDay, None));
        votes.add(&date("13/05/2024"));
        let (order, why) = votes.decide();
        assert_eq!(order, Order::DayMonth);
        assert!(why.unwrap().contains("disagree"));
    }
}

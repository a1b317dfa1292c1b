//! Time: instants are whole seconds since the Unix epoch (UTC); local times are UK civil time
//! (Europe/London), with British Summer Time from 01:00 UTC on the last Sunday of March to 01:00 UTC
//! on the last Sunday of October.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

/// Seconds in an hour, a minute and a day.
pub(crate) const HOUR: i64 = 3600;
pub(crate) const MINUTE: i64 = 60;
pub(crate) const DAY: i64 = 86_400;

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last_day = first_of_next
        .and_then(|day| day.pred_opt())
        .unwrap_or(NaiveDate::MIN);
    let back = last_day.weekday().num_days_from_sunday();
    last_day - Duration::days(i64::from(back))
}

/// The UTC instants summer time starts and ends in `year`.
fn summer(year: i32) -> (i64, i64) {
    let start = last_sunday(year, 3).and_hms_opt(1, 0, 0);
    let end = last_sunday(year, 10).and_hms_opt(1, 0, 0);
    let seconds = |t: Option<NaiveDateTime>| t.map_or(0, |t| t.and_utc().timestamp());
    (seconds(start), seconds(end))
}

/// The offset of UK civil time from UTC at `instant`, in seconds (0 or 3600).
pub(crate) fn london_offset(instant: i64) -> i64 {
    let year = DateTime::from_timestamp(instant, 0).map_or(1970, |t| t.year());
    let (start, end) = summer(year);
    if (start..end).contains(&instant) {
        HOUR
    } else {
        0
    }
}

/// The UTC instant of a local UK time. A time in the hour the clocks go back is read as its first
/// (summer-time) occurrence; a time in the skipped hour in spring as winter time.
pub(crate) fn london_to_utc(local: NaiveDateTime) -> i64 {
    let as_local = local.and_utc().timestamp();
    let as_summer = as_local - HOUR;
    if london_offset(as_summer) == HOUR {
        as_summer
    } else {
        as_local
    }
}

/// The UTC instant of `hour:minute` local time on `date`; hours past 23 run into the next days.
pub(crate) fn local_instant(date: NaiveDate, hour: u32, minute: u32) -> i64 {
    let days = i64::from(hour / 24);
    let date = date + Duration::days(days);
    let time = date.and_hms_opt(hour % 24, minute % 60, 0);
    time.map_or(0, london_to_utc)
}

/// Local UK date and time of an instant.
pub(crate) fn to_local(instant: i64) -> NaiveDateTime {
    let local = instant + london_offset(instant);
    DateTime::from_timestamp(local, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// Whether an instant falls in the repeated local hour when the clocks go back, second time round
/// (01:00-01:59 GMT on the last Sunday of October): a day-first local export cannot tell it from
/// the hour before, so records-system audit rows are kept out of it.
pub(crate) fn in_repeated_hour(instant: i64) -> bool {
    let year = DateTime::from_timestamp(instant, 0).map_or(1970, |t| t.year());
    let (_, end) = summer(year);
    (end..end + HOUR).contains(&instant)
}

/// The local date of an instant.
pub(crate) fn local_date(instant: i64) -> NaiveDate {
    to_local(instant).date()
}

/// `2026-10-01T06:00:00Z`.
pub(crate) fn iso_utc(instant: i64) -> String {
    DateTime::from_timestamp(instant, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// `2026-10-01T06:00:00.000Z`, as Beats write `@timestamp`.
pub(crate) fn iso_utc_millis(instant: i64, millis: u32) -> String {
    DateTime::from_timestamp(instant, 0)
        .map(|t| format!("{}.{:03}Z", t.format("%Y-%m-%dT%H:%M:%S"), millis % 1000))
        .unwrap_or_default()
}

/// Day-first local time as UK records systems export it: `01/10/2026 07:02:11`.
pub(crate) fn uk_local(instant: i64) -> String {
    to_local(instant).format("%d/%m/%Y %H:%M:%S").to_string()
}

/// RFC 5322 date in local time with its offset: `Thu, 01 Oct 2026 08:15:00 +0100`.
pub(crate) fn rfc5322_local(instant: i64) -> String {
    let offset = london_offset(instant);
    let local = to_local(instant);
    let sign_hours = offset / HOUR;
    format!(
        "{} +{:02}00",
        local.format("%a, %d %b %Y %H:%M:%S"),
        sign_hours
    )
}

/// The asctime form of an mbox `From ` line, in UTC: `Thu Oct  1 07:15:00 2026`.
pub(crate) fn asctime_utc(instant: i64) -> String {
    DateTime::from_timestamp(instant, 0)
        .map(|t| t.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_default()
}

/// Whether a date is a Saturday or Sunday.
pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn london_summer_and_winter() {
        // 1 October 2026 is BST: 07:00 local is 06:00 UTC.
        assert_eq!(
            iso_utc(local_instant(date(2026, 10, 1), 7, 0)),
            "2026-10-01T06:00:00Z"
        );
        // 26 October 2026 is GMT.
        assert_eq!(
            iso_utc(local_instant(date(2026, 10, 26), 7, 0)),
            "2026-10-26T07:00:00Z"
        );
        // A night shift ending at 07:00 the next day.
        assert_eq!(
            iso_utc(local_instant(date(2026, 10, 1), 31, 0)),
            "2026-10-02T06:00:00Z"
        );
        let instant = local_instant(date(2026, 7, 1), 9, 0);
        assert_eq!(uk_local(instant), "01/07/2026 09:00:00");
        assert_eq!(rfc5322_local(instant), "Wed, 01 Jul 2026 09:00:00 +0100");
        assert_eq!(asctime_utc(instant), "Wed Jul  1 08:00:00 2026");
        // The clocks go back at 01:00 UTC on 25 October 2026.
        let back = date(2026, 10, 25)
            .and_hms_opt(1, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert!(in_repeated_hour(back));
        assert!(!in_repeated_hour(back - HOUR));
        assert_eq!(london_offset(back - HOUR), HOUR);
        assert_eq!(london_offset(back), 0);
    }
}

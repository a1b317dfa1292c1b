//! Timestamps as sources write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use probity_model::Timestamp;

/// Parses the common machine forms of a time: RFC 3339 / ISO 8601 with or without an offset
/// (no offset means UTC), `YYYY-MM-DD HH:MM:SS[.fff]`, a bare date, and Unix epoch numbers in
/// seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude).
///
/// Day-first forms such as `23/11/2026 14:05` are deliberately not guessed at here: a CSV mapping
/// names its time format explicitly (see [`parse_time_with_format`]), and the device message
/// readers decide the order of day and month for a whole file (docs/messages.md).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Some(ts.with_timezone(&Utc));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().ok().and_then(parse_epoch_integer);
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return text.parse::<f64>().ok().and_then(parse_epoch);
    }
    const OFFSET_FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ];
    for format in OFFSET_FORMATS {
        if let Ok(ts) = DateTime::parse_from_str(text, format) {
            return Some(ts.with_timezone(&Utc));
        }
    }
    let without_z = text.strip_suffix('Z').unwrap_or(text);
    const NAIVE_FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    for format in NAIVE_FORMATS {
        if let Ok(naive) = NaiveDateTime::parse_from_str(without_z, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date
            .and_hms_opt(0, 0, 0)
            .map(|naive| Utc.from_utc_datetime(&naive));
    }
    None
}

/// Parses with an explicit chrono format (`%d/%m/%Y %H:%M:%S`); a format without an offset is UTC.
pub fn parse_time_with_format(text: &str, format: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = DateTime::parse_from_str(text, format) {
        return Some(ts.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
        return Some(Utc.from_utc_datetime(&naive));
    }
    NaiveDate::parse_from_str(text, format)
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| Utc.from_utc_datetime(&naive))
}

/// The first second no epoch number is read as (2200-01-01T00:00:00Z). The units are told apart
/// by magnitude, so each reaches to the year 5138 before the next begins: a number that far out is
/// no time a source writes, and is refused rather than stored as one.
const EPOCH_SECONDS_END: i64 = 7_258_118_400;

/// A Unix epoch number in seconds, milliseconds, microseconds or nanoseconds (before 2200).
pub fn parse_epoch(value: f64) -> Option<Timestamp> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let micros = if value < 1e11 {
        value * 1e6
    } else if value < 1e14 {
        value * 1e3
    } else if value < 1e17 {
        value
    } else {
        value / 1e3
    };
    within_epoch_range(Utc.timestamp_micros(micros as i64).single()?)
}

/// [`parse_epoch`] of a whole number, in whole numbers: a count of milliseconds or nanoseconds
/// as a float is not exact past 2^53, and was stored with a stray fraction of a millisecond.
pub fn parse_epoch_integer(value: u64) -> Option<Timestamp> {
    let micros = if value < 100_000_000_000 {
        value.checked_mul(1_000_000)?
    } else if value < 100_000_000_000_000 {
        value.checked_mul(1_000)?
    } else if value < 100_000_000_000_000_000 {
        value
    } else {
        value / 1_000
    };
    within_epoch_range(Utc.timestamp_micros(i64::try_from(micros).ok()?).single()?)
}

fn within_epoch_range(time: Timestamp) -> Option<Timestamp> {
    (time.timestamp() < EPOCH_SECONDS_END).then_some(time)
}

/// A JSON value holding a time as text or an epoch number.
pub fn parse_time_value(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => parse_time(text),
        Value::Number(n) => match n.as_u64() {
            Some(whole) => parse_epoch_integer(whole),
            None => n.as_f64().and_then(parse_epoch),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(ts: Timestamp) -> String {
        ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    #[test]
    fn machine_forms() {
        let cases = [
            ("2021-08-02T13:32:07Z", "2021-08-02T13:32:07.000Z"),
            ("2021-08-02T14:32:07+01:00", "2021-08-02T13:32:07.000Z"),
            ("2021-08-02T13:32:07.1234567Z", "2021-08-02T13:32:07.123Z"),
            ("2021-08-02T13:32:07", "2021-08-02T13:32:07.000Z"),
            ("2025-11-27 07:40:10.132", "2025-11-27T07:40:10.132Z"),
            ("2021-08-02", "2021-08-02T00:00:00.000Z"),
            ("1627911127", "2021-08-02T13:32:07.000Z"),
            ("1627911127.5", "2021-08-02T13:32:07.500Z"),
            ("1627911127250", "2021-08-02T13:32:07.250Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_time(input).map(iso).as_deref(),
                Some(expected),
                "{input}"
            );
        }
        assert_eq!(parse_time("23/11/2026 14:05"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn epoch_numbers_are_exact_and_within_reason() {
        let iso_micros = |ts: Timestamp| ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        for (value, expected) in [
            (
                serde_json::json!(1_627_911_127_250u64),
                "2021-08-02T13:32:07.250000Z",
            ),
            (
                serde_json::json!(1_627_911_127_250_123u64),
                "2021-08-02T13:32:07.250123Z",
            ),
            (
                serde_json::json!(1_627_911_127_250_123_456u64),
                "2021-08-02T13:32:07.250123Z",
            ),
            (
                serde_json::json!(1_627_911_127.5),
                "2021-08-02T13:32:07.500000Z",
            ),
        ] {
            assert_eq!(
                parse_time_value(&value).map(iso_micros).as_deref(),
                Some(expected),
                "{value}"
            );
        }
        // Past 2199 in every unit: no time a source writes.
        for far in [
            "99999999999999",
            "99999999999",
            "99999999999999999",
            "7258118400",
        ] {
            assert_eq!(parse_time(far), None, "{far}");
        }
        assert_eq!(
            parse_time_value(&serde_json::json!(99_999_999_999_999u64)),
            None
        );
        assert_eq!(parse_time_value(&serde_json::json!(9.9e13)), None);
        assert!(parse_time("7258118399").is_some());
    }

    #[test]
    fn explicit_day_first_format() {
        let ts = parse_time_with_format("23/11/2026 14:05:09", "%d/%m/%Y %H:%M:%S").unwrap();
        assert_eq!(iso(ts), "2026-11-23T14:05:09.000Z");
    }
}

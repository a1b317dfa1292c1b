//! Timestamps as sources write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use probity_model::Timestamp;

/// Parses the common machine forms of a time: RFC 3339 / ISO 8601 with or without an offset
/// (no offset means UTC), `YYYY-MM-DD HH:MM:SS[.fff]`, a bare date, and Unix epoch numbers in
/// seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude).
///
/// Day-first forms such as `23/11/2026 14:05` are deliberately not guessed at: a CSV mapping names
/// its time format explicitly (see [`parse_time_with_format`]).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Some(ts.with_timezone(&Utc));
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

/// A Unix epoch number in seconds, milliseconds, microseconds or nanoseconds.
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
    Utc.timestamp_micros(micros as i64).single()
}

/// A JSON value holding a time as text or an epoch number.
pub fn parse_time_value(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => parse_time(text),
        Value::Number(n) => n.as_f64().and_then(parse_epoch),
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
    fn explicit_day_first_format() {
        let ts = parse_time_with_format("23/11/2026 14:05:09", "%d/%m/%Y %H:%M:%S").unwrap();
        assert_eq!(iso(ts), "2026-11-23T14:05:09.000Z");
    }
}

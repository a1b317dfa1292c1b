//! Times on the command line: absolute (`2026-11-23`, `2026-11-23T10:00:00Z`) or relative to now
//! (`90s`, `30m`, `12h`, `7d` ago).

use chrono::{Duration, Utc};

use probity_model::Timestamp;

pub fn parse(text: &str) -> Result<Timestamp, String> {
    if let Some(ts) = probity_ingest::timeparse::parse_time(text) {
        // A bare number is a relative time below, not an epoch, when it has a unit.
        return Ok(ts);
    }
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    let amount: i64 = number.parse().map_err(|_| {
        format!("{text:?} is not a time (try 2026-11-23T10:00:00Z, or 30m, 12h, 7d ago)")
    })?;
    let ago = match unit {
        "s" => Duration::seconds(amount),
        "m" => Duration::minutes(amount),
        "h" => Duration::hours(amount),
        "d" => Duration::days(amount),
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    Ok(Utc::now() - ago)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_and_relative() {
        assert_eq!(
            parse("2026-11-23T10:00:00Z").unwrap().to_rfc3339(),
            "2026-11-23T10:00:00+00:00"
        );
        let hour_ago = parse("1h").unwrap();
        let delta = Utc::now() - hour_ago;
        assert!((delta - Duration::hours(1)).num_seconds().abs() < 5);
        assert!(parse("soon").is_err());
        assert!(parse("5y").is_err());
    }
}

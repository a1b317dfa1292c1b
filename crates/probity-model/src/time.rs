use chrono::{DateTime, TimeZone, Utc};

/// Event time: always UTC.
pub type Timestamp = DateTime<Utc>;

/// Microseconds since the Unix epoch: the store's time key.
pub fn to_micros(ts: &Timestamp) -> i64 {
    ts.timestamp_micros()
}

/// The inverse of [`to_micros`]; out-of-range values clamp to the epoch.
pub fn from_micros(micros: i64) -> Timestamp {
    Utc.timestamp_micros(micros)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let ts = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap()
            + chrono::Duration::microseconds(123_456);
        assert_eq!(from_micros(to_micros(&ts)), ts);
    }
}

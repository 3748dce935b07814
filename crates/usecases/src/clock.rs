//! Time and randomness, in one place so ids and timestamps are made the same way everywhere.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The current time as RFC 3339 UTC with milliseconds, e.g. `2026-11-22T21:23:15.123Z`.
pub fn now_rfc3339() -> String {
    rfc3339_millis(OffsetDateTime::now_utc())
}

/// `instant` as RFC 3339 UTC with exactly three fractional digits. The fixed width matters:
/// stored timestamps are compared and sorted as strings (index sort keys, time-range filters),
/// and a formatter that drops trailing zeros (`…:39.61Z`, `…:39Z`) would misorder them.
pub fn rfc3339_millis(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    )
}

/// Epoch milliseconds as RFC 3339 UTC with milliseconds.
pub fn rfc3339_from_ms(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    rfc3339_millis(
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

/// 64 random bits from the operating system, for ids that must not collide.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // The OS source only fails on platforms Lambda does not run on; a panic there is right.
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        let stamp = now_rfc3339();
        assert!(stamp.ends_with('Z'), "{stamp}");
        assert!(OffsetDateTime::parse(&stamp, &Rfc3339).is_ok());
        assert_eq!(stamp.len(), "2026-11-22T21:23:15.123Z".len(), "{stamp}");
    }

    #[test]
    fn milliseconds_keep_their_zeros() {
        let whole = OffsetDateTime::parse("2026-11-22T22:27:39Z", &Rfc3339).unwrap();
        assert_eq!(rfc3339_millis(whole), "2026-11-22T22:27:39.000Z");
        let tenths = OffsetDateTime::parse("2026-11-22T23:27:39.61+01:00", &Rfc3339).unwrap();
        assert_eq!(rfc3339_millis(tenths), "2026-11-22T22:27:39.610Z");
    }

    #[test]
    fn random_values_differ() {
        assert_ne!(random_u64(), random_u64());
    }
}

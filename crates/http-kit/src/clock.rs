//! Time and randomness for handlers, in one place so ids and timestamps are made the same way
//! everywhere.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The current time as RFC 3339 UTC with milliseconds, e.g. `2026-11-22T21:23:15.123Z`.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
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
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        let stamp = now_rfc3339();
        assert!(stamp.ends_with('Z'), "{stamp}");
        assert!(OffsetDateTime::parse(&stamp, &Rfc3339).is_ok());
        assert_eq!(stamp.len(), "2026-11-22T21:23:15.123Z".len(), "{stamp}");
    }

    #[test]
    fn random_values_differ() {
        assert_ne!(random_u64(), random_u64());
    }
}

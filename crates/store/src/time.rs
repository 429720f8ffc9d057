//! Conversions between domain timestamps and the store's integer milliseconds.
//!
//! Holds no state.

use crate::error::StoreError;
use chrono::{NaiveDate, TimeZone, Utc};
use closedloop_core::Timestamp;

/// Milliseconds since the Unix epoch.
pub fn to_ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// A timestamp from stored milliseconds.
pub fn from_ms(ms: i64) -> Result<Timestamp, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::corrupt("timestamp", ms))
}

/// A date as stored (`YYYY-MM-DD`).
pub fn date_to_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Now, in stored milliseconds.
pub fn now_ms() -> i64 {
    to_ms(Utc::now())
}

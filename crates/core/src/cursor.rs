//! Stream cursors: typed, versioned positions in a source that only move forward.
//!
//! Holds no state; the store persists cursors. Each connector defines one cursor type per stream
//! and implements [`Checkpoint`] for it. The store checks, in the transaction that stores a page,
//! that the new position does not move backwards from the stored one:
//!
//! | stored      | proposed               | outcome                                   |
//! |-------------|------------------------|-------------------------------------------|
//! | none        | any                    | accepted (first page)                     |
//! | `p`         | at or after `p`        | accepted                                  |
//! | `p`         | before `p`             | rejected: [`CursorError::Regression`]     |
//! | `p` (vN)    | any, stored version ≠ N | rejected: [`CursorError::Version`]        |
//! | `p`         | stored ≠ the caller's `previous` | rejected: [`CursorError::Conflict`] |
//!
//! Moving back on purpose (a full resync) is a separate, logged operation: `Store::reset_cursor`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of one stream, such as `hubspot.contacts` or `salesforce.leads`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamName(String);

/// A stream name that is not `system.stream` in lower-case ASCII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stream name {0:?} is not of the form system.stream")]
pub struct StreamNameError(pub String);

impl StreamName {
    /// Validates a name: lower-case ASCII letters, digits and `_`, one `.` between system and stream.
    pub fn new(name: &str) -> Result<Self, StreamNameError> {
        let valid_part = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        match name.split_once('.') {
            Some((a, b)) if valid_part(a) && valid_part(b) => Ok(StreamName(name.to_owned())),
            _ => Err(StreamNameError(name.chars().take(60).collect())),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The system part, before the dot.
    pub fn system(&self) -> &str {
        self.0.split_once('.').map(|(s, _)| s).unwrap_or(&self.0)
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A position in one stream. Implemented by each connector's cursor enum, for example
/// `enum ContactsCursor { InitialSync { after: Option<String> }, Incremental { since, last_id } }`.
pub trait Checkpoint: Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync {
    /// The shape version. Bump it when the serialized form changes incompatibly: a stored cursor
    /// of another version is refused rather than misread.
    const VERSION: u32;

    /// True when `self` is the same position as `previous` or later. Positions are compared in the
    /// source's order, e.g. `(SystemModstamp, Id)`; an initial sync is before any incremental position.
    fn is_at_or_after(&self, previous: &Self) -> bool;

    /// How far through time the position is (the modification time reached), when the cursor
    /// knows. A backfill turns it into a share of its `--since..--until` range, and an ETA.
    fn position_time(&self) -> Option<crate::Timestamp> {
        None
    }
}

/// Why a cursor could not be loaded or advanced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// The proposed position is before the stored one.
    #[error("cursor for {stream} would move backwards from {stored} to {proposed}")]
    Regression {
        /// The stream.
        stream: String,
        /// The stored position, as JSON.
        stored: String,
        /// The refused position, as JSON.
        proposed: String,
    },
    /// The stored cursor has another shape version than this build understands.
    #[error("cursor for {stream} is version {stored}, this build reads version {expected}: reset the stream to resync")]
    Version {
        /// The stream.
        stream: String,
        /// The stored version.
        stored: u32,
        /// The version this build uses.
        expected: u32,
    },
    /// Another writer moved the cursor since the caller read it.
    #[error("cursor for {stream} changed under us (another process is syncing this stream)")]
    Conflict {
        /// The stream.
        stream: String,
    },
    /// The stored cursor does not parse as this stream's cursor type.
    #[error("cursor for {stream} is unreadable: {message}")]
    Corrupt {
        /// The stream.
        stream: String,
        /// The parse error.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_are_system_dot_stream() {
        let s = StreamName::new("hubspot.form_submissions").unwrap();
        assert_eq!(s.system(), "hubspot");
        for bad in [
            "",
            "hubspot",
            "HubSpot.contacts",
            "hubspot.",
            ".contacts",
            "a.b.c",
            "a b.c",
        ] {
            assert!(StreamName::new(bad).is_err(), "{bad:?} accepted");
        }
    }
}

//! Stream cursors: reading them, the forward-only check, resets and per-stream error status.
//!
//! State: the `stream_cursors` table. The check in [`check_advance`] runs inside the page
//! transaction (see `page.rs`), so a cursor can never advance without the records it covers.

use crate::Store;
use crate::error::StoreError;
use crate::time::now_ms;
use closedloop_core::cursor::{Checkpoint, CursorError, StreamName};
use sqlx::SqliteConnection;

/// Reads the stored position of `stream` inside a transaction, as raw (version, JSON).
pub(crate) async fn stored_position(
    tx: &mut SqliteConnection,
    stream: &StreamName,
) -> Result<Option<(i64, String)>, StoreError> {
    let name = stream.as_str();
    // Version 0 marks a row that only records errors of a stream that has no position yet.
    let row = sqlx::query!(
        "SELECT version, position FROM stream_cursors WHERE stream = ? AND version > 0",
        name
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| (r.version, r.position)))
}

/// Decodes a stored cursor, refusing another shape version.
pub(crate) fn decode<C: Checkpoint>(stream: &StreamName, version: i64, position: &str) -> Result<C, CursorError> {
    if version != i64::from(C::VERSION) {
        return Err(CursorError::Version {
            stream: stream.to_string(),
            stored: u32::try_from(version).unwrap_or(u32::MAX),
            expected: C::VERSION,
        });
    }
    serde_json::from_str(position).map_err(|e| CursorError::Corrupt {
        stream: stream.to_string(),
        message: e.to_string(),
    })
}

/// The forward-only rule (the table in `closedloop_core::cursor`): `previous` must be what is
/// stored, and `next` must not be before it.
pub(crate) fn check_advance<C: Checkpoint>(
    stream: &StreamName,
    stored: Option<(i64, String)>,
    previous: Option<&C>,
    next: &C,
) -> Result<(), CursorError> {
    let conflict = || CursorError::Conflict {
        stream: stream.to_string(),
    };
    let Some((version, position)) = stored else {
        // Nothing stored: only a first page (no previous) may start the stream.
        return if previous.is_none() { Ok(()) } else { Err(conflict()) };
    };
    let stored_cursor: C = decode(stream, version, &position)?;
    let same_as_previous = match previous {
        Some(p) => serde_json::to_value(p).ok() == serde_json::to_value(&stored_cursor).ok(),
        None => false,
    };
    if !same_as_previous {
        return Err(conflict());
    }
    if !next.is_at_or_after(&stored_cursor) {
        return Err(CursorError::Regression {
            stream: stream.to_string(),
            stored: position,
            proposed: serde_json::to_string(next).unwrap_or_default(),
        });
    }
    Ok(())
}

impl Store {
    /// The stored cursor of `stream`, if it has one.
    pub async fn load_cursor<C: Checkpoint>(&self, stream: &StreamName) -> Result<Option<C>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match stored_position(&mut conn, stream).await? {
            None => Ok(None),
            Some((version, position)) => Ok(Some(decode(stream, version, &position)?)),
        }
    }

    /// Moves a stream back on purpose (a full resync), recording why. Records already stored stay;
    /// the resync re-reads them idempotently.
    pub async fn reset_cursor(&self, stream: &StreamName, reason: &str) -> Result<(), StoreError> {
        let name = stream.as_str();
        let now = now_ms();
        let note = format!("reset: {reason}");
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query!("DELETE FROM stream_cursors WHERE stream = ?", name)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "INSERT INTO runs (kind, started_at, finished_at, status, summary) VALUES ('cursor_reset', ?, ?, 'ok', json_object('stream', ?, 'reason', ?))",
            now,
            now,
            name,
            note
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::warn!(
            stream = name,
            reason,
            "cursor reset: the stream will resync from the start"
        );
        Ok(())
    }

    /// Records that a pull of `stream` failed, without touching its position.
    pub async fn record_stream_error(&self, stream: &StreamName, error: &str) -> Result<(), StoreError> {
        let name = stream.as_str();
        let now = now_ms();
        let error: String = error.chars().take(2000).collect();
        sqlx::query!(
            r#"INSERT INTO stream_cursors (stream, version, position, updated_at, last_error, last_error_at)
               VALUES (?, 0, 'null', ?, ?, ?)
               ON CONFLICT (stream) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at"#,
            name,
            now,
            error,
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    struct Pos(u32);
    impl Checkpoint for Pos {
        const VERSION: u32 = 2;
        fn is_at_or_after(&self, previous: &Self) -> bool {
            self.0 >= previous.0
        }
    }

    fn s() -> StreamName {
        StreamName::new("test.stream").unwrap()
    }

    #[test]
    fn the_forward_only_table_holds() {
        let stored = |p: u32| Some((2, serde_json::to_string(&Pos(p)).unwrap()));
        assert_eq!(check_advance(&s(), None, None, &Pos(1)), Ok(()));
        assert!(matches!(
            check_advance(&s(), None, Some(&Pos(1)), &Pos(2)),
            Err(CursorError::Conflict { .. })
        ));
        assert_eq!(check_advance(&s(), stored(5), Some(&Pos(5)), &Pos(5)), Ok(()));
        assert_eq!(check_advance(&s(), stored(5), Some(&Pos(5)), &Pos(9)), Ok(()));
        assert!(matches!(
            check_advance(&s(), stored(5), Some(&Pos(5)), &Pos(4)),
            Err(CursorError::Regression { .. })
        ));
        assert!(matches!(
            check_advance(&s(), stored(5), Some(&Pos(4)), &Pos(9)),
            Err(CursorError::Conflict { .. })
        ));
        assert!(matches!(
            check_advance(&s(), stored(5), None, &Pos(9)),
            Err(CursorError::Conflict { .. })
        ));
        let old_version = Some((1, "5".to_owned()));
        assert!(matches!(
            check_advance(&s(), old_version, Some(&Pos(5)), &Pos(9)),
            Err(CursorError::Version { .. })
        ));
        let garbage = Some((2, "{".to_owned()));
        assert!(matches!(
            check_advance(&s(), garbage, Some(&Pos(5)), &Pos(9)),
            Err(CursorError::Corrupt { .. })
        ));
    }
}

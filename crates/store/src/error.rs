//! The store's error type.
//!
//! Holds no state. SQLite's "disk full" and "database is locked" are given their own variants so
//! the operator gets a message that says what to do, not an error code.

use closedloop_core::cursor::CursorError;

/// Why a store operation failed. Nothing is half-written: every write runs in a transaction.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file was written by a newer closedloop.
    #[error(
        "database schema version {found} is newer than this closedloop understands (up to {known}): \
         upgrade closedloop, or point it at another database"
    )]
    NewerSchema {
        /// The highest migration applied to the file.
        found: i64,
        /// The highest migration this build carries.
        known: i64,
    },
    /// Applying migrations failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The disk holding the database is full. The transaction was rolled back.
    #[error("the disk holding the database is full: free some space; nothing was written")]
    DiskFull,
    /// Another process holds a lock on the database longer than the busy timeout.
    #[error("the database is locked by another process (waited {waited_ms} ms): is another closedloop running on it?")]
    Locked {
        /// How long we waited.
        waited_ms: u64,
    },
    /// A cursor could not be advanced or read.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// A stored value does not parse: the row is reported rather than guessed at.
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        message: String,
    },
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            // SQLite primary result codes: 13 SQLITE_FULL, 5 SQLITE_BUSY, 6 SQLITE_LOCKED.
            let code = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
            match code {
                Some(13) => return StoreError::DiskFull,
                Some(5) | Some(6) => {
                    return StoreError::Locked {
                        waited_ms: crate::open::BUSY_TIMEOUT_MS,
                    };
                }
                _ => {}
            }
        }
        StoreError::Sqlx(e)
    }
}

impl StoreError {
    /// A corrupt-value error for `what`.
    pub(crate) fn corrupt(what: &'static str, message: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            what,
            message: message.to_string(),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::corrupt("json", e)
    }
}

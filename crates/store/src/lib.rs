//! closedloop's SQLite store: the only crate that speaks SQL.
//!
//! State: a connection pool to one SQLite file (WAL). Every write is a transaction; a page of
//! records and the cursor that covers it commit together.
//!
//! # Layout
//! - [`open`]: connection settings, the newer-schema refusal, embedded migrations (`migrations/`).
//! - [`page`]: `commit_page`, the atomic page + cursor commit, with unchanged-snapshot skipping.
//! - `records`: the upserts of each normalised record kind, and dirty marking for reconcile.
//! - [`cursors`]: loading, resetting and error-marking stream cursors (forward-only check).
//! - [`quarantine`]: rejected input with reasons.
//! - [`outbox`]: pending writes to target systems, and the values last pushed.
//! - [`runs`]: the run log.
//! - [`quota`]: API quota figures for `status`.
//! - [`reconcile`]: reconcile's batch transaction: the dirty queue, the identity closure and
//!   plan, `PersonFacts` loading, results and attribution credits (migration 0003), the people's
//!   outbox writes; typed reads of the results.
//! - [`status`]: the `closedloop status` snapshot.
//! - [`report`]: the closed-loop report's reads (funnel, attribution, lead quality, content, SLA,
//!   data health) in one read transaction, over reconcile's tables and the 0004 report views.
//! - [`error`]: `StoreError`, with disk-full and locked-database variants.

#![warn(missing_docs)]

pub mod cursors;
pub mod error;
pub mod open;
pub mod outbox;
pub mod page;
pub mod quarantine;
pub mod quota;
pub mod reconcile;
mod records;
pub mod report;
pub mod runs;
pub mod status;
mod time;

pub use error::StoreError;
pub use outbox::DeadLetter;
pub use page::PageOutcome;
pub use quota::QuotaSnapshot;
pub use runs::RunStatus;
pub use status::StatusReport;

use sqlx::SqlitePool;
use std::path::{Path, PathBuf};

/// The store: one SQLite database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let pool = open::open_pool(path).await?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, waiting for connections to finish (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests;

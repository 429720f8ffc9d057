//! Opening the database: connection settings, the schema-version check and migrations.
//!
//! State: none beyond the pool it returns. Settings are explicit rather than SQLite's defaults:
//! WAL (readers never block the writer), a busy timeout (a second process waits instead of
//! failing at once), foreign keys on, `synchronous=NORMAL` (durable across process crashes in WAL
//! mode; the OS crashing may lose the last transactions, never corrupt the file).

use crate::error::StoreError;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long a connection waits for another writer before reporting the database as locked.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

/// The migrations embedded in the binary: `crates/store/migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The highest schema version this build knows.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Connection options for a database file (created if missing).
pub fn connect_options(path: &Path) -> Result<SqliteConnectOptions, StoreError> {
    let url = format!("sqlite://{}", path.display());
    Ok(SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS)))
}

/// Opens (or creates) the database at `path`, refuses a newer schema, and migrates an older one.
pub async fn open_pool(path: &Path) -> Result<SqlitePool, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::corrupt("database directory", e))?;
    }
    let pool = SqlitePoolOptions::new()
        // SQLite has one writer; a few connections let status and report read during a sync.
        .max_connections(4)
        .connect_with(connect_options(path)?)
        .await?;
    refuse_newer_schema(&pool).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Fails with [`StoreError::NewerSchema`] when the file carries migrations this build lacks.
async fn refuse_newer_schema(pool: &SqlitePool) -> Result<(), StoreError> {
    let table_exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(pool)
            .await?;
    if table_exists == 0 {
        return Ok(());
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(pool)
        .await?;
    let known = known_schema_version();
    match found {
        Some(found) if found > known => Err(StoreError::NewerSchema { found, known }),
        _ => Ok(()),
    }
}

/// The highest migration applied to the open database.
pub async fn applied_schema_version(pool: &SqlitePool) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(pool)
        .await?;
    Ok(v.unwrap_or(0))
}

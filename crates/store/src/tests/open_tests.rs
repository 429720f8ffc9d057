//! Opening: pragmas, migrating an older schema, refusing a newer one, a locked database.

use super::fixtures::*;
use crate::Store;
use crate::error::StoreError;
use crate::open::{MIGRATOR, known_schema_version};

#[tokio::test]
async fn a_fresh_database_has_wal_foreign_keys_and_every_migration() {
    let t = temp_store().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(timeout, 5000);
    assert_eq!(
        crate::open::applied_schema_version(&t.store.pool).await.unwrap(),
        known_schema_version()
    );
    assert!(known_schema_version() >= 2);
}

#[tokio::test]
async fn an_older_schema_is_migrated_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // Build a database at schema version 1 from the first migration file alone.
    let first_only = dir.path().join("migrations-v1");
    std::fs::create_dir(&first_only).unwrap();
    let first = MIGRATOR.iter().next().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let file = std::fs::read_dir(&source)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{:04}", first.version))
        })
        .unwrap();
    std::fs::copy(&file, first_only.join(file.file_name().unwrap())).unwrap();
    {
        let pool = sqlx::SqlitePool::connect_with(crate::open::connect_options(&path).unwrap())
            .await
            .unwrap();
        sqlx::migrate::Migrator::new(first_only.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO persons (email, created_at, updated_at) VALUES ('kept@example.com', 1, 1)")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(crate::open::applied_schema_version(&pool).await.unwrap(), 1);
        pool.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        crate::open::applied_schema_version(&store.pool).await.unwrap(),
        known_schema_version()
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM persons WHERE email = 'kept@example.com'").await,
        1
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM outbox").await,
        0,
        "later tables exist"
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_error() {
    let t = temp_store().await;
    let path = t.store.path().to_path_buf();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (9999, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(&t.store.pool)
    .await
    .unwrap();
    t.store.close().await;
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { found: 9999, .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("9999") && message.contains("upgrade closedloop"),
        "{message}"
    );
}

#[tokio::test]
async fn a_database_locked_by_another_process_gives_a_clear_error_and_loses_nothing() {
    let t = temp_store().await;
    // Another writer holds the write lock (as a second closedloop or a sqlite3 shell would).
    let other = sqlx::SqlitePool::connect_with(crate::open::connect_options(t.store.path()).unwrap())
        .await
        .unwrap();
    let mut conn = other.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.unwrap();
    let c = contact("101", "ada@example.com", at(4, 9));
    let err = t
        .store
        .commit_page(
            &stream(),
            None,
            &cursor(1, 101),
            &page_of(vec![closedloop_core::page::Record::MarketingContact(c.clone())]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("locked by another process"));
    sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
    drop(conn);
    // Once the lock is gone the same page commits in full.
    let out = t
        .store
        .commit_page(
            &stream(),
            None,
            &cursor(1, 101),
            &page_of(vec![closedloop_core::page::Record::MarketingContact(c)]),
        )
        .await
        .unwrap();
    assert_eq!(out.written, 1);
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
}

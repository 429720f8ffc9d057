//! The database's worst days: the disk fills up during a backfill, and another process holds
//! the database locked. Each gives a clear error naming the cause and a non-zero exit, the file
//! passes `PRAGMA integrity_check` afterwards, and work resumes from it to the same final state
//! as a run that never failed — nothing was half-written.
//!
//! The full disk is a real one: a small tmpfs mounted in a private mount namespace
//! (`unshare -rm`, which needs no privilege where user namespaces are allowed).

use closedloop_tests::snapshot::{assert_same, read_only_pool};
use closedloop_tests::world::{World, closedloop_bin};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const SPEC: &str = "contacts=150,seed=51,hostile=0.02,duplicates=0.05";

async fn integrity_check(db: &Path) -> String {
    let pool = read_only_pool(db).await;
    let result: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("run integrity_check");
    pool.close().await;
    result
}

/// Points the world's config at `db` for its store.
fn use_database(world: &World, db: &Path) {
    let db = db.display().to_string();
    world.edit_config(|text| {
        let start = text.find("[store]\npath = ").expect("the store section");
        let end = start + text[start..].find('\n').unwrap_or(0) + 1;
        let end = end + text[end..].find('\n').unwrap_or(0) + 1;
        format!("{}[store]\npath = \"{db}\"\n{}", &text[..start], &text[end..])
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_backfill_clearly_and_corrupts_nothing() {
    let backfill = ["backfill", "--since", "2020-01-01"];
    let reference = World::generated(SPEC).await;
    reference.make_fast(5);
    let out = reference.run(&backfill).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let full_size = std::fs::metadata(reference.database()).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(reference.database().with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    reference.settle_with_binary(6).await;
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = World::generated(SPEC).await;
    world.make_fast(5);
    let mount = world.dir().join("small-disk");
    let saved = world.dir().join("saved");
    std::fs::create_dir_all(&mount).expect("mount point");
    std::fs::create_dir_all(&saved).expect("saved directory");
    use_database(&world, &mount.join("closedloop.db"));
    // A disk with room for the schema and part of the data: a third of what the backfill needs
    // (rounded to pages), and never less than the empty schema's 600 KiB.
    let size_kib = (full_size / 3 / 1024).max(600);
    let script = r#"mount -t tmpfs -o size="$1"k tmpfs "$2" || exit 97
"$3" backfill --since 2020-01-01 --config "$4"
code=$?
cp "$2"/closedloop.db* "$5"/
exit $code"#;
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(size_kib.to_string())
        .arg(&mount)
        .arg(closedloop_bin())
        .arg(&world.config)
        .arg(&saved)
        .current_dir(world.dir())
        .env("RUST_LOG", "info")
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.status.code(),
        Some(97),
        "cannot mount a tmpfs in a private namespace here:\n{stderr}"
    );
    assert!(!out.status.success(), "the backfill fit in {size_kib} KiB:\n{stderr}");
    assert!(
        stderr.contains("the disk holding the database is full"),
        "the error does not name the cause:\n{stderr}"
    );
    let failed_exit = out.status.code();
    let db = saved.join("closedloop.db");
    assert_eq!(integrity_check(&db).await, "ok");

    // The same file, on a disk with room, resumes to the state of a run that never failed.
    let partial_records: i64 = {
        let pool = read_only_pool(&db).await;
        let n = sqlx::query_scalar("SELECT count(*) FROM touchpoints")
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    };
    for entry in std::fs::read_dir(&saved).expect("saved files").flatten() {
        std::fs::copy(entry.path(), world.dir().join(entry.file_name())).expect("copy the database back");
    }
    use_database(&world, &world.database());
    let out = world.run(&backfill).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    world.settle_with_binary(6).await;
    let actual = world.snapshot().await;
    assert_same(&expected, &actual, "backfill resumed after a full disk");
    println!(
        "resilience/disk-full: tmpfs of {size_kib} KiB (full database {full_size} bytes): exit {:?}, integrity ok, {partial_records} touchpoints kept; resumed: {}; lost 0, duplicated 0",
        failed_exit,
        actual.figures()
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_fails_clearly_and_corrupts_nothing() {
    let world = World::start(closedloop_sim::generator::named("tiny").expect("tiny")).await;
    world.make_fast(5);
    // The schema exists (a first `status` creates and migrates the database).
    let out = world.run(&["status"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Another process takes the write lock and keeps it until its stdin closes.
    let mut holder = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\ncon = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             con.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\nsys.stdin.read()\ncon.rollback()\n",
        )
        .arg(world.database())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the holder's output");
    assert_eq!(line.trim(), "locked");

    let out = world.run(&["run", "--once"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    drop(holder.stdin.take());
    let _ = holder.wait();
    assert!(!out.status.success(), "a cycle ran on a locked database:\n{stderr}");
    assert!(
        stderr.contains("the database is locked by another process"),
        "the error does not name the cause:\n{stderr}"
    );
    assert_eq!(integrity_check(&world.database()).await, "ok");
    // Once the lock is gone, the same database syncs normally.
    let settled = world.settle_with_binary(6).await;
    assert_eq!(integrity_check(&world.database()).await, "ok");
    println!(
        "resilience/locked: exit {:?} with a clear error while locked; integrity ok; then settled in {settled} cycles",
        out.status.code()
    );
    world.shutdown().await;
}

//! `closedloop status`: the store's view of every stream, the outbox, dead letters, quarantine,
//! quota, people and duplicates, and recent runs — as tables, or JSON with `--json`.
//!
//! Holds no state; reads the database (creating and migrating it if it does not exist yet).

use crate::cli::StatusArgs;
use crate::exit::{CONFIG, ExitError};
use closedloop_store::{StatusReport, Store};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

/// Prints the status.
pub async fn run(args: StatusArgs) -> Result<(), ExitError> {
    let db = match args.db {
        Some(db) => db,
        None => closedloop_config::load(&args.config.config)
            .map_err(|e| ExitError::new(CONFIG, e))?
            .database_path(),
    };
    let store = Store::open(&db).await?;
    let report = store.status(args.limit).await?;
    store.close().await;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"database": db, "status": report}))?
        );
    } else {
        print_tables(&db, &report);
    }
    Ok(())
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(header.iter().copied());
    t
}

fn when(t: Option<closedloop_core::Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

fn print_tables(db: &std::path::Path, r: &StatusReport) {
    println!("database {} (schema {})", db.display(), r.schema_version);
    println!(
        "people {} · linked records {} · waiting for reconcile {}",
        r.persons, r.linked_records, r.dirty_records
    );
    println!();

    let mut streams = table(&["stream", "cursor", "last success", "records", "rejected", "last error"]);
    for s in &r.streams {
        let error = match (&s.last_error, s.last_error_at) {
            (Some(e), at) => format!("{} ({})", e, when(at)),
            _ => "-".into(),
        };
        let cursor = if s.version == 0 {
            "(none yet)".into()
        } else {
            s.position.to_string()
        };
        streams.add_row(vec![
            s.stream.clone(),
            cursor,
            when(s.last_success_at),
            s.records_total.to_string(),
            s.rejected_total.to_string(),
            error,
        ]);
    }
    println!(
        "streams\n{}",
        if r.streams.is_empty() {
            "  (no stream has run yet)".into()
        } else {
            streams.to_string()
        }
    );

    let mut outbox = table(&["target", "object", "state", "count"]);
    for o in &r.outbox {
        outbox.add_row(vec![
            o.target.clone(),
            o.object.clone(),
            o.state.clone(),
            o.count.to_string(),
        ]);
    }
    println!(
        "\noutbox\n{}",
        if r.outbox.is_empty() {
            "  (empty)".into()
        } else {
            outbox.to_string()
        }
    );

    if !r.dead_letters.is_empty() {
        let mut dead = table(&["id", "target", "object", "record", "attempts", "error", "given up"]);
        for d in &r.dead_letters {
            dead.add_row(vec![
                d.id.to_string(),
                d.target.clone(),
                d.object.clone(),
                d.external_id.clone().unwrap_or_else(|| "(create)".into()),
                d.attempts.to_string(),
                d.last_error.clone().unwrap_or_default(),
                when(Some(d.updated_at)),
            ]);
        }
        println!("\ndead letters\n{dead}");
    }

    println!("\nquarantine: {} open", r.quarantine_open);
    if !r.quarantine_by_reason.is_empty() {
        let mut q = table(&["stream", "reason", "count"]);
        for g in &r.quarantine_by_reason {
            q.add_row(vec![g.stream.clone(), g.reason.clone(), g.count.to_string()]);
        }
        println!("{q}");
    }

    if !r.quota.is_empty() {
        let mut q = table(&[
            "connector",
            "bucket",
            "used",
            "max",
            "remaining",
            "exhausted until",
            "observed",
        ]);
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        for s in &r.quota {
            q.add_row(vec![
                s.connector.clone(),
                s.bucket.clone(),
                n(s.used),
                n(s.max),
                n(s.remaining),
                when(s.exhausted_until),
                when(Some(s.observed_at)),
            ]);
        }
        println!("\nquota\n{q}");
    }

    if !r.duplicates.is_empty() {
        let mut d = table(&["person", "email", "system", "object", "records (primary first)"]);
        for g in &r.duplicates {
            d.add_row(vec![
                format!("p{}", g.person_id),
                g.email.clone().unwrap_or_default(),
                g.system.clone(),
                g.object.clone(),
                g.external_ids.join(", "),
            ]);
        }
        println!("\nduplicates\n{d}");
    }

    if !r.recent_runs.is_empty() {
        let mut runs = table(&["run", "kind", "started", "finished", "status", "error"]);
        for run in &r.recent_runs {
            runs.add_row(vec![
                run.id.to_string(),
                run.kind.clone(),
                when(Some(run.started_at)),
                when(run.finished_at),
                run.status.clone(),
                run.error.clone().unwrap_or_default(),
            ]);
        }
        println!("\nrecent runs\n{runs}");
    }
}

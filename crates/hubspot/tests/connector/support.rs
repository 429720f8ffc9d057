//! Shared helpers: a simulator started in-process, a connector pointed at it, a temporary store,
//! drives to completion, and read-only dumps of what the store holds.
//!
//! State: a [`Rig`] owns one simulator, one store and its temporary directory; nothing is shared
//! between tests. Time is real (the simulator's clock can be frozen and stepped instead): retry
//! delays are milliseconds and no assertion depends on elapsed time. The dumps read SQLite
//! directly (read-only) because the store exposes no query API for every table; only the store
//! crate writes SQL.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use closedloop_config::HubSpotConfig;
use closedloop_core::secret::Secret;
use closedloop_core::sync::{PullMode, PullStream};
use closedloop_engine::pull::{NoObserver, StreamOutcome, drive_stream};
use closedloop_hubspot::{ContactFields, Credentials, HubSpotConnector, Tuning, WriteField};
use closedloop_outbound::RetryPolicy;
use closedloop_sim::hubspot::{HubSpotAdmin, HubSpotServer, start};
use closedloop_sim::scenario::{HubSpotContactSpec, PersonSpec, Scenario, StageAt};
use closedloop_store::Store;
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

/// A simulator, a store, and how to reach the simulator.
pub struct Rig {
    pub sim: HubSpotServer,
    pub store: Store,
    pub dir: tempfile::TempDir,
    pub token: String,
    pub http: reqwest::Client,
}

impl Rig {
    /// Starts a simulator with `scenario` and opens an empty store.
    pub async fn start(scenario: &Scenario) -> Rig {
        let sim = start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("closedloop.db"))
            .await
            .expect("store opens");
        Rig {
            sim,
            store,
            dir,
            token: scenario.hubspot.access_token.clone(),
            http: reqwest::Client::new(),
        }
    }

    /// The simulator's admin handle.
    pub fn admin(&self) -> &HubSpotAdmin {
        self.sim.admin()
    }

    /// A second, empty store (to compare runs against one simulator).
    pub async fn fresh_store(&self, name: &str) -> Store {
        Store::open(&self.dir.path().join(format!("{name}.db")))
            .await
            .expect("store opens")
    }

    /// A connector for this simulator with the given config additions and tuning.
    pub fn connector(&self, extra_toml: &str, fields: ContactFields, tuning: Tuning) -> HubSpotConnector {
        let config = config(&self.sim.base_url(), extra_toml);
        HubSpotConnector::with_tuning(
            &config,
            Credentials::PrivateApp {
                token: Secret::new(self.token.clone()),
            },
            fields,
            tuning,
        )
        .expect("connector builds")
    }

    /// A call to the simulator's API as the integration.
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.expect("simulator answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The simulator's request count per route, minus what `before` had counted.
    pub fn calls_since(&self, before: &closedloop_sim::Stats) -> BTreeMap<String, u64> {
        let now = self.admin().stats();
        now.by_route
            .iter()
            .map(|(route, n)| (route.clone(), n - before.by_route.get(route).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// A `[hubspot]` section for a simulator at `base_url`.
pub fn config(base_url: &str, extra_toml: &str) -> HubSpotConfig {
    let text = format!(
        "base_url = \"{base_url}\"\ntier = \"professional\"\nrequest_timeout_secs = 5\nreserve_percent = 0\n\
         property_group = \"contactinformation\"\n{extra_toml}\n\
         [auth]\nkind = \"private_app\"\ntoken = {{ env = \"UNUSED\" }}\n"
    );
    toml::from_str(&text).unwrap_or_else(|e| panic!("test config does not parse: {e}\n{text}"))
}

/// Retries in milliseconds, so fault storms cost little time.
pub fn quick() -> Tuning {
    Tuning {
        retry: RetryPolicy {
            max_attempts: 8,
            initial_delay: std::time::Duration::from_millis(2),
            max_delay: std::time::Duration::from_millis(40),
            max_total_delay: std::time::Duration::from_secs(60),
            full_jitter: true,
            jitter_seed: Some(11),
        },
        daily_probe_every: std::time::Duration::ZERO,
        ..Tuning::default()
    }
}

/// Small pages: paging exercised with few records.
pub fn small(list: u32, search: u32) -> Tuning {
    Tuning {
        list_page_size: list,
        search_page_size: search,
        ..quick()
    }
}

/// The fields most tests read back and write: two custom properties and a standard one.
pub fn fields() -> ContactFields {
    use closedloop_core::fields::FieldKind;
    ContactFields::new(
        vec!["country".into()],
        vec![
            WriteField {
                name: "closedloop_sql_date".into(),
                kind: FieldKind::DateTime,
            },
            WriteField {
                name: "closedloop_deal_amount".into(),
                kind: FieldKind::Number,
            },
            WriteField {
                name: "hs_lead_status".into(),
                kind: FieldKind::Text,
            },
        ],
    )
}

/// A fixed instant `minutes` after 2026-01-05 09:00 UTC.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().expect("date") + Duration::minutes(minutes)
}

/// A person with a HubSpot contact created at `at(i)`.
pub fn person(i: usize) -> PersonSpec {
    let created = at(i as i64);
    PersonSpec {
        key: format!("p-{i:06}"),
        email: format!("person{i}@example-{}.com", i % 7),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}")),
        country: Some("Germany".into()),
        hubspot: Some(HubSpotContactSpec {
            created_at: created,
            lifecycle: vec![StageAt {
                stage: "lead".into(),
                at: created,
            }],
            lead_status: Some("NEW".into()),
            source: Some("ORGANIC_SEARCH".into()),
            source_data_1: Some("google".into()),
            source_data_2: None,
            latest_source: None,
            owner: None,
            archived_at: None,
            merged_into: None,
            merged_at: None,
            properties: BTreeMap::new(),
        }),
        ..PersonSpec::default()
    }
}

/// A scenario of `n` plain contacts.
pub fn contacts(n: usize) -> Scenario {
    Scenario {
        name: "contacts".into(),
        people: (0..n).map(person).collect(),
        ..Scenario::default()
    }
}

/// Drives a stream until it has caught up, restarting after errors as the daemon's next cycle
/// would; returns the outcomes summed and the errors met.
pub async fn drive<S: PullStream>(store: &Store, stream: &S, mode: PullMode) -> (StreamOutcome, u32) {
    let cancel = CancellationToken::new();
    let mut total = StreamOutcome::default();
    let mut errors = 0;
    for _ in 0..200 {
        match drive_stream(store, stream, mode, None, &cancel, &NoObserver).await {
            Ok(o) => {
                total.pages += o.pages;
                total.written += o.written;
                total.unchanged += o.unchanged;
                total.rejected += o.rejected;
                if o.caught_up {
                    total.caught_up = true;
                    total.stream = o.stream;
                    return (total, errors);
                }
            }
            Err(e) => {
                assert!(
                    !e.is_quota_exhausted(),
                    "{}: the quota ran out unexpectedly: {e}",
                    stream.name()
                );
                errors += 1;
            }
        }
    }
    panic!("{} did not catch up after 200 drives", stream.name())
}

/// Drives a stream incrementally and asserts it met no error.
pub async fn pull<S: PullStream>(store: &Store, stream: &S) -> StreamOutcome {
    let (outcome, errors) = drive(store, stream, PullMode::Incremental).await;
    assert_eq!(errors, 0, "{} failed {errors} times without faults", stream.name());
    outcome
}

/// Drives at most `pages` pages (a run killed after that many pages).
pub async fn pull_pages<S: PullStream>(store: &Store, stream: &S, pages: u64) -> StreamOutcome {
    drive_stream(
        store,
        stream,
        PullMode::Incremental,
        Some(pages),
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
    .expect("drive")
}

/// The tables a dump compares, with the columns left out (row ids and local times).
const TABLES: [(&str, &[&str]); 13] = [
    ("marketing_contacts", &[]),
    ("stage_changes", &["id"]),
    ("record_merges", &[]),
    ("touchpoints", &["id"]),
    ("deals", &[]),
    ("deal_contacts", &[]),
    ("campaigns", &[]),
    ("content_assets", &[]),
    ("owners", &[]),
    ("pipelines", &[]),
    ("pipeline_stages", &[]),
    ("source_snapshots", &["fetched_at"]),
    (
        "quarantine",
        &["id", "first_seen_at", "last_seen_at", "occurrences", "resolved_at"],
    ),
];

/// Every row of every compared table, as text, sorted: two stores holding the same data dump alike.
pub async fn dump(store: &Store) -> BTreeMap<String, Vec<String>> {
    let url = format!("sqlite://{}?mode=ro", store.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("read-only connection");
    let mut out = BTreeMap::new();
    for (table, skip) in TABLES {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})")))
            .fetch_all(&pool)
            .await
            .expect("table info")
            .iter()
            .map(|r| r.get::<String, _>("name"))
            .filter(|c| !skip.contains(&c.as_str()))
            .collect();
        if columns.is_empty() {
            continue;
        }
        let select = columns
            .iter()
            .map(|c| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {select} AS row FROM {table}")))
            .fetch_all(&pool)
            .await
            .expect("rows")
            .iter()
            .map(|r| r.get::<String, _>("row"))
            .collect();
        rows.sort();
        out.insert(table.to_owned(), rows);
    }
    pool.close().await;
    out
}

/// One value of a query (for focused assertions).
pub async fn scalar(store: &Store, sql: &str) -> i64 {
    let url = format!("sqlite://{}?mode=ro", store.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("read-only connection");
    // Test-authored queries over the test's own store.
    let v: i64 = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&pool)
        .await
        .expect("query")
        .get(0);
    pool.close().await;
    v
}

/// Rows of a query, each as its columns' text (for focused assertions).
pub async fn rows(store: &Store, sql: &str) -> Vec<Vec<Option<String>>> {
    let url = format!("sqlite://{}?mode=ro", store.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("read-only connection");
    let out = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&pool)
        .await
        .expect("query")
        .iter()
        .map(|r| (0..r.len()).map(|i| r.get::<Option<String>, _>(i)).collect())
        .collect();
    pool.close().await;
    out
}

/// Asserts two dumps are equal, naming the first table that differs.
pub fn assert_same(left: &BTreeMap<String, Vec<String>>, right: &BTreeMap<String, Vec<String>>, what: &str) {
    for (table, rows) in left {
        let other = right.get(table).cloned().unwrap_or_default();
        if *rows != other {
            let missing: Vec<&String> = rows.iter().filter(|r| !other.contains(r)).take(3).collect();
            let extra: Vec<&String> = other.iter().filter(|r| !rows.contains(r)).take(3).collect();
            panic!(
                "{what}: table {table} differs ({} vs {} rows)\n  only left: {missing:#?}\n  only right: {extra:#?}",
                rows.len(),
                other.len()
            );
        }
    }
}

/// The simulator's contacts (live ones), id → email.
pub fn live_contact_ids(admin: &HubSpotAdmin) -> Vec<u64> {
    admin.read(|w| w.contacts.all_live().map(|r| r.id).collect())
}

/// A contact property update through the API as the integration would make it.
pub fn props(pairs: &[(&str, &str)]) -> Value {
    let map: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    json!({ "properties": map })
}

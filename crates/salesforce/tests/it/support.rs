//! Test support: a simulator with a scenario, a connector pointed at it, a temporary store, the
//! engine's page loop, and read-only looks into the store's tables.
//!
//! State: [`World`] owns the running simulator, the temporary directory and the store.

use closedloop_config::salesforce::SalesforceConfig;
use closedloop_core::ObjectType;
use closedloop_core::secret::Secret;
use closedloop_core::sync::{PullMode, PullStream};
use closedloop_engine::pull::{NoObserver, StreamOutcome, drive_stream};
use closedloop_outbound::RetryPolicy;
use closedloop_salesforce::{ConnectorOptions, SalesforceConnector, SalesforceSecrets};
use closedloop_sim::Scenario;
use closedloop_sim::salesforce::SalesforceServer;
use closedloop_store::Store;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A simulator, a store, and how to reach both.
pub struct World {
    pub sim: SalesforceServer,
    pub store: Store,
    pub scenario: Scenario,
    dir: tempfile::TempDir,
}

/// Settings of a connector under test.
#[derive(Clone)]
pub struct Setup {
    /// Records per query page.
    pub batch: u32,
    /// Lookback of every stream, seconds.
    pub lookback_secs: u64,
    /// Share of the daily quota left for others, percent.
    pub reserve_percent: u8,
    /// Lead fields read back.
    pub lead_fields: Vec<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            batch: 200,
            lookback_secs: 0,
            reserve_percent: 0,
            lead_fields: vec!["First_Touch_Campaign__c".into(), "MQL_Date__c".into()],
        }
    }
}

impl World {
    pub async fn start(scenario: Scenario) -> World {
        let sim = closedloop_sim::salesforce::start(&scenario, "127.0.0.1:0".parse().unwrap(), None)
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("closedloop.db"))
            .await
            .expect("store opens");
        World {
            sim,
            store,
            scenario,
            dir,
        }
    }

    /// A second, empty store (a run that starts over).
    pub async fn fresh_store(&self, name: &str) -> Store {
        Store::open(&self.dir.path().join(format!("{name}.db")))
            .await
            .expect("store opens")
    }

    pub fn config(&self, setup: &Setup) -> SalesforceConfig {
        let url = self.sim.base_url();
        let mut config: SalesforceConfig = toml::from_str(&format!(
            r#"
            instance_url = "{url}"
            login_url = "{url}"
            [auth]
            kind = "refresh_token"
            client_id = "{id}"
            client_secret = {{ env = "SIM_SECRET" }}
            refresh_token = {{ env = "SIM_REFRESH" }}
            "#,
            id = self.scenario.salesforce.client_id
        ))
        .expect("config parses");
        config.query_batch_size = setup.batch;
        config.reserve_percent = setup.reserve_percent;
        config.close_reason_field = Some("Loss_Reason__c".into());
        config.streams.leads.lookback_secs = setup.lookback_secs;
        config.streams.contacts.lookback_secs = setup.lookback_secs;
        for s in [
            &mut config.streams.opportunities,
            &mut config.streams.activities,
            &mut config.streams.campaigns,
            &mut config.streams.users,
            &mut config.streams.lead_status_history,
        ] {
            s.lookback_secs = setup.lookback_secs;
        }
        config
    }

    pub fn secrets(&self) -> SalesforceSecrets {
        SalesforceSecrets {
            client_secret: Secret::new(self.scenario.salesforce.client_secret.clone()),
            refresh_token: Some(Secret::new(self.scenario.salesforce.refresh_token.clone())),
        }
    }

    pub fn connector(&self, setup: &Setup) -> SalesforceConnector {
        let options = ConnectorOptions {
            retry: RetryPolicy {
                max_attempts: 4,
                initial_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(5),
                max_total_delay: Duration::from_millis(200),
                full_jitter: true,
                jitter_seed: Some(7),
            },
            daily_probe_every: Duration::ZERO,
            ..ConnectorOptions::default()
        };
        let read = BTreeMap::from([
            (ObjectType::Lead, setup.lead_fields.clone()),
            (ObjectType::Contact, vec!["MQL_Date__c".to_owned()]),
        ]);
        SalesforceConnector::with_options(&self.config(setup), self.secrets(), read, options).expect("connector builds")
    }

    /// Requests the simulator has served so far.
    pub fn requests(&self) -> u64 {
        self.sim.stats().requests_total
    }

    /// Runs SOQL on the simulator directly (no quota, no session).
    pub fn sim_query(&self, soql: &str, all: bool) -> Vec<Value> {
        self.sim.admin().query(soql, all).expect("sim query")
    }

    /// The ids the simulator holds for `object` (deleted ones too when `all`).
    pub fn sim_ids(&self, object: &str, all: bool) -> BTreeSet<String> {
        self.sim_query(&format!("SELECT Id FROM {object}"), all)
            .iter()
            .filter_map(|r| r["Id"].as_str().map(str::to_owned))
            .collect()
    }

    /// A fresh session id from the token endpoint (the scenario's own may have been expired).
    pub async fn token(&self) -> String {
        let s = &self.scenario.salesforce;
        let response: Value = reqwest::Client::new()
            .post(format!("{}/services/oauth2/token", self.sim.base_url()))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", s.client_id.as_str()),
                ("client_secret", s.client_secret.as_str()),
                ("refresh_token", s.refresh_token.as_str()),
            ])
            .send()
            .await
            .expect("token call")
            .json()
            .await
            .expect("token json");
        response["access_token"].as_str().expect("access token").to_owned()
    }

    /// A REST call a user (not the connector) makes: changes the org under the connector.
    pub async fn rest(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/services/data/v59.0/{path}", self.sim.base_url());
        let mut request = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(self.token().await);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("rest call");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Updates records in one collection call (all get the same `SystemModstamp` second).
    pub async fn update_all(&self, object: &str, ids: &[String], fields: Value) {
        for chunk in ids.chunks(200) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|id| {
                    let mut r = fields.clone();
                    r["attributes"] = json!({"type": object});
                    r["Id"] = json!(id);
                    r
                })
                .collect();
            let results = self
                .rest(
                    reqwest::Method::PATCH,
                    "composite/sobjects",
                    Some(json!({"allOrNone": true, "records": records})),
                )
                .await;
            assert!(
                results
                    .as_array()
                    .is_some_and(|a| a.iter().all(|r| r["success"] == true)),
                "{results}"
            );
        }
    }

    /// Deletes records.
    pub async fn delete(&self, ids: &[String]) {
        for chunk in ids.chunks(200) {
            let path = format!("composite/sobjects?ids={}&allOrNone=true", chunk.join(","));
            self.rest(reqwest::Method::DELETE, &path, None).await;
        }
    }

    /// Counts rows of a store table, read-only.
    pub async fn count(&self, store: &Store, sql: &str) -> i64 {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", store.path().display()))
            .await
            .expect("read-only connection");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&pool)
            .await
            .expect(sql);
        pool.close().await;
        n
    }

    /// Reads one text column of a store query, read-only.
    pub async fn column(&self, store: &Store, sql: &str) -> Vec<String> {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", store.path().display()))
            .await
            .expect("read-only connection");
        let rows: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&pool)
            .await
            .expect(sql);
        pool.close().await;
        rows.into_iter().map(|r| r.unwrap_or_default()).collect()
    }

    /// The ids of a store table's Salesforce rows.
    pub async fn stored_ids(&self, store: &Store, table: &str) -> BTreeSet<String> {
        self.column(store, &format!("SELECT id FROM {table} WHERE system = 'salesforce'"))
            .await
            .into_iter()
            .collect()
    }
}

/// Drives a stream until it caught up (or `max_pages`), as the daemon does.
pub async fn drive<S: PullStream>(
    store: &Store,
    stream: &S,
    max_pages: Option<u64>,
) -> Result<StreamOutcome, closedloop_engine::EngineError> {
    drive_stream(
        store,
        stream,
        PullMode::Incremental,
        max_pages,
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
}

/// Drives every stream of `connector` until caught up; returns pages per stream.
pub async fn drive_all(store: &Store, connector: &SalesforceConnector) -> BTreeMap<String, StreamOutcome> {
    let mut out = BTreeMap::new();
    macro_rules! run {
        ($stream:expr) => {{
            let stream = $stream.expect("stream");
            let outcome = drive(store, &stream, None).await.expect("stream drives");
            assert!(outcome.caught_up);
            out.insert(outcome.stream.clone(), outcome);
        }};
    }
    run!(connector.users());
    run!(connector.campaigns());
    run!(connector.leads());
    run!(connector.contacts());
    run!(connector.opportunities());
    run!(connector.activities());
    run!(connector.lead_status_history());
    out
}

/// A person with one lead created at `created` and the given status history.
pub fn lead_person(i: usize, created: &str, statuses: &[(&str, &str)]) -> Value {
    json!({
        "key": format!("p{i:05}"),
        "email": format!("person{i:05}@example.com"),
        "first_name": "Test",
        "last_name": format!("Person {i}"),
        "company": "Acme",
        "salesforce": {"leads": [{
            "created_at": created,
            "statuses": statuses.iter().map(|(s, at)| json!({"stage": s, "at": at})).collect::<Vec<_>>(),
        }]},
    })
}

/// A scenario of `people` (JSON person specs) with default settings.
pub fn scenario(people: Vec<Value>) -> Scenario {
    let mut s: Scenario = serde_json::from_value(json!({"name": "test", "people": people})).expect("scenario");
    s.salesforce.deleted_retention_days = 15;
    s
}

/// `n` people with one lead each, all created in the same second: ties on `SystemModstamp`.
pub fn tied_leads(n: usize) -> Scenario {
    let at = "2026-06-01T10:00:00Z";
    scenario(
        (0..n)
            .map(|i| lead_person(i, at, &[("Open - Not Contacted", at)]))
            .collect(),
    )
}

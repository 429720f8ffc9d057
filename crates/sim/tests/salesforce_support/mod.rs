//! Shared helpers for the Salesforce simulator tests: scenario builders and an HTTP client that
//! speaks to a simulator started on 127.0.0.1:0.
//!
//! State: each [`Sf`] owns one running simulator and one reqwest client.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use closedloop_sim::salesforce::{self, SalesforceServer};
use closedloop_sim::scenario::{
    ActivitySpec, CampaignMemberSpec, CampaignSpec, LeadSpec, OpportunitySpec, OwnerSpec, PersonSpec,
    SalesforcePersonSpec, Scenario, StageAt,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The API version the tests use.
pub const V: &str = "59.0";

/// A fixed instant in the past.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 31, 9, 15, 0).single().unwrap_or_default()
}

/// A sales rep.
pub fn rep() -> OwnerSpec {
    OwnerSpec {
        key: "rep".into(),
        email: "rep@example.com".into(),
        first_name: "Rita".into(),
        last_name: "Rep".into(),
        sales: true,
    }
}

/// A person with one lead created at `at`.
pub fn lead_person(i: usize, at: DateTime<Utc>) -> PersonSpec {
    PersonSpec {
        key: format!("p{i}"),
        email: format!("person{i}@example.com"),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}")),
        company: Some(format!("Company {}", i % 50)),
        country: Some("DE".into()),
        salesforce: Some(SalesforcePersonSpec {
            leads: vec![lead(at, &[("Open - Not Contacted", at)])],
            ..SalesforcePersonSpec::default()
        }),
        ..PersonSpec::default()
    }
}

/// A lead with a status history.
pub fn lead(at: DateTime<Utc>, statuses: &[(&str, DateTime<Utc>)]) -> LeadSpec {
    LeadSpec {
        created_at: at,
        statuses: statuses
            .iter()
            .map(|(s, t)| StageAt {
                stage: (*s).into(),
                at: *t,
            })
            .collect(),
        lead_source: Some("Web".into()),
        owner: Some("rep".into()),
        company: None,
        unqualified_reason: None,
        converted_at: None,
        deleted_at: None,
        fields: Default::default(),
    }
}

/// A scenario with `n` leads; lead `i` is created at `t0 + stamp(i)` seconds.
pub fn leads_scenario(n: usize, stamp: impl Fn(usize) -> i64) -> Scenario {
    Scenario {
        name: "test".into(),
        owners: vec![rep()],
        people: (0..n)
            .map(|i| lead_person(i, t0() + Duration::seconds(stamp(i))))
            .collect(),
        ..Scenario::default()
    }
}

/// A richer scenario: a converted lead with an opportunity, tasks, a campaign membership, a
/// disqualified lead, a deleted lead.
pub fn funnel_scenario() -> Scenario {
    let at = t0();
    let mut won = lead_person(1, at);
    won.email = "won@example.com".into();
    won.last_name = Some("Winner".into());
    if let Some(sf) = won.salesforce.as_mut() {
        sf.leads = vec![LeadSpec {
            converted_at: Some(at + Duration::days(3)),
            ..lead(
                at,
                &[
                    ("Open - Not Contacted", at),
                    ("Working - Contacted", at + Duration::hours(2)),
                    ("Closed - Converted", at + Duration::days(3)),
                ],
            )
        }];
        sf.activities = vec![
            ActivitySpec {
                kind: "call".into(),
                at: at + Duration::hours(2),
                owner: Some("rep".into()),
                subject: None,
                outcome: Some("Connected".into()),
            },
            ActivitySpec {
                kind: "email".into(),
                at: at + Duration::hours(3),
                owner: Some("rep".into()),
                subject: Some("Intro".into()),
                outcome: None,
            },
            ActivitySpec {
                kind: "meeting".into(),
                at: at + Duration::days(5),
                owner: Some("rep".into()),
                subject: None,
                outcome: None,
            },
        ];
        sf.opportunities = vec![OpportunitySpec {
            name: "Company 1 - Platform".into(),
            amount: Some("12000.50".into()),
            amount_history: Vec::new(),
            currency: None,
            created_at: at + Duration::days(3),
            close_date: (at + Duration::days(60)).date_naive(),
            stages: vec![
                StageAt {
                    stage: "Prospecting".into(),
                    at: at + Duration::days(3),
                },
                StageAt {
                    stage: "Proposal/Price Quote".into(),
                    at: at + Duration::days(20),
                },
                StageAt {
                    stage: "Closed Won".into(),
                    at: at + Duration::days(40),
                },
            ],
            close_reason: None,
            campaign: Some("webinar".into()),
            lead_source: Some("Web".into()),
            owner: Some("rep".into()),
        }];
        sf.campaign_memberships = vec![CampaignMemberSpec {
            campaign: "webinar".into(),
            status: "Responded".into(),
            created_at: at - Duration::days(1),
            responded_at: Some(at - Duration::days(1)),
        }];
    }
    let mut lost = lead_person(2, at + Duration::hours(1));
    lost.last_name = Some("O'Brien".into());
    if let Some(sf) = lost.salesforce.as_mut() {
        sf.leads[0].statuses.push(StageAt {
            stage: "Closed - Not Converted".into(),
            at: at + Duration::days(1),
        });
        sf.leads[0].unqualified_reason = Some("No budget".into());
    }
    let mut gone = lead_person(3, at + Duration::hours(2));
    if let Some(sf) = gone.salesforce.as_mut() {
        sf.leads[0].deleted_at = Some(Utc::now() - Duration::days(2));
    }
    Scenario {
        name: "funnel".into(),
        owners: vec![rep()],
        campaigns: vec![CampaignSpec {
            key: "webinar".into(),
            name: "Spring Webinar".into(),
            channel: Some("webinar".into()),
            kind: Some("Webinar".into()),
            starts_on: Some((at - Duration::days(10)).date_naive()),
            ends_on: Some((at + Duration::days(10)).date_naive()),
            in_salesforce: true,
        }],
        people: vec![won, lost, gone],
        ..Scenario::default()
    }
}

/// A running simulator and a client for it.
pub struct Sf {
    /// The server.
    pub server: SalesforceServer,
    /// The client.
    pub http: reqwest::Client,
    /// The session token.
    pub token: String,
}

/// A response: status, headers, JSON body (null when empty or not JSON).
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Value,
}

impl Reply {
    /// The first error's `errorCode`.
    pub fn error_code(&self) -> &str {
        self.body[0]["errorCode"].as_str().unwrap_or("")
    }

    /// The first error's message.
    pub fn message(&self) -> &str {
        self.body[0]["message"].as_str().unwrap_or("")
    }
}

impl Sf {
    /// Starts a simulator (plain HTTP only) for `scenario`.
    pub async fn start(scenario: &Scenario) -> Sf {
        let server = salesforce::start(scenario, "127.0.0.1:0".parse().expect("addr"), None)
            .await
            .expect("simulator starts");
        let token = server.access_token();
        Sf {
            server,
            http: reqwest::Client::new(),
            token,
        }
    }

    /// `base/services/data/v59.0/{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/services/data/v{V}/{path}", self.server.base_url())
    }

    /// Sends a request with the session and returns the reply.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.bearer_auth(&self.token).send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// GET a path under the API version.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(self.url(path))).await
    }

    /// Runs SOQL (first page).
    pub async fn query(&self, soql: &str) -> Reply {
        self.send(self.http.get(self.url("query")).query(&[("q", soql)])).await
    }

    /// Runs SOQL through queryAll (first page).
    pub async fn query_all(&self, soql: &str) -> Reply {
        self.send(self.http.get(self.url("queryAll")).query(&[("q", soql)]))
            .await
    }

    /// Runs SOQL and follows `nextRecordsUrl` to the end; returns every record and the page sizes.
    pub async fn query_pages(&self, soql: &str, all: bool, batch: Option<usize>) -> (Vec<Value>, Vec<usize>) {
        let endpoint = if all { "queryAll" } else { "query" };
        let with_batch = |r: reqwest::RequestBuilder| match batch {
            Some(n) => r.header("Sforce-Query-Options", format!("batchSize={n}")),
            None => r,
        };
        let mut reply = self
            .send(with_batch(self.http.get(self.url(endpoint)).query(&[("q", soql)])))
            .await;
        let mut records = Vec::new();
        let mut pages = Vec::new();
        loop {
            assert_eq!(reply.status, StatusCode::OK, "{soql}: {}", reply.body);
            let page = reply.body["records"].as_array().cloned().unwrap_or_default();
            pages.push(page.len());
            records.extend(page);
            if reply.body["done"] == Value::Bool(true) {
                assert!(
                    reply.body.get("nextRecordsUrl").is_none(),
                    "done pages carry no nextRecordsUrl"
                );
                break;
            }
            let next = reply.body["nextRecordsUrl"]
                .as_str()
                .expect("nextRecordsUrl")
                .to_owned();
            reply = self
                .send(with_batch(self.http.get(format!("{}{next}", self.server.base_url()))))
                .await;
        }
        (records, pages)
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.patch(self.url(path)).json(body)).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.http.delete(self.url(path))).await
    }

    /// POST to an admin route (no session).
    pub async fn admin_post(&self, path: &str, body: &Value) -> Reply {
        let response = self
            .http
            .post(format!("{}{path}", self.server.base_url()))
            .json(body)
            .send()
            .await
            .expect("admin call");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// The ids of a query's records.
    pub async fn ids(&self, soql: &str) -> Vec<String> {
        let (records, _) = self.query_pages(soql, false, None).await;
        records
            .iter()
            .map(|r| r["Id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

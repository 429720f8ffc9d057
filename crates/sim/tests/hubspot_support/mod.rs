//! Shared helpers for the HubSpot simulator's HTTP tests: small scenarios and a client.
//!
//! State: a started [`Sim`] holds the server and one `reqwest` client; nothing is shared
//! between tests (each starts its own simulator on 127.0.0.1:0).

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use closedloop_sim::hubspot::{HubSpotServer, start};
use closedloop_sim::scenario::*;
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

/// A running simulator and a client for it.
pub struct Sim {
    /// The server.
    pub server: HubSpotServer,
    /// The client.
    pub http: reqwest::Client,
    /// The integration's token.
    pub token: String,
    /// The UI user's token.
    pub ui_token: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Sim {
    /// Starts a simulator with `scenario`.
    pub async fn start(scenario: &Scenario) -> Sim {
        let server = start(scenario, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("simulator starts");
        Sim {
            server,
            http: reqwest::Client::new(),
            token: scenario.hubspot.access_token.clone(),
            ui_token: scenario.hubspot.ui_access_token.clone(),
        }
    }

    /// A full URL for a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// A request with a given token (`None`: no Authorization header).
    pub async fn send_as(&self, token: Option<&str>, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request reaches the simulator");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// A request as the integration.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let token = self.token.clone();
        self.send_as(Some(&token), method, path, body).await
    }

    /// GET as the integration.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// POST as the integration.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// PATCH as the integration.
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// PUT as the integration.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// DELETE as the integration.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// An admin call (no token).
    pub async fn admin(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send_as(None, method, path, body).await
    }
}

/// A fixed instant `days` after 2024-01-01.
pub fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap() + Duration::days(days)
}

/// A HubSpot contact spec created on `created`.
pub fn contact(created: DateTime<Utc>) -> HubSpotContactSpec {
    HubSpotContactSpec {
        created_at: created,
        lifecycle: Vec::new(),
        lead_status: None,
        source: None,
        source_data_1: None,
        source_data_2: None,
        latest_source: None,
        owner: None,
        archived_at: None,
        merged_into: None,
        merged_at: None,
        properties: Default::default(),
    }
}

/// A person with a HubSpot contact.
pub fn person(key: &str, email: &str, created: DateTime<Utc>) -> PersonSpec {
    PersonSpec {
        key: key.into(),
        email: email.into(),
        hubspot: Some(contact(created)),
        ..PersonSpec::default()
    }
}

/// `n` plain contacts, created a minute apart.
pub fn many_contacts(n: usize) -> Scenario {
    let mut s = Scenario {
        name: format!("{n} contacts"),
        ..Scenario::default()
    };
    s.people = (0..n)
        .map(|i| {
            let mut p = person(
                &format!("p{i}"),
                &format!("person{i}@example.com"),
                day(0) + Duration::minutes(i as i64),
            );
            p.first_name = Some(format!("First{i}"));
            p.last_name = Some(format!("Last{}", i % 97));
            p
        })
        .collect();
    s
}

fn stage(stage: &str, at: DateTime<Utc>) -> StageAt {
    StageAt {
        stage: stage.into(),
        at,
    }
}

fn touch(kind: &str, at: DateTime<Utc>, content: Option<&str>) -> TouchSpec {
    TouchSpec {
        kind: kind.into(),
        at,
        content: content.map(Into::into),
        campaign: None,
        url: None,
        email_name: None,
        attendance: None,
    }
}

/// A small world with one of each interesting thing:
/// - `ada` (an MQL with a whitepaper download, page views, a CTA click, email open and click,
///   12 of 60 webinar minutes, an owner and a won deal);
/// - `bob` (a lead, webinar no-show); `cy` (merged into `ada`); `dee` (archived);
/// - `eve` (a customer with a lost deal and a deal with amount history).
pub fn small_world() -> Scenario {
    let mut s = Scenario {
        name: "small".into(),
        ..Scenario::default()
    };
    s.owners = vec![
        OwnerSpec {
            key: "rep".into(),
            email: "rep@corp.test".into(),
            first_name: "Rita".into(),
            last_name: "Rep".into(),
            sales: true,
        },
        OwnerSpec {
            key: "mkt".into(),
            email: "mkt@corp.test".into(),
            first_name: "Max".into(),
            last_name: "Marketer".into(),
            sales: false,
        },
    ];
    s.campaigns = vec![
        CampaignSpec {
            key: "spring".into(),
            name: "Spring Launch".into(),
            channel: Some("paid_search".into()),
            kind: Some("Content".into()),
            starts_on: Some(day(0).date_naive()),
            ends_on: Some(day(60).date_naive()),
            in_salesforce: false,
        },
        CampaignSpec {
            key: "webinars".into(),
            name: "Webinar Series".into(),
            channel: Some("email".into()),
            kind: Some("Webinar".into()),
            starts_on: Some(day(0).date_naive()),
            ends_on: None,
            in_salesforce: false,
        },
    ];
    s.content = vec![
        ContentSpec {
            key: "wp".into(),
            kind: "whitepaper".into(),
            title: "The Closed Loop Whitepaper".into(),
            url: Some("https://www.corp.test/whitepaper".into()),
            campaign: Some("spring".into()),
            duration_minutes: None,
            starts_at: None,
        },
        ContentSpec {
            key: "web1".into(),
            kind: "webinar".into(),
            title: "Attribution 101".into(),
            url: Some("https://www.corp.test/webinar".into()),
            campaign: Some("webinars".into()),
            duration_minutes: Some(60),
            starts_at: Some(day(10)),
        },
        ContentSpec {
            key: "pricing".into(),
            kind: "page".into(),
            title: "Pricing".into(),
            url: Some("https://www.corp.test/pricing".into()),
            campaign: None,
            duration_minutes: None,
            starts_at: None,
        },
    ];
    let mut ada = person("ada", "ada@acme.test", day(1));
    ada.first_name = Some("Ada".into());
    ada.last_name = Some("Lovelace".into());
    ada.company = Some("Acme".into());
    ada.country = Some("UK".into());
    if let Some(h) = ada.hubspot.as_mut() {
        h.lifecycle = vec![
            stage("subscriber", day(1)),
            stage("lead", day(2)),
            stage("marketingqualifiedlead", day(11)),
        ];
        h.lead_status = Some("OPEN".into());
        h.source = Some("PAID_SEARCH".into());
        h.source_data_1 = Some("google".into());
        h.owner = Some("rep".into());
    }
    let mut view = touch("page_view", day(1), Some("pricing"));
    view.campaign = Some("spring".into());
    let mut open = touch("email_open", day(3), None);
    open.email_name = Some("Spring newsletter".into());
    open.campaign = Some("spring".into());
    let mut click = touch("email_click", day(3) + Duration::minutes(5), None);
    click.email_name = Some("Spring newsletter".into());
    click.campaign = Some("spring".into());
    click.url = Some("https://www.corp.test/whitepaper?utm_campaign=spring".into());
    let mut attended = touch("webinar", day(10), Some("web1"));
    attended.attendance = Some(AttendanceSpec {
        state: "ATTENDED".into(),
        duration_seconds: Some(720),
        percentage: None,
        registered_at: Some(day(5)),
    });
    ada.touchpoints = vec![
        view,
        touch("page_view", day(2), None),
        touch("form_submission", day(2) + Duration::hours(1), Some("wp")),
        touch("cta_click", day(2) + Duration::hours(2), Some("pricing")),
        open,
        click,
        attended,
    ];
    ada.hubspot_deals = vec![DealSpec {
        name: "Acme - platform".into(),
        amount: Some("12000".into()),
        amount_history: Vec::new(),
        pipeline: None,
        created_at: day(20),
        close_date: Some(day(40)),
        stages: vec![
            stage("appointmentscheduled", day(20)),
            stage("qualifiedtobuy", day(25)),
            stage("closedwon", day(40)),
        ],
        close_reason: None,
        owner: Some("rep".into()),
    }];
    let mut bob = person("bob", "bob@bobco.test", day(3));
    bob.first_name = Some("Bob".into());
    bob.company = Some("BobCo".into());
    if let Some(h) = bob.hubspot.as_mut() {
        h.lifecycle = vec![stage("lead", day(3))];
        h.source = Some("ORGANIC_SEARCH".into());
    }
    let mut no_show = touch("webinar", day(10), Some("web1"));
    no_show.attendance = Some(AttendanceSpec {
        state: "NO_SHOW".into(),
        duration_seconds: None,
        percentage: None,
        registered_at: Some(day(6)),
    });
    bob.touchpoints = vec![no_show, touch("form_submission", day(4), Some("wp"))];
    let mut cy = person("cy", "cy@acme.test", day(4));
    cy.first_name = Some("Cy".into());
    cy.country = Some("FR".into());
    if let Some(h) = cy.hubspot.as_mut() {
        h.merged_into = Some("ada".into());
        h.merged_at = Some(day(30));
        h.properties.insert("jobtitle".into(), "CTO".into());
    }
    cy.touchpoints = vec![touch("page_view", day(4), Some("pricing"))];
    let mut dee = person("dee", "dee@gone.test", day(5));
    if let Some(h) = dee.hubspot.as_mut() {
        h.archived_at = Some(day(50));
    }
    let mut eve = person("eve", "eve@evil.test", day(6));
    eve.company = Some("Acme".into());
    if let Some(h) = eve.hubspot.as_mut() {
        h.lifecycle = vec![stage("lead", day(6)), stage("customer", day(45))];
    }
    eve.hubspot_deals = vec![
        DealSpec {
            name: "Evil - lost".into(),
            amount: Some("5000".into()),
            amount_history: Vec::new(),
            pipeline: Some("default".into()),
            created_at: day(21),
            close_date: Some(day(35)),
            stages: vec![stage("appointmentscheduled", day(21)), stage("closedlost", day(35))],
            close_reason: Some("No budget".into()),
            owner: None,
        },
        DealSpec {
            name: "Evil - expansion".into(),
            amount: Some("9000".into()),
            amount_history: vec![
                AmountAt {
                    amount: "7000".into(),
                    at: day(22),
                },
                AmountAt {
                    amount: "9000".into(),
                    at: day(33),
                },
            ],
            pipeline: None,
            created_at: day(22),
            close_date: None,
            stages: vec![stage("appointmentscheduled", day(22))],
            close_reason: None,
            owner: Some("rep".into()),
        },
    ];
    s.people = vec![ada, bob, cy, dee, eve];
    s
}

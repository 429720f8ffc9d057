//! Scale measurement of the HubSpot simulator (not a pass/fail test: `#[ignore]`d, run by hand).
//!
//! Builds a world of `HUBSPOT_SCALE_CONTACTS` contacts (default 100,000) with ~10 touchpoints
//! each, starts the simulator, and times the requests a sync makes, printing a table. Figures
//! belong in notes, never in assertions; the only assertions are about counts.
//!
//! ```text
//! HUBSPOT_SCALE_CONTACTS=1000000 cargo test --release -p closedloop-sim --test hubspot_scale -- --ignored --nocapture
//! ```

mod hubspot_support;

use chrono::Duration;
use closedloop_sim::hubspot::ObjectKind;
use closedloop_sim::scenario::*;
use hubspot_support::*;
use serde_json::{Value, json};
use std::time::Instant;

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn touch(kind: &str, at: chrono::DateTime<chrono::Utc>, content: Option<&str>) -> TouchSpec {
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

fn world(n: usize) -> Scenario {
    let mut s = Scenario {
        name: format!("scale {n}"),
        ..Scenario::default()
    };
    s.owners = (0..20)
        .map(|i| OwnerSpec {
            key: format!("o{i}"),
            email: format!("owner{i}@corp.test"),
            first_name: format!("O{i}"),
            last_name: "Rep".into(),
            sales: true,
        })
        .collect();
    s.campaigns = (0..10)
        .map(|i| CampaignSpec {
            key: format!("c{i}"),
            name: format!("Campaign {i}"),
            channel: Some("paid_search".into()),
            kind: None,
            starts_on: None,
            ends_on: None,
            in_salesforce: false,
        })
        .collect();
    for i in 0..20 {
        let (kind, duration, starts) = if i % 4 == 0 {
            ("webinar", Some(60), Some(day(30 + i)))
        } else {
            ("whitepaper", None, None)
        };
        s.content.push(ContentSpec {
            key: format!("k{i}"),
            kind: kind.into(),
            title: format!("Content {i}"),
            url: Some(format!("https://www.corp.test/content/{i}")),
            campaign: Some(format!("c{}", i % 10)),
            duration_minutes: duration,
            starts_at: starts,
        });
    }
    let stages = [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ];
    s.people = (0..n)
        .map(|i| {
            let created = day((i % 500) as i64) + Duration::seconds((i / 500) as i64);
            let mut p = person(
                &format!("p{i}"),
                &format!("person{i}@company{}.test", i % 50_000),
                created,
            );
            p.first_name = Some(format!("First{}", i % 1000));
            p.last_name = Some(format!("Last{}", i % 997));
            p.company = Some(format!("Company {}", i % 50_000));
            if let Some(h) = p.hubspot.as_mut() {
                h.lifecycle = stages[..1 + i % 4]
                    .iter()
                    .enumerate()
                    .map(|(k, st)| StageAt {
                        stage: (*st).into(),
                        at: created + Duration::days(k as i64),
                    })
                    .collect();
                h.source = Some("PAID_SEARCH".into());
                h.owner = Some(format!("o{}", i % 20));
            }
            let mut touches: Vec<TouchSpec> = (0..6)
                .map(|k| {
                    touch(
                        "page_view",
                        created + Duration::hours(k),
                        Some(&format!("k{}", (i + k as usize) % 20)),
                    )
                })
                .collect();
            touches.push(touch("cta_click", created + Duration::hours(7), Some("k1")));
            let mut open = touch("email_open", created + Duration::hours(8), None);
            open.email_name = Some(format!("Newsletter {}", i % 12));
            touches.push(open);
            if i % 3 == 0 {
                let mut click = touch("email_click", created + Duration::hours(9), None);
                click.email_name = Some(format!("Newsletter {}", i % 12));
                click.url = Some("https://www.corp.test/offer".into());
                touches.push(click);
            }
            if i % 5 == 0 {
                touches.push(touch(
                    "form_submission",
                    created + Duration::hours(10),
                    Some(&format!("k{}", 1 + (i % 3))),
                ));
            }
            if i % 10 == 0 {
                let mut w = touch("webinar", day(30), Some("k0"));
                w.attendance = Some(AttendanceSpec {
                    state: "ATTENDED".into(),
                    duration_seconds: Some((i % 3600) as u32),
                    percentage: None,
                    registered_at: None,
                });
                touches.push(w);
            }
            p.touchpoints = touches;
            if i % 10 == 1 {
                p.hubspot_deals = vec![DealSpec {
                    name: format!("Deal {i}"),
                    amount: Some("1000".into()),
                    amount_history: Vec::new(),
                    pipeline: None,
                    created_at: created + Duration::days(5),
                    close_date: None,
                    stages: vec![StageAt {
                        stage: "appointmentscheduled".into(),
                        at: created + Duration::days(5),
                    }],
                    close_reason: None,
                    owner: Some("o1".into()),
                }];
            }
            p
        })
        .collect();
    s
}

/// One request to time: method, path, body.
type Call = (reqwest::Method, String, Option<Value>);

/// Times `count` calls of one request and prints mean and worst.
async fn time(sim: &Sim, label: &str, count: usize, make: impl Fn(usize) -> Call) {
    let mut worst = std::time::Duration::ZERO;
    let started = Instant::now();
    for i in 0..count {
        let (method, path, body) = make(i);
        let t = Instant::now();
        let r = sim.send(method, &path, body.as_ref()).await;
        assert!(r.status.is_success(), "{label}: {} {:?}", r.status, r.body);
        worst = worst.max(t.elapsed());
    }
    let mean = started.elapsed() / count as u32;
    println!(
        "| {label:<62} | {:>9.2} ms | {:>9.2} ms |",
        mean.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
}

fn get(path: String) -> Call {
    (reqwest::Method::GET, path, None)
}

fn post(path: &str, body: Value) -> Call {
    (reqwest::Method::POST, path.to_owned(), Some(body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand in release"]
async fn measure_a_large_world() {
    let n: usize = std::env::var("HUBSPOT_SCALE_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (rss0, _) = rss_mb();
    let t = Instant::now();
    let scenario = world(n);
    let touches: usize = scenario.people.iter().map(|p| p.touchpoints.len()).sum();
    let (rss1, _) = rss_mb();
    println!(
        "scenario: {n} contacts, {touches} touchpoints, built in {:.2?}, +{:.0} MB",
        t.elapsed(),
        rss1 - rss0
    );
    let t = Instant::now();
    let sim = Sim::start(&scenario).await;
    let load = t.elapsed();
    let (rss2, hwm) = rss_mb();
    println!(
        "simulator: loaded in {load:.2?}, +{:.0} MB resident (peak {:.0} MB)",
        rss2 - rss1,
        hwm
    );
    drop(scenario);
    let admin = sim.server.admin();
    let summary = sim.admin(reqwest::Method::GET, "/__sim/summary", None).await.body;
    println!("world: {summary}");
    assert_eq!(summary["contacts"], n);

    let mid = admin.read(|w| w.contacts.id_index().select(n / 2)).unwrap();
    let some_contact = admin.read(|w| w.contacts.id_index().select(n / 3)).unwrap();
    let mark = admin
        .read(|w| w.contacts.modified_index().select(n - n / 100).map(|(t, _)| t))
        .unwrap();
    let event = sim.get("/marketing/v3/marketing-events").await.body["results"][0]["objectId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids: Vec<u64> = admin.read(|w| w.contacts.all_live().skip(n / 4).take(100).map(|r| r.id).collect());
    println!(
        "| {:<62} | {:>12} | {:>12} |",
        "request (sequential, one client)", "mean", "worst"
    );
    println!("|{:-<64}|{:-<14}|{:-<14}|", "", "", "");
    time(&sim, "GET contacts list, limit 100, first page", 50, |_| {
        get("/crm/v3/objects/contacts?limit=100".into())
    })
    .await;
    let deep = sim
        .get(&format!(
            "/crm/v3/objects/contacts?limit=1&after={}",
            closedloop_sim::hubspot::ids::encode_cursor(&mid.to_string())
        ))
        .await;
    let after = deep.body["paging"]["next"]["after"].as_str().unwrap().to_owned();
    time(&sim, "GET contacts list, limit 100, mid-dataset cursor", 50, |_| {
        get(format!(
            "/crm/v3/objects/contacts?limit=100&after={after}&properties=email,lifecyclestage"
        ))
    })
    .await;
    time(&sim, "GET contact by id with propertiesWithHistory", 200, |i| {
        get(format!(
            "/crm/v3/objects/contacts/{}?propertiesWithHistory=lifecyclestage",
            some_contact + i as u64
        ))
    })
    .await;
    time(&sim, "search lastmodifieddate >= mark (last 1%), sorted, limit 200", 50, |i| {
        post(
            "/crm/v3/objects/contacts/search",
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "lastmodifieddate", "operator": "GTE", "value": mark.to_string() }] }], "sorts": [{ "propertyName": "lastmodifieddate", "direction": "ASCENDING" }], "limit": 200, "after": ((i * 200) % (n / 100).max(1)).to_string() }),
        )
    })
    .await;
    time(&sim, "search hs_object_id > mid, sorted, limit 200, after up to 9,800", 50, |i| {
        post(
            "/crm/v3/objects/contacts/search",
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "hs_object_id", "operator": "GT", "value": mid.to_string() }] }], "sorts": ["hs_object_id"], "limit": 200, "after": ((i * 200) % 9_800).to_string() }),
        )
    })
    .await;
    time(&sim, "search lifecyclestage = lead (every record evaluated)", 10, |_| {
        post("/crm/v3/objects/contacts/search", json!({ "filterGroups": [{ "filters": [{ "propertyName": "lifecyclestage", "operator": "EQ", "value": "lead" }] }], "limit": 100 }))
    })
    .await;
    time(&sim, "batch read 100 contacts", 50, |_| {
        post("/crm/v3/objects/contacts/batch/read", json!({ "inputs": ids.iter().map(|id| json!({ "id": id.to_string() })).collect::<Vec<Value>>(), "properties": ["email", "lifecyclestage"] }))
    })
    .await;
    time(&sim, "batch update 100 contacts", 20, |i| {
        post("/crm/v3/objects/contacts/batch/update", json!({ "inputs": ids.iter().map(|id| json!({ "id": id.to_string(), "properties": { "jobtitle": format!("t{i}") } })).collect::<Vec<Value>>() }))
    })
    .await;
    time(&sim, "events of one contact", 100, |i| {
        get(format!(
            "/events/v3/events?objectType=contact&objectId={}&limit=100",
            some_contact + i as u64
        ))
    })
    .await;
    time(&sim, "e_visited_page events after a time, limit 100", 50, |i| {
        get(format!(
            "/events/v3/events?eventType=e_visited_page&occurredAfter={}&sort=ASCENDING&limit=100",
            1_704_067_200_000i64 + i as i64 * 86_400_000
        ))
    })
    .await;
    time(&sim, "email events, newest 100", 50, |_| {
        get("/email/public/v1/events?limit=100".into())
    })
    .await;
    time(&sim, "webinar participations breakdown, limit 100", 20, |_| {
        get(format!(
            "/marketing/v3/marketing-events/participations/{event}/breakdown?limit=100"
        ))
    })
    .await;
    assert!(admin.object(ObjectKind::Contact, mid).is_some());
    sim.server.shutdown().await;
}

//! HubSpot simulator over HTTP: search filters and sorts, its limits, the 10,000-result cap,
//! the index lag, and archived and merged records staying out of search.

mod hubspot_support;

use closedloop_sim::hubspot::Edges;
use hubspot_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn ids(body: &Value) -> Vec<u64> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

fn eq(property: &str, value: &str) -> Value {
    json!({ "propertyName": property, "operator": "EQ", "value": value })
}

async fn search(sim: &Sim, kind: &str, body: Value) -> Reply {
    sim.post(&format!("/crm/v3/objects/{kind}/search"), &body).await
}

#[tokio::test]
async fn paging_past_ten_thousand_results_is_refused_and_windowing_gets_the_rest() {
    let sim = Sim::start(&many_contacts(10_001)).await;
    let sort = json!([{ "propertyName": "hs_object_id", "direction": "ASCENDING" }]);
    let mut after: Option<String> = None;
    let mut seen = 0usize;
    let mut last_id = 0u64;
    loop {
        let mut body = json!({ "sorts": sort, "limit": 200, "properties": ["email"] });
        if let Some(a) = &after {
            body["after"] = json!(a);
        }
        let r = search(&sim, "contacts", body).await;
        if r.status == StatusCode::BAD_REQUEST {
            assert_eq!(after.as_deref(), Some("10000"), "the refusal comes exactly at the cap");
            assert_eq!(r.body["category"], "VALIDATION_ERROR");
            break;
        }
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["total"], 10_001);
        assert!(r.headers.get("x-hubspot-ratelimit-remaining").is_none());
        let page = ids(&r.body);
        assert!(page.iter().all(|id| *id > last_id), "ascending");
        last_id = *page.last().unwrap();
        seen += page.len();
        after = Some(
            r.body["paging"]["next"]["after"]
                .as_str()
                .expect("more pages before the cap")
                .to_owned(),
        );
    }
    assert_eq!(seen, 10_000);
    // The documented way past the cap: restart the filter from the last id seen.
    let r = search(
        &sim,
        "contacts",
        json!({ "filterGroups": [{ "filters": [{ "propertyName": "hs_object_id", "operator": "GT", "value": last_id.to_string() }] }], "sorts": sort, "limit": 200 }),
    )
    .await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(ids(&r.body).len(), 1);
    assert!(r.body.get("paging").is_none(), "no paging on the last page");
}

#[tokio::test]
async fn filters_sorts_and_free_text_match_as_hubspot_does() {
    let sim = Sim::start(&small_world()).await;
    let ada = sim.server.admin().contact_by_email("ada@acme.test").unwrap();
    let bob = sim.server.admin().contact_by_email("bob@bobco.test").unwrap();
    let eve = sim.server.admin().contact_by_email("eve@evil.test").unwrap();
    let one = |filters: Value| json!({ "filterGroups": [{ "filters": filters }] });

    let r = search(&sim, "contacts", one(json!([eq("email", "ADA@ACME.TEST")]))).await;
    assert_eq!(ids(&r.body), [ada], "EQ on text ignores case");
    assert_eq!(
        r.body["results"][0]["properties"]["email"], "ada@acme.test",
        "default properties"
    );
    let r = search(
        &sim,
        "contacts",
        one(json!([{ "propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@acme.test" }])),
    )
    .await;
    assert_eq!(ids(&r.body), [ada], "the merged cy@acme.test is gone");
    let r = search(
        &sim,
        "contacts",
        one(json!([{ "propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"] }])),
    )
    .await;
    assert_eq!(ids(&r.body), [bob, eve]);
    let r = search(
        &sim,
        "contacts",
        one(json!([{ "propertyName": "hs_lead_status", "operator": "NOT_HAS_PROPERTY" }])),
    )
    .await;
    assert_eq!(ids(&r.body), [bob, eve]);
    let r = search(&sim, "contacts", one(json!([{ "propertyName": "createdate", "operator": "BETWEEN", "value": "2024-01-03T00:00:00Z", "highValue": "1704618000000" }]))).await;
    assert_eq!(
        ids(&r.body),
        [bob, eve],
        "BETWEEN is inclusive and takes ISO or epoch ms"
    );
    let r = search(
        &sim,
        "contacts",
        one(json!([{ "propertyName": "lifecyclestage", "operator": "NEQ", "value": "lead" }])),
    )
    .await;
    assert_eq!(ids(&r.body), [ada, eve]);
    // OR of groups.
    let r = search(&sim, "contacts", json!({ "filterGroups": [{ "filters": [eq("email", "bob@bobco.test")] }, { "filters": [eq("firstname", "ada")] }] })).await;
    assert_eq!(ids(&r.body), [ada, bob]);
    // Sorts: descending by create date; the string form too.
    let r = search(
        &sim,
        "contacts",
        json!({ "sorts": [{ "propertyName": "createdate", "direction": "DESCENDING" }] }),
    )
    .await;
    assert_eq!(ids(&r.body), [eve, bob, ada]);
    let r = search(&sim, "contacts", json!({ "sorts": ["-hs_object_id"], "limit": 2 })).await;
    assert_eq!(ids(&r.body), [eve, bob]);
    assert_eq!(r.body["paging"]["next"]["after"], "2");
    let r = search(
        &sim,
        "contacts",
        json!({ "sorts": ["-hs_object_id"], "limit": 2, "after": "2" }),
    )
    .await;
    assert_eq!(ids(&r.body), [ada]);
    let r = search(&sim, "contacts", json!({ "query": "lovel" })).await;
    assert_eq!(ids(&r.body), [ada], "free text matches word prefixes");
    // Deals: numbers compare as numbers.
    let r = search(
        &sim,
        "deals",
        one(json!([{ "propertyName": "amount", "operator": "GT", "value": "8000" }])),
    )
    .await;
    assert_eq!(r.body["total"], 2);
    let r = search(&sim, "deals", one(json!([eq("hs_is_closed_won", "true")]))).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["results"][0]["properties"]["dealname"], "Acme - platform");
}

#[tokio::test]
async fn search_limits_are_enforced_with_400s() {
    let sim = Sim::start(&small_world()).await;
    let filter = eq("email", "x@y.z");
    let group = |n: usize| json!({ "filters": vec![filter.clone(); n] });
    let cases = [
        ("limit over 200", json!({ "limit": 201 })),
        ("six filter groups", json!({ "filterGroups": vec![group(1); 6] })),
        ("eleven filters in a group", json!({ "filterGroups": [group(11)] })),
        (
            "twenty-six filters",
            json!({ "filterGroups": [group(9), group(9), group(8)] }),
        ),
        (
            "unknown property",
            json!({ "filterGroups": [{ "filters": [eq("shoe_size", "42")] }] }),
        ),
        (
            "unknown operator",
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "email", "operator": "LIKE", "value": "a" }] }] }),
        ),
        (
            "missing value",
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "email", "operator": "EQ" }] }] }),
        ),
        (
            "bad number",
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "hs_object_id", "operator": "GT", "value": "abc" }] }] }),
        ),
        ("two sorts", json!({ "sorts": ["email", "firstname"] })),
        ("unknown sort", json!({ "sorts": ["shoe_size"] })),
    ];
    for (what, body) in cases {
        let r = search(&sim, "contacts", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {:?}", r.body);
        assert_eq!(r.body["category"], "VALIDATION_ERROR", "{what}");
    }
    let ok = search(
        &sim,
        "contacts",
        json!({ "filterGroups": [group(10), group(10), group(5)], "limit": 200 }),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "exactly at the limits: {:?}", ok.body);
}

#[tokio::test]
async fn writes_reach_search_only_after_the_index_lag() {
    let sim = Sim::start(&small_world()).await;
    let admin = sim.server.admin();
    admin.set_edges(Edges {
        search_lag_ms: 5_000,
        ..admin.edges()
    });
    admin.freeze_clock();
    let by_email = |email: &str| json!({ "filterGroups": [{ "filters": [eq("email", email)] }] });

    let created = sim
        .post(
            "/crm/v3/objects/contacts",
            &json!({ "properties": { "email": "late@corp.test", "lastname": "Before" } }),
        )
        .await;
    let id: u64 = created.body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        sim.get(&format!("/crm/v3/objects/contacts/{id}")).await.status,
        StatusCode::OK,
        "GET sees it at once"
    );
    assert_eq!(
        search(&sim, "contacts", by_email("late@corp.test")).await.body["total"],
        0,
        "search does not yet"
    );
    admin.advance_clock(Duration::from_millis(4_999));
    assert_eq!(
        search(&sim, "contacts", by_email("late@corp.test")).await.body["total"],
        0
    );
    admin.advance_clock(Duration::from_millis(1));
    assert_eq!(
        search(&sim, "contacts", by_email("late@corp.test")).await.body["total"],
        1,
        "visible after the lag"
    );

    sim.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        &json!({ "properties": { "lastname": "After" } }),
    )
    .await;
    let by_name =
        |name: &str| json!({ "filterGroups": [{ "filters": [eq("lastname", name)] }], "properties": ["lastname"] });
    let stale = search(&sim, "contacts", by_name("Before")).await;
    assert_eq!(ids(&stale.body), [id], "search still matches the old value");
    assert_eq!(
        stale.body["results"][0]["properties"]["lastname"], "Before",
        "and returns it"
    );
    assert_eq!(search(&sim, "contacts", by_name("After")).await.body["total"], 0);
    admin.advance_clock(Duration::from_secs(5));
    assert_eq!(search(&sim, "contacts", by_name("Before")).await.body["total"], 0);
    assert_eq!(ids(&search(&sim, "contacts", by_name("After")).await.body), [id]);

    sim.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(
        search(&sim, "contacts", by_email("late@corp.test")).await.body["total"],
        1,
        "an archive lags too"
    );
    admin.advance_clock(Duration::from_secs(5));
    assert_eq!(
        search(&sim, "contacts", by_email("late@corp.test")).await.body["total"],
        0
    );
    let archived = sim.get("/crm/v3/objects/contacts?archived=true&properties=email").await;
    assert!(
        archived.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["properties"]["email"] == "late@corp.test"),
        "the list endpoint shows deletions"
    );
}

#[tokio::test]
async fn an_incremental_window_on_last_modified_sees_every_change_once() {
    let sim = Sim::start(&many_contacts(30)).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    let mark = admin.now_ms();
    // Three writes at the same instant: ties on lastmodifieddate are broken by id.
    let targets: Vec<u64> = sim.get("/crm/v3/objects/contacts?limit=30").await.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    for id in [targets[20], targets[3], targets[11]] {
        sim.patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "firstname": "Changed" } }),
        )
        .await;
    }
    let window = |after: Option<&str>| {
        let mut body = json!({
            "filterGroups": [{ "filters": [{ "propertyName": "lastmodifieddate", "operator": "GTE", "value": mark.to_string() }] }],
            "sorts": [{ "propertyName": "lastmodifieddate", "direction": "ASCENDING" }],
            "limit": 2,
            "properties": ["firstname", "lastmodifieddate"],
        });
        if let Some(a) = after {
            body["after"] = json!(a);
        }
        body
    };
    let first = search(&sim, "contacts", window(None)).await;
    assert_eq!(first.body["total"], 3);
    let second = search(&sim, "contacts", window(first.body["paging"]["next"]["after"].as_str())).await;
    let mut got = ids(&first.body);
    got.extend(ids(&second.body));
    assert_eq!(got, [targets[3], targets[11], targets[20]]);
    assert!(second.body.get("paging").is_none());
}

#[tokio::test]
async fn index_answers_agree_with_record_by_record_evaluation() {
    // A pure range query is answered from the index's ranks; the same query with a filter every
    // record passes is evaluated record by record. They must agree on total and on every page.
    let sim = Sim::start(&many_contacts(700)).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    let ids_all: Vec<u64> = admin.read(|w| w.contacts.all_live().map(|r| r.id).collect());
    for (n, id) in ids_all.iter().enumerate().filter(|(n, _)| n % 7 == 3) {
        admin.advance_clock(Duration::from_millis(if n % 2 == 0 { 0 } else { 5 }));
        sim.patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "jobtitle": "x" } }),
        )
        .await;
    }
    let everyone = json!({ "propertyName": "email", "operator": "HAS_PROPERTY" });
    let mid = ids_all[350].to_string();
    let since = (admin.now_ms() - 1).to_string();
    let cases = [
        (
            "hs_object_id",
            json!([{ "propertyName": "hs_object_id", "operator": "GT", "value": mid }]),
        ),
        (
            "hs_object_id",
            json!([{ "propertyName": "hs_object_id", "operator": "BETWEEN", "value": ids_all[10].to_string(), "highValue": ids_all[600].to_string() }]),
        ),
        (
            "lastmodifieddate",
            json!([{ "propertyName": "lastmodifieddate", "operator": "GTE", "value": since }]),
        ),
        (
            "lastmodifieddate",
            json!([{ "propertyName": "lastmodifieddate", "operator": "LT", "value": since }]),
        ),
        ("hs_object_id", json!([])),
    ];
    for (sort, filters) in cases {
        for direction in ["ASCENDING", "DESCENDING"] {
            for after in ["0", "37", "199", "650"] {
                let body = |filters: &Value| json!({ "filterGroups": [{ "filters": filters }], "sorts": [{ "propertyName": sort, "direction": direction }], "limit": 50, "after": after });
                let mut slow_filters = filters.as_array().unwrap().clone();
                slow_filters.push(everyone.clone());
                let fast = search(&sim, "contacts", body(&filters)).await;
                let slow = search(&sim, "contacts", body(&Value::Array(slow_filters))).await;
                assert_eq!(fast.status, StatusCode::OK, "{:?}", fast.body);
                assert_eq!(
                    fast.body["total"], slow.body["total"],
                    "{sort} {direction} {after} {filters}"
                );
                assert_eq!(ids(&fast.body), ids(&slow.body), "{sort} {direction} {after} {filters}");
                assert_eq!(fast.body.get("paging"), slow.body.get("paging"));
            }
        }
    }
}

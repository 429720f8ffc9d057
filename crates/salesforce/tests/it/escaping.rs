//! SOQL escaping end to end: hostile values built by the connector's query builder and read by
//! Salesforce's SOQL parser (the simulator's) come back as exactly themselves.

use crate::support::{Setup, World, lead_person, scenario};
use closedloop_core::sync::{PushItem, PushOperation, PushOutcome, PushTarget};
use closedloop_core::{ObjectType, System};
use closedloop_salesforce::soql::{ApiName, Cond, Literal, Op, Query};
use serde_json::{Value, json};

const HOSTILE: &[&str] = &[
    "O'Brien & Sons",
    r"Back\slash\\ Ltd",
    r"Quote\' OR Id != \'",
    "' OR Name != '",
    "\"Double\" quoted",
    "100% _wild_ card",
    "Line\nbreak\tand tab",
    "日本語 ✓",
];

#[tokio::test]
async fn hostile_values_match_exactly_their_own_record() {
    let people: Vec<Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, company)| {
            let mut p = lead_person(i, "2026-06-01T10:00:00Z", &[]);
            p["company"] = json!(company);
            p
        })
        .collect();
    let world = World::start(scenario(people)).await;
    let name = |n: &str| ApiName::parse(n).unwrap();
    for company in HOSTILE {
        let soql = Query::select(&name("Lead"), &[name("Id"), name("Company")])
            .filter(Cond::cmp(&name("Company"), Op::Eq, Literal::Str((*company).to_owned())))
            .to_soql()
            .unwrap();
        let path = format!(
            "queryAll?q={}",
            url::form_urlencoded::byte_serialize(soql.as_bytes()).collect::<String>()
        );
        let page = world.rest(reqwest::Method::GET, &path, None).await;
        let records = page["records"].as_array().unwrap();
        assert_eq!(records.len(), 1, "{company:?} via {soql}");
        assert_eq!(records[0]["Company"], json!(company));
    }
    // And an IN list of all of them finds all of them, nothing else.
    let all = Query::select(&name("Lead"), &[name("Id")])
        .filter(Cond::In(
            name("Company"),
            HOSTILE.iter().map(|c| Literal::Str((*c).to_owned())).collect(),
        ))
        .to_soql()
        .unwrap();
    let path = format!(
        "query?q={}",
        url::form_urlencoded::byte_serialize(all.as_bytes()).collect::<String>()
    );
    assert_eq!(
        world.rest(reqwest::Method::GET, &path, None).await["totalSize"],
        HOSTILE.len()
    );
}

#[tokio::test]
async fn hostile_emails_in_the_create_check_cannot_widen_the_query() {
    // An address that is valid and would, pasted raw, turn the check into "every lead".
    let tricky = "x'or'1'='1@example.com";
    let mut people = vec![lead_person(1, "2026-06-01T10:00:00Z", &[])];
    people[0]["email"] = json!("someone@example.com");
    let world = World::start(scenario(people)).await;
    let target = world.connector(&Setup::default()).push_target();
    let item = PushItem {
        id: 1,
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: None,
        person_id: None,
        operation: PushOperation::Create,
        fields: [("Email", tricky), ("LastName", "Tricky"), ("Company", "[not provided]")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
            .collect(),
        idempotency_key: "create:salesforce:lead:7".into(),
        attempts: 0,
    };
    let outcome = target.push(&[item]).await.unwrap();
    assert!(
        matches!(outcome[0], PushOutcome::Written { created_id: Some(_) }),
        "{outcome:?}"
    );
    assert_eq!(world.sim_ids("Lead", true).len(), 2);
}

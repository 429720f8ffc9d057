//! SOQL over HTTP: the supported subset returns exactly the right rows in the right order, and
//! everything else fails with Salesforce's error codes and message format. Hostile literals never
//! escape their string.

mod salesforce_support;

use salesforce_support::{Sf, funnel_scenario, leads_scenario};
use serde_json::Value;

fn field<'a>(records: &'a Value, name: &str) -> Vec<&'a Value> {
    records
        .as_array()
        .map(|a| a.iter().map(|r| &r[name]).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn records_carry_attributes_and_canonical_field_names() {
    let sf = Sf::start(&funnel_scenario()).await;
    let reply = sf
        .query("select id, lastname, EMAIL, systemmodstamp from lead order by lastname")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["totalSize"], 2, "the deleted lead is not in query");
    assert_eq!(reply.body["done"], true);
    let first = &reply.body["records"][0];
    assert_eq!(first["attributes"]["type"], "Lead");
    let id = first["Id"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("00Q"));
    assert_eq!(
        first["attributes"]["url"],
        format!("/services/data/v59.0/sobjects/Lead/{id}")
    );
    let mut keys: Vec<&str> = first
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["Email", "Id", "LastName", "SystemModstamp", "attributes"],
        "describe spelling, whatever the query's case"
    );
    // Salesforce sends attributes first, then fields in SELECT order.
    let raw = sf
        .http
        .get(sf.url("query"))
        .query(&[("q", "SELECT LastName, Id FROM Lead LIMIT 1")])
        .bearer_auth(&sf.token)
        .send()
        .await;
    let raw = raw.expect("sent").text().await.unwrap_or_default();
    let at = |k: &str| raw.find(k).unwrap_or(usize::MAX);
    assert!(
        at("\"attributes\"") < at("\"LastName\"") && at("\"LastName\"") < at("\"Id\""),
        "{raw}"
    );
    let stamp = first["SystemModstamp"].as_str().unwrap_or_default();
    assert!(stamp.ends_with(".000+0000") && stamp.len() == 28, "{stamp}");
    assert_eq!(field(&reply.body["records"], "LastName"), ["O'Brien", "Winner"]);
}

#[tokio::test]
async fn where_clauses_filter_exactly() {
    let sf = Sf::start(&leads_scenario(30, |i| i as i64 * 60)).await;
    let count = |q: &'static str| {
        let sf = &sf;
        async move {
            let r = sf.query(q).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            r.body["totalSize"].as_u64().unwrap_or(u64::MAX)
        }
    };
    assert_eq!(count("SELECT COUNT() FROM Lead").await, 30);
    assert_eq!(
        count("SELECT Id FROM Lead WHERE LastName = 'last7'").await,
        1,
        "text equality ignores case"
    );
    assert_eq!(count("SELECT Id FROM Lead WHERE LastName != 'Last7'").await, 29);
    assert_eq!(count("SELECT Id FROM Lead WHERE LastName <> 'Last7'").await, 29);
    assert_eq!(
        count("SELECT Id FROM Lead WHERE LastName IN ('Last1', 'LAST2', 'nobody')").await,
        2
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE LastName NOT IN ('Last1', 'Last2')").await,
        28
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE LastName LIKE 'last1%'").await,
        11,
        "Last1 and Last10..Last19"
    );
    assert_eq!(count("SELECT Id FROM Lead WHERE LastName LIKE 'Last_'").await, 10);
    assert_eq!(count("SELECT Id FROM Lead WHERE Email LIKE '%@example.com'").await, 30);
    assert_eq!(count("SELECT Id FROM Lead WHERE Title = null").await, 30);
    assert_eq!(count("SELECT Id FROM Lead WHERE Title != null").await, 0);
    assert_eq!(
        count("SELECT Id FROM Lead WHERE Title != 'CEO'").await,
        30,
        "!= matches nulls"
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE IsConverted = false AND IsDeleted = false").await,
        30
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE CreatedDate >= 2024-01-31T09:25:00Z").await,
        20
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-31T09:25:00.000+0000").await,
        19
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE CreatedDate < 2024-01-31T10:25:00+01:00").await,
        10,
        "offsets are honoured"
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE (LastName = 'Last1' OR LastName = 'Last2') AND Company = 'Company 1'").await,
        1
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE NOT (LastName = 'Last1' OR LastName = 'Last2')").await,
        28
    );
    assert_eq!(
        count("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:3").await,
        0,
        "the scenario lies in the past"
    );
    assert_eq!(count("SELECT Id FROM Lead LIMIT 7").await, 7);
    assert_eq!(
        count("SELECT Id FROM Lead ORDER BY LastName LIMIT 5 OFFSET 27").await,
        3
    );
    assert_eq!(count("SELECT COUNT() FROM Lead WHERE LastName LIKE 'Last2%'").await, 11);
}

#[tokio::test]
async fn order_by_is_stable_and_honours_nulls_and_direction() {
    let mut scenario = leads_scenario(6, |i| [30, 10, 20, 10, 0, 20][i]);
    if let Some(sf) = scenario.people[5].salesforce.as_mut() {
        sf.leads[0].fields.insert("Title".into(), "Boss".into());
    }
    let sf = Sf::start(&scenario).await;
    let names = |q: &'static str| {
        let sf = &sf;
        async move {
            let r = sf.query(q).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            field(&r.body["records"], "LastName")
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Ties on CreatedDate keep id (insertion) order.
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY CreatedDate").await,
        ["Last4", "Last1", "Last3", "Last2", "Last5", "Last0"]
    );
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY CreatedDate DESC, LastName").await,
        ["Last0", "Last2", "Last5", "Last1", "Last3", "Last4"]
    );
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY Title, LastName").await[0],
        "Last0",
        "nulls first ascending"
    );
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY Title NULLS LAST, LastName").await[0],
        "Last5"
    );
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY Title DESC").await[0],
        "Last5",
        "nulls last descending"
    );
    assert_eq!(
        names("SELECT LastName FROM Lead ORDER BY Title DESC NULLS FIRST, LastName").await[0],
        "Last0"
    );
}

#[tokio::test]
async fn malformed_and_unsupported_queries_fail_like_salesforce() {
    let sf = Sf::start(&funnel_scenario()).await;
    for (q, code) in [
        ("SELEC Id FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Lead WHERE LastName = 'a' AND Email = 'b' OR Title = 'c'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Lead WHERE LastName = \"double\"", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE LastName = 'unterminated", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Lead WHERE LastName = 'bad \\q escape'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id, Id FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Owner.Name FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Status, COUNT(Id) FROM Lead GROUP BY Status", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember)",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Lead WHERE LastName = :name", "MALFORMED_QUERY"),
        ("SELECT COUNT() FROM Lead ORDER BY LastName", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("SELECT Foo__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Nope = 1", "INVALID_FIELD"),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01T00:00:00Z'",
            "INVALID_FIELD",
        ),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE IsConverted = 'false'", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE LastName = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Lead ORDER BY Description", "INVALID_FIELD"),
        ("SELECT Id FROM LeadHistory WHERE OldValue = 'x'", "INVALID_FIELD"),
        (
            "SELECT Id FROM Lead WHERE Id = 'not-an-id'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        (
            "SELECT Id FROM Lead WHERE IsConverted > true",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate LIKE '2024%'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
        ("", "MALFORMED_QUERY"),
    ] {
        let r = sf.query(q).await;
        assert_eq!(r.status, 400, "{q}: {}", r.body);
        assert_eq!(r.error_code(), code, "{q}: {}", r.body);
    }
    let q = "SELECT Id FROM Lead WHERE Foo__c = 'x'";
    let r = sf.query(q).await;
    assert_eq!(
        r.message(),
        "\nSELECT Id FROM Lead WHERE Foo__c = 'x'\n                          ^\nERROR at Row:1:Column:27\nNo such column 'Foo__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
    );
    let r = sf
        .query("SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01T00:00:00Z'")
        .await;
    assert!(r.message().ends_with("value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes"), "{}", r.message());
}

#[tokio::test]
async fn hostile_literals_never_escape_their_string() {
    let sf = Sf::start(&funnel_scenario()).await;
    let total = |r: &salesforce_support::Reply| r.body["totalSize"].as_u64();
    // Properly escaped values match exactly what they say.
    let r = sf
        .query(r"SELECT Id, LastName FROM Lead WHERE LastName = 'O\'Brien'")
        .await;
    assert_eq!(total(&r), Some(1), "{}", r.body);
    assert_eq!(r.body["records"][0]["LastName"], "O'Brien");
    for escaped in [
        r"\' OR Id != \'",
        r"x\' OR LastName != \'",
        r"\\\' OR LastName LIKE \'%",
        r"O\\\'Brien",
    ] {
        let q = format!("SELECT Id FROM Lead WHERE LastName = '{escaped}'");
        let r = sf.query(&q).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(total(&r), Some(0), "{q} matched rows: the value escaped its string");
    }
    // Unescaped, the same values are SOQL, exactly as Salesforce would read them: a broken query,
    // or an injected condition that widens the result. The client must escape.
    let r = sf.query("SELECT Id FROM Lead WHERE LastName = 'O'Brien'").await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (400, "MALFORMED_QUERY"),
        "{}",
        r.body
    );
    let r = sf
        .query("SELECT Id FROM Lead WHERE LastName = 'x' OR LastName != 'y'")
        .await;
    assert_eq!(total(&r), Some(2), "the injected OR is a real condition");
    let r = sf.query(r"SELECT Id FROM Lead WHERE LastName LIKE 'O\'B%'").await;
    assert_eq!(total(&r), Some(1));
    let r = sf.query(r"SELECT Id FROM Lead WHERE LastName LIKE 'O\_Brien'").await;
    assert_eq!(total(&r), Some(0), "escaped underscore is literal");
}

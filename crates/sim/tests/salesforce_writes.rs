//! Writes as Salesforce validates them: single sObjects, collections (limit, per-record results,
//! allOrNone), upsert by external id, record locks, validation rules, history rows, describe.

mod salesforce_support;

use closedloop_sim::scenario::{PropertySpec, RuleConditionSpec, Scenario, ValidationRuleSpec};
use salesforce_support::{Sf, funnel_scenario};
use serde_json::{Value, json};

fn prop(name: &str, kind: &str, options: &[&str]) -> PropertySpec {
    PropertySpec {
        name: name.into(),
        label: name.trim_end_matches("__c").replace('_', " "),
        kind: kind.into(),
        options: options.iter().map(|o| (*o).into()).collect(),
    }
}

fn scenario() -> Scenario {
    let mut s = funnel_scenario();
    let lead = s.salesforce.custom_fields.entry("Lead".into()).or_default();
    lead.push(prop("Closedloop_Id__c", "string", &[]));
    lead.push(prop("First_Touch__c", "string", &[]));
    lead.push(prop("Score__c", "number", &[]));
    lead.push(prop("Tier__c", "enumeration", &["A", "B", "C"]));
    s.salesforce
        .external_id_fields
        .insert("Lead".into(), vec!["Closedloop_Id__c".into()]);
    s.salesforce
        .unique_fields
        .insert("Lead".into(), vec!["Closedloop_Id__c".into()]);
    s
}

async fn lead_ids(sf: &Sf) -> Vec<String> {
    sf.ids("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY CreatedDate")
        .await
}

#[tokio::test]
async fn single_record_create_read_update_delete() {
    let sf = Sf::start(&scenario()).await;
    let r = sf
        .post(
            "sobjects/Lead",
            &json!({"FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines", "Email": "ada@example.com"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["success"], true);
    let id = r.body["id"].as_str().unwrap_or_default().to_owned();
    let got = sf.get(&format!("sobjects/Lead/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["Name"], "Ada Lovelace");
    assert_eq!(got.body["Status"], "Open - Not Contacted", "the default status");
    assert_eq!(got.body["IsConverted"], false);
    assert_eq!(got.body["attributes"]["type"], "Lead");
    assert!(got.body["OwnerId"].as_str().is_some_and(|o| o.starts_with("005")));
    let some = sf.get(&format!("sobjects/Lead/{id}?fields=LastName,Email")).await;
    assert_eq!(
        some.body.as_object().map(|m| m.len()),
        Some(3),
        "attributes plus the two fields"
    );

    let created_stamp = got.body["SystemModstamp"].clone();
    sf.server.admin().advance_clock(5);
    let r = sf
        .patch(
            &format!("sobjects/Lead/{id}"),
            &json!({"Status": "Working - Contacted", "Score__c": "42.5"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let got = sf.get(&format!("sobjects/Lead/{id}")).await;
    assert_eq!(got.body["Score__c"], 42.5, "numbers in strings are accepted");
    assert_ne!(got.body["SystemModstamp"], created_stamp);
    assert_eq!(got.body["SystemModstamp"], got.body["LastModifiedDate"]);
    let history = sf
        .query(&format!(
            "SELECT Field, OldValue, NewValue FROM LeadHistory WHERE LeadId = '{id}' ORDER BY CreatedDate"
        ))
        .await;
    let rows = history.body["records"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 2, "{}", history.body);
    assert_eq!(rows[0]["Field"], "created");
    assert_eq!(
        (&rows[1]["Field"], &rows[1]["OldValue"], &rows[1]["NewValue"]),
        (
            &json!("Status"),
            &json!("Open - Not Contacted"),
            &json!("Working - Contacted")
        )
    );

    let r = sf.delete(&format!("sobjects/Lead/{id}")).await;
    assert_eq!(r.status, 204);
    let r = sf.get(&format!("sobjects/Lead/{id}")).await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "ENTITY_IS_DELETED"));
    let r = sf.patch(&format!("sobjects/Lead/{id}"), &json!({"Title": "x"})).await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "ENTITY_IS_DELETED"));
    let missing = format!("{}AAAAAA{}", &id[..9], &id[15..]);
    let r = sf.get(&format!("sobjects/Lead/{}", &missing[..15])).await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "NOT_FOUND"));
    let r = sf.patch("sobjects/Lead/not-an-id", &json!({"Title": "x"})).await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "NOT_FOUND"));
    let r = sf.get("sobjects/Widget__c/describe").await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn writes_are_validated_like_salesforce() {
    let sf = Sf::start(&scenario()).await;
    let lead_id = lead_ids(&sf).await[0].clone();
    let base = || json!({"LastName": "Doe", "Company": "Acme"});
    let with = |k: &str, v: Value| {
        let mut b = base();
        b[k] = v;
        b
    };
    for (body, code, fields) in [
        (
            json!({"FirstName": "x"}),
            "REQUIRED_FIELD_MISSING",
            vec!["LastName", "Company"],
        ),
        (with("Foo__c", json!("x")), "INVALID_FIELD", vec![]),
        (
            with("IsConverted", json!(true)),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            vec!["IsConverted"],
        ),
        (
            with("Status", json!("Bogus")),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            vec!["Status"],
        ),
        (
            with("Tier__c", json!("Z")),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            vec!["Tier__c"],
        ),
        (
            with("Email", json!("not-an-email")),
            "INVALID_EMAIL_ADDRESS",
            vec!["Email"],
        ),
        (
            with("LastName", json!("x".repeat(81))),
            "STRING_TOO_LONG",
            vec!["LastName"],
        ),
        (with("OwnerId", json!("nope")), "MALFORMED_ID", vec!["OwnerId"]),
        (
            with("OwnerId", json!(lead_id.clone())),
            "FIELD_INTEGRITY_EXCEPTION",
            vec!["OwnerId"],
        ),
        (
            with("OwnerId", json!("005000000000001AAA")),
            "INVALID_CROSS_REFERENCE_KEY",
            vec!["OwnerId"],
        ),
        (with("Id", json!(lead_id.clone())), "INVALID_FIELD", vec![]),
    ] {
        let r = sf.post("sobjects/Lead", &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.error_code(), code, "{body}: {}", r.body);
        assert_eq!(r.body[0]["fields"], json!(fields), "{body}");
    }
    let r = sf.post("sobjects/Lead", &with("Foo__c", json!("x"))).await;
    assert_eq!(r.message(), "No such column 'Foo__c' on sobject of type Lead");
    for body in [
        with("Score__c", json!("abc")),
        with("HasOptedOutOfEmail", json!("maybe")),
        with("Score__c", json!({"a": 1})),
    ] {
        let r = sf.post("sobjects/Lead", &body).await;
        assert_eq!(
            (r.status.as_u16(), r.error_code()),
            (400, "JSON_PARSER_ERROR"),
            "{body}"
        );
    }
    let r = sf
        .send(
            sf.http
                .post(sf.url("sobjects/Lead"))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(r.error_code(), "JSON_PARSER_ERROR");
    let converted = sf.ids("SELECT Id FROM Lead WHERE IsConverted = true").await;
    let r = sf
        .patch(&format!("sobjects/Lead/{}", converted[0]), &json!({"Title": "x"}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (400, "CANNOT_UPDATE_CONVERTED_LEAD")
    );
    assert_eq!(
        sf.server.admin().count("Lead"),
        3,
        "no failed write left a record behind"
    );
}

fn lead_record(id: &str, fields: Value) -> Value {
    let mut r = json!({"attributes": {"type": "Lead"}, "id": id});
    if let (Some(map), Some(extra)) = (r.as_object_mut(), fields.as_object()) {
        map.extend(extra.clone());
    }
    r
}

#[tokio::test]
async fn collections_report_per_record_results_in_order() {
    let sf = Sf::start(&scenario()).await;
    let ids = lead_ids(&sf).await;
    assert_eq!(ids.len(), 1);
    let extra = sf
        .post("sobjects/Lead", &json!({"LastName": "Extra", "Company": "X"}))
        .await
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let good = [ids[0].clone(), extra.clone()];

    let too_many: Vec<Value> = (0..201).map(|_| lead_record(&good[0], json!({"Title": "x"}))).collect();
    let r = sf
        .patch("composite/sobjects", &json!({"allOrNone": false, "records": too_many}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (400, "EXCEEDED_ID_LIMIT"),
        "{}",
        r.body
    );

    let batch = json!({"allOrNone": false, "records": [
        lead_record(&good[0], json!({"First_Touch__c": "Webinar"})),
        lead_record(&good[1], json!({"Status": "Bogus"})),
        {"attributes": {"type": "Lead"}, "Title": "no id"},
        {"id": good[1], "Title": "no type"},
        lead_record(&good[1], json!({"First_Touch__c": "Whitepaper"})),
        lead_record(&good[0], json!({"Score__c": "abc"})),
    ]});
    let r = sf.patch("composite/sobjects", &batch).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 6);
    assert_eq!(results[0], json!({"id": good[0], "success": true, "errors": []}));
    assert_eq!(results[1]["success"], false);
    assert_eq!(results[1]["id"], good[1].as_str());
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(results[1]["errors"][0]["fields"], json!(["Status"]));
    assert_eq!(results[2]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(
        results[3]["errors"][0],
        json!({"statusCode": "INVALID_TYPE", "message": "Must send a concrete entity type.", "fields": []})
    );
    assert_eq!(results[4]["success"], true);
    assert_eq!(
        results[5]["errors"][0],
        json!({"statusCode": "INVALID_TYPE_ON_FIELD_IN_RECORD", "message": "Score: value not of required type: abc", "fields": ["Score__c"]}),
        "a value of the wrong type fails its record only"
    );
    let touch = |id: &str| {
        sf.server
            .admin()
            .record("Lead", id)
            .map(|r| r["First_Touch__c"].clone())
    };
    assert_eq!(touch(&good[0]), Some(json!("Webinar")));
    assert_eq!(touch(&good[1]), Some(json!("Whitepaper")));

    // allOrNone: one bad record rolls the whole request back.
    let before = sf.server.admin().record("Lead", &good[0]);
    let r = sf
        .patch(
            "composite/sobjects",
            &json!({"allOrNone": true, "records": [
                lead_record(&good[0], json!({"First_Touch__c": "Ebook"})),
                lead_record(&good[1], json!({"Email": "broken"})),
            ]}),
        )
        .await;
    assert_eq!(r.body[0]["success"], false);
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(r.body[0]["id"], good[0].as_str());
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "INVALID_EMAIL_ADDRESS");
    assert_eq!(
        sf.server.admin().record("Lead", &good[0]),
        before,
        "nothing changed, not even the modstamp"
    );

    // Create and delete through collections.
    let r = sf
        .post(
            "composite/sobjects",
            &json!({"records": [
                {"attributes": {"type": "Contact"}, "LastName": "New"},
                {"attributes": {"type": "Contact"}},
            ]}),
        )
        .await;
    assert_eq!(r.body[0]["success"], true, "{}", r.body);
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert!(r.body[1].get("id").is_none(), "a failed create has no id");
    let contact = r.body[0]["id"].as_str().unwrap_or_default().to_owned();
    let r = sf
        .send(
            sf.http
                .delete(sf.url("composite/sobjects"))
                .query(&[("ids", format!("{contact},nope")), ("allOrNone", "false".into())]),
        )
        .await;
    assert_eq!(r.body[0]["success"], true, "{}", r.body);
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "MALFORMED_ID");
    let r = sf
        .send(sf.http.get(sf.url("composite/sobjects/Lead")).query(&[
            ("ids", format!("{},{}", good[0], good[1])),
            ("fields", "Id,First_Touch__c".into()),
        ]))
        .await;
    assert_eq!(r.body[1]["First_Touch__c"], "Whitepaper", "{}", r.body);
}

#[tokio::test]
async fn upsert_by_external_id_creates_then_updates_without_duplicates() {
    let sf = Sf::start(&scenario()).await;
    let upsert = |records: Vec<Value>| {
        let sf = &sf;
        async move {
            sf.patch(
                "composite/sobjects/Lead/Closedloop_Id__c",
                &json!({"allOrNone": false, "records": records}),
            )
            .await
        }
    };
    let rec = |key: &str, title: &str| json!({"attributes": {"type": "Lead"}, "Closedloop_Id__c": key, "LastName": "Up", "Company": "Sert", "Title": title});
    let r = upsert(vec![rec("cl-1", "a"), rec("cl-2", "a")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body[0]["created"].clone(), r.body[1]["created"].clone()),
        (json!(true), json!(true))
    );
    let first_ids = (r.body[0]["id"].clone(), r.body[1]["id"].clone());
    let r = upsert(vec![rec("CL-1", "b"), rec("cl-2", "b")]).await;
    assert_eq!(
        (r.body[0]["created"].clone(), r.body[1]["created"].clone()),
        (json!(false), json!(false)),
        "{}",
        r.body
    );
    assert_eq!(
        (r.body[0]["id"].clone(), r.body[1]["id"].clone()),
        first_ids,
        "external ids match case-insensitively"
    );
    let r = sf
        .query("SELECT Closedloop_Id__c, Title FROM Lead WHERE Closedloop_Id__c != null ORDER BY Closedloop_Id__c")
        .await;
    assert_eq!(r.body["totalSize"], 2, "no duplicates: {}", r.body);
    assert_eq!(r.body["records"][0]["Title"], "b");

    let r = upsert(vec![rec("cl-3", "a"), rec("cl-3", "b"), rec("cl-4", "a")]).await;
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID",
        "{}",
        r.body
    );
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(r.body[2]["created"], true);
    let r = upsert(vec![
        json!({"attributes": {"type": "Lead"}, "LastName": "No key", "Company": "x"}),
    ])
    .await;
    assert_eq!(r.body[0]["errors"][0]["statusCode"], "MISSING_ARGUMENT");

    let r = sf
        .post(
            "sobjects/Lead",
            &json!({"LastName": "Dup", "Company": "x", "Closedloop_Id__c": "cl-1"}),
        )
        .await;
    assert_eq!(
        r.error_code(),
        "DUPLICATE_VALUE",
        "unique external ids are enforced on every write"
    );
    assert!(
        r.message().contains("duplicates value on record with id"),
        "{}",
        r.message()
    );

    let r = sf
        .patch("composite/sobjects/Lead/Email", &json!({"records": [rec("x", "y")]}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (404, "NOT_FOUND"),
        "Email is not an External ID field"
    );

    let r = sf
        .patch(
            "sobjects/Lead/Closedloop_Id__c/cl-9",
            &json!({"LastName": "Single", "Company": "x"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["created"].clone()),
        (201, json!(true)),
        "{}",
        r.body
    );
    let r = sf
        .patch("sobjects/Lead/Closedloop_Id__c/cl-9", &json!({"Title": "again"}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["created"].clone()),
        (200, json!(false)),
        "{}",
        r.body
    );
    let r = sf.get("sobjects/Lead/Closedloop_Id__c/cl-9").await;
    assert_eq!(r.body["Title"], "again");
}

#[tokio::test]
async fn locks_and_validation_rules_fail_single_records() {
    let mut s = scenario();
    s.salesforce.validation_rules.push(ValidationRuleSpec {
        object: "Lead".into(),
        name: "Reason required when disqualified".into(),
        message: "Enter an Unqualified Reason when closing a lead as not converted".into(),
        error_field: Some("Unqualified_Reason__c".into()),
        when: vec![
            RuleConditionSpec {
                field: "Status".into(),
                equals: Some(json!("Closed - Not Converted")),
                blank: None,
            },
            RuleConditionSpec {
                field: "Unqualified_Reason__c".into(),
                equals: None,
                blank: Some(true),
            },
        ],
    });
    let sf = Sf::start(&s).await;
    let a = sf
        .post("sobjects/Lead", &json!({"LastName": "A", "Company": "x"}))
        .await
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let b = sf
        .post("sobjects/Lead", &json!({"LastName": "B", "Company": "x"}))
        .await
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let r = sf
        .patch(
            &format!("sobjects/Lead/{a}"),
            &json!({"Status": "Closed - Not Converted"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        "{}",
        r.body
    );
    assert_eq!(r.body[0]["fields"], json!(["Unqualified_Reason__c"]));
    let r = sf
        .patch(
            &format!("sobjects/Lead/{a}"),
            &json!({"Status": "Closed - Not Converted", "Unqualified_Reason__c": "No budget"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    sf.server.admin().lock_records(&[&b], Some(1)).expect("lock");
    let r = sf
        .patch(
            "composite/sobjects",
            &json!({"records": [lead_record(&a, json!({"Title": "ok"})), lead_record(&b, json!({"Title": "locked"}))]}),
        )
        .await;
    assert_eq!(r.body[0]["success"], true);
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert!(
        r.body[1]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&b))
    );
    let r = sf
        .patch(&format!("sobjects/Lead/{b}"), &json!({"Title": "retry"}))
        .await;
    assert_eq!(r.status, 204, "a lock for one write lets the retry through");

    let admin = sf.admin_post("/__sim/salesforce/lock", &json!({"ids": [b]})).await;
    assert_eq!(admin.status, 204);
    for _ in 0..3 {
        let r = sf
            .patch(&format!("sobjects/Lead/{b}"), &json!({"Title": "still locked"}))
            .await;
        assert_eq!(r.error_code(), "UNABLE_TO_LOCK_ROW");
    }
    sf.admin_post("/__sim/salesforce/unlock", &json!({"ids": [b]})).await;
    assert_eq!(
        sf.patch(&format!("sobjects/Lead/{b}"), &json!({"Title": "free"}))
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn opportunity_writes_derive_stage_fields_and_history() {
    let sf = Sf::start(&scenario()).await;
    let opp = sf.ids("SELECT Id FROM Opportunity").await[0].clone();
    let sf_ref = &sf;
    let history = |opp: String| async move {
        sf_ref
            .query(&format!("SELECT StageName, Amount, Probability FROM OpportunityHistory WHERE OpportunityId = '{opp}' ORDER BY CreatedDate"))
            .await
            .body["records"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let seeded = history(opp.clone()).await;
    assert_eq!(
        seeded.iter().map(|h| h["StageName"].clone()).collect::<Vec<_>>(),
        [json!("Prospecting"), json!("Proposal/Price Quote"), json!("Closed Won")]
    );
    let r = sf
        .patch(
            &format!("sobjects/Opportunity/{opp}"),
            &json!({"StageName": "Closed Lost", "Loss_Reason__c": "Price"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let got = sf.get(&format!("sobjects/Opportunity/{opp}")).await.body;
    assert_eq!(
        (
            got["IsClosed"].clone(),
            got["IsWon"].clone(),
            got["Probability"].clone()
        ),
        (json!(true), json!(false), json!(0.0))
    );
    assert_eq!(got["ForecastCategoryName"], "Omitted");
    assert_eq!(history(opp.clone()).await.len(), 4);
    let r = sf
        .patch(&format!("sobjects/Opportunity/{opp}"), &json!({"NextStep": "none"}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(history(opp.clone()).await.len(), 4, "untracked fields add no history");
    let r = sf
        .patch(&format!("sobjects/Opportunity/{opp}"), &json!({"IsWon": true}))
        .await;
    assert_eq!(r.error_code(), "INVALID_FIELD_FOR_INSERT_UPDATE");
}

#[tokio::test]
async fn describe_reports_what_connectors_validate_against() {
    let sf = Sf::start(&scenario()).await;
    let r = sf.get("sobjects").await;
    let lead = r.body["sobjects"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["name"] == "Lead"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(lead["keyPrefix"], "00Q");
    assert_eq!(lead["urls"]["describe"], "/services/data/v59.0/sobjects/Lead/describe");
    let d = sf.get("sobjects/Lead/describe").await.body;
    let field = |name: &str| {
        d["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        (
            field("LastName")["nillable"].clone(),
            field("LastName")["length"].clone()
        ),
        (json!(false), json!(80))
    );
    assert_eq!(field("Status")["restrictedPicklist"], true);
    assert_eq!(field("Status")["picklistValues"][0]["value"], "Open - Not Contacted");
    assert_eq!(field("Status")["picklistValues"][0]["defaultValue"], true);
    assert_eq!(field("Closedloop_Id__c")["externalId"], true);
    assert_eq!(field("Closedloop_Id__c")["unique"], true);
    assert_eq!(field("Closedloop_Id__c")["custom"], true);
    assert_eq!(field("Score__c")["type"], "double");
    assert_eq!(field("OwnerId")["referenceTo"], json!(["User"]));
    assert_eq!(field("OwnerId")["relationshipName"], "Owner");
    assert_eq!(field("IsConverted")["updateable"], false);
    assert_eq!(field("Description")["filterable"], false);
    let history = sf.get("sobjects/LeadHistory/describe").await.body;
    let names: Vec<&str> = history["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"CreatedDate") && !names.contains(&"SystemModstamp"),
        "LeadHistory has no SystemModstamp: {names:?}"
    );
    let r = sf.get("sobjects/Lead").await;
    assert_eq!(r.body["objectDescribe"]["name"], "Lead");
}

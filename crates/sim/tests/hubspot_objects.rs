//! HubSpot simulator over HTTP: CRM objects, paging, history, archived and merged records,
//! property validation, batch multi-status, associations, properties, pipelines, owners.

mod hubspot_support;

use closedloop_sim::hubspot::ObjectKind;
use hubspot_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn contact_id(sim: &Sim, email: &str) -> u64 {
    sim.server
        .admin()
        .contact_by_email(email)
        .unwrap_or_else(|| panic!("{email} is a contact"))
}

/// The shape every error body has: status, message, correlationId (matching the header), category.
fn assert_error_shape(reply: &Reply, status: StatusCode, category: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "error");
    assert_eq!(reply.body["category"], category, "{:?}", reply.body);
    assert!(reply.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let id = reply.body["correlationId"].as_str().expect("correlationId");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "correlationId is a uuid");
    assert_eq!(reply.header("x-hubspot-correlation-id"), Some(id));
}

#[tokio::test]
async fn list_pages_with_opaque_cursors_and_no_paging_on_the_last_page() {
    let sim = Sim::start(&many_contacts(25)).await;
    let mut seen = Vec::new();
    let mut path = "/crm/v3/objects/contacts?limit=10".to_owned();
    let mut pages = 0;
    loop {
        let r = sim.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        pages += 1;
        for result in r.body["results"].as_array().unwrap() {
            for (name, value) in result["properties"].as_object().unwrap() {
                assert!(value.is_string() || value.is_null(), "{name} is a string or null");
            }
            let updated = result["updatedAt"].as_str().unwrap();
            assert!(
                updated.ends_with('Z') && updated.len() == 24,
                "ISO with millis: {updated}"
            );
            assert_eq!(result["archived"], false);
        }
        seen.extend(ids(&r.body));
        match r.body.get("paging") {
            None => break,
            Some(p) => {
                let after = p["next"]["after"].as_str().unwrap();
                assert!(
                    after.parse::<u64>().is_err(),
                    "the cursor is opaque, not an id: {after}"
                );
                assert!(p["next"]["link"].as_str().unwrap().contains(&format!("after={after}")));
                path = format!("/crm/v3/objects/contacts?limit=10&after={after}");
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|s| s.parse::<u64>().unwrap());
    sorted.dedup();
    assert_eq!(seen, sorted, "ids ascend with no duplicates");

    let r = sim.get("/crm/v3/objects/contacts?limit=101").await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let r = sim.get("/crm/v3/objects/contacts?after=12345").await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let r = sim.get("/crm/v3/objects/tickets").await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let aliases = sim.get("/crm/v3/objects/0-1?limit=5").await;
    assert_eq!(ids(&aliases.body), seen[..5]);
}

#[tokio::test]
async fn history_is_newest_first_with_its_sources_and_caps_the_page() {
    let sim = Sim::start(&small_world()).await;
    let ada = contact_id(&sim, "ada@acme.test");
    let r = sim.get(&format!("/crm/v3/objects/contacts/{ada}?properties=lifecyclestage,hs_lead_status,email&propertiesWithHistory=lifecyclestage,hubspot_owner_id")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["properties"]["lifecyclestage"], "marketingqualifiedlead");
    assert_eq!(r.body["properties"]["hs_object_id"], ada.to_string(), "always present");
    let history = r.body["propertiesWithHistory"]["lifecyclestage"].as_array().unwrap();
    let values: Vec<&str> = history.iter().map(|h| h["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["marketingqualifiedlead", "lead", "subscriber"]);
    assert!(
        history
            .iter()
            .all(|h| h["sourceType"] == "AUTOMATION_PLATFORM" && h["timestamp"].as_str().unwrap().ends_with('Z'))
    );
    let owner = &r.body["propertiesWithHistory"]["hubspot_owner_id"][0];
    assert_eq!(owner["sourceType"], "CRM_UI");
    assert!(owner["sourceId"].as_str().unwrap().starts_with("userId:"));
    assert!(owner["updatedByUserId"].is_u64());
    // The stage dates follow the stages.
    let r = sim.get(&format!("/crm/v3/objects/contacts/{ada}?properties=hs_lifecyclestage_marketingqualifiedlead_date,hs_lifecyclestage_customer_date")).await;
    assert_eq!(
        r.body["properties"]["hs_lifecyclestage_marketingqualifiedlead_date"],
        "2024-01-12T09:00:00.000Z"
    );
    assert_eq!(r.body["properties"]["hs_lifecyclestage_customer_date"], Value::Null);

    let big = Sim::start(&many_contacts(60)).await;
    let r = big
        .get("/crm/v3/objects/contacts?limit=100&propertiesWithHistory=email")
        .await;
    assert_eq!(
        r.body["results"].as_array().unwrap().len(),
        50,
        "history caps the page at 50"
    );
    assert!(r.body.get("paging").is_some());
}

#[tokio::test]
async fn archived_records_are_listed_apart_and_merged_ids_answer_for_the_survivor() {
    let sim = Sim::start(&small_world()).await;
    let all = sim.get("/crm/v3/objects/contacts?limit=100&properties=email").await;
    let emails: Vec<&str> = all.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["email"].as_str().unwrap())
        .collect();
    assert!(!emails.contains(&"dee@gone.test"), "archived contact not listed");
    assert!(!emails.contains(&"cy@acme.test"), "merged contact not listed");
    assert_eq!(emails.len(), 3);

    let archived = sim.get("/crm/v3/objects/contacts?archived=true&properties=email").await;
    let results = archived.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["properties"]["email"], "dee@gone.test");
    assert_eq!(results[0]["archived"], true);
    assert_eq!(results[0]["archivedAt"], "2024-02-20T09:00:00.000Z");
    let dee = results[0]["id"].as_str().unwrap();
    assert_error_shape(
        &sim.get(&format!("/crm/v3/objects/contacts/{dee}")).await,
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
    );
    assert_eq!(
        sim.get(&format!("/crm/v3/objects/contacts/{dee}?archived=true"))
            .await
            .status,
        StatusCode::OK
    );

    let ada = contact_id(&sim, "ada@acme.test");
    let cy = sim.server.admin().read(|w| w.contacts.merged_ids_of(ada).to_vec());
    assert_eq!(cy.len(), 1);
    let r = sim
        .get(&format!(
            "/crm/v3/objects/contacts/{}?properties=email,jobtitle,hs_merged_object_ids,hs_additional_emails,country",
            cy[0]
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], ada.to_string(), "a merged id answers with the survivor");
    assert_eq!(r.body["properties"]["hs_merged_object_ids"], cy[0].to_string());
    assert_eq!(r.body["properties"]["hs_additional_emails"], "cy@acme.test");
    assert_eq!(
        r.body["properties"]["jobtitle"], "CTO",
        "empty survivor fields take the merged values"
    );
    assert_eq!(
        r.body["properties"]["country"], "UK",
        "the survivor keeps its own values"
    );
    let by_email = sim.get("/crm/v3/objects/contacts/cy@acme.test?idProperty=email").await;
    assert_eq!(by_email.body["id"], ada.to_string());

    // Merge at run time through the API.
    let bob = contact_id(&sim, "bob@bobco.test");
    let eve = contact_id(&sim, "eve@evil.test");
    let r = sim
        .post(
            "/crm/v3/objects/contacts/merge",
            &json!({ "primaryObjectId": eve.to_string(), "objectIdToMerge": bob.to_string() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["id"], eve.to_string());
    let r = sim
        .get(&format!(
            "/crm/v3/objects/contacts/{eve}?properties=hs_merged_object_ids"
        ))
        .await;
    assert_eq!(r.body["properties"]["hs_merged_object_ids"], bob.to_string());
    let r = sim
        .post(
            "/crm/v3/objects/contacts/merge",
            &json!({ "primaryObjectId": eve.to_string(), "objectIdToMerge": eve.to_string() }),
        )
        .await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn writes_are_validated_and_stamp_updated_at_with_their_source() {
    let sim = Sim::start(&small_world()).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    let created = sim
        .post(
            "/crm/v3/objects/contacts",
            &json!({ "properties": { "email": "new@corp.test", "firstname": "New", "lifecyclestage": "lead" } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.body["properties"]["lastmodifieddate"],
        created.body["updatedAt"]
    );
    assert!(
        created.body["properties"]["hs_lifecyclestage_lead_date"].is_string(),
        "entering a stage stamps its date"
    );

    admin.advance_clock(Duration::from_secs(60));
    let patched = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "firstname": "New" } }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_ne!(
        patched.body["updatedAt"], created.body["updatedAt"],
        "a write that changes nothing still moves updatedAt"
    );

    admin.advance_clock(Duration::from_secs(60));
    let r = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "lifecyclestage": "salesqualifiedlead" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "lifecyclestage": "lead" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "going back a stage is allowed");
    let history = admin.history(ObjectKind::Contact, id.parse().unwrap(), "lifecyclestage");
    assert_eq!(history[0].source_type, "INTEGRATION");
    assert_eq!(history[0].actor, 3_456_789, "sourceId is the app id");

    let ui = sim
        .send_as(
            Some(&sim.ui_token.clone()),
            Method::PATCH,
            &format!("/crm/v3/objects/contacts/{id}"),
            Some(&json!({ "properties": { "hs_lead_status": "CONNECTED" } })),
        )
        .await;
    assert_eq!(ui.status, StatusCode::OK);
    let r = sim
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?propertiesWithHistory=hs_lead_status"
        ))
        .await;
    assert_eq!(
        r.body["propertiesWithHistory"]["hs_lead_status"][0]["sourceType"],
        "CRM_UI"
    );
    assert_eq!(
        r.body["propertiesWithHistory"]["hs_lead_status"][0]["sourceId"],
        "userId:40000000"
    );

    let bad = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            &json!({ "properties": { "lifecyclestage": "bogus", "nope": "x", "hs_object_id": "1" } }),
        )
        .await;
    assert_error_shape(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let message = bad.body["message"].as_str().unwrap();
    assert!(message.starts_with("Property values were not valid: ["), "{message}");
    let mut codes: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["INVALID_OPTION", "PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"],
        "every refused value is reported"
    );
    let r = sim
        .get(&format!("/crm/v3/objects/contacts/{id}?properties=lifecyclestage"))
        .await;
    assert_eq!(
        r.body["properties"]["lifecyclestage"], "lead",
        "a refused write changes nothing"
    );

    let dup = sim
        .post(
            "/crm/v3/objects/contacts",
            &json!({ "properties": { "email": "ADA@acme.test" } }),
        )
        .await;
    assert_error_shape(&dup, StatusCode::CONFLICT, "CONFLICT");
    assert!(dup.body["message"].as_str().unwrap().contains("Existing ID"));
    let malformed = sim.send(Method::POST, "/crm/v3/objects/contacts", None).await;
    assert_error_shape(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

    let deleted = sim.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        sim.get(&format!("/crm/v3/objects/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn batch_calls_report_partial_failures_as_multi_status() {
    let sim = Sim::start(&small_world()).await;
    let ada = contact_id(&sim, "ada@acme.test").to_string();
    let bob = contact_id(&sim, "bob@bobco.test").to_string();
    let eve = contact_id(&sim, "eve@evil.test").to_string();

    let read = sim.post("/crm/v3/objects/contacts/batch/read", &json!({ "inputs": [{ "id": ada }, { "id": "999" }, { "id": "998" }], "properties": ["email"], "propertiesWithHistory": [] })).await;
    assert_eq!(read.status, StatusCode::MULTI_STATUS);
    assert_eq!(read.body["status"], "COMPLETE");
    assert_eq!(read.body["numErrors"], 1);
    assert_eq!(read.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(read.body["errors"][0]["context"]["ids"], json!(["999", "998"]));
    assert_eq!(ids(&read.body), std::slice::from_ref(&ada));
    assert!(read.body["startedAt"].is_string() && read.body["completedAt"].is_string());

    let update = sim
        .post(
            "/crm/v3/objects/contacts/batch/update",
            &json!({ "inputs": [
                { "id": ada, "properties": { "lastname": "Byron" } },
                { "id": "424242", "properties": { "lastname": "Ghost" } },
                { "id": bob, "properties": { "lifecyclestage": "not-a-stage" }, "objectWriteTraceId": "t-bob" },
                { "id": eve, "properties": { "favourite_colour": "red" } },
            ] }),
        )
        .await;
    assert_eq!(update.status, StatusCode::MULTI_STATUS, "{:?}", update.body);
    assert_eq!(update.body["numErrors"], 3);
    let errors = update.body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .all(|e| e["status"] == "error" && e["errors"].is_array() && e["links"].is_object())
    );
    assert_eq!(errors[0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(errors[0]["context"]["ids"], json!(["424242"]));
    assert_eq!(errors[1]["category"], "VALIDATION_ERROR");
    assert_eq!(errors[1]["errors"][0]["code"], "INVALID_OPTION");
    assert_eq!(errors[1]["context"]["objectWriteTraceId"], json!(["t-bob"]));
    assert_eq!(errors[2]["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(ids(&update.body), std::slice::from_ref(&ada));
    assert_eq!(update.body["results"][0]["properties"]["lastname"], "Byron");
    let admin = sim.server.admin();
    assert_eq!(
        admin
            .object(ObjectKind::Contact, bob.parse().unwrap())
            .unwrap()
            .properties["lifecyclestage"],
        "lead"
    );

    let dupes = sim
        .post(
            "/crm/v3/objects/contacts/batch/update",
            &json!({ "inputs": [{ "id": ada, "properties": {} }, { "id": ada, "properties": {} }] }),
        )
        .await;
    assert_eq!(dupes.status, StatusCode::BAD_REQUEST);
    assert!(
        dupes.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Duplicate IDs found in batch input")
    );

    let too_many: Vec<Value> = (0..101).map(|i| json!({ "id": i.to_string() })).collect();
    let r = sim
        .post(
            "/crm/v3/objects/contacts/batch/read",
            &json!({ "inputs": too_many, "properties": [] }),
        )
        .await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let fifty_one: Vec<Value> = (0..51).map(|i| json!({ "id": i.to_string() })).collect();
    let r = sim
        .post(
            "/crm/v3/objects/contacts/batch/read",
            &json!({ "inputs": fifty_one, "properties": [], "propertiesWithHistory": ["email"] }),
        )
        .await;
    assert_error_shape(&r, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(r.body["message"].as_str().unwrap().contains("property histories is 50"));

    let upsert = sim
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            &json!({ "inputs": [
                { "id": "ada@acme.test", "idProperty": "email", "properties": { "jobtitle": "Countess" } },
                { "id": "zed@zed.test", "idProperty": "email", "properties": { "firstname": "Zed" } },
            ] }),
        )
        .await;
    assert_eq!(upsert.status, StatusCode::OK, "{:?}", upsert.body);
    let news: Vec<(&str, bool)> = upsert.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["new"].as_bool().unwrap()))
        .collect();
    assert_eq!(news[0], (ada.as_str(), false));
    assert!(news[1].1);
    assert_eq!(
        admin
            .contact_by_email("zed@zed.test")
            .map(|id| id.to_string())
            .as_deref(),
        Some(news[1].0)
    );

    let before = admin.read(|w| w.contacts.live_count());
    let conflict = sim.post("/crm/v3/objects/contacts/batch/create", &json!({ "inputs": [{ "properties": { "email": "fresh@x.test" } }, { "properties": { "email": "bob@bobco.test" } }] })).await;
    assert_eq!(
        conflict.status,
        StatusCode::CONFLICT,
        "a duplicate email fails the whole batch"
    );
    assert_eq!(admin.read(|w| w.contacts.live_count()), before, "nothing created");
    let created = sim.post("/crm/v3/objects/contacts/batch/create", &json!({ "inputs": [{ "properties": { "email": "fresh@x.test" }, "objectWriteTraceId": "t1" }, { "properties": { "email": "bad@x.test", "lifecyclestage": "x" } }] })).await;
    assert_eq!(created.status, StatusCode::MULTI_STATUS);
    assert_eq!(created.body["results"][0]["objectWriteTraceId"], "t1");

    let archive = sim
        .post(
            "/crm/v3/objects/contacts/batch/archive",
            &json!({ "inputs": [{ "id": eve }] }),
        )
        .await;
    assert_eq!(archive.status, StatusCode::NO_CONTENT);
    assert_eq!(
        sim.get(&format!("/crm/v3/objects/contacts/{eve}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deals_carry_stage_history_and_computed_flags() {
    let sim = Sim::start(&small_world()).await;
    let r = sim.get("/crm/v3/objects/deals?limit=10&properties=dealname,amount,dealstage,hs_is_closed_won,closedate,closed_lost_reason,hs_date_entered_qualifiedtobuy&propertiesWithHistory=dealstage,amount&associations=contacts").await;
    assert_eq!(r.status, StatusCode::OK);
    let deals = r.body["results"].as_array().unwrap();
    assert_eq!(deals.len(), 3);
    let won = deals
        .iter()
        .find(|d| d["properties"]["dealname"] == "Acme - platform")
        .unwrap();
    assert_eq!(won["properties"]["hs_is_closed_won"], "true");
    assert_eq!(won["properties"]["amount"], "12000");
    assert_eq!(
        won["properties"]["hs_date_entered_qualifiedtobuy"],
        "2024-01-26T09:00:00.000Z"
    );
    assert!(won["properties"]["hs_lastmodifieddate"].is_string());
    let stages: Vec<&str> = won["propertiesWithHistory"]["dealstage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["closedwon", "qualifiedtobuy", "appointmentscheduled"]);
    let ada = contact_id(&sim, "ada@acme.test").to_string();
    assert_eq!(
        won["associations"]["contacts"]["results"][0],
        json!({ "id": ada, "type": "deal_to_contact" })
    );
    let lost = deals
        .iter()
        .find(|d| d["properties"]["dealname"] == "Evil - lost")
        .unwrap();
    assert_eq!(lost["properties"]["hs_is_closed_won"], "false");
    assert_eq!(lost["properties"]["closed_lost_reason"], "No budget");
    let grown = deals
        .iter()
        .find(|d| d["properties"]["dealname"] == "Evil - expansion")
        .unwrap();
    let amounts: Vec<&str> = grown["propertiesWithHistory"]["amount"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["9000", "7000"]);

    let id = grown["id"].as_str().unwrap();
    let bad = sim
        .patch(
            &format!("/crm/v3/objects/0-3/{id}"),
            &json!({ "properties": { "dealstage": "nonsense" } }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = sim
        .patch(
            &format!("/crm/v3/objects/deals/{id}"),
            &json!({ "properties": { "amount": "12,5" } }),
        )
        .await;
    assert_eq!(bad.body["errors"][0]["code"], "INVALID_FLOAT");
    let closed = sim
        .patch(
            &format!("/crm/v3/objects/deals/{id}"),
            &json!({ "properties": { "dealstage": "closedwon" } }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    let r = sim
        .get(&format!(
            "/crm/v3/objects/deals/{id}?properties=closedate,hs_is_closed_won,hs_lastmodifieddate"
        ))
        .await;
    assert_eq!(r.body["properties"]["hs_is_closed_won"], "true");
    assert!(
        r.body["properties"]["closedate"].is_string(),
        "closing a deal without a close date sets one"
    );
    assert_eq!(r.body["properties"]["hs_lastmodifieddate"], r.body["updatedAt"]);

    let pipelines = sim.get("/crm/v3/pipelines/deals").await;
    let p = &pipelines.body["results"][0];
    assert_eq!(p["id"], "default");
    let stage_ids: Vec<&str> = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        stage_ids,
        [
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost"
        ]
    );
    assert_eq!(
        p["stages"][0]["metadata"],
        json!({ "isClosed": "false", "probability": "0.2" })
    );
    assert_eq!(
        p["stages"][5]["metadata"],
        json!({ "isClosed": "true", "probability": "1.0" })
    );
}

#[tokio::test]
async fn associations_properties_and_owners() {
    let sim = Sim::start(&small_world()).await;
    let ada = contact_id(&sim, "ada@acme.test");
    let bob = contact_id(&sim, "bob@bobco.test");
    let r = sim
        .get(&format!("/crm/v4/objects/contacts/{ada}/associations/deals"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["results"][0]["associationTypes"][0],
        json!({ "category": "HUBSPOT_DEFINED", "typeId": 4, "label": null })
    );
    let deal = r.body["results"][0]["toObjectId"].as_u64().unwrap();
    let companies = sim
        .get(&format!("/crm/v4/objects/contacts/{ada}/associations/companies"))
        .await;
    let types: Vec<u64> = companies.body["results"][0]["associationTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["typeId"].as_u64().unwrap())
        .collect();
    assert_eq!(types, [1, 279], "primary company and the unlabeled association");

    let read = sim
        .post(
            "/crm/v4/associations/contacts/deals/batch/read",
            &json!({ "inputs": [{ "id": ada.to_string() }, { "id": bob.to_string() }] }),
        )
        .await;
    assert_eq!(read.status, StatusCode::MULTI_STATUS, "bob has no deals");
    assert_eq!(read.body["results"][0]["to"][0]["toObjectId"], deal);
    assert_eq!(
        read.body["errors"][0]["context"]["fromObjectId"],
        json!([bob.to_string()])
    );

    let put = sim
        .put(
            &format!("/crm/v4/objects/contacts/{bob}/associations/deals/{deal}"),
            &json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4 }]),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{:?}", put.body);
    let r = sim
        .get(&format!("/crm/v4/objects/deals/{deal}/associations/contacts?limit=1"))
        .await;
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    let after = r.body["paging"]["next"]["after"].as_str().unwrap().to_owned();
    let r2 = sim
        .get(&format!(
            "/crm/v4/objects/deals/{deal}/associations/contacts?limit=1&after={after}"
        ))
        .await;
    assert_eq!(r2.body["results"].as_array().unwrap().len(), 1);
    assert!(r2.body.get("paging").is_none());
    let wrong = sim
        .put(
            &format!("/crm/v4/objects/contacts/{bob}/associations/deals/{deal}"),
            &json!([{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3 }]),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "type 3 is deal→contact");

    let props = sim.get("/crm/v3/properties/contacts").await;
    let stage = props.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "lifecyclestage")
        .unwrap();
    assert_eq!(stage["type"], "enumeration");
    assert_eq!(stage["options"].as_array().unwrap().len(), 8);
    assert_eq!(stage["modificationMetadata"]["readOnlyValue"], false);
    let create = json!({ "name": "closedloop_mql_date", "label": "MQL date", "type": "datetime", "fieldType": "date", "groupName": "contactinformation" });
    assert_eq!(
        sim.post("/crm/v3/properties/contacts", &create).await.status,
        StatusCode::CREATED
    );
    let again = sim.post("/crm/v3/properties/contacts", &create).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["category"], "OBJECT_ALREADY_EXISTS");
    let group = json!({ "name": "closedloop", "label": "closedloop", "displayOrder": -1 });
    assert_eq!(
        sim.post("/crm/v3/properties/contacts/groups", &group).await.status,
        StatusCode::CREATED
    );
    let again = sim.post("/crm/v3/properties/contacts/groups", &group).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let groups = sim.get("/crm/v3/properties/contacts/groups").await;
    assert!(
        groups.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "closedloop")
    );
    let in_group = json!({ "name": "closedloop_lead_status", "label": "CRM lead status", "type": "string", "fieldType": "text", "groupName": "closedloop" });
    let created = sim.post("/crm/v3/properties/contacts", &in_group).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["groupName"], "closedloop");
    let nowhere = json!({ "name": "closedloop_y", "label": "Y", "type": "string", "fieldType": "text", "groupName": "no_such_group" });
    assert_eq!(
        sim.post("/crm/v3/properties/contacts", &nowhere).await.status,
        StatusCode::BAD_REQUEST
    );
    let bad_type = json!({ "name": "closedloop_x", "label": "X", "type": "enumeration", "fieldType": "text", "groupName": "contactinformation" });
    assert_eq!(
        sim.post("/crm/v3/properties/contacts", &bad_type).await.status,
        StatusCode::BAD_REQUEST
    );
    let set = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{ada}"),
            &json!({ "properties": { "closedloop_mql_date": "2024-02-01T10:00:00Z" } }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(
        set.body["properties"]["closedloop_mql_date"],
        "2024-02-01T10:00:00.000Z"
    );

    let owners = sim.get("/crm/v3/owners/?limit=1").await;
    assert_eq!(owners.body["results"][0]["email"], "rep@corp.test");
    assert_eq!(owners.body["results"][0]["type"], "PERSON");
    let next = owners.body["paging"]["next"]["after"].as_str().unwrap().to_owned();
    let page2 = sim.get(&format!("/crm/v3/owners?limit=1&after={next}")).await;
    assert_eq!(page2.body["results"][0]["email"], "mkt@corp.test");
    assert!(page2.body.get("paging").is_none());
    let by_email = sim.get("/crm/v3/owners?email=MKT@corp.test").await;
    assert_eq!(by_email.body["results"].as_array().unwrap().len(), 1);
    let owner_id = owners.body["results"][0]["id"].as_str().unwrap();
    let r = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{bob}"),
            &json!({ "properties": { "hubspot_owner_id": "123" } }),
        )
        .await;
    assert_eq!(r.body["errors"][0]["code"], "INVALID_OWNER_ID");
    let r = sim
        .patch(
            &format!("/crm/v3/objects/contacts/{bob}"),
            &json!({ "properties": { "hubspot_owner_id": owner_id } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_faults_use_hubspot_shapes_and_spare_admin_routes() {
    let sim = Sim::start(&small_world()).await;
    sim.server.admin().set_faults(closedloop_sim::FaultConfig {
        rate_500: 1.0,
        ..Default::default()
    });
    let r = sim.get("/crm/v3/objects/contacts").await;
    assert_error_shape(&r, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
    assert_eq!(
        sim.admin(Method::GET, "/__sim/summary", None).await.status,
        StatusCode::OK
    );
    let put = sim
        .admin(Method::PUT, "/__sim/faults", Some(&json!({ "rate_429": 1.0 })))
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    let r = sim.get("/crm/v3/objects/contacts").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["errorType"], "RATE_LIMIT");
    assert_eq!(r.header("retry-after"), Some("1"));
    sim.admin(Method::PUT, "/__sim/faults", Some(&json!({}))).await;
    assert_eq!(sim.get("/crm/v3/objects/contacts").await.status, StatusCode::OK);
    let stats = sim.server.admin().stats();
    assert_eq!(stats.by_route["GET /crm/v3/objects/{object_type}"], 3);
    assert_eq!(stats.by_status["500"], 1);
    assert_eq!(stats.by_status["429"], 1);
}

#[tokio::test]
async fn the_same_scenario_always_gets_the_same_ids() {
    let a = Sim::start(&small_world()).await;
    let b = Sim::start(&small_world()).await;
    for path in [
        "/crm/v3/objects/contacts?limit=100&properties=email",
        "/crm/v3/objects/deals",
        "/crm/v3/objects/companies",
        "/marketing/v3/forms",
        "/marketing/v3/campaigns",
    ] {
        let (ra, rb) = (a.get(path).await, b.get(path).await);
        assert_eq!(ids(&ra.body), ids(&rb.body), "{path}");
    }
}

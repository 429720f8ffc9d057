//! HubSpot simulator over HTTP: the Events API, legacy email events, marketing events and
//! participations (and the attendance writes), forms and submissions, campaigns and assets.

mod hubspot_support;

use hubspot_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().expect("results")
}

#[tokio::test]
async fn events_api_pages_a_contacts_behaviour_including_merged_records() {
    let sim = Sim::start(&small_world()).await;
    let ada = sim.server.admin().contact_by_email("ada@acme.test").unwrap();
    let r = sim
        .get(&format!(
            "/events/v3/events/?objectType=contact&objectId={ada}&limit=100&sort=ASCENDING"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let types: Vec<&str> = results(&r.body)
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "e_visited_page",
            "e_visited_page",
            "e_submitted_form",
            "e_clicked_cta",
            "e_visited_page"
        ],
        "cy's page view (merged) is ada's now"
    );
    for e in results(&r.body) {
        assert_eq!(e["objectId"], ada.to_string());
        assert_eq!(e["objectType"], "contact");
        assert!(e["occurredAt"].as_str().unwrap().ends_with('Z'));
        assert!(uuid::Uuid::parse_str(e["id"].as_str().unwrap()).is_ok());
        assert!(e["properties"].as_object().unwrap().values().all(Value::is_string));
    }
    let first = &results(&r.body)[0];
    assert_eq!(first["properties"]["hs_url"], "https://www.corp.test/pricing");
    assert_eq!(first["properties"]["hs_utm_campaign"], "spring");
    let form = &results(&r.body)[2];
    assert!(form["properties"]["hs_form_id"].is_string());

    // Default order is newest first; paging with an opaque cursor.
    let page1 = sim
        .get(&format!("/events/v3/events?objectType=contact&objectId={ada}&limit=2"))
        .await;
    let after = page1.body["paging"]["next"]["after"].as_str().unwrap().to_owned();
    let page2 = sim
        .get(&format!(
            "/events/v3/events?objectType=contact&objectId={ada}&limit=2&after={after}"
        ))
        .await;
    let newest: Vec<&Value> = results(&page1.body).iter().chain(results(&page2.body)).collect();
    let times: Vec<&str> = newest.iter().map(|e| e["occurredAt"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    assert_eq!(newest.len(), 4);

    let views = sim.get("/events/v3/events?objectType=contact&eventType=e_visited_page&occurredAfter=2024-01-02T09:00:00Z&sort=ASCENDING&limit=100").await;
    let when: Vec<&str> = results(&views.body)
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        when,
        ["2024-01-03T09:00:00.000Z", "2024-01-05T09:00:00.000Z"],
        "occurredAfter is exclusive"
    );
    let by_email = sim
        .get("/events/v3/events?objectType=contact&objectProperty.email=bob@bobco.test")
        .await;
    assert_eq!(results(&by_email.body).len(), 1);
    let types = sim.get("/events/v3/events/event-types").await;
    assert_eq!(
        types.body["eventTypes"],
        json!(["e_visited_page", "e_clicked_cta", "e_submitted_form"])
    );
    let bad = sim.get("/events/v3/events?objectId=1").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "objectId needs objectType");
}

#[tokio::test]
async fn legacy_email_events_are_newest_first_and_lead_to_their_campaign() {
    let sim = Sim::start(&small_world()).await;
    let r = sim.get("/email/public/v1/events?recipient=ADA@acme.test").await;
    assert_eq!(r.status, StatusCode::OK);
    let events = r.body["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["CLICK", "OPEN"]);
    assert_eq!(r.body["hasMore"], false);
    assert!(events[0]["created"].is_i64(), "created is epoch ms");
    assert_eq!(events[0]["url"], "https://www.corp.test/whitepaper?utm_campaign=spring");
    assert_eq!(events[0]["recipient"], "ada@acme.test");
    let page = sim.get("/email/public/v1/events?limit=1").await;
    assert_eq!(page.body["hasMore"], true);
    let offset = page.body["offset"].as_str().unwrap().to_owned();
    let next = sim
        .get(&format!("/email/public/v1/events?limit=1&offset={offset}"))
        .await;
    assert_eq!(next.body["events"][0]["type"], "OPEN");
    assert_eq!(next.body["hasMore"], false);
    let opens = sim.get("/email/public/v1/events?eventType=OPEN").await;
    assert_eq!(opens.body["events"].as_array().unwrap().len(), 1);

    let campaign_id = events[0]["emailCampaignId"].as_u64().unwrap();
    let c = sim.get(&format!("/email/public/v1/campaigns/{campaign_id}")).await;
    assert_eq!(c.body["name"], "Spring newsletter");
    assert_eq!(c.body["counters"], json!({ "open": 1, "click": 1 }));
    let content_id = c.body["contentId"].as_u64().unwrap();
    let campaigns = sim
        .get("/marketing/v3/campaigns?properties=hs_name,hs_start_date,hs_utm")
        .await;
    assert_eq!(campaigns.body["total"], 2);
    let spring = results(&campaigns.body)
        .iter()
        .find(|c| c["properties"]["hs_name"] == "Spring Launch")
        .unwrap();
    assert_eq!(spring["properties"]["hs_start_date"], "2024-01-01");
    let guid = spring["id"].as_str().unwrap();
    let emails = sim
        .get(&format!("/marketing/v3/campaigns/{guid}/assets/MARKETING_EMAIL"))
        .await;
    assert_eq!(results(&emails.body)[0]["id"], content_id.to_string());
    let forms = sim.get(&format!("/marketing/v3/campaigns/{guid}/assets/FORM")).await;
    assert_eq!(results(&forms.body)[0]["name"], "The Closed Loop Whitepaper");
    let bare = sim.get(&format!("/marketing/v3/campaigns/{guid}")).await;
    assert_eq!(bare.body["properties"], json!({}), "no properties asked, none sent");
}

#[tokio::test]
async fn webinar_participations_carry_depth_and_take_attendance_writes() {
    let sim = Sim::start(&small_world()).await;
    let list = sim.get("/marketing/v3/marketing-events/").await;
    let event = &results(&list.body)[0];
    assert_eq!(event["eventName"], "Attribution 101");
    assert_eq!(event["eventType"], "WEBINAR");
    assert_eq!(event["startDateTime"], "2024-01-11T09:00:00.000Z");
    assert_eq!(event["endDateTime"], "2024-01-11T10:00:00.000Z");
    assert_eq!(event["attendees"], 1);
    assert_eq!(event["noShows"], 1);
    let id = event["objectId"].as_str().unwrap().to_owned();

    let r = sim
        .get(&format!("/marketing/v3/marketing-events/participations/{id}/breakdown"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["total"], 2);
    let ada = results(&r.body)
        .iter()
        .find(|p| p["associations"]["contact"]["email"] == "ada@acme.test")
        .unwrap();
    assert_eq!(ada["properties"]["attendanceState"], "ATTENDED");
    assert_eq!(ada["properties"]["attendanceDurationSeconds"], 720);
    assert_eq!(
        ada["properties"]["attendancePercentage"], "20",
        "12 of 60 minutes, as a string"
    );
    assert!(ada["properties"]["occurredAt"].is_i64(), "occurredAt is epoch ms");
    assert_eq!(ada["associations"]["marketingEvent"]["marketingEventId"], id);
    assert_eq!(
        ada["createdAt"], "2024-01-06T09:00:00.000Z",
        "registered before the event"
    );
    let no_shows = sim
        .get(&format!(
            "/marketing/v3/marketing-events/participations/{id}/breakdown?state=NO_SHOW"
        ))
        .await;
    assert_eq!(no_shows.body["total"], 1);
    assert_eq!(
        results(&no_shows.body)[0]["associations"]["contact"]["email"],
        "bob@bobco.test"
    );
    let external = sim
        .get("/marketing/v3/marketing-events/participations/sim-webinar-account/webinar-web1/breakdown")
        .await;
    assert_eq!(external.body["total"], 2, "the same event by its external ids");
    let counters = sim
        .get("/marketing/v3/marketing-events/participations/sim-webinar-account/webinar-web1")
        .await;
    assert_eq!(
        counters.body,
        json!({ "registered": 2, "attended": 1, "cancelled": 0, "noShows": 1 })
    );
    let page = sim
        .get(&format!(
            "/marketing/v3/marketing-events/participations/{id}/breakdown?limit=1"
        ))
        .await;
    assert!(page.body["paging"]["next"]["after"].is_string());
    assert_eq!(
        sim.get(&format!(
            "/marketing/v3/marketing-events/participations/{id}/breakdown?limit=101"
        ))
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let eve = sim.server.admin().contact_by_email("eve@evil.test").unwrap();
    let attend = sim
        .post(
            &format!("/marketing/v3/marketing-events/{id}/attendance/attend/create"),
            &json!({ "inputs": [{ "vid": eve, "interactionDateTime": 1704967200000i64, "properties": { "joinedAt": "2024-01-11T09:00:00Z", "leftAt": "2024-01-11T09:30:00Z" } }, { "vid": 42, "interactionDateTime": 1 }] }),
        )
        .await;
    assert_eq!(attend.status, StatusCode::OK, "{:?}", attend.body);
    assert_eq!(attend.body["numErrors"], 1, "the unknown vid is reported in the body");
    assert_eq!(attend.body["results"][0]["vid"], eve);
    let counters = sim
        .get(&format!("/marketing/v3/marketing-events/participations/{id}"))
        .await;
    assert_eq!(
        counters.body,
        json!({ "registered": 3, "attended": 2, "cancelled": 0, "noShows": 1 })
    );
    let mine = sim
        .get(&format!(
            "/marketing/v3/marketing-events/participations/contacts/{eve}/breakdown"
        ))
        .await;
    assert_eq!(results(&mine.body)[0]["properties"]["attendanceDurationSeconds"], 1800);
    assert_eq!(results(&mine.body)[0]["properties"]["attendancePercentage"], "50");

    let by_email = sim
        .post(
            "/marketing/v3/marketing-events/attendance/webinar-web1/register/email-create?externalAccountId=sim-webinar-account",
            &json!({ "inputs": [{ "email": "walkin@new.test", "interactionDateTime": 1704967200000i64, "contactProperties": { "firstname": "Walk" } }] }),
        )
        .await;
    assert_eq!(by_email.status, StatusCode::OK, "{:?}", by_email.body);
    let created = sim
        .server
        .admin()
        .contact_by_email("walkin@new.test")
        .expect("email-create makes the contact");
    assert_eq!(
        by_email.body["results"][0],
        json!({ "vid": created, "email": "walkin@new.test" })
    );
}

#[tokio::test]
async fn form_submissions_are_newest_first_and_a_live_submission_moves_the_contact() {
    let sim = Sim::start(&small_world()).await;
    let forms = sim.get("/marketing/v3/forms/").await;
    let form = &results(&forms.body)[0];
    assert_eq!(form["formType"], "hubspot");
    assert!(!form["fieldGroups"].as_array().unwrap().is_empty());
    let guid = form["id"].as_str().unwrap().to_owned();
    let subs = sim
        .get(&format!("/form-integrations/v1/submissions/forms/{guid}"))
        .await;
    assert_eq!(subs.status, StatusCode::OK);
    let emails: Vec<&str> = results(&subs.body)
        .iter()
        .map(|s| {
            s["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == "email")
                .unwrap()["value"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(emails, ["bob@bobco.test", "ada@acme.test"], "newest first");
    assert!(results(&subs.body)[0]["submittedAt"].is_i64());
    assert_eq!(results(&subs.body)[1]["pageUrl"], "https://www.corp.test/whitepaper");
    assert!(subs.body.get("paging").is_none());
    let one = sim
        .get(&format!("/form-integrations/v1/submissions/forms/{guid}?limit=1"))
        .await;
    let after = one.body["paging"]["next"]["after"].as_str().unwrap().to_owned();
    let rest = sim
        .get(&format!(
            "/form-integrations/v1/submissions/forms/{guid}?limit=1&after={after}"
        ))
        .await;
    assert_eq!(
        results(&rest.body)[0]["conversionId"],
        results(&subs.body)[1]["conversionId"]
    );
    assert_eq!(
        sim.get(&format!("/form-integrations/v1/submissions/forms/{guid}?limit=51"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let portal = 4_242_424;
    let submit = sim
        .send_as(
            None,
            Method::POST,
            &format!("/submissions/v3/integration/submit/{portal}/{guid}"),
            Some(&json!({ "fields": [{ "objectTypeId": "0-1", "name": "email", "value": "ada@acme.test" }, { "name": "firstname", "value": "Ada" }], "context": { "pageUri": "https://www.corp.test/whitepaper-2" } })),
        )
        .await;
    assert_eq!(submit.status, StatusCode::OK, "{:?}", submit.body);
    let subs = sim
        .get(&format!("/form-integrations/v1/submissions/forms/{guid}"))
        .await;
    assert_eq!(results(&subs.body).len(), 3);
    assert_eq!(results(&subs.body)[0]["pageUrl"], "https://www.corp.test/whitepaper-2");
    let ada = sim.server.admin().contact_by_email("ada@acme.test").unwrap();
    let r = sim.get(&format!("/crm/v3/objects/contacts/{ada}?properties=num_conversion_events,recent_conversion_event_name,first_conversion_date")).await;
    assert_eq!(r.body["properties"]["num_conversion_events"], "2");
    assert_eq!(
        r.body["properties"]["first_conversion_date"],
        "2024-01-03T10:00:00.000Z"
    );
    let latest = sim
        .get(&format!("/events/v3/events?objectType=contact&objectId={ada}&limit=1"))
        .await;
    assert_eq!(results(&latest.body)[0]["eventType"], "e_submitted_form");
    let missing = sim
        .send_as(
            None,
            Method::POST,
            &format!("/submissions/v3/integration/submit/{portal}/{guid}"),
            Some(&json!({ "fields": [{ "name": "firstname", "value": "x" }] })),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}

//! What the scenario loader builds (conversions, history, activities moved by conversion,
//! modstamp ties, hostile values) and what run-time lead conversion and merges do.

mod salesforce_support;

use chrono::Duration;
use closedloop_sim::salesforce::ConvertRequest;
use closedloop_sim::scenario::SystemTouchSpec;
use salesforce_support::{Sf, funnel_scenario, leads_scenario, t0};
use serde_json::{Value, json};

async fn one(sf: &Sf, soql: &str) -> Value {
    let r = sf.query(soql).await;
    assert_eq!(r.status, 200, "{soql}: {}", r.body);
    assert_eq!(r.body["totalSize"], 1, "{soql}: {}", r.body);
    r.body["records"][0].clone()
}

async fn all(sf: &Sf, soql: &str) -> Vec<Value> {
    sf.query_pages(soql, false, None).await.0
}

#[tokio::test]
async fn a_converted_lead_is_loaded_with_everything_conversion_leaves_behind() {
    let sf = Sf::start(&funnel_scenario()).await;
    let lead = one(&sf, "SELECT Id, Status, IsConverted, ConvertedDate, ConvertedContactId, ConvertedAccountId, ConvertedOpportunityId, LeadSource, SystemModstamp FROM Lead WHERE IsConverted = true").await;
    assert_eq!(lead["Status"], "Closed - Converted");
    assert_eq!(
        lead["ConvertedDate"],
        (t0() + Duration::days(3)).date_naive().to_string()
    );
    assert_eq!(lead["SystemModstamp"], "2024-02-03T09:15:00.000+0000");
    let contact = one(&sf, "SELECT Id, AccountId, Email, LeadSource, CreatedDate FROM Contact").await;
    assert_eq!(lead["ConvertedContactId"], contact["Id"]);
    assert_eq!(lead["ConvertedAccountId"], contact["AccountId"]);
    assert_eq!(contact["Email"], "won@example.com");
    assert_eq!(
        contact["CreatedDate"], lead["SystemModstamp"],
        "conversion created the contact"
    );
    let opp = one(
        &sf,
        "SELECT Id, StageName, IsClosed, IsWon, Amount, Probability, CampaignId, ContactId, AccountId FROM Opportunity",
    )
    .await;
    assert_eq!(lead["ConvertedOpportunityId"], opp["Id"]);
    assert_eq!(
        (opp["StageName"].clone(), opp["IsWon"].clone(), opp["Amount"].clone()),
        (json!("Closed Won"), json!(true), json!(12000.5))
    );
    assert_eq!(opp["ContactId"], contact["Id"]);
    let campaign = one(&sf, "SELECT Id, Name, Status FROM Campaign").await;
    assert_eq!(opp["CampaignId"], campaign["Id"]);
    let role = one(
        &sf,
        "SELECT OpportunityId, ContactId, IsPrimary FROM OpportunityContactRole",
    )
    .await;
    assert_eq!(
        (role["ContactId"].clone(), role["IsPrimary"].clone()),
        (contact["Id"].clone(), json!(true))
    );

    let lead_id = lead["Id"].as_str().unwrap_or_default();
    let history = all(&sf, &format!("SELECT Field, OldValue, NewValue, CreatedDate FROM LeadHistory WHERE LeadId = '{lead_id}' ORDER BY CreatedDate, Id")).await;
    let fields: Vec<&str> = history.iter().filter_map(|h| h["Field"].as_str()).collect();
    assert_eq!(fields, ["created", "Status", "Status", "leadConverted"]);
    assert_eq!(
        (history[1]["OldValue"].clone(), history[1]["NewValue"].clone()),
        (json!("Open - Not Contacted"), json!("Working - Contacted"))
    );
    assert_eq!(history[1]["CreatedDate"], "2024-01-31T11:15:00.000+0000");

    // Activities logged on the lead moved to the contact at conversion: their modstamps tie.
    let tasks = all(&sf, "SELECT Id, WhoId, WhatId, TaskSubtype, CallDisposition, Status, IsClosed, CreatedDate, SystemModstamp FROM Task ORDER BY CreatedDate").await;
    assert_eq!(tasks.len(), 2);
    for t in &tasks {
        assert_eq!(t["WhoId"], contact["Id"]);
        assert_eq!(t["WhatId"], opp["Id"]);
        assert_eq!(
            t["SystemModstamp"], lead["SystemModstamp"],
            "re-parenting stamped them at conversion"
        );
        assert_eq!(
            (t["Status"].clone(), t["IsClosed"].clone()),
            (json!("Completed"), json!(true))
        );
    }
    assert_eq!(
        (tasks[0]["TaskSubtype"].clone(), tasks[0]["CallDisposition"].clone()),
        (json!("Call"), json!("Connected"))
    );
    assert_eq!(
        tasks[0]["CreatedDate"], "2024-01-31T11:15:00.000+0000",
        "first sales touch two hours after the lead"
    );
    assert_eq!(tasks[1]["TaskSubtype"], "Email");
    let event = one(
        &sf,
        "SELECT WhoId, ActivityDateTime, StartDateTime, EndDateTime, DurationInMinutes FROM Event",
    )
    .await;
    assert_eq!(event["WhoId"], contact["Id"]);
    assert_eq!(event["StartDateTime"], event["ActivityDateTime"]);
    let member = one(
        &sf,
        "SELECT LeadId, ContactId, Status, HasResponded, FirstRespondedDate FROM CampaignMember",
    )
    .await;
    assert_eq!(
        (member["LeadId"].clone(), member["ContactId"].clone()),
        (lead["Id"].clone(), contact["Id"].clone())
    );
    assert_eq!(member["HasResponded"], true);

    let lost = one(
        &sf,
        "SELECT Status, Unqualified_Reason__c FROM Lead WHERE Status = 'Closed - Not Converted'",
    )
    .await;
    assert_eq!(lost["Unqualified_Reason__c"], "No budget");
    let history = sf
        .server
        .admin()
        .query("SELECT OpportunityId FROM OpportunityHistory", false)
        .expect("query");
    assert_eq!(history.len(), 3, "one row per stage");
}

#[tokio::test]
async fn the_loader_keeps_legacy_values_drops_impossible_ones_and_applies_system_touches() {
    let mut s = leads_scenario(5, |i| i as i64 * 3600);
    if let Some(sf) = s.people[0].salesforce.as_mut() {
        sf.leads[0].fields.insert("NumberOfEmployees".into(), json!("lots"));
        sf.leads[0].fields.insert("Lifetime_Score__c".into(), json!(12.5));
        sf.leads[0].fields.insert("Is_Partner__c".into(), json!(true));
        sf.leads[0].statuses.push(closedloop_sim::scenario::StageAt {
            stage: "Legacy Status".into(),
            at: t0() + Duration::hours(1),
        });
    }
    s.people[1].email = "not an email".into();
    s.salesforce.system_touches.push(SystemTouchSpec {
        object: "Lead".into(),
        at: t0() + Duration::days(1),
        limit: 3,
    });
    let sf = Sf::start(&s).await;
    assert_eq!(sf.server.load_report().values_dropped, 1, "'lots' cannot be a number");
    let first = one(
        &sf,
        "SELECT Status, NumberOfEmployees, Lifetime_Score__c, Is_Partner__c FROM Lead WHERE LastName = 'Last0'",
    )
    .await;
    assert_eq!(
        first,
        json!({
            "attributes": first["attributes"].clone(),
            "Status": "Legacy Status",
            "NumberOfEmployees": null,
            "Lifetime_Score__c": 12.5,
            "Is_Partner__c": true,
        })
    );
    let r = sf.query("SELECT Email FROM Lead WHERE LastName = 'Last1'").await;
    assert_eq!(
        r.body["records"][0]["Email"], "not an email",
        "legacy data is served as it is"
    );
    let touched = all(&sf, "SELECT LastName, LastModifiedDate, SystemModstamp FROM Lead WHERE SystemModstamp = 2024-02-01T09:15:00Z ORDER BY LastName").await;
    let names: Vec<&str> = touched.iter().filter_map(|r| r["LastName"].as_str()).collect();
    assert_eq!(names, ["Last0", "Last1", "Last2"], "the three least recently changed");
    assert!(
        touched.iter().all(|r| r["LastModifiedDate"] != r["SystemModstamp"]),
        "a system job leaves LastModifiedDate alone"
    );
    // Editing a legacy record keeps its legacy picklist value unless the edit changes it.
    let id = one(&sf, "SELECT Id FROM Lead WHERE LastName = 'Last0'").await["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        sf.patch(&format!("sobjects/Lead/{id}"), &json!({"Title": "x"}))
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn converting_a_lead_at_run_time_does_what_salesforce_does() {
    let sf = Sf::start(&funnel_scenario()).await;
    let lead = sf.post("sobjects/Lead", &json!({"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy", "Email": "grace@example.com", "LeadSource": "Web"})).await;
    let lead = lead.body["id"].as_str().unwrap_or_default().to_owned();
    let task = sf
        .post(
            "sobjects/Task",
            &json!({"WhoId": lead, "Subject": "Call", "TaskSubtype": "Call", "Status": "Completed"}),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.body);
    let task = task.body["id"].as_str().unwrap_or_default().to_owned();
    let campaign = one(&sf, "SELECT Id FROM Campaign").await["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let member = sf
        .post(
            "sobjects/CampaignMember",
            &json!({"CampaignId": campaign, "LeadId": lead, "Status": "Sent"}),
        )
        .await;
    assert_eq!(member.status, 201, "{}", member.body);
    let dup = sf
        .post(
            "sobjects/CampaignMember",
            &json!({"CampaignId": campaign, "LeadId": lead}),
        )
        .await;
    assert_eq!(
        (dup.error_code(), dup.message()),
        ("DUPLICATE_VALUE", "Already a campaign member.")
    );
    let before = sf
        .server
        .admin()
        .record("Task", &task)
        .map(|t| t["SystemModstamp"].clone());
    sf.server.admin().advance_clock(2);

    let r = sf
        .admin_post("/__sim/salesforce/convert-lead", &json!({"leadId": lead}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let contact = r.body["contactId"].as_str().unwrap_or_default().to_owned();
    let opp = r.body["opportunityId"].as_str().unwrap_or_default().to_owned();
    assert!(
        contact.starts_with("003")
            && opp.starts_with("006")
            && r.body["accountId"].as_str().is_some_and(|a| a.starts_with("001"))
    );
    let converted = sf.get(&format!("sobjects/Lead/{lead}")).await.body;
    assert_eq!(
        (converted["IsConverted"].clone(), converted["Status"].clone()),
        (json!(true), json!("Closed - Converted"))
    );
    assert_eq!(converted["ConvertedOpportunityId"], opp.as_str());
    let moved = sf.get(&format!("sobjects/Task/{task}")).await.body;
    assert_eq!(
        (moved["WhoId"].clone(), moved["WhatId"].clone()),
        (json!(contact), json!(opp))
    );
    assert_ne!(
        Some(moved["SystemModstamp"].clone()),
        before,
        "moved activities get a new modstamp"
    );
    let m = one(
        &sf,
        &format!("SELECT ContactId, LeadId FROM CampaignMember WHERE LeadId = '{lead}'"),
    )
    .await;
    assert_eq!(m["ContactId"], contact.as_str());
    let o = sf.get(&format!("sobjects/Opportunity/{opp}")).await.body;
    assert_eq!(
        (o["StageName"].clone(), o["CampaignId"].clone(), o["Name"].clone()),
        (json!("Prospecting"), json!(campaign), json!("Navy-"))
    );
    let c = sf.get(&format!("sobjects/Contact/{contact}")).await.body;
    assert_eq!(
        (c["Email"].clone(), c["LeadSource"].clone()),
        (json!("grace@example.com"), json!("Web"))
    );
    let history = all(
        &sf,
        &format!("SELECT Field FROM LeadHistory WHERE LeadId = '{lead}' ORDER BY CreatedDate, Id"),
    )
    .await;
    assert_eq!(
        history.iter().filter_map(|h| h["Field"].as_str()).collect::<Vec<_>>(),
        ["created", "Status", "leadConverted"]
    );

    let again = sf
        .admin_post("/__sim/salesforce/convert-lead", &json!({"leadId": lead}))
        .await;
    assert_eq!(
        (again.status.as_u16(), again.body["errorCode"].clone()),
        (400, json!("CANNOT_UPDATE_CONVERTED_LEAD"))
    );
    let other = sf
        .post("sobjects/Lead", &json!({"LastName": "Other", "Company": "Navy"}))
        .await
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bad = sf.server.convert_lead(&ConvertRequest {
        lead_id: other.clone(),
        converted_status: Some("Working - Contacted".into()),
        ..ConvertRequest::default()
    });
    assert_eq!(bad.map_err(|e| e.code), Err("INVALID_STATUS".to_owned()));
    let account = r.body["accountId"].as_str().unwrap_or_default().to_owned();
    let done = sf
        .server
        .convert_lead(&ConvertRequest {
            lead_id: other,
            account_id: Some(account.clone()),
            do_not_create_opportunity: true,
            ..ConvertRequest::default()
        })
        .expect("converts into the existing account");
    assert_eq!((done.account_id, done.opportunity_id), (account, None));
}

#[tokio::test]
async fn merging_contacts_moves_children_and_leaves_a_deleted_loser() {
    let sf = Sf::start(&funnel_scenario()).await;
    let master = one(&sf, "SELECT Id FROM Contact").await["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let loser = sf
        .post(
            "sobjects/Contact",
            &json!({"LastName": "Winner", "Email": "won+dup@example.com"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let opp = sf
        .post(
            "sobjects/Opportunity",
            &json!({"Name": "Dup deal", "StageName": "Prospecting", "CloseDate": "2030-01-01", "ContactId": loser}),
        )
        .await;
    assert_eq!(opp.status, 201, "{}", opp.body);
    let opp = opp.body["id"].as_str().unwrap_or_default().to_owned();
    let r = sf
        .admin_post(
            "/__sim/salesforce/merge",
            &json!({"masterId": master, "mergedIds": [loser]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sf.get(&format!("sobjects/Opportunity/{opp}")).await.body["ContactId"],
        master.as_str()
    );
    let gone = sf
        .query_all(&format!(
            "SELECT IsDeleted, MasterRecordId FROM Contact WHERE Id = '{loser}'"
        ))
        .await;
    assert_eq!(gone.body["records"][0]["MasterRecordId"], master.as_str());
    assert_eq!(
        sf.get(&format!("sobjects/Contact/{loser}")).await.error_code(),
        "ENTITY_IS_DELETED"
    );
    let r = sf
        .admin_post(
            "/__sim/salesforce/merge",
            &json!({"masterId": master, "mergedIds": [master]}),
        )
        .await;
    assert_eq!(r.status, 400);
}

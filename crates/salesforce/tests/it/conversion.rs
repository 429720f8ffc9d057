//! Lead conversion: the lead, its new contact and opportunity, and its activities stay one set of
//! linked records, and the status history dates the conversion.

use crate::support::{Setup, World, drive, scenario};
use closedloop_sim::salesforce::ConvertRequest;
use serde_json::json;

fn world() -> closedloop_sim::Scenario {
    scenario(vec![json!({
        "key": "ada", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "company": "Engines",
        "salesforce": {
            "leads": [{"created_at": "2026-06-01T10:00:00Z", "statuses": [
                {"stage": "Open - Not Contacted", "at": "2026-06-01T10:00:00Z"},
                {"stage": "Working - Contacted", "at": "2026-06-02T09:00:00Z"},
            ]}],
            "activities": [
                {"kind": "call", "at": "2026-06-02T09:00:00Z", "subject": "First call", "outcome": "Connected"},
                {"kind": "email", "at": "2026-06-03T09:00:00Z", "subject": "Follow-up"},
            ],
        },
    })])
}

async fn pull(world: &World, setup: &Setup) {
    let c = world.connector(setup);
    drive(&world.store, &c.leads().unwrap(), None).await.unwrap();
    drive(&world.store, &c.contacts().unwrap(), None).await.unwrap();
    drive(&world.store, &c.opportunities().unwrap(), None).await.unwrap();
    drive(&world.store, &c.activities().unwrap(), None).await.unwrap();
    drive(&world.store, &c.lead_status_history().unwrap(), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_converted_lead_stays_linked_to_its_contact_and_activities() {
    let world = World::start(world()).await;
    let setup = Setup::default();
    pull(&world, &setup).await;
    let lead = world.sim_ids("Lead", false).into_iter().next().unwrap();
    assert_eq!(
        world
            .column(
                &world.store,
                "SELECT who_object FROM sales_activities ORDER BY occurred_at"
            )
            .await,
        ["lead", "lead"]
    );

    let result = world
        .sim
        .convert_lead(&ConvertRequest {
            lead_id: lead.clone(),
            converted_status: None,
            account_id: None,
            contact_id: None,
            do_not_create_opportunity: false,
            opportunity_name: Some("Engines - Analytical".into()),
            owner_id: None,
        })
        .unwrap();
    pull(&world, &setup).await;

    let linked = world
        .column(
            &world.store,
            "SELECT converted_contact_id || '|' || converted_opportunity_id || '|' || status FROM crm_leads",
        )
        .await;
    let opportunity = result.opportunity_id.clone().unwrap();
    assert_eq!(linked, [format!("{}|{opportunity}|converted", result.contact_id)]);
    assert_eq!(
        world
            .column(&world.store, "SELECT id || '|' || email FROM crm_contacts")
            .await,
        [format!("{}|ada@example.com", result.contact_id)]
    );
    assert_eq!(
        world
            .stored_ids(&world.store, "deals")
            .await
            .into_iter()
            .collect::<Vec<_>>(),
        [opportunity]
    );
    // Salesforce moved the lead's activities to the contact; they were read again with it.
    assert_eq!(
        world
            .column(&world.store, "SELECT who_object || '|' || who_id FROM sales_activities")
            .await,
        vec![format!("contact|{}", result.contact_id); 2]
    );
    // One lead, one contact: nothing duplicated.
    assert_eq!(world.count(&world.store, "SELECT COUNT(*) FROM crm_leads").await, 1);
    // The conversion is a dated status change, after the earlier ones.
    assert_eq!(
        world
            .column(
                &world.store,
                "SELECT value FROM stage_changes WHERE kind = 'lead_status' ORDER BY occurred_at",
            )
            .await,
        ["new", "connected", "converted"]
    );
}

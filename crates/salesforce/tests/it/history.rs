//! Lead status history with disqualification reasons, and opportunity stage history.

use crate::support::{Setup, World, drive, scenario};
use serde_json::json;

#[tokio::test]
async fn status_changes_are_dated_and_carry_the_disqualification_reason() {
    let world = World::start(scenario(vec![
        json!({
            "key": "a", "email": "a@example.com", "last_name": "A",
            "salesforce": {"leads": [{"created_at": "2026-06-01T10:00:00Z", "unqualified_reason": "No budget", "statuses": [
                {"stage": "Open - Not Contacted", "at": "2026-06-01T10:00:00Z"},
                {"stage": "Working - Contacted", "at": "2026-06-01T12:00:00Z"},
                {"stage": "Closed - Not Converted", "at": "2026-06-03T12:00:00Z"},
            ]}]},
        }),
        // Never changed status: its status at creation comes from the lead itself.
        json!({
            "key": "b", "email": "b@example.com", "last_name": "B",
            "salesforce": {"leads": [{"created_at": "2026-06-02T10:00:00Z", "statuses": [
                {"stage": "Nurturing", "at": "2026-06-02T10:00:00Z"},
            ]}]},
        }),
        // A status the configuration does not map: quarantined, the rest goes on.
        json!({
            "key": "c", "email": "c@example.com", "last_name": "C",
            "salesforce": {"leads": [{"created_at": "2026-06-02T10:00:00Z", "statuses": [
                {"stage": "Open - Not Contacted", "at": "2026-06-02T10:00:00Z"},
                {"stage": "MAYBE", "at": "2026-06-04T10:00:00Z"},
            ]}]},
        }),
    ]))
    .await;
    let c = world.connector(&Setup::default());
    let outcome = drive(&world.store, &c.lead_status_history().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(outcome.rejected, 1, "{outcome:?}");
    let changes = world
        .column(
            &world.store,
            "SELECT subject_id || '|' || value || '|' || COALESCE(reason, '-') || '|' || strftime('%d %H:%M', occurred_at / 1000, 'unixepoch')
             FROM stage_changes WHERE kind = 'lead_status' ORDER BY 1",
        )
        .await;
    let ids: Vec<String> = world.sim_ids("Lead", false).into_iter().collect();
    let expect = |i: usize, rest: &str| format!("{}|{rest}", ids[i]);
    let mut wanted = vec![
        expect(0, "new|-|01 10:00"),
        expect(0, "connected|-|01 12:00"),
        expect(0, "disqualified|No budget|03 12:00"),
        expect(1, "recycled|-|02 10:00"),
        expect(2, "new|-|02 10:00"),
    ];
    wanted.sort();
    assert_eq!(changes, wanted);
    let quarantined = world
        .column(
            &world.store,
            "SELECT reason FROM quarantine WHERE stream = 'salesforce.lead_status_history'",
        )
        .await;
    assert_eq!(quarantined.len(), 1);
    assert!(quarantined[0].contains("\"MAYBE\""), "{quarantined:?}");
}

#[tokio::test]
async fn opportunity_stage_history_becomes_dated_deal_stages() {
    let world = World::start(scenario(vec![json!({
        "key": "d", "email": "d@example.com", "last_name": "D",
        "salesforce": {
            "contact": {"created_at": "2026-06-01T10:00:00Z"},
            "opportunities": [{
                "name": "D deal", "amount": "1200.50", "created_at": "2026-06-02T10:00:00Z", "close_date": "2026-07-01",
                "close_reason": "Price",
                "stages": [
                    {"stage": "Prospecting", "at": "2026-06-02T10:00:00Z"},
                    {"stage": "Negotiation/Review", "at": "2026-06-10T10:00:00Z"},
                    {"stage": "Closed Lost", "at": "2026-06-20T10:00:00Z"},
                ],
            }],
        },
    })]))
    .await;
    let c = world.connector(&Setup::default());
    let outcome = drive(&world.store, &c.opportunities().unwrap(), None).await.unwrap();
    // Three objects, one page each.
    assert_eq!((outcome.pages, outcome.rejected), (3, 0));
    assert_eq!(
        world
            .column(
                &world.store,
                "SELECT stage_id || '|' || status || '|' || amount_minor || '|' || close_reason FROM deals"
            )
            .await,
        ["Closed Lost|lost|120050|Price"]
    );
    assert_eq!(
        world
            .column(
                &world.store,
                "SELECT value || '|' || deal_status FROM stage_changes WHERE kind = 'deal_stage' ORDER BY occurred_at",
            )
            .await,
        ["Prospecting|open", "Negotiation/Review|open", "Closed Lost|lost"]
    );
    assert_eq!(world.count(&world.store, "SELECT COUNT(*) FROM deal_contacts").await, 1);
}

//! Deals, when HubSpot is the CRM too: pipelines and stages, stage history with amounts, won and
//! lost with reasons, contact associations; and a stage change read incrementally.

use crate::support::*;
use closedloop_sim::generator::{GenerateSpec, generate};
use closedloop_sim::hubspot::ObjectKind;

const DEALS_ON: &str = "[streams.deals]\nenabled = true\ninterval_secs = 300";

#[tokio::test]
async fn deals_arrive_with_stage_history_amounts_and_contacts() {
    let spec = GenerateSpec::parse("contacts=120,seed=4,hubspot_crm=true,hostile=0").expect("spec");
    let rig = Rig::start(&generate(&spec)).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector(DEALS_ON, fields(), small(100, 10));
    pull(&rig.store, &hubspot.catalog()).await;
    pull(&rig.store, &hubspot.contacts()).await;
    let outcome = pull(&rig.store, &hubspot.deals()).await;
    assert_eq!(outcome.rejected, 0);

    let (count, histories, links, won): (usize, usize, usize, Vec<u64>) = rig.admin().read(|w| {
        let deals: Vec<&closedloop_sim::hubspot::record::Record> = w.deals.all_live().collect();
        let stage = w.deal_schema.id("dealstage").expect("dealstage");
        let histories = deals.iter().map(|d| d.history(stage).len()).sum();
        let links = deals
            .iter()
            .map(|d| {
                w.links
                    .get(ObjectKind::Deal, d.id, ObjectKind::Contact)
                    .iter()
                    .filter(|e| w.contacts.get(e.to).is_some())
                    .count()
            })
            .sum();
        let won = deals
            .iter()
            .filter(|d| d.value(stage) == Some("closedwon"))
            .map(|d| d.id)
            .collect();
        (deals.len(), histories, links, won)
    });
    assert!(count >= 5, "the world has deals: {count}");
    assert_eq!(scalar(&rig.store, "SELECT count(*) FROM deals").await as usize, count);
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM stage_changes WHERE kind = 'deal_stage'"
        )
        .await as usize,
        histories,
        "one stage change per entry of each deal's dealstage history"
    );
    assert_eq!(
        scalar(&rig.store, "SELECT count(*) FROM deal_contacts").await as usize,
        links
    );
    assert_eq!(
        scalar(&rig.store, "SELECT count(*) FROM deals WHERE status = 'won'").await as usize,
        won.len()
    );
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM pipeline_stages WHERE pipeline_id = 'default' AND is_closed = 1 AND is_won = 1"
        )
        .await,
        1
    );
    let lost_without_reason = scalar(
        &rig.store,
        "SELECT count(*) FROM deals WHERE status = 'lost' AND close_reason IS NULL",
    )
    .await;
    let lost = scalar(&rig.store, "SELECT count(*) FROM deals WHERE status = 'lost'").await;
    assert!(
        lost == 0 || lost_without_reason < lost,
        "lost deals carry their reasons"
    );

    // A rep moves a deal to closed won: the next incremental pull records the change.
    let open = rows(
        &rig.store,
        "SELECT id FROM deals WHERE status != 'won' ORDER BY id LIMIT 1",
    )
    .await;
    let id: u64 = open[0][0].as_deref().expect("a deal not won").parse().expect("id");
    rig.admin()
        .update_as_user(ObjectKind::Deal, id, &[("dealstage", "closedwon")])
        .expect("edit");
    pull(&rig.store, &hubspot.deals()).await;
    assert_eq!(
        rows(&rig.store, &format!("SELECT status FROM deals WHERE id = '{id}'")).await[0][0].as_deref(),
        Some("won")
    );
    assert_eq!(
        scalar(
            &rig.store,
            &format!("SELECT count(*) FROM stage_changes WHERE subject_id = '{id}' AND value = 'closedwon' AND deal_status = 'won'")
        )
        .await,
        1
    );
}

//! API calls per 1,000 contacts, counted by the simulator: a full pull, an incremental pull with
//! 1% of the contacts changed, and a push to every contact. The figures are printed (run with
//! `--nocapture`) and bounded, so a change that wastes quota fails here.

use crate::support::*;
use closedloop_core::sync::{PushIntent, PushOperation};
use closedloop_core::system::{ObjectType, System};
use closedloop_engine::push::{PushSettings, push_target};
use closedloop_hubspot::Tuning;
use closedloop_sim::hubspot::ObjectKind;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn api_calls_per_thousand_contacts() {
    let rig = Rig::start(&contacts(1000)).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector("", fields(), Tuning { ..quick() });
    let stream = hubspot.contacts();

    let start = rig.admin().stats();
    pull(&rig.store, &stream).await;
    let full: u64 = rig.calls_since(&start).values().sum();

    let ids = live_contact_ids(rig.admin());
    for id in ids.iter().step_by(100) {
        rig.admin()
            .update_as_user(ObjectKind::Contact, *id, &[("hs_lead_status", "CONNECTED")])
            .expect("edit");
    }
    let start = rig.admin().stats();
    pull(&rig.store, &stream).await;
    let incremental: u64 = rig.calls_since(&start).values().sum();

    let intents: Vec<PushIntent> = ids
        .iter()
        .map(|id| PushIntent {
            target: System::HubSpot,
            object: ObjectType::Contact,
            external_id: Some(id.to_string()),
            person_id: None,
            operation: PushOperation::Update,
            fields: [
                ("closedloop_sql_date".to_owned(), Some("1767600000000".to_owned())),
                ("hs_lead_status".to_owned(), Some("OPEN".to_owned())),
            ]
            .into(),
        })
        .collect();
    rig.store.enqueue_pushes(&intents).await.expect("enqueue");
    let settings = PushSettings {
        max_attempts: 3,
        retry_base: std::time::Duration::from_millis(1),
    };
    let start = rig.admin().stats();
    let summary = push_target(&rig.store, &hubspot.push_target(), &settings, &CancellationToken::new())
        .await
        .expect("push");
    assert_eq!(summary.written, 1000);
    let push_calls = rig.calls_since(&start);
    let push: u64 = push_calls.values().sum();
    let setup = push - push_calls["POST /crm/v3/objects/{object_type}/batch/{action}"];

    println!("api calls per 1,000 contacts (simulator, HubSpot's page sizes):");
    println!("  full pull:                   {full}");
    println!("  incremental, 1% changed:     {incremental}");
    println!("  push to every contact:       {push} ({setup} of them reading and creating properties once)");
    // 10 list pages and one search for the newest change.
    assert!(full <= 11, "full pull: {full} calls");
    // One search page holds the 10 changes and the lookback's re-reads.
    assert!(incremental <= 2, "incremental: {incremental} calls");
    // 10 batches, plus the property list, the group check and one creation.
    assert!(push <= 10 + 4, "push: {push} calls");
}

//! A run killed after any page resumes without loss or duplicates: for every page `k` of a
//! reference run, a run stopped after `k` pages and resumed by a fresh connector (empty caches,
//! as after a restart) ends with exactly the reference run's data.

use crate::support::*;
use closedloop_core::sync::PullStream;
use closedloop_hubspot::HubSpotConnector;
use closedloop_sim::generator::{GenerateSpec, generate};
use closedloop_sim::hubspot::ObjectKind;
use std::time::Duration;

/// Runs `make(connector)` to completion on `reference`; then, for every page count `k` below its
/// total, stops a run on a prepared store after `k` pages and resumes it with a new connector.
async fn killed_runs_match<S, F>(rig: &Rig, connect: &dyn Fn() -> HubSpotConnector, make: F)
where
    S: PullStream,
    F: Fn(&HubSpotConnector) -> S,
{
    let reference = rig.fresh_store(&format!("reference-{}", make(&connect()).name())).await;
    let outcome = pull(&reference, &make(&connect())).await;
    let expected = dump(&reference).await;
    assert!(outcome.pages >= 2, "too few pages to test resumption: {outcome:?}");
    for k in 1..outcome.pages {
        let store = rig.fresh_store(&format!("{}-killed-{k}", outcome.stream)).await;
        let first = pull_pages(&store, &make(&connect()), k).await;
        assert_eq!(first.pages, k);
        assert!(!first.caught_up, "stopped after {k} pages of {}", outcome.pages);
        pull(&store, &make(&connect())).await;
        assert_same(&expected, &dump(&store).await, &format!("killed after page {k}"));
    }
}

#[tokio::test]
async fn a_contacts_run_killed_after_any_page_resumes_without_loss_or_duplicates() {
    let rig = Rig::start(&contacts(120)).await;
    rig.admin().freeze_clock();
    let base = rig.sim.base_url();
    let token = rig.token.clone();
    let connect = move || {
        let config = config(&base, "");
        HubSpotConnector::with_tuning(
            &config,
            closedloop_hubspot::Credentials::PrivateApp {
                token: closedloop_core::secret::Secret::new(token.clone()),
            },
            fields(),
            small(25, 10),
        )
        .expect("connector")
    };
    // Stores for the incremental phase hold the full pull from before the changes.
    let mut later = Vec::new();
    for i in 0..24 {
        let store = rig.fresh_store(&format!("incremental-{i}")).await;
        pull(&store, &connect().contacts()).await;
        later.push(store);
    }
    let reference_full = rig.fresh_store("reference-full").await;
    pull(&reference_full, &connect().contacts()).await;

    // The full list, killed after each page.
    killed_runs_match(&rig, &connect, |c| c.contacts()).await;

    // Then changes (ties and spread times) read incrementally, killed after each page.
    let ids = live_contact_ids(rig.admin());
    for (n, id) in ids.iter().enumerate().filter(|(n, _)| n % 2 == 0) {
        if n % 6 == 0 {
            rig.admin().advance_clock(Duration::from_millis(3));
        }
        rig.admin()
            .update_as_user(ObjectKind::Contact, *id, &[("hs_lead_status", "CONNECTED")])
            .expect("edit");
    }
    let reference = reference_full;
    let outcome = pull(&reference, &connect().contacts()).await;
    let expected = dump(&reference).await;
    assert!(outcome.pages >= 6, "{outcome:?}");
    for (k, store) in (1..outcome.pages).zip(later) {
        let stopped = pull_pages(&store, &connect().contacts(), k).await;
        assert!(!stopped.caught_up);
        pull(&store, &connect().contacts()).await;
        assert_same(
            &expected,
            &dump(&store).await,
            &format!("incremental run killed after page {k}"),
        );
    }
}

#[tokio::test]
async fn engagement_runs_killed_after_any_page_resume_without_loss_or_duplicates() {
    let spec = GenerateSpec::parse("contacts=40,seed=9,hostile=0,webinars=2,campaigns=3,touches=8").expect("spec");
    let rig = Rig::start(&generate(&spec)).await;
    let base = rig.sim.base_url();
    let token = rig.token.clone();
    let connect = move || {
        let config = config(&base, "");
        HubSpotConnector::with_tuning(
            &config,
            closedloop_hubspot::Credentials::PrivateApp {
                token: closedloop_core::secret::Secret::new(token.clone()),
            },
            fields(),
            quick(),
        )
        .expect("connector")
    };
    killed_runs_match(&rig, &connect, |c| c.form_submissions()).await;
    killed_runs_match(&rig, &connect, |c| c.web_events()).await;
    killed_runs_match(&rig, &connect, |c| c.email_events()).await;
    killed_runs_match(&rig, &connect, |c| c.catalog()).await;
}

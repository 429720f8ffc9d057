//! Hostile input from the APIs: the `hostile` named scenario (invalid emails, empty and control
//! characters, unknown stages and statuses, wrong types, bad amounts, future dates, a 100 KB
//! name) and a generated world with a large `hostile=` share. Every malformed record is
//! quarantined with a reason naming what is wrong, and everyone else syncs.

use closedloop_core::sync::PullMode;
use closedloop_sim::Scenario;
use closedloop_tests::snapshot::read_only_pool;
use closedloop_tests::world::World;
use std::collections::BTreeSet;

/// What the store holds after the loop settled on a hostile world.
struct Outcome {
    /// Open quarantine entries: (stream, external id, reason, payload).
    quarantine: Vec<(String, Option<String>, String, String)>,
    /// Emails of the people reconcile formed (lower case).
    person_emails: BTreeSet<String>,
}

async fn settle(world: &World) -> (usize, Outcome) {
    let cycles = world.settle_in_process(PullMode::Incremental, 8).await.len();
    let pool = read_only_pool(&world.database()).await;
    let quarantine = sqlx::query_as(
        "SELECT stream, external_id, reason, payload FROM quarantine WHERE resolved_at IS NULL ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("read the quarantine");
    let person_emails: Vec<String> = sqlx::query_scalar("SELECT lower(email) FROM persons WHERE email IS NOT NULL")
        .fetch_all(&pool)
        .await
        .expect("read persons");
    pool.close().await;
    (
        cycles,
        Outcome {
            quarantine,
            person_emails: person_emails.into_iter().collect(),
        },
    )
}

/// Damage to values closedloop reads: the record must be quarantined. Other damage (empty
/// names, a wrong type in a field closedloop never reads) leaves a record closedloop can sync,
/// and is printed. Two categories are accepted today and printed too, pending a decision (see
/// the resilience notes): an opportunity stage the org's stage list does not define, and a
/// 100 KB string in a Salesforce text field (HubSpot's are refused above 65,536 characters).
const MUST_QUARANTINE: [&str; 10] = [
    "invalid_email",
    "control_characters",
    "unknown_lifecycle_stage",
    "unknown_lead_status",
    "bad_amount",
    "future_date",
    "bad_webinar_percentage",
    "unknown_source",
    "huge_name",
    "huge_string: last_name",
];

/// True when HubSpot merged this person into one whose record must be quarantined.
fn merged_into_quarantined(scenario: &Scenario, person: &closedloop_sim::scenario::PersonSpec) -> bool {
    let Some(survivor) = person.hubspot.as_ref().and_then(|h| h.merged_into.as_deref()) else {
        return false;
    };
    scenario.people.iter().any(|p| {
        p.key == survivor
            && p.hostile
                .as_deref()
                .is_some_and(|note| MUST_QUARANTINE.iter().any(|c| note.starts_with(c)))
    })
}

/// Checks the outcome against the scenario's notes; returns (hostile people, synced people).
fn check(scenario: &Scenario, outcome: &Outcome) -> (usize, usize) {
    for (stream, id, reason, _) in &outcome.quarantine {
        assert!(
            !reason.trim().is_empty(),
            "quarantined without a reason: {stream} {id:?}"
        );
    }
    let mut hostile = 0;
    let mut synced = 0;
    for person in &scenario.people {
        let email = person.email.trim().to_lowercase();
        match &person.hostile {
            Some(note) if !MUST_QUARANTINE.iter().any(|c| note.starts_with(c)) => {
                synced += 1;
                println!(
                    "  {} ({note}): accepted and synced (not a must-quarantine category)",
                    person.key
                );
            }
            Some(note) => {
                hostile += 1;
                // Their record is in the quarantine: its payload holds their email, or the
                // damaged value the note quotes (an opportunity's amount, a webinar's percentage).
                let quoted: Vec<&str> = note.split('"').skip(1).step_by(2).filter(|q| q.len() > 1).collect();
                let found = outcome.quarantine.iter().any(|(_, _, reason, payload)| {
                    (!email.is_empty() && payload.to_lowercase().contains(&email))
                        || quoted.iter().any(|q| payload.contains(q) || reason.contains(q))
                });
                assert!(
                    found,
                    "{} ({note}) is not quarantined; quarantine: {:#?}",
                    person.key,
                    outcome
                        .quarantine
                        .iter()
                        .map(|(s, id, r, _)| format!("{s} {id:?}: {r}"))
                        .collect::<Vec<_>>()
                );
            }
            None if merged_into_quarantined(scenario, person) => {
                // Merged in HubSpot into a record that must be quarantined: the survivor holds
                // the merged contact's history, so both are out until the survivor is fixed.
                println!(
                    "  {} <{email}>: merged into a contact that is quarantined: no person of its own until the survivor is fixed",
                    person.key
                );
            }
            None => {
                synced += 1;
                assert!(
                    outcome.person_emails.contains(&email),
                    "{} <{email}> did not sync (no person)",
                    person.key
                );
            }
        }
    }
    (hostile, synced)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_scenario_is_quarantined_with_reasons_and_the_rest_syncs() {
    let world = World::start(closedloop_sim::generator::named("hostile").expect("hostile")).await;
    world.make_fast(5);
    let (cycles, outcome) = settle(&world).await;
    let (hostile, synced) = check(&world.scenario, &outcome);
    let reasons: BTreeSet<&str> = outcome.quarantine.iter().map(|(_, _, r, _)| r.as_str()).collect();
    println!(
        "resilience/hostile (named): {cycles} cycles, {hostile} hostile people, {} quarantined inputs, {synced} others synced; reasons: {reasons:#?}",
        outcome.quarantine.len()
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_world_with_20_percent_hostile_people_quarantines_them_all() {
    let world = World::generated("contacts=120,seed=41,hostile=0.2,duplicates=0.03").await;
    world.make_fast(5);
    let (cycles, outcome) = settle(&world).await;
    let (hostile, synced) = check(&world.scenario, &outcome);
    assert!(hostile >= 10, "the generator made only {hostile} hostile people");
    println!(
        "resilience/hostile (generated): {cycles} cycles, {hostile} hostile people, {} quarantined inputs, {synced} others synced",
        outcome.quarantine.len()
    );
    world.shutdown().await;
}

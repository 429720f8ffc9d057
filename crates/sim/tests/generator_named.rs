//! The named scenarios and the example JSON files: they parse, their references resolve, and each
//! holds the cases it promises.
//!
//! Holds no state.

use closedloop_sim::generator::{NAMED, named};
use closedloop_sim::scenario::{PersonSpec, Scenario};
use std::path::Path;

fn file(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn person<'a>(s: &'a Scenario, key: &str) -> &'a PersonSpec {
    s.people
        .iter()
        .find(|p| p.key == key)
        .unwrap_or_else(|| panic!("no person {key}"))
}

#[test]
fn every_name_resolves_and_files_match_the_embedded_copies() {
    for name in NAMED {
        let s = named(name).unwrap_or_else(|| panic!("{name} does not resolve"));
        s.check_references().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!s.people.is_empty(), "{name} has people");
    }
    assert!(named("nope").is_none());
    assert!(named("Tiny").is_none(), "names are exact");
    assert_eq!(named("tiny").unwrap(), file("tiny.json"));
    let mut from_file = file("hostile.json");
    let embedded = named("hostile").unwrap();
    assert_eq!(
        embedded.people.len(),
        from_file.people.len() + 1,
        "hostile adds the huge-name person in code"
    );
    from_file.people.push(embedded.people.last().unwrap().clone());
    assert_eq!(embedded, from_file);
}

#[test]
fn every_example_file_parses_and_resolves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let s = Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            s.check_references()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 2);
}

#[test]
fn tiny_has_one_of_each_case() {
    let s = named("tiny").unwrap();
    // A lead converted into a contact with a won opportunity.
    let ava = person(&s, "ava");
    let sf = ava.salesforce.as_ref().unwrap();
    assert!(sf.leads[0].converted_at.is_some());
    assert_eq!(sf.opportunities[0].stages.last().unwrap().stage, "Closed Won");
    assert_eq!(sf.opportunities[0].amount_history.len(), 2, "the amount changed once");
    // A disqualified lead with a reason.
    let lucas = person(&s, "lucas");
    let lead = &lucas.salesforce.as_ref().unwrap().leads[0];
    assert_eq!(lead.unqualified_reason.as_deref(), Some("Student"));
    assert_eq!(lead.statuses.last().unwrap().stage, "Closed - Not Converted");
    // An MQL never followed up.
    let bjorn = person(&s, "bjorn");
    assert!(
        bjorn
            .hubspot
            .as_ref()
            .unwrap()
            .lifecycle
            .iter()
            .any(|st| st.stage == "marketingqualifiedlead")
    );
    let sf = bjorn.salesforce.as_ref().unwrap();
    assert!(sf.activities.is_empty() && sf.leads[0].statuses.len() == 1);
    // A webinar attendee with 12 of 60 minutes watched.
    let chloe = person(&s, "chloe");
    let attendance = chloe.touchpoints.iter().find_map(|t| t.attendance.as_ref()).unwrap();
    assert_eq!(
        (attendance.state.as_str(), attendance.duration_seconds),
        ("ATTENDED", Some(720))
    );
    let webinar = s.content.iter().find(|c| c.kind == "webinar").unwrap();
    assert_eq!(webinar.duration_minutes, Some(60));
    // A whitepaper downloader.
    let sophie = person(&s, "sophie");
    let downloaded = sophie
        .touchpoints
        .iter()
        .filter_map(|t| t.content.as_deref())
        .any(|c| s.content.iter().any(|x| x.key == c && x.kind == "whitepaper"));
    assert!(downloaded);
    // A merged HubSpot contact.
    let merged = person(&s, "sophie-personal").hubspot.as_ref().unwrap();
    assert_eq!(merged.merged_into.as_deref(), Some("sophie"));
    // A CRM duplicate: same email in other letter case, Salesforce only.
    let dup = person(&s, "ava-dup");
    assert_eq!(dup.email.to_lowercase(), ava.email);
    assert!(dup.hubspot.is_none() && dup.salesforce.is_some());
    assert!(s.people.iter().all(|p| p.hostile.is_none()));
}

#[test]
fn hostile_marks_what_must_be_quarantined() {
    let s = named("hostile").unwrap();
    let marked = s.people.iter().filter(|p| p.hostile.is_some()).count();
    let unmarked = s.people.len() - marked;
    assert!(
        marked >= 12 && unmarked >= 4,
        "{marked} hostile next to {unmarked} good"
    );
    assert_eq!(
        person(&s, "huge-name").last_name.as_ref().map(String::len),
        Some(100_000)
    );
    assert_eq!(person(&s, "quote-in-name").last_name.as_deref(), Some("O'Brien"));
    assert!(
        person(&s, "quote-in-name").hostile.is_none(),
        "awkward but valid names are not hostile"
    );
}

#[test]
fn demo_is_a_mid_size_generated_world() {
    let s = named("demo").unwrap();
    assert_eq!(s.name, "demo");
    assert_eq!(s.people.len(), 2000);
    assert_eq!(named("demo").unwrap(), s, "demo is deterministic");
}

//! The generator spec parser and the generator's determinism.
//!
//! Holds no state. Determinism is checked on the serialized JSON, byte for byte, because that is
//! what a user diffing two generated files would see.

use closedloop_sim::generator::{GenerateSpec, Generator, SpecError, generate};

#[test]
fn parses_every_key() {
    let spec = GenerateSpec::parse(
        "contacts=100000, seed=7, hostile=0.02, duplicates=5%, anchor=2025-12-31, months=24, hubspot_crm=true, \
         webinars=4, campaigns=20, reps=12, touches=15, sla_breach=0.2",
    )
    .unwrap();
    assert_eq!(spec.contacts, 100_000);
    assert_eq!(spec.seed, 7);
    assert!((spec.hostile - 0.02).abs() < 1e-12);
    assert!((spec.duplicates - 0.05).abs() < 1e-12);
    assert_eq!(spec.anchor.to_string(), "2025-12-31");
    assert_eq!(spec.months, 24);
    assert!(spec.hubspot_crm);
    assert_eq!(
        (spec.webinars, spec.campaigns, spec.reps, spec.touches),
        (4, 20, 12, 15)
    );
    assert!((spec.sla_breach - 0.2).abs() < 1e-12);
}

#[test]
fn missing_keys_keep_defaults_and_the_canonical_form_round_trips() {
    let spec = GenerateSpec::parse("contacts=1_000_000").unwrap();
    assert_eq!(spec.contacts, 1_000_000);
    assert_eq!(spec.seed, GenerateSpec::default().seed);
    assert_eq!(GenerateSpec::parse("").unwrap(), GenerateSpec::default());
    let text = spec.to_string();
    assert!(text.starts_with("contacts=1000000,seed=1,"), "{text}");
    assert_eq!(text.parse::<GenerateSpec>().unwrap(), spec);
    // A full timestamp is accepted as an anchor; its date is kept.
    let spec = GenerateSpec::parse("anchor=2026-06-30T12:00:00Z").unwrap();
    assert_eq!(spec.anchor.to_string(), "2026-06-30");
}

#[test]
fn rejects_bad_input_with_errors_that_name_it() {
    let cases: &[(&str, &str)] = &[
        ("contacts", "not key=value"),
        ("contact=10", "unknown generator spec key \"contact\""),
        ("contacts=10,contacts=20", "given twice"),
        ("contacts=-5", "contacts=\"-5\" is invalid"),
        ("contacts=ten", "contacts=\"ten\" is invalid"),
        ("contacts=10000001", "between 0 and 10000000"),
        ("seed=1.5", "seed=\"1.5\" is invalid"),
        ("hostile=1.5", "hostile=\"1.5\" is invalid: must be between 0 and 1"),
        ("hostile=abc", "hostile=\"abc\""),
        ("duplicates=-1%", "duplicates=\"-1%\""),
        ("anchor=2026-13-01", "anchor=\"2026-13-01\" is invalid"),
        ("anchor=1999-12-31", "the year must be between 2000 and 2100"),
        ("months=0", "months=\"0\" is invalid"),
        ("hubspot_crm=maybe", "expected true or false"),
        ("campaigns=0", "campaigns=\"0\""),
        ("reps=1", "reps=\"1\""),
        ("touches=0", "touches=\"0\""),
        ("sla_breach=NaN", "sla_breach=\"NaN\""),
    ];
    for (input, expected) in cases {
        let err = GenerateSpec::parse(input).expect_err(input);
        let message = err.to_string();
        assert!(message.contains(expected), "{input}: {message}");
        assert_eq!(message, message.trim_end_matches('.'), "no trailing period: {message}");
    }
    assert_eq!(
        GenerateSpec::parse("bogus=1"),
        Err(SpecError::UnknownKey { key: "bogus".into() })
    );
    let listed = GenerateSpec::parse("bogus=1").unwrap_err().to_string();
    assert!(
        listed.contains("contacts, seed, hostile"),
        "the error lists the known keys: {listed}"
    );
}

#[test]
fn same_spec_same_bytes() {
    for text in [
        "contacts=600,seed=7",
        "contacts=400,seed=3,hubspot_crm=true,hostile=0.05,duplicates=0.1",
    ] {
        let spec = GenerateSpec::parse(text).unwrap();
        let a = serde_json::to_string(&generate(&spec)).unwrap();
        let b = serde_json::to_string(&generate(&spec)).unwrap();
        assert!(a == b, "{text}: two runs differ");
        assert!(
            a.len() > 100_000,
            "{text}: suspiciously small world ({} bytes)",
            a.len()
        );
    }
}

#[test]
fn different_seed_different_world() {
    let a = generate(&GenerateSpec::parse("contacts=300,seed=1").unwrap());
    let b = generate(&GenerateSpec::parse("contacts=300,seed=2").unwrap());
    assert_ne!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    let same_emails = a
        .people
        .iter()
        .zip(&b.people)
        .filter(|(x, y)| x.email == y.email)
        .count();
    assert!(
        same_emails < 30,
        "{same_emails} of 300 people share an email across seeds"
    );
}

#[test]
fn streaming_yields_exactly_what_generate_returns() {
    let spec = GenerateSpec::parse("contacts=500,seed=11,duplicates=0.2").unwrap();
    let whole = generate(&spec);
    let generator = Generator::new(&spec);
    let mut streamed = generator.scenario_without_people();
    let people = generator.people();
    assert_eq!(people.len(), 500);
    streamed.people = people.collect();
    assert_eq!(streamed, whole);
}

#[test]
fn empty_world_is_valid() {
    let world = generate(&GenerateSpec::parse("contacts=0").unwrap());
    assert!(world.people.is_empty());
    assert!(!world.campaigns.is_empty() && !world.owners.is_empty());
    world.check_references().unwrap();
}

#[test]
fn edge_specs_generate_valid_worlds() {
    for text in [
        "contacts=1",
        "contacts=50,webinars=0,campaigns=1,reps=2,months=1,touches=1",
        "contacts=300,webinars=40,campaigns=60,reps=30,months=120,touches=50",
        "contacts=200,hostile=1,duplicates=1",
        "contacts=200,hostile=1,duplicates=1,hubspot_crm=true",
        "contacts=200,sla_breach=1,anchor=2000-03-01,months=2",
        "contacts=200,sla_breach=0,webinars=1",
    ] {
        let spec = GenerateSpec::parse(text).unwrap();
        let world = generate(&spec);
        assert_eq!(world.people.len(), spec.contacts, "{text}");
        world.check_references().unwrap_or_else(|e| panic!("{text}: {e}"));
        let json = serde_json::to_string(&world).unwrap();
        let back = closedloop_sim::Scenario::from_json(&json, text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(back, world, "{text}: the JSON reads back as the same world");
    }
}

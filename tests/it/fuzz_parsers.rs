//! Property-based fuzzing of the parsers at closedloop's edges: the HubSpot connector's
//! conversion of arbitrary contact and deal JSON (never a panic: records, or a reject with a
//! reason), and the config parser on arbitrary TOML text and on random mutations of the
//! annotated example config (never a panic: a config, or a `ConfigError` with a message).
//!
//! The Salesforce connector's row conversions are crate-private; their fuzz target lives in
//! `crates/salesforce/src/convert/fuzz_tests.rs`.

use closedloop_hubspot::convert::{contact, deal};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Leaf values a vendor might send where a string is expected, and worse.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,40}".prop_map(Value::String),
        // Plausible-looking values of the wrong kind: dates, emails, stages, huge or empty text.
        prop_oneof![
            Just("2026-03-02T10:00:00Z".to_owned()),
            Just("2099-12-31T23:59:59.999Z".to_owned()),
            Just("1700000000000".to_owned()),
            Just("-1".to_owned()),
            Just("not-an-email@".to_owned()),
            Just("ada@example.com".to_owned()),
            Just("marketingqualifiedlead".to_owned()),
            Just("customer".to_owned()),
            Just("".to_owned()),
            Just("x".repeat(70_000)),
            Just("\u{0}\u{1b}[31m\u{202e}".to_owned()),
            Just("12.5e400".to_owned()),
        ]
        .prop_map(Value::String),
    ]
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A CRM object shaped like HubSpot's, with arbitrary values under known and unknown names.
fn crm_object(names: Vec<String>) -> impl Strategy<Value = Value> {
    let props = prop::collection::vec((prop::sample::select(names), leaf()), 0..12);
    (
        prop_oneof![Just(json!("1001")), leaf()],
        props,
        prop::option::of(json_value()),
        prop_oneof![Just(json!("2026-03-02T10:00:00Z")), leaf()],
        prop_oneof![Just(json!("2026-04-02T10:00:00Z")), leaf()],
        prop::option::of(leaf()),
    )
        .prop_map(|(id, props, extra, created, updated, archived)| {
            let mut properties = Map::new();
            for (k, v) in props {
                properties.insert(k, v);
            }
            let mut object = Map::new();
            object.insert("id".into(), id);
            object.insert("properties".into(), Value::Object(properties));
            object.insert("createdAt".into(), created);
            object.insert("updatedAt".into(), updated);
            if let Some(a) = archived {
                object.insert("archived".into(), a);
            }
            if let Some(e) = extra {
                object.insert("associations".into(), e);
            }
            Value::Object(object)
        })
}

fn now() -> closedloop_core::Timestamp {
    chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hubspot_contact_conversion_never_panics(raw in crm_object(contact::properties(&["country".to_owned()]))) {
        match contact::convert(&raw, &["country".to_owned()], now()) {
            Ok(records) => prop_assert!(!records.records.is_empty()),
            Err(reject) => prop_assert!(!reject.reason.trim().is_empty(), "a reject without a reason"),
        }
    }

    #[test]
    fn hubspot_contact_conversion_of_any_json_never_panics(raw in json_value()) {
        if let Err(reject) = contact::convert(&raw, &[], now()) {
            prop_assert!(!reject.reason.trim().is_empty());
        }
    }

    #[test]
    fn hubspot_deal_conversion_never_panics(raw in crm_object(vec![
        "dealname".into(), "amount".into(), "dealstage".into(), "pipeline".into(), "closedate".into(),
        "createdate".into(), "hs_lastmodifieddate".into(), "deal_currency_code".into(), "hubspot_owner_id".into(),
        "closed_lost_reason".into(), "hs_is_closed_won".into(), "hs_is_closed".into(),
    ])) {
        let pipelines = deal::PipelineIndex::default();
        let contacts = [closedloop_core::HubSpotId::parse("1001").ok()].into_iter().flatten().collect::<Vec<_>>();
        if let Err(reject) = deal::convert(&raw, Some(&contacts), &pipelines, now()) {
            prop_assert!(!reject.reason.trim().is_empty());
        }
    }

    #[test]
    fn config_parser_never_panics_on_any_text(text in "(?s).{0,400}") {
        check_config(&text)?;
    }

    #[test]
    fn config_parser_never_panics_on_a_mutated_example(edits in prop::collection::vec((any::<prop::sample::Index>(), 0..5u8, mutation_token()), 1..6)) {
        let mut lines: Vec<String> = example_config().lines().map(str::to_owned).collect();
        for (at, op, token) in edits {
            let i = at.index(lines.len().max(1));
            match op {
                0 => { if !lines.is_empty() { lines.remove(i); } }
                1 => { let l = lines.get(i).cloned().unwrap_or_default(); lines.insert(i, l); }
                2 => {
                    // Replace the value of a `key = value` line.
                    if let Some(l) = lines.get_mut(i) && let Some(eq) = l.find(" = ") {
                        *l = format!("{} = {token}", &l[..eq]);
                    }
                }
                3 => lines.insert(i, token),
                _ => { if let Some(l) = lines.get_mut(i) { l.truncate(l.len() / 2); } }
            }
        }
        check_config(&lines.join("\n"))?;
    }
}

/// Values that are each valid somewhere in a config, and wrong in most places.
fn mutation_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("true".to_owned()),
        Just("\"\"".to_owned()),
        Just("\"../../etc/passwd\"".to_owned()),
        Just("{ env = \"\" }".to_owned()),
        Just("{ file = \"/nonexistent\" }".to_owned()),
        Just("[]".to_owned()),
        Just("[[reconcile.mapping]]".to_owned()),
        Just("[hubspot]".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        Just("nan".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        "[a-z_.]{1,12} = [0-9]{1,4}".prop_map(|s| s),
    ]
}

fn example_config() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(closedloop_tests::python::workspace_root().join("config/closedloop.example.toml"))
            .expect("read the example config")
    })
}

fn check_config(text: &str) -> Result<(), TestCaseError> {
    match closedloop_config::parse(text, std::path::Path::new("/tmp/fuzz/closedloop.toml")) {
        Ok(_) => Ok(()),
        Err(e) => {
            let message = e.to_string();
            prop_assert!(!message.trim().is_empty(), "an error without a message");
            Ok(())
        }
    }
}

#[test]
fn the_unmutated_example_config_parses() {
    // The mutation target itself is valid, so mutations explore near a real config.
    check_config(example_config()).expect("no panic");
    assert!(
        closedloop_config::parse(example_config(), std::path::Path::new("/tmp/closedloop.toml")).is_ok(),
        "the example config does not parse"
    );
}

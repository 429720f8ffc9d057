//! Property-based fuzzing of the row conversions: any row the API could send — the selected
//! fields with values of any JSON type, plausible-looking wrong values, huge and control-character
//! strings, missing fields — converts to records or to a rejection with a reason, and never panics.
//!
//! Holds no state. The HubSpot connector's and the config's fuzz targets are in
//! `tests/it/fuzz_parsers.rs`.

use super::test_support::{ctx, settings};
use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Values a field might hold, of every JSON type, and wrong-but-plausible text.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,30}".prop_map(Value::String),
        prop::sample::select(vec![
            "00Q5g0000100003EAA",
            "0055g0000100006AAA",
            "not-an-id",
            "2026-03-02T10:00:00.000+0000",
            "2099-01-01T00:00:00.000+0000",
            "2026-13-45",
            "eve@@example.com",
            "ada@example.com",
            "Open - Not Contacted",
            "Closed Won",
            "12,5",
            "1e400",
            "",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        Just(Value::String("x".repeat(70_000))),
        Just(json!({"attributes": {"type": "User"}, "Name": ["nested"]})),
        Just(json!([1, 2])),
    ]
}

/// A row with a random subset of `fields`, each with a random value, plus a stray field.
fn row(fields: Vec<String>) -> impl Strategy<Value = Row> {
    prop::collection::vec((prop::sample::select(fields), value()), 0..16).prop_map(|pairs| {
        let mut row = Row::new();
        row.insert("attributes".into(), json!({"type": "Lead"}));
        for (k, v) in pairs {
            row.insert(k, v);
        }
        row
    })
}

fn names(select: Vec<ApiName>) -> Vec<String> {
    select.iter().map(|n| n.as_str().to_owned()).collect()
}

fn check(result: Result<Converted, String>) -> Result<(), TestCaseError> {
    if let Err(reason) = result {
        prop_assert!(!reason.trim().is_empty(), "a rejection without a reason");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn lead_rows_never_panic(r in row(names(person::lead_select(&ctx(&settings()))))) {
        let s = settings();
        check(person::lead(&ctx(&s), &r))?;
    }

    #[test]
    fn contact_rows_never_panic(r in row(names(person::contact_select(&ctx(&settings()))))) {
        let s = settings();
        check(person::contact(&ctx(&s), &r))?;
    }

    #[test]
    fn opportunity_rows_never_panic(r in row(names(deal::opportunity_select(&ctx(&settings()), true)))) {
        let s = settings();
        check(deal::opportunity(&ctx(&s), &r, &mut deal::StageFlags::default()))?;
    }

    #[test]
    fn activity_rows_never_panic(r in row(names(activity::task_select())), event in any::<bool>()) {
        let s = settings();
        check(activity::activity(&ctx(&s), &r, if event { "Event" } else { "Task" }))?;
    }

    #[test]
    fn campaign_and_member_rows_never_panic(
        c in row(names(campaign::campaign_select())),
        m in row(names(campaign::member_select())),
    ) {
        let s = settings();
        check(campaign::campaign(&ctx(&s), &c))?;
        check(campaign::member(&ctx(&s), &m))?;
    }

    #[test]
    fn contact_role_rows_never_panic(r in row(names(deal::contact_role_select()))) {
        check(deal::contact_role(&r))?;
    }
}

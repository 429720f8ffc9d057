//! The named example scenarios, embedded so the binary is self-contained: `tiny`, `hostile` and
//! `demo`.
//!
//! Holds no state. `tiny` and `hostile` are the hand-written files in `crates/sim/scenarios/`;
//! `hostile` also gets, in code, a person with a 100 KB name (too big to keep in the file).
//! `demo` is a generated mid-size world (`contacts=2000,seed=42`).

use super::hostile::HUGE_BYTES;
use super::{GenerateSpec, generate};
use crate::scenario::{HubSpotContactSpec, PersonSpec, Scenario, StageAt};
use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;

/// The names [`named`] resolves.
pub const NAMED: [&str; 3] = ["tiny", "hostile", "demo"];

const TINY: &str = include_str!("../../scenarios/tiny.json");
const HOSTILE: &str = include_str!("../../scenarios/hostile.json");

/// The spec of the `demo` world.
const DEMO_SPEC: &str = "contacts=2000,seed=42";

/// The scenario called `name`, or `None` for a name that is not one of [`NAMED`].
///
/// # Panics
/// If an embedded scenario file does not parse, which the crate's tests rule out.
pub fn named(name: &str) -> Option<Scenario> {
    match name {
        "tiny" => Some(embedded(TINY, "scenarios/tiny.json")),
        "hostile" => {
            let mut s = embedded(HOSTILE, "scenarios/hostile.json");
            s.people.push(huge_name_person());
            Some(s)
        }
        "demo" => {
            let spec = GenerateSpec::parse(DEMO_SPEC).unwrap_or_default();
            let mut s = generate(&spec);
            s.name = "demo".to_owned();
            s.description = Some(format!(
                "a generated mid-size world for demos and trying a config ({})",
                s.description.unwrap_or_default()
            ));
            Some(s)
        }
        _ => None,
    }
}

/// Parses an embedded scenario.
fn embedded(text: &str, path: &str) -> Scenario {
    match Scenario::from_json(text, path) {
        Ok(s) => s,
        Err(e) => panic!("embedded scenario is invalid: {e}"),
    }
}

/// A HubSpot contact whose last name is 100 KB long.
fn huge_name_person() -> PersonSpec {
    let created = Utc
        .with_ymd_and_hms(2026, 3, 14, 9, 26, 53)
        .single()
        .unwrap_or_default();
    let mut last = String::with_capacity(HUGE_BYTES);
    while last.len() < HUGE_BYTES {
        last.push_str("Wolfeschlegelsteinhausenbergerdorff");
    }
    last.truncate(HUGE_BYTES);
    PersonSpec {
        key: "huge-name".to_owned(),
        email: "hubert.huge@example-corp.com".to_owned(),
        first_name: Some("Hubert".to_owned()),
        last_name: Some(last),
        company: Some("Example Corp".to_owned()),
        country: Some("Germany".to_owned()),
        hubspot: Some(HubSpotContactSpec {
            created_at: created,
            lifecycle: vec![StageAt {
                stage: "subscriber".to_owned(),
                at: created,
            }],
            lead_status: None,
            source: Some("DIRECT_TRAFFIC".to_owned()),
            source_data_1: None,
            source_data_2: None,
            latest_source: Some("DIRECT_TRAFFIC".to_owned()),
            owner: None,
            archived_at: None,
            merged_into: None,
            merged_at: None,
            properties: BTreeMap::new(),
        }),
        hostile: Some(format!("huge_string: last_name of {HUGE_BYTES} bytes")),
        ..PersonSpec::default()
    }
}

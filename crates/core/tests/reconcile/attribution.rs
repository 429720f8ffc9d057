//! Every attribution model on hand-computed examples, the documented edge cases, and the
//! sum-to-one and to-the-cent properties.

use crate::support::*;
use closedloop_core::Timestamp;
use closedloop_core::attribution::{
    AttrTouch, ConversionKind, ConversionResult, ModelName, Unattributed, attribute_deal, attribute_person,
    eligible_touches,
};
use closedloop_core::rules::{AttributionRules, CustomWeights, StageRules};
use closedloop_core::stage::{DealStatus, LifecycleStage};
use closedloop_core::timeline::{MilestoneKind, PersonFacts, Timeline, derive_milestones};
use closedloop_core::touchpoint::TouchpointKind;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn all_models() -> AttributionRules {
    let mut rules = AttributionRules::default();
    rules.models.push(ModelName::Custom);
    rules.custom = Some(CustomWeights {
        first_touch_pct: 10.0,
        lead_creation_pct: 20.0,
        opportunity_creation_pct: 30.0,
        closing_pct: 40.0,
        middle_pct: 0.0,
    });
    rules
}

fn touches(days: &[i64]) -> Vec<AttrTouch> {
    days.iter()
        .enumerate()
        .map(|(index, &d)| AttrTouch { at: day(d, 0), index })
        .collect()
}

/// (touch index, ppm, cents) for one model of one conversion.
fn credits(result: &ConversionResult, model: ModelName) -> Vec<(usize, u32, Option<i64>)> {
    let m = result.models.iter().find(|m| m.model == model).expect("model ran");
    m.credits.iter().map(|c| (c.touch, c.ppm, c.amount_minor)).collect()
}

/// Touches T0..T4 on days 1, 3, 5, 7, 9; the lead on day 5 (T2 created it); the deal created on
/// day 8 (T3 is the last touch before it); won on day 10 for $1,000.01.
fn five_touch_revenue(rules: &AttributionRules) -> (ConversionResult, ConversionResult) {
    let d = deal(1, &hs_key(101), day(8, 0), DealStatus::Won, Some(100_001));
    let out = attribute_deal(rules, &d, Some(day(10, 0)), Some(day(5, 0)), &touches(&[1, 3, 5, 7, 9]));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].conversion.kind, ConversionKind::Pipeline);
    assert_eq!(out[1].conversion.kind, ConversionKind::Revenue);
    (out[0].clone(), out[1].clone())
}

#[test]
fn single_position_models() {
    let (_, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::FirstTouch),
        [(0, 1_000_000, Some(100_001))]
    );
    assert_eq!(credits(&revenue, ModelName::LastTouch), [(4, 1_000_000, Some(100_001))]);
    assert_eq!(
        credits(&revenue, ModelName::LeadCreation),
        [(2, 1_000_000, Some(100_001))]
    );
}

#[test]
fn linear() {
    // 1/5 each = 200,000 ppm. Cents: 100,001 / 5 = 20,000.2 each; one cent left over, all
    // remainders equal, so the earliest touch takes it.
    let (_, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::Linear),
        [
            (0, 200_000, Some(20_001)),
            (1, 200_000, Some(20_000)),
            (2, 200_000, Some(20_000)),
            (3, 200_000, Some(20_000)),
            (4, 200_000, Some(20_000))
        ]
    );
}

#[test]
fn time_decay() {
    // Half-life 2 days, touches 4, 2 and 0 days before the conversion: weights 1/4, 1/2, 1, so
    // shares 1/7, 2/7, 4/7 = 142,857.14, 285,714.29, 571,428.57 ppm. Floors sum to 999,999; the
    // largest remainder (.57) takes the last unit: 142,857, 285,714, 571,429.
    // Cents of $1.00: 14.29, 28.57, 57.14 -> 14, 28, 57 = 99; largest remainder .57 -> 14, 29, 57.
    let rules = AttributionRules {
        time_decay_half_life_days: 2.0,
        ..AttributionRules::default()
    };
    let d = deal(1, &hs_key(101), day(0, 0), DealStatus::Won, Some(100));
    let out = attribute_deal(&rules, &d, Some(day(10, 0)), None, &touches(&[6, 8, 10]));
    assert_eq!(
        credits(&out[1], ModelName::TimeDecay),
        [(0, 142_857, Some(14)), (1, 285_714, Some(29)), (2, 571_429, Some(57))]
    );
}

#[test]
fn u_shaped() {
    // 40% first (T0), 40% lead creation (T2), 20% to T1 between them; T3 and T4 come after the
    // lead-creation touch and earn nothing. Cents: 40,000.4 / 20,000.2 / 40,000.4 -> one cent
    // left, remainders .4 / .2 / .4, tie to the earlier: T0.
    let (_, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::UShaped),
        [
            (0, 400_000, Some(40_001)),
            (1, 200_000, Some(20_000)),
            (2, 400_000, Some(40_000))
        ]
    );
}

#[test]
fn w_shaped() {
    // 30% first (T0), lead creation (T2), opportunity creation (T3); 10% to T1 between; T4 after
    // the last position earns nothing. Cents: 30,000.3 x3 + 10,000.1 -> one cent to T0.
    let (_, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::WShaped),
        [
            (0, 300_000, Some(30_001)),
            (1, 100_000, Some(10_000)),
            (2, 300_000, Some(30_000)),
            (3, 300_000, Some(30_000))
        ]
    );
}

#[test]
fn full_path() {
    // 22.5% to T0, T2, T3 and the closing touch T4; 10% to T1. Cents: 22,500.225 x4 + 10,000.1
    // -> floors 100,000, one cent left, the largest remainders (.225) tie: T0.
    let (pipeline, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::FullPath),
        [
            (0, 225_000, Some(22_501)),
            (1, 100_000, Some(10_000)),
            (2, 225_000, Some(22_500)),
            (3, 225_000, Some(22_500)),
            (4, 225_000, Some(22_500))
        ]
    );
    // Pipeline at the deal's creation (day 8): T3 is both opportunity creation and closing, and
    // earns both weights: 45%. Cents: 22,500.225 / 10,000.1 / 22,500.225 / 45,000.45 -> floors
    // 100,000, one cent left, the largest remainder (.45) is T3's.
    assert_eq!(
        credits(&pipeline, ModelName::FullPath),
        [
            (0, 225_000, Some(22_500)),
            (1, 100_000, Some(10_000)),
            (2, 225_000, Some(22_500)),
            (3, 450_000, Some(45_001))
        ]
    );
}

#[test]
fn custom_position_weights() {
    // 10 / 20 / 30 / 40 on first, lead creation, opportunity creation, closing; no middle, so T1
    // earns nothing. Cents: 10,000.1 / 20,000.2 / 30,000.3 / 40,000.4 -> one cent to T4 (.4).
    let (_, revenue) = five_touch_revenue(&all_models());
    assert_eq!(
        credits(&revenue, ModelName::Custom),
        [
            (0, 100_000, Some(10_000)),
            (2, 200_000, Some(20_000)),
            (3, 300_000, Some(30_000)),
            (4, 400_000, Some(40_001))
        ]
    );
}

#[test]
fn a_single_touch_earns_everything_under_every_model() {
    let rules = all_models();
    let d = deal(1, &hs_key(101), day(3, 0), DealStatus::Won, Some(999));
    let out = attribute_deal(&rules, &d, Some(day(4, 0)), Some(day(2, 0)), &touches(&[1]));
    for m in &out[1].models {
        assert_eq!(m.credits.len(), 1, "{}", m.model);
        assert_eq!(
            (m.credits[0].ppm, m.credits[0].amount_minor),
            (1_000_000, Some(999)),
            "{}",
            m.model
        );
    }
}

#[test]
fn missing_positions_drop_out_and_the_rest_scale_up() {
    let rules = all_models();
    // U-shaped with two touches, the second creating the lead: 40/40 scaled to 50/50.
    let d = deal(1, &hs_key(101), day(9, 0), DealStatus::Open, Some(10));
    let out = attribute_deal(&rules, &d, None, Some(day(2, 0)), &touches(&[1, 2]));
    assert_eq!(
        credits(&out[0], ModelName::UShaped),
        [(0, 500_000, Some(5)), (1, 500_000, Some(5))]
    );

    // No lead milestone: the lead-creation model credits nothing and says why; U-shaped falls
    // back to its first touch.
    let out = attribute_deal(&rules, &d, None, None, &touches(&[1, 2]));
    let lc = out[0]
        .models
        .iter()
        .find(|m| m.model == ModelName::LeadCreation)
        .unwrap();
    assert!(lc.credits.is_empty());
    assert_eq!(lc.unattributed, Some(Unattributed::NoWeightedPosition));
    assert_eq!(credits(&out[0], ModelName::UShaped), [(0, 1_000_000, Some(10))]);
}

#[test]
fn w_shaped_before_any_opportunity_is_three_sevenths_one_seventh_three_sevenths() {
    // MQL conversion: touches on days 1, 2, 3; lead created on day 3 (T2). No opportunity yet, so
    // 30 / 10 / 30 scale to 3/7, 1/7, 3/7 = 428,571.43 / 142,857.14 / 428,571.43 ppm; floors
    // 999,999, the tie of the two .43 remainders goes to T0.
    let mut hs = hs_contact(101, Some("a@example.com"), day(3, 0));
    hs.lifecycle_dates = BTreeMap::from([
        (LifecycleStage::Lead, day(3, 0)),
        (LifecycleStage::MarketingQualifiedLead, day(4, 0)),
    ]);
    let facts = PersonFacts {
        touchpoints: [1, 2, 3]
            .iter()
            .map(|&d| {
                touch(
                    &hs_key(101),
                    &format!("t{d}"),
                    TouchpointKind::FormSubmission,
                    day(d, 0),
                )
            })
            .collect(),
        marketing_contacts: vec![hs],
        ..PersonFacts::default()
    };
    let m = derive_milestones(&facts, &Timeline::build(&facts), &StageRules::default(), day(50, 0));
    let rules = AttributionRules {
        milestones: vec![MilestoneKind::Mql],
        ..all_models()
    };
    let out = attribute_person(&rules, &eligible_touches(&rules, &facts.touchpoints), &m);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].conversion.kind, ConversionKind::Milestone(MilestoneKind::Mql));
    assert_eq!(
        credits(&out[0], ModelName::WShaped),
        [(0, 428_572, None), (1, 142_857, None), (2, 428_571, None)]
    );
}

#[test]
fn no_touches_means_unattributed_and_the_conversion_is_still_reported() {
    let rules = all_models();
    let d = deal(1, &hs_key(101), day(9, 0), DealStatus::Won, Some(10));
    let out = attribute_deal(&rules, &d, Some(day(10, 0)), None, &[]);
    assert_eq!(out.len(), 2);
    for m in out.iter().flat_map(|r| r.models.iter()) {
        assert!(m.credits.is_empty());
        assert_eq!(m.unattributed, Some(Unattributed::NoTouches));
    }
}

#[test]
fn only_touches_of_counted_kinds_within_the_lookback_and_before_the_conversion_count() {
    let rules = AttributionRules {
        lookback_days: 30,
        ..AttributionRules::default()
    };
    let subject = hs_key(101);
    let tps = vec![
        touch(&subject, "old", TouchpointKind::FormSubmission, day(0, 0)), // 40 days before: out of the window
        touch(&subject, "view", TouchpointKind::PageView, day(35, 0)),     // page views do not count
        touch(&subject, "form", TouchpointKind::FormSubmission, day(36, 0)),
        touch(&subject, "late", TouchpointKind::EmailClick, day(41, 0)), // after the conversion
    ];
    let eligible = eligible_touches(&rules, &tps);
    assert_eq!(eligible.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 2, 3]);
    let d = deal(1, &subject, day(40, 0), DealStatus::Open, Some(10));
    let out = attribute_deal(&rules, &d, None, None, &eligible);
    assert_eq!(credits(&out[0], ModelName::Linear), [(2, 1_000_000, Some(10))]);
}

#[test]
fn a_credit_note_splits_negative() {
    let d = deal(1, &hs_key(101), day(9, 0), DealStatus::Won, Some(-100));
    let out = attribute_deal(&AttributionRules::default(), &d, None, None, &touches(&[1, 2, 3]));
    assert_eq!(
        credits(&out[0], ModelName::Linear),
        [
            (0, 333_334, Some(-34)),
            (1, 333_333, Some(-33)),
            (2, 333_333, Some(-33))
        ]
    );
}

fn arb_custom() -> impl Strategy<Value = CustomWeights> {
    (0u32..=100, 0u32..=100, 0u32..=100, 0u32..=100).prop_map(|(a, b, c, d)| {
        // Four cut points of 0..=100 make five parts that sum to 100.
        let mut cuts = [a, b, c, d];
        cuts.sort();
        let parts = [
            cuts[0],
            cuts[1] - cuts[0],
            cuts[2] - cuts[1],
            cuts[3] - cuts[2],
            100 - cuts[3],
        ];
        CustomWeights {
            first_touch_pct: f64::from(parts[0]),
            lead_creation_pct: f64::from(parts[1]),
            opportunity_creation_pct: f64::from(parts[2]),
            closing_pct: f64::from(parts[3]),
            middle_pct: f64::from(parts[4]),
        }
    })
}

fn minutes(m: i64) -> Timestamp {
    day(0, 0) + chrono::Duration::minutes(m)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn every_model_sums_to_one_and_to_the_cent(
        mut times in prop::collection::vec(0i64..600_000, 0..40),
        lead in prop::option::of(0i64..600_000),
        opp in 0i64..600_000,
        won in prop::option::of(0i64..700_000),
        amount in -10_000_000_000_000i64..10_000_000_000_000,
        custom in arb_custom(),
        half_life in 0.01f64..400.0,
        lookback in 1u32..500,
    ) {
        times.sort();
        let t: Vec<AttrTouch> = times.iter().enumerate().map(|(index, &m)| AttrTouch { at: minutes(m), index }).collect();
        let mut rules = all_models();
        rules.custom = Some(custom);
        rules.time_decay_half_life_days = half_life;
        rules.lookback_days = lookback;
        let d = deal(1, &hs_key(101), minutes(opp), DealStatus::Won, Some(amount));
        let out = attribute_deal(&rules, &d, won.map(minutes), lead.map(minutes), &t);
        for result in &out {
            let window_start = result.conversion.at - chrono::Duration::days(i64::from(lookback));
            for m in &result.models {
                if m.credits.is_empty() {
                    prop_assert!(m.unattributed.is_some());
                    continue;
                }
                prop_assert!(m.unattributed.is_none());
                let ppm: u64 = m.credits.iter().map(|c| u64::from(c.ppm)).sum();
                prop_assert_eq!(ppm, 1_000_000, "{} ppm", m.model);
                let cents: i64 = m.credits.iter().map(|c| c.amount_minor.unwrap()).sum();
                prop_assert_eq!(cents, amount, "{} cents", m.model);
                for c in &m.credits {
                    let at = t[c.touch].at;
                    prop_assert!(at <= result.conversion.at && at >= window_start);
                }
            }
        }
    }
}

//! Running the models over one person's (or one deal's) touches: which touches are eligible, the
//! window of each conversion, and the credits per touch.
//!
//! Holds no state. Touches are given once, sorted, as [`AttrTouch`] (time and the caller's index),
//! so each conversion finds its window by binary search and no touch is copied.

use super::distribute::distribute;
use super::model::{Model, ModelName, Positions, raw_weights};
use crate::Timestamp;
use crate::deal::Deal;
use crate::ids::ExternalId;
use crate::money::Money;
use crate::rules::AttributionRules;
use crate::timeline::{MilestoneKind, Milestones, PersonFacts};
use crate::touchpoint::Touchpoint;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// One touch as attribution sees it: when, and the caller's index for it (into
/// [`PersonFacts::touchpoints`] for [`eligible_touches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AttrTouch {
    /// When it happened.
    pub at: Timestamp,
    /// The caller's index of the touch.
    pub index: usize,
}

/// The moments that place a conversion's positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchors {
    /// The conversion.
    pub at: Timestamp,
    /// The lead milestone, for the lead-creation position.
    pub lead_at: Option<Timestamp>,
    /// The opportunity milestone (or the deal's creation), for the opportunity-creation position.
    pub opportunity_at: Option<Timestamp>,
}

/// What was converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "milestone", rename_all = "snake_case")]
pub enum ConversionKind {
    /// A person reached a funnel milestone.
    Milestone(MilestoneKind),
    /// A deal was created: its amount is pipeline.
    Pipeline,
    /// A deal was won: its amount is revenue.
    Revenue,
}

/// One conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// What was converted.
    pub kind: ConversionKind,
    /// When.
    pub at: Timestamp,
    /// The deal, for pipeline and revenue.
    pub deal: Option<ExternalId>,
    /// The amount split, for pipeline and revenue.
    pub amount: Option<Money>,
}

/// One touch's share of one conversion under one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TouchCredit {
    /// The caller's index of the touch.
    pub touch: usize,
    /// Parts per million of the conversion.
    pub ppm: u32,
    /// Its share of the amount in cents, for pipeline and revenue.
    pub amount_minor: Option<i64>,
}

/// Why a conversion earned no credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unattributed {
    /// No eligible touch in the window.
    NoTouches,
    /// Touches exist, but none holds a position the model weighs (lead-creation model without a
    /// lead milestone in the window).
    NoWeightedPosition,
}

/// One model's credits for one conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCredit {
    /// The model.
    pub model: ModelName,
    /// Touches with a share, oldest first; `ppm` sums to 1,000,000 and `amount_minor` to the amount.
    pub credits: Vec<TouchCredit>,
    /// Set when `credits` is empty.
    pub unattributed: Option<Unattributed>,
}

/// Every model's credits for one conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionResult {
    /// The conversion.
    pub conversion: Conversion,
    /// One entry per configured model, in config order.
    pub models: Vec<ModelCredit>,
}

/// The touches of the configured kinds, sorted by time (ties by index), indexing `touchpoints`.
pub fn eligible_touches(rules: &AttributionRules, touchpoints: &[Touchpoint]) -> Vec<AttrTouch> {
    let mut out: Vec<AttrTouch> = touchpoints
        .iter()
        .enumerate()
        .filter(|(_, t)| rules.touch_kinds.contains(&t.kind))
        .map(|(index, t)| AttrTouch {
            at: t.occurred_at,
            index,
        })
        .collect();
    out.sort_unstable();
    out
}

/// Credits each configured milestone the person reached.
pub fn attribute_person(
    rules: &AttributionRules,
    touches: &[AttrTouch],
    milestones: &Milestones,
) -> Vec<ConversionResult> {
    let models = models(rules);
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(rules.milestones.len());
    for &kind in &rules.milestones {
        let Some(m) = milestones.get(kind) else { continue };
        let anchors = Anchors {
            at: m.at,
            lead_at: milestones.at(MilestoneKind::Lead),
            opportunity_at: milestones.at(MilestoneKind::Opportunity),
        };
        let conversion = Conversion {
            kind: ConversionKind::Milestone(kind),
            at: m.at,
            deal: None,
            amount: None,
        };
        out.push(run(rules, &models, touches, anchors, conversion, &mut scratch));
    }
    out
}

/// Credits one deal's pipeline (at its creation) and revenue (at `won_at`) to `touches`: the
/// touches of every person on the deal, merged and sorted. `lead_at` is the earliest lead
/// milestone among them. Deals without an amount, or deleted, are skipped.
pub fn attribute_deal(
    rules: &AttributionRules,
    deal: &Deal,
    won_at: Option<Timestamp>,
    lead_at: Option<Timestamp>,
    touches: &[AttrTouch],
) -> Vec<ConversionResult> {
    let mut out = Vec::new();
    let Some(amount) = deal.amount.filter(|_| !deal.deleted) else {
        return out;
    };
    let models = models(rules);
    let mut scratch = Scratch::default();
    let anchors = |at| Anchors {
        at,
        lead_at,
        opportunity_at: Some(deal.created_at),
    };
    let conversion = |kind, at| Conversion {
        kind,
        at,
        deal: Some(deal.id.clone()),
        amount: Some(amount),
    };
    if rules.pipeline {
        let at = deal.created_at;
        out.push(run(
            rules,
            &models,
            touches,
            anchors(at),
            conversion(ConversionKind::Pipeline, at),
            &mut scratch,
        ));
    }
    if let Some(at) = won_at.filter(|_| rules.revenue) {
        out.push(run(
            rules,
            &models,
            touches,
            anchors(at),
            conversion(ConversionKind::Revenue, at),
            &mut scratch,
        ));
    }
    out
}

/// Credits every live deal in `facts` to this person's touches alone. For a deal shared by several
/// people, call [`attribute_deal`] once with all their touches instead.
pub fn attribute_deals(
    rules: &AttributionRules,
    facts: &PersonFacts,
    touches: &[AttrTouch],
    milestones: &Milestones,
) -> Vec<ConversionResult> {
    let lead_at = milestones.at(MilestoneKind::Lead);
    milestones
        .deals
        .iter()
        .filter_map(|outcome| {
            facts
                .deals
                .iter()
                .find(|d| d.id == outcome.deal && !d.deleted)
                .map(|d| (d, outcome))
        })
        .flat_map(|(deal, outcome)| attribute_deal(rules, deal, outcome.won_at, lead_at, touches))
        .collect()
}

fn models(rules: &AttributionRules) -> Vec<(ModelName, Model)> {
    let custom = rules.custom_weights();
    rules
        .models
        .iter()
        .filter_map(|&name| Model::from_name(name, rules.time_decay_half_life_days, custom).map(|m| (name, m)))
        .collect()
}

#[derive(Default)]
struct Scratch {
    ages: Vec<i64>,
    weights: Vec<u64>,
}

fn run(
    rules: &AttributionRules,
    models: &[(ModelName, Model)],
    touches: &[AttrTouch],
    anchors: Anchors,
    conversion: Conversion,
    scratch: &mut Scratch,
) -> ConversionResult {
    let start = anchors.at - Duration::days(i64::from(rules.lookback_days));
    let lo = touches.partition_point(|t| t.at < start);
    let hi = touches.partition_point(|t| t.at <= anchors.at);
    let window = &touches[lo..hi.max(lo)];
    // A position exists only when its milestone falls in the window, at or before the conversion.
    let position_at = |anchor: Option<Timestamp>| {
        anchor
            .filter(|&a| a <= anchors.at)
            .and_then(|a| window.partition_point(|t| t.at <= a).checked_sub(1))
    };
    let positions = Positions {
        lead_creation: position_at(anchors.lead_at),
        opportunity_creation: position_at(anchors.opportunity_at),
    };
    scratch.ages.clear();
    scratch
        .ages
        .extend(window.iter().map(|t| (anchors.at - t.at).num_seconds()));

    let amount = conversion.amount.map(|m| m.minor);
    let models = models
        .iter()
        .map(|&(name, model)| {
            if window.is_empty() {
                return ModelCredit {
                    model: name,
                    credits: Vec::new(),
                    unattributed: Some(Unattributed::NoTouches),
                };
            }
            let weighted = raw_weights(&model, &scratch.ages, positions, &mut scratch.weights);
            let shares = weighted.then(|| distribute(1_000_000, &scratch.weights)).flatten();
            let amounts = amount.and_then(|a| distribute(a, &scratch.weights));
            match shares {
                Some(ppm) => {
                    let credits = window
                        .iter()
                        .enumerate()
                        .filter(|&(i, _)| scratch.weights[i] > 0)
                        .map(|(i, t)| TouchCredit {
                            touch: t.index,
                            // Each share is at most 1,000,000.
                            ppm: ppm[i] as u32,
                            amount_minor: amounts.as_ref().map(|a| a[i]),
                        })
                        .collect();
                    ModelCredit {
                        model: name,
                        credits,
                        unattributed: None,
                    }
                }
                None => ModelCredit {
                    model: name,
                    credits: Vec::new(),
                    unattributed: Some(Unattributed::NoWeightedPosition),
                },
            }
        })
        .collect();
    ConversionResult { conversion, models }
}

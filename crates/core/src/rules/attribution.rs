//! Attribution rules: which models run, over which touches, within which window.
//!
//! Holds no state.

use super::RulesError;
use crate::attribution::{ModelName, PositionWeights};
use crate::timeline::MilestoneKind;
use crate::touchpoint::TouchpointKind;
use serde::{Deserialize, Serialize};

/// Which attribution models run, for which conversions, over which touches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionRules {
    /// The models computed for every conversion. All built-in models by default; add `custom`
    /// together with `[reconcile.attribution.custom]`.
    pub models: Vec<ModelName>,
    /// The person milestones credited to touches.
    pub milestones: Vec<MilestoneKind>,
    /// Credit each deal's amount at its creation (pipeline) to touches.
    pub pipeline: bool,
    /// Credit each won deal's amount at the win (revenue) to touches.
    pub revenue: bool,
    /// Only touches this many days before a conversion count (B2B cycles are long: a year).
    pub lookback_days: u32,
    /// Touch kinds that can earn credit. Page views and email opens are left out by default:
    /// they are weak signals and would drown the touches that matter.
    pub touch_kinds: Vec<TouchpointKind>,
    /// Time-decay half-life in days: a touch this long before the conversion weighs half as much
    /// as one at the conversion (7 days, as HubSpot and Marketo Measure use).
    pub time_decay_half_life_days: f64,
    /// Position weights of the `custom` model, in percent.
    pub custom: Option<CustomWeights>,
}

impl Default for AttributionRules {
    fn default() -> Self {
        AttributionRules {
            models: ModelName::BUILT_IN.to_vec(),
            milestones: MilestoneKind::FUNNEL.to_vec(),
            pipeline: true,
            revenue: true,
            lookback_days: 365,
            touch_kinds: TouchpointKind::ALL
                .into_iter()
                .filter(|k| !matches!(k, TouchpointKind::PageView | TouchpointKind::EmailOpen))
                .collect(),
            time_decay_half_life_days: 7.0,
            custom: None,
        }
    }
}

impl AttributionRules {
    pub(super) fn validate(&self, errors: &mut Vec<RulesError>) {
        if self.lookback_days == 0 {
            errors.push(RulesError::NotPositive {
                path: "reconcile.attribution.lookback_days",
            });
        }
        if !(self.time_decay_half_life_days.is_finite() && self.time_decay_half_life_days > 0.0) {
            errors.push(RulesError::NotPositive {
                path: "reconcile.attribution.time_decay_half_life_days",
            });
        }
        match &self.custom {
            Some(custom) => {
                if let Err(e) = custom.to_weights() {
                    errors.push(e);
                }
            }
            None if self.models.contains(&ModelName::Custom) => errors.push(RulesError::CustomMissing),
            None => {}
        }
    }

    /// The custom model's weights, when configured and valid.
    pub fn custom_weights(&self) -> Option<PositionWeights> {
        self.custom.as_ref().and_then(|c| c.to_weights().ok())
    }
}

/// Position weights in percent for the `custom` model; unlisted positions weigh 0. Must sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomWeights {
    /// The first touch in the window.
    #[serde(default)]
    pub first_touch_pct: f64,
    /// The last touch at or before the lead milestone.
    #[serde(default)]
    pub lead_creation_pct: f64,
    /// The last touch at or before the opportunity milestone.
    #[serde(default)]
    pub opportunity_creation_pct: f64,
    /// The last touch at or before the conversion.
    #[serde(default)]
    pub closing_pct: f64,
    /// Shared equally by the touches between the first and the last weighted position.
    #[serde(default)]
    pub middle_pct: f64,
}

impl CustomWeights {
    /// The weights in parts per million, checked to be percentages that sum to 100.
    pub fn to_weights(&self) -> Result<PositionWeights, RulesError> {
        let parts = [
            ("first_touch_pct", self.first_touch_pct),
            ("lead_creation_pct", self.lead_creation_pct),
            ("opportunity_creation_pct", self.opportunity_creation_pct),
            ("closing_pct", self.closing_pct),
            ("middle_pct", self.middle_pct),
        ];
        for (field, value) in parts {
            if !(value.is_finite() && (0.0..=100.0).contains(&value)) {
                return Err(RulesError::WeightRange { field, value });
            }
        }
        let sum_pct: f64 = parts.iter().map(|(_, v)| v).sum();
        if (sum_pct - 100.0).abs() > 1e-6 {
            return Err(RulesError::WeightsSum { sum_pct });
        }
        // Percent to parts per million; rounding happens per weight, and the attribution's
        // largest-remainder step makes credits sum to exactly one million regardless.
        let ppm = |pct: f64| (pct * 10_000.0).round() as u32;
        Ok(PositionWeights {
            first_touch: ppm(self.first_touch_pct),
            lead_creation: ppm(self.lead_creation_pct),
            opportunity_creation: ppm(self.opportunity_creation_pct),
            closing: ppm(self.closing_pct),
            middle: ppm(self.middle_pct),
        })
    }
}

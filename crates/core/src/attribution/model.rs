//! The attribution models and the raw integer weights each gives the touches of one conversion.
//!
//! Holds no state. Every model is expressed as integer weights per touch; [`super::distribute`]
//! turns them into exact parts per million and cents.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A model's name, as written in config and stored with each credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelName {
    /// All credit to the first touch.
    FirstTouch,
    /// All credit to the last touch before the conversion.
    LastTouch,
    /// All credit to the lead-creation touch.
    LeadCreation,
    /// Equal credit to every touch.
    Linear,
    /// More credit to touches closer to the conversion (configurable half-life).
    TimeDecay,
    /// 40% first touch, 40% lead creation, 20% shared by the touches between.
    UShaped,
    /// 30% first touch, 30% lead creation, 30% opportunity creation, 10% shared between.
    WShaped,
    /// 22.5% each to first touch, lead creation, opportunity creation and closing; 10% between.
    FullPath,
    /// Position weights from config.
    Custom,
}

impl ModelName {
    /// Every built-in model (all but `custom`).
    pub const BUILT_IN: [ModelName; 8] = [
        ModelName::FirstTouch,
        ModelName::LastTouch,
        ModelName::LeadCreation,
        ModelName::Linear,
        ModelName::TimeDecay,
        ModelName::UShaped,
        ModelName::WShaped,
        ModelName::FullPath,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::FirstTouch => "first_touch",
            ModelName::LastTouch => "last_touch",
            ModelName::LeadCreation => "lead_creation",
            ModelName::Linear => "linear",
            ModelName::TimeDecay => "time_decay",
            ModelName::UShaped => "u_shaped",
            ModelName::WShaped => "w_shaped",
            ModelName::FullPath => "full_path",
            ModelName::Custom => "custom",
        }
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Position weights in parts per million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PositionWeights {
    /// The first touch.
    pub first_touch: u32,
    /// The lead-creation touch.
    pub lead_creation: u32,
    /// The opportunity-creation touch.
    pub opportunity_creation: u32,
    /// The closing touch.
    pub closing: u32,
    /// Shared by the middle touches.
    pub middle: u32,
}

impl PositionWeights {
    const fn new(first_touch: u32, lead_creation: u32, opportunity_creation: u32, closing: u32, middle: u32) -> Self {
        PositionWeights {
            first_touch,
            lead_creation,
            opportunity_creation,
            closing,
            middle,
        }
    }

    /// First touch: 100% to the first touch.
    pub const FIRST_TOUCH: Self = Self::new(1_000_000, 0, 0, 0, 0);
    /// Last touch: 100% to the closing touch.
    pub const LAST_TOUCH: Self = Self::new(0, 0, 0, 1_000_000, 0);
    /// Lead creation: 100% to the lead-creation touch.
    pub const LEAD_CREATION: Self = Self::new(0, 1_000_000, 0, 0, 0);
    /// U-shaped: 40 / 40, 20 between.
    pub const U_SHAPED: Self = Self::new(400_000, 400_000, 0, 0, 200_000);
    /// W-shaped: 30 / 30 / 30, 10 between.
    pub const W_SHAPED: Self = Self::new(300_000, 300_000, 300_000, 0, 100_000);
    /// Full path: 22.5 × 4, 10 between.
    pub const FULL_PATH: Self = Self::new(225_000, 225_000, 225_000, 225_000, 100_000);
}

/// A model ready to run: its name and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Equal weights.
    Linear,
    /// Exponential decay with this half-life in seconds.
    TimeDecay {
        /// The half-life.
        half_life_secs: f64,
    },
    /// Position-based weights.
    Positions(PositionWeights),
}

impl Model {
    /// The model a name stands for; `custom` needs its weights, time decay its half-life.
    pub fn from_name(name: ModelName, half_life_days: f64, custom: Option<PositionWeights>) -> Option<Model> {
        Some(match name {
            ModelName::FirstTouch => Model::Positions(PositionWeights::FIRST_TOUCH),
            ModelName::LastTouch => Model::Positions(PositionWeights::LAST_TOUCH),
            ModelName::LeadCreation => Model::Positions(PositionWeights::LEAD_CREATION),
            ModelName::Linear => Model::Linear,
            ModelName::TimeDecay => Model::TimeDecay {
                half_life_secs: half_life_days * 86_400.0,
            },
            ModelName::UShaped => Model::Positions(PositionWeights::U_SHAPED),
            ModelName::WShaped => Model::Positions(PositionWeights::W_SHAPED),
            ModelName::FullPath => Model::Positions(PositionWeights::FULL_PATH),
            ModelName::Custom => Model::Positions(custom?),
        })
    }
}

/// Where the positions fall in a window of `n` touches (indexes into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Positions {
    /// The lead-creation touch, when the lead milestone falls in or after the window's start.
    pub lead_creation: Option<usize>,
    /// The opportunity-creation touch, likewise.
    pub opportunity_creation: Option<usize>,
}

/// The integer weights a model gives each touch of a window (ages in seconds before the
/// conversion, oldest first), written into `out`. Returns false when the model gives weight to no
/// touch of the window (the conversion is then unattributed).
pub fn raw_weights(model: &Model, ages_secs: &[i64], positions: Positions, out: &mut Vec<u64>) -> bool {
    out.clear();
    let n = ages_secs.len();
    if n == 0 {
        return false;
    }
    match model {
        Model::Linear => out.resize(n, 1),
        Model::TimeDecay { half_life_secs } => {
            // Relative to the newest touch, which weighs 2^40: never zero, and the ratios between
            // touches are those of 2^(-age / half-life).
            let newest = ages_secs.iter().copied().min().unwrap_or(0);
            out.extend(ages_secs.iter().map(|&age| {
                let halvings = (age - newest) as f64 / half_life_secs;
                (2f64.powf(40.0 - halvings)).round() as u64
            }));
        }
        Model::Positions(w) => position_weights(w, n, positions, out),
    }
    out.iter().any(|&w| w > 0)
}

fn position_weights(w: &PositionWeights, n: usize, positions: Positions, out: &mut Vec<u64>) {
    let weighted = [
        (Some(0), w.first_touch),
        (positions.lead_creation, w.lead_creation),
        (positions.opportunity_creation, w.opportunity_creation),
        (Some(n - 1), w.closing),
    ];
    let has_positions = weighted.iter().any(|&(_, weight)| weight > 0);
    if !has_positions {
        // Only a middle weight: the whole window is the middle.
        out.resize(n, u64::from(w.middle > 0));
        return;
    }
    let present = || weighted.iter().filter_map(|&(at, weight)| at.filter(|_| weight > 0));
    let (Some(lo), Some(hi)) = (present().min(), present().max()) else {
        out.resize(n, 0);
        return;
    };
    let mut positioned = vec![0u64; n];
    for (at, weight) in weighted {
        if let Some(i) = at.filter(|_| weight > 0) {
            positioned[i] += u64::from(weight);
        }
    }
    let is_middle = |i: usize| i > lo && i < hi && positioned[i] == 0;
    let middle_count = (lo..=hi).filter(|&i| is_middle(i)).count() as u64;
    // Scale positioned weights by the middle count so the middle share divides evenly.
    let scale = middle_count.max(1);
    out.extend((0..n).map(|i| {
        if is_middle(i) {
            u64::from(w.middle)
        } else {
            positioned[i] * scale
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(model: &Model, n: usize, lc: Option<usize>, oc: Option<usize>) -> Vec<u64> {
        let ages: Vec<i64> = (0..n as i64).rev().collect();
        let mut out = Vec::new();
        raw_weights(
            model,
            &ages,
            Positions {
                lead_creation: lc,
                opportunity_creation: oc,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn full_path_weights_positions_and_middle() {
        let w = weights(&Model::Positions(PositionWeights::FULL_PATH), 6, Some(2), Some(4));
        // Middle touches 1 and 3 share 100,000; positions are scaled by 2 to keep integers.
        assert_eq!(w, vec![450_000, 100_000, 450_000, 100_000, 450_000, 450_000]);
    }

    #[test]
    fn touches_after_the_last_weighted_position_earn_nothing() {
        let w = weights(&Model::Positions(PositionWeights::U_SHAPED), 5, Some(2), None);
        assert_eq!(w, vec![400_000, 200_000, 400_000, 0, 0]);
    }

    #[test]
    fn middle_only_custom_model_is_linear() {
        let custom = PositionWeights {
            middle: 1_000_000,
            ..PositionWeights::default()
        };
        assert_eq!(weights(&Model::Positions(custom), 3, None, None), vec![1, 1, 1]);
    }
}

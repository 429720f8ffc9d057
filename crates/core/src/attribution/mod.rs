//! Multi-touch attribution: how credit for each conversion (a funnel milestone, a deal's pipeline,
//! a deal's revenue) is split over the touchpoints that led to it.
//!
//! Holds no state. Results are per touchpoint (the engine stores them with the touchpoint's
//! campaign and content, so reports and pushes never recompute).
//!
//! # Rules
//! - Only touches of the configured kinds count, at or before the conversion (the converting form
//!   fill happens at the very moment of the lead milestone) and within `lookback_days` of it.
//! - Credit is held in integer parts per million (ppm) and, for deals, in integer cents. Each
//!   conversion's credits sum to exactly 1,000,000 ppm, and to the deal amount to the cent, by a
//!   largest-remainder distribution ([`distribute`]) with ties to the earlier touch.
//! - Positions: *first* is the first touch in the window; *lead creation* the last touch at or
//!   before the lead milestone; *opportunity creation* the last at or before the opportunity
//!   milestone (for a deal: its creation); *closing* the last touch before the conversion.
//!   *Middle* touches are those strictly between the earliest and the latest weighted position
//!   present that hold no weighted position: they share the middle weight equally. Touches after
//!   the latest weighted position earn nothing (U-shaped credits the path up to lead creation).
//! - Edge cases, documented and tested:
//!   - the same touch in two positions earns both weights (a single touch earns 100% under every
//!     model);
//!   - a position with no touch (no lead milestone, a lead created before the window, fewer
//!     touches than positions) drops out and the remaining weights are scaled up in proportion
//!     (U-shaped with two touches is 50/50; W-shaped before any opportunity is 3/7, 3/7, 1/7);
//!     the middle weight drops out the same way when there are no middle touches;
//!   - a model with no position weights at all (a custom model of only `middle_pct`) spreads over
//!     every touch in the window, like linear;
//!   - no touches at all, or no touch in any weighted position (lead-creation model without a lead
//!     milestone): no credit, and the conversion is reported as [`Unattributed`] with the reason.
//! - Time decay weighs a touch `2^(-age / half_life)`, age measured to the conversion.

mod credit;
mod distribute;
mod model;

pub use credit::{
    Anchors, AttrTouch, Conversion, ConversionKind, ConversionResult, ModelCredit, TouchCredit, Unattributed,
    attribute_deal, attribute_deals, attribute_person, eligible_touches,
};
pub use distribute::distribute;
pub use model::{Model, ModelName, PositionWeights, Positions, raw_weights};

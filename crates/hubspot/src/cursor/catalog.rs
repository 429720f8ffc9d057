//! The cursor of the catalog stream: owners, pipelines, campaigns, forms, marketing events, in turn.
//!
//! Holds no state. Reference data is small and has no modification filter worth trusting, so each
//! pass reads it whole; the store writes only what changed.

use closedloop_core::cursor::Checkpoint;
use serde::{Deserialize, Serialize};

/// What the catalog pass is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogStep {
    /// Owners.
    Owners,
    /// Deal pipelines.
    Pipelines,
    /// Campaigns.
    Campaigns,
    /// Forms, as content.
    Forms,
    /// Marketing events, as content.
    MarketingEvents,
    /// The pass is complete.
    Done,
}

impl CatalogStep {
    /// The step after this one.
    pub fn next(self) -> CatalogStep {
        match self {
            CatalogStep::Owners => CatalogStep::Pipelines,
            CatalogStep::Pipelines => CatalogStep::Campaigns,
            CatalogStep::Campaigns => CatalogStep::Forms,
            CatalogStep::Forms => CatalogStep::MarketingEvents,
            CatalogStep::MarketingEvents | CatalogStep::Done => CatalogStep::Done,
        }
    }
}

/// Where a catalog pass stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogCursor {
    /// The pass.
    pub pass: u64,
    /// The step being read.
    pub step: CatalogStep,
    /// The next page's `after` within the step.
    pub after: Option<String>,
    /// Pages read within the step.
    pub pages: u32,
}

impl Checkpoint for CatalogCursor {
    const VERSION: u32 = 1;

    fn is_at_or_after(&self, previous: &Self) -> bool {
        (self.pass, self.step, self.pages) >= (previous.pass, previous.step, previous.pages)
    }
}

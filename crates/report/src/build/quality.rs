//! The lead-quality section from the store's per-campaign counts and top reasons.
//!
//! Holds no state.

use super::groups::group;
use crate::model::{LeadQualityRow, LeadQualitySection, ReasonCount};
use closedloop_core::stats::rate;
use closedloop_store::report::quality::{QualityData, QualityRow};

/// What a disqualification without a reason is called.
pub const NO_REASON: &str = "(no reason given)";

pub(super) fn section(data: &QualityData) -> LeadQualitySection {
    let by_campaign = data
        .rows
        .iter()
        .filter(|r| r.dimension == "campaign")
        .map(|r| row(data, "campaign", r))
        .collect();
    let total = data
        .rows
        .iter()
        .find(|r| r.dimension == "total")
        .map(|r| row(data, "total", r))
        .unwrap_or_else(|| {
            row(
                data,
                "total",
                &QualityRow {
                    dimension: "total".into(),
                    ..QualityRow::default()
                },
            )
        });
    LeadQualitySection { by_campaign, total }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn row(data: &QualityData, dimension: &str, r: &QualityRow) -> LeadQualityRow {
    let top_reasons = data
        .reasons
        .iter()
        .filter(|c| c.dimension == r.dimension && c.key.system == r.key.system && c.key.id == r.key.id)
        .map(|c| ReasonCount {
            reason: c.reason.clone().unwrap_or_else(|| NO_REASON.to_owned()),
            count: c.count,
        })
        .collect();
    LeadQualityRow {
        group: group(dimension, &r.key),
        leads: r.leads,
        mqls: r.mqls,
        contacted: r.contacted,
        contacted_rate: rate(count(r.contacted), count(r.leads)),
        disqualified: r.disqualified,
        disqualified_rate: rate(count(r.disqualified), count(r.leads)),
        top_reasons,
        recycled: r.recycled,
        sqls: r.sqls,
        sql_rate: rate(count(r.sqls), count(r.leads)),
        won: r.won,
    }
}

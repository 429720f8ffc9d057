//! The funnel section from the store's per-group counts and stage timings.
//!
//! Holds no state.

use super::groups::group;
use crate::model::{FunnelRow, FunnelSection, StageDays, StageRates};
use closedloop_core::stats::{median, ms_to_days, rate};
use closedloop_store::report::funnel::FunnelGroup;

pub(super) fn section(groups: &[FunnelGroup]) -> FunnelSection {
    let rows = |dimension: &str| -> Vec<FunnelRow> {
        groups
            .iter()
            .filter(|g| g.dimension == dimension)
            .map(|g| row(dimension, g))
            .collect()
    };
    let total = groups
        .iter()
        .find(|g| g.dimension == "total")
        .map(|g| row("total", g))
        .unwrap_or_else(|| row("total", &FunnelGroup::default()));
    FunnelSection {
        by_campaign: rows("campaign"),
        by_channel: rows("channel"),
        by_content: rows("content"),
        total,
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn median_days(ms: &[i64]) -> Option<f64> {
    let days: Vec<f64> = ms.iter().map(|&m| ms_to_days(m)).collect();
    median(&days)
}

fn row(dimension: &str, g: &FunnelGroup) -> FunnelRow {
    FunnelRow {
        group: group(dimension, &g.key),
        reached: g.reached,
        leads: g.leads,
        mqls: g.mqls,
        sqls: g.sqls,
        opportunities: g.opportunities,
        won: g.won,
        lost: g.lost,
        conversion: StageRates {
            reached_to_lead: rate(count(g.leads), count(g.reached)),
            lead_to_mql: rate(count(g.lead_and_mql), count(g.leads)),
            mql_to_sql: rate(count(g.mql_and_sql), count(g.mqls)),
            sql_to_opportunity: rate(count(g.sql_and_opportunity), count(g.sqls)),
            opportunity_to_won: rate(count(g.opportunity_and_won), count(g.opportunities)),
            reached_to_won: rate(count(g.won), count(g.reached)),
        },
        median_days: StageDays {
            reached_to_lead: median_days(&g.reached_to_lead_ms),
            lead_to_mql: median_days(&g.lead_to_mql_ms),
            mql_to_sql: median_days(&g.mql_to_sql_ms),
            sql_to_opportunity: median_days(&g.sql_to_opportunity_ms),
            opportunity_to_won: median_days(&g.opportunity_to_won_ms),
        },
    }
}

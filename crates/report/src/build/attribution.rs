//! The attribution section: the chosen model's credited conversions and amounts per campaign and
//! channel, and the all-models comparison.
//!
//! Holds no state. The store gives credited conversions and amounts as separate rows (amounts per
//! currency); a row of the report joins the two by key.

use super::groups::{group, unattributed};
use crate::model::{Amount, AttributionRow, AttributionSection, ComparisonRow, Credited, Group, ModelComparison};
use closedloop_store::report::GroupKey;
use closedloop_store::report::attribution::{AttributionData, ComparisonCell};
use std::collections::BTreeMap;

pub(super) fn section(model: &str, data: &AttributionData) -> AttributionSection {
    let total = rows(data, "total")
        .into_iter()
        .next()
        .unwrap_or_else(|| empty(group("total", &GroupKey::default())));
    AttributionSection {
        model: model.to_owned(),
        by_campaign: rows(data, "campaign"),
        by_channel: rows(data, "channel"),
        total,
        comparison: comparison(data),
    }
}

fn empty(group: Group) -> AttributionRow {
    AttributionRow {
        group,
        unattributed: false,
        credited: Credited::default(),
        deals_created: 0.0,
        pipeline: Vec::new(),
        deals_won: 0.0,
        revenue: Vec::new(),
    }
}

/// The rows of one dimension, in the store's order (most credited MQLs first), unattributed last.
fn rows(data: &AttributionData, dimension: &str) -> Vec<AttributionRow> {
    let mut out: Vec<AttributionRow> = Vec::new();
    // The key without its label: one side of the join may lack the catalog name.
    let id = |k: &GroupKey| (k.system.clone(), k.id.clone());
    for c in data.credited.iter().filter(|c| c.dimension == dimension) {
        let g = if c.unattributed {
            unattributed()
        } else {
            group(dimension, &c.key)
        };
        out.push(AttributionRow {
            unattributed: c.unattributed,
            credited: Credited {
                leads: c.leads,
                mqls: c.mqls,
                sqls: c.sqls,
                opportunities: c.opportunities,
                won: c.won,
            },
            deals_created: c.deals_created,
            deals_won: c.deals_won,
            ..empty(g)
        });
    }
    for a in data.amounts.iter().filter(|a| a.dimension == dimension) {
        let at = out.iter().position(|r| {
            r.unattributed == a.unattributed && (r.group.system.clone(), r.group.id.clone()) == id(&a.key)
        });
        let i = match at {
            Some(i) => i,
            None => {
                let g = if a.unattributed {
                    unattributed()
                } else {
                    group(dimension, &a.key)
                };
                out.push(AttributionRow {
                    unattributed: a.unattributed,
                    ..empty(g)
                });
                out.len() - 1
            }
        };
        out[i].pipeline.push(Amount {
            currency: a.currency.clone(),
            minor: a.pipeline_minor,
        });
        out[i].revenue.push(Amount {
            currency: a.currency.clone(),
            minor: a.revenue_minor,
        });
    }
    // Unattributed rows last: they are the remainder, not a campaign.
    out.sort_by_key(|r| r.unattributed);
    out
}

fn comparison(data: &AttributionData) -> ModelComparison {
    let mut rows: Vec<ComparisonRow> = data
        .top
        .iter()
        .map(|k| ComparisonRow {
            group: group("campaign", k),
            bucket: "top".to_owned(),
            revenue_minor: BTreeMap::new(),
            pipeline_minor: BTreeMap::new(),
        })
        .collect();
    let rest = [
        ("other", "other campaigns"),
        ("no_campaign", "(touches without a campaign)"),
        ("unattributed", "(unattributed: no touch earned it)"),
    ];
    for (bucket, name) in rest {
        if data.comparison.iter().any(|c| c.bucket == bucket) {
            rows.push(ComparisonRow {
                group: Group {
                    id: None,
                    system: None,
                    name: name.to_owned(),
                },
                bucket: bucket.to_owned(),
                revenue_minor: BTreeMap::new(),
                pipeline_minor: BTreeMap::new(),
            });
        }
    }
    for cell in &data.comparison {
        if let Some(row) = rows.iter_mut().find(|r| matches(r, cell)) {
            row.revenue_minor.insert(cell.model.clone(), cell.revenue_minor);
            row.pipeline_minor.insert(cell.model.clone(), cell.pipeline_minor);
        }
    }
    // A model that credited nothing to a row still has a cell: zero, not missing.
    for row in &mut rows {
        for m in &data.models {
            row.revenue_minor.entry(m.clone()).or_insert(0);
            row.pipeline_minor.entry(m.clone()).or_insert(0);
        }
    }
    ModelComparison {
        currency: data.currency.clone(),
        models: data.models.clone(),
        rows,
    }
}

fn matches(row: &ComparisonRow, cell: &ComparisonCell) -> bool {
    row.bucket == cell.bucket
        && (cell.bucket != "top" || (row.group.id == cell.key.id && row.group.system == cell.key.system))
}

//! The content section: engagement counts from the store, depth medians from the core.
//!
//! Holds no state.

use super::groups::group;
use crate::model::{Amount, ContentRow, ContentSection};
use closedloop_core::stats::median;
use closedloop_store::report::GroupKey;
use closedloop_store::report::content::ContentData;

pub(super) fn section(data: &ContentData) -> ContentSection {
    let assets = data
        .rows
        .iter()
        .map(|r| {
            let minutes: Vec<f64> = r.watched_seconds.iter().map(|&s| s as f64 / 60.0).collect();
            let amounts = data.amounts.iter().filter(|a| a.key == r.key);
            ContentRow {
                group: group(
                    "content",
                    &GroupKey {
                        system: None,
                        id: Some(r.key.clone()),
                        label: r.title.clone(),
                    },
                ),
                kind: r.kind.clone(),
                people: r.people,
                touches: r.touches,
                downloads: r.downloads,
                attendees: r.attendees,
                median_minutes_watched: median(&minutes),
                median_percent_watched: median(&r.watched_percent),
                mqls_influenced: r.mqls_influenced,
                deals_influenced: r.deals_influenced,
                deals_won_influenced: r.deals_won_influenced,
                pipeline: amounts
                    .clone()
                    .map(|a| Amount {
                        currency: a.currency.clone(),
                        minor: a.pipeline_minor,
                    })
                    .collect(),
                revenue: amounts
                    .map(|a| Amount {
                        currency: a.currency.clone(),
                        minor: a.revenue_minor,
                    })
                    .collect(),
            }
        })
        .collect();
    ContentSection { assets }
}

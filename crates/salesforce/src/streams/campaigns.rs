//! `salesforce.campaigns`: Campaigns, then CampaignMembers (responses become touchpoints).
//!
//! Holds no state. Members are read after campaigns in each pass, so a response's campaign is
//! normally known when the response arrives.

use crate::connector::Shared;
use crate::convert::{Page, campaign, names};
use crate::reader::ObjectRead;
use crate::wire::Row;
use closedloop_core::ObjectType;
use std::time::Duration;

/// How Campaigns are read.
pub(crate) fn read_campaigns(lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["Campaign"]).remove(0),
        select: campaign::campaign_select(),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: Some(ObjectType::Campaign),
        filter: None,
        lookback,
    }
}

/// How CampaignMembers are read.
pub(crate) fn read_members(lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["CampaignMember"]).remove(0),
        select: campaign::member_select(),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        // A deleted membership is not a retracted response: the touch stays.
        tombstones: None,
        filter: None,
        lookback,
    }
}

/// Converts a page of Campaign rows.
pub(crate) fn convert_campaigns(shared: &Shared, rows: &[Row], page: &mut Page) {
    let ctx = shared.context();
    for row in rows {
        page.add(row, "Campaign", campaign::campaign(&ctx, row));
    }
}

/// Converts a page of CampaignMember rows.
pub(crate) fn convert_members(shared: &Shared, rows: &[Row], page: &mut Page) {
    let ctx = shared.context();
    for row in rows {
        page.add(row, "CampaignMember", campaign::member(&ctx, row));
    }
}

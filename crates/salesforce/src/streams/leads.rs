//! `salesforce.leads`: Leads, deleted and merged ones included, with the configured fields.
//!
//! Holds no state. Each row becomes a `CrmLead` (status mapped, conversion ids and moment,
//! disqualification reason, fields read back) with its snapshot, or a quarantined row.

use crate::connector::Shared;
use crate::convert::{Page, names, person};
use crate::reader::ObjectRead;
use crate::wire::Row;
use std::time::Duration;

/// How Leads are read.
pub(crate) fn read(shared: &Shared, lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["Lead"]).remove(0),
        select: person::lead_select(&shared.context()),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: Some(closedloop_core::ObjectType::Lead),
        filter: None,
        lookback,
    }
}

/// Converts a page of Lead rows.
pub(crate) fn convert(shared: &Shared, rows: &[Row], page: &mut Page) {
    let ctx = shared.context();
    for row in rows {
        page.add(row, "Lead", person::lead(&ctx, row));
    }
}

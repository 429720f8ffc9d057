//! `salesforce.activities`: Tasks (calls, emails) then Events (meetings).
//!
//! Holds no state. Activities on a Lead or Contact become `SalesActivity` records: the first one
//! after an MQL ends the speed-to-lead clock. Lead conversion moves a lead's activities to its
//! contact and bumps their modstamps, so they are read again with the contact as `who`.

use crate::connector::Shared;
use crate::convert::{Page, activity, names};
use crate::reader::ObjectRead;
use crate::wire::Row;
use closedloop_core::ObjectType;
use std::time::Duration;

/// How Tasks (`object = "Task"`) or Events are read.
pub(crate) fn read(object: &'static str, lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&[object]).remove(0),
        select: if object == "Event" {
            activity::event_select()
        } else {
            activity::task_select()
        },
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: Some(ObjectType::Activity),
        filter: None,
        lookback,
    }
}

/// Converts a page of Task or Event rows.
pub(crate) fn convert(shared: &Shared, rows: &[Row], page: &mut Page, object: &'static str) {
    let ctx = shared.context();
    for row in rows {
        page.add(row, object, activity::activity(&ctx, row, object));
    }
}

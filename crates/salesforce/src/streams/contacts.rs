//! `salesforce.contacts`: Contacts, deleted and merged ones included, with the configured fields.
//!
//! Holds no state. Each row becomes a `CrmContact` with its snapshot, or a quarantined row. A
//! converted lead's contact arrives here; the lead's `ConvertedContactId` links the two.

use crate::connector::Shared;
use crate::convert::{Page, names, person};
use crate::reader::ObjectRead;
use crate::wire::Row;
use std::time::Duration;

/// How Contacts are read.
pub(crate) fn read(shared: &Shared, lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["Contact"]).remove(0),
        select: person::contact_select(&shared.context()),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: Some(closedloop_core::ObjectType::Contact),
        filter: None,
        lookback,
    }
}

/// Converts a page of Contact rows.
pub(crate) fn convert(shared: &Shared, rows: &[Row], page: &mut Page) {
    let ctx = shared.context();
    for row in rows {
        page.add(row, "Contact", person::contact(&ctx, row));
    }
}

//! `salesforce.users`: Users, the owners of records.
//!
//! Holds no state. Users are deactivated, never deleted, so they are read with `query` and no
//! deleted-records window applies.

use crate::convert::{Page, names, owner};
use crate::reader::ObjectRead;
use crate::wire::Row;
use std::time::Duration;

/// How Users are read.
pub(crate) fn read(lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["User"]).remove(0),
        select: owner::user_select(),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: false,
        window_check: false,
        tombstones: None,
        filter: None,
        lookback,
    }
}

/// Converts a page of User rows.
pub(crate) fn convert(rows: &[Row], page: &mut Page) {
    for row in rows {
        page.add(row, "User", owner::user(row));
    }
}

//! `salesforce.opportunities`: Opportunities, then their stage history, then their contact roles.
//!
//! Holds no state of its own; the connector keeps what reading opportunities taught it (each
//! stage's closed/won flags, each opportunity's currency) for the history rows, which carry
//! neither. OpportunityHistory is read by `SystemModstamp` like the rest: rows are written once
//! and never change, so each is read once (and again inside a lookback window).

use crate::connector::Shared;
use crate::convert::{Page, deal, names};
use crate::error::SalesforceError;
use crate::reader::ObjectRead;
use crate::wire::Row;
use closedloop_core::ObjectType;
use std::time::Duration;

/// How Opportunities are read (with `CurrencyIsoCode` in a multi-currency org).
pub(crate) async fn read_opportunities(shared: &Shared, lookback: Duration) -> Result<ObjectRead, SalesforceError> {
    let multi_currency = shared.multi_currency().await?;
    Ok(ObjectRead {
        object: names(&["Opportunity"]).remove(0),
        select: deal::opportunity_select(&shared.context(), multi_currency),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: Some(ObjectType::Deal),
        filter: None,
        lookback,
    })
}

/// How OpportunityHistory is read.
pub(crate) fn read_history(lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["OpportunityHistory"]).remove(0),
        select: deal::history_select(),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        // History is not replicable; its rows go with their opportunity.
        window_check: false,
        tombstones: None,
        filter: None,
        lookback,
    }
}

/// How OpportunityContactRoles are read.
pub(crate) fn read_contact_roles(lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["OpportunityContactRole"]).remove(0),
        select: deal::contact_role_select(),
        order_field: names(&["SystemModstamp"]).remove(0),
        query_all: true,
        window_check: true,
        tombstones: None,
        filter: None,
        lookback,
    }
}

/// Converts a page of Opportunity rows, learning stage flags and currencies.
pub(crate) fn convert_opportunities(shared: &Shared, rows: &[Row], page: &mut Page) {
    let ctx = shared.context();
    let mut learnt = shared.learnt();
    for row in rows {
        page.add(row, "Opportunity", deal::opportunity(&ctx, row, &mut learnt));
    }
}

/// Converts a page of OpportunityHistory rows.
pub(crate) async fn convert_history(shared: &Shared, rows: &[Row], page: &mut Page) -> Result<(), SalesforceError> {
    let multi_currency = shared.multi_currency().await?;
    let ctx = shared.context();
    let learnt = shared.learnt();
    for row in rows {
        page.add(
            row,
            "OpportunityHistory",
            deal::history(&ctx, row, &learnt, multi_currency),
        );
    }
    Ok(())
}

/// Converts a page of OpportunityContactRole rows.
pub(crate) fn convert_contact_roles(rows: &[Row], page: &mut Page) {
    for row in rows {
        page.add(row, "OpportunityContactRole", deal::contact_role(row));
    }
}

//! `salesforce.lead_status_history`: timestamped lead status changes from LeadHistory.
//!
//! Holds no state. LeadHistory has no `SystemModstamp`; its rows are written once, so they are
//! read by `(CreatedDate, Id)`. Only rows of `created`, `Status` and the disqualification reason
//! field are read. What a page cannot tell alone (a lead's first status, a lead's current reason)
//! is looked up per page in at most two queries per 200 leads; see [`crate::convert::status`].

use crate::connector::Shared;
use crate::convert::status::{self, Lookups};
use crate::convert::{Page, names};
use crate::error::SalesforceError;
use crate::reader::ObjectRead;
use crate::soql::{Cond, Literal, Op, Query, in_chunks};
use crate::wire::Row;
use closedloop_core::SalesforceId;
use std::collections::BTreeSet;
use std::time::Duration;

/// How LeadHistory is read.
pub(crate) fn read(shared: &Shared, lookback: Duration) -> ObjectRead {
    ObjectRead {
        object: names(&["LeadHistory"]).remove(0),
        select: status::history_select(),
        order_field: names(&["CreatedDate"]).remove(0),
        query_all: true,
        // History is not replicable; a deleted lead's rows go with it.
        window_check: false,
        tombstones: None,
        filter: Some(status::field_filter(&shared.context())),
        lookback,
    }
}

fn id_list(ids: &BTreeSet<SalesforceId>) -> Vec<Vec<Literal>> {
    in_chunks(ids.iter().cloned().map(Literal::Id).collect())
}

/// Runs a lookup query over every chunk of `ids`, following `nextRecordsUrl`.
async fn lookup(
    shared: &Shared,
    ids: &BTreeSet<SalesforceId>,
    build: impl Fn(Vec<Literal>) -> Query,
) -> Result<Vec<Row>, SalesforceError> {
    let mut rows = Vec::new();
    for chunk in id_list(ids) {
        let mut page = shared.api.query(&build(chunk).to_soql()?, true).await?;
        rows.append(&mut page.records);
        while let (false, Some(next)) = (page.done, page.next_records_url.clone()) {
            page = shared.api.query_more(&next).await?;
            rows.append(&mut page.records);
        }
    }
    Ok(rows)
}

/// Converts a page of LeadHistory rows, looking up what the page cannot tell.
pub(crate) async fn convert(shared: &Shared, rows: &[Row], page: &mut Page) -> Result<(), SalesforceError> {
    let ctx = shared.context();
    let parsed = status::parse(&ctx, rows);
    let needs = parsed.needs(&ctx);
    let mut lookups = Lookups::default();
    if !needs.first_status.is_empty() {
        let history = names(&["LeadHistory"]).remove(0);
        let field = names(&["Field"]).remove(0);
        let lead_id = names(&["LeadId"]).remove(0);
        let order = names(&["CreatedDate", "Id"]);
        let found = lookup(shared, &needs.first_status, |chunk| {
            Query::select(&history, &status::first_status_select())
                .filter(Cond::cmp(&field, Op::Eq, Literal::Str("Status".into())))
                .filter(Cond::In(lead_id.clone(), chunk))
                .order_by(&order)
        })
        .await?;
        for row in &found {
            if let Some((lead, old)) = status::first_status_row(row) {
                lookups.first_status.entry(lead).or_insert(old);
            }
        }
    }
    if !needs.current.is_empty() {
        let lead = names(&["Lead"]).remove(0);
        let id = names(&["Id"]).remove(0);
        let found = lookup(shared, &needs.current, |chunk| {
            Query::select(&lead, &status::current_select(&ctx)).filter(Cond::In(id.clone(), chunk))
        })
        .await?;
        lookups
            .current
            .extend(found.iter().filter_map(|r| status::lead_now(&ctx, r)));
    }
    let mut results: Vec<(usize, Result<crate::convert::Converted, String>)> = parsed
        .rejects
        .iter()
        .map(|(i, reason)| (*i, Err(reason.clone())))
        .collect();
    results.extend(parsed.convert(&ctx, &lookups));
    results.sort_by_key(|(i, _)| *i);
    for (index, result) in results {
        if let Some(row) = rows.get(index) {
            page.add(row, "LeadHistory", result);
        }
    }
    Ok(())
}

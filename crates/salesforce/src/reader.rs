//! Reading one object page by page in `(SystemModstamp, Id)` order, deletions included.
//!
//! State: none of its own. The caller keeps the open query ([`OpenQuery`]: the `nextRecordsUrl`
//! of a query in progress and the cursor it was issued for) between pages; the position itself
//! lives in the [`ObjectCursor`] the store commits with each page.
//!
//! A pass over an object is one query:
//! `WHERE SystemModstamp > :ts OR (SystemModstamp = :ts AND Id > :id) ORDER BY SystemModstamp, Id`
//! followed through `nextRecordsUrl` (`Sforce-Query-Options: batchSize`). Once an object was read
//! completely, later passes re-read a lookback window instead (`SystemModstamp >= :ts - lookback`):
//! Salesforce stamps a row when its transaction starts, so a long transaction commits rows older
//! than rows already read. Re-reads are idempotent, and the position never moves back.
//!
//! Deletions: objects with `IsDeleted` are read with `queryAll`, so deleted and merged rows come
//! through the same cursor (Salesforce bumps `SystemModstamp` on delete). Salesforce keeps them
//! for a retention window only; before a pass the `deleted` endpoint says whether the window
//! (`earliestDateAvailable`) still reaches back to the instant up to which the object was last
//! read completely (`seen_until`: the start of the last complete pass, less the lookback; a
//! quiet object is not stale). When it does not, deletions may have been missed: the object is
//! read again from the start under the next epoch (a full resync). The endpoint's deleted ids
//! become tombstones as well.
//!
//! A row stamped implausibly far in the future does not move the position (a bad clock or a
//! hostile import must not make every later change look old); it is read again next pass.

use crate::client::Api;
use crate::cursor::{BackfillProgress, Key, ObjectCursor};
use crate::error::SalesforceError;
use crate::soql::{ApiName, Cond, Literal, Op, Query};
use crate::wire::{QueryPage, Row};
use chrono::{Duration as ChronoDuration, DurationRound, Utc};
use closedloop_core::page::Record;
use closedloop_core::sync::PullMode;
use closedloop_core::{ExternalId, ObjectType, SalesforceId, Timestamp};
use std::time::Duration;

/// How one object is read.
#[derive(Debug, Clone)]
pub(crate) struct ObjectRead {
    /// The sObject.
    pub object: ApiName,
    /// The fields selected.
    pub select: Vec<ApiName>,
    /// The order (and cursor) field: `SystemModstamp`, or `CreatedDate` for history objects.
    pub order_field: ApiName,
    /// `queryAll`: deleted and merged rows too.
    pub query_all: bool,
    /// Check the deleted-records window before a pass (replicable objects).
    pub window_check: bool,
    /// The record type deleted ids become tombstones of, if any.
    pub tombstones: Option<ObjectType>,
    /// A fixed condition (LeadHistory: the fields of interest).
    pub filter: Option<Cond>,
    /// Re-read this much before the position once the object was read completely.
    pub lookback: Duration,
}

/// A query in progress.
#[derive(Debug, Clone)]
pub(crate) struct OpenQuery {
    /// The cursor committed with the page the query last served.
    pub cursor: ObjectCursor,
    /// Where its next page is.
    pub next_url: String,
    /// Whether it is a backfill's query.
    pub backfill: bool,
    /// When its pass began (Salesforce's clock).
    pub pass_started: Timestamp,
}

/// One page of one object.
#[derive(Debug)]
pub(crate) struct ObjectPage {
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// Tombstones from the `deleted` endpoint.
    pub tombstones: Vec<Record>,
    /// The position after this page.
    pub cursor: ObjectCursor,
    /// The query continues here, if it has more pages.
    pub open: Option<OpenQuery>,
}

/// The clock bounds a read needs: rows stamped after `latest_plausible` do not move the position.
pub(crate) trait Clock: Send + Sync {
    /// Salesforce's clock now, as well as we know it (ours, plus how far ahead it was seen).
    fn server_now(&self) -> Timestamp;
    /// The latest instant a real row can carry.
    fn latest_plausible(&self) -> Timestamp;
    /// Salesforce said its clock reads `now`.
    fn observed_server_time(&self, now: Timestamp);
}

fn id_name() -> ApiName {
    crate::convert::names(&["Id"]).remove(0)
}

/// The key of a row in `order_field` order.
fn key_of(row: &Row, order_field: &ApiName) -> Option<Key> {
    let at = row
        .get(order_field.as_str())
        .and_then(|v| v.as_str())
        .and_then(crate::convert::row::parse_datetime)?;
    let id = row
        .get("Id")
        .and_then(|v| v.as_str())
        .and_then(|s| SalesforceId::parse(s).ok())?;
    Some(Key { at, id })
}

/// The furthest plausible key among `rows`, or `start`.
fn advance(start: Option<Key>, rows: &[Row], order_field: &ApiName, clock: &dyn Clock) -> Option<Key> {
    let cap = clock.latest_plausible();
    let mut best = start;
    for key in rows.iter().filter_map(|r| key_of(r, order_field)) {
        if key.at > cap {
            tracing::warn!(id = %key.id, at = %key.at, "row stamped in the future does not move the cursor");
            continue;
        }
        if best.as_ref().is_none_or(|b| key > *b) {
            best = Some(key);
        }
    }
    best
}

fn base_query(read: &ObjectRead) -> Query {
    let mut q = Query::select(&read.object, &read.select).order_by(&[read.order_field.clone(), id_name()]);
    if let Some(filter) = &read.filter {
        q = q.filter(filter.clone());
    }
    q
}

/// The stream's own query of an object, cut to its first row (what the probe runs).
pub(crate) fn first_row_query(read: &ObjectRead) -> Query {
    base_query(read).limit(1)
}

/// Whether the deleted-records window still reaches back to `since`.
enum Window {
    /// It does; these records were deleted since.
    Covered(Vec<Record>),
    /// It does not: deletions before `earliest` may be lost.
    Lost { earliest: String },
}

async fn check_window(
    api: &Api,
    read: &ObjectRead,
    since: Timestamp,
    clock: &dyn Clock,
) -> Result<Window, SalesforceError> {
    let start = since.duration_trunc(ChronoDuration::minutes(1)).unwrap_or(since);
    // Salesforce wants more than a minute between start and end, both read to the minute.
    let end = Utc::now().max(start + ChronoDuration::minutes(2));
    let window = match api.deleted(read.object.as_str(), start, end).await {
        Ok(w) => w,
        Err(e) if e.vendor_code() == Some("INVALID_REPLICATION_DATE") => {
            return Ok(Window::Lost {
                earliest: e.to_string(),
            });
        }
        Err(e) => return Err(e),
    };
    if let Some(latest) = window
        .latest_date_covered
        .as_deref()
        .and_then(crate::convert::row::parse_datetime)
    {
        clock.observed_server_time(latest);
    }
    let earliest = window
        .earliest_date_available
        .as_deref()
        .and_then(crate::convert::row::parse_datetime);
    if let Some(earliest) = earliest
        && earliest > since
    {
        return Ok(Window::Lost {
            earliest: earliest.to_rfc3339(),
        });
    }
    let tombstones = match read.tombstones {
        None => Vec::new(),
        Some(object) => window
            .deleted_records
            .iter()
            .filter_map(|d| {
                let id = SalesforceId::parse(&d.id).ok()?;
                Some(Record::Tombstone {
                    key: ExternalId::salesforce(object, &id),
                    at: d.deleted_date.as_deref().and_then(crate::convert::row::parse_datetime),
                })
            })
            .collect(),
    };
    Ok(Window::Covered(tombstones))
}

/// Continues `open` if it was issued for `cursor`; `None` when a fresh query is needed (no open
/// query, another position, or a locator Salesforce no longer knows).
async fn continue_open(
    api: &Api,
    open: Option<OpenQuery>,
    cursor: &ObjectCursor,
    backfill: bool,
) -> Result<Option<(QueryPage, Timestamp)>, SalesforceError> {
    let Some(open) = open.filter(|o| o.cursor == *cursor && o.backfill == backfill) else {
        return Ok(None);
    };
    match api.query_more(&open.next_url).await {
        Ok(page) => Ok(Some((page, open.pass_started))),
        // Locators expire when idle and only ten stay open per user: start over from the cursor.
        Err(e) if e.vendor_code() == Some("INVALID_QUERY_LOCATOR") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the next page of one object after `cursor`.
pub(crate) async fn read_page(
    api: &Api,
    read: &ObjectRead,
    cursor: &ObjectCursor,
    mode: PullMode,
    open: Option<OpenQuery>,
    clock: &dyn Clock,
) -> Result<ObjectPage, SalesforceError> {
    match mode {
        PullMode::Incremental => read_main(api, read, cursor, open, clock).await,
        PullMode::Backfill { since, until } => read_backfill(api, read, cursor, since, until, open, clock).await,
    }
}

async fn read_main(
    api: &Api,
    read: &ObjectRead,
    cursor: &ObjectCursor,
    open: Option<OpenQuery>,
    clock: &dyn Clock,
) -> Result<ObjectPage, SalesforceError> {
    let lookback = ChronoDuration::from_std(read.lookback).unwrap_or_default();
    let (page, mut next, tombstones, pass_started) = match continue_open(api, open, cursor, false).await? {
        Some((page, pass_started)) => (page, cursor.clone(), Vec::new(), pass_started),
        None => {
            let mut start = cursor.clone();
            let mut tombstones = Vec::new();
            let seen = cursor.seen_until.or(cursor.after.as_ref().map(|a| a.at));
            if read.window_check
                && let Some(seen) = seen
            {
                match check_window(api, read, seen, clock).await? {
                    Window::Covered(t) => tombstones = t,
                    Window::Lost { earliest } => {
                        tracing::warn!(
                            object = %read.object, seen_until = %seen, %earliest,
                            "the deleted-records window no longer reaches back to what was read: full resync"
                        );
                        start = cursor.resync();
                    }
                }
            }
            let pass_started = clock.server_now();
            let mut q = base_query(read);
            if let Some(after) = &start.after {
                q = q.filter(if start.synced && !lookback.is_zero() {
                    Cond::cmp(&read.order_field, Op::Ge, Literal::DateTime(after.at - lookback))
                } else {
                    Cond::after_key(&read.order_field, after.at, &after.id)
                });
            }
            let page = api.query(&q.to_soql()?, read.query_all).await?;
            (page, start, tombstones, pass_started)
        }
    };
    next.after = advance(next.after.clone(), &page.records, &read.order_field, clock);
    if page.done {
        next.synced = true;
        // Everything stamped before the pass began has now been read, but for transactions
        // that were still open then: those are what the lookback re-reads.
        let seen = pass_started - lookback;
        next.seen_until = Some(next.seen_until.map_or(seen, |s| s.max(seen)));
    }
    let open = match (page.done, page.next_records_url) {
        (false, Some(url)) => Some(OpenQuery {
            cursor: next.clone(),
            next_url: url,
            backfill: false,
            pass_started,
        }),
        _ => None,
    };
    Ok(ObjectPage {
        rows: page.records,
        tombstones,
        cursor: next,
        open,
    })
}

async fn read_backfill(
    api: &Api,
    read: &ObjectRead,
    cursor: &ObjectCursor,
    since: Timestamp,
    until: Timestamp,
    open: Option<OpenQuery>,
    clock: &dyn Clock,
) -> Result<ObjectPage, SalesforceError> {
    let progress = cursor
        .backfill
        .clone()
        .filter(|b| b.since == since && b.until == until)
        .unwrap_or(BackfillProgress {
            since,
            until,
            after: None,
            done: false,
        });
    let mut next = cursor.clone();
    if progress.done {
        next.backfill = Some(progress);
        return Ok(ObjectPage {
            rows: Vec::new(),
            tombstones: Vec::new(),
            cursor: next,
            open: None,
        });
    }
    next.backfill = Some(progress.clone());
    let page = match continue_open(api, open, &next, true).await? {
        Some((page, _)) => page,
        None => {
            let mut q = base_query(read)
                .filter(Cond::cmp(&read.order_field, Op::Ge, Literal::DateTime(since)))
                .filter(Cond::cmp(&read.order_field, Op::Lt, Literal::DateTime(until)));
            if let Some(after) = &progress.after {
                q = q.filter(Cond::after_key(&read.order_field, after.at, &after.id));
            }
            api.query(&q.to_soql()?, read.query_all).await?
        }
    };
    let mut progress = progress;
    progress.after = advance(progress.after, &page.records, &read.order_field, clock);
    progress.done = page.done;
    next.backfill = Some(progress);
    let open = match (page.done, page.next_records_url) {
        (false, Some(url)) => Some(OpenQuery {
            cursor: next.clone(),
            next_url: url,
            backfill: true,
            pass_started: clock.server_now(),
        }),
        _ => None,
    };
    Ok(ObjectPage {
        rows: page.records,
        tombstones: Vec::new(),
        cursor: next,
        open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fixed(Timestamp);
    impl Clock for Fixed {
        fn server_now(&self) -> Timestamp {
            self.0
        }
        fn latest_plausible(&self) -> Timestamp {
            self.0
        }
        fn observed_server_time(&self, _: Timestamp) {}
    }

    fn row(id: &str, at: &str) -> Row {
        match json!({"Id": id, "SystemModstamp": at}) {
            serde_json::Value::Object(m) => m,
            _ => Row::new(),
        }
    }

    #[test]
    fn the_position_takes_the_last_plausible_row() {
        let clock = Fixed(crate::convert::row::parse_datetime("2025-01-01T00:00:00.000+0000").unwrap());
        let field = crate::convert::names(&["SystemModstamp"]).remove(0);
        let rows = vec![
            row("00Q5g0000000001", "2024-01-01T00:00:00.000+0000"),
            row("00Q5g0000000002", "2024-01-01T00:00:00.000+0000"),
            row("00Q5g0000000003", "2031-01-01T00:00:00.000+0000"),
            row("not an id", "2024-06-01T00:00:00.000+0000"),
        ];
        let key = advance(None, &rows, &field, &clock).unwrap();
        assert_eq!(
            key.id.as_str(),
            SalesforceId::parse("00Q5g0000000002").unwrap().as_str()
        );
        // Never behind where it started.
        let ahead = key_of(&row("00Q5g0000000009", "2024-02-01T00:00:00.000+0000"), &field);
        assert_eq!(advance(ahead.clone(), &rows, &field, &clock), ahead);
    }
}

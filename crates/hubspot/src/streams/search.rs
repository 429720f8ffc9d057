//! Reading changes through CRM search, one query per page, past the 10,000-result cap.
//!
//! Holds no state: where a pass stands is the cursor's [`SearchScan`]. Each page is a new query
//! sorted by modification time (ties in id order) that starts at the last modification time the
//! previous page read (`GTE`; the records sharing it are read again, harmlessly). Never paging
//! with `after` means no query ever reaches HubSpot's 10,000-result cap, and a record modified
//! while the pass runs moves to the end of the order instead of shifting the offsets of the
//! others (which offset paging would make skip a record). When a whole page shares one
//! timestamp, the next pages read that instant in id order (`EQ` time, `GT` id) and the pass then
//! continues after it (`GT` time). So every record modified since the pass's lower bound is read,
//! however many there are.

use crate::client::SEARCH;
use crate::connector::Shared;
use crate::convert::contact::position;
use crate::convert::watermark_limit;
use crate::cursor::{SearchScan, Window};
use crate::error::HubSpotError;
use crate::wire;
use closedloop_core::Timestamp;
use closedloop_core::ids::HubSpotId;
use serde_json::{Value, json};

/// What a search reads.
pub(crate) struct SearchSpec<'a> {
    /// `contacts` or `deals`.
    pub(crate) object: &'static str,
    /// The modification-time property (`lastmodifieddate`, `hs_lastmodifieddate`).
    pub(crate) modified: &'static str,
    /// Properties to return.
    pub(crate) properties: &'a [String],
    /// Results per page.
    pub(crate) page_size: u32,
}

/// One page of a search pass.
pub(crate) struct SearchPage {
    /// The objects read.
    pub(crate) objects: Vec<Value>,
    /// Where the pass stands after the page.
    pub(crate) scan: SearchScan,
    /// True when the pass has read everything.
    pub(crate) finished: bool,
}

fn millis(t: Timestamp) -> String {
    t.timestamp_millis().to_string()
}

/// The request body of a page of `window`.
pub(crate) fn body(spec: &SearchSpec<'_>, window: &Window) -> Value {
    let filter = |property: &str, operator: &str, value: String| json!({ "propertyName": property, "operator": operator, "value": value });
    let (filters, sort) = match window {
        Window::From { at } => (vec![filter(spec.modified, "GTE", millis(*at))], spec.modified),
        Window::After { at } => (vec![filter(spec.modified, "GT", millis(*at))], spec.modified),
        Window::Ties { at, after_id } => {
            let mut f = vec![filter(spec.modified, "EQ", millis(*at))];
            if let Some(id) = after_id {
                f.push(filter("hs_object_id", "GT", id.as_str().to_owned()));
            }
            (f, "hs_object_id")
        }
    };
    json!({
        "filterGroups": [{ "filters": filters }],
        "sorts": [{ "propertyName": sort, "direction": "ASCENDING" }],
        "properties": spec.properties,
        "limit": spec.page_size,
    })
}

/// The window of the page after a full page of `window` whose records, in order, ended at
/// `last` (and started at `first`).
pub(crate) fn next_window(window: &Window, first: (Timestamp, &HubSpotId), last: (Timestamp, &HubSpotId)) -> Window {
    match window {
        Window::Ties { at, .. } => Window::Ties {
            at: *at,
            after_id: Some(last.1.clone()),
        },
        // The whole page shares one instant: starting at it again would read the same page.
        Window::From { .. } | Window::After { .. } if first.0 == last.0 => Window::Ties {
            at: last.0,
            after_id: None,
        },
        Window::From { .. } | Window::After { .. } => Window::From { at: last.0 },
    }
}

/// Reads the scan's next page.
pub(crate) async fn step(
    shared: &Shared,
    spec: &SearchSpec<'_>,
    scan: &SearchScan,
) -> Result<SearchPage, HubSpotError> {
    let mut scan = scan.clone();
    let path = format!("/crm/v3/objects/{}/search", spec.object);
    let page: wire::Page = shared
        .client
        .post(&path, SEARCH)
        .json(&body(spec, &scan.window))
        .send_json()
        .await?;
    let limit = watermark_limit();
    let positions: Vec<(Timestamp, HubSpotId)> =
        page.results.iter().filter_map(|r| position(r, spec.modified)).collect();
    for (at, _) in &positions {
        if *at <= limit {
            scan.high_water = scan.high_water.max(*at);
        }
    }
    scan.pages = scan.pages.saturating_add(1);
    let full = page.results.len() >= spec.page_size as usize;
    let finished = if full {
        let (Some(first), Some(last)) = (positions.first(), positions.last()) else {
            return Err(HubSpotError::Unexpected {
                call: "search",
                detail: format!("a page of {} carried no readable {} or id", spec.object, spec.modified),
            });
        };
        scan.window = next_window(&scan.window, (first.0, &first.1), (last.0, &last.1));
        false
    } else {
        match scan.window.clone() {
            // The instant's ties are read: continue after it.
            Window::Ties { at, .. } => {
                scan.window = Window::After { at };
                false
            }
            Window::From { .. } | Window::After { .. } => true,
        }
    };
    Ok(SearchPage {
        objects: page.results,
        scan,
        finished,
    })
}

/// The newest modification time of any record of the type (records dated in the future aside):
/// where incremental reads continue after a full list started now.
pub(crate) async fn newest(
    shared: &Shared,
    object: &'static str,
    modified: &'static str,
) -> Result<Option<Timestamp>, HubSpotError> {
    let body = json!({
        "filterGroups": [{ "filters": [
            { "propertyName": modified, "operator": "LTE", "value": millis(watermark_limit()) }
        ] }],
        "sorts": [{ "propertyName": modified, "direction": "DESCENDING" }],
        "properties": [modified],
        "limit": 1,
    });
    let page: wire::Page = shared
        .client
        .post(&format!("/crm/v3/objects/{object}/search"), SEARCH)
        .json(&body)
        .send_json()
        .await?;
    Ok(page
        .results
        .first()
        .and_then(|r| position(r, modified))
        .map(|(at, _)| at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn id(s: &str) -> HubSpotId {
        HubSpotId::parse(s).unwrap()
    }

    #[test]
    fn a_full_page_continues_from_its_last_time_or_drains_its_ties() {
        let from = Window::From {
            at: t("2025-01-01T00:00:00Z"),
        };
        let (a, b) = (id("5"), id("3"));
        assert_eq!(
            next_window(&from, (t("2025-01-01T00:00:00Z"), &a), (t("2025-01-02T00:00:00Z"), &b)),
            Window::From {
                at: t("2025-01-02T00:00:00Z")
            }
        );
        assert_eq!(
            next_window(&from, (t("2025-01-02T00:00:00Z"), &a), (t("2025-01-02T00:00:00Z"), &b)),
            Window::Ties {
                at: t("2025-01-02T00:00:00Z"),
                after_id: None
            }
        );
        let ties = Window::Ties {
            at: t("2025-01-02T00:00:00Z"),
            after_id: None,
        };
        let last = id("900");
        assert_eq!(
            next_window(
                &ties,
                (t("2025-01-02T00:00:00Z"), &a),
                (t("2025-01-02T00:00:00Z"), &last)
            ),
            Window::Ties {
                at: t("2025-01-02T00:00:00Z"),
                after_id: Some(id("900"))
            }
        );
    }

    #[test]
    fn ties_are_read_in_id_order_after_the_last_id() {
        let props = vec!["email".to_owned()];
        let spec = SearchSpec {
            object: "contacts",
            modified: "lastmodifieddate",
            properties: &props,
            page_size: 200,
        };
        let window = Window::Ties {
            at: t("2025-01-01T00:00:00Z"),
            after_id: Some(id("42")),
        };
        let b = body(&spec, &window);
        assert_eq!(b["sorts"][0]["propertyName"], "hs_object_id");
        assert_eq!(b["filterGroups"][0]["filters"][0]["operator"], "EQ");
        assert_eq!(b["filterGroups"][0]["filters"][0]["value"], "1735689600000");
        assert_eq!(b["filterGroups"][0]["filters"][1]["value"], "42");
        assert!(b.get("after").is_none(), "never offset paging");
    }
}

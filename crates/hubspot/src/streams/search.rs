//! Reading changes through CRM search, window by window, past the 10,000-result cap.
//!
//! Holds no state: where a pass stands is the cursor's [`SearchScan`]. A window is one search
//! query, sorted by the modification time (ties in id order). HubSpot lets one query page
//! through at most 10,000 results, so before a window reaches the cap the next window restarts
//! the filter from the last modification time read (`GTE`: records sharing it are read twice,
//! harmlessly). When a whole window shares one timestamp, a ties window reads that instant in
//! id order (`EQ` time, `GT` id) and the pass continues after it (`GT` time). So every record
//! modified since the pass's lower bound is read, however many there are.

use crate::client::SEARCH;
use crate::connector::Shared;
use crate::convert::contact::position;
use crate::cursor::{Position, SearchScan, Window};
use crate::error::HubSpotError;
use crate::wire;
use closedloop_core::Timestamp;
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
    /// Results one query may page through.
    pub(crate) cap: u32,
}

/// One page of a search pass.
pub(crate) struct SearchPage {
    /// The objects read (possibly none, when a window was restarted).
    pub(crate) objects: Vec<Value>,
    /// Where the pass stands after the page.
    pub(crate) scan: SearchScan,
    /// True when the pass has read everything.
    pub(crate) finished: bool,
}

fn millis(t: Timestamp) -> String {
    t.timestamp_millis().to_string()
}

/// The request body of the scan's next page.
pub(crate) fn body(spec: &SearchSpec<'_>, scan: &SearchScan) -> Value {
    let filter = |property: &str, operator: &str, value: String| json!({ "propertyName": property, "operator": operator, "value": value });
    let (filters, sort) = match &scan.window {
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
    let mut body = json!({
        "filterGroups": [{ "filters": filters }],
        "sorts": [{ "propertyName": sort, "direction": "ASCENDING" }],
        "properties": spec.properties,
        "limit": spec.page_size,
    });
    if let (Some(after), Some(map)) = (&scan.after, body.as_object_mut()) {
        map.insert("after".into(), json!(after));
    }
    body
}

/// The window that continues a window which reached the cap.
pub(crate) fn narrowed(scan: &SearchScan) -> Option<Window> {
    match (&scan.window, &scan.window_first, &scan.window_last) {
        (Window::Ties { at, .. }, _, Some(last)) => Some(Window::Ties {
            at: *at,
            after_id: Some(last.id.clone()),
        }),
        (_, Some(first), Some(last)) if last.at > first.at => Some(Window::From { at: last.at }),
        (_, _, Some(last)) => Some(Window::Ties {
            at: last.at,
            after_id: None,
        }),
        (_, _, None) => None,
    }
}

/// Whether HubSpot refused a page for being past its result cap (a 400 naming the limit).
fn is_cap_refusal(error: &closedloop_outbound::Error) -> bool {
    match error {
        closedloop_outbound::Error::Http {
            status,
            body_prefix,
            vendor,
            ..
        } if status.as_u16() == 400 => {
            let text = format!(
                "{body_prefix} {}",
                vendor.as_ref().and_then(|v| v.message.clone()).unwrap_or_default()
            )
            .to_ascii_lowercase();
            text.contains("10000")
                || text.contains("10,000")
                || text.contains("results_limit")
                || text.contains("capped")
        }
        _ => false,
    }
}

fn restart(scan: &mut SearchScan) -> Result<(), HubSpotError> {
    let window = narrowed(scan).ok_or_else(|| HubSpotError::Unexpected {
        call: "search",
        detail: "a full window of results carried no readable modification time, so it cannot be narrowed".into(),
    })?;
    scan.next_window(window);
    Ok(())
}

/// Reads the scan's next page.
pub(crate) async fn step(
    shared: &Shared,
    spec: &SearchSpec<'_>,
    scan: &SearchScan,
) -> Result<SearchPage, HubSpotError> {
    let mut scan = scan.clone();
    let path = format!("/crm/v3/objects/{}/search", spec.object);
    let page: wire::Page = match shared
        .client
        .post(&path, SEARCH)
        .json(&body(spec, &scan))
        .send_json()
        .await
    {
        Ok(page) => page,
        // The query itself worked (this window read results already): the cap came earlier
        // than expected. Narrow from the last record read instead of failing the pass.
        Err(e) if scan.read_in_window > 0 && is_cap_refusal(&e) => {
            tracing::debug!(
                object = spec.object,
                "search refused paging further; narrowing the window"
            );
            restart(&mut scan)?;
            return Ok(SearchPage {
                objects: Vec::new(),
                scan,
                finished: false,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let read = u32::try_from(page.results.len()).unwrap_or(u32::MAX);
    for raw in &page.results {
        if let Some((at, id)) = position(raw, spec.modified) {
            let here = Position { at, id };
            if scan.window_first.is_none() {
                scan.window_first = Some(here.clone());
            }
            scan.high_water = scan.high_water.max(here.at);
            scan.window_last = Some(here);
        }
    }
    scan.read_in_window = scan.read_in_window.saturating_add(read);
    scan.pages_in_window = scan.pages_in_window.saturating_add(1);
    let finished = match page.next_after() {
        Some(after) if read > 0 => {
            if scan.read_in_window.saturating_add(spec.page_size) > spec.cap {
                restart(&mut scan)?;
            } else {
                scan.after = Some(after);
            }
            false
        }
        _ => match scan.window.clone() {
            Window::Ties { at, .. } => {
                scan.next_window(Window::After { at });
                false
            }
            Window::From { .. } | Window::After { .. } => true,
        },
    };
    Ok(SearchPage {
        objects: page.results,
        scan,
        finished,
    })
}

/// The newest modification time of any record of the type: where incremental reads continue
/// after a full list started now.
pub(crate) async fn newest(
    shared: &Shared,
    object: &'static str,
    modified: &'static str,
) -> Result<Option<Timestamp>, HubSpotError> {
    let body = json!({
        "filterGroups": [],
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
    use closedloop_core::ids::HubSpotId;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn pos(at: &str, id: &str) -> Position {
        Position {
            at: t(at),
            id: HubSpotId::parse(id).unwrap(),
        }
    }

    #[test]
    fn a_capped_window_restarts_from_its_last_time_or_drains_its_ties() {
        let mut scan = SearchScan::starting(t("2025-01-01T00:00:00Z"), t("2025-01-01T00:00:00Z"));
        scan.window_first = Some(pos("2025-01-01T00:00:00Z", "5"));
        scan.window_last = Some(pos("2025-01-02T00:00:00Z", "3"));
        assert_eq!(
            narrowed(&scan),
            Some(Window::From {
                at: t("2025-01-02T00:00:00Z")
            })
        );
        scan.window_first = Some(pos("2025-01-02T00:00:00Z", "1"));
        assert_eq!(
            narrowed(&scan),
            Some(Window::Ties {
                at: t("2025-01-02T00:00:00Z"),
                after_id: None
            })
        );
        scan.next_window(Window::Ties {
            at: t("2025-01-02T00:00:00Z"),
            after_id: None,
        });
        scan.window_last = Some(pos("2025-01-02T00:00:00Z", "900"));
        assert_eq!(
            narrowed(&scan),
            Some(Window::Ties {
                at: t("2025-01-02T00:00:00Z"),
                after_id: Some(HubSpotId::parse("900").unwrap())
            })
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
            cap: 10_000,
        };
        let mut scan = SearchScan::starting(t("2025-01-01T00:00:00Z"), t("2025-01-01T00:00:00Z"));
        scan.next_window(Window::Ties {
            at: t("2025-01-01T00:00:00Z"),
            after_id: Some(HubSpotId::parse("42").unwrap()),
        });
        let b = body(&spec, &scan);
        assert_eq!(b["sorts"][0]["propertyName"], "hs_object_id");
        assert_eq!(b["filterGroups"][0]["filters"][0]["operator"], "EQ");
        assert_eq!(b["filterGroups"][0]["filters"][0]["value"], "1735689600000");
        assert_eq!(b["filterGroups"][0]["filters"][1]["value"], "42");
        assert!(b.get("after").is_none());
    }
}

//! What each report row is called: the catalog's name when there is one, else its key, else a
//! description of the people without one ("(no campaign)").
//!
//! Holds no state.

use crate::model::Group;
use closedloop_store::report::GroupKey;

/// The row of a dimension (`campaign`, `channel`, `content`, `owner`, `month`, `total`).
pub(super) fn group(dimension: &str, key: &GroupKey) -> Group {
    let none = match dimension {
        "campaign" => "(no campaign)",
        "channel" => "(unknown channel)",
        "content" => "(no content)",
        "owner" => "(no owner)",
        "total" => "all",
        _ => "(none)",
    };
    let name = key
        .label
        .clone()
        .or_else(|| key.id.clone())
        .unwrap_or_else(|| none.to_owned());
    Group {
        id: key.id.clone(),
        system: key.system.clone(),
        name,
    }
}

/// The row of conversions no touch earned.
pub(super) fn unattributed() -> Group {
    Group {
        id: None,
        system: None,
        name: "(unattributed: no touch earned it)".to_owned(),
    }
}

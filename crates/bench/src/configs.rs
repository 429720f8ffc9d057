//! The contacts-only variant of a simulator config: closedloop doing the tap's work.
//!
//! Holds no state. Every stream but HubSpot's contacts is switched off and the database gets its
//! own file and pushes are off, so the comparison with the Singer tap's contacts stream is like for like.

use anyhow::{Context, anyhow};
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, value};

const HUBSPOT_OTHERS: [&str; 7] = [
    "deals",
    "form_submissions",
    "marketing_events",
    "web_events",
    "email_events",
    "catalog",
    "archived",
];
const SALESFORCE_ALL: [&str; 7] = [
    "leads",
    "contacts",
    "opportunities",
    "activities",
    "campaigns",
    "users",
    "lead_status_history",
];

/// Writes `to`: the config at `from` with only HubSpot's contacts stream, no pushes, and database `db_name`.
pub fn contacts_only(from: &Path, to: &Path, db_name: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(from).with_context(|| format!("read {}", from.display()))?;
    let mut doc: DocumentMut = text.parse().with_context(|| format!("parse {}", from.display()))?;
    doc["store"]["path"] = value(db_name);
    // The tap only reads: closedloop pulls and reconciles but pushes nothing, and leaves the
    // simulators as the full run expects them.
    doc["sync"]["dry_run"] = value(true);
    for (system, streams) in [("hubspot", &HUBSPOT_OTHERS[..]), ("salesforce", &SALESFORCE_ALL[..])] {
        let tables = doc[system]["streams"]
            .as_table_mut()
            .ok_or_else(|| anyhow!("{} has no [{system}.streams]", from.display()))?;
        for name in streams {
            if !tables.contains_key(name) {
                let mut t = Table::new();
                t["interval_secs"] = value(3600);
                tables.insert(name, Item::Table(t));
            }
            tables[name]["enabled"] = value(false);
        }
    }
    std::fs::write(to, doc.to_string()).with_context(|| format!("write {}", to.display()))
}

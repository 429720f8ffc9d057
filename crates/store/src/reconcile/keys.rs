//! Lists of keys bound as one JSON parameter, so a batch query reads many rows in one round trip.
//!
//! Holds no state. SQLite has no array parameters; `json_each(?)` over a JSON array is the
//! compile-checkable way to say "these keys" without building SQL text. Lists are cut into chunks
//! so one statement never materialises an unbounded array.

use closedloop_core::{Email, ExternalId, PersonId};

/// Keys per statement: big enough that round trips do not matter, small enough to bound memory.
pub(crate) const CHUNK: usize = 2_000;

/// Rows per bulk insert (each row a JSON array read with `->>`).
pub(crate) const ROWS: usize = 2_000;

/// `[["hubspot","contact","101"], ...]`: read in SQL as `j.value ->> 0`, `->> 1`, `->> 2`.
pub(crate) fn keys_json<'a>(keys: impl IntoIterator<Item = &'a ExternalId>) -> String {
    let parts: Vec<[&str; 3]> = keys
        .into_iter()
        .map(|k| [k.system.as_str(), k.object.as_str(), k.id.as_str()])
        .collect();
    // Serialising strings cannot fail.
    serde_json::to_string(&parts).unwrap_or_else(|_| "[]".to_owned())
}

/// `["a@example.com", ...]`.
pub(crate) fn emails_json<'a>(emails: impl IntoIterator<Item = &'a Email>) -> String {
    let parts: Vec<&str> = emails.into_iter().map(Email::as_str).collect();
    serde_json::to_string(&parts).unwrap_or_else(|_| "[]".to_owned())
}

/// `[4, 9, ...]`.
pub(crate) fn persons_json<'a>(persons: impl IntoIterator<Item = &'a PersonId>) -> String {
    let parts: Vec<i64> = persons.into_iter().map(|p| p.0).collect();
    serde_json::to_string(&parts).unwrap_or_else(|_| "[]".to_owned())
}

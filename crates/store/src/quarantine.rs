//! The quarantine: input a connector rejected, with its reason, kept for the operator.
//!
//! State: the `quarantine` table. One row per distinct problem (stream, object, reason); seeing
//! it again bumps `occurrences`. When a later read of the same object is accepted, its rows are
//! marked resolved: the quarantine shows what is wrong now, and keeps what was.

use crate::Store;
use crate::error::StoreError;
use crate::time::from_ms;
use closedloop_core::Timestamp;
use closedloop_core::page::Rejected;
use serde::Serialize;
use sqlx::SqliteConnection;

/// Stored payloads are cut at this size: a hostile 100 MB string must not fill the disk.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// A reason or id is cut at this many characters.
const MAX_TEXT_CHARS: usize = 500;

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The raw input as stored: JSON text, truncated on a character boundary with a marker.
fn stored_payload(payload: &serde_json::Value) -> String {
    let text = payload.to_string();
    if text.len() <= MAX_PAYLOAD_BYTES {
        return text;
    }
    let mut end = MAX_PAYLOAD_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated, {} bytes in all]", &text[..end], text.len())
}

pub(crate) async fn quarantine(
    tx: &mut SqliteConnection,
    system: &str,
    rejected: &Rejected,
    now: i64,
) -> Result<(), StoreError> {
    let stream = clip(&rejected.stream, 100);
    let external_id = rejected.external_id.as_deref().map(|s| clip(s, MAX_TEXT_CHARS));
    let reason = clip(&rejected.reason, MAX_TEXT_CHARS);
    let payload = stored_payload(&rejected.payload);
    // Objects without a readable id are told apart by their content.
    let identity = match &external_id {
        Some(id) => format!("id:{id}"),
        None => format!("payload:{}", closedloop_core::hash::content_hash(&rejected.payload)),
    };
    let fingerprint = closedloop_core::hash::content_hash(&serde_json::json!([stream, identity, reason]));
    sqlx::query!(
        r#"INSERT INTO quarantine (fingerprint, system, stream, external_id, reason, payload, first_seen_at, last_seen_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (fingerprint) DO UPDATE SET payload = excluded.payload, last_seen_at = excluded.last_seen_at,
               occurrences = quarantine.occurrences + 1, resolved_at = NULL"#,
        fingerprint,
        system,
        stream,
        external_id,
        reason,
        payload,
        now,
        now
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks the open quarantine rows of an object as resolved: a later read of it was accepted.
pub(crate) async fn resolve(
    tx: &mut SqliteConnection,
    stream: &str,
    external_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE quarantine SET resolved_at = ? WHERE stream = ? AND external_id = ? AND resolved_at IS NULL",
        now,
        stream,
        external_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One quarantined problem, for `status` and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineEntry {
    /// The system the input came from.
    pub system: String,
    /// The stream.
    pub stream: String,
    /// The object's id, when readable.
    pub external_id: Option<String>,
    /// Why it was rejected.
    pub reason: String,
    /// How often it was seen.
    pub occurrences: i64,
    /// First seen.
    pub first_seen_at: Timestamp,
    /// Last seen.
    pub last_seen_at: Timestamp,
    /// The raw input (possibly truncated).
    pub payload: String,
}

impl Store {
    /// Open (unresolved) quarantine entries, most recent first.
    pub async fn open_quarantine(&self, limit: i64) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT system, stream, external_id, reason, occurrences, first_seen_at, last_seen_at, payload
               FROM quarantine WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, id DESC LIMIT ?"#,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(QuarantineEntry {
                    system: r.system,
                    stream: r.stream,
                    external_id: r.external_id,
                    reason: r.reason,
                    occurrences: r.occurrences,
                    first_seen_at: from_ms(r.first_seen_at)?,
                    last_seen_at: from_ms(r.last_seen_at)?,
                    payload: r.payload,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_payloads_are_truncated_on_a_char_boundary() {
        let huge = serde_json::Value::String("é".repeat(100_000));
        let stored = stored_payload(&huge);
        assert!(stored.len() < MAX_PAYLOAD_BYTES + 100);
        assert!(stored.contains("[truncated, 200002 bytes in all]"));
        let small = serde_json::json!({"a": 1});
        assert_eq!(stored_payload(&small), r#"{"a":1}"#);
    }
}

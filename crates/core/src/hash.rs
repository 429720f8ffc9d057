//! Content hashes of raw payloads: an unchanged re-read is recognised without comparing fields.
//!
//! Holds no state.

use sha2::{Digest, Sha256};

/// The SHA-256 of a JSON value in canonical form (object keys sorted, no whitespace), as hex.
///
/// `serde_json::Map` keeps keys sorted unless the `preserve_order` feature is on, which this
/// workspace never enables; the test below would catch it if it were.
pub fn content_hash(value: &serde_json::Value) -> String {
    let canonical = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":3}}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"a":{"x":3,"y":2},"b":1}"#).unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        let c: serde_json::Value = serde_json::from_str(r#"{"a":{"x":3,"y":2},"b":2}"#).unwrap();
        assert_ne!(content_hash(&a), content_hash(&c));
        assert_eq!(content_hash(&a).len(), 64);
    }
}

//! Identifiers and paging cursors: deterministic GUIDs and opaque `after` tokens.
//!
//! Holds no state. HubSpot's numeric ids are handed out by counters in the state; the GUIDs of
//! forms and campaigns, and the ids of events, come from a stable hash of what they name, so the
//! same scenario always yields the same ids. Cursors are opaque (base64) so that a client which
//! does arithmetic on them, instead of passing them back, breaks here as it would against HubSpot.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// FNV-1a, 64-bit: tiny, stable across platforms and Rust versions (unlike `DefaultHasher`).
fn fnv1a(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separate parts so ("ab","c") and ("a","bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A version-4-shaped UUID derived from a namespace and a key.
pub fn stable_uuid(namespace: &str, key: &str) -> Uuid {
    let hi = fnv1a(0x5157_0001, &[namespace.as_bytes(), key.as_bytes()]);
    let lo = fnv1a(0x5157_0002, &[key.as_bytes(), namespace.as_bytes()]);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A version-4-shaped UUID derived from a namespace and a number.
pub fn stable_uuid_n(namespace: &str, n: u64) -> Uuid {
    stable_uuid(namespace, &n.to_string())
}

/// Encodes a cursor position as an opaque `after` token.
pub fn encode_cursor(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position.as_bytes())
}

/// Decodes an `after` token made by [`encode_cursor`]; `None` when it is not one.
pub fn decode_cursor(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim().as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}

/// Decodes a cursor that holds one number.
pub fn decode_number_cursor(token: &str) -> Option<u64> {
    decode_cursor(token)?.parse().ok()
}

/// Decodes a cursor that holds two numbers separated by `:`.
pub fn decode_pair_cursor(token: &str) -> Option<(i64, u64)> {
    let text = decode_cursor(token)?;
    let (a, b) = text.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_distinct() {
        assert_eq!(stable_uuid("form", "wp-1"), stable_uuid("form", "wp-1"));
        assert_ne!(stable_uuid("form", "wp-1"), stable_uuid("form", "wp-2"));
        assert_ne!(stable_uuid("form", "wp-1"), stable_uuid("campaign", "wp-1"));
        assert_eq!(stable_uuid("form", "x").get_version_num(), 4);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_number_cursor(&encode_cursor("1234")), Some(1234));
        assert_eq!(decode_pair_cursor(&encode_cursor("-5:9")), Some((-5, 9)));
        assert_eq!(decode_number_cursor("1234"), None, "a raw id is not a cursor");
        assert_eq!(decode_number_cursor("%%%"), None);
    }
}

//! Salesforce record ids: key prefixes, the 15→18 character checksum, parsing and allocation.
//!
//! State: none beyond [`IdAllocator`], a per-object serial counter. An id is `prefix (3) + pod (3) +
//! serial (9, base 62)` plus the 3-character case checksum Salesforce appends to make ids safe in
//! case-insensitive systems. Serials use the alphabet `0-9A-Za-z` in ASCII order, so ids allocated
//! later sort after ids allocated earlier, both as strings and as [`SfId`] values.
//!
//! The simulator implements the checksum itself on purpose: it is an independent oracle, and must
//! not share this logic with closedloop's connectors.

use std::fmt;

/// Characters of a base-62 serial, in ASCII order so that string order equals numeric order.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The checksum alphabet: chunk bit patterns 0..32 map to these characters.
const CHECKSUM: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The "pod" characters after the prefix; real orgs carry an instance identifier here.
const POD: &[u8; 3] = b"5g0";

/// An 18-character Salesforce id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SfId([u8; 18]);

impl SfId {
    /// Parses a 15- or 18-character id. An 18-character id must carry the right checksum.
    pub fn parse(text: &str) -> Option<SfId> {
        let bytes = text.as_bytes();
        if !(bytes.len() == 15 || bytes.len() == 18) || !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut core = [0u8; 15];
        core.copy_from_slice(&bytes[..15]);
        let full = with_checksum(&core);
        // Salesforce accepts the suffix in any case; the 15 characters before it are case-sensitive.
        if bytes.len() == 18 && !full.0[15..].eq_ignore_ascii_case(&bytes[15..]) {
            return None;
        }
        Some(full)
    }

    /// The id as text (always 18 characters).
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The three-character key prefix naming the object type (`00Q` for Lead).
    pub fn prefix(&self) -> &str {
        &self.as_str()[..3]
    }
}

impl fmt::Debug for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SfId({})", self.as_str())
    }
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Appends the checksum to a 15-character id: for each 5-character chunk, bit `i` is set when
/// character `i` is an uppercase letter, and the 5-bit value indexes [`CHECKSUM`].
pub fn with_checksum(core: &[u8; 15]) -> SfId {
    let mut out = [0u8; 18];
    out[..15].copy_from_slice(core);
    for chunk in 0..3 {
        let mut bits = 0usize;
        for i in 0..5 {
            if core[chunk * 5 + i].is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out[15 + chunk] = CHECKSUM[bits];
    }
    SfId(out)
}

/// Hands out increasing ids for one key prefix.
#[derive(Debug, Clone)]
pub struct IdAllocator {
    prefix: [u8; 3],
    next: u64,
}

impl IdAllocator {
    /// An allocator for `prefix` (exactly three alphanumerics).
    pub fn new(prefix: &str) -> IdAllocator {
        let mut p = [b'0'; 3];
        for (slot, b) in p.iter_mut().zip(prefix.bytes()) {
            *slot = b;
        }
        // Start past zero so ids look like real ones rather than 000000000.
        IdAllocator {
            prefix: p,
            next: 62u64.pow(5),
        }
    }

    /// The next id.
    pub fn allocate(&mut self) -> SfId {
        let mut core = [0u8; 15];
        core[..3].copy_from_slice(&self.prefix);
        core[3..6].copy_from_slice(POD);
        let mut n = self.next;
        for slot in core[6..].iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        self.next += 1;
        with_checksum(&core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_known_salesforce_ids() {
        // Test vectors published with the algorithm (independent of this implementation).
        for (short, long) in [
            ("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
            ("a01M00000062mPg", "a01M00000062mPgIAI"),
            ("001M000000qfPyS", "001M000000qfPySIAU"),
            ("a0FE000000D6r3F", "a0FE000000D6r3FMAR"),
            ("0F9E000000092w2", "0F9E000000092w2KAA"),
            ("aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaAAA"),
            ("AbCdEfGhIjKlMnO", "AbCdEfGhIjKlMnOVKV"),
            ("aBcDEfgHIJKLMNO", "aBcDEfgHIJKLMNO025"),
            ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
        ] {
            assert_eq!(
                SfId::parse(short).map(|id| id.to_string()).as_deref(),
                Some(long),
                "{short}"
            );
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "001",
            "a0RE000000IJmcNMAU",
            "a0RE000000IJmc-",
            "a0RE000000IJmcNMA",
            "a0RE000000IJmcNMATX",
        ] {
            assert!(SfId::parse(bad).is_none(), "{bad:?} accepted");
        }
        assert!(SfId::parse("a0RE000000IJmcNmat").is_some(), "checksum case is ignored");
    }

    #[test]
    fn allocated_ids_increase_and_round_trip() {
        let mut alloc = IdAllocator::new("00Q");
        let ids: Vec<SfId> = (0..5000).map(|_| alloc.allocate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1] && w[0].as_str() < w[1].as_str()));
        for id in &ids {
            assert_eq!(id.prefix(), "00Q");
            assert_eq!(SfId::parse(id.as_str()), Some(*id));
            assert_eq!(SfId::parse(&id.as_str()[..15]), Some(*id));
        }
    }
}

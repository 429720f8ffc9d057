//! OAuth sessions: which access tokens are valid, and until when.
//!
//! State: token → issue time. A token is valid while `now - issued < token_ttl_secs` (no TTL:
//! forever) and until [`Sessions::expire_all`] (the admin "expire sessions" switch) drops it.
//! Expired tokens are removed when next presented, so a refreshed token is the only way back in.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::Mutex;

/// The set of live sessions.
pub struct Sessions {
    inner: Mutex<Inner>,
    ttl_ms: Option<i64>,
}

struct Inner {
    tokens: HashMap<String, i64>,
    rng: ChaCha8Rng,
}

impl Sessions {
    /// Sessions that live `ttl_secs` (forever with `None`).
    pub fn new(ttl_secs: Option<u64>) -> Sessions {
        Sessions {
            inner: Mutex::new(Inner {
                tokens: HashMap::new(),
                rng: ChaCha8Rng::seed_from_u64(0x5f5f_5f5f),
            }),
            ttl_ms: ttl_secs.map(|s| i64::try_from(s).unwrap_or(i64::MAX / 1000).saturating_mul(1000)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a known token (the scenario's), issued at `now_ms`.
    pub fn insert(&self, token: &str, now_ms: i64) {
        self.lock().tokens.insert(token.to_owned(), now_ms);
    }

    /// Issues a new session token for `org_id`, shaped like Salesforce's (`00D...!AQ...`).
    pub fn issue(&self, org_id: &str, now_ms: i64) -> String {
        let mut inner = self.lock();
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
        let tail: String = (0..96)
            .map(|_| ALPHABET[inner.rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        let token = format!("{}!AQ{tail}", &org_id[..15.min(org_id.len())]);
        inner.tokens.insert(token.clone(), now_ms);
        token
    }

    /// True when `token` is a live session; an expired one is forgotten.
    pub fn check(&self, token: &str, now_ms: i64) -> bool {
        let mut inner = self.lock();
        match inner.tokens.get(token) {
            Some(issued) if self.ttl_ms.is_none_or(|ttl| now_ms - issued < ttl) => true,
            Some(_) => {
                inner.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    /// Ends every session.
    pub fn expire_all(&self) {
        self.lock().tokens.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_after_their_ttl_and_on_demand() {
        let s = Sessions::new(Some(60));
        let t = s.issue("00D5g0000000001AAA", 0);
        assert!(t.starts_with("00D5g0000000001!AQ"));
        assert!(s.check(&t, 59_999));
        assert!(!s.check(&t, 60_000));
        assert!(!s.check(&t, 0), "an expired token stays dead");
        s.insert("fixed", 0);
        s.expire_all();
        assert!(!s.check("fixed", 1));
        let forever = Sessions::new(None);
        forever.insert("x", 0);
        assert!(forever.check("x", i64::MAX / 2));
    }
}

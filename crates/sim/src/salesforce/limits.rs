//! The daily API request quota, the `Sforce-Limit-Info` header and the `limits` resource.
//!
//! State: [`Quota`] counts API requests against the org's daily allocation. Salesforce counts
//! every authenticated REST call (the OAuth token endpoint excluded); once the allocation is
//! spent it refuses calls with 403 `REQUEST_LIMIT_EXCEEDED` until usage falls back (here: until
//! `restore_daily_quota`). An org without a limit in the scenario reports a large allocation and
//! never refuses, unless the quota is exhausted on purpose.

use super::errors::json_response;
use super::shared::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The allocation shown when the scenario sets no daily limit.
pub const UNLIMITED_SHOWN: u64 = 5_000_000;

/// Daily API request accounting.
pub struct Quota {
    used: AtomicU64,
    max: u64,
    enforced_by_default: bool,
    enforced: AtomicBool,
}

impl Quota {
    /// A quota of `max` requests a day (`None`: unlimited).
    pub fn new(max: Option<u64>) -> Quota {
        Quota {
            used: AtomicU64::new(0),
            max: max.unwrap_or(UNLIMITED_SHOWN),
            enforced_by_default: max.is_some(),
            enforced: AtomicBool::new(max.is_some()),
        }
    }

    /// Counts one request; `Err(used)` when the allocation is spent.
    pub fn take(&self) -> Result<u64, u64> {
        let enforced = self.enforced.load(Ordering::Relaxed);
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            if enforced && used >= self.max {
                return Err(used);
            }
            match self
                .used
                .compare_exchange_weak(used, used + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Ok(used + 1),
                Err(actual) => used = actual,
            }
        }
    }

    /// Requests used so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The daily allocation.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Spends the whole allocation: every following call is refused.
    pub fn exhaust(&self) {
        self.used.fetch_max(self.max, Ordering::Relaxed);
        self.enforced.store(true, Ordering::Relaxed);
    }

    /// Starts a new day: usage back to zero.
    pub fn restore(&self) {
        self.used.store(0, Ordering::Relaxed);
        self.enforced.store(self.enforced_by_default, Ordering::Relaxed);
    }

    /// The `Sforce-Limit-Info` header value.
    pub fn header(&self) -> String {
        format!("api-usage={}/{}", self.used(), self.max)
    }
}

/// `GET /limits`.
pub async fn limits(State(sim): State<Arc<Shared>>) -> Response {
    let max = sim.quota.max();
    let remaining = max.saturating_sub(sim.quota.used());
    let fixed = |max: u64| json!({"Max": max, "Remaining": max});
    json_response(
        StatusCode::OK,
        &json!({
            "ConcurrentAsyncGetReportInstances": fixed(200),
            "DailyApiRequests": {"Max": max, "Remaining": remaining},
            "DailyAsyncApexExecutions": fixed(250_000),
            "DailyBulkApiBatches": fixed(15_000),
            "DailyBulkV2QueryJobs": fixed(10_000),
            "DataStorageMB": fixed(1_024),
            "SingleEmail": fixed(5_000),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_refuses_once_spent_and_restores() {
        let q = Quota::new(Some(2));
        assert_eq!(q.take(), Ok(1));
        assert_eq!(q.take(), Ok(2));
        assert_eq!(q.take(), Err(2));
        assert_eq!(q.header(), "api-usage=2/2");
        q.restore();
        assert_eq!(q.take(), Ok(1));
        let unlimited = Quota::new(None);
        assert!((0..10).all(|_| unlimited.take().is_ok()));
        unlimited.exhaust();
        assert!(unlimited.take().is_err());
        unlimited.restore();
        assert!(unlimited.take().is_ok());
    }
}

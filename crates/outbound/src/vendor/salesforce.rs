//! Salesforce's rules on the outbound path: error codes, the `Sforce-Limit-Info` header, limits.
//!
//! Holds no state. Facts from `shared/api-contracts.md` ("Errors, limits, auth"):
//! - Error bodies are arrays: `[{"message":..,"errorCode":..,"fields":[..]}]`.
//! - 401 `INVALID_SESSION_ID`: the session expired; refresh the token and retry once.
//! - 403 `REQUEST_LIMIT_EXCEEDED`: the org's daily API budget is spent; stop cleanly and resume
//!   later. Salesforce uses the same code for its concurrent long-running request limit
//!   ("ConcurrentPerOrgLongTxn Limit exceeded"), which clears in seconds: that one is retried.
//! - Every response carries `Sforce-Limit-Info: api-usage=N/MAX` (the org's rolling 24 hours).
//! - There is no short-window limit, so a Salesforce plan has no buckets, only the daily budget.

use super::{DailyReading, QuotaObservation, Vendor, VendorError, VendorSignal, json_body, mentions};
use crate::quota::{DailyLimit, DailyWindow, QuotaPlan};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Salesforce's rules. Use [`SalesforceLimits`] for the matching quota plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Salesforce;

impl Vendor for Salesforce {
    fn name(&self) -> &'static str {
        "salesforce"
    }

    fn interpret_error(&self, _status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Option<VendorSignal> {
        let (code, message) = match first_error(body) {
            Some(error) => (error.code, error.message.unwrap_or_default()),
            // A cut-short body: recognise the codes by name.
            None if mentions(body, "INVALID_SESSION_ID") => (Some("INVALID_SESSION_ID".to_owned()), String::new()),
            None if mentions(body, "REQUEST_LIMIT_EXCEEDED") => (
                Some("REQUEST_LIMIT_EXCEEDED".to_owned()),
                String::from_utf8_lossy(body).into_owned(),
            ),
            None => return None,
        };
        match code.as_deref() {
            Some("INVALID_SESSION_ID") => Some(VendorSignal::AuthExpired),
            Some("REQUEST_LIMIT_EXCEEDED") if message.contains("Concurrent") => {
                Some(VendorSignal::RateLimited { window: None })
            }
            Some("REQUEST_LIMIT_EXCEEDED") => Some(VendorSignal::DailyQuotaExhausted),
            _ => None,
        }
    }

    fn observe_quota(&self, headers: &HeaderMap) -> QuotaObservation {
        let daily = headers
            .get("sforce-limit-info")
            .and_then(|value| value.to_str().ok())
            .and_then(parse_limit_info);
        QuotaObservation {
            buckets: Vec::new(),
            daily,
        }
    }

    fn error_details(&self, _headers: &HeaderMap, body: &[u8]) -> Option<VendorError> {
        first_error(body)
    }
}

/// The first error of a Salesforce error array (or a lone error object), with its fields named.
fn first_error(body: &[u8]) -> Option<VendorError> {
    let json = json_body(body)?;
    let error = match &json {
        serde_json::Value::Array(items) => items.first()?,
        object @ serde_json::Value::Object(_) => object,
        _ => return None,
    };
    let code = error.get("errorCode").and_then(|v| v.as_str()).map(str::to_owned);
    let mut message = error.get("message").and_then(|v| v.as_str()).map(str::to_owned);
    let fields: Vec<&str> = error
        .get("fields")
        .and_then(|v| v.as_array())
        .map(|fields| fields.iter().filter_map(|f| f.as_str()).collect())
        .unwrap_or_default();
    if !fields.is_empty() {
        let named = format!("fields: {}", fields.join(", "));
        message = Some(match message {
            Some(m) => format!("{m} ({named})"),
            None => named,
        });
    }
    let details = VendorError {
        code,
        message,
        correlation_id: None,
    };
    (details != VendorError::default()).then_some(details)
}

/// Parses `api-usage=N/MAX` out of a `Sforce-Limit-Info` value, which may list other usages too
/// (`api-usage=25/5000, per-app-api-usage=17/250(appName=x)`).
pub(crate) fn parse_limit_info(value: &str) -> Option<DailyReading> {
    value.split(',').find_map(|part| {
        let usage = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = usage.split_once('/')?;
        Some(DailyReading {
            used: used.trim().parse().ok()?,
            max: max.trim().parse().ok()?,
        })
    })
}

/// The API limits of one Salesforce org, from which its [`QuotaPlan`] is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SalesforceLimits {
    /// The org's daily API request limit, when known; otherwise learned from the first response's
    /// `Sforce-Limit-Info` header (calls are not limited until then).
    pub daily: Option<u64>,
    /// Share of the daily limit (0.0..1.0) left for the org's other integrations.
    pub daily_reserve_share: f64,
    /// How often to let one call through to ask whether budget is back, once spent. Salesforce
    /// counts a rolling 24 hours, so budget returns gradually rather than at a fixed time.
    pub daily_probe_every: Duration,
}

impl Default for SalesforceLimits {
    fn default() -> Self {
        SalesforceLimits {
            daily: None,
            daily_reserve_share: 0.0,
            daily_probe_every: Duration::from_secs(10 * 60),
        }
    }
}

impl SalesforceLimits {
    /// The quota plan: the daily budget only.
    pub fn quota_plan(&self) -> QuotaPlan {
        QuotaPlan::new().with_daily(DailyLimit {
            max: self.daily,
            reserve_share: self.daily_reserve_share,
            window: DailyWindow::Rolling24Hours,
            probe_every: self.daily_probe_every,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_is_parsed_among_other_usages() {
        assert_eq!(
            parse_limit_info("api-usage=10018/100000"),
            Some(DailyReading {
                used: 10_018,
                max: 100_000
            })
        );
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250(appName=x), api-usage=25/5000"),
            Some(DailyReading { used: 25, max: 5000 })
        );
        assert_eq!(parse_limit_info("api-usage=abc/5000"), None);
        assert_eq!(parse_limit_info(""), None);
    }

    #[test]
    fn error_details_name_the_fields() {
        let body =
            br#"[{"message":"Email: invalid email address","errorCode":"INVALID_EMAIL_ADDRESS","fields":["Email"]}]"#;
        let details = Salesforce.error_details(&HeaderMap::new(), body).expect("details");
        assert_eq!(details.code.as_deref(), Some("INVALID_EMAIL_ADDRESS"));
        assert_eq!(
            details.message.as_deref(),
            Some("Email: invalid email address (fields: Email)")
        );
    }
}

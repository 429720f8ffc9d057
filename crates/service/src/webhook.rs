//! HubSpot webhook deliveries: signature v3 verification and what a delivery asks us to re-read.
//!
//! Holds no state. The signature is `base64(HMAC-SHA256(client_secret, method + uri + body +
//! timestamp))`, compared in constant time; deliveries whose timestamp is more than `max_age`
//! away from now (either side) are refused, so a captured delivery cannot be replayed.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a delivery was refused. Messages never include the secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The timestamp header is not a number of milliseconds.
    #[error("X-HubSpot-Request-Timestamp is not a millisecond timestamp")]
    BadTimestamp,
    /// The delivery is older (or further in the future) than allowed.
    #[error("delivery timestamp is {age_secs} s away from now (at most {max_age_secs} s allowed)")]
    Stale {
        /// How far off it is.
        age_secs: i64,
        /// The limit.
        max_age_secs: u64,
    },
    /// The signature does not match.
    #[error("signature does not match")]
    BadSignature,
    /// The body is not a JSON array of events.
    #[error("body is not a HubSpot event array: {0}")]
    BadBody(String),
}

/// HubSpot decodes these percent-escapes in the URI before signing (its documented list).
const DECODED: [(&str, &str); 12] = [
    ("%3A", ":"),
    ("%2F", "/"),
    ("%3F", "?"),
    ("%40", "@"),
    ("%21", "!"),
    ("%24", "$"),
    ("%27", "'"),
    ("%28", "("),
    ("%29", ")"),
    ("%2A", "*"),
    ("%2C", ","),
    ("%3B", ";"),
];

fn decode_uri(uri: &str) -> String {
    let mut out = uri.to_owned();
    for (escaped, plain) in DECODED {
        out = out.replace(escaped, plain).replace(&escaped.to_lowercase(), plain);
    }
    out
}

/// The v3 signature HubSpot computes for a request.
pub fn sign_v3(secret: &[u8], method: &str, uri: &str, body: &[u8], timestamp_ms: &str) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("hmac takes any key length");
    mac.update(method.as_bytes());
    mac.update(decode_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp_ms.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The parts of a delivery the check needs.
pub struct Delivery<'a> {
    /// `POST`.
    pub method: &'a str,
    /// The full URI HubSpot posted to (scheme, host, path, query).
    pub uri: &'a str,
    /// The raw body.
    pub body: &'a [u8],
    /// `X-HubSpot-Signature-v3`.
    pub signature: Option<&'a str>,
    /// `X-HubSpot-Request-Timestamp`, milliseconds.
    pub timestamp: Option<&'a str>,
}

/// Verifies a delivery's signature and freshness at `now_ms`.
pub fn verify_v3(secret: &[u8], d: &Delivery<'_>, now_ms: i64, max_age_secs: u64) -> Result<(), WebhookError> {
    let signature = d
        .signature
        .ok_or(WebhookError::MissingHeader("X-HubSpot-Signature-v3"))?;
    let timestamp = d
        .timestamp
        .ok_or(WebhookError::MissingHeader("X-HubSpot-Request-Timestamp"))?;
    let sent_ms: i64 = timestamp.trim().parse().map_err(|_| WebhookError::BadTimestamp)?;
    let age_secs = (now_ms - sent_ms) / 1000;
    if age_secs.unsigned_abs() > max_age_secs {
        return Err(WebhookError::Stale { age_secs, max_age_secs });
    }
    let expected = sign_v3(secret, d.method, d.uri, d.body, timestamp.trim());
    if bool::from(expected.as_bytes().ct_eq(signature.trim().as_bytes())) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// One event of a delivery (the fields closedloop uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// `contact.propertyChange`, `contact.creation`, `contact.merge`, `deal.propertyChange`...
    pub subscription_type: String,
    /// The object the event is about.
    pub object_id: u64,
}

/// What a verified delivery asks for: which kinds of objects to re-read now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triggers {
    /// Contacts changed, were created, merged or deleted.
    pub contacts: Vec<u64>,
    /// Deals changed.
    pub deals: Vec<u64>,
}

/// Parses a verified body into triggers.
pub fn triggers(body: &[u8]) -> Result<Triggers, WebhookError> {
    let events: Vec<WebhookEvent> =
        serde_json::from_slice(body).map_err(|e| WebhookError::BadBody(e.to_string().chars().take(120).collect()))?;
    let mut t = Triggers::default();
    for e in events {
        match e.subscription_type.split('.').next() {
            Some("contact") => t.contacts.push(e.object_id),
            Some("deal") => t.deals.push(e.object_id),
            _ => {}
        }
    }
    t.contacts.sort_unstable();
    t.contacts.dedup();
    t.deals.sort_unstable();
    t.deals.dedup();
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"sim-client-secret";
    const URI: &str = "https://closedloop.example.com/webhooks/hubspot";
    const BODY: &[u8] = br#"[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":101,"occurredAt":1}]"#;

    fn delivery<'a>(signature: &'a str, timestamp: &'a str) -> Delivery<'a> {
        Delivery {
            method: "POST",
            uri: URI,
            body: BODY,
            signature: Some(signature),
            timestamp: Some(timestamp),
        }
    }

    #[test]
    fn a_genuine_fresh_delivery_passes() {
        let now = 1_760_000_000_000i64;
        let ts = (now - 30_000).to_string();
        let sig = sign_v3(SECRET, "POST", URI, BODY, &ts);
        assert_eq!(verify_v3(SECRET, &delivery(&sig, &ts), now, 300), Ok(()));
    }

    #[test]
    fn a_forged_signature_a_changed_body_or_another_secret_fails() {
        let now = 1_760_000_000_000i64;
        let ts = now.to_string();
        let sig = sign_v3(SECRET, "POST", URI, BODY, &ts);
        let mut tampered = delivery(&sig, &ts);
        tampered.body = br#"[{"subscriptionType":"contact.deletion","objectId":101}]"#;
        assert_eq!(verify_v3(SECRET, &tampered, now, 300), Err(WebhookError::BadSignature));
        assert_eq!(
            verify_v3(b"another-secret", &delivery(&sig, &ts), now, 300),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_v3(SECRET, &delivery("AAAA", &ts), now, 300),
            Err(WebhookError::BadSignature)
        );
        let other_uri = Delivery {
            uri: "https://evil.example.com/webhooks/hubspot",
            ..delivery(&sig, &ts)
        };
        assert_eq!(verify_v3(SECRET, &other_uri, now, 300), Err(WebhookError::BadSignature));
    }

    #[test]
    fn stale_and_future_deliveries_fail_even_with_a_valid_signature() {
        let now = 1_760_000_000_000i64;
        for offset in [-301_000i64, 301_000] {
            let ts = (now + offset).to_string();
            let sig = sign_v3(SECRET, "POST", URI, BODY, &ts);
            assert!(matches!(
                verify_v3(SECRET, &delivery(&sig, &ts), now, 300),
                Err(WebhookError::Stale { .. })
            ));
        }
    }

    #[test]
    fn missing_or_bad_headers_fail() {
        let d = Delivery {
            signature: None,
            ..delivery("x", "1")
        };
        assert_eq!(
            verify_v3(SECRET, &d, 0, 300),
            Err(WebhookError::MissingHeader("X-HubSpot-Signature-v3"))
        );
        assert_eq!(
            verify_v3(SECRET, &delivery("x", "yesterday"), 0, 300),
            Err(WebhookError::BadTimestamp)
        );
    }

    #[test]
    fn the_uri_is_decoded_as_hubspot_does_before_signing() {
        let encoded = "https://h.example.com/webhooks/hubspot?portal%3A=1%2C2";
        let plain = "https://h.example.com/webhooks/hubspot?portal:=1,2";
        assert_eq!(
            sign_v3(SECRET, "POST", encoded, BODY, "1"),
            sign_v3(SECRET, "POST", plain, BODY, "1")
        );
    }

    #[test]
    fn deliveries_become_deduplicated_triggers() {
        let body = br#"[{"subscriptionType":"contact.propertyChange","objectId":7},
                        {"subscriptionType":"contact.creation","objectId":7},
                        {"subscriptionType":"deal.propertyChange","objectId":9},
                        {"subscriptionType":"company.creation","objectId":3}]"#;
        assert_eq!(
            triggers(body).unwrap(),
            Triggers {
                contacts: vec![7],
                deals: vec![9]
            }
        );
        assert!(triggers(b"{}").is_err());
    }
}

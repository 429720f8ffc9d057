//! Sending one HTTP request and reading its whole body: the only place that touches `reqwest`'s I/O.
//!
//! State: the account's shared `reqwest::Client`. A [`Transport`] returns a complete response
//! (status, headers, the full body) or a [`TransportFailure`] of a known [`TransportKind`], so a
//! body that breaks off mid-stream is a failed attempt (and retried) rather than a half-read
//! response handed to the connector. Tests substitute a scripted transport to drive the call loop
//! with paused time.

use crate::classify::TransportKind;
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::error::Error as StdError;
use std::fmt;

/// A boxed error from below HTTP.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An attempt that produced no complete response.
#[derive(Debug)]
pub(crate) struct TransportFailure {
    pub(crate) kind: TransportKind,
    pub(crate) source: BoxError,
}

impl TransportFailure {
    pub(crate) fn new(kind: TransportKind, source: impl Into<BoxError>) -> Self {
        TransportFailure {
            kind,
            source: source.into(),
        }
    }
}

/// Sends requests. Implemented by `reqwest` here and by scripted fakes in tests.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Sends `request` and reads at most `max_body_bytes` of its body.
    fn send(
        &self,
        request: reqwest::Request,
        max_body_bytes: usize,
    ) -> BoxFuture<'static, Result<RawResponse, TransportFailure>>;
}

/// The real transport.
pub(crate) struct ReqwestTransport(pub(crate) reqwest::Client);

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: reqwest::Request,
        max_body_bytes: usize,
    ) -> BoxFuture<'static, Result<RawResponse, TransportFailure>> {
        let client = self.0.clone();
        Box::pin(async move {
            // The URL may carry query values that are not for logs; the call loop names the call.
            let mut response = client
                .execute(request)
                .await
                .map_err(|e| TransportFailure::new(send_failure_kind(&e), e.without_url()))?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            if response.content_length().is_some_and(|len| len > max_body_bytes as u64) {
                return Err(TransportFailure::new(
                    TransportKind::BodyTooLarge,
                    TooLarge(max_body_bytes),
                ));
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| TransportFailure::new(body_failure_kind(&e), e.without_url()))?
            {
                if body.len() + chunk.len() > max_body_bytes {
                    return Err(TransportFailure::new(
                        TransportKind::BodyTooLarge,
                        TooLarge(max_body_bytes),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawResponse {
                status,
                headers,
                body: body.freeze(),
            })
        })
    }
}

/// What kind of failure an error from sending (before the response head) is.
fn send_failure_kind(error: &reqwest::Error) -> TransportKind {
    if error.is_timeout() {
        TransportKind::Timeout
    } else if error.is_connect() {
        TransportKind::Connect
    } else if error.is_request() || error.is_body() {
        // The connection closed or was reset while the request was out: the server may have it.
        TransportKind::Reset
    } else if error.is_decode() {
        TransportKind::Decode
    } else {
        TransportKind::Other
    }
}

/// What kind of failure an error while reading the body is. Without content encodings, reqwest
/// reports a body that breaks off as a decode error: it is a truncated body.
fn body_failure_kind(error: &reqwest::Error) -> TransportKind {
    if error.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::TruncatedBody
    }
}

#[derive(Debug)]
struct TooLarge(usize);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response body exceeds {} bytes", self.0)
    }
}

impl StdError for TooLarge {}

//! The daemon's `/report`: the closed-loop report rendered from the store.
//!
//! State: the last rendered page and when it was built. Building reads the whole store (seconds
//! at 100,000 people), so a page is reused for `MAX_AGE` and rebuilt by one request at a time:
//! concurrent requests wait for that build instead of starting their own.

use crate::http::ReportSource;
use closedloop_config::Config;
use closedloop_store::Store;
use futures::future::BoxFuture;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a rendered report is served before it is rebuilt.
const MAX_AGE: Duration = Duration::from_secs(60);

/// Renders the HTML report for all time with the configured model.
pub struct StoreReport {
    store: Store,
    config: Config,
    cache: Mutex<Option<(Instant, String)>>,
}

impl StoreReport {
    /// A report source over `store` with the options `config` implies.
    pub fn new(store: Store, config: Config) -> Self {
        StoreReport {
            store,
            config,
            cache: Mutex::new(None),
        }
    }
}

impl ReportSource for StoreReport {
    fn html(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if let Some((built, html)) = cache.as_ref()
                && built.elapsed() < MAX_AGE
            {
                return Ok(html.clone());
            }
            let options = closedloop_report::ReportOptions::from_config(&self.config, chrono::Utc::now());
            let report = closedloop_report::build(&self.store, &options)
                .await
                .map_err(|e| e.to_string())?;
            let html = closedloop_report::render_html(&report);
            *cache = Some((Instant::now(), html.clone()));
            Ok(html)
        })
    }
}

//! Peak request rates against HubSpot's limits, from the simulator's counters sampled while a
//! closedloop process runs.
//!
//! State: the samples (time, requests outside search, search requests, 429s). The counters are
//! read every 200 ms, so a window's count is exact at sample instants and the peaks found are
//! those of windows starting at a sample (the true peak can be higher by at most what 200 ms
//! of traffic adds).

use crate::vendor::Vendors;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

const EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    /// Requests outside search, admitted (429s excluded).
    general: u64,
    /// Search requests.
    search: u64,
}

/// The peaks of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Peaks {
    /// Most requests (search excluded, 429s excluded) in any 10-second window.
    pub peak_per_10s: u64,
    /// Most search requests in any 1-second window.
    pub peak_search_per_s: u64,
    /// Samples taken.
    pub samples: usize,
}

/// A running sampler.
pub struct Sampler {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Vec<Sample>>,
}

impl Sampler {
    /// Starts sampling HubSpot's counters.
    pub fn start(vendors: Arc<Vendors>) -> Sampler {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                if let Ok(c) = vendors.hubspot_counters().await {
                    let search = c.search();
                    samples.push(Sample {
                        at: Instant::now(),
                        general: c.requests_total.saturating_sub(search).saturating_sub(c.rate_limited()),
                        search,
                    });
                }
                tokio::select! {
                    _ = tokio::time::sleep(EVERY) => {}
                    _ = stopped.changed() => break,
                }
            }
            samples
        });
        Sampler { stop, task }
    }

    /// Stops and computes the peaks.
    pub async fn finish(self) -> Peaks {
        let _ = self.stop.send(true);
        let samples = self.task.await.unwrap_or_default();
        Peaks {
            peak_per_10s: peak(&samples, Duration::from_secs(10), |s| s.general),
            peak_search_per_s: peak(&samples, Duration::from_secs(1), |s| s.search),
            samples: samples.len(),
        }
    }
}

/// The largest increase of `value` over any window of `width` that starts at a sample.
fn peak(samples: &[Sample], width: Duration, value: impl Fn(&Sample) -> u64) -> u64 {
    let mut best = 0;
    let mut end = 0;
    for (i, start) in samples.iter().enumerate() {
        end = end.max(i);
        while end + 1 < samples.len() && samples[end + 1].at.duration_since(start.at) <= width {
            end += 1;
        }
        best = best.max(value(&samples[end]).saturating_sub(value(start)));
    }
    best
}

//! What the benchmark measured, as it is written to `benchmarks.json`.
//!
//! Holds no behaviour beyond small derived figures; `table` renders it as Markdown.

use crate::child::Measured;
use crate::closedloop::CycleFigures;
use crate::peer::TapRun;
use crate::sampler::Peaks;
use crate::vendor::{ChangeSet, Counters};
use serde::Serialize;
use serde_json::Value;

/// Everything one invocation measured.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// When it ran (UTC).
    pub run_at: String,
    /// The machine.
    pub machine: Value,
    /// The command line.
    pub command: String,
    /// The vendors' limits applied with limits on.
    pub limits: Value,
    /// One entry per world size.
    pub sizes: Vec<SizeResult>,
}

/// One world size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SizeResult {
    /// Contacts (people) in the generated world.
    pub contacts: usize,
    /// Record counts in both simulators.
    pub dataset: Value,
    /// Seconds the simulator process took to generate and load the world.
    pub simulator_startup_secs: f64,
    /// Peak RSS of the simulator process (not closedloop), MiB.
    pub simulator_peak_rss_mib: Option<f64>,
    /// Limits off.
    pub limits_off: Option<ModeResult>,
    /// Limits on, measured.
    pub limits_on: Option<ModeResult>,
    /// Limits on, computed from the limits-off call counts (worlds too large to run under them).
    pub limits_on_computed: Option<Computed>,
    /// The Singer tap-hubspot on the same world as the limits-off run (generator defaults,
    /// 1% of people with malformed records).
    pub peer_default_world: Option<TapRun>,
    /// The Singer tap-hubspot side by side with closedloop's contacts stream, on the same world
    /// without malformed records.
    pub peer: Option<PeerResult>,
}

/// A full backfill, a settling cycle, 1% of changes, one incremental cycle.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModeResult {
    /// `closedloop backfill`.
    pub backfill: Step,
    /// The first `closedloop run --once` after it: it reads back closedloop's own backfill
    /// pushes (recognised, never echoed), so the next cycle starts from a settled state.
    pub settle: Step,
    /// The changes made through the vendors' APIs.
    pub changes: ChangeSet,
    /// `closedloop run --once` after the changes.
    pub incremental: Step,
}

/// One measured closedloop process.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Step {
    /// The process: wall, CPU, peak RSS.
    pub process: Measured,
    /// The cycle report's figures.
    pub cycle: CycleFigures,
    /// API calls HubSpot saw during the step.
    pub hubspot: Counters,
    /// API calls Salesforce saw during the step.
    pub salesforce: Counters,
    /// HubSpot request peaks (sampled; limits on only).
    pub peaks: Option<Peaks>,
    /// SQLite files after the step, bytes.
    pub database_bytes: u64,
}

impl Step {
    /// API calls to both vendors.
    pub fn calls(&self) -> u64 {
        self.hubspot.requests_total + self.salesforce.requests_total
    }
}

/// What the limits imply for a world not run under them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Computed {
    /// HubSpot calls of the limits-off backfill, search excluded.
    pub hubspot_calls: u64,
    /// HubSpot search calls of the limits-off backfill.
    pub hubspot_search_calls: u64,
    /// Salesforce calls of the limits-off backfill.
    pub salesforce_calls: u64,
    /// Seconds the 10-second limit alone imposes on HubSpot's calls.
    pub hubspot_min_secs: f64,
    /// Seconds the search limit alone imposes.
    pub hubspot_search_min_secs: f64,
    /// Days of HubSpot's daily quota the backfill needs.
    pub hubspot_quota_days: f64,
    /// Days of Salesforce's daily quota the backfill needs.
    pub salesforce_quota_days: f64,
    /// The backfill's lower bound: the largest of the limits-off time and what the limits impose.
    pub backfill_min_secs: f64,
    /// Incremental cycle calls with limits off, and the share of each daily quota one cycle uses.
    pub incremental_hubspot_calls: u64,
    /// Incremental cycle calls to Salesforce.
    pub incremental_salesforce_calls: u64,
}

/// The peer comparison: the tap's contacts stream and closedloop's, on the same simulator.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerResult {
    /// Tap, full pull.
    pub tap_full: TapRun,
    /// Tap, HubSpot calls of the full pull.
    pub tap_full_calls: u64,
    /// Tap, incremental run after 1% changed.
    pub tap_incremental: TapRun,
    /// Tap, HubSpot calls of the incremental run.
    pub tap_incremental_calls: u64,
    /// closedloop with only the contacts stream, backfill.
    pub closedloop_full: Step,
    /// closedloop with only the contacts stream, one incremental cycle.
    pub closedloop_incremental: Step,
    /// HubSpot contacts changed before the incremental runs.
    pub changed_contacts: u64,
}

//! The command line: which sizes, which limits, whether to run the peer, where to write.
//!
//! Holds no state.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Benchmarks closedloop against the simulators, side by side with the Singer tap-hubspot.
#[derive(Debug, Parser)]
#[command(name = "closedloop-bench", version, about)]
pub struct Cli {
    /// The benchmark's settings.
    #[command(flatten)]
    pub bench: BenchArgs,
    /// Internal: the simulator process.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands (internal).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve both simulators on a generated world until standard input closes (run by the bench).
    #[command(hide = true)]
    ServeSims(ServeArgs),
}

/// Which rate limits the simulators enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Limits {
    /// No limits: closedloop's own cost.
    Off,
    /// HubSpot Professional and Salesforce Enterprise limits.
    On,
    /// Both, one after the other.
    Both,
}

/// The benchmark's settings.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Contacts per world, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    pub sizes: Vec<usize>,
    /// Rate limits off, on, or both.
    #[arg(long, value_enum, default_value_t = Limits::Both)]
    pub limits: Limits,
    /// With limits on, worlds larger than this are not run but computed from the limits-off
    /// run's call counts (a full backfill under the limits takes hours by design).
    #[arg(long, default_value_t = 100_000)]
    pub max_limited_size: usize,
    /// Also run the Singer tap-hubspot (contacts stream) against the same simulator.
    #[arg(long)]
    pub peer: bool,
    /// Skip the peer for worlds larger than this.
    #[arg(long, default_value_t = usize::MAX)]
    pub max_peer_size: usize,
    /// Where the results go (`benchmarks.md`, `benchmarks.json`); default `results`, or
    /// `<work>/quick-results` with --quick.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Scratch directory for databases, configs and the peer's virtual environment.
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// The closedloop binary (default: next to this one, built first when run through cargo).
    #[arg(long)]
    pub closedloop: Option<PathBuf>,
    /// Seed of the generated worlds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of records changed before the incremental runs.
    #[arg(long, default_value_t = 0.01)]
    pub change_share: f64,
    /// Development mode: one world of 2,000 contacts (unless --sizes is given), results in the work directory.
    #[arg(long)]
    pub quick: bool,
    /// Merge into an existing `benchmarks.json` in --out (sizes measured now replace earlier ones).
    #[arg(long)]
    pub merge: bool,
    /// Run nothing: merge these `benchmarks.json` files (later ones win where both measured)
    /// into --out and render the tables, e.g. limits off and on measured by two invocations.
    #[arg(long, value_delimiter = ',')]
    pub combine: Vec<PathBuf>,
}

/// `serve-sims`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Contacts in the generated world.
    #[arg(long)]
    pub contacts: usize,
    /// Seed.
    #[arg(long)]
    pub seed: u64,
    /// Enforce the vendors' rate limits.
    #[arg(long)]
    pub limits: bool,
    /// Share of people with malformed records (the generator's default when absent).
    #[arg(long)]
    pub hostile: Option<f64>,
    /// Where to write the closedloop config pointing at the simulators.
    #[arg(long)]
    pub config: PathBuf,
}

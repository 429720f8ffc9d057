//! The command line as clap parses it: raw arguments, before they are checked against each other.
//!
//! Holds no state. Each subcommand's module turns these into its own validated settings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// closedloop closes the loop between marketing and sales: it syncs HubSpot and your CRM through
/// SQLite, pushes source attribution to sales and outcomes to marketing, and reports the funnel.
#[derive(Debug, Parser)]
#[command(name = "closedloop", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Log format: `text` for people, `json` for journald and log shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CLOSEDLOOP_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info`, `closedloop=debug` (the RUST_LOG syntax).
    #[arg(long, global = true, default_value = "info", env = "CLOSEDLOOP_LOG")]
    pub log: String,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the sync daemon: pull each stream on its interval, reconcile, push, until SIGTERM.
    Run(RunArgs),
    /// Load history for a date range through the list endpoints; resumable after a kill.
    Backfill(BackfillArgs),
    /// Show every stream's cursor and health, the outbox, dead letters, quarantine and quota.
    Status(StatusArgs),
    /// Build the closed-loop report: funnel, attribution, lead quality, SLA, data health.
    Report(ReportArgs),
    /// Validate a config file; with --secrets read every secret; with --probe also call the APIs.
    CheckConfig(CheckConfigArgs),
    /// Serve the HubSpot and Salesforce simulators on loopback until interrupted.
    Sim(SimArgs),
    /// Try closedloop with no credentials: simulators, a backfill, a few daemon cycles, a report.
    Demo(DemoArgs),
}

/// Where the config file is.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The configuration file.
    #[arg(
        long,
        short = 'c',
        env = "CLOSEDLOOP_CONFIG",
        default_value = "/etc/closedloop/closedloop.toml"
    )]
    pub config: PathBuf,
}

/// `closedloop run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Run one full cycle (every stream, reconcile, push) and exit: for cron and tests.
    #[arg(long)]
    pub once: bool,
}

/// `closedloop backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The first day to load (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub since: chrono::NaiveDate,
    /// The last day to load (YYYY-MM-DD, UTC); default today.
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
    /// Push nothing: print what would be created and changed, per system and field.
    #[arg(long)]
    pub dry_run: bool,
}

/// `closedloop status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The database file (instead of the one the config names).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How many entries each list shows.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
}

/// Report output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned terminal tables.
    Table,
    /// JSON with a documented schema.
    Json,
    /// One CSV file per section (needs --out, a directory).
    Csv,
    /// One self-contained HTML file with charts.
    Html,
}

/// `closedloop report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
    /// Attribution model (default: the config's `report.default_model`).
    #[arg(long)]
    pub model: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Where to write (a file; a directory for csv). Default: standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `closedloop check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The configuration file (also accepted as --config).
    #[arg(value_name = "FILE", required_unless_present = "config")]
    pub file: Option<PathBuf>,
    /// The configuration file.
    #[arg(long, short = 'c', env = "CLOSEDLOOP_CONFIG", hide_env = true)]
    pub config: Option<PathBuf>,
    /// Also read every secret the config references (what the service needs to start).
    #[arg(long)]
    pub secrets: bool,
    /// Also call each connector's APIs as a pull would (implies --secrets).
    #[arg(long)]
    pub probe: bool,
}

/// `closedloop sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// A named scenario (`tiny`, `hostile`, `demo`) or a scenario JSON file.
    #[arg(long, conflicts_with = "generate")]
    pub scenario: Option<String>,
    /// Generate a world, e.g. `contacts=1000,seed=1`.
    #[arg(long)]
    pub generate: Option<String>,
    /// Address of the HubSpot simulator.
    #[arg(long, default_value = "127.0.0.1:8480")]
    pub hubspot_addr: std::net::SocketAddr,
    /// Address of the Salesforce simulator (plain HTTP).
    #[arg(long, default_value = "127.0.0.1:8481")]
    pub salesforce_addr: std::net::SocketAddr,
    /// Also serve Salesforce over TLS (self-signed) here, for SDKs that insist on https.
    #[arg(long)]
    pub salesforce_tls_addr: Option<std::net::SocketAddr>,
    /// Write a closedloop config pointing at the simulators (and their credentials, as files) here.
    #[arg(long)]
    pub write_config: Option<PathBuf>,
}

/// `closedloop demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo's database, config and report (default: a new temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Contacts in the generated world.
    #[arg(long, default_value_t = 2000)]
    pub contacts: u32,
}

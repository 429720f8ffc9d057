//! `closedloop-bench`: the benchmark command of issue 9.
//!
//! Holds no state of its own. It starts the simulators in a separate process (this binary's
//! hidden `serve-sims` subcommand), runs `closedloop backfill` and `closedloop run --once` as
//! child processes and measures each (wall time, CPU time, peak RSS from `wait4`), counts the API
//! calls the simulators saw, changes 1% of the records through the vendors' APIs, runs the
//! Singer `tap-hubspot` against the same simulator, and writes `results/benchmarks.{md,json}`.
//!
//! # Layout
//! - `cli`: the arguments.
//! - `sims`: the simulator process (`serve-sims`) and the handle the bench holds on it.
//! - `child`: running a child process and measuring it.
//! - `vendor`: the simulators' stats and the 1% of changes made through the vendors' APIs.
//! - `sampler`: polls the HubSpot simulator's counters for peak request rates.
//! - `closedloop`: running closedloop's commands and reading their cycle reports.
//! - `peer`: the Singer tap-hubspot in its own virtual environment.
//! - `configs`: the contacts-only variant of a simulator config.
//! - `run`: the benchmark, size by size; `results`: what it measured; `table`: the Markdown.
//! - `machine`: CPU, memory, OS and toolchain of this machine.

mod child;
mod cli;
mod closedloop;
mod configs;
mod machine;
mod peer;
mod results;
mod run;
mod sampler;
mod sims;
mod table;
mod vendor;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cli.command {
        Some(cli::Command::ServeSims(args)) => runtime.block_on(sims::serve(args)),
        None => runtime.block_on(run::run(cli.bench)),
    }
}

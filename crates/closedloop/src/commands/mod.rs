//! One module per subcommand; `dispatch` runs the one the command line chose.

mod backfill;
mod check_config;
mod common;
mod demo;
mod report;
mod run;
mod sim;
mod status;

use crate::cli::Command;
use crate::exit::ExitError;

/// Runs a subcommand.
pub async fn dispatch(command: Command) -> Result<(), ExitError> {
    match command {
        Command::CheckConfig(args) => check_config::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Backfill(args) => backfill::run(args).await,
        Command::Report(args) => report::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Demo(args) => demo::run(args).await,
    }
}

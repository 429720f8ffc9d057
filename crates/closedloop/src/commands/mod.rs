//! One module per subcommand; `dispatch` runs the one the command line chose.

mod check_config;
mod not_yet;
mod report;
mod sim;
mod status;

use crate::cli::Command;
use crate::exit::ExitError;

/// Runs a subcommand.
pub async fn dispatch(command: Command) -> Result<(), ExitError> {
    match command {
        Command::CheckConfig(args) => check_config::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Run(_) => not_yet::run("run", 7),
        Command::Backfill(_) => not_yet::run("backfill", 7),
        Command::Report(args) => report::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Demo(_) => not_yet::run("demo", 7),
    }
}

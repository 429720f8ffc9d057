//! The `closedloop` binary: parses the command line, sets up logging, runs one subcommand, and
//! maps its error to an exit code. Everything else lives in the library crates.

mod cli;
mod commands;
mod exit;
mod logging;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.log_format, &cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(commands::dispatch(cli.command)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            // The chain of causes, lowercase, one per line: what an operator needs, no backtrace.
            eprintln!("error: {:#}", e.error);
            ExitCode::from(e.code)
        }
    }
}

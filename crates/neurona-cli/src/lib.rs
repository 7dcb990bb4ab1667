//! The `neurona` command as a library: the binary's `main` is a thin wrapper around [`run`], and
//! the integration tests reach the table and model helpers from here.
//! See `neurona --help`; the exit codes are 0 (success), 1 (runtime failure) and 2 (usage error).

pub mod cli;
pub mod commands;
pub mod dataset;
pub mod model;
pub mod report;
pub mod scores;
pub mod table;

use clap::Parser;

/// An error in how the command was called (an invalid parameter value): exit code 2, like
/// clap's own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Parses the command line and runs the command.
pub fn run() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match &cli.command {
        cli::Command::Train(args) => commands::train::run(args),
        cli::Command::Predict(args) => commands::predict::run(args),
        cli::Command::Evaluate(args) => commands::evaluate::run(args),
        cli::Command::Transform(args) => commands::transform::run(args),
        cli::Command::Inspect(args) => commands::inspect::run(args),
        cli::Command::Trace(args) => commands::trace::run(args),
        cli::Command::Datasets => commands::datasets::run(),
    }
}

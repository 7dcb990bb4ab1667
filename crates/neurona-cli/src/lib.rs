//! The `neurona` command as a library: the binary's `main` is a thin wrapper around [`run`], and
//! the integration tests reach the table and model helpers from here.
//! See `neurona --help`; the exit codes are 0 (success), 1 (runtime failure) and 2 (usage error).
//!
//! The modules, and what each may import from the others (no cycle):
//! - [`args`]: the command line, declared with clap (its hyperparameter flags from the core's
//!   spec tables); imports no other module.
//! - [`labels`], [`table`], [`scores`]: leaves (class labels; CSV and Parquet tables, written by
//!   the core's atomic writer; accuracy and friends).
//! - [`report`]: the HTML report and its pictures; imports [`table`].
//! - [`preprocess`]: a table's feature columns into numbers (missing cells filled, text
//!   categories one-hot encoded), fitted and kept in the model; imports [`args`] and [`table`].
//! - [`data`]: tables into features and targets; imports [`args`], [`preprocess`] and [`table`].
//! - [`model`]: the one model abstraction over the core's registry, a file per family; imports
//!   [`args`], [`data`], [`labels`], [`preprocess`], [`report`] and [`table`].
//! - [`params`]: the training flags into a family's checked parameters; imports [`args`],
//!   [`labels`] and [`model`].
//! - [`sequences`]: sequence data for the recurrent family (long tables, `.ts` files, the
//!   bundled Japanese vowels) into features and targets, and into the sequences a saved model
//!   reads with the keys that name its predictions; imports [`args`], [`data`], [`model`] and
//!   [`table`].
//! - [`commands`]: one module per subcommand, on top of everything else.

pub mod args;
pub mod commands;
pub mod data;
pub mod labels;
pub mod model;
pub mod params;
pub mod preprocess;
pub mod report;
pub mod scores;
pub mod sequences;
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
    let cli = args::Cli::parse();
    match &cli.command {
        args::Command::Train(args) => commands::train::run(args),
        args::Command::Predict(args) => commands::predict::run(args),
        args::Command::Evaluate(args) => commands::evaluate::run(args),
        args::Command::Transform(args) => commands::transform::run(args),
        args::Command::Inspect(args) => commands::inspect::run(args),
        args::Command::Export(args) => commands::export::run(args),
        args::Command::Trace(args) => commands::trace::run(args),
        args::Command::Datasets => commands::datasets::run(),
    }
}

//! `neurona`: train, predict, evaluate, inspect and trace neural networks from the command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    match neurona_cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<neurona_cli::UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

//! `neurona`: train, predict, evaluate, inspect and trace neural networks from the command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    match neurona_cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<neurona_cli::UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

/// A closed standard output (`neurona predict ... | head -3`) ends the command as it ends `cat`
/// or `grep`: killed by SIGPIPE, silently. Rust programs ignore SIGPIPE, so every later write
/// fails with EPIPE instead, and `println!` panics on that.
#[cfg(unix)]
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: restoring a signal's default disposition, before any other thread is started;
    // no handler runs in this process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_quietly_on_a_closed_pipe() {}

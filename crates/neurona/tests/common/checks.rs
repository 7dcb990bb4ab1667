//! Table-driven tests: one test runs a table of named checks.

use std::fmt::Display;
use std::panic::{UnwindSafe, catch_unwind};

/// Runs every check, a failing one not stopping the rest, then fails naming each that failed
/// (their own messages are printed above, by the panic hook).
pub fn run_every<N: Display, C: FnOnce() + UnwindSafe>(what: &str, checks: impl IntoIterator<Item = (N, C)>) {
    let failed: Vec<String> =
        checks.into_iter().filter_map(|(name, check)| catch_unwind(check).err().map(|_| name.to_string())).collect();
    assert!(failed.is_empty(), "{what}: {} failed: {}", failed.len(), failed.join("; "));
}

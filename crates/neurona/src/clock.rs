//! Elapsed seconds for the verbose lines, on every target.
//!
//! `std::time::Instant::now` panics on `wasm32-unknown-unknown` (the target has no clock
//! without a JavaScript import), and the verbose lines are the only timing the core does, so
//! there a [`Stopwatch`] reads zero rather than bringing in a binding for a number nobody reads
//! in a browser. Training never depends on time.

/// A start time, and the seconds since it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch {
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    start: std::time::Instant,
}

impl Stopwatch {
    /// Starts now.
    pub(crate) fn start() -> Self {
        Self {
            #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
            start: std::time::Instant::now(),
        }
    }

    /// Seconds since the start, or since the last [`lap`](Self::lap) (0 where the target has no
    /// clock).
    pub(crate) fn elapsed_secs(&self) -> f64 {
        #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
        return self.start.elapsed().as_secs_f64();
        #[cfg(all(target_family = "wasm", target_os = "unknown"))]
        0.0
    }

    /// The seconds since the start, restarting the watch.
    pub(crate) fn lap(&mut self) -> f64 {
        let secs = self.elapsed_secs();
        *self = Self::start();
        secs
    }
}

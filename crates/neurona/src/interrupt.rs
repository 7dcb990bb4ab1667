//! Stopping a long call from outside it: Ctrl-C in the command line, `KeyboardInterrupt` in
//! Python.
//!
//! A caller runs the call inside [`with_check`], giving a check that says whether to stop (the
//! command line reads the flag its Ctrl-C handler sets; the Python binding asks Python whether
//! a signal arrived, which needs the GIL). The long loops ask [`requested`] between steps short
//! enough for a prompt answer: the minibatches of sgd, adam and the RBM, the function
//! evaluations of L-BFGS, the rows of a perceptron epoch, the blocks of rows of a prediction
//! or an RBM's transform. Each fit then stops as its family documents (it keeps what was
//! learned and its report says so), and the caller decides what the interruption means
//! (scikit-learn keeps an sgd or adam fit and raises otherwise); a computation that returns
//! values (a prediction) returns [`NeuronaError::Interrupted`] instead of a partial result.
//!
//! The check is scoped to the calling thread, like [`crate::linalg::with_max_threads`]: the
//! loops run on the thread that called the fit, and a call with no check installed is never
//! interrupted. [`requested`] costs a clock read between calls of the check, which is run at
//! most once every [`CHECK_INTERVAL`], so that asking between small minibatches stays free
//! whatever the check costs.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{NeuronaError, Result};

/// The shortest time between two runs of a caller's check. A reaction within a fraction of a
/// second needs no finer grain, and a check that takes a lock (Python's GIL, waited for while
/// other Python threads run) then costs nothing measurable.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// The check installed on this thread, when it last ran, and whether it has fired.
struct Installed {
    check: Box<dyn FnMut() -> bool>,
    /// None until the check first runs.
    last: Option<Instant>,
    fired: bool,
}

thread_local! {
    static INSTALLED: RefCell<Option<Installed>> = const { RefCell::new(None) };
}

/// Runs `f` with `check` as this thread's interruption check: every loop inside `f` that asks
/// [`requested`] stops once `check` returns true. Returns what `f` returned and whether the
/// check fired. A check already installed (an enclosing call) is put back afterwards.
pub fn with_check<R>(check: impl FnMut() -> bool + 'static, f: impl FnOnce() -> R) -> (R, bool) {
    struct Restore(Option<Installed>);
    impl Drop for Restore {
        fn drop(&mut self) {
            INSTALLED.with(|cell| *cell.borrow_mut() = self.0.take());
        }
    }
    // The first loop to ask runs the check at once (`last` is None), so that a signal that came
    // before the call is seen without waiting an interval.
    let installed = Installed { check: Box::new(check), last: None, fired: false };
    let previous = INSTALLED.with(|cell| cell.borrow_mut().replace(installed));
    let restore = Restore(previous);
    let result = f();
    let fired = INSTALLED.with(|cell| cell.borrow().as_ref().is_some_and(|i| i.fired));
    drop(restore);
    (result, fired)
}

/// Runs `f` with `stop` added to this thread's check: the loops inside `f` stop once `stop`
/// returns true or the caller's check (if any) fires. Returns what `f` returned and whether
/// either fired; the caller's check is put back afterwards, fired if it fired inside.
pub(crate) fn with_added_stop<R>(stop: impl Fn() -> bool + 'static, f: impl FnOnce() -> R) -> (R, bool) {
    struct PutBack(Rc<RefCell<Option<Installed>>>);
    impl Drop for PutBack {
        fn drop(&mut self) {
            let outer = self.0.borrow_mut().take();
            INSTALLED.with(|cell| *cell.borrow_mut() = outer);
        }
    }
    let outer = Rc::new(RefCell::new(INSTALLED.with(|cell| cell.borrow_mut().take())));
    let asked = Rc::clone(&outer);
    let check = move || {
        stop()
            || asked.borrow_mut().as_mut().is_some_and(|outer| {
                if !outer.fired {
                    outer.fired = (outer.check)();
                }
                outer.fired
            })
    };
    // Declared first, dropped last: after `with_check` has put back the empty slot.
    let _put_back = PutBack(outer);
    with_check(check, f)
}

/// Whether the caller of this thread's long call asked it to stop: false with no check
/// installed; once true, true until the end of the [`with_check`] scope (a loop that stops
/// tells the loops around it so).
pub fn requested() -> bool {
    INSTALLED.with(|cell| {
        // A check that itself calls into neurona (a Python signal handler that fits a model)
        // finds the cell borrowed: its inner call is then not interruptible.
        let Ok(mut slot) = cell.try_borrow_mut() else { return false };
        let Some(installed) = slot.as_mut() else { return false };
        if !installed.fired && installed.last.is_none_or(|last| last.elapsed() >= CHECK_INTERVAL) {
            installed.fired = (installed.check)();
            installed.last = Some(Instant::now());
        }
        installed.fired
    })
}

/// Whether this thread's check has fired, without running it: how a computation that asked
/// [`requested`] in a loop below learns afterwards that the loop stopped early.
pub fn fired() -> bool {
    INSTALLED.with(|cell| cell.try_borrow().is_ok_and(|slot| slot.as_ref().is_some_and(|i| i.fired)))
}

/// `value`, or [`NeuronaError::Interrupted`] when this thread's check has fired: for a
/// computation whose loops stop early on [`requested`], leaving `value` incomplete.
pub(crate) fn unless_fired<T>(value: T) -> Result<T> {
    if fired() { Err(NeuronaError::Interrupted) } else { Ok(value) }
}

/// [`requested`] for the threads of one computation: the check is the calling thread's, so
/// that thread asks it and tells the others, which share the stop through this flag.
#[derive(Debug, Default)]
pub(crate) struct SharedStop(AtomicBool);

impl SharedStop {
    /// Whether to stop: once the calling thread's check has fired, true on every thread.
    pub(crate) fn requested(&self) -> bool {
        if self.0.load(Ordering::Relaxed) {
            return true;
        }
        // On the other threads no check is installed: `requested` is false there at no cost.
        let stop = requested();
        if stop {
            self.0.store(true, Ordering::Relaxed);
        }
        stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn without_a_check_nothing_is_requested() {
        assert!(!requested());
    }

    #[test]
    fn a_check_runs_at_most_once_an_interval_and_sticks_once_fired() {
        let calls = Rc::new(Cell::new(0));
        let counted = Rc::clone(&calls);
        let ((), fired) = with_check(
            move || {
                counted.set(counted.get() + 1);
                counted.get() >= 2
            },
            || {
                assert!(!requested(), "the first call runs the check, which says go on");
                assert!(!requested(), "within the interval the check is not run again");
                assert_eq!(calls.get(), 1);
                std::thread::sleep(CHECK_INTERVAL);
                assert!(requested());
                assert!(requested(), "a fired check stays fired");
                assert_eq!(calls.get(), 2);
            },
        );
        assert!(fired);
        assert!(!requested(), "the scope's check is gone after it");
    }

    #[test]
    fn nested_scopes_restore_the_enclosing_check() {
        let ((), outer) = with_check(
            || true,
            || {
                let ((), inner) = with_check(|| false, || assert!(!requested()));
                assert!(!inner);
                assert!(requested(), "the enclosing check is back");
            },
        );
        assert!(outer);
    }

    #[test]
    fn an_added_stop_asks_the_callers_check_too_and_puts_it_back() {
        // The caller's check fires inside: the loops see it, and the caller learns it fired.
        let ((), outer) = with_check(
            || true,
            || {
                let (seen, stopped) = with_added_stop(|| false, requested);
                assert!(seen && stopped);
                assert!(fired_outer_check_is_back());
            },
        );
        assert!(outer);
        // The added stop alone fires: the caller's check, which did not, stays unfired.
        let ((), outer) = with_check(
            || false,
            || {
                let (seen, stopped) = with_added_stop(|| true, requested);
                assert!(seen && stopped);
                assert!(!fired_outer_check_is_back());
            },
        );
        assert!(!outer);
        // No caller's check: the added stop alone decides, and nothing is left installed.
        let (seen, _) = with_added_stop(|| false, requested);
        assert!(!seen);
        assert!(!requested());
    }

    /// Whether a check is installed on this thread and has fired.
    fn fired_outer_check_is_back() -> bool {
        INSTALLED.with(|cell| cell.borrow().as_ref().is_some_and(|i| i.fired))
    }

    #[test]
    fn fired_peeks_without_running_the_check() {
        let ((), _) = with_check(
            || true,
            || {
                assert!(!fired(), "the check has not run yet");
                assert_eq!(unless_fired(1), Ok(1));
                assert!(requested());
                assert!(fired());
                assert_eq!(unless_fired(1), Err(NeuronaError::Interrupted));
            },
        );
        assert!(!fired());
    }

    #[test]
    fn a_shared_stop_reaches_threads_without_a_check() {
        let stop = SharedStop::default();
        let ((), _) = with_check(
            || true,
            || {
                std::thread::scope(|s| {
                    assert!(!s.spawn(|| stop.requested()).join().unwrap(), "no check on another thread");
                });
                assert!(stop.requested());
                std::thread::scope(|s| {
                    assert!(s.spawn(|| stop.requested()).join().unwrap(), "told through the flag");
                });
            },
        );
    }
}

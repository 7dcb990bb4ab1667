//! The threads that share a split loop with its caller: on native targets a small team of
//! helper threads, on WebAssembly (no threads) the caller alone.

#[cfg(not(target_family = "wasm"))]
pub(crate) use native::{for_each_part, for_each_piece};
#[cfg(target_family = "wasm")]
pub(crate) use single::{for_each_part, for_each_piece};

/// The threads that share a split loop with its caller (see [the `linalg` docs](crate::linalg#threads)).
/// WebAssembly without threads has its own team (below), every part on the caller.
///
/// A job is a closure over part indices. The caller runs part 0, then claims and runs any part
/// no helper has claimed yet: a helper that is slow to wake (its core busy with another process)
/// costs the caller nothing beyond doing the work itself, never a wait for the helper to start.
/// The caller waits only for parts a helper has claimed and is running.
#[cfg(not(target_family = "wasm"))]
mod native {
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Mutex, OnceLock, PoisonError};
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    use super::super::available_cores;

    /// How long a helper waits for the next job by spinning before it sleeps: longer than the
    /// gaps between the products of a training step, short enough that an idle process soon
    /// stops using the cores.
    const SPIN: Duration = Duration::from_millis(1);

    /// A posted job: the caller's closure.
    struct Job<'a> {
        f: &'a (dyn Fn(usize) + Sync),
    }

    /// What the caller and the helpers share.
    struct Shared {
        /// The current job's generation (high 32 bits), number of parts (next 16) and next
        /// unclaimed part (low 16). A part is claimed by incrementing the low bits while the
        /// generation is unchanged and parts remain.
        state: AtomicU64,
        /// The current job, on the posting thread's stack. Read only by a thread that has just
        /// claimed one of its parts: the caller keeps it alive until every claimed part is done.
        job: AtomicPtr<Job<'static>>,
        /// Parts of the current job finished by helpers.
        done: AtomicUsize,
        /// Whether a helper's part of the current job panicked.
        panicked: AtomicBool,
        /// Held by the one thread whose job the team runs; anyone else runs alone.
        busy: AtomicBool,
    }

    fn pack(generation: u64, parts: usize, next: usize) -> u64 {
        (generation << 32) | ((parts as u64) << 16) | next as u64
    }

    fn generation(state: u64) -> u64 {
        state >> 32
    }

    impl Shared {
        /// Claims the next part of job `generation`, if it has one left.
        fn claim(&self, generation: u64) -> Option<usize> {
            let mut state = self.state.load(Ordering::Acquire);
            loop {
                let (parts, next) = (((state >> 16) & 0xFFFF) as usize, (state & 0xFFFF) as usize);
                if state >> 32 != generation || next >= parts {
                    return None;
                }
                match self.state.compare_exchange_weak(state, state + 1, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => return Some(next),
                    Err(now) => state = now,
                }
            }
        }
    }

    struct Helper {
        thread: Thread,
        sleeping: &'static AtomicBool,
    }

    struct Team {
        shared: &'static Shared,
        helpers: Vec<Helper>,
    }

    /// The team: one helper per core beyond the first, started on first use and kept for the
    /// life of the process.
    fn team() -> &'static Team {
        static TEAM: OnceLock<Team> = OnceLock::new();
        TEAM.get_or_init(|| {
            let shared: &'static Shared = Box::leak(Box::new(Shared {
                state: AtomicU64::new(0),
                job: AtomicPtr::new(std::ptr::null_mut()),
                done: AtomicUsize::new(0),
                panicked: AtomicBool::new(false),
                busy: AtomicBool::new(false),
            }));
            let mut helpers = Vec::new();
            for index in 0..available_cores().saturating_sub(1).min(super::super::MAX_PARTS - 1) {
                let sleeping: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
                let spawned =
                    thread::Builder::new().name(format!("neurona-{}", index + 1)).spawn(move || help(shared, sleeping));
                // Without a thread, the team is smaller; the work still gets done.
                let Ok(handle) = spawned else { break };
                helpers.push(Helper { thread: handle.thread().clone(), sleeping });
            }
            Team { shared, helpers }
        })
    }

    /// A helper's life: wait for each new job and run the parts it can claim.
    fn help(shared: &'static Shared, sleeping: &'static AtomicBool) {
        let mut seen = 0;
        loop {
            let mut since = Instant::now();
            let mut spins = 0u32;
            while generation(shared.state.load(Ordering::Acquire)) == seen {
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(256) || since.elapsed() < SPIN {
                    std::hint::spin_loop();
                    continue;
                }
                // Sleep until a poster unparks us. Announcing it and then checking once more
                // (both sequentially consistent, as the poster's store and check) cannot miss a
                // job: either this check sees the job or the poster sees `sleeping`.
                sleeping.store(true, Ordering::SeqCst);
                if generation(shared.state.load(Ordering::SeqCst)) == seen {
                    thread::park();
                }
                sleeping.store(false, Ordering::SeqCst);
                since = Instant::now();
            }
            seen = generation(shared.state.load(Ordering::Acquire));
            while let Some(part) = shared.claim(seen) {
                // SAFETY: the poster stored the job before publishing its generation, which the
                // claim acquired, and keeps it alive until `done` counts this part.
                let job = unsafe { &*shared.job.load(Ordering::Relaxed) };
                if panic::catch_unwind(AssertUnwindSafe(|| (job.f)(part))).is_err() {
                    shared.panicked.store(true, Ordering::Relaxed);
                }
                shared.done.fetch_add(1, Ordering::Release);
            }
        }
    }

    /// Runs `f(0)`, ..., `f(parts - 1)` (at most 65,535 parts), each once, on the calling thread
    /// and the team's helpers, and returns when all are done. While the team serves another
    /// caller (or inside a part), every part runs on the calling thread, in order. A panic in
    /// any part is resumed here once every part has finished or been dropped.
    pub(crate) fn for_each_part(parts: usize, f: &(dyn Fn(usize) + Sync)) {
        let team = if parts > 1 { Some(team()) } else { None };
        let Some(team) = team.filter(|t| !t.helpers.is_empty() && parts <= 0xFFFF) else {
            (0..parts).for_each(f);
            return;
        };
        let shared = team.shared;
        if shared.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            (0..parts).for_each(f);
            return;
        }
        struct Release(&'static AtomicBool);
        impl Drop for Release {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _release = Release(&shared.busy);
        let job = Job { f };
        let generation = (generation(shared.state.load(Ordering::Relaxed)) + 1) & 0xFFFF_FFFF;
        shared.job.store((&raw const job).cast::<Job<'static>>().cast_mut(), Ordering::Relaxed);
        shared.done.store(0, Ordering::Relaxed);
        shared.panicked.store(false, Ordering::Relaxed);
        // Part 0 is this thread's from the start.
        shared.state.store(pack(generation, parts, 1), Ordering::SeqCst);
        for helper in &team.helpers {
            if helper.sleeping.load(Ordering::SeqCst) {
                helper.thread.unpark();
            }
        }
        let mut failed = panic::catch_unwind(AssertUnwindSafe(|| f(0))).err();
        let mut here = 1;
        while let Some(part) = shared.claim(generation) {
            here += 1;
            if failed.is_none() {
                failed = panic::catch_unwind(AssertUnwindSafe(|| f(part))).err();
            }
        }
        // Every part is claimed now; the helpers' may still run, reading `job` on this stack.
        let on_helpers = parts - here;
        let start = Instant::now();
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) != on_helpers {
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(256) || start.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        if let Some(payload) = failed {
            panic::resume_unwind(payload);
        }
        assert!(!shared.panicked.load(Ordering::Relaxed), "a part of a split loop panicked on a neurona worker thread");
    }

    /// Runs `f` on each of `pieces` (disjoint pieces of the caller's data, one per part) with
    /// [`for_each_part`].
    pub(crate) fn for_each_piece<T: Send, const N: usize>(pieces: [T; N], f: impl Fn(T) + Sync) {
        let slots = pieces.map(|piece| Mutex::new(Some(piece)));
        for_each_part(N, &|i| {
            if let Some(piece) = slots[i].lock().unwrap_or_else(PoisonError::into_inner).take() {
                f(piece);
            }
        });
    }
}

/// The team on WebAssembly (`wasm32-unknown-unknown` has no threads: spawning one fails): every
/// part runs on the calling thread, in order. The parts are the same as on a native team, whose
/// results do not depend on its size, so the results are the native ones.
#[cfg(target_family = "wasm")]
mod single {
    /// Runs `f(0)`, ..., `f(parts - 1)` on the calling thread.
    pub(crate) fn for_each_part(parts: usize, f: &(dyn Fn(usize) + Sync)) {
        (0..parts).for_each(f);
    }

    /// Runs `f` on each of `pieces`, in order, on the calling thread.
    pub(crate) fn for_each_piece<T: Send, const N: usize>(pieces: [T; N], f: impl Fn(T) + Sync) {
        pieces.into_iter().for_each(f);
    }
}

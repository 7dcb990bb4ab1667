//! The threads that share a split loop with its caller: on native targets a small team of
//! helper threads, on WebAssembly (no threads) the caller alone.

#[cfg(not(target_family = "wasm"))]
pub(crate) use native::{for_each_part, for_each_piece, team_shares};
#[cfg(target_family = "wasm")]
pub(crate) use single::{for_each_part, for_each_piece, team_shares};

/// The threads that share a split loop with its caller (see [the `linalg` docs](crate::linalg#threads)).
/// WebAssembly without threads has its own team (below), every part on the caller.
///
/// A job is a closure over part indices. The caller runs part 0, then claims and runs any part
/// no helper has claimed yet: a helper that is slow to wake (its core busy with another process)
/// costs the caller nothing beyond doing the work itself, never a wait for the helper to start.
/// The caller waits only for parts a helper has claimed and is running.
///
/// # A shared machine
///
/// When the cores are oversubscribed (another process computing, or more threads than cores), the
/// scheduler preempts a helper in the middle of its part for a time slice of a millisecond or more,
/// and the caller waits for it: a product that takes 50 µs on two threads then takes milliseconds.
/// So the caller watches. A job is *late* when its helpers finish more than `LATE_FACTOR` times the
/// caller's own share after it (a preempted helper, not an unlucky split); when the small waits of
/// many jobs add up to more than the helpers saved (`OWED_LIMIT`); when its helpers, awake when it
/// was posted, claimed none of its parts (they were off their cores); and when a helper that an
/// earlier job woke has still not run ([`STARVED`]): woken, it waits for a core that another
/// process holds, and when it gets one it takes it from the caller as often as from the other
/// process; and when a helper ran one of its parts on the caller's own core (see
/// [`Shared::crowded`]). After a late job the team runs every part on the caller for a while
/// (solo), helpers asleep, starting at [`SOLO_FIRST`] and doubling while the jobs that probe the
/// helpers again are late too, up to [`SOLO_LONGEST`]; each `SOLO_FIRST` of time on time halves
/// it. Which thread runs a part never changes what the part computes, so none of this changes a
/// result. While it waits for a late helper, the caller sleeps rather than spins, giving its core
/// to the helper it waits for.
#[cfg(not(target_family = "wasm"))]
mod native {
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Mutex, OnceLock, PoisonError};
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    use super::super::available_cores;

    /// How long a helper waits for the next job by spinning before it sleeps: longer than the
    /// gaps between the products of a training step (tens of microseconds: a layer's
    /// elementwise pass, an optimizer step), short enough that a spinning helper takes little
    /// from the caller when the cores are shared. It was a millisecond: on this project's
    /// 2-core machine loaded by other processes (load 8-9), a digits fit (adam, 64-100-10) on two
    /// threads took 1.50 s with it and 0.97 s with 100 µs, where one thread took 0.88 s (best
    /// of 5, same run): the helper spun through every pause of the caller, and a spinning
    /// thread's time slices come out of its own process's share (Linux's autogroup).
    const SPIN: Duration = Duration::from_micros(200);

    /// A job is late when its helpers finish more than `LATE_FACTOR` times the caller's share
    /// (at least `LATE_MARGIN`, for the clock and a sleeping caller's wake-up) after the caller's
    /// share ends: still far below a scheduler's time slice (about a millisecond). With a factor
    /// of 1, unequal parts and wake-ups on a quiet machine counted as late often enough to cost
    /// the 784-256-128-10 network (20,000 rows, 2 epochs, float32, two threads) 12%: best of 5,
    /// 0.406 s against 0.357 s with 4 and 0.337 s with the team before the solo rule, whose busy
    /// times it kept (a busy loop in the same session: 0.74 s; before, 0.78 s).
    const LATE_MARGIN: Duration = Duration::from_micros(20);
    const LATE_FACTOR: u32 = 4;

    /// A helper woken this long ago by an earlier job and still not running has no core: the
    /// job that finds it so is late. Counted in an LSTM fit (the recurrent benchmark, two
    /// threads) beside a busy loop on this project's 2-core machine, before this rule: of
    /// 4,740 woken helpers, 4,050 ran within 10 µs of their wake, 115 between 10 µs and 1 ms and
    /// 576 after more than 1 ms (a scheduler's time slice). In another such fit, 25,800 of 52,000
    /// jobs found their helper asleep and ran without it; none of those counted as late, so the team
    /// never went solo, and the helper, when it got a core, took it from the caller as often
    /// as from the busy loop: two threads took 1.5 times as long as one beside it.
    const STARVED: Duration = Duration::from_millis(1);

    /// The most the helpers may cost the caller beyond what they save it, summed over jobs
    /// (see [`Shared::judge`]), before the team goes solo: about what one job preempted for a
    /// time slice costs. On this machine the other rules catch a busy core first (counted in
    /// fits beside a busy loop: this rule started 3 of a digits fit's 8 solo stretches and none
    /// of the recurrent fits'), but a helper slower than the caller at every job, which no
    /// single job shows, is caught here.
    const OWED_LIMIT: Duration = Duration::from_millis(1);

    /// The first solo stretch after a late job, and the longest after many in a row: a few
    /// scheduler time slices, so that a helper that lost its core has likely been given another
    /// by the next probe, and at most a quarter of a second, so that a team that is on time
    /// again is soon used again. Each probe of a busy team costs at most one late job.
    const SOLO_FIRST: Duration = Duration::from_millis(8);
    const SOLO_LONGEST: Duration = Duration::from_millis(256);

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
        /// Whether the caller sleeps until the helpers' parts are done, and who it is.
        caller_sleeping: AtomicBool,
        caller: Mutex<Option<Thread>>,
        /// Read and written only by the thread holding `busy`: the nanoseconds since `epoch`
        /// until which jobs run solo, and the length of the next solo stretch.
        solo_until: AtomicU64,
        solo_next: AtomicU64,
        /// Also the busy holder's: nanoseconds the helpers have cost the caller beyond what
        /// they saved it, since they last paid for themselves (see [`Shared::judge`]).
        owed: AtomicU64,
        epoch: Instant,
        /// Set while the team runs solo: the helpers then sleep at once rather than spin, as a
        /// spinning thread takes its time slices from the caller on a busy machine.
        resting: AtomicBool,
        /// Helpers that have started and grown their packing buffers (see [`team`]).
        prepared: AtomicUsize,
        /// The core the current job's caller was on when it posted the job (`NO_CORE` where the
        /// system does not say), and whether a helper ran one of the job's parts on that core.
        caller_core: AtomicUsize,
        crowded: AtomicBool,
    }

    /// `caller_core` where the core is not known.
    const NO_CORE: usize = usize::MAX;

    /// The core the calling thread runs on, where the system says (Linux: `sched_getcpu`, a
    /// vDSO call of tens of nanoseconds, no system call).
    fn current_core() -> Option<usize> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: `sched_getcpu` takes nothing and only reads the thread's state; it returns
            // -1 (and sets errno) where it cannot tell.
            usize::try_from(unsafe { libc::sched_getcpu() }).ok()
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    fn pack(generation: u64, parts: usize, next: usize) -> u64 {
        (generation << 32) | ((parts as u64) << 16) | next as u64
    }

    fn generation(state: u64) -> u64 {
        state >> 32
    }

    impl Shared {
        fn new() -> Self {
            Self {
                state: AtomicU64::new(0),
                job: AtomicPtr::new(std::ptr::null_mut()),
                done: AtomicUsize::new(0),
                panicked: AtomicBool::new(false),
                busy: AtomicBool::new(false),
                caller_sleeping: AtomicBool::new(false),
                caller: Mutex::new(None),
                solo_until: AtomicU64::new(0),
                solo_next: AtomicU64::new(0),
                owed: AtomicU64::new(0),
                epoch: Instant::now(),
                resting: AtomicBool::new(false),
                prepared: AtomicUsize::new(0),
                caller_core: AtomicUsize::new(NO_CORE),
                crowded: AtomicBool::new(false),
            }
        }

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

        fn nanos(&self, at: Instant) -> u64 {
            u64::try_from(at.duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
        }

        /// Whether jobs run solo now (see the module docs).
        fn solo(&self, now: Instant) -> bool {
            self.nanos(now) < self.solo_until.load(Ordering::Relaxed)
        }

        /// After a late job at `now`: a solo stretch twice as long as the last one, halved for
        /// each [`SOLO_FIRST`] the team has been on time since the last stretch ended, down to
        /// `SOLO_FIRST`. Time, not a count of jobs: a busy core often lets a helper keep up for
        /// a few jobs after a probe (tens of microseconds each) before it is preempted again,
        /// and halving per job on time brought the stretch back to its shortest after every
        /// probe. Not a span as long as the next stretch either: on this project's 2-core VM,
        /// quiet, that kept the team solo through whole LSTM fits now and then (two threads 0.88
        /// to 1.01 s an epoch, one thread 0.85-0.99, the team of 2dd5fba 0.54-0.58 in the same
        /// runs); halving per 8 ms, the quiet fits ran as with that team (0.54-0.68 s, interleaved
        /// 4 rounds) and beside a busy loop in 0.91-1.00 s, where the span rule took 0.91-1.24
        /// and the old team 1.17-1.24.
        fn go_solo(&self, now: Instant) {
            let first = SOLO_FIRST.as_nanos() as u64;
            let mut next = self.solo_next.load(Ordering::Relaxed).max(first);
            let now = self.nanos(now);
            let mut on_time = now.saturating_sub(self.solo_until.load(Ordering::Relaxed));
            while next > first && on_time >= first {
                on_time -= first;
                next = (next / 2).max(first);
            }
            self.solo_until.store(now.saturating_add(next), Ordering::Relaxed);
            self.resting.store(true, Ordering::Relaxed);
            self.solo_next.store((next * 2).min(SOLO_LONGEST.as_nanos() as u64), Ordering::Relaxed);
            self.owed.store(0, Ordering::Relaxed);
        }

        /// Whether a job whose helpers ran `on_helpers` of its parts was late, from the caller's
        /// `share` (posting to the last claim, `here` parts) and how long it `waited` after it
        /// for the helpers. A job is late when the caller slept waiting (`slept`: more than
        /// `LATE_FACTOR` times its share), and also when the small waits add up: each job adds
        /// its wait to what the helpers owe and takes off what they saved (their parts, at the
        /// caller's time per part), never below nothing; owing more than [`OWED_LIMIT`] is late.
        /// So many jobs each a little late cost at most a millisecond before the team goes solo,
        /// as one very late job does, while a quiet machine's uneven jobs, most of which the
        /// helpers pay for, never add up.
        fn judge(&self, share: Duration, here: usize, on_helpers: usize, waited: Duration, slept: bool) -> bool {
            let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            let saved = nanos(share).saturating_mul(on_helpers as u64) / here.max(1) as u64;
            let owed = self.owed.load(Ordering::Relaxed).saturating_add(nanos(waited)).saturating_sub(saved);
            self.owed.store(owed, Ordering::Relaxed);
            slept || owed > nanos(OWED_LIMIT)
        }

        /// Waits until helpers have finished `on_helpers` parts: by spinning while the job is on
        /// time (until `late_after`), then asleep. Returns whether it was late.
        fn wait_for_helpers(&self, on_helpers: usize, late_after: Instant) -> bool {
            let mut spins = 0u32;
            while self.done.load(Ordering::Acquire) != on_helpers {
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(64) || Instant::now() < late_after {
                    std::hint::spin_loop();
                    continue;
                }
                *self.caller.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread::current());
                // As the helpers' sleep (see `help`): either this check sees the last part done
                // or its helper sees `caller_sleeping` and wakes the caller.
                self.caller_sleeping.store(true, Ordering::SeqCst);
                while self.done.load(Ordering::SeqCst) != on_helpers {
                    thread::park();
                }
                self.caller_sleeping.store(false, Ordering::SeqCst);
                return true;
            }
            false
        }

        /// Called by a helper as it starts a part of the current job: notes (and returns)
        /// whether it runs on the core the caller posted from. Read by the caller once the part
        /// is done (`done`'s ordering carries it).
        fn note_core(&self) -> bool {
            let caller = self.caller_core.load(Ordering::Relaxed);
            let crowded = caller != NO_CORE && current_core() == Some(caller);
            if crowded {
                self.crowded.store(true, Ordering::Relaxed);
            }
            crowded
        }

        /// Whether the job the caller posted from core `posted_on` was crowded: a helper ran a
        /// part on that core while the caller, there before and after its share, was not
        /// running. The caller's time slices then went to its own helper, a part on the helper
        /// saved it nothing, and the helper's spinning after the job would take more of them.
        /// No wait shows it: the caller, preempted, finds the helper's part done when it runs
        /// again, and the job looks on time. Counted in lbfgs digits fits (two threads) beside
        /// a busy loop on this project's 2-core Intel VM (kernel 6.18): every part a helper ran
        /// (41-60 a fit) ran on the caller's core, where quiet none of 168 did; the helper ran
        /// 6-9 ms of each 45-47 ms fit and the caller waited as long for its core (schedstat),
        /// while the jobs judged late or starved sent the team solo only 3 times a fit.
        fn crowded(&self, posted_on: Option<usize>) -> bool {
            posted_on.is_some() && self.crowded.load(Ordering::Relaxed) && current_core() == posted_on
        }

        /// A helper's part is done: counted, and a sleeping caller woken.
        fn part_done(&self) {
            self.done.fetch_add(1, Ordering::SeqCst);
            if self.caller_sleeping.load(Ordering::SeqCst)
                && let Some(caller) = self.caller.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            {
                caller.unpark();
            }
        }
    }

    struct Helper {
        thread: Thread,
        sleeping: &'static AtomicBool,
        /// When (nanoseconds since `Shared::epoch`) a job woke this helper, while it has not
        /// run since; 0 otherwise. Written by the caller holding `busy` and by the helper.
        woken_at: &'static AtomicU64,
    }

    impl Helper {
        /// Wakes the helper if it sleeps, for a job posted at `now` (nanoseconds since
        /// `Shared::epoch`). Returns whether it slept and whether it is starved: woken by an
        /// earlier job more than [`STARVED`] ago and not running since.
        ///
        /// A probe's wake (the first job after a solo stretch, through which the helpers slept)
        /// is never judged: on a loaded core a woken thread may wait its turn for longer than a
        /// stretch, and once it runs it keeps its core as long as jobs keep coming. Judged like
        /// any other (with 4 ms more to come up), it sent the large network (20,000 rows, 2
        /// epochs, float32, two threads; other processes compiling, load 5-6) solo for most of
        /// the fit, 0.60-0.63 s against 0.45-0.55 s for the team without the rule. The helper is
        /// judged at its next wake, and a team that fails again soon after a stretch still
        /// doubles the next (see [`Shared::go_solo`]).
        fn wake(&self, now: u64, probe: bool) -> (bool, bool) {
            if !self.sleeping.load(Ordering::SeqCst) {
                return (false, false);
            }
            let since = self.woken_at.load(Ordering::Relaxed);
            if since == 0 {
                self.woken_at.store(if probe { NEVER } else { now.max(1) }, Ordering::Relaxed);
            }
            self.thread.unpark();
            (true, starved(since, now))
        }
    }

    /// The `woken_at` of a helper woken by a probe: never starved.
    const NEVER: u64 = u64::MAX;

    /// Whether a helper woken at `since` (0: not woken) and not running at `now` is starved.
    fn starved(since: u64, now: u64) -> bool {
        since != 0 && now.saturating_sub(since) > STARVED.as_nanos() as u64
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
            let shared: &'static Shared = Box::leak(Box::new(Shared::new()));
            let mut helpers = Vec::new();
            for index in 0..available_cores().saturating_sub(1).min(super::super::MAX_PARTS - 1) {
                let sleeping: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
                let woken_at: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
                let spawned = thread::Builder::new()
                    .name(format!("neurona-{}", index + 1))
                    .spawn(move || help(shared, sleeping, woken_at));
                // Without a thread, the team is smaller; the work still gets done.
                let Ok(handle) = spawned else { break };
                helpers.push(Helper { thread: handle.thread().clone(), sleeping, woken_at });
            }
            // Each helper allocates its packing buffers as it starts; waiting for them here
            // keeps those allocations inside the first job's call, so a caller that has run one
            // job knows the team will allocate nothing more for products of its size (the
            // allocation tests count on that). A thread starts in tens of microseconds.
            while shared.prepared.load(Ordering::Acquire) < helpers.len() {
                thread::yield_now();
            }
            Team { shared, helpers }
        })
    }

    /// A helper's life: wait for each new job and run the parts it can claim.
    fn help(shared: &'static Shared, sleeping: &'static AtomicBool, woken_at: &'static AtomicU64) {
        super::super::gemm::prepare_scratch();
        shared.prepared.fetch_add(1, Ordering::Release);
        let mut seen = 0;
        // Whether this helper ran a part of the last job on its caller's core: it then sleeps
        // at once rather than spin, as a spin there holds the core the caller waits for (the
        // caller sends the team solo only once it runs again, see `Shared::crowded`).
        let mut on_callers_core = false;
        loop {
            let mut since = Instant::now();
            let mut spins = 0u32;
            while generation(shared.state.load(Ordering::Acquire)) == seen {
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(256)
                    || since.elapsed() < SPIN && !on_callers_core && !shared.resting.load(Ordering::Relaxed)
                {
                    std::hint::spin_loop();
                    continue;
                }
                // Sleep until a poster unparks us. Announcing it and then checking once more
                // (both sequentially consistent, as the poster's store and check) cannot miss a
                // job: either this check sees the job or the poster sees `sleeping`. `woken_at`
                // is cleared on both sides of the sleep, so a poster that sees `sleeping` never
                // reads the time of an older wake.
                woken_at.store(0, Ordering::SeqCst);
                sleeping.store(true, Ordering::SeqCst);
                if generation(shared.state.load(Ordering::SeqCst)) == seen {
                    thread::park();
                }
                sleeping.store(false, Ordering::SeqCst);
                woken_at.store(0, Ordering::SeqCst);
                since = Instant::now();
            }
            seen = generation(shared.state.load(Ordering::Acquire));
            on_callers_core = false;
            while let Some(part) = shared.claim(seen) {
                on_callers_core |= shared.note_core();
                // SAFETY: the poster stored the job before publishing its generation, which the
                // claim acquired, and keeps it alive until `done` counts this part.
                let job = unsafe { &*shared.job.load(Ordering::Relaxed) };
                if panic::catch_unwind(AssertUnwindSafe(|| (job.f)(part))).is_err() {
                    shared.panicked.store(true, Ordering::Relaxed);
                }
                shared.part_done();
            }
        }
    }

    /// Runs `f(0)`, ..., `f(parts - 1)` (at most 65,535 parts), each once, on the calling thread
    /// and the team's helpers, and returns when all are done. While the team serves another
    /// caller (or inside a part), or runs solo (see the module docs), every part runs on the
    /// calling thread, in order. A panic in any part is resumed here once every part has
    /// finished or been dropped.
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
        let posted = Instant::now();
        if shared.solo(posted) {
            (0..parts).for_each(f);
            return;
        }
        let probe = shared.resting.swap(false, Ordering::Relaxed);
        let job = Job { f };
        let generation = (generation(shared.state.load(Ordering::Relaxed)) + 1) & 0xFFFF_FFFF;
        shared.job.store((&raw const job).cast::<Job<'static>>().cast_mut(), Ordering::Relaxed);
        shared.done.store(0, Ordering::Relaxed);
        shared.panicked.store(false, Ordering::Relaxed);
        let posted_on = current_core();
        shared.caller_core.store(posted_on.unwrap_or(NO_CORE), Ordering::Relaxed);
        shared.crowded.store(false, Ordering::Relaxed);
        // Part 0 is this thread's from the start.
        shared.state.store(pack(generation, parts, 1), Ordering::SeqCst);
        let (mut woken, mut starved) = (false, false);
        for helper in &team.helpers {
            let (slept, no_core) = helper.wake(shared.nanos(posted), probe);
            woken |= slept;
            starved |= no_core;
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
        let mine = Instant::now();
        let late = if on_helpers > 0 {
            let slept = shared.wait_for_helpers(on_helpers, mine + (mine - posted).max(LATE_MARGIN) * LATE_FACTOR);
            shared.judge(mine - posted, here, on_helpers, mine.elapsed(), slept) || shared.crowded(posted_on)
        } else {
            // Helpers that were awake, spinning, and claimed nothing were off their cores: as
            // telling as a late job. One that had to be woken (after a pause, or a solo
            // stretch) is rarely up in time for a short job; counting that as late kept the
            // team solo for good after its first stretch (a digits fit on two threads took as
            // long as on one on a quiet machine), so it counts for nothing, unless it was
            // woken by an earlier job long ago (starved, see `Helper::wake`).
            !woken
        };
        if late || starved {
            shared.go_solo(mine);
        }
        if let Some(payload) = failed {
            panic::resume_unwind(payload);
        }
        assert!(!shared.panicked.load(Ordering::Relaxed), "a part of a split loop panicked on a neurona worker thread");
    }

    /// Whether a job posted now from this thread would be shared with helpers: not while the
    /// team runs solo (see the module docs) or serves another caller, nor where it has no
    /// helper. A caller that cuts its work finer for the helpers (the MLP's training step)
    /// asks first, so that it does not pay for the finer cuts on its own. Only speed depends on
    /// the answer.
    pub(crate) fn team_shares() -> bool {
        let team = team();
        !team.helpers.is_empty() && !team.shared.busy.load(Ordering::Relaxed) && !team.shared.solo(Instant::now())
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

    #[cfg(test)]
    mod tests {
        use super::*;

        // The schedule is a function of the instants it is given: no clock is read here.
        #[test]
        fn late_jobs_start_solo_stretches_that_double_up_to_a_cap_and_time_on_time_halves() {
            let shared = Shared::new();
            let us = Duration::from_micros(1);
            let end = |s: &Shared| s.epoch + Duration::from_nanos(s.solo_until.load(Ordering::Relaxed));
            let mut t = shared.epoch + Duration::from_secs(1);
            assert!(!shared.solo(t), "a new team is not solo");
            shared.go_solo(t);
            assert!(shared.resting.load(Ordering::Relaxed), "its helpers sleep at once");
            assert!(shared.solo(t + SOLO_FIRST - us) && !shared.solo(t + SOLO_FIRST));
            t += SOLO_FIRST;
            shared.go_solo(t);
            assert!(
                shared.solo(t + 2 * SOLO_FIRST - us) && !shared.solo(t + 2 * SOLO_FIRST),
                "the probe late: doubled"
            );
            for _ in 0..20 {
                t = end(&shared);
                shared.go_solo(t);
            }
            assert!(shared.solo(t + SOLO_LONGEST - us) && !shared.solo(t + SOLO_LONGEST), "capped");
            t = end(&shared) + SOLO_FIRST - us;
            shared.go_solo(t);
            assert!(shared.solo(t + SOLO_LONGEST - us), "on time for less than the first stretch: not halved");
            t = end(&shared) + SOLO_FIRST;
            shared.go_solo(t);
            assert!(shared.solo(t + SOLO_LONGEST / 2 - us) && !shared.solo(t + SOLO_LONGEST / 2), "halved");
            t = end(&shared) + 3 * SOLO_FIRST;
            shared.go_solo(t);
            assert!(
                shared.solo(t + SOLO_LONGEST / 8 - us) && !shared.solo(t + SOLO_LONGEST / 8),
                "halved once per first stretch on time"
            );
            t = end(&shared) + Duration::from_secs(10);
            shared.go_solo(t);
            assert!(shared.solo(t + SOLO_FIRST - us) && !shared.solo(t + SOLO_FIRST), "never below the first");
        }

        #[test]
        fn small_waits_add_up_to_a_late_job_unless_the_helpers_pay_for_them() {
            let shared = Shared::new();
            let us = Duration::from_micros;
            assert!(shared.judge(us(10), 1, 1, us(100), true), "a job the caller slept through is late");
            shared.go_solo(shared.epoch);
            // Two parts, one each: the helper's is worth the caller's share, 10 µs.
            for _ in 0..100_000 {
                assert!(!shared.judge(us(10), 1, 1, us(9), false), "a wait shorter than the helper's part");
            }
            assert_eq!(shared.owed.load(Ordering::Relaxed), 0, "nothing owed, and nothing banked");
            // Waiting 15 µs for a part worth 10 costs 5 µs a job: late once a millisecond is owed.
            let owed_per_job = 5_000;
            let late_at = (1..=1000).find(|_| shared.judge(us(10), 1, 1, us(15), false));
            assert_eq!(late_at, Some(OWED_LIMIT.as_nanos() as u64 / owed_per_job + 1));
            shared.go_solo(shared.epoch);
            assert_eq!(shared.owed.load(Ordering::Relaxed), 0, "a stretch starts owing nothing");
            // Three parts on the helpers, one here: they saved three of the caller's shares.
            assert!(!shared.judge(us(10), 1, 3, us(29), false));
            assert!(!shared.judge(us(10), 1, 3, us(30) + OWED_LIMIT, false), "the owed limit itself is on time");
            assert!(shared.judge(us(10), 1, 3, us(31), false), "past it: late");
        }

        #[test]
        fn a_helper_woken_by_an_earlier_job_and_not_running_for_long_is_starved() {
            let helper = Helper {
                thread: thread::current(),
                sleeping: Box::leak(Box::new(AtomicBool::new(false))),
                woken_at: Box::leak(Box::new(AtomicU64::new(0))),
            };
            let (ms, starved_for) = (1_000_000, STARVED.as_nanos() as u64);
            assert_eq!(helper.wake(ms, false), (false, false), "awake: nothing to wake");
            helper.sleeping.store(true, Ordering::SeqCst);
            assert_eq!(helper.wake(ms, false), (true, false), "woken now");
            assert_eq!(helper.wake(ms + starved_for, false), (true, false), "still asleep, not for long");
            assert_eq!(helper.wake(ms + starved_for + 1, false), (true, true), "asleep since the first wake: starved");
            helper.woken_at.store(0, Ordering::SeqCst);
            assert_eq!(helper.wake(ms, true), (true, false), "a probe's wake");
            assert_eq!(helper.wake(ms + 1000 * starved_for, false), (true, false), "never judged");
            helper.woken_at.store(0, Ordering::SeqCst);
            assert_eq!(helper.wake(ms, false), (true, false), "up, asleep again, woken by a job");
            assert_eq!(helper.wake(ms + starved_for + 1, true), (true, true), "judged from that wake");
        }

        // A part that keeps its helper far longer than the caller's share (as a preempted
        // helper does) sends the caller to sleep until it is done, then the team solo: every
        // part still runs once, whichever thread takes it.
        #[test]
        fn slow_helpers_are_waited_for_asleep_and_every_part_runs_once() {
            for _ in 0..3 {
                let counts: Vec<AtomicUsize> = (0..4).map(|_| AtomicUsize::new(0)).collect();
                for_each_part(4, &|i| {
                    if i > 0 {
                        thread::sleep(Duration::from_millis(3));
                    }
                    counts[i].fetch_add(1, Ordering::Relaxed);
                });
                assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
            }
        }
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

    /// Never: there are no helpers.
    pub(crate) fn team_shares() -> bool {
        false
    }

    /// Runs `f` on each of `pieces`, in order, on the calling thread.
    pub(crate) fn for_each_piece<T: Send, const N: usize>(pieces: [T; N], f: impl Fn(T) + Sync) {
        pieces.into_iter().for_each(f);
    }
}

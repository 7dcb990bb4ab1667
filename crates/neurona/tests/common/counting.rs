//! A global allocator that counts allocations, for the tests that claim a loop allocates
//! nothing. The including file installs it with its own `#[global_allocator]` line (a static
//! cannot be declared global from inside a module it shares) and runs without libtest's harness
//! (`harness = false` in Cargo.toml, its checks called from `main`): the count sees every
//! thread, and libtest's main thread allocated now and then while it waited for the test (4
//! allocations in 1 run of 25 on a loaded machine).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Forwards to the system allocator and counts every allocation.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts them.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// How many allocations `f` made (with [`Counting`] installed as the global allocator).
pub fn count(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

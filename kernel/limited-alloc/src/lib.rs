//! Host tests only: the system allocator, plus a per-thread switch that makes
//! allocations above a size fail, so tests can show that what the normal
//! world or a TA sizes fails with an error instead of aborting (the kernel
//! and ta-sdk test with it). Linking this crate installs the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct LimitedAlloc;

std::thread_local! {
    static LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[global_allocator]
static ALLOC: LimitedAlloc = LimitedAlloc;

// SAFETY: forwards to the system allocator, or returns null (allowed).
unsafe impl GlobalAlloc for LimitedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > LIMIT.try_with(Cell::get).unwrap_or(usize::MAX) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` with every allocation of more than `max` bytes failing on this
/// thread.
pub fn with_alloc_limit<R>(max: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LIMIT.with(|l| l.replace(max)));
    f()
}

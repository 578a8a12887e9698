//! The kernel heap: a linked-list allocator over the region the linker
//! script reserves after the stacks (10 MiB).
//!
//! Large allocations are the ones whose size the normal world, a TA or
//! tee-supplicant chooses, and every such allocation is fallible
//! (`try_reserve`, `PageBuf::new`). The allocator keeps [`RESERVE`] bytes
//! out of their reach, so a flood of them makes them fail with
//! OUT_OF_MEMORY while the small, fixed-size bookkeeping allocations the
//! kernel makes infallibly (tree nodes, `Arc`s) still succeed.

/// Allocations of at least this many bytes are "large".
pub const LARGE: usize = 16 * 1024;
/// Bytes a large allocation may not take.
pub const RESERVE: usize = 512 * 1024;

/// Whether a `size`-byte allocation may be tried with `free` bytes left.
pub fn admits(size: usize, free: usize) -> bool {
    size < LARGE || free.checked_sub(size).is_some_and(|left| left >= RESERVE)
}

#[cfg(target_os = "none")]
mod target {
    use core::alloc::{GlobalAlloc, Layout};
    use core::ptr::{NonNull, null_mut};

    use linked_list_allocator::Heap;
    use spin::Mutex;

    struct KernelHeap(Mutex<Heap>);

    #[global_allocator]
    static HEAP: KernelHeap = KernelHeap(Mutex::new(Heap::empty()));

    // SAFETY: allocation and deallocation go through the locked
    // linked-list heap, which hands out disjoint blocks of its region.
    unsafe impl GlobalAlloc for KernelHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut heap = self.0.lock();
            if !super::admits(layout.size(), heap.free()) {
                return null_mut();
            }
            heap.allocate_first_fit(layout).map_or(null_mut(), NonNull::as_ptr)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if let Some(p) = NonNull::new(ptr) {
                // SAFETY: `ptr` came from `alloc` with this layout (the
                // GlobalAlloc contract).
                unsafe { self.0.lock().deallocate(p, layout) }
            }
        }
    }

    /// Hands the reserved heap region to the allocator. Boot core, once.
    pub fn init() {
        unsafe extern "C" {
            static mut __heap_start: u8;
            static __heap_end: u8;
        }
        let start = &raw mut __heap_start;
        let end = &raw const __heap_end as usize;
        // SAFETY: the linker script reserves [__heap_start, __heap_end) for the
        // heap and nothing else; the kernel's tables map it read-write; this runs
        // once, before any allocation.
        unsafe { HEAP.0.lock().init(start, end - start as usize) };
    }

    /// Bytes in use and total heap size.
    pub fn usage() -> (usize, usize) {
        let heap = HEAP.0.lock();
        (heap.used(), heap.size())
    }
}

#[cfg(target_os = "none")]
pub use target::{init, usage};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_allocations_leave_the_reserve() {
        assert!(admits(64, 0), "small ones may use the reserve");
        assert!(admits(LARGE - 1, 100));
        assert!(admits(LARGE, LARGE + RESERVE));
        assert!(!admits(LARGE, LARGE + RESERVE - 1));
        assert!(!admits(2 << 20, 1 << 20));
        assert!(!admits(usize::MAX, usize::MAX - 1));
    }
}

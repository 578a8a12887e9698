//! The TA heap: a linked-list allocator over a static array in `.bss`
//! (`TA_DATA_SIZE` in upstream terms), set up on first use.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::NonNull;

use linked_list_allocator::Heap;

#[repr(C, align(16))]
struct Arena<const N: usize>(UnsafeCell<[u8; N]>);

/// A global allocator owning `N` bytes of static memory; [`crate::ta!`]
/// declares one `#[global_allocator]` of the size given as `heap:`.
pub struct StaticHeap<const N: usize> {
    arena: Arena<N>,
    heap: spin::Mutex<Heap>,
}

// SAFETY: the arena is only reached through `heap`, which serialises every
// access with its mutex; the arena's address never changes (it is only ever
// used inside a `static`).
unsafe impl<const N: usize> Sync for StaticHeap<N> {}

impl<const N: usize> StaticHeap<N> {
    /// An allocator whose arena is not yet handed to the heap.
    pub const fn new() -> Self {
        StaticHeap { arena: Arena(UnsafeCell::new([0; N])), heap: spin::Mutex::new(Heap::empty()) }
    }

    /// Bytes of the arena.
    pub const fn capacity(&self) -> usize {
        N
    }

    fn locked(&self) -> spin::MutexGuard<'_, Heap> {
        let mut heap = self.heap.lock();
        if heap.size() == 0 && N > 0 {
            // SAFETY: first use: the arena is N bytes of memory owned by this
            // allocator for as long as it lives (a `static`), used by nothing
            // else, and handed to the heap exactly once (size() becomes N).
            unsafe { heap.init(self.arena.0.get().cast::<u8>(), N) };
        }
        heap
    }

    /// Bytes currently allocated.
    pub fn used(&self) -> usize {
        self.locked().used()
    }
}

impl<const N: usize> Default for StaticHeap<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: allocations come from the arena through linked_list_allocator,
// which returns blocks of at least `layout.size()` bytes at `layout.align()`
// or fails with null; dealloc hands back exactly what alloc returned.
unsafe impl<const N: usize> GlobalAlloc for StaticHeap<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.locked().allocate_first_fit(layout).map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            // SAFETY: the caller returns a block this allocator gave out with
            // this layout (GlobalAlloc contract).
            unsafe { self.locked().deallocate(p, layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_inside_arena_and_frees() {
        static H: StaticHeap<4096> = StaticHeap::new();
        let layout = Layout::from_size_align(100, 16).unwrap();
        // SAFETY: plain GlobalAlloc use with a non-zero layout.
        let p = unsafe { H.alloc(layout) };
        assert!(!p.is_null());
        assert_eq!(p as usize % 16, 0);
        let base = H.arena.0.get() as usize;
        assert!((base..base + 4096).contains(&(p as usize)));
        assert!(H.used() >= 100);
        // SAFETY: `p` came from `H.alloc(layout)`.
        unsafe { H.dealloc(p, layout) };
        assert_eq!(H.used(), 0);
        // Too big: null, not a crash.
        // SAFETY: as above.
        assert!(unsafe { H.alloc(Layout::from_size_align(8192, 8).unwrap()) }.is_null());
    }
}

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

/// Small blocks are kept on per-size free lists in front of the
/// linked-list allocator, whose first-fit search and address-ordered
/// insertion walk every hole: after TA loads have fragmented the heap, each
/// small allocation of a call cost hundreds of hole visits, and how many
/// depended on the allocation history, so call costs jumped by tens of
/// thousands of instructions between builds. Sizes 16..=2048, powers of two.
pub const CLASSES: usize = 8;
/// The smallest class's block size.
const MIN_CLASS: usize = 16;

/// The class serving `size` bytes aligned to `align`, if one does: its
/// blocks are powers of two and aligned to their size.
pub fn class_of(size: usize, align: usize) -> Option<usize> {
    let need = size.max(align).max(MIN_CLASS).checked_next_power_of_two()?;
    let class = (need.trailing_zeros() - MIN_CLASS.trailing_zeros()) as usize;
    (class < CLASSES).then_some(class)
}

/// The block size of `class`.
pub const fn class_size(class: usize) -> usize {
    MIN_CLASS << class
}

#[cfg(target_os = "none")]
mod target {
    use core::alloc::{GlobalAlloc, Layout};
    use core::ptr::{NonNull, null_mut};

    use crate::sync::SpinLock;
    use linked_list_allocator::Heap;

    use super::{CLASSES, class_of, class_size};

    /// The backing heap and the small-block free lists (each an intrusive
    /// singly linked list through the free blocks' first word).
    struct Inner {
        heap: Heap,
        free_lists: [usize; CLASSES],
        /// Bytes sitting on the free lists (used for `heap`, free for us).
        cached: usize,
    }

    impl Inner {
        /// First fit from the backing heap; when that fails, the cached
        /// small blocks go back to it (they may be what stands between two
        /// holes) and the search runs once more.
        fn allocate(&mut self, layout: Layout) -> *mut u8 {
            if let Ok(block) = self.heap.allocate_first_fit(layout) {
                return block.as_ptr();
            }
            if self.cached == 0 {
                return null_mut();
            }
            for class in 0..CLASSES {
                let size = class_size(class);
                while self.free_lists[class] != 0 {
                    let block = self.free_lists[class];
                    // SAFETY: `block` is a free block of this class pushed
                    // by `dealloc`; its first word links the next one.
                    self.free_lists[class] = unsafe { *(block as *const usize) };
                    // SAFETY: the block came from this heap with the class
                    // layout (size and alignment `size`), and nobody owns it.
                    unsafe {
                        self.heap.deallocate(
                            NonNull::new_unchecked(block as *mut u8),
                            Layout::from_size_align_unchecked(size, size),
                        )
                    };
                }
            }
            self.cached = 0;
            self.heap.allocate_first_fit(layout).map_or(null_mut(), NonNull::as_ptr)
        }
    }

    struct KernelHeap(SpinLock<Inner>);

    #[global_allocator]
    static HEAP: KernelHeap =
        KernelHeap(SpinLock::new(Inner { heap: Heap::empty(), free_lists: [0; CLASSES], cached: 0 }));

    // SAFETY: allocation and deallocation go through the lock; the
    // linked-list heap hands out disjoint blocks of its region, and a block
    // on a free list belongs to nobody until `alloc` hands it out again.
    unsafe impl GlobalAlloc for KernelHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut inner = self.0.lock();
            let free = inner.heap.free() + inner.cached;
            let Some(class) = class_of(layout.size(), layout.align()) else {
                if !super::admits(layout.size(), free) {
                    return null_mut();
                }
                return inner.allocate(layout);
            };
            let head = inner.free_lists[class];
            if head != 0 {
                // SAFETY: `head` is a free block of this class (pushed by
                // `dealloc`): at least 16 bytes, aligned, its first word the
                // next free block's address.
                inner.free_lists[class] = unsafe { *(head as *const usize) };
                inner.cached -= class_size(class);
                return head as *mut u8;
            }
            let size = class_size(class);
            // A class block is its own size and alignment (a power of two).
            let Ok(block) = Layout::from_size_align(size, size) else { return null_mut() };
            if !super::admits(size, free) {
                return null_mut();
            }
            inner.allocate(block)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let Some(p) = NonNull::new(ptr) else { return };
            let mut inner = self.0.lock();
            if let Some(class) = class_of(layout.size(), layout.align()) {
                // SAFETY: `ptr` came from `alloc` with this layout (the
                // GlobalAlloc contract), so it is a block of this class,
                // aligned and large enough for the link word; the caller
                // gives it up.
                unsafe { *(ptr as *mut usize) = inner.free_lists[class] };
                inner.free_lists[class] = ptr as usize;
                inner.cached += class_size(class);
                return;
            }
            // SAFETY: `ptr` came from `alloc` with this layout, which gave it
            // out of the linked-list heap with the same layout.
            unsafe { inner.heap.deallocate(p, layout) }
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
        unsafe { HEAP.0.lock().heap.init(start, end - start as usize) };
    }

    /// Bytes in use (blocks on the free lists count as free) and total
    /// heap size.
    pub fn usage() -> (usize, usize) {
        let inner = HEAP.0.lock();
        (inner.heap.used() - inner.cached, inner.heap.size())
    }
}

#[cfg(target_os = "none")]
pub use target::{init, usage};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_layouts_map_to_power_of_two_classes() {
        assert_eq!(class_of(1, 1), Some(0));
        assert_eq!(class_of(16, 8), Some(0));
        assert_eq!(class_of(17, 8), Some(1));
        assert_eq!(class_of(24, 8), Some(1));
        assert_eq!(class_of(8, 64), Some(2), "alignment counts like size");
        assert_eq!(class_of(2048, 8), Some(7));
        assert_eq!(class_of(2049, 8), None);
        assert_eq!(class_of(16, 4096), None);
        assert_eq!(class_of(usize::MAX, 1), None);
        for class in 0..CLASSES {
            let size = class_size(class);
            assert_eq!(class_of(size, 1), Some(class));
            assert!(size < LARGE, "class blocks are small: the reserve stays theirs");
        }
    }

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

//! The kernel heap: a linked-list allocator over the region the linker
//! script reserves after the stacks.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

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
    unsafe { HEAP.lock().init(start, end - start as usize) };
}

/// Bytes in use and total heap size.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.used(), heap.size())
}

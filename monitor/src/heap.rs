//! The monitor's boot-time heap (device-tree editing). Nothing allocates after
//! the normal world starts.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Hands the linker-reserved heap region to the allocator. Boot core, once.
pub fn init() {
    unsafe extern "C" {
        static mut __heap_start: u8;
        static __heap_end: u8;
    }
    let (start, end) = (core::ptr::addr_of_mut!(__heap_start), core::ptr::addr_of!(__heap_end) as usize);
    // SAFETY: the region between the two symbols is reserved for the heap by
    // the linker script, zero-sized to nothing else, and initialised once.
    unsafe { HEAP.lock().init(start, end - start as usize) };
}

//! Where the kernel's stacks are and which pages of them stay unmapped.
//!
//! Each stack array (the per-core stacks in the linker's `.stacks`, the
//! pool threads' in `.thread_stacks`, see `linker/kernel.ld`) is a row of
//! slots; each slot is one guard page followed by the stack, which grows
//! down towards it. The kernel's tables map the data region around every
//! guard page ([`mapped_ranges`]), so an overflow takes a translation
//! fault (reported by `kernel_exception` on the core's own stack) instead
//! of silently writing into the next stack, the pool or the heap.

/// A row of equally sized stacks, each above its guard page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackArray {
    /// Start of the first slot (page aligned).
    pub base: u64,
    /// Number of stacks.
    pub count: usize,
    /// Guard bytes below each stack (whole pages).
    pub guard: u64,
    /// Usable bytes of each stack (whole pages).
    pub size: u64,
}

impl StackArray {
    /// Bytes from one slot to the next.
    pub const fn stride(&self) -> u64 {
        self.guard + self.size
    }

    /// Bytes the array spans (what the linker script reserves).
    pub const fn span(&self) -> u64 {
        self.count as u64 * self.stride()
    }

    /// `[start, end)` of the guard page(s) below stack `index`.
    pub const fn guard_range(&self, index: usize) -> (u64, u64) {
        let start = self.base + index as u64 * self.stride();
        (start, start + self.guard)
    }

    /// Initial stack pointer of stack `index` (16-byte aligned top).
    pub const fn top(&self, index: usize) -> u64 {
        self.base + (index as u64 + 1) * self.stride()
    }

    /// Lowest usable address of stack `index`.
    pub const fn bottom(&self, index: usize) -> u64 {
        self.guard_range(index).1
    }
}

/// Calls `map(start, end)` for each piece of `[start, end)` outside every
/// guard page of `arrays`, in address order. `arrays` must be in address
/// order and must not overlap.
pub fn mapped_ranges(start: u64, end: u64, arrays: &[StackArray], mut map: impl FnMut(u64, u64)) {
    let mut cursor = start;
    for array in arrays {
        for index in 0..array.count {
            let (guard_start, guard_end) = array.guard_range(index);
            let (guard_start, guard_end) = (guard_start.clamp(start, end), guard_end.clamp(start, end));
            if guard_start > cursor {
                map(cursor, guard_start);
            }
            cursor = cursor.max(guard_end);
        }
    }
    if cursor < end {
        map(cursor, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    const PAGE: u64 = 4096;

    /// The kernel's layout: `.stacks` then `.thread_stacks`, back to back.
    fn kernel_layout(base: u64) -> [StackArray; 2] {
        let cores = StackArray {
            base,
            count: linker::MAX_CORES,
            guard: linker::STACK_GUARD_SIZE,
            size: linker::CORE_STACK_SIZE,
        };
        let threads = StackArray {
            base: cores.base + cores.span(),
            count: linker::KERNEL_THREADS,
            guard: linker::STACK_GUARD_SIZE,
            size: linker::THREAD_STACK_SIZE,
        };
        [cores, threads]
    }

    #[test]
    fn every_stack_sits_above_its_own_guard_page() {
        for array in kernel_layout(0x0e20_0000) {
            assert!(array.guard >= PAGE && array.guard % PAGE == 0 && array.size % PAGE == 0);
            for i in 0..array.count {
                let (g0, g1) = array.guard_range(i);
                assert_eq!(g0 % PAGE, 0);
                assert_eq!(g1, array.bottom(i));
                assert_eq!(array.top(i) - array.bottom(i), array.size);
                assert_eq!(array.top(i) % 16, 0);
                if i > 0 {
                    assert_eq!(array.top(i - 1), g0, "stack {i}'s guard is right above stack {}", i - 1);
                }
            }
        }
    }

    #[test]
    fn the_tables_map_everything_but_the_guard_pages() {
        let data = (0x0e18_0000, 0x0ec0_0000);
        let layout = kernel_layout(0x0e1c_0000);
        let mut ranges = Vec::new();
        mapped_ranges(data.0, data.1, &layout, |s, e| ranges.push((s, e)));
        let guards: Vec<(u64, u64)> = layout.iter().flat_map(|a| (0..a.count).map(|i| a.guard_range(i))).collect();
        assert_eq!(guards.len(), linker::MAX_CORES + linker::KERNEL_THREADS);
        // Address order, no overlap, nothing empty.
        for w in ranges.windows(2) {
            assert!(w[0].1 < w[1].0);
        }
        assert!(ranges.iter().all(|(s, e)| s < e));
        for page in (data.0..data.1).step_by(PAGE as usize) {
            let mapped = ranges.iter().any(|(s, e)| (*s..*e).contains(&page));
            let guard = guards.iter().any(|(s, e)| (*s..*e).contains(&page));
            assert_ne!(mapped, guard, "page {page:#x}: mapped exactly when it is no guard page");
        }
        // Every stack byte stays mapped.
        for a in &layout {
            for i in 0..a.count {
                assert!(ranges.iter().any(|(s, e)| *s <= a.bottom(i) && a.top(i) <= *e));
            }
        }
    }

    #[test]
    fn guards_outside_the_region_are_ignored() {
        let array = StackArray { base: 0x1000, count: 2, guard: PAGE, size: 2 * PAGE };
        let mut ranges = Vec::new();
        mapped_ranges(0x3000, 0x8000, &[array], |s, e| ranges.push((s, e)));
        assert_eq!(ranges, [(0x3000, 0x4000), (0x5000, 0x8000)]);
        ranges.clear();
        mapped_ranges(0x0, 0x10000, &[], |s, e| ranges.push((s, e)));
        assert_eq!(ranges, [(0x0, 0x10000)]);
    }
}

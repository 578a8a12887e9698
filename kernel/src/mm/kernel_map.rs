//! The kernel's own translation tables: the static pool they are built in at
//! cold boot and the root every core (and every TA's shared slots) uses.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::sync::SpinLock;

use crate::mm::pagetable::PageTables;

/// Translation-table pool: root + L2s + L3s for the image, devices and the DT.
const TABLES: usize = 16;

#[repr(C, align(4096))]
struct TablePool([[u64; 512]; TABLES]);

static TABLE_POOL: SpinLock<TablePool> = SpinLock::new(TablePool([[0; 512]; TABLES]));
/// Root table address once the tables are built (secondaries reuse it).
static TTBR0: AtomicU64 = AtomicU64::new(0);

/// Builds the kernel's tables in the static pool with `fill` (called once, at
/// cold boot, MMU off), makes them visible to the table walker and records
/// the root; returns it.
pub fn build(fill: impl FnOnce(&mut PageTables<'_>)) -> u64 {
    let mut pool = TABLE_POOL.lock();
    let pool_pa = pool.0.as_ptr() as u64;
    let mut pt = PageTables::new(&mut pool.0, pool_pa);
    fill(&mut pt);
    crate::arch::aarch64::tables_barrier();
    let root = pt.root_pa();
    TTBR0.store(root, Ordering::Release);
    root
}

/// The kernel's own root table (0 before [`build`]).
pub fn kernel_root() -> u64 {
    TTBR0.load(Ordering::Acquire)
}

/// Level-1 entry `index` of the kernel's root, for the slots every TA's
/// tables share with the kernel (`mm::layout`: its image, devices and all of
/// normal-world RAM sit below the TA window); 0 for any other slot.
pub fn kernel_l1_entry(index: usize) -> u64 {
    if index >= crate::mm::layout::KERNEL_L1_SLOTS {
        return 0;
    }
    // The root is the pool's first table (`PageTables::new`), written only
    // by `build` at cold boot: all zeros (no entry) before it.
    TABLE_POOL.lock().0[0][index]
}

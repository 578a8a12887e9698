//! A per-core FP/SIMD register file with `CPACR_EL1.FPEN`'s rules checked:
//! the kernel may save or restore only with EL1 access open, and a TA
//! script may touch the registers only when EL0 access is open (else it
//! must take the FP trap first).

use std::sync::Mutex;

use super::core_index;
use crate::thread::fpu::{FpAccess, FpRegs};

struct Unit {
    access: FpAccess,
    live: FpRegs,
}

static UNITS: Mutex<[Unit; linker::MAX_CORES]> =
    Mutex::new([const { Unit { access: FpAccess::Trapped, live: FpRegs::ZERO } }; linker::MAX_CORES]);

fn with_unit<R>(f: impl FnOnce(&mut Unit) -> R) -> R {
    f(&mut UNITS.lock().unwrap_or_else(|e| e.into_inner())[core_index()])
}

/// Sets this core's trapping.
pub fn set_access(access: FpAccess) {
    with_unit(|u| u.access = access);
}

/// Copies this core's live registers into `regs`.
///
/// # Safety
///
/// None on the host; EL1 access must be open (checked).
pub unsafe fn save(regs: &mut FpRegs) {
    with_unit(|u| {
        assert_ne!(u.access, FpAccess::Trapped, "kernel FP save while trapped");
        *regs = u.live;
    });
}

/// Loads `regs` into this core's live registers.
///
/// # Safety
///
/// None on the host; EL1 access must be open (checked).
pub unsafe fn restore(regs: &FpRegs) {
    with_unit(|u| {
        assert_ne!(u.access, FpAccess::Trapped, "kernel FP restore while trapped");
        u.live = *regs;
    });
}

/// This core's trapping.
pub fn access() -> FpAccess {
    with_unit(|u| u.access)
}

/// TA code uses this core's registers; `None` when EL0 access is trapped
/// (the TA must take the FP trap first).
pub fn el0_use<R>(f: impl FnOnce(&mut FpRegs) -> R) -> Option<R> {
    with_unit(|u| (u.access == FpAccess::Open).then(|| f(&mut u.live)))
}

/// The normal world's view of `core`'s registers (it runs with FP open).
pub fn normal_world(core: usize) -> FpRegs {
    UNITS.lock().unwrap_or_else(|e| e.into_inner())[core].live
}

/// The normal world sets `core`'s registers.
pub fn set_normal_world(core: usize, regs: FpRegs) {
    UNITS.lock().unwrap_or_else(|e| e.into_inner())[core].live = regs;
}

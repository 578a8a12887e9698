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

/// The lazy FP switching of `thread::fpu` ([`CoreFp`], one per core) over
/// this fake unit: what `thread::fpu`'s target glue is to the hardware, with
/// the same four entry points the runtime calls.
pub mod lazy {
    use std::sync::{Mutex, MutexGuard};

    use super::{FpAccess, FpRegs};
    use crate::thread::fpu::{CoreFp, FpUnit};

    struct Fake;

    impl FpUnit for Fake {
        fn set_access(&mut self, access: FpAccess) {
            super::set_access(access);
        }
        fn save(&mut self, into: &mut FpRegs) {
            // SAFETY: none needed on the host (access is checked).
            unsafe { super::save(into) }
        }
        fn restore(&mut self, from: &FpRegs) {
            // SAFETY: as for `save`.
            unsafe { super::restore(from) }
        }
    }

    struct PerCore([CoreFp; linker::MAX_CORES]);
    // SAFETY: the `owner` pointers a `CoreFp` holds are only dereferenced by
    // its own methods, under the mutex, with the validity `give_to`'s
    // contract guarantees (as on the target, where each core's entry is
    // static and touched only by that core).
    unsafe impl Send for PerCore {}
    static CORES: Mutex<PerCore> = Mutex::new(PerCore([const { CoreFp::new() }; linker::MAX_CORES]));

    fn cores() -> MutexGuard<'static, PerCore> {
        CORES.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn this_core(f: impl FnOnce(&mut CoreFp)) {
        f(&mut cores().0[super::core_index()]);
    }

    /// See `CoreFp::trap_until_used`.
    pub fn trap_until_used() {
        this_core(|c| c.trap_until_used(&mut Fake));
    }

    /// See `CoreFp::give_to`.
    ///
    /// # Safety
    ///
    /// As for `CoreFp::give_to`.
    pub unsafe fn give_to(run: *mut FpRegs) {
        // SAFETY: forwarded contract.
        this_core(|c| unsafe { c.give_to(&mut Fake, run) });
    }

    /// See `CoreFp::end_run`.
    pub fn end_run(run: *mut FpRegs) {
        this_core(|c| c.end_run(&mut Fake, run));
    }

    /// See `CoreFp::before_normal_world`.
    pub fn before_normal_world() {
        this_core(|c| c.before_normal_world(&mut Fake));
    }
}

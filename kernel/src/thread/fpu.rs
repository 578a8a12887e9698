//! FP/SIMD for TAs, switched lazily (upstream's `CFG_WITH_VFP` behaviour).
//!
//! The kernel is soft-float, so outside TA code the register file always
//! belongs to the normal world, and entries that run no TA (fast calls,
//! secure interrupts, PSCI) leave it untouched. A TA run starts with FP/SIMD
//! trapped; its first FP instruction traps to the kernel, which saves the
//! normal world's registers once per secure visit of the core, loads the run's
//! own registers (zero at the start of a run) and lets the TA continue.
//! Before the core returns to the normal world (RPC, preemption by a normal-
//! world interrupt, end of the call) the TA's registers go back into its run
//! and the normal world's are restored, so a thread can resume on another
//! core. Runs nested on one thread (TA-to-TA calls) each have their own
//! registers and swap lazily the same way.
//!
//! The kernel itself uses the unit only inside a *kernel SIMD section*
//! ([`CoreFp::begin_kernel_simd`] .. [`CoreFp::end_kernel_simd`], on the
//! target [`with_kernel_simd`]), for the Armv8 crypto instructions: begin
//! saves whatever is live (the normal world's registers if not parked yet, or
//! the loaded run's) and opens EL1 access; end puts exactly that back (or
//! zeroes the registers if nothing was live) and restores the previous trap
//! setting, so the lazy scheme above never sees the section. A section is
//! short (one crypto chunk, at most `preempt::CHUNK` bytes), runs with the
//! core's interrupts masked (a masked section of `crate::sync`), and never
//! spans an RPC: leaving the core inside one is a bug and halts, and a
//! preemption point there does nothing.
//!
//! [`CoreFp`] is that bookkeeping for one core, generic over the hardware
//! ([`FpUnit`]) so it is tested on the host.

/// `q0..q31`, `FPCR` and `FPSR`: everything a TA or the normal world keeps in
/// the FP/SIMD unit (SVE stays trapped, so no wider state exists).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpRegs {
    /// `q0..q31`.
    pub q: [u128; 32],
    /// `FPCR`.
    pub fpcr: u64,
    /// `FPSR`.
    pub fpsr: u64,
}

impl FpRegs {
    /// All zero: what a TA run starts with, so nothing of the normal world or
    /// of an earlier TA is visible to it.
    pub const ZERO: FpRegs = FpRegs { q: [0; 32], fpcr: 0, fpsr: 0 };
}

/// Who may execute FP/SIMD instructions (`CPACR_EL1.FPEN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpAccess {
    /// EL0 and EL1 trap: the state outside a TA's own use, so a stray FP
    /// instruction in the kernel faults instead of clobbering registers.
    Trapped,
    /// EL1 only: while the kernel saves or restores register files.
    KernelOnly,
    /// EL0 and EL1: while the TA that owns the registers runs.
    Open,
}

/// The hardware side: trapping control and whole-file save/restore.
pub trait FpUnit {
    fn set_access(&mut self, access: FpAccess);
    /// Only called with access [`FpAccess::KernelOnly`] or wider.
    fn save(&mut self, into: &mut FpRegs);
    /// Only called with access [`FpAccess::KernelOnly`] or wider.
    fn restore(&mut self, from: &FpRegs);
}

/// One core's FP bookkeeping.
pub struct CoreFp {
    /// The normal world's registers while a TA's are loaded.
    ns: FpRegs,
    /// `ns` holds the normal world's registers (they must go back before
    /// this core returns to the normal world).
    ns_saved: bool,
    /// The run whose registers are loaded, or null (none, or its run ended:
    /// the registers then hold stale TA values that the next restore
    /// overwrites completely).
    owner: *mut FpRegs,
    /// The trap setting last chosen outside a kernel SIMD section (what the
    /// end of a section goes back to).
    access: FpAccess,
    /// Inside a kernel SIMD section: what was live when it began.
    section: Option<Live>,
}

/// Whose values the register file held when a kernel SIMD section began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Live {
    /// The normal world's (not parked): kept in `CoreFp::ns` meanwhile.
    NormalWorld,
    /// The loaded run's: kept in its own save area meanwhile.
    Run,
    /// Nobody's (stale values of an ended run): zeroed at the end.
    Nothing,
}

impl Default for CoreFp {
    fn default() -> Self {
        Self::new()
    }
}

impl CoreFp {
    pub const fn new() -> Self {
        Self {
            ns: FpRegs::ZERO,
            ns_saved: false,
            owner: core::ptr::null_mut(),
            access: FpAccess::Trapped,
            section: None,
        }
    }

    fn set_access(&mut self, unit: &mut impl FpUnit, access: FpAccess) {
        self.access = access;
        unit.set_access(access);
    }

    fn not_in_section(&self, what: &str) {
        assert!(self.section.is_none(), "{what} inside a kernel SIMD section");
    }

    /// Opens a kernel SIMD section: saves what is live where the lazy scheme
    /// expects it and gives EL1 the unit. Panics if a section is already
    /// open (sections do not nest).
    pub fn begin_kernel_simd(&mut self, unit: &mut impl FpUnit) {
        self.not_in_section("kernel SIMD section");
        unit.set_access(FpAccess::KernelOnly);
        let live = if !self.ns_saved {
            unit.save(&mut self.ns);
            Live::NormalWorld
        } else if !self.owner.is_null() {
            // SAFETY: a non-null owner is valid (contract of `give_to`).
            unit.save(unsafe { &mut *self.owner });
            Live::Run
        } else {
            Live::Nothing
        };
        self.section = Some(live);
    }

    /// Closes the kernel SIMD section: the registers get back what was live
    /// at its beginning (zeroes if nothing was, so no key material stays),
    /// and the trap setting goes back to what it was.
    pub fn end_kernel_simd(&mut self, unit: &mut impl FpUnit) {
        let live = self.section.take().expect("end of a kernel SIMD section that was not begun");
        match live {
            Live::NormalWorld => unit.restore(&self.ns),
            // SAFETY: the owner cannot change inside a section (every other
            // entry point refuses to run in one), so it is the one saved.
            Live::Run => unit.restore(unsafe { &*self.owner }),
            Live::Nothing => unit.restore(&FpRegs::ZERO),
        }
        unit.set_access(self.access);
    }

    /// A run is about to start (or a nested one returned to its caller):
    /// trap, so whichever run uses FP next loads its own registers.
    pub fn trap_until_used(&mut self, unit: &mut impl FpUnit) {
        self.not_in_section("run start");
        self.set_access(unit, FpAccess::Trapped);
    }

    /// The TA of the run whose registers are `run` executed an FP/SIMD
    /// instruction while trapped: hand it the register file.
    ///
    /// # Safety
    ///
    /// `run` must stay valid until [`Self::end_run`] is called with it or
    /// [`Self::before_normal_world`] runs on this core, whichever is first;
    /// nothing else may access it meanwhile.
    pub unsafe fn give_to(&mut self, unit: &mut impl FpUnit, run: *mut FpRegs) {
        self.not_in_section("FP trap");
        unit.set_access(FpAccess::KernelOnly);
        if !self.ns_saved {
            unit.save(&mut self.ns);
            self.ns_saved = true;
        } else if !self.owner.is_null() && self.owner != run {
            // SAFETY: a non-null owner is valid per this function's contract
            // (its run has neither ended nor left the core).
            unit.save(unsafe { &mut *self.owner });
        }
        if self.owner != run {
            // SAFETY: `run` is valid per the contract.
            unit.restore(unsafe { &*run });
            self.owner = run;
        }
        self.set_access(unit, FpAccess::Open);
    }

    /// The run whose registers are `run` ended: forget it (its values left in
    /// the registers are overwritten by the next restore) and trap again.
    pub fn end_run(&mut self, unit: &mut impl FpUnit, run: *mut FpRegs) {
        self.not_in_section("run end");
        if self.owner == run {
            self.owner = core::ptr::null_mut();
        }
        self.set_access(unit, FpAccess::Trapped);
    }

    /// The core is about to return to the normal world: keep the loaded
    /// run's registers in it and give the normal world back its own.
    pub fn before_normal_world(&mut self, unit: &mut impl FpUnit) {
        if self.section.is_some() {
            // A preemption point or RPC inside a section: the section's code
            // would go on with foreign registers. Close it (the registers go
            // back, the normal world's stay intact) and stop; the panic path
            // comes back here with the section closed.
            self.end_kernel_simd(unit);
            panic!("return to the normal world inside a kernel SIMD section");
        }
        if self.ns_saved {
            unit.set_access(FpAccess::KernelOnly);
            if !self.owner.is_null() {
                // SAFETY: a non-null owner is valid until this point (contract
                // of `give_to`).
                unit.save(unsafe { &mut *self.owner });
            }
            unit.restore(&self.ns);
            self.ns_saved = false;
            self.owner = core::ptr::null_mut();
        }
        self.set_access(unit, FpAccess::Trapped);
    }

    /// Whether the normal world's registers are parked in this bookkeeping.
    pub fn holds_normal_world(&self) -> bool {
        self.ns_saved
    }
}

/// Proof that the current code runs inside a kernel SIMD section on this
/// core: the Armv8 crypto routines (`arch::aarch64::crypto_ce`) take it, so
/// they cannot run with FP/SIMD trapped or with someone's registers live.
/// Neither `Send` nor constructible outside this module.
pub struct KernelSimd {
    _not_send: core::marker::PhantomData<*const ()>,
}

#[cfg(target_os = "none")]
mod target {
    use core::cell::UnsafeCell;

    use super::{CoreFp, FpAccess, FpRegs, FpUnit};
    use crate::arch::aarch64 as arch;

    /// The real unit: `CPACR_EL1` and the register file.
    struct Hardware;

    impl FpUnit for Hardware {
        fn set_access(&mut self, access: FpAccess) {
            arch::fpu::set_access(access);
        }

        fn save(&mut self, into: &mut FpRegs) {
            // SAFETY: CoreFp opens EL1 access before any save.
            unsafe { arch::fpu::save(into) }
        }

        fn restore(&mut self, from: &FpRegs) {
            // SAFETY: CoreFp opens EL1 access before any restore.
            unsafe { arch::fpu::restore(from) }
        }
    }

    struct PerCore(UnsafeCell<[CoreFp; linker::MAX_CORES]>);
    // SAFETY: entry `i` is only touched by core `i`, with interrupts masked
    // (`this_core` checks), so accesses never overlap and no thread moves
    // to another core in the middle of one.
    unsafe impl Sync for PerCore {}
    static CORES: PerCore = PerCore(UnsafeCell::new([const { CoreFp::new() }; linker::MAX_CORES]));

    fn this_core() -> &'static mut CoreFp {
        // A thread preempted here could finish on another core with this
        // core's entry in hand.
        assert!(arch::irq::all_masked(), "per-core FP state used with interrupts open");
        // SAFETY: see `PerCore`: only this core uses its entry, and no caller
        // holds the reference across another call into this module.
        unsafe { &mut (*CORES.0.get())[arch::core_index()] }
    }

    /// See [`CoreFp::trap_until_used`].
    pub fn trap_until_used() {
        this_core().trap_until_used(&mut Hardware);
    }

    /// See [`CoreFp::give_to`].
    ///
    /// # Safety
    ///
    /// As for [`CoreFp::give_to`].
    pub unsafe fn give_to(run: *mut FpRegs) {
        // SAFETY: forwarded contract.
        unsafe { this_core().give_to(&mut Hardware, run) }
    }

    /// See [`CoreFp::end_run`].
    pub fn end_run(run: *mut FpRegs) {
        this_core().end_run(&mut Hardware, run);
    }

    /// See [`CoreFp::before_normal_world`].
    pub fn before_normal_world() {
        this_core().before_normal_world(&mut Hardware);
    }

    /// Runs `f` in a kernel SIMD section (see the module docs). `f` must not
    /// reach a preemption point or an RPC (that halts); keep it to one
    /// chunk of work.
    pub fn with_kernel_simd<R>(f: impl FnOnce(&super::KernelSimd) -> R) -> R {
        // No interrupt may land in the section: it would leave the core
        // with the kernel's values in the registers.
        let _masked = crate::sync::mask_interrupts();
        this_core().begin_kernel_simd(&mut Hardware);
        let token = super::KernelSimd { _not_send: core::marker::PhantomData };
        let r = f(&token);
        this_core().end_kernel_simd(&mut Hardware);
        r
    }
}

#[cfg(target_os = "none")]
pub use target::{before_normal_world, end_run, give_to, trap_until_used, with_kernel_simd};

#[cfg(test)]
mod tests;

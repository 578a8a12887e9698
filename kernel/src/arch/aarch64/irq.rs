//! The core's interrupt masks (`DAIF`).
//!
//! Secure threads run with normal-world ("foreign") interrupts open, as
//! upstream OP-TEE's do: on GICv3 a Non-secure Group 1 interrupt reaches a
//! core in Secure state as an FIQ (GICv3 architecture specification, IHI
//! 0069, "Interrupt grouping and security"), and the kernel answers it by
//! leaving the thread for the normal world (`thread::runtime::preempt`).
//! IRQs (secure interrupts; the kernel owns none) and debug and SError
//! exceptions stay masked in the kernel at all times.

use aarch64_cpu::registers::{DAIF, Readable};

/// A saved `DAIF` value, to be given back to [`restore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Daif(u64);

impl Daif {
    /// Whether FIQs (normal-world interrupts) were open.
    pub fn foreign_open(self) -> bool {
        self.0 & (1 << 6) == 0
    }
}

/// Masks IRQ and FIQ on this core; returns the masks as they were.
#[inline(always)]
pub fn mask_all() -> Daif {
    let before = Daif(DAIF.get());
    // SAFETY: `daifset` only sets PSTATE mask bits (I = 2, F = 1). No
    // `nomem`: the asm is a compiler barrier, so no memory access of the
    // section it opens moves before it.
    unsafe { core::arch::asm!("msr daifset, #3", options(nostack, preserves_flags)) };
    before
}

/// Puts back masks saved by [`mask_all`].
#[inline(always)]
pub fn restore(saved: Daif) {
    // SAFETY: writes back PSTATE masks read by `mask_all`. A compiler
    // barrier like `mask_all`: nothing of the section moves after it.
    unsafe { core::arch::asm!("msr daif, {0}", in(reg) saved.0, options(nostack, preserves_flags)) };
}

/// Lets normal-world interrupts (FIQ) in on this core; IRQ stays masked.
#[inline(always)]
pub fn unmask_foreign() {
    // SAFETY: `daifclr` only clears the FIQ mask bit; a compiler barrier.
    unsafe { core::arch::asm!("msr daifclr, #1", options(nostack, preserves_flags)) };
}

/// True when both IRQ and FIQ are masked on this core.
#[inline(always)]
pub fn all_masked() -> bool {
    DAIF.is_set(DAIF::I) && DAIF.is_set(DAIF::F)
}

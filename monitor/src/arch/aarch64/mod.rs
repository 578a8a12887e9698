//! AArch64 EL3: reset entry and holding pen, exception vectors, the context
//! save/restore around every entry from a lower EL, and system registers.

mod context;
mod entry;
pub mod sysreg;

pub use context::{CpuContext, El1Sysregs, SPSR_EL1H_MASKED};
pub use entry::{STACK_SIZE, el3_exit_to, park_in_pen};

use aarch64_cpu::asm::{self as insn, barrier};

/// Data synchronization barrier, full system.
#[inline(always)]
pub fn dsb_sy() {
    barrier::dsb(barrier::SY);
}

/// Instruction synchronization barrier.
#[inline(always)]
pub fn isb() {
    barrier::isb(barrier::SY);
}

/// Sends an event to every core (wakes cores waiting in `wfe`).
#[inline(always)]
pub fn sev() {
    insn::sev();
}

/// Waits for an interrupt (or a spurious wake-up).
#[inline(always)]
pub fn wfi() {
    insn::wfi();
}

/// Linear index of the calling core (QEMU virt: Aff1 * 8 + Aff0).
pub fn core_index() -> usize {
    let mpidr = sysreg::read_mpidr_el1();
    // The reset code parks every core without a valid index before Rust runs.
    linker::core_index(mpidr).unwrap_or(0)
}

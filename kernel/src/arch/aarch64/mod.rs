//! AArch64 S-EL1: the opteed entry and thread vector table, the kernel's
//! exception vectors, MMU control and system registers.

pub mod entropy;
pub mod entry;

pub mod crypto_ce;
pub mod fpu;
pub mod irq;
mod mem;
pub mod thread;
pub mod user;

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::*;

pub use entry::STACK_SIZE;

/// Waits for an interrupt.
#[inline(always)]
pub fn wfi() {
    aarch64_cpu::asm::wfi();
}

/// `MPIDR_EL1`.
pub fn read_mpidr() -> u64 {
    MPIDR_EL1.get()
}

/// Bytes of per-core kernel state kept just below each core's stack top,
/// which `TPIDR_EL1` holds (`entry.rs` sets it, clears them, and starts
/// every use of the core's stack under them).
pub const CORE_LOCAL_BYTES: u64 = 16;

/// This core's local word (zero after boot or `CPU_ON`): one load
/// through `TPIDR_EL1`, cheaper than indexing an array by `MPIDR_EL1`,
/// for state every spin lock touches (`crate::sync`).
#[inline(always)]
pub fn core_local() -> u64 {
    let word: u64;
    // SAFETY: TPIDR_EL1 holds this core's stack top; the 16 bytes below it
    // are reserved for these words (the stack starts under them) and only
    // this core uses them.
    unsafe {
        core::arch::asm!(
            "mrs {top}, tpidr_el1",
            "ldur {word}, [{top}, #-16]",
            top = out(reg) _,
            word = out(reg) word,
            options(nostack, readonly, preserves_flags),
        )
    };
    word
}

/// Sets this core's local word (see [`core_local`]).
#[inline(always)]
pub fn set_core_local(word: u64) {
    // SAFETY: as for `core_local`.
    unsafe {
        core::arch::asm!(
            "mrs {top}, tpidr_el1",
            "stur {word}, [{top}, #-16]",
            top = out(reg) _,
            word = in(reg) word,
            options(nostack, preserves_flags),
        )
    };
}

/// Linear index of the calling core.
pub fn core_index() -> usize {
    linker::core_index(read_mpidr()).unwrap_or(0)
}

/// TCR_EL1: 39-bit VA through TTBR0 (T0SZ = 25), 4 KiB granule, write-back
/// inner-shareable walks, TTBR1 walks disabled (EPD1), 40-bit IPA.
const TCR_VALUE: u64 = 25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | (2 << 32);
/// SCTLR_EL1: RES1 bits, MMU, D-cache, SP alignment check, I-cache, and WXN so
/// the hardware itself refuses to execute any writable page.
const SCTLR_VALUE: u64 = 0x30d0_0800 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 12) | (1 << 19);

/// Turns the MMU on with `ttbr0` as the root table.
///
/// # Safety
///
/// `ttbr0` must hold tables that identity-map every address the kernel uses
/// from here on (its image, stacks, heap, devices), with the code that runs
/// this function executable.
pub unsafe fn enable_mmu(ttbr0: u64) {
    // The architectural sequence: program attributes and tables, drop stale
    // TLB entries, then enable translation, synchronising after each step.
    MAIR_EL1.set(crate::mm::pagetable::MAIR_VALUE);
    TCR_EL1.set(TCR_VALUE);
    TTBR0_EL1.set(ttbr0);
    barrier::isb(barrier::SY);
    tlbi_vmalle1();
    barrier::dsb(barrier::NSH);
    barrier::isb(barrier::SY);
    SCTLR_EL1.set(SCTLR_VALUE);
    barrier::isb(barrier::SY);
}

/// `TLBI VMALLE1`: drops this core's EL1&0 translations (aarch64-cpu has no
/// TLB maintenance).
#[inline(always)]
pub(crate) fn tlbi_vmalle1() {
    // SAFETY: TLB maintenance changes no memory; callers synchronise after it.
    unsafe { core::arch::asm!("tlbi vmalle1", options(nostack, preserves_flags)) };
}

/// Makes the tables just written visible to the table walker.
pub fn tables_barrier() {
    barrier::dsb(barrier::ISHST);
    barrier::isb(barrier::SY);
}

/// After entries were removed from live tables (TA pages and blocks, or
/// emptied tables unlinked): makes the table writes visible, then drops
/// every core's cached translations and table walks of the EL1&0 regime,
/// whatever their level, and waits until all cores have done so. Only then
/// may the unmapped memory or the freed tables be reused.
pub fn invalidate_tlb_all_cores() {
    barrier::dsb(barrier::ISHST);
    // SAFETY: TLB maintenance only (aarch64-cpu has none); no memory is changed.
    unsafe { core::arch::asm!("tlbi vmalle1is", options(nostack, preserves_flags)) };
    barrier::dsb(barrier::ISH);
    barrier::isb(barrier::SY);
}

/// The physical counter and its frequency.
pub fn counter() -> (u64, u64) {
    // The isb keeps the counter read from being taken early.
    barrier::isb(barrier::SY);
    let count = CNTPCT_EL0.get();
    (count, CNTFRQ_EL0.get().max(1))
}

/// Secure system time since boot as (seconds, milliseconds).
pub fn system_time() -> (u32, u32) {
    let (count, freq) = counter();
    ((count / freq) as u32, ((count % freq) * 1000 / freq) as u32)
}

/// True when an FIQ is pending at this core, masked or not (`ISR_EL1.F`,
/// bit 6). The monitor leaves `SCR_EL3.FIQ` clear in the secure world, and
/// a GICv3 CPU interface signals a Non-secure Group 1 interrupt (every
/// normal-world one) as FIQ while the core is in Secure state (GICv3
/// architecture specification, IHI 0069, "Interrupt grouping and security"):
/// so this is "the normal world has an interrupt waiting".
pub fn fiq_pending() -> bool {
    let isr: u64;
    // SAFETY: reading ISR_EL1 (which aarch64-cpu does not cover) has no
    // side effects.
    unsafe { core::arch::asm!("mrs {0}, isr_el1", out(reg) isr, options(nomem, nostack, preserves_flags)) };
    isr & (1 << 6) != 0
}

//! AArch64 S-EL1: the opteed entry and thread vector table, the kernel's
//! exception vectors, MMU control and system registers.

pub mod entropy;
pub mod entry;

pub mod fpu;
pub mod thread;
pub mod user;

pub use entry::STACK_SIZE;

/// Waits for an interrupt.
#[inline(always)]
pub fn wfi() {
    // SAFETY: `wfi` only suspends this core until an event.
    unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
}

/// `MPIDR_EL1`.
pub fn read_mpidr() -> u64 {
    let value: u64;
    // SAFETY: reading MPIDR_EL1 has no side effects.
    unsafe { core::arch::asm!("mrs {0}, mpidr_el1", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
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
    // SAFETY: forwarded from the caller; the sequence is the architectural one
    // (program attributes and tables, invalidate stale TLB entries, then
    // enable translation with synchronisation barriers).
    unsafe {
        core::arch::asm!(
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr0}",
            "isb",
            "tlbi vmalle1",
            "dsb nsh",
            "isb",
            "msr sctlr_el1, {sctlr}",
            "isb",
            mair = in(reg) crate::mm::pagetable::MAIR_VALUE,
            tcr = in(reg) TCR_VALUE,
            ttbr0 = in(reg) ttbr0,
            sctlr = in(reg) SCTLR_VALUE,
            options(nostack),
        );
    }
}

/// Makes the tables just written visible to the table walker.
pub fn tables_barrier() {
    // SAFETY: a barrier has no effect on memory safety.
    unsafe { core::arch::asm!("dsb ishst", "isb", options(nostack, preserves_flags)) };
}

/// After entries were removed from live tables (TA pages and blocks, or
/// emptied tables unlinked): makes the table writes visible, then drops
/// every core's cached translations and table walks of the EL1&0 regime,
/// whatever their level, and waits until all cores have done so. Only then
/// may the unmapped memory or the freed tables be reused.
pub fn invalidate_tlb_all_cores() {
    // SAFETY: barriers and TLB maintenance only; no memory is changed.
    unsafe { core::arch::asm!("dsb ishst", "tlbi vmalle1is", "dsb ish", "isb", options(nostack, preserves_flags)) };
}

/// The physical counter and its frequency.
pub fn counter() -> (u64, u64) {
    let (count, freq): (u64, u64);
    // SAFETY: reading the generic timer's counter and frequency has no effects.
    unsafe {
        core::arch::asm!("isb", "mrs {0}, cntpct_el0", "mrs {1}, cntfrq_el0", out(reg) count, out(reg) freq, options(nomem, nostack));
    }
    (count, freq.max(1))
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
    // SAFETY: reading ISR_EL1 has no side effects.
    unsafe { core::arch::asm!("mrs {0}, isr_el1", out(reg) isr, options(nomem, nostack, preserves_flags)) };
    isr & (1 << 6) != 0
}

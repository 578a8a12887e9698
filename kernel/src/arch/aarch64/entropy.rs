//! Hardware entropy: FEAT_RNG's `RNDR`, detected at run time (QEMU's
//! `-cpu max` has it, the default `cortex-a57` does not).

/// Whether `ID_AA64ISAR0_EL1.RNDR` (bits 63:60) says `RNDR` exists.
pub fn has_rndr() -> bool {
    let isar0: u64;
    // SAFETY: reading an ID register has no side effects.
    unsafe { core::arch::asm!("mrs {0}, id_aa64isar0_el1", out(reg) isar0, options(nomem, nostack, preserves_flags)) };
    (isar0 >> 60) & 0xf != 0
}

/// One `RNDR` read, `None` when the CPU has no `RNDR` or it reported failure
/// (NZCV = 0b0100: no entropy available right now).
pub fn rndr() -> Option<u64> {
    if !has_rndr() {
        return None;
    }
    let (value, failed): (u64, u64);
    // SAFETY: `RNDR` exists (checked above); reading it only sets the flags.
    unsafe {
        core::arch::asm!(
            "mrs {v}, s3_3_c2_c4_0",
            "cset {f}, eq",
            v = out(reg) value,
            f = out(reg) failed,
            options(nomem, nostack),
        )
    };
    (failed == 0).then_some(value)
}

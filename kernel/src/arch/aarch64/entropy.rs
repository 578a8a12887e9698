//! Hardware entropy: FEAT_RNG's `RNDR`, detected at run time (QEMU's
//! `-cpu max` has it, the default `cortex-a57` does not).

use aarch64_cpu::asm::random::ArmRng;

/// One `RNDR` read, `None` when the CPU has no `RNDR`
/// (`ID_AA64ISAR0_EL1.RNDR` is 0) or it reported failure (NZCV = 0b0100: no
/// entropy available right now).
pub fn rndr() -> Option<u64> {
    ArmRng::new()?.rndr()
}

//! The FP/SIMD register file: saving and restoring it, and who may use it
//! (`CPACR_EL1.FPEN`).
//!
//! The kernel itself is built soft-float and never touches these registers;
//! only TAs at S-EL0 do. The save and restore routines are the only kernel
//! code that names a vector register, so they are assembled with the FP and
//! SIMD extensions switched on locally.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{CPACR_EL1, Writeable};

use crate::thread::fpu::{FpAccess, FpRegs};

core::arch::global_asm!(
    r#"
.section .text.fpu, "ax"
.arch_extension fp
.arch_extension simd
.global kernel_fpu_save
kernel_fpu_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpcr
    mrs     x2, fpsr
    add     x0, x0, #512
    stp     x1, x2, [x0]
    ret

.global kernel_fpu_restore
kernel_fpu_restore:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x0, x0, #512
    ldp     x1, x2, [x0]
    msr     fpcr, x1
    msr     fpsr, x2
    ret
"#
);

const _: () = assert!(core::mem::offset_of!(FpRegs, fpcr) == 512);
const _: () = assert!(core::mem::offset_of!(FpRegs, fpsr) == 520);

unsafe extern "C" {
    fn kernel_fpu_save(regs: *mut FpRegs);
    fn kernel_fpu_restore(regs: *const FpRegs);
}

/// Sets `CPACR_EL1.FPEN` (and synchronises, so the next instruction sees it).
pub fn set_access(access: FpAccess) {
    let fpen = match access {
        FpAccess::Trapped => CPACR_EL1::FPEN::TrapEl0El1,
        FpAccess::KernelOnly => CPACR_EL1::FPEN::TrapEl0,
        FpAccess::Open => CPACR_EL1::FPEN::TrapNothing,
    };
    // CPACR_EL1 is per world (the monitor swaps the EL1 registers), so this
    // changes only the secure world's FP trapping; FPEN is its only non-zero
    // field (SVE and SME stay trapped).
    CPACR_EL1.write(fpen);
    barrier::isb(barrier::SY);
}

/// Copies the live register file into `regs`.
///
/// # Safety
///
/// FP access must be open to EL1 ([`FpAccess::KernelOnly`] or
/// [`FpAccess::Open`]), or the first store traps.
pub unsafe fn save(regs: &mut FpRegs) {
    // SAFETY: `regs` is a valid, 16-byte aligned FpRegs; the routine writes
    // exactly its 528 bytes and clobbers only x0..x2 (caller-saved).
    unsafe { kernel_fpu_save(regs) }
}

/// Loads `regs` into the register file.
///
/// # Safety
///
/// As for [`save`].
pub unsafe fn restore(regs: &FpRegs) {
    // SAFETY: as for `save`; the kernel is soft-float, so no compiled code
    // relies on the vector registers this overwrites.
    unsafe { kernel_fpu_restore(regs) }
}

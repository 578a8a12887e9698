//! Loading and reading the whole FP/SIMD register file (`q0..q31`, `FPCR`,
//! `FPSR`). ta-sdk TAs are soft-float, so compiled code never keeps anything
//! in these registers: they belong to whoever loads them here, which lets a
//! TA check that the trusted OS preserves its FP/SIMD state (see
//! [`crate::simd`]).

use crate::simd::SimdRegs;

#[cfg(all(target_arch = "aarch64", target_os = "none"))]
mod arch {
    use core::arch::asm;

    use crate::simd::SimdRegs;

    pub(super) fn load(regs: &SimdRegs) {
        // SAFETY: reads the 528 bytes of `regs` (16-byte aligned, repr(C));
        // writes only FP/SIMD registers, which no compiled ta-sdk or TA code
        // uses (soft-float target), and x9, x10, declared clobbered.
        unsafe {
            asm!(
                ".arch_extension fp",
                ".arch_extension simd",
                "ldp q0, q1, [{p}, #0]",
                "ldp q2, q3, [{p}, #32]",
                "ldp q4, q5, [{p}, #64]",
                "ldp q6, q7, [{p}, #96]",
                "ldp q8, q9, [{p}, #128]",
                "ldp q10, q11, [{p}, #160]",
                "ldp q12, q13, [{p}, #192]",
                "ldp q14, q15, [{p}, #224]",
                "ldp q16, q17, [{p}, #256]",
                "ldp q18, q19, [{p}, #288]",
                "ldp q20, q21, [{p}, #320]",
                "ldp q22, q23, [{p}, #352]",
                "ldp q24, q25, [{p}, #384]",
                "ldp q26, q27, [{p}, #416]",
                "ldp q28, q29, [{p}, #448]",
                "ldp q30, q31, [{p}, #480]",
                "ldr x9, [{p}, #512]",
                "ldr x10, [{p}, #520]",
                "msr fpcr, x9",
                "msr fpsr, x10",
                p = in(reg) core::ptr::from_ref(regs),
                out("x9") _,
                out("x10") _,
                options(nostack, readonly, preserves_flags),
            );
        }
    }

    pub(super) fn store(regs: &mut SimdRegs) {
        // SAFETY: writes the 528 bytes of `regs` (exclusive borrow, 16-byte
        // aligned, repr(C), every bit pattern valid); clobbers x9, x10.
        unsafe {
            asm!(
                ".arch_extension fp",
                ".arch_extension simd",
                "stp q0, q1, [{p}, #0]",
                "stp q2, q3, [{p}, #32]",
                "stp q4, q5, [{p}, #64]",
                "stp q6, q7, [{p}, #96]",
                "stp q8, q9, [{p}, #128]",
                "stp q10, q11, [{p}, #160]",
                "stp q12, q13, [{p}, #192]",
                "stp q14, q15, [{p}, #224]",
                "stp q16, q17, [{p}, #256]",
                "stp q18, q19, [{p}, #288]",
                "stp q20, q21, [{p}, #320]",
                "stp q22, q23, [{p}, #352]",
                "stp q24, q25, [{p}, #384]",
                "stp q26, q27, [{p}, #416]",
                "stp q28, q29, [{p}, #448]",
                "stp q30, q31, [{p}, #480]",
                "mrs x9, fpcr",
                "mrs x10, fpsr",
                "str x9, [{p}, #512]",
                "str x10, [{p}, #520]",
                p = in(reg) core::ptr::from_mut(regs),
                out("x9") _,
                out("x10") _,
                options(nostack, preserves_flags),
            );
        }
    }
}

#[cfg(not(all(target_arch = "aarch64", target_os = "none")))]
mod arch {
    use crate::simd::SimdRegs;

    pub(super) fn load(_regs: &SimdRegs) {
        panic!("FP/SIMD register access outside a TA (host build)")
    }

    pub(super) fn store(_regs: &mut SimdRegs) {
        panic!("FP/SIMD register access outside a TA (host build)")
    }
}

/// Loads `regs` into the FP/SIMD registers.
pub fn load(regs: &SimdRegs) {
    arch::load(regs)
}

/// Reads the FP/SIMD registers.
pub fn store(regs: &mut SimdRegs) {
    arch::store(regs)
}

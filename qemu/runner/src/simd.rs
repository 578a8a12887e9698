//! The normal world's FP/SIMD registers around calls into the TEE, for the
//! FP/SIMD isolation test (1016): system calls issued from assembly with
//! every vector register, `FPCR` and `FPSR` loaded from a pattern, and what
//! they hold afterwards. Linux preserves them across system calls, so any
//! difference comes from the secure world.

/// `q0..q31`, `FPCR`, `FPSR` (layout shared with the assembly below).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimdState {
    pub q: [u128; 32],
    pub fpcr: u64,
    pub fpsr: u64,
}

impl SimdState {
    pub const ZERO: SimdState = SimdState { q: [0; 32], fpcr: 0, fpsr: 0 };

    /// Distinct values in every register from `seed`; a rounding mode and
    /// flush-to-zero in `FPCR`, cumulative flags in `FPSR`.
    pub fn pattern(seed: u64) -> SimdState {
        let mut s = SimdState::ZERO;
        let mut x = u128::from(seed) << 64 | u128::from(!seed) | 1;
        for q in s.q.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *q = x;
        }
        s.fpcr = (seed & 3) << 22 | ((seed >> 2) & 1) << 24;
        s.fpsr = (seed >> 3) & 0x1f;
        s
    }

    /// How many of the 34 registers differ.
    pub fn differences(&self, other: &SimdState) -> u32 {
        let q = self.q.iter().zip(&other.q).filter(|(a, b)| a != b).count() as u32;
        q + u32::from(self.fpcr != other.fpcr) + u32::from(self.fpsr != other.fpsr)
    }
}

/// Linux arm64 system call numbers used here.
pub const SYS_IOCTL: u64 = 29;
pub const SYS_SCHED_YIELD: u64 = 124;

/// System call `nr(a0, a1, a2)` with the FP/SIMD registers loaded from
/// `before` around it; `after` receives what they hold when it returns.
/// Returns the raw result (negative errno on failure).
///
/// # Safety
///
/// The system call must be sound with these arguments (e.g. `a2` a valid
/// argument pointer for the ioctl request `a1`).
#[cfg(target_arch = "aarch64")]
pub unsafe fn syscall_holding(nr: u64, a: [u64; 3], before: &SimdState, after: &mut SimdState) -> i64 {
    let rc: i64;
    // SAFETY: loads and stores exactly the 528 bytes of `before` / `after`
    // (16-byte aligned repr(C)); every vector register is declared
    // clobbered; the system call itself is the caller's to vouch for; Linux
    // preserves x1..x30 across `svc`.
    unsafe {
        core::arch::asm!(
            "ldp q0, q1, [x9, #0]",
            "ldp q2, q3, [x9, #32]",
            "ldp q4, q5, [x9, #64]",
            "ldp q6, q7, [x9, #96]",
            "ldp q8, q9, [x9, #128]",
            "ldp q10, q11, [x9, #160]",
            "ldp q12, q13, [x9, #192]",
            "ldp q14, q15, [x9, #224]",
            "ldp q16, q17, [x9, #256]",
            "ldp q18, q19, [x9, #288]",
            "ldp q20, q21, [x9, #320]",
            "ldp q22, q23, [x9, #352]",
            "ldp q24, q25, [x9, #384]",
            "ldp q26, q27, [x9, #416]",
            "ldp q28, q29, [x9, #448]",
            "ldp q30, q31, [x9, #480]",
            "ldr x11, [x9, #512]",
            "msr fpcr, x11",
            "ldr x11, [x9, #520]",
            "msr fpsr, x11",
            "svc #0",
            "stp q0, q1, [x10, #0]",
            "stp q2, q3, [x10, #32]",
            "stp q4, q5, [x10, #64]",
            "stp q6, q7, [x10, #96]",
            "stp q8, q9, [x10, #128]",
            "stp q10, q11, [x10, #160]",
            "stp q12, q13, [x10, #192]",
            "stp q14, q15, [x10, #224]",
            "stp q16, q17, [x10, #256]",
            "stp q18, q19, [x10, #288]",
            "stp q20, q21, [x10, #320]",
            "stp q22, q23, [x10, #352]",
            "stp q24, q25, [x10, #384]",
            "stp q26, q27, [x10, #416]",
            "stp q28, q29, [x10, #448]",
            "stp q30, q31, [x10, #480]",
            "mrs x11, fpcr",
            "str x11, [x10, #512]",
            "mrs x11, fpsr",
            "str x11, [x10, #520]",
            // Leave the thread's FP control as the compiler expects it.
            "msr fpcr, xzr",
            "msr fpsr, xzr",
            in("x8") nr,
            inlateout("x0") a[0] => rc,
            in("x1") a[1],
            in("x2") a[2],
            in("x9") core::ptr::from_ref(before),
            in("x10") core::ptr::from_mut(after),
            out("x11") _,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _, out("v6") _, out("v7") _,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _, out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            out("v16") _, out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _, out("v22") _, out("v23") _,
            out("v24") _, out("v25") _, out("v26") _, out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            options(nostack),
        );
    }
    rc
}

/// Host stand-in (the suite runs only in the aarch64 guest).
///
/// # Safety
///
/// Never unsafe; mirrors the target signature.
#[cfg(not(target_arch = "aarch64"))]
pub unsafe fn syscall_holding(_nr: u64, _a: [u64; 3], before: &SimdState, after: &mut SimdState) -> i64 {
    *after = *before;
    -38 // ENOSYS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_distinct() {
        let a = SimdState::pattern(1);
        assert_eq!(a.differences(&a), 0);
        assert!(a.differences(&SimdState::pattern(2)) >= 32);
    }
}

//! The FP/SIMD register file, for TAs that check the trusted OS keeps it.
//!
//! ta-sdk targets soft-float AArch64 (see `tas/README.md`), so TA code never
//! uses these registers by itself; a TA that loads them here owns what they
//! hold. Upstream OP-TEE and our kernel give every TA run its own FP/SIMD
//! state (lazily, on first use), kept across system calls, RPCs to the
//! normal world and preemption, and never visible to another TA or to the
//! normal world: [`load`] then [`store`] around such events shows it.
//!
//! ```no_run
//! use ta_sdk::simd::{self, SimdRegs};
//! let mine = SimdRegs::pattern(7);
//! simd::load(&mine);
//! // ... system calls, waits, TA-to-TA calls ...
//! let mut now = SimdRegs::ZERO;
//! simd::store(&mut now);
//! assert_eq!(now, mine);
//! ```

/// `q0..q31`, `FPCR`, `FPSR` (layout shared with the loading assembly).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimdRegs {
    pub q: [u128; 32],
    pub fpcr: u64,
    pub fpsr: u64,
}

impl SimdRegs {
    pub const ZERO: SimdRegs = SimdRegs { q: [0; 32], fpcr: 0, fpsr: 0 };

    /// Distinct values in every register derived from `seed`; `FPCR` gets a
    /// rounding mode and flush-to-zero setting, `FPSR` cumulative flags.
    pub fn pattern(seed: u64) -> SimdRegs {
        let mut regs = SimdRegs::ZERO;
        let mut x = u128::from(seed) ^ 0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f;
        for q in regs.q.iter_mut() {
            // xorshift128: cheap, never zero for a non-zero start.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *q = x;
        }
        // FPCR.RMode (bits 23:22) and FZ (bit 24); FPSR.IOC..IXC (bits 0..4).
        regs.fpcr = (seed & 3) << 22 | ((seed >> 2) & 1) << 24;
        regs.fpsr = (seed >> 3) & 0x1f;
        regs
    }

    /// How many of the 34 registers differ from `other`.
    pub fn differences(&self, other: &SimdRegs) -> u32 {
        let q = self.q.iter().zip(other.q.iter()).filter(|(a, b)| a != b).count() as u32;
        q + u32::from(self.fpcr != other.fpcr) + u32::from(self.fpsr != other.fpsr)
    }
}

/// Loads `regs` into the FP/SIMD registers.
pub fn load(regs: &SimdRegs) {
    crate::sys::simd::load(regs)
}

/// Reads the FP/SIMD registers into `regs`.
pub fn store(regs: &mut SimdRegs) {
    crate::sys::simd::store(regs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_differ_per_seed_and_register() {
        let a = SimdRegs::pattern(1);
        let b = SimdRegs::pattern(2);
        assert_eq!(a.differences(&a), 0);
        assert!(a.differences(&b) >= 32);
        let mut distinct = a.q.to_vec();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 32);
    }
}

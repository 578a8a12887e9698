//! The guest programs' one register read outside `simd`: the AArch64
//! virtual counter, which Linux lets EL0 read (`CNTKCTL_EL1.EL0VCTEN`, set
//! for the vDSO).

/// `CNTVCT_EL0` in ns (by `CNTFRQ_EL0`): guest time since the machine
/// started. `None` off AArch64 (host builds) or without a frequency.
#[cfg(target_arch = "aarch64")]
pub fn counter_ns() -> Option<u128> {
    let (count, freq): (u64, u64);
    // SAFETY: reads of two EL0-readable timer registers; no memory access.
    unsafe {
        core::arch::asm!("isb", "mrs {c}, cntvct_el0", "mrs {f}, cntfrq_el0", c = out(reg) count, f = out(reg) freq);
    }
    (freq != 0).then(|| u128::from(count) * 1_000_000_000 / u128::from(freq))
}

/// See the AArch64 version.
#[cfg(not(target_arch = "aarch64"))]
pub fn counter_ns() -> Option<u128> {
    None
}

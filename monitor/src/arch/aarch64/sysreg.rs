//! System-register access for EL3: the EL3 controls and the EL1 register file
//! that the monitor swaps between worlds.
//!
//! Registers `aarch64-cpu` knows go through its typed accessors; the few it
//! does not (CPTR_EL3, the GICv3 ICC_*_EL3/EL1 registers, writing
//! CNTFRQ_EL0) are `msr`s of their own below.

use aarch64_cpu::registers::*;

use super::context::El1Sysregs;

/// Writes a system register `aarch64-cpu` has no writable type for.
macro_rules! write_raw_sysreg {
    ($name:literal, $value:expr) => {{
        let value: u64 = $value;
        // SAFETY: callers write EL3-owned configuration; none of it affects
        // the monitor's own memory.
        unsafe { core::arch::asm!(concat!("msr ", $name, ", {0}"), in(reg) value, options(nostack, preserves_flags)) };
    }};
}

/// `MPIDR_EL1`.
pub fn read_mpidr_el1() -> u64 {
    MPIDR_EL1.get()
}

/// `ESR_EL3`.
pub fn read_esr_el3() -> u64 {
    ESR_EL3.get()
}

/// What [`crate::inject::undef`] needs of the live EL1 state of the world
/// that trapped: `(VBAR_EL1, SCTLR_EL1, FEAT_PAN, FEAT_SSBS)`.
pub fn read_el1_for_injection() -> (u64, u64, bool, bool) {
    let pan = ID_AA64MMFR1_EL1.read(ID_AA64MMFR1_EL1::PAN) != 0;
    // ID_AA64PFR1_EL1.SSBS is bits 7:4 (aarch64-cpu does not name it).
    let ssbs = (ID_AA64PFR1_EL1.get() >> 4) & 0xf != 0;
    (VBAR_EL1.get(), SCTLR_EL1.get(), pan, ssbs)
}

/// Writes the exception syndrome, return address and saved PSTATE of an
/// exception injected into the live EL1 (see [`crate::inject`]).
pub fn write_el1_exception(esr: u64, elr: u64, spsr: u64) {
    ESR_EL1.set(esr);
    ELR_EL1.set(elr);
    SPSR_EL1.set(spsr);
}

/// `CNTFRQ_EL0`.
pub fn read_cntfrq() -> u64 {
    CNTFRQ_EL0.get()
}

/// Programs `CNTFRQ_EL0` (only EL3 may; `aarch64-cpu` has it read-only).
pub fn write_cntfrq(value: u64) {
    write_raw_sysreg!("cntfrq_el0", value);
}

/// Sets up the EL3 controls of the calling core: no FP/SIMD traps for lower
/// ELs, alignment checks off, instruction cache on.
pub fn init_el3_controls() {
    write_raw_sysreg!("cptr_el3", 0);
    // A off: the monitor runs with the MMU off, where Rust may still emit
    // naturally aligned but wide accesses; I and SA on. (Set by bit value:
    // aarch64-cpu names SCTLR_EL3.I's values the wrong way round.)
    SCTLR_EL3.modify(SCTLR_EL3::A::CLEAR + SCTLR_EL3::I::SET + SCTLR_EL3::SA::SET);
    super::isb();
}

/// GICv3 CPU interface at EL3: system-register access for every EL, both
/// interrupt groups of the lower worlds enabled. `aarch64-cpu` has none of
/// these registers, hence their encodings.
pub fn init_gic_cpu_interface() {
    // ICC_SRE_EL3: SRE | DFB | DIB | Enable (lower ELs may use ICC_SRE_EL1/2).
    write_raw_sysreg!("S3_6_C12_C12_5", 0xf);
    super::isb();
    // Secure ICC_SRE_EL1 (SCR_EL3.NS is 0 here): SRE | DFB | DIB.
    write_raw_sysreg!("S3_0_C12_C12_5", 0x7);
    // ICC_CTLR_EL3: defaults (EOImode 0, no routing changes).
    write_raw_sysreg!("S3_6_C12_C12_4", 0);
    // ICC_PMR_EL1 (shared by both worlds): unmask every priority. It resets to
    // 0, and with SCR_EL3.FIQ set the GIC ignores non-secure writes while the
    // mask is in the secure range, so Linux could never unmask it itself.
    write_raw_sysreg!("S3_0_C4_C6_0", 0xff);
    // ICC_IGRPEN1_EL3: EnableGrp1NS | EnableGrp1S.
    write_raw_sysreg!("S3_6_C12_C12_7", 0x3);
    super::isb();
}

/// Saves the live EL1 register file into `regs`.
pub fn save_el1(regs: &mut El1Sysregs) {
    regs.sctlr = SCTLR_EL1.get();
    regs.actlr = ACTLR_EL1.get();
    regs.cpacr = CPACR_EL1.get();
    regs.csselr = CSSELR_EL1.get();
    regs.sp_el1 = SP_EL1.get();
    regs.esr = ESR_EL1.get();
    regs.ttbr0 = TTBR0_EL1.get();
    regs.ttbr1 = TTBR1_EL1.get();
    regs.mair = MAIR_EL1.get();
    regs.amair = AMAIR_EL1.get();
    regs.tcr = TCR_EL1.get();
    regs.tpidr_el1 = TPIDR_EL1.get();
    regs.tpidr_el0 = TPIDR_EL0.get();
    regs.tpidrro_el0 = TPIDRRO_EL0.get();
    regs.par = PAR_EL1.get();
    regs.far = FAR_EL1.get();
    regs.afsr0 = AFSR0_EL1.get();
    regs.afsr1 = AFSR1_EL1.get();
    regs.contextidr = CONTEXTIDR_EL1.get();
    regs.vbar = VBAR_EL1.get();
    regs.spsr = SPSR_EL1.get();
    regs.elr = ELR_EL1.get();
    regs.cntkctl = CNTKCTL_EL1.get();
    regs.mdscr = MDSCR_EL1.get();
    // The EL1 physical timer is shared by both worlds.
    regs.cntp_ctl = CNTP_CTL_EL0.get();
    regs.cntp_cval = CNTP_CVAL_EL0.get();
}

/// Loads `regs` into the live EL1 register file.
pub fn restore_el1(regs: &El1Sysregs) {
    SCTLR_EL1.set(regs.sctlr);
    ACTLR_EL1.set(regs.actlr);
    CPACR_EL1.set(regs.cpacr);
    CSSELR_EL1.set(regs.csselr);
    SP_EL1.set(regs.sp_el1);
    ESR_EL1.set(regs.esr);
    TTBR0_EL1.set(regs.ttbr0);
    TTBR1_EL1.set(regs.ttbr1);
    MAIR_EL1.set(regs.mair);
    AMAIR_EL1.set(regs.amair);
    TCR_EL1.set(regs.tcr);
    TPIDR_EL1.set(regs.tpidr_el1);
    TPIDR_EL0.set(regs.tpidr_el0);
    TPIDRRO_EL0.set(regs.tpidrro_el0);
    PAR_EL1.set(regs.par);
    FAR_EL1.set(regs.far);
    AFSR0_EL1.set(regs.afsr0);
    AFSR1_EL1.set(regs.afsr1);
    CONTEXTIDR_EL1.set(regs.contextidr);
    VBAR_EL1.set(regs.vbar);
    SPSR_EL1.set(regs.spsr);
    ELR_EL1.set(regs.elr);
    CNTKCTL_EL1.set(regs.cntkctl);
    MDSCR_EL1.set(regs.mdscr);
    CNTP_CTL_EL0.set(regs.cntp_ctl);
    CNTP_CVAL_EL0.set(regs.cntp_cval);
    super::isb();
}

//! System-register access for EL3: the EL3 controls and the EL1 register file
//! that the monitor swaps between worlds.

use super::context::El1Sysregs;

macro_rules! read_sysreg {
    ($name:literal) => {{
        let value: u64;
        // SAFETY: reading a system register has no memory side effects.
        unsafe { core::arch::asm!(concat!("mrs {0}, ", $name), out(reg) value, options(nomem, nostack, preserves_flags)) };
        value
    }};
}

macro_rules! write_sysreg {
    ($name:literal, $value:expr) => {{
        let value: u64 = $value;
        // SAFETY: callers write EL3-owned configuration or the EL1 state of the
        // world about to run; neither affects the monitor's own memory.
        unsafe { core::arch::asm!(concat!("msr ", $name, ", {0}"), in(reg) value, options(nostack, preserves_flags)) };
    }};
}

/// `MPIDR_EL1`.
pub fn read_mpidr_el1() -> u64 {
    read_sysreg!("mpidr_el1")
}

/// `ESR_EL3`.
pub fn read_esr_el3() -> u64 {
    read_sysreg!("esr_el3")
}

/// What [`crate::inject::undef`] needs of the live EL1 state of the world
/// that trapped: `(VBAR_EL1, SCTLR_EL1, FEAT_PAN, FEAT_SSBS)`.
pub fn read_el1_for_injection() -> (u64, u64, bool, bool) {
    let mmfr1 = read_sysreg!("id_aa64mmfr1_el1");
    let pfr1 = read_sysreg!("id_aa64pfr1_el1");
    // ID_AA64MMFR1_EL1.PAN is bits 23:20, ID_AA64PFR1_EL1.SSBS bits 7:4.
    (read_sysreg!("vbar_el1"), read_sysreg!("sctlr_el1"), (mmfr1 >> 20) & 0xf != 0, (pfr1 >> 4) & 0xf != 0)
}

/// Writes the exception syndrome, return address and saved PSTATE of an
/// exception injected into the live EL1 (see [`crate::inject`]).
pub fn write_el1_exception(esr: u64, elr: u64, spsr: u64) {
    write_sysreg!("esr_el1", esr);
    write_sysreg!("elr_el1", elr);
    write_sysreg!("spsr_el1", spsr);
}

/// `CNTFRQ_EL0`.
pub fn read_cntfrq() -> u64 {
    read_sysreg!("cntfrq_el0")
}

/// Programs `CNTFRQ_EL0` (only EL3 may).
pub fn write_cntfrq(value: u64) {
    write_sysreg!("cntfrq_el0", value);
}

/// Sets up the EL3 controls of the calling core: no FP/SIMD traps for lower
/// ELs, alignment checks off, instruction cache on.
pub fn init_el3_controls() {
    write_sysreg!("cptr_el3", 0);
    let sctlr = read_sysreg!("sctlr_el3");
    // A (bit 1) off: the monitor runs with the MMU off, where Rust may still emit
    // naturally aligned but wide accesses; I (bit 12) and SA (bit 3) on.
    write_sysreg!("sctlr_el3", (sctlr & !(1 << 1)) | (1 << 12) | (1 << 3));
    super::isb();
}

/// GICv3 CPU interface at EL3: system-register access for every EL, both
/// interrupt groups of the lower worlds enabled.
pub fn init_gic_cpu_interface() {
    // ICC_SRE_EL3: SRE | DFB | DIB | Enable (lower ELs may use ICC_SRE_EL1/2).
    write_sysreg!("S3_6_C12_C12_5", 0xf);
    super::isb();
    // Secure ICC_SRE_EL1 (SCR_EL3.NS is 0 here): SRE | DFB | DIB.
    write_sysreg!("S3_0_C12_C12_5", 0x7);
    // ICC_CTLR_EL3: defaults (EOImode 0, no routing changes).
    write_sysreg!("S3_6_C12_C12_4", 0);
    // ICC_PMR_EL1 (shared by both worlds): unmask every priority. It resets to
    // 0, and with SCR_EL3.FIQ set the GIC ignores non-secure writes while the
    // mask is in the secure range, so Linux could never unmask it itself.
    write_sysreg!("S3_0_C4_C6_0", 0xff);
    // ICC_IGRPEN1_EL3: EnableGrp1NS | EnableGrp1S.
    write_sysreg!("S3_6_C12_C12_7", 0x3);
    super::isb();
}

/// Saves the live EL1 register file into `regs`.
pub fn save_el1(regs: &mut El1Sysregs) {
    regs.sctlr = read_sysreg!("sctlr_el1");
    regs.actlr = read_sysreg!("actlr_el1");
    regs.cpacr = read_sysreg!("cpacr_el1");
    regs.csselr = read_sysreg!("csselr_el1");
    regs.sp_el1 = read_sysreg!("sp_el1");
    regs.esr = read_sysreg!("esr_el1");
    regs.ttbr0 = read_sysreg!("ttbr0_el1");
    regs.ttbr1 = read_sysreg!("ttbr1_el1");
    regs.mair = read_sysreg!("mair_el1");
    regs.amair = read_sysreg!("amair_el1");
    regs.tcr = read_sysreg!("tcr_el1");
    regs.tpidr_el1 = read_sysreg!("tpidr_el1");
    regs.tpidr_el0 = read_sysreg!("tpidr_el0");
    regs.tpidrro_el0 = read_sysreg!("tpidrro_el0");
    regs.par = read_sysreg!("par_el1");
    regs.far = read_sysreg!("far_el1");
    regs.afsr0 = read_sysreg!("afsr0_el1");
    regs.afsr1 = read_sysreg!("afsr1_el1");
    regs.contextidr = read_sysreg!("contextidr_el1");
    regs.vbar = read_sysreg!("vbar_el1");
    regs.spsr = read_sysreg!("spsr_el1");
    regs.elr = read_sysreg!("elr_el1");
    regs.cntkctl = read_sysreg!("cntkctl_el1");
    regs.mdscr = read_sysreg!("mdscr_el1");
    // The EL1 physical timer is shared by both worlds.
    regs.cntp_ctl = read_sysreg!("cntp_ctl_el0");
    regs.cntp_cval = read_sysreg!("cntp_cval_el0");
}

/// Loads `regs` into the live EL1 register file.
pub fn restore_el1(regs: &El1Sysregs) {
    write_sysreg!("sctlr_el1", regs.sctlr);
    write_sysreg!("actlr_el1", regs.actlr);
    write_sysreg!("cpacr_el1", regs.cpacr);
    write_sysreg!("csselr_el1", regs.csselr);
    write_sysreg!("sp_el1", regs.sp_el1);
    write_sysreg!("esr_el1", regs.esr);
    write_sysreg!("ttbr0_el1", regs.ttbr0);
    write_sysreg!("ttbr1_el1", regs.ttbr1);
    write_sysreg!("mair_el1", regs.mair);
    write_sysreg!("amair_el1", regs.amair);
    write_sysreg!("tcr_el1", regs.tcr);
    write_sysreg!("tpidr_el1", regs.tpidr_el1);
    write_sysreg!("tpidr_el0", regs.tpidr_el0);
    write_sysreg!("tpidrro_el0", regs.tpidrro_el0);
    write_sysreg!("par_el1", regs.par);
    write_sysreg!("far_el1", regs.far);
    write_sysreg!("afsr0_el1", regs.afsr0);
    write_sysreg!("afsr1_el1", regs.afsr1);
    write_sysreg!("contextidr_el1", regs.contextidr);
    write_sysreg!("vbar_el1", regs.vbar);
    write_sysreg!("spsr_el1", regs.spsr);
    write_sysreg!("elr_el1", regs.elr);
    write_sysreg!("cntkctl_el1", regs.cntkctl);
    write_sysreg!("mdscr_el1", regs.mdscr);
    write_sysreg!("cntp_ctl_el0", regs.cntp_ctl);
    write_sysreg!("cntp_cval_el0", regs.cntp_cval);
    super::isb();
}

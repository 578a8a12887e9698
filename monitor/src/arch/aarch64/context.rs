//! The saved state of one world on one core. The assembly in `entry.rs` reads
//! and writes the general-purpose part through `offset_of!` constants.

/// EL1 system registers. They are not banked between security states, so the
/// monitor swaps them on every world switch.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(missing_docs)]
pub struct El1Sysregs {
    pub sctlr: u64,
    pub actlr: u64,
    pub cpacr: u64,
    pub csselr: u64,
    pub sp_el1: u64,
    pub esr: u64,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub mair: u64,
    pub amair: u64,
    pub tcr: u64,
    pub tpidr_el1: u64,
    pub tpidr_el0: u64,
    pub tpidrro_el0: u64,
    pub par: u64,
    pub far: u64,
    pub afsr0: u64,
    pub afsr1: u64,
    pub contextidr: u64,
    pub vbar: u64,
    pub spsr: u64,
    pub elr: u64,
    pub cntkctl: u64,
    pub mdscr: u64,
    pub cntp_ctl: u64,
    pub cntp_cval: u64,
}

/// `SCTLR_EL1` with only its RES1 bits set (MMU and caches off): what a world
/// sees on its first entry.
pub const SCTLR_EL1_RESET: u64 = 0x30d0_0800;

impl El1Sysregs {
    /// The register file of a world that has never run.
    pub const fn fresh() -> El1Sysregs {
        El1Sysregs {
            sctlr: SCTLR_EL1_RESET,
            actlr: 0,
            cpacr: 0,
            csselr: 0,
            sp_el1: 0,
            esr: 0,
            ttbr0: 0,
            ttbr1: 0,
            mair: 0,
            amair: 0,
            tcr: 0,
            tpidr_el1: 0,
            tpidr_el0: 0,
            tpidrro_el0: 0,
            par: 0,
            far: 0,
            afsr0: 0,
            afsr1: 0,
            contextidr: 0,
            vbar: 0,
            spsr: 0,
            elr: 0,
            cntkctl: 0,
            mdscr: 0,
            cntp_ctl: 0,
            cntp_cval: 0,
        }
    }
}

/// One world's state on one core.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CpuContext {
    /// `x0..x30`.
    pub x: [u64; 31],
    /// `SP_EL0`.
    pub sp_el0: u64,
    /// Where the world resumes.
    pub elr_el3: u64,
    /// PSTATE it resumes with.
    pub spsr_el3: u64,
    /// `SCR_EL3` while this world runs (selects the security state).
    pub scr_el3: u64,
    /// Top of this core's EL3 stack (the vectors switch to it).
    pub runtime_sp: u64,
    /// EL1 system registers while this world is not running.
    pub el1: El1Sysregs,
}

impl CpuContext {
    /// A context that starts at `pc` at EL1h with every exception masked.
    pub const fn fresh(scr_el3: u64, pc: u64, runtime_sp: u64) -> CpuContext {
        CpuContext {
            x: [0; 31],
            sp_el0: 0,
            elr_el3: pc,
            spsr_el3: SPSR_EL1H_MASKED,
            scr_el3,
            runtime_sp,
            el1: El1Sysregs::fresh(),
        }
    }
}

/// PSTATE for entering EL1 (SP_EL1) with D, A, I and F masked.
pub const SPSR_EL1H_MASKED: u64 = 0x3c5;

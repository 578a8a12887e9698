//! Turning an unexpected trap from a lower EL into an undefined-instruction
//! exception of that world's EL1, instead of stopping the core.
//!
//! Some lower-EL instructions trap to EL3 by configuration rather than by
//! request, e.g. a normal-world EL1 access to a Group-0 GIC register while
//! `SCR_EL3.FIQ` is set. Such an instruction is simply not available to the
//! caller, so the monitor makes it look undefined: EL1 takes a synchronous
//! exception with `ESR_EL1.EC = 0` ("unknown reason") at the trapping
//! instruction, exactly as if the CPU had raised it there. (The same
//! policy as TF-A's `inject_undef64`, lib/el3_runtime/aarch64/context_mgmt.c.)
//!
//! This module computes the new register values; `runtime` reads and writes
//! them.

/// `ESR_ELx.EC` (bits 31:26) 0, "unknown reason", with IL (bit 25) set: a
/// 32-bit instruction.
pub const ESR_UNDEF: u64 = 1 << 25;

/// `SPSR.M[4]`: the exception came from AArch32.
const SPSR_M_AARCH32: u64 = 1 << 4;
/// `SPSR.M[3:0]` values of AArch64 states.
const M_EL0T: u64 = 0b0000;
const M_EL1T: u64 = 0b0100;
const M_EL1H: u64 = 0b0101;
/// D, A, I, F.
const DAIF: u64 = 0xf << 6;
/// N, Z, C, V: kept by exception entry.
const NZCV: u64 = 0xf << 28;
/// DIT (bit 24): kept by exception entry.
const DIT: u64 = 1 << 24;
/// PAN (bit 22).
const PAN: u64 = 1 << 22;
/// SSBS (bit 12).
const SSBS: u64 = 1 << 12;
/// `SCTLR_EL1.SPAN` (bit 23): 0 = set PAN on exception entry to EL1.
const SCTLR_SPAN: u64 = 1 << 23;
/// `SCTLR_EL1.DSSBS` (bit 44): the SSBS value on exception entry to EL1.
const SCTLR_DSSBS: u64 = 1 << 44;

/// Vector-table offsets (Arm ARM D1.10.2) of a synchronous exception.
const VECTOR_CURRENT_SP0: u64 = 0x000;
const VECTOR_CURRENT_SPX: u64 = 0x200;
const VECTOR_LOWER_AARCH64: u64 = 0x400;
const VECTOR_LOWER_AARCH32: u64 = 0x600;

/// The trapped world's state the injection starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    /// `ELR_EL3`: the trapping instruction.
    pub pc: u64,
    /// `SPSR_EL3`: PSTATE at the trap.
    pub pstate: u64,
    /// That world's `VBAR_EL1`.
    pub vbar_el1: u64,
    /// That world's `SCTLR_EL1`.
    pub sctlr_el1: u64,
    /// FEAT_PAN (`ID_AA64MMFR1_EL1.PAN` != 0).
    pub has_pan: bool,
    /// FEAT_SSBS (`ID_AA64PFR1_EL1.SSBS` != 0).
    pub has_ssbs: bool,
}

/// What to write so the world resumes in its EL1 undefined-instruction
/// handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injection {
    /// `ESR_EL1`.
    pub esr_el1: u64,
    /// `ELR_EL1`: the trapping instruction (the handler sees where it was).
    pub elr_el1: u64,
    /// `SPSR_EL1`: PSTATE at the trap.
    pub spsr_el1: u64,
    /// New `ELR_EL3`: the vector entry.
    pub pc: u64,
    /// New `SPSR_EL3`: EL1h, D/A/I/F masked.
    pub pstate: u64,
}

/// Why nothing can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectError {
    /// The trap came from EL2 or EL3 (there is no EL2 here).
    NotFromEl0OrEl1,
    /// `VBAR_EL1` is 0: that world has no vectors yet.
    NoVectors,
}

/// Computes the undefined-instruction exception for `trap`.
pub fn undef(trap: &Trap) -> Result<Injection, InjectError> {
    let offset = if trap.pstate & SPSR_M_AARCH32 != 0 {
        // AArch32 can only be EL0 here (EL1 is AArch64: SCR_EL3.RW).
        VECTOR_LOWER_AARCH32
    } else {
        match trap.pstate & 0xf {
            M_EL0T => VECTOR_LOWER_AARCH64,
            M_EL1T => VECTOR_CURRENT_SP0,
            M_EL1H => VECTOR_CURRENT_SPX,
            _ => return Err(InjectError::NotFromEl0OrEl1),
        }
    };
    if trap.vbar_el1 == 0 {
        return Err(InjectError::NoVectors);
    }
    let mut pstate = (trap.pstate & (NZCV | DIT)) | DAIF | M_EL1H;
    if trap.has_pan {
        let pan = if trap.sctlr_el1 & SCTLR_SPAN == 0 { PAN } else { trap.pstate & PAN };
        pstate |= pan;
    }
    if trap.has_ssbs && trap.sctlr_el1 & SCTLR_DSSBS != 0 {
        pstate |= SSBS;
    }
    Ok(Injection {
        esr_el1: ESR_UNDEF,
        elr_el1: trap.pc,
        spsr_el1: trap.pstate,
        // VBAR_EL1 bits 10:0 are RES0.
        pc: (trap.vbar_el1 & !0x7ff) + offset,
        pstate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VBAR: u64 = 0xffff_8000_1001_0800;

    fn trap(pstate: u64) -> Trap {
        Trap { pc: 0xffff_8000_1234_5678, pstate, vbar_el1: VBAR, sctlr_el1: 0, has_pan: false, has_ssbs: false }
    }

    #[test]
    fn el1h_trap_goes_to_the_current_el_spx_vector() {
        // Linux at EL1h, interrupts unmasked, Z and C set.
        let t = trap((0b0110 << 28) | M_EL1H);
        let inj = undef(&t).unwrap();
        assert_eq!(inj.esr_el1 >> 26, 0, "EC = unknown");
        assert_eq!(inj.esr_el1, 1 << 25, "IL = 32-bit instruction");
        assert_eq!(inj.elr_el1, t.pc);
        assert_eq!(inj.spsr_el1, t.pstate);
        assert_eq!(inj.pc, VBAR + 0x200);
        assert_eq!(inj.pstate, (0b0110 << 28) | 0x3c5);
    }

    #[test]
    fn vector_offset_follows_where_the_trap_came_from() {
        assert_eq!(undef(&trap(M_EL1T)).unwrap().pc, VBAR);
        assert_eq!(undef(&trap(M_EL0T)).unwrap().pc, VBAR + 0x400);
        assert_eq!(undef(&trap(0x10)).unwrap().pc, VBAR + 0x600, "AArch32 EL0");
        // Whatever the origin, the handler runs at EL1h with D, A, I, F masked.
        for from in [M_EL0T, M_EL1T, M_EL1H, 0x10] {
            assert_eq!(undef(&trap(from)).unwrap().pstate & 0x3ff, 0x3c5);
        }
    }

    #[test]
    fn refuses_el2_el3_and_missing_vectors() {
        assert_eq!(undef(&trap(0b1001)), Err(InjectError::NotFromEl0OrEl1));
        assert_eq!(undef(&trap(0b1101)), Err(InjectError::NotFromEl0OrEl1));
        let t = Trap { vbar_el1: 0, ..trap(M_EL1H) };
        assert_eq!(undef(&t), Err(InjectError::NoVectors));
    }

    #[test]
    fn pan_and_ssbs_follow_sctlr_el1() {
        // PAN set on entry when SPAN is 0; kept as it was when SPAN is 1.
        let t = Trap { has_pan: true, ..trap(M_EL0T) };
        assert_ne!(undef(&t).unwrap().pstate & PAN, 0);
        let t = Trap { has_pan: true, sctlr_el1: SCTLR_SPAN, ..trap(M_EL0T) };
        assert_eq!(undef(&t).unwrap().pstate & PAN, 0);
        let t = Trap { has_pan: true, sctlr_el1: SCTLR_SPAN, ..trap(M_EL1H | PAN) };
        assert_ne!(undef(&t).unwrap().pstate & PAN, 0);
        // Without FEAT_PAN the bit stays clear.
        assert_eq!(undef(&trap(M_EL0T)).unwrap().pstate & PAN, 0);
        // SSBS comes from DSSBS; single-step and IL bits are not carried over.
        let t = Trap { has_ssbs: true, sctlr_el1: SCTLR_DSSBS, ..trap(M_EL1H | (1 << 21) | (1 << 20)) };
        let p = undef(&t).unwrap().pstate;
        assert_ne!(p & SSBS, 0);
        assert_eq!(p & ((1 << 21) | (1 << 20)), 0);
    }
}

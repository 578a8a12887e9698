//! SMC routing: decides who answers an SMC from the normal world, and what an
//! SMC from the trusted OS means. Pure logic; `runtime` carries out the result.

use tee_abi::opteed;
use tee_abi::smccc::{self, FunctionId, Owner};

use crate::psci::{Psci, PsciAction};

/// What to do with an SMC from the normal world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsCall {
    /// Answer at once with this `x0` (arguments registers `x1..x3` unchanged).
    Answer(u64),
    /// A PSCI call, decided.
    Psci(PsciAction),
    /// Forward to the trusted OS through its fast or yielding vector.
    TrustedOs {
        /// Fast call (else yielding).
        fast: bool,
    },
}

/// Routes an SMC from the normal world with `x0..x3` = `regs`.
pub fn route_ns_smc(regs: [u64; 4], psci: &mut Psci, tos_ready: bool) -> NsCall {
    let fid = FunctionId::from_x0(regs[0]);
    if !fid.is_well_formed() {
        return NsCall::Answer(smccc::RET_NOT_SUPPORTED);
    }
    match fid.owner() {
        Owner::Arch => NsCall::Answer(arch_call(fid.0, regs[1])),
        Owner::Standard => match psci.handle(regs) {
            Some(action) => NsCall::Psci(action),
            None => NsCall::Answer(smccc::RET_NOT_SUPPORTED),
        },
        Owner::TrustedOs if tos_ready => NsCall::TrustedOs { fast: fid.is_fast() },
        // No trusted OS: answer the way OP-TEE answers an unknown function.
        Owner::TrustedOs => NsCall::Answer(tee_abi::smc::RETURN_UNKNOWN_FUNCTION),
        _ => NsCall::Answer(smccc::RET_NOT_SUPPORTED),
    }
}

/// Arm architecture calls (SMCCC section 7).
pub fn arch_call(fid: u32, x1: u64) -> u64 {
    match fid {
        smccc::SMCCC_VERSION => smccc::SMCCC_VERSION_1_1,
        smccc::SMCCC_ARCH_FEATURES => match x1 as u32 {
            smccc::SMCCC_VERSION | smccc::SMCCC_ARCH_FEATURES => smccc::RET_SUCCESS,
            // No firmware workarounds are offered: the CPU model QEMU emulates
            // here needs none, and "not supported" is the honest answer.
            _ => smccc::RET_NOT_SUPPORTED,
        },
        _ => smccc::RET_NOT_SUPPORTED,
    }
}

/// An SMC from the trusted OS, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TosReturn {
    /// Cold boot done; vector table address (0 = the OS failed).
    EntryDone(u64),
    /// `cpu_on_entry` done with this status.
    OnDone(u64),
    /// `cpu_off_entry` done with this status.
    OffDone(u64),
    /// Suspend/resume entry done (not used: no power-down suspend is offered).
    SuspendResumeDone,
    /// Call finished: these four values go to the normal world's `x0..x3`.
    CallDone([u64; 4]),
    /// `fiq_entry` done.
    FiqDone,
    /// `system_off_entry` done.
    SystemOffDone,
    /// `system_reset_entry` done.
    SystemResetDone,
    /// Not part of the protocol.
    Unknown,
}

/// Decodes an SMC from the trusted OS with `x0..x4` = `regs`.
pub fn decode_tos_smc(regs: [u64; 5]) -> TosReturn {
    match regs[0] as u32 {
        opteed::RETURN_ENTRY_DONE => TosReturn::EntryDone(regs[1]),
        opteed::RETURN_ON_DONE => TosReturn::OnDone(regs[1]),
        opteed::RETURN_OFF_DONE => TosReturn::OffDone(regs[1]),
        opteed::RETURN_SUSPEND_DONE | opteed::RETURN_RESUME_DONE => TosReturn::SuspendResumeDone,
        // The OS hands 32-bit results; keep exactly what it passed.
        opteed::RETURN_CALL_DONE => TosReturn::CallDone([regs[1], regs[2], regs[3], regs[4]]),
        opteed::RETURN_FIQ_DONE => TosReturn::FiqDone,
        opteed::RETURN_SYSTEM_OFF_DONE => TosReturn::SystemOffDone,
        opteed::RETURN_SYSTEM_RESET_DONE => TosReturn::SystemResetDone,
        _ => TosReturn::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psci::{self, PsciError};
    use linker::MAX_CORES;

    fn psci() -> Psci {
        let mut present = [false; MAX_CORES];
        present[..4].fill(true);
        Psci::new(present, 0, (0x4000_0000, 0x8000_0000))
    }

    #[test]
    fn unknown_function_ids_get_not_supported() {
        let mut p = psci();
        for fid in [0x8200_0000u64, 0xc300_1234, 0x8600_0000, 0x0100_0000, 0xf000_0000, 0x8000_1234] {
            assert_eq!(
                route_ns_smc([fid, 0, 0, 0], &mut p, true),
                NsCall::Answer(smccc::RET_NOT_SUPPORTED),
                "fid {fid:#x}"
            );
        }
        // Malformed fast call (reserved bits set).
        assert_eq!(route_ns_smc([0x8402_0000, 0, 0, 0], &mut p, true), NsCall::Answer(smccc::RET_NOT_SUPPORTED));
    }

    #[test]
    fn trusted_os_calls_are_forwarded_only_when_the_os_is_up() {
        let mut p = psci();
        assert_eq!(route_ns_smc([0xbf00_ff01, 0, 0, 0], &mut p, true), NsCall::TrustedOs { fast: true });
        assert_eq!(route_ns_smc([0x3200_0004, 0, 0, 0], &mut p, true), NsCall::TrustedOs { fast: false });
        assert_eq!(route_ns_smc([0xbf00_ff01, 0, 0, 0], &mut p, false), NsCall::Answer(0xffff_ffff));
    }

    #[test]
    fn arch_calls() {
        let mut p = psci();
        assert_eq!(route_ns_smc([0x8000_0000, 0, 0, 0], &mut p, true), NsCall::Answer(0x10001));
        assert_eq!(route_ns_smc([0x8000_0001, 0x8000_0000, 0, 0], &mut p, true), NsCall::Answer(0));
        assert_eq!(
            route_ns_smc([0x8000_0001, 0x8000_8000, 0, 0], &mut p, true),
            NsCall::Answer(smccc::RET_NOT_SUPPORTED)
        );
    }

    #[test]
    fn psci_cpu_on_for_missing_core_is_invalid_parameters() {
        let mut p = psci();
        assert_eq!(
            route_ns_smc([psci::CPU_ON_64 as u64, 7, 0x4008_0000, 0], &mut p, true),
            NsCall::Psci(PsciAction::Return(PsciError::InvalidParameters.to_x0()))
        );
    }

    #[test]
    fn decodes_tos_returns() {
        assert_eq!(decode_tos_smc([0xbe00_0000, 0x0e10_0000, 0, 0, 0]), TosReturn::EntryDone(0x0e10_0000));
        assert_eq!(decode_tos_smc([0xbe00_0005, 1, 2, 3, 4]), TosReturn::CallDone([1, 2, 3, 4]));
        assert_eq!(decode_tos_smc([0xbe00_0009, 0, 0, 0, 0]), TosReturn::Unknown);
        assert_eq!(decode_tos_smc([0x8400_0000, 0, 0, 0, 0]), TosReturn::Unknown);
    }
}

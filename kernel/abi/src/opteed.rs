//! The TF-A `opteed` protocol between the EL3 monitor and the S-EL1 trusted OS
//! (TF-A `services/spd/opteed/teesmc_opteed.h`, OP-TEE `sm/teesmc_opteed.h`).

/// Trusted OS → monitor: cold boot finished, `x1` = vector table (0 = failed).
pub const RETURN_ENTRY_DONE: u32 = 0xbe00_0000;
/// Trusted OS → monitor: `cpu_on_entry` finished, `x1` = status.
pub const RETURN_ON_DONE: u32 = 0xbe00_0001;
/// Trusted OS → monitor: `cpu_off_entry` finished, `x1` = status.
pub const RETURN_OFF_DONE: u32 = 0xbe00_0002;
/// Trusted OS → monitor: `cpu_suspend_entry` finished.
pub const RETURN_SUSPEND_DONE: u32 = 0xbe00_0003;
/// Trusted OS → monitor: `cpu_resume_entry` finished.
pub const RETURN_RESUME_DONE: u32 = 0xbe00_0004;
/// Trusted OS → monitor: an SMC, RPC or foreign-interrupt exit; `x1..x4` become
/// the normal world's `x0..x3`.
pub const RETURN_CALL_DONE: u32 = 0xbe00_0005;
/// Trusted OS → monitor: `fiq_entry` finished; the normal world resumes untouched.
pub const RETURN_FIQ_DONE: u32 = 0xbe00_0006;
/// Trusted OS → monitor: `system_off_entry` finished.
pub const RETURN_SYSTEM_OFF_DONE: u32 = 0xbe00_0007;
/// Trusted OS → monitor: `system_reset_entry` finished.
pub const RETURN_SYSTEM_RESET_DONE: u32 = 0xbe00_0008;

/// The nine slots of the vector table handed over in `ENTRY_DONE`; each slot is
/// one 32-bit instruction and the monitor enters the slot's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum VectorSlot {
    /// Yielding SMC from the normal world.
    YieldSmc = 0x00,
    /// Fast SMC from the normal world.
    FastSmc = 0x04,
    /// First entry on a core after PSCI `CPU_ON` (MMU off).
    CpuOn = 0x08,
    /// PSCI `CPU_OFF` on this core.
    CpuOff = 0x0c,
    /// Resume after a power-down suspend.
    CpuResume = 0x10,
    /// Before a power-down suspend.
    CpuSuspend = 0x14,
    /// A secure interrupt arrived while the normal world ran.
    Fiq = 0x18,
    /// PSCI `SYSTEM_OFF`.
    SystemOff = 0x1c,
    /// PSCI `SYSTEM_RESET`.
    SystemReset = 0x20,
}

impl VectorSlot {
    /// Address of this slot in a vector table at `table`.
    pub const fn address(self, table: u64) -> u64 {
        table + self as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_upstream() {
        assert_eq!(RETURN_ENTRY_DONE, 0xBE000000);
        assert_eq!(RETURN_CALL_DONE, 0xBE000005);
        assert_eq!(RETURN_SYSTEM_RESET_DONE, 0xBE000008);
    }

    #[test]
    fn slots_are_one_instruction_apart() {
        assert_eq!(VectorSlot::FastSmc.address(0x1000), 0x1004);
        assert_eq!(VectorSlot::CpuOn.address(0x1000), 0x1008);
        assert_eq!(VectorSlot::Fiq.address(0), 0x18);
        assert_eq!(VectorSlot::SystemReset.address(0), 0x20);
    }
}

//! PSCI 1.0 (Arm DEN 0022): function IDs, return codes and the power-state
//! bookkeeping behind `CPU_ON`, `CPU_OFF` and `AFFINITY_INFO`.
//!
//! Pure logic: [`Psci::handle`] decides, the platform code acts on the
//! returned [`PsciAction`]. That keeps every argument check testable on the host.

use linker::MAX_CORES;

/// `PSCI_VERSION`.
pub const VERSION: u32 = 0x8400_0000;
/// `CPU_SUSPEND` (SMC32).
pub const CPU_SUSPEND_32: u32 = 0x8400_0001;
/// `CPU_SUSPEND` (SMC64).
pub const CPU_SUSPEND_64: u32 = 0xc400_0001;
/// `CPU_OFF`.
pub const CPU_OFF: u32 = 0x8400_0002;
/// `CPU_ON` (SMC32).
pub const CPU_ON_32: u32 = 0x8400_0003;
/// `CPU_ON` (SMC64).
pub const CPU_ON_64: u32 = 0xc400_0003;
/// `AFFINITY_INFO` (SMC32).
pub const AFFINITY_INFO_32: u32 = 0x8400_0004;
/// `AFFINITY_INFO` (SMC64).
pub const AFFINITY_INFO_64: u32 = 0xc400_0004;
/// `MIGRATE_INFO_TYPE`.
pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
/// `SYSTEM_OFF`.
pub const SYSTEM_OFF: u32 = 0x8400_0008;
/// `SYSTEM_RESET`.
pub const SYSTEM_RESET: u32 = 0x8400_0009;
/// `PSCI_FEATURES`.
pub const PSCI_FEATURES: u32 = 0x8400_000a;

/// PSCI version reported: 1.0.
pub const PSCI_VERSION_1_0: u64 = 0x0001_0000;

/// `MIGRATE_INFO_TYPE` answer: the trusted OS is MP-capable, no migration needed.
pub const TOS_NOT_PRESENT_MP: u64 = 2;

/// PSCI return codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub enum PsciError {
    /// `NOT_SUPPORTED`.
    NotSupported = -1,
    /// `INVALID_PARAMETERS`.
    InvalidParameters = -2,
    /// `DENIED`.
    Denied = -3,
    /// `ALREADY_ON`.
    AlreadyOn = -4,
    /// `ON_PENDING`.
    OnPending = -5,
    /// `INTERNAL_FAILURE`.
    InternalFailure = -6,
    /// `INVALID_ADDRESS`.
    InvalidAddress = -9,
}

impl PsciError {
    /// The value as it goes back in `x0` (sign-extended).
    pub const fn to_x0(self) -> u64 {
        self as i64 as u64
    }
}

/// Power state of one core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerState {
    /// Running.
    On,
    /// Powered down (or never started).
    Off,
    /// `CPU_ON` accepted, the core has not reached its entry point yet.
    OnPending,
}

impl PowerState {
    /// `AFFINITY_INFO` encoding.
    const fn affinity_info(self) -> u64 {
        match self {
            PowerState::On => 0,
            PowerState::Off => 1,
            PowerState::OnPending => 2,
        }
    }
}

/// Where and how a core started with `CPU_ON` enters the normal world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NsEntry {
    /// Entry point (physical, NS RAM).
    pub pc: u64,
    /// `context_id`, passed in `x0`.
    pub context_id: u64,
}

/// What the platform must do after a PSCI call was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsciAction {
    /// Return this value in `x0` to the caller.
    Return(u64),
    /// Release core `core` from the holding pen (its state is now `OnPending`),
    /// then return `SUCCESS` to the caller.
    StartCore {
        /// Linear index of the target core.
        core: usize,
    },
    /// Power down the calling core (after telling the trusted OS).
    CpuOff,
    /// Wait for an interrupt, then return `SUCCESS`.
    Standby,
    /// Power the system off (after telling the trusted OS).
    SystemOff,
    /// Reset the system (after telling the trusted OS).
    SystemReset,
}

/// The monitor's PSCI state: which cores exist and their power states.
pub struct Psci {
    present: [bool; MAX_CORES],
    states: [PowerState; MAX_CORES],
    entries: [Option<NsEntry>; MAX_CORES],
    ns_ram: (u64, u64),
}

impl Psci {
    /// Starts with `boot_core` on and every other present core off. `ns_ram`
    /// is the `[start, end)` range a `CPU_ON` entry point must lie in.
    pub fn new(present: [bool; MAX_CORES], boot_core: usize, ns_ram: (u64, u64)) -> Psci {
        let mut states = [PowerState::Off; MAX_CORES];
        states[boot_core] = PowerState::On;
        Psci { present, states, entries: [None; MAX_CORES], ns_ram }
    }

    /// Power state of `core`.
    pub fn state(&self, core: usize) -> PowerState {
        self.states[core]
    }

    /// Called on `core` when it reaches the monitor after leaving the pen:
    /// marks it on and hands over its normal-world entry.
    pub fn core_started(&mut self, core: usize) -> Option<NsEntry> {
        self.states[core] = PowerState::On;
        self.entries[core].take()
    }

    /// Called on `core` just before it powers down.
    pub fn core_stopped(&mut self, core: usize) {
        self.states[core] = PowerState::Off;
        self.entries[core] = None;
    }

    fn target_core(&self, mpidr: u64) -> Option<usize> {
        linker::core_index(mpidr).filter(|&c| self.present[c])
    }

    /// Decides a PSCI call made with `x0..x3` = `args`. Returns
    /// `None` when `args[0]` is not a PSCI function.
    pub fn handle(&mut self, args: [u64; 4]) -> Option<PsciAction> {
        let fid = args[0] as u32;
        let smc32 = fid & tee_abi::smccc::SMC64 == 0;
        // SMC32 variants carry 32-bit arguments; ignore the upper halves.
        let arg = |i: usize| if smc32 { args[i] & 0xffff_ffff } else { args[i] };
        let action = match fid {
            VERSION => PsciAction::Return(PSCI_VERSION_1_0),
            CPU_ON_32 | CPU_ON_64 => self.cpu_on(arg(1), arg(2), arg(3)),
            CPU_OFF => PsciAction::CpuOff,
            AFFINITY_INFO_32 | AFFINITY_INFO_64 => {
                let level = arg(2);
                match self.target_core(arg(1)) {
                    Some(core) if level == 0 => PsciAction::Return(self.states[core].affinity_info()),
                    _ => PsciAction::Return(PsciError::InvalidParameters.to_x0()),
                }
            }
            CPU_SUSPEND_32 | CPU_SUSPEND_64 => {
                // Original power_state format: bit 16 = power-down request. Only
                // standby is offered; a power-down state is not advertised anywhere.
                if arg(1) & (1 << 16) == 0 {
                    PsciAction::Standby
                } else {
                    PsciAction::Return(PsciError::InvalidParameters.to_x0())
                }
            }
            MIGRATE_INFO_TYPE => PsciAction::Return(TOS_NOT_PRESENT_MP),
            SYSTEM_OFF => PsciAction::SystemOff,
            SYSTEM_RESET => PsciAction::SystemReset,
            PSCI_FEATURES => PsciAction::Return(features(arg(1) as u32)),
            _ if fid & 0x3f00_0000 == 0x0400_0000 && fid & 0xffff <= 0x1f => {
                PsciAction::Return(PsciError::NotSupported.to_x0())
            }
            _ => return None,
        };
        Some(action)
    }

    fn cpu_on(&mut self, mpidr: u64, pc: u64, context_id: u64) -> PsciAction {
        let Some(core) = self.target_core(mpidr) else {
            return PsciAction::Return(PsciError::InvalidParameters.to_x0());
        };
        match self.states[core] {
            PowerState::On => return PsciAction::Return(PsciError::AlreadyOn.to_x0()),
            PowerState::OnPending => return PsciAction::Return(PsciError::OnPending.to_x0()),
            PowerState::Off => {}
        }
        if pc < self.ns_ram.0 || pc >= self.ns_ram.1 || !pc.is_multiple_of(4) {
            return PsciAction::Return(PsciError::InvalidAddress.to_x0());
        }
        self.states[core] = PowerState::OnPending;
        self.entries[core] = Some(NsEntry { pc, context_id });
        PsciAction::StartCore { core }
    }
}

/// `PSCI_FEATURES`: 0 for an implemented function (no optional feature flags),
/// `NOT_SUPPORTED` otherwise.
pub fn features(fid: u32) -> u64 {
    match fid {
        VERSION
        | CPU_SUSPEND_32
        | CPU_SUSPEND_64
        | CPU_OFF
        | CPU_ON_32
        | CPU_ON_64
        | AFFINITY_INFO_32
        | AFFINITY_INFO_64
        | MIGRATE_INFO_TYPE
        | SYSTEM_OFF
        | SYSTEM_RESET
        | PSCI_FEATURES
        | tee_abi::smccc::SMCCC_VERSION => 0,
        _ => PsciError::NotSupported.to_x0(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAM: (u64, u64) = (0x4000_0000, 0x8000_0000);

    fn four_cores() -> Psci {
        let mut present = [false; MAX_CORES];
        present[..4].fill(true);
        Psci::new(present, 0, RAM)
    }

    #[test]
    fn cpu_on_starts_an_off_core_once() {
        let mut p = four_cores();
        let on = [CPU_ON_64 as u64, 0x8000_0001, 0x4008_0000, 7];
        assert_eq!(p.handle(on), Some(PsciAction::StartCore { core: 1 }));
        assert_eq!(p.state(1), PowerState::OnPending);
        assert_eq!(p.handle(on), Some(PsciAction::Return(PsciError::OnPending.to_x0())));
        assert_eq!(p.core_started(1), Some(NsEntry { pc: 0x4008_0000, context_id: 7 }));
        assert_eq!(p.handle(on), Some(PsciAction::Return(PsciError::AlreadyOn.to_x0())));
        p.core_stopped(1);
        assert_eq!(p.handle(on), Some(PsciAction::StartCore { core: 1 }));
    }

    #[test]
    fn cpu_on_for_a_nonexistent_core_is_invalid_parameters() {
        let mut p = four_cores();
        let invalid = Some(PsciAction::Return(PsciError::InvalidParameters.to_x0()));
        // Core 5 is a valid QEMU affinity but not present with -smp 4.
        assert_eq!(p.handle([CPU_ON_64 as u64, 5, 0x4008_0000, 0]), invalid);
        // Beyond the platform's cores, and an affinity level QEMU virt never uses.
        assert_eq!(p.handle([CPU_ON_64 as u64, 0x10, 0x4008_0000, 0]), invalid);
        assert_eq!(p.handle([CPU_ON_64 as u64, 0x1_0000, 0x4008_0000, 0]), invalid);
        assert_eq!(p.state(3), PowerState::Off);
    }

    #[test]
    fn cpu_on_refuses_entry_outside_ns_ram() {
        let mut p = four_cores();
        let bad = Some(PsciAction::Return(PsciError::InvalidAddress.to_x0()));
        assert_eq!(p.handle([CPU_ON_64 as u64, 2, 0x0e10_0000, 0]), bad);
        assert_eq!(p.handle([CPU_ON_64 as u64, 2, 0x4000_0002, 0]), bad);
        assert_eq!(p.state(2), PowerState::Off);
    }

    #[test]
    fn smc32_arguments_use_the_low_half() {
        let mut p = four_cores();
        let on = [CPU_ON_32 as u64, 0xffff_ffff_0000_0002, 0xffff_ffff_4008_0000, 0];
        assert_eq!(p.handle(on), Some(PsciAction::StartCore { core: 2 }));
    }

    #[test]
    fn affinity_info_reports_states() {
        let mut p = four_cores();
        assert_eq!(p.handle([AFFINITY_INFO_64 as u64, 0, 0, 0]), Some(PsciAction::Return(0)));
        assert_eq!(p.handle([AFFINITY_INFO_64 as u64, 3, 0, 0]), Some(PsciAction::Return(1)));
        let invalid = Some(PsciAction::Return(PsciError::InvalidParameters.to_x0()));
        assert_eq!(p.handle([AFFINITY_INFO_64 as u64, 6, 0, 0]), invalid);
        assert_eq!(p.handle([AFFINITY_INFO_64 as u64, 0, 1, 0]), invalid);
    }

    #[test]
    fn version_features_and_power_calls() {
        let mut p = four_cores();
        assert_eq!(p.handle([VERSION as u64, 0, 0, 0]), Some(PsciAction::Return(0x10000)));
        assert_eq!(p.handle([PSCI_FEATURES as u64, CPU_ON_64 as u64, 0, 0]), Some(PsciAction::Return(0)));
        assert_eq!(
            p.handle([PSCI_FEATURES as u64, 0x8400_0012, 0, 0]),
            Some(PsciAction::Return(PsciError::NotSupported.to_x0()))
        );
        assert_eq!(p.handle([SYSTEM_OFF as u64, 0, 0, 0]), Some(PsciAction::SystemOff));
        assert_eq!(p.handle([SYSTEM_RESET as u64, 0, 0, 0]), Some(PsciAction::SystemReset));
        assert_eq!(p.handle([CPU_OFF as u64, 0, 0, 0]), Some(PsciAction::CpuOff));
        assert_eq!(p.handle([MIGRATE_INFO_TYPE as u64, 0, 0, 0]), Some(PsciAction::Return(2)));
        assert_eq!(p.handle([CPU_SUSPEND_64 as u64, 0, 0, 0]), Some(PsciAction::Standby));
        // An unimplemented PSCI function is answered, not passed on.
        assert_eq!(p.handle([0x8400_0012, 0, 0, 0]), Some(PsciAction::Return(PsciError::NotSupported.to_x0())));
        // Not PSCI at all.
        assert_eq!(p.handle([0xb200_0001, 0, 0, 0]), None);
    }
}

//! SMC Calling Convention: function-ID fields and the generic return values.

/// A 32-bit SMCCC function identifier (the low 32 bits of `x0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionId(pub u32);

/// The owning entity of a function ID (bits 29:24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Arm architecture calls (SMCCC_VERSION, ...).
    Arch,
    /// CPU service calls.
    Cpu,
    /// SiP service calls.
    Sip,
    /// OEM service calls.
    Oem,
    /// Standard secure service calls (PSCI lives here).
    Standard,
    /// Standard hypervisor service calls.
    StandardHyp,
    /// Vendor-specific hypervisor calls.
    VendorHyp,
    /// Trusted applications (48, 49).
    TrustedApp,
    /// Trusted OS (50..=63), routed to the secure-world OS.
    TrustedOs,
    /// Reserved values.
    Reserved,
}

/// Bit 31: fast (atomic) call.
pub const FAST_CALL: u32 = 1 << 31;
/// Bit 30: SMC64 calling convention.
pub const SMC64: u32 = 1 << 30;
/// Bit 16: SVE live-state hint (SMCCC 1.3), ignored by the callee.
pub const SVE_HINT: u32 = 1 << 16;

impl FunctionId {
    /// Takes the function ID from a full `x0` value (the upper half is ignored).
    pub const fn from_x0(x0: u64) -> Self {
        FunctionId(x0 as u32)
    }

    /// True for fast calls, false for yielding (standard) calls.
    pub const fn is_fast(self) -> bool {
        self.0 & FAST_CALL != 0
    }

    /// True when the SMC64 convention is requested.
    pub const fn is_smc64(self) -> bool {
        self.0 & SMC64 != 0
    }

    /// The owning-entity number (bits 29:24).
    pub const fn oen(self) -> u32 {
        (self.0 >> 24) & 0x3f
    }

    /// The function number (bits 15:0).
    pub const fn number(self) -> u32 {
        self.0 & 0xffff
    }

    /// The ID with the SVE hint cleared, as TF-A hands it to the trusted OS.
    pub const fn without_sve_hint(self) -> Self {
        FunctionId(self.0 & !SVE_HINT)
    }

    /// The owning entity.
    pub const fn owner(self) -> Owner {
        match self.oen() {
            0 => Owner::Arch,
            1 => Owner::Cpu,
            2 => Owner::Sip,
            3 => Owner::Oem,
            4 => Owner::Standard,
            5 => Owner::StandardHyp,
            6 => Owner::VendorHyp,
            48 | 49 => Owner::TrustedApp,
            50..=63 => Owner::TrustedOs,
            _ => Owner::Reserved,
        }
    }

    /// Fast calls must have bits 23:17 clear (SMCCC); others are malformed.
    pub const fn is_well_formed(self) -> bool {
        !self.is_fast() || (self.0 >> 17) & 0x7f == 0
    }
}

/// `SMCCC_VERSION`.
pub const SMCCC_VERSION: u32 = 0x8000_0000;
/// `SMCCC_ARCH_FEATURES`.
pub const SMCCC_ARCH_FEATURES: u32 = 0x8000_0001;
/// `SMCCC_ARCH_SOC_ID`.
pub const SMCCC_ARCH_SOC_ID: u32 = 0x8000_0002;
/// `SMCCC_ARCH_WORKAROUND_1` (Spectre v2).
pub const SMCCC_ARCH_WORKAROUND_1: u32 = 0x8000_8000;
/// `SMCCC_ARCH_WORKAROUND_2` (Spectre v4).
pub const SMCCC_ARCH_WORKAROUND_2: u32 = 0x8000_7fff;
/// `SMCCC_ARCH_WORKAROUND_3` (Spectre-BHB).
pub const SMCCC_ARCH_WORKAROUND_3: u32 = 0x8000_3fff;

/// The SMCCC version this monitor implements: 1.1.
pub const SMCCC_VERSION_1_1: u64 = 0x0001_0001;

/// `SMCCC_RET_SUCCESS`.
pub const RET_SUCCESS: u64 = 0;
/// `SMCCC_RET_NOT_SUPPORTED` (-1), as a full register value.
pub const RET_NOT_SUPPORTED: u64 = -1i64 as u64;
/// `SMCCC_RET_NOT_REQUIRED` (-2).
pub const RET_NOT_REQUIRED: u64 = -2i64 as u64;
/// `SMCCC_RET_INVALID_PARAMETER` (-3).
pub const RET_INVALID_PARAMETER: u64 = -3i64 as u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields() {
        let psci_on64 = FunctionId(0xc400_0003);
        assert!(psci_on64.is_fast() && psci_on64.is_smc64());
        assert_eq!(psci_on64.owner(), Owner::Standard);
        assert_eq!(psci_on64.number(), 3);

        let optee_yield = FunctionId(0x3200_0004);
        assert!(!optee_yield.is_fast() && !optee_yield.is_smc64());
        assert_eq!(optee_yield.owner(), Owner::TrustedOs);

        let uid = FunctionId(0xbf00_ff01);
        assert_eq!(uid.oen(), 63);
        assert_eq!(uid.owner(), Owner::TrustedOs);

        assert_eq!(FunctionId(0x8000_0000).owner(), Owner::Arch);
        assert_eq!(FunctionId(0x8700_0000).owner(), Owner::Reserved);
    }

    #[test]
    fn upper_half_of_x0_is_ignored_and_sve_hint_cleared() {
        let fid = FunctionId::from_x0(0xdead_beef_b201_0009);
        assert_eq!(fid.0, 0xb201_0009);
        assert_eq!(fid.without_sve_hint().0, 0xb200_0009);
        // The SVE hint is not a reserved bit; bits 23:17 are.
        assert!(fid.is_well_formed());
        assert!(!FunctionId(0xb202_0009).is_well_formed());
    }

    #[test]
    fn return_values_are_sign_extended() {
        assert_eq!(RET_NOT_SUPPORTED, 0xffff_ffff_ffff_ffff);
        assert_eq!(RET_INVALID_PARAMETER as i64, -3);
    }
}

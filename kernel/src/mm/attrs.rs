//! What a mapping is: memory type, permissions, security state and
//! privilege, and how they become VMSAv8-64 stage-1 descriptor bits.

pub(super) const DESC_VALID: u64 = 1 << 0;
pub(super) const DESC_TABLE_OR_PAGE: u64 = 1 << 1;
const ATTR_INDX_SHIFT: u64 = 2;
const ATTR_NS: u64 = 1 << 5;
pub(super) const AP_EL0: u64 = 1 << 6;
pub(super) const AP_RO: u64 = 1 << 7;
const SH_INNER: u64 = 3 << 8;
const AF: u64 = 1 << 10;
pub(super) const PXN: u64 = 1 << 53;
pub(super) const UXN: u64 = 1 << 54;
/// Bit 55 is reserved for software in block and page descriptors and
/// ignored by the walker in table descriptors: it marks a level-1 entry a
/// TA's root copied from the kernel's, which that root's editor never
/// touches.
pub(super) const SW_SHARED: u64 = 1 << 55;
/// Output (or next-table) address bits of a descriptor (48-bit PA).
pub(super) const ADDR_MASK: u64 = 0x0000_ffff_ffff_f000;

/// `MAIR_EL1` index 0: Device-nGnRnE.
pub const MAIR_DEVICE: u64 = 0;
/// `MAIR_EL1` index 1: Normal, inner/outer write-back non-transient.
pub const MAIR_NORMAL: u64 = 1;
/// The `MAIR_EL1` value matching the two indices above.
pub const MAIR_VALUE: u64 = 0xff << 8; // index 0: 0x00 (device nGnRnE), index 1: 0xff

/// What kind of memory a range is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemKind {
    /// Device registers (never cached, never executable).
    Device,
    /// Normal cacheable memory.
    Normal,
}

/// Permissions of a mapping. Writable and executable are exclusive (W^X).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Read-only, executable (kernel text).
    ReadExecute,
    /// Read-only data.
    ReadOnly,
    /// Read-write data, never executable.
    ReadWrite,
}

/// Attributes of one mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attrs {
    /// Memory type.
    pub kind: MemKind,
    /// Access permissions.
    pub perm: Perm,
    /// Non-secure physical address space (normal-world memory).
    pub non_secure: bool,
    /// Accessible from S-EL0 (a TA's own memory). The kernel never executes it.
    pub user: bool,
}

impl Attrs {
    /// Kernel memory of the given permissions.
    pub const fn kernel(kind: MemKind, perm: Perm) -> Attrs {
        Attrs { kind, perm, non_secure: false, user: false }
    }

    /// TA memory (secure) of the given permissions.
    pub const fn user(perm: Perm) -> Attrs {
        Attrs { kind: MemKind::Normal, perm, non_secure: false, user: true }
    }

    /// Normal-world memory mapped into a TA (e.g. a client's shared
    /// memory), never executable there.
    pub const fn user_non_secure(perm: Perm) -> Attrs {
        let perm = if matches!(perm, Perm::ReadExecute) { Perm::ReadOnly } else { perm };
        Attrs { kind: MemKind::Normal, perm, non_secure: true, user: true }
    }

    pub(super) fn bits(self) -> u64 {
        let mut bits = AF;
        bits |= match self.kind {
            MemKind::Device => MAIR_DEVICE << ATTR_INDX_SHIFT,
            MemKind::Normal => (MAIR_NORMAL << ATTR_INDX_SHIFT) | SH_INNER,
        };
        // Execute permission goes to exactly one of EL1 (kernel text) or EL0
        // (TA text), never to a writable page, never to a device.
        let exec_never = if self.user { PXN } else { UXN };
        bits |= match self.perm {
            Perm::ReadExecute => AP_RO | exec_never,
            Perm::ReadOnly => AP_RO | PXN | UXN,
            Perm::ReadWrite => PXN | UXN,
        };
        if self.kind == MemKind::Device {
            bits |= PXN | UXN;
        }
        if self.user {
            bits |= AP_EL0;
        }
        if self.non_secure {
            bits |= ATTR_NS;
        }
        bits
    }

    pub(super) fn from_bits(bits: u64) -> Attrs {
        let kind = if (bits >> ATTR_INDX_SHIFT) & 7 == MAIR_DEVICE { MemKind::Device } else { MemKind::Normal };
        let user = bits & AP_EL0 != 0;
        let executable = bits & (PXN | UXN) != (PXN | UXN);
        let perm = match (bits & AP_RO != 0, executable) {
            (true, true) => Perm::ReadExecute,
            (true, false) => Perm::ReadOnly,
            _ => Perm::ReadWrite,
        };
        Attrs { kind, perm, non_secure: bits & ATTR_NS != 0, user }
    }
}

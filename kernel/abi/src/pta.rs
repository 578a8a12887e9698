//! The pseudo-TAs' UUIDs and command IDs: upstream's system PTA (optee_os
//! 4.5.0 `lib/libutee/include/pta_system.h`) and device-enumeration PTA
//! (`core/include/pta_device.h`, the Linux driver's `optee/device.c`), and our
//! own statistics PTA (no upstream counterpart; the guest suite reads it).

use crate::uuid::Uuid;

/// `PTA_SYSTEM_UUID`.
pub const SYSTEM_UUID: Uuid = Uuid::must("3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc");
/// `PTA_SYSTEM_ADD_RNG_ENTROPY`: in: memref0, the entropy.
pub const SYSTEM_CMD_ADD_RNG_ENTROPY: u32 = 0;
/// `PTA_SYSTEM_MAP_ZI`.
pub const SYSTEM_CMD_MAP_ZI: u32 = 2;
/// `PTA_SYSTEM_UNMAP`.
pub const SYSTEM_CMD_UNMAP: u32 = 3;
/// `PTA_SYSTEM_DLOPEN`: in: memref0 the library's `TEE_UUID`, value0.a flags.
pub const SYSTEM_CMD_DLOPEN: u32 = 10;
/// `PTA_SYSTEM_DLSYM`: in: memref0 `TEE_UUID` (all zero: every object),
/// memref1 the symbol name; out: value2 (a = high, b = low 32 bits).
pub const SYSTEM_CMD_DLSYM: u32 = 11;
/// `PTA_SYSTEM_MAP_FLAG_SHAREABLE`: MAP_ZI memory the TA may pass to others.
pub const SYSTEM_MAP_FLAG_SHAREABLE: u32 = 1;

/// `PTA_DEVICE_UUID`.
pub const DEVICE_UUID: Uuid = Uuid::must("7011a688-ddde-4053-a5a9-7b3c4ddf13b8");

/// Our statistics PTA (not an upstream one).
pub const STATS_UUID: Uuid = Uuid::must("c0a7b1e2-74d5-4e6f-9a18-5f3b2d0c9e41");
/// Stats PTA: `[0] VALUE_OUTPUT a = heap bytes in use, b = open sessions;
/// [1] VALUE_OUTPUT a = registered shared-memory objects, b = heap size`.
pub const STATS_CMD_KERNEL_STATS: u32 = 0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_pta_uuids() {
        assert_eq!(SYSTEM_UUID.time_low, 0x3a2f_8978);
        assert_eq!(SYSTEM_UUID.clock_seq_and_node, [0x9c, 0x2d, 0xfa, 0x7a, 0xe0, 0x1b, 0xbe, 0xbc]);
        assert_eq!(DEVICE_UUID.time_low, 0x7011_a688);
        assert_eq!(DEVICE_UUID.time_hi_and_version, 0x4053);
        assert_ne!(STATS_UUID, SYSTEM_UUID);
        assert_ne!(STATS_UUID, DEVICE_UUID);
    }

    #[test]
    fn upstream_system_pta_dl_commands() {
        // pta_system.h, optee_os 4.5.0.
        assert_eq!((SYSTEM_CMD_DLOPEN, SYSTEM_CMD_DLSYM), (10, 11));
    }
}

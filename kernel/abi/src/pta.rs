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
/// `PTA_SYSTEM_SUPP_PLUGIN_INVOKE`: in: memref0 the plugin's `TEE_UUID`,
/// value1 (cmd, sub_cmd); in/out: memref2 the data; out: value3.a the
/// length the plugin wrote.
pub const SYSTEM_CMD_SUPP_PLUGIN_INVOKE: u32 = 13;
/// `PTA_SYSTEM_MAP_FLAG_SHAREABLE`: MAP_ZI memory the TA may pass to others.
pub const SYSTEM_MAP_FLAG_SHAREABLE: u32 = 1;

/// `PTA_DEVICE_UUID`.
pub const DEVICE_UUID: Uuid = Uuid::must("7011a688-ddde-4053-a5a9-7b3c4ddf13b8");

/// `PTA_INVOKE_TESTS_UUID`: upstream's test pseudo-TA (optee_os 4.5.0
/// `lib/libutee/include/pta_invoke_tests.h`, `core/pta/tests/invoke.c`),
/// which xtest's 1001-1003, 1015, 1020 and 1025 open.
pub const INVOKE_TESTS_UUID: Uuid = Uuid::must("d96a5b40-c3e5-21e3-8794-1002a5d5c61b");
/// `PTA_INVOKE_TESTS_CMD_*`.
pub mod invoke_tests {
    pub const CMD_TRACE: u32 = 0;
    pub const CMD_PARAMS: u32 = 1;
    pub const CMD_SELF_TESTS: u32 = 2;
    pub const CMD_FS_HTREE: u32 = 6;
    pub const CMD_MUTEX: u32 = 7;
    pub const CMD_LOCKDEP: u32 = 8;
    pub const CMD_MEMREF_NULL: u32 = 10;
    pub const CMD_DT_DRIVER_TESTS: u32 = 11;
    /// `PTA_MUTEX_TEST_WRITER` / `_READER`: CMD_MUTEX's value0.a.
    pub const MUTEX_TEST_WRITER: u32 = 0;
    pub const MUTEX_TEST_READER: u32 = 1;
}

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
        assert_eq!(SYSTEM_CMD_SUPP_PLUGIN_INVOKE, 13);
        assert_eq!(INVOKE_TESTS_UUID.time_low, 0xd96a_5b40);
        assert_eq!(INVOKE_TESTS_UUID.clock_seq_and_node, [0x87, 0x94, 0x10, 0x02, 0xa5, 0xd5, 0xc6, 0x1b]);
        assert_eq!((invoke_tests::CMD_PARAMS, invoke_tests::CMD_SELF_TESTS, invoke_tests::CMD_FS_HTREE), (1, 2, 6));
        assert_eq!((invoke_tests::CMD_MUTEX, invoke_tests::CMD_LOCKDEP), (7, 8));
        assert_eq!((invoke_tests::CMD_MEMREF_NULL, invoke_tests::CMD_DT_DRIVER_TESTS), (10, 11));
        assert_ne!(STATS_UUID, SYSTEM_UUID);
        assert_ne!(STATS_UUID, DEVICE_UUID);
    }
}

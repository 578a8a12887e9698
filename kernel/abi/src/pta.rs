//! The pseudo-TAs' UUIDs and command IDs: upstream's system PTA (optee_os
//! 4.5.0 `lib/libutee/include/pta_system.h`), device-enumeration PTA
//! (`core/include/pta_device.h`, the Linux driver's `optee/device.c`) and
//! socket PTA (`lib/libutee/include/pta_socket.h`, the GP socket error codes
//! of `lib/libutee/include/__tee_isocket_defines.h`), and our own statistics
//! PTA (no upstream counterpart; the guest suite reads it).

use crate::uuid::Uuid;

/// `PTA_SYSTEM_UUID`.
pub const SYSTEM_UUID: Uuid = Uuid::must("3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc");
/// `PTA_SYSTEM_ADD_RNG_ENTROPY`: in: memref0, the entropy.
pub const SYSTEM_CMD_ADD_RNG_ENTROPY: u32 = 0;
/// `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`: in: memref0, extra data (at most
/// [`TA_DERIVED_EXTRA_DATA_MAX_SIZE`] bytes); out: memref1, the key
/// ([`TA_DERIVED_KEY_MIN_SIZE`]..=[`TA_DERIVED_KEY_MAX_SIZE`] bytes).
pub const SYSTEM_CMD_DERIVE_TA_UNIQUE_KEY: u32 = 1;
/// `TA_DERIVED_KEY_MIN_SIZE`.
pub const TA_DERIVED_KEY_MIN_SIZE: usize = 16;
/// `TA_DERIVED_KEY_MAX_SIZE`.
pub const TA_DERIVED_KEY_MAX_SIZE: usize = 32;
/// `TA_DERIVED_EXTRA_DATA_MAX_SIZE`.
pub const TA_DERIVED_EXTRA_DATA_MAX_SIZE: usize = 1024;
/// `PTA_SYSTEM_MAP_ZI`.
pub const SYSTEM_CMD_MAP_ZI: u32 = 2;
/// `PTA_SYSTEM_UNMAP`.
pub const SYSTEM_CMD_UNMAP: u32 = 3;
/// `PTA_SYSTEM_SUPP_PLUGIN_INVOKE`: in: memref0 (the plugin's `TEE_UUID`),
/// value1 (command, sub-command); in/out: memref2 (data); out: value3.a
/// (the plugin's output length).
pub const SYSTEM_CMD_SUPP_PLUGIN_INVOKE: u32 = 13;
/// `PTA_SYSTEM_DLOPEN`: in: memref0 the library's `TEE_UUID`, value0.a flags.
pub const SYSTEM_CMD_DLOPEN: u32 = 10;
/// `PTA_SYSTEM_DLSYM`: in: memref0 `TEE_UUID` (all zero: every object),
/// memref1 the symbol name; out: value2 (a = high, b = low 32 bits).
pub const SYSTEM_CMD_DLSYM: u32 = 11;
/// `PTA_SYSTEM_MAP_FLAG_SHAREABLE`: MAP_ZI memory the TA may pass to others.
pub const SYSTEM_MAP_FLAG_SHAREABLE: u32 = 1;

/// `PTA_DEVICE_UUID`.
pub const DEVICE_UUID: Uuid = Uuid::must("7011a688-ddde-4053-a5a9-7b3c4ddf13b8");

/// `PTA_SOCKET_UUID`: the GP socket API's transport (libutee's
/// `tee_socket_pta.c` opens one session per TA instance).
pub const SOCKET_UUID: Uuid = Uuid::must("3b996a7d-2c2b-4a49-a896-e1fb5766d2f4");
/// `PTA_SOCKET_OPEN`: in: value0 (IP version, port), memref0 (server, NUL
/// terminated), value2.a (protocol); out: value3.a (handle).
pub const SOCKET_CMD_OPEN: u32 = 1;
/// `PTA_SOCKET_CLOSE`: in: value0.a (handle).
pub const SOCKET_CMD_CLOSE: u32 = 2;
/// `PTA_SOCKET_SEND`: in: value0 (handle, timeout ms), memref1 (data); out:
/// value2.a (bytes sent).
pub const SOCKET_CMD_SEND: u32 = 3;
/// `PTA_SOCKET_RECV`: in: value0 (handle, timeout ms); out: memref1.
pub const SOCKET_CMD_RECV: u32 = 4;
/// `PTA_SOCKET_IOCTL`: in: value0 (handle, command); in/out: memref1.
pub const SOCKET_CMD_IOCTL: u32 = 5;

/// `TEE_IP_VERSION_DC` / `_4` / `_6` (`__tee_ipsocket.h`): OPEN's value0.a.
pub mod ip_version {
    pub const DONT_CARE: u32 = 0;
    pub const V4: u32 = 1;
    pub const V6: u32 = 2;
}
/// `TEE_ISOCKET_PROTOCOLID_TCP` (`__tee_tcpsocket_defines.h`): OPEN's value2.a.
pub const ISOCKET_PROTOCOLID_TCP: u32 = 0x65;
/// `TEE_ISOCKET_PROTOCOLID_UDP` (`__tee_udpsocket_defines.h`).
pub const ISOCKET_PROTOCOLID_UDP: u32 = 0x66;

/// The GP socket API's error codes (`TEE_ISOCKET_ERROR_*`), which
/// tee-supplicant returns and the socket PTA passes through unchanged.
pub mod isocket_error {
    pub const PROTOCOL: u32 = 0xF100_7001;
    pub const REMOTE_CLOSED: u32 = 0xF100_7002;
    pub const TIMEOUT: u32 = 0xF100_7003;
    pub const OUT_OF_RESOURCES: u32 = 0xF100_7004;
    pub const LARGE_BUFFER: u32 = 0xF100_7005;
    pub const WARNING_PROTOCOL: u32 = 0xF100_7006;
    pub const HOSTNAME: u32 = 0xF100_7007;
}

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

/// `PTA_SECSTOR_TA_MGMT_UUID`: installs TAs into secure storage (optee_os
/// 4.5.0 `lib/libutee/include/pta_secstor_ta_mgmt.h`,
/// `core/pta/secstor_ta_mgmt.c`); xtest 1008 and `xtest --install-ta`.
pub const SECSTOR_TA_MGMT_UUID: Uuid = Uuid::must("6e256cba-fc4d-4941-ad09-2ca1860342dd");
/// `PTA_SECSTOR_TA_MGMT_BOOTSTRAP`: in: memref0 a signed bootstrap TA file.
pub const SECSTOR_TA_MGMT_BOOTSTRAP: u32 = 0;

/// Our statistics PTA (not an upstream one).
pub const STATS_UUID: Uuid = Uuid::must("c0a7b1e2-74d5-4e6f-9a18-5f3b2d0c9e41");
/// Stats PTA: `[0] VALUE_OUTPUT a = heap bytes in use, b = open sessions;
/// [1] VALUE_OUTPUT a = registered shared-memory objects, b = heap size`.
pub const STATS_CMD_KERNEL_STATS: u32 = 0;
/// Stats PTA: normal-world interrupts that preempted a pool thread so
/// far, by where they hit: `[0] VALUE_OUTPUT a = in TA code, b = in kernel
/// code (a call or a TA's system call); [1] VALUE_OUTPUT a = at preemption
/// points (masked stretches), b = 0` (each modulo 2^32).
pub const STATS_CMD_PREEMPTIONS: u32 = 1;

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
        assert_eq!(SECSTOR_TA_MGMT_UUID.time_low, 0x6e25_6cba);
        assert_eq!(SECSTOR_TA_MGMT_UUID.clock_seq_and_node, [0xad, 0x09, 0x2c, 0xa1, 0x86, 0x03, 0x42, 0xdd]);
        assert_ne!(STATS_UUID, DEVICE_UUID);
        assert_eq!(SOCKET_UUID.time_low, 0x3b99_6a7d);
        assert_eq!(SOCKET_UUID.time_hi_and_version, 0x4a49);
        assert_eq!(SOCKET_UUID.clock_seq_and_node, [0xa8, 0x96, 0xe1, 0xfb, 0x57, 0x66, 0xd2, 0xf4]);
    }

    #[test]
    fn upstream_pta_commands_and_limits() {
        assert_eq!(SYSTEM_CMD_DERIVE_TA_UNIQUE_KEY, 1);
        assert_eq!(SYSTEM_CMD_SUPP_PLUGIN_INVOKE, 13);
        assert_eq!((TA_DERIVED_KEY_MIN_SIZE, TA_DERIVED_KEY_MAX_SIZE, TA_DERIVED_EXTRA_DATA_MAX_SIZE), (16, 32, 1024));
        assert_eq!(
            [SOCKET_CMD_OPEN, SOCKET_CMD_CLOSE, SOCKET_CMD_SEND, SOCKET_CMD_RECV, SOCKET_CMD_IOCTL],
            [1, 2, 3, 4, 5]
        );
        assert_eq!(isocket_error::TIMEOUT, 0xF100_7003);
        assert_eq!((ip_version::DONT_CARE, ip_version::V4, ip_version::V6), (0, 1, 2));
        assert_eq!((ISOCKET_PROTOCOLID_TCP, ISOCKET_PROTOCOLID_UDP), (0x65, 0x66));
        assert_eq!(isocket_error::HOSTNAME, 0xF100_7007);
    }

    #[test]
    fn upstream_system_pta_dl_commands() {
        // pta_system.h, optee_os 4.5.0.
        assert_eq!((SYSTEM_CMD_DLOPEN, SYSTEM_CMD_DLSYM), (10, 11));
    }
}

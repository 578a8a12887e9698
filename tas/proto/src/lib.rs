//! The test TAs' protocols: each TA's UUID and command IDs, in one place for
//! the TA (`tas/<name>`), its clients (the guest suite `qemu/runner`, other
//! TAs) and xtask (the UUIDs of the damaged copies it makes).
//!
//! A TA module names the TA's directory; `UUID` is its `ta_head.uuid`
//! (`ta_sdk::ta! { uuid: proto::<ta>::UUID, .. }`), `CMD_*` its commands.
//! The UUIDs are [`Uuid::must`] constants: a typo is a build error.
#![no_std]

use tee_abi::uuid::Uuid;

/// `tas/hello_world`: upstream optee_examples' hello_world, same UUID and
/// commands (`TA_HELLO_WORLD_CMD_*`).
pub mod hello_world {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("8aaaf200-2450-11e4-abe2-0002a5d5c51b");
    /// VALUE_INOUT a += 1.
    pub const CMD_INC_VALUE: u32 = 0;
    /// VALUE_INOUT a -= 1.
    pub const CMD_DEC_VALUE: u32 = 1;
}

/// `tas/panic_ta`: commands that kill the instance.
pub mod panic_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("6e8f3bb2-3406-40f7-a3b9-368262e2884e");
    /// `TEE_Panic`.
    pub const CMD_PANIC: u32 = 0;
    /// Read kernel memory (a data abort at EL0).
    pub const CMD_READ_KERNEL: u32 = 1;
    /// A Rust `panic!`.
    pub const CMD_RUST_PANIC: u32 = 2;
    /// Succeed.
    pub const CMD_PING: u32 = 3;
}

/// `tas/params_ta`: memref paths and ta-sdk's syscall wrappers.
pub mod params_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("fbb98045-b1b8-4d22-bc1c-0dedbfb33a5e");
    /// MEMREF_INPUT reversed into MEMREF_OUTPUT.
    pub const CMD_REVERSE: u32 = 0;
    /// MEMREF_INOUT uppercased; VALUE_OUTPUT (changed, size).
    pub const CMD_UPPER: u32 = 1;
    /// VALUE_INPUT (a, b) → VALUE_OUTPUT (a + b, ADDs so far).
    pub const CMD_ADD: u32 = 2;
    /// Properties, time, random, heap; VALUE_OUTPUT (step, code) on failure.
    pub const CMD_SELF_TEST: u32 = 3;
    /// VALUE_INPUT a = milliseconds to spin → VALUE_OUTPUT (elapsed ms, time reads).
    pub const CMD_BUSY_LOOP: u32 = 4;
}

/// `tas/bench_ta`: single instance, kept alive; 0 does nothing, 1-13 are
/// in-TA workloads.
pub mod bench_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("e3b7c2d4-5f16-4a8e-9c07-b1d2f3a4c5e6");
    /// Nothing.
    pub const CMD_NULL: u32 = 0;
    /// SHA-256 over 1 MiB of TA memory (16 updates of 64 KiB).
    pub const CMD_SHA256_1MIB: u32 = 1;
    /// AES-128-CBC encryption of 1 MiB of TA memory (16 updates of 64 KiB).
    pub const CMD_AES128_CBC_1MIB: u32 = 2;
    /// A 64 KiB private persistent object created, written, closed,
    /// reopened, read back (compared) and deleted.
    pub const CMD_STORAGE_64K: u32 = 3;
    /// AES-128-GCM encryption of 1 MiB of TA memory (16 updates of 64 KiB, then the tag).
    pub const CMD_AES128_GCM_1MIB: u32 = 4;
    /// AES-128-CTR encryption of 1 MiB of TA memory (16 updates of 64 KiB).
    pub const CMD_AES128_CTR_1MIB: u32 = 5;
    /// RSASSA-PKCS1-v1_5-SHA256 signature of a digest with a 2048-bit key
    /// (generated on the first call and kept).
    pub const CMD_RSA2048_SIGN: u32 = 6;
    /// ECDSA-P256-SHA256 signature of a digest (key generated on the first
    /// call and kept).
    pub const CMD_ECDSA_P256_SIGN: u32 = 7;
    /// One X25519 shared secret with a fixed peer (own key pair generated on
    /// the first call and kept).
    pub const CMD_X25519: u32 = 8;
    /// A 1 MiB private persistent object created (OVERWRITE) with its data
    /// in one call.
    pub const CMD_STORAGE_1MIB_WRITE: u32 = 9;
    /// The object of [`CMD_STORAGE_1MIB_WRITE`] opened and read whole.
    pub const CMD_STORAGE_1MIB_READ: u32 = 10;
    /// SHA-256 of 4 MiB (zeroed MAP_ZI memory) in one `TEE_DigestUpdate`.
    pub const CMD_SHA256_4MIB_ONE_CALL: u32 = 11;
    /// PBKDF2-HMAC-SHA1, 2^18 iterations, one 20-byte block, in one call.
    pub const CMD_PBKDF2_256K: u32 = 12;
    /// An RSA-4096 key pair generated in one call.
    pub const CMD_RSA4096_KEYGEN: u32 = 13;
}

/// `tas/mm_attack_ta`: memory-management attacks and large memrefs.
pub mod mm_attack_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("b5311d21-55ce-45a1-98b0-7dcb8bd62fc6");
    /// Succeed.
    pub const CMD_PING: u32 = 0;
    /// MAP_ZI value0.a bytes, fill, UNMAP, read the old range (must die).
    pub const CMD_TOUCH_AFTER_UNMAP: u32 = 1;
    /// value0.a rounds of MAP_ZI / UNMAP from 4 KiB to 8 MiB.
    pub const CMD_MAP_ZI_CYCLES: u32 = 2;
    /// Check memref 0 against [`pattern`] (seed value1.a), invert it.
    pub const CMD_MEMREF_INVERT: u32 = 3;
    /// Replace this session's MAP_ZI spacer by one of value0.a bytes (0: none).
    pub const CMD_SPACER: u32 = 4;
    /// As [`CMD_MEMREF_INVERT`] for the first and last byte only.
    pub const CMD_MEMREF_ENDS: u32 = 5;

    /// The byte at offset `i` of a test buffer (TA and client compute the
    /// same): differs between neighbouring bytes and between pages.
    pub const fn pattern(i: usize, seed: u32) -> u8 {
        (i as u8).wrapping_mul(31) ^ (i >> 12) as u8 ^ seed as u8
    }
}

/// `tas/os_test`: properties, time, cancellation, client identity.
pub mod os_test {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("1859c538-cea6-446a-a347-de402cf42252");
    /// VALUE_INPUT (case, arg): run one case; VALUE_OUTPUT (step, code) on failure.
    pub const CMD_RUN_CASE: u32 = 0;
    /// Wait, cancellable.
    pub const CMD_WAIT_CANCELLABLE: u32 = 1;
    /// VALUE_OUTPUT: the session's client login.
    pub const CMD_CLIENT_LOGIN: u32 = 2;
    /// VALUE_OUTPUT: what the open-session parameters carried.
    pub const CMD_OPEN_VALUE: u32 = 3;
    /// [`CMD_RUN_CASE`] case: memref 1 is another TA's (shared, secure) memory.
    pub const CASE_TA_SHARED_SECURE: u32 = 16;
    /// [`CMD_RUN_CASE`] case: the system PTA's SUPP_PLUGIN_INVOKE reaches
    /// upstream's test plugin in tee-supplicant.
    pub const CASE_SUPP_PLUGIN: u32 = 17;
    /// Upstream's tee-supplicant test plugin (optee_test 4.5.0
    /// `host/supp_plugin/include/test_supp_plugin.h`), installed with xtest.
    pub const TEST_PLUGIN: Uuid = Uuid::must("f07bfc66-958c-4a15-99c0-260e4e7375dd");
    /// Its commands: `TEST_PLUGIN_CMD_PASS_VALUES`, `TEST_PLUGIN_CMD_GET_ARR`.
    pub const TEST_PLUGIN_CMD_PASS_VALUES: u32 = 1;
    pub const TEST_PLUGIN_CMD_GET_ARR: u32 = 3;
    /// The system PTA the case calls.
    pub use tee_abi::pta::{SYSTEM_CMD_SUPP_PLUGIN_INVOKE, SYSTEM_UUID};
}

/// Upstream's invoke-tests pseudo-TA (ours implements it too): its UUID
/// and commands, for the suite's 1001 group of cases.
pub mod invoke_tests_pta {
    pub use tee_abi::pta::INVOKE_TESTS_UUID as UUID;
    pub use tee_abi::pta::invoke_tests::*;
}

/// `tas/crypt_ta`: digests, MACs, ciphers, AE, KDFs.
pub mod crypt_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("84739e5a-93fa-4426-b930-4ab7fd9117c4");
    pub const CMD_DIGEST: u32 = 0;
    pub const CMD_HMAC: u32 = 1;
    pub const CMD_CIPHER: u32 = 2;
    /// VALUE_INPUT a = one of the `CHECK_*`.
    pub const CMD_CHECK: u32 = 3;
    pub const CMD_CMAC: u32 = 4;
    pub const CMD_GCM: u32 = 5;
    pub const CMD_XTS: u32 = 6;
    pub const CMD_CCM: u32 = 7;
    pub const CMD_DERIVE: u32 = 8;

    pub const CHECK_BAD_STATE: u32 = 0;
    pub const CHECK_OBJECT_INFO: u32 = 1;
    pub const CHECK_BUSY_KEY: u32 = 2;
    pub const CHECK_STATE_COPY: u32 = 3;
    pub const CHECK_KEY_TYPES: u32 = 4;
    pub const CHECK_BLOCK_SIZE: u32 = 5;
    pub const CHECK_OBJECT_SIZES: u32 = 6;
    pub const CHECK_GENERIC_SECRET: u32 = 7;
    pub const CHECK_XTS: u32 = 8;
    pub const CHECK_CTS: u32 = 9;
    pub const CHECK_CCM: u32 = 10;
    pub const CHECK_HKDF: u32 = 11;
    pub const CHECK_PBKDF2: u32 = 12;
}

/// `tas/asym_ta`: RSA, ECC, Ed25519, X25519.
pub mod asym_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("2d753212-0ad1-4ede-9cf1-53795d482d83");
    /// VALUE_INPUT a = `TEE_ALG_*`, b = `TEE_MODE_*`: encrypt / decrypt / sign / verify.
    pub const CMD_OPERATE: u32 = 0;
    pub const CMD_GENERATE: u32 = 1;
    pub const CMD_DERIVE: u32 = 2;
    pub const CMD_GET_ATTR: u32 = 3;
}

/// `tas/fp_ta`: FP/SIMD state across TA switches.
pub mod fp_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("8c234927-7e34-45a6-ba09-d08bd7e7d9bd");
    pub const CMD_HOLD: u32 = 0;
}

/// `tas/c/fp_c_ta`: the C TA built with upstream's dev kit (UUID also in
/// its Makefile's `BINARY`).
pub mod fp_c_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("d958c6ae-d5c3-4cf9-b3e3-cc8096f6b680");
    pub const CMD_DOUBLE: u32 = 0;
    pub const CMD_NEON_SUM: u32 = 1;
    /// (MEMREF_INPUT, MEMREF_OUTPUT): success when both are empty, not NULL.
    pub const CMD_EMPTY_MEMREFS: u32 = 2;
}

/// `tas/c/dyn_c_ta`: a dev-kit C TA linked with the TA shared library
/// `tas/c/dyn_c_lib` (DT_NEEDED) that dlopen()s `tas/c/dyn_c_dl` (UUIDs also
/// in their Makefiles).
pub mod dyn_c_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("6e2f0c3a-8b41-4d9e-a7f2-1c5b3d4e6f70");
    /// `SHLIBUUID` of `tas/c/dyn_c_lib`.
    pub const LIB_UUID: Uuid = Uuid::must("3f6c8a1e-5b2d-4c7a-9e10-6d2b8f4a1c01");
    /// `SHLIBUUID` of `tas/c/dyn_c_dl`.
    pub const DL_UUID: Uuid = Uuid::must("9d1e4b7a-2c3f-4e5d-8a6b-7c8d9e0f1a22");
    /// VALUE_INOUT (a, b): a = a + b in the library, b = 705.
    pub const CMD_LIB: u32 = 0;
    /// VALUE_INOUT (a, b): a = a * b through dlopen()/dlsym(), b = 31.
    pub const CMD_DLOPEN: u32 = 1;
    /// VALUE_OUTPUT: a = 1 when dlopen() of a missing library is NULL.
    pub const CMD_DLOPEN_MISSING: u32 = 2;
    /// VALUE_OUTPUT: a = TLS counter (then incremented), b = 42.
    pub const CMD_TLS: u32 = 3;
    /// VALUE_OUTPUT: the library's TLS through TLS descriptors: a = 910,
    /// b = 2111 the first time (see `tas/c/dyn_c_ta`).
    pub const CMD_LIB_TLS: u32 = 4;
}

/// `tas/rng_ta`: the RNG syscall and the system PTA's entropy command.
pub mod rng_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("cf04a61d-1dc2-44af-ad76-3a6e7ed8097f");
    pub const CMD_GENERATE: u32 = 0;
    pub const CMD_ADD_ENTROPY: u32 = 1;
}

/// `tas/pta_client`: the socket PTA and the system PTA's key derivation as
/// a TA uses them.
pub mod pta_client {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("6a1c2e4f-9b3d-4e57-8f10-2d4c6b8a0e93");
    /// VALUE_INPUT a = TCP port on 127.0.0.1; MEMREF_INPUT data (at most
    /// [`MAX_ECHO`] bytes); MEMREF_OUTPUT: what came back.
    pub const CMD_TCP_ECHO: u32 = 0;
    /// MEMREF_INPUT extra data; MEMREF_OUTPUT key: DERIVE_TA_UNIQUE_KEY into
    /// the TA's own memory, then copied to the client.
    pub const CMD_DERIVE_KEY: u32 = 1;
    /// As [`CMD_DERIVE_KEY`], but the client's output buffer is passed on to
    /// the system PTA (non-secure memory: SECURITY).
    pub const CMD_DERIVE_KEY_INTO_CLIENT: u32 = 2;
    /// Largest echo.
    pub const MAX_ECHO: usize = 4096;
    /// Largest extra data the TA passes on (past the PTA's 1024).
    pub const MAX_EXTRA: usize = 1100;
    /// VALUE_INPUT a = `TEE_DATA_FLAG_*`: opens (or creates) the object
    /// [`HELD_OBJECT_ID`] and keeps the handle until the session ends.
    pub const CMD_HOLD_OBJECT: u32 = 3;
    /// Closes the held handle and deletes [`HELD_OBJECT_ID`].
    pub const CMD_DELETE_HELD: u32 = 4;
    /// VALUE_INPUT a = position, MEMREF_INPUT: written through the held
    /// handle.
    pub const CMD_WRITE_HELD: u32 = 5;
    /// VALUE_INPUT a = position, MEMREF_OUTPUT (at most 256 bytes): read
    /// through the held handle.
    pub const CMD_READ_HELD: u32 = 6;
    /// The object HOLD_OBJECT opens.
    pub const HELD_OBJECT_ID: &[u8] = b"held";
}

/// `tas/storage_ta` (two TAs from one crate: the main one and a peer with
/// its own private storage).
pub mod storage_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("ee81bdd8-3a3a-40df-8a88-df60f1271c2f");
    /// The peer TA (`src/peer.rs`).
    pub const PEER_UUID: Uuid = Uuid::must("078b7b0f-0491-4c52-a0f8-2e1c7dcf03e3");
    /// VALUE_INPUT a = case number.
    pub const CMD_RUN_CASE: u32 = 0;
    pub const CMD_PUT_MARK: u32 = 1;
    pub const CMD_GET_MARK: u32 = 2;
    pub const CMD_DEL_MARK: u32 = 3;
    pub const CMD_CRASH_WRITE: u32 = 4;
    pub const CMD_CRASH_VERIFY: u32 = 5;
}

/// `tas/ta2ta`: a TA that calls other TAs.
pub mod ta2ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("5f1d6c3a-8e27-4b09-a4d1-2c7b9e0f1a36");
    /// A UUID no TA has (opened by command 1).
    pub const NOBODY: Uuid = Uuid::must("00000000-1111-2222-3333-444444444444");
}

/// `tas/cross_call_a` and `tas/cross_call_b`: two TAs that call each other.
pub mod cross_call {
    use super::Uuid;
    pub const A_UUID: Uuid = Uuid::must("3b2797ee-0460-4b74-a990-3758590a6c8d");
    pub const B_UUID: Uuid = Uuid::must("6f047466-b27e-4d5e-a128-0cb8e7b3b57a");
    /// Wait value0.a ms, then invoke the peer's [`CMD_PING`].
    pub const CMD_CALL_PEER: u32 = 0;
    pub const CMD_PING: u32 = 1;
    /// Open (and close) a session to the peer.
    pub const CMD_OPEN_PEER: u32 = 3;
}

/// `tas/recursion_ta`: nested TA-to-TA calls and TPIDR_EL0.
pub mod recursion_ta {
    use super::Uuid;
    pub const UUID: Uuid = Uuid::must("9971ef47-63ad-4a67-bd7f-9dde64bda093");
    pub const CMD_RECURSE: u32 = 0;
    pub const CMD_TPIDR_SET_GET: u32 = 1;
    pub const CMD_TPIDR_GET: u32 = 2;
    pub const CMD_TPIDR_NESTED: u32 = 3;
}

/// The `.ta` files xtask makes for the loading tests (suite test 1002) and
/// a UUID no TA has.
pub mod loading {
    use super::Uuid;
    /// No TA has it (no `/lib/optee_armtz/<uuid>.ta`): random, version 4.
    pub const MISSING: Uuid = Uuid::must("3cb1b7a6-1f0e-4d5a-9c3e-6b2f0a9d7e41");
    /// hello_world signed for this UUID with a key the trusted OS does not
    /// trust: loading it must fail.
    pub const BAD_SIGNATURE: Uuid = Uuid::must("347aee43-b98a-449b-abb6-11678aa70734");
    /// hello_world validly signed (trusted key) for this other UUID: it loads
    /// (the signed UUID is what counts).
    pub const RESIGNED: Uuid = Uuid::must("5b0c64f1-8e2d-4c7a-b3f9-0a6d1e7c2b58");
    /// Like [`RESIGNED`] with one image byte flipped after signing:
    /// refused with `TEE_ERROR_SECURITY`.
    pub const FLIPPED_BYTE: Uuid = Uuid::must("d2e4a8c1-39b7-4f06-8e5a-71c3b9f04d26");
    /// Like [`RESIGNED`] but cut short: refused.
    pub const TRUNCATED: Uuid = Uuid::must("a71f3e92-6c48-4b1d-95e0-2f8b7d4c6a13");
    /// hello_world validly signed for this UUID, kept out of the TA
    /// directory (at [`INSTALL_DIR`]`/<uuid>.ta`): it loads only once the
    /// suite has installed it into secure storage with the secure-storage
    /// TA management pseudo-TA.
    pub const INSTALLED: Uuid = Uuid::must("e8c5f0b4-0d6a-4a93-b2c7-5f19a3d86e0c");
    /// Where xtask puts the files the suite installs.
    pub const INSTALL_DIR: &str = "/usr/share/tz";
    /// hello_world signed as a bootstrap TA for this UUID twice, with
    /// `ta_version` [`ROLLBACK_NEW`] and [`ROLLBACK_OLD`], shipped in
    /// [`INSTALL_DIR`] as `<uuid>.v<version>.ta` (not in the TA directory):
    /// the suite copies the newer into the TA directory, opens it, then the
    /// older, which the anti-rollback database (`ta_ver.db`) refuses.
    pub const ROLLBACK: Uuid = Uuid::must("9d3b2c6e-4f1a-4e87-a5d0-c2b71e8f3a69");
    /// The newer `ta_version` of [`ROLLBACK`].
    pub const ROLLBACK_NEW: u32 = 2;
    /// The older `ta_version` of [`ROLLBACK`].
    pub const ROLLBACK_OLD: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every TA (and made-up file) has its own UUID.
    #[test]
    fn uuids_are_distinct() {
        let all = [
            hello_world::UUID,
            panic_ta::UUID,
            params_ta::UUID,
            bench_ta::UUID,
            mm_attack_ta::UUID,
            os_test::UUID,
            crypt_ta::UUID,
            asym_ta::UUID,
            fp_ta::UUID,
            fp_c_ta::UUID,
            dyn_c_ta::UUID,
            dyn_c_ta::LIB_UUID,
            dyn_c_ta::DL_UUID,
            rng_ta::UUID,
            pta_client::UUID,
            storage_ta::UUID,
            storage_ta::PEER_UUID,
            ta2ta::UUID,
            ta2ta::NOBODY,
            cross_call::A_UUID,
            cross_call::B_UUID,
            recursion_ta::UUID,
            loading::MISSING,
            loading::BAD_SIGNATURE,
            loading::RESIGNED,
            loading::FLIPPED_BYTE,
            loading::TRUNCATED,
            loading::INSTALLED,
            loading::ROLLBACK,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| a != b), "{a} twice");
        }
    }

    /// hello_world keeps upstream's UUID (optee_examples
    /// `hello_world/ta/include/hello_world_ta.h`).
    #[test]
    fn hello_world_is_upstreams() {
        assert_eq!(hello_world::UUID.time_low, 0x8aaa_f200);
        assert_eq!(hello_world::UUID.clock_seq_and_node, [0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b]);
    }
}

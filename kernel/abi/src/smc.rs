//! The OP-TEE SMC ABI spoken by the Linux driver (`optee_smc.h`): function IDs,
//! return codes, capability bits and UIDs.

/// `OPTEE_SMC_CALLS_COUNT`.
pub const CALLS_COUNT: u32 = 0xbf00_ff00;
/// `OPTEE_SMC_CALLS_UID`.
pub const CALLS_UID: u32 = 0xbf00_ff01;
/// `OPTEE_SMC_CALLS_REVISION`.
pub const CALLS_REVISION: u32 = 0xbf00_ff03;
/// `OPTEE_SMC_CALL_GET_OS_UUID`.
pub const GET_OS_UUID: u32 = 0xb200_0000;
/// `OPTEE_SMC_CALL_GET_OS_REVISION`.
pub const GET_OS_REVISION: u32 = 0xb200_0001;
/// `OPTEE_SMC_CALL_RETURN_FROM_RPC` (yielding).
pub const RETURN_FROM_RPC: u32 = 0x3200_0003;
/// `OPTEE_SMC_CALL_WITH_ARG` (yielding).
pub const CALL_WITH_ARG: u32 = 0x3200_0004;
/// `OPTEE_SMC_GET_SHM_CONFIG`.
pub const GET_SHM_CONFIG: u32 = 0xb200_0007;
/// `OPTEE_SMC_L2CC_MUTEX` (AArch32 only).
pub const L2CC_MUTEX: u32 = 0xb200_0008;
/// `OPTEE_SMC_EXCHANGE_CAPABILITIES`.
pub const EXCHANGE_CAPABILITIES: u32 = 0xb200_0009;
/// `OPTEE_SMC_DISABLE_SHM_CACHE`.
pub const DISABLE_SHM_CACHE: u32 = 0xb200_000a;
/// `OPTEE_SMC_ENABLE_SHM_CACHE`.
pub const ENABLE_SHM_CACHE: u32 = 0xb200_000b;
/// `OPTEE_SMC_BOOT_SECONDARY`.
pub const BOOT_SECONDARY: u32 = 0xb200_000c;
/// `OPTEE_SMC_VM_CREATED`.
pub const VM_CREATED: u32 = 0xb200_000d;
/// `OPTEE_SMC_VM_DESTROYED`.
pub const VM_DESTROYED: u32 = 0xb200_000e;
/// `OPTEE_SMC_GET_THREAD_COUNT`.
pub const GET_THREAD_COUNT: u32 = 0xb200_000f;
/// `OPTEE_SMC_ENABLE_ASYNC_NOTIF`.
pub const ENABLE_ASYNC_NOTIF: u32 = 0xb200_0010;
/// `OPTEE_SMC_GET_ASYNC_NOTIF_VALUE`.
pub const GET_ASYNC_NOTIF_VALUE: u32 = 0xb200_0011;
/// `OPTEE_SMC_CALL_WITH_RPC_ARG` (yielding).
pub const CALL_WITH_RPC_ARG: u32 = 0x3200_0012;
/// `OPTEE_SMC_CALL_WITH_REGD_ARG` (yielding).
pub const CALL_WITH_REGD_ARG: u32 = 0x3200_0013;

/// `OPTEE_SMC_RETURN_OK`.
pub const RETURN_OK: u64 = 0x0;
/// `OPTEE_SMC_RETURN_ETHREAD_LIMIT`.
pub const RETURN_ETHREAD_LIMIT: u64 = 0x1;
/// `OPTEE_SMC_RETURN_EBUSY`.
pub const RETURN_EBUSY: u64 = 0x2;
/// `OPTEE_SMC_RETURN_ERESUME`.
pub const RETURN_ERESUME: u64 = 0x3;
/// `OPTEE_SMC_RETURN_EBADADDR`.
pub const RETURN_EBADADDR: u64 = 0x4;
/// `OPTEE_SMC_RETURN_EBADCMD`.
pub const RETURN_EBADCMD: u64 = 0x5;
/// `OPTEE_SMC_RETURN_ENOMEM`.
pub const RETURN_ENOMEM: u64 = 0x6;
/// `OPTEE_SMC_RETURN_ENOTAVAIL`.
pub const RETURN_ENOTAVAIL: u64 = 0x7;
/// `OPTEE_SMC_RETURN_UNKNOWN_FUNCTION`: zero-extended, Linux compares all 64 bits.
pub const RETURN_UNKNOWN_FUNCTION: u64 = 0xffff_ffff;

/// Normal-world capability: the kernel runs on one core.
pub const NSEC_CAP_UNIPROCESSOR: u64 = 1 << 0;

/// Secure capability: a static shared-memory carve-out exists.
pub const SEC_CAP_HAVE_RESERVED_SHM: u64 = 1 << 0;
/// Secure capability: dynamic shared memory (REGISTER/UNREGISTER_SHM).
pub const SEC_CAP_DYNAMIC_SHM: u64 = 1 << 2;
/// Secure capability: NULL memory references are accepted.
pub const SEC_CAP_MEMREF_NULL: u64 = 1 << 4;
/// Secure capability: asynchronous notifications.
pub const SEC_CAP_ASYNC_NOTIF: u64 = 1 << 5;
/// Secure capability: the RPC argument struct follows the call's argument struct.
pub const SEC_CAP_RPC_ARG: u64 = 1 << 6;

/// `OPTEE_MSG_UID_0..3`: the API UID `384fb3e0-e7f8-11e3-af63-0002a5d5c51b`.
pub const API_UID: [u64; 4] = [0x384f_b3e0, 0xe7f8_11e3, 0xaf63_0002, 0xa5d5_c51b];
/// `OPTEE_MSG_REVISION_MAJOR` / `_MINOR`.
pub const API_REVISION: [u64; 2] = [2, 0];
/// `OPTEE_MSG_OS_OPTEE_UUID_0..3`: `486178e0-e7f8-11e3-bc5e-0002a5d5c51b`.
pub const OS_UUID: [u64; 4] = [0x4861_78e0, 0xe7f8_11e3, 0xbc5e_0002, 0xa5d5_c51b];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smccc::{FunctionId, Owner};

    #[test]
    fn ids_are_trusted_os_calls_of_the_right_kind() {
        for fast in [CALLS_UID, GET_OS_REVISION, EXCHANGE_CAPABILITIES, GET_THREAD_COUNT] {
            let f = FunctionId(fast);
            assert!(f.is_fast() && f.owner() == Owner::TrustedOs);
        }
        for yielding in [CALL_WITH_ARG, RETURN_FROM_RPC, CALL_WITH_RPC_ARG, CALL_WITH_REGD_ARG] {
            let f = FunctionId(yielding);
            assert!(!f.is_fast() && f.owner() == Owner::TrustedOs);
        }
    }

    #[test]
    fn uids_match_upstream() {
        assert_eq!(API_UID, [0x384fb3e0, 0xe7f811e3, 0xaf630002, 0xa5d5c51b]);
        assert_eq!(OS_UUID[0], 0x486178e0);
    }
}

//! Fast calls (`OPTEE_SMC_*` with bit 31 set): atomic, answered with interrupts
//! masked on the per-core stack. Everything the Linux 6.12 driver calls while
//! probing is here; anything else is `UNKNOWN_FUNCTION`.

use tee_abi::smc;
use tee_abi::smccc::FunctionId;

/// What the fast-call answers depend on.
#[derive(Clone, Copy, Debug)]
pub struct FastCallConfig {
    /// Number of secure threads (`GET_THREAD_COUNT`).
    pub thread_count: u64,
    /// Our OS revision (major, minor) for `GET_OS_REVISION`.
    pub os_revision: (u64, u64),
    /// Build identifier for `GET_OS_REVISION` (0 = unspecified).
    pub build_id: u64,
}

/// Capabilities announced in `EXCHANGE_CAPABILITIES`: dynamic shared memory,
/// NULL memrefs, and the RPC argument struct supplied with each call.
pub const SEC_CAPS: u64 = smc::SEC_CAP_DYNAMIC_SHM | smc::SEC_CAP_MEMREF_NULL | smc::SEC_CAP_RPC_ARG;
/// Parameters the RPC argument struct must have room for.
pub const RPC_PARAM_COUNT: u64 = 4;
/// Number of fast and yielding functions implemented (`CALLS_COUNT`).
const IMPLEMENTED_CALLS: u64 = 16;

/// Answers the fast call in `args` (`a0..a7`); returns `a0..a3`.
pub fn handle(args: &[u64; 8], config: &FastCallConfig) -> [u64; 4] {
    let fid = FunctionId::from_x0(args[0]).without_sve_hint().0;
    let ok = smc::RETURN_OK;
    match fid {
        smc::CALLS_COUNT => [IMPLEMENTED_CALLS, 0, 0, 0],
        smc::CALLS_UID => smc::API_UID,
        smc::CALLS_REVISION => [smc::API_REVISION[0], smc::API_REVISION[1], 0, 0],
        smc::GET_OS_UUID => smc::OS_UUID,
        smc::GET_OS_REVISION => [config.os_revision.0, config.os_revision.1, config.build_id, 0],
        smc::EXCHANGE_CAPABILITIES => {
            // Only the uniprocessor bit is defined for the normal world.
            if args[1] & !smc::NSEC_CAP_UNIPROCESSOR != 0 {
                [smc::RETURN_ENOTAVAIL, 0, 0, 0]
            } else {
                [ok, SEC_CAPS, 0, RPC_PARAM_COUNT]
            }
        }
        // No static shared-memory carve-out: dynamic shared memory only.
        smc::GET_SHM_CONFIG => [smc::RETURN_ENOTAVAIL, 0, 0, 0],
        // Nothing is ever cached: disabling reports "nothing left" at once.
        smc::DISABLE_SHM_CACHE => [smc::RETURN_ENOTAVAIL, 0, 0, 0],
        smc::ENABLE_SHM_CACHE => [ok, 0, 0, 0],
        smc::GET_THREAD_COUNT => [ok, config.thread_count, 0, 0],
        // Secondary cores are started by PSCI through the monitor.
        smc::BOOT_SECONDARY => [smc::RETURN_ENOTAVAIL, 0, 0, 0],
        _ => [smc::RETURN_UNKNOWN_FUNCTION, 0, 0, 0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: FastCallConfig = FastCallConfig { thread_count: 8, os_revision: (0, 1), build_id: 0 };

    fn call(fid: u32, a1: u64) -> [u64; 4] {
        handle(&[u64::from(fid), a1, 0, 0, 0, 0, 0, 0], &CONFIG)
    }

    #[test]
    fn probe_sequence_of_linux_6_12() {
        assert_eq!(call(smc::CALLS_UID, 0), [0x384fb3e0, 0xe7f811e3, 0xaf630002, 0xa5d5c51b]);
        assert_eq!(call(smc::GET_OS_REVISION, 0), [0, 1, 0, 0]);
        assert_eq!(call(smc::CALLS_REVISION, 0)[..2], [2, 0]);
        assert_eq!(call(smc::GET_THREAD_COUNT, 0), [0, 8, 0, 0]);
        let caps = call(smc::EXCHANGE_CAPABILITIES, smc::NSEC_CAP_UNIPROCESSOR);
        assert_eq!(caps[0], smc::RETURN_OK);
        assert_ne!(caps[1] & smc::SEC_CAP_DYNAMIC_SHM, 0);
        assert_eq!(caps[1] & smc::SEC_CAP_ASYNC_NOTIF, 0, "no interrupt in the DT node");
        assert_eq!(caps[3], 4);
        assert_eq!(call(smc::DISABLE_SHM_CACHE, 0)[0], smc::RETURN_ENOTAVAIL);
        assert_eq!(call(smc::ENABLE_SHM_CACHE, 0)[0], smc::RETURN_OK);
        assert_eq!(call(smc::GET_SHM_CONFIG, 0)[0], smc::RETURN_ENOTAVAIL);
    }

    #[test]
    fn unknown_normal_world_capabilities_are_refused() {
        assert_eq!(call(smc::EXCHANGE_CAPABILITIES, 1 << 5)[0], smc::RETURN_ENOTAVAIL);
    }

    #[test]
    fn unknown_or_unsupported_functions() {
        for fid in [smc::L2CC_MUTEX, smc::VM_CREATED, smc::ENABLE_ASYNC_NOTIF, 0xb200_00ff, 0xbf00_0002] {
            assert_eq!(call(fid, 0), [0xffff_ffff, 0, 0, 0], "{fid:#x}");
        }
    }

    #[test]
    fn sve_hint_is_ignored() {
        assert_eq!(call(smc::CALLS_UID | (1 << 16), 0)[0], 0x384fb3e0);
    }
}

//! Our statistics pseudo-TA: what the leak tests read (heap bytes in use,
//! open sessions, registered shared-memory objects).

use tee_abi::result::{Origin, TEE_SUCCESS, TeeError};

use crate::call_env::CallEnv;
use crate::msg::Dir;
use crate::params::{TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Target, Uuid};

/// Our own UUID for it (not an upstream one).
pub const UUID: Uuid = tee_abi::pta::STATS_UUID.to_octets();
/// Command: `[0] VALUE_OUTPUT a = heap bytes in use, b = open sessions;
/// [1] VALUE_OUTPUT a = registered shared-memory objects, b = heap size`.
pub const CMD_KERNEL_STATS: u32 = tee_abi::pta::STATS_CMD_KERNEL_STATS;
/// Command: preemptions by site (`tee_abi::pta::STATS_CMD_PREEMPTIONS`).
pub const CMD_PREEMPTIONS: u32 = tee_abi::pta::STATS_CMD_PREEMPTIONS;

/// Figures the kernel reports, filled in by the platform (`boot`).
pub static SNAPSHOT: spin::Once<fn() -> [u64; 4]> = spin::Once::new();

/// The pseudo-TA.
pub struct StatsPta;

impl Target for StatsPta {
    fn open_session(&self, _: &mut dyn CallEnv, _: &ClientIdentity, _: &mut TaParams) -> Result<u64, Outcome> {
        Ok(0)
    }

    fn invoke(&self, _: &mut dyn CallEnv, _: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        let origin = Origin::TrustedApp.code();
        if cmd != CMD_KERNEL_STATS && cmd != CMD_PREEMPTIONS {
            return (TeeError::NotImplemented.code(), origin);
        }
        if params.types() != 0x22 {
            return (TeeError::BadParameters.code(), origin);
        }
        let s = if cmd == CMD_PREEMPTIONS {
            let (ta, kernel, point) = crate::thread::preempt::taken();
            [ta, kernel, point, 0]
        } else {
            SNAPSHOT.get().map_or([0; 4], |f| f())
        };
        params.0[0] = TaParam::Value { dir: Dir::Out, a: s[0] as u32, b: s[1] as u32 };
        params.0[1] = TaParam::Value { dir: Dir::Out, a: s[2] as u32, b: s[3] as u32 };
        (TEE_SUCCESS, origin)
    }

    fn close_session(&self, _: &mut dyn CallEnv, _: u64) {}
}

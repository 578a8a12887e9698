//! The system-call entry as the user-TA runner sees it: the layer itself is
//! [`crate::syscall`]; this keeps the runner's names.

pub use crate::syscall::{Outcome, SyscallContext, TIMEOUT_INFINITE, dispatch};

/// Sleeps `ms` milliseconds in the normal world; the raw `TEE_Result` for
/// callers that still speak numbers (the TA gate's wait).
pub fn sleep_in_normal_world(env: &mut dyn crate::call_env::CallEnv, ms: u32) -> Result<(), u32> {
    crate::syscall::sleep_in_normal_world(env, ms).map_err(|e| e.code())
}

//! Raw wrappers for the TA-to-TA syscalls (5 open, 6 close, 7 invoke).

use super::arch::svc;
use crate::error::{TeeError, TeeResult};
use crate::params::RawParams;
use tee_abi::syscall::Syscall;

/// `TEE_TIMEOUT_INFINITE`: no cancellation timeout.
const NO_TIMEOUT: usize = tee_abi::gp::TIMEOUT_INFINITE as usize;

/// Opens a session to `uuid` (a `TEE_UUID` struct); returns (session, origin).
pub fn open(uuid: &[u8; 16], params: &mut RawParams) -> (TeeResult<u32>, u32) {
    let (mut session, mut origin) = (0u32, 0u32);
    // SAFETY: every pointer refers to a live local or to `params`, all valid
    // for the kernel's reads and writes during the call.
    let ret = unsafe {
        svc(
            Syscall::OpenTaSession,
            [
                uuid.as_ptr() as usize,
                NO_TIMEOUT,
                params as *mut RawParams as usize,
                &mut session as *mut u32 as usize,
                &mut origin as *mut u32 as usize,
                0,
                0,
                0,
            ],
        )
    };
    (TeeError::from_raw(ret).map(|()| session), origin)
}

/// Invokes `cmd` on `session`; returns the result and its origin.
pub fn invoke(session: u32, cmd: u32, params: &mut RawParams) -> (TeeResult, u32) {
    invoke_with_timeout(session, cmd, NO_TIMEOUT as u32, params)
}

/// `_utee_invoke_ta_command` with a cancellation-request timeout in ms
/// (`0xffff_ffff`: none): once it has passed, the callee sees its
/// operation as cancelled.
pub fn invoke_with_timeout(session: u32, cmd: u32, timeout_ms: u32, params: &mut RawParams) -> (TeeResult, u32) {
    let mut origin = 0u32;
    // SAFETY: as for `open`.
    let ret = unsafe {
        svc(
            Syscall::InvokeTaCommand,
            [
                session as usize,
                timeout_ms as usize,
                cmd as usize,
                params as *mut RawParams as usize,
                &mut origin as *mut u32 as usize,
                0,
                0,
                0,
            ],
        )
    };
    (TeeError::from_raw(ret), origin)
}

/// Closes `session`.
pub fn close(session: u32) {
    // SAFETY: no pointers; an unknown handle is answered with an error.
    let _ = unsafe { svc(Syscall::CloseTaSession, [session as usize, 0, 0, 0, 0, 0, 0, 0]) };
}

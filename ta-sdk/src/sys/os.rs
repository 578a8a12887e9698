//! The utee syscalls of the TA's environment that are not properties or
//! time reads: memory access checks (8), cancellation (9-11), `TEE_Wait`
//! (12) and setting the TA persistent time (14).

use super::{TeeTime, arch};
use crate::error::{TeeError, TeeResult};
use tee_abi::syscall::Syscall;

/// `_utee_check_access_rights` (syscall 8): may this TA access `len` bytes
/// at `addr` as `flags` (`TEE_MEMORY_ACCESS_*`) says? Only the address is
/// passed: the kernel looks at its mappings and never touches the memory.
pub fn check_access_rights(flags: u32, addr: usize, len: usize) -> TeeResult {
    // SAFETY: the kernel only compares the range against the TA's mappings;
    // no memory is read or written, whatever the address.
    let ret = unsafe { arch::svc(Syscall::CheckAccessRights, [flags as usize, addr, len, 0, 0, 0, 0, 0]) };
    TeeError::from_raw(ret)
}

/// One of syscalls 9-11, which write a `uint32_t` flag back.
fn flag_call(number: Syscall) -> TeeResult<bool> {
    let mut flag: u32 = 0;
    // SAFETY: `flag` is a live u32 the kernel writes.
    let ret = unsafe { arch::svc(number, [&raw mut flag as usize, 0, 0, 0, 0, 0, 0, 0]) };
    TeeError::from_raw(ret).map(|()| flag != 0)
}

/// `_utee_get_cancellation_flag` (syscall 9): has the client asked to cancel
/// (and is cancellation unmasked)?
pub fn get_cancellation_flag() -> TeeResult<bool> {
    flag_call(Syscall::GetCancellationFlag)
}

/// `_utee_unmask_cancellation` (syscall 10): the previous mask.
pub fn unmask_cancellation() -> TeeResult<bool> {
    flag_call(Syscall::UnmaskCancellation)
}

/// `_utee_mask_cancellation` (syscall 11): the previous mask.
pub fn mask_cancellation() -> TeeResult<bool> {
    flag_call(Syscall::MaskCancellation)
}

/// `_utee_wait` (syscall 12): sleep `timeout_ms` milliseconds; `Cancel` if
/// cancelled while unmasked.
pub fn wait(timeout_ms: u32) -> TeeResult {
    // SAFETY: an integer argument only.
    let ret = unsafe { arch::svc(Syscall::Wait, [timeout_ms as usize, 0, 0, 0, 0, 0, 0, 0]) };
    TeeError::from_raw(ret)
}

/// `_utee_set_ta_time` (syscall 14).
pub fn set_ta_time(time: &TeeTime) -> TeeResult {
    // SAFETY: `time` is a live 8-byte `TEE_Time` the kernel reads.
    let ret = unsafe { arch::svc(Syscall::SetTaTime, [time as *const TeeTime as usize, 0, 0, 0, 0, 0, 0, 0]) };
    TeeError::from_raw(ret)
}

//! The utee system-call layer (upstream's `core/tee/scall.c` and
//! `tee_svc_*.c` split, OP-TEE 4.5.0): `svc #0`, number in x8, arguments
//! in x0..x7, `TEE_Result` back in x0.
//!
//! [`dispatch`] is the one table, a `match` on [`Syscall`]. The handlers
//! are thin, one file per area: `os` (log, panic, properties, cancellation,
//! wait, time, random numbers, access rights), `ta_session` (TA-to-TA
//! sessions), `cryp` (the crypto service) and `storage` (the storage
//! service). They decode arguments and copy user memory through
//! [`UserRegions`]; the services under them know nothing of system calls.
//! Errors are [`TeeError`] throughout and become a number only here, in x0.

extern crate alloc;

use tee_abi::result::TeeError;
use tee_abi::syscall::Syscall;

use crate::call_env::CallEnv;
use crate::handles::HandleTable;
use crate::params::TaParams;
use crate::user_ta::memory::UserRegions;
use crate::user_ta::property::PropContext;

mod cryp;
mod cryp_asym;
mod os;
mod storage;
mod ta_session;

pub use os::sleep_in_normal_world;

/// What a system call asks of the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Put this in x0 and resume the TA.
    Return(u64),
    /// The entry point finished with this result.
    Exit(u32),
    /// The TA panicked with this code.
    Panic(u32),
}

/// `TEE_TIMEOUT_INFINITE`: no cancellation-request timeout.
pub use tee_abi::gp::TIMEOUT_INFINITE;

/// Per-call state a system call may read or change: the instance's memory,
/// handles and storage, the call's environment and identities.
pub trait SyscallContext {
    /// The TA's memory.
    fn regions(&self) -> &UserRegions;
    /// The call's environment (normal-world memory, RPC).
    fn env(&mut self) -> &mut dyn CallEnv;
    /// Logs a TA message.
    fn log(&self, text: &str);
    /// Whether the current operation was cancelled.
    fn cancelled(&self) -> bool;
    /// The cancellation mask; returns the previous one.
    fn set_cancel_mask(&mut self, masked: bool) -> bool;
    /// Secure system time: (seconds, milliseconds) since boot.
    fn system_time(&self) -> (u32, u32);
    /// Fills `buf` with random bytes.
    fn random(&mut self, buf: &mut [u8]);
    /// Client and TA identities for the property sets.
    fn properties(&self) -> PropContext;
    /// This TA's persistent-time offset from system time, in ms, if set.
    fn ta_time_offset(&self) -> Option<i64>;
    /// Sets this TA's persistent-time offset.
    fn set_ta_time_offset(&mut self, offset_ms: i64);
    /// This instance's handles: transient objects, operation states,
    /// persistent objects and enumerators.
    fn handles(&mut self) -> &mut HandleTable;
    /// This instance's open persistent objects (`None`: no secure storage).
    fn storage(&mut self) -> Option<&mut crate::storage::StorageState> {
        None
    }
    /// Opens a session to another TA or a PTA as this TA; the callee's
    /// operation counts as cancelled after `cancel_timeout_ms`
    /// ([`TIMEOUT_INFINITE`]: never). The error is the callee's raw
    /// `(TEE_Result, origin)`: a TA may return any code.
    fn open_ta_session(
        &mut self,
        uuid: &crate::session::Uuid,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
    ) -> Result<u32, (u32, u32)> {
        let _ = (uuid, cancel_timeout_ms, params);
        Err((TeeError::NotSupported.code(), tee_abi::result::Origin::Tee.code()))
    }
    /// Invokes a command on a session this TA opened, with a cancellation
    /// timeout as for [`SyscallContext::open_ta_session`]; the callee's raw
    /// `(TEE_Result, origin)`. `memref_ranges` are the TA's own `(address,
    /// size)` of each memref parameter (the system PTA checks where a
    /// derived key would go).
    fn invoke_ta_session(
        &mut self,
        session: u32,
        cmd: u32,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
        memref_ranges: &[(u64, u64); 4],
    ) -> (u32, u32) {
        let _ = (session, cmd, cancel_timeout_ms, params, memref_ranges);
        (TeeError::NotSupported.code(), tee_abi::result::Origin::Tee.code())
    }
    /// Whether `session` (one this TA opened) is with a pseudo-TA, which
    /// checks its memrefs itself (see `ta_session::invoke`).
    fn is_pseudo_ta_session(&self, session: u32) -> bool {
        let _ = session;
        false
    }
    /// Closes a session this TA opened (a raw `TEE_Result` on error).
    fn close_ta_session(&mut self, session: u32) -> Result<(), u32> {
        let _ = session;
        Err(TeeError::NotSupported.code())
    }
}

/// A handler: arguments in, `TEE_SUCCESS` or an error out.
type Handler = fn(&mut dyn SyscallContext, &[u64; 8]) -> Result<(), TeeError>;

/// The handler of each syscall that has the common shape; `None` for the
/// ones with an outcome of their own (RETURN, PANIC, the TA-session calls)
/// and for those not supported (NOT_SUPPORTED, as upstream's
/// `syscall_not_supported`). A `match` on a dense enum: a jump table.
fn handler(call: Syscall) -> Option<Handler> {
    use Syscall as S;
    Some(match call {
        S::Log => os::log,
        S::GetProperty => os::get_property,
        S::GetPropertyNameToIndex => os::name_to_index,
        S::CheckAccessRights => os::check_access_rights,
        S::GetCancellationFlag => os::get_cancellation_flag,
        S::UnmaskCancellation => os::unmask_cancellation,
        S::MaskCancellation => os::mask_cancellation,
        S::Wait => os::wait,
        S::GetTime => os::get_time,
        S::SetTaTime => os::set_ta_time,
        S::CrypRandomNumberGenerate => os::random_number_generate,
        S::CrypStateAlloc => cryp::state_alloc,
        S::CrypStateCopy => cryp::state_copy,
        S::CrypStateFree => cryp::state_free,
        S::HashInit => cryp::hash_init,
        S::HashUpdate => cryp::hash_update,
        S::HashFinal => cryp::hash_final,
        S::CipherInit => cryp::cipher_init,
        S::CipherUpdate => cryp::cipher_update,
        S::CipherFinal => cryp::cipher_final,
        S::CrypObjGetInfo => obj_get_info,
        S::CrypObjRestrictUsage => obj_restrict_usage,
        S::CrypObjGetAttr => cryp::get_attr,
        S::CrypObjAlloc => cryp::obj_alloc,
        S::CrypObjClose => obj_close,
        S::CrypObjReset => cryp::obj_reset,
        S::CrypObjPopulate => cryp::populate,
        S::CrypObjCopy => cryp::obj_copy,
        S::CrypDeriveKey => cryp::derive_key,
        S::CrypObjGenerateKey => cryp::generate_key,
        S::AuthencInit => cryp::authenc_init,
        S::AuthencUpdateAad => cryp::authenc_update_aad,
        S::AuthencUpdatePayload => cryp::authenc_update_payload,
        S::AuthencEncFinal => cryp::authenc_enc_final,
        S::AuthencDecFinal => cryp::authenc_dec_final,
        S::AsymmOperate => cryp_asym::asymm_operate,
        S::AsymmVerify => cryp_asym::asymm_verify,
        S::StorageObjOpen => storage::open,
        S::StorageObjCreate => storage::create,
        S::StorageObjDel => storage::delete,
        S::StorageObjRename => storage::rename,
        S::StorageEnumAlloc => storage::enum_alloc,
        S::StorageEnumFree => storage::enum_free,
        S::StorageEnumReset => storage::enum_reset,
        S::StorageEnumStart => storage::enum_start,
        S::StorageEnumNext => storage::enum_next,
        S::StorageObjRead => storage::read,
        S::StorageObjWrite => storage::write,
        S::StorageObjTrunc => storage::truncate,
        S::StorageObjSeek => storage::seek,
        _ => return None,
    })
}

/// Runs system call `nr` with arguments `a`.
pub fn dispatch(ctx: &mut dyn SyscallContext, nr: u64, a: [u64; 8]) -> Outcome {
    let Some(call) = Syscall::from_number(nr) else {
        return Outcome::Return(u64::from(TeeError::NotSupported.code()));
    };
    match call {
        Syscall::Return => return Outcome::Exit(a[0] as u32),
        Syscall::Panic => return Outcome::Panic(a[0] as u32),
        // A callee TA's code goes back as it is, whatever its value.
        Syscall::OpenTaSession => return Outcome::Return(u64::from(ta_session::open(ctx, &a))),
        Syscall::InvokeTaCommand => return Outcome::Return(u64::from(ta_session::invoke(ctx, &a))),
        Syscall::CloseTaSession => return Outcome::Return(u64::from(ta_session::close(ctx, &a))),
        _ => {}
    }
    let r = match handler(call) {
        Some(run) => run(ctx, &a),
        None => Err(TeeError::NotSupported),
    };
    Outcome::Return(u64::from(TeeError::to_raw(r)))
}

/// `CRYP_OBJ_GET_INFO` names a transient or a persistent object: the
/// handle's kind in the table says which service answers. A handle that is
/// no entry at all goes to the crypto service (BAD_STATE, as upstream's
/// `tee_obj_get`).
fn obj_get_info(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if storage::is_storage_kind(ctx, a[0]) { storage::obj_get_info(ctx, a) } else { cryp::obj_get_info(ctx, a) }
}

/// `CRYP_OBJ_RESTRICT_USAGE`, dispatched by kind as [`obj_get_info`].
fn obj_restrict_usage(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if storage::is_storage_kind(ctx, a[0]) {
        storage::obj_restrict_usage(ctx, a)
    } else {
        cryp::obj_restrict_usage(ctx, a)
    }
}

/// `CRYP_OBJ_CLOSE`, dispatched by kind as [`obj_get_info`].
fn obj_close(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if storage::is_storage_kind(ctx, a[0]) { storage::obj_close(ctx, a) } else { cryp::obj_close(ctx, a) }
}

/// Handles come back as `unsigned long`; only the low 32 bits name one
/// (anything wider is no handle: 0).
fn handle(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn read_u32(ctx: &dyn SyscallContext, va: u64) -> Result<u32, TeeError> {
    let b = ctx.regions().read(va, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn write_u32(ctx: &dyn SyscallContext, va: u64, v: u32) -> Result<(), TeeError> {
    ctx.regions().write(va, &v.to_le_bytes())
}

fn read_u64(ctx: &dyn SyscallContext, va: u64) -> Result<u64, TeeError> {
    let b = ctx.regions().read(va, 8)?;
    Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

fn write_u64(ctx: &dyn SyscallContext, va: u64, v: u64) -> Result<(), TeeError> {
    ctx.regions().write(va, &v.to_le_bytes())
}

#[cfg(test)]
mod tests;

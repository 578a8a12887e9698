//! The asymmetric syscalls 39 (`ASYMM_OPERATE`) and 40 (`ASYMM_VERIFY`):
//! the user memory side, in upstream's order of checks
//! (`syscall_asymm_operate`, `syscall_asymm_verify` in
//! `core/tee/tee_svc_cryp.c`, OP-TEE 4.5.0).

use tee_abi::result::TeeError;

use super::cryp::{check_write, read_attrs, read_in};
use super::{SyscallContext, handle, read_u64, write_u64};
use crate::crypto::asym::ALG_ED25519;

/// Upstream's Ed25519 (libtomcrypt) refuses a NULL message pointer, even
/// with length 0: BAD_PARAMETERS, as there.
fn null_message(ctx: &mut dyn SyscallContext, st: u32, va: u64) -> Result<(), TeeError> {
    if va == 0 && ctx.handles().state_algo(st)? == ALG_ED25519 {
        return Err(TeeError::BadParameters);
    }
    Ok(())
}

/// `(state, params, num_params, src, src_len, dst, u64 *dst_len)`: the
/// output length is written back on success and with SHORT_BUFFER.
pub(super) fn asymm_operate(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().asym_operate_ready(st)?;
    let src = read_in(ctx, a[3], a[4])?;
    let cap = read_u64(ctx, a[6])?;
    check_write(ctx, a[5], cap)?;
    let params = read_attrs(ctx, a[1], a[2])?;
    null_message(ctx, st, a[3])?;
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    match ctx.handles().asym_operate(st, &params, &src, cap) {
        Ok(out) => {
            if !out.is_empty() {
                ctx.regions().write(a[5], &out)?;
            }
            write_u64(ctx, a[6], out.len() as u64)
        }
        Err((TeeError::ShortBuffer, needed)) => {
            write_u64(ctx, a[6], needed as u64)?;
            Err(TeeError::ShortBuffer)
        }
        Err((code, _)) => Err(code),
    }
}

/// `(state, params, num_params, data, data_len, sig, sig_len)`.
pub(super) fn asymm_verify(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().asym_verify_ready(st)?;
    let data = read_in(ctx, a[3], a[4])?;
    let sig = read_in(ctx, a[5], a[6])?;
    let params = read_attrs(ctx, a[1], a[2])?;
    null_message(ctx, st, a[3])?;
    ctx.handles().asym_verify(st, &params, &data, &sig)
}

//! utee syscalls 39 (`ASYMM_OPERATE`) and 40 (`ASYMM_VERIFY`): the user
//! memory side, in upstream's order of checks (`syscall_asymm_operate`,
//! `syscall_asymm_verify` in `core/tee/tee_svc_cryp.c`).

use tee_abi::result;

use super::super::syscall::{check_write, handle, read_attrs, read_in, read_u64, write_u64};
use crate::user_ta::syscall::SyscallContext;

pub const ASYMM_OPERATE: u64 = 39;
pub const ASYMM_VERIFY: u64 = 40;

/// Upstream's Ed25519 (libtomcrypt) refuses a NULL message pointer, even
/// with length 0: BAD_PARAMETERS, as there.
fn null_message(ctx: &mut dyn SyscallContext, st: u32, va: u64) -> Result<(), u32> {
    if va == 0 && ctx.crypto().state(st)?.algo == super::ALG_ED25519 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    Ok(())
}

/// `(state, params, num_params, src, src_len, dst, u64 *dst_len)`: the
/// output length is written back on success and with SHORT_BUFFER.
pub fn asymm_operate(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().asym_operate_ready(st)?;
    let src = read_in(ctx, a[3], a[4])?;
    let cap = read_u64(ctx, a[6])?;
    check_write(ctx, a[5], cap)?;
    let params = read_attrs(ctx, a[1], a[2])?;
    null_message(ctx, st, a[3])?;
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    match ctx.crypto().asym_operate(st, &params, &src, cap) {
        Ok(out) => {
            if !out.is_empty() {
                ctx.regions().write(a[5], &out)?;
            }
            write_u64(ctx, a[6], out.len() as u64)
        }
        Err((result::ERROR_SHORT_BUFFER, needed)) => {
            write_u64(ctx, a[6], needed as u64)?;
            Err(result::ERROR_SHORT_BUFFER)
        }
        Err((code, _)) => Err(code),
    }
}

/// `(state, params, num_params, data, data_len, sig, sig_len)`.
pub fn asymm_verify(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().asym_verify_ready(st)?;
    let data = read_in(ctx, a[3], a[4])?;
    let sig = read_in(ctx, a[5], a[6])?;
    let params = read_attrs(ctx, a[1], a[2])?;
    null_message(ctx, st, a[3])?;
    ctx.crypto().asym_verify(st, &params, &data, &sig)
}

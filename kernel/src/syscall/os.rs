//! The OS services of the utee ABI (upstream `core/tee/tee_svc.c`, OP-TEE
//! 4.5.0): log, properties, access rights, cancellation, wait, time and the
//! random number generator.

extern crate alloc;

use tee_abi::msg::RPC_CMD_SUSPEND;
use tee_abi::result::TeeError;

use super::{SyscallContext, read_u32, write_u32};
use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgParam, Param};
use crate::rpc_shm::rpc_msg;
use crate::storage::fs::error_of;
use crate::user_ta::memory::access;
use crate::user_ta::property;

/// `(buf, len)`: best effort, a bad buffer is simply not printed.
pub(super) fn log(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if let Ok(bytes) = ctx.regions().read(a[0], a[1].min(512)) {
        let text = core::str::from_utf8(&bytes).unwrap_or("<non-UTF-8 log>");
        ctx.log(text.trim_end_matches('\n'));
    }
    Ok(())
}

/// `(flags, buf, len)`.
pub(super) fn check_access_rights(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let flags = u32::try_from(a[0]).map_err(|_| TeeError::BadParameters)?;
    if flags & !access::ALL != 0 {
        return Err(TeeError::BadParameters);
    }
    ctx.regions().check_access_rights(flags, a[1], a[2])
}

/// `(u32 *cancel)`.
pub(super) fn get_cancellation_flag(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let flag = u32::from(ctx.cancelled());
    write_u32(ctx, a[0], flag)
}

/// `(u32 *old_mask)`.
pub(super) fn unmask_cancellation(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let old = ctx.set_cancel_mask(false);
    write_u32(ctx, a[0], u32::from(old))
}

/// `(u32 *old_mask)`.
pub(super) fn mask_cancellation(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let old = ctx.set_cancel_mask(true);
    write_u32(ctx, a[0], u32::from(old))
}

/// `(buf, len)`: TA-sized, so generated a preemption point per 64 KiB.
pub(super) fn random_number_generate(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if a[1] > crate::params::MAX_MEMREF {
        return Err(TeeError::BadParameters);
    }
    let mut buf = crate::params::try_zeroed(a[1] as usize).map_err(|_| TeeError::OutOfMemory)?;
    for piece in buf.chunks_mut(crate::thread::preempt::CHUNK) {
        ctx.random(piece);
        crate::thread::preempt::point();
    }
    ctx.regions().write(a[0], &buf)
}

/// `TEE_Wait` `(timeout_ms)`: sleeps in the normal world with
/// `OPTEE_RPC_CMD_SUSPEND`, in slices so that a cancellation (when
/// unmasked) ends it with `CANCEL`.
pub(super) fn wait(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    const SLICE_MS: u32 = 100;
    let ms = a[0] as u32;
    let mut left = ms;
    while left > 0 {
        if ctx.cancelled() {
            return Err(TeeError::Cancel);
        }
        let step = left.min(SLICE_MS);
        sleep_in_normal_world(ctx.env(), step)?;
        if ms != u32::MAX {
            left -= step;
        }
    }
    if ctx.cancelled() { Err(TeeError::Cancel) } else { Ok(()) }
}

/// Sleeps `ms` milliseconds in the normal world (`OPTEE_RPC_CMD_SUSPEND`).
pub fn sleep_in_normal_world(env: &mut dyn CallEnv, ms: u32) -> Result<(), TeeError> {
    let msg = rpc_msg(RPC_CMD_SUSPEND, alloc::vec![Param::Value { dir: Dir::In, v: [u64::from(ms), 0, 0] }]);
    let answer = rpc_cmd(env, &msg).map_err(error_of)?;
    if answer.ret != 0 {
        return Err(error_of(answer.ret));
    }
    Ok(())
}

/// Writes `data` to the buffer `(va, *len_va)` and its length to `*len_va`;
/// `SHORT_BUFFER` (with the needed length) when it does not fit.
fn write_sized(ctx: &dyn SyscallContext, va: u64, len_va: u64, data: &[u8]) -> Result<(), TeeError> {
    let capacity = read_u32(ctx, len_va)?;
    write_u32(ctx, len_va, data.len() as u32)?;
    if (capacity as usize) < data.len() {
        return Err(TeeError::ShortBuffer);
    }
    ctx.regions().write(va, data)
}

/// `(prop_set, index, name, u32 *name_len, buf, u32 *buf_len, u32 *prop_type)`.
pub(super) fn get_property(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let (name, ty, value) = property::get(&ctx.properties(), a[0] as u32, a[1] as u32)?;
    if a[2] != 0 {
        let mut n = alloc::vec::Vec::from(name.as_bytes());
        n.push(0);
        write_sized(ctx, a[2], a[3], &n)?;
    }
    if a[6] != 0 {
        write_u32(ctx, a[6], ty as u32)?;
    }
    if a[4] != 0 || a[5] != 0 {
        write_sized(ctx, a[4], a[5], &value)?;
    }
    Ok(())
}

/// `(prop_set, name, name_len, u32 *index)`.
pub(super) fn name_to_index(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if a[2] == 0 || a[2] > 256 {
        return Err(TeeError::ItemNotFound);
    }
    let raw = ctx.regions().read(a[1], a[2])?;
    let name = raw.split(|b| *b == 0).next().unwrap_or(&[]);
    let name = core::str::from_utf8(name).map_err(|_| TeeError::ItemNotFound)?;
    let index = property::index_of(&ctx.properties(), a[0] as u32, name)?;
    write_u32(ctx, a[3], index)
}

fn write_time(ctx: &dyn SyscallContext, va: u64, seconds: u32, millis: u32) -> Result<(), TeeError> {
    let mut t = [0u8; 8];
    t[..4].copy_from_slice(&seconds.to_le_bytes());
    t[4..].copy_from_slice(&millis.to_le_bytes());
    ctx.regions().write(va, &t)
}

fn system_ms(ctx: &dyn SyscallContext) -> i64 {
    let (s, ms) = ctx.system_time();
    i64::from(s) * 1000 + i64::from(ms)
}

/// `(category, TEE_Time *)`: `UTEE_TIME_CAT_SYSTEM` 0, `_TA_PERSISTENT` 1,
/// `_REE` 2.
pub(super) fn get_time(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let va = a[1];
    match a[0] {
        0 => {
            let (s, ms) = ctx.system_time();
            write_time(ctx, va, s, ms)
        }
        1 => {
            let offset = ctx.ta_time_offset().ok_or(TeeError::TimeNotSet)?;
            let t = system_ms(ctx) + offset;
            let seconds = t.div_euclid(1000);
            if !(0..=i64::from(u32::MAX)).contains(&seconds) {
                // GP: the value wrapped; it is still written.
                write_time(ctx, va, seconds as u32, t.rem_euclid(1000) as u32)?;
                return Err(TeeError::Overflow);
            }
            write_time(ctx, va, seconds as u32, t.rem_euclid(1000) as u32)
        }
        2 => {
            let msg = rpc_msg(tee_abi::msg::RPC_CMD_GET_TIME, alloc::vec![Param::Value { dir: Dir::Out, v: [0; 3] }]);
            let answer = rpc_cmd(ctx.env(), &msg).map_err(error_of)?;
            if answer.ret != 0 {
                return Err(error_of(answer.ret));
            }
            let Some(MsgParam { param: Param::Value { v, .. }, .. }) = answer.params.first() else {
                return Err(TeeError::Communication);
            };
            write_time(ctx, va, v[0] as u32, (v[1] / 1_000_000) as u32)
        }
        _ => Err(TeeError::BadParameters),
    }
}

/// `TEE_SetTAPersistentTime` `(const TEE_Time *)`: kept as an offset from
/// system time (in RAM, as upstream does without RPMB).
pub(super) fn set_ta_time(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let t = ctx.regions().read(a[0], 8)?;
    let seconds = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
    let millis = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
    if millis >= 1000 {
        return Err(TeeError::BadParameters);
    }
    let wanted = i64::from(seconds) * 1000 + i64::from(millis);
    let offset = wanted - system_ms(ctx);
    ctx.set_ta_time_offset(offset);
    Ok(())
}

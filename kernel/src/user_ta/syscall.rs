//! The utee system-call table, indexed by upstream's `TEE_SCN_*` numbers
//! (`svc #0`, number in x8, arguments in x0..x7, result in x0). Every pointer
//! a TA passes goes through [`UserRegions`] before it is used.

extern crate alloc;

use tee_abi::msg::RPC_CMD_SUSPEND;
use tee_abi::result;

use super::memory::UserRegions;
use super::property::{self, PropContext};
use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::params::{TaParam, TaParams};

/// `TEE_SCN_RETURN`.
pub const RETURN: u64 = 0;
/// `TEE_SCN_LOG`.
pub const LOG: u64 = 1;
/// `TEE_SCN_PANIC`.
pub const PANIC: u64 = 2;
/// `TEE_SCN_GET_PROPERTY`.
pub const GET_PROPERTY: u64 = 3;
/// `TEE_SCN_GET_PROPERTY_NAME_TO_INDEX`.
pub const GET_PROPERTY_NAME_TO_INDEX: u64 = 4;
/// `TEE_SCN_OPEN_TA_SESSION`.
pub const OPEN_TA_SESSION: u64 = 5;
/// `TEE_SCN_CLOSE_TA_SESSION`.
pub const CLOSE_TA_SESSION: u64 = 6;
/// `TEE_SCN_INVOKE_TA_COMMAND`.
pub const INVOKE_TA_COMMAND: u64 = 7;
/// `TEE_SCN_CHECK_ACCESS_RIGHTS`.
pub const CHECK_ACCESS_RIGHTS: u64 = 8;
/// `TEE_SCN_GET_CANCELLATION_FLAG`.
pub const GET_CANCELLATION_FLAG: u64 = 9;
/// `TEE_SCN_UNMASK_CANCELLATION`.
pub const UNMASK_CANCELLATION: u64 = 10;
/// `TEE_SCN_MASK_CANCELLATION`.
pub const MASK_CANCELLATION: u64 = 11;
/// `TEE_SCN_WAIT`.
pub const WAIT: u64 = 12;
/// `TEE_SCN_GET_TIME`.
pub const GET_TIME: u64 = 13;
/// `TEE_SCN_SET_TA_TIME`.
pub const SET_TA_TIME: u64 = 14;
/// `TEE_SCN_CRYP_RANDOM_NUMBER_GENERATE`.
pub const RANDOM_NUMBER_GENERATE: u64 = 33;

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
pub const TIMEOUT_INFINITE: u32 = 0xffff_ffff;

/// Per-call state a system call may read or change.
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
    /// This instance's transient objects and operation states.
    fn crypto(&mut self) -> &mut crate::crypto::CryptoState;
    /// This instance's persistent objects (`None`: no secure storage).
    fn storage(&mut self) -> Option<&mut crate::storage::StorageState> {
        None
    }
    /// Opens a session to another TA or a PTA as this TA; the callee's
    /// operation counts as cancelled after `cancel_timeout_ms`
    /// ([`TIMEOUT_INFINITE`]: never).
    fn open_ta_session(
        &mut self,
        uuid: &crate::session::Uuid,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
    ) -> Result<u32, (u32, u32)> {
        let _ = (uuid, cancel_timeout_ms, params);
        Err((result::ERROR_NOT_SUPPORTED, result::ORIGIN_TEE))
    }
    /// Invokes a command on a session this TA opened, with a cancellation
    /// timeout as for [`SyscallContext::open_ta_session`].
    fn invoke_ta_session(
        &mut self,
        session: u32,
        cmd: u32,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
    ) -> (u32, u32) {
        let _ = (session, cmd, cancel_timeout_ms, params);
        (result::ERROR_NOT_SUPPORTED, result::ORIGIN_TEE)
    }
    /// Closes a session this TA opened.
    fn close_ta_session(&mut self, session: u32) -> Result<(), u32> {
        let _ = session;
        Err(result::ERROR_NOT_SUPPORTED)
    }
}

fn code(r: Result<(), u32>) -> Outcome {
    Outcome::Return(u64::from(r.err().unwrap_or(result::SUCCESS)))
}

/// Runs system call `nr` with arguments `a`.
pub fn dispatch(ctx: &mut dyn SyscallContext, nr: u64, a: [u64; 8]) -> Outcome {
    match nr {
        RETURN => Outcome::Exit(a[0] as u32),
        PANIC => Outcome::Panic(a[0] as u32),
        LOG => {
            // Logging is best effort: a bad buffer is simply not printed.
            if let Ok(bytes) = ctx.regions().read(a[0], a[1].min(512)) {
                let text = core::str::from_utf8(&bytes).unwrap_or("<non-UTF-8 log>");
                ctx.log(text.trim_end_matches('\n'));
            }
            Outcome::Return(u64::from(result::SUCCESS))
        }
        OPEN_TA_SESSION => code(open_ta_session(ctx, a)),
        CLOSE_TA_SESSION => code(ctx.close_ta_session(a[0] as u32)),
        INVOKE_TA_COMMAND => code(invoke_ta_command(ctx, a)),
        GET_PROPERTY => code(get_property(ctx, a)),
        GET_PROPERTY_NAME_TO_INDEX => code(name_to_index(ctx, a)),
        CHECK_ACCESS_RIGHTS => {
            let Ok(flags) = u32::try_from(a[0]) else {
                return Outcome::Return(u64::from(result::ERROR_BAD_PARAMETERS));
            };
            if flags & !super::memory::access::ALL != 0 {
                return Outcome::Return(u64::from(result::ERROR_BAD_PARAMETERS));
            }
            code(ctx.regions().check_access_rights(flags, a[1], a[2]))
        }
        GET_CANCELLATION_FLAG => {
            let flag = u32::from(ctx.cancelled());
            code(ctx.regions().write(a[0], &flag.to_le_bytes()))
        }
        UNMASK_CANCELLATION | MASK_CANCELLATION => {
            let old = ctx.set_cancel_mask(nr == MASK_CANCELLATION);
            code(ctx.regions().write(a[0], &u32::from(old).to_le_bytes()))
        }
        WAIT => code(wait(ctx, a[0] as u32)),
        GET_TIME => code(get_time(ctx, a[0], a[1])),
        SET_TA_TIME => code(set_ta_time(ctx, a[0])),
        RANDOM_NUMBER_GENERATE => {
            if a[1] > crate::params::MAX_MEMREF {
                return Outcome::Return(u64::from(result::ERROR_BAD_PARAMETERS));
            }
            let Ok(mut buf) = crate::params::try_zeroed(a[1] as usize) else {
                return Outcome::Return(u64::from(result::ERROR_OUT_OF_MEMORY));
            };
            // TA-sized: a preemption point per 64 KiB.
            for piece in buf.chunks_mut(crate::thread::preempt::CHUNK) {
                ctx.random(piece);
                crate::thread::preempt::point();
            }
            code(ctx.regions().write(a[0], &buf))
        }
        // Storage (41..=53) and GET_INFO/CLOSE on persistent-object handles.
        24 | 28 | 41..=53 if crate::storage::syscall::owns(nr, a[0]) => crate::storage::syscall::dispatch(ctx, nr, a),
        15..=40 | 54 => crate::crypto::syscall::dispatch(ctx, nr, a),
        _ => Outcome::Return(u64::from(result::ERROR_NOT_SUPPORTED)),
    }
}

/// `TEE_Wait`: sleeps in the normal world with `OPTEE_RPC_CMD_SUSPEND`, in
/// slices so that a cancellation (when unmasked) ends it with `CANCEL`.
fn wait(ctx: &mut dyn SyscallContext, ms: u32) -> Result<(), u32> {
    const SLICE_MS: u32 = 100;
    let mut left = ms;
    while left > 0 {
        if ctx.cancelled() {
            return Err(result::ERROR_CANCEL);
        }
        let step = left.min(SLICE_MS);
        suspend(ctx, step)?;
        if ms != u32::MAX {
            left -= step;
        }
    }
    if ctx.cancelled() { Err(result::ERROR_CANCEL) } else { Ok(()) }
}

fn suspend(ctx: &mut dyn SyscallContext, ms: u32) -> Result<(), u32> {
    sleep_in_normal_world(ctx.env(), ms)
}

/// Sleeps `ms` milliseconds in the normal world (`OPTEE_RPC_CMD_SUSPEND`).
pub fn sleep_in_normal_world(env: &mut dyn CallEnv, ms: u32) -> Result<(), u32> {
    let msg = MsgArg {
        cmd: RPC_CMD_SUSPEND,
        func: 0,
        session: 0,
        cancel_id: 0,
        ret: 0,
        ret_origin: 0,
        params: alloc::vec![MsgParam { meta: false, param: Param::Value { dir: Dir::In, v: [u64::from(ms), 0, 0] } }],
    };
    let answer = rpc_cmd(env, &msg)?;
    if answer.ret != result::SUCCESS {
        return Err(answer.ret);
    }
    Ok(())
}

fn read_u32(ctx: &dyn SyscallContext, va: u64) -> Result<u32, u32> {
    let b = ctx.regions().read(va, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Writes `data` to the buffer `(va, *len_va)` and its length to `*len_va`;
/// `SHORT_BUFFER` (with the needed length) when it does not fit.
fn write_sized(ctx: &dyn SyscallContext, va: u64, len_va: u64, data: &[u8]) -> Result<(), u32> {
    let capacity = read_u32(ctx, len_va)?;
    ctx.regions().write(len_va, &(data.len() as u32).to_le_bytes())?;
    if (capacity as usize) < data.len() {
        return Err(result::ERROR_SHORT_BUFFER);
    }
    ctx.regions().write(va, data)
}

/// `(prop_set, index, name, u32 *name_len, buf, u32 *buf_len, u32 *prop_type)`.
fn get_property(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let (name, ty, value) = property::get(&ctx.properties(), a[0] as u32, a[1] as u32)?;
    if a[2] != 0 {
        let mut n = alloc::vec::Vec::from(name.as_bytes());
        n.push(0);
        write_sized(ctx, a[2], a[3], &n)?;
    }
    if a[6] != 0 {
        ctx.regions().write(a[6], &(ty as u32).to_le_bytes())?;
    }
    if a[4] != 0 || a[5] != 0 {
        write_sized(ctx, a[4], a[5], &value)?;
    }
    Ok(())
}

/// `(prop_set, name, name_len, u32 *index)`.
fn name_to_index(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    if a[2] == 0 || a[2] > 256 {
        return Err(result::ERROR_ITEM_NOT_FOUND);
    }
    let raw = ctx.regions().read(a[1], a[2])?;
    let name = raw.split(|b| *b == 0).next().unwrap_or(&[]);
    let name = core::str::from_utf8(name).map_err(|_| result::ERROR_ITEM_NOT_FOUND)?;
    let index = property::index_of(&ctx.properties(), a[0] as u32, name)?;
    ctx.regions().write(a[3], &index.to_le_bytes())
}

fn write_time(ctx: &dyn SyscallContext, va: u64, seconds: u32, millis: u32) -> Result<(), u32> {
    let mut t = [0u8; 8];
    t[..4].copy_from_slice(&seconds.to_le_bytes());
    t[4..].copy_from_slice(&millis.to_le_bytes());
    ctx.regions().write(va, &t)
}

fn system_ms(ctx: &dyn SyscallContext) -> i64 {
    let (s, ms) = ctx.system_time();
    i64::from(s) * 1000 + i64::from(ms)
}

/// `UTEE_TIME_CAT_SYSTEM` 0, `_TA_PERSISTENT` 1, `_REE` 2.
fn get_time(ctx: &mut dyn SyscallContext, category: u64, va: u64) -> Result<(), u32> {
    match category {
        0 => {
            let (s, ms) = ctx.system_time();
            write_time(ctx, va, s, ms)
        }
        1 => {
            let offset = ctx.ta_time_offset().ok_or(result::ERROR_TIME_NOT_SET)?;
            let t = system_ms(ctx) + offset;
            let seconds = t.div_euclid(1000);
            if !(0..=i64::from(u32::MAX)).contains(&seconds) {
                // GP: the value wrapped; it is still written.
                write_time(ctx, va, seconds as u32, t.rem_euclid(1000) as u32)?;
                return Err(result::ERROR_OVERFLOW);
            }
            write_time(ctx, va, seconds as u32, t.rem_euclid(1000) as u32)
        }
        2 => {
            let msg = MsgArg {
                cmd: tee_abi::msg::RPC_CMD_GET_TIME,
                func: 0,
                session: 0,
                cancel_id: 0,
                ret: 0,
                ret_origin: 0,
                params: alloc::vec![MsgParam { meta: false, param: Param::Value { dir: Dir::Out, v: [0; 3] } }],
            };
            let answer = rpc_cmd(ctx.env(), &msg)?;
            if answer.ret != result::SUCCESS {
                return Err(answer.ret);
            }
            let Some(MsgParam { param: Param::Value { v, .. }, .. }) = answer.params.first() else {
                return Err(result::ERROR_COMMUNICATION);
            };
            write_time(ctx, va, v[0] as u32, (v[1] / 1_000_000) as u32)
        }
        _ => Err(result::ERROR_BAD_PARAMETERS),
    }
}

/// `TEE_SetTAPersistentTime`: kept as an offset from system time (in RAM, as
/// upstream does without RPMB).
fn set_ta_time(ctx: &mut dyn SyscallContext, va: u64) -> Result<(), u32> {
    let t = ctx.regions().read(va, 8)?;
    let seconds = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
    let millis = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
    if millis >= 1000 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    let wanted = i64::from(seconds) * 1000 + i64::from(millis);
    let offset = wanted - system_ms(ctx);
    ctx.set_ta_time_offset(offset);
    Ok(())
}

/// Reads a caller's `struct utee_params` and copies the memory it names
/// (which must be the caller's own, with the access each direction needs).
fn read_utee_params(regions: &UserRegions, va: u64) -> Result<(TaParams, [(u64, u64); 4]), u32> {
    let mut params = TaParams::none();
    let mut refs = [(0u64, 0u64); 4];
    if va == 0 {
        return Ok((params, refs));
    }
    let raw = regions.read(va, 72)?;
    let word = |i: usize| u64::from_le_bytes(raw[8 * i..8 * i + 8].try_into().unwrap_or_default());
    let types = word(0);
    for (i, r) in refs.iter_mut().enumerate() {
        let (a, b) = (word(1 + 2 * i), word(2 + 2 * i));
        let dir = |t: u64| match t & 3 {
            1 => crate::msg::Dir::In,
            2 => crate::msg::Dir::Out,
            _ => crate::msg::Dir::InOut,
        };
        params.0[i] = match (types >> (4 * i)) & 0xf {
            0 => TaParam::None,
            t @ 1..=3 => TaParam::Value { dir: dir(t), a: a as u32, b: b as u32 },
            t @ 5..=7 => {
                let d = dir(t);
                // As upstream (`tee_svc_copy_param`): an empty memref is
                // NULL, a NULL one must be empty, and a TA may not expose
                // its private memory (its library bounces such buffers
                // through shareable memory from the system PTA first).
                let buf = if b == 0 {
                    alloc::vec::Vec::new()
                } else if a == 0 || regions.is_private(a, b) {
                    return Err(result::ERROR_BAD_PARAMETERS);
                } else if d.is_input() {
                    regions.resolve(a, b, d.is_output())?;
                    regions.read(a, b)?
                } else {
                    regions.resolve(a, b, true)?;
                    crate::params::try_zeroed(b as usize)?
                };
                *r = (a, b);
                TaParam::Memref { dir: d, buf, size: b, source: crate::params::NsBuffer::Null }
            }
            _ => return Err(result::ERROR_BAD_PARAMETERS),
        };
    }
    Ok((params, refs))
}

/// Writes outputs back into the caller's `utee_params` and buffers.
fn write_utee_params(regions: &UserRegions, va: u64, params: &TaParams, refs: &[(u64, u64); 4]) -> Result<(), u32> {
    if va == 0 {
        return Ok(());
    }
    let mut raw = regions.read(va, 72)?;
    for (i, p) in params.0.iter().enumerate() {
        let at = 8 + 16 * i;
        match p {
            TaParam::Value { dir, a, b } if dir.is_output() => {
                raw[at..at + 8].copy_from_slice(&u64::from(*a).to_le_bytes());
                raw[at + 8..at + 16].copy_from_slice(&u64::from(*b).to_le_bytes());
            }
            TaParam::Memref { dir, buf, size, .. } if dir.is_output() => {
                let (buf_va, len) = refs[i];
                if *size <= len && buf_va != 0 {
                    regions.write(buf_va, &buf[..*size as usize])?;
                }
                raw[at + 8..at + 16].copy_from_slice(&size.to_le_bytes());
            }
            _ => {}
        }
    }
    regions.write(va, &raw)
}

/// `(const TEE_UUID *dest, cancel_req_timeout, utee_params *, u32 *session, u32 *ret_origin)`.
fn open_ta_session(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let raw = ctx.regions().read(a[0], 16)?;
    let mut s = [0u8; 16];
    s.copy_from_slice(&raw);
    let uuid = tee_abi::uuid::Uuid::from_struct_bytes(s).to_octets();
    let (mut params, refs) = read_utee_params(ctx.regions(), a[2])?;
    let (ret, origin, session) = match ctx.open_ta_session(&uuid, a[1] as u32, &mut params) {
        Ok(session) => (result::SUCCESS, result::ORIGIN_TRUSTED_APP, session),
        Err((ret, origin)) => (ret, origin, 0),
    };
    write_utee_params(ctx.regions(), a[2], &params, &refs)?;
    ctx.regions().write(a[3], &session.to_le_bytes())?;
    if a[4] != 0 {
        ctx.regions().write(a[4], &origin.to_le_bytes())?;
    }
    if ret == result::SUCCESS { Ok(()) } else { Err(ret) }
}

/// `(session, cancel_req_timeout, cmd_id, utee_params *, u32 *ret_origin)`.
fn invoke_ta_command(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let (mut params, refs) = read_utee_params(ctx.regions(), a[3])?;
    let (ret, origin) = ctx.invoke_ta_session(a[0] as u32, a[2] as u32, a[1] as u32, &mut params);
    write_utee_params(ctx.regions(), a[3], &params, &refs)?;
    if a[4] != 0 {
        ctx.regions().write(a[4], &origin.to_le_bytes())?;
    }
    if ret == result::SUCCESS { Ok(()) } else { Err(ret) }
}

#[cfg(test)]
mod tests;

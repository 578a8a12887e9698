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
}

const ACCESS_READ: u64 = 0x1;
const ACCESS_WRITE: u64 = 0x2;
const ACCESS_ANY_OWNER: u64 = 0x4;

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
        GET_PROPERTY => code(get_property(ctx, a)),
        GET_PROPERTY_NAME_TO_INDEX => code(name_to_index(ctx, a)),
        CHECK_ACCESS_RIGHTS => {
            let flags = a[0];
            if flags & !(ACCESS_READ | ACCESS_WRITE | ACCESS_ANY_OWNER | 0x1000_0000 | 0x2000_0000) != 0 {
                return Outcome::Return(u64::from(result::ERROR_BAD_PARAMETERS));
            }
            let write = flags & ACCESS_WRITE != 0;
            code(ctx.regions().resolve(a[1], a[2], write).map(|_| ()))
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
        GET_TIME => match a[0] {
            0 => {
                let (s, ms) = ctx.system_time();
                let mut t = [0u8; 8];
                t[..4].copy_from_slice(&s.to_le_bytes());
                t[4..].copy_from_slice(&ms.to_le_bytes());
                code(ctx.regions().write(a[1], &t))
            }
            // TA persistent time is never set yet.
            1 => Outcome::Return(u64::from(result::ERROR_TIME_NOT_SET)),
            _ => Outcome::Return(u64::from(result::ERROR_NOT_SUPPORTED)),
        },
        RANDOM_NUMBER_GENERATE => {
            if a[1] > crate::params::MAX_MEMREF {
                return Outcome::Return(u64::from(result::ERROR_BAD_PARAMETERS));
            }
            let Ok(mut buf) = crate::params::try_zeroed(a[1] as usize) else {
                return Outcome::Return(u64::from(result::ERROR_OUT_OF_MEMORY));
            };
            ctx.random(&mut buf);
            code(ctx.regions().write(a[0], &buf))
        }
        _ => Outcome::Return(u64::from(result::ERROR_NOT_SUPPORTED)),
    }
}

/// `TEE_Wait`: sleeps in the normal world with `OPTEE_RPC_CMD_SUSPEND`.
fn wait(ctx: &mut dyn SyscallContext, ms: u32) -> Result<(), u32> {
    let msg = MsgArg {
        cmd: RPC_CMD_SUSPEND,
        func: 0,
        session: 0,
        cancel_id: 0,
        ret: 0,
        ret_origin: 0,
        params: alloc::vec![MsgParam { meta: false, param: Param::Value { dir: Dir::In, v: [u64::from(ms), 0, 0] } }],
    };
    let answer = rpc_cmd(ctx.env(), &msg)?;
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

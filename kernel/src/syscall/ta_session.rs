//! TA-to-TA sessions (upstream `core/tee/tee_svc.c`
//! `syscall_open_ta_session`, `syscall_invoke_ta_command`,
//! `syscall_close_ta_session`, OP-TEE 4.5.0): `struct utee_params` in and
//! out of the caller's memory. The callee's `TEE_Result` is whatever it
//! returned, so these handlers give back raw codes.

extern crate alloc;

use tee_abi::result::{Origin, TeeError};

use super::{SyscallContext, write_u32};
use crate::msg::Dir;
use crate::params::{TaParam, TaParams};
use crate::user_ta::memory::UserRegions;

/// Reads a caller's `struct utee_params` and copies the memory it names
/// (which must be the caller's own, with the access each direction needs).
pub(super) fn read_utee_params(regions: &UserRegions, va: u64) -> Result<(TaParams, [(u64, u64); 4]), TeeError> {
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
            1 => Dir::In,
            2 => Dir::Out,
            _ => Dir::InOut,
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
                    return Err(TeeError::BadParameters);
                } else if d.is_input() {
                    regions.resolve(a, b, d.is_output())?;
                    regions.read(a, b)?
                } else {
                    regions.resolve(a, b, true)?;
                    crate::params::try_zeroed(b as usize).map_err(|_| TeeError::OutOfMemory)?
                };
                *r = (a, b);
                TaParam::Memref { dir: d, buf, size: b, source: crate::params::NsBuffer::Null }
            }
            _ => return Err(TeeError::BadParameters),
        };
    }
    Ok((params, refs))
}

/// Writes outputs back into the caller's `utee_params` and buffers.
pub(super) fn write_utee_params(
    regions: &UserRegions,
    va: u64,
    params: &TaParams,
    refs: &[(u64, u64); 4],
) -> Result<(), TeeError> {
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
                // What fits is written even for a size past the buffer
                // (a short buffer or a truncated datagram): upstream's
                // callee writes the caller's memory in place.
                let (buf_va, len) = refs[i];
                let fits = (*size).min(len).min(buf.len() as u64) as usize;
                if buf_va != 0 {
                    regions.write(buf_va, &buf[..fits])?;
                }
                raw[at + 8..at + 16].copy_from_slice(&size.to_le_bytes());
            }
            _ => {}
        }
    }
    regions.write(va, &raw)
}

/// A callee's raw code, or the error that stopped us first.
fn raw(r: Result<u32, TeeError>) -> u32 {
    match r {
        Ok(code) => code,
        Err(e) => e.code(),
    }
}

/// `(const TEE_UUID *dest, cancel_req_timeout, utee_params *, u32 *session, u32 *ret_origin)`.
pub(super) fn open(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> u32 {
    raw(open_raw(ctx, a))
}

fn open_raw(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<u32, TeeError> {
    let raw = ctx.regions().read(a[0], 16)?;
    let mut s = [0u8; 16];
    s.copy_from_slice(&raw);
    let uuid = tee_abi::uuid::Uuid::from_struct_bytes(s).to_octets();
    let (mut params, refs) = read_utee_params(ctx.regions(), a[2])?;
    let (ret, origin, session) = match ctx.open_ta_session(&uuid, a[1] as u32, &mut params) {
        Ok(session) => (0, Origin::TrustedApp.code(), session),
        Err((ret, origin)) => (ret, origin, 0),
    };
    write_utee_params(ctx.regions(), a[2], &params, &refs)?;
    write_u32(ctx, a[3], session)?;
    if a[4] != 0 {
        write_u32(ctx, a[4], origin)?;
    }
    Ok(ret)
}

/// `(session, cancel_req_timeout, cmd_id, utee_params *, u32 *ret_origin)`.
pub(super) fn invoke(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> u32 {
    raw(invoke_raw(ctx, a))
}

fn invoke_raw(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<u32, TeeError> {
    let (mut params, refs) = match read_utee_params(ctx.regions(), a[3]) {
        Ok(read) => read,
        // A pseudo-TA borrows its caller's mapping (upstream 4.5.0
        // `tee_svc_copy_param`) and reaches the memrefs itself after its
        // own checks: a memref it cannot reach is its error (origin
        // TRUSTED_APP), not a TEE refusal, which libutee turns into a panic.
        // The `utee_params` block itself is still the TEE's to check.
        Err(e) if ctx.is_pseudo_ta_session(a[0] as u32) && ctx.regions().resolve(a[3], 72, true).is_ok() => {
            if a[4] != 0 {
                write_u32(ctx, a[4], Origin::TrustedApp.code())?;
            }
            return Ok(e.code());
        }
        Err(e) => return Err(e),
    };
    let (ret, origin) = ctx.invoke_ta_session(a[0] as u32, a[2] as u32, a[1] as u32, &mut params, &refs);
    write_utee_params(ctx.regions(), a[3], &params, &refs)?;
    if a[4] != 0 {
        write_u32(ctx, a[4], origin)?;
    }
    Ok(ret)
}

/// `(session)`.
pub(super) fn close(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> u32 {
    match ctx.close_ta_session(a[0] as u32) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

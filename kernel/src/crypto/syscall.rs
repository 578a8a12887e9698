//! utee syscalls 15..=40 and 54 (`TEE_SCN_CRYP_*`, `HASH_*`, `CIPHER_*`,
//! `AUTHENC_*`, `ASYMM_*`, `CRYP_OBJ_GENERATE_KEY`): argument order, the
//! order of the checks and the error codes follow upstream's
//! `core/tee/tee_svc_cryp.c`. Every user pointer goes through
//! `ctx.regions()`; a zero-length range is never dereferenced and is
//! checked as upstream checks it (see `check_empty`). Length pointers
//! (`u64 *`) are 64-bit.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result;

use super::Attr;
use crate::thread::preempt;
use crate::user_ta::syscall::{Outcome, SyscallContext};

pub const CRYP_STATE_ALLOC: u64 = 15;
pub const CRYP_STATE_COPY: u64 = 16;
pub const CRYP_STATE_FREE: u64 = 17;
pub const HASH_INIT: u64 = 18;
pub const HASH_UPDATE: u64 = 19;
pub const HASH_FINAL: u64 = 20;
pub const CIPHER_INIT: u64 = 21;
pub const CIPHER_UPDATE: u64 = 22;
pub const CIPHER_FINAL: u64 = 23;
pub const CRYP_OBJ_GET_INFO: u64 = 24;
pub const CRYP_OBJ_RESTRICT_USAGE: u64 = 25;
pub const CRYP_OBJ_GET_ATTR: u64 = 26;
pub const CRYP_OBJ_ALLOC: u64 = 27;
pub const CRYP_OBJ_CLOSE: u64 = 28;
pub const CRYP_OBJ_RESET: u64 = 29;
pub const CRYP_OBJ_POPULATE: u64 = 30;
pub const CRYP_OBJ_COPY: u64 = 31;
pub const CRYP_DERIVE_KEY: u64 = 32;
pub const AUTHENC_INIT: u64 = 34;
pub const AUTHENC_UPDATE_AAD: u64 = 35;
pub const AUTHENC_UPDATE_PAYLOAD: u64 = 36;
pub const AUTHENC_ENC_FINAL: u64 = 37;
pub const AUTHENC_DEC_FINAL: u64 = 38;
pub const CRYP_OBJ_GENERATE_KEY: u64 = 54;

/// `struct utee_attribute`: `a`, `b` (u64), `attribute_id` (u32), padding.
const UTEE_ATTRIBUTE_SIZE: u64 = 24;
/// `TEE_ATTR_FLAG_VALUE`.
const ATTR_FLAG_VALUE: u32 = 1 << 29;

fn code(r: Result<(), u32>) -> Outcome {
    Outcome::Return(u64::from(r.err().unwrap_or(result::SUCCESS)))
}

/// Upstream's access check of an empty range walks the pages from
/// `rounddown(va)` while below `va`: none for a page-aligned `va` (NULL
/// included), the page of `va` otherwise.
fn check_empty(ctx: &dyn SyscallContext, va: u64, write: bool) -> Result<(), u32> {
    if va.is_multiple_of(4096) { Ok(()) } else { ctx.regions().resolve(va, 1, write).map(|_| ()) }
}

/// Copies `[va, va + len)` in (nothing when `len` is 0).
pub(super) fn read_in(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, u32> {
    if len == 0 {
        check_empty(ctx, va, false)?;
        Ok(Vec::new())
    } else {
        ctx.regions().read(va, len)
    }
}

/// Checks `[va, va + len)` is writable TA memory.
pub(super) fn check_write(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<(), u32> {
    if len == 0 { check_empty(ctx, va, true) } else { ctx.regions().resolve(va, len, true).map(|_| ()) }
}

pub(super) fn read_u64(ctx: &dyn SyscallContext, va: u64) -> Result<u64, u32> {
    let b = ctx.regions().read(va, 8)?;
    Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

pub(super) fn write_u64(ctx: &dyn SyscallContext, va: u64, v: u64) -> Result<(), u32> {
    ctx.regions().write(va, &v.to_le_bytes())
}

fn write_u32(ctx: &dyn SyscallContext, va: u64, v: u32) -> Result<(), u32> {
    ctx.regions().write(va, &v.to_le_bytes())
}

/// Handles come back as `unsigned long`; only the low 32 bits name one.
pub(super) fn handle(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Runs crypto system call `nr` (15..=40, 54) with arguments `a`.
pub fn dispatch(ctx: &mut dyn SyscallContext, nr: u64, a: [u64; 8]) -> Outcome {
    code(match nr {
        CRYP_STATE_ALLOC => state_alloc(ctx, a),
        CRYP_STATE_COPY => ctx.crypto().state_copy(handle(a[0]), handle(a[1])),
        CRYP_STATE_FREE => ctx.crypto().state_free(handle(a[0])),
        // Upstream ignores the IV of HASH_INIT (no MAC here takes one).
        HASH_INIT => ctx.crypto().hash_init(handle(a[0])),
        HASH_UPDATE => hash_update(ctx, a),
        HASH_FINAL => hash_final(ctx, a),
        CIPHER_INIT => cipher_init(ctx, a),
        CIPHER_UPDATE => cipher_update(ctx, a, false),
        CIPHER_FINAL => cipher_update(ctx, a, true),
        CRYP_OBJ_GET_INFO => ctx.crypto().obj_info(handle(a[0])).and_then(|info| ctx.regions().write(a[1], &info)),
        CRYP_OBJ_RESTRICT_USAGE => ctx.crypto().obj_restrict_usage(handle(a[0]), a[1] as u32),
        CRYP_OBJ_GET_ATTR => get_attr(ctx, a),
        CRYP_OBJ_ALLOC => obj_alloc(ctx, a),
        CRYP_OBJ_CLOSE => ctx.crypto().obj_close(handle(a[0])),
        CRYP_OBJ_RESET => ctx.crypto().obj_reset(handle(a[0])),
        CRYP_OBJ_POPULATE => populate(ctx, a),
        CRYP_OBJ_COPY => ctx.crypto().obj_copy(handle(a[0]), handle(a[1])),
        CRYP_OBJ_GENERATE_KEY => generate_key(ctx, a),
        CRYP_DERIVE_KEY => derive_key(ctx, a),
        AUTHENC_INIT => authenc_init(ctx, a),
        AUTHENC_UPDATE_AAD => authenc_update_aad(ctx, a),
        AUTHENC_UPDATE_PAYLOAD => authenc_update_payload(ctx, a),
        AUTHENC_ENC_FINAL => authenc_enc_final(ctx, a),
        AUTHENC_DEC_FINAL => authenc_dec_final(ctx, a),
        super::asym::syscall::ASYMM_OPERATE => super::asym::syscall::asymm_operate(ctx, a),
        super::asym::syscall::ASYMM_VERIFY => super::asym::syscall::asymm_verify(ctx, a),
        _ => Err(result::ERROR_NOT_SUPPORTED),
    })
}

/// `(algo, mode, key1, key2, u32 *state)`.
fn state_alloc(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let h = ctx.crypto().state_alloc(a[0] as u32, a[1] as u32, handle(a[2]), handle(a[3]))?;
    write_u32(ctx, a[4], h).inspect_err(|_| ctx.crypto().state_abandon(h))
}

/// `(state, chunk, chunk_len)`.
fn hash_update(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    if a[1] == 0 && a[2] != 0 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    if a[2] == 0 {
        return Ok(());
    }
    let last = hash_all_but_last(ctx, handle(a[0]), a[1], a[2])?;
    ctx.crypto().hash_update(handle(a[0]), &last)
}

/// Feeds `[va, va + len)` but its last piece to the digest or MAC `st`,
/// [`preempt::CHUNK`] bytes at a time, and returns that last piece: a TA
/// buffer of megabytes is neither copied whole into the kernel heap nor
/// hashed with interrupts masked throughout. The whole range is checked
/// first, so a bad buffer fails before any work, as when it was copied.
fn hash_all_but_last(ctx: &mut dyn SyscallContext, st: u32, va: u64, len: u64) -> Result<Vec<u8>, u32> {
    ctx.regions().resolve(va, len, false)?;
    let piece = preempt::CHUNK as u64;
    let mut at = 0;
    while len - at > piece {
        let chunk = ctx.regions().read(va + at, piece)?;
        ctx.crypto().hash_update(st, &chunk)?;
        at += piece;
    }
    read_in(ctx, va + at, len - at)
}

/// `(state, chunk, chunk_len, hash, u64 *hash_len)`: SHORT_BUFFER with the
/// needed length in `*hash_len`.
fn hash_final(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    if a[1] == 0 && a[2] != 0 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    if a[2] != 0 {
        ctx.regions().resolve(a[1], a[2], false)?;
    } else {
        check_empty(ctx, a[1], false)?;
    }
    let capacity = read_u64(ctx, a[4])?;
    check_write(ctx, a[3], capacity)?;
    let st = handle(a[0]);
    let size = ctx.crypto().hash_final_size(st)?;
    if capacity < size as u64 {
        write_u64(ctx, a[4], size as u64)?;
        return Err(result::ERROR_SHORT_BUFFER);
    }
    let chunk = if a[2] != 0 { hash_all_but_last(ctx, st, a[1], a[2])? } else { Vec::new() };
    let out = ctx.crypto().hash_final(st, &chunk)?;
    ctx.regions().write(a[3], &out)?;
    write_u64(ctx, a[4], out.len() as u64)
}

/// `(state, iv, iv_len)`.
fn cipher_init(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    // Upstream checks the state, its class and its key before the IV.
    ctx.crypto().cipher_init_ready(st)?;
    let iv = read_in(ctx, a[1], a[2])?;
    ctx.crypto().cipher_init(st, &iv)
}

/// `(state, src, src_len, dst, u64 *dst_len)`; `dst_len` may be NULL (then
/// the capacity is 0). SHORT_BUFFER with the needed length when `dst` is
/// smaller than `src`.
fn cipher_update(ctx: &mut dyn SyscallContext, a: [u64; 8], last: bool) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().cipher_ready(st)?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let capacity = if a[4] == 0 { 0 } else { read_u64(ctx, a[4])? };
    if a[4] != 0 {
        check_write(ctx, a[3], capacity)?;
    }
    if capacity < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(result::ERROR_SHORT_BUFFER);
    }
    if !data.is_empty() {
        ctx.crypto().cipher_update(st, last, &mut data)?;
        ctx.regions().write(a[3], &data)?;
    }
    if a[4] != 0 {
        write_u64(ctx, a[4], a[2])?;
    }
    Ok(())
}

/// `(obj_type, max_key_size, u32 *obj)`.
fn obj_alloc(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let max_bits = u32::try_from(a[1]).map_err(|_| result::ERROR_NOT_SUPPORTED)?;
    let h = ctx.crypto().obj_alloc(a[0] as u32, max_bits)?;
    write_u32(ctx, a[2], h).inspect_err(|_| {
        let _ = ctx.crypto().obj_close(h);
    })
}

/// `(obj, attr_id, buf, u64 *size)`: SHORT_BUFFER with the needed size.
fn get_attr(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let value = ctx.crypto().obj_get_attr_value(handle(a[0]), a[1] as u32)?;
    let capacity = read_u64(ctx, a[3])?;
    write_u64(ctx, a[3], value.len() as u64)?;
    if capacity < value.len() as u64 || (a[2] == 0 && !value.is_empty()) {
        return Err(result::ERROR_SHORT_BUFFER);
    }
    if value.is_empty() { Ok(()) } else { ctx.regions().write(a[2], &value) }
}

/// `copy_in_attrs`: `count` `struct utee_attribute`s at `va`, each buffer
/// copied in.
pub(super) fn read_attrs(ctx: &dyn SyscallContext, va: u64, count: u64) -> Result<Vec<Attr>, u32> {
    let size = count.checked_mul(UTEE_ATTRIBUTE_SIZE).ok_or(result::ERROR_OVERFLOW)?;
    if count > 64 {
        // More attributes than any object type has: refused as upstream's
        // check_attr would (an unknown or repeated attribute).
        return Err(result::ERROR_ITEM_NOT_FOUND);
    }
    let raw = read_in(ctx, va, size)?;
    let mut out = Vec::new();
    for r in raw.chunks_exact(UTEE_ATTRIBUTE_SIZE as usize) {
        let word = |i: usize| u64::from_le_bytes(r[i..i + 8].try_into().unwrap_or_default());
        let id = u32::from_le_bytes(r[16..20].try_into().unwrap_or_default());
        let data = if id & ATTR_FLAG_VALUE != 0 {
            let mut v = Vec::new();
            v.extend_from_slice(&(word(0) as u32).to_le_bytes());
            v.extend_from_slice(&(word(8) as u32).to_le_bytes());
            v
        } else {
            read_in(ctx, word(0), word(8))?
        };
        out.push(Attr { id, data });
    }
    Ok(out)
}

/// `(obj, struct utee_attribute *attrs, count)`.
fn populate(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let h = handle(a[0]);
    // Upstream checks the object before it copies the attributes in.
    ctx.crypto().obj_info(h)?;
    let attrs = read_attrs(ctx, a[1], a[2])?;
    ctx.crypto().obj_populate(h, &attrs)
}

/// `(obj, key_size, struct utee_attribute *params, count)`.
fn generate_key(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let h = handle(a[0]);
    ctx.crypto().obj_info(h)?;
    let attrs = read_attrs(ctx, a[2], a[3])?;
    let bits = u32::try_from(a[1]).map_err(|_| result::ERROR_NOT_SUPPORTED)?;
    let mut key = crate::params::try_zeroed(bits.min(4096) as usize / 8)?;
    ctx.random(&mut key);
    let mut from = key.iter();
    let r = ctx.crypto().obj_generate_key(h, bits, &attrs, &mut |buf| {
        for (b, r) in buf.iter_mut().zip(&mut from) {
            *b = *r;
        }
    });
    key.iter_mut().for_each(|b| *b = 0);
    r
}

/// `(state, nonce, nonce_len, tag_len, aad_len, payload_len)`: `tag_len`
/// in bytes; CCM takes the AAD and payload lengths here, GCM neither.
fn authenc_init(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().authenc_init_ready(st)?;
    let nonce = read_in(ctx, a[1], a[2])?;
    ctx.crypto().authenc_init(st, &nonce, a[3], a[4], a[5])
}

/// `(state, struct utee_attribute *params, count, derived_obj)`: the state
/// first, then the attributes, then the objects (`syscall_cryp_derive_key`).
fn derive_key(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().derive_ready(st)?;
    let attrs = read_attrs(ctx, a[1], a[2])?;
    ctx.crypto().derive_key(st, &attrs, handle(a[3]))
}

/// `(state, aad, aad_len)`.
fn authenc_update_aad(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().authenc_ready(st, None)?;
    let aad = read_in(ctx, a[1], a[2])?;
    ctx.crypto().authenc_update_aad(st, &aad)
}

/// The output capacity `*dst_len` (0 when `dst_len` is NULL) after
/// checking `dst` is writable for it.
fn out_capacity(ctx: &dyn SyscallContext, dst: u64, dst_len: u64) -> Result<u64, u32> {
    if dst_len == 0 {
        return Ok(0);
    }
    let cap = read_u64(ctx, dst_len)?;
    check_write(ctx, dst, cap)?;
    Ok(cap)
}

/// `(state, src, src_len, dst, u64 *dst_len)`: as many bytes out as in
/// (GCM streams); SHORT_BUFFER with the needed length otherwise.
fn authenc_update_payload(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().authenc_ready(st, None)?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = read_u64(ctx, a[4])?;
    check_write(ctx, a[3], cap)?;
    if cap < a[2] {
        write_u64(ctx, a[4], a[2])?;
        return Err(result::ERROR_SHORT_BUFFER);
    }
    ctx.crypto().authenc_update_payload(st, &mut data)?;
    if !data.is_empty() {
        ctx.regions().write(a[3], &data)?;
    }
    write_u64(ctx, a[4], a[2])
}

/// `(state, src, src_len, dst, u64 *dst_len, tag, u64 *tag_len)`:
/// SHORT_BUFFER (nothing consumed) when `dst` is smaller than `src` or the
/// tag buffer smaller than the tag, with the needed sizes written back.
fn authenc_enc_final(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    let tag_len = ctx.crypto().authenc_ready(st, Some(super::MODE_ENCRYPT))? as u64;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = out_capacity(ctx, a[3], a[4])?;
    if cap < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(result::ERROR_SHORT_BUFFER);
    }
    let tag_cap = read_u64(ctx, a[6])?;
    check_write(ctx, a[5], tag_cap)?;
    if tag_cap < tag_len {
        write_u64(ctx, a[6], tag_len)?;
        return Err(result::ERROR_SHORT_BUFFER);
    }
    let tag = ctx.crypto().authenc_enc_final(st, &mut data)?;
    if !data.is_empty() {
        ctx.regions().write(a[3], &data)?;
    }
    if a[4] != 0 {
        write_u64(ctx, a[4], a[2])?;
    }
    if !tag.is_empty() {
        ctx.regions().write(a[5], &tag)?;
    }
    write_u64(ctx, a[6], tag.len() as u64)
}

/// `(state, src, src_len, dst, u64 *dst_len, tag, tag_len)`: MAC_INVALID
/// (and no output) when the tag does not match.
fn authenc_dec_final(ctx: &mut dyn SyscallContext, a: [u64; 8]) -> Result<(), u32> {
    let st = handle(a[0]);
    ctx.crypto().authenc_ready(st, Some(super::MODE_DECRYPT))?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = out_capacity(ctx, a[3], a[4])?;
    if cap < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(result::ERROR_SHORT_BUFFER);
    }
    if a[6] > 16 {
        // Longer than any tag: GCM cannot match it, CCM says BAD_STATE.
        return Err(ctx.crypto().authenc_long_tag(st));
    }
    let tag = read_in(ctx, a[5], a[6])?;
    let r = ctx.crypto().authenc_dec_final(st, &mut data, &tag);
    if r == Err(result::ERROR_SHORT_BUFFER) && a[4] != 0 {
        // An empty CCM tag: nothing consumed, the output size as usual.
        write_u64(ctx, a[4], a[2])?;
    }
    r?;
    if !data.is_empty() {
        ctx.regions().write(a[3], &data)?;
    }
    if a[4] != 0 {
        write_u64(ctx, a[4], a[2])?;
    }
    Ok(())
}

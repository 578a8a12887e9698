//! The crypto syscalls 15..=32, 34..=38 and 54 (`TEE_SCN_CRYP_*`,
//! `HASH_*`, `CIPHER_*`, `AUTHENC_*`, `CRYP_OBJ_GENERATE_KEY`; 39/40 are in
//! `cryp_asym`): argument order, the order of the checks and the error codes
//! follow upstream's `core/tee/tee_svc_cryp.c` (OP-TEE 4.5.0). Every user
//! pointer goes through `ctx.regions()`; a zero-length range is never
//! dereferenced and is checked as upstream checks it (see `check_empty`).
//! Length pointers (`u64 *`) are 64-bit. The work is the crypto service's
//! (`crate::crypto`, methods on the instance's handle table).

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::{SyscallContext, handle, read_u64, write_u32, write_u64};
use crate::crypto::{Attr, MODE_DECRYPT, MODE_ENCRYPT};
use crate::thread::preempt;

/// `struct utee_attribute`: `a`, `b` (u64), `attribute_id` (u32), padding.
const UTEE_ATTRIBUTE_SIZE: u64 = 24;
/// `TEE_ATTR_FLAG_VALUE`.
use tee_abi::gp::attr::FLAG_VALUE as ATTR_FLAG_VALUE;

/// Upstream's access check of an empty range walks the pages from
/// `rounddown(va)` while below `va`: none for a page-aligned `va` (NULL
/// included), the page of `va` otherwise.
fn check_empty(ctx: &dyn SyscallContext, va: u64, write: bool) -> Result<(), TeeError> {
    if empty_range_ok(ctx.regions(), va, write) { Ok(()) } else { Err(TeeError::AccessDenied) }
}

/// The test of [`check_empty`]. Upstream maps whole pages, so the page of
/// `va` is accessible when any region (writable, for `write`) touches it:
/// our memref regions are exact bounce copies, and libutee hands one past
/// the end of a destination as an empty one (`TEE_CipherDoFinal` after
/// its buffered update filled the whole buffer).
fn empty_range_ok(regions: &crate::user_ta::memory::UserRegions, va: u64, write: bool) -> bool {
    const PAGE: u64 = 4096;
    if va.is_multiple_of(PAGE) {
        return true;
    }
    let page = va - va % PAGE;
    regions.0.iter().any(|r| (r.writable || !write) && r.va < page + PAGE && page < r.va.saturating_add(r.len))
}

/// Copies `[va, va + len)` in (nothing when `len` is 0).
pub(super) fn read_in(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
    if len == 0 {
        check_empty(ctx, va, false)?;
        Ok(Vec::new())
    } else {
        ctx.regions().read(va, len)
    }
}

/// Checks `[va, va + len)` is writable TA memory.
pub(super) fn check_write(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<(), TeeError> {
    if len == 0 { check_empty(ctx, va, true) } else { ctx.regions().resolve(va, len, true).map(|_| ()) }
}

/// `(algo, mode, key1, key2, u32 *state)`.
pub(super) fn state_alloc(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let h = ctx.handles().state_alloc(a[0] as u32, a[1] as u32, handle(a[2]), handle(a[3]))?;
    write_u32(ctx, a[4], h).inspect_err(|_| ctx.handles().state_abandon(h))
}

/// `(state, chunk, chunk_len)`.
pub(super) fn hash_update(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if a[1] == 0 && a[2] != 0 {
        return Err(TeeError::BadParameters);
    }
    if a[2] == 0 {
        return Ok(());
    }
    let last = hash_all_but_last(ctx, handle(a[0]), a[1], a[2])?;
    ctx.handles().hash_update(handle(a[0]), &last)
}

/// Feeds `[va, va + len)` but its last piece to the digest or MAC `st`,
/// [`preempt::CHUNK`] bytes at a time, and returns that last piece: a TA
/// buffer of megabytes is neither copied whole into the kernel heap nor
/// hashed with interrupts masked throughout. The whole range is checked
/// first, so a bad buffer fails before any work, as when it was copied.
fn hash_all_but_last(ctx: &mut dyn SyscallContext, st: u32, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
    ctx.regions().resolve(va, len, false)?;
    let piece = preempt::CHUNK as u64;
    let mut at = 0;
    while len - at > piece {
        let chunk = ctx.regions().read(va + at, piece)?;
        ctx.handles().hash_update(st, &chunk)?;
        at += piece;
    }
    read_in(ctx, va + at, len - at)
}

/// `(state, chunk, chunk_len, hash, u64 *hash_len)`: SHORT_BUFFER with the
/// needed length in `*hash_len`.
pub(super) fn hash_final(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    if a[1] == 0 && a[2] != 0 {
        return Err(TeeError::BadParameters);
    }
    if a[2] != 0 {
        ctx.regions().resolve(a[1], a[2], false)?;
    } else {
        check_empty(ctx, a[1], false)?;
    }
    let capacity = read_u64(ctx, a[4])?;
    check_write(ctx, a[3], capacity)?;
    let st = handle(a[0]);
    let size = ctx.handles().hash_final_size(st)?;
    if capacity < size as u64 {
        write_u64(ctx, a[4], size as u64)?;
        return Err(TeeError::ShortBuffer);
    }
    let chunk = if a[2] != 0 { hash_all_but_last(ctx, st, a[1], a[2])? } else { Vec::new() };
    let out = ctx.handles().hash_final(st, &chunk, usize::try_from(capacity).map_err(|_| TeeError::BadParameters)?)?;
    ctx.regions().write(a[3], &out)?;
    write_u64(ctx, a[4], out.len() as u64)
}

/// `(dst_state, src_state)`.
pub(super) fn state_copy(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().state_copy(handle(a[0]), handle(a[1]))
}

/// `(state)`.
pub(super) fn state_free(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().state_free(handle(a[0]))
}

/// `(state, iv, iv_len)`: upstream ignores the IV (no MAC here takes one).
pub(super) fn hash_init(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().hash_init(handle(a[0]))
}

/// `(state, iv, iv_len)`.
pub(super) fn cipher_init(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    // Upstream checks the state, its class and its key before the IV.
    ctx.handles().cipher_init_ready(st)?;
    let iv = read_in(ctx, a[1], a[2])?;
    ctx.handles().cipher_init(st, &iv)
}

/// `(state, src, src_len, dst, u64 *dst_len)`; `dst_len` may be NULL (then
/// the capacity is 0). SHORT_BUFFER with the needed length when `dst` is
/// smaller than `src`.
fn cipher_run(ctx: &mut dyn SyscallContext, a: &[u64; 8], last: bool) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().cipher_ready(st)?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let capacity = if a[4] == 0 { 0 } else { read_u64(ctx, a[4])? };
    if a[4] != 0 {
        check_write(ctx, a[3], capacity)?;
    }
    if capacity < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(TeeError::ShortBuffer);
    }
    if !data.is_empty() {
        ctx.handles().cipher_update(st, last, &mut data)?;
        ctx.regions().write(a[3], &data)?;
    }
    if a[4] != 0 {
        write_u64(ctx, a[4], a[2])?;
    }
    Ok(())
}

pub(super) fn cipher_update(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    cipher_run(ctx, a, false)
}

pub(super) fn cipher_final(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    cipher_run(ctx, a, true)
}

/// `(obj, struct utee_object_info *)` on a transient object.
pub(super) fn obj_get_info(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let info = ctx.handles().obj_info(handle(a[0]))?;
    ctx.regions().write(a[1], &info)
}

/// `(obj, usage)`.
pub(super) fn obj_restrict_usage(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().obj_restrict_usage(handle(a[0]), a[1] as u32)
}

/// `(obj)` on a transient object.
pub(super) fn obj_close(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().obj_close(handle(a[0]))
}

/// `(obj)`.
pub(super) fn obj_reset(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    ctx.handles().obj_reset(handle(a[0]))
}

/// `(dst_obj, src_obj)`.
pub(super) fn obj_copy(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let dst = handle(a[0]);
    // Upstream's `syscall_cryp_obj_copy`: a persistent destination is
    // BAD_PARAMETERS; a persistent source gives its stored key and usage.
    if super::storage::is_persistent_object(ctx, a[0]) {
        return Err(TeeError::BadParameters);
    }
    if super::storage::is_persistent_object(ctx, a[1]) {
        return super::storage::on_persistent_key(ctx, a[1], |t, src| t.obj_copy(dst, src));
    }
    ctx.handles().obj_copy(dst, handle(a[1]))
}

/// `(obj_type, max_key_size, u32 *obj)`.
pub(super) fn obj_alloc(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let max_bits = u32::try_from(a[1]).map_err(|_| TeeError::NotSupported)?;
    let h = ctx.handles().obj_alloc(a[0] as u32, max_bits)?;
    write_u32(ctx, a[2], h).inspect_err(|_| {
        let _ = ctx.handles().obj_close(h);
    })
}

/// `(obj, attr_id, buf, u64 *size)`: SHORT_BUFFER with the needed size.
pub(super) fn get_attr(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let value = if super::storage::is_persistent_object(ctx, a[0]) {
        super::storage::on_persistent_key(ctx, a[0], |t, tmp| t.obj_get_attr_value(tmp, a[1] as u32))?
    } else {
        ctx.handles().obj_get_attr_value(handle(a[0]), a[1] as u32)?
    };
    let capacity = read_u64(ctx, a[3])?;
    write_u64(ctx, a[3], value.len() as u64)?;
    if capacity < value.len() as u64 || (a[2] == 0 && !value.is_empty()) {
        return Err(TeeError::ShortBuffer);
    }
    if value.is_empty() { Ok(()) } else { ctx.regions().write(a[2], &value) }
}

/// `copy_in_attrs`: `count` `struct utee_attribute`s at `va`, each buffer
/// copied in.
pub(super) fn read_attrs(ctx: &dyn SyscallContext, va: u64, count: u64) -> Result<Vec<Attr>, TeeError> {
    let size = count.checked_mul(UTEE_ATTRIBUTE_SIZE).ok_or(TeeError::Overflow)?;
    if count > 64 {
        // More attributes than any object type has: refused as upstream's
        // check_attr would (an unknown or repeated attribute).
        return Err(TeeError::ItemNotFound);
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
pub(super) fn populate(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let h = handle(a[0]);
    // Upstream checks the object before it copies the attributes in.
    ctx.handles().obj_info(h)?;
    let attrs = read_attrs(ctx, a[1], a[2])?;
    ctx.handles().obj_populate(h, &attrs)
}

/// `(obj, key_size, struct utee_attribute *params, count)`.
pub(super) fn generate_key(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let h = handle(a[0]);
    ctx.handles().obj_info(h)?;
    let attrs = read_attrs(ctx, a[2], a[3])?;
    let bits = u32::try_from(a[1]).map_err(|_| TeeError::NotSupported)?;
    let mut key = crate::params::try_zeroed(bits.min(4096) as usize / 8).map_err(|_| TeeError::OutOfMemory)?;
    ctx.random(&mut key);
    let mut from = key.iter();
    let r = ctx.handles().obj_generate_key(h, bits, &attrs, &mut |buf| {
        for (b, r) in buf.iter_mut().zip(&mut from) {
            *b = *r;
        }
    });
    key.iter_mut().for_each(|b| *b = 0);
    r
}

/// `(state, nonce, nonce_len, tag_len, aad_len, payload_len)`: `tag_len`
/// in bytes; CCM takes the AAD and payload lengths here, GCM neither.
pub(super) fn authenc_init(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().authenc_init_ready(st)?;
    let nonce = read_in(ctx, a[1], a[2])?;
    ctx.handles().authenc_init(st, &nonce, a[3], a[4], a[5])
}

/// `(state, struct utee_attribute *params, count, derived_obj)`: the state
/// first, then the attributes, then the objects (`syscall_cryp_derive_key`).
pub(super) fn derive_key(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().derive_ready(st)?;
    let attrs = read_attrs(ctx, a[1], a[2])?;
    ctx.handles().derive_key(st, &attrs, handle(a[3]))
}

/// `(state, aad, aad_len)`.
pub(super) fn authenc_update_aad(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().authenc_ready(st, None)?;
    let aad = read_in(ctx, a[1], a[2])?;
    ctx.handles().authenc_update_aad(st, &aad)
}

/// The output capacity `*dst_len` (0 when `dst_len` is NULL) after
/// checking `dst` is writable for it.
fn out_capacity(ctx: &dyn SyscallContext, dst: u64, dst_len: u64) -> Result<u64, TeeError> {
    if dst_len == 0 {
        return Ok(0);
    }
    let cap = read_u64(ctx, dst_len)?;
    check_write(ctx, dst, cap)?;
    Ok(cap)
}

/// `(state, src, src_len, dst, u64 *dst_len)`: as many bytes out as in
/// (GCM streams); SHORT_BUFFER with the needed length otherwise.
pub(super) fn authenc_update_payload(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().authenc_ready(st, None)?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = read_u64(ctx, a[4])?;
    check_write(ctx, a[3], cap)?;
    if cap < a[2] {
        write_u64(ctx, a[4], a[2])?;
        return Err(TeeError::ShortBuffer);
    }
    ctx.handles().authenc_update_payload(st, &mut data)?;
    if !data.is_empty() {
        ctx.regions().write(a[3], &data)?;
    }
    write_u64(ctx, a[4], a[2])
}

/// `(state, src, src_len, dst, u64 *dst_len, tag, u64 *tag_len)`:
/// SHORT_BUFFER (nothing consumed) when `dst` is smaller than `src` or the
/// tag buffer smaller than the tag, with the needed sizes written back.
pub(super) fn authenc_enc_final(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    let tag_len = ctx.handles().authenc_ready(st, Some(MODE_ENCRYPT))? as u64;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = out_capacity(ctx, a[3], a[4])?;
    if cap < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(TeeError::ShortBuffer);
    }
    let tag_cap = read_u64(ctx, a[6])?;
    check_write(ctx, a[5], tag_cap)?;
    if tag_cap < tag_len {
        write_u64(ctx, a[6], tag_len)?;
        return Err(TeeError::ShortBuffer);
    }
    let tag = ctx.handles().authenc_enc_final(st, &mut data)?;
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
pub(super) fn authenc_dec_final(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    let st = handle(a[0]);
    ctx.handles().authenc_ready(st, Some(MODE_DECRYPT))?;
    let mut data = read_in(ctx, a[1], a[2])?;
    let cap = out_capacity(ctx, a[3], a[4])?;
    if cap < a[2] {
        if a[4] != 0 {
            write_u64(ctx, a[4], a[2])?;
        }
        return Err(TeeError::ShortBuffer);
    }
    if a[6] > 16 {
        // Longer than any tag: GCM cannot match it, CCM says BAD_STATE.
        return Err(ctx.handles().authenc_long_tag(st));
    }
    let tag = read_in(ctx, a[5], a[6])?;
    let r = ctx.handles().authenc_dec_final(st, &mut data, &tag);
    if r == Err(TeeError::ShortBuffer) && a[4] != 0 {
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

#[cfg(test)]
mod tests {
    use super::empty_range_ok;
    use crate::user_ta::memory::{Region, Sharing, UserRegions};

    /// One past the end of a 96-byte memref (not page-aligned) is an
    /// empty range upstream accepts (xtest 4017's TEE_CipherDoFinal);
    /// a page no region touches, or a read-only one for writing, is not.
    #[test]
    fn empty_ranges_are_checked_by_page() {
        let memref =
            Region { va: 0x7f40_2000, len: 96, kva: 0x1000, writable: true, sharing: Sharing::SharedNonSecure };
        let ro = Region { va: 0x7f50_0000, len: 16, kva: 0x2000, writable: false, sharing: Sharing::Private };
        let regions = UserRegions(alloc::vec![memref, ro]);
        assert!(empty_range_ok(&regions, 0x7f40_2060, true), "one past the end");
        assert!(empty_range_ok(&regions, 0x7f40_2ff0, false), "same page");
        assert!(empty_range_ok(&regions, 0x7f40_3000, true), "page-aligned: nothing checked");
        assert!(!empty_range_ok(&regions, 0x7f40_3010, false), "no region in the page");
        assert!(!empty_range_ok(&regions, 0x7f50_0010, true), "read-only");
        assert!(empty_range_ok(&regions, 0x7f50_0010, false));
    }
}

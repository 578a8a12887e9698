//! The crypto syscalls (`TEE_SCN_CRYP_*`, `HASH_*`, `CIPHER_*`; upstream
//! `utee_syscalls.h`), as safe wrappers: every pointer passed comes from a
//! Rust reference that lives for the call, with its true length. Handles
//! are the kernel's `u32`s; [`crate::crypto`] wraps them in owning types.

use super::arch::svc;
use crate::error::{TeeError, TeeResult};
use tee_abi::syscall::Syscall;

use tee_abi::utee::UteeAttribute;

/// An attribute for populate / generate-key: a buffer or two values.
#[derive(Clone, Copy, Debug)]
pub enum Attribute<'a> {
    /// A reference attribute (`TEE_InitRefAttribute`).
    Ref(u32, &'a [u8]),
    /// A value attribute (`TEE_InitValueAttribute`; id has bit 29 set).
    Value(u32, u32, u32),
}

/// At most this many attributes per call (no object type has more).
pub const MAX_ATTRS: usize = 8;

pub(super) fn raw_attrs(attrs: &[Attribute<'_>]) -> TeeResult<([UteeAttribute; MAX_ATTRS], usize)> {
    if attrs.len() > MAX_ATTRS {
        return Err(TeeError::BadParameters);
    }
    let mut raw = [UteeAttribute::default(); MAX_ATTRS];
    for (r, a) in raw.iter_mut().zip(attrs) {
        *r = match *a {
            Attribute::Ref(id, buf) => {
                UteeAttribute { a: addr(buf) as u64, b: buf.len() as u64, attribute_id: id, pad: 0 }
            }
            Attribute::Value(id, a, b) => UteeAttribute { a: a.into(), b: b.into(), attribute_id: id, pad: 0 },
        };
    }
    Ok((raw, attrs.len()))
}

/// `struct utee_object_info` (`TEE_ObjectInfo`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    pub object_type: u32,
    /// Key size in bits (0 until populated).
    pub object_size: u32,
    pub max_object_size: u32,
    pub object_usage: u32,
    pub data_size: u32,
    pub data_position: u32,
    pub handle_flags: u32,
}

/// A buffer's address for the kernel: NULL when empty. (A zero-length
/// range at an unmapped, unaligned address, such as an empty slice's
/// dangling pointer, is ACCESS_DENIED in OP-TEE 4.5's access check.)
pub(super) fn addr(buf: &[u8]) -> usize {
    if buf.is_empty() { 0 } else { buf.as_ptr() as usize }
}

pub(super) fn addr_mut(buf: &mut [u8]) -> usize {
    if buf.is_empty() { 0 } else { buf.as_mut_ptr() as usize }
}

pub(super) fn call(nr: Syscall, a: [usize; 8]) -> TeeResult {
    // SAFETY: only reached from the wrappers below, each of which passes
    // integers or pointers into borrows that outlive the call, with their
    // lengths, as syscall `nr` expects.
    TeeError::from_raw(unsafe { svc(nr, a) })
}

/// `_utee_cryp_obj_alloc(type, max_key_size, &obj)`.
pub fn cryp_obj_alloc(obj_type: u32, max_bits: u32) -> TeeResult<u32> {
    let mut h: u32 = 0;
    call(Syscall::CrypObjAlloc, [obj_type as usize, max_bits as usize, &raw mut h as usize, 0, 0, 0, 0, 0]).map(|()| h)
}

/// `_utee_cryp_obj_get_info(obj, &info)`.
pub fn cryp_obj_get_info(obj: u32) -> TeeResult<ObjectInfo> {
    let mut info = ObjectInfo::default();
    call(Syscall::CrypObjGetInfo, [obj as usize, &raw mut info as usize, 0, 0, 0, 0, 0, 0]).map(|()| info)
}

/// `_utee_cryp_obj_restrict_usage(obj, usage)`.
pub fn cryp_obj_restrict_usage(obj: u32, usage: u32) -> TeeResult {
    call(Syscall::CrypObjRestrictUsage, [obj as usize, usage as usize, 0, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_obj_get_attr(obj, id, buf, &size)`: the bytes written, or
/// `(ShortBuffer, needed)`.
pub fn cryp_obj_get_attr(obj: u32, attr_id: u32, buf: &mut [u8]) -> (TeeResult, usize) {
    let mut size = buf.len() as u64;
    let r = call(
        Syscall::CrypObjGetAttr,
        [obj as usize, attr_id as usize, addr_mut(buf), &raw mut size as usize, 0, 0, 0, 0],
    );
    (r, size as usize)
}

/// `_utee_cryp_obj_close(obj)`.
pub fn cryp_obj_close(obj: u32) -> TeeResult {
    call(Syscall::CrypObjClose, [obj as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_obj_reset(obj)`.
pub fn cryp_obj_reset(obj: u32) -> TeeResult {
    call(Syscall::CrypObjReset, [obj as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_obj_populate(obj, attrs, count)`.
pub fn cryp_obj_populate(obj: u32, attrs: &[Attribute<'_>]) -> TeeResult {
    let (raw, n) = raw_attrs(attrs)?;
    call(Syscall::CrypObjPopulate, [obj as usize, raw.as_ptr() as usize, n, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_obj_copy(dst, src)`.
pub fn cryp_obj_copy(dst: u32, src: u32) -> TeeResult {
    call(Syscall::CrypObjCopy, [dst as usize, src as usize, 0, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_obj_generate_key(obj, key_size, params, count)`.
pub fn cryp_obj_generate_key(obj: u32, key_bits: u32, attrs: &[Attribute<'_>]) -> TeeResult {
    let (raw, n) = raw_attrs(attrs)?;
    call(Syscall::CrypObjGenerateKey, [obj as usize, key_bits as usize, raw.as_ptr() as usize, n, 0, 0, 0, 0])
}

/// `_utee_cryp_derive_key(state, params, count, derived_obj)`: derives
/// into the object `derived` with the key of `state` and `attrs`.
pub fn cryp_derive_key(state: u32, attrs: &[Attribute<'_>], derived: u32) -> TeeResult {
    let (raw, n) = raw_attrs(attrs)?;
    call(Syscall::CrypDeriveKey, [state as usize, raw.as_ptr() as usize, n, derived as usize, 0, 0, 0, 0])
}

/// `_utee_cryp_state_alloc(algo, mode, key1, key2, &state)`. Key objects
/// (0 = none) become the state's: the kernel frees them with it.
pub fn cryp_state_alloc(algo: u32, mode: u32, key1: u32, key2: u32) -> TeeResult<u32> {
    let mut h: u32 = 0;
    call(
        Syscall::CrypStateAlloc,
        [algo as usize, mode as usize, key1 as usize, key2 as usize, &raw mut h as usize, 0, 0, 0],
    )
    .map(|()| h)
}

/// `_utee_cryp_state_copy(dst, src)`.
pub fn cryp_state_copy(dst: u32, src: u32) -> TeeResult {
    call(Syscall::CrypStateCopy, [dst as usize, src as usize, 0, 0, 0, 0, 0, 0])
}

/// `_utee_cryp_state_free(state)`.
pub fn cryp_state_free(state: u32) -> TeeResult {
    call(Syscall::CrypStateFree, [state as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_hash_init(state, iv, iv_len)`.
pub fn hash_init(state: u32, iv: &[u8]) -> TeeResult {
    call(Syscall::HashInit, [state as usize, addr(iv), iv.len(), 0, 0, 0, 0, 0])
}

/// `_utee_hash_update(state, chunk, len)`.
pub fn hash_update(state: u32, chunk: &[u8]) -> TeeResult {
    call(Syscall::HashUpdate, [state as usize, addr(chunk), chunk.len(), 0, 0, 0, 0, 0])
}

/// `_utee_hash_final(state, chunk, len, hash, &hash_len)`: the bytes
/// written, or `(ShortBuffer, needed)`.
pub fn hash_final(state: u32, chunk: &[u8], out: &mut [u8]) -> (TeeResult, usize) {
    let mut len = out.len() as u64;
    let r = call(
        Syscall::HashFinal,
        [state as usize, addr(chunk), chunk.len(), addr_mut(out), &raw mut len as usize, 0, 0, 0],
    );
    (r, len as usize)
}

/// `_utee_cipher_init(state, iv, iv_len)`.
pub fn cipher_init(state: u32, iv: &[u8]) -> TeeResult {
    call(Syscall::CipherInit, [state as usize, addr(iv), iv.len(), 0, 0, 0, 0, 0])
}

fn cipher(nr: Syscall, state: u32, src: &[u8], dst: &mut [u8]) -> (TeeResult, usize) {
    let mut len = dst.len() as u64;
    let r = call(nr, [state as usize, addr(src), src.len(), addr_mut(dst), &raw mut len as usize, 0, 0, 0]);
    (r, len as usize)
}

/// `_utee_cipher_update(state, src, len, dst, &dst_len)`: bytes written,
/// or `(ShortBuffer, needed)`.
pub fn cipher_update(state: u32, src: &[u8], dst: &mut [u8]) -> (TeeResult, usize) {
    cipher(Syscall::CipherUpdate, state, src, dst)
}

/// `_utee_cipher_final(state, src, len, dst, &dst_len)`.
pub fn cipher_final(state: u32, src: &[u8], dst: &mut [u8]) -> (TeeResult, usize) {
    cipher(Syscall::CipherFinal, state, src, dst)
}

/// `_utee_authenc_init(state, nonce, nonce_len, tag_len, aad_len,
/// payload_len)`: `tag_len` in bytes.
pub fn authenc_init(state: u32, nonce: &[u8], tag_len: usize, aad_len: usize, payload_len: usize) -> TeeResult {
    call(Syscall::AuthencInit, [state as usize, addr(nonce), nonce.len(), tag_len, aad_len, payload_len, 0, 0])
}

/// `_utee_authenc_update_aad(state, aad, aad_len)`.
pub fn authenc_update_aad(state: u32, aad: &[u8]) -> TeeResult {
    call(Syscall::AuthencUpdateAad, [state as usize, addr(aad), aad.len(), 0, 0, 0, 0, 0])
}

/// `_utee_authenc_update_payload(state, src, len, dst, &dst_len)`: bytes
/// written, or `(ShortBuffer, needed)`.
pub fn authenc_update_payload(state: u32, src: &[u8], dst: &mut [u8]) -> (TeeResult, usize) {
    cipher(Syscall::AuthencUpdatePayload, state, src, dst)
}

/// `_utee_authenc_enc_final(state, src, len, dst, &dst_len, tag, &tag_len)`:
/// the result, bytes written to `dst` and to `tag` (or the sizes needed).
pub fn authenc_enc_final(state: u32, src: &[u8], dst: &mut [u8], tag: &mut [u8]) -> (TeeResult, usize, usize) {
    let mut len = dst.len() as u64;
    let mut tag_len = tag.len() as u64;
    let r = call(
        Syscall::AuthencEncFinal,
        [
            state as usize,
            addr(src),
            src.len(),
            addr_mut(dst),
            &raw mut len as usize,
            addr_mut(tag),
            &raw mut tag_len as usize,
            0,
        ],
    );
    (r, len as usize, tag_len as usize)
}

/// `_utee_authenc_dec_final(state, src, len, dst, &dst_len, tag, tag_len)`:
/// bytes written, or `(ShortBuffer, needed)`; `MacInvalid` on a wrong tag.
pub fn authenc_dec_final(state: u32, src: &[u8], dst: &mut [u8], tag: &[u8]) -> (TeeResult, usize) {
    let mut len = dst.len() as u64;
    let r = call(
        Syscall::AuthencDecFinal,
        [state as usize, addr(src), src.len(), addr_mut(dst), &raw mut len as usize, addr(tag), tag.len(), 0],
    );
    (r, len as usize)
}

//! The asymmetric crypto syscalls `TEE_SCN_ASYMM_OPERATE` and
//! `TEE_SCN_ASYMM_VERIFY` as safe wrappers in the style of [`super::cryp`]
//! (which has DERIVE_KEY): every pointer comes from a borrow that lives
//! for the call, with its true length.

use super::cryp::{Attribute, addr_mut, call, raw_attrs};
use crate::error::TeeResult;
use tee_abi::syscall::Syscall;

/// The address of a message or signature for the kernel: never NULL, even
/// when empty. OP-TEE's Ed25519 refuses a NULL message (BAD_PARAMETERS)
/// where libutee passes the caller's valid pointer, so an empty buffer
/// points at `anchor`, a live byte, with length 0.
fn message_addr(buf: &[u8], anchor: &u8) -> usize {
    if buf.is_empty() { anchor as *const u8 as usize } else { buf.as_ptr() as usize }
}

/// `_utee_asymm_operate(state, params, count, src, src_len, dst,
/// &dst_len)`: bytes written, or `(ShortBuffer, needed)`.
pub fn asymm_operate(state: u32, params: &[Attribute<'_>], src: &[u8], dst: &mut [u8]) -> (TeeResult, usize) {
    let (raw, n) = match raw_attrs(params) {
        Ok(r) => r,
        Err(e) => return (Err(e), 0),
    };
    let anchor = 0u8;
    let mut len = dst.len() as u64;
    let args = [
        state as usize,
        raw.as_ptr() as usize,
        n,
        message_addr(src, &anchor),
        src.len(),
        addr_mut(dst),
        &raw mut len as usize,
        0,
    ];
    let r = call(Syscall::AsymmOperate, args);
    (r, len as usize)
}

/// `_utee_asymm_verify(state, params, count, data, data_len, sig,
/// sig_len)`: `SignatureInvalid` when `sig` does not verify.
pub fn asymm_verify(state: u32, params: &[Attribute<'_>], data: &[u8], sig: &[u8]) -> TeeResult {
    let (raw, n) = raw_attrs(params)?;
    let anchor = 0u8;
    let args = [
        state as usize,
        raw.as_ptr() as usize,
        n,
        message_addr(data, &anchor),
        data.len(),
        message_addr(sig, &anchor),
        sig.len(),
        0,
    ];
    call(Syscall::AsymmVerify, args)
}

//! AES ciphers (`TEE_Cipher*`) and AES-GCM (`TEE_AE*`); the other modes
//! are in [`super::modes`].

use super::{CipherAlgorithm, Mode, State, TransientObject, object_type};
use crate::error::{TeeError, TeeResult};
use crate::sys::cryp as sys;

/// `TEE_ALG_AES_GCM`.
pub use tee_abi::gp::alg::AES_GCM as ALG_AES_GCM;

/// An AES cipher (`TEE_CipherInit` / `TEE_CipherUpdate` / `TEE_CipherDoFinal`).
#[derive(Debug)]
pub struct Cipher {
    pub(super) state: State,
}

impl Cipher {
    /// `key` of 16, 24 or 32 bytes; `iv` of 16 bytes for CBC and CTR
    /// (the initial counter block), ignored by ECB.
    pub fn new(alg: CipherAlgorithm, mode: Mode, key: &[u8], iv: &[u8]) -> TeeResult<Cipher> {
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let state = State::alloc(alg.id(), mode.id(), Some(k))?;
        sys::cipher_init(state.0, iv)?;
        Ok(Cipher { state })
    }

    /// Processes `src` into `dst` (whole blocks for ECB/CBC); returns the
    /// bytes written. `ShortBuffer` if `dst` is shorter than `src`.
    pub fn update(&mut self, src: &[u8], dst: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::cipher_update(self.state.0, src, dst);
        r.map(|()| n)
    }

    /// The last piece.
    pub fn finalize(&mut self, src: &[u8], dst: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::cipher_final(self.state.0, src, dst);
        r.map(|()| n)
    }
}

/// What `TEE_AEInit` of OP-TEE 4.5 (`lib/libutee/tee_api_operations.c`)
/// checks before the syscall: a GCM tag of 96 to 128 bits in whole bytes,
/// `NotSupported` otherwise (returned, not a panic). A short tag makes
/// forgeries cheap; an empty one would "authenticate" anything.
pub fn check_gcm_tag_len(tag_len: usize) -> TeeResult {
    if (12..=16).contains(&tag_len) { Ok(()) } else { Err(TeeError::NotSupported) }
}

/// AES-GCM (`TEE_AEInit` / `TEE_AEUpdateAAD` / `TEE_AEUpdate` /
/// `TEE_AEEncryptFinal` / `TEE_AEDecryptFinal`). Payload updates return
/// what the TEE hands back at once (as many bytes as given, on OP-TEE).
#[derive(Debug)]
pub struct AeCipher {
    pub(super) state: State,
}

impl AeCipher {
    /// AES-GCM with a 16-, 24- or 32-byte `key`, `nonce` (12 bytes the
    /// usual), tags of `tag_len` bytes: 16, 15, 14, 13 or 12 (GP), any
    /// other is `NotSupported`, as libutee's `TEE_AEInit` answers.
    pub fn gcm(mode: Mode, key: &[u8], nonce: &[u8], tag_len: usize) -> TeeResult<AeCipher> {
        check_gcm_tag_len(tag_len)?;
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let state = State::alloc(ALG_AES_GCM, mode.id(), Some(k))?;
        sys::authenc_init(state.0, nonce, tag_len, 0, 0)?;
        Ok(AeCipher { state })
    }

    /// More additional authenticated data (before any payload).
    pub fn update_aad(&mut self, aad: &[u8]) -> TeeResult {
        sys::authenc_update_aad(self.state.0, aad)
    }

    /// Payload `src` into `dst`; bytes written. `ShortBuffer` if `dst` is
    /// shorter than `src`.
    pub fn update(&mut self, src: &[u8], dst: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::authenc_update_payload(self.state.0, src, dst);
        r.map(|()| n)
    }

    /// The last piece and the tag: (bytes written to `dst`, tag length).
    pub fn encrypt_final(&mut self, src: &[u8], dst: &mut [u8], tag: &mut [u8]) -> TeeResult<(usize, usize)> {
        let (r, n, t) = sys::authenc_enc_final(self.state.0, src, dst, tag);
        r.map(|()| (n, t))
    }

    /// The last piece, checked against `tag`: bytes written, or
    /// `MacInvalid`.
    pub fn decrypt_final(&mut self, src: &[u8], dst: &mut [u8], tag: &[u8]) -> TeeResult<usize> {
        let (r, n) = sys::authenc_dec_final(self.state.0, src, dst, tag);
        r.map(|()| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_tag_lengths_as_libutee() {
        for len in 0..=32 {
            let want = if (12..=16).contains(&len) { Ok(()) } else { Err(TeeError::NotSupported) };
            assert_eq!(check_gcm_tag_len(len), want, "{len}-byte tag");
        }
    }
}

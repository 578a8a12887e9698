//! Message digests and MACs (`TEE_Digest*`, `TEE_MAC*`): SHA-1/SHA-2,
//! HMAC and AES-CMAC.

use super::{Algorithm, State, TransientObject, mode, object_type};
use crate::error::{TeeError, TeeResult};
use crate::sys::cryp as sys;

/// A message digest (`TEE_DigestUpdate` / `TEE_DigestDoFinal`).
#[derive(Debug)]
pub struct Digest {
    state: State,
    alg: Algorithm,
}

impl Digest {
    /// A fresh digest.
    pub fn new(alg: Algorithm) -> TeeResult<Digest> {
        let state = State::alloc(alg.digest_id(), mode::DIGEST, None)?;
        sys::hash_init(state.0, &[])?;
        Ok(Digest { state, alg })
    }

    /// Output size in bytes.
    pub fn size(&self) -> usize {
        self.alg.size()
    }

    /// The operation state's handle (for tests of the raw syscalls).
    pub fn handle(&self) -> u32 {
        self.state.0
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) -> TeeResult {
        sys::hash_update(self.state.0, data)
    }

    /// Feeds `last`, writes the digest to `out` and starts over; returns its
    /// size. `ShortBuffer` (nothing consumed) when `out` is too small.
    pub fn finalize(&mut self, last: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        self.state.hash_final_and_restart(last, out)
    }

    /// `TEE_CopyOperation` into a new digest.
    pub fn try_clone(&self) -> TeeResult<Digest> {
        Ok(Digest { state: self.state.try_clone(self.alg.digest_id(), mode::DIGEST, None)?, alg: self.alg })
    }
}

/// `TEE_ALG_AES_CMAC`.
pub use tee_abi::gp::alg::AES_CMAC as ALG_AES_CMAC;

/// A MAC (`TEE_MACInit` / `TEE_MACUpdate` / `TEE_MACComputeFinal`): HMAC
/// over a hash ([`Mac::new`]) or AES-CMAC ([`Mac::aes_cmac`]).
#[derive(Debug)]
pub struct Mac {
    state: State,
    size: usize,
}

impl Mac {
    /// HMAC over `alg` keyed with `key`. A key longer than the hash's
    /// block is hashed first (RFC 2104 section 2: the same MAC), so any
    /// length above OP-TEE's minimum for the key type works (OP-TEE 4.5:
    /// 80 bits for SHA-1, 112 for SHA-224, 192 for SHA-256, 256 for
    /// SHA-384/512; shorter keys are `BadParameters`).
    pub fn new(alg: Algorithm, key: &[u8]) -> TeeResult<Mac> {
        let mut hashed = [0u8; 64];
        let key = if key.len() > alg.block_size() {
            let n = Digest::new(alg)?.finalize(key, &mut hashed)?;
            &hashed[..n]
        } else {
            key
        };
        let k = TransientObject::secret(alg.hmac_key_type(), alg.hmac_max_key_bits(), key)?;
        let state = State::alloc(alg.hmac_id(), mode::MAC, Some(k))?;
        sys::hash_init(state.0, &[])?;
        Ok(Mac { state, size: alg.size() })
    }

    /// AES-CMAC (NIST SP 800-38B) keyed with a 16-, 24- or 32-byte `key`;
    /// 16-byte MACs.
    pub fn aes_cmac(key: &[u8]) -> TeeResult<Mac> {
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let state = State::alloc(ALG_AES_CMAC, mode::MAC, Some(k))?;
        sys::hash_init(state.0, &[])?;
        Ok(Mac { state, size: 16 })
    }

    /// Output size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) -> TeeResult {
        sys::hash_update(self.state.0, data)
    }

    /// Feeds `last`, writes the MAC to `out` and starts over (same key);
    /// returns its size. `ShortBuffer` when `out` is too small.
    pub fn finalize(&mut self, last: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        self.state.hash_final_and_restart(last, out)
    }

    /// Computes the MAC of `last` and compares it with `expected` in
    /// constant time (`TEE_MACCompareFinal`): `MacInvalid` if they differ.
    pub fn verify(&mut self, last: &[u8], expected: &[u8]) -> TeeResult {
        let mut out = [0u8; 64];
        let n = self.finalize(last, &mut out)?;
        let diff = out[..n].iter().zip(expected).fold(0u8, |d, (a, b)| d | (a ^ b));
        if n != expected.len() || diff != 0 { Err(TeeError::MacInvalid) } else { Ok(()) }
    }
}

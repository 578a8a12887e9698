//! Cryptographic operations (GP TEE Internal Core API, chapter 6) over the
//! kernel's operation states and transient objects: message digests, HMAC
//! AES (ECB, CBC, CTR without padding), AES-CMAC and AES-GCM; AES-XTS,
//! -CTS and -CCM in [`modes`], HKDF and PBKDF2 in [`derive`]; RSA,
//! ECDSA/ECDH, Ed25519 and X25519 in [`asym`]. Every handle is owned by a
//! value that frees it on drop.
//!
//! ```ignore
//! use ta_sdk::crypto::{Algorithm, Cipher, CipherAlgorithm, Digest, Mac, Mode};
//!
//! let mut d = Digest::new(Algorithm::Sha256)?;
//! d.update(b"ab")?;
//! let mut out = [0u8; 32];
//! let n = d.finalize(b"c", &mut out)?;          // SHA-256("abc"); d starts over
//!
//! let mut m = Mac::new(Algorithm::Sha256, &[0xaa; 131])?;   // HMAC-SHA-256 (RFC 4231 case 6)
//! m.update(b"Test Using Larger Than Block-Size Key - Hash Key First")?;
//! let n = m.finalize(&[], &mut out)?;
//!
//! let mut c = Cipher::new(CipherAlgorithm::AesCbcNoPad, Mode::Encrypt, &key, &iv)?;
//! let n = c.update(&plain[..16], &mut ct[..16])?;
//! let n = c.finalize(&plain[16..], &mut ct[16..])?;
//! ```
//!
//! Unlike libutee, which buffers partial blocks in the TA, ECB and CBC take
//! whole 16-byte blocks per call (the kernel answers `BadParameters`
//! otherwise); CTR takes any length.

pub mod asym;
pub mod derive;
pub mod modes;

use crate::error::{TeeError, TeeResult};
use crate::sys::cryp::{self as sys, Attribute};

pub use crate::sys::cryp::ObjectInfo;

/// `TEE_ATTR_SECRET_VALUE`.
pub const ATTR_SECRET_VALUE: u32 = 0xC000_0000;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub const HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;

/// `TEE_TYPE_*` of the secret-value objects.
pub mod object_type {
    pub const AES: u32 = 0xA000_0010;
    pub const HMAC_SHA1: u32 = 0xA000_0002;
    pub const HMAC_SHA224: u32 = 0xA000_0003;
    pub const HMAC_SHA256: u32 = 0xA000_0004;
    pub const HMAC_SHA384: u32 = 0xA000_0005;
    pub const HMAC_SHA512: u32 = 0xA000_0006;
    pub const GENERIC_SECRET: u32 = 0xA000_0000;
}

/// `TEE_MODE_*`.
pub mod mode {
    pub const ENCRYPT: u32 = 0;
    pub const DECRYPT: u32 = 1;
    pub const MAC: u32 = 4;
    pub const DIGEST: u32 = 5;
}

/// A hash function: the digest algorithm, and the HMAC built on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    /// All of them, smallest first.
    pub const ALL: [Algorithm; 5] = [Algorithm::Sha1, Algorithm::Sha224, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    fn index(self) -> u32 {
        self.index_const()
    }

    /// `TEE_ALG_SHA*`.
    pub const fn digest_id(self) -> u32 {
        0x5000_0000 | self.index_const()
    }

    /// `TEE_ALG_HMAC_SHA*`.
    pub const fn hmac_id(self) -> u32 {
        0x3000_0000 | self.index_const()
    }

    const fn index_const(self) -> u32 {
        match self {
            Algorithm::Sha1 => 2,
            Algorithm::Sha224 => 3,
            Algorithm::Sha256 => 4,
            Algorithm::Sha384 => 5,
            Algorithm::Sha512 => 6,
        }
    }

    /// The algorithm whose `TEE_ALG_SHA*` or `TEE_ALG_HMAC_SHA*` is `id`.
    pub fn from_id(id: u32) -> Option<Algorithm> {
        let a = Algorithm::ALL.into_iter().find(|a| a.index() == id & 0xff)?;
        (id == a.digest_id() || id == a.hmac_id()).then_some(a)
    }

    /// `TEE_TYPE_HMAC_SHA*`: the key object type of its HMAC.
    pub const fn hmac_key_type(self) -> u32 {
        0xA000_0000 | self.index_const()
    }

    /// The largest HMAC key OP-TEE takes for it, in bits.
    pub const fn hmac_max_key_bits(self) -> u32 {
        match self {
            Algorithm::Sha1 | Algorithm::Sha224 => 512,
            _ => 1024,
        }
    }

    /// Block size in bytes (HMAC hashes longer keys first).
    pub const fn block_size(self) -> usize {
        match self {
            Algorithm::Sha384 | Algorithm::Sha512 => 128,
            _ => 64,
        }
    }

    /// Output size in bytes.
    pub const fn size(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha224 => 28,
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }
}

/// A symmetric cipher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherAlgorithm {
    /// `TEE_ALG_AES_ECB_NOPAD`
    AesEcbNoPad,
    /// `TEE_ALG_AES_CBC_NOPAD`
    AesCbcNoPad,
    /// `TEE_ALG_AES_CTR`
    AesCtr,
    /// `TEE_ALG_AES_CTS` (CBC-CS3; see [`modes`])
    AesCts,
    /// `TEE_ALG_AES_XTS` (two keys: [`Cipher::xts`])
    AesXts,
}

impl CipherAlgorithm {
    /// `TEE_ALG_AES_*`.
    pub const fn id(self) -> u32 {
        match self {
            CipherAlgorithm::AesEcbNoPad => 0x1000_0010,
            CipherAlgorithm::AesCbcNoPad => 0x1000_0110,
            CipherAlgorithm::AesCtr => 0x1000_0210,
            CipherAlgorithm::AesCts => 0x1000_0310,
            CipherAlgorithm::AesXts => 0x1000_0410,
        }
    }

    /// The algorithm whose `TEE_ALG_*` is `id`.
    pub fn from_id(id: u32) -> Option<CipherAlgorithm> {
        [
            CipherAlgorithm::AesEcbNoPad,
            CipherAlgorithm::AesCbcNoPad,
            CipherAlgorithm::AesCtr,
            CipherAlgorithm::AesCts,
            CipherAlgorithm::AesXts,
        ]
        .into_iter()
        .find(|a| a.id() == id)
    }
}

/// Encrypt or decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Encrypt,
    Decrypt,
}

/// A transient object (`TEE_ObjectHandle`), closed on drop.
#[derive(Debug)]
pub struct TransientObject {
    handle: u32,
}

impl TransientObject {
    /// `TEE_AllocateTransientObject(obj_type, max_bits)`.
    pub fn allocate(obj_type: u32, max_bits: u32) -> TeeResult<TransientObject> {
        sys::cryp_obj_alloc(obj_type, max_bits).map(|handle| TransientObject { handle })
    }

    /// A secret-value object of `obj_type` holding `key`, allocated with
    /// `max_bits`.
    pub fn secret(obj_type: u32, max_bits: u32, key: &[u8]) -> TeeResult<TransientObject> {
        let o = TransientObject::allocate(obj_type, max_bits)?;
        o.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, key)])?;
        Ok(o)
    }

    /// The kernel's handle.
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// `TEE_PopulateTransientObject`.
    pub fn populate(&self, attrs: &[Attribute<'_>]) -> TeeResult {
        sys::cryp_obj_populate(self.handle, attrs)
    }

    /// `TEE_GetObjectInfo1`.
    pub fn info(&self) -> TeeResult<ObjectInfo> {
        sys::cryp_obj_get_info(self.handle)
    }

    /// `TEE_ResetTransientObject`.
    pub fn reset(&self) -> TeeResult {
        sys::cryp_obj_reset(self.handle)
    }

    /// `TEE_RestrictObjectUsage1`.
    pub fn restrict_usage(&self, usage: u32) -> TeeResult {
        sys::cryp_obj_restrict_usage(self.handle, usage)
    }

    /// `TEE_GetObjectBufferAttribute`: bytes written to `buf`; `ShortBuffer`
    /// if it does not fit.
    pub fn buffer_attribute(&self, attr_id: u32, buf: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::cryp_obj_get_attr(self.handle, attr_id, buf);
        r.map(|()| n)
    }

    /// `TEE_CopyObjectAttributes1(self, src)`.
    pub fn copy_from(&self, src: &TransientObject) -> TeeResult {
        sys::cryp_obj_copy(self.handle, src.handle)
    }

    /// `TEE_GenerateKey`.
    pub fn generate_key(&self, key_bits: u32) -> TeeResult {
        sys::cryp_obj_generate_key(self.handle, key_bits, &[])
    }

    /// Gives the handle away (to an operation state that now owns it).
    fn into_handle(self) -> u32 {
        let h = self.handle;
        core::mem::forget(self);
        h
    }
}

impl Drop for TransientObject {
    fn drop(&mut self) {
        let _ = sys::cryp_obj_close(self.handle);
    }
}

/// An operation state, freed (with its key objects) on drop.
#[derive(Debug)]
struct State(u32);

impl State {
    fn alloc(algo: u32, mode: u32, key: Option<TransientObject>) -> TeeResult<State> {
        match key {
            None => sys::cryp_state_alloc(algo, mode, 0, 0).map(State),
            Some(k) => {
                // On success the kernel owns the key object (and frees it
                // with the state); on failure `k` is still ours to drop.
                let h = sys::cryp_state_alloc(algo, mode, k.handle, 0)?;
                k.into_handle();
                Ok(State(h))
            }
        }
    }

    fn try_clone(&self, algo: u32, mode: u32, key: Option<TransientObject>) -> TeeResult<State> {
        let s = State::alloc(algo, mode, key)?;
        sys::cryp_state_copy(s.0, self.0)?;
        Ok(s)
    }
}

impl Drop for State {
    fn drop(&mut self) {
        let _ = sys::cryp_state_free(self.0);
    }
}

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
        let (r, n) = sys::hash_final(self.state.0, last, out);
        r?;
        sys::hash_init(self.state.0, &[])?;
        Ok(n)
    }

    /// `TEE_CopyOperation` into a new digest.
    pub fn try_clone(&self) -> TeeResult<Digest> {
        Ok(Digest { state: self.state.try_clone(self.alg.digest_id(), mode::DIGEST, None)?, alg: self.alg })
    }
}

/// `TEE_ALG_AES_CMAC`.
pub const ALG_AES_CMAC: u32 = 0x3000_0610;
/// `TEE_ALG_AES_GCM`.
pub const ALG_AES_GCM: u32 = 0x4000_0810;

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
        let (r, n) = sys::hash_final(self.state.0, last, out);
        r?;
        sys::hash_init(self.state.0, &[])?;
        Ok(n)
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

/// An AES cipher (`TEE_CipherInit` / `TEE_CipherUpdate` / `TEE_CipherDoFinal`).
#[derive(Debug)]
pub struct Cipher {
    state: State,
}

impl Cipher {
    /// `key` of 16, 24 or 32 bytes; `iv` of 16 bytes for CBC and CTR
    /// (the initial counter block), ignored by ECB.
    pub fn new(alg: CipherAlgorithm, mode: Mode, key: &[u8], iv: &[u8]) -> TeeResult<Cipher> {
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let m = match mode {
            Mode::Encrypt => mode::ENCRYPT,
            Mode::Decrypt => mode::DECRYPT,
        };
        let state = State::alloc(alg.id(), m, Some(k))?;
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

/// AES-GCM (`TEE_AEInit` / `TEE_AEUpdateAAD` / `TEE_AEUpdate` /
/// `TEE_AEEncryptFinal` / `TEE_AEDecryptFinal`). Payload updates return
/// what the TEE hands back at once (as many bytes as given, on OP-TEE).
#[derive(Debug)]
pub struct AeCipher {
    state: State,
}

impl AeCipher {
    /// AES-GCM with a 16-, 24- or 32-byte `key`, `nonce` (12 bytes the
    /// usual), tags of `tag_len` bytes (16, 15, 14, 13 or 12 under GP).
    pub fn gcm(mode: Mode, key: &[u8], nonce: &[u8], tag_len: usize) -> TeeResult<AeCipher> {
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let m = match mode {
            Mode::Encrypt => mode::ENCRYPT,
            Mode::Decrypt => mode::DECRYPT,
        };
        let state = State::alloc(ALG_AES_GCM, m, Some(k))?;
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
    fn algorithm_ids_are_upstreams() {
        assert_eq!(Algorithm::Sha256.digest_id(), 0x5000_0004);
        assert_eq!(Algorithm::Sha512.hmac_id(), 0x3000_0006);
        assert_eq!(Algorithm::Sha1.hmac_key_type(), object_type::HMAC_SHA1);
        assert_eq!(Algorithm::from_id(0x3000_0005), Some(Algorithm::Sha384));
        assert_eq!(Algorithm::from_id(0x5000_0002), Some(Algorithm::Sha1));
        assert_eq!(Algorithm::from_id(0x5000_0001), None);
        assert_eq!(Algorithm::from_id(0x1000_0004), None);
        assert_eq!(CipherAlgorithm::from_id(0x1000_0210), Some(CipherAlgorithm::AesCtr));
        assert_eq!(core::mem::size_of::<ObjectInfo>(), 28);
    }
}

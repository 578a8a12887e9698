//! Cryptographic operations (GP TEE Internal Core API, chapter 6) over the
//! kernel's operation states and transient objects: message digests, HMAC
//! AES (ECB, CBC, CTR without padding), AES-CMAC and AES-GCM; AES-XTS,
//! -CTS and -CCM in [`modes`], HKDF and PBKDF2 in [`derive`](mod@derive); RSA,
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
mod cipher;
pub mod derive;
mod hash;
pub mod modes;
mod object;

pub use cipher::{ALG_AES_GCM, AeCipher, Cipher, check_gcm_tag_len};
pub use hash::{ALG_AES_CMAC, Digest, Mac};
pub use object::TransientObject;

use crate::error::TeeResult;
use crate::sys::cryp as sys;

pub use crate::sys::cryp::ObjectInfo;

/// `TEE_ATTR_SECRET_VALUE`.
pub use tee_abi::gp::attr::SECRET_VALUE as ATTR_SECRET_VALUE;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub use tee_abi::gp::handle_flag::INITIALIZED as HANDLE_FLAG_INITIALIZED;
/// The GP identifiers (`TEE_ALG_*`, `TEE_ATTR_*`, `TEE_TYPE_*`, ...): the
/// contract's [`tee_abi::gp`].
pub use tee_abi::gp::{alg, attr, ecc_curve, handle_flag, mode, object_type, operation_class, usage};

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
    pub const ALL: [Algorithm; 5] =
        [Algorithm::Sha1, Algorithm::Sha224, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    fn index(self) -> u32 {
        self.index_const()
    }

    /// `TEE_ALG_SHA*`.
    pub const fn digest_id(self) -> u32 {
        match self {
            Algorithm::Sha1 => alg::SHA1,
            Algorithm::Sha224 => alg::SHA224,
            Algorithm::Sha256 => alg::SHA256,
            Algorithm::Sha384 => alg::SHA384,
            Algorithm::Sha512 => alg::SHA512,
        }
    }

    /// `TEE_ALG_HMAC_SHA*`.
    pub const fn hmac_id(self) -> u32 {
        match self {
            Algorithm::Sha1 => alg::HMAC_SHA1,
            Algorithm::Sha224 => alg::HMAC_SHA224,
            Algorithm::Sha256 => alg::HMAC_SHA256,
            Algorithm::Sha384 => alg::HMAC_SHA384,
            Algorithm::Sha512 => alg::HMAC_SHA512,
        }
    }

    /// The hash's number in GP's algorithm IDs (the low byte of
    /// `TEE_ALG_SHA*`, SHA-1 = 2).
    const fn index_const(self) -> u32 {
        self.digest_id() & 0xff
    }

    /// The algorithm whose `TEE_ALG_SHA*` or `TEE_ALG_HMAC_SHA*` is `id`.
    pub fn from_id(id: u32) -> Option<Algorithm> {
        let a = Algorithm::ALL.into_iter().find(|a| a.index() == id & 0xff)?;
        (id == a.digest_id() || id == a.hmac_id()).then_some(a)
    }

    /// `TEE_TYPE_HMAC_SHA*`: the key object type of its HMAC.
    pub const fn hmac_key_type(self) -> u32 {
        match self {
            Algorithm::Sha1 => object_type::HMAC_SHA1,
            Algorithm::Sha224 => object_type::HMAC_SHA224,
            Algorithm::Sha256 => object_type::HMAC_SHA256,
            Algorithm::Sha384 => object_type::HMAC_SHA384,
            Algorithm::Sha512 => object_type::HMAC_SHA512,
        }
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
            CipherAlgorithm::AesEcbNoPad => alg::AES_ECB_NOPAD,
            CipherAlgorithm::AesCbcNoPad => alg::AES_CBC_NOPAD,
            CipherAlgorithm::AesCtr => alg::AES_CTR,
            CipherAlgorithm::AesCts => alg::AES_CTS,
            CipherAlgorithm::AesXts => alg::AES_XTS,
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

impl Mode {
    /// `TEE_MODE_ENCRYPT` or `TEE_MODE_DECRYPT`.
    pub const fn id(self) -> u32 {
        match self {
            Mode::Encrypt => mode::ENCRYPT,
            Mode::Decrypt => mode::DECRYPT,
        }
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

    /// `HASH_FINAL` of `last` into `out`, then `HASH_INIT` so a digest or
    /// MAC starts over (as GP's `DoFinal` leaves it); the output size.
    fn hash_final_and_restart(&self, last: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::hash_final(self.0, last, out);
        r?;
        sys::hash_init(self.0, &[])?;
        Ok(n)
    }
}

impl Drop for State {
    fn drop(&mut self) {
        let _ = sys::cryp_state_free(self.0);
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

//! Key derivation (`TEE_DeriveKey`): HKDF (RFC 5869) and PBKDF2 (RFC 8018)
//! as OP-TEE's extension algorithms. The input keying material or
//! password is a transient object of its own type; the result is a new
//! `GENERIC_SECRET` object (read it with
//! [`TransientObject::buffer_attribute`] and
//! [`ATTR_SECRET_VALUE`](super::ATTR_SECRET_VALUE)).
//!
//! ```ignore
//! use ta_sdk::crypto::derive::{Derivation, hkdf};
//! use ta_sdk::crypto::{Algorithm, ATTR_SECRET_VALUE};
//!
//! // RFC 5869 test case 1: 42 bytes of OKM.
//! let okm = hkdf(Algorithm::Sha256, &[0x0b; 22], &salt, &info, 42)?;
//! let mut out = [0u8; 42];
//! okm.buffer_attribute(ATTR_SECRET_VALUE, &mut out)?;
//!
//! // PBKDF2-HMAC-SHA1, RFC 6070: 4096 rounds, 20 bytes.
//! let key = Derivation::pbkdf2_sha1(b"password")?.pbkdf2(b"salt", 4096, 20)?;
//! ```

use super::{Algorithm, State, TransientObject, object_type};
use crate::error::TeeResult;
use crate::sys::cryp::{self as sys, Attribute};

// OP-TEE's KDF extensions, under the names TAs of this crate use (the
// numbers are tee_abi::gp's).
/// `TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY`.
pub use tee_abi::gp::alg::PBKDF2_HMAC_SHA1_DERIVE_KEY as ALG_PBKDF2_HMAC_SHA1;
/// The attributes holding their values, and the parameters (OP-TEE's IDs).
pub use tee_abi::gp::attr::{
    HKDF_IKM as ATTR_HKDF_IKM, HKDF_OKM_LENGTH as ATTR_HKDF_OKM_LENGTH, OPTEE_HKDF_INFO as ATTR_HKDF_INFO,
    OPTEE_HKDF_SALT as ATTR_HKDF_SALT, PBKDF2_DKM_LENGTH as ATTR_PBKDF2_DKM_LENGTH,
    PBKDF2_ITERATION_COUNT as ATTR_PBKDF2_ITERATION_COUNT, PBKDF2_PASSWORD as ATTR_PBKDF2_PASSWORD,
    PBKDF2_SALT as ATTR_PBKDF2_SALT,
};
/// `TEE_MODE_DERIVE`.
pub use tee_abi::gp::mode::DERIVE as MODE_DERIVE;
/// `TEE_TYPE_HKDF_IKM`, `TEE_TYPE_PBKDF2_PASSWORD`.
pub use tee_abi::gp::object_type::{HKDF_IKM as TYPE_HKDF_IKM, PBKDF2_PASSWORD as TYPE_PBKDF2_PASSWORD};

/// Largest derived key OP-TEE makes (its KDF key objects hold 512 bytes).
pub const MAX_DERIVED_BYTES: usize = 512;

impl Algorithm {
    /// `TEE_ALG_HKDF_<hash>_DERIVE_KEY`.
    pub const fn hkdf_id(self) -> u32 {
        match self {
            Algorithm::Sha1 => tee_abi::gp::alg::HKDF_SHA1_DERIVE_KEY,
            Algorithm::Sha224 => tee_abi::gp::alg::HKDF_SHA224_DERIVE_KEY,
            Algorithm::Sha256 => tee_abi::gp::alg::HKDF_SHA256_DERIVE_KEY,
            Algorithm::Sha384 => tee_abi::gp::alg::HKDF_SHA384_DERIVE_KEY,
            Algorithm::Sha512 => tee_abi::gp::alg::HKDF_SHA512_DERIVE_KEY,
        }
    }
}

/// A key-derivation operation (`TEE_OperationHandle` in `TEE_MODE_DERIVE`)
/// holding its input key; freed on drop.
#[derive(Debug)]
pub struct Derivation {
    state: State,
}

impl Derivation {
    /// An operation for `algo` over `key` (which it takes over; the TEE
    /// frees it with the operation). Any derivation algorithm the TEE has,
    /// with [`Derivation::derive`] for its attributes.
    pub fn new(algo: u32, key: TransientObject) -> TeeResult<Derivation> {
        Ok(Derivation { state: State::alloc(algo, MODE_DERIVE, Some(key))? })
    }

    /// HKDF over `alg` with input keying material `ikm` (up to 512 bytes).
    pub fn hkdf(alg: Algorithm, ikm: &[u8]) -> TeeResult<Derivation> {
        Derivation::new(alg.hkdf_id(), input_key(TYPE_HKDF_IKM, ATTR_HKDF_IKM, ikm)?)
    }

    /// PBKDF2-HMAC-SHA1 over `password` (up to 512 bytes).
    pub fn pbkdf2_sha1(password: &[u8]) -> TeeResult<Derivation> {
        Derivation::new(ALG_PBKDF2_HMAC_SHA1, input_key(TYPE_PBKDF2_PASSWORD, ATTR_PBKDF2_PASSWORD, password)?)
    }

    /// The kernel's handle (for tests of the raw syscall).
    pub fn handle(&self) -> u32 {
        self.state.0
    }

    /// `TEE_DeriveKey(self, attrs, out)`: `out` must be an uninitialised
    /// `GENERIC_SECRET` object with room for the result, as libutee
    /// demands (it panics otherwise; the TEE itself does not check).
    pub fn derive(&self, attrs: &[Attribute<'_>], out: &TransientObject) -> TeeResult {
        sys::cryp_derive_key(self.state.0, attrs, out.handle())
    }

    fn derive_new(&self, attrs: &[Attribute<'_>], len: usize) -> TeeResult<TransientObject> {
        let out = TransientObject::allocate(object_type::GENERIC_SECRET, (len.max(1) * 8) as u32)?;
        self.derive(attrs, &out)?;
        Ok(out)
    }

    /// HKDF-Extract and -Expand: `len` bytes (up to 512) from `salt` (empty:
    /// HashLen zero bytes) and `info`, as a new `GENERIC_SECRET` object.
    pub fn hkdf_expand(&self, salt: &[u8], info: &[u8], len: usize) -> TeeResult<TransientObject> {
        let attrs = [
            Attribute::Ref(ATTR_HKDF_SALT, salt),
            Attribute::Ref(ATTR_HKDF_INFO, info),
            Attribute::Value(ATTR_HKDF_OKM_LENGTH, len as u32, 0),
        ];
        self.derive_new(&attrs, len)
    }

    /// PBKDF2: `len` bytes (up to 512) from `salt` in `iterations` rounds,
    /// as a new `GENERIC_SECRET` object.
    pub fn pbkdf2(&self, salt: &[u8], iterations: u32, len: usize) -> TeeResult<TransientObject> {
        let attrs = [
            Attribute::Ref(ATTR_PBKDF2_SALT, salt),
            Attribute::Value(ATTR_PBKDF2_ITERATION_COUNT, iterations, 0),
            Attribute::Value(ATTR_PBKDF2_DKM_LENGTH, len as u32, 0),
        ];
        self.derive_new(&attrs, len)
    }
}

/// A KDF's input key object of `obj_type` holding `value` in `attr` (its
/// own value attribute; sized to the value, at least one byte's worth).
fn input_key(obj_type: u32, attr: u32, value: &[u8]) -> TeeResult<TransientObject> {
    let k = TransientObject::allocate(obj_type, (value.len() as u32 * 8).max(8))?;
    k.populate(&[Attribute::Ref(attr, value)])?;
    Ok(k)
}

/// HKDF in one call: `len` bytes of output keying material.
pub fn hkdf(alg: Algorithm, ikm: &[u8], salt: &[u8], info: &[u8], len: usize) -> TeeResult<TransientObject> {
    Derivation::hkdf(alg, ikm)?.hkdf_expand(salt, info, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_ids_are_upstreams() {
        assert_eq!(Algorithm::Sha1.hkdf_id(), 0x8000_20C0);
        assert_eq!(Algorithm::Sha512.hkdf_id(), 0x8000_60C0);
    }
}

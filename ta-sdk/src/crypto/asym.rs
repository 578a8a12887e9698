//! Asymmetric cryptography (GP TEE Internal Core API 6.6 and 6.8): RSA,
//! ECDSA, Ed25519 signatures over a digest or message, RSA encryption, and
//! ECDH / X25519 key agreement, over the kernel's asymmetric key objects.
//!
//! Keys are [`TransientObject`]s built from attributes
//! ([`TransientObject::with_attributes`]) or generated
//! ([`TransientObject::generate`]); an [`AsymmetricOperation`] or a
//! [`KeyDerivation`] takes one over and frees it with itself.
//!
//! Signing and verifying (the digest is the caller's to compute):
//!
//! ```ignore
//! use ta_sdk::crypto::asym::{alg, attr, AsymmetricOperation, AsymMode, ecc_curve};
//! use ta_sdk::crypto::asym::object_type as ty;
//! use ta_sdk::sys::cryp::Attribute;
//!
//! let key = TransientObject::generate(ty::ECDSA_KEYPAIR, 256, &[Attribute::Value(attr::ECC_CURVE, ecc_curve::NIST_P256, 0)])?;
//! let public = TransientObject::allocate(ty::ECDSA_PUBLIC_KEY, 256)?;
//! public.copy_from(&key)?;
//! let signer = AsymmetricOperation::new(alg::ECDSA_SHA256, AsymMode::Sign, key)?;
//! let mut sig = [0u8; 64];
//! let n = signer.sign_digest(&[], &digest, &mut sig)?;
//! AsymmetricOperation::new(alg::ECDSA_SHA256, AsymMode::Verify, public)?.verify_digest(&[], &digest, &sig[..n])?;
//! ```
//!
//! RSA-OAEP encryption with a key from its published attributes:
//!
//! ```ignore
//! let key = TransientObject::with_attributes(ty::RSA_PUBLIC_KEY, 1024,
//!     &[Attribute::Ref(attr::RSA_MODULUS, &n), Attribute::Ref(attr::RSA_PUBLIC_EXPONENT, &e)])?;
//! let op = AsymmetricOperation::new(alg::RSAES_PKCS1_OAEP_MGF1_SHA1, AsymMode::Encrypt, key)?;
//! let written = op.encrypt(&[], b"message", &mut ct)?;   // Err(e) with e.needed on ShortBuffer
//! ```
//!
//! X25519 agreement into a generic secret:
//!
//! ```ignore
//! let mine = TransientObject::generate(ty::X25519_KEYPAIR, 256, &[])?;
//! let kd = KeyDerivation::new(alg::X25519, mine)?;
//! let secret = TransientObject::allocate(crate::crypto::object_type::GENERIC_SECRET, 256)?;
//! kd.derive(&[Attribute::Ref(attr::X25519_PUBLIC_VALUE, &peer)], &secret)?;
//! ```

use super::{State, TransientObject};
use crate::error::{TeeError, TeeResult};
use crate::sys::cryp::{self as sys, Attribute};
use crate::sys::cryp_asym;
use tee_abi::gp::mode;

/// The GP identifiers of the asymmetric keys and algorithms ([`tee_abi::gp`]).
pub use tee_abi::gp::{alg, attr, ecc_curve, object_type};

/// What an [`AsymmetricOperation`] does (`TEE_MODE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsymMode {
    Encrypt,
    Decrypt,
    Sign,
    Verify,
}

impl AsymMode {
    /// `TEE_MODE_*`.
    pub const fn id(self) -> u32 {
        match self {
            AsymMode::Encrypt => mode::ENCRYPT,
            AsymMode::Decrypt => mode::DECRYPT,
            AsymMode::Sign => mode::SIGN,
            AsymMode::Verify => mode::VERIFY,
        }
    }
}

/// An error from an operation that writes output: with `ShortBuffer`,
/// `needed` is the output size the TEE asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputError {
    pub error: TeeError,
    pub needed: usize,
}

impl From<OutputError> for TeeError {
    fn from(e: OutputError) -> TeeError {
        e.error
    }
}

impl From<TeeError> for OutputError {
    fn from(error: TeeError) -> OutputError {
        OutputError { error, needed: 0 }
    }
}

impl TransientObject {
    /// `TEE_AllocateTransientObject` + `TEE_PopulateTransientObject`: a key
    /// of `obj_type` (at most `max_bits`) from `attrs`.
    pub fn with_attributes(obj_type: u32, max_bits: u32, attrs: &[Attribute<'_>]) -> TeeResult<TransientObject> {
        let o = TransientObject::allocate(obj_type, max_bits)?;
        o.populate(attrs)?;
        Ok(o)
    }

    /// `TEE_AllocateTransientObject` + `TEE_GenerateKey`: a fresh key of
    /// `bits` bits; `params` such as the RSA public exponent or the ECC
    /// curve.
    pub fn generate(obj_type: u32, bits: u32, params: &[Attribute<'_>]) -> TeeResult<TransientObject> {
        let o = TransientObject::allocate(obj_type, bits)?;
        o.generate_key_with(bits, params)?;
        Ok(o)
    }

    /// `TEE_GenerateKey` with parameters.
    pub fn generate_key_with(&self, key_bits: u32, params: &[Attribute<'_>]) -> TeeResult {
        sys::cryp_obj_generate_key(self.handle, key_bits, params)
    }

    /// `TEE_GetObjectValueAttribute`: `(a, b)`.
    pub fn value_attribute(&self, attr_id: u32) -> TeeResult<(u32, u32)> {
        let mut buf = [0u8; 8];
        let (r, _) = sys::cryp_obj_get_attr(self.handle, attr_id, &mut buf);
        r?;
        let word = |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
        Ok((word(0), word(4)))
    }

    /// `TEE_GetObjectBufferAttribute` reporting the size needed with
    /// `ShortBuffer`.
    pub fn buffer_attribute_sized(&self, attr_id: u32, buf: &mut [u8]) -> Result<usize, OutputError> {
        let (r, n) = sys::cryp_obj_get_attr(self.handle, attr_id, buf);
        r.map(|()| n).map_err(|error| OutputError { error, needed: n })
    }
}

/// An asymmetric cipher or signature operation (`TEE_AsymmetricEncrypt`,
/// `TEE_AsymmetricDecrypt`, `TEE_AsymmetricSignDigest`,
/// `TEE_AsymmetricVerifyDigest`); freed with its key on drop.
#[derive(Debug)]
pub struct AsymmetricOperation {
    state: State,
}

impl AsymmetricOperation {
    /// `TEE_AllocateOperation` + `TEE_SetOperationKey`: the TEE checks that
    /// `key` suits `algorithm` and `mode` (`BadParameters` otherwise).
    pub fn new(algorithm: u32, mode: AsymMode, key: TransientObject) -> TeeResult<AsymmetricOperation> {
        Ok(AsymmetricOperation { state: State::alloc(algorithm, mode.id(), Some(key))? })
    }

    fn operate(&self, params: &[Attribute<'_>], src: &[u8], dst: &mut [u8]) -> Result<usize, OutputError> {
        let (r, n) = cryp_asym::asymm_operate(self.state.0, params, src, dst);
        r.map(|()| n).map_err(|error| OutputError { error, needed: n })
    }

    /// Encrypts `src` into `dst`: bytes written.
    pub fn encrypt(&self, params: &[Attribute<'_>], src: &[u8], dst: &mut [u8]) -> Result<usize, OutputError> {
        self.operate(params, src, dst)
    }

    /// Decrypts `src` into `dst`: bytes written.
    pub fn decrypt(&self, params: &[Attribute<'_>], src: &[u8], dst: &mut [u8]) -> Result<usize, OutputError> {
        self.operate(params, src, dst)
    }

    /// Signs `digest` (the whole message for Ed25519) into `sig`: bytes
    /// written.
    pub fn sign_digest(&self, params: &[Attribute<'_>], digest: &[u8], sig: &mut [u8]) -> Result<usize, OutputError> {
        self.operate(params, digest, sig)
    }

    /// Checks `sig` over `digest`: `SignatureInvalid` if it does not match.
    pub fn verify_digest(&self, params: &[Attribute<'_>], digest: &[u8], sig: &[u8]) -> TeeResult {
        cryp_asym::asymm_verify(self.state.0, params, digest, sig)
    }
}

/// A key derivation (`TEE_DeriveKey`): ECDH or X25519 with the own key
/// pair given at creation; freed with it on drop.
#[derive(Debug)]
pub struct KeyDerivation {
    state: State,
}

impl KeyDerivation {
    /// `TEE_AllocateOperation(algorithm, TEE_MODE_DERIVE)` with `key`.
    pub fn new(algorithm: u32, key: TransientObject) -> TeeResult<KeyDerivation> {
        Ok(KeyDerivation { state: State::alloc(algorithm, mode::DERIVE, Some(key))? })
    }

    /// Derives into the (secret-value) object `derived`; `params` carry the
    /// peer's public key.
    pub fn derive(&self, params: &[Attribute<'_>], derived: &TransientObject) -> TeeResult {
        sys::cryp_derive_key(self.state.0, params, derived.handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_upstreams() {
        assert_eq!(AsymMode::Sign.id(), 2);
        assert_eq!(AsymMode::Verify.id(), 3);
        assert_eq!(alg::ECDSA_SHA256 & 0xff, 0x42, "GP 1.3 IDs, not __OPTEE_ALG_ECDSA_P256");
        assert_eq!(object_type::ED25519_KEYPAIR, 0xA100_0043);
        assert_eq!(attr::ECC_CURVE & attr::FLAG_VALUE, attr::FLAG_VALUE);
        let e: TeeError = OutputError { error: TeeError::ShortBuffer, needed: 64 }.into();
        assert_eq!(e, TeeError::ShortBuffer);
    }
}

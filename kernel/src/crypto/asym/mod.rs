//! Asymmetric keys and operations (RSA, ECDSA/ECDH on NIST P-256/384/521,
//! Ed25519, X25519) for the utee crypto service, with OP-TEE 4.5's
//! semantics and error codes (`core/tee/tee_svc_cryp.c` and its
//! libtomcrypt glue, `core/lib/libtomcrypt/{rsa,ecc,ed25519,x25519}.c`).
//!
//! Keys are transient objects whose attributes live in an [`AsymKey`];
//! the crypto objects of the RustCrypto crates are built per operation
//! from those bytes. Operations are one-shot: a state only remembers
//! algorithm, mode and key.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::state::{Engine, OpState};
use super::{Attr, CryptoState, HANDLE_FLAG_INITIALIZED, Object};

pub mod attrs;
pub mod curve25519;
pub mod dh;
pub mod dsa;
pub mod ecc;
mod ecc_generic;
mod monty;
pub mod prime;
pub mod rng;
pub mod rsa;
pub mod sm2;
pub mod sm2_kep;

pub use attrs::AsymKey;

pub use tee_abi::gp::object_type::ECDH_KEYPAIR as TYPE_ECDH_KEYPAIR;
pub use tee_abi::gp::object_type::ECDH_PUBLIC_KEY as TYPE_ECDH_PUBLIC_KEY;
pub use tee_abi::gp::object_type::ECDSA_KEYPAIR as TYPE_ECDSA_KEYPAIR;
pub use tee_abi::gp::object_type::ECDSA_PUBLIC_KEY as TYPE_ECDSA_PUBLIC_KEY;
pub use tee_abi::gp::object_type::ED25519_KEYPAIR as TYPE_ED25519_KEYPAIR;
pub use tee_abi::gp::object_type::ED25519_PUBLIC_KEY as TYPE_ED25519_PUBLIC_KEY;
pub use tee_abi::gp::object_type::RSA_KEYPAIR as TYPE_RSA_KEYPAIR;
/// `TEE_TYPE_*` (`tee_api_defines.h`).
pub use tee_abi::gp::object_type::RSA_PUBLIC_KEY as TYPE_RSA_PUBLIC_KEY;
pub use tee_abi::gp::object_type::X25519_KEYPAIR as TYPE_X25519_KEYPAIR;
pub use tee_abi::gp::object_type::X25519_PUBLIC_KEY as TYPE_X25519_PUBLIC_KEY;

pub use tee_abi::gp::attr::ECC_CURVE as ATTR_ECC_CURVE;
pub use tee_abi::gp::attr::ECC_PRIVATE_VALUE as ATTR_ECC_PRIVATE_VALUE;
pub use tee_abi::gp::attr::ECC_PUBLIC_VALUE_X as ATTR_ECC_PUBLIC_VALUE_X;
pub use tee_abi::gp::attr::ECC_PUBLIC_VALUE_Y as ATTR_ECC_PUBLIC_VALUE_Y;
pub use tee_abi::gp::attr::ED25519_PRIVATE_VALUE as ATTR_ED25519_PRIVATE_VALUE;
pub use tee_abi::gp::attr::ED25519_PUBLIC_VALUE as ATTR_ED25519_PUBLIC_VALUE;
pub use tee_abi::gp::attr::EDDSA_CTX as ATTR_EDDSA_CTX;
pub use tee_abi::gp::attr::EDDSA_PREHASH as ATTR_EDDSA_PREHASH;
pub use tee_abi::gp::attr::RSA_COEFFICIENT as ATTR_RSA_COEFFICIENT;
pub use tee_abi::gp::attr::RSA_EXPONENT1 as ATTR_RSA_EXPONENT1;
pub use tee_abi::gp::attr::RSA_EXPONENT2 as ATTR_RSA_EXPONENT2;
/// `TEE_ATTR_*`.
pub use tee_abi::gp::attr::RSA_MODULUS as ATTR_RSA_MODULUS;
pub use tee_abi::gp::attr::RSA_OAEP_LABEL as ATTR_RSA_OAEP_LABEL;
pub use tee_abi::gp::attr::RSA_OAEP_MGF_HASH as ATTR_RSA_OAEP_MGF_HASH;
pub use tee_abi::gp::attr::RSA_PRIME1 as ATTR_RSA_PRIME1;
pub use tee_abi::gp::attr::RSA_PRIME2 as ATTR_RSA_PRIME2;
pub use tee_abi::gp::attr::RSA_PRIVATE_EXPONENT as ATTR_RSA_PRIVATE_EXPONENT;
pub use tee_abi::gp::attr::RSA_PSS_SALT_LENGTH as ATTR_RSA_PSS_SALT_LENGTH;
pub use tee_abi::gp::attr::RSA_PUBLIC_EXPONENT as ATTR_RSA_PUBLIC_EXPONENT;
pub use tee_abi::gp::attr::X25519_PRIVATE_VALUE as ATTR_X25519_PRIVATE_VALUE;
pub use tee_abi::gp::attr::X25519_PUBLIC_VALUE as ATTR_X25519_PUBLIC_VALUE;

pub use tee_abi::gp::ecc_curve::CURVE_25519 as ECC_CURVE_25519;
/// `TEE_ECC_CURVE_*`.
pub use tee_abi::gp::ecc_curve::NIST_P192 as ECC_CURVE_NIST_P192;
pub use tee_abi::gp::ecc_curve::NIST_P224 as ECC_CURVE_NIST_P224;
pub use tee_abi::gp::ecc_curve::NIST_P256 as ECC_CURVE_NIST_P256;
pub use tee_abi::gp::ecc_curve::NIST_P384 as ECC_CURVE_NIST_P384;
pub use tee_abi::gp::ecc_curve::NIST_P521 as ECC_CURVE_NIST_P521;
pub use tee_abi::gp::ecc_curve::SM2 as ECC_CURVE_SM2;

pub use tee_abi::gp::alg::ECDH_DERIVE_SHARED_SECRET as ALG_ECDH_DERIVE_SHARED_SECRET;
pub use tee_abi::gp::alg::ED25519 as ALG_ED25519;
/// `TEE_ALG_*` of the asymmetric algorithms.
pub use tee_abi::gp::alg::RSA_NOPAD as ALG_RSA_NOPAD;
pub use tee_abi::gp::alg::RSAES_PKCS1_V1_5 as ALG_RSAES_PKCS1_V1_5;
pub use tee_abi::gp::alg::X25519 as ALG_X25519;

/// `TEE_MODE_*` beyond the symmetric ones.
pub use tee_abi::gp::mode::SIGN as MODE_SIGN;
pub use tee_abi::gp::mode::VERIFY as MODE_VERIFY;

/// `TEE_MAIN_ALGO_*` of the asymmetric families.
const MAIN_RSA: u32 = 0x30;
const MAIN_DSA: u32 = 0x31;
const MAIN_DH: u32 = 0x32;
const MAIN_ECDSA: u32 = 0x41;
const MAIN_ECDH: u32 = 0x42;
const MAIN_ED25519: u32 = 0x43;
const MAIN_X25519: u32 = 0x44;
/// `TEE_MAIN_ALGO_SM2_*` (`utee_defines.h`, 4.5.0).
const MAIN_SM2_DSA: u32 = 0x45;
const MAIN_SM2_KEP: u32 = 0x46;
const MAIN_SM2_PKE: u32 = 0x47;

/// Whether `obj_type` is one of the asymmetric types handled here
/// (including `X25519_PUBLIC_KEY`, which upstream 4.5 refuses to
/// allocate: [`attrs::props`] has no row for it).
pub fn is_asym_type(obj_type: u32) -> bool {
    matches!(
        obj_type & 0xff,
        MAIN_RSA | MAIN_DSA | MAIN_DH | MAIN_ECDSA | MAIN_ECDH | MAIN_ED25519 | MAIN_X25519 | 0x45..=0x47
    ) && obj_type >> 24 & 0xfe == 0xA0
}

/// `translate_compat_algo`: the deprecated `__OPTEE_ALG_ECDSA_P*` and
/// `ECDH_P*` identifiers (main algorithm 0x41 / 0x42 with the curve in the
/// hash field) become `ECDSA_SHA*` / `ECDH_DERIVE_SHARED_SECRET`.
pub fn translate_compat(algo: u32) -> u32 {
    match algo {
        0x7000_1041..=0x7000_5041 if algo & 0x0fff == 0x041 => algo + 1,
        0x8000_1042..=0x8000_5042 if algo & 0x0fff == 0x042 => ALG_ECDH_DERIVE_SHARED_SECRET,
        _ => algo,
    }
}

/// `TEE_ALG_GET_MAIN_ALG`: the low byte, except for `ECDSA_SHA*`, whose
/// low byte (0x42) is ECDH's.
fn main_alg(algo: u32) -> u32 {
    match algo {
        tee_abi::gp::alg::SM2_PKE => MAIN_SM2_PKE,
        tee_abi::gp::alg::SM2_KEP => MAIN_SM2_KEP,
        0x7000_1042..=0x7000_5042 if algo & 0x0fff == 0x042 => MAIN_ECDSA,
        _ => algo & 0xff,
    }
}

/// Whether `algo` (after [`translate_compat`]) is handled here.
pub fn is_asym_algo(algo: u32) -> bool {
    let class = if algo == rsa::ALG_RSASSA_PKCS1_V1_5_NA1 { 7 } else { algo >> 28 };
    matches!(class, 6..=8)
        && matches!(
            main_alg(algo),
            MAIN_RSA | MAIN_DSA | MAIN_DH | MAIN_ECDSA | MAIN_ECDH | MAIN_ED25519 | MAIN_X25519 | MAIN_SM2_DSA
        )
        // GP's HKDF shares SM2_PKE's low byte (0x47).
        || algo == tee_abi::gp::alg::SM2_PKE
        || algo == tee_abi::gp::alg::SM2_KEP
}

/// `tee_svc_cryp_check_key_type` for the asymmetric families.
fn key_type_fits(obj_type: u32, algo: u32, mode: u32) -> bool {
    let (want, also) = match main_alg(algo) {
        MAIN_RSA => {
            (TYPE_RSA_KEYPAIR, (mode == super::MODE_ENCRYPT || mode == MODE_VERIFY).then_some(TYPE_RSA_PUBLIC_KEY))
        }
        MAIN_ECDSA => (TYPE_ECDSA_KEYPAIR, (mode == MODE_VERIFY).then_some(TYPE_ECDSA_PUBLIC_KEY)),
        MAIN_ECDH => (TYPE_ECDH_KEYPAIR, None),
        MAIN_DH => (tee_abi::gp::object_type::DH_KEYPAIR, None),
        // Upstream: the public key alone for encrypt and verify.
        MAIN_SM2_PKE if mode == super::MODE_ENCRYPT => (tee_abi::gp::object_type::SM2_PKE_PUBLIC_KEY, None),
        MAIN_SM2_PKE => (tee_abi::gp::object_type::SM2_PKE_KEYPAIR, None),
        MAIN_SM2_DSA if mode == MODE_VERIFY => (tee_abi::gp::object_type::SM2_DSA_PUBLIC_KEY, None),
        MAIN_SM2_DSA => (tee_abi::gp::object_type::SM2_DSA_KEYPAIR, None),
        MAIN_SM2_KEP => (tee_abi::gp::object_type::SM2_KEP_KEYPAIR, Some(tee_abi::gp::object_type::SM2_KEP_PUBLIC_KEY)),
        MAIN_DSA => (
            tee_abi::gp::object_type::DSA_KEYPAIR,
            (mode == MODE_VERIFY).then_some(tee_abi::gp::object_type::DSA_PUBLIC_KEY),
        ),
        MAIN_ED25519 => (TYPE_ED25519_KEYPAIR, (mode == MODE_VERIFY).then_some(TYPE_ED25519_PUBLIC_KEY)),
        MAIN_X25519 => (TYPE_X25519_KEYPAIR, None),
        _ => return false,
    };
    obj_type == want || Some(obj_type) == also
}

impl CryptoState {
    /// `CRYP_OBJ_ALLOC` of an asymmetric type.
    pub(super) fn asym_obj_alloc(&mut self, obj_type: u32, max_bits: u32) -> Result<u32, TeeError> {
        let props = attrs::props(obj_type).ok_or(TeeError::NotSupported)?;
        props.check_size(max_bits)?;
        self.insert(Object::new(obj_type, max_bits, 0))
    }

    /// `CRYP_OBJ_POPULATE` of an (uninitialised) asymmetric object.
    pub(super) fn asym_populate(&mut self, h: u32, attrs: &[Attr]) -> Result<(), TeeError> {
        let o = self.obj_mut(h)?;
        let props = attrs::props(o.obj_type).ok_or(TeeError::NotImplemented)?;
        props.check_attrs(attrs, false)?;
        let mut key = Box::<AsymKey>::default();
        let bits = props.populate(&mut key, attrs, o.max_bits)?;
        o.asym = Some(key);
        o.key_bits = bits;
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_GET_ATTR`: the bytes of attribute `attr_id`, for every
    /// object type (secret values through [`CryptoState::obj_get_attr`]).
    pub fn obj_get_attr_value(&self, h: u32, attr_id: u32) -> Result<Vec<u8>, TeeError> {
        let o = self.obj(h).map_err(|_| TeeError::ItemNotFound)?;
        if !is_asym_type(o.obj_type) {
            return self.obj_get_attr(h, attr_id).map(<[u8]>::to_vec);
        }
        if !o.initialized() {
            return Err(TeeError::BadParameters);
        }
        // A secret attribute only from an extractable key.
        if attr_id & super::ATTR_FLAG_PUBLIC == 0 && o.usage & super::USAGE_EXTRACTABLE == 0 {
            return Err(TeeError::BadParameters);
        }
        let props = attrs::props(o.obj_type).ok_or(TeeError::BadState)?;
        let key = o.asym.as_deref().ok_or(TeeError::ItemNotFound)?;
        props.get(key, attr_id)
    }

    /// `tee_obj_attr_copy_from` for asymmetric objects: same type, or
    /// the public half of the matching keypair.
    pub(super) fn asym_copy(&mut self, dst: u32, src: u32) -> Result<(), TeeError> {
        let s = self.obj(src)?;
        let d = self.obj(dst)?;
        let dp = attrs::props(d.obj_type).ok_or(TeeError::BadState)?;
        let public_of = d.obj_type | 0x0100_0000;
        if s.obj_type != d.obj_type && (d.obj_type == public_of || s.obj_type != public_of) {
            return Err(TeeError::BadParameters);
        }
        let sk = s.asym.as_deref().ok_or(TeeError::BadParameters)?;
        let mut key = Box::<AsymKey>::default();
        for a in dp.attrs {
            if let Some(v) = sk.get(a.id) {
                key.set(a.id, v.to_vec());
            }
        }
        let (bits, usage) = (s.key_bits, s.usage);
        let d = self.obj_mut(dst)?;
        d.asym = Some(key);
        d.key_bits = bits;
        d.usage = usage;
        d.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_GENERATE_KEY` of an asymmetric keypair.
    pub(super) fn asym_generate(&mut self, h: u32, key_bits: u32, params: &[Attr]) -> Result<(), TeeError> {
        let o = self.obj_mut(h)?;
        if o.initialized() {
            return Err(TeeError::BadState);
        }
        let props = attrs::props(o.obj_type).ok_or(TeeError::NotSupported)?;
        props.check_size(key_bits)?;
        props.check_attrs(params, true)?;
        let mut key = Box::<AsymKey>::default();
        props.populate(&mut key, params, o.max_bits)?;
        match o.obj_type {
            TYPE_RSA_KEYPAIR => rsa::generate(&mut key, key_bits)?,
            TYPE_ECDSA_KEYPAIR | TYPE_ECDH_KEYPAIR => ecc::generate(&mut key, key_bits)?,
            TYPE_ED25519_KEYPAIR => curve25519::ed25519_generate(&mut key),
            tee_abi::gp::object_type::DH_KEYPAIR => dh::generate(&mut key, key_bits)?,
            tee_abi::gp::object_type::DSA_KEYPAIR => dsa::generate(&mut key, key_bits)?,
            tee_abi::gp::object_type::SM2_DSA_KEYPAIR
            | tee_abi::gp::object_type::SM2_PKE_KEYPAIR
            | tee_abi::gp::object_type::SM2_KEP_KEYPAIR => sm2::generate(&mut key),
            TYPE_X25519_KEYPAIR => curve25519::x25519_generate(&mut key),
            _ => return Err(TeeError::BadFormat),
        }
        o.asym = Some(key);
        o.key_bits = key_bits;
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_STATE_ALLOC` for an asymmetric algorithm (already passed
    /// through [`translate_compat`]).
    pub(super) fn asym_state_alloc(&mut self, algo: u32, mode: u32, key1: u32, key2: u32) -> Result<u32, TeeError> {
        for k in [key1, key2] {
            if k != 0 {
                let o = self.obj(k)?;
                if o.busy || !key_type_fits(o.obj_type, algo, mode) {
                    return Err(TeeError::BadParameters);
                }
            }
        }
        // SM2 KEP takes our key pair and our ephemeral one (upstream
        // `syscall_cryp_state_alloc`), the others one key.
        let kep = algo == tee_abi::gp::alg::SM2_KEP;
        if key1 == 0 || (key2 != 0) != kep {
            return Err(TeeError::BadParameters);
        }
        // Derivations (ECDH, X25519, DH, SM2 KEP) go through the derive
        // dispatch.
        let derives = (algo >> 28 == 8 && algo != tee_abi::gp::alg::SM2_PKE) || kep;
        let engine = if derives { Engine::Derive } else { Engine::Asym };
        let h = self.insert(OpState { algo, mode, key1, key2, initialized: false, engine })?;
        for k in [key1, key2] {
            if let Some(o) = self.get_mut::<Object>(k) {
                o.busy = true;
            }
        }
        Ok(h)
    }

    /// The algorithm, mode and initialised key of an asymmetric state;
    /// `uninit` is the code for a key not yet initialised.
    fn asym_state(&self, h: u32, uninit: TeeError) -> Result<(u32, u32, &Object), TeeError> {
        let s = self.state(h)?;
        let o = self.obj(s.key1)?;
        if !o.initialized() {
            return Err(uninit);
        }
        Ok((s.algo, s.mode, o))
    }

    /// The checks `ASYMM_OPERATE` makes before it reads anything.
    pub fn asym_operate_ready(&self, h: u32) -> Result<(), TeeError> {
        self.state(h).map(|_| ())
    }

    /// `ASYMM_OPERATE`: encrypt, decrypt or sign `src`; `cap` is the
    /// caller's output capacity. `Err((code, needed))` carries the size to
    /// report with SHORT_BUFFER.
    pub fn asym_operate(&self, h: u32, params: &[Attr], src: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
        let (algo, mode, o) = self.asym_state(h, TeeError::Generic).map_err(|e| (e, 0))?;
        let key = o.asym.as_deref().ok_or((TeeError::Generic, 0))?;
        match main_alg(algo) {
            MAIN_RSA => rsa::operate(algo, mode, key, params, src, cap),
            MAIN_ECDSA if mode == MODE_SIGN => ecc::sign(algo, key, src, cap),
            MAIN_DSA if mode == MODE_SIGN => dsa::sign(algo, key, src, cap),
            MAIN_SM2_DSA if mode == MODE_SIGN => sm2::sign(key, src, cap),
            MAIN_SM2_PKE if mode == super::MODE_ENCRYPT => sm2::encrypt(key, src, cap),
            MAIN_SM2_PKE if mode == super::MODE_DECRYPT => sm2::decrypt(key, src, cap),
            MAIN_ED25519 if mode == MODE_SIGN => curve25519::ed25519_sign(key, params, src, cap),
            _ => Err((TeeError::BadParameters, 0)),
        }
    }

    /// `ASYMM_VERIFY`: SIGNATURE_INVALID when `sig` does not verify.
    pub fn asym_verify(&self, h: u32, params: &[Attr], data: &[u8], sig: &[u8]) -> Result<(), TeeError> {
        let (algo, _, o) = self.asym_state(h, TeeError::BadParameters)?;
        let key = o.asym.as_deref().ok_or(TeeError::BadParameters)?;
        match main_alg(algo) {
            MAIN_RSA => rsa::verify(algo, key, params, data, sig),
            MAIN_ECDSA => ecc::verify(algo, key, data, sig),
            MAIN_DSA => dsa::verify(algo, key, data, sig),
            MAIN_SM2_DSA => sm2::verify(key, data, sig),
            MAIN_ED25519 => curve25519::ed25519_verify(key, params, data, sig),
            _ => Err(TeeError::NotSupported),
        }
    }

    /// The mode `ASYMM_VERIFY` needs, checked first.
    pub fn asym_verify_ready(&self, h: u32) -> Result<(), TeeError> {
        if self.state(h)?.mode != MODE_VERIFY {
            return Err(TeeError::BadParameters);
        }
        Ok(())
    }
}

/// `CRYP_DERIVE_KEY` for ECDH and X25519: the shared secret of the
/// state's key pair `key` and the peer's public key in `params`. `None`
/// when `algo` is neither (the derive dispatch tries the KDFs then).
pub fn derive_shared(algo: u32, key: &Object, params: &[Attr]) -> Option<Result<Vec<u8>, TeeError>> {
    let agree = |k: &AsymKey| {
        let mut secret = match algo {
            ALG_X25519 => curve25519::x25519_derive(k, params)?,
            tee_abi::gp::alg::DH_DERIVE_SHARED_SECRET => dh::derive(k, params)?,
            _ => ecc::derive(k, params)?,
        };
        // Moved out; the emptied Zeroizing wipes nothing more.
        Ok(core::mem::take(&mut *secret))
    };
    match algo {
        ALG_ECDH_DERIVE_SHARED_SECRET | ALG_X25519 | tee_abi::gp::alg::DH_DERIVE_SHARED_SECRET => {
            Some(key.asym.as_deref().ok_or(TeeError::BadParameters).and_then(agree))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

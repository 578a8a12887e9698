//! Key derivation (`TEE_SCN_CRYP_DERIVE_KEY`, syscall 32) as OP-TEE 4.5's
//! `syscall_cryp_derive_key` does it: the operation state's key object and
//! the call's attributes give secret bytes, which become the value of the
//! derived (GENERIC_SECRET) object. [`derive_secret`] dispatches on the
//! algorithm: one arm per algorithm, each returning the secret; HKDF,
//! Concat KDF and PBKDF2 (OP-TEE extensions,
//! `tee_api_defines_extensions.h`) are here,
//! key agreement (ECDH, X25519) plugs in the same way.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::kdf::{self, KdfError};
use super::object::secret_props;
use super::ops::HashKind;
use super::{Attr, CryptoState, HANDLE_FLAG_INITIALIZED, Object};

/// `TEE_OPERATION_KEY_DERIVATION` (`TEE_ALG_GET_CLASS`).
pub use tee_abi::gp::operation_class::KEY_DERIVATION as CLASS_KEY_DERIVATION;

/// GP 1.3's `TEE_ALG_HKDF`: the hash from `TEE_ATTR_HKDF_HASH_ALGORITHM`,
/// read as upstream reads it (a main-hash number; no usable default).
pub use tee_abi::gp::alg::HKDF as ALG_HKDF;
/// `TEE_ALG_HKDF_<hash>_DERIVE_KEY`: `0x800010C0 | main hash << 12`.
pub use tee_abi::gp::alg::HKDF_SHA1_DERIVE_KEY as ALG_HKDF_SHA1_DERIVE_KEY;
pub use tee_abi::gp::alg::HKDF_SHA256_DERIVE_KEY as ALG_HKDF_SHA256_DERIVE_KEY;
/// `TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY`.
pub use tee_abi::gp::alg::PBKDF2_HMAC_SHA1_DERIVE_KEY as ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY;
/// `TEE_ALG_SHA256`, GP's default hash for `TEE_ALG_HKDF`.
use tee_abi::gp::alg::SHA256 as ALG_SHA256;

pub use tee_abi::gp::attr::CONCAT_KDF_Z as ATTR_CONCAT_KDF_Z;
pub use tee_abi::gp::attr::HKDF_IKM as ATTR_HKDF_IKM;
pub use tee_abi::gp::attr::PBKDF2_PASSWORD as ATTR_PBKDF2_PASSWORD;
/// The key object types of the KDFs and the attribute holding each one's
/// value (populate takes that attribute, not `TEE_ATTR_SECRET_VALUE`).
pub use tee_abi::gp::object_type::CONCAT_KDF_Z as TYPE_CONCAT_KDF_Z;
pub use tee_abi::gp::object_type::HKDF_IKM as TYPE_HKDF_IKM;
pub use tee_abi::gp::object_type::PBKDF2_PASSWORD as TYPE_PBKDF2_PASSWORD;

use tee_abi::gp::attr::HKDF_HASH_ALGORITHM as ATTR_GP_HKDF_HASH_ALGORITHM;
use tee_abi::gp::attr::HKDF_INFO as ATTR_GP_HKDF_INFO;
pub use tee_abi::gp::attr::HKDF_OKM_LENGTH as ATTR_HKDF_OKM_LENGTH;
use tee_abi::gp::attr::HKDF_SALT as ATTR_GP_HKDF_SALT;
use tee_abi::gp::attr::KDF_KEY_SIZE as ATTR_GP_KDF_KEY_SIZE;
pub use tee_abi::gp::attr::OPTEE_HKDF_INFO as ATTR_HKDF_INFO;
/// HKDF parameters: OP-TEE's IDs and GP 1.3's, both taken.
pub use tee_abi::gp::attr::OPTEE_HKDF_SALT as ATTR_HKDF_SALT;

/// Concat KDF parameters.
pub use tee_abi::gp::attr::CONCAT_KDF_DKM_LENGTH as ATTR_CONCAT_KDF_DKM_LENGTH;
pub use tee_abi::gp::attr::CONCAT_KDF_OTHER_INFO as ATTR_CONCAT_KDF_OTHER_INFO;

pub use tee_abi::gp::attr::PBKDF2_DKM_LENGTH as ATTR_PBKDF2_DKM_LENGTH;
pub use tee_abi::gp::attr::PBKDF2_ITERATION_COUNT as ATTR_PBKDF2_ITERATION_COUNT;
/// PBKDF2 parameters.
pub use tee_abi::gp::attr::PBKDF2_SALT as ATTR_PBKDF2_SALT;

/// More PBKDF2 work than this, in HMAC computations (rounds times output
/// blocks, [`kdf::pbkdf2_work`]), is refused (NOT_SUPPORTED). The rounds
/// pass preemption points, so interrupts wait no longer for it, but one
/// call still holds a thread: upstream takes any `u32` count and any
/// length, hours of work. A bound on the rounds alone would let a 512-byte
/// output cost 26 times as much as a 20-byte one; this is the work of
/// 2^20 rounds for one block, about a second on real hardware.
pub const PBKDF2_MAX_WORK: u64 = 1 << 20;

/// `TEE_ALG_GET_MAIN_ALG` of the KDFs (0xC0 HKDF, 0xC1 Concat KDF,
/// 0xC2 PBKDF2).
fn kdf_main(algo: u32) -> Option<u32> {
    if algo == ALG_HKDF {
        return Some(0xC0);
    }
    let main = algo & 0xff;
    (algo >> 28 == CLASS_KEY_DERIVATION && (0xC0..=0xC2).contains(&main)).then_some(main)
}

/// The key object type `tee_svc_cryp_check_key_type` wants for a KDF.
pub fn key_type(algo: u32) -> Option<u32> {
    match kdf_main(algo)? {
        0xC0 => Some(TYPE_HKDF_IKM),
        0xC1 => Some(TYPE_CONCAT_KDF_Z),
        _ => Some(TYPE_PBKDF2_PASSWORD),
    }
}

/// The value attribute of the KDF key types.
pub fn secret_attr(obj_type: u32) -> Option<u32> {
    match obj_type {
        TYPE_HKDF_IKM => Some(ATTR_HKDF_IKM),
        TYPE_CONCAT_KDF_Z => Some(ATTR_CONCAT_KDF_Z),
        TYPE_PBKDF2_PASSWORD => Some(ATTR_PBKDF2_PASSWORD),
        _ => None,
    }
}

/// The secret `algo` derives from `key` (the state's key object) and the
/// call's `attrs`. NOT_SUPPORTED for an algorithm none of the arms takes.
pub fn derive_secret(algo: u32, key: &Object, attrs: &[Attr]) -> Result<Vec<u8>, TeeError> {
    // Key agreement: ECDH and X25519 (`asym`).
    if let Some(shared) = super::asym::derive_shared(algo, key, attrs) {
        return shared;
    }
    match kdf_main(algo) {
        Some(0xC0) => hkdf(algo, key, attrs),
        Some(0xC1) => concat_kdf(algo, key, attrs),
        Some(_) => pbkdf2(algo, key, attrs),
        None => Err(TeeError::NotSupported),
    }
}

/// A value attribute's `a`.
fn value_a(a: &Attr) -> u32 {
    a.data.get(..4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// `TEE_ALG_GET_DIGEST_HASH` (bits 12..15) as a hash; MD5 (1) is not
/// built here.
fn digest_hash(main_hash: u32) -> Result<HashKind, TeeError> {
    HashKind::from_main(main_hash).ok_or(TeeError::NotSupported)
}

/// `get_hkdf_params` + `tee_cryp_hkdf`: the first of each attribute
/// counts, an unknown one is BAD_PARAMETERS, the length is required and
/// at most the key object's capacity.
fn hkdf(algo: u32, key: &Object, attrs: &[Attr]) -> Result<Vec<u8>, TeeError> {
    let mut hash = if algo == ALG_HKDF { None } else { Some(algo >> 12 & 0xf) };
    let (mut salt, mut info, mut len) = (None, None, None);
    for a in attrs {
        match a.id {
            ATTR_HKDF_SALT | ATTR_GP_HKDF_SALT => salt = salt.or(Some(&a.data[..])),
            ATTR_HKDF_INFO | ATTR_GP_HKDF_INFO => info = info.or(Some(&a.data[..])),
            ATTR_HKDF_OKM_LENGTH | ATTR_GP_KDF_KEY_SIZE => len = len.or(Some(value_a(a))),
            ATTR_GP_HKDF_HASH_ALGORITHM => hash = hash.or(Some(value_a(a))),
            _ => return Err(TeeError::BadParameters),
        }
    }
    let len = len.ok_or(TeeError::BadParameters)? as usize;
    if len > key.capacity {
        return Err(TeeError::BadParameters);
    }
    // GP's TEE_ALG_HKDF: upstream takes TEE_ATTR_HKDF_HASH_ALGORITHM's
    // value as a main-hash number (4 for SHA-256) and defaults to
    // TEE_ALG_SHA256 itself, which is no such number: NOT_SUPPORTED then.
    let hash = digest_hash(hash.unwrap_or(ALG_SHA256))?;
    let mut okm = crate::params::try_zeroed(len).map_err(|_| TeeError::OutOfMemory)?;
    kdf::hkdf(hash, &key.secret, salt.unwrap_or_default(), info.unwrap_or_default(), &mut okm).map_err(
        |e| match e {
            KdfError::OutputTooLong => TeeError::BadParameters,
        },
    )?;
    Ok(okm)
}

/// `get_concat_kdf_params` + `tee_cryp_concat_kdf` (optee_os 4.5.0
/// `core/tee/tee_svc_cryp.c`): the first of each attribute counts, an
/// unknown one is BAD_PARAMETERS, the length is required and at most the
/// key object's capacity; OtherInfo is optional.
fn concat_kdf(algo: u32, key: &Object, attrs: &[Attr]) -> Result<Vec<u8>, TeeError> {
    let (mut info, mut len) = (None, None);
    for a in attrs {
        match a.id {
            ATTR_CONCAT_KDF_OTHER_INFO => info = info.or(Some(&a.data[..])),
            ATTR_CONCAT_KDF_DKM_LENGTH => len = len.or(Some(value_a(a))),
            _ => return Err(TeeError::BadParameters),
        }
    }
    let len = len.ok_or(TeeError::BadParameters)? as usize;
    if len > key.capacity {
        return Err(TeeError::BadParameters);
    }
    let hash = digest_hash(algo >> 12 & 0xf)?;
    let mut out = crate::params::try_zeroed(len).map_err(|_| TeeError::OutOfMemory)?;
    kdf::concat_kdf(hash, &key.secret, info.unwrap_or_default(), &mut out);
    Ok(out)
}

/// `get_pbkdf2_params` + `tee_cryp_pbkdf2`: length and iteration count
/// required, salt optional.
fn pbkdf2(algo: u32, key: &Object, attrs: &[Attr]) -> Result<Vec<u8>, TeeError> {
    let (mut salt, mut len, mut count) = (None, None, None);
    for a in attrs {
        match a.id {
            ATTR_PBKDF2_SALT => salt = salt.or(Some(&a.data[..])),
            ATTR_PBKDF2_DKM_LENGTH => len = len.or(Some(value_a(a))),
            ATTR_PBKDF2_ITERATION_COUNT => count = count.or(Some(value_a(a))),
            _ => return Err(TeeError::BadParameters),
        }
    }
    let (Some(len), Some(count)) = (len, count) else {
        return Err(TeeError::BadParameters);
    };
    if len as usize > key.capacity {
        return Err(TeeError::BadParameters);
    }
    let hash = digest_hash(algo >> 12 & 0xf)?;
    if kdf::pbkdf2_work(hash, count, len as usize) > PBKDF2_MAX_WORK {
        return Err(TeeError::NotSupported);
    }
    let mut out = crate::params::try_zeroed(len as usize).map_err(|_| TeeError::OutOfMemory)?;
    kdf::pbkdf2(hash, &key.secret, salt.unwrap_or_default(), count, &mut out);
    Ok(out)
}

impl CryptoState {
    /// The check `CRYP_DERIVE_KEY` makes before it reads the attributes:
    /// the state exists (BAD_PARAMETERS otherwise).
    pub fn derive_ready(&self, h: u32) -> Result<(), TeeError> {
        self.state(h).map(|_| ())
    }

    /// `CRYP_DERIVE_KEY` after the attributes were copied in: the state's
    /// key and the derived object must exist (BAD_STATE), the derived one
    /// be of a secret-value type (NOT_SUPPORTED) and have room for the
    /// secret (BAD_PARAMETERS, where upstream would write past it). As
    /// upstream, neither the derived object's state nor its size is
    /// checked or set (libutee checks GENERIC_SECRET, uninitialised).
    pub fn derive_key(&mut self, h: u32, attrs: &[Attr], derived: u32) -> Result<(), TeeError> {
        let s = self.state(h)?;
        let algo = s.algo;
        let key = self.obj(s.key1)?;
        let capacity = self.obj(derived)?.capacity;
        if secret_props(self.obj(derived)?.obj_type).is_none() {
            return Err(TeeError::NotSupported);
        }
        let secret = if algo == tee_abi::gp::alg::SM2_KEP {
            // Our ephemeral key pair is the state's second key; the key
            // is as many bytes as the output's maximum size in bits
            // (upstream's `out_len = so->info.maxObjectSize`).
            let eph = self.obj(s.key2)?.asym.as_deref().ok_or(TeeError::BadParameters)?;
            let mine = key.asym.as_deref().ok_or(TeeError::BadParameters)?;
            let out_len = self.obj(derived)?.max_bits as usize;
            let mut k = super::asym::sm2_kep::derive(mine, eph, attrs, out_len)?;
            core::mem::take(&mut *k)
        } else {
            derive_secret(algo, key, attrs)?
        };
        if secret.len() > capacity {
            return Err(TeeError::BadParameters);
        }
        let d = self.obj_mut(derived)?;
        d.wipe();
        d.secret = secret;
        d.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;
    use crate::crypto::testing::{bytes, populated, value};
    use crate::crypto::{TYPE_AES, TYPE_GENERIC_SECRET};
    use alloc::vec;

    use tee_abi::gp::mode::DERIVE as MODE_DERIVE;

    /// A derive state over a key of `ty` holding `value` in `attr`.
    fn state(st: &mut CryptoState, algo: u32, ty: u32, attr: u32, value: &[u8]) -> u32 {
        let k = populated(st, ty, 4096, &[bytes(attr, value)]);
        st.state_alloc(algo, MODE_DERIVE, k, 0).unwrap()
    }

    /// RFC 5869 test case 1 (HKDF-SHA-256) through a state.
    #[test]
    fn hkdf_through_a_state() {
        let mut st = CryptoState::new();
        let s = state(&mut st, ALG_HKDF_SHA256_DERIVE_KEY, TYPE_HKDF_IKM, ATTR_HKDF_IKM, &[0x0b; 22]);
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 4096).unwrap();
        let attrs = [
            bytes(ATTR_HKDF_SALT, &hex("000102030405060708090a0b0c")),
            bytes(ATTR_HKDF_INFO, &hex("f0f1f2f3f4f5f6f7f8f9")),
            value(ATTR_HKDF_OKM_LENGTH, 42),
        ];
        st.derive_key(s, &attrs, out).unwrap();
        let want = hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        assert_eq!(st.obj_get_attr(out, crate::crypto::ATTR_SECRET_VALUE).unwrap(), &want[..]);
        // The length is required; unknown attributes are refused; the
        // output fits the key object's 512 bytes and the derived object.
        assert_eq!(st.derive_key(s, &attrs[..2], out), Err(TeeError::BadParameters));
        assert_eq!(st.derive_key(s, &[value(ATTR_PBKDF2_DKM_LENGTH, 4)], out), Err(TeeError::BadParameters));
        assert_eq!(st.derive_key(s, &[value(ATTR_HKDF_OKM_LENGTH, 513)], out), Err(TeeError::BadParameters));
        let small = st.obj_alloc(TYPE_AES, 128).unwrap();
        assert_eq!(st.derive_key(s, &[value(ATTR_HKDF_OKM_LENGTH, 42)], small), Err(TeeError::BadParameters));
        assert_eq!(st.derive_key(s, &[value(ATTR_HKDF_OKM_LENGTH, 16)], 0x7777), Err(TeeError::BadState));
        assert_eq!(st.derive_key(0x7777, &[], out), Err(TeeError::BadParameters));
        // A key of the wrong type, a second key: BAD_PARAMETERS at alloc.
        let g = st.obj_alloc(TYPE_GENERIC_SECRET, 128).unwrap();
        assert_eq!(st.state_alloc(ALG_HKDF_SHA256_DERIVE_KEY, MODE_DERIVE, g, 0), Err(TeeError::BadParameters));
        // The IKM type takes its own attribute, not TEE_ATTR_SECRET_VALUE.
        let ikm = st.obj_alloc(TYPE_HKDF_IKM, 256).unwrap();
        assert_eq!(
            st.obj_populate(ikm, &[bytes(crate::crypto::ATTR_SECRET_VALUE, &[1; 8])]),
            Err(TeeError::ItemNotFound)
        );
    }

    /// GP's TEE_ALG_HKDF as OP-TEE 4.5 runs it: no hash given is
    /// NOT_SUPPORTED, main hash 4 is SHA-256 (RFC 5869 test case 1).
    #[test]
    fn gp_hkdf_as_upstream() {
        let mut st = CryptoState::new();
        let s = state(&mut st, ALG_HKDF, TYPE_HKDF_IKM, ATTR_HKDF_IKM, &[0x0b; 22]);
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 4096).unwrap();
        let mut attrs = vec![
            bytes(ATTR_GP_HKDF_SALT, &hex("000102030405060708090a0b0c")),
            bytes(ATTR_GP_HKDF_INFO, &hex("f0f1f2f3f4f5f6f7f8f9")),
            value(ATTR_GP_KDF_KEY_SIZE, 42),
        ];
        assert_eq!(st.derive_key(s, &attrs, out), Err(TeeError::NotSupported));
        attrs.push(value(ATTR_GP_HKDF_HASH_ALGORITHM, 4));
        st.derive_key(s, &attrs, out).unwrap();
        let want = hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        assert_eq!(st.obj_get_attr(out, crate::crypto::ATTR_SECRET_VALUE).unwrap(), &want[..]);
    }

    /// RFC 7518 appendix C's Concat KDF (SHA-256) through a state, with
    /// upstream's parameter rules.
    #[test]
    fn concat_kdf_through_a_state() {
        let z = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128,
            106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let info = [
            0, 0, 0, 7, 65, 49, 50, 56, 71, 67, 77, 0, 0, 0, 5, 65, 108, 105, 99, 101, 0, 0, 0, 3, 66, 111, 98, 0, 0,
            0, 128,
        ];
        let mut st = CryptoState::new();
        let algo = tee_abi::gp::alg::CONCAT_KDF_SHA256_DERIVE_KEY;
        let s = state(&mut st, algo, TYPE_CONCAT_KDF_Z, ATTR_CONCAT_KDF_Z, &z);
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 4096).unwrap();
        let attrs = [bytes(ATTR_CONCAT_KDF_OTHER_INFO, &info), value(ATTR_CONCAT_KDF_DKM_LENGTH, 16)];
        st.derive_key(s, &attrs, out).unwrap();
        assert_eq!(
            st.obj_get_attr(out, crate::crypto::ATTR_SECRET_VALUE).unwrap(),
            &[86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26][..]
        );
        assert_eq!(st.derive_key(s, &attrs[..1], out), Err(TeeError::BadParameters), "no length");
        assert_eq!(st.derive_key(s, &[value(ATTR_HKDF_OKM_LENGTH, 4)], out), Err(TeeError::BadParameters));
        assert_eq!(st.derive_key(s, &[value(ATTR_CONCAT_KDF_DKM_LENGTH, 513)], out), Err(TeeError::BadParameters));
        assert_eq!(st.derive_key(s, &[value(ATTR_CONCAT_KDF_DKM_LENGTH, 100)], out), Ok(()), "no OtherInfo");
        // The Z type takes its own attribute; other key types are refused.
        let zobj = st.obj_alloc(TYPE_CONCAT_KDF_Z, 256).unwrap();
        assert_eq!(
            st.obj_populate(zobj, &[bytes(crate::crypto::ATTR_SECRET_VALUE, &[1; 8])]),
            Err(TeeError::ItemNotFound)
        );
        let g = st.obj_alloc(TYPE_GENERIC_SECRET, 128).unwrap();
        assert_eq!(st.state_alloc(algo, MODE_DERIVE, g, 0), Err(TeeError::BadParameters));
    }

    /// RFC 6070's 4096-round PBKDF2-HMAC-SHA1 case through a state.
    #[test]
    fn pbkdf2_through_a_state() {
        let mut st = CryptoState::new();
        let s =
            state(&mut st, ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY, TYPE_PBKDF2_PASSWORD, ATTR_PBKDF2_PASSWORD, b"password");
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 4096).unwrap();
        let attrs = [
            bytes(ATTR_PBKDF2_SALT, b"salt"),
            value(ATTR_PBKDF2_ITERATION_COUNT, 4096),
            value(ATTR_PBKDF2_DKM_LENGTH, 20),
        ];
        st.derive_key(s, &attrs, out).unwrap();
        assert_eq!(
            st.obj_get_attr(out, crate::crypto::ATTR_SECRET_VALUE).unwrap(),
            &hex("4b007901b765489abead49d926f721d065a429c1")[..]
        );
        assert_eq!(st.derive_key(s, &attrs[..2], out), Err(TeeError::BadParameters), "no length");
        assert_eq!(st.derive_key(s, &[attrs[2].clone()], out), Err(TeeError::BadParameters), "no count");
        let many =
            [value(ATTR_PBKDF2_ITERATION_COUNT, (PBKDF2_MAX_WORK + 1) as u32), value(ATTR_PBKDF2_DKM_LENGTH, 20)];
        assert_eq!(st.derive_key(s, &many, out), Err(TeeError::NotSupported));
    }

    /// The PBKDF2 bound counts output blocks too: 2^20 rounds are fine for
    /// one SHA-1 block (20 bytes), not for 512 bytes (26 blocks, 26 times
    /// the work); the rounds a long output may have scale down.
    #[test]
    fn pbkdf2_work_bound_counts_output_blocks() {
        let mut st = CryptoState::new();
        let s =
            state(&mut st, ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY, TYPE_PBKDF2_PASSWORD, ATTR_PBKDF2_PASSWORD, b"password");
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 4096).unwrap();
        let ask = |st: &mut CryptoState, count: u32, len: u32| {
            st.derive_key(s, &[value(ATTR_PBKDF2_ITERATION_COUNT, count), value(ATTR_PBKDF2_DKM_LENGTH, len)], out)
        };
        assert_eq!(kdf::pbkdf2_work(HashKind::Sha1, 1 << 20, 512), 26 << 20);
        assert_eq!(ask(&mut st, 1 << 20, 512), Err(TeeError::NotSupported));
        assert_eq!(ask(&mut st, (PBKDF2_MAX_WORK / 26 + 1) as u32, 512), Err(TeeError::NotSupported));
        assert_eq!(ask(&mut st, 4, 512), Ok(()));
        // Rounds pass preemption points (one per 256 and per block).
        let before = crate::thread::preempt::points();
        assert_eq!(ask(&mut st, 4096, 40), Ok(()));
        assert!(crate::thread::preempt::points() - before >= 2 * 4096 / 256, "PBKDF2 rounds without preemption points");
    }
}

//! `CMD_DERIVE` and the checks of key derivation's error codes.

use ta_sdk::crypto::derive::*;
use ta_sdk::crypto::{ATTR_SECRET_VALUE, Algorithm, HANDLE_FLAG_INITIALIZED, TransientObject, alg, attr, object_type};
use ta_sdk::sys::cryp::{self as sys, Attribute};
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult};

use crate::{Step, expect, ok, that};

/// `CMD_DERIVE` (VALUE_INPUT a = `TEE_ALG_HKDF_*_DERIVE_KEY` or
/// `TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY`, b = output length; MEMREF_INPUT
/// IKM or password; MEMREF_INPUT salt length (u32 LE) ‖ iteration count
/// (u32 LE, PBKDF2) ‖ salt ‖ info (HKDF); MEMREF_OUTPUT the derived key).
pub fn derive(p: &mut Params<'_>) -> TeeResult {
    p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput])?;
    let v = p.value_input(0)?;
    let key = p.memref_input(1)?;
    let extra = p.memref_input(2)?;
    let word = |i: usize| extra.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (salt_len, rounds) =
        (word(0).ok_or(TeeError::BadParameters)? as usize, word(4).ok_or(TeeError::BadParameters)?);
    let (salt, info) = extra[8..].split_at_checked(salt_len).ok_or(TeeError::BadParameters)?;
    let len = v.b as usize;
    let out = if v.a == ALG_PBKDF2_HMAC_SHA1 {
        Derivation::pbkdf2_sha1(key)?.pbkdf2(salt, rounds, len)?
    } else {
        let alg = Algorithm::ALL.into_iter().find(|a| a.hkdf_id() == v.a).ok_or(TeeError::NotSupported)?;
        hkdf(alg, key, salt, info, len)?
    };
    let mut buf = [0u8; MAX_DERIVED_BYTES];
    let n = out.buffer_attribute(ATTR_SECRET_VALUE, &mut buf)?;
    p.memref_output(3)?.write(&buf[..n])
}

fn secret_out(step: u32, bits: u32) -> Result<TransientObject, Step> {
    ok(step, TransientObject::allocate(object_type::GENERIC_SECRET, bits))
}

/// HKDF: the length is required, unknown attributes refused, at most 512
/// bytes; the key type must be HKDF_IKM; what the derived object says.
pub fn check_hkdf() -> Result<(), Step> {
    let d = ok(1, Derivation::hkdf(Algorithm::Sha256, &[0x0b; 22]))?;
    let out = secret_out(2, 4096)?;
    let salt = [0u8; 13];
    expect(3, d.derive(&[Attribute::Ref(ATTR_HKDF_SALT, &salt)], &out), Err(TeeError::BadParameters))?;
    expect(4, d.derive(&[Attribute::Value(ATTR_PBKDF2_DKM_LENGTH, 16, 0)], &out), Err(TeeError::BadParameters))?;
    expect(5, d.derive(&[Attribute::Value(ATTR_HKDF_OKM_LENGTH, 513, 0)], &out), Err(TeeError::BadParameters))?;
    ok(6, d.derive(&[Attribute::Value(ATTR_HKDF_OKM_LENGTH, 42, 0)], &out))?;
    let i = ok(7, out.info())?;
    that(8, i.object_type == object_type::GENERIC_SECRET && i.handle_flags == HANDLE_FLAG_INITIALIZED)?;
    // OP-TEE 4.5 leaves the derived object's size as it was (0).
    that(9, i.object_size == 0)?;
    let mut buf = [0u8; 64];
    that(10, ok(11, out.buffer_attribute(ATTR_SECRET_VALUE, &mut buf))? == 42)?;
    // An unknown state: BAD_PARAMETERS; an unknown derived object: BAD_STATE.
    expect(12, sys::cryp_derive_key(0x7ffe, &[], out.handle()), Err(TeeError::BadParameters))?;
    expect(
        13,
        sys::cryp_derive_key(d.handle(), &[Attribute::Value(ATTR_HKDF_OKM_LENGTH, 4, 0)], 0x7ffe),
        Err(TeeError::BadState),
    )?;
    // The IKM is a key of its own type.
    let g = ok(14, TransientObject::secret(object_type::GENERIC_SECRET, 256, &[1; 32]))?;
    let r = sys::cryp_state_alloc(Algorithm::Sha256.hkdf_id(), MODE_DERIVE, g.handle(), 0);
    expect(15, r.map(|_| ()), Err(TeeError::BadParameters))?;
    let ikm = ok(16, TransientObject::allocate(TYPE_HKDF_IKM, 256))?;
    expect(17, ikm.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[1; 16])]), Err(TeeError::ItemNotFound))?;
    ok(18, ikm.populate(&[Attribute::Ref(ATTR_HKDF_IKM, &[1; 16])]))?;
    let mut back = [0u8; 16];
    that(19, ok(20, ikm.buffer_attribute(ATTR_HKDF_IKM, &mut back))? == 16)?;
    // GP 1.3's TEE_ALG_HKDF with GP's attribute IDs: OP-TEE 4.5 defaults
    // its hash to TEE_ALG_SHA256 where it wants a main-hash number, so
    // NOT_SUPPORTED; told the number (4, SHA-256), RFC 5869 test case 1
    // again, its first 4 bytes.
    let ikm = ok(21, TransientObject::allocate(TYPE_HKDF_IKM, 176))?;
    ok(22, ikm.populate(&[Attribute::Ref(ATTR_HKDF_IKM, &[0x0b; 22])]))?;
    let gp = ok(23, Derivation::new(alg::HKDF, ikm))?;
    let salt: [u8; 13] = core::array::from_fn(|i| i as u8);
    let info: [u8; 10] = core::array::from_fn(|i| 0xf0 + i as u8);
    let out = secret_out(24, 256)?;
    let attrs = [
        Attribute::Ref(attr::HKDF_SALT, &salt),
        Attribute::Ref(attr::HKDF_INFO, &info),
        Attribute::Value(attr::KDF_KEY_SIZE, 4, 0),
    ];
    expect(25, gp.derive(&attrs, &out), Err(TeeError::NotSupported))?;
    let hash = Attribute::Value(attr::HKDF_HASH_ALGORITHM, 4, 0);
    ok(26, gp.derive(&[attrs[0], attrs[1], attrs[2], hash], &out))?;
    that(27, ok(28, out.buffer_attribute(ATTR_SECRET_VALUE, &mut buf))? == 4 && buf[..4] == [0x3c, 0xb2, 0x5f, 0x25])
}

/// PBKDF2: length and count required.
pub fn check_pbkdf2() -> Result<(), Step> {
    let d = ok(1, Derivation::pbkdf2_sha1(b"password"))?;
    let out = secret_out(2, 256)?;
    let count = Attribute::Value(ATTR_PBKDF2_ITERATION_COUNT, 2, 0);
    let len = Attribute::Value(ATTR_PBKDF2_DKM_LENGTH, 20, 0);
    expect(3, d.derive(&[count], &out), Err(TeeError::BadParameters))?;
    expect(4, d.derive(&[len], &out), Err(TeeError::BadParameters))?;
    expect(5, d.derive(&[len, count, Attribute::Ref(ATTR_HKDF_INFO, b"x")], &out), Err(TeeError::BadParameters))?;
    expect(
        6,
        d.derive(&[Attribute::Value(ATTR_PBKDF2_DKM_LENGTH, 513, 0), count], &out),
        Err(TeeError::BadParameters),
    )?;
    // No salt at all is fine.
    ok(7, d.derive(&[len, count], &out))?;
    let mut buf = [0u8; 32];
    that(8, ok(9, out.buffer_attribute(ATTR_SECRET_VALUE, &mut buf))? == 20)
}

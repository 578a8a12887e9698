//! Ed25519 (RFC 8032: pure, Ed25519ctx and Ed25519ph) and X25519
//! (RFC 7748) with the checks of upstream's glue
//! (`core/lib/libtomcrypt/{ed25519,x25519}.c`, OP-TEE 4.5).

extern crate alloc;

use alloc::borrow::Cow;
use alloc::vec::Vec;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::SigningKey;
use ed25519_dalek::hazmat::ExpandedSecretKey;
use sha2::{Digest, Sha512};
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::super::Attr;
use super::attrs::{AsymKey, value_a, value_b};
use super::*;

fn key32(key: &AsymKey, id: u32) -> Result<Zeroizing<[u8; 32]>, TeeError> {
    let v = key.need(id)?;
    Ok(Zeroizing::new(v.try_into().map_err(|_| TeeError::BadParameters)?))
}

/// A fresh Ed25519 key pair (32-byte seed and public key).
pub fn ed25519_generate(key: &mut AsymKey) {
    let mut seed = Zeroizing::new([0u8; 32]);
    crate::rng::fill(&mut *seed);
    let sk = SigningKey::from_bytes(&seed);
    key.set(ATTR_ED25519_PRIVATE_VALUE, seed.to_vec());
    key.set(ATTR_ED25519_PUBLIC_VALUE, sk.verifying_key().to_bytes().to_vec());
}

/// A fresh X25519 key pair.
pub fn x25519_generate(key: &mut AsymKey) {
    let mut k = Zeroizing::new([0u8; 32]);
    crate::rng::fill(&mut *k);
    let public = x25519_dalek::x25519(*k, x25519_dalek::X25519_BASEPOINT_BYTES);
    key.set(ATTR_X25519_PRIVATE_VALUE, k.to_vec());
    key.set(ATTR_X25519_PUBLIC_VALUE, public.to_vec());
}

/// Which Ed25519 (RFC 8032 section 5.1): pure, or with `dom2(phflag,
/// context)` hashed first (Ed25519ctx, Ed25519ph).
struct Variant<'a> {
    prehash: bool,
    context: Option<&'a [u8]>,
}

/// `tee_svc_obj_ed25519_parse_params`: `TEE_ATTR_EDDSA_PREHASH` (a = 0
/// or 1, b = 0) and at most one non-empty `TEE_ATTR_EDDSA_CTX` of up to
/// 255 bytes; anything else is BAD_PARAMETERS.
fn ed25519_variant(params: &[Attr]) -> Result<Variant<'_>, TeeError> {
    let mut v = Variant { prehash: false, context: None };
    for p in params {
        match p.id {
            ATTR_EDDSA_PREHASH => {
                let (a, b) = (value_a(p), value_b(p));
                if b != 0 || a > 1 {
                    return Err(TeeError::BadParameters);
                }
                v.prehash = a == 1;
            }
            ATTR_EDDSA_CTX => {
                if v.context.is_some() || p.data.len() > 255 {
                    return Err(TeeError::BadParameters);
                }
                if !p.data.is_empty() {
                    v.context = Some(&p.data);
                }
            }
            _ => return Err(TeeError::BadParameters),
        }
    }
    Ok(v)
}

impl Variant<'_> {
    /// Pure Ed25519: no `dom2` prefix.
    fn is_pure(&self) -> bool {
        !self.prehash && self.context.is_none()
    }

    /// SHA-512 over `dom2(phflag, context)` (none for pure Ed25519) and
    /// `parts`, reduced mod l. The message is TA-sized: hashed with
    /// preemption points.
    fn hash(&self, parts: &[&[u8]]) -> Scalar {
        let mut h = Sha512::new();
        if !self.is_pure() {
            let ctx = self.context.unwrap_or_default();
            h.update(b"SigEd25519 no Ed25519 collisions");
            h.update([u8::from(self.prehash), ctx.len() as u8]);
            h.update(ctx);
        }
        for p in parts {
            crate::thread::preempt::chunked(p, |piece| h.update(piece));
        }
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// The message as signed: SHA-512 of it for Ed25519ph.
    fn message<'m>(&self, msg: &'m [u8]) -> Cow<'m, [u8]> {
        if self.prehash {
            let mut h = Sha512::new();
            crate::thread::preempt::chunked(msg, |piece| h.update(piece));
            Cow::Owned(h.finalize().to_vec())
        } else {
            Cow::Borrowed(msg)
        }
    }
}

/// `ASYMM_OPERATE` with `ED25519` in mode SIGN: the 64-byte signature of
/// the whole message.
pub fn ed25519_sign(key: &AsymKey, params: &[Attr], msg: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let variant = ed25519_variant(params).map_err(|e| (e, 0))?;
    if cap < 64 {
        return Err((TeeError::ShortBuffer, 64));
    }
    let seed = key32(key, ATTR_ED25519_PRIVATE_VALUE).map_err(|e| (e, 0))?;
    let sk = SigningKey::from_bytes(&seed);
    // RFC 8032 section 5.1.6 (dom2 unless pure): r = H(dom2, prefix, M),
    // R = rB, k = H(dom2, R, A, M), S = r + k s.
    let esk = ExpandedSecretKey::from(&*seed);
    let public = sk.verifying_key().to_bytes();
    let m = variant.message(msg);
    let r = variant.hash(&[&esk.hash_prefix, &m]);
    let big_r = EdwardsPoint::mul_base(&r).compress().to_bytes();
    let k = variant.hash(&[&big_r, &public, &m]);
    let s = k * esk.scalar + r;
    Ok([big_r, s.to_bytes()].concat())
}

/// `ASYMM_VERIFY` with `ED25519`: a signature not 64 bytes long is
/// BAD_PARAMETERS, a wrong one SIGNATURE_INVALID.
pub fn ed25519_verify(key: &AsymKey, params: &[Attr], msg: &[u8], sig: &[u8]) -> Result<(), TeeError> {
    let variant = ed25519_variant(params)?;
    let sig: [u8; 64] = sig.try_into().map_err(|_| TeeError::BadParameters)?;
    let public = key32(key, ATTR_ED25519_PUBLIC_VALUE)?;
    let invalid = TeeError::SignatureInvalid;
    // [S]B = R + [k]A, checked as R == [S]B - [k]A.
    let a = CompressedEdwardsY(*public).decompress().ok_or(invalid)?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(sig[32..].try_into().map_err(|_| invalid)?))
        .ok_or(invalid)?;
    let m = variant.message(msg);
    let k = variant.hash(&[&sig[..32], &*public, &m]);
    let r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-a, &s);
    if r.compress().to_bytes() == sig[..32] { Ok(()) } else { Err(invalid) }
}

/// `CRYP_DERIVE_KEY` with `X25519`: exactly one 32-byte
/// `X25519_PUBLIC_VALUE`; an all-zero result (a low-order peer point,
/// RFC 7748 section 6.1) is SECURITY.
pub fn x25519_derive(key: &AsymKey, params: &[Attr]) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let [peer] = params else {
        return Err(TeeError::BadParameters);
    };
    if peer.id != ATTR_X25519_PUBLIC_VALUE {
        return Err(TeeError::BadParameters);
    }
    let u: [u8; 32] = peer.data.as_slice().try_into().map_err(|_| TeeError::BadParameters)?;
    let k = key32(key, ATTR_X25519_PRIVATE_VALUE)?;
    let shared = Zeroizing::new(x25519_dalek::x25519(*k, u));
    if shared.iter().all(|&b| b == 0) {
        return Err(TeeError::Security);
    }
    Ok(Zeroizing::new(shared.to_vec()))
}

#[cfg(test)]
mod preemption_tests {
    use super::*;

    /// A TA-sized message is hashed with preemption points (twice when
    /// signing, once when verifying), and still signs and verifies.
    #[test]
    fn long_messages_pass_preemption_points() {
        let mut key = AsymKey::default();
        ed25519_generate(&mut key);
        let msg = alloc::vec![0x5a; 1 << 20];
        let before = crate::thread::preempt::points();
        let sig = ed25519_sign(&key, &[], &msg, 64).unwrap();
        ed25519_verify(&key, &[], &msg, &sig).unwrap();
        assert!(crate::thread::preempt::points() - before >= 3 * 16);
        assert_eq!(ed25519_verify(&key, &[], &msg[1..], &sig), Err(TeeError::SignatureInvalid));
    }
}

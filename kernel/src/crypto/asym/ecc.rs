//! ECDSA over a digest and ECDH on NIST P-256, P-384 and P-521, with the
//! checks of upstream's libtomcrypt glue (`core/lib/libtomcrypt/ecc.c`,
//! OP-TEE 4.5): an `ECDSA_SHA*` algorithm only with its curve (SHA-256
//! with P-256, SHA-384 with P-384, SHA-512 with P-521), signatures as
//! fixed-size `r || s`. P-192 and P-224 go through `ecc_generic`.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::super::Attr;
use super::attrs::{AsymKey, curve_bits, strip};
use super::ecc_generic;
use super::rng::KernelRng;
use super::*;

/// Runs `$e` with `$C` the curve type of P-192 or P-224 (the
/// `ecc_generic` curves), or else `$other`.
macro_rules! small_curve {
    ($curve:expr, $C:ident => $e:expr, else $other:expr) => {
        match $curve {
            ECC_CURVE_NIST_P192 => {
                type $C = p192::NistP192;
                $e
            }
            ECC_CURVE_NIST_P224 => {
                type $C = p224::NistP224;
                $e
            }
            _ => $other,
        }
    };
}

/// Runs `$e` with `$c` naming the curve crate of `$curve`, or fails with
/// `$unsupported`.
macro_rules! by_curve {
    ($curve:expr, $unsupported:expr, $c:ident => $e:expr) => {
        match $curve {
            ECC_CURVE_NIST_P256 => {
                use p256 as $c;
                $e
            }
            ECC_CURVE_NIST_P384 => {
                use p384 as $c;
                $e
            }
            ECC_CURVE_NIST_P521 => {
                use p521 as $c;
                $e
            }
            _ => $unsupported,
        }
    };
}

/// Bytes of a coordinate or scalar of `curve`.
fn field_bytes(curve: u32) -> Result<usize, TeeError> {
    Ok((curve_bits(curve)? as usize).div_ceil(8))
}

/// `b` as a big-endian number of exactly `len` bytes (left-padded);
/// BAD_PARAMETERS if it does not fit.
fn fixed(b: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let b = strip(b);
    if b.len() > len {
        return Err(TeeError::BadParameters);
    }
    let mut out = Zeroizing::new(alloc::vec![0u8; len]);
    out[len - b.len()..].copy_from_slice(b);
    Ok(out)
}

/// The SEC1 uncompressed encoding of the point (x, y).
fn sec1_point(x: &[u8], y: &[u8], len: usize) -> Result<Vec<u8>, TeeError> {
    let mut p = alloc::vec![4u8];
    p.extend_from_slice(&fixed(x, len)?);
    p.extend_from_slice(&fixed(y, len)?);
    Ok(p)
}

/// The curve `ECDSA_SHA*` must be used with (`ecc_get_curve_info`).
fn curve_of_ecdsa(algo: u32) -> Option<u32> {
    if algo & 0xffff_0fff != 0x7000_0042 {
        return None;
    }
    match algo >> 12 & 0xf {
        1 => Some(ECC_CURVE_NIST_P192),
        2 => Some(ECC_CURVE_NIST_P224),
        3 => Some(ECC_CURVE_NIST_P256),
        4 => Some(ECC_CURVE_NIST_P384),
        5 => Some(ECC_CURVE_NIST_P521),
        _ => None,
    }
}

/// The key's curve, checked against the algorithm.
fn checked_curve(algo: u32, key: &AsymKey) -> Result<u32, TeeError> {
    let curve = key.curve()?;
    curve_bits(curve)?;
    if curve_of_ecdsa(algo) != Some(curve) {
        return Err(TeeError::BadParameters);
    }
    Ok(curve)
}

/// A digest as ECDSA takes it: shorter ones left-padded to the field size
/// (same integer), longer ones truncated by the crates (FIPS 186-4).
fn prehash(digest: &[u8], len: usize) -> Vec<u8> {
    if digest.len() >= len {
        return digest.to_vec();
    }
    let mut out = alloc::vec![0u8; len - digest.len()];
    out.extend_from_slice(digest);
    out
}

/// A fresh key pair on the curve `key` names; `bits` must be its size.
pub fn generate(key: &mut AsymKey, bits: u32) -> Result<(), TeeError> {
    let curve = key.curve()?;
    if curve_bits(curve)? != bits {
        return Err(TeeError::BadParameters);
    }
    let (d, point) = small_curve!(curve, C => ecc_generic::generate::<C>(), else by_curve!(curve, return Err(TeeError::NotSupported), c => {
        use c::elliptic_curve::sec1::ToEncodedPoint;
        let sk = c::SecretKey::random(&mut KernelRng);
        let point = sk.public_key().to_encoded_point(false).as_bytes().to_vec();
        (Zeroizing::new(sk.to_bytes().to_vec()), point)
    }));
    let len = field_bytes(curve)?;
    key.set(ATTR_ECC_PRIVATE_VALUE, strip(&d).to_vec());
    key.set(ATTR_ECC_PUBLIC_VALUE_X, strip(&point[1..1 + len]).to_vec());
    key.set(ATTR_ECC_PUBLIC_VALUE_Y, strip(&point[1 + len..]).to_vec());
    Ok(())
}

/// `ASYMM_OPERATE` with `ECDSA_SHA*` in mode SIGN: `r || s`.
pub fn sign(algo: u32, key: &AsymKey, digest: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    let curve = checked_curve(algo, key).map_err(plain)?;
    let len = field_bytes(curve).map_err(plain)?;
    if cap < 2 * len {
        return Err((TeeError::ShortBuffer, 2 * len));
    }
    let d = fixed(key.need(ATTR_ECC_PRIVATE_VALUE).map_err(plain)?, len).map_err(plain)?;
    let z = prehash(digest, len);
    let z = &z[..len];
    small_curve!(curve, C => return ecc_generic::sign::<C>(&d, z).map_err(plain), else ());
    by_curve!(curve, Err(plain(TeeError::NotSupported)), c => {
        use c::ecdsa::signature::hazmat::RandomizedPrehashSigner;
        let sk = c::ecdsa::SigningKey::from_slice(&d).map_err(|_| plain(TeeError::BadParameters))?;
        let sig: c::ecdsa::Signature = sk.sign_prehash_with_rng(&mut KernelRng, z).map_err(|_| plain(TeeError::Generic))?;
        Ok(sig.to_bytes().to_vec())
    })
}

/// `ASYMM_VERIFY` with `ECDSA_SHA*`: a signature of the wrong size is
/// BAD_PARAMETERS, a wrong one SIGNATURE_INVALID.
pub fn verify(algo: u32, key: &AsymKey, digest: &[u8], sig: &[u8]) -> Result<(), TeeError> {
    let curve = checked_curve(algo, key)?;
    let len = field_bytes(curve)?;
    if sig.len() != 2 * len {
        return Err(TeeError::BadParameters);
    }
    let point = sec1_point(key.need(ATTR_ECC_PUBLIC_VALUE_X)?, key.need(ATTR_ECC_PUBLIC_VALUE_Y)?, len)?;
    let z = prehash(digest, len);
    small_curve!(curve, C => return ecc_generic::verify::<C>(&point, &z[..len], sig), else ());
    let invalid = TeeError::SignatureInvalid;
    by_curve!(curve, Err(TeeError::NotSupported), c => {
        use c::ecdsa::signature::hazmat::PrehashVerifier;
        let vk = c::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|_| invalid)?;
        let sig = c::ecdsa::Signature::from_slice(sig).map_err(|_| invalid)?;
        vk.verify_prehash(&z, &sig).map_err(|_| invalid)
    })
}

/// `CRYP_DERIVE_KEY` with `ECDH_DERIVE_SHARED_SECRET`: exactly the peer's
/// X and Y, in that order; the shared secret is the x coordinate.
pub fn derive(key: &AsymKey, params: &[Attr]) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let [x, y] = params else {
        return Err(TeeError::BadParameters);
    };
    if x.id != ATTR_ECC_PUBLIC_VALUE_X || y.id != ATTR_ECC_PUBLIC_VALUE_Y {
        return Err(TeeError::BadParameters);
    }
    let curve = key.curve()?;
    if !matches!(curve, ECC_CURVE_NIST_P192..=ECC_CURVE_NIST_P521) {
        return Err(TeeError::NotImplemented);
    }
    let len = field_bytes(curve)?;
    let point = sec1_point(&x.data, &y.data, len)?;
    let d = fixed(key.need(ATTR_ECC_PRIVATE_VALUE)?, len)?;
    small_curve!(curve, C => return ecc_generic::ecdh::<C>(&d, &point), else ());
    by_curve!(curve, Err(TeeError::NotSupported), c => {
        let sk = c::SecretKey::from_slice(&d).map_err(|_| TeeError::BadParameters)?;
        let pk = c::PublicKey::from_sec1_bytes(&point).map_err(|_| TeeError::BadParameters)?;
        let shared = c::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
        Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
    })
}

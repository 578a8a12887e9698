//! SM2 (GB/T 32918) signatures over a digest (`TEE_ALG_SM2_DSA_SM3`) and
//! public-key encryption (`TEE_ALG_SM2_PKE`), as upstream OP-TEE 4.5 runs
//! them (`core/lib/libtomcrypt/sm2-dsa.c`, `sm2-pke.c`, `core/crypto/
//! sm2-kdf.c`): signatures are `r || s` (64 bytes); ciphertexts are
//! C1 || C2 || C3 with C1 an uncompressed point and C3 = SM3(x2 || M || y2).
//! Curve arithmetic and the signing equation are the RustCrypto `sm2`
//! crate's; the encryption scheme (which that crate version lacks) is
//! composed here from its point arithmetic and `sm3`.

extern crate alloc;

use alloc::vec::Vec;
use elliptic_curve::sec1::ToEncodedPoint;
use sm2::dsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use sm3::Digest as _;
use tee_abi::gp::attr;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::attrs::{AsymKey, AttrDef, Kind, REQUIRED, strip};
use super::rng::KernelRng;

/// Upstream's `tee_cryp_obj_sm2_pub_key_attrs`.
pub const SM2_PUBLIC: [AttrDef; 2] = [
    AttrDef { id: attr::ECC_PUBLIC_VALUE_X, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::ECC_PUBLIC_VALUE_Y, flags: REQUIRED, kind: Kind::Bignum },
];
/// Upstream's `tee_cryp_obj_sm2_keypair_attrs`.
pub const SM2_KEYPAIR: [AttrDef; 3] = [
    AttrDef { id: attr::ECC_PRIVATE_VALUE, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::ECC_PUBLIC_VALUE_X, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::ECC_PUBLIC_VALUE_Y, flags: REQUIRED, kind: Kind::Bignum },
];

/// The identity the `sm2` crate's keys carry; only its own ZA hashing
/// uses it, not the prehashed operations here.
const DIST_ID: &str = "1234567812345678";

/// `b` left-padded to 32 bytes; BAD_PARAMETERS if longer.
fn field(b: &[u8]) -> Result<[u8; 32], TeeError> {
    let b = strip(b);
    if b.len() > 32 {
        return Err(TeeError::BadParameters);
    }
    let mut out = [0u8; 32];
    out[32 - b.len()..].copy_from_slice(b);
    Ok(out)
}

fn public_key(key: &AsymKey) -> Result<sm2::PublicKey, TeeError> {
    let mut p = alloc::vec![4u8];
    p.extend_from_slice(&field(key.need(attr::ECC_PUBLIC_VALUE_X)?)?);
    p.extend_from_slice(&field(key.need(attr::ECC_PUBLIC_VALUE_Y)?)?);
    sm2::PublicKey::from_sec1_bytes(&p).map_err(|_| TeeError::BadParameters)
}

fn secret_key(key: &AsymKey) -> Result<sm2::SecretKey, TeeError> {
    let d = Zeroizing::new(field(key.need(attr::ECC_PRIVATE_VALUE)?)?);
    sm2::SecretKey::from_slice(&d[..]).map_err(|_| TeeError::BadParameters)
}

/// A fresh key pair on the SM2 curve.
pub fn generate(key: &mut AsymKey) {
    let sk = sm2::SecretKey::random(&mut KernelRng);
    let point = sk.public_key().to_encoded_point(false);
    key.set(attr::ECC_PRIVATE_VALUE, strip(&Zeroizing::new(sk.to_bytes().to_vec())).to_vec());
    key.set(attr::ECC_PUBLIC_VALUE_X, strip(&point.as_bytes()[1..33]).to_vec());
    key.set(attr::ECC_PUBLIC_VALUE_Y, strip(&point.as_bytes()[33..]).to_vec());
}

/// `sm2_ltc_dsa_sign`: SHORT_BUFFER (64 needed) first; the digest e is
/// the SM3 output (32 bytes).
pub fn sign(key: &AsymKey, digest: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    if cap < 64 {
        return Err((TeeError::ShortBuffer, 64));
    }
    if digest.len() != 32 {
        return Err(plain(TeeError::BadParameters));
    }
    let sk =
        sm2::dsa::SigningKey::new(DIST_ID, &secret_key(key).map_err(plain)?).map_err(|_| plain(TeeError::BadState))?;
    let sig: sm2::dsa::Signature =
        sk.sign_prehash_with_rng(&mut KernelRng, digest).map_err(|_| plain(TeeError::BadState))?;
    Ok(sig.to_bytes().to_vec())
}

/// `sm2_ltc_dsa_verify`: a signature not 64 bytes is BAD_PARAMETERS, a
/// wrong one SIGNATURE_INVALID.
pub fn verify(key: &AsymKey, digest: &[u8], sig: &[u8]) -> Result<(), TeeError> {
    if sig.len() != 64 {
        return Err(TeeError::BadParameters);
    }
    let invalid = TeeError::SignatureInvalid;
    let vk = sm2::dsa::VerifyingKey::new(DIST_ID, public_key(key)?).map_err(|_| invalid)?;
    let sig = sm2::dsa::Signature::from_slice(sig).map_err(|_| invalid)?;
    if digest.len() != 32 {
        return Err(invalid);
    }
    vk.verify_prehash(digest, &sig).map_err(|_| invalid)
}

/// The SM2 key derivation function (GB/T 32918.4 section 5.4.3, upstream
/// `sm2_kdf`): SM3(z || counter), counter from 1, big-endian.
pub fn kdf(z: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let mut out = Zeroizing::new(Vec::new());
    out.try_reserve_exact(len).map_err(|_| TeeError::OutOfMemory)?;
    let mut counter = 1u32;
    while out.len() < len {
        let block = sm3::Sm3::new().chain_update(z).chain_update(counter.to_be_bytes()).finalize();
        let take = (len - out.len()).min(block.len());
        out.extend_from_slice(&block[..take]);
        counter = counter.wrapping_add(1);
    }
    Ok(out)
}

/// x2 || y2 of `scalar * point`, 64 bytes.
fn shared_point(scalar: &sm2::NonZeroScalar, point: &sm2::AffinePoint) -> Zeroizing<Vec<u8>> {
    let p: sm2::AffinePoint = (sm2::ProjectivePoint::from(*point) * **scalar).into();
    Zeroizing::new(p.to_encoded_point(false).as_bytes()[1..].to_vec())
}

/// SM3(x2 || m || y2).
fn c3(x2y2: &[u8], m: &[u8]) -> [u8; 32] {
    sm3::Sm3::new().chain_update(&x2y2[..32]).chain_update(m).chain_update(&x2y2[32..]).finalize().into()
}

/// `sm2_ltc_pke_encrypt`: C1 || C2 || C3; SHORT_BUFFER with the size.
pub fn encrypt(key: &AsymKey, msg: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    let pk = public_key(key).map_err(plain)?;
    let k = sm2::NonZeroScalar::random(&mut KernelRng);
    let c1 = (sm2::ProjectivePoint::GENERATOR * *k).to_affine().to_encoded_point(false);
    let x2y2 = shared_point(&k, pk.as_affine());
    let t = kdf(&x2y2, msg.len()).map_err(plain)?;
    if t.iter().all(|&b| b == 0) {
        return Err(plain(TeeError::CiphertextInvalid));
    }
    let need = 65 + msg.len() + 32;
    if cap < need {
        return Err((TeeError::ShortBuffer, need));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(need).map_err(|_| plain(TeeError::OutOfMemory))?;
    out.extend_from_slice(c1.as_bytes());
    out.extend(msg.iter().zip(t.iter()).map(|(m, t)| m ^ t));
    out.extend_from_slice(&c3(&x2y2, msg));
    Ok(out)
}

/// `sm2_ltc_pke_decrypt`: only uncompressed C1 (compressed and hybrid
/// forms NOT_SUPPORTED); a C3 mismatch is CIPHERTEXT_INVALID; the output
/// is cut to `cap` bytes as upstream does.
pub fn decrypt(key: &AsymKey, c: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    match c.first() {
        None => return Err(plain(TeeError::BadParameters)),
        Some(0x02 | 0x03 | 0x06 | 0x07) => return Err(plain(TeeError::NotSupported)),
        Some(0x04) if c.len() >= 65 => {}
        Some(_) => return Err(plain(TeeError::BadParameters)),
    }
    let c1 = sm2::PublicKey::from_sec1_bytes(&c[..65]).map_err(|_| plain(TeeError::BadParameters))?;
    if c.len() <= 65 + 32 {
        return Err(plain(TeeError::BadParameters));
    }
    let sk = secret_key(key).map_err(plain)?;
    let x2y2 = shared_point(&sk.to_nonzero_scalar(), c1.as_affine());
    let c2 = &c[65..c.len() - 32];
    let t = kdf(&x2y2, c2.len()).map_err(plain)?;
    if t.iter().all(|&b| b == 0) {
        return Err(plain(TeeError::CiphertextInvalid));
    }
    let m = Zeroizing::new(c2.iter().zip(t.iter()).map(|(c, t)| c ^ t).collect::<Vec<u8>>());
    let u = c3(&x2y2, &m);
    if !bool::from(subtle_eq(&u, &c[c.len() - 32..])) {
        return Err(plain(TeeError::CiphertextInvalid));
    }
    Ok(m[..m.len().min(cap)].to_vec())
}

fn subtle_eq(a: &[u8], b: &[u8]) -> elliptic_curve::subtle::Choice {
    elliptic_curve::subtle::ConstantTimeEq::ct_eq(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upstream's sizes and error codes; encryption and signatures round
    /// trip (xtest 4006 runs the GM/T 0003 vectors through the same code).
    #[test]
    fn sm2_rules_and_round_trips() {
        let mut key = AsymKey::default();
        generate(&mut key);
        let e = [0x11u8; 32];
        assert_eq!(sign(&key, &e, 63), Err((TeeError::ShortBuffer, 64)));
        assert_eq!(sign(&key, &e[..31], 64), Err((TeeError::BadParameters, 0)));
        let sig = sign(&key, &e, 64).unwrap();
        assert_eq!(verify(&key, &e, &sig), Ok(()));
        assert_eq!(verify(&key, &[0x12; 32], &sig), Err(TeeError::SignatureInvalid));
        assert_eq!(verify(&key, &e, &sig[..63]), Err(TeeError::BadParameters));

        let msg = b"encryption standard";
        assert_eq!(encrypt(&key, msg, 10), Err((TeeError::ShortBuffer, 65 + msg.len() + 32)));
        let c = encrypt(&key, msg, 200).unwrap();
        assert_eq!(c.len(), 65 + msg.len() + 32);
        assert_eq!(c[0], 4);
        assert_eq!(decrypt(&key, &c, 200).unwrap(), msg);
        assert_eq!(decrypt(&key, &c, 5).unwrap(), msg[..5], "cut to the buffer");
        let mut bad = c.clone();
        bad[70] ^= 1;
        assert_eq!(decrypt(&key, &bad, 200), Err((TeeError::CiphertextInvalid, 0)));
        let mut compressed = c.clone();
        compressed[0] = 2;
        assert_eq!(decrypt(&key, &compressed, 200), Err((TeeError::NotSupported, 0)));
        assert_eq!(decrypt(&key, &c[..97], 200), Err((TeeError::BadParameters, 0)), "no C2");
        assert_eq!(decrypt(&key, &[], 200), Err((TeeError::BadParameters, 0)));
    }

    /// The KDF's blocks are SM3(z || ct) with ct = 1, 2, ...
    #[test]
    fn sm2_kdf_counts_from_one() {
        let z = b"shared";
        let out = kdf(z, 40).unwrap();
        let b1 = sm3::Sm3::new().chain_update(z).chain_update([0, 0, 0, 1]).finalize();
        let b2 = sm3::Sm3::new().chain_update(z).chain_update([0, 0, 0, 2]).finalize();
        assert_eq!(&out[..32], &b1[..]);
        assert_eq!(&out[32..], &b2[..8]);
    }
}

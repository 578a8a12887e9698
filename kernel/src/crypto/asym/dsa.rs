//! DSA (FIPS 186-4) with `TEE_ALG_DSA_SHA1/224/256`, as upstream OP-TEE 4.5
//! runs it (`core/lib/libtomcrypt/dsa.c`, `syscall_asymm_*` in
//! `core/tee/tee_svc_cryp.c`): signatures are `r || s`, each as long as
//! q; the digest must be the hash's size cut to q's (SECURITY when signing,
//! BAD_PARAMETERS when verifying). Signing and verifying are the RustCrypto
//! `dsa` crate's (a fresh random k per signature).

extern crate alloc;

use ::rsa::BigUint;
use alloc::vec::Vec;
use dsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use tee_abi::gp::attr;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::attrs::{AsymKey, AttrDef, GEN_KEY_REQ, Kind, REQUIRED, SIZE_INDICATOR};
use super::rng::KernelRng;

/// Upstream's `tee_cryp_obj_dsa_pub_key_attrs`.
pub const DSA_PUBLIC: [AttrDef; 4] = [
    AttrDef { id: attr::DSA_PRIME, flags: REQUIRED | SIZE_INDICATOR, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_SUBPRIME, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_BASE, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_PUBLIC_VALUE, flags: REQUIRED, kind: Kind::Bignum },
];
/// Upstream's `tee_cryp_obj_dsa_keypair_attrs`.
pub const DSA_KEYPAIR: [AttrDef; 5] = [
    AttrDef { id: attr::DSA_PRIME, flags: REQUIRED | GEN_KEY_REQ | SIZE_INDICATOR, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_SUBPRIME, flags: REQUIRED | GEN_KEY_REQ, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_BASE, flags: REQUIRED | GEN_KEY_REQ, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_PRIVATE_VALUE, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::DSA_PUBLIC_VALUE, flags: REQUIRED, kind: Kind::Bignum },
];

/// The digest size of `TEE_ALG_DSA_*`; NOT_IMPLEMENTED for others.
fn hash_size(algo: u32) -> Result<usize, TeeError> {
    use tee_abi::gp::alg;
    match algo {
        alg::DSA_SHA1 => Ok(20),
        alg::DSA_SHA224 => Ok(28),
        alg::DSA_SHA256 => Ok(32),
        _ => Err(TeeError::NotImplemented),
    }
}

fn num(key: &AsymKey, id: u32) -> Result<BigUint, TeeError> {
    Ok(BigUint::from_bytes_be(key.need(id)?))
}

fn components(key: &AsymKey) -> Result<dsa::Components, TeeError> {
    dsa::Components::from_components(
        num(key, attr::DSA_PRIME)?,
        num(key, attr::DSA_SUBPRIME)?,
        num(key, attr::DSA_BASE)?,
    )
    .map_err(|_| TeeError::BadParameters)
}

/// `crypto_acipher_gen_dsa_key`: `bits` must be p's size; x uniform in
/// [1, q - 1], y = g^x mod p.
pub fn generate(key: &mut AsymKey, bits: u32) -> Result<(), TeeError> {
    let p = key.need(attr::DSA_PRIME)?;
    if bits as usize != 8 * p.len() {
        return Err(TeeError::BadParameters);
    }
    let c = components(key)?;
    let sk = dsa::SigningKey::generate(&mut KernelRng, c);
    key.set(attr::DSA_PRIVATE_VALUE, Zeroizing::new(sk.x().to_bytes_be()).to_vec());
    key.set(attr::DSA_PUBLIC_VALUE, sk.verifying_key().y().to_bytes_be());
    Ok(())
}

/// Bytes of q.
fn q_len(key: &AsymKey) -> Result<usize, TeeError> {
    Ok(key.need(attr::DSA_SUBPRIME)?.len())
}

/// `crypto_acipher_dsa_sign`: `Err((code, needed))` as `asym_operate`.
pub fn sign(algo: u32, key: &AsymKey, digest: &[u8], cap: usize) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    let qn = q_len(key).map_err(plain)?;
    if digest.len() != hash_size(algo).map_err(plain)?.min(qn) {
        return Err(plain(TeeError::Security));
    }
    if cap < 2 * qn {
        return Err((TeeError::ShortBuffer, 2 * qn));
    }
    let c = components(key).map_err(plain)?;
    let vk = dsa::VerifyingKey::from_components(c, num(key, attr::DSA_PUBLIC_VALUE).map_err(plain)?)
        .map_err(|_| plain(TeeError::BadParameters))?;
    let x = num(key, attr::DSA_PRIVATE_VALUE).map_err(plain)?;
    let sk = dsa::SigningKey::from_components(vk, x).map_err(|_| plain(TeeError::BadParameters))?;
    let sig = sk.sign_prehash_with_rng(&mut KernelRng, digest).map_err(|_| plain(TeeError::Generic))?;
    let mut out = alloc::vec![0u8; 2 * qn];
    let (r, s) = (sig.r().to_bytes_be(), sig.s().to_bytes_be());
    out[qn - r.len()..qn].copy_from_slice(&r);
    out[2 * qn - s.len()..].copy_from_slice(&s);
    Ok(out)
}

/// `ASYMM_VERIFY` with DSA: the digest is the hash's size or q's
/// (BAD_PARAMETERS otherwise); r and s are the halves of `sig`.
pub fn verify(algo: u32, key: &AsymKey, digest: &[u8], sig: &[u8]) -> Result<(), TeeError> {
    let size = hash_size(algo)?;
    if digest.len() != size && digest.len() != q_len(key)? {
        return Err(TeeError::BadParameters);
    }
    let invalid = TeeError::SignatureInvalid;
    let c = components(key)?;
    let vk = dsa::VerifyingKey::from_components(c, num(key, attr::DSA_PUBLIC_VALUE)?).map_err(|_| invalid)?;
    let half = sig.len() / 2;
    let sig = dsa::Signature::from_components(
        BigUint::from_bytes_be(&sig[..half]),
        BigUint::from_bytes_be(&sig[half..2 * half]),
    )
    .map_err(|_| invalid)?;
    vk.verify_prehash(digest, &sig).map_err(|_| invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tee_abi::gp::alg;

    /// Upstream's size and error rules over a generated 1024/160 group
    /// (xtest 4006 runs NIST's FIPS 186 vectors through the same code).
    #[test]
    #[allow(deprecated)] // 1024/160, as xtest's smaller vectors: quick to generate.
    fn dsa_rules_and_round_trip() {
        let c = dsa::Components::generate(&mut KernelRng, dsa::KeySize::DSA_1024_160);
        let mut key = AsymKey::default();
        key.set(attr::DSA_PRIME, c.p().to_bytes_be());
        key.set(attr::DSA_SUBPRIME, c.q().to_bytes_be());
        key.set(attr::DSA_BASE, c.g().to_bytes_be());
        assert_eq!(generate(&mut key.clone(), 2048), Err(TeeError::BadParameters), "size is p's");
        generate(&mut key, 1024).unwrap();
        let digest = [0x5a; 20];
        assert_eq!(sign(alg::DSA_SHA1, &key, &digest, 39), Err((TeeError::ShortBuffer, 40)));
        assert_eq!(sign(alg::DSA_SHA1, &key, &digest[..19], 40), Err((TeeError::Security, 0)));
        assert_eq!(sign(alg::DSA_SHA256, &key, &[0; 32], 40), Err((TeeError::Security, 0)), "cut to q");
        assert_eq!(sign(0x7000_5131, &key, &digest, 40), Err((TeeError::NotImplemented, 0)));
        let sig = sign(alg::DSA_SHA1, &key, &digest, 40).unwrap();
        assert_eq!(sig.len(), 40);
        assert_eq!(verify(alg::DSA_SHA1, &key, &digest, &sig), Ok(()));
        let mut bad = sig.clone();
        bad[5] ^= 1;
        assert_eq!(verify(alg::DSA_SHA1, &key, &digest, &bad), Err(TeeError::SignatureInvalid));
        assert_eq!(verify(alg::DSA_SHA1, &key, &digest[..10], &sig), Err(TeeError::BadParameters));
        // SHA-256 digests are cut to q (20 bytes) when signing.
        let sig = sign(alg::DSA_SHA256, &key, &[7; 20], 40).unwrap();
        assert_eq!(verify(alg::DSA_SHA256, &key, &[7; 20], &sig), Ok(()));
    }
}

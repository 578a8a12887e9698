//! RSA: key generation, PKCS#1 v1.5 and PSS signatures over a digest,
//! PKCS#1 v1.5 and OAEP encryption, raw RSA (`RSA_NOPAD`), with the size
//! checks and error codes of upstream's libtomcrypt glue
//! (`core/lib/libtomcrypt/rsa.c`, OP-TEE 4.5).

extern crate alloc;

use ::rsa::traits::{PrivateKeyParts, PublicKeyParts};
use ::rsa::{BigUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use alloc::string::String;
use alloc::vec::Vec;
use tee_abi::result::TeeError;
use zeroize::{Zeroize, Zeroizing};

use super::super::Attr;
use super::attrs::{AsymKey, RSA_MAX_BITS, strip, value_a};
use super::rng::KernelRng;
use super::*;

/// The hash functions RSA padding is built on here.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

impl Hash {
    /// From a `TEE_MAIN_ALGO_SHA*` number (MD5 and SHA-3 are not here).
    pub fn from_index(i: u32) -> Option<Hash> {
        Some(match i {
            2 => Hash::Sha1,
            3 => Hash::Sha224,
            4 => Hash::Sha256,
            5 => Hash::Sha384,
            6 => Hash::Sha512,
            1 => Hash::Md5,
            8 => Hash::Sha3_224,
            9 => Hash::Sha3_256,
            0xA => Hash::Sha3_384,
            0xB => Hash::Sha3_512,
            _ => return None,
        })
    }

    /// From a `TEE_ALG_SHA*` identifier (the OAEP MGF1 hash parameter).
    fn from_digest_alg(alg: u32) -> Option<Hash> {
        if alg & !0xff != 0x5000_0000 {
            return None;
        }
        Hash::from_index(alg & 0xff)
    }

    /// Output size in bytes.
    pub fn size(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 | Hash::Sha3_512 => 64,
            Hash::Md5 => 16,
            Hash::Sha3_224 => 28,
            Hash::Sha3_256 => 32,
            Hash::Sha3_384 => 48,
        }
    }
}

/// Runs `$e` with `$d` the digest type of `$h`.
macro_rules! by_hash {
    ($h:expr, $d:ident => $e:expr) => {
        match $h {
            Hash::Sha1 => {
                type $d = sha1::Sha1;
                $e
            }
            Hash::Sha224 => {
                type $d = sha2::Sha224;
                $e
            }
            Hash::Sha256 => {
                type $d = sha2::Sha256;
                $e
            }
            Hash::Sha384 => {
                type $d = sha2::Sha384;
                $e
            }
            Hash::Sha512 => {
                type $d = sha2::Sha512;
                $e
            }
            Hash::Md5 => {
                type $d = md5::Md5;
                $e
            }
            Hash::Sha3_224 => {
                type $d = sha3::Sha3_224;
                $e
            }
            Hash::Sha3_256 => {
                type $d = sha3::Sha3_256;
                $e
            }
            Hash::Sha3_384 => {
                type $d = sha3::Sha3_384;
                $e
            }
            Hash::Sha3_512 => {
                type $d = sha3::Sha3_512;
                $e
            }
        }
    };
}

/// What an RSA algorithm identifier asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scheme {
    NoPad,
    EsPkcs1v15,
    Oaep(Hash),
    SsPkcs1v15(Hash),
    /// OP-TEE's `TEE_ALG_RSASSA_PKCS1_V1_5` (CFG_CRYPTO_RSASSA_NA1): the
    /// digest signed as given, without a DigestInfo prefix.
    SsPkcs1v15Raw,
    Pss(Hash),
}

/// `TEE_ALG_RSASSA_PKCS1_V1_5` (`tee_api_defines_extensions.h`, 4.5.0).
pub const ALG_RSASSA_PKCS1_V1_5_NA1: u32 = 0xF000_0830;

/// Decodes `TEE_ALG_RSA*`; `None` for the ones not supported here (MD5,
/// SHA-3, the hashless `RSASSA_PKCS1_V1_5`).
pub fn scheme(algo: u32) -> Option<Scheme> {
    let digest = Hash::from_index(algo >> 12 & 0xf);
    Some(match algo {
        ALG_RSA_NOPAD => Scheme::NoPad,
        ALG_RSAES_PKCS1_V1_5 => Scheme::EsPkcs1v15,
        ALG_RSASSA_PKCS1_V1_5_NA1 => Scheme::SsPkcs1v15Raw,
        _ if algo & 0xff0f_ffff == 0x6001_0230 => Scheme::Oaep(Hash::from_index(algo >> 20 & 0xf)?),
        _ if algo & 0xffff_0fff == 0x7000_0830 => Scheme::SsPkcs1v15(digest?),
        _ if algo & 0xff00_0fff == 0x7000_0930 && algo >> 20 & 0xf == algo >> 12 & 0xf => Scheme::Pss(digest?),
        _ => return None,
    })
}

/// The modulus, if it is one the `rsa` crate can work with without
/// panicking (its arithmetic assumes n > 1).
fn modulus(key: &AsymKey) -> Result<BigUint, TeeError> {
    let n = BigUint::from_bytes_be(key.need(ATTR_RSA_MODULUS)?);
    if n <= BigUint::from(1u32) || n.bits() > RSA_MAX_BITS as usize {
        return Err(TeeError::BadParameters);
    }
    Ok(n)
}

fn public_key(key: &AsymKey) -> Result<RsaPublicKey, TeeError> {
    let n = modulus(key)?;
    let e = BigUint::from_bytes_be(key.need(ATTR_RSA_PUBLIC_EXPONENT)?);
    RsaPublicKey::new_with_max_size(n, e, RSA_MAX_BITS as usize).map_err(|_| TeeError::BadParameters)
}

fn private_key(key: &AsymKey) -> Result<RsaPrivateKey, TeeError> {
    let big = |id| key.need(id).map(BigUint::from_bytes_be);
    let primes = match (key.get(ATTR_RSA_PRIME1), key.get(ATTR_RSA_PRIME2)) {
        (Some(p), Some(q)) if !p.is_empty() => {
            alloc::vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)]
        }
        _ => Vec::new(),
    };
    let n = modulus(key)?;
    let d = big(ATTR_RSA_PRIVATE_EXPONENT)?;
    // Recovering the primes from (n, e, d) computes d e - 1: d = 0 would
    // underflow inside the crate.
    if d == BigUint::from(0u32) {
        return Err(TeeError::BadParameters);
    }
    RsaPrivateKey::from_components(n, big(ATTR_RSA_PUBLIC_EXPONENT)?, d, primes).map_err(|_| TeeError::BadParameters)
}

/// `check_pub_rsa_key`: odd, and at least 65537 when it fits in 3 bytes.
fn check_public_exponent(e: &[u8]) -> Result<(), TeeError> {
    if e.is_empty() || e.len() > 32 || e[e.len() - 1] & 1 == 0 {
        return Err(TeeError::BadParameters);
    }
    if e.len() <= 3 && e.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) < 65537 {
        return Err(TeeError::BadParameters);
    }
    Ok(())
}

/// A `bits`-bit key pair for `e`: two random primes of half the size each
/// (their top bits set, so the modulus has exactly `bits` bits), drawn
/// again until `e` is invertible modulo lcm(p - 1, q - 1); `d` is its
/// inverse there, as libtomcrypt's `rsa_make_key` computes it. The search
/// passes preemption points ([`super::prime`]), so however many tries a
/// TA-chosen `e` takes, interrupts do not wait for it.
fn new_key(bits: usize, e: BigUint) -> Result<RsaPrivateKey, TeeError> {
    // The `rsa` crate takes public exponents up to 2^33 - 1 only (it
    // refused bigger ones after the whole search before): say so first.
    let e_bytes = e.to_bytes_be();
    let e64 = e_bytes.iter().fold(0u64, |v, &b| v << 8 | u64::from(b));
    if bits < 64 || e_bytes.len() > 8 || e64 > RsaPublicKey::MAX_PUB_EXPONENT {
        return Err(TeeError::BadParameters);
    }
    // A prime p with gcd(p - 1, e) = 1, drawn per prime: a TA's exponent
    // rich in small factors rejects most primes, never whole pairs.
    let prime = |size: usize| loop {
        let p = super::prime::random_prime(&mut KernelRng, size);
        let r = super::prime::mod_u64(&(&p - BigUint::from(1u32)).to_bytes_be(), e64);
        if gcd(r, e64) == 1 {
            return p;
        }
    };
    loop {
        let (p, q) = (prime(bits / 2), prime(bits - bits / 2));
        if p == q {
            continue;
        }
        match RsaPrivateKey::from_p_q(p, q, e.clone()) {
            Ok(k) if k.n().bits() == bits => return Ok(k),
            Ok(_) | Err(::rsa::Error::InvalidPrime) => crate::thread::preempt::point(),
            Err(_) => return Err(TeeError::BadParameters),
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A `bits`-bit key pair (public exponent from `key` if set, else 65537).
pub fn generate(key: &mut AsymKey, bits: u32) -> Result<(), TeeError> {
    let e = match key.get(ATTR_RSA_PUBLIC_EXPONENT) {
        Some(e) => {
            check_public_exponent(e)?;
            BigUint::from_bytes_be(e)
        }
        None => BigUint::from(65537u32),
    };
    // libtomcrypt makes keys of whole bytes and checks the modulus size.
    if !bits.is_multiple_of(8) {
        return Err(TeeError::BadParameters);
    }
    let k = new_key(bits as usize, e)?;
    let [p, q] = [&k.primes()[0], &k.primes()[1]];
    let one = BigUint::from(1u32);
    let d = k.d();
    let mut dp = d % (p - &one);
    let mut dq = d % (q - &one);
    let qinv = k.crt_coefficient().ok_or(TeeError::Generic)?;
    for (id, v) in [
        (ATTR_RSA_MODULUS, k.n()),
        (ATTR_RSA_PUBLIC_EXPONENT, k.e()),
        (ATTR_RSA_PRIVATE_EXPONENT, d),
        (ATTR_RSA_PRIME1, p),
        (ATTR_RSA_PRIME2, q),
        (ATTR_RSA_EXPONENT1, &dp),
        (ATTR_RSA_EXPONENT2, &dq),
        (ATTR_RSA_COEFFICIENT, &qinv),
    ] {
        key.set(id, v.to_bytes_be());
    }
    dp.zeroize();
    dq.zeroize();
    Ok(())
}

/// `pkcs1_get_salt_len`: the PSS salt length parameter, else `default`.
fn salt_len(params: &[Attr], default: usize) -> usize {
    match params.iter().find(|p| p.id == ATTR_RSA_PSS_SALT_LENGTH) {
        Some(p) => {
            let a = value_a(p);
            if a < i32::MAX as u32 { a as usize } else { default }
        }
        None => default,
    }
}

/// The OAEP label and MGF1 hash parameters (the first label ends the scan,
/// as upstream's loop does).
fn oaep_params(params: &[Attr], hash: Hash) -> Result<(Option<String>, Hash), TeeError> {
    let mut mgf = None;
    for p in params {
        if p.id == ATTR_RSA_OAEP_LABEL {
            if p.data.is_empty() {
                break;
            }
            // The `rsa` crate takes labels as strings only.
            let label = String::from_utf8(p.data.clone()).map_err(|_| TeeError::NotSupported)?;
            return Ok((Some(label), mgf.unwrap_or(hash)));
        }
        if p.id == ATTR_RSA_OAEP_MGF_HASH {
            let v: [u8; 4] = p.data.as_slice().try_into().map_err(|_| TeeError::BadParameters)?;
            mgf = Some(Hash::from_digest_alg(u32::from_le_bytes(v)).ok_or(TeeError::NotSupported)?);
        }
    }
    Ok((None, mgf.unwrap_or(hash)))
}

fn oaep(hash: Hash, mgf: Hash, label: Option<String>) -> Oaep {
    let mut o = by_hash!(hash, D => by_hash!(mgf, M => Oaep::new_with_mgf_hash::<D, M>()));
    o.label = label;
    o
}

/// `ASYMM_OPERATE` for RSA: encrypt / decrypt (`RSAES_*`, `RSA_NOPAD`) or
/// sign a digest (`RSASSA_*`, mode SIGN).
pub fn operate(
    algo: u32,
    mode: u32,
    key: &AsymKey,
    params: &[Attr],
    src: &[u8],
    cap: usize,
) -> Result<Vec<u8>, (TeeError, usize)> {
    let plain = |e: TeeError| (e, 0);
    let scheme = scheme(algo).ok_or(plain(TeeError::BadParameters))?;
    let short = |needed: usize| {
        if cap < needed { Err((TeeError::ShortBuffer, needed)) } else { Ok(()) }
    };
    match (scheme, mode) {
        (Scheme::SsPkcs1v15(hash) | Scheme::Pss(hash), super::MODE_SIGN) => {
            if src.len() != hash.size() {
                return Err(plain(TeeError::BadParameters));
            }
            let k = private_key(key).map_err(plain)?;
            short(k.size())?;
            let sig = match scheme {
                Scheme::Pss(_) => {
                    let salt = salt_len(params, src.len());
                    by_hash!(hash, D => k.sign_with_rng(&mut KernelRng, Pss::new_with_salt::<D>(salt), src))
                }
                _ => {
                    by_hash!(hash, D => k.sign_with_rng(&mut KernelRng, Pkcs1v15Sign::new::<D>(), src))
                }
            };
            sig.map_err(|_| plain(TeeError::BadParameters))
        }
        (Scheme::SsPkcs1v15Raw, super::MODE_SIGN) => {
            let k = private_key(key).map_err(plain)?;
            short(k.size())?;
            k.sign_with_rng(&mut KernelRng, Pkcs1v15Sign::new_unprefixed(), src)
                .map_err(|_| plain(TeeError::BadParameters))
        }
        (Scheme::SsPkcs1v15(_) | Scheme::SsPkcs1v15Raw | Scheme::Pss(_), _) => Err(plain(TeeError::BadParameters)),
        (Scheme::NoPad, m) if m == super::super::MODE_ENCRYPT || m == super::super::MODE_DECRYPT => {
            let x = BigUint::from_bytes_be(src);
            let y = if m == super::super::MODE_ENCRYPT {
                let k = public_key(key).map_err(plain)?;
                if &x >= k.n() {
                    return Err(plain(TeeError::BadParameters));
                }
                ::rsa::hazmat::rsa_encrypt(&k, &x)
            } else {
                let k = private_key(key).map_err(plain)?;
                if &x >= k.n() {
                    return Err(plain(TeeError::BadParameters));
                }
                ::rsa::hazmat::rsa_decrypt_and_check(&k, Some(&mut KernelRng), &x)
            }
            .map_err(|_| plain(TeeError::BadParameters))?;
            // Leading zeros dropped, one kept for zero (as `rsadorep`).
            let out = Zeroizing::new(y.to_bytes_be());
            let out = if strip(&out).is_empty() { alloc::vec![0] } else { strip(&out).to_vec() };
            short(out.len())?;
            Ok(out)
        }
        (Scheme::EsPkcs1v15 | Scheme::Oaep(_), super::super::MODE_ENCRYPT) => {
            let k = public_key(key).map_err(plain)?;
            short(k.size())?;
            let r = match scheme {
                Scheme::Oaep(hash) => {
                    let (label, mgf) = oaep_params(params, hash).map_err(plain)?;
                    k.encrypt(&mut KernelRng, oaep(hash, mgf, label), src)
                }
                _ => k.encrypt(&mut KernelRng, Pkcs1v15Encrypt, src),
            };
            r.map_err(|_| plain(TeeError::BadParameters))
        }
        (Scheme::EsPkcs1v15 | Scheme::Oaep(_), super::super::MODE_DECRYPT) => {
            let k = private_key(key).map_err(plain)?;
            let r = match scheme {
                Scheme::Oaep(hash) => {
                    let (label, mgf) = oaep_params(params, hash).map_err(plain)?;
                    k.decrypt_blinded(&mut KernelRng, oaep(hash, mgf, label), src)
                }
                _ => k.decrypt_blinded(&mut KernelRng, Pkcs1v15Encrypt, src),
            };
            let out = Zeroizing::new(r.map_err(|_| plain(TeeError::BadParameters))?);
            short(out.len())?;
            Ok(out.to_vec())
        }
        _ => Err(plain(TeeError::BadParameters)),
    }
}

/// `ASYMM_VERIFY` for RSA signatures over a digest.
pub fn verify(algo: u32, key: &AsymKey, params: &[Attr], digest: &[u8], sig: &[u8]) -> Result<(), TeeError> {
    if algo == ALG_RSASSA_PKCS1_V1_5_NA1 {
        let k = public_key(key)?;
        if sig.len() != k.size() {
            return Err(TeeError::SignatureInvalid);
        }
        return k.verify(Pkcs1v15Sign::new_unprefixed(), digest, sig).map_err(|_| TeeError::SignatureInvalid);
    }
    let (Scheme::SsPkcs1v15(hash) | Scheme::Pss(hash)) = scheme(algo).ok_or(TeeError::NotSupported)? else {
        return Err(TeeError::BadParameters);
    };
    if digest.len() != hash.size() {
        return Err(TeeError::BadParameters);
    }
    let salt = salt_len(params, hash.size());
    let k = public_key(key)?;
    if sig.len() != k.size() {
        return Err(TeeError::SignatureInvalid);
    }
    let r = match scheme(algo) {
        Some(Scheme::Pss(_)) => {
            by_hash!(hash, D => k.verify(Pss::new_with_salt::<D>(salt), digest, sig))
        }
        _ => by_hash!(hash, D => k.verify(Pkcs1v15Sign::new::<D>(), digest, sig)),
    };
    r.map_err(|_| TeeError::SignatureInvalid)
}

#[cfg(test)]
mod keygen_tests {
    use super::*;

    /// Generated keys: the size asked for, n = p q, e d = 1 modulo p - 1
    /// and q - 1, CRT values consistent; for 65537 and for 3 5 7 ... 29
    /// (most primes p have p - 1 sharing a factor with it); the search
    /// passes preemption points. Over 2^33 - 1 the `rsa` crate refuses.
    #[test]
    fn generated_keys_are_consistent() {
        let mut key = AsymKey::default();
        key.set(ATTR_RSA_PUBLIC_EXPONENT, [&[0x80][..], &[0x11; 30], &[0x01]].concat());
        assert_eq!(generate(&mut key, 512).err(), Some(TeeError::BadParameters));
        let rich = (3u64 * 5 * 7 * 11 * 13 * 17 * 19 * 23 * 29).to_be_bytes().to_vec();
        for (e, bits) in [(None, 512u32), (Some(rich), 520)] {
            let mut key = AsymKey::default();
            if let Some(e) = &e {
                key.set(ATTR_RSA_PUBLIC_EXPONENT, e.clone());
            }
            let before = crate::thread::preempt::points();
            generate(&mut key, bits).unwrap();
            assert!(crate::thread::preempt::points() > before);
            let get = |id| BigUint::from_bytes_be(key.get(id).unwrap());
            let (n, e, d, p, q) = (
                get(ATTR_RSA_MODULUS),
                get(ATTR_RSA_PUBLIC_EXPONENT),
                get(ATTR_RSA_PRIVATE_EXPONENT),
                get(ATTR_RSA_PRIME1),
                get(ATTR_RSA_PRIME2),
            );
            let one = BigUint::from(1u32);
            assert_eq!(n.bits(), bits as usize);
            assert_eq!(n, &p * &q);
            assert_eq!((&e * &d) % (&p - &one), one);
            assert_eq!((&e * &d) % (&q - &one), one);
            assert_eq!(get(ATTR_RSA_EXPONENT1), &d % (&p - &one));
            assert_eq!((get(ATTR_RSA_COEFFICIENT) * &q) % &p, one);
        }
    }
}

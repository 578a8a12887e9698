//! Key derivation functions, pure: HKDF (RFC 5869) and PBKDF2 (RFC 8018,
//! formerly RFC 2898) over HMAC with the SHA family, and the Concat KDF of
//! NIST SP 800-56A (section 5.8.1) over a plain hash, as OP-TEE 4.5's
//! `core/tee/tee_cryp_hkdf.c`, `tee_cryp_pbkdf2.c` and
//! `tee_cryp_concat_kdf.c` compute them.
//! Written out over the `hmac` crate rather than taken from the `hkdf` and
//! `pbkdf2` crates: every input is TA-sized and some are hashed once per
//! output block (HKDF's info, PBKDF2's salt) and PBKDF2's rounds are
//! TA-chosen, so the work passes preemption points
//! ([`crate::thread::preempt`]).

extern crate alloc;

use alloc::borrow::Cow;
use alloc::vec::Vec;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};

use super::ops::{Hash, HashKind};
use crate::thread::preempt;

/// Why a derivation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfError {
    /// HKDF output over 255 hash blocks (upstream: BAD_PARAMETERS).
    OutputTooLong,
}

/// The block size of `hash` (HMAC hashes longer keys first).
fn block_size(hash: HashKind) -> usize {
    match hash {
        HashKind::Sha1 | HashKind::Sha224 | HashKind::Sha256 => 64,
        HashKind::Sha384 | HashKind::Sha512 => 128,
    }
}

/// An HMAC key as HMAC uses it (RFC 2104: a key longer than the block is
/// hashed first), hashed here with preemption points.
fn hmac_key(hash: HashKind, key: &[u8]) -> Cow<'_, [u8]> {
    if key.len() > block_size(hash) {
        let mut h = Hash::new(hash);
        h.update(key);
        Cow::Owned(h.finalize_reset())
    } else {
        Cow::Borrowed(key)
    }
}

/// `mac.update(data)` with a preemption point per 64 KiB.
fn update<M: Mac>(mac: &mut M, data: &[u8]) {
    preempt::chunked(data, |piece| mac.update(piece));
}

/// HKDF-Extract then -Expand: `okm.len()` bytes from `ikm`, `salt` (none
/// or empty: HashLen zero bytes, RFC 5869 section 2.2) and `info`.
pub fn hkdf(hash: HashKind, ikm: &[u8], salt: &[u8], info: &[u8], okm: &mut [u8]) -> Result<(), KdfError> {
    if okm.len() > 255 * hash.size() {
        return Err(KdfError::OutputTooLong);
    }
    let zeros = [0u8; 64];
    let salt = if salt.is_empty() { &zeros[..hash.size()] } else { salt };
    let salt = hmac_key(hash, salt);
    macro_rules! run {
        ($d:ty) => {{
            // HMAC takes keys of any length: `new_from_slice` cannot fail.
            let Ok(mut extract) = <Hmac<$d> as KeyInit>::new_from_slice(&salt) else { return Ok(()) };
            update(&mut extract, ikm);
            let prk = extract.finalize().into_bytes();
            let Ok(keyed) = <Hmac<$d> as KeyInit>::new_from_slice(&prk) else { return Ok(()) };
            // T(i) = HMAC(PRK, T(i - 1) || info || i).
            let mut t: Vec<u8> = Vec::new();
            for (i, block) in okm.chunks_mut(hash.size()).enumerate() {
                let mut mac = keyed.clone();
                mac.update(&t);
                update(&mut mac, info);
                mac.update(&[i as u8 + 1]);
                t = mac.finalize().into_bytes().to_vec();
                block.copy_from_slice(&t[..block.len()]);
            }
        }};
    }
    match hash {
        HashKind::Sha1 => run!(sha1::Sha1),
        HashKind::Sha224 => run!(sha2::Sha224),
        HashKind::Sha256 => run!(sha2::Sha256),
        HashKind::Sha384 => run!(sha2::Sha384),
        HashKind::Sha512 => run!(sha2::Sha512),
    }
    Ok(())
}

/// PBKDF2 with HMAC-`hash`: `out.len()` bytes from `password` and `salt`
/// in `iterations` rounds. Zero rounds give zero bytes, as upstream's loop
/// (which XORs nothing into a zeroed block) does (RFC 8018 section 5.2).
pub fn pbkdf2(hash: HashKind, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    if iterations == 0 {
        out.fill(0);
        return;
    }
    let password = hmac_key(hash, password);
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    macro_rules! run {
        ($d:ty) => {
            if let Ok(keyed) = <Hmac<$d> as KeyInit>::new_from_slice(&password) {
                pbkdf2_with(keyed, salt, iterations, out)
            }
        };
    }
    match hash {
        HashKind::Sha1 => run!(sha1::Sha1),
        HashKind::Sha224 => run!(sha2::Sha224),
        HashKind::Sha256 => run!(sha2::Sha256),
        HashKind::Sha384 => run!(sha2::Sha384),
        HashKind::Sha512 => run!(sha2::Sha512),
    }
}

/// SP 800-56A's Concat KDF with `hash`: `out.len()` bytes, block `i`
/// (from 1) being `hash(i as 32-bit big endian || z || other_info)`, the
/// last one cut short. Z and OtherInfo are TA-sized: hashed with a
/// preemption point per 64 KiB, and once per block.
pub fn concat_kdf(hash: HashKind, z: &[u8], other_info: &[u8], out: &mut [u8]) {
    let mut h = Hash::new(hash);
    for (i, block) in out.chunks_mut(hash.size()).enumerate() {
        h.update(&(i as u32 + 1).to_be_bytes());
        preempt::chunked(z, |piece| h.update(piece));
        preempt::chunked(other_info, |piece| h.update(piece));
        let digest = h.finalize_reset();
        block.copy_from_slice(&digest[..block.len()]);
    }
}

/// HMAC computations between two preemption points.
const ROUNDS_PER_POINT: u32 = 256;

/// The HMAC computations PBKDF2 makes for `out_len` bytes in `iterations`
/// rounds: a round per output block of `hash`.
pub fn pbkdf2_work(hash: HashKind, iterations: u32, out_len: usize) -> u64 {
    u64::from(iterations) * out_len.div_ceil(hash.size()) as u64
}

/// PBKDF2's blocks with `keyed` (HMAC under the password).
fn pbkdf2_with<M: Mac + Clone>(keyed: M, salt: &[u8], iterations: u32, out: &mut [u8]) {
    for (i, block) in out.chunks_mut(<M as hmac::digest::OutputSizeUser>::output_size()).enumerate() {
        // U1 = PRF(P, S || INT(i + 1)); T = U1 ^ U2 ^ ... ^ Uc.
        let mut mac = keyed.clone();
        update(&mut mac, salt);
        mac.update(&(i as u32 + 1).to_be_bytes());
        let mut u = mac.finalize().into_bytes();
        let mut t = u.clone();
        for round in 1..iterations {
            let mut mac = keyed.clone();
            mac.update(&u);
            u = mac.finalize().into_bytes();
            t.iter_mut().zip(u.iter()).for_each(|(t, u)| *t ^= u);
            if round % ROUNDS_PER_POINT == 0 {
                preempt::point();
            }
        }
        block.copy_from_slice(&t[..block.len()]);
        preempt::point();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;
    use alloc::vec;

    /// RFC 5869 appendix A: test cases 1-3 (HKDF-SHA-256) and 4 and 7
    /// (HKDF-SHA-1; 7 with no salt): (hash, IKM, salt, info, OKM).
    pub(crate) fn rfc5869() -> [(HashKind, &'static str, &'static str, &'static str, &'static str); 5] {
        let ikm22 = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
        [
            (
                HashKind::Sha256,
                ikm22,
                "000102030405060708090a0b0c",
                "f0f1f2f3f4f5f6f7f8f9",
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            ),
            (
                HashKind::Sha256,
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
                "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
                 808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
                 d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09
                 da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
            ),
            (
                HashKind::Sha256,
                ikm22,
                "",
                "",
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
            ),
            (
                HashKind::Sha1,
                "0b0b0b0b0b0b0b0b0b0b0b",
                "000102030405060708090a0b0c",
                "f0f1f2f3f4f5f6f7f8f9",
                "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
            ),
            (
                HashKind::Sha1,
                "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
                "",
                "",
                "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48",
            ),
        ]
    }

    #[test]
    fn hkdf_rfc5869() {
        for (hash, ikm, salt, info, want) in rfc5869() {
            let want = hex(want);
            let mut okm = vec![0u8; want.len()];
            hkdf(hash, &hex(ikm), &hex(salt), &hex(info), &mut okm).unwrap();
            assert_eq!(okm, want, "{hash:?}");
        }
        // At most 255 blocks: SHA-256 gives 255 * 32 bytes, not one more.
        assert!(hkdf(HashKind::Sha256, b"k", b"", b"", &mut vec![0; 255 * 32]).is_ok());
        assert_eq!(hkdf(HashKind::Sha256, b"k", b"", b"", &mut vec![0; 255 * 32 + 1]), Err(KdfError::OutputTooLong));
    }

    /// RFC 6070 section 2 (PBKDF2-HMAC-SHA1), the cases of 1, 2 and 4096
    /// iterations (16777216 is too slow for a unit test): (password, salt,
    /// iterations, derived key).
    pub(crate) fn rfc6070() -> [(&'static [u8], &'static [u8], u32, &'static str); 5] {
        [
            (b"password", b"salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
            (b"password", b"salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
            (b"password", b"salt", 4096, "4b007901b765489abead49d926f721d065a429c1"),
            (
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            ),
            (b"pass\0word", b"sa\0lt", 4096, "56fa6aa75548099dcc37d7f03425e0c3"),
        ]
    }

    #[test]
    fn pbkdf2_rfc6070() {
        for (password, salt, rounds, want) in rfc6070() {
            let want = hex(want);
            let mut out = vec![0u8; want.len()];
            pbkdf2(HashKind::Sha1, password, salt, rounds, &mut out);
            assert_eq!(out, want, "{rounds} rounds");
        }
        let mut out = [0xffu8; 20];
        pbkdf2(HashKind::Sha1, b"password", b"salt", 0, &mut out);
        assert_eq!(out, [0; 20], "no rounds, as upstream");
    }
}

#[cfg(test)]
mod concat_kdf_tests {
    use super::*;
    use alloc::vec;
    use sha2::Digest;

    /// RFC 7518 appendix C (ECDH-ES, the JOSE use of SP 800-56A's Concat
    /// KDF with SHA-256): Z, the OtherInfo the appendix assembles
    /// (AlgorithmID "A128GCM", PartyUInfo "Alice", PartyVInfo "Bob",
    /// SuppPubInfo 128), and the 16-byte key.
    #[test]
    fn rfc7518_appendix_c() {
        let z = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128,
            106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let mut info = vec![0, 0, 0, 7];
        info.extend_from_slice(b"A128GCM");
        info.extend_from_slice(&[0, 0, 0, 5]);
        info.extend_from_slice(b"Alice");
        info.extend_from_slice(&[0, 0, 0, 3]);
        info.extend_from_slice(b"Bob");
        info.extend_from_slice(&[0, 0, 0, 128]);
        let mut key = [0u8; 16];
        concat_kdf(HashKind::Sha256, &z, &info, &mut key);
        assert_eq!(key, [86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26]);
    }

    /// Past one block the counter counts up from 1 and the last block is
    /// cut; no output is no output.
    #[test]
    fn blocks_count_from_one() {
        let mut out = [0u8; 50];
        concat_kdf(HashKind::Sha1, b"zz", b"info", &mut out);
        for (i, block) in out.chunks(20).enumerate() {
            let mut h = sha1::Sha1::new();
            h.update((i as u32 + 1).to_be_bytes());
            h.update(b"zzinfo");
            assert_eq!(block, &h.finalize()[..block.len()], "block {i}");
        }
        concat_kdf(HashKind::Sha512, b"zz", b"", &mut []);
    }
}

#[cfg(test)]
mod preemption_tests {
    use super::*;
    use alloc::vec;

    /// HKDF's info and PBKDF2's salt are hashed once per output block, and
    /// long keys once: all with a preemption point per 64 KiB. A long
    /// salt, key or info gives what the `hkdf` and `pbkdf2` crates give.
    #[test]
    fn long_inputs_pass_preemption_points_and_match_the_crates() {
        let big = vec![0x3c; 1 << 20];
        let before = preempt::points();
        let mut okm = [0u8; 100];
        hkdf(HashKind::Sha256, &big, &big, &big, &mut okm).unwrap();
        let mut want = [0u8; 100];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&big), &big).expand(&big, &mut want).unwrap();
        assert_eq!(okm, want);
        // Salt and IKM once each, info once per block (4 blocks).
        assert!(preempt::points() - before >= 6 * 16);
        let before = preempt::points();
        let mut out = [0u8; 70];
        pbkdf2(HashKind::Sha512, &big, &big, 3, &mut out);
        let mut want = [0u8; 70];
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(&big, &big, 3, &mut want);
        assert_eq!(out, want);
        assert!(preempt::points() - before >= 3 * 16, "key once, salt per block (2 blocks)");
    }
}

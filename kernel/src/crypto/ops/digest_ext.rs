//! The digests upstream OP-TEE 4.5 offers beyond SHA-1/SHA-2, and their
//! HMACs: MD5 (RFC 1321), SHA3-224..512 and SHAKE128/256 (FIPS 202), SM3
//! (GB/T 32905-2016), over the RustCrypto `md-5`, `sha3` and `sm3` crates.
//! The IDs are `TEE_ALG_*` of `lib/libutee/include/tee_api_defines.h`
//! (OP-TEE 4.5.0).

extern crate alloc;

use alloc::vec::Vec;
use hmac::Hmac;
use sha3::Digest as _;
use sha3::digest::{ExtendableOutput, Update as _, XofReader};
use tee_abi::result::TeeError;

/// A digest of this file, by `TEE_ALG_GET_MAIN_ALG` / the SHAKE IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtKind {
    Md5,
    Sm3,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Shake128,
    Shake256,
}

impl ExtKind {
    /// The digest of `TEE_ALG_<digest>` (class DIGEST) or, with
    /// `hmac`, of `TEE_ALG_HMAC_<digest>` (class MAC; no SHAKE HMAC).
    pub fn from_algo(algo: u32) -> Option<ExtKind> {
        use tee_abi::gp::alg;
        Some(match algo {
            alg::MD5 | alg::HMAC_MD5 => ExtKind::Md5,
            alg::SM3 | alg::HMAC_SM3 => ExtKind::Sm3,
            alg::SHA3_224 | alg::HMAC_SHA3_224 => ExtKind::Sha3_224,
            alg::SHA3_256 | alg::HMAC_SHA3_256 => ExtKind::Sha3_256,
            alg::SHA3_384 | alg::HMAC_SHA3_384 => ExtKind::Sha3_384,
            alg::SHA3_512 | alg::HMAC_SHA3_512 => ExtKind::Sha3_512,
            alg::SHAKE128 => ExtKind::Shake128,
            alg::SHAKE256 => ExtKind::Shake256,
            _ => return None,
        })
    }

    /// Digest size in bytes; `None` for the extendable-output functions,
    /// whose output is as long as the caller's buffer.
    pub fn size(self) -> Option<usize> {
        Some(match self {
            ExtKind::Md5 => 16,
            ExtKind::Sm3 | ExtKind::Sha3_256 => 32,
            ExtKind::Sha3_224 => 28,
            ExtKind::Sha3_384 => 48,
            ExtKind::Sha3_512 => 64,
            ExtKind::Shake128 | ExtKind::Shake256 => return None,
        })
    }
}

/// A running digest of [`ExtKind`].
#[derive(Clone)]
pub enum ExtHash {
    Md5(md5::Md5),
    Sm3(sm3::Sm3),
    Sha3_224(sha3::Sha3_224),
    Sha3_256(sha3::Sha3_256),
    Sha3_384(sha3::Sha3_384),
    Sha3_512(sha3::Sha3_512),
    /// SHAKE absorbs until the first output is taken, then squeezes on
    /// across calls (`TEE_DigestExtractOutput` then `TEE_DigestDoFinal`
    /// continue one output stream) until HASH_INIT starts over.
    Shake128(sha3::Shake128, Option<sha3::Shake128Reader>),
    Shake256(sha3::Shake256, Option<sha3::Shake256Reader>),
}

impl ExtHash {
    pub fn new(kind: ExtKind) -> ExtHash {
        match kind {
            ExtKind::Md5 => ExtHash::Md5(md5::Md5::new()),
            ExtKind::Sm3 => ExtHash::Sm3(sm3::Sm3::new()),
            ExtKind::Sha3_224 => ExtHash::Sha3_224(sha3::Sha3_224::new()),
            ExtKind::Sha3_256 => ExtHash::Sha3_256(sha3::Sha3_256::new()),
            ExtKind::Sha3_384 => ExtHash::Sha3_384(sha3::Sha3_384::new()),
            ExtKind::Sha3_512 => ExtHash::Sha3_512(sha3::Sha3_512::new()),
            ExtKind::Shake128 => ExtHash::Shake128(sha3::Shake128::default(), None),
            ExtKind::Shake256 => ExtHash::Shake256(sha3::Shake256::default(), None),
        }
    }

    /// Feeds `data` (TA-sized: with preemption points).
    pub fn update(&mut self, data: &[u8]) {
        crate::thread::preempt::chunked(data, |data| match self {
            ExtHash::Md5(h) => sha3::Digest::update(h, data),
            ExtHash::Sm3(h) => sha3::Digest::update(h, data),
            ExtHash::Sha3_224(h) => sha3::Digest::update(h, data),
            ExtHash::Sha3_256(h) => sha3::Digest::update(h, data),
            ExtHash::Sha3_384(h) => sha3::Digest::update(h, data),
            ExtHash::Sha3_512(h) => sha3::Digest::update(h, data),
            ExtHash::Shake128(h, None) => h.update(data),
            ExtHash::Shake256(h, None) => h.update(data),
            // Input after output started is not part of the stream.
            ExtHash::Shake128(_, Some(_)) | ExtHash::Shake256(_, Some(_)) => {}
        })
    }

    /// The digest, and the state starts over; for SHAKE the next `xof_len`
    /// bytes of output. OUT_OF_MEMORY if the output cannot be allocated.
    pub fn finalize_reset(&mut self, xof_len: usize) -> Result<Vec<u8>, TeeError> {
        Ok(match self {
            ExtHash::Md5(h) => h.finalize_reset().to_vec(),
            ExtHash::Sm3(h) => h.finalize_reset().to_vec(),
            ExtHash::Sha3_224(h) => h.finalize_reset().to_vec(),
            ExtHash::Sha3_256(h) => h.finalize_reset().to_vec(),
            ExtHash::Sha3_384(h) => h.finalize_reset().to_vec(),
            ExtHash::Sha3_512(h) => h.finalize_reset().to_vec(),
            ExtHash::Shake128(h, r) => xof(xof_len, |o| r.get_or_insert_with(|| h.clone().finalize_xof()).read(o))?,
            ExtHash::Shake256(h, r) => xof(xof_len, |o| r.get_or_insert_with(|| h.clone().finalize_xof()).read(o))?,
        })
    }
}

/// `len` bytes of extendable output, allocated fallibly (the length is
/// the TA's).
fn xof(len: usize, fill: impl FnOnce(&mut [u8])) -> Result<Vec<u8>, TeeError> {
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| TeeError::OutOfMemory)?;
    out.resize(len, 0);
    fill(&mut out);
    Ok(out)
}

/// A running HMAC (RFC 2104) over MD5, SM3 or SHA-3.
#[derive(Clone)]
pub enum ExtHmac {
    Md5(Hmac<md5::Md5>),
    Sm3(Hmac<sm3::Sm3>),
    Sha3_224(Hmac<sha3::Sha3_224>),
    Sha3_256(Hmac<sha3::Sha3_256>),
    Sha3_384(Hmac<sha3::Sha3_384>),
    Sha3_512(Hmac<sha3::Sha3_512>),
}

impl ExtHmac {
    /// HMAC-`kind` keyed with `key`; `None` for SHAKE.
    pub fn new(kind: ExtKind, key: &[u8]) -> Option<ExtHmac> {
        fn k<M: hmac::digest::KeyInit>(key: &[u8]) -> Option<M> {
            M::new_from_slice(key).ok()
        }
        Some(match kind {
            ExtKind::Md5 => ExtHmac::Md5(k(key)?),
            ExtKind::Sm3 => ExtHmac::Sm3(k(key)?),
            ExtKind::Sha3_224 => ExtHmac::Sha3_224(k(key)?),
            ExtKind::Sha3_256 => ExtHmac::Sha3_256(k(key)?),
            ExtKind::Sha3_384 => ExtHmac::Sha3_384(k(key)?),
            ExtKind::Sha3_512 => ExtHmac::Sha3_512(k(key)?),
            ExtKind::Shake128 | ExtKind::Shake256 => return None,
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        crate::thread::preempt::chunked(data, |data| match self {
            ExtHmac::Md5(m) => hmac::Mac::update(m, data),
            ExtHmac::Sm3(m) => hmac::Mac::update(m, data),
            ExtHmac::Sha3_224(m) => hmac::Mac::update(m, data),
            ExtHmac::Sha3_256(m) => hmac::Mac::update(m, data),
            ExtHmac::Sha3_384(m) => hmac::Mac::update(m, data),
            ExtHmac::Sha3_512(m) => hmac::Mac::update(m, data),
        })
    }

    /// The MAC; the state starts over with the same key.
    pub fn finalize_reset(&mut self) -> Vec<u8> {
        match self {
            ExtHmac::Md5(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
            ExtHmac::Sm3(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
            ExtHmac::Sha3_224(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
            ExtHmac::Sha3_256(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
            ExtHmac::Sha3_384(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
            ExtHmac::Sha3_512(m) => hmac::Mac::finalize_reset(m).into_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;

    fn digest(kind: ExtKind, msg: &[u8], xof_len: usize) -> Vec<u8> {
        let mut h = ExtHash::new(kind);
        h.update(&msg[..msg.len() / 2]);
        h.update(&msg[msg.len() / 2..]);
        let out = h.finalize_reset(xof_len).unwrap();
        if kind.size().is_some() {
            // Starts over.
            h.update(msg);
            assert_eq!(h.finalize_reset(xof_len).unwrap(), out);
        } else {
            // Squeezes on: two outputs are one stream.
            let mut whole = ExtHash::new(kind);
            whole.update(msg);
            let both = whole.finalize_reset(2 * xof_len).unwrap();
            assert_eq!(both[..xof_len], out[..]);
            assert_eq!(h.finalize_reset(xof_len).unwrap(), both[xof_len..]);
        }
        out
    }

    /// RFC 1321 appendix A.5 test suite (MD5); GB/T 32905-2016 appendix A
    /// examples 1 and 2 (SM3); FIPS 202 / NIST CSRC SHA-3 examples of
    /// "abc" and of the empty message for SHAKE.
    #[test]
    fn ext_digest_known_answers() {
        let sm3_64 = b"abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
        let cases: [(ExtKind, &[u8], usize, &str); 12] = [
            (ExtKind::Md5, b"", 0, "d41d8cd98f00b204e9800998ecf8427e"),
            (ExtKind::Md5, b"abc", 0, "900150983cd24fb0d6963f7d28e17f72"),
            (ExtKind::Md5, b"message digest", 0, "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                ExtKind::Md5,
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                0,
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
            (ExtKind::Sm3, b"abc", 0, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
            (ExtKind::Sm3, sm3_64, 0, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
            (ExtKind::Sha3_224, b"abc", 0, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"),
            (ExtKind::Sha3_256, b"abc", 0, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
            (
                ExtKind::Sha3_384,
                b"abc",
                0,
                "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
            ),
            (
                ExtKind::Sha3_512,
                b"abc",
                0,
                "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
            ),
            (ExtKind::Shake128, b"", 32, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"),
            (
                ExtKind::Shake256,
                b"",
                64,
                "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762fd75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be",
            ),
        ];
        for (kind, msg, xof_len, want) in cases {
            assert_eq!(digest(kind, msg, xof_len), hex(want), "{kind:?}");
            if let Some(n) = kind.size() {
                assert_eq!(n, want.len() / 2);
            }
        }
    }

    /// RFC 2202 test cases 1 and 2 (HMAC-MD5); NIST CSRC "HMAC_SHA3-256"
    /// example 1 (key 00..1f, "Sample message for keylen<blocklen").
    #[test]
    fn ext_hmac_known_answers() {
        let mut m = ExtHmac::new(ExtKind::Md5, &[0x0b; 16]).unwrap();
        m.update(b"Hi There");
        assert_eq!(m.finalize_reset(), hex("9294727a3638bb1c13f48ef8158bfc9d"));
        let mut m = ExtHmac::new(ExtKind::Md5, b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(m.finalize_reset(), hex("750c783e6ab0b503eaa86e310a5db738"));
        let key: Vec<u8> = (0..32).collect();
        let mut m = ExtHmac::new(ExtKind::Sha3_256, &key).unwrap();
        m.update(b"Sample message for keylen<blocklen");
        assert_eq!(m.finalize_reset(), hex("4fe8e202c4f058e8dddc23d8c34e467343e23555e24fc2f025d598f558f67205"));
        assert!(ExtHmac::new(ExtKind::Shake128, b"k").is_none());
    }
}

//! Message digests (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512) over the
//! RustCrypto `sha1`/`sha2` crates, or for SHA-1/224/256 the Armv8 SHA
//! instructions (`sha_ce`) where `accel` picked them.

use sha2::Digest as _;

/// `TEE_MAIN_ALGO_*` of the hashes: SHA1 2, SHA224 3, SHA256 4, SHA384 5, SHA512 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKind {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashKind {
    /// From `TEE_ALG_GET_MAIN_ALG(algo)` (the low byte).
    pub fn from_main(main: u32) -> Option<HashKind> {
        Some(match main {
            0x02 => HashKind::Sha1,
            0x03 => HashKind::Sha224,
            0x04 => HashKind::Sha256,
            0x05 => HashKind::Sha384,
            0x06 => HashKind::Sha512,
            _ => return None,
        })
    }

    /// Digest size in bytes.
    pub fn size(self) -> usize {
        match self {
            HashKind::Sha1 => 20,
            HashKind::Sha224 => 28,
            HashKind::Sha256 => 32,
            HashKind::Sha384 => 48,
            HashKind::Sha512 => 64,
        }
    }
}

/// A running digest.
#[derive(Clone)]
pub enum Hash {
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    #[cfg(target_os = "none")]
    Ce(super::sha_ce::ShaCe),
}

impl Hash {
    /// A fresh digest of `kind`.
    pub fn new(kind: HashKind) -> Hash {
        #[cfg(target_os = "none")]
        {
            use super::{accel, sha_ce};
            match kind {
                HashKind::Sha1 if accel::sha1() => return Hash::Ce(sha_ce::ShaCe::new(sha_ce::Kind::Sha1)),
                HashKind::Sha224 if accel::sha256() => return Hash::Ce(sha_ce::ShaCe::new(sha_ce::Kind::Sha224)),
                HashKind::Sha256 if accel::sha256() => return Hash::Ce(sha_ce::ShaCe::new(sha_ce::Kind::Sha256)),
                _ => {}
            }
        }
        match kind {
            HashKind::Sha1 => Hash::Sha1(sha1::Sha1::new()),
            HashKind::Sha224 => Hash::Sha224(sha2::Sha224::new()),
            HashKind::Sha256 => Hash::Sha256(sha2::Sha256::new()),
            HashKind::Sha384 => Hash::Sha384(sha2::Sha384::new()),
            HashKind::Sha512 => Hash::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feeds `data` (TA-sized: with preemption points).
    pub fn update(&mut self, data: &[u8]) {
        #[cfg(target_os = "none")]
        if let Hash::Ce(h) = self {
            return h.update(data);
        }
        crate::thread::preempt::chunked(data, |data| match self {
            Hash::Sha1(h) => h.update(data),
            Hash::Sha224(h) => h.update(data),
            Hash::Sha256(h) => h.update(data),
            Hash::Sha384(h) => h.update(data),
            Hash::Sha512(h) => h.update(data),
            #[cfg(target_os = "none")]
            Hash::Ce(_) => unreachable!("handled above"),
        })
    }

    /// The digest; the state starts over.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        match self {
            Hash::Sha1(h) => h.finalize_reset().to_vec(),
            Hash::Sha224(h) => h.finalize_reset().to_vec(),
            Hash::Sha256(h) => h.finalize_reset().to_vec(),
            Hash::Sha384(h) => h.finalize_reset().to_vec(),
            Hash::Sha512(h) => h.finalize_reset().to_vec(),
            #[cfg(target_os = "none")]
            Hash::Ce(h) => h.finalize_reset(),
        }
    }
}

/// SHA-256 of the concatenated `parts`, for the kernel's own data (the TA
/// loader's image digest): on the SHA instructions where `accel` picked
/// them, and with no preemption point, since the caller may hold locks.
pub fn sha256_of(parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    #[cfg(target_os = "none")]
    if super::accel::sha256() {
        let mut h = super::sha_ce::ShaCe::new(super::sha_ce::Kind::Sha256);
        parts.iter().for_each(|p| h.update_unpreempted(p));
        out.copy_from_slice(&h.finalize_reset());
        return out;
    }
    let mut h = sha2::Sha256::new();
    parts.iter().for_each(|p| h.update(p));
    out.copy_from_slice(&h.finalize());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;

    #[test]
    fn sha256_of_parts_is_sha256_of_their_concatenation() {
        let m448 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let want = hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        assert_eq!(sha256_of(&[m448]).to_vec(), want);
        assert_eq!(sha256_of(&[&m448[..3], &[], &m448[3..]]).to_vec(), want);
    }

    /// FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values"):
    /// "abc" and the 448-bit message
    /// "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".
    #[test]
    fn sha_known_answers() {
        let m448 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let cases: [(HashKind, &[u8], &str); 10] = [
            (HashKind::Sha1, b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (HashKind::Sha1, m448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            (HashKind::Sha224, b"abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
            (HashKind::Sha224, m448, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"),
            (HashKind::Sha256, b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (HashKind::Sha256, m448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (
                HashKind::Sha384,
                b"abc",
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            ),
            (
                HashKind::Sha384,
                m448,
                "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
            ),
            (
                HashKind::Sha512,
                b"abc",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            ),
            (
                HashKind::Sha512,
                m448,
                "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
            ),
        ];
        for (kind, msg, want) in cases {
            let mut h = Hash::new(kind);
            // In two pieces, to cross the update boundary.
            h.update(&msg[..1]);
            h.update(&msg[1..]);
            let got = h.finalize_reset();
            assert_eq!(got.len(), kind.size());
            assert_eq!(got, hex(want), "{kind:?}");
            // finalize_reset starts over.
            h.update(msg);
            assert_eq!(h.finalize_reset(), hex(want));
        }
    }
}

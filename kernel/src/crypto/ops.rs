//! The primitives behind operation states: digests (SHA-1/224/256/384/512),
//! HMAC over them, and AES with the ECB, CBC and CTR modes (no padding),
//! done here by hand over the `aes` block cipher. Pure; host-tested with
//! published known-answer vectors (see the tests).

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use hmac::{Hmac, Mac as _};
use sha2::Digest as _;

use super::{ALG_AES_CBC_NOPAD, ALG_AES_CTR, ALG_AES_ECB_NOPAD};

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
}

impl Hash {
    /// A fresh digest of `kind`.
    pub fn new(kind: HashKind) -> Hash {
        match kind {
            HashKind::Sha1 => Hash::Sha1(sha1::Sha1::new()),
            HashKind::Sha224 => Hash::Sha224(sha2::Sha224::new()),
            HashKind::Sha256 => Hash::Sha256(sha2::Sha256::new()),
            HashKind::Sha384 => Hash::Sha384(sha2::Sha384::new()),
            HashKind::Sha512 => Hash::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hash::Sha1(h) => h.update(data),
            Hash::Sha224(h) => h.update(data),
            Hash::Sha256(h) => h.update(data),
            Hash::Sha384(h) => h.update(data),
            Hash::Sha512(h) => h.update(data),
        }
    }

    /// The digest; the state starts over.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        match self {
            Hash::Sha1(h) => h.finalize_reset().to_vec(),
            Hash::Sha224(h) => h.finalize_reset().to_vec(),
            Hash::Sha256(h) => h.finalize_reset().to_vec(),
            Hash::Sha384(h) => h.finalize_reset().to_vec(),
            Hash::Sha512(h) => h.finalize_reset().to_vec(),
        }
    }
}

/// A running HMAC.
#[derive(Clone)]
pub enum Mac {
    Sha1(Hmac<sha1::Sha1>),
    Sha224(Hmac<sha2::Sha224>),
    Sha256(Hmac<sha2::Sha256>),
    Sha384(Hmac<sha2::Sha384>),
    Sha512(Hmac<sha2::Sha512>),
}

impl Mac {
    /// HMAC-`kind` keyed with `key` (any length, RFC 2104).
    pub fn new(kind: HashKind, key: &[u8]) -> Mac {
        // new_from_slice never fails for HMAC (keys of any length are valid).
        fn k<M: KeyInit>(key: &[u8]) -> M {
            match M::new_from_slice(key) {
                Ok(m) => m,
                Err(_) => unreachable!("HMAC accepts keys of any length"),
            }
        }
        match kind {
            HashKind::Sha1 => Mac::Sha1(k(key)),
            HashKind::Sha224 => Mac::Sha224(k(key)),
            HashKind::Sha256 => Mac::Sha256(k(key)),
            HashKind::Sha384 => Mac::Sha384(k(key)),
            HashKind::Sha512 => Mac::Sha512(k(key)),
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Mac::Sha1(m) => m.update(data),
            Mac::Sha224(m) => m.update(data),
            Mac::Sha256(m) => m.update(data),
            Mac::Sha384(m) => m.update(data),
            Mac::Sha512(m) => m.update(data),
        }
    }

    /// The MAC; the state starts over with the same key.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        match self {
            Mac::Sha1(m) => m.finalize_reset().into_bytes().to_vec(),
            Mac::Sha224(m) => m.finalize_reset().into_bytes().to_vec(),
            Mac::Sha256(m) => m.finalize_reset().into_bytes().to_vec(),
            Mac::Sha384(m) => m.finalize_reset().into_bytes().to_vec(),
            Mac::Sha512(m) => m.finalize_reset().into_bytes().to_vec(),
        }
    }
}

#[derive(Clone)]
enum Aes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

impl Aes {
    fn new(key: &[u8]) -> Option<Aes> {
        Some(match key.len() {
            16 => Aes::A128(aes::Aes128::new_from_slice(key).ok()?),
            24 => Aes::A192(aes::Aes192::new_from_slice(key).ok()?),
            32 => Aes::A256(aes::Aes256::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    fn encrypt(&self, block: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::A128(c) => c.encrypt_block(b),
            Aes::A192(c) => c.encrypt_block(b),
            Aes::A256(c) => c.encrypt_block(b),
        }
    }

    fn decrypt(&self, block: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::A128(c) => c.decrypt_block(b),
            Aes::A192(c) => c.decrypt_block(b),
            Aes::A256(c) => c.decrypt_block(b),
        }
    }
}

#[derive(Clone)]
enum Chain {
    Ecb,
    /// The previous ciphertext block (the IV at first).
    Cbc([u8; 16]),
    /// Big-endian 128-bit counter block, the current keystream block and
    /// how much of it is used (16: none left).
    Ctr { counter: [u8; 16], stream: [u8; 16], used: usize },
}

/// An AES cipher in ECB, CBC or CTR mode. ECB and CBC take whole blocks
/// only (the caller checks, as upstream's `tee_do_cipher_update` does); CTR
/// takes any length and keeps its place in the keystream across calls.
#[derive(Clone)]
pub struct Cipher {
    aes: Aes,
    chain: Chain,
    encrypt: bool,
}

/// Why a cipher could not be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherError {
    /// Not one of ECB/CBC/CTR.
    Algorithm,
    /// Key not 16, 24 or 32 bytes, or IV not 16 bytes where one is needed.
    Parameters,
}

impl Cipher {
    /// `algo` is a `TEE_ALG_AES_*` value; `iv` is ignored by ECB.
    pub fn new(algo: u32, encrypt: bool, key: &[u8], iv: &[u8]) -> Result<Cipher, CipherError> {
        let aes = Aes::new(key).ok_or(CipherError::Parameters)?;
        let block = |iv: &[u8]| <[u8; 16]>::try_from(iv).map_err(|_| CipherError::Parameters);
        let chain = match algo {
            ALG_AES_ECB_NOPAD => Chain::Ecb,
            ALG_AES_CBC_NOPAD => Chain::Cbc(block(iv)?),
            ALG_AES_CTR => Chain::Ctr { counter: block(iv)?, stream: [0; 16], used: 16 },
            _ => return Err(CipherError::Algorithm),
        };
        Ok(Cipher { aes, chain, encrypt })
    }

    /// Whether only whole 16-byte blocks are accepted.
    pub fn needs_blocks(&self) -> bool {
        !matches!(self.chain, Chain::Ctr { .. })
    }

    /// Encrypts or decrypts `data` in place.
    pub fn update(&mut self, data: &mut [u8]) {
        let encrypt = self.encrypt;
        match &mut self.chain {
            Chain::Ecb => {
                for chunk in data.chunks_exact_mut(16) {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(chunk);
                    if encrypt { self.aes.encrypt(&mut b) } else { self.aes.decrypt(&mut b) }
                    chunk.copy_from_slice(&b);
                }
            }
            Chain::Cbc(prev) => {
                for chunk in data.chunks_exact_mut(16) {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(chunk);
                    if encrypt {
                        b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                        self.aes.encrypt(&mut b);
                        *prev = b;
                    } else {
                        let c = b;
                        self.aes.decrypt(&mut b);
                        b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                        *prev = c;
                    }
                    chunk.copy_from_slice(&b);
                }
            }
            Chain::Ctr { counter, stream, used } => {
                for byte in data.iter_mut() {
                    if *used == 16 {
                        *stream = *counter;
                        self.aes.encrypt(stream);
                        *used = 0;
                        // Big-endian increment of the whole block (wraps).
                        for c in counter.iter_mut().rev() {
                            *c = c.wrapping_add(1);
                            if *c != 0 {
                                break;
                            }
                        }
                    }
                    *byte ^= stream[*used];
                    *used += 1;
                }
            }
        }
    }
}

/// A running AES-CMAC (NIST SP 800-38B, RFC 4493) with a 128-, 192- or
/// 256-bit key.
#[derive(Clone)]
pub enum AesCmac {
    A128(cmac::Cmac<aes::Aes128>),
    A192(cmac::Cmac<aes::Aes192>),
    A256(cmac::Cmac<aes::Aes256>),
}

impl AesCmac {
    /// `None` unless `key` is 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Option<AesCmac> {
        Some(match key.len() {
            16 => AesCmac::A128(<cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(key).ok()?),
            24 => AesCmac::A192(<cmac::Cmac<aes::Aes192> as KeyInit>::new_from_slice(key).ok()?),
            32 => AesCmac::A256(<cmac::Cmac<aes::Aes256> as KeyInit>::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            AesCmac::A128(m) => m.update(data),
            AesCmac::A192(m) => m.update(data),
            AesCmac::A256(m) => m.update(data),
        }
    }

    /// The 16-byte MAC; the state starts over with the same key.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        match self {
            AesCmac::A128(m) => m.finalize_reset().into_bytes().to_vec(),
            AesCmac::A192(m) => m.finalize_reset().into_bytes().to_vec(),
            AesCmac::A256(m) => m.finalize_reset().into_bytes().to_vec(),
        }
    }
}

/// Why a GCM operation was refused (mapped to TEE codes by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcmError {
    /// Bad key, tag length over 16, or AAD after the payload started.
    Parameters,
    /// The tag did not match.
    MacInvalid,
}

/// Streaming AES-GCM (NIST SP 800-38D, as upstream's internal
/// `core/crypto/aes-gcm.c`): the payload is processed as it comes (CTR
/// over any length, GHASH over whole blocks with the tail buffered), so
/// every update returns as many bytes as it was given.
#[derive(Clone)]
pub struct Gcm {
    aes: Aes,
    ghash: ghash::GHash,
    /// E(K, J0), XORed into the final GHASH.
    ek_j0: [u8; 16],
    counter: [u8; 16],
    stream: [u8; 16],
    used: usize,
    /// Partial GHASH block (AAD, then ciphertext) and its fill.
    pending: [u8; 16],
    filled: usize,
    aad_bytes: u64,
    payload_bytes: u64,
    tag_len: usize,
    encrypt: bool,
}

impl Gcm {
    /// `tag_len` in bytes (at most 16); any nonce length (12 bytes the
    /// usual one; others are GHASHed into J0).
    pub fn new(encrypt: bool, key: &[u8], nonce: &[u8], tag_len: usize) -> Result<Gcm, GcmError> {
        use ghash::universal_hash::UniversalHash;
        if tag_len > 16 {
            return Err(GcmError::Parameters);
        }
        let aes = Aes::new(key).ok_or(GcmError::Parameters)?;
        let mut h = [0u8; 16];
        aes.encrypt(&mut h);
        let key_h = ghash::Key::from(h);
        let j0 = if nonce.len() == 12 {
            let mut j = [0u8; 16];
            j[..12].copy_from_slice(nonce);
            j[15] = 1;
            j
        } else {
            let mut g = ghash::GHash::new(&key_h);
            g.update_padded(nonce);
            let mut lens = [0u8; 16];
            lens[8..].copy_from_slice(&((nonce.len() as u64) * 8).to_be_bytes());
            g.update(&[ghash::Block::from(lens)]);
            g.finalize().into()
        };
        let mut ek_j0 = j0;
        aes.encrypt(&mut ek_j0);
        let mut counter = j0;
        inc32(&mut counter);
        Ok(Gcm {
            aes,
            ghash: ghash::GHash::new(&key_h),
            ek_j0,
            counter,
            stream: [0; 16],
            used: 16,
            pending: [0; 16],
            filled: 0,
            aad_bytes: 0,
            payload_bytes: 0,
            tag_len,
            encrypt,
        })
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn absorb(&mut self, data: &[u8]) {
        use ghash::universal_hash::UniversalHash;
        for &b in data {
            self.pending[self.filled] = b;
            self.filled += 1;
            if self.filled == 16 {
                self.ghash.update(&[ghash::Block::from(self.pending)]);
                self.filled = 0;
            }
        }
    }

    fn flush(&mut self) {
        use ghash::universal_hash::UniversalHash;
        if self.filled > 0 {
            self.pending[self.filled..].fill(0);
            self.ghash.update(&[ghash::Block::from(self.pending)]);
            self.filled = 0;
        }
    }

    /// More additional data: only before the payload.
    pub fn update_aad(&mut self, aad: &[u8]) -> Result<(), GcmError> {
        if self.payload_bytes > 0 {
            return Err(GcmError::Parameters);
        }
        self.absorb(aad);
        self.aad_bytes += aad.len() as u64;
        Ok(())
    }

    /// Encrypts or decrypts `data` in place.
    pub fn update_payload(&mut self, data: &mut [u8]) {
        if self.payload_bytes == 0 && !data.is_empty() {
            self.flush();
        }
        if !self.encrypt {
            self.absorb_ct(data);
        }
        for byte in data.iter_mut() {
            if self.used == 16 {
                self.stream = self.counter;
                self.aes.encrypt(&mut self.stream);
                self.used = 0;
                inc32(&mut self.counter);
            }
            *byte ^= self.stream[self.used];
            self.used += 1;
        }
        if self.encrypt {
            self.absorb_ct(data);
        }
        self.payload_bytes += data.len() as u64;
    }

    fn absorb_ct(&mut self, data: &[u8]) {
        self.absorb(data);
    }

    /// The full 16-byte tag (consumes the GHASH state).
    fn tag(&mut self) -> [u8; 16] {
        use ghash::universal_hash::UniversalHash;
        self.flush();
        let mut lens = [0u8; 16];
        lens[..8].copy_from_slice(&(self.aad_bytes * 8).to_be_bytes());
        lens[8..].copy_from_slice(&(self.payload_bytes * 8).to_be_bytes());
        self.ghash.update(&[ghash::Block::from(lens)]);
        let s: [u8; 16] = self.ghash.clone().finalize().into();
        let mut t = [0u8; 16];
        for i in 0..16 {
            t[i] = s[i] ^ self.ek_j0[i];
        }
        t
    }

    /// Last piece of the payload in place, then the tag (`tag_len` bytes).
    pub fn encrypt_final(&mut self, data: &mut [u8]) -> alloc::vec::Vec<u8> {
        self.update_payload(data);
        self.tag()[..self.tag_len].to_vec()
    }

    /// Last piece in place, then the tag compared in constant time
    /// (`MacInvalid` if it or its length differ).
    pub fn decrypt_final(&mut self, data: &mut [u8], tag: &[u8]) -> Result<(), GcmError> {
        self.update_payload(data);
        let t = self.tag();
        let diff = t[..self.tag_len].iter().zip(tag).fold(0u8, |d, (a, b)| d | (a ^ b));
        if tag.len() != self.tag_len || diff != 0 { Err(GcmError::MacInvalid) } else { Ok(()) }
    }
}

/// GCM's counter increment: the low 32 bits, big-endian, wrapping.
fn inc32(block: &mut [u8; 16]) {
    let c = u32::from_be_bytes([block[12], block[13], block[14], block[15]]).wrapping_add(1);
    block[12..].copy_from_slice(&c.to_be_bytes());
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec::Vec;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        s.chunks(2).map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
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

    /// RFC 4231 test cases 1 and 2 (HMAC-SHA-224/256/384/512) and RFC 2202
    /// test cases 1 and 2 (HMAC-SHA-1).
    #[test]
    fn hmac_known_answers() {
        let k1 = [0x0bu8; 20];
        let d1 = b"Hi There";
        let k2 = b"Jefe";
        let d2 = b"what do ya want for nothing?";
        let cases: [(HashKind, &[u8], &[u8], &str); 10] = [
            (HashKind::Sha1, &k1, d1, "b617318655057264e28bc0b6fb378c8ef146be00"),
            (HashKind::Sha1, k2, d2, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            (HashKind::Sha224, &k1, d1, "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"),
            (HashKind::Sha224, k2, d2, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"),
            (HashKind::Sha256, &k1, d1, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (HashKind::Sha256, k2, d2, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                HashKind::Sha384,
                &k1,
                d1,
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            ),
            (
                HashKind::Sha384,
                k2,
                d2,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                HashKind::Sha512,
                &k1,
                d1,
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            ),
            (
                HashKind::Sha512,
                k2,
                d2,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (kind, key, data, want) in cases {
            let mut m = Mac::new(kind, key);
            m.update(data);
            assert_eq!(m.finalize_reset(), hex(want), "{kind:?}");
            m.update(data);
            assert_eq!(m.finalize_reset(), hex(want), "{kind:?} after reset");
        }
    }

    /// RFC 4231 test cases 4, 6 and 7 (HMAC-SHA-256/512): a 25-byte key,
    /// and 131-byte keys (longer than the block, so hashed first; hashing
    /// them beforehand gives the same MAC, RFC 2104 section 2).
    #[test]
    fn hmac_rfc4231_long_keys() {
        let k4: Vec<u8> = (1..=25).collect();
        let mut m = Mac::new(HashKind::Sha256, &k4);
        m.update(&[0xcd; 50]);
        assert_eq!(m.finalize_reset(), hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"));
        let key = [0xaau8; 131];
        let d6: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";
        let d7: &[u8] = b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
        let cases: [(HashKind, &[u8], &str); 4] = [
            (HashKind::Sha256, d6, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (HashKind::Sha256, d7, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
            (
                HashKind::Sha512,
                d6,
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ),
            (
                HashKind::Sha512,
                d7,
                "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
            ),
        ];
        for (kind, data, want) in cases {
            let mut m = Mac::new(kind, &key);
            m.update(data);
            assert_eq!(m.finalize_reset(), hex(want), "{kind:?}");
            let mut h = Hash::new(kind);
            h.update(&key);
            let mut m = Mac::new(kind, &h.finalize_reset());
            m.update(data);
            assert_eq!(m.finalize_reset(), hex(want), "{kind:?} pre-hashed key");
        }
    }

    /// NIST SP 800-38A, Appendix F: the four-block plaintext and the
    /// AES-128/AES-256 keys of F.1 (ECB), F.2 (CBC) and F.5 (CTR).
    pub(crate) const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                                    30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
    pub(crate) const KEY128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
    pub(crate) const KEY256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
    pub(crate) const IV_CBC: &str = "000102030405060708090a0b0c0d0e0f";
    pub(crate) const IV_CTR: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    pub(crate) fn sp800_38a() -> [(u32, &'static str, &'static str, &'static str); 6] {
        [
            // F.1.1 ECB-AES128.Encrypt
            (
                ALG_AES_ECB_NOPAD,
                KEY128,
                "",
                "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf
                 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4",
            ),
            // F.1.5 ECB-AES256.Encrypt
            (
                ALG_AES_ECB_NOPAD,
                KEY256,
                "",
                "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870
                 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7",
            ),
            // F.2.1 CBC-AES128.Encrypt
            (
                ALG_AES_CBC_NOPAD,
                KEY128,
                IV_CBC,
                "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
                 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
            ),
            // F.2.5 CBC-AES256.Encrypt
            (
                ALG_AES_CBC_NOPAD,
                KEY256,
                IV_CBC,
                "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
                 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
            ),
            // F.5.1 CTR-AES128.Encrypt
            (
                ALG_AES_CTR,
                KEY128,
                IV_CTR,
                "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
                 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee",
            ),
            // F.5.5 CTR-AES256.Encrypt
            (
                ALG_AES_CTR,
                KEY256,
                IV_CTR,
                "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
                 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6",
            ),
        ]
    }

    /// RFC 4493 section 4 (= NIST SP 800-38B D.1), examples 1-4: AES-128
    /// key 2b7e1516..., messages of 0, 16, 40 and 64 bytes (prefixes of
    /// the SP 800-38A plaintext).
    pub(crate) fn rfc4493() -> [(usize, &'static str); 4] {
        [
            (0, "bb1d6929e95937287fa37d129b756746"),
            (16, "070a16b46b4d4144f79bdd9dd04a287c"),
            (40, "dfa66747de9ae63030ca32611497c827"),
            (64, "51f0bebf7e3b9d92fc49741779363cfe"),
        ]
    }

    #[test]
    fn cmac_rfc4493() {
        let (key, plain) = (hex(KEY128), hex(PLAIN));
        let mut m = AesCmac::new(&key).unwrap();
        for (len, want) in rfc4493() {
            m.update(&plain[..len]);
            assert_eq!(m.finalize_reset(), hex(want), "example of {len} bytes");
            // In 7-byte pieces.
            for c in plain[..len].chunks(7) {
                m.update(c);
            }
            assert_eq!(m.finalize_reset(), hex(want), "example of {len} bytes, in pieces");
        }
        assert!(AesCmac::new(&[0; 15]).is_none());
    }

    /// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test
    /// cases 2, 3 and 4 (AES-128): (key, IV, plaintext, AAD, ciphertext, tag).
    pub(crate) fn gcm_cases() -> [(&'static str, &'static str, &'static str, &'static str, &'static str, &'static str); 3] {
        const K: &str = "feffe9928665731c6d6a8f9467308308";
        const IV: &str = "cafebabefacedbaddecaf888";
        const P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
        const C: &str = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
                         21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
        [
            (
                "00000000000000000000000000000000",
                "000000000000000000000000",
                "00000000000000000000000000000000",
                "",
                "0388dace60b6a392f328c2b971b2fe78",
                "ab6e47d42cec13bdf53a67b21257bddf",
            ),
            (K, IV, P, "", C, "4d5c2af327cd64a62cf35abd2ba6fab4"),
            (
                K,
                IV,
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                 1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
                 21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
                "5bc94fbc3221a5db94fae95ae7121a47",
            ),
        ]
    }

    #[test]
    fn gcm_mcgrew_viega() {
        use aes_gcm::aead::{AeadInPlace, KeyInit as _};
        for (k, iv, p, a, c, t) in gcm_cases() {
            let (k, iv, p, a, c, t) = (hex(k), hex(iv), hex(p), hex(a), hex(c), hex(t));
            // Streamed: AAD in two pieces, payload in 7-byte updates.
            let mut g = Gcm::new(true, &k, &iv, 16).unwrap();
            let (a1, a2) = a.split_at(a.len() / 2);
            g.update_aad(a1).unwrap();
            g.update_aad(a2).unwrap();
            let mut buf = p.clone();
            let cut = (buf.len() - buf.len() % 7).min(buf.len() - 1);
            let (head, tail) = buf.split_at_mut(cut);
            for chunk in head.chunks_mut(7) {
                g.update_payload(chunk);
            }
            let tag = g.encrypt_final(tail);
            assert_eq!(buf, c);
            assert_eq!(tag, t);
            assert_eq!(g.update_aad(b"late"), Err(GcmError::Parameters));
            // The aes-gcm crate agrees.
            let cipher = aes_gcm::Aes128Gcm::new_from_slice(&k).unwrap();
            let mut buf2 = p.clone();
            let tag2 = cipher.encrypt_in_place_detached(aes_gcm::Nonce::from_slice(&iv), &a, &mut buf2).unwrap();
            assert_eq!((buf2, tag2.to_vec()), (c.clone(), t.clone()));
            // Decrypt, then a bad tag.
            let mut d = Gcm::new(false, &k, &iv, 16).unwrap();
            d.update_aad(&a).unwrap();
            let mut buf = c.clone();
            d.decrypt_final(&mut buf, &t).unwrap();
            assert_eq!(buf, p);
            let mut d = Gcm::new(false, &k, &iv, 16).unwrap();
            d.update_aad(&a).unwrap();
            let mut bad = t.clone();
            bad[0] ^= 1;
            assert_eq!(d.decrypt_final(&mut c.clone(), &bad), Err(GcmError::MacInvalid));
            // A 12-byte tag is the prefix.
            let mut g = Gcm::new(true, &k, &iv, 12).unwrap();
            g.update_aad(&a).unwrap();
            assert_eq!(g.encrypt_final(&mut p.clone()), t[..12].to_vec());
        }
        assert_eq!(Gcm::new(true, &[0; 16], &[0; 12], 17).err(), Some(GcmError::Parameters));
        assert_eq!(Gcm::new(true, &[0; 15], &[0; 12], 16).err(), Some(GcmError::Parameters));
    }

    /// Test case 6 (a 60-byte IV, GHASHed into J0).
    #[test]
    fn gcm_long_nonce() {
        let iv = hex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728
                      c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b");
        let mut g = Gcm::new(true, &hex("feffe9928665731c6d6a8f9467308308"), &iv, 16).unwrap();
        g.update_aad(&hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")).unwrap();
        let mut p = hex(gcm_cases()[2].2);
        let tag = g.encrypt_final(&mut p);
        assert_eq!(
            p,
            hex("8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7
                 01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5")
        );
        assert_eq!(tag, hex("619cc5aefffe0bfa462af43c1699d050"));
    }

    #[test]
    fn aes_sp800_38a() {
        for (algo, key, iv, want) in sp800_38a() {
            let (key, iv, plain, want) = (hex(key), hex(iv), hex(PLAIN), hex(want));
            let mut enc = Cipher::new(algo, true, &key, &iv).unwrap();
            let mut buf = plain.clone();
            // One block, then the rest: the chaining state carries over.
            let (a, b) = buf.split_at_mut(16);
            enc.update(a);
            enc.update(b);
            assert_eq!(buf, want, "encrypt {algo:#x}");
            let mut dec = Cipher::new(algo, false, &key, &iv).unwrap();
            dec.update(&mut buf);
            assert_eq!(buf, plain, "decrypt {algo:#x}");
        }
    }

    #[test]
    fn ctr_keeps_its_place_across_odd_lengths() {
        let (key, iv, plain) = (hex(KEY128), hex(IV_CTR), hex(PLAIN));
        let mut c = Cipher::new(ALG_AES_CTR, true, &key, &iv).unwrap();
        let mut buf = plain.clone();
        for chunk in buf.chunks_mut(7) {
            c.update(chunk);
        }
        assert_eq!(buf, hex(sp800_38a()[4].3));
        assert!(!c.needs_blocks());
    }

    #[test]
    fn bad_keys_and_ivs() {
        assert_eq!(Cipher::new(ALG_AES_ECB_NOPAD, true, &[0; 15], &[]).err(), Some(CipherError::Parameters));
        assert_eq!(Cipher::new(ALG_AES_CBC_NOPAD, true, &[0; 16], &[0; 8]).err(), Some(CipherError::Parameters));
        assert_eq!(Cipher::new(0x1000_0310, true, &[0; 16], &[0; 16]).err(), Some(CipherError::Algorithm));
        assert!(Cipher::new(ALG_AES_ECB_NOPAD, true, &[0; 24], &[]).unwrap().needs_blocks());
    }
}

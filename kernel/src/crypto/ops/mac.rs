//! MACs: HMAC over the digests (RFC 2104) and AES-CMAC (NIST SP 800-38B).

use aes::cipher::KeyInit;
use hmac::{Hmac, Mac as _};

use super::hash::HashKind;

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

    /// Feeds `data` (TA-sized: with preemption points).
    pub fn update(&mut self, data: &[u8]) {
        crate::thread::preempt::chunked(data, |data| match self {
            Mac::Sha1(m) => m.update(data),
            Mac::Sha224(m) => m.update(data),
            Mac::Sha256(m) => m.update(data),
            Mac::Sha384(m) => m.update(data),
            Mac::Sha512(m) => m.update(data),
        })
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

/// A running AES-CMAC (NIST SP 800-38B, RFC 4493) with a 128-, 192- or
/// 256-bit key.
#[derive(Clone)]
pub enum AesCmac {
    A128(cmac::Cmac<aes::Aes128>),
    A192(cmac::Cmac<aes::Aes192>),
    A256(cmac::Cmac<aes::Aes256>),
    /// Over the AES instructions (`accel`), the CBC-MAC in bulk.
    ByHand(super::cmac::CmacByHand),
}

impl AesCmac {
    /// `None` unless `key` is 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Option<AesCmac> {
        if super::accel::aes() {
            return super::cmac::CmacByHand::new(key).map(AesCmac::ByHand);
        }
        Some(match key.len() {
            16 => AesCmac::A128(<cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(key).ok()?),
            24 => AesCmac::A192(<cmac::Cmac<aes::Aes192> as KeyInit>::new_from_slice(key).ok()?),
            32 => AesCmac::A256(<cmac::Cmac<aes::Aes256> as KeyInit>::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    /// Feeds `data` (TA-sized: with preemption points).
    pub fn update(&mut self, data: &[u8]) {
        if let AesCmac::ByHand(m) = self {
            return m.update(data);
        }
        if let AesCmac::ByHand(m) = self {
            return m.update(data);
        }
        crate::thread::preempt::chunked(data, |data| match self {
            AesCmac::A128(m) => m.update(data),
            AesCmac::A192(m) => m.update(data),
            AesCmac::A256(m) => m.update(data),
            AesCmac::ByHand(_) => unreachable!("handled above"),
        })
    }

    /// The 16-byte MAC; the state starts over with the same key.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        match self {
            AesCmac::A128(m) => m.finalize_reset().into_bytes().to_vec(),
            AesCmac::A192(m) => m.finalize_reset().into_bytes().to_vec(),
            AesCmac::A256(m) => m.finalize_reset().into_bytes().to_vec(),
            AesCmac::ByHand(m) => m.finalize_reset(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::hash::Hash;
    use crate::crypto::ops::tests::{KEY128, PLAIN, hex, rfc4493};
    use alloc::vec::Vec;

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
}

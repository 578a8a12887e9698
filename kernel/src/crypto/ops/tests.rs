//! Known-answer vectors shared by the primitives' tests and the operation
//! states' tests in `crypto`.

use alloc::vec::Vec;

use crate::crypto::{ALG_AES_CBC_NOPAD, ALG_AES_CTR, ALG_AES_ECB_NOPAD};

/// The bytes of a hex string; anything but hex digits (spaces, line
/// breaks, separators) is skipped.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks(2).map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
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

/// Every primitive a TA can feed megabytes to passes a preemption point
/// per 64 KiB (`thread::preempt::CHUNK`), so a normal-world interrupt
/// waits for one piece, not the whole update.
#[test]
fn long_updates_pass_preemption_points() {
    use super::*;
    use crate::crypto::{ALG_AES_CCM, ALG_AES_XTS};
    use crate::thread::preempt::{CHUNK, points};
    const LEN: usize = 1 << 20;
    let want = (LEN / CHUNK) as u64;
    let mut data = alloc::vec![0u8; LEN];
    let mut seen = |what: &str, f: &mut dyn FnMut(&mut [u8])| {
        let before = points();
        f(&mut data);
        assert!(points() - before >= want, "{what}: {} points for 1 MiB", points() - before);
    };
    seen("SHA-256", &mut |d| Hash::new(HashKind::Sha256).update(d));
    seen("HMAC", &mut |d| Mac::new(HashKind::Sha512, b"k").update(d));
    seen("CMAC", &mut |d| AesCmac::new(&[0; 16]).unwrap().update(d));
    for algo in [ALG_AES_ECB_NOPAD, ALG_AES_CBC_NOPAD, ALG_AES_CTR, ALG_AES_XTS] {
        seen("cipher", &mut |d| {
            Cipher::new(algo, true, &[0; 16], &[1; 16], &[0; 16]).unwrap().update(d, false).unwrap()
        });
    }
    seen("GCM AAD", &mut |d| Gcm::new(true, &[0; 16], &[0; 12], 16).unwrap().update_aad(d).unwrap());
    seen("GCM", &mut |d| Gcm::new(true, &[0; 16], &[0; 12], 16).unwrap().update_payload(d));
    seen("CCM", &mut |d| {
        let mut c = Ae::new(ALG_AES_CCM, true, &[0; 16], &[0; 12], 16, 0, LEN as u64).unwrap().unwrap();
        c.update_payload(d).unwrap()
    });
}

//! Known answers from the standards: FIPS 81 appendix B/C (DES ECB, CBC),
//! NIST SP 800-67 rev. 2 appendix B (3DES), GB/T 32907-2016 appendix A
//! (SM4), NIST SP 800-38A F.2.1 (AES-CBC, as a CBC-MAC).

use super::*;
use crate::crypto::ops::tests::hex;

fn run(algo: u32, key: &str, iv: &str, plain: &str, want: &str) {
    let mut buf = hex(plain);
    let mut c = ExtCipher::new(algo, true, &hex(key), &hex(iv)).unwrap();
    // Two updates: the chaining state carries over.
    let bs = c.cipher.block_size();
    let (a, b) = buf.split_at_mut(bs);
    c.update(a).unwrap();
    c.update(b).unwrap();
    assert_eq!(buf, hex(want), "{algo:#x} encrypt");
    let mut d = ExtCipher::new(algo, false, &hex(key), &hex(iv)).unwrap();
    d.update(&mut buf).unwrap();
    assert_eq!(buf, hex(plain), "{algo:#x} decrypt");
}

const NOW_IS: &str = "4e6f77206973207468652074696d6520666f7220616c6c20";

#[test]
fn des_fips81() {
    run(alg::DES_ECB_NOPAD, "0123456789abcdef", "", NOW_IS, "3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53");
    run(
        alg::DES_CBC_NOPAD,
        "0123456789abcdef",
        "1234567890abcdef",
        NOW_IS,
        "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6",
    );
}

#[test]
fn tdes_sp800_67() {
    let key = "0123456789abcdef23456789abcdef01456789abcdef0123";
    let plain = "54686520717566636b2062726f776e20666f78206a756d70";
    run(alg::DES3_ECB_NOPAD, key, "", plain, "a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900");
    // Two-key 3DES is three-key with K3 = K1.
    let two = "0123456789abcdef23456789abcdef01";
    let mut a = hex(plain);
    ExtCipher::new(alg::DES3_ECB_NOPAD, true, &hex(two), &[]).unwrap().update(&mut a).unwrap();
    let mut b = hex(plain);
    let three = hex(&alloc::format!("{two}0123456789abcdef"));
    ExtCipher::new(alg::DES3_ECB_NOPAD, true, &three, &[]).unwrap().update(&mut b).unwrap();
    assert_eq!(a, b);
    assert!(ExtCipher::new(alg::DES3_ECB_NOPAD, true, &[0; 8], &[]).is_err());
}

#[test]
fn sm4_gbt32907() {
    let k = "0123456789abcdeffedcba9876543210";
    run(
        alg::SM4_ECB_NOPAD,
        k,
        "",
        &alloc::format!("{k}{k}"),
        "681edf34d206965e86b3e94f536e4246681edf34d206965e86b3e94f536e4246",
    );
    // CTR: the keystream is the encrypted counter blocks (2^128 wrap).
    let iv = "ffffffffffffffffffffffffffffffff";
    let mut ks = hex(&alloc::format!("{iv}00000000000000000000000000000000"));
    ExtCipher::new(alg::SM4_ECB_NOPAD, true, &hex(k), &[]).unwrap().update(&mut ks).unwrap();
    let mut data = alloc::vec![0u8; 21];
    let mut c = ExtCipher::new(alg::SM4_CTR, true, &hex(k), &hex(iv)).unwrap();
    let (a, b) = data.split_at_mut(5);
    c.update(a).unwrap();
    c.update(b).unwrap();
    assert_eq!(data, ks[..21]);
    assert_eq!(ExtCipher::new(alg::SM4_CBC_NOPAD, true, &hex(k), &[0; 8]).err(), Some(TeeError::BadParameters));
    let mut odd = [0u8; 15];
    let mut e = ExtCipher::new(alg::SM4_CBC_NOPAD, true, &hex(k), &[0; 16]).unwrap();
    assert_eq!(e.update(&mut odd), Err(TeeError::BadParameters));
}

/// A CBC-MAC with a zero IV over (P1 ^ IV) || P2 || P3 || P4 is the last
/// block of SP 800-38A's CBC-AES128 example.
#[test]
fn cbc_mac_sp800_38a() {
    let mut data = hex(crate::crypto::ops::tests::PLAIN);
    let iv = hex("000102030405060708090a0b0c0d0e0f");
    data[..16].iter_mut().zip(&iv).for_each(|(d, v)| *d ^= v);
    let mut m = CbcMac::unkeyed(alg::AES_CBC_MAC_NOPAD).restarted(&hex(crate::crypto::ops::tests::KEY128)).unwrap();
    assert_eq!(m.finalize(), Err(TeeError::BadState), "nothing fed");
    m.update(&data[..7]).unwrap();
    m.update(&data[7..40]).unwrap();
    m.update(&data[40..]).unwrap();
    assert_eq!(m.finalize().unwrap(), hex("3ff1caa1681fac09120eca307586e1a7"));
    m.update(&data[..17]).unwrap();
    assert_eq!(m.finalize(), Err(TeeError::BadState), "partial block");
    // PKCS#5: the same as NOPAD over the padded message.
    let key = hex("0123456789abcdef");
    for len in [0usize, 5, 8, 13] {
        let msg: Vec<u8> = (0..len as u8).collect();
        let mut p = CbcMac::unkeyed(alg::DES_CBC_MAC_PKCS5).restarted(&key).unwrap();
        p.update(&msg).unwrap();
        let mut padded = msg.clone();
        let pad = 8 - len % 8;
        padded.extend(core::iter::repeat_n(pad as u8, pad));
        let mut n = CbcMac::unkeyed(alg::DES_CBC_MAC_NOPAD).restarted(&key).unwrap();
        n.update(&padded).unwrap();
        assert_eq!(p.finalize().unwrap(), n.finalize().unwrap(), "{len}");
    }
    assert_eq!(CbcMac::unkeyed(alg::DES_CBC_MAC_NOPAD).update(b"x"), Err(TeeError::BadState));
}

/// NIST SP 800-38B appendix D.4 (three-key TDEA): the empty message and
/// the 8-byte one.
#[test]
fn des3_cmac_sp800_38b() {
    let key = hex("8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5");
    let mut m = Des3Cmac::new(&key).unwrap();
    assert_eq!(m.finalize_reset(), hex("b7a688e122ffaf95"));
    m.update(&hex("6bc1bee2"));
    m.update(&hex("2e409f96"));
    assert_eq!(m.finalize_reset(), hex("8e8f293136283797"));
    assert!(Des3Cmac::new(&[0; 8]).is_err());
}

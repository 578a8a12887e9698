//! Host tests of the asymmetric objects and operations through
//! [`CryptoState`], with the published vectors the guest suite uses
//! (`qemu/runner/src/bin/tz-xtest/crypto_asym/vectors.rs`, sources cited
//! there).

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::*;
use crate::crypto::ops::tests::hex;
use crate::crypto::testing::{populated as key, value};
use crate::crypto::{ATTR_SECRET_VALUE, MODE_DECRYPT, MODE_ENCRYPT, TYPE_GENERIC_SECRET};

#[allow(dead_code)]
mod v {
    include!("../../../../qemu/runner/src/bin/tz-xtest/crypto_asym/vectors.rs");
}

use tee_abi::gp::alg::ECDSA_SHA256 as ALG_ECDSA_SHA256;
use tee_abi::gp::alg::ECDSA_SHA384 as ALG_ECDSA_SHA384;
use tee_abi::gp::alg::RSA_NOPAD as ALG_RSA_NOPAD;
use tee_abi::gp::alg::RSAES_PKCS1_OAEP_MGF1_SHA1 as ALG_OAEP_SHA1;
use tee_abi::gp::alg::RSASSA_PKCS1_PSS_MGF1_SHA256 as ALG_RSASSA_PSS_SHA256;
use tee_abi::gp::alg::RSASSA_PKCS1_V1_5_SHA256 as ALG_RSASSA_PKCS1_V1_5_SHA256;
use tee_abi::gp::mode::DERIVE as MODE_DERIVE;

fn r(id: u32, h: &str) -> Attr {
    Attr { id, data: hex(h) }
}

/// An Ed25519 keypair object from the hex of its private and public
/// values.
fn ed25519_keypair(st: &mut CryptoState, private: &str, public: &str) -> u32 {
    key(st, TYPE_ED25519_KEYPAIR, 256, &[r(ATTR_ED25519_PRIVATE_VALUE, private), r(ATTR_ED25519_PUBLIC_VALUE, public)])
}

/// An Ed25519 public key object from the hex of its value.
fn ed25519_public(st: &mut CryptoState, public: &str) -> u32 {
    key(st, TYPE_ED25519_PUBLIC_KEY, 256, &[r(ATTR_ED25519_PUBLIC_VALUE, public)])
}

/// `sig` verifies on state `vs`; with byte `flip` changed it is
/// SIGNATURE_INVALID, one byte short BAD_PARAMETERS.
fn check_signature(st: &CryptoState, vs: u32, msg: &[u8], sig: &[u8], flip: usize) {
    st.asym_verify(vs, &[], msg, sig).unwrap();
    let mut bad = sig.to_vec();
    bad[flip] ^= 1;
    assert_eq!(st.asym_verify(vs, &[], msg, &bad), Err(TeeError::SignatureInvalid));
    assert_eq!(st.asym_verify(vs, &[], msg, &bad[..sig.len() - 1]), Err(TeeError::BadParameters));
}

fn rsa_attrs(p: [&str; 8]) -> Vec<Attr> {
    let ids = [
        ATTR_RSA_MODULUS,
        ATTR_RSA_PUBLIC_EXPONENT,
        ATTR_RSA_PRIVATE_EXPONENT,
        ATTR_RSA_PRIME1,
        ATTR_RSA_PRIME2,
        ATTR_RSA_EXPONENT1,
        ATTR_RSA_EXPONENT2,
        ATTR_RSA_COEFFICIENT,
    ];
    ids.iter().zip(p).map(|(&id, h)| r(id, h)).collect()
}

#[test]
fn ed25519_rfc8032() {
    for t in [v::ED25519_TEST1, v::ED25519_TEST2] {
        let mut st = CryptoState::new();
        let k = ed25519_keypair(&mut st, t[0], t[1]);
        let s = st.state_alloc(ALG_ED25519, MODE_SIGN, k, 0).unwrap();
        assert_eq!(st.asym_operate(s, &[], &hex(t[2]), 63).unwrap_err(), (TeeError::ShortBuffer, 64));
        assert_eq!(st.asym_operate(s, &[], &hex(t[2]), 64).unwrap(), hex(t[3]));
        let p = ed25519_public(&mut st, t[1]);
        let vs = st.state_alloc(ALG_ED25519, MODE_VERIFY, p, 0).unwrap();
        check_signature(&st, vs, &hex(t[2]), &hex(t[3]), 5);
    }
}

#[test]
fn ed25519ctx_and_ph_rfc8032() {
    let (c, p) = (v::ED25519CTX_FOO, v::ED25519PH_ABC);
    let ph = [value(ATTR_EDDSA_PREHASH, 1)];
    for (t, params, sig) in
        [([c[0], c[1], c[2]], [r(ATTR_EDDSA_CTX, c[3])], c[4]), ([p[0], p[1], p[2]], [ph[0].clone()], p[3])]
    {
        let mut st = CryptoState::new();
        let k = ed25519_keypair(&mut st, t[0], t[1]);
        let s = st.state_alloc(ALG_ED25519, MODE_SIGN, k, 0).unwrap();
        assert_eq!(st.asym_operate(s, &params, &hex(t[2]), 64).unwrap(), hex(sig));
        let pk = ed25519_public(&mut st, t[1]);
        let vs = st.state_alloc(ALG_ED25519, MODE_VERIFY, pk, 0).unwrap();
        st.asym_verify(vs, &params, &hex(t[2]), &hex(sig)).unwrap();
        assert_eq!(st.asym_verify(vs, &[], &hex(t[2]), &hex(sig)), Err(TeeError::SignatureInvalid), "pure Ed25519");
    }
    let mut st = CryptoState::new();
    let pk = ed25519_public(&mut st, c[1]);
    let vs = st.state_alloc(ALG_ED25519, MODE_VERIFY, pk, 0).unwrap();
    let two = [r(ATTR_EDDSA_CTX, "01"), r(ATTR_EDDSA_CTX, "02")];
    assert_eq!(st.asym_verify(vs, &two, &hex(c[2]), &hex(c[4])), Err(TeeError::BadParameters), "two contexts");
    assert_eq!(
        st.asym_verify(vs, &[value(ATTR_EDDSA_PREHASH, 2)], &hex(c[2]), &hex(c[4])),
        Err(TeeError::BadParameters)
    );
}

#[test]
fn x25519_rfc7748_through_derive() {
    let t = v::X25519_6_1;
    let mut st = CryptoState::new();
    let k = key(
        &mut st,
        TYPE_X25519_KEYPAIR,
        256,
        &[r(ATTR_X25519_PRIVATE_VALUE, t[0]), r(ATTR_X25519_PUBLIC_VALUE, t[1])],
    );
    let s = st.state_alloc(ALG_X25519, MODE_DERIVE, k, 0).unwrap();
    let out = st.obj_alloc(TYPE_GENERIC_SECRET, 256).unwrap();
    st.derive_key(s, &[r(ATTR_X25519_PUBLIC_VALUE, t[3])], out).unwrap();
    assert_eq!(st.obj_get_attr_value(out, ATTR_SECRET_VALUE).unwrap(), hex(t[4]));
    assert_eq!(st.derive_key(s, &[r(ATTR_X25519_PUBLIC_VALUE, &t[3][..62])], out), Err(TeeError::BadParameters));
    // Bob's side gives the same K.
    let mut bob = AsymKey::default();
    bob.set(ATTR_X25519_PRIVATE_VALUE, hex(t[2]));
    let k = curve25519::x25519_derive(&bob, &[r(ATTR_X25519_PUBLIC_VALUE, t[1])]).unwrap();
    assert_eq!(*k, hex(t[4]));
    // A generated key's public half is X25519(k, 9).
    let mut g = AsymKey::default();
    curve25519::x25519_generate(&mut g);
    let base = alloc::format!("09{}", "00".repeat(31));
    let public = curve25519::x25519_derive(&g, &[r(ATTR_X25519_PUBLIC_VALUE, &base)]).unwrap();
    assert_eq!(&*public, g.get(ATTR_X25519_PUBLIC_VALUE).unwrap());
    assert_eq!(st.obj_alloc(TYPE_X25519_PUBLIC_KEY, 256), Err(TeeError::NotSupported), "no such type in 4.5");
}

#[test]
fn ecdsa_cavp_and_roundtrip() {
    let t = v::ECDSA_P256;
    let mut st = CryptoState::new();
    let pubkey = [
        r(ATTR_ECC_PUBLIC_VALUE_X, t[1]),
        r(ATTR_ECC_PUBLIC_VALUE_Y, t[2]),
        value(ATTR_ECC_CURVE, ECC_CURVE_NIST_P256),
    ];
    let p = key(&mut st, TYPE_ECDSA_PUBLIC_KEY, 256, &pubkey);
    let vs = st.state_alloc(ALG_ECDSA_SHA256, MODE_VERIFY, p, 0).unwrap();
    let sig = hex(&[t[4], t[5]].concat());
    check_signature(&st, vs, &hex(t[3]), &sig, 0);
    // The keypair: the private value with the public key's attributes.
    let keypair_attrs = [&[r(ATTR_ECC_PRIVATE_VALUE, t[0])][..], &pubkey[..]].concat();
    let kp = key(&mut st, TYPE_ECDSA_KEYPAIR, 521, &keypair_attrs);
    assert_eq!(&st.obj_info(kp).unwrap()[4..8], &256u32.to_le_bytes(), "size from the curve");
    let ss = st.state_alloc(ALG_ECDSA_SHA256, MODE_SIGN, kp, 0).unwrap();
    assert_eq!(st.asym_operate(ss, &[], &hex(t[3]), 10).unwrap_err(), (TeeError::ShortBuffer, 64));
    let mine = st.asym_operate(ss, &[], &hex(t[3]), 64).unwrap();
    st.asym_verify(vs, &[], &hex(t[3]), &mine).unwrap();
    // ECDSA_SHA384 goes with P-384 only.
    let kp2 = key(&mut st, TYPE_ECDSA_KEYPAIR, 521, &keypair_attrs);
    let s384 = st.state_alloc(ALG_ECDSA_SHA384, MODE_SIGN, kp2, 0).unwrap();
    assert_eq!(st.asym_operate(s384, &[], &hex(t[3]), 96).unwrap_err().0, TeeError::BadParameters);
    // The deprecated ECDSA_P256 identifier is ECDSA_SHA256.
    let p2 = key(&mut st, TYPE_ECDSA_PUBLIC_KEY, 256, &pubkey.iter().map(Attr::clone).collect::<Vec<_>>());
    let old = st.state_alloc(0x7000_3041, MODE_VERIFY, p2, 0).unwrap();
    st.asym_verify(old, &[], &hex(t[3]), &sig).unwrap();
    // A public key cannot sign.
    let p3 = key(&mut st, TYPE_ECDSA_PUBLIC_KEY, 256, &pubkey.iter().map(Attr::clone).collect::<Vec<_>>());
    assert_eq!(st.state_alloc(ALG_ECDSA_SHA256, MODE_SIGN, p3, 0), Err(TeeError::BadParameters));
}

#[test]
fn ecdsa_p384_p521_cavp() {
    for (t, curve, algo, bits) in [
        (v::ECDSA_P384, ECC_CURVE_NIST_P384, ALG_ECDSA_SHA384, 384),
        (v::ECDSA_P521, ECC_CURVE_NIST_P521, 0x7000_5042, 521),
    ] {
        let mut st = CryptoState::new();
        let p = key(
            &mut st,
            TYPE_ECDSA_PUBLIC_KEY,
            bits,
            &[r(ATTR_ECC_PUBLIC_VALUE_X, t[1]), r(ATTR_ECC_PUBLIC_VALUE_Y, t[2]), value(ATTR_ECC_CURVE, curve)],
        );
        let vs = st.state_alloc(algo, MODE_VERIFY, p, 0).unwrap();
        st.asym_verify(vs, &[], &hex(t[3]), &hex(&[t[4], t[5]].concat())).unwrap();
    }
}

#[test]
fn ecdh_cavp_through_derive() {
    for (t, curve, bits) in [
        (v::CDH_P256, ECC_CURVE_NIST_P256, 256),
        (v::CDH_P384, ECC_CURVE_NIST_P384, 384),
        (v::CDH_P521, ECC_CURVE_NIST_P521, 521),
    ] {
        let mut st = CryptoState::new();
        let attrs = [
            r(ATTR_ECC_PRIVATE_VALUE, t[2]),
            r(ATTR_ECC_PUBLIC_VALUE_X, t[3]),
            r(ATTR_ECC_PUBLIC_VALUE_Y, t[4]),
            value(ATTR_ECC_CURVE, curve),
        ];
        let k = key(&mut st, TYPE_ECDH_KEYPAIR, bits, &attrs);
        let s = st.state_alloc(ALG_ECDH_DERIVE_SHARED_SECRET, MODE_DERIVE, k, 0).unwrap();
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 1024).unwrap();
        st.derive_key(s, &[r(ATTR_ECC_PUBLIC_VALUE_X, t[0]), r(ATTR_ECC_PUBLIC_VALUE_Y, t[1])], out).unwrap();
        assert_eq!(st.obj_get_attr_value(out, ATTR_SECRET_VALUE).unwrap(), hex(t[5]));
        assert_eq!(
            st.derive_key(s, &[r(ATTR_ECC_PUBLIC_VALUE_Y, t[1]), r(ATTR_ECC_PUBLIC_VALUE_X, t[0])], out),
            Err(TeeError::BadParameters)
        );
    }
}

#[test]
fn rsa_published_vectors() {
    let mut st = CryptoState::new();
    let sg = v::SIGGEN15_KEY;
    let k = key(&mut st, TYPE_RSA_KEYPAIR, 1024, &rsa_attrs(sg));
    let s = st.state_alloc(ALG_RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, k, 0).unwrap();
    assert_eq!(
        st.asym_operate(s, &[], &hex(v::SIGGEN15_SHA256_DIGEST), 127).unwrap_err(),
        (TeeError::ShortBuffer, 128)
    );
    assert_eq!(st.asym_operate(s, &[], &hex(v::SIGGEN15_SHA256_DIGEST), 128).unwrap(), hex(v::SIGGEN15_SHA256_SIG));
    assert_eq!(st.asym_operate(s, &[], &[0; 20], 128).unwrap_err().0, TeeError::BadParameters, "not a SHA-256 digest");
    let pk = key(&mut st, TYPE_RSA_PUBLIC_KEY, 1024, &rsa_attrs(sg)[..2]);
    let vs = st.state_alloc(ALG_RSASSA_PKCS1_V1_5_SHA256, MODE_VERIFY, pk, 0).unwrap();
    st.asym_verify(vs, &[], &hex(v::SIGGEN15_SHA256_DIGEST), &hex(v::SIGGEN15_SHA256_SIG)).unwrap();
    assert_eq!(st.asym_verify(vs, &[], &hex(v::SIGGEN15_SHA256_DIGEST), &[1; 128]), Err(TeeError::SignatureInvalid));
    // PSS with the published salt length 20.
    let pss = v::SIGGENPSS_KEY;
    let pk = key(&mut st, TYPE_RSA_PUBLIC_KEY, 1024, &rsa_attrs(pss)[..2]);
    let vs = st.state_alloc(ALG_RSASSA_PSS_SHA256, MODE_VERIFY, pk, 0).unwrap();
    let salt20 = [value(ATTR_RSA_PSS_SALT_LENGTH, 20)];
    st.asym_verify(vs, &salt20, &hex(v::SIGGENPSS_SHA256_DIGEST), &hex(v::SIGGENPSS_SHA256_SIG)).unwrap();
    assert_eq!(
        st.asym_verify(vs, &[], &hex(v::SIGGENPSS_SHA256_DIGEST), &hex(v::SIGGENPSS_SHA256_SIG)),
        Err(TeeError::SignatureInvalid),
        "default salt length is the digest's"
    );
    // OAEP and PKCS#1 v1.5 decryption of the published ciphertexts.
    let ex1 = v::EX1_KEY;
    for (algo, ct, msg) in [
        (ALG_OAEP_SHA1, v::OAEP_1_1_CT, v::OAEP_1_1_MSG),
        (ALG_RSAES_PKCS1_V1_5, v::PKCS1V15_1_1_CT, v::PKCS1V15_1_1_MSG),
    ] {
        let k = key(&mut st, TYPE_RSA_KEYPAIR, 1024, &rsa_attrs(ex1));
        let d = st.state_alloc(algo, MODE_DECRYPT, k, 0).unwrap();
        assert_eq!(st.asym_operate(d, &[], &hex(ct), 128).unwrap(), hex(msg));
        let pk = key(&mut st, TYPE_RSA_PUBLIC_KEY, 1024, &rsa_attrs(ex1)[..2]);
        let e = st.state_alloc(algo, MODE_ENCRYPT, pk, 0).unwrap();
        let c = st.asym_operate(e, &[], b"roundtrip", 128).unwrap();
        assert_eq!(st.asym_operate(d, &[], &c, 128).unwrap(), b"roundtrip");
        assert_eq!(st.asym_operate(d, &[], &c, 3).unwrap_err(), (TeeError::ShortBuffer, 9));
        assert_eq!(st.asym_operate(e, &[], &[0; 200], 128).unwrap_err().0, TeeError::BadParameters, "too long");
    }
}

mod errors;

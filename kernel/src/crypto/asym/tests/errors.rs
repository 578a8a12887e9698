//! Attribute rules and robustness: what upstream refuses, and garbage keys
//! that must give error codes rather than panics.

use super::*;

#[test]
fn attributes_copy_and_access() {
    let mut st = CryptoState::new();
    let t = v::ECDSA_P256;
    let attrs = [
        r(ATTR_ECC_PRIVATE_VALUE, t[0]),
        r(ATTR_ECC_PUBLIC_VALUE_X, t[1]),
        r(ATTR_ECC_PUBLIC_VALUE_Y, t[2]),
        value(ATTR_ECC_CURVE, 3),
    ];
    let k = key(&mut st, TYPE_ECDSA_KEYPAIR, 256, &attrs);
    assert_eq!(st.obj_get_attr_value(k, ATTR_ECC_PRIVATE_VALUE).unwrap(), hex(t[0]));
    assert_eq!(st.obj_get_attr_value(k, ATTR_ECC_CURVE).unwrap(), [3, 0, 0, 0, 0, 0, 0, 0]);
    let p = st.obj_alloc(TYPE_ECDSA_PUBLIC_KEY, 256).unwrap();
    st.obj_copy(p, k).unwrap();
    assert_eq!(st.obj_get_attr_value(p, ATTR_ECC_PUBLIC_VALUE_X).unwrap(), hex(t[1]));
    assert_eq!(st.obj_get_attr_value(p, ATTR_ECC_PRIVATE_VALUE), Err(TeeError::ItemNotFound));
    let back = st.obj_alloc(TYPE_ECDSA_KEYPAIR, 256).unwrap();
    assert_eq!(st.obj_copy(back, p), Err(TeeError::BadParameters), "keypair from a public key");
    st.obj_restrict_usage(k, 0).unwrap();
    assert_eq!(st.obj_get_attr_value(k, ATTR_ECC_PRIVATE_VALUE), Err(TeeError::BadParameters));
    assert_eq!(
        st.obj_get_attr_value(k, ATTR_ECC_PUBLIC_VALUE_X).unwrap(),
        hex(t[1]),
        "public attributes stay readable"
    );
    // Generation: the curve is required, the size must be the curve's.
    let g = st.obj_alloc(TYPE_ECDH_KEYPAIR, 384).unwrap();
    assert_eq!(st.obj_generate_key(g, 256, &[], &mut |_| {}), Err(TeeError::ItemNotFound));
    assert_eq!(st.obj_generate_key(g, 384, &[value(ATTR_ECC_CURVE, 3)], &mut |_| {}), Err(TeeError::BadParameters));
    st.obj_generate_key(g, 384, &[value(ATTR_ECC_CURVE, 4)], &mut |_| {}).unwrap();
    assert!(st.obj_get_attr_value(g, ATTR_ECC_PRIVATE_VALUE).unwrap().len() <= 48);
    let ed = st.obj_alloc(TYPE_ED25519_KEYPAIR, 256).unwrap();
    st.obj_generate_key(ed, 256, &[], &mut |_| {}).unwrap();
    assert_eq!(st.obj_get_attr_value(ed, ATTR_ED25519_PUBLIC_VALUE).unwrap().len(), 32);
    // RSA generation refuses an even public exponent.
    let rk = st.obj_alloc(TYPE_RSA_KEYPAIR, 512).unwrap();
    assert_eq!(
        st.obj_generate_key(rk, 512, &[r(ATTR_RSA_PUBLIC_EXPONENT, "010000")], &mut |_| {}),
        Err(TeeError::BadParameters)
    );
    assert_eq!(
        st.obj_generate_key(rk, 512, &[r(ATTR_RSA_PUBLIC_EXPONENT, "03")], &mut |_| {}),
        Err(TeeError::BadParameters)
    );
}

/// Garbage keys (zero, tiny, even or inconsistent numbers) give error
/// codes, never a panic.
#[test]
fn garbage_keys_are_errors() {
    let zero = "0000000000000000000000000000000000000000000000000000000000000000";
    let odd = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff01";
    let cases: [[&str; 3]; 5] =
        [[zero, "010001", "01"], [odd, "00", "00"], [odd, "010001", zero], [odd, "03", odd], [zero, zero, zero]];
    for [n, e, d] in cases {
        let mut st = CryptoState::new();
        let attrs = [r(ATTR_RSA_MODULUS, n), r(ATTR_RSA_PUBLIC_EXPONENT, e), r(ATTR_RSA_PRIVATE_EXPONENT, d)];
        for (algo, mode, data) in [
            (ALG_RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &[7u8; 32][..]),
            (ALG_RSASSA_PSS_SHA256, MODE_SIGN, &[7; 32]),
            (ALG_OAEP_SHA1, MODE_DECRYPT, &[7; 32]),
            (ALG_RSAES_PKCS1_V1_5, MODE_ENCRYPT, &[7; 4]),
            (ALG_RSA_NOPAD, MODE_DECRYPT, &[7; 4]),
            (ALG_RSA_NOPAD, MODE_ENCRYPT, &[7; 4]),
        ] {
            let k = key(&mut st, TYPE_RSA_KEYPAIR, 256, &attrs);
            let s = st.state_alloc(algo, mode, k, 0).unwrap();
            // Encryption with a well-formed public half may succeed; what
            // matters is that nothing panics.
            let _ = st.asym_operate(s, &[], data, 512);
            st.state_free(s).unwrap();
        }
        let k = key(&mut st, TYPE_RSA_PUBLIC_KEY, 256, &attrs[..2]);
        let s = st.state_alloc(ALG_RSASSA_PKCS1_V1_5_SHA256, MODE_VERIFY, k, 0).unwrap();
        assert!(st.asym_verify(s, &[], &[7; 32], &[1; 32]).is_err());
    }
    // ECC: a point off the curve, a zero or oversized private value.
    let mut st = CryptoState::new();
    let c = value(ATTR_ECC_CURVE, ECC_CURVE_NIST_P256);
    for d in [
        "00",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0102030405060708091011121314151617181920212223242526272829303132333435",
    ] {
        let k = key(
            &mut st,
            TYPE_ECDSA_KEYPAIR,
            256,
            &[
                r(ATTR_ECC_PRIVATE_VALUE, d),
                r(ATTR_ECC_PUBLIC_VALUE_X, "01"),
                r(ATTR_ECC_PUBLIC_VALUE_Y, "02"),
                c.clone(),
            ],
        );
        let s = st.state_alloc(ALG_ECDSA_SHA256, MODE_SIGN, k, 0).unwrap();
        assert!(st.asym_operate(s, &[], &[1; 32], 64).is_err());
        let k = key(
            &mut st,
            TYPE_ECDH_KEYPAIR,
            256,
            &[
                r(ATTR_ECC_PRIVATE_VALUE, d),
                r(ATTR_ECC_PUBLIC_VALUE_X, "01"),
                r(ATTR_ECC_PUBLIC_VALUE_Y, "02"),
                c.clone(),
            ],
        );
        let s = st.state_alloc(ALG_ECDH_DERIVE_SHARED_SECRET, MODE_DERIVE, k, 0).unwrap();
        let out = st.obj_alloc(TYPE_GENERIC_SECRET, 512).unwrap();
        assert!(st.derive_key(s, &[r(ATTR_ECC_PUBLIC_VALUE_X, "01"), r(ATTR_ECC_PUBLIC_VALUE_Y, "02")], out).is_err());
    }
    let p = key(
        &mut st,
        TYPE_ECDSA_PUBLIC_KEY,
        256,
        &[r(ATTR_ECC_PUBLIC_VALUE_X, "01"), r(ATTR_ECC_PUBLIC_VALUE_Y, "02"), c.clone()],
    );
    let s = st.state_alloc(ALG_ECDSA_SHA256, MODE_VERIFY, p, 0).unwrap();
    assert_eq!(st.asym_verify(s, &[], &[1; 32], &[1; 64]), Err(TeeError::SignatureInvalid));
    // Ed25519: a public key that is no point.
    let p = key(&mut st, TYPE_ED25519_PUBLIC_KEY, 256, &[r(ATTR_ED25519_PUBLIC_VALUE, odd)]);
    let s = st.state_alloc(ALG_ED25519, MODE_VERIFY, p, 0).unwrap();
    assert!(st.asym_verify(s, &[], b"m", &[0; 64]).is_err());
    assert!(st.asym_verify(s, &[r(ATTR_EDDSA_CTX, "01")], b"m", &[0xff; 64]).is_err());
}

//! Tests 4024-4028: ECDSA, ECDH, Ed25519 and X25519.

use super::*;

pub(super) fn cases(ta: &mut Ta<'_, '_>, report: &mut Report) {
    report.test(4024, "ECDSA: NIST CAVP 186-4 SigGen (P-256, P-384, P-521)");
    let curves = [
        ("p256", v::ECDSA_P256, P256, ECDSA_SHA256, 256u32),
        ("p384", v::ECDSA_P384, P384, ECDSA_SHA384, 384),
        ("p521", v::ECDSA_P521, P521, ECDSA_SHA512, 521),
    ];
    for (name, t, curve, algo, bits) in curves {
        let public = spec(ECDSA_PUBLIC_KEY, bits, &ecc_public(t, curve), &[]);
        let sig = hex(&[t[4], t[5]].concat());
        report.case(&format!("ecdsa-{name}-verify-cavp"), ta.verify(algo, &public, &hex(t[3]), &sig).and_then(want_ok));
        report.case(
            &format!("ecdsa-{name}-sign-verify"),
            (|| {
                let kp = spec(ECDSA_KEYPAIR, bits, &ecc_keypair(t[0], t[1], t[2], curve), &[]);
                let mine =
                    ta.operate(algo, MODE_SIGN, &kp, &hex(t[3]), 132)?.map_err(|(c, _)| format!("sign: {c:#010x}"))?;
                if mine.len() != sig.len() {
                    return Err(format!("signature of {} bytes, want {}", mine.len(), sig.len()));
                }
                want_ok(ta.verify(algo, &public, &hex(t[3]), &mine)?)
            })(),
        );
    }
    let t = v::ECDSA_P256;
    let public = spec(ECDSA_PUBLIC_KEY, 256, &ecc_public(t, P256), &[]);
    let kp = spec(ECDSA_KEYPAIR, 256, &ecc_keypair(t[0], t[1], t[2], P256), &[]);
    let sig = hex(&[t[4], t[5]].concat());
    let mut bad = sig.clone();
    bad[40] ^= 0x01;
    report.case(
        "ecdsa-bad-signature-invalid",
        ta.verify(ECDSA_SHA256, &public, &hex(t[3]), &bad).and_then(|a| want_err(a, TeeError::SignatureInvalid)),
    );
    report.case(
        "ecdsa-other-digest-invalid",
        ta.verify(ECDSA_SHA256, &public, &[0x11; 32], &sig).and_then(|a| want_err(a, TeeError::SignatureInvalid)),
    );
    report.case(
        "ecdsa-signature-length-bad-parameters",
        ta.verify(ECDSA_SHA256, &public, &hex(t[3]), &sig[..63]).and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "ecdsa-sign-short-buffer",
        ta.operate(ECDSA_SHA256, MODE_SIGN, &kp, &hex(t[3]), 32).and_then(|a| want_short(a, 64)),
    );
    let kp521 = spec(ECDSA_KEYPAIR, 521, &ecc_keypair(v::ECDSA_P521[0], v::ECDSA_P521[1], v::ECDSA_P521[2], P521), &[]);
    report.case(
        "ecdsa-p521-sign-short-buffer",
        ta.operate(ECDSA_SHA512, MODE_SIGN, &kp521, &hex(v::ECDSA_P521[3]), 64).and_then(|a| want_short(a, 132)),
    );
    report.case(
        "ecdsa-algorithm-curve-mismatch",
        ta.operate(ECDSA_SHA384, MODE_SIGN, &kp, &hex(t[3]), 132).and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "ecdsa-public-key-cannot-sign",
        ta.operate(ECDSA_SHA256, MODE_SIGN, &public, &hex(t[3]), 64).and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "ecdsa-rsa-key-refused",
        ta.verify(
            ECDSA_SHA256,
            &spec(RSA_PUBLIC_KEY, 1024, &[r(RSA_MODULUS, v::EX1_MODULUS), r(RSA_PUBLIC_EXPONENT, "010001")], &[]),
            &hex(t[3]),
            &sig,
        )
        .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "ecdsa-ecdh-key-refused",
        ta.verify(ECDSA_SHA256, &spec(ECDH_KEYPAIR, 256, &ecc_keypair(t[0], t[1], t[2], P256), &[]), &hex(t[3]), &sig)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    // The deprecated __OPTEE_ALG_ECDSA_P256 is taken as ECDSA_SHA256.
    report.case(
        "ecdsa-legacy-p256-id",
        ta.verify(tee_abi::gp::alg::OPTEE_LEGACY_ECDSA_P256, &public, &hex(t[3]), &sig).and_then(want_ok),
    );

    report.test(4025, "ECC key generation");
    for (name, curve, algo, bits) in [("p256", P256, ECDSA_SHA256, 256u32), ("p521", P521, ECDSA_SHA512, 521)] {
        report.case(
            &format!("ecdsa-keygen-{name}-sign-verify"),
            (|| {
                let ids = [ECC_D, ECC_X, ECC_Y];
                let a = ta
                    .generate(ECDSA_KEYPAIR, bits, &[A::V(ECC_CURVE, curve)], &ids)?
                    .map_err(|c| format!("generate: {c:#010x}"))?;
                let key: Vec<A> =
                    ids.iter().zip(&a).map(|(&id, d)| A::R(id, d.clone())).chain([A::V(ECC_CURVE, curve)]).collect();
                let digest = [0x42; 32];
                let sig = ta
                    .operate(algo, MODE_SIGN, &spec(ECDSA_KEYPAIR, bits, &key, &[]), &digest, 132)?
                    .map_err(|(c, _)| format!("sign: {c:#010x}"))?;
                want_ok(ta.verify(algo, &spec(ECDSA_PUBLIC_KEY, bits, &key[1..], &[]), &digest, &sig)?)
            })(),
        );
    }
    let gen_err = |r: Result<Result<Vec<Vec<u8>>, u32>, String>, want: TeeError| match r? {
        Err(c) if c == want.code() => Ok(()),
        other => Err(format!("got {other:?}, want {want}")),
    };
    report.case("ecc-keygen-curve-required", gen_err(ta.generate(ECDH_KEYPAIR, 256, &[], &[]), TeeError::ItemNotFound));
    report.case(
        "ecc-keygen-size-not-the-curves",
        gen_err(ta.generate(ECDH_KEYPAIR, 384, &[A::V(ECC_CURVE, P256)], &[]), TeeError::BadParameters),
    );

    report.test(4026, "ECDH: NIST CAVP KAS ECC CDH primitive");
    for (name, t, curve, bits) in
        [("p256", v::CDH_P256, P256, 256u32), ("p384", v::CDH_P384, P384, 384), ("p521", v::CDH_P521, P521, 521)]
    {
        let key = spec(ECDH_KEYPAIR, bits, &ecc_keypair(t[2], t[3], t[4], curve), &[r(ECC_X, t[0]), r(ECC_Y, t[1])]);
        report.case(&format!("ecdh-{name}-cavp"), ta.derive(ECDH, &key).and_then(|a| want_bytes(a, &hex(t[5]))));
    }
    // Refused: the peer's Y before its X, and an ECDSA key for ECDH.
    let t = v::CDH_P256;
    for (name, key_type, peer) in [
        ("ecdh-peer-attributes-order", ECDH_KEYPAIR, [r(ECC_Y, t[1]), r(ECC_X, t[0])]),
        ("ecdh-ecdsa-key-refused", ECDSA_KEYPAIR, [r(ECC_X, t[0]), r(ECC_Y, t[1])]),
    ] {
        let key = spec(key_type, 256, &ecc_keypair(t[2], t[3], t[4], P256), &peer);
        report.case(name, ta.derive(ECDH, &key).and_then(|a| want_err(a, TeeError::BadParameters)));
    }

    report.test(4027, "Ed25519: RFC 8032 section 7.1");
    for (name, t) in [("test1", v::ED25519_TEST1), ("test2", v::ED25519_TEST2)] {
        ed25519_sign_and_verify(ta, report, &format!("ed25519-rfc8032-{name}"), [t[0], t[1], t[2], t[3]], &[]);
    }
    // RFC 8032 sections 7.2 and 7.3: the context and prehash variants.
    let (c, p) = (v::ED25519CTX_FOO, v::ED25519PH_ABC);
    let variants = [
        ("ed25519ctx-rfc8032-foo", [c[0], c[1], c[2], c[4]], A::R(EDDSA_CTX, hex(c[3]))),
        ("ed25519ph-rfc8032-abc", [p[0], p[1], p[2], p[3]], A::V(EDDSA_PREHASH, 1)),
    ];
    for (name, t, param) in variants {
        ed25519_sign_and_verify(ta, report, name, t, &[param]);
    }
    let two_contexts =
        spec(ED25519_PUBLIC_KEY, 256, &[r(ED25519_PUBLIC, c[1])], &[r(EDDSA_CTX, "01"), r(EDDSA_CTX, "02")]);
    report.case(
        "ed25519-two-contexts-bad-parameters",
        ta.verify(ED25519, &two_contexts, &hex(c[2]), &hex(c[4])).and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    let t = v::ED25519_TEST2;
    let kp = spec(ED25519_KEYPAIR, 256, &[r(ED25519_PRIVATE, t[0]), r(ED25519_PUBLIC, t[1])], &[]);
    let public = spec(ED25519_PUBLIC_KEY, 256, &[r(ED25519_PUBLIC, t[1])], &[]);
    report.case(
        "ed25519-other-message-invalid",
        ta.verify(ED25519, &public, b"s", &hex(t[3])).and_then(|a| want_err(a, TeeError::SignatureInvalid)),
    );
    report.case(
        "ed25519-sign-short-buffer",
        ta.operate(ED25519, MODE_SIGN, &kp, &hex(t[2]), 63).and_then(|a| want_short(a, 64)),
    );
    report.case(
        "ed25519-key-size-security",
        ta.verify(
            ED25519,
            &spec(ED25519_PUBLIC_KEY, 256, &[r(ED25519_PUBLIC, &t[1][..62])], &[]),
            &hex(t[2]),
            &hex(t[3]),
        )
        .and_then(|a| want_err(a, TeeError::Security)),
    );
    report.case(
        "ed25519-keygen-sign-verify",
        (|| {
            let ids = [ED25519_PRIVATE, ED25519_PUBLIC];
            let a = ta.generate(ED25519_KEYPAIR, 256, &[], &ids)?.map_err(|c| format!("generate: {c:#010x}"))?;
            let key: Vec<A> = ids.iter().zip(&a).map(|(&id, d)| A::R(id, d.clone())).collect();
            let msg = b"tz-xtest";
            let sig = ta
                .operate(ED25519, MODE_SIGN, &spec(ED25519_KEYPAIR, 256, &key, &[]), msg, 64)?
                .map_err(|(c, _)| format!("sign: {c:#010x}"))?;
            want_ok(ta.verify(ED25519, &spec(ED25519_PUBLIC_KEY, 256, &key[1..], &[]), msg, &sig)?)
        })(),
    );

    report.test(4028, "X25519: RFC 7748 section 6.1");
    let t = v::X25519_6_1;
    let alice =
        spec(X25519_KEYPAIR, 256, &[r(X25519_PRIVATE, t[0]), r(X25519_PUBLIC, t[1])], &[r(X25519_PUBLIC, t[3])]);
    let bob = spec(X25519_KEYPAIR, 256, &[r(X25519_PRIVATE, t[2]), r(X25519_PUBLIC, t[3])], &[r(X25519_PUBLIC, t[1])]);
    report.case("x25519-rfc7748-alice", ta.derive(X25519, &alice).and_then(|a| want_bytes(a, &hex(t[4]))));
    report.case("x25519-rfc7748-bob", ta.derive(X25519, &bob).and_then(|a| want_bytes(a, &hex(t[4]))));
    let short =
        spec(X25519_KEYPAIR, 256, &[r(X25519_PRIVATE, t[0]), r(X25519_PUBLIC, t[1])], &[r(X25519_PUBLIC, &t[3][..62])]);
    report.case("x25519-peer-key-size", ta.derive(X25519, &short).and_then(|a| want_err(a, TeeError::BadParameters)));
    // OP-TEE 4.5 has no TEE_TYPE_X25519_PUBLIC_KEY object.
    report.case(
        "x25519-public-key-type-not-supported",
        ta.get_attr(X25519_PUBLIC, u32::MAX, &spec(X25519_PUBLIC_KEY, 256, &[r(X25519_PUBLIC, t[1])], &[]), (0, 0), 32)
            .and_then(|a| want_err(a, TeeError::NotSupported)),
    );
    report.case(
        "x25519-keygen-agreement",
        (|| {
            let ids = [X25519_PRIVATE, X25519_PUBLIC];
            let a = ta.generate(X25519_KEYPAIR, 256, &[], &ids)?.map_err(|c| format!("generate: {c:#010x}"))?;
            let b = ta.generate(X25519_KEYPAIR, 256, &[], &ids)?.map_err(|c| format!("generate: {c:#010x}"))?;
            let side = |own: &[Vec<u8>], peer: &[u8]| {
                spec(
                    X25519_KEYPAIR,
                    256,
                    &[A::R(X25519_PRIVATE, own[0].clone()), A::R(X25519_PUBLIC, own[1].clone())],
                    &[A::R(X25519_PUBLIC, peer.to_vec())],
                )
            };
            let ka = ta.derive(X25519, &side(&a, &b[1]))?.map_err(|(c, _)| format!("derive: {c:#010x}"))?;
            want_bytes(ta.derive(X25519, &side(&b, &a[1]))?, &ka)
        })(),
    );
}

/// Cases `{name}-sign` and `{name}-verify`: the keypair from `t`'s
/// (private, public) signs message `t[2]` into exactly `t[3]`, and the
/// public key verifies it; `params` (context, prehash) go with both keys.
fn ed25519_sign_and_verify(ta: &mut Ta<'_, '_>, report: &mut Report, name: &str, t: [&str; 4], params: &[A]) {
    let kp = spec(ED25519_KEYPAIR, 256, &[r(ED25519_PRIVATE, t[0]), r(ED25519_PUBLIC, t[1])], params);
    let public = spec(ED25519_PUBLIC_KEY, 256, &[r(ED25519_PUBLIC, t[1])], params);
    report.case(
        &format!("{name}-sign"),
        ta.operate(ED25519, MODE_SIGN, &kp, &hex(t[2]), 64).and_then(|a| want_bytes(a, &hex(t[3]))),
    );
    report.case(&format!("{name}-verify"), ta.verify(ED25519, &public, &hex(t[2]), &hex(t[3])).and_then(want_ok));
}

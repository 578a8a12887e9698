//! Tests 4020-4023: RSA signatures, encryption and key generation.

use super::*;

pub(super) fn siggen15() -> Vec<A> {
    rsa_key(v::SIGGEN15_KEY)
}

fn siggenpss() -> Vec<A> {
    rsa_key(v::SIGGENPSS_KEY)
}

fn example1() -> Vec<A> {
    rsa_key(v::EX1_KEY)
}

pub(super) fn cases(ta: &mut Ta<'_, '_>, report: &mut Report) {
    report.test(4020, "RSA PKCS#1 v1.5 signatures: NIST CAVP SigGen15_186-2");
    let kp = spec(RSA_KEYPAIR, 1024, &siggen15(), &[]);
    let public = spec(RSA_PUBLIC_KEY, 1024, &siggen15()[..2], &[]);
    let digest = hex(v::SIGGEN15_SHA256_DIGEST);
    let sig = hex(v::SIGGEN15_SHA256_SIG);
    report.case(
        "rsa-pkcs1v15-sha256-sign-cavp",
        ta.operate(RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &kp, &digest, 128).and_then(|a| want_bytes(a, &sig)),
    );
    report.case(
        "rsa-pkcs1v15-sha256-verify-cavp",
        ta.verify(RSASSA_PKCS1_V1_5_SHA256, &public, &digest, &sig).and_then(want_ok),
    );
    report.case(
        "rsa-pkcs1v15-sha1-verify-cavp",
        ta.verify(RSASSA_PKCS1_V1_5_SHA1, &public, &hex(v::SIGGEN15_SHA1_DIGEST), &hex(v::SIGGEN15_SHA1_SIG))
            .and_then(want_ok),
    );
    let mut bad = sig.clone();
    bad[100] ^= 0x10;
    report.case(
        "rsa-pkcs1v15-bad-signature-invalid",
        ta.verify(RSASSA_PKCS1_V1_5_SHA256, &public, &digest, &bad)
            .and_then(|a| want_err(a, TeeError::SignatureInvalid)),
    );
    report.case(
        "rsa-sign-short-buffer",
        ta.operate(RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &kp, &digest, 64).and_then(|a| want_short(a, 128)),
    );
    report.case(
        "rsa-sign-digest-length-bad-parameters",
        ta.operate(RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &kp, &digest[..20], 128)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "rsa-public-key-cannot-sign",
        ta.operate(RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &public, &digest, 128)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );

    report.test(4021, "RSASSA-PSS: NIST CAVP SigGenPSS_186-2, sign/verify round trips");
    let kp = spec(RSA_KEYPAIR, 1024, &siggenpss(), &[]);
    let salt20 = [A::V(RSA_PSS_SALT_LENGTH, 20)];
    let public20 = spec(RSA_PUBLIC_KEY, 1024, &siggenpss()[..2], &salt20);
    let public = spec(RSA_PUBLIC_KEY, 1024, &siggenpss()[..2], &[]);
    let digest = hex(v::SIGGENPSS_SHA256_DIGEST);
    let sig = hex(v::SIGGENPSS_SHA256_SIG);
    report.case(
        "rsa-pss-sha256-verify-cavp-salt20",
        ta.verify(RSASSA_PSS_SHA256, &public20, &digest, &sig).and_then(want_ok),
    );
    report.case(
        "rsa-pss-default-salt-is-digest-length",
        ta.verify(RSASSA_PSS_SHA256, &public, &digest, &sig).and_then(|a| want_err(a, TeeError::SignatureInvalid)),
    );
    report.case(
        "rsa-pss-sha256-sign-verify",
        (|| {
            let sig = ta
                .operate(RSASSA_PSS_SHA256, MODE_SIGN, &kp, &digest, 128)?
                .map_err(|(c, _)| format!("sign: {c:#010x}"))?;
            want_ok(ta.verify(RSASSA_PSS_SHA256, &public, &digest, &sig)?)
        })(),
    );
    report.case(
        "rsa-pss-salt20-sign-verify",
        (|| {
            let kp20 = spec(RSA_KEYPAIR, 1024, &siggenpss(), &salt20);
            let sig = ta
                .operate(RSASSA_PSS_SHA256, MODE_SIGN, &kp20, &digest, 128)?
                .map_err(|(c, _)| format!("sign: {c:#010x}"))?;
            want_ok(ta.verify(RSASSA_PSS_SHA256, &public20, &digest, &sig)?)
        })(),
    );

    report.test(4022, "RSA encryption: PKCS #1 v2.1 Example 1.1 (OAEP, v1.5), round trips");
    let kp = spec(RSA_KEYPAIR, 1024, &example1(), &[]);
    let public = spec(RSA_PUBLIC_KEY, 1024, &example1()[..2], &[]);
    report.case(
        "rsa-oaep-sha1-decrypt-example-1.1",
        ta.operate(RSAES_OAEP_SHA1, MODE_DECRYPT, &kp, &hex(v::OAEP_1_1_CT), 128)
            .and_then(|a| want_bytes(a, &hex(v::OAEP_1_1_MSG))),
    );
    report.case(
        "rsa-pkcs1v15-decrypt-example-1.1",
        ta.operate(RSAES_PKCS1_V1_5, MODE_DECRYPT, &kp, &hex(v::PKCS1V15_1_1_CT), 128)
            .and_then(|a| want_bytes(a, &hex(v::PKCS1V15_1_1_MSG))),
    );
    for (name, algo) in
        [("oaep-sha1", RSAES_OAEP_SHA1), ("oaep-sha256", RSAES_OAEP_SHA256), ("pkcs1v15", RSAES_PKCS1_V1_5)]
    {
        report.case(
            &format!("rsa-{name}-encrypt-decrypt"),
            (|| {
                let msg = b"the quick brown fox";
                let ct = ta
                    .operate(algo, MODE_ENCRYPT, &public, msg, 128)?
                    .map_err(|(c, _)| format!("encrypt: {c:#010x}"))?;
                if ct.len() != 128 {
                    return Err(format!("ciphertext of {} bytes", ct.len()));
                }
                want_bytes(ta.operate(algo, MODE_DECRYPT, &kp, &ct, 128)?, msg)
            })(),
        );
    }
    report.case(
        "rsa-encrypt-short-buffer",
        ta.operate(RSAES_OAEP_SHA1, MODE_ENCRYPT, &public, b"x", 100).and_then(|a| want_short(a, 128)),
    );
    report.case(
        "rsa-decrypt-short-buffer",
        ta.operate(RSAES_OAEP_SHA1, MODE_DECRYPT, &kp, &hex(v::OAEP_1_1_CT), 4)
            .and_then(|a| want_short(a, hex(v::OAEP_1_1_MSG).len())),
    );
    report.case(
        "rsa-encrypt-message-too-long",
        ta.operate(RSAES_PKCS1_V1_5, MODE_ENCRYPT, &public, &[0x55; 118], 128)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "rsa-decrypt-bad-padding",
        ta.operate(RSAES_OAEP_SHA1, MODE_DECRYPT, &kp, &hex(v::PKCS1V15_1_1_CT), 128)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "rsa-nopad-roundtrip",
        (|| {
            let m = hex("00000102030405");
            let c = ta
                .operate(RSA_NOPAD, MODE_ENCRYPT, &public, &m, 128)?
                .map_err(|(c, _)| format!("encrypt: {c:#010x}"))?;
            // Raw RSA hands back the number without leading zeros.
            want_bytes(ta.operate(RSA_NOPAD, MODE_DECRYPT, &kp, &c, 128)?, &m[2..])
        })(),
    );

    report.test(4023, "RSA key generation (1024 and 2048 bits)");
    for bits in [1024u32, 2048] {
        report.case(
            &format!("rsa-keygen-{bits}-sign-verify"),
            (|| {
                let t = Instant::now();
                let attrs =
                    ta.generate(RSA_KEYPAIR, bits, &[], &RSA_IDS)?.map_err(|c| format!("generate: {c:#010x}"))?;
                println!("rsa-keygen-{bits}: {} ms", t.elapsed().as_millis());
                if attrs[0].len() * 8 != bits as usize || attrs[1] != [1, 0, 1] {
                    return Err(format!("modulus of {} bytes, e {}", attrs[0].len(), to_hex(&attrs[1])));
                }
                let key: Vec<A> = RSA_IDS.iter().zip(&attrs).map(|(&id, d)| A::R(id, d.clone())).collect();
                let digest = [0x5a; 32];
                let sig = ta
                    .operate(RSASSA_PKCS1_V1_5_SHA256, MODE_SIGN, &spec(RSA_KEYPAIR, bits, &key, &[]), &digest, 512)?
                    .map_err(|(c, _)| format!("sign: {c:#010x}"))?;
                want_ok(ta.verify(
                    RSASSA_PKCS1_V1_5_SHA256,
                    &spec(RSA_PUBLIC_KEY, bits, &key[..2], &[]),
                    &digest,
                    &sig,
                )?)
            })(),
        );
    }
    report.case(
        "rsa-keygen-even-exponent-refused",
        ta.generate(RSA_KEYPAIR, 1024, &[A::R(RSA_PUBLIC_EXPONENT, vec![1, 0, 0])], &[]).and_then(|r| match r {
            Err(code) if code == TeeError::BadParameters.code() => Ok(()),
            other => Err(format!("got {other:?}, want BAD_PARAMETERS")),
        }),
    );
}

//! Test 4029: asymmetric key attributes (upstream's access rules, copies
//! between keypair and public key, sizes, bignum encoding).

use super::rsa::siggen15;
use super::*;

pub(super) fn cases(ta: &mut Ta<'_, '_>, report: &mut Report) {
    report.test(4029, "asymmetric key attributes: access rules, copies, sizes");
    let kp = spec(RSA_KEYPAIR, 1024, &siggen15(), &[]);
    let public = spec(RSA_PUBLIC_KEY, 1024, &siggen15()[..2], &[]);
    report.case(
        "attr-rsa-modulus",
        ta.get_attr(RSA_MODULUS, u32::MAX, &kp, (0, 0), 512).and_then(|a| want_bytes(a, &hex(v::SIGGEN15_MODULUS))),
    );
    report.case(
        "attr-get-short-buffer",
        ta.get_attr(RSA_MODULUS, u32::MAX, &kp, (0, 0), 16).and_then(|a| want_short(a, 128)),
    );
    report.case(
        "attr-private-exponent-of-public-key-absent",
        ta.get_attr(RSA_PRIVATE_EXPONENT, u32::MAX, &public, (0, 0), 512)
            .and_then(|a| want_err(a, TeeError::ItemNotFound)),
    );
    // TEE_USAGE_EXTRACTABLE (bit 0) cleared: secret attributes refused,
    // public ones still readable.
    report.case(
        "attr-secret-of-non-extractable-key",
        ta.get_attr(RSA_PRIVATE_EXPONENT, !1, &kp, (0, 0), 512).and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "attr-public-of-non-extractable-key",
        ta.get_attr(RSA_MODULUS, !1, &kp, (0, 0), 512).and_then(|a| want_bytes(a, &hex(v::SIGGEN15_MODULUS))),
    );
    report.case(
        "attr-copy-rsa-public-from-keypair",
        ta.get_attr(RSA_PUBLIC_EXPONENT, u32::MAX, &kp, (RSA_PUBLIC_KEY, 1024), 16)
            .and_then(|a| want_bytes(a, &[1, 0, 1])),
    );
    report.case(
        "attr-copy-keypair-from-public-refused",
        ta.get_attr(RSA_MODULUS, u32::MAX, &public, (RSA_KEYPAIR, 1024), 512)
            .and_then(|a| want_err(a, TeeError::BadParameters)),
    );
    report.case(
        "attr-rsa-keypair-missing-private-exponent",
        ta.get_attr(RSA_MODULUS, u32::MAX, &spec(RSA_KEYPAIR, 1024, &siggen15()[..2], &[]), (0, 0), 512)
            .and_then(|a| want_err(a, TeeError::ItemNotFound)),
    );
    report.case(
        "attr-rsa-modulus-above-max-size",
        ta.get_attr(RSA_MODULUS, u32::MAX, &spec(RSA_PUBLIC_KEY, 512, &siggen15()[..2], &[]), (0, 0), 512)
            .and_then(|a| want_err(a, TeeError::BadState)),
    );
    report.case(
        "attr-ecc-copy-public-drops-private",
        ta.get_attr(
            ECC_D,
            u32::MAX,
            &spec(ECDSA_KEYPAIR, 256, &ecc_keypair(v::ECDSA_P256[0], v::ECDSA_P256[1], v::ECDSA_P256[2], P256), &[]),
            (ECDSA_PUBLIC_KEY, 256),
            66,
        )
        .and_then(|a| want_err(a, TeeError::ItemNotFound)),
    );
    report.case(
        "attr-ecc-bignum-leading-zeros-dropped",
        ta.get_attr(
            ECC_D,
            u32::MAX,
            &spec(ECDSA_KEYPAIR, 521, &ecc_keypair(v::ECDSA_P521[0], v::ECDSA_P521[1], v::ECDSA_P521[2], P521), &[]),
            (0, 0),
            66,
        )
        .and_then(|a| want_bytes(a, &hex(&v::ECDSA_P521[0][2..]))),
    );
}

//! Tests 4009 (HKDF) and 4012 (PBKDF2) through `tas/crypt_ta`'s
//! `crypt_ta::CMD_DERIVE` (syscall 32, OP-TEE's extension algorithms), with
//! published known-answer vectors and upstream's error codes.
//!
//! - 4009 `crypto-hkdf-rfc5869-{1,2,3,4,7}`: RFC 5869 appendix A test
//!   cases 1-3 (HKDF-SHA-256; 3 with empty salt and info) and 4, 7
//!   (HKDF-SHA-1; 7 with no salt); `crypto-check-hkdf`: no length,
//!   a foreign attribute, 513 bytes (BAD_PARAMETERS), what the derived
//!   object reports, unknown state (BAD_PARAMETERS) and derived object
//!   (BAD_STATE), a GENERIC_SECRET key (BAD_PARAMETERS), the IKM type's
//!   own attribute;
//! - 4012 `crypto-pbkdf2-sha1-rfc6070-{1,2,4096,long,nul}`: RFC 6070
//!   section 2, the cases of 1, 2 and 4096 iterations (16777216 would take
//!   minutes), the 25-byte one and the one with NUL bytes;
//!   `crypto-check-pbkdf2`: no count, no length, a foreign attribute, 513
//!   bytes, no salt.

use teec::{Context, Session};
use tz_runner::Report;

use super::{R, call, check, hex, want_bytes};
use proto::crypt_ta;
use tee_abi::gp::alg;

/// Cases reported here.
pub const CASES: usize = 6 + 6;

/// What `crypt_ta::CMD_DERIVE` takes besides the algorithm.
struct Input<'a> {
    key: &'a [u8],
    salt: &'a [u8],
    rounds: u32,
    info: &'a [u8],
}

fn derive(ctx: &Context, s: &mut Session<'_>, algo: u32, input: Input<'_>, want: &[u8]) -> R {
    let Input { key, salt, rounds, info } = input;
    let extra = [&(salt.len() as u32).to_le_bytes()[..], &rounds.to_le_bytes(), salt, info].concat();
    want_bytes(call(ctx, s, crypt_ta::CMD_DERIVE, (algo, want.len() as u32), &[key, &extra], want.len())?, want)
}

/// RFC 5869 appendix A: (case, algorithm, IKM, salt, info, OKM).
const HKDF: [(u32, u32, &str, &str, &str, &str); 5] = [
    (
        1,
        alg::HKDF_SHA256_DERIVE_KEY,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (
        2,
        alg::HKDF_SHA256_DERIVE_KEY,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
         202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
         808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
         d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09
         da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    ),
    (
        3,
        alg::HKDF_SHA256_DERIVE_KEY,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "",
        "",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
    (
        4,
        alg::HKDF_SHA1_DERIVE_KEY,
        "0b0b0b0b0b0b0b0b0b0b0b",
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
    ),
    (
        7,
        alg::HKDF_SHA1_DERIVE_KEY,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "",
        "",
        "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48",
    ),
];

/// RFC 6070 section 2: (name, password, salt, iterations, derived key).
type Pbkdf2Case = (&'static str, &'static [u8], &'static [u8], u32, &'static str);
const PBKDF2: [Pbkdf2Case; 5] = [
    ("1", b"password", b"salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
    ("2", b"password", b"salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
    ("4096", b"password", b"salt", 4096, "4b007901b765489abead49d926f721d065a429c1"),
    (
        "long",
        b"passwordPASSWORDpassword",
        b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
        4096,
        "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
    ),
    ("nul", b"pass\0word", b"sa\0lt", 4096, "56fa6aa75548099dcc37d7f03425e0c3"),
];

pub fn cases(ctx: &Context, s: &mut Session<'_>, report: &mut Report) {
    report.test(4009, "HKDF: RFC 5869");
    for (n, algo, ikm, salt, info, okm) in HKDF {
        report.case(
            &format!("crypto-hkdf-rfc5869-{n}"),
            derive(ctx, s, algo, Input { key: &hex(ikm), salt: &hex(salt), rounds: 0, info: &hex(info) }, &hex(okm)),
        );
    }
    report.case("crypto-check-hkdf", check(s, crypt_ta::CHECK_HKDF));

    report.test(4012, "PBKDF2-HMAC-SHA1: RFC 6070");
    for (name, password, salt, rounds, want) in PBKDF2 {
        report.case(
            &format!("crypto-pbkdf2-sha1-rfc6070-{name}"),
            derive(
                ctx,
                s,
                alg::PBKDF2_HMAC_SHA1_DERIVE_KEY,
                Input { key: password, salt, rounds, info: &[] },
                &hex(want),
            ),
        );
    }
    report.case("crypto-check-pbkdf2", check(s, crypt_ta::CHECK_PBKDF2));
}
